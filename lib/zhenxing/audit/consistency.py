"""One quantity stated twice with different values.

Two ways to know that two figures count the same thing:
- a known subject (脱贫户, 监测对象/监测户, 搬迁群众/易地扶贫搬迁户, 劳动力 …), recognised
  whether it stands before the number (脱贫户912户), after it (912户脱贫户) or in an earlier
  clause of the sentence (安置搬迁群众，…，共38户152人), with the words that narrow it (新增,
  已消除, a village, a year, 上年 …) as part of the key; households and persons are compared
  separately, so 2416户7803人 and 2461户脱贫户 are two values of one quantity;
- otherwise, the same subject words right before the number and the same unit."""
from __future__ import annotations

import re

from zhenxing.audit.grammar import Doc, Figure, Finding, finding, fmt_num, usable

_LEAD = re.compile(r"^(有|全年|今年|当年|本年度|年内|目前|现|截至目前|截至年底|截至\S{1,6}[底末]|累计|共计|合计|总计|共|其中|已|现有|全乡|全镇|我乡|我镇|全县)+")
_TRAIL = re.compile(r"(共计|合计|累计|总计|共有|共|计|为|是|达到|达|有|约|近|超过|实现|完成)+$")


def _label(f: Figure) -> str:
    return _TRAIL.sub("", _LEAD.sub("", f.before.strip(" 、,，:：")))


def _key(f: Figure, prev: Figure | None) -> str:
    """What a figure counts: its own subject words, prefixed with the previous figure's
    when it follows one in the same sentence (临时救助24户42人，发放救助金9.05万元)."""
    own = _label(f)
    if prev is not None and prev.sentence == f.sentence:
        return _label(prev) + "|" + own
    return own


SUBJECTS = (
    ("脱贫户", r"建档立卡脱贫户|脱贫户|脱贫人口|脱贫群众"),
    ("监测对象", r"防返贫监测对象|监测对象|监测户|纳入监测的?农户"),
    ("搬迁群众", r"易地扶贫搬迁户|易地扶贫搬迁群众|易地搬迁户|易地搬迁群众|搬迁群众|搬迁户|搬迁人口"),
    ("脱贫劳动力", r"脱贫劳动力"),
    ("劳动力", r"劳动力"),
    ("低保对象", r"低保对象|低保户|低保人员"),
    ("特困人员", r"特困供养人员|特困人员|特困供养对象"),
)
_SUBJECT_RE = re.compile("|".join(f"(?P<s{i}>{rx})" for i, (_, rx) in enumerate(SUBJECTS)))
# words that narrow a subject to a part of it, a place or a period
_SCOPE = re.compile(r"(搬迁|新增|新识别|新纳入|今年新|本年新|当年新|年内新|风险已消除|已消除|消除风险|风险消除|未消除|尚未消除|返贫|致贫|"
                    r"有劳动能力|无劳动能力|弱劳动|半劳动|务工|外出|就业|享受|发放|帮扶|贷款|参保|低保|特困|残疾|患病|大病|"
                    r"上年|去年|同期|上半年|下半年|季度|\d{1,2}月|\d{4}年|其中|[A-Da-d]类|一类|二类|三类|脱贫不稳定|边缘易致贫|"
                    r"突发严重困难|集中|分散|县内|县外|省内|省外|城镇|农村户籍|[\u4e00-\u9fff]{2}(?<!农|乡|政|各|个|该|全)村)")
_NEUTRAL_CLAUSE = re.compile(r"^(共|共计|合计|总计|累计|计|涉及|覆盖|惠及|达到?|为|有|共有|现有|总数为?|规模为?|)$")


def _subject_in(text: str) -> tuple[str, int, int] | None:
    """The last known subject in `text`: (canonical name, start, end)."""
    last = None
    for m in _SUBJECT_RE.finditer(text):
        name = next(SUBJECTS[int(k[1:])][0] for k, v in m.groupdict().items() if v)
        last = (name, m.start(), m.end())
    return last


def _scope(text: str) -> frozenset:
    words = set()
    for m in _SCOPE.finditer(text):
        w = m.group()
        words.add({"风险已消除": "已消除", "消除风险": "已消除", "风险消除": "已消除", "尚未消除": "未消除",
                   "新识别": "新增", "新纳入": "新增", "去年": "上年"}.get(w, w))
    return frozenset(words)


def subject_key(doc: Doc, n: int, f: Figure) -> tuple[str, frozenset] | None:
    """(subject, the words that narrow it) of a 户/人 figure, or None."""
    line = doc.lines[n - 1]
    if f.kind not in ("pair", "count") or f.unit not in ("户人", "户", "人", "名"):
        return None
    if _in_parentheses(line, f.start) or "其中" in f.context:
        return None
    after = _SUBJECT_RE.match(line[f.end:f.end + 12])
    if len({m.group() for m in _SUBJECT_RE.finditer(f.before)} | ({after.group()} if after else set())) > 1:
        return None                    # 脱贫人口和监测对象82人: a sum of two subjects
    own = _subject_in(f.before)
    if own:
        return own[0], _scope(f.before[:own[1]] + f.before[own[2]:])
    if after:
        name = _subject_in(after.group())[0]
        return name, _scope(f.before)
    clause = f.before.strip(" ，,、")
    if _NEUTRAL_CLAUSE.match(clause):
        earlier = _subject_in(f.context[:len(f.context) - len(f.before)])
        if earlier and not any(g.end <= f.start and g.start >= 0 and g.kind in ("pair", "count") and g.sentence == f.sentence
                               and g.start > _pos_in_line(line, f, earlier[2]) for g in doc.figs[n - 1]):
            ctx = f.context[:len(f.context) - len(f.before)]
            clause_start = max(ctx.rfind(c, 0, earlier[1]) for c in "，,；;：:") + 1
            clause_end = min([i for i in (ctx.find(c, earlier[2]) for c in "，,；;：:") if i >= 0] or [len(ctx)])
            return earlier[0], _scope(ctx[clause_start:earlier[1]] + ctx[earlier[2]:clause_end])
    return None


def _pos_in_line(line: str, f: Figure, offset_in_context: int) -> int:
    return f.start - len(f.context) + offset_in_context


def _in_parentheses(line: str, pos: int) -> bool:
    depth = 0
    for c in line[:pos]:
        depth += 1 if c in "（(" else -1 if c in "）)" and depth else 0
    return depth > 0


def _values(f: Figure) -> list[tuple[str, object]]:
    if f.kind == "pair":
        return [("户", f.value), ("人", f.persons)]
    return [("人" if f.unit == "名" else f.unit, f.value)]


def check_inconsistent(doc: Doc) -> list[Finding]:
    """One quantity stated twice with different values (same subject words, same unit)."""
    out = []
    seen: dict[tuple, tuple[int, Figure]] = {}
    by_subject: dict[tuple, tuple[int, Figure]] = {}
    for n, figs in enumerate(doc.figs, 1):
        prev = None
        for f in figs:
            p, prev = prev, f
            if not usable(f) or f.kind not in ("count", "money", "pair"):
                continue
            sk = subject_key(doc, n, f)
            if sk is not None:
                out += _against_subject(doc, n, f, sk, by_subject)
                continue
            key = _key(f, p)
            if len(key.split("|")[-1]) < 2 or len(key) < 3 or re.search(r"(其中|新增|增加|减少|下降|增长|提高|去年|上年|上半年|下半年|季度|月)", f.context):
                continue
            k = (key, f.unit)
            if k in seen:
                n0, f0 = seen[k]
                same = f0.value == f.value and (f.kind != "pair" or f0.persons == f.persons)
                if not same:
                    line = doc.lines[n - 1]
                    out.append(finding("inconsistent", n, line, f.start, f.end,
                                        f"“{key}”在第{n0}行写作{f0.raw}，此处写作{f.raw}，前后不一致", f0.raw))
                continue
            seen[k] = (n, f)
    return out


def _against_subject(doc: Doc, n: int, f: Figure, sk: tuple, seen: dict) -> list[Finding]:
    out = []
    subject, scope = sk
    for unit, value in _values(f):
        k = (subject, scope, unit)
        if k not in seen:
            seen[k] = (n, f, value)
            continue
        n0, f0, v0 = seen[k]
        if v0 == value:
            doc.right("inconsistent", n, f)
            continue
        narrowed = ("、".join(sorted(scope)) + "的") if scope else ""
        out.append(finding("inconsistent", n, doc.lines[n - 1], f.start, f.end,
                            f"{narrowed}{subject}在第{n0}行为{fmt_num(v0)}{unit}（{f0.raw}），此处为{fmt_num(value)}{unit}，前后不一致",
                            f0.raw if f0.kind == f.kind == "pair" else f"{fmt_num(v0)}{unit}"))
        break
    return out
