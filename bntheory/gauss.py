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

from .errors import NonFiniteError, ParameterError, ShapeMismatchError
from .losses import Loss, get_loss
from .validation import as_finite_array, int_at_least

__all__ = ["GaussRule", "DEFAULT_RULE", "gauss_moments", "gauss_expect", "gaussian_loss_function"]

_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)
_INV_SQRT2 = 1.0 / _SQRT2


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
        if zb.size <= 8:
            # a few values: the same recurrence in Python floats (bit-identical; 400 numpy calls
            # on tiny arrays cost ~170 µs, this ~8 µs per value)
            vals = []
            for zv in zb.tolist():
                t = 0.0
                for k in range(200, 1, -1):
                    t = k / (zv + t)
                vals.append(t)
            tail = np.array(vals)
        else:
            tail = np.zeros_like(zb)
            for k in range(200, 1, -1):
                tail = k / (zb + tail)
        c = 1.0 / (zb + tail)
        out[big] = pdf[big] * c / (zb + c)
    return np.where(z < 0, -z + out, out)


def _tail_basis(m, s, T: float, n_terms: int, linear: bool) -> np.ndarray:
    r"""The right-tail integrals of the basis :math:`1, t, e^{-t},\dots,e^{-Nt}` (vectorised).

    ``m``, ``s``: 1-d arrays of one length. Returns an array of shape ``(2 + N, len(m))`` holding
    :math:`\int_T^\infty b(t)\,N(t;m,s^2)\,dt` for ``b`` = 1, ``t`` (zero unless ``linear``),
    :math:`e^{-nt}` (``n = 1..N``), with the cancellation-free forms of the module docstring:
    for :math:`z_n=z+ns\ge0`, :math:`\tfrac12 e^{-z^2/2-nT}\mathrm{erfcx}(z_n/\sqrt2)`; for
    :math:`z_n<0`, :math:`e^{-nm+n^2s^2/2}\bar\Phi(z_n)` (``≤ 1``). ``s > 0``.
    A tail :math:`\alpha+\beta t+\sum c_ne^{-nt}` integrates to ``[α, β, c_1..c_N] @ basis``;
    the left tail is the same at ``-m`` with ``β → −β`` (the exponential part depends on ``|t|``).
    """
    n, nT, hn2 = _exponents(n_terms, T)
    z = (T - m) / s
    zn = z + n * s
    out = np.empty((2 + n_terms, z.size))
    pos = zn >= 0.0
    if pos.all():  # the usual case (m ≤ T + s²): the erfcx form everywhere, Φ̄(z_n) not needed
        out[0] = ndtr(-z)
        out[2:] = 0.5 * np.exp(-0.5 * z * z - nT) * erfcx(zn * _INV_SQRT2)
    else:
        nd = ndtr(-np.vstack((z, zn)))  # row 0: Φ̄(z); rows 1..N: Φ̄(z_n)
        out[0] = nd[0]
        # zn < 0 ⇔ m > T + n s², where the exponent −nm + n²s²/2 < −nT < 0; clamp it where unused
        out[2:] = np.exp(np.minimum(hn2 * (s * s) - n * m, 0.0)) * nd[1:]
        if pos.any():
            e_pos = 0.5 * np.exp(-0.5 * z * z - nT) * erfcx(np.maximum(zn, 0.0) * _INV_SQRT2)
            np.copyto(out[2:], e_pos, where=pos)
    out[1] = T * out[0] + s * gaussian_loss_function(z) if linear else 0.0
    return out


@lru_cache(maxsize=8)
def _exponents(n_terms: int, T: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns ``n``, ``n T`` and ``n²/2`` for ``n = 1..n_terms`` (read-only)."""
    n = np.arange(1.0, n_terms + 1.0)[:, None]
    out = (n, n * T, 0.5 * n * n)
    for arr in out:
        arr.setflags(write=False)
    return out


class _Kernel:
    r"""The rule of :class:`GaussRule` for one loss and one tuple of orders, with everything
    that does not depend on :math:`(m, s)` precomputed (built by :meth:`GaussRule.kernel`).

    Precomputed: the Hermite nodes/weights; the composite Gauss--Legendre nodes :math:`t_j` and
    the products :math:`w_j\psi_k(t_j)` for every order (a row per order, so the core integral of
    an order is one dot product per point); the tail coefficients of every order as two
    matrices (right side; left side mirrored), so the tails of all orders come from one
    evaluation of :func:`_tail_basis` at :math:`(m, s)` and :math:`(-m, s)`.
    The three branches (:meth:`point`, :meth:`hermite`, :meth:`wide`) are shared by the validated,
    vectorised :meth:`GaussRule.moments` and the lean scalar path :meth:`__call__`.

    **The value at a point does not depend on the batch.**  Every sum over nodes or tail terms is
    a dot product of one point's contiguous row (``np.vecdot``: one ``ddot`` per point and
    order, always over the same length) and every other operation is elementwise, so a point
    gives the same bits alone, in the scalar path or anywhere in a batch of any size
    (tests/test_gauss.py).  A matrix product over the batch would not: BLAS blocks the rows of
    a ``gemm``/``gemv`` by the batch's shape, and their rounding with it (measured: 28--70 of
    ~1000 values of ∂_g f changed with the batch size, enough to change some decisions of a
    bisection resolved to 50+ bits).  GDNP's lockstep search relies on this to make exactly the
    sequential search's decisions (MATH.md §4.4).
    """

    def __init__(self, rule: "GaussRule", loss: Loss, orders: tuple[int, ...]):
        self.loss, self.orders, self.s_switch = loss, orders, float(rule.s_switch)
        self.funcs = tuple(loss.derivative(k) for k in orders)
        self.exact = loss.gauss_exact
        self.x, self.w = _hermite(rule.n_gh)
        self.has_tails = loss.tails is not None
        if self.has_tails:
            self.T, self.n_tail = float(rule.T), rule.n_tail
            t, wt = _composite_legendre(float(rule.T), float(rule.panel), rule.n_gl)
            self.t = t
            self.core_w = np.array([wt * f(t) for f in self.funcs])  # (orders, nodes), rows contiguous
            right = [loss.tails[k][1] for k in orders]
            left = [loss.tails[k][0] for k in orders]
            self.linear = any(tl.beta != 0.0 for tl in right + left)
            self.c_right = np.array([[tl.alpha, tl.beta, *tl.coeffs[: self.n_tail]] for tl in right])
            self.c_left = np.array([[tl.alpha, -tl.beta, *tl.coeffs[: self.n_tail]] for tl in left])

    # --- the three branches, vectorised over 1-d arrays m, s ---------------------------
    def point(self, m: np.ndarray) -> np.ndarray:
        r"""``s = 0``: :math:`\psi_k(m)`, shape ``(orders, len(m))``."""
        return np.array([f(m) for f in self.funcs]).reshape(len(self.funcs), -1)

    def hermite(self, m: np.ndarray, s: np.ndarray) -> np.ndarray:
        """``0 < s ≤ s_switch``: Gauss--Hermite in the standardised variable."""
        q = m[:, None] + s[:, None] * self.x[None, :]
        return np.array([np.vecdot(f(q), self.w) for f in self.funcs])  # row by row (class docstring)

    def wide(self, m: np.ndarray, s: np.ndarray) -> np.ndarray:
        """``s > s_switch``: composite Gauss--Legendre on ``[−T, T]`` plus analytic tails."""
        if not self.has_tails:
            raise ParameterError(
                f"loss {self.loss.name!r} has no tail expansion and no exact Gaussian moments; "
                f"cannot integrate at spread s = {float(np.max(s)):.3g} > s_switch = {self.s_switch}"
            )
        dens = self.t[None, :] - m[:, None]  # N(t; m, s²) at the nodes, in place (no temporaries)
        dens *= (1.0 / s)[:, None]
        np.square(dens, out=dens)
        dens *= -0.5
        np.exp(dens, out=dens)
        core = np.vecdot(dens[:, None, :], self.core_w)  # (points, orders), row by row
        core *= (1.0 / (s * _SQRT2PI))[:, None]  # the density's factor, after the (linear) sum
        k = m.size
        basis = _tail_basis(np.concatenate((m, -m)), np.concatenate((s, s)), self.T, self.n_tail, self.linear)
        bt = np.ascontiguousarray(basis.T)[:, None, :]  # (2 points, 1, 2 + N): a contiguous row per point
        core += np.vecdot(bt[:k], self.c_right)
        core += np.vecdot(bt[k:], self.c_left)
        return core.T

    def exact_moments(self, m: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Closed-form moments (``loss.gauss_exact``), every spread."""
        return np.array([np.broadcast_to(self.exact(k, m, s), m.shape) for k in self.orders])

    def vector(self, m: np.ndarray, s: np.ndarray) -> np.ndarray:
        """The rule on 1-d float arrays ``m``, ``s`` (``s ≥ 0``, finite; not checked here):
        each pair goes to its branch. Shape ``(len(orders), len(m))``."""
        if self.exact is not None:
            return self.exact_moments(m, s)
        lo, hi = s.min(), s.max()
        if lo > self.s_switch:  # one branch only (the common case in a length search)
            return self.wide(m, s)
        if lo > 0.0 and hi <= self.s_switch:
            return self.hermite(m, s)
        out = np.empty((len(self.orders), m.size))
        zero = s == 0.0
        wide = s > self.s_switch
        gh = ~(zero | wide)
        if zero.any():
            out[:, zero] = self.point(m[zero])
        if gh.any():
            out[:, gh] = self.hermite(m[gh], s[gh])
        if wide.any():
            out[:, wide] = self.wide(m[wide], s[wide])
        return out

    # --- lean scalar path ---------------------------------------------------------------
    def __call__(self, m: float, s: float) -> np.ndarray:
        r"""Moments :math:`(E\psi_k(q))_k` for one pair ``(m, s)``: the lean scalar path.

        Same rule and same branches as :meth:`GaussRule.moments`, without its per-call
        broadcasting, masking and loss/order validation (done once when the kernel was built).
        Only the scalars are checked: :class:`NonFiniteError` for a non-finite ``m`` or ``s``,
        :class:`ParameterError` for ``s < 0``.

        Returns
        -------
        ndarray, shape ``(len(orders),)``
        """
        if not (math.isfinite(m) and math.isfinite(s)):
            raise NonFiniteError(f"m and s must be finite, got m = {m}, s = {s}")
        if s < 0.0:
            raise ParameterError(f"the spread s must be >= 0, got s = {s}")
        ma, sa = np.array([m], dtype=np.float64), np.array([s], dtype=np.float64)
        if self.exact is not None:
            return self.exact_moments(ma, sa)[:, 0]
        if s == 0.0:
            return self.point(ma)[:, 0]
        if s <= self.s_switch:
            return self.hermite(ma, sa)[:, 0]
        return self.wide(ma, sa)[:, 0]


_KERNELS: dict = {}


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
        kern = self.kernel(loss, orders)
        return kern.vector(m.ravel(), s.ravel()).reshape((len(kern.orders),) + m.shape)

    def kernel(self, loss, orders=(1, 2)) -> _Kernel:
        r"""The rule for one loss and fixed orders, as a callable ``kernel(m, s)`` (lean scalar path).

        ``kernel(m, s)`` returns :math:`(E\varphi^{(k)}(q))_{k\in\text{orders}}`,
        :math:`q\sim N(m,s^2)`, for Python floats ``m``, ``s``, with exactly the branches and
        accuracy of :meth:`moments` but without its per-call overhead (GDNP's length search calls
        it ~20 times per iteration, MATH.md §4.4). Kernels are cached per (rule, loss, orders).

        Raises
        ------
        ParameterError
            An order outside 0..2 or an unknown loss.

        Examples
        --------
        >>> from bntheory.gauss import DEFAULT_RULE
        >>> k = DEFAULT_RULE.kernel("logistic", (1, 2))
        >>> [round(float(v), 12) for v in k(0.0, 3.0)]
        [0.5, 0.114837904774]
        """
        loss = get_loss(loss)
        orders = tuple(orders)
        for k in orders:
            if isinstance(k, bool) or k not in (0, 1, 2):
                raise ParameterError(f"orders must be in (0, 1, 2), got {k!r}")
        key = (self, id(loss), orders)
        hit = _KERNELS.get(key)
        if hit is not None and hit[0] is loss:  # identity: Loss equality ignores its callables
            return hit[1]
        kern = _Kernel(self, loss, orders)
        if len(_KERNELS) >= 256:
            _KERNELS.clear()
        _KERNELS[key] = (loss, kern)  # holds the loss, so its id cannot be reused while cached
        return kern

    def expect(self, loss, k: int, m, s) -> np.ndarray:
        """Return :math:`E[\\varphi^{(k)}(q)]` for one order ``k``."""
        return self.moments(loss, m, s, orders=(k,))[0]


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
