"""Adapt a section's symbolic derivations and numerical checks to the catalog's ``checks`` form."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from .result import CheckResult, from_derivation

#: Explicit dimension of the default run (proof rung) and of ``--fast``.
DEFAULT_D = 4
FAST_D = 3


def section_checks(module, *, fast: bool, seed: int, select: Callable[[str], bool],
                   numerical: Iterable[Callable] = ()) -> Iterator[CheckResult]:
    """Yield the section's results: the derivations of the ``bntheory.symbolic`` ``module`` (if
    any) at ``d = 4`` (``d = 3`` with ``fast``) on the proof rung, then its ``numerical`` checks
    (functions decorated with :func:`proofs_check.result.check`) whose id ``select`` accepts.

    The module's builder computes its derivations together (they share expressions), so
    ``select`` filters the symbolic results rather than the work; it is asked first, so a
    section with no selected derivation builds nothing.
    """
    if module is not None and any(select(i) for i in module.DERIVATION_IDS):
        for d in module.derivations(d=FAST_D if fast else DEFAULT_D, prove=True, points=2, seed=seed):
            if select(d.id):
                yield from_derivation(d)
    for fn in numerical:
        if select(fn.id):
            yield fn(seed=seed, fast=fast)

