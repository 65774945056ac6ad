"""MATH.md §2: Batch Normalization as a length–direction reparametrization.

The derivations of :mod:`bntheory.symbolic.reparam`, proved at an explicit dimension, each with its
negative controls.
"""

from __future__ import annotations

from bntheory.symbolic import reparam

from ._symbolic import section_checks

#: The numerical checks of the section, in report order.
NUMERICAL: list = []


def checks(*, fast: bool = False, seed: int = 0, select=lambda _: True):
    """Yield the section's results (see :func:`proofs_check._symbolic.section_checks`)."""
    return section_checks(reparam, fast=fast, seed=seed, select=select, numerical=NUMERICAL)
