"""Verdicts on the learning-halfspace and network statements (proofs_check/claims/halfspace.py).

For each claim: the verdict the mathematics implies on the article's form (MATH.md §4–§6), the
readings' verdicts where the statement is ambiguous, and the (true, false) altered versions decided
by the same evaluation.  Fast sizes, except one slow test at the default size.
"""

from __future__ import annotations

import json

import pytest

import proofs_check.claims  # noqa: F401  (registers every claim)
from proofs_check.claims.core import HOLDS, REFUTED, REGISTRY

#: id -> (verdict on the article's form, the readings' verdicts in order or None, corrected form's verdict or None)
EXPECTED = {
    "A-lh-grad": (HOLDS, None, None),
    "A-lh-crit": (HOLDS, None, None),
    "A-lh-h": (REFUTED, [REFUTED, HOLDS], HOLDS),
    "A-lh-step": (HOLDS, None, None),
    "A-lh-bisect": (REFUTED, [REFUTED, HOLDS], HOLDS),
    "A-lh-dir": (HOLDS, [HOLDS, HOLDS], None),
    "A-lh-main": (REFUTED, [REFUTED, HOLDS], HOLDS),
    "A-nn-crit": (REFUTED, None, HOLDS),
    "A-nn-rate": (REFUTED, [REFUTED, HOLDS], HOLDS),
    "B-lh-rate": (REFUTED, None, HOLDS),
    "B-lh-main": (REFUTED, [REFUTED, REFUTED], HOLDS),
    "B-lh-phi": (REFUTED, [REFUTED, HOLDS], HOLDS),
}


def _check(cid: str, fast: bool):
    verdict, readings, corrected = EXPECTED[cid]
    v = REGISTRY[cid].run(fast=fast)
    json.dumps(v.as_dict())  # JSON-safe
    assert v.verdict == verdict, (cid, v.method, v.evidence)
    if readings is not None:
        assert [r["verdict"] for r in v.evidence["readings"]] == readings, cid
    if verdict == REFUTED:
        cex = v.evidence["counterexample"]
        assert cex["instance"] and len(cex["sides"]) >= 2
    else:
        assert v.method
    if corrected is not None:
        assert v.evidence["corrected"]["verdict"] == corrected and v.corrected_verified, cid
    return v


@pytest.mark.parametrize("cid", sorted(EXPECTED))
def test_verdict_readings_and_variants(cid):
    """The article's form, its readings and the corrected form; the true/false variants."""
    _check(cid, fast=True)
    c = REGISTRY[cid]
    true_v, false_v = c.variants
    assert c.run(true_v, fast=True).verdict == HOLDS, cid
    assert c.run(false_v, fast=True).verdict == REFUTED, cid


def test_same_seed_same_result():
    for cid in ("A-lh-bisect", "A-lh-main", "B-lh-phi"):
        a, b = REGISTRY[cid].run(fast=True, seed=3), REGISTRY[cid].run(fast=True, seed=3)
        assert json.dumps(a.evidence, sort_keys=True) == json.dumps(b.evidence, sort_keys=True)


def test_key_numbers():
    """The numbers the report quotes: the seed h works exactly at g = ‖w‖_S; the paper length form fails
    only on the rescaled instance; A's Euclidean reading fails where the length term is negligible; the
    network's C = sup ĉ₁² fails by 0.56 % for unit 2, far above the quadrature error; the dead-unit critical
    point; the strong-convexity counterexample has three equal values."""
    h = REGISTRY["A-lh-h"].run(fast=True).evidence
    assert "g_t = ||w_t||_S" in h["for_which_g"]
    bis = REGISTRY["A-lh-bisect"].run(fast=True).evidence["counterexample"]["instance"]
    assert bis["lambda_max_S"] == 1e8
    main = REGISTRY["A-lh-main"].run(fast=True).evidence["counterexample"]
    assert main["instance"]["lambda_max_S"] == 100.0
    assert main["sides"]["length_term_alone"] < 1e-6 * main["sides"]["rhs"] < main["sides"]["lhs"]
    nn = REGISTRY["A-nn-rate"].run(fast=True).evidence["counterexample"]
    assert nn["instance"]["unit"] == "unit 2" and 1.001 < nn["sides"]["lhs"] / nn["sides"]["rhs"] < 1.02
    assert nn["sides"]["excess"] > 1e3 * nn["sides"]["quadrature_error_effect"]
    crit = REGISTRY["A-nn-crit"].run(fast=True).evidence
    assert crit["dead_unit_point"]["det_beta"] == 0.0 and max(crit["dead_unit_point"]["unit_sines"]) > 0.1
    assert crit["suggested_point_theta_1_minus1_equal_units_grad_norm"] > 1e-2  # not a critical point
    sc = REGISTRY["B-lh-rate"].run(fast=True).evidence["counterexample"]["sides"]
    assert sc["f_bn_at_w"] == sc["f_bn_at_2w"] == sc["lhs_f_bn_at_1.5w"] > sc["rhs_midpoint_bound"]


@pytest.mark.slow
def test_default_size():
    for cid in sorted(EXPECTED):
        v = _check(cid, fast=False)
        assert v.seconds < 5.0, (cid, v.seconds)
