"""Solvers of bntheory.solvers (issue #4 items 2–4): Rayleigh-GD, GDNP, bisection, GD, BN-GD.

Each property is checked together with a negative control that must fail (MATH.md §7).
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from bntheory import errors
from bntheory.losses import LOGISTIC, SIGMOID
from bntheory.solvers.bisection import CAPPED_MAX_DOUBLINGS, bisect_length, bisect_lengths
from bntheory.solvers.bngd import bngd
from bntheory.solvers.gd import gd
from bntheory.solvers.gdnp import gdnp, length_search, scalar_model
from bntheory.solvers.rayleigh import rayleigh_gd, rayleigh_step

from bntheory.problems import GaussianHalfspace, OLSProblem


# --------------------------------------------------------------------------- instances
def random_spd(d, kappa, rng):
    """``S = Q diag(λ) Qᵀ`` with ``λ`` log-spaced in ``[1/κ, 1]`` (so ``L = 1``, ``μ = 1/κ``)."""
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    S = (Q * np.geomspace(1.0 / kappa, 1.0, d)) @ Q.T
    return 0.5 * (S + S.T)


def make_ols(d, kappa, seed=0):
    """An OLS instance as ``(S, u)`` (the solvers accept any object with ``S``, ``u`` or a pair)."""
    rng = np.random.default_rng(seed)
    return random_spd(d, kappa, rng), rng.standard_normal(d)


def make_halfspace(d, kappa, r2, loss=LOGISTIC, seed=0):
    """A Gaussian halfspace instance with ``uᵀS⁻¹u = r2 < 1`` (MATH.md §4.1, assumption 4)."""
    rng = np.random.default_rng(seed)
    S = random_spd(d, kappa, rng)
    u = rng.standard_normal(d)
    u *= np.sqrt(r2 / float(u @ np.linalg.solve(S, u)))
    return GaussianHalfspace(S, u, loss)


@contextlib.contextmanager
def quadrature_calls():
    """The sizes of the vectorised quadrature calls of scalar_model made inside the block."""
    calls = []
    orig = scalar_model._vector

    def counting(self, gs, a):
        calls.append(np.size(gs))
        return orig(self, gs, a)

    scalar_model._vector = counting
    try:
        yield calls
    finally:
        scalar_model._vector = orig


def rel_dev(W1, W2):
    """Largest relative deviation between two stacks of iterates."""
    return float(np.max(np.linalg.norm(W1 - W2, axis=1) / np.linalg.norm(W2, axis=1)))


# --------------------------------------------------------------------------- Rayleigh-GD
def test_rayleigh_step_is_gradient_step_with_paper_eta():
    """Closed form = w − η∇ρ(w) with η = wᵀSw/(2L|ρ|) (MATH.md §3); a wrong η (factor 2) differs."""
    S, u = make_ols(6, 10.0, seed=1)
    w = np.random.default_rng(2).standard_normal(6)
    L = np.linalg.eigvalsh(S)[-1]
    w1, eta, rho = rayleigh_step(S, u, w, L)
    wSw, uw = w @ S @ w, u @ w
    grad = -(2 * uw / wSw) * (u - (uw / wSw) * S @ w)
    assert np.allclose(w1, w - eta * grad, rtol=1e-13, atol=0)
    assert abs(eta - wSw / (2 * L * abs(rho))) <= 1e-15 * eta
    assert not np.allclose(w1, w - 2 * eta * grad, rtol=1e-6, atol=0)  # negative control


def test_rayleigh_scale_equivariance():
    """w₀ → c w₀ gives w_t → c w_t (MATH.md §3); a non-homogeneous step would not."""
    P = make_ols(5, 10.0, seed=3)
    w0 = np.random.default_rng(4).standard_normal(5)
    r1 = rayleigh_gd(P, w0, 20, store_iterates=True)
    r2 = rayleigh_gd(P, 7.5 * w0, 20, store_iterates=True)
    assert rel_dev(r2.w, 7.5 * r1.w) < 1e-13
    assert np.allclose(r1.gap, r2.gap, rtol=1e-9, atol=1e-15)
    assert rel_dev(r2.w, r1.w) > 1.0  # negative control: the iterates are not scale-invariant


def test_rayleigh_result_fields_and_tol():
    P = make_ols(4, 10.0, seed=5)
    r = rayleigh_gd(P, np.ones(4), 500, tol=1e-10)
    assert r.success and r.method == "rayleigh" and r.nit < 500
    assert r.rho.shape == (r.nit + 1,) and r.eta.shape == (r.nit,)
    assert r.gap[-1] <= 1e-10 * abs(r.rho_star) and r.gap[-2] > 1e-10 * abs(r.rho_star)
    assert set(r.trace()) == {"rho", "gap", "eta"}


def test_rayleigh_mpmath_follows_decay_to_1e30():
    """Issue item 4: in 60 digits the gap is followed to (ρ−ρ*)/|ρ*| ≤ 1e-30 and the float64 run
    agrees with it above the float64 floor."""
    P = make_ols(3, 3.0, seed=6)
    w0 = np.array([1.0, -0.5, 0.25])
    rm = rayleigh_gd(P, w0, 400, precision="mpmath")
    rf = rayleigh_gd(P, w0, rm.nit)
    assert rm.gap[-1] <= 1e-30 * abs(rm.rho_star) and rm.message == "reached tol"
    above = rm.gap > 1e-7 * abs(rm.rho_star)
    assert np.allclose(rf.gap[above], rm.gap[above], rtol=1e-6)
    # float64 cannot follow it: its last gap sits at the rounding floor, far above 1e-30·|ρ*|
    assert abs(rf.gap[-1]) > 1e3 * rm.gap[-1] or rf.gap[-1] <= 0


def test_rayleigh_bad_inputs():
    S, u = make_ols(3, 10.0)
    with pytest.raises(errors.DegenerateStartError, match="w0 = 0"):
        rayleigh_gd((S, u), np.zeros(3), 5)
    v = np.array([u[1], -u[0], 0.0])
    with pytest.raises(errors.DegenerateStartError, match="uᵀw0 = 0"):
        rayleigh_gd((S, u), v, 5)
    with pytest.raises(errors.StepSizeError, match="L must be positive"):
        rayleigh_gd((S, u), np.ones(3), 5, L=0.0)
    with pytest.raises(errors.StepSizeError, match="below λ_max"):
        rayleigh_gd((S, u), np.ones(3), 5, L=0.5)
    with pytest.raises(errors.NonFiniteError, match="w0"):
        rayleigh_gd((S, u), np.array([1.0, np.nan, 0.0]), 5)
    with pytest.raises(errors.NonFiniteError, match="L"):
        rayleigh_gd((S, u), np.ones(3), 5, L=np.inf)
    with pytest.raises(errors.ShapeMismatchError, match="w0 has length 2"):
        rayleigh_gd((S, u), np.ones(2), 5)
    with pytest.raises(errors.ShapeMismatchError, match="u has length"):
        rayleigh_gd((S, np.ones(4)), np.ones(3), 5)
    with pytest.raises(errors.ParameterError, match="n_iter"):
        rayleigh_gd((S, u), np.ones(3), -1)
    with pytest.raises(errors.ParameterError, match="precision"):
        rayleigh_gd((S, u), np.ones(3), 5, precision="float32")
    with pytest.raises(errors.NotPositiveDefiniteError):
        rayleigh_gd((-S, u), np.ones(3), 5)
    # the adversarial start uᵀw₀ ≈ 1e-6 is valid (negative control of the degeneracy test)
    assert rayleigh_gd((S, u), v + 1e-6 * u / np.linalg.norm(u), 3).success


# --------------------------------------------------------------------------- bisection
def test_bisection_bracket_and_left_end():
    root = 2.9
    for side, fun in ((+1.0, lambda g: g - root), (-1.0, lambda g: g + root)):
        r = bisect_length(fun, 10, side)
        assert r.a0 <= -side * 0 <= r.b0 or True
        assert r.width0 == r.b0 - r.a0 == 4.0 and r.n_doublings == 2
        assert r.a <= side * root <= r.b and r.b - r.a == 4.0 * 2.0 ** -10
        assert r.g == r.a and r.dg == fun(r.a) and r.dg < 0  # the left end, derivative < 0
    assert bisect_length(lambda g: g - root, 0, +1.0).g == 0.0  # T_s = 0: a⁽⁰⁾ itself


def test_bisection_errors():
    with pytest.raises(errors.ParameterError, match="T_s must be at least 0, got T_s = -1"):
        bisect_length(lambda g: g - 1, -1, 1.0)
    with pytest.raises(errors.BracketError, match="max_doublings = 5.*∂_g f\\(32\\) = -1"):
        bisect_length(lambda g: -1.0, 3, 1.0, max_doublings=5)
    with pytest.raises(errors.NoFiniteLengthError, match="no finite optimal length"):
        bisect_length(lambda g: -np.exp(-g), 3, 1.0, max_doublings=5, finite_length=False)
    r = bisect_length(lambda g: -np.exp(-g), 3, 1.0, max_doublings=5, finite_length=False,
                      on_no_finite_length="cap")
    assert r.capped and r.g == 32.0
    with pytest.raises(errors.NonFiniteError, match="∂_g f is not finite"):
        bisect_length(lambda g: np.nan, 3, 1.0)
    with pytest.raises(errors.ParameterError, match="side"):
        bisect_length(lambda g: g, 3, 0.5)
    with pytest.raises(errors.ParameterError, match="B0"):
        bisect_length(lambda g: g, 3, 1.0, B0=0.0)


# --------------------------------------------------------------------------- GDNP
@pytest.mark.parametrize("T_s", [0, 3, 20])
def test_gdnp_direction_equals_rayleigh_logistic(T_s):
    """Issue item 5 / MATH.md §4.4: GDNP direction iterates = Rayleigh-GD iterates (1e-12 rel.)."""
    P = make_halfspace(8, 10.0, 0.9, LOGISTIC, seed=7)
    for w0 in (np.random.default_rng(8).standard_normal(8), -np.random.default_rng(9).standard_normal(8)):
        r = gdnp(P, w0, 25, T_s, store_iterates=True, diagnostics=False)
        q = rayleigh_gd(P, w0, 25, store_iterates=True)
        assert rel_dev(r.w, q.w) < 1e-12
        assert np.allclose(r.rho, q.rho, rtol=1e-12, atol=0)


def test_gdnp_seed_h_typo_is_rejected():
    """Negative control: the seed's h = E[φ']uᵀw − E[φ''](uᵀw)² (MATH.md §4.4) breaks the identity."""
    P = make_halfspace(8, 10.0, 0.9, LOGISTIC, seed=7)
    w = np.random.default_rng(8).standard_normal(8)
    r = gdnp(P, w, 1, 20, store_iterates=True, diagnostics=False)
    q = rayleigh_gd(P, w, 1, store_iterates=True)
    g, a = r.g[0], r.a[0]
    _, e1, e2 = P.moments(g, a)
    uw, wSw = P.u @ w, w @ P.S @ w
    c1 = e1 - e2 * g * a
    h_seed = e1 * uw - e2 * uw ** 2
    grad_w = (g * c1 / np.sqrt(wSw)) * (P.u - (uw / wSw) * P.S @ w)
    w_seed = w + wSw ** 1.5 / (P.L * g * h_seed) * grad_w
    assert rel_dev(r.w[1:], q.w[1:]) < 1e-12
    assert rel_dev(w_seed[None], q.w[1:]) > 1e-3


def test_gdnp_sigmoid_capped_length_keeps_identity():
    """Sigmoid has no finite optimal length (MATH.md §4.1): the search raises, or runs capped at
    B₀·2^CAPPED_MAX_DOUBLINGS and flagged; the direction iterates still equal Rayleigh-GD's."""
    P = make_halfspace(6, 10.0, 0.9, SIGMOID, seed=10)
    w0 = np.random.default_rng(11).standard_normal(6)
    w0 *= -np.sign(P.u @ w0)  # a good direction: uᵀw₀ < 0
    with pytest.raises(errors.NoFiniteLengthError, match="no finite optimal length"):
        gdnp(P, w0, 5, 10, diagnostics=False)
    r = gdnp(P, w0, 15, 10, on_no_finite_length="cap", store_iterates=True, diagnostics=False)
    q = rayleigh_gd(P, w0, 15, store_iterates=True)
    assert rel_dev(r.w, q.w) < 1e-12
    assert r.capped.any() and not r.success and "capped" in r.message
    assert np.all(np.abs(r.g[r.capped]) == 2.0 ** CAPPED_MAX_DOUBLINGS)


def test_gdnp_zero_length_extension_flagged():
    """T_s = 0 with uᵀw < 0 returns g_t = a⁽⁰⁾ = 0, where s_t of MATH.md §4.4 is undefined; the
    continuous extension is flagged and keeps the Rayleigh identity."""
    P = make_halfspace(5, 10.0, 0.9, LOGISTIC, seed=12)
    w0 = np.random.default_rng(13).standard_normal(5)
    w0 *= -np.sign(P.u @ w0)
    r = gdnp(P, w0, 10, 0, store_iterates=True, diagnostics=False)
    q = rayleigh_gd(P, w0, 10, store_iterates=True)
    assert r.g_zero_step.all() and np.all(r.g == 0.0) and np.all(np.isnan(r.s))
    assert rel_dev(r.w, q.w) < 1e-12


def test_gdnp_identities_on_trace():
    """MATH.md §2, §4.3 on the recorded trace: ‖w‖²_S‖∇_w f‖²_{S⁻¹} = g²c₁²(ρ−ρ*) and the S⁻¹
    split ‖∇f(w̃)‖²_{S⁻¹} = c₁²(ρ−ρ*) + (∂_g f)²; dropping (∂_g f)² is rejected."""
    P = make_halfspace(6, 10.0, 0.9, LOGISTIC, seed=14)
    r = gdnp(P, np.random.default_rng(15).standard_normal(6), 8, 1)
    lhs = r.dir_grad_sq
    assert np.allclose(lhs, r.g ** 2 * r.c1 ** 2 * r.gap, rtol=1e-7, atol=1e-14)
    assert np.allclose(r.grad_dual_sq, r.c1 ** 2 * r.gap + r.dg ** 2, rtol=1e-7, atol=1e-14)
    assert not np.allclose(r.grad_dual_sq, r.c1 ** 2 * r.gap, rtol=1e-3, atol=1e-14)
    assert r.x.shape == (6,) and np.isfinite(r.fun)
    assert r.s.shape == (8,) and r.g.shape == (9,)


def test_gdnp_bad_inputs():
    P = make_halfspace(3, 10.0, 0.5)
    v = np.array([P.u[1], -P.u[0], 0.0])
    with pytest.raises(errors.DegenerateStartError):
        gdnp(P, np.zeros(3), 2, 2)
    with pytest.raises(errors.DegenerateStartError, match="uᵀw0 = 0"):
        gdnp(P, v, 2, 2)
    with pytest.raises(errors.ParameterError, match="T_s must be at least 0, got T_s = -2"):
        gdnp(P, np.ones(3), 2, -2)
    with pytest.raises(errors.ParameterError, match="T_d"):
        gdnp(P, np.ones(3), -1, 2)
    with pytest.raises(errors.StepSizeError, match="L must be positive"):
        gdnp(P, np.ones(3), 2, 2, L=-1.0)
    with pytest.raises(errors.StepSizeError, match="below λ_max"):
        gdnp(P, np.ones(3), 2, 2, L=0.5 * P.L)
    with pytest.raises(errors.NonFiniteError):
        gdnp(P, np.array([np.inf, 1.0, 1.0]), 2, 2)
    with pytest.raises(errors.ShapeMismatchError):
        gdnp(P, np.ones(4), 2, 2)
    with pytest.raises(errors.ParameterError, match="on_no_finite_length"):
        gdnp(P, np.ones(3), 2, 2, on_no_finite_length="ignore")
    with pytest.raises(errors.BracketError, match="max_doublings = 0"):
        gdnp(P, np.ones(3), 2, 2, B0=1e-9, max_doublings=0)


# --------------------------------------------------------------------------- GD and BN-GD
def test_gd_ols_rate_and_bad_step():
    from bntheory.bounds import gd_ols_bound

    S, u = make_ols(10, 10.0, seed=16)

    P = OLSProblem(S, u)
    r = gd(P, np.zeros(10), 60)
    assert r.step == pytest.approx(0.5)  # 1/(2L), L = 1
    assert gd_ols_bound(P, r).check().holds
    assert not gd_ols_bound(P, r, power=4).check().holds  # negative control
    with pytest.raises(errors.StepSizeError, match="step must be positive"):
        gd(P, np.zeros(10), 3, step=-0.1)
    with pytest.raises(errors.ShapeMismatchError):
        gd(P, np.zeros(9), 3)


def test_gd_halfspace_default_step_is_one_over_zeta():
    P = make_halfspace(4, 10.0, 0.5)
    r = gd(P, np.zeros(4), 3)
    assert r.step == pytest.approx(1.0 / P.zeta) and np.all(np.diff(r.f) <= 1e-15)


def test_bngd_weight_norm_never_decreases_and_converges():
    """MATH.md §2: w ⊥ ∇_w f_BN, so ‖w_{t+1}‖² = ‖w_t‖² + η²‖∇_w f‖² ≥ ‖w_t‖²."""
    P = make_halfspace(5, 10.0, 0.9, seed=17)
    r = bngd(P, np.random.default_rng(18).standard_normal(5), 1.0, 200, eta_w=1.0, eta_g=2.0)
    assert np.all(np.diff(r.w_norm) >= -1e-14)
    eta2 = r.w_norm[1:] ** 2 - r.w_norm[:-1] ** 2
    assert np.allclose(eta2, 1.0 * r.grad_w_sq[:-1], rtol=1e-8, atol=1e-13 * r.w_norm[-1] ** 2)
    assert not np.allclose(eta2, 0.0, atol=1e-12)  # negative control: the norm does grow
    assert r.gap[-1] < 0.5 * r.gap[0] and r.grad_dual_sq[-1] < r.grad_dual_sq[0]
    with pytest.raises(errors.StepSizeError, match="eta_g"):
        bngd(P, np.ones(5), 1.0, 3, eta_w=1.0, eta_g=0.0)
    with pytest.raises(errors.DegenerateStartError):
        bngd(P, np.zeros(5), 1.0, 3, eta_w=1.0, eta_g=1.0)


# --------------------------------------------------------------------------- batched bisection, generic path, alternating
@pytest.mark.parametrize("seed", range(6))
def test_batched_bisection_is_bit_identical_to_sequential(seed):
    """The batched replay returns exactly the sequential search (bracket, left end, ∂_g f there,
    doublings), also for several sign changes and an exact zero at a midpoint; a replay that
    takes the other half at each step (negative control) does not."""
    rng = np.random.default_rng(seed)
    roots = np.sort(rng.uniform(0.1, 40.0, 3))
    fun = lambda g: -np.prod(np.subtract.outer(np.asarray(g, dtype=float), roots), axis=-1)  # noqa: E731
    for side, T_s, B0 in ((1.0, 20, 0.3), (1.0, 7, 5.0), (-1.0, 13, 1.0)):
        f = (lambda g: fun(side * g)) if side < 0 else fun
        seq = bisect_length(lambda g: float(f(g)), T_s, side, B0=B0)
        r0 = side * roots[0]
        for depth, spec, win in ((1, 16, None), (3, 0, None), (4, 16, None), (5, 2, None),
                                 (4, 16, (r0 - 0.5, r0 + 0.5)), (4, 8, (-50.0, 50.0)),
                                 (4, 16, (1e3, 2e3))):
            bat = bisect_length(lambda g: float(f(g)), T_s, side, B0=B0, dg_batch=f, batch_depth=depth,
                                speculate=spec, window=win)
            assert (bat.g, bat.dg, bat.a, bat.b, bat.a0, bat.b0, bat.n_doublings) == \
                   (seq.g, seq.dg, seq.a, seq.b, seq.a0, seq.b0, seq.n_doublings)
        # negative control: a batch whose values disagree with the scalar ∂_g f off 0 is not identical
        wrong = bisect_length(lambda g: float(f(g)), T_s, side, B0=B0,
                              dg_batch=lambda g: f(np.asarray(g) * 1.37))
        assert (wrong.g, wrong.b, wrong.a0) != (seq.g, seq.b, seq.a0)
    exact = bisect_length(lambda g: g - 3.0, 6, 1.0, B0=4.0, dg_batch=lambda g: np.asarray(g) - 3.0)
    assert exact.g == exact.b == 3.0 and exact.dg == 0.0  # bracket [0, 4]: midpoints 2, then 3 = root


def test_speculative_replay_calls_and_errors():
    """The speculative replay (bisect_length ``speculate``/``window``): one smooth root, T_s = 20,
    bracket found by the first probe: 3 calls (first probe + Lobatto points, the zoomed cell, the
    predicted path), 2 when a window holds the root, 4 when it does not (coarse points and zoom
    then come in calls of their own); control: without speculation the tree needs 1 + 20/4 = 6.  Same result in every case.  A mispredicting interpolant (values far off
    the root's side, a wrong window) costs calls, never a different result.  Bad input raises."""
    f = lambda g: np.tanh(np.asarray(g, dtype=float) - 3.3) + 0.05 * np.asarray(g)  # noqa: E731
    seq = bisect_length(lambda g: float(f(g)), 20, 1.0, B0=5.0)
    runs = {key: bisect_length(lambda g: float(f(g)), 20, 1.0, B0=5.0, dg_batch=f, **kw)
            for key, kw in (("spec", {}), ("window", {"window": (3.0, 3.6)}),
                            ("wrong window", {"window": (0.5, 1.0)}), ("tree", {"speculate": 0}))}
    for r in runs.values():
        assert (r.g, r.dg, r.a, r.b, r.a0, r.b0) == (seq.g, seq.dg, seq.a, seq.b, seq.a0, seq.b0)
    assert runs["spec"].n_calls == 3 and runs["window"].n_calls == 2
    assert runs["wrong window"].n_calls == 4 and runs["tree"].n_calls == 6
    # control: an interpolant fed values that are wrong away from the evaluated path mispredicts;
    # the tree fallback keeps the result (and costs calls)
    calls = []

    def liar(gs):
        gs = np.asarray(gs, dtype=float)
        calls.append(gs.size)
        return f(gs) if len(calls) != 2 else f(gs + 0.7)  # the zoom call lies

    r = bisect_length(lambda g: float(f(g)), 20, 1.0, B0=5.0, dg_batch=liar)
    assert (r.g, r.a0, r.b0) == (seq.g, seq.a0, seq.b0) and r.n_calls > 3
    for bad, exc in (({"speculate": -1}, errors.ParameterError), ({"window": (2.0, 1.0)}, errors.ParameterError),
                     ({"window": (1.0,)}, errors.ParameterError), ({"window": (np.nan, 1.0)}, errors.NonFiniteError)):
        with pytest.raises(exc):
            bisect_length(lambda g: float(f(g)), 20, 1.0, dg_batch=f, **bad)


def test_gdnp_generic_path_equals_gaussian_path():
    """The generic path (problem.dg/h/grad_w) gives the same trace as the one-dimensional path on a
    Gaussian halfspace (negative control: a different T_s changes the lengths)."""
    P = make_halfspace(5, 10.0, 0.8, LOGISTIC, seed=30)

    class Plain:  # the halfspace interface without `quad`: forces the generic path
        def __init__(self, P):
            self.P, self.S, self.u, self.mu, self.L, self.loss = P, P.S, P.u, P.mu, P.L, P.loss

        def __getattr__(self, name):
            if name == "quad":
                raise AttributeError(name)
            return getattr(self.P, name)

    w0 = np.random.default_rng(31).standard_normal(5)
    r = gdnp(P, w0, 6, 12)
    q = gdnp(Plain(P), w0, 6, 12)
    assert r.path == "gaussian-1d" and q.path == "generic"
    np.testing.assert_allclose(q.g, r.g, rtol=1e-12)
    np.testing.assert_allclose(q.gap, r.gap, rtol=1e-10)
    np.testing.assert_allclose(q.grad_dual_sq, r.grad_dual_sq, rtol=1e-8)
    assert not np.allclose(gdnp(Plain(P), w0, 6, 5).g, r.g, rtol=1e-6)


def _lockstep_reference(funs, T_s, sides, probes=4, chunk=1024, levels=1, **kw):
    """bisect_lengths on the searches ``funs`` next to the sequential bisect_length of each: the
    entries of the former, and the results (or raised exceptions) of the latter."""
    got = bisect_lengths(lambda i, g: np.array([funs[k](x) for k, x in zip(i, g)]), T_s, sides,
                         probes=probes, chunk=chunk, levels=levels, **kw)
    ref = []
    for f, side in zip(funs, sides):
        try:
            ref.append(bisect_length(f, T_s, side, **kw))
        except (errors.BracketError, errors.NoFiniteLengthError, errors.NonFiniteError,
                errors.ParameterError) as exc:
            ref.append(exc)
    return got, ref


def test_lockstep_bisection_equals_sequential():
    """bisect_lengths (all searches in shared rounds) decides exactly as bisect_length, search by
    search: brackets, left end, ∂_g f there, doublings; a search failing (doubling limit, NaN, a
    bad side) becomes its entry, the others go on; an exact zero at a midpoint or at 0 stops a
    search early.  Negative control: a lockstep whose values are shifted is not identical."""
    rng = np.random.default_rng(40)
    roots = list(rng.uniform(-60.0, 60.0, 9)) + [3.0, -0.75]  # 3 = a midpoint of [0, 4]
    funs = [(lambda g, r=r: float(np.tanh(g - r) + 0.01 * (g - r))) for r in roots]
    funs += [lambda g: 0.0 * g,                                  # ∂_g f(0) = 0: g = 0 at once
             lambda g: -1.0 - 0.0 * g,                           # no sign change: BracketError
             lambda g: np.nan if g > 5.0 else float(g - 9.0),    # NaN on the way: NonFiniteError
             lambda g: np.nan if 5.0 < g < 7.0 else g - 6.5,     # NaN at a midpoint (6)
             lambda g: np.nan if 6.4 < g < 6.6 else g - 7.3]     # NaN at 6.5: in a tree, not visited
    sides = [1.0 if r > 0 else -1.0 for r in roots] + [1.0] * 5
    sides[1] = 0.0  # a bad side: ParameterError for that search only
    for T_s, kw in ((20, {}), (0, {}), (20, {"levels": 3}), (6, {"levels": 4}),
                    (6, {"B0": 4.0, "max_doublings": 8, "probes": 3, "chunk": 5, "levels": 2})):
        got, ref = _lockstep_reference(funs, T_s, sides, **kw)
        for gr, rr in zip(got, ref):
            if isinstance(rr, Exception):
                assert type(gr) is type(rr) and str(gr) == str(rr)
            else:
                assert (gr.g, gr.dg, gr.a, gr.b, gr.a0, gr.b0, gr.width0, gr.n_doublings, gr.capped) == \
                       (rr.g, rr.dg, rr.a, rr.b, rr.a0, rr.b0, rr.width0, rr.n_doublings, rr.capped)
        kinds = [type(x).__name__ for x in got]
        n_nan = 2 if T_s >= 2 else 1  # the NaN at the midpoint 6 is met at the second halving
        assert kinds.count("NonFiniteError") == n_nan and kinds.count("BisectionResult") == 14 - n_nan
        assert "BracketError" in kinds
        assert "ParameterError" in kinds
    assert got[11].g == 0.0 and got[11].n_calls == 1
    exact = bisect_lengths(lambda i, g: g - 3.0, 6, [1.0], B0=4.0, levels=1)[0]
    assert exact.g == exact.b == 3.0 and exact.dg == 0.0
    assert (exact.n_evals, exact.n_calls) == (7 + 2, 3)  # 0 and 4..128; 2; 3 (a zero: stop)
    exact = bisect_lengths(lambda i, g: g - 3.0, 6, [1.0], B0=4.0, levels=3)[0]
    assert exact.g == 3.0 and (exact.n_evals, exact.n_calls) == (7 + 7, 2)  # one tree of 7 midpoints
    # sigmoid-like (no finite length): capped or NoFiniteLengthError, as the sequential search
    cap_kw = {"max_doublings": 5, "finite_length": False}
    got, ref = _lockstep_reference([lambda g: -np.exp(-g)] * 2, 3, [1.0, 1.0], on_no_finite_length="cap",
                                   **cap_kw)
    assert got[0].capped and got[0].g == ref[0].g == 32.0 and got[0].width0 == ref[0].width0
    got, _ = _lockstep_reference([lambda g: -np.exp(-g)], 3, [1.0], **cap_kw)
    assert isinstance(got[0], errors.NoFiniteLengthError)
    # negative control: shifted values give other decisions
    shifted = bisect_lengths(lambda i, g: np.array([funs[k](x + 0.3) for k, x in zip(i, g)]), 20, sides)
    assert any(isinstance(a, type(b)) and getattr(a, "g", 0) != getattr(b, "g", 0)
               for a, b in zip(shifted, _lockstep_reference(funs, 20, sides)[1]))
    for bad, exc in (({"probes": 0}, errors.ParameterError), ({"chunk": 0}, errors.ParameterError),
                     ({"levels": 0}, errors.ParameterError),
                     ({"B0": -1.0}, errors.ParameterError),
                     ({"on_no_finite_length": "x"}, errors.ParameterError),
                     ({"max_doublings": -1}, errors.ParameterError)):
        with pytest.raises(exc):
            bisect_lengths(lambda i, g: g, 3, [1.0], **bad)
    with pytest.raises(errors.ParameterError, match="T_s"):
        bisect_lengths(lambda i, g: g, -1, [1.0])


def _no_empty(fun):
    """``dg_points`` that rejects an empty call (a round with no search left)."""
    def call(i, g):
        g = np.asarray(g, dtype=float)
        assert g.size, "dg_points called with no points"
        return fun(i, g)
    return call


def test_lockstep_stops_when_every_search_has_stopped():
    """bisect_lengths makes no more rounds once every search has stopped early (an exact zero at a
    midpoint, a non-finite value): dg_points is never called with no points.  The results are
    the sequential ones; control: the same searches without an early stop use every round."""
    for levels in (1, 2, 3):
        exact = bisect_lengths(_no_empty(lambda i, g: g - 3.0), 20, [1.0], B0=4.0, levels=levels)[0]
        ref = bisect_length(lambda g: g - 3.0, 20, 1.0, B0=4.0)
        assert (exact.g, exact.dg, exact.a, exact.b) == (ref.g, ref.dg, ref.a, ref.b) == (3.0, 0.0, 3.0, 3.0)
    got = bisect_lengths(_no_empty(lambda i, g: np.where(g > 2.5, np.nan, g - 7.0)), 20, [1.0], B0=4.0,
                         levels=1)
    assert isinstance(got[0], errors.NonFiniteError)  # midpoint 2, then 3: NaN (the only search)
    both = bisect_lengths(_no_empty(lambda i, g: np.where(i == 0, g - 3.0, np.where(g > 2.5, np.nan, g - 7.0))),
                          20, [1.0, 1.0], B0=4.0, levels=2)
    assert both[0].g == 3.0 and isinstance(both[1], errors.NonFiniteError)
    control = bisect_lengths(_no_empty(lambda i, g: g - 2.9), 20, [1.0], B0=4.0, levels=1)[0]
    assert control.n_calls == 1 + 20
    # one search stops, the other goes on alone (the replay's one-search form), as sequentially
    for levels in (1, 3):
        funs = [lambda g: g - 3.0, lambda g: np.tanh(g - 2.9)]
        got, ref = _lockstep_reference(funs, 20, [1.0, 1.0], B0=4.0, levels=levels)
        for gr, rr in zip(got, ref):
            assert (gr.g, gr.dg, gr.a, gr.b, gr.n_doublings) == (rr.g, rr.dg, rr.a, rr.b, rr.n_doublings)
        assert got[0].n_calls < got[1].n_calls == 1 + -(-20 // levels)


def test_gdnp_lockstep_call_count():
    """gdnp module docstring: ⌈T_s/D⌉ + 2 vectorised quadrature calls (one doubling round, the
    halving rounds, c₁), D = 4 levels per round for T_d = 0, 3 for T_d ≤ 5, 2 for T_d ≤ 30, 1
    beyond; not T_s/2 + 2 for every short run."""
    P = make_halfspace(6, 10.0, 0.9, LOGISTIC, seed=32)
    w0 = np.random.default_rng(33).standard_normal(6)
    with quadrature_calls() as calls:
        for T_d, D in ((0, 4), (1, 3), (5, 3), (6, 2), (30, 2), (31, 1), (40, 1)):
            calls.clear()
            r = gdnp(P, w0, T_d, 20, diagnostics=False)
            assert r.n_doublings.max() <= 5  # lengths below 32·B0: one doubling round
            assert len(calls) == -(-20 // D) + 2, (T_d, D, len(calls))


@pytest.mark.parametrize("T_s", [50, 56, 60])
def test_gdnp_lockstep_long_search_equals_sequential(T_s):
    """T_s = 50-60 on a logistic d = 4 Gaussian halfspace: the searches resolve their root to the
    last bit, so some stop at an exact ∂_g f = 0, at T_s = 60 all of them (the crash of a round
    with no points).  The lockstep run makes the sequential run's decisions bit for bit (g, ∂_g f
    there, brackets, doublings; the quadrature's values do not depend on the batch, and both
    schedules take the same closed-form step), and g_t does not depend on T_d (the batch).
    Control: the sequential search at directions one ulp off ends elsewhere at these T_s."""
    for seed in (0, 2, 4, 7):
        P = make_halfspace(4, 10.0, 0.9, LOGISTIC, seed=seed)
        w0 = np.random.default_rng(seed + 100).standard_normal(4)
        r = gdnp(P, w0, 56, T_s, diagnostics=False, store_iterates=True)
        s = gdnp(P, w0, 56, T_s, batched=False, diagnostics=False, store_iterates=True)
        for k in ("g", "dg", "a0", "b0", "n_doublings", "a", "c1", "w"):
            np.testing.assert_array_equal(r[k], s[k])
        for T_d in (0, 9, 20):
            short = gdnp(P, w0, T_d, T_s, diagnostics=False)
            for k in ("g", "dg", "a0", "b0", "c1"):
                np.testing.assert_array_equal(short[k], r[k][:T_d + 1])
    model = scalar_model(P)
    off = [length_search(model, np.nextafter(a, 2.0), T_s, batched=False).g for a in r.a]
    assert not np.array_equal(off, r.g)


def test_gdnp_lockstep_equals_sequential_and_warm_start():
    """Length schedules (gdnp docstring): the default lockstep run makes the decisions (g, a0, b0,
    doublings) of the scalar, sequential search (batched=False) from the same bracket B0, and the
    warm-started per-iteration run has the same direction trace and diagnostics (only the lengths'
    brackets differ).  The lockstep run's quadrature calls do not grow with T_d; negative
    controls: the warm start does change the brackets, and a per-search schedule would need
    calls ∝ T_d."""
    P = make_halfspace(6, 10.0, 0.9, LOGISTIC, seed=32)
    w0 = np.random.default_rng(33).standard_normal(6)
    r = gdnp(P, w0, 10, 16, store_iterates=True)
    s = gdnp(P, w0, 10, 16, batched=False, store_iterates=True)
    assert (r.length_schedule, s.length_schedule) == ("lockstep", "per-iteration") and r.warm_start is None
    for k in ("g", "a0", "b0", "n_doublings", "guarded", "g_zero_step"):  # same decisions
        np.testing.assert_array_equal(r[k], s[k])
    # the quadrature's values do not depend on the batch and both take the same closed-form step
    for k in ("w", "gap", "dg", "c1", "s"):
        np.testing.assert_array_equal(r[k], s[k])
    for k in ("dir_grad_sq", "grad_dual_sq", "grad_sq"):
        np.testing.assert_allclose(r[k], s[k], rtol=1e-9)
    np.testing.assert_allclose(r.width0, 2.0 ** r.n_doublings)  # cold: B0·2^k, B0 = 1
    assert r.fun == pytest.approx(P.f(r.x), rel=1e-12) and s.fun == pytest.approx(r.fun, rel=1e-12)
    # warm start: per iteration, speculative replay + root window, same direction trace
    warm = gdnp(P, w0, 10, 16, warm_start=2.0, store_iterates=True)
    assert warm.length_schedule == "per-iteration" and warm.warm_start == 2.0
    assert rel_dev(warm.w, s.w) < 1e-12 and rel_dev(warm.w, r.w) < 1e-12
    np.testing.assert_allclose(warm.gap, r.gap, rtol=1e-12)
    assert np.all(warm.n_calls[3:] <= 3) and np.any(warm.n_calls[3:] == 2)
    assert r.n_doublings.sum() > 2 * warm.n_doublings.sum()  # warm: ~no doublings once running
    np.testing.assert_allclose(warm.width0[1:], 2.0 * np.abs(warm.g[:-1]) * 2.0 ** warm.n_doublings[1:])
    assert not np.array_equal(warm.b0, r.b0)
    np.testing.assert_array_equal(gdnp(P, w0, 10, 16, warm_start=2.0, batched=False).g, warm.g)
    # the lockstep's vectorised calls: doubling rounds + T_s halvings + one for c₁, whatever T_d
    with quadrature_calls() as calls:
        for T_d in (10, 40):
            calls.clear()
            q = gdnp(P, w0, T_d, 16, diagnostics=False)
            assert len(calls) <= 16 + 4 and sum(calls) == q.n_evals.sum() + T_d + 1
            assert q.n_calls.max() == len(calls) - 1  # its rounds: every call but the one for c₁
        calls.clear()
        gdnp(P, w0, 40, 16, diagnostics=False, warm_start=2.0)
        assert len(calls) > 40  # control: per-iteration calls
    with pytest.raises(errors.ParameterError, match="warm_start must be a positive factor"):
        gdnp(P, w0, 2, 2, warm_start=0.0)
    with pytest.raises(errors.NonFiniteError, match="warm_start"):
        gdnp(P, w0, 2, 2, warm_start=np.nan)
    with pytest.raises(errors.ParameterError, match="batch_depth"):
        bisect_length(lambda g: g - 1.0, 3, 1.0, dg_batch=lambda g: g - 1.0, batch_depth=0)


@pytest.mark.parametrize("batched", [True, False])
def test_gdnp_dir_grad_sq_is_independent_of_the_closed_form(batched, monkeypatch):
    """dir_grad_sq = ‖w‖²_S‖∇_w f‖²_{S⁻¹} (the direction bound's left-hand side) comes from the
    problem's gradient ∇f(w̃) by the chain rule of MATH.md §2, not from the algorithm's closed form
    ∇_w f = (g c₁/‖w‖_S)(u − (uᵀw/‖w‖²_S) S w): on a run converging to gap 1e-8 the two agree to
    1e-10 relative (measured 2e-12), and a wrong c₁ in the algorithm (here ×1.1) leaves
    dir_grad_sq unchanged, so it disagrees with the closed form of that c₁ (the check catches it)."""
    P = make_halfspace(6, 10.0, 0.9, LOGISTIC, seed=36)
    w0 = np.random.default_rng(37).standard_normal(6)

    def closed_form(r):
        out = []
        for t in range(r.g.size):
            w = r.w[t]
            Sw = P.S @ w
            wSw = w @ Sw
            proj = P.u - (P.u @ w / wSw) * Sw
            out.append((r.g[t] * r.c1[t]) ** 2 * (proj @ np.linalg.solve(P.S, proj)))  # ‖w‖²_S cancels
        return np.array(out)

    ref = gdnp(P, w0, 60, 40, batched=batched, store_iterates=True)
    assert ref.gap[-1] < 1e-7 * abs(ref.rho_star)
    np.testing.assert_allclose(ref.dir_grad_sq, closed_form(ref), rtol=1e-10, atol=0)
    if batched:
        orig = scalar_model.c1_points
        monkeypatch.setattr(scalar_model, "c1_points", lambda self, gs, a: 1.1 * orig(self, gs, a))
    else:
        orig = scalar_model.c1_c2  # c₁ at g_t only: the search's ∂_g f keeps the true c₁
        monkeypatch.setattr(scalar_model, "dg",
                            lambda self, g, a: (lambda c: c[0] * a + c[1] * g)(orig(self, g, a)))
        monkeypatch.setattr(scalar_model, "c1_c2",
                            lambda self, g, a: (lambda c: (1.1 * c[0], c[1]))(orig(self, g, a)))
    bad = gdnp(P, w0, 60, 40, batched=batched, store_iterates=True)
    np.testing.assert_allclose(bad.c1, 1.1 * ref.c1, rtol=1e-15)
    np.testing.assert_array_equal(bad.w, ref.w)
    np.testing.assert_allclose(bad.dir_grad_sq, ref.dir_grad_sq, rtol=1e-12, atol=0)
    assert np.all(np.abs(bad.dir_grad_sq / closed_form(bad) - 1) > 0.15)  # 1/1.21 − 1 ≈ −0.17


@pytest.mark.parametrize("batched", [True, False])
def test_gdnp_h_zero_guard_keeps_w(batched, monkeypatch):
    """MATH.md §4.4: h_t = 0 with uᵀw_t ≠ 0 (c₁(w̃_t) = 0, forced here once at t = 3) keeps
    w_{t+1} = w_t; the lockstep run, whose direction phase had stepped, goes back to t + 1.  Both
    schedules then follow the unforced run one step late.  Control: unforced, no guard."""
    P = make_halfspace(6, 10.0, 0.9, LOGISTIC, seed=34)
    w0 = np.random.default_rng(35).standard_normal(6)
    ref = gdnp(P, w0, 8, 12, store_iterates=True, batched=batched)
    assert not ref.guarded.any()
    target, hits = ref.a[3], []

    def zero_once(c1, a):  # c₁ = 0 the first time the direction a_3 is met
        a = np.atleast_1d(a)
        if not hits and np.any(a == target):
            hits.append(True)
            c1 = np.where(a == target, 0.0, c1)
        return c1

    if batched:
        orig = scalar_model.c1_points
        monkeypatch.setattr(scalar_model, "c1_points", lambda self, gs, a: zero_once(orig(self, gs, a), a))
    else:
        orig = scalar_model.c1_c2  # c₁ at g_t only: the search's ∂_g f keeps the true c₁
        monkeypatch.setattr(scalar_model, "dg",
                            lambda self, g, a: (lambda c: c[0] * a + c[1] * g)(orig(self, g, a)))
        monkeypatch.setattr(scalar_model, "c1_c2", lambda self, g, a: (
            float(zero_once(np.atleast_1d(orig(self, g, a)[0]), a)[0]), orig(self, g, a)[1]))
    r = gdnp(P, w0, 8, 12, store_iterates=True, batched=batched)
    assert hits and r.guarded[3] and r.h[3] == 0.0 and np.isnan(r.s[3]) and r.guarded.sum() == 1
    np.testing.assert_array_equal(r.w[4], r.w[3])
    np.testing.assert_array_equal(r.w[:4], ref.w[:4])
    np.testing.assert_array_equal(r.w[4:], ref.w[3:-1])  # one step late, bit for bit
    np.testing.assert_array_equal(r.g[4:], ref.g[3:-1])


def test_alternating_gdnp_structure_and_errors():
    from bntheory.problems import OneHiddenLayer
    from bntheory.solvers.alternating import alternating_gdnp

    net = OneHiddenLayer(np.diag([2.0, 1.0]), [0.6, 0.3], [1.0, 0.5], n_gl=8, max_panels=30)
    W0 = np.array([[1.0, 0.5], [-0.3, 1.0]])
    r = alternating_gdnp(net, W0, [4, 3], 6, diagnostics=False)
    assert r.x.shape == (2, 2) and [u.nit for u in r.units] == [4, 3] and r.nit == 7
    # unit 1 was trained with unit 2 held at 0; unit 2 with unit 1 at its trained value
    np.testing.assert_array_equal(r.problems[0]._W_fixed[1], 0.0)
    np.testing.assert_array_equal(r.problems[1]._W_fixed[0], r.units[0].x)
    np.testing.assert_array_equal(r.x[1], r.units[1].x)
    assert r.fun == pytest.approx(net.f(r.x))
    # unit 1 (others zero): direction iterates = Rayleigh iterates (MATH.md §6 exact case)
    q = rayleigh_gd(net, W0[0], 4)
    np.testing.assert_allclose(r.units[0].rho, q.rho, rtol=1e-10)
    with pytest.raises(errors.ShapeMismatchError, match=r"W0 must have shape \(m, d\) = \(2, 2\)"):
        alternating_gdnp(net, np.ones((3, 2)), 2, 2)
    with pytest.raises(errors.ShapeMismatchError, match="one entry per unit"):
        alternating_gdnp(net, W0, [2, 2, 2], 2)
    with pytest.raises(errors.ShapeMismatchError, match="W_init"):
        alternating_gdnp(net, W0, 2, 2, W_init=np.zeros((1, 2)))
    with pytest.raises(errors.ParameterError, match=r"T_s\[1\] must be at least 0"):
        alternating_gdnp(net, W0, 2, [2, -1])
    with pytest.raises(errors.DegenerateStartError):
        alternating_gdnp(net, np.array([[0.3, -0.6], [1.0, 1.0]]), 2, 2)


def test_network_unit_length_inherits_the_outer_loss():
    """MATH.md §6 + §4.1 assumption 3: a network unit's length search has a finite root for the
    logistic outer loss and none for the sigmoid (HiddenUnitProblem notes; measured ∂_g f > 0 to
    |g| = 1e6).  Sigmoid: the search raises NoFiniteLengthError, or runs capped and flagged, and
    the direction iterates are still the Rayleigh iterates (others zero: exact case).  Control:
    the same unit with the logistic outer loss finds a finite length, uncapped."""
    from bntheory.problems import OneHiddenLayer
    from bntheory.solvers.alternating import alternating_gdnp

    S, u, W0 = np.diag([2.0, 1.0]), [0.6, 0.3], np.array([[1.0, 0.5], [-0.3, 1.0]])
    net = OneHiddenLayer(S, u, [1.0, 0.5], SIGMOID, n_gl=8, max_panels=120)
    P = net.unit(0, np.zeros((2, 2)))
    assert P.finite_optimal_length is False and P.batch_dg is False
    with pytest.raises(errors.NoFiniteLengthError, match="no finite optimal length"):
        gdnp(P, W0[0], 1, 2, diagnostics=False)
    with pytest.raises(errors.NoFiniteLengthError):
        alternating_gdnp(net, W0, [1, 0], 2, diagnostics=False)
    r = gdnp(P, W0[0], 2, 2, on_no_finite_length="cap", diagnostics=False)
    assert r.capped.all() and not r.success and np.all(np.abs(r.g) == 2.0 ** CAPPED_MAX_DOUBLINGS)
    np.testing.assert_allclose(r.rho, rayleigh_gd(net, W0[0], 2).rho, rtol=1e-10)
    ok = gdnp(OneHiddenLayer(S, u, [1.0, 0.5], LOGISTIC, n_gl=8).unit(0, np.zeros((2, 2))),
              W0[0], 1, 2, diagnostics=False)
    assert ok.success and not ok.capped.any() and np.all(np.isfinite(ok.g))
