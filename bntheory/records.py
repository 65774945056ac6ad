r"""Tidy records of the convergence experiments behind ``bntheory figures`` (issue #7; DESIGN.md, "Records").

Every figure of :mod:`bntheory.figures` is drawn from two files written here, never from a solver
run in the drawing code:

``<name>.csv``
    A tidy table, one observation per row, columns :data:`COLUMNS`:
    ``figure, panel, series, kind, x, value, label``.  ``kind`` is ``measured`` (read off a solver
    trace), ``bound`` (a theorem's right-hand side from :mod:`bntheory.bounds`, evaluated on the
    same trace), ``prediction`` (a theory's predicted value, *not* a bound: the measured series may
    lie on either side; drawn dashed like a bound), ``reference`` (a comparison curve that is *not* a
    bound) or ``floor`` (a precision floor, MATH.md §9.1).  ``x`` is the iteration ``t``, the number
    of halvings ``T_s``, a depth, a batch size or an instance index; ``label`` names the instance
    where ``x`` is an index.  Floats are written with
    ``repr`` (shortest round trip), so the same numbers give the same bytes.
``<name>.json``
    The sidecar: ``seed``, ``parameters``, the ``environment`` (Python, NumPy, SciPy, SymPy,
    Matplotlib, mpmath, platform, git revision and whether the code directories had uncommitted
    changes), the theorem the figure illustrates, whether its setting stands in for the paper's,
    the panels (title naming the instance, axis quantities, scales) and the ``claims``: which
    ``bound`` series must dominate which ``measured`` series, above which floor.  There is no
    timestamp anywhere: the same seed gives byte-identical records.

The paper's own experiment settings are not available; every setting here is ours, and each
sidecar says so (``setting``).  Instances come from the verify catalog's builders
(:mod:`proofs_check._instances`), with random streams derived from ``(seed, tag)``.

References
----------
Kohler et al., *Exponential convergence rates for Batch Normalization*, AISTATS 2019
(arXiv:1805.10694); MATH.md §3–§6, §9.
"""

from __future__ import annotations

import csv
import json
import math
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import ParameterError, ShapeMismatchError

__all__ = [
    "COLUMNS", "KINDS", "SETTING", "FigureRecords", "Table", "environment", "write_records",
    "read_records", "check_claims", "EXPERIMENTS", "experiment",
]

#: Columns of every record CSV, in order.
COLUMNS = ("figure", "panel", "series", "kind", "x", "value", "label")
#: Allowed values of the ``kind`` column.
KINDS = ("measured", "bound", "prediction", "reference", "floor")
#: What every sidecar says about the setting (issue #7).
SETTING = ("ours: the paper's experiment settings are not available, so these instances, sizes and "
           "step sizes are our design")


# ============================================================================ records in memory
@dataclass
class FigureRecords:
    """The records of one figure before they are written: rows plus the sidecar's content.

    Attributes
    ----------
    name : str
        Figure name (file stem).
    rows : list of tuple
        ``(panel, series, kind, x, value, label)``.
    meta : dict
        Sidecar content (everything but ``environment``, ``figure``, ``seed``, ``columns``).
    """

    name: str
    rows: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def add(self, panel: str, series: str, kind: str, x, values, labels=None) -> None:
        """Append one series: ``x`` and ``values`` of equal length (``labels`` optional)."""
        if kind not in KINDS:
            raise ParameterError(f"kind must be one of {KINDS}, got kind = {kind!r}")
        x = np.asarray(x, dtype=float).ravel()
        v = np.asarray(values, dtype=float).ravel()
        if x.shape != v.shape:
            raise ParameterError(f"series {series!r}: {x.size} x values but {v.size} values")
        labels = [""] * x.size if labels is None else [str(s) for s in labels]
        if len(labels) != x.size:
            raise ShapeMismatchError(f"series {series!r}: {x.size} x values but {len(labels)} labels")
        self.rows.extend((panel, series, kind, xi, vi, lab) for xi, vi, lab in zip(x, v, labels))

    def panel(self, pid: str, *, title: str, x: str, y: str, yscale: str = "log",
              regime: str = "theorem", **extra) -> None:
        """Declare a panel: its title (naming the instance), the quantities on its axes, scales."""
        self.meta.setdefault("panels", []).append(
            {"id": pid, "title": title, "x": x, "y": y, "yscale": yscale, "regime": regime, **extra})

    def claim(self, panel: str, measured: str, bound: str, floor: float, statement: str,
              regime: str = "theorem", x_is_time: bool = True, at_least: bool = False) -> None:
        """Record that ``bound`` dominates ``measured`` in ``panel`` wherever ``measured ≥ floor``.

        ``regime`` is ``"theorem"`` (a violation sets the exit status) or ``"experiment"`` (an
        experiment's claim, reported separately, never setting the exit status).  ``x_is_time =
        False`` (stored only then) says ``x`` is not an iteration (a batch size): the progress line
        then reports the maximum ratio over every ``x``, not over ``t ≥ 1``.  ``at_least = True``
        (stored only then, as ``"sense": "at_least"``) reverses the claim: ``measured ≥ bound`` (a
        lower bound, e.g. a divergence), compared wherever ``bound ≥ floor``."""
        if regime not in ("theorem", "experiment"):
            raise ParameterError(f"regime must be 'theorem' or 'experiment', got regime = {regime!r}")
        self.meta.setdefault("claims", []).append(
            {"panel": panel, "measured": measured, "bound": bound, "floor": float(floor),
             "statement": statement, "regime": regime, **({} if x_is_time else {"x_is_time": False}),
             **({"sense": "at_least"} if at_least else {})})


# ============================================================================ files
def environment() -> dict:
    """Versions, platform and git revision for a sidecar (no timestamp).

    ``git_dirty`` says whether ``bntheory/`` or ``proofs_check/`` (the code that produced the
    numbers) had uncommitted changes to tracked files; ``None`` when git is unavailable.
    """
    import matplotlib
    import mpmath
    import scipy
    import sympy

    root = Path(__file__).resolve().parent.parent

    def git(*args):
        try:
            out = subprocess.run(["git", *args], capture_output=True, text=True, cwd=root, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    rev = git("rev-parse", "HEAD") or None
    status = git("status", "--porcelain", "--untracked-files=no", "--", "bntheory", "proofs_check")
    from . import __version__

    return {"bntheory": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "sympy": sympy.__version__, "matplotlib": matplotlib.__version__,
            "mpmath": mpmath.__version__, "platform": platform.platform(), "git": rev,
            "git_dirty": None if status is None else bool(status)}


def _num(v: float) -> str:
    """A number for the CSV: integers without a decimal point, other floats by ``repr``."""
    v = float(v)
    if math.isfinite(v) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def write_records(rec: FigureRecords, out_dir, *, seed: int, env: dict | None = None) -> tuple[Path, Path]:
    """Write ``<name>.csv`` and ``<name>.json`` into ``out_dir``; return both paths.

    The CSV uses ``\\n`` line ends and ``repr`` floats; the JSON is sorted and indented, so the
    same records give the same bytes.
    """
    _check_seed(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = out / f"{rec.name}.csv", out / f"{rec.name}.json"
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for panel, series, kind, x, v, lab in rec.rows:
            w.writerow((rec.name, panel, series, kind, _num(x), _num(v), lab))
    side = {"figure": rec.name, "seed": int(seed), "records": csv_path.name, "columns": list(COLUMNS),
            "setting": SETTING, **rec.meta, "environment": environment() if env is None else env}
    json_path.write_text(json.dumps(side, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    return csv_path, json_path


@dataclass
class Table:
    """Records read back from disk: ``series[panel][name] = {"kind", "x", "value", "label"}`` in
    file order, and the sidecar ``meta``."""

    name: str
    series: dict
    meta: dict

    def get(self, panel: str, name: str) -> dict:
        """One series; :class:`~bntheory.errors.ParameterError` naming what is missing."""
        try:
            return self.series[panel][name]
        except KeyError:
            raise ParameterError(f"records {self.name!r} have no series {name!r} in panel {panel!r}") from None


def read_records(out_dir, name: str) -> Table:
    """Read ``<name>.csv`` and ``<name>.json`` from ``out_dir`` (what the figures are drawn from).

    Raises
    ------
    ParameterError
        A missing file, a sidecar that is not valid JSON or lacks ``panels`` or a claim's key, a
        CSV whose header is not :data:`COLUMNS`, a row of the wrong length, a non-numeric cell, an
        unknown ``kind``, or an ``x`` repeated within one series.
    """
    out = Path(out_dir)
    csv_path, json_path = out / f"{name}.csv", out / f"{name}.json"
    for p in (csv_path, json_path):
        if not p.is_file():
            raise ParameterError(f"no record file {p} (run `bntheory figures --only {name}` first)")
    try:
        meta = json.loads(json_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError(f"{json_path}: the sidecar is not valid JSON ({exc})") from None
    _check_sidecar(json_path, meta)
    series: dict = {}
    with open(csv_path, newline="", encoding="utf-8") as fh:
        r = csv.reader(fh)
        header = tuple(next(r, ()))
        if header != COLUMNS:
            raise ParameterError(f"{csv_path}: header {header} is not {COLUMNS}")
        seen: dict = {}
        for row in r:
            if len(row) != len(COLUMNS):
                raise ParameterError(f"{csv_path}, line {r.line_num}: {len(row)} cells, expected "
                                     f"{len(COLUMNS)} ({', '.join(COLUMNS)})")
            _, panel, sname, kind, x, v, lab = row
            if kind not in KINDS:
                raise ParameterError(f"{csv_path}: unknown kind {kind!r} in series {sname!r}")
            try:
                xf, vf = float(x), float(v)
            except ValueError:
                raise ParameterError(f"{csv_path}, line {r.line_num}: x = {x!r}, value = {v!r} "
                                     "is not a pair of numbers") from None
            xs = seen.setdefault((panel, sname), set())
            if xf in xs:
                raise ParameterError(f"{csv_path}, line {r.line_num}: x = {x} appears twice in series "
                                     f"{sname!r} of panel {panel!r}")
            xs.add(xf)
            s = series.setdefault(panel, {}).setdefault(sname, {"kind": kind, "x": [], "value": [], "label": []})
            if s["kind"] != kind:
                raise ParameterError(f"{csv_path}, line {r.line_num}: series {sname!r} of panel {panel!r} "
                                     f"has kind {kind!r} here and {s['kind']!r} before")
            s["x"].append(xf)
            s["value"].append(vf)
            s["label"].append(lab)
    for panel in series.values():
        for s in panel.values():
            s["x"], s["value"] = np.array(s["x"]), np.array(s["value"])
    return Table(name, series, meta)


#: Keys every claim of a sidecar must have (``regime`` is optional: ``"theorem"`` by default).
CLAIM_KEYS = ("panel", "measured", "bound", "floor", "statement")


def _check_sidecar(path: Path, meta) -> None:
    """:class:`ParameterError` naming what is missing from a sidecar (``panels``, a claim's key)."""
    if not isinstance(meta, dict):
        raise ParameterError(f"{path}: the sidecar is a JSON {type(meta).__name__}, not an object")
    panels = meta.get("panels")
    if not isinstance(panels, list) or not panels:
        raise ParameterError(f"{path}: the sidecar has no 'panels' list")
    for i, p in enumerate(panels):
        missing = [k for k in ("id", "title", "x", "y") if not isinstance(p, dict) or k not in p]
        if missing:
            raise ParameterError(f"{path}: panel {i} lacks {', '.join(map(repr, missing))}")
    claims = meta.get("claims", [])
    if not isinstance(claims, list):
        raise ParameterError(f"{path}: 'claims' is not a list")
    for i, c in enumerate(claims):
        missing = [k for k in CLAIM_KEYS if not isinstance(c, dict) or k not in c]
        if missing:
            raise ParameterError(f"{path}: claim {i} lacks {', '.join(map(repr, missing))}")
        if c.get("regime", "theorem") not in ("theorem", "experiment"):
            raise ParameterError(f"{path}: claim {i} has regime {c['regime']!r} "
                                 "(expected 'theorem' or 'experiment')")


def check_claims(table: Table) -> list[dict]:
    """Check every claim of the sidecar on the records: the ``bound`` series dominates the
    ``measured`` series at every common ``x`` where ``measured ≥ floor`` (MATH.md §7, §9.1).

    Uses :func:`bntheory.rates.check_rate` (relative tolerance ``1e-9``) on the measured points
    sorted by ``x``; returns one dict per claim with ``holds``, ``max_ratio``,
    ``max_ratio_after_start`` (the maximum over every compared point but the first ``x``: ``t ≥ 1``
    for an iteration axis starting at 0 -- at ``t = 0`` many bounds are equalities by
    construction), ``n_compared``, ``n_measured`` (points of the measured series),
    ``missing_bound`` (measured ``x`` at or above the floor without a bound value) and
    ``first_violation`` ``(x, measured, bound)``.  A claim does not hold when it compares nothing
    (a check that cannot fail proves nothing) or when a measured ``x`` at or above the floor has no
    bound value (it would be drawn but never checked).  A claim with ``"sense": "at_least"``
    (a lower bound) holds when ``measured ≥ bound`` at every common ``x`` where ``bound ≥ floor``
    (a ``nan`` measured value fails it); its ratios are ``bound/measured``.
    """
    from .rates import check_rate

    out = []
    for c in table.meta.get("claims", []):
        m, b = table.get(c["panel"], c["measured"]), table.get(c["panel"], c["bound"])
        order = np.argsort(m["x"], kind="stable")
        mx, mv = m["x"][order], m["value"][order]
        bmap = dict(zip(b["x"].tolist(), b["value"].tolist()))
        bv = np.array([bmap.get(x, np.nan) for x in mx.tolist()], dtype=float)
        has = np.array([x in bmap for x in mx.tolist()], dtype=bool)
        common = mx[has]
        if c.get("sense") == "at_least":  # measured ≥ bound: the bound is the compared series
            above = ~np.isfinite(bv) | (bv >= c["floor"])
            missing = [float(x) for x in mx[~has]]
            rc = check_rate(bv[has], mv[has], floor=c["floor"], name=c["statement"])
            nan_measured = np.flatnonzero(np.isnan(mv[has]) & above[has])  # never skipped silently
            fv = rc.first_violation
            if fv is not None:
                fv = (fv[0], fv[2], fv[1])
            if nan_measured.size and (fv is None or nan_measured[0] < fv[0]):
                fv = (int(nan_measured[0]), math.nan, float(bv[has][nan_measured[0]]))
            ok = rc.holds and not nan_measured.size
        else:
            above = ~np.isfinite(mv) | (mv >= c["floor"])
            missing = [float(x) for x in mx[above & ~has]]
            rc = check_rate(mv[has], bv[has], floor=c["floor"], name=c["statement"])
            fv, ok = rc.first_violation, rc.holds
        out.append({**c, "regime": c.get("regime", "theorem"),
                    "holds": bool(ok and rc.n_compared > 0 and not missing),
                    "max_ratio": rc.max_ratio, "max_ratio_after_start": rc.max_ratio_after_start,
                    "n_compared": rc.n_compared, "n_measured": int(mx.size), "missing_bound": missing,
                    "first_violation": None if fv is None else (float(common[fv[0]]), fv[1], fv[2])})
    return out


# ============================================================================ experiments
def _gen(seed: int, tag: str, *more: int):
    from proofs_check._instances import rng

    return rng(seed, f"figures.{tag}", *more)


def _fmt(v: float) -> str:
    return f"{v:g}"


def experiment_ols(seed: int) -> FigureRecords:
    r"""Figure ``ols`` (issue #7, 1a): the OLS theorem (MATH.md §3, Kohler et al. 2019, Sec. 3, Thm 1).

    Rayleigh-GD's ``ρ(w_t) − ρ*`` against ``(1 − μ/L)^{2t}(ρ(w₀) − ρ*)`` and plain GD's gap
    ``f(w̃_t) − f*`` (step ``1/(2L)``), for ``d ∈ {10, 100}`` and ``κ ∈ {10, 100}``.  GD starts at
    ``w̃₀ = g*(w₀) w₀/‖w₀‖_S``, whose gap is ``ρ(w₀) − ρ*``, so one dashed line is the bound of both
    methods (:func:`~bntheory.bounds.ols_bound` and :func:`~bntheory.bounds.gd_ols_bound` agree).
    A fifth panel repeats ``d = 10, κ = 10`` with the mpmath mode (60 digits), following the gap
    and the bound far below the float64 resolution ``1e-13|ρ*|`` (MATH.md §9.1).
    """
    from proofs_check._instances import ols_instance, start

    from .bounds import gd_ols_bound, ols_bound
    from .solvers.gd import gd
    from .solvers.rayleigh import rayleigh_gd

    rec = FigureRecords("ols")
    params = {"d": [10, 100], "kappa": [10, 100], "start": "random (proofs_check._instances.start)",
              "S": "eigenvalues log-spaced in [1, kappa], Haar basis; u random with u^T S^-1 u = 1",
              "n_iter": {"kappa=10": 150, "kappa=100": 1500}, "gd_step": "1/(2L)",
              "gd_start": "g*(w0) w0/||w0||_S", "mpmath": {"d": 10, "kappa": 10, "dps": 60, "tol": 1e-45}}
    first = None
    for d in (10, 100):
        for kappa in (10, 100):
            gen = _gen(seed, "ols", d, kappa)
            P = ols_instance(d, kappa, gen)
            w0 = start(P.u, "random", gen)
            n = 150 if kappa == 10 else 1500
            r = rayleigh_gd(P, w0, n)
            rg = gd(P, P.g_star(w0) * w0 / P.s_norm(w0), n, diagnostics=False)
            bt, bg = ols_bound(P, r), gd_ols_bound(P, rg)
            if not np.allclose(bt.bound, bg.bound, rtol=1e-10, atol=0):
                raise AssertionError("GD's start should have the Rayleigh start's gap")  # pragma: no cover
            pid = f"d={d} kappa={kappa}"
            t = np.arange(r.gap.size)
            rec.add(pid, "Rayleigh-GD (BN)", "measured", t, r.gap)
            rec.add(pid, "GD on f_OLS, step 1/(2L)", "measured", t, rg.gap)
            rec.add(pid, "bound (1-mu/L)^{2t} gap_0", "bound", t, bt.bound)
            rec.add(pid, "float64 resolution 1e-13|rho*|", "floor", t[[0, -1]], [r.floor, r.floor])
            rec.panel(pid, title=f"d = {d}, κ = {kappa} (1 − μ/L = {1 - P.mu / P.L:.3g}), ρ* = {P.rho_star:.3g}",
                      x="iteration t",
                      y=r"gap  $\rho(w_t)-\rho^*$  (GD: $f(\tilde w_t)-f^*$)", instance={
                          "d": d, "kappa": kappa, "rho_star": P.rho_star, "mu": P.mu, "L": P.L})
            for s in ("Rayleigh-GD (BN)", "GD on f_OLS, step 1/(2L)"):
                rec.claim(pid, s, "bound (1-mu/L)^{2t} gap_0", bt.floor,
                          f"{s} gap <= (1-mu/L)^(2t) gap_0 (MATH.md §3)")
            if first is None:
                first = (P, w0, r)
    P, w0, r = first
    rm = rayleigh_gd(P, w0, 2000, precision="mpmath", dps=60, tol=1e-45)
    bm = ols_bound(P, rm)
    pid = "mpmath d=10 kappa=10"
    t = np.arange(rm.gap.size)
    rec.add(pid, "Rayleigh-GD (BN), mpmath 60 digits", "measured", t, rm.gap)
    rec.add(pid, "Rayleigh-GD (BN), float64", "measured", np.arange(r.gap.size), r.gap)
    rec.add(pid, "bound (1-mu/L)^{2t} gap_0", "bound", t, bm.bound)
    rec.add(pid, "float64 resolution 1e-13|rho*|", "floor", t[[0, -1]], [r.floor, r.floor])
    rec.panel(pid, title=f"mpmath (60 digits): d = 10, κ = 10, ρ* = {P.rho_star:.3g}", x="iteration t",
              y=r"gap  $\rho(w_t)-\rho^*$", instance={"d": 10, "kappa": 10, "dps": 60})
    rec.claim(pid, "Rayleigh-GD (BN), mpmath 60 digits", "bound (1-mu/L)^{2t} gap_0", rm.floor,
              "mpmath gap <= (1-mu/L)^(2t) gap_0 down to 1e-45|rho*| (MATH.md §3, §9.1)")
    rec.meta.update(
        title="OLS: Rayleigh-GD (BN) and GD against the OLS theorem",
        illustrates="OLS theorem, MATH.md §3 (Kohler et al. 2019, Sec. 3, Thm 1) and the GD comparison of §3",
        stands_in_for="the paper's OLS rate comparison (Sec. 3); setting ours", regime="theorem",
        parameters=params)
    return rec


def _halfspace_runs(P, w0, T: int, T_ss):
    """GD (1/ζ), BN-GD (both steps 1/ζ, ``‖w₀‖_S = 1``, ``g₀ = 1``) and GDNP at each ``T_s``."""
    from .solvers.bngd import bngd
    from .solvers.gd import gd
    from .solvers.gdnp import gdnp

    w1 = w0 / P.s_norm(w0)
    runs = {"GD, step 1/zeta": gd(P, w1, T),
            "BN-GD, steps 1/zeta": bngd(P, w1, 1.0, T, eta_w=1.0 / P.zeta, eta_g=1.0 / P.zeta)}
    for T_s in T_ss:
        runs[f"GDNP T_s={T_s}"] = gdnp(P, w0, T, T_s)
    return runs


def experiment_halfspace(seed: int) -> FigureRecords:
    r"""Figure ``halfspace`` (issue #7, 1b): the halfspace theorem (MATH.md §4.5; Kohler et al. 2019,
    Sec. 4) and why GDNP accelerates (§4.6).

    Gaussian halfspace, logistic loss, ``d = 8``, ``κ = 10`` (``λ_max(S) = 1``), at
    ``uᵀS⁻¹u ∈ {0.5, 0.99}``: ``‖∇f(w̃_t)‖²_{S⁻¹}`` for GD (step ``1/ζ``), BN-GD (steps ``1/ζ``)
    and GDNP with ``T_s ∈ {5, 10, 20}``, each GDNP run with the theorem's right-hand side
    ``(1 − μ/L)^{2t}Φ²(ρ(w₀) − ρ*) + 2^{−T_s}ζ|b_t⁽⁰⁾ − a_t⁽⁰⁾|/μ²``
    (:func:`~bntheory.bounds.halfspace_bound`, with the a-posteriori ``Φ = sup_t|c₁|`` of the same
    run, so at ``t = 0`` bound ≈ measured by construction), and each claim's floor.  Near
    separability GD slows down while GDNP does not: the gap between them opens.
    """
    from proofs_check._instances import halfspace

    from .bounds import halfspace_bound
    from .losses import LOGISTIC

    rec = FigureRecords("halfspace")
    T, T_ss, d, kappa = 300, (5, 10, 20), 8, 10.0
    for k, uSu in enumerate((0.5, 0.99)):
        gen = _gen(seed, "halfspace", k)
        P = halfspace(d, kappa, uSu, LOGISTIC, gen)
        w0 = gen.standard_normal(d)
        pid = f"uSu={_fmt(uSu)}"
        for name, r in _halfspace_runs(P, w0, T, T_ss).items():
            t = np.arange(r.grad_dual_sq.size)
            rec.add(pid, name, "measured", t, r.grad_dual_sq)
            if name.startswith("GDNP"):
                hb = halfspace_bound(P, r)
                bname = f"theorem RHS {name.split()[1]}"
                rec.add(pid, bname, "bound", t, hb.bound)
                rec.claim(pid, name, bname, hb.floor,
                          f"{name}: ||grad f||^2_(S^-1) <= theorem RHS (MATH.md §4.5)")
                rec.add(pid, f"floor of the {name.split()[1]} claim", "floor", t[[0, -1]], [hb.floor] * 2)
        rec.panel(pid, title=f"logistic, d = {d}, κ = {kappa:g}, uᵀS⁻¹u = {uSu:g}", x="iteration t",
                  y=r"$\|\nabla f(\tilde w_t)\|^2_{S^{-1}}$", ymin=1e-30,
                  instance={"d": d, "kappa": kappa, "uSu": uSu, "zeta": P.zeta, "mu": P.mu, "L": P.L})
    rec.meta.update(
        title="Gaussian halfspace, logistic loss: GD, BN-GD and GDNP against the halfspace theorem",
        illustrates="halfspace theorem, MATH.md §4.5 (Kohler et al. 2019, Sec. 4, Thm 3); acceleration §4.6",
        stands_in_for="the paper's halfspace experiment (GD vs GDNP, Sec. 4); setting ours", regime="theorem",
        parameters={"loss": "logistic", "d": d, "kappa": kappa, "uSu": [0.5, 0.99], "T": T, "T_s": list(T_ss),
                    "S": "log-spaced eigenvalues in [1/kappa, 1] (proofs_check._instances.halfspace)",
                    "gd_step": "1/zeta", "bngd": "w0/||w0||_S, g0 = 1, eta_w = eta_g = 1/zeta",
                    "gdnp": "B0 = 1, lockstep schedule",
                    "Phi": "sup_t |c1| on each run (a posteriori, from the run the bound is drawn for)",
                    "axis_cut": "values below 1e-30 are outside the drawn axis"})
    return rec


def experiment_bisection(seed: int) -> FigureRecords:
    r"""Figure ``bisection`` (issue #7, 1c): the length bounds of MATH.md §4.5 against ``T_s``.

    At a fixed direction ``w₀`` of a Gaussian halfspace (logistic, ``d = 8``, ``κ = 10``,
    ``λ_max(S) = 1``), ``(∂_g f(w₀, a^{(T_s)}))²`` after ``T_s = 0..40`` halvings against the paper's
    ``2^{−T_s}ζ|b⁽⁰⁾ − a⁽⁰⁾|/μ²`` and the Lipschitz form ``(ζ/μ)²4^{−T_s}|b⁽⁰⁾ − a⁽⁰⁾|²``
    (:func:`~bntheory.bounds.length_bound`), at ``uᵀS⁻¹u ∈ {0.5, 0.99}``.
    """
    from proofs_check._instances import halfspace

    from .bounds import LENGTH_FLOOR, length_bound
    from .losses import LOGISTIC
    from .solvers.gdnp import gdnp

    rec = FigureRecords("bisection")
    T_ss = np.arange(41)
    for k, uSu in enumerate((0.5, 0.99)):
        gen = _gen(seed, "bisection", k)
        P = halfspace(8, 10.0, uSu, LOGISTIC, gen)
        w0 = gen.standard_normal(8)
        meas, paper, lip, width = [], [], [], []
        for T_s in T_ss:
            r = gdnp(P, w0, 0, int(T_s), diagnostics=False)
            meas.append(r.dg[0] ** 2)
            paper.append(length_bound(P, r, form="paper").bound[0])
            lip.append(length_bound(P, r, form="lipschitz").bound[0])
            width.append(r.width0[0])
        pid = f"uSu={_fmt(uSu)}"
        rec.add(pid, "(d_g f)^2 at a^(T_s)", "measured", T_ss, meas)
        rec.add(pid, "paper: 2^-T_s zeta W/mu^2", "bound", T_ss, paper)
        rec.add(pid, "Lipschitz: (zeta/mu)^2 4^-T_s W^2", "bound", T_ss, lip)
        rec.add(pid, "floor 1e-20 (quadrature)", "floor", T_ss[[0, -1]], [LENGTH_FLOOR] * 2)
        for b in ("paper: 2^-T_s zeta W/mu^2", "Lipschitz: (zeta/mu)^2 4^-T_s W^2"):
            rec.claim(pid, "(d_g f)^2 at a^(T_s)", b, LENGTH_FLOOR, f"(d_g f)^2 <= {b} (MATH.md §4.5)")
        rec.panel(pid, title=f"logistic, d = 8, κ = 10, uᵀS⁻¹u = {uSu:g}, bracket W = {width[0]:g}",
                  x=r"bisection halvings $T_s$", y=r"$(\partial_g f(w_0, a^{(T_s)}))^2$",
                  instance={"d": 8, "kappa": 10.0, "uSu": uSu, "zeta": P.zeta, "mu": P.mu, "W": width[0]})
    rec.meta.update(
        title=r"Length by bisection: $(\partial_g f)^2$ against the number of halvings $T_s$",
        illustrates="length bounds (paper form and Lipschitz form), MATH.md §4.5 (Kohler et al. 2019, Sec. 4)",
        stands_in_for=None, regime="theorem",
        parameters={"loss": "logistic", "d": 8, "kappa": 10.0, "uSu": [0.5, 0.99], "T_s": [0, 40], "B0": 1.0,
                    "direction": "w0 standard normal", "floor": LENGTH_FLOOR})
    return rec


def experiment_empirical(seed: int) -> FigureRecords:
    r"""Figure ``empirical`` (issue #7, 1d): finite-sample, non-Gaussian halfspace data -- an
    EXPERIMENT, not a theorem (MATH.md §5).

    ``n = 4000`` samples ``z = u + Cε`` (:func:`~bntheory.problems.sample_z`) with Gaussian,
    Laplace, uniform and two-point-mixture ``ε``, the population moments of a Gaussian halfspace
    (logistic, ``d = 8``, ``κ = 10``, ``uᵀS⁻¹u = 0.5``); GD (``1/ζ̂``), BN-GD and GDNP
    (``T_s = 20``, ``h = ĉ₁uᵀw``) on the empirical objective
    (:class:`~bntheory.problems.EmpiricalHalfspace`).  The dotted reference is GDNP on the
    population Gaussian model with the same ``S``, ``u``; no bound is drawn, because Stein's
    structure fails and no theorem applies.
    """
    from proofs_check._instances import halfspace

    from .losses import LOGISTIC
    from .problems import EmpiricalHalfspace
    from .solvers.gdnp import gdnp

    rec = FigureRecords("empirical")
    T, n, T_s = 150, 4000, 20
    gen = _gen(seed, "empirical")
    P0 = halfspace(8, 10.0, 0.5, LOGISTIC, gen)
    w0 = gen.standard_normal(8)
    ref = gdnp(P0, w0, T, T_s)
    for k, kind in enumerate(("gaussian", "laplace", "uniform", "mixture")):
        E = EmpiricalHalfspace.sample(kind, n, P0.S, P0.u, LOGISTIC, _gen(seed, "empirical.sample", k))
        pid = kind
        for name, r in _halfspace_runs(E, w0, T, (T_s,)).items():
            rec.add(pid, name, "measured", np.arange(r.grad_dual_sq.size), r.grad_dual_sq)
        rec.add(pid, f"GDNP T_s={T_s}, population Gaussian model", "reference",
                np.arange(ref.grad_dual_sq.size), ref.grad_dual_sq)
        rec.panel(pid, title=f"EXPERIMENT: {kind} ε, n = {n}, d = 8, uᵀS⁻¹u = 0.5", x="iteration t",
                  y=r"empirical $\|\nabla \hat f(\tilde w_t)\|^2_{\hat S^{-1}}$", regime="experiment",
                  ymin=1e-30, instance={"noise": kind, "n": n, "d": 8, "kappa": 10.0, "uSu": 0.5,
                                        "uSu_empirical": E.uSu})
    rec.meta.update(
        title="EXPERIMENT: finite-sample, non-Gaussian halfspace data (no theorem applies)",
        illustrates="MATH.md §5 (experiment, no bound: the paper reports that GDNP still accelerates; "
                    "not reproduced in this setting, GDNP stalls)",
        stands_in_for="the paper's experiments beyond the Gaussian model; setting ours", regime="experiment",
        parameters={"loss": "logistic", "n": n, "d": 8, "kappa": 10.0, "uSu": 0.5, "T": T, "T_s": T_s,
                    "noise": ["gaussian", "laplace", "uniform", "mixture (delta = 0.9)"],
                    "gd_step": "1/zeta_hat", "bngd": "w0/||w0||_S, g0 = 1, eta_w = eta_g = 1/zeta_hat",
                    "h": "c1_hat u^T w (least-squares u-coefficient, MATH.md §5)"})
    return rec


def experiment_network(seed: int) -> FigureRecords:
    r"""Figure ``network`` (issue #7, 1e): the one-hidden-layer network with the alternating scheme
    (MATH.md §6; Kohler et al. 2019, Sec. 5).

    Two tanh units (``θ = (1, 0.5)``), logistic outer loss, ``d = 3``, ``κ = 4``,
    ``uᵀS⁻¹u = 0.5`` (the catalog's :func:`proofs_check._instances.network_instance`); units
    trained in the order 1, 2 by GDNP (``T_d = 10``, ``T_s = 20`` each), untrained units at
    ``g = 0``.  Unit 1 (unit 2 at zero: the reduction is exact) against
    :func:`~bntheory.bounds.network_bound` with ``C = sup_t ĉ₁²``: a theorem with an
    a-posteriori constant.  Unit 2 (unit 1 fixed at its trained value, only approximately
    ``∥ S⁻¹u``): an experiment, drawn against the same form with the a-posteriori
    ``C = max(C_P, sup ĉ₁²)`` (:func:`~bntheory.bounds.C_projected_from_trace`) -- taken from the
    same run, so the direction part is below ``C·gap`` by construction; its claim has
    ``regime = "experiment"`` and never sets the exit status.  Each panel draws its claim's floor.
    """
    from proofs_check._instances import network_instance

    from .bounds import C_from_trace, C_projected_from_trace, network_bound
    from .solvers.alternating import alternating_gdnp

    rec = FigureRecords("network")
    net, W0 = network_instance(seed)
    T_d, T_s = 10, 20
    run = alternating_gdnp(net, W0, [T_d, T_d], T_s)
    for i, (P, r) in enumerate(zip(run.problems, run.units)):
        if i == 0:
            C, regime, what = C_from_trace(r), "theorem", "C = sup ĉ₁² (a posteriori)"
        else:
            C = max(C_projected_from_trace(r), C_from_trace(r))
            regime, what = "experiment", "C = max(C_P, sup ĉ₁²) (a posteriori)"
        nb = network_bound(P, r, C=C)
        pid = f"unit {i + 1}"
        t = np.arange(r.grad_dual_sq.size)
        rec.add(pid, f"GDNP on unit {i + 1}", "measured", t, r.grad_dual_sq)
        rec.add(pid, f"bound, {what}", "bound", t, nb.bound)
        rec.add(pid, f"rho(w_t) - rho* of unit {i + 1}", "reference", t, r.gap)
        rec.add(pid, "floor of the claim", "floor", t[[0, -1]], [nb.floor] * 2)
        rec.claim(pid, f"GDNP on unit {i + 1}", f"bound, {what}", nb.floor,
                  f"unit {i + 1}: ||grad||^2_(S^-1) <= network bound (MATH.md §6, {regime}"
                  + (", a-posteriori C: the direction part is below C·gap by construction)"
                     if i else ")"), regime=regime)
        other = "unit 2 at g = 0 (exact reduction)" if i == 0 else "unit 1 fixed at its trained value"
        rec.panel(pid, title=f"{'THEOREM' if i == 0 else 'EXPERIMENT'}: unit {i + 1} (θ = {net.theta[i]:g}), {other}\n"
                             f"d = {net.d}, κ = {net.kappa:.3g}, uᵀS⁻¹u = {net.uSu:.3g}, "
                             f"T_d = {T_d}, T_s = {T_s}",
                  x="direction step t of this unit",
                  y=r"$\|\nabla_{\tilde w^{(i)}} f\|^2_{S^{-1}}$  and  $\rho(w_t)-\rho^*$",
                  regime=regime, instance={"unit": i + 1, "C": C, "d": net.d, "kappa": net.kappa, "uSu": net.uSu})
    rec.meta.update(
        title="One hidden layer (2 tanh units), alternating GDNP",
        illustrates="per-unit network bound, MATH.md §6 (Kohler et al. 2019, Sec. 5, Thm 5)",
        stands_in_for="the paper's network result (Sec. 5); setting ours",
        regime="theorem (unit 1), experiment (unit 2)",
        parameters={"theta": [1.0, 0.5], "outer_loss": "logistic", "activation": "tanh", "d": 3, "kappa": 4.0,
                    "uSu": 0.5, "T_d": [T_d, T_d], "T_s": T_s, "order": "1..m, untrained units at g = 0",
                    "quadrature": "Gauss-Legendre n_gl = 8, max_panels = 30"})
    return rec


def experiment_tightness(seed: int) -> FigureRecords:
    r"""Figure ``tightness`` (issue #7, 1f): measured/bound of the OLS theorem (MATH.md §3, §3.1,
    §9.3) over a battery of instances.

    Left: ``max_{t ≥ 1}(ρ(w_t) − ρ*)/((1 − μ/L)^{2t}(ρ(w₀) − ρ*))`` (above the floor
    ``1e-7|ρ*|``) over the battery of ``bntheory verify``'s ``ols.rate`` check
    (:func:`proofs_check._instances.ols_battery_runs`: ``d ∈ {2, 10, 50}``,
    ``κ ∈ {1.5, 10, 10³}``, random and adversarial starts, 400 steps) and over the tight case
    ``d = 2``, ``u`` = the top eigenvector of ``S`` (:func:`~bntheory.problems.tight_problem`,
    ``κ ∈ {2, 10, 100, 1000}``), where the bound is attained (ratio → 1).  Right: the ratio along
    the run for the tight case and for two battery instances.
    """
    from proofs_check._instances import ols_battery_runs, ols_label

    from .bounds import ols_bound
    from .problems import tight_problem
    from .solvers.rayleigh import rayleigh_gd

    rec = FigureRecords("tightness")
    labels, ratios, traces = [], [], {}
    for d, kappa, kind, P, r in ols_battery_runs(seed, False):
        c = ols_bound(P, r).check()
        labels.append(ols_label(d, kappa, kind))
        ratios.append(c.max_ratio_after_start)
        if (d, kappa) in ((10, 10.0), (50, 1e3)) and kind == "random":
            traces[labels[-1]] = c.ratio
    for kappa in (2.0, 10.0, 100.0, 1000.0):
        P = tight_problem("ols", kappa)
        r = rayleigh_gd(P, [1.0, 0.1], 200)
        c = ols_bound(P, r).check()
        labels.append(f"tight d=2 kappa={kappa:g}")
        ratios.append(c.max_ratio_after_start)
        if kappa == 10.0:
            traces[labels[-1]] = c.ratio
    x = np.arange(len(labels))
    pid = "battery"
    rec.add(pid, "max_(t>=1) measured/bound", "measured", x, ratios, labels)
    rec.add(pid, "bound (ratio 1)", "bound", x, np.ones(x.size), labels)
    rec.claim(pid, "max_(t>=1) measured/bound", "bound (ratio 1)", 0.0,
              "measured/bound <= 1 on every instance (MATH.md §3)")
    rec.panel(pid, title=f"OLS theorem over {len(labels)} instances (verify battery, seed {seed}; tight cases)",
              x="instance", y="max over t ≥ 1 of measured / bound", categorical=True)
    pid = "along the run"
    for lab, ratio in traces.items():
        ok = np.flatnonzero(np.isfinite(ratio))
        rec.add(pid, lab, "measured", ok, ratio[ok])
        rec.claim(pid, lab, "bound (ratio 1)", 0.0, f"{lab}: measured/bound <= 1 at every t (MATH.md §3)")
    n_max = max(int(np.flatnonzero(np.isfinite(v))[-1]) for v in traces.values())
    rec.add(pid, "bound (ratio 1)", "bound", np.arange(n_max + 1), np.ones(n_max + 1))
    rec.panel(pid, title="measured / bound along the run (where the gap is above the floor 1e-7|ρ*|)",
              x="iteration t", y=r"$(\rho(w_t)-\rho^*)\,/\,((1-\mu/L)^{2t}(\rho(w_0)-\rho^*))$",
              yscale="linear", ylim=[0.0, 1.08])
    rec.meta.update(
        title="Tightness of the OLS bound: attained when u is the top eigenvector of S",
        illustrates="OLS theorem and its tight case, MATH.md §3, §3.1, §9.3", stands_in_for=None,
        regime="theorem",
        parameters={"battery": "proofs_check._instances.ols_battery(fast=False), 400 Rayleigh-GD steps",
                    "tight": "tight_problem('ols', kappa), w0 = (1, 0.1), 200 steps",
                    "floor": "1e-7 |rho*| (bntheory.bounds.REL_FLOOR)"})
    return rec


def experiment_explosion(seed: int) -> FigureRecords:
    r"""Figure ``explosion`` (issue #8, item 2): gradient explosion in deep BN networks at
    initialisation (MATH.md §8; Yang et al. 2019, *A Mean Field Theory of Batch Normalization*).

    Random networks of :mod:`bntheory.explosion` (BN with ``ε = 0``, ``γ = 1``, ``β = 0`` on every
    pre-activation, critical ``σ_w²``, random output gradient).  Panel ``linear``: ``N = 1024``,
    depth 30, ``B ∈ {7, 10, 16, 64}`` and the network without BN (``B = 8``): the squared gradient
    norm ``‖∂ℓ/∂W^{L−k}‖²/‖∂ℓ/∂W^L‖²`` (geometric mean over networks) against the number ``k`` of
    layers below the output, with the prediction ``((B−2)/(B−3))^k`` (no BN: ``1``) dashed, anchored at
    the first fitted layer.  Panel ``relu``: ``N = 1024``, depth 16, ``B ∈ {4, 8, 32, 256}`` and no BN
    (``B = 32``); only the ``B → ∞`` limit ``π/(π−1)`` is predicted (drawn on ``B = 256``).  Panel
    ``fit``: the fitted growth ``λ̂`` (mean over networks) against ``B`` with ``(B−2)/(B−3)`` and
    ``π/(π−1)``; its standard errors are the ``reference`` series ``... standard error``.  Panel
    ``claims``: ``|λ̂ − prediction|`` and ``2·SE`` against the tolerance 0.02 (the checks' window,
    :mod:`proofs_check.explosion`) -- the claims ``bntheory figures`` checks.
    """
    from .explosion import gradient_growth, large_batch_limit, linear_prediction

    rec = FigureRecords("explosion")
    tol, skip = 0.02, (3, 2)
    relu_limit = large_batch_limit("relu")
    families = {  # panel -> (activation, depth, [(B, networks, bn)])
        "linear": ("linear", 30, [(7, 12, True), (10, 8, True), (16, 6, True), (64, 3, True), (8, 4, False)]),
        "relu": ("relu", 16, [(4, 4, True), (8, 4, True), (32, 4, True), (256, 3, True), (32, 6, False)]),
    }
    fits: dict = {}
    for pid, (act, depth, runs) in families.items():
        for B, n, bn in runs:
            e = gradient_growth(act, width=1024, batch=B, depth=depth, n_networks=n, bn=bn,
                                rng=_gen(seed, "explosion", B, int(bn), depth), skip_input=skip[0],
                                skip_output=skip[1])
            name = f"B={B}" if bn else f"no BN, B={B}"
            k = np.arange(depth)
            curve = np.exp(np.mean(np.log(e.weight_sq[:, ::-1] / e.weight_sq[:, -1:]), axis=0))
            rec.add(pid, name, "measured", k, curve)
            pred = (linear_prediction(B) if act == "linear" else (relu_limit if B == 256 else None)) if bn else 1.0
            if pred is not None:
                rec.add(pid, f"prediction {name}", "prediction", k, curve[skip[1]] * pred ** (k - skip[1]))
            fits[(act, bn, B)] = (e, pred)
        rec.panel(pid, title=f"{'linear' if act == 'linear' else 'ReLU'} BN network, N = 1024, depth {depth}, "
                             f"B ∈ {{{', '.join(str(r[0]) for r in runs if r[2])}}}; "
                             f"without BN: B = {[r[0] for r in runs if not r[2]][0]}",
                  x="layers below the output k = L − l",
                  y=r"$\|\partial\ell/\partial W^{L-k}\|^2 \,/\, \|\partial\ell/\partial W^{L}\|^2$",
                  fit_window_k=[skip[1], depth - 1 - skip[0]])
    for (act, bn), label in (((("linear", True)), "linear BN"), (("relu", True), "ReLU BN")):
        items = sorted((B, e) for (a, b, B), (e, _) in fits.items() if a == act and b == bn)
        Bs = [B for B, _ in items]
        rec.add("fit", f"{label}: fitted growth", "measured", Bs, [e.lam for _, e in items])
        rec.add("fit", f"{label}: standard error", "reference", Bs, [e.se for _, e in items])
    Bgrid = np.unique(np.round(np.geomspace(4, 256, 40)))
    rec.add("fit", "(B-2)/(B-3) (linear, mean field)", "prediction", Bgrid, [linear_prediction(int(B)) for B in Bgrid])
    rec.add("fit", "pi/(pi-1) (ReLU, B -> infinity)", "prediction", Bgrid[[0, -1]], [relu_limit] * 2)
    rec.add("fit", "no BN: 1", "reference", Bgrid[[0, -1]], [1.0, 1.0])
    rec.panel("fit", title="fitted growth per layer of the squared gradient norm (mean ± SE over networks)",
              x="batch size B", y=r"$\hat\lambda_G$", yscale="linear", xscale="log")
    claimed: dict = {}  # series -> ([B], [value])
    for (act, bn, B), (e, pred) in fits.items():
        if pred is None:
            continue
        fam = ("linear" if act == "linear" else "ReLU") + (" BN" if bn else ", no BN")
        what = {"linear BN": "(B-2)/(B-3)", "ReLU BN": "pi/(pi-1)"}.get(fam, "1")
        for series, value in ((f"{fam}: |fit - {what}|", abs(e.lam - pred)), (f"{fam}: 2 SE", 2.0 * e.se)):
            claimed.setdefault(series, ([], []))
            claimed[series][0].append(B)
            claimed[series][1].append(value)
    for series, (Bs, values) in claimed.items():
        rec.add("claims", series, "measured", Bs, values)
        rec.claim("claims", series, f"tolerance {tol}", 0.0,
                  f"{series} <= {tol} at B = {', '.join(map(str, Bs))} (MATH.md §8; the checks' window)",
                  x_is_time=False)
    xs = sorted({B for Bs, _ in claimed.values() for B in Bs})
    rec.add("claims", f"tolerance {tol}", "bound", xs, [tol] * len(xs))
    rec.panel("claims",
              title=f"distance of the fitted growth from its prediction, and 2 SE, against the tolerance {tol}",
              x="batch size B", y=r"$|\hat\lambda_G - \lambda_G|$  and  $2\,\mathrm{SE}$", xscale="log", ymin=1e-4)
    rec.meta.update(
        title="Gradient explosion in deep BN networks at initialisation (Yang et al. 2019)",
        illustrates="MATH.md §8 (Yang et al. 2019): lambda_G = (B-2)/(B-3) (linear), -> pi/(pi-1) (ReLU, B -> inf), "
                    "1 without BN",
        stands_in_for="Yang et al. 2019's gradient-explosion measurements; setting ours", regime="theorem",
        parameters={"width": 1024, "depth": {"linear": 30, "relu": 16},
                    "runs": {pid: [{"B": B, "networks": n, "bn": bn} for B, n, bn in runs]
                             for pid, (_, _, runs) in families.items()},
                    "bn": "eps = 0, gamma = 1, beta = 0, batch statistics, every pre-activation",
                    "sigma_w2": {"linear": 1.0, "relu": 2.0}, "loss": "l = sum G * x^L, G iid N(0, 1)",
                    "fit": "least squares of log ||dl/dW^l||^2 on l, layers 4..L-2, per network; "
                           "mean and SE over networks",
                    "tolerance": tol, "sampler": "auto (Gaussian conditioning for 8B <= N, else dense)",
                    "float": "float64"})
    return rec


def experiment_bngd_ols(seed: int) -> FigureRecords:
    r"""Figure ``bngd-ols`` (issue #8, item 3): BN-GD against plain GD over weight step sizes on
    least squares (MATH.md §8; Cai, Li & Shen 2019).

    The instance of ``bntheory verify``'s ``bngd-ols.step-sizes`` check
    (:func:`proofs_check.bngd_ols._instance`, ``d = 10``, ``κ = 100``, ``‖w₀‖ = 1``, ``a₀ = 1``,
    ``ε_a = 1``), swept by :func:`bntheory.solvers.bngd_ols.step_size_sweep` over its 17 step sizes
    ``1e-3 … 1e5`` for ``K = 4000`` steps (plain GD from the same predictor ``w̃₀ = a₀w₀/‖w₀‖_H``).
    Panel ``gap``: the relative gap ``(J_k − J*)/(J_0 − J*)`` of BN-GD at ``ε ∈ {1e-3, 0.1, 10, 1e3,
    1e5}`` and of plain GD at ``0.99·2/λ_max`` and ``1.01·2/λ_max``; above the threshold GD's gap is
    bounded below by its top-mode part ``½λ_max ē²_top,0 (ελ_max − 1)^{2k}`` (exact: the modes of GD
    on a quadratic decouple), a lower-bound claim (``at_least``).  Panel ``step sizes``: the steps to
    ``J − J* ≤ 1e-10(J_0 − J*)`` per ``ε`` -- the sweep's verdict
    (:func:`bntheory.solvers.bngd_ols.convergence`): measured within ``K`` or extrapolated from a
    certified linear tail (rate ``≤ 1 − 1e-9``), ``inf`` when it does not converge; the label
    column says which.  Claim: every BN-GD count is finite and at most ``K + ln(1e10)/1e-9``,
    the largest count criterion (b) certifies from ``J_K ≤ J_0`` (so a non-converging point, ``inf``,
    fails it).  GD's threshold ``2/λ_max`` is a ``prediction`` series of one point.
    """
    from proofs_check.bngd_ols import _instance

    from .solvers import bngd_ols as B

    rec = FigureRecords("bngd-ols")
    d, kappa, n_iter, tol, min_decay = 10, 100.0, 4000, 1e-10, 1e-9
    P, w0 = _instance(seed, "bngd-ols.step-sizes", d, kappa)
    s = B.step_size_sweep(P, w0, 1.0, n_iter, tol=tol)
    C = B.cai_ols(P)
    two_L = float(s["two_over_L"])
    k = np.arange(n_iter + 1)
    pid = "gap"
    shown = [0, 4, 8, 12, 16]  # ε = 1e-3, 0.1, 10, 1e3, 1e5 on DEFAULT_EPS_GRID
    G = s["bngd_gap"]
    for j in shown:
        rec.add(pid, f"BN-GD, eps = {s['eps'][j]:g}", "measured", k, G[:, j] / G[0, j])
    wt0 = w0 / np.sqrt(float(w0 @ C.H @ w0))
    edge = np.array([0.99, 1.01]) * two_L
    r = B.gd_ols(C, wt0, n_iter, eps=edge)
    for j, f in enumerate((0.99, 1.01)):
        rec.add(pid, f"GD, eps = {f:g}*2/lambda_max", "measured", k, r.gap[:, j] / r.gap[0, j])
    e_top = float(C.Q[:, -1] @ (wt0 - C.u))
    top0 = 0.5 * C.lam[-1] * e_top ** 2 / r.gap[0, 1]
    with np.errstate(over="ignore"):
        lower = top0 * (edge[1] * C.lam[-1] - 1.0) ** (2.0 * k)
    rec.add(pid, "bound (lower): top-mode part of GD's gap", "bound", k, lower)
    rec.claim(pid, "GD, eps = 1.01*2/lambda_max", "bound (lower): top-mode part of GD's gap", 0.0,
              "plain GD at eps = 1.01*2/lambda_max: (J_k-J*)/(J_0-J*) >= top-mode part "
              "(e_top,0^2 lambda_max/2)(eps lambda_max - 1)^(2k)/(J_0-J*), growing without bound (MATH.md §8)",
              at_least=True)
    rec.panel(pid, title=f"relative gap against k, d = {d}, κ = {kappa:g} (λ ∈ [1, {kappa:g}]), "
                         f"2/λ_max = {two_L:g}, ε_a = 1",
              x="iteration k", y=r"$(J_k - J^*)\,/\,(J_0 - J^*)$", ylim=[1e-31, 1e4])
    pid = "step sizes"
    b, g = s["bngd"], s["gd"]
    verdict = np.where(b["reached_tol"], "within K", np.where(b["converged"], "extrapolated", "not converged"))
    rec.add(pid, "BN-GD: steps to 1e-10 gap_0", "measured", s["eps"], b["steps"], verdict)
    gv = np.where(g["reached_tol"], "within K", np.where(
        g["converged"], "extrapolated", np.where(np.isfinite(g["final_ratio"]), "not converged",
                                                 "diverges (gap overflowed)")))
    rec.add(pid, "GD: steps to 1e-10 gap_0", "measured", s["eps"], g["steps"], gv)
    cap = n_iter + math.log(1.0 / tol) / min_decay
    rec.add(pid, "bound: steps certified by the criterion", "bound", s["eps"], np.full(s["eps"].size, cap))
    rec.add(pid, "GD threshold 2/lambda_max", "prediction", [two_L], [two_L])
    rec.claim(pid, "BN-GD: steps to 1e-10 gap_0", "bound: steps certified by the criterion", 0.0,
              f"BN-GD converges at every eps of the grid by the sweep's criterion: J - J* <= 1e-10 (J_0 - J*) "
              f"within K = {n_iter} steps, or by a certified linear tail (rate <= 1 - 1e-9) after at most "
              f"K + ln(1e10)/1e-9 = {cap:.4g} steps (extrapolated); inf (not converged) fails (MATH.md §8)",
              x_is_time=False)
    rec.panel(pid, title=f"steps to J − J* ≤ 1e-10 (J₀ − J*) per weight step size, K = {n_iter} "
                         "(beyond K: extrapolated)",
              x=r"weight step size $\varepsilon$", y=r"steps to $(J-J^*)\leq 10^{-10}(J_0-J^*)$",
              xscale="log", instance={"d": d, "kappa": kappa, "two_over_L": two_L,
                                      "kappa_star": float(s["kappa_star"])})
    rec.meta.update(
        title="BN-GD vs plain GD over weight step sizes on least squares (Cai, Li & Shen 2019)",
        illustrates="MATH.md §8 (Cai, Li & Shen 2019, Sec. 3): BN-GD converges for every eps > 0, "
                    "plain GD only for eps < 2/lambda_max",
        stands_in_for="Cai et al. 2019's step-size comparison; setting ours", regime="theorem",
        parameters={"instance": "proofs_check.bngd_ols._instance(seed, 'bngd-ols.step-sizes', 10, 100.0)",
                    "d": d, "kappa": kappa, "a0": 1.0, "w0_norm": 1.0, "eps_a": 1.0, "n_iter": n_iter,
                    "eps_grid": [float(e) for e in s["eps"]], "tol": tol, "min_decay": min_decay,
                    "gd_start": "a0 w0/||w0||_H (same initial loss)", "gd_edge_eps": [0.99, 1.01],
                    "criterion": "bntheory.solvers.bngd_ols.convergence"})
    return rec


#: The experiments, in the order of issue #7 item 1 (a–f), then issue #8's: name → function of the seed.
EXPERIMENTS = {
    "ols": experiment_ols,
    "halfspace": experiment_halfspace,
    "bisection": experiment_bisection,
    "empirical": experiment_empirical,
    "network": experiment_network,
    "tightness": experiment_tightness,
    "explosion": experiment_explosion,
    "bngd-ols": experiment_bngd_ols,
}


def experiment(name: str, seed: int = 0) -> FigureRecords:
    """Run the experiment ``name`` (a key of :data:`EXPERIMENTS`) with ``seed``.

    Raises
    ------
    ParameterError
        An unknown name (the message lists the known ones) or a negative seed.
    """
    if name not in EXPERIMENTS:
        raise ParameterError(f"unknown figure {name!r}; known: {', '.join(EXPERIMENTS)}")
    _check_seed(seed)
    return EXPERIMENTS[name](int(seed))


def _check_seed(seed) -> None:
    """:class:`ParameterError` unless ``seed`` is an integer ``≥ 0`` (the sidecar stores it as is)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got seed = {seed!r}")
