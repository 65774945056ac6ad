"""Run the catalog: live progress, a table, a JSON report, and an exit status that means something.

The exit status is non-zero when any statement is refuted or any negative control is accepted
(a check whose wrong variant passes proves nothing), or when a registered correction of a seed
article's claim is not confirmed.  After the checks, the seed articles' claims are decided
(:mod:`proofs_check.claims`) and reported under the ``claims`` key.
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

from . import bn, bngd_ols, explosion, halfspace, network, ols, rayleigh, reparam, scale_invariance, smoothness
from .report import summary_line, table_header, table_row, to_latex, to_markdown

#: Sections in report order: (name, module).
SECTIONS = [("bn", bn), ("reparam", reparam), ("ols", ols), ("rayleigh", rayleigh), ("halfspace", halfspace),
            ("network", network), ("smoothness", smoothness), ("explosion", explosion), ("bngd-ols", bngd_ols),
            ("scale-invariance", scale_invariance)]


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


def run(*, fast: bool = False, only: str | None = None, seed: int = 0, out: TextIO | None = None) -> dict:
    """Run every selected check with live progress (a line per check as it finishes, in the
    table's columns); return the report (the dictionary written as ``report.json``)."""
    out = sys.stdout if out is None else out

    def select(check_id: str) -> bool:
        return only is None or fnmatch.fnmatch(check_id, only) or only in check_id

    t0 = time.perf_counter()
    rows: list[dict] = []
    header = table_header()
    print(header, file=out)
    print("-" * len(header), file=out, flush=True)
    for name, module in SECTIONS:
        live = out.isatty()
        if live:  # a transient "running" marker on a terminal (erased before each row)
            print(f"[{name}] running …", file=out, end="\r", flush=True)
        for result in module.checks(fast=fast, seed=seed, select=select):
            row = result.as_dict()
            rows.append(row)
            print(("\x1b[K" if live else "") + table_row(row), file=out, flush=True)
            if live:
                print(f"[{name}] running …", file=out, end="\r", flush=True)
        if live:
            print("\x1b[K", file=out, end="", flush=True)
    summary = {
        "passed": sum(r["status"] == "pass" for r in rows),
        "failed": sum(r["status"] == "fail" for r in rows),
        "negative_controls_rejected": sum(c["status"] == "rejected" for r in rows for c in r["negative_controls"]),
        "negative_controls_total": sum(len(r["negative_controls"]) for r in rows),
    }
    from bntheory import __version__

    report = {
        "version": __version__,
        "seed": seed,
        "fast": fast,
        "only": only,
        "environment": _environment(),
        "checks": rows,
        "summary": summary,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    print("\n" + summary_line(report), file=out, flush=True)
    _add_claims(report, fast=fast, seed=seed, only=only, out=out)
    return report


def _add_claims(report: dict, *, fast: bool, seed: int, only: str | None, out: TextIO) -> None:
    """Decide the seed articles' claims (those ``only`` selects) into ``report["claims"]``."""
    from .claims.runner import evaluate_claims, summary_text

    verdicts, summary = evaluate_claims(fast=fast, seed=seed, only=only, out=out)
    report["claims"] = [v.as_dict() for v in verdicts]
    report["summary"]["claims"] = {k: v for k, v in summary.items() if k != "seconds"}
    report["seconds"] = round(report["seconds"] + summary["seconds"], 3)
    if verdicts:
        print(summary_text(summary), file=out, flush=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``bntheory verify`` / ``python -m proofs_check``."""
    parser.add_argument("--fast", action="store_true", help="smaller explicit sizes (proof rung at m = 4 only)")
    parser.add_argument("--only", metavar="PATTERN", help="run only checks and claims whose id matches (glob or substring)")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the exact-point sampler (default 0)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the report as JSON (schema: README)")
    parser.add_argument("--md", type=Path, metavar="PATH", help="write the report as Markdown")
    parser.add_argument("--latex", type=Path, metavar="PATH",
                        help="write a self-contained LaTeX appendix (compiles with pdflatex)")


def main_from_args(args: argparse.Namespace) -> int:
    """Run with parsed arguments; exit status 0 only if every check passed."""
    report = run(fast=args.fast, only=args.only, seed=args.seed)
    for path, render in ((args.json, lambda r: json.dumps(r, indent=2) + "\n"), (args.md, to_markdown),
                         (args.latex, to_latex)):
        if path is not None:
            path.write_text(render(report), encoding="utf-8")
            print(f"wrote {path}")
    if not report["checks"] and not report["claims"]:
        print(f"no check or claim matches --only {args.only!r}", file=sys.stderr)
        return 2
    return 0 if report["summary"]["failed"] == 0 and not report["summary"]["claims"]["failed"] else 1


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m proofs_check", description="Run the bntheory proof-check catalog.")
    add_arguments(parser)
    return main_from_args(parser.parse_args(None if argv is None else list(argv)))
