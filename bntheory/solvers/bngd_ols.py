r"""BNGD on ordinary least squares in the parametrisation of Cai, Li & Shen (2019) (MATH.md §8).

The model ``a·xᵀw/‖w‖_H`` (BN without shift) on OLS has the objective

.. math::
    J(a, w) = \tfrac{c}{2} - a\,\frac{w^\top g}{\|w\|_H} + \tfrac{a^2}{2},\qquad
    H = E[xx^\top] \succ 0,\ g = E[xy],\ c = E[y^2],

with gradients (derived from the definition; tested against finite differences)

.. math::
    \partial_a J = a - q(w),\quad q(w) = \frac{g^\top w}{\|w\|_H},\qquad
    \nabla_w J = -\frac{a}{\|w\|_H}\Big(g - \frac{q(w)}{\|w\|_H} H w\Big),

and BNGD is ``a_{k+1} = a_k − ε_a ∂_a J``, ``w_{k+1} = w_k − ε ∇_w J`` (simultaneous).  In the
notation of MATH.md §0–§3 (``S = H``, ``u_MATH = E[−yx] = −g``, length ``g_MATH = a``):
``J = c/2 + f_OLS(w, a)/2``, so BNGD with steps ``(ε, ε_a)`` is :func:`bntheory.solvers.bngd.bngd`
with ``(η_w, η_g) = (ε/2, ε_a/2)`` (tested).  This module runs it vectorised over a batch of step
sizes, in the eigenbasis of ``H`` (the iteration is orthogonally equivariant), and records the gap
in a cancellation-free form (MATH.md §3, §9.1):

.. math::
    J(a,w) - J^* = \tfrac12\,(a - q(w))^2 + \tfrac12\,\big\|g - \tfrac{q(w)}{\|w\|_H} H w\big\|^2_{H^{-1}},
    \qquad J^* = \tfrac{c}{2} - \tfrac12\|u\|_H^2,\ u = H^{-1}g,

so the decay is resolved to about ``1e-30·‖u‖²_H`` instead of ``1e-16·|J*|``.

Asymptotic rate (derived here, MATH.md §8).  The minimisers are ``w_∞ = s·u`` (any ``s ≠ 0``) with
``a_∞ = q(w_∞) = sign(s)‖u‖_H``.  There ``∇q = 0`` and ``∇_w J = 0``, so the Jacobian of one BNGD step
is block diagonal: ``1 − ε_a`` on ``a`` and, on ``w``,

.. math::
    I - \varepsilon\,\frac{a_\infty}{s\,\|w_\infty\|_H}\,H^*,\qquad
    H^* = H - \frac{H u u^\top H}{u^\top H u},\qquad
    \frac{\varepsilon a_\infty}{s\|w_\infty\|_H} = \frac{\varepsilon}{s^2}
    = \hat\eta := \varepsilon\,\frac{\|u\|^2}{\|w_\infty\|^2},

with eigenvalue 1 on ``u`` (the neutral scale direction, ``H^*u = 0``).  Hence the rate of the
direction is ``max |1 − η̂λ*|`` over the non-zero eigenvalues of ``H*`` — MATH.md's formula, valid
without normalisation (``‖u‖`` is the Euclidean norm; ``ε‖u‖²_H/‖w_∞‖²_H`` is the same number, but
the mixed ``ε‖u‖²_H/‖w_∞‖²`` and Arora's ``ε/‖w_∞‖²`` are right only when ``‖u‖_H = ‖u‖``,
resp. ``‖u‖ = 1``).  The full iteration converges at ``max(|1 − ε_a|, max|1 − η̂λ*|)``: with a
small ``a`` step the ``a``-mode dominates, which MATH.md §8 does not mention.  The gap, a
quadratic quantity, decays at the square of that rate.

``κ* ≤ κ``: with ``z = H^{1/2}u/‖H^{1/2}u‖`` and ``N`` an orthonormal basis of ``z^⊥``,
``H* = H^{1/2}(I − zzᵀ)H^{1/2} = (H^{1/2}N)(H^{1/2}N)ᵀ``, whose non-zero eigenvalues are those of the
compression ``NᵀHN`` of ``H`` to a hyperplane; Cauchy's interlacing theorem gives
``λ_{i+1}(H) ≤ λ*_i ≤ λ_i(H)`` (equivalently Weyl's interlacing for the rank-one downdate
``H − vvᵀ``, ``v = Hu/‖u‖_H``), so ``λ_min(H) ≤ λ*_min`` and ``λ*_max ≤ λ_max(H)``.  Equality
``κ* = κ`` when ``u`` is an eigenvector of an interior eigenvalue (``d ≥ 3``); ``κ* = 1`` when ``d = 2``.

References
----------
Y. Cai, Q. Li, Z. Shen, *A quantitative analysis of the effect of batch normalization on gradient
descent*, ICML 2019: the BNGD iteration (Section 2), the scaling law, convergence for every
``ε > 0`` and the asymptotic rate with the effective condition number ``κ*`` (Section 3).
MATH.md §8 (and §3 for the cancellation-free gap).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import DegenerateStartError, ParameterError, ShapeMismatchError, StepSizeError
from ..rates import fit_rate
from ..validation import as_finite_array, finite_scalar, int_at_least
from ._common import geometry
from .result import SolverResult

__all__ = ["CaiOLS", "cai_ols", "bngd_ols", "gd_ols", "h_star", "h_star_eigenvalues", "kappa", "kappa_star",
           "effective_step", "predicted_rate", "measured_rate", "limit_rate", "convergence", "step_size_sweep",
           "DEFAULT_EPS_GRID"]

#: The log-grid of weight step sizes of MATH.md §8 / issue #8: 17 points, 1e-3 … 1e5 (half decades).
DEFAULT_EPS_GRID = np.logspace(-3.0, 5.0, 17)

# Relative size of gᵀw₀ (against ‖g‖‖w₀‖) below which a start with a₀ = 0 sits on the saddle
# {a = 0, gᵀw = 0} (a few rounding errors of the inner product itself, as in _common.check_start).
_SADDLE_RTOL = 8.0 * np.finfo(np.float64).eps


@dataclass(frozen=True)
class CaiOLS:
    """OLS in Cai et al.'s notation, stored in the eigenbasis of ``H`` (MATH.md §8).

    Attributes
    ----------
    H, g : ndarray
        ``H = E[xxᵀ]`` (= MATH's ``S``) and ``g = E[xy]`` (= ``−u_MATH``).
    lam, Q : ndarray
        Eigenvalues of ``H`` (ascending) and eigenvectors (columns): ``H = Q diag(lam) Qᵀ``.
    gbar, ubar : ndarray
        ``Qᵀg`` and ``Qᵀu`` with ``u = H⁻¹g`` (the OLS solution).
    """

    H: np.ndarray
    g: np.ndarray
    lam: np.ndarray
    Q: np.ndarray
    gbar: np.ndarray
    ubar: np.ndarray

    @property
    def d(self) -> int:
        """Dimension."""
        return self.g.shape[0]

    @property
    def u(self) -> np.ndarray:
        """``u = H⁻¹g``."""
        return self.Q @ self.ubar

    @property
    def u_norm_sq(self) -> float:
        """``‖u‖²`` (Euclidean)."""
        return float(self.ubar @ self.ubar)

    @property
    def u_H_norm_sq(self) -> float:
        """``‖u‖²_H = gᵀH⁻¹g``."""
        return float(self.gbar @ self.ubar)

    @property
    def j_star(self) -> float:
        """``J* − c/2 = −‖u‖²_H/2`` (the constant ``c/2`` is dropped, as ``E[y²]`` in MATH.md §3)."""
        return -0.5 * self.u_H_norm_sq


def cai_ols(problem) -> CaiOLS:
    """Read ``(H, g)`` from an :class:`~bntheory.problems.OLSProblem`, a MATH.md pair ``(S, u)``
    (``u = E[−yx]``, so ``g = −u``) or a :class:`CaiOLS` (returned as is).

    Raises
    ------
    ShapeMismatchError, NonFiniteError, NotSymmetricError, NotPositiveDefiniteError
        From the validation of ``S`` and ``u`` (:func:`bntheory.solvers._common.geometry`).
    ParameterError
        ``g = 0``: the target is uncorrelated with ``x``, every ``w`` is optimal with ``a = 0``
        and ``H*``, ``η̂`` are undefined.

    Examples
    --------
    >>> import numpy as np
    >>> C = cai_ols((np.diag([4.0, 1.0]), np.array([-4.0, -1.0])))
    >>> C.u, C.u_H_norm_sq
    (array([1., 1.]), 5.0)
    """
    if isinstance(problem, CaiOLS):
        return problem
    G = geometry(problem)
    g = -G.u
    if not np.any(g):
        raise ParameterError("g = E[xy] = 0 (u = 0): J does not depend on w and H*, η̂ are undefined")
    lam, Q = np.linalg.eigh(G.S)
    gbar = Q.T @ g
    return CaiOLS(H=G.S, g=g, lam=lam, Q=Q, gbar=gbar, ubar=gbar / lam)


# --------------------------------------------------------------------------- H*, κ*, the predicted rate
def h_star(problem) -> np.ndarray:
    """``H* = H − Huuᵀ H/(uᵀHu) = H − ggᵀ/(gᵀu)`` (MATH.md §8), symmetric PSD of rank ``d − 1``.

    Examples
    --------
    >>> import numpy as np
    >>> h_star((np.diag([3.0, 2.0, 1.0]), np.array([0.0, -1.0, 0.0])))
    array([[3., 0., 0.],
           [0., 0., 0.],
           [0., 0., 1.]])
    """
    C = cai_ols(problem)
    return C.H - np.outer(C.g, C.g) / C.u_H_norm_sq


def h_star_eigenvalues(problem) -> np.ndarray:
    """The ``d − 1`` non-zero eigenvalues of ``H*`` (ascending), as the eigenvalues of ``NᵀHN``.

    ``N`` is an orthonormal basis of ``z^⊥``, ``z ∥ H^{1/2}u`` (module docstring): no zero eigenvalue
    has to be told apart from rounding.  Empty for ``d = 1`` (``H* = 0``).

    Examples
    --------
    >>> import numpy as np
    >>> np.round(h_star_eigenvalues((np.diag([3.0, 2.0, 1.0]), np.array([0.0, -1.0, 0.0]))), 12)
    array([1., 3.])
    """
    C = cai_ols(problem)
    root = np.sqrt(C.lam)
    z = root * C.ubar
    basis = np.linalg.qr(z[:, None], mode="complete")[0][:, 1:]  # orthonormal basis of z^⊥
    return np.linalg.eigvalsh(basis.T @ (C.lam[:, None] * basis))


def kappa(problem) -> float:
    """``κ = λ_max(H)/λ_min(H)``."""
    C = cai_ols(problem)
    return float(C.lam[-1] / C.lam[0])


def kappa_star(problem) -> float:
    """``κ* = λ*_max/λ*_min`` over the non-zero eigenvalues of ``H*``; ``κ* ≤ κ`` (module docstring).

    Raises
    ------
    ShapeMismatchError
        ``d = 1`` (``H* = 0`` has no non-zero eigenvalue).

    Examples
    --------
    >>> import numpy as np
    >>> H, g = np.diag([3.0, 2.0, 1.0]), np.array([1.0, 0.0, 0.0])   # u ∥ top eigenvector
    >>> kappa((H, -g)), round(kappa_star((H, -g)), 12)
    (3.0, 2.0)
    """
    lam_star = h_star_eigenvalues(problem)
    if lam_star.size == 0:
        raise ShapeMismatchError("κ* needs d ≥ 2 (for d = 1, H* = 0 has no non-zero eigenvalue)")
    return float(lam_star[-1] / lam_star[0])


def effective_step(problem, eps, w_norm) -> np.ndarray | float:
    r"""``η̂ = ε‖u‖²/‖w_∞‖²`` (MATH.md §8; derived in the module docstring), vectorised."""
    C = cai_ols(problem)
    out = np.asarray(eps, dtype=float) * C.u_norm_sq / np.asarray(w_norm, dtype=float) ** 2
    return float(out) if out.ndim == 0 else out


def predicted_rate(problem, eps, w_norm, eps_a=None) -> np.ndarray | float:
    r"""Predicted per-step rate ``max |1 − η̂λ*|`` over the non-zero eigenvalues of ``H*``.

    With ``eps_a``, the rate of the whole iteration ``max(|1 − ε_a|, max|1 − η̂λ*|)`` (the ``a``-mode
    of the block-diagonal Jacobian, module docstring).  ``w_norm`` is ``‖w_∞‖`` (in practice the
    last ``‖w_k‖`` of a converged run).  The gap ``J − J*`` decays at the square of this rate.
    For ``d = 1`` there is no direction mode (the rate is 0, or ``|1 − ε_a|``).

    Examples
    --------
    >>> import numpy as np
    >>> P = (np.diag([3.0, 2.0, 1.0]), np.array([0.0, -2.0, 0.0]))     # u = e₂, λ* ∈ {1, 3}
    >>> predicted_rate(P, 0.25, 1.0), predicted_rate(P, 0.25, 1.0, eps_a=0.1)
    (0.75, 0.9)
    """
    lam_star = h_star_eigenvalues(problem)
    eta = np.asarray(effective_step(problem, eps, w_norm), dtype=float)
    rate = np.max(np.abs(1.0 - eta[..., None] * lam_star), axis=-1, initial=0.0)
    if eps_a is not None:
        rate = np.maximum(rate, np.abs(1.0 - np.asarray(eps_a, dtype=float)))
    return float(rate) if rate.ndim == 0 else rate


# --------------------------------------------------------------------------- input checks
def _steps(eps) -> tuple[np.ndarray, bool]:
    """``eps`` as a 1-D array of positive finite steps, and whether it was a scalar."""
    arr = as_finite_array("eps", eps)
    if arr.ndim > 1 or arr.size == 0:
        raise ShapeMismatchError(f"eps must be a positive number or a non-empty 1-D array, got shape {arr.shape}")
    if np.any(arr <= 0.0):
        raise StepSizeError(f"eps must be positive, got eps = {arr[arr <= 0.0][0]}")
    return np.atleast_1d(arr), arr.ndim == 0


def _eps_a(eps_a, m: int) -> np.ndarray:
    """``eps_a`` (a number, or one per run) as an array of length ``m``, each in ``(0, 1]``."""
    arr = as_finite_array("eps_a", eps_a)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.size not in (1, m)):
        raise ShapeMismatchError(f"eps_a must be a number or have one entry per eps ({m}), got shape {arr.shape}")
    bad = (arr <= 0.0) | (arr > 1.0)
    if np.any(bad):
        raise StepSizeError(f"eps_a must lie in (0, 1] (Cai et al.'s convergence theorem), got eps_a = {arr[bad].flat[0]}")
    return np.broadcast_to(arr, (m,)).astype(float)


def _vector(C: CaiOLS, name: str, v) -> np.ndarray:
    v = as_finite_array(name, v, ndim=1)
    if v.shape[0] != C.d:
        raise ShapeMismatchError(f"{name} has length {v.shape[0]}, expected d = {C.d}")
    return v


# --------------------------------------------------------------------------- the two iterations
def bngd_ols(problem, w0, a0: float, n_iter: int, *, eps, eps_a: float = 1.0, store_w: bool = False) -> SolverResult:
    r"""BNGD ``a_{k+1} = a_k − ε_a(a_k − q(w_k))``, ``w_{k+1} = w_k − ε∇_wJ(a_k, w_k)`` (Cai et al. 2019).

    Parameters
    ----------
    problem : OLSProblem, (S, u) pair or CaiOLS
        ``H = S``, ``g = −u`` (see :func:`cai_ols`).
    w0 : array_like, shape (d,) or (m, d)
        Start, ``w₀ ≠ 0``; ``m`` rows run ``m`` independent BNGDs (one per entry of ``eps``, or all
        with the same scalar ``eps``).
    a0 : float or 1-D array_like
        Start of the scale ``a`` (or one per run); ``a₀ = 0`` together with ``gᵀw₀ = 0`` is
        refused (a saddle the iteration never leaves).
    n_iter : int
        Steps ``K ≥ 0``.
    eps : float or 1-D array_like
        Weight step size(s) ``ε > 0``; an array runs one independent BNGD per entry (vectorised).
    eps_a : float or 1-D array_like
        Step of ``a``, in ``(0, 1]`` (the range of Cai et al.'s convergence theorem; enforced);
        an array gives one per entry of ``eps``.
    store_w : bool
        Keep every iterate ``w_k`` (array ``w``, shape ``(K+1, d)`` or ``(K+1, m, d)``).

    Returns
    -------
    SolverResult
        ``x = w_K``, ``fun = J(a_K, w_K) − c/2``; per-point arrays (length ``K+1``, a second axis
        ``m`` for an array ``eps``): ``a``, ``w_norm`` (``‖w_k‖``, non-decreasing), ``gap``
        (``J − J*``, cancellation-free), ``grad_w_norm`` (``‖∇_wJ‖``), ``grad_a`` (``∂_aJ``);
        scalars ``j_star`` (``J* − c/2``), ``kappa``, ``kappa_star`` (``None`` for ``d = 1``); and at the last iterate
        ``eta_hat`` (``ε‖u‖²/‖w_K‖²``) and ``predicted_rate`` (``max(|1−ε_a|, max|1 − η̂λ*|)``).

    Raises
    ------
    StepSizeError
        ``ε ≤ 0`` or ``ε_a ∉ (0, 1]``.
    DegenerateStartError
        ``w₀ = 0``, or ``a₀ = 0`` with ``gᵀw₀ = 0`` (to rounding: ``|gᵀw₀| ≤ 8·eps·‖g‖‖w₀‖``).
    ShapeMismatchError, NonFiniteError, ParameterError, NotPositiveDefiniteError, NotSymmetricError

    References
    ----------
    Cai, Li, Shen (2019), Section 2 (BNGD); MATH.md §8.

    Examples
    --------
    >>> import numpy as np
    >>> P = (np.diag([4.0, 1.0]), np.array([-2.0, -1.0]))
    >>> r = bngd_ols(P, [1.0, 0.0], 1.0, 200, eps=10.0)      # 20× past 2/λ_max = 0.5
    >>> bool(r.gap[-1] < 1e-12 * r.gap[0]), round(float(r.w_norm[-1] / r.w_norm[0]), 3)   # ‖w‖ grew
    (True, 5.48)
    """
    C = cai_ols(problem)
    eps, scalar = _steps(eps)
    n_iter = int_at_least("n_iter", n_iter, 0)
    a0 = as_finite_array("a0", a0)
    if a0.ndim > 1:
        raise ShapeMismatchError(f"a0 must be a number or a 1-D array, got shape {a0.shape}")
    W = as_finite_array("w0", w0)
    if W.ndim not in (1, 2) or W.shape[-1] != C.d:
        raise ShapeMismatchError(f"w0 must have shape (d,) or (m, d) with d = {C.d}, got {W.shape}")
    if W.ndim == 2:
        if eps.size not in (1, W.shape[0]):
            raise ShapeMismatchError(f"w0 has {W.shape[0]} rows but eps has {eps.size} entries")
        eps, scalar = np.broadcast_to(eps, (W.shape[0],)).copy(), False
    W = np.array(np.broadcast_to(W, (eps.size, C.d)))
    if a0.ndim == 1:
        if a0.size not in (1, eps.size):
            raise ShapeMismatchError(f"a0 has {a0.size} entries but there are {eps.size} runs")
        scalar = scalar and a0.size == 1
    eps_a = _eps_a(eps_a, eps.size)
    a = np.array(np.broadcast_to(a0, (eps.size,)), dtype=float)
    nw = np.linalg.norm(W, axis=1)
    if np.any(nw == 0.0):
        raise DegenerateStartError("w0 = 0: the direction w/‖w‖_H is undefined")
    gw = W @ C.g
    saddle = np.abs(gw) <= _SADDLE_RTOL * float(np.linalg.norm(C.g)) * nw
    if np.any(saddle & (a == 0.0)):
        raise DegenerateStartError(f"a0 = 0 and gᵀw0 = {gw[saddle & (a == 0.0)][0]:.3g} ≈ 0: (a0, w0) is a saddle of J "
                                   "and BNGD never moves")
    m = eps.size
    W = W @ C.Q
    lam, gb = C.lam, C.gbar
    rec = {k: np.empty((n_iter + 1, m)) for k in ("a", "w_norm", "gap", "grad_w_norm", "grad_a")}
    Ws = np.empty((n_iter + 1, m, C.d)) if store_w else None
    inv_lam = 1.0 / lam
    for k in range(n_iter + 1):
        Hw = W * lam
        nH = np.sqrt((W * Hw).sum(1))
        q = (W @ gb) / nH
        resid = gb - (q / nH)[:, None] * Hw       # g − q·Hw/‖w‖_H ; ∇_wJ = −(a/‖w‖_H)·resid
        grad_w = -(a / nH)[:, None] * resid
        rec["a"][k], rec["w_norm"][k] = a, np.sqrt((W * W).sum(1))
        rec["gap"][k] = 0.5 * (a - q) ** 2 + 0.5 * ((resid * resid) @ inv_lam)
        rec["grad_w_norm"][k], rec["grad_a"][k] = np.sqrt((grad_w * grad_w).sum(1)), a - q
        if store_w:
            Ws[k] = W
        if k == n_iter:
            break
        W, a = W - eps[:, None] * grad_w, a - eps_a * (a - q)
    fun = C.j_star + rec["gap"][-1]
    X = W @ C.Q.T
    extra = {}
    if store_w:
        extra["w"] = Ws @ C.Q.T
    ok = bool(np.all(np.isfinite(rec["gap"])))
    eta = effective_step(C, eps, rec["w_norm"][-1])
    rate = predicted_rate(C, eps, rec["w_norm"][-1], eps_a)
    if scalar:
        rec = {k: v[:, 0] for k, v in rec.items()}
        X, fun, eta, rate, eps_a = X[0], float(fun[0]), float(eta[0]), float(rate[0]), float(eps_a[0])
        if store_w:
            extra["w"] = extra["w"][:, 0]
    out = SolverResult(x=X, fun=fun, nit=n_iter, success=ok, message="ran n_iter steps" if ok else "non-finite gap",
                       method="bngd_ols", eps=float(eps[0]) if scalar else eps, eps_a=eps_a, j_star=C.j_star,
                       kappa=kappa(C), kappa_star=kappa_star(C) if C.d > 1 else None, eta_hat=eta,
                       predicted_rate=rate, **rec, **extra)
    out["trace_keys"] = tuple(rec) + tuple(extra)
    return out


def gd_ols(problem, w_tilde0, n_iter: int, *, eps) -> SolverResult:
    r"""Plain GD ``w̃_{k+1} = w̃_k − ε(Hw̃_k − g)`` on ``½E[(y − xᵀw̃)²]`` (Hessian ``H``), vectorised in ``ε``.

    Converges iff ``ε < 2/λ_max(H)`` (from a start with a component on the top eigenvector); it
    is :func:`bntheory.solvers.gd.gd` with step ``ε/2`` on ``f_OLS = 2·(½E[(y − xᵀw̃)²] − c/2)``
    (tested), re-implemented here because a diverging run must be followed past overflow (``gd``
    refuses non-finite iterates, by design) and the step-size sweep is batched.  Once the gap
    overflows, the run is frozen and its gap stays ``inf`` (never ``nan``).

    Returns
    -------
    SolverResult
        ``x = w̃_K``; ``gap = ½(w̃ − u)ᵀH(w̃ − u)`` (length ``K+1``, second axis ``m`` for an array
        ``eps``), ``diverged_at`` (first ``k`` with an infinite gap, ``−1`` if none), ``two_over_L``.

    Raises
    ------
    StepSizeError
        ``ε ≤ 0``.
    ShapeMismatchError, NonFiniteError, ParameterError

    Examples
    --------
    >>> import numpy as np
    >>> P = (np.diag([4.0, 1.0]), np.array([-2.0, -1.0]))
    >>> r = gd_ols(P, [0.0, 0.0], 100, eps=[0.4, 0.6])      # 2/λ_max = 0.5
    >>> bool(r.gap[-1, 0] < 1e-20), bool(r.gap[-1, 1] > 1e3 * r.gap[0, 1])
    (True, True)
    """
    C = cai_ols(problem)
    eps, scalar = _steps(eps)
    n_iter = int_at_least("n_iter", n_iter, 0)
    W = np.tile(C.Q.T @ _vector(C, "w_tilde0", w_tilde0), (eps.size, 1))
    lam, gb, ub = C.lam, C.gbar, C.ubar
    gap = np.empty((n_iter + 1, eps.size))
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(n_iter + 1):
            e = W - ub
            gk = 0.5 * ((e * e) @ lam)
            live = np.isfinite(gk)
            gap[k] = gk if live.all() else np.where(live, gk, np.inf)
            if k == n_iter:
                break
            step = W - eps[:, None] * (W * lam - gb)
            W = step if live.all() else np.where(live[:, None], step, W)
    inf = np.isinf(gap)
    div = np.where(inf.any(axis=0), np.argmax(inf, axis=0), -1)
    X = W @ C.Q.T
    if scalar:
        gap, X, div = gap[:, 0], X[0], int(div[0])
    ok = bool(np.all(np.isfinite(gap)))
    return SolverResult(x=X, fun=C.j_star + gap[-1], nit=n_iter, success=ok,
                        message="ran n_iter steps" if ok else "diverged (gap overflowed)", method="gd_ols",
                        eps=float(eps[0]) if scalar else eps, gap=gap, diverged_at=div,
                        two_over_L=float(2.0 / C.lam[-1]), trace_keys=("gap",))


# --------------------------------------------------------------------------- the convergence criterion
def convergence(gap, *, tol: float = 1e-10, min_decay: float = 1e-9) -> dict:
    r"""The convergence verdict of MATH.md §8 / issue #8 on gap traces ``J_k − J*`` (one per column).

    A run **converges** if (a) ``gap_k ≤ tol·gap_0`` for some ``k ≤ K`` (measured), or (b) the
    gap stays finite, ``gap_K < gap_{⌊K/2⌋}``, and the rate fitted to ``log gap`` over the last
    half of the budget is ``≤ 1 − min_decay`` (linear decay, extrapolated; ``min_decay = 1e-9``
    is far above the resolution of that fit, ≈ 1e-13 relative error per gap value spread over
    ≥ 10³ iterates, and far below the slowest rate the grid produces, ≈ 1e-4).  Otherwise it
    does **not** converge — in particular whenever the gap overflows or grows over the tail.
    Criterion (b) certifies linear decay, not speed: ``steps`` states the cost.

    Parameters
    ----------
    gap : array_like, shape (K+1,) or (K+1, m)
    tol : float
        Relative tolerance of criterion (a), in ``(0, 1)``.
    min_decay : float
        Margin of criterion (b), in ``(0, 1)``.

    Returns
    -------
    dict
        Arrays of length ``m`` (scalars for a 1-D ``gap``): ``converged`` (bool), ``reached_tol``
        (bool, criterion (a)), ``steps`` (first ``k`` with ``gap_k ≤ tol·gap_0``; if not reached and
        (b) holds, the extrapolation ``K + log(tol·gap_0/gap_K)/log(rate)``; ``inf`` otherwise),
        ``tail_rate`` (fitted per-step factor of the gap over the last half; ``inf`` if the gap
        overflowed), ``final_ratio`` (``gap_K/gap_0``).

    Raises
    ------
    ShapeMismatchError
        ``gap`` with fewer than 3 points or more than 2 axes.
    ParameterError
        ``tol`` or ``min_decay`` outside ``(0, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> gaps = np.stack([0.9 ** np.arange(51), 1.01 ** np.arange(51)], axis=1)
    >>> v = convergence(gaps)
    >>> v["converged"].tolist(), np.round(v["tail_rate"], 6).tolist()
    ([True, False], [0.9, 1.01])
    """
    G = np.asarray(gap, dtype=float)
    scalar = G.ndim == 1
    G = G[:, None] if scalar else G
    if G.ndim != 2 or G.shape[0] < 3:
        raise ShapeMismatchError(f"gap must have shape (K+1,) or (K+1, m) with K ≥ 2, got {np.shape(gap)}")
    for name, v in (("tol", tol), ("min_decay", min_decay)):
        v = finite_scalar(name, v)
        if not 0.0 < v < 1.0:
            raise ParameterError(f"{name} must lie in (0, 1), got {name} = {v}")
    K = G.shape[0] - 1
    hit = G <= tol * G[0]
    reached = hit.any(axis=0)
    finite = np.all(np.isfinite(G), axis=0)
    tail = np.arange(K // 2, K + 1)
    rate = np.array([fit_rate(G[tail, j], tail) if finite[j] else np.inf for j in range(G.shape[1])])
    linear = finite & (G[-1] < G[K // 2]) & (rate <= 1.0 - min_decay)
    with np.errstate(divide="ignore", invalid="ignore"):
        extrap = K + np.log(tol * G[0] / G[-1]) / np.log(rate)
    steps = np.where(reached, np.argmax(hit, axis=0), np.where(linear, extrap, np.inf)).astype(float)
    out = {"converged": reached | linear, "reached_tol": reached, "steps": steps, "tail_rate": rate,
           "final_ratio": G[-1] / G[0]}
    return {k: (v[0].item() if scalar else v) for k, v in out.items()}


def measured_rate(gap, *, hi: float = 1e-6, lo: float = 1e-22) -> tuple[float, int]:
    r"""The measured asymptotic rate, comparable with :func:`predicted_rate` (MATH.md §8, §9.1).

    The asymptotic phase starts after the *last* iterate with ``gap_k > hi·gap_0`` (at the edge
    of stability, ``η̂λ*_max ≈ 2``, the gap can dip and rise again while ``‖w_k‖`` self-tunes) and
    ends at the first iterate below ``lo·gap_0`` (``lo = 1e-22`` stays ≥ 1e6 above the resolution
    ≈ ``1e-30·‖u‖²_H`` of the cancellation-free gap for the instances used, whose ``gap_0 = O(1)``).
    The per-step factor of ``log gap`` is fitted over the second half of that phase (the first half
    still carries the second-slowest mode), and its square root is returned (the gap is quadratic
    in the deviation).  Returns ``(rate, n)`` with ``n`` the number of iterates fitted; ``rate`` is
    ``nan`` when ``n < 2`` (the run never reached the window within its budget, or overflowed).

    Raises
    ------
    ShapeMismatchError
        ``gap`` not 1-D.
    ParameterError
        Not ``0 < lo < hi < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> rate, n = measured_rate(0.25 ** np.arange(60.0))          # gap ∝ 0.5^{2k}
    >>> round(rate, 12), n
    (0.5, 14)
    """
    G = np.asarray(gap, dtype=float)
    if G.ndim != 1:
        raise ShapeMismatchError(f"gap must be 1-D, got shape {G.shape}")
    lo, hi = finite_scalar("lo", lo), finite_scalar("hi", hi)
    if not 0.0 < lo < hi < 1.0:
        raise ParameterError(f"measured_rate needs 0 < lo < hi < 1, got lo = {lo}, hi = {hi}")
    if not np.all(np.isfinite(G)):
        return math.nan, 0
    above = np.flatnonzero(G > hi * G[0])
    start = above[-1] + 1 if above.size else 0
    below = np.flatnonzero(G[start:] < lo * G[0])
    stop = start + (below[0] if below.size else G.size - start)
    k = np.arange((start + stop) // 2, stop)
    if k.size < 2:
        return math.nan, int(k.size)
    return math.sqrt(fit_rate(G[k], k)), int(k.size)


def limit_rate(problem, w0, a0, n_iter: int, *, eps, eps_a=1.0, n_tail: int = 1500,
               perturbation: float = 1e-4, converged_below: float = 1e-20) -> dict:
    r"""The asymptotic rate of BNGD measured at its limit, next to :func:`predicted_rate` (MATH.md §8).

    A run of ``n_iter`` steps from ``(a₀, w₀)`` converges to ``(a_∞, w_∞)``; ``d + 1`` copies of its
    limit are then perturbed by ``δ = perturbation`` (relative): ``w_K`` along each eigenvector of
    ``H`` with its component on ``w_K`` (the neutral scale direction) removed, and ``a_K`` alone.
    The decay of each perturbation is followed for ``n_tail`` steps and measured by
    :func:`measured_rate` over ``1e-2 … 1e-14`` of its initial gap (``≈ δ²`` times the gap's
    scale, ≥ 1e6 above the float64 floor for ``δ = 1e-4``); the largest rate over the copies is
    the measured spectral radius (every unit vector, hence the slowest mode of ``I − η̂H*``, has a
    component ≥ 1/√d on some eigenvector of ``H``).  Along the trajectory itself the slowest mode
    can carry so small an amplitude that it surfaces only below the float64 floor (after the
    edge-of-stability self-tuning of ``‖w‖``, say), which is why the limit is perturbed.
    Runs whose gap did not fall below ``converged_below·gap_0`` within ``n_iter`` (the limit was
    not reached) get ``rate = nan``.

    Returns
    -------
    dict
        Arrays over the runs: ``rate`` (measured), ``n_fitted``, ``predicted`` (with the ``a``-mode),
        ``predicted_w`` (MATH.md's ``max|1 − η̂λ*|`` alone), ``eta_hat``, ``w_norm`` (``‖w_K‖``),
        ``converged`` (bool).

    Examples
    --------
    >>> import numpy as np
    >>> P = (np.diag([4.0, 2.0, 1.0]), np.array([-2.0, -1.0, -1.0]))
    >>> out = limit_rate(P, [1.0, 0.0, 0.5], 1.0, 500, eps=[1.0, 10.0], eps_a=[1.0, 0.2])
    >>> np.round(out["rate"], 4).tolist() == np.round(out["predicted"], 4).tolist()
    True
    """
    C = cai_ols(problem)
    first = bngd_ols(C, w0, a0, n_iter, eps=np.atleast_1d(np.asarray(eps, dtype=float)), eps_a=eps_a)
    n_tail = int_at_least("n_tail", n_tail, 2)
    delta = finite_scalar("perturbation", perturbation)
    if not 0.0 < delta < 1.0:
        raise ParameterError(f"perturbation must lie in (0, 1), got perturbation = {delta}")
    m, d = first.eps.size, C.d
    X, aK = np.atleast_2d(first.x), first.a[-1]
    # d + 1 perturbed copies per run: along each eigenvector of H with the component on w_K removed
    # (the neutral scale direction), and along a alone; the largest measured rate is the spectral
    # radius, whatever the eigenvectors of H* (each has a component ≥ 1/√d on some eigenvector of H)
    what = X / np.linalg.norm(X, axis=1, keepdims=True)
    P = C.Q.T[None, :, :] - (what @ C.Q)[:, :, None] * what[:, None, :]           # (m, d, d)
    P /= np.linalg.norm(P, axis=2, keepdims=True)
    nX = np.linalg.norm(X, axis=1)
    W = np.concatenate([X[:, None, :] + delta * nX[:, None, None] * P, X[:, None, :]], axis=1).reshape(-1, d)
    a = np.repeat(aK, d + 1).reshape(m, d + 1)
    a[:, -1] += delta * np.abs(aK)
    tail = bngd_ols(C, W, a.ravel(), n_tail, eps=np.repeat(first.eps, d + 1), eps_a=np.repeat(first.eps_a, d + 1))
    fits = np.array([measured_rate(tail.gap[:, j], hi=1e-2, lo=1e-14) for j in range(m * (d + 1))])
    rates, ns = fits[:, 0].reshape(m, d + 1), fits[:, 1].reshape(m, d + 1)
    # a copy whose perturbed gap is ≥ 1e6 below the run's largest (a perturbation nearly on the neutral
    # direction) would be fitted at the float64 floor: not used
    g0 = tail.gap[0].reshape(m, d + 1)
    rates = np.where((g0 >= 1e-6 * g0.max(axis=1, keepdims=True)) & (ns >= 2), rates, np.nan)
    best = np.nanargmax(np.where(np.isnan(rates), -np.inf, rates), axis=1)
    rate, n_fit = rates[np.arange(m), best], ns[np.arange(m), best].astype(int)
    converged = first.gap[-1] <= converged_below * first.gap[0]
    rate = np.where(converged, rate, np.nan)
    return {"rate": rate, "n_fitted": n_fit, "predicted": first.predicted_rate,
            "predicted_w": predicted_rate(C, first.eps, first.w_norm[-1]), "eta_hat": first.eta_hat,
            "w_norm": first.w_norm[-1], "converged": converged}


def step_size_sweep(problem, w0, a0: float, n_iter: int, *, eps_grid=None, eps_a: float = 1.0,
                    tol: float = 1e-10) -> dict:
    r"""BNGD against plain GD over a grid of step sizes: the data of the figure "BN-GD vs GD over step sizes".

    BNGD runs from ``(a₀, w₀)`` and plain GD from the same predictor ``w̃₀ = a₀w₀/‖w₀‖_H`` (the
    same initial loss), each for ``n_iter`` steps at every ``ε`` of ``eps_grid`` (default
    :data:`DEFAULT_EPS_GRID`, 17 points from 1e-3 to 1e5); both verdicts by :func:`convergence`.

    Returns
    -------
    dict
        ``eps`` (m,), ``two_over_L`` (GD's threshold ``2/λ_max(H)``), ``bngd_gap`` and ``gd_gap``
        (gap curves ``J_k − J*``, shape ``(K+1, m)``), ``bngd`` and ``gd`` (the :func:`convergence`
        dicts), ``bngd_w_norm`` (``‖w_K‖``), ``eta_hat`` (``ε‖u‖²/‖w_K‖²``), ``predicted_rate``
        (``max(|1−ε_a|, max|1 − η̂λ*|)``), ``kappa``, ``kappa_star``, ``n_iter``, ``eps_a``, ``tol``.

    Examples
    --------
    >>> import numpy as np
    >>> P = (np.diag([4.0, 1.0]), np.array([-2.0, -1.0]))
    >>> s = step_size_sweep(P, [1.0, 0.3], 1.0, 400, eps_grid=[0.1, 1.0, 100.0])
    >>> s["bngd"]["converged"].tolist(), s["gd"]["converged"].tolist(), s["two_over_L"]
    ([True, True, True], [True, False, False], 0.5)
    """
    C = cai_ols(problem)
    grid = DEFAULT_EPS_GRID if eps_grid is None else eps_grid
    rb = bngd_ols(C, w0, a0, n_iter, eps=np.atleast_1d(np.asarray(grid, dtype=float)), eps_a=eps_a)
    w = _vector(C, "w0", w0)
    rg = gd_ols(C, a0 * w / math.sqrt(float(w @ C.H @ w)), n_iter, eps=rb.eps)
    return {"eps": rb.eps, "two_over_L": rg.two_over_L, "bngd_gap": rb.gap, "gd_gap": rg.gap,
            "bngd": convergence(rb.gap, tol=tol), "gd": convergence(rg.gap, tol=tol),
            "bngd_w_norm": rb.w_norm[-1], "eta_hat": rb.eta_hat, "predicted_rate": rb.predicted_rate,
            "kappa": rb.kappa, "kappa_star": rb.kappa_star, "n_iter": n_iter, "eps_a": eps_a, "tol": tol}
