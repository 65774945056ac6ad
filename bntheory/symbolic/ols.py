r"""Ordinary least squares after Batch Normalization (MATH.md §3, §3.1), derived and verified.

Every object is derived from the previous one, never written down and assumed:

1. ``f_OLS(w̃) = E[(y − xᵀw̃)²]`` is expanded and each moment replaced (``E[x xᵀ] = S``,
   ``E[−y x] = u``, ``E[y²]``, ``E[x] = 0``) — the paper's eq. (10);
2. ``w̃ = g w / ‖w‖_S`` is substituted (MATH.md §2) — eq. (11),
   ``f_OLS(w, g) = 2 g uᵀw/‖w‖_S + g²``;
3. ``g*`` minimises the convex quadratic in ``g`` and ``ρ(w) = f_OLS(w, g*(w))``;
4. ``∇ρ`` is obtained by :func:`sympy.diff` of that ``ρ``, and the Rayleigh-GD step
   ``w − η_t ∇ρ(w)`` with ``η_t = wᵀSw / (2L|ρ(w)|)`` from it (``|ρ| = −ρ`` since ``ρ ≤ 0``);
5. the preconditioned-eigensolver step of §3.1 (ascent on ``ρ̃ = wᵀBw/wᵀAw`` with ``B = uuᵀ``,
   ``A = S``, ``T = I/L``) is derived independently and shown to coincide with it.

``S⁻¹`` never appears explicitly: quantities involving it are verified in witness form (see
:mod:`bntheory.symbolic.reparam`): ``u = S a`` (``a = S⁻¹u`` is free since ``S`` is
invertible), or ``u = c S w`` for a point ``w`` on the line ``w ∥ S⁻¹u``.

Examples
--------
>>> from bntheory.symbolic.ols import rho, ols_objective_bn
>>> rho(2)
-(u1*w1 + u2*w2)**2/(S11*w1**2 + 2*S12*w1*w2 + S22*w2**2)
>>> ols_objective_bn(2)
g**2 + 2*g*(u1*w1 + u2*w2)/sqrt(S11*w1**2 + 2*S12*w1*w2 + S22*w2**2)

References
----------
J. Kohler et al., *Exponential convergence rates for Batch Normalization*, AISTATS 2019
(arXiv 1805.10694), Section 3, eqs. (10)–(11) and the OLS theorem; A. Knyazev, K. Neymeyr,
*A geometric theory for preconditioned inverse iteration III* (2003) / Argentati et al. (2017)
for the Rayleigh-quotient lemma; MATH.md §3, §3.1.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import sympy as sp

from ..errors import SymbolicInputError
from .derivation import Derivation, derive
from .geometry import SGeometry, s_geometry, vector
from .reparam import (
    LENGTH,
    check_derivation_dimension,
    dual_norm_witness,
    ladder_options,
)

__all__ = [
    "DERIVATION_IDS",
    "LIPSCHITZ",
    "TARGET_MOMENT",
    "derivations",
    "eigensolver_step",
    "g_star",
    "moment_expectation",
    "ols_objective",
    "ols_objective_bn",
    "rayleigh_step",
    "rayleigh_step_closed_form",
    "rho",
    "rho_grad",
]

SECTION = "MATH.md §3"

#: ``E[y²]``, the constant of eq. (10).
TARGET_MOMENT = sp.Symbol("Ey2", positive=True)
#: ``L ≥ λ_max(S)``, the smoothness constant in the step size.
LIPSCHITZ = sp.Symbol("L", positive=True)


# --------------------------------------------------------------------------------------------
# Objects, derived one from the other
# --------------------------------------------------------------------------------------------


def moment_expectation(expr: sp.Expr, x: Sequence[sp.Symbol], y: sp.Symbol, S: sp.Matrix, u: sp.Matrix,
                       Ey2: sp.Expr = TARGET_MOMENT) -> sp.Expr:
    r"""``E[expr]`` for a polynomial of degree ≤ 2 in ``(x, y)``, from the moments of MATH.md §0.

    ``E[x] = 0`` (centred inputs), ``E[x_i x_j] = S_ij``, ``E[y x_i] = −u_i`` (``u = E[−y x]``),
    ``E[y²] = Ey2``; other coefficients are treated as constants.

    Raises
    ------
    SymbolicInputError
        If ``expr`` is not polynomial in ``(x, y)`` or needs a moment not in that list (``E[y]``,
        third moments …).

    Examples
    --------
    >>> import sympy as sp
    >>> x1, y = sp.symbols("x1 y")
    >>> moment_expectation((y - 2 * x1)**2, [x1], y, sp.Matrix([[sp.Symbol("S11")]]), sp.Matrix([sp.Symbol("u1")]))
    Ey2 + 4*S11 + 4*u1
    """
    gens = [y, *x]
    try:
        poly = sp.Poly(sp.expand(expr), *gens)
    except sp.PolynomialError as exc:
        raise SymbolicInputError(f"not a polynomial in {gens}: {expr}") from exc
    out = sp.Integer(0)
    for monom, coeff in poly.terms():
        ky, kx = monom[0], monom[1:]
        idx = [i for i, k in enumerate(kx) for _ in range(k)]
        if ky == 0 and not idx:
            moment = sp.Integer(1)
        elif ky == 0 and len(idx) == 1:
            moment = sp.Integer(0)
        elif ky == 0 and len(idx) == 2:
            moment = S[idx[0], idx[1]]
        elif ky == 1 and len(idx) == 1:
            moment = -u[idx[0]]
        elif ky == 2 and not idx:
            moment = Ey2
        else:
            raise SymbolicInputError(
                f"the moment E[{sp.Mul(*[g**k for g, k in zip(gens, monom)])}] is not specified "
                "(only E[x] = 0, E[x xᵀ] = S, E[−y x] = u and E[y²])"
            )
        out += coeff * moment
    return out


def ols_objective(d: int) -> sp.Expr:
    r"""The paper's eq. (10): ``E[(y − xᵀw̃)²] = 2uᵀw̃ + w̃ᵀSw̃ + E[y²]``, computed from the moments.

    The result is in the symbols ``wt1 … wtd`` (``w̃``), ``u1 … ud``, ``S11 … Sdd`` and ``Ey2``.

    Examples
    --------
    >>> ols_objective(1)
    Ey2 + S11*wt1**2 + 2*u1*wt1

    References
    ----------
    MATH.md §3.
    """
    geom = s_geometry(d)
    x, y, wt = vector("x", d), sp.Symbol("y"), vector("wt", d)
    return moment_expectation((y - (x.T * wt)[0, 0]) ** 2, list(x), y, geom.S, geom.u)


def _objective_bn(geom: SGeometry, g: sp.Expr = LENGTH) -> sp.Expr:
    """Eq. (11) derived: eq. (10) at ``w̃ = g w/‖w‖_S``, the constant ``E[y²]`` dropped.

    The substitution is done as ``w̃ = t w`` followed by ``t = g/‖w‖_S``, collecting powers of
    the scalar ``t`` (exact; it only keeps ``wᵀSw`` as one block so that ``‖w‖_S² / wᵀSw``
    cancels visibly).
    """
    wt, t = vector("wt", geom.d), sp.Dummy("t")
    f10 = ols_objective(geom.d) - TARGET_MOMENT
    poly = sp.Poly(sp.expand(f10.xreplace(dict(zip(wt, t * geom.w)))), t)
    return sp.Add(*(sp.factor_terms(c) * (g / geom.s_norm) ** k for (k,), c in poly.terms()))


def ols_objective_bn(d: int, g: sp.Symbol = LENGTH) -> sp.Expr:
    r"""The paper's eq. (11), ``f_OLS(w, g) = 2 g uᵀw/‖w‖_S + g²``, derived from eq. (10) (MATH.md §3).

    The constant ``E[y²]`` is dropped; ``‖w‖_S`` appears as ``sqrt(wᵀSw)``.  A dimension ``d``
    that is not a positive integer raises :class:`~bntheory.errors.ParameterError`.
    """
    return _objective_bn(s_geometry(d), g)


def _g_star(geom: SGeometry) -> sp.Expr:
    return -((geom.u.T * geom.w)[0, 0] / geom.s_norm)


def g_star(d: int) -> sp.Expr:
    r"""The minimiser of the convex quadratic ``g ↦ f_OLS(w, g)``: ``g*(w) = −uᵀw/‖w‖_S``.

    Verified (derivation ``ols.g-star``) by ``∂_g f_OLS(w, g*) = 0`` and
    ``f_OLS(w, g) = f_OLS(w, g*) + (g − g*)²``.

    References
    ----------
    MATH.md §3.
    """
    return _g_star(s_geometry(d))


def _rho(geom: SGeometry) -> sp.Expr:
    """``ρ(w) = f_OLS(w, g*(w))``, by substitution into the derived eq. (11)."""
    return _objective_bn(geom).xreplace({LENGTH: _g_star(geom)})


@lru_cache(maxsize=None)
def _rho_at(d: int) -> sp.Expr:
    """:func:`_rho` at dimension ``d``, derived once (an immutable expression; used by §4 and §6 too)."""
    return _rho(s_geometry(d))


def _with_u(obj, d: int, u):
    """``obj`` with the cross moment ``u`` replaced by ``u`` given (``None``: unchanged)."""
    if u is None:
        return obj
    return obj.xreplace(dict(zip(vector("u", d), u)))


def rho(d: int, *, u=None) -> sp.Expr:
    r"""``ρ(w) = f_OLS(w, g*(w)) = −(uᵀw)²/(wᵀSw)``, by substituting ``g*`` into eq. (11) (MATH.md §0, §3).

    Parameters
    ----------
    d : int
    u : sympy.Matrix, optional
        An expression for ``u`` free of ``w`` (e.g. ``S v`` for statements with ``v = S⁻¹u``),
        substituted after the derivation.

    Examples
    --------
    >>> rho(2)
    -(u1*w1 + u2*w2)**2/(S11*w1**2 + 2*S12*w1*w2 + S22*w2**2)
    """
    return _with_u(_rho_at(d), d, u)


def _rho_grad(geom: SGeometry, rho_w: sp.Expr | None = None) -> sp.Matrix:
    rho_w = _rho_at(geom.d) if rho_w is None else rho_w
    return sp.Matrix([sp.diff(rho_w, wi) for wi in geom.w])


def rho_grad(d: int, *, u=None) -> sp.Matrix:
    r"""``∇ρ(w)`` by differentiating the derived ``ρ`` component-wise (MATH.md §3).

    Equals ``−(2uᵀw/‖w‖²_S)(u − (uᵀw/‖w‖²_S) S w)`` (derivation ``ols.rho-grad``).  ``u`` is as
    in :func:`rho` (substituted after differentiating in ``w``).

    Examples
    --------
    >>> from bntheory.symbolic.geometry import s_geometry
    >>> (s_geometry(2).w.T * rho_grad(2)).applyfunc(sp.cancel)        # wᵀ∇ρ = 0
    Matrix([[0]])
    """
    return _with_u(_rho_grad(s_geometry(d)), d, u)


def _rayleigh_step(geom: SGeometry, rho_w: sp.Expr, grad: sp.Matrix, L: sp.Expr = LIPSCHITZ, *,
                   two: int = 2, abs_rho=None) -> sp.Matrix:
    """``w − η_t ∇ρ`` with ``η_t = wᵀSw/(two · L · |ρ|)``, ``|ρ| = −ρ`` unless ``abs_rho`` given."""
    eta = geom.wSw / (two * L * (-rho_w if abs_rho is None else abs_rho))
    return geom.w - eta * grad


def rayleigh_step(d: int, L: sp.Expr = LIPSCHITZ, *, u=None) -> sp.Matrix:
    r"""One step of gradient descent on ``ρ`` with the paper's step size (MATH.md §3, Theorem).

    .. math::

        w^+ = w - \eta_t \nabla\rho(w),\qquad \eta_t = \frac{w^\top S w}{2L\,|\rho(w)|},

    with ``|ρ| = −ρ`` (``ρ ≤ 0``; the step needs ``uᵀw ≠ 0``).  Derived from :func:`rho_grad`;
    equal to :func:`rayleigh_step_closed_form` (derivation ``ols.rayleigh-step-closed-form``) and
    to the GDNP direction step of MATH.md §4.4 (``halfspace.gdnp-equals-rayleigh``).  ``u`` is as
    in :func:`rho`.

    Examples
    --------
    >>> rayleigh_step(1)          # at d = 1 every w ≠ 0 minimises ρ: ∇ρ = 0
    Matrix([[w1]])
    """
    geom = s_geometry(d)
    rho_w = _rho_at(d)
    return _with_u(_rayleigh_step(geom, rho_w, _rho_grad(geom, rho_w), L), d, u)


def _step_closed_form(geom: SGeometry, L: sp.Expr = LIPSCHITZ) -> sp.Matrix:
    uw = (geom.u.T * geom.w)[0, 0]
    return (sp.eye(geom.d) - geom.S / L) * geom.w + geom.wSw / (L * uw) * geom.u


def rayleigh_step_closed_form(d: int, L: sp.Expr = LIPSCHITZ) -> sp.Matrix:
    r"""The closed form ``w⁺ = (I − S/L) w + (wᵀSw)/(L uᵀw) · u`` of :func:`rayleigh_step`.

    Examples
    --------
    >>> import sympy as sp
    >>> (rayleigh_step(2) - rayleigh_step_closed_form(2)).applyfunc(sp.cancel).T
    Matrix([[0, 0]])

    References
    ----------
    MATH.md §3.
    """
    return _step_closed_form(s_geometry(d), L)


def _eigensolver(geom: SGeometry, L: sp.Expr = LIPSCHITZ, *, sign: int = 1, two: int = 2):
    """``(ρ̃, w + η∇ρ̃)`` for the pencil ``(uuᵀ, S)``, ``η = wᵀAw/(2L(ρ̃ − λ_min))``, ``λ_min = 0``."""
    w, B, A = geom.w, geom.u * geom.u.T, geom.S
    wAw = (w.T * A * w)[0, 0]
    rt = (w.T * B * w)[0, 0] / wAw
    grad = sp.Matrix([sp.diff(rt, wi) for wi in w])
    lam_min = 0
    eta = wAw / (two * L * (rt - lam_min))
    return rt, w + sign * eta * grad


def eigensolver_step(d: int, L: sp.Expr = LIPSCHITZ) -> sp.Matrix:
    r"""The preconditioned-eigensolver step of MATH.md §3.1 for ``B = uuᵀ``, ``A = S``, ``T = I/L``.

    Ascent on ``ρ̃(w) = wᵀBw/wᵀAw`` (``= −ρ(w)``): ``w⁺ = w + η ∇ρ̃(w)`` with
    ``η = wᵀAw/(2L(ρ̃(w) − λ_min))`` and ``λ_min = 0`` (``B`` has rank one).  It coincides with
    :func:`rayleigh_step` (derivation ``ols.rayleigh-step-eigensolver``).
    """
    return _eigensolver(s_geometry(d), L)[1]


# --------------------------------------------------------------------------------------------
# Named derivations
# --------------------------------------------------------------------------------------------



#: The ids of :func:`derivations`, in report order (tests check the two agree).
DERIVATION_IDS = (
    "ols.objective",
    "ols.objective-bn",
    "ols.g-star",
    "ols.convex-in-g",
    "ols.rho",
    "ols.rho-grad",
    "ols.rho-grad-orthogonal",
    "ols.rho-star",
    "ols.solution",
    "ols.rho-gap",
    "ols.pencil-eigenvalues",
    "ols.rayleigh-step-closed-form",
    "ols.rayleigh-step-eigensolver",
    "ols.rayleigh-step-scale-equivariance",
)

def derivations(*, d: int = 3, prove: bool | None = None, points: int = 8, seed: int = 0) -> list[Derivation]:
    r"""Every identity of MATH.md §3 and §3.1 at dimension ``d``, each with negative controls.

    Parameters
    ----------
    d : int
        Explicit dimension, ``d ≥ 2``.
    prove : bool, optional
        Attempt the proof rung; defaults to ``d ≤ 4``.
    points : int
        Exact points per check.
    seed : int
        Seed of the point sampler.

    Returns
    -------
    list of Derivation
        Ids ``ols.objective``, ``ols.objective-bn``, ``ols.g-star``, ``ols.convex-in-g``,
        ``ols.rho``, ``ols.rho-grad``, ``ols.rho-grad-orthogonal``, ``ols.rho-star``,
        ``ols.solution``, ``ols.rho-gap``, ``ols.pencil-eigenvalues``,
        ``ols.rayleigh-step-closed-form``, ``ols.rayleigh-step-eigensolver``,
        ``ols.rayleigh-step-scale-equivariance``.

    Examples
    --------
    >>> ds = derivations(d=2, points=2)
    >>> all(x.passed for x in ds), ds[1].id, ds[1].controls[0].verification.status
    (True, 'ols.objective-bn', 'refuted')

    References
    ----------
    Kohler et al. (AISTATS 2019), Section 3, eqs. (10), (11) and the OLS theorem; MATH.md §3, §3.1.
    """
    check_derivation_dimension(d)
    geom = s_geometry(d)
    opts = ladder_options(geom, prove=prove, points=points, seed=seed)
    w, u, S, r, g, L, I = geom.w, geom.u, geom.S, geom.r, LENGTH, LIPSCHITZ, sp.eye(d)
    size = {"d": d}
    spd = ("S symmetric positive definite", "w ≠ 0")
    uw = (u.T * w)[0, 0]
    zero = sp.zeros(d, 1)
    sq = lambda v: (v.T * v)[0, 0]  # noqa: E731
    sqS = lambda v: (v.T * S * v)[0, 0]  # noqa: E731

    def dv(*args, **kw):
        return derive(*args, size=size, **{**opts, **kw})

    out: list[Derivation] = []

    # eq. (10)
    wt = vector("wt", d)
    f10 = ols_objective(d)
    out.append(dv(
        "ols.objective", SECTION + " (eq. 10)",
        r"E[(y - x^\top\tilde w)^2] = 2u^\top\tilde w + \tilde w^\top S\tilde w + E[y^2],"
        r"\quad u = E[-yx],\ S = E[xx^\top]",
        f10, 2 * (u.T * wt)[0, 0] + sqS(wt) + TARGET_MOMENT,
        controls=[
            ("sign convention of u dropped: −2uᵀw̃", f10, -2 * (u.T * wt)[0, 0] + sqS(wt) + TARGET_MOMENT),
            ("S replaced by I: w̃ᵀw̃", f10, 2 * (u.T * wt)[0, 0] + sq(wt) + TARGET_MOMENT),
        ],
        assumptions=("E[x] = 0", "S = E[x xᵀ] symmetric positive definite", "u = E[−y x]"),
    ))

    # eq. (11)
    f11 = _objective_bn(geom)
    out.append(dv(
        "ols.objective-bn", SECTION + " (eq. 11)",
        r"f_{OLS}(w,g) = \frac{2g\,u^\top w}{\|w\|_S} + g^2",
        f11, 2 * g * uw / r + g**2,
        controls=[
            ("seed's misprint 2g uᵀw/(‖w‖_S + g²)", f11, 2 * g * uw / (r + g**2)),
            ("S replaced by I in the norm: 2g uᵀw/‖w‖ + g²", f11, 2 * g * uw / sp.sqrt(sq(w)) + g**2),
        ],
        assumptions=spd + ("g real", "E[y²] dropped"),
    ))

    gs = _g_star(geom)
    rho_w = _rho_at(d)
    d_g = sp.diff(f11, g)
    out.append(dv(
        "ols.g-star", SECTION,
        r"g^*(w) = -\frac{u^\top w}{\|w\|_S}:\ \partial_g f_{OLS}(w,g^*) = 0,\ "
        r"f_{OLS}(w,g) = f_{OLS}(w,g^*) + (g-g^*)^2",
        [d_g.xreplace({g: gs}), f11 - rho_w], [0, (g - gs) ** 2],
        controls=[
            ("sign flipped: g* = +uᵀw/‖w‖_S", [d_g.xreplace({g: -gs}), f11 - f11.xreplace({g: -gs})],
             [0, (g + gs) ** 2]),
            ("g* = −uᵀw/‖w‖²_S (one norm too many)", [d_g.xreplace({g: gs / r}), f11 - f11.xreplace({g: gs / r})],
             [0, (g - gs / r) ** 2]),
        ],
        assumptions=spd + ("g real",),
    ))

    out.append(dv(
        "ols.convex-in-g", SECTION,
        r"\partial_g^2 f_{OLS}(w,g) = 2 > 0",
        sp.diff(f11, g, 2), 2,
        controls=[("dropped factor 2", sp.diff(f11, g, 2), 1),
                  ("curvature in w taken for that in g", sp.diff(f11, w[0], 2), 2)],
        assumptions=spd,
    ))

    out.append(dv(
        "ols.rho", SECTION,
        r"\rho(w) = f_{OLS}(w, g^*(w)) = -\frac{(u^\top w)^2}{\|w\|_S^2}",
        rho_w, -(uw**2) / r**2,
        controls=[
            ("S replaced by I in the norm", rho_w, -(uw**2) / sq(w)),
            ("sign flipped", rho_w, uw**2 / r**2),
        ],
        assumptions=spd,
    ))

    grad = _rho_grad(geom, rho_w)
    closed = -2 * uw / r**2 * (u - uw / r**2 * S * w)
    out.append(dv(
        "ols.rho-grad", SECTION,
        r"\nabla\rho(w) = -\frac{2u^\top w}{\|w\|_S^2}\Bigl(u - \frac{u^\top w}{\|w\|_S^2} S w\Bigr)",
        grad, closed,
        controls=[
            ("sign flipped", grad, -closed),
            ("dropped factor 2", grad, closed / 2),
            ("S replaced by I in the projection", grad, -2 * uw / r**2 * (u - uw / r**2 * w)),
        ],
        assumptions=spd,
    ))

    out.append(dv(
        "ols.rho-grad-orthogonal", SECTION,
        r"w^\top\nabla\rho(w) = 0",
        (w.T * grad)[0, 0], 0,
        controls=[("uᵀ∇ρ = 0", (u.T * grad)[0, 0], 0), ("wᵀS∇ρ = 0", (w.T * S * grad)[0, 0], 0)],
        assumptions=spd,
    ))

    # Minimisers: u = c S w, i.e. w = S⁻¹u / c lies on the line w ∥ S⁻¹u; witness S⁻¹u = c w.
    c = sp.Symbol("c", nonzero=True)
    on_line = dict(zip(u, c * S * w))
    u_line = c * S * w
    rho_star_line = -(u_line.T * (c * w))[0, 0]  # −uᵀS⁻¹u with S⁻¹u = c w
    par = dict(zip(u, c * w))
    out.append(dv(
        "ols.rho-star", SECTION,
        r"w \parallel S^{-1}u:\ \nabla\rho(w) = 0,\ \rho(w) = \rho^* = -u^\top S^{-1}u",
        [S * (c * w) - u_line, grad.xreplace(on_line), rho_w.xreplace(on_line)],
        [zero, zero, rho_star_line],
        controls=[
            ("minimiser on w ∥ u (S⁻¹ replaced by I)", grad.xreplace(par), zero),
            ("ρ* = −uᵀu", rho_w.xreplace(on_line), -sq(u_line)),
        ],
        assumptions=spd + ("u = c S w, c ≠ 0 (w ∥ S⁻¹u)",),
    ))

    wt_star = (gs * w / geom.s_norm).xreplace(on_line)
    out.append(dv(
        "ols.solution", SECTION,
        r"w \parallel S^{-1}u:\ \tilde w^* = g^*(w)\,\frac{w}{\|w\|_S} = -S^{-1}u",
        wt_star, -c * w,
        controls=[("sign flipped: +S⁻¹u", wt_star, c * w),
                  ("−u instead of −S⁻¹u", wt_star, -u_line)],
        assumptions=spd + ("u = c S w, c ≠ 0",),
    ))

    # ρ − ρ* as a dual norm, witness form: u = S a (a = S⁻¹u), S m = u − (uᵀw/r²) S w.
    a = vector("a", d)
    u_a = dict(zip(u, S * a))
    ua = (u.T * w)[0, 0].xreplace(u_a)
    resid = S * a - ua / r**2 * S * w
    gap, resid_dual = dual_norm_witness(resid, a - ua / r**2 * w, S)
    rho_gap = rho_w.xreplace(u_a) + sqS(a)  # ρ − ρ*, ρ* = −uᵀS⁻¹u = −aᵀSa
    out.append(dv(
        "ols.rho-gap", SECTION,
        r"\Bigl\|u - \frac{u^\top w}{\|w\|_S^2} S w\Bigr\|_{S^{-1}}^2 = \rho(w) - \rho^* \ \ (\ge 0)",
        [gap, resid_dual], [zero, rho_gap],
        controls=[
            ("S replaced by I in the norm", sq(resid), rho_gap),
            ("sign flipped: ρ* − ρ", [gap, resid_dual], [zero, -rho_gap]),
        ],
        assumptions=spd + ("witness form: u = S a",),
    ))

    B, A = u * u.T, S
    lam1 = sqS(a)  # uᵀS⁻¹u with u = S a
    z = vector("z", d)
    v_perp = sq(u) * z - (u.T * z)[0, 0] * u  # uᵀ v = 0
    out.append(dv(
        "ols.pencil-eigenvalues", SECTION + ".1",
        r"(B, A) = (uu^\top, S):\ B\,S^{-1}u = (u^\top S^{-1}u)\,A\,S^{-1}u,\ "
        r"B v = 0\cdot A v\ \text{for}\ u^\top v = 0",
        [(B * a).xreplace(u_a), B * v_perp], [lam1 * A * a, zero],
        controls=[
            ("λ₁ = uᵀu (an eigenvalue of B, not of the pencil)", (B * a).xreplace(u_a),
             (sq(u) * A * a).xreplace(u_a)),
            ("eigenvector u instead of S⁻¹u", (B * u).xreplace(u_a), lam1 * A * S * a),
        ],
        assumptions=spd + ("witness form: u = S a", "v = (uᵀu) z − (uᵀz) u"),
    ))

    step = _rayleigh_step(geom, rho_w, grad)
    closed_step = _step_closed_form(geom)
    out.append(dv(
        "ols.rayleigh-step-closed-form", SECTION,
        r"w - \eta_t\nabla\rho(w) = \Bigl(I - \frac{S}{L}\Bigr)w + \frac{w^\top S w}{L\,u^\top w}\,u,"
        r"\quad \eta_t = \frac{w^\top S w}{2L|\rho(w)|}",
        step, closed_step,
        controls=[
            ("η_t without the 2", _rayleigh_step(geom, rho_w, grad, two=1), closed_step),
            ("|ρ| taken as ρ", _rayleigh_step(geom, rho_w, grad, abs_rho=rho_w), closed_step),
            ("u-coefficient without wᵀSw", step, (I - S / L) * w + u / (L * uw)),
        ],
        assumptions=spd + ("uᵀw ≠ 0", "L > 0", "ρ ≤ 0 so |ρ| = −ρ"),
    ))

    rt, eig = _eigensolver(geom)
    out.append(dv(
        "ols.rayleigh-step-eigensolver", SECTION + ".1",
        r"\tilde\rho = \frac{w^\top uu^\top w}{w^\top S w} = -\rho,\ "
        r"w + \frac{w^\top S w}{2L(\tilde\rho - 0)}\nabla\tilde\rho = w - \eta_t\nabla\rho",
        [rt, eig], [-rho_w, step],
        controls=[
            ("descent w − η∇ρ̃ instead of ascent", [rt, _eigensolver(geom, sign=-1)[1]], [-rho_w, step]),
            ("η without the 2", [rt, _eigensolver(geom, two=1)[1]], [-rho_w, step]),
        ],
        assumptions=spd + ("uᵀw ≠ 0", "T = I/L", "λ_min = λ₂ = 0 for B = uuᵀ"),
    ))

    cw = dict(zip(w, c * w))
    eta_fixed = sp.Symbol("eta", positive=True)
    fixed = w - eta_fixed * grad
    out.append(dv(
        "ols.rayleigh-step-scale-equivariance", SECTION,
        r"w \mapsto c\,w\ (c \ne 0):\ w^+ \mapsto c\,w^+",
        step.xreplace(cw), c * step,
        controls=[
            ("scale-invariant instead of equivariant", step.xreplace(cw), step),
            ("fixed step size η instead of η_t", fixed.xreplace(cw), c * fixed),
        ],
        assumptions=spd + ("uᵀw ≠ 0", "c ≠ 0"),
    ))
    return out
