"""The opening paragraph of a township's summary, before 一、基本情况, when the writer's file
gives no 开头 (issue 23, checklist 17): what *this* township's year came to, chosen by its
own figures — its monitoring result and income growth, then the targets it met or the
shortfall that stands out — and the report date, stated here once for the whole report.
The sentences are the wording file's ``opening`` entries; what to say is decided here.
"""
from __future__ import annotations

import datetime as dt

from zhenxing.topics.base import get_path
from zhenxing.topics.problems import themed
from zhenxing.words.numbers import change, date_cn, hp, num, round_half_up, yuan
from zhenxing.words.wording import (
    at_year_end,
    fill,
    intro,
    policy_of,
    report_date_of,
    target,
    wording,
    yuan_target,
)

#: how many targets met the opening names (in the wording file's order of ``opening.met``)
MET_NAMED = 2
#: how many shortfalls it names (the furthest from their targets first, as 存在问题 orders them)
SHORT_NAMED = 2

# A target the township met: its figure is known and no flag of its rule is raised.
KNOWN = {
    "spend_progress": lambda ind: bool(get_path(ind, "funds", "progress")),
    "start_progress": lambda ind: bool(get_path(ind, "funds", "start_progress")),
    "zero_employment": lambda ind: get_path(ind, "employment", "zero_employment_households") is not None,
    "below_threshold": lambda ind: bool(get_path(ind, "income", "below")),
    "identification_days": lambda ind: bool(get_path(ind, "monitoring", "identification_days", "counted")),
    "medical_insured_below": lambda ind: bool(get_path(ind, "security", "medical_insured", "counted")),
    "out_of_school": lambda ind: get_path(ind, "education", "compulsory_age_not_in_school") is not None,
    "overdue_loans": lambda ind: get_path(ind, "credit", "overdue") is not None,
    "assets_unregistered": lambda ind: get_path(ind, "assets", "registered_rate") is not None,
    "housing_unsafe": lambda ind: get_path(ind, "security", "housing_unsafe") is not None,
    "rectification_overdue": lambda ind: bool(get_path(ind, "work", "rectification", "total", "problems")),
    "poverty_village_without_team": lambda ind: get_path(ind, "work", "teams", "unposted_poverty_villages") is not None,
}


def _w(ind: dict) -> dict:
    return wording(ind)["opening"]


def period(ind: dict) -> str:
    """The span the opening speaks of: "2023年" at the year's end, "2023年上半年" at 30 June,
    "2023年1至11月" at another month's end, "2023年1月1日至8月15日" on another day."""
    w, year = _w(ind)["period"], ind.get("year")
    d = report_date_of(ind)
    if at_year_end(ind):
        return fill(w["year_end"], {"year": year})
    named = (w.get("named") or {}).get(f"{d.month:02d}-{d.day:02d}")
    if named:
        return fill(named, {"year": year})
    if (d + dt.timedelta(days=1)).day == 1:
        return fill(w["month_end"], {"year": year, "month": d.month})
    return fill(w["day"], {"year": year, "month": d.month, "day": d.day})


def _households(x) -> int:
    return int((x or {}).get("households") or 0)


def monitoring_result(ind: dict) -> str | None:
    """The monitoring objects identified and lifted out of risk in the span (the span said
    once, "同期" for the second), and "均已消除风险" when none is left at risk."""
    m, w = ind.get("monitoring") or {}, _w(ind)
    new, gone = m.get("new_in_year"), m.get("eliminated_in_year")
    f = {"new": hp(new) if _households(new) else None, "eliminated": hp(gone) if _households(gone) else None}
    s = (fill(w["monitoring"], f) or fill(w["monitoring_new"], f) or fill(w["monitoring_eliminated"], f))
    if _households(m.get("total")) and m.get("unresolved") is not None and not _households(m["unresolved"]):
        s = "，".join(x for x in (s, w["monitoring_all_eliminated"]) if x)
    return s or None


def income_result(ind: dict) -> str | None:
    """Per-capita net income and its growth, against the county's rural benchmark when the
    policy gives one; only at the year's end (income is the year's, said when it is known)."""
    inc, w = ind.get("income") or {}, _w(ind)
    value = get_path(inc, "per_capita_net", "covered")
    growth = get_path(inc, "growth", "covered")
    if not at_year_end(ind) or value is None or growth is None:
        return None
    s = fill(w["income"], {"value": yuan(value), "change": change(growth)})
    gap = inc.get("growth_gap")
    if s and gap is not None and inc.get("rural_benchmark_growth") is not None:
        g = round_half_up(gap, 2)
        key = "income_above" if g > 0 else "income_below" if g < 0 else "income_level"
        s += "，" + fill(w[key], {"gap": num(abs(g))})
    return s


def _met_fields(ind: dict) -> dict:
    pol = policy_of(ind)
    below = get_path(ind, "income", "below") or {}
    top = max((float(k) for k in below), default=None)
    return {"threshold": yuan_target(top) if top is not None else None,
            "limit": num(pol.get("identification_days_max")) if pol.get("identification_days_max") else None,
            "target": target(pol["medical_insured_min"]) if pol.get("medical_insured_min") is not None else None}


def standing(ind: dict, flags: list[dict]) -> str | None:
    """Where the township stands against its targets, in one sentence: every target met;
    one shortfall and the rest met; or the targets met it can name (at most MET_NAMED) and
    the shortfalls that stand out (at most SHORT_NAMED, furthest from target first)."""
    w = _w(ind)
    if not flags:
        return w["all_met"]
    raised = {f.get("rule") for f in flags}
    rules_w = wording(ind)["problems"]["rules"]
    groups = themed(flags, ind)
    shorts = []
    for theme, fl in groups[:SHORT_NAMED]:
        j = (rules_w.get(fl[0].get("rule")) or {}).get("judgement")
        shorts.append(j or (wording(ind)["problems"]["themes"].get(theme) or {}).get("judgement") or theme)
    if len(raised) == 1:
        return fill(w["one_short"], {"short": shorts[0]})
    f = _met_fields(ind)
    met = [fill(t, f) for rule, t in (w.get("met") or {}).items()
           if rule in KNOWN and rule not in raised and KNOWN[rule](ind)]
    met = [m for m in met if m][:MET_NAMED]
    subject = w.get("met_subject")
    if subject and len(met) > 1 and met[0].startswith(subject):   # the subject said once
        met[1:] = [m.removeprefix(subject) for m in met[1:]]
    focus = fill(w["focus_more" if len(groups) > SHORT_NAMED else "focus"], {"shorts": "、".join(shorts)})
    return "；".join([*(["，".join(met)] if met else []), focus])


def opening(ind: dict, flags: list[dict] | None = None) -> str:
    """The opening paragraph: the year's result of this township and where it stands
    against its targets, then the report date; the generic opening (wording ``intro``)
    when there is neither a monitoring nor an income figure to lead with."""
    w = _w(ind)
    results = [r for r in (monitoring_result(ind), income_result(ind)) if r]
    if not results:
        return intro(ind)
    town = ind.get("township") or "本乡镇"
    first = fill(w["result"], {"period": period(ind), "town": town, "results": "；".join(results)})
    d = ind.get("report_date")
    close = fill(w["close"], {"date": date_cn(d) if d else "报告日"})
    return "".join(s.rstrip("。") + "。" for s in (first, standing(ind, flags if flags is not None else ind.get("flags") or []), close) if s)
