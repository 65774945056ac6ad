"""The catalog of checks behind ``bntheory verify``: one module per section of MATH.md.

Each module exposes ``checks(*, fast: bool, seed: int, select)`` yielding the section's results as
:class:`proofs_check.result.CheckResult` objects (statement, method, measured/bound/ratio, evidence,
negative controls): its symbolic derivations and its numerical checks (``NUMERICAL``).
Run it with ``bntheory verify`` or ``python -m proofs_check``.
"""
