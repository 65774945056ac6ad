r"""One-dimensional Gaussian expectations :math:`E[\psi(q)]`, :math:`q\sim N(m,s^2)` (MATH.md §4.3).

For the Gaussian halfspace model every population quantity is such an expectation with
:math:`\psi\in\{\varphi,\varphi',\varphi''\}`, :math:`m=ga`, :math:`s=|g|\sqrt{1-a^2}`.

The rule (chosen by the spread :math:`s`, per pair)
---------------------------------------------------
* :math:`s=0`: point mass, :math:`\psi(m)`.
* Losses with exact Gaussian moments (``loss.gauss_exact``: probit, quadratic): the closed form,
  at every spread.
* :math:`0<s\le s_{\rm switch}` (default 1): Gauss--Hermite in the standardised variable,
  :math:`E\psi(m+s\xi)\approx\sum_j w_j\psi(m+s x_j)` with ``n_gh`` (default 100) probabilists'
  nodes (``hermegauss``, cached). The logistic-family integrands are analytic in the strip
  :math:`|\Im\xi|<\pi/s`, so the rule converges geometrically; at :math:`s\le1`, 100 nodes give
  :math:`\sim10^{-16}` (measured: :math:`10^{-15}` still at :math:`s=1.5`).
* :math:`s>s_{\rm switch}`: **in the loss's own variable** (MATH.md §9 pitfall 6). A fixed
  Hermite rule in :math:`\xi` would put only a few nodes in the :math:`O(1)` window where
  :math:`\varphi''` lives once :math:`s\gg1`. Instead

  .. math::
     E\psi(q)=\int_{-T}^{T}\psi(t)\,N(t;m,s^2)\,dt+\int_{|t|>T}\psi(t)\,N(t;m,s^2)\,dt,

  the first by composite Gauss--Legendre (panels of width ``panel`` = 1, ``n_gl`` = 16 nodes
  each, :math:`T` = 8), the second **analytically** from the loss's exact tail expansion
  :math:`\psi(t)=\alpha+\beta t+\sum_{n\le N}c_n e^{-n|t|}` (:class:`~bntheory.losses.ExpTail`,
  truncation error below :math:`N^{k}e^{-NT}\approx10^{-19}` relative for :math:`N=7`):

  .. math::
     \int_T^\infty N\,dt=\bar\Phi(z),\quad
     \int_T^\infty t\,N\,dt=T\bar\Phi(z)+s\,J(z),\quad
     \int_T^\infty e^{-nt}N\,dt=\tfrac12 e^{-(T-m)^2/(2s^2)-nT}\,\mathrm{erfcx}(z_n/\sqrt2),

  :math:`z=(T-m)/s`, :math:`z_n=z+ns`, :math:`J(z)=E(\xi-z)_+` (evaluated without cancellation,
  :func:`gaussian_loss_function`); the left tail is the same at :math:`-m`. Every piece is
  relatively accurate, so tiny expectations (e.g. :math:`E\varphi''\approx10^{-109}` at
  :math:`g=10^3`, :math:`a=-0.999`) keep their relative accuracy.

Accuracy (tests/test_gauss.py, against ``mpmath.quad`` at 40 digits): relative error
:math:`\le10^{-12}` over :math:`g\in[10^{-3},10^{3}]`, :math:`a\in[-0.999,0.999]` and beyond, for
the logistic and sigmoid losses; the measured maximum is reported in the test module.
For a sign-changing :math:`\psi` (sigmoid :math:`\varphi''`), the error is bounded by
:math:`10^{-12}|E\psi|+10^{-15}E|\psi|` -- the second term is the float64 cancellation floor.
Values below :math:`10^{-280}` (where :math:`\bar\Phi` and the density underflow) are only
absolutely accurate.

References
----------
Kohler et al., AISTATS 2019 (arXiv:1805.10694), Section 4 (the one-dimensional reduction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from numpy.polynomial.legendre import leggauss
from scipy.special import erfcx, ndtr

from .errors import ParameterError, ShapeMismatchError
from .losses import ExpTail, Loss, get_loss
from .validation import as_finite_array, int_at_least

__all__ = ["GaussRule", "DEFAULT_RULE", "gauss_moments", "gauss_expect", "gaussian_loss_function"]

_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)


@lru_cache(maxsize=32)
def _hermite(n: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = hermegauss(n)
    w = w / _SQRT2PI
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


@lru_cache(maxsize=32)
def _composite_legendre(T: float, panel: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    k = int(round(2 * T / panel))
    edges = np.linspace(-T, T, k + 1)
    x, w = leggauss(n)
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[1:] + edges[:-1])
    t = (mid[:, None] + half[:, None] * x[None, :]).ravel()
    wt = (half[:, None] * w[None, :]).ravel()
    t.setflags(write=False)
    wt.setflags(write=False)
    return t, wt


def gaussian_loss_function(z) -> np.ndarray:
    r"""Return :math:`J(z)=E[(\xi-z)_+]=\phi(z)-z\bar\Phi(z)`, :math:`\xi\sim N(0,1)`, stably.

    For :math:`z<0`, :math:`J(z)=-z+J(-z)` (a sum of positives). For :math:`0\le z<1.5`,
    :math:`J=\phi(z)(1-zR(z))` with the Mills ratio :math:`R=\sqrt{\pi/2}\,\mathrm{erfcx}(z/\sqrt2)`
    (less than one digit of cancellation). For :math:`z\ge1.5`, with the continued fraction
    :math:`R=1/(z+c)`, :math:`c=1/(z+2/(z+3/(z+\dots)))` (200 levels), one has
    :math:`J=\phi(z)\,c/(z+c)` with no cancellation. Measured relative error
    :math:`\le10^{-15}` against mpmath on :math:`[-50,50]`.

    Examples
    --------
    >>> from bntheory.gauss import gaussian_loss_function
    >>> round(float(gaussian_loss_function(0.0)), 15)   # 1/sqrt(2 pi)
    0.398942280401433
    """
    z = np.asarray(z, dtype=np.float64)
    az = np.abs(z)
    out = np.empty_like(az)
    pdf = np.exp(-0.5 * az * az) / _SQRT2PI
    small = az < 1.5
    zs = az[small]
    out[small] = pdf[small] * (1.0 - zs * math.sqrt(0.5 * math.pi) * erfcx(zs / _SQRT2))
    big = ~small
    if big.any():
        zb = az[big]
        tail = np.zeros_like(zb)
        for k in range(200, 1, -1):
            tail = k / (zb + tail)
        c = 1.0 / (zb + tail)
        out[big] = pdf[big] * c / (zb + c)
    return np.where(z < 0, -z + out, out)


def _right_tail(tail, m, s, T, n_terms):
    """∫_T^∞ ψ(t) N(t; m, s²) dt for ψ given by an ExpTail (vectorised over m, s > 0)."""
    z = (T - m) / s
    val = np.zeros_like(m)
    if tail.alpha != 0.0 or tail.beta != 0.0:
        sf = ndtr(-z)
        val = val + tail.alpha * sf
        if tail.beta != 0.0:
            val = val + tail.beta * (T * sf + s * gaussian_loss_function(z))
    base = -0.5 * z * z
    for n, c in enumerate(tail.coeffs[:n_terms], start=1):
        zn = z + n * s
        pos = zn >= 0
        # zn >= 0: ½ exp(−z²/2 − nT) erfcx(zn/√2);  zn < 0: exp(−nm + n²s²/2) Φ̄(zn)  (≤ 1)
        e_pos = 0.5 * np.exp(base - n * T) * erfcx(np.where(pos, zn, 0.0) / _SQRT2)
        expo = np.where(pos, 0.0, -n * m + 0.5 * (n * s) ** 2)
        e_neg = np.exp(expo) * ndtr(-zn)
        val = val + c * np.where(pos, e_pos, e_neg)
    return val


@dataclass(frozen=True)
class GaussRule:
    r"""Options of the Gaussian-expectation rule (see the module docstring).

    Parameters
    ----------
    n_gh : int
        Gauss--Hermite nodes for :math:`0<s\le s_{\rm switch}`.
    s_switch : float
        Spread above which the loss-variable rule is used.
    T : float
        Half-width of the central window integrated by composite Gauss--Legendre.
    panel : float
        Panel width of the composite rule.
    n_gl : int
        Gauss--Legendre nodes per panel.
    n_tail : int
        Terms of the exponential tail series.
    """

    n_gh: int = 100
    s_switch: float = 1.0
    T: float = 8.0
    panel: float = 1.0
    n_gl: int = 16
    n_tail: int = 7

    def __post_init__(self):
        int_at_least("n_gh", self.n_gh, 2)
        int_at_least("n_gl", self.n_gl, 2)
        int_at_least("n_tail", self.n_tail, 1)
        for name in ("s_switch", "T", "panel"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ParameterError(f"{name} must be a positive finite number, got {name} = {v!r}")
        if abs(2 * self.T / self.panel - round(2 * self.T / self.panel)) > 1e-9:
            raise ParameterError(f"2T/panel must be an integer, got T = {self.T}, panel = {self.panel}")

    def moments(self, loss, m, s, orders=(0, 1, 2)) -> np.ndarray:
        r"""Return :math:`E[\varphi^{(k)}(q)]`, :math:`q\sim N(m,s^2)`, for each ``k`` in ``orders``.

        Parameters
        ----------
        loss : Loss or str
        m, s : array_like
            Means and standard deviations (``s >= 0``), broadcast together.
        orders : sequence of int in {0, 1, 2}

        Returns
        -------
        ndarray, shape ``(len(orders),) + broadcast(m, s).shape``

        Raises
        ------
        NonFiniteError, ParameterError
            Non-finite input, ``s < 0``, an order outside 0..2, or a loss that has neither
            tail data nor exact moments when ``s > s_switch``.
        """
        loss = get_loss(loss)
        m = as_finite_array("m", m)
        s = as_finite_array("s", s)
        try:
            m, s = np.broadcast_arrays(m, s)
        except ValueError as exc:
            raise ShapeMismatchError(f"m and s do not broadcast: {m.shape} vs {s.shape}") from exc
        if (s < 0).any():
            raise ParameterError(f"the spread s must be >= 0, got s = {float(s[s < 0].flat[0])}")
        orders = tuple(orders)
        for k in orders:
            if isinstance(k, bool) or k not in (0, 1, 2):
                raise ParameterError(f"orders must be in (0, 1, 2), got {k!r}")
        shape = m.shape
        mf, sf = m.ravel(), s.ravel()
        out = np.empty((len(orders), mf.size))
        if loss.gauss_exact is not None:
            for i, k in enumerate(orders):
                out[i] = loss.gauss_exact(k, mf, sf)
            return out.reshape((len(orders),) + shape)
        zero = sf == 0.0
        gh = (~zero) & (sf <= self.s_switch)
        wide = sf > self.s_switch
        if zero.any():
            for i, k in enumerate(orders):
                out[i, zero] = loss.derivative(k)(mf[zero])
        if gh.any():
            x, w = _hermite(self.n_gh)
            q = mf[gh, None] + sf[gh, None] * x[None, :]
            for i, k in enumerate(orders):
                out[i, gh] = loss.derivative(k)(q) @ w
        if wide.any():
            if loss.tails is None:
                raise ParameterError(
                    f"loss {loss.name!r} has no tail expansion and no exact Gaussian moments; "
                    f"cannot integrate at spread s = {float(sf[wide].max()):.3g} > s_switch = {self.s_switch}"
                )
            mw, sw = mf[wide], sf[wide]
            t, wt = _composite_legendre(float(self.T), float(self.panel), self.n_gl)
            dens = np.exp(-0.5 * ((t[None, :] - mw[:, None]) / sw[:, None]) ** 2) / (sw[:, None] * _SQRT2PI)
            for i, k in enumerate(orders):
                left, right = loss.tails[k]
                core = dens @ (wt * loss.derivative(k)(t))
                r = _right_tail(right, mw, sw, self.T, self.n_tail)
                lft = _right_tail(_mirror(left), -mw, sw, self.T, self.n_tail)
                out[i, wide] = core + r + lft
        return out.reshape((len(orders),) + shape)

    def expect(self, loss, k: int, m, s) -> np.ndarray:
        """Return :math:`E[\\varphi^{(k)}(q)]` for one order ``k``."""
        return self.moments(loss, m, s, orders=(k,))[0]


def _mirror(tail):
    """Tail of ψ(−t): α + βt  →  α − βt (the exponential part is symmetric in |t|)."""
    return ExpTail(tail.alpha, -tail.beta, tail.coeffs)


DEFAULT_RULE = GaussRule()


def gauss_moments(loss: Loss | str, m, s, orders=(0, 1, 2), rule: GaussRule | None = None) -> np.ndarray:
    r"""Return :math:`(E\varphi^{(k)}(q))_{k\in\text{orders}}` for :math:`q\sim N(m,s^2)`.

    Shorthand for ``(rule or DEFAULT_RULE).moments(loss, m, s, orders)``.

    Examples
    --------
    >>> import numpy as np
    >>> from bntheory.gauss import gauss_moments
    >>> Ephi, Ed1, Ed2 = gauss_moments("logistic", 0.0, [0.0, 1.0, 100.0])
    >>> np.round(Ed1, 12)            # φ' − 1/2 is odd: E φ'(q) = 1/2 when m = 0
    array([0.5, 0.5, 0.5])
    >>> bool(abs(Ed2[2] - 0.00398942) < 1e-6)  # ≈ N(0; 0, 100²) ∫φ'' for wide spreads
    True
    """
    return (rule or DEFAULT_RULE).moments(loss, m, s, orders)


def gauss_expect(loss: Loss | str, k: int, m, s, rule: GaussRule | None = None) -> np.ndarray:
    r"""Return :math:`E[\varphi^{(k)}(q)]`, :math:`q\sim N(m,s^2)` (``k`` in 0..2)."""
    return (rule or DEFAULT_RULE).expect(loss, k, m, s)
