"""Tests of bntheory.problems (MATH.md §2–6): every check has a negative control."""

from __future__ import annotations

import numpy as np
import pytest

from bntheory.errors import (
    DegenerateStartError,
    ModelValidityError,
    NonFiniteError,
    NotPositiveDefiniteError,
    NotSymmetricError,
    ParameterError,
    ShapeMismatchError,
)
from bntheory.gauss import GaussRule
from bntheory.losses import LOGISTIC, PROBIT, QUADRATIC, SIGMOID
from bntheory.problems import (
    SAMPLE_KINDS,
    EmpiricalHalfspace,
    GaussianHalfspace,
    OLSProblem,
    OneHiddenLayer,
    SGeometry,
    random_problem,
    random_spd,
    sample_z,
    tight_problem,
)

FD_TOL = 1e-7  # central differences, h = 1e-5: truncation ~1e-10, rounding ~1e-11 (relative)


def fd_grad(fun, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        out[idx] = (fun(x + e) - fun(x - e)) / (2 * h)
    return out


def close(a, b, tol=FD_TOL):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b))) <= tol * (1.0 + float(np.max(np.abs(b))))


def _problems():
    rng = np.random.default_rng(0)
    out = [
        random_problem("ols", 4, 10.0, rng),
        random_problem("halfspace", 4, 10.0, rng, loss=LOGISTIC, uSu=0.6),
        random_problem("halfspace", 3, 30.0, rng, loss=SIGMOID, uSu=0.9),
        random_problem("halfspace", 3, 5.0, rng, loss=PROBIT, uSu=0.3),
        EmpiricalHalfspace.sample("laplace", 500, random_spd(3, 8.0, rng), [0.3, -0.2, 0.1], LOGISTIC, rng),
    ]
    return out


PROBLEMS = _problems()
PIDS = ["ols", "gauss-logistic", "gauss-sigmoid", "gauss-probit", "empirical-laplace"]
RNG_W = np.random.default_rng(42)
POINTS = [(RNG_W.standard_normal(4), 1.7), (RNG_W.standard_normal(4), -0.6), (RNG_W.standard_normal(4), 12.0)]


def _wg(P, i):
    w, g = POINTS[i]
    return w[: P.d], g


# --------------------------------------------------------------------------------------------
# gradients vs finite differences
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("P", PROBLEMS, ids=PIDS)
@pytest.mark.parametrize("i", range(3))
def test_grad_matches_finite_differences(P, i):
    w, g = _wg(P, i)
    wt = P.w_tilde(w, g)
    assert close(P.grad(wt), fd_grad(P.f, wt))


@pytest.mark.parametrize("P", PROBLEMS, ids=PIDS)
@pytest.mark.parametrize("i", range(3))
def test_bn_gradients_match_finite_differences(P, i):
    w, g = _wg(P, i)
    assert close(P.grad_w(w, g), fd_grad(lambda v: P.f_bn(v, g), w))
    assert close(P.dg(w, g), fd_grad(lambda x: P.f_bn(w, float(x)), np.array(g)))


@pytest.mark.parametrize("P", PROBLEMS[1:], ids=PIDS[1:])
def test_bn_gradient_check_rejects_missing_projector(P):
    # negative control: ∇_w f_BN without (I − S w wᵀ/‖w‖²_S) fails the same comparison
    w, g = _wg(P, 0)
    nw = P.s_norm(w)
    wrong = (g / nw) * P.grad(P.w_tilde(w, g))
    assert not close(wrong, fd_grad(lambda v: P.f_bn(v, g), w))


@pytest.mark.parametrize("P", PROBLEMS, ids=PIDS)
def test_closed_forms_equal_generic_chain_rule(P):
    w, g = _wg(P, 1)
    for name in ("f_bn", "grad_w", "dg"):
        np.testing.assert_allclose(getattr(P, name)(w, g), getattr(SGeometry, name)(P, w, g), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("P", PROBLEMS, ids=PIDS)
def test_vectorised_in_g(P):
    w, _ = _wg(P, 0)
    gs = np.array([-3.0, 0.0, 0.5, 40.0])
    for name in ("f_bn", "dg", "grad_w"):
        vec = np.asarray(getattr(P, name)(w, gs))
        loop = np.array([getattr(P, name)(w, float(g)) for g in gs])
        np.testing.assert_allclose(vec, loop, rtol=1e-13, atol=1e-15)


# --------------------------------------------------------------------------------------------
# structural identities of MATH §2
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("P", PROBLEMS, ids=PIDS)
@pytest.mark.parametrize("i", range(3))
def test_orthogonality_and_s_inverse_split(P, i):
    w, g = _wg(P, i)
    gw, dg = P.grad_w(w, g), P.dg(w, g)
    full = P.grad(P.w_tilde(w, g))
    assert abs(w @ gw) <= 1e-12 * np.linalg.norm(w) * (1 + np.linalg.norm(gw))
    lhs = P.dual_norm_sq(full)
    rhs = P.s_norm(w) ** 2 / g**2 * P.dual_norm_sq(gw) + dg**2
    assert abs(lhs - rhs) <= 1e-12 * (1 + lhs)
    # negative control: the same split in the Euclidean norm fails
    rhs_e = P.s_norm(w) ** 2 / g**2 * float(gw @ gw) + dg**2
    assert abs(float(full @ full) - rhs_e) > 1e-6 * (1 + lhs)


def test_orthogonality_check_rejects_missing_projector():
    P = PROBLEMS[1]
    w, g = _wg(P, 0)
    wrong = (g / P.s_norm(w)) * P.grad(P.w_tilde(w, g))
    assert abs(w @ wrong) > 1e-3


def test_scale_invariance():
    P = PROBLEMS[1]
    w, g = _wg(P, 0)
    assert P.f_bn(3.0 * w, g) == pytest.approx(P.f_bn(w, g), rel=1e-14)
    np.testing.assert_allclose(P.grad_w(3.0 * w, g), P.grad_w(w, g) / 3.0, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# OLS (MATH §3)
# --------------------------------------------------------------------------------------------


def test_ols_rayleigh_facts():
    P = PROBLEMS[0]
    w = POINTS[0][0]
    assert P.f_bn(w, P.g_star(w)) == pytest.approx(P.rho(w), rel=1e-13)
    assert P.f_bn(P.w_star_direction, P.g_star(P.w_star_direction)) == pytest.approx(P.rho_star, rel=1e-13)
    assert P.f(-P.w_star_direction) == pytest.approx(P.f_star, rel=1e-13)
    assert close(P.grad_rho(w), fd_grad(P.rho, w))
    assert abs(w @ P.grad_rho(w)) < 1e-12
    n2 = P.s_norm(w) ** 2
    r = P.u - (P.u @ w / n2) * (P.S @ w)
    assert P.dual_norm_sq(r) == pytest.approx(P.rho(w) - P.rho_star, rel=1e-12)
    # negative control: with the Euclidean norm the identity fails
    assert abs(float(r @ r) - (P.rho(w) - P.rho_star)) > 1e-3


def test_ols_from_data():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((50, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.standard_normal(50)
    P = OLSProblem.from_data(X, y)
    np.testing.assert_allclose(P.S, X.T @ X / 50)
    for wt in (np.zeros(3), rng.standard_normal(3)):
        assert P.f(wt) + np.mean(y**2) == pytest.approx(np.mean((y - X @ wt) ** 2), rel=1e-12)
    # negative control: u = +Xᵀy/n (the sign of MATH §0 dropped) breaks the identity
    Q = OLSProblem(X.T @ X / 50, X.T @ y / 50)
    wt = rng.standard_normal(3)
    assert abs(Q.f(wt) + np.mean(y**2) - np.mean((y - X @ wt) ** 2)) > 1e-2
    assert close(P.w_tilde(P.w_star_direction, P.g_star(P.w_star_direction)), np.linalg.lstsq(X, y, rcond=None)[0])


def test_quadratic_halfspace_is_ols_plus_one():
    S, u = random_spd(3, 4.0, 1), np.array([0.2, 0.1, -0.3])
    G, O = GaussianHalfspace(S, u, QUADRATIC), OLSProblem(S, u)
    wt = np.array([0.3, -1.0, 2.0])
    assert G.f(wt) == pytest.approx(O.f(wt) + 1.0, rel=1e-13)
    np.testing.assert_allclose(G.grad(wt), O.grad(wt), rtol=1e-13)
    np.testing.assert_allclose(G.c1_c2(wt), (2.0, 2.0), rtol=1e-13)


def test_tight_problem():
    P = tight_problem("ols", 10.0, uSu=0.5)
    assert P.d == 2 and P.kappa == pytest.approx(10.0)
    np.testing.assert_allclose(P.S @ P.u, P.L * P.u)
    assert P.uSu == pytest.approx(0.5)
    R = tight_problem("halfspace", 4.0, uSu=0.9, rotate=True, rng=1)
    np.testing.assert_allclose(R.S @ R.u, R.L * R.u, atol=1e-12)


def test_random_spd_spectrum():
    S = random_spd(6, 1e3, rng=5)
    np.testing.assert_allclose(np.linalg.eigvalsh(S), np.geomspace(1, 1e3, 6), rtol=1e-10)
    assert random_problem("halfspace", 5, 10.0, 2, uSu=0.7).uSu == pytest.approx(0.7)


# --------------------------------------------------------------------------------------------
# Gaussian halfspace (MATH §4)
# --------------------------------------------------------------------------------------------


def _stein_mc(P, wt, n=400_000, seed=7):
    Z = sample_z("gaussian", n, P.S, P.u, rng=seed)
    V = P.loss.d1(Z @ wt)[:, None] * Z
    return V.mean(0), V.std(0, ddof=1) / np.sqrt(n)


@pytest.mark.parametrize("loss", [LOGISTIC, SIGMOID], ids=["logistic", "sigmoid"])
def test_stein_structure_against_monte_carlo(loss):
    """c₁u + c₂Sw̃ = E[φ'(zᵀw̃) z] within 5 standard errors of a 4e5-sample Monte Carlo."""
    P = random_problem("halfspace", 3, 5.0, 11, loss=loss, uSu=0.6)
    wt = P.w_tilde(np.array([1.0, -0.5, 0.3]), 2.0)
    mc, se = _stein_mc(P, wt)
    assert np.all(np.abs(P.grad(wt) - mc) <= 5 * se)
    # negative control: c₁ without its second term (−E[φ''] uᵀw̃) is rejected by the same test
    E0, E1, E2 = P.moments(P.s_norm(wt), P.a(wt))
    wrong = E1 * P.u + E2 * (P.S @ wt)
    assert np.any(np.abs(wrong - mc) > 5 * se)


def test_direction_gradient_identities():
    P = PROBLEMS[2]
    w, g = _wg(P, 0)
    c1, _ = P.c1_c2(P.w_tilde(w, g))
    gw = P.grad_w(w, g)
    np.testing.assert_allclose(gw, -(g * c1 * P.s_norm(w) / (2 * P.u @ w)) * P.grad_rho(w), rtol=1e-12)
    lhs = P.s_norm(w) ** 2 * P.dual_norm_sq(gw)
    assert lhs == pytest.approx(g**2 * c1**2 * (P.rho(w) - P.rho_star), rel=1e-12)
    assert P.dg(w, g) == pytest.approx(c1 * P.a(w) + P.c1_c2(P.w_tilde(w, g))[1] * g, rel=1e-12)


@pytest.mark.parametrize("P", PROBLEMS, ids=PIDS)
def test_gdnp_step_is_rayleigh_step(P):
    """s_t ∇_w f = η_t ∇ρ with s_t = −‖w‖³_S/(L g h), η_t = ‖w‖²_S/(2L|ρ|) (MATH §4.4)."""
    w, g = _wg(P, 0)
    if isinstance(P, EmpiricalHalfspace):
        pytest.skip("MATH §5: no Stein structure, the identity is not claimed")
    nw = P.s_norm(w)
    step = -(nw**3) / (P.L * g * P.h(w, g)) * P.grad_w(w, g)
    eta = nw**2 / (2 * P.L * abs(P.rho(w))) * P.grad_rho(w)
    np.testing.assert_allclose(step, eta, rtol=1e-11)
    if isinstance(P, GaussianHalfspace):
        # negative control: the seed's h (second term E[φ''](uᵀw)², MATH §4.4) breaks the identity
        _, E1, E2 = P.moments(g, P.a(w))
        h_seed = E1 * (P.u @ w) - E2 * (P.u @ w) ** 2
        wrong = -(nw**3) / (P.L * g * h_seed) * P.grad_w(w, g)
        assert not np.allclose(wrong, eta, rtol=1e-6)


def test_projected_coefficient_recovers_stein_c1():
    P = PROBLEMS[1]
    w, g = _wg(P, 2)
    wt = P.w_tilde(w, g)
    c1, c2 = P.c1_c2(wt)
    assert P.projected_u_coefficient(P.grad(wt), w) == pytest.approx(c1, rel=1e-12)
    np.testing.assert_allclose(SGeometry.c1_c2(P, wt), (c1, c2), rtol=1e-10)
    # negative control: the coefficient of u in the *unprojected* gradient is not c₁
    g_full = P.grad(wt)
    assert abs(float(g_full @ P.w_star_direction) / P.uSu - c1) > 1e-6


def test_moments_zero_length_and_sigmoid_c1():
    P = GaussianHalfspace(np.eye(2), [0.5, 0.0], LOGISTIC)
    assert P.c1_c2(np.zeros(2)) == (0.5, 0.25)
    assert P.f(np.zeros(2)) == pytest.approx(np.log(2.0))
    E = P.moments(np.array([0.0, 1.0, 1e3]), 0.3)
    assert all(e.shape == (3,) for e in E)


def test_zeta():
    P = GaussianHalfspace(np.diag([3.0, 1.0]), [0.5, 0.0], SIGMOID)
    assert P.zeta == pytest.approx(3.0 * np.sqrt(3) / 18)


# --------------------------------------------------------------------------------------------
# Empirical halfspace (MATH §5) and samplers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", SAMPLE_KINDS)
def test_samplers_have_the_right_moments(kind):
    S, u = np.array([[2.0, 0.3], [0.3, 1.0]]), np.array([0.5, -0.2])
    Z = sample_z(kind, 200_000, S, u, rng=3)
    assert np.all(np.abs(Z.mean(0) - u) < 0.02)
    assert np.all(np.abs(Z.T @ Z / len(Z) - S) < 0.05)


def test_sampler_kinds_differ():
    S, u = np.eye(1), np.array([0.0])
    kurt = {k: float(np.mean(sample_z(k, 100_000, S, u, rng=1) ** 4)) for k in SAMPLE_KINDS}
    assert kurt["laplace"] > 5.0 and kurt["uniform"] < 2.0 and abs(kurt["gaussian"] - 3.0) < 0.1


def test_empirical_converges_to_gaussian_population():
    G = random_problem("halfspace", 3, 4.0, 9, loss=LOGISTIC, uSu=0.5)
    E = EmpiricalHalfspace(sample_z("gaussian", 200_000, G.S, G.u, rng=2), LOGISTIC)
    wt = np.array([0.5, -1.0, 0.8])
    phis = LOGISTIC.phi(E.Z @ wt)
    assert abs(E.f(wt) - G.f(wt)) <= 5 * phis.std() / np.sqrt(E.n)
    assert E.regime == "experiment"


def test_empirical_from_xy():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((40, 2))
    y = np.where(rng.random(40) < 0.5, -1.0, 1.0)
    P = EmpiricalHalfspace.from_xy(X, y, "logistic")
    np.testing.assert_allclose(P.u, np.mean(-y[:, None] * X, 0))
    np.testing.assert_allclose(P.S, X.T @ X / 40)
    wt = np.array([0.3, -0.7])
    assert P.f(wt) == pytest.approx(np.mean(np.logaddexp(0, -y * (X @ wt))), rel=1e-14)
    with pytest.raises(ParameterError, match=r"labels must be ±1, got y\[0\] = 0.5"):
        EmpiricalHalfspace.from_xy(X, np.r_[0.5, y[1:]], "logistic")
    with pytest.raises(ShapeMismatchError):
        EmpiricalHalfspace.from_xy(X, y[:-1], "logistic")


def test_value_and_grad_is_f_and_grad_and_bngd_records_it():
    """The shared-pass ``value_and_grad`` (one Z pass for both) equals ``f`` and ``grad``; BN-GD
    records that value (control: the value at the wrong point differs)."""
    from bntheory.solvers.bngd import bngd

    rng = np.random.default_rng(6)
    E = EmpiricalHalfspace(sample_z("laplace", 500, np.eye(3), np.array([0.3, 0.0, 0.1]), rng=rng), LOGISTIC)
    G = random_problem("halfspace", 3, 4.0, 9, loss=LOGISTIC, uSu=0.5)
    wt = np.array([0.5, -1.0, 0.8])
    for P in (E, G):  # the data override and the generic default
        f, gr = P.value_and_grad(wt)
        assert f == pytest.approx(P.f(wt), rel=1e-15) and np.allclose(gr, P.grad(wt), rtol=1e-15, atol=0)
        assert f != pytest.approx(P.f(1.1 * wt), rel=1e-6)
    r = bngd(E, [1.0, 0.5, -0.2], 1.3, 3, eta_w=0.5, eta_g=0.5, diagnostics=False)
    assert r.f[-1] == pytest.approx(E.f(r.x), rel=1e-14)


def test_empirical_h_uses_projected_coefficient():
    P = PROBLEMS[4]
    w, g = _wg(P, 0)
    gr = P.grad(P.w_tilde(w, g))
    c1 = P.projected_u_coefficient(gr, w)
    assert P.h(w, g) == pytest.approx(c1 * (P.u @ w), rel=1e-13)
    assert P.c1_c2(P.w_tilde(w, g))[0] == pytest.approx(c1, rel=1e-10)
    # on the optimal line Pu = 0: coefficient undefined, returned as 0 (documented)
    assert P.projected_u_coefficient(gr, P.w_star_direction) == 0.0


# --------------------------------------------------------------------------------------------
# One hidden layer (MATH §6)
# --------------------------------------------------------------------------------------------


def _net(m=2, seed=0, **kw):
    rng = np.random.default_rng(seed)
    S = random_spd(3, 4.0, rng)
    v = rng.standard_normal(3)
    u = v * np.sqrt(0.5 / (v @ np.linalg.solve(S, v)))
    return OneHiddenLayer(S, u, np.linspace(1.0, -0.5, m), LOGISTIC, **kw), rng


def test_hidden_layer_gradient_fd_rank_two():
    net, rng = _net(2)
    W = rng.standard_normal((2, 3)) * 0.7
    ev = net.evaluate(W)
    assert ev.method == "gauss-legendre" and ev.rank == 2
    assert ev.f_err < 1e-10 and np.max(ev.grad_err) < 1e-10  # error of the coarse (2/3) rule
    assert close(ev.grad, fd_grad(net.f, W), tol=1e-7)
    # negative control: the gradient without the conditional-mean term R E[Gξ] fails
    wrong = ev.grad - (ev.grad - np.outer(ev.grad @ np.linalg.solve(net.S, net.u) / net.uSu, net.u))
    assert not close(wrong, fd_grad(net.f, W), tol=1e-7)


def test_hidden_layer_against_direct_monte_carlo():
    net, rng = _net(3, seed=1, n_mc=100_000)
    W = rng.standard_normal((3, 3)) * 0.5
    ev = net.evaluate(W)
    assert ev.method == "monte-carlo" and ev.rank == 3
    Z = sample_z("gaussian", 100_000, net.S, net.u, rng=99)
    F = np.tanh(Z @ W.T) @ net.theta
    vals = LOGISTIC.phi(F)
    f_mc, f_se = vals.mean(), vals.std(ddof=1) / np.sqrt(len(vals))
    assert abs(ev.f - f_mc) <= 5 * np.hypot(ev.f_err, f_se)
    G = net.theta * LOGISTIC.d1(F)[:, None] * (1 - np.tanh(Z @ W.T) ** 2)  # (N, m)
    per = G[:, :, None] * Z[:, None, :]
    g_mc, g_se = per.mean(0), per.std(0, ddof=1) / np.sqrt(len(Z))
    assert np.all(np.abs(ev.grad - g_mc) <= 5 * np.hypot(ev.grad_err, g_se))
    # negative control: a gradient with the sign of θ flipped is rejected
    assert np.any(np.abs(-ev.grad - g_mc) > 5 * np.hypot(ev.grad_err, g_se))


def test_hidden_layer_rank_zero_and_one():
    net, _ = _net(2)
    W0 = np.zeros((2, 3))
    ev = net.evaluate(W0)
    assert ev.method == "exact" and ev.rank == 0 and ev.f == pytest.approx(np.log(2))
    W1 = np.outer([1.0, -2.0], net.w_star_direction)
    ev1 = net.evaluate(W1)
    assert ev1.rank == 1
    assert close(ev1.grad, fd_grad(net.f, W1))


def test_hidden_unit_problem_is_a_halfspace_like_problem():
    net, rng = _net(3)
    W = np.zeros((3, 3))
    W[0] = 1.3 * net.w_star_direction  # trained unit, parallel to S⁻¹u
    i = 1
    U = net.unit(i, W)
    w, g = rng.standard_normal(3), 0.8
    assert close(U.grad_w(w, g), fd_grad(lambda v: U.f_bn(v, g), w))
    assert close(U.dg(w, g), fd_grad(lambda x: U.f_bn(w, float(x)), np.array(g)))
    assert U.last_error.method == "gauss-legendre"
    # the other units are zero or ∥ S⁻¹u: ∇_i f lies in span{u, S w̃_i} (MATH §6) → GDNP identity
    nw = U.s_norm(w)
    step = -(nw**3) / (U.L * g * U.h(w, g)) * U.grad_w(w, g)
    eta = nw**2 / (2 * U.L * abs(U.rho(w))) * U.grad_rho(w)
    np.testing.assert_allclose(step, eta, rtol=1e-9)
    assert U.f_bn(w, g) == net.f_bn_unit(i, W, w, g)
    np.testing.assert_array_equal(U.grad_w(w, g), net.grad_w_unit(i, W, w, g))
    assert U.dg(w, g) == net.dg_unit(i, W, w, g) and U.h(w, g) == net.h_unit(i, W, w, g)
    assert U.zeta == net.zeta_unit(i) > 0
    assert U.c1_c2(np.zeros(3))[1] == pytest.approx(net.evaluate(W).stein_diag[i])
    # negative control: another unit NOT parallel to S⁻¹u breaks the reduction
    W[0] = rng.standard_normal(3)
    V = net.unit(i, W)
    step = -(nw**3) / (V.L * g * V.h(w, g)) * V.grad_w(w, g)
    assert not np.allclose(step, eta, rtol=1e-6)


# --------------------------------------------------------------------------------------------
# error paths
# --------------------------------------------------------------------------------------------


def _unit_dg_reference(net, W, i, w, g):
    r"""Independent reference for :math:`\partial_g f` of unit ``i`` (one other nonzero unit ``j``
    in ``W``): iterated integral, outer over :math:`r=z^\top w/\|w\|_S` by composite
    Gauss--Legendre with panels of width 0.25 in the loss variable :math:`t=gr` near :math:`r=0`
    (MATH §9 pitfall 6), inner over :math:`p_j\mid r` by 200-node Gauss--Hermite."""
    from numpy.polynomial.hermite_e import hermegauss
    from numpy.polynomial.legendre import leggauss

    S, u = net.S, net.u
    Sig = S - np.outer(u, u)
    wn = w / np.sqrt(w @ S @ w)
    a, vr = u @ wn, wn @ Sig @ wn
    (j,) = [k for k in range(net.m) if k != i and np.any(W[k] != 0)]
    mj, vj, cj = W[j] @ u, W[j] @ Sig @ W[j], W[j] @ Sig @ wn
    sd = np.sqrt(vr)
    br = np.linspace(a - 14 * sd, a + 14 * sd, 113)
    near = np.arange(-40.0, 40.0 + 1e-9, 0.25) / abs(g)
    br = np.unique(np.concatenate((br, near[(near > br[0]) & (near < br[-1])])))
    x, wx = leggauss(20)
    half, mid = 0.5 * np.diff(br), 0.5 * (br[1:] + br[:-1])
    r = (mid[:, None] + half[:, None] * x).ravel()
    wr = (half[:, None] * wx).ravel() * np.exp(-0.5 * (r - a) ** 2 / vr) / np.sqrt(2 * np.pi * vr)
    xh, wh = hermegauss(200)
    pj = (mj + cj / vr * (r - a))[:, None] + np.sqrt(vj - cj * cj / vr) * xh[None, :]
    tg = np.tanh(g * r)
    F = net.theta[j] * np.tanh(pj) + net.theta[i] * tg[:, None]
    inner = LOGISTIC.d1(F) @ (wh / np.sqrt(2 * np.pi))
    return float(wr @ (inner * net.theta[i] * (1 - tg * tg) * r))


def test_unit_dg_large_length_against_reference():
    """A network unit's ∂_g f at large lengths (MATH §6, unit 2 with unit 1 ∥ S⁻¹u): the graded
    panels (fine only at the unit's tanh transition) match an independent loss-variable reference
    to 1e-6 relative (measured ≤ 1e-9 at the default rule) up to |g| = 1000, including the sign
    change near g ≈ −14 and ∂_g f < 0 beyond (a finite optimal length).  Negative control: the
    same rule capped at 30 uniform panels (the behaviour before the graded panels) gets the sign
    wrong at g = −100 -- and its reported error exceeds |∂_g f|, so the cap is visible."""
    rng = np.random.default_rng(0)
    S = random_spd(3, 4.0, rng)
    v = rng.standard_normal(3)
    u = v * np.sqrt(0.5 / (v @ np.linalg.solve(S, v)))
    w = rng.standard_normal((2, 3))[1]
    W = np.zeros((2, 3))
    net = OneHiddenLayer(S, u, [1.0, 0.5], LOGISTIC)
    W[0] = 1.5 * net.w_star_direction / np.sqrt(net.uSu)
    P = net.unit(1, W)
    signs = []
    for g in (-10.0, -17.78, -100.0, -1000.0):
        ref = _unit_dg_reference(net, W, 1, w, g)
        val = float(P.dg(w, g))
        assert val == pytest.approx(ref, rel=1e-6), g
        signs.append(np.sign(ref))
    assert signs == [1.0, -1.0, -1.0, -1.0]
    capped = OneHiddenLayer(S, u, [1.0, 0.5], LOGISTIC, n_gl=8, max_panels=30).unit(1, W)
    bad = float(capped.dg(w, -100.0))
    err = float(np.abs(w) @ capped.last_error.grad_err[1]) / np.sqrt(w @ S @ w)
    assert np.sign(bad) != np.sign(_unit_dg_reference(net, W, 1, w, -100.0)) and err > abs(bad)


def test_graded_panels_cost_log_of_the_weight():
    """_graded_edges: O(log b) panels for a unit of weight b (uniform width π/(2b) would need
    ~18·2b/π); every panel is at most half its distance to the transition, or at most π/(2b).
    Control: the uniform rule at b = 1e4 needs more than 100 times as many panels."""
    from bntheory.problems import _graded_edges

    for b in (1.0, 1e2, 1e4):
        c, h = 0.3, 0.5 * np.pi / b
        e = _graded_edges([c], [h], 1.0, 10_000)
        widths, left = np.diff(e), e[:-1]
        dist = np.minimum(np.abs(left - c), np.abs(e[1:] - c))
        assert np.all((widths <= h * (1 + 1e-12)) | (widths <= 0.5 * np.abs(left - c) + 1e-15))
        assert e[0] == -9.0 and e[-1] == 9.0 and np.all(widths > 0) and dist.min() >= 0
        assert len(e) - 1 < 60 + 10 * np.log(b)
    assert (18 / h) > 100 * (len(e) - 1)
    assert len(_graded_edges([c], [h], 1.0, 20)) == 21  # the cap: max_panels uniform panels


def test_geometry_errors():
    with pytest.raises(NotSymmetricError, match="S is not symmetric"):
        OLSProblem([[1.0, 0.5], [0.0, 1.0]], [0.0, 1.0])
    with pytest.raises(NotPositiveDefiniteError, match="λ_min = -1"):
        OLSProblem([[1.0, 0.0], [0.0, -1.0]], [0.0, 1.0])
    with pytest.raises(ShapeMismatchError, match="u has length 3"):
        OLSProblem(np.eye(2), [0.0, 1.0, 2.0])
    with pytest.raises(NonFiniteError, match="u is not finite"):
        OLSProblem(np.eye(2), [np.nan, 1.0])
    P = OLSProblem(np.eye(2), [0.0, 1.0])
    with pytest.raises(DegenerateStartError, match="w = 0"):
        P.s_norm([0.0, 0.0])
    assert P.s_norm([0.0, 0.0], allow_zero=True) == 0.0
    with pytest.raises(DegenerateStartError, match="w = 0"):
        P.rho([0.0, 0.0])
    with pytest.raises(DegenerateStartError, match="uᵀw0 = 0"):
        P.check_start([1.0, 0.0])
    np.testing.assert_array_equal(P.check_start([1.0, 1.0]), [1.0, 1.0])
    with pytest.raises(ShapeMismatchError, match="w must have length d = 2"):
        P.a([1.0, 2.0, 3.0])
    with pytest.raises(NonFiniteError, match="g is not finite"):
        P.f_bn([1.0, 1.0], np.inf)
    with pytest.raises(ShapeMismatchError, match="X has 3 rows but y has length 2"):
        OLSProblem.from_data(np.ones((3, 2)), np.ones(2))
    with pytest.raises(ParameterError, match="g must be a real number"):
        PROBLEMS[1].h([1.0, 0, 0, 0], "x")


def test_model_validity_errors():
    with pytest.raises(ModelValidityError, match=r"uᵀS⁻¹u = 1\.25"):
        GaussianHalfspace(np.eye(2), [1.0, 0.5], LOGISTIC)
    with pytest.raises(ModelValidityError, match=r"uᵀS⁻¹u = 1\b"):
        GaussianHalfspace(np.eye(2), [1.0, 0.0], LOGISTIC)
    with pytest.raises(ModelValidityError):
        OneHiddenLayer(np.eye(2), [1.0, 0.5], [1.0])
    with pytest.raises(ModelValidityError):
        sample_z("gaussian", 10, np.eye(2), [1.0, 0.5])
    P = GaussianHalfspace(np.eye(2), [0.5, 0.0], LOGISTIC)
    with pytest.raises(ParameterError, match=r"\|a\| must be <= 1"):
        P.moments(1.0, 1.5)
    with pytest.raises(ParameterError, match="quad must be"):
        GaussianHalfspace(np.eye(2), [0.5, 0.0], LOGISTIC, quad="fast")
    assert GaussianHalfspace(np.eye(2), [0.5, 0.0], LOGISTIC, quad=GaussRule(n_gh=60)).quad.n_gh == 60
    with pytest.raises(ParameterError, match="unknown loss"):
        GaussianHalfspace(np.eye(2), [0.5, 0.0], "hinge")


def test_sampler_and_battery_errors():
    with pytest.raises(ParameterError, match="unknown sample kind 'cauchy'"):
        sample_z("cauchy", 10, np.eye(2), [0.1, 0.0])
    with pytest.raises(ParameterError, match="delta must be in"):
        sample_z("mixture", 10, np.eye(2), [0.1, 0.0], delta=1.0)
    with pytest.raises(ParameterError, match="n must be at least 1"):
        sample_z("gaussian", 0, np.eye(2), [0.1, 0.0])
    with pytest.raises(ParameterError, match="rng must be"):
        sample_z("gaussian", 3, np.eye(2), [0.1, 0.0], rng="seed")
    with pytest.raises(ParameterError, match="kappa must be >= 1"):
        random_spd(3, 0.5)
    with pytest.raises(ParameterError, match="d = 1 admits only kappa = 1"):
        random_spd(1, 2.0)
    with pytest.raises(ParameterError, match="uSu must be > 0"):
        random_problem("ols", 3, 2.0, 0, uSu=0.0)
    with pytest.raises(ParameterError, match="unknown problem kind"):
        random_problem("mlp", 3, 2.0, 0)
    with pytest.raises(ParameterError, match="kappa > 1"):
        tight_problem("ols", 1.0)
    with pytest.raises(ModelValidityError):
        random_problem("halfspace", 3, 2.0, 0, uSu=1.5)


def test_hidden_layer_errors():
    net, _ = _net(2)
    with pytest.raises(ShapeMismatchError, match=r"W must have shape \(m, d\) = \(2, 3\)"):
        net.evaluate(np.zeros((3, 3)))
    with pytest.raises(ParameterError, match="unit index i must be < m = 2"):
        net.unit(2, np.zeros((2, 3)))
    with pytest.raises(ShapeMismatchError, match="at least one unit"):
        OneHiddenLayer(np.eye(2), [0.1, 0.0], [])
    with pytest.raises(NonFiniteError, match="theta is not finite"):
        OneHiddenLayer(np.eye(2), [0.1, 0.0], [np.nan])
