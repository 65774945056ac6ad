r"""The report of a ``bntheory verify`` run as a terminal table, Markdown and a LaTeX appendix.

All three are drawn from the report dictionary that is also written as ``report.json`` (its schema
is documented in the README), never recomputed.

* :func:`table_row` — one line of the live table (id, statement, method, measured, bound, ratio,
  verdict, negative controls);
* :func:`to_markdown` — ``report.md``: the summary, the environment and one table per section;
* :func:`to_latex` — a self-contained LaTeX appendix that compiles with ``pdflatex`` (only the
  packages of a minimal TeX installation: ``amsmath``, ``amssymb``, ``amsthm``, ``longtable``,
  ``graphicx``, ``geometry``):
  each check is a lemma with the derived statement, the method, and a table of its evidence and
  negative controls.  The body between ``% --- begin body`` and ``% --- end body`` can be pasted
  into (or ``\input`` by) a paper whose preamble loads those packages (the body defines its own
  ``bntresult`` environment and ``\bntstatement`` macro).
"""

from __future__ import annotations

import unicodedata

__all__ = ["table_header", "table_row", "to_markdown", "to_latex", "tex_text", "number"]

_COLUMNS = (("id", 40), ("statement", 34), ("method", 30), ("measured", 10), ("bound", 10),
            ("ratio", 8), ("verdict", 7), ("controls", 0))


def number(x) -> str:
    """A number of the report for display: 4 significant digits; ``—`` for none."""
    if x is None:
        return "—"
    if isinstance(x, str):  # nan / inf are stored as strings in the JSON
        return x
    return f"{x:.4g}"


def _cut(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def table_header() -> str:
    """The header of the live table."""
    return " ".join(f"{name:{w}s}" if w else name for name, w in _COLUMNS)


def table_row(row: dict) -> str:
    """One check as a line of the live table (``row`` is a check of the report)."""
    ctl = row["negative_controls"]
    rejected = sum(c["status"] == "rejected" for c in ctl)
    cells = (row["id"], row["statement_latex"], row["method"], number(row["measured"]), number(row["bound"]),
             number(row["ratio"]), row["status"], f"{rejected}/{len(ctl)} rejected")
    return " ".join(f"{_cut(c, w):{w}s}" if w else c for c, (_, w) in zip(cells, _COLUMNS))


def summary_line(report: dict) -> str:
    """``N passed, M failed; negative controls rejected: k/n (t s)``."""
    s = report["summary"]
    return (f"{s['passed']} passed, {s['failed']} failed; negative controls rejected: "
            f"{s['negative_controls_rejected']}/{s['negative_controls_total']} ({report['seconds']:.1f} s)")


def _sections(report: dict):
    out: dict[str, list] = {}
    for row in report["checks"]:
        out.setdefault(row["id"].split(".", 1)[0], []).append(row)
    return out.items()


# --- Markdown --------------------------------------------------------------------------------

def _md_cell(s: str) -> str:
    return str(s).replace("|", r"\|").replace("\n", " ")


def to_markdown(report: dict) -> str:
    """``report.md``: summary, environment, and per section a table of every check."""
    env = report["environment"]
    lines = [f"# bntheory verify — report (bntheory {report['version']})", "",
             f"**{summary_line(report)}**; seed {report['seed']}" + (", `--fast`" if report.get("fast") else "")
             + (f", `--only {report['only']}`" if report.get("only") else "") + ".", "",
             "Environment: " + ", ".join(f"{k} {env[k]}" for k in ("python", "numpy", "scipy", "sympy"))
             + f"; {env['platform']}; git `{env.get('git') or 'unknown'}`.", "",
             "A check passes only if its statement holds **and** every negative control (a deliberately "
             "wrong variant run through the same check) is rejected. Symbolic checks report the rung "
             "of the verification ladder; numerical checks the worst measured value against the bound.", ""]
    for section, rows in _sections(report):
        lines += [f"## {section}", "",
                  "| id | statement | method | measured | bound | ratio | verdict | negative controls |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in rows:
            ctl = "; ".join(f"{c['description']}: {c['status']}" for c in r["negative_controls"])
            lines.append("| " + " | ".join(_md_cell(x) for x in (
                f"`{r['id']}`", f"${r['statement_latex']}$", r["method"], number(r["measured"]),
                number(r["bound"]), number(r["ratio"]), f"**{r['status']}**", ctl)) + " |")
        lines.append("")
    return "\n".join(lines + _claims_markdown(report.get("claims", [])))


def _claims_markdown(claims: list[dict]) -> list[str]:
    """The seed articles' claims as one table (the full errata page: ``bntheory claims --md``)."""
    if not claims:
        return []
    lines = ["## claims (the seed articles, CLAIMS.md)", "",
             "Every verdict comes out of a computation; refuted claims carry a counterexample and, where one "
             "exists, a corrected form confirmed by the same computation (`bntheory claims --md` writes the "
             "full errata page).", "",
             "| id | claim | verdict | method | corrected form |", "|---|---|---|---|---|"]
    for c in claims:
        fix = f"${c['corrected_latex']}$" if c["corrected_latex"] else ""
        lines.append("| " + " | ".join(_md_cell(x) for x in (
            f"`{c['id']}`", f"${c['claim_latex']}$", f"**{c['verdict']}**", c["method"], fix)) + " |")
    return lines + [""]


# --- LaTeX -----------------------------------------------------------------------------------

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\ensuremath{\sim}", "^": r"\textasciicircum{}",
                "`": r"\textasciigrave{}", "<": r"\ensuremath{<}", ">": r"\ensuremath{>}", "|": r"\ensuremath{|}"}
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "varepsilon", "ζ": "zeta", "η": "eta",
          "θ": "theta", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho",
          "σ": "sigma", "τ": "tau", "φ": "varphi", "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma",
          "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Π": "Pi", "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi",
          "Ω": "Omega"}
_MATH = {"−": "-", "·": r"\cdot", "×": r"\times", "‖": r"\|", "∥": r"\parallel", "⟂": r"\perp", "⊥": r"\perp",
         "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "≈": r"\approx", "∈": r"\in", "∂": r"\partial", "∇": r"\nabla",
         "ℓ": r"\ell", "∞": r"\infty", "→": r"\to", "↦": r"\mapsto", "√": r"\surd", "±": r"\pm", "∑": r"\sum",
         "⪯": r"\preceq", "≡": r"\equiv", "∝": r"\propto", "≻": r"\succ", "≺": r"\prec", "′": "'", "″": "''",
         "°": r"^{\circ}", "∓": r"\mp", "⟨": r"\langle", "⟩": r"\rangle", "⌈": r"\lceil", "⌉": r"\rceil", "⊤": r"\top", "ℝ": r"\mathbb{R}", "∅": r"\emptyset"}
# runs of super-/subscript characters become one ^{…} / _{…}
_SUP = {"⁺": "+", "⁻": "-", "⁽": "(", "⁾": ")", "ᵀ": r"\top", "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4",
        "ⁿ": "n", "ᵗ": "t", "ᵏ": "k", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9"}
_SUB = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "ᵢ": "i", "ⱼ": "j", "ₜ": "t", "₊": "+", "₋": "-"}
_MATH.update({k: "\\" + v for k, v in _GREEK.items()})
_TEXT = {"…": r"\ldots{}", "–": "--", "—": "---", "“": "``", "”": "''", "’": "'", "§": r"\S{}", "\u00a0": "~"}
_ACCENTS = {"\u0303": r"\tilde", "\u0302": r"\hat", "\u0304": r"\bar", "\u0307": r"\dot", "\u0301": r"\acute",
            "\u0300": r"\grave", "\u0308": r"\ddot"}


def tex_text(s: str) -> str:
    r"""Plain text (with the Unicode mathematics of ids, descriptions and notes) as LaTeX text.

    Greek letters and mathematical symbols become ``\ensuremath{…}``; a combining accent
    (``w̃``, ``σ̂``) puts ``\tilde``/``\hat`` over the preceding character; LaTeX specials are
    escaped.  A character with no rendering is written as a visible ``[U+XXXX]`` (never dropped),
    and the tests assert that a full report has none.

    Examples
    --------
    >>> tex_text("w̃ = g·w/‖w‖_S, μ ≤ λ₁")
    '\\ensuremath{\\tilde{w}} = g\\ensuremath{\\cdot}w/\\ensuremath{\\|}w\\ensuremath{\\|}\\_S, \\ensuremath{\\mu} \\ensuremath{\\le} \\ensuremath{\\lambda}\\ensuremath{_{1}}'
    """
    out: list[str] = []
    script = None  # (kind, [contents]) of an open run of super-/subscripts
    for ch in _decompose_accented(s) + "\0":
        kind = "^" if ch in _SUP else "_" if ch in _SUB else None
        if script and kind != script[0]:
            out.append(rf"\ensuremath{{{script[0]}{{{''.join(script[1])}}}}}")
            script = None
        if kind:
            script = script or (kind, [])
            script[1].append((_SUP if kind == "^" else _SUB)[ch])
            continue
        if ch == "\0":
            break
        if ch in _ACCENTS and out:
            prev = out.pop()
            inner = prev[len(r"\ensuremath{"):-1] if prev.startswith(r"\ensuremath{") else prev
            out.append(rf"\ensuremath{{{_ACCENTS[ch]}{{{inner}}}}}")
        elif ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif ch in _MATH:
            out.append(rf"\ensuremath{{{_MATH[ch]}}}")
        elif ch in _TEXT:
            out.append(_TEXT[ch])
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append(f"[U+{ord(ch):04X} {unicodedata.name(ch, '?')}]")
    return "".join(out)


def _decompose_accented(s: str) -> str:
    """``ĉ`` → ``c`` + combining circumflex (only letters whose accents :func:`tex_text` renders;
    ``≠`` and friends are left whole)."""
    out = []
    for ch in s:
        d = unicodedata.normalize("NFD", ch)
        out.append(d if len(d) > 1 and d[0].isalpha() and all(c in _ACCENTS for c in d[1:]) else ch)
    return "".join(out)


_PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb,amsthm}
\usepackage{longtable}
\usepackage{graphicx}
\begin{document}
"""

# Defined at the start of the body, so that the body alone can be pasted into a paper that loads
# amsmath, amssymb, amsthm, longtable and graphicx; names prefixed "bnt" to avoid clashes.
_BODY_DEFINITIONS = r"""\newtheorem{bntresult}{Result}
% a displayed statement wider than the line is scaled down to the line width
\newsavebox{\bntstmtbox}
\newcommand{\bntstatement}[1]{\sbox{\bntstmtbox}{$\displaystyle #1$}\par\smallskip\noindent\hfil
  \ifdim\wd\bntstmtbox>\linewidth\resizebox{\linewidth}{!}{\usebox{\bntstmtbox}}\else\usebox{\bntstmtbox}\fi
  \hfil\par\smallskip}
\sloppy"""

#: Width budget of a battery table, in characters of \small text (about the text width).
_TABLE_CHARS = 95


def _tex_number(x) -> str:
    return tex_text(number(x)) if number(x) != "—" else "---"


def _short(v) -> str:
    """A value of the evidence as a short string (floats to 4 digits, long text cut)."""
    if isinstance(v, float):
        return number(v)
    if isinstance(v, list):
        return "[" + ", ".join(_short(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_short(x)}" for k, x in v.items()) + "}"
    return _cut(str(v), 200)


def _evidence_rows(row: dict) -> tuple[list[tuple[str, str]], list[tuple[str, list[dict]]]]:
    """A check's evidence for the appendix: flat ``(key, value)`` pairs (nested keys dotted) and
    the batteries (lists of per-instance dicts), each drawn as its own table."""
    pairs: list[tuple[str, str]] = []
    batteries: list[tuple[str, list[dict]]] = []

    def walk(prefix, v):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(f"{prefix}.{k}" if prefix else str(k), x)
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            batteries.append((prefix, v))
        elif v is not None:
            pairs.append((prefix, _short(v)))

    walk("", row["evidence"])
    return pairs, batteries


def _flat(d: dict, prefix: str = "") -> dict:
    """Nested dicts of an instance as dotted keys."""
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _battery_table(name: str, rows: list[dict]) -> list[str]:
    """One battery: a column per field that varies and one line for the fields shared by all; a
    battery too wide for the page is written one instance per paragraph instead."""
    rows = [_flat(r) for r in rows]
    keys = list(dict.fromkeys(k for r in rows for k in r))
    shared = [k for k in keys if all(k in r and r[k] == rows[0][k] for r in rows)]
    cols = [k for k in keys if k not in shared]
    cells = [[_short(r.get(c)) for c in cols] for r in rows]
    width = sum(max([len(c)] + [len(row[j]) for row in cells]) + 2 for j, c in enumerate(cols)) + 4
    out = []
    if shared:
        out.append(r"\noindent{\small " + tex_text(f"{name}, every instance: " + "; ".join(
            f"{k} = {_short(rows[0][k])}" for k in shared if rows[0][k] is not None)) + r"}\par")
    if width <= _TABLE_CHARS:
        out += [r"\begin{center}\small", rf"\begin{{longtable}}{{@{{}}{'l' * (len(cols) + 1)}@{{}}}}",
                r"\hline " + " & ".join([tex_text(name)] + [tex_text(c) for c in cols]) + r" \\ \hline"]
        out += [" & ".join([str(i)] + [tex_text(c) for c in row]) + r" \\" for i, row in enumerate(cells)]
        out += [r"\hline", r"\end{longtable}\end{center}"]
    else:
        out += [r"\begin{longtable}{@{}p{0.08\textwidth}p{0.88\textwidth}@{}}",
                r"\hline \multicolumn{2}{@{}l}{\small " + tex_text(name) + r"} \\ \hline"]
        out += [rf"\small {i} & \small " + tex_text("; ".join(f"{c} = {v}" for c, v in zip(cols, row))) + r" \\"
                for i, row in enumerate(cells)]
        out += [r"\hline", r"\end{longtable}"]
    return out


def to_latex(report: dict) -> str:
    """A self-contained LaTeX appendix: one result per check (statement, method, evidence, controls)."""
    s = report["summary"]
    env = report["environment"]
    body = [r"% --- begin body (needs amsmath, amssymb, amsthm, longtable, graphicx)", _BODY_DEFINITIONS,
            r"\section*{Appendix: machine-checked statements}",
            tex_text(f"Generated by bntheory {report['version']} (bntheory verify, seed {report['seed']}"
                     + (", fast mode" if report.get("fast") else "") + f"). {s['passed']} statements pass, "
                     f"{s['failed']} fail; {s['negative_controls_rejected']} of {s['negative_controls_total']} "
                     f"negative controls are rejected. Python {env['python']}, NumPy {env['numpy']}, SciPy "
                     f"{env['scipy']}, SymPy {env['sympy']}; git {env.get('git') or 'unknown'}."),
            "",
            tex_text("A statement passes only if it holds and every negative control (a deliberately wrong "
                     "variant run through the same check) is rejected. Symbolic statements are proved "
                     "(rational-function normal form) or checked at exact rational points; numerical "
                     "statements compare the measured quantity with the theorem's bound on the same "
                     "trace, above a stated precision floor."), ""]
    for section, rows in _sections(report):
        body.append(rf"\subsection*{{{tex_text(section)}}}")
        for r in rows:
            body += [rf"\begin{{bntresult}}[{tex_text(r['id'])}; {tex_text(r['section'])}]\mbox{{}}",
                     r"\bntstatement{" + r["statement_latex"] + "}"]
            if r.get("assumptions"):
                body.append(tex_text("Assumptions: " + "; ".join(r["assumptions"]) + "."))
            body += [r"\end{bntresult}",
                     r"\noindent\textbf{Method.} " + tex_text(r["method"])
                     + rf". \textbf{{Verdict:}} {r['status']}.", "",
                     r"\begin{longtable}{@{}p{0.34\textwidth}p{0.6\textwidth}@{}}", r"\hline"]
            if r.get("kind") == "numerical":
                body += [f"{k} & {_tex_number(r[k])}" + r" \\" for k in ("measured", "bound", "ratio")]
            pairs, batteries = _evidence_rows(r)
            body += [_breakable(tex_text(k)) + " & " + tex_text(v) + r" \\" for k, v in pairs]
            body += [r"\hline \textit{negative control} & \textit{verdict} \\"]
            body += [tex_text(c["description"]) + " & " + c["status"] + r" \\" for c in r["negative_controls"]]
            body += [r"\hline", r"\end{longtable}", ""]
            for name, rows in batteries:
                body += _battery_table(name, rows) + [""]
    body += _claims_latex(report.get("claims", []))
    body.append(r"% --- end body")
    return _PREAMBLE + "\n".join(body) + "\n\\end{document}\n"


def _breakable(key: str) -> str:
    """An evidence key (``a.b_c``) that may break after its dots and underscores in a narrow column."""
    return key.replace(".", r".\allowbreak{}").replace(r"\_", r"\_\allowbreak{}")


def _claims_latex(claims: list[dict]) -> list[str]:
    """The seed articles' claims: statement as printed, verdict, method, counterexample, correction."""
    if not claims:
        return []
    body = [r"\subsection*{Claims of the seed articles}",
            tex_text("Each statement is encoded as the article prints it and decided by a computation; a "
                     "refuted statement carries a counterexample and, where one exists, the smallest corrected "
                     "form, confirmed by the same computation."), ""]
    for c in claims:
        ev = c["evidence"]
        body += [rf"\begin{{bntresult}}[{tex_text(c['id'])}; {tex_text(c['source'])}]\mbox{{}}",
                 r"\bntstatement{" + c["claim_latex"] + "}", r"\end{bntresult}",
                 rf"\noindent\textbf{{Verdict:}} {tex_text(c['verdict'])}. "
                 + (tex_text("Why not: " + ev["why"]) if "why" in ev else r"\textbf{Method.} " + tex_text(c["method"]))
                 + ".", ""]
        if "counterexample" in ev:
            cex = ev["counterexample"]
            sides = "; ".join(f"{k} = {_short(v)}" for k, v in cex["sides"].items())
            body += [r"\noindent\textbf{Counterexample.} " + tex_text(f"{cex['note']} ({sides})."), ""]
        for r in ev.get("readings", []):
            body += [r"\noindent\textit{Reading} " + tex_text(f"{r['reading']}: {r['verdict']}."), ""]
        if c["corrected_latex"]:
            body += [r"\noindent\textbf{Corrected form} (" + tex_text(ev["corrected"]["verdict"]) + "):",
                     r"\bntstatement{" + c["corrected_latex"] + "}", ""]
    return body
