r"""The seed articles' *Procedures*: the BN transform, its chain rule, its cost and inference.

MATH.md §1.1 (forward), §1.2 (the chain rule of Ioffe & Szegedy), §1.3 (the compact form),
§1.4 (inference).  Each formula is transcribed as the article prints it — article A writes the
chain rule with ``∂l/∂y_i`` and ``γ``, article B with ``∂L/∂x̂_j`` — as a general-``m`` SymPy
expression in the symbols of :mod:`bntheory.symbolic.bn`, instantiated at an explicit batch size
by :meth:`~bntheory.symbolic.bn.BNInstance.instantiate` (``∂l/∂x̂``, ``∂l/∂σ_B²``, ``∂l/∂μ_B``
inside a formula become the derived quantities), and decided by the verification ladder against
the derivative that :func:`bntheory.symbolic.bn.forward` obtains by differentiating the forward
definition.  The inference statistics are decided by exact expectations over i.i.d. samples
plus a Monte-Carlo run (z-score against its standard error); the cost statement by counting the
arithmetic operations of the compact backward form.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import sympy as sp

from bntheory.batchnorm import batchnorm_forward
from bntheory.symbolic import bn
from bntheory.symbolic.bn import DELTA, DL_DMU, DL_DVAR, DL_DXHAT, X, beta, eps, gamma, i, k, m, mu_B, var_B
from bntheory.symbolic.verify import verify_identity

from ._ladder import identity_finding
from .core import Counterexample, Finding, claim, literal_reading

#: Explicit batch size of the symbolic claims (default, fast): the proof rung at m = 3, 4 is quick.
_M = {False: 4, True: 3}
#: Exact points after a proof (a cross-check) and, without one, the evidence.
_POINTS = {False: 4, True: 2}
#: Batch sizes at which the inference statistics' expectations are taken exactly.
_M_STATS = (2, 3, 5)
#: A Monte-Carlo mean farther than this many standard errors from its target refutes.
_Z_MAX = 4.0
#: Population of the Monte-Carlo runs: a skewed law (shifted exponential), x = θ·Exp(1) − s.
_THETA, _SHIFT = 2.0, 0.5
_POP_MEAN, _POP_VAR = _THETA - _SHIFT, _THETA**2
#: Exponent tolerance of the operation-count fit (the counts are exact; the tolerance only
#: absorbs the constant term of an affine count at the largest sizes).
_EXP_TOL = 0.05


def _sum(expr: sp.Expr) -> sp.Expr:
    """``Σ_{k=1}^{m} expr`` in :mod:`bntheory.symbolic.bn`'s index convention."""
    return sp.Sum(expr, (k, 1, m))


@lru_cache(maxsize=None)
def _instance(M: int, eps_value=eps) -> bn.BNInstance:
    """The forward pass of one feature at batch size ``M`` and its derivatives (built once)."""
    return bn.forward(M, eps_value)


def _all_of(parts: dict[str, Finding], instance: dict) -> Finding:
    """A statement of several parts holds only if every part holds; each part is reported.

    A refutation carries the first failing part's counterexample (its instance names the part).
    """
    report = {name: {"verdict": "holds" if f.holds else "refuted", "method": f.method, "evidence": f.as_evidence()}
              for name, f in parts.items()}
    methods = sorted({f.method for f in parts.values()})
    failed = [(name, f) for name, f in parts.items() if not f.holds]
    if not failed:
        return Finding.confirmed(f"every part: {', '.join(methods)}", {"instance": instance, "parts": report})
    name, f = failed[0]
    c = f.refutation
    return Finding.counterexample(f"part {name!r} {f.method}",
                                  Counterexample({**c.instance, "part": name}, c.sides, c.note),
                                  {"instance": instance, "parts": report, "refuted_parts": [n for n, _ in failed]})


# ---------------------------------------------------------------------------------------------
# The forward transform (A-bn-forward)
# ---------------------------------------------------------------------------------------------


@claim("A-bn-forward", "A", "Procedures/Transformation",
       r"\hat x_i=\frac{x_i-\mu_B}{\sqrt{\sigma_B^2+\epsilon}}\text{ have zero mean and unit variance, "
       r"if }\epsilon\text{ is not taken into account}",
       stated=(0, 0, 1),
       variants=((eps, 0, var_B / (var_B + eps)),   # the exact moments at every ε: true
                 (eps, 0, 1)),                       # unit variance with ε > 0 kept: false
       corrected=None)
def a_bn_forward(stated, *, fast: bool, seed: int):
    r"""The batch mean and (1/m) variance of ``x̂`` against the claimed pair (MATH.md §1.1).

    ``stated = (ε, mean, variance)``: the value of ``ε`` the claim is made at (0: "if ε is not
    taken into account") and the claimed moments as expressions in ``σ_B²`` and ``ε``.  The
    moments of ``x̂`` are computed from the forward pass at batch size ``m`` (variance with the
    article's divisor ``m``, the same as ``σ_B²``'s) and compared with the ladder, the relation
    ``σ̂² = σ_B² + ε`` applied as in :mod:`bntheory.symbolic.bn`.  Article A, *Procedures /
    Transformation*.
    """
    at_eps, mean_claim, var_claim = (sp.sympify(v) for v in stated)
    inst = _instance(_M[fast], at_eps)
    mean = sum(inst.xhat, sp.Integer(0)) / inst.m
    var = sum(((v - mean) ** 2 for v in inst.xhat), sp.Integer(0)) / inst.m
    values = {var_B: inst.var, eps: inst.eps}
    v = verify_identity([mean, var], [mean_claim.xreplace(values), var_claim.xreplace(values)],
                        relations=[inst.relation], points=_POINTS[fast], seed=seed)
    return identity_finding(v, instance={"m": inst.m, "eps": str(inst.eps)},
                            evidence={"claimed": {"eps": str(at_eps), "mean": str(mean_claim),
                                                  "variance": str(var_claim)},
                                      "variance_divisor": "m (the article's σ_B² convention)"},
                            note="the moments of x̂ (component 0: mean, 1: variance) differ from the claimed ones")


# ---------------------------------------------------------------------------------------------
# The chain rule (A-bp-*, B-bp)
# ---------------------------------------------------------------------------------------------


def _chain_rule_finding(key: str, formula: sp.Expr, *, fast: bool, seed: int) -> Finding:
    r"""The printed ``formula`` (general ``m``) against the derived quantity ``derived[key]``.

    An indexed quantity (``∂l/∂x̂_i``, ``∂l/∂x_i``) is compared component by component.
    """
    inst = _instance(_M[fast])
    derived = inst.derived[key]
    if isinstance(derived, tuple):
        lhs, rhs = list(derived), [inst.instantiate(formula, j) for j in range(1, inst.m + 1)]
    else:
        lhs, rhs = derived, inst.instantiate(formula)
    v = verify_identity(lhs, rhs, relations=[inst.relation], points=_POINTS[fast], seed=seed)
    return identity_finding(v, instance={"m": inst.m, "eps": "symbolic, ≥ 0"},
                            evidence={"printed": sp.latex(formula),
                                      "compared_with": f"sympy.diff of the forward pass ({key})"},
                            note="the printed formula differs from the derivative of the forward definition here")


def _term_zero_finding(term: sp.Expr, value: sp.Expr, *, fast: bool, seed: int) -> Finding:
    """A printed sub-expression ``term`` (general ``m``) against its claimed ``value``."""
    inst = _instance(_M[fast])
    v = verify_identity(inst.instantiate(term), inst.instantiate(sp.sympify(value)), relations=[inst.relation],
                        points=_POINTS[fast], seed=seed)
    return identity_finding(v, instance={"m": inst.m, "eps": "symbolic, ≥ 0"},
                            evidence={"term": sp.latex(term), "claimed_value": str(value)},
                            note="the term does not take the claimed value here")


_SQ = sp.sqrt(var_B + eps)
_MU_SECOND_TERM = DL_DVAR * _sum(-2 * (X[k] - mu_B) / m)   # as article B prints it

#: Article A's chain rule, as printed: ``δ_i = ∂l/∂y_i`` is :data:`~bntheory.symbolic.bn.DELTA`.
A_XHAT = DELTA[i] * gamma
A_GAMMA = _sum(DELTA[k] * bn.XHAT[k])
A_BETA = _sum(DELTA[k])
A_VAR = _sum(DELTA[k] * (X[k] - mu_B) * (-gamma / 2 * (var_B + eps) ** sp.Rational(-3, 2)))
A_MU = _sum(DELTA[k] * (-gamma) / _SQ) + DL_DVAR / m * _sum(-2 * (X[k] - mu_B))
A_X = DL_DXHAT[i] / _SQ + DL_DVAR * 2 * (X[i] - mu_B) / m + DL_DMU / m

#: Article B's chain rule, as printed (``∂L/∂x̂_j`` is :data:`~bntheory.symbolic.bn.DL_DXHAT`):
#: part -> (the derived quantity it defines, or a printed term; the printed right-hand side).
#: ``∂L/∂x̂_i``, ``∂L/∂x_i``, ``∂L/∂γ``, ``∂L/∂β`` are printed exactly as in article A.
B_PARTS = {
    "dL/dxhat_i": ("dl_dxhat", A_XHAT),
    "dL/dx_i": ("dl_dx", A_X),
    "dL/dsigma_B^2": ("dl_dvar",
                      _sum(DL_DXHAT[k] * (X[k] - mu_B) * sp.Rational(-1, 2) / (var_B + eps) ** sp.Rational(3, 2))),
    "dL/dmu_B": ("dl_dmu", _sum(DL_DXHAT[k] * (-1 / _SQ)) + _MU_SECOND_TERM),
    "second term of dL/dmu_B is zero": (_MU_SECOND_TERM, sp.Integer(0)),
    "dL/dgamma": ("dl_dgamma", A_GAMMA),
    "dL/dbeta": ("dl_dbeta", A_BETA),
}


def _a_chain_rule(key: str):
    """The evaluation of one of article A's chain-rule formulas, compared with ``derived[key]``."""

    def evaluate(stated, *, fast: bool, seed: int):
        return _chain_rule_finding(key, stated, fast=fast, seed=seed)

    return evaluate


def _register_a(id_: str, key: str, latex: str, stated: sp.Expr, true_variant: sp.Expr, false_variant: sp.Expr):
    """Register article A's chain-rule formula ``stated`` (claim ``id_``), decided against ``derived[key]``."""
    evaluate = _a_chain_rule(key)
    evaluate.__doc__ = (
        f"Article A's printed ``{latex}`` (*Procedures / Backpropagation*), transcribed in the symbols of "
        f":mod:`bntheory.symbolic.bn`, against ``{key}`` derived by differentiating the forward pass at an "
        "explicit batch size with symbolic ε ≥ 0 (MATH.md §1.1–1.2); decided by the ladder (proof rung, "
        "relation σ̂² = σ_B² + ε).")
    claim(id_, "A", "Procedures/Backpropagation", latex, stated=stated,
          variants=(true_variant, false_variant))(evaluate)


_register_a("A-bp-xhat", "dl_dxhat", r"\partial l/\partial\hat x_i=\partial l/\partial y_i\,\gamma",
            A_XHAT, gamma * DELTA[i], -A_XHAT)
_register_a("A-bp-gamma", "dl_dgamma", r"\partial l/\partial\gamma=\sum_i \partial l/\partial y_i\,\hat x_i",
            A_GAMMA, _sum(DELTA[k] * (X[k] - mu_B) / _SQ), _sum(DELTA[k] * X[k]))
_register_a("A-bp-beta", "dl_dbeta", r"\partial l/\partial\beta=\sum_i \partial l/\partial y_i",
            A_BETA, _sum(DL_DXHAT[k]) / gamma, A_BETA / m)
_register_a("A-bp-var", "dl_dvar",
            r"\partial l/\partial\sigma_B^2=\sum_i \partial l/\partial y_i (x_i-\mu_B)"
            r"(-\frac{\gamma}{2}(\sigma_B^2+\epsilon)^{-3/2})",
            A_VAR, _sum(DL_DXHAT[k] * (X[k] - mu_B) * sp.Rational(-1, 2) * (var_B + eps) ** sp.Rational(-3, 2)),
            A_VAR.xreplace({sp.Rational(-3, 2): sp.Rational(-1, 2)}))
_register_a("A-bp-mean", "dl_dmu",
            r"\partial l/\partial\mu_B=\sum_i \partial l/\partial y_i \frac{-\gamma}{\sqrt{\sigma_B^2+\epsilon}}"
            r"+\frac{\partial l}{\partial\sigma_B^2}\frac1m\sum_i(-2)(x_i-\mu_B)",
            A_MU, _sum(DELTA[k] * (-gamma) / _SQ),                                      # the zero term dropped: true
            _sum(DELTA[k] * gamma / _SQ) + DL_DVAR / m * _sum(-2 * (X[k] - mu_B)))   # sign of the first term: false
_register_a("A-bp-x", "dl_dx",
            r"\partial l/\partial x_i=\frac{\partial l}{\partial\hat x_i}\frac{1}{\sqrt{\sigma_B^2+\epsilon}}"
            r"+\frac{\partial l}{\partial\sigma_B^2}\frac{2(x_i-\mu_B)}{m}+\frac{\partial l}{\partial\mu_B}\frac1m",
            A_X, bn.FORMULAS["compact"], DL_DXHAT[i] / _SQ + DL_DVAR * 2 * (X[i] - mu_B) / m + DL_DMU)


@claim("B-bp", "B", "Procedures/Backpropagation Through Normalization",
       r"\frac{\partial L}{\partial\sigma_B^2}=\sum_j\frac{\partial L}{\partial\hat x_j}\frac{(x_j-\mu_B)(-1/2)}"
       r"{(\sigma_B^2+\epsilon)^{3/2}},\ \frac{\partial L}{\partial\mu_B}=\sum_j\frac{\partial L}{\partial\hat x_j}"
       r"\Big(-\frac{1}{\sqrt{\sigma_B^2+\epsilon}}\Big)"
       r"+\frac{\partial L}{\partial\sigma_B^2}\sum_j\frac{-2(x_j-\mu_B)}{m}"
       r"\text{; the second term evaluates to zero}",
       stated=B_PARTS,
       variants=({**B_PARTS, "dL/dmu_B": ("dl_dmu", _sum(DL_DXHAT[k] * (-1 / _SQ)))},  # the zero term dropped: true
                 {**B_PARTS, "second term of dL/dmu_B is zero":                       # squared deviations: false
                  (DL_DVAR * _sum(-2 * (X[k] - mu_B) ** 2 / m), sp.Integer(0))}))
def b_bp(stated, *, fast: bool, seed: int):
    r"""Article B's chain rule, every printed formula a part (MATH.md §1.2; article B,
    *Backpropagation Through Normalization*): ``∂L/∂x̂_i``, ``∂L/∂x_i``, ``∂L/∂σ_B²``,
    ``∂L/∂μ_B``, ``∂L/∂γ``, ``∂L/∂β`` each against the derivative of the forward pass, and "the
    second term in ``∂L/∂μ_B`` evaluates to zero" as the printed term against the value 0.  The
    claim holds only if every part holds (ladder at an explicit ``m``, symbolic ``ε ≥ 0``)."""
    parts = {}
    for name, (target, formula) in stated.items():
        if isinstance(target, str):
            parts[name] = _chain_rule_finding(target, formula, fast=fast, seed=seed)
        else:
            parts[name] = _term_zero_finding(target, formula, fast=fast, seed=seed)
    return _all_of(parts, {"m": _M[fast], "eps": "symbolic, ≥ 0"})


# ---------------------------------------------------------------------------------------------
# The cost of the backward pass (B-bp-cost)
# ---------------------------------------------------------------------------------------------

#: Batch sizes of the operation count: a doubling range, so that the local exponent is read off.
_COST_SIZES = {False: tuple(2**j for j in range(1, 10)), True: tuple(2**j for j in range(1, 7))}
#: Feature counts at which the d-dependence is read off.
_COST_FEATURES = (1, 2, 4)


@lru_cache(maxsize=None)
def _backward_ops(M: int) -> tuple[int, int]:
    r"""Arithmetic operations of the compact backward form (MATH.md §1.3) for one feature of size ``M``.

    The general-``m`` formula :data:`bntheory.symbolic.bn.FORMULAS` ``["compact"]`` is evaluated as
    a straightforward implementation would: each batch sum ``Σ_k δ_k``, ``Σ_k δ_k x̂_k`` once
    (``sympy.count_ops`` of the sum written out at ``m = M``), then each of the ``M`` components
    with the sums as known values (``count_ops`` of one component).  The forward quantities
    ``x̂``, ``σ̂`` are the forward pass's (cached), ``γ``, ``δ`` inputs.  Returns ``(shared sums
    once, every component recomputing its sums)``: the second count is the cost without reuse.
    """
    compact = bn.FORMULAS["compact"]
    sums = sorted(compact.atoms(sp.Sum), key=sp.default_sort_key)
    once = {s: sp.Symbol(f"S{j}") for j, s in enumerate(sums)}
    sum_ops = [sp.count_ops(s.subs(m, M).doit()) for s in sums]
    component_ops = sp.count_ops(compact.xreplace(once).subs(m, M))
    return sum(sum_ops) + M * component_ops, M * (sum(sum_ops) + component_ops)


def _local_exponent(f, a: int, b: int) -> float:
    """``log(f(b)/f(a)) / log(b/a)``: the growth exponent of ``f`` between ``a`` and ``b``."""
    return math.log(float(f(b)) / float(f(a))) / math.log(b / a)


@claim("B-bp-cost", "B", "Procedures/Backpropagation Through Normalization",
       r"\text{propagating gradients through BN incurs an additional cost of }O(m\cdot d)\text{ per layer}",
       stated=lambda m_, d: m_ * d,
       variants=(lambda m_, d: 7 * m_ * d + 3 * d,     # the same order written differently: true
                 lambda m_, d: m_**2 * d))              # quadratic in the batch size: false
def b_bp_cost(stated, *, fast: bool, seed: int):
    r"""The claimed cost order ``stated(m, d)`` against the operation count of the backward pass.

    The count (:func:`_backward_ops`) is of the compact form of MATH.md §1.3 for one feature,
    times ``d`` features (MATH.md §1.1: each feature is normalised separately); article B,
    *Backpropagation Through Normalization*.  Over a doubling range of ``m`` (and ``d`` =
    1, 2, 4) the growth exponents of the count and of the claimed order are read off at the top of
    the range.  Readings: *the cost is of the stated order* (``Θ``, how a cost statement is
    read: equal exponents) — the literal one — and *big-O as a mere upper bound* (the count's
    exponent not above the claim's).  ``ops/(claimed order)`` is reported over the range.
    """
    sizes = _COST_SIZES[fast]
    a, b = sizes[-2], sizes[-1]
    count = {M: _backward_ops(M)[0] for M in sizes}

    def total(M, d):
        return d * count[M]

    d_lo, d_hi = _COST_FEATURES[0], _COST_FEATURES[-1]
    p_count, p_claim = (_local_exponent(lambda M: f(M, d_lo), a, b) for f in (total, stated))
    q_count, q_claim = (_local_exponent(lambda d: f(b, d), d_lo, d_hi) for f in (total, stated))
    ratios = [float(total(M, d) / stated(M, d)) for M in sizes for d in _COST_FEATURES]
    evidence = {
        "counted": "sympy.count_ops of the compact backward form (MATH.md §1.3), batch sums computed once, "
                   "given the forward pass's x̂ and σ̂; d features cost d times one feature",
        "m": list(sizes), "ops_per_feature": [int(count[M]) for M in sizes],
        "ops_without_reusing_the_sums": [int(_backward_ops(M)[1]) for M in sizes],
        "exponent_in_m": {"count": p_count, "claimed": p_claim, "between": [a, b]},
        "exponent_in_d": {"count": q_count, "claimed": q_claim, "between": [d_lo, d_hi]},
        "ops_over_claimed": {"min": min(ratios), "max": max(ratios)},
    }
    instance = {"m": [a, b], "d": [d_lo, d_hi]}
    sides = {"count_exponent_m": p_count, "claimed_exponent_m": p_claim, "count_exponent_d": q_count,
             "claimed_exponent_d": q_claim}
    tight = abs(p_count - p_claim) <= _EXP_TOL and abs(q_count - q_claim) <= _EXP_TOL
    bound = p_count <= p_claim + _EXP_TOL and q_count <= q_claim + _EXP_TOL
    other_order = Counterexample(instance, sides, "the counted cost grows with another exponent")
    faster = Counterexample(instance, sides, "the counted cost grows faster than the claim")
    readings = [
        literal_reading("the cost is of the stated order (Θ)", tight, {"tolerance": _EXP_TOL},
                        None if tight else other_order),
        literal_reading("big-O as an upper bound only", bound, {"tolerance": _EXP_TOL}, None if bound else faster),
    ]
    return Finding.from_readings(readings, f"exact operation count at m = {sizes[0]}..{b} (doubling), "
                                           f"growth exponents compared (tolerance {_EXP_TOL})", evidence)


# ---------------------------------------------------------------------------------------------
# Inference: the population statistics (A-inf-stats, B-inf) and the inference map (A-inf-map)
# ---------------------------------------------------------------------------------------------

_POP_MEAN_S, _POP_VAR_S = sp.Symbol("mu_x"), sp.Symbol("tau2", positive=True)   # E[x], Var[x]


def _batch_stats(M: int, T: int) -> tuple[tuple, tuple, tuple]:
    """``T`` batches of ``M`` fresh i.i.d. symbols: the symbols and each batch's ``μ_B``, ``σ_B²``."""
    xs = sp.symbols(f"x1:{M * T + 1}")
    progs = [bn.forward_program(xs[t * M:(t + 1) * M]) for t in range(T)]
    return xs, tuple(p.values[bn.MU_T] for p in progs), tuple(p.values[bn.VAR_T] for p in progs)


def _expectation(poly: sp.Expr, xs) -> sp.Expr:
    """``E[poly]`` for i.i.d. ``x`` with mean ``μ_x`` and variance ``τ²`` (MATH.md §1.4)."""
    moments = [sp.Integer(1), _POP_MEAN_S, _POP_MEAN_S**2 + _POP_VAR_S]
    return bn._expectation_iid(poly, xs, moments)


def _symbolic_unbiasedness(expected_pairs: dict, *, fast: bool, seed: int) -> Finding:
    """The claimed (mean, variance) expectations at each batch size against ``(μ_x, τ²)``."""
    lhs = [list(pair) for pair in expected_pairs.values()]
    rhs = [[_POP_MEAN_S, _POP_VAR_S] for _ in expected_pairs]
    v = verify_identity(lhs, rhs, points=_POINTS[fast], seed=seed)
    expectations = {str(M): [str(e) for e in pair] for M, pair in expected_pairs.items()}
    return identity_finding(v, instance={"m": list(expected_pairs),
                                         "law": "any i.i.d. law with mean μ_x, variance τ²"},
                            evidence={"expectations": expectations},
                            note="the estimator's exact expectation (component [m index, 0: mean, 1: variance]) "
                                 "differs from (E[x], Var[x])")


def _monte_carlo(estimator, M: int, T: int, reps: int, seed: int) -> dict:
    r"""``reps`` draws of ``estimator(μ_B^1..μ_B^T, σ_B^{2,1}..σ_B^{2,T})`` on a shifted exponential law.

    The batch statistics are those of :func:`bntheory.batchnorm.batchnorm_forward` (one column per
    batch); each estimate's mean over the draws is compared with the population value by its
    z-score (standard error = sample standard deviation / sqrt(reps)).
    """
    rng = np.random.default_rng(seed)
    x = _THETA * rng.exponential(size=(M, reps * T)) - _SHIFT
    _, cache = batchnorm_forward(x, np.ones(reps * T), np.zeros(reps * T))
    mus, vs = cache.mean.reshape(reps, T).T, cache.var.reshape(reps, T).T
    out = {}
    for name, values, target in zip(("mean", "variance"), estimator(mus, vs), (_POP_MEAN, _POP_VAR)):
        values = np.broadcast_to(np.asarray(values, dtype=float), (reps,))
        se = float(values.std(ddof=1) / math.sqrt(reps))
        est = float(values.mean())
        out[name] = {"estimate": est, "population": target, "standard_error": se, "z": (est - target) / se}
    return out


def _mc_finding(mc: dict, instance: dict) -> Finding | None:
    """A refutation when a Monte-Carlo mean is more than :data:`_Z_MAX` standard errors off."""
    for name, r in mc.items():
        if abs(r["z"]) > _Z_MAX:
            return Finding.counterexample(
                f"Monte Carlo, |z| > {_Z_MAX}",
                Counterexample({**instance, "statistic": name},
                               {"estimate": r["estimate"], "population": r["population"], "z": r["z"]},
                               f"the estimator's mean is {r['z']:.1f} standard errors from the population value"))
    return None


def _decide_statistics(symbolic: Finding, mc: dict, instance: dict, extra: dict | None = None) -> Finding:
    """Holds when the exact expectation matches and the Monte-Carlo means are within :data:`_Z_MAX` SE."""
    evidence = {**symbolic.as_evidence(), "monte_carlo": {**instance, "results": mc, "z_max": _Z_MAX}, **(extra or {})}
    evidence.pop("counterexample", None)
    if not symbolic.holds:
        return Finding.counterexample(f"exact expectation {symbolic.method}", symbolic.refutation, evidence)
    mc_refutation = _mc_finding(mc, instance)
    if mc_refutation is not None:
        return Finding.counterexample(mc_refutation.method, mc_refutation.refutation, evidence)
    z = max(abs(r["z"]) for r in mc.values())
    return Finding.confirmed(f"exact expectation {symbolic.method} at m = {list(_M_STATS)}; Monte Carlo "
                             f"max |z| = {z:.2f} ≤ {_Z_MAX}", evidence)


_MC_BATCHES = {False: 40000, True: 8000}


@claim("A-inf-stats", "A", "Procedures/Inference",
       r"E[x]=E_B[\mu_B],\quad \operatorname{Var}[x]=\frac{m}{m-1}E_B[\sigma_B^2]",
       stated=lambda M, e_mu, e_var: (e_mu, sp.Rational(M, M - 1) * e_var),
       variants=(lambda M, e_mu, e_var: (e_mu, e_var / (1 - sp.Rational(1, M))),   # the same factor rewritten: true
                 lambda M, e_mu, e_var: (e_mu, e_var)))                             # the biased variance: false
def a_inf_stats(stated, *, fast: bool, seed: int):
    r"""The population statistics from the batch statistics (MATH.md §1.4; article A, *Inference*).

    ``stated(m, E_B[μ_B], E_B[σ_B²])`` gives the claimed ``(E[x], Var[x])``.  Exactly: the
    expectations ``E_B[μ_B]``, ``E_B[σ_B²]`` over a batch of ``m`` i.i.d. samples (mean ``μ_x``,
    variance ``τ²``, any law) are taken symbolically at ``m`` = 2, 3, 5 and substituted; the
    claim must give back ``(μ_x, τ²)`` (ladder).  Monte Carlo: the same with ``E_B`` replaced by
    the average over many batches of a skewed law, z-score against its standard error (the spread
    of the per-batch values, exact for the affine forms encoded here).
    """
    expected = {}
    for M in _M_STATS:
        xs, (mu,), (var,) = _batch_stats(M, 1)
        expected[M] = stated(M, _expectation(mu, xs), _expectation(var, xs))
    M, n = _M[fast], _MC_BATCHES[fast]
    e_mu, e_var = sp.symbols("e_mu e_var")
    per_batch = sp.lambdify((e_mu, e_var), stated(M, e_mu, e_var), "numpy")
    mc = _monte_carlo(lambda mus, vs: per_batch(mus[0], vs[0]), M, 1, n, seed)
    return _decide_statistics(_symbolic_unbiasedness(expected, fast=fast, seed=seed), mc,
                              {"m": M, "batches": n, "law": f"{_THETA}·Exp(1) − {_SHIFT}"})


#: Number of training batches ``T`` of the symbolic check and of the Monte-Carlo estimator.
_T_SYMBOLIC, _T_MC = 2, 10
_MC_REPS = {False: 6000, True: 1500}


@claim("B-inf", "B", "Procedures/Inference Phase",
       r"\mu\approx\frac1T\sum_{t=1}^T\mu_B^t,\quad \sigma^2\approx\frac{m}{m-1}\frac1T\sum_{t=1}^T\sigma_B^{2,t}"
       r"\text{ (unbiased, neglecting the variance of the batch means)}",
       stated=lambda M, mus, vs: (sum(mus) / len(mus), sp.Rational(M, M - 1) * sum(vs) / len(vs)),
       variants=(lambda M, mus, vs: (sum(mus) / len(mus), sum(vs) * M / (len(vs) * (M - 1))),  # rewritten: true
                 lambda M, mus, vs: (sum(mus) / len(mus), sum(vs) / len(vs))))                 # no m/(m−1): false
def b_inf(stated, *, fast: bool, seed: int):
    r"""Unbiasedness of the inference estimators over ``T`` training batches (MATH.md §1.4;
    article B, *Inference Phase*).

    ``stated(m, (μ_B^t), (σ_B^{2,t}))`` gives the claimed estimates of ``(μ, σ²)``.  Exactly:
    their expectation over ``T = 2`` batches of ``m`` i.i.d. samples (any law with mean ``μ_x``,
    variance ``τ²``) at ``m`` = 2, 3, 5, against ``(μ_x, τ²)`` (ladder).  Monte Carlo: the
    estimator over ``T = 10`` batches, redrawn many times, z-score of its mean.  The article's
    parenthetical ("neglecting the typically small variance of the batch means") is checked in
    the evidence: the exact bias is computed next to ``Var[μ_B] = E[μ_B²] − E[μ_B]²``.
    """
    expected, neglected = {}, {}
    for M in _M_STATS:
        xs, mus, vs = _batch_stats(M, _T_SYMBOLIC)
        est_mean, est_var = stated(M, mus, vs)
        expected[M] = (_expectation(est_mean, xs), _expectation(est_var, xs))
        var_mu = sp.factor(_expectation(mus[0] ** 2, xs) - _expectation(mus[0], xs) ** 2)
        bias = sp.factor(expected[M][1] - _POP_VAR_S)
        neglected[str(M)] = {"exact_bias": str(bias), "Var[mu_B]": str(var_mu), "bias_is_zero": bool(bias == 0),
                             "bias_is_minus_Var[mu_B]": bool(sp.expand(bias + var_mu) == 0)}
    M, reps = _M[fast], _MC_REPS[fast]
    mu_s, v_s = sp.symbols(f"mu1:{_T_MC + 1}"), sp.symbols(f"v1:{_T_MC + 1}")
    fn = sp.lambdify((mu_s, v_s), stated(M, mu_s, v_s), "numpy")
    mc = _monte_carlo(fn, M, _T_MC, reps, seed)
    return _decide_statistics(_symbolic_unbiasedness(expected, fast=fast, seed=seed), mc,
                              {"m": M, "T": _T_MC, "draws": reps, "law": f"{_THETA}·Exp(1) − {_SHIFT}"},
                              {"neglected_variance_of_batch_means": neglected})


_X_IN, _E_X, _V_X = sp.Symbol("x"), sp.Symbol("E_x"), sp.Symbol("V_x", positive=True)


def _batch_normalized(x, others, e_x, v_x):
    """The training-mode output for ``x`` with its batch's statistics (``x`` and ``others``)."""
    prog = bn.forward_program((x, *others))
    return gamma * (x - prog.values[bn.MU_T]) / sp.sqrt(prog.values[bn.VAR_T] + eps) + beta


@claim("A-inf-map", "A", "Procedures/Inference",
       r"y=\gamma\frac{x-E[x]}{\sqrt{\operatorname{Var}[x]+\epsilon}}+\beta\text{: ``essentially applying a "
       r"linear transform''}",
       stated=lambda x, others, e_x, v_x: gamma * (x - e_x) / sp.sqrt(v_x + eps) + beta,
       variants=(lambda x, others, e_x, v_x: gamma / sp.sqrt(v_x + eps) * x + (beta - gamma * e_x / sp.sqrt(v_x + eps)),
                 _batch_normalized))   # the batch statistics in place of the population ones: false
def a_inf_map(stated, *, fast: bool, seed: int):
    r"""The inference transform as a map of one input (MATH.md §1.4; article A, *Inference*).

    ``stated(x, others, E[x], Var[x])`` is the output for input ``x`` when the other members of
    its batch are ``others``.  What is checkable: with ``γ, β, E[x], Var[x]`` held fixed, the
    output is a *fixed* map of ``x`` alone (``∂y/∂x_j = 0`` for the other batch members) and
    affine (``∂²y/∂x² = 0``), decided by the ladder; the slope and offset are reported.  The values
    of the statistics are A-inf-stats's business.  Readings of "essentially applying a linear
    transform": a fixed affine map (linear up to the constant offset — the literal reading, given
    "essentially"), and strictly linear (also ``y(0) = 0``).
    """
    others = sp.symbols(f"x2:{_M[fast] + 1}")
    y = stated(_X_IN, others, _E_X, _V_X)
    ladder = dict(points=_POINTS[fast], seed=seed)
    fixed = identity_finding(
        verify_identity([sp.diff(y, _X_IN, 2), *(sp.diff(y, o) for o in others)], [0] * (1 + len(others)), **ladder),
        instance={"batch": [str(s) for s in (_X_IN, *others)]},
        note="component 0: ∂²y/∂x² ≠ 0 (not affine); component j ≥ 1: y depends on the batch member x_{j+1}")
    at_zero = y.subs(_X_IN, 0)
    linear = identity_finding(verify_identity(at_zero, 0, **ladder), instance={"x": 0},
                              note="y(0) ≠ 0: an affine map with an offset, not a linear one")
    strict = fixed.holds and linear.holds
    readings = [
        literal_reading("a fixed affine map of x ('essentially' linear)", fixed.holds, fixed.as_evidence(),
                        fixed.refutation),
        literal_reading("strictly linear (also y(0) = 0)", strict, linear.as_evidence(),
                        None if strict else (fixed.refutation or linear.refutation)),
    ]
    affine_map = {"slope": str(sp.diff(y, _X_IN)), "offset": str(at_zero)} if fixed.holds else {}
    evidence = {**affine_map,
                "checked": "y depends on x alone (not on the other batch members) and ∂²y/∂x² = 0, with γ, β, "
                           "E[x], Var[x], ε fixed symbols"}
    return Finding.from_readings(readings, f"the ladder on ∂²y/∂x² and ∂y/∂x_j (batch of {len(others) + 1}): "
                                           f"{fixed.method}", evidence)
