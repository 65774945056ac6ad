"""Turn the verification ladder's verdict on an identity into a claim's :class:`~.core.Finding`."""

from __future__ import annotations

from bntheory.symbolic.verify import Verification

from .core import Counterexample, Finding


def identity_finding(v: Verification, *, instance: dict | None = None, note: str = "", evidence=None) -> Finding:
    """The finding of a claimed identity decided by :func:`bntheory.symbolic.verify.verify_identity`.

    ``holds`` is the ladder's verdict (proved, or consistent at exact points — the method says
    which); a refutation carries the ladder's exact counterexample (the point, both sides).
    """
    record = {k: val for k, val in v.as_dict().items() if k not in ("seconds", "counterexample")}
    if v.holds:
        return Finding.confirmed(v.describe(), {**(evidence or {}), "verification": record})
    c = v.counterexample.as_dict()
    return Finding.counterexample(
        v.describe(),
        Counterexample({**(instance or {}), "point": c["point"], "component": c["component"]},
                       {"lhs": c["lhs"], "rhs": c["rhs"]}, note or "the two sides differ at this exact point"),
        {**(evidence or {}), "verification": record})
