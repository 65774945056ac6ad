r"""Article A's learning-halfspace and network statements, article B's halfspace statements.

MATH.md §4 (Stein structure, GDNP, its bounds), §5 (the Gaussian assumption) and §6 (the
one-hidden-layer network).  Each statement is encoded as printed — a formula written as a
function of SymPy symbols or of a run's quantities — and decided against the toolkit's
derivations (:mod:`bntheory.symbolic.halfspace`, :mod:`bntheory.symbolic.ols`) or against GDNP runs
(:mod:`bntheory.solvers.gdnp`, :mod:`bntheory.bounds`) on small instances of the catalog
(:mod:`proofs_check._instances`).  Runs shared by several claims are memoised per ``(seed, fast)``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq

from bntheory import bounds
from bntheory.losses import LOGISTIC, SIGMOID
from bntheory.problems import GaussianHalfspace, OneHiddenLayer, random_spd, tight_problem
from bntheory.rates import check_rate
from bntheory.solvers.gdnp import gdnp
from bntheory.symbolic import halfspace as sym_hs
from bntheory.symbolic import mlp as sym_mlp
from bntheory.symbolic.geometry import dot
from bntheory.symbolic.ols import rayleigh_step
from bntheory.symbolic.verify import verify_identity

from .. import _instances as I
from ._ladder import identity_finding
from .core import Counterexample, Finding, claim, literal_reading

#: Explicit dimension of the symbolic claims (the proof rung runs at it).
_D = 2


def _f(x) -> float:
    """A JSON-safe float."""
    return float(x)


def _first_violation(c, t_offset: int = 0) -> dict:
    """``{"t", "lhs", "rhs"}`` of a :class:`~bntheory.rates.RateCheck`'s first violation."""
    t, m, b = c.first_violation
    return {"t": int(t) + t_offset, "lhs": _f(m), "rhs": _f(b)}


def _finding_reading(name: str, f: Finding):
    """A :class:`~.core.Finding` turned into one reading of an ambiguous statement."""
    return literal_reading(name, f.holds, {"method": f.method, **f.as_evidence()}, f.refutation)


def _battery_finding(rows, method: str, evidence: dict, note: str) -> Finding:
    """The verdict of a bound over a battery: ``rows`` are ``(instance, RateCheck)``; the first
    violated row is the counterexample, otherwise the largest ratio is reported."""
    ratios = [c.max_ratio for _, c in rows if not math.isnan(c.max_ratio)]
    ev = {**evidence, "n_instances": len(rows), "max_ratio": _f(max(ratios)) if ratios else None,
          "n_compared": int(sum(c.n_compared for _, c in rows))}
    bad = next(((inst, c) for inst, c in rows if not c.holds), None)
    if bad is None:
        return Finding.confirmed(f"{method}; max ratio {ev['max_ratio']:.4g} over {len(rows)} runs", ev)
    inst, c = bad
    side = _first_violation(c)
    return Finding.counterexample(method, Counterexample({**inst, "t": side.pop("t")}, side, note), ev)


# =============================================================================================
# A-lh-grad, A-lh-crit: the gradient structure and its critical line (MATH.md §4.2)
# =============================================================================================


def _symbolic_gradient(stated, seed: int):
    """``∇E[φ(zᵀw̃)]`` derived for ``φ = exp`` against the stated form (exact ladder)."""
    st = sym_hs.stein_structure("exp", _D)
    hs = st.symbols
    E1, E2 = st.c1 + st.c2 * st.mean, st.c2  # E[φ'], E[φ''] in closed form
    claimed = stated(E1, E2, hs.geo.u, hs.geo.S, hs.wt)
    lhs, rhs, _ = sym_hs.divide_common_exp(st.gradient, claimed)
    return verify_identity(lhs, rhs, domain=hs.domain, points=2, seed=seed)


@claim("A-lh-grad", "A", "Learning halfspace",
       r"\nabla f_{LH}(\tilde w)=c_1(\tilde w)u+c_2(\tilde w)S\tilde w,\ c_1=E_z[\phi^{(1)}(z^T\tilde w)]"
       r"-E_z[\phi^{(2)}(z^T\tilde w)](u^T\tilde w),\ c_2=E_z[\phi^{(2)}(z^T\tilde w)]",
       stated=lambda E1, E2, u, S, wt: (E1 - E2 * (u.T @ wt)[0, 0]) * u + E2 * (S @ wt),
       variants=(lambda E1, E2, u, S, wt: E1 * u + E2 * ((S - u @ u.T) @ wt),   # Stein's form E[φ']u + E[φ'']Σw̃: true
                 lambda E1, E2, u, S, wt: E1 * u + E2 * (S @ wt)))              # c₁ without −E[φ'']uᵀw̃: false
def a_lh_grad(stated, *, fast: bool, seed: int):
    """The gradient of ``f_LH(w̃) = E[φ(zᵀw̃)]``, ``z ~ N(u, S − uuᵀ)`` (MATH.md §4.1 item 4, §4.2),
    against the stated ``c₁u + c₂Sw̃``, twice: (i) exactly for ``φ = exp`` at ``d = 2`` — the gradient
    derived by differentiating the closed-form expectation, the stated form built from the closed
    forms of ``E[φ'], E[φ'']`` (verification ladder); (ii) for the logistic loss by Gauss–Hermite
    quadrature (:func:`bntheory.symbolic.halfspace.stein_quadrature`: the one-dimensional
    reduction, and without ``fast`` also the brute-force tensor rule over ``z``), tolerance 1e-10.
    Article A, "Learning halfspace problem".  ``stated(E1, E2, u, S, w̃)`` is the claimed gradient."""
    v = _symbolic_gradient(stated, seed)
    f = identity_finding(v, instance={"phi": "exp", "d": _D, "z": "N(u, S - u u^T)"},
                         note="the stated gradient differs from the derivative of E[exp(z^T w~)] at this exact point")
    if not f.holds:
        return f
    S, u, wt = sym_hs.quadrature_instance(_D, seed)
    q = sym_hs.stein_quadrature("logistic", S, u, wt, nodes=64, tensor_nodes=None if fast else 40)
    E1 = q.c1 + q.c2 * float(u @ wt)
    claimed = np.ravel(stated(E1, q.c2, u[:, None], S, wt[:, None]))
    refs = {"1-D reduction": q.reduced, **({} if q.tensor is None else {"tensor rule over z": q.tensor})}
    dev = {k: _f(np.max(np.abs(claimed - np.ravel(r)))) for k, r in refs.items()}
    ev = {**f.evidence, "logistic_quadrature_max_abs_dev": dev, "tolerance": 1e-10}
    if max(dev.values()) <= 1e-10:
        return Finding.confirmed(f"{f.method} (phi = exp, d = {_D}); logistic by quadrature within 1e-10", ev)
    k = max(dev, key=dev.get)
    return Finding.counterexample(
        "logistic loss by Gauss-Hermite quadrature", Counterexample(
            {"phi": "logistic", "S": S.tolist(), "u": u.tolist(), "w_tilde": wt.tolist()},
            {"lhs_gradient": np.ravel(refs[k]).tolist(), "rhs_stated": claimed.tolist()},
            f"the stated form misses the quadrature gradient ({k}) by {dev[k]:.3g}"), ev)


@lru_cache(maxsize=4)
def _critical_points(seed: int) -> tuple:
    """Logistic halfspaces (d = 3, κ = 10, ``uᵀS⁻¹u`` ∈ {0.5, 0.9}) and their critical point, found
    by BFGS on ``f_LH`` with the toolkit's gradient (the logistic ``f_LH`` is convex)."""
    from scipy.optimize import minimize

    out = []
    for k, uSu in enumerate((0.5, 0.9)):
        P = I.halfspace(3, 10.0, uSu, LOGISTIC, I.rng(seed, "claims.A-lh-crit", k))
        r = minimize(P.f, np.zeros(3), jac=P.grad, method="BFGS", options={"gtol": 1e-12})
        out.append((uSu, P, r.x))
    return tuple(out)


def _sine(x, y) -> float:
    """``sin∠(x, y)`` (0 when parallel)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    y = y / np.linalg.norm(y)
    return float(np.linalg.norm(x - (x @ y) * y) / np.linalg.norm(x))


@claim("A-lh-crit", "A", "Learning halfspace", r"\tilde w_*=g_*S^{-1}u",
       stated=lambda S, u: np.linalg.solve(S, u),
       variants=(lambda S, u: -3.0 * np.linalg.solve(S, u),   # the same line: true
                 lambda S, u: np.asarray(u, float)))          # w̃* ∥ u: false
def a_lh_crit(stated, *, fast: bool, seed: int):
    """The critical points of ``f_LH`` lie on the stated line (MATH.md §4.2: ``w̃* = −(c₁/c₂)S⁻¹u``
    when ``c₂ ≠ 0``).  For two logistic Gaussian halfspaces (d = 3, κ = 10, ``uᵀS⁻¹u`` ∈ {0.5, 0.9})
    the critical point is found by BFGS on ``f_LH`` with the toolkit's gradient (1-D quadrature,
    MATH.md §4.3); measured: ``sin∠(w̃_crit, stated(S, u))``, tolerance 1e-6 (the gradient there is
    reported).  ``stated(S, u)`` returns the claimed direction.  Article A, "Learning halfspace problem"."""
    rows, worst = [], None
    for uSu, P, x in _critical_points(seed):
        line = stated(P.S, P.u)
        row = {"uSu": uSu, "w_crit": x.tolist(), "grad_norm": _f(np.linalg.norm(P.grad(x))),
               "sine_to_line": _sine(x, line), "line": np.asarray(line, float).tolist()}
        rows.append(row)
        if row["sine_to_line"] > 1e-6 and worst is None:
            worst = (P, row)
    ev = {"instances": rows, "tolerance": 1e-6, "method_detail": "BFGS (gtol 1e-12) on the logistic f_LH"}
    if worst is None:
        return Finding.confirmed(f"critical point by BFGS on {len(rows)} logistic halfspaces; max sine "
                                 f"{max(r['sine_to_line'] for r in rows):.2g}", ev)
    P, row = worst
    return Finding.counterexample("critical point by BFGS on logistic halfspaces", Counterexample(
        {"S": P.S.tolist(), "u": P.u.tolist(), "loss": "logistic", "uSu": row["uSu"]},
        {"critical_point": row["w_crit"], "claimed_line": row["line"], "sine": row["sine_to_line"],
         "grad_norm_at_critical_point": row["grad_norm"]},
        "the critical point (gradient ~ 0) is not on the claimed line"), ev)


# =============================================================================================
# A-lh-h, A-lh-step: the GDNP direction step against the Rayleigh step (MATH.md §4.4)
# =============================================================================================

#: The article's step size s_t = −‖w_t‖_S³/(L g_t h_t).
_S_ARTICLE = lambda r, L, g, h: -r**3 / (L * g * h)  # noqa: E731
#: The consistent h = c₁(w̃_t) uᵀw_t = E[φ']uᵀw − E[φ''](uᵀw)(uᵀw̃) (MATH.md §4.4).
_H_CONSISTENT = lambda E1, E2, uw, uwt: E1 * uw - E2 * uw * uwt  # noqa: E731


def _gdnp_direction_step(h_rule, s_rule, g=None):
    """``w − s ∇_w f(w, g)`` with ``s = s_rule(‖w‖_S, L, g, h_rule(E₁, E₂, uᵀw, uᵀw̃))`` for the
    structure ``∇f(w̃) = c₁u + c₂Sw̃``, ``c₁ = E₁ − E₂uᵀw̃``, ``c₂ = E₂`` (``E₁ = E[φ']``, ``E₂ = E[φ'']``
    free), ``∇_w f`` by the chain rule (:func:`bntheory.symbolic.halfspace.bn_gradients`);
    ``g`` a value for the length (default the symbol ``g``)."""
    hs = sym_hs.halfspace_symbols(_D)
    geo = hs.geo
    gg = hs.g if g is None else g
    uw = dot(geo.u, geo.w)
    uwt = gg * uw / geo.r
    grad_w, _ = sym_hs.bn_gradients(_D, gradient=(hs.E1 - hs.E2 * uwt) * geo.u + hs.E2 * (geo.S * (gg * geo.w / geo.r)))
    if g is not None:
        grad_w = grad_w.xreplace({hs.g: g})
    return geo.w - s_rule(geo.r, hs.L, gg, h_rule(hs.E1, hs.E2, uw, uwt)) * grad_w


def _step_finding(h_rule, s_rule, seed: int, g=None, note: str = "") -> Finding:
    """The GDNP step with these rules against the Rayleigh step ``w − η∇ρ`` (:func:`bntheory.symbolic.ols.rayleigh_step`)."""
    hs = sym_hs.halfspace_symbols(_D)
    v = verify_identity(_gdnp_direction_step(h_rule, s_rule, g), rayleigh_step(_D, hs.L), relations=[hs.geo.relation],
                        domain=hs.domain, points=2, seed=seed)
    return identity_finding(v, instance={"d": _D, "g": "g (free)" if g is None else str(g)},
                            note=note or "the GDNP step differs from the Rayleigh step at this exact point")


@claim("A-lh-h", "A", "Learning halfspace",
       r"h(w_t,\gamma_t)=E_z[\phi'(z^T\tilde w_t)](u^Tw_t)-E_z[\phi''(z^T\tilde w_t)](u^Tw_t)^2"
       r"\ \text{(``the stopping criterion'')}",
       stated=lambda E1, E2, uw, uwt: E1 * uw - E2 * uw**2,
       variants=(lambda E1, E2, uw, uwt: (E1 - E2 * uwt) * uw,       # c₁(w̃)·uᵀw: true
                 lambda E1, E2, uw, uwt: E1 * uw + E2 * uw * uwt),   # sign of the second term flipped: false
       corrected=(r"h(w_t,g_t)=c_1(\tilde w_t)\,u^Tw_t=E_z[\phi'](u^Tw_t)-E_z[\phi''](u^Tw_t)(u^T\tilde w_t)",
                  _H_CONSISTENT))
def a_lh_h(stated, *, fast: bool, seed: int):
    """Does GDNP with the stated ``h`` take the Rayleigh step (MATH.md §4.4, the key identity)?
    The step ``w − s∇_w f(w, g)``, ``s = −‖w‖_S³/(L g h)``, with ``h = stated(E[φ'], E[φ''], uᵀw,
    uᵀw̃)`` and ``∇f = c₁u + c₂Sw̃`` (``E[φ'], E[φ'']`` free), against ``w − η∇ρ(w)``, on the exact
    ladder at ``d = 2``; two readings of the length: a general ``g_t`` (as printed — GDNP's ``g_t``
    is the bisection's output) and ``g_t = ‖w_t‖_S`` (the one length at which the printed
    ``(uᵀw_t)²`` equals ``(uᵀw_t)(uᵀw̃_t)``).  ``h`` is the step's normaliser, not a stopping
    criterion: GDNP stops after ``T_d`` steps.  Article A, "Learning halfspace problem"."""
    hs = sym_hs.halfspace_symbols(_D)
    general = _step_finding(stated, _S_ARTICLE, seed)
    at_norm = _step_finding(stated, _S_ARTICLE, seed, g=hs.geo.r)
    return Finding.from_readings(
        [_finding_reading("general length g_t (as printed)", general),
         _finding_reading("g_t = ||w_t||_S", at_norm)],
        "GDNP direction step vs Rayleigh step, exact ladder at d = 2",
        {"role_of_h": "h normalises the direction step s_t = -||w_t||_S^3/(L g_t h); it is not a stopping "
                      "criterion (GDNP stops after T_d steps)",
         "for_which_g": ("the stated h gives the Rayleigh step exactly when g_t = ||w_t||_S (or u^T w_t = 0)"
                         if at_norm.holds and not general.holds else
                         f"general g: {general.holds}; g = ||w||_S: {at_norm.holds}")})


@claim("A-lh-step", "A", "Learning halfspace",
       r"s_t=-\frac{\|w_t\|_S^3}{Lg_th(w_t,\gamma_t)},\ w_{t+1}=w_t-s_t\nabla_wf(w_t,\gamma_t)",
       stated=_S_ARTICLE,
       variants=(lambda r, L, g, h: -(r**2 / g) * r / (h * L),     # the same, rearranged: true
                 lambda r, L, g, h: -r**2 / (L * g * h)))          # a factor ‖w_t‖_S dropped: false
def a_lh_step(stated, *, fast: bool, seed: int):
    """GDNP's step with the stated ``s_t = stated(‖w_t‖_S, L, g_t, h_t)`` and the consistent
    ``h = c₁(w̃_t)uᵀw_t`` is exactly the Rayleigh step ``w − η∇ρ(w)``, ``η = wᵀSw/(2L|ρ(w)|)``
    (MATH.md §3, §4.4; symbolic ``halfspace.gdnp-equals-rayleigh``), on the exact ladder at
    ``d = 2`` with ``g``, ``L``, ``E[φ']``, ``E[φ'']`` free.  Article A, "Learning halfspace problem"."""
    return _step_finding(_H_CONSISTENT, stated, seed)


# =============================================================================================
# Shared GDNP batteries (memoised)
# =============================================================================================

#: Rescaling (S, u) → (cS, √c u): f_BN and ∂_g f unchanged, the paper's length form shrinks by 1/c.
_RESCALE = 1e8
#: L of the instance where the Euclidean and S⁻¹ norms differ (S rescaled to λ_max(S) = L).
_L_BIG = 100.0


@lru_cache(maxsize=4)
def _length_battery(seed: int, fast: bool) -> tuple:
    """``(label, instance, problem, run)``: logistic, d = 6, κ = 10, ``uᵀS⁻¹u = 0.9``, ``S`` normalised
    to ``λ_max(S) = 1`` (:func:`proofs_check._instances.halfspace`), 8 GDNP steps at ``T_s`` ∈
    {0, 4, …, 20} (``fast``: {0, 8, 16}) from 3 starts (``fast``: 2), and the first start on the
    rescaled instance ``(1e8 S, 1e4 u)``."""
    gen = I.rng(seed, "claims.A-lh-bisect")
    P = I.halfspace(6, 10.0, 0.9, LOGISTIC, gen)
    Pc = GaussianHalfspace(_RESCALE * P.S, math.sqrt(_RESCALE) * P.u, LOGISTIC)
    starts = [gen.standard_normal(6) for _ in range(2 if fast else 3)]
    T_ss = (0, 8, 16) if fast else (0, 4, 8, 12, 16, 20)
    base = {"loss": "logistic", "d": 6, "kappa": 10.0, "uSu": 0.9, "seed": seed, "T_d": 8}
    out = [("normalised", {**base, "lambda_max_S": 1.0, "start": k, "T_s": T_s}, P, gdnp(P, w0, 8, T_s, diagnostics=False))
           for k, w0 in enumerate(starts) for T_s in T_ss]
    out += [("rescaled", {**base, "lambda_max_S": _RESCALE, "rescaled_by": _RESCALE, "start": 0, "T_s": T_s}, Pc,
             gdnp(Pc, starts[0], 8, T_s, diagnostics=False)) for T_s in T_ss]
    return tuple(out)


@lru_cache(maxsize=4)
def _theorem_battery(seed: int, fast: bool) -> tuple:
    """``(label, instance, problem, run)``: the catalog's theorem runs
    (:func:`proofs_check._instances.halfspace_theorem_runs`: logistic, d = 8, κ = 10, ``λ_max(S) = 1``,
    ``uᵀS⁻¹u`` ∈ {0.3, 0.9, 0.99}, ``T_s`` ∈ {12, 40}) and the ``uᵀS⁻¹u = 0.9`` instance rescaled to
    ``λ_max(S) = 100`` at ``T_s = 40`` (the length term negligible there)."""
    out = []
    for uSu, P, r, r_long in I.halfspace_theorem_runs(seed, fast):
        for T_s, run in ((12, r), (40, r_long)):
            out.append(("normalised", {"loss": "logistic", "d": 8, "kappa": 10.0, "uSu": uSu, "lambda_max_S": 1.0,
                                       "T_s": T_s, "T_d": int(run.nit), "seed": seed}, P, run))
    uSu, P = I.THEOREM_USU[1], I.halfspace_theorem_runs(seed, fast)[1][1]
    Pc = GaussianHalfspace(_L_BIG * P.S, math.sqrt(_L_BIG) * P.u, LOGISTIC)
    w0 = I.rng(seed, "claims.theorem-rescaled").standard_normal(8)
    run = gdnp(Pc, w0, 20 if fast else 30, 40)
    out.append(("rescaled", {"loss": "logistic", "d": 8, "kappa": 10.0, "uSu": uSu, "lambda_max_S": _L_BIG,
                             "T_s": 40, "T_d": int(run.nit), "seed": seed}, Pc, run))
    return tuple(out)


def _direction_runs(seed: int, fast: bool) -> list:
    """The ``T_s = 12`` runs of :func:`_theorem_battery` (the direction bound's battery)."""
    return [row for row in _theorem_battery(seed, fast) if row[0] == "normalised" and row[1]["T_s"] == 12]


# =============================================================================================
# A-lh-bisect: the length bound (MATH.md §4.5)
# =============================================================================================


def _length_rows(stated, runs) -> list:
    """``(instance, RateCheck)`` of ``(∂_g f(w_t, a_t^{(T_s)}))² ≤ stated(T_s, ζ, |b⁽⁰⁾ − a⁽⁰⁾|, μ)``."""
    rows = []
    for _, inst, P, r in runs:
        W = np.asarray(r.width0, dtype=float)
        bound = np.where(np.asarray(r.capped, bool), np.nan, stated(inst["T_s"], P.zeta, W, P.mu))
        rows.append(({**inst, "zeta": _f(P.zeta), "mu": _f(P.mu)},
                     check_rate(np.asarray(r.dg) ** 2, bound, floor=bounds.LENGTH_FLOOR)))
    return rows


@claim("A-lh-bisect", "A", "Learning halfspace",
       r"(\partial_\gamma f_{LH}(w_t,a_t^{(T_s)}))^2\le\frac{2^{-T_s}\zeta|b_t^{(0)}-a_t^{(0)}|}{\mu^2}",
       stated=lambda T_s, zeta, W, mu: 2.0 ** -T_s * zeta * W / mu**2,
       variants=(lambda T_s, zeta, W, mu: (zeta * 2.0 ** -T_s * W / mu) ** 2,       # the Lipschitz form, rewritten: true
                 lambda T_s, zeta, W, mu: (zeta / mu) ** 2 * 16.0 ** -T_s * W**2),  # 4^{-T_s} → 16^{-T_s}: false
       corrected=(r"(\partial_\gamma f_{LH}(w_t,a_t^{(T_s)}))^2\le\Big(\frac{\zeta}{\mu}\Big)^2 4^{-T_s}|b_t^{(0)}-a_t^{(0)}|^2",
                  lambda T_s, zeta, W, mu: (zeta / mu) ** 2 * 4.0 ** -T_s * W**2))
def a_lh_bisect(stated, *, fast: bool, seed: int):
    """The bisection bound on the length derivative (MATH.md §4.5) at every GDNP iterate:
    ``(∂_g f(w_t, a_t^{(T_s)}))²`` (the run's ``dg``, the left end of the bracket) against
    ``stated(T_s, ζ, |b_t⁽⁰⁾ − a_t⁽⁰⁾|, μ)`` with the bracket GDNP recorded, ``ζ = β₂L``, floor 1e-20.
    Two readings: as printed, for any scale of ``S`` — the battery includes the instance rescaled by
    ``(S, u) → (1e8 S, 1e4 u)``, which leaves ``f_BN``, ``∂_g f`` and the run unchanged but divides
    the paper's form by 1e8 — and with ``λ_max(S) = 1`` (the catalog's normalisation).  Logistic,
    d = 6, κ = 10, ``uᵀS⁻¹u = 0.9``.  Article A, "Learning halfspace problem"."""
    runs = _length_battery(seed, fast)
    every = _length_rows(stated, runs)
    normalised = [row for row, run in zip(every, runs) if run[0] == "normalised"]
    note = "(d_g f)^2 at the bisection's left end exceeds the stated bound"
    return Finding.from_readings(
        [_finding_reading("as printed (any scale of S; includes (1e8 S, 1e4 u))",
                          _battery_finding(every, "GDNP length searches incl. the rescaled instance", {}, note)),
         _finding_reading("with lambda_max(S) = 1",
                          _battery_finding(normalised, "GDNP length searches, S normalised to lambda_max = 1", {}, note))],
        f"GDNP (8 steps) at T_s in {sorted({r[1]['T_s'] for r in runs})}, floor {bounds.LENGTH_FLOOR:g}",
        {"scale_invariance": "(S, u) -> (cS, sqrt(c) u): f_BN, d_g f, the bracket unchanged; zeta and mu scale by c, so "
                             "the paper's form scales by 1/c and the Lipschitz form (zeta/mu)^2 4^-T_s W^2 is invariant"})


# =============================================================================================
# A-lh-dir, B-lh-phi: the direction bound (MATH.md §4.5)
# =============================================================================================


def _direction_rows(stated, runs, phi_rule) -> list:
    """``(instance, RateCheck)`` of ``‖w_t‖²_S‖∇_w f(w_t, g_t)‖²_{S⁻¹} ≤ stated(t, μ, L, Φ, g_t, ρ(w₀) − ρ*)``
    with ``Φ = phi_rule(run)``; floor ``1e-7·|ρ*|Φ² max g²`` (as :func:`bntheory.bounds.direction_bound`)."""
    rows = []
    for _, inst, P, r in runs:
        Phi = float(phi_rule(P, r))
        g = np.asarray(r.g, dtype=float)
        bound = stated(np.arange(g.size), r.mu, r.L, Phi, g, float(r.gap[0]))
        floor = bounds.REL_FLOOR * abs(r.rho_star) * Phi**2 * float(np.max(g**2))
        rows.append(({**inst, "Phi": Phi, "sup_abs_c1": _f(np.max(np.abs(r.c1)))},
                     check_rate(r.dir_grad_sq, bound, floor=floor)))
    return rows


def _sigmoid_sup_c1() -> float:
    """``max |c₁(g, a)|`` of the sigmoid loss on a grid ``g ∈ [−20, 20]``, ``a ∈ [−0.99, 0.99]``
    (MATH.md §4.5: ≈ 0.293 > sup|φ'| = 1/4)."""
    P = GaussianHalfspace(np.eye(1), [0.5], SIGMOID)
    g, a = np.meshgrid(np.linspace(-20.0, 20.0, 161), np.linspace(-0.99, 0.99, 23))
    _, E1, E2 = P.moments(g.ravel(), a.ravel())
    return _f(np.max(np.abs(E1 - E2 * g.ravel() * a.ravel())))


_DIR_BOUND = lambda t, mu, L, Phi, g, gap0: (1 - mu / L) ** (2 * t) * Phi**2 * g**2 * gap0  # noqa: E731


@claim("A-lh-dir", "A", "Learning halfspace",
       r"\|w_t\|_S^2\|\nabla f_{LH}(w_t,g_t)\|_{S^{-1}}^2\le\Big(1-\frac{\mu}{L}\Big)^{2t}\Phi^2\gamma_t^2(\rho(w_0)-\rho^*)",
       stated=_DIR_BOUND,
       variants=(lambda t, mu, L, Phi, g, gap0: ((L - mu) / L) ** (2 * t) * (Phi * g) ** 2 * gap0,  # rewritten: true
                 lambda t, mu, L, Phi, g, gap0: (1 - mu / L) ** (2 * t + 2) * Phi**2 * g**2 * gap0))  # one step too many: false
def a_lh_dir(stated, *, fast: bool, seed: int):
    """GDNP's direction bound (MATH.md §4.5) at every iterate of the catalog's theorem runs
    (logistic, d = 8, κ = 10, ``λ_max(S) = 1``, ``uᵀS⁻¹u`` ∈ {0.3, 0.9, 0.99}, ``T_s = 12``):
    the run's ``‖w_t‖²_S‖∇_w f‖²_{S⁻¹}`` (``∇_w f`` by the chain rule from the problem's gradient)
    against ``stated(t, μ, L, Φ, g_t, ρ(w₀) − ρ*)``.  The article leaves ``Φ`` undefined; readings:
    ``Φ = sup_t |c₁(w̃_t)|`` along the run (what the proof uses: ``‖w‖²_S‖∇_w f‖²_{S⁻¹} =
    g²c₁²(ρ − ρ*)``) and ``Φ = sup|φ'|`` (a loss constant).  The evidence gives the sigmoid's
    ``max|c₁|`` on a grid: above ``sup|φ'| = 1/4``, but the sigmoid has no finite optimal length
    (MATH.md §4.1), so it is outside the theorem.  Article A, "Learning halfspace problem"."""
    runs = _direction_runs(seed, fast)
    note = "the direction quantity exceeds the stated bound"
    sup_c1 = _battery_finding(_direction_rows(stated, runs, lambda P, r: np.max(np.abs(r.c1))),
                              "GDNP, Phi = sup_t |c1| on the run", {}, note)
    sup_phi1 = _battery_finding(_direction_rows(stated, runs, lambda P, r: P.loss.sup_d1),
                                "GDNP, Phi = sup|phi'| (logistic: 1)", {}, note)
    return Finding.from_readings(
        [_finding_reading("Phi >= sup_t |c1(w~_t)| (the proof's requirement, MATH 4.5)", sup_c1),
         _finding_reading("Phi = sup|phi'| (a constant of the loss)", sup_phi1)],
        "GDNP (T_s = 12) at uSu in [0.3, 0.9, 0.99], every iterate",
        {"sigmoid_max_abs_c1_on_grid": _sigmoid_sup_c1(), "sigmoid_sup_phi_prime": 0.25,
         "sigmoid_note": "|c1| exceeds sup|phi'| for the sigmoid loss, which has no finite optimal length (MATH 4.1): "
                         "outside the theorem's assumptions, so not a counterexample to the Phi = sup|phi'| reading"})


#: "Φ bounds the initial margin": the readings of Φ as an initial quantity of the run.
_PHI_READINGS = (("Phi = the initial margin |a(w_0)| = sqrt(-rho(w_0)) (rho 'measures the margin')",
                  lambda r: abs(r.a[0])),
                 ("Phi = |c1(w~_0)| (the proof's coefficient at the initial point)", lambda r: abs(r.c1[0])))


@claim("B-lh-phi", "B", "Halfspace Learning",
       r"\Phi\ \text{bounds the initial margin, and}\ \rho\ \text{measures the margin}",
       stated=None,
       variants=(lambda r: np.linalg.norm(np.asarray(r.c1), np.inf),   # sup_t |c₁|, written as a max-norm: true
                 lambda r: np.min(np.abs(r.c1))),                       # inf_t |c₁|: false
       corrected=(r"\Phi\ge\sup_t|c_1(\tilde w_t)|\ \text{along the run; }\rho(w)=-\frac{(u^Tw)^2}{w^TSw}",
                  lambda r: np.max(np.abs(r.c1))))
def b_lh_phi(stated, *, fast: bool, seed: int):
    """What ``Φ`` must be for the direction bound of MATH.md §4.5 — the bound Article B's main
    statement uses — on the catalog's theorem runs (logistic, d = 8, κ = 10, ``λ_max(S) = 1``,
    ``T_s = 12``): the bound with ``Φ = stated(run)``.  ``stated = None`` is the article's "``Φ``
    bounds the initial margin", read two ways (:data:`_PHI_READINGS`: the margin as ``ρ`` measures
    it, ``|a(w₀)| = √(−ρ(w₀))``, and the proof's ``|c₁|`` at the initial point).  ``ρ(w) =
    −(uᵀw)²/wᵀSw`` is the generalised Rayleigh quotient (MATH.md §0); "margin" is not defined in
    either article.  Article B, "Halfspace Learning"."""
    runs = _direction_runs(seed, fast)
    note = "the direction quantity exceeds the bound with this Phi"
    rules = _PHI_READINGS if stated is None else (("Phi = stated(run)", stated),)
    readings = [_finding_reading(name, _battery_finding(_direction_rows(_DIR_BOUND, runs, lambda P, r, f=rule: f(r)),
                                                        f"GDNP direction bound, {name}", {}, note))
                for name, rule in rules]
    c1_grew = [bool(np.max(np.abs(r.c1)) > abs(r.c1[0]) * (1 + 1e-12)) for *_, r in runs]
    return Finding.from_readings(
        readings, "GDNP direction bound (T_s = 12) at uSu in [0.3, 0.9, 0.99]",
        {"rho": "rho(w) = -(u^T w)^2 / (w^T S w), the generalised Rayleigh quotient; rho* = -u^T S^-1 u",
         "margin": "not defined in the articles; a(w) = u^T w/||w||_S = -sqrt(-rho) is the normalised correlation",
         "proof_needs": "|c1(w~_t)| <= Phi at every t (MATH 4.5), a quantity along the run, not an initial margin",
         "c1_grew_along_run": c1_grew})


# =============================================================================================
# A-lh-main, B-lh-main: the main theorem (MATH.md §4.5)
# =============================================================================================

_NORMS = {"euclidean": ("Euclidean norm (no subscript, as printed)", "grad_sq"),
          "S_inv": ("S^-1 norm (the proof's, MATH 4.5)", "grad_dual_sq")}


def _theorem_rows(enc, norm: str, runs) -> list:
    """``(instance, RateCheck)`` of ``‖∇_{w̃}f(w̃_t)‖^power ≤ bound(t, μ, L, Φ, ρ(w₀) − ρ*, T_s, ζ,
    |b_t⁽⁰⁾ − a_t⁽⁰⁾|)`` in ``norm``, ``Φ = sup_t |c₁(w̃_t)|``; floor ``max(1e-7|ρ*|Φ², 1e-20)``
    (as :func:`bntheory.bounds.halfspace_bound`), to the power ``power/2``."""
    rows, key = [], _NORMS[norm][1]
    for _, inst, P, r in runs:
        Phi = float(np.max(np.abs(r.c1)))
        t = np.arange(r.g.size)
        bound = enc["bound"](t, r.mu, r.L, Phi, float(r.gap[0]), int(r.T_s), P.zeta, np.asarray(r.width0, float))
        half = enc["power"] / 2
        floor = max(bounds.REL_FLOOR * abs(r.rho_star) * Phi**2, bounds.LENGTH_FLOOR) ** half
        rows.append(({**inst, "norm": norm, "power": enc["power"], "Phi": Phi},
                     check_rate(np.asarray(r[key], float) ** half, bound, floor=floor)))
    return rows


def _theorem_finding(enc, *, fast: bool, seed: int) -> Finding:
    """Every reading of the norm (``enc["norm"] is None``: Euclidean first, as printed) on
    :func:`_theorem_battery`; the evidence gives the length term's share where a reading fails."""
    runs = _theorem_battery(seed, fast)
    norms = ("euclidean", "S_inv") if enc["norm"] is None else (enc["norm"],)
    readings = []
    for norm in norms:
        f = _battery_finding(_theorem_rows(enc, norm, runs), f"GDNP, {_NORMS[norm][0]}", {},
                             "the gradient at w~_t exceeds the stated bound")
        if f.refutation is not None:
            inst = f.refutation.instance
            _, _, P, r = next(x for x in runs if x[1]["T_s"] == inst["T_s"] and x[1]["lambda_max_S"] == inst["lambda_max_S"]
                              and x[1]["uSu"] == inst["uSu"])
            t = inst["t"]
            length = enc["bound"](t, r.mu, r.L, 0.0, 0.0, int(r.T_s), P.zeta, float(r.width0[t]))
            f.refutation.sides["length_term_alone"] = _f(length)
        readings.append(_finding_reading(f"{_NORMS[norm][0]}, power {enc['power']}", f))
    return Finding.from_readings(
        readings, "GDNP at every iterate: logistic d = 8, kappa = 10, uSu in [0.3, 0.9, 0.99] (lambda_max(S) = 1, "
                  f"T_s = 12 and 40) and lambda_max(S) = {_L_BIG:g} (T_s = 40); Phi = sup_t |c1|",
        {"note": "the lambda_max(S) = 100 instance runs at T_s = 40: its length term is negligible, so a failure there "
                 "is the norm's, not the paper length form's scale dependence (length_term_alone in the sides)"})


_MAIN_BOUND = (lambda t, mu, L, Phi, gap0, T_s, zeta, W:  # noqa: E731
               (1 - mu / L) ** (2 * t) * Phi**2 * gap0 + 2.0 ** -T_s * zeta * W / mu**2)


@claim("A-lh-main", "A", "Learning halfspace",
       r"\|\nabla_{\tilde w}f(\tilde w_{T_d})\|^2\le\Big(1-\frac{\mu}{L}\Big)^{2T_d}\Phi^2(\rho(w_0)-\rho^*)"
       r"+\frac{2^{-T_s}\zeta|b_t^{(0)}-a_t^{(0)}|}{\mu^2}",
       stated={"power": 2, "norm": None, "bound": _MAIN_BOUND},
       variants=({"power": 2, "norm": "euclidean",                       # Euclidean with the factor L: true
                  "bound": lambda t, mu, L, *a: L * _MAIN_BOUND(t, mu, L, *a)},
                 {"power": 2, "norm": "S_inv",                           # one direction step too many: false
                  "bound": lambda t, mu, L, Phi, gap0, T_s, zeta, W: _MAIN_BOUND(t + 1, mu, L, Phi, gap0, T_s, zeta, W)}),
       corrected=(r"\|\nabla_{\tilde w}f(\tilde w_{T_d})\|_{S^{-1}}^2\le\Big(1-\frac{\mu}{L}\Big)^{2T_d}\Phi^2(\rho(w_0)-\rho^*)"
                  r"+\frac{2^{-T_s}\zeta|b^{(0)}-a^{(0)}|}{\mu^2},\ \Phi\ge\sup_t|c_1(\tilde w_t)|",
                  {"power": 2, "norm": "S_inv", "bound": _MAIN_BOUND}))
def a_lh_main(stated, *, fast: bool, seed: int):
    """The main halfspace theorem (MATH.md §4.5) at every GDNP iterate ``t`` (a run stopped at
    ``T_d = t``): the run's ``‖∇f(w̃_t)‖²`` (Euclidean, ``grad_sq``) or ``‖∇f(w̃_t)‖²_{S⁻¹}``
    (``grad_dual_sq``) against ``stated["bound"](t, μ, L, Φ, ρ(w₀) − ρ*, T_s, ζ, |b_t⁽⁰⁾ − a_t⁽⁰⁾|)``,
    ``Φ = sup_t |c₁|``.  The article prints no norm subscript: both norms are readings, the
    Euclidean (literal) first; the battery includes ``λ_max(S) = 100`` (``‖v‖² ≤ L‖v‖²_{S⁻¹}``, so the
    norms differ only there) at ``T_s = 40``.  Article A, "Learning halfspace problem"."""
    return _theorem_finding(stated, fast=fast, seed=seed)


@claim("B-lh-main", "B", "Halfspace Learning",
       r"\|\nabla_{\tilde w}f(\tilde w_{T_d})\|\le(1-\mu/L)^{2T_d}\Phi^2(\rho(w_0)-\rho^*)+\text{error term}",
       stated={"power": 1, "norm": None, "bound": _MAIN_BOUND},
       variants=({"power": 2, "norm": "euclidean",                       # squared, Euclidean with the factor L: true
                  "bound": lambda t, mu, L, *a: L * _MAIN_BOUND(t, mu, L, *a)},
                 {"power": 1, "norm": "S_inv", "bound": _MAIN_BOUND}),   # un-squared S⁻¹ norm: false
       corrected=(r"\|\nabla_{\tilde w}f(\tilde w_{T_d})\|_{S^{-1}}^2\le(1-\mu/L)^{2T_d}\Phi^2(\rho(w_0)-\rho^*)"
                  r"+\frac{2^{-T_s}\zeta|b^{(0)}-a^{(0)}|}{\mu^2}",
                  {"power": 2, "norm": "S_inv", "bound": _MAIN_BOUND}))
def b_lh_main(stated, *, fast: bool, seed: int):
    """Article B's main statement: the left side is the *un-squared* norm, with no subscript; the
    "error term" is read as Article A's length term ``2^{−T_s}ζ|b⁽⁰⁾ − a⁽⁰⁾|/μ²``.  Evaluated as
    A-lh-main (same runs, ``Φ = sup_t|c₁|``, every norm reading), with ``‖∇f‖`` compared to the
    right-hand side (MATH.md §4.5 bounds the square).  Article B, "Halfspace Learning"."""
    return _theorem_finding(stated, fast=fast, seed=seed)


# =============================================================================================
# B-lh-rate: strong convexity after BN (MATH.md §2, §3, §4.3)
# =============================================================================================


@lru_cache(maxsize=4)
def _rate_runs(seed: int, fast: bool) -> tuple:
    """GDNP runs on the tight instance of MATH.md §3.1 (logistic, ``S = diag(10, 1)``, ``u`` its top
    eigenvector, ``uᵀS⁻¹u = 0.9``; ratio → ``(1 − μ/L)²``) and on a catalog halfspace (d = 8, κ = 10,
    ``uᵀS⁻¹u = 0.9``), ``T_s = 12``, 25 steps (``fast``: 15)."""
    gen = I.rng(seed, "claims.B-lh-rate")
    T_d = 15 if fast else 25
    tight = tight_problem("halfspace", 10.0, uSu=0.9, loss=LOGISTIC)
    P = I.halfspace(8, 10.0, 0.9, LOGISTIC, gen)
    return (("tight, d = 2, S = diag(10, 1)", tight, gdnp(tight, gen.standard_normal(2), T_d, 12, diagnostics=False)),
            ("d = 8, kappa = 10, uSu = 0.9", P, gdnp(P, gen.standard_normal(8), T_d, 12, diagnostics=False)))


def _strong_convexity(modulus, seed: int):
    """``f_BN(1.5w, g) ≤ ½f_BN(w, g) + ½f_BN(2w, g) − (m/8)‖w‖²`` (μ-strong convexity in ``w`` at
    the midpoint of ``w, 2w``) with ``m = modulus(μ, L)``, exact 1-D quadrature values (MATH.md §4.3)."""
    gen = I.rng(seed, "claims.B-lh-rate.convexity")
    P = I.halfspace(3, 10.0, 0.9, LOGISTIC, gen)
    w, g = gen.standard_normal(3), 1.5
    m = float(modulus(P.mu, P.L))
    vals = [_f(P.f_bn(c * w, g)) for c in (1.0, 2.0, 1.5)]
    rhs = 0.5 * (vals[0] + vals[1]) - m / 8 * float(w @ w)
    inst = {"loss": "logistic", "S": P.S.tolist(), "u": P.u.tolist(), "w": w.tolist(), "g": g, "modulus": m}
    return vals[2] <= rhs, inst, {"lhs_f_bn_at_1.5w": vals[2], "rhs_midpoint_bound": _f(rhs),
                                  "f_bn_at_w": vals[0], "f_bn_at_2w": vals[1]}


@claim("B-lh-rate", "B", "Halfspace Learning",
       r"\text{Post-BN, the effective loss landscape becomes }\mu\text{-strongly convex with an }L\text{-Lipschitz "
       r"gradient, enabling linear convergence at the rate }1-\mu/L\text{ per iteration}",
       stated=(lambda mu, L: mu, lambda mu, L: 1 - mu / L),
       variants=((None, lambda mu, L: 1 - mu / L),             # the rate alone (no convexity claimed): true
                 (None, lambda mu, L: (1 - mu / L) ** 4)),      # the rate squared again: false
       corrected=(r"f_{BN}(cw,g)=f_{BN}(w,g)\ (\text{not strongly convex in }w);\ "
                  r"\frac{\rho(w_{t+1})-\rho^*}{|\rho(w_{t+1})|}\le\Big(1-\frac{\mu}{L}\Big)^2\frac{\rho(w_t)-\rho^*}{|\rho(w_t)|}",
                  (None, lambda mu, L: (1 - mu / L) ** 2)))
def b_lh_rate(stated, *, fast: bool, seed: int):
    """Article B's "Post-BN …" sentence, encoded as ``(modulus(μ, L) or None, rate(μ, L))``:
    (i) ``f_BN(w, g)`` is ``modulus``-strongly convex in ``w`` — tested at the midpoint of ``w`` and
    ``2w`` with exact quadrature values on a logistic halfspace (``f_BN`` is scale-invariant in ``w``,
    MATH.md §2, so the three values are equal); (ii) GDNP's direction iterates converge linearly at
    ``rate`` per step in the Rayleigh gap ratio ``(ρ(w_t) − ρ*)/|ρ(w_t)|`` (MATH.md §3.1, §4.4), at
    every step with ``ρ(w_t) − ρ* > 1e-7|ρ*|``, on the tight instance and a catalog halfspace.
    Article B, "Halfspace Learning"."""
    modulus, rate = stated
    if modulus is not None:
        ok, inst, sides = _strong_convexity(modulus, seed)
        if not ok:
            return Finding.counterexample(
                "strong-convexity midpoint inequality, exact 1-D quadrature values",
                Counterexample(inst, sides, "f_BN(w, g) = f_BN(2w, g) = f_BN(1.5w, g): no positive modulus in w"),
                {"scale_invariance": "f_BN(cw, g) = f_BN(w, g) for c > 0 (MATH 2)"})
    rows = []
    for label, P, r in _rate_runs(seed, fast):
        Q = (np.asarray(r.rho) - r.rho_star) / np.abs(r.rho)
        keep = (np.asarray(r.gap) > bounds.REL_FLOOR * abs(r.rho_star))[1:]
        rows.append(({"instance": label, "mu": _f(P.mu), "L": _f(P.L), "T_s": 12},
                     check_rate(Q[1:][keep], rate(P.mu, P.L) * Q[:-1][keep], floor=0.0)))
    return _battery_finding(rows, "GDNP direction iterates, per-step Rayleigh gap ratio",
                            {"strong_convexity_claimed": modulus is not None},
                            "one step contracts the gap ratio by less than the stated rate")


# =============================================================================================
# A-nn-crit: critical points of the network (MATH.md §6)
# =============================================================================================


def _network_geometry(seed: int):
    """``(S, u, rng)``: d = 3, κ = 4, ``uᵀS⁻¹u = 0.5`` (as tests/test_network.py)."""
    rng = np.random.default_rng(seed)
    S = random_spd(3, 4.0, rng)
    v = rng.standard_normal(3)
    return S, v * math.sqrt(0.5 / float(v @ np.linalg.solve(S, v))), rng


@lru_cache(maxsize=4)
def _dead_unit_critical_point(seed: int) -> dict:
    """A critical point of ``f_NN`` with ``θ = (1, 0)`` (tanh, logistic ``ℓ``): unit 1 at the root of
    ``κ ↦ (S⁻¹u)ᵀ∇_{w̃⁽¹⁾}f(κS⁻¹u)`` (on the line the gradient is ∥ ``u``), unit 2 an arbitrary ``y``
    (``f`` does not depend on it); the gradient by the toolkit's quadrature
    (:meth:`bntheory.problems.OneHiddenLayer.evaluate`), ``β`` by :func:`bntheory.symbolic.mlp.mlp_quadrature`."""
    S, u, rng = _network_geometry(seed)
    theta = np.array([1.0, 0.0])
    net = OneHiddenLayer(S, u, theta, LOGISTIC, n_gl=8, max_panels=30)
    line = np.linalg.solve(S, u)
    phi = lambda k: float(net.grad(np.vstack([k * line, np.zeros(3)]))[0] @ line)  # noqa: E731
    lo = -1.0
    while phi(lo) > 0:
        lo *= 2.0
    k = brentq(phi, lo, 0.0, xtol=1e-12)
    y = rng.standard_normal(3)
    W = np.vstack([k * line, y])
    ev = net.evaluate(W)
    beta = sym_mlp.mlp_quadrature(S, u, W.T, theta, nodes=20).beta
    return {"S": S, "u": u, "theta": theta, "W": W, "grad_norm": _f(np.linalg.norm(ev.grad)),
            "grad_err": _f(np.linalg.norm(ev.grad_err)), "det_beta": _f(np.linalg.det(beta)), "beta_row_2": beta[1].tolist()}


def _suggested_point_gradient(seed: int) -> float:
    """``‖∇f‖`` at ``θ = (1, −1)``, ``w̃⁽¹⁾ = w̃⁽²⁾ = y`` (``F ≡ 0`` there, but not nearby): not critical."""
    S, u, rng = _network_geometry(seed)
    y = rng.standard_normal(3)
    return _f(np.linalg.norm(OneHiddenLayer(S, u, [1.0, -1.0], LOGISTIC, n_gl=8, max_panels=30).grad(np.vstack([y, y]))))


def _nonsingular_zero(line_fn, seed: int) -> dict:
    """At a random instance (:func:`bntheory.symbolic.mlp.mlp_quadrature_instance`, d = 3, m = 2) with
    ``α, β`` of the structure ``G = uαᵀ + ΣW̃β`` (MATH.md §6) and ``det β ≠ 0``: the unique zero
    ``W̃* = −Σ⁻¹uαᵀβ⁻¹`` of ``W̃ ↦ uαᵀ + ΣW̃β``, each column's sine to ``line_fn(S, u)``."""
    S, u, W, theta = sym_mlp.mlp_quadrature_instance(3, 2, seed)
    q = sym_mlp.mlp_quadrature(S, u, W, theta, nodes=40)
    Sigma = S - np.outer(u, u)
    Wstar = -np.outer(np.linalg.solve(Sigma, u), q.alpha) @ np.linalg.inv(q.beta)
    line = line_fn(S, u)
    return {"det_beta": _f(np.linalg.det(q.beta)), "structure_vs_reduction": _f(np.max(np.abs(q.structure - q.reduced))),
            "sines": [_sine(Wstar[:, i], line) for i in range(2)], "S": S.tolist(), "u": u.tolist()}


@claim("A-nn-crit", "A", "Neural networks", r"\hat w^{(i)}=\hat c^{(i)}S^{-1}u,\ \hat c^{(i)}\in R,\ i=1,\dots,m",
       stated={"line": lambda S, u: np.linalg.solve(S, u), "condition": None},
       variants=({"line": lambda S, u: -2.0 * np.linalg.solve(S, u), "condition": "beta nonsingular"},  # true
                 {"line": lambda S, u: np.asarray(u, float), "condition": "beta nonsingular"}),         # ∥ u: false
       corrected=(r"\text{if }[\beta_{ij}]\text{ is nonsingular: }\hat w^{(i)}=\hat c^{(i)}S^{-1}u,\ i=1,\dots,m",
                  {"line": lambda S, u: np.linalg.solve(S, u), "condition": "beta nonsingular"}))
def a_nn_crit(stated, *, fast: bool, seed: int):
    """Every critical point of ``f_NN`` (``θ`` fixed, tanh units, logistic ``ℓ``, ``z ~ N(u, S − uuᵀ)``)
    has every unit on ``stated["line"](S, u)`` — under ``stated["condition"]`` (``None``: always, as
    printed).  (i) A concrete critical point with ``θ = (1, 0)``: unit 1 on ``S⁻¹u``, unit 2 arbitrary
    (``[β_ij]`` singular); it refutes the statement where the condition does not exclude it.
    (ii) With ``det β ≠ 0`` the structure ``G = uαᵀ + ΣW̃β`` (MATH.md §6, checked against the 1-D
    reduction by quadrature) vanishes only at ``W̃* = −Σ⁻¹uαᵀβ⁻¹``, whose columns must lie on the
    stated line.  Article A, "Neural networks"."""
    line_fn = stated["line"]
    cp = _dead_unit_critical_point(seed % 4)
    cp_sines = [_sine(w, line_fn(cp["S"], cp["u"])) for w in cp["W"]]
    critical = cp["grad_norm"] <= max(1e-9, 10 * cp["grad_err"])
    applies = stated["condition"] is None or abs(cp["det_beta"]) > 1e-12
    ev = {"dead_unit_point": {"theta": cp["theta"].tolist(), "grad_norm": cp["grad_norm"], "grad_err": cp["grad_err"],
                              "det_beta": cp["det_beta"], "beta_row_2": cp["beta_row_2"], "unit_sines": cp_sines,
                              "condition_applies": applies},
          "suggested_point_theta_1_minus1_equal_units_grad_norm": _suggested_point_gradient(seed % 4)}
    if critical and applies and max(cp_sines) > 1e-6:
        return Finding.counterexample("critical point of f_NN by the toolkit's quadrature", Counterexample(
            {"S": cp["S"].tolist(), "u": cp["u"].tolist(), "theta": cp["theta"].tolist(), "W_rows_units": cp["W"].tolist(),
             "phi": "tanh", "loss": "logistic"},
            {"grad_norm": cp["grad_norm"], "grad_error_estimate": cp["grad_err"], "unit_sines_to_line": cp_sines},
            "the gradient vanishes but unit 2 is off the line ([beta_ij] singular: theta_2 = 0)"), ev)
    zeros = [_nonsingular_zero(line_fn, seed + k) for k in range(1 if fast else 3)]
    ev["nonsingular_instances"] = zeros
    bad = next((z for z in zeros if max(z["sines"]) > 1e-8), None)
    if bad is None:
        return Finding.confirmed(f"structure G = u alpha^T + Sigma W beta at {len(zeros)} instances with det beta != 0: "
                                 "its zero has every unit on the line; the singular critical point is excluded", ev)
    return Finding.counterexample("zero of the structure with det beta != 0", Counterexample(
        {"S": bad["S"], "u": bad["u"], "det_beta": bad["det_beta"]},
        {"column_sines_to_line": bad["sines"], "tolerance": 1e-8},
        "the critical point W* = -Sigma^-1 u alpha^T beta^-1 is not on the stated line"), ev)


# =============================================================================================
# A-nn-rate: the per-unit bound of the alternating GDNP (MATH.md §6)
# =============================================================================================


@lru_cache(maxsize=2)
def _scheme_units() -> tuple:
    """Units 1 and 2 of the ``1..m`` scheme of tests/test_network.py (θ = (1, 0.5, 0.25), geometry
    seed 1, ``T_s = 20``, unit 3 held at ``g = 0``): unit 1 by 4 GDNP steps, unit 2 to its first
    iterate ``t = 0`` (where that test's ratio 1.0058 sits; the rest of its run costs 2-D quadratures):
    ``((label, problem, run), …)`` and the error estimate ``‖Δ∇_{w̃⁽²⁾}f(w̃₀⁽²⁾)‖_{S⁻¹}`` of unit 2's
    gradient (:meth:`~bntheory.problems.OneHiddenLayer.evaluate`, ``‖grad_err‖/√μ``)."""
    S, u, rng = _network_geometry(1)
    net = OneHiddenLayer(S, u, [1.0, 0.5, 0.25], LOGISTIC, n_gl=8, max_panels=30)
    W0 = rng.standard_normal((3, 3))
    W = np.zeros((3, 3))
    out = []
    for i, T_d in enumerate((4, 0)):
        P = net.unit(i, W)
        r = gdnp(P, W0[i], T_d, 20)
        W[i] = r.x
        out.append((f"unit {i + 1}", P, r))
    return tuple(out), _f(np.linalg.norm(net.evaluate(W).grad_err[1]) / math.sqrt(net.mu))


_C_RULES = {"sup_c1_sq": ("C = sup_t c1^2 (dominates the squared u-coefficient, MATH 6)", bounds.C_from_trace),
            "C_P": ("C = C_P = sup_t ||P grad||^2_S^-1/(rho - rho*) (a-posteriori)", bounds.C_projected_from_trace)}


def _network_rows(bound, rule) -> list:
    """``(instance, RateCheck)`` of ``‖∇_{w̃⁽ⁱ⁾}f‖²_{S⁻¹} ≤ bound(t, μ, L, C, ρ(w₀) − ρ*, T_s, ζ_i, W_t)``."""
    rows = []
    for label, P, r in _scheme_units()[0]:
        C = float(rule(r))
        b = bound(np.arange(r.g.size), r.mu, r.L, C, float(r.gap[0]), int(r.T_s), P.zeta, np.asarray(r.width0, float))
        floor = max(bounds.REL_FLOOR * abs(r.rho_star) * C, bounds.LENGTH_FLOOR)
        rows.append(({"unit": label, "theta": [1.0, 0.5, 0.25], "geometry_seed": 1, "d": 3, "kappa": 4.0, "uSu": 0.5,
                      "T_d": int(r.nit), "T_s": int(r.T_s), "C": C}, check_rate(r.grad_dual_sq, b, floor=floor)))
    return rows


#: The per-unit bound as printed: (1 − μ/L)^{2t} C (ρ(w₀) − ρ*) + 2^{−T_s}ζ|b⁽⁰⁾ − a⁽⁰⁾|/μ².
_UNIT_BOUND = (lambda t, mu, L, C, gap0, T_s, zeta, W:  # noqa: E731
               (1 - mu / L) ** (2 * t) * C * gap0 + 2.0 ** -T_s * zeta * W / mu**2)


@claim("A-nn-rate", "A", "Neural networks",
       r"\|\nabla_{\tilde w^{(i)}}f(\tilde w_t^{(i)})\|_{S^{-1}}^2\le\Big(1-\frac{\mu}{L}\Big)^{2t}C(\rho(w_0)-\rho^*)"
       r"+\frac{2^{-T_s^{(i)}}\zeta|b_t^{(0)}-a_t^{(0)}|}{\mu^2}",
       stated={"C": None, "bound": _UNIT_BOUND},
       variants=({"C": "C_P", "bound": lambda t, mu, L, C, *a: _MAIN_BOUND(t, mu, L, math.sqrt(C), *a)},  # C = Φ²: true
                 {"C": "C_P", "bound": lambda t, mu, L, *a: _UNIT_BOUND(t + 1, mu, L, *a)}),          # one step too many: false
       corrected=(r"\text{the same with }C=\sup_t\|P_t\nabla_{\tilde w^{(i)}}f\|_{S^{-1}}^2/(\rho(w_t)-\rho^*)"
                  r"\ \text{(not }\sup_t\hat c_1^2\text{)}", {"C": "C_P", "bound": _UNIT_BOUND}))
def a_nn_rate(stated, *, fast: bool, seed: int):
    """The per-unit bound of the alternating GDNP (MATH.md §6) on units 1 and 2 of the ``1..m``
    scheme of tests/test_network.py (the instance is fixed: geometry seed 1, θ = (1, 0.5, 0.25),
    ``T_d = (4, 3)``, ``T_s = 20``, ``ζ = ζ_i``): ``‖∇_{w̃⁽ⁱ⁾}f‖²_{S⁻¹}`` against
    ``stated["bound"](t, μ, L, C, ρ(w₀) − ρ*, T_s, ζ, W_t)``.  The article leaves ``C`` unspecified:
    the literal reading is MATH.md §6's candidate, a ``C`` dominating the squared u-coefficient
    (``sup_t ĉ₁²``, :func:`bntheory.bounds.C_from_trace`); the other is the a-posteriori ``C_P``
    (:func:`bntheory.bounds.C_projected_from_trace`).  Article A, "Neural networks"."""
    keys = ("sup_c1_sq", "C_P") if stated["C"] is None else (stated["C"],)
    readings = [_finding_reading(_C_RULES[k][0], _battery_finding(
        _network_rows(stated["bound"], _C_RULES[k][1]), f"alternating GDNP, {_C_RULES[k][0]}", {},
        "unit 2's gradient (a part outside span{u, S w~}) exceeds the bound")) for k in keys]
    err = _scheme_units()[1]
    for _, cex in readings:
        if cex is not None and cex.instance["unit"] == "unit 2":
            cex.sides["excess"] = cex.sides["lhs"] - cex.sides["rhs"]
            cex.sides["quadrature_error_effect"] = 2.0 * math.sqrt(cex.sides["lhs"]) * err
    return Finding.from_readings(
        readings, "alternating GDNP (units in the order 1..m), unit 1 (4 steps) and unit 2 (t = 0), T_s = 20",
        {"why_literal": "the article gives no C; MATH 6 says C must dominate the squared u-coefficient, so its "
                        "candidate sup_t c1^2 is the literal reading",
         "unit_2": "unit 1 after 4 steps is only approximately on S^-1 u, so unit 2's gradient leaves span{u, S w~}"})
