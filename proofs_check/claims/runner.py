"""Run every claim: ``bntheory claims`` and the ``claims`` key of ``bntheory verify``'s report."""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import time
from pathlib import Path
from typing import TextIO

from bntheory.errors import ParameterError

from .core import HOLDS, NOT_CHECKABLE, REFUTED, REGISTRY, ClaimVerdict
from .errata import to_errata_markdown
from .ids import ORDER

_COLUMNS = (("id", 20), ("verdict", 13), ("method", 62), ("s", 6))


def registered_in_order() -> list:
    """The registered claims in :data:`~proofs_check.claims.ids.ORDER`; every id must be registered."""
    missing = [i for i in ORDER if i not in REGISTRY]
    extra = sorted(set(REGISTRY) - set(ORDER))
    if missing or extra:
        raise RuntimeError(f"claims registry out of step with ids.ORDER: missing {missing}, unknown {extra}")
    return [REGISTRY[i] for i in ORDER]


def matches(claim_id: str, only: str | None) -> bool:
    """``--only``: a glob or a substring of the id (as for ``bntheory verify``)."""
    return only is None or fnmatch.fnmatch(claim_id, only) or only in claim_id


def _row(v: ClaimVerdict) -> str:
    cells = (v.id, v.verdict + ("*" if v.corrected_verified is False else ""), v.method, f"{v.seconds:.2f}")
    return "  ".join(str(c)[:w].ljust(w) for c, (_, w) in zip(cells, _COLUMNS)).rstrip()


def evaluate_claims(*, fast: bool = False, seed: int = 0, only: str | None = None,
                    out: TextIO | None = None) -> tuple[list[ClaimVerdict], dict]:
    """Decide every selected claim, printing a line per claim as it finishes.

    Returns the verdicts and a summary: counts per verdict, and ``failed`` — the claims whose
    registered corrected form the same evaluation did not confirm (a defect of the catalog,
    not a verdict on the article).
    """
    out = sys.stdout if out is None else out
    t0 = time.perf_counter()
    verdicts = []
    for c in registered_in_order():
        if matches(c.id, only):
            if not verdicts:
                print("\n" + "  ".join(name.ljust(w) for name, w in _COLUMNS).rstrip(), file=out, flush=True)
            v = c.run(fast=fast, seed=seed)
            verdicts.append(v)
            print(_row(v), file=out, flush=True)
    summary = {k: sum(v.verdict == k for v in verdicts) for k in (HOLDS, REFUTED, NOT_CHECKABLE)}
    summary["failed"] = [v.id for v in verdicts if v.corrected_verified is False]
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    return verdicts, summary


def summary_text(summary: dict) -> str:
    failed = summary["failed"]
    return (f"claims: {summary[HOLDS]} hold, {summary[REFUTED]} refuted, {summary[NOT_CHECKABLE]} not checkable"
            + (f"; corrected form NOT confirmed for {', '.join(failed)}" if failed else "")
            + f" ({summary['seconds']:.1f} s)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``bntheory claims``."""
    parser.add_argument("--fast", action="store_true", help="smaller batteries and sizes")
    parser.add_argument("--only", metavar="PATTERN", help="decide only claims whose id matches (glob or substring)")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="seed of every random instance (default 0)")
    parser.add_argument("--json", type=Path, metavar="PATH",
                        help="write the verdicts as JSON (the `claims` list of report.json)")
    parser.add_argument("--md", type=Path, metavar="PATH",
                        help="write the errata page: claim, verdict, evidence, correction, by article and section")


def _run(args: argparse.Namespace) -> int:
    if args.seed < 0:
        raise ParameterError(f"--seed must be >= 0, got {args.seed}")
    for option, path in (("--json", args.json), ("--md", args.md)):
        if path is not None and not path.parent.is_dir():
            raise ParameterError(f"{option}: the directory of {str(path)!r} does not exist")
    verdicts, summary = evaluate_claims(fast=args.fast, seed=args.seed, only=args.only)
    if not verdicts:
        raise ParameterError(f"no claim matches --only {args.only!r}")
    print("\n" + summary_text(summary))
    rows = [v.as_dict() for v in verdicts]
    if args.json is not None:
        args.json.write_text(json.dumps({"seed": args.seed, "fast": args.fast, "claims": rows,
                                         "summary": summary}, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    if args.md is not None:
        args.md.write_text(to_errata_markdown(rows), encoding="utf-8")
        print(f"wrote {args.md}")
    return 1 if summary["failed"] else 0


def main_from_args(args: argparse.Namespace) -> int:
    """Run ``bntheory claims``: exit 0 when every selected claim was decided (and every registered
    corrected form confirmed), 1 when a corrected form was not confirmed, 2 on invalid input (a
    negative seed, an ``--only`` that matches nothing, an output directory that does not exist)."""
    try:
        return _run(args)
    except ParameterError as exc:
        print(f"bntheory claims: error: {exc}", file=sys.stderr)
        return 2
