"""Claims on gradients through BN (proofs_check/claims/gradients.py): verdicts follow the mathematics.

For every claim: the article's form gets the verdict MATH.md implies, every reading its own, the
registered true/false altered versions are confirmed/refuted by the same evaluation, and a refuted
claim's corrected form is confirmed.  A few claims get an extra altered statement of their own.
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pytest

import proofs_check.claims  # noqa: F401  (registers every claim)
from proofs_check.claims.core import HOLDS, REFUTED, REGISTRY

#: id -> (verdict of the article's form, verdicts of its readings in order; () without readings).
EXPECTED = {
    "B-jacobian": (REFUTED, (REFUTED, REFUTED)),
    "B-grad-sigma": (REFUTED, (REFUTED, REFUTED, REFUTED)),
    "B-decouple": (REFUTED, (REFUTED,) * 6),
    "A-smooth-grad": (REFUTED, (REFUTED, REFUTED, REFUTED, HOLDS)),
    "B-smooth-grad": (HOLDS, (HOLDS, REFUTED)),
    "A-smooth-hess": (HOLDS, (HOLDS, REFUTED)),
    "A-smooth-weight": (REFUTED, (REFUTED, REFUTED)),
    "A-smooth-init": (REFUTED, (REFUTED, HOLDS)),
}
#: A-explode (random deep networks, seconds even in fast mode) is tested on its own below.
EXPLODE = (REFUTED, (REFUTED, HOLDS))
IDS = sorted(EXPECTED)


@lru_cache(maxsize=None)
def verdict(cid: str, fast: bool = True, seed: int = 0):
    return REGISTRY[cid].run(fast=fast, seed=seed)


def readings(v) -> list[dict]:
    return v.evidence.get("readings", [])


@pytest.mark.parametrize("cid", IDS)
def test_article_form_and_readings(cid):
    v = verdict(cid)
    expected, expected_readings = EXPECTED[cid]
    assert v.verdict == expected, v.as_dict()
    assert tuple(r["verdict"] for r in readings(v)) == expected_readings
    assert v.method
    json.dumps(v.as_dict(), allow_nan=False)
    if expected == REFUTED:
        cex = v.evidence["counterexample"]
        assert cex["instance"] and len(cex["sides"]) >= 2 and cex["note"]
    else:
        literal = readings(v)[0]["evidence"]
        assert literal["n_instances"] > 0 and literal["max_ratio"] is not None


@pytest.mark.parametrize("cid", IDS)
def test_variants(cid):
    c = REGISTRY[cid]
    true, false = c.variants
    assert c.run(true, fast=True).verdict == HOLDS
    assert c.run(false, fast=True).verdict == REFUTED


@pytest.mark.parametrize("cid", [c for c in IDS if EXPECTED[c][0] == REFUTED])
def test_corrected_form_confirmed(cid):
    v = verdict(cid)
    if REGISTRY[cid].corrected is None:
        pytest.skip("no corrected form")
    assert v.corrected_verified is True
    assert v.evidence["corrected"]["verdict"] == HOLDS
    assert all(r["verdict"] == HOLDS for r in v.evidence["corrected"]["evidence"].get("readings", []))


def test_same_seed_same_result_other_seed_runs():
    for cid in ("B-jacobian", "A-smooth-grad", "A-smooth-init"):
        a = REGISTRY[cid].run(fast=True, seed=3).as_dict()
        b = REGISTRY[cid].run(fast=True, seed=3).as_dict()
        assert a == b
        assert a["verdict"] == EXPECTED[cid][0]


# ------------------------------------------------------------------ the numbers behind the verdicts
def test_jacobian_spectrum_is_gamma_over_sigma_and_two_zeros():
    v = verdict("B-jacobian")
    cex = v.evidence["counterexample"]
    s, inst = np.array(cex["sides"]["singular_values"]), cex["instance"]
    m = inst["m"]
    assert np.allclose(s[: m - 2], abs(inst["gamma"]) / inst["sigma_B"], rtol=1e-12)
    assert np.all(s[m - 2:] < 1e-12 * s[0])
    assert inst["sigma_B"] != 1.0 and cex["sides"]["predicted"] == [1.0] * m
    # the corrected spectrum agrees to the float floor
    assert v.evidence["corrected"]["evidence"]["readings"][0]["evidence"]["max_deviation"] < 1e-12


def test_jacobian_band_is_a_real_band():
    """'Clustered around 1' is decided by the band: a prediction 10% off still holds, 3x off does not."""
    c = REGISTRY["B-jacobian"]
    near = lambda g, s, m: np.r_[np.full(m - 2, 1.1 * abs(g) / s), 0.0, 0.0]  # noqa: E731
    far = lambda g, s, m: np.r_[np.full(m - 2, 3 * abs(g) / s), 0.0, 0.0]  # noqa: E731
    assert c.run(near, fast=True).verdict == HOLDS
    assert c.run(far, fast=True).verdict == REFUTED


def test_grad_sigma_counterexample_exact_gradient_vanishes():
    """The literal reading fails on δ ∈ span{1, x̂}: the exact gradient is 0, γδ/σ is not."""
    cex = verdict("B-grad-sigma").evidence["counterexample"]
    assert cex["instance"]["delta_kind"] in ("ones", "xhat")
    assert np.linalg.norm(cex["sides"]["exact"]) < 1e-12 * np.linalg.norm(cex["sides"]["approximation"])
    assert cex["sides"]["error"] == pytest.approx(1.0)


def test_grad_sigma_double_division_reading_off_by_sigma():
    """Reading ∂y/∂x as the full Jacobian: the extra 1/σ makes it fail exactly where σ_B ≠ 1."""
    r = readings(verdict("B-grad-sigma"))[1]
    cex = r["evidence"]
    assert r["verdict"] == REFUTED and cex["max_error"] > 1.0


def test_decouple_output_scale_is_gamma_for_every_c():
    cex = readings(verdict("B-decouple"))[3]  # (b), Frobenius
    assert cex["verdict"] == REFUTED
    v = verdict("B-decouple")
    b_cex = [r for r in readings(v) if r["reading"].startswith("(b)")]
    assert all(r["verdict"] == REFUTED for r in b_cex)
    sides = v.evidence["corrected"]["evidence"]["readings"][3]["evidence"]
    assert sides["max_error"] < 1e-12  # measured batch std = γ at c = 1 and c = 3


def test_decouple_each_part_alone():
    """Right mapping with the printed scale, and the printed mapping with the right scale: both refuted."""
    c = REGISTRY["B-decouple"]
    (printed_map, printed_scale), (right_map, right_scale) = c.stated, c.corrected[1]
    assert c.run((right_map, printed_scale), fast=True).verdict == REFUTED
    assert c.run((printed_map, right_scale), fast=True).verdict == REFUTED


@pytest.mark.parametrize("cid", ["B-smooth-grad", "A-smooth-hess"])
def test_santurkar_bounds_hold_with_equality(cid):
    ev = readings(verdict(cid))[0]["evidence"]
    assert ev["equality"] is True
    assert ev["max_ratio"] == pytest.approx(1.0, abs=1e-6)


def test_smooth_grad_santurkar_reading_is_equality():
    r = readings(verdict("A-smooth-grad"))[3]
    assert r["verdict"] == HOLDS and r["evidence"]["equality"] is True


def test_smooth_grad_sigma_reading_fails_only_where_std_below_one():
    """σ_j = std(ŷ_j) = 1 overstates the bound's right side by σ_y²: it fails at the first batch with σ_y < 1."""
    cex = verdict("A-smooth-grad").evidence["counterexample"]
    y = np.array(cex["instance"]["y_i"])
    assert cex["instance"]["sigma_j"] == pytest.approx(1.0)
    assert y.std() < 1.0
    assert cex["sides"]["lhs"] / cex["sides"]["rhs"] == pytest.approx(1.0 / y.std() ** 2, rel=1e-9)


def test_smooth_weight_verdict_flips_with_the_loss_unit():
    cex = verdict("A-smooth-weight").evidence["counterexample"]
    by_scale = cex["sides"]["sides_by_loss_scale"]
    assert [s["holds"] for s in by_scale] == [False, False, True, True]  # 1e-3c*, c*/2, 1, 2c*
    # ĝ scales as c² between c*/2 and 2c*
    assert by_scale[3]["lhs"] / by_scale[1]["lhs"] == pytest.approx(16.0, rel=1e-9)


def test_smooth_init_negative_inner_product_counterexample():
    v = verdict("A-smooth-init")
    cex = v.evidence["counterexample"]
    W0 = np.array(cex["instance"]["W0"])
    assert cex["instance"]["inner"] < 0
    assert cex["sides"]["lhs"] > np.sum(W0 * W0) > cex["sides"]["rhs"]
    assert v.evidence["equality_at_line_optimum"]["status"] == "proved"
    assert readings(v)[1]["evidence"]["equality"] is True


def test_smooth_init_false_identity_not_proved():
    """An altered right side is not an identity at c*W*: the ladder refutes it (evidence)."""
    c = REGISTRY["A-smooth-init"]
    v = c.run(c.variants[1], fast=True)
    assert v.evidence["equality_at_line_optimum"]["status"] == "refuted"


@pytest.mark.slow
def test_default_size_verdicts_and_budget():
    for cid in IDS + ["A-explode"]:
        v = verdict(cid, fast=False)
        expected, expected_readings = EXPECTED.get(cid, EXPLODE)
        assert v.verdict == expected, cid
        assert tuple(r["verdict"] for r in readings(v)) == expected_readings, cid
        if v.corrected_verified is not None:
            assert v.corrected_verified, cid


def test_explode_norm_reading_refuted_squared_reading_holds():
    """A-explode (fast measurements, shared with proofs_check.explosion): the norm grows by ≈ 1.21,
    the squared norm by ≈ π/(π−1); both decrease with B; the variants follow."""
    c = REGISTRY["A-explode"]
    v = verdict("A-explode")
    assert (v.verdict, tuple(r["verdict"] for r in readings(v))) == EXPLODE
    norm, squared = readings(v)
    assert norm["evidence"]["limit"]["estimate"] == pytest.approx(np.sqrt(np.pi / (np.pi - 1)), abs=0.02)
    assert norm["evidence"]["trend_holds"] and norm["evidence"]["above_one"]
    assert v.evidence["counterexample"]["sides"]["claimed_limit"] == pytest.approx(np.pi / (np.pi - 1))
    assert v.corrected_verified is True
    true, false = c.variants
    assert c.run(true, fast=True).verdict == HOLDS
    assert c.run(false, fast=True).verdict == REFUTED
    json.dumps(v.as_dict(), allow_nan=False)
