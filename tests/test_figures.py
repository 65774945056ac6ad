"""``bntheory figures`` (issue #7 items 1, 2): files, sidecars, determinism, drawing from records,
and the bound claims checked on the records -- with wrong records that the check must catch."""

from __future__ import annotations

import csv
import importlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bntheory import errors, figures, records
from bntheory.__main__ import build_parser, main

NAMES = list(records.EXPERIMENTS)


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """One whole ``bntheory figures`` run (seed 0) into a temporary directory."""
    out = tmp_path_factory.mktemp("figures")
    stdout = io.StringIO()
    summary = figures.run(out, seed=0, stream=stdout)
    return out, summary, stdout.getvalue()


def _rewrite(path: Path, change) -> None:
    """Rewrite a record CSV, applying ``change(row) -> row`` to every data row."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([rows[0]] + [change(r) for r in rows[1:]])


def _small_records(out: Path, name: str = "x") -> None:
    """A small valid record pair: one panel, a measured series, a bound and a claim."""
    rec = records.FigureRecords(name)
    rec.add("p", "s", "measured", [0, 1, 2], [1.0, 0.5, 0.25])
    rec.add("p", "b", "bound", [0, 1, 2], [1.0, 0.6, 0.3])
    rec.panel("p", title="t", x="x", y="y")
    rec.claim("p", "s", "b", 1e-3, "s <= b")
    records.write_records(rec, out, seed=0, env={})


def test_command_writes_every_file_and_reports_progress(full):
    out, summary, text = full
    assert list(summary) == NAMES
    for name in NAMES:
        for ext in ("csv", "json", "pdf", "png"):
            p = out / f"{name}.{ext}"
            assert p.is_file() and p.stat().st_size > 0, p
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (out / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
        assert f"] {name}" in text
    assert "bound claims hold" in text and "VIOLATED" not in text


def test_sidecar_has_seed_parameters_versions_git_and_says_setting_is_ours(full):
    out, _, _ = full
    for name in NAMES:
        side = json.loads((out / f"{name}.json").read_text())
        assert side["seed"] == 0 and side["figure"] == name and side["records"] == f"{name}.csv"
        assert side["parameters"] and side["illustrates"] and "MATH.md §" in side["illustrates"]
        assert set(side["environment"]) >= {"python", "numpy", "scipy", "sympy", "matplotlib", "platform", "git"}
        assert "ours" in side["setting"] and "not available" in side["setting"]
        assert side["columns"] == list(records.COLUMNS)
        for panel in side["panels"]:
            assert panel["title"] and panel["x"] and panel["y"]
        text = json.dumps(side).lower()
        assert "timestamp" not in text and "date" not in text


def test_every_bound_claim_holds_on_the_records(full):
    out, summary, _ = full
    n = 0
    for name in NAMES:
        claims = records.check_claims(records.read_records(out, name))
        assert all(c["holds"] and c["n_compared"] >= 1 for c in claims), [c for c in claims if not c["holds"]]
        n += len(claims)
        if name == "empirical":
            assert claims == []  # an experiment: no bound is claimed (MATH.md §5)
        else:
            assert claims
    assert n >= 20


@pytest.mark.parametrize("name,panel,series", [
    ("ols", "d=10 kappa=100", "Rayleigh-GD (BN)"),
    ("halfspace", "uSu=0.5", "GDNP T_s=20"),
    ("bisection", "uSu=0.99", "(d_g f)^2 at a^(T_s)"),
    ("network", "unit 1", "GDNP on unit 1"),
    ("tightness", "battery", "max_(t>=1) measured/bound"),
    ("explosion", "claims", "linear BN: |fit - (B-2)/(B-3)|"),
    ("bngd-ols", "step sizes", "BN-GD: steps to 1e-10 gap_0"),
])
def test_a_wrong_record_is_caught(full, tmp_path, name, panel, series):
    """Negative control: one measured value set to twice its bound (at an x above the floor) must
    make that claim fail, at that x -- and the redraw from the records must exit with status 1."""
    out, _, _ = full
    for ext in ("csv", "json"):
        shutil.copy(out / f"{name}.{ext}", tmp_path / f"{name}.{ext}")
    table = records.read_records(tmp_path, name)
    claim = next(c for c in table.meta["claims"] if c["panel"] == panel and c["measured"] == series)
    m, b = table.get(panel, series), table.get(panel, claim["bound"])
    xs = [x for x, v in zip(m["x"], m["value"]) if v >= claim["floor"] and x in set(b["x"]) and x > 0]
    x_bad = xs[len(xs) // 2]
    b_at = dict(zip(b["x"], b["value"]))[x_bad]

    def change(r):
        if r[1] == panel and r[2] == series and float(r[4]) == x_bad:
            r[5] = repr(2.0 * float(b_at))
        return r

    _rewrite(tmp_path / f"{name}.csv", change)
    bad = [c for c in records.check_claims(records.read_records(tmp_path, name)) if not c["holds"]]
    assert claim["bound"] in [c["bound"] for c in bad]  # (a second bound of the series may fail too)
    assert {(c["panel"], c["measured"]) for c in bad} == {(panel, series)}
    assert all(c["first_violation"][0] == x_bad for c in bad)
    assert main(["figures", "--from-records", str(tmp_path), "--only", name]) == 1


def test_records_are_read_back_from_disk_and_redrawing_runs_no_solver(full, tmp_path, monkeypatch):
    """The figure is drawn from the CSV: a changed record changes the drawn data, and with every
    solver and experiment replaced by a function that raises, ``--from-records`` still draws."""
    out, _, _ = full
    for ext in ("csv", "json"):
        shutil.copy(out / f"ols.{ext}", tmp_path / f"ols.{ext}")

    def boom(*a, **k):
        raise AssertionError("a solver was called while drawing")

    for mod, fn in (("gd", "gd"), ("gdnp", "gdnp"), ("rayleigh", "rayleigh_gd"), ("bngd", "bngd"),
                    ("alternating", "alternating_gdnp")):
        monkeypatch.setattr(importlib.import_module(f"bntheory.solvers.{mod}"), fn, boom)
    monkeypatch.setattr(records, "experiment", boom)
    monkeypatch.setattr(figures, "experiment", boom)

    def rayleigh_line(fig):
        ax = fig.axes[0]
        return next(ln for ln in ax.get_lines() if ln.get_label() == "Rayleigh-GD (BN)")

    table = records.read_records(tmp_path, "ols")
    y0 = rayleigh_line(figures.FIGURES["ols"](table)).get_ydata().copy()
    np.testing.assert_array_equal(y0[:5], table.get("d=10 kappa=10", "Rayleigh-GD (BN)")["value"][:5])
    target = ("d=10 kappa=10", "Rayleigh-GD (BN)", "3")
    _rewrite(tmp_path / "ols.csv", lambda r: r[:5] + ["0.125"] + r[6:] if (r[1], r[2], r[4]) == target else r)
    y1 = rayleigh_line(figures.FIGURES["ols"](records.read_records(tmp_path, "ols"))).get_ydata()
    assert y1[3] == 0.125 != y0[3] and np.array_equal(np.delete(y1, 3), np.delete(y0, 3), equal_nan=True)
    summary = figures.run(tmp_path, only="ols", from_records=tmp_path, stream=io.StringIO())
    assert (tmp_path / "ols.png").is_file() and summary["ols"]["files"][-1].endswith("ols.png")


def _compute(names, seed, out):
    env = records.environment()
    for name in names:
        records.write_records(records.experiment(name, seed), out, seed=seed, env=env)


def test_same_seed_gives_identical_records_another_seed_differs(tmp_path):
    names = ["ols", "bisection", "halfspace", "tightness"]
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    _compute(names, 3, a)
    _compute(names, 3, b)
    _compute(names, 4, c)
    for name in names:
        assert (a / f"{name}.csv").read_bytes() == (b / f"{name}.csv").read_bytes(), name
        assert (a / f"{name}.json").read_bytes() == (b / f"{name}.json").read_bytes(), name
        assert (a / f"{name}.csv").read_bytes() != (c / f"{name}.csv").read_bytes(), name


@pytest.mark.slow
def test_all_experiments_are_deterministic(tmp_path, full):
    """The whole set, against the fixture's run (seed 0, drawn by the command)."""
    out, _, _ = full
    _compute(NAMES, 0, tmp_path)
    for name in NAMES:
        assert (tmp_path / f"{name}.csv").read_bytes() == (out / f"{name}.csv").read_bytes(), name


@pytest.mark.slow
def test_figures_are_readable(full):
    """Issue #7 item 2: axes named, log scale where the panel declares it, bounds and predictions
    (kind ``prediction``, not bounds) dashed and labelled -- and nothing else dashed --, a legend,
    the instance in the title."""
    out, _, _ = full
    for name in NAMES:
        table = records.read_records(out, name)
        fig = figures.FIGURES[name](table)
        titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
        assert len(titles) == len(table.meta["panels"]) and fig._suptitle.get_text()
        assert fig.legends or any(ax.get_legend() for ax in fig.axes)
        for ax, panel in zip([ax for ax in fig.axes if ax.get_title()], table.meta["panels"]):
            assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == panel["title"]
            assert ax.get_yscale() == panel.get("yscale", "log")
            kinds = {n: s["kind"] for n, s in table.series.get(panel["id"], {}).items()}
            for ln in ax.get_lines():
                if ln.get_label().startswith("bound") or "bound (" in ln.get_label():
                    assert ln.get_linestyle() == "--", (name, ln.get_label())
            assert sum(k in ("bound", "prediction") for k in kinds.values()) == sum(
                ln.get_linestyle() == "--" for ln in ax.get_lines())
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_bad_only_and_missing_records_are_input_errors(tmp_path, capsys):
    with pytest.raises(errors.ParameterError, match="unknown figure nope.*known: ols"):
        figures.select("nope")
    with pytest.raises(errors.ParameterError, match="unknown figure"):
        figures.select(",")
    assert figures.select("tightness,ols") == ["tightness", "ols"]
    assert main(["figures", "--only", "ols,nope", "--out", str(tmp_path)]) == 2
    assert "unknown figure nope" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # refused before anything is computed
    with pytest.raises(errors.ParameterError, match="no record file"):
        figures.run(tmp_path, only="ols", from_records=tmp_path, stream=io.StringIO())
    assert main(["figures", "--from-records", str(tmp_path), "--only", "ols"]) == 2
    with pytest.raises(errors.ParameterError, match="kind"):
        records.FigureRecords("x").add("p", "s", "estimate", [0], [1.0])
    _small_records(tmp_path)
    _rewrite(tmp_path / "x.csv", lambda r: r[:5] + ["0.5x"] + r[6:])
    with pytest.raises(errors.ParameterError, match="line 2: .*not a pair of numbers"):
        records.read_records(tmp_path, "x")


def test_help_lists_figures():
    text = build_parser().format_help()
    assert "figures" in text
    sub = build_parser().parse_args(["figures", "--out", "d", "--seed", "2", "--only", "ols"])
    assert (str(sub.out), sub.seed, sub.only, sub.from_records) == ("d", 2, "ols", None)


# ---------------------------------------------------------------- review fixes (negative controls)
def test_duplicate_x_in_a_series_is_refused(tmp_path):
    """A second row with the same x in one series (drawn, but formerly never checked) is an input error."""
    _small_records(tmp_path)
    with open(tmp_path / "x.csv", "a", encoding="utf-8") as fh:
        fh.write("x,p,s,measured,1,5.0,\n")
    with pytest.raises(errors.ParameterError, match="x = 1 appears twice in series 's'"):
        records.read_records(tmp_path, "x")


def test_a_measured_x_without_a_bound_value_fails_the_claim(full, tmp_path):
    """The reviewer's reproduction: a measured row at an x the bound does not cover must fail the claim
    (it was drawn and silently skipped) and the command must exit 1."""
    _small_records(tmp_path)
    with open(tmp_path / "x.csv", "a", encoding="utf-8") as fh:
        fh.write("x,p,s,measured,5,1.0,\n")
    (c,) = records.check_claims(records.read_records(tmp_path, "x"))
    assert not c["holds"] and c["missing_bound"] == [5.0] and c["n_compared"] == 3
    # below the floor a missing bound value is not a failure
    _small_records(tmp_path)
    with open(tmp_path / "x.csv", "a", encoding="utf-8") as fh:
        fh.write("x,p,s,measured,5,1e-9,\n")
    (c,) = records.check_claims(records.read_records(tmp_path, "x"))
    assert c["holds"] and c["missing_bound"] == []
    out, _, _ = full
    for ext in ("csv", "json"):
        shutil.copy(out / f"network.{ext}", tmp_path / f"network.{ext}")
    with open(tmp_path / "network.csv", "a", encoding="utf-8") as fh:
        fh.write("network,unit 1,GDNP on unit 1,measured,500,1.0,\n")
    assert main(["figures", "--from-records", str(tmp_path), "--only", "network"]) == 1


def test_malformed_records_raise_a_named_error(tmp_path):
    _small_records(tmp_path)
    (tmp_path / "x.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(errors.ParameterError, match="not valid JSON"):
        records.read_records(tmp_path, "x")
    _small_records(tmp_path)
    _rewrite(tmp_path / "x.csv", lambda r: r[:4])
    with pytest.raises(errors.ParameterError, match="line 2: 4 cells, expected 7"):
        records.read_records(tmp_path, "x")
    for drop in ("panels", "claim"):
        _small_records(tmp_path)
        side = json.loads((tmp_path / "x.json").read_text())
        if drop == "panels":
            del side["panels"]
        else:
            del side["claims"][0]["bound"]
        (tmp_path / "x.json").write_text(json.dumps(side))
        with pytest.raises(errors.ParameterError, match="no 'panels'" if drop == "panels" else "claim 0 lacks 'bound'"):
            records.read_records(tmp_path, "x")
    with pytest.raises(errors.ShapeMismatchError, match="3 x values but 2 labels"):
        records.FigureRecords("x").add("p", "s", "measured", [0, 1, 2], [1.0, 2.0, 3.0], ["a", "b"])


def test_bad_out_and_seed_are_input_errors(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["figures", "--only", "bisection", "--out", str(blocker)]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert main(["figures", "--only", "bisection", "--out", str(blocker / "sub")]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["figures", "--only", "bisection", "--seed", "-1", "--out", str(tmp_path / "o")]) == 2
    assert "seed must be a non-negative integer" in capsys.readouterr().err
    with pytest.raises(errors.ParameterError, match="seed"):
        records.experiment("bisection", -1)
    assert main(["figures", "--only", "bisection", "--seed", "3", "--from-records", str(tmp_path)]) == 2
    assert "--from-records" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_progress_reports_ratio_after_start_and_n_compared_and_floors_are_drawn(full):
    """Per claim: the max ratio over t >= 1 (t = 0 is ~1 by construction with the a-posteriori Phi)
    and how many points were compared; the claims' floors are series of the halfspace and network
    panels; the network's unit-2 claim is an experiment's, labelled truthfully."""
    out, summary, text = full
    hs = [c for c in summary["halfspace"]["claims"]]
    assert all(c["max_ratio_after_start"] < 0.9 for c in hs)
    assert max(c["max_ratio"] for c in hs) > 0.99  # the t = 0 value the README must not quote
    for c in hs + summary["network"]["claims"]:
        assert f"n_compared {c['n_compared']} of {c['n_measured']}" in text
        assert f"over t >= 1: {c['max_ratio_after_start']:.3g}" in text
    for name in ("halfspace", "network"):
        table = records.read_records(out, name)
        for c in table.meta["claims"]:
            floors = [s["value"][0] for s in table.series[c["panel"]].values() if s["kind"] == "floor"]
            assert c["floor"] in floors, (name, c)
    net = {c["panel"]: c for c in summary["network"]["claims"]}
    assert net["unit 1"]["regime"] == "theorem" and net["unit 2"]["regime"] == "experiment"
    assert "max(C_P, sup ĉ₁²) (a posteriori)" in net["unit 2"]["bound"]
    assert "experiment claims hold 1/1" in text
    side = json.loads((out / "empirical.json").read_text())
    assert "not reproduced in this setting" in side["illustrates"]


def test_an_experiment_claim_does_not_set_the_exit_status(full, tmp_path, capsys):
    out, _, _ = full
    for ext in ("csv", "json"):
        shutil.copy(out / f"network.{ext}", tmp_path / f"network.{ext}")
    side = json.loads((tmp_path / "network.json").read_text())
    c2 = next(c for c in side["claims"] if c["panel"] == "unit 2")
    _rewrite(tmp_path / "network.csv",
             lambda r: r[:5] + ["1e9"] + r[6:] if (r[1], r[2], r[4]) == ("unit 2", c2["measured"], "3") else r)
    assert main(["figures", "--from-records", str(tmp_path), "--only", "network"]) == 0
    assert "experiment claim VIOLATED" in capsys.readouterr().out


def test_bisection_labels_are_mapped_by_series_name(full, tmp_path):
    """Labels follow the series names, not their position in the file."""
    out, _, _ = full
    for ext in ("csv", "json"):
        shutil.copy(out / f"bisection.{ext}", tmp_path / f"bisection.{ext}")
    with open(tmp_path / "bisection.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    body = sorted(rows[1:], key=lambda r: (r[1], r[2] != "floor 1e-20 (quadrature)", r[2]))
    with open(tmp_path / "bisection.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([rows[0]] + body)
    fig = figures.FIGURES["bisection"](records.read_records(tmp_path, "bisection"))
    for ln in fig.axes[0].get_lines():
        if ln.get_label().startswith("paper") or ln.get_label().startswith("Lipschitz"):
            assert ln.get_linestyle() == "--", ln.get_label()
        if ln.get_label().startswith("floor"):
            assert ln.get_linestyle() == ":" and len(set(ln.get_ydata())) == 1
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_explosion_figure_draws_predictions_and_checks_its_claims(full, tmp_path):
    """Issue #8 item 2: the ``explosion`` records hold the per-layer curves for several batch sizes
    with their predicted growth, the no-BN control, and claims on |fit − prediction| and 2 SE (the
    recorded distance is the one computed from the recorded fit); a distance of 0.03 > 0.02 is caught."""
    out, summary, text = full
    table = records.read_records(out, "explosion")
    for pid, Bs in (("linear", (7, 10, 16, 64)), ("relu", (4, 8, 32, 256))):
        kinds = {n: s["kind"] for n, s in table.series[pid].items()}
        assert all(kinds[f"B={B}"] == "measured" for B in Bs) and any(n.startswith("no BN") for n in kinds)
        assert sum(k == "prediction" for k in kinds.values()) == (5 if pid == "linear" else 2)
    dev_name = "linear BN: |fit - (B-2)/(B-3)|"
    fit, dev = table.get("fit", "linear BN: fitted growth"), table.get("claims", dev_name)
    np.testing.assert_allclose(dev["value"], np.abs(fit["value"] - (fit["x"] - 2) / (fit["x"] - 3)), rtol=1e-12)
    assert all(c["holds"] for c in summary["explosion"]["claims"]) and len(summary["explosion"]["claims"]) == 8
    assert "over every x" in text
    for ext in ("csv", "json"):
        shutil.copy(out / f"explosion.{ext}", tmp_path / f"explosion.{ext}")
    _rewrite(tmp_path / "explosion.csv",
             lambda r: r[:5] + ["0.03"] + r[6:] if (r[1], r[2], r[4]) == ("claims", dev_name, "16") else r)
    bad = [c for c in records.check_claims(records.read_records(tmp_path, "explosion")) if not c["holds"]]
    assert [c["measured"] for c in bad] == [dev_name] and bad[0]["first_violation"][0] == 16.0


def test_bngd_ols_figure_records_the_sweep_and_its_claims_fail_on_wrong_records(full, tmp_path):
    """Issue #8 item 3: BN-GD's steps to 1e-10·gap_0 are finite at all 17 step sizes (labelled
    within K / extrapolated), GD's are infinite exactly above 2/λ_max; a non-converging BN-GD point
    (steps = inf) fails the claim, and so does a GD gap below its top-mode lower bound (at_least)."""
    out, summary, text = full
    table = records.read_records(out, "bngd-ols")
    b, g = table.get("step sizes", "BN-GD: steps to 1e-10 gap_0"), table.get("step sizes", "GD: steps to 1e-10 gap_0")
    two_L = table.get("step sizes", "GD threshold 2/lambda_max")["x"][0]
    assert b["x"].size == 17 and np.all(np.isfinite(b["value"])) and set(b["label"]) == {"within K", "extrapolated"}
    np.testing.assert_array_equal(np.isfinite(g["value"]), g["x"] < two_L)
    assert all(c["holds"] for c in summary["bngd-ols"]["claims"]) and len(summary["bngd-ols"]["claims"]) == 2
    assert ">= bound (lower)" in text
    for ext in ("csv", "json"):
        shutil.copy(out / f"bngd-ols.{ext}", tmp_path / f"bngd-ols.{ext}")
    name = "BN-GD: steps to 1e-10 gap_0"
    _rewrite(tmp_path / "bngd-ols.csv",
             lambda r: r[:5] + ["inf"] + r[6:] if (r[1], r[2], r[4]) == ("step sizes", name, "1000") else r)
    bad = [c for c in records.check_claims(records.read_records(tmp_path, "bngd-ols")) if not c["holds"]]
    assert [c["measured"] for c in bad] == [name] and bad[0]["first_violation"][0] == 1000.0
    assert main(["figures", "--from-records", str(tmp_path), "--only", "bngd-ols"]) == 1
    shutil.copy(out / "bngd-ols.csv", tmp_path / "bngd-ols.csv")
    gd = "GD, eps = 1.01*2/lambda_max"
    lower = dict(zip(*[table.get("gap", "bound (lower): top-mode part of GD's gap")[k] for k in ("x", "value")]))
    _rewrite(tmp_path / "bngd-ols.csv",
             lambda r: r[:5] + [repr(0.5 * float(lower[200.0]))] + r[6:] if (r[1], r[2], r[4]) == ("gap", gd, "200") else r)
    bad = [c for c in records.check_claims(records.read_records(tmp_path, "bngd-ols")) if not c["holds"]]
    assert [c["measured"] for c in bad] == [gd] and bad[0]["first_violation"][0] == 200.0
    assert main(["figures", "--from-records", str(tmp_path), "--only", "bngd-ols"]) == 1
