"""The county summary (indicators.md "County level"): pooled figures (Σ/Σ over the
townships, never an average of township rates), township by township figures, standouts,
the county's flags, its paragraphs, tables and charts.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from zhenxing.topics.base import (
    COUNTY_LEVEL,
    SOURCES,
    as_date,
    bar,
    chart_when,
    get_path,
    has,
    prep,
    threshold_key,
)
from zhenxing.topics.county_compare import compare_targets, comparison
from zhenxing.topics.county_work import held_work, overdue_items
from zhenxing.topics.credit import paragraph_credit
from zhenxing.topics.flags import SEVERITY, THEMES, make_flag
from zhenxing.topics.funds import assets, funds, paragraph_assets, paragraph_funds
from zhenxing.topics.monitoring import basic, paragraph_basic, paragraph_monitoring
from zhenxing.topics.posts import paragraph_posts
from zhenxing.topics.problems import flag_sentence, problems
from zhenxing.topics.registry import compute, flags
from zhenxing.topics.work import LEDGERS
from zhenxing.words.numbers import (
    count,
    date_cn,
    hp,
    num,
    pct,
    pct_cell,
    persons,
    round_half_up,
    wan,
    wan_cell,
    yuan,
)
from zhenxing.words.wording import (
    at_year_end,
    each_phrase,
    fill,
    flow_period,
    join_list,
    self_ref,
    sentences,
    target,
    with_note,
    wording,
    yuan_target,
)
from zhenxing.words.wording import (
    dated_once as said_once,
)


def _pnext(policy: dict, name: str):
    """A target for Y+1: ``policy["next_year"][name]`` when set, else this year's target."""
    ny = (policy or {}).get("next_year") or {}
    v = ny.get(name)
    return v if v is not None else (policy or {}).get(name)


def industry_assessment(fu: dict | None, policy: dict) -> list[dict] | None:
    """The pooled industry share of each source that has a target: ``[{source, approved,
    industry, share, target, met}]`` (sources with no money this year left out); None
    without funds data or targets."""
    targets = (policy or {}).get("industry_share_min") or {}
    if not fu or not targets:
        return None
    out = []
    for src, t in targets.items():
        amount = ((fu.get("approved") or {}).get("by_source") or {}).get(src)
        share = (fu.get("industry_share") or {}).get(src)
        if not amount or share is None:
            continue
        out.append({"source": src, "approved": amount, "industry": amount * share / 100, "share": share,
                    "target": float(t), "met": bool(share >= float(t))})
    return out


def flag_county_industry_share(ind: dict, policy: dict) -> list[dict]:
    """County flag: a source's industry share below its target (not a township rule:
    registered here, not with ``@rule``)."""
    if ind.get("level") != "county":
        return []
    missed = [{"source": a["source"], "share": a["share"], "target": a["target"]}
              for a in (ind.get("funds") or {}).get("industry_assessment") or [] if not a["met"]]
    if not missed:
        return []
    parts = "、".join(_industry_share_words(m) for m in missed)
    return [make_flag("funds", "资金项目", "industry_share", "high", {"sources": missed}, parts)]


COUNTY_FLAG_RULES = (flag_county_industry_share,)


def county_flags(ind: dict, policy: dict) -> list[dict]:
    """The county summary's flags: the township rules on the pooled figures, plus the
    county-only rules; sorted like :func:`flags`."""
    out = [_county_overdue(f, ind) for f in flags(ind, policy)]
    for fn in COUNTY_FLAG_RULES:
        out += fn(ind, policy) or []
    rank = {s: i for i, s in enumerate(SEVERITY)}
    return sorted(out, key=lambda f: (rank[f["severity"]], THEMES.index(f["theme"])))


def _county_overdue(flag: dict, ind: dict) -> dict:
    """The overdue rectification flag of the county, its examples named by the township
    (or 县本级) they belong to; any other flag as it is."""
    if flag.get("rule") != "rectification_overdue":
        return flag
    items = overdue_items(ind)
    if not items:
        return flag
    flag = {**flag, "values": {**(flag.get("values") or {}), "items": items}, "message": None}
    flag["message"] = flag_sentence(flag, ind)
    return flag


def township_figures(ind: dict) -> dict:
    """One township's key figures for the county's comparison table and sentences (from
    its indicators, i.e. its published ``indicators.json``). Figures, never a count of
    flags."""
    b = ind.get("basic") or {}
    idd = get_path(ind, "monitoring", "identification_days") or {}
    prog = get_path(ind, "funds", "progress") or []
    return {
        "villages": b.get("villages"), "households": b.get("households"), "persons": b.get("persons"),
        "exited_poor": b.get("exited_poor"), "monitoring": get_path(ind, "monitoring", "total"),
        "unresolved": get_path(ind, "monitoring", "unresolved"),
        "new_in_year": get_path(ind, "monitoring", "new_in_year"),
        "identification_median": idd.get("median"), "identification_max": idd.get("max"),
        "identification_over": idd.get("over_limit"),
        "per_capita_net": get_path(ind, "income", "per_capita_net", "covered"),
        "growth": get_path(ind, "income", "growth", "covered"),
        "below": get_path(ind, "income", "below"),
        "labor_force": get_path(ind, "employment", "labor_force"),
        "workers": get_path(ind, "employment", "workers", "total"),
        "zero_employment": get_path(ind, "employment", "zero_employment_households"),
        "wage_income": get_path(ind, "employment", "wage_income"),
        "projects": get_path(ind, "funds", "projects"), "approved": get_path(ind, "funds", "approved", "total"),
        "paid": get_path(ind, "funds", "paid"), "paid_rate": get_path(ind, "funds", "paid_rate"),
        "started": get_path(ind, "funds", "started"), "start_rate": get_path(ind, "funds", "start_rate"),
        "last_checkpoint": prog[-1] if prog else None,
        "in_post": get_path(ind, "posts", "in_post", "total"),
        "annual_cost": get_path(ind, "posts", "annual_cost", "total"),
        "overdue_items": [x["description"] for x in get_path(ind, "work", "rectification", "overdue_items") or []],
        "ledgers": [k for k in LEDGERS if get_path(ind, "work", k) is not None],
    }


def _lowest(rows: dict, key: str, target=None):
    """(township, value) with the lowest ``key`` when it stands out: below ``target``
    (when given) and not tied with another township."""
    vals = {t: r[key] for t, r in rows.items() if r.get(key) is not None}
    if len(vals) < 2:
        return None
    t, v = min(vals.items(), key=lambda kv: (kv[1], kv[0]))
    if sum(1 for x in vals.values() if x == v) > 1 or (target is not None and not v < target):
        return None
    return t, v


def _highest(rows: dict, key: str, above=0):
    vals = {t: r[key] for t, r in rows.items() if r.get(key) is not None}
    if len(vals) < 2:
        return None
    t, v = max(vals.items(), key=lambda kv: (kv[1], kv[0]))
    if sum(1 for x in vals.values() if x == v) > 1 or not v > above:
        return None
    return t, v


def standouts(rows: dict, policy: dict) -> dict:
    """The townships that stand out on one figure, for the sentences that name them: the
    furthest below a target, the most zero-employment households, the slowest
    identification. Each ``{township, value, target?}``; a figure where nobody stands out
    (a tie, fewer than two townships, nobody below the target) is left out. Never a
    ranking by a count of flags."""
    out: dict = {}
    cps = [r["last_checkpoint"] for r in rows.values() if r.get("last_checkpoint")]
    paid_target = cps[0]["target"] if cps else None
    x = _lowest({t: {"v": (r.get("last_checkpoint") or {}).get("paid_rate")} for t, r in rows.items()}, "v",
                paid_target)
    if x:
        out["paid_rate"] = {"township": x[0], "value": x[1], "target": paid_target,
                            "date": next(r["last_checkpoint"]["date"] for r in rows.values() if r.get("last_checkpoint"))}
    st = (policy or {}).get("start_progress") or {}
    st_target = float(st[max(st)]) if st else None
    x = _lowest(rows, "start_rate", st_target)
    if x:
        out["start_rate"] = {"township": x[0], "value": x[1], "target": st_target}
    x = _highest(rows, "zero_employment")
    if x:
        out["zero_employment"] = {"township": x[0], "value": x[1]}
    limit = (policy or {}).get("identification_days_max")
    x = _highest(rows, "identification_median", limit if limit is not None else 0)
    if x is None:
        x = _highest(rows, "identification_max", limit if limit is not None else 0)
        if x:
            out["identification_max"] = {"township": x[0], "value": x[1], "target": limit}
    else:
        out["identification_median"] = {"township": x[0], "value": x[1], "target": limit}
    thr = [float(k) for k in (policy or {}).get("income_thresholds") or []]
    if thr:
        key = threshold_key(min(thr))
        lows = {t: {"v": ((r.get("below") or {}).get(key) or {}).get("households")} for t, r in rows.items()}
        x = _highest(lows, "v")
        if x:
            out["below"] = {"township": x[0], "value": x[1], "threshold": min(thr)}
    x = _lowest(rows, "per_capita_net")
    if x:
        out["per_capita_net"] = {"township": x[0], "value": x[1]}
    return out


def plan_target_figures(ind: dict, policy: dict) -> list[dict]:
    """The 工作目标 of the county's {Y+1}年工作计划, as numbers: ``[{key, value, unit,
    due, source, basis?}]``. ``source`` is ``policy`` when the value comes from the policy
    file (``next_year`` first, else this year's target), ``derived`` when it comes from this
    year's figures; ``due`` is an ISO date in Y+1 (never on or before the report date)."""
    year = int(ind["year"])
    nxt = year + 1
    end = dt.date(nxt, 12, 31).isoformat()
    out: list[dict] = []

    def add(key, value, unit, due, source, **kw):
        out.append({"key": key, "value": value, "unit": unit, "due": due, "source": source, **kw})

    def dated(progress):
        items = []
        for mmdd, t in sorted((progress or {}).items()):
            m, d = (int(x) for x in str(mmdd).split("-"))
            items.append((dt.date(nxt, m, d).isoformat(), float(t)))
        return items

    mon, inc, emp, fu = (ind.get(k) or {} for k in ("monitoring", "income", "employment", "funds"))
    if mon:
        limit = _pnext(policy, "identification_days_max")
        if limit is not None:
            add("identification_days", float(limit), "天", end, "policy")
    if fu:
        for due, t in dated(_pnext(policy, "spend_progress")):
            add("spend_progress", t, "%", due, "policy")
        for due, t in dated(_pnext(policy, "start_progress")):
            add("start_progress", t, "%", due, "policy")
        for src, t in sorted((_pnext(policy, "industry_share_min") or {}).items(),
                             key=lambda kv: SOURCES.index(kv[0]) if kv[0] in SOURCES else 99):
            add("industry_share", float(t), "%", end, "policy", source_name=src)
    if inc:
        # the standard in words, never this year's own growth (indicators.md "flags")
        bench = inc.get("rural_benchmark_growth")
        if get_path(inc, "growth", "covered") is not None or bench is not None:
            add("income_growth", None, "%", end, "policy", benchmark=bench)
        floor = _pnext(policy, "income_floor")
        if floor is None and policy.get("income_thresholds"):
            floor = min(float(x) for x in policy["income_thresholds"])
        if floor is not None:
            add("income_floor", float(floor), "元", end, "policy" if _pnext(policy, "income_floor") else "derived")
        for key, pkey in (("wage_income", "wage_income_target"), ("business_income", "business_income_target")):
            t = _pnext(policy, pkey)
            if t is not None:
                add(key, float(t), "元", end, "policy")
    if emp:
        w = get_path(emp, "workers", "total")
        if w:
            add("workers", int(w), "人", end, "derived", basis=int(w))
        z = emp.get("zero_employment_households")
        if z:
            add("zero_employment", 0, "户", end, "derived", basis=int(z))
    v = ind.get("villages") or {}
    ci = v.get("collective_income_5") or {}
    if v.get("collective_income_counted") and ci.get("count") is not None:
        add("collective_income_5", 100.0, "%", end, "derived", basis=ci.get("share"),
            count=v["collective_income_counted"])
    a = ind.get("assets") or {}
    if a.get("unregistered"):
        add("assets_registered", 100.0, "%", end, "derived", basis=a.get("registered_rate"))
    if (ind.get("education") or {}).get("compulsory_age_not_in_school"):
        add("out_of_school", 0, "人", end, "derived", basis=ind["education"]["compulsory_age_not_in_school"])
    if get_path(ind, "credit", "overdue", "count"):
        add("overdue_loans", 0, "笔", end, "derived", basis=ind["credit"]["overdue"]["count"])
    rd = ind.get("report_date")
    if rd:
        out = [t for t in out if t["due"] > str(rd)[:10]]
    return out


def county(tables: dict, townships, year: int, report_date, policy: dict, *,
           county_name: str | None = None, town_inds: dict | None = None) -> dict:
    """The county summary's indicators: :func:`compute` over the townships pooled (plus
    县本级 rows), with ``level`` = ``county``, ``township`` = ``county`` = the county's
    name, ``townships`` (those pooled), ``county_held`` (县本级's own funds, assets and
    ledger work), ``funds.industry_assessment``, ``by_township`` (each township's key
    figures, from ``town_inds`` — their published indicators — or computed), ``standouts``,
    ``compare_targets`` (the targets the comparisons of townships measure against),
    ``plan_targets`` and the county's ``flags`` (an overdue rectification item named by
    its township). In two steps: :func:`county_pooled`
    (everything computed from the pooled tables) and :func:`county_by_township` (the
    rest)."""
    ind = county_pooled(tables, townships, year, report_date, policy, county_name=county_name)
    return county_by_township(ind, tables, townships, year, report_date, policy, town_inds=town_inds)


def county_pooled(tables: dict, townships, year: int, report_date, policy: dict, *,
                  county_name: str | None = None) -> dict:
    """The part of :func:`county` computed from the pooled tables (the costly part)."""
    report_date = as_date(report_date)
    towns = [t for t in townships if t != COUNTY_LEVEL]
    pool = frozenset(towns) | {COUNTY_LEVEL}
    partial = {n: {c: list(ts) for c, ts in df.attrs["partial_columns"].items()}
               for n, df in (tables or {}).items() if df is not None and df.attrs.get("partial_columns")}
    tables, _ = prep(tables)
    ind = compute(tables, pool, year, report_date, policy)
    ind["basic"] = basic(tables, pool, report_date)
    name = county_name or ind.get("county")
    ind.update(level="county", township=name, county=name, townships=list(towns), partial_columns=partial)
    held_f = funds(tables, COUNTY_LEVEL, year, report_date, policy) if has(tables, "projects") else None
    held_a = assets(tables, COUNTY_LEVEL, year, report_date) if has(tables, "assets") else None
    ind["county_held"] = {"funds": held_f, "assets": held_a, "work": held_work(tables, year, report_date)}
    if ind.get("funds") is not None:
        ind["funds"]["industry_assessment"] = industry_assessment(ind["funds"], policy)
    return ind


def county_by_township(ind: dict, tables: dict | None, townships, year: int, report_date, policy: dict, *,
                       town_inds: dict | None = None) -> dict:
    """Complete :func:`county_pooled`'s ``ind`` (in place, and returned): each township's
    key figures from ``town_inds`` (computed from ``tables`` for a township not in it; no
    tables are needed when every township is), the standouts, flags and plan targets."""
    report_date = as_date(report_date)
    towns = [t for t in townships if t != COUNTY_LEVEL]
    prepped = None
    rows = {}
    for t in towns:
        ti = (town_inds or {}).get(t)
        if ti is None:
            if prepped is None:
                prepped, _ = prep(tables)
            ti = compute(prepped, t, year, report_date, policy)
            ti["basic"] = basic(prepped, t, report_date)
        rows[t] = township_figures(ti)
    ind["by_township"] = rows
    ind["standouts"] = standouts(rows, policy)
    ind["compare_targets"] = compare_targets(policy)
    ind["flags"] = county_flags(ind, policy)
    ind["plan_targets"] = plan_target_figures(ind, policy)
    return ind



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
    """A short 注 naming the townships whose figures are not in the county's totals (no
    complete run): "注：石门乡数据暂缺，未计入全县合计。"; "" when every township is in (the
    summary then says nothing about coverage)."""
    if not missing:
        return ""
    return fill(_cw(ind)["coverage_missing"], {"missing": join_list(missing)}) + "。"


def county_held(ind: dict, what: str) -> str:
    """The county's own (县本级) part of the pooled projects (``what`` = ``funds``) or
    assets (``assets``), said after the county's figure: "其中县本级管理的扶贫项目资产2项、
    原值1280.5万元。"; "" when 县本级 holds none."""
    held = (ind.get("county_held") or {}).get(what) or {}
    w = _cw(ind)
    if what == "funds" and held.get("projects"):
        return fill(w["county_held_funds"], {"projects": count(held["projects"], "个"),
                                             "approved": wan(held["approved"]["total"])}) + "。"
    if what == "assets" and held.get("count"):
        return fill(w["county_held_assets"], {"count": count(held["count"], "项"), "value": wan(held["value"])}) + "。"
    return ""


def with_held(paragraph: str, ind: dict, what: str) -> str:
    """A pooled paragraph (funds or assets) followed by the county's own part of it, the
    report date said once (:func:`dated_once`)."""
    return dated_once(paragraph, ind, what) + county_held(ind, what) if paragraph else ""


def dated_once(paragraph: str, ind: dict, what: str) -> str:
    """A county paragraph without the report date at its start when a paragraph before it
    has said it (words.wording.dated_once, the rule a township's report follows too):
    "全县公益性岗位在岗…", not five paragraphs of section 二 each opening "截至年底". ``what``
    names the paragraph in :data:`DATED`; the paragraphs before it are made again to see
    what they say (string work on the indicators, nothing recomputed)."""
    before = []
    for key, make in DATED:
        if key == what:
            break
        before.append(make)
    return said_once(paragraph, ind, before)


#: the county's paragraphs that can state the report date, in reading order (基本情况, then
#: the sections of 二 whose sentences a township's topic writes on the pooled figures)
DATED = (("basic", lambda ind: county_basic(ind)), ("monitoring", paragraph_monitoring),
         ("funds", paragraph_funds), ("assets", paragraph_assets), ("posts", paragraph_posts),
         ("credit", paragraph_credit))


def county_partial_note(ind: dict) -> str | None:
    """注 for a column some townships did not give (pooled over the others)."""
    parts = []
    for _table, cols in (ind.get("partial_columns") or {}).items():
        for col, towns in cols.items():
            if col == "风险发现日期":
                parts.append(f"{join_list(towns)}未提供{col}，识别认定用时按其余乡镇计算")
            else:
                parts.append(f"{join_list(towns)}未提供{col}")
    return "注：" + "；".join(parts) + "。" if parts else None


def county_basic(ind: dict) -> str:
    return paragraph_basic(ind, ind.get("basic"))


def county_standouts(ind: dict, topic: str) -> str | None:
    """The paragraph comparing the townships on this topic's figures, in words chosen by
    what they show (:func:`zhenxing.topics.county_compare.comparison`)."""
    return comparison(ind, topic)


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
             "gap": num(round_half_up(a["target"], 2) - round_half_up(a["share"], 2))}
        parts.append(fill(w["met" if a["met"] else "missed"], f))
    return w["lead"] + "，" + sentences(parts)


def _industry_rule_sentence(flag: dict, ind: dict | None) -> str:
    return "；".join(_industry_share_words(m) for m in (flag.get("values") or {}).get("sources") or [])


def _industry_share_words(m: dict) -> str:
    """One source's industry share against its target; a share of 0 said in words."""
    if round_half_up(m["share"], 2) == 0:
        return f"{m['source']}没有安排用于产业发展的资金，未达到不低于{target(m['target'])}的要求"
    return f"{m['source']}用于产业发展的比重为{pct(m['share'])}，低于{target(m['target'])}的要求"


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
    year_end = dt.date(year + 1, 12, 31).isoformat()

    def when(dues: list[str]) -> str:
        """The checkpoints of one target ("2024年3月31日、6月30日前，"); none for a target due
        at the end of Y+1 (the plan's lead-in states that date once for them all)."""
        ds = sorted(set(dues))
        if ds == [year_end]:
            return ""
        first = date_cn(ds[0])
        rest = [date_cn(d)[5:] for d in ds[1:]]
        return "、".join([first, *rest]) + "前，"

    def val(t):
        u = t["unit"]
        if t["value"] is None:
            return None
        if u == "%":
            return pct(t["value"]) if t["key"] == "income_growth" else target(t["value"])
        if u == "元":
            return yuan_target(t["value"])
        if u == "天":
            return num(t["value"])
        return f"{t['value']}{u}" if u != "人" else persons(t["value"])

    for key, ts in groups.items():
        tpl = w["targets"].get(key)
        if key == "income_growth" and ts[0].get("benchmark") is not None:
            tpl = w["targets"].get("income_growth_benchmark") or tpl
        if not tpl:
            continue
        b = ts[0].get("basis")
        f = {"value": val(ts[0]), "values": "、".join(v for v in map(val, ts) if v) or None, "each": each_phrase(ts),
             "year": year, "sources": "、".join(t.get("source_name", "") for t in ts),
             # a figure at the report date: "2023年" at the year's end, "截至2023年6月底" before
             "when": f"{year}年" if at_year_end(ind) else chart_when(ind, stock=True)}
        if b is not None:
            f["basis"] = (pct(b) if ts[0]["unit"] == "%" else persons(b) if ts[0]["unit"] == "人" else b)
        body = fill(tpl, f)
        if not body:
            continue
        lines.append(fill(w["item"], {"n": len(lines) + 1, "text": f"{when([t['due'] for t in ts])}{body}。"}))
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


# =============================================================================
# County summary (issue 13): a row per township and a 全县合计 row in every table.
# The 全县合计 row is the county's pooled figure (counts and sums pooled, rates Σ/Σ),
# never a sum or average of the township cells for a rate.
# =============================================================================
TOTAL = "全县合计"


def or_dash(f, x):
    return "—" if x is None else f(x)


def _int_cell(x):
    return "—" if x is None else int(x)


def _rows(ind: dict):
    return list((ind.get("by_township") or {}).items())


def _county_total_label(ind: dict) -> str:
    return f"{self_ref(ind, 'all')}合计" if ind.get("level") == "county" else TOTAL


def county_basic_table(ind: dict) -> pd.DataFrame:
    b = ind.get("basic")
    if not b:
        return pd.DataFrame()
    rows = [[t, _int_cell(r["villages"]), _int_cell(r["households"]), _int_cell(r["persons"]),
             or_dash(hp, r.get("exited_poor")), or_dash(hp, r.get("monitoring"))] for t, r in _rows(ind)]
    rows.append([_county_total_label(ind), b["villages"], b["households"], b["persons"], hp(b["exited_poor"]),
                 hp(b.get("monitoring_objects") or (ind.get("monitoring") or {}).get("total"))])
    return pd.DataFrame(rows, columns=["乡镇", "村", "农户（户）", "人口（人）", "脱贫户", "监测对象"])


def county_monitoring_table(ind: dict) -> pd.DataFrame:
    m = ind.get("monitoring")
    if not m:
        return pd.DataFrame()
    idd = m.get("identification_days") or {}
    med = lambda x: "—" if x is None else num(round_half_up(x, 1))  # noqa: E731
    rows = [[t, or_dash(hp, r.get("monitoring")), or_dash(hp, r.get("unresolved")), or_dash(hp, r.get("new_in_year")),
             med(r.get("identification_median")), _int_cell(r.get("identification_over"))] for t, r in _rows(ind)]
    rows.append([_county_total_label(ind), hp(m["total"]), or_dash(hp, m.get("unresolved")),
                 or_dash(hp, m.get("new_in_year")), med(idd.get("median")), _int_cell(idd.get("over_limit"))])
    df = pd.DataFrame(rows, columns=["乡镇", "监测对象", "风险未消除", f"{flow_period(ind, '当年')}新识别",
                                     "识别用时中位数（天）", "超过时限（户）"])
    return with_note(df, county_partial_note(ind))


def county_income_table(ind: dict, threshold=None) -> pd.DataFrame:
    inc = ind.get("income")
    if not inc:
        return pd.DataFrame()
    below = inc.get("below") or {}
    key = threshold if threshold is not None else (min(below, key=float) if below else None)
    cols = ["乡镇", "人均纯收入", "较上年增长"]
    if key is not None:
        cols.append(f"低于{yuan_target(float(key))}（户）")

    def row(label, pc, g, b):
        r = [label, or_dash(yuan, pc), or_dash(pct_cell, g)]
        if key is not None:
            r.append(_int_cell(((b or {}).get(str(key)) or {}).get("households") if b is not None else None))
        return r
    rows = [row(t, r.get("per_capita_net"), r.get("growth"), r.get("below")) for t, r in _rows(ind)]
    rows.append(row(_county_total_label(ind), (inc.get("per_capita_net") or {}).get("covered"),
                    (inc.get("growth") or {}).get("covered"), below))
    return pd.DataFrame(rows, columns=cols)


def county_employment_table(ind: dict) -> pd.DataFrame:
    e = ind.get("employment")
    if not e:
        return pd.DataFrame()
    rows = [[t, _int_cell(r.get("labor_force")), _int_cell(r.get("workers")), _int_cell(r.get("zero_employment")),
             or_dash(wan_cell, r.get("wage_income"))] for t, r in _rows(ind)]
    rows.append([_county_total_label(ind), _int_cell(e.get("labor_force")), _int_cell((e.get("workers") or {}).get("total")),
                 _int_cell(e.get("zero_employment_households")), or_dash(wan_cell, e.get("wage_income"))])
    return pd.DataFrame(rows, columns=["乡镇", "劳动力（人）", "务工就业（人）", "零就业家庭（户）", "务工收入（万元）"])


def county_funds_table(ind: dict) -> pd.DataFrame:
    f = ind.get("funds")
    if not f:
        return pd.DataFrame()

    def row(label, n, ap, paid, rate, start):
        return [label, _int_cell(n), or_dash(wan_cell, ap), or_dash(wan_cell, paid), or_dash(pct_cell, rate), or_dash(pct_cell, start)]
    rows = [row(t, r.get("projects"), r.get("approved"), r.get("paid"), r.get("paid_rate"), r.get("start_rate"))
            for t, r in _rows(ind)]
    held = (ind.get("county_held") or {}).get("funds") or {}
    if held.get("projects"):
        rows.append(row("县本级", held["projects"], held["approved"]["total"], held.get("paid"), held.get("paid_rate"),
                        held.get("start_rate")))
    rows.append(row(_county_total_label(ind), f.get("projects"), (f.get("approved") or {}).get("total"), f.get("paid"),
                    f.get("paid_rate"), f.get("start_rate")))
    return pd.DataFrame(rows, columns=["乡镇", "项目（个）", "批复资金（万元）", "已拨付（万元）", "拨付率", "开工率"])


def county_industry_table(ind: dict) -> pd.DataFrame:
    """The industry share by source, assessed against its target (county only)."""
    f = ind.get("funds") or {}
    by = (f.get("approved") or {}).get("by_source") or {}
    if not f.get("projects"):
        return pd.DataFrame()
    share = f.get("industry_share") or {}
    targets = {a["source"]: a for a in f.get("industry_assessment") or []}
    rows = []
    for s, v in by.items():
        if not v:
            continue
        a = targets.get(s)
        rows.append([s, wan_cell(v), or_dash(pct_cell, share.get(s)), target(a["target"]) if a else "—",
                     ("达到" if a["met"] else "未达到") if a else "—"])
    rows.append([_county_total_label(ind), wan_cell((f.get("approved") or {}).get("total", 0)),
                 or_dash(pct_cell, share.get("overall")), "—", "—"])
    return pd.DataFrame(rows, columns=["资金来源", "批复资金（万元）", "产业发展占比", "要求", "考核结果"])


def county_posts_table(ind: dict) -> pd.DataFrame:
    p = ind.get("posts")
    if not p or p.get("in_post") is None:
        return pd.DataFrame()
    rows = [[t, _int_cell(r.get("in_post")), or_dash(wan_cell, r.get("annual_cost"))] for t, r in _rows(ind)]
    rows.append([_county_total_label(ind), _int_cell((p.get("in_post") or {}).get("total")),
                 or_dash(wan_cell, (p.get("annual_cost") or {}).get("total"))])
    return pd.DataFrame(rows, columns=["乡镇", "在岗（人）", "年度补贴（万元）"])


def county_annex_table(ind: dict, links: bool = True) -> pd.DataFrame:
    """附表: a row per township, its name linking its own report (``<乡镇>/report.html``)."""
    from urllib.parse import quote
    if not ind.get("by_township"):
        return pd.DataFrame()
    m, inc, f, p = (ind.get(k) or {} for k in ("monitoring", "income", "funds", "posts"))
    rows = []
    for t, r in _rows(ind):
        name = f"[{t}]({quote(t)}/report.html)" if links else t
        rows.append([name, or_dash(hp, r.get("monitoring")), or_dash(hp, r.get("unresolved")),
                     or_dash(yuan, r.get("per_capita_net")), or_dash(pct_cell, r.get("paid_rate")), _int_cell(r.get("in_post"))])
    rows.append([_county_total_label(ind), or_dash(hp, m.get("total")), or_dash(hp, m.get("unresolved")),
                 or_dash(yuan, (inc.get("per_capita_net") or {}).get("covered")), or_dash(pct_cell, f.get("paid_rate")),
                 _int_cell((p.get("in_post") or {}).get("total"))])
    return pd.DataFrame(rows, columns=["乡镇", "监测对象", "风险未消除", "人均纯收入", "衔接资金拨付率", "公益性岗位在岗"])


# ---------------------------------------------------------------- county summary (issue 13)
COUNTY_CHART_MAX = 20  # townships on a county chart; a larger county charts those most in need


def _ranked(rows: dict, most: bool) -> tuple[dict, int | None]:
    """The townships to chart: all of them, in the county's order, up to COUNTY_CHART_MAX;
    beyond that the COUNTY_CHART_MAX with the highest (``most``) or lowest values, ranked
    (a bar chart of 200 townships cannot be read; the county's table lists every one)."""
    if len(rows) <= COUNTY_CHART_MAX:
        return rows, None
    ranked = sorted(rows.items(), key=lambda kv: (-kv[1] if most else kv[1], kv[0]))[:COUNTY_CHART_MAX]
    return dict(ranked), COUNTY_CHART_MAX


def county_paid_rates(ind: dict):
    """Cumulative paid rate of each township (only those whose data state it: never a 0 bar);
    in a county of more than COUNTY_CHART_MAX townships, the lowest."""
    rows = {t: r["paid_rate"] for t, r in (ind.get("by_township") or {}).items() if r.get("paid_rate") is not None}
    if len(rows) < 2:
        return None
    rows, n = _ranked(rows, most=False)
    when = chart_when(ind, stock=not at_year_end(ind))   # the rate at the report date: "截至2023年6月底" before 31 December
    return bar(rows, f"{when}衔接资金拨付率最低的{n}个乡镇" if n else f"{when}各乡镇衔接资金拨付率", "%")


def county_unresolved(ind: dict):
    """Households whose risk is not eliminated, by township; in a county of more than
    COUNTY_CHART_MAX townships, the most."""
    rows = {t: (r.get("unresolved") or {}).get("households") for t, r in (ind.get("by_township") or {}).items()}
    rows = {t: v for t, v in rows.items() if v is not None}
    if len(rows) < 2:
        return None
    rows, n = _ranked(rows, most=True)
    return bar(rows, f"{chart_when(ind, stock=True)}风险未消除监测对象最多的{n}个乡镇" if n else f"{chart_when(ind, stock=True)}各乡镇风险未消除监测对象", "户")
