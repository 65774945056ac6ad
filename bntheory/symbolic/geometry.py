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
from fractions import Fraction

import sympy as sp

from ..errors import ParameterError
from .verify import Relation


def check_size(name: str, value, minimum: int = 1) -> int:
    """Validate an explicit size (a dimension ``d``, a number of units ``m`` …): an integer ``≥ minimum``.

    Raises
    ------
    ParameterError
        Naming the quantity and its value, e.g. ``d must be an integer ≥ 1, got d = 0``.

    Examples
    --------
    >>> check_size("m", 2)
    2

    References
    ----------
    MATH.md §0 (the explicit sizes of every derivation); DESIGN.md ("Errors").
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(f"{name} must be an integer ≥ {minimum}, got {name} = {value!r}")
    return value


#: The largest explicit dimension at which ``derivations(d=…)`` attempts the proof rung by default.
PROOF_MAX_D = 4


def attempt_proof(d: int, prove: bool | None = None) -> bool:
    """Whether a module's ``derivations`` attempt the proof rung: ``prove`` if given, else ``d ≤ 4``.

    Above :data:`PROOF_MAX_D` the exact rational normal forms grow too large; the statements are
    then checked at exact points only (MATH.md §7).

    Examples
    --------
    >>> attempt_proof(3), attempt_proof(12), attempt_proof(12, True)
    (True, False, True)
    """
    return d <= PROOF_MAX_D if prove is None else bool(prove)


def vector(name: str, d: int, **assumptions) -> sp.Matrix:
    """Column vector of symbols ``name1 … name_d`` (MATH.md §0).

    Examples
    --------
    >>> vector("w", 2).T
    Matrix([[w1, w2]])
    """
    return sp.Matrix(sp.symbols(f"{name}1:{d + 1}", **assumptions))


def symmetric_matrix(name: str, d: int) -> sp.Matrix:
    """Symmetric ``d × d`` matrix of symbols ``name_ij = name_ji`` (``i ≤ j``), e.g. ``S`` (MATH.md §0).

    Examples
    --------
    >>> symmetric_matrix("C", 2)
    Matrix([
    [C11, C12],
    [C12, C22]])
    """
    entries = {}
    for i in range(d):
        for j in range(i, d):
            entries[i, j] = entries[j, i] = sp.Symbol(f"{name}{i + 1}{j + 1}")
    return sp.Matrix(d, d, lambda i, j: entries[i, j])


def dot(a: sp.Matrix, b: sp.Matrix) -> sp.Expr:
    """``aᵀb`` for two columns, as a scalar expression (MATH.md §0).

    Examples
    --------
    >>> dot(vector("u", 2), vector("w", 2))
    u1*w1 + u2*w2
    """
    return (a.T * b)[0, 0]


def is_positive_definite(S: sp.Matrix) -> bool:
    """Positive definiteness of an exact symmetric matrix (MATH.md §0: ``S ≻ 0``).

    Sylvester's criterion — every leading principal minor positive — evaluated as the pivots of
    Gaussian elimination without pivoting (the ``k``-th pivot is the quotient of the ``k``-th and
    the ``(k−1)``-th leading minors), in exact rational arithmetic.  Entries that are not rational
    numbers fall back to SymPy determinants.

    Examples
    --------
    >>> import sympy as sp
    >>> is_positive_definite(sp.Matrix([[2, 1], [1, 1]])), is_positive_definite(sp.Matrix([[1, 2], [2, 1]]))
    (True, False)
    """
    if not all(isinstance(x, sp.Rational) for x in S):
        return all(S[:k, :k].det() > 0 for k in range(1, S.rows + 1))
    A = [[Fraction(int(x.p), int(x.q)) for x in S.row(i)] for i in range(S.rows)]
    n = len(A)
    for k in range(n):
        pivot = A[k][k]
        if pivot <= 0:
            return False
        row_k = A[k]
        for i in range(k + 1, n):
            f = A[i][k] / pivot
            if f:
                row_i = A[i]
                for j in range(k + 1, n):
                    row_i[j] -= f * row_k[j]
    return True


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
        """``wᵀSw`` as a polynomial (MATH.md §0)."""
        return self.relation.base

    @property
    def s_norm(self) -> sp.Expr:
        """``‖w‖_S = sqrt(wᵀSw)`` as an expression of the entries (differentiate this) (MATH.md §0)."""
        return sp.sqrt(self.wSw)

    @property
    def domain(self) -> dict:
        """Sampling intervals making ``S`` strictly diagonally dominant, hence positive definite (MATH.md §0, §7)."""
        out = {}
        for i in range(self.d):
            for j in range(i, self.d):
                out[self.S[i, j]] = (self.d, 2 * self.d) if i == j else (-1, 1)
        return out

    def condition(self, point) -> bool:
        """Admissible exact point: ``S`` positive definite there (MATH.md §0, §7)."""
        return is_positive_definite(self.S.xreplace(point))


def s_geometry(d: int, *, w: str = "w", u: str = "u", S: str = "S", r: str = "r") -> SGeometry:
    """Build :class:`SGeometry`, the objects of MATH.md §0 and §2, at dimension ``d ≥ 1``.

    Raises
    ------
    ParameterError
        If ``d`` is not a positive integer (:func:`check_size`).
    """
    check_size("d", d)
    wv, uv, Sm = vector(w, d), vector(u, d), symmetric_matrix(S, d)
    rs = sp.Symbol(r, positive=True)
    base = sp.expand((wv.T * Sm * wv)[0, 0])
    return SGeometry(d, wv, uv, Sm, rs, Relation(rs, base, solve_for=Sm[0, 0]))
