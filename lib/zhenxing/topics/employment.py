"""Topic employment: 就业帮扶.

Its indicators (pure functions of the conformed tables), its flag rules, its paragraphs,
its tables and its chart specs, all from one definition per figure.
"""
from __future__ import annotations

import pandas as pd

from zhenxing.topics.base import (
    BLANK,
    LABOR_FORCE,
    REGIONS,
    Notes,
    Topic,
    bar,
    change_rate,
    chart_when,
    covered_mask,
    households,
    no_rows_reason,
    nonblank,
    prep,
    sum_wan,
    town_households,
    ts,
    year_is,
)
from zhenxing.topics.flags import gap_of, make_flag
from zhenxing.words.numbers import change, count, num, pct, persons, wan
from zhenxing.words.wording import (
    fill,
    join_list,
    no_data,
    not_stated,
    place,
    section_words,
    share_phrase,
    whole_year,
)


# ---------------------------------------------------------------- employment
def workers_in_year(work: pd.DataFrame, ids, year: int) -> pd.DataFrame:
    w = work[year_is(work["年度"], year) & work["证件号码"].isin(ids)]
    return w.drop_duplicates("证件号码")


def zero_employment_households(mem: pd.DataFrame, work: pd.DataFrame, year: int) -> set:
    """零就业家庭 — one definition for every section that counts them (就业, 易地扶贫搬迁
    后续扶持, the county): households of ``mem`` (members of the households in question)
    with at least one labour-force member (劳动技能 in :data:`LABOR_FORCE`) and no member
    with a work row in ``year``. Returns their 户编号."""
    with_labor = set(mem.loc[mem["劳动技能"].isin(LABOR_FORCE), "户编号"])
    w = workers_in_year(work, mem["证件号码"], year)
    with_worker = set(mem.loc[mem["证件号码"].isin(w["证件号码"]), "户编号"])
    return with_labor - with_worker


def employment(tables: dict, township: str, year: int, report_date,
               notes: list | None = None) -> dict | None:
    """就业 of members of covered households."""
    note = Notes(notes, "employment")
    tables, absent = prep(tables)
    if note.missing_table(tables, "households", "members", "work"):
        return None
    d = ts(report_date)
    hh = households(tables, township)
    if hh.empty:
        return note.whole("no_rows", "households", no_rows_reason("households"))
    members = tables["members"]
    all_mem = members[members["户编号"].isin(hh["户编号"])]
    if all_mem.empty:
        return note.whole("no_rows", "members", no_rows_reason("members"))
    dated = "纳入监测日期" not in absent["households"]
    covered = hh[covered_mask(hh, d, dated)]
    mem = all_mem[all_mem["户编号"].isin(covered["户编号"])]
    work = tables["work"]
    labor = mem[mem["劳动技能"].isin(LABOR_FORCE)]

    def any_rows(y):
        return bool((year_is(work["年度"], y) & work["证件号码"].isin(all_mem["证件号码"])).any())

    workers = zero = wage = None
    n_workers = None
    if any_rows(year):
        w = workers_in_year(work, mem["证件号码"], year)
        by_region = {r: 0 for r in REGIONS}
        for r, n in w.groupby("务工地域")["证件号码"].nunique().items():
            by_region[str(r)] = int(n)
        n_workers = int(w["证件号码"].nunique())
        workers = {"total": n_workers, "by_region": by_region}
        zero = len(zero_employment_households(mem, work, year))
        if "务工收入" in absent["work"]:
            note.column(["wage_income"], "work", "务工收入")
        else:
            wage = sum_wan(w["务工收入"], "work", "务工收入")
    else:
        for k in ("workers", "zero_employment_households", "wage_income"):
            note.add(k, "no_rows", "work", None, f"无{year}年务工数据")

    # previous year: null when the township has no work rows at all for Y−1
    n_prev = None
    if any_rows(year - 1):
        n_prev = int(workers_in_year(work, mem["证件号码"], year - 1)["证件号码"].nunique())
    elif workers is not None:
        for k in ("workers_prev", "workers_growth"):
            note.add(k, "no_prev_year", "work", None, "无上年务工数据")

    return {
        "labor_force": int(len(labor)),
        "workers": workers,
        "workers_prev": n_prev,
        "workers_growth": change_rate(n_workers, n_prev),
        "zero_employment_households": zero,
        "wage_income": wage,
    }


def flag_zero_employment(ind: dict, policy: dict) -> list[dict]:
    z = (ind.get("employment") or {}).get("zero_employment_households")
    if not z:
        return []
    return [make_flag("employment", "就业", "zero_employment", "high", {"households": int(z)})]
WORK_MODES = ("企业务工", "帮扶车间", "公益性岗位", "灵活就业", "自主创业")
STABLE_MONTHS = 6


def work_modes_and_stability(tables: dict, township: str, year: int, report_date, emp: dict | None,
                    notes: list | None = None) -> dict | None:
    """employment.by_mode (就业方式 → workers in Y) and employment.stable_workers
    (workers in Y with 务工月数 ≥ 6), over the same workers as ``employment.workers``."""
    if emp is None:
        return None
    if emp.get("workers") is None:
        return {"by_mode": None, "stable_workers": None}
    note = Notes(notes, "employment")
    tables, absent = prep(tables)
    d = ts(report_date)
    hh, covered = town_households(tables, township, d, absent)
    mem = tables["members"]
    mem = mem[mem["户编号"].isin(covered["户编号"])]
    w = workers_in_year(tables["work"], mem["证件号码"], year)
    by_mode = stable = None
    if "就业方式" in absent["work"]:
        note.column(["by_mode"], "work", "就业方式")
    else:
        by_mode = {m: 0 for m in WORK_MODES}
        modes = w["就业方式"].where(nonblank(w["就业方式"]), BLANK)
        for m, k in modes.value_counts().sort_index().items():
            by_mode[str(m)] = int(k)
    if "务工月数" in absent["work"]:
        note.column(["stable_workers"], "work", "务工月数")
    else:
        stable = int((w["务工月数"].astype("Int64") >= STABLE_MONTHS).fillna(False).sum())
    return {"by_mode": by_mode, "stable_workers": stable}


def flag_stable_work(ind: dict, policy: dict) -> list[dict]:
    e = ind.get("employment") or {}
    need = policy.get("stable_work_share_min")
    s, w = e.get("stable_workers"), (e.get("workers") or {}).get("total")
    if need is None or s is None or not w or s / w * 100 >= float(need):
        return []
    v = {"stable_workers": int(s), "workers": int(w), "share": s / w * 100, "target": float(need)}
    return [make_flag("employment", "就业", "stable_work_shortfall", "medium", v,
                  f"务工{w}人中务工6个月以上的稳定就业{s}人，占{pct(v['share'])}，低于{num(need)}%的要求")]


def paragraph_employment(ind: dict) -> str:
    """务工就业 of the covered households' labour; zero-employment households, when there are
    any, lead (what is off target first), none is one clause."""
    e = ind.get("employment")
    if not e:
        return no_data(ind, "employment")
    year = ind.get("year")
    w = e.get("workers")
    sw = section_words(ind, "employment")
    z = e.get("zero_employment_households")
    lead = fill(sw.get("lead_zero"), {"all": place(ind), "households": z}) if z and gap_of(ind, "zero_employment") else None
    s = [lead + "。"] if lead else []
    who = "" if lead else place(ind)
    if e.get("labor_force") is not None:
        s.append(f"{year}年，{who}脱贫户和监测对象家庭共有劳动力{persons(e['labor_force'])}")
        if w is not None:
            s.append(f"，务工就业{persons(w['total'])}")
    else:   # the labour force not stated (not believed): the workers alone
        s.append(f"{year}年，{who}脱贫户和监测对象家庭务工就业{persons((w or {}).get('total'))}")
    if w is not None:
        if e.get("workers_prev") is not None:
            s.append(f"，较上年{persons(e['workers_prev'])}")
            s.append(f"{change(e['workers_growth'])}" if e.get("workers_growth") is not None else "")
        by = w.get("by_region") or {}
        if by:
            s.append("；其中" + join_list([persons(n, label=r) for r, n in by.items()]))
    s.append("。")
    if e.get("wage_income") is not None:
        s.append(f"{whole_year(ind)}务工收入合计{wan(e['wage_income'])}。")
    if z and not lead:
        s.append(f"有劳动力但无人务工的零就业家庭{count(z, '户')}。")
    elif z == 0 and e.get("labor_force"):
        s.append(fill(sw.get("zero_met"), {}) + "。")
    s += not_stated(ind, "employment")
    return "".join(s)


def sentence_work_modes(ind: dict) -> str:
    """就业方式 and 稳定务工 (务工6个月以上) of the year's workers."""
    e = ind.get("employment")
    if not e or e.get("workers") is None:
        return ""
    s = []
    by = e.get("by_mode")
    if by:
        s.append("按就业方式分，" + join_list([persons(n, label=k) for k, n in by.items() if n]) + "。")
    if e.get("stable_workers") is not None:
        s.append(f"全年务工6个月以上的稳定就业{persons(e['stable_workers'])}，占务工人数的"
                 f"{share_phrase(e['stable_workers'], e['workers']['total'])}。")
    return "".join(s)


def employment_by_region(ind: dict) -> pd.DataFrame:
    e = ind.get("employment")
    if not e or e.get("workers") is None:
        return pd.DataFrame()
    reg = e["workers"].get("by_region") or {}
    rows = [[k, int(v)] for k, v in reg.items() if v is not None]
    rows.append(["合计", int(e["workers"]["total"])])
    return pd.DataFrame(rows, columns=["务工地域", "务工人数"])


def employment_regions(ind: dict):
    e = ind.get("employment")
    if not e or e.get("workers") is None or not e["workers"].get("by_region"):
        return None
    return bar(e["workers"]["by_region"], f"{chart_when(ind)}务工人数（按地域）", "人")


# ---------------------------------------------------------------- the topic
TOPIC = Topic("employment", "就业帮扶", ("employment",), section=3)
# this topic's flag rules, in the order their flags are listed when severity and theme tie
RULES = (flag_zero_employment, flag_stable_work)


def compute(tables: dict, township: str, year: int, report_date, policy: dict, notes: list) -> dict:
    """Employment, with work modes and stable work."""
    emp = employment(tables, township, year, report_date, notes=notes)
    if emp is not None:
        emp.update(work_modes_and_stability(tables, township, year, report_date, emp, notes) or {})
    return {"employment": emp}
