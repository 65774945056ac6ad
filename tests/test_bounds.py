"""Theorem bounds of bntheory.bounds evaluated on solver traces (issue #4 items 5–6).

Every check is paired with a negative control that the same checker must reject (MATH.md §7).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.linalg

from bntheory import bounds, errors
from bntheory.losses import LOGISTIC
from bntheory.solvers.gdnp import gdnp
from bntheory.solvers.rayleigh import pencil_ascent, rayleigh_gd
from test_solvers import make_halfspace, make_ols

# Max ratios of the OLS battery, printed by the test for the report.
BATTERY = list(itertools.product([2, 10, 50], [1.5, 10.0, 1e3], ["random", "adversarial"]))


def _start(u, kind, rng):
    w = rng.standard_normal(u.size)
    if kind == "adversarial":  # uᵀw₀ = 1e-6·‖u‖ with ‖w₀‖ ≈ 1 (MATH.md §9.4 adversarial start)
        w -= (u @ w) / (u @ u) * u
        w = w / np.linalg.norm(w) + 1e-6 * u / np.linalg.norm(u)
    return w


@pytest.mark.parametrize("d,kappa,kind", BATTERY)
def test_ols_theorem_battery(d, kappa, kind):
    """OLS theorem ρ(w_t) − ρ* ≤ (1−μ/L)^{2t}(ρ(w₀) − ρ*) (MATH.md §3) above the floor 1e-7|ρ*|.

    (1−μ/L)^{4t} is not a usable control here: for small κ the run beats even that rate; it is
    the control of the tight case below.)"""
    P = make_ols(d, kappa, seed=d + int(kappa))
    rng = np.random.default_rng(100 + d)
    r = rayleigh_gd(P, _start(P[1], kind, rng), 400)
    c = bounds.ols_bound(P, r).check()
    print(f"OLS battery d={d} kappa={kappa:g} {kind}: max ratio {c.max_ratio_after_start:.4f} "
          f"({c.n_compared} iterates above {c.floor:.2g})")
    assert c.holds and c.n_compared >= 2 and c.max_ratio <= 1 + 1e-9
    # the lemma's per-step ratio form (MATH.md §3.1) holds too; negative control: the seed's
    # σ = 1 − (λ₁−λ₂)/(λ₁−λ_min) = 0 (no μ/L) is rejected on every instance of the battery
    assert bounds.ols_ratio_bound(P, r).check().holds
    neg = bounds.ols_ratio_bound(P, r, seed=True).check()
    assert not neg.holds and neg.first_violation[0] == 0


def test_ols_tight_case():
    """MATH.md §9.3: u = top eigenvector of S, d = 2: the bound is attained (max ratio ≥ 0.99);
    a checker with the rate squared once more rejects it."""
    P = (np.diag([1.0, 0.1]), np.array([1.0, 0.0]))
    r = rayleigh_gd(P, [1.0, 0.1], 80)
    c = bounds.ols_bound(P, r).check()
    assert c.holds and c.max_ratio_after_start >= 0.99 and c.n_compared > 20
    print(f"tight case: max ratio (t>=1) {c.max_ratio_after_start:.6f}")
    assert not bounds.ols_bound(P, r, power=4).check().holds


def _random_pencil(d, rng):
    M = rng.standard_normal((d, d))
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    A = (Q * np.geomspace(1.0, 10 ** rng.uniform(0.5, 2), d)) @ Q.T
    return 0.5 * (M + M.T), 0.5 * (A + A.T)


def test_rayleigh_lemma_random_pencils_and_seed_sigma_violated():
    """MATH.md §3.1: σ = 1 − (μ/L)(λ₁−λ₂)/(λ₁−λ_min) holds per step on random pencils (B, A);
    the seed's σ without μ/L is violated on (almost) every one."""
    rng = np.random.default_rng(0)
    worst, seed_violated, n = 0.0, 0, 40
    for _ in range(n):
        d = int(rng.choice([3, 5, 10]))
        B, A = _random_pencil(d, rng)
        v = scipy.linalg.eigh(B, A)[1][:, -1]
        w0 = v + 0.3 * np.linalg.norm(v) * rng.standard_normal(d)
        r = pencil_ascent(B, A, w0, 40)
        c = bounds.pencil_ratio_bound(B, A, r).check()
        assert c.holds and c.n_compared >= 1
        worst = max(worst, c.max_ratio)
        seed_violated += not bounds.pencil_ratio_bound(B, A, r, seed=True).check().holds
    print(f"Rayleigh lemma on {n} random pencils: max per-step ratio {worst:.6f}; "
          f"seed σ violated on {seed_violated}/{n}")
    assert seed_violated >= 0.9 * n


def test_pencil_sigma_reduces_to_ols():
    S, u = make_ols(5, 10.0)
    mu, L = np.linalg.eigvalsh(S)[[0, -1]]
    assert bounds.pencil_sigma(np.outer(u, u), S) == pytest.approx(1 - mu / L, rel=1e-6)
    assert bounds.pencil_sigma(np.outer(u, u), S, seed=True) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(errors.ShapeMismatchError):
        bounds.pencil_sigma(np.eye(2), S)


@pytest.mark.parametrize("T_s", range(21))
def test_length_bounds_hold(T_s):
    """Both bisection bounds of MATH.md §4.5 on a GDNP trace (logistic, uᵀS⁻¹u = 0.9, S with
    L = 1); negative control: claiming 10 more halvings than were done is rejected."""
    P = make_halfspace(6, 10.0, 0.9, LOGISTIC, seed=20)
    r = gdnp(P, np.random.default_rng(21).standard_normal(6), 12, T_s, diagnostics=False)
    for form in ("paper", "lipschitz"):
        assert bounds.length_bound(P, r, form=form).check().holds
    lip = bounds.length_bound(P, r, form="lipschitz")
    fake = bounds.BoundTrace("10 extra halvings", lip.measured, lip.bound * 4.0 ** -10,
                             1.0, bounds.LENGTH_FLOOR)
    assert not fake.check().holds
    with pytest.raises(errors.ParameterError, match="form"):
        bounds.length_bound(P, r, form="exact")


def test_paper_length_bound_is_not_scale_invariant():
    """Finding (reported): (S, u) → (cS, √c u) leaves f_BN(w, g), hence ∂_g f and the GDNP trace,
    unchanged, while the paper's 2^{−T_s}ζ|b⁽⁰⁾−a⁽⁰⁾|/μ² shrinks by 1/c. At c = 1e6 it is violated;
    the Lipschitz form (ζ/μ)²4^{−T_s}|b⁽⁰⁾−a⁽⁰⁾|² is invariant and holds."""
    P1 = make_halfspace(5, 10.0, 0.9, LOGISTIC, seed=22)
    c = 1e6
    Pc = type(P1)(c * P1.S, np.sqrt(c) * P1.u, LOGISTIC)
    w0 = np.random.default_rng(23).standard_normal(5)
    r1 = gdnp(P1, w0, 3, 4, diagnostics=False)
    rc = gdnp(Pc, w0, 3, 4, diagnostics=False)
    assert np.allclose(rc.dg, r1.dg, rtol=1e-9, atol=1e-15)
    assert bounds.length_bound(P1, r1).check().holds
    assert not bounds.length_bound(Pc, rc).check().holds
    assert bounds.length_bound(Pc, rc, form="lipschitz").check().holds


@pytest.mark.parametrize("r2", [0.3, 0.9, 0.99])
def test_halfspace_theorem_S_inverse_norm(r2):
    """Main theorem (MATH.md §4.5) in the S⁻¹ norm, logistic loss, uᵀS⁻¹u = r2; its Euclidean
    reading with the extra factor L; the direction bound; negative controls: rate squared again
    (power 4) and Φ given below sup|c₁|."""
    P = make_halfspace(8, 10.0, r2, LOGISTIC, seed=24)
    r = gdnp(P, np.random.default_rng(25).standard_normal(8), 30, 12)
    c = bounds.halfspace_bound(P, r).check()
    print(f"halfspace uSu={r2}: max ratio {c.max_ratio:.4f}")
    assert c.holds and c.n_compared >= 3
    assert bounds.halfspace_bound(P, r, norm="euclidean").check().holds
    assert bounds.halfspace_bound(P, r, length_form="lipschitz").check().holds
    d_trace = bounds.direction_bound(P, r)
    d = d_trace.check()
    assert d.holds and d.max_ratio_after_start > 0.1
    # negative control: Φ = inf_t |c₁| instead of sup_t |c₁| (the proof needs |c₁(w̃_t)| ≤ Φ)
    shrink = (np.min(np.abs(r.c1)) / d_trace.constants["Phi"]) ** 2
    assert not bounds.BoundTrace("Φ = inf|c₁|", d_trace.measured, shrink * d_trace.bound,
                                 d_trace.scale, d_trace.floor).check().holds
    hb = bounds.halfspace_bound(P, r)
    # negative control of the main theorem: Φ = inf_t|c₁| (bypassing the Φ check), with T_s = 40
    # so that the length term cannot absorb the error
    r_long = gdnp(P, np.random.default_rng(25).standard_normal(8), 30, 40)
    hl = bounds.halfspace_bound(P, r_long)
    lb = bounds.length_bound(P, r_long).bound
    shrink = (np.min(np.abs(r_long.c1)) / hl.constants["Phi"]) ** 2
    assert not bounds.BoundTrace("Φ = inf|c₁|", hl.measured, shrink * (hl.bound - lb) + lb,
                                 hl.scale, hl.floor).check().holds
    assert hb.constants["Phi"] == pytest.approx(np.max(np.abs(r.c1)))
    with pytest.raises(errors.ParameterError, match="Φ"):
        bounds.halfspace_bound(P, r, Phi=0.5 * hb.constants["Phi"])
    with pytest.raises(errors.ParameterError, match="norm"):
        bounds.halfspace_bound(P, r, norm="l1")
    assert bounds.direction_bound(P, r, Phi=1.0).constants["Phi"] == 1.0


# --------------------------------------------------------------------------- network (MATH.md §6)
def _net():
    from bntheory.problems import OneHiddenLayer, random_spd

    rng = np.random.default_rng(0)
    S = random_spd(3, 4.0, rng)
    v = rng.standard_normal(3)
    u = v * np.sqrt(0.5 / (v @ np.linalg.solve(S, v)))
    return OneHiddenLayer(S, u, [1.0, 0.5], LOGISTIC, n_gl=8, max_panels=30), rng.standard_normal((2, 3))


@pytest.fixture(scope="module")
def unit1_run():
    from bntheory.solvers.alternating import alternating_gdnp

    net, W0 = _net()
    return net, alternating_gdnp(net, W0, [10, 0], 30, store_iterates=True)


def test_network_bound_unit1(unit1_run):
    """MATH.md §6 per-unit bound for unit 1 (others held at g = 0: the reduction is exact), with
    C = sup_t ĉ₁² from the trace; both length forms. Controls: rate (1−μ/L)^{4t}; C = inf_t ĉ₁²;
    a C below sup ĉ₁² is refused."""
    net, run = unit1_run
    P, r = run.problems[0], run.units[0]
    np.testing.assert_allclose(r.rho, rayleigh_gd(P, r.w[0], r.nit).rho, rtol=1e-9)  # exact case
    for form in ("paper", "lipschitz"):
        c = bounds.network_bound(P, r, length_form=form).check()
        print(f"network unit 1 ({form}): max ratio {c.max_ratio:.4g}, n = {c.n_compared}")
        assert c.holds and c.n_compared >= 5
    assert not bounds.network_bound(P, r, power=4).check().holds
    nb = bounds.network_bound(P, r)
    shrink = np.min(np.asarray(r.c1) ** 2) / nb.constants["C"]
    assert not bounds.scale_direction_term(nb, shrink, bounds.length_bound(P, r).bound).check().holds
    with pytest.raises(errors.ParameterError, match="C = .* is below"):
        bounds.network_bound(P, r, C=0.5 * bounds.C_from_trace(r))
    with pytest.raises(errors.NonFiniteError, match="C"):
        bounds.C_from_trace(r, C=np.nan)
    with pytest.raises(errors.ParameterError, match="norm"):
        bounds.network_bound(P, r, norm="l1")
    assert bounds.network_bound(P, r, C=10.0).constants["C"] == 10.0


def test_scale_direction_term(unit1_run):
    """The "constant at its infimum" variant of a theorem bound: shrink·(bound − length) + length,
    the trace's measured values and floor kept; shrink = 1 is the bound itself."""
    net, run = unit1_run
    P, r = run.problems[0], run.units[0]
    nb = bounds.network_bound(P, r)
    lb = bounds.length_bound(P, r).bound
    same = bounds.scale_direction_term(nb, 1.0, lb)
    np.testing.assert_allclose(same.bound, nb.bound, rtol=1e-15)
    half = bounds.scale_direction_term(nb, 0.5, lb, name="half")
    np.testing.assert_allclose(half.bound - lb, 0.5 * (nb.bound - lb), rtol=1e-12)
    assert half.name == "half" and half.floor == nb.floor and half.measured is nb.measured
    assert half.constants["direction_shrink"] == 0.5 and "C" in half.constants
    db = bounds.direction_bound(P, r)
    np.testing.assert_allclose(bounds.scale_direction_term(db, 0.25).bound, 0.25 * db.bound, rtol=1e-15)


def test_C_projected_from_trace_names_missing_diagnostics(unit1_run):
    """C_P reads grad_dual_sq (diagnostics=True): a trace without it gets a ParameterError naming the
    missing entry, not a bare KeyError."""
    net, run = unit1_run
    P, r = run.problems[0], run.units[0]
    assert bounds.C_projected_from_trace(r) == pytest.approx(bounds.C_from_trace(r), rel=1e-6)  # exact case
    bare = gdnp(P, r.w[0], 2, 8, diagnostics=False)
    with pytest.raises(errors.ParameterError, match="missing: grad_dual_sq .*diagnostics=True"):
        bounds.C_projected_from_trace(bare)
    with pytest.raises(errors.ParameterError, match="missing: grad_dual_sq, dg"):
        bounds.C_projected_from_trace({"gap": [1.0], "rho_star": -1.0})


def test_C_apriori_candidate(unit1_run):
    """MATH.md §6's candidate a-priori constant θ_i² sup|ℓ'|² K² (bounds.C_apriori) dominates the
    a-posteriori C = sup ĉ₁² on exact-case traces (units 1 and 2), with K ≥ 1; it refuses a unit
    whose partner is neither zero nor parallel to S⁻¹u (the formula is the exact case's)."""
    net, run = unit1_run
    P, r = run.problems[0], run.units[0]
    ap = bounds.C_apriori(P, r)
    assert ap["theta_sq_sup_lprime_sq"] == 1.0 and ap["K"] >= 1.0
    assert bounds.C_from_trace(r) <= ap["C_apriori"] == pytest.approx(ap["K"] ** 2)
    net2, W0 = _net()
    P2 = net2.unit(1, _unit1_parallel(net2))
    r2 = gdnp(P2, W0[1], 1, 12)
    ap2 = bounds.C_apriori(P2, r2)
    assert ap2["theta_sq_sup_lprime_sq"] == 0.25
    assert bounds.C_from_trace(r2) <= ap2["C_apriori"]
    # control: with C = the candidate the bound holds (it is larger); with a generic partner unit
    # the candidate is refused, not silently computed
    assert bounds.network_bound(P2, r2, C=ap2["C_apriori"]).check().holds
    with pytest.raises(errors.ParameterError, match="neither zero nor parallel"):
        bounds.C_apriori(net2.unit(1, W0), r2)


def _unit1_parallel(net):
    """Unit 1 fixed exactly ∥ S⁻¹u (‖w̃⁽¹⁾‖_S = 1.5), unit 2 free: the exact case of MATH.md §6."""
    W = np.zeros((2, 3))
    W[0] = 1.5 * net.w_star_direction / np.sqrt(net.uSu)
    return W


def _unit2_checks(P, r, label):
    """Network bound for unit 2 in both length forms; negative control C = inf ĉ₁² in the
    Lipschitz form (the paper form's length term, 2^{−T_s}ζ|b⁽⁰⁾ − a⁽⁰⁾|/μ², still dwarfs the
    gradient at T_s = 20, so a control there would be vacuous).  Returns the max ratios and the
    length terms (paper, lipschitz) at t = 0."""
    ratios, terms = [], []
    for form in ("paper", "lipschitz"):
        c = bounds.network_bound(P, r, length_form=form).check()
        lb = bounds.length_bound(P, r, form=form).bound
        print(f"network unit 2 {label} ({form}): max ratio {c.max_ratio:.6g}, n = {c.n_compared}, "
              f"length term {lb[0]:.3g}, measured {r.grad_dual_sq}")
        assert c.holds and c.n_compared >= 3
        ratios.append(c.max_ratio)
        terms.append(float(lb[0]))
    nb = bounds.network_bound(P, r, length_form="lipschitz")
    shrink = np.min(np.asarray(r.c1) ** 2) / nb.constants["C"]
    assert shrink < 1.0
    assert not bounds.scale_direction_term(nb, shrink, bounds.length_bound(P, r, form="lipschitz").bound).check().holds
    with pytest.raises(errors.ParameterError, match="C = .* is below"):
        bounds.network_bound(P, r, C=0.99 * bounds.C_from_trace(r))
    return ratios, terms


def test_network_unit2_exact_case():
    """MATH.md §6, unit 2 (θ₂ = 0.5) with unit 1 exactly ∥ S⁻¹u: the length search finds a finite
    root (g ≈ −14.1; the earlier "no finite length" was a quadrature artefact, see
    test_problems.py::test_unit_dg_large_length_against_reference), no h = 0 guard, the direction
    iterates are the Rayleigh iterates, and the network bound holds in both length forms.
    Controls: rate squared again (power 4) and C = inf ĉ₁² fail."""
    net, W0 = _net()
    P = net.unit(1, _unit1_parallel(net))
    r = gdnp(P, W0[1], 2, 20)
    print(f"unit 2 (exact case): g_t = {r.g}")
    assert not r.guarded.any() and not r.capped.any() and r.success
    assert np.all((r.g < -13.0) & (r.g > -15.0))
    np.testing.assert_allclose(r.rho, rayleigh_gd(P, W0[1], 2).rho, rtol=1e-9)
    (paper, lip), (t_paper, t_lip) = _unit2_checks(P, r, "exact")
    assert lip > 0.9  # tight at t = 0 (C = ĉ₁(w̃₀)², the S⁻¹ split is an identity)
    assert t_paper > 100 * t_lip  # here the paper's length term is the looser one


def test_network_unit2_generic_experiment():
    """EXPERIMENT (MATH.md §6, not a theorem): unit 1 trained by 3 GDNP steps (only approximately
    ∥ S⁻¹u), then unit 2.  Measured: |S-cosine(w̃⁽¹⁾, S⁻¹u)| ≈ 0.9962, unit 2's length g ≈ −2.3
    (finite), its ρ leaves the Rayleigh iterates' by 2e-3 relative, and the network bound (C =
    sup ĉ₁² of the trace) still holds here: max ratio 0.52 (paper) / 0.57 (Lipschitz); the
    control C = inf ĉ₁² fails."""
    from bntheory.solvers.alternating import alternating_gdnp

    net, W0 = _net()
    run = alternating_gdnp(net, W0, [3, 2], [12, 20])
    W1 = run.x[0]
    cos = float(W1 @ net.u) / np.sqrt(float(W1 @ net.S @ W1) * net.uSu)
    P, r = run.problems[1], run.units[1]
    dev = np.max(np.abs(r.rho / rayleigh_gd(P, W0[1], 2).rho - 1.0))
    print(f"unit 2 (generic): |cos(w1, S^-1 u)| = {abs(cos):.6f}, g_t = {r.g}, "
          f"max relative deviation from the Rayleigh rho = {dev:.2e}")
    assert 0.99 < abs(cos) < 1.0 - 1e-8 and dev > 0.0
    assert not r.guarded.any() and r.success
    _unit2_checks(P, r, "generic (experiment)")


def test_network_length_forms_under_scaling():
    """MATH.md §6, unit 2 exact case, S → cS, u → √c u (the same network in rescaled inputs:
    w̃ → w̃/√c, same lengths g, same ∂_g f, same ‖∇f‖²_{S⁻¹}).  The Lipschitz length form
    (ζ/μ)²4^{−T_s}|b⁽⁰⁾ − a⁽⁰⁾|² is invariant (same max ratio); the paper's
    2^{−T_s}ζ|b⁽⁰⁾ − a⁽⁰⁾|/μ² shrinks like 1/c, so its margin disappears at c = 1e6 (it still
    holds here, ∂_g f being small at T_s = 4) -- as for one halfspace
    (test_paper_length_bound_is_not_scale_invariant).  Control: ∂_g f² is unchanged."""
    from bntheory.problems import OneHiddenLayer

    net, W0 = _net()
    ratios, dgs = {}, {}
    for c in (1.0, 1e6):
        netc = OneHiddenLayer(c * net.S, np.sqrt(c) * net.u, net.theta, net.loss, n_gl=8, max_panels=30)
        P = netc.unit(1, _unit1_parallel(netc))
        r = gdnp(P, W0[1], 2, 4)
        dgs[c] = np.asarray(r.dg) ** 2
        for form in ("paper", "lipschitz"):
            ch = bounds.network_bound(P, r, length_form=form).check()
            assert ch.holds
            ratios[c, form] = ch.max_ratio
    print(f"network scaling: max ratios {ratios}")
    np.testing.assert_allclose(dgs[1e6], dgs[1.0], rtol=1e-6)
    assert ratios[1e6, "lipschitz"] == pytest.approx(ratios[1.0, "lipschitz"], rel=1e-6, abs=1e-12)
    assert ratios[1e6, "paper"] > 100 * max(ratios[1.0, "paper"], 1e-12)
