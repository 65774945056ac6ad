"""MATH.md §3: ordinary least squares, the Rayleigh quotient and the closed-form step.

The derivations of :mod:`bntheory.symbolic.ols`, proved at an explicit dimension, each with its
negative controls.
"""

from __future__ import annotations

from bntheory.symbolic import ols

from ._symbolic import section_checks

#: The numerical checks of the section, in report order.
NUMERICAL: list = []


def checks(*, fast: bool = False, seed: int = 0, select=lambda _: True):
    """Yield the section's results (see :func:`proofs_check._symbolic.section_checks`)."""
    return section_checks(ols, fast=fast, seed=seed, select=select, numerical=NUMERICAL)
