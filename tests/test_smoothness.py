"""Tests of bntheory.smoothness and proofs_check.smoothness (MATH.md §8, Santurkar et al. 2018).

Derivatives against finite differences (each with a wrong variant that the same comparison
rejects); every check passes with its controls rejected; a wrong statement makes each check fail;
bad inputs raise the specific exception; one seed gives the same numbers.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bntheory import smoothness as sm
from bntheory.batchnorm import batchnorm_forward
from bntheory.errors import BatchSizeError, EpsilonError, NonFiniteError, ParameterError, ShapeMismatchError
from proofs_check import smoothness as ps

ROOT = Path(__file__).resolve().parents[1]
FD_TOL = 1e-6  # central differences (step ~1e-5 relative) against analytic derivatives
WRONG_MIN = 1e-3  # a wrong variant must miss by at least this much


def _instances(n_per=2):
    """Random instances of the battery (both loss kinds, m ∈ {3, 8, 32})."""
    out = []
    for k, (m, kind) in enumerate([(m, kind) for m in (3, 8, 32) for kind in ps.LOSS_KINDS for _ in range(n_per)]):
        out.append(ps.instance(np.random.default_rng(100 + k), m, kind))
    return out


def _rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def _fd_grad(f, x, h=1e-6):
    E = np.eye(x.size) * h * max(1.0, float(np.max(np.abs(x))))
    return np.array([(f(x + e) - f(x - e)) / (2 * e[i]) for i, e in enumerate(E)])


# --------------------------------------------------------------------------- derivatives
def test_loss_gradient_and_hessian_match_finite_differences():
    """LinkLoss: g and H from φ', φ'' equal central differences of ℓ and of g; a wrong H (φ' for φ'') does not."""
    for y, _, _, loss in _instances(1):
        z = np.random.default_rng(1).standard_normal(loss.m)
        assert _rel(loss.grad(z), _fd_grad(loss.value, z)) < FD_TOL
        H_fd = np.column_stack([_fd_grad(lambda t: loss.grad(t)[i], z) for i in range(loss.m)])
        assert _rel(loss.hess(z), H_fd) < FD_TOL
        wrong = loss.scale * ((loss.A.T * loss.phi.d1(loss.A @ z + loss.b)) @ loss.A)
        assert _rel(wrong, H_fd) > WRONG_MIN


def test_batch_gradient_matches_finite_differences():
    """∇_y L̂ through the BN backward equals central differences of L̂; the gradient without BN (γ/σ · g) does not."""
    for y, gamma, beta, loss in _instances():
        p = sm.bn_point(y, gamma, beta, loss)
        fd = _fd_grad(lambda t: sm.batch_loss(t, gamma, beta, loss), y, h=1e-6 * p.sigma / max(1.0, np.max(np.abs(y))))
        assert _rel(p.grad, fd) < FD_TOL
        assert _rel(gamma / p.sigma * p.g, fd) > WRONG_MIN  # control: BN's projection ignored


def test_exact_hvp_matches_finite_differences_in_every_direction():
    """The exact HVP equals central differences of the gradient along a generic u (not ⊥ span{1, ŷ});
    control: dropping BN's own curvature D_u[J]g (keeping only JHJu) misses."""
    for k, (y, gamma, beta, loss) in enumerate(_instances()):
        u = np.random.default_rng(k).standard_normal(y.size)
        exact = sm.batch_loss_hvp(y, gamma, beta, loss, u)
        fd = sm.batch_loss_hvp_fd(y, gamma, beta, loss, u)
        assert _rel(exact, fd) < FD_TOL
        p = sm.bn_point(y, gamma, beta, loss)
        jhj = p.jvp(loss.hess(p.z) @ p.jvp(u))
        assert _rel(jhj, fd) > WRONG_MIN


def test_full_hessian_is_symmetric():
    """The HVPs on the basis form a symmetric matrix (a Hessian), with 1 in its null space (L̂(y + c1) = L̂(y))."""
    y, gamma, beta, loss = _instances(1)[2]
    Hm = np.column_stack([sm.batch_loss_hvp(y, gamma, beta, loss, e) for e in np.eye(y.size)])
    assert _rel(Hm, Hm.T) < 1e-12
    assert np.max(np.abs(Hm @ np.ones(y.size))) < 1e-12 * np.max(np.abs(Hm))


def test_second_derivative_of_bn_along_a_perpendicular_direction():
    """For v ⊥ span{1, ŷ}: d²ŷ(y + tv)/dt² = −ŷ‖v‖²/(mσ²) (the step behind Thm 4.2); the opposite sign misses."""
    rng = np.random.default_rng(7)
    for m in (3, 5, 16):
        y = rng.normal(1.0, 2.5, m)
        p = sm.bn_point(y, 1.0, 0.0, sm.logistic_targets(np.ones(m)))
        v = p.project(rng.standard_normal(m))
        h = 1e-4 * p.sigma * math.sqrt(m) / np.linalg.norm(v)

        def bn(t):
            return batchnorm_forward((y + t * v)[:, None], [1.0], [0.0], eps=0.0)[0][:, 0]

        second = (bn(h) - 2 * bn(0.0) + bn(-h)) / h ** 2
        formula = -p.y_hat * (v @ v) / (m * p.sigma ** 2)
        assert _rel(second, formula) < 1e-5
        assert _rel(second, -formula) > WRONG_MIN


def test_weight_gradient_is_X_times_batch_gradient():
    """∇_w L̂ for y = wᵀX (central differences in w) equals X ∇_y L̂, the LHS of Thm 4.4."""
    rng = np.random.default_rng(3)
    w, X, gamma, beta, loss = ps.instance(rng, 8, "logistic-linked", d=4)
    t = sm.weight_bound_terms(w, X, gamma, beta, loss)
    fd = _fd_grad(lambda v: sm.batch_loss(v @ X, gamma, beta, loss), w)
    assert abs(float(fd @ fd) / t.lhs - 1.0) < FD_TOL
    assert t.lhs <= t.rhs and 0.0 < t.alignment <= 1.0


def test_tight_weight_instance_attains_the_bound():
    """The tight construction keeps wᵀX = y and puts ∇_y L̂ on X's top right singular vector: ratio 1."""
    rng = np.random.default_rng(5)
    for m in (3, 8, 20):
        y, gamma, beta, loss = ps.instance(rng, m, "logistic-targets")
        w, X = ps.tight_weight_instance(y, rng, gamma, beta, loss)
        assert _rel(w @ X, y) < 1e-13
        t = sm.weight_bound_terms(w, X, gamma, beta, loss)
        assert abs(t.alignment - 1.0) < 1e-12 and abs(t.lhs / t.rhs - 1.0) < 1e-10


def test_thm41_and_thm42_are_equalities_named_terms():
    """The named terms reproduce the LHS (the later claim encoder's contract); σ is the std of y."""
    for y, gamma, beta, loss in _instances(1):
        p = sm.bn_point(y, gamma, beta, loss)
        t = sm.grad_bound_terms(p)
        assert abs(t.lhs - t.rhs) <= 1e-12 * t.scale
        assert math.isclose(t.factor, gamma ** 2 / np.std(y) ** 2, rel_tol=1e-12)
        h = sm.hess_bound_terms(p)
        assert abs(h.lhs - h.rhs) <= 1e-12 * h.rounding_scale
        assert abs(h.lhs_fd - h.rhs) <= 1e-6 * h.rounding_scale


def test_printed_weight_bound_flips_with_the_loss_scale():
    """Printed Thm 4.4: violated below c*, holds above (recomputed with ℓ → cℓ); the per-X ratio is scale-free."""
    w, X, gamma, beta, loss = ps.instance(np.random.default_rng(11), 8, "logistic-targets", d=4)
    c_star = sm.printed_weight_flip_scale(sm.printed_weight_terms(w, X, gamma, beta, loss))
    lo = sm.printed_weight_terms(w, X, gamma, beta, loss.scaled(0.9 * c_star))
    hi = sm.printed_weight_terms(w, X, gamma, beta, loss.scaled(1.1 * c_star))
    assert not lo.holds and hi.holds
    r = [sm.weight_bound_terms(w, X, gamma, beta, loss.scaled(c)) for c in (0.9 * c_star, 1.1 * c_star, 1.0)]
    assert max(abs(t.lhs / t.rhs - r[2].lhs / r[2].rhs) for t in r) < 1e-12


def test_init_identity_and_its_sign_condition():
    """Lemma 4.5's RHS = min_c‖W₀ − cW*‖², attained at c* (the norm itself); with ⟨W₀,W*⟩ < 0 the nearest
    positive-scale optimum is ‖W₀‖² away: W* = (1, 0), W₀ = (−1/2, 1) gives RHS 1 < 5/4."""
    rng = np.random.default_rng(2)
    W0, Ws = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    t = sm.init_terms(W0, Ws)
    cs = np.linspace(t.c_star - 1, t.c_star + 1, 20001)
    brute = np.min([np.sum((W0 - c * Ws) ** 2) for c in cs])
    assert abs(t.printed_rhs - t.dist_sq_line) < 1e-12 * t.norm_scale and brute >= t.dist_sq_line - 1e-12
    assert abs(brute - t.dist_sq_line) < 1e-6
    n = sm.init_terms([-0.5, 1.0], [1.0, 0.0])
    assert math.isclose(n.printed_rhs, 1.0) and math.isclose(n.dist_sq_ray, 1.25) and n.c_star < 0
    assert n.dist_sq_ray > n.printed_rhs  # the lemma fails without ⟨W₀,W*⟩ > 0
    p = sm.init_terms([0.5, 1.0], [1.0, 0.0])
    assert math.isclose(p.dist_sq_ray, p.printed_rhs)  # with it: equality


def test_bn_unit_is_invariant_under_positive_scaling_only():
    """L̂(cw) = L̂(w) for c > 0; c < 0 flips ŷ and changes the loss (MATH.md §1.3)."""
    X, loss, th, n_min, _ = ps.circle_unit(0)
    w = np.array([math.cos(th), math.sin(th)])
    base = sm.batch_loss(w @ X, 2.0, 0.0, loss)
    assert n_min == 1
    for c in (1e-3, 0.5, 7.0):
        assert abs(sm.batch_loss(c * w @ X, 2.0, 0.0, loss) - base) < 1e-12 * abs(base)
    assert sm.batch_loss(-w @ X, 2.0, 0.0, loss) > base * (1 + 1e-3)


# --------------------------------------------------------------------------- the checks
@pytest.fixture(scope="module")
def results():
    return {(fn.id, fast): fn(seed=0, fast=fast) for fn in ps.NUMERICAL for fast in (True, False)}


def test_section_lists_its_checks():
    assert [fn.id for fn in ps.NUMERICAL] == ["smoothness.grad-bound", "smoothness.hessian-bound",
                                              "smoothness.weight-bound", "smoothness.init-identity"]
    for fn in ps.NUMERICAL:
        assert fn.section == ps.SECTION and "MATH.md §8" in fn.__doc__ and "control" in fn.__doc__.lower()
    assert [r.id for r in ps.checks(fast=True, select=lambda i: i.endswith("init-identity"))] == ["smoothness.init-identity"]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("check_id", [fn.id for fn in ps.NUMERICAL])
def test_check_passes_and_controls_are_rejected(results, check_id, fast):
    r = results[(check_id, fast)]
    assert r.holds and r.status == "pass", (r.measured, r.bound)
    assert len(r.controls) >= 2 and all(c.rejected for c in r.controls), [c.as_dict() for c in r.controls]
    json.dumps(r.as_dict(), allow_nan=False)


def test_weight_check_reports_the_printed_form_flip(results):
    ev = results[("smoothness.weight-bound", False)].evidence
    flip = ev["printed_form_loss_scale"]
    assert flip["verdict_flips"] and flip["at"]["c*/2"]["printed_rhs"] < flip["at"]["c*/2"]["g_hat"]
    assert abs(ev["tight_case"]["ratio"] - 1.0) < 1e-10


# --------------------------------------------------------------------------- a wrong statement fails
def test_grad_check_fails_without_the_correlation_term(monkeypatch):
    orig = sm.grad_bound_terms
    monkeypatch.setattr(sm, "grad_bound_terms", lambda p: replace(orig(p), corr_term=0.0))
    r = ps.check_grad_bound(seed=0, fast=True)
    assert not r.holds and r.status == "fail"


def test_grad_check_fails_with_sigma_of_y_hat(monkeypatch):
    orig = sm.grad_bound_terms
    monkeypatch.setattr(sm, "grad_bound_terms", lambda p: replace(orig(p), factor=p.gamma ** 2))
    assert ps.check_grad_bound(seed=0, fast=True).status == "fail"


def test_hessian_check_fails_with_the_flipped_sign(monkeypatch):
    monkeypatch.setattr(sm.HessBoundTerms, "rhs", property(lambda t: t.curvature_term + t.correction_term))
    r = ps.check_hessian_bound(seed=0, fast=True)
    assert not r.holds and r.status == "fail"


def test_hessian_check_fails_with_a_wrong_hvp(monkeypatch):
    """An HVP that forgets BN's own curvature fails the exact and the finite-difference comparison."""
    monkeypatch.setattr(sm, "batch_loss_hvp", lambda y, g, b, loss, u: (lambda p: p.jvp(loss.hess(p.z) @ p.jvp(u)))(
        sm.bn_point(y, g, b, loss)))
    assert ps.check_hessian_bound(seed=0, fast=True).status == "fail"


def test_weight_check_fails_without_the_operator_norm(monkeypatch):
    orig = sm.weight_bound_terms
    monkeypatch.setattr(sm, "weight_bound_terms", lambda *a: replace(orig(*a), op_sq=1.0))
    r = ps.check_weight_bound(seed=0, fast=True)
    assert not r.holds and r.status == "fail"


def test_weight_check_fails_when_the_tight_case_is_not_tight(monkeypatch):
    monkeypatch.setattr(ps, "tight_weight_instance",
                        lambda y, gen, *a: (np.eye(4)[:, 0], np.vstack([y, gen.standard_normal((3, y.size))])))
    r = ps.check_weight_bound(seed=0, fast=True)
    assert not r.holds and r.status == "fail"


def test_init_check_fails_with_a_wrong_identity(monkeypatch):
    orig = sm.init_terms
    monkeypatch.setattr(sm, "init_terms", lambda a, b: replace(orig(a, b), printed_rhs=orig(a, b).printed_rhs * 1.001))
    assert not ps.check_init_identity(seed=0, fast=True).holds


def test_init_control_accepted_if_negative_scales_counted_as_optima(monkeypatch):
    """If BN were invariant under every scaling (Ŵ* = c*W* for c* < 0), the battery's sign control would be
    accepted (status fail); the BN-unit control measures its distance to the ray itself and still rejects."""
    orig = sm.init_terms
    monkeypatch.setattr(sm, "init_terms", lambda a, b: replace(orig(a, b), dist_sq_ray=orig(a, b).dist_sq_line))
    r = ps.check_init_identity(seed=0, fast=True)
    assert r.status == "fail" and not r.controls[0].rejected and r.controls[1].rejected


# --------------------------------------------------------------------------- bad input
@pytest.fixture()
def inst():
    return ps.instance(np.random.default_rng(0), 5, "logistic-targets")


def test_bad_batches(inst):
    y, gamma, beta, loss = inst
    with pytest.raises(BatchSizeError, match="m = 2"):
        sm.bn_point([0.0, 1.0], 1.0, 0.0, sm.logistic_targets([1.0, -1.0]))
    with pytest.raises(EpsilonError, match="variance"):
        sm.bn_point(np.full(5, 2.0), gamma, beta, loss)
    with pytest.raises(NonFiniteError, match=r"y\[2\]"):
        sm.bn_point(np.where(np.arange(5) == 2, np.nan, y), gamma, beta, loss)
    with pytest.raises(NonFiniteError, match="gamma"):
        sm.bn_point(y, math.inf, beta, loss)
    with pytest.raises(ShapeMismatchError, match="m = 5"):
        sm.bn_point(y[:4], gamma, beta, loss)
    with pytest.raises(ShapeMismatchError, match="1-D"):
        sm.bn_point(y[:, None], gamma, beta, loss)
    with pytest.raises(ParameterError, match="LinkLoss"):
        sm.bn_point(y, gamma, beta, "logistic")


def test_bad_directions_and_steps(inst):
    y, gamma, beta, loss = inst
    with pytest.raises(ShapeMismatchError, match="u must have the shape"):
        sm.batch_loss_hvp(y, gamma, beta, loss, np.ones(4))
    with pytest.raises(NonFiniteError, match="u"):
        sm.batch_loss_hvp(y, gamma, beta, loss, np.full(5, np.inf))
    with pytest.raises(ParameterError, match="u = 0"):
        sm.batch_loss_hvp_fd(y, gamma, beta, loss, np.zeros(5))
    with pytest.raises(ParameterError, match="rel_step"):
        sm.batch_loss_hvp_fd(y, gamma, beta, loss, np.ones(5), rel_step=0.5)
    with pytest.raises(ParameterError, match="= 0"):
        sm.hess_bound_terms(sm.bn_point(y, 0.0, beta, loss))


def test_bad_losses_weights_and_inits():
    with pytest.raises(ShapeMismatchError, match="b must have shape"):
        sm.LinkLoss(np.ones((3, 4)), np.ones(2))
    with pytest.raises(NonFiniteError, match="A"):
        sm.LinkLoss(np.full((3, 4), np.nan), np.ones(3))
    with pytest.raises(ParameterError, match="unknown loss"):
        sm.LinkLoss(np.ones((3, 4)), np.ones(3), "hinge")
    with pytest.raises(ShapeMismatchError, match="z must have shape"):
        sm.logistic_targets(np.ones(4)).grad(np.ones(3))
    w, X, gamma, beta, loss = ps.instance(np.random.default_rng(0), 6, "logistic-targets", d=3)
    with pytest.raises(ShapeMismatchError, match="d = 2"):
        sm.weight_bound_terms(w[:2], X, gamma, beta, loss)
    with pytest.raises(ShapeMismatchError, match="X must be 2-dimensional"):
        sm.printed_weight_terms(w, X[0], gamma, beta, loss)
    t = sm.printed_weight_terms(w, X, gamma, beta, loss)
    with pytest.raises(ParameterError, match="g_j"):
        sm.printed_weight_flip_scale(replace(t, g_j=0.0))
    with pytest.raises(ShapeMismatchError, match="one shape"):
        sm.init_terms(np.ones(3), np.ones(4))
    with pytest.raises(ParameterError, match="W_star = 0"):
        sm.init_terms(np.ones(3), np.zeros(3))
    with pytest.raises(NonFiniteError, match="W0"):
        sm.init_terms([np.nan, 1.0], [1.0, 1.0])


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_numbers_in_another_process(results):
    code = ("import json; from proofs_check import smoothness as s\n"
            "print(json.dumps({fn.id: fn(seed=0, fast=True).as_dict() for fn in s.NUMERICAL}))")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="123")
    other = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                      cwd=ROOT, env=env).stdout)
    here = {fn.id: json.loads(json.dumps(results[(fn.id, True)].as_dict())) for fn in ps.NUMERICAL}
    strip = lambda d: {k: v for k, v in d.items() if k != "seconds"}  # noqa: E731
    assert {k: strip(v) for k, v in other.items()} == {k: strip(v) for k, v in here.items()}
    assert ps.check_grad_bound(seed=1, fast=True).evidence != results[("smoothness.grad-bound", True)].evidence
