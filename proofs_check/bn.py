"""MATH.md §1: the Batch Normalizing transform, derived from its definition and verified.

Default run: every statement of :mod:`bntheory.symbolic.bn` on the proof rung at batch size
``m = 8``, then the backward pass (six chain-rule formulas and the compact form) at exact rational
points at ``m = 64``.  ``fast``: the proof rung at ``m = 4`` only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterator

from bntheory.symbolic import bn

from .result import CheckResult, from_derivation

PROOF_M = 8
POINTS_M = 64
FAST_M = 4
BACKWARD = [i for i in bn.derivation_ids() if i.startswith("bn.backward.") and "second-term" not in i]


def checks(*, fast: bool = False, seed: int = 0, select: Callable[[str], bool] = lambda _: True) -> Iterator[CheckResult]:
    """Yield the §1 derivations one by one (so that progress can be shown as they finish)."""
    names = [n for n in bn.derivation_ids() if select(n)]
    if names:
        for d in bn.iter_derivations(m=FAST_M if fast else PROOF_M, prove=True, points=2, seed=seed, names=names):
            yield from_derivation(d)
    if fast:
        return
    wanted = [n for n in BACKWARD if select(f"{n}@m={POINTS_M}")]
    if wanted:
        inst = bn.forward(POINTS_M)
        for d in bn.iter_derivations(m=POINTS_M, prove=False, points=2, seed=seed, names=wanted, instance=inst):
            yield from_derivation(replace(d, id=f"{d.id}@m={POINTS_M}"))
