r"""What one check of the catalog reports, symbolic or numerical (MATH.md §7).

Every check — an identity derived by :mod:`bntheory.symbolic`, or a theorem's bound evaluated on
solver traces — becomes one :class:`CheckResult`: the statement, the method (the ladder's rung, or
the battery the bound was evaluated on), the measured value against the theoretical one and their
ratio, the verdict, the evidence (instance, seed, figures) and the verdicts of its negative
controls — the same check run on deliberately wrong variants, each of which must be rejected.

Numerical checks are plain functions decorated with :func:`check`; the decorator fixes the id,
section and statement before the function runs (so ``--only`` selects without running), times it,
and turns what the function returns — an :class:`Outcome` — into a :class:`CheckResult`.

Examples
--------
>>> @check("demo.bound", "MATH.md §0", r"x \le 1")
... def check_demo(*, seed: int, fast: bool) -> Outcome:
...     '''x = 0.5 is at most 1 (MATH.md §0); control: the bound 0.25.'''
...     return Outcome(measured=0.5, bound=1.0, method="one evaluation",
...                    evidence={"x": 0.5, "seed": seed},
...                    controls=[ControlResult.from_bound("bound 1/4", 0.5, 0.25)])
>>> r = check_demo(seed=0, fast=True)
>>> (r.id, r.status, r.ratio, r.controls[0].status)
('demo.bound', 'pass', 0.5, 'rejected')
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["CheckResult", "ControlResult", "Outcome", "check", "from_derivation", "json_number"]


def json_number(x):
    """``x`` as a JSON-safe number: finite floats as floats, ``nan``/``±inf`` as strings, ``None`` kept."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else str(x)


@dataclass(frozen=True)
class ControlResult:
    """The verdict on one negative control.

    Attributes
    ----------
    description : str
        The deliberately wrong variant (``"rate (1−μ/L)^{4t}"``, ``"flipped sign"``).
    status : {"rejected", "accepted"}
        ``"rejected"`` when the check caught the wrong variant, as it must.
    measured, bound, ratio : float or None
        For a numerical control: the same comparison as the check's, on the wrong variant.
    detail : dict
        Evidence of the rejection (a counterexample, the first violation, ...).
    """

    description: str
    status: str
    measured: float | None = None
    bound: float | None = None
    ratio: float | None = None
    detail: dict = field(default_factory=dict)

    @property
    def rejected(self) -> bool:
        return self.status == "rejected"

    @classmethod
    def from_bound(cls, description: str, measured: float, bound: float, *, detail=None) -> "ControlResult":
        """A control of an upper bound: rejected when ``measured > bound`` (the wrong bound is violated)."""
        ratio = measured / bound if bound else math.inf
        return cls(description, "rejected" if ratio > 1.0 else "accepted", measured, bound, ratio, dict(detail or {}))

    @classmethod
    def from_rejection(cls, description: str, rejected: bool, *, measured=None, bound=None, ratio=None,
                       detail=None) -> "ControlResult":
        """A control whose rejection is decided by the caller (e.g. a tightness claim that fails)."""
        return cls(description, "rejected" if rejected else "accepted", measured, bound, ratio, dict(detail or {}))

    def as_dict(self) -> dict:
        return {"description": self.description, "status": self.status, "measured": json_number(self.measured),
                "bound": json_number(self.bound), "ratio": json_number(self.ratio), "detail": self.detail}


@dataclass(frozen=True)
class Outcome:
    """What a numerical check function returns (the decorator adds id, section, statement, time).

    ``holds`` defaults to ``ratio ≤ 1`` (``measured ≤ bound``); a check with another criterion
    (a tightness claim, an agreement to a tolerance) passes it explicitly.
    """

    measured: float
    bound: float
    method: str
    evidence: dict
    controls: list
    holds: bool | None = None


@dataclass(frozen=True)
class CheckResult:
    """One row of the report.

    Attributes
    ----------
    id, section, statement_latex : str
        Stable id (``"ols.rate"``), where the statement stands (``"MATH.md §3"``), the statement.
    kind : {"symbolic", "numerical"}
    method : str
        The rung reached (``"proved"``, ``"consistent at 2 exact points"``) or the numerical method.
    status : {"pass", "fail"}
        ``"pass"`` only if the statement holds *and* every negative control was rejected.
    holds : bool
        The verdict on the statement itself.
    measured, bound, ratio : float or None
        Numerical checks: the worst measured value against the theoretical one (``None`` for a
        symbolic identity, whose evidence is a proof or exact points).
    evidence : dict
        Instance, seed, sizes, per-instance figures; the ladder's verification for an identity.
    controls : tuple of ControlResult
    seconds : float
        Wall time (the only field allowed to differ between two runs with the same seed).
    assumptions : tuple of str
        Hypotheses under which the statement was checked (Unicode text, not LaTeX).
    """

    id: str
    section: str
    statement_latex: str
    kind: str
    method: str
    holds: bool
    measured: float | None
    bound: float | None
    ratio: float | None
    evidence: dict
    controls: tuple
    seconds: float
    assumptions: tuple = ()

    @property
    def status(self) -> str:
        return "pass" if self.holds and self.controls and all(c.rejected for c in self.controls) else "fail"

    @property
    def negative_control(self) -> dict:
        """The controls summarised: every description, ``"rejected"`` only if all were."""
        return {"description": "; ".join(c.description for c in self.controls),
                "status": "rejected" if self.controls and all(c.rejected for c in self.controls) else "accepted"}

    def as_dict(self) -> dict:
        return {"id": self.id, "section": self.section, "statement_latex": self.statement_latex,
                "kind": self.kind, "assumptions": list(self.assumptions), "method": self.method,
                "status": self.status, "measured": json_number(self.measured), "bound": json_number(self.bound),
                "ratio": json_number(self.ratio), "evidence": self.evidence,
                "negative_control": self.negative_control,
                "negative_controls": [c.as_dict() for c in self.controls], "seconds": round(self.seconds, 3)}


def check(id: str, section: str, statement_latex: str, *, assumptions=()) -> Callable:
    """Decorate a numerical check ``fn(*, seed, fast) -> Outcome`` (see the module example).

    The wrapped function gets ``id``, ``section`` and ``statement_latex`` attributes, so the
    runner can select it without running it, and returns a :class:`CheckResult`.
    """

    def wrap(fn):
        @functools.wraps(fn)
        def run(*, seed: int = 0, fast: bool = False) -> CheckResult:
            t0 = time.perf_counter()
            o = fn(seed=seed, fast=fast)
            ratio = o.measured / o.bound if o.bound else math.inf
            holds = (ratio <= 1.0) if o.holds is None else bool(o.holds)
            return CheckResult(id, section, statement_latex, "numerical", o.method, holds, o.measured, o.bound,
                               ratio, {**o.evidence, "seed": seed, "fast": fast}, tuple(o.controls),
                               time.perf_counter() - t0, tuple(assumptions))

        run.id, run.section, run.statement_latex = id, section, statement_latex
        return run

    return wrap


def from_derivation(d: Any) -> CheckResult:
    """A :class:`~bntheory.symbolic.derivation.Derivation` as a report row (its rung is the method)."""
    v = d.verification
    controls = tuple(ControlResult.from_rejection(c.description, c.rejected, detail=_no_time(c.verification.as_dict()))
                     for c in d.controls)
    return CheckResult(d.id, d.section, d.statement_latex, "symbolic", v.describe(), v.holds, None, None, None,
                       {"size": dict(d.size), "verification": _no_time(v.as_dict())}, controls,
                       v.seconds + sum(c.verification.seconds for c in d.controls), tuple(d.assumptions))


def _no_time(d: dict) -> dict:
    """A verification record without its timing (timings live in ``seconds`` only)."""
    return {k: v for k, v in d.items() if k != "seconds"}
