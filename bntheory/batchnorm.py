r"""The Batch Normalizing transform, numerically (NumPy, float64).

Implements MATH.md §1: the training-mode forward pass (§1.1), its backward pass in the compact
form (§1.3), the inference-mode affine map (§1.4), and a small stateful :class:`BatchNorm` layer
that keeps exponential running averages of the batch statistics.

Two layouts are accepted:

* ``(N, C)`` — a fully connected layer; each column is one feature normalised over the ``m = N``
  rows.
* ``(N, C, H, W)`` — a convolutional layer; each channel is one feature, normalised over the
  batch *and* every spatial position, so the effective batch size is ``m' = N·H·W``, with one
  ``(γ, β)`` per channel.

Internally a 4-D array is viewed as the ``(N·H·W, C)`` matrix of its channel columns, so both
layouts share one code path. Every input is converted to float64; every output is float64.

References
----------
S. Ioffe and C. Szegedy, *Batch Normalization: Accelerating Deep Network Training by Reducing
Internal Covariate Shift*, ICML 2015 (arXiv:1502.03167), Algorithm 1 (the transform), §3
(the chain rule) and Algorithm 2 (inference with population statistics).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import (
    BatchSizeError,
    EpsilonError,
    NonFiniteError,
    ParameterError,
    ShapeMismatchError,
)
from .validation import as_finite_array, finite_scalar, int_at_least

__all__ = [
    "BNCache",
    "BatchNorm",
    "batchnorm_backward",
    "batchnorm_backward_jvp",
    "batchnorm_forward",
    "batchnorm_inference",
    "normalize_jvp",
]


# --------------------------------------------------------------------------------------------
# validation and layout helpers
# --------------------------------------------------------------------------------------------


def _check_eps(eps) -> float:
    """Return ``eps`` as a float ``≥ 0`` or raise :class:`EpsilonError` naming its value."""
    try:
        out = finite_scalar("eps", eps)
    except NonFiniteError as exc:
        raise EpsilonError(f"eps must be finite, got eps = {eps}") from exc
    if out < 0.0:
        raise EpsilonError(f"eps must be ≥ 0 (eps = 0 is allowed), got eps = {out}")
    return out


def _check_momentum(momentum) -> float:
    """Return ``momentum`` as a float in ``[0, 1]`` or raise :class:`ParameterError`."""
    out = finite_scalar("momentum", momentum)
    if not 0.0 <= out <= 1.0:
        raise ParameterError(f"momentum must lie in [0, 1], got momentum = {out}")
    return out


def _check_input(x, name: str = "x") -> np.ndarray:
    """Check ``x`` is a finite 2-D ``(N, C)`` or 4-D ``(N, C, H, W)`` array with ``C ≥ 1``."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim not in (2, 4):
        raise ShapeMismatchError(
            f"{name} must have shape (N, C) or (N, C, H, W), got {name}.ndim = {arr.ndim} "
            f"(shape {arr.shape})"
        )
    if arr.shape[1] < 1:
        raise ShapeMismatchError(
            f"{name} needs at least one feature, got C = {arr.shape[1]} (shape {arr.shape})"
        )
    return as_finite_array(name, arr)


def _batch_size(shape: tuple[int, ...]) -> int:
    """Return the (effective) batch size and raise :class:`BatchSizeError` when it is below 2."""
    if len(shape) == 2:
        m = shape[0]
        if m < 2:
            raise BatchSizeError(
                f"batch size m = {m} < 2: the batch variance is 0 and x̂ carries no "
                "information (m ≥ 2 is needed, and m/(m−1) for the running variance)"
            )
        return m
    n, _, h, w = shape
    m = n * h * w
    if m < 2:
        raise BatchSizeError(
            f"effective batch size m' = N·H·W = {n}·{h}·{w} = {m} < 2: the batch variance "
            "is 0 and x̂ carries no information (m' ≥ 2 is needed)"
        )
    return m


def _check_per_feature(name: str, value, c: int) -> np.ndarray:
    """Check a per-feature parameter (γ, β, a mean or a variance) has shape ``(C,)``."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != (c,):
        raise ShapeMismatchError(f"{name} must have shape (C,) = ({c},), got shape {arr.shape}")
    return as_finite_array(name, arr)


def _to_columns(x: np.ndarray) -> np.ndarray:
    """View ``(N, C)`` as is and ``(N, C, H, W)`` as the ``(N·H·W, C)`` matrix of channels."""
    if x.ndim == 2:
        return x
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def _from_columns(cols: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of :func:`_to_columns` for an array of the original ``shape``."""
    if len(shape) == 2:
        return cols
    n, c, h, w = shape
    return np.ascontiguousarray(cols.reshape(n, h, w, c).transpose(0, 3, 1, 2))


def _require_finite(name: str, arr: np.ndarray, why: str) -> None:
    """Raise :class:`NonFiniteError` if a computed result overflowed (inputs were finite)."""
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise NonFiniteError(f"{name} is not finite: {name}{list(idx)} = {arr[idx]} ({why})")


# --------------------------------------------------------------------------------------------
# functional API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BNCache:
    """What :func:`batchnorm_forward` keeps for :func:`batchnorm_backward`.

    Attributes
    ----------
    x_hat : ndarray, shape (m, C)
        The normalised inputs ``x̂`` in column layout (a 4-D input is stored as ``(N·H·W, C)``).
    mean, var : ndarray, shape (C,)
        The batch mean ``μ_B`` and the *biased* batch variance ``σ_B²`` (divisor ``m``).
    sigma_hat : ndarray, shape (C,)
        ``σ̂ = sqrt(σ_B² + ε)``.
    gamma : ndarray, shape (C,)
        The scale ``γ`` used in the forward pass.
    eps : float
        The stabiliser ``ε``.
    m : int
        The (effective) batch size: ``N`` for 2-D input, ``N·H·W`` for 4-D input.
    shape : tuple of int
        Shape of the forward input ``x`` (and so of ``y``, ``dy`` and ``dx``).
    """

    x_hat: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    sigma_hat: np.ndarray
    gamma: np.ndarray
    eps: float
    m: int
    shape: tuple[int, ...]


def _sigma_hat(var: np.ndarray, eps: float, which) -> np.ndarray:
    """``sqrt(var + eps)``, refusing a zero (``eps = 0`` and a zero variance): ``x̂`` is then undefined.

    ``which(k)`` describes the offending feature ``k`` for the message.
    """
    out = np.sqrt(var + eps)
    if np.any(out == 0.0):
        k = int(np.argmin(out))
        raise EpsilonError(f"eps = 0 and {which(k)}: sqrt(var + eps) = 0 and x̂ is undefined; use eps > 0")
    return out


def batchnorm_forward(x, gamma, beta, *, eps: float = 1e-5) -> tuple[np.ndarray, BNCache]:
    r"""Batch Normalizing transform in training mode (MATH.md §1.1).

    For every feature (column, or channel of a 4-D input) with values :math:`x_1, \dots, x_m`:

    .. math::

        \mu_B = \frac1m \sum_i x_i, \qquad
        \sigma_B^2 = \frac1m \sum_i (x_i - \mu_B)^2, \qquad
        \hat\sigma = \sqrt{\sigma_B^2 + \varepsilon}, \qquad
        \hat x_i = \frac{x_i - \mu_B}{\hat\sigma}, \qquad
        y_i = \gamma \hat x_i + \beta .

    The variance is the *biased* one (divisor :math:`m`), as in Algorithm 1.

    Parameters
    ----------
    x : array_like, shape (N, C) or (N, C, H, W)
        The mini-batch. For 4-D input the statistics of channel ``c`` run over ``x[:, c, :, :]``,
        so the effective batch size is ``m' = N·H·W``.
    gamma, beta : array_like, shape (C,)
        Per-feature scale and shift.
    eps : float, default 1e-5
        The stabiliser :math:`\varepsilon \ge 0`. ``eps = 0`` is allowed (the exact identities
        of MATH.md §1.3 need it) as long as no feature has zero batch variance.

    Returns
    -------
    y : ndarray, same shape as ``x``
        The normalised, scaled and shifted batch.
    cache : BNCache
        The quantities :func:`batchnorm_backward` needs (``x̂``, ``μ_B``, ``σ_B²``, ``σ̂``, ``γ``).

    Raises
    ------
    ShapeMismatchError
        ``x`` is not 2-D or 4-D, has no feature, or ``gamma``/``beta`` do not have shape ``(C,)``.
    BatchSizeError
        The (effective) batch size is below 2.
    EpsilonError
        ``eps`` is negative or not finite, or ``eps = 0`` while a feature has zero batch variance
        (then ``σ̂ = 0`` and ``x̂`` is undefined).
    NonFiniteError
        An input holds NaN/±Inf, or the batch variance or ``y`` overflows float64.

    References
    ----------
    Ioffe & Szegedy (2015), Algorithm 1; MATH.md §1.1.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    >>> y, cache = batchnorm_forward(x, gamma=np.ones(2), beta=np.zeros(2), eps=0.0)
    >>> print(np.round(y[:, 0], 4))
    [-1.3416 -0.4472  0.4472  1.3416]
    >>> print(np.round(y.std(axis=0), 6), cache.m)
    [1. 1.] 4
    """
    x = _check_input(x)
    m = _batch_size(x.shape)
    c = x.shape[1]
    gamma = _check_per_feature("gamma", gamma, c)
    beta = _check_per_feature("beta", beta, c)
    eps = _check_eps(eps)

    cols = _to_columns(x)
    mean = cols.mean(axis=0)
    centred = cols - mean
    with np.errstate(over="ignore"):  # overflow is reported just below
        var = np.mean(centred * centred, axis=0)
    _require_finite("var", var, "the batch variance overflows float64; rescale x")
    sigma_hat = _sigma_hat(var, eps, lambda k: f"feature {k} has batch variance σ_B² = {var[k]} "
                           "(a constant feature, or a spread below float64 resolution)")
    x_hat = centred / sigma_hat
    with np.errstate(over="ignore", invalid="ignore"):
        y_cols = gamma * x_hat + beta
    _require_finite("y", y_cols, "γ·x̂ + β overflows float64")
    cache = BNCache(
        x_hat=x_hat, mean=mean, var=var, sigma_hat=sigma_hat, gamma=gamma, eps=eps, m=m,
        shape=x.shape,
    )
    return _from_columns(y_cols, x.shape), cache


def batchnorm_backward(dy, cache: BNCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of a scalar loss through the training-mode transform (MATH.md §1.3).

    With upstream gradient :math:`\delta_i = \partial\ell/\partial y_i`, per feature,

    .. math::

        \frac{\partial\ell}{\partial x_i}
            = \frac{\gamma}{m\hat\sigma}\Bigl(m\delta_i - \sum_k \delta_k
              - \hat x_i \sum_k \delta_k \hat x_k\Bigr), \qquad
        \frac{\partial\ell}{\partial\gamma} = \sum_i \delta_i \hat x_i, \qquad
        \frac{\partial\ell}{\partial\beta} = \sum_i \delta_i .

    The compact form is exact for every :math:`\varepsilon \ge 0` (``x̂`` is defined through
    ``σ̂``); it equals the chain rule of Ioffe & Szegedy (2015), §3, term by term (MATH.md §1.2).
    Cost O(m·C). Consequences (tested): :math:`\sum_i \partial\ell/\partial x_i = 0` and
    :math:`\sum_i \hat x_i\,\partial\ell/\partial x_i
    = (\gamma/\hat\sigma)\,\varepsilon/(\sigma_B^2+\varepsilon)\sum_k\delta_k\hat x_k`.

    Parameters
    ----------
    dy : array_like, same shape as the forward input
        Upstream gradient :math:`\delta`.
    cache : BNCache
        The cache returned by :func:`batchnorm_forward`.

    Returns
    -------
    dx : ndarray, same shape as ``dy``
    dgamma, dbeta : ndarray, shape (C,)

    Raises
    ------
    ParameterError
        ``cache`` is not a :class:`BNCache`.
    ShapeMismatchError
        ``dy`` does not have the shape of the forward input.
    NonFiniteError
        ``dy`` holds NaN/±Inf, or ``dx`` overflows float64 (tiny ``σ̂`` with ``eps = 0``).

    References
    ----------
    Ioffe & Szegedy (2015), §3 (backpropagation through BN); MATH.md §1.2–1.3.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0], [2.0], [4.0]])
    >>> y, cache = batchnorm_forward(x, np.array([2.0]), np.array([0.5]), eps=0.0)
    >>> dx, dgamma, dbeta = batchnorm_backward(np.array([[1.0], [0.0], [0.0]]), cache)
    >>> print(np.round(dx[:, 0], 4), np.round(dgamma, 4), dbeta)
    [ 0.4582 -0.6872  0.2291] [-1.069] [1.]
    >>> bool(abs(dx.sum()) < 1e-12)  # Σ_i ∂ℓ/∂x_i = 0
    True
    """
    _check_cache(cache)
    delta = _like_input("dy", dy, cache)
    dx_cols, dgamma, dbeta = _backward_cols(delta, cache)
    return _from_columns(dx_cols, cache.shape), dgamma, dbeta


def _check_cache(cache) -> None:
    """Raise :class:`ParameterError` unless ``cache`` is a :class:`BNCache`."""
    if not isinstance(cache, BNCache):
        raise ParameterError(
            f"cache must be the BNCache returned by batchnorm_forward, got {type(cache).__name__}"
        )


def _like_input(name: str, arr, cache: BNCache) -> np.ndarray:
    """Check ``arr`` is finite with the forward input's shape; return its column layout."""
    arr = np.asarray(arr, dtype=np.float64)
    if arr.shape != cache.shape:
        raise ShapeMismatchError(
            f"{name} must have the shape of the forward input x, {cache.shape}, got shape {arr.shape}"
        )
    return _to_columns(as_finite_array(name, arr))


def _backward_cols(delta: np.ndarray, cache: BNCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The compact backward pass (MATH.md §1.3) in column layout: ``(dx, Σδx̂, Σδ)``."""
    x_hat = cache.x_hat
    m = cache.m
    dbeta = delta.sum(axis=0)
    dgamma = np.sum(delta * x_hat, axis=0)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported just below
        dx_cols = (cache.gamma / (m * cache.sigma_hat)) * (m * delta - dbeta - x_hat * dgamma)
    _require_finite("dx", dx_cols, "γ/σ̂ is too large for float64; use eps > 0")
    return dx_cols, dgamma, dbeta


def _normalize_jvp_cols(x_dot: np.ndarray, cache: BNCache) -> tuple[np.ndarray, np.ndarray]:
    """``(x̂̇, σ̂̇)`` in column layout (see :func:`normalize_jvp`)."""
    c_dot = x_dot - x_dot.mean(axis=0)
    sigma_hat_dot = np.mean(cache.x_hat * c_dot, axis=0)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported just below
        x_hat_dot = (c_dot - cache.x_hat * sigma_hat_dot) / cache.sigma_hat
    _require_finite("x_hat_dot", x_hat_dot, "1/σ̂ is too large for float64; use eps > 0")
    return x_hat_dot, sigma_hat_dot


def normalize_jvp(x_dot, cache: BNCache) -> tuple[np.ndarray, np.ndarray]:
    r"""Directional derivative of the normalisation ``x ↦ (x̂, σ̂)`` along ``ẋ`` (MATH.md §1.1, §1.3).

    Per feature, with :math:`\dot c_i = \dot x_i - \frac1m\sum_k \dot x_k` (the tangent of
    :math:`x_i - \mu_B`),

    .. math::

        \dot{\hat\sigma} = \frac1m \sum_i \hat x_i \dot c_i, \qquad
        \dot{\hat x}_i = \frac{\dot c_i - \hat x_i \dot{\hat\sigma}}{\hat\sigma},

    from :math:`\hat\sigma^2 = \frac1m\sum_i (x_i-\mu_B)^2 + \varepsilon` and
    :math:`\hat x_i = (x_i - \mu_B)/\hat\sigma`. Exact for every :math:`\varepsilon \ge 0`
    (``ε`` is a constant, so it only enters through ``σ̂`` and ``x̂``). The tangent of the output
    ``y = γx̂ + β`` (``γ, β`` fixed) is ``γ·x̂̇``.

    Parameters
    ----------
    x_dot : array_like, same shape as the forward input
        The direction :math:`\dot x`.
    cache : BNCache
        The cache returned by :func:`batchnorm_forward` at the point ``x``.

    Returns
    -------
    x_hat_dot : ndarray, same shape as ``x_dot``
        :math:`\dot{\hat x}`.
    sigma_hat_dot : ndarray, shape (C,)
        :math:`\dot{\hat\sigma}`.

    Raises
    ------
    ParameterError
        ``cache`` is not a :class:`BNCache`.
    ShapeMismatchError
        ``x_dot`` does not have the shape of the forward input.
    NonFiniteError
        ``x_dot`` holds NaN/±Inf, or ``x̂̇`` overflows float64 (tiny ``σ̂`` with ``eps = 0``).

    References
    ----------
    MATH.md §1.1 (the transform), §1.3.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0], [2.0], [4.0]])
    >>> _, cache = batchnorm_forward(x, np.ones(1), np.zeros(1), eps=0.0)
    >>> x_hat_dot, sigma_hat_dot = normalize_jvp(x, cache)  # x̂ is invariant to scaling x
    >>> bool(np.max(np.abs(x_hat_dot)) < 1e-14), bool(np.isclose(sigma_hat_dot[0], cache.sigma_hat[0]))
    (True, True)
    """
    _check_cache(cache)
    x_hat_dot, sigma_hat_dot = _normalize_jvp_cols(_like_input("x_dot", x_dot, cache), cache)
    return _from_columns(x_hat_dot, cache.shape), sigma_hat_dot


def batchnorm_backward_jvp(dy, dy_dot, x_dot, cache: BNCache) -> np.ndarray:
    r"""Directional derivative of the compact backward pass ``∂ℓ/∂x`` (MATH.md §1.3), forward mode.

    :func:`batchnorm_backward` maps the upstream gradient :math:`\delta` at the point ``x`` to

    .. math::

        \frac{\partial\ell}{\partial x_i}
            = \frac{\gamma}{m\hat\sigma}\Bigl(m\delta_i - \sum_k \delta_k
              - \hat x_i \sum_k \delta_k \hat x_k\Bigr).

    Moving ``x`` along ``ẋ`` while ``δ`` moves along ``δ̇`` (``γ``, ``ε`` fixed), with
    :math:`\dot{\hat x}, \dot{\hat\sigma}` from :func:`normalize_jvp`, its derivative is

    .. math::

        \frac{d}{dt}\frac{\partial\ell}{\partial x_i}
            = \mathrm{backward}(\dot\delta)_i
              - \frac{\dot{\hat\sigma}}{\hat\sigma}\frac{\partial\ell}{\partial x_i}
              - \frac{\gamma}{m\hat\sigma}\Bigl(\dot{\hat x}_i \sum_k \delta_k \hat x_k
              + \hat x_i \sum_k \delta_k \dot{\hat x}_k\Bigr),

    exact for every :math:`\varepsilon \ge 0`. For a loss :math:`\ell(z)` of the output
    ``z = γx̂ + β`` with Hessian ``H``, taking ``δ = ∇ℓ(z)`` and ``δ̇ = H(γx̂̇)`` gives the exact
    Hessian-vector product of ``x ↦ ℓ(z(x))`` along ``ẋ``. Cost O(m·C).

    Parameters
    ----------
    dy : array_like, same shape as the forward input
        Upstream gradient :math:`\delta` at ``x``.
    dy_dot : array_like, same shape as the forward input
        Its directional derivative :math:`\dot\delta`.
    x_dot : array_like, same shape as the forward input
        The direction :math:`\dot x` in which ``x`` moves.
    cache : BNCache
        The cache returned by :func:`batchnorm_forward` at ``x``.

    Returns
    -------
    dx_dot : ndarray, same shape as ``dy``
        The directional derivative of :math:`\partial\ell/\partial x`.

    Raises
    ------
    ParameterError
        ``cache`` is not a :class:`BNCache`.
    ShapeMismatchError
        ``dy``, ``dy_dot`` or ``x_dot`` does not have the shape of the forward input.
    NonFiniteError
        An input holds NaN/±Inf, or the result overflows float64 (tiny ``σ̂`` with ``eps = 0``).

    References
    ----------
    Ioffe & Szegedy (2015), §3; MATH.md §1.3.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0], [2.0], [4.0]])
    >>> _, cache = batchnorm_forward(x, np.array([2.0]), np.array([0.5]), eps=0.0)
    >>> dy = np.array([[1.0], [0.0], [0.0]])
    >>> dx_dot = batchnorm_backward_jvp(dy, np.zeros_like(dy), x, cache)  # ∂ℓ/∂x has degree −1 in x
    >>> bool(np.allclose(dx_dot, -batchnorm_backward(dy, cache)[0], rtol=0, atol=1e-15))
    True
    """
    _check_cache(cache)
    delta = _like_input("dy", dy, cache)
    delta_dot = _like_input("dy_dot", dy_dot, cache)
    x_hat_dot, sigma_hat_dot = _normalize_jvp_cols(_like_input("x_dot", x_dot, cache), cache)
    dx, dgamma, _ = _backward_cols(delta, cache)
    ddx, _, _ = _backward_cols(delta_dot, cache)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported just below
        out = (ddx - (sigma_hat_dot / cache.sigma_hat) * dx
               - (cache.gamma / (cache.m * cache.sigma_hat))
               * (x_hat_dot * dgamma + cache.x_hat * np.sum(delta * x_hat_dot, axis=0)))
    _require_finite("dx_dot", out, "γ/σ̂² is too large for float64; use eps > 0")
    return _from_columns(out, cache.shape)


def batchnorm_inference(x, gamma, beta, mean, var, *, eps: float = 1e-5) -> np.ndarray:
    r"""The inference-mode transform: a fixed affine map (MATH.md §1.4).

    .. math::

        y = \gamma\,\frac{x - \mathrm{mean}}{\sqrt{\mathrm{var} + \varepsilon}} + \beta ,

    applied per feature with statistics that do *not* depend on the batch (population estimates,
    or a layer's running averages). Given the batch's own mean and *biased* variance it reproduces
    :func:`batchnorm_forward` exactly.

    Parameters
    ----------
    x : array_like, shape (N, C) or (N, C, H, W)
        Any number of examples ``N ≥ 1`` (no batch statistics are computed).
    gamma, beta, mean, var : array_like, shape (C,)
        Scale, shift and the fixed statistics; ``var ≥ 0``.
    eps : float, default 1e-5
        The stabiliser ``ε ≥ 0``.

    Returns
    -------
    y : ndarray, same shape as ``x``

    Raises
    ------
    ShapeMismatchError
        ``x`` is not 2-D or 4-D or a per-feature array does not have shape ``(C,)``.
    ParameterError
        A variance is negative.
    EpsilonError
        ``eps`` is negative or not finite, or ``eps = 0`` while some ``var`` is 0.
    NonFiniteError
        An input holds NaN/±Inf, or ``y`` overflows float64.

    References
    ----------
    Ioffe & Szegedy (2015), Algorithm 2 (steps 8–11); MATH.md §1.4.

    Examples
    --------
    >>> import numpy as np
    >>> y = batchnorm_inference(np.array([[3.0, 0.0]]), gamma=np.array([1.0, 2.0]),
    ...                         beta=np.array([0.0, 1.0]), mean=np.array([1.0, 0.0]),
    ...                         var=np.array([4.0, 1.0]), eps=0.0)
    >>> print(y)
    [[1. 1.]]
    """
    x = _check_input(x)
    c = x.shape[1]
    gamma = _check_per_feature("gamma", gamma, c)
    beta = _check_per_feature("beta", beta, c)
    mean = _check_per_feature("mean", mean, c)
    var = _check_per_feature("var", var, c)
    eps = _check_eps(eps)
    if np.any(var < 0.0):
        k = int(np.argmin(var))
        raise ParameterError(f"var must be ≥ 0, got var[{k}] = {var[k]}")
    denom = _sigma_hat(var, eps, lambda k: f"var[{k}] = {var[k]}")
    scale = gamma / denom
    with np.errstate(over="ignore", invalid="ignore"):
        y_cols = scale * (_to_columns(x) - mean) + beta
    _require_finite("y", y_cols, "γ·(x − mean)/sqrt(var + eps) + β overflows float64")
    return _from_columns(y_cols, x.shape)


# --------------------------------------------------------------------------------------------
# stateful layer
# --------------------------------------------------------------------------------------------


class BatchNorm:
    r"""A Batch Normalization layer with running statistics (MATH.md §1.1, §1.4).

    In training mode (the default; :meth:`train`) :meth:`forward` normalises with the batch
    statistics and updates the running averages,

    .. math::

        \mathrm{running\_mean} &\leftarrow (1-\alpha)\,\mathrm{running\_mean} + \alpha\,\mu_B,\\
        \mathrm{running\_var}  &\leftarrow (1-\alpha)\,\mathrm{running\_var}
                                   + \alpha\,\tfrac{m}{m-1}\,\sigma_B^2,

    with :math:`\alpha` = ``momentum`` — the weight of the *new* batch statistic (PyTorch's
    convention; Keras/TensorFlow call ``1 − α`` the momentum). The running variance uses the
    *unbiased* batch variance, while the normalisation itself uses the biased one. In evaluation
    mode (:meth:`eval`) :meth:`forward` is the fixed affine map of :func:`batchnorm_inference`
    with the running statistics, which are then left unchanged.

    Parameters
    ----------
    num_features : int
        The number of features ``C`` (columns of a 2-D input, channels of a 4-D input).
    eps : float, default 1e-5
        The stabiliser ``ε ≥ 0``.
    momentum : float, default 0.1
        ``α ∈ [0, 1]``; ``0`` freezes the running statistics, ``1`` keeps only the last batch.

    Attributes
    ----------
    gamma, beta : ndarray, shape (C,)
        Scale (initially 1) and shift (initially 0); may be reassigned.
    running_mean, running_var : ndarray, shape (C,)
        Initially 0 and 1.
    training : bool
        The mode; set by :meth:`train` and :meth:`eval`.

    Raises
    ------
    ParameterError
        ``num_features`` is not an integer ``≥ 1``, or ``momentum`` is outside ``[0, 1]``.
    EpsilonError
        ``eps`` is negative or not finite.

    References
    ----------
    Ioffe & Szegedy (2015), Algorithms 1 and 2; MATH.md §1.4; PyTorch ``torch.nn.BatchNorm1d``.

    Examples
    --------
    >>> import numpy as np
    >>> bn = BatchNorm(2, momentum=0.5)
    >>> y = bn.forward(np.array([[0.0, 1.0], [2.0, 5.0]]))
    >>> print(bn.running_mean, bn.running_var)
    [0.5 1.5] [1.5 4.5]
    >>> y_eval = bn.eval().forward(np.array([[0.5, 1.5]]))
    >>> print(np.round(y_eval, 6))
    [[0. 0.]]
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        self.num_features = int_at_least("num_features", num_features, 1)
        self.eps = _check_eps(eps)
        self.momentum = _check_momentum(momentum)
        self.gamma = np.ones(self.num_features)
        self.beta = np.zeros(self.num_features)
        self.running_mean = np.zeros(self.num_features)
        self.running_var = np.ones(self.num_features)
        self.training = True
        self._cache: BNCache | None = None

    def __repr__(self) -> str:
        return (
            f"BatchNorm(num_features={self.num_features}, eps={self.eps}, "
            f"momentum={self.momentum}, training={self.training})"
        )

    def train(self) -> BatchNorm:
        """Switch to training mode (batch statistics, running averages updated); return self."""
        self.training = True
        return self

    def eval(self) -> BatchNorm:
        """Switch to evaluation mode (running statistics, nothing updated); return self."""
        self.training = False
        return self

    def _running_stats(self) -> tuple[np.ndarray, np.ndarray]:
        """Validate the (possibly reassigned) running statistics."""
        c = self.num_features
        mean = _check_per_feature("running_mean", self.running_mean, c)
        var = _check_per_feature("running_var", self.running_var, c)
        if np.any(var < 0.0):
            k = int(np.argmin(var))
            raise ParameterError(f"running_var must be ≥ 0, got running_var[{k}] = {var[k]}")
        return mean, var

    def _check_features(self, x) -> np.ndarray:
        x = _check_input(x)
        if x.shape[1] != self.num_features:
            raise ShapeMismatchError(
                f"x has C = {x.shape[1]} features (shape {x.shape}), the layer has "
                f"num_features = {self.num_features}"
            )
        return x

    def forward(self, x) -> np.ndarray:
        """Apply the layer to ``x`` of shape ``(N, C)`` or ``(N, C, H, W)``.

        Training mode: :func:`batchnorm_forward`, then the momentum update of the running
        statistics (unbiased variance); the cache for :meth:`backward` is kept.
        Evaluation mode: :func:`batchnorm_inference` with the running statistics; the cache is
        dropped. Raises the errors of those functions; ``ShapeMismatchError`` also when ``x`` or
        a running statistic does not have ``num_features`` features.
        """
        x = self._check_features(x)
        running_mean, running_var = self._running_stats()
        if not self.training:
            self._cache = None
            return batchnorm_inference(
                x, self.gamma, self.beta, running_mean, running_var, eps=self.eps
            )
        y, cache = batchnorm_forward(x, self.gamma, self.beta, eps=self.eps)
        a = self.momentum
        m = cache.m
        self.running_mean = (1.0 - a) * running_mean + a * cache.mean
        self.running_var = (1.0 - a) * running_var + a * (m / (m - 1)) * cache.var
        self._cache = cache
        return y

    def backward(self, dy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(dx, dgamma, dbeta)`` for the last training-mode :meth:`forward`.

        See :func:`batchnorm_backward`. Raises :class:`ParameterError` when no training-mode
        forward pass is stored (none yet, or the last forward ran in evaluation mode).
        """
        if self._cache is None:
            raise ParameterError(
                "BatchNorm.backward needs a preceding training-mode forward(x); none is stored "
                f"(training = {self.training})"
            )
        return batchnorm_backward(dy, self._cache)
