"""The catalog of checks behind ``bntheory verify``: one module per section of MATH.md.

Each module exposes ``checks(*, fast: bool, seed: int)`` returning the section's checks as
:class:`bntheory.symbolic.derivation.Derivation` objects (statement, rung, negative controls).
Run it with ``bntheory verify`` or ``python -m proofs_check``.
"""
