r"""Explicit-size symbolic objects shared by the derivations: vectors, a symmetric ``S``, ``‖w‖_S``.

DESIGN.md warns against ``MatrixSymbol.diff`` on normalised expressions (SymPy issues 26585,
27406, 16623); every derivation therefore works component-wise at an explicit dimension ``d``
with the objects built here.  The ``S``-norm is carried by a positive symbol ``r`` with the
relation ``r² = wᵀSw``, linear in ``S₁₁`` — so exact points stay rational (MATH.md §2).

Examples
--------
>>> g = s_geometry(2)
>>> g.w.T, g.relation.base
(Matrix([[w1, w2]]), S11*w1**2 + 2*S12*w1*w2 + S22*w2**2)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..errors import ParameterError
from .verify import Relation


def vector(name: str, d: int, **assumptions) -> sp.Matrix:
    """Column vector of symbols ``name1 … name_d``."""
    return sp.Matrix(sp.symbols(f"{name}1:{d + 1}", **assumptions))


def symmetric_matrix(name: str, d: int) -> sp.Matrix:
    """Symmetric ``d × d`` matrix of symbols ``S_ij = S_ji`` (``i ≤ j``)."""
    entries = {}
    for i in range(d):
        for j in range(i, d):
            entries[i, j] = entries[j, i] = sp.Symbol(f"{name}{i + 1}{j + 1}")
    return sp.Matrix(d, d, lambda i, j: entries[i, j])


def is_positive_definite(S: sp.Matrix) -> bool:
    """Sylvester's criterion on an exact (rational) matrix: every leading minor positive."""
    return all(S[:k, :k].det() > 0 for k in range(1, S.rows + 1))


@dataclass(frozen=True)
class SGeometry:
    r"""The objects of MATH.md §0 at dimension ``d``.

    Attributes
    ----------
    d : int
    w, u : sympy.Matrix
        Column vectors of symbols.
    S : sympy.Matrix
        Symmetric matrix of symbols (positive definiteness is imposed at exact points through
        :meth:`condition`).
    r : sympy.Symbol
        ``‖w‖_S``, positive, with ``relation``: ``r² = wᵀSw`` solved for ``S₁₁``.
    """

    d: int
    w: sp.Matrix
    u: sp.Matrix
    S: sp.Matrix
    r: sp.Symbol
    relation: Relation

    @property
    def wSw(self) -> sp.Expr:
        """``wᵀSw`` as a polynomial."""
        return self.relation.base

    @property
    def s_norm(self) -> sp.Expr:
        """``‖w‖_S = sqrt(wᵀSw)`` as an expression of the entries (differentiate this)."""
        return sp.sqrt(self.wSw)

    @property
    def domain(self) -> dict:
        """Sampling intervals making ``S`` strictly diagonally dominant, hence positive definite."""
        out = {}
        for i in range(self.d):
            for j in range(i, self.d):
                out[self.S[i, j]] = (self.d, 2 * self.d) if i == j else (-1, 1)
        return out

    def condition(self, point) -> bool:
        """Admissible exact point: ``S`` positive definite there."""
        return is_positive_definite(self.S.xreplace(point))


def s_geometry(d: int, *, w: str = "w", u: str = "u", S: str = "S", r: str = "r") -> SGeometry:
    """Build :class:`SGeometry` at dimension ``d ≥ 1``.

    Raises
    ------
    ParameterError
        If ``d`` is not a positive integer.
    """
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise ParameterError(f"dimension d must be a positive integer, got d = {d!r}")
    wv, uv, Sm = vector(w, d), vector(u, d), symmetric_matrix(S, d)
    rs = sp.Symbol(r, positive=True)
    base = sp.expand((wv.T * Sm * wv)[0, 0])
    return SGeometry(d, wv, uv, Sm, rs, Relation(rs, base, solve_for=Sm[0, 0]))
