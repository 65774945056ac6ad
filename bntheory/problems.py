r"""The problems of the paper: values, gradients and BN coordinates (MATH.md §2–6).

Interface notes (for the solvers)
---------------------------------
Names and signatures follow the shared interface. Additions, no changes:

* Every class derives from :class:`SGeometry` (``S``, ``u``, ``d``, ``mu``, ``L``, ``kappa``,
  ``uSu`` = :math:`u^\top S^{-1}u`, ``rho_star``, ``w_star_direction``, ``s_norm``,
  ``dual_norm_sq``, ``rho``, ``grad_rho``, ``a``, ``w_tilde``, ``to_bn``, ``check_start``,
  ``projected_u_coefficient``) and gets the BN-coordinate methods ``f_bn``, ``grad_w``, ``dg``,
  ``h`` generically from ``f``/``grad``/``c1_c2`` by the chain rule of MATH.md §2; the Gaussian
  halfspace overrides them with the closed forms of §4.3 (vectorised in ``g``).
* ``OLSProblem`` also has ``c1_c2`` (= (2, 2): :math:`\nabla f=2u+2S\tilde w`), hence ``h`` -- so
  GDNP runs unchanged on OLS -- and ``g_star(w)`` = :math:`-u^\top w/\|w\|_S`.
* ``s_norm(w)`` raises :class:`~bntheory.errors.DegenerateStartError` for ``w = 0`` unless
  ``allow_zero=True``.
* ``OneHiddenLayer.unit(i, W)`` returns a :class:`HiddenUnitProblem`: the per-unit problem of the
  alternating GDNP (unit ``i`` free, the others fixed) with the same interface as the halfspace
  problems (``f``, ``grad``, ``f_bn``, ``grad_w``, ``dg``, ``h``, ``zeta``), so the same GDNP
  solver runs on it. ``f_bn_unit``/``grad_w_unit``/``dg_unit``/``h_unit(i, W, w, g)`` are
  shorthands (argument order ``(i, W, w, g)``: unit, full weight matrix, direction, length).
* ``OneHiddenLayer`` integrates rank ≤ 2 expectations with a tensor composite Gauss--Legendre
  rule in the standardised variables (not Gauss--Hermite, which fails for wide tanh spreads,
  MATH §9 pitfall 6); options ``n_gl``, ``max_panels``, ``n_mc``, ``rng``.
  ``evaluate(W)`` returns value, gradient, their error estimates and the Stein diagonal.

References
----------
Kohler et al., *Exponential convergence rates for Batch Normalization*, AISTATS 2019
(arXiv:1805.10694), Sections 3 (OLS), 4 (halfspaces), 5 (one hidden layer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.polynomial.legendre import leggauss
from scipy.linalg import cho_factor, cho_solve

from .errors import (
    DegenerateStartError,
    ModelValidityError,
    ParameterError,
    ShapeMismatchError,
)
from .gauss import DEFAULT_RULE, GaussRule
from .losses import LOGISTIC, Loss, get_loss
from .validation import as_finite_array, finite_scalar, inputs_and_labels, int_at_least, spd_matrix

__all__ = [
    "SGeometry",
    "OLSProblem",
    "GaussianHalfspace",
    "EmpiricalHalfspace",
    "OneHiddenLayer",
    "HiddenUnitProblem",
    "HiddenLayerEval",
    "sample_z",
    "SAMPLE_KINDS",
    "random_spd",
    "random_problem",
    "tight_problem",
]

_TANH_D2_SUP = 4.0 / (3.0 * math.sqrt(3.0))  # sup |tanh''|, at tanh = ±1/√3
_XI_MAX = 9.0  # |ξ| > 9 carries Gaussian mass < 3e-19 per axis


def _rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise ParameterError(f"rng must be None, an int seed or a numpy Generator, got {rng!r}")


def _g_array(g) -> tuple[np.ndarray, bool]:
    """Validate a length (scalar or array); return (float array, was_scalar)."""
    arr = as_finite_array("g", g)
    return arr, arr.ndim == 0


# =============================================================================================
# S-geometry shared by every problem (MATH.md §0, §2, §3)
# =============================================================================================


class SGeometry:
    r"""The geometry defined by :math:`S\succ0` and :math:`u` (MATH.md §0, §3).

    Parameters
    ----------
    S : array_like, shape (d, d)
        Symmetric positive definite (checked by :func:`bntheory.validation.spd_matrix`).
    u : array_like, shape (d,)

    Notes
    -----
    Subclasses provide ``f(w_tilde)`` and ``grad(w_tilde)``; this class derives the BN
    coordinates from them by the chain rule of MATH.md §2:
    :math:`\nabla_w f_{BN}=(g/\|w\|_S)(I-Sww^\top/\|w\|_S^2)\nabla f(\tilde w)`,
    :math:`\partial_g f_{BN}=w^\top\nabla f(\tilde w)/\|w\|_S`.
    """

    def __init__(self, S, u):
        S = spd_matrix("S", S)
        u = as_finite_array("u", u, ndim=1)
        if u.shape[0] != S.shape[0]:
            raise ShapeMismatchError(f"u has length {u.shape[0]} but S is {S.shape[0]}×{S.shape[0]}")
        lam = np.linalg.eigvalsh(S)
        self._S = S
        self._u = u
        self._lam = lam
        self._cho = cho_factor(S, lower=True)
        self._Sinv_u = cho_solve(self._cho, u)
        for arr in (self._S, self._u, self._Sinv_u, self._lam):
            arr.setflags(write=False)
        self._uSu = float(u @ self._Sinv_u)

    def _share_geometry(self, other: "SGeometry") -> None:
        """Adopt ``other``'s validated geometry (no re-factorisation)."""
        for key in ("_S", "_u", "_lam", "_cho", "_Sinv_u", "_uSu"):
            setattr(self, key, getattr(other, key))

    # --- attributes ---------------------------------------------------------------------
    S = property(lambda self: self._S, doc="Second-moment matrix :math:`S` (read-only).")
    u = property(lambda self: self._u, doc="Cross moment :math:`u=E[-yx]` (read-only).")
    d = property(lambda self: self._S.shape[0], doc="Dimension.")
    mu = property(lambda self: float(self._lam[0]), doc=":math:`\\mu=\\lambda_{\\min}(S)`.")
    L = property(lambda self: float(self._lam[-1]), doc=":math:`L=\\lambda_{\\max}(S)`.")
    kappa = property(lambda self: self.L / self.mu, doc=":math:`\\kappa=L/\\mu`.")
    uSu = property(lambda self: self._uSu, doc=":math:`u^\\top S^{-1}u=-\\rho^*`.")
    rho_star = property(lambda self: -self._uSu, doc=":math:`\\rho^*=-u^\\top S^{-1}u` (MATH §3).")
    w_star_direction = property(
        lambda self: self._Sinv_u, doc=":math:`S^{-1}u`; :math:`\\rho` is minimal on its line."
    )

    # --- vectors and norms --------------------------------------------------------------
    def _vec(self, name: str, w) -> np.ndarray:
        w = as_finite_array(name, w, ndim=1)
        if w.shape[0] != self.d:
            raise ShapeMismatchError(f"{name} must have length d = {self.d}, got {w.shape[0]}")
        return w

    def s_norm(self, w, *, allow_zero: bool = False) -> float:
        r""":math:`\|w\|_S=\sqrt{w^\top Sw}`; ``w = 0`` raises unless ``allow_zero``."""
        w = self._vec("w", w)
        val = math.sqrt(max(float(w @ self._S @ w), 0.0))
        if val == 0.0 and not allow_zero:
            raise DegenerateStartError("w = 0 has no direction: ‖w‖_S = 0")
        return val

    def dual_norm_sq(self, v) -> float:
        r""":math:`\|v\|_{S^{-1}}^2=v^\top S^{-1}v` (cached Cholesky factor)."""
        v = self._vec("v", v)
        return float(v @ cho_solve(self._cho, v))

    def a(self, w) -> float:
        r""":math:`a(w)=u^\top w/\|w\|_S` (MATH §4.3; :math:`a^2=-\rho(w)`, :math:`|a|<\sqrt{u^\top S^{-1}u}`)."""
        w = self._vec("w", w)
        return float(self._u @ w) / self.s_norm(w)

    def rho(self, w) -> float:
        r""":math:`\rho(w)=-(u^\top w)^2/(w^\top Sw)` (MATH §0)."""
        return -self.a(w) ** 2

    def grad_rho(self, w) -> np.ndarray:
        r""":math:`\nabla\rho(w)=-(2u^\top w/\|w\|_S^2)(u-(u^\top w/\|w\|_S^2)Sw)` (MATH §3)."""
        w = self._vec("w", w)
        n2 = self.s_norm(w) ** 2
        uw = float(self._u @ w)
        return -(2.0 * uw / n2) * (self._u - (uw / n2) * (self._S @ w))

    def w_tilde(self, w, g) -> np.ndarray:
        r""":math:`\tilde w=g\,w/\|w\|_S` (MATH §2); ``g`` scalar → (d,), array (k,) → (k, d)."""
        w = self._vec("w", w)
        g, scalar = _g_array(g)
        out = np.multiply.outer(g, w / self.s_norm(w))
        return out

    def to_bn(self, w_tilde) -> tuple[np.ndarray, float]:
        r"""Inverse of :meth:`w_tilde`: :math:`(w,g)=(\tilde w/\|\tilde w\|_S,\ \|\tilde w\|_S)`."""
        wt = self._vec("w_tilde", w_tilde)
        g = self.s_norm(wt)
        return wt / g, g

    def check_start(self, w) -> np.ndarray:
        r"""Validate a GDNP/Rayleigh start: ``w ≠ 0`` and :math:`u^\top w\ne0` (MATH §9 pitfall 4).

        :math:`u^\top w` counts as zero when :math:`|a(w)|\le10^{-13}\sqrt{u^\top S^{-1}u}`.
        """
        w = self._vec("w0", w)
        a = self.a(w)
        if abs(a) <= 1e-13 * math.sqrt(self._uSu):
            raise DegenerateStartError(
                f"start with uᵀw0 = 0 (uᵀw0/‖w0‖_S = {a:.3g}): ρ(w0) = 0 and the Rayleigh step is undefined"
            )
        return w

    def projected_u_coefficient(self, v, w) -> float:
        r"""Least-squares coefficient :math:`\hat c` of :math:`u` in the projected vector (MATH §5).

        With :math:`P=I-Sww^\top/\|w\|_S^2` (the :math:`S^{-1}`-orthogonal projector onto
        :math:`(Sw)^{\perp_{S^{-1}}}`), :math:`\hat c=\arg\min_c\|Pv-cPu\|_{S^{-1}}
        =\langle Pv,Pu\rangle_{S^{-1}}/\|Pu\|^2_{S^{-1}}`, and
        :math:`\|Pu\|^2_{S^{-1}}=\rho(w)-\rho^*`. Returns 0 when :math:`\rho(w)-\rho^*\le
        10^{-14}|\rho^*|` (``w`` on the optimal line: :math:`Pu=0`, the coefficient is undefined).
        For Stein-structured gradients :math:`v=c_1u+c_2S\tilde w` it returns :math:`c_1` exactly.
        """
        v = self._vec("v", v)
        w = self._vec("w", w)
        n2 = self.s_norm(w) ** 2
        uw = float(self._u @ w)
        gap = self._uSu - uw * uw / n2
        if gap <= 1e-14 * self._uSu:
            return 0.0
        num = float(v @ self._Sinv_u) - float(v @ w) * uw / n2
        return num / gap

    # --- generic BN coordinates (MATH §2) ------------------------------------------------
    def f(self, w_tilde):  # pragma: no cover - abstract
        raise NotImplementedError

    def grad(self, w_tilde):  # pragma: no cover - abstract
        raise NotImplementedError

    def value_and_grad(self, w_tilde):
        """``(f(w̃), ∇f(w̃))``; classes that can share work between the two override it."""
        return float(self.f(w_tilde)), self.grad(w_tilde)

    def _map_g(self, fun, w, g):
        g_arr, scalar = _g_array(g)
        vals = [fun(float(gi)) for gi in g_arr.ravel()]
        if scalar:
            return vals[0]
        return np.asarray(vals).reshape(g_arr.shape + np.shape(vals[0]))

    def f_bn(self, w, g):
        r""":math:`f_{BN}(w,g)=f(g\,w/\|w\|_S)` (MATH §2); vectorised over an array ``g``."""
        w = self._vec("w", w)
        nw = self.s_norm(w)
        return self._map_g(lambda gi: self.f(gi * w / nw), w, g)

    def grad_w(self, w, g):
        r""":math:`\nabla_w f_{BN}=(g/\|w\|_S)(I-Sww^\top/\|w\|_S^2)\nabla f(\tilde w)` (MATH §2)."""
        w = self._vec("w", w)
        nw = self.s_norm(w)
        Sw = self._S @ w

        def one(gi):
            gr = self.grad(gi * w / nw)
            return (gi / nw) * (gr - Sw * (float(w @ gr) / nw**2))

        return self._map_g(one, w, g)

    def dg(self, w, g):
        r""":math:`\partial_g f_{BN}=w^\top\nabla f(\tilde w)/\|w\|_S` (MATH §2)."""
        w = self._vec("w", w)
        nw = self.s_norm(w)
        return self._map_g(lambda gi: float(w @ self.grad(gi * w / nw)) / nw, w, g)

    def c1_c2(self, w_tilde) -> tuple[float, float]:
        r"""Least-squares :math:`(c_1,c_2)` with :math:`\nabla f(\tilde w)\approx c_1u+c_2S\tilde w` in :math:`\|\cdot\|_{S^{-1}}`.

        Exact for Stein-structured gradients (MATH §4.2). By Frisch–Waugh–Lovell,
        :math:`c_1` equals :meth:`projected_u_coefficient` (MATH §5). At :math:`\tilde w=0`,
        :math:`c_1=\langle\nabla f,u\rangle_{S^{-1}}/u^\top S^{-1}u` and :math:`c_2` from
        :meth:`_c2_at_zero`; on the optimal line (:math:`u\parallel S\tilde w`), :math:`c_1=0`.
        """
        wt = self._vec("w_tilde", w_tilde)
        gr = self.grad(wt)
        n2 = float(wt @ self._S @ wt)
        if n2 == 0.0:
            return float(gr @ self._Sinv_u) / self._uSu, self._c2_at_zero()
        c1 = self.projected_u_coefficient(gr, wt)
        c2 = (float(wt @ gr) - c1 * float(self._u @ wt)) / n2
        return c1, c2

    def _c2_at_zero(self) -> float:  # pragma: no cover - overridden where meaningful
        return float("nan")

    def h(self, w, g) -> float:
        r""":math:`h=c_1(\tilde w)\,u^\top w` with :math:`\tilde w=gw/\|w\|_S` (MATH §4.4, §5)."""
        w = self._vec("w", w)
        g = finite_scalar("g", g)
        c1, _ = self.c1_c2(g * w / self.s_norm(w))
        return c1 * float(self._u @ w)


# =============================================================================================
# OLS (MATH §3)
# =============================================================================================


class OLSProblem(SGeometry):
    r"""Ordinary least squares, :math:`f(\tilde w)=2u^\top\tilde w+\tilde w^\top S\tilde w` (MATH §3).

    Examples
    --------
    >>> import numpy as np
    >>> from bntheory.problems import OLSProblem
    >>> P = OLSProblem(np.diag([4.0, 1.0]), [1.0, 1.0])
    >>> P.kappa, P.rho_star
    (4.0, -1.25)
    >>> w = P.w_star_direction
    >>> bool(np.isclose(P.f_bn(w, P.g_star(w)), P.rho_star))
    True
    """

    @classmethod
    def from_data(cls, X, y) -> "OLSProblem":
        r"""Empirical :math:`S=X^\top X/n`, :math:`u=-X^\top y/n` (:math:`u=E[-yx]`)."""
        X = as_finite_array("X", X, ndim=2)
        y = as_finite_array("y", y, ndim=1)
        if X.shape[0] != y.shape[0]:
            raise ShapeMismatchError(f"X has {X.shape[0]} rows but y has length {y.shape[0]}")
        n = X.shape[0]
        return cls(X.T @ X / n, -(X.T @ y) / n)

    @property
    def f_star(self) -> float:
        r""":math:`\min f=\rho^*` (the constant :math:`E[y^2]` is dropped)."""
        return self.rho_star

    def f(self, w_tilde) -> float:
        wt = self._vec("w_tilde", w_tilde)
        return 2.0 * float(self._u @ wt) + float(wt @ self._S @ wt)

    def grad(self, w_tilde) -> np.ndarray:
        wt = self._vec("w_tilde", w_tilde)
        return 2.0 * self._u + 2.0 * (self._S @ wt)

    def c1_c2(self, w_tilde) -> tuple[float, float]:
        """:math:`\\nabla f=2u+2S\\tilde w`, so :math:`(c_1,c_2)=(2,2)`."""
        self._vec("w_tilde", w_tilde)
        return 2.0, 2.0

    def f_bn(self, w, g):
        r""":math:`f_{OLS}(w,g)=2g\,u^\top w/\|w\|_S+g^2` (the paper's eq. 11); vectorised in ``g``."""
        a = self.a(w)
        g, _ = _g_array(g)
        out = 2.0 * g * a + g * g
        return float(out) if out.ndim == 0 else out

    def dg(self, w, g):
        r""":math:`\partial_g f_{OLS}=2a+2g`."""
        a = self.a(w)
        g, _ = _g_array(g)
        out = 2.0 * a + 2.0 * g
        return float(out) if out.ndim == 0 else out

    def g_star(self, w) -> float:
        r""":math:`g^*(w)=-u^\top w/\|w\|_S` (MATH §3): :math:`f_{OLS}(w,g^*)=\rho(w)`."""
        return -self.a(w)


# =============================================================================================
# Gaussian halfspaces (MATH §4)
# =============================================================================================


def _check_valid_model(uSu: float) -> None:
    if not uSu < 1.0:
        raise ModelValidityError(
            f"Gaussian halfspace model z ~ N(u, S − uuᵀ) needs uᵀS⁻¹u < 1, got uᵀS⁻¹u = {uSu:.17g}"
        )


class GaussianHalfspace(SGeometry):
    r"""Learning halfspaces with :math:`z\sim N(u,S-uu^\top)` (MATH §4).

    Every expectation is one-dimensional (MATH §4.3): :math:`q=z^\top\tilde w\sim N(ga,g^2(1-a^2))`,
    :math:`g=\|\tilde w\|_S`, :math:`a=u^\top\tilde w/\|\tilde w\|_S`, computed by
    :mod:`bntheory.gauss` (relative error :math:`\le10^{-12}`, see there).

    Parameters
    ----------
    S, u : array_like
        Model moments; :math:`u^\top S^{-1}u<1` is required (else :class:`ModelValidityError`).
    loss : Loss or str
    quad : GaussRule, optional
        Quadrature options (default :data:`bntheory.gauss.DEFAULT_RULE`).

    Examples
    --------
    >>> import numpy as np
    >>> from bntheory.problems import GaussianHalfspace
    >>> P = GaussianHalfspace(np.eye(2), [0.5, 0.0], "logistic")
    >>> P.zeta
    0.25
    >>> c1, c2 = P.c1_c2([0.0, 0.0]);  (c1, c2)      # φ'(0), φ''(0)
    (0.5, 0.25)
    """

    def __init__(self, S, u, loss, *, quad: GaussRule | None = None):
        super().__init__(S, u)
        _check_valid_model(self._uSu)
        self.loss: Loss = get_loss(loss)
        if quad is not None and not isinstance(quad, GaussRule):
            raise ParameterError(f"quad must be a bntheory.gauss.GaussRule, got {quad!r}")
        self.quad: GaussRule = quad or DEFAULT_RULE

    @property
    def zeta(self) -> float:
        r""":math:`\zeta=\beta_2L` (MATH §4.1 assumption 2)."""
        return self.loss.sup_d2 * self.L

    def moments(self, g, a):
        r""":math:`(E\varphi(q),E\varphi'(q),E\varphi''(q))`, :math:`q\sim N(ga,g^2(1-a^2))`; vectorised.

        Raises :class:`ParameterError` if :math:`|a|>1`.
        """
        g = as_finite_array("g", g)
        a = as_finite_array("a", a)
        if (np.abs(a) > 1.0).any():
            raise ParameterError(f"|a| must be <= 1, got a = {float(a[np.abs(a) > 1].flat[0])}")
        s = np.abs(g) * np.sqrt(np.maximum(1.0 - a * a, 0.0))
        E = self.quad.moments(self.loss, g * a, s)
        if E.shape[1:] == ():
            return float(E[0]), float(E[1]), float(E[2])
        return E[0], E[1], E[2]

    def _g_a(self, w_tilde) -> tuple[float, float]:
        wt = self._vec("w_tilde", w_tilde)
        g = self.s_norm(wt, allow_zero=True)
        return g, (float(self._u @ wt) / g if g > 0 else 0.0)

    def c1_c2(self, w_tilde) -> tuple[float, float]:
        r"""Stein coefficients (MATH §4.2): :math:`c_1=E\varphi'-E\varphi''\,u^\top\tilde w`, :math:`c_2=E\varphi''`."""
        g, a = self._g_a(w_tilde)
        _, E1, E2 = self.moments(g, a)
        return E1 - E2 * g * a, E2

    def f(self, w_tilde) -> float:
        r""":math:`f_{LH}(\tilde w)=E\varphi(z^\top\tilde w)`."""
        g, a = self._g_a(w_tilde)
        return self.moments(g, a)[0]

    def grad(self, w_tilde) -> np.ndarray:
        r""":math:`\nabla f_{LH}=c_1u+c_2S\tilde w` (MATH §4.2)."""
        wt = self._vec("w_tilde", w_tilde)
        c1, c2 = self.c1_c2(wt)
        return c1 * self._u + c2 * (self._S @ wt)

    def f_bn(self, w, g):
        r""":math:`f_{LH}(w,g)=E_\xi\varphi(ga+g\sqrt{1-a^2}\xi)` (MATH §4.3); vectorised in ``g``."""
        return self.moments(g, self.a(w))[0]

    def _c1_bn(self, a, g):
        _, E1, E2 = self.moments(g, a)
        return E1 - E2 * np.asarray(g) * a, E2

    def dg(self, w, g):
        r""":math:`\partial_gf_{LH}=c_1a+c_2g=aE\varphi'+g(1-a^2)E\varphi''` (MATH §4.3); vectorised."""
        a = self.a(w)
        c1, c2 = self._c1_bn(a, g)
        out = c1 * a + c2 * np.asarray(g, dtype=float)
        return float(out) if np.ndim(out) == 0 else out

    def grad_w(self, w, g):
        r""":math:`\nabla_wf_{LH}=(gc_1/\|w\|_S)(u-(u^\top w/\|w\|_S^2)Sw)` (MATH §4.3); ``g`` array → (k, d)."""
        w = self._vec("w", w)
        nw = self.s_norm(w)
        a = float(self._u @ w) / nw
        c1, _ = self._c1_bn(a, g)
        direction = self._u - (a / nw) * (self._S @ w)
        return np.multiply.outer(np.asarray(g, dtype=float) * c1 / nw, direction)

    def h(self, w, g) -> float:
        r""":math:`h=c_1(\tilde w)\,u^\top w` (MATH §4.4, the paper's consistent :math:`h`)."""
        w = self._vec("w", w)
        g = finite_scalar("g", g)
        a = self.a(w)
        c1, _ = self._c1_bn(a, g)
        return float(c1) * float(self._u @ w)


# =============================================================================================
# Empirical halfspaces (MATH §5) and samplers
# =============================================================================================

SAMPLE_KINDS = ("gaussian", "laplace", "uniform", "mixture")


def sample_z(kind: str, n: int, S, u, rng=None, *, delta: float = 0.9) -> np.ndarray:
    r"""Draw ``n`` samples :math:`z` with :math:`E[z]=u` and :math:`E[zz^\top]=S` exactly in law.

    :math:`z=u+C\varepsilon` with :math:`CC^\top=S-uu^\top` (needs :math:`u^\top S^{-1}u<1`) and
    :math:`\varepsilon` with i.i.d. zero-mean unit-variance entries:

    ``gaussian``  standard normal -- the §4 model :math:`N(u,S-uu^\top)`;
    ``laplace``   Laplace with scale :math:`1/\sqrt2`;
    ``uniform``   uniform on :math:`[-\sqrt3,\sqrt3]`;
    ``mixture``   :math:`\pm\delta+\sqrt{1-\delta^2}\,N(0,1)` with a fair sign (bimodal for
    :math:`\delta` near 1; ``delta`` in [0, 1)).

    Examples
    --------
    >>> import numpy as np
    >>> from bntheory.problems import sample_z
    >>> Z = sample_z("laplace", 4, np.eye(2), [0.5, 0.0], rng=0)
    >>> Z.shape
    (4, 2)
    """
    S = spd_matrix("S", S)
    u = as_finite_array("u", u, ndim=1)
    if u.shape[0] != S.shape[0]:
        raise ShapeMismatchError(f"u has length {u.shape[0]} but S is {S.shape[0]}×{S.shape[0]}")
    n = int_at_least("n", n, 1)
    delta = finite_scalar("delta", delta)
    if not 0.0 <= delta < 1.0:
        raise ParameterError(f"delta must be in [0, 1), got delta = {delta}")
    uSu = float(u @ np.linalg.solve(S, u))
    _check_valid_model(uSu)
    C = np.linalg.cholesky(S - np.outer(u, u))
    gen = _rng(rng)
    d = S.shape[0]
    if kind == "gaussian":
        eps = gen.standard_normal((n, d))
    elif kind == "laplace":
        eps = gen.laplace(0.0, 1.0 / math.sqrt(2.0), (n, d))
    elif kind == "uniform":
        eps = gen.uniform(-math.sqrt(3.0), math.sqrt(3.0), (n, d))
    elif kind == "mixture":
        sign = gen.choice([-1.0, 1.0], size=(n, d))
        eps = sign * delta + math.sqrt(1.0 - delta * delta) * gen.standard_normal((n, d))
    else:
        raise ParameterError(f"unknown sample kind {kind!r}; known: {SAMPLE_KINDS}")
    return u + eps @ C.T


class EmpiricalHalfspace(SGeometry):
    r"""Halfspace learning from samples :math:`z_i=-y_ix_i` (MATH §5): an **experiment**.

    :math:`S=Z^\top Z/n`, :math:`u=\bar z`, and every expectation is a sample average. Stein's
    structure does not hold, so the convergence theorem does not apply; ``h`` uses the
    least-squares coefficient :math:`\hat c_1` of :math:`u` in the projected gradient
    (:meth:`SGeometry.projected_u_coefficient`). Each gradient costs one pass
    :math:`Z\tilde w` and one pass :math:`Z^\top v`.

    Examples
    --------
    >>> import numpy as np
    >>> from bntheory.problems import EmpiricalHalfspace
    >>> P = EmpiricalHalfspace.sample("gaussian", 2000, np.eye(2), [0.5, 0.0], "logistic", rng=1)
    >>> P.regime
    'experiment'
    """

    regime = "experiment"

    def __init__(self, Z, loss):
        Z = as_finite_array("Z", Z, ndim=2)
        n = Z.shape[0]
        super().__init__(Z.T @ Z / n, Z.mean(axis=0))
        self.Z = Z
        self.Z.setflags(write=False)
        self.n = n
        self.loss: Loss = get_loss(loss)

    @classmethod
    def from_xy(cls, X, y, loss) -> "EmpiricalHalfspace":
        r"""From inputs ``X`` (n×d) and labels :math:`y_i\in\{-1,+1\}`: :math:`z_i=-y_ix_i`."""
        X, y = inputs_and_labels(X, y)
        return cls(-y[:, None] * X, loss)

    @classmethod
    def sample(cls, kind, n, S, u, loss, rng=None, **kw) -> "EmpiricalHalfspace":
        """Build from :func:`sample_z` draws."""
        return cls(sample_z(kind, n, S, u, rng, **kw), loss)

    @property
    def zeta(self) -> float:
        r""":math:`\beta_2\lambda_{\max}(\hat S)` (the empirical Hessian is :math:`\preceq\beta_2\hat S`)."""
        return self.loss.sup_d2 * self.L

    def f(self, w_tilde) -> float:
        return float(np.mean(self.loss.phi(self.Z @ self._vec("w_tilde", w_tilde))))

    def grad(self, w_tilde) -> np.ndarray:
        q = self.Z @ self._vec("w_tilde", w_tilde)
        return self.Z.T @ self.loss.d1(q) / self.n

    def value_and_grad(self, w_tilde):
        """``(f(w̃), ∇f(w̃))`` from the two passes of the gradient (``Z w̃`` and ``Zᵀ φ'``)."""
        q = self.Z @ self._vec("w_tilde", w_tilde)
        return float(np.mean(self.loss.phi(q))), self.Z.T @ self.loss.d1(q) / self.n

    def _c2_at_zero(self) -> float:
        return float(self.loss.d2(0.0))

    def _proj(self, w):
        w = self._vec("w", w)
        p = self.Z @ w
        nw = math.sqrt(float(p @ p) / self.n)
        if nw == 0.0:
            raise DegenerateStartError("w = 0 has no direction: ‖w‖_S = 0")
        return w, p / nw, nw

    def f_bn(self, w, g):
        r"""Sample mean of :math:`\varphi(g\,z^\top w/\|w\|_S)`; vectorised in ``g`` (one data pass)."""
        _, p, _ = self._proj(w)
        g, scalar = _g_array(g)
        out = self.loss.phi(np.multiply.outer(g, p)).mean(axis=-1)
        return float(out) if scalar else out

    def dg(self, w, g):
        r"""Sample mean of :math:`\varphi'(g\,p)\,p`, :math:`p=z^\top w/\|w\|_S`; vectorised in ``g``."""
        _, p, _ = self._proj(w)
        g, scalar = _g_array(g)
        out = (self.loss.d1(np.multiply.outer(g, p)) * p).mean(axis=-1)
        return float(out) if scalar else out

    def grad_w(self, w, g):
        r"""Chain rule of MATH §2 with :math:`\nabla f` and :math:`Sw` from one :math:`Z^\top` pass."""
        w, p, nw = self._proj(w)
        g_arr, scalar = _g_array(g)
        D = self.loss.d1(np.multiply.outer(g_arr.ravel(), p))  # (k, n)
        M = self.Z.T @ np.column_stack([D.T, p]) / self.n  # (d, k+1): ∇f(w̃_j) and S w/‖w‖_S
        grads, Sw_n = M[:, :-1], M[:, -1]
        wg = (w @ grads) / nw  # wᵀ∇f/‖w‖_S
        out = (g_arr.ravel() / nw)[:, None] * (grads.T - np.outer(wg, Sw_n))
        return out[0] if scalar else out.reshape(g_arr.shape + (self.d,))

    def h(self, w, g) -> float:
        r""":math:`h=\hat c_1\,u^\top w`, :math:`\hat c_1` the LS coefficient of :math:`u` in the projected gradient (MATH §5)."""
        w = self._vec("w", w)
        g = finite_scalar("g", g)
        gr = self.grad(g * w / self.s_norm(w))
        return self.projected_u_coefficient(gr, w) * float(self._u @ w)


# =============================================================================================
# One hidden layer (MATH §6)
# =============================================================================================


def _graded_edges(centers, h_graded, h_uniform: float, max_panels: int) -> np.ndarray:
    r"""Panel edges on :math:`[-\xi_{\max},\xi_{\max}]` for composite Gauss--Legendre in one
    Gaussian axis (:class:`OneHiddenLayer`).

    The width at :math:`x` is :math:`\min(1, h_u, \min_i\max(|x-c_i|/2, h_i))`: :math:`\tanh`
    of :math:`p=b(\xi-c)` has its poles at :math:`\xi=c+i(\pi/2+k\pi)/b`, so a panel whose
    width is at most half its distance to :math:`c_i`, or at most :math:`h_i=\pi/(2|b_i|)`, stays
    a panel-width away from every pole (each panel converges like the uniform rule of width
    :math:`h_i` did) -- the widths grow geometrically away from the transition, so a unit of
    weight :math:`b` costs :math:`O(\log b)` panels instead of :math:`O(b)` (the loss-variable
    idea of MATH §9 pitfall 6).  Units whose transition is oblique to the axis (``h_uniform``)
    get a uniform width.  More than ``max_panels`` panels: ``max_panels`` uniform panels (the
    reported error, a coarser rule's difference, then shows the cap).
    """
    X = _XI_MAX
    cap = min(1.0, h_uniform)
    centers = np.asarray(centers, dtype=float)
    h_graded = np.asarray(h_graded, dtype=float)
    edges = [-X]
    x = -X
    while x < X:
        wdt = cap
        if centers.size:
            wdt = min(wdt, float(np.min(np.maximum(0.5 * np.abs(x - centers), h_graded))))
        x = min(x + wdt, X)
        edges.append(x)
        if len(edges) > max_panels + 1:
            return np.linspace(-X, X, max_panels + 1)
    return np.array(edges)


@dataclass(frozen=True)
class HiddenLayerEval:
    r"""Value and gradient of :math:`f_{NN}` with their numerical error.

    ``f_err``/``grad_err``: for the tensor Gauss--Legendre rule, :math:`|Q_n-Q_{n'}|` between the
    rule and a coarser one (``n' = 2n/3`` nodes per panel) -- a conservative estimate of the
    coarse rule's error; for Monte Carlo, one standard error. ``method`` is ``'exact'``
    (rank 0), ``'gauss-legendre'`` or
    ``'monte-carlo'``; ``rank`` is the number of Gaussian directions that matter.
    ``stein_diag[i]`` = :math:`\beta_{ii}=E[\partial_{p_i}G_i]` (MATH §6), the coefficient of
    :math:`S\tilde w^{(i)}` in unit ``i``'s gradient when the other units are zero or parallel
    to :math:`S^{-1}u`.
    """

    f: float
    grad: np.ndarray
    f_err: float
    grad_err: np.ndarray
    method: str
    rank: int
    stein_diag: np.ndarray


class OneHiddenLayer(SGeometry):
    r"""One hidden layer of tanh units with fixed output weights (MATH §6).

    :math:`f(\tilde W)=E[\ell(\sum_i\theta_i\tanh(z^\top\tilde w^{(i)}))]`, :math:`z\sim N(u,S-uu^\top)`,
    rows of ``W`` (m×d) are the units :math:`\tilde w^{(i)}`.

    Method
    ------
    :math:`p=\tilde Wz\sim N(\tilde Wu,\ C)`, :math:`C=\tilde W(S-uu^\top)\tilde W^\top`. With
    :math:`C=V_k\Lambda_kV_k^\top` (rank :math:`k`, eigenvalues above :math:`10^{-12}\lambda_{\max}`),
    :math:`p=\tilde Wu+V_k\Lambda_k^{1/2}\xi`, :math:`\xi\sim N(0,I_k)`, and the conditional mean
    :math:`E[z\mid\xi]=u+R\xi`, :math:`R=(S-uu^\top)\tilde W^\top V_k\Lambda_k^{-1/2}`, so

    .. math:: \nabla_{\tilde w^{(i)}}f=E[G_i]\,u+R\,E[G_i\xi],\qquad
              G_i=\theta_i\,\ell'(F)\,(1-\tanh^2p_i).

    Every expectation is :math:`k`-dimensional. For :math:`k\le2` (the alternating scheme never
    needs more): a tensor product of composite Gauss--Legendre rules on :math:`[-9,9]` per axis
    with the Gaussian weight folded in, ``n_gl`` nodes per panel.  :math:`\tanh(p_i)` has its
    poles at :math:`\Re p_i=0`, :math:`\Im p_i=\pm\pi/2,\dots`, so the panels are *graded*
    (:func:`_graded_edges`): width :math:`\pi/(2|B_{ij}|)` at unit ``i``'s transition
    :math:`p_i=0`, growing geometrically away from it (at most half the distance to it, at most
    1), so a unit of weight :math:`b` costs :math:`O(\log b)` panels, not :math:`O(b)`.  For
    :math:`k=2` the :math:`\xi` basis is rotated so that the widest unit depends on axis 0 only
    (graded there); the other units get the uniform width :math:`\pi/(2|B_{ij}|)` on each axis.
    (Before the grading, a uniform width capped at ``max_panels`` gave the wrong sign of
    :math:`\partial_gf` for a unit at :math:`|g|\gtrsim30`, tests/test_problems.py.) (Deviation from the plan "tensor Gauss--Hermite": a Hermite rule
    in :math:`\xi` fails for large weights exactly as in MATH §9 pitfall 6; measured: 60 vs 40
    Hermite nodes differ by 3e-4 at :math:`\|B\|\approx2`.) At most ``max_panels`` panels per
    axis; the reported error (difference with a rule of 2/3 the nodes) says when that cap bites.
    For :math:`k>` ``quad_max_rank`` (default 2, so :math:`k\ge3`): Monte Carlo with ``n_mc``
    fixed draws and a reported standard error per entry (:meth:`_monte_carlo`; honest against the
    quadrature and an independent reference, tests/test_network.py).

    Parameters
    ----------
    S, u : array_like
        Model moments, :math:`u^\top S^{-1}u<1`.
    theta : array_like, shape (m,)
        Fixed output weights.
    loss : Loss or str
        The outer loss :math:`\ell` (default logistic).
    n_gl : int
        Gauss--Legendre nodes per panel (k ≤ 2).
    max_panels : int
        Cap on panels per axis (k ≤ 2).
    n_mc : int
        Monte Carlo draws (rank above ``quad_max_rank``), at least 100.
    rng : None, int or Generator
        Seed of the Monte Carlo draws (fixed at construction: same seed → same numbers).
    quad_max_rank : {0, 1, 2}
        Largest rank integrated by the tensor rule; higher ranks go to Monte Carlo (``0`` forces
        Monte Carlo for every nonzero rank: a cross-check of the two paths).
    """

    def __init__(self, S, u, theta, loss=LOGISTIC, *, n_gl: int = 16, max_panels: int = 120,
                 n_mc: int = 200_000, rng=0, quad_max_rank: int = 2):
        super().__init__(S, u)
        _check_valid_model(self._uSu)
        theta = as_finite_array("theta", theta, ndim=1)
        if theta.size == 0:
            raise ShapeMismatchError("theta must have at least one unit, got shape (0,)")
        self.theta = theta
        self.theta.setflags(write=False)
        self.m = theta.size
        self.loss: Loss = get_loss(loss)
        self.n_gl = int_at_least("n_gl", n_gl, 3)
        self.max_panels = int_at_least("max_panels", max_panels, 1)
        self.n_mc = int_at_least("n_mc", n_mc, 100)
        self.quad_max_rank = int_at_least("quad_max_rank", quad_max_rank, 0)
        if self.quad_max_rank > 2:
            raise ParameterError(
                f"quad_max_rank must be 0, 1 or 2 (the tensor rule is built for k ≤ 2), got {quad_max_rank}")
        self._seed = _rng(rng).integers(2**63)
        self._eta: np.ndarray | None = None  # the Monte Carlo draws, made on first use
        self._Sigma = self._S - np.outer(self._u, self._u)

    def _W(self, W) -> np.ndarray:
        W = as_finite_array("W", W, ndim=2)
        if W.shape != (self.m, self.d):
            raise ShapeMismatchError(f"W must have shape (m, d) = {(self.m, self.d)}, got {W.shape}")
        return W

    def zeta_unit(self, i: int) -> float:
        r"""Smoothness of :math:`f` in unit ``i``: :math:`(\theta_i^2\beta_2(\ell)+|\theta_i|\beta_1(\ell)\sup|\tanh''|)L`."""
        i = self._unit_index(i)
        th = float(self.theta[i])
        return (th * th * self.loss.sup_d2 + abs(th) * self.loss.sup_d1 * _TANH_D2_SUP) * self.L

    def _unit_index(self, i) -> int:
        i = int_at_least("i", i, 0)
        if i >= self.m:
            raise ParameterError(f"unit index i must be < m = {self.m}, got i = {i}")
        return i

    def _rule(self, B: np.ndarray, mean_p: np.ndarray, n_gl: int):
        """Quadrature nodes/weights for ξ ~ N(0, I_k) given p = mean_p + B ξ (see the class notes).

        For ``k = 2``, ``B`` must already be rotated so that its widest row has ``B[r, 1] = 0``
        (:meth:`evaluate` does this)."""
        k = B.shape[1]
        if k == 0:
            return np.zeros((1, 0)), np.ones(1), "exact"
        x, w = leggauss(n_gl)
        axes = []
        for j in range(k):
            col = B[:, j]
            # units that depend on axis j only (the other column is 0): graded at their
            # transition p_i = 0; the others: uniform width π/(2|B_ij|)
            alone = np.ones(B.shape[0], dtype=bool) if k == 1 else (B[:, 1 - j] == 0.0) & (col != 0.0)
            nz = col != 0.0
            centers = -mean_p[alone & nz] / col[alone & nz]
            h_graded = 0.5 * math.pi / np.abs(col[alone & nz])
            rest = nz & ~alone
            h_uniform = float(np.min(0.5 * math.pi / np.abs(col[rest]))) if rest.any() else 1.0
            edges = _graded_edges(centers, h_graded, h_uniform, self.max_panels)
            half, mid = 0.5 * np.diff(edges), 0.5 * (edges[1:] + edges[:-1])
            t = (mid[:, None] + half[:, None] * x).ravel()
            wt = (half[:, None] * w).ravel() * np.exp(-0.5 * t * t) / math.sqrt(2.0 * math.pi)
            axes.append((t, wt))
        if k == 1:
            return axes[0][0][:, None], axes[0][1], "gauss-legendre"
        X1, X2 = np.meshgrid(axes[0][0], axes[1][0], indexing="ij")
        return np.column_stack([X1.ravel(), X2.ravel()]), np.outer(axes[0][1], axes[1][1]).ravel(), "gauss-legendre"

    def evaluate(self, W) -> HiddenLayerEval:
        """Value, gradient (m×d) and their errors at ``W`` (see the class notes)."""
        W = self._W(W)
        C = W @ self._Sigma @ W.T
        lam, V = np.linalg.eigh(0.5 * (C + C.T))
        keep = lam > 1e-12 * max(float(lam[-1]), np.finfo(float).tiny)
        k = int(keep.sum())
        Vk, lk = V[:, keep], lam[keep]
        mean_p = W @ self._u
        if k > self.quad_max_rank:
            return self._monte_carlo(W, Vk, lk, mean_p)
        B = Vk * np.sqrt(lk)  # m×k
        R = self._Sigma @ W.T @ (Vk / np.sqrt(lk))  # d×k
        if k == 2:  # rotate ξ so that the widest unit depends on axis 0 only (graded there)
            r = int(np.argmax(np.sum(B * B, axis=1)))
            c, s_ = B[r] / np.linalg.norm(B[r])
            Q = np.array([[c, -s_], [s_, c]])
            B, R = B @ Q, R @ Q
            B[r, 1] = 0.0

        def quad(xi, wts):
            p = mean_p[None, :] + xi @ B.T  # (N, m)
            t = np.tanh(p)
            F = t @ self.theta
            G = self.theta[None, :] * self.loss.d1(F)[:, None] * (1.0 - t * t)  # (N, m)
            EG = wts @ G  # (m,)
            EGxi = np.einsum("j,ji,jk->ik", wts, G, xi)  # (m, k)
            grad = EG[:, None] * self._u[None, :] + EGxi @ R.T
            dt = 1.0 - t * t
            H = (self.theta**2)[None, :] * self.loss.d2(F)[:, None] * dt * dt + self.theta[
                None, :
            ] * self.loss.d1(F)[:, None] * (-2.0 * t * dt)
            return float(wts @ self.loss.phi(F)), grad, G, F, wts @ H

        xi, wts, method = self._rule(B, mean_p, self.n_gl)
        f, grad, G, F, stein = quad(xi, wts)
        if method == "exact":
            return HiddenLayerEval(f, grad, 0.0, np.zeros_like(grad), method, k, stein)
        xi2, w2, _ = self._rule(B, mean_p, max(2, (2 * self.n_gl) // 3))
        f2, grad2, _, _, _ = quad(xi2, w2)
        return HiddenLayerEval(f, grad, abs(f - f2), np.abs(grad - grad2), method, k, stein)

    def mc_draws(self) -> np.ndarray:
        r"""The Monte Carlo draws :math:`\eta\sim N(0,I_m)`, shape ``(n_mc, m)`` (read-only).

        Drawn once from the construction seed and reused by every evaluation (common random
        numbers: the Monte Carlo objective is one deterministic, continuous function of
        :math:`\tilde W`; same seed → same numbers)."""
        if self._eta is None:
            eta = np.random.default_rng(self._seed).standard_normal((self.n_mc, self.m))
            eta.setflags(write=False)
            self._eta = eta
        return self._eta

    def _monte_carlo(self, W, Vk, lk, mean_p) -> HiddenLayerEval:
        r"""Monte Carlo path (rank ``k > quad_max_rank``; see the class notes).

        :math:`p=\tilde Wu+C^{1/2}\eta`, :math:`\eta\sim N(0,I_m)` fixed (:meth:`mc_draws`),
        with the *symmetric* square root :math:`C^{1/2}=V_k\Lambda_k^{1/2}V_k^\top`, a
        continuous function of :math:`\tilde W` (an eigenvector basis :math:`V_k\Lambda_k^{1/2}`
        is not: ``eigh``'s sign and order choices flip along a path, and the draws then jump by
        O(standard error) -- measured 1.2e-4 in :math:`\partial_gf` of a unit at n_mc = 2e4,
        where the smooth part moved 1e-6 per step; a bisection can stop at such a jump).
        :math:`E[z\mid\eta]=u+R\eta`, :math:`R=(S-uu^\top)\tilde W^\top(C^{1/2})^+`, so the
        estimate :math:`\hat\nabla_i=\overline{G_i}\,u+R\,\overline{G_i\eta}` lies in
        :math:`\mathrm{span}\{u,(S-uu^\top)\tilde w^{(j)}\}` exactly, as the true gradient does
        (MATH §6): when the other units are zero or parallel to :math:`S^{-1}u` the Stein
        structure, hence GDNP's Rayleigh identity, survives the sampling error.  Errors: one
        standard error of the sample means, per entry, from the per-sample contributions
        :math:`G_i(u+R\eta)` (their second moments through the :math:`m\times m` matrices
        :math:`\overline{G_i^2\eta\eta^\top}`, no ``n_mc × d`` array).
        """
        eta = self.mc_draws()
        N = eta.shape[0]
        isq = 1.0 / np.sqrt(lk)
        C_half = (Vk * np.sqrt(lk)) @ Vk.T  # m×m, symmetric
        R = self._Sigma @ W.T @ ((Vk * isq) @ Vk.T)  # d×m
        t = np.tanh(mean_p + eta @ C_half)  # (N, m)
        F = t @ self.theta
        d1 = self.loss.d1(F)
        dt = 1.0 - t * t
        G = (d1[:, None] * dt) * self.theta  # (N, m)
        EG = G.mean(axis=0)
        EGeta = (G.T @ eta) / N  # (m, m): row i = mean of G_i η
        grad = EG[:, None] * self._u[None, :] + EGeta @ R.T
        phi = self.loss.phi(F)
        f = float(phi.mean())
        f_se = float(phi.std(ddof=1)) / math.sqrt(N)
        H = ((self.theta**2) * self.loss.d2(F)[:, None]) * dt * dt - 2.0 * (self.theta * d1[:, None]) * t * dt
        stein = H.mean(axis=0)
        G2 = G * G
        EG2 = G2.mean(axis=0)
        EG2eta = (G2.T @ eta) / N  # (m, m)
        sq = np.empty_like(grad)  # E[(G_i (u + Rη)_c)²]
        for i in range(self.m):
            M = ((eta * G2[:, i:i + 1]).T @ eta) / N  # E[G_i² ηηᵀ]
            sq[i] = (EG2[i] * self._u * self._u + 2.0 * self._u * (R @ EG2eta[i])
                     + np.sum((R @ M) * R, axis=1))
        var = np.maximum(sq - grad * grad, 0.0) * (N / (N - 1.0))
        return HiddenLayerEval(f, grad, f_se, np.sqrt(var / N), "monte-carlo", len(lk), stein)

    def f(self, W) -> float:
        """:math:`f_{NN}(\\tilde W)` (error: :meth:`evaluate`)."""
        return self.evaluate(W).f

    def grad(self, W) -> np.ndarray:
        """:math:`\\nabla_{\\tilde W}f_{NN}`, shape (m, d) (error: :meth:`evaluate`)."""
        return self.evaluate(W).grad

    def unit(self, i: int, W) -> "HiddenUnitProblem":
        """The per-unit problem for unit ``i`` with the other rows of ``W`` fixed."""
        return HiddenUnitProblem(self, self._unit_index(i), self._W(W))

    def f_bn_unit(self, i, W, w, g):
        return self.unit(i, W).f_bn(w, g)

    def grad_w_unit(self, i, W, w, g):
        return self.unit(i, W).grad_w(w, g)

    def dg_unit(self, i, W, w, g):
        return self.unit(i, W).dg(w, g)

    def h_unit(self, i, W, w, g):
        return self.unit(i, W).h(w, g)


class HiddenUnitProblem(SGeometry):
    r"""Unit ``i`` of a :class:`OneHiddenLayer`, the other units fixed: the alternating GDNP's sub-problem.

    ``f(w_tilde)``/``grad(w_tilde)`` are the network's value and the gradient row ``i`` with row
    ``i`` replaced by ``w_tilde``; the BN coordinates come from :class:`SGeometry`; ``c1_c2``/``h``
    use the least-squares coefficient of :math:`u` (exact, by Stein's lemma, when every other
    unit is zero or parallel to :math:`S^{-1}u`, MATH §6). ``last_error`` holds the
    :class:`HiddenLayerEval` of the latest evaluation.

    Optimal length.  With the other units fixed (output ``c``), :math:`g\mapsto f` tends to
    its limit at :math:`g\to\pm\infty` (``tanh`` saturates) like
    :math:`f(\pm\infty)-K/|g|`, :math:`K\propto E\int_0^\infty[\psi(\tau)+\psi(-\tau)-\psi(1)-\psi(-1)]dt`,
    :math:`\psi(x)=\ell(c+\theta_ix)`, :math:`\tau=\tanh t`.  For a strictly convex outer
    loss (logistic) :math:`K<0` strictly, so :math:`f` approaches its limit from *below* and
    :math:`\partial_gf` changes sign at a finite length (measured for the unit-2 test case:
    root at :math:`g\approx-14.1`, :math:`\partial_gf\propto g^{-2}<0` beyond, against an
    independent reference).  For the sigmoid (:math:`\psi(x)+\psi(-x)` constant when
    :math:`c=0`) :math:`\partial_gf` keeps its sign (measured to :math:`|g|=10^6`): no finite
    optimal length, as for the sigmoid halfspace (MATH §4.1 assumption 3).  Hence
    ``finite_optimal_length`` is the outer loss's flag, and GDNP gives the unit the same
    raise/cap treatment.  ``batch_dg = False``: ``dg`` loops over ``g`` (each value is a
    quadrature), so GDNP's length search runs sequentially (a batched replay would evaluate
    whole trees of midpoints for nothing).
    """

    batch_dg = False

    def __init__(self, net: OneHiddenLayer, i: int, W: np.ndarray):
        self._share_geometry(net)
        self.net, self.i = net, i
        self._W_fixed = W.copy()
        self.last_error: HiddenLayerEval | None = None

    @property
    def zeta(self) -> float:
        return self.net.zeta_unit(self.i)

    @property
    def finite_optimal_length(self) -> bool:
        """Whether the unit's length search has a finite root: the outer loss's flag (see above)."""
        return bool(self.net.loss.finite_optimal_length)

    def _eval(self, w_tilde) -> HiddenLayerEval:
        W = self._W_fixed.copy()
        W[self.i] = self._vec("w_tilde", w_tilde)
        self.last_error = self.net.evaluate(W)
        return self.last_error

    def f(self, w_tilde) -> float:
        return self._eval(w_tilde).f

    def grad(self, w_tilde) -> np.ndarray:
        return self._eval(w_tilde).grad[self.i]

    def _c2_at_zero(self) -> float:
        r"""At :math:`\tilde w^{(i)}=0`: the Stein coefficient :math:`\beta_{ii}=E[\partial_{p_i}G_i]`."""
        W = self._W_fixed.copy()
        W[self.i] = 0.0
        return float(self.net.evaluate(W).stein_diag[self.i])


# =============================================================================================
# Test batteries
# =============================================================================================


def random_spd(d: int, kappa: float, rng=None) -> np.ndarray:
    r"""Random SPD matrix with eigenvalues log-spaced in :math:`[1,\kappa]` and a Haar-random basis.

    Examples
    --------
    >>> import numpy as np
    >>> from bntheory.problems import random_spd
    >>> S = random_spd(4, 100.0, rng=0)
    >>> np.round(np.linalg.eigvalsh(S)[[0, -1]], 10)
    array([  1., 100.])
    """
    d = int_at_least("d", d, 1)
    kappa = finite_scalar("kappa", kappa)
    if kappa < 1.0:
        raise ParameterError(f"kappa must be >= 1, got kappa = {kappa}")
    if d == 1 and kappa != 1.0:
        raise ParameterError(f"d = 1 admits only kappa = 1, got kappa = {kappa}")
    gen = _rng(rng)
    Q, Rm = np.linalg.qr(gen.standard_normal((d, d)))
    Q = Q * np.sign(np.diag(Rm))
    lam = np.geomspace(1.0, kappa, d)
    S = (Q * lam) @ Q.T
    return 0.5 * (S + S.T)


def _problem(kind, S, u, loss, quad):
    if kind == "ols":
        return OLSProblem(S, u)
    if kind == "halfspace":
        return GaussianHalfspace(S, u, loss, quad=quad)
    raise ParameterError(f"unknown problem kind {kind!r}; known: 'ols', 'halfspace'")


def random_problem(kind: str = "halfspace", d: int = 5, kappa: float = 10.0, rng=None, *,
                   uSu: float = 0.5, loss=LOGISTIC, quad: GaussRule | None = None):
    r"""A random instance: :math:`S=` :func:`random_spd`, :math:`u` in a random direction scaled to
    :math:`u^\top S^{-1}u=` ``uSu`` (in :math:`(0,1)` for halfspaces).

    ``kind``: ``'ols'`` or ``'halfspace'``.
    """
    gen = _rng(rng)
    S = random_spd(d, kappa, gen)
    uSu = finite_scalar("uSu", uSu)
    if not uSu > 0:
        raise ParameterError(f"uSu must be > 0, got uSu = {uSu}")
    v = gen.standard_normal(d)
    u = v * math.sqrt(uSu / float(v @ np.linalg.solve(S, v)))
    return _problem(kind, S, u, loss, quad)


def tight_problem(kind: str = "ols", kappa: float = 10.0, *, uSu: float = 0.5, loss=LOGISTIC,
                  rotate: bool = False, rng=None, quad: GaussRule | None = None):
    r"""The tight case of MATH §3.1 / §9 pitfall 3: ``d = 2``, :math:`u` the top eigenvector of :math:`S`.

    :math:`S=\mathrm{diag}(\kappa,1)` (optionally rotated by a random orthogonal matrix),
    :math:`u=\sqrt{\kappa\,\mathrm{uSu}}\,e_1` so that :math:`u^\top S^{-1}u=` ``uSu``.
    """
    kappa = finite_scalar("kappa", kappa)
    if kappa <= 1.0:
        raise ParameterError(f"the tight case needs kappa > 1 (a unique top eigenvector), got kappa = {kappa}")
    uSu = finite_scalar("uSu", uSu)
    if not uSu > 0:
        raise ParameterError(f"uSu must be > 0, got uSu = {uSu}")
    S = np.diag([kappa, 1.0])
    u = np.array([math.sqrt(kappa * uSu), 0.0])
    if rotate:
        Q, Rm = np.linalg.qr(_rng(rng).standard_normal((2, 2)))
        Q = Q * np.sign(np.diag(Rm))
        S, u = Q @ S @ Q.T, Q @ u
    return _problem(kind, S, u, loss, quad)
