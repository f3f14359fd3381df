"""Tables of a .docx: each 合计 row against the rows above it, and the figures of the text
against the cells they name (a row header in the figure's words, a column by its unit),
including a share (占比) whose parts stand in a table."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from zhenxing.audit.grammar import Doc, Figure, Finding, figures, fmt_num, matches_at_precision, pct, usable
from zhenxing.audit.reading import Table

_TOTAL_ROW = re.compile(r"^(合\s*计|总\s*计|共\s*计|全[乡镇县]合计)$")
_SUBTOTAL_ROW = re.compile(r"小\s*计")
_RATE_COL = re.compile(r"(率|占比|比重|比例|%|％|增幅|增速)")
_HEADER_UNIT = re.compile(r"(万元|亿元|元|户|人|名|个|项|亩|公里|次)")
_HEADER_WORDS = (("户数", "户"), ("人数", "人"), ("金额", "万元"), ("资金", "万元"), ("项目数", "个"))
_RATE_SUBJECT = re.compile(r"(?P<subject>[^,，。；;：:（(）)]*?)(资金|金额|投入)?(的)?(占比|所占比重|比重|比例)(为|是|达到|达)?\s*$")


@dataclass
class Cell:
    value: Decimal
    unit: str
    raw: str
    row: int
    col: int


def _column_unit(header: str) -> str:
    m = _HEADER_UNIT.search(header.replace("单位", ""))
    if m and re.search(r"[（(]\s*" + m.group() + r"\s*[)）]", header):
        return m.group()
    for word, unit in _HEADER_WORDS:
        if word in header:
            return unit
    return m.group() if m else ""


def _cell(t: Table, r: int, c: int) -> Cell | None:
    text = t.rows[r][c].strip()
    if not text or not re.match(r"^[\d.,，]+\s*[^\d]*$", text):
        return None
    figs = [f for f in figures(text) if f.kind not in ("marker", "date")]
    if len(figs) != 1 or figs[0].value is None:
        return None
    f = figs[0]
    if f.kind == "percent":
        return Cell(f.value, "%", text, r, c)
    unit = f.unit or _column_unit(t.rows[0][c] if t.rows else "")
    if unit == "名":
        unit = "人"
    return Cell(f.value, unit, text, r, c)


def _span(doc: Doc, t: Table, r: int, c: int) -> tuple[int, int, str]:
    line = doc.lines[t.row_lines[r] - 1]
    prefix = t.line_text(r)[:len(f"【表{t.number}·第{r + 1}行】")]
    start = len(prefix) + sum(len(x) + 3 for x in t.rows[r][:c])
    return start, start + len(t.rows[r][c]), line


def _where(t: Table, r: int, c: int) -> str:
    head = t.rows[0][c] if t.rows else ""
    return f"表{t.number}“{t.rows[r][0] or '第' + str(r + 1) + '行'}”行“{head}”列"


def check_table_totals(doc: Doc) -> list[Finding]:
    """A 合计 row against the sum of the rows above it (小计 rows and rate columns aside)."""
    out = []
    for t in doc.tables:
        if len(t.rows) < 3:
            continue
        width = max(len(r) for r in t.rows)
        for r, row in enumerate(t.rows):
            if not row or not _TOTAL_ROW.match(re.sub(r"\s", "", row[0])):
                continue
            body = [i for i in range(1, r) if t.rows[i] and not _SUBTOTAL_ROW.search(t.rows[i][0])
                    and not _TOTAL_ROW.match(re.sub(r"\s", "", t.rows[i][0]))]
            for c in range(1, width):
                if c >= len(row) or _RATE_COL.search(t.rows[0][c] if c < len(t.rows[0]) else ""):
                    continue
                total = _cell(t, r, c)
                if total is None or total.unit == "%":
                    continue
                parts = [_cell(t, i, c) for i in body if c < len(t.rows[i])]
                if not parts or any(p is None for p in parts) or len(parts) < 2:
                    continue
                s = sum(p.value for p in parts)
                if s == total.value:
                    doc.right("sum", t.row_lines[r], Figure("count", total.value, total.unit, 0, 0, total.raw))
                    continue
                start, end, line = _span(doc, t, r, c)
                exp = fmt_num(s) + total.unit
                out.append(Finding("sum", t.row_lines[r], line[start:end],
                                   f"{_where(t, r, c)}合计为{total.raw}，所列{len(parts)}行相加为{fmt_num(s)}",
                                   exp, start, end))
    return out


def _rows_named(t: Table, words: str) -> list[int]:
    """Rows whose header (first cell, two characters at least) is named in `words`."""
    out = []
    for r, row in enumerate(t.rows[1:], 1):
        head = re.sub(r"\s", "", row[0]) if row else ""
        if len(head) >= 2 and not _TOTAL_ROW.match(head) and head in words:
            out.append(r)
    return out


def _total_row(t: Table) -> int | None:
    return next((r for r, row in enumerate(t.rows) if row and _TOTAL_ROW.match(re.sub(r"\s", "", row[0]))), None)


def amounts(f: Figure) -> list[tuple[Decimal, str]]:
    if f.kind == "pair":
        return [(f.value, "户"), (f.persons, "人")]
    unit = "人" if f.unit in ("名", "位") else f.unit
    return [(f.value, unit)]


def check_text_against_tables(doc: Doc) -> list[Finding]:
    """A figure of the text that names a table row, against that row's cell of its unit;
    a share (…占比57.3%) whose parts stand in a table, against the row and the 合计 row."""
    out = []
    if not doc.tables:
        return out
    for n, _, fs in doc.sentences():
        line = doc.lines[n - 1]
        for f in fs:
            if f.quoted or f.approx:
                continue
            if f.kind == "percent":
                out += _share_in_table(doc, n, line, f)
                continue
            if not usable(f):
                continue
            for t in doc.tables:
                rows = _rows_named(t, f.before)
                if len(rows) != 1:
                    continue
                r = rows[0]
                for value, unit in amounts(f):
                    cells = [c for c in (_cell(t, r, k) for k in range(1, len(t.rows[r]))) if c and c.unit == unit]
                    if not cells:
                        continue
                    if any(c.value == value for c in cells):
                        doc.right("inconsistent", n, f)
                        continue
                    if len(cells) != 1:
                        continue
                    c = cells[0]
                    out.append(Finding("inconsistent", n, f.raw,
                                       f"文中“{t.rows[r][0]}”为{f.raw}，{_where(t, r, c.col)}为{c.raw}，前后不一致",
                                       fmt_num(c.value) + c.unit, f.start, f.end))
    return out


def _share_in_table(doc: Doc, n: int, line: str, p: Figure) -> list[Finding]:
    m = _RATE_SUBJECT.search(p.before) or _RATE_SUBJECT.search(p.context)
    if not m:
        return []
    words = m.group("subject") or p.context
    for t in doc.tables:
        rows = _rows_named(t, words)
        total = _total_row(t)
        if len(rows) != 1 or total is None:
            continue
        r = rows[0]
        trues = []
        for k in range(1, len(t.rows[r])):
            a, b = _cell(t, r, k), _cell(t, total, k) if k < len(t.rows[total]) else None
            if a and b and a.unit == b.unit and a.unit != "%" and b.value:
                trues.append((a, b, a.value * 100 / b.value))
        if not trues:
            continue
        if any(matches_at_precision(p.value, x, p.decimals) for _, _, x in trues):
            doc.right("rate", n, p)
            return []
        a, b, x = trues[0]
        exp = pct(x, p.decimals)
        return [Finding("rate", n, p.raw, f"比率{p.raw}与表{t.number}所列数字不符：{a.raw}÷{b.raw}×100%={exp}",
                        exp, p.start, p.end)]
    return []
