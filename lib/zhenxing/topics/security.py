"""Topic security: 兜底保障, 社会救助 and 易地扶贫搬迁后续扶持.

Its indicators (pure functions of the conformed tables), its flag rules, its paragraphs,
its tables and its chart specs, all from one definition per figure.
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from zhenxing.topics.base import (
    ASSISTANCE_TYPES,
    LABOR_FORCE,
    Notes,
    Topic,
    age_on,
    as_int,
    bar,
    chart_when,
    covered_mask,
    dsum,
    households,
    hp_counts,
    monitored_mask,
    no_rows_reason,
    on_or_before,
    pct_of,
    prep,
    town_households,
    true,
    ts,
    year_is,
)
from zhenxing.topics.education import NOT_IN_SCHOOL
from zhenxing.topics.employment import workers_in_year, zero_employment_households
from zhenxing.topics.flags import flag_of, gap, make_flag
from zhenxing.words.numbers import MISSING, count, hp, pct, persons, wan, wan_cell
from zhenxing.words.wording import (
    asof_phrase,
    at_year_end,
    fill,
    flow_period,
    no_data,
    not_stated,
    place,
    policy_of,
    section_words,
    sentences,
    target,
    unstated,
)

DIBAO, TEKUN = "农村低保", "特困供养"


# ---------------------------------------------------------------- relocation
def relocation(tables: dict, township: str, year: int, report_date,
               notes: list | None = None) -> dict | None:
    """易地扶贫搬迁后续扶持: relocated households (是否易地扶贫搬迁 = 是) of T, their
    labour force, workers in Y, work rate and zero-employment households."""
    note = Notes(notes, "relocation")
    tables, absent = prep(tables)
    if note.missing_table(tables, "households"):
        return None
    d = ts(report_date)
    hh = households(tables, township)
    if hh.empty:
        return note.whole("no_rows", "households", no_rows_reason("households"))
    if "是否易地扶贫搬迁" in absent["households"]:
        return note.add(None, "column_absent", "households", "是否易地扶贫搬迁")
    rel = hh[true(hh["是否易地扶贫搬迁"])]
    out = {"households": hp_counts(rel), "labor_force": None, "workers": None, "work_rate": None,
           "zero_employment_households": None}
    if tables.get("members") is None:
        for k in ("labor_force", "workers", "work_rate", "zero_employment_households"):
            note.add(k, "table_absent", "members")
        return out
    mem_all = tables["members"]
    mem_town = mem_all[mem_all["户编号"].isin(hh["户编号"])]
    mem = mem_town[mem_town["户编号"].isin(rel["户编号"])]
    labor = mem[mem["劳动技能"].isin(LABOR_FORCE)]
    out["labor_force"] = int(len(labor))
    if tables.get("work") is None:
        for k in ("workers", "work_rate", "zero_employment_households"):
            note.add(k, "table_absent", "work")
        return out
    work = tables["work"]
    if not (year_is(work["年度"], year) & work["证件号码"].isin(mem_town["证件号码"])).any():
        for k in ("workers", "work_rate", "zero_employment_households"):
            note.add(k, "no_rows", "work", None, f"无{year}年务工数据")
        return out
    w = workers_in_year(work, labor["证件号码"], year)
    out["workers"] = int(w["证件号码"].nunique())
    out["work_rate"] = pct_of(out["workers"], out["labor_force"])
    # the same 零就业家庭 as the employment section (one definition); those of them that
    # are covered households are already in its count, the text says how many
    zero = zero_employment_households(mem, work, year)
    covered = set(hh.loc[covered_mask(hh, d, "纳入监测日期" not in absent["households"]), "户编号"])
    out["zero_employment_households"] = len(zero)
    out["zero_employment_covered"] = len(zero & covered)
    return out


# ---------------------------------------------------------------- security
def security(tables: dict, township: str, year: int, report_date,
             notes: list | None = None) -> dict | None:
    """兜底保障 and insurance enrolment of covered households (core tables only)."""
    note = Notes(notes, "security")
    tables, absent = prep(tables)
    if note.missing_table(tables, "households"):
        return None
    d = ts(report_date)
    hh = households(tables, township)
    if hh.empty:
        return note.whole("no_rows", "households", no_rows_reason("households"))
    gone = absent["households"]
    hh, covered = town_households(tables, township, d, absent)
    out = {"dibao": None, "tekun": None, "unable_to_work_unsecured": None,
           "medical_insured_rate": None, "medical_insured": None,
           "pension_insured_rate": None, "pension_insured": None}
    for key, col in (("dibao", "是否低保户"), ("tekun", "是否特困供养")):
        if col in gone:
            note.column([key], "households", col)
        else:
            out[key] = hp_counts(covered[true(covered[col])])
    mem = tables.get("members")
    if mem is None:
        note.add("unable_to_work_unsecured", "table_absent", "members")
        note.add("medical_insured_rate", "table_absent", "members")
        note.add("pension_insured_rate", "table_absent", "members")
        return out
    mem_gone = absent["members"]
    need = [c for c in ("风险消除日期", "是否低保户", "是否特困供养") if c in gone]
    if need:
        note.column(["unable_to_work_unsecured"], "households", need[0])
    else:
        dated = "纳入监测日期" not in gone
        mon = hh[monitored_mask(hh, d, dated)]
        unres = mon[~on_or_before(mon["风险消除日期"], d)]
        m = mem[mem["户编号"].isin(unres["户编号"])]
        with_members = set(m["户编号"])
        with_labor = set(m.loc[m["劳动技能"].isin(LABOR_FORCE), "户编号"])
        secured = true(unres["是否低保户"]) | true(unres["是否特困供养"])
        gap = unres[unres["户编号"].isin(with_members - with_labor) & ~secured]
        out["unable_to_work_unsecured"] = hp_counts(gap)
    cm = mem[mem["户编号"].isin(covered["户编号"])]
    if "是否参加基本医疗保险" in mem_gone:
        note.column(["medical_insured_rate"], "members", "是否参加基本医疗保险")
    else:
        filled = cm["是否参加基本医疗保险"].notna()
        n_in = int(true(cm["是否参加基本医疗保险"]).sum())
        if filled.sum():
            out["medical_insured"] = {"insured": n_in, "counted": int(filled.sum())}
            out["medical_insured_rate"] = pct_of(n_in, int(filled.sum()))
        elif len(cm):
            note.add("medical_insured_rate", "column_absent", "members", "是否参加基本医疗保险",
                     "是否参加基本医疗保险均未填写")
    if "是否参加基本养老保险" in mem_gone or "在校生状况" in mem_gone:
        note.column(["pension_insured_rate"], "members",
                    "是否参加基本养老保险" if "是否参加基本养老保险" in mem_gone else "在校生状况")
    else:
        age = age_on(cm["出生日期"], d)
        base = cm[(age >= 16).fillna(False).astype(bool) & (cm["在校生状况"] == NOT_IN_SCHOOL).fillna(False).astype(bool)]
        filled = base["是否参加基本养老保险"].notna()
        n_in = int(true(base["是否参加基本养老保险"]).sum())
        if filled.sum():
            out["pension_insured"] = {"insured": n_in, "counted": int(filled.sum())}
            out["pension_insured_rate"] = pct_of(n_in, int(filled.sum()))
        elif len(base):
            note.add("pension_insured_rate", "column_absent", "members", "是否参加基本养老保险",
                     "是否参加基本养老保险均未填写")
    return out


# ---------------------------------------------------------------- 三保障, 饮水, 健康帮扶, 结对帮扶
def guarantees(tables: dict, township, year: int, report_date, notes: list | None = None) -> dict:
    """indicators.md "三保障, 饮水 and 健康帮扶": covered households whose housing or
    drinking water is not assured ({h, p}; 0 is the standard), the family-doctor signing
    rate of covered members (over those with it filled) and 结对帮扶 coverage (covered
    households with a 帮扶责任人; the cadre is a pseudonym, never a name). Each is None when
    its column is absent (noted under the key's own topic — ``security``, and ``monitoring``
    for ``paired_share`` — as figures the text does not dwell on: words.wording.UNSAID)."""
    note = Notes(notes, "security")
    note_monitoring = Notes(notes, "monitoring")
    out = {"housing_unsafe": None, "water_unsafe": None, "family_doctor_rate": None, "family_doctor": None,
           "paired_share": None, "paired": None}
    tables, absent = prep(tables)
    if tables.get("households") is None:
        return out
    d = ts(report_date)
    gone = absent["households"]
    hh, covered = town_households(tables, township, d, absent)
    if not len(covered):
        return out
    for key, col in (("housing_unsafe", "住房安全有保障"), ("water_unsafe", "饮水安全有保障")):
        if col in gone:
            note.column([key], "households", col)
        else:
            out[key] = hp_counts(covered[(covered[col] == False).fillna(False).astype(bool)])  # noqa: E712
    if "帮扶责任人" in gone:
        note_monitoring.column(["paired_share"], "households", "帮扶责任人")
    else:
        n = int(covered["帮扶责任人"].notna().sum())
        out["paired"] = {"paired": n, "covered": int(len(covered))}
        out["paired_share"] = pct_of(n, len(covered))
    mem = tables.get("members")
    if mem is None or "是否签约家庭医生" in absent.get("members", set()):
        note.column(["family_doctor_rate"], "members", "是否签约家庭医生")
    else:
        cm = mem[mem["户编号"].isin(covered["户编号"])]
        filled = cm["是否签约家庭医生"].notna()
        if filled.sum():
            n_in = int(true(cm["是否签约家庭医生"]).sum())
            out["family_doctor"] = {"signed": n_in, "counted": int(filled.sum())}
            out["family_doctor_rate"] = pct_of(n_in, int(filled.sum()))
    return out


def flag_unsafe(ind: dict, policy: dict) -> list[dict]:
    """Covered households whose housing or drinking water is not assured (动态清零 is the standard)."""
    sec = ind.get("security") or {}
    out = []
    for key, rule in (("housing_unsafe", "housing_unsafe"), ("water_unsafe", "water_unsafe")):
        v = sec.get(key)
        if v and v.get("households"):
            out.append(make_flag("security", "兜底保障", rule, "high",
                                 {"households": int(v["households"]), "persons": int(v["persons"])}))
    return out


def paragraph_guarantees(ind: dict) -> str:
    """住房安全、饮水安全 and 家庭医生签约 of covered households, when the data gives them."""
    sec = ind.get("security") or {}
    house, water = sec.get("housing_unsafe"), sec.get("water_unsafe")
    s = []
    if house is not None and water is not None and not house["households"] and not water["households"]:
        s.append("脱贫户和监测对象住房安全和饮水安全全部有保障，保持动态清零")
    else:
        led = section_lead(ind)[0]
        for v, what, rule in ((house, "住房安全", "housing_unsafe"), (water, "饮水安全", "water_unsafe")):
            if v is None or rule == led:
                continue
            s.append(f"脱贫户和监测对象{what}全部有保障" if not v["households"]
                     else f"脱贫户和监测对象中{what}尚未保障的{hp(v)}，正在逐户落实改造措施")
    doc = sec.get("family_doctor")
    if doc:
        s.append(f"家庭成员签约家庭医生{persons(doc['signed'])}，签约率{pct(sec['family_doctor_rate'])}")
    return ("；".join(s) + "。") if s else ""


# ---------------------------------------------------------------- assistance
def _active(df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Rows whose [开始日期, 终止日期] meets [start, end] (blank 终止日期 = ongoing)."""
    began = on_or_before(df["开始日期"], end)
    ended = df["终止日期"].notna() & (df["终止日期"] < start)
    return (began & ~ended).astype(bool)


def assistance(tables: dict, township: str, year: int, report_date,
               notes: list | None = None) -> dict | None:
    """社会救助 of T's households: by 救助类别, and the covered households under 低保/特困 at D."""
    note = Notes(notes, "assistance")
    tables, absent = prep(tables)
    if note.missing_table(tables, "assistance", "households"):
        return None
    d = ts(report_date)
    hh, covered = town_households(tables, township, d, absent)
    a = tables["assistance"]
    a = a[a["户编号"].isin(hh["户编号"])]
    gone = absent["assistance"]
    act = a[_active(a, pd.Timestamp(year, 1, 1), d)]
    pay_year = act["发放年度"].astype("Int64").fillna(act["开始日期"].dt.year.astype("Int64"))
    # Before 31 December a row whose period runs past the report date (终止日期 blank or later)
    # carries the amount of a period not yet over: how much of it was paid by the report date
    # the data cannot say, so the report does not state that amount as paid (mid-year only:
    # the key is absent at the year's end, when every amount of Y is the year's).
    mid_year = d < pd.Timestamp(year, 12, 31)
    by_type = {}
    for t in ASSISTANCE_TYPES:
        g = act[act["救助类别"] == t]
        persons = None
        if "保障人数" not in gone:
            persons = as_int(g.groupby("户编号")["保障人数"].max().sum()) if len(g) else 0
        amount = None
        paid = g[year_is(pay_year[g.index], year)]
        if "发放金额" not in gone:
            amount = float(dsum(paid["发放金额"]) / Decimal(10000))
        by_type[t] = {"households": int(g["户编号"].nunique()), "persons": persons, "amount": amount}
        if mid_year and amount is not None:
            by_type[t]["amount_past_date"] = bool((paid["发放金额"].notna()
                                                   & ~on_or_before(paid["终止日期"], d)).any())
    if "保障人数" in gone:
        note.column(["by_type.persons"], "assistance", "保障人数")
    if "发放金额" in gone:
        note.column(["by_type.amount"], "assistance", "发放金额")
    now = a[_active(a, d, d) & a["救助类别"].isin([DIBAO, TEKUN])]
    n = int(covered["户编号"].isin(now["户编号"]).sum())
    return {"by_type": by_type, "covered_share": pct_of(n, len(covered)),
            "covered_base": {"secured": n, "covered": int(len(covered))}}


# ---------------------------------------------------------------- flags of the further topics
# In the structured form of ``flags`` (topic, theme, rule, severity, values, message);
# registered with ``@rule`` after the core rules. Each skips a null figure.
def flag_unsecured_no_labour(ind: dict, policy: dict) -> list[dict]:
    gap = (ind.get("security") or {}).get("unable_to_work_unsecured")
    if not gap or not gap.get("households"):
        return []
    v = {"households": int(gap["households"]), "persons": int(gap["persons"])}
    return [make_flag("security", "兜底保障", "unsecured_no_labour", "high", v,
                  f"风险未消除的监测对象中，家中无劳动力且未纳入低保或特困供养的{hp(v)}")]


def flag_medical_insured(ind: dict, policy: dict) -> list[dict]:
    """Basic medical insurance of covered members below ``medical_insured_min`` (99: 参保率
    稳定在99%以上, 应保尽保)."""
    sec = ind.get("security") or {}
    rate, need = sec.get("medical_insured_rate"), policy.get("medical_insured_min")
    med = sec.get("medical_insured") or {}
    if rate is None or need is None or not rate < float(need):
        return []
    v = {"rate": rate, "target": float(need), "insured": med.get("insured"), "counted": med.get("counted"),
         "uninsured": (med["counted"] - med["insured"]) if med.get("counted") is not None else None}
    return [make_flag("security", "兜底保障", "medical_insured_below", "high", v)]


def paragraph_security(ind: dict) -> str:
    """兜底保障: 低保/特困 of covered households, social assistance, the 兜底 gap."""
    sec = ind.get("security")
    if not sec:
        return no_data(ind, "security")
    gap = sec.get("unable_to_work_unsecured")
    rule, lead = section_lead(ind)
    s = [lead + "。"] if lead else []
    lead = rule == "unsecured_no_labour"
    dib, tek = sec.get("dibao"), sec.get("tekun")
    parts = []
    for v, label in ((dib, "农村低保"), (tek, "特困供养")):
        if v is not None:
            parts.append(f"纳入{label}{hp(v)}" if v["households"] else f"没有纳入{label}的")
    if parts:
        s.append(f"截至{asof_phrase(ind)}，脱贫户和监测对象中{'，'.join(parts)}。")
    a = ind.get("assistance")
    if a:
        rows = [(k, v) for k, v in a["by_type"].items() if v["households"]]
        if rows:
            items = []
            for k, v in rows:
                item = f"{k}{count(v['households'], '户')}"
                if v.get("persons") is not None:
                    item += f"{int(v['persons'])}人"
                if _amount_stated(v):
                    item += f"、发放{wan(v['amount'])}"
                items.append(item)
            # "2023年社会救助" at the year's end; before it "年内", after "截至6月底" above
            when = flow_period(ind) if parts or at_year_end(ind) else f"截至{asof_phrase(ind)}，{flow_period(ind)}"
            s.append(f"{when}社会救助：{'；'.join(items)}。")
        else:
            s.append(f"社会救助数据中{flow_period(ind)}没有{place(ind)}的救助记录。")
        base = a.get("covered_base") or {}
        if a.get("covered_share") is not None:
            s.append(f"脱贫户和监测对象{count(base['covered'], '户')}中，正在享受低保或特困供养的"
                     f"{count(base['secured'], '户')}，占{pct(a['covered_share'])}。")
        s += not_stated(ind, "assistance")
    else:
        s.append(unstated(ind, "assistance", "未统计救助资金发放情况"))
    if gap is not None and not lead:
        if gap["households"]:
            s.append(f"风险未消除的监测对象中，家中无劳动力且未纳入低保或特困供养的{hp(gap)}。")
        else:
            s.append("风险未消除且家中无劳动力的监测对象均已纳入低保或特困供养。")
    s += not_stated(ind, "security")
    return "".join(s)


LEAD_RULES = ("unsecured_no_labour", "medical_insured_below", "housing_unsafe", "water_unsafe")


def section_lead(ind: dict) -> tuple[str | None, str | None]:
    """(rule, sentence) of what leads the 兜底保障 section: of its gaps (兜底, 基本医疗保险,
    住房, 饮水) the one furthest from its standard; (None, None) when every one is met."""
    sec = ind.get("security") or {}
    raised = [f for f in (flag_of(ind, r) for r in LEAD_RULES) if f]
    if not sec or not raised:
        return None, None
    top = max(raised, key=lambda f: gap(f, ind))   # ties: the order of LEAD_RULES
    rule, w = top["rule"], section_words(ind, "security")
    if rule == "unsecured_no_labour" and (sec.get("unable_to_work_unsecured") or {}).get("households"):
        return rule, fill(w.get("lead_unsecured"), {"hp": hp(sec["unable_to_work_unsecured"])})
    if rule == "medical_insured_below" and sec.get("medical_insured"):
        return rule, _medical(ind, sec, w)
    if rule in ("housing_unsafe", "water_unsafe") and (sec.get(rule) or {}).get("households"):
        what = "住房安全" if rule == "housing_unsafe" else "饮水安全"
        return rule, f"脱贫户和监测对象中{what}尚未保障的{hp(sec[rule])}，正在逐户落实改造措施"
    return None, None


def _medical(ind: dict, sec: dict, w: dict) -> str | None:
    med = sec["medical_insured"]
    need = policy_of(ind).get("medical_insured_min")
    f = {"insured": persons(med["insured"]), "rate": pct(sec["medical_insured_rate"]),
         "target": target(need) if need is not None else None,
         "uninsured": persons(med["counted"] - med["insured"])}
    key = "medical_plain" if need is None else \
        "medical_missed" if float(sec["medical_insured_rate"]) < float(need) else "medical_met"
    return fill(w.get(key), f)


def paragraph_insurance(ind: dict) -> str:
    """基本医疗保险和基本养老保险参保情况 of covered households' members: the rate itself (the
    base it is computed over goes to the section's 注); 99% met is one clause, missed says
    how many are not insured."""
    sec = ind.get("security")
    if not sec:
        return ""
    w = section_words(ind, "security")
    s = []
    med, pen = sec.get("medical_insured"), sec.get("pension_insured")
    if med and section_lead(ind)[0] != "medical_insured_below":   # else said first in the section
        s.append(_medical(ind, sec, w))
    if pen:
        s.append(fill(w.get("pension"), {"insured": persons(pen["insured"]), "rate": pct(sec["pension_insured_rate"]),
                                         "who": " " if s else "脱贫户和监测对象家庭成员中"}).strip())
    return sentences(s)


def basic_states_relocated(ind: dict, households: dict) -> bool:
    """基本情况 (monitoring.paragraph_basic) states these relocated households, the same 户
    and 人."""
    rel = (ind.get("monitoring") or {}).get("relocated") or {}
    return bool(isinstance(ind.get("basic"), dict) and rel.get("households")
                and (rel.get("households"), rel.get("persons")) == (households.get("households"), households.get("persons")))


def paragraph_relocation(ind: dict) -> str:
    """易地扶贫搬迁后续扶持 (its own subsection)."""
    r = ind.get("relocation")
    lead = "**易地扶贫搬迁后续扶持。**"
    if not r:
        return lead + no_data(ind, "relocation")
    if not r["households"]["households"]:
        return lead + f"{place(ind)}没有易地扶贫搬迁户。"
    # 基本情况 states the relocated households (the same 户/人): not again, the work figures at once
    again = r.get("labor_force") is None or not basic_states_relocated(ind, r["households"])
    s = [lead, f"{place(ind)}有易地扶贫搬迁户{hp(r['households'])}，"] if again else [lead]
    if r.get("labor_force") == 0:   # 0 said in words, and no work figures over nobody
        s.append("搬迁家庭中没有劳动力")
    elif r.get("labor_force") is not None:
        s.append(f"搬迁家庭有劳动力{persons(r['labor_force'])}")
        if r.get("workers") == 0:
            s.append(f"，{ind.get('year')}年没有务工就业的")
        elif r.get("workers") is not None:
            s.append(f"，{ind.get('year')}年务工就业{persons(r['workers'])}")
            if r.get("work_rate") is not None:
                s.append(f"，务工就业率{pct(r['work_rate'])}")
    s[-1] = s[-1].removesuffix("，")
    s.append("。")
    z = r.get("zero_employment_households")
    if z:
        s.append(f"有劳动力但无人务工的搬迁家庭{count(z, '户')}")
        zc = r.get("zero_employment_covered")
        if zc is not None and (ind.get("employment") or {}).get("zero_employment_households") is not None:
            s.append("，均为脱贫户或监测对象家庭，已计入前述零就业家庭" if zc == z else
                     f"，其中脱贫户和监测对象家庭{count(zc, '户')}，已计入前述零就业家庭" if zc else
                     "，均不是脱贫户或监测对象家庭，未计入前述零就业家庭")
        s.append("，需优先落实就业帮扶。")
    elif z == 0 and r.get("labor_force"):
        s.append("有劳动力的搬迁家庭均有成员务工。")
    s += not_stated(ind, "relocation")
    return "".join(s)


# ---------------------------------------------------------------- further topics (issue 11)
def security_table(ind: dict) -> pd.DataFrame:
    """兜底保障: 低保/特困 of covered households (households table) and social assistance by
    category (optional table) — one row each, figures not given left out."""
    rows = []
    sec = ind.get("security") or {}
    # rows named by what they count, never by the table they come from ("低保（农户信息）")
    for label, key in (("脱贫户和监测对象中的低保户", "dibao"), ("脱贫户和监测对象中的特困供养户", "tekun")):
        v = sec.get(key)
        if v is not None:
            rows.append([label, int(v["households"]), int(v["persons"]), MISSING])
    a = ind.get("assistance")
    open_types = []
    if a:
        for k, v in a["by_type"].items():
            if v["households"]:
                rows.append([k, int(v["households"]), MISSING if v["persons"] is None else int(v["persons"]),
                             wan_cell(v["amount"]) if _amount_stated(v) else MISSING])
                if v.get("amount_past_date"):
                    open_types.append(k)
    if not rows:
        return pd.DataFrame()
    df = pd.DataFrame(rows, columns=["类别", "户数", "人数", f"{flow_period(ind, '当年')}发放（万元）"])
    if open_types:
        df.attrs["note"] = (f"注：{'、'.join(open_types)}的发放金额按救助期间登记，救助期间到{asof_phrase(ind)}"
                            "尚未结束，未列发放金额。")
    return df


def _amount_stated(v: dict) -> bool:
    """An assistance type's amount is stated: given, and (before 31 December) not that of a
    period still running at the report date (``amount_past_date``)."""
    return v.get("amount") is not None and not v.get("amount_past_date")


# ---------------------------------------------------------------- further topics (issue 11)
def assistance_types(ind: dict):
    a = ind.get("assistance")
    if a:
        by = {k: v["households"] for k, v in a["by_type"].items() if v["households"]}
        if by:
            # households assisted from 1 January: "2023年" at the year's end, "截至2023年6月底" before
            return bar(by, f"{chart_when(ind, stock=not at_year_end(ind))}社会救助户数（按类别）", "户")
    sec = ind.get("security") or {}
    by = {label: sec[key]["households"] for label, key in (("农村低保", "dibao"), ("特困供养", "tekun"))
          if sec.get(key) is not None}
    return bar(by, f"{chart_when(ind, stock=True)}脱贫户和监测对象享受低保、特困供养户数", "户") if any(by.values()) else None


# ---------------------------------------------------------------- the topic
TOPIC = Topic("social_security", "兜底保障和易地扶贫搬迁后续扶持", ("security", "assistance", "relocation"), section=6)
# this topic's flag rules, in the order their flags are listed when severity and theme tie
RULES = (flag_unsecured_no_labour, flag_medical_insured, flag_unsafe)


def compute(tables: dict, township: str, year: int, report_date, policy: dict, notes: list) -> dict:
    """兜底保障, 社会救助 and 易地扶贫搬迁后续扶持 (computed in this order: their notes follow it)."""
    rel = relocation(tables, township, year, report_date, notes)
    sec = security(tables, township, year, report_date, notes)
    if sec is not None:
        sec.update(guarantees(tables, township, year, report_date, notes))
    return {"security": sec, "assistance": assistance(tables, township, year, report_date, notes), "relocation": rel}
