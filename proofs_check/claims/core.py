r"""Verdicts on the seed articles' statements: what one claim is and what its verdict carries.

A *claim* is a statement of one of the two seed articles (CLAIMS.md), encoded **as the article
states it** — a SymPy expression, a formula written as a function, a constant, a predicate over a
measurement — and an *evaluation* that decides it by a computation against the mathematics of
MATH.md.  The verdict is never written by hand: the same evaluation, fed an altered version of
the claim, must reach the other verdict (each claim registers one true and one false altered
version, ``variants``, and the tests run both).

Verdicts (CLAIMS.md):

- ``holds`` — the computation confirms the statement; ``method`` says how (the ladder's rung,
  or the numerical battery with its maximum ratio);
- ``refuted`` — the computation found a :class:`Counterexample` (the instance and both sides'
  values).  Where a smallest corrected form exists, it is registered with the claim and run
  through the *same* evaluation, which must confirm it (otherwise the run fails);
- ``not-checkable`` — an empirical statement about experiments this toolkit cannot rerun
  (ImageNet, VGG, leaderboards, …), with the reason.

A statement whose truth depends on a reading (a missing norm subscript, an ambiguous index) is
evaluated under every reading; the verdict is that of the *literal* reading — the first one, the
formula exactly as printed — and all readings are reported in ``evidence["readings"]``.

Examples
--------
>>> @claim("A-demo", "A", "Demo", r"1 + 1 = 3", stated=3, variants=(2, 4),
...        corrected=(r"1 + 1 = 2", 2))
... def _demo(stated, *, fast, seed):
...     value = 1 + 1
...     if value == stated:
...         return Finding.confirmed("exact integer arithmetic", {"value": value})
...     return Finding.counterexample("exact integer arithmetic",
...                                   Counterexample({"a": 1, "b": 1}, {"lhs": value, "rhs": stated}))
>>> v = REGISTRY.pop("A-demo").run()
>>> v.verdict, v.corrected_latex, v.evidence["corrected"]["verdict"]
('refuted', '1 + 1 = 2', 'holds')
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from bntheory.errors import ParameterError

__all__ = ["HOLDS", "REFUTED", "NOT_CHECKABLE", "ARTICLES", "Counterexample", "Reading", "Finding", "Claim",
           "ClaimVerdict", "REGISTRY", "claim", "not_checkable", "literal_reading"]

HOLDS = "holds"
REFUTED = "refuted"
NOT_CHECKABLE = "not-checkable"

#: The two seed articles (CLAIMS.md), by their letter.
ARTICLES = {
    "A": "Article A (seeds/000_f3c65909050e7c52.md)",
    "B": "Article B (seeds/003_fa08f9062c65aaf7.md)",
}


@dataclass(frozen=True)
class Counterexample:
    """A concrete instance on which a claim fails.

    Attributes
    ----------
    instance : dict
        The inputs (a batch, a matrix, a seed and sizes, an exact rational point, …), enough to
        reproduce the failure.
    sides : dict
        Both sides' values at the instance (``{"lhs": …, "rhs": …}``, or ``{"claimed": …,
        "computed": …}``); at least two entries.
    note : str
        One line: why these values refute the claim.
    """

    instance: dict
    sides: dict
    note: str = ""

    def __post_init__(self):
        if len(self.sides) < 2:
            raise ParameterError(f"a counterexample needs both sides' values, got sides = {self.sides!r}")

    def as_dict(self) -> dict:
        return {"instance": self.instance, "sides": self.sides, "note": self.note}


@dataclass(frozen=True)
class Reading:
    """One reading of an ambiguous statement, with its own verdict and evidence."""

    name: str
    holds: bool
    evidence: dict

    def as_dict(self) -> dict:
        return {"reading": self.name, "verdict": HOLDS if self.holds else REFUTED, "evidence": self.evidence}


@dataclass(frozen=True)
class Finding:
    """What a claim's evaluation returns: the statement's truth, decided by a computation.

    Build it with :meth:`confirmed` or :meth:`counterexample` (or :meth:`from_readings`): a
    refutation always carries its :class:`Counterexample`, a confirmation never does.
    """

    holds: bool
    method: str
    evidence: dict
    #: The :class:`Counterexample` of a refutation (``None`` when the statement holds).
    refutation: Counterexample | None = None
    readings: tuple = ()

    def __post_init__(self):
        if not self.method:
            raise ParameterError("a finding must say how it was reached: method is empty")
        if self.holds and self.refutation is not None:
            raise ParameterError("a confirmed finding cannot carry a counterexample")
        if not self.holds and self.refutation is None:
            raise ParameterError(f"a refutation needs its counterexample (method {self.method!r})")

    @classmethod
    def confirmed(cls, method: str, evidence: Mapping, *, readings=()) -> "Finding":
        return cls(True, method, dict(evidence), None, tuple(readings))

    @classmethod
    def counterexample(cls, method: str, counterexample: Counterexample, evidence: Mapping | None = None, *,
                       readings=()) -> "Finding":
        return cls(False, method, dict(evidence or {}), counterexample, tuple(readings))

    @classmethod
    def from_readings(cls, readings: list[tuple[Reading, Counterexample | None]], method: str,
                      evidence: Mapping | None = None) -> "Finding":
        """The finding of an ambiguous statement: the literal reading (the first) decides, every
        reading is reported.  Each entry pairs a :class:`Reading` with its counterexample
        (``None`` when that reading holds)."""
        literal, cex = readings[0]
        if literal.holds != (cex is None):
            raise ParameterError(f"reading {literal.name!r}: holds = {literal.holds} but counterexample = {cex!r}")
        return cls(literal.holds, method, dict(evidence or {}), cex, tuple(r for r, _ in readings))

    def as_evidence(self) -> dict:
        out = dict(self.evidence)
        if self.refutation is not None:
            out["counterexample"] = self.refutation.as_dict()
        if self.readings:
            out["readings"] = [r.as_dict() for r in self.readings]
        return out


def literal_reading(name: str, holds: bool, evidence: dict, counterexample: Counterexample | None):
    """A ``(Reading, counterexample)`` pair for :meth:`Finding.from_readings`."""
    return Reading(name, holds, evidence), counterexample


@dataclass(frozen=True)
class ClaimVerdict:
    """One entry of the ``claims`` list of ``report.json`` and of the errata page."""

    id: str
    source: str
    claim_latex: str
    verdict: str
    method: str
    evidence: dict
    corrected_latex: str | None
    seconds: float = 0.0
    #: False when a registered corrected form was not confirmed by the same evaluation.
    corrected_verified: bool | None = None

    def as_dict(self) -> dict:
        return {"id": self.id, "source": self.source, "claim_latex": self.claim_latex, "verdict": self.verdict,
                "method": self.method, "evidence": self.evidence, "corrected_latex": self.corrected_latex}


_ARTICLE_FORM = object()  # sentinel: evaluate the claim as the article states it


@dataclass(frozen=True)
class Claim:
    """A registered statement of a seed article and how to decide it.

    Attributes
    ----------
    id, article, section, claim_latex : str
        CLAIMS.md's id, ``"A"``/``"B"``, the article's section, the claim as printed.
    evaluate : callable or None
        ``evaluate(stated, *, fast, seed) -> Finding``; ``None`` for a not-checkable claim.
    stated : object
        The claim's encoding as the article states it (what ``evaluate`` receives by default).
    variants : (object, object)
        A true and a false altered version of the encoding; the tests assert that ``evaluate``
        confirms the first and refutes the second.
    corrected : (str, object) or None
        The smallest corrected form (LaTeX, encoding), run through ``evaluate`` when the article's
        form is refuted.
    why_not_checkable : str or None
        The reason, for an empirical claim.
    """

    id: str
    article: str
    section: str
    claim_latex: str
    evaluate: Callable | None
    stated: Any = None
    variants: tuple | None = None
    corrected: tuple | None = None
    why_not_checkable: str | None = None

    @property
    def source(self) -> str:
        return f"{ARTICLES[self.article]}, {self.section}"

    @property
    def checkable(self) -> bool:
        return self.evaluate is not None

    def run(self, stated: Any = _ARTICLE_FORM, *, fast: bool = False, seed: int = 0) -> ClaimVerdict:
        """Decide the claim (as the article states it, or an altered ``stated`` encoding)."""
        t0 = time.perf_counter()
        if not self.checkable:
            return ClaimVerdict(self.id, self.source, self.claim_latex, NOT_CHECKABLE, "not checkable here",
                                {"why": self.why_not_checkable}, None, time.perf_counter() - t0)
        as_printed = stated is _ARTICLE_FORM
        finding = self.evaluate(self.stated if as_printed else stated, fast=fast, seed=seed)
        evidence = finding.as_evidence()
        evidence.update(seed=seed, fast=fast)
        corrected_latex, verified = None, None
        if not finding.holds and as_printed and self.corrected is not None:
            corrected_latex, encoding = self.corrected
            fix = self.evaluate(encoding, fast=fast, seed=seed)
            verified = fix.holds
            evidence["corrected"] = {"latex": corrected_latex, "verdict": HOLDS if fix.holds else REFUTED,
                                     "method": fix.method, "evidence": fix.as_evidence()}
        return ClaimVerdict(self.id, self.source, self.claim_latex, HOLDS if finding.holds else REFUTED,
                            finding.method, evidence, corrected_latex, time.perf_counter() - t0, verified)


#: Every registered claim, by id (the catalog order is fixed by :data:`proofs_check.claims.ids.ORDER`).
REGISTRY: dict[str, Claim] = {}


def _register(c: Claim) -> None:
    if c.id in REGISTRY:
        raise ParameterError(f"claim id registered twice: {c.id!r}")
    if c.article not in ARTICLES:
        raise ParameterError(f"claim {c.id!r}: article must be one of {sorted(ARTICLES)}, got {c.article!r}")
    REGISTRY[c.id] = c


def claim(id: str, article: str, section: str, claim_latex: str, *, stated: Any, variants: tuple,
          corrected: tuple | None = None) -> Callable:
    """Register ``evaluate(stated, *, fast, seed) -> Finding`` as the decision of claim ``id``.

    ``stated`` is the article's encoding, ``variants`` a (true, false) pair of altered encodings,
    ``corrected`` an optional ``(latex, encoding)`` smallest correction.
    """
    if variants is None or len(variants) != 2:
        raise ParameterError(f"claim {id!r}: variants must be a (true, false) pair, got {variants!r}")

    def wrap(fn):
        _register(Claim(id, article, section, claim_latex, fn, stated, tuple(variants), corrected))
        return fn

    return wrap


def not_checkable(id: str, article: str, section: str, claim_latex: str, why: str) -> None:
    """Register an empirical statement this toolkit cannot decide, with the reason."""
    if not why:
        raise ParameterError(f"claim {id!r}: a not-checkable claim needs its reason")
    _register(Claim(id, article, section, claim_latex, None, why_not_checkable=why))
