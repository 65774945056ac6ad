"""The ``bntheory`` command (also ``python -m bntheory``)."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bntheory",
        description="Derive, run and check the convergence theory of Batch Normalization.",
    )
    parser.add_argument("--version", action="version", version=f"bntheory {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from proofs_check.runner import add_arguments

    verify = sub.add_parser(
        "verify",
        help="check every derivation with its negative controls; exit non-zero on any failure",
        description="Run the proof-check catalog (MATH.md §1–§6): every identity is verified on the "
        "proof rung or at exact points, every theorem's bound is evaluated on solver traces, and every "
        "negative control must be rejected. Writes report.json / report.md / a LaTeX appendix on request.",
    )
    add_arguments(verify)
    from .figures import add_arguments as add_figure_arguments

    figures = sub.add_parser(
        "figures",
        help="regenerate every convergence plot (PDF + PNG) from tidy CSV/JSON records",
        description="Run the convergence experiments of MATH.md §3–§6, write each as a tidy CSV with a JSON "
        "sidecar (seed, parameters, versions, git revision), draw every figure from those files with the "
        "theorem's bound over the measurement, and check that each bound dominates its measurement. "
        "The settings are ours: the paper's experiment settings are not available.",
    )
    add_figure_arguments(figures)
    from proofs_check.claims.runner import add_arguments as add_claim_arguments

    claims = sub.add_parser(
        "claims",
        help="give a verdict on every checkable statement of the two seed articles; write the errata page",
        description="Decide every statement of CLAIMS.md — holds, refuted (with a counterexample and the "
        "smallest corrected form, itself confirmed) or not checkable here (with the reason) — each by a "
        "computation on the claim as the article states it. --md writes the errata page.",
    )
    add_claim_arguments(claims)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "verify":
        from proofs_check.runner import main_from_args

        return main_from_args(args)
    if args.command == "figures":
        from .figures import main_from_args as figures_main

        return figures_main(args)
    if args.command == "claims":
        from proofs_check.claims.runner import main_from_args as claims_main

        return claims_main(args)
    raise AssertionError(args.command)  # argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
