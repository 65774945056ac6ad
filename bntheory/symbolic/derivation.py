r"""Named derivations: an identity, the rung it reached, and its negative controls.

A :class:`Derivation` is what the ``verify`` report lists without knowing its insides: an id, the
statement in LaTeX, its assumptions, the explicit sizes it was checked at, the
:class:`~bntheory.symbolic.verify.Verification` of the statement, and one or more
:class:`Control`\ s — the same check run on deliberately wrong variants, each of which must be
refuted (MATH.md §7: "a check that cannot fail proves nothing").

Examples
--------
>>> import sympy as sp
>>> from bntheory.symbolic.derivation import derive
>>> x = sp.Symbol("x")
>>> d = derive("demo.square", "example", r"(x+1)^2 = x^2 + 2x + 1", (x + 1)**2, x**2 + 2*x + 1,
...            controls=[("dropped cross term", (x + 1)**2, x**2 + 1)])
>>> d.verification.status, d.controls[0].verification.status, d.passed
('proved', 'refuted', True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from ..errors import SymbolicInputError
from .verify import REFUTED, Verification, verify_identity


@dataclass(frozen=True)
class Control:
    """A deliberately wrong variant of a statement and the ladder's verdict on it."""

    description: str
    verification: Verification

    @property
    def rejected(self) -> bool:
        """True when the ladder refuted the wrong variant, as it must."""
        return self.verification.status == REFUTED

    def as_dict(self) -> dict:
        return {
            "description": self.description,
            "status": "rejected" if self.rejected else "accepted",
            "verification": self.verification.as_dict(),
        }


@dataclass(frozen=True)
class Derivation:
    """One verified statement with its evidence.

    Attributes
    ----------
    id : str
        Stable identifier, e.g. ``"bn.backward.compact"``.
    section : str
        Where the statement stands, e.g. ``"MATH.md §1.3"``.
    statement_latex : str
        The general statement, in LaTeX (no surrounding ``$``).
    assumptions : tuple of str
        Hypotheses under which it was checked (``"ε ≥ 0"``, ``"m = 8"`` …).
    size : mapping
        The explicit sizes of the instance (``{"m": 8}``).
    verification : Verification
        The ladder's verdict on the statement.
    controls : tuple of Control
        Negative controls; every one must be refuted.
    """

    id: str
    section: str
    statement_latex: str
    assumptions: tuple[str, ...]
    size: Mapping[str, int]
    verification: Verification
    controls: tuple[Control, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        """The statement holds and every negative control was rejected."""
        return self.verification.holds and bool(self.controls) and all(c.rejected for c in self.controls)

    def latex(self) -> str:
        """A notebook-friendly LaTeX block: the statement and how it was verified."""
        sizes = ", ".join(f"{k} = {v}" for k, v in self.size.items())
        return (
            f"{self.statement_latex}"
            rf"\qquad\text{{[{self.verification.describe()}{'; ' + sizes if sizes else ''}]}}"
        )

    def _repr_latex_(self) -> str:  # Jupyter display
        return f"$${self.latex()}$$"

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "section": self.section,
            "statement_latex": self.statement_latex,
            "assumptions": list(self.assumptions),
            "size": dict(self.size),
            "verification": self.verification.as_dict(),
            "controls": [c.as_dict() for c in self.controls],
            "passed": self.passed,
        }


def derive(
    id: str,
    section: str,
    statement_latex: str,
    lhs,
    rhs,
    *,
    controls: Sequence[tuple],
    assumptions: Sequence[str] = (),
    size: Mapping[str, int] | None = None,
    **ladder,
) -> Derivation:
    """Verify ``lhs = rhs`` and each control ``(description, lhs', rhs')`` with the same ladder options.

    A control may carry a fourth element, a dict of ladder options overriding ``ladder`` for it.
    Every keyword in ``ladder`` is passed to :func:`~bntheory.symbolic.verify.verify_identity`.

    Raises
    ------
    SymbolicInputError
        If no control is given: a statement without a negative control is not a check.
    """
    if not controls:
        raise SymbolicInputError(f"derivation {id!r} has no negative control")
    main = verify_identity(lhs, rhs, **ladder)
    done = []
    for c in controls:
        description, clhs, crhs = c[:3]
        opts = {**ladder, **(c[3] if len(c) > 3 else {})}
        done.append(Control(description, verify_identity(clhs, crhs, **opts)))
    return Derivation(id, section, statement_latex, tuple(assumptions), dict(size or {}), main, tuple(done))
