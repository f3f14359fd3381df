"""The grammar of figures: tokens, typed figures with their spans, and the parsed text (`Doc`)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from zhenxing.data.contract import mask_text

KINDS = ("rate", "sum", "inconsistent", "unit", "malformed_number", "numbering", "data")


@dataclass
class Finding:
    kind: str
    line: int
    quote: str
    message: str
    expected: str
    start: int = field(default=-1, repr=False)   # span of the quote in its line (for --html)
    end: int = field(default=-1, repr=False)

    def public(self) -> dict:
        return {"kind": self.kind, "line": self.line, "quote": mask_text(self.quote),
                "message": mask_text(self.message), "expected": mask_text(self.expected)}


# --- tokens -------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<num>(?:\d{1,3}(?:[,，]\d{3})+|\d+)(?:[.．。]\d+)?)
  | (?P<cn>[零〇一二两三四五六七八九十百千]+)
  | (?P<qopen>[“‘《「『])
  | (?P<qclose>[”’》」』])
  | (?P<stop>[。；;！!？?])
  | (?P<comma>[,，、:：])
  | (?P<text>[^\d零〇一二两三四五六七八九十百千“‘《「『”’》」』。；;！!？?,，、:：]+)
""", re.X)


@dataclass
class Token:
    kind: str
    text: str
    start: int
    end: int
    quoted: bool = False


def tokenize(line: str) -> list[Token]:
    out, depth, ascii_q = [], 0, False
    for m in _TOKEN.finditer(line):
        kind = m.lastgroup
        if kind == "qopen":
            depth += 1
        elif kind == "qclose":
            depth = max(depth - 1, 0)
        elif kind == "text" and '"' in m.group():
            ascii_q = not ascii_q if m.group().count('"') % 2 else ascii_q
        out.append(Token(kind, m.group(), m.start(), m.end(), depth > 0 or ascii_q))
    return out


# --- figures (the grammar's rules) ----------------------------------------------------

# measure words after a number, longest first
_UNITS = ("个百分点", "百分点", "万元", "亿元", "万人次", "人次", "户次", "万人", "万户", "平方米", "平方公里", "公里",
          "千米", "公斤", "场次", "余人", "元", "户", "人", "名", "位", "个", "项", "次", "场", "期", "轮", "批", "份",
          "处", "台", "辆", "所", "家", "座", "条", "件", "套", "间", "张", "笔", "起", "例", "天", "周", "亩", "株",
          "盒", "吨", "斤", "头", "只", "羽", "盏", "本", "册", "篇", "支", "种", "类", "村", "组", "米", "倍", "岁",
          "年", "字", "小时", "分", "片", "棵", "箱", "袋", "块", "根", "栋", "对", "门", "课", "班", "级", "季", "届", "节",
          "方", "度", "斤", "包", "所", "眼", "口", "宗", "单", "户数", "%", "％", "‰")
_UNIT_RE = "|".join(re.escape(u) for u in sorted(set(_UNITS), key=len, reverse=True))
_AFTER = re.compile(rf"\s?(?P<mag>万|亿|千)?(?P<ap1>余|多)?(?P<unit>{_UNIT_RE})?(?P<per>/(?:年|月|人|户|天|亩|次|个|人·月|人月))?"
                    r"(?P<ap2>余|多|以上|以下|左右)?")
_CN_CLASSIFIERS = "个项户人名位轮期次场批家所条处类村大方面级"
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_APPROX_BEFORE = re.compile(r"(约|近|超过|超|逾|大约|大概|将近|不少于|不低于|不高于|不超过|达到|力争)\s*$")


def cn_value(s: str) -> int | None:
    """Value of a Chinese numeral up to 9999 (三, 十二, 二十五, 一百零八), or None."""
    if not s or any(c not in _CN_DIGITS and c not in "十百千" for c in s):
        return None
    total, cur = 0, 0
    for c in s:
        if c in _CN_DIGITS:
            cur = _CN_DIGITS[c]
        else:
            mult = {"十": 10, "百": 100, "千": 1000}[c]
            total += (cur or 1) * mult
            cur = 0
    return total + cur


@dataclass
class Figure:
    kind: str            # count, money, percent, points, pair, date, cn, bare, marker
    value: Decimal | None
    unit: str
    start: int
    end: int
    raw: str
    before: str = ""     # the clause text before the figure (since the last figure or comma)
    context: str = ""    # sentence text before the figure
    persons: Decimal | None = None   # for 户/人 pairs
    decimals: int = 0
    approx: bool = False
    quoted: bool = False
    after: str = ""      # the words right after (3个村: 村)
    malformed: str = ""  # why its writing is wrong, with `fixed` the right way
    fixed: str = ""
    sentence: int = 0

    @property
    def households(self) -> Decimal | None:
        return self.value if self.kind == "pair" else None

    def show(self, value: Decimal | None = None) -> str:
        return fmt(self.value if value is None else value, self.unit)


def _dec(s: str) -> tuple[Decimal, int, str, str]:
    """Value, written decimals, and (if malformed) why and the fixed writing."""
    why, fixed = "", s
    if "。" in s or "．" in s:
        fixed = s.replace("。", ".").replace("．", ".")
        why = "用“。”作小数点" if "。" in s else "用全角“．”作小数点"
    if "," in s or "，" in s:
        fixed = fixed.replace(",", "").replace("，", "")
        why = why or "数字中用了千位分隔符（中文行文不用）"
    d = Decimal(fixed)
    return d, (len(fixed.split(".")[1]) if "." in fixed else 0), why, fixed


def figures(line: str) -> list[Figure]:
    """Every figure of one line, typed, with its span."""
    toks = tokenize(line)
    figs: list[Figure] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "num":
            f = _rule_number(line, toks, i)
            if f is not None:
                f.quoted = t.quoted
                figs.append(f)
                # skip the tokens the figure covered
                while i + 1 < len(toks) and toks[i + 1].start < f.end:
                    i += 1
        elif t.kind == "cn" and not t.quoted:
            f = _rule_cn(line, t)
            if f is not None:
                figs.append(f)
        i += 1
    _attach_context(line, figs)
    return figs


def _rule_number(line: str, toks: list[Token], i: int) -> Figure | None:
    t = toks[i]
    s, e = t.start, t.end
    rest = line[e:]
    text = t.text
    # an anonymised digit run (20xx年) or a name (“351”, 1+1+X, G214) is no figure
    prev_char = line[s - 1:s] if s else ""
    if rest[:1] in ("x", "X", "×", "+") or (prev_char and prev_char in "+第GSXYg/"):
        return Figure("marker", None, "", s, e, text)
    # a '。' decimal point is only read as one when a measure word (not 月/日) follows the digits
    if "。" in text:
        m = _AFTER.match(rest)
        if not m or not (m.group("unit") or m.group("mag")) or (m.group("unit") or "") in ("年",):
            text = text.split("。")[0]
            e = s + len(text)
            rest = line[e:]
    try:
        value, decimals, why, fixed = _dec(text)
    except InvalidOperation:
        return None
    # section markers: "1." "1、" "(1)" at the start of a line
    head = line[:s].strip()
    if head in ("", "(", "（", "#", "##", "###", "-", "*") and re.match(r"\s?[.．、)）]", rest) and not re.match(r"[.．]\d", rest):
        return Figure("marker", value, "", s, e + 1, line[s:e + 1])
    # dates: 2023年5月19日, 12月28日, 2023年, 11月底
    m = re.match(r"(年(?:\d{1,2}月(?:\d{1,2}日)?)?|月(?:\d{1,2}日)?|日)", rest)
    if m and decimals == 0 and not why:
        unit0 = m.group()[0]
        if (unit0 == "年" and 1900 <= value <= 2100) or (unit0 == "月" and 1 <= value <= 12) or (unit0 == "日" and 1 <= value <= 31):
            return Figure("date", value, "date", s, e + m.end(), line[s:e + m.end()])
    if re.match(r"\s?[-–—~～至到]\s?\d", rest):          # a range: 3-5个, 2022—2024年
        m2 = re.match(r"\s?[-–—~～至到]\s?\d+(?:\.\d+)?", rest)
        e2 = e + m2.end()
        m = _AFTER.match(line[e2:])
        return Figure("marker", value, (m.group("unit") or "") if m else "", s, e2 + (m.end() if m else 0), line[s:e2 + (m.end() if m else 0)])
    m = _AFTER.match(rest)
    mag, unit = m.group("mag"), m.group("unit")
    approx = bool(m.group("ap1") or m.group("ap2")) or bool(_APPROX_BEFORE.search(line[:s]))
    end = e + m.end()
    if mag and not unit:
        # 400万 without 元: a number without its unit
        raw = line[s:e + len(mag)]
        f = Figure("bare", value * 10000, "万", s, e + len(mag) + (1 if m.group("ap1") else 0), raw, decimals=decimals, approx=approx)
        f.malformed, f.fixed = "数字后只有“万”，缺少单位", raw
        return _fix(f, why, fixed, mag)
    if not unit:
        if m.group("per"):
            unit = ""
        f = Figure("bare", value, "", s, e, line[s:e], decimals=decimals)
        return _fix(f, why, fixed, "")
    if unit in ("%", "％"):
        kind = "percent"
        unit = "%"
    elif unit in ("个百分点", "百分点"):
        kind = "points"
    elif unit == "万元" or unit == "亿元" or unit == "元":
        kind = "money"
    else:
        kind = "count"
    if mag == "万" and unit != "元":
        unit = "万" + unit if unit in ("人", "户", "人次", "元") else unit
    if mag == "万" and unit == "元":
        unit, kind = "万元", "money"
    f = Figure(kind, value, unit + (m.group("per") or ""), s, end, line[s:end], decimals=decimals, approx=approx)
    # 户/人 pair: 7户19人
    if unit == "户" and not m.group("per"):
        mp = re.match(r"(\d+)(万)?人", line[end:])
        if mp and not m.group("ap2"):
            p = Decimal(mp.group(1)) * (10000 if mp.group(2) else 1)
            f = Figure("pair", value, "户人", s, end + mp.end(), line[s:end + mp.end()], persons=p, approx=approx)
    return _fix(f, why, fixed, line[e:f.end])


def _fix(f: Figure, why: str, fixed: str, tail: str) -> Figure:
    if why:
        f.malformed = why
        f.fixed = fixed + tail
    return f


def _rule_cn(line: str, t: Token) -> Figure | None:
    nxt = line[t.end:t.end + 1]
    if not nxt or nxt not in _CN_CLASSIFIERS:
        return None
    if nxt == "是" or line[max(0, t.start - 1):t.start] in ("第", "统", "唯", "之"):
        return None
    v = cn_value(t.text)
    if v is None:
        return None
    return Figure("cn", Decimal(v), nxt, t.start, t.end + 1, line[t.start:t.end + 1])


_CLAUSE_BREAK = re.compile(r"[,，:：;；。(（)）]")


def _attach_context(line: str, figs: list[Figure]) -> None:
    prev_end, sent, sent_start = 0, 0, 0
    for f in figs:
        gap = line[prev_end:f.start]
        if re.search(r"[。；;！!？?]", gap):
            sent += 1
            sent_start = prev_end + max(gap.rfind(c) for c in "。；;！!？?") + 1
        f.sentence = sent
        f.context = line[sent_start:f.start]
        clause = line[prev_end:f.start]
        cut = max((m.end() for m in _CLAUSE_BREAK.finditer(clause)), default=0)
        f.before = clause[cut:]
        f.after = line[f.end:f.end + 4]
        prev_end = f.end


# --- helpers ----------------------------------------------------------------------------

def round_to(x: Decimal, decimals: int, mode=ROUND_HALF_UP) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-decimals), rounding=mode)


def fmt_num(x: Decimal, decimals: int | None = None) -> str:
    if decimals is not None:
        return str(round_to(x, decimals))
    s = format(x.normalize(), "f")
    return s


def fmt(x: Decimal | None, unit: str) -> str:
    if x is None:
        return ""
    if unit == "万元":
        return fmt_num(round_to(x, 6).normalize()) + "万元"
    return fmt_num(x) + unit


def matches_at_precision(stated: Decimal, true: Decimal, decimals: int) -> bool:
    """A stated figure is right when it is its true value rounded (half up) or cut off at
    the written number of decimals."""
    return stated in (round_to(true, decimals), round_to(true, decimals, ROUND_DOWN))


def pct(x: Decimal, decimals: int = 2) -> str:
    return f"{round_to(x, max(decimals, 2))}%"


@dataclass
class Doc:
    lines: list[str]
    figs: list[list[Figure]]
    verified: list[tuple[str, int, str]] = field(default_factory=list)   # relations checked and found right
    tables: list = field(default_factory=list)     # reading.Table of a .docx
    rated: set = field(default_factory=set)        # ids of the percents a rate check has read
    _seq: list | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, lines: list[str], tables: list | tuple = ()) -> "Doc":
        """Parse the text; the lines that show a .docx table's rows are left to the table checks."""
        in_table = {n for t in tables for n in t.row_lines}
        return cls(lines, [[] if n in in_table else figures(l) for n, l in enumerate(lines, 1)], tables=list(tables))

    def right(self, kind: str, n: int, f: Figure) -> None:
        self.verified.append((kind, n, f.raw))

    def sentence_list(self) -> list[tuple[int, int, list[Figure]]]:
        """Every sentence with figures, in the order of the text."""
        if self._seq is None:
            self._seq = list(self.sentences())
        return self._seq

    def previous_sentence(self, n: int, k: int) -> list[Figure]:
        """The figures of the sentence before sentence k of line n, when it is in the same
        or the previous non-empty line."""
        seq = self.sentence_list()
        idx = next((i for i, (m, kk, _) in enumerate(seq) if (m, kk) == (n, k)), None)
        if not idx:
            return []
        m, _, fs = seq[idx - 1]
        if m == n or not any(self.lines[i].strip() for i in range(m, n - 1)):
            return fs
        return []

    def sentences(self):
        """(line number, sentence index, figures) for every sentence with figures."""
        for n, figs in enumerate(self.figs, 1):
            by: dict[int, list[Figure]] = {}
            for f in figs:
                by.setdefault(f.sentence, []).append(f)
            for k, fs in by.items():
                yield n, k, fs


def finding(kind: str, n: int, line: str, start: int, end: int, message: str, expected: str) -> Finding:
    return Finding(kind, n, line[start:end], message, expected, start, end)


def usable(f: Figure) -> bool:
    return f.kind in ("count", "money", "pair") and not f.approx and not f.quoted and "/" not in f.unit


def same_unit(a: Figure, b: Figure) -> bool:
    return a.unit == b.unit or {a.unit, b.unit} <= {"户人", "户"} or {a.unit, b.unit} <= {"户人", "人"} \
        or {a.unit, b.unit} <= {"人", "名", "位"}


def amounts(f: Figure, unit_hint: str) -> list[Decimal]:
    """The values of f to use against a figure of unit `unit_hint` (pairs give both)."""
    if f.kind == "pair":
        if unit_hint == "户":
            return [f.value]
        if unit_hint in ("人", "名", "位"):
            return [f.persons]
        return [f.value, f.persons]
    return [f.value]
