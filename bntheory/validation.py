"""Input checks shared by every module; each raises a specific :mod:`bntheory.errors` exception."""

from __future__ import annotations

import numbers

import numpy as np

from .errors import (
    NonFiniteError,
    NotPositiveDefiniteError,
    NotSymmetricError,
    ParameterError,
    ShapeMismatchError,
)


def as_finite_array(name: str, value, ndim: int | None = None) -> np.ndarray:
    """Return ``value`` as a float64 array, checking dimension and finiteness.

    Raises
    ------
    ShapeMismatchError
        If ``ndim`` is given and the array has another number of dimensions.
    NonFiniteError
        If any entry is NaN or ±Inf; the message names the first such index.
    """
    arr = np.asarray(value, dtype=np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ShapeMismatchError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise NonFiniteError(f"{name} is not finite: {name}{list(idx)} = {arr[idx]}")
    return arr


def finite_scalar(name: str, value) -> float:
    """Return ``value`` as a finite float, or raise :class:`NonFiniteError`/:class:`ParameterError`."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise ParameterError(f"{name} must be a real number, got {value!r}")
    out = float(value)
    if not np.isfinite(out):
        raise NonFiniteError(f"{name} is not finite: {name} = {out}")
    return out


def int_at_least(name: str, value, minimum: int, error=ParameterError) -> int:
    """Return ``value`` as an int ``≥ minimum``, or raise ``error`` naming it."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise error(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise error(f"{name} must be at least {minimum}, got {name} = {value}")
    return int(value)


def spd_matrix(name: str, value, rtol: float = 1e-10) -> np.ndarray:
    """Check that ``value`` is a finite, symmetric, positive definite square matrix.

    Symmetry is tested to ``rtol`` relative to the largest entry; the matrix returned is
    exactly symmetrised, so later eigen-computations see a symmetric input.

    Raises
    ------
    ShapeMismatchError, NonFiniteError, NotSymmetricError, NotPositiveDefiniteError
    """
    S = as_finite_array(name, value, ndim=2)
    if S.shape[0] != S.shape[1]:
        raise ShapeMismatchError(f"{name} must be square, got shape {S.shape}")
    scale = max(float(np.max(np.abs(S))), np.finfo(float).tiny)
    asym = float(np.max(np.abs(S - S.T)))
    if asym > rtol * scale:
        raise NotSymmetricError(f"{name} is not symmetric: max |{name} - {name}ᵀ| = {asym:.3g}")
    S = 0.5 * (S + S.T)
    lam_min = float(np.linalg.eigvalsh(S)[0])
    if lam_min <= 0.0:
        raise NotPositiveDefiniteError(f"{name} is not positive definite: λ_min = {lam_min:.6g}")
    return S


def inputs_and_labels(X, y) -> tuple[np.ndarray, np.ndarray]:
    r"""Validate a batch ``X`` (n×d) with labels ``y ∈ {−1, +1}ⁿ`` (MATH.md §0, §5).

    Raises
    ------
    ShapeMismatchError
        If ``X`` has not as many rows as ``y`` has entries.
    ParameterError
        If a label is not ±1 (the message names the first one).
    """
    X = as_finite_array("X", X, ndim=2)
    y = as_finite_array("y", y, ndim=1)
    if X.shape[0] != y.shape[0]:
        raise ShapeMismatchError(f"X has {X.shape[0]} rows but y has length {y.shape[0]}")
    bad = ~np.isin(y, (-1.0, 1.0))
    if bad.any():
        i = int(np.argmax(bad))
        raise ParameterError(f"labels must be ±1, got y[{i}] = {y[i]}")
    return X, y
