r"""Article A's decoupling and least-squares statements, and article B's least-squares claim.

MATH.md §2 (the length–direction reparametrization), §3 (OLS, the Rayleigh quotient and its
rate), §3.1 (the generalised Rayleigh-quotient lemma), §8 (Cai et al.): each statement encoded as
printed and decided by a derivation or a run.

- symbolic claims (``A-decouple``, ``A-ols-obj``, ``A-ols-reparam``, ``A-ols-rho``): the stated
  formula is a Python function of SymPy symbols, compared on the verification ladder with what
  :mod:`bntheory.symbolic.ols` derives;
- numerical claims (``A-rayleigh``, ``A-ols-rate``, ``A-ols-faster``, ``B-ols-kappa``): the stated
  bound or predicate is evaluated on solver runs (:mod:`bntheory.solvers`, :mod:`bntheory.bounds`)
  over a battery of instances, every iterate above the precision floor of MATH.md §9.1 compared.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable

import numpy as np
import scipy.linalg
import sympy as sp

from bntheory import bounds
from bntheory.problems import OLSProblem, tight_problem
from bntheory.rates import check_rate
from bntheory.solvers import bngd_ols
from bntheory.solvers.gd import gd
from bntheory.solvers.rayleigh import pencil_ascent, rayleigh_gd
from bntheory.symbolic import ols
from bntheory.symbolic.geometry import is_positive_definite, s_geometry, vector
from bntheory.symbolic.reparam import radicals_to
from bntheory.symbolic.verify import verify_identity

from .. import _instances as I
from ..result import json_number
from ._ladder import identity_finding
from .core import Counterexample, Finding, claim, literal_reading

#: Explicit dimension of the symbolic least-squares claims (proof rung).
_D = 2


def _ladder_options(geo, seed: int) -> dict:
    """The verification-ladder options of every symbolic claim here: the ``S``-geometry at ``d = 2``."""
    return dict(relations=[geo.relation], domain=geo.domain, condition=geo.condition, points=2, seed=seed)


def _ladder_counterexample(v, instance: dict, lhs: str, rhs: str, note: str) -> Counterexample:
    """A :class:`Counterexample` from a refuted ladder verification, with named sides."""
    c = v.counterexample.as_dict()
    return Counterexample({**instance, "point": c["point"], "component": c["component"]},
                          {lhs: c["lhs"], rhs: c["rhs"]}, note)


# --------------------------------------------------------------------------------------------
# A-decouple (MATH.md §2)
# --------------------------------------------------------------------------------------------


def _bn_unit(geo, g):
    """``(var_x[xᵀw], γ(xᵀw − E[xᵀw])/var^{1/2}, x)``, derived from the moments (MATH.md §2).

    ``E[x] = 0``, ``E[xxᵀ] = S`` via :func:`bntheory.symbolic.ols.moment_expectation`;
    ``var^{1/2}`` is written as the norm symbol ``r`` (``r² = wᵀSw``).
    """
    x, y = vector("x", geo.d), sp.Symbol("y")
    xw = (x.T * geo.w)[0, 0]
    mean = ols.moment_expectation(xw, list(x), y, geo.S, geo.u)
    var = sp.expand(ols.moment_expectation(xw**2, list(x), y, geo.S, geo.u) - mean**2)
    return var, radicals_to(g * (xw - mean) / sp.sqrt(var), geo.wSw, geo.r), x


@claim("A-decouple", "A", "Decoupling",
       r"var_x[x^Tw]=w^TSw;\ f_{BN}(w,\gamma)=E_x[\phi(x^T\tilde w)],\ \tilde w=\gamma\frac{w}{\|w\|_S}",
       stated=(lambda w, S, m: (w.T * S * w)[0, 0], lambda g, w, r: g * w / r),
       variants=((lambda w, S, m: (w.T * S * w)[0, 0] - (m.T * w)[0, 0] ** 2, lambda g, w, r: g * w / r),
                 (lambda w, S, m: (w.T * w)[0, 0], lambda g, w, r: g * w / r)))
def a_decouple(stated, *, fast: bool, seed: int):
    """The BN unit as a length–direction reparametrization (MATH.md §2; article A, *Decoupling*).

    ``stated = (var(w, S, E[x]), w̃(γ, w, ‖w‖_S))``.  Derived from the moments under the article's
    assumption ``E[x] = 0`` (:func:`_bn_unit`): ``var_x[xᵀw] = E[(xᵀw)²] − E[xᵀw]²`` and the
    argument of ``φ`` after BN (``β`` dropped), ``γ(xᵀw − E[xᵀw])/var^{1/2}``.  The claim is the
    identity of the stated variance with the derived one, and of ``xᵀw̃`` with the derived
    argument for every ``x`` (so ``E[φ(·)]`` agrees for every ``φ``), on the ladder at ``d = 2``.
    """
    geo = s_geometry(_D)
    var, arg, x = _bn_unit(geo, ols.LENGTH)
    claimed_var, wtilde = stated
    lhs = [claimed_var(geo.w, geo.S, sp.zeros(_D, 1)), (x.T * wtilde(ols.LENGTH, geo.w, geo.r))[0, 0]]
    v = verify_identity(lhs, [var, arg], **_ladder_options(geo, seed))
    return identity_finding(v, instance={"d": _D, "components": ["var_x[x^T w]", "x^T w~ vs the BN argument"]},
                            evidence={"derived_variance": str(var), "derived_argument": str(arg)},
                            note="the stated variance or x^T w~ differs from the BN unit's at this exact point")


# --------------------------------------------------------------------------------------------
# A-ols-obj (MATH.md §3, eq. 10)
# --------------------------------------------------------------------------------------------


def _gradient(expr, v) -> sp.Matrix:
    return sp.Matrix([sp.diff(expr, vi) for vi in v])


#: Exact SPD second-moment matrices on which a claimed objective's Hessian must be positive definite.
_SPD_BATTERY = (sp.Matrix([[2, 1], [1, 3]]), sp.Matrix([[5, -2], [-2, 1]]))


def _ols_solution(geo):
    """``(w̃*, {u: S a})``: the OLS solution ``w̃* = −S⁻¹u`` in witness form ``u = S a`` (MATH.md §3)."""
    a = vector("a", geo.d)
    return -a, dict(zip(geo.u, geo.S * a))


def _same_minimisers(claimed, derived, wt, geo, seed: int):
    """Whether a quadratic ``claimed(w̃)`` has the minimisers of ``derived``: ``(holds, evidence, cex)``.

    Proved when ``claimed − derived`` has zero gradient (a constant difference).  Otherwise the
    claimed objective must be stationary at ``w̃* = −S⁻¹u`` (ladder, witness ``u = S a``) and have a
    positive definite Hessian (on :data:`_SPD_BATTERY`) so that ``w̃*`` is its unique minimiser.
    """
    opts = _ladder_options(geo, seed)
    const = verify_identity(_gradient(claimed - derived, wt), sp.zeros(_D, 1), **opts)
    if const.holds:
        return True, {"difference_constant_in_w~": const.describe()}, None
    star, u_sa = _ols_solution(geo)
    stat = verify_identity(_gradient(claimed, wt).xreplace(dict(zip(wt, star))).xreplace(u_sa), sp.zeros(_D, 1),
                           **opts)
    ev = {"difference_constant_in_w~": const.describe(), "stationary_at_-S^{-1}u": stat.describe()}
    if not stat.holds:
        return False, ev, _ladder_counterexample(
            stat, {"d": _D, "witness": "u = S a, w~* = -a"}, "claimed_gradient_at_w~*", "required",
            "the OLS solution -S^{-1}u is not a stationary point of the claimed objective")
    for S_val in _SPD_BATTERY:
        H = sp.hessian(claimed, wt).xreplace(dict(zip(geo.S, S_val)))
        if not is_positive_definite(H):
            return False, ev, Counterexample({"d": _D, "S": str(S_val.tolist())},
                                             {"claimed_hessian": str(H.tolist()), "required": "positive definite"},
                                             "the claimed objective is not strictly convex: -S^{-1}u is not its "
                                             "unique minimiser")
    return True, {**ev, "hessian_positive_definite_on": len(_SPD_BATTERY)}, None


def _equal_minima(claimed, derived, wt, geo, seed: int):
    """The reading "equal minimum values": both objectives at ``w̃* = −S⁻¹u`` (witness ``u = S a``)."""
    star, u_sa = _ols_solution(geo)
    at = dict(zip(wt, star))
    v = verify_identity(claimed.xreplace(at).xreplace(u_sa), derived.xreplace(at).xreplace(u_sa),
                        **{**_ladder_options(geo, seed), "relations": []})
    cex = None if v.holds else _ladder_counterexample(
        v, {"d": _D, "witness": "u = S a, w~* = -a"}, "claimed_minimum", "min E[(y-x^T w~)^2]",
        "the minimum values differ (by E[y^2])")
    return v.holds, {"values_at_w~*": v.describe()}, cex


@claim("A-ols-obj", "A", "Least-square problem",
       r"\min_{\tilde w}E_{x,y}[(y-x^T\tilde w)^2]=\min_{\tilde w}(2u^T\tilde w+\tilde w^TS\tilde w),"
       r"\ u=E[-yx],\ S=E[xx^T]",
       stated=lambda wt, u, S: 2 * (u.T * wt)[0, 0] + (wt.T * S * wt)[0, 0],
       variants=(lambda wt, u, S: (wt.T * S * wt)[0, 0] + 2 * (wt.T * u)[0, 0] + ols.TARGET_MOMENT,  # + E[y²]
                 lambda wt, u, S: -2 * (u.T * wt)[0, 0] + (wt.T * S * wt)[0, 0]))                 # u = E[yx]
def a_ols_obj(stated, *, fast: bool, seed: int):
    """The OLS objective in moments (MATH.md §3, the paper's eq. 10; article A, *Least-square problem*).

    ``E[(y − xᵀw̃)²]`` is expanded from the moments by :func:`bntheory.symbolic.ols.ols_objective`
    (``= 2uᵀw̃ + w̃ᵀSw̃ + E[y²]``) and compared with the stated objective under the two readings of
    the printed ``min … = min …``: (1, CLAIMS.md's) the two *problems* have the same minimisers
    (:func:`_same_minimisers`); (2) the two *minimum values* are equal (:func:`_equal_minima`).
    """
    geo = s_geometry(_D)
    wt = vector("wt", _D)
    derived = ols.ols_objective(_D)
    claimed = stated(wt, geo.u, geo.S)
    ok, ev, cex = _same_minimisers(claimed, derived, wt, geo, seed)
    values = _equal_minima(claimed, derived, wt, geo, seed) if ok else (False, {"implied": "other minimisers"}, cex)
    return Finding.from_readings(
        [literal_reading("same minimisers (the two problems)", ok, ev, cex),
         literal_reading("equal minimum values", *values)],
        "ladder at d = 2: " + "; ".join(f"{k} {v}" for k, v in ev.items()), {"derived": str(derived)})


# --------------------------------------------------------------------------------------------
# A-ols-reparam, A-ols-rho (MATH.md §3, eq. 11)
# --------------------------------------------------------------------------------------------


def _derived_objective(geo) -> sp.Expr:
    """Eq. (11) derived (:func:`bntheory.symbolic.ols.ols_objective_bn`), with ``‖w‖_S`` written as ``r``."""
    return ols.ols_objective_bn(_D, ols.LENGTH).subs(sp.sqrt(geo.wSw), geo.r)


def _objective_claim(stated, *, fast: bool, seed: int):
    """``f_OLS(w, γ)`` as stated, a function of ``(γ, uᵀw, ‖w‖_S)``, against eq. (11) derived by
    substituting ``w̃ = γw/‖w‖_S`` into ``2uᵀw̃ + w̃ᵀSw̃`` (:func:`bntheory.symbolic.ols.ols_objective_bn`)."""
    geo = s_geometry(_D)
    g = ols.LENGTH
    derived = _derived_objective(geo)
    claimed = stated(g, (geo.u.T * geo.w)[0, 0], geo.r)
    v = verify_identity(claimed, derived, relations=[geo.relation], domain=geo.domain, condition=geo.condition,
                        points=2, seed=seed)
    return identity_finding(v, instance={"d": _D}, evidence={"derived": sp.latex(derived)},
                            note="the printed objective differs from the substitution of w̃ = γw/‖w‖_S at this exact point")


@claim("A-ols-reparam", "A", "Least-square problem",
       r"f_{OLS}(w,\gamma)=2\gamma\frac{u^Tw}{\|w\|_S+\gamma^2}",
       stated=lambda g, uw, r: 2 * g * uw / (r + g**2),
       variants=(lambda g, uw, r: g**2 + 2 * g * uw / r,           # the same, terms reordered: true
                 lambda g, uw, r: 2 * g * uw / r - g**2),          # a flipped sign: false
       corrected=(r"f_{OLS}(w,\gamma)=2\gamma\frac{u^Tw}{\|w\|_S}+\gamma^2", lambda g, uw, r: 2 * g * uw / r + g**2))
def a_ols_reparam(stated, *, fast: bool, seed: int):
    """The BN objective of OLS (MATH.md §3, the paper's eq. 11): the printed denominator
    ``‖w‖_S + γ²`` is decided against the substitution of ``w̃ = γw/‖w‖_S``."""
    return _objective_claim(stated, fast=fast, seed=seed)


#: Lengths γ at which the curvature of an objective is inspected at exact points.
_GAMMAS = tuple(sp.Rational(k, 2) for k in range(-6, 7))


def _exact_points(geo, seed: int, n: int = 2) -> list[dict]:
    """``n`` exact points ``(w, u, S, r = ‖w‖_S)``: small integers, ``S`` diagonally dominant, ``uᵀw ≠ 0``."""
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        p = {s: sp.Integer(rng.choice([-3, -2, -1, 1, 2, 3])) for s in (*geo.w, *geo.u)}
        p.update({s: sp.Integer(rng.randint(-1, 1)) for s in geo.S if s.name[1] != s.name[2]})
        p.update({geo.S[i, i]: sp.Integer(rng.randint(2, 5)) for i in range(geo.d)})
        if (geo.u.T * geo.w)[0, 0].xreplace(p) != 0:
            out.append({**p, geo.r: sp.sqrt(geo.wSw.xreplace(p))})
    return out


def _min_over_length(F) -> sp.Expr:
    """``inf_γ F(γ)`` of a univariate rational function: its real critical values and its limits at ``±∞``."""
    g = ols.LENGTH
    crit = [c for c in sp.solve(sp.diff(F, g), g) if c.is_real]
    return sp.Min(*(F.xreplace({g: c}) for c in crit), sp.limit(F, g, sp.oo), sp.limit(F, g, -sp.oo))


def _convex_minimum(F, rho_w, geo, seed: int):
    """Both parts of A-ols-rho for one objective ``F(γ)``: convex in ``γ``, and ``min_γ F = ρ``.

    ``∂²_γF`` free of ``γ`` and positive proves convexity; the unique stationary point then gives the
    minimum, compared with ``ρ`` on the ladder.  Otherwise the curvature is inspected at exact
    points (:func:`_exact_points` × :data:`_GAMMAS`) and, failing a negative value there, the
    minimum over ``γ`` (:func:`_min_over_length`) is compared with ``ρ`` at the same points.
    Returns ``(holds, evidence, counterexample)``.
    """
    g = ols.LENGTH
    curv = sp.cancel(sp.diff(F, g, 2))
    crit = sp.solve(sp.diff(F, g), g) if g not in curv.free_symbols and curv.is_positive else []
    if len(crit) == 1:
        v = verify_identity(F.xreplace({g: crit[0]}), rho_w, **_ladder_options(geo, seed))
        ev = {"d2f/dgamma2": str(curv), "convexity": "proved", "gamma*": str(crit[0]), "min = rho": v.describe()}
        return v.holds, ev, None if v.holds else _ladder_counterexample(
            v, {"d": _D, "gamma*": str(crit[0])}, "min_gamma f", "rho(w) claimed", "the minimum over γ is not ρ(w)")
    points = _exact_points(geo, seed)
    for p in points:
        minimum, rho_p = _min_over_length(F.xreplace(p)), rho_w.xreplace(p)
        sides = {"min_gamma f": str(minimum), "rho(w) claimed": str(rho_p)}
        inst = {"d": _D, "point": {str(k): str(v) for k, v in p.items()}}
        bent = next((t for t in _GAMMAS if curv.xreplace({**p, g: t}) < 0), None)
        if bent is not None:
            return False, {"convexity": "refuted"}, Counterexample(
                {**inst, "gamma": str(bent)}, {"d2f/dgamma2": str(sp.nsimplify(curv.xreplace({**p, g: bent}))),
                                              "required": ">= 0", **sides},
                "the objective is not convex in γ here (and its minimum over γ is not ρ(w))")
        if sp.simplify(minimum - rho_p) != 0:
            return False, {"convexity": "no negative curvature found"}, Counterexample(
                inst, sides, "the minimum over γ is not ρ(w) at this exact point")
    return True, {"convexity": f"no negative curvature at {len(points)}x{len(_GAMMAS)} exact points",
                  "min = rho": f"equal at {len(points)} exact points (evidence, not proof)"}, None


@claim("A-ols-rho", "A", "Least-square problem",
       r"\text{convex in }\gamma;\ \min_\gamma f_{OLS}(w,\gamma)=\rho(w)=-\frac{w^Tuu^Tw}{w^TSw}",
       stated=(lambda g, uw, r: 2 * g * uw / (r + g**2),
               lambda w, u, S, r: -(w.T * u * u.T * w)[0, 0] / (w.T * S * w)[0, 0]),
       variants=((lambda g, uw, r: g**2 + 2 * g * uw / r, lambda w, u, S, r: -((u.T * w)[0, 0] / r) ** 2),
                 (lambda g, uw, r: 2 * g * uw / r + g**2, lambda w, u, S, r: -(w.T * u * u.T * w)[0, 0] / (w.T * w)[0, 0])),
       corrected=(r"f_{OLS}=2\gamma\frac{u^Tw}{\|w\|_S}+\gamma^2\ \text{is convex in }\gamma;\ "
                  r"\min_\gamma f_{OLS}(w,\gamma)=\rho(w)=-\frac{w^Tuu^Tw}{w^TSw}",
                  (lambda g, uw, r: 2 * g * uw / r + g**2,
                   lambda w, u, S, r: -(w.T * u * u.T * w)[0, 0] / (w.T * S * w)[0, 0])))
def a_ols_rho(stated, *, fast: bool, seed: int):
    """Convexity in the length and the Rayleigh quotient (MATH.md §3; article A, *Least-square problem*).

    ``stated = (f(γ, uᵀw, ‖w‖_S), ρ(w, u, S, ‖w‖_S))``: the article's sentence refers to its own
    printed objective, so the literal reading decides "convex in γ, and minimising over γ gives
    ``ρ``" for the stated ``f`` (:func:`_convex_minimum`); the second reading does the same for
    eq. (11) as derived (:func:`bntheory.symbolic.ols.ols_objective_bn`), i.e. with the printing
    error of A-ols-reparam corrected.
    """
    geo = s_geometry(_D)
    objective, rho_fn = stated
    rho_w = rho_fn(geo.w, geo.u, geo.S, geo.r)
    readings = []
    for name, F in (("the objective as printed (the encoding's)", objective(ols.LENGTH, (geo.u.T * geo.w)[0, 0], geo.r)),
                    ("eq. (11) as derived (printing error corrected)", _derived_objective(geo))):
        ok, ev, cex = _convex_minimum(F, rho_w, geo, seed)
        readings.append(literal_reading(name, ok, {"objective": str(F), **ev}, cex))
    lit = readings[0][0].evidence
    return Finding.from_readings(readings, f"d2/dgamma2 and the minimum over gamma: convexity {lit['convexity']}",
                                 {"rho_claimed": str(rho_w)})


# --------------------------------------------------------------------------------------------
# Shared evidence of the numerical claims
# --------------------------------------------------------------------------------------------


def _battery_finding(rows: list[dict], failed: Counterexample | None, method: str, evidence: dict) -> Finding:
    """A numerical claim decided on a battery: its first counterexample, or the maximum ratio over it."""
    ratios = [r["max_ratio"] for r in rows if isinstance(r.get("max_ratio"), float)]
    ev = {"n_instances": len(rows), "max_ratio": max(ratios) if ratios else None, **evidence, "instances": rows}
    if failed is not None:
        return Finding.counterexample(method, failed, ev)
    return Finding.confirmed(f"{method}; max ratio {ev['max_ratio']:.6g} over {len(rows)} instances, "
                             f"floor {evidence['floor']}", ev)


def _violation(c, label: str, instance: dict, measured: str, bound: str, note: str) -> Counterexample:
    """The first violation of a :class:`~bntheory.rates.RateCheck` as a :class:`Counterexample`."""
    t, m, b = c.first_violation
    return Counterexample({"instance": label, **instance, "t": int(t)}, {measured: float(m), bound: float(b)}, note)


# --------------------------------------------------------------------------------------------
# A-rayleigh (MATH.md §3.1)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RayleighRate:
    """The Rayleigh-quotient lemma as stated: ``ε(w_{t+1}) ≤ σ^{exponent(t)} ε(w_t)``.

    ``ε(w) = (λ₁ − ρ̃(w))/(ρ̃(w) − λ₂)`` and ``σ = sigma(λ₁, λ₂, λ_min, μ, L)`` with ``λ₁ ≥ λ₂ ≥ … ≥
    λ_min`` the eigenvalues of ``B`` (``spectrum = "B"``) or of the pencil ``(B, A)``
    (``"pencil"``), ``μ = λ_min(A)``, ``L = λ_max(A)``.  The article's ``ρ(w_{t+1} − λ₂)`` is read
    as ``ρ(w_{t+1}) − λ₂`` throughout.
    """

    spectrum: str
    sigma: Callable
    exponent: Callable


#: Start of the tight OLS pencil (MATH.md §9.3): S = diag(10, 1), u = (√5, 0), as in ``ols.rate.tight``.
_TIGHT_W0 = (1.0, 0.1)


@lru_cache(maxsize=4)
def _pencil_runs(seed: int, fast: bool) -> tuple:
    """``(label, instance, B, A, pencil-ascent run)``: the tight OLS pencil ``(uuᵀ, S)``, then random pencils.

    Random pencils (:func:`proofs_check._instances.random_pencil`, d ∈ {3, 5, 10}) start at the
    top pencil eigenvector plus 30 % Gaussian noise; 6 pencils and 40 steps (``fast``: 2, 30).
    """
    n, steps = (2, 30) if fast else (6, 40)
    P = tight_problem("ols", 10.0)
    out = [("tight OLS pencil (uu^T, S)", {"problem": "tight_problem('ols', 10): S = diag(10, 1), u = (sqrt 5, 0)",
                                           "w0": list(_TIGHT_W0)},
            np.outer(P.u, P.u), P.S, pencil_ascent(np.outer(P.u, P.u), P.S, _TIGHT_W0, steps))]
    for k in range(n):
        gen = I.rng(seed, "claims.A-rayleigh", k)
        d = (3, 5, 10)[k % 3]
        B, A = I.random_pencil(d, gen)
        v = scipy.linalg.eigh(B, A)[1][:, -1]
        w0 = v + 0.3 * np.linalg.norm(v) * gen.standard_normal(d)
        out.append((f"random pencil {k}", {"seed": seed, "tag": "claims.A-rayleigh", "k": k, "d": d},
                    B, A, pencil_ascent(B, A, w0, steps)))
    return tuple(out)


def _lemma_check(rule: RayleighRate, B, A, run):
    """The stated per-step bound along one pencil-ascent run, where ``λ₂ < ρ̃(w_t) < λ₁`` (MATH.md §3.1, §9.1)."""
    lam = run.pencil_eigenvalues if rule.spectrum == "pencil" else np.linalg.eigvalsh(B)[::-1]
    l1, l2 = float(lam[0]), float(lam[1])
    sigma = rule.sigma(l1, l2, float(lam[-1]), run.mu, run.L)
    rt = run.rho_tilde
    with np.errstate(divide="ignore", invalid="ignore"):
        eps = (l1 - rt) / (rt - l2)
    t = np.arange(rt.size - 1)
    applies = (rt[:-1] > l2) & (rt[:-1] < l1)
    bound = np.where(applies, sigma ** np.broadcast_to(rule.exponent(t), t.shape) * eps[:-1], np.nan)
    return check_rate(eps[1:], bound, scale=(abs(l1) + abs(l2)) / (l1 - l2), name="Rayleigh lemma"), sigma


def _lemma_reading(rule: RayleighRate, runs) -> tuple[bool, dict, Counterexample | None]:
    """One reading of A-rayleigh on the pencil battery: ``(holds, evidence, counterexample)``."""
    rows, failed = [], None
    for label, inst, B, A, run in runs:
        c, sigma = _lemma_check(rule, B, A, run)
        rows.append({"instance": label, "sigma": json_number(sigma), "max_ratio": json_number(c.max_ratio),
                     "n_compared": int(c.n_compared)})
        if failed is None and not c.holds:
            failed = _violation(c, label, {**inst, "sigma": json_number(sigma)}, "eps(w_{t+1})",
                                "sigma^exponent(t) eps(w_t)", "the stated per-step bound is violated at step t")
    compared = sum(r["n_compared"] >= 1 for r in rows)
    holds = failed is None and 2 * compared >= len(rows)
    ratios = [r["max_ratio"] for r in rows if isinstance(r["max_ratio"], float)]
    return holds, {"max_ratio": max(ratios) if ratios else None, "n_instances": len(rows),
                   "n_compared": compared, "floor": "1e-7 (|l1| + |l2|)/(l1 - l2)", "instances": rows}, failed


def _seed_sigma(l1, l2, lmin, mu, L):
    return 1 - (l1 - l2) / (l1 - lmin)


def _lemma_sigma(l1, l2, lmin, mu, L):
    return 1 - (mu / L) * (l1 - l2) / (l1 - lmin)


@claim("A-rayleigh", "A", "Least-square problem",
       r"\frac{\lambda_1-\rho(w_{t+1})}{\rho(w_{t+1}-\lambda_2)}\le\Big(1-\frac{\lambda_1-\lambda_2}{\lambda_1-\lambda_{min}}"
       r"\Big)^{2t}\frac{\lambda_1-\rho(w_t)}{\rho(w_t)-\lambda_2},\ \lambda\text{'s the eigenvalues of }B",
       stated=RayleighRate("B", _seed_sigma, lambda t: 2 * t),
       variants=(RayleighRate("pencil", _lemma_sigma, lambda t: 1),       # σ per step: weaker than σ², true
                 RayleighRate("pencil", _seed_sigma, lambda t: 2)),       # no μ/L (the catalog's control): false
       corrected=(r"\frac{\lambda_1-\tilde\rho(w_{t+1})}{\tilde\rho(w_{t+1})-\lambda_2}\le\sigma^2"
                  r"\frac{\lambda_1-\tilde\rho(w_t)}{\tilde\rho(w_t)-\lambda_2},\ \sigma=1-\frac{\mu}{L}"
                  r"\frac{\lambda_1-\lambda_2}{\lambda_1-\lambda_{min}},\ \lambda\text{'s the eigenvalues of the pencil }(B,A)",
                  RayleighRate("pencil", _lemma_sigma, lambda t: 2)))
def a_rayleigh(stated, *, fast: bool, seed: int):
    """The generalised Rayleigh-quotient lemma (MATH.md §3.1; article A, *Least-square problem*).

    ``stated`` is a :class:`RayleighRate`, evaluated on pencil-ascent runs
    (:func:`bntheory.solvers.rayleigh.pencil_ascent`, step ``η = wᵀAw/(2L(ρ̃(w) − λ_min))``) of the
    tight OLS pencil and random pencils (:func:`_pencil_runs`), at every step where
    ``λ₂ < ρ̃(w_t) < λ₁`` above the floor ``1e-7(|λ₁|+|λ₂|)/(λ₁−λ₂)`` (MATH.md §9.1).  Readings:
    (1) as encoded; (2) the λ's read as the eigenvalues of the pencil ``(B, A)`` (the lemma's λ for
    ``ρ̃ = wᵀBw/wᵀAw``); (3) as (2) with the exponent read as one step's, ``exponent(1)``.
    """
    runs = _pencil_runs(seed, fast)
    pencil = replace(stated, spectrum="pencil")
    readings = [literal_reading(name, *_lemma_reading(rule, runs)) for name, rule in (
        ("as printed (the encoding)", stated),
        ("lambda's = eigenvalues of the pencil (B, A)", pencil),
        ("pencil eigenvalues, exponent of one step", replace(pencil, exponent=lambda t, e=stated.exponent: e(1))))]
    lit = readings[0][0].evidence
    return Finding.from_readings(
        readings, f"pencil ascent (eta = w^T A w / (2L(rho~ - lambda_min))), {lit['n_instances']} pencils, per step; "
                  f"rho(w_{{t+1}} - lambda_2) read as rho(w_{{t+1}}) - lambda_2; max ratio "
                  f"{lit['max_ratio']}, floor {lit['floor']}",
        {"typo_reading": "rho(w_{t+1} - lambda_2) read as rho(w_{t+1}) - lambda_2 in every reading"})


# --------------------------------------------------------------------------------------------
# A-ols-rate, A-ols-faster (MATH.md §3)
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _ols_runs(seed: int, fast: bool) -> tuple:
    """``(label, problem, Rayleigh-GD run)``: the tight case (MATH.md §9.3) and the ``ols.rate`` battery.

    The battery's runs are :func:`proofs_check._instances.ols_battery_runs` (shared with the catalog);
    the tight case is ``tight_problem('ols', 10)`` from ``w₀ = (1, 0.1)``, 80 steps.
    """
    P = tight_problem("ols", 10.0)
    tight = ("tight case d=2 kappa=10 (u = top eigenvector)", P, rayleigh_gd(P, _TIGHT_W0, 80))
    return (tight, *((I.ols_label(d, kappa, kind), P, r) for d, kappa, kind, P, r in I.ols_battery_runs(seed, fast)))


def _instance(label: str, P, seed: int) -> dict:
    """How to rebuild an instance of :func:`_ols_runs`."""
    if label.startswith("tight"):
        return {"problem": "tight_problem('ols', 10)", "w0": list(_TIGHT_W0)}
    return {"battery": "proofs_check._instances.ols_battery_runs", "seed": seed, "mu": P.mu, "L": P.L}


@claim("A-ols-rate", "A", "Least-square problem",
       r"\eta_t=\frac{w_t^TSw_t}{2L|\rho(w_t)|}:\ \rho(w_t)-\rho(w^*)\le\Big(1-\frac{\mu}{L}\Big)^{2t}(\rho(w_0)-\rho(w^*))",
       stated=2, variants=(1, 4))
def a_ols_rate(stated, *, fast: bool, seed: int):
    """The OLS theorem (MATH.md §3; article A, *Least-square problem*).

    ``stated`` is the exponent factor ``p`` of the rate ``(1 − μ/L)^{p t}`` (the article: ``2``).
    Evaluated by :func:`bntheory.bounds.ols_bound` on Rayleigh-GD runs with the article's step
    (:func:`bntheory.solvers.rayleigh.rayleigh_gd`): the tight case and the ``ols.rate`` battery
    (:func:`_ols_runs`), every iterate above ``1e-7|ρ*|`` compared.  Holds if the bound holds on
    every instance and at least half are compared beyond ``t = 0``; max ratio over ``t ≥ 1``.
    """
    rows, failed = [], None
    for label, P, r in _ols_runs(seed, fast):
        c = bounds.ols_bound(P, r, power=stated).check()
        rows.append({"instance": label, "max_ratio": json_number(c.max_ratio_after_start),
                     "n_compared": int(c.n_compared)})
        if failed is None and not c.holds:
            failed = _violation(c, label, _instance(label, P, seed), "rho(w_t) - rho*",
                                f"(1 - mu/L)^({stated}t) (rho(w_0) - rho*)", "the stated rate is violated at t")
    if failed is None and 2 * sum(r["n_compared"] >= 2 for r in rows) < len(rows):
        failed = Counterexample({"battery": "too few instances above the floor"},
                                {"n_compared_beyond_t0": sum(r["n_compared"] >= 2 for r in rows), "n": len(rows)},
                                "nothing to decide on")
    return _battery_finding(rows, failed, f"Rayleigh-GD with the article's step, bound (1-mu/L)^({stated}t)",
                            {"floor": "1e-7 |rho*|"})


def _decay(label: str, P, run, seed: int, k: int) -> dict:
    """BN (Rayleigh-GD) and plain GD (step ``1/(2L)``, 60 steps) on one OLS instance (MATH.md §3).

    ``*_linear``: the decay is certified linear — the bound ``(1 − μ/L)^{2t}`` (rate ``< 1``) holds at
    every iterate above the floor, at least two compared; ``*_rate``: fitted per-step factor.
    """
    bn = bounds.ols_bound(P, run).check()
    gd_run = gd(P, I.rng(seed, "claims.A-ols-faster", k).standard_normal(P.d), 60, diagnostics=False)
    g = bounds.gd_ols_bound(P, gd_run).check()
    q = (1.0 - P.mu / P.L) ** 2
    return {"instance": label, "q=(1-mu/L)^2": q,
            "bn_linear": bool(bn.holds and bn.n_compared >= 2 and q < 1), "bn_rate": json_number(bn.fitted_rate),
            "gd_linear": bool(g.holds and g.n_compared >= 2 and q < 1), "gd_rate": json_number(g.fitted_rate),
            "gd_max_ratio": json_number(g.max_ratio_after_start)}


@claim("A-ols-faster", "A", "Least-square problem",
       r"\text{BN on OLS converges linearly, faster than the regular gradient descent with only sub-linear convergence}",
       stated=lambda m: m["bn_linear"] and not m["gd_linear"],
       variants=(lambda m: m["gd_linear"] and m["gd_rate"] < 1,   # plain GD converges linearly: true
                 lambda m: not m["gd_linear"]),                   # plain GD is sub-linear: false
       corrected=(r"\text{BN-GD and plain GD (step }1/(2L)\text{) both converge linearly on OLS, at the same rate "
                  r"order }(1-\mu/L)^{2t}",
                  lambda m: m["bn_linear"] and m["gd_linear"]))
def a_ols_faster(stated, *, fast: bool, seed: int):
    """"Linear with BN, sub-linear without" on OLS (MATH.md §3 "Comparison"; article A, *Least-square problem*).

    ``stated`` is a predicate on the measured decays of one instance (:func:`_decay`): BN
    (Rayleigh-GD, the OLS theorem) and plain GD on the convex ``f_OLS(w̃)`` with step ``1/(2L)``
    on the same instances (:func:`_ols_runs`).  A statement about OLS in general: it holds if the
    predicate holds on every instance; the first instance where it fails refutes it.
    """
    runs = _ols_runs(seed, fast)
    rows = [_decay(label, P, r, seed, k) for k, (label, P, r) in enumerate(runs)]
    k = next((k for k, m in enumerate(rows) if not stated(m)), None)
    method = f"Rayleigh-GD vs GD step 1/(2L) (60 steps) on {len(rows)} OLS instances, floor 1e-7 scale"
    ev = {"n_instances": len(rows), "floor": "1e-7 max(|f*|, f(w~0) - f*) (GD), 1e-7 |rho*| (BN)",
          "max_gd_rate": json_number(max(float(m["gd_rate"]) for m in rows)), "instances": rows}
    if k is None:
        return Finding.confirmed(method + f"; predicate true on all {len(rows)} instances", ev)
    label, P, _ = runs[k]
    bad = rows[k]
    return Finding.counterexample(method, Counterexample(
        {"instance": label, **_instance(label, P, seed), "gd_start": f"I.rng({seed}, 'claims.A-ols-faster', {k})"},
        {"claimed": "predicate true", **{key: bad[key] for key in (
            "bn_linear", "gd_linear", "gd_rate", "q=(1-mu/L)^2", "gd_max_ratio")}},
        "on this instance plain GD's gap stays below (1-mu/L)^{2t} times its start: linear, not sub-linear"
        if bad["gd_linear"] else "the predicate fails on this instance"), ev)


# --------------------------------------------------------------------------------------------
# B-ols-kappa (MATH.md §8, Cai et al.)
# --------------------------------------------------------------------------------------------

#: Exact Gram matrices of the standardisation battery: κ increases (κ = 10 → 7 + 2√6), is
#: unchanged (equal diagonal), decreases (badly scaled features).
_GRAMS = (((2, 2, 2), (2, 5, 4), (2, 4, 5)),
          ((2, 1, 0), (1, 2, 1), (0, 1, 2)),
          ((10000, 50, 1), (50, 1, 0), (1, 0, 1)))

#: Precision granted to a measured rate (either way) when it is compared with a claimed one.  A finite
#: run resolves the asymptotic rate ``max|1 − η̂λ*|`` only to about 1e-3 near the optimal step, where
#: the two extreme modes decay at nearly the same rate and the slower one may not dominate yet.
_RATE_TOL = 5e-3


def _kappa(M) -> sp.Expr:
    """``λ_max/λ_min`` of a rational matrix similar to a symmetric one, exactly (real roots of its characteristic polynomial)."""
    roots = sp.Poly(M.charpoly().as_expr()).real_roots()
    return sp.nsimplify(sp.radsimp(max(roots) / min(roots)))


def _conditioning(S) -> dict:
    """``κ(S)``, ``κ`` of the standardised Gram matrix ``D^{-1/2} S D^{-1/2}`` (``D = diag S``) and ``κ(D)``.

    Computed in mpmath with 50 digits and rounded to 40 significant digits, so that an exact tie
    (``S`` with equal diagonal: ``κ_std = κ``) compares equal.
    """
    import mpmath

    with mpmath.workdps(50):
        M = mpmath.matrix([[mpmath.mpf(x) for x in row] for row in np.asarray(S, dtype=float).tolist()])
        dg = [M[i, i] for i in range(M.rows)]
        C = mpmath.matrix(M.rows, M.cols)
        for i in range(M.rows):
            for j in range(M.cols):
                C[i, j] = M[i, j] / mpmath.sqrt(dg[i] * dg[j])
        ev, evc = mpmath.eigsy(M, eigvals_only=True), mpmath.eigsy(C, eigvals_only=True)
        k = {"kappa": max(ev) / min(ev), "kappa_std": max(evc) / min(evc), "kappa_D": max(dg) / min(dg)}
        return {"d": M.rows, **{n: mpmath.mpf(mpmath.nstr(v, 40)) for n, v in k.items()}}


def _gram_battery(seed: int, fast: bool) -> list[tuple[str, np.ndarray]]:
    """The exact matrices :data:`_GRAMS` and random integer SPD ``M Mᵀ + I`` (3 × 3, entries of ``M`` in
    ``[−3, 3]``; 6, ``fast``: 2)."""
    gen = I.rng(seed, "claims.B-ols-kappa.gram")
    rand = [m @ m.T + np.eye(3, dtype=int) for m in gen.integers(-3, 4, size=(2 if fast else 6, 3, 3))]
    return [(f"gram {k}", np.array(S, dtype=int)) for k, S in enumerate((*_GRAMS, *rand))]


def _part_a(relation, grams) -> tuple[list, Counterexample | None]:
    """``relation(κ(S), κ_std, κ(D), d)`` on every Gram matrix; the first failure rechecked exactly."""
    rows, cex = [], None
    for label, S in grams:
        k = _conditioning(S)
        ok = bool(relation(k["kappa"], k["kappa_std"], k["kappa_D"], k["d"]))
        rows.append({"gram": label, "S": S.tolist(), "holds": ok, **{n: float(v) for n, v in k.items()}})
        if cex is None and not ok:
            Sx = sp.Matrix(S.shape[0], S.shape[1], lambda i, j: sp.Rational(S[i, j].item()))
            exact = {"kappa(S)": _kappa(Sx), "kappa(D^-1/2 S D^-1/2)": _kappa(sp.diag(*Sx.diagonal()).inv() * Sx)}
            cex = Counterexample({"S": S.tolist(), "standardised": "D^{-1/2} S D^{-1/2}, D = diag(S) (eigenvalues "
                                                                   "of D^{-1} S)"},
                                 {**{n: str(v) for n, v in exact.items()}, **{f"{n} (float)": float(v) for n, v in exact.items()}},
                                 "standardising the features does not reduce the condition number of this Gram matrix")
    return rows, cex


@lru_cache(maxsize=4)
def _cai_problems(seed: int, fast: bool) -> tuple:
    """OLS instances for BN-GD: ``S = diag(1, 10, 100)`` (``κ_std = 1``) with solution ``(0.1, 1, 0.1)``,
    and random instances (d = 5, κ = 100; 2, ``fast``: 1)."""
    H = np.diag([1.0, 10.0, 100.0])
    return (("diag(1, 10, 100), solution (0.1, 1, 0.1)", OLSProblem(H, -H @ np.array([0.1, 1.0, 0.1]))),
            *((f"random d=5 kappa=100 #{k}", I.ols_instance(5, 100.0, I.rng(seed, "claims.B-ols-kappa", k)))
              for k in range(1 if fast else 2)))


def _settled_rate(gap: np.ndarray) -> float:
    """The per-step rate of a BN-GD run once it is asymptotic, ``inf`` if it is not (MATH.md §8, §9.1).

    Over the part of the run resolved above ``1e-20·gap₀`` (at least 200 steps), the per-step rate
    ``√(gap decay)`` of the third and of the last quarter must agree to :data:`_RATE_TOL` (a run
    whose decay still changes — ``‖w‖`` growing, a fast mode not yet gone — is not asymptotic).
    """
    above = np.flatnonzero(np.isfinite(gap) & (gap > 1e-20 * gap[0]))
    n = int(above[-1]) if above.size else 0
    if n < 200:
        return np.inf
    q = n // 4
    r3, r4 = ((gap[a + q] / gap[a]) ** (0.5 / q) for a in (n - 2 * q, n - q))
    return float(r4) if abs(r3 - r4) <= _RATE_TOL else np.inf


@lru_cache(maxsize=4)
def _bn_rates(seed: int, fast: bool) -> tuple:
    """BN-GD (Cai et al., :func:`bntheory.solvers.bngd_ols.bngd_ols`) on :func:`_cai_problems`.

    600 steps from a Gaussian ``w₀``, ``a₀ = 0``, ``ε_a = 1``, ``ε`` on a log-grid ``1e-2 … 1e4`` (25
    points); per run the asymptotic per-step rate (:func:`_settled_rate`).  Returns, per instance,
    the best settled rate over the grid, MATH.md §8's prediction ``max|1 − η̂λ*|`` for that run, and
    ``κ``, ``κ_std``, ``κ*``.
    """
    eps = np.logspace(-2.0, 4.0, 25)
    out = []
    for k, (label, P) in enumerate(_cai_problems(seed, fast)):
        r = bngd_ols.bngd_ols(P, I.rng(seed, "claims.B-ols-kappa.w0", k).standard_normal(P.d), 0.0, 600,
                              eps=eps, eps_a=1.0)
        rate = np.array([_settled_rate(r.gap[:, j]) for j in range(eps.size)])
        i = int(np.argmin(rate))
        k_std = float(_conditioning(P.S)["kappa_std"])
        out.append({"instance": label, "kappa": float(r.kappa), "kappa_std": k_std,
                    "kappa_star": float(r.kappa_star), "rate": float(rate[i]), "rate_tol": _RATE_TOL,
                    "eps_best": float(eps[i]), "predicted_rate_at_best": float(r.predicted_rate[i]),
                    "optimal_rate_(k*-1)/(k*+1)": (r.kappa_star - 1) / (r.kappa_star + 1),
                    "1-1/kappa_std": 1 - 1 / k_std, "1-1/kappa*": 1 - 1 / r.kappa_star,
                    "n_settled": int(np.sum(np.isfinite(rate)))})
    return tuple(out)


@claim("B-ols-kappa", "B", "Least-Squares Optimization",
       r"\text{standardising each feature reduces }\kappa\text{ of the Gram matrix};\ \text{GD with BN converges at }"
       r"O\Big(1-\frac1\kappa\Big)",
       stated=(lambda k, k_std, k_D, d: k_std < k,
               lambda m: m["rate"] - m["rate_tol"] <= 1 - 1 / m["kappa_std"]),
       variants=((lambda k, k_std, k_D, d: k_std <= d * k,                      # van der Sluis: true
                  lambda m: m["rate"] < 1),                                     # BN-GD converges linearly: true
                 (lambda k, k_std, k_D, d: k / k_D <= k_std <= d * k,
                  lambda m: m["rate"] - m["rate_tol"] <= 1 - 1 / m["kappa_std"])),   # rate O(1 - 1/κ_std): false
       corrected=(r"\frac{\kappa(S)}{\kappa(D)}\le\kappa(D^{-1/2}SD^{-1/2})\le d\,\kappa(S)\ \text{(it can increase or "
                  r"decrease)};\ \text{BN-GD's rate is}\ \max|1-\hat\eta\lambda^*|\ge\frac{\kappa^*-1}{\kappa^*+1},"
                  r"\ \kappa^*\le\kappa",
                  (lambda k, k_std, k_D, d: k / k_D <= k_std <= d * k,
                   lambda m: m["rate"] + m["rate_tol"] >= (m["kappa_star"] - 1) / (m["kappa_star"] + 1)
                   and m["kappa_star"] <= m["kappa"] * (1 + 1e-12))))
def b_ols_kappa(stated, *, fast: bool, seed: int):
    """Standardisation and the condition number; BN-GD's rate on least squares (MATH.md §8; article B,
    *Least-Squares Optimization*).

    ``stated = (relation(κ(S), κ_std, κ(D), d), predicate(m))``, the conjunction of (a) a relation
    between the condition numbers before and after standardising the features
    (``κ_std = κ(D^{-1/2}SD^{-1/2})``), decided on every matrix of :func:`_gram_battery` and of the
    BN-GD instances in 50-digit arithmetic, a failure rechecked exactly; (b) a predicate on BN-GD's
    best measured rate over a step-size grid with ``κ``, ``κ_std``, ``κ*`` (:func:`_bn_rates`).
    """
    relation, predicate = stated
    grams = _gram_battery(seed, fast) + [(label, P.S) for label, P in _cai_problems(seed, fast)]
    rows_a, cex = _part_a(relation, grams)
    rows_b = list(_bn_rates(seed, fast))
    bad_b = next((m for m in rows_b if not predicate(m)), None)
    if cex is None and bad_b is not None:
        cex = Counterexample({"instance": bad_b["instance"], "seed": seed, "eps_best": bad_b["eps_best"]},
                             {"claimed": "predicate true", **{k: bad_b[k] for k in (
                                 "rate", "1-1/kappa_std", "optimal_rate_(k*-1)/(k*+1)", "kappa_std", "kappa_star")}},
                             "BN-GD's best measured rate contradicts the stated rate on this instance")
    ev = {"part_a": {"holds": all(r["holds"] for r in rows_a), "grams": rows_a},
          "part_b": {"holds": bad_b is None, "rate_tol": _RATE_TOL, "runs": rows_b,
                     "max_|rate - predicted|": max(abs(m["rate"] - m["predicted_rate_at_best"]) for m in rows_b)},
          "n_instances": len(rows_a) + len(rows_b)}
    method = (f"(a) condition numbers of {len(rows_a)} Gram matrices (mpmath, exact recheck); (b) BN-GD (Cai et al.) "
              f"on {len(rows_b)} OLS instances, 25 step sizes, 600 steps")
    return Finding.confirmed(method, ev) if cex is None else Finding.counterexample(method, cex, ev)
