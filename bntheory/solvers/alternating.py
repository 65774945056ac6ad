r"""Alternating GDNP for the one-hidden-layer network (MATH.md §6).

The paper's "alternating optimisation over the hidden units", in the valid scheme of MATH.md §6:
train the units in the order ``1..m``; unit ``i`` is trained by GDNP (MATH.md §4.4) on the
per-unit problem :meth:`OneHiddenLayer.unit(i, W̃) <bntheory.problems.OneHiddenLayer.unit>` with
units ``1..i−1`` fixed at their trained values and the untrained units ``i+1..m`` held at
``g⁽ʲ⁾ = 0`` (``w̃⁽ʲ⁾ = 0``).

.. code-block:: text

    W̃ = 0
    for i = 1 .. m:
        w̃⁽ⁱ⁾ = GDNP(unit problem i at W̃, w₀⁽ⁱ⁾, T_d⁽ⁱ⁾, T_s⁽ⁱ⁾);   W̃[i] = w̃⁽ⁱ⁾

When every other unit is zero or parallel to ``S⁻¹u``, unit ``i``'s gradient is
``α_i u + β_ii (S − uuᵀ) w̃⁽ⁱ⁾ (+ a multiple of u)`` -- Stein-structured -- so the unit's direction
iterates are exactly the Rayleigh iterates (MATH.md §4.4) and the bound of
:func:`bntheory.bounds.network_bound` applies.  A trained unit is only *approximately* parallel to
``S⁻¹u`` after finitely many steps, so for ``i ≥ 2`` the reduction is approximate in general
(an experiment; see the tests).

Length.  Each unit's length search has a finite root when the outer loss is strictly convex
(logistic), and none for the sigmoid (see
:class:`~bntheory.problems.HiddenUnitProblem`); a unit then gets the sigmoid treatment of
:func:`~bntheory.solvers.gdnp.gdnp` (``on_no_finite_length``: raise
:class:`~bntheory.errors.NoFiniteLengthError`, or a capped, flagged run).
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeMismatchError
from ..validation import as_finite_array, int_at_least
from .gdnp import gdnp
from .result import SolverResult

__all__ = ["alternating_gdnp"]


def _per_unit(name, value, m):
    """An int ≥ 0, or a sequence of m of them."""
    if np.ndim(value) == 0:
        return [int_at_least(name, value, 0)] * m
    vals = list(value)
    if len(vals) != m:
        raise ShapeMismatchError(f"{name} must be an int or have one entry per unit (m = {m}), got {len(vals)}")
    return [int_at_least(f"{name}[{i}]", v, 0) for i, v in enumerate(vals)]


def alternating_gdnp(net, W0, T_d, T_s, *, W_init=None, diagnostics: bool = True,
                     store_iterates: bool = False, **gdnp_kw) -> SolverResult:
    r"""Train the hidden units one at a time in the order ``1..m`` by GDNP (MATH.md §6).

    Parameters
    ----------
    net : OneHiddenLayer
    W0 : array_like, shape (m, d)
        Start directions ``w₀⁽ⁱ⁾`` (rows; ``uᵀw₀⁽ⁱ⁾ ≠ 0``).
    T_d, T_s : int or sequence of m ints
        Direction steps and bisection halvings per unit.
    W_init : array_like, shape (m, d), optional
        The fixed values of the units *before* training (default 0: untrained units held at
        ``g⁽ʲ⁾ = 0``, the scheme of MATH.md §6).  Row ``i`` is replaced by unit ``i``'s result
        when it is trained.
    diagnostics, store_iterates, **gdnp_kw
        Passed to :func:`~bntheory.solvers.gdnp.gdnp` for every unit.

    Returns
    -------
    SolverResult
        ``x = W̃`` (m×d, trained), ``fun = f_NN(W̃)``, ``nit`` (total direction steps), ``units``
        (the per-unit GDNP results, each with its full trace), ``problems`` (the per-unit
        :class:`~bntheory.problems.HiddenUnitProblem` each unit was trained on, with the other
        units as they were fixed), ``success`` (every unit succeeded).

    Raises
    ------
    ShapeMismatchError
        ``W0``/``W_init`` not of shape (m, d), or a per-unit list of the wrong length.
    DegenerateStartError, ParameterError, StepSizeError, BracketError, NoFiniteLengthError
        From :func:`~bntheory.solvers.gdnp.gdnp`.

    References
    ----------
    Kohler et al. (2019), Section 5 (alternating optimisation, Theorem 5); MATH.md §6.

    Examples
    --------
    >>> import numpy as np
    >>> from bntheory.problems import OneHiddenLayer
    >>> net = OneHiddenLayer(np.diag([2.0, 1.0]), [0.6, 0.3], [1.0, 0.5])
    >>> r = alternating_gdnp(net, np.ones((2, 2)), 3, 4, diagnostics=False)
    >>> r.x.shape, len(r.units), r.units[0].method
    ((2, 2), 2, 'gdnp')
    """
    m, d = net.m, net.d
    W0 = as_finite_array("W0", W0, ndim=2)
    if W0.shape != (m, d):
        raise ShapeMismatchError(f"W0 must have shape (m, d) = {(m, d)}, got {W0.shape}")
    W = np.zeros((m, d)) if W_init is None else as_finite_array("W_init", W_init, ndim=2).copy()
    if W.shape != (m, d):
        raise ShapeMismatchError(f"W_init must have shape (m, d) = {(m, d)}, got {W.shape}")
    T_ds, T_ss = _per_unit("T_d", T_d, m), _per_unit("T_s", T_s, m)
    units, problems = [], []
    for i in range(m):
        P = net.unit(i, W)
        r = gdnp(P, W0[i], T_ds[i], T_ss[i], diagnostics=diagnostics,
                 store_iterates=store_iterates, **gdnp_kw)
        W[i] = r.x
        units.append(r)
        problems.append(P)
    ok = all(r.success for r in units)
    return SolverResult(x=W, fun=float(net.f(W)), nit=sum(T_ds), success=ok,
                        message="trained every unit" if ok else "a unit's length search was capped",
                        method="alternating", units=units, problems=problems, T_d=T_ds, T_s=T_ss,
                        trace_keys=())
