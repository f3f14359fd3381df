"""One quantity stated twice with different values."""
from __future__ import annotations

import re
from zhenxing.audit.grammar import Doc, Figure, Finding, _finding, _usable

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


def check_inconsistent(doc: Doc) -> list[Finding]:
    """One quantity stated twice with different values (same subject words, same unit)."""
    out = []
    seen: dict[tuple, tuple[int, Figure]] = {}
    for n, figs in enumerate(doc.figs, 1):
        prev = None
        for f in figs:
            p, prev = prev, f
            if not _usable(f) or f.kind not in ("count", "money", "pair"):
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
                    out.append(_finding("inconsistent", n, line, f.start, f.end,
                                        f"“{key}”在第{n0}行写作{f0.raw}，此处写作{f.raw}，前后不一致", f0.raw))
                continue
            seen[k] = (n, f)
    return out
