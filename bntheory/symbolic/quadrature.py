r"""Numerical checks by Gauss–Hermite quadrature, reported as named derivations (MATH.md §4.2, §6, §7).

The losses and activations of the paper (logistic, sigmoid, ``tanh``) have no closed-form Gaussian
expectations, so the gradient structures of MATH.md §4.2 and §6 are checked for them numerically:
both sides are computed by Gauss–Hermite quadrature at one instance and compared to an absolute
tolerance.  This module holds what those checks share:

* :func:`hermite_rule` and :func:`tensor_hermite_rule` — the probabilists' Gauss–Hermite rule for
  ``E[h(ξ)]``, ``ξ ~ N(0, 1)``, and its tensor product over ``R^n``;
* :func:`gaussian_model` — validation of the model ``z ~ N(u, S − uuᵀ)`` (MATH.md §4.1, assumption 4);
* :func:`quadrature_verification` and :func:`derive_by_quadrature` — the verdict of one
  comparison as a :class:`~bntheory.symbolic.verify.Verification` on the rung
  :data:`RUNG_QUADRATURE`, and a :class:`~bntheory.symbolic.derivation.Derivation` with its
  negative controls, so that a report lists the numerical checks with the symbolic ones.

A quadrature check is evidence at one instance, never a proof: its status is ``"consistent"``
when every difference is below the tolerance, ``"refuted"`` (with the instance and both sides as
the counterexample) otherwise.

Examples
--------
>>> import numpy as np
>>> x, w = hermite_rule(20)
>>> round(float(w @ x**2), 12), round(float(w @ x**4), 12)          # E[ξ²] = 1, E[ξ⁴] = 3
(1.0, 3.0)
>>> der = derive_by_quadrature(
...     "demo.second-moment", "MATH.md §7", r"E[\xi^2] = 1",
...     pairs=[("E[ξ²] vs 1", w @ x**2, 1.0)],
...     controls=[("E[ξ²] = 2", [("E[ξ²] vs 2", w @ x**2, 2.0)])],
...     instance={"n": 20}, note="20 nodes")
>>> der.passed, der.verification.status, der.controls[0].verification.status
(True, 'consistent', 'refuted')

References
----------
G. H. Golub, J. H. Welsch, *Calculation of Gauss quadrature rules*, Math. Comp. 23 (1969);
Kohler et al., *Exponential convergence rates for Batch Normalization*, AISTATS 2019
(arXiv:1805.10694), Sections 4 and 5; MATH.md §7 ("what verified means").
"""

from __future__ import annotations

import math
import time
from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np
import sympy as sp
from numpy.polynomial.hermite_e import hermegauss

from ..errors import ModelValidityError
from ..validation import as_finite_array, int_at_least, spd_matrix
from .derivation import Control, Derivation
from .verify import CONSISTENT, REFUTED, Counterexample, Verification

__all__ = [
    "RUNG_QUADRATURE",
    "QUADRATURE_TOL",
    "hermite_rule",
    "tensor_hermite_rule",
    "gaussian_model",
    "quadrature_verification",
    "derive_by_quadrature",
]

#: Rung name of the numerical (quadrature) checks.
RUNG_QUADRATURE = "Gauss–Hermite quadrature"
#: Absolute tolerance of the quadrature checks.
QUADRATURE_TOL = 1e-12


@lru_cache(maxsize=32)
def hermite_rule(n: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Nodes and weights of the ``n``-point rule for :math:`E[h(\xi)]`, :math:`\xi \sim N(0, 1)`.

    :math:`E[h(\xi)] \approx \sum_k w_k h(x_k)` with :math:`\sum_k w_k = 1`, exact for polynomials
    of degree ``≤ 2n − 1`` (``numpy.polynomial.hermite_e.hermegauss`` with the weights divided by
    :math:`\sqrt{2\pi}`).  Cached; the arrays are read-only.

    Parameters
    ----------
    n : int
        Number of nodes, ``≥ 2``.

    Returns
    -------
    (ndarray, ndarray)
        Nodes ``x`` and weights ``w``, shape ``(n,)`` each.

    Raises
    ------
    ParameterError
        If ``n`` is not an integer ``≥ 2``.

    Examples
    --------
    >>> x, w = hermite_rule(3)
    >>> round(float(w.sum()), 15), round(float(w @ x**4), 12)
    (1.0, 3.0)

    References
    ----------
    MATH.md §4.3 (one-dimensional reduction); §9 (numerical pitfalls).
    """
    int_at_least("nodes", n, 2)
    x, w = hermegauss(n)
    w = w / math.sqrt(2.0 * math.pi)
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


def tensor_hermite_rule(n: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    r"""The tensor product of :func:`hermite_rule` for :math:`E[h(\xi)]`, :math:`\xi \sim N(0, I_{dim})`.

    Parameters
    ----------
    n : int
        Nodes per dimension (``n**dim`` points in all).
    dim : int
        Dimension, ``≥ 1``.

    Returns
    -------
    (ndarray, ndarray)
        Nodes, shape ``(dim, n**dim)``, and weights, shape ``(n**dim,)``.

    Examples
    --------
    >>> X, w = tensor_hermite_rule(4, 2)
    >>> X.shape, round(float(w @ (X[0]**2 * X[1]**2)), 12)        # E[ξ₁²ξ₂²] = 1
    ((2, 16), 1.0)

    References
    ----------
    MATH.md §4.2 and §6 (brute-force check over ``z``).
    """
    int_at_least("dim", dim, 1)
    x, w = hermite_rule(n)
    nodes = np.stack([g.ravel() for g in np.meshgrid(*([x] * dim), indexing="ij")])
    weights = np.prod(np.stack(np.meshgrid(*([w] * dim), indexing="ij")).reshape(dim, -1), axis=0)
    return nodes, weights


def gaussian_model(S, u) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Validate the Gaussian model of MATH.md §4.1: ``z ~ N(u, Σ)`` with ``Σ = S − uuᵀ``.

    Parameters
    ----------
    S : array_like, shape (d, d)
        Second moment ``E[zzᵀ]``, symmetric positive definite.
    u : array_like, shape (d,)
        Mean, with ``uᵀS⁻¹u < 1`` (assumption 4: then ``Σ`` is positive definite).

    Returns
    -------
    (S, u, Sigma) : ndarrays

    Raises
    ------
    NotSymmetricError, NotPositiveDefiniteError, NonFiniteError, ShapeMismatchError
        ``S`` or ``u`` malformed.
    ModelValidityError
        ``uᵀS⁻¹u ≥ 1``.

    Examples
    --------
    >>> _, _, Sigma = gaussian_model(np.eye(2), [0.5, 0.0])
    >>> Sigma.tolist()
    [[0.75, 0.0], [0.0, 1.0]]

    References
    ----------
    MATH.md §4.1, assumption 4.
    """
    from ..errors import ShapeMismatchError

    S = spd_matrix("S", S)
    u = as_finite_array("u", u, ndim=1)
    if u.shape != (S.shape[0],):
        raise ShapeMismatchError(f"S {S.shape} and u {u.shape} do not match")
    valid = float(u @ np.linalg.solve(S, u))
    if valid >= 1.0:
        raise ModelValidityError(f"the Gaussian model needs uᵀS⁻¹u < 1, got uᵀS⁻¹u = {valid}")
    return S, u, S - np.outer(u, u)


def _float_matrix(a) -> sp.Matrix:
    return sp.Matrix([sp.Float(float(x), 17) for x in np.ravel(a)])


def quadrature_verification(pairs: Sequence[tuple], instance: Mapping, tol: float, note: str,
                            started: float) -> Verification:
    r"""The verdict on numerically computed pairs ``(name, lhs, rhs)``: ``max |lhs − rhs| ≤ tol`` for each.

    Parameters
    ----------
    pairs : sequence of (str, array_like, array_like)
    instance : mapping
        ``{name: array}``, the instance (recorded in a counterexample).
    tol : float
        Absolute tolerance.
    note : str
        How the sides were computed (rule, nodes, instance seed).
    started : float
        ``time.perf_counter()`` at the start of the computation (for ``seconds``).

    Returns
    -------
    Verification
        Rung :data:`RUNG_QUADRATURE`; ``"consistent"`` with every pair's error in the note, or
        ``"refuted"`` at the first pair over ``tol`` with the instance and both sides.

    Examples
    --------
    >>> quadrature_verification([("a vs b", [1.0], [1.0 + 1e-9])], {}, 1e-12, "demo", 0.0).status
    'refuted'

    References
    ----------
    MATH.md §7 (the ladder's verdicts).
    """
    worst = []
    for name, lhs, rhs in pairs:
        err = float(np.max(np.abs(np.asarray(lhs) - np.asarray(rhs))))
        worst.append(f"{name}: max |Δ| = {err:.1e}")
        if not err <= tol:
            point = {sp.Symbol(k): _float_matrix(v) for k, v in instance.items()}
            ce = Counterexample(point, _float_matrix(lhs), _float_matrix(rhs))
            return Verification(
                REFUTED, RUNG_QUADRATURE, 1, ce,
                f"{note}; {name}: max |Δ| = {err:.3e} > tol {tol:g}", time.perf_counter() - started,
            )
    return Verification(
        CONSISTENT, RUNG_QUADRATURE, 1, None,
        f"{note}; " + "; ".join(worst) + f" (tol {tol:g})", time.perf_counter() - started,
    )


def derive_by_quadrature(id: str, section: str, statement_latex: str, *, pairs: Sequence[tuple],
                         controls: Sequence[tuple], instance: Mapping, note: str,
                         assumptions: Sequence[str] = (), size: Mapping[str, int] | None = None,
                         tol: float = QUADRATURE_TOL, started: float | None = None) -> Derivation:
    r"""A named derivation checked by quadrature: ``pairs`` must agree, each control must not.

    Parameters
    ----------
    id, section, statement_latex : str
        As in :class:`~bntheory.symbolic.derivation.Derivation`.
    pairs : sequence of (str, array_like, array_like)
        The statement's comparisons (:func:`quadrature_verification`).
    controls : sequence of (str, sequence of (str, array_like, array_like))
        Negative controls: a description and the comparisons of the wrong variant, which must
        miss by more than ``tol``.
    instance : mapping
    note : str
    assumptions : sequence of str
    size : mapping, optional
    tol : float
    started : float, optional
        ``time.perf_counter()`` before the sides were computed (default: now), so that the
        statement's ``seconds`` include the quadrature.

    Returns
    -------
    Derivation

    Examples
    --------
    >>> x, w = hermite_rule(10)
    >>> derive_by_quadrature("demo.mean", "MATH.md §7", r"E[\xi] = 0", pairs=[("E[ξ]", w @ x, 0.0)],
    ...                       controls=[("E[ξ] = 1", [("E[ξ]", w @ x, 1.0)])], instance={}, note="10 nodes").passed
    True

    References
    ----------
    MATH.md §7 ("a check that cannot fail proves nothing").
    """
    main = quadrature_verification(pairs, instance, tol, note, time.perf_counter() if started is None else started)
    done = tuple(
        Control(description, quadrature_verification(cpairs, instance, tol, note, time.perf_counter()))
        for description, cpairs in controls
    )
    assumptions = tuple(assumptions) + (f"absolute tolerance {tol:g}",)
    return Derivation(id, section, statement_latex, assumptions, dict(size or {}), main, done)
