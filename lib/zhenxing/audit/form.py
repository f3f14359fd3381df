"""How numbers are written, and the numbering of headings and enumerations."""
from __future__ import annotations

import re

from zhenxing.audit.grammar import Doc, Figure, Finding, cn_value, finding


def check_malformed(doc: Doc) -> list[Finding]:
    """。 or ． as a decimal point, thousands separators, a number without its unit."""
    out = []
    for n, figs in enumerate(doc.figs, 1):
        line = doc.lines[n - 1]
        for k, f in enumerate(figs):
            if f.quoted or f.kind in ("marker", "date", "cn"):
                continue
            if f.malformed and f.kind != "bare":
                out.append(finding("malformed_number", n, line, f.start, f.end, f.malformed, f.fixed))
            elif f.kind == "bare":
                after = line[f.end:f.end + 1]
                if f.malformed and f.unit != "万":
                    out.append(finding("malformed_number", n, line, f.start, f.end, f.malformed, f.fixed))
                    continue
                if after not in ("", ",", "，", "。", ";", "；", "、", ")", "）", " ") and f.unit != "万":
                    continue
                if f.unit != "万" and (re.search(r"(第|编号|代码|电话|号|序号|[A-Za-z])\s*$", f.before) or
                                       re.match(r"\s*(号|#|[A-Za-z])", line[f.end:])):
                    continue
                unit = _guess_unit(figs, k, line)
                exp = (f.raw + unit) if unit else "补上单位"
                out.append(finding("malformed_number", n, line, f.start, f.end,
                                    "数字后没有单位" + ("（只有“万”）" if f.unit == "万" else ""), exp))
    return out


def _guess_unit(figs: list[Figure], k: int, line: str) -> str:
    """The unit a bare number most likely lacks: the one of its nearest neighbour with the same magnitude."""
    f = figs[k]
    if re.search(r"(金额|资金|投资|贷款|收入|补贴|补助|救助金|奖补)\s*$", f.before):
        money = [x.unit for x in figs if x.kind == "money"]
        return ("元" if f.unit == "万" else (money[0] if money else "万元"))
    near = sorted((x for x in figs if x is not f and x.kind in ("money", "count")), key=lambda x: abs(x.start - f.start))
    for x in near:
        if f.unit == "万" and x.unit in ("万元", "万人", "万户"):
            return x.unit[1:]
        if f.unit == "" and not x.unit.startswith("万") and x.sentence == f.sentence:
            return x.unit
    if f.unit == "万" and re.search(r"(资金|投资|金额|贷款|收入|发放|补助|万)\s*$", f.before + line[:0]):
        return "元"
    return ""


_ORDINAL_IS = re.compile(r"(?:^|(?<=[。；;：:！!？?\s,，]))([一二三四五六七八九十]{1,2})是")
_HEADINGS = (
    ("cn", re.compile(r"^\s*#*\s*([一二三四五六七八九十]{1,3})\s*、")),
    ("paren_cn", re.compile(r"^\s*#*\s*[（(]\s*([一二三四五六七八九十]{1,3})\s*[）)]")),
    ("arabic", re.compile(r"^\s*#*\s*(\d{1,2})\s*[.．、](?!\d)")),
    ("paren_arabic", re.compile(r"^\s*#*\s*[（(]\s*(\d{1,2})\s*[）)]")),
)


def _unnumbered_heading(line: str) -> bool:
    """A heading without a number (# 2024年工作计划, or a short line without sentence
    punctuation such as 2024年工作计划): it stands above every numbered level."""
    s = line.strip()
    if not s or s.startswith("【表"):
        return False
    if s.startswith("#"):
        s = s.lstrip("#").strip()
        return bool(s) and not any(rx.match(s) for _, rx in _HEADINGS)
    if len(s) > 24 or re.search(r"[。；;，,：:！!？?、]", s) or _ORDINAL_IS.search(s):
        return False
    return not any(rx.match(s) for _, rx in _HEADINGS)


def check_numbering(doc: Doc) -> list[Finding]:
    """Enumerations run 一是 二是 三是 … and headings (一)(二)(三) … without a repeat or a gap.

    Runs are collected first (a heading resets the levels below it and any 一是 run), then
    each run is read in order; after a break, the next item tells which was meant:
    一是 二是 二是 三是 continues from the written 二是, (一)(二)(二)(四) from the fixed (三)."""
    runs: list[list[tuple]] = []
    open_runs: dict[str, list] = {}
    order = [h for h, _ in _HEADINGS]
    for n, line in enumerate(doc.lines, 1):
        if _unnumbered_heading(line):
            open_runs.clear()          # a heading above all numbered levels: everything restarts
            continue
        for level, rx in _HEADINGS:
            m = rx.match(line)
            if not m:
                continue
            v = int(m.group(1)) if level in ("arabic", "paren_arabic") else cn_value(m.group(1))
            start = m.start(1) - (1 if level.startswith("paren") else 0)
            if level not in open_runs:
                open_runs[level] = []
                runs.append(open_runs[level])
            open_runs[level].append((level, v, n, start, m.end()))
            for lower in order[order.index(level) + 1:] + ["is"]:
                open_runs.pop(lower, None)
            break
        for m in _ORDINAL_IS.finditer(line):
            v = cn_value(m.group(1))
            run = open_runs.get("is")
            if v == 1 and run and len(run) == 1 and run[-1][2] == n:
                run.append(("is", v, n, m.start(1), m.end()))     # 一是 … 一是 in one paragraph: a repeat
                continue
            if v == 1 or "is" not in open_runs:
                if v != 1:
                    continue
                open_runs["is"] = []
                runs.append(open_runs["is"])
            open_runs["is"].append(("is", v, n, m.start(1), m.end()))
    out = []
    for run in runs:
        prev = run[0][1]
        for i, (level, v, n, start, end) in enumerate(run[1:], 1):
            if v == prev + 1:
                prev = v
                continue
            exp = _numeral(level, prev + 1)
            what = "重复" if v == prev else ("跳号" if v > prev + 1 else "顺序颠倒")
            line = doc.lines[n - 1]
            if level == "is":
                msg = f"“一是、二是……”的列举{what}：前一项是“{_numeral(level, prev)}”，这里应为“{exp}”"
            else:
                msg = f"标题序号{what}：上一个是{_numeral(level, prev)}，这里应为{exp}"
            out.append(finding("numbering", n, line, start, end, msg, exp))
            nxt = run[i + 1][1] if i + 1 < len(run) else None
            prev = prev + 1 if nxt == prev + 2 else v
    return out


def _cn(v: int) -> str:
    digits = "零一二三四五六七八九"
    if v < 10:
        return digits[v]
    return ("" if v < 20 else digits[v // 10]) + "十" + (digits[v % 10] if v % 10 else "")


def _numeral(level: str, v: int) -> str:
    return {"cn": f"{_cn(v)}、", "paren_cn": f"（{_cn(v)}）", "arabic": f"{v}.", "paren_arabic": f"（{v}）",
            "is": f"{_cn(v)}是"}[level]
