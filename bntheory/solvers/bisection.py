"""The length search of GDNP: bracket by doubling, then bisect (MATH.md §4.4).

``∂_g f(w, 0) = φ'(0)·a`` with ``a = uᵀw/‖w‖_S``, so for an increasing loss the root of
``g ↦ ∂_g f(w, g)`` lies on the side ``−sign(uᵀw)``.  The search starts from ``[0, side·B]``,
doubles ``B`` until ``∂_g f`` changes sign (at most ``max_doublings`` times), records that
initial bracket ``(a⁽⁰⁾, b⁽⁰⁾)`` — its width enters the bound of MATH.md §4.5 — and then halves it
``T_s`` times.  It returns the *left* end ``a^(T_s)``, for which the paper states its bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

from ..errors import BracketError, NoFiniteLengthError, NonFiniteError, ParameterError
from ..validation import finite_scalar, int_at_least

__all__ = ["BisectionResult", "bisect_length", "bisect_lengths", "in_chunks", "DEFAULT_MAX_DOUBLINGS",
           "CAPPED_MAX_DOUBLINGS", "LOCKSTEP_CHUNK", "LOCKSTEP_CALL_COST"]

#: Default doubling limit: ``B`` may grow to ``B₀·2⁶⁰``.
DEFAULT_MAX_DOUBLINGS = 60
#: Documented cap for losses without a finite optimal length (sigmoid): ``B ≤ B₀·2²⁰``.
CAPPED_MAX_DOUBLINGS = 20


@dataclass(frozen=True)
class BisectionResult:
    """Outcome of :func:`bisect_length`.

    Attributes
    ----------
    g : float
        The returned length: the left end ``a^(T_s)`` of the final bracket, or, when the search
        was capped (``capped``), the last probed point ``side·B``.
    dg : float
        ``∂_g f`` at ``g`` (already evaluated by the search: it costs nothing extra).
    a, b : float
        Final bracket ``[a^(T_s), b^(T_s)]``, ``a ≤ b``.
    a0, b0 : float
        Initial bracket ``[a⁽⁰⁾, b⁽⁰⁾]`` (left and right end), ``a0 ≤ b0``.
    width0 : float
        ``|b⁽⁰⁾ − a⁽⁰⁾|``.
    n_doublings, n_evals : int
        Doublings of ``B`` performed and values of ``∂_g f`` computed.
    capped : bool
        ``True`` when no sign change was found within the cap (no finite optimal length).
    """

    g: float
    dg: float
    a: float
    b: float
    a0: float
    b0: float
    width0: float
    n_doublings: int
    n_evals: int
    capped: bool = False
    n_calls: int = -1


def bisect_length(dg: Callable[[float], float], T_s: int, side: float, *, B0: float = 1.0,
                  max_doublings: int = DEFAULT_MAX_DOUBLINGS, finite_length: bool = True,
                  on_no_finite_length: str = "raise", dg_batch: Callable | None = None,
                  batch_depth: int = 4, speculate: int = 16, window=None) -> BisectionResult:
    r"""Find the length ``g`` by bracketing and ``T_s`` bisection steps (MATH.md §4.4).

    Parameters
    ----------
    dg : callable
        ``g ↦ ∂_g f(w, g)`` at the current direction ``w``.
    T_s : int
        Number of halvings, ``T_s ≥ 0``.
    side : float
        ``−sign(uᵀw)``: the side of ``0`` on which the root lies (``+1`` or ``−1``).
    B0 : float
        First trial half-width ``B > 0``.
    max_doublings : int
        Doubling limit.  Reaching it raises :class:`BracketError` for a loss with a finite optimal
        length; for one without (``finite_length=False``) see ``on_no_finite_length``.
    finite_length : bool
        Whether the loss has a finite optimal length (MATH.md §4.1, assumption 3).
    on_no_finite_length : {"raise", "cap"}
        For a loss without a finite optimal length whose search reaches the limit: raise
        :class:`NoFiniteLengthError`, or return the last probed point flagged ``capped=True``.
    dg_batch : callable, optional
        Vectorised ``∂_g f`` (array of ``g`` → array).  When given, the *same* search is run from
        batched evaluations: the doublings are probed ``batch_depth`` at a time, and the halvings
        ``batch_depth`` levels at a time by evaluating every midpoint of the next levels (the
        complete binary tree of ``2^depth − 1`` points, each computed as ``0.5·(lo + hi)`` from
        its ancestors exactly as the sequential search computes it) and replaying the sequential
        decisions on those values.  The result (bracket, returned left end, ``∂_g f`` there,
        doublings) is bit-identical to the sequential search (given that ``dg_batch`` gives each
        point the bits ``dg`` gives it, whatever else is in the batch); only points the sequential search
        visits are checked for finiteness.  ``n_evals`` then counts the values computed,
        ``n_calls`` the calls made.
    batch_depth : int
        Levels per batch (``≥ 1``).
    speculate : int
        Batched search with ``T_s > batch_depth`` only: predict the whole bisection path and
        check it in one call.  ``∂_g f`` is evaluated at the ``speculate + 1``
        Chebyshev--Lobatto points of the bracket (the interior ones in the first call, together
        with ``∂_g f(0)`` and the first probes, when the first probe brackets; else in one more
        call); the first cell where it leaves the sign of the left end gets its own
        ``speculate + 1`` Lobatto points (one call), their interpolant's sign change is located
        to ``~2^{−(T_s+2)}`` of the cell, and the ``T_s`` midpoints the sequential search would
        visit if that were the root are evaluated in one call (three calls in all).  The decisions are then replayed on those *exact* values
        at those *exact* points; at the first decision that differs from the prediction the
        search continues with the tree of ``batch_depth`` levels from there.  The prediction
        only decides which points are evaluated, never a decision: the result stays
        bit-identical to the sequential search.  ``0`` disables it (``≥ 0``; ``1`` is treated as 0).
    window : (float, float), optional
        With ``speculate``: an interval where the root is expected (e.g. from the previous
        lengths).  Its own ``speculate + 1`` Lobatto points replace the bracket's in the first
        call; when its left end keeps the sign of the bracket's left end and another of its
        points does not, it replaces the zoomed cell (two calls in all); otherwise the bracket's
        points and the zoom take a call each (four).  It only chooses points to evaluate, never
        a decision.

    Returns
    -------
    BisectionResult

    Raises
    ------
    ParameterError
        ``T_s < 0``, ``B0 ≤ 0``, ``side`` not ±1, unknown ``on_no_finite_length``,
        ``speculate < 0``, a ``window`` that is not a pair ``lo < hi``.
    BracketError
        No sign change within the doubling limit (the message names the limit and last values).
    NoFiniteLengthError
        Likewise, for a loss without a finite optimal length and ``on_no_finite_length="raise"``.
    NonFiniteError
        ``∂_g f`` returned NaN or ±Inf.

    References
    ----------
    Kohler et al. (2019), Section 4, Algorithm "Bisection" and Lemma on the length; MATH.md §4.4.

    Examples
    --------
    >>> r = bisect_length(lambda g: g - 2.9, 4, +1.0)
    >>> (r.a0, r.b0, r.width0, r.g, r.b)
    (0.0, 4.0, 4.0, 2.75, 3.0)
    >>> bisect_length(lambda g: g - 3.0, -1, +1.0)
    Traceback (most recent call last):
    ...
    bntheory.errors.ParameterError: T_s must be at least 0, got T_s = -1
    """
    T_s = int_at_least("T_s", T_s, 0)
    max_doublings = int_at_least("max_doublings", max_doublings, 0)
    B = finite_scalar("B0", B0)
    if B <= 0.0:
        raise ParameterError(f"B0 must be positive, got B0 = {B}")
    if side not in (1.0, -1.0):
        raise ParameterError(f"side must be +1 or −1 (that is −sign(uᵀw)), got side = {side}")
    if on_no_finite_length not in ("raise", "cap"):
        raise ParameterError(f"on_no_finite_length must be 'raise' or 'cap', got {on_no_finite_length!r}")

    batch_depth = int_at_least("batch_depth", batch_depth, 1)
    speculate = int_at_least("speculate", speculate, 0)
    if window is not None:
        if np.shape(window) != (2,):
            raise ParameterError(f"window must be a pair (lo, hi), got window = {window!r}")
        window = (finite_scalar("window[0]", window[0]), finite_scalar("window[1]", window[1]))
        if not window[0] < window[1]:
            raise ParameterError(f"window must have lo < hi, got window = {window}")
    if dg_batch is not None:
        return _bisect_batched(dg, dg_batch, T_s, side, B, max_doublings, finite_length,
                               on_no_finite_length, batch_depth, speculate if speculate >= 2 else 0,
                               window)

    n_evals = 0

    def ev(g: float) -> float:
        nonlocal n_evals
        n_evals += 1
        v = float(dg(g))
        if not np.isfinite(v):
            raise NonFiniteError(f"∂_g f is not finite at g = {g}: ∂_g f = {v}")
        return v

    f0 = ev(0.0)
    if f0 == 0.0:
        return BisectionResult(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, n_evals, n_calls=n_evals)
    s0 = np.sign(f0)
    k = 0
    fB = ev(side * B)
    while np.sign(fB) == s0:
        if k == max_doublings:
            return _no_sign_change(side, B, f0, fB, k, n_evals, n_evals, max_doublings,
                                   finite_length, on_no_finite_length)
        B *= 2.0
        k += 1
        fB = ev(side * B)
    if side > 0:
        lo, hi, flo = 0.0, B, f0
    else:
        lo, hi, flo = -B, 0.0, fB
    a0, b0 = lo, hi
    for _ in range(T_s):
        m = 0.5 * (lo + hi)
        fm = ev(m)
        if fm == 0.0:
            lo = hi = m
            flo = 0.0
            break
        if np.sign(fm) == np.sign(flo):
            lo, flo = m, fm
        else:
            hi = m
    return BisectionResult(lo, flo, lo, hi, a0, b0, b0 - a0, k, n_evals, n_calls=n_evals)


def _no_sign_change(side, B, f0, fB, k, n_evals, n_calls, max_doublings, finite_length,
                    on_no_finite_length) -> BisectionResult:
    """The doubling limit was reached: raise, or return the capped point (see :func:`bisect_length`)."""
    msg = (f"no sign change of ∂_g f on [0, {side * B:.6g}] after the doubling limit "
           f"max_doublings = {max_doublings}: ∂_g f(0) = {f0:.6g}, "
           f"∂_g f({side * B:.6g}) = {fB:.6g}")
    if finite_length:
        raise BracketError(msg)
    if on_no_finite_length == "raise":
        raise NoFiniteLengthError(
            "the loss has no finite optimal length (MATH.md §4.1, assumption 3): " + msg
            + "; pass on_no_finite_length='cap' to run with a capped, flagged length")
    lo, hi = sorted((0.0, side * B))
    return BisectionResult(side * B, fB, lo, hi, lo, hi, B, k, n_evals, capped=True, n_calls=n_calls)


def _checked(g: float, v: float) -> float:
    if not np.isfinite(v):
        raise NonFiniteError(f"∂_g f is not finite at g = {g}: ∂_g f = {v}")
    return v


@lru_cache(maxsize=8)
def _unit_lobatto(n: int) -> np.ndarray:
    """``cos(πj/n)``, ``j = 0..n`` (read-only)."""
    c = np.cos(np.pi * np.arange(n + 1) / n)
    c.setflags(write=False)
    return c


def _lobatto(lo: float, hi: float, n: int) -> np.ndarray:
    """The ``n + 1`` Chebyshev--Lobatto points of ``[lo, hi]``, ``hi`` first and ``lo`` last."""
    x = 0.5 * (lo + hi) + 0.5 * (hi - lo) * _unit_lobatto(n)
    x[0], x[-1] = hi, lo
    return x


def _first_change(fs, pos: bool) -> int:
    """Index of the first value in ``fs`` that is 0 or of the sign opposite to ``pos`` (``pos``:
    the left end's value is positive); ``len(fs)`` if none."""
    for i, f in enumerate(fs):
        if f == 0.0 or (f > 0.0) != pos:
            return i
    return len(fs)


@lru_cache(maxsize=8)
def _lobatto_t(n: int) -> tuple:
    """``−cos(πk/n)``, ``k = 0..n`` (ascending), as floats."""
    return tuple(-math.cos(math.pi * k / n) for k in range(n + 1))


@lru_cache(maxsize=8)
def _cheb_matrix(n: int) -> np.ndarray:
    """Values at the ``n + 1`` Lobatto points ``cos(πj/n)`` → Chebyshev coefficients."""
    j = np.arange(n + 1)
    M = (2.0 / n) * np.cos(np.pi * np.outer(j, j) / n)
    M[:, [0, n]] *= 0.5
    M[[0, n], :] *= 0.5
    M.setflags(write=False)
    return M


def _predicted_root(lo: float, hi: float, flo: float, x: np.ndarray, fx: np.ndarray) -> float:
    """A root of the Chebyshev interpolant of ``fx`` at the Lobatto points ``x`` of ``[lo, hi]``
    (``x[0] = hi``) in the first node cell, from ``lo``, where ``fx`` leaves the sign of ``flo``:
    safeguarded Newton (Clenshaw), to float precision.  Only a prediction (see ``speculate``)."""
    n = x.size - 1
    c = (_cheb_matrix(n) @ fx).tolist()
    f = fx.tolist()[::-1]  # ascending t = −1 .. 1
    t = _lobatto_t(n)
    pos = flo > 0.0
    k = next(i for i in range(1, n + 1) if f[i] == 0.0 or (f[i] > 0.0) != pos)
    a, b, fa = t[k - 1], t[k], f[k - 1]
    r = a - fa * (b - a) / (f[k] - fa) if f[k] != fa else 0.5 * (a + b)
    for _ in range(30):
        # Clenshaw for p(r) and p'(r) (U-series recurrence for the derivative)
        b1 = b2 = d1 = d2 = 0.0
        for ck in reversed(c[1:]):
            d1, d2 = 2.0 * b1 + 2.0 * r * d1 - d2, d1
            b1, b2 = 2.0 * r * b1 - b2 + ck, b1
        p = r * b1 - b2 + c[0]
        dp = b1 + r * d1 - d2
        if p == 0.0:
            break
        if (p > 0.0) == pos:
            a = r
        else:
            b = r
        step = p / dp if dp != 0.0 else math.inf
        if abs(step) <= 1e-15:
            r -= step
            break
        r = r - step if a < r - step < b else 0.5 * (a + b)
        if b - a <= 1e-15:
            break
    return 0.5 * (lo + hi) + 0.5 * (hi - lo) * r


def _bisect_batched(dg, dg_batch, T_s, side, B, max_doublings, finite_length, on_no_finite_length,
                    depth, n_spec, window=None) -> BisectionResult:
    """The search of :func:`bisect_length`, replayed exactly from batched evaluations."""
    # doublings: B_j = B·2^j, j = 0..max_doublings, probed `depth` at a time (B *= 2 is exact);
    # the first batch also evaluates ∂_g f(0) and, when speculating, the interior
    # Chebyshev--Lobatto points of the first probe's bracket
    n_evals = n_calls = 0
    k, found, f0 = 0, False, None
    spec = n_spec if T_s > depth else 0
    x_spec = f_spec = x_win = f_win = None
    while not found:
        Bs = [B]
        for _ in range(min(depth, max_doublings - k + 1) - 1):
            Bs.append(Bs[-1] * 2.0)
        probe = side * np.array(Bs)
        if f0 is None:
            extra = np.empty(0)
            if spec:
                b_lo, b_hi = sorted((0.0, side * B))
                if window is not None:
                    w_lo, w_hi = max(window[0], b_lo), min(window[1], b_hi)
                    if b_lo < w_lo < w_hi < b_hi:
                        x_win = extra = _lobatto(w_lo, w_hi, spec)
                if x_win is None:  # no window: the coarse points of the first probe's bracket
                    x_spec = _lobatto(b_lo, b_hi, spec)
                    extra = x_spec[1:-1]
            vals = np.asarray(dg_batch(np.concatenate(([0.0], probe, extra))), dtype=float)
            f0, f_spec, vals = _checked(0.0, float(vals[0])), vals[1 + len(Bs):], vals[1:1 + len(Bs)]
            if x_win is not None:
                f_spec, f_win = None, f_spec
            if f0 == 0.0:
                return BisectionResult(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, len(Bs) + 1 + extra.size,
                                       n_calls=1)
            s0 = np.sign(f0)
            n_evals += 1 + extra.size
        else:
            vals = np.asarray(dg_batch(probe), dtype=float)
        n_evals, n_calls = n_evals + len(Bs), n_calls + 1
        for j, (Bj, fB) in enumerate(zip(Bs, vals.tolist())):
            B, fB = Bj, (fB if math.isfinite(fB) else _checked(side * Bj, fB))
            if np.sign(fB) != s0:
                found = True
                break
            if k == max_doublings:
                return _no_sign_change(side, B, f0, fB, k, n_evals, n_calls, max_doublings,
                                       finite_length, on_no_finite_length)
            if j < len(Bs) - 1:
                k += 1
        if not found:
            B *= 2.0
            k += 1
    if side > 0:
        lo, hi, flo = 0.0, B, f0
    else:
        lo, hi, flo = -B, 0.0, fB
    a0, b0 = lo, hi
    left = T_s
    if spec:
        fhi = fB if side > 0 else f0
        pos = flo > 0.0
        in_win = False
        if k == 0 and x_win is not None and flo != 0.0 and np.all(np.isfinite(f_win)):
            # the window holds the first sign change from lo if its left end keeps the sign of
            # f(lo) and some window point does not (the sign of f between lo and the window is
            # not known: a wrong guess only costs calls, never a decision)
            xw, fw = x_win[::-1].tolist(), f_win[::-1].tolist()
            in_win = 0 < _first_change(fw, pos) < len(fw)
        if in_win:
            x, fx = None, np.zeros(1)
        elif k == 0 and x_spec is not None:  # the first call evaluated this bracket's points
            x, fx = x_spec, f_spec
        else:
            x = _lobatto(lo, hi, spec)
            fx = np.asarray(dg_batch(x[1:-1]), dtype=float)
            n_evals, n_calls = n_evals + spec - 1, n_calls + 1
        if not in_win:
            fx = np.concatenate(([fhi], fx, [flo]))
        if np.all(np.isfinite(fx)) and flo != 0.0:
            # zoom: the first Lobatto cell (from lo) where ∂_g f leaves the sign of f(lo), then
            # the interpolant on that cell's own Lobatto points (one call) -- or the window
            if in_win:
                c_lo, c_hi, xz, fz = xw[0], xw[-1], x_win, f_win
                fc_lo = fw[0]
            else:
                xs, fs = x[::-1].tolist(), fx[::-1].tolist()
                j = _first_change(fs, pos)
                c_lo, c_hi, fc_lo, fc_hi = xs[j - 1], xs[j], fs[j - 1], fs[j]
                xz = _lobatto(c_lo, c_hi, spec)
                fz = np.asarray(dg_batch(xz[1:-1]), dtype=float)
                n_evals, n_calls = n_evals + spec - 1, n_calls + 1
                fz = np.concatenate(([fc_hi], fz, [fc_lo]))
            root = _predicted_root(c_lo, c_hi, fc_lo, xz, fz) if np.all(np.isfinite(fz)) else c_hi
            pts, pl, ph = [], lo, hi
            for _ in range(T_s):
                m = 0.5 * (pl + ph)
                pts.append(m)
                if m < root:
                    pl = m
                else:
                    ph = m
            vals = np.asarray(dg_batch(np.array(pts)), dtype=float).tolist()
            n_evals, n_calls = n_evals + T_s, n_calls + 1
            for m, fm in zip(pts, vals):
                if not math.isfinite(fm):
                    _checked(m, fm)
                left -= 1
                if fm == 0.0:
                    return BisectionResult(m, 0.0, m, m, a0, b0, b0 - a0, k, n_evals, n_calls=n_calls)
                same = (fm > 0.0) == (flo > 0.0)  # sign(fm) == sign(flo); both are nonzero
                if same:
                    lo, flo = m, fm
                else:
                    hi = m
                if same != (m < root):  # the prediction left the path: tree from here
                    break
    if left > 0:  # the tree of `depth` levels per call, shared with bisect_lengths
        one = np.zeros(1, dtype=int)
        _, L, H, FL, evals, calls, stops = _halvings(lambda i, g: dg_batch(g), one, np.array([lo]),
                                                     np.array([hi]), np.array([flo]), left, depth,
                                                     LOCKSTEP_CHUNK)
        if stops:  # stopped early: a non-finite value (raised) or a root (returned)
            _, m, fm, evals, calls = stops[0]
            _checked(m, fm)
            return BisectionResult(m, 0.0, m, m, a0, b0, b0 - a0, k, n_evals + evals,
                                   n_calls=n_calls + calls)
        lo, hi, flo = float(L[0]), float(H[0]), float(FL[0])
        n_evals, n_calls = n_evals + evals, n_calls + calls
    return BisectionResult(lo, flo, lo, hi, a0, b0, b0 - a0, k, n_evals, n_calls=n_calls)


def _halvings(dg_points, bis, L, H, FL, left, levels, chunk):
    """``left`` halvings of the searches ``bis`` (brackets ``[L, H]``, ``FL = ∂_g f(L)``; 1-d
    arrays), ``levels`` at a time: every search evaluates the complete tree of its next midpoints
    (heap order: node ``j`` has children ``2j + 1``, ``2j + 2``; each ``0.5·(lo + hi)`` of its
    ancestors, as the sequential search computes it) in one shared call of ``dg_points``, then
    the sequential decisions are replayed on the values; only visited values are checked.

    Returns ``(bis, L, H, FL, evals, calls, stops)``: the searches that made every halving with
    their final brackets, the values and calls each of them took, and for each search that
    stopped early (``∂_g f = 0`` or not finite at a visited midpoint ``m``) a tuple
    ``(i, m, ∂_g f(m), evals, calls)``.  No call is made once every search has stopped."""
    SL = np.sign(FL)  # sign(f(lo)) never changes: lo moves only to points of the same sign
    evals = calls = 0
    stops = []
    while left and bis.size:  # every search may have stopped early (a root, a non-finite value)
        D = min(levels, left)
        one = bis.size == 1  # one search (bisect_length's tree): Python floats, the same values
        los, his, pts = ([float(L[0])], [float(H[0])], []) if one else ([L], [H], [])
        for q in range(2 ** D - 1):
            a, b = los[q], his[q]
            m = 0.5 * (a + b)
            pts.append(m)
            los += [a, m]
            his += [m, b]
        nc = len(pts)
        if one:
            P = np.array(pts)
        else:
            P = np.column_stack(pts).ravel() if nc > 1 else pts[0]  # row-major: search by search
        V = in_chunks(dg_points, np.repeat(bis, nc) if nc > 1 else bis, P, chunk)
        evals, calls = evals + nc, calls + 1
        if one:  # the same decisions on Python floats (size-1 arrays cost ~7 µs per level more)
            vals, j = V.tolist(), 0
            lo1, hi1, fl1, s1 = float(L[0]), float(H[0]), float(FL[0]), float(SL[0])
            for _ in range(D):
                m, fm = pts[j], vals[j]
                if not (math.isfinite(fm) and fm != 0.0):  # a non-finite value or a root
                    stops.append((int(bis[0]), m, fm, evals, calls))
                    return bis[:0], L[:0], H[:0], FL[:0], evals, calls, stops
                if (fm > 0.0) - (fm < 0.0) == s1:  # sign(fm) == sign(f(lo))
                    lo1, fl1, j = m, fm, 2 * j + 2
                else:
                    hi1, j = m, 2 * j + 1
            L, H, FL = np.array([lo1]), np.array([hi1]), np.array([fl1])
            left -= D
            continue
        base = np.arange(bis.size) * nc
        jn, step = base, 1 - base  # flat index of each search's node; heap child: 2j + 1 (+1)
        careful = not (np.isfinite(V).all() and V.all())  # else no visited value can stop a search
        for _ in range(D):
            m, fm = P[jn], V[jn]
            if careful and not (np.isfinite(fm).all() and fm.all()):  # a non-finite value or a root
                keep = np.isfinite(fm) & (fm != 0.0)
                stops += [(i, mi, fi, evals, calls) for i, mi, fi in
                          zip(bis[~keep].tolist(), m[~keep].tolist(), fm[~keep].tolist())]
                bis, m, fm, L, H, FL, SL, jn, step = (
                    v[keep] for v in (bis, m, fm, L, H, FL, SL, jn, step))
            same = np.sign(fm) == SL
            L = np.where(same, m, L)
            FL = np.where(same, fm, FL)
            H = np.where(same, H, m)
            jn = 2 * jn + step + same
        left -= D
    return bis, L, H, FL, evals, calls, stops


#: Fixed cost of one vectorised call of the quadrature, in units of the cost of one more point
#: (measured on the logistic loss: ~45 µs per call + ~1.4 µs per point, bookkeeping included).
LOCKSTEP_CALL_COST = 32.0
#: Most points per vectorised call of :func:`bisect_lengths` (bounds the quadrature's work arrays:
#: ~256 nodes × 8 bytes per point, 2 MB at 1024; larger calls fall out of cache, measured).
LOCKSTEP_CHUNK = 1024


def in_chunks(fun: Callable, idx: np.ndarray, g: np.ndarray, chunk: int = LOCKSTEP_CHUNK) -> np.ndarray:
    """``fun(idx, g)`` evaluated ``chunk`` points at a time (1-d arrays of one length)."""
    if g.size <= chunk:
        return np.asarray(fun(idx, g), dtype=float)
    out = np.empty(g.size)
    for c in range(0, g.size, chunk):
        out[c:c + chunk] = fun(idx[c:c + chunk], g[c:c + chunk])
    return out


def bisect_lengths(dg_points: Callable, T_s: int, sides, *, B0: float = 1.0,
                   max_doublings: int = DEFAULT_MAX_DOUBLINGS, finite_length: bool = True,
                   on_no_finite_length: str = "raise", probes: int = 6, levels: int | None = None,
                   chunk: int = LOCKSTEP_CHUNK) -> list:
    r"""``K`` independent searches of :func:`bisect_length`, run in lockstep (MATH.md §4.4).

    Every round makes one vectorised evaluation (split into calls of at most ``chunk`` points)
    holding, for each unfinished search, either its next ``probes`` doubling probes or its next
    ``levels`` levels of midpoints; the decisions of each search are then exactly those of the
    sequential :func:`bisect_length` from the same ``B0`` (the same bracket, left end, ``∂_g f``
    there and doublings; only the points the sequential search visits are checked for
    finiteness) -- provided ``dg_points`` gives a point the value the sequential search's ``dg``
    gives it, whatever else is in the call (true of :mod:`bntheory.gauss`, whose values do not
    depend on the batch; a BLAS matrix product over the batch would break it in the last bits,
    enough to change decisions of a search resolved to 50+ bits).  With ``T_s`` halvings that is
    ``⌈T_s/levels⌉`` rounds after the doubling rounds, whatever ``K``: the fixed cost of a
    vectorised quadrature call is paid once per round instead of once per search.
    All searches start from the same ``B0``, so those still doubling share ``B``.

    Parameters
    ----------
    dg_points : callable
        ``(idx, g) ↦ ∂_g f`` of search ``idx[i]`` at ``g[i]`` (1-d arrays of one length).
    T_s : int
        Halvings per search, ``T_s ≥ 0``.
    sides : array_like, shape (K,)
        ``−sign(uᵀw)`` of each search.  An entry other than ±1 makes that search's entry the
        :class:`ParameterError` :func:`bisect_length` would raise.
    B0, max_doublings, finite_length, on_no_finite_length
        As for :func:`bisect_length`.
    probes : int
        Doubling probes per round (``≥ 1``; ``B0·2⁰ … B0·2⁵`` by default, one round for most
        lengths of order ``B0``); the first round also evaluates ``∂_g f(0)``.
    levels : int, optional
        Halvings per round (``≥ 1``): each search evaluates the ``2^levels − 1`` midpoints of its
        next ``levels`` levels (as the tree of :func:`bisect_length`'s ``batch_depth``).  Fewer
        rounds, more points: worth it when the rounds' fixed cost dominates (few searches).
        Default: the ``levels ≤ 4`` of least cost per halving,
        ``(LOCKSTEP_CALL_COST + K(2^levels − 1))/levels`` (1 from ``K ≈ 32`` searches on).
    chunk : int
        Most points per call of ``dg_points`` (``≥ 1``): bounds memory for long runs.

    Returns
    -------
    list of BisectionResult or Exception
        Entry ``i``: the result of search ``i`` (``n_evals``: values computed for it,
        ``n_calls``: rounds it took part in), or the exception the sequential search would have
        raised (:class:`BracketError`, :class:`NoFiniteLengthError`, :class:`NonFiniteError`,
        :class:`ParameterError` for a bad side), *not raised*: a caller whose later searches
        depend on earlier outcomes (GDNP's ``h = 0`` guard) decides which failure counts.

    Raises
    ------
    ParameterError
        ``T_s < 0``, ``max_doublings < 0``, ``B0 ≤ 0``, unknown ``on_no_finite_length``,
        ``probes < 1``, ``levels < 1``, ``chunk < 1``.

    Examples
    --------
    >>> rs = bisect_lengths(lambda i, g: g - np.array([2.9, -2.9])[i], 4, [1.0, -1.0])
    >>> [(r.a0, r.b0, r.g) for r in rs]
    [(0.0, 4.0, 2.75), (-4.0, 0.0, -3.0)]
    """
    T_s = int_at_least("T_s", T_s, 0)
    max_doublings = int_at_least("max_doublings", max_doublings, 0)
    probes = int_at_least("probes", probes, 1)
    sides = np.asarray(sides, dtype=float).ravel()
    if levels is None:
        levels = min(range(1, 5), key=lambda D: (LOCKSTEP_CALL_COST + sides.size * (2 ** D - 1)) / D)
    levels = int_at_least("levels", levels, 1)
    chunk = int_at_least("chunk", chunk, 1)
    B = finite_scalar("B0", B0)
    if B <= 0.0:
        raise ParameterError(f"B0 must be positive, got B0 = {B}")
    if on_no_finite_length not in ("raise", "cap"):
        raise ParameterError(f"on_no_finite_length must be 'raise' or 'cap', got {on_no_finite_length!r}")
    K = sides.size
    out: list = [None] * K
    n_evals = np.zeros(K, dtype=int)
    n_calls = np.zeros(K, dtype=int)
    f0 = np.zeros(K)
    lo, hi, flo, a0, b0 = (np.zeros(K) for _ in range(5))
    kk = np.zeros(K, dtype=int)

    def fail(i, fn, *args):  # the sequential search's exception for search i, kept (not raised)
        try:
            out[i] = fn(*args)  # _no_sign_change may return the capped result
        except (BracketError, NoFiniteLengthError, NonFiniteError) as exc:
            out[i] = exc

    ok = (sides == 1.0) | (sides == -1.0)
    for i in np.flatnonzero(~ok).tolist():
        out[i] = ParameterError(f"side must be +1 or −1 (that is −sign(uᵀw)), got side = {sides[i]}")
    # --- doubling rounds: all searches start from B0, so those still doubling share B and k
    dbl = np.flatnonzero(ok)
    bis = []  # bracketed searches, to be halved
    k, first = 0, True
    while dbl.size:
        nb = min(probes, max_doublings - k + 1)
        Bs = B * 2.0 ** np.arange(nb)  # exact: B·2^j, as the sequential B *= 2
        P = sides[dbl, None] * Bs[None, :]
        if first:
            P = np.hstack((np.zeros((dbl.size, 1)), P))
        V = in_chunks(dg_points, np.repeat(dbl, P.shape[1]), P.ravel(), chunk).reshape(P.shape)
        n_evals[dbl] += P.shape[1]
        n_calls[dbl] += 1
        if first:
            first = False
            f0[dbl] = V[:, 0]
            V = V[:, 1:]
            fin0 = np.isfinite(f0[dbl])
            for i in dbl[~fin0].tolist():
                fail(i, _checked, 0.0, float(f0[i]))
            for i in dbl[fin0 & (f0[dbl] == 0.0)].tolist():
                out[i] = BisectionResult(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, int(n_evals[i]),
                                         n_calls=int(n_calls[i]))
            keep = fin0 & (f0[dbl] != 0.0)
            dbl, V = dbl[keep], V[keep]
        # the sequential search stops at the first probe off sign(∂_g f(0)) or not finite
        stop = ~np.isfinite(V) | (np.sign(V) != np.sign(f0[dbl])[:, None])
        hit = stop.any(axis=1)
        j = stop.argmax(axis=1)
        fB = V[np.arange(dbl.size), j]
        for r in np.flatnonzero(hit).tolist():
            i, jr = int(dbl[r]), int(j[r])
            if not math.isfinite(fB[r]):
                fail(i, _checked, float(sides[i] * Bs[jr]), float(fB[r]))
                continue
            kk[i] = k + jr
            if sides[i] > 0:  # the bracket [0, B] or [−B, 0], as the sequential search
                lo[i], hi[i], flo[i] = 0.0, Bs[jr], f0[i]
            else:
                lo[i], hi[i], flo[i] = -Bs[jr], 0.0, fB[r]
            bis.append(i)
        if k + nb - 1 == max_doublings:  # the limit: no sign change for the rest
            for r in np.flatnonzero(~hit).tolist():
                i = int(dbl[r])
                fail(i, _no_sign_change, float(sides[i]), float(Bs[-1]), float(f0[i]),
                     float(V[r, -1]), max_doublings, int(n_evals[i]), int(n_calls[i]),
                     max_doublings, finite_length, on_no_finite_length)
            break
        dbl = dbl[~hit]
        B, k = Bs[-1] * 2.0, k + nb
    a0[:], b0[:] = lo, hi
    # --- halvings, `levels` at a time, every bracketed search in one shared call per round
    bis = np.array(sorted(bis), dtype=int)
    bis, L, H, FL, evals, calls, stops = _halvings(dg_points, bis, lo[bis], hi[bis], flo[bis], T_s,
                                                   levels, chunk)
    for i, m, fm, ev, ca in stops:
        n_evals[i] += ev
        n_calls[i] += ca
        if math.isfinite(fm):  # an exact root at a midpoint: the sequential search stops there
            lo[i] = hi[i] = m
            flo[i] = 0.0
        else:
            fail(i, _checked, m, fm)
    lo[bis], hi[bis], flo[bis] = L, H, FL
    n_evals[bis] += evals
    n_calls[bis] += calls
    for i in range(K):
        if out[i] is None:
            out[i] = BisectionResult(float(lo[i]), float(flo[i]), float(lo[i]), float(hi[i]),
                                     float(a0[i]), float(b0[i]), float(b0[i] - a0[i]), int(kk[i]),
                                     int(n_evals[i]), n_calls=int(n_calls[i]))
    return out
