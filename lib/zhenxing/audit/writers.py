"""The writer's own words checked against the data: every number of a writer's file
(``narrative/<Y>/<乡镇>.md``, see :mod:`zhenxing.report.narrative`) that the audit rules
can check — a rate against its numerator and denominator, a 其中 list against its total,
one quantity stated twice, a figure that names an indicator against the computed one.

Importing this module registers :func:`narrative_warnings` with the report layer (which
never imports ``audit``); the command line imports it.
"""
from __future__ import annotations

from zhenxing.audit.checker import audit_lines
from zhenxing.audit.data import compare_indicators
from zhenxing.report import narrative

SKIP = {"numbering"}   # the writer's items are numbered on by the summary, not by the file


def narrative_warnings(lines: list[str], ind: dict) -> list[str]:
    """One line per finding: where, the quote, what the data says."""
    findings = [f for f in audit_lines(lines) if f.kind not in SKIP] + compare_indicators(lines, ind)
    out = []
    for f in sorted(findings, key=lambda f: (f.line, f.start)):
        out.append(f"“{f.quote}”——{f.message}")
    return out


narrative.register_checker(narrative_warnings)
