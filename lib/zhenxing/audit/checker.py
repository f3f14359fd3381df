"""`zhenxing audit`: check a hand-written summary for slips before it is published.

Three layers, each small:

1. Reading: lines of a .txt/.md file, paragraphs of a .docx (line numbers as a person
   sees them).
2. A grammar of figures: `tokenize` splits a line into numbers, Chinese numerals,
   quotes, punctuation and text; `figures` applies a few composable rules (date,
   户/人 pair, quantity with unit, percent, 个百分点, Chinese-numeral count, bare
   number) and gives typed `Figure`s with their spans and the words before them.
   `sentences` groups them by sentence (。；;！？ and line ends) with the subject
   words around each one (其中, 占, 率, 同比增长 …).
3. Checks: one small function per kind of slip, each taking the parsed text and
   returning `Finding`s. `audit_lines` runs them all; `compare_data` matches figures
   to the computed indicators of a township and year (`--dataset`).

Exhaustiveness of 其中 (the usual false alarm is a 其中 that names only some parts):
the parts are summed only when (a) they cover every member of a known closed set of
categories (监测对象的三类, 县内/县外, 省内/省外, 男/女, 城镇/农村, 已/未消除 …), or
(b) they are N places of one kind (…村) and the sentence says there are N of them,
or (c) the last part is 其他/其余/剩余. Anything else is a partial list and is silent.
"""
from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from zhenxing.data.contract import mask_text

KINDS = ("rate", "sum", "inconsistent", "unit", "malformed_number", "numbering", "data")


class AuditReadError(Exception):
    """The file cannot be read (message in Chinese)."""


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


# --- reading ------------------------------------------------------------------------

def read_lines(path: Path) -> list[str]:
    """Lines of a text file, paragraphs of a .docx; a clear Chinese error otherwise."""
    path = Path(path)
    if not path.exists():
        raise AuditReadError(f"文件“{path.name}”不存在 [file_not_found]")
    if path.is_dir():
        raise AuditReadError(f"“{path.name}”是目录，不是文件 [not_a_file]")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        try:
            import docx
            doc = docx.Document(str(path))
        except Exception:
            raise AuditReadError(f"无法读取 Word 文件“{path.name}”（文件已损坏或不是 .docx 格式）[unreadable_docx]") from None
        return [p.text for p in doc.paragraphs]
    if suffix not in (".txt", ".md", ".markdown", ".text", ""):
        raise AuditReadError(f"不支持的文件类型“{suffix}”：请提供 .txt、.md 或 .docx 文件 [unsupported_type]")
    try:
        data = path.read_bytes()
    except OSError:
        raise AuditReadError(f"无法读取文件“{path.name}”（没有读取权限或磁盘错误）[unreadable_file]") from None
    if b"\x00" in data[:4096]:
        raise AuditReadError(f"“{path.name}”不是文本文件 [not_text]")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise AuditReadError(f"无法识别“{path.name}”的文字编码（应为 UTF-8 或 GBK）[bad_encoding]")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


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

    @classmethod
    def parse(cls, lines: list[str]) -> "Doc":
        return cls(lines, [figures(l) for l in lines])

    def right(self, kind: str, n: int, f: Figure) -> None:
        self.verified.append((kind, n, f.raw))

    def sentences(self):
        """(line number, sentence index, figures) for every sentence with figures."""
        for n, figs in enumerate(self.figs, 1):
            by: dict[int, list[Figure]] = {}
            for f in figs:
                by.setdefault(f.sentence, []).append(f)
            for k, fs in by.items():
                yield n, k, fs


def _finding(kind: str, n: int, line: str, start: int, end: int, message: str, expected: str) -> Finding:
    return Finding(kind, n, line[start:end], message, expected, start, end)


def _usable(f: Figure) -> bool:
    return f.kind in ("count", "money", "pair") and not f.approx and not f.quoted and "/" not in f.unit


# --- checks -------------------------------------------------------------------------------

_RATE_WORD = re.compile(r"(率|占比|比重|比例|进度|覆盖面)(为|是|达到|达|约为)?\s*$")
_SHARE = re.compile(r"占(?P<den>[^,，。;；占]*?)(的)?\s*$")
_TARGET = re.compile(r"(不低于|不少于|不高于|不超过|目标|力争|要|确保|计划|预计|分别|应|争取|以上)")


def _same_unit(a: Figure, b: Figure) -> bool:
    return a.unit == b.unit or {a.unit, b.unit} <= {"户人", "户"} or {a.unit, b.unit} <= {"户人", "人"} \
        or {a.unit, b.unit} <= {"人", "名", "位"}


def _amounts(f: Figure, unit_hint: str) -> list[Decimal]:
    """The values of f to use against a figure of unit `unit_hint` (pairs give both)."""
    if f.kind == "pair":
        if unit_hint == "户":
            return [f.value]
        if unit_hint in ("人", "名", "位"):
            return [f.persons]
        return [f.value, f.persons]
    return [f.value]


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
                if _usable(fs[k]) and not _GROWTH.search(fs[k].before):
                    prior.append(fs[k])
                k -= 1
            prior.reverse()
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
                dens = [f for f in dens if _same_unit(f, num)]
                den = dens[0] if dens else _group_total(fs, num)
                if num is None or den is None or not _same_unit(num, den):
                    continue
                pairs = [(a, b) for a in _amounts(num, den.unit) for b in _amounts(den, num.unit)
                         if len(_amounts(num, den.unit)) == 1 or _amounts(num, den.unit).index(a) == _amounts(den, num.unit).index(b)]
            else:
                same = [f for f in prior if _same_unit(f, prior[-1])]
                if len(same) != 2:
                    continue
                a, b = same
                va, vb = _amounts(a, b.unit), _amounts(b, a.unit)
                pairs = []
                for x, y in zip(va, vb):
                    lo, hi = sorted((x, y))
                    pairs.append((lo, hi) if p.value <= 100 else (hi, lo))
            pairs = [(x, y) for x, y in pairs if y]
            if not pairs:
                continue
            trues = [Decimal(x) * 100 / Decimal(y) for x, y in pairs]
            if any(matches_at_precision(p.value, t, p.decimals) for t in trues):
                doc.right("rate", n, p)
                continue
            shown = "、".join(f"{fmt_num(x)}÷{fmt_num(y)}" for x, y in pairs)
            exp = " 或 ".join(pct(t, p.decimals) for t in trues)
            out.append(_finding("rate", n, line, p.start, p.end,
                                f"比率{p.raw}与同句所列数字不符：{shown}×100%={exp}", exp))
    return out


def _group_total(fs: list[Figure], part: Figure) -> Figure | None:
    """The total a 其中 part belongs to: the last same-unit figure before 其中."""
    idx = fs.index(part)
    for k in range(idx, -1, -1):
        if "其中" in fs[k].before or (k < idx and "其中" in fs[k + 1].context[len(fs[k].context):]):
            for t in range(k - 1, -1, -1):
                if _usable(fs[t]) and _same_unit(fs[t], part):
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


def check_sums(doc: Doc) -> list[Finding]:
    """Parts after 其中 against their total, where the parts are exhaustive."""
    out = []
    for n, _, fs in doc.sentences():
        line = doc.lines[n - 1]
        starts = [j for j, f in enumerate(fs) if "其中" in f.before or
                  (j > 0 and "其中" in line[fs[j - 1].end:f.start])]
        for j in starts[:1] + [s for s in starts[1:]]:
            first = fs[j]
            if not _usable(first):
                continue
            total = None
            for t in range(j - 1, -1, -1):
                if _usable(fs[t]) and _same_unit(fs[t], first) and fs[t].unit == first.unit:
                    total = fs[t]
                    break
            if total is None:
                continue
            parts = []
            for f in fs[j:]:
                if f is not first and f in [fs[s] for s in starts]:
                    break
                if f.kind == "percent":
                    continue
                if not _usable(f) or f.unit != first.unit:
                    if f.unit != first.unit and f.kind in ("money", "count") and f.unit not in ("万元", "元"):
                        break
                    continue
                parts.append(f)
            labels = [_part_label(f) for f in parts]
            if not parts:
                continue
            hs = sum(f.value for f in parts)
            if hs == total.value and (total.kind != "pair" or sum(f.persons for f in parts) == total.persons):
                doc.right("sum", n, total)
                continue
            if not exhaustive(labels, [f for f in fs if f.end <= total.start + 1 or f is total]):
                continue
            ok = hs == total.value
            if total.kind == "pair":
                ps = sum(f.persons for f in parts)
                ok = ok and ps == total.persons
                exp = f"{fmt_num(hs)}户{fmt_num(ps)}人"
                terms = "+".join(f"{f.value}户{f.persons}人" for f in parts)
            else:
                exp = fmt(hs, total.unit)
                terms = "+".join(fmt_num(f.value) for f in parts)
            if ok:
                doc.right("sum", n, total)
                continue
            # a closed set may sit beside an extra breakdown (扶贫车间 within 县内): its members alone may add up
            members = [f for f, lab in zip(parts, labels) if any(m in lab for s in CLOSED_SETS for m in s)]
            if members and len(members) < len(parts) and sum(f.value for f in members) == total.value and (
                    total.kind != "pair" or sum(f.persons for f in members) == total.persons):
                doc.right("sum", n, total)
                continue
            out.append(_finding("sum", n, line, total.start, total.end,
                                f"“其中”所列{len(parts)}项合计{exp}（{terms}），与总数{total.raw}不符", exp))
    return out


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
            prior = [f for f in fs[:j] if _usable(f) and not _GROWTH.search(f.before)]
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
                out.append(_finding("rate", n, line, g.start, g.end,
                                    f"增减幅度{g.raw}与所列两年数字不符：({fmt_num(cur.value)}-{fmt_num(prev.value)})÷{fmt_num(prev.value)}×100%={pct((cur.value - prev.value) * 100 / prev.value, g.decimals)}",
                                    exp))
            else:
                true = (cur.value - prev.value) * sign
                if true == g.value:
                    doc.right("sum", n, g)
                    continue
                exp = fmt(abs(true), g.unit)
                out.append(_finding("sum", n, line, g.start, g.end,
                                    f"增减数{g.raw}与所列两年数字不符：{fmt_num(cur.value)}-{fmt_num(prev.value)}={fmt_num(cur.value - prev.value)}",
                                    exp))
    return out


_DIFF_VERB = re.compile(r"(?<!不)(高于|低于|高出|低出|提高了?|下降了?|上升了?|降低了?|增加了?|减少了?|回落了?)(?P<obj>[^,，。;；]*?)\s*$")


def check_points(doc: Doc) -> list[Finding]:
    """A difference of two rates is written in 个百分点, not %."""
    out = []
    for n, figs in enumerate(doc.figs, 1):
        line = doc.lines[n - 1]
        for p in figs:
            if p.kind != "percent" or p.quoted:
                continue
            m = _DIFF_VERB.search(p.before)
            if not m:
                continue
            if line[p.end:p.end + 1] in ("到", "至") or re.match(r"\s*的", line[p.end:]):
                continue
            subject = p.before[:m.start()]
            verb = m.group(1)
            if verb.startswith(("高于", "低于", "高出", "低出")):
                if not (_RATE_SUBJECT.search(m.group("obj")) and _RATE_SUBJECT.search(subject + p.context[-20:])):
                    continue
            else:
                if not _RATE_SUBJECT.search(subject) or "到" in m.group("obj"):
                    continue
            exp = f"{fmt_num(p.value)}个百分点"
            core = re.match(r"\S+?[%％]", p.raw).group()
            out.append(_finding("unit", n, line, p.start, p.start + len(core),
                                f"两个比率之差应以“个百分点”表示，不能写作“{core}”", exp))
    return out


def check_malformed(doc: Doc) -> list[Finding]:
    """。 or ． as a decimal point, thousands separators, a number without its unit."""
    out = []
    for n, figs in enumerate(doc.figs, 1):
        line = doc.lines[n - 1]
        for k, f in enumerate(figs):
            if f.quoted or f.kind in ("marker", "date", "cn"):
                continue
            if f.malformed and f.kind != "bare":
                out.append(_finding("malformed_number", n, line, f.start, f.end, f.malformed, f.fixed))
            elif f.kind == "bare":
                after = line[f.end:f.end + 1]
                if f.malformed and f.unit != "万":
                    out.append(_finding("malformed_number", n, line, f.start, f.end, f.malformed, f.fixed))
                    continue
                if after not in ("", ",", "，", "。", ";", "；", "、", ")", "）", " ") and f.unit != "万":
                    continue
                if f.unit != "万" and (re.search(r"(第|编号|代码|电话|号|序号|[A-Za-z])\s*$", f.before) or
                                       re.match(r"\s*(号|#|[A-Za-z])", line[f.end:])):
                    continue
                unit = _guess_unit(figs, k, line)
                exp = (f.raw + unit) if unit else "补上单位"
                out.append(_finding("malformed_number", n, line, f.start, f.end,
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


def check_numbering(doc: Doc) -> list[Finding]:
    """Enumerations run 一是 二是 三是 … and headings (一)(二)(三) … without a repeat or a gap.

    Runs are collected first (a heading resets the levels below it and any 一是 run), then
    each run is read in order; after a break, the next item tells which was meant:
    一是 二是 二是 三是 continues from the written 二是, (一)(二)(二)(四) from the fixed (三)."""
    runs: list[list[tuple]] = []
    open_runs: dict[str, list] = {}
    order = [h for h, _ in _HEADINGS]
    for n, line in enumerate(doc.lines, 1):
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
            out.append(_finding("numbering", n, line, start, end, msg, exp))
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


CHECKS = (check_malformed, check_rates, check_growth, check_points, check_sums, check_inconsistent, check_numbering)


def audit_lines(lines: list[str]) -> list[Finding]:
    doc = Doc.parse(lines)
    out = [f for check in CHECKS for f in check(doc)]
    out.sort(key=lambda f: (f.line, f.start, KINDS.index(f.kind)))
    return out


def audit_file(path: Path) -> tuple[list[str], list[Finding]]:
    lines = read_lines(path)
    return lines, audit_lines(lines)


# --- output ---------------------------------------------------------------------------

KIND_ZH = {"rate": "比率不符", "sum": "合计不符", "inconsistent": "前后不一致", "unit": "单位错误",
           "malformed_number": "数字书写错误", "numbering": "序号错误", "data": "与数据不符"}


def to_json(findings: list[Finding]) -> str:
    return json.dumps({"findings": [f.public() for f in findings]}, ensure_ascii=False, indent=2)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in s)


def _pad(s: str, w: int) -> str:
    return s + " " * max(w - _width(s), 0)


def _short(s: str, w: int) -> str:
    out = ""
    for c in s:
        if _width(out + c) > w - 1:
            return out + "…"
        out += c
    return out


def table(findings: list[Finding], name: str = "") -> str:
    """A Chinese table for the terminal: line, quote, what is wrong, the correct value."""
    if not findings:
        return f"{name}：未发现问题。" if name else "未发现问题。"
    rows = [("行", "原文", "问题", "正确值")]
    for f in findings:
        p = f.public()
        rows.append((str(p["line"]), _short(p["quote"], 24), f"{KIND_ZH[f.kind]}：{p['message']}", _short(p["expected"], 24)))
    w = [max(_width(r[i]) for r in rows) for i in range(4)]
    lines = []
    for i, r in enumerate(rows):
        lines.append("  ".join(_pad(c, w[k]) for k, c in enumerate(r)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * x for x in w))
    head = f"{name}：发现 {len(findings)} 处问题" if name else f"发现 {len(findings)} 处问题"
    return head + "\n" + "\n".join(lines)


_CSS = """
body{font-family:"Noto Serif CJK SC","Source Han Serif SC","Songti SC",SimSun,serif;margin:0 auto;
max-width:46rem;padding:1rem;line-height:1.8;color:#1a1a1a;background:#fff;font-size:1.05rem}
h1{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;font-size:1.3rem;line-height:1.4}
.summary{background:#f3f3f3;border-left:4px solid #555;padding:.5rem .8rem}
p.line{margin:.4rem 0;overflow-wrap:anywhere}
.no{color:#595959;font-size:.8rem;margin-right:.4rem;user-select:none}
mark{background:#ffe08a;color:#1a1a1a;border-bottom:2px solid #b00020;padding:0 .1rem}
.note{display:block;margin:.2rem 0 .6rem 1rem;padding:.3rem .6rem;border-left:3px solid #b00020;background:#fff5f5;
font-size:.95rem;overflow-wrap:anywhere}
.note b{color:#8a0016}
@media print{mark{background:none;text-decoration:underline}}
"""


def to_html(lines: list[str], findings: list[Finding], title: str) -> str:
    """The text with each slip highlighted and explained: self-contained, readable on a phone."""
    by_line: dict[int, list[Finding]] = {}
    for f in findings:
        by_line.setdefault(f.line, []).append(f)
    body = []
    numbered = 0
    for n, line in enumerate(lines, 1):
        fs = sorted(by_line.get(n, []), key=lambda f: (f.start, -f.end))
        if not line.strip() and not fs:
            continue
        parts, pos = [], 0
        notes = []
        for f in fs:
            numbered += 1
            if f.start >= pos and f.end > f.start:
                parts.append(html.escape(mask_text(line[pos:f.start])))
                parts.append(f'<mark id="f{numbered}">{html.escape(mask_text(line[f.start:f.end]))}'
                             f'<sup>[{numbered}]</sup></mark>')
                pos = f.end
            notes.append(f'<span class="note" role="note"><b>[{numbered}] {KIND_ZH[f.kind]}</b>：'
                         f'{html.escape(mask_text(f.message))}；正确值：<b>{html.escape(mask_text(f.expected))}</b></span>')
        parts.append(html.escape(mask_text(line[pos:])))
        body.append(f'<p class="line"><span class="no" aria-label="第{n}行">{n}</span>{"".join(parts)}</p>' + "".join(notes))
    summary = f"发现 {len(findings)} 处问题，已在原文中标出。" if findings else "未发现问题。"
    t = html.escape(mask_text(title))
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>核对结果：{t}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
            f"<h1>核对结果：{t}</h1>\n<p class=\"summary\">{summary}</p>\n" + "\n".join(body) +
            "\n</main>\n</body>\n</html>\n")


def write_html(out: Path, lines: list[str], findings: list[Finding], title: str) -> None:
    """Write atomically: a temp file, then a rename."""
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(to_html(lines, findings, title), encoding="utf-8")
    tmp.replace(out)


def merge(a: list[Finding], b: list[Finding]) -> list[Finding]:
    out = a + b
    out.sort(key=lambda f: (f.line, f.start, KINDS.index(f.kind)))
    return out


# --- against the computed indicators (--dataset) ----------------------------------------

class AuditDataError(Exception):
    """The dataset, township or year cannot be used (message in Chinese)."""


POST_TYPES = ("生态护林员", "乡村保洁员", "森林管护员", "社保协理员", "交通劝导员")
CATEGORIES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
REGIONS = ("省内县外", "县内", "省外")


def _get(ind: dict, path: str):
    v = ind
    for k in path.split("."):
        if not isinstance(v, dict) or v.get(k) is None:
            return None
        v = v[k]
    return v


def _monitoring_group(text: str) -> str:
    if re.search(r"(未消除|尚未消除|风险未消除)", text):
        return "unresolved"
    if re.search(r"(新增|新识别|新纳入|年内纳入|当年纳入|全年共?确定|今年共?确定)", text):
        return "new_in_year"
    if re.search(r"(年内|当年|全年|今年)\S{0,6}消除", text):
        return "eliminated_in_year"
    if re.search(r"(已消除|风险消除|消除风险)", text):
        return "eliminated"
    return "total"


def name_indicator(f: Figure, total: Figure | None, total_path: str | None) -> str | None:
    """The indicator a figure states, as a key path of indicators.json, or None.

    Only figures whose subject words name one indicator unambiguously are matched."""
    before, ctx, after = f.before, f.context, f.after
    if f.approx or f.quoted or "/" in f.unit:
        return None
    if f.kind == "pair":
        if total is not None and total_path and total_path.startswith("monitoring."):
            cat = next((c for c in CATEGORIES if c[:4] in before), None)
            group = total_path.split(".")[1]
            if cat and group in ("unresolved", "eliminated", "new_in_year", "eliminated_in_year", "total"):
                return f"monitoring.{group}.by_category.{cat}"
        if "监测对象" in before or re.search(r"(风险已消除|已消除风险|风险未消除|未消除风险)$", before.strip()):
            return f"monitoring.{_monitoring_group(ctx[-30:])}"
        if re.search(r"(易地扶贫搬迁|易地搬迁|搬迁)", before):
            return "monitoring.relocated"
        if re.search(r"脱贫(户|人口)$", before.strip()) and "监测" not in before:
            return "monitoring.exited_poor"
        if re.search(r"(全乡|全镇|共有|辖)\S*(农户|户籍)", before) or re.search(r"^(农户|总户数)", before.strip()):
            return "basic"
        return None
    if f.kind == "count" and f.unit in ("人", "名", "位", "个"):
        post = next((p for p in POST_TYPES if p in before or after.startswith(p) or p in after), None)
        if post and f.unit in ("人", "名", "位") or (post and f.unit == "个" and post in before):
            if "解聘" in before:
                return f"posts.dismissed_in_year.by_type.{post}"
            if re.search(r"(新聘|新增聘用|年内聘用)", before):
                return f"posts.hired_in_year.by_type.{post}"
            return f"posts.in_post.by_type.{post}"
        if "公益性岗位" in before and f.unit in ("人", "名", "个"):
            return "posts.in_post.total"
        if f.unit in ("人", "名") and re.search(r"(务工|转移就业)", before):
            if re.search(r"(去年|上年)", before):
                return "employment.workers_prev"
            region = next((r for r in REGIONS if r in before), None)
            if region:
                return f"employment.workers.by_region.{region}"
            if "外出" in before or "其中" in ctx:
                return None
            return "employment.workers.total"
        if f.unit in ("人", "名") and re.search(r"劳动力$", before.strip()):
            return "employment.labor_force"
        if f.unit == "个" and "项目" in (before + after[:2]) and "衔接资金" in ctx:
            return "funds.projects"
        if f.unit == "个" and after.startswith(("行政村", "村")) and re.search(r"(辖|全乡|全镇|共有)", before):
            return "basic.villages"
        return None
    if f.kind == "money" and f.unit == "万元" and ("衔接资金" in ctx or "衔接资金" in before):
        if re.search(r"(拨付|支出|支付)", before):
            return "funds.paid"
        if re.search(r"(批复|下达|安排|到位|投入|争取)", before + ctx[-20:]):
            return "funds.approved.total"
        return None
    if f.kind == "percent":
        if re.search(r"(拨付率|支出进度|拨付进度)", before) and "衔接资金" in ctx:
            return "funds.paid_rate"
        if re.search(r"务工", ctx) and re.search(r"增长", before):
            return "employment.workers_growth"
    return None


_PATH_ZH = {
    "monitoring.total": "监测对象", "monitoring.unresolved": "风险未消除监测对象", "monitoring.new_in_year": "当年新识别监测对象",
    "monitoring.eliminated": "风险已消除监测对象", "monitoring.eliminated_in_year": "当年消除风险监测对象",
    "monitoring.exited_poor": "脱贫户", "monitoring.relocated": "易地扶贫搬迁户", "basic": "全乡（镇）户数、人数",
    "posts.in_post.total": "在岗公益性岗位人员", "employment.workers.total": "务工人数", "employment.workers_prev": "上年务工人数",
    "employment.labor_force": "劳动力", "funds.projects": "衔接资金项目数", "basic.villages": "行政村数",
    "funds.paid": "衔接资金拨付额", "funds.approved.total": "衔接资金批复额", "funds.paid_rate": "衔接资金拨付率",
    "employment.workers_growth": "务工人数增长率",
}


def _path_zh(path: str) -> str:
    if path in _PATH_ZH:
        return _PATH_ZH[path]
    parts = path.split(".")
    last = parts[-1]
    if ".by_category." in path:
        return _PATH_ZH.get(".".join(parts[:2]), "监测对象") + "中" + last
    if ".by_region." in path:
        return f"{last}务工人数"
    if path.startswith("posts."):
        return {"in_post": "在岗", "hired_in_year": "当年新聘", "dismissed_in_year": "当年解聘"}[parts[1]] + last
    return path


def compare_data(lines: list[str], dataset: str, township: str, year: int) -> list[Finding]:
    """Figures the text names, against the indicators computed for (township, year)."""
    from zhenxing.data import contract
    from zhenxing.report import notebook
    from zhenxing.data import params
    try:
        ctx = notebook.context(str(dataset), township, int(year))
    except params.ParamError as e:
        raise AuditDataError(f"参数错误：{e}") from None
    except notebook.DataError as e:
        raise AuditDataError(str(e).split("\n")[0]) from None
    except (contract.StructureError, FileNotFoundError, NotADirectoryError) as e:
        raise AuditDataError(f"无法读取数据集：{e}") from None
    return compare_indicators(lines, ctx.ind)


def _total_by_category(ind: dict) -> dict:
    """monitoring.total by category = unresolved + eliminated (indicators.json has no such key)."""
    out = {}
    for group in ("unresolved", "eliminated"):
        for c, v in (_get(ind, f"monitoring.{group}.by_category") or {}).items():
            o = out.setdefault(c, {"households": 0, "persons": 0})
            o["households"] += v["households"]
            o["persons"] += v["persons"]
    return out


def compare_indicators(lines: list[str], ind: dict, verified: list | None = None) -> list[Finding]:
    """Figures of the text that name an indicator, against its value in `ind` (indicators.json)."""
    doc = Doc.parse(lines)
    if verified is not None:
        doc.verified = verified
    out = []
    for n, _, fs in doc.sentences():
        line = doc.lines[n - 1]
        total, total_path = None, None
        for j, f in enumerate(fs):
            in_part = "其中" in f.context
            path = name_indicator(f, total if in_part else None, total_path if in_part else None)
            if not in_part:
                total, total_path = (f, path) if f.kind == "pair" else (total, total_path)
            if path is None:
                continue
            if path == "basic":
                v = {"households": _get(ind, "basic.households"), "persons": _get(ind, "basic.persons")}
            elif path.startswith("monitoring.total.by_category."):
                v = _total_by_category(ind).get(path.rsplit(".", 1)[1])
            else:
                v = _get(ind, path)
            if v is None:
                continue
            if f.kind == "pair":
                if not isinstance(v, dict) or v.get("households") is None:
                    continue
                h, p = Decimal(int(v["households"])), Decimal(int(v["persons"]))
                f_p = f.persons
                if f.value == h and f_p == p:
                    doc.right("data", n, f)
                    continue
                exp = f"{h}户{p}人"
            else:
                if isinstance(v, dict):
                    v = v.get("total")
                if v is None or isinstance(v, (dict, list)):
                    continue
                true = Decimal(str(v))
                if f.kind in ("money", "percent"):
                    if matches_at_precision(f.value, true, f.decimals):
                        doc.right("data", n, f)
                        continue
                    exp = (f"{round_to(true, 2)}%" if f.kind == "percent" else fmt(round_to(true, 2).normalize(), "万元"))
                else:
                    if f.value == true:
                        doc.right("data", n, f)
                        continue
                    exp = f"{fmt_num(true)}{f.unit}"
            out.append(_finding("data", n, line, f.start, f.end,
                                f"{_path_zh(path)}文中为{f.raw}，按数据计算为{exp}", exp))
    return out
