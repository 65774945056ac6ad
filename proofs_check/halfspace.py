r"""MATH.md §4.2–4.5: learning halfspaces — Stein structure, BN coordinates, GDNP = Rayleigh step, bounds.

The derivations of :mod:`bntheory.symbolic.halfspace`, proved at an explicit dimension, each with its
negative controls; then the numerical checks on GDNP traces (:mod:`bntheory.solvers.gdnp`,
:mod:`bntheory.bounds`): the one-dimensional expectations against mpmath, the direction iterates
against Rayleigh-GD, the two bisection bounds, the direction bound and the main theorem.
Instances and report helpers: :mod:`proofs_check._instances`.
"""

from __future__ import annotations

import math
from functools import lru_cache

import mpmath as mp
import numpy as np
import sympy as sp

from bntheory import bounds
from bntheory.gauss import DEFAULT_RULE, GaussRule
from bntheory.losses import LOGISTIC, SIGMOID
from bntheory.problems import GaussianHalfspace
from bntheory.rates import check_rate
from bntheory.solvers.gdnp import gdnp
from bntheory.solvers.rayleigh import rayleigh_gd
from bntheory.symbolic import halfspace

from . import _instances as I
from ._symbolic import section_checks
from .result import ControlResult, Outcome, check


# --------------------------------------------------------------------------- expectations vs mpmath
@lru_cache(maxsize=None)
def _mp_derivatives(loss) -> tuple:
    """``φ, φ', φ''`` as mpmath functions, differentiated from the loss's own SymPy closed form."""
    t = sp.Symbol("t", real=True)
    e = loss.sympy_phi(t)
    return tuple(sp.lambdify(t, sp.diff(e, t, k), "mpmath") for k in range(3))


#: Breakpoints where the losses' O(1) features sit (kept when within the Gaussian's ±10 s window).
_FEATURES = (0, -1, 1, -2, 2, -4, 4, -8, 8, -16, 16, -32, 32)


def mp_moments(loss, m: float, s: float, *, dps: int = 25) -> list:
    """Reference ``(E ψ, E|ψ|, error estimate)`` for ``ψ = φ, φ', φ''``, ``q ~ N(m, s²)``, in ``dps`` digits.

    Tanh–sinh quadrature in the loss's own variable on ``[m − 10s, m + 10s]`` (the mass outside is
    below ``1e-22``), split at ``m + 2ks`` and at the loss's features (0, ±1, ±2, …): every piece has
    one sign (the losses' derivatives change sign only at 0), so ``E|ψ|`` is the sum of the pieces'
    absolute values.  ``s = 0``: the point mass ``ψ(m)``.
    """
    fs = _mp_derivatives(loss)
    with mp.workdps(dps):
        m, s = mp.mpf(m), mp.mpf(s)
        if s == 0:
            return [(f(m), abs(f(m)), mp.mpf(0)) for f in fs]
        pts = sorted({m + k * s for k in range(-10, 11, 2)}
                     | {mp.mpf(x) for x in _FEATURES if abs(x - m) < 10 * s})
        out = []
        for f in fs:
            pieces = [mp.quad(lambda x: f(x) * mp.npdf(x, m, s), [a, b], error=True) for a, b in zip(pts, pts[1:])]
            out.append((mp.fsum(p[0] for p in pieces), mp.fsum(abs(p[0]) for p in pieces),
                        mp.fsum(p[1] for p in pieces)))
        return out


def _ms(g: float, a: float) -> tuple:
    """``(m, s) = (g a, |g| √(1 − a²))``: the law of ``q = zᵀw̃`` (MATH.md §4.3)."""
    return float(g * a), float(abs(g) * math.sqrt(1.0 - a * a))


def _err_ratio(rule: GaussRule, loss, m: float, s: float, ref) -> float:
    """``max_k |ours − ref| / (1e-12|ref| + 1e-15 E|ψ|)`` (the accuracy stated in :mod:`bntheory.gauss`)."""
    ours = rule.moments(loss, m, s)
    return max(abs(float(ours[k]) - float(ref[k][0])) / (1e-12 * abs(float(ref[k][0])) + 1e-15 * float(ref[k][1]) + 1e-300)
               for k in range(3))


#: Fixed points of the battery: every branch of the rule (point mass, Hermite just below the switch,
#: loss variable just above it, wide spreads) for both losses; the last one is the control's point.
_QUAD_POINTS = (("logistic", 2.5, 0.0), ("logistic", 0.7, 1.0 - 1e-12), ("logistic", 0.7, 1.0 + 1e-12),
                ("logistic", *_ms(30.0, -0.5)), ("sigmoid", -3.0, 0.04), ("sigmoid", 0.001, 25.0),
                ("logistic", *_ms(1e3, 0.5)))
_QUAD_POINTS_FAST = (("logistic", 0.7, 1.0 + 1e-12), ("sigmoid", -3.0, 0.04), ("logistic", *_ms(1e3, 0.5)))
_LOSSES = {"logistic": LOGISTIC, "sigmoid": SIGMOID}


@check("halfspace.gauss-rule.mpmath", "MATH.md §4.3, §9 pitfall 6",
       r"|E_{\rm rule}\varphi^{(k)}(q) - E\varphi^{(k)}(q)| \le 10^{-12}|E\varphi^{(k)}(q)| + 10^{-15}E|\varphi^{(k)}(q)|,"
       r"\ q\sim N(ga, g^2(1-a^2)),\ k = 0, 1, 2",
       assumptions=("reference: mpmath tanh-sinh, 25 digits", "φ ∈ {logistic, sigmoid}"))
def check_gauss_rule(*, seed: int, fast: bool) -> Outcome:
    """The one-dimensional expectations of :mod:`bntheory.gauss` against mpmath (MATH.md §4.3, §9.6).

    ``E φ^{(k)}(q)``, ``k = 0, 1, 2``, for the logistic and sigmoid losses at fixed points covering
    every branch of the rule (point mass, Gauss–Hermite, the loss-variable rule, a wide spread
    ``g = 1e3``) and four random ``(g, a)`` (``g`` log-uniform in ``[1e-2, 1e3]``, ``a`` uniform in
    ``[−0.99, 0.99]``; ``fast``: three fixed points and one random).  Measured: the largest error
    relative to the tolerance ``1e-12|ref| + 1e-15 E|ψ|`` stated in :mod:`bntheory.gauss` (holds
    also requires every reference's own error estimate below ``1e-15 E|ψ|``, 1e-3 of the tolerance).  Not tight (the rule is
    ~1e3× more accurate than the tolerance).

    Negative control: plain Gauss–Hermite at every spread (``GaussRule(s_switch=1e9)``), evaluated
    at the points with spread ``s > 1``, must fail the same tolerance (MATH.md §9 pitfall 6).
    """
    gen = I.rng(seed, "halfspace.gauss-rule.mpmath")
    pts = list(_QUAD_POINTS_FAST if fast else _QUAD_POINTS)
    for k in range(1 if fast else 4):
        g, a = 10 ** gen.uniform(-2.0, 3.0), gen.uniform(-0.99, 0.99)
        pts.append((("logistic", "sigmoid")[k % 2], *_ms(g, a)))
    plain_gh = GaussRule(s_switch=1e9)
    rows, worst, worst_ref, ctrl = [], 0.0, 0.0, []
    for name, m, s in pts:
        loss = _LOSSES[name]
        ref = mp_moments(loss, m, s)
        err = _err_ratio(DEFAULT_RULE, loss, m, s, ref)
        ref_err = max(float(e / (a_ + mp.mpf(10) ** -300)) for _, a_, e in ref)
        worst, worst_ref = max(worst, err), max(worst_ref, ref_err)
        row = {"loss": name, "m": I.num(m), "s": I.num(s), "err_over_tol": I.num(err),
               "reference_rel_error": I.num(ref_err), "values": [I.num(float(v)) for v, _, _ in ref]}
        if s > 1.0:
            row["plain_hermite_err_over_tol"] = I.num(_err_ratio(plain_gh, loss, m, s, ref))
            ctrl.append(row["plain_hermite_err_over_tol"])
        rows.append(row)
    worst_gh = max(ctrl)
    return Outcome(
        measured=worst, bound=1.0, holds=bool(worst <= 1.0 and worst_ref <= 1e-15),
        method=f"DEFAULT_RULE vs mpmath (25 digits) at {len(pts)} points x 3 orders",
        evidence={"tolerance": "1e-12 |ref| + 1e-15 E|psi| (bntheory.gauss)", "points": rows,
                  "max_reference_rel_error": I.num(worst_ref)},
        controls=[ControlResult.from_bound("plain Gauss–Hermite at every spread (s_switch = 1e9), points with s > 1",
                                           worst_gh, 1.0, detail={"n_points": len(ctrl)})])


# --------------------------------------------------------------------------- GDNP direction = Rayleigh
def _seed_h_deviation(P, r, q) -> tuple:
    """One GDNP step from each ``w_t`` of ``r`` with the seed's ``h = E[φ']uᵀw − E[φ''](uᵀw)²`` and with the
    consistent ``h = c₁ uᵀw`` (MATH.md §4.4); largest relative deviations from the Rayleigh iterates ``q``."""
    dev_seed, dev_ok = 0.0, 0.0
    for t in range(r.nit):
        w, g = r.w[t], float(r.g[t])
        if g == 0.0:  # T_s = 0 can return g_t = 0, where s_t is undefined (the extension of gdnp)
            continue
        uw, wSw = float(P.u @ w), float(w @ P.S @ w)
        _, e1, e2 = P.moments(g, uw / math.sqrt(wSw))
        grad_w = P.grad_w(w, g)
        for h, key in ((e1 * uw - e2 * uw ** 2, "seed"), (P.h(w, g), "ok")):
            step = w + wSw ** 1.5 / (r.L * g * h) * grad_w  # w − s_t ∇_w f, s_t = −‖w‖_S³/(L g h)
            d = I.rel_dev(step, q.w[t + 1])
            if key == "seed":
                dev_seed = max(dev_seed, d)
            else:
                dev_ok = max(dev_ok, d)
    return dev_seed, dev_ok


@check("halfspace.gdnp-equals-rayleigh.trace", "MATH.md §4.4 (key identity)",
       r"w_t^{\rm GDNP} = w_t^{\rm Rayleigh}\ \text{(relative deviation} \le 10^{-12})\ \forall t,\ "
       r"h_t = c_1(\tilde w_t)\,u^\top w_t",
       assumptions=("the same w₀ and L", "any T_s and φ"))
def check_gdnp_equals_rayleigh(*, seed: int, fast: bool) -> Outcome:
    """GDNP's direction iterates are the Rayleigh-GD iterates, whatever ``φ``, ``g_t`` and ``T_s`` (MATH.md §4.4).

    Logistic (d = 8, κ = 10, ``uᵀS⁻¹u = 0.9``): 25 steps at ``T_s`` ∈ {0, 3, 20} from two Gaussian
    starts (``fast``: ``T_s`` ∈ {0, 20}, one start); sigmoid (d = 6, no finite optimal length): 15
    steps at ``T_s = 10`` from a good direction (``uᵀw₀ < 0``), lengths capped and flagged.
    Measured: the largest relative deviation ``‖w_t^GDNP − w_t^R‖/‖w_t^R‖`` over all runs and ``t``;
    bound ``1e-12`` (an identity up to rounding).  The trace version of the symbolic
    ``halfspace.gdnp-equals-rayleigh``.

    Negative control: one step from each logistic iterate with the seed article's
    ``h = E[φ']uᵀw − E[φ''](uᵀw)²`` (the factor ``g_t/‖w_t‖_S`` dropped) leaves the Rayleigh
    iterates by far more than ``1e-12`` (the same step with the consistent ``h`` is reported in the
    control's detail: it stays within ``1e-12``).
    """
    gen = I.rng(seed, "halfspace.gdnp-equals-rayleigh.trace")
    P = I.halfspace(8, 10.0, 0.9, LOGISTIC, gen)
    starts = [gen.standard_normal(8)] + ([] if fast else [-gen.standard_normal(8)])
    rows, worst, dev_seed, dev_ok = [], 0.0, 0.0, 0.0
    for T_s in ((0, 20) if fast else (0, 3, 20)):
        for j, w0 in enumerate(starts):
            r = gdnp(P, w0, 25, T_s, store_iterates=True, diagnostics=False)
            q = rayleigh_gd(P, w0, 25, store_iterates=True)
            dev = max(I.rel_dev(r.w, q.w), float(np.max(np.abs(r.rho / q.rho - 1.0))))
            ds, dk = _seed_h_deviation(P, r, q)
            dev_seed, dev_ok, worst = max(dev_seed, ds), max(dev_ok, dk), max(worst, dev)
            rows.append({"loss": "logistic", "T_s": T_s, "start": j, "T_d": 25, "max_rel_dev": I.num(dev),
                         "seed_h_step_dev": I.num(ds)})
    S_ = I.halfspace(6, 10.0, 0.9, SIGMOID, gen)
    w0 = gen.standard_normal(6)
    w0 *= -np.sign(S_.u @ w0)
    r = gdnp(S_, w0, 15, 10, on_no_finite_length="cap", store_iterates=True, diagnostics=False)
    q = rayleigh_gd(S_, w0, 15, store_iterates=True)
    dev = I.rel_dev(r.w, q.w)
    worst = max(worst, dev)
    rows.append({"loss": "sigmoid", "T_s": 10, "T_d": 15, "max_rel_dev": I.num(dev),
                 "n_capped": int(np.sum(r.capped))})
    return Outcome(
        measured=worst, bound=1e-12, method=f"GDNP vs Rayleigh-GD iterates, {len(rows)} runs",
        evidence={"instance": "GaussianHalfspace, S eigenvalues in [1/kappa, 1], kappa = 10, uSu = 0.9",
                  "runs": rows},
        controls=[ControlResult.from_bound("the seed's h = E[φ′]uᵀw − E[φ″](uᵀw)² (one step from each iterate)",
                                           dev_seed, 1e-12, detail={"consistent_h_step_dev": I.num(dev_ok)})])


# --------------------------------------------------------------------------- bisection length bounds
#: Scale factor of the rescaled instances (S, u) → (cS, √c u): same f_BN, same ∂_g f, paper bound ×1/c.
_RESCALE = 1e8


@lru_cache(maxsize=4)
def _length_runs(seed: int, fast: bool) -> tuple:
    """``(T_s, problem, run, rescaled problem, its run)`` for ``T_s`` ∈ 0..20 (``fast``: 0, 4, …, 20):
    logistic, d = 6, κ = 10, ``uᵀS⁻¹u = 0.9``, 12 GDNP steps from one Gaussian start."""
    gen = I.rng(seed, "halfspace.length-bound")
    P = I.halfspace(6, 10.0, 0.9, LOGISTIC, gen)
    Pc = GaussianHalfspace(_RESCALE * P.S, math.sqrt(_RESCALE) * P.u, LOGISTIC)
    w0 = gen.standard_normal(6)
    return tuple((T_s, P, gdnp(P, w0, 12, T_s, diagnostics=False), Pc, gdnp(Pc, w0, 12, T_s, diagnostics=False))
                 for T_s in range(0, 21, 4 if fast else 1))


def _length_check(form: str, *, seed: int, fast: bool) -> Outcome:
    """The body of both length checks (``form`` ∈ {"paper", "lipschitz"}), see their docstrings."""
    runs = _length_runs(seed, fast)
    rows, checks, ctrl, rescaled, dg_dev = [], [], [], [], 0.0
    extra = 10
    for T_s, P, r, Pc, rc in runs:
        bt = bounds.length_bound(P, r, form=form)
        c = bt.check()
        checks.append(c)
        if form == "lipschitz":  # control: 10 more halvings claimed than were done
            ctrl.append(check_rate(bt.measured, bt.bound * 4.0 ** -extra, floor=bt.floor))
        btc = bounds.length_bound(Pc, rc, form=form).check()
        rescaled.append(btc)
        dg_dev = max(dg_dev, float(np.max(np.abs(rc.dg - r.dg) / np.maximum(np.abs(r.dg), 1e-300))))
        rows.append({"T_s": T_s, "max_ratio": I.num(c.max_ratio), "n_compared": int(c.n_compared),
                     "width0": [I.num(x) for x in r.width0[:3]], "rescaled_max_ratio": I.num(btc.max_ratio)})
    labels = [f"T_s={T_s}" for T_s, *_ in runs]
    evidence = {"instance": "GaussianHalfspace logistic, d = 6, kappa = 10, uSu = 0.9, S normalised to L = 1; "
                            "12 GDNP steps per T_s; bracket as recorded by gdnp (width0)",
                "floor": I.num(bounds.LENGTH_FLOOR), "per_T_s": rows,
                "rescaled": {"c": _RESCALE, "max_rel_dg_change": I.num(dg_dev),
                             "max_ratio": I.num(I.max_ratio(rescaled)),
                             "holds": all(c.holds for c in rescaled)}}
    if form == "paper":
        controls = [I.control_from_checks(
            "the paper's form without the scale normalisation: (S, u) -> (1e8 S, 1e4 u) (same f_BN and "
            "d_g f; the bound shrinks 1e8x)", rescaled, labels)]
    else:
        controls = [I.control_from_checks(f"{extra} more halvings claimed than done (4^-(T_s+{extra}))", ctrl, labels)]
    return Outcome(measured=I.max_ratio(checks), bound=1.0, holds=all(c.holds and c.n_compared >= 1 for c in checks),
                   method=f"GDNP (12 steps) at {len(runs)} values of T_s, floor {bounds.LENGTH_FLOOR:g}",
                   evidence=evidence, controls=controls)


@check("halfspace.length-bound.paper", "MATH.md §4.5 (length, the paper's form)",
       r"(\partial_g f(w_t, a_t^{(T_s)}))^2 \le 2^{-T_s}\,\zeta\,|b_t^{(0)}-a_t^{(0)}|/\mu^2",
       assumptions=("λ_max(S) = 1 (the form is not scale-invariant)", "ζ = β₂L"))
def check_length_bound_paper(*, seed: int, fast: bool) -> Outcome:
    """The paper's bisection bound on the length derivative (MATH.md §4.5), for ``T_s`` ∈ 0..20.

    ``(∂_g f(w_t, a_t^{(T_s)}))² ≤ 2^{−T_s} ζ |b_t^{(0)} − a_t^{(0)}| / μ²`` at every GDNP iterate
    (logistic, d = 6, κ = 10, ``uᵀS⁻¹u = 0.9``, ``S`` normalised to ``λ_max = 1``; 12 steps per
    ``T_s``; ``fast``: ``T_s`` ∈ {0, 4, …, 20}), floor ``1e-20`` on ``(∂_g f)²``.  Measured: the
    largest ratio (far from tight here: ≲ 1e-2).

    Negative control — and a finding: the form is **not scale-invariant**.  ``(S, u) → (cS, √c u)``
    leaves ``f_BN(w, g)``, hence ``∂_g f`` and the trace, unchanged (the evidence gives the largest
    relative change of ``∂_g f``), while the bound shrinks by ``1/c``; at ``c = 1e8`` it is violated
    (``c = 1e6`` already violates it on most seeds; ``1e8`` keeps a margin ≥ 60 on seeds 0–79 in
    ``fast`` mode, ∂_g f unchanged to ~1e-7 relative, the quadrature's absolute accuracy).
    The check therefore states the normalisation ``λ_max(S) = 1`` as an assumption; the Lipschitz
    form (``halfspace.length-bound.lipschitz``) is invariant.
    """
    return _length_check("paper", seed=seed, fast=fast)


@check("halfspace.length-bound.lipschitz", "MATH.md §4.5 (length, Lipschitz form)",
       r"(\partial_g f(w_t, a_t^{(T_s)}))^2 \le (\zeta/\mu)^2\,4^{-T_s}\,|b_t^{(0)}-a_t^{(0)}|^2",
       assumptions=("g ↦ ∂_g f is ζ/μ-Lipschitz", "ζ = β₂L"))
def check_length_bound_lipschitz(*, seed: int, fast: bool) -> Outcome:
    """The Lipschitz form of the bisection bound (MATH.md §4.5), for ``T_s`` ∈ 0..20.

    ``(∂_g f(w_t, a_t^{(T_s)}))² ≤ (ζ/μ)² 4^{−T_s} |b_t^{(0)} − a_t^{(0)}|²`` on the same runs as
    ``halfspace.length-bound.paper``.  Measured: the largest ratio (not tight: the root is usually
    much closer to ``a^{(T_s)}`` than the bracket width).  The evidence also shows the form on the
    rescaled instances ``(1e8 S, 1e4 u)``: invariant (same ratios).

    Negative control: claiming 10 more halvings than were done (``4^{−(T_s+10)}``) must be violated.
    """
    return _length_check("lipschitz", seed=seed, fast=fast)


# --------------------------------------------------------------------------- direction bound and theorem
def _phi_inf_control(runs, key: str) -> ControlResult:
    """Control ``Φ = inf_t |c₁(w̃_t)|`` instead of ``sup`` (the proof needs ``|c₁| ≤ Φ``), on the ``T_s = 40`` runs
    for the theorem (the length term then cannot absorb the error), on the ``T_s = 12`` runs for the direction."""
    checks, labels = [], []
    for uSu, P, r, r_long in runs:
        if key == "direction":
            bt = bounds.direction_bound(P, r)
            shrink = (np.min(np.abs(r.c1)) / bt.constants["Phi"]) ** 2
            checks.append(check_rate(bt.measured, shrink * bt.bound, floor=bt.floor))
        else:
            bt = bounds.halfspace_bound(P, r_long)
            lb = bounds.length_bound(P, r_long).bound
            shrink = (np.min(np.abs(r_long.c1)) / bt.constants["Phi"]) ** 2
            checks.append(check_rate(bt.measured, shrink * (bt.bound - lb) + lb, floor=bt.floor))
        labels.append(f"uSu={uSu}")
    return I.control_from_checks("Φ = inf_t |c₁| instead of sup_t |c₁|", checks, labels)


@check("halfspace.direction-bound", "MATH.md §4.5 (direction)",
       r"\|w_t\|_S^2\,\|\nabla_w f(w_t,g_t)\|^2_{S^{-1}} \le (1-\mu/L)^{2t}\,\Phi^2 g_t^2\,(\rho(w_0)-\rho^*),"
       r"\ \Phi = \sup_t |c_1(\tilde w_t)|",
       assumptions=("Φ computed on the trace", "logistic, uᵀS⁻¹u ∈ {0.3, 0.9, 0.99}"))
def check_direction_bound(*, seed: int, fast: bool) -> Outcome:
    """GDNP's direction bound with ``Φ = sup_t |c₁(w̃_t)|`` computed from the trace (MATH.md §4.5).

    Logistic, d = 8, κ = 10, ``S`` normalised to ``λ_max = 1``, ``uᵀS⁻¹u`` ∈ {0.3, 0.9, 0.99}, 30 GDNP
    steps (``fast``: 20) at ``T_s = 12``, floor ``1e-7·|ρ*|Φ² max g²``.  Measured: the largest ratio
    over ``t ≥ 1`` (at ``t = 0`` the bound is attained when ``Φ = |c₁(w̃₀)|``); tight within a factor ~2.

    Negative control: ``Φ = inf_t |c₁(w̃_t)|`` instead of the supremum must be violated.
    """
    runs = I.halfspace_theorem_runs(seed, fast)
    rows, checks = [], []
    for uSu, P, r, _ in runs:
        bt = bounds.direction_bound(P, r)
        c = bt.check()
        checks.append(c)
        rows.append({"uSu": uSu, "Phi": I.num(bt.constants["Phi"]), **I.rate_summary(c)})
    return Outcome(
        measured=I.max_ratio(checks, after_start=True), bound=1.0,
        holds=all(c.holds and c.n_compared >= 2 for c in checks),
        method=f"GDNP (T_s = 12) at uSu in {list(I.THEOREM_USU)}, Phi from the trace",
        evidence={"instance": "GaussianHalfspace logistic, d = 8, kappa = 10, S normalised to L = 1",
                  "T_d": int(runs[0][2].nit), "instances": rows},
        controls=[_phi_inf_control(runs, "direction")])


@check("halfspace.theorem", "MATH.md §4.5 (main theorem; Kohler et al. 2019, Sec. 4)",
       r"\|\nabla_{\tilde w} f(\tilde w_t)\|^2_{S^{-1}} \le (1-\mu/L)^{2t}\,\Phi^2\,(\rho(w_0)-\rho^*)"
       r" + 2^{-T_s}\,\zeta\,|b_t^{(0)}-a_t^{(0)}|/\mu^2",
       assumptions=("Φ = sup_t |c₁(w̃_t)| from the trace", "λ_max(S) = 1", "uᵀS⁻¹u ∈ {0.3, 0.9, 0.99}"))
def check_halfspace_theorem(*, seed: int, fast: bool) -> Outcome:
    """The main halfspace theorem in the ``S⁻¹`` norm at every GDNP iterate (MATH.md §4.5).

    Logistic, d = 8, κ = 10, ``S`` normalised to ``λ_max = 1``, ``uᵀS⁻¹u`` ∈ {0.3, 0.9, 0.99} (up to
    near separability), 30 steps (``fast``: 20) at ``T_s = 12``, ``Φ`` from the trace, floor
    ``max(1e-7·|ρ*|Φ², 1e-20)``.  Measured: the largest ratio (tight within ~10 % at ``t = 0``).
    The evidence also gives the Euclidean reading (``‖∇f‖² ≤ L·`` the right-hand side) and the
    theorem with the Lipschitz length form, both checked on the same runs.

    Negative control, on the same instances at ``T_s = 40`` (the length term negligible, so it
    cannot absorb an error in the direction term): ``Φ = inf_t |c₁|`` instead of the supremum must
    be violated.  (The rate ``(1 − μ/L)^{4t}`` is not a reliable control: the tight point is
    ``t = 0`` and on some seeds the later iterates beat even that rate.)
    """
    runs = I.halfspace_theorem_runs(seed, fast)
    rows, checks = [], []
    for uSu, P, r, r_long in runs:
        bt = bounds.halfspace_bound(P, r)
        c = bt.check()
        ce = bounds.halfspace_bound(P, r, norm="euclidean").check()
        cl = bounds.halfspace_bound(P, r, length_form="lipschitz").check()
        checks.append(c)
        rows.append({"uSu": uSu, "Phi": I.num(bt.constants["Phi"]), "zeta": I.num(bt.constants["zeta"]),
                     "g_first_last": [I.num(r.g[0]), I.num(r.g[-1])], **I.rate_summary(c),
                     "euclidean": {"holds": bool(ce.holds), "max_ratio": I.num(ce.max_ratio)},
                     "lipschitz_length_form": {"holds": bool(cl.holds), "max_ratio": I.num(cl.max_ratio)}})
    return Outcome(
        measured=I.max_ratio(checks), bound=1.0,
        holds=all(c.holds and c.n_compared >= 2 for c in checks) and all(
            row["euclidean"]["holds"] and row["lipschitz_length_form"]["holds"] for row in rows),
        method=f"GDNP (T_s = 12) at uSu in {list(I.THEOREM_USU)}, S^-1 norm, paper length form",
        evidence={"instance": "GaussianHalfspace logistic, d = 8, kappa = 10, S normalised to L = 1",
                  "T_d": int(runs[0][2].nit), "T_s": 12, "instances": rows},
        controls=[_phi_inf_control(runs, "theorem")])


#: The numerical checks of the section, in report order.
NUMERICAL: list = [check_gauss_rule, check_gdnp_equals_rayleigh, check_length_bound_paper,
                   check_length_bound_lipschitz, check_direction_bound, check_halfspace_theorem]


def checks(*, fast: bool = False, seed: int = 0, select=lambda _: True):
    """Yield the section's results (see :func:`proofs_check._symbolic.section_checks`)."""
    return section_checks(halfspace, fast=fast, seed=seed, select=select, numerical=NUMERICAL)
