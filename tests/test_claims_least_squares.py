"""Verdicts on article A's decoupling / least-squares claims and article B's B-ols-kappa (issue #6).

Each claim: the verdict the mathematics implies on the article's form, the readings' verdicts,
and the registered true/false variants (plus extra altered versions) decided by the same evaluation.
"""

from __future__ import annotations

import json

import pytest
import sympy as sp

import proofs_check.claims  # noqa: F401  (registers every claim)
from proofs_check.claims.core import HOLDS, REFUTED, REGISTRY
from proofs_check.claims.least_squares import RayleighRate, _lemma_sigma

IDS = ("A-decouple", "A-ols-obj", "A-ols-reparam", "A-ols-rho", "A-rayleigh", "A-ols-rate", "A-ols-faster",
       "B-ols-kappa")
EXPECTED = {"A-decouple": HOLDS, "A-ols-obj": HOLDS, "A-ols-reparam": REFUTED, "A-ols-rho": REFUTED,
            "A-rayleigh": REFUTED, "A-ols-rate": HOLDS, "A-ols-faster": REFUTED, "B-ols-kappa": REFUTED}


def run(cid, stated=None, **kw):
    c = REGISTRY[cid]
    kw.setdefault("fast", True)
    return c.run(**kw) if stated is None else c.run(stated, **kw)


def readings(v):
    return [r["verdict"] for r in v.evidence["readings"]]


@pytest.mark.parametrize("cid", IDS)
def test_article_form_and_variants(cid):
    v = run(cid)
    assert v.verdict == EXPECTED[cid]
    json.dumps(v.as_dict())  # JSON-safe evidence
    if v.verdict == REFUTED:
        cex = v.evidence["counterexample"]
        assert cex["instance"] and len(cex["sides"]) >= 2
        if REGISTRY[cid].corrected is not None:
            assert v.corrected_verified is True and v.evidence["corrected"]["verdict"] == HOLDS
    true_v, false_v = REGISTRY[cid].variants
    assert run(cid, true_v).verdict == HOLDS
    assert run(cid, false_v).verdict == REFUTED


@pytest.mark.parametrize("cid", IDS)
def test_same_seed_same_result(cid):
    a, b = run(cid, seed=3).as_dict(), run(cid, seed=3).as_dict()
    assert a["verdict"] == b["verdict"] and a["evidence"] == b["evidence"]


def test_decouple_is_proved_and_catches_a_euclidean_norm():
    assert run("A-decouple").method == "proved"
    var = lambda w, S, m: (w.T * S * w)[0, 0]  # noqa: E731
    euclid = (var, lambda g, w, r: g * w / sp.sqrt((w.T * w)[0, 0]))
    v = run("A-decouple", euclid)
    assert v.verdict == REFUTED and "point" in v.evidence["counterexample"]["instance"]


def test_ols_obj_readings_and_a_scaled_objective():
    v = run("A-ols-obj")
    assert readings(v) == [HOLDS, REFUTED]  # same minimisers; minimum values differ by E[y²]
    double = lambda wt, u, S: 4 * (u.T * wt)[0, 0] + 2 * (wt.T * S * wt)[0, 0]  # noqa: E731  same minimisers
    assert run("A-ols-obj", double).verdict == HOLDS
    concave = lambda wt, u, S: -2 * (u.T * wt)[0, 0] - (wt.T * S * wt)[0, 0]  # noqa: E731  stationary, not a min
    assert run("A-ols-obj", concave).verdict == REFUTED


def test_ols_rho_readings():
    v = run("A-ols-rho")
    assert readings(v) == [REFUTED, HOLDS]  # printed objective not convex; eq. (11) convex with min ρ
    sides = v.evidence["counterexample"]["sides"]
    assert sp.sympify(sides["d2f/dgamma2"]) < 0
    assert sp.sympify(sides["min_gamma f"]) != sp.sympify(sides["rho(w) claimed"])


def test_rayleigh_readings_and_partial_corrections():
    v = run("A-rayleigh")
    assert readings(v) == [REFUTED, REFUTED, REFUTED]
    assert v.evidence["counterexample"]["instance"]["instance"].startswith("tight OLS pencil")
    assert v.evidence["corrected"]["evidence"]["readings"][0]["evidence"]["max_ratio"] <= 1.0
    # one defect at a time: the eigenvalues of B with the lemma's σ², and the pencil with σ^{2t}
    assert run("A-rayleigh", RayleighRate("B", _lemma_sigma, lambda t: 2)).verdict == REFUTED
    assert run("A-rayleigh", RayleighRate("pencil", _lemma_sigma, lambda t: 2 * t)).verdict == REFUTED


def test_ols_rate_reports_tightness():
    v = run("A-ols-rate")
    assert 0.9 < v.evidence["max_ratio"] <= 1.0 and "max ratio" in v.method


def test_ols_faster_counterexample_is_linear_gd():
    sides = run("A-ols-faster").evidence["counterexample"]["sides"]
    assert sides["gd_linear"] and sides["gd_rate"] < 1


def test_ols_kappa_exact_counterexample_and_rate_model():
    v = run("B-ols-kappa")
    sides = v.evidence["counterexample"]["sides"]
    assert sp.sympify(sides["kappa(S)"]) == 10
    assert sp.simplify(sp.sympify(sides["kappa(D^-1/2 S D^-1/2)"]) - (7 + 2 * sp.sqrt(6))) == 0
    part_b = v.evidence["part_b"]
    assert not part_b["holds"] and part_b["max_|rate - predicted|"] < 1e-4
    # "never increases κ" is refuted by the same matrix; (b) alone in its stated form is refuted too
    relation, predicate = REGISTRY["B-ols-kappa"].corrected[1]
    assert run("B-ols-kappa", (lambda k, ks, kd, d: ks <= k, predicate)).verdict == REFUTED


@pytest.mark.slow
def test_default_size_and_budget():
    for cid in IDS:
        v = run(cid, fast=False)
        assert v.verdict == EXPECTED[cid]
        assert v.seconds < 3.0, (cid, v.seconds)
