r"""BN-GD: plain joint gradient steps on ``(w, g)``, as a practitioner trains a BN layer (MATH.md §2).

.. math::
    w_{t+1} = w_t − η_w ∇_w f_{BN}(w_t, g_t),\qquad g_{t+1} = g_t − η_g ∂_g f_{BN}(w_t, g_t),

with the chain-rule gradients of MATH.md §2,
``∇_w f_BN = (g/‖w‖_S)(I − S w wᵀ/‖w‖_S²)∇f(w̃)`` and ``∂_g f_BN = wᵀ∇f(w̃)/‖w‖_S``, computed
from the problem's ``grad(w̃)`` (one formula for every problem class).
"""

from __future__ import annotations

import numpy as np

from ..errors import StepSizeError
from ..validation import finite_scalar, int_at_least
from ._common import check_start, geometry
from .result import SolverResult

__all__ = ["bngd", "bn_gradients"]


def bn_gradients(problem, S, w, g, *, with_value: bool = False):
    r"""``(∇_w f_BN(w, g), ∂_g f_BN(w, g), w̃, ∇f(w̃))`` by the chain rule of MATH.md §2.

    With ``with_value``, ``f(w̃)`` is appended, from ``problem.value_and_grad`` (for data,
    the same two passes over the samples as the gradient alone).

    Examples
    --------
    >>> import numpy as np
    >>> class P:   # f(w̃) = 2uᵀw̃ + w̃ᵀSw̃ (OLS)
    ...     S = np.eye(2); u = np.array([1.0, 0.0])
    ...     def grad(self, wt): return 2 * self.u + 2 * self.S @ wt
    >>> gw, dg, wt, _ = bn_gradients(P(), P.S, np.array([0.0, 1.0]), 1.0)
    >>> gw, dg        # ∂_g f = 2uᵀw/‖w‖_S + 2g
    (array([2., 0.]), 2.0)
    """
    Sw = S @ w
    wSw = float(w @ Sw)
    nS = np.sqrt(wSw)
    wt = (g / nS) * w
    if with_value:
        f, grad = problem.value_and_grad(wt)
    else:
        grad = problem.grad(wt)
    wg = float(w @ grad)
    grad_w = (g / nS) * (grad - (wg / wSw) * Sw)
    out = (grad_w, float(wg / nS), wt, grad)
    return out + (f,) if with_value else out


def bngd(problem, w0, g0: float, n_iter: int, *, eta_w: float, eta_g: float,
         diagnostics: bool = True) -> SolverResult:
    r"""Joint fixed-step gradient descent on ``(w, g)`` (BN-GD).

    Parameters
    ----------
    problem : OLSProblem, GaussianHalfspace, EmpiricalHalfspace, …
        Needs ``S``, ``u``, ``grad(w̃)``; ``f(w̃)`` and ``f_star`` are recorded when present.
    w0 : array_like, shape (d,)
        Start direction, ``w₀ ≠ 0`` and ``uᵀw₀ ≠ 0`` (the same starts as the other solvers).
    g0 : float
        Start length (``1.0`` is the usual BN initialisation ``γ = 1``).
    n_iter : int
        Steps ``≥ 0``.
    eta_w, eta_g : float
        Fixed positive step sizes.
    diagnostics : bool
        Record ``grad_dual_sq = ‖∇f(w̃_t)‖²_{S⁻¹}``.

    Returns
    -------
    SolverResult
        ``x = w̃_T``, arrays ``g``, ``w_norm`` (``‖w_t‖``, non-decreasing, MATH.md §2), ``rho``,
        ``gap = ρ(w_t) − ρ*``, ``grad_w_sq``, ``dg``, ``f`` (and ``f_gap`` with ``f_star``).

    Raises
    ------
    StepSizeError
        A step size ``≤ 0``.
    DegenerateStartError, ParameterError, NonFiniteError

    References
    ----------
    Kohler et al. (2019), Sections 2–3; MATH.md §2 (gradients, ``‖w‖`` never decreases).
    """
    G = geometry(problem)
    w = check_start(G, w0)
    g = finite_scalar("g0", g0)
    n_iter = int_at_least("n_iter", n_iter, 0)
    eta_w = finite_scalar("eta_w", eta_w)
    eta_g = finite_scalar("eta_g", eta_g)
    for name, v in (("eta_w", eta_w), ("eta_g", eta_g)):
        if v <= 0.0:
            raise StepSizeError(f"{name} must be positive, got {name} = {v}")
    n = n_iter + 1
    rec = {k: np.empty(n) for k in ("g", "w_norm", "rho", "grad_w_sq", "dg", "f")}
    if diagnostics:
        rec["grad_dual_sq"] = np.empty(n)
    has_value = getattr(problem, "value_and_grad", None) is not None
    fobj = getattr(problem, "f", None)
    for t in range(n):
        if has_value:  # f(w̃_t) from the gradient's own passes (data: two passes over Z in all)
            grad_w, dg, wt, grad, rec["f"][t] = bn_gradients(problem, G.S, w, g, with_value=True)
        else:
            grad_w, dg, wt, grad = bn_gradients(problem, G.S, w, g)
            rec["f"][t] = float(fobj(wt)) if fobj is not None else np.nan
        rec["g"][t], rec["w_norm"][t], rec["rho"][t] = g, np.linalg.norm(w), G.rho(w)
        rec["grad_w_sq"][t], rec["dg"][t] = float(grad_w @ grad_w), dg
        if diagnostics:
            rec["grad_dual_sq"][t] = G.dual_norm_sq(grad)
        if t == n_iter:
            break
        w, g = w - eta_w * grad_w, g - eta_g * dg
    ok = bool(np.all(np.isfinite(rec["rho"])) and np.isfinite(g))
    out = SolverResult(x=wt, fun=float(rec["f"][-1]), nit=n_iter, success=ok,
                       message="ran n_iter steps" if ok else "non-finite iterate (step too large?)",
                       method="bngd", gap=rec["rho"] - G.rho_star, rho_star=G.rho_star,
                       eta_w=eta_w, eta_g=eta_g, mu=G.mu, L=G.L, **rec)
    keys = tuple(rec) + ("gap",)
    f_star = getattr(problem, "f_star", None)
    if f_star is not None:
        out["f_gap"] = rec["f"] - float(f_star)
        keys += ("f_gap",)
    out["trace_keys"] = keys
    return out
