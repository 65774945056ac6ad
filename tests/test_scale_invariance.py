"""Scale invariance of a BN logistic model (MATH.md §8; Arora, Li, Lyu 2019) — issue #8 item 4.

The model's gradient against central differences of its value, its exact Hessian-vector product
against central differences of the gradient and against an independent derivation
(:func:`bntheory.smoothness.batch_loss_hvp`); the identities as properties; GD = normalised GD; the
catalog checks pass with every control rejected, fail on a wrong statement, and are deterministic;
every bad input raises a specific exception naming the quantity.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bntheory import scale_invariance as si
from bntheory.errors import (
    BatchSizeError,
    DegenerateStartError,
    EpsilonError,
    NonFiniteError,
    ParameterError,
    ShapeMismatchError,
    StepSizeError,
)
from proofs_check import scale_invariance as psi

ROOT = Path(__file__).resolve().parents[1]
SEED = 0
IDS = ["scale-invariance.orthogonality", "scale-invariance.step-norm", "scale-invariance.gradient-scaling",
       "scale-invariance.hessian", "scale-invariance.normalised-gd"]


def _data(n=24, d=4, seed=0):
    gen = np.random.default_rng(seed)
    X = gen.standard_normal((n, d)) * np.linspace(0.5, 2.0, d) + 0.3
    y = np.where(X @ gen.standard_normal(d) + 0.3 * gen.standard_normal(n) >= 0, 1.0, -1.0)
    return X, y, gen


@pytest.fixture(scope="module")
def model():
    X, y, _ = _data()
    return si.BNLogistic(X, y, gamma=1.7, beta=-0.4)


@pytest.fixture(scope="module")
def fast_results():
    return {fn.id: fn(seed=SEED, fast=True) for fn in psi.NUMERICAL}


# --------------------------------------------------------------------------- derivatives
@pytest.mark.parametrize("eps,gamma", [(0.0, 1.7), (1e-3, -0.8)])
def test_gradient_matches_central_differences(eps, gamma):
    """∇F from the BN backward pass = central differences of F (h = 1e-6: error ≈ h² + u/h ≈ 1e-10)."""
    X, y, gen = _data(seed=3)
    F = si.BNLogistic(X, y, gamma=gamma, beta=0.2, eps=eps)
    h = 1e-6
    for _ in range(3):
        w = gen.standard_normal(X.shape[1])
        fd = np.array([(F.value(w + h * e) - F.value(w - h * e)) / (2 * h) for e in np.eye(X.shape[1])])
        g = F.grad(w)
        assert np.linalg.norm(fd - g) <= 1e-7 * np.linalg.norm(g)
        v, g2 = F.value_and_grad(w)
        assert v == F.value(w) and np.array_equal(g2, g)
        assert np.allclose(X.T @ F.batch_grad(w), g, rtol=0, atol=1e-15)
    # control: the gradient of the same loss without BN, Xᵀ(γ ∂ℓ/∂z) at z = γXw + β, is far off
    z = gamma * (X @ w) + 0.2
    no_bn = X.T @ (-y * gamma / (1 + np.exp(y * z))) / len(y)
    assert np.linalg.norm(fd - no_bn) > 1e-2 * np.linalg.norm(fd)


@pytest.mark.parametrize("eps", [0.0, 1e-2])
def test_hvp_matches_central_differences_of_the_gradient(eps):
    """The exact HVP = central differences of the exact gradient within FD_FLOOR, also at ε > 0."""
    X, y, gen = _data(seed=4)
    F = si.BNLogistic(X, y, gamma=1.3, beta=0.5, eps=eps)
    for _ in range(4):
        w, v = gen.standard_normal((2, X.shape[1]))
        h = 1e-5
        fd = (F.grad(w + h * v) - F.grad(w - h * v)) / (2 * h)
        hv = F.hvp(w, v)
        assert np.linalg.norm(hv - fd) <= psi.FD_FLOOR * np.linalg.norm(hv)
        # control: central differences along another direction are rejected by the same tolerance
        other = (F.grad(w + h * w) - F.grad(w - h * w)) / (2 * h)
        assert np.linalg.norm(hv - other) > psi.FD_FLOOR * np.linalg.norm(hv)


def test_hvp_matches_the_independent_smoothness_derivation(model):
    """At ε = 0, ∇²F(w)v = Xᵀ ∇²_x L̂ (Xv) with L̂ from bntheory.smoothness (derived separately)."""
    from bntheory import smoothness as sm

    loss = sm.logistic_targets(model.y, scale=1.0 / model.n)
    gen = np.random.default_rng(7)
    for _ in range(3):
        w, v = gen.standard_normal((2, model.d))
        other = model.X.T @ sm.batch_loss_hvp(model.X @ w, model.gamma, model.beta, loss, model.X @ v)
        assert np.linalg.norm(model.hvp(w, v) - other) <= 1e-12 * np.linalg.norm(other)
        assert abs(sm.batch_loss(model.X @ w, model.gamma, model.beta, loss) - model.value(w)) <= 1e-14
        # control: the loss curvature seen through BN alone (Gauss–Newton, no curvature of BN) differs
        p = sm.bn_point(model.X @ w, model.gamma, model.beta, loss)
        gauss_newton = model.X.T @ p.jvp(loss.hess(p.z) @ (p.gamma * p.project(model.X @ v) / p.sigma))
        assert np.linalg.norm(gauss_newton - other) > 1e-3 * np.linalg.norm(other)


# --------------------------------------------------------------------------- the identities as properties
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), log_c=st.floats(-6, 6), log_w=st.floats(-3, 3))
def test_identities_hold_on_random_models(seed, log_c, log_w):
    """F(cw) = F(w), w ⊥ ∇F, ∇F(cw) = ∇F(w)/c and ∇²F w = −∇F at the pointwise floor, for random data."""
    X, y, gen = _data(n=int(np.random.default_rng(seed).integers(4, 40)), d=3, seed=seed)
    F = si.BNLogistic(X, y, gamma=float(gen.uniform(-3, 3)) or 1.0, beta=float(gen.normal()))
    w = gen.standard_normal(3) * 10**log_w
    c = 10**log_c
    floor = psi.point_floor(F, w)
    assert abs(F.value(c * w) - F.value(w)) <= 1e-13 * (1 + abs(F.value(w)))
    assert si.orthogonality_residual(F, w) <= floor
    assert si.gradient_scaling_residual(F, w, c) <= floor
    assert si.hessian_residual(F, w) <= floor


def test_eps_breaks_scale_invariance_by_order_eps_over_sigma2(model):
    """At ε > 0 the cosine wᵀ∇F/(‖w‖‖∇F‖) is O(ε/σ_B²): ×100 in σ_B² divides it by ≈ 100 (MATH.md §9.2)."""
    Fe = si.BNLogistic(model.X, model.y, gamma=model.gamma, beta=model.beta, eps=1e-5)
    w = np.array([0.3, -1.0, 0.5, 0.2])
    w /= np.std(model.X @ w)  # σ_B = 1
    r1, r10 = si.orthogonality_residual(Fe, w), si.orthogonality_residual(Fe, 10 * w)
    assert r1 > 1e3 * psi.point_floor(model, w)
    assert 80 < r1 / r10 < 120
    assert abs(Fe.value(10 * w) - Fe.value(w)) > 1e-8


def test_rounding_amplification_is_scale_invariant_and_grows_near_stationarity(model):
    """A(w) ≥ 1, A(cw) = A(w), and A is larger where ‖∇F(w/‖w‖)‖ is smaller (the cancellation it measures)."""
    gen = np.random.default_rng(11)
    pts = gen.standard_normal((40, model.d))
    A = np.array([si.rounding_amplification(model, w) for w in pts])
    assert np.all(A >= 1.0)
    assert all(math.isclose(si.rounding_amplification(model, 1e4 * w), a, rel_tol=1e-10) for w, a in zip(pts[:5], A))
    stat = np.array([model.stationarity(w) for w in pts])
    assert A[np.argmin(stat)] > np.median(A)


def test_wrong_variants_have_their_predicted_residuals(model):
    """The controls' knobs: power 2 gives |c − 1|, sign +1 gives 2, coef 0 gives η²‖∇F‖²/‖w_{t+1}‖²."""
    w = np.array([1.0, 0.2, -0.4, 0.3])
    for c in (1e-3, 0.5, 7.0):
        assert math.isclose(si.gradient_scaling_residual(model, w, c, power=2), abs(c - 1), rel_tol=1e-12)
    assert math.isclose(si.hessian_residual(model, w, sign=1.0), 2.0, rel_tol=1e-12)
    tr = si.gd_trace(model, w, 1.0, 5)
    n2 = np.sum(tr.w**2, axis=1)
    assert np.allclose(si.step_norm_residuals(tr, coef=0.0), np.sum(tr.grad[:-1] ** 2, axis=1) / n2[1:], rtol=1e-10)
    assert np.all(si.step_norm_residuals(tr) <= psi.FLOOR)
    assert np.all(np.diff(n2) > 0)  # ‖w_t‖ never decreases


def test_gd_is_normalised_gd_with_the_self_tuning_step(model):
    """v_t = w_t/‖w_t‖ and r_t = ‖w_t‖ (norm identity); the fixed step η gives other directions."""
    w0 = np.array([0.4, -0.2, 0.9, 0.1]) * 2.0
    tr = si.gd_trace(model, w0, 3.0, 40)
    ng = si.normalised_gd(model, w0, 3.0, 40)
    assert np.max(si.direction_gap(tr, ng)) <= psi.DIRECTION_FLOOR
    assert np.allclose(ng.r, np.linalg.norm(tr.w, axis=1), rtol=1e-12, atol=0)
    assert np.allclose(ng.steps, 3.0 / ng.r[:-1] ** 2, rtol=1e-15)
    assert np.allclose(np.linalg.norm(ng.v, axis=1), 1.0, rtol=0, atol=1e-15)
    fixed = si.normalised_gd(model, w0, 3.0, 40, self_tuning=False)
    assert np.max(si.direction_gap(tr, fixed)) > 1e-3
    assert np.all(fixed.steps == 3.0)
    assert si.gd_trace(model, w0, 3.0, 0).w.shape == (1, model.d)


def test_raw_gradient_norm_shrinks_with_the_norm_but_stationarity_does_not(model):
    """‖∇F(cw)‖ = ‖∇F(w/‖w‖)‖/(c‖w‖): stationarity is read at the normalised point (MATH.md §9.5)."""
    w = np.array([0.5, 0.5, -0.5, 0.5])
    s = model.stationarity(w)
    for c in (1e-2, 1.0, 1e3):
        assert math.isclose(np.linalg.norm(model.grad(c * w)), s / (c * np.linalg.norm(w)), rel_tol=1e-12)
        assert math.isclose(model.stationarity(c * w), s, rel_tol=1e-12)


def test_bn_layer_is_invariant_under_positive_scaling_of_w():
    """BN(X(cW)ᵀ) = BN(XWᵀ) for c > 0 (and per-row scaling) at ε = 0; not at ε > 0; c < 0 flips signs."""
    X, _, gen = _data(n=16, d=3, seed=9)
    W = gen.standard_normal((4, 3))
    gamma, beta = np.array([1.0, 2.0, -0.5, 3.0]), 0.25
    base = si.bn_layer(X, W, gamma, beta)
    assert base.shape == (16, 4)
    assert np.allclose(np.std(base, axis=0), np.abs(gamma), rtol=1e-12)  # output scale γ, whatever ‖W‖
    for c in (1e-4, 3.0, 1e5):
        assert si.layer_scale_residual(X, W, c, gamma, beta) <= 1e-13
    assert np.allclose(si.bn_layer(X, np.diag([1.0, 10.0, 0.1, 5.0]) @ W, gamma, beta), base, rtol=0, atol=1e-13)
    assert si.layer_scale_residual(X, W, 1e-3, gamma, beta, eps=1e-5) > 1e-3  # control: ε > 0
    assert np.allclose(si.bn_layer(X, -W, gamma, beta) - beta, -(base - beta), atol=1e-13)
    assert np.allclose(si.bn_layer(X, W, 2.0, 0.0)[:, 0], 2.0 * si.bn_layer(X, W)[:, 0])  # scalar γ broadcasts


# --------------------------------------------------------------------------- the catalog checks
def test_section_lists_the_five_checks():
    assert [fn.id for fn in psi.NUMERICAL] == IDS
    for fn in psi.NUMERICAL:
        assert fn.section == "MATH.md §8 (Arora, Li, Lyu 2019)"
        doc = fn.__doc__ or ""
        assert "MATH.md §8" in doc and "Arora, Li, Lyu 2019" in doc and "control" in doc.lower(), fn.id
    assert [r.id for r in psi.checks(fast=True, select=lambda i: i.endswith("hessian"))] == ["scale-invariance.hessian"]


@pytest.mark.parametrize("check_id", IDS)
def test_check_passes_with_every_control_rejected(fast_results, check_id):
    r = fast_results[check_id]
    assert r.kind == "numerical" and r.holds and r.status == "pass", (r.measured, r.bound)
    assert len(r.controls) >= 1 and all(c.rejected for c in r.controls)
    # every control is rejected far beyond the floor, not at its edge
    assert all(c.ratio > 1e3 for c in r.controls), [c.as_dict() for c in r.controls]
    assert r.evidence["seed"] == SEED and r.evidence["fast"] is True
    json.dumps(r.as_dict(), allow_nan=False)
    assert isinstance(r.measured, float) and isinstance(r.bound, float) and r.ratio <= 1.0


def test_normalised_gd_evidence_shows_the_raw_gradient_overstating_convergence(fast_results):
    """raw drop = stationarity drop / norm growth, and the norm grows (MATH.md §9.5)."""
    for run in fast_results["scale-invariance.normalised-gd"].evidence["runs"]:
        assert run["norm_growth"] > 1.0
        assert math.isclose(run["raw_grad_norm_drop"], run["normalised_stationarity_drop"] / run["norm_growth"],
                            rel_tol=1e-9)


def _wrong(monkeypatch, name, **kw):
    monkeypatch.setattr(si, name, partial(getattr(si, name), **kw))


@pytest.mark.parametrize("check,patch", [
    (psi.check_step_norm, ("step_norm_residuals", {"coef": 0.0})),
    (psi.check_gradient_scaling, ("gradient_scaling_residual", {"power": 2})),
    (psi.check_hessian, ("hessian_residual", {"sign": 1.0})),
    (psi.check_normalised_gd, ("normalised_gd", {"self_tuning": False})),
])
def test_a_wrong_statement_makes_the_check_fail(monkeypatch, check, patch):
    """The statement replaced by its wrong variant (no η², 1/c², +∇F, fixed step) turns the check to fail."""
    _wrong(monkeypatch, patch[0], **patch[1])
    r = check(seed=SEED, fast=True)
    assert not r.holds and r.status == "fail" and r.ratio > 1e3


def test_orthogonality_fails_for_a_model_that_is_not_scale_invariant(monkeypatch):
    """w ⊥ ∇F claimed for BN at ε = 1e-5 (every model built by the check gets ε = 1e-5): fails."""
    orig = si.BNLogistic
    monkeypatch.setattr(si, "BNLogistic", lambda X, y, **kw: orig(X, y, **{**kw, "eps": 1e-5}))
    r = psi.check_orthogonality(seed=SEED, fast=True)
    assert not r.holds and r.status == "fail"


def test_hessian_check_fails_with_a_wrong_hvp(monkeypatch):
    """A wrong HVP that satisfies ∇²F w = −∇F by construction is caught by the FD cross-check."""
    monkeypatch.setattr(si.BNLogistic, "hvp", lambda self, w, v: -self.grad(w) * (float(v @ w) / float(w @ w)))
    r = psi.check_hessian(seed=SEED, fast=True)
    assert not r.holds and r.status == "fail"


def test_same_seed_same_numbers(fast_results):
    """Seed 0 in a fresh interpreter gives the same reports (timings aside); seed 1 differs."""
    code = ("import json; from proofs_check import scale_invariance as m\n"
            "print(json.dumps({fn.id: fn(seed=0, fast=True).as_dict() for fn in m.NUMERICAL}))")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="4321")
    other = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                      cwd=ROOT, env=env).stdout)

    def strip(d):
        return {k: v for k, v in d.items() if k != "seconds"}

    here = {k: json.loads(json.dumps(r.as_dict())) for k, r in fast_results.items()}
    assert {k: strip(v) for k, v in other.items()} == {k: strip(v) for k, v in here.items()}
    assert psi.check_orthogonality(seed=1, fast=True).evidence != fast_results[IDS[0]].evidence


# --------------------------------------------------------------------------- bad input
def test_bad_model_inputs_raise_specific_errors():
    X, y, _ = _data(n=8, d=3)
    with pytest.raises(ShapeMismatchError, match="X must be 2-dimensional"):
        si.BNLogistic(X[:, 0], y)
    with pytest.raises(ShapeMismatchError, match="X has 8 rows but y has length 7"):
        si.BNLogistic(X, y[:7])
    with pytest.raises(ParameterError, match=r"y\[2\] = 0.5"):
        si.BNLogistic(X, np.r_[y[:2], 0.5, y[3:]])
    with pytest.raises(NonFiniteError, match="X is not finite"):
        si.BNLogistic(np.where(X > 1.0, np.nan, X), y)
    with pytest.raises(NonFiniteError, match="gamma is not finite"):
        si.BNLogistic(X, y, gamma=np.inf)
    with pytest.raises(ParameterError, match="gamma = 0"):
        si.BNLogistic(X, y, gamma=0.0)
    with pytest.raises(EpsilonError, match="eps = -1e-05"):
        si.BNLogistic(X, y, eps=-1e-5)
    with pytest.raises(EpsilonError, match="all rows of X are equal"):
        si.BNLogistic(np.tile(X[0], (8, 1)), y)
    with pytest.raises(BatchSizeError, match="m = 1"):
        si.BNLogistic(X[:1], y[:1]).grad([1.0, 0.0, 0.0])


def test_bad_points_raise_specific_errors(model):
    with pytest.raises(DegenerateStartError, match="w = 0"):
        model.grad(np.zeros(4))
    with pytest.raises(DegenerateStartError, match="w = 0"):
        si.orthogonality_residual(model, np.zeros(4))
    with pytest.raises(ShapeMismatchError, match="w must have length d = 4, got 3"):
        model.value(np.ones(3))
    with pytest.raises(ShapeMismatchError, match="v must have length d = 4, got 5"):
        model.hvp(np.ones(4), np.ones(5))
    with pytest.raises(NonFiniteError, match="w is not finite"):
        model.grad([1.0, np.nan, 0.0, 0.0])
    # a constant batch Xw at ε = 0: w orthogonal to every row difference
    X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    F = si.BNLogistic(X, [1, -1, 1])
    with pytest.raises(EpsilonError, match="batch variance"):
        F.grad([1.0, 0.0])
    # at ε > 0 a constant batch is defined; with equal labels (m = 4: sums exact) ∇F = 0 exactly,
    # and the relative residuals are refused there
    X4 = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    Fe = si.BNLogistic(X4, [1, 1, 1, 1], eps=1e-3)
    assert np.array_equal(Fe.grad([1.0, 0.0]), np.zeros(2))
    for fn in (si.orthogonality_residual, si.hessian_residual, si.rounding_amplification,
               lambda F, w: si.gradient_scaling_residual(F, w, 2.0)):
        with pytest.raises(ParameterError, match="∇F\\(w\\) = 0"):
            fn(Fe, [1.0, 0.0])


@pytest.mark.parametrize("c", [0.0, -1.0, -1e-3])
def test_scaling_needs_positive_c(model, c):
    with pytest.raises(ParameterError, match=f"c must be > 0.*c = {c}"):
        si.gradient_scaling_residual(model, np.ones(4), c)
    with pytest.raises(ParameterError, match="c must be > 0"):
        si.layer_scale_residual(model.X, np.ones((2, 4)), c)


def test_scaling_refuses_non_finite_c(model):
    with pytest.raises(NonFiniteError, match="c is not finite"):
        si.gradient_scaling_residual(model, np.ones(4), np.inf)


@pytest.mark.parametrize("fn", [si.gd_trace, si.normalised_gd])
def test_bad_runs_raise_specific_errors(model, fn):
    w0 = np.ones(4)
    for eta in (0.0, -0.1):
        with pytest.raises(StepSizeError, match=f"eta must be > 0, got eta = {eta}"):
            fn(model, w0, eta, 3)
    with pytest.raises(NonFiniteError, match="eta is not finite"):
        fn(model, w0, np.nan, 3)
    with pytest.raises(ParameterError, match="n_steps must be at least 0"):
        fn(model, w0, 1.0, -1)
    with pytest.raises(ParameterError, match="n_steps must be an integer"):
        fn(model, w0, 1.0, 2.5)
    with pytest.raises(DegenerateStartError, match="w = 0"):
        fn(model, np.zeros(4), 1.0, 3)
    with pytest.raises(ShapeMismatchError, match="w0 must have length d = 4"):
        fn(model, np.ones(2), 1.0, 3)


def test_direction_gap_needs_runs_of_the_same_length(model):
    with pytest.raises(ShapeMismatchError, match="differ in length"):
        si.direction_gap(si.gd_trace(model, np.ones(4), 1.0, 3), si.normalised_gd(model, np.ones(4), 1.0, 4))


def test_bad_layer_inputs_raise_specific_errors():
    X, _, gen = _data(n=6, d=3)
    W = gen.standard_normal((2, 3))
    with pytest.raises(ShapeMismatchError, match="W must have d = 3 columns"):
        si.bn_layer(X, W[:, :2])
    with pytest.raises(ShapeMismatchError, match="gamma must have shape"):
        si.bn_layer(X, W, gamma=[1.0, 2.0, 3.0])
    with pytest.raises(NonFiniteError, match="W is not finite"):
        si.bn_layer(X, np.full((2, 3), np.inf))
    with pytest.raises(EpsilonError, match="batch variance"):
        si.bn_layer(X, np.zeros((2, 3)))
    with pytest.raises(ParameterError, match="identically 0"):
        si.layer_scale_residual(X, W, 2.0, gamma=[0.0, 0.0], beta=0.0)
