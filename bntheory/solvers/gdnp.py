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
``S @ w``, from which ``‖w‖_S``, ``a`` and ``∇_w f`` are all read.  Since the step
``s_t ∇_w f(w_t, g_t)`` above does not depend on ``g_t`` whenever ``h_t ≠ 0``, the default
schedule (``length_schedule = "lockstep"``) runs the algorithm in two phases: first the
direction iterates (one ``S @ w`` each), then all ``T_d + 1`` length searches together: each
round (the doubling probes, or the next one to four bisection levels as a tree of midpoints) of
every search in one vectorised quadrature call
(:func:`~bntheory.solvers.bisection.bisect_lengths`; the same decisions as the sequential
search), and one more call for ``c₁`` at every ``g_t``: ``⌈T_s/D⌉ + 2`` calls in all, with
``D`` bisection levels per round chosen by the number of searches (``LOCKSTEP_CALL_COST``):
``D = 4`` for ``T_d = 0``, 3 for ``T_d ≤ 5``, 2 for ``T_d ≤ 30``, 1 beyond (so about
``T_s/4 + 2`` to ``T_s/3 + 2`` for very short runs, ``T_s/2 + 2`` for short ones, ``T_s + 2``
for long ones; one more per doubling round past ``32·B0``, fewer when searches stop at an
exact root), bounded whatever ``T_d``, instead of two or three per iteration.  An ``h_t = 0``
found then with ``uᵀw_t ≠ 0`` (``c₁(w̃_t) = 0``, measure zero) sends the run back to ``t + 1``
with ``w_{t+1} = w_t``.  With a ``warm_start`` factor each search depends on the previous length, so
the searches run per iteration (``"per-iteration"``, two or three vectorised calls each: the
bisection path predicted from an interpolant of ``∂_g f`` and replayed exactly,
:func:`~bntheory.solvers.bisection.bisect_length`).
On this Gaussian path both schedules take the step ``w_t − s_t ∇_w f(w_t, g_t)`` in that
``g``-independent closed form (equal in exact arithmetic; ``s_t``, ``g_t``, ``h_t`` are still
computed and recorded), so that the two make the same decisions bit for bit at every ``T_s``; the
literal product ``s_t ∇_w f`` is formed on the generic path, and the catalog check
``halfspace.gdnp-equals-rayleigh.trace`` rebuilds it from the recorded ``s_t``.
Diagnostics needing ``S⁻¹`` (the bound's left-hand sides) are computed only with
``diagnostics=True``.  Problems without the one-dimensional structure (a network unit, MATH.md
§6; empirical data, §5) run through the generic path with the problem's own ``dg``, ``h``,
``grad_w``, per iteration.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError
from ..validation import finite_scalar, int_at_least
from ._common import check_L, check_start, geometry
from .bngd import bn_gradients
from .bisection import (CAPPED_MAX_DOUBLINGS, DEFAULT_MAX_DOUBLINGS, BisectionResult, bisect_length,
                        bisect_lengths, in_chunks)
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
    lean :meth:`~bntheory.gauss.GaussRule.kernel`, batched calls (:meth:`dg_batch`,
    :meth:`dg_points`, :meth:`c1_points`) the same kernel on arrays.  Values computed at the
    current ``a`` are kept, so ``c₁`` at the length the search returns costs nothing.

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

    def value(self, g: float, a: float) -> float:
        """``f(w̃) = E[φ(q)]``, ``q ~ N(g a, g²(1 − a²))`` (MATH.md §4.3): the objective at
        ``w̃ = g w/‖w‖_S`` without another ``O(d²)`` product for ``‖w̃‖_S``."""
        s = abs(g) * math.sqrt(max(1.0 - a * a, 0.0))
        return float(self._quad.kernel(self.loss, (0,))(g * a, s)[0])

    def _vector(self, gs: np.ndarray, a):
        """The moments at every ``(g, a)`` pair (``a`` a scalar or an array like ``gs``): one call."""
        return self._kernel.vector(gs * a, np.abs(gs) * np.sqrt(np.maximum(1.0 - a * a, 0.0)))

    def dg_batch(self, gs: np.ndarray, a: float) -> np.ndarray:
        """:meth:`dg` at every entry of ``gs`` in one vectorised quadrature call."""
        gs = np.asarray(gs, dtype=float)
        E1, E2 = self._vector(gs, a)
        self._at(a)
        self._batches.append((gs, E1, E2))  # looked up by `moments` only when asked (c₁ at g_t)
        return (E1 - E2 * gs * a) * a + E2 * gs

    def dg_points(self, gs: np.ndarray, a: np.ndarray) -> np.ndarray:
        """``∂_g f`` at the pairs ``(gs[i], a[i])`` (several directions) in one vectorised call."""
        E1, E2 = self._vector(gs, a)
        return (E1 - E2 * gs * a) * a + E2 * gs

    def c1_points(self, gs: np.ndarray, a: np.ndarray) -> np.ndarray:
        """``c₁`` at the pairs ``(gs[i], a[i])`` in one vectorised call."""
        E1, E2 = self._vector(gs, a)
        return E1 - E2 * gs * a


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


def _doubling_limit(max_doublings, finite_length: bool) -> int:
    if max_doublings is None:
        return DEFAULT_MAX_DOUBLINGS if finite_length else CAPPED_MAX_DOUBLINGS
    return max_doublings


def _search(dg, dg_batch, side, T_s, B0, max_doublings, finite_length, on_no_finite_length, window=None):
    return bisect_length(dg, T_s, side, B0=B0, max_doublings=_doubling_limit(max_doublings, finite_length),
                         finite_length=finite_length, on_no_finite_length=on_no_finite_length,
                         dg_batch=dg_batch, window=window)


def _root_window(g1: float, g2: float):
    """Where the next length is expected from the last two, ``g1 = g_{t−1}``, ``g2 = g_{t−2}``:
    ``[g1, g1 + 2(g1 − g2)]`` padded by 1% of ``|g1|`` (a cost hint for the speculative replay)."""
    lo, hi = sorted((g1, g1 + 2.0 * (g1 - g2)))
    pad = 0.01 * abs(g1)
    return (lo - pad, hi + pad) if lo - pad < hi + pad else None


# --------------------------------------------------------------------------- shared bookkeeping
def _put(tr: dict, t: int, br: BisectionResult, c1: float, h: float, a: float) -> None:
    """Record the length search and ``c₁``, ``h``, ``a`` of point ``t``."""
    tr["g"][t], tr["dg"][t], tr["a0"][t], tr["b0"][t] = br.g, br.dg, br.a0, br.b0
    tr["width0"][t], tr["n_doublings"][t], tr["capped"][t] = br.width0, br.n_doublings, br.capped
    tr["n_evals"][t], tr["n_calls"][t] = br.n_evals, br.n_calls
    tr["c1"][t], tr["h"][t], tr["a"][t], tr["rho"][t] = c1, h, a, -a * a


def _classify(tr: dict, t: int, g: float, h: float, wSw: float, nS: float, L: float) -> str:
    """Which update MATH.md §4.4 makes at step ``t`` (``"guard"``, ``"step"``, ``"extension"``);
    records ``s_t`` and the flags."""
    if h == 0.0:  # the h = 0 guard: ∇_w f = 0 already, or uᵀw_t = 0
        tr["guarded"][t], tr["s"][t] = True, np.nan
        return "guard"
    if g != 0.0:
        tr["s"][t] = -wSw * nS / (L * g * h)
        return "step"
    # g_t = 0 (the left end a^(T_s) is 0, e.g. T_s = 0 with uᵀw_t < 0): s_t is 1/0 and ∇_w f = 0;
    # s_t ∇_w f does not depend on g_t: its continuous extension (module docstring)
    tr["g_zero_step"][t], tr["s"][t] = True, np.nan
    return "extension"


def _extension(w, wSw: float, uw: float, proj, L: float):
    """``w_t − s_t ∇_w f(w_t, g_t) = w_t + (‖w_t‖_S²/(L uᵀw_t))(u − (uᵀw_t/‖w_t‖_S²) S w_t)``,
    which does not depend on ``g_t`` (Gaussian halfspace, MATH.md §4.3–4.4)."""
    return w + (wSw / (L * uw)) * proj


def _diagnose(problem, G, diag: dict, t: int, w, g: float, wSw: float, grad_w=None) -> None:
    """The diagnostics at ``(w_t, g_t)``.  ``dir_grad_sq = ‖w‖²_S‖∇_w f(w, g)‖²_{S⁻¹}`` (the left-hand
    side of the direction bound) with ``∇_w f`` from the problem's own gradient ``∇f(w̃)`` by the
    chain rule of MATH.md §2 (:func:`~bntheory.solvers.bngd.bn_gradients`, one more ``S @ w``),
    not from the closed form ``(g c₁/‖w‖_S)(u − (uᵀw/‖w‖²_S) S w)`` the algorithm uses, so that
    a check of the bound can catch an error in that form; ``grad_w``: the generic path's
    ``problem.grad_w`` (already the problem's own)."""
    if grad_w is None:
        grad_w, _, _, gr = bn_gradients(problem, G.S, w, g)
    else:
        gr = problem.grad((g / math.sqrt(wSw)) * w)
    diag["dir_grad_sq"][t] = wSw * G.dual_norm_sq(grad_w)
    diag["grad_dual_sq"][t] = G.dual_norm_sq(gr)
    diag["grad_sq"][t] = float(gr @ gr)


# --------------------------------------------------------------------------- the two schedules
def _per_iteration(problem, G, model, w, T_d, T_s, L, B0, warm_start, max_doublings,
                   on_no_finite_length, batched, finite_length, tr, diag, ws):
    """MATH.md §4.4 one iteration after the other: search, ``c₁``, step.  On the Gaussian path
    the step ``w_t − s_t ∇_w f(w_t, g_t)`` is taken in its ``g``-independent closed form (equal in
    exact arithmetic, module docstring), as the lockstep schedule must: both schedules then
    have the same iterates bit for bit, hence the same directions ``a_t`` and, their
    quadrature values not depending on the batch, the same length decisions at every ``T_s``
    (with the literal product, ``w_t`` differed in the last bit and a search resolved to
    50+ bits could end one ulp apart).  The generic path takes ``problem.grad_w`` literally.
    Returns ``(w_{T_d}, ‖w_{T_d}‖_S)``."""
    S, u = G.S, G.u
    B = B0
    for t in range(T_d + 1):
        if ws is not None:
            ws.append(w.copy())
        Sw = S @ w  # the one O(d²) product of the iteration
        wSw = float(w @ Sw)
        uw = float(u @ w)
        nS = math.sqrt(wSw)
        a = uw / nS
        proj = u - (uw / wSw) * Sw
        win = None
        if warm_start is not None and t >= 2 and not tr["capped"][t - 2:t].any():
            win = _root_window(tr["g"][t - 1], tr["g"][t - 2])
        if model is not None:
            br = length_search(model, a, T_s, B0=B, max_doublings=max_doublings,
                               on_no_finite_length=on_no_finite_length, batched=batched, window=win)
            g = br.g
            c1, _ = model.c1_c2(g, a)
            h = c1 * uw
            grad_w = None  # the step's closed form needs no ∇_w f (see the docstring)
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
        _put(tr, t, br, c1, h, a)
        if warm_start is not None:
            B = warm_start * abs(g) if (g != 0.0 and not br.capped) else B0
        if diag is not None:
            _diagnose(problem, G, diag, t, w, g, wSw, grad_w)
        if t == T_d:
            break
        kind = _classify(tr, t, g, h, wSw, nS, L)
        if kind == "extension" or (kind == "step" and model is not None):
            w = _extension(w, wSw, uw, proj, L)  # = w − s_t ∇_w f(w_t, g_t) on the Gaussian path
        elif kind == "step":
            w = w - tr["s"][t] * grad_w
    return w, nS


def _directions(G, w, L, t0, n, wSw, uw, nS, W):
    """Direction phase of the lockstep schedule: ``w_t`` for ``t = t0 .. n−1`` from ``w = w_{t0}``
    with the ``g``-independent step (``h_t ≠ 0`` assumed; ``uᵀw_t = 0`` keeps ``w``, the guard).
    Fills ``‖w_t‖²_S``, ``uᵀw_t``, ``‖w_t‖_S``, and ``W[t] = w_t`` when given.  Returns ``w_{n−1}``."""
    S, u = G.S, G.u
    for t in range(t0, n):
        if W is not None:
            W[t] = w
        Sw = S @ w  # the one O(d²) product of the iteration
        wSw[t] = q = float(w @ Sw)
        uw[t] = p = float(u @ w)
        nS[t] = math.sqrt(q)
        if t < n - 1 and p != 0.0:
            w = _extension(w, q, p, u - (p / q) * Sw, L)
    return w


def _lockstep(problem, G, model, w, T_d, T_s, L, B0, max_doublings, on_no_finite_length, tr, diag,
              keep_w):
    """The two-phase schedule (module docstring).  Returns ``(w_{T_d}, ‖w_{T_d}‖_S, W)`` with
    ``W`` the iterates ``(T_d + 1, d)`` when ``keep_w`` (else ``None``)."""
    n = T_d + 1
    wSw, uw, nS = np.empty(n), np.empty(n), np.empty(n)
    W = np.empty((n, w.size)) if keep_w else None
    limit = _doubling_limit(max_doublings, model.finite_length)
    t0, w_seg = 0, w
    while True:
        w = _directions(G, w_seg, L, t0, n, wSw, uw, nS, W)
        a = uw[t0:] / nS[t0:]
        res = bisect_lengths(lambda i, g: model.dg_points(g, a[i]), T_s, -np.sign(a), B0=B0,
                             max_doublings=limit, finite_length=model.finite_length,
                             on_no_finite_length=on_no_finite_length)
        gs = np.array([r.g if isinstance(r, BisectionResult) else 0.0 for r in res])
        c1 = in_chunks(lambda i, g: model.c1_points(g, a[i]), np.arange(gs.size), gs)
        redo = None
        for t in range(t0, n):
            br = res[t - t0]
            if isinstance(br, Exception):  # the error the sequential run meets at this t
                raise br
            h = float(c1[t - t0]) * uw[t]
            _put(tr, t, br, float(c1[t - t0]), h, float(a[t - t0]))
            if t < T_d and _classify(tr, t, br.g, h, wSw[t], nS[t], L) == "guard" and uw[t] != 0.0:
                redo = t
                break
        if redo is None:
            break
        # h_t = 0 with uᵀw_t ≠ 0 (c₁(w̃_t) = 0): the algorithm keeps w_{t+1} = w_t, the direction
        # phase stepped; take w_t (kept, or recomputed from the segment's start: rare, measure
        # zero) and run both phases again from t + 1
        if W is not None:
            w_seg = W[redo].copy()
        else:
            w_seg = _directions(G, w_seg, L, t0, redo + 1, wSw, uw, nS, None)
        t0 = redo + 1
    if diag is not None:
        for t in range(n):  # from the problem's gradient (_diagnose), not the closed form
            _diagnose(problem, G, diag, t, W[t], tr["g"][t], wSw[t])
    return w, float(nS[-1]), W


def gdnp(problem, w0, T_d: int, T_s: int, *, L=None, B0: float = 1.0, warm_start: float | None = None,
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

    Length schedule (recorded in ``length_schedule``; the same algorithm and, from the same
    bracket, the same decisions):

    * ``"lockstep"``: Gaussian path, ``batched=True`` and ``warm_start=None`` (the default).
      The direction iterates first (``s_t ∇_w f`` does not depend on ``g_t`` when ``h_t ≠ 0``,
      MATH.md §4.4), then all length searches together in shared vectorised quadrature calls
      (module docstring).  Memory: ``O(T_d)`` scalars, and with ``diagnostics`` or
      ``store_iterates`` the iterates ``(T_d + 1)·d`` floats (the diagnostics need ``w_t`` once
      ``g_t`` is known).
    * ``"per-iteration"``: otherwise; search, ``c₁`` and step one iteration after the other
      (``batched=False``: the scalar, sequential reference).

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
        ``None`` (default): every search starts from ``B0``.  A factor: the search of iteration
        ``t ≥ 1`` starts from ``B = warm_start·|g_{t−1}|`` (``B0`` when that is 0 or was capped);
        factor 2 usually brackets the new root at once, and from ``t ≥ 2`` the last two lengths
        give the search an expected root window (cost only).  Each search then depends on the
        previous one, so the schedule is ``"per-iteration"``.  MATH.md §4.4 leaves
        ``a⁽⁰⁾, b⁽⁰⁾`` free; the bracket actually used is recorded (``a0``, ``b0``, ``width0``)
        and the bounds of :mod:`bntheory.bounds` use it.
    max_doublings : int, optional
        Doubling limit of the bracket search (see :func:`length_search`).
    on_no_finite_length : {"raise", "cap"}
        For a loss without a finite optimal length (sigmoid): raise
        :class:`~bntheory.errors.NoFiniteLengthError`, or cap the bracket at
        ``B·2^CAPPED_MAX_DOUBLINGS``, use that length, flag the iterate in ``capped`` and report
        ``success=False``.  The direction iterates do not depend on ``g_t`` (MATH.md §4.4).
    batched : bool
        Evaluate ``∂_g f`` vectorised: the lockstep schedule (above), or with ``warm_start`` the
        per-iteration batched replay (bit-identical to the sequential search,
        :func:`~bntheory.solvers.bisection.bisect_length`).  ``False``: scalar evaluations, one
        search after the other (the reference).  No effect for a problem with
        ``batch_dg = False``.
    diagnostics : bool
        Also record ``dir_grad_sq = ‖w_t‖²_S‖∇_w f(w_t,g_t)‖²_{S⁻¹}``,
        ``grad_dual_sq = ‖∇_{w̃}f(w̃_t)‖²_{S⁻¹}`` and ``grad_sq = ‖∇f(w̃_t)‖²`` (these need ``S⁻¹``
        and ``problem.grad`` and are not part of the algorithm's cost).  ``∇_w f`` is computed from
        ``problem.grad`` by the chain rule of MATH.md §2 (one more ``S @ w``), not from the closed
        form the algorithm uses, so a check of the direction bound can catch an error in it.
    store_iterates : bool
        Keep ``w_t`` in ``result.w``.

    Returns
    -------
    SolverResult
        ``x = w̃_{T_d}``, ``fun = f(w̃_{T_d})`` (if the problem has ``f``; on the Gaussian path from
        its 1-D reduction at ``(g_{T_d}, a_{T_d})``), ``w_final``; per point
        (length ``T_d+1``): ``g, dg, a0, b0, width0, n_doublings, n_evals, n_calls, capped, c1, h,
        a, rho, gap``; per step (length ``T_d``): ``s`` (``nan`` where undefined), ``guarded``
        (the ``h = 0`` guard), ``g_zero_step`` (the ``g_t = 0`` extension); scalars
        ``T_s, L, mu, rho_star, rho0``, ``path`` (``"gaussian-1d"``/``"generic"``),
        ``length_schedule``, ``warm_start``.  In the lockstep schedule ``n_calls`` counts the
        shared rounds a search took part in.

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
    n = T_d + 1
    tr = {k: np.empty(n) for k in ("g", "dg", "a0", "b0", "width0", "c1", "h", "a", "rho")}
    for k in ("n_doublings", "n_evals", "n_calls"):
        tr[k] = np.empty(n, dtype=int)
    tr["capped"] = np.zeros(n, dtype=bool)
    tr["s"] = np.zeros(T_d)
    tr["guarded"] = np.zeros(T_d, dtype=bool)
    tr["g_zero_step"] = np.zeros(T_d, dtype=bool)
    diag = {k: np.empty(n) for k in ("dir_grad_sq", "grad_dual_sq", "grad_sq")} if diagnostics else None
    lockstep = fast and batched and warm_start is None
    if lockstep:
        w, nS, W = _lockstep(problem, G, model, w, T_d, T_s, L, B0, max_doublings, on_no_finite_length,
                             tr, diag, diagnostics or store_iterates)
    else:
        ws = [] if store_iterates else None
        w, nS = _per_iteration(problem, G, model, w, T_d, T_s, L, B0, warm_start, max_doublings,
                               on_no_finite_length, batched, finite_length, tr, diag, ws)
        W = np.array(ws) if store_iterates else None
    rho_star = G.rho_star
    x = (tr["g"][-1] / nS) * w
    capped_any = bool(tr["capped"].any())
    out = SolverResult(
        x=x, w_final=w, nit=T_d, success=not capped_any,
        message=("length search capped (no finite optimal length): g_t is the cap, the "
                 "direction iterates are unaffected" if capped_any else "ran T_d steps"),
        method="gdnp", gap=tr["rho"] - rho_star,
        rho_star=rho_star, rho0=float(tr["rho"][0]), T_s=T_s, T_d=T_d, L=L, mu=G.mu,
        floor=1e-13 * abs(rho_star), path="gaussian-1d" if fast else "generic",
        length_schedule="lockstep" if lockstep else "per-iteration", warm_start=warm_start, **tr,
    )
    keys = tuple(tr) + ("gap",)
    if diagnostics:
        out.update(diag)
        keys += tuple(diag)
    if store_iterates:
        out["w"] = W
        keys += ("w",)
    out["trace_keys"] = keys
    fobj = getattr(problem, "f", None)
    if fast:  # ‖w̃‖_S = |g| and a are known: f(w̃) from the 1-D reduction (saves an S-product)
        out["fun"] = model.value(float(tr["g"][-1]), float(tr["a"][-1]))
    else:
        out["fun"] = float(fobj(x)) if fobj is not None else float("nan")
    return out
