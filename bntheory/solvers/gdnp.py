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
``S @ w``, from which ``‖w‖_S``, ``a`` and ``∇_w f`` are all read.  The length search is
``d``-independent: warm-started from the previous length and evaluated in two or three
vectorised quadrature calls (the bisection path predicted from an interpolant of ``∂_g f``, the
expected root window taken from the last two lengths, and replayed exactly on the values at the
path's own midpoints, :func:`~bntheory.solvers.bisection.bisect_length`).
Diagnostics needing ``S⁻¹`` (the bound's left-hand sides) are computed only with
``diagnostics=True``.  Problems without the one-dimensional structure (a network unit, MATH.md
§6; empirical data, §5) run through the generic path with the problem's own ``dg``, ``h``,
``grad_w``.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError
from ..validation import finite_scalar, int_at_least
from ._common import check_L, check_start, geometry
from .bisection import CAPPED_MAX_DOUBLINGS, DEFAULT_MAX_DOUBLINGS, bisect_length
from .result import SolverResult

__all__ = ["gdnp", "length_search", "scalar_model"]


class scalar_model:
    r"""The one-dimensional reduction of a Gaussian halfspace problem at fixed ``a`` (MATH.md §4.3).

    Wraps the Gaussian moments ``(E[φ'(q)], E[φ''(q)])`` of ``q = zᵀw̃ ~ N(g a, g²(1 − a²))``
    into

    * ``c1(g, a) = E[φ'] − E[φ'']·g a``  (``uᵀw̃ = g a``),
    * ``c2(g, a) = E[φ'']``,
    * ``dg(g, a) = c₁ a + c₂ g = ∂_g f(w, g)``.

    The moments come from the problem's quadrature rule (``problem.quad``,
    :mod:`bntheory.gauss`), asked for the two orders the search needs only: scalar calls use the
    lean :meth:`~bntheory.gauss.GaussRule.kernel`, batched calls (:meth:`dg_batch`) the same
    kernel on arrays.  Values computed at the current ``a`` are kept, so
    ``c₁`` at the length the search returns costs nothing.

    Parameters
    ----------
    problem : GaussianHalfspace
        Provides ``quad`` (a :class:`~bntheory.gauss.GaussRule`) and ``loss``.
    """

    def __init__(self, problem):
        self.problem = problem
        self.loss = problem.loss
        self.finite_length = bool(getattr(self.loss, "finite_optimal_length", True))
        self._quad = problem.quad
        self._kernel = problem.quad.kernel(self.loss, (1, 2))
        self._a = None
        self._memo: dict = {}
        self._batches: list = []

    @staticmethod
    def supports(problem) -> bool:
        """Whether ``problem`` has the one-dimensional structure (a ``quad`` rule and a ``loss``)."""
        return getattr(problem, "quad", None) is not None and getattr(problem, "loss", None) is not None

    def _at(self, a: float) -> dict:
        if a != self._a:
            self._a, self._memo, self._batches = a, {}, []
        return self._memo

    def moments(self, g: float, a: float):
        """``(E[φ'(q)], E[φ''(q)])`` with ``q ~ N(g a, g²(1 − a²))``."""
        memo = self._at(a)
        hit = memo.get(g)
        if hit is None:
            for gs, E1, E2 in reversed(self._batches):  # values of dg_batch at this a
                j = np.flatnonzero(gs == g)
                if j.size:
                    hit = memo[g] = (float(E1[j[0]]), float(E2[j[0]]))
                    return hit
            s = abs(g) * math.sqrt(max(1.0 - a * a, 0.0))
            e = self._kernel(g * a, s)
            hit = memo[g] = (float(e[0]), float(e[1]))
        return hit

    def c1_c2(self, g: float, a: float):
        """``(c₁, c₂)`` of MATH.md §4.2 at ``w̃`` with ``uᵀw̃ = g a``."""
        m1, m2 = self.moments(g, a)
        return m1 - m2 * g * a, m2

    def dg(self, g: float, a: float) -> float:
        """``∂_g f(w, g) = c₁ a + c₂ g`` (MATH.md §4.3)."""
        c1, c2 = self.c1_c2(g, a)
        return c1 * a + c2 * g

    def dg_batch(self, gs: np.ndarray, a: float) -> np.ndarray:
        """:meth:`dg` at every entry of ``gs`` in one vectorised quadrature call."""
        gs = np.asarray(gs, dtype=float)
        E1, E2 = self._kernel.vector(gs * a, np.abs(gs) * math.sqrt(max(1.0 - a * a, 0.0)))
        self._at(a)
        self._batches.append((gs, E1, E2))  # looked up by `moments` only when asked (c₁ at g_t)
        return (E1 - E2 * gs * a) * a + E2 * gs


def length_search(model: scalar_model, a: float, T_s: int, *, B0: float = 1.0,
                  max_doublings=None, on_no_finite_length: str = "raise", batched: bool = True,
                  window=None):
    """Bisection for the length at direction ``a = uᵀw/‖w‖_S`` (MATH.md §4.4); see
    :func:`~bntheory.solvers.bisection.bisect_length`.  ``max_doublings`` defaults to
    ``DEFAULT_MAX_DOUBLINGS`` (finite optimal length) or the documented cap
    ``CAPPED_MAX_DOUBLINGS`` (a loss without one, e.g. sigmoid, with ``on_no_finite_length="cap"``).
    ``batched`` replays the search from vectorised evaluations (bit-identical result);
    ``window`` is the expected root interval of the speculative replay (cost only).
    """
    return _search(lambda g: model.dg(g, a), (lambda gs: model.dg_batch(gs, a)) if batched else None,
                   -float(np.sign(a)), T_s, B0, max_doublings, model.finite_length, on_no_finite_length,
                   window)


def _search(dg, dg_batch, side, T_s, B0, max_doublings, finite_length, on_no_finite_length, window=None):
    if max_doublings is None:
        max_doublings = DEFAULT_MAX_DOUBLINGS if finite_length else CAPPED_MAX_DOUBLINGS
    return bisect_length(dg, T_s, side, B0=B0, max_doublings=max_doublings,
                         finite_length=finite_length, on_no_finite_length=on_no_finite_length,
                         dg_batch=dg_batch, window=window)


def _root_window(g1: float, g2: float):
    """Where the next length is expected from the last two, ``g1 = g_{t−1}``, ``g2 = g_{t−2}``:
    ``[g1, g1 + 2(g1 − g2)]`` padded by 1% of ``|g1|`` (a cost hint for the speculative replay)."""
    lo, hi = sorted((g1, g1 + 2.0 * (g1 - g2)))
    pad = 0.01 * abs(g1)
    return (lo - pad, hi + pad) if lo - pad < hi + pad else None


def gdnp(problem, w0, T_d: int, T_s: int, *, L=None, B0: float = 1.0, warm_start: float | None = 2.0,
         max_doublings=None, on_no_finite_length: str = "raise", batched: bool = True,
         diagnostics: bool = True, store_iterates: bool = False) -> SolverResult:
    r"""GDNP on a halfspace-type problem, exactly as MATH.md §4.4.

    Two paths, the same algorithm:

    * **Gaussian halfspace** (a problem with ``quad`` and ``loss``, :class:`scalar_model`): the
      length search and ``c₁`` are one-dimensional Gaussian integrals at fixed
      ``a = uᵀw/‖w‖_S``; ``∇_w f = (g c₁/‖w‖_S)(u − (uᵀw/‖w‖_S²) S w)`` (MATH.md §4.3) is read
      off the iteration's single product ``S @ w``.
    * **any problem with the halfspace interface** (``S``, ``u``, ``dg(w, g)`` vectorised in
      ``g``, ``h(w, g)``, ``grad_w(w, g)``; ``f``/``grad`` for the outputs and diagnostics), e.g.
      :class:`~bntheory.problems.HiddenUnitProblem` (MATH.md §6), OLS or an empirical halfspace
      (MATH.md §5, an experiment): ``∂_g f``, ``h = c₁ uᵀw`` and ``∇_w f`` come from the problem.
      The bracket side is ``−sign(∂_g f(w, 0))``; for a halfspace ``∂_g f(w, 0) = φ'(0)·a``, so
      this is MATH.md §4.4's ``−sign(uᵀw)`` whenever ``φ'(0) > 0``; for a network unit with
      ``θ_i < 0`` it is the side on which ``f`` decreases.  A problem's ``finite_optimal_length``
      attribute (else its loss's) selects the raise/cap treatment below (a network unit inherits
      its outer loss's flag); ``batch_dg = False`` makes the search sequential (a ``dg`` that
      loops over ``g``).

    Parameters
    ----------
    problem : GaussianHalfspace or a problem with the halfspace interface (above)
    w0 : array_like, shape (d,)
        Start with ``uᵀw₀ ≠ 0``.
    T_d : int
        Direction steps ``≥ 0``.
    T_s : int
        Bisection halvings per length search ``≥ 0``.
    L : float, optional
        ``L ≥ λ_max(S)``, default ``λ_max(S)``.
    B0 : float
        First half-width of the length bracket ``[0, side·B]`` (MATH.md §4.4).
    warm_start : float or None
        Start the bracket search of iteration ``t ≥ 1`` from ``B = warm_start·|g_{t−1}|`` (from
        the previous length; ``B0`` when that is 0 or was capped; ``None``: always ``B0``).  The
        default factor 2 usually brackets the new root at once (no doubling); from ``t ≥ 2`` the
        last two lengths also give the search an expected root window (cost only).  MATH.md §4.4 leaves ``a⁽⁰⁾, b⁽⁰⁾`` free; the
        bracket actually used is recorded (``a0``, ``b0``, ``width0``) and the bounds of
        :mod:`bntheory.bounds` use it.
    max_doublings : int, optional
        Doubling limit of the bracket search (see :func:`length_search`).
    on_no_finite_length : {"raise", "cap"}
        For a loss without a finite optimal length (sigmoid): raise
        :class:`~bntheory.errors.NoFiniteLengthError`, or cap the bracket at
        ``B·2^CAPPED_MAX_DOUBLINGS``, use that length, flag the iterate in ``capped`` and report
        ``success=False``.  The direction iterates do not depend on ``g_t`` (MATH.md §4.4).
    batched : bool
        Run the length search from vectorised evaluations of ``∂_g f`` (bit-identical result,
        see :func:`~bntheory.solvers.bisection.bisect_length`); ignored for a problem with
        ``batch_dg = False``.
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
        (length ``T_d+1``): ``g, dg, a0, b0, width0, n_doublings, n_evals, n_calls, capped, c1, h,
        a, rho, gap``; per step (length ``T_d``): ``s`` (``nan`` where undefined), ``guarded``
        (the ``h = 0`` guard), ``g_zero_step`` (the ``g_t = 0`` extension); scalars
        ``T_s, L, mu, rho_star, rho0``.

    Raises
    ------
    DegenerateStartError, StepSizeError, ParameterError, BracketError, NoFiniteLengthError

    References
    ----------
    Kohler et al. (2019), Section 4, Algorithm 1 (GDNP) and Theorem 3; Section 5 (per-unit
    GDNP); MATH.md §4.4–4.5, §6.
    """
    G = geometry(problem)
    w = check_start(G, w0)
    T_d = int_at_least("T_d", T_d, 0)
    T_s = int_at_least("T_s", T_s, 0)
    L = check_L(G, L)
    if warm_start is not None:
        warm_start = finite_scalar("warm_start", warm_start)
        if warm_start <= 0.0:
            raise ParameterError(f"warm_start must be a positive factor or None, got warm_start = {warm_start}")
    if on_no_finite_length not in ("raise", "cap"):
        raise ParameterError(f"on_no_finite_length must be 'raise' or 'cap', got {on_no_finite_length!r}")
    fast = scalar_model.supports(problem)
    model = scalar_model(problem) if fast else None
    finite_length = bool(getattr(problem, "finite_optimal_length",
                                 getattr(getattr(problem, "loss", None), "finite_optimal_length", True)))
    S, u = G.S, G.u
    n = T_d + 1
    rec = {k: np.empty(n) for k in ("g", "dg", "a0", "b0", "width0", "c1", "h", "a", "rho")}
    for k in ("n_doublings", "n_evals", "n_calls"):
        rec[k] = np.empty(n, dtype=int)
    rec["capped"] = np.zeros(n, dtype=bool)
    s_arr = np.zeros(T_d)
    guarded = np.zeros(T_d, dtype=bool)
    g_zero = np.zeros(T_d, dtype=bool)
    if diagnostics:
        diag = {k: np.empty(n) for k in ("dir_grad_sq", "grad_dual_sq", "grad_sq")}
    ws = [] if store_iterates else None
    B = B0
    for t in range(n):
        if store_iterates:
            ws.append(w.copy())
        Sw = S @ w  # the one O(d²) product of the iteration
        wSw = float(w @ Sw)
        uw = float(u @ w)
        nS = math.sqrt(wSw)
        a = uw / nS
        proj = u - (uw / wSw) * Sw
        win = None
        if warm_start is not None and t >= 2 and not rec["capped"][t - 2:t].any():
            win = _root_window(rec["g"][t - 1], rec["g"][t - 2])
        if fast:
            br = length_search(model, a, T_s, B0=B, max_doublings=max_doublings,
                               on_no_finite_length=on_no_finite_length, batched=batched, window=win)
            g = br.g
            c1, _ = model.c1_c2(g, a)
            h = c1 * uw
            # ∇_w f(w, g) = (g c₁/‖w‖_S)(u − (uᵀw/‖w‖_S²) S w)      (MATH.md §4.3)
            grad_w = (g * c1 / nS) * proj
        else:
            wc = w.copy()
            f0 = float(problem.dg(wc, 0.0))
            side = -float(np.sign(f0)) if f0 != 0.0 else -float(np.sign(a))
            br = _search(lambda gg: problem.dg(wc, gg),
                         (lambda gs: np.asarray(problem.dg(wc, gs), dtype=float))
                         if batched and getattr(problem, "batch_dg", True) else None,
                         side, T_s, B, max_doublings, finite_length, on_no_finite_length, win)
            g = br.g
            h = float(problem.h(wc, g))
            c1 = h / uw
            grad_w = np.asarray(problem.grad_w(wc, g), dtype=float)
        rec["g"][t], rec["dg"][t], rec["a0"][t], rec["b0"][t] = g, br.dg, br.a0, br.b0
        rec["width0"][t], rec["n_doublings"][t], rec["capped"][t] = br.width0, br.n_doublings, br.capped
        rec["n_evals"][t], rec["n_calls"][t] = br.n_evals, br.n_calls
        rec["c1"][t], rec["h"][t], rec["a"][t], rec["rho"][t] = c1, h, a, -a * a
        if warm_start is not None:
            B = warm_start * abs(g) if (g != 0.0 and not br.capped) else B0
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
            # ∇_w f = 0, but for a Stein-structured gradient s_t ∇_w f =
            # −(‖w‖_S²/(L uᵀw))(u − (uᵀw/‖w‖_S²) S w) does not depend on g_t: take that continuous
            # extension (flagged in `g_zero_step`).
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
        method="gdnp", s=s_arr, guarded=guarded, g_zero_step=g_zero, gap=rec["rho"] - rho_star,
        rho_star=rho_star, rho0=float(rec["rho"][0]), T_s=T_s, T_d=T_d, L=L, mu=G.mu,
        floor=1e-13 * abs(rho_star), path="gaussian-1d" if fast else "generic", **rec,
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
