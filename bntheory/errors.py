"""Exceptions raised on invalid input.

Every exception is a ``ValueError`` subclass whose message names the offending quantity
and its value (DESIGN.md, "Errors"): invalid input never yields a NaN or a silent fallback.
"""

from __future__ import annotations


class BNTheoryError(ValueError):
    """Base class of every input error raised by bntheory."""


class BatchSizeError(BNTheoryError):
    """The batch size ``m`` (or effective batch size) is too small."""


class EpsilonError(BNTheoryError):
    """The BN stabiliser ``ε`` is negative or not finite."""


class ShapeMismatchError(BNTheoryError):
    """Arrays or parameters have incompatible shapes."""


class NonFiniteError(BNTheoryError):
    """An input contains NaN or ±Inf."""


class NotSymmetricError(BNTheoryError):
    """A matrix that must be symmetric (``S``) is not."""


class NotPositiveDefiniteError(BNTheoryError):
    """A matrix that must be positive definite (``S``) is not."""


class ModelValidityError(BNTheoryError):
    """The Gaussian halfspace model needs ``uᵀS⁻¹u < 1`` (MATH.md §4.1)."""


class DegenerateStartError(BNTheoryError):
    """A starting point the theory excludes: ``w₀ = 0`` or ``uᵀw₀ = 0``."""


class StepSizeError(BNTheoryError):
    """A smoothness constant or step size out of range (``L ≤ 0``, ``L < λ_max(S)``, …)."""


class BracketError(BNTheoryError):
    """A bisection bracket without a sign change within the doubling limit."""


class NoFiniteLengthError(BNTheoryError):
    """The loss has no finite optimal length (MATH.md §4.1, assumption 3; e.g. sigmoid)."""


class ParameterError(BNTheoryError):
    """A scalar parameter out of its allowed range (a count, a tolerance, a momentum…)."""


class SymbolicInputError(BNTheoryError):
    """A symbolic expression or relation that the verification ladder cannot use."""
