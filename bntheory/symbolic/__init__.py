"""Symbolic derivations, each derived from definitions and verified on one ladder (MATH.md §7).

Modules
-------
verify
    The verification ladder: proof, exact points, refutation with a counterexample.
derivation
    Named derivations (id, LaTeX statement, assumptions, verification, negative controls).
program
    The chain rule along a straight-line program (derivatives of definitions with shared parts).
geometry
    Explicit-size ``w, u, S`` and ``‖w‖_S`` with its defining relation.
bn, reparam, ols, halfspace, mlp, quadrature
    MATH.md §1, §2, §3, §4, §6; each has ``derivations(...)`` returning its verified statements.
"""
