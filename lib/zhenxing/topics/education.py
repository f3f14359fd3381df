"""Topic education: 教育帮扶 and 教育资助.

Its indicators (pure functions of the conformed tables), its flag rules, its paragraphs,
its tables and its chart specs, all from one definition per figure.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from zhenxing.data import contract
from zhenxing.topics.base import (
    Notes,
    Topic,
    age_on,
    bar,
    chart_when,
    dsum,
    households,
    no_rows_reason,
    nonblank,
    prep,
    town_households,
    ts,
)
from zhenxing.topics.flags import gap_of, make_flag
from zhenxing.words.numbers import count, parts_add_up, persons, wan, wan_cell
from zhenxing.words.wording import (
    ROUNDING_NOTE,
    at_year_end,
    fill,
    flow_period,
    join_list,
    no_data,
    not_stated,
    place,
    report_date_of,
    section_words,
    unstated,
)

SCHOOL_STAGES = ("学前教育", "小学", "初中", "高中", "中职", "高职", "本科及以上")
NOT_IN_SCHOOL = "非在校生"
RAINBOW = "雨露计划"
LOAN = "生源地信用助学贷款"
COMPULSORY_AGES = (6, 15)
AUTUMN_TERM = (9, 1)   # the autumn term (秋季学期) begins on 1 September


# ---------------------------------------------------------------- education (core tables)
def education(tables: dict, township: str, year: int, report_date,
              notes: list | None = None) -> dict | None:
    """控辍保学 and students of covered households (members.在校生状况)."""
    note = Notes(notes, "education")
    tables, absent = prep(tables)
    if note.missing_table(tables, "households", "members"):
        return None
    d = ts(report_date)
    hh = households(tables, township)
    if hh.empty:
        return note.whole("no_rows", "households", no_rows_reason("households"))
    hh, covered = town_households(tables, township, d, absent)
    mem = tables["members"]
    if not mem["户编号"].isin(hh["户编号"]).any():
        return note.whole("no_rows", "members", no_rows_reason("members"))
    if "在校生状况" in absent["members"]:
        note.column(["compulsory_age_not_in_school", "students_by_stage"], "members", "在校生状况")
        return {"compulsory_age_not_in_school": None, "students_by_stage": None, "students": None}
    cm = mem[mem["户编号"].isin(covered["户编号"])]
    age = age_on(cm["出生日期"], pd.Timestamp(year, 9, 1))
    lo, hi = COMPULSORY_AGES
    school_age = ((age >= lo) & (age <= hi)).fillna(False).astype(bool)
    out_of_school = int((school_age & (cm["在校生状况"] == NOT_IN_SCHOOL).fillna(False).astype(bool)).sum())
    st = cm[nonblank(cm["在校生状况"]) & (cm["在校生状况"] != NOT_IN_SCHOOL).fillna(False).astype(bool)]
    by_stage = {s: 0 for s in SCHOOL_STAGES}
    for s, k in st["在校生状况"].value_counts().sort_index().items():
        by_stage[str(s)] = int(k)
    return {"compulsory_age_not_in_school": out_of_school, "students_by_stage": by_stage,
            "students": int(len(st))}


# ---------------------------------------------------------------- education aid
def _school_year_overlaps(sy: pd.Series, year: int) -> pd.Series:
    """学年 "2022-2023" and "2023-2024" both overlap 2023 (spring and autumn terms)."""
    parts = sy.fillna("").astype(str).str.extract(contract.SCHOOL_YEAR.pattern)
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    second = second.where(second.isna() | (second >= 100), (first // 100) * 100 + second)
    second = second.fillna(first)
    return ((first == year) | (second == year)).fillna(False).astype(bool)


def autumn_term_begun(year: int, report_date) -> bool:
    """The autumn term of 学年 Y—(Y+1) has begun at the report date (1 September of Y)."""
    return ts(report_date) >= pd.Timestamp(year, *AUTUMN_TERM)


def terms(year: int, report_date) -> str:
    """The terms 教育资助 of report year Y counts at the report date: "2022—2023学年春季" and,
    from 1 September, "和2023—2024学年秋季"."""
    spring = f"{year - 1}—{year}学年春季"
    return f"{spring}和{year}—{year + 1}学年秋季" if autumn_term_begun(year, report_date) else spring


def education_aid(tables: dict, township: str, year: int, report_date,
                  notes: list | None = None) -> dict | None:
    """教育资助 of students of T (a student belongs to their household's township).

    The 学年 overlapping Y count (indicators.md): Y−1—Y for the spring term, Y—Y+1 for the
    autumn term. What is true at the report date D: the autumn term begins on 1 September,
    so before it rows of 学年 Y—Y+1 are registrations for a term not yet begun and are not
    counted (nor named in the text); and, as every flow "in Y up to D", a row whose 发放日期
    is after D had not been paid at D. At 31 December both rules leave every row of the two
    学年 dated in or before Y, as before."""
    note = Notes(notes, "education_aid")
    tables, absent = prep(tables)
    if note.missing_table(tables, "education_aid", "members", "households"):
        return None
    d = ts(report_date)
    hh = households(tables, township)
    mem = tables["members"]
    ids = mem.loc[mem["户编号"].isin(hh["户编号"]), "证件号码"]
    ea = tables["education_aid"]
    keep = ea["证件号码"].isin(ids) & _school_year_overlaps(ea["学年"], year)
    if not autumn_term_begun(year, d):
        keep &= ~_school_year_overlaps(ea["学年"], year + 1)   # Y—Y+1: its autumn term is to come
    if "发放日期" in ea.columns and "发放日期" not in absent["education_aid"]:
        keep &= ~(ea["发放日期"].notna() & (ea["发放日期"] > d))
    ea = ea[keep]
    by_prog = {}
    for p, g in ea.groupby("资助项目", sort=True):
        by_prog[str(p)] = {"count": int(len(g)), "amount": float(dsum(g["金额"]) / Decimal(10000))}
    rb = ea[ea["资助项目"] == RAINBOW]
    grants = ea[ea["资助项目"] != LOAN]
    loans = ea[ea["资助项目"] == LOAN]
    return {"by_programme": by_prog,
            # 资助 are grants; 生源地信用助学贷款 is a loan, stated on its own, never summed in
            "grants": {"count": int(len(grants)), "amount": float(dsum(grants["金额"]) / Decimal(10000))},
            "loans": {"count": int(len(loans)), "amount": float(dsum(loans["金额"]) / Decimal(10000))},
            "rainbow": {"count": int(len(rb)), "amount": float(dsum(rb["金额"]) / Decimal(10000))},
            "students": int(ea["证件号码"].nunique())}


def flag_out_of_school(ind: dict, policy: dict) -> list[dict]:
    n = (ind.get("education") or {}).get("compulsory_age_not_in_school")
    if not n:
        return []
    return [make_flag("education", "兜底保障", "out_of_school", "high", {"persons": int(n)},
                  f"脱贫户和监测对象家庭中义务教育阶段适龄（6至15周岁）人员登记为非在校生的{int(n)}人")]


def paragraph_education(ind: dict) -> str:
    """控辍保学 (members.在校生状况) and 教育资助 (optional table)."""
    e = ind.get("education")
    s = []
    if not e:
        s.append(no_data(ind, "education"))
    elif e.get("students_by_stage") is not None:
        by = [persons(n, label=k) for k, n in e["students_by_stage"].items() if n]
        k = e["compulsory_age_not_in_school"]
        led = bool(k) and gap_of(ind, "out_of_school") > 0   # the shortfall leads the section
        if led:
            s.append(fill(section_words(ind, "education").get("lead_out_of_school"), {"persons": persons(k)}) + "。")
        s.append(f"脱贫户和监测对象家庭有在校生{persons(e['students'])}" + (f"（{join_list(by)}）" if by else "") + "。")
        if led:
            pass
        elif k:
            s.append(f"义务教育阶段适龄（6至15周岁）人员中登记为非在校生的{persons(k)}，是否失学辍学有待核实。")
        else:
            s.append("义务教育阶段适龄（6至15周岁）人员均在校，未发现失学辍学。")
    s += not_stated(ind, "education")
    a = ind.get("education_aid")
    year = ind.get("year")
    d = (report_date_of(ind) or dt.date(year, 12, 31)) if year else None
    if a:
        progs = a["by_programme"]
        grants = {k: v for k, v in progs.items() if k != LOAN}
        loan = progs.get(LOAN)
        if grants:
            n = sum(v["count"] for v in grants.values())
            total = float(dsum(v["amount"] for v in grants.values()))
            rb = a["rainbow"]
            # "2023年（2022—2023学年春季和2023—2024学年秋季）" at the year's end; before
            # 1 September "年内（2022—2023学年春季）": the autumn term named once it has begun
            s.append(f"{flow_period(ind)}（{terms(year, d)}）落实教育资助{count(n, '人次')}、"
                     f"{wan(total)}")
            if rb["count"]:
                s.append(f"，其中雨露计划{count(rb['count'], '人次')}、{wan(rb['amount'])}")
            others = [f"{k}{count(v['count'], '人次')}、{wan(v['amount'])}" for k, v in grants.items() if k != RAINBOW]
            if others:
                s.append(("；" if rb["count"] else "，其中") + "；".join(others))
            s.append("。")
        if loan and loan["count"]:
            s.append(f"另为{count(loan['count'], '人次')}办理生源地信用助学贷款{wan(loan['amount'])}（贷款，不计入资助金额）。")
        if not progs:
            when = f"{year}年" if at_year_end(ind) else terms(year, d)
            s.append(f"教育资助数据中没有{place(ind)}{when}的资助记录。")
    else:
        s.append(unstated(ind, "education_aid", "未统计雨露计划等教育资助情况"))
    return "".join(s)


def education_stages_table(ind: dict) -> pd.DataFrame:
    e = ind.get("education") or {}
    by = e.get("students_by_stage")
    if not by:
        return pd.DataFrame()
    rows = [[k, int(v)] for k, v in by.items()] + [["合计", int(e["students"])]]
    return pd.DataFrame(rows, columns=["在校生状况", "人数"])


def education_aid_table(ind: dict) -> pd.DataFrame:
    a = ind.get("education_aid")
    if not a or not a["by_programme"]:
        return pd.DataFrame()
    grants = {k: v for k, v in a["by_programme"].items() if k != LOAN}
    rows = [[k, int(v["count"]), wan_cell(v["amount"])] for k, v in grants.items()]
    total = float(dsum(v["amount"] for v in grants.values()))
    if grants:
        rows.append(["资助合计", sum(int(v["count"]) for v in grants.values()), wan_cell(total)])
    loan = a["by_programme"].get(LOAN)
    if loan:
        rows.append([f"{LOAN}（贷款，不计入资助合计）", int(loan["count"]), wan_cell(loan["amount"])])
    df = pd.DataFrame(rows, columns=["资助项目", "人次", "金额（万元）"])
    if grants and not parts_add_up([v["amount"] for v in grants.values()], total):
        df.attrs["note"] = ROUNDING_NOTE
    return df


def education_stages_chart(ind: dict):
    e = ind.get("education") or {}
    by = {k: v for k, v in (e.get("students_by_stage") or {}).items() if v}
    return bar(by, f"{chart_when(ind, stock=True)}脱贫户和监测对象家庭在校生（按学段）", "人") if by else None


# ---------------------------------------------------------------- the topic
TOPIC = Topic("education", "教育帮扶", ("education", "education_aid"), section=7)
# this topic's flag rules, in the order their flags are listed when severity and theme tie
RULES = (flag_out_of_school,)


def compute(tables: dict, township: str, year: int, report_date, policy: dict, notes: list) -> dict:
    """Students of the covered households and 教育资助."""
    return {"education": education(tables, township, year, report_date, notes),
            "education_aid": education_aid(tables, township, year, report_date, notes)}
