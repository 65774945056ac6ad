r"""Batch Normalization as a length–direction reparametrization (MATH.md §2), derived and verified.

For one unit with centred input ``x`` (``S = E[x xᵀ]``), Batch Normalization replaces the weight
``w̃`` by a direction ``w ≠ 0`` and a length ``g``:

.. math::

    \tilde w = g\, w / \|w\|_S, \qquad f_{BN}(w, g) = f(\tilde w), \qquad \|\tilde w\|_S = |g| .

Everything here is *derived from that definition*: ``f_BN`` is built as ``f(g w / sqrt(wᵀSw))``
at an explicit dimension ``d`` and differentiated component-wise with :func:`sympy.diff` (never
``MatrixSymbol.diff``, DESIGN.md); the paper's closed forms are written with the norm symbol
``r = ‖w‖_S`` and compared with the derived expressions on the verification ladder
(:mod:`bntheory.symbolic.verify`).

**A generic smooth f.**  The derivations use an undefined SymPy function ``f(w̃₁, …, w̃_d)``.
While :func:`sympy.diff` applies the chain rule, ``‖w‖_S`` is carried as an undefined
``N(w)`` whose partial derivatives are then replaced by those of ``sqrt(wᵀSw)`` (computed by
``sp.diff``) and ``N`` by the norm (:func:`differentiate_bn`, :func:`resolve_norm`): the same
derivative as differentiating ``f(g w/sqrt(wᵀSw))`` directly, but the arguments of ``f`` stay
``g w_k / r`` instead of carrying ``wᵀSw`` (``d(d+1)/2`` terms) into every node, which keeps
``d = 12`` fast.  Differentiating ``f`` yields ``Subs(Derivative(f(…), ξ_k), ξ_k, w̃_k)`` nodes; these are replaced
by plain symbols (:class:`GenericFunction`): ``Df1 … Dfd`` stand for ``∂_k f(w̃)`` and ``F`` for
``f(w̃)``.  A value or derivative taken at a point that is *structurally different* from
``w̃`` (e.g. ``f(−w̃)`` after ``w → c w`` with ``c < 0``) receives its own independent symbols,
as it must for a generic ``f``.  This modelling can never prove a false identity (structurally
equal points are mathematically equal); at worst it would refute an identity whose truth hinges
on two structurally different but equal points — none of the statements below does.

**The dual norm.**  ``‖v‖²_{S⁻¹}`` is verified in its *polynomial (witness) form*: a vector
``m`` is exhibited together with the identity ``S m = v`` (verified as part of the same check),
so that ``‖v‖²_{S⁻¹} = vᵀ S⁻¹ v = mᵀ S m``.  This needs no ``S⁻¹`` (whose adjugate is out of reach
at ``d = 12``) and is exact at every dimension.  A free vector ``∇f(w̃)`` is written ``S q``
(``q = S⁻¹∇f(w̃)`` is free because ``S`` is invertible).

Examples
--------
>>> import sympy as sp
>>> from bntheory.symbolic.reparam import bn_gradients, wtilde_symbols
>>> v1, v2 = wtilde_symbols(2)
>>> grad_w, d_g = bn_gradients(v1**2 + 3 * v2, 2)      # f(w̃) = w̃₁² + 3 w̃₂
>>> at = {sp.Symbol(k): v for k, v in dict(w1=1, w2=0, S11=4, S12=0, S22=1, g=2).items()}
>>> d_g.subs(at)          # w̃ = (1, 0): ∂_g f_BN = wᵀ∇f(w̃)/‖w‖_S = 2/2
1

References
----------
J. Kohler, H. Daneshmand, A. Lucchi, T. Hofmann, M. Zhou, K. Neymeyr, *Exponential convergence
rates for Batch Normalization: The power of length-direction decoupling in non-convex
optimization*, AISTATS 2019 (arXiv 1805.10694), Section 2 and Appendix (gradients in BN
coordinates); MATH.md §2.
"""

from __future__ import annotations

from typing import Callable, Sequence

import sympy as sp
from sympy.core.function import AppliedUndef

from ..errors import ParameterError, SymbolicInputError
from .derivation import Derivation, derive
from .geometry import SGeometry, attempt_proof, s_geometry, vector
from .verify import Relation

__all__ = [
    "DERIVATION_IDS",
    "LENGTH",
    "SCALE",
    "STEP",
    "GenericFunction",
    "bn_direction",
    "bn_gradients",
    "bn_gradients_closed_form",
    "derivations",
    "dual_norm_witness",
    "oblique_projector",
    "differentiate_bn",
    "radicals_to",
    "resolve_norm",
    "wtilde_symbols",
]

SECTION = "MATH.md §2"

#: The length ``g`` of the BN reparametrization (any real number).
LENGTH = sp.Symbol("g")
#: A positive rescaling ``c`` of the direction ``w``.
SCALE = sp.Symbol("c", positive=True)
#: A gradient-descent step size ``η > 0``.
STEP = sp.Symbol("eta", positive=True)


# --------------------------------------------------------------------------------------------
# Building blocks (shared with ols.py)
# --------------------------------------------------------------------------------------------


def check_derivation_dimension(d) -> None:
    """Validate the dimension of :func:`derivations` (``d ≥ 2``).

    At ``d = 1`` the direction is trivial (``P = 0``, every BN gradient vanishes) and the negative
    controls that perturb the projector degenerate into true statements, so a derivation there
    could not demonstrate that it can fail.

    Raises
    ------
    ParameterError
        If ``d`` is not an integer ``≥ 2``.

    References
    ----------
    MATH.md §2, §7.
    """
    if isinstance(d, bool) or not isinstance(d, int) or d < 2:
        raise ParameterError(
            f"derivations need a dimension d ≥ 2 (at d = 1 the direction is trivial and the "
            f"negative controls degenerate), got d = {d!r}"
        )


def ladder_options(geom: SGeometry, *, prove: bool | None, points: int, seed: int) -> dict:
    """The verification-ladder options every S-geometry check uses (``prove`` defaults to ``d ≤ 4``) (MATH.md §7)."""
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise ParameterError(f"points must be a non-negative integer, got points = {points!r}")
    return dict(
        relations=[geom.relation],
        domain=geom.domain,
        condition=geom.condition,
        points=points,
        prove=attempt_proof(geom.d, prove),
        seed=seed,
    )


def wtilde_symbols(d: int) -> tuple[sp.Symbol, ...]:
    r"""Symbols ``wt1 … wtd`` for the components of ``w̃`` (MATH.md §2), in which a user's ``f`` may be written.

    A dimension ``d`` that is not a positive integer raises :class:`~bntheory.errors.ParameterError`.
    """
    s_geometry(d)  # validates d
    return tuple(sp.symbols(f"wt1:{d + 1}"))


def bn_direction(geom: SGeometry, g: sp.Expr = LENGTH) -> sp.Matrix:
    r"""The weight the network applies, ``w̃ = g w / ‖w‖_S`` with ``‖w‖_S = sqrt(wᵀSw)`` (MATH.md §2).

    Examples
    --------
    >>> from bntheory.symbolic.geometry import s_geometry
    >>> bn_direction(s_geometry(1)).T
    Matrix([[g*w1/sqrt(S11*w1**2)]])
    """
    return g * geom.w / geom.s_norm


def oblique_projector(geom: SGeometry) -> sp.Matrix:
    r"""``P = I − S w wᵀ / ‖w‖²_S``, written with the norm symbol ``r`` (MATH.md §2).

    ``P`` is an oblique projector (``P² = P``, ``P S w = 0``); ``Pᵀ`` is the ``S``-orthogonal
    projector onto ``w^{⊥_S}``.
    """
    return sp.eye(geom.d) - geom.S * geom.w * geom.w.T / geom.r**2


def bn_gradients_closed_form(grad_f: sp.Matrix, geom: SGeometry, g: sp.Expr = LENGTH):
    r"""The paper's closed forms, given ``∇f(w̃)``, written with ``r = ‖w‖_S``.

    .. math::

        \nabla_w f_{BN} = \frac{g}{\|w\|_S}\Bigl(I - \frac{S w w^\top}{\|w\|_S^2}\Bigr)\nabla f(\tilde w),
        \qquad
        \partial_g f_{BN} = \frac{w^\top \nabla f(\tilde w)}{\|w\|_S}.

    Returns
    -------
    (sympy.Matrix, sympy.Expr)

    References
    ----------
    MATH.md §2.
    """
    return g / geom.r * oblique_projector(geom) * grad_f, (geom.w.T * grad_f)[0, 0] / geom.r


def dual_norm_witness(v: sp.Matrix, m: sp.Matrix, S: sp.Matrix):
    r"""Polynomial form of ``‖v‖²_{S⁻¹}`` with a witness ``m``: returns ``(S m − v, mᵀ S m)``.

    If the first component is the zero vector then ``m = S⁻¹ v`` and ``‖v‖²_{S⁻¹} = mᵀ S m``.
    A check that uses the second component must also verify the first (put it among the
    components compared with zero).

    References
    ----------
    MATH.md §0, §2.
    """
    return S * m - v, (m.T * S * m)[0, 0]


#: ``‖w‖_S`` as an undefined function ``N(w₁, …, w_d)`` while differentiating (see :func:`differentiate_bn`).
_NORM = sp.Function("N")


def radicals_to(expr, base: sp.Expr, norm: sp.Expr):
    """Replace every ``base^{k/2}`` in ``expr`` by ``norm^k`` (``base`` matched up to expansion) (MATH.md §2)."""
    expanded = sp.expand(base)

    def is_radical(e):
        return (e.is_Pow and e.exp.is_Rational and e.exp.q == 2
                and (e.base == base or sp.expand(e.base - expanded) == 0))

    return sp.sympify(expr).replace(is_radical, lambda e: norm ** int(e.exp.p))


def differentiate_bn(build: Callable, w: sp.Matrix, base: sp.Expr, g: sp.Expr = LENGTH):
    r"""``F = build(w̃)`` with ``w̃ = g w / N(w)``, and its derivatives ``∇_w F``, ``∂_g F``.

    ``N(w)`` stands for ``sqrt(base)`` (``base = wᵀSw``) while :func:`sympy.diff` applies the chain
    rule, so that the arguments of an undefined ``f`` stay small; every ``∂N/∂w_i`` is then
    replaced by ``sp.diff(sqrt(base), w_i)`` re-expressed through ``N(w)``.  Evaluate the result
    with :func:`resolve_norm`.

    References
    ----------
    MATH.md §2.
    """
    Nw = _NORM(*w)
    F = sp.sympify(build(list(g * w / Nw)))
    dN = {sp.Derivative(Nw, wi): radicals_to(sp.diff(sp.sqrt(base), wi), base, Nw) for wi in w}
    grad = sp.Matrix([sp.diff(F, wi).xreplace(dN) for wi in w])
    return F, grad, sp.diff(F, g)


def resolve_norm(expr, w: sp.Matrix, base: sp.Expr, *, norm: sp.Expr | None = None, at=None):
    r"""Evaluate an expression of :func:`differentiate_bn` at ``w → at`` and replace ``N(·)``.

    ``N(p)`` becomes ``sqrt(base(p))`` with common factors pulled out of the radicand, so that
    ``N(c w) = sqrt(c²) sqrt(wᵀSw)`` (``c`` for ``c > 0``, ``−c`` for ``c < 0``); then every
    ``sqrt(base)`` becomes ``norm`` when given (e.g. the relation symbol ``r``).

    References
    ----------
    MATH.md §2.
    """
    expr = sp.sympify(expr)
    if at is not None:
        expr = expr.xreplace(dict(zip(w, at)))
    values = {}
    for a in expr.atoms(AppliedUndef):
        if a.func == _NORM:
            val = sp.sqrt(sp.factor_terms(sp.expand(base.xreplace(dict(zip(w, a.args))))))
            values[a] = val if norm is None else radicals_to(val, base, norm)
    return expr.xreplace(values)


class GenericFunction:
    r"""An undefined smooth ``f: R^d → R`` and the symbols that stand for its values.

    Call it on a point to get ``f(p)``; after differentiating, :meth:`symbolize` replaces
    ``f(w̃)`` by ``F`` and ``∂_k f(w̃)`` (SymPy's ``Subs(Derivative(f(…), ξ_k), ξ_k, w̃_k)``)
    by ``Df_k``; values at other points get independent symbols ``F_at1``, ``Df1_at1`` ….

    Parameters
    ----------
    base_point : sequence of sympy.Expr
        The point ``w̃`` at which ``F`` and ``Df`` are the values.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> gf = GenericFunction([x * y, x + y])
    >>> gf.symbolize(sp.diff(gf(gf.base), x))
    Df1*y + Df2

    References
    ----------
    MATH.md §2.
    """

    def __init__(self, base_point: Sequence[sp.Expr], name: str = "f"):
        self.base = tuple(sp.sympify(p) for p in base_point)
        self.d = len(self.base)
        self.f = sp.Function(name)
        self._points: list[tuple] = [self.base]

    def __call__(self, point: Sequence[sp.Expr]) -> sp.Expr:
        return self.f(*point)

    def value(self, k: int = 0) -> sp.Symbol:
        """The symbol for ``f`` at the ``k``-th registered point (``0``: the base point) (MATH.md §2)."""
        return sp.Symbol("F" if k == 0 else f"F_at{k}")

    def gradient(self, k: int = 0) -> sp.Matrix:
        """The symbols for ``∇f`` at the ``k``-th registered point (``0``: ``Df1 … Dfd``) (MATH.md §2)."""
        suffix = "" if k == 0 else f"_at{k}"
        return sp.Matrix([sp.Symbol(f"Df{i + 1}{suffix}") for i in range(self.d)])

    def _index(self, point: tuple) -> int:
        if point not in self._points:
            self._points.append(point)
        return self._points.index(point)

    def _derivative(self, deriv: sp.Derivative, subs: dict) -> sp.Symbol:
        call = deriv.expr
        if not (isinstance(call, AppliedUndef) and call.func == self.f):
            raise SymbolicInputError(f"unexpected derivative {deriv}")
        if sum(n for _, n in deriv.variable_count) != 1:
            raise SymbolicInputError(f"only first derivatives of f are supported, got {deriv}")
        var = deriv.variable_count[0][0]
        position = call.args.index(var)
        point = tuple(a.xreplace(subs) for a in call.args)
        return self.gradient(self._index(point))[position]

    def symbolize(self, expr):
        """Replace every value and first derivative of ``f`` in ``expr`` by symbols (MATH.md §2)."""
        expr = sp.sympify(expr)
        mapping = {}
        for s in expr.atoms(sp.Subs):
            if isinstance(s.expr, sp.Derivative):
                mapping[s] = self._derivative(s.expr, dict(zip(s.variables, s.point)))
        expr = expr.xreplace(mapping)
        mapping = {dv: self._derivative(dv, {}) for dv in expr.atoms(sp.Derivative)}
        expr = expr.xreplace(mapping)
        mapping = {
            a: self.value(self._index(tuple(a.args)))
            for a in expr.atoms(AppliedUndef)
            if a.func == self.f
        }
        out = expr.xreplace(mapping)
        if out.has(self.f):
            raise SymbolicInputError(f"could not replace every occurrence of {self.f} in {out}")
        return out


def _generic_bn(geom: SGeometry, gf: "GenericFunction", parts, at=None):
    """``(f_BN, ∇_w f_BN, ∂_g f_BN)`` at ``(at, g)`` for the generic ``gf``, with ``‖w‖_S = r``, symbolized.

    ``parts`` is :func:`differentiate_bn` of ``gf`` (computed once, evaluated at several points).
    """
    return [gf.symbolize(resolve_norm(p, geom.w, geom.wSw, norm=geom.r, at=at)) for p in parts]


# --------------------------------------------------------------------------------------------
# For users
# --------------------------------------------------------------------------------------------


def bn_gradients(
    f,
    d: int,
    *,
    variables: Sequence[sp.Symbol] | None = None,
    g: sp.Symbol = LENGTH,
) -> tuple[sp.Matrix, sp.Expr]:
    r"""Gradients of ``f_BN(w, g) = f(g w / ‖w‖_S)`` in BN coordinates, by differentiation.

    .. math::

        f_{BN}(w, g) = f(\tilde w),\quad \tilde w = g\,w/\|w\|_S,\qquad
        \text{returns } \bigl(\nabla_w f_{BN},\ \partial_g f_{BN}\bigr).

    The result is obtained with :func:`sympy.diff` component-wise (MATH.md §2); it equals the
    paper's closed form :func:`bn_gradients_closed_form` (derivation ``reparam.grad-w``).

    Parameters
    ----------
    f : sympy.Expr or callable
        Either an expression in the symbols ``variables`` (default :func:`wtilde_symbols`, i.e.
        ``wt1 … wtd``) standing for the components of ``w̃``, or a callable taking the ``d``
        components of ``w̃`` and returning a SymPy expression (an undefined
        ``sympy.Function("f")`` gives the generic result with ``Subs`` nodes).
    d : int
        The dimension, ``d ≥ 1``.
    variables : sequence of sympy.Symbol, optional
        The ``d`` symbols of ``w̃`` in ``f`` (expression form only).
    g : sympy.Symbol
        The length symbol (default ``g``).

    Returns
    -------
    grad_w : sympy.Matrix
        ``∇_w f_BN`` as a ``d × 1`` column, in the symbols ``w1 … wd``, ``S11 … Sdd`` and ``g``
        (``‖w‖_S`` appears as ``sqrt(wᵀSw)``).
    d_g : sympy.Expr
        ``∂_g f_BN``.

    Raises
    ------
    ParameterError
        ``d`` not a positive integer.
    SymbolicInputError
        ``f`` is neither a SymPy expression nor a callable, returns a non-expression, uses the
        reserved symbols ``w_i``, ``S_ij``, ``g``, or ``variables`` has the wrong length.

    Examples
    --------
    The logistic loss of a linear model, ``f(w̃) = log(1 + exp(cᵀw̃))``, at ``d = 2``:

    >>> import sympy as sp
    >>> c1, c2 = sp.symbols("c1 c2")
    >>> grad_w, d_g = bn_gradients(lambda a, b: sp.log(1 + sp.exp(c1 * a + c2 * b)), 2)
    >>> at = {sp.Symbol(k): v for k, v in dict(w1=3, w2=4, S11=2, S12=1, S22=3, g=5, c1=1, c2=-2).items()}
    >>> sp.simplify(3 * grad_w[0].subs(at) + 4 * grad_w[1].subs(at))   # wᵀ∇_w f_BN = 0
    0

    References
    ----------
    Kohler et al. (AISTATS 2019), Section 2; MATH.md §2.
    """
    geom = s_geometry(d)
    reserved = set(geom.w) | set(geom.S) | {g}
    if isinstance(f, sp.Expr) and not isinstance(f, sp.Lambda):
        vars_ = tuple(variables) if variables is not None else wtilde_symbols(d)
        if len(vars_) != d:
            raise SymbolicInputError(f"variables must hold d = {d} symbols, got {len(vars_)}")
        clash = (f.free_symbols - set(vars_)) & reserved
        if clash:
            raise SymbolicInputError(
                f"f uses the reserved symbols {sorted(map(str, clash))} of the BN coordinates; "
                f"write f in the symbols {', '.join(map(str, vars_))} of w̃"
            )

        def build(wt):
            return f.xreplace(dict(zip(vars_, wt)))

    elif callable(f):

        def build(wt):
            F = f(*wt)
            if not isinstance(F, sp.Expr):
                raise SymbolicInputError(
                    f"the callable f must return a SymPy expression of the {d} components of w̃, "
                    f"got {type(F).__name__}: {F!r}"
                )
            return F

    else:
        raise SymbolicInputError(
            "f must be a SymPy expression in the components of w̃ (see wtilde_symbols) or a callable "
            f"of them, got {type(f).__name__}: {f!r}"
        )
    _, grad, d_g = differentiate_bn(build, geom.w, geom.wSw, g)
    return resolve_norm(grad, geom.w, geom.wSw), resolve_norm(d_g, geom.w, geom.wSw)


# --------------------------------------------------------------------------------------------
# Named derivations
# --------------------------------------------------------------------------------------------



#: The ids of :func:`derivations`, in report order (tests check the two agree).
DERIVATION_IDS = (
    "reparam.length",
    "reparam.grad-w",
    "reparam.grad-g",
    "reparam.orthogonality",
    "reparam.scale-invariance",
    "reparam.grad-scale",
    "reparam.gd-step-norm",
    "reparam.norm-split",
    "reparam.projector-oblique",
    "reparam.projector-s-orthogonal",
    "reparam.weight-normalization",
)

def derivations(*, d: int = 3, prove: bool | None = None, points: int = 8, seed: int = 0) -> list[Derivation]:
    r"""Every identity of MATH.md §2 at dimension ``d``, each with negative controls.

    Parameters
    ----------
    d : int
        Explicit dimension, ``d ≥ 2``.
    prove : bool, optional
        Attempt the proof rung; defaults to ``d ≤ 4`` (exact points only above).
    points : int
        Exact points per check (a cross-check after a proof, the evidence without one).
    seed : int
        Seed of the point sampler.

    Returns
    -------
    list of Derivation
        Ids ``reparam.length``, ``reparam.grad-w``, ``reparam.grad-g``, ``reparam.orthogonality``,
        ``reparam.scale-invariance``, ``reparam.grad-scale``, ``reparam.gd-step-norm``,
        ``reparam.norm-split``, ``reparam.projector-oblique``, ``reparam.projector-s-orthogonal``,
        ``reparam.weight-normalization``.

    Examples
    --------
    >>> ds = derivations(d=2, points=2)
    >>> all(x.passed for x in ds), ds[1].id, ds[1].verification.status
    (True, 'reparam.grad-w', 'proved')

    References
    ----------
    Kohler et al. (AISTATS 2019), Section 2 (eqs. for ``∇_w f`` and ``∂_g f``); MATH.md §2.
    """
    check_derivation_dimension(d)
    geom = s_geometry(d)
    opts = ladder_options(geom, prove=prove, points=points, seed=seed)
    w, S, r, g, I = geom.w, geom.S, geom.r, LENGTH, sp.eye(d)
    size = {"d": d}
    base_assumptions = ("S symmetric positive definite", "w ≠ 0", "g real", "f generic smooth")
    wt = bn_direction(geom, g)
    P = oblique_projector(geom)
    euclid = sp.sqrt(sp.expand((w.T * w)[0, 0]))

    gf = GenericFunction(list(g * w / r))
    parts = differentiate_bn(gf, w, geom.wSw, g)
    F_sym, grad_w, d_g = _generic_bn(geom, gf, parts)
    Df = gf.gradient()
    closed_grad, closed_dg = bn_gradients_closed_form(Df, geom, g)

    def dv(*args, **kw):
        return derive(*args, size=size, **{**opts, **kw})

    out: list[Derivation] = []

    out.append(dv(
        "reparam.length", SECTION,
        r"\|\tilde w\|_S^2 = \tilde w^\top S \tilde w = g^2,\quad \tilde w = g\,w/\|w\|_S",
        (wt.T * S * wt)[0, 0], g**2,
        controls=[("S replaced by I: ‖w̃‖² = g²", (wt.T * wt)[0, 0], g**2)],
        assumptions=base_assumptions[:3],
    ))

    out.append(dv(
        "reparam.grad-w", SECTION,
        r"\nabla_w f_{BN}(w,g) = \frac{g}{\|w\|_S}\Bigl(I - \frac{S w w^\top}{\|w\|_S^2}\Bigr)\nabla f(\tilde w)",
        grad_w, closed_grad,
        controls=[
            ("projector sign flipped: I + S w wᵀ/‖w‖²_S", grad_w,
             g / r * (I + S * w * w.T / r**2) * Df),
            ("dropped factor g", grad_w, P * Df / r),
            ("S replaced by I in the projector: I − w wᵀ/‖w‖²_S", grad_w,
             g / r * (I - w * w.T / r**2) * Df),
            ("transposed projector I − w wᵀ S/‖w‖²_S", grad_w, g / r * P.T * Df),
        ],
        assumptions=base_assumptions,
    ))

    out.append(dv(
        "reparam.grad-g", SECTION,
        r"\partial_g f_{BN}(w,g) = \frac{w^\top \nabla f(\tilde w)}{\|w\|_S}",
        d_g, closed_dg,
        controls=[
            ("Euclidean norm ‖w‖ instead of ‖w‖_S", d_g, (w.T * Df)[0, 0] / euclid),
            ("extra factor g", d_g, g * closed_dg),
        ],
        assumptions=base_assumptions,
    ))

    out.append(dv(
        "reparam.orthogonality", SECTION,
        r"w^\top \nabla_w f_{BN}(w,g) = 0",
        (w.T * grad_w)[0, 0], 0,
        controls=[
            ("S-orthogonality wᵀ S ∇_w f_BN = 0", (w.T * S * grad_w)[0, 0], 0),
            ("un-projected gradient (g/‖w‖_S)∇f(w̃) ⟂ w", (w.T * Df)[0, 0] * g / r, 0),
        ],
        assumptions=base_assumptions,
    ))

    # Scale invariance: the definitions evaluated at c w (‖c w‖_S = sqrt(c²) ‖w‖_S, derived).
    neg = sp.Symbol("c", negative=True)
    c = SCALE
    wt_r = g * w / r
    F_c, grad_c, _ = _generic_bn(geom, gf, parts, at=c * w)
    F_n, grad_n, _ = _generic_bn(geom, gf, parts, at=neg * w)

    def wt_at(k):
        return resolve_norm(g * w / _NORM(*w), w, geom.wSw, norm=r, at=k * w)

    out.append(dv(
        "reparam.scale-invariance", SECTION,
        r"f_{BN}(c\,w, g) = f_{BN}(w, g),\ \tilde w(c\,w, g) = \tilde w(w, g)\quad (c > 0)",
        [F_c, wt_at(c)], [F_sym, wt_r],
        controls=[("c < 0", [F_n, wt_at(neg)], [F_sym, wt_r])],
        assumptions=base_assumptions + ("c > 0",),
    ))

    out.append(dv(
        "reparam.grad-scale", SECTION,
        r"\nabla_w f_{BN}(c\,w, g) = \nabla_w f_{BN}(w, g)/c\quad (c > 0)",
        grad_c, grad_w / c,
        controls=[
            ("c < 0", grad_n, grad_w / neg),
            ("gradient scale-invariant (no 1/c)", grad_c, grad_w),
        ],
        assumptions=base_assumptions + ("c > 0",),
    ))

    eta = STEP
    w_plus = w - eta * grad_w
    sq = lambda v: (v.T * v)[0, 0]  # noqa: E731
    sqS = lambda v: (v.T * S * v)[0, 0]  # noqa: E731
    unprojected = w - eta * g / r * Df
    out.append(dv(
        "reparam.gd-step-norm", SECTION,
        r"w^+ = w - \eta\nabla_w f_{BN}:\ \|w^+\|^2 = \|w\|^2 + \eta^2\|\nabla_w f_{BN}\|^2",
        sq(w_plus), sq(w) + eta**2 * sq(grad_w),
        controls=[
            ("S-norm instead of the Euclidean norm", sqS(w_plus), sqS(w) + eta**2 * sqS(grad_w)),
            ("sign flipped: ‖w‖² − η²‖∇‖²", sq(w_plus), sq(w) - eta**2 * sq(grad_w)),
            ("un-projected step w − η (g/‖w‖_S)∇f(w̃)", sq(unprojected),
             sq(w) + eta**2 * g**2 / r**2 * sq(Df)),
        ],
        assumptions=base_assumptions + ("η > 0",),
    ))

    # Norm split in S⁻¹, polynomial (witness) form: ∇f(w̃) = S q, ∇_w f_BN = S m with m = (g/r) Pᵀ q.
    q = vector("q", d)
    at_Sq = dict(zip(Df, S * q))
    grad_q, dg_q = grad_w.xreplace(at_Sq), d_g.xreplace(at_Sq)
    witness_gap, grad_dual = dual_norm_witness(grad_q, g / r * P.T * q, S)
    lhs_norm = sqS(q)  # ‖S q‖²_{S⁻¹} = qᵀ S q
    zero = sp.zeros(d, 1)
    out.append(dv(
        "reparam.norm-split", SECTION,
        r"\|\nabla f(\tilde w)\|_{S^{-1}}^2 = \frac{\|w\|_S^2}{g^2}\|\nabla_w f_{BN}\|_{S^{-1}}^2"
        r" + (\partial_g f_{BN})^2",
        [witness_gap, lhs_norm], [zero, r**2 / g**2 * grad_dual + dg_q**2],
        controls=[
            ("dropped factor ‖w‖²_S/g²", [witness_gap, lhs_norm], [zero, grad_dual + dg_q**2]),
            ("length part with a minus sign", [witness_gap, lhs_norm],
             [zero, r**2 / g**2 * grad_dual - dg_q**2]),
            ("S replaced by I in the norm (Euclidean norms)", sq(Df), r**2 / g**2 * sq(grad_w) + d_g**2),
        ],
        assumptions=base_assumptions + ("g ≠ 0", "witness form: ∇f(w̃) = S q, S m = ∇_w f_BN"),
    ))

    Pw = I - S * w * w.T / sq(w)
    out.append(dv(
        "reparam.projector-oblique", SECTION,
        r"P = I - \frac{S w w^\top}{\|w\|_S^2}:\quad P^2 = P,\quad P S w = 0",
        [P * P - P, P * S * w], [sp.zeros(d), zero],
        controls=[
            ("S replaced by I in the norm: I − S w wᵀ/‖w‖²", [Pw * Pw - Pw, Pw * S * w], [sp.zeros(d), zero]),
            ("P w = 0 instead of P S w = 0", [P * P - P, P * w], [sp.zeros(d), zero]),
        ],
        assumptions=("S symmetric positive definite", "w ≠ 0"),
    ))

    Q = P.T
    v = vector("v", d)

    def s_orthogonal(M):
        return [M * M - M, S * M - (S * M).T, M * w, w.T * S * M, M * v - v + w * (w.T * S * v) / r**2]

    euclid_proj = I - w * w.T / sq(w)
    zeros5 = [sp.zeros(d), sp.zeros(d), zero, sp.zeros(1, d), zero]
    out.append(dv(
        "reparam.projector-s-orthogonal", SECTION,
        r"P^\top\!: (P^\top)^2 = P^\top,\ S P^\top = (S P^\top)^\top,\ P^\top w = 0,\ "
        r"w^\top S P^\top = 0,\ P^\top v - v = -\frac{w\,w^\top S v}{\|w\|_S^2}",
        s_orthogonal(Q), zeros5,
        controls=[
            ("P itself taken as the S-orthogonal projector", s_orthogonal(P), zeros5),
            ("the Euclidean projector I − w wᵀ/‖w‖²", s_orthogonal(euclid_proj), zeros5),
        ],
        assumptions=("S symmetric positive definite", "w ≠ 0", "v arbitrary"),
    ))

    # Weight normalization: S = I, derived afresh from f(g w/‖w‖) with its own norm relation.
    n = sp.Symbol("r", positive=True)
    wn_rel = Relation(n, sp.expand(sq(w)))
    gf_wn = GenericFunction(list(g * w / n))
    grad_wn = gf_wn.symbolize(resolve_norm(differentiate_bn(gf_wn, w, wn_rel.base, g)[1], w, wn_rel.base, norm=n))
    Dfn = gf_wn.gradient()
    bn_at_identity = (g / r * P * Df).xreplace(dict(zip(S, I))).xreplace({r: n})
    wn_opts = {**opts, "relations": [wn_rel], "domain": None, "condition": None}
    out.append(derive(
        "reparam.weight-normalization", SECTION,
        r"S = I:\ \nabla_w f_{WN}(w,g) = \frac{g}{\|w\|}\Bigl(I - \frac{w w^\top}{\|w\|^2}\Bigr)\nabla f(\tilde w),"
        r"\ \tilde w = g\,w/\|w\|",
        grad_wn, bn_at_identity,
        controls=[
            ("dropped 1/‖w‖² in the projector", grad_wn, g / n * (I - w * w.T) * Dfn),
            ("projector sign flipped", grad_wn, g / n * (I + w * w.T / n**2) * Dfn),
        ],
        assumptions=("w ≠ 0", "g real", "f generic smooth", "r = ‖w‖ (Euclidean)"),
        size=size, **wn_opts,
    ))
    return out
