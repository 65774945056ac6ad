"""`bntheory verify` reports: the JSON schema of the README, Markdown, the LaTeX appendix
(compiled with pdflatex), and determinism (issue #5 items 2–4 and 6)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import proofs_check.runner as runner
from proofs_check.report import tex_text, to_latex, to_markdown
from proofs_check.result import ControlResult, Outcome, check, from_derivation

TOP_KEYS = {"version", "seed", "fast", "only", "environment", "checks", "claims", "summary", "seconds"}
CLAIM_KEYS = {"id", "source", "claim_latex", "verdict", "method", "evidence", "corrected_latex"}
CHECK_KEYS = {"id", "section", "statement_latex", "kind", "assumptions", "method", "status", "measured", "bound",
              "ratio", "evidence", "negative_control", "negative_controls", "seconds"}
TIMING_KEYS = {"seconds"}


@pytest.fixture(scope="module")
def fast_report():
    """One full ``--fast`` run, shared by the tests of this module."""
    with open(os.devnull, "w") as null:
        return runner.run(fast=True, seed=0, out=null)


def test_report_follows_the_documented_schema(fast_report):
    r = fast_report
    assert set(r) == TOP_KEYS
    assert set(r["environment"]) == {"python", "numpy", "scipy", "sympy", "platform", "git"}
    assert set(r["summary"]) == {"passed", "failed", "negative_controls_rejected", "negative_controls_total", "claims"}
    assert r["summary"]["failed"] == 0 and r["summary"]["passed"] == len(r["checks"])
    assert set(r["summary"]["claims"]) == {"holds", "refuted", "not-checkable", "failed"}
    assert r["summary"]["claims"]["failed"] == [] and r["claims"]
    assert sum(r["summary"]["claims"][k] for k in ("holds", "refuted", "not-checkable")) == len(r["claims"])
    for c in r["claims"]:
        assert set(c) == CLAIM_KEYS and c["verdict"] in ("holds", "refuted", "not-checkable"), c["id"]
    sections = {c["id"].split(".")[0] for c in r["checks"]}
    assert {"bn", "reparam", "ols", "halfspace", "mlp"} <= sections
    for c in r["checks"]:
        assert set(c) == CHECK_KEYS, c["id"]
        assert c["status"] in ("pass", "fail") and c["kind"] in ("symbolic", "numerical")
        assert set(c["negative_control"]) == {"description", "status"}
        assert c["negative_control"]["status"] == "rejected" and c["negative_controls"]
        for ctl in c["negative_controls"]:
            assert set(ctl) == {"description", "status", "measured", "bound", "ratio", "detail"}
        if c["kind"] == "numerical":
            assert all(isinstance(c[k], float) for k in ("measured", "bound", "ratio")), c["id"]
            assert abs(c["ratio"] - c["measured"] / c["bound"]) <= 1e-12 * abs(c["ratio"])
            assert "seed" in c["evidence"]
        else:
            assert c["measured"] is None and c["evidence"]["verification"]["status"] in ("proved", "consistent")
    json.dumps(r, allow_nan=False)  # strict JSON: no NaN/Infinity literals


def _wrong_claim(monkeypatch, measured):
    @check("fake.bound", "MATH.md §0", r"x \le 1")
    def fake(*, seed, fast):
        """x ≤ 1; control: x ≤ 0.1."""
        return Outcome(measured, 1.0, "one value", {"x": measured},
                       [ControlResult.from_bound("bound 0.1", measured, 0.1)])

    import types
    section = types.SimpleNamespace(checks=lambda *, fast, seed, select: iter([fake(seed=seed, fast=fast)]))
    monkeypatch.setattr(runner, "SECTIONS", [("fake", section)])


def test_a_violated_numerical_bound_fails_verify_and_shows_in_every_format(monkeypatch, tmp_path, capsys):
    from bntheory.__main__ import main

    _wrong_claim(monkeypatch, 0.5)
    assert main(["verify"]) == 0
    _wrong_claim(monkeypatch, 1.5)  # the claim is violated (and its control too, which is fine)
    md, tex, js = tmp_path / "r.md", tmp_path / "r.tex", tmp_path / "r.json"
    assert main(["verify", "--md", str(md), "--latex", str(tex), "--json", str(js)]) == 1
    out = capsys.readouterr().out
    assert "0 passed, 1 failed" in out and "1.5" in out
    row = json.loads(js.read_text())["checks"][0]
    assert (row["status"], row["measured"], row["bound"], row["ratio"]) == ("fail", 1.5, 1.0, 1.5)
    assert "| **fail** |" in md.read_text()
    assert r"\textbf{Verdict:} fail" in tex.read_text()


def test_the_table_has_the_issue_columns(capsys):
    from bntheory.__main__ import main

    assert main(["verify", "--fast", "--only", "bn.backward.gamma"]) == 0
    header, _, row = capsys.readouterr().out.splitlines()[:3]
    for col in ("id", "statement", "method", "measured", "bound", "ratio", "verdict", "controls"):
        assert col in header
    assert row.startswith("bn.backward.gamma") and "proved" in row and "2/2 rejected" in row


def test_markdown_lists_every_check(fast_report):
    md = to_markdown(fast_report)
    for c in fast_report["checks"]:
        assert f"`{c['id']}`" in md
    assert md.count("| **pass** |") == len(fast_report["checks"])


def test_tex_text_renders_every_character_of_a_report(fast_report):
    tex = to_latex(fast_report)
    assert "[U+" not in tex  # every Unicode character of ids, methods, notes and controls is rendered
    assert tex_text("50% of a_b & {x}") == r"50\% of a\_b \& \{x\}"
    assert "[U+2603 SNOWMAN]" in tex_text("☃")  # unknown characters stay visible, never dropped


def _pdflatex():
    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("BNTHEORY_REQUIRE_PDFLATEX"):
            pytest.fail("pdflatex is required here (BNTHEORY_REQUIRE_PDFLATEX is set) but not installed")
        pytest.skip("pdflatex not installed (CI installs texlive-latex-base)")
    return exe


def test_latex_appendix_compiles_with_pdflatex(fast_report, tmp_path):
    exe = _pdflatex()
    (tmp_path / "appendix.tex").write_text(to_latex(fast_report), encoding="utf-8")
    out = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "appendix.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:]
    assert (tmp_path / "appendix.pdf").stat().st_size > 10_000
    log = (tmp_path / "appendix.log").read_text(errors="replace")
    assert "Undefined control sequence" not in log and "Missing $" not in log
    # nothing runs off the page (batteries too wide for a table are written one instance per line)
    over = [float(x) for x in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\)", log)]
    assert max(over, default=0.0) < 20.0, over


def test_latex_body_alone_compiles_in_a_paper(fast_report, tmp_path):
    """The part between the body markers compiles inside another document with the packages the
    docstring names (its own environment and macros travel with it)."""
    exe = _pdflatex()
    tex = to_latex(fast_report)
    body = tex[tex.index("% --- begin body"):tex.index("% --- end body")]
    paper = ("\\documentclass{article}\n\\usepackage{amsmath,amssymb,amsthm,longtable,graphicx}\n"
             "\\begin{document}\nA paper.\n" + body + "\n\\end{document}\n")
    (tmp_path / "paper.tex").write_text(paper, encoding="utf-8")
    out = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "paper.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:]


def test_latex_control_a_broken_statement_does_not_compile(fast_report, tmp_path):
    """Negative control of the compile test: an unbalanced statement makes pdflatex fail."""
    exe = _pdflatex()
    broken = json.loads(json.dumps(fast_report))
    broken["checks"] = broken["checks"][:1]
    broken["checks"][0]["statement_latex"] = r"\frac{1}{"
    (tmp_path / "bad.tex").write_text(to_latex(broken), encoding="utf-8")
    out = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "bad.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0


def _without_timing(x):
    if isinstance(x, dict):
        return {k: _without_timing(v) for k, v in x.items() if k not in TIMING_KEYS}
    if isinstance(x, list):
        return [_without_timing(v) for v in x]
    return x


def _run_json(tmp_path, name, hashseed, *args):
    path = tmp_path / name
    env = {**os.environ, "PYTHONHASHSEED": str(hashseed)}
    out = subprocess.run([sys.executable, "-m", "proofs_check", "--json", str(path), *args], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return json.loads(path.read_text())


def test_two_runs_with_the_same_seed_give_identical_json(tmp_path):
    """Two processes (with different string-hash seeds) give the same report apart from timings;
    control: another ``--seed`` changes it (so the comparison can fail)."""
    a = _run_json(tmp_path, "a.json", 1, "--fast", "--seed", "3")
    b = _run_json(tmp_path, "b.json", 2, "--fast", "--seed", "3")
    assert _without_timing(a) == _without_timing(b)
    c = _run_json(tmp_path, "c.json", 1, "--fast", "--seed", "4", "--only", "bn.backward.*")
    a_bn = {**_without_timing(a), "checks": [x for x in _without_timing(a)["checks"] if x["id"].startswith("bn.backward.")]}
    assert _without_timing(c)["checks"] != a_bn["checks"]


@pytest.mark.slow
def test_default_run_is_deterministic(tmp_path):
    a = _run_json(tmp_path, "a.json", 5)
    b = _run_json(tmp_path, "b.json", 6)
    assert _without_timing(a) == _without_timing(b)
    assert a["summary"]["failed"] == 0


def test_from_derivation_keeps_timings_out_of_the_evidence():
    import sympy as sp

    from bntheory.symbolic.derivation import derive

    x = sp.Symbol("x")
    r = from_derivation(derive("demo.id", "§0", "x = x", x, x, controls=[("plus one", x, x + 1)]))
    assert "seconds" not in json.dumps(r.evidence) and "seconds" not in json.dumps([c.as_dict() for c in r.controls])
    assert r.status == "pass" and r.as_dict()["negative_control"] == {"description": "plus one", "status": "rejected"}
