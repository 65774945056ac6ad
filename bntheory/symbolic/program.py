r"""Straight-line programs and their derivatives, for definitions with shared intermediates.

A definition such as the BN forward pass (MATH.md §1.1) is a sequence of assignments
``t₁ = e₁(x)``, ``t₂ = e₂(x, t₁)``, … .  Expanding it into one expression repeats every
intermediate wherever it is used (``σ_B²``, itself of size ``m²``, in each of ``m`` outputs), and
``sympy.diff`` of the expanded composite then costs ``O(m⁴)``.  :func:`derivative` instead
applies the chain rule *mechanically* along the program (forward mode): each local partial
``∂e_k/∂t_j`` is taken by ``sympy.diff`` of the small right-hand side, and the result is expanded
back into the inputs at the end.  Nothing in it knows what the program computes; the tests check
it against ``sympy.diff`` of the expanded composite.

Examples
--------
>>> import sympy as sp
>>> x, y, t = sp.symbols("x y t")
>>> prog = Program([(t, x * y + x**2)])
>>> sp.expand(prog.derivative(sp.sin(t) + t * y, x) - sp.diff(sp.sin(x*y + x**2) + (x*y + x**2) * y, x))
0
"""

from __future__ import annotations

from typing import Sequence

import sympy as sp

from ..errors import SymbolicInputError


class Program:
    """Assignments ``[(t₁, e₁), (t₂, e₂), …]``; ``e_k`` may use the inputs and ``t₁ … t_{k−1}``.

    Raises
    ------
    SymbolicInputError
        If a name is assigned twice or an expression uses an intermediate defined after it.
    """

    def __init__(self, steps: Sequence[tuple[sp.Symbol, sp.Expr]]):
        names = [t for t, _ in steps]
        if len(set(names)) != len(names):
            raise SymbolicInputError(f"a program assigns a name twice: {names}")
        for k, (t, e) in enumerate(steps):
            later = set(names[k:]) & sp.sympify(e).free_symbols
            if later:
                raise SymbolicInputError(f"step {t} = {e} uses {sorted(map(str, later))} before it is defined")
        self.steps = [(t, sp.sympify(e)) for t, e in steps]
        self._partials: dict = {}
        # Each intermediate in terms of the inputs only, built once and shared by every result.
        self.values: dict[sp.Symbol, sp.Expr] = {}
        for t, e in self.steps:
            self.values[t] = e.xreplace(self.values)

    def expand(self, expr: sp.Expr) -> sp.Expr:
        """Substitute the definitions so that only inputs remain."""
        return sp.sympify(expr).xreplace(self.values)

    def _partial(self, e: sp.Expr, var: sp.Symbol) -> sp.Expr:
        key = (e, var)
        if key not in self._partials:
            self._partials[key] = sp.diff(e, var)
        return self._partials[key]

    def derivative(self, expr: sp.Expr, x: sp.Symbol, *, expand: bool = True) -> sp.Expr:
        r"""``d expr / d x`` through the program (forward-mode chain rule).

        ``dt_k = ∂e_k/∂x + Σ_{j<k} ∂e_k/∂t_j · dt_j``, then
        ``d expr = ∂expr/∂x + Σ_k ∂expr/∂t_k · dt_k``; with ``expand`` the intermediates are
        substituted by their definitions.
        """
        tangent: dict[sp.Symbol, sp.Expr] = {}
        for t, e in self.steps:
            dt = self._partial(e, x)
            for s, ds in tangent.items():
                if ds != 0 and s in e.free_symbols:
                    dt += self._partial(e, s) * ds
            tangent[t] = dt
        expr = sp.sympify(expr)
        out = self._partial(expr, x)
        for s, ds in tangent.items():
            if ds != 0 and s in expr.free_symbols:
                out += self._partial(expr, s) * ds
        return self.expand(out) if expand else out
