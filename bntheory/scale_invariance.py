r"""Scale invariance of Batch Normalization, numerically: a BN logistic model and GD on it (MATH.md §8).

A weight vector ``w`` feeding a BN unit (at ``ε = 0``) only matters through its direction: for every
``c > 0``, ``BN(X(cw)) = BN(Xw)``, so any loss of the BN output is *scale invariant*,
``F(cw) = F(w)``. Arora, Li and Lyu (2019) draw the consequences (MATH.md §8):

.. math::

    w^\top\nabla F(w) = 0, \qquad
    \|w - \eta\nabla F(w)\|^2 = \|w\|^2 + \eta^2\|\nabla F(w)\|^2, \qquad
    \nabla F(cw) = \nabla F(w)/c, \qquad
    \nabla^2F(w)\,w = -\nabla F(w),

the last from differentiating the degree-``−1`` homogeneity :math:`\nabla F(cw) = c^{-1}\nabla F(w)` in
``c`` at ``c = 1``. Hence GD on ``F`` is normalised GD with the self-tuning step
:math:`\eta/\|w_t\|^2`: the directions :math:`v_t = w_t/\|w_t\|` follow
:math:`v_{t+1} = \mathrm{normalise}(v_t - (\eta/\|w_t\|^2)\nabla F(v_t))` exactly, with
:math:`\|w_{t+1}\|^2 = \|w_t\|^2 + (\eta^2/\|w_t\|^2)\|\nabla F(v_t)\|^2`.

This module gives the model (:class:`BNLogistic`: value, gradient through the verified BN backward
pass of :mod:`bntheory.batchnorm`, exact Hessian-vector product), plain GD (:func:`gd_trace`),
normalised GD with the self-tuning or a fixed step (:func:`normalised_gd`), the identities' residuals
(each with the knob that turns it into its wrong variant, for negative controls), and a BN layer
``BN(XWᵀ)`` for a weight matrix (:func:`bn_layer`, :func:`layer_scale_residual`).

References
----------
S. Arora, Z. Li, K. Lyu, *Theoretical analysis of auto rate-tuning by batch normalization*, ICLR 2019
(arXiv:1812.03981): the lemma on scale-invariant functions (the identities) and the reading of GD
as normalised GD with step :math:`\eta/\|w_t\|^2`; MATH.md §1.3 (the backward pass), §8, §9
pitfalls 2 and 5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .batchnorm import _check_eps, batchnorm_backward, batchnorm_backward_jvp, batchnorm_forward, normalize_jvp
from .errors import DegenerateStartError, EpsilonError, ParameterError, ShapeMismatchError, StepSizeError
from .losses import LOGISTIC
from .validation import as_finite_array, finite_scalar, inputs_and_labels, int_at_least

__all__ = [
    "BNLogistic",
    "GDTrace",
    "NormalisedGDTrace",
    "gd_trace",
    "normalised_gd",
    "orthogonality_residual",
    "gradient_scaling_residual",
    "hessian_residual",
    "step_norm_residuals",
    "direction_gap",
    "rounding_amplification",
    "bn_layer",
    "layer_scale_residual",
]


def _positive(name: str, value, error=ParameterError, why: str = "") -> float:
    """``value`` as a finite float ``> 0``, else ``error`` naming it (non-finite: NonFiniteError)."""
    out = finite_scalar(name, value)
    if not out > 0.0:
        raise error(f"{name} must be > 0{why}, got {name} = {out}")
    return out


def _norm(w: np.ndarray) -> float:
    """``‖w‖``; ``w = 0`` has no direction and raises :class:`DegenerateStartError`."""
    n = float(np.linalg.norm(w))
    if n == 0.0:
        raise DegenerateStartError("w = 0 has no direction (‖w‖ = 0): F(w) = F(cw) needs w ≠ 0")
    return n


class BNLogistic:
    r"""The BN logistic model :math:`F(w)=\frac1n\sum_i\log\bigl(1+e^{-y_i(\gamma\,\mathrm{BN}(Xw)_i+\beta)}\bigr)` (MATH.md §8).

    ``BN`` is the training-mode transform of MATH.md §1.1 over the batch ``Xw ∈ Rⁿ`` (one feature,
    biased variance, stabiliser ``ε``); ``γ ≠ 0`` and ``β`` are fixed. At ``ε = 0``,
    :math:`F(cw)=F(w)` for every ``c > 0`` exactly; at ``ε > 0`` only up to :math:`O(\varepsilon/\sigma_B^2)`
    (MATH.md §9 pitfall 2), with :math:`\sigma_B^2` the batch variance of ``Xw``.

    Parameters
    ----------
    X : array_like, shape (n, d)
        The batch, ``n ≥ 2`` rows; at ``ε = 0`` not all rows equal (else every ``Xw`` is constant).
    y : array_like, shape (n,)
        Labels in ``{−1, +1}``.
    gamma : float, default 1
        BN scale ``γ ≠ 0`` (``γ = 0`` makes ``F`` constant).
    beta : float, default 0
        BN shift.
    eps : float, default 0
        The stabiliser ``ε ≥ 0``.

    Raises
    ------
    ShapeMismatchError
        ``X`` is not 2-D, ``y`` not 1-D, or their lengths differ.
    BatchSizeError
        Fewer than two rows (raised by :func:`~bntheory.batchnorm.batchnorm_forward` at evaluation).
    NonFiniteError
        A NaN/±Inf in ``X``, ``y``, ``gamma``, ``beta``.
    ParameterError
        A label outside ``{−1, +1}``, or ``γ = 0``.
    EpsilonError
        ``ε < 0``, or ``ε = 0`` with all rows of ``X`` equal.

    References
    ----------
    Arora, Li, Lyu (2019), definition of scale invariance and the scale-invariance lemma; MATH.md §1, §8.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 2.0]])
    >>> F = BNLogistic(X, [1, -1, 1, -1], gamma=2.0)
    >>> w = np.array([0.3, -0.7])
    >>> bool(np.isclose(F.value(5.0 * w), F.value(w), rtol=0, atol=1e-15))
    True
    >>> bool(abs(w @ F.grad(w)) < 1e-15)     # w ⊥ ∇F(w)
    True
    """

    def __init__(self, X, y, *, gamma: float = 1.0, beta: float = 0.0, eps: float = 0.0) -> None:
        X, y = inputs_and_labels(X, y)
        self.gamma = finite_scalar("gamma", gamma)
        if self.gamma == 0.0:
            raise ParameterError("gamma = 0 makes F constant (γ·BN(Xw) = 0): nothing to differentiate")
        self.beta = finite_scalar("beta", beta)
        self.eps = _check_eps(eps)
        if self.eps == 0.0 and X.shape[0] >= 2 and not np.any(X != X[0]):
            raise EpsilonError("eps = 0 and all rows of X are equal: every batch Xw is constant "
                               "(σ_B² = 0) and BN(Xw) is undefined; use eps > 0")
        for arr in (X, y):
            arr.setflags(write=False)
        self.X, self.y = X, y
        self.n, self.d = X.shape

    def _w(self, w, name: str = "w") -> np.ndarray:
        w = as_finite_array(name, w, ndim=1)
        if w.shape[0] != self.d:
            raise ShapeMismatchError(f"{name} must have length d = {self.d}, got {w.shape[0]}")
        return w

    def _forward(self, w):
        """``(w, z = γ BN(Xw) + β, cache)``; ``w = 0`` raises :class:`DegenerateStartError`."""
        w = self._w(w)
        _norm(w)
        z, cache = batchnorm_forward((self.X @ w)[:, None], [self.gamma], [self.beta], eps=self.eps)
        return w, z[:, 0], cache

    def value(self, w) -> float:
        r""":math:`F(w)` (stable softplus, :data:`bntheory.losses.LOGISTIC`)."""
        _, z, _ = self._forward(w)
        return float(np.mean(LOGISTIC.phi(-self.y * z)))

    def _delta(self, z: np.ndarray) -> np.ndarray:
        r""":math:`\delta_i=\partial F/\partial z_i=-y_i\,\varphi'(-y_iz_i)/n`."""
        return -self.y * LOGISTIC.d1(-self.y * z) / self.n

    def _value_and_batch_grad(self, w, *, with_value: bool = True) -> tuple[float | None, np.ndarray]:
        _, z, cache = self._forward(w)
        dx, _, _ = batchnorm_backward(self._delta(z)[:, None], cache)
        return (float(np.mean(LOGISTIC.phi(-self.y * z))) if with_value else None), dx[:, 0]

    def batch_grad(self, w) -> np.ndarray:
        r""":math:`\partial F/\partial x` at ``x = Xw`` (shape (n,)), from the verified BN backward pass
        (:func:`~bntheory.batchnorm.batchnorm_backward`, MATH.md §1.3)."""
        return self._value_and_batch_grad(w, with_value=False)[1]

    def value_and_grad(self, w) -> tuple[float, np.ndarray]:
        r"""``(F(w), ∇F(w))`` with :math:`\nabla F(w)=X^\top\,\partial F/\partial x` (:meth:`batch_grad`)."""
        value, dx = self._value_and_batch_grad(w)
        return value, self.X.T @ dx

    def grad(self, w) -> np.ndarray:
        r""":math:`\nabla F(w)=X^\top\,\partial F/\partial x` (see :meth:`batch_grad`)."""
        return self.X.T @ self.batch_grad(w)

    def hvp(self, w, v) -> np.ndarray:
        r"""The exact Hessian-vector product :math:`\nabla^2F(w)\,v` (forward-mode through MATH.md §1.3).

        Differentiating ``x = Xw`` along ``ẋ = Xv``, with ``ċ = ẋ − mean(ẋ)``:
        :math:`\dot{\hat\sigma}=\mathrm{mean}(\hat x\,\dot c)`,
        :math:`\dot{\hat x}=(\dot c-\hat x\dot{\hat\sigma})/\hat\sigma`, :math:`\dot z=\gamma\dot{\hat x}`,
        :math:`\dot\delta=\varphi''(-yz)\,\dot z/n`; then the derivative of the compact backward
        :math:`\partial F/\partial x=\frac{\gamma}{n\hat\sigma}(n\delta-\textstyle\sum\delta-\hat x\sum\delta\hat x)` is
        ``backward(δ̇) − (σ̂̇/σ̂)·∂F/∂x − γ/(nσ̂)·(x̂̇ Σδx̂ + x̂ Σδx̂̇)``, and ``∇²F(w)v = Xᵀ`` of it
        (:func:`~bntheory.batchnorm.normalize_jvp` and :func:`~bntheory.batchnorm.batchnorm_backward_jvp`).
        Checked against central differences of :meth:`grad` in the tests.
        """
        _, z, cache = self._forward(w)
        v = self._w(v, "v")
        x_dot = (self.X @ v)[:, None]
        xh_dot = normalize_jvp(x_dot, cache)[0][:, 0]
        delta_dot = LOGISTIC.d2(-self.y * z) * (self.gamma * xh_dot) / self.n
        out = batchnorm_backward_jvp(self._delta(z)[:, None], delta_dot[:, None], x_dot, cache)
        return self.X.T @ out[:, 0]

    def stationarity(self, w) -> float:
        r""":math:`\|\nabla F(w/\|w\|)\|`: stationarity measured at the normalised point (MATH.md §9 pitfall 5).

        :math:`\|\nabla F(w)\|=\|\nabla F(w/\|w\|)\|/\|w\|` shrinks with ``‖w‖`` alone, so it is not a
        measure of stationarity of a scale-invariant ``F``.
        """
        w = self._w(w)
        return float(np.linalg.norm(self.grad(w / _norm(w))))


def _nonzero(g: np.ndarray) -> float:
    """``‖g‖`` for a gradient ``g``; ``∇F(w) = 0`` raises: relative residuals are undefined there."""
    gn = float(np.linalg.norm(g))
    if gn == 0.0:
        raise ParameterError("∇F(w) = 0 exactly (a stationary point, e.g. a constant batch at eps > 0): "
                             "relative residuals and A(w) are undefined there")
    return gn


def rounding_amplification(model: BNLogistic, w) -> float:
    r""":math:`A(w)=\|X\|_2\,\|t\|/\|\nabla F(w)\|\ge1`: how much the cancellations in ``∇F`` amplify rounding.

    ``t`` holds the absolute terms of the compact backward pass (MATH.md §1.3),
    :math:`t_i=\frac{|\gamma|}{n\hat\sigma}\bigl(n|\delta_i|+|\sum_k\delta_k|+|\hat x_i|\,|\sum_k\delta_k\hat x_k|\bigr)
    \ge|\partial F/\partial x_i|`, so ``A`` counts both cancellations: inside :math:`\partial F/\partial x`
    (where :math:`\delta` is nearly in :math:`\mathrm{span}\{1,\hat x\}`) and in
    :math:`\nabla F=X^\top\partial F/\partial x` (where :math:`\partial F/\partial x` is nearly orthogonal to
    the range of ``X``). Both happen near stationary points; the relative residual of each identity
    is then only resolved to about :math:`n\,u\,A(w)` (MATH.md §9). Scale invariant, like ``F``.
    Raises :class:`ParameterError` where :math:`\nabla F(w)=0`.
    """
    _, z, cache = model._forward(w)
    delta, x_hat = model._delta(z), cache.x_hat[:, 0]
    terms = (abs(model.gamma) / (model.n * float(cache.sigma_hat[0]))) * (
        model.n * np.abs(delta) + abs(float(delta.sum())) + np.abs(x_hat) * abs(float(delta @ x_hat)))
    return float(np.linalg.norm(model.X, 2) * np.linalg.norm(terms)) / _nonzero(model.grad(w))


# --------------------------------------------------------------------------------------------
# the identities' residuals (MATH.md §8); each knob gives the wrong variant used as a control.
# Each is relative to ‖∇F(w)‖ and raises ParameterError where ∇F(w) = 0.
# --------------------------------------------------------------------------------------------


def orthogonality_residual(model: BNLogistic, w) -> float:
    r""":math:`|w^\top\nabla F(w)|/(\|w\|\,\|\nabla F(w)\|)`, the cosine between ``w`` and the gradient."""
    w = model._w(w)
    g = model.grad(w)
    return abs(float(w @ g)) / (_norm(w) * _nonzero(g))


def gradient_scaling_residual(model: BNLogistic, w, c, *, power: int = 1) -> float:
    r""":math:`\|c^{p}\,\nabla F(cw)-\nabla F(w)\|/\|\nabla F(w)\|`; the identity is ``p = 1`` and needs ``c > 0``.

    ``power = 2`` is the wrong statement :math:`\nabla F(cw)=\nabla F(w)/c^2` (residual ``|c − 1|``).
    """
    c = _positive("c", c, why=" (F(cw) = F(w) needs c > 0; c < 0 flips the sign of BN(Xw))")
    w = model._w(w)
    g = model.grad(w)
    return float(np.linalg.norm(c**power * model.grad(c * w) - g)) / _nonzero(g)


def hessian_residual(model: BNLogistic, w, *, sign: float = -1.0) -> float:
    r""":math:`\|\nabla^2F(w)\,w-s\,\nabla F(w)\|/\|\nabla F(w)\|`; the identity is ``s = −1`` (``s = +1``: a control)."""
    w = model._w(w)
    g = model.grad(w)
    return float(np.linalg.norm(model.hvp(w, w) - sign * g)) / _nonzero(g)


# --------------------------------------------------------------------------------------------
# GD and normalised GD (Arora, Li, Lyu 2019)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GDTrace:
    """A GD run ``w_{t+1} = w_t − η∇F(w_t)``.

    Attributes
    ----------
    w : ndarray, shape (T+1, d)
        The iterates ``w_0..w_T``.
    grad : ndarray, shape (T+1, d)
        ``∇F(w_t)`` at every iterate.
    eta : float
        The fixed step ``η``.
    """

    w: np.ndarray
    grad: np.ndarray
    eta: float

    @property
    def directions(self) -> np.ndarray:
        """``w_t/‖w_t‖``, shape (T+1, d)."""
        return self.w / np.linalg.norm(self.w, axis=1, keepdims=True)


@dataclass(frozen=True)
class NormalisedGDTrace:
    r"""A normalised-GD run :math:`v_{t+1}=\mathrm{normalise}(v_t-\eta_t\nabla F(v_t))`.

    Attributes
    ----------
    v : ndarray, shape (T+1, d)
        Unit directions ``v_0..v_T``.
    r : ndarray, shape (T+1,)
        The tracked norms: :math:`r_{t+1}^2=r_t^2+\eta^2\|\nabla F(v_t)\|^2/r_t^2` (the norm identity),
        which equal ``‖w_t‖`` of the GD run with the same ``η`` and ``‖w_0‖ = r_0``.
    steps : ndarray, shape (T,)
        The steps ``η_t`` used: :math:`\eta/r_t^2` (self-tuning) or ``η`` (fixed).
    """

    v: np.ndarray
    r: np.ndarray
    steps: np.ndarray


def _check_run(eta, n_steps) -> tuple[float, int]:
    return _positive("eta", eta, StepSizeError), int_at_least("n_steps", n_steps, 0)


def gd_trace(model: BNLogistic, w0, eta: float, n_steps: int) -> GDTrace:
    r"""Plain GD ``w_{t+1} = w_t − η∇F(w_t)`` for ``n_steps`` steps, keeping every iterate and gradient.

    Raises
    ------
    StepSizeError
        ``η ≤ 0``.
    ParameterError
        ``n_steps`` is not an integer ``≥ 0``.
    DegenerateStartError, ShapeMismatchError, NonFiniteError
        A bad start (``w0 = 0``, wrong length, NaN).
    """
    eta, T = _check_run(eta, n_steps)
    w = np.empty((T + 1, model.d))
    g = np.empty_like(w)
    w[0] = model._w(w0, "w0")
    for t in range(T + 1):
        g[t] = model.grad(w[t])
        if t < T:
            w[t + 1] = w[t] - eta * g[t]
    return GDTrace(w, g, eta)


def normalised_gd(model: BNLogistic, w0, eta: float, n_steps: int, *, self_tuning: bool = True) -> NormalisedGDTrace:
    r"""Normalised GD on the unit sphere from ``v_0 = w0/‖w0‖`` (Arora, Li, Lyu 2019).

    With ``self_tuning`` the step is :math:`\eta_t=\eta/r_t^2`, ``r_0 = ‖w0‖`` and
    :math:`r_{t+1}^2=r_t^2+\eta^2\|\nabla F(v_t)\|^2/r_t^2`: then ``v_t = w_t/‖w_t‖`` and
    ``r_t = ‖w_t‖`` for the GD run :func:`gd_trace` ``(w0, η)`` exactly (in exact arithmetic). With
    ``self_tuning=False`` the step is the fixed ``η`` (a wrong variant, for controls); ``r`` is
    still tracked by the same rule.

    Raises
    ------
    StepSizeError, ParameterError, DegenerateStartError, ShapeMismatchError, NonFiniteError
        As :func:`gd_trace`.
    """
    eta, T = _check_run(eta, n_steps)
    w0 = model._w(w0, "w0")
    r0 = _norm(w0)
    v = np.empty((T + 1, model.d))
    r = np.empty(T + 1)
    steps = np.empty(T)
    v[0], r[0] = w0 / r0, r0
    for t in range(T):
        g = model.grad(v[t])
        steps[t] = eta / r[t] ** 2 if self_tuning else eta
        u = v[t] - steps[t] * g
        v[t + 1] = u / np.linalg.norm(u)
        r[t + 1] = math.sqrt(r[t] ** 2 + eta**2 * float(g @ g) / r[t] ** 2)
    return NormalisedGDTrace(v, r, steps)


def step_norm_residuals(trace: GDTrace, *, coef: float = 1.0) -> np.ndarray:
    r""":math:`|\|w_{t+1}\|^2-\|w_t\|^2-k\,\eta^2\|\nabla F(w_t)\|^2|/\|w_{t+1}\|^2` for every step, shape (T,).

    The identity is ``k = 1``; ``coef = 0`` is the wrong statement :math:`\|w_{t+1}\|^2=\|w_t\|^2`.
    """
    n2 = np.sum(trace.w**2, axis=1)
    inc = coef * trace.eta**2 * np.sum(trace.grad[:-1] ** 2, axis=1)
    return np.abs(n2[1:] - n2[:-1] - inc) / n2[1:]


def direction_gap(gd: GDTrace, ngd: NormalisedGDTrace) -> np.ndarray:
    r""":math:`\|w_t/\|w_t\|-v_t\|` for every ``t``, shape (T+1,) (the runs must have the same length)."""
    if gd.w.shape != ngd.v.shape:
        raise ShapeMismatchError(f"the runs differ in length or dimension: GD {gd.w.shape}, normalised GD {ngd.v.shape}")
    return np.linalg.norm(gd.directions - ngd.v, axis=1)


# --------------------------------------------------------------------------------------------
# a BN layer for a weight matrix (for the seed claim BN(Wx) ≈ γWx/‖Wx‖ + β)
# --------------------------------------------------------------------------------------------


def bn_layer(X, W, gamma=1.0, beta=0.0, *, eps: float = 0.0) -> np.ndarray:
    r"""``BN(X Wᵀ)``: one BN unit per row of ``W``, each normalised over the batch (MATH.md §1.1).

    Unit ``k`` outputs :math:`\gamma_k(x^\top w_k-\mu_B)/\sqrt{\sigma_B^2+\varepsilon}+\beta_k` on every row
    ``x`` of ``X``. At ``ε = 0`` it is invariant under ``W → cW`` for ``c > 0`` (each row of ``W`` may
    even be scaled separately), and the batch standard deviation of unit ``k``'s output is ``|γ_k|``
    whatever ``‖w_k‖``; at ``ε > 0`` both hold only up to :math:`O(\varepsilon/\sigma_B^2)`.

    Parameters
    ----------
    X : array_like, shape (n, d)
    W : array_like, shape (k, d)
    gamma, beta : float or array_like of shape (k,)
    eps : float, default 0

    Returns
    -------
    ndarray, shape (n, k)

    Raises
    ------
    ShapeMismatchError
        ``X`` or ``W`` not 2-D, or ``W`` has not ``d`` columns, or ``gamma``/``beta`` not of shape (k,).
    BatchSizeError, EpsilonError, NonFiniteError
        As :func:`~bntheory.batchnorm.batchnorm_forward` (e.g. a row of ``W`` giving a constant batch at ``ε = 0``).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [0.0, 1.0], [3.0, -1.0]])
    >>> W = np.array([[1.0, 1.0], [2.0, -1.0]])
    >>> bool(np.allclose(bn_layer(X, 1e3 * W), bn_layer(X, W), rtol=0, atol=1e-14))
    True
    """
    X = as_finite_array("X", X, ndim=2)
    W = as_finite_array("W", W, ndim=2)
    if W.shape[1] != X.shape[1]:
        raise ShapeMismatchError(f"W must have d = {X.shape[1]} columns (X is {X.shape}), got W of shape {W.shape}")
    k = W.shape[0]
    gamma, beta = (np.broadcast_to(np.asarray(p, dtype=np.float64), (k,)) if np.ndim(p) == 0 else p
                   for p in (gamma, beta))
    out, _ = batchnorm_forward(X @ W.T, gamma, beta, eps=eps)
    return out


def layer_scale_residual(X, W, c, gamma=1.0, beta=0.0, *, eps: float = 0.0) -> float:
    r""":math:`\max|\mathrm{BN}(X(cW)^\top)-\mathrm{BN}(XW^\top)|/\max|\mathrm{BN}(XW^\top)|` for ``c > 0`` (0 at ``ε = 0`` up to rounding)."""
    c = _positive("c", c, why=" (BN(cXWᵀ) = BN(XWᵀ) needs c > 0)")
    base = bn_layer(X, W, gamma, beta, eps=eps)
    scale = float(np.max(np.abs(base)))
    if scale == 0.0:
        raise ParameterError("BN(XWᵀ) is identically 0 (γ = 0 and β = 0): the relative residual is undefined")
    return float(np.max(np.abs(bn_layer(X, c * np.asarray(W, dtype=np.float64), gamma, beta, eps=eps) - base))
                 / scale)
