"""MATH.md §6: the one-hidden-layer network — gradient structure and per-unit reduction.

The derivations of :mod:`bntheory.symbolic.mlp`, proved at an explicit dimension, each with its
negative controls.
"""

from __future__ import annotations

from bntheory.symbolic import mlp

from ._symbolic import section_checks

#: The numerical checks of the section, in report order.
NUMERICAL: list = []


def checks(*, fast: bool = False, seed: int = 0, select=lambda _: True):
    """Yield the section's results (see :func:`proofs_check._symbolic.section_checks`)."""
    return section_checks(mlp, fast=fast, seed=seed, select=select, numerical=NUMERICAL)
