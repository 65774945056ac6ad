r"""The Batch Normalizing transform, derived from its definition and verified (MATH.md §1).

The forward pass of Ioffe & Szegedy (2015, Algorithm 1) is built for an explicit batch size ``m``
and differentiated with SymPy.  Each formula of MATH.md §1.2–1.4 is written once, for a general
``m``, with :class:`sympy.Indexed` entries and :class:`sympy.Sum` — that one expression is both
printed as LaTeX and instantiated at the explicit size, so the formula shown is the formula checked.

How the derivative is taken
    The upstream gradient ``δ_i = ∂ℓ/∂y_i`` enters through the surrogate loss
    ``ℓ = Σ_j δ_j y_j`` (its gradient with respect to anything upstream of ``y`` is the
    vector–Jacobian product with ``δ``, which is all backpropagation computes).  The intermediate
    partial derivatives of Ioffe & Szegedy's chain rule are taken in their computational graph:
    ``ℓ(x̂)``, then ``ℓ(x, μ_B, σ_B²)`` with ``x̂ = (x − μ_B)/sqrt(σ_B² + ε)``, then
    ``ℓ(x, μ_B)`` with ``σ_B² = (1/m)Σ(x_i − μ_B)²``, then ``ℓ(x)`` with ``μ_B = (1/m)Σ x_i``.

How it is verified
    With ``σ̂² = σ_B² + ε`` eliminated in ``ε`` (:class:`~bntheory.symbolic.verify.Relation`),
    every identity is a rational-function identity: the proof rung is exact.  Exact rational
    points keep ``σ̂`` rational.  For ``ε = 0`` the relation ``σ̂² = σ_B²`` is applied by
    polynomial remainder and points use exact square roots.

References
----------
S. Ioffe, C. Szegedy, *Batch Normalization: Accelerating Deep Network Training by Reducing
Internal Covariate Shift*, ICML 2015, Algorithms 1–2 and §3.1.

Examples
--------
>>> d = derivations(m=3, names=["bn.backward.compact"])[0]
>>> d.verification.status, [c.rejected for c in d.controls]
('proved', [True, True, True])
>>> print(formula_latex("compact"))
\frac{\partial \ell}{\partial x_{i}} = \frac{\gamma \left(m {\delta}_{i} - {\hat{x}}_{i} \sum_{k=1}^{m} {\delta}_{k} {\hat{x}}_{k} - \sum_{k=1}^{m} {\delta}_{k}\right)}{\hat{\sigma} m}
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Iterator, Sequence

import sympy as sp

from ..errors import BatchSizeError, EpsilonError, ParameterError, ShapeMismatchError
from .derivation import Derivation, derive
from .program import Program
from .verify import Relation

SECTION = "MATH.md §1"

# ---------------------------------------------------------------------------------------------
# General-m symbols (the statements)
# ---------------------------------------------------------------------------------------------

m = sp.Symbol("m", integer=True, positive=True)
i, k = sp.symbols("i k", integer=True, positive=True)
X = sp.IndexedBase("x")
DELTA = sp.IndexedBase(r"\delta")
XHAT = sp.IndexedBase(r"\hat{x}")
DL_DXHAT = sp.IndexedBase(r"\frac{\partial \ell}{\partial \hat{x}}")
gamma, beta = sp.symbols(r"gamma beta")
eps = sp.Symbol(r"epsilon", nonnegative=True)
mu_B = sp.Symbol(r"\mu_B")
var_B = sp.Symbol(r"\sigma_B^2")
sigma_hat = sp.Symbol(r"\hat{\sigma}", positive=True)
DL_DVAR = sp.Symbol(r"\frac{\partial \ell}{\partial \sigma_B^2}")
DL_DMU = sp.Symbol(r"\frac{\partial \ell}{\partial \mu_B}")


def _sum(expr):
    return sp.Sum(expr, (k, 1, m))


#: The formulas of MATH.md §1.2–1.3, as general-m right-hand sides (component index ``i``).
FORMULAS = {
    "dl_dxhat": DELTA[i] * gamma,
    "dl_dvar": _sum(DL_DXHAT[k] * (X[k] - mu_B) * sp.Rational(-1, 2) * (var_B + eps) ** sp.Rational(-3, 2)),
    "dl_dmu": _sum(DL_DXHAT[k] * (-1 / sp.sqrt(var_B + eps))) + DL_DVAR * _sum(-2 * (X[k] - mu_B)) / m,
    "dl_dx": DL_DXHAT[i] / sp.sqrt(var_B + eps) + DL_DVAR * 2 * (X[i] - mu_B) / m + DL_DMU / m,
    "dl_dgamma": _sum(DELTA[k] * XHAT[k]),
    "dl_dbeta": _sum(DELTA[k]),
    "compact": gamma / (m * sigma_hat) * (m * DELTA[i] - _sum(DELTA[k]) - XHAT[i] * _sum(DELTA[k] * XHAT[k])),
}

_LHS_LATEX = {
    "dl_dxhat": r"\frac{\partial \ell}{\partial \hat{x}_{i}}",
    "dl_dvar": r"\frac{\partial \ell}{\partial \sigma_B^2}",
    "dl_dmu": r"\frac{\partial \ell}{\partial \mu_B}",
    "dl_dx": r"\frac{\partial \ell}{\partial x_{i}}",
    "dl_dgamma": r"\frac{\partial \ell}{\partial \gamma}",
    "dl_dbeta": r"\frac{\partial \ell}{\partial \beta}",
    "compact": r"\frac{\partial \ell}{\partial x_{i}}",
}


def formula_latex(name: str) -> str:
    """LaTeX of the general-``m`` formula ``name`` (a key of :data:`FORMULAS`)."""
    if name not in FORMULAS:
        raise ParameterError(f"unknown BN formula {name!r}; known: {sorted(FORMULAS)}")
    return f"{_LHS_LATEX[name]} = {sp.latex(FORMULAS[name])}"


# ---------------------------------------------------------------------------------------------
# Explicit-size forward pass and its derivatives
# ---------------------------------------------------------------------------------------------


def _check_m(m_value: int, name: str = "m") -> int:
    if isinstance(m_value, bool) or not isinstance(m_value, int):
        raise BatchSizeError(f"batch size {name} must be an integer, got {name} = {m_value!r}")
    if m_value < 2:
        raise BatchSizeError(
            f"batch size {name} = {m_value} < 2: the batch variance is identically 0 and BN is undefined"
        )
    return m_value


def _check_eps(eps_value) -> sp.Expr:
    e = sp.sympify(eps_value)
    if e.is_Symbol:
        if not e.is_nonnegative:
            raise EpsilonError(f"symbolic ε must be declared nonnegative, got {e!r}")
        return e
    if not e.is_Rational:
        raise EpsilonError(f"ε must be a symbol or an exact rational, got ε = {eps_value!r}")
    if e < 0:
        raise EpsilonError(f"ε must be ≥ 0, got ε = {e}")
    return e


@lru_cache(maxsize=256)
def _expand_sums(expr: sp.Expr, M: int) -> sp.Expr:
    """``expr`` with ``m = M`` and every ``Σ_k`` written out (shared by all components)."""
    return expr.subs(m, M).doit()


@dataclass(frozen=True)
class BNInstance:
    r"""The forward pass of one BN feature at batch size ``m`` and its derived gradients.

    Attributes
    ----------
    m : int
    eps : sympy.Expr
        ``ε`` (the symbol :data:`eps`, or an exact rational such as 0).
    x, delta : tuple of sympy.Symbol
        Inputs ``x_1..x_m`` and upstream gradients ``δ_1..δ_m``.
    mu, var : sympy.Expr
        ``μ_B`` and the biased ``σ_B²`` as polynomials in ``x``.
    sigma_hat : sympy.Expr
        ``sqrt(σ_B² + ε)``.
    xhat, y : tuple of sympy.Expr
        Normalised values and outputs.
    relation : Relation
        ``σ̂² = σ_B² + ε`` (solved for ``ε`` when ``ε`` is symbolic).
    derived : dict
        Derivatives obtained with ``sympy.diff``: ``dl_dxhat`` (tuple), ``dl_dvar``, ``dl_dmu``,
        ``dl_dx`` (tuple), ``dl_dgamma``, ``dl_dbeta``.
    """

    m: int
    eps: sp.Expr
    x: tuple
    delta: tuple
    mu: sp.Expr
    var: sp.Expr
    sigma_hat: sp.Expr
    xhat: tuple
    y: tuple
    relation: Relation
    derived: dict

    def instantiate(self, expr: sp.Expr, index: int | None = None) -> sp.Expr:
        """Turn a general-``m`` expression of this module into its explicit-size form.

        ``index`` (1-based) fixes the free component index ``i``.  Sums are expanded, ``x_k``,
        ``δ_k``, ``x̂_k`` and ``∂ℓ/∂x̂_k`` become this instance's values, and ``μ_B``, ``σ_B²``,
        ``σ̂`` their definitions.
        """
        e = _expand_sums(expr, self.m)
        tables = {X: self.x, DELTA: self.delta, XHAT: self.xhat, DL_DXHAT: self.derived["dl_dxhat"]}

        mapping = {
            mu_B: self.mu,
            var_B: self.var,
            sigma_hat: self.sigma_hat,
            DL_DVAR: self.derived["dl_dvar"],
            DL_DMU: self.derived["dl_dmu"],
            eps: self.eps,
        }
        for ind in e.atoms(sp.Indexed):
            j = ind.indices[0]
            if j == i:
                if index is None:
                    raise ParameterError(f"{expr} has the free index i: give index=")
                j = index
            j = int(j)
            if not 1 <= j <= self.m:
                raise ParameterError(f"index {j} outside 1..m = {self.m}")
            mapping[ind] = tables[ind.base][j - 1]
        # One simultaneous substitution on the small general expression: the (large) values are
        # shared, never walked.
        return e.xreplace(mapping)

    def component(self, name: str, index: int | None = None) -> sp.Expr:
        """The formula ``name`` of :data:`FORMULAS` at this size (component ``index`` if indexed)."""
        if name not in FORMULAS:
            raise ParameterError(f"unknown BN formula {name!r}; known: {sorted(FORMULAS)}")
        return self.instantiate(FORMULAS[name], index)

    def vector(self, name: str) -> list:
        """All ``m`` components of an indexed formula."""
        return [self.component(name, j) for j in range(1, self.m + 1)]


MU_T, VAR_T = sp.symbols("mu_t var_t")  # names of the intermediates in the forward program


def forward_program(batch: Sequence[sp.Expr]) -> Program:
    r"""The batch statistics of MATH.md §1.1 as a straight-line program.

    ``μ_B = (1/m)Σ x_k`` and ``σ_B² = (1/m)Σ (x_k − μ_B)²`` (named :data:`MU_T`, :data:`VAR_T`);
    differentiate expressions of ``x``, ``μ_B``, ``σ_B²`` with :meth:`Program.derivative`.
    """
    M = len(batch)
    return Program(
        [
            (MU_T, sum(batch, sp.Integer(0)) / M),
            (VAR_T, sum(((v - MU_T) ** 2 for v in batch), sp.Integer(0)) / M),
        ]
    )


def forward(m_value: int, eps_value=eps, *, inputs: Sequence[sp.Expr] | None = None) -> BNInstance:
    r"""Build the training-mode forward pass of one feature and differentiate it (MATH §1.1–1.2).

    Parameters
    ----------
    m_value : int
        Batch size ``m ≥ 2``.
    eps_value : sympy.Symbol or rational, default the nonnegative symbol ``ε``
    inputs : sequence of sympy.Expr, optional
        The batch ``x_1..x_m`` (default: fresh symbols).  Passing expressions (e.g. ``a·x_i`` or
        ``wᵀu_i``) builds the pass on them; the derivatives in ``derived`` are then still with
        respect to the default-named symbols only when ``inputs`` is None.

    Raises
    ------
    BatchSizeError
        ``m < 2`` (the batch variance is identically zero).
    EpsilonError
        ``ε < 0``, or a symbolic ``ε`` not declared nonnegative.
    ShapeMismatchError
        ``len(inputs) != m``.
    """
    M = _check_m(m_value)
    e = _check_eps(eps_value)
    xs = tuple(sp.symbols(f"x1:{M + 1}"))
    ds = tuple(sp.symbols(f"delta1:{M + 1}"))
    batch = xs if inputs is None else tuple(sp.sympify(v) for v in inputs)
    if len(batch) != M:
        raise ShapeMismatchError(f"inputs must have m = {M} entries, got {len(batch)}")
    prog = forward_program(batch)
    mu, var = prog.values[MU_T], prog.values[VAR_T]
    sh = sp.sqrt(var + e)
    xhat = tuple((v - mu) / sh for v in batch)
    y = tuple(gamma * v + beta for v in xhat)
    # The loss ℓ = Σ δ_j y_j in terms of the program's intermediates.
    loss_p = sum((d * (gamma * (v - MU_T) / sp.sqrt(VAR_T + e) + beta) for d, v in zip(ds, batch)), sp.Integer(0))

    # The computational graph of Ioffe & Szegedy: independent symbols for x̂, μ_B and σ_B².
    xh_s = sp.symbols(f"xh1:{M + 1}")
    mu_s, var_s = sp.Symbol("mu_s"), sp.Symbol("var_s")
    L1 = sum((d * (gamma * v + beta) for d, v in zip(ds, xh_s)), sp.Integer(0))
    L2 = L1.xreplace({v: (b - mu_s) / sp.sqrt(var_s + e) for v, b in zip(xh_s, batch)})
    # σ_B² as a function of x and μ_B: ∂ℓ/∂μ_B is the total derivative through it.
    var_of_mu = Program([(var_s, sum(((b - mu_s) ** 2 for b in batch), sp.Integer(0)) / M)])
    at_batch = {mu_s: mu, var_s: var}
    derived = {
        "dl_dxhat": tuple(sp.diff(L1, v) for v in xh_s),
        "dl_dvar": sp.diff(L2, var_s).xreplace(at_batch),
        "dl_dmu": var_of_mu.derivative(L2, mu_s, expand=False).xreplace(at_batch),
        "dl_dx": tuple(prog.derivative(loss_p, v) for v in xs) if inputs is None else None,
        "dl_dgamma": prog.derivative(loss_p, gamma),
        "dl_dbeta": prog.derivative(loss_p, beta),
    }
    sigma_sym = sp.Symbol("sigmahat", positive=True)
    if e.is_Symbol:
        relation = Relation(sigma_sym, var + e, solve_for=e)
    else:
        relation = Relation(sigma_sym, var + e)
    return BNInstance(M, e, xs, ds, mu, var, sh, xhat, y, relation, derived)


# ---------------------------------------------------------------------------------------------
# Mutations used as negative controls (MATH.md §7)
# ---------------------------------------------------------------------------------------------


def _mutate(expr: sp.Expr, old, new) -> sp.Expr:
    out = expr.xreplace({old: new})
    if out == expr:
        raise AssertionError(f"mutation {old} -> {new} left the formula unchanged")
    return out


_S = _sum(DELTA[k])
_SX = _sum(DELTA[k] * XHAT[k])

#: For each formula, deliberately wrong variants: (description, general-m expression).
MUTATIONS: dict[str, list[tuple[str, sp.Expr]]] = {
    "dl_dxhat": [("flipped sign", -FORMULAS["dl_dxhat"]), ("dropped γ", DELTA[i])],
    "dl_dvar": [
        ("exponent −1/2 for −3/2", _mutate(FORMULAS["dl_dvar"], sp.Rational(-3, 2), sp.Rational(-1, 2))),
        ("flipped sign", -FORMULAS["dl_dvar"]),
    ],
    "dl_dmu": [
        ("flipped sign of the first term", _sum(DL_DXHAT[k] / sp.sqrt(var_B + eps)) + DL_DVAR * _sum(-2 * (X[k] - mu_B)) / m),
        ("σ̂⁻³ for σ̂⁻¹", _sum(DL_DXHAT[k] * (-1) * (var_B + eps) ** sp.Rational(-3, 2)) + DL_DVAR * _sum(-2 * (X[k] - mu_B)) / m),
    ],
    "dl_dx": [
        ("dropped 1/m on the μ term", DL_DXHAT[i] / sp.sqrt(var_B + eps) + DL_DVAR * 2 * (X[i] - mu_B) / m + DL_DMU),
        ("flipped sign of the σ² term", DL_DXHAT[i] / sp.sqrt(var_B + eps) - DL_DVAR * 2 * (X[i] - mu_B) / m + DL_DMU / m),
    ],
    "dl_dgamma": [("x for x̂", _sum(DELTA[k] * X[k])), ("flipped sign", -FORMULAS["dl_dgamma"])],
    "dl_dbeta": [("the sum divided by m", _S / m), ("flipped sign", -_S)],
    "compact": [
        ("dropped 1/m", gamma / sigma_hat * (m * DELTA[i] - _S - XHAT[i] * _SX)),
        ("flipped sign of the x̂ term", gamma / (m * sigma_hat) * (m * DELTA[i] - _S + XHAT[i] * _SX)),
        ("σ̂⁻³ for σ̂⁻¹", gamma / (m * sigma_hat**3) * (m * DELTA[i] - _S - XHAT[i] * _SX)),
    ],
}

# What each chain-rule formula is compared with: the derivative in the computational graph.
_DERIVED_KEY = {
    "dl_dxhat": "dl_dxhat",
    "dl_dvar": "dl_dvar",
    "dl_dmu": "dl_dmu",
    "dl_dx": "dl_dx",
    "dl_dgamma": "dl_dgamma",
    "dl_dbeta": "dl_dbeta",
    "compact": "dl_dx",
}
_INDEXED = {"dl_dxhat", "dl_dx", "compact"}


# ---------------------------------------------------------------------------------------------
# The derivations
# ---------------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    inst: BNInstance
    prove: bool
    points: int
    seed: int

    def ladder(self, inst: BNInstance | None = None, **extra):
        inst = inst or self.inst
        return dict(relations=[inst.relation], prove=self.prove, points=self.points, seed=self.seed, **extra)

    def assumptions(self, *more):
        eps_text = "ε ≥ 0 symbolic" if self.inst.eps.is_Symbol else f"ε = {self.inst.eps}"
        return (f"m = {self.inst.m}", eps_text) + more


def _chain_rule(ctx: _Ctx, name: str) -> Derivation:
    inst = ctx.inst
    key = _DERIVED_KEY[name]
    if name in _INDEXED:
        lhs = list(inst.derived[key])
        rhs = inst.vector(name)
        wrongs = [(d, [inst.instantiate(w, j) for j in range(1, inst.m + 1)]) for d, w in MUTATIONS[name]]
    else:
        lhs, rhs = inst.derived[key], inst.component(name)
        wrongs = [(d, inst.instantiate(w)) for d, w in MUTATIONS[name]]
    return derive(
        _chain_id(name),
        "MATH.md §1.2" if name != "compact" else "MATH.md §1.3",
        formula_latex(name),
        lhs,
        rhs,
        controls=[(d, lhs, w) for d, w in wrongs],
        assumptions=ctx.assumptions("ℓ any differentiable loss, δ = ∂ℓ/∂y"),
        size={"m": inst.m},
        **ctx.ladder(),
    )


def _projector(inst: BNInstance) -> sp.Matrix:
    """``P − x̂x̂ᵀ/m`` with ``P = I − 11ᵀ/m`` at the explicit size."""
    M = inst.m
    xh = sp.Matrix(inst.xhat)
    return sp.eye(M) - sp.ones(M, M) / M - xh * xh.T / M


def _vector_form(ctx: _Ctx) -> Derivation:
    inst = ctx.inst
    M = inst.m
    P = _projector(inst)
    delta = sp.Matrix(inst.delta)
    rhs = gamma / inst.sigma_hat * P * delta
    wrong = gamma / inst.sigma_hat * (sp.eye(M) - sp.ones(M, M) - sp.Matrix(inst.xhat) * sp.Matrix(inst.xhat).T / M) * delta
    return derive(
        "bn.backward.vector",
        "MATH.md §1.3",
        r"\nabla_x \ell = \frac{\gamma}{\hat\sigma}\Big(I - \tfrac{1}{m}\mathbf{1}\mathbf{1}^\top - \tfrac{1}{m}\hat{x}\hat{x}^\top\Big)\delta",
        sp.Matrix(inst.derived["dl_dx"]),
        rhs,
        controls=[("P without its 1/m", sp.Matrix(inst.derived["dl_dx"]), wrong)],
        assumptions=ctx.assumptions(),
        size={"m": M},
        **ctx.ladder(),
    )


def _sum_zero(ctx: _Ctx) -> Derivation:
    inst = ctx.inst
    total = sum(inst.derived["dl_dx"], sp.Integer(0))
    # Treating μ_B and σ_B² as constants gives ∂ℓ/∂x_i = γδ_i/σ̂, whose sum is not zero.
    wrong = sum((gamma * d / inst.sigma_hat for d in inst.delta), sp.Integer(0))
    return derive(
        "bn.structure.sum-zero",
        "MATH.md §1.3",
        r"\sum_{i=1}^{m} \frac{\partial \ell}{\partial x_i} = 0",
        total,
        0,
        controls=[("the same sum with μ_B, σ_B² treated as constants (∂ℓ/∂x_i = γδ_i/σ̂)", wrong, 0)],
        assumptions=ctx.assumptions(),
        size={"m": inst.m},
        **ctx.ladder(),
    )


def _xhat_weighted(ctx: _Ctx) -> Derivation:
    inst = ctx.inst
    lhs = sum((xh * g for xh, g in zip(inst.xhat, inst.derived["dl_dx"])), sp.Integer(0))
    sdx = sum((d * xh for d, xh in zip(inst.delta, inst.xhat)), sp.Integer(0))
    rhs = gamma / inst.sigma_hat * inst.eps / (inst.var + inst.eps) * sdx
    return derive(
        "bn.structure.xhat-weighted-sum",
        "MATH.md §1.3",
        r"\sum_{i} \hat{x}_i \frac{\partial \ell}{\partial x_i} = \frac{\gamma}{\hat\sigma}\,\frac{\epsilon}{\sigma_B^2+\epsilon}\sum_k \delta_k \hat{x}_k",
        lhs,
        rhs,
        controls=[("claimed zero for every ε (true only at ε = 0)", lhs, 0)],
        assumptions=ctx.assumptions(),
        size={"m": inst.m},
        **ctx.ladder(),
    )


def _mu_second_term(ctx: _Ctx) -> Derivation:
    inst = ctx.inst
    term = inst.instantiate(_sum(-2 * (X[k] - mu_B)) / m)
    wrong = inst.instantiate(_sum(-2 * (X[k] - mu_B) ** 2) / m)
    return derive(
        "bn.backward.mu-second-term-zero",
        "MATH.md §1.2",
        r"\frac{1}{m}\sum_{i=1}^{m} (-2)(x_i-\mu_B) = 0",
        term,
        0,
        controls=[("squared deviations in place of deviations", wrong, 0)],
        assumptions=ctx.assumptions(),
        size={"m": inst.m},
        **ctx.ladder(),
    )


def _jacobian(ctx: _Ctx) -> list[Derivation]:
    r"""The Jacobian of ``x̂`` and the projector it contains (MATH.md §1.3).

    ``∂x̂_b/∂x_k = σ̂⁻¹(𝟙[b=k] − 1/m − x̂_b x̂_k/m)`` holds for every ``ε ≥ 0`` (MATH.md states
    it at ``ε = 0``, where ``σ̂ = σ_B``); only at ``ε = 0`` is ``Π = P − x̂x̂ᵀ/m`` an orthogonal
    projector (``‖x̂‖² = m`` needs ``ε = 0``), of rank ``tr Π = m − 2``.
    """
    inst = ctx.inst
    M = inst.m
    prog = forward_program(inst.x)
    xhat_p = [(v - MU_T) / sp.sqrt(VAR_T + inst.eps) for v in inst.x]
    J = sp.Matrix(M, M, lambda b, c: prog.derivative(xhat_p[b], inst.x[c]))
    rhs = _projector(inst) / inst.sigma_hat
    wrong = (sp.eye(M) - sp.ones(M, M) / M) / inst.sigma_hat
    inst0 = forward(M, 0)
    Pm = _projector(inst0)
    ctx0 = _Ctx(inst0, ctx.prove, ctx.points, ctx.seed)
    asm = ctx0.assumptions()
    not_at_zero = _projector(inst)  # the same matrix for ε > 0: not idempotent
    out = [
        derive(
            "bn.structure.jacobian",
            "MATH.md §1.3",
            r"\frac{\partial \hat{x}_b}{\partial x_k} = \frac{1}{\hat\sigma}\Big(\mathbb{1}[b=k] - \frac1m - \frac{\hat{x}_b\hat{x}_k}{m}\Big)"
            r"\quad(\epsilon \ge 0;\ \hat\sigma = \sigma_B \text{ at } \epsilon = 0)",
            J,
            rhs,
            controls=[("dropped the x̂x̂ᵀ/m term", J, wrong)],
            assumptions=ctx.assumptions(),
            size={"m": M},
            **ctx.ladder(),
        ),
        derive(
            "bn.structure.projector-idempotent",
            "MATH.md §1.3",
            r"\Pi = I - \tfrac1m\mathbf{1}\mathbf{1}^\top - \tfrac1m\hat{x}\hat{x}^\top:\quad \Pi^2 = \Pi = \Pi^\top\ (\epsilon = 0)",
            [Pm * Pm, Pm.T],
            [Pm, Pm],
            controls=[
                ("ε > 0 (Π is then not idempotent)", [not_at_zero * not_at_zero], [not_at_zero], ctx.ladder()),
            ],
            assumptions=asm,
            size={"m": M},
            **ctx0.ladder(),
        ),
        derive(
            "bn.structure.projector-rank",
            "MATH.md §1.3",
            r"\operatorname{rank}\Pi = \operatorname{tr}\Pi = m - 2\ (\epsilon = 0)",
            Pm.trace(),
            M - 2,
            controls=[("rank m − 1 (only the mean removed)", Pm.trace(), M - 1)],
            assumptions=asm + ("rank = trace for a projector",),
            size={"m": M},
            **ctx0.ladder(),
        ),
    ]
    return out


def _pull_constant_factor(expr: sp.Expr, base: sp.Expr) -> sp.Expr:
    """Rewrite every ``b^{k/2}`` with ``b = c·base`` (``c`` free of ``base``'s symbols) as ``c^{k/2} base^{k/2}``.

    ``c`` is found by exact polynomial division (``cancel``), so e.g. ``var(a x) = a² var(x)`` is
    derived, not assumed; SymPy then takes ``sqrt(a²) = a`` for ``a > 0`` and ``−a`` for ``a < 0``.
    """
    syms = base.free_symbols
    ratios: dict = {}

    def ratio(b):
        if b not in ratios:
            ratios[b] = sp.cancel(b / base)
        return ratios[b]

    def is_target(p):
        return p.is_Pow and p.exp.is_Rational and p.exp.q == 2 and not (ratio(p.base).free_symbols & syms)

    def rewrite(p):
        return (sp.sqrt(ratio(p.base)) * sp.sqrt(base)) ** p.exp.p

    return expr.replace(is_target, rewrite)


#: The weight-gradient scale check has 2m + 2 variables and a degree-4 relation: keep m small.
_SCALE_GRADIENT_MAX_M = 4


def _scale_invariance(ctx: _Ctx) -> list[Derivation]:
    """ε = 0: BN(a x) = BN(x) and ∇_{aw} = ∇_w / a for a > 0; both fail for a < 0."""
    M = ctx.inst.m
    base = forward(M, 0)
    M_grad = min(M, _SCALE_GRADIENT_MAX_M)
    a_pos = sp.Symbol("a", positive=True)
    a_neg = sp.Symbol("a", negative=True)

    def scaled(a):
        inst = forward(M, 0, inputs=[a * v for v in base.x])
        return [_pull_constant_factor(v, base.var) for v in inst.xhat]

    ladder = dict(relations=[base.relation], prove=ctx.prove, points=ctx.points, seed=ctx.seed)
    asm = (f"m = {M}", "ε = 0")
    outs = [
        derive(
            "bn.scale-invariance.output",
            "MATH.md §1.3",
            r"\mathrm{BN}(a x) = \mathrm{BN}(x)\quad (a > 0,\ \epsilon = 0)",
            scaled(a_pos),
            list(base.xhat),
            controls=[("a < 0 (the output changes sign)", scaled(a_neg), list(base.xhat))],
            assumptions=asm + ("a > 0",),
            size={"m": M},
            **ladder,
        )
    ]
    # Weight-gradient scaling for a BN unit x_i = wᵀu_i with two-dimensional weights.
    w = sp.Matrix(sp.symbols("w1:3"))
    U = [sp.Matrix(sp.symbols(f"u{j}_1:3")) for j in range(1, M_grad + 1)]

    def loss_at(wvec):
        inst = forward(M_grad, 0, inputs=[(wvec.T * uj)[0, 0] for uj in U])
        return sum((d * y for d, y in zip(base.delta, inst.y)), sp.Integer(0))

    ws = sp.Matrix(sp.symbols("v1:3"))  # differentiation variable, then evaluated at a·w
    grad_v = [sp.diff(loss_at(ws), vj) for vj in ws]
    var_w = forward(M_grad, 0, inputs=[(w.T * uj)[0, 0] for uj in U]).var

    def grad_scaled(a):
        return [_pull_constant_factor(g.xreplace({ws[0]: a * w[0], ws[1]: a * w[1]}), var_w) for g in grad_v]

    grad_w = [g.xreplace({ws[0]: w[0], ws[1]: w[1]}) for g in grad_v]
    rel_u = Relation(sp.Symbol("sigmaw", positive=True), var_w)
    outs.append(
        derive(
            "bn.scale-invariance.gradient",
            "MATH.md §1.3",
            r"\nabla_{w}\,\ell\big|_{a w} = \tfrac{1}{a}\,\nabla_{w}\,\ell\big|_{w}\quad (a > 0,\ \epsilon = 0)",
            grad_scaled(a_pos),
            [g / a_pos for g in grad_w],
            controls=[("a < 0", grad_scaled(a_neg), [g / a_neg for g in grad_w]),
                      ("∇/a² in place of ∇/a", grad_scaled(a_pos), [g / a_pos**2 for g in grad_w])],
            assumptions=("ε = 0", "a > 0", f"x_i = wᵀu_i, w ∈ R², m = {M_grad} examples"),
            size={"m": M_grad},
            relations=[rel_u],
            prove=ctx.prove,
            points=min(ctx.points, 4),
            seed=ctx.seed,
        )
    )
    return outs


def _expectation_iid(poly: sp.Expr, xs: Sequence[sp.Symbol], moments: Sequence[sp.Expr]) -> sp.Expr:
    """``E[poly]`` for i.i.d. ``x_i`` with raw moments ``E[x^j] = moments[j]`` (linearity + independence)."""
    P = sp.Poly(sp.expand(poly), *xs)
    total = sp.Integer(0)
    for monom, coeff in P.terms():
        term = coeff
        for power in monom:
            term *= moments[power]
        total += term
    return sp.expand(total)


def _inference(ctx: _Ctx) -> list[Derivation]:
    M = ctx.inst.m
    inst = forward(M, 0)
    mean, tau2 = sp.symbols("mu_x tau2")  # E[x], Var[x]
    moments = [sp.Integer(1), mean, mean**2 + tau2]
    E_var = _expectation_iid(inst.var, inst.x, moments)
    E_mu = _expectation_iid(inst.mu, inst.x, moments)
    x0 = sp.Symbol("x")
    Ex, Vx = sp.symbols("E_x V_x", positive=True)
    y_inf = gamma * (x0 - Ex) / sp.sqrt(Vx + eps) + beta
    A = gamma / sp.sqrt(Vx + eps)
    b = beta - gamma * Ex / sp.sqrt(Vx + eps)
    asm = (f"m = {M}", "x_1..x_m i.i.d. with mean μ_x, variance τ²")
    ladder = dict(prove=ctx.prove, points=ctx.points, seed=ctx.seed)
    return [
        derive(
            "bn.inference.unbiased-variance",
            "MATH.md §1.4",
            r"\mathbb{E}\Big[\tfrac{m}{m-1}\sigma_B^2\Big] = \operatorname{Var}[x],\qquad \mathbb{E}[\mu_B] = \mathbb{E}[x]",
            [sp.Rational(M, M - 1) * E_var, E_mu],
            [tau2, mean],
            controls=[("the biased batch variance", [E_var, E_mu], [tau2, mean])],
            assumptions=asm,
            size={"m": M},
            **ladder,
        ),
        derive(
            "bn.inference.affine-map",
            "MATH.md §1.4",
            r"y = \gamma\frac{x - \mathbb{E}[x]}{\sqrt{\operatorname{Var}[x]+\epsilon}} + \beta = A x + b,\ "
            r"A = \frac{\gamma}{\sqrt{\operatorname{Var}[x]+\epsilon}},\ b = \beta - A\,\mathbb{E}[x]",
            y_inf,
            A * x0 + b,
            controls=[("b with the sign of A·E[x] flipped", y_inf, A * x0 + beta + gamma * Ex / sp.sqrt(Vx + eps))],
            assumptions=("ε ≥ 0", "population statistics fixed"),
            size={},
            **ladder,
        ),
    ]


def _convolutional(ctx: _Ctx, m_value: int, p: int, q: int, channels: int = 2) -> Derivation:
    """Per-channel statistics over the batch and all ``p × q`` positions: ``m' = m·p·q``."""
    Mp = m_value * p * q
    xs = {}
    ds = {}
    for n in range(m_value):
        for c in range(channels):
            for a in range(p):
                for b in range(q):
                    xs[n, c, a, b] = sp.Symbol(f"x_{n}{c}{a}{b}")
                    ds[n, c, a, b] = sp.Symbol(f"delta_{n}{c}{a}{b}")
    e = eps
    loss = sp.Integer(0)
    lhs, rhs, wrong, relations = [], [], [], []
    for c in range(channels):
        keys = [key for key in xs if key[1] == c]
        vals = [xs[key] for key in keys]
        mu = sum(vals, sp.Integer(0)) / Mp
        var = sum(((v - mu) ** 2 for v in vals), sp.Integer(0)) / Mp
        sh = sp.sqrt(var + e)
        xh = {key: (xs[key] - mu) / sh for key in keys}
        loss += sum((ds[key] * (gamma * xh[key] + beta) for key in keys), sp.Integer(0))
        relations.append(Relation(sp.Symbol(f"sigmahat_c{c}", positive=True), sp.expand(var) + e))
        s1 = sum((ds[key] for key in keys), sp.Integer(0))
        s2 = sum((ds[key] * xh[key] for key in keys), sp.Integer(0))
        for key in keys:
            rhs.append(gamma / (Mp * sh) * (Mp * ds[key] - s1 - xh[key] * s2))
            wrong.append(gamma / (m_value * sh) * (m_value * ds[key] - s1 - xh[key] * s2))
        lhs.extend(keys)
    lhs = [sp.diff(loss, xs[key]) for key in lhs]
    return derive(
        "bn.convolutional.compact",
        "MATH.md §1.1, §1.3",
        r"\frac{\partial \ell}{\partial x_{n c a b}} = \frac{\gamma_c}{m'\hat\sigma_c}\Big(m'\delta_{ncab} - \sum \delta_{\cdot c\cdot\cdot} - \hat{x}_{ncab}\sum \delta_{\cdot c\cdot\cdot}\hat{x}_{\cdot c\cdot\cdot}\Big),\quad m' = m\,p\,q",
        lhs,
        rhs,
        controls=[("the batch size m in place of m' = m·p·q", lhs, wrong)],
        assumptions=(f"shape (m, C, p, q) = ({m_value}, {channels}, {p}, {q})", "ε ≥ 0 symbolic", "one γ per channel (γ shared here)"),
        size={"m": m_value, "C": channels, "p": p, "q": q, "m'": Mp},
        relations=relations,
        prove=ctx.prove,
        points=ctx.points,
        seed=ctx.seed,
    )


_CHAIN = ["dl_dxhat", "dl_dvar", "dl_dmu", "dl_dx", "dl_dgamma", "dl_dbeta", "compact"]


def _chain_id(name: str) -> str:
    return "bn.backward.compact" if name == "compact" else f"bn.backward.{name.replace('dl_d', '').replace('_', '-')}"


#: ``(ids, builder)`` in report order; a builder returns its derivations in the order of its ids
#: (the grouped ones share their construction).
_BUILDERS: list[tuple[tuple[str, ...], Callable[[_Ctx], list[Derivation]]]] = [
    *(((_chain_id(n),), (lambda n: lambda ctx: [_chain_rule(ctx, n)])(n)) for n in _CHAIN),
    (("bn.backward.mu-second-term-zero",), lambda ctx: [_mu_second_term(ctx)]),
    (("bn.backward.vector",), lambda ctx: [_vector_form(ctx)]),
    (("bn.structure.sum-zero",), lambda ctx: [_sum_zero(ctx)]),
    (("bn.structure.xhat-weighted-sum",), lambda ctx: [_xhat_weighted(ctx)]),
    (("bn.structure.jacobian", "bn.structure.projector-idempotent", "bn.structure.projector-rank"), _jacobian),
    (("bn.scale-invariance.output", "bn.scale-invariance.gradient"), _scale_invariance),
    (("bn.inference.unbiased-variance", "bn.inference.affine-map"), _inference),
    (("bn.convolutional.compact",), lambda ctx: [_convolutional(ctx, 2, 2, 1)]),
]


def derivation_ids() -> list[str]:
    """The ids of every BN derivation, in report order."""
    return [i for ids, _ in _BUILDERS for i in ids]


def derivations(
    *,
    m: int = 4,
    prove: bool | None = None,
    points: int = 8,
    seed: int = 0,
    names: Iterable[str] | None = None,
    instance: BNInstance | None = None,
) -> list[Derivation]:
    """Derive and verify the statements of MATH.md §1 at batch size ``m``.

    Parameters
    ----------
    m : int
        Explicit batch size (``≥ 2``; the rank statement needs ``m ≥ 3`` to be non-trivial).
        The convolutional check always uses shape ``(2, 2, 2, 1)`` (``m' = 4``).
    prove : bool, optional
        Attempt the proof rung; default ``m ≤ 8``.
    points : int
        Exact rational points per check (and per negative control).
    seed : int
        Seed of the exact-point sampler.
    names : iterable of str, optional
        Restrict to these ids (see :func:`derivation_ids`).
    instance : BNInstance, optional
        A forward pass already built by :func:`forward` at this ``m`` with symbolic ``ε``.

    Returns
    -------
    list of Derivation
        In report order (:func:`derivation_ids`), each with its verification and its negative
        controls' verdicts.
    """
    return list(iter_derivations(m=m, prove=prove, points=points, seed=seed, names=names, instance=instance))


def iter_derivations(
    *,
    m: int = 4,
    prove: bool | None = None,
    points: int = 8,
    seed: int = 0,
    names: Iterable[str] | None = None,
    instance: BNInstance | None = None,
) -> Iterator[Derivation]:
    """:func:`derivations`, yielding each derivation as soon as it is verified (in report order)."""
    M = _check_m(m)
    wanted = derivation_ids() if names is None else list(names)
    unknown = [n for n in wanted if n not in derivation_ids()]
    if unknown:
        raise ParameterError(f"unknown BN derivation id(s) {unknown}; known: {derivation_ids()}")
    if instance is None:
        instance = forward(M)
    elif instance.m != M or not instance.eps.is_Symbol:
        raise ParameterError(f"instance has m = {instance.m}, ε = {instance.eps}; expected m = {M} and symbolic ε")
    ctx = _Ctx(instance, M <= 8 if prove is None else bool(prove), points, seed)
    for ids, build in _BUILDERS:
        if any(i in wanted for i in ids):
            for i, d in zip(ids, build(ctx)):
                if i in wanted:
                    yield d
