r"""Gradient explosion in deep Batch-Normalized networks at initialisation (MATH.md §8).

Yang et al. (2019) show that a deep fully connected network with Batch Normalization in every layer
has, at initialisation, gradients that *grow* geometrically from the output towards the input: the
squared gradient norm is multiplied by :math:`\lambda_G > 1` per layer.  This module builds such
networks, backpropagates a random loss through them, measures the per-layer growth and computes the
predictions.

The network (our conventions; rows are examples, as in :mod:`bntheory.batchnorm`)
-------------------------------------------------------------------------------------
A batch of :math:`B` inputs :math:`x^0\in\mathbb R^{B\times N}` with i.i.d. :math:`N(0,1)` entries;
for :math:`l = 1..L`

.. math::

    h^l = x^{l-1}(W^l)^\top,\qquad z^l = \mathrm{BN}(h^l),\qquad x^l = \varphi(z^l),
    \qquad W^l_{ij}\sim N(0,\sigma_w^2/N)\ \text{i.i.d.},

BN in training mode over the batch, per feature (column), with :math:`\varepsilon = 0`,
:math:`\gamma = 1`, :math:`\beta = 0` (:func:`bntheory.batchnorm.batchnorm_forward`, MATH.md §1.1),
:math:`\varphi` the identity (``"linear"``) or ReLU.  Without BN (the control) :math:`z^l = h^l`.
:math:`\sigma_w^2` is the critical value of the network without BN (1 for linear, 2 for ReLU) in both
cases; with BN it does not matter (scale invariance, MATH.md §1.3).  The loss is a random linear
read-out of the last layer, :math:`\ell = \sum_{b,i} G_{bi}x^L_{bi}` with :math:`G` i.i.d.
:math:`N(0,1)`, i.e. a random output gradient.  Backpropagation uses the verified compact BN backward
(:func:`bntheory.batchnorm.batchnorm_backward`, MATH.md §1.3), vectorised over all features:
:math:`\partial\ell/\partial W^l = (\partial\ell/\partial h^l)^\top x^{l-1}`, whose squared Frobenius
norm is computed from two :math:`B\times B` Gram matrices,
:math:`\|\partial\ell/\partial W^l\|^2 = \langle \delta\delta^\top, x^{l-1}x^{l-1\top}\rangle`.
For :math:`B \ll N` the weights are drawn by Gaussian conditioning, exactly in distribution, with
:math:`2BN` instead of :math:`N^2` normals per layer (:func:`network_gradients`, ``sampler``).

The measurement
---------------
For each network, :math:`\log\|\partial\ell/\partial W^l\|^2` is fitted by least squares on the layer
index :math:`l` over the layers away from both ends (``skip_input`` layers next to the input, where
the forward pass has not reached its fixed point, and ``skip_output`` next to the output, where the
backward pass has not reached its eigen-direction); the growth per layer towards the input is
:math:`\hat\lambda = e^{-\text{slope}}`.  The estimate is the mean of :math:`\hat\lambda` over
independent networks, with its standard error over networks (no independence across layers is
assumed).  The norm itself grows by :math:`\sqrt{\lambda_G}`.

The predictions (mean field: width :math:`N\to\infty` first)
-------------------------------------------------------------
* Linear, batch :math:`B\ge 4`: :math:`\lambda_G = (B-2)/(B-3)` (:func:`linear_prediction`).
* Any :math:`\varphi`, :math:`B\to\infty` after :math:`N\to\infty`:
  :math:`\lambda_G\to E[\varphi'(z)^2]/\mathrm{Var}[\varphi(z)]`, :math:`z\sim N(0,1)`
  (:func:`large_batch_limit`): 1 for linear, :math:`\pi/(\pi-1)\approx 1.4669` for ReLU.
* Without BN at the critical :math:`\sigma_w^2`: :math:`\sigma_w^2E[\varphi'(z)^2] = 1`.

Finite width biases the estimate down, finite batch up (MATH.md §8); the tolerances of the checks
(``proofs_check.explosion``) are stated with the sizes they are run at.

References
----------
G. Yang, J. Pennington, V. Rao, J. Sohl-Dickstein, S. S. Schoenholz, *A Mean Field Theory of Batch
Normalization*, ICLR 2019 (arXiv:1902.08129): the gradient backpropagation analysis (gradient
explosion; the linear and ReLU cases); MATH.md §8.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate

from .batchnorm import batchnorm_backward, batchnorm_forward
from .errors import BatchSizeError, NonFiniteError, ParameterError
from .validation import finite_scalar, int_at_least

__all__ = [
    "ACTIVATIONS", "SAMPLERS", "SIGMA_W2", "GrowthEstimate", "Comparison", "linear_prediction", "large_batch_limit",
    "network_gradients", "fit_growth", "gradient_growth", "compare",
]

#: Activations of the network.
ACTIVATIONS = ("linear", "relu")
#: How the weights are drawn (:func:`network_gradients`).
SAMPLERS = ("dense", "conditional")
#: Critical weight variance of the network *without* BN (the control; used for both).
SIGMA_W2 = {"linear": 1.0, "relu": 2.0}


def _activation(activation) -> str:
    if activation not in ACTIVATIONS:
        raise ParameterError(f"activation must be one of {ACTIVATIONS}, got activation = {activation!r}")
    return activation


def linear_prediction(batch) -> float:
    r"""Per-layer growth of the squared gradient norm of a deep *linear* BN network (MATH.md §8).

    .. math:: \lambda_G = \frac{B-2}{B-3}, \qquad B \ge 4 .

    Derivation (mean field, width first).  At the forward fixed point every feature of
    :math:`h` is, over the batch, a centred Gaussian vector in the :math:`(B-1)`-dimensional space
    :math:`1^\perp` with covariance :math:`c\,P`, :math:`P = I - 11^\top/B`,
    :math:`c = \sigma_w^2 B/(B-1)` (the BN output has :math:`E[\hat z\hat z^\top] = B/(B-1)\,P`).
    The BN Jacobian at :math:`\varepsilon = 0` is :math:`(\sqrt B/\|h\|)(P - uu^\top)`,
    :math:`u = h/\|h\|` (MATH.md §1.3), and the backward map of the gradient covariance
    :math:`\Pi\propto P` is :math:`\sigma_w^2 E[J^\top\Pi J]`.  With :math:`\|h\|^2 = c\chi^2_{B-1}`
    independent of :math:`u`, :math:`E[uu^\top] = P/(B-1)` and
    :math:`E[1/\chi^2_{B-1}] = 1/(B-3)`:

    .. math:: \sigma_w^2\,\frac{B}{c}\,\frac{1}{B-3}\,\frac{B-2}{B-1} = \frac{B-2}{B-3}.

    :math:`E[1/\chi^2_{B-1}]` is infinite for :math:`B \le 3`; the variance of the per-feature
    factor is finite only for :math:`B\ge 6`.

    Raises
    ------
    BatchSizeError
        ``batch`` is not an integer ``≥ 4``.

    References
    ----------
    Yang et al. (2019), gradient backpropagation, the linear case; MATH.md §8.

    Examples
    --------
    >>> linear_prediction(8)
    1.2
    """
    b = int_at_least("batch size B", batch, 4, error=BatchSizeError)
    return (b - 2) / (b - 3)


def large_batch_limit(activation: str) -> float:
    r"""The large-batch limit of the growth of the squared gradient norm with BN (MATH.md §8).

    .. math:: \lim_{B\to\infty}\lambda_G = \frac{E[\varphi'(z)^2]}{\mathrm{Var}[\varphi(z)]},
              \qquad z\sim N(0,1),

    computed by quadrature on the two half-lines (``scipy.integrate.quad``, where ``φ`` is smooth).
    Derivation: for large ``B`` the BN Jacobian is ``1/σ_B`` times a projector of co-rank 2, the
    normalised pre-activations are ``N(0, 1)`` over the batch, and ``σ_B² = σ_w² Var[φ(z)]`` (the
    batch variance of ``h`` sums the batch variances of the inputs); one layer multiplies the
    squared gradient by ``σ_w² E[φ'(z)²]/σ_B²``.  Linear: ``1`` (the limit of ``(B−2)/(B−3)``);
    ReLU: ``(1/2)/(1/2 − 1/(2π)) = π/(π−1) ≈ 1.4669``.

    References
    ----------
    Yang et al. (2019), gradient backpropagation, ReLU (π/(π−1) as B → ∞); MATH.md §8.

    Examples
    --------
    >>> round(large_batch_limit("relu"), 10) == round(math.pi / (math.pi - 1), 10)
    True
    """
    phi, dphi = {"linear": (lambda z: z, lambda z: 1.0),
                 "relu": (lambda z: max(z, 0.0), lambda z: float(z > 0))}[_activation(activation)]
    dens = lambda z: math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)  # noqa: E731

    def expect(f) -> float:
        return sum(integrate.quad(lambda z: f(z) * dens(z), a, b, epsabs=1e-14, epsrel=1e-13)[0]
                   for a, b in ((-math.inf, 0.0), (0.0, math.inf)))

    mean = expect(phi)
    return expect(lambda z: dphi(z) ** 2) / (expect(lambda z: phi(z) ** 2) - mean * mean)


def _sizes(activation, width, batch, depth, bn) -> tuple:
    activation = _activation(activation)
    width = int_at_least("width N", width, 1)
    depth = int_at_least("depth L", depth, 1)
    batch = int_at_least("batch size B", batch, 4 if bn else 1, error=BatchSizeError)
    return activation, width, batch, depth


def _row_basis(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An orthonormal basis ``Q`` (``N×r``) of the row space of ``x`` (``B×N``) and ``xQ`` (``B×r``).

    From the eigen-decomposition of the ``B×B`` Gram matrix ``x xᵀ = U Λ Uᵀ``: ``Q = xᵀ U_r Λ_r^{−1/2}``,
    ``xQ = U_r Λ_r^{1/2}``, keeping the eigenvalues above ``1e-10·λ_max`` (a BN output has the null
    direction ``1``).  Only ``B×B`` LAPACK calls: a tall QR is slow under multi-threaded BLAS contention.
    """
    lam, U = np.linalg.eigh(x @ x.T)
    keep = lam > 1e-10 * lam[-1]
    lam, U = lam[keep], U[:, keep]
    return (x.T @ U) / np.sqrt(lam), U * np.sqrt(lam)


def _psd_sqrt(K: np.ndarray) -> np.ndarray:
    """The symmetric square root of a positive semi-definite ``K`` (``C Cᵀ = K``; rounding negatives cut)."""
    lam, U = np.linalg.eigh(K)
    return (U * np.sqrt(np.clip(lam, 0.0, None))) @ U.T


def _positive(name: str, l: int, depth: int, v) -> float:
    """``v`` if finite and positive, else :class:`NonFiniteError` naming the layer (an overflow)."""
    if not (np.isfinite(v) and v > 0.0):
        raise NonFiniteError(f"{name} at layer l = {l + 1} is {v} (depth L = {depth} is too deep for float64 "
                             "at this growth rate)")
    return float(v)


def _sampler(sampler, n: int, b: int) -> str:
    """The sampler to use (``"auto"`` resolved), or :class:`ParameterError` naming the bad choice."""
    if sampler not in SAMPLERS + ("auto",):
        raise ParameterError(f"sampler must be 'auto' or one of {SAMPLERS}, got sampler = {sampler!r}")
    if sampler == "auto":
        return "conditional" if 8 * b <= n else "dense"
    if sampler == "conditional" and n < b:
        raise ParameterError(f"sampler 'conditional' needs width N ≥ batch B, got N = {n} < B = {b}")
    return sampler


def network_gradients(activation: str, *, width: int, batch: int, depth: int, bn: bool = True,
                      rng=None, sampler: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    r"""One random network at initialisation: forward, random loss, backward (module docstring).

    Parameters
    ----------
    activation : {"linear", "relu"}
    width : int
        ``N ≥ 1`` features per layer.
    batch : int
        ``B`` examples; ``B ≥ 4`` with BN (for ``B ≤ 3`` the mean-field ``λ_G`` is infinite and the
        BN Jacobian has rank ``≤ 1``), ``B ≥ 1`` without.
    depth : int
        ``L ≥ 1`` layers.
    bn : bool, default True
        BN (``ε = 0``, ``γ = 1``, ``β = 0``) on every pre-activation; ``False``: the control.
    rng : numpy.random.Generator or int, optional
        Source of the input, the weights (layer by layer) and the output gradient.
    sampler : {"auto", "dense", "conditional"}, default "auto"
        ``"dense"`` draws every ``W^l`` (``N²`` normals per layer).  ``"conditional"`` draws, exactly
        in distribution, only what the network uses: ``W^l`` enters the forward pass through
        ``A = W^l Q`` (``Q``: an orthonormal ``N×B`` basis containing the rows of ``x^{l−1}``; ``A``
        is i.i.d. ``N(0, σ_w²/N)``) and the backward pass through ``δ W^l = δ A Qᵀ + δ (W^l Q⊥) Q⊥ᵀ``,
        where ``W^l Q⊥`` is independent of ``A`` and of everything ``δ`` depends on (the weights of
        the other layers, the input, the output gradient), so ``δ (W^l Q⊥)`` is drawn given ``δ`` as
        ``C Y Q⊥`` with ``C Cᵀ = δ δᵀ`` and ``Y`` i.i.d. ``N(0, σ_w²/N)`` of shape ``B×N`` — ``2BN``
        normals per layer (the Gaussian conditioning Yang et al. use in their proofs).  Both give
        the same joint law of every quantity computed here (tested); ``"auto"`` takes
        ``"conditional"`` when ``8B ≤ N`` (where it is much faster), else ``"dense"``.  The two
        consume the random stream differently.

    Returns
    -------
    weight_sq : ndarray, shape (L,)
        ``‖∂ℓ/∂W^l‖²_F`` for ``l = 1..L``.
    act_sq : ndarray, shape (L,)
        ``‖∂ℓ/∂x^{l−1}‖²_F`` for ``l = 1..L`` (the gradient entering layer ``l``).

    Raises
    ------
    ParameterError
        Unknown activation or sampler, ``width``/``depth`` not an integer ``≥ 1``, or
        ``sampler="conditional"`` with ``N < B``.
    BatchSizeError
        ``batch`` below its minimum.
    NonFiniteError
        A squared norm overflowed or vanished (too deep a network for float64).
    """
    activation, n, b, depth = _sizes(activation, width, batch, depth, bn)
    sampler = _sampler(sampler, n, b)
    gen = np.random.default_rng(rng)
    scale = math.sqrt(SIGMA_W2[activation] / n)
    relu = activation == "relu"
    ones, zeros = np.ones(n), np.zeros(n)
    x = gen.standard_normal((b, n))
    layers = []
    for _ in range(depth):
        if sampler == "dense":
            Q, A = None, gen.standard_normal((n, n)) * scale  # A = W
            h = x @ A.T
        else:
            Q, xQ = _row_basis(x)  # x = xQ Qᵀ, Q: N×r orthonormal
            A = gen.standard_normal((n, Q.shape[1])) * scale  # A = W Q
            h = xQ @ A.T  # = x Wᵀ
        cache = None
        if bn:
            h, cache = batchnorm_forward(h, ones, zeros, eps=0.0)
        layers.append((x, Q, A, h if relu else None, cache))
        x = np.maximum(h, 0.0) if relu else h
    dx = gen.standard_normal((b, n))  # ∂ℓ/∂x^L for ℓ = Σ G ⊙ x^L
    weight_sq, act_sq = np.empty(depth), np.empty(depth)
    for l in range(depth - 1, -1, -1):
        x_prev, Q, A, z, cache = layers[l]
        dz = dx * (z > 0.0) if relu else dx
        dh = batchnorm_backward(dz, cache)[0] if bn else dz
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported at once
            K = dh @ dh.T
            weight_sq[l] = _positive("‖∂ℓ/∂W^l‖²", l, depth, np.sum(K * (x_prev @ x_prev.T)))
            if sampler == "dense":
                dx = dh @ A  # = dh W
            else:  # dh W = dh (W Q) Qᵀ + dh (W Q⊥) Q⊥ᵀ, the second part drawn given dh
                Y = gen.standard_normal((b, n)) * scale
                dx = (dh @ A) @ Q.T + _psd_sqrt(K) @ (Y - (Y @ Q) @ Q.T)
            act_sq[l] = _positive("‖∂ℓ/∂x^{l−1}‖²", l, depth, np.sum(dx * dx))
    return weight_sq, act_sq


def fit_growth(sq_norms, *, skip_input: int, skip_output: int) -> np.ndarray:
    r"""Per-network growth per layer towards the input, fitted on ``log sq_norms`` (module docstring).

    Parameters
    ----------
    sq_norms : array_like, shape (n_networks, L)
        Positive squared norms, layer ``l = 1..L`` in column ``l − 1``.
    skip_input, skip_output : int
        Layers left out next to the input and next to the output; at least 3 layers must remain.

    Returns
    -------
    ndarray, shape (n_networks,)
        ``exp(−slope)`` of the least-squares line of ``log sq_norms`` on ``l`` over the kept layers.

    Raises
    ------
    ParameterError
        Fewer than 3 layers left to fit, or a negative skip.
    NonFiniteError
        A norm is not finite or not positive.

    Examples
    --------
    >>> round(float(fit_growth([[8.0, 4.0, 2.0, 1.0]], skip_input=0, skip_output=0)[0]), 12)
    2.0
    """
    a = np.atleast_2d(np.asarray(sq_norms, dtype=float))
    if not np.all(np.isfinite(a) & (a > 0.0)):
        raise NonFiniteError(f"squared norms must be finite and positive, got min = {np.min(a)}, "
                             f"max = {np.max(a)}")
    L = a.shape[1]
    s_in = int_at_least("skip_input", skip_input, 0)
    s_out = int_at_least("skip_output", skip_output, 0)
    if L - s_in - s_out < 3:
        raise ParameterError(f"depth L = {L} leaves {L - s_in - s_out} layers to fit after skip_input = "
                             f"{s_in} and skip_output = {s_out}; at least 3 are needed")
    layers = np.arange(s_in, L - s_out, dtype=float)
    y = np.log(a[:, s_in:L - s_out])
    lc = layers - layers.mean()
    slope = (y - y.mean(axis=1, keepdims=True)) @ lc / (lc @ lc)
    return np.exp(-slope)


@dataclass(frozen=True)
class GrowthEstimate:
    r"""The measured growth of a family of random networks (:func:`gradient_growth`).

    Attributes
    ----------
    activation : str
    width, batch, depth, n_networks, skip_input, skip_output : int
    bn : bool
    weight_sq, act_sq : ndarray, shape (n_networks, depth)
        ``‖∂ℓ/∂W^l‖²`` and ``‖∂ℓ/∂x^{l−1}‖²``, ``l = 1..L``.
    per_network : ndarray, shape (n_networks,)
        Fitted growth of ``‖∂ℓ/∂W^l‖²`` per network.
    lam, se : float
        Mean of ``per_network`` and its standard error (``std(ddof=1)/sqrt(n_networks)``).
    act_lam, act_se : float
        The same for ``‖∂ℓ/∂x^l‖²``.
    """

    activation: str
    width: int
    batch: int
    depth: int
    bn: bool
    n_networks: int
    skip_input: int
    skip_output: int
    weight_sq: np.ndarray
    act_sq: np.ndarray
    per_network: np.ndarray
    lam: float
    se: float
    act_lam: float
    act_se: float

    @property
    def norm_growth(self) -> float:
        """Growth per layer of the norm itself, ``sqrt(λ̂)``."""
        return math.sqrt(self.lam)

    @property
    def norm_se(self) -> float:
        """Standard error of ``sqrt(λ̂)`` (delta method, ``se/(2 sqrt(λ̂))``)."""
        return self.se / (2.0 * math.sqrt(self.lam))

    def summary(self) -> dict:
        """JSON-able figures (sizes, ``λ̂ ± se`` for ``W`` and ``x``, the norm's growth)."""
        return {"activation": self.activation, "bn": self.bn, "width": self.width, "batch": self.batch,
                "depth": self.depth, "n_networks": self.n_networks,
                "fitted_layers": [self.skip_input + 1, self.depth - self.skip_output],
                "lambda_W": self.lam, "se_W": self.se, "lambda_x": self.act_lam, "se_x": self.act_se,
                "norm_growth": self.norm_growth, "norm_se": self.norm_se,
                "per_network": [float(v) for v in self.per_network]}


def _mean_se(v: np.ndarray) -> tuple[float, float]:
    return float(np.mean(v)), float(np.std(v, ddof=1) / math.sqrt(v.size))


def gradient_growth(activation: str, *, width: int, batch: int, depth: int, n_networks: int, bn: bool = True,
                    rng=None, skip_input: int = 3, skip_output: int = 2, sampler: str = "auto") -> GrowthEstimate:
    r"""Measure the per-layer growth of the squared gradient norm on ``n_networks`` random networks.

    Each network is drawn by :func:`network_gradients` from one generator (``rng``: a
    ``numpy.random.Generator`` or an int seed), one after the other; the growth is fitted per
    network by :func:`fit_growth` and averaged, with its standard error over networks.

    Parameters
    ----------
    activation, width, batch, depth, bn, sampler
        As in :func:`network_gradients`.
    n_networks : int
        Independent networks, ``≥ 2`` (a standard error needs two).
    rng : numpy.random.Generator or int, optional
    skip_input, skip_output : int, default 3 and 2
        Layers left out of the fit at each end (:func:`fit_growth`).

    Returns
    -------
    GrowthEstimate

    Raises
    ------
    ParameterError, BatchSizeError, NonFiniteError
        As :func:`network_gradients` and :func:`fit_growth` (checked before any network is drawn);
        ``ParameterError`` also for ``n_networks < 2``.

    Examples
    --------
    >>> e = gradient_growth("linear", width=128, batch=8, depth=12, n_networks=3, rng=0)
    >>> abs(e.lam - linear_prediction(8)) < 0.1
    True
    """
    activation, width, batch, depth = _sizes(activation, width, batch, depth, bn)
    n_networks = int_at_least("n_networks", n_networks, 2)
    fit_growth(np.ones((1, depth)), skip_input=skip_input, skip_output=skip_output)  # validate the window
    _sampler(sampler, width, batch)
    gen = np.random.default_rng(rng)
    runs = [network_gradients(activation, width=width, batch=batch, depth=depth, bn=bn, rng=gen, sampler=sampler)
            for _ in range(n_networks)]
    weight_sq = np.array([r[0] for r in runs])
    act_sq = np.array([r[1] for r in runs])
    per = fit_growth(weight_sq, skip_input=skip_input, skip_output=skip_output)
    per_x = fit_growth(act_sq, skip_input=skip_input, skip_output=skip_output)
    lam, se = _mean_se(per)
    act_lam, act_se = _mean_se(per_x)
    return GrowthEstimate(activation, width, batch, depth, bool(bn), n_networks, skip_input, skip_output,
                          weight_sq, act_sq, per, lam, se, act_lam, act_se)


@dataclass(frozen=True)
class Comparison:
    r"""A measured growth ``estimate ± se`` against a ``prediction`` with tolerance ``tol``.

    ``holds``: ``|estimate − prediction| ≤ tol`` *and* the estimate resolves the window
    (``2·se ≤ tol``: a noisy estimate cannot pass by luck).  ``rejected``: the estimate is outside the
    window by more than two standard errors, ``|estimate − prediction| > tol + 2·se`` (used for the
    negative controls).  ``ratio = |estimate − prediction|/tol``.
    """

    estimate: float
    se: float
    prediction: float
    tol: float

    @property
    def deviation(self) -> float:
        return abs(self.estimate - self.prediction)

    @property
    def ratio(self) -> float:
        return self.deviation / self.tol

    @property
    def resolved(self) -> bool:
        return 2.0 * self.se <= self.tol

    @property
    def holds(self) -> bool:
        return self.deviation <= self.tol and self.resolved

    @property
    def rejected(self) -> bool:
        return self.deviation > self.tol + 2.0 * self.se

    def as_dict(self) -> dict:
        return {"estimate": self.estimate, "se": self.se, "prediction": self.prediction, "tol": self.tol,
                "deviation": self.deviation, "ratio": self.ratio, "resolved": self.resolved,
                "holds": self.holds, "rejected": self.rejected}


def compare(estimate, se, prediction, tol) -> Comparison:
    """A :class:`Comparison`, with every input checked.

    Raises
    ------
    NonFiniteError
        A non-finite estimate, standard error or prediction.
    ParameterError
        ``se < 0`` or ``tol ≤ 0``.

    Examples
    --------
    >>> c = compare(1.205, 0.004, 1.2, 0.02)
    >>> (c.holds, c.rejected, round(c.ratio, 3))
    (True, False, 0.25)
    """
    est, s = finite_scalar("estimate", estimate), finite_scalar("se", se)
    pred, t = finite_scalar("prediction", prediction), finite_scalar("tol", tol)
    if s < 0.0:
        raise ParameterError(f"se must be ≥ 0, got se = {s}")
    if t <= 0.0:
        raise ParameterError(f"tol must be > 0, got tol = {t}")
    return Comparison(est, s, pred, t)
