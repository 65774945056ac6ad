r"""``bntheory figures``: the convergence plots, drawn from tidy records and never recomputed.

Every figure is drawn by a function of this module from the files :mod:`bntheory.records` writes
(``<name>.csv`` and its JSON sidecar) -- read back from disk, so what is drawn is what is recorded,
and ``--from-records DIR`` redraws without running any solver.  Conventions (issue #7, item 2):
decay on a log scale; axes named by their quantity; measured series solid, theorem bounds and
predictions (not bounds) dashed and labelled, reference curves (not bounds) dotted, precision
floors thin grey dotted; a legend; the instance in every panel's title; a footer with the seed, the record file and the statement
that the setting is ours.

=============  =====================================================  ==========================
figure         illustrates                                            regime
=============  =====================================================  ==========================
``ols``        OLS theorem, MATH.md §3 (+ mpmath below float64)       theorem
``halfspace``  halfspace theorem, MATH.md §4.5; acceleration §4.6     theorem
``bisection``  length bounds (paper and Lipschitz), MATH.md §4.5      theorem
``empirical``  finite-sample, non-Gaussian data, MATH.md §5           experiment
``network``    per-unit bound of alternating GDNP, MATH.md §6         theorem / experiment
``tightness``  measured/bound of the OLS theorem, MATH.md §3, §9.3    theorem
``explosion``  gradient explosion at initialisation, MATH.md §8       theorem (mean field)
``bngd-ols``   BN-GD vs GD over weight step sizes, MATH.md §8         theorem
=============  =====================================================  ==========================

References
----------
Kohler et al., *Exponential convergence rates for Batch Normalization*, AISTATS 2019
(arXiv:1805.10694), Sections 3–5.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

import numpy as np

from .errors import BNTheoryError, ParameterError
from .records import EXPERIMENTS, Table, check_claims, environment, experiment, read_records, write_records

__all__ = ["FIGURES", "draw", "draw_ols", "draw_halfspace", "draw_bisection", "draw_empirical",
           "draw_network", "draw_tightness", "draw_explosion", "draw_bngd_ols", "select", "run", "add_arguments", "main_from_args"]

_STYLE = {"measured": {"ls": "-", "lw": 1.7, "zorder": 3},
          "bound": {"ls": (0, (5, 3)), "lw": 1.6, "zorder": 2.5},
          "prediction": {"ls": (0, (5, 3)), "lw": 1.4, "zorder": 2.5},
          "reference": {"ls": ":", "lw": 1.8, "zorder": 2},
          "floor": {"ls": ":", "lw": 1.0, "color": "0.55", "zorder": 1}}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _panels(table: Table) -> list[dict]:
    return table.meta["panels"]


def _draw_panel(ax, table: Table, panel: dict, colors: dict, labels: dict | None = None,
                legend: bool = True) -> None:
    """Draw every series of ``panel`` in file order; colours by series name, style by kind.

    On a log axis non-positive values (a float64 gap that rounded to ``≤ 0``) are left out, and
    values below the panel's ``ymin`` fall outside the drawn axis.
    """
    labels = labels or {}
    log = panel.get("yscale", "log") == "log"
    for name, s in table.series.get(panel["id"], {}).items():
        x, v = s["x"], s["value"].copy()
        if log:
            v[v <= 0] = np.nan
        style = dict(_STYLE[s["kind"]])
        style.setdefault("color", colors.get(name))
        if s["kind"] == "floor":
            ax.axhline(v[0], label=labels.get(name, name), **style)
            continue
        ax.plot(x, v, label=labels.get(name, name), **style)
    ax.set_yscale(panel.get("yscale", "log"))
    ax.set_xlabel(panel["x"])
    ax.set_ylabel(panel["y"])
    ax.set_title(panel["title"], fontsize=10)
    if "ymin" in panel:
        lo, hi = ax.get_ylim()
        ax.set_ylim(max(lo, panel["ymin"]), hi)
        below = [f"{labels.get(n, n)} from t = {int(s['x'][np.argmax(s['value'] < panel['ymin'])])}"
                 for n, s in table.series.get(panel["id"], {}).items()
                 if s["kind"] == "measured" and np.any(s["value"] < panel["ymin"])]
        if below:
            ax.text(0.98, 0.02, f"below the axis cut {panel['ymin']:.0e}:\n" + "\n".join(below),
                    transform=ax.transAxes, ha="right", va="bottom", fontsize=8,
                    bbox={"facecolor": "white", "edgecolor": "0.7", "alpha": 0.9})
    if "ylim" in panel:
        ax.set_ylim(*panel["ylim"])
    ax.grid(True, which="major", alpha=0.3)
    if panel.get("regime") == "experiment":
        ax.set_facecolor("#fff8ec")
    if legend:
        ax.legend(fontsize=8, loc="best")


def _footer(fig, table: Table) -> None:
    m = table.meta
    env = m.get("environment", {})
    git = (env.get("git") or "unknown")[:10] + ("+dirty" if env.get("git_dirty") else "")
    setting = "setting ours (the paper's experiment settings are not available)"
    fig.text(0.01, 0.005, f"{m.get('illustrates', '')}  |  {setting}  |  seed {m.get('seed')}, "
             f"records {m.get('records')}, git {git}", fontsize=7, color="0.35", ha="left", va="bottom")


def _shared_legend(fig, axes, table: Table, *, ncol: int, fontsize: float, anchor_y: float,
                   bottom: float) -> None:
    """One legend for all panels (the first panel's handles) below them, the footer, the layout."""
    handles, labs = axes[0].get_legend_handles_labels()
    fig.legend(handles, labs, loc="lower center", ncol=ncol, fontsize=fontsize, bbox_to_anchor=(0.5, anchor_y))
    _footer(fig, table)
    fig.tight_layout(rect=(0, bottom, 1, 0.96))


def _figure(table: Table, nrows: int, ncols: int, size: tuple) -> tuple:
    plt = _plt()
    fig, axes = plt.subplots(nrows, ncols, figsize=size, squeeze=False)
    fig.suptitle(table.meta.get("title", table.name), fontsize=13)
    return fig, axes.ravel()


def draw_ols(table: Table):
    r"""Figure ``ols``: Rayleigh-GD (BN) and plain GD against the OLS theorem (MATH.md §3).

    Five panels, ``d ∈ {10, 100}`` × ``κ ∈ {10, 100}`` and the mpmath run of ``d = 10, κ = 10``:
    the gap ``ρ(w_t) − ρ*`` (GD: ``f(w̃_t) − f*``, from the same start value) against the dashed
    ``(1 − μ/L)^{2t}(ρ(w₀) − ρ*)``, with the float64 resolution ``1e-13|ρ*|`` as a floor line.
    Stands in for the paper's OLS comparison (Kohler et al. 2019, Sec. 3, Thm 1); the setting is
    ours.

    Parameters
    ----------
    table : Table
        Records of :func:`bntheory.records.experiment_ols`, read back from disk.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = _figure(table, 2, 3, (15, 9))
    colors = {"Rayleigh-GD (BN)": "C0", "GD on f_OLS, step 1/(2L)": "C1", "bound (1-mu/L)^{2t} gap_0": "k",
              "Rayleigh-GD (BN), mpmath 60 digits": "C2", "Rayleigh-GD (BN), float64": "C0"}
    labels = {"bound (1-mu/L)^{2t} gap_0": r"bound $(1-\mu/L)^{2t}(\rho(w_0)-\rho^*)$ (both methods)",
              "GD on f_OLS, step 1/(2L)": r"GD on $f_{OLS}$, step $1/(2L)$",
              "float64 resolution 1e-13|rho*|": r"float64 resolution $10^{-13}|\rho^*|$"}
    panels = _panels(table)
    for ax, panel in zip(axes, panels):
        _draw_panel(ax, table, panel, colors, labels, legend=panel["id"].startswith("mpmath"))
    handles, labs = axes[0].get_legend_handles_labels()
    axes[-1].axis("off")
    axes[-1].legend(handles, labs, loc="center", fontsize=10, title="panels 1–4", frameon=False)
    _footer(fig, table)
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    return fig


def draw_halfspace(table: Table):
    r"""Figure ``halfspace``: ``‖∇f(w̃_t)‖²_{S⁻¹}`` of GD, BN-GD and GDNP (``T_s ∈ {5, 10, 20}``) with
    the halfspace theorem's right-hand side for each GDNP run (MATH.md §4.5), at ``uᵀS⁻¹u = 0.5``
    and ``0.99``: near separability GD slows down and GDNP does not (§4.6).

    Stands in for the paper's halfspace experiment (Kohler et al. 2019, Sec. 4); the setting is
    ours.  Each GDNP run and its bound share a colour; bounds dashed; each claim's floor grey.  The
    bound uses the a-posteriori ``Φ = sup_t|c₁|`` of the run it is drawn for.
    """
    fig, axes = _figure(table, 1, 2, (14, 6.2))
    colors = {"GD, step 1/zeta": "C1", "BN-GD, steps 1/zeta": "C4"}
    labels = {"GD, step 1/zeta": r"GD, step $1/\zeta$", "BN-GD, steps 1/zeta": r"BN-GD, steps $1/\zeta$"}
    for k, T_s in enumerate((5, 10, 20)):
        colors[f"GDNP T_s={T_s}"] = colors[f"theorem RHS T_s={T_s}"] = f"C{[0, 2, 3][k]}"
        labels[f"GDNP T_s={T_s}"] = f"GDNP $T_s={T_s}$"
        labels[f"theorem RHS T_s={T_s}"] = (f"bound (theorem RHS), $T_s={T_s}$, a-posteriori "
                                            r"$\Phi=\sup_t|c_1|$ of this run")
        labels[f"floor of the T_s={T_s} claim"] = f"floor of the $T_s={T_s}$ claim"
    for ax, panel in zip(axes, _panels(table)):
        _draw_panel(ax, table, panel, colors, labels, legend=False)
    _shared_legend(fig, axes, table, ncol=3, fontsize=9, anchor_y=0.03, bottom=0.2)
    return fig


def draw_bisection(table: Table):
    r"""Figure ``bisection``: ``(∂_g f)²`` at the left end ``a^{(T_s)}`` after ``T_s`` halvings against
    the paper's length bound ``2^{−T_s}ζW/μ²`` and the Lipschitz form ``(ζ/μ)²4^{−T_s}W²``
    (MATH.md §4.5), at a fixed direction.  The setting is ours.
    """
    fig, axes = _figure(table, 1, 2, (13, 5.4))
    measured, paper = "(d_g f)^2 at a^(T_s)", "paper: 2^-T_s zeta W/mu^2"
    lipschitz, floor = "Lipschitz: (zeta/mu)^2 4^-T_s W^2", "floor 1e-20 (quadrature)"
    colors = {measured: "C0", paper: "C3", lipschitz: "C2"}
    labels = {measured: r"measured $(\partial_g f)^2$ at $a^{(T_s)}$",
              paper: r"paper: $2^{-T_s}\,\zeta\,W/\mu^2$",
              lipschitz: r"Lipschitz: $(\zeta/\mu)^2\,4^{-T_s}\,W^2$",
              floor: r"floor $10^{-20}$ (quadrature resolution)"}
    for ax, panel in zip(axes, _panels(table)):
        _draw_panel(ax, table, panel, colors, labels)
    _footer(fig, table)
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    return fig


def draw_empirical(table: Table):
    r"""Figure ``empirical``: GD, BN-GD and GDNP on finite-sample halfspace data with Gaussian,
    Laplace, uniform and mixture noise -- an EXPERIMENT (MATH.md §5): no theorem applies, so no
    bound is drawn; the dotted curve is GDNP on the population Gaussian model (a reference, not a
    bound).  Stands in for the paper's experiments beyond the Gaussian model; the setting is ours.
    """
    fig, axes = _figure(table, 2, 2, (13, 9.5))
    colors, labels = {}, {}
    for panel in table.series.values():
        for name in panel:
            if name.startswith("GD,"):
                colors[name], labels[name] = "C1", r"GD, step $1/\hat\zeta$"
            elif name.startswith("BN-GD"):
                colors[name], labels[name] = "C4", r"BN-GD, steps $1/\hat\zeta$"
            elif "population" in name:
                colors[name], labels[name] = "0.3", name.replace("T_s=", "$T_s=$") + " (reference, not a bound)"
            else:
                colors[name], labels[name] = "C0", name.replace("T_s=", "$T_s=$") + r", $h=\hat c_1 u^\top w$"
    for ax, panel in zip(axes, _panels(table)):
        _draw_panel(ax, table, panel, colors, labels, legend=False)
    _shared_legend(fig, axes, table, ncol=2, fontsize=9, anchor_y=0.025, bottom=0.09)
    return fig


def draw_network(table: Table):
    r"""Figure ``network``: alternating GDNP on a one-hidden-layer network (two tanh units), each
    unit's ``‖∇_{w̃⁽ⁱ⁾}f‖²_{S⁻¹}`` against the per-unit bound of MATH.md §6 (dashed) and its
    Rayleigh gap (dotted, a reference), and the claim's floor.  Unit 1 is the exact case (a theorem
    with an a-posteriori ``C``); unit 2 an experiment whose bound uses the a-posteriori
    ``C = max(C_P, sup ĉ₁²)`` of the same run.  Stands in for the paper's network result (Kohler et al. 2019,
    Sec. 5); the setting is ours.
    """
    fig, axes = _figure(table, 1, 2, (13, 5.6))
    colors, labels = {}, {}
    for panel in table.series.values():
        for name, s in panel.items():
            colors[name] = {"measured": "C0", "bound": "k", "reference": "C2", "floor": None}[s["kind"]]
            if s["kind"] == "floor":
                labels[name] = "floor of the claim"
            elif s["kind"] == "measured":
                labels[name] = name + r":  $\|\nabla_{\tilde w^{(i)}} f\|^2_{S^{-1}}$"
            elif s["kind"] == "bound":
                labels[name] = name.replace("bound", "bound (MATH.md §6)")
            else:
                labels[name] = r"$\rho(w_t)-\rho^*$ (reference, not a bound)"
    for ax, panel in zip(axes, _panels(table)):
        _draw_panel(ax, table, panel, colors, labels)
    _footer(fig, table)
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    return fig


def draw_tightness(table: Table):
    r"""Figure ``tightness``: measured/bound of the OLS theorem (MATH.md §3) over the verify battery
    and the tight case ``u`` = top eigenvector of ``S`` (MATH.md §9.3), where the bound is attained
    (ratio → 1); right, the ratio along three runs.  The setting is ours.
    """
    fig, axes = _figure(table, 1, 2, (15, 6.4))
    (left, right), panels = axes, _panels(table)
    s = table.get("battery", "max_(t>=1) measured/bound")
    tight = np.array(["tight" in lab for lab in s["label"]])
    left.scatter(s["x"][~tight], s["value"][~tight], color="C0", zorder=3, label="battery instance (random S, u)")
    left.scatter(s["x"][tight], s["value"][tight], color="C3", marker="D", zorder=3,
                 label="tight case: u = top eigenvector of S")
    b = table.get("battery", "bound (ratio 1)")
    left.plot(b["x"], b["value"], color="k", ls=_STYLE["bound"]["ls"], label="bound: ratio = 1")
    left.set_yscale("log")
    left.set_xticks(s["x"], [lab.replace("kappa", "κ") for lab in s["label"]], rotation=70, ha="right",
                    fontsize=7)
    left.set_xlabel(panels[0]["x"])
    left.set_ylabel(panels[0]["y"])
    left.set_title(panels[0]["title"], fontsize=10)
    left.grid(True, alpha=0.3)
    left.legend(fontsize=8, loc="lower right")
    names = [n for n in table.series["along the run"] if n != "bound (ratio 1)"]
    colors = dict(zip(names, ["C0", "C1", "C3"]))
    colors["bound (ratio 1)"] = "k"
    _draw_panel(right, table, panels[1], colors,
                {n: n.replace("kappa", "κ") for n in names} | {"bound (ratio 1)": "bound: ratio = 1"})
    _footer(fig, table)
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    return fig


def draw_explosion(table: Table):
    r"""Figure ``explosion``: gradient explosion in deep BN networks at initialisation (MATH.md §8;
    Yang et al. 2019).

    Top: the squared weight gradient ``‖∂ℓ/∂W^{L−k}‖²`` relative to the last layer's against the
    number ``k`` of layers below the output, for linear (left) and ReLU (right) BN networks at
    several batch sizes ``B``, each with its predicted growth ``λ_G^k`` dashed (linear:
    ``λ_G = (B−2)/(B−3)``; ReLU: only the ``B → ∞`` limit ``π/(π−1)``, drawn on ``B = 256``), and the
    same network without BN (prediction 1).  The grey band marks the layers the growth is fitted on.
    Bottom left: the fitted ``λ̂`` against ``B`` (mean ± SE over networks) with the predictions.
    Bottom right: ``|λ̂ − λ_G|`` (filled) and ``2·SE`` (open) against the tolerance 0.02 -- the claims.
    The setting is ours.
    """
    fig, axes = _figure(table, 2, 2, (14, 10.5))
    panels = {p["id"]: p for p in _panels(table)}
    palette = ["C0", "C1", "C2", "C3", "C4", "C5"]
    for ax, pid in zip(axes[:2], ("linear", "relu")):
        panel, colors, labels = panels[pid], {}, {}
        names = [n for n, s in table.series[pid].items() if s["kind"] == "measured"]
        for i, name in enumerate(names):
            colors[name] = colors[f"prediction {name}"] = "0.25" if name.startswith("no BN") else palette[i]
            B = int(name.split("B=")[1])
            if name.startswith("no BN"):
                labels[f"prediction {name}"] = "no BN: prediction 1"
            elif pid == "linear":
                labels[f"prediction {name}"] = rf"$B={B}$: prediction $((B-2)/(B-3))^k$ = {(B - 2) / (B - 3):.4g}$^k$"
            else:
                labels[f"prediction {name}"] = r"$B\to\infty$ limit $(\pi/(\pi-1))^k$ = 1.4669$^k$, drawn on $B=256$"
            labels[name] = name.replace("B=", "$B=$")
        lo, hi = panel["fit_window_k"]
        ax.axvspan(lo, hi, color="0.93", zorder=0, label=f"layers fitted: k = {lo}..{hi}")
        _draw_panel(ax, table, panel, colors, labels)
    ax, panel = axes[2], panels["fit"]
    for color, fam in (("C0", "linear BN"), ("C3", "ReLU BN")):
        m, se = table.get("fit", f"{fam}: fitted growth"), table.get("fit", f"{fam}: standard error")
        ax.errorbar(m["x"], m["value"], yerr=se["value"], fmt="o", ls="none", color=color, capsize=3, ms=5,
                    label=f"{fam}: fitted growth (± SE)", zorder=3)
    for name, color, label in (("(B-2)/(B-3) (linear, mean field)", "C0", r"linear: $(B-2)/(B-3)$"),
                               ("pi/(pi-1) (ReLU, B -> infinity)", "C3", r"ReLU, $B\to\infty$: $\pi/(\pi-1)$"),
                               ("no BN: 1", "0.4", "no BN: 1 (reference)")):
        s = table.get("fit", name)
        ax.plot(s["x"], s["value"], color=color, label=label, **{k: v for k, v in _STYLE[s["kind"]].items()
                                                                 if k != "color"})
    ax, panel = axes[2], panels["fit"]
    ax.set_xscale("log")
    ax.set_yscale(panel["yscale"])
    ax.set_xlabel(panel["x"])
    ax.set_ylabel(panel["y"])
    ax.set_title(panel["title"], fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    ax, panel = axes[3], panels["claims"]
    fam_color = {"linear BN": "C0", "ReLU BN": "C3", "linear, no BN": "0.25", "ReLU, no BN": "C5"}
    for name, s in table.series["claims"].items():
        if s["kind"] == "bound":
            ax.plot(s["x"], s["value"], color="k", label=f"bound: tolerance {s['value'][0]:g}", **{
                k: v for k, v in _STYLE["bound"].items() if k != "color"})
            continue
        fam = name.split(":")[0]
        open_marker = name.endswith("2 SE")
        ax.plot(s["x"], np.maximum(s["value"], panel["ymin"]), ls="none", marker="s" if open_marker else "o",
                ms=7, color=fam_color[fam], mfc="none" if open_marker else fam_color[fam],
                label=name.replace("pi/(pi-1)", "π/(π−1)"), zorder=3)
    ax.set_xscale("log")
    ax.set_yscale(panel["yscale"])
    ax.set_ylim(panel["ymin"], 0.2)
    ax.set_xlabel(panel["x"])
    ax.set_ylabel(panel["y"])
    ax.set_title(panel["title"], fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    handles, labs = ax.get_legend_handles_labels()
    keep = {}
    for h, lab in zip(handles, labs):
        keep.setdefault(lab, h)
    ax.legend(keep.values(), keep.keys(), fontsize=7.5, ncol=2, loc="lower center")
    _footer(fig, table)
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    return fig


def draw_bngd_ols(table: Table):
    r"""Figure ``bngd-ols``: BN-GD against plain GD over weight step sizes on least squares
    (MATH.md §8; Cai, Li & Shen 2019).

    Left: the relative gap ``(J_k − J*)/(J_0 − J*)`` against ``k`` for BN-GD at five step sizes
    across ``1e-3 … 1e5`` and plain GD just below and just above ``2/λ_max`` (above: clipped at the
    top of the axis, a triangle where it leaves), with GD's top-mode lower bound dashed (the
    lower-bound claim).  Right: per step size, the steps to ``1e-10`` of the initial gap -- filled
    markers measured within ``K``, open markers extrapolated from the certified linear tail, GD's
    diverging step sizes as triangles at the top; ``2/λ_max`` dashed vertical, the criterion's
    largest certified count dashed horizontal (the BN-GD claim).  The setting is ours.
    """
    fig, axes = _figure(table, 1, 2, (15, 8.2))
    panels = {p["id"]: p for p in _panels(table)}
    ax, panel = axes[0], panels["gap"]
    names = [n for n, s in table.series["gap"].items() if n.startswith("BN-GD")]
    cmap = _plt().get_cmap("viridis")
    colors = {n: cmap(0.9 * i / max(len(names) - 1, 1)) for i, n in enumerate(names)}
    labels = {n: n.replace("eps = ", "ε = ") for n in names}
    lower = "bound (lower): top-mode part of GD's gap"
    for f, color in (("0.99", "0.35"), ("1.01", "C3")):
        n = f"GD, eps = {f}*2/lambda_max"
        colors[n] = color
        labels[n] = rf"plain GD, $\varepsilon = {f}\cdot 2/\lambda_{{\max}}$"
    colors[lower] = "k"
    labels[lower] = r"bound (lower), GD at $1.01\cdot 2/\lambda_{\max}$: $\propto(\varepsilon\lambda_{\max}-1)^{2k}$"
    _draw_panel(ax, table, panel, colors, labels, legend=False)
    for ln in ax.get_lines():
        if ln.get_label() == labels[lower]:
            ln.set_zorder(3.5)  # dashed over the measured curve it bounds from below
    top = panel["ylim"][1]
    for n, s in table.series["gap"].items():
        if s["kind"] == "measured" and np.any(s["value"] > top):
            i = int(np.argmax(s["value"] > top))
            ax.plot(s["x"][i], top, ls="none", marker="^", ms=10, color=colors[n], clip_on=False, zorder=4,
                    label=f"GD leaves the axis at k = {int(s['x'][i])} ({s['value'][-1]:.0e} at k = {int(s['x'][-1])})")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
    ax, panel = axes[1], panels["step sizes"]
    two_L = table.get("step sizes", "GD threshold 2/lambda_max")["x"][0]
    cap = table.get("step sizes", "bound: steps certified by the criterion")
    b = table.get("step sizes", "BN-GD: steps to 1e-10 gap_0")
    g = table.get("step sizes", "GD: steps to 1e-10 gap_0")
    ymax = 10.0 ** np.ceil(np.log10(cap["value"].max()) + 0.5)
    ax.plot(cap["x"], cap["value"], color="k", label=f"bound (BN-GD claim): K + ln(1e10)/1e-9 = {cap['value'][0]:.2g}",
            **{k: v for k, v in _STYLE["bound"].items() if k != "color"})
    ax.axvline(two_L, color="C3", label=rf"GD threshold $2/\lambda_{{\max}}$ = {two_L:.3g}",
               **{k: v for k, v in _STYLE["prediction"].items() if k != "color"})
    for s, name, color in ((b, "BN-GD", "C0"), (g, "plain GD", "C3")):
        lab = np.array(s["label"])
        fin = np.isfinite(s["value"])
        ax.plot(s["x"][fin], s["value"][fin], color=color, alpha=0.6, **_STYLE["measured"])
        for kind, mfc in (("within K", color), ("extrapolated", "white")):
            sel = lab == kind
            if sel.any():
                ax.plot(s["x"][sel], s["value"][sel], ls="none", marker="o", ms=7, color=color, mfc=mfc,
                        zorder=4, label=f"{name}: {'within K' if kind == 'within K' else 'extrapolated (linear tail)'}")
        bad = ~fin
        if bad.any():
            ax.plot(s["x"][bad], np.full(bad.sum(), ymax), ls="none", marker="^", ms=9, color=color,
                    clip_on=False, zorder=4, label=f"{name}: {sorted(set(lab[bad]))[0]}")
    n_iter = table.meta["parameters"]["n_iter"]
    ax.axhline(n_iter, color="0.55", lw=1.0, ls=":", label=f"budget K = {n_iter}")
    ax.set_xscale("log")
    ax.set_yscale(panel.get("yscale", "log"))
    ax.set_ylim(10.0, ymax)
    ax.set_xlabel(panel["x"])
    ax.set_ylabel(panel["y"])
    ax.set_title(panel["title"], fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
    _footer(fig, table)
    fig.tight_layout(rect=(0, 0.02, 1, 0.96))
    return fig


#: Figure name → drawing function (same names as :data:`bntheory.records.EXPERIMENTS`).
FIGURES = {"ols": draw_ols, "halfspace": draw_halfspace, "bisection": draw_bisection,
           "empirical": draw_empirical, "network": draw_network, "tightness": draw_tightness,
           "explosion": draw_explosion, "bngd-ols": draw_bngd_ols}
assert list(FIGURES) == list(EXPERIMENTS)


def select(only: str | None) -> list[str]:
    """The figure names selected by ``--only`` (comma-separated names; ``None``: all).

    Raises
    ------
    ParameterError
        An unknown name; the message lists the known ones.

    Examples
    --------
    >>> select("ols,network")
    ['ols', 'network']
    """
    if only is None:
        return list(FIGURES)
    names = [n.strip() for n in only.split(",") if n.strip()]
    bad = [n for n in names if n not in FIGURES]
    if bad or not names:
        raise ParameterError(f"unknown figure {', '.join(bad) or repr(only)} in --only; known: {', '.join(FIGURES)}")
    return names


def draw(table: Table, out_dir) -> list[Path]:
    """Draw one figure from its records and save it as PDF and PNG in ``out_dir``.

    The files carry no creation date, so redrawing the same records gives the same PDF.
    """
    plt = _plt()
    fig = FIGURES[table.name](table)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{table.name}.pdf", out / f"{table.name}.png"]
    fig.savefig(paths[0], metadata={"CreationDate": None})
    fig.savefig(paths[1], dpi=110)
    plt.close(fig)
    return paths


def _claim_line(c: dict) -> str:
    """One progress line per claim: verdict, max ratio over ``t ≥ 1``, points compared."""
    verdict = "holds" if c["holds"] else "VIOLATED"
    if c.get("sense") == "at_least":
        line = (f"    {c['regime']} claim {verdict}: panel {c['panel']!r}, {c['measured']} >= {c['bound']}; "
                f"max bound/measured: {c['max_ratio']:.3g}, n_compared {c['n_compared']} of {c['n_measured']}")
        if c["first_violation"] is not None:
            line += f"; first violation at x = {c['first_violation'][0]:g}"
        return line
    ratio = (f"max measured/bound over t >= 1: {c['max_ratio_after_start']:.3g}" if c.get("x_is_time", True)
             else f"max measured/bound over every x: {c['max_ratio']:.3g}")
    line = (f"    {c['regime']} claim {verdict}: panel {c['panel']!r}, {c['measured']} <= {c['bound']}; "
            f"{ratio}, n_compared {c['n_compared']} of {c['n_measured']} (floor {c['floor']:.3g})")
    if c["first_violation"] is not None:
        line += f"; first violation at x = {c['first_violation'][0]:g}"
    if c["missing_bound"]:
        line += f"; no bound value at x = {', '.join(f'{x:g}' for x in c['missing_bound'][:5])}"
    if c["n_compared"] == 0:
        line += "; compares nothing"
    return line


def _check_out(out: Path) -> None:
    """:class:`ParameterError` unless ``out`` is (or can be made) a writable directory."""
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out {out} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError(f"--out {out}: cannot create the directory ({exc.strerror or exc})") from None
    probe = out / ".bntheory-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ParameterError(f"--out {out}: the directory is not writable ({exc.strerror or exc})") from None


def run(out="figures", *, seed: int | None = None, only: str | None = None, from_records=None,
        stream: TextIO | None = None) -> dict:
    """Compute the records (unless ``from_records``), draw every selected figure from the files and
    check every claim of the sidecars.

    Parameters
    ----------
    out : path
        Output directory for ``<name>.{csv,json,pdf,png}``.
    seed : int, optional
        Seed (``≥ 0``) of every random instance, default 0; the same seed gives byte-identical CSV
        files.  Not allowed with ``from_records`` (the records carry their own seed).
    only : str, optional
        Comma-separated figure names (:func:`select`).
    from_records : path, optional
        Redraw from the records in this directory; no experiment is run.
    stream : file, optional
        Progress lines (default ``sys.stdout``): per figure the times and the verdict, per claim
        its regime, the maximum measured/bound over ``t ≥ 1`` and the number of points compared.

    Returns
    -------
    dict
        ``name → {"files": [...], "claims": [...], "seconds": {"compute", "draw"}}``.  Each claim
        has ``regime``: ``"theorem"`` claims decide the exit status of the command,
        ``"experiment"`` claims are reported separately.

    Raises
    ------
    ParameterError
        An unknown figure name, a negative seed, a seed together with ``from_records``, an
        output path that is not a writable directory, or missing or malformed record files.
    """
    from .records import _check_seed

    stream = sys.stdout if stream is None else stream
    names = select(only)
    if from_records is not None and seed is not None:
        raise ParameterError(f"--seed {seed} with --from-records: the records carry their own seed, "
                             "a seed would be ignored")
    seed = 0 if seed is None else seed
    _check_seed(seed)
    out = Path(out)
    src = out if from_records is None else Path(from_records)
    if from_records is not None:
        for name in names:  # refuse malformed records before anything is drawn
            read_records(src, name)
    _check_out(out)
    env = environment() if from_records is None else None
    summary = {}
    t_all = time.perf_counter()
    for k, name in enumerate(names, 1):
        t0 = time.perf_counter()
        files = []
        if from_records is None:
            files += write_records(experiment(name, seed), out, seed=seed, env=env)
        t1 = time.perf_counter()
        table = read_records(src, name)
        files += draw(table, out)
        claims = check_claims(table)
        t2 = time.perf_counter()
        parts = []
        for regime in ("theorem", "experiment"):
            cs = [c for c in claims if c["regime"] == regime]
            if cs:
                parts.append(f"{'bounds' if regime == 'theorem' else 'experiment claims'} hold "
                             f"{sum(c['holds'] for c in cs)}/{len(cs)}")
        verdict = "; ".join(parts) if claims else "experiment: no bound claimed"
        print(f"[{k}/{len(names)}] {name:<10} records {t1 - t0:5.2f} s, drawing {t2 - t1:5.2f} s; {verdict}; "
              f"{out}/{name}.{{{'csv,json,' if from_records is None else ''}pdf,png}}", file=stream, flush=True)
        for c in claims:
            print(_claim_line(c), file=stream, flush=True)
        summary[name] = {"files": [str(p) for p in files], "claims": claims,
                         "seconds": {"compute": t1 - t0, "draw": t2 - t1}}
    every = [c for s in summary.values() for c in s["claims"]]
    th = [c for c in every if c["regime"] == "theorem"]
    ex = [c for c in every if c["regime"] == "experiment"]
    print(f"{len(names)} figures in {time.perf_counter() - t_all:.1f} s; "
          f"{sum(c['holds'] for c in th)}/{len(th)} bound claims hold"
          + (f"; experiment claims (not in the exit status): {sum(c['holds'] for c in ex)}/{len(ex)} hold"
             if ex else ""), file=stream, flush=True)
    return summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``bntheory figures``."""
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="output directory (default ./figures, or the --from-records directory)")
    parser.add_argument("--seed", type=int, default=None, metavar="N",
                        help="seed (>= 0) of every random instance (default 0; not with --from-records)")
    parser.add_argument("--only", metavar="NAMES",
                        help=f"comma-separated figures to make, of: {', '.join(FIGURES)}")
    parser.add_argument("--from-records", type=Path, default=None, metavar="DIR",
                        help="redraw from the CSV/JSON records in DIR without recomputing")


def main_from_args(args: argparse.Namespace) -> int:
    """Run ``bntheory figures``; exit status 0 when every theorem claim holds, 1 when one is
    violated (experiment claims are reported, never counted), 2 on invalid input (an unknown figure
    name, a negative seed, ``--seed`` with ``--from-records``, an unusable ``--out``, missing or
    malformed records)."""
    out = args.out if args.out is not None else (args.from_records or Path("figures"))
    try:
        summary = run(out, seed=args.seed, only=args.only, from_records=args.from_records)
    except BNTheoryError as exc:
        print(f"bntheory figures: error: {exc}", file=sys.stderr)
        return 2
    return 0 if all(c["holds"] for s in summary.values() for c in s["claims"] if c["regime"] == "theorem") else 1
