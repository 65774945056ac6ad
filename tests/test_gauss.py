"""Tests of bntheory.gauss against 40-digit mpmath quadrature (MATH.md §4.3, §9 pitfall 6).

Accuracy criterion (stated in bntheory.gauss): |ours − ref| ≤ 1e-12 |ref| + 1e-15 E|ψ(q)|.
For one-signed ψ (all logistic moments, sigmoid φ and φ') the second term equals 1e-15 |ref|,
so this is a pure relative error bound — including values as small as 1e-111. The second term
matters only for the sign-changing sigmoid φ'' (float64 cancellation floor).
"""

from __future__ import annotations

import dataclasses
import functools

import mpmath as mp
import numpy as np
import pytest

from bntheory.errors import NonFiniteError, ParameterError, ShapeMismatchError
from bntheory.gauss import DEFAULT_RULE, GaussRule, gauss_expect, gauss_moments, gaussian_loss_function
from bntheory.losses import LOGISTIC, PROBIT, QUADRATIC, SIGMOID

# --------------------------------------------------------------------------------------------
# mpmath reference: every integrand ψ(t) N(t; m, s²) is log-concave on each half line where ψ
# has one sign, so we find its peak, put breakpoints every local width, walk out until the
# log-integrand has dropped by 120, and integrate the *rescaled* integrand (peak ≈ 1) with
# tanh-sinh at 40 digits (mpmath's quadrature loses accuracy on integrands of size 1e-110).
# --------------------------------------------------------------------------------------------


def _s0(t):
    return 1 / (1 + mp.exp(-t))


def _s1(t):
    e = mp.exp(-abs(t))
    return e / (1 + e) ** 2


def _s2(t):
    e = mp.exp(-abs(t))
    return (-1 if t >= 0 else 1) * e * (1 - e) / (1 + e) ** 3


def _s3(t):
    p = _s1(t)
    return p * (1 - 6 * p)


def _softplus(t):
    return mp.log1p(mp.exp(t)) if t < 0 else t + mp.log1p(mp.exp(-t))


# ψ_k and ψ_{k+1} (for the log-derivative of the integrand)
MP_FUNCS = {"logistic": [_softplus, _s0, _s1, _s2], "sigmoid": [_s0, _s1, _s2, _s3]}


def _piece(f, df, m, s, lo, hi):
    h = lambda t: mp.log(abs(f(t))) - (t - m) ** 2 / (2 * s * s)  # noqa: E731
    dh = lambda t: df(t) / f(t) - (t - m) / (s * s)  # noqa: E731  (decreasing: log-concave)
    eps = mp.mpf(10) ** -25
    a = m - s * s - 80 if lo == -mp.inf else lo + eps
    b = m + s * s + 80 if hi == mp.inf else hi - eps
    if dh(a) <= 0:
        tstar = a
    elif dh(b) >= 0:
        tstar = b
    else:
        for _ in range(80):
            c = (a + b) / 2
            if dh(c) > 0:
                a = c
            else:
                b = c
        tstar = (a + b) / 2
    delta = mp.mpf(10) ** -12 * (1 + abs(tstar)) * min(1, s)
    curv = -(dh(tstar + delta) - dh(tstar - delta)) / (2 * delta)
    sig = min(s, 1 / mp.sqrt(curv)) if curv > 0 else s
    h0 = h(tstar)
    pts = [tstar]
    for direction in (-1, 1):
        t, step = tstar, sig
        for j in range(400):
            t = t + direction * step
            if (direction < 0 and t <= lo) or (direction > 0 and t >= hi):
                pts.append(lo if direction < 0 else hi)
                break
            pts.append(t)
            if h(t) < h0 - 110:
                break
            if j >= 3:  # away from the peak the integrand is smooth and decays: widen the steps
                step *= 1.5
    # the loss's own O(1) features (a near-kink of width ~1 at 0 inside a wide interval)
    pts += [mp.mpf(x) for x in (0, -1, 1, -2, 2, -4, 4, -8, 8, -16, 16, -32, 32) if lo < x < hi]
    scale = mp.exp(-h0)
    val, err = mp.quad(lambda t: f(t) * mp.npdf(t, m, s) * scale, sorted(set(pts)), error=True)
    return val / scale, err / scale


@functools.lru_cache(maxsize=None)
def mp_reference(name, k, m, s):
    """Return (E ψ(q), E|ψ(q)|, quadrature error estimate) at 25 digits.

    25 digits leave a margin of 10¹³ over the 1e-12 tolerance checked, and the reference's own error
    estimate is asserted ≤ 1e-20 relative in :func:`_err_ratio`; 40 digits cost 3× more for nothing.
    """
    with mp.workdps(25):
        f, df = MP_FUNCS[name][k], MP_FUNCS[name][k + 1]
        m, s = mp.mpf(m), mp.mpf(s)
        if s == 0:
            v = f(m)
            return v, abs(v), mp.mpf(0)
        if name == "sigmoid" and k == 2:
            v1, e1 = _piece(f, df, m, s, -mp.inf, mp.mpf(0))
            v2, e2 = _piece(f, df, m, s, mp.mpf(0), mp.inf)
            return v1 + v2, abs(v1) + abs(v2), e1 + e2
        v, e = _piece(f, df, m, s, -mp.inf, mp.inf)
        return v, abs(v), e


def _ms(g, a):
    return float(g * a), float(abs(g) * np.sqrt(1 - a * a))


def _err_ratio(name, m, s, rule=None):
    """max over k of |ours − ref| / (1e-12 |ref| + 1e-15 E|ψ|); ≤ 1 passes."""
    loss = {"logistic": LOGISTIC, "sigmoid": SIGMOID}[name]
    ours = (rule or DEFAULT_RULE).moments(loss, m, s)
    worst = 0.0
    for k in range(3):
        ref, ref_abs, qerr = mp_reference(name, k, m, s)
        assert qerr <= 1e-20 * ref_abs + mp.mpf(10) ** -320, "reference quadrature not converged"
        tol = 1e-12 * abs(float(ref)) + 1e-15 * float(ref_abs) + 1e-300
        worst = max(worst, abs(float(ours[k]) - float(ref)) / tol)
    return worst


# Points chosen to exercise every branch: s = 0, tiny s, both sides of s_switch, huge s with
# tiny results (1e-110), m ≫ s² (mass in the analytic tail), sign-changing ψ near m = 0.
# Each costs ~1 s of 40-digit quadrature per order: a few run by default, the rest are slow.
FAST_POINTS = [
    ("logistic", 0.7, 1.0 + 1e-12),
    ("logistic", *_ms(1e3, -0.999)),
    ("sigmoid", 0.001, 25.0),
    ("sigmoid", -3.0, 0.04),
]
SLOW_POINTS = [
    (0.0, 0.0),
    (2.5, 0.0),
    (-40.0, 0.0),
    (0.3, 1e-9),
    (-3.0, 0.04),
    (0.7, 1.0 - 1e-12),
    (0.7, 1.0 + 1e-12),
    (-1.0, 1.5),
    _ms(3.0, 0.9),
    _ms(30.0, -0.5),
    _ms(1e3, -0.999),
    _ms(1e3, 0.999),
    _ms(1e2, 0.99999),
    (1e-3, 25.0),
    (300.0, 40.0),
]


@pytest.mark.parametrize("name,m,s", FAST_POINTS)
def test_against_mpmath(name, m, s):
    assert _err_ratio(name, m, s) <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["logistic", "sigmoid"])
@pytest.mark.parametrize("m,s", SLOW_POINTS)
def test_against_mpmath_branch_points(name, m, s):
    assert _err_ratio(name, m, s) <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["logistic", "sigmoid"])
def test_against_mpmath_wide_sweep(name):
    """The whole range a run can visit, and beyond: g ∈ [1e-3, 1e4], a ∈ [−0.99999, 0.99999].

    One point per decade of g and nine values of a that include both ends, a = 0 and the
    near-separable ±0.999, ±0.99999 (72 points × 3 orders); every branch of the rule is also hit
    by the branch points above.  On those, the measured ratio to the tolerance was ≤ 5e-3, i.e.
    relative errors ≤ 5e-15 for one-signed ψ (2e-15 at g = 1e3, a = ±0.999, values ≈ 1e-110).
    """
    gs = np.geomspace(1e-3, 1e4, 8)
    As = [-0.99999, -0.999, -0.9, -0.5, 0.0, 0.5, 0.9, 0.999, 0.99999]
    worst = max(_err_ratio(name, *_ms(g, a)) for g in gs for a in As)
    assert worst <= 1.0


def test_fixed_hermite_rule_is_rejected_at_large_spread():
    # negative control (MATH §9 pitfall 6): Gauss–Hermite at every spread fails the same check
    only_gh = GaussRule(s_switch=1e9)
    assert _err_ratio("logistic", *_ms(1e3, 0.5), rule=only_gh) > 1e3
    assert _err_ratio("logistic", *_ms(1e3, 0.5)) <= 1.0


def test_continuity_across_the_switch():
    for loss in (LOGISTIC, SIGMOID):
        lo = gauss_moments(loss, 0.7, 1.0)
        hi = gauss_moments(loss, 0.7, np.nextafter(1.0, 2.0))
        np.testing.assert_allclose(lo, hi, rtol=1e-13, atol=1e-16)


def test_wide_rule_at_small_spread_against_hermite():
    # both branches agree where both are valid (s ∈ [1, 1.4])
    wide = GaussRule(s_switch=0.5)
    for s in (1.0, 1.2, 1.4):
        np.testing.assert_allclose(
            wide.moments(LOGISTIC, [-2.0, 0.0, 3.0], s), DEFAULT_RULE.moments(LOGISTIC, [-2.0, 0.0, 3.0], s), rtol=1e-13
        )


def test_probit_quadrature_against_closed_form():
    # the closed forms are independent of the quadrature: check GH against them (s ≤ s_switch)
    probit_q = dataclasses.replace(PROBIT, gauss_exact=None)
    m = np.linspace(-4.0, 4.0, 17)
    for s in (1e-6, 0.3, 1.0):
        np.testing.assert_allclose(
            DEFAULT_RULE.moments(probit_q, m, s), DEFAULT_RULE.moments(PROBIT, m, s), rtol=1e-13, atol=1e-16
        )
    # negative control: the closed form with r = s instead of sqrt(1 + s²) is rejected
    wrong = 0.5 * (1 + np.vectorize(lambda x: float(mp.erf(x / mp.sqrt(2))))(m / 0.3))
    assert np.max(np.abs(wrong - DEFAULT_RULE.moments(PROBIT, m, 0.3)[0])) > 1e-2


def test_probit_closed_form_against_mpmath():
    with mp.workdps(20):
        for m, s in [(-2.0, 7.0), (5.0, 100.0)]:
            ref = [
                mp.quad(lambda t: f(t) * mp.npdf(t, m, s), [-mp.inf, m - 10 * s, m, m + 10 * s, mp.inf])
                for f in (mp.ncdf, mp.npdf, lambda t: -t * mp.npdf(t))
            ]
            np.testing.assert_allclose(gauss_moments(PROBIT, m, s), [float(r) for r in ref], rtol=1e-12)


def test_quadratic_exact_and_hermite():
    quad_q = dataclasses.replace(QUADRATIC, gauss_exact=None)
    m, s = np.array([-3.0, 0.0, 2.0]), np.array([0.0, 0.5, 1.0])
    expect = np.array([(1 + m) ** 2 + s**2, 2 * (1 + m), np.full(3, 2.0)])
    np.testing.assert_allclose(gauss_moments(QUADRATIC, m, s), expect, rtol=1e-15)
    np.testing.assert_allclose(DEFAULT_RULE.moments(quad_q, m, s), expect, rtol=1e-13)
    with pytest.raises(ParameterError, match="no tail expansion"):
        DEFAULT_RULE.moments(quad_q, 0.0, 5.0)


def test_point_mass_and_vectorisation():
    m = np.array([[-1.0, 0.0], [2.0, 50.0]])
    s = np.array([[0.0, 0.5], [3.0, 200.0]])
    E = gauss_moments(SIGMOID, m, s)
    assert E.shape == (3, 2, 2)
    for i in range(2):
        for j in range(2):
            # sigmoid φ'' changes sign: agreement to the cancellation floor (module docstring)
            np.testing.assert_allclose(E[:, i, j], gauss_moments(SIGMOID, m[i, j], s[i, j]), rtol=1e-15, atol=1e-17)
    np.testing.assert_array_equal(E[:, 0, 0], [SIGMOID.phi(-1.0), SIGMOID.d1(-1.0), SIGMOID.d2(-1.0)])
    assert gauss_expect(LOGISTIC, 2, 0.0, 0.0) == 0.25
    assert gauss_moments(LOGISTIC, 0.0, 1.0, orders=(2,)).shape == (1,)


@pytest.mark.parametrize("loss,orders", [(LOGISTIC, (1, 2)), (SIGMOID, (0, 1, 2)), (LOGISTIC, (0,))])
@pytest.mark.parametrize("branch", ["hermite", "wide", "mixed"])
def test_value_at_a_point_does_not_depend_on_the_batch(loss, orders, branch):
    """The value at a point is bit-identical whether computed alone (vectorised or the scalar
    kernel), in a batch of 7 or in a batch of 1000 (at other positions, among other points), in
    the Hermite branch, the wide branch and the mixed path (GDNP's lockstep search relies on it
    to make the sequential search's decisions).  Control: a matrix product over the batch (the
    former core sum) is not batch-independent."""
    rng = np.random.default_rng(7)
    kern = DEFAULT_RULE.kernel(loss, orders)

    def draw(n):
        m = rng.uniform(-30.0, 30.0, n)
        if branch == "hermite":
            return m, rng.uniform(1e-3, 1.0, n)
        wide = np.exp(rng.uniform(np.log(1.0 + 1e-9), np.log(300.0), n))
        if branch == "wide":
            return m, wide
        s = np.where(rng.random(n) < 0.5, wide, rng.uniform(1e-3, 1.0, n))
        s[rng.random(n) < 0.1] = 0.0
        return m, s

    m7, s7 = draw(7)
    if branch != "hermite":  # a far mean with a small spread: the z_n < 0 form of the tail
        m7[0], s7[0] = 40.0, 1.2
    alone = np.column_stack([kern.vector(m7[i:i + 1], s7[i:i + 1])[:, 0] for i in range(7)])
    scalar = np.column_stack([kern(float(m7[i]), float(s7[i])) for i in range(7)])
    np.testing.assert_array_equal(scalar, alone)
    np.testing.assert_array_equal(kern.vector(m7, s7), alone)
    m, s = draw(1000)
    pos = rng.choice(1000, 7, replace=False)
    m[pos], s[pos] = m7, s7
    np.testing.assert_array_equal(kern.vector(m, s)[:, pos], alone)
    np.testing.assert_array_equal(DEFAULT_RULE.moments(loss, m, s, orders)[:, pos], alone)
    # control: the core sum as one matrix product over the batch (the former rule) gives a
    # point other bits in the batch of 1000 than alone
    if branch == "wide":
        def dens(m, s):
            return np.exp(-0.5 * ((kern.t[None, :] - m[:, None]) / s[:, None]) ** 2)

        gemm = dens(m, s) @ kern.core_w.T
        single = np.vstack([dens(m[i:i + 1], s[i:i + 1]) @ kern.core_w.T for i in range(1000)])
        assert not np.array_equal(gemm, single)


@pytest.mark.parametrize(
    "z", [-50.0, -5.0, -1.0, 0.0, 1e-3, 1.0, 1.4999, 1.5, 2.0, 5.0, 7.0, 20.0, 37.0, 50.0]
)
def test_gaussian_loss_function(z):
    with mp.workdps(40):
        ref = mp.npdf(z) - z * mp.ncdf(-z)
        assert abs(float(gaussian_loss_function(z)) - float(ref)) <= 2e-15 * float(ref)


def test_gaussian_loss_function_naive_formula_rejected():
    # negative control: the textbook φ(z) − zΦ̄(z) fails the same 2e-15 check at z = 30
    from scipy.special import ndtr

    z = 30.0
    naive = np.exp(-z * z / 2) / np.sqrt(2 * np.pi) - z * ndtr(-z)
    with mp.workdps(40):
        ref = float(mp.npdf(z) - z * mp.ncdf(-z))
    assert abs(naive - ref) > 1e-12 * ref


def test_errors():
    with pytest.raises(ParameterError, match="s must be >= 0"):
        gauss_moments(LOGISTIC, 0.0, -1.0)
    with pytest.raises(NonFiniteError, match="m is not finite"):
        gauss_moments(LOGISTIC, np.nan, 1.0)
    with pytest.raises(NonFiniteError, match="s is not finite"):
        gauss_moments(LOGISTIC, 0.0, np.inf)
    with pytest.raises(ShapeMismatchError, match="do not broadcast"):
        gauss_moments(LOGISTIC, [0.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ParameterError, match="orders"):
        gauss_moments(LOGISTIC, 0.0, 1.0, orders=(3,))
    with pytest.raises(ParameterError, match="unknown loss"):
        gauss_moments("hinge", 0.0, 1.0)
    with pytest.raises(ParameterError, match="n_gh"):
        GaussRule(n_gh=1)
    with pytest.raises(ParameterError, match="T must be a positive"):
        GaussRule(T=-1.0)
    with pytest.raises(ParameterError, match="2T/panel"):
        GaussRule(T=8.0, panel=0.3)
    with pytest.raises(ParameterError, match="s_switch"):
        GaussRule(s_switch=float("nan"))
