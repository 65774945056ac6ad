"""Run the catalog: live progress, a table, a JSON report, and an exit status that means something.

The exit status is non-zero when any statement is refuted or any negative control is accepted
(a check whose wrong variant passes proves nothing).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, TextIO

from . import bn, halfspace, network, ols, rayleigh, reparam

#: Sections in report order: (name, module).
SECTIONS = [("bn", bn), ("reparam", reparam), ("ols", ols), ("rayleigh", rayleigh), ("halfspace", halfspace),
            ("network", network)]


def _environment() -> dict:
    import numpy
    import scipy
    import sympy

    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=Path(__file__).parent, timeout=5
        ).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        rev = None
    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "sympy": sympy.__version__,
        "platform": platform.platform(),
        "git": rev,
    }


def run(
    *, fast: bool = False, only: str | None = None, seed: int = 0, out: TextIO | None = None
) -> dict:
    """Run every selected check, printing one line per check as it finishes; return the report."""
    out = sys.stdout if out is None else out

    def select(check_id: str) -> bool:
        return only is None or fnmatch.fnmatch(check_id, only) or only in check_id

    t0 = time.perf_counter()
    rows: list[dict] = []
    header = f"{'id':44s} {'method':44s} {'verdict':8s} negative controls"
    print(header, file=out)
    print("-" * len(header), file=out, flush=True)
    for _, module in SECTIONS:
        for d in module.checks(fast=fast, seed=seed, select=select):
            row = d.as_dict()
            rows.append(row)
            rejected = sum(c.rejected for c in d.controls)
            print(
                f"{d.id:44s} {row['method'][:44]:44s} {row['status']:8s} {rejected}/{len(d.controls)} rejected",
                file=out,
                flush=True,
            )
    summary = {
        "passed": sum(r["status"] == "pass" for r in rows),
        "failed": sum(r["status"] == "fail" for r in rows),
        "negative_controls_rejected": sum(c["status"] == "rejected" for r in rows for c in r["negative_controls"]),
        "negative_controls_total": sum(len(r["negative_controls"]) for r in rows),
    }
    print(
        f"\n{summary['passed']} passed, {summary['failed']} failed; negative controls rejected: "
        f"{summary['negative_controls_rejected']}/{summary['negative_controls_total']} "
        f"({time.perf_counter() - t0:.1f} s)",
        file=out,
        flush=True,
    )
    from bntheory import __version__

    return {
        "version": __version__,
        "seed": seed,
        "fast": fast,
        "only": only,
        "environment": _environment(),
        "checks": rows,
        "summary": summary,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``bntheory verify`` / ``python -m proofs_check``."""
    parser.add_argument("--fast", action="store_true", help="smaller explicit sizes (proof rung at m = 4 only)")
    parser.add_argument("--only", metavar="PATTERN", help="run only checks whose id matches (glob or substring)")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the exact-point sampler (default 0)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the report as JSON")


def main_from_args(args: argparse.Namespace) -> int:
    """Run with parsed arguments; exit status 0 only if every check passed."""
    report = run(fast=args.fast, only=args.only, seed=args.seed)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"wrote {args.json}")
    if not report["checks"]:
        print(f"no check matches --only {args.only!r}", file=sys.stderr)
        return 2
    return 0 if report["summary"]["failed"] == 0 else 1


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m proofs_check", description="Run the bntheory proof-check catalog.")
    add_arguments(parser)
    return main_from_args(parser.parse_args(None if argv is None else list(argv)))
