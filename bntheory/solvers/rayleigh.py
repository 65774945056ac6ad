"""Rayleigh-quotient gradient descent (MATH.md §3 and §3.1).

GD on ``ρ(w) = −(uᵀw)²/(wᵀSw)`` with the paper's step ``η_t = wₜᵀSwₜ/(2L|ρ(wₜ)|)``, in the
closed form

.. math::  w_{t+1} = (I - S/L)\\,w_t + \\frac{w_t^\\top S w_t}{L\\,u^\\top w_t}\\,u ,

plus the general-pencil ascent step of the Knyazev–Neymeyr lemma (MATH.md §3.1), used to test
the lemma's rate ``σ`` on random pencils ``(B, A)``.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError, ShapeMismatchError
from ..validation import as_finite_array, finite_scalar, int_at_least, spd_matrix
from ._common import check_L, check_start, geometry
from .result import SolverResult

__all__ = ["rayleigh_gd", "rayleigh_step", "pencil_ascent"]


def rayleigh_step(S: np.ndarray, u: np.ndarray, w: np.ndarray, L: float, Sw=None):
    """One Rayleigh-GD step in closed form (MATH.md §3).

    Parameters
    ----------
    S, u, w : ndarray
        Geometry and current iterate (``uᵀw ≠ 0``).
    L : float
        Smoothness constant, ``L ≥ λ_max(S)``.
    Sw : ndarray, optional
        ``S @ w`` if already computed (the step then costs no matrix product).

    Returns
    -------
    w_next : ndarray
        ``(I − S/L)w + (wᵀSw)/(L uᵀw)·u``.
    eta : float
        The step size ``η = wᵀSw/(2L|ρ(w)|)`` this closed form realises.
    rho : float
        ``ρ(w)``, read off the same product ``S @ w``.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.diag([2.0, 1.0]); u = np.array([1.0, 1.0])
    >>> w1, eta, rho = rayleigh_step(S, u, np.array([1.0, 0.0]), 2.0)
    >>> w1, eta, rho
    (array([1., 1.]), 1.0, -0.5)
    """
    if Sw is None:
        Sw = S @ w
    wSw = float(w @ Sw)
    uw = float(u @ w)
    rho = -uw * uw / wSw
    eta = wSw / (2.0 * L * abs(rho))
    w_next = w - Sw / L + (wSw / (L * uw)) * u
    return w_next, eta, rho


def rayleigh_gd(problem, w0, n_iter: int, *, L=None, tol=None, store_iterates: bool = False,
                precision: str = "float64", dps: int = 60) -> SolverResult:
    r"""Gradient descent on the Rayleigh quotient ``ρ`` with the paper's step (MATH.md §3).

    Each iteration costs one product ``S @ w``: ``wᵀSw`` and ``ρ(w)`` are read off the same
    product that the closed-form step uses.

    Parameters
    ----------
    problem : object with ``S`` and ``u`` (e.g. ``OLSProblem``) or a pair ``(S, u)``
    w0 : array_like, shape (d,)
        Start, ``uᵀw₀ ≠ 0``.
    n_iter : int
        Maximal number of steps ``T ≥ 0``.
    L : float, optional
        Smoothness constant, default ``λ_max(S)``; must satisfy ``L ≥ λ_max(S)``.
    tol : float, optional
        Stop once ``(ρ(w_t) − ρ*)/|ρ*| ≤ tol``.  With ``precision="mpmath"`` the default is
        ``1e-30`` (issue #4, item 4); in float64 there is no default (run ``n_iter`` steps).
    store_iterates : bool
        Keep every iterate ``w_t`` in ``result.w`` (shape ``(nit+1, d)``).
    precision : {"float64", "mpmath"}
        ``"mpmath"`` runs the same recursion in ``dps`` significant digits, so the decay of
        ``ρ − ρ*`` can be followed far below the float64 floor (MATH.md §9.1).
    dps : int
        Decimal digits for ``precision="mpmath"``.

    Returns
    -------
    SolverResult
        ``x = w_T``, ``fun = ρ(w_T)``, and the arrays ``rho``, ``gap = ρ(w_t) − ρ*``
        (length ``nit+1``) and ``eta`` (length ``nit``); ``rho_star``, ``L``, ``mu``,
        ``floor`` (the float64 resolution ``1e-13·|ρ*|`` below which ``gap`` is noise, or the
        mpmath analogue).

    Raises
    ------
    DegenerateStartError
        ``w₀ = 0`` or ``uᵀw₀ = 0``.
    StepSizeError
        ``L ≤ 0`` or ``L < λ_max(S)``.
    ParameterError
        Negative ``n_iter``, unknown ``precision``.

    References
    ----------
    Kohler et al. (2019), Section 3, Theorem 1 (OLS), eq. (11)–(13); MATH.md §3.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.diag([1.0, 0.5]); u = np.array([1.0, 1.0])
    >>> r = rayleigh_gd((S, u), [1.0, 0.0], 40)
    >>> bool(r.gap[-1] <= (1 - 0.5) ** 80 * r.gap[0] + 1e-15)
    True
    """
    G = geometry(problem)
    w = check_start(G, w0)
    n_iter = int_at_least("n_iter", n_iter, 0)
    L = check_L(G, L)
    if precision == "mpmath":
        return _rayleigh_mp(G, w, n_iter, L, 1e-30 if tol is None else tol, store_iterates, dps)
    if precision != "float64":
        raise ParameterError(f"precision must be 'float64' or 'mpmath', got precision = {precision!r}")
    if tol is not None:
        tol = finite_scalar("tol", tol)
    S, u = G.S, G.u
    rho_star = G.rho_star
    rho = np.empty(n_iter + 1)
    eta = np.empty(n_iter)
    ws = [w.copy()] if store_iterates else None
    t = 0
    while True:
        Sw = S @ w  # the one product of the iteration
        if t == n_iter:
            wSw = float(w @ Sw)
            uw = float(u @ w)
            rho[t] = -uw * uw / wSw
            break
        w_next, eta[t], rho[t] = rayleigh_step(S, u, w, L, Sw=Sw)
        if tol is not None and rho[t] - rho_star <= tol * abs(rho_star):
            break
        w = w_next
        t += 1
        if store_iterates:
            ws.append(w.copy())
    rho = rho[: t + 1]
    eta = eta[:t]
    out = SolverResult(
        x=w, fun=float(rho[-1]), nit=t, success=True,
        message="reached tol" if t < n_iter else "ran n_iter steps",
        method="rayleigh", precision="float64", rho=rho, gap=rho - rho_star, eta=eta,
        rho_star=rho_star, rho0=float(rho[0]), L=L, mu=G.mu, floor=1e-13 * abs(rho_star),
        trace_keys=("rho", "gap", "eta") + (("w",) if store_iterates else ()),
    )
    if store_iterates:
        out["w"] = np.array(ws)
    return out


def _rayleigh_mp(G, w, n_iter, L, tol, store_iterates, dps) -> SolverResult:
    """The Rayleigh-GD recursion in mpmath (same closed form; MATH.md §9.1)."""
    import mpmath

    dps = int_at_least("dps", dps, 20)
    with mpmath.workdps(dps):
        mpf = mpmath.mpf
        S = np.array([[mpf(float(x)) for x in row] for row in G.S], dtype=object)
        u = np.array([mpf(float(x)) for x in G.u], dtype=object)
        wm = np.array([mpf(float(x)) for x in w], dtype=object)
        Lm = mpf(L)
        sol = mpmath.lu_solve(mpmath.matrix(S.tolist()), mpmath.matrix(u.tolist()))
        rho_star = -mpmath.fsum(u[i] * sol[i] for i in range(len(u)))
        gaps, rhos, etas = [], [], []
        ws = [w.copy()] if store_iterates else None
        t = 0
        while True:
            Sw = S.dot(wm)
            wSw = wm.dot(Sw)
            uw = u.dot(wm)
            r = -uw * uw / wSw
            rhos.append(r)
            gaps.append(r - rho_star)
            if t == n_iter or r - rho_star <= tol * abs(rho_star):
                break
            etas.append(wSw / (2 * Lm * abs(r)))
            wm = wm - Sw / Lm + (wSw / (Lm * uw)) * u
            t += 1
            if store_iterates:
                ws.append(np.array([float(x) for x in wm]))
        x = np.array([float(v) for v in wm])
        out = SolverResult(
            x=x, fun=float(rhos[-1]), nit=t, success=True,
            message="reached tol" if t < n_iter else "ran n_iter steps",
            method="rayleigh", precision=f"mpmath(dps={dps})",
            rho=np.array([float(v) for v in rhos]), gap=np.array([float(v) for v in gaps]),
            eta=np.array([float(v) for v in etas]), gap_mp=gaps, rho_star=float(rho_star),
            rho0=float(rhos[0]), L=float(L), mu=G.mu,
            floor=float(abs(rho_star) * mpmath.mpf(10) ** (-(dps - 10))),
            trace_keys=("rho", "gap", "eta") + (("w",) if store_iterates else ()),
        )
    if store_iterates:
        out["w"] = np.array(ws)
    return out


def pencil_ascent(B, A, w0, n_iter: int, *, L=None) -> SolverResult:
    r"""Preconditioned Rayleigh ascent on a pencil ``(B, A)`` (MATH.md §3.1).

    ``ρ̃(w) = wᵀBw/wᵀAw``, step ``w⁺ = w + η∇ρ̃(w)`` with ``η = wᵀAw/(2L(ρ̃(w) − λ_min))``,
    i.e. ``w⁺ = w + (Bw − ρ̃(w)Aw)/(L(ρ̃(w) − λ_min))``, where ``λ_min`` is the smallest
    eigenvalue of the pencil.  For ``B = uuᵀ, A = S`` this is Rayleigh-GD on ``ρ = −ρ̃``.

    Parameters
    ----------
    B : array_like, shape (d, d)
        Symmetric.
    A : array_like, shape (d, d)
        Symmetric positive definite.
    w0 : array_like, shape (d,)
    n_iter : int
    L : float, optional
        Default ``λ_max(A)``; must be ``≥ λ_max(A)``.

    Returns
    -------
    SolverResult
        ``rho_tilde`` (length ``nit+1``), ``pencil_eigenvalues`` (descending), ``mu``, ``L``.

    Examples
    --------
    >>> import numpy as np
    >>> r = pencil_ascent(np.diag([3.0, 2.0, 1.0]), np.eye(3), [1.0, 1.0, 1.0], 5)
    >>> bool(np.all(np.diff(r.rho_tilde) >= 0))
    True
    """
    import scipy.linalg

    A = spd_matrix("A", A)
    B = as_finite_array("B", B, ndim=2)
    if B.shape != A.shape:
        raise ShapeMismatchError(f"B has shape {B.shape} but A has shape {A.shape}")
    B = 0.5 * (B + B.T)
    evA = np.linalg.eigvalsh(A)
    G = geometry((A, np.ones(A.shape[0])))
    L = check_L(G, L)
    w = as_finite_array("w0", w0, ndim=1)
    if w.shape[0] != A.shape[0]:
        raise ShapeMismatchError(f"w0 has length {w.shape[0]}, expected d = {A.shape[0]}")
    n_iter = int_at_least("n_iter", n_iter, 0)
    lam = scipy.linalg.eigh(B, A, eigvals_only=True)[::-1]
    lam_min = float(lam[-1])
    rt = np.empty(n_iter + 1)
    for t in range(n_iter + 1):
        Bw, Aw = B @ w, A @ w
        r = float(w @ Bw) / float(w @ Aw)
        rt[t] = r
        if t == n_iter:
            break
        w = w + (Bw - r * Aw) / (L * (r - lam_min))
    return SolverResult(x=w, fun=float(rt[-1]), nit=n_iter, success=True, message="ran n_iter steps",
                        method="pencil_ascent", rho_tilde=rt, pencil_eigenvalues=lam,
                        mu=float(evA[0]), L=L, trace_keys=("rho_tilde",))
