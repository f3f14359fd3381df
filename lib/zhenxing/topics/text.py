"""Numbers to Chinese report text, and one paragraph per topic.

Formats follow ``shared/spec/indicators.md`` ("Numbers in text"): rounding is
half up in decimal arithmetic on ``Decimal(str(x))`` (753.135 → ``753.14万元``;
binary floats would give 753.13). Paragraph functions take the indicators dict
(``indicators.compute``) and never raise on a topic whose data is absent: they
say so instead.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

MISSING = "—"

TOPIC_NAMES = {
    "monitoring": "防止返贫动态监测",
    "income": "脱贫人口和监测对象收入",
    "employment": "务工就业",
    "funds": "衔接资金项目",
    "posts": "公益性岗位",
    "basic": "农户基本信息",
}


# ---------------------------------------------------------------- numbers
def _dec(x) -> Decimal:
    if isinstance(x, Decimal):
        return x
    if isinstance(x, int) and not isinstance(x, bool):
        return Decimal(x)
    return Decimal(str(float(x)))


def _round(x, places: int) -> Decimal:
    q = Decimal(1).scaleb(-places)
    r = _dec(x).quantize(q, rounding=ROUND_HALF_UP)
    return r + 0 if r != 0 else abs(r)  # no "-0.00"


def fixed(x, places: int = 2) -> str:
    """``x`` with exactly ``places`` decimals, rounded half up."""
    if x is None:
        return MISSING
    return f"{_round(x, places):.{places}f}"


def num(x) -> str:
    """A plain number without trailing zeros (9.5 → "9.5", 10.0 → "10")."""
    if x is None:
        return MISSING
    d = _dec(x)
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def hp(obj_or_h, p=None, label: str = "") -> str:
    """Households and persons: ``hp(24, 81, "突发严重困难户")`` → "突发严重困难户24户81人".

    ``obj_or_h`` may be a ``{"households", "persons"}`` dict.
    """
    if isinstance(obj_or_h, dict):
        h, p = obj_or_h.get("households"), obj_or_h.get("persons")
    else:
        h = obj_or_h
    if h is None or p is None:
        return f"{label}{MISSING}"
    return f"{label}{int(h)}户{int(p)}人"


def persons(n, label: str = "") -> str:
    """Persons alone: ``persons(215, "生态护林员")`` → "生态护林员215人"."""
    return f"{label}{MISSING if n is None else int(n)}人"


def count(n, unit: str) -> str:
    """A plain count with its unit: ``count(4, "个")`` → "4个"."""
    return f"{MISSING if n is None else int(n)}{unit}"


def wan(x) -> str:
    """万元 in prose: rounded to two decimals half up, trailing zeros dropped as the
    reports write them: 753.135 → "753.14万元", 235.5 → "235.5万元", 294 → "294万元"."""
    if x is None:
        return f"{MISSING}万元"
    return f"{num(_round(x, 2))}万元"


def wan_cell(x) -> str:
    """万元 in a table cell: always two decimals, no unit (the header carries it): "235.50"."""
    return fixed(x, 2)


def pct(x) -> str:
    """Percent, two decimals, half up: 68.115 → "68.12%"."""
    return f"{fixed(x, 2)}%"


def yuan(x) -> str:
    """Whole 元, half up: 10855.98 → "10856元"."""
    return f"{fixed(x, 0)}元"


def date_cn(d) -> str:
    """2023-06-30 (date or ISO string) → "2023年6月30日"."""
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    return f"{d.year}年{d.month}月{d.day}日"


def change(x) -> str:
    """A percent change as words: "增长6.74%" / "下降3.20%" / "持平"."""
    if x is None:
        return MISSING
    r = _round(x, 2)
    if r > 0:
        return f"增长{pct(r)}"
    if r < 0:
        return f"下降{pct(-r)}"
    return "持平"


def absent(topic: str) -> str:
    """The sentence for a topic whose data is absent."""
    return f"本年度未提供{TOPIC_NAMES.get(topic, topic)}数据，本节不作统计。"


# Figures a ``not_stated`` entry (``indicators.compute``) can name: (topic, key) → words.
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


def _entries(ind: dict, topic: str) -> list[dict]:
    return [e for e in (ind.get("not_stated") or []) if e.get("topic") == topic]


def not_stated(ind: dict, topic: str) -> list[str]:
    """One sentence per reason for the figures of ``topic`` left null for want of data:
    "未提供风险发现日期，未计算识别认定用时。", "无上年收入数据，未作比较。"."""
    groups: dict[tuple, list[str]] = {}
    for e in _entries(ind, topic):
        if e.get("key") is None:
            continue
        fig = FIGURES.get((topic, e["key"]), e["key"])
        figs = groups.setdefault((e.get("reason") or "未提供相关数据", e.get("cause")), [])
        if fig not in figs:
            figs.append(fig)
    out = []
    for (reason, cause), figs in groups.items():
        out.append(f"{reason}，未作比较。" if cause == "no_prev_year" else f"{reason}，未计算{_list(figs)}。")
    return out


def no_data(ind: dict, topic: str) -> str:
    """The sentence for a topic left null as a whole: its reason from ``not_stated``
    ("无2019年收入数据，本节不作统计。"), else the generic :func:`absent` sentence."""
    for e in _entries(ind, topic):
        if e.get("key") is None:
            return f"{e.get('reason')}，本节不作统计。"
    return absent(topic)


def _list(parts: list[str]) -> str:
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


def _sentences(parts) -> str:
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


def _report_date(ind: dict) -> dt.date | None:
    rd = (ind or {}).get("report_date")
    if not rd:
        return None
    return dt.date.fromisoformat(rd[:10]) if isinstance(rd, str) else rd


def as_of(ind: dict) -> str:
    """The report date once it has been stated: "截至年底", "截至11月底", "截至6月15日"."""
    d = _report_date(ind)
    w = wording(ind)["as_of"]
    if d is None:
        return "截至报告日"
    if (d.month, d.day) == (12, 31):
        return w["year_end"]
    if (d + dt.timedelta(days=1)).day == 1:
        return w["month_end"].format(month=d.month)
    return w["day"].format(month=d.month, day=d.day)


def _whole_year(ind: dict) -> str:
    d = _report_date(ind)
    return "全年" if d is None or (d.month, d.day) == (12, 31) else "年内"


def target(x) -> str:
    """A policy target as the documents write it: 25 → "25%", 52.5 → "52.5%"."""
    return f"{num(x)}%"


def yuan_target(x) -> str:
    """An income line as the documents write it: 10000 → "1万元", 8500 → "8500元"."""
    d = _dec(x)
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


def _each(items) -> str:
    return "分别" if len(items) > 1 else ""


# ---------------------------------------------------------------- paragraphs
def _place(ind: dict) -> str:
    """The township after its first mention (全镇/全乡)."""
    return self_ref(ind, "all")


def _asof(ind: dict) -> str:
    """What follows "截至": "年底", "11月底" (the report date is stated once, in the intro)."""
    return as_of(ind).removeprefix("截至")


def _cats(by: dict | None, *, nonzero: bool = False, sep: str = "、") -> str:
    parts = [hp(v, label=k) for k, v in (by or {}).items() if not nonzero or v.get("households")]
    return sep.join(parts)


def _with_cats(obj: dict) -> str:
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


def paragraph_basic(ind: dict, basic: dict | None) -> str:
    if not basic:
        return no_data(ind, "basic")
    s = (f"{_place(ind)}{count(basic['villages'], '个')}村共有农户{hp(basic)}，"
         f"其中脱贫户{hp(basic['exited_poor'])}")
    rel = (ind.get("monitoring") or {}).get("relocated")
    if rel and rel.get("households"):
        s += f"，易地扶贫搬迁户{hp(rel)}"
    mon = basic.get("monitoring_objects")
    if mon is not None:
        s += f"；{as_of(ind)}，识别认定防止返贫监测对象{hp(mon)}"
    return s + "。"


def main_risks(m: dict, top: int = 3) -> list[dict]:
    """The main risk types of unresolved objects (at most ``top``, nonzero, largest first):
    ``[{"type", "households", "persons", "share"}]``, share = households / unresolved
    households × 100."""
    un = (m or {}).get("unresolved") or {}
    total = un.get("households") or 0
    by = (m or {}).get("by_risk_type") or {}
    if not total or not by:
        return []
    ranked = sorted(((k, v) for k, v in by.items() if v and v.get("households")),
                    key=lambda kv: (-kv[1]["households"], -kv[1]["persons"]))
    return [{"type": k, "households": v["households"], "persons": v["persons"],
             "share": v["households"] / total * 100} for k, v in ranked[:top]]


def paragraph_monitoring(ind: dict) -> str:
    m = ind.get("monitoring")
    if not m:
        return no_data(ind, "monitoring")
    un, el = m.get("unresolved"), m.get("eliminated")
    s = [f"{as_of(ind)}，{_place(ind)}累计识别认定防止返贫监测对象{hp(m['total'])}"]
    if un is not None and el is not None:
        s.append(f"，其中已消除风险{_with_cats(el)}，风险未消除{_with_cats(un)}")
    s.append("。")
    new, ey = m.get("new_in_year"), m.get("eliminated_in_year")
    span = _whole_year(ind)
    if new is not None:
        s.append(f"{span}新识别认定监测对象{_with_cats(new)}")
        s.append(f"，年内消除风险{_with_cats(ey)}。" if ey is not None else "。")
    elif ey is not None:
        s.append(f"{span}消除风险{_with_cats(ey)}。")
    risks = main_risks(m)
    if risks:
        if len(risks) == 1 and risks[0]["households"] == un["households"]:
            s.append(f"风险未消除的监测对象主要风险均为{risks[0]['type']}。")
        else:
            parts = [f"{r['type']}的{hp(r)}，占{pct(r['share'])}" for r in risks]
            s.append(f"风险未消除的监测对象中，主要风险为{'；'.join(parts)}。")
    idd = m.get("identification_days") or {}
    if idd.get("counted"):
        s.append(f"新识别认定的监测对象从发现风险到识别认定用时中位数为{num(idd['median'])}天，"
                 f"最长{num(idd['max'])}天")
        if idd.get("over_limit"):
            s.append(f"，超过规定时限的{count(idd['over_limit'], '户')}")
        s.append("。")
    s += not_stated(ind, "monitoring")
    return "".join(s)


def _income_levels(below: dict) -> list[dict]:
    """Nonzero groups below each threshold, the widest first."""
    out = [{"threshold": float(k), "households": v["households"], "persons": v["persons"]}
           for k, v in (below or {}).items() if v and v.get("households")]
    return sorted(out, key=lambda x: -x["threshold"])


def below_text(levels: list[dict], w: dict | None = None, first: str | None = None) -> str:
    """Nested thresholds as one sentence: "…低于1万元的70户224人，其中低于8000元的21户68人"."""
    w = w or wording()["problems"]["rules"]["below_threshold"]
    if not levels:
        return ""
    head = fill(first or w["sentence"], {"threshold": yuan_target(levels[0]["threshold"]), "hp": hp(levels[0])})
    rest = [fill(w["nested"], {"threshold": yuan_target(x["threshold"]), "hp": hp(x)}) for x in levels[1:]]
    return "，".join([head, *rest])


def paragraph_income(ind: dict) -> str:
    inc = ind.get("income")
    if not inc:
        return no_data(ind, "income")
    year = ind.get("year")
    pcn, growth = inc.get("per_capita_net") or {}, inc.get("growth") or {}
    if pcn.get("covered") is None:
        return f"{year}年收入数据中没有脱贫户和监测对象的记录，未计算人均纯收入。"
    s = [f"{year}年，{_place(ind)}脱贫户和监测对象人均纯收入{yuan(pcn['covered'])}"]
    if growth.get("covered") is not None:
        s.append(f"，较上年{change(growth['covered'])}")
    sub = []
    for g, name in (("exited_poor", "脱贫户"), ("monitored", "监测对象")):
        if pcn.get(g) is not None:
            part = f"{name}人均纯收入{yuan(pcn[g])}"
            if growth.get(g) is not None:
                part += f"、{change(growth[g])}"
            sub.append(part)
    if sub:
        s.append("；其中" + "，".join(sub))
    s.append("。")
    bench = inc.get("rural_benchmark_growth")
    gap = inc.get("growth_gap")
    if bench is not None and gap is not None:
        r = _round(gap, 2)
        if r == 0:
            s.append(f"全县农村居民人均可支配收入增长{pct(bench)}，脱贫户和监测对象收入增幅与之持平。")
        else:
            side = "高于" if r > 0 else "低于"
            s.append(f"全县农村居民人均可支配收入增长{pct(bench)}，脱贫户和监测对象收入增幅{side}全县农村居民"
                     f"{fixed(abs(gap))}个百分点。")
    comp = inc.get("composition") or {}
    parts = []
    for k, v in comp.items():
        if v is None or _round(v, 2) == 0 and _dec(v) == 0:
            continue
        parts.append(f"{k}收入占{pct(v)}" if _round(v, 2) != 0 else f"{k}收入占比不足0.01%")
    if parts:
        s.append(f"从收入构成看，{_list(parts)}。")
    levels = _income_levels(inc.get("below") or {})
    if levels:
        s.append(below_text(levels, wording(ind)["problems"]["rules"]["below_threshold"],
                            first="按人均纯收入分组，低于{threshold}的{hp}") + "。")
    if inc.get("declined") is not None:
        s.append(f"人均纯收入较上年下降的{hp(inc['declined'])}。")
    s += not_stated(ind, "income")
    return "".join(s)


def paragraph_employment(ind: dict) -> str:
    e = ind.get("employment")
    if not e:
        return no_data(ind, "employment")
    year = ind.get("year")
    w = e.get("workers")
    s = [f"{year}年，{_place(ind)}脱贫户和监测对象家庭共有劳动力{persons(e['labor_force'])}"]
    if w is not None:
        s.append(f"，务工就业{persons(w['total'])}")
        if e.get("workers_prev") is not None:
            s.append(f"，较上年{persons(e['workers_prev'])}")
            s.append(f"{change(e['workers_growth'])}" if e.get("workers_growth") is not None else "")
        by = w.get("by_region") or {}
        if by:
            s.append("；其中" + _list([persons(n, label=r) for r, n in by.items()]))
    s.append("。")
    if e.get("wage_income") is not None:
        s.append(f"{_whole_year(ind)}务工收入合计{wan(e['wage_income'])}。")
    z = e.get("zero_employment_households")
    if z:
        s.append(f"有劳动力但无人务工的零就业家庭{count(z, '户')}。")
    elif z == 0 and e.get("labor_force"):
        s.append("有劳动力的家庭均有成员务工，未发现零就业家庭。")
    s += not_stated(ind, "employment")
    return "".join(s)


def paragraph_funds(ind: dict) -> str:
    f = ind.get("funds")
    if not f:
        return no_data(ind, "funds")
    year = ind.get("year")
    if not f.get("projects"):
        return f"{year}年{_place(ind)}未安排衔接资金项目。"
    ap = f["approved"]
    s = [f"{year}年，{_place(ind)}共实施衔接资金项目{count(f['projects'], '个')}，批复资金{wan(ap['total'])}"]
    src = [f"{k}{wan(v)}" for k, v in (ap.get("by_source") or {}).items() if v]
    if src:
        s.append("，其中" + _list(src))
    s.append("。")
    ind_amt = (ap.get("by_type") or {}).get("产业发展")
    share = (f.get("industry_share") or {}).get("overall")
    if share is not None and ind_amt:
        s.append(f"用于产业发展的资金{wan(ind_amt)}，占{pct(share)}。")
    notes = not_stated(ind, "funds")
    if f.get("paid") is not None:
        if _round(f["paid"], 2) == 0:
            s.append(f"{as_of(ind)}，尚未拨付资金。")
        else:
            s.append(f"{as_of(ind)}，已拨付资金{wan(f['paid'])}")
            if f.get("paid_rate") is not None:
                s.append(f"，拨付率{pct(f['paid_rate'])}")
            s.append("。")
    elif not any(e.get("key") == "paid" for e in _entries(ind, "funds")):
        s.append("本年度未提供资金拨付数据，拨付进度不作统计。")
    done = []
    if f.get("started") is not None:
        done.append(f"已开工项目{count(f['started'], '个')}")
    if f.get("completed") is not None:
        done.append(f"已完工{'项目' if not done else ''}{count(f['completed'], '个')}")
    if done:
        s.append("，".join(done) + "。")
    s += notes
    return "".join(s)


def paragraph_posts(ind: dict) -> str:
    p = ind.get("posts")
    if not p:
        return no_data(ind, "posts")
    year = ind.get("year")
    ip, hired, gone = p.get("in_post"), p["hired_in_year"], p.get("dismissed_in_year")
    if not hired.get("by_type") and not (ip or {}).get("by_type"):
        return f"公益性岗位数据中没有{self_ref(ind, 'we')}的岗位人员记录。"
    s = []
    span = _whole_year(ind)
    if ip is not None:
        s.append(f"{as_of(ind)}，{_place(ind)}公益性岗位在岗{persons(ip['total'])}")
        ranked = sorted((ip.get("by_type") or {}).items(), key=lambda kv: -kv[1])
        by = [persons(n, label=t) for t, n in ranked if n]
        if by:
            s.append("，其中" + _list(by))
        if p.get("annual_cost") is not None:
            s.append(f"，按现有在岗人员测算年度补贴资金{wan(p['annual_cost']['total'])}")
        s.append("。")
        s.append(f"{span}新聘{persons(hired['total'])}")
    else:
        s.append(f"{year}年，{_place(ind)}公益性岗位新聘{persons(hired['total'])}")
    if gone is not None:
        s.append(f"，解聘{persons(gone['total'])}")
        ranked = sorted((gone.get("by_reason") or {}).items(), key=lambda kv: -kv[1])
        reasons = [persons(n, label=r) for r, n in ranked if n]
        if reasons:
            s.append(f"（{'，'.join(reasons)}）")
    s.append("。")
    lazy = ((gone or {}).get("by_reason") or {}).get("不履职")
    if lazy:
        s.append(f"加强岗位日常考勤和履职考核，对不履职的{persons(lazy)}及时解聘调整，做到岗位动态管理、人岗相适。")
    share = p.get("covered_share")
    if share is not None and ip and ip["total"]:
        n = int((_dec(share) * ip["total"] / 100).to_integral_value(rounding=ROUND_HALF_UP))
        if n:
            s.append(f"在岗人员中脱贫人口和监测对象{persons(n)}，占{pct(share)}。")
        else:
            s.append("在岗人员中没有脱贫人口和监测对象。")
    s += not_stated(ind, "posts")
    return "".join(s)


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
    elif topic == "income":
        comp = [v for v in ((ind.get("income") or {}).get("composition") or {}).values() if v is not None]
        if comp:
            total = sum((_round(v, 2) for v in comp), Decimal(0))
            if total != 100:
                parts.append(fill(w["shares"], {"sum": f"{total:.2f}%"}))
    parts = [p for p in parts if p]
    if not parts:
        return None
    return w["prefix"] + "；".join(parts) + "。"


# ---------------------------------------------------------------- 存在问题
def _rule_fields(flag: dict, ind: dict | None) -> dict:
    """Formatted fields of a flag's sentence, from its ``values``."""
    v = flag.get("values") or {}
    rule = flag.get("rule")
    if rule == "identification_days":
        return {"over_limit": v.get("over_limit"), "limit": v.get("limit"), "max": v.get("max"),
                "median": num(v["median"]) if v.get("median") is not None else None}
    if rule in ("declined",):
        return {"hp": hp(v)}
    if rule == "growth_below_benchmark":
        return {"growth": change(v["growth"]), "benchmark": pct(v["benchmark"]), "gap": fixed(v["gap"])}
    if rule == "zero_employment":
        return {"households": v.get("households")}
    if rule == "spend_progress":
        cps = v.get("checkpoints") or []
        return {"names": "、".join(checkpoint(c["date"], ind) for c in cps),
                "rates": "、".join(pct(c["paid_rate"]) for c in cps),
                "targets": "、".join(target(c["target"]) for c in cps), "each": _each(cps)}
    if rule == "start_progress":
        cps = v.get("checkpoints") or []
        return {"names": "、".join(checkpoint(c["date"], ind, quarters=False) for c in cps),
                "rates": "、".join(pct(c["start_rate"]) for c in cps),
                "targets": "、".join(target(c["target"]) for c in cps), "each": _each(cps)}
    if rule in ("wage_below_target", "business_below_target"):
        return {"value": yuan(v["value"]), "target": yuan_target(v["target"])}
    # other rules by the names of their values: {h, p} → "N户M人"; *rate/*share → "66.17%";
    # target → "60%"; amount → "2.5万元"; other numbers plainly
    out = {}
    for k, x in v.items():
        if isinstance(x, dict) and "households" in x and "persons" in x:
            out[k] = hp(x)
        elif isinstance(x, bool) or x is None:
            continue
        elif isinstance(x, (int, float, Decimal)):
            if k.endswith(("rate", "share")):
                out[k] = pct(x)
            elif k == "target":
                out[k] = target(x)
            elif k == "amount":
                out[k] = wan(x)
            else:
                out[k] = num(_round(x, 2))
    if "households" in v and "persons" in v:
        out["hp"] = hp(v)
    return out


def flag_sentence(flag: dict, ind: dict | None = None) -> str:
    """The numbers of a flag as one sentence (no judgement, no full stop), from its
    ``values`` and the wording ``problems.rules.<rule>``; the flag's ``message`` for a rule
    the wording does not know."""
    rw = wording(ind)["problems"]["rules"].get(flag.get("rule")) or {}
    if flag.get("rule") == "below_threshold":
        return below_text((flag.get("values") or {}).get("levels") or [], rw)
    s = fill(rw.get("sentence"), _rule_fields(flag, ind))
    if s:
        return s
    return (flag.get("message") or "").rstrip("。") or str(flag.get("rule"))


def _theme(flag: dict) -> str:
    return flag.get("theme") or TOPIC_THEMES.get(flag.get("topic"), "其他")


def themed(flags: list[dict]) -> list[tuple[str, list[dict]]]:
    """Flags grouped by theme, themes ordered by their most severe flag (then the theme
    list of ``indicators.THEMES``), flags within a theme by severity."""
    from zhenxing.topics.indicators import SEVERITY, THEMES
    rank = {s: i for i, s in enumerate(SEVERITY)}
    order = {t: i for i, t in enumerate(THEMES)}
    key = lambda f: (rank.get(f.get("severity"), len(rank)), order.get(_theme(f), len(order)))  # noqa: E731
    groups: dict[str, list[dict]] = {}
    for f in sorted(flags or [], key=key):
        groups.setdefault(_theme(f), []).append(f)
    return list(groups.items())


def problems(flags: list[dict], ind: dict | None = None) -> list[str]:
    """存在问题: one item per theme, at most five, "一是{judgement}。{numbers}。", ordered by
    severity; one plain sentence when there is no flag."""
    w = wording(ind)["problems"]
    if not flags:
        return [w["none"].rstrip("。") + "。"]
    out = []
    for i, (theme, fl) in enumerate(themed(flags)[:MAX_PROBLEMS]):
        rules = list(dict.fromkeys(f.get("rule") for f in fl))
        if len(rules) == 1:
            judgement = (w["rules"].get(rules[0]) or {}).get("judgement")
        else:
            judgement = None
        judgement = judgement or (w["themes"].get(theme) or {}).get("judgement") or f"{theme}工作还有短板"
        details = _sentences(flag_sentence(f, ind) for f in fl)
        out.append(fill(w["item"], {"ordinal": ORDINALS[i], "judgement": judgement, "details": details}))
    return out


# ---------------------------------------------------------------- {Y+1}年工作打算
def plan_heading(ind: dict) -> str:
    return fill(wording(ind)["plan"]["heading"], {"next": int(ind["year"]) + 1})


def _policy_next(policy: dict, name: str):
    ny = (policy or {}).get("next_year") or {}
    v = ny.get(name)
    return v if v is not None else (policy or {}).get(name)


def _future_checkpoints(progress: dict | None, year: int, after: dt.date | None) -> list[tuple[str, float]]:
    out = []
    for mmdd, t in (progress or {}).items():
        m, d = (int(x) for x in str(mmdd).split("-"))
        if after is None or dt.date(year, m, d) > after:
            out.append((f"{m:02d}-{d:02d}", t))
    return sorted(out)


def _plan_fields(theme: str, ind: dict, policy: dict, fl: list[dict], projects: list[str] | None) -> dict:
    """The fields of one theme's plan item: each clause of the wording whose fields are all
    here is written. Targets for Y+1 come from ``policy["next_year"]`` (else this year's
    policy), or from this year's figures; nothing dated on or before the report date."""
    year = int(ind["year"])
    f = {"next": year + 1, "year": year, "all": self_ref(ind, "all"), "we": self_ref(ind, "we")}
    rules = {x.get("rule") for x in fl}
    own = wording(ind)["plan"].get("rules") or {}
    handled = {"identification_days", "below_threshold", "declined", "growth_below_benchmark",
               "zero_employment", "spend_progress", "start_progress", *own}
    left = [x for x in fl if x.get("rule") not in handled]
    if left:
        f["problems"] = "；".join(flag_sentence(x, ind) for x in left)
    if theme == "监测帮扶":
        m = ind.get("monitoring") or {}
        limit = _policy_next(policy, "identification_days_max")
        if limit is not None:
            f["identify_late" if "identification_days" in rules else "identify"] = True
            f["limit"] = num(limit)
        un = m.get("unresolved") or {}
        if un.get("households"):
            f["unresolved"] = hp(un)
            vil = [(k, x["unresolved"]) for k, x in (m.get("by_village") or {}).items()
                   if (x or {}).get("unresolved") and x["unresolved"].get("households")]
            if vil:
                k, x = min(vil, key=lambda kv: (-kv[1]["households"], -kv[1]["persons"], kv[0]))
                f["village"], f["village_hp"] = k, hp(x)
            risks = main_risks(m)
            if risks:
                f["risks"] = "、".join(r["type"] for r in risks)
        if m:
            f["eliminate"] = True
    elif theme == "增收":
        inc = ind.get("income") or {}
        bench = inc.get("rural_benchmark_growth")
        if bench is None:
            bench = (policy or {}).get("rural_benchmark_growth")
        g = (inc.get("growth") or {}).get("covered")
        if bench is not None:
            f["growth_target"] = True
        elif g is not None and _round(g, 2) > 0:
            f["growth_keep"], f["growth"] = True, pct(g)
        levels = _income_levels(inc.get("below") or {})
        floor = _policy_next(policy, "income_floor")
        if floor is None and (policy or {}).get("income_thresholds"):
            floor = min(float(x) for x in policy["income_thresholds"])
        if levels and floor is not None:
            f["threshold"], f["hp"], f["floor"] = yuan_target(levels[0]["threshold"]), hp(levels[0]), yuan_target(floor)
        dec = inc.get("declined") or {}
        if dec.get("households"):
            f["declined"] = hp(dec)
        if inc:
            f["standing"] = True
    elif theme == "就业":
        e = ind.get("employment") or {}
        w = e.get("workers") or {}
        if w.get("total"):
            f["workers"] = persons(w["total"])
        if e.get("zero_employment_households"):
            f["zero"] = e["zero_employment_households"]
        ip = (ind.get("posts") or {}).get("in_post") or {}
        if ip.get("total"):
            f["in_post"] = persons(ip["total"])
    elif theme == "资金项目":
        fu = ind.get("funds") or {}
        d = _report_date(ind)
        rate = fu.get("paid_rate")
        rest = [(c, t) for c, t in _future_checkpoints((policy or {}).get("spend_progress"), year, d)
                if rate is None or rate < t]
        if rest and fu.get("projects"):
            f["rest_of_year"] = True
            f["rest_names"] = "、".join(checkpoint(c, ind) for c, _ in rest)
            f["rest_targets"] = "、".join(target(t) for _, t in rest)
            f["rest_each"] = _each(rest)
        ap = (fu.get("approved") or {}).get("total")
        if fu.get("projects") and ap is not None and fu.get("paid") is not None:
            left = _dec(ap) - _dec(fu["paid"])
            if _round(left, 2) > 0:
                f["unpaid"] = wan(left)
        if projects:
            f["projects"] = "、".join(projects)
        sp = _future_checkpoints(_policy_next(policy, "spend_progress"), year + 1, None)
        if sp:
            f["spend"] = (["、".join(checkpoint(c, ind) for c, _ in sp), "、".join(target(t) for _, t in sp), _each(sp)])
        st = _future_checkpoints(_policy_next(policy, "start_progress"), year + 1, None)
        if st:
            f["start"] = (["、".join(checkpoint(c, ind, quarters=False) for c, _ in st), "、".join(target(t) for _, t in st), _each(st)])
        if fu:
            f["standing"] = True
    return f


# clause → the fields that make it apply (besides those its template names)
_CLAUSE_NEEDS = {
    "identify": ("identify",), "identify_late": ("identify_late",), "eliminate": ("eliminate",),
    "growth_target": ("growth_target",), "growth_keep": ("growth_keep",), "standing": ("standing",),
    "rest_of_year": ("rest_of_year",), "spend": ("spend",), "start": ("start",),
}


def _clause(name: str, template: str, fields: dict) -> str | None:
    if any(not fields.get(k) for k in _CLAUSE_NEEDS.get(name, ())):
        return None
    local = dict(fields)
    if name == "rest_of_year":
        local.update(names=fields["rest_names"], targets=fields["rest_targets"], each=fields["rest_each"])
    elif name in ("spend", "start"):
        local["names"], local["targets"], local["each"] = fields[name]
    return fill(template, local)


def plan(ind: dict, policy: dict | None = None, flags: list[dict] | None = None,
         projects: list[str] | None = None) -> list[str]:
    """{Y+1}年工作打算: one item per theme that has a flag or a standing duty (a topic with
    data: monitoring, income, employment/posts, funds), "一是{title}。{clauses}。", each
    forward-looking with its Y+1 target and the local specifics (the village with most
    unresolved households, the unfinished ``projects`` by name)."""
    from zhenxing.topics.indicators import THEMES
    flags = ind.get("flags", []) if flags is None else flags
    w = wording(ind)["plan"]
    by_theme = dict(themed(flags))
    standing = {"监测帮扶": ind.get("monitoring"), "增收": ind.get("income"),
                "就业": ind.get("employment") or ind.get("posts"), "资金项目": ind.get("funds")}
    themes = [t for t in THEMES if t in by_theme or standing.get(t)]
    themes += [t for t in by_theme if t not in themes]
    out = []
    for theme in themes:
        tw = w["themes"].get(theme) or w["fallback"]
        fields = _plan_fields(theme, ind, policy or {}, by_theme.get(theme, []), projects)
        fields["theme"] = theme
        clauses = [_clause(name, tpl, fields) for name, tpl in (tw.get("clauses") or {}).items()]
        for fl in by_theme.get(theme, []):   # a sentence for each flagged rule the wording plans for
            tpl = (w.get("rules") or {}).get(fl.get("rule"))
            if tpl:
                clauses.append(fill(tpl, {**_rule_fields(fl, ind), "next": fields["next"], "year": fields["year"]}))
        clauses = list(dict.fromkeys(c for c in clauses if c))
        if not clauses and theme in by_theme:
            clauses = [_clause(n, t, fields) for n, t in w["fallback"]["clauses"].items()]
            clauses = [c for c in clauses if c]
        if not clauses:
            continue
        title = fill(tw.get("title"), fields) or fill(w["fallback"]["title"], fields)
        out.append(fill(w["item"], {"ordinal": ORDINALS[len(out)], "title": title, "details": _sentences(clauses)}))
    if not out:
        out.append("持续做好防止返贫动态监测和帮扶工作，巩固拓展脱贫攻坚成果。")
    return out


def next_steps(flags: list[dict], ind: dict | None = None, policy: dict | None = None,
               projects: list[str] | None = None) -> list[str]:
    """The plan items (kept under its old name): see :func:`plan`."""
    ind = dict(ind or {"year": dt.date.today().year})
    return plan(ind, policy, flags, projects)


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
    for e in _entries(ind, topic):
        if e.get("key") is None:
            return e.get("reason")
    return None


def _unstated(ind: dict, topic: str, what: str) -> str:
    """The sentence for an optional topic left null as a whole: "未提供小额信贷数据，未统计…。"."""
    return f"{_whole_reason(ind, topic) or f'未提供{TOPIC_NAMES.get(topic, topic)}数据'}，{what}。"


def _share(part, whole) -> str:
    return pct(part / whole * 100) if whole else MISSING


def sentence_main_risk_types(ind: dict) -> str:
    """The two or three main risk types of unresolved objects with their shares."""
    m = ind.get("monitoring") or {}
    main = m.get("main_risk_types")
    if not main:
        return ""
    parts = [f"{r['type']}（{count(r['households'], '户')}，占{pct(r['share'])}）" for r in main]
    return f"从风险类型看，风险未消除的监测对象以{_list(parts)}为主。"


def paragraph_villages(ind: dict) -> str:
    """村级基本情况 (basic section): villages, 脱贫村, staff and collective income."""
    v = ind.get("villages")
    if not v:
        return _unstated(ind, "villages", "未统计村级组织和村集体经济情况")
    year = ind.get("year")
    s = [f"{_place(ind)}村级数据涉及行政村{count(v['count'], '个')}"]
    if v.get("poverty_exited") is not None:
        s.append(f"，其中脱贫村{count(v['poverty_exited'], '个')}")
    staff = []
    if v.get("groups") is not None:
        staff.append(f"村民小组{count(v['groups'], '个')}")
    if v.get("grid_staff") is not None:
        staff.append(f"防返贫监测网格员{persons(v['grid_staff'])}")
    if v.get("work_team") is not None:
        staff.append(f"驻村工作队员{persons(v['work_team'])}")
    if staff:
        s.append("；共有" + "、".join(staff))
    s.append("。")
    c5, c10, n = v.get("collective_income_5"), v.get("collective_income_10"), v.get("collective_income_counted")
    if c5 is not None and n:
        s.append(f"{year}年有村集体经济收入数据的{count(n, '个')}村中，收入5万元以上的{count(c5['count'], '个')}，"
                 f"占{pct(c5['share'])}")
        if c10 is not None:
            s.append(f"；10万元以上的{count(c10['count'], '个')}，占{pct(c10['share'])}")
        s.append("。")
    s += not_stated(ind, "villages")
    return "".join(s)


def paragraph_security(ind: dict) -> str:
    """兜底保障: 低保/特困 of covered households, social assistance, the 兜底 gap."""
    sec = ind.get("security")
    if not sec:
        return no_data(ind, "security")
    s = []
    dib, tek = sec.get("dibao"), sec.get("tekun")
    parts = []
    if dib is not None:
        parts.append(f"纳入农村低保{hp(dib)}")
    if tek is not None:
        parts.append(f"纳入特困供养{hp(tek)}")
    if parts:
        s.append(f"截至{_asof(ind)}，脱贫户和监测对象中{'，'.join(parts)}。")
    a = ind.get("assistance")
    if a:
        rows = [(k, v) for k, v in a["by_type"].items() if v["households"]]
        if rows:
            items = []
            for k, v in rows:
                item = f"{k}{count(v['households'], '户')}"
                if v.get("persons") is not None:
                    item += f"{int(v['persons'])}人"
                if v.get("amount") is not None:
                    item += f"、发放{wan(v['amount'])}"
                items.append(item)
            s.append(f"{ind.get('year')}年社会救助：{'；'.join(items)}。")
        else:
            s.append(f"社会救助数据中{ind.get('year')}年没有{_place(ind)}的救助记录。")
        base = a.get("covered_base") or {}
        if a.get("covered_share") is not None:
            s.append(f"脱贫户和监测对象{count(base['covered'], '户')}中，截至{_asof(ind)}正在享受低保或特困供养的"
                     f"{count(base['secured'], '户')}，占{pct(a['covered_share'])}。")
        s += not_stated(ind, "assistance")
    else:
        s.append(_unstated(ind, "assistance", "未统计救助资金发放情况"))
    gap = sec.get("unable_to_work_unsecured")
    if gap is not None:
        if gap["households"]:
            s.append(f"风险未消除的监测对象中，家中无劳动力且未纳入低保或特困供养的{hp(gap)}，需逐户评估纳入兜底保障。")
        else:
            s.append("风险未消除且家中无劳动力的监测对象均已纳入低保或特困供养。")
    s += not_stated(ind, "security")
    return "".join(s)


def paragraph_insurance(ind: dict) -> str:
    """基本医疗保险和基本养老保险参保情况 of covered households' members."""
    sec = ind.get("security")
    if not sec:
        return ""
    s = []
    med, pen = sec.get("medical_insured"), sec.get("pension_insured")
    if med:
        s.append(f"脱贫户和监测对象家庭成员中，已登记参保情况的{persons(med['counted'])}，参加基本医疗保险"
                 f"{persons(med['insured'])}，参保率{pct(sec['medical_insured_rate'])}")
    if pen:
        s.append(f"{'；' if s else '脱贫户和监测对象家庭成员中，'}16周岁以上非在校生已登记的{persons(pen['counted'])}，"
                 f"参加基本养老保险{persons(pen['insured'])}，参保率{pct(sec['pension_insured_rate'])}")
    return ("".join(s) + "。") if s else ""


def paragraph_relocation(ind: dict) -> str:
    """易地扶贫搬迁后续扶持 (its own subsection)."""
    r = ind.get("relocation")
    lead = "**易地扶贫搬迁后续扶持。**"
    if not r:
        return lead + no_data(ind, "relocation")
    if not r["households"]["households"]:
        return lead + f"{_place(ind)}没有易地扶贫搬迁户。"
    s = [lead, f"{_place(ind)}有易地扶贫搬迁户{hp(r['households'])}"]
    if r.get("labor_force") is not None:
        s.append(f"，搬迁家庭有劳动力{persons(r['labor_force'])}")
        if r.get("workers") is not None:
            s.append(f"，{ind.get('year')}年务工就业{persons(r['workers'])}")
            if r.get("work_rate") is not None:
                s.append(f"，务工就业率{pct(r['work_rate'])}")
    s.append("。")
    z = r.get("zero_employment_households")
    if z:
        s.append(f"有劳动力但无人务工的搬迁家庭{count(z, '户')}，需优先落实就业帮扶。")
    elif z == 0 and r.get("labor_force"):
        s.append("有劳动力的搬迁家庭均有成员务工。")
    s += not_stated(ind, "relocation")
    return "".join(s)


def paragraph_education(ind: dict) -> str:
    """控辍保学 (members.在校生状况) and 教育资助 (optional table)."""
    e = ind.get("education")
    s = []
    if not e:
        s.append(no_data(ind, "education"))
    elif e.get("students_by_stage") is not None:
        by = [persons(n, label=k) for k, n in e["students_by_stage"].items() if n]
        s.append(f"脱贫户和监测对象家庭有在校生{persons(e['students'])}" + (f"（{_list(by)}）" if by else "") + "。")
        k = e["compulsory_age_not_in_school"]
        if k:
            s.append(f"义务教育阶段适龄（6至15周岁）人员中登记为非在校生的{persons(k)}，需逐人核实，落实劝返复学或送教上门。")
        else:
            s.append("义务教育阶段适龄（6至15周岁）人员均在校，未发现失学辍学。")
    s += not_stated(ind, "education")
    a = ind.get("education_aid")
    year = ind.get("year")
    if a:
        progs = a["by_programme"]
        if progs:
            n = sum(v["count"] for v in progs.values())
            total = sum(v["amount"] for v in progs.values())
            rb = a["rainbow"]
            s.append(f"{year}年（{year - 1}—{year}学年春季和{year}—{year + 1}学年秋季）落实教育资助{count(n, '人次')}、"
                     f"{wan(total)}，其中雨露计划{count(rb['count'], '人次')}、{wan(rb['amount'])}")
            others = [f"{k}{count(v['count'], '人次')}、{wan(v['amount'])}" for k, v in progs.items() if k != "雨露计划"]
            if others:
                s.append("；" + "；".join(others))
            s.append("。")
        else:
            s.append(f"教育资助数据中没有{_place(ind)}{year}年的资助记录。")
    else:
        s.append(_unstated(ind, "education_aid", "未统计雨露计划等教育资助情况"))
    return "".join(s)


def paragraph_credit(ind: dict) -> str:
    """小额信贷: new loans, 获贷率, balance, cumulative, overdue (无逾期 when 0)."""
    c = ind.get("credit")
    if not c:
        return no_data(ind, "credit")
    year = ind.get("year")
    n = c["loans_in_year"]
    s = [f"{year}年新发放脱贫人口小额信贷{count(n['count'], '笔')}、{wan(n['amount'])}，涉及{count(n['households'], '户')}"]
    base = c.get("coverage_base") or {}
    if c.get("coverage") is not None:
        s.append(f"；脱贫户和监测对象{count(base['covered'], '户')}中当年获贷{count(base['borrowers'], '户')}，"
                 f"获贷率{pct(c['coverage'])}")
    s.append("。")
    cum = c["cumulative"]
    s.append(f"截至{_asof(ind)}，累计发放{count(cum['count'], '笔')}、{wan(cum['amount'])}")
    if c.get("outstanding") is not None:
        s.append(f"，贷款余额{count(c['outstanding']['count'], '笔')}、{wan(c['outstanding']['amount'])}")
    s.append("。")
    od = c.get("overdue")
    if od is not None:
        s.append(f"逾期贷款{count(od['count'], '笔')}、{wan(od['amount'])}，需逐笔督促还款、防范风险。"
                 if od["count"] else "无逾期贷款。")
    s += not_stated(ind, "credit")
    return "".join(s)


def paragraph_assets(ind: dict) -> str:
    """项目资产 (funds topic): registered assets, classes, 确权, income."""
    a = ind.get("assets")
    if not a:
        return _unstated(ind, "assets", "未统计扶贫项目资产情况")
    if not a["count"]:
        return f"项目资产数据中没有{_place(ind)}的资产记录。"
    s = [f"截至{_asof(ind)}，{_place(ind)}登记扶贫项目资产{count(a['count'], '项')}，原值{wan(a['value'])}"]
    parts = [f"{k}{count(v['count'], '项')}、{wan(v['value'])}" for k, v in a["by_class"].items() if v["count"]]
    if parts:
        s.append("，其中" + "，".join(parts))
    s.append("。")
    if a.get("registered_rate") is not None:
        s.append(f"已确权{count(a['registered'], '项')}，确权率{pct(a['registered_rate'])}")
        s.append(f"，尚未确权{count(a['unregistered'], '项')}。" if a["unregistered"] else "，资产均已确权。")
    if a.get("income") is not None:
        s.append(f"经营性资产当年收益{wan(a['income'])}。")
    s += not_stated(ind, "assets")
    return "".join(s)


def paragraph_funds_more(ind: dict) -> str:
    """Project types, beneficiaries and the start checkpoints of the year's projects."""
    f = ind.get("funds")
    if not f or not f.get("projects"):
        return ""
    s = []
    by = [f"{k}项目{count(v, '个')}" for k, v in (f.get("projects_by_type") or {}).items() if v]
    if by:
        s.append(f"按项目类型分，{_list(by)}。")
    if f.get("beneficiaries") is not None:
        s.append(f"项目受益脱贫人口和监测对象{persons(f['beneficiaries'])}。")
    sp = f.get("start_progress")
    if sp:
        items = [f"截至{date_cn(p['date'])[5:]}开工{count(p['started'], '个')}、开工率{pct(p['start_rate'])}"
                 f"（要求{num(p['target'])}%）" for p in sp]
        s.append("；".join(items) + "。")
    return "".join(s)


def paragraph_employment_more(ind: dict) -> str:
    """就业方式 and 稳定务工 (务工6个月以上) of the year's workers."""
    e = ind.get("employment")
    if not e or e.get("workers") is None:
        return ""
    s = []
    by = e.get("by_mode")
    if by:
        s.append("按就业方式分，" + _list([persons(n, label=k) for k, n in by.items() if n]) + "。")
    if e.get("stable_workers") is not None:
        s.append(f"全年务工6个月以上的稳定就业{persons(e['stable_workers'])}，占务工人数的"
                 f"{_share(e['stable_workers'], e['workers']['total'])}。")
    return "".join(s)


def paragraph_income_more(ind: dict) -> str:
    """Per-capita wage and net business income of the covered group against the targets."""
    inc = ind.get("income")
    if not inc or inc.get("per_capita_wage") is None:
        return ""
    s = f"脱贫户和监测对象人均工资性收入{yuan(inc['per_capita_wage'])}"
    if inc.get("wage_income_target") is not None:
        s += f"（目标{yuan(inc['wage_income_target'])}）"
    s += f"，人均生产经营净收入{yuan(inc['per_capita_business_net'])}"
    if inc.get("business_income_target") is not None:
        s += f"（目标{yuan(inc['business_income_target'])}）"
    return s + "。"



# =============================================================================
# County summary (issue 13): the county's own paragraphs, comparisons of townships,
# the industry-share assessment and the {Y+1}年工作计划 targets. The township sentences
# above are reused on the pooled figures (``ind["level"] == "county"`` makes them say
# 全县/我县); nothing here is used in a township report.
# =============================================================================
def _cw(ind: dict) -> dict:
    return wording(ind)["county"]


def county_title(ind: dict) -> str:
    return fill(_cw(ind)["title"], {"county": ind.get("county") or "", "year": ind.get("year")})


def county_intro(ind: dict) -> str:
    d = ind.get("report_date")
    return fill(_cw(ind)["intro"], {"year": ind.get("year"), "county": ind.get("county") or "本县",
                                    "date": date_cn(d) if d else "报告日"}) + "。"


def county_coverage(ind: dict, missing: list[str] | None = None) -> str:
    """Which townships the totals hold, and which are missing (named, never left out
    silently): "本总结汇总了5个乡镇（…）的数据，石门乡未能生成报告，未计入。" """
    w = _cw(ind)
    towns = ind.get("townships") or []
    s = fill(w["coverage"], {"n": len(towns), "towns": f"（{_list(towns)}）" if towns else ""})
    if missing:
        s += "，" + fill(w["coverage_missing"], {"missing": _list(missing)})
    else:
        s += "，" + w["coverage_all"]
    held = []
    cf = (ind.get("county_held") or {}).get("funds") or {}
    ca = (ind.get("county_held") or {}).get("assets") or {}
    if cf.get("projects"):
        held.append(f"衔接资金项目{count(cf['projects'], '个')}、批复资金{wan(cf['approved']['total'])}")
    if ca.get("count"):
        held.append(f"扶贫项目资产{count(ca['count'], '项')}、原值{wan(ca['value'])}")
    if held:
        s += "；" + fill(w["county_held"], {"what": "、".join(held)})
    return s + "。"


def county_partial_note(ind: dict) -> str | None:
    """注 for a column some townships did not give (pooled over the others)."""
    parts = []
    for table, cols in (ind.get("partial_columns") or {}).items():
        for col, towns in cols.items():
            if col == "风险发现日期":
                parts.append(f"{_list(towns)}未提供{col}，识别认定用时按其余乡镇计算")
            else:
                parts.append(f"{_list(towns)}未提供{col}")
    return "注：" + "；".join(parts) + "。" if parts else None


def county_basic(ind: dict) -> str:
    return paragraph_basic(ind, ind.get("basic"))


_STANDOUT_TOPICS = {"monitoring": ("identification_median", "identification_max"),
                    "income": ("below", "per_capita_net"), "employment": ("zero_employment",),
                    "funds": ("paid_rate", "start_rate")}


def standout_fields(key: str, x: dict, ind: dict) -> dict:
    v = x.get("value")
    f = {"town": x.get("township")}
    if key in ("paid_rate", "start_rate"):
        f["value"], f["target"] = pct(v), target(x["target"]) if x.get("target") is not None else None
        if x.get("date"):
            f["date"] = date_cn(x["date"])[5:]
    elif key == "per_capita_net":
        f["value"] = yuan(v)
    elif key == "below":
        f["value"], f["threshold"] = v, yuan_target(x["threshold"])
    else:
        f["value"] = num(_round(v, 1)) if isinstance(v, float) else v
        f["target"] = num(x["target"]) if x.get("target") is not None else None
    return f


def county_standouts(ind: dict, topic: str) -> str | None:
    """The sentence naming the townships that stand out on this topic's figures (furthest
    from a target, most zero-employment households, slowest identification)."""
    w = _cw(ind)["standouts"]
    so = ind.get("standouts") or {}
    parts = [fill(w.get(k), standout_fields(k, so[k], ind)) for k in _STANDOUT_TOPICS.get(topic, ()) if k in so]
    parts = [p for p in parts if p]
    return _sentences(parts) or None


def county_industry(ind: dict) -> str | None:
    """The county-only assessment: industry share of 衔接资金 by source against its target."""
    rows = (ind.get("funds") or {}).get("industry_assessment")
    if not rows:
        return None
    w = _cw(ind)["industry"]
    parts = []
    for a in rows:
        f = {"source": a["source"], "approved": wan(a["approved"]), "industry": wan(a["industry"]),
             "share": pct(a["share"]), "target": target(a["target"]),
             "gap": fixed(_round(a["target"], 2) - _round(a["share"], 2))}
        parts.append(fill(w["met" if a["met"] else "missed"], f))
    return w["lead"] + "，" + _sentences(parts)


def _industry_rule_sentence(flag: dict, ind: dict | None) -> str:
    return "；".join(f"{m['source']}用于产业发展的比重为{pct(m['share'])}，低于{target(m['target'])}的要求"
                    for m in (flag.get("values") or {}).get("sources") or [])


def county_problems(flags: list[dict], ind: dict) -> list[str]:
    """The county's 存在问题, one item per theme (at most five), as a township's; the
    county-only rule (industry share) written from its values."""
    fl = []
    for f in flags or []:
        if f.get("rule") == "industry_share":
            f = {**f, "message": _industry_rule_sentence(f, ind)}
        fl.append(f)
    return problems(fl, ind)


def plan_targets(ind: dict) -> tuple[list[str], str | None]:
    """The 工作目标 of the county plan as numbered lines, each with the date by which it is
    due (grouped: one line per target, successive checkpoints together), and the 注
    saying which come from the policy file."""
    w = _cw(ind)["plan"]
    year = int(ind["year"])
    groups: dict[str, list[dict]] = {}
    for t in ind.get("plan_targets") or []:
        groups.setdefault(t["key"], []).append(t)
    lines, from_policy = [], []

    def when(dues: list[str]) -> str:
        ds = sorted(set(dues))
        first = date_cn(ds[0])
        rest = [date_cn(d)[5:] for d in ds[1:]]
        return "、".join([first, *rest]) + "前"

    def val(t):
        u = t["unit"]
        if u == "%":
            return pct(t["value"]) if t["key"] == "income_growth" else target(t["value"])
        if u == "元":
            return yuan_target(t["value"])
        if u == "天":
            return num(t["value"])
        return f"{t['value']}{u}" if u != "人" else persons(t["value"])

    for key, ts in groups.items():
        tpl = w["targets"].get(key)
        if not tpl:
            continue
        b = ts[0].get("basis")
        f = {"value": val(ts[0]), "values": "、".join(val(t) for t in ts), "each": _each(ts),
             "year": year, "sources": "、".join(t.get("source_name", "") for t in ts)}
        if b is not None:
            f["basis"] = (pct(b) if ts[0]["unit"] == "%" else persons(b) if ts[0]["unit"] == "人" else b)
        body = fill(tpl, f)
        if not body:
            continue
        lines.append(fill(w["item"], {"n": len(lines) + 1, "text": f"{when([t['due'] for t in ts])}，{body}。"}))
        if all(t.get("source") == "policy" for t in ts):
            from_policy.append(len(lines))
    note = None
    if from_policy and len(from_policy) < len(lines):
        note = fill(w["goals_note"], {"policy_items": _ranges(from_policy), "year": year}) + "。"
    return lines, note


def _ranges(ns: list[int]) -> str:
    out, start = [], None
    for i, n in enumerate(ns):
        if start is None:
            start = n
        if i + 1 == len(ns) or ns[i + 1] != n + 1:
            out.append(str(start) if start == n else f"{start}至{n}")
            start = None
    return "、".join(out)


def county_plan_heading(ind: dict) -> str:
    return fill(_cw(ind)["plan"]["heading"], {"next": int(ind["year"]) + 1})
