"""其中 lists and their totals."""
from __future__ import annotations

import re

from zhenxing.audit.grammar import Doc, Figure, Finding, finding, fmt, fmt_num, same_unit, usable


def group_total(fs: list[Figure], part: Figure) -> Figure | None:
    """The total a 其中 part belongs to: the last same-unit figure before 其中."""
    idx = fs.index(part)
    for k in range(idx, -1, -1):
        if "其中" in fs[k].before or (k < idx and "其中" in fs[k + 1].context[len(fs[k].context):]):
            for t in range(k - 1, -1, -1):
                if usable(fs[t]) and same_unit(fs[t], part):
                    return fs[t]
            return None
    return None


CLOSED_SETS = (
    ("脱贫不稳定", "边缘易致贫", "突发严重困难"),
    ("县内", "县外"),
    ("县内", "省内县外", "省外"),
    ("县内", "县外省内", "省外"),
    ("省内", "省外"),
    ("男", "女"),
    ("城镇", "农村"),
    ("已消除", "未消除"),
    ("已开工", "未开工"),
    ("已完工", "未完工"),
    ("集中", "分散"),
)
_REMAINDER = re.compile(r"(其他|其它|其余|剩余|另有)")


def exhaustive(labels: list[str], sentence_before: list[Figure]) -> bool:
    """Do these 其中 parts add up to the total? See the module's docstring for the rule."""
    if len(labels) < 2:
        return False
    if _REMAINDER.search(labels[-1]):
        return True
    for s in CLOSED_SETS:
        if all(any(m in lab and not (m == "县外" and "省内县外" in lab) for lab in labels) for m in s):
            # a partial-looking label like 省外 inside 省内县外 must not count twice
            return True
    tails = {lab.strip()[-1:] for lab in labels}
    if len(tails) == 1 and tails <= {"村", "镇", "乡"} and all(len(l.strip()) >= 2 for l in labels):
        tail = next(iter(tails))
        for f in sentence_before:
            if f.kind in ("count", "cn") and (f.unit == tail or (f.unit == "个" and f.after[:1] == tail)) \
                    and f.value == len(labels):
                return True
    return False


def _part_label(f: Figure) -> str:
    b = re.sub(r"^(其中|含|包括)[:：]?", "", f.before.strip())
    return b


def _depths(line: str, fs: list[Figure]) -> list[int]:
    """How deep in parentheses each figure stands."""
    out, depth, pos = [], 0, 0
    for f in fs:
        for c in line[pos:f.start]:
            depth += 1 if c in "（(" else -1 if c in "）)" and depth else 0
        out.append(depth)
        pos = f.start
    return out


def _list_end(line: str, fs: list[Figure], k: int, depth: list[int]) -> int:
    """Where the list that starts at figure k ends: at a ； or, for a list joined by 、, at a ，."""
    joined_by_dun = False
    for m in range(k + 1, len(fs)):
        if depth[m] > depth[k]:
            continue
        sep = line[fs[m - 1].end:fs[m].start]
        sep = re.sub(r"[（(][^（()）]*[)）]", "", sep)
        if depth[m] < depth[k] or re.search(r"[；;。]", sep) or (joined_by_dun and re.search(r"[，,]", sep)):
            return m
        if "、" in sep and not re.search(r"[，,]", sep):
            joined_by_dun = True
    return len(fs)


def _statements(doc: Doc):
    """(line, figures) of every sentence ended by 。！？: a list may run on past a ；."""
    for n, figs in enumerate(doc.figs, 1):
        line, group = doc.lines[n - 1], []
        for f in figs:
            if group and re.search(r"[。！!？?]", line[group[-1].end:f.start]):
                yield n, group
                group = []
            group.append(f)
        if group:
            yield n, group


def check_sums(doc: Doc) -> list[Finding]:
    """Parts against their total, where the parts are exhaustive. A sentence's breakdowns
    are read as a tree: the parts of a 其中 are the figures at its own depth of parentheses;
    a parenthesis right after a figure (未消除风险37户118人（A类…、B类…）) is a breakdown of
    that figure, not more parts of the whole; a second 其中 breaks down the figure before it."""
    out = []
    for n, fs in _statements(doc):
        line = doc.lines[n - 1]
        depth = _depths(line, fs)
        starts = [j for j, f in enumerate(fs) if "其中" in f.before or
                  (j > 0 and "其中" in line[fs[j - 1].end:f.start])]
        for j in starts:
            first = fs[j]
            if not usable(first):
                continue
            total = None
            for t in range(j - 1, -1, -1):
                if usable(fs[t]) and same_unit(fs[t], first) and fs[t].unit == first.unit and depth[t] <= depth[j]:
                    total = fs[t]
                    break
            if total is None:
                continue
            nested = any(s < j and depth[s] == depth[j] for s in starts)
            end = _list_end(line, fs, j, depth) if nested else len(fs)
            parts, skip_to = [], -1
            for k in range(j, end):
                f = fs[k]
                if depth[k] < depth[j]:
                    break
                if k > j and k != skip_to and depth[k] == depth[j] and re.search(r"[；;]", line[fs[k - 1].end:f.start]):
                    break                      # a ； ends a list, unless it ends a list within it
                if k != j and k in starts and depth[k] == depth[j]:
                    if not parts or parts[-1] is not fs[k - 1]:
                        break
                    skip_to = _list_end(line, fs, k, depth)     # a 其中 of the part before: its own list
                if k < skip_to or depth[k] > depth[j] or f.kind == "percent":
                    continue
                if not usable(f) or f.unit != first.unit:
                    if f.unit != first.unit and f.kind in ("money", "count") and f.unit not in ("万元", "元"):
                        break
                    continue
                parts.append(f)
            out += _check_group(doc, n, line, fs, total, parts, "“其中”所列")
        # a parenthesis right after a figure: a breakdown of that figure
        for t, total in enumerate(fs):
            if not usable(total) or not re.match(r"\s*[（(]", line[total.end:]):
                continue
            parts = []
            for k in range(t + 1, len(fs)):
                if depth[k] <= depth[t]:
                    break
                f = fs[k]
                if depth[k] == depth[t] + 1 and usable(f) and f.unit == total.unit and "其中" not in f.before:
                    parts.append(f)
            if len(parts) >= 2:
                out += _check_group(doc, n, line, fs, total, parts, "括号内所列")
    return out


def _check_group(doc: Doc, n: int, line: str, fs: list[Figure], total: Figure, parts: list[Figure],
                 where: str) -> list[Finding]:
    labels = [_part_label(f) for f in parts]
    if not parts:
        return []
    hs = sum(f.value for f in parts)
    if hs == total.value and (total.kind != "pair" or sum(f.persons for f in parts) == total.persons):
        doc.right("sum", n, total)
        return []
    if not exhaustive(labels, [f for f in fs if f.end <= total.start + 1 or f is total]):
        return []
    if total.kind == "pair":
        ps = sum(f.persons for f in parts)
        exp = f"{fmt_num(hs)}户{fmt_num(ps)}人"
        terms = "+".join(f"{f.value}户{f.persons}人" for f in parts)
    else:
        exp = fmt(hs, total.unit)
        terms = "+".join(fmt_num(f.value) for f in parts)
    # a closed set may sit beside an extra breakdown (扶贫车间 within 县内): its members alone may add up
    members = [f for f, lab in zip(parts, labels) if any(m in lab for s in CLOSED_SETS for m in s)]
    if members and len(members) < len(parts) and sum(f.value for f in members) == total.value and (
            total.kind != "pair" or sum(f.persons for f in members) == total.persons):
        doc.right("sum", n, total)
        return []
    return [finding("sum", n, line, total.start, total.end,
                     f"{where}{len(parts)}项合计{exp}（{terms}），与总数{total.raw}不符", exp)]
