"""Pieces shared by the solvers: the ``S``-geometry of a problem and the input checks.

Every solver works in the geometry of MATH.md §0 — ``S`` symmetric positive definite, the
cross moment ``u``, ``μ = λ_min(S)``, ``L = λ_max(S)`` and ``ρ* = −uᵀS⁻¹u`` — and every solver
refuses the starting points and constants the theory excludes (MATH.md §3, §4.4, §9.4).
This module is the single place where those facts are computed and checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.linalg

from ..errors import DegenerateStartError, ShapeMismatchError, StepSizeError
from ..validation import as_finite_array, finite_scalar, spd_matrix

__all__ = ["Geometry", "geometry", "check_start", "check_L"]

# Relative size of uᵀw₀ (against ‖u‖‖w₀‖) below which the start is treated as uᵀw₀ = 0:
# a few rounding errors of the inner product itself (MATH.md §9.4).
_DEGENERATE_RTOL = 8.0 * np.finfo(np.float64).eps
# L may undercut λ_max(S) by this relative amount (the eigenvalue itself is computed in float64).
_L_RTOL = 1e-12


@dataclass
class Geometry:
    """The ``S``-geometry of a problem (MATH.md §0).

    Parameters
    ----------
    S : ndarray, shape (d, d)
        Second-moment matrix, symmetric positive definite.
    u : ndarray, shape (d,)
        Cross moment ``u = E[−y x]``.
    mu, L : float
        ``λ_min(S)`` and ``λ_max(S)``.
    problem : object or None
        The problem the geometry was read from (kept for its value/gradient methods).
    """

    S: np.ndarray
    u: np.ndarray
    mu: float
    L: float
    problem: object = field(default=None, repr=False)

    @property
    def d(self) -> int:
        """Dimension ``d``."""
        return self.u.shape[0]

    @cached_property
    def cho(self):
        """Cholesky factor of ``S`` (computed once, for the ``S⁻¹``-norm diagnostics)."""
        return scipy.linalg.cho_factor(self.S)

    @cached_property
    def s_inv_u(self) -> np.ndarray:
        """``S⁻¹u``, the direction of the minimisers of ``ρ`` (MATH.md §3)."""
        return scipy.linalg.cho_solve(self.cho, self.u)

    @cached_property
    def rho_star(self) -> float:
        """``ρ* = −uᵀS⁻¹u`` (MATH.md §0)."""
        rs = getattr(self.problem, "rho_star", None)
        if rs is not None:
            return float(rs)
        return -float(self.u @ self.s_inv_u)

    def dual_norm_sq(self, v: np.ndarray) -> float:
        """``‖v‖²_{S⁻¹} = vᵀS⁻¹v`` (costs one triangular solve pair)."""
        return float(v @ scipy.linalg.cho_solve(self.cho, v))

    def rho(self, w: np.ndarray) -> float:
        """``ρ(w) = −(uᵀw)²/(wᵀSw)`` (MATH.md §0)."""
        return -float(self.u @ w) ** 2 / float(w @ (self.S @ w))


def geometry(problem) -> Geometry:
    """Read the ``S``-geometry of ``problem``.

    ``problem`` is any object with attributes ``S`` and ``u`` (an ``OLSProblem``, a halfspace
    problem, …) or a pair ``(S, u)``.  Attributes ``mu`` and ``L`` are used when present,
    otherwise computed from the spectrum of ``S``.

    Raises
    ------
    ShapeMismatchError, NonFiniteError, NotSymmetricError, NotPositiveDefiniteError

    Examples
    --------
    >>> import numpy as np
    >>> G = geometry((np.diag([1.0, 4.0]), np.array([1.0, 0.0])))
    >>> G.mu, G.L, G.rho_star
    (1.0, 4.0, -1.0)
    """
    if isinstance(problem, tuple):
        S, u = problem
        obj = None
    else:
        S, u = problem.S, problem.u
        obj = problem
    mu = getattr(obj, "mu", None)
    L = getattr(obj, "L", None)
    if mu is not None and L is not None:
        # a problem object validated S (SPD) and u at construction and knows its spectrum: do not
        # repeat the O(d³) checks on every solver call
        S = np.asarray(S, dtype=np.float64)
        u = np.asarray(u, dtype=np.float64)
    else:
        S = spd_matrix("S", S)
        u = as_finite_array("u", u, ndim=1)
    if u.shape != (S.shape[0],):
        raise ShapeMismatchError(f"u has length {u.shape[0]} but S is {S.shape[0]}×{S.shape[0]}")
    if mu is None or L is None:
        ev = np.linalg.eigvalsh(S)
        mu, L = float(ev[0]), float(ev[-1])
    return Geometry(S=S, u=u, mu=float(mu), L=float(L), problem=obj)


def check_start(G: Geometry, w0, name: str = "w0") -> np.ndarray:
    """Return ``w0`` as a float64 vector, refusing the starts the theory excludes.

    Raises
    ------
    ShapeMismatchError
        If ``w0`` is not a vector of length ``d``.
    NonFiniteError
        If ``w0`` has a NaN or ±Inf entry.
    DegenerateStartError
        If ``w0 = 0`` or ``uᵀw0 = 0`` (to rounding: ``|uᵀw0| ≤ 8·eps·‖u‖‖w0‖``), where
        ``ρ(w0) = 0`` and the step size of MATH.md §3 is undefined.

    Examples
    --------
    >>> import numpy as np
    >>> G = geometry((np.eye(2), np.array([1.0, 0.0])))
    >>> check_start(G, [0.0, 1.0])
    Traceback (most recent call last):
    ...
    bntheory.errors.DegenerateStartError: uᵀw0 = 0 (|uᵀw0| = 0 ≤ 1.78e-15·‖u‖‖w0‖): ρ(w0) = 0 and the Rayleigh step size is undefined
    """
    w = as_finite_array(name, w0, ndim=1)
    if w.shape[0] != G.d:
        raise ShapeMismatchError(f"{name} has length {w.shape[0]}, expected d = {G.d}")
    nw = float(np.linalg.norm(w))
    if nw == 0.0:
        raise DegenerateStartError(f"{name} = 0: the direction w̃ = g w/‖w‖_S is undefined")
    uw = float(G.u @ w)
    if abs(uw) <= _DEGENERATE_RTOL * float(np.linalg.norm(G.u)) * nw:
        raise DegenerateStartError(
            f"uᵀ{name} = 0 (|uᵀ{name}| = {abs(uw):.3g} ≤ {_DEGENERATE_RTOL:.3g}·‖u‖‖{name}‖): "
            f"ρ({name}) = 0 and the Rayleigh step size is undefined"
        )
    return w


def check_L(G: Geometry, L) -> float:
    """Return the smoothness constant ``L`` to use (default ``λ_max(S)``).

    Raises
    ------
    StepSizeError
        If ``L ≤ 0`` or ``L < λ_max(S)``: the step ``η_t = wᵀSw/(2L|ρ|)`` of MATH.md §3 is only
        covered by the theorem for ``L ≥ λ_max(S)``.
    NonFiniteError, ParameterError
        If ``L`` is not a finite real number.
    """
    if L is None:
        return G.L
    L = finite_scalar("L", L)
    if L <= 0.0:
        raise StepSizeError(f"L must be positive, got L = {L}")
    if L < G.L * (1.0 - _L_RTOL):
        raise StepSizeError(f"L = {L} is below λ_max(S) = {G.L}: the theorem needs L ≥ λ_max(S)")
    return L
