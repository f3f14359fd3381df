"""Wording shared by every topic: the office's wording file (``wording.yaml``, overridable
per county), filling its templates, the report's date and place phrases, the sentences that
say a figure is not stated, and the note under a table.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pandas as pd

from zhenxing.words.numbers import (
    MISSING,
    date_cn,
    decimal_of,
    hp,
    num,
    pct,
    round_half_up,
)

TOPIC_NAMES = {
    "monitoring": "防止返贫动态监测",
    "income": "脱贫人口和监测对象收入",
    "employment": "务工就业",
    "funds": "衔接资金项目",
    "posts": "公益性岗位",
    "basic": "农户基本信息",
}


def absent(topic: str) -> str:
    """The sentence for a topic whose data is absent."""
    return f"本年度未提供{TOPIC_NAMES.get(topic, topic)}数据，本节不作统计。"


# Figures a ``not_stated`` entry (``indicators.compute``) can name: (topic, key) → words.
# Figures an office may simply not keep (a column many exports lack): when absent they are
# null in indicators.json with why, but the text does not dwell on it.
UNSAID = {("security", "housing_unsafe"), ("security", "water_unsafe"), ("security", "family_doctor_rate"),
          ("monitoring", "paired_share")}

FIGURES = {
    ("monitoring", "identification_days"): "识别认定用时",
    ("monitoring", "unresolved"): "风险未消除监测对象",
    ("monitoring", "eliminated"): "已消除风险监测对象",
    ("monitoring", "eliminated_in_year"): "年内消除风险监测对象",
    ("monitoring", "new_in_year"): "年内新纳入监测对象",
    ("monitoring", "by_risk_type"): "风险类型分布",
    ("monitoring", "by_village.unresolved"): "各村风险未消除户数",
    ("monitoring", "relocated"): "易地扶贫搬迁户数",
    ("income", "per_capita_net_prev"): "上年人均纯收入",
    ("income", "growth"): "收入增幅",
    ("income", "declined"): "收入下降户数",
    ("income", "growth_gap"): "与全县农村居民收入增幅的差距",
    ("employment", "workers"): "务工就业人数",
    ("employment", "zero_employment_households"): "零就业家庭户数",
    ("employment", "wage_income"): "务工收入",
    ("employment", "workers_prev"): "上年务工人数",
    ("employment", "workers_growth"): "务工人数增幅",
    ("funds", "paid"): "已拨付资金",
    ("funds", "paid_rate"): "拨付率",
    ("funds", "progress"): "支出进度",
    ("funds", "started"): "已开工项目数",
    ("funds", "start_rate"): "开工率",
    ("funds", "completed"): "已完工项目数",
    ("funds", "completion_rate"): "完工率",
    ("funds", "assets"): "形成资产情况",
    ("posts", "in_post"): "在岗人数",
    ("posts", "annual_cost"): "年度补贴资金",
    ("posts", "dismissed_in_year"): "解聘人数",
    ("posts", "dismissed_in_year.by_reason"): "解聘原因",
    ("posts", "covered_share"): "在岗人员中脱贫人口和监测对象占比",
    ("funds", "start_progress"): "项目开工进度",
    ("funds", "beneficiaries"): "受益脱贫人口数",
    ("funds", "projects_by_type"): "按类型统计的项目数",
    ("employment", "by_mode"): "就业方式分布",
    ("employment", "stable_workers"): "稳定务工人数",
    ("income", "per_capita_wage"): "人均工资性收入",
    ("income", "per_capita_business_net"): "人均生产经营性净收入",
}


def entries(ind: dict, topic: str) -> list[dict]:
    return [e for e in (ind.get("not_stated") or []) if e.get("topic") == topic]


def not_stated(ind: dict, topic: str) -> list[str]:
    """One sentence per reason for the figures of ``topic`` left null for want of data:
    "未提供风险发现日期，未计算识别认定用时。", "无上年收入数据，未作比较。"."""
    groups: dict[tuple, list[str]] = {}
    for e in entries(ind, topic):
        if e.get("key") is None or (topic, e["key"]) in UNSAID:
            continue
        fig = FIGURES.get((topic, e["key"]), e["key"])
        figs = groups.setdefault((e.get("reason") or "未提供相关数据", e.get("cause")), [])
        if fig not in figs:
            figs.append(fig)
    out = []
    for (reason, cause), figs in groups.items():
        if cause == "implausible":   # the data needs checking: said once, in plain words
            out.append(f"{reason}。")
        else:
            out.append(f"{reason}，未作比较。" if cause == "no_prev_year" else f"{reason}，未计算{join_list(figs)}。")
    return out


def no_data(ind: dict, topic: str) -> str:
    """The sentence for a topic left null as a whole: its reason from ``not_stated``
    ("无2019年收入数据，本节不作统计。"), else the generic :func:`absent` sentence."""
    for e in entries(ind, topic):
        if e.get("key") is None:
            return f"{e.get('reason')}，本节不作统计。"
    return absent(topic)


def join_list(parts: list[str]) -> str:
    return "、".join(parts)


# ---------------------------------------------------------------- wording, register
ORDINALS = "一二三四五六七八九十"
# the theme of a flag written before flags carried one (an older indicators.json)
TOPIC_THEMES = {"monitoring": "监测帮扶", "income": "增收", "employment": "就业", "funds": "资金项目",
                "posts": "就业"}
MAX_PROBLEMS = 5


def wording(ind: dict | None = None) -> dict:
    """The sentence patterns (``templates/wording.yaml``, overridden by the county's
    ``params/policy/<县>.wording.yaml``)."""
    from zhenxing.data import params
    return params.wording((ind or {}).get("county"))


def fill(template: str | None, fields: dict) -> str | None:
    """``template`` with ``{name}`` filled from ``fields``; None when a name it uses has no
    value (the sentence is then left out: what to say is decided by which fields exist)."""
    if not template:
        return None
    have = {k: v for k, v in fields.items() if v is not None and v != ""}
    have.setdefault("each", fields.get("each", ""))
    try:
        out = template.format_map(have)
    except (KeyError, IndexError, ValueError):
        return None
    return _SPACE.sub("", out)   # YAML folds long lines with a space: Chinese text has none


_SPACE = re.compile(r"\s*\n\s*|(?<=[\u3000-\u303f\uff00-\uffef\u4e00-\u9fff])\s+(?=[\u3000-\u303f\uff00-\uffef\u4e00-\u9fff])")


def sentences(parts) -> str:
    """Clauses joined with "；", ending with "。"."""
    parts = [p.rstrip("。；，") for p in parts if p]
    return "；".join(parts) + "。" if parts else ""


def self_ref(ind: dict, which: str = "all") -> str:
    """How the township calls itself after the first mention: 全镇/我镇, 全乡/我乡."""
    town = (ind or {}).get("township") or ""
    sr = wording(ind)["self_reference"]
    if (ind or {}).get("level") == "county":   # the county summary: 全县/我县
        sr = wording(ind)["county"]["self_reference"]
    for suffix, words in sr.items():
        if suffix != "default" and town.endswith(suffix):
            return words[which]
    return sr["default"][which]


def report_date_of(ind: dict) -> dt.date | None:
    rd = (ind or {}).get("report_date")
    if not rd:
        return None
    return dt.date.fromisoformat(rd[:10]) if isinstance(rd, str) else rd


def as_of(ind: dict) -> str:
    """The report date once it has been stated: "截至年底", "截至11月底", "截至6月15日"."""
    d = report_date_of(ind)
    w = wording(ind)["as_of"]
    if d is None:
        return "截至报告日"
    if (d.month, d.day) == (12, 31):
        return w["year_end"]
    if (d + dt.timedelta(days=1)).day == 1:
        return w["month_end"].format(month=d.month)
    return w["day"].format(month=d.month, day=d.day)


def dated_once(paragraph: str, ind: dict, before) -> str:
    """``paragraph`` without the report date at its start (:func:`as_of`'s "截至年底，") when a
    paragraph before it in reading order has said it: the date is said where it is first
    needed (基本情况's 监测对象, as a rule) and later paragraphs open with their subject.
    ``before``: the paragraphs before it — texts, or functions making one from ``ind``
    (made only until one says the date). The one rule of both summaries: the county's
    (topics.county.dated_once) and a township's, in the order report.assemble puts its
    notebooks' paragraphs (:class:`Openers`)."""
    phrase = as_of(ind)
    if not paragraph or not paragraph.startswith(phrase + "，"):
        return paragraph or ""
    for p in before:
        if phrase in ((p(ind) if callable(p) else p) or ""):
            return paragraph.removeprefix(phrase + "，")
    return paragraph


class Openers:
    """What the paragraphs of a summary open with, in reading order (report.assemble feeds
    them one by one): the report date once (:func:`dated_once`), and the place itself
    (全镇/全乡/全县, :func:`place`) opening a paragraph only as the first of its
    subsection and when none of the :data:`APART` paragraphs before it in its part (一, 二)
    opened with it —
    not twelve of twenty-one paragraphs each opening "全县". A paragraph that is not the
    program's (the writer's own words) is only read (:meth:`seen`): what it says counts as
    said, its words are kept."""

    #: after the place, words that need it as their subject ("全镇有…", "全县共…", "全县42个村…")
    KEEPS_PLACE = ("有", "共", *"0123456789")
    #: how many paragraphs before one must not have opened with the place for it to open it
    APART = 3

    def __init__(self, ind: dict):
        self.ind, self.said, self.phrase, self.place = ind, False, as_of(ind), place(ind)
        self.first, self.placed = True, [False] * self.APART

    def section(self) -> None:
        """A heading: the next paragraph is the first of its subsection."""
        self.first = True

    def part(self) -> None:
        """A part of the summary begins (二、工作开展情况及成效): its first paragraph may open
        with the place whatever 一 opened with."""
        self.first, self.placed = True, [False] * self.APART

    def seen(self, text: str) -> None:
        """A paragraph read as written (the writer's)."""
        self.said = self.said or self.phrase in (text or "")
        self.first = False
        self.placed = [*self.placed[1:], (text or "").startswith(self.place)]

    def say(self, text: str) -> str:
        """The program's paragraph as it opens here."""
        text = dated_once(text, self.ind, [self.phrase] if self.said else [])
        rest = text.removeprefix(self.place)
        if rest != text and (any(self.placed) or not self.first) and rest and not rest.startswith(self.KEEPS_PLACE):
            text = rest
        self.seen(text)
        return text


def at_year_end(ind: dict) -> bool:
    """The report is made at 31 December (or without a date): a flow counted to the report
    date is the whole year's."""
    d = report_date_of(ind)
    return d is None or (d.month, d.day) == (12, 31)


def whole_year(ind: dict) -> str:
    """The span of a flow counted from 1 January to the report date: "全年" at the year's end,
    "年内" before it (the report date, stated once, closes the span)."""
    return "全年" if at_year_end(ind) else "年内"


def flow_period(ind: dict, at_end: str | None = None) -> str:
    """What leads a figure counted from 1 January to the report date: at the year's end
    ``at_end`` (default "2023年"; a table header passes "当年"), before it whole_year()'s
    "年内" — never the year alone, which a reader takes for the whole year's figure."""
    if at_year_end(ind):
        return f"{ind.get('year')}年" if at_end is None else at_end
    return whole_year(ind)


def target(x) -> str:
    """A policy target as the documents write it: 25 → "25%", 52.5 → "52.5%"."""
    return f"{num(x)}%"


def yuan_target(x) -> str:
    """An income line as the documents write it: 10000 → "1万元", 8500 → "8500元"."""
    d = decimal_of(x)
    if d >= 10000 and d % 1000 == 0:
        return f"{num(d / 10000)}万元"
    return f"{num(d)}元"


def checkpoint(mmdd_or_date, ind: dict | None = None, quarters: bool = True) -> str:
    """A checkpoint's name: 一季度末 … (wording ``checkpoints``), else "11月底", "4月20日";
    ``quarters`` False names every date by its month ("6月底")."""
    s = str(mmdd_or_date)
    mmdd = s[-5:]
    names = wording(ind)["checkpoints"] if quarters else {}
    if mmdd in names:
        return names[mmdd]
    m, d = (int(x) for x in mmdd.split("-"))
    day = dt.date(2001, m, d)   # a non-leap year: 2月28日 is 2月底
    if (day + dt.timedelta(days=1)).day == 1:
        return f"{m}月底"
    return f"{m}月{d}日"


def each_phrase(items) -> str:
    return "分别" if len(items) > 1 else ""


# ---------------------------------------------------------------- paragraphs
def place(ind: dict) -> str:
    """The township after its first mention (全镇/全乡)."""
    return self_ref(ind, "all")


def asof_phrase(ind: dict) -> str:
    """What follows "截至": "年底", "11月底" (the report date is stated once, in the intro)."""
    return as_of(ind).removeprefix("截至")


def _cats(by: dict | None, *, nonzero: bool = False, sep: str = "、") -> str:
    parts = [hp(v, label=k) for k, v in (by or {}).items() if not nonzero or v.get("households")]
    return sep.join(parts)


def with_cats(obj: dict) -> str:
    """ "16户63人（脱贫不稳定户2户7人，边缘易致贫户5户18人）": the categories present, in
    parentheses, the way the reports write them."""
    s = hp(obj)
    cats = _cats(obj.get("by_category"), nonzero=True, sep="，")
    return f"{s}（{cats}）" if cats and obj.get("households") else s


def intro(ind: dict) -> str:
    """The opening paragraph: the township's full name and the report date, both stated once."""
    d = ind.get("report_date")
    return fill(wording(ind)["intro"], {"year": ind.get("year"), "town": ind.get("township") or "本乡镇",
                                        "date": date_cn(d) if d else "报告日"}) + "。"


# ---------------------------------------------------------------- 注 (method notes)
def note(ind: dict, topic: str) -> str | None:
    """The short 注 below a section: how a figure was computed (the households a median
    counts, month-only dates left out, shares that do not add to 100 after rounding)."""
    w = wording(ind)["notes"]
    parts = []
    if topic == "monitoring":
        idd = (ind.get("monitoring") or {}).get("identification_days") or {}
        if idd.get("counted"):
            parts.append(fill(w["identification"], {"counted": idd["counted"]}))
            if idd.get("excluded_month_only"):
                parts.append(fill(w["identification_month_only"], {"month_only": idd["excluded_month_only"]}))
        elif idd.get("excluded_month_only"):
            parts.append(fill(w["identification_month_only"], {"month_only": idd["excluded_month_only"]}))
    elif topic == "security":   # the base of the insured rates, out of the prose (no "已登记…的N人中")
        sec = ind.get("security") or {}
        med, pen = sec.get("medical_insured"), sec.get("pension_insured")
        if med or pen:
            f = {"medical": f"{med['counted']}人" if med else "未统计",
                 "pension": f"16周岁以上非在校生{pen['counted']}人" if pen else "未统计"}
            parts.append(fill(section_words(ind, "security").get("note_insured"), f))
    elif topic == "income":
        comp = [v for v in ((ind.get("income") or {}).get("composition") or {}).values() if v is not None]
        if comp:
            total = sum((round_half_up(v, 2) for v in comp), Decimal(0))
            if total != 100:
                parts.append(fill(w["shares"], {"sum": f"{total:.2f}%"}))
    parts = [p for p in parts if p]
    if not parts:
        return None
    return w["prefix"] + "；".join(parts) + "。"


# ---------------------------------------------------------------- further topics (issue 11)
TOPIC_NAMES.update({
    "relocation": "易地扶贫搬迁", "security": "兜底保障", "education": "控辍保学",
    "credit": "小额信贷", "assistance": "社会救助", "education_aid": "教育资助",
    "assets": "项目资产", "villages": "村",
})
FIGURES.update({
    ("monitoring", "main_risk_types"): "主要风险类型",
    ("relocation", "labor_force"): "搬迁家庭劳动力人数",
    ("relocation", "workers"): "搬迁劳动力务工人数",
    ("relocation", "work_rate"): "搬迁劳动力务工就业率",
    ("relocation", "zero_employment_households"): "搬迁零就业家庭户数",
    ("security", "dibao"): "低保户数",
    ("security", "tekun"): "特困供养户数",
    ("security", "unable_to_work_unsecured"): "无劳动力且未纳入兜底保障的监测户数",
    ("security", "medical_insured_rate"): "基本医疗保险参保率",
    ("security", "pension_insured_rate"): "基本养老保险参保率",
    ("education", "compulsory_age_not_in_school"): "义务教育适龄人员失学辍学人数",
    ("education", "students_by_stage"): "在校生人数",
    ("funds", "beneficiaries"): "项目受益脱贫人口数",
    ("funds", "start_progress"): "项目开工进度",
    ("employment", "by_mode"): "就业方式分布",
    ("employment", "stable_workers"): "稳定务工（6个月以上）人数",
    ("credit", "outstanding"): "贷款余额",
    ("credit", "overdue"): "逾期贷款",
    ("assistance", "by_type.persons"): "救助人数",
    ("assistance", "by_type.amount"): "救助资金",
    ("assets", "registered_rate"): "资产确权率",
    ("assets", "income"): "经营性资产收益",
    ("villages", "poverty_exited"): "脱贫村个数",
    ("villages", "groups"): "村民小组数",
    ("villages", "grid_staff"): "网格员人数",
    ("villages", "work_team"): "驻村工作队员人数",
    ("villages", "collective_income_5"): "村集体经济收入达标村数",
    ("villages", "collective_income_10"): "村集体经济收入10万元以上村数",
})


def _whole_reason(ind: dict, topic: str) -> str | None:
    for e in entries(ind, topic):
        if e.get("key") is None:
            return e.get("reason")
    return None


def unstated(ind: dict, topic: str, what: str) -> str:
    """The sentence for an optional topic left null as a whole: "未提供小额信贷数据，未统计…。"."""
    return f"{_whole_reason(ind, topic) or f'未提供{TOPIC_NAMES.get(topic, topic)}数据'}，{what}。"


def share_phrase(part, whole) -> str:
    return pct(part / whole * 100) if whole else MISSING


def table_note(ind: dict, topic: str, keys=None, extra: str | None = None) -> str | None:
    """注: the reasons of the not-stated figures ``keys`` of ``topic`` (all when None)."""
    chosen = [e for e in ind.get("not_stated") or []
              if e.get("topic") == topic and e.get("key") is not None and (keys is None or e["key"] in keys)]
    reasons = not_stated({"not_stated": chosen}, topic)  # one sentence per reason
    if extra and not reasons:
        reasons.append(extra)
    return ("注：" + "".join(reasons)) if reasons else None


def with_note(df: pd.DataFrame, note: str | None) -> pd.DataFrame:
    if note:
        df.attrs["note"] = note
    return df


ROUNDING_NOTE = "注：因四舍五入，分项之和与合计略有出入。"


def hp_cells(o) -> list[int]:
    o = o or {}
    return [int(o.get("households", 0)), int(o.get("persons", 0))]


# ---------------------------------------------------------------- what leads a section (issue 23)
def section_words(ind: dict, topic: str) -> dict:
    """The wording of a section's lead and met-target clauses (``sections.<topic>``)."""
    return (wording(ind).get("sections") or {}).get(topic) or {}


def policy_of(ind: dict) -> dict:
    """The policy targets of the township's county and year (the notebooks' own policy)."""
    from zhenxing.data import params
    ind = ind or {}
    try:
        return params.policy(ind.get("county"), int(ind.get("year") or dt.date.today().year)) or {}
    except Exception:  # noqa: BLE001 — an unknown county or year: the defaults
        return params.policy(None, int(ind.get("year") or dt.date.today().year)) or {}


def lead_first(parts: list[tuple[float, str | None]]) -> list[str]:
    """A section's sentences, the one furthest from its target first: the parts with a gap
    (> 0) in order of their gap, largest first, then the others in their own order."""
    parts = [(g, t) for g, t in parts if t]
    short = sorted((p for p in parts if p[0] > 0), key=lambda p: -p[0])
    return [t for _, t in short] + [t for g, t in parts if g <= 0]
