"""Write the notebooks of this directory (nbformat v4, no outputs, kernel "python3").

The notebooks are generated from the cell texts below so that they stay thin, reviewable and
free of outputs:

    python notebooks/make_notebooks.py          # rewrites notebooks/*.ipynb

``tests/test_notebooks.py`` checks that the committed notebooks are exactly what this script
writes, that they carry no outputs, and runs each one headless.  Edit the cells here, not in
Jupyter (or copy a change made in Jupyter back here and regenerate).
"""

from __future__ import annotations

import sys
from pathlib import Path
from textwrap import dedent

import nbformat

HERE = Path(__file__).resolve().parent

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

#: The helper every notebook uses to display a derivation and its negative controls.
SHOW = '''
import numpy as np
import matplotlib.pyplot as plt
from IPython.display import Math, display


def show(d):
    """A derivation: its statement with the ladder's verdict (LaTeX), then its negative controls."""
    display(d)
    print(f"{d.id}: {d.verification.describe()}; assumptions: {'; '.join(d.assumptions) or '-'}")
    for c in d.controls:
        verdict = "rejected" if c.rejected else "ACCEPTED (the check cannot fail!)"
        print(f"  negative control {c.description!r}: {verdict} ({c.verification.describe()})")


def table(ds):
    """One line per derivation: id, rung reached, negative controls rejected."""
    for d in ds:
        print(f"{d.id:42s} {d.verification.describe():42s} "
              f"controls rejected {sum(c.rejected for c in d.controls)}/{len(d.controls)}")
'''

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {}

# ------------------------------------------------------------------------------------------------
NOTEBOOKS["01_bn_gradients"] = [
    ("md", r"""
# BN gradients (MATH.md §1)

The Batch Normalizing transform of one feature over a mini-batch $x_1,\dots,x_m$ (MATH.md §1.1),
its backward pass in the chain-rule form of Ioffe & Szegedy (§1.2) and in the compact form (§1.3).

`bntheory.symbolic.bn` builds the forward pass at an explicit batch size, differentiates it with
SymPy and checks every formula on the verification ladder (*proved* / *consistent at exact
points* / *refuted*). Every statement carries negative controls: deliberately wrong variants
that the same check must refute (MATH.md §7).

This notebook only calls `bntheory` and plots. The assertions are in `tests/` and
`proofs_check/` (`bntheory verify --only 'bn.*'`).
"""),
    ("code", SHOW + "\nfrom bntheory.symbolic import bn\nfrom bntheory.batchnorm import batchnorm_forward, batchnorm_backward"),
    ("md", r"""
## The formulas, for a general batch size $m$

Each formula is one SymPy expression: it is printed here, and it is instantiated at the explicit
size $m$ when it is checked.
"""),
    ("code", """
for name in ["dl_dxhat", "dl_dvar", "dl_dmu", "dl_dx", "dl_dgamma", "dl_dbeta", "compact"]:
    display(Math(bn.formula_latex(name)))
"""),
    ("md", r"""
## Derived and verified at $m = 4$

The backward pass is derived from the forward definition and compared with each formula, for a
symbolic $\varepsilon \ge 0$.
"""),
    ("code", """
ds = {d.id: d for d in bn.derivations(m=4)}
table(ds.values())
"""),
    ("code", """
show(ds["bn.backward.compact"])
show(ds["bn.structure.xhat-weighted-sum"])
print("\\ncounterexample to 'zero for every ε':",
      ds["bn.structure.xhat-weighted-sum"].controls[0].verification.counterexample)
"""),
    ("md", r"""
## $\sum_i \hat x_i\,\partial\ell/\partial x_i$ in floating point

The identity above says $\sum_i \hat x_i\,\partial\ell/\partial x_i =
(\gamma/\hat\sigma)\,\varepsilon/(\sigma_B^2+\varepsilon)\,\sum_k \delta_k \hat x_k$: zero only at
$\varepsilon = 0$. Below, the NumPy transform of `bntheory.batchnorm` on a random batch
($m = 16$, one feature; the setting is ours, there is no paper figure for it), for
$\varepsilon$ from $10^{-8}$ to $10^2$, measured in two ways: from the backward pass, and
independently of it by a central difference of the forward pass along $\hat x$
($\tfrac{d}{dt}\,\ell(x + t\hat x)$ with $\ell = \sum_i \delta_i y_i$). The formula is dashed.
"""),
    ("code", """
rng = np.random.default_rng(0)
x = 1.0 + 2.0 * rng.standard_normal((16, 1))
delta = rng.standard_normal((16, 1))
gamma, beta = np.array([1.5]), np.array([0.3])
eps_grid = np.logspace(-8, 2, 41)


def loss(x_in, eps):
    return float(np.sum(delta * batchnorm_forward(x_in, gamma, beta, eps=eps)[0]))


backward, forward_fd, formula = [], [], []
for eps in eps_grid:
    y, cache = batchnorm_forward(x, gamma, beta, eps=eps)
    dx, _, _ = batchnorm_backward(delta, cache)
    xhat, h = cache.x_hat, 1e-4
    backward.append(abs(float(np.sum(xhat * dx))))
    forward_fd.append(abs(loss(x + h * xhat, eps) - loss(x - h * xhat, eps)) / (2 * h))
    var, sh = float(cache.var[0]), float(cache.sigma_hat[0])
    formula.append(abs(float(gamma[0] / sh * eps / (var + eps) * np.sum(delta * xhat))))
backward, forward_fd, formula = map(np.array, (backward, forward_fd, formula))
print(f"max relative deviation from the formula: backward pass {np.max(np.abs(backward / formula - 1)):.2e}, "
      f"finite difference {np.max(np.abs(forward_fd / formula - 1)):.2e}")
y0, cache0 = batchnorm_forward(x, gamma, beta, eps=0.0)
print(f"at ε = 0: Σ x̂ ∂ℓ/∂x = {float(np.sum(cache0.x_hat * batchnorm_backward(delta, cache0)[0])):.1e} (rounding)")
"""),
    ("code", """
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(eps_grid, backward, "o", ms=4, label="backward pass (bntheory.batchnorm)")
ax.loglog(eps_grid, forward_fd, "x", ms=5, label="central difference of the forward pass")
ax.loglog(eps_grid, formula, "k--", label=r"formula $(\\gamma/\\hat\\sigma)\\,\\varepsilon/(\\sigma_B^2+\\varepsilon)\\,|\\sum_k\\delta_k\\hat x_k|$")
ax.set_xlabel(r"$\\varepsilon$")
ax.set_ylabel(r"$|\\sum_i \\hat x_i\\,\\partial\\ell/\\partial x_i|$")
ax.set_title("BN backward pass: the ε-term (m = 16)")
ax.legend(fontsize=8)
plt.show()
"""),
]

# ------------------------------------------------------------------------------------------------
NOTEBOOKS["02_length_direction"] = [
    ("md", r"""
# Batch Normalization as a length–direction reparametrization (MATH.md §2)

For one unit with centred input ($S = E[xx^\top]$), BN replaces the weight $\tilde w$ by a
direction $w \ne 0$ and a length $g$: $\tilde w = g\,w/\|w\|_S$, $f_{BN}(w, g) = f(\tilde w)$.
`bntheory.symbolic.reparam` derives the gradients in these coordinates from that definition, for
a generic smooth $f$, and checks the paper's closed forms, the orthogonality $w^\top\nabla_w
f_{BN} = 0$, scale invariance, the growth of $\|w\|$ under a GD step and the exact split of
$\|\nabla f\|^2_{S^{-1}}$ into a direction and a length part — each with negative controls.

This notebook only calls `bntheory` and plots; the assertions are in `tests/` and `proofs_check/`.
"""),
    ("code", SHOW + "\nfrom bntheory.symbolic import reparam"),
    ("code", """
ds = {d.id: d for d in reparam.derivations(d=3)}
table(ds.values())
"""),
    ("code", """
for name in ["reparam.grad-w", "reparam.orthogonality", "reparam.gd-step-norm", "reparam.norm-split"]:
    show(ds[name])
"""),
    ("md", r"""
## The gradients of a concrete $f$

`reparam.bn_gradients(f, d)` differentiates $f(g\,w/\|w\|_S)$ for an expression $f$ in
$\tilde w_1, \dots, \tilde w_d$; here $f(\tilde w) = \tilde w_1^2 + 3\tilde w_2$ at $d = 2$.
"""),
    ("code", """
import sympy as sp

v1, v2 = reparam.wtilde_symbols(2)
grad_w, d_g = reparam.bn_gradients(v1**2 + 3 * v2, 2)
display(Math(r"\\partial_g f_{BN} = " + sp.latex(d_g)))
display(Math(r"\\nabla_w f_{BN} = " + sp.latex(sp.simplify(grad_w))))
"""),
    ("md", r"""
## $\|w\|$ never decreases under BN-GD

A gradient step on the direction, $w^+ = w - \eta\nabla_w f_{BN}$, gives $\|w^+\|^2 = \|w\|^2 +
\eta^2\|\nabla_w f_{BN}\|^2$ (proved above). Below, BN-GD (`bntheory.solvers.bngd`: fixed steps
on $w$ and $g$) on an OLS instance ($d = 10$, $\kappa = 20$, $\eta_g = 0.1$, three direction steps
$\eta_w$; the setting is ours, for illustration). Left: $\|w_t\|^2$ measured, and the identity's
prediction $\|w_0\|^2 + \eta_w^2\sum_{s<t}\|\nabla_w f_{BN}(w_s, g_s)\|^2$ dashed. Right: the gap
$\rho(w_t) - \rho^*$ (MATH.md §3). A large $\eta_w$ inflates $\|w\|$, and since $\nabla_w f_{BN}$
scales as $1/\|w\|$ the effective step $\eta_w/\|w_t\|^2$ tunes itself down (MATH.md §8, Arora
et al.).
"""),
    ("code", """
from bntheory.problems import random_problem
from bntheory.solvers.bngd import bngd

P = random_problem("ols", 10, 20.0, 0)
w0 = np.random.default_rng(1).standard_normal(10)
runs = {eta: bngd(P, w0, 1.0, 200, eta_w=eta, eta_g=0.1) for eta in (0.05, 0.5, 2.0)}
predicted = {}
for eta, r in runs.items():
    predicted[eta] = r.w_norm[0] ** 2 + eta**2 * np.concatenate([[0.0], np.cumsum(r.grad_w_sq[:-1])])
    print(f"eta_w = {eta}: ||w_T||^2 / ||w_0||^2 = {r.w_norm[-1] ** 2 / r.w_norm[0] ** 2:.3f}, "
          f"max relative deviation from the identity {np.max(np.abs(r.w_norm ** 2 / predicted[eta] - 1)):.1e}, "
          f"final gap {r.gap[-1]:.2e}")
"""),
    ("code", """
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
for (eta, r), color in zip(runs.items(), ["C0", "C1", "C2"]):
    t = np.arange(r.w_norm.size)
    ax1.semilogy(t, r.w_norm ** 2, color=color, label=rf"measured, $\\eta_w = {eta}$")
    ax1.semilogy(t, predicted[eta], "--", color="k", lw=0.8)
    ax2.semilogy(t, r.gap, color=color, label=rf"$\\eta_w = {eta}$")
ax1.plot([], [], "k--", lw=0.8, label=r"$\\|w_0\\|^2 + \\eta_w^2\\sum_{s<t}\\|\\nabla_w f_{BN}\\|^2$")
ax1.set_xlabel("iteration t")
ax1.set_ylabel(r"$\\|w_t\\|^2$")
ax1.set_title("direction norm under BN-GD")
ax1.legend(fontsize=8)
ax2.set_xlabel("iteration t")
ax2.set_ylabel(r"$\\rho(w_t) - \\rho^*$")
ax2.set_title("BN-GD on OLS (fixed steps)")
ax2.legend(fontsize=8)
plt.show()
"""),
]

# ------------------------------------------------------------------------------------------------
NOTEBOOKS["03_ols"] = [
    ("md", r"""
# Ordinary least squares after BN (MATH.md §3, §3.1)

After BN, $f_{OLS}(w, g) = 2g\,u^\top w/\|w\|_S + g^2$; minimising in $g$ leaves the generalised
Rayleigh quotient $\rho(w) = -(u^\top w)^2/(w^\top S w)$, with minimum $\rho^* = -u^\top S^{-1}u$.
**Theorem (OLS):** gradient descent on $\rho$ with the step $\eta_t = w_t^\top S w_t/(2L|\rho(w_t)|)$
satisfies $\rho(w_t) - \rho^* \le (1 - \mu/L)^{2t}(\rho(w_0) - \rho^*)$. Plain GD on the convex
$f_{OLS}(\tilde w)$ with step $1/(2L)$ has the same rate: the non-convexity of the BN objective
costs nothing here.

`bntheory.symbolic.ols` derives the chain objective → $g^*$ → $\rho$ → $\nabla\rho$ → Rayleigh step
and checks it (with negative controls, among them the seed article's misprint of eq. 11). This
notebook only calls `bntheory` and plots; the assertions are in `tests/` and `proofs_check/`.
"""),
    ("code", SHOW + "\nimport sympy as sp\nfrom bntheory.symbolic import ols"),
    ("code", """
ds = {d.id: d for d in ols.derivations(d=3)}
table(ds.values())
"""),
    ("code", """
for name in ["ols.objective-bn", "ols.rho-gap", "ols.rayleigh-step-closed-form"]:
    show(ds[name])
display(Math(r"\\rho(w) = " + sp.latex(ols.rho(2))))
display(Math(r"w^+ = " + sp.latex(ols.rayleigh_step_closed_form(2))))
"""),
    ("md", r"""
## The rate on a trace

The paper's experiment settings are not available to us: the instances below are **ours**.
A random instance ($d = 50$, $\kappa = 100$, $u^\top S^{-1}u = 0.5$, random start) run by
Rayleigh-GD (`bntheory.solvers.rayleigh`) and by plain GD from $\tilde w_0 = 0$; and the tight case
($d = 2$, $u$ the top eigenvector of $S$, $\kappa = 10$), where the bound is attained, in float64
and in 60-digit mpmath down to $10^{-30}$. `bntheory.bounds` evaluates each theorem's right-hand
side on the trace and `.check()` compares it with the measurement above the precision floor
$10^{-7}|\rho^*|$ (MATH.md §9.1).
"""),
    ("code", """
from bntheory import bounds
from bntheory.problems import random_problem, tight_problem
from bntheory.solvers.gd import gd
from bntheory.solvers.rayleigh import rayleigh_gd

P = random_problem("ols", 50, 100.0, 0)
r = rayleigh_gd(P, np.random.default_rng(1).standard_normal(50), 600)
r_gd = gd(P, np.zeros(50), 600)
b, b_gd = bounds.ols_bound(P, r), bounds.gd_ols_bound(P, r_gd)
print(b.check().summary())
print(b_gd.check().summary())

Pt = tight_problem("ols", 10.0)
rt = rayleigh_gd(Pt, [1.0, 0.1], 80)
rt_mp = rayleigh_gd(Pt, [1.0, 0.1], 400, precision="mpmath")
bt, bt_mp = bounds.ols_bound(Pt, rt), bounds.ols_bound(Pt, rt_mp)
print(bt.check().summary())
print(f"mpmath: {rt_mp.nit} steps to gap {rt_mp.gap[-1]:.1e}; max ratio to the bound "
      f"{np.max(rt_mp.gap[1:] / bt_mp.bound[1:]):.6f}")
print("negative control, rate (1-μ/L)^{4t}:", bounds.ols_bound(Pt, rt, power=4).check().summary())
"""),
    ("code", """
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.semilogy(r.gap, label=r"Rayleigh-GD: $\\rho(w_t) - \\rho^*$")
ax1.semilogy(b.bound, "--", color="C0", label=r"bound $(1-\\mu/L)^{2t}(\\rho(w_0)-\\rho^*)$")
ax1.semilogy(r_gd.gap, color="C1", label=r"GD on $f_{OLS}$: $f(\\tilde w_t) - f^*$")
ax1.semilogy(b_gd.bound, "--", color="C1", label=r"bound $(1-\\mu/L)^{2t}(f(\\tilde w_0)-f^*)$")
ax1.axhline(b.floor, color="grey", ls=":", label="precision floor $10^{-7}|\\\\rho^*|$")
ax1.set_xlabel("iteration t")
ax1.set_ylabel("optimality gap")
ax1.set_title(r"random instance, $d = 50$, $\\kappa = 100$ (ours)")
ax1.legend(fontsize=8)
ax2.semilogy(rt_mp.gap, color="C2", label="Rayleigh-GD, mpmath (60 digits)")
ax2.semilogy(rt.gap, "o", ms=3, color="C3", label="Rayleigh-GD, float64")
ax2.semilogy(bt_mp.bound, "k--", label=r"bound $(1-\\mu/L)^{2t}(\\rho(w_0)-\\rho^*)$")
ax2.axhline(1e-13 * abs(rt.rho_star), color="grey", ls=":", label=r"float64 resolution $10^{-13}|\\rho^*|$")
ax2.set_xlabel("iteration t")
ax2.set_ylabel(r"$\\rho(w_t) - \\rho^*$")
ax2.set_title(r"tight case: $u$ the top eigenvector of $S$, $\\kappa = 10$")
ax2.legend(fontsize=8)
plt.show()
"""),
]

# ------------------------------------------------------------------------------------------------
NOTEBOOKS["04_halfspace_gdnp"] = [
    ("md", r"""
# Learning halfspaces with GDNP (MATH.md §4)

$f_{LH}(w, g) = E[\varphi(g\,z^\top w/\|w\|_S)]$ with $z = -yx$ Gaussian. Stein's lemma gives
$\nabla f_{LH}(\tilde w) = c_1 u + c_2 S\tilde w$ (§4.2), so the direction gradient is always
parallel to $\nabla\rho$. GDNP (§4.4) alternates a bisection on the length with a direction step
$s_t$; with $h_t = c_1 u^\top w_t$ **the GDNP direction iterates are exactly the OLS Rayleigh
iterates**, whatever $\varphi$, $g_t$ and $T_s$. (The seed article's $h$ drops a factor
$g_t/\|w_t\|_S$; it is refuted below.) The main theorem (§4.5) bounds
$\|\nabla f(\tilde w_t)\|^2_{S^{-1}}$ by a direction term $(1-\mu/L)^{2t}\Phi^2(\rho(w_0)-\rho^*)$
plus a length term $2^{-T_s}\zeta|b^{(0)} - a^{(0)}|/\mu^2$.

This notebook only calls `bntheory` and plots; the assertions are in `tests/` and `proofs_check/`.
"""),
    ("code", SHOW + "\nfrom bntheory.symbolic import halfspace"),
    ("code", """
ds = {d.id: d for d in halfspace.derivations(d=2)}
table(ds.values())
"""),
    ("code", """
for name in ["halfspace.bn-gradient", "halfspace.gdnp-equals-rayleigh", "halfspace.seed-h"]:
    show(ds[name])
"""),
    ("md", r"""
## GDNP on a Gaussian halfspace

The paper's experiment settings are not available to us: this instance is **ours** — $d = 20$,
$\kappa = 10$, logistic loss, $u^\top S^{-1}u = 0.9$ (close to separable), a random start,
$T_d = 40$ direction steps, $T_s = 40$ halvings per length search. Population values are exact
one-dimensional Gaussian quadratures (§4.3), no sampling. The baseline is plain GD with step
$1/\zeta$ on $f_{LH}(\tilde w)$ from $\tilde w_0 = 0$, for which only a sublinear rate is
guaranteed (§4.6); each GDNP step also costs a length search (bracket doublings and $T_s$
halvings, each a one-dimensional quadrature).
$\Phi = \sup_t|c_1(\tilde w_t)|$ is read off the trace. Negative control: the same check with
$\Phi = \inf_t|c_1|$ must fail.

The length term is studied separately: the same instance with $T_d = 10$ and $T_s = 0, 2, \dots,
40$, the measured $(\partial_g f(w_t, a_t^{(T_s)}))^2$ at $t = 10$ against the paper's length bound
and its Lipschitz form (§4.5; neither dominates). Below about $10^{-20}$ the measurement is
quadrature rounding (`bounds.LENGTH_FLOOR`).
"""),
    ("code", """
from bntheory import bounds
from bntheory.problems import random_problem
from bntheory.solvers.gd import gd
from bntheory.solvers.gdnp import gdnp
from bntheory.solvers.rayleigh import rayleigh_gd

P = random_problem("halfspace", 20, 10.0, 0, loss="logistic", uSu=0.9)
w0 = np.random.default_rng(1).standard_normal(20)
r = gdnp(P, w0, 40, 40)
r_gd = gd(P, np.zeros(20), 40)
print("max |ρ(w_t) GDNP − ρ(w_t) Rayleigh-GD| =", np.max(np.abs(r.rho - rayleigh_gd(P, w0, 40).rho)))

hb = bounds.halfspace_bound(P, r)
for bt in (hb, bounds.halfspace_bound(P, r, length_form="lipschitz"), bounds.direction_bound(P, r)):
    print(bt.check().summary())
shrink = (np.min(np.abs(r.c1)) / hb.constants["Phi"]) ** 2
wrong = bounds.scale_direction_term(hb, shrink, bounds.length_bound(P, r).bound, name="negative control Φ = inf|c₁|")
print(wrong.check().summary())
"""),
    ("code", """
T_s_grid = np.arange(0, 41, 2)
length = []
for T_s in T_s_grid:
    r_s = gdnp(P, w0, 10, int(T_s), diagnostics=False)
    lp, ll = bounds.length_bound(P, r_s), bounds.length_bound(P, r_s, form="lipschitz")
    length.append((lp.measured[-1], lp.bound[-1], ll.bound[-1]))
    if T_s == 20:
        print(f"T_s = 20: {lp.check().summary()}\\n          {ll.check().summary()}")
length = np.array(length)
"""),
    ("code", """
t = np.arange(r.grad_dual_sq.size)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.semilogy(t, r.grad_dual_sq, "o-", ms=3, label=r"GDNP: $\\|\\nabla f(\\tilde w_t)\\|^2_{S^{-1}}$")
ax1.semilogy(t, hb.bound, "k--", label="main theorem (§4.5)")
ax1.semilogy(t, r_gd.grad_dual_sq, color="C1", label=r"GD, step $1/\\zeta$ (no linear rate guaranteed)")
ax1.axhline(hb.floor, color="grey", ls=":", label="precision floor")
ax1.set_xlabel("iteration t (GDNP: direction steps)")
ax1.set_ylabel(r"$\\|\\nabla f(\\tilde w_t)\\|^2_{S^{-1}}$")
ax1.set_title(r"logistic, $d = 20$, $\\kappa = 10$, $u^\\top S^{-1}u = 0.9$ (ours)")
ax1.legend(fontsize=8)
ax2.semilogy(T_s_grid, length[:, 0], "o-", ms=3, label=r"measured $(\\partial_g f(w_{10}, a^{(T_s)}))^2$")
ax2.semilogy(T_s_grid, length[:, 1], "k--", label=r"paper: $2^{-T_s}\\zeta|b^{(0)}-a^{(0)}|/\\mu^2$")
ax2.semilogy(T_s_grid, length[:, 2], "--", color="C2", label=r"Lipschitz: $(\\zeta/\\mu)^2 4^{-T_s}|b^{(0)}-a^{(0)}|^2$")
ax2.axhline(bounds.LENGTH_FLOOR, color="grey", ls=":", label="quadrature resolution")
ax2.set_xlabel("bisection halvings $T_s$")
ax2.set_ylabel(r"$(\\partial_g f)^2$ at $t = 10$")
ax2.set_title("length search")
ax2.legend(fontsize=8)
plt.show()
"""),
]

# ------------------------------------------------------------------------------------------------
NOTEBOOKS["05_network"] = [
    ("md", r"""
# One-hidden-layer network (MATH.md §6)

$f_{NN}(\tilde W) = E[\ell(-y\sum_i\theta_i\tanh(x^\top\tilde w^{(i)}))]$ with fixed output weights
$\theta$. Under the Gaussian model, $\nabla_{\tilde w^{(i)}} f = \alpha_i u + \sum_j
\beta_{ij}(S - uu^\top)\tilde w^{(j)}$; all critical points lie on the line $S^{-1}u$ **if**
$[\beta_{ij}]$ is nonsingular (a condition the seed omits: a singular counterexample is derived
below). The paper trains the hidden units one at a time by GDNP (`bntheory.solvers.alternating`,
order $1..m$, untrained units at $g = 0$); the per-unit problem reduces exactly to the Rayleigh
problem when every other unit is zero or parallel to $S^{-1}u$, and then the per-unit bound
$\|\nabla_{\tilde w^{(i)}} f\|^2_{S^{-1}} \le (1-\mu/L)^{2t} C(\rho(w_0)-\rho^*) + 2^{-T_s}\zeta|b^{(0)} -
a^{(0)}|/\mu^2$ applies, with $C = \sup_t \hat c_1^2$ computed on the trace.

Units $i \ge 2$ trained after finitely many steps of their predecessors are *experiments*, not
theorems (see `tests/test_network.py`). This notebook only calls `bntheory` and plots.
"""),
    ("code", SHOW + "\nfrom bntheory.symbolic import mlp"),
    ("code", """
ds = {d.id: d for d in mlp.derivations(d=2)}
table(ds.values())
"""),
    ("code", """
for name in ["mlp.gradient-structure.exp", "mlp.per-unit-reduction.zero", "mlp.critical-points.singular"]:
    show(ds[name])
"""),
    ("md", r"""
## Unit 1 by GDNP, the other unit held at zero

The paper's experiment settings are not available to us: this network is **ours** — $d = 3$,
$m = 2$ tanh units, $\theta = (1, 0.5)$, logistic outer loss, $\kappa = 4$, $u^\top S^{-1}u =
0.5$, $T_d = 10$, $T_s = 30$. The expectations are Gaussian quadratures (at most two directions
matter). Negative controls: the rate squared once more, $(1-\mu/L)^{4t}$, and $C = \inf_t\hat c_1^2$
instead of the supremum; both must fail.
"""),
    ("code", """
from bntheory import bounds
from bntheory.losses import LOGISTIC
from bntheory.problems import OneHiddenLayer, random_spd
from bntheory.solvers.alternating import alternating_gdnp
from bntheory.solvers.rayleigh import rayleigh_gd

rng = np.random.default_rng(0)
S = random_spd(3, 4.0, rng)
v = rng.standard_normal(3)
u = v * np.sqrt(0.5 / (v @ np.linalg.solve(S, v)))
net = OneHiddenLayer(S, u, [1.0, 0.5], LOGISTIC, n_gl=8, max_panels=30)
run = alternating_gdnp(net, rng.standard_normal((2, 3)), [10, 0], 30, store_iterates=True)
P, r = run.problems[0], run.units[0]
print("max |ρ(w_t) unit 1 − ρ(w_t) Rayleigh-GD| =", np.max(np.abs(r.rho - rayleigh_gd(P, r.w[0], r.nit).rho)))

nb = bounds.network_bound(P, r)
nb_lip = bounds.network_bound(P, r, length_form="lipschitz")
print(nb.check().summary())
print(nb_lip.check().summary())
print("negative control:", bounds.network_bound(P, r, power=4).check().summary())
shrink = np.min(np.asarray(r.c1) ** 2) / nb.constants["C"]
wrong = bounds.scale_direction_term(nb, shrink, bounds.length_bound(P, r).bound, name="C = inf ĉ₁²")
print("negative control:", wrong.check().summary())
"""),
    ("code", """
t = np.arange(r.grad_dual_sq.size)
fig, ax = plt.subplots(figsize=(6, 4))
ax.semilogy(t, r.grad_dual_sq, "o-", ms=4, label=r"unit 1: $\\|\\nabla_{\\tilde w^{(1)}} f(\\tilde w_t)\\|^2_{S^{-1}}$")
ax.semilogy(t, nb.bound, "k--", label=r"per-unit bound, $C = \\sup_t \\hat c_1^2$ (paper length term)")
ax.semilogy(t, nb_lip.bound, "-.", color="C2", label="per-unit bound (Lipschitz length term; the two coincide)")
ax.semilogy(t, wrong.bound, ":", color="C3", label=r"control $C = \\inf_t \\hat c_1^2$ (violated)")
ax.set_xlabel("direction step t")
ax.set_ylabel(r"$\\|\\nabla_{\\tilde w^{(1)}} f\\|^2_{S^{-1}}$")
ax.set_title(r"one hidden layer, $m = 2$, $\\theta = (1, 0.5)$ (ours)")
ax.legend(fontsize=8)
plt.show()
"""),
]


def _cell(kind: str, text: str, cell_id: str):
    source = dedent(text).strip("\n")
    cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
    cell.id = cell_id
    return cell


def build() -> dict[str, nbformat.NotebookNode]:
    """``{file name: notebook}`` for every notebook, without outputs."""
    out = {}
    for stem, cells in NOTEBOOKS.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
        nb.cells = [_cell(kind, text, f"{stem[:2]}-{i:02d}") for i, (kind, text) in enumerate(cells)]
        nbformat.validate(nb)
        out[f"{stem}.ipynb"] = nb
    return out


def text(nb) -> str:
    """The file contents nbformat writes for ``nb``."""
    return nbformat.writes(nb) + "\n"


def main(argv=None) -> int:
    for name, nb in build().items():
        (HERE / name).write_text(text(nb), encoding="utf-8")
        print(f"wrote notebooks/{name} ({len(nb.cells)} cells)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
