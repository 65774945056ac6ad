r"""Gradient Descent in Normalized Parameterization, GDNP (MATH.md §4.4).

.. code-block:: text

    for t = 0 .. T_d − 1:
        g_t = Bisection(T_s, g ↦ ∂_g f(w_t, g))
        h_t = c₁(w̃_t) · uᵀw_t
        if h_t ≠ 0:  s_t = −‖w_t‖_S³ / (L g_t h_t);  w_{t+1} = w_t − s_t ∇_w f(w_t, g_t)
        else:        w_{t+1} = w_t
    g_{T_d} = Bisection(T_s, ·) at w_{T_d};  output w̃ = g_{T_d} w_{T_d}/‖w_{T_d}‖_S

``g_t = 0``.  MATH.md §4.4 leaves ``s_t`` undefined when the returned left end is ``g_t = 0``
(this happens whenever ``uᵀw_t < 0`` and the root lies in ``(0, 2^{−T_s} B]``, e.g. always for
``T_s = 0``): then ``s_t = ±∞`` and ``∇_w f = 0``.  The product ``s_t ∇_w f(w_t, g_t) =
−(‖w_t‖_S²/(L uᵀw_t))(u − (uᵀw_t/‖w_t‖_S²) S w_t)`` does not depend on ``g_t``, so its continuous
extension is used and the step is flagged in ``g_zero_step``; the key identity of §4.4 (GDNP
direction iterates = Rayleigh-GD iterates) then holds for every ``T_s``.

Cost.  The population objective depends on the direction only through
``a = uᵀw/‖w‖_S`` (MATH.md §4.3), so the whole length search and ``c₁`` are one-dimensional
Gaussian integrals at fixed ``a``; the only ``O(d²)`` work of an iteration is the single product
``S @ w``, from which ``‖w‖_S``, ``a`` and ``∇_w f`` are all read.  Diagnostics needing ``S⁻¹``
(the bound's left-hand sides) are computed only with ``diagnostics=True``.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ..validation import int_at_least
from ._common import check_L, check_start, geometry
from .bisection import CAPPED_MAX_DOUBLINGS, DEFAULT_MAX_DOUBLINGS, bisect_length
from .result import SolverResult

__all__ = ["gdnp", "length_search", "scalar_model"]


class scalar_model:
    r"""The one-dimensional reduction of a halfspace problem at fixed ``a`` (MATH.md §4.3).

    Wraps the Gaussian moments ``(E[φ'(q)], E[φ''(q)])`` of ``q = zᵀw̃`` into

    * ``c1(g, a) = E[φ'] − E[φ'']·g a``  (``uᵀw̃ = g a``),
    * ``c2(g, a) = E[φ'']``,
    * ``dg(g, a) = c₁ a + c₂ g = ∂_g f(w, g)``.

    Parameters
    ----------
    problem : GaussianHalfspace or similar
        Provides ``moments(g, a)`` and ``loss``.
    """

    def __init__(self, problem):
        self.problem = problem
        self.loss = getattr(problem, "loss", None)
        self.finite_length = bool(getattr(self.loss, "finite_optimal_length", True))
        self._quad = getattr(problem, "quad", None) if self.loss is not None else None

    def moments(self, g: float, a: float):
        """``(E[φ'(q)], E[φ''(q)])`` with ``q ~ N(g a, g²(1 − a²))``.

        Fast path: the problem's own quadrature rule (``problem.quad``, :mod:`bntheory.gauss`)
        asked for the two orders the search needs only; otherwise ``problem.moments(g, a)``,
        which returns ``(E φ, E φ', E φ'')``.
        """
        quad = self._quad
        if quad is not None:
            s = abs(g) * np.sqrt(max(1.0 - a * a, 0.0))
            m = quad.moments(self.loss, g * a, s, orders=(1, 2))
            return float(m[0]), float(m[1])
        m = self.problem.moments(g, a)
        return float(m[-2]), float(m[-1])

    def c1_c2(self, g: float, a: float):
        """``(c₁, c₂)`` of MATH.md §4.2 at ``w̃`` with ``uᵀw̃ = g a``."""
        m1, m2 = self.moments(g, a)
        return m1 - m2 * g * a, m2

    def dg(self, g: float, a: float) -> float:
        """``∂_g f(w, g) = c₁ a + c₂ g`` (MATH.md §4.3)."""
        c1, c2 = self.c1_c2(g, a)
        return c1 * a + c2 * g


def length_search(model: scalar_model, a: float, T_s: int, *, B0: float = 1.0,
                  max_doublings=None, on_no_finite_length: str = "raise"):
    """Bisection for the length at direction ``a = uᵀw/‖w‖_S`` (MATH.md §4.4); see
    :func:`~bntheory.solvers.bisection.bisect_length`.  ``max_doublings`` defaults to
    ``DEFAULT_MAX_DOUBLINGS`` (finite optimal length) or the documented cap
    ``CAPPED_MAX_DOUBLINGS`` (a loss without one, e.g. sigmoid, with ``on_no_finite_length="cap"``).
    """
    if max_doublings is None:
        max_doublings = (DEFAULT_MAX_DOUBLINGS if model.finite_length
                         else CAPPED_MAX_DOUBLINGS)
    return bisect_length(lambda g: model.dg(g, a), T_s, -float(np.sign(a)), B0=B0,
                         max_doublings=max_doublings, finite_length=model.finite_length,
                         on_no_finite_length=on_no_finite_length)


def gdnp(problem, w0, T_d: int, T_s: int, *, L=None, B0: float = 1.0, max_doublings=None,
         on_no_finite_length: str = "raise", diagnostics: bool = True,
         store_iterates: bool = False) -> SolverResult:
    r"""GDNP on a Gaussian halfspace problem, exactly as MATH.md §4.4.

    Parameters
    ----------
    problem : GaussianHalfspace
        Needs ``S``, ``u``, ``loss``, ``moments(g, a)``; with ``diagnostics`` also ``grad(w̃)``.
    w0 : array_like, shape (d,)
        Start with ``uᵀw₀ ≠ 0``.
    T_d : int
        Direction steps ``≥ 0``.
    T_s : int
        Bisection halvings per length search ``≥ 0``.
    L : float, optional
        ``L ≥ λ_max(S)``, default ``λ_max(S)``.
    B0 : float
        First half-width of the length bracket ``[0, −sign(uᵀw)·B]``.
    max_doublings : int, optional
        Doubling limit of the bracket search (see :func:`length_search`).
    on_no_finite_length : {"raise", "cap"}
        For a loss without a finite optimal length (sigmoid): raise
        :class:`~bntheory.errors.NoFiniteLengthError`, or cap the bracket at
        ``B₀·2^CAPPED_MAX_DOUBLINGS``, use that length, flag the iterate in ``capped`` and report
        ``success=False``.  The direction iterates do not depend on ``g_t`` (MATH.md §4.4).
    diagnostics : bool
        Also record ``dir_grad_sq = ‖w_t‖²_S‖∇_w f(w_t,g_t)‖²_{S⁻¹}``,
        ``grad_dual_sq = ‖∇_{w̃}f(w̃_t)‖²_{S⁻¹}`` and ``grad_sq = ‖∇f(w̃_t)‖²`` (these need ``S⁻¹``
        or ``problem.grad`` and are not part of the algorithm's cost).
    store_iterates : bool
        Keep ``w_t`` in ``result.w``.

    Returns
    -------
    SolverResult
        ``x = w̃_{T_d}``, ``fun = f(w̃_{T_d})`` (if the problem has ``f``), ``w_final``; per point
        (length ``T_d+1``): ``g, dg, a0, b0, width0, n_doublings, capped, c1, h, a, rho, gap``;
        per step (length ``T_d``): ``s`` (``nan`` where undefined), ``guarded`` (the ``h = 0``
        guard), ``g_zero_step`` (the ``g_t = 0`` extension); scalars ``T_s, L, mu, rho_star, rho0``.

    Raises
    ------
    DegenerateStartError, StepSizeError, ParameterError, BracketError, NoFiniteLengthError

    References
    ----------
    Kohler et al. (2019), Section 4, Algorithm 1 (GDNP) and Theorem 3; MATH.md §4.4–4.5.
    """
    G = geometry(problem)
    w = check_start(G, w0)
    T_d = int_at_least("T_d", T_d, 0)
    T_s = int_at_least("T_s", T_s, 0)
    L = check_L(G, L)
    if on_no_finite_length not in ("raise", "cap"):
        raise ParameterError(f"on_no_finite_length must be 'raise' or 'cap', got {on_no_finite_length!r}")
    model = scalar_model(problem)
    S, u = G.S, G.u
    n = T_d + 1
    rec = {k: np.empty(n) for k in ("g", "dg", "a0", "b0", "width0", "c1", "h", "a", "rho")}
    rec["n_doublings"] = np.empty(n, dtype=int)
    rec["capped"] = np.zeros(n, dtype=bool)
    s_arr = np.zeros(T_d)
    guarded = np.zeros(T_d, dtype=bool)
    g_zero = np.zeros(T_d, dtype=bool)
    if diagnostics:
        diag = {k: np.empty(n) for k in ("dir_grad_sq", "grad_dual_sq", "grad_sq")}
    ws = [] if store_iterates else None
    for t in range(n):
        if store_iterates:
            ws.append(w.copy())
        Sw = S @ w  # the one O(d²) product of the iteration
        wSw = float(w @ Sw)
        uw = float(u @ w)
        nS = np.sqrt(wSw)
        a = uw / nS
        br = length_search(model, a, T_s, B0=B0, max_doublings=max_doublings,
                           on_no_finite_length=on_no_finite_length)
        g = br.g
        c1, _ = model.c1_c2(g, a)
        h = c1 * uw
        rec["g"][t], rec["dg"][t], rec["a0"][t], rec["b0"][t] = g, br.dg, br.a0, br.b0
        rec["width0"][t], rec["n_doublings"][t], rec["capped"][t] = br.width0, br.n_doublings, br.capped
        rec["c1"][t], rec["h"][t], rec["a"][t], rec["rho"][t] = c1, h, a, -a * a
        # ∇_w f(w, g) = (g c₁/‖w‖_S)(u − (uᵀw/‖w‖_S²) S w)      (MATH.md §4.3)
        proj = u - (uw / wSw) * Sw
        grad_w = (g * c1 / nS) * proj
        if diagnostics:
            wt = (g / nS) * w
            gr = problem.grad(wt)
            diag["dir_grad_sq"][t] = wSw * G.dual_norm_sq(grad_w)
            diag["grad_dual_sq"][t] = G.dual_norm_sq(gr)
            diag["grad_sq"][t] = float(gr @ gr)
        if t == T_d:
            break
        if h == 0.0:  # the h = 0 guard of MATH.md §4.4: ∇_w f = 0 already, or uᵀw_t = 0
            guarded[t] = True
            s_arr[t] = np.nan
        elif g != 0.0:
            s = -wSw * nS / (L * g * h)
            s_arr[t] = s
            w = w - s * grad_w
        else:
            # g_t = 0 (the left end a^(T_s) is 0, e.g. T_s = 0 with uᵀw_t < 0): s_t is 1/0 and
            # ∇_w f = 0, but s_t ∇_w f = −(‖w‖_S²/(L uᵀw))(u − (uᵀw/‖w‖_S²) S w) does not depend
            # on g_t: take that continuous extension (flagged in `g_zero_step`).
            g_zero[t] = True
            s_arr[t] = np.nan
            w = w + (wSw / (L * uw)) * proj
    rho_star = G.rho_star
    x = (rec["g"][-1] / nS) * w
    capped_any = bool(rec["capped"].any())
    out = SolverResult(
        x=x, w_final=w, nit=T_d, success=not capped_any,
        message=("length search capped (no finite optimal length): g_t is the cap, the "
                 "direction iterates are unaffected" if capped_any else "ran T_d steps"),
        method="gdnp", s=s_arr, guarded=guarded, g_zero_step=g_zero, gap=rec["rho"] - rho_star, rho_star=rho_star,
        rho0=float(rec["rho"][0]), T_s=T_s, T_d=T_d, L=L, mu=G.mu, floor=1e-13 * abs(rho_star),
        **rec,
    )
    keys = tuple(rec) + ("gap", "s", "guarded", "g_zero_step")
    if diagnostics:
        out.update(diag)
        keys += tuple(diag)
    if store_iterates:
        out["w"] = np.array(ws)
        keys += ("w",)
    out["trace_keys"] = keys
    fobj = getattr(problem, "f", None)
    out["fun"] = float(fobj(x)) if fobj is not None else float("nan")
    return out
