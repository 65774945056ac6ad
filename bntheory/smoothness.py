r"""One BN layer at :math:`\varepsilon = 0`: the objects of Santurkar et al. (2018), MATH.md §8.

One feature of one BN layer sees the batch vector :math:`y \in \mathbb R^m`; with constant
:math:`\gamma, \beta` the batch loss is

.. math::

    \hat L(y) = \ell(z), \qquad z = \gamma\,\hat y + \beta, \qquad
    \hat y = \mathrm{BN}(y) = (y - \mu 1)/\sigma, \qquad \sigma^2 = \tfrac1m\|y - \mu 1\|^2,

for a smooth loss :math:`\ell` of the whole batch (here :class:`LinkLoss`,
:math:`\ell(z) = c\sum_k \varphi(a_k^\top z + b_k)` with :math:`\varphi` from :mod:`bntheory.losses`;
the per-coordinate logistic loss with targets is :func:`logistic_targets`).  The network without
BN sees :math:`\ell` at the same point, so its gradient and Hessian are :math:`g = \nabla_z\ell(z)`
and :math:`H = \nabla_z^2\ell(z)` (the article's :math:`\nabla_{y_j}L` and
:math:`\partial^2 L/\partial y_j\partial y_j`).

Derived here (chain rule through :func:`bntheory.batchnorm.batchnorm_backward`, whose Jacobian at
:math:`\varepsilon = 0` is :math:`J = (\gamma/\sigma)\Pi`, :math:`\Pi = I - 11^\top/m - \hat y\hat y^\top/m`
the orthogonal projector onto :math:`\mathrm{span}\{1, \hat y\}^\perp`, MATH.md §1.3):

* Thm 4.1 holds with equality: :math:`\|\nabla_y\hat L\|^2 = (\gamma^2/\sigma^2)\,g^\top\Pi g
  = (\gamma^2/\sigma^2)(\|g\|^2 - \langle 1,g\rangle^2/m - \langle g,\hat y\rangle^2/m)`.
* The Hessian-vector product: :math:`\nabla^2\hat L\,u = J H J u + D_u[J]\,g` with
  :math:`D_u[J]\delta = -(d\sigma/\sigma) J\delta - (\gamma/(m\sigma))(d\hat y\,\langle\hat y,\delta\rangle
  + \hat y\,\langle d\hat y,\delta\rangle)`, :math:`d\sigma = \langle\hat y,u\rangle/m`,
  :math:`d\hat y = \Pi u/\sigma`.  For :math:`v \perp \mathrm{span}\{1,\hat y\}` the second derivative
  of :math:`\hat y` along :math:`v` is :math:`-\hat y\|v\|^2/(m\sigma^2)`, so Thm 4.2 (first form) holds
  with equality at :math:`v = \nabla_y\hat L`:
  :math:`v^\top\nabla^2\hat L v = (\gamma^2/\sigma^2) v^\top H v - (\gamma/(m\sigma^2))\langle g,\hat y\rangle\|v\|^2`.
* Thm 4.4 per batch :math:`X \in \mathbb R^{d\times m}` with :math:`y = w^\top X`:
  :math:`\|\nabla_w\hat L\|^2 = \|X\nabla_y\hat L\|^2 \le \|X\|_{op}^2\|\nabla_y\hat L\|^2`.
* Lemma 4.5: its right-hand side is :math:`\|W_0\|^2 - \langle W_0,W^*\rangle^2/\|W^*\|^2
  = \min_c\|W_0 - cW^*\|^2`, attained at :math:`c^* = \langle W_0,W^*\rangle/\|W^*\|^2`, a BN optimum
  only when :math:`c^* > 0`.

Functions return the *named terms* of each bound (dataclasses), not a verdict, so that altered
statements (a dropped term, a flipped sign) can be assembled from the same numbers.

References
----------
S. Santurkar, D. Tsipras, A. Ilyas, A. Madry, *How Does Batch Normalization Help Optimization?*,
NeurIPS 2018 (arXiv:1805.11604), Theorems 4.1, 4.2, 4.4 and Lemma 4.5; MATH.md §8, §1.3.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .batchnorm import batchnorm_backward, batchnorm_backward_jvp, batchnorm_forward, normalize_jvp
from .errors import BatchSizeError, ParameterError, ShapeMismatchError
from .losses import LOGISTIC, Loss, get_loss
from .validation import as_finite_array, finite_scalar

__all__ = [
    "LinkLoss", "logistic_targets", "BNPoint", "bn_point", "batch_loss", "batch_loss_grad", "batch_loss_hvp",
    "batch_loss_hvp_fd", "FD_REL_STEP", "GradBoundTerms", "grad_bound_terms", "HessBoundTerms", "hess_bound_terms",
    "WeightBoundTerms", "weight_bound_terms", "PrintedWeightTerms", "printed_weight_terms",
    "printed_weight_flip_scale", "InitTerms", "init_terms",
]

#: Default relative step of the finite-difference HVP: ``‖h u‖ = FD_REL_STEP · ‖y − μ1‖``.  Central
#: differences have truncation error ``O(FD_REL_STEP²)`` and rounding error ``O(eps/FD_REL_STEP)``
#: (relative to the HVP's scale), so ``1e-5`` gives an error floor of about ``1e-10``.
FD_REL_STEP = 1e-5


# --------------------------------------------------------------------------------------------- loss
@dataclass(frozen=True, eq=False)
class LinkLoss:
    r"""A smooth loss of the batch :math:`\ell(z) = c\sum_k\varphi(a_k^\top z + b_k)`.

    Gradient :math:`c A^\top\varphi'(Az+b)`, Hessian :math:`c A^\top\mathrm{diag}(\varphi''(Az+b))A`
    (dense in general, diagonal for the per-coordinate loss of :func:`logistic_targets`).

    Attributes
    ----------
    A : ndarray, shape (K, m)
    b : ndarray, shape (K,)
    phi : Loss
        The scalar loss (default :data:`bntheory.losses.LOGISTIC`, :math:`\log(1+e^t)`: not quadratic).
    scale : float
        The factor :math:`c` (a loss scaled by :math:`c` scales :math:`g, H` by :math:`c`).
    """

    A: np.ndarray
    b: np.ndarray
    phi: Loss = LOGISTIC
    scale: float = 1.0

    def __post_init__(self):
        A = as_finite_array("A", self.A, ndim=2)
        b = as_finite_array("b", self.b, ndim=1)
        if b.shape != (A.shape[0],):
            raise ShapeMismatchError(f"b must have shape (K,) = ({A.shape[0]},) to match A {A.shape}, got {b.shape}")
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "phi", get_loss(self.phi))
        object.__setattr__(self, "scale", finite_scalar("scale", self.scale))

    @property
    def m(self) -> int:
        """The batch size the loss expects."""
        return self.A.shape[1]

    def scaled(self, c: float) -> "LinkLoss":
        """The same loss times ``c``."""
        return LinkLoss(self.A, self.b, self.phi, self.scale * finite_scalar("c", c))

    def _pre(self, z) -> np.ndarray:
        z = as_finite_array("z", z)
        if z.shape[0] != self.m or z.ndim not in (1, 2):
            raise ShapeMismatchError(f"z must have shape (m,) or (m, n) with m = {self.m}, got {z.shape}")
        return self.A @ z + (self.b if z.ndim == 1 else self.b[:, None])

    def value(self, z):
        """:math:`\\ell(z)`; for ``z`` of shape ``(m, n)`` the ``n`` values of its columns."""
        return self.scale * np.sum(self.phi.phi(self._pre(z)), axis=0)

    def grad(self, z) -> np.ndarray:
        """:math:`g = \\nabla_z\\ell(z)`, shape ``(m,)``."""
        return self.scale * (self.A.T @ self.phi.d1(self._pre(z)))

    def hess(self, z) -> np.ndarray:
        """:math:`H = \\nabla_z^2\\ell(z)`, shape ``(m, m)``."""
        return self.scale * ((self.A.T * self.phi.d2(self._pre(z))) @ self.A)


def logistic_targets(t, *, scale: float = 1.0) -> LinkLoss:
    r"""The per-coordinate logistic loss :math:`\ell(z) = c\sum_i\log(1 + e^{-t_i z_i})` (targets ``t``)."""
    t = as_finite_array("t", t, ndim=1)
    return LinkLoss(-np.diag(t), np.zeros(t.size), LOGISTIC, scale)


# --------------------------------------------------------------------------------------------- the layer
@dataclass(frozen=True, eq=False)
class BNPoint:
    r"""One BN layer evaluated at a batch ``y`` (``ε = 0``).

    Attributes
    ----------
    y, y_hat, z : ndarray, shape (m,)
        The batch, :math:`\hat y = \mathrm{BN}(y)` and :math:`z = \gamma\hat y + \beta`.
    gamma, beta, mean, sigma : float
        The layer's constants and the batch statistics (:math:`\sigma` the *biased* std of ``y``).
    loss : LinkLoss
    value : float
        :math:`\hat L(y) = \ell(z)`.
    g : ndarray, shape (m,)
        :math:`g = \nabla_z\ell(z)` (the gradient the network without BN sees).
    grad : ndarray, shape (m,)
        :math:`\nabla_y\hat L` (through :func:`~bntheory.batchnorm.batchnorm_backward`).
    """

    y: np.ndarray
    gamma: float
    beta: float
    loss: LinkLoss
    y_hat: np.ndarray
    z: np.ndarray
    mean: float
    sigma: float
    value: float
    g: np.ndarray
    grad: np.ndarray
    _cache: object = field(repr=False)

    @property
    def m(self) -> int:
        return self.y.size

    def project(self, u) -> np.ndarray:
        """:math:`\\Pi u`, the projection onto :math:`\\mathrm{span}\\{1,\\hat y\\}^\\perp` (MATH.md §1.3)."""
        u = np.asarray(u, dtype=float)
        return u - u.mean() - self.y_hat * (self.y_hat @ u) / self.m

    def jvp(self, u) -> np.ndarray:
        """:math:`J u = \\partial z/\\partial y\\,u` (``J`` is symmetric, so this is the backward map)."""
        return batchnorm_backward(np.asarray(u, dtype=float)[:, None], self._cache)[0][:, 0]


def bn_point(y, gamma: float, beta: float, loss: LinkLoss) -> BNPoint:
    r"""Evaluate one BN layer and its loss at the batch ``y`` with ``ε = 0`` (MATH.md §1.1, §8).

    Parameters
    ----------
    y : array_like, shape (m,)
        The batch of one feature, ``m ≥ 3``, not constant.
    gamma, beta : float
        The BN scale and shift (constants, as in Santurkar et al. 2018, §4.1).
    loss : LinkLoss
        A loss of the batch of size ``m``.

    Raises
    ------
    ShapeMismatchError
        ``y`` is not 1-D or ``loss`` expects another batch size.
    BatchSizeError
        ``m < 3``: then :math:`\mathrm{span}\{1,\hat y\} = \mathbb R^m`, the BN Jacobian is 0 and every
        bound of §8 degenerates to ``0 = 0``.
    EpsilonError
        ``y`` is constant (``σ = 0`` at ``ε = 0``: :math:`\hat y` undefined).
    NonFiniteError
        ``y``, ``gamma`` or ``beta`` is not finite (or ``γ/σ`` overflows).
    ParameterError
        ``loss`` is not a :class:`LinkLoss`.
    """
    y = as_finite_array("y", y)
    if y.ndim != 1:
        raise ShapeMismatchError(f"y must be the 1-D batch of one feature, got shape {y.shape}")
    if y.size < 3:
        raise BatchSizeError(f"batch size m = {y.size} < 3: span{{1, ŷ}} = R^m, the BN Jacobian is 0 and the "
                             "bounds of Santurkar et al. are 0 = 0 (m ≥ 3 is needed)")
    if not isinstance(loss, LinkLoss):
        raise ParameterError(f"loss must be a LinkLoss, got {type(loss).__name__}")
    if loss.m != y.size:
        raise ShapeMismatchError(f"loss expects a batch of m = {loss.m}, y has m = {y.size}")
    gamma, beta = finite_scalar("gamma", gamma), finite_scalar("beta", beta)
    zc, cache = batchnorm_forward(y[:, None], [gamma], [beta], eps=0.0)
    z = zc[:, 0]
    g = loss.grad(z)
    grad = batchnorm_backward(g[:, None], cache)[0][:, 0]
    return BNPoint(y, gamma, beta, loss, cache.x_hat[:, 0], z, float(cache.mean[0]), float(cache.sigma_hat[0]),
                   float(loss.value(z)), g, grad, cache)


def batch_loss(y, gamma: float, beta: float, loss: LinkLoss) -> float:
    """:math:`\\hat L(y) = \\ell(\\gamma\\,\\mathrm{BN}(y) + \\beta)` at ``ε = 0`` (see :func:`bn_point`)."""
    return bn_point(y, gamma, beta, loss).value


def batch_loss_grad(y, gamma: float, beta: float, loss: LinkLoss) -> np.ndarray:
    """:math:`\\nabla_y\\hat L` at ``ε = 0``: ``J g`` by the verified BN backward (see :func:`bn_point`)."""
    return bn_point(y, gamma, beta, loss).grad


def _direction(p: BNPoint, u) -> np.ndarray:
    u = as_finite_array("u", u)
    if u.shape != p.y.shape:
        raise ShapeMismatchError(f"u must have the shape of y, {p.y.shape}, got {u.shape}")
    return u


def batch_loss_hvp(y, gamma: float, beta: float, loss: LinkLoss, u) -> np.ndarray:
    r"""Exact Hessian-vector product :math:`\nabla_y^2\hat L\,u` at ``ε = 0`` (module docstring).

    :math:`\nabla_y\hat L(y) = J(y)\,g(z(y))`; differentiating along ``u``:
    :math:`J H J u` (the loss's curvature seen through BN) plus :math:`D_u[J]g` (the curvature of BN
    itself), with :math:`d\sigma = \langle\hat y,u\rangle/m`, :math:`d\hat y = \Pi u/\sigma` and
    :math:`D_u[J]\delta = -(d\sigma/\sigma)J\delta - \frac{\gamma}{m\sigma}(d\hat y\langle\hat y,\delta\rangle
    + \hat y\langle d\hat y,\delta\rangle)` (derivative of the compact backward form, MATH.md §1.3), both
    computed by :func:`~bntheory.batchnorm.batchnorm_backward_jvp` with ``δ = g``, ``δ̇ = Hγ dŷ``.
    Cross-checked against :func:`batch_loss_hvp_fd` in the tests.

    Raises the errors of :func:`bn_point`, and :class:`ShapeMismatchError`/:class:`NonFiniteError` for ``u``.
    """
    p = bn_point(y, gamma, beta, loss)
    u = _direction(p, u)[:, None]
    dy_hat = normalize_jvp(u, p._cache)[0][:, 0]
    return batchnorm_backward_jvp(p.g[:, None], (loss.hess(p.z) @ (p.gamma * dy_hat))[:, None], u,
                                  p._cache)[:, 0]


def batch_loss_hvp_fd(y, gamma: float, beta: float, loss: LinkLoss, u, *, rel_step: float = FD_REL_STEP) -> np.ndarray:
    r"""Finite-difference HVP: central differences of the exact gradient along ``u``.

    :math:`(\nabla\hat L(y + hu) - \nabla\hat L(y - hu))/(2h)` with :math:`h = \mathrm{rel\_step}\,
    \|y - \mu 1\|/\|u\|` (a step of relative size ``rel_step`` in the batch's spread).  Error
    :math:`O(\mathrm{rel\_step}^2) + O(\varepsilon_{mach}/\mathrm{rel\_step})` relative to the HVP's
    scale: about ``1e-10`` at the default ``1e-5`` (:data:`FD_REL_STEP`).

    Raises
    ------
    ParameterError
        ``rel_step`` not in ``(0, 1e-2]``, or ``u = 0``.
    """
    p = bn_point(y, gamma, beta, loss)
    u = _direction(p, u)
    rel_step = finite_scalar("rel_step", rel_step)
    if not 0.0 < rel_step <= 1e-2:
        raise ParameterError(f"rel_step must lie in (0, 1e-2], got rel_step = {rel_step}")
    nu = float(np.linalg.norm(u))
    if nu == 0.0:
        raise ParameterError("u = 0: no direction for the finite difference")
    h = rel_step * np.sqrt(p.m) * p.sigma / nu
    return (batch_loss_grad(p.y + h * u, gamma, beta, loss) - batch_loss_grad(p.y - h * u, gamma, beta, loss)) / (2 * h)


# --------------------------------------------------------------------------------------------- Thm 4.1
@dataclass(frozen=True)
class GradBoundTerms:
    r"""The terms of Thm 4.1: :math:`\|\nabla_y\hat L\|^2 \le \frac{\gamma^2}{\sigma^2}(\|g\|^2
    - \frac1m\langle 1,g\rangle^2 - \frac1m\langle g,\hat y\rangle^2)`.

    Attributes
    ----------
    lhs : float
        :math:`\|\nabla_y\hat L\|^2` (from the BN backward).
    factor : float
        :math:`\gamma^2/\sigma^2`, :math:`\sigma` the std of ``y`` (not of :math:`\hat y`, which is 1).
    g_sq, mean_term, corr_term : float
        :math:`\|g\|^2`, :math:`\langle 1,g\rangle^2/m`, :math:`\langle g,\hat y\rangle^2/m`.
    """

    lhs: float
    factor: float
    g_sq: float
    mean_term: float
    corr_term: float

    @property
    def rhs(self) -> float:
        """The printed right-hand side (equal to ``lhs`` up to rounding at ``ε = 0``)."""
        return self.factor * (self.g_sq - self.mean_term - self.corr_term)

    @property
    def scale(self) -> float:
        """:math:`(\\gamma^2/\\sigma^2)\\|g\\|^2`, the size of the terms that cancel (rounding is relative to it)."""
        return self.factor * self.g_sq


def grad_bound_terms(p: BNPoint) -> GradBoundTerms:
    """The terms of Thm 4.1 at the point ``p`` (Santurkar et al. 2018, Thm 4.1; MATH.md §8).

    Examples
    --------
    >>> import numpy as np
    >>> p = bn_point(np.array([0.0, 1.0, 3.0, 4.5]), 2.0, 0.1, logistic_targets([1.0, -1.0, 1.0, 1.0]))
    >>> t = grad_bound_terms(p)
    >>> bool(abs(t.lhs - t.rhs) <= 1e-12 * t.scale)   # the bound holds with equality
    True
    >>> bool(t.lhs < t.factor * (t.g_sq - t.mean_term))  # without <g, y_hat>^2/m it is strict
    True
    """
    m = p.m
    return GradBoundTerms(lhs=float(p.grad @ p.grad), factor=p.gamma ** 2 / p.sigma ** 2, g_sq=float(p.g @ p.g),
                          mean_term=float(np.sum(p.g)) ** 2 / m, corr_term=float(p.g @ p.y_hat) ** 2 / m)


# --------------------------------------------------------------------------------------------- Thm 4.2
@dataclass(frozen=True)
class HessBoundTerms:
    r"""The terms of Thm 4.2 (first form) along :math:`v = \nabla_y\hat L`:
    :math:`v^\top\nabla^2\hat L v \le \frac{\gamma^2}{\sigma^2}v^\top Hv - \frac{\gamma}{m\sigma^2}
    \langle g,\hat y\rangle\|v\|^2`.

    Attributes
    ----------
    lhs, lhs_fd : float
        :math:`v^\top\nabla^2\hat L v` from the exact HVP and from the finite-difference HVP.
    factor, vHv : float
        :math:`\gamma^2/\sigma^2` and :math:`v^\top Hv` (``H`` the loss's Hessian at ``z``).
    gamma, sigma, m, g_dot_yhat, v_sq : float
        :math:`\gamma`, :math:`\sigma`, ``m``, :math:`\langle g,\hat y\rangle`, :math:`\|v\|^2`.
    grad_cancellation : float
        :math:`\kappa = (|\gamma|/\sigma)\|g\|/\|v\| \ge 1`: ``v = (γ/σ)Πg`` is computed to an absolute
        :math:`\varepsilon_{mach}(|\gamma|/\sigma)\|g\|`, i.e. to a relative :math:`\varepsilon_{mach}\kappa`, and so
        is every quadratic form along it (:attr:`rounding_scale`).
    """

    lhs: float
    lhs_fd: float
    factor: float
    vHv: float
    gamma: float
    sigma: float
    m: int
    g_dot_yhat: float
    v_sq: float
    grad_cancellation: float

    @property
    def curvature_term(self) -> float:
        """:math:`(\\gamma^2/\\sigma^2)v^\\top Hv`."""
        return self.factor * self.vHv

    @property
    def correction_term(self) -> float:
        """:math:`(\\gamma/(m\\sigma^2))\\langle g,\\hat y\\rangle\\|v\\|^2` (subtracted in the printed bound)."""
        return self.gamma / (self.m * self.sigma ** 2) * self.g_dot_yhat * self.v_sq

    @property
    def rhs(self) -> float:
        return self.curvature_term - self.correction_term

    @property
    def scale(self) -> float:
        """:math:`|\\text{curvature term}| + |\\text{correction term}|` (rounding is relative to it)."""
        return abs(self.curvature_term) + abs(self.correction_term)

    @property
    def rounding_scale(self) -> float:
        """:attr:`scale` times :attr:`grad_cancellation`: the size float64 errors are relative to."""
        return self.scale * self.grad_cancellation


def hess_bound_terms(p: BNPoint, *, rel_step: float = FD_REL_STEP) -> HessBoundTerms:
    """The terms of Thm 4.2 at ``p`` along ``v = ∇_y L̂`` (Santurkar et al. 2018, Thm 4.2; MATH.md §8).

    Raises :class:`ParameterError` if ``∇_y L̂ = 0`` (no direction: the statement is ``0 = 0``).
    """
    v = p.grad
    if not np.any(v):
        raise ParameterError("∇_y L̂ = 0 at this point (g ∈ span{1, ŷ} or γ = 0): Thm 4.2 is 0 = 0 there")
    args = (p.y, p.gamma, p.beta, p.loss, v)
    return HessBoundTerms(lhs=float(v @ batch_loss_hvp(*args)),
                          lhs_fd=float(v @ batch_loss_hvp_fd(*args, rel_step=rel_step)),
                          factor=p.gamma ** 2 / p.sigma ** 2, vHv=float(v @ p.loss.hess(p.z) @ v), gamma=p.gamma,
                          sigma=p.sigma, m=p.m, g_dot_yhat=float(p.g @ p.y_hat), v_sq=float(v @ v),
                          grad_cancellation=abs(p.gamma) / p.sigma * float(np.linalg.norm(p.g) / np.linalg.norm(v)))


# --------------------------------------------------------------------------------------------- Thm 4.4
def _weight_point(w, X, gamma, beta, loss) -> tuple[np.ndarray, np.ndarray, BNPoint]:
    X = as_finite_array("X", X, ndim=2)
    w = as_finite_array("w", w, ndim=1)
    if w.size != X.shape[0]:
        raise ShapeMismatchError(f"w has d = {w.size} entries, X has shape (d, m) = {X.shape}")
    return w, X, bn_point(w @ X, gamma, beta, loss)


@dataclass(frozen=True)
class WeightBoundTerms:
    r"""Thm 4.4 in its testable per-batch form: :math:`\|\nabla_w\hat L\|^2 = \|X\nabla_y\hat L\|^2
    \le \|X\|_{op}^2\,\frac{\gamma^2}{\sigma^2}(\|g\|^2 - \frac1m\langle 1,g\rangle^2 - \frac1m\langle g,\hat y\rangle^2)`.

    Attributes
    ----------
    lhs : float
        :math:`\|\nabla_w\hat L\|^2`.
    op_sq : float
        :math:`\|X\|_{op}^2` (largest singular value squared).
    grad : GradBoundTerms
        Thm 4.1's terms at ``y = wᵀX``.
    alignment : float or None
        :math:`\|X\hat v\|^2/\|X\|_{op}^2` for :math:`\hat v = \nabla_y\hat L/\|\nabla_y\hat L\|`
        (1 exactly when :math:`\hat v` is a top right singular vector: the tight case); ``None``
        when :math:`\nabla_y\hat L = 0` (no direction).
    """

    lhs: float
    op_sq: float
    grad: GradBoundTerms
    alignment: float | None

    @property
    def rhs(self) -> float:
        return self.op_sq * self.grad.rhs


def weight_bound_terms(w, X, gamma: float, beta: float, loss: LinkLoss) -> WeightBoundTerms:
    """Thm 4.4's per-``X`` terms for the unit ``y = wᵀX`` (``X`` of shape ``(d, m)``, MATH.md §8).

    Raises the errors of :func:`bn_point`, and :class:`ShapeMismatchError` when ``w`` and ``X`` disagree.
    """
    w, X, p = _weight_point(w, X, gamma, beta, loss)
    gw = X @ p.grad
    op_sq = float(np.linalg.norm(X, 2)) ** 2
    gv = float(p.grad @ p.grad)
    return WeightBoundTerms(lhs=float(gw @ gw), op_sq=op_sq, grad=grad_bound_terms(p),
                            alignment=float(gw @ gw) / (op_sq * gv) if gv > 0 else None)


@dataclass(frozen=True)
class PrintedWeightTerms:
    r"""Thm 4.4 as printed, read at one batch ``X`` (maxima over the one-point set :math:`\{X\}`,
    :math:`\lambda = \|X\|_{op}`): :math:`\hat g_j \le \frac{\gamma^2}{\sigma_j^2}(g_j^2 - m\mu_{g_j}^2
    - \lambda^2\langle\nabla_{y_j}L,\hat y_j\rangle^2)`.

    Attributes
    ----------
    g_hat : float
        :math:`\hat g_j = \|\nabla_w\hat L\|^2`.
    g_j : float
        :math:`g_j = \|\nabla_w L\|^2 = \|Xg\|^2` (the network without BN, same point): already squared.
    mu_g : float
        :math:`\mu_{g_j} = \langle 1,g\rangle/m`.
    lam, factor, corr, m : float
        :math:`\lambda`, :math:`\gamma^2/\sigma^2`, :math:`\langle g,\hat y\rangle`, ``m``.
    """

    g_hat: float
    g_j: float
    mu_g: float
    lam: float
    factor: float
    corr: float
    m: int

    @property
    def rhs(self) -> float:
        return self.factor * (self.g_j ** 2 - self.m * self.mu_g ** 2 - self.lam ** 2 * self.corr ** 2)

    @property
    def holds(self) -> bool:
        return self.g_hat <= self.rhs


def printed_weight_terms(w, X, gamma: float, beta: float, loss: LinkLoss) -> PrintedWeightTerms:
    """The printed Thm 4.4's terms at one batch ``X`` (see :class:`PrintedWeightTerms`)."""
    w, X, p = _weight_point(w, X, gamma, beta, loss)
    gw_hat, gw = X @ p.grad, X @ p.g
    return PrintedWeightTerms(g_hat=float(gw_hat @ gw_hat), g_j=float(gw @ gw), mu_g=float(np.mean(p.g)),
                              lam=float(np.linalg.norm(X, 2)), factor=p.gamma ** 2 / p.sigma ** 2,
                              corr=float(p.g @ p.y_hat), m=p.m)


def printed_weight_flip_scale(t: PrintedWeightTerms) -> float:
    r"""The loss scale :math:`c^*` where the printed Thm 4.4 changes verdict.

    Scaling :math:`\ell \to c\ell` scales :math:`\hat g_j, \mu_{g_j}^2, \langle g,\hat y\rangle^2` by
    :math:`c^2` but :math:`g_j^2` by :math:`c^4`, so the printed inequality at scale ``c`` reads
    :math:`\hat g_j \le (\gamma^2/\sigma^2)(c^2 g_j^2 - m\mu_{g_j}^2 - \lambda^2\langle g,\hat y\rangle^2)`
    (all terms at ``c = 1``): false for :math:`c < c^*`, true for :math:`c > c^*`, with
    :math:`c^{*2} = (\hat g_j\sigma^2/\gamma^2 + m\mu_{g_j}^2 + \lambda^2\langle g,\hat y\rangle^2)/g_j^2`.
    A dimensionally consistent statement cannot depend on the loss's unit.

    Raises :class:`ParameterError` if ``g_j = 0`` (no flip: the printed right-hand side is ``≤ 0``).
    """
    if t.g_j == 0.0:
        raise ParameterError("g_j = ‖∇_W L‖² = 0: the printed right-hand side is ≤ 0 at every loss scale")
    return float(np.sqrt((t.g_hat / t.factor + t.m * t.mu_g ** 2 + t.lam ** 2 * t.corr ** 2) / t.g_j ** 2))


# --------------------------------------------------------------------------------------------- Lemma 4.5
@dataclass(frozen=True)
class InitTerms:
    r"""Lemma 4.5: :math:`\|W_0 - \hat W^*\|^2 \le \|W_0 - W^*\|^2 - (\|W^*\|^2 - \langle W^*,W_0\rangle)^2/\|W^*\|^2`.

    Attributes
    ----------
    printed_rhs : float
        The right-hand side as printed.
    closed_form : float
        :math:`\|W_0\|^2 - \langle W_0,W^*\rangle^2/\|W^*\|^2`.
    inner, c_star : float
        :math:`\langle W_0,W^*\rangle` and :math:`c^* = \langle W_0,W^*\rangle/\|W^*\|^2`.
    dist_sq_line : float
        :math:`\|W_0 - c^*W^*\|^2`, evaluated as a norm (= :math:`\min_{c\in\mathbb R}\|W_0 - cW^*\|^2`).
    dist_sq_ray : float
        :math:`\inf_{c>0}\|W_0 - cW^*\|^2`, the distance to the BN optima :math:`\{cW^*: c > 0\}`
        (BN is invariant under positive scaling only): ``dist_sq_line`` if :math:`c^* > 0`, else
        :math:`\|W_0\|^2` (approached as :math:`c \to 0^+`, never attained).
    norm_scale : float
        :math:`\|W_0\|^2 + \|W^*\|^2`, the size of the terms that cancel in ``printed_rhs``.
    """

    printed_rhs: float
    closed_form: float
    inner: float
    c_star: float
    dist_sq_line: float
    dist_sq_ray: float
    norm_scale: float


def init_terms(W0, W_star) -> InitTerms:
    """The quantities of Lemma 4.5 for weights ``W0``, ``W_star`` of one shape (Frobenius inner product).

    Raises
    ------
    ShapeMismatchError
        The shapes differ.
    NonFiniteError
        An entry is not finite.
    ParameterError
        ``W_star = 0`` (the lemma divides by ``‖W*‖²``).
    """
    W0, Ws = as_finite_array("W0", W0), as_finite_array("W_star", W_star)
    if W0.shape != Ws.shape:
        raise ShapeMismatchError(f"W0 and W_star must have one shape, got {W0.shape} and {Ws.shape}")
    ns = float(np.sum(Ws * Ws))
    if ns == 0.0:
        raise ParameterError("W_star = 0: Lemma 4.5 divides by ‖W*‖² = 0")
    n0, inner = float(np.sum(W0 * W0)), float(np.sum(W0 * Ws))
    diff = W0 - Ws
    c = inner / ns
    line = float(np.sum((W0 - c * Ws) ** 2))
    return InitTerms(printed_rhs=float(np.sum(diff * diff)) - (ns - inner) ** 2 / ns, closed_form=n0 - inner ** 2 / ns,
                     inner=inner, c_star=c, dist_sq_line=line, dist_sq_ray=line if c > 0 else n0, norm_scale=n0 + ns)
