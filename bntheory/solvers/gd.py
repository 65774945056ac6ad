"""Plain gradient descent on ``f(w̃)`` with a fixed step (the paper's baseline, MATH.md §3, §4.6)."""

from __future__ import annotations

import numpy as np

from ..errors import ShapeMismatchError, StepSizeError
from ..validation import as_finite_array, finite_scalar, int_at_least
from ._common import geometry
from .result import SolverResult

__all__ = ["gd", "default_step"]


def default_step(problem) -> float:
    """The fixed step of the baseline: ``1/ζ`` for a halfspace problem, ``1/(2L)`` for OLS.

    ``f_OLS`` has Hessian ``2S`` (MATH.md §3), so ``1/(2L)`` is ``1/smoothness``; a halfspace
    problem is ``ζ``-smooth (MATH.md §4.1, assumption 2).

    Examples
    --------
    >>> import numpy as np
    >>> default_step((np.diag([4.0, 1.0]), np.ones(2)))
    0.125
    """
    zeta = getattr(problem, "zeta", None)
    if zeta is not None:
        return 1.0 / float(zeta)
    return 1.0 / (2.0 * geometry(problem).L)


def gd(problem, w_tilde0, n_iter: int, *, step=None, diagnostics: bool = True) -> SolverResult:
    r"""Gradient descent ``w̃_{t+1} = w̃_t − step·∇f(w̃_t)`` on the un-normalised objective.

    Parameters
    ----------
    problem : OLSProblem, GaussianHalfspace, EmpiricalHalfspace, …
        Needs ``S``, ``u``, ``f(w̃)`` and ``grad(w̃)``; ``f_star`` is used when present.
    w_tilde0 : array_like, shape (d,)
        Start (any vector, ``0`` included).
    n_iter : int
        Number of steps ``T ≥ 0``.
    step : float, optional
        Fixed step, default :func:`default_step`.
    diagnostics : bool
        Record ``‖∇f(w̃_t)‖²_{S⁻¹}`` (one Cholesky solve per iteration).

    Returns
    -------
    SolverResult
        ``x = w̃_T``, ``fun = f(w̃_T)``; arrays ``f`` and (if ``f_star`` is known) ``gap``
        (length ``nit+1``), ``grad_dual_sq`` when ``diagnostics``; ``step``, ``mu``, ``L``.

    Raises
    ------
    StepSizeError
        ``step ≤ 0``.

    References
    ----------
    Kohler et al. (2019), Section 3 (comparison with GD on OLS); MATH.md §3, §4.6.

    Examples
    --------
    >>> import numpy as np
    >>> class Quad:
    ...     S = np.diag([2.0, 1.0]); u = np.array([1.0, -1.0]); f_star = -1.5
    ...     def f(self, w): return 2 * self.u @ w + w @ self.S @ w
    ...     def grad(self, w): return 2 * self.u + 2 * self.S @ w
    >>> r = gd(Quad(), np.zeros(2), 30)
    >>> bool(r.gap[-1] <= (1 - 1 / 2) ** 60 * r.gap[0] + 1e-15)
    True
    """
    G = geometry(problem)
    w = as_finite_array("w_tilde0", w_tilde0, ndim=1)
    if w.shape[0] != G.d:
        raise ShapeMismatchError(f"w_tilde0 has length {w.shape[0]}, expected d = {G.d}")
    n_iter = int_at_least("n_iter", n_iter, 0)
    step = default_step(problem) if step is None else finite_scalar("step", step)
    if step <= 0.0:
        raise StepSizeError(f"step must be positive, got step = {step}")
    f = np.empty(n_iter + 1)
    gd2 = np.empty(n_iter + 1) if diagnostics else None
    for t in range(n_iter + 1):
        f[t] = problem.f(w)
        grad = problem.grad(w)
        if diagnostics:
            gd2[t] = G.dual_norm_sq(grad)
        if t < n_iter:
            w = w - step * grad
    out = SolverResult(x=w, fun=float(f[-1]), nit=n_iter, success=bool(np.isfinite(f[-1])),
                       message="ran n_iter steps", method="gd", f=f, step=step, mu=G.mu, L=G.L,
                       trace_keys=("f",))
    f_star = getattr(problem, "f_star", None)
    if f_star is not None:
        out["f_star"] = float(f_star)
        out["gap"] = f - float(f_star)
        out["trace_keys"] += ("gap",)
    if diagnostics:
        out["grad_dual_sq"] = gd2
        out["trace_keys"] += ("grad_dual_sq",)
    return out
