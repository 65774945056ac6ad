"""The claims catalog (#6): every CLAIMS.md id decided by a computation that follows the mathematics.

Registry-wide: every id of CLAIMS.md is registered; on every checkable claim the registered true
altered version is confirmed and the false one refuted by the same evaluation; the article's form
gets a well-formed verdict (a refutation carries its counterexample and its correction is
confirmed).  Framework: a refutation without its counterexample, a corrected form that the
evaluation does not confirm, bad CLI input — each fails loudly.  The per-topic expectations (which
claims the mathematics refutes) are in tests/test_claims_<topic>.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import proofs_check.claims  # noqa: F401  (registers every claim)
from bntheory.__main__ import main as bntheory_main
from bntheory.errors import ParameterError
from proofs_check.claims.core import (HOLDS, NOT_CHECKABLE, REFUTED, REGISTRY, Claim, Counterexample, Finding,
                                      claim, literal_reading)
from proofs_check.claims.errata import to_errata_markdown
from proofs_check.claims.ids import CLAIMS_MD, EMPIRICAL, ORDER, SECTIONS
from proofs_check.claims.runner import evaluate_claims, registered_in_order
from proofs_check.runner import run as verify_run

CHECKABLE = CLAIMS_MD  # every CLAIMS.md id is checkable (asserted below)
CLAIM_KEYS = {"id", "source", "claim_latex", "verdict", "method", "evidence", "corrected_latex"}


def _spec_claims_md() -> Path | None:
    for p in (Path(__file__).resolve().parents[2] / "shared" / "spec" / "CLAIMS.md",
              Path("/work/shared/spec/CLAIMS.md")):
        if p.is_file():
            return p
    return None


def test_the_ids_are_claims_md_ids_in_order():
    spec = _spec_claims_md()
    if spec is None:
        pytest.skip("the specification CLAIMS.md is not beside this clone")
    ids = re.findall(r"^\| ([AB]-[a-z0-9-]+) \|", spec.read_text(encoding="utf-8"), re.M)
    assert tuple(ids) == CLAIMS_MD


def test_every_id_is_registered_and_nothing_else():
    claims = registered_in_order()
    assert [c.id for c in claims] == list(ORDER)
    assert all(REGISTRY[i].checkable for i in CLAIMS_MD)
    assert not any(REGISTRY[i].checkable for i in EMPIRICAL)
    assert all(REGISTRY[i].why_not_checkable for i in EMPIRICAL)


@pytest.fixture(scope="module")
def fast_verdicts():
    return {c.id: c.run(fast=True, seed=0) for c in registered_in_order()}


@pytest.mark.parametrize("cid", CHECKABLE)
def test_the_altered_versions_get_the_verdict_the_mathematics_gives(cid):
    c = REGISTRY[cid]
    true_variant, false_variant = c.variants
    assert c.run(true_variant, fast=True).verdict == HOLDS
    refuted = c.run(false_variant, fast=True)
    assert refuted.verdict == REFUTED
    assert refuted.evidence["counterexample"]["sides"]


@pytest.mark.parametrize("cid", ORDER)
def test_each_verdict_is_well_formed(cid, fast_verdicts):
    v = fast_verdicts[cid]
    d = v.as_dict()
    assert set(d) == CLAIM_KEYS
    json.dumps(d, allow_nan=False)  # strict JSON
    assert d["source"].startswith(("Article A", "Article B"))
    if v.verdict == NOT_CHECKABLE:
        assert d["evidence"]["why"] and d["corrected_latex"] is None
        return
    assert v.verdict in (HOLDS, REFUTED) and d["method"]
    for r in d["evidence"].get("readings", []):
        assert r["verdict"] in (HOLDS, REFUTED) and r["reading"]
    if v.verdict == REFUTED:
        cex = d["evidence"]["counterexample"]
        assert cex["instance"] and len(cex["sides"]) >= 2
        if REGISTRY[cid].corrected is not None:
            assert d["corrected_latex"] == REGISTRY[cid].corrected[0]
            assert d["evidence"]["corrected"]["verdict"] == HOLDS and v.corrected_verified
    else:
        assert "counterexample" not in d["evidence"] and d["corrected_latex"] is None


def test_claims_are_deterministic(fast_verdicts):
    cid = "A-ols-reparam"
    assert REGISTRY[cid].run(fast=True, seed=0).as_dict() == fast_verdicts[cid].as_dict()


# --- framework ------------------------------------------------------------------------------

def _cex():
    return Counterexample({"x": 1}, {"lhs": 1, "rhs": 2}, "differ")


def test_a_refutation_needs_its_counterexample_and_a_confirmation_has_none():
    with pytest.raises(ParameterError, match="counterexample"):
        Finding(False, "exact", {})
    with pytest.raises(ParameterError, match="cannot carry"):
        Finding(True, "exact", {}, _cex())
    with pytest.raises(ParameterError, match="method"):
        Finding.confirmed("", {})
    with pytest.raises(ParameterError, match="both sides"):
        Counterexample({"x": 1}, {"lhs": 1})


def test_the_literal_reading_decides_and_every_reading_is_reported():
    f = Finding.from_readings([literal_reading("as printed", False, {"r": 2.0}, _cex()),
                               literal_reading("S^-1 norm", True, {"r": 0.5}, None)], "battery")
    assert not f.holds and f.refutation is not None
    ev = f.as_evidence()
    assert [r["verdict"] for r in ev["readings"]] == [REFUTED, HOLDS]
    with pytest.raises(ParameterError, match="reading"):
        Finding.from_readings([literal_reading("as printed", False, {}, None)], "battery")


@pytest.fixture
def scratch_claim():
    """Register throw-away claims ``A-test-*`` and remove them afterwards."""
    before = set(REGISTRY)
    yield claim
    for k in set(REGISTRY) - before:
        REGISTRY.pop(k)


def _equals_two(stated, *, fast, seed):
    """Decide ``1 + 1 = stated`` in integer arithmetic."""
    if 1 + 1 == stated:
        return Finding.confirmed("integer arithmetic", {"value": 2})
    return Finding.counterexample("integer arithmetic", Counterexample({"a": 1, "b": 1}, {"lhs": 2, "rhs": stated}))


def test_registration_refuses_bad_declarations(scratch_claim):
    scratch_claim("A-test-ok", "A", "Demo", "1+1=2", stated=2, variants=(2, 3))(_equals_two)
    with pytest.raises(ParameterError, match="twice"):
        scratch_claim("A-test-ok", "A", "Demo", "1+1=2", stated=2, variants=(2, 3))(_equals_two)
    with pytest.raises(ParameterError, match="variants"):
        scratch_claim("A-test-novariants", "A", "Demo", "1+1=2", stated=2, variants=(2,))
    with pytest.raises(ParameterError, match="article"):
        scratch_claim("C-test", "C", "Demo", "1+1=2", stated=2, variants=(2, 3))(_equals_two)


def test_control_an_unconfirmed_correction_fails_the_run(scratch_claim, monkeypatch, capsys):
    """A wrong corrected form is caught by the same evaluation and makes the run fail (exit 1)."""
    from proofs_check.claims import runner as claims_runner

    scratch_claim("A-test-badfix", "A", "Demo", "1+1=3", stated=3, variants=(2, 4),
                  corrected=("1+1=4", 4))(_equals_two)
    v = REGISTRY["A-test-badfix"].run()
    assert v.verdict == REFUTED and v.corrected_verified is False
    assert v.evidence["corrected"]["verdict"] == REFUTED
    good = Claim("A-test-goodfix", "A", "Demo", "1+1=3", _equals_two, 3, (2, 4), ("1+1=2", 2))
    assert good.run().corrected_verified is True
    monkeypatch.setattr(claims_runner, "ORDER", ORDER + ("A-test-badfix",))
    assert evaluate_claims(only="A-test-badfix")[1]["failed"] == ["A-test-badfix"]
    assert bntheory_main(["claims", "--only", "A-test-badfix"]) == 1
    assert "NOT confirmed for A-test-badfix" in capsys.readouterr().out


# --- command and errata page ----------------------------------------------------------------

def test_claims_command_writes_json_and_the_errata_page(tmp_path, capsys):
    js, md = tmp_path / "claims.json", tmp_path / "errata.md"
    assert bntheory_main(["claims", "--only", "A-ols-*", "--fast", "--json", str(js), "--md", str(md)]) == 0
    data = json.loads(js.read_text())
    assert {c["id"] for c in data["claims"]} == {i for i in ORDER if i.startswith("A-ols-")}
    assert all(set(c) == CLAIM_KEYS for c in data["claims"])
    page = md.read_text()
    assert page.startswith("# Errata") and "## Article A" in page and "### Least-square problem" in page
    assert "#### `A-ols-reparam` — **refuted**" in page and "Counterexample" in page and "Correction" in page
    assert "Article B" not in page


@pytest.mark.parametrize("argv, message", [
    (["--only", "no-such-claim"], "no claim matches"),
    (["--seed", "-1"], "--seed"),
    (["--md", "/nonexistent-dir/errata.md"], "does not exist"),
])
def test_claims_command_refuses_bad_input(argv, message, capsys):
    assert bntheory_main(["claims", *argv]) == 2
    assert message in capsys.readouterr().err


def test_errata_page_groups_by_article_then_section(fast_verdicts):
    page = to_errata_markdown([v.as_dict() for v in fast_verdicts.values()])
    a, b = page.index("## Article A"), page.index("## Article B")
    assert a < b
    assert page.index("### Procedures/Backpropagation") < page.index("### Theoretical Understanding") \
        < page.index("### Least-square problem") < b
    sources = {v.as_dict()["source"].split(", ", 1)[1] for v in fast_verdicts.values()}
    assert sources <= set(SECTIONS["A"]) | set(SECTIONS["B"])  # every section has its place in the order
    assert page.count("#### `") == len(ORDER)
    assert page.count("not checkable here") >= len(EMPIRICAL)


def test_verify_reports_the_claims(capsys):
    report = verify_run(fast=True, only="A-ols-reparam")
    assert report["checks"] == [] and [c["id"] for c in report["claims"]] == ["A-ols-reparam"]
    assert set(report["claims"][0]) == CLAIM_KEYS
    assert report["summary"]["claims"] == {HOLDS: 0, REFUTED: 1, NOT_CHECKABLE: 0, "failed": []}
    assert "claims: 0 hold, 1 refuted" in capsys.readouterr().out


def test_the_readme_lists_exactly_the_refuted_claims(fast_verdicts):
    """The README's table of refuted statements is the computed one (no verdict kept by hand)."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## `bntheory claims`"):readme.index("## `bntheory figures`")]
    listed = set(re.findall(r"^\| ([AB]-[a-z0-9-]+) \|", section, re.M))
    assert listed == {i for i, v in fast_verdicts.items() if v.verdict == REFUTED}
    counts = {k: sum(v.verdict == k for v in fast_verdicts.values()) for k in (HOLDS, REFUTED, NOT_CHECKABLE)}
    assert f"**{counts[HOLDS]} hold, {counts[REFUTED]} refuted, {counts[NOT_CHECKABLE]} not checkable**" in section
