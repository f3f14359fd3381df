"""``疑点核查.xlsx``: a summary sheet and one sheet per rule with findings, laid out to
print and hand to each village (frozen header, filters, column widths, landscape A4,
header row repeated on every printed page, sorted by village)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from zhenxing.review.engine import SEVERITY_CN, Result, summary

FILE_NAME = "疑点核查.xlsx"
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")

SUMMARY_COLS = [("序号", 6), ("规则编号", 28), ("类别", 11), ("规则", 44), ("严重程度", 9),
                ("记录数", 8), ("涉及户数", 9), ("涉及村数", 9), ("说明", 40)]
RULE_COLS = [("序号", 6), ("村", 14), ("户编号/项目编号", 20), ("人员或事项", 26), ("字段", 14), ("值", 36),
             ("核查内容", 60), ("整改情况", 16)]


def _sheet_title(i: int, title: str, used: set) -> str:
    bad = '[]:*?/\\'
    t = "".join(ch for ch in title if ch not in bad)
    name = f"{i:02d}{t}"[:31]
    while name in used:
        name = name[:-1] + "_"
    used.add(name)
    return name


def _head(ws, cols):
    ws.append([c for c, _ in cols])
    for j, (_, w) in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(j)].width = w
        cell = ws.cell(row=ws.max_row, column=j)
        cell.font = BOLD
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _print_setup(ws, header_row: int):
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.gridLines = True


def build(results: list[Result], county: str = "") -> Workbook:
    """A workbook for one or more townships' results (usually one)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    towns = "、".join(r.township for r in results)
    year = results[0].year if results else ""
    date = results[0].report_date.isoformat() if results else ""
    ws.append([f"{county}{towns} 数据疑点核查清单（{year}年，统计截止{date}）"])
    ws["A1"].font = Font(bold=True, size=14)
    total = sum(len(r.findings) for r in results)
    ws.append([f"共 {total} 条疑点。每条规则一张工作表，按村排列：请各村逐条核实，在国家监测系统中改正后重新导出数据，"
               "再运行 zhenxing review 复核（户编号已脱敏显示，人员以与户主关系和出生年份标明）。"])
    ws.append([])
    _head(ws, SUMMARY_COLS)
    header_row = ws.max_row
    rows = []
    for r in results:
        for s in summary(r):
            rows.append(s)
    merged: dict = {}
    for s in rows:   # several townships: add up
        if s["rule"] not in merged:
            merged[s["rule"]] = dict(s)
            continue
        m = merged[s["rule"]]
        m["records"] += s["records"]
        m["households"] += s["households"]
        m["villages"] += s["villages"]
        m["skipped"] = m["skipped"] or s["skipped"]
    for i, s in enumerate(merged.values(), 1):
        note = f"未核查：{s['skipped']}" if s["skipped"] else ("无疑点" if not s["records"] else "见同名工作表")
        ws.append([i, s["rule"], s["family"], s["title"], SEVERITY_CN[s["severity"]],
                   None if s["skipped"] else s["records"], None if s["skipped"] else s["households"],
                   None if s["skipped"] else s["villages"], note])
        for c in ws[ws.max_row]:
            c.alignment = WRAP
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(SUMMARY_COLS))}{ws.max_row}"
    _print_setup(ws, header_row)
    gated = [g for r in results for g in r.gated]
    if gated:   # figures the report does not state as facts (the plausibility gate), and why
        ws.append([])
        ws.append(["报告中未作为事实陈述的数字（数据不可信，需核实后填报）："])
        ws.cell(row=ws.max_row, column=1).font = BOLD
        for g in gated:
            ws.append([None, f"{g.get('topic')}.{g.get('key')}", None, g.get("reason") or ""])
            for c in ws[ws.max_row]:
                c.alignment = WRAP

    used = {"汇总"}
    rules = results[0].rules if results else []
    for i, rule in enumerate(rules, 1):
        fs = [f for r in results for f in r.by_rule().get(rule.id, [])]
        if not fs:
            continue
        fs.sort(key=lambda f: (f.township, f.village, f.key))
        sh = wb.create_sheet(_sheet_title(i, rule.title, used))
        sh.append([f"{rule.title}（{rule.id}，{len(fs)}条）"])
        sh["A1"].font = Font(bold=True, size=12)
        sh.append([f"核查内容：{rule.fix}"])
        sh.append([f"依据：{rule.source}"])
        _head(sh, RULE_COLS)
        hr = sh.max_row
        for j, f in enumerate(fs, 1):
            sh.append([j, f.village, f.key, f.detail, f.field, f.value, rule.fix, None])
            for c in sh[sh.max_row]:
                c.alignment = WRAP
        sh.freeze_panes = sh.cell(row=hr + 1, column=1)
        sh.auto_filter.ref = f"A{hr}:{get_column_letter(len(RULE_COLS))}{sh.max_row}"
        _print_setup(sh, hr)
    return wb


def write_workbook(path, results) -> Path:
    """Write ``疑点核查.xlsx`` (atomically: a temp file, then a rename). ``results``: one
    ``Result`` or a list of them. Returns the path."""
    if isinstance(results, Result):
        results = [results]
    path = Path(path)
    if path.is_dir() or not path.suffix:
        path = path / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = build(list(results))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".xlsx")
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
