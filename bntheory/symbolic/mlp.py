r"""One hidden layer: Stein's gradient structure, per-unit reduction, critical points (MATH.md §6).

For ``f(W̃) = E[ℓ(Σ_i θ_i σ(zᵀw̃⁽ⁱ⁾))]`` with ``z ~ N(u, Σ)``, ``Σ = S − uuᵀ`` and the output
weights ``θ`` fixed, write ``q = W̃ᵀz ~ N(μ, C)`` (``μ_i = uᵀw̃⁽ⁱ⁾``, ``C_ij = w̃⁽ⁱ⁾ᵀΣw̃⁽ʲ⁾``) and
``ψ(q) = ℓ(Σ_i θ_i σ(q_i))``.  Stein's lemma in the jointly Gaussian ``(z, q)`` gives

.. math::
   \nabla_{\tilde w^{(i)}} f = \alpha_i u + \sum_j \beta_{ij}(S - uu^\top)\tilde w^{(j)},\qquad
   \alpha_i = E[\partial_i\psi(q)],\ \beta_{ij} = E[\partial_i\partial_j\psi(q)].

What is checked, and how
------------------------
* ``mlp.gradient-structure.exp`` / ``.poly`` — *derived from the expectation* for surrogates with
  closed-form Gaussian integrals (``ℓ = exp, σ = id``; ``ℓ(t) = l₁t + l₂t², σ(t) = t + k t²`` with
  free coefficients).  ``f = Φ(μ, C)`` is computed in closed form
  (:func:`~bntheory.symbolic.halfspace.gaussian_expectation`); ``∇f`` is the chain rule through
  ``μ, C``, whose derivatives in ``W̃`` are taken component-wise from their definitions; the
  moments are then kept as free symbols, so the proof holds for *every* value of them.
* ``mlp.quadrature.tanh`` — the real network (``σ = tanh``, ``ℓ`` logistic), ``m = 2`` units,
  by Gauss–Hermite quadrature: the reduction through ``E[z | q] = u + ΣW̃C⁻¹(q − μ)`` (2-D rule
  in ``q``) and brute-force tensor quadrature over ``z`` against the structure, to ``1e-12``.
* ``mlp.per-unit-reduction`` — *algebraic given the structure* (``α, β`` free): when every other
  unit is zero or on the line ``κ S⁻¹u``, unit ``i``'s direction gradient in BN coordinates is
  ``−(g‖w‖_S c⁽ⁱ⁾/(2uᵀw))∇ρ(w)``; the control with a generic other unit is refuted (from
  ``d = 3`` on as "not parallel to ``∇ρ``"; at ``d = 2`` any two vectors orthogonal to ``w`` are
  parallel, so there only the coefficient is wrong).
* ``mlp.critical-points`` — algebraic: ``G = uαᵀ + ΣW̃β = Σ(W̃ − W̃*)β`` with
  ``W̃* = −Σ⁻¹u αᵀβ⁻¹`` and ``Σ⁻¹u = S⁻¹u/(1 − uᵀS⁻¹u)``: for nonsingular ``β`` (and ``Σ``) every
  critical point has all units on the line ``S⁻¹u``.
* ``mlp.critical-points.singular`` — derived: for the linear-activation surrogate ``β = E[e^F]θθᵀ``
  is singular and the critical set ``{W̃θ = −Σ⁻¹u}`` contains points with units *off* the line.

On singular ``β`` with ``tanh``: the exact example above uses a linear activation.  With ``tanh``
the trivial singular case is a dead output weight ``θ_j = 0`` (``f`` does not depend on
``w̃⁽ʲ⁾``, so every ``w̃⁽ʲ⁾`` is critical); an example with all ``θ_j ≠ 0`` would need a numerical
search over critical points and is not attempted here.

Examples
--------
With linear units (``ℓ = exp, σ = id``) the matrix ``β = E[e^F] θθᵀ`` is singular, the case of
``mlp.critical-points.singular``:

>>> st = gradient_structure("exp", 2, 2)
>>> st.beta.det()
0

References
----------
Kohler et al., *Exponential convergence rates for Batch Normalization*, AISTATS 2019
(arXiv:1805.10694), Section 5 (one-hidden-layer network, alternating optimisation).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache, partial

import numpy as np
import sympy as sp

from ..errors import ParameterError, ShapeMismatchError
from ..validation import as_finite_array, int_at_least
from .derivation import Derivation
from .geometry import attempt_proof, check_size, dot, symmetric_matrix, vector
from .halfspace import (
    bn_gradients,
    derive_dividing_exp,
    gaussian_expectation,
    halfspace_symbols,
    quadrature_instance,
)
from .ols import rho_grad
from .quadrature import QUADRATURE_TOL, derive_by_quadrature, gaussian_model, tensor_hermite_rule

__all__ = [
    "DERIVATION_IDS",
    "SURROGATES",
    "MLPSymbols",
    "mlp_symbols",
    "GradientStructure",
    "gradient_structure",
    "per_unit_gradient",
    "MLPQuadrature",
    "mlp_quadrature",
    "quadrature_derivation",
    "derivations",
]

#: Closed-form surrogates ``(ℓ, σ)``: ``"exp"`` = (exp, identity), ``"poly"`` = (l₁t + l₂t², t + k t²).
SURROGATES = ("exp", "poly")


@dataclass(frozen=True)
class MLPSymbols:
    r"""Symbols of MATH.md §6: ``u, S`` (shared with :mod:`.halfspace`), units ``w̃⁽ⁱ⁾``, ``θ``.

    Attributes
    ----------
    d, m : int
    units : tuple of sympy.Matrix
        ``w̃⁽ⁱ⁾`` with symbols ``wt{i}_{k}``.
    theta : tuple of sympy.Symbol
    mu : tuple of sympy.Symbol
        Placeholders for ``μ_i = uᵀw̃⁽ⁱ⁾``.
    C : sympy.Matrix
        Symmetric placeholders for ``C_ij = w̃⁽ⁱ⁾ᵀΣw̃⁽ʲ⁾``.
    alpha : tuple of sympy.Symbol
    beta : sympy.Matrix
        Symmetric free symbols ``β_ij`` (the algebraic statements).
    """

    d: int
    m: int
    units: tuple
    theta: tuple
    mu: tuple
    C: sp.Matrix
    alpha: tuple
    beta: sp.Matrix

    @property
    def hs(self):
        """The shared symbols ``u, S, v, g, …`` of :func:`~.halfspace.halfspace_symbols` (MATH.md §4, §6)."""
        return halfspace_symbols(self.d)


@lru_cache(maxsize=None)
def mlp_symbols(d: int, m: int = 2) -> MLPSymbols:
    """Build (and cache) :class:`MLPSymbols`; ``d ≥ 1``, ``m ≥ 1`` (:class:`ParameterError` otherwise).

    Examples
    --------
    >>> ms = mlp_symbols(2, 2)
    >>> ms.units[1].T, ms.beta[0, 1]
    (Matrix([[wt2_1, wt2_2]]), beta12)

    References
    ----------
    MATH.md §6.
    """
    check_size("d", d)
    check_size("m", m)
    return MLPSymbols(
        d, m,
        tuple(vector(f"wt{i + 1}_", d) for i in range(m)),
        tuple(sp.symbols(f"theta1:{m + 1}")),
        tuple(sp.symbols(f"mu1:{m + 1}")),
        symmetric_matrix("C", m),
        tuple(sp.symbols(f"alpha1:{m + 1}")),
        symmetric_matrix("beta", m),
    )


def _surrogate(name: str, qs, theta) -> sp.Expr:
    if name == "exp":
        return sp.exp(sum(t * q for t, q in zip(theta, qs)))
    if name == "poly":
        l1, l2, k = sp.symbols("l1 l2 k")
        F = sum(t * (q + k * q**2) for t, q in zip(theta, qs))
        return l1 * F + l2 * F**2
    raise ParameterError(f"unknown surrogate {name!r}; known: {SURROGATES}")


@dataclass(frozen=True)
class GradientStructure:
    r"""Both sides of the MATH.md §6 structure for a closed-form surrogate.

    Attributes
    ----------
    objective : sympy.Expr
        ``Φ(μ, C) = E[ψ(q)]`` in the placeholders ``μ, C``.
    gradient : sympy.Matrix
        ``(∇_{w̃⁽¹⁾} f; …; ∇_{w̃⁽ᵐ⁾} f)`` stacked (length ``m d``), by the chain rule
        ``Σ_k Φ_{μ_k} ∂μ_k + Σ_{k≤l} Φ_{C_kl} ∂C_kl`` with ``∂μ, ∂C`` derived component-wise.
    structure : sympy.Matrix
        ``α_i u + Σ_j β_ij Σ w̃⁽ʲ⁾`` stacked, with closed-form ``α_i = E[∂_iψ]``, ``β_ij = E[∂_i∂_jψ]``.
    alpha : tuple of sympy.Expr
    beta : sympy.Matrix
    moments : dict
        ``{μ_i: uᵀw̃⁽ⁱ⁾, C_ij: w̃⁽ⁱ⁾ᵀΣw̃⁽ʲ⁾}`` (substitute to get functions of ``W̃``).
    """

    objective: sp.Expr
    gradient: sp.Matrix
    structure: sp.Matrix
    alpha: tuple
    beta: sp.Matrix
    moments: dict


def gradient_structure(surrogate: str, d: int, m: int = 2, *, drop_cross: bool = False) -> GradientStructure:
    r"""Derive ``∇_{w̃⁽ⁱ⁾} f`` and ``α_i u + Σ_j β_ij (S − uuᵀ) w̃⁽ʲ⁾`` for a closed-form surrogate.

    Parameters
    ----------
    surrogate : {"exp", "poly"}
    d, m : int
        Input dimension and number of hidden units.
    drop_cross : bool
        Negative control: omit the cross terms ``β_ij``, ``j ≠ i``.

    Returns
    -------
    GradientStructure

    Raises
    ------
    ParameterError
        Unknown surrogate, ``d < 1`` or ``m < 1``.

    Examples
    --------
    >>> from bntheory.symbolic.verify import verify_identity
    >>> st = gradient_structure("poly", 2, 2)
    >>> verify_identity(st.gradient, st.structure, points=2).status
    'proved'
    >>> bad = gradient_structure("poly", 2, 2, drop_cross=True)
    >>> verify_identity(st.gradient, bad.structure, points=2).status
    'refuted'

    References
    ----------
    MATH.md §6.
    """
    ms = mlp_symbols(d, m)
    hs = ms.hs
    u = hs.geo.u
    Sigma = hs.Sigma
    qs = sp.symbols(f"_q1:{m + 1}", cls=sp.Dummy)
    psi = _surrogate(surrogate, qs, ms.theta)
    E = lambda expr: gaussian_expectation(expr, qs, ms.mu, ms.C)  # noqa: E731
    Phi = E(psi)
    alpha = tuple(E(sp.diff(psi, qs[i])) for i in range(m))
    beta = sp.Matrix(m, m, lambda i, j: E(sp.diff(psi, qs[i], qs[j])))
    moments = {ms.mu[i]: dot(u, ms.units[i]) for i in range(m)}
    moments.update({ms.C[i, j]: (ms.units[i].T * Sigma * ms.units[j])[0, 0] for i in range(m) for j in range(i, m)})
    flat = [x for unit in ms.units for x in unit]
    grad = []
    for x in flat:
        g = sp.Integer(0)
        for i in range(m):
            g += sp.diff(Phi, ms.mu[i]) * sp.diff(moments[ms.mu[i]], x)
            for j in range(i, m):
                g += sp.diff(Phi, ms.C[i, j]) * sp.diff(moments[ms.C[i, j]], x)
        grad.append(g)
    struct = []
    for i in range(m):
        col = alpha[i] * u
        for j in range(m):
            if drop_cross and j != i:
                continue
            col += beta[i, j] * (Sigma * ms.units[j])
        struct.extend(col)
    return GradientStructure(Phi, sp.Matrix(grad), sp.Matrix(struct), alpha, beta, moments)


def per_unit_gradient(d: int, *, other: str = "line") -> tuple[sp.Matrix, sp.Expr]:
    r"""Unit 1's direction gradient in BN coordinates, ``m = 2``, with ``u = S v`` (MATH.md §6).

    Unit 1 is ``w̃⁽¹⁾ = g w/‖w‖_S``; its gradient ``α₁u + β₁₁Σw̃⁽¹⁾ + β₁₂Σw̃⁽²⁾`` (``α, β`` free) is
    pulled back by the chain rule (:func:`~bntheory.symbolic.halfspace.bn_gradients`).

    Parameters
    ----------
    d : int
    other : {"line", "zero", "generic"}
        Unit 2 is ``κ S⁻¹u = κ v``, ``0``, or free symbols.

    Returns
    -------
    (sympy.Matrix, sympy.Expr)
        ``∇_w f`` and the claimed coefficient ``c⁽¹⁾ = α₁ − β₁₁uᵀw̃⁽¹⁾ + β₁₂κ(1 − uᵀS⁻¹u)``
        (``κ = 0`` for ``"zero"``; for ``"generic"`` it is not meaningful).

    Examples
    --------
    >>> from bntheory.symbolic.verify import verify_identity
    >>> from bntheory.symbolic.halfspace import halfspace_symbols
    >>> from bntheory.symbolic.ols import rho_grad
    >>> hs = halfspace_symbols(2)
    >>> gw, c = per_unit_gradient(2)
    >>> uw = (hs.Sv.T * hs.geo.w)[0, 0]
    >>> claim = -(hs.g * hs.geo.r * c / (2 * uw)) * rho_grad(2, u=hs.Sv)
    >>> verify_identity(gw, claim, relations=[hs.geo.relation], points=2).status
    'proved'
    """
    if other not in ("line", "zero", "generic"):
        raise ParameterError(f"unknown other = {other!r}; known: 'line', 'zero', 'generic'")
    ms = mlp_symbols(d, 2)
    hs = ms.hs
    geo = hs.geo
    S, v, w, r, g = geo.S, hs.v, geo.w, geo.r, hs.g
    u = S * v
    Sigma = S - u * u.T
    if other == "line":
        other_unit, kappa = hs.kappa * v, hs.kappa
    elif other == "zero":
        other_unit, kappa = sp.zeros(d, 1), sp.Integer(0)
    else:
        other_unit, kappa = ms.units[1], sp.Integer(0)
    a1, b = ms.alpha[0], ms.beta

    def grad(wt1):
        return a1 * u + b[0, 0] * (Sigma * wt1) + b[0, 1] * (Sigma * other_unit)

    gw, _ = bn_gradients(d, gradient=grad)
    uwt1 = dot(u, w) * g / r
    c = a1 - b[0, 0] * uwt1 + b[0, 1] * kappa * (1 - (v.T * S * v)[0, 0])
    return gw, c


# --------------------------------------------------------------------------------------------
# tanh network by quadrature
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MLPQuadrature:
    r"""``∇_{w̃⁽ⁱ⁾} f`` for the tanh network, three ways (columns ``i``; see :func:`mlp_quadrature`).

    Attributes
    ----------
    reduced : ndarray, shape (d, m)
        ``u α_i + ΣW̃C⁻¹E[∂_iψ(q)(q − μ)]`` — 2-D Gauss–Hermite over ``q`` (conditional mean of ``z``).
    tensor : ndarray or None
        Brute-force tensor Gauss–Hermite over ``z``.
    structure : ndarray
        ``α_i u + Σ_j β_ij Σ w̃⁽ʲ⁾``.
    control : ndarray
        The structure without the cross terms ``j ≠ i``.
    alpha : ndarray, beta : ndarray

    References
    ----------
    MATH.md §6.
    """

    reduced: np.ndarray
    tensor: np.ndarray | None
    structure: np.ndarray
    control: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray


def _tanh_network_derivatives(Q: np.ndarray, theta: np.ndarray, loss):
    """``∂_iψ`` (m, N) and ``∂_i∂_jψ`` (m, m, N) for ``ψ(q) = ℓ(Σθ_i tanh q_i)`` at columns of ``Q``."""
    th = np.tanh(Q)
    sech2 = 1.0 - th**2
    F = theta @ th
    l1, l2 = loss.derivative(1)(F), loss.derivative(2)(F)
    d1 = l1 * theta[:, None] * sech2
    d2 = l2 * (theta[:, None, None] * theta[None, :, None]) * (sech2[:, None, :] * sech2[None, :, :])
    m = theta.size
    for i in range(m):
        d2[i, i] += l1 * theta[i] * (-2.0 * th[i] * sech2[i])
    return d1, d2


def mlp_quadrature(S, u, W, theta, *, loss: str = "logistic", nodes: int = 80,
                   tensor_nodes: int | None = None) -> MLPQuadrature:
    r"""The MATH.md §6 structure for ``σ = tanh`` by Gauss–Hermite quadrature.

    Parameters
    ----------
    S, u : array_like
        Model (``uᵀS⁻¹u < 1``).
    W : array_like, shape (d, m)
        The units ``w̃⁽ⁱ⁾`` as columns (``WᵀΣW`` must be positive definite).
    theta : array_like, shape (m,)
    loss : str
        The outer loss ``ℓ`` (:func:`bntheory.losses.get_loss`).
    nodes : int
        Gauss–Hermite nodes per dimension of ``q`` (``nodes**m`` points).
    tensor_nodes : int, optional
        Nodes per dimension of the brute-force rule over ``z`` (``tensor_nodes**d`` points).

    Raises
    ------
    ModelValidityError, ShapeMismatchError, ParameterError

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[2.0, 0.3], [0.3, 1.0]]); u = np.array([0.5, -0.2])
    >>> W = np.array([[0.3, -0.1], [0.2, 0.4]]); theta = np.array([1.0, -0.7])
    >>> res = mlp_quadrature(S, u, W, theta, tensor_nodes=60)
    >>> bool(np.abs(res.reduced - res.structure).max() < 1e-12), bool(np.abs(res.tensor - res.structure).max() < 1e-12)
    (True, True)
    """
    from ..losses import get_loss

    lossf = get_loss(loss)
    int_at_least("nodes", nodes, 2)
    S, u, Sigma = gaussian_model(S, u)
    W = as_finite_array("W", W, ndim=2)
    theta = as_finite_array("theta", theta, ndim=1)
    d, m = W.shape
    if S.shape != (d, d) or theta.shape != (m,):
        raise ShapeMismatchError(f"S {S.shape}, u {u.shape}, W {W.shape}, theta {theta.shape} do not match")
    mu = W.T @ u
    C = W.T @ Sigma @ W
    grid, weights = tensor_hermite_rule(nodes, m)
    Q = mu[:, None] + np.linalg.cholesky(C) @ grid
    d1, d2 = _tanh_network_derivatives(Q, theta, lossf)
    alpha = d1 @ weights
    beta = d2 @ weights
    cov_term = d1 @ (weights[:, None] * (Q - mu[:, None]).T)          # (m, m): E[∂_iψ (q − μ)_k]
    reduced = np.outer(u, alpha) + Sigma @ W @ np.linalg.solve(C, cov_term.T)
    structure = np.outer(u, alpha) + Sigma @ W @ beta.T
    control = np.outer(u, alpha) + Sigma @ W * np.diag(beta)[None, :]
    tensor = None
    if tensor_nodes is not None:
        int_at_least("tensor_nodes", tensor_nodes, 2)
        xi, wz = tensor_hermite_rule(tensor_nodes, d)
        Z = u[:, None] + np.linalg.cholesky(Sigma) @ xi
        dz, _ = _tanh_network_derivatives(W.T @ Z, theta, lossf)
        tensor = Z @ (wz[:, None] * dz.T)
    return MLPQuadrature(reduced, tensor, structure, control, alpha, beta)


def mlp_quadrature_instance(d: int, m: int = 2, seed: int = 0):
    """A deterministic instance ``(S, u, W, θ)``: :func:`~.halfspace.quadrature_instance` plus units of ``S``-norm 0.5 (MATH.md §6)."""
    S, u, _ = quadrature_instance(d, seed)
    rng = np.random.default_rng(seed + 1)
    W = rng.standard_normal((d, m))
    W /= np.sqrt(np.einsum("im,ij,jm->m", W, S, W)) / 0.5
    theta = np.linspace(1.0, -0.7, m) if m > 1 else np.array([1.0])
    return S, u, W, theta


def quadrature_derivation(d: int = 3, m: int = 2, *, seed: int = 0, nodes: int = 80,
                          tensor_nodes: int | None = None, tol: float = QUADRATURE_TOL) -> Derivation:
    r"""``mlp.quadrature.tanh``: the §6 structure for ``σ = tanh``, ``ℓ`` logistic, by quadrature.

    Control: the cross terms ``β_ij, j ≠ i`` dropped (must miss by more than ``tol``).

    Examples
    --------
    >>> quadrature_derivation(2).passed
    True

    References
    ----------
    MATH.md §6.
    """
    t0 = time.perf_counter()
    check_size("d", d)
    check_size("m", m)
    if tensor_nodes is None:
        tensor_nodes = {1: 64, 2: 64, 3: 60}.get(d)
    S, u, W, theta = mlp_quadrature_instance(d, m, seed)
    res = mlp_quadrature(S, u, W, theta, nodes=nodes, tensor_nodes=tensor_nodes)
    instance = {"S": S, "u": u, "W": W, "theta": theta}
    note = f"Gauss–Hermite {nodes}^{m} nodes in q" + (
        f"; tensor {tensor_nodes}^{d} nodes in z" if tensor_nodes else "") + f"; instance seed {seed}"
    pairs = [("reduction E[z|q] vs structure", res.reduced, res.structure)]
    if res.tensor is not None:
        pairs.append(("tensor vs structure", res.tensor, res.structure))
    return derive_by_quadrature(
        "mlp.quadrature.tanh", "MATH.md §6",
        r"\nabla_{\tilde w^{(i)}} f = \alpha_i u + \sum_j \beta_{ij}(S - uu^\top)\tilde w^{(j)}",
        pairs=pairs,
        controls=[("cross terms β_ij (j ≠ i) dropped",
                   [("cross terms β_ij (j ≠ i) dropped", res.reduced, res.control)])],
        instance=instance, note=note,
        assumptions=("σ = tanh, ℓ logistic", "z ~ N(u, S − uuᵀ), uᵀS⁻¹u = 1/2"),
        size={"d": d, "m": m}, tol=tol, started=t0,
    )


# --------------------------------------------------------------------------------------------
# Named derivations
# --------------------------------------------------------------------------------------------



#: The ids of :func:`derivations`, in report order (tests check the two agree).
DERIVATION_IDS = (
    "mlp.gradient-structure.exp",
    "mlp.gradient-structure.poly",
    "mlp.per-unit-reduction",
    "mlp.per-unit-reduction.zero",
    "mlp.critical-points",
    "mlp.critical-points.singular",
    "mlp.quadrature.tanh",
)

def derivations(*, d: int = 3, prove: bool | None = None, points: int = 8, seed: int = 0) -> list[Derivation]:
    r"""Every identity of MATH.md §6 at dimension ``d`` (``m = 2`` units), with negative controls.

    Parameters
    ----------
    d : int
    prove : bool, optional
        Attempt the proof rung; default ``d ≤ 4``.
    points : int
    seed : int

    Returns
    -------
    list of Derivation
        ``mlp.gradient-structure.exp``, ``mlp.gradient-structure.poly``,
        ``mlp.per-unit-reduction``, ``mlp.per-unit-reduction.zero``, ``mlp.critical-points``,
        ``mlp.critical-points.singular``, ``mlp.quadrature.tanh``.

    Examples
    --------
    >>> ders = derivations(d=2, points=2)
    >>> all(x.passed for x in ders), len(ders)
    (True, 7)
    """
    prove = attempt_proof(check_size("d", d), prove)
    m = 2
    ms = mlp_symbols(d, m)
    hs = ms.hs
    geo = hs.geo
    S, v, w, r, g = geo.S, hs.v, geo.w, geo.r, hs.g
    Sv = hs.Sv
    ladder = dict(prove=prove, points=points, seed=seed, domain=hs.domain)
    size = {"d": d, "m": m}
    dv = partial(derive_dividing_exp, size=size, **ladder)
    out: list[Derivation] = []

    # ---- structure, derived from closed-form surrogates ---------------------------------------
    for sur, desc in (("exp", "ℓ = exp, σ = identity"), ("poly", "ℓ(t) = l₁t + l₂t², σ(t) = t + k t²")):
        st = gradient_structure(sur, d, m)
        bad = gradient_structure(sur, d, m, drop_cross=True)
        wrong_cov = st.structure.xreplace({x: 0 for x in geo.u}) + sp.Matrix(
            [a * ui for a in st.alpha for ui in geo.u])
        out.append(dv(
            f"mlp.gradient-structure.{sur}", "MATH.md §6",
            r"\nabla_{\tilde w^{(i)}} E[\psi(\tilde W^\top z)] = \alpha_i u + \sum_j \beta_{ij}(S-uu^\top)\tilde w^{(j)}",
            st.gradient, st.structure,
            controls=[
                ("cross terms β_ij (j ≠ i) dropped", st.gradient, bad.structure),
                ("S instead of S − uuᵀ in the β terms", st.gradient, wrong_cov),
            ],
            assumptions=(desc, "z ~ N(u, S − uuᵀ)", "moments μ, C kept as free symbols after the chain rule"),
        ))

    # ---- per-unit reduction (algebraic given the structure) --------------------------------------
    rel = [geo.relation]
    uw = dot(Sv, w)
    grad_rho = rho_grad(d, u=Sv)
    gw, c = per_unit_gradient(d, other="line")
    gw_gen, _ = per_unit_gradient(d, other="generic")
    claim = -(g * r * c / (2 * uw)) * grad_rho
    minors = sp.Matrix([gw_gen[0] * grad_rho[j] - gw_gen[j] * grad_rho[0] for j in range(1, d)])
    ctrls = [("the factor (1 − uᵀS⁻¹u) of the other unit's term dropped", gw,
              -(g * r * (c.xreplace({hs.kappa: 0}) + ms.beta[0, 1] * hs.kappa) / (2 * uw)) * grad_rho)]
    if d >= 3:
        ctrls.insert(0, ("other unit generic (off the line): direction gradient ∥ ∇ρ", minors, sp.zeros(len(minors), 1)))
    else:
        # At d = 2 both vectors lie in the line w^⊥ (wᵀ∇_w f = wᵀ∇ρ = 0), so they are always
        # parallel; off the line S⁻¹u only the coefficient fails.
        ctrls.insert(0, ("other unit generic (off the line), coefficient with κ = 0", gw_gen,
                         -(g * r * c.xreplace({hs.kappa: 0}) / (2 * uw)) * grad_rho))
    out.append(dv(
        "mlp.per-unit-reduction", "MATH.md §6",
        r"\tilde w^{(2)} = \kappa S^{-1}u \Rightarrow \nabla_w f = -\frac{g\|w\|_S c^{(1)}}{2u^\top w}\nabla\rho(w),\ "
        r"c^{(1)} = \alpha_1 - \beta_{11}u^\top\tilde w^{(1)} + \beta_{12}\kappa(1 - u^\top S^{-1}u)",
        gw, claim, controls=ctrls,
        assumptions=("gradient structure with free α, β (β symmetric)", "u = S v", "w̃⁽¹⁾ = g w/‖w‖_S", "uᵀw ≠ 0"),
        relations=rel,
    ))
    gw0, c0 = per_unit_gradient(d, other="zero")
    out.append(dv(
        "mlp.per-unit-reduction.zero", "MATH.md §6",
        r"\tilde w^{(2)} = 0 \Rightarrow \nabla_w f = -\frac{g\|w\|_S(\alpha_1 - \beta_{11}u^\top\tilde w^{(1)})}{2u^\top w}\nabla\rho(w)",
        gw0, -(g * r * c0 / (2 * uw)) * grad_rho,
        controls=[("β₁₁ term dropped from the coefficient", gw0, -(g * r * ms.alpha[0] / (2 * uw)) * grad_rho)],
        assumptions=("gradient structure with free α, β", "u = S v", "untrained unit held at g⁽²⁾ = 0"),
        relations=rel,
    ))

    # ---- critical points -------------------------------------------------------------------------
    W = sp.Matrix.hstack(*ms.units)
    alpha = sp.Matrix(ms.alpha)
    beta = ms.beta
    Sigma_v = S - Sv * Sv.T
    G = Sv * alpha.T + Sigma_v * W * beta
    vSv = (v.T * S * v)[0, 0]
    beta_inv = beta.adjugate() / beta.det()
    Wstar = -(v / (1 - vSv)) * alpha.T * beta_inv
    out.append(dv(
        "mlp.critical-points", "MATH.md §6; CLAIMS.md A-nn-crit",
        r"u\alpha^\top + \Sigma\tilde W\beta = \Sigma(\tilde W - \tilde W^*)\beta,\ "
        r"\tilde W^* = -\frac{S^{-1}u}{1 - u^\top S^{-1}u}\alpha^\top\beta^{-1}",
        G, Sigma_v * (W - Wstar) * beta,
        controls=[
            ("Σ⁻¹u replaced by S⁻¹u (factor 1/(1 − uᵀS⁻¹u) dropped)", G, Sigma_v * (W + v * alpha.T * beta_inv) * beta),
            ("β⁻¹ replaced by β", G, Sigma_v * (W + (v / (1 - vSv)) * alpha.T * beta) * beta),
        ],
        assumptions=("gradient structure with free α, symmetric β (det β ≠ 0)", "u = S v",
                     "Σ = S − uuᵀ nonsingular (uᵀS⁻¹u < 1): G = 0 iff W̃ = W̃*, every column ∥ S⁻¹u"),
    ))

    # Singular β: ψ = exp(θᵀq) (linear units): β = E[e^F] θθᵀ, critical set W̃θ = −Σ⁻¹u.
    # An existence example: built at d_ex = min(d, 4) (its exact evaluation grows fast with d).
    # θ₁ = 1 (the example needs one θ; a general θ₁ ≠ 0 only rescales unit 1 and triples the proof time).
    d_ex = min(d, 4)
    ms = mlp_symbols(d_ex, m)
    hs = ms.hs
    geo = hs.geo
    S, v, Sv = geo.S, hs.v, hs.Sv
    vSv = (v.T * S * v)[0, 0]
    th1, th2 = sp.Integer(1), ms.theta[1]
    st0 = gradient_structure("exp", d_ex, m)
    one = {ms.theta[0]: sp.Integer(1)}
    st = GradientStructure(st0.objective.xreplace(one), st0.gradient.xreplace(one), st0.structure.xreplace(one),
                           tuple(a.xreplace(one) for a in st0.alpha), st0.beta.xreplace(one), st0.moments)
    y = vector("y", d_ex)
    xstar = -v / (1 - vSv)
    at_crit = {**{a: b for a, b in zip(ms.units[0], (xstar - th2 * y) / th1)}, **dict(zip(ms.units[1], y))}
    su = dict(zip(geo.u, Sv))
    moments = {k: val.xreplace(su).xreplace(at_crit) for k, val in st.moments.items()}
    grad_crit = st.gradient.xreplace(su).xreplace(at_crit)
    beta_crit = st.beta
    off = {**{a: b for a, b in zip(ms.units[0], xstar / th1)}, **dict(zip(ms.units[1], y))}
    grad_off = st.gradient.xreplace(su).xreplace(off)
    moments_off = {k: val.xreplace(su).xreplace(off) for k, val in st.moments.items()}
    line_minors = sp.Matrix([y[i] * v[j] - y[j] * v[i] for i in range(d_ex) for j in range(i + 1, d_ex)])
    ctrls = [("W̃θ ≠ −Σ⁻¹u (unit 1 not compensating unit 2): gradient vanishes",
              grad_off.xreplace(moments_off), sp.zeros(m * d_ex, 1))]
    if d_ex >= 2:
        ctrls.append(("unit 2 on the line S⁻¹u at this critical point", line_minors, sp.zeros(len(line_minors), 1)))
    out.append(dv(
        "mlp.critical-points.singular", "MATH.md §6; CLAIMS.md A-nn-crit",
        r"\psi = e^{\theta^\top q},\ \theta = (1, \theta_2):\ \det\beta = 0,\ \nabla f(\tilde W) = 0 \text{ for } "
        r"\tilde w^{(1)} = -\Sigma^{-1}u - \theta_2 y,\ \tilde w^{(2)} = y \text{ (any } y)",
        [grad_crit.xreplace(moments), beta_crit.det()], [sp.zeros(m * d_ex, 1), 0],
        controls=ctrls,
        assumptions=("ℓ = exp, σ = identity (a linear hidden layer)", "u = S v, Σ⁻¹u = v/(1 − vᵀSv)", "θ₁ = 1"),
        size={"d": d_ex, "m": m}, prove=prove and attempt_proof(d_ex),
    ))

    out.append(quadrature_derivation(min(d, 3), m, seed=seed))
    return out
