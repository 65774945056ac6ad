r"""Learning halfspaces: Stein's gradient structure, the 1-D reduction and GDNP (MATH.md §4.2–4.4).

The Gaussian halfspace objective is ``f(w̃) = E[φ(zᵀw̃)]`` with ``z ~ N(u, Σ)``, ``Σ = S − uuᵀ``
(MATH.md §4.1, assumption 4).  This module derives, at explicit dimension ``d`` and component-wise
(never ``MatrixSymbol.diff``, DESIGN.md), every identity of MATH.md §4.2–4.4 and checks it with the
verification ladder (:mod:`bntheory.symbolic.verify`).

Two kinds of identity
---------------------
*Derived from the expectation* (``…​.exp``, ``…​.poly``, ``stein-lemma.*``, ``critical-line.exp``):
the objective is computed in closed form for a loss in the family *polynomial × exp(linear)*
(:func:`gaussian_expectation`: Gaussian moments from the moment generating function), so
``∇f = E[φ'(zᵀw̃) z]`` is obtained by differentiating ``E[φ(zᵀw̃)]`` component-wise, and
``c₁, c₂`` are the closed-form expectations of ``φ', φ''``.  For the logistic and sigmoid losses,
which have no closed form, the same structure is checked by Gauss–Hermite quadrature
(:func:`stein_quadrature`, derivations ``halfspace.quadrature.*``).

*Algebraic given the structure* (``bn-gradient``, ``direction-parallel-rho``, ``direction-norm``,
``gdnp-equals-rayleigh``, ``seed-h``, ``critical-points``): ``∇f(w̃) = c₁u + c₂Sw̃`` is taken as
given with ``c₁, c₂`` free scalar symbols (they depend on ``w̃`` only through the moments of
``zᵀw̃``, i.e. through ``(g, a)``, MATH.md §4.3, and never get differentiated in these
statements); the chain rule through ``w̃ = g w/‖w‖_S`` is derived component-wise.

``S⁻¹`` without a symbolic inverse
----------------------------------
Statements with ``S⁻¹`` are written with ``u = S v`` (``v = S⁻¹u``, a bijection for positive
definite ``S``), and an ``S⁻¹``-norm ``‖x‖²_{S⁻¹}`` as ``xᵀy`` with a witness ``y`` whose defining
equation ``S y = x`` is checked in the same identity.  This keeps every check polynomial in the
entries, so exact points still run at ``d = 12``.

Quadrature checks are :class:`~bntheory.symbolic.derivation.Derivation` objects too, so a report
lists them with the symbolic ones; their :class:`~bntheory.symbolic.verify.Verification` has the
rung :data:`RUNG_QUADRATURE` (status ``"consistent"`` when every difference is below the stated
tolerance, ``"refuted"`` with the instance and both sides otherwise).

Examples
--------
>>> from bntheory.symbolic.halfspace import stein_structure
>>> st = stein_structure("exp", 2)
>>> st.c2
exp(S11*wt1**2/2 + S12*wt1*wt2 + S22*wt2**2/2 - u1**2*wt1**2/2 - u1*u2*wt1*wt2 + u1*wt1 - u2**2*wt2**2/2 + u2*wt2)
>>> from bntheory.symbolic.verify import verify_identity
>>> verify_identity(st.gradient, st.structure, points=2).status
'proved'

References
----------
J. Kohler, H. Daneshmand, A. Lucchi, T. Hofmann, M. Zhou, K. Neymeyr, *Exponential convergence
rates for Batch Normalization*, AISTATS 2019 (arXiv:1805.10694), Section 4 (Lemma on the gradient
structure, Algorithm GDNP, Theorem on its convergence).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Sequence

import numpy as np
import sympy as sp

from ..errors import ParameterError, ShapeMismatchError, SymbolicInputError
from ..validation import as_finite_array, int_at_least
from .derivation import Derivation, derive
from .geometry import SGeometry, attempt_proof, check_size, dot, s_geometry, vector
from .ols import rayleigh_step, rho_grad
from .quadrature import (
    QUADRATURE_TOL,
    derive_by_quadrature,
    gaussian_model,
    hermite_rule,
    tensor_hermite_rule,
)

__all__ = [
    "DERIVATION_IDS",
    "SYMBOLIC_LOSSES",
    "divide_common_exp",
    "derive_dividing_exp",
    "gaussian_expectation",
    "loss_expression",
    "HalfspaceSymbols",
    "halfspace_symbols",
    "SteinStructure",
    "stein_structure",
    "reduction_moments",
    "bn_gradients",
    "gdnp_step",
    "StateQuadrature",
    "stein_quadrature",
    "quadrature_instance",
    "quadrature_derivation",
    "derivations",
]

# --------------------------------------------------------------------------------------------
# Closed-form Gaussian expectations (polynomial × exp(linear))
# --------------------------------------------------------------------------------------------


def _components(obj) -> list:
    if isinstance(obj, sp.MatrixBase):
        return list(obj)
    if isinstance(obj, (list, tuple)):
        return [e for item in obj for e in _components(item)]
    return [sp.sympify(obj)]


def _map(obj, fn):
    if isinstance(obj, sp.MatrixBase):
        return obj.applyfunc(fn)
    if isinstance(obj, (list, tuple)):
        return [_map(item, fn) for item in obj]
    return fn(sp.sympify(obj))


_EXP_FACTOR = sp.Symbol("_exp_factor", positive=True)


def divide_common_exp(lhs, rhs):
    r"""Divide both sides by their common exponential factor ``e^X``, if there is exactly one.

    The closed forms of the ``exp`` family are ``e^X`` times a polynomial, with one and the same
    ``X`` (e.g. ``X = uᵀw̃ + w̃ᵀΣw̃/2``) on both sides.  Since ``e^X > 0``, ``lhs = rhs`` iff
    ``lhs/e^X = rhs/e^X``, and the quotients are polynomials: the ladder can then *prove* the
    identity in rational normal form and evaluate it at exact points (its proof rung otherwise
    only tries ``sympy.simplify`` on expressions with ``exp``).  Every term must contain the
    factor exactly once (checked structurally, without expanding: ``e|_{e^X = 0}`` must vanish and
    ``∂e/∂(e^X)`` must be free of ``e^X``); otherwise the sides are returned unchanged.

    Returns
    -------
    (lhs', rhs', factor)
        ``factor`` is ``e^X`` or ``None`` when nothing was divided.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> divide_common_exp(sp.diff(sp.exp(x**2), x), 2*x*sp.exp(x**2))
    (2*x, 2*x, exp(x**2))

    References
    ----------
    MATH.md §4.2, §6.
    """
    atoms = set()
    for e in _components(lhs) + _components(rhs):
        atoms |= e.atoms(sp.exp)
    if len(atoms) != 1:
        return lhs, rhs, None
    (A,) = atoms
    ok = True

    def strip(e):
        # e = e^X·R with R free of e^X  ⇔  e|_{e^X→0} vanishes and ∂e/∂(e^X) is free of it.
        nonlocal ok
        sub = e.xreplace({A: _EXP_FACTOR})
        R = sp.diff(sub, _EXP_FACTOR)
        if sub.xreplace({_EXP_FACTOR: 0}) != 0 or R.has(_EXP_FACTOR):
            ok = False
            return e
        return R

    new_l, new_r = _map(lhs, strip), _map(rhs, strip)
    if not ok:
        return lhs, rhs, None
    return new_l, new_r, A


def gaussian_expectation(expr, variables: Sequence[sp.Symbol], mean, cov) -> sp.Expr:
    r"""Closed form of :math:`E[\psi(q)]` for :math:`q \sim N(\mu, C)` and ``ψ`` polynomial × exp(linear).

    Each term :math:`c\,\prod_i q_i^{k_i}\,e^{a^\top q + b}` is integrated with the moment
    generating function :math:`M(\lambda) = \exp(\lambda^\top\mu + \tfrac12\lambda^\top C\lambda)`:
    :math:`E[\prod_i q_i^{k_i} e^{a^\top q}] = \partial^{k}_\lambda M(\lambda)|_{\lambda = a}`.
    For a polynomial (``a = 0``) these are the Gaussian moments (Isserlis' theorem).

    Parameters
    ----------
    expr : sympy.Expr
        ``ψ`` as an expression of ``variables``; coefficients may be any expressions free of them.
    variables : sequence of sympy.Symbol
        The Gaussian vector ``q`` (length ``n``).
    mean : sequence of sympy.Expr
        ``μ`` (length ``n``).
    cov : sympy.Matrix or nested sequence
        ``C`` (``n × n``, symmetric).  It is not checked to be positive semidefinite: the closed
        form is a polynomial identity in its entries.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    SymbolicInputError
        If ``ψ`` is not of the form polynomial × exp(linear) in ``variables`` or the sizes differ.

    Examples
    --------
    >>> import sympy as sp
    >>> t, m, s2 = sp.symbols("t m s2")
    >>> sp.expand(gaussian_expectation(t**4, [t], [m], [[s2]]))
    m**4 + 6*m**2*s2 + 3*s2**2
    >>> gaussian_expectation(sp.exp(2*t), [t], [m], [[s2]])
    exp(2*m + 2*s2)

    References
    ----------
    MATH.md §4.2, §4.3, §6.
    """
    variables = list(variables)
    n = len(variables)
    mean = list(mean)
    C = sp.Matrix(cov)
    if len(mean) != n or C.shape != (n, n):
        raise SymbolicInputError(
            f"gaussian_expectation: {n} variables but mean of length {len(mean)} and covariance {C.shape}"
        )
    var_set = set(variables)
    lam = sp.symbols(f"_lambda0:{n}", cls=sp.Dummy)
    mus = sp.symbols(f"_mu0:{n}", cls=sp.Dummy)
    cs = sp.Matrix(n, n, lambda i, j: sp.Dummy(f"_c{min(i, j)}{max(i, j)}"))
    mgf = sp.exp(sum(l * m for l, m in zip(lam, mus)) + (sp.Matrix([lam]) * cs * sp.Matrix(lam))[0, 0] / 2)
    placeholders = {mus[i]: mean[i] for i in range(n)}
    placeholders.update({cs[i, j]: C[i, j] for i in range(n) for j in range(n)})
    cache: dict = {}
    poly_terms = []
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(sp.sympify(expr))):
        powers = [0] * n
        a = [sp.Integer(0)] * n
        b = sp.Integer(0)
        coeff = sp.Integer(1)
        for f in sp.Mul.make_args(term):
            if f in var_set:
                powers[variables.index(f)] += 1
            elif f.is_Pow and f.base in var_set and f.exp.is_Integer and f.exp > 0:
                powers[variables.index(f.base)] += int(f.exp)
            elif isinstance(f, sp.exp) and f.free_symbols & var_set:
                arg = sp.expand(f.args[0])
                for i, q in enumerate(variables):
                    c = arg.coeff(q)
                    if c.free_symbols & var_set:
                        raise SymbolicInputError(f"exponent {f.args[0]} is not linear in {variables}")
                    a[i] += c
                rest = sp.expand(arg - sum(arg.coeff(q) * q for q in variables))
                if rest.free_symbols & var_set:
                    raise SymbolicInputError(f"exponent {f.args[0]} is not linear in {variables}")
                b += rest
            elif f.free_symbols & var_set:
                raise SymbolicInputError(
                    f"{f} is not a polynomial × exp(linear) factor in {variables}; "
                    "no closed-form Gaussian expectation"
                )
            else:
                coeff *= f
        key = tuple(powers)
        if all(x == 0 for x in a) and b == 0:
            poly_terms.append((coeff, key))
            continue
        if key not in cache:
            dm = mgf
            for i, k in enumerate(powers):
                if k:
                    dm = sp.diff(dm, lam[i], k)
            cache[key] = dm
        val = cache[key].xreplace({lam[i]: a[i] for i in range(n)})
        total += coeff * sp.exp(b) * val if b != 0 else coeff * val
    if poly_terms:
        total += _polynomial_moments(poly_terms, lam, mus, cs)
    return total.xreplace(placeholders)


def _polynomial_moments(terms, lam, mus, cs) -> sp.Expr:
    r"""``Σ c·E[Π q_i^{k_i}]`` from the truncated series of ``M(λ) = exp(λᵀμ + λᵀCλ/2)``.

    ``E[Π q_i^{k_i}] = (Π k_i!)·[λ^k] M(λ)``; only ``Σ_{n ≤ K} L(λ)^n/n!`` (``K`` the top degree)
    contributes to degrees ``≤ K`` — the same moments as differentiating ``M``, much faster.
    """
    n = len(lam)
    K = max(sum(k) for _, k in terms)
    gens = list(lam) + list(mus) + sorted(set(cs), key=sp.default_sort_key)
    Lpoly = sp.Poly(sum(l * m for l, m in zip(lam, mus)) + (sp.Matrix([lam]) * cs * sp.Matrix(lam))[0, 0] / 2,
                    *gens, domain=sp.QQ)

    def truncate(p):
        return sp.Poly.from_dict({mon: c for mon, c in p.as_dict().items() if sum(mon[:n]) <= K}, *gens, domain=sp.QQ)

    series = sp.Poly(1, *gens, domain=sp.QQ)
    power = sp.Poly(1, *gens, domain=sp.QQ)
    for j in range(1, K + 1):
        power = truncate(power * Lpoly)
        series = series + power * sp.Rational(1, math.factorial(j))
    coeffs: dict = {}
    for mon, c in series.as_dict().items():
        coeffs.setdefault(mon[:n], []).append((mon[n:], c))
    rest = gens[n:]
    out = sp.Integer(0)
    for coeff, key in terms:
        fac = sp.Integer(math.prod(math.factorial(k) for k in key))
        moment = sum((c * sp.Mul(*(g**e for g, e in zip(rest, mon))) for mon, c in coeffs.get(key, [])), sp.Integer(0))
        out += coeff * fac * moment
    return out


#: The symbolic loss families (closed-form Gaussian expectations).
SYMBOLIC_LOSSES = ("exp", "poly")


def loss_expression(phi, t: sp.Symbol) -> sp.Expr:
    r"""A symbolic loss ``φ(t)`` with closed-form Gaussian expectations.

    Parameters
    ----------
    phi : {"exp", "poly", "polyN"} or sympy.Expr or callable
        ``"exp"``: :math:`\varphi(t) = e^t`; ``"poly"``: a quartic :math:`\sum_{k\le4} a_k t^k` with
        free coefficients ``a0 … a4``; ``"polyN"``: degree ``N``; an expression in ``t`` or a
        callable ``t ↦ expr`` of the family polynomial × exp(linear).
    t : sympy.Symbol

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ParameterError
        Unknown family name.

    Examples
    --------
    >>> import sympy as sp
    >>> t = sp.Symbol("t")
    >>> loss_expression("poly2", t)
    a0 + a1*t + a2*t**2

    References
    ----------
    MATH.md §4.1.
    """
    if isinstance(phi, str):
        if phi == "exp":
            return sp.exp(t)
        if phi.startswith("poly"):
            deg = phi[4:] or "4"
            if deg.isdigit() and int(deg) >= 1:
                return sum(sp.Symbol(f"a{k}") * t**k for k in range(int(deg) + 1))
        raise ParameterError(f"unknown symbolic loss phi = {phi!r}; known: 'exp', 'poly', 'polyN' (N ≥ 1)")
    if callable(phi) and not isinstance(phi, sp.Basic):
        phi = phi(t)
    if isinstance(phi, sp.Basic):
        return sp.sympify(phi)
    raise ParameterError(f"unknown symbolic loss phi = {phi!r}; known: 'exp', 'poly', 'polyN' (N ≥ 1)")


# --------------------------------------------------------------------------------------------
# Symbols
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HalfspaceSymbols:
    r"""The symbols of MATH.md §4 at dimension ``d``.

    Attributes
    ----------
    geo : SGeometry
        ``w, u, S`` and ``r = ‖w‖_S`` (relation ``r² = wᵀSw`` solved for ``S₁₁``).
    wt : sympy.Matrix
        ``w̃`` (symbols ``wt1 … wtd``), the un-normalised weight.
    v : sympy.Matrix
        ``v = S⁻¹u`` for statements written with ``u = S v``.
    g, L, c1, c2, E1, E2, kappa : sympy.Symbol
        Length, smoothness constant (positive), the structure coefficients, ``E[φ']`` and
        ``E[φ'']`` as free scalars, and the position ``κ`` on the line ``κ S⁻¹u``.
    """

    geo: SGeometry
    wt: sp.Matrix
    v: sp.Matrix
    g: sp.Symbol
    L: sp.Symbol
    c1: sp.Symbol
    c2: sp.Symbol
    E1: sp.Symbol
    E2: sp.Symbol
    kappa: sp.Symbol

    @property
    def d(self) -> int:
        """The explicit dimension (MATH.md §0)."""
        return self.geo.d

    @property
    def Sigma(self) -> sp.Matrix:
        """``Σ = S − uuᵀ``, the covariance of ``z`` (MATH.md §4.1)."""
        u = self.geo.u
        return self.geo.S - u * u.T

    @property
    def Sv(self) -> sp.Matrix:
        """``S v`` (the value of ``u`` in statements with ``u = S v``) (MATH.md §4.2)."""
        return self.geo.S * self.v

    @property
    def domain(self) -> dict:
        r"""Sampling intervals: ``S`` diagonally dominant (``λ_min(S) ≥ 1``), ``u`` and ``v`` small.

        ``|u_i| ≤ 1/(2⌈√d⌉)`` gives ``uᵀS⁻¹u ≤ ‖u‖² ≤ 1/4 < 1``: every point is a valid Gaussian
        model (MATH.md §4.1, assumption 4); ``v`` likewise gives ``vᵀSv < 1`` for ``d ≥ 1``
        (``λ_max(S) ≤ 3d − 1``, ``|v_i| ≤ 1/(2d)``).
        """
        k = math.isqrt(self.d - 1) + 1  # ⌈√d⌉
        bu = sp.Rational(1, 2 * k)
        bv = sp.Rational(1, 2 * self.d)
        out = dict(self.geo.domain)
        out.update({s: (-bu, bu) for s in self.geo.u})
        out.update({s: (-bv, bv) for s in self.v})
        return out


@lru_cache(maxsize=None)
def halfspace_symbols(d: int) -> HalfspaceSymbols:
    """Build (and cache) :class:`HalfspaceSymbols` at dimension ``d``.

    Raises
    ------
    ParameterError
        If ``d`` is not a positive integer.

    Examples
    --------
    >>> hs = halfspace_symbols(2)
    >>> hs.wt.T, hs.Sigma[0, 1]
    (Matrix([[wt1, wt2]]), S12 - u1*u2)

    References
    ----------
    MATH.md §4.
    """
    check_size("d", d)
    geo = s_geometry(d)
    return HalfspaceSymbols(
        geo=geo,
        wt=vector("wt", d),
        v=vector("v", d),
        g=sp.Symbol("g"),
        L=sp.Symbol("L", positive=True),
        c1=sp.Symbol("c1"),
        c2=sp.Symbol("c2"),
        E1=sp.Symbol("E1"),
        E2=sp.Symbol("E2"),
        kappa=sp.Symbol("kappa"),
    )


# --------------------------------------------------------------------------------------------
# §4.2 Stein structure
# --------------------------------------------------------------------------------------------


_T = sp.Symbol("t")


@dataclass(frozen=True)
class SteinStructure:
    r"""Both sides of the gradient structure of MATH.md §4.2 for a closed-form loss.

    Attributes
    ----------
    objective : sympy.Expr
        ``f(w̃) = E[φ(zᵀw̃)]`` in closed form.
    gradient : sympy.Matrix
        ``∇f(w̃) = E[φ'(zᵀw̃) z]``, by component-wise differentiation of ``objective``.
    conditional_gradient : sympy.Matrix
        ``E[φ'(q) z]`` computed instead through the Gaussian regression
        ``E[z | q] = u + Σw̃ (q − m)/s²`` (``q = zᵀw̃ ~ N(m, s²)``):
        ``u E[φ'(q)] + Σw̃ E[φ'(q)(q − m)]/s²`` — Stein's lemma is *not* used.
    structure : sympy.Matrix
        ``c₁u + c₂Sw̃`` with the closed-form ``c₁ = E[φ'] − E[φ'']uᵀw̃``, ``c₂ = E[φ'']``.
    c1, c2 : sympy.Expr
    mean, var : sympy.Expr
        ``m = uᵀw̃`` and ``s² = w̃ᵀ(S − uuᵀ)w̃``.
    symbols : HalfspaceSymbols
    """

    objective: sp.Expr
    gradient: sp.Matrix
    conditional_gradient: sp.Matrix
    structure: sp.Matrix
    c1: sp.Expr
    c2: sp.Expr
    mean: sp.Expr
    var: sp.Expr
    symbols: HalfspaceSymbols


def _phi_and_derivatives(phi) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    f = loss_expression(phi, _T)
    return f, sp.diff(f, _T), sp.diff(f, _T, 2)


def _e1(expr, mean, var) -> sp.Expr:
    """``E[expr(t)]`` for ``t ~ N(mean, var)``."""
    return gaussian_expectation(expr, [_T], [mean], [[var]])


_MU = sp.Symbol("_mu")
_VAR = sp.Symbol("_var", positive=True)


@lru_cache(maxsize=32)
def _moment_form(phi) -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr]:
    r"""``(E φ, E φ', E φ'', E[φ'(q)(q − μ)]/V)`` for ``q ~ N(μ, V)`` with ``μ, V`` symbols.

    The last quotient is cancelled in one variable (it equals ``E φ''``: the 1-D Stein
    identity, which is *not* assumed here — the cancellation is exact polynomial algebra).
    """
    f0, f1, f2 = _phi_and_derivatives(phi)
    quot = sp.powsimp(sp.cancel(_e1(sp.expand(f1 * (_T - _MU)), _MU, _VAR) / _VAR), combine="exp")
    return _e1(f0, _MU, _VAR), _e1(f1, _MU, _VAR), _e1(f2, _MU, _VAR), quot


def stein_structure(phi, d: int, *, c1_override=None) -> SteinStructure:
    r"""Derive ``∇f(w̃) = E[φ'(zᵀw̃) z]`` and the structure ``c₁u + c₂Sw̃`` (MATH.md §4.2).

    Parameters
    ----------
    phi : str, sympy.Expr or callable
        A loss of the closed-form family, see :func:`loss_expression`.
    d : int
        Dimension (``≥ 1``).
    c1_override : callable, optional
        ``(E[φ'], E[φ''], uᵀw̃) ↦ c₁`` replacing the correct ``c₁`` (negative controls only).

    Returns
    -------
    SteinStructure

    Raises
    ------
    ParameterError
        ``d < 1`` or an unknown loss name.
    SymbolicInputError
        A loss outside the family polynomial × exp(linear).

    Notes
    -----
    ``q = zᵀw̃ ~ N(uᵀw̃, w̃ᵀΣw̃)`` is linear in the Gaussian ``z``; its mean and variance are computed
    from ``u`` and ``Σ = S − uuᵀ``, so every expectation is one-dimensional.  The gradient side
    is the derivative of the closed-form objective — derived from the expectation — and the
    structure side uses only ``E[φ'], E[φ'']``.

    Examples
    --------
    >>> from bntheory.symbolic.verify import verify_identity
    >>> st = stein_structure("poly3", 2)
    >>> verify_identity(st.gradient, st.structure, points=2).status
    'proved'
    >>> verify_identity(st.conditional_gradient, st.structure, points=2).status
    'proved'
    """
    check_size("d", d)
    hs = halfspace_symbols(d)
    u, S, wt = hs.geo.u, hs.geo.S, hs.wt
    m = dot(u, wt)
    s2 = sp.expand(dot(wt, hs.Sigma * wt))
    at = {_MU: m, _VAR: s2}
    objective, Ep1, Ep2, quot = (e.xreplace(at) for e in _moment_form(phi if isinstance(phi, str) else loss_expression(phi, _T)))
    gradient = sp.Matrix([sp.diff(objective, x) for x in wt])
    cond = u * Ep1 + hs.Sigma * wt * quot
    c1 = Ep1 - Ep2 * m if c1_override is None else c1_override(Ep1, Ep2, m)
    c2 = Ep2
    structure = c1 * u + c2 * (S * wt)
    return SteinStructure(objective, gradient, cond, structure, c1, c2, m, s2, hs)


# --------------------------------------------------------------------------------------------
# §4.3 reduction and BN coordinates
# --------------------------------------------------------------------------------------------


def reduction_moments(d: int) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    r"""Mean and variance of ``q = zᵀw̃`` at ``w̃ = g w/‖w‖_S``, and ``a = uᵀw/‖w‖_S`` (MATH.md §4.3).

    Returns ``(uᵀw̃, w̃ᵀ(S − uuᵀ)w̃, a)`` with ``‖w‖_S`` as the expression ``sqrt(wᵀSw)``;
    the claim is ``(g a, g²(1 − a²))``.

    Examples
    --------
    >>> from bntheory.symbolic.verify import verify_identity
    >>> hs = halfspace_symbols(2)
    >>> mean, var, a = reduction_moments(2)
    >>> a_r = (hs.geo.u.T * hs.geo.w)[0, 0] / hs.geo.r
    >>> verify_identity([mean, var], [hs.g * a_r, hs.g**2 * (1 - a_r**2)],
    ...                 relations=[hs.geo.relation], points=2).status
    'proved'
    """
    hs = halfspace_symbols(check_size("d", d))
    geo = hs.geo
    wt = hs.g * geo.w / geo.s_norm
    return dot(geo.u, wt), dot(wt, hs.Sigma * wt), dot(geo.u, geo.w) / geo.s_norm


def _to_r(expr, geo: SGeometry):
    """Replace every ``(wᵀSw)^{k/2}`` by ``r^k`` (``r = ‖w‖_S``, the relation symbol)."""
    base, r = geo.wSw, geo.r

    def is_root(e):
        return e.is_Pow and e.base == base and e.exp.is_Rational and e.exp.q == 2

    return expr.replace(is_root, lambda e: r ** int(e.exp.p))


def _tilde_map(hs: HalfspaceSymbols) -> sp.Matrix:
    """``w̃(w, g) = g w / sqrt(wᵀSw)`` as an expression of the entries."""
    return hs.g * hs.geo.w / hs.geo.s_norm


def bn_gradients(d: int, gradient=None, *, u=None) -> tuple[sp.Matrix, sp.Expr]:
    r"""Chain rule through ``w̃ = g w/‖w‖_S``: ``(∇_w f(w, g), ∂_g f(w, g))`` (MATH.md §2, §4.3).

    Parameters
    ----------
    d : int
    gradient : sympy.Matrix or callable, optional
        ``∇f(w̃)`` as a column (or a callable ``w̃ ↦ ∇f(w̃)``).  Default: the structure
        ``c₁u + c₂Sw̃`` with free ``c₁, c₂`` (the algebraic identities).
    u : sympy.Matrix, optional
        Replaces ``u`` in the default structure (e.g. ``u = S v``).

    Returns
    -------
    (sympy.Matrix, sympy.Expr)
        ``Jᵀ ∇f(w̃)`` and ``(∂w̃/∂g)ᵀ ∇f(w̃)`` with the Jacobian ``J = ∂w̃/∂w`` derived
        component-wise from ``g w/sqrt(wᵀSw)``; ``‖w‖_S`` is then replaced by the relation
        symbol ``r`` wherever it appears as ``sqrt(wᵀSw)``.

    Examples
    --------
    >>> from bntheory.symbolic.verify import verify_identity
    >>> hs = halfspace_symbols(2)
    >>> gw, gg = bn_gradients(2)
    >>> a = (hs.geo.u.T * hs.geo.w)[0, 0] / hs.geo.r
    >>> verify_identity(gg, hs.c1 * a + hs.c2 * hs.g, relations=[hs.geo.relation], points=2).status
    'proved'
    """
    hs = halfspace_symbols(check_size("d", d))
    geo = hs.geo
    uu = geo.u if u is None else u
    tilde = _tilde_map(hs)
    wt_r = hs.g * geo.w / geo.r
    if gradient is None:
        grad = hs.c1 * uu + hs.c2 * (geo.S * wt_r)
    elif callable(gradient):
        grad = sp.Matrix(gradient(wt_r))
    else:
        grad = sp.Matrix(gradient)
    J = sp.Matrix(d, d, lambda i, j: sp.diff(tilde[i], geo.w[j]))
    dg = sp.Matrix([sp.diff(x, hs.g) for x in tilde])
    J = _to_r(J, geo)
    dg = _to_r(dg, geo)
    return J.T * grad, (dg.T * grad)[0, 0]


# --------------------------------------------------------------------------------------------
# §4.4 GDNP
# --------------------------------------------------------------------------------------------

_H_CHOICES = ("paper", "seed")


def gdnp_step(d: int, h: str = "paper", *, g=None) -> sp.Matrix:
    r"""One GDNP direction step ``w − s ∇_w f(w, g)`` with ``s = −‖w‖³_S/(L g h)`` (MATH.md §4.4).

    ``∇_w f`` is the chain rule applied to ``∇f(w̃) = c₁u + c₂Sw̃`` with
    ``c₁ = E₁ − E₂ uᵀw̃``, ``c₂ = E₂`` (``E₁ = E[φ']``, ``E₂ = E[φ'']`` free scalars).

    Parameters
    ----------
    d : int
    h : {"paper", "seed"}
        ``"paper"``: ``h = E₁ uᵀw − E₂ (uᵀw)(uᵀw̃)`` (``= c₁ uᵀw``, MATH.md §4.4);
        ``"seed"``: the seed article's ``h = E₁ uᵀw − E₂ (uᵀw)²`` (CLAIMS.md A-lh-h).
    g : sympy.Expr, optional
        A value for the length (e.g. ``r`` for ``g = ‖w‖_S``); default the symbol ``g``.

    Returns
    -------
    sympy.Matrix
        ``w⁺`` in terms of ``w, u, S, r = ‖w‖_S, g, L, E₁, E₂``.

    Raises
    ------
    ParameterError
        Unknown ``h``.

    Examples
    --------
    >>> from bntheory.symbolic.verify import verify_identity
    >>> hs = halfspace_symbols(2)
    >>> verify_identity(gdnp_step(2), rayleigh_step(2), relations=[hs.geo.relation], points=2).status
    'proved'
    >>> verify_identity(gdnp_step(2, "seed"), rayleigh_step(2), relations=[hs.geo.relation],
    ...                 points=2).status
    'refuted'
    """
    if h not in _H_CHOICES:
        raise ParameterError(f"unknown h = {h!r}; known: {_H_CHOICES}")
    hs = halfspace_symbols(check_size("d", d))
    geo = hs.geo
    gg = hs.g if g is None else g
    uw = dot(geo.u, geo.w)
    uwt = gg * uw / geo.r
    c1 = hs.E1 - hs.E2 * uwt
    grad_w, _ = bn_gradients(d, gradient=c1 * geo.u + hs.E2 * (geo.S * (gg * geo.w / geo.r)))
    if g is not None:
        grad_w = grad_w.xreplace({hs.g: g})
    hval = hs.E1 * uw - hs.E2 * uw * (uwt if h == "paper" else uw)
    s = -geo.r**3 / (hs.L * gg * hval)
    return geo.w - s * grad_w


# --------------------------------------------------------------------------------------------
# Numerical checks by quadrature (logistic, sigmoid)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StateQuadrature:
    r"""``E[φ'(zᵀw̃) z]`` three ways, at one instance (see :func:`stein_quadrature`).

    Attributes
    ----------
    reduced : ndarray
        One-dimensional reduction: ``u E[φ'(q)] + Σw̃ E[φ'(q)(q − m)]/s²`` (Gauss–Hermite in ``q``).
    tensor : ndarray or None
        Brute-force tensor Gauss–Hermite over ``z = u + Cξ`` (``CCᵀ = Σ``), ``ξ ∈ R^d``.
    structure : ndarray
        ``c₁u + c₂Sw̃`` with ``c₁, c₂`` from :func:`bntheory.gauss.gauss_moments`.
    control : ndarray
        The same with ``c₁`` missing its second term (``c₁ = E[φ']``): must disagree.
    c1, c2 : float

    References
    ----------
    MATH.md §4.2.
    """

    reduced: np.ndarray
    tensor: np.ndarray | None
    structure: np.ndarray
    control: np.ndarray
    c1: float
    c2: float


def stein_quadrature(loss, S, u, wt, *, nodes: int = 160, tensor_nodes: int | None = None) -> StateQuadrature:
    r"""Evaluate both sides of MATH.md §4.2 numerically for a loss without a closed form.

    Parameters
    ----------
    loss : str or bntheory.losses.Loss
        ``"logistic"``, ``"sigmoid"`` … (:func:`bntheory.losses.get_loss`).
    S, u, wt : array_like
        Second moment, cross moment (``uᵀS⁻¹u < 1``) and the weight ``w̃``.
    nodes : int
        Gauss–Hermite nodes of the one-dimensional rule.
    tensor_nodes : int, optional
        Nodes per dimension of the brute-force tensor rule (``nodes**d`` points); ``None`` skips it.

    Returns
    -------
    StateQuadrature

    Raises
    ------
    ModelValidityError
        ``uᵀS⁻¹u ≥ 1`` (then ``S − uuᵀ`` is not a covariance).
    ParameterError
        Unknown loss, or too few nodes.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[2.0, 0.3], [0.3, 1.0]]); u = np.array([0.5, -0.2]); wt = np.array([0.7, 0.4])
    >>> res = stein_quadrature("logistic", S, u, wt, tensor_nodes=60)
    >>> bool(np.max(np.abs(res.reduced - res.structure)) < 1e-12)
    True
    >>> bool(np.max(np.abs(res.tensor - res.structure)) < 1e-12)
    True
    """
    from ..gauss import gauss_moments
    from ..losses import get_loss

    loss = get_loss(loss)
    int_at_least("nodes", nodes, 2)
    S, u, Sigma = gaussian_model(S, u)
    wt = as_finite_array("wt", wt, ndim=1)
    if wt.shape != u.shape:
        raise ShapeMismatchError(f"S {S.shape}, u {u.shape} and wt {wt.shape} do not match")
    m = float(u @ wt)
    s2 = float(wt @ Sigma @ wt)
    s = math.sqrt(s2)
    x, w = hermite_rule(nodes)
    q = m + s * x
    d1 = loss.derivative(1)(q)
    reduced = u * (w @ d1) + (Sigma @ wt) * (w @ (d1 * (q - m))) / s2
    _, E1, E2 = gauss_moments(loss, m, s)
    E1, E2 = float(E1), float(E2)
    c1, c2 = E1 - E2 * m, E2
    structure = c1 * u + c2 * (S @ wt)
    control = E1 * u + c2 * (S @ wt)
    tensor = None
    if tensor_nodes is not None:
        int_at_least("tensor_nodes", tensor_nodes, 2)
        xi, weights = tensor_hermite_rule(tensor_nodes, S.shape[0])      # (d, n^d), (n^d,)
        z = u[:, None] + np.linalg.cholesky(Sigma) @ xi
        tensor = z @ (weights * loss.derivative(1)(wt @ z))
    return StateQuadrature(reduced, tensor, structure, control, c1, c2)


def quadrature_instance(d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""A deterministic valid instance ``(S, u, w̃)``: ``uᵀS⁻¹u = 1/2``, ``‖w̃‖_S = 1.2``, ``|uᵀw̃| ≥ 0.3``.

    Examples
    --------
    >>> S, u, wt = quadrature_instance(3)
    >>> round(float(u @ np.linalg.solve(S, u)), 12), round(float(np.sqrt(wt @ S @ wt)), 12)
    (0.5, 1.2)

    References
    ----------
    MATH.md §4.1.
    """
    check_size("d", d)
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((d, d))
    S = A @ A.T / d + 0.5 * np.eye(d)
    v = rng.standard_normal(d)
    v *= math.sqrt(0.5 / float(v @ S @ v))
    u = S @ v
    while True:
        wt = rng.standard_normal(d)
        wt *= 1.2 / math.sqrt(float(wt @ S @ wt))
        if abs(float(u @ wt)) >= 0.3:
            return S, u, wt


def quadrature_derivation(loss: str, d: int = 3, *, seed: int = 0, nodes: int = 160,
                          tensor_nodes: int | None = None, tol: float = QUADRATURE_TOL) -> Derivation:
    r"""``halfspace.quadrature.<loss>``: the Stein structure for a loss without closed form.

    ``E[φ'(zᵀw̃) z]`` by the one-dimensional reduction and (``d ≤ 3``) by brute-force tensor
    quadrature must equal ``c₁u + c₂Sw̃`` to ``tol``; the control drops the second term of ``c₁``
    and must miss by more than ``tol``.

    Parameters
    ----------
    loss : str
        ``"logistic"``, ``"sigmoid"``, ….
    d : int
    seed : int
        Instance seed (:func:`quadrature_instance`).
    nodes : int
    tensor_nodes : int, optional
        Default ``64`` at ``d ≤ 2``, ``40`` at ``d = 3``, none above.
    tol : float

    Examples
    --------
    >>> der = quadrature_derivation("sigmoid", 2)
    >>> der.passed, der.verification.rung
    (True, 'Gauss–Hermite quadrature')

    References
    ----------
    MATH.md §4.2.
    """
    t0 = time.perf_counter()
    check_size("d", d)
    if tensor_nodes is None:
        tensor_nodes = {1: 64, 2: 64, 3: 40}.get(d)
    S, u, wt = quadrature_instance(d, seed)
    res = stein_quadrature(loss, S, u, wt, nodes=nodes, tensor_nodes=tensor_nodes)
    instance = {"S": S, "u": u, "wt": wt}
    note = f"1-D Gauss–Hermite, {nodes} nodes" + (
        f"; tensor Gauss–Hermite {tensor_nodes}^{d} nodes" if tensor_nodes else ""
    ) + f"; instance seed {seed}, uᵀS⁻¹u = 1/2"
    pairs = [("1-D reduction vs c₁u + c₂Sw̃", res.reduced, res.structure)]
    if res.tensor is not None:
        pairs.append(("tensor vs c₁u + c₂Sw̃", res.tensor, res.structure))
    return derive_by_quadrature(
        f"halfspace.quadrature.{loss}", "MATH.md §4.2",
        r"E[\varphi'(z^\top\tilde w)\,z] = c_1 u + c_2 S\tilde w,\quad "
        r"c_1 = E[\varphi''] \ldots",
        pairs=pairs,
        controls=[("c₁ without its second term −E[φ'']uᵀw̃",
                   [("1-D reduction vs c₁ = E[φ'] (second term dropped)", res.reduced, res.control)])],
        instance=instance, note=note,
        assumptions=(f"φ = {loss}", "z ~ N(u, S − uuᵀ), uᵀS⁻¹u = 1/2"),
        size={"d": d}, tol=tol, started=t0,
    )


def derive_dividing_exp(id: str, section: str, statement_latex: str, lhs, rhs, *, controls,
                        assumptions=(), **ladder) -> Derivation:
    r""":func:`~bntheory.symbolic.derivation.derive` after dividing each pair of sides by its common ``e^X``.

    The statement and every control ``(description, lhs', rhs'[, options])`` are passed through
    :func:`divide_common_exp` (so that identities of the ``exp`` family reduce to polynomial ones
    that the ladder can prove, MATH.md §4.2, §6); when the statement was divided, the division is
    recorded among its assumptions.  Everything else is :func:`derive` unchanged, controls
    included: the ladder evaluates exact points before any proof attempt and never attempts a
    proof once a point has refuted the identity.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> der = derive_dividing_exp("demo.exp", "MATH.md §4.2", r"(e^{x^2})' = 2x e^{x^2}",
    ...                           sp.diff(sp.exp(x**2), x), 2*x*sp.exp(x**2),
    ...                           controls=[("factor 2 dropped", sp.diff(sp.exp(x**2), x), x*sp.exp(x**2))])
    >>> der.verification.status, der.controls[0].verification.status
    ('proved', 'refuted')

    References
    ----------
    MATH.md §7 (the ladder); :func:`divide_common_exp`.
    """
    lhs, rhs, A = divide_common_exp(lhs, rhs)
    divided = [(c[0], *divide_common_exp(c[1], c[2])[:2], *c[3:]) for c in controls]
    if A is not None:
        assumptions = tuple(assumptions) + (f"both sides divided by their common factor {sp.sstr(A)[:60]}… > 0",)
    return derive(id, section, statement_latex, lhs, rhs, controls=divided, assumptions=assumptions, **ladder)


# --------------------------------------------------------------------------------------------
# Named derivations
# --------------------------------------------------------------------------------------------



#: The ids of :func:`derivations`, in report order (tests check the two agree).
DERIVATION_IDS = (
    "halfspace.stein-structure.exp",
    "halfspace.stein-lemma.exp",
    "halfspace.stein-structure.poly",
    "halfspace.stein-lemma.poly",
    "halfspace.reduction",
    "halfspace.bn-gradient",
    "halfspace.bn-gradient.exp",
    "halfspace.direction-parallel-rho",
    "halfspace.direction-norm",
    "halfspace.gdnp-equals-rayleigh",
    "halfspace.seed-h",
    "halfspace.critical-points",
    "halfspace.critical-line.exp",
    "halfspace.quadrature.logistic",
    "halfspace.quadrature.sigmoid",
)

def derivations(*, d: int = 3, prove: bool | None = None, points: int = 8, seed: int = 0) -> list[Derivation]:
    r"""Every identity of MATH.md §4.2–4.4 at dimension ``d``, each with its negative controls.

    Parameters
    ----------
    d : int
        Explicit dimension (``≥ 1``; the statements need ``d ≥ 2`` to be non-trivial).
    prove : bool, optional
        Attempt the proof rung; default ``d ≤ 4``.
    points : int
        Exact (or 60-digit) points per check.
    seed : int
        Point sampler seed.

    Returns
    -------
    list of Derivation
        Ids: ``halfspace.stein-structure.exp``, ``.poly``, ``halfspace.stein-lemma.exp``,
        ``.poly``, ``halfspace.reduction``, ``halfspace.bn-gradient``, ``halfspace.bn-gradient.exp``,
        ``halfspace.direction-parallel-rho``, ``halfspace.direction-norm``,
        ``halfspace.gdnp-equals-rayleigh``, ``halfspace.seed-h``, ``halfspace.critical-points``,
        ``halfspace.critical-line.exp``, ``halfspace.quadrature.logistic``, ``.sigmoid``.

    Examples
    --------
    >>> ders = derivations(d=2, points=2)
    >>> all(x.passed for x in ders), len(ders)
    (True, 15)
    """
    prove = attempt_proof(check_size("d", d), prove)
    hs = halfspace_symbols(d)
    geo = hs.geo
    u, S, w, r, g = geo.u, geo.S, geo.w, geo.r, hs.g
    rel = [geo.relation]
    ladder = dict(prove=prove, points=points, seed=seed, domain=hs.domain)
    size = {"d": d}
    dv = partial(derive_dividing_exp, size=size, **ladder)
    out: list[Derivation] = []

    # ---- §4.2 Stein structure, derived from the closed-form expectation ----------------------
    for fam, desc in (("exp", "φ(t) = exp(t)"), ("poly", "φ quartic, free coefficients a0…a4")):
        st = stein_structure(fam, d)
        bad = stein_structure(fam, d, c1_override=lambda e1, e2, m: e1)
        flip = stein_structure(fam, d, c1_override=lambda e1, e2, m: e1 + e2 * m)
        out.append(dv(
            f"halfspace.stein-structure.{fam}", "MATH.md §4.2",
            r"\nabla_{\tilde w} E[\varphi(z^\top\tilde w)] = c_1 u + c_2 S\tilde w,\ "
            r"c_1 = E[\varphi'] - E[\varphi'']\,u^\top\tilde w,\ c_2 = E[\varphi'']",
            st.gradient, st.structure,
            controls=[
                ("c₁ without its second term −E[φ'']uᵀw̃", st.gradient, bad.structure),
                ("c₁ with the sign of the second term flipped", st.gradient, flip.structure),
            ],
            assumptions=(desc, "z ~ N(u, S − uuᵀ)", "∇f by differentiating the closed-form E[φ(zᵀw̃)]"),
        ))
        out.append(dv(
            f"halfspace.stein-lemma.{fam}", "MATH.md §4.2",
            r"u\,E[\varphi'(q)] + \Sigma\tilde w\,E[\varphi'(q)(q-m)]/s^2 = c_1 u + c_2 S\tilde w",
            st.conditional_gradient, st.structure,
            controls=[("c₁ without its second term −E[φ'']uᵀw̃", st.conditional_gradient, bad.structure)],
            assumptions=(desc, "E[z | q] = u + Σw̃ (q − m)/s², q = zᵀw̃ ~ N(m, s²)"),
        ))

    # ---- §4.3 reduction -----------------------------------------------------------------------
    uw = dot(u, w)
    a = uw / r
    mean, var, _ = reduction_moments(d)
    out.append(dv(
        "halfspace.reduction", "MATH.md §4.3",
        r"z^\top\tilde w \sim N(g a,\ g^2(1-a^2)),\quad a = u^\top w/\|w\|_S",
        [mean, var], [g * a, g**2 * (1 - a**2)],
        controls=[
            ("variance g²(1 + a²)", [mean, var], [g * a, g**2 * (1 + a**2)]),
            ("variance g² (uuᵀ forgotten in Cov z)", [mean, var], [g * a, g**2]),
        ],
        assumptions=("w̃ = g w/‖w‖_S", "Σ = S − uuᵀ"), relations=rel,
    ))

    # ---- BN coordinates (algebraic) -----------------------------------------------------------
    grad_w, grad_g = bn_gradients(d)
    P_u = u - (uw / r**2) * (S * w)
    claim_w = (g * hs.c1 / r) * P_u
    out.append(dv(
        "halfspace.bn-gradient", "MATH.md §4.3",
        r"\nabla_w f = \frac{g c_1}{\|w\|_S}\Big(u - \frac{u^\top w}{\|w\|_S^2} S w\Big),\quad "
        r"\partial_g f = c_1 a + c_2 g",
        [grad_w, grad_g], [claim_w, hs.c1 * a + hs.c2 * g],
        controls=[
            ("projection dropped: (g c₁/‖w‖_S) u", [grad_w, grad_g], [(g * hs.c1 / r) * u, hs.c1 * a + hs.c2 * g]),
            ("∂_g f = c₁a + c₂g²", [grad_w, grad_g], [claim_w, hs.c1 * a + hs.c2 * g**2]),
        ],
        assumptions=("∇f(w̃) = c₁u + c₂Sw̃ (c₁, c₂ free scalars)", "chain rule through w̃ = g w/‖w‖_S"),
        relations=rel,
    ))

    # Derived from the expectation: f(w, g) = Φ(μ, V) = E[exp(q)], q ~ N(μ, V), with
    # μ = uᵀw̃, V = w̃ᵀΣw̃ at w̃ = g w/‖w‖_S; ∂f = Φ_μ ∂μ + Φ_V ∂V (scalar chain rule, component-wise).
    Phi, Ephi1, Ephi2, _ = _moment_form("exp")
    # μ = uᵀw̃ and V = w̃ᵀΣw̃ at w̃ = g w/‖w‖_S, with the scalar factors pulled out of the forms.
    mu_w = g * uw / geo.s_norm
    var_w = g**2 * sp.expand(dot(w, hs.Sigma * w)) / geo.wSw
    at = {_MU: _to_r(mu_w, geo), _VAR: _to_r(var_w, geo)}
    dPhi_mu, dPhi_var = (sp.diff(Phi, x).xreplace(at) for x in (_MU, _VAR))
    lhs_w = sp.Matrix([dPhi_mu * _to_r(sp.diff(mu_w, x), geo) + dPhi_var * _to_r(sp.diff(var_w, x), geo) for x in w])
    lhs_g = dPhi_mu * _to_r(sp.diff(mu_w, g), geo) + dPhi_var * _to_r(sp.diff(var_w, g), geo)
    E1, E2 = Ephi1.xreplace(at), Ephi2.xreplace(at)
    c1_red, c2_red = E1 - E2 * at[_MU], E2
    out.append(dv(
        "halfspace.bn-gradient.exp", "MATH.md §4.3",
        r"f(w,g) = E_\xi[\varphi(g a + g\sqrt{1-a^2}\,\xi)]:\ \nabla_w f = \frac{g c_1}{\|w\|_S}"
        r"\Big(u - \frac{u^\top w}{\|w\|_S^2} S w\Big),\ \partial_g f = c_1 a + c_2 g",
        [lhs_w, lhs_g], [(g * c1_red / r) * P_u, c1_red * a + c2_red * g],
        controls=[
            ("c₁ without its second term", [lhs_w, lhs_g], [(g * E1 / r) * P_u, E1 * a + c2_red * g]),
        ],
        assumptions=("φ(t) = exp(t)", "z ~ N(u, S − uuᵀ)", "c₁, c₂ the closed-form expectations at w̃ = g w/‖w‖_S"),
        relations=rel,
    ))

    grad_rho = rho_grad(d)
    out.append(dv(
        "halfspace.direction-parallel-rho", "MATH.md §4.3",
        r"\frac{g c_1}{\|w\|_S}\Big(u - \frac{u^\top w}{\|w\|_S^2} S w\Big) = "
        r"-\frac{g c_1 \|w\|_S}{2u^\top w}\nabla\rho(w)",
        grad_w, -(g * hs.c1 * r / (2 * uw)) * grad_rho,
        controls=[
            ("factor ‖w‖_S dropped", grad_w, -(g * hs.c1 / (2 * uw)) * grad_rho),
            ("sign flipped", grad_w, (g * hs.c1 * r / (2 * uw)) * grad_rho),
        ],
        assumptions=("∇f(w̃) = c₁u + c₂Sw̃", "uᵀw ≠ 0", "∇ρ differentiated from ρ = −(uᵀw)²/wᵀSw"),
        relations=rel,
    ))

    # ‖w‖²_S ‖∇_w f‖²_{S⁻¹} = g² c₁² (ρ − ρ*), with u = S v and a witness y = S⁻¹ ∇_w f.
    v = hs.v
    Sv = hs.Sv
    gw_v, _ = bn_gradients(d, u=Sv)
    y = (g * hs.c1 / r) * (v - (dot(Sv, w) / r**2) * w)
    rho_v = -dot(Sv, w) ** 2 / r**2
    rho_star = -dot(v, Sv)
    out.append(dv(
        "halfspace.direction-norm", "MATH.md §4.3",
        r"\|w\|_S^2\,\|\nabla_w f(w,g)\|_{S^{-1}}^2 = g^2 c_1^2(\rho(w) - \rho^*)",
        [S * y - gw_v, r**2 * dot(gw_v, y)], [sp.zeros(d, 1), g**2 * hs.c1**2 * (rho_v - rho_star)],
        controls=[
            ("Euclidean norm instead of S⁻¹", [S * y - gw_v, r**2 * dot(gw_v, gw_v)],
             [sp.zeros(d, 1), g**2 * hs.c1**2 * (rho_v - rho_star)]),
            ("factor ‖w‖²_S dropped", [S * y - gw_v, dot(gw_v, y)],
             [sp.zeros(d, 1), g**2 * hs.c1**2 * (rho_v - rho_star)]),
        ],
        assumptions=("∇f(w̃) = c₁u + c₂Sw̃", "u = S v (v = S⁻¹u), ρ* = −uᵀS⁻¹u = −vᵀSv",
                     "‖x‖²_{S⁻¹} = xᵀy with the witness y, S y = x checked"),
        relations=rel,
    ))

    # ---- §4.4 GDNP ----------------------------------------------------------------------------
    ray = rayleigh_step(d, hs.L)
    out.append(dv(
        "halfspace.gdnp-equals-rayleigh", "MATH.md §4.4",
        r"w - s\nabla_w f(w,g) = w - \eta\nabla\rho(w),\ s = -\frac{\|w\|_S^3}{L g h},\ "
        r"h = c_1 u^\top w,\ \eta = \frac{w^\top S w}{2L|\rho(w)|}",
        gdnp_step(d), ray,
        controls=[
            ("the seed article's h = E[φ']uᵀw − E[φ''](uᵀw)² (CLAIMS A-lh-h)", gdnp_step(d, "seed"), ray),
            ("step with the sign of s flipped", 2 * w - gdnp_step(d), ray),
        ],
        assumptions=("∇f(w̃) = c₁u + c₂Sw̃, c₁ = E₁ − E₂uᵀw̃, c₂ = E₂ (E₁, E₂ free)", "uᵀw ≠ 0, g ≠ 0, h ≠ 0"),
        relations=rel,
    ))
    out.append(dv(
        "halfspace.seed-h", "CLAIMS.md A-lh-h; MATH.md §4.4",
        r"h_{\rm seed} = E[\varphi'](u^\top w) - E[\varphi''](u^\top w)^2 \text{ gives the Rayleigh step "
        r"iff } g = \|w\|_S \text{ (generically)}",
        gdnp_step(d, "seed", g=r), ray,
        controls=[("seed h at a general length g (the claim as printed)", gdnp_step(d, "seed"), ray)],
        assumptions=("∇f(w̃) = c₁u + c₂Sw̃", "g = ‖w‖_S in the statement; general g in the control"),
        relations=rel,
    ))

    # ---- critical points ------------------------------------------------------------------------
    wt = hs.wt
    wstar = -(hs.c1 / hs.c2) * v
    out.append(dv(
        "halfspace.critical-points", "MATH.md §4.2",
        r"c_1 u + c_2 S\tilde w = c_2 S(\tilde w - \tilde w^*),\ \tilde w^* = -\frac{c_1}{c_2}S^{-1}u"
        r"\ \Rightarrow\ (\nabla f = 0,\ c_2\ne0 \iff \tilde w = \tilde w^*)",
        hs.c1 * Sv + hs.c2 * (S * wt), hs.c2 * S * (wt - wstar),
        controls=[
            ("w̃* = −(c₁/c₂) u (S⁻¹ missing)", hs.c1 * Sv + hs.c2 * (S * wt), hs.c2 * S * (wt + (hs.c1 / hs.c2) * Sv)),
            ("w̃* = +(c₁/c₂) S⁻¹u", hs.c1 * Sv + hs.c2 * (S * wt), hs.c2 * S * (wt + wstar)),
        ],
        assumptions=("u = S v (v = S⁻¹u)", "S nonsingular, so ∇f = 0 iff w̃ = w̃* when c₂ ≠ 0"),
    ))
    # On the line w̃ = κ S⁻¹u the derived gradient is (c₁ + κ c₂) u, i.e. parallel to u.
    st_v = stein_structure("exp", d)
    on_line = {x: hs.kappa * vi for x, vi in zip(wt, v)}
    su = {ui: si for ui, si in zip(u, Sv)}
    grad_line = st_v.gradient.xreplace(su).xreplace(on_line)
    c1_line = st_v.c1.xreplace(su).xreplace(on_line)
    c2_line = st_v.c2.xreplace(su).xreplace(on_line)
    generic = st_v.gradient.xreplace(su)
    # 2×2 minors against the first coordinate: one non-zero minor already refutes parallelism.
    minors = sp.Matrix([generic[0] * Sv[j] - generic[j] * Sv[0] for j in range(1, d)])
    ctrl_minors = ([("off the line (generic w̃) the gradient is parallel to u", minors,
                     sp.zeros(len(minors), 1))] if d >= 2 else [])
    out.append(dv(
        "halfspace.critical-line.exp", "MATH.md §4.2",
        r"\tilde w = \kappa S^{-1}u \Rightarrow \nabla f(\tilde w) = (c_1 + \kappa c_2)\,u",
        grad_line, (c1_line + hs.kappa * c2_line) * Sv,
        controls=ctrl_minors or [("gradient without c₂ term", grad_line, c1_line * Sv)],
        assumptions=("φ(t) = exp(t)", "u = S v", "∇f by differentiating the closed-form objective"),
    ))

    # ---- quadrature -------------------------------------------------------------------------------
    qd = min(d, 3)
    for loss in ("logistic", "sigmoid"):
        out.append(quadrature_derivation(loss, qd, seed=seed))
    return out
