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
    curv = sp.simplify(sp.diff(F, g, 2))
    crit = sp.solve(sp.diff(F, g), g)
    if g not in curv.free_symbols and curv.is_positive and len(crit) == 1:
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
