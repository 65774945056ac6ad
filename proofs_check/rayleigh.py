"""MATH.md §3.1: the generalised Rayleigh-quotient lemma, checked on solver traces.

The identities behind it (the closed-form step, the eigensolver form, the pencil eigenvalues) are
derived in :mod:`bntheory.symbolic.ols` and reported in the ``ols`` section; this section holds
the lemma's per-step bound evaluated on random pencils, with its negative controls.
"""

from __future__ import annotations

from ._symbolic import section_checks

#: The numerical checks of the section, in report order.
NUMERICAL: list = []


def checks(*, fast: bool = False, seed: int = 0, select=lambda _: True):
    """Yield the section's results (see :func:`proofs_check._symbolic.section_checks`)."""
    return section_checks(None, fast=fast, seed=seed, select=select, numerical=NUMERICAL)
