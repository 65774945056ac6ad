"""Measured decay against a theorem's bound: precision floor, tightness, violations, fitted rate.

MATH.md §7 ("Numerical bound") and §9.1 ("Precision floor"): the ratio ``measured/bound`` is
evaluated at every iterate, but only where the measured quantity is above a stated floor
(default ``1e-7·scale``, e.g. ``scale = |ρ*|``): below it float64 cannot resolve the gap and
spurious "violations" appear.  A check passes only if the ratio stays ``≤ 1 + rtol`` at every
compared iterate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ParameterError, ShapeMismatchError
from .validation import finite_scalar

__all__ = ["RateCheck", "check_rate", "check_bound", "fit_rate", "DEFAULT_REL_FLOOR"]

#: Default precision floor relative to the problem's scale (MATH.md §9.1).
DEFAULT_REL_FLOOR = 1e-7


@dataclass
class RateCheck:
    """Result of :func:`check_rate`.

    Attributes
    ----------
    name : str
        What was checked.
    holds : bool
        ``measured ≤ (1 + rtol)·bound`` at every iterate above the floor.
    floor : float
        Absolute precision floor used; iterates with ``measured < floor`` are not compared.
    floor_rule : str
        How the floor was set (stated in every report, MATH.md §9.1).
    n_compared : int
        Number of iterates compared.
    max_ratio : float
        ``max measured/bound`` over compared iterates (tightness; ``nan`` if none compared).
    argmax : int
        Iteration of ``max_ratio`` (``-1`` if none).
    max_ratio_after_start : float
        The same maximum over ``t ≥ 1`` (at ``t = 0`` most bounds are equalities).
    first_violation : tuple or None
        ``(t, measured, bound)`` of the first violation, ``None`` if the bound holds.
    n_violations : int
        Number of violating iterates.
    fitted_rate : float
        Per-iteration factor ``exp(slope)`` of a least-squares fit of ``log measured`` against
        ``t`` over the compared iterates (``nan`` with fewer than two).
    bound_rate : float
        The same fit applied to the bound.
    rtol : float
        Relative tolerance on the ratio (rounding of the bound itself).
    ratio : ndarray
        ``measured/bound`` at every iterate (``nan`` below the floor).
    """

    name: str
    holds: bool
    floor: float
    floor_rule: str
    n_compared: int
    max_ratio: float
    argmax: int
    max_ratio_after_start: float
    first_violation: tuple | None
    n_violations: int
    fitted_rate: float
    bound_rate: float
    rtol: float
    ratio: np.ndarray = field(repr=False)

    def summary(self) -> str:
        """One line: verdict, tightness, floor, rates."""
        v = ("holds" if self.holds else
             f"VIOLATED first at t={self.first_violation[0]} "
             f"(measured {self.first_violation[1]:.6g} > bound {self.first_violation[2]:.6g})")
        return (f"{self.name}: {v}; max ratio {self.max_ratio:.6g} over {self.n_compared} iterates "
                f"above floor {self.floor:.3g} ({self.floor_rule}); fitted rate "
                f"{self.fitted_rate:.6g} vs bound rate {self.bound_rate:.6g}")


def fit_rate(values, t=None) -> float:
    """Per-iteration factor of a log-linear least-squares fit ``log v_t ≈ c + t·log r``.

    Examples
    --------
    >>> round(fit_rate(0.5 ** np.arange(10)), 12)
    0.5
    """
    v = np.asarray(values, dtype=float)
    t = np.arange(v.size, dtype=float) if t is None else np.asarray(t, dtype=float)
    keep = v > 0
    if keep.sum() < 2:
        return float("nan")
    slope = np.polyfit(t[keep], np.log(v[keep]), 1)[0]
    return float(np.exp(slope))


def check_rate(measured, bound, *, scale: float = 1.0, rel_floor: float = DEFAULT_REL_FLOOR,
               floor: float | None = None, rtol: float = 1e-9, name: str = "") -> RateCheck:
    r"""Compare a measured decay with a bound above a precision floor (MATH.md §7, §9.1).

    Parameters
    ----------
    measured, bound : array_like, shape (T,)
        Values at ``t = 0..T−1`` (the bound evaluated on the same trace).
    scale : float
        Scale of the measured quantity (``|ρ*|`` for a Rayleigh gap); the floor is
        ``rel_floor·scale`` unless ``floor`` is given.
    rel_floor : float
        Relative floor, default ``1e-7`` (MATH.md §9.1).
    floor : float, optional
        Absolute floor, overriding ``rel_floor·scale``.
    rtol : float
        A compared iterate violates the bound when ``measured > (1 + rtol)·bound``.
    name : str
        Label for reports.

    Returns
    -------
    RateCheck

    Raises
    ------
    ShapeMismatchError
        ``measured`` and ``bound`` differ in length.
    ParameterError
        Negative floor or tolerance.

    Examples
    --------
    A converged float64 tail (noise below the floor) is not a violation:

    >>> t = np.arange(60)
    >>> meas = np.maximum(0.25 ** t, 1e-16 * (1 + np.cos(t)))
    >>> check_rate(meas, 0.5 ** t).holds
    True
    >>> r = check_rate(0.5 ** t, 0.25 ** t)
    >>> r.holds, r.first_violation[0]
    (False, 1)
    """
    m = np.asarray(measured, dtype=float)
    b = np.asarray(bound, dtype=float)
    if m.shape != b.shape or m.ndim != 1:
        raise ShapeMismatchError(f"measured has shape {m.shape} but bound has shape {b.shape}")
    scale = finite_scalar("scale", scale)
    rtol = finite_scalar("rtol", rtol)
    if rtol < 0:
        raise ParameterError(f"rtol must be non-negative, got rtol = {rtol}")
    if floor is None:
        rel_floor = finite_scalar("rel_floor", rel_floor)
        if rel_floor < 0:
            raise ParameterError(f"rel_floor must be non-negative, got rel_floor = {rel_floor}")
        floor = rel_floor * abs(scale)
        rule = f"rel_floor {rel_floor:.3g} × scale {abs(scale):.6g}"
    else:
        floor = finite_scalar("floor", floor)
        if floor < 0:
            raise ParameterError(f"floor must be non-negative, got floor = {floor}")
        rule = "absolute floor given"
    nan_m = ~np.isfinite(m)
    cmp = np.isfinite(m) & (m >= floor) & ~np.isnan(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cmp, m / b, np.nan)
    ratio = np.where(cmp & (b <= 0) & (m > 0), np.inf, ratio)
    viol = cmp & (m > (1.0 + rtol) * b)
    viol |= nan_m  # a non-finite measured value is never silently skipped
    idx = np.flatnonzero(cmp)
    if idx.size:
        k = int(idx[np.nanargmax(ratio[idx])])
        max_ratio, argmax = float(ratio[k]), k
        later = idx[idx >= 1]
        after = float(np.nanmax(ratio[later])) if later.size else float("nan")
    else:
        max_ratio, argmax, after = float("nan"), -1, float("nan")
    vi = np.flatnonzero(viol)
    first = None if vi.size == 0 else (int(vi[0]), float(m[vi[0]]), float(b[vi[0]]))
    return RateCheck(
        name=name, holds=first is None, floor=float(floor), floor_rule=rule,
        n_compared=int(idx.size), max_ratio=max_ratio, argmax=argmax,
        max_ratio_after_start=after, first_violation=first, n_violations=int(vi.size),
        fitted_rate=fit_rate(m[idx], idx) if idx.size >= 2 else float("nan"),
        bound_rate=fit_rate(b[idx], idx) if idx.size >= 2 else float("nan"),
        rtol=rtol, ratio=ratio,
    )


def check_bound(bt, **kwargs) -> RateCheck:
    """:func:`check_rate` applied to a :class:`bntheory.bounds.BoundTrace`.

    The trace's ``scale`` sets the floor (``rel_floor·scale``) and its ``name`` labels the result;
    keyword arguments are passed on to :func:`check_rate`.
    """
    kwargs.setdefault("scale", bt.scale)
    kwargs.setdefault("name", bt.name)
    return check_rate(bt.measured, bt.bound, **kwargs)
