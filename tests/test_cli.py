"""The ``bntheory`` command and ``python -m proofs_check``: options, report, exit status."""

import json
import subprocess
import sys
import types

import sympy as sp

import proofs_check.runner as runner
from bntheory import __version__
from bntheory.__main__ import main
from bntheory.symbolic.derivation import derive
from proofs_check.result import from_derivation


def run_module(*args):
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=300)


def test_version_and_help_list_the_subcommands():
    out = run_module("bntheory", "--version")
    assert out.returncode == 0 and out.stdout.strip() == f"bntheory {__version__}"
    out = run_module("bntheory", "--help")
    assert out.returncode == 0 and "verify" in out.stdout


def test_verify_fast_only_writes_json_and_exits_zero(tmp_path):
    path = tmp_path / "report.json"
    code = main(["verify", "--fast", "--only", "bn.backward.compact", "--json", str(path)])
    assert code == 0
    report = json.loads(path.read_text())
    assert [c["id"] for c in report["checks"]] == ["bn.backward.compact"]
    check = report["checks"][0]
    assert check["status"] == "pass" and check["evidence"]["verification"]["status"] == "proved"
    assert all(c["status"] == "rejected" for c in check["negative_controls"])
    assert report["summary"] == {"passed": 1, "failed": 0, "negative_controls_rejected": 3, "negative_controls_total": 3,
                                 "claims": {"holds": 0, "refuted": 0, "not-checkable": 0, "failed": []}}
    assert report["claims"] == []
    assert set(report["environment"]) >= {"python", "numpy", "scipy", "sympy", "platform", "git"}


def test_python_m_proofs_check_is_the_same_command():
    out = run_module("proofs_check", "--fast", "--only", "bn.backward.beta")
    assert out.returncode == 0, out.stderr
    assert "bn.backward.beta" in out.stdout and "1 passed, 0 failed" in out.stdout


def _fake_section(control_true: bool):
    x = sp.Symbol("x")
    wrong = x if control_true else x + 1  # a "wrong" variant that is in fact right must be caught

    def checks(*, fast, seed, select):
        yield from_derivation(derive("fake.check", "§0", "x = x", x, x, controls=[("variant", x, wrong)]))

    return types.SimpleNamespace(checks=checks)


def test_an_accepted_negative_control_makes_verify_fail(monkeypatch, capsys):
    monkeypatch.setattr(runner, "SECTIONS", [("fake", _fake_section(control_true=True))])
    assert main(["verify"]) == 1
    assert "1 failed" in capsys.readouterr().out
    monkeypatch.setattr(runner, "SECTIONS", [("fake", _fake_section(control_true=False))])
    assert main(["verify"]) == 0


def test_only_without_match_is_an_error(capsys):
    assert main(["verify", "--fast", "--only", "no-such-check"]) == 2
    assert "no check or claim matches" in capsys.readouterr().err


def test_no_subcommand_prints_help(capsys):
    assert main([]) == 2
    assert "verify" in capsys.readouterr().out
