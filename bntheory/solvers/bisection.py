"""The length search of GDNP: bracket by doubling, then bisect (MATH.md §4.4).

``∂_g f(w, 0) = φ'(0)·a`` with ``a = uᵀw/‖w‖_S``, so for an increasing loss the root of
``g ↦ ∂_g f(w, g)`` lies on the side ``−sign(uᵀw)``.  The search starts from ``[0, side·B]``,
doubles ``B`` until ``∂_g f`` changes sign (at most ``max_doublings`` times), records that
initial bracket ``(a⁽⁰⁾, b⁽⁰⁾)`` — its width enters the bound of MATH.md §4.5 — and then halves it
``T_s`` times.  It returns the *left* end ``a^(T_s)``, for which the paper states its bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import BracketError, NoFiniteLengthError, NonFiniteError, ParameterError
from ..validation import finite_scalar, int_at_least

__all__ = ["BisectionResult", "bisect_length", "DEFAULT_MAX_DOUBLINGS", "CAPPED_MAX_DOUBLINGS"]

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
                  batch_depth: int = 4) -> BisectionResult:
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
        doublings) is bit-identical to the sequential search; only points the sequential search
        visits are checked for finiteness.  ``n_evals`` then counts the values computed,
        ``n_calls`` the calls made.
    batch_depth : int
        Levels per batch (``≥ 1``).

    Returns
    -------
    BisectionResult

    Raises
    ------
    ParameterError
        ``T_s < 0``, ``B0 ≤ 0``, ``side`` not ±1, unknown ``on_no_finite_length``.
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
    if dg_batch is not None:
        return _bisect_batched(dg, dg_batch, T_s, side, B, max_doublings, finite_length,
                               on_no_finite_length, batch_depth)

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


def _bisect_batched(dg, dg_batch, T_s, side, B, max_doublings, finite_length, on_no_finite_length,
                    depth) -> BisectionResult:
    """The search of :func:`bisect_length`, replayed exactly from batched evaluations."""
    # doublings: B_j = B·2^j, j = 0..max_doublings, probed `depth` at a time (B *= 2 is exact);
    # the first batch also evaluates ∂_g f(0)
    n_evals = n_calls = 0
    k, found, f0 = 0, False, None
    while not found:
        Bs = [B]
        for _ in range(min(depth, max_doublings - k + 1) - 1):
            Bs.append(Bs[-1] * 2.0)
        probe = side * np.array(Bs)
        if f0 is None:
            vals = np.asarray(dg_batch(np.concatenate(([0.0], probe))), dtype=float)
            f0, vals = _checked(0.0, float(vals[0])), vals[1:]
            if f0 == 0.0:
                return BisectionResult(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, len(Bs) + 1, n_calls=1)
            s0 = np.sign(f0)
            n_evals += 1
        else:
            vals = np.asarray(dg_batch(probe), dtype=float)
        n_evals, n_calls = n_evals + len(Bs), n_calls + 1
        for j, (Bj, fB) in enumerate(zip(Bs, vals)):
            B, fB = Bj, _checked(side * Bj, float(fB))
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
    while left > 0:
        D = min(depth, left)
        # complete tree of midpoints, heap order: node j has children 2j+1, 2j+2
        nodes = [(lo, hi)]
        pts = []
        for j in range(2 ** D - 1):
            a, b = nodes[j]
            m = 0.5 * (a + b)
            pts.append(m)
            nodes += [(a, m), (m, b)]
        vals = np.asarray(dg_batch(np.array(pts)), dtype=float)
        n_evals, n_calls = n_evals + len(pts), n_calls + 1
        j = 0
        for _ in range(D):
            m, fm = pts[j], _checked(pts[j], float(vals[j]))
            left -= 1
            if fm == 0.0:
                return BisectionResult(m, 0.0, m, m, a0, b0, b0 - a0, k, n_evals, n_calls=n_calls)
            if np.sign(fm) == np.sign(flo):
                lo, flo, j = m, fm, 2 * j + 2
            else:
                hi, j = m, 2 * j + 1
    return BisectionResult(lo, flo, lo, hi, a0, b0, b0 - a0, k, n_evals, n_calls=n_calls)
