"""The result object every solver returns (DESIGN.md, "Solver results").

A :class:`SolverResult` is a :class:`scipy.optimize.OptimizeResult` (a ``dict`` with attribute
access) carrying ``x, fun, nit, success, message`` plus per-iteration arrays, so that the
theorems' right-hand sides (:mod:`bntheory.bounds`) are evaluated on exactly the trace the
solver produced.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import OptimizeResult

__all__ = ["SolverResult"]


class SolverResult(OptimizeResult):
    """Outcome of a bntheory solver.

    Attributes
    ----------
    x : ndarray
        Final point (``w̃`` for solvers on ``f(w̃)``, ``w`` for Rayleigh-GD).
    fun : float
        Objective value at ``x``.
    nit : int
        Number of iterations performed.
    success : bool
        Whether the run finished as requested (no guard or flag interrupted it).
    message : str
        Human-readable status.
    method : str
        Name of the solver (``"gd"``, ``"rayleigh"``, ``"gdnp"``, ``"bngd"``, ``"alternating"``).
    trace_keys : tuple of str
        Names of the per-iteration arrays stored in the result.

    Notes
    -----
    Per-point arrays (values at ``t = 0..nit``) have length ``nit + 1``; per-step arrays
    (step sizes ``η_t``, ``s_t``) have length ``nit``.

    Examples
    --------
    >>> import numpy as np
    >>> r = SolverResult(x=np.zeros(2), fun=0.0, nit=0, success=True, message="ok",
    ...                  method="demo", gap=np.array([1.0]), trace_keys=("gap",))
    >>> float(r.gap[0]), r.method
    (1.0, 'demo')
    """

    def trace(self) -> dict[str, np.ndarray]:
        """Return the per-iteration arrays as a plain ``dict`` (for tidy records).

        Examples
        --------
        >>> r = SolverResult(trace_keys=("a",), a=np.arange(2))
        >>> r.trace()
        {'a': array([0, 1])}
        """
        return {k: self[k] for k in self.get("trace_keys", ())}
