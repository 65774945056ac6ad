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
def test_all_six_experiments_are_deterministic(tmp_path, full):
    """The whole set, against the fixture's run (seed 0, drawn by the command)."""
    out, _, _ = full
    _compute(NAMES, 0, tmp_path)
    for name in NAMES:
        assert (tmp_path / f"{name}.csv").read_bytes() == (out / f"{name}.csv").read_bytes(), name


@pytest.mark.slow
def test_figures_are_readable(full):
    """Issue #7 item 2: axes named, log scale where the panel declares it, bounds dashed and
    labelled, a legend, the instance in the title."""
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
            assert sum(k == "bound" for k in kinds.values()) == sum(
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
    rec = records.FigureRecords("x")
    rec.add("p", "s", "measured", [0, 1], [1.0, 0.5])
    records.write_records(rec, tmp_path, seed=0, env={})
    _rewrite(tmp_path / "x.csv", lambda r: r[:5] + ["0.5x"] + r[6:])
    with pytest.raises(errors.ParameterError, match="line 2: .*not a pair of numbers"):
        records.read_records(tmp_path, "x")


def test_help_lists_figures():
    text = build_parser().format_help()
    assert "figures" in text
    sub = build_parser().parse_args(["figures", "--out", "d", "--seed", "2", "--only", "ols"])
    assert (str(sub.out), sub.seed, sub.only, sub.from_records) == ("d", 2, "ols", None)
