"""Claims of the BN procedures (#6): both articles' forward pass, chain rule, cost and inference.

The mathematics (MATH.md §1) says every one of these statements holds: article A's and B's
chain-rule formulas are the derivative of the forward definition, the normalised activations have
mean 0 and variance 1 at ε = 0, the inference statistics are exactly unbiased, the inference map
is a fixed affine map, the backward pass is linear in ``m`` and ``d``.  Each test asserts that
verdict on the article's form and that altered versions — a true rewriting, and small mutations
(a dropped factor, a flipped sign, a wrong constant or exponent) — get the verdict the
mathematics gives them.
"""

from __future__ import annotations

import json

import pytest
import sympy as sp

import proofs_check.claims  # noqa: F401  (registers every claim)
from bntheory.symbolic.bn import DELTA, DL_DMU, DL_DVAR, DL_DXHAT, X, eps, gamma, i, k, m, mu_B, var_B
from proofs_check.claims import procedures as P
from proofs_check.claims.core import HOLDS, REFUTED, REGISTRY

IDS = ("A-bn-forward", "A-bp-xhat", "A-bp-gamma", "A-bp-beta", "A-bp-var", "A-bp-mean", "A-bp-x",
       "A-inf-stats", "A-inf-map", "B-bp", "B-bp-cost", "B-inf")


def _run(cid, stated=None, **kw):
    c = REGISTRY[cid]
    return c.run(fast=True, **kw) if stated is None else c.run(stated, fast=True, **kw)


def _sum(e):
    return sp.Sum(e, (k, 1, m))


@pytest.mark.parametrize("cid", IDS)
def test_the_article_form_holds_and_the_variants_follow_the_mathematics(cid):
    c = REGISTRY[cid]
    v = c.run(fast=True)
    assert v.verdict == HOLDS, v.evidence
    assert v.corrected_latex is None and "counterexample" not in v.evidence
    json.dumps(v.as_dict())                                    # JSON-safe
    true_v, false_v = (c.run(s, fast=True) for s in c.variants)
    assert true_v.verdict == HOLDS, true_v.evidence
    assert false_v.verdict == REFUTED
    cex = false_v.evidence["counterexample"]
    assert cex["instance"] and len(cex["sides"]) >= 2 and cex["note"]


# ---------------------------------------------------------------------------------------------
# The forward pass and the chain rule
# ---------------------------------------------------------------------------------------------


def test_forward_moments_mean_zero_for_every_eps_variance_one_only_at_eps_zero():
    assert _run("A-bn-forward", (eps, 0, var_B / (var_B + eps))).verdict == HOLDS
    assert _run("A-bn-forward", (0, 0, 1)).evidence["verification"]["status"] == "proved"
    wrong = [(eps, 0, 1), (0, 0, sp.Rational(3, 2)), (0, var_B, 1), (eps, eps, var_B / (var_B + eps))]
    for stated in wrong:
        v = _run("A-bn-forward", stated)
        assert v.verdict == REFUTED, stated
    # Unit variance kept at ε > 0: the counterexample's variance is below 1.
    sides = _run("A-bn-forward", (eps, 0, 1)).evidence["counterexample"]["sides"]
    assert sides["rhs"] == "1" and sp.Rational(sides["lhs"]) < 1


@pytest.mark.parametrize("cid, wrong", [
    ("A-bp-xhat", DELTA[i]),                                                           # dropped γ
    ("A-bp-gamma", -_sum(DELTA[k] * P.bn.XHAT[k])),                                    # flipped sign
    ("A-bp-beta", 2 * _sum(DELTA[k])),                                                  # wrong constant
    ("A-bp-var", _sum(DELTA[k] * (X[k] - mu_B) * (-gamma / 2) * (var_B + eps) ** sp.Rational(-1, 2))),
    ("A-bp-var", _sum(DELTA[k] * (X[k] - mu_B) * (-gamma) * (var_B + eps) ** sp.Rational(-3, 2))),  # 1/2 dropped
    ("A-bp-mean", _sum(DELTA[k] * (-gamma) / (var_B + eps))),                           # σ̂² for σ̂
    ("A-bp-x", DL_DXHAT[i] / sp.sqrt(var_B + eps) - DL_DVAR * 2 * (X[i] - mu_B) / m + DL_DMU / m),
    ("A-bp-x", DL_DXHAT[i] / sp.sqrt(var_B + eps) + DL_DVAR * (X[i] - mu_B) / m + DL_DMU / m),  # 2 dropped
])
def test_mutated_chain_rule_formulas_are_refuted_with_exact_counterexamples(cid, wrong):
    v = _run(cid, wrong)
    assert v.verdict == REFUTED
    cex = v.evidence["counterexample"]
    assert cex["instance"]["m"] == 3 and cex["instance"]["point"]
    assert cex["sides"]["lhs"] != cex["sides"]["rhs"]


def test_a_chain_rule_rewritings_in_b_notation_hold():
    # A's ∂l/∂σ² written with ∂l/∂x̂ (B's notation) and A's ∂l/∂x with the compact form: both true.
    b_var = P.B_PARTS["dL/dsigma_B^2"][1]
    assert _run("A-bp-var", b_var).verdict == HOLDS
    assert _run("A-bp-x", P.bn.FORMULAS["compact"]).verdict == HOLDS


def test_b_chain_rule_reports_every_part():
    v = _run("B-bp")
    parts = v.evidence["parts"]
    assert set(parts) == set(P.B_PARTS)
    assert all(p["verdict"] == HOLDS and p["method"] == "proved" for p in parts.values())


@pytest.mark.parametrize("part, altered", [
    ("dL/dsigma_B^2", ("dl_dvar", _sum(DL_DXHAT[k] * (X[k] - mu_B) * sp.Rational(-1, 2) / (var_B + eps)))),
    ("dL/dmu_B", ("dl_dmu", _sum(DL_DXHAT[k] / sp.sqrt(var_B + eps)))),
    ("second term of dL/dmu_B is zero", (DL_DVAR * _sum(-2 * X[k] / m), sp.Integer(0))),   # Σx_j ≠ 0
    ("dL/dx_i", ("dl_dx", DL_DXHAT[i] / sp.sqrt(var_B + eps) + DL_DVAR * 2 * (X[i] - mu_B) / m + DL_DMU)),
])
def test_b_chain_rule_one_wrong_part_refutes_the_claim_and_is_named(part, altered):
    v = _run("B-bp", {**P.B_PARTS, part: altered})
    assert v.verdict == REFUTED
    assert v.evidence["refuted_parts"] == [part]
    assert v.evidence["counterexample"]["instance"]["part"] == part
    assert sum(p["verdict"] == REFUTED for p in v.evidence["parts"].values()) == 1


# ---------------------------------------------------------------------------------------------
# The cost of the backward pass
# ---------------------------------------------------------------------------------------------


def test_backward_count_is_affine_in_m_and_quadratic_without_reusing_the_sums():
    ev = _run("B-bp-cost").evidence
    ms, ops, naive = ev["m"], ev["ops_per_feature"], ev["ops_without_reusing_the_sums"]
    slopes = {(b - a) / (mb - ma) for a, b, ma, mb in zip(ops, ops[1:], ms, ms[1:])}
    assert len(slopes) == 1                                    # exactly affine: the sums once, O(1) per component
    assert naive[-1] / naive[-2] > 3.5                         # recomputing the sums per component: ~4x per doubling
    assert 1 <= ev["ops_over_claimed"]["max"] / ev["ops_over_claimed"]["min"] < 1.5


@pytest.mark.parametrize("order, tight, bound", [
    (lambda m_, d: m_ * d, True, True),
    (lambda m_, d: m_**2 * d, False, True),       # an upper bound, not the order
    (lambda m_, d: m_ * d**2, False, True),
    (lambda m_, d: d, False, False),              # independent of the batch size
    (lambda m_, d: m_ * sp.sqrt(d), False, False),
])
def test_cost_readings(order, tight, bound):
    v = _run("B-bp-cost", order)
    readings = {r["reading"]: r["verdict"] for r in v.evidence["readings"]}
    assert list(readings.values()) == [HOLDS if tight else REFUTED, HOLDS if bound else REFUTED]
    assert v.verdict == (HOLDS if tight else REFUTED)


# ---------------------------------------------------------------------------------------------
# Inference
# ---------------------------------------------------------------------------------------------


def test_inference_statistics_exact_expectations_and_monte_carlo():
    v = _run("A-inf-stats")
    assert v.evidence["verification"]["status"] == "proved"
    assert v.evidence["expectations"]["3"] == ["mu_x", "tau2"]
    assert all(abs(r["z"]) <= P._Z_MAX for r in v.evidence["monte_carlo"]["results"].values())
    biased = _run("A-inf-stats", REGISTRY["A-inf-stats"].variants[1])
    assert biased.evidence["expectations"]["3"] == ["mu_x", "2*tau2/3"]          # (m−1)/m · Var
    assert biased.evidence["monte_carlo"]["results"]["variance"]["z"] < -P._Z_MAX  # and Monte Carlo sees it
    wrong_mean = _run("A-inf-stats", lambda M, e_mu, e_var: (e_mu * M / (M - 1), sp.Rational(M, M - 1) * e_var))
    assert wrong_mean.verdict == REFUTED


def test_monte_carlo_alone_refutes_a_bias_the_exact_check_cannot_see():
    # The Monte-Carlo branch decides on its own: an estimate 5 % off its target.
    mc = P._monte_carlo(lambda mus, vs: (mus[0], 1.05 * vs[0] * 4 / 3), 4, 1, 40000, 0)
    assert P._mc_finding(mc, {"m": 4}) is not None
    assert P._mc_finding(P._monte_carlo(lambda mus, vs: (mus[0], vs[0] * 4 / 3), 4, 1, 40000, 0), {}) is None


def test_b_inference_estimator_is_exactly_unbiased_no_neglect_needed():
    v = _run("B-inf")
    neglected = v.evidence["neglected_variance_of_batch_means"]
    assert all(e["bias_is_zero"] and e["exact_bias"] == "0" for e in neglected.values())
    assert neglected["3"]["Var[mu_B]"] == "tau2/3"
    # Without m/(m−1) the bias is exactly −Var[μ_B]: what "neglecting the variance of the batch means" neglects.
    plain = _run("B-inf", REGISTRY["B-inf"].variants[1])
    assert plain.verdict == REFUTED
    assert all(e["bias_is_minus_Var[mu_B]"] for e in plain.evidence["neglected_variance_of_batch_means"].values())
    # The first batch weighted twice and the second dropped: still unbiased (weights sum to 1).
    lopsided = _run("B-inf", lambda M, mus, vs: ((2 * mus[0] + sum(mus[2:])) / len(mus),
                                                  sp.Rational(M, M - 1) * sum(vs) / len(vs)))
    assert lopsided.verdict == HOLDS
    # Weights summing to (T+1)/T: a biased mean estimator, refuted.
    overweighted = _run("B-inf", lambda M, mus, vs: ((2 * mus[0] + sum(mus[1:])) / len(mus),
                                                      sp.Rational(M, M - 1) * sum(vs) / len(vs)))
    assert overweighted.verdict == REFUTED
    shifted = _run("B-inf", lambda M, mus, vs: (sum(mus) / (len(mus) + 1), sp.Rational(M, M - 1) * sum(vs) / len(vs)))
    assert shifted.verdict == REFUTED


def test_inference_map_readings():
    v = _run("A-inf-map")
    readings = [(r["reading"], r["verdict"]) for r in v.evidence["readings"]]
    assert [r[1] for r in readings] == [HOLDS, REFUTED]       # affine: yes; strictly linear: no (offset)
    assert v.evidence["slope"] == "gamma/sqrt(V_x + epsilon)"
    # With the offset removed the map is strictly linear.
    linear = _run("A-inf-map", lambda x, others, e_x, v_x: gamma * x / sp.sqrt(v_x + eps))
    assert [r["verdict"] for r in linear.evidence["readings"]] == [HOLDS, HOLDS]
    # Batch statistics: the output depends on the other members and is not affine in x.
    batch = _run("A-inf-map", P._batch_normalized)
    assert [r["verdict"] for r in batch.evidence["readings"]] == [REFUTED, REFUTED]
    # Affine in x but with a statistic taken from the batch (the batch mean): not a fixed map.
    mean_only = _run("A-inf-map", lambda x, others, e_x, v_x: gamma * (x - (x + sum(others)) / (1 + len(others)))
                     / sp.sqrt(v_x + eps))
    assert mean_only.verdict == REFUTED
    assert mean_only.evidence["counterexample"]["instance"]["component"] != [0]
    # Not affine (a square): refuted on ∂²y/∂x².
    square = _run("A-inf-map", lambda x, others, e_x, v_x: gamma * (x - e_x) ** 2 / (v_x + eps))
    assert square.evidence["counterexample"]["instance"]["component"] == [0]


def test_same_seed_same_result_other_seed_other_monte_carlo():
    a, b = _run("B-inf", seed=3), _run("B-inf", seed=3)
    assert a.as_dict() == b.as_dict()
    c = _run("B-inf", seed=4)
    assert c.evidence["monte_carlo"]["results"] != a.evidence["monte_carlo"]["results"]


def test_fast_budget():
    # Per claim ≤ 0.3 s with fast=True once the shared forward passes are built (best of two runs).
    seconds = {cid: min(REGISTRY[cid].run(fast=True).seconds for _ in range(2)) for cid in IDS}
    assert not {cid: s for cid, s in seconds.items() if s > 0.3}


@pytest.mark.slow
@pytest.mark.parametrize("cid", IDS)
def test_default_size(cid):
    c = REGISTRY[cid]
    v = c.run()
    assert v.verdict == HOLDS and v.seconds < 1.0
    assert [c.run(s).verdict for s in c.variants] == [HOLDS, REFUTED]
