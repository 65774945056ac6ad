"""BNGD on least squares (Cai, Li, Shen 2019; MATH.md §8): solver, H*, κ*, rates, criterion, catalog checks.

The gradient of ``J`` is tested against central differences of ``J`` written from its definition;
the iteration against :func:`bntheory.solvers.bngd.bngd` and plain GD against
:func:`bntheory.solvers.gd.gd`; every check of :mod:`proofs_check.bngd_ols` passes with its controls
rejected, and fails when its statement is made wrong; every bad input raises its own exception.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from bntheory import errors
from bntheory.problems import OLSProblem, random_problem
from bntheory.solvers import bngd_ols as B
from bntheory.solvers.bngd import bngd
from bntheory.solvers.gd import gd
from proofs_check import bngd_ols as M

SEED = 0


@pytest.fixture(scope="module")
def inst():
    """A random OLS instance (d = 5, κ = 10) and a Gaussian start."""
    gen = np.random.default_rng(7)
    P = random_problem("ols", 5, 10.0, gen, uSu=1.0)
    return P, gen.standard_normal(5)


def J(P, a, w):
    """``J(a, w) − c/2 = −a gᵀw/‖w‖_H + a²/2`` from the definition (``H = S``, ``g = −u``)."""
    g = -P.u
    return -a * float(g @ w) / np.sqrt(float(w @ P.S @ w)) + 0.5 * a * a


# --------------------------------------------------------------------------- the iteration
def test_gradient_matches_finite_differences(inst):
    """One BNGD step recovers ∇_wJ = (w₀ − w₁)/ε and ∂_aJ; both equal central differences of J (rel. 1e-8)."""
    P, w0 = inst
    a0, eps, h = 0.7, 1e-3, 1e-6
    r = B.bngd_ols(P, w0, a0, 1, eps=eps, store_w=True)
    grad_w = (r.w[0] - r.w[1]) / eps
    fd_w = np.array([(J(P, a0, w0 + h * e) - J(P, a0, w0 - h * e)) / (2 * h) for e in np.eye(5)])
    fd_a = (J(P, a0 + h, w0) - J(P, a0 - h, w0)) / (2 * h)
    assert np.allclose(grad_w, fd_w, rtol=1e-7, atol=1e-9)
    assert r.grad_a[0] == pytest.approx(fd_a, rel=1e-8)
    assert r.grad_w_norm[0] == pytest.approx(np.linalg.norm(fd_w), rel=1e-7)
    # wrong statement: the gradient of the un-normalised aᵀ... (no projection) differs
    g = -P.u
    nH = np.sqrt(w0 @ P.S @ w0)
    assert not np.allclose(-(a0 / nH) * g, fd_w, rtol=1e-3)


def test_gap_is_j_minus_j_star(inst):
    """The cancellation-free gap equals J(a_k, w_k) − J* computed from the definition (1e-12 abs)."""
    P, w0 = inst
    r = B.bngd_ols(P, w0, 1.0, 30, eps=0.5, store_w=True)
    naive = np.array([J(P, a, w) for a, w in zip(r.a, r.w)]) - r.j_star
    assert np.allclose(r.gap, naive, rtol=0, atol=1e-12)
    assert r.j_star == pytest.approx(-0.5 * P.uSu)
    assert r.fun == pytest.approx(J(P, r.a[-1], r.x), abs=1e-12)


def test_same_as_kohler_bngd_with_half_steps(inst):
    """J = c/2 + f_OLS(w, a)/2, so BNGD(ε, ε_a) is solvers.bngd with (η_w, η_g) = (ε/2, ε_a/2)."""
    P, w0 = inst
    r = B.bngd_ols(P, w0, 0.8, 50, eps=2.0, eps_a=0.6)
    k = bngd(P, w0, 0.8, 50, eta_w=1.0, eta_g=0.3)
    assert np.allclose(r.a, k.g, rtol=1e-10, atol=1e-12)
    assert np.allclose(r.w_norm, k.w_norm, rtol=1e-10)
    # control: the full steps are a different iteration
    k2 = bngd(P, w0, 0.8, 50, eta_w=2.0, eta_g=0.6)
    assert not np.allclose(r.a, k2.g, rtol=1e-3)


def test_gd_ols_same_as_gd_with_half_step(inst):
    """Plain GD on ½E[(y − xᵀw̃)²] with step ε is solvers.gd on f_OLS with step ε/2 (gap halved)."""
    P, w0 = inst
    eps = 1.5 / P.L
    r = B.gd_ols(P, w0, 40, eps=eps)
    k = gd(P, w0, 40, step=eps / 2, diagnostics=False)
    assert np.allclose(r.gap, 0.5 * k.gap, rtol=1e-8, atol=1e-12 * abs(P.rho_star))
    assert r.diverged_at == -1 and r.two_over_L == pytest.approx(2 / P.L)


def test_gd_ols_diverges_past_threshold_without_nan(inst):
    """Past 2/λ_max the gap grows; far past it, it overflows to inf and stays inf (never nan)."""
    P, w0 = inst
    r = B.gd_ols(P, w0, 3000, eps=[0.99 * 2 / P.L, 1.01 * 2 / P.L, 1e5])
    assert r.gap[-1, 0] < 1e-10 * r.gap[0, 0]
    assert r.gap[-1, 1] > 1e3 * r.gap[0, 1] and np.isfinite(r.gap[-1, 1])
    assert np.isinf(r.gap[-1, 2]) and not np.isnan(r.gap).any() and r.diverged_at[2] > 0 and not r.success


def test_bngd_converges_far_past_gd_threshold(inst):
    """ε = 100·(2/λ_max): BNGD converges (‖w‖ grows once, the effective step self-tunes), ‖w_k‖ non-decreasing."""
    P, w0 = inst
    r = B.bngd_ols(P, w0, 1.0, 3000, eps=200.0 / P.L)
    assert r.gap[-1] < 1e-20 * r.gap[0]
    assert np.all(np.diff(r.w_norm) >= -1e-14 * r.w_norm[1:])
    assert r.w_norm[-1] > 2 * r.w_norm[0]


def test_batched_runs_equal_single_runs(inst):
    """A batch over ε (and over starts) gives the runs one by one (to rounding: BLAS may sum in another order)."""
    P, w0 = inst
    batch = B.bngd_ols(P, np.stack([w0, 2 * w0]), 1.0, 20, eps=[0.3, 3.0], eps_a=[1.0, 0.5])
    one = B.bngd_ols(P, 2 * w0, 1.0, 20, eps=3.0, eps_a=0.5)
    assert np.allclose(batch.gap[:, 1], one.gap, rtol=1e-12) and np.allclose(batch.a[:, 1], one.a, rtol=1e-12)


def test_deterministic(inst):
    """Same inputs, same numbers (bit-for-bit)."""
    P, w0 = inst
    r1, r2 = (B.step_size_sweep(P, w0, 1.0, 200, eps_grid=[0.01, 1.0, 1e3]) for _ in range(2))
    assert np.array_equal(r1["bngd_gap"], r2["bngd_gap"]) and np.array_equal(r1["gd_gap"], r2["gd_gap"])


# --------------------------------------------------------------------------- H*, κ*, rates
def test_h_star_eigenvalues_are_the_nonzero_spectrum(inst):
    """The compression NᵀHN has the non-zero eigenvalues of H* = H − ggᵀ/(gᵀu); H*u = 0; interlacing."""
    P, _ = inst
    Hs = B.h_star(P)
    ev = np.linalg.eigvalsh(Hs)
    lam_star = B.h_star_eigenvalues(P)
    assert abs(ev[0]) < 1e-12 * P.L and np.allclose(ev[1:], lam_star, rtol=1e-12)
    assert np.allclose(Hs @ B.cai_ols(P).u, 0.0, atol=1e-12 * P.L)
    lam = np.linalg.eigvalsh(P.S)
    assert np.all(lam[:-1] <= lam_star + 1e-12) and np.all(lam_star <= lam[1:] + 1e-12)
    assert B.kappa_star(P) <= B.kappa(P)


def test_kappa_star_special_cases():
    """d = 2: κ* = 1; u = a middle eigenvector: κ* = κ (tight); u = the top one: κ* = λ₂/λ_min."""
    H = np.diag([100.0, 10.0, 1.0])
    assert B.kappa_star(OLSProblem(np.diag([9.0, 1.0]), [1.0, 2.0])) == pytest.approx(1.0)
    assert B.kappa_star(OLSProblem(H, [0.0, -1.0, 0.0])) == pytest.approx(100.0, rel=1e-12)
    assert B.kappa_star(OLSProblem(H, [-1.0, 0.0, 0.0])) == pytest.approx(10.0, rel=1e-12)


def test_predicted_rate_and_effective_step():
    """η̂ = ε‖u‖²/‖w‖²; rate max|1 − η̂λ*|, with the a-mode |1 − ε_a| when asked; d = 1 has no w-mode."""
    P = (np.diag([3.0, 2.0, 1.0]), np.array([0.0, -2.0, 0.0]))  # u = e₂, λ* ∈ {1, 3}
    assert B.effective_step(P, 0.5, 2.0) == pytest.approx(0.125)
    assert B.predicted_rate(P, 0.5, 2.0) == pytest.approx(max(abs(1 - 0.125), abs(1 - 0.375)))
    assert B.predicted_rate(P, 0.5, 2.0, eps_a=0.05) == pytest.approx(0.95)
    assert B.predicted_rate((np.eye(1) * 2.0, np.array([-1.0])), 1.0, 1.0, eps_a=0.3) == pytest.approx(0.7)


def test_measured_rate_matches_prediction_on_a_run(inst):
    """The tail of a run decays at the predicted rate (relative exponent error < 1e-2)."""
    P, w0 = inst
    r = B.bngd_ols(P, w0, 1.0, 3000, eps=3.0 / P.L)
    rate, n = B.measured_rate(r.gap)
    assert n >= M.RATE_MIN_FIT
    assert abs(np.log(rate) / np.log(r.predicted_rate) - 1) < 1e-2


def test_limit_rate_matches_prediction_including_the_a_mode(inst):
    """Perturbing the limit: the measured rate is max(|1 − ε_a|, max|1 − η̂λ*|) (exponent within 2%);
    with ε_a = 0.02 it is the a-mode 0.98, which MATH.md §8's formula alone misses."""
    P, w0 = inst
    out = B.limit_rate(P, w0, 1.0, 2000, eps=[3.0 / P.L, 3.0 / P.L], eps_a=[1.0, 0.02], n_tail=1500)
    assert out["converged"].all() and (out["n_fitted"] >= M.RATE_MIN_FIT).all()
    assert np.allclose(np.log(out["rate"]) / np.log(out["predicted"]), 1.0, atol=0.02)
    assert out["predicted"][1] == pytest.approx(0.98)
    assert abs(np.log(out["rate"][1]) / np.log(out["predicted_w"][1]) - 1.0) > 0.5


def test_convergence_criterion():
    """(a) tolerance reached, (b) linear decay extrapolated, and growth or overflow: not converged."""
    k = np.arange(1001.0)
    gaps = np.stack([0.9 ** k, 0.99999 ** k, 1.0 + 0 * k, 1.001 ** k, np.where(k < 10, 1.0, np.inf)], axis=1)
    v = B.convergence(gaps)
    assert v["converged"].tolist() == [True, True, False, False, False]
    assert v["reached_tol"].tolist() == [True, False, False, False, False]
    assert v["steps"][0] == np.argmax(0.9 ** k <= 1e-10)
    assert v["steps"][1] == pytest.approx(np.log(1e-10) / np.log(0.99999), rel=1e-6)
    assert np.isinf(v["steps"][2:]).all() and np.isinf(v["tail_rate"][4])


def test_step_size_sweep_is_the_figure_data(inst):
    """The figure data: per-ε gap curves of both methods, verdicts, 2/λ_max, κ, κ*."""
    P, w0 = inst
    s = B.step_size_sweep(P, w0, 1.0, 300)
    assert s["eps"].shape == (17,) and s["bngd_gap"].shape == s["gd_gap"].shape == (301, 17)
    assert np.array_equal(s["gd"]["converged"][s["eps"] > s["two_over_L"]], np.zeros(np.sum(s["eps"] > s["two_over_L"]), bool))
    assert s["kappa_star"] <= s["kappa"] and s["predicted_rate"].shape == (17,)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(eps=0.0), errors.StepSizeError, "eps must be positive"),
    (dict(eps=[1.0, -2.0]), errors.StepSizeError, "eps = -2"),
    (dict(eps=np.nan), errors.NonFiniteError, "eps"),
    (dict(eps=1.0, eps_a=0.0), errors.StepSizeError, r"eps_a must lie in \(0, 1\]"),
    (dict(eps=1.0, eps_a=1.5), errors.StepSizeError, "eps_a = 1.5"),
    (dict(eps=[1.0, 2.0], eps_a=[1.0, 0.5, 0.2]), errors.ShapeMismatchError, "eps_a"),
    (dict(eps=[[1.0]]), errors.ShapeMismatchError, "eps"),
])
def test_bad_steps(inst, kwargs, exc, match):
    P, w0 = inst
    with pytest.raises(exc, match=match):
        B.bngd_ols(P, w0, 1.0, 5, **kwargs)


def test_bad_starts_and_problems(inst):
    P, w0 = inst
    with pytest.raises(errors.DegenerateStartError, match="w0 = 0"):
        B.bngd_ols(P, np.zeros(5), 1.0, 5, eps=1.0)
    w_perp = w0 - (w0 @ P.u) / (P.u @ P.u) * P.u
    with pytest.raises(errors.DegenerateStartError, match="saddle"):
        B.bngd_ols(P, w_perp, 0.0, 5, eps=1.0)
    B.bngd_ols(P, w_perp, 1.0, 5, eps=1.0)  # a₀ ≠ 0 leaves gᵀw = 0 at once: allowed
    with pytest.raises(errors.NonFiniteError, match="w0"):
        B.bngd_ols(P, np.r_[np.inf, w0[1:]], 1.0, 5, eps=1.0)
    with pytest.raises(errors.NonFiniteError, match="a0"):
        B.bngd_ols(P, w0, np.nan, 5, eps=1.0)
    with pytest.raises(errors.ShapeMismatchError, match="w0"):
        B.bngd_ols(P, w0[:3], 1.0, 5, eps=1.0)
    with pytest.raises(errors.ShapeMismatchError, match="rows"):
        B.bngd_ols(P, np.stack([w0, w0, w0]), 1.0, 5, eps=[1.0, 2.0])
    with pytest.raises(errors.ParameterError, match="n_iter"):
        B.bngd_ols(P, w0, 1.0, -1, eps=1.0)
    with pytest.raises(errors.NotPositiveDefiniteError, match="λ_min"):
        B.bngd_ols((np.diag([1.0, -1.0]), np.ones(2)), [1.0, 0.0], 1.0, 5, eps=1.0)
    with pytest.raises(errors.NotSymmetricError):
        B.cai_ols((np.array([[1.0, 0.5], [0.0, 1.0]]), np.ones(2)))
    with pytest.raises(errors.ParameterError, match="g = E\\[xy\\] = 0"):
        B.cai_ols((np.eye(2), np.zeros(2)))
    with pytest.raises(errors.ShapeMismatchError, match="d ≥ 2"):
        B.kappa_star((np.eye(1), np.ones(1)))
    with pytest.raises(errors.StepSizeError, match="eps must be positive"):
        B.gd_ols(P, w0, 5, eps=-1.0)
    with pytest.raises(errors.NonFiniteError, match="w_tilde0"):
        B.gd_ols(P, np.full(5, np.nan), 5, eps=1.0)


def test_bad_limit_rate_and_a0_inputs(inst):
    P, w0 = inst
    with pytest.raises(errors.ParameterError, match="perturbation"):
        B.limit_rate(P, w0, 1.0, 10, eps=1.0, perturbation=2.0)
    with pytest.raises(errors.ParameterError, match="n_tail"):
        B.limit_rate(P, w0, 1.0, 10, eps=1.0, n_tail=1)
    with pytest.raises(errors.ShapeMismatchError, match="a0"):
        B.bngd_ols(P, w0, [1.0, 2.0, 3.0], 5, eps=[1.0, 2.0])
    with pytest.raises(errors.ShapeMismatchError, match="a0"):
        B.bngd_ols(P, w0, [[1.0]], 5, eps=1.0)


def test_bad_criterion_inputs():
    with pytest.raises(errors.ParameterError, match="tol"):
        B.convergence(np.ones(10), tol=1.0)
    with pytest.raises(errors.ParameterError, match="min_decay"):
        B.convergence(np.ones(10), min_decay=0.0)
    with pytest.raises(errors.ShapeMismatchError, match="gap"):
        B.convergence(np.ones(2))
    with pytest.raises(errors.ParameterError, match="lo < hi"):
        B.measured_rate(np.ones(10), lo=1e-3, hi=1e-6)
    with pytest.raises(errors.ShapeMismatchError, match="1-D"):
        B.measured_rate(np.ones((3, 3)))


# --------------------------------------------------------------------------- the catalog checks
@pytest.fixture(scope="module")
def results():
    return {r.id: r for r in M.checks(fast=True, seed=SEED)}


def test_section_lists_its_checks(results):
    assert list(results) == ["bngd-ols.scaling-law", "bngd-ols.step-sizes", "bngd-ols.asymptotic-rate",
                             "bngd-ols.kappa-star"]
    for fn in M.NUMERICAL:
        assert fn.section.startswith("MATH.md §8 (Cai, Li, Shen 2019)")
        assert "MATH.md §8" in fn.__doc__ and "control" in fn.__doc__.lower()


@pytest.mark.parametrize("check_id", ["bngd-ols.scaling-law", "bngd-ols.step-sizes", "bngd-ols.asymptotic-rate",
                                      "bngd-ols.kappa-star"])
def test_check_passes_with_controls_rejected(results, check_id):
    r = results[check_id]
    assert r.holds and r.status == "pass", (r.measured, r.bound)
    assert r.controls and all(c.rejected for c in r.controls), [c.as_dict() for c in r.controls]
    json.dumps(r.as_dict(), allow_nan=False)
    assert r.evidence["seed"] == SEED


def test_controls_are_rejected_by_a_wide_margin(results):
    """The wrong variants miss by orders of magnitude, not by rounding."""
    sl = results["bngd-ols.scaling-law"]
    assert sl.evidence["power_of_two_max_deviation"] == 0.0
    assert all(c.measured > 0.1 for c in sl.controls)
    ar = results["bngd-ols.asymptotic-rate"]
    assert all(c.ratio > 5 for c in ar.controls)  # inf: the wrong formula predicts no convergence at all
    ks = results["bngd-ols.kappa-star"]
    assert all(c.ratio >= 1.9 for c in ks.controls)


def test_same_seed_same_report_other_seed_differs(results):
    again = M.check_step_sizes(seed=SEED, fast=True)
    strip = lambda r: {k: v for k, v in r.as_dict().items() if k != "seconds"}  # noqa: E731
    assert strip(again) == strip(results["bngd-ols.step-sizes"])
    assert M.check_kappa_star(seed=SEED + 1, fast=True).evidence != results["bngd-ols.kappa-star"].evidence


def test_scaling_check_fails_with_the_wrong_power(monkeypatch):
    monkeypatch.setattr(M, "SCALING_POWER", 1)
    r = M.check_scaling_law(seed=SEED, fast=True)
    assert not r.holds and r.status == "fail"


def test_step_size_check_fails_with_a_wrong_gd_threshold(monkeypatch):
    """Claiming GD converges up to 4/λ_max is refuted on the grid (ε = 0.316 with λ_max = 10 diverges)."""
    monkeypatch.setattr(M, "GD_THRESHOLD", 4.0)
    r = M.check_step_sizes(seed=SEED, fast=True)
    assert not r.holds and r.status == "fail"


def test_rate_check_fails_with_h_instead_of_h_star(monkeypatch):
    monkeypatch.setattr(B, "h_star_eigenvalues", lambda P: B.cai_ols(P).lam.copy())
    r = M.check_asymptotic_rate(seed=SEED, fast=True)
    assert not r.holds and r.status == "fail"


def test_kappa_check_fails_with_the_sign_flipped_matrix(monkeypatch):
    def flipped(P):
        C = B.cai_ols(P)
        return np.linalg.eigvalsh(C.H + np.outer(C.g, C.g) / C.u_H_norm_sq)[1:]
    monkeypatch.setattr(B, "h_star_eigenvalues", flipped)
    r = M.check_kappa_star(seed=SEED, fast=True)
    assert not r.holds and r.status == "fail"
