"""The errata page (``bntheory claims --md PATH``): claim, verdict, evidence, correction — by article
and section, drawn from the verdicts' dictionaries (the ``claims`` list of ``report.json``)."""

from __future__ import annotations

import json

from .core import ARTICLES, HOLDS, NOT_CHECKABLE, REFUTED
from .ids import SECTIONS

_MARK = {HOLDS: "holds", REFUTED: "**refuted**", NOT_CHECKABLE: "not checkable here"}


def _value(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (dict, list)):
        text = json.dumps(v, ensure_ascii=False, default=str)
        return text if len(text) <= 300 else text[:297] + "…"
    return str(v)


def _scalars(evidence: dict, skip=("counterexample", "readings", "corrected", "why", "seed", "fast")) -> list[str]:
    return [f"{k} = {_value(v)}" for k, v in evidence.items()
            if k not in skip and not isinstance(v, (dict, list))]


def _counterexample_lines(cex: dict) -> list[str]:
    lines = ["- Counterexample: " + (cex.get("note") or "")]
    lines.append("  - instance: " + "; ".join(f"{k} = {_value(v)}" for k, v in cex["instance"].items()))
    lines.append("  - values: " + "; ".join(f"{k} = {_value(v)}" for k, v in cex["sides"].items()))
    return lines


def _claim_lines(row: dict) -> list[str]:
    ev = row["evidence"]
    lines = [f"#### `{row['id']}` — {_MARK[row['verdict']]}", "", f"- Claim: ${row['claim_latex']}$"]
    if row["verdict"] == NOT_CHECKABLE:
        return lines + [f"- Why not: {ev['why']}", ""]
    lines.append(f"- How: {row['method']}")
    facts = _scalars(ev)
    if facts:
        lines.append("- Evidence: " + "; ".join(facts))
    if "counterexample" in ev:
        lines += _counterexample_lines(ev["counterexample"])
    for r in ev.get("readings", []):
        lines.append(f"- Reading *{r['reading']}*: {_MARK[r['verdict']]}"
                     + (" — " + "; ".join(_scalars(r["evidence"])) if _scalars(r["evidence"]) else ""))
    if row["corrected_latex"]:
        fix = ev["corrected"]
        lines.append(f"- Correction: ${row['corrected_latex']}$ — {_MARK[fix['verdict']]} by the same computation "
                     f"({fix['method']})")
    return lines + [""]


def to_errata_markdown(rows: list[dict]) -> str:
    """The errata page for the verdicts ``rows`` (dictionaries of :class:`ClaimVerdict`)."""
    count = {k: sum(r["verdict"] == k for r in rows) for k in (HOLDS, REFUTED, NOT_CHECKABLE)}
    out = ["# Errata: the seed articles' statements, checked", "",
           f"{count[HOLDS]} hold, {count[REFUTED]} refuted, {count[NOT_CHECKABLE]} not checkable here. "
           "Every verdict comes out of a computation (`bntheory claims`); a refuted statement carries a "
           "counterexample and, where one exists, the smallest corrected form, confirmed by the same "
           "computation. Statements whose truth depends on a reading are checked under every reading; the "
           "verdict is the literal reading's.", ""]
    for letter, title in ARTICLES.items():
        mine = [r for r in rows if r["id"].startswith(letter + "-")]
        if not mine:
            continue
        out += [f"## {title}", ""]
        sections: dict[str, list[dict]] = {}
        for r in mine:
            sections.setdefault(r["source"].split(", ", 1)[1], []).append(r)
        known = SECTIONS[letter]
        for section, members in sorted(sections.items(),
                                       key=lambda kv: known.index(kv[0]) if kv[0] in known else len(known)):
            out += [f"### {section}", ""]
            for r in members:
                out += _claim_lines(r)
    return "\n".join(out).rstrip() + "\n"
