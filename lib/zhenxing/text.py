"""Numbers to Chinese report text, and one paragraph per topic.

Formats follow ``shared/spec/indicators.md`` ("Numbers in text"): rounding is
half up in decimal arithmetic on ``Decimal(str(x))`` (753.135 → ``753.14万元``;
binary floats would give 753.13). Paragraph functions take the indicators dict
(``indicators.compute``) and never raise on a topic whose data is absent: they
say so instead.
"""
from __future__ import annotations

import datetime as dt
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


def _place(ind: dict) -> str:
    return ind.get("township") or "本乡镇"


def _asof(ind: dict) -> str:
    return date_cn(ind["report_date"]) if ind.get("report_date") else "报告日"


def _cats(by: dict | None, *, nonzero: bool = False) -> str:
    parts = [hp(v, label=k) for k, v in (by or {}).items() if not nonzero or v.get("households")]
    return _list(parts)


# ---------------------------------------------------------------- paragraphs
def paragraph_basic(ind: dict, basic: dict | None) -> str:
    if not basic:
        return no_data(ind, "basic")
    place = _place(ind)
    s = (f"{place}农户信息涉及{count(basic['villages'], '个')}村，共有农户{hp(basic)}，"
         f"其中脱贫户{hp(basic['exited_poor'])}")
    mon = basic.get("monitoring_objects")
    if mon is not None:
        s += f"，截至{_asof(ind)}纳入防止返贫监测对象{hp(mon)}"
    return s + "。"


def paragraph_monitoring(ind: dict) -> str:
    m = ind.get("monitoring")
    if not m:
        return no_data(ind, "monitoring")
    place, year = _place(ind), ind.get("year")
    un, el = m.get("unresolved"), m.get("eliminated")
    s = [f"截至{_asof(ind)}，{place}累计纳入防止返贫监测对象{hp(m['total'])}"]
    if un is not None and el is not None:
        s.append(f"，其中已消除风险{hp(el)}，风险未消除{hp(un)}")
        if un.get("households"):
            s.append(f"（{_cats(un.get('by_category'))}）")
    s.append("。")
    new, ey = m.get("new_in_year"), m.get("eliminated_in_year")
    if new is not None:
        s.append(f"{year}年新纳入监测对象{hp(new)}")
        cats = _cats(new.get("by_category"), nonzero=True)
        if cats:
            s.append(f"（{cats}）")
        s.append(f"，年内消除风险{hp(ey)}。" if ey is not None else "。")
    elif ey is not None:
        s.append(f"{year}年内消除风险{hp(ey)}。")
    idd = m.get("identification_days") or {}
    if idd.get("counted"):
        s.append(f"新纳入的监测对象中，{count(idd['counted'], '户')}可计算识别用时，"
                 f"从发现风险到纳入监测用时中位数为{num(idd['median'])}天，最长{num(idd['max'])}天")
        if idd.get("over_limit"):
            s.append(f"，超出规定时限的{count(idd['over_limit'], '户')}")
        s.append("。")
    if idd.get("excluded_month_only"):
        s.append(f"另有{count(idd['excluded_month_only'], '户')}的风险发现或纳入监测日期仅登记到月份，未计算识别用时。")
    s += not_stated(ind, "monitoring")
    return "".join(s)


def paragraph_income(ind: dict) -> str:
    inc = ind.get("income")
    if not inc:
        return no_data(ind, "income")
    year = ind.get("year")
    pcn, growth = inc.get("per_capita_net") or {}, inc.get("growth") or {}
    if pcn.get("covered") is None:
        return f"{year}年收入数据中没有脱贫户和监测对象的记录，未计算人均纯收入。"
    s = [f"{year}年，全体脱贫户和监测对象人均纯收入{yuan(pcn['covered'])}"]
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
        side = "高于" if _round(gap, 2) >= 0 else "低于"
        s.append(f"全县农村居民人均可支配收入增长{pct(bench)}，脱贫户和监测对象收入增幅{side}全县农村居民"
                 f"{fixed(abs(gap))}个百分点。")
    comp = inc.get("composition") or {}
    if any(v is not None for v in comp.values()):
        parts = [f"{k}收入占{pct(v)}" for k, v in comp.items() if v is not None]
        s.append(f"从收入构成看，{_list(parts)}。")
    below = inc.get("below") or {}
    if below:
        parts = [f"低于{yuan(float(k))}的{hp(v)}" for k, v in sorted(below.items(), key=lambda kv: float(kv[0]))
                 if v is not None]
        if parts:
            s.append(f"按人均纯收入分组，{'，'.join(parts)}。")
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
    s = [f"{year}年，脱贫户和监测对象家庭共有劳动力{persons(e['labor_force'])}"]
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
        s.append(f"全年务工收入合计{wan(e['wage_income'])}。")
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
    if share is not None and ind_amt is not None:
        s.append(f"用于产业发展的资金{wan(ind_amt)}，占{pct(share)}。")
    notes = not_stated(ind, "funds")
    if f.get("paid") is not None:
        s.append(f"截至{_asof(ind)}，已拨付资金{wan(f['paid'])}")
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
        return f"公益性岗位数据中没有{_place(ind)}的岗位人员记录。"
    s = []
    if ip is not None:
        s.append(f"截至{_asof(ind)}，{_place(ind)}公益性岗位在岗{persons(ip['total'])}")
        ranked = sorted((ip.get("by_type") or {}).items(), key=lambda kv: -kv[1])
        by = [persons(n, label=t) for t, n in ranked if n]
        if by:
            s.append("，其中" + _list(by))
        if p.get("annual_cost") is not None:
            s.append(f"，按现有在岗人员测算年度补贴资金{wan(p['annual_cost']['total'])}")
        s.append("。")
        s.append(f"{year}年新聘{persons(hired['total'])}")
    else:
        s.append(f"{year}年，{_place(ind)}公益性岗位新聘{persons(hired['total'])}")
    if gone is not None:
        s.append(f"，解聘{persons(gone['total'])}")
        reasons = [persons(n, label=r) for r, n in (gone.get("by_reason") or {}).items() if n]
        if reasons:
            s.append(f"（{_list(reasons)}）")
    s.append("。")
    share = p.get("covered_share")
    if share is not None and ip and ip["total"]:
        n = int((_dec(share) * ip["total"] / 100).to_integral_value(rounding=ROUND_HALF_UP))
        s.append(f"在岗人员中脱贫人口和监测对象{persons(n)}，占{pct(share)}。")
    s += not_stated(ind, "posts")
    return "".join(s)


# ---------------------------------------------------------------- problems, next steps
NEXT_STEPS = {
    ("monitoring", "unresolved"): "对风险未消除的监测对象逐户落实帮扶措施，定期回访，符合条件的及时标注风险消除。",
    ("monitoring", "identification_days"): "压实网格员和村级排查责任，收到风险线索后及时入户核实，按时限完成识别纳入。",
    ("income", "below_threshold"): "对人均纯收入低于{k}元的农户逐户分析收入结构，因户施策落实产业、就业和兜底帮扶。",
    ("income", "declined"): "对收入下降的农户逐户查明原因，针对性落实增收措施，防止因收入下滑返贫致贫。",
    ("income", "growth_below_benchmark"): "加大产业和就业帮扶力度，推动脱贫户和监测对象收入增速不低于全县农村居民平均水平。",
    ("employment", "zero_employment"): "对零就业家庭开展就业需求摸排，通过务工推荐、技能培训和公益性岗位安置，做到动态清零。",
    ("funds", "spend_progress"): "对照{date}拨付进度要求，逐个项目倒排工期、加快报账，按月调度，确保资金按期拨付到位。",
    ("funds", "industry_share"): "优化衔接资金使用结构，提高{src}用于产业发展的比例，达到规定要求。",
    ("posts", "dismissed_not_performing"): "加强公益性岗位人员日常考勤和履职考核，及时调整不履职人员，规范岗位管理。",
}


def problems(flags: list[dict]) -> list[str]:
    """One sentence per flag; one sentence when there is none."""
    if not flags:
        return ["对照各项监测指标和政策目标，本年度未发现需要重点关注的问题。"]
    return [f["message"] for f in flags]


def next_steps(flags: list[dict]) -> list[str]:
    """One concrete action line per flag; one general line when there is none."""
    if not flags:
        return ["持续做好防止返贫动态监测和帮扶工作，巩固拓展脱贫攻坚成果。"]
    out = []
    for f in flags:
        line = NEXT_STEPS.get((f.get("topic"), f.get("rule")))
        if line is None:
            what = (f.get("message") or "上述问题").rstrip("。")
            line = f"针对“{what}”的问题，制定整改措施，明确责任和时限，抓好落实。"
        if "{k}" in line:
            k = _first_number_after(f.get("message", ""), "低于")
            line = line.replace("{k}", k or "规定标准")
        if "{date}" in line:
            msg = f.get("message", "")
            date = msg[2:msg.index("，")] if msg.startswith("截至") and "，" in msg else "各时间节点"
            line = line.replace("{date}", date)
        if "{src}" in line:
            msg = f.get("message", "")
            src = msg.split("用于产业发展")[0] if "用于产业发展" in msg else "衔接资金"
            line = line.replace("{src}", src)
        out.append(line)
    return out


def _first_number_after(message: str, word: str) -> str | None:
    i = message.find(word)
    if i < 0:
        return None
    digits = ""
    for ch in message[i + len(word):]:
        if ch.isdigit() or (ch == "." and digits):
            digits += ch
        else:
            break
    return digits or None
