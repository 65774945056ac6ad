"""Verdicts on the seed articles' checkable statements (CLAIMS.md; ``bntheory claims``).

Importing the package registers every claim: one module per topic, each claim encoded as the
article states it and decided by a computation (:mod:`proofs_check.claims.core`).
"""

from . import empirical, gradients, halfspace, least_squares, procedures  # noqa: F401  (registration)
from .core import HOLDS, NOT_CHECKABLE, REFUTED, REGISTRY, Claim, ClaimVerdict, Counterexample, Finding, Reading
from .runner import evaluate_claims, registered_in_order

__all__ = ["HOLDS", "REFUTED", "NOT_CHECKABLE", "REGISTRY", "Claim", "ClaimVerdict", "Counterexample", "Finding",
           "Reading", "evaluate_claims", "registered_in_order"]
