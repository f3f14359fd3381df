"""`zhenxing audit`: check a hand-written summary for slips before it is published.

The package in layers, each small:

- `reading`: lines of a .txt/.md file; paragraphs and tables of a .docx.
- `grammar`: a tokeniser and a few composable rules that give typed figures (date, 户/人
  pair, quantity with unit, percent, 个百分点, Chinese-numeral count, bare number) with
  their spans and the words around them; `Doc` is the parsed text.
- one module per family of checks: `rates` (rates, shares, growth, differences of rates),
  `sums` (其中 lists parsed as a tree), `consistency` (one quantity, two values), `form`
  (how numbers are written, numbering per heading level), `tables` (.docx tables).
- `output` (terminal table, JSON, HTML) and `data` (figures against computed indicators).

This module runs them all (`audit_lines`, `audit_file`) and re-exports the names the
command line and the tests use.
"""
from __future__ import annotations

from pathlib import Path

from zhenxing.audit.consistency import check_inconsistent
from zhenxing.audit.data import AuditDataError, compare_data, compare_indicators, name_indicator  # noqa: F401
from zhenxing.audit.form import check_malformed, check_numbering
from zhenxing.audit.grammar import (  # noqa: F401
    KINDS,
    Doc,
    Figure,
    Finding,
    cn_value,
    figures,
    fmt,
    fmt_num,
    matches_at_precision,
    round_to,
    tokenize,
)
from zhenxing.audit.output import KIND_ZH, merge, table, to_html, to_json, write_html  # noqa: F401
from zhenxing.audit.rates import check_growth, check_points, check_rates
from zhenxing.audit.reading import AuditReadError, Table, read_document, read_lines  # noqa: F401
from zhenxing.audit.sums import CLOSED_SETS, check_sums, exhaustive  # noqa: F401
from zhenxing.audit.tables import check_table_totals, check_text_against_tables

CHECKS = (check_malformed, check_rates, check_growth, check_points, check_sums, check_inconsistent, check_numbering,
          check_text_against_tables, check_table_totals)


def audit_lines(lines: list[str], tables: list[Table] | tuple = ()) -> list[Finding]:
    """Every finding of a text (and of the .docx tables shown as its last lines)."""
    doc = Doc.parse(lines, tables)
    out = [f for check in CHECKS for f in check(doc)]
    out.sort(key=lambda f: (f.line, f.start, KINDS.index(f.kind)))
    return out


def audit_file(path: Path) -> tuple[list[str], list[Finding]]:
    lines, tables = read_document(path)
    return lines, audit_lines(lines, tables)
