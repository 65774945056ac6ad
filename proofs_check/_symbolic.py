"""Adapt a ``bntheory.symbolic`` module's ``derivations(d=…)`` to the catalog's ``checks`` form."""

from __future__ import annotations

from typing import Callable, Iterator

from bntheory.symbolic.derivation import Derivation

#: Explicit dimension of the default run (proof rung) and of ``--fast``.
DEFAULT_D = 4
FAST_D = 3


def section_checks(module, *, fast: bool, seed: int, select: Callable[[str], bool]) -> Iterator[Derivation]:
    """Yield the module's derivations at ``d = 4`` (``d = 3`` with ``fast``) on the proof rung.

    The module's builder computes its derivations together (they share expressions), so
    ``select`` filters the results rather than the work.
    """
    for d in module.derivations(d=FAST_D if fast else DEFAULT_D, prove=True, points=2, seed=seed):
        if select(d.id):
            yield d
