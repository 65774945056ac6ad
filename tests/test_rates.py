"""The rate checker of bntheory.rates (MATH.md §7, §9.1)."""

from __future__ import annotations

import numpy as np
import pytest

from bntheory import bounds, errors
from bntheory.rates import check_rate, fit_rate
from bntheory.solvers.rayleigh import rayleigh_gd

TIGHT = (np.diag([1.0, 0.1]), np.array([1.0, 0.0]))


def test_converged_float64_tail_is_not_a_violation():
    """A run far past convergence sits at the float64 floor; with the stated floor 1e-7|ρ*| the
    tail is not compared.  Negative control: with no floor the same trace shows a spurious
    violation (which is why the floor must be stated)."""
    r = rayleigh_gd(TIGHT, [1.0, 0.1], 600)
    bt = bounds.ols_bound(TIGHT, r)
    c = bt.check()
    assert c.holds and c.floor == pytest.approx(1e-7 * abs(r.rho_star))
    assert c.n_compared < r.nit  # the tail was excluded
    assert np.all(np.isnan(c.ratio[r.gap < c.floor]))
    raw = check_rate(bt.measured, bt.bound, floor=0.0)
    assert not raw.holds and raw.first_violation[0] > 100  # deep in the float64 tail


def test_genuine_violation_is_reported():
    """Negative control (1−μ/L)^{4t} on the tight case: first violation at t = 1 with values."""
    r = rayleigh_gd(TIGHT, [1.0, 0.1], 80)
    c = bounds.ols_bound(TIGHT, r, power=4).check()
    assert not c.holds and c.first_violation[0] == 1
    t, m, b = c.first_violation
    assert m == r.gap[1] and b == pytest.approx((1 - 0.1) ** 4 * r.gap[0])
    assert c.n_violations > 10 and "VIOLATED first at t=1" in c.summary()


def test_fitted_rate_and_tightness():
    r = rayleigh_gd(TIGHT, [1.0, 0.1], 80)
    c = bounds.ols_bound(TIGHT, r).check()
    assert c.fitted_rate == pytest.approx(0.81, rel=0.02)   # measured decay ≈ (1−μ/L)²
    assert c.bound_rate == pytest.approx(0.81, rel=1e-9)
    assert c.max_ratio <= 1 + 1e-9 and c.max_ratio_after_start >= 0.99
    assert fit_rate(3.0 * 0.3 ** np.arange(20)) == pytest.approx(0.3, rel=1e-12)
    assert np.isnan(fit_rate([1.0]))


def test_explicit_floor_and_relative_floor():
    m = np.array([1.0, 0.5, 1e-9, 2e-9])
    b = np.array([1.0, 0.5, 1e-10, 1e-10])
    assert check_rate(m, b, scale=1.0).holds            # 1e-7 floor hides the last two
    c = check_rate(m, b, rel_floor=1e-12)
    assert not c.holds and c.first_violation[0] == 2
    assert "rel_floor" in c.floor_rule and "absolute" in check_rate(m, b, floor=0.1).floor_rule


def test_nonfinite_measured_is_a_violation():
    c = check_rate([1.0, np.nan], [1.0, 1.0])
    assert not c.holds and c.first_violation[0] == 1
    assert check_rate([1.0, 0.5], [1.0, 1.0]).holds  # control


def test_bad_inputs():
    with pytest.raises(errors.ShapeMismatchError, match="shape"):
        check_rate([1.0, 2.0], [1.0])
    with pytest.raises(errors.ParameterError, match="floor"):
        check_rate([1.0], [1.0], floor=-1.0)
    with pytest.raises(errors.ParameterError, match="rtol"):
        check_rate([1.0], [1.0], rtol=-1.0)
    with pytest.raises(errors.NonFiniteError, match="scale"):
        check_rate([1.0], [1.0], scale=np.nan)
