"""Tests of bntheory.losses: derivatives (finite differences, SymPy), stability, sup constants."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp

from bntheory.errors import ParameterError
from bntheory.losses import LOGISTIC, LOSSES, PROBIT, QUADRATIC, SIGMOID, get_loss, sup_abs_numeric

ALL = list(LOSSES.values())
IDS = [L.name for L in ALL]
T = np.linspace(-12.0, 12.0, 97)


def _fd(fun, t, h=1e-5):
    """Fourth-order central difference (truncation O(h⁴), rounding O(eps/h))."""
    return (-fun(t + 2 * h) + 8 * fun(t + h) - 8 * fun(t - h) + fun(t - 2 * h)) / (12 * h)


@pytest.mark.parametrize("loss", ALL, ids=IDS)
@pytest.mark.parametrize("k", [0, 1, 2])
def test_derivative_matches_finite_difference(loss, k):
    lo, hi = loss.derivative(k), loss.derivative(k + 1)
    scale = 1.0 + np.abs(loss.derivative(k)(T))
    np.testing.assert_array_less(np.abs(_fd(lo, T) - hi(T)), 1e-9 * scale)


@pytest.mark.parametrize("k", [0, 1, 2])
def test_finite_difference_rejects_wrong_derivative(k):
    # negative control: φ' of the sigmoid is not the logistic's φ'' shifted by a sign
    wrong = lambda t: -SIGMOID.derivative(k + 1)(t)  # noqa: E731
    err = np.abs(_fd(SIGMOID.derivative(k), T) - wrong(T))
    assert err.max() > 1e-3


@pytest.mark.parametrize("loss", ALL, ids=IDS)
def test_derivatives_match_sympy(loss):
    t = sp.Symbol("t", real=True)
    expr = loss.sympy_phi(t)
    pts = [-30.0, -7.5, -1.0, -0.1, 0.0, 0.3, 2.0, 9.0, 30.0]
    for k in range(4):
        dexpr = sp.diff(expr, t, k)
        ours = loss.derivative(k)(np.array(pts))
        for x, v in zip(pts, ours):
            # SymPy's evalf raises the working precision on cancellation (1 − erfc/2 at −30)
            ref = float(sp.N(dexpr.subs(t, sp.Rational(x)), 30))
            # (1 + x²): condition number of Φ(x) w.r.t. x (probit's tail; ndtr rounds x/√2)
            assert abs(v - ref) <= 4e-15 * (1 + x * x) * abs(ref) + 1e-300, (loss.name, k, x, v, ref)


def test_sympy_comparison_rejects_wrong_formula():
    # negative control: a sigmoid φ''' without the factor 6 (σ(1−σ)(1−σ+σ²)) is rejected
    t = sp.Symbol("t", real=True)
    d3 = sp.diff(SIGMOID.sympy_phi(t), t, 3)
    wrong = lambda x: SIGMOID.d1(x) * (1 - SIGMOID.phi(x) + SIGMOID.phi(x) ** 2)  # noqa: E731
    assert max(abs(float(wrong(x)) - float(sp.N(d3.subs(t, x), 30))) for x in (-2.0, 0.5, 3.0)) > 1e-2


@pytest.mark.parametrize("loss", ALL, ids=IDS)
def test_stable_at_large_arguments(loss):
    t = np.array([-1e4, -1e3, -745.0, -700.0, 0.0, 700.0, 745.0, 1e3, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            for k in range(4):
                v = loss.derivative(k)(t)
                assert np.all(np.isfinite(v)), (loss.name, k, v)


def test_asymptotic_values():
    assert LOGISTIC.phi(1e3) == 1e3 and LOGISTIC.phi(-1e3) == 0.0
    assert LOGISTIC.d1(1e3) == 1.0 and LOGISTIC.d1(-1e3) == 0.0
    assert SIGMOID.d2(1e3) == 0.0 and SIGMOID.d3(-1e3) == 0.0
    # relative accuracy deep in the tails: softplus(−700) = e^{−700}(1 − …)
    assert abs(LOGISTIC.phi(-700.0) / np.exp(-700.0) - 1.0) < 1e-14
    assert abs(LOGISTIC.d2(-700.0) / np.exp(-700.0) - 1.0) < 1e-14


@pytest.mark.parametrize("loss", [LOGISTIC, SIGMOID, PROBIT], ids=["logistic", "sigmoid", "probit"])
def test_sup_constants(loss):
    assert sup_abs_numeric(loss.d1) == pytest.approx(loss.sup_d1, rel=1e-12)
    assert sup_abs_numeric(loss.d2) == pytest.approx(loss.sup_d2, rel=1e-12)


def test_sup_check_rejects_wrong_constant():
    # negative control: the seed-style guess β₂ = 1/4 for the sigmoid is wrong
    assert abs(sup_abs_numeric(SIGMOID.d2) - 0.25) > 0.1


def test_exact_sup_values():
    assert SIGMOID.sup_d2 == pytest.approx(np.sqrt(3) / 18, rel=1e-15)
    assert LOGISTIC.sup_d2 == 0.25
    assert QUADRATIC.sup_d1 == np.inf and QUADRATIC.sup_d2 == 2.0


def test_finite_optimal_length_flags():
    assert LOGISTIC.finite_optimal_length is True
    assert SIGMOID.finite_optimal_length is False
    assert PROBIT.finite_optimal_length is False


@pytest.mark.parametrize("loss", [LOGISTIC, SIGMOID], ids=["logistic", "sigmoid"])
@pytest.mark.parametrize("k", [0, 1, 2])
def test_tail_series_reproduce_the_loss(loss, k):
    left, right = loss.tails[k]
    for side, tail in ((1.0, right), (-1.0, left)):
        t = side * np.linspace(8.0, 40.0, 33)
        series = tail.alpha + tail.beta * t + sum(c * np.exp(-n * np.abs(t)) for n, c in enumerate(tail.coeffs[:7], 1))
        ref = loss.derivative(k)(t)
        assert np.all(np.abs(series - ref) <= 1e-15 * np.abs(ref) + 1e-300)
    # negative control: the logistic tail with the wrong sign convention on the right half line
    if loss is LOGISTIC and k == 1:
        t = np.linspace(8.0, 12.0, 5)
        wrong = 1.0 + sum(abs(c) * np.exp(-n * t) for n, c in enumerate(right.coeffs[:7], 1))
        assert np.max(np.abs(wrong - loss.d1(t))) > 1e-5


def test_get_loss_and_errors():
    assert get_loss("sigmoid") is SIGMOID and get_loss(LOGISTIC) is LOGISTIC
    with pytest.raises(ParameterError, match="unknown loss 'hinge'"):
        get_loss("hinge")
    with pytest.raises(ParameterError, match="k = 4"):
        LOGISTIC.derivative(4)
    with pytest.raises(ParameterError):
        LOGISTIC.derivative(True)
    with pytest.raises(ParameterError, match="order k = 3"):
        PROBIT.gauss_exact(3, 0.0, 1.0)
    with pytest.raises(ParameterError, match="order k = 3"):
        QUADRATIC.gauss_exact(3, 0.0, 1.0)


def test_loss_is_callable_and_frozen():
    assert float(LOGISTIC(0.0)) == pytest.approx(np.log(2.0))
    with pytest.raises(AttributeError):
        LOGISTIC.name = "x"
