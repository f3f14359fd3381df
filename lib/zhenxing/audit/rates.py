"""Rates, shares, growth and differences of rates (个百分点)."""
from __future__ import annotations

import re
from decimal import Decimal

from zhenxing.audit.grammar import (
    Doc,
    Figure,
    Finding,
    amounts,
    finding,
    fmt,
    fmt_num,
    matches_at_precision,
    pct,
    same_unit,
    usable,
)
from zhenxing.audit.sums import group_total

# --- checks -------------------------------------------------------------------------------

_RATE_WORD = re.compile(r"(率|占比|比重|比例|进度|覆盖面)(为|是|达到|达|约为)?\s*$")
_SHARE = re.compile(r"占(?!比)(?P<den>[^,，。;；占]*?)(的)?\s*$")
_SHARE_WORD = re.compile(r"(占比|比重|比例|所占|占[^,，。;；占]{1,16}?的?(比重|比例)?)(为|是|达到|达)?\s*$")
_TARGET = re.compile(r"(不低于|不少于|不高于|不超过|目标|力争|要|确保|计划|预计|分别|应|争取|以上)")



def check_rates(doc: Doc) -> list[Finding]:
    """A rate (拨付率, 占比, 占…的) against the numerator and denominator stated with it."""
    out = []
    for n, _, fs in doc.sentences():
        line = doc.lines[n - 1]
        for j, p in enumerate(fs):
            if p.kind != "percent" or p.quoted or p.approx:
                continue
            share = _SHARE.search(p.context)
            rate = _RATE_WORD.search(p.before) or _RATE_WORD.search(p.context[-8:])
            if not share and not rate:
                continue
            if _TARGET.search(p.before):
                continue
            # figures stated with it: since the previous percent of the sentence
            k = j - 1
            prior = []
            while k >= 0 and fs[k].kind != "percent":
                if usable(fs[k]) and not _GROWTH.search(fs[k].before):
                    prior.append(fs[k])
                k -= 1
            prior.reverse()
            cross = False
            if not prior and (_SHARE_WORD.search(p.before) or share):
                share = None   # 产业资金占全年资金的比重为60.2%: its amounts in the sentence before
                # 占比为57.3% with its amounts in the sentence before
                prior = [f for f in doc.previous_sentence(n, p.sentence) if usable(f) and not _GROWTH.search(f.before)]
                cross = True
            if not prior:
                continue
            if share:
                # 占[den]的 p%: the numerator is the figure right before 占
                line_share = p.start - len(share.group())
                dens = [f for f in prior if f.start >= line_share]
                nums = [f for f in prior if f.end <= line_share]
                if not nums:
                    continue
                num = nums[-1]
                dens = [f for f in dens if same_unit(f, num)]
                den = dens[0] if dens else group_total(fs, num)
                if num is None or den is None or not same_unit(num, den):
                    continue
                pairs = [(a, b) for a in amounts(num, den.unit) for b in amounts(den, num.unit)
                         if len(amounts(num, den.unit)) == 1 or amounts(num, den.unit).index(a) == amounts(den, num.unit).index(b)]
            else:
                same = [f for f in prior if same_unit(f, prior[-1])]
                if len(same) > 2 or (cross and len(same) == 2):
                    found = _share_of_parts(doc, n, line, p, same, cross)
                    if found is not None:
                        out += found
                    continue
                if len(same) != 2:
                    continue
                a, b = same
                va, vb = amounts(a, b.unit), amounts(b, a.unit)
                pairs = []
                for x, y in zip(va, vb):
                    lo, hi = sorted((x, y))
                    pairs.append((lo, hi) if p.value <= 100 else (hi, lo))
            pairs = [(x, y) for x, y in pairs if y]
            if not pairs:
                continue
            doc.rated.add(id(p))
            trues = [Decimal(x) * 100 / Decimal(y) for x, y in pairs]
            if any(matches_at_precision(p.value, t, p.decimals) for t in trues):
                doc.right("rate", n, p)
                continue
            shown = "、".join(f"{fmt_num(x)}÷{fmt_num(y)}" for x, y in pairs)
            exp = " 或 ".join(pct(t, p.decimals) for t in trues)
            out.append(finding("rate", n, line, p.start, p.end,
                                f"比率{p.raw}与同句所列数字不符：{shown}×100%={exp}", exp))
    return out



def _bare_label(words: str) -> str:
    """The name of a part or of a share's subject: 其中种植业 → 种植业, 种植业资金 → 种植业."""
    words = re.sub(r"^[、，,；;：:\s]*(其中|全年|今年|当年|含)?[:：]?", "", words.strip())
    return re.sub(r"(资金|金额|投入|的|为|是)+$", "", words)


def _share_of_parts(doc: Doc, n: int, line: str, p: Figure, same: list[Figure], cross: bool) -> list[Finding] | None:
    """占比 p against a total (the first figure) and its parts: right when one part gives
    p; otherwise checked against the part its subject words name, if exactly one (or the
    only part of its sentence; never an unnamed part of the sentence before)."""
    total, parts = same[0], same[1:]
    unit = "户" if total.kind == "pair" else total.unit
    trues = [(x, amounts(x, unit)[0] * 100 / amounts(total, unit)[0]) for x in parts if amounts(total, unit)[0]]
    if not trues:
        return None
    doc.rated.add(id(p))
    if any(matches_at_precision(p.value, t, p.decimals) for _, t in trues):
        doc.right("rate", n, p)
        return []
    subject = _bare_label(_SHARE_WORD.sub("", p.before))
    named = [(x, t) for x, t in trues if len(subject) >= 2 and len(_bare_label(x.before)) >= 2 and
             (subject in _bare_label(x.before) or _bare_label(x.before) in subject)]
    if len(named) != 1 and len(trues) == 1 and not cross:
        named = trues
    if len(named) != 1:
        return None
    x, t = named[0]
    exp = pct(t, p.decimals)
    return [finding("rate", n, line, p.start, p.end,
                     f"比率{p.raw}与所列数字不符：{fmt_num(amounts(x, unit)[0])}÷{fmt_num(amounts(total, unit)[0])}×100%={exp}", exp)]


_GROWTH = re.compile(r"(同比|较上年|比上年|较去年|比去年|较\d{4}年|比\d{4}年)?(增长|增加|提高|上升|下降|减少|降低|增幅为?|增速为?)(了|为|达)?\s*$")
_PREV = re.compile(r"(去年|上年|上一年|同期|前一年|\d{4}年底?|由)")
_RATE_SUBJECT = re.compile(r"(率|增速|增幅|占比|比重|比例|进度)")


def check_growth(doc: Doc) -> list[Finding]:
    """Growth (同比增长 x%, 较上年增加 n人) against last year's and this year's figures."""
    out = []
    for n, _, fs in doc.sentences():
        line = doc.lines[n - 1]
        for j, g in enumerate(fs):
            m = _GROWTH.search(g.before)
            if not m or g.approx or g.quoted or _TARGET.search(g.before) or _RATE_SUBJECT.search(g.context[-12:] if False else g.before):
                continue
            if g.kind not in ("percent", "count", "money", "pair"):
                continue
            prior = [f for f in fs[:j] if usable(f) and not _GROWTH.search(f.before)]
            if g.kind != "percent":
                prior = [f for f in prior if f.unit == g.unit]
            else:
                if not prior:
                    continue
                prior = [f for f in prior if f.unit == prior[-1].unit]
            if len(prior) != 2:
                continue
            a, b = prior
            if "由" in a.before or _PREV.search(a.before) and not _PREV.search(b.before):
                prev, cur = a, b
            elif _PREV.search(b.before) and not _PREV.search(a.before):
                prev, cur = b, a
            else:
                continue
            if "年" in (_PREV.search(prev.before) or _PREV.search("由")).group() and not re.search(r"(去年|上年)", prev.before):
                # two years named: the later one is this year
                ya = re.search(r"(\d{4})年", prev.before)
                yb = re.search(r"(\d{4})年", cur.before)
                if ya and yb and int(ya.group(1)) > int(yb.group(1)):
                    prev, cur = cur, prev
            down = m.group(2) in ("下降", "减少", "降低")
            sign = -1 if down else 1
            if g.kind == "percent":
                if not prev.value:
                    continue
                true = (cur.value - prev.value) * 100 / prev.value * sign
                if matches_at_precision(g.value, true, g.decimals):
                    doc.right("rate", n, g)
                    continue
                exp = pct(true, g.decimals)
                if true < 0:
                    exp = f"{'增长' if down else '下降'}{pct(-true, g.decimals)}"
                out.append(finding("rate", n, line, g.start, g.end,
                                    f"增减幅度{g.raw}与所列两年数字不符：({fmt_num(cur.value)}-{fmt_num(prev.value)})÷{fmt_num(prev.value)}×100%={pct((cur.value - prev.value) * 100 / prev.value, g.decimals)}",
                                    exp))
            else:
                true = (cur.value - prev.value) * sign
                if true == g.value:
                    doc.right("sum", n, g)
                    continue
                exp = fmt(abs(true), g.unit)
                out.append(finding("sum", n, line, g.start, g.end,
                                    f"增减数{g.raw}与所列两年数字不符：{fmt_num(cur.value)}-{fmt_num(prev.value)}={fmt_num(cur.value - prev.value)}",
                                    exp))
    return out


_DIFF_VERB = re.compile(r"(?<!不)(高于|低于|高出|低出|快于|慢于|提高了?|提升了?|下降了?|上升了?|降低了?|增加了?|减少了?|回落了?|增长了?)(?P<obj>[^,，。;；]*?)\s*$")
_CHANGE_ONLY = re.compile(r"(?<!不)(比\S*?[高低]|高于|低于|高出|低出|快于|慢于|提高|提升|下降|上升|降低|增加|减少|回落|增长|增幅|降幅|差距缩小|缩小)(了|为|达)?(?P<obj>[^,，。;；]{0,16}?)\s*$")


def _rates_around(doc: Doc, n: int, p: Figure) -> list[Figure]:
    """The percents stated before p in its sentence and in the sentence before."""
    same = [f for f in doc.figs[n - 1] if f.sentence == p.sentence and f.kind == "percent" and f.end <= p.start]
    prev = [f for f in doc.previous_sentence(n, p.sentence) if f.kind == "percent"]
    return [f for f in same + prev if not f.quoted and f.value is not None]


def _is_difference(p: Figure, rates: list[Figure]) -> bool:
    """P equals the difference of two stated rates."""
    for i, a in enumerate(rates):
        for b in rates[i + 1:]:
            d = abs(a.value - b.value)
            if d and matches_at_precision(p.value, d, p.decimals):
                return True
    return False


def check_points(doc: Doc) -> list[Finding]:
    """A difference of two rates is written in 个百分点, not %: a change of a rate (拨付率较上年
    提高12.5%), or a stated figure equal to the difference of two rates of the same or the
    previous sentence (由52.1%提高到54.8%，提高2.7%; 高于全县增速（8.7%）3.9%)."""
    out = []
    for n, figs in enumerate(doc.figs, 1):
        line = doc.lines[n - 1]
        for p in figs:
            if p.kind != "percent" or p.quoted or id(p) in doc.rated:
                continue
            if line[p.end:p.end + 1] in ("到", "至") or re.match(r"\s*的", line[p.end:]):
                continue
            flagged = False
            clause = re.split(r"[,，;；:：]", re.sub(r"[（(][^（()）]*[)）]", "", p.context))[-1]
            if _CHANGE_ONLY.search(clause) and _is_difference(p, _rates_around(doc, n, p)):
                flagged = True
            m = _DIFF_VERB.search(p.before)
            if m and not flagged:
                subject = p.before[:m.start()]
                verb = m.group(1)
                if verb.startswith(("高于", "低于", "高出", "低出", "快于", "慢于")):
                    flagged = bool(_RATE_SUBJECT.search(m.group("obj")) and _RATE_SUBJECT.search(subject + p.context[-20:]))
                else:
                    flagged = bool(_RATE_SUBJECT.search(subject) and "到" not in m.group("obj"))
            if not flagged:
                continue
            exp = f"{fmt_num(p.value)}个百分点"
            core = re.match(r"\S+?[%％]", p.raw).group()
            out.append(finding("unit", n, line, p.start, p.start + len(core),
                                f"两个比率之差应以“个百分点”表示，不能写作“{core}”", exp))
    return out
