"""Gradient explosion in deep BN networks at initialisation (MATH.md §8; Yang et al. 2019; issue #8 item 2).

The backward pass against finite differences of the forward definition; the two weight samplers
against each other; the predictions computed; the checks of ``proofs_check.explosion`` pass with
every control rejected, and fail with a wrong prediction; bad inputs raise named exceptions;
determinism.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bntheory import errors
from bntheory import explosion as X
from bntheory.batchnorm import batchnorm_forward
from proofs_check import explosion as E

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- backward vs finite differences
def _replay_loss(activation, n, b, depth, bn, seed):
    """The network of ``network_gradients(..., sampler="dense", rng=seed)`` rebuilt from the same stream
    (input, then ``W^1..W^L``, then the output gradient ``G``), as a function of the weights and input."""
    gen = np.random.default_rng(seed)
    x0 = gen.standard_normal((b, n))
    scale = math.sqrt(X.SIGMA_W2[activation] / n)
    Ws = [gen.standard_normal((n, n)) * scale for _ in range(depth)]
    G = gen.standard_normal((b, n))

    def loss(Ws, x0):
        x = x0
        for W in Ws:
            h = x @ W.T
            if bn:
                h = batchnorm_forward(h, np.ones(n), np.zeros(n), eps=0.0)[0]
            x = np.maximum(h, 0.0) if activation == "relu" else h
        return float(np.sum(G * x))

    return loss, Ws, x0


def _fd(f, a: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central finite differences of the scalar ``f(a)`` with respect to every entry of ``a``."""
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[idx] = h
        g[idx] = (f(a + e) - f(a - e)) / (2 * h)
    return g


@pytest.mark.parametrize("activation,bn", [("linear", True), ("relu", True), ("relu", False)])
def test_backward_matches_finite_differences(activation, bn):
    """‖∂ℓ/∂W^l‖² for every layer and ‖∂ℓ/∂x⁰‖² equal those of central finite differences of the
    forward definition (relative 1e-6; the FD error is O(h²) ≈ 1e-12 relative on these sizes)."""
    n, b, depth, seed = 4, 6, 3, 11
    weight_sq, act_sq = X.network_gradients(activation, width=n, batch=b, depth=depth, bn=bn, rng=seed,
                                            sampler="dense")
    loss, Ws, x0 = _replay_loss(activation, n, b, depth, bn, seed)
    for l in range(depth):
        g = _fd(lambda W: loss(Ws[:l] + [W] + Ws[l + 1:], x0), Ws[l])
        assert np.sum(g * g) == pytest.approx(weight_sq[l], rel=1e-6), l
    gx = _fd(lambda x: loss(Ws, x), x0)
    assert np.sum(gx * gx) == pytest.approx(act_sq[0], rel=1e-6)


def test_finite_difference_test_catches_a_wrong_backward(monkeypatch):
    """Control of the test above: a BN backward without the ``x̂ Σ δ x̂`` term fails it."""
    def wrong(dy, cache):
        d = dy - dy.mean(axis=0)
        return d / cache.sigma_hat, None, None

    monkeypatch.setattr(X, "batchnorm_backward", wrong)
    n, b, depth, seed = 4, 6, 3, 11
    weight_sq, _ = X.network_gradients("linear", width=n, batch=b, depth=depth, rng=seed, sampler="dense")
    loss, Ws, x0 = _replay_loss("linear", n, b, depth, True, seed)
    g = _fd(lambda W: loss([W] + Ws[1:], x0), Ws[0])
    assert abs(np.sum(g * g) / weight_sq[0] - 1.0) > 1e-3


def test_row_basis_and_psd_sqrt():
    """The conditional sampler's helpers: ``Q`` orthonormal with ``x = (xQ)Qᵀ`` (the BN null direction
    dropped), ``C Cᵀ = K`` for a singular ``K``."""
    rng = np.random.default_rng(0)
    h = rng.standard_normal((6, 40))
    x = batchnorm_forward(h, np.ones(40), np.zeros(40), eps=0.0)[0]
    Q, xQ = X._row_basis(x)
    assert Q.shape == (40, 5)  # rank B − 1: the columns of a BN output sum to 0
    np.testing.assert_allclose(Q.T @ Q, np.eye(5), atol=1e-10)
    np.testing.assert_allclose(xQ @ Q.T, x, atol=1e-10)
    K = x @ x.T
    C = X._psd_sqrt(K)
    np.testing.assert_allclose(C @ C.T, K, atol=1e-9)


@pytest.mark.parametrize("activation,bn", [("linear", True), ("relu", True), ("relu", False)])
def test_conditional_sampler_has_the_law_of_the_dense_one(monkeypatch, activation, bn):
    """Gaussian conditioning draws the same joint law: over 300 networks each (N = 48, B = 6, L = 5),
    the mean of log ‖∂ℓ/∂W^l‖² at every layer and of log ‖∂ℓ/∂x⁰‖² agree within 4 standard errors
    (the means themselves differ between layers by ≫ 4 SE).  Control: a conditional sampler that
    forgets the part of W orthogonal to the forward rows (Y = 0) is caught."""
    def logs(sampler, seed):
        gen = np.random.default_rng(seed)
        r = [X.network_gradients(activation, width=48, batch=6, depth=5, bn=bn, rng=gen, sampler=sampler)
             for _ in range(300)]
        return np.log(np.array([np.concatenate([w, a[:1]]) for w, a in r]))

    def z(a, b):
        return np.abs(a.mean(0) - b.mean(0)) / np.sqrt(a.var(0, ddof=1) / len(a) + b.var(0, ddof=1) / len(b))

    dense, cond = logs("dense", 1), logs("conditional", 2)
    assert np.max(z(dense, cond)) < 4.0, z(dense, cond)
    if bn:
        monkeypatch.setattr(X, "_psd_sqrt", lambda K: np.zeros_like(K))
        assert np.max(z(dense, logs("conditional", 2))) > 6.0


# --------------------------------------------------------------------------- predictions
def test_predictions_are_computed():
    assert X.linear_prediction(8) == pytest.approx(1.2, abs=1e-15)
    assert X.linear_prediction(4) == 2.0
    assert X.large_batch_limit("relu") == pytest.approx(math.pi / (math.pi - 1), rel=1e-12)
    assert X.large_batch_limit("linear") == pytest.approx(1.0, rel=1e-12)
    # the linear formula tends to the large-batch limit of the identity activation
    assert X.linear_prediction(10**6) == pytest.approx(X.large_batch_limit("linear"), abs=2e-6)
    # and decreases in B
    vals = [X.linear_prediction(B) for B in range(4, 200)]
    assert all(a > b for a, b in zip(vals, vals[1:]))


def test_compare_semantics():
    c = X.compare(1.205, 0.004, 1.2, 0.02)
    assert c.holds and not c.rejected and c.ratio == pytest.approx(0.25)
    assert not X.compare(1.205, 0.011, 1.2, 0.02).holds  # not resolved: 2 SE > tol
    assert not X.compare(1.23, 0.001, 1.2, 0.02).holds and X.compare(1.23, 0.001, 1.2, 0.02).rejected
    assert not X.compare(1.23, 0.006, 1.2, 0.02).rejected  # outside, but within 2 SE of the window


def test_fit_growth_recovers_a_geometric_sequence():
    L = 12
    sq = 5.0 * 1.3 ** (L - np.arange(L))
    noisy = sq * np.exp(0.01 * np.random.default_rng(0).standard_normal(L))
    assert X.fit_growth(sq, skip_input=3, skip_output=2)[0] == pytest.approx(1.3, rel=1e-12)
    assert X.fit_growth(noisy[None], skip_input=0, skip_output=0)[0] == pytest.approx(1.3, rel=5e-3)


# --------------------------------------------------------------------------- the catalog checks
@pytest.fixture(scope="module")
def fast_results():
    return {fn.id: fn(seed=0, fast=True) for fn in E.NUMERICAL}


def test_checks_pass_with_every_control_rejected(fast_results):
    assert list(fast_results) == ["explosion.linear", "explosion.relu", "explosion.batch-monotone"]
    for cid, r in fast_results.items():
        assert r.status == "pass" and r.holds, (cid, r.measured, r.evidence)
        assert r.controls and all(c.rejected for c in r.controls), [c.as_dict() for c in r.controls]
        assert r.bound == E.TOL and 0.0 <= r.measured <= E.TOL
        assert "MATH.md §8" in r.section and "control" in (getattr(E, {
            "explosion.linear": "check_linear", "explosion.relu": "check_relu",
            "explosion.batch-monotone": "check_batch_monotone"}[cid]).__doc__ or "").lower()
        json.dumps(r.as_dict(), allow_nan=False)


def test_controls_are_what_they_say(fast_results):
    """No BN: growth ≈ 1, far outside the window; the norm grows by sqrt(λ_G), not λ_G; the
    reversed sequences are not increasing; the off-by-one prediction is rejected at B = 7."""
    lin, relu, mono = (fast_results[k] for k in ("explosion.linear", "explosion.relu", "explosion.batch-monotone"))
    assert abs(lin.evidence["no_bn"]["lambda_W"] - 1.0) < 0.02 and lin.controls[0].detail["within_1"]
    assert abs(relu.evidence["no_bn"]["lambda_W"] - 1.0) < 0.06
    assert lin.controls[0].ratio > 5 and relu.controls[0].ratio > 10
    assert lin.controls[1].detail["estimate"] == pytest.approx(math.sqrt(lin.evidence["bn"]["lambda_W"]))
    assert lin.controls[1].detail["estimate"] == pytest.approx(math.sqrt(1.2), abs=0.01)
    assert relu.controls[1].detail["estimate"] == pytest.approx(math.sqrt(math.pi / (math.pi - 1)), abs=0.01)
    assert mono.controls[0].detail == {"linear_reversed_increasing": False, "relu_reversed_increasing": False}
    b7 = next(d for d in mono.controls[1].detail["per_B"] if d["B"] == 7)
    assert b7["rejected"] and b7["prediction"] == pytest.approx(1.2)
    drops = mono.evidence["linear_drops"] + mono.evidence["relu_drops"]
    assert all(d["significant"] and d["drop"] > 0 for d in drops)


@pytest.mark.parametrize("check,wrong", [
    ("check_linear", ("linear_prediction", lambda B: B / (B - 3))),
    ("check_relu", ("large_batch_limit", lambda a: 1.0)),  # E[φ'²]/E[φ²]: the mean not subtracted
    ("check_batch_monotone", ("linear_prediction", lambda B: B / (B - 3))),
    ("check_batch_monotone", ("linear_prediction", lambda B: (B - 1) / (B - 2))),
])
def test_a_wrong_prediction_fails_the_check(monkeypatch, check, wrong):
    """The measurements are cached per (seed, fast); the prediction is evaluated in the check, so
    replacing it changes the verdict."""
    monkeypatch.setattr(X, wrong[0], wrong[1])
    r = getattr(E, check)(seed=0, fast=True)
    assert not r.holds and r.status == "fail" and r.measured > E.TOL


def test_an_unresolved_estimate_fails(monkeypatch):
    """With the SE inflated past half the tolerance the linear check fails although |λ̂ − 1.2| is small."""
    orig = X.compare
    monkeypatch.setattr(X, "compare", lambda est, se, pred, tol: orig(est, max(se, 0.011), pred, tol))
    r = E.check_linear(seed=0, fast=True)
    assert r.measured <= E.TOL and not r.holds and r.status == "fail"


# --------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("call,exc,match", [
    (lambda: X.linear_prediction(3), errors.BatchSizeError,
     "batch size B must be at least 4, got batch size B = 3"),
    (lambda: X.linear_prediction(8.5), errors.BatchSizeError, "must be an integer"),
    (lambda: X.large_batch_limit("tanh"), errors.ParameterError, "activation must be one of"),
    (lambda: X.network_gradients("relu", width=8, batch=3, depth=4), errors.BatchSizeError, "B = 3"),
    (lambda: X.network_gradients("relu", width=0, batch=8, depth=4), errors.ParameterError, "width N"),
    (lambda: X.network_gradients("relu", width=float("nan"), batch=8, depth=4), errors.ParameterError,
     "width N must be an integer"),
    (lambda: X.network_gradients("relu", width=8, batch=8, depth=0), errors.ParameterError, "depth L"),
    (lambda: X.network_gradients("relu", width=8, batch=8, depth=2, sampler="fast"), errors.ParameterError,
     "sampler"),
    (lambda: X.network_gradients("relu", width=4, batch=8, depth=2, sampler="conditional"),
     errors.ParameterError, "N = 4 < B = 8"),
    (lambda: X.gradient_growth("linear", width=8, batch=8, depth=5, n_networks=2), errors.ParameterError,
     "depth L = 5 leaves 0 layers"),
    (lambda: X.gradient_growth("linear", width=8, batch=8, depth=12, n_networks=1), errors.ParameterError,
     "n_networks"),
    (lambda: X.fit_growth([[1.0, np.nan, 1.0, 1.0]], skip_input=0, skip_output=0), errors.NonFiniteError,
     "finite and positive"),
    (lambda: X.fit_growth([[1.0, 0.0, 1.0, 1.0]], skip_input=0, skip_output=0), errors.NonFiniteError,
     "finite and positive"),
    (lambda: X.fit_growth([[1.0, 2.0, 3.0]], skip_input=-1, skip_output=0), errors.ParameterError, "skip_input"),
    (lambda: X.compare(math.inf, 0.1, 1.2, 0.02), errors.NonFiniteError, "estimate"),
    (lambda: X.compare(1.2, -0.1, 1.2, 0.02), errors.ParameterError, "se must be"),
    (lambda: X.compare(1.2, 0.1, 1.2, 0.0), errors.ParameterError, "tol must be"),
])
def test_bad_inputs_raise_named_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_overflow_is_a_named_error_not_an_inf():
    """A ReLU BN net at B = 4, N = 16 grows by ≈ e^0.78 per layer (measured): 1500 layers overflow float64."""
    for sampler in ("dense", "conditional"):
        with pytest.raises(errors.NonFiniteError, match="at layer l = .* too deep"):
            X.network_gradients("relu", width=32, batch=4, depth=1500, rng=0, sampler=sampler)


def test_no_bn_allows_any_batch():
    w, a = X.network_gradients("linear", width=8, batch=1, depth=3, bn=False, rng=0)
    assert np.all(np.isfinite(w)) and np.all(w > 0)


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_numbers():
    kw = dict(width=64, batch=8, depth=8, n_networks=2, skip_input=2, skip_output=1)
    a, b = X.gradient_growth("relu", rng=3, **kw), X.gradient_growth("relu", rng=3, **kw)
    c = X.gradient_growth("relu", rng=4, **kw)
    assert np.array_equal(a.weight_sq, b.weight_sq) and a.lam == b.lam
    assert not np.array_equal(a.weight_sq, c.weight_sq)


def test_check_is_identical_in_another_process(fast_results):
    code = ("import json; from proofs_check import explosion as E\n"
            "print(json.dumps(E.check_linear(seed=0, fast=True).as_dict()))")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="123")
    other = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                      cwd=ROOT, env=env).stdout)
    here = json.loads(json.dumps(fast_results["explosion.linear"].as_dict()))
    other.pop("seconds"), here.pop("seconds")
    assert other == here
