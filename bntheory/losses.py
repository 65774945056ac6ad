r"""Scalar losses :math:`\varphi` and their first three derivatives (MATH.md §4.1, §6).

Every loss is a frozen :class:`Loss` record holding vectorised, numerically stable NumPy
callables for :math:`\varphi, \varphi', \varphi'', \varphi'''` (no overflow warning and no NaN
for :math:`|t|` up to ``1e3`` and beyond), the constants the theory needs
(:math:`\beta_1 = \sup|\varphi'|`, :math:`\beta_2 = \sup|\varphi''|`, MATH.md §4.1 assumption 2),
whether a finite optimal length exists (assumption 3), the SymPy closed form (so tests and
the symbolic layer can differentiate it independently), and what :mod:`bntheory.gauss` needs
to integrate the loss against a Gaussian of any spread (exponential tail series or exact
Gaussian moments).

The losses
----------
``LOGISTIC``  :math:`\varphi(t)=\log(1+e^t)`, convex; :math:`\beta_1=1`, :math:`\beta_2=1/4`;
    finite optimal length (the paper's main example).
``SIGMOID``   :math:`\varphi(t)=1/(1+e^{-t})`, non-convex and bounded; :math:`\beta_1=1/4`,
    :math:`\beta_2=\sqrt3/18` (attained where :math:`\sigma=(3\pm\sqrt3)/6`); **no** finite optimal
    length (MATH.md §4.1: the length runs off to infinity).
``PROBIT``    :math:`\varphi(t)=\Phi(t)` (standard normal CDF): the "Gaussian sigmoid". Chosen as
    the third loss because it is smooth, non-convex, has bounded derivatives
    (:math:`\beta_1=1/\sqrt{2\pi}`, :math:`\beta_2=e^{-1/2}/\sqrt{2\pi}`, at :math:`t=\pm1`) like the
    sigmoid, **and** its Gaussian expectations are exact closed forms at every spread:
    for :math:`q\sim N(m,s^2)`, :math:`E\Phi(q)=\Phi(m/r)`, :math:`E\Phi'(q)=\phi(m/r)/r`,
    :math:`E\Phi''(q)=-m\,\phi(m/r)/r^3` with :math:`r=\sqrt{1+s^2}`. It therefore gives an
    exact, independent reference for the whole halfspace pipeline far outside the range where
    quadrature is easy. Like the sigmoid it has no finite optimal length
    (:math:`f_{LH}(w,g)=\Phi(ga/\sqrt{1+g^2(1-a^2)})` is monotone in :math:`g`).
``QUADRATIC`` :math:`\varphi(t)=(1+t)^2`: for labels :math:`y=\pm1`, :math:`(y-x^\top\tilde w)^2=(1+z^\top\tilde w)^2`
    with :math:`z=-yx`, so the halfspace objective with this loss is exactly
    :math:`1+f_{OLS}` (MATH.md §3) -- an exact cross-check between the two problem classes
    (:math:`c_1=c_2=2`). Its derivative is unbounded (``sup_d1 = inf``), so it violates
    assumption 1 and is for tests only.

References
----------
Kohler et al., *Exponential convergence rates for Batch Normalization*, AISTATS 2019
(arXiv:1805.10694), Section 4 (assumptions) and Section 5 (tanh network).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import sympy as sp
from scipy.special import expit, ndtr

from .errors import ParameterError

__all__ = [
    "Loss",
    "ExpTail",
    "LOGISTIC",
    "SIGMOID",
    "PROBIT",
    "QUADRATIC",
    "LOSSES",
    "get_loss",
    "sup_abs_numeric",
]

_SQRT2PI = math.sqrt(2.0 * math.pi)


@dataclass(frozen=True)
class ExpTail:
    r"""Exact expansion of one derivative :math:`\psi` on one half line.

    For :math:`\pm t>0`: :math:`\psi(t)=\alpha+\beta t+\sum_{n\ge1} c_n e^{-n|t|}` (the series is
    exact; :mod:`bntheory.gauss` truncates it where :math:`|t|\ge T`, at a relative error below
    the first omitted term because it alternates with decreasing terms).
    """

    alpha: float
    beta: float
    coeffs: tuple[float, ...]


def _expit_tails(j: int, n_terms: int = 12) -> tuple[ExpTail, ExpTail]:
    r"""(left, right) tails of the ``j``-th derivative of expit; ``j = -1`` is softplus.

    For :math:`t<0`: :math:`\mathrm{expit}(t)=\sum_n(-1)^{n+1}e^{nt}`, so the ``j``-th derivative
    has :math:`c_n=(-1)^{n+1}n^j`. For :math:`t>0`: :math:`\mathrm{expit}(t)=1-\mathrm{expit}(-t)`,
    giving :math:`c_n=(-1)^{n+j}n^j`, plus :math:`\alpha=1` (``j=0``) or :math:`\beta=1`
    (softplus, ``j=-1``).
    """
    ns = range(1, n_terms + 1)
    left = ExpTail(0.0, 0.0, tuple(float((-1) ** (n + 1) * float(n) ** j) for n in ns))
    right = ExpTail(
        1.0 if j == 0 else 0.0,
        1.0 if j == -1 else 0.0,
        tuple(float((-1) ** (n + j) * float(n) ** j) for n in ns),
    )
    return left, right


@dataclass(frozen=True)
class Loss:
    r"""A smooth scalar loss with its first three derivatives.

    Attributes
    ----------
    name : str
    phi, d1, d2, d3 : callable
        Vectorised :math:`\varphi^{(k)}`, float64 in, float64 out, stable for large :math:`|t|`.
    sup_d1, sup_d2 : float
        :math:`\beta_1=\sup|\varphi'|` and :math:`\beta_2=\sup|\varphi''|` (exact values; the
        tests confirm them numerically). ``inf`` if unbounded.
    finite_optimal_length : bool
        MATH.md §4.1 assumption 3.
    sympy_phi : callable
        ``sympy_phi(t)`` returns the closed form as a SymPy expression in the symbol ``t``.
    tails : tuple or None
        ``((left, right) for k = 0, 1, 2)`` :class:`ExpTail` expansions used by
        :mod:`bntheory.gauss` for wide Gaussians (MATH.md §9 pitfall 6).
    gauss_exact : callable or None
        ``gauss_exact(k, m, s)`` = :math:`E[\varphi^{(k)}(q)]`, :math:`q\sim N(m,s^2)`, exact.

    Examples
    --------
    >>> from bntheory.losses import LOGISTIC
    >>> float(LOGISTIC.phi(0.0)), float(LOGISTIC.d1(0.0)), float(LOGISTIC.d2(0.0))
    (0.6931471805599453, 0.5, 0.25)
    >>> float(LOGISTIC.phi(1000.0)), float(LOGISTIC.d2(-1000.0))
    (1000.0, 0.0)
    """

    name: str
    phi: Callable = field(repr=False, compare=False)
    d1: Callable = field(repr=False, compare=False)
    d2: Callable = field(repr=False, compare=False)
    d3: Callable = field(repr=False, compare=False)
    sup_d1: float
    sup_d2: float
    finite_optimal_length: bool
    sympy_phi: Callable = field(repr=False, compare=False)
    tails: tuple | None = field(default=None, repr=False, compare=False)
    gauss_exact: Callable | None = field(default=None, repr=False, compare=False)

    def derivative(self, k: int) -> Callable:
        """Return the callable :math:`\\varphi^{(k)}`, ``k`` in ``0..3``."""
        if isinstance(k, bool) or k not in (0, 1, 2, 3):
            raise ParameterError(f"derivative order k must be 0, 1, 2 or 3, got k = {k!r}")
        return (self.phi, self.d1, self.d2, self.d3)[k]

    def __call__(self, t):
        return self.phi(t)


def _f(t) -> np.ndarray:
    return np.asarray(t, dtype=np.float64)


# --- logistic -----------------------------------------------------------------------------


def _softplus(t):
    return np.logaddexp(0.0, _f(t))


def _expit(t):
    return expit(_f(t))


def _expit_d1(t):
    t = _f(t)
    return expit(t) * expit(-t)


def _expit_d2(t):
    t = _f(t)
    p, q = expit(t), expit(-t)
    return p * q * (q - p)


def _expit_d3(t):
    # σ(1−σ)(1 − 6σ + 6σ²) = pq (1 − 6pq) with q = 1 − p (no cancellation in pq)
    t = _f(t)
    pq = expit(t) * expit(-t)
    return pq * (1.0 - 6.0 * pq)


LOGISTIC = Loss(
    name="logistic",
    phi=_softplus,
    d1=_expit,
    d2=_expit_d1,
    d3=_expit_d2,
    sup_d1=1.0,
    sup_d2=0.25,
    finite_optimal_length=True,
    sympy_phi=lambda t: sp.log(1 + sp.exp(t)),
    tails=(_expit_tails(-1), _expit_tails(0), _expit_tails(1)),
)

SIGMOID = Loss(
    name="sigmoid",
    phi=_expit,
    d1=_expit_d1,
    d2=_expit_d2,
    d3=_expit_d3,
    sup_d1=0.25,
    sup_d2=math.sqrt(3.0) / 18.0,
    finite_optimal_length=False,
    sympy_phi=lambda t: 1 / (1 + sp.exp(-t)),
    tails=(_expit_tails(0), _expit_tails(1), _expit_tails(2)),
)


# --- probit -------------------------------------------------------------------------------


def _npdf(t):
    t = _f(t)
    return np.exp(-0.5 * t * t) / _SQRT2PI


def _probit_gauss(k: int, m, s):
    m, s = _f(m), _f(s)
    r = np.sqrt(1.0 + s * s)
    x = m / r
    if k == 0:
        return ndtr(x)
    dens = _npdf(x) / r
    if k == 1:
        return dens
    if k == 2:
        return -x / r * dens
    raise ParameterError(f"exact Gaussian moment of order k = {k} not available")


PROBIT = Loss(
    name="probit",
    phi=lambda t: ndtr(_f(t)),
    d1=_npdf,
    d2=lambda t: -_f(t) * _npdf(t),
    d3=lambda t: (_f(t) ** 2 - 1.0) * _npdf(t),
    sup_d1=1.0 / _SQRT2PI,
    sup_d2=math.exp(-0.5) / _SQRT2PI,
    finite_optimal_length=False,
    sympy_phi=lambda t: sp.erfc(-t / sp.sqrt(2)) / 2,
    gauss_exact=_probit_gauss,
)


# --- quadratic (least squares with the label folded in) -----------------------------------


def _quad_gauss(k: int, m, s):
    m, s = _f(m), _f(s)
    if k == 0:
        return (1.0 + m) ** 2 + s * s
    if k == 1:
        return 2.0 * (1.0 + m)
    if k == 2:
        return np.full(np.broadcast(m, s).shape, 2.0)
    raise ParameterError(f"exact Gaussian moment of order k = {k} not available")


QUADRATIC = Loss(
    name="quadratic",
    phi=lambda t: (1.0 + _f(t)) ** 2,
    d1=lambda t: 2.0 * (1.0 + _f(t)),
    d2=lambda t: np.full(np.shape(t), 2.0),
    d3=lambda t: np.zeros(np.shape(t)),
    sup_d1=math.inf,
    sup_d2=2.0,
    finite_optimal_length=True,
    sympy_phi=lambda t: (1 + t) ** 2,
    gauss_exact=_quad_gauss,
)

LOSSES: dict[str, Loss] = {L.name: L for L in (LOGISTIC, SIGMOID, PROBIT, QUADRATIC)}


def get_loss(loss) -> Loss:
    """Return a :class:`Loss` given one or its name (``'logistic'``, ``'sigmoid'``, ...)."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str) and loss in LOSSES:
        return LOSSES[loss]
    raise ParameterError(f"unknown loss {loss!r}; known: {sorted(LOSSES)}")


def sup_abs_numeric(fun: Callable, lo: float = -40.0, hi: float = 40.0, n: int = 400_001) -> float:
    """Numerical :math:`\\sup|f|` on a fine grid refined by a bounded scalar search.

    Used by the tests to confirm the exact ``sup_d1``/``sup_d2`` constants.
    """
    from scipy.optimize import minimize_scalar

    t = np.linspace(lo, hi, n)
    v = np.abs(fun(t))
    i = int(np.argmax(v))
    h = (hi - lo) / (n - 1)
    res = minimize_scalar(
        lambda x: -abs(float(fun(x))),
        bounds=(t[i] - h, t[i] + h),
        method="bounded",
        options={"xatol": 1e-12},
    )
    return max(float(v[i]), -float(res.fun))
