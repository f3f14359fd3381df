"""Topic monitoring: 防止返贫动态监测 (and 基本情况, the villages).

Its indicators (pure functions of the conformed tables), its flag rules, its paragraphs,
its tables and its chart specs, all from one definition per figure.
"""
from __future__ import annotations

import statistics

import pandas as pd

from zhenxing.topics import work
from zhenxing.topics.base import (
    BLANK,
    CATEGORIES,
    DEFAULT_POLICY,
    RISK_TYPES,
    Notes,
    Topic,
    absent_columns,
    as_int,
    chart_when,
    grouped_bar,
    households,
    hp_by,
    hp_counts,
    hp_with,
    in_year,
    monitored_mask,
    month_only_mask,
    no_rows_reason,
    nonblank,
    on_or_before,
    pct_of,
    prep,
    town_mask,
    true,
    ts,
    village_key,
    village_label,
    year_is,
)
from zhenxing.topics.flags import make_flag
from zhenxing.words.numbers import MISSING, count, hp, num, pct, persons, wan_cell
from zhenxing.words.wording import (
    as_of,
    fill,
    flow_period,
    hp_cells,
    join_list,
    no_data,
    not_stated,
    place,
    policy_of,
    section_words,
    sentences,
    table_note,
    unstated,
    whole_year,
    with_cats,
    with_note,
)


# ---------------------------------------------------------------- basic
def basic(tables: dict, township: str, report_date, notes: list | None = None) -> dict | None:
    """Basic situation: villages, households, persons, 脱贫户 and monitoring objects."""
    note = Notes(notes, "basic")
    tables, absent = prep(tables)
    if note.missing_table(tables, "households"):
        return None
    d = ts(report_date)
    hh = households(tables, township)
    if hh.empty:
        return note.whole("no_rows", "households", no_rows_reason("households"))
    dated = "纳入监测日期" not in absent["households"]
    villages = village_key(hh[nonblank(hh["村"])]).nunique()
    out = {"villages": int(villages)}
    out.update(hp_counts(hh))
    out["exited_poor"] = hp_counts(hh[true(hh["是否脱贫户"])])
    out["monitoring_objects"] = hp_counts(hh[monitored_mask(hh, d, dated)])
    return out


# ---------------------------------------------------------------- monitoring
def monitoring(tables: dict, township: str, year: int, report_date, policy: dict | None = None,
               notes: list | None = None) -> dict | None:
    """防止返贫动态监测. ``policy`` gives ``identification_days_max`` (DEFAULT_POLICY when None)."""
    note = Notes(notes, "monitoring")
    tables, absent = prep(tables)
    if note.missing_table(tables, "households"):
        return None
    if policy is None:
        policy = DEFAULT_POLICY
    d = ts(report_date)
    hh = households(tables, township)
    if hh.empty:
        return note.whole("no_rows", "households", no_rows_reason("households"))
    gone = absent["households"]
    dated = "纳入监测日期" not in gone
    has_elim = "风险消除日期" not in gone
    cat = "监测对象类别"
    mon = hh[monitored_mask(hh, d, dated)]
    elim_mask = on_or_before(mon["风险消除日期"], d)
    eliminated = mon[elim_mask]
    unresolved = mon[~elim_mask]

    new_in_year = None
    if dated:
        new_in_year = hp_with(mon[in_year(mon["纳入监测日期"], year, d)], cat, CATEGORIES)
    else:
        note.column(["new_in_year"], "households", "纳入监测日期")

    # identification days: new objects having both dates, month-only dates excluded
    ident = None
    if dated and "风险发现日期" not in gone:
        new = mon[in_year(mon["纳入监测日期"], year, d)]
        both = new[new["风险发现日期"].notna() & new["纳入监测日期"].notna()]
        month_only = month_only_mask(both, "风险发现日期") | month_only_mask(both, "纳入监测日期")
        exact = both[~month_only]
        days = [int(x) for x in (exact["纳入监测日期"] - exact["风险发现日期"]).dt.days]
        limit = policy.get("identification_days_max")
        ident = {
            "median": float(statistics.median(days)) if days else None,
            "max": max(days) if days else None,
            "over_limit": (sum(1 for x in days if x > limit) if limit is not None else None),
            "counted": len(days),
            "excluded_month_only": int(month_only.sum()),
        }
    else:
        note.column(["identification_days"], "households", "风险发现日期" if dated else "纳入监测日期")

    by_risk = None
    if not has_elim:
        note.column(["unresolved", "eliminated", "eliminated_in_year", "by_risk_type", "by_village.unresolved"],
                    "households", "风险消除日期")
    elif "主要风险类型" in gone:
        note.column(["by_risk_type"], "households", "主要风险类型")
    else:
        by_risk = hp_by(unresolved, "主要风险类型", RISK_TYPES)

    by_village = {}
    vname = lambda df: village_label(df, township)  # noqa: E731 — 村, or 乡镇+村 for several townships
    villages = sorted(str(v) for v in vname(hh)[nonblank(hh["村"])].unique())
    mon_v, un_v = vname(mon), vname(unresolved)
    for v in villages:
        by_village[v] = {
            "total": hp_counts(mon[(mon_v == v).fillna(False).astype(bool)]),
            "unresolved": hp_counts(unresolved[(un_v == v).fillna(False).astype(bool)]) if has_elim else None,
        }

    relocated = None
    if "是否易地扶贫搬迁" in gone:
        note.column(["relocated"], "households", "是否易地扶贫搬迁")
    else:
        relocated = hp_counts(hh[true(hh["是否易地扶贫搬迁"])])

    return {
        "total": hp_counts(mon),
        "unresolved": hp_with(unresolved, cat, CATEGORIES) if has_elim else None,
        "eliminated": hp_with(eliminated, cat, CATEGORIES) if has_elim else None,
        "new_in_year": new_in_year,
        "eliminated_in_year": (hp_with(mon[in_year(mon["风险消除日期"], year, d)], cat, CATEGORIES)
                               if has_elim else None),
        "identification_days": ident,
        "by_risk_type": by_risk,
        "by_village": by_village,
        "exited_poor": hp_counts(hh[true(hh["是否脱贫户"])]),
        "relocated": relocated,
    }


def flag_identification_days(ind: dict, policy: dict) -> list[dict]:
    idd = (ind.get("monitoring") or {}).get("identification_days") or {}
    limit = policy.get("identification_days_max")
    if limit is None or not idd.get("over_limit"):
        return []
    return [make_flag("monitoring", "监测帮扶", "identification_days", "medium",
                  {"over_limit": int(idd["over_limit"]), "limit": limit, "max": idd.get("max"),
                   "median": idd.get("median"), "counted": idd.get("counted")})]


# ---------------------------------------------------------------- additions to core topics
def main_risk_types(mon: dict | None) -> dict:
    """``main_risk_types``: up to three risk types of unresolved objects with most
    households (blank and zero left out), each with its share of unresolved households."""
    if not mon or mon.get("by_risk_type") is None or mon.get("unresolved") is None:
        return {"main_risk_types": None}
    total = mon["unresolved"]["households"]
    ranked = sorted(((k, v) for k, v in mon["by_risk_type"].items() if k != BLANK and v["households"]),
                    key=lambda kv: (-kv[1]["households"], -kv[1]["persons"], RISK_TYPES.index(kv[0])
                                    if kv[0] in RISK_TYPES else 99))
    return {"main_risk_types": [
        {"type": k, "households": v["households"], "persons": v["persons"],
         "share": pct_of(v["households"], total)} for k, v in ranked[:3]]}


# ---------------------------------------------------------------- villages
def villages(tables: dict, township: str, year: int, report_date,
             notes: list | None = None) -> dict | None:
    """村 of T: counts, staff and collective-economy income (rows of Y when 年度 is given)."""
    note = Notes(notes, "villages")
    tables, absent = prep(tables)
    if note.missing_table(tables, "villages"):
        return None
    v = tables["villages"]
    v = v[town_mask(v["乡镇"], township)]
    gone = absent["villages"]
    v = v.assign(_村=village_key(v))
    names = v["_村"][nonblank(v["村"])]
    out = {"count": int(names.nunique()), "poverty_exited": None, "groups": None, "grid_staff": None,
           "work_team": None, "collective_income_5": None, "collective_income_10": None,
           "collective_income_counted": None}
    if not len(v):
        return note.whole("no_rows", "villages", no_rows_reason("villages"))
    if "是否脱贫村" in gone:
        note.column(["poverty_exited"], "villages", "是否脱贫村")
    else:
        out["poverty_exited"] = int(v.loc[true(v["是否脱贫村"]), "_村"].nunique())
    if "年度" in gone:
        cur = v.drop_duplicates("_村", keep="last")
    else:
        cur = v[year_is(v["年度"], year)].drop_duplicates("_村", keep="last")
    if not len(cur):
        for k in ("groups", "grid_staff", "work_team", "collective_income_5", "collective_income_10"):
            note.add(k, "no_rows", "villages", None, f"村数据中没有{year}年的记录")
        return out
    for key, col in (("groups", "村民小组数"), ("grid_staff", "网格员数"), ("work_team", "驻村工作队员数")):
        if col in gone:
            note.column([key], "villages", col)
        else:
            out[key] = as_int(cur[col].sum())
    if "村集体经济收入" in gone:
        note.column(["collective_income_5", "collective_income_10"], "villages", "村集体经济收入")
    else:
        inc = cur["村集体经济收入"].dropna().astype(float)
        n = int(len(inc))
        out["collective_income_counted"] = n
        if n:
            for key, t in (("collective_income_5", 5), ("collective_income_10", 10)):
                k = int((inc >= t).sum())
                out[key] = {"count": k, "share": pct_of(k, n)}
        else:
            note.add("collective_income_5", "column_absent", "villages", "村集体经济收入", "各村均未填写村集体经济收入")
    return out


def paragraph_basic(ind: dict, basic: dict | None) -> str:
    if not basic:
        return no_data(ind, "basic")
    s = (f"{place(ind)}{count(basic['villages'], '个')}村共有农户{hp(basic)}，"
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


def _households(obj: dict | None) -> int:
    return int((obj or {}).get("households") or 0)


def said_in_basic(ind: dict, total: dict | None) -> bool:
    """基本情况 (:func:`paragraph_basic`) states this count of monitoring objects, the same
    户 and 人: the monitoring paragraph then does not state it again."""
    said = ((ind.get("basic") or {}) if isinstance(ind.get("basic"), dict) else {}).get("monitoring_objects")
    return bool(said and total and said.get("households") == total.get("households")
                and said.get("persons") == total.get("persons"))


def paragraph_monitoring(ind: dict) -> str:
    m = ind.get("monitoring")
    if not m:
        return no_data(ind, "monitoring")
    un, el = m.get("unresolved"), m.get("eliminated")
    split = un is not None and el is not None and m["total"].get("households")
    if split and said_in_basic(ind, m["total"]):
        # 基本情况 has stated the count (the same 户/人): not again, only how it divides
        s, joins = [f"{as_of(ind)}，{place(ind)}识别认定的监测对象"], ("", "中，")
    else:
        s, joins = [f"{as_of(ind)}，{place(ind)}累计识别认定防止返贫监测对象{hp(m['total'])}"], ("，", "，其中")
    if split:
        # 0 is said in words ("均未消除风险"), never "已消除风险0户0人"
        if not _households(el):
            s.append(joins[0] + "目前均未消除风险")
        elif not _households(un):
            s.append(joins[0] + "均已消除风险")
        else:
            s.append(f"{joins[1]}已消除风险{with_cats(el)}，风险未消除{with_cats(un)}")
    s.append("。")
    new, ey = m.get("new_in_year"), m.get("eliminated_in_year")
    span = whole_year(ind)
    if new is not None:
        s.append(f"{span}新识别认定监测对象{with_cats(new)}" if _households(new) else f"{span}未新识别认定监测对象")
        if ey is not None:   # the time phrase once: "年内新识别…，同期消除风险…"
            s.append(f"，同期消除风险{with_cats(ey)}。" if _households(ey) else "，同期没有监测对象消除风险。")
        else:
            s.append("。")
    elif ey is not None:
        s.append(f"{span}消除风险{with_cats(ey)}。" if _households(ey) else f"{span}没有监测对象消除风险。")
    risks = main_risks(m)
    if risks:
        if len(risks) == 1 and risks[0]["households"] == un["households"]:
            s.append(f"风险未消除的监测对象主要风险均为{risks[0]['type']}。")
        else:
            parts = [f"{r['type']}的{hp(r)}，占{pct(r['share'])}" for r in risks]
            s.append(f"风险未消除的监测对象中，主要风险为{'；'.join(parts)}。")
    ident = sentence_identification(ind)
    if ident:
        s.append(ident + "。")
    if not work.lead_monitoring(ind) and work.paired_clause(ind):   # said here when no ledger opens the section
        s.append(work.paired_clause(ind) + "。")
    s += not_stated(ind, "monitoring")
    return "".join(s)


def sentence_identification(ind: dict) -> str | None:
    """识别认定用时: on time, one clause ("均在15天内完成识别认定"); late, the households over
    the limit first, then the longest and the median."""
    idd = (ind.get("monitoring") or {}).get("identification_days") or {}
    if not idd.get("counted"):
        return None
    w = section_words(ind, "monitoring")
    limit = policy_of(ind).get("identification_days_max")
    f = {"median": num(idd["median"]), "max": num(idd["max"]),
         "limit": num(limit) if limit is not None else None}
    if idd.get("over_limit"):
        return fill(w.get("identification_missed"), {**f, "over": count(idd["over_limit"], "户")})
    if idd.get("over_limit") == 0 and limit is not None:
        return fill(w.get("identification_met"), f)
    return fill(w.get("identification_plain"), f)


def sentence_main_risk_types(ind: dict) -> str:
    """The two or three main risk types of unresolved objects with their shares."""
    m = ind.get("monitoring") or {}
    main = m.get("main_risk_types")
    if not main:
        return ""
    parts = [f"{r['type']}（{count(r['households'], '户')}，占{pct(r['share'])}）" for r in main]
    return f"从风险类型看，风险未消除的监测对象以{join_list(parts)}为主。"


def paragraph_villages(ind: dict) -> str:
    """村级基本情况 (basic section): villages, 脱贫村, staff and collective income."""
    v = ind.get("villages")
    if not v:
        return unstated(ind, "villages", "未统计村级组织和村集体经济情况")
    # the figures themselves, no "村级数据涉及…" or "有…数据的N个村中" (the villages are
    # counted in the paragraph before; a base short of every village goes to a 注)
    w = section_words(ind, "villages")
    clauses = []
    if v.get("poverty_exited") is not None:
        clauses.append(fill(w.get("lead"), {"all": place(ind), "poverty": count(v["poverty_exited"], "个")}))
    staff = []
    if v.get("groups") is not None:
        staff.append(f"村民小组{count(v['groups'], '个')}")
    if v.get("grid_staff") is not None:
        staff.append(f"防返贫监测网格员{persons(v['grid_staff'])}")
    if v.get("work_team") is not None and not (ind.get("work") or {}).get("teams"):
        # with the 驻村工作队 ledger its own section states the team (posted at the report
        # date): the villages table's count, of another moment, would be a second number
        staff.append(f"驻村工作队员{persons(v['work_team'])}")
    if staff:
        clauses.append(fill(w.get("staff"), {"staff": "、".join(staff)}) if clauses
                       else f"{place(ind)}共有" + "、".join(staff))
    s = ["，".join(c for c in clauses if c) + "。"] if clauses else []
    c5, c10, n = v.get("collective_income_5"), v.get("collective_income_10"), v.get("collective_income_counted")
    if c5 is not None and n:
        parts = [fill(w.get("collective_all"), {}) if c5["count"] == n else
                 fill(w.get("collective"), {"c5": count(c5["count"], "个"), "s5": pct(c5["share"])})]
        if c10 is not None:
            parts.append(fill(w.get("collective_10"), {"c10": count(c10["count"], "个"), "s10": pct(c10["share"])}))
        s.append(sentences(parts))
        if n != v.get("count"):
            s.append("（" + fill(w.get("collective_note"), {"counted": count(n, "个")}) + "。）")
    s += not_stated(ind, "villages")
    return "".join(s)


def monitoring_by_category(ind: dict) -> pd.DataFrame:
    """Monitoring objects by category, each cell as N户M人; a column whose figure is
    unknown (e.g. no 风险消除日期) is left out, with a note."""
    m = ind.get("monitoring")
    if not m:
        return pd.DataFrame()
    span = flow_period(ind, "当年")   # from 1 January to the report date: 年内 before 31 December
    parts = {"未消除风险": m.get("unresolved"), "已消除风险": m.get("eliminated"),
             f"{span}新识别": m.get("new_in_year"), f"{span}消除风险": m.get("eliminated_in_year")}
    known = {k: v for k, v in parts.items() if v is not None}
    total = {c: None for c in CATEGORIES}
    if m.get("unresolved") is not None and m.get("eliminated") is not None:
        for cat in CATEGORIES:
            un, el = hp_cells(m["unresolved"]["by_category"].get(cat)), hp_cells(m["eliminated"]["by_category"].get(cat))
            total[cat] = (un[0] + el[0], un[1] + el[1])
    rows = []
    for cat in CATEGORIES:
        row = [cat] + ([hp(*total[cat])] if total[cat] is not None else [])
        row += [hp(*hp_cells(v["by_category"].get(cat))) for v in known.values()]
        rows.append(row)
    has_total = total[CATEGORIES[0]] is not None
    rows.append(["合计"] + ([hp(*hp_cells(m["total"]))] if has_total else []) + [hp(*hp_cells(v)) for v in known.values()])
    cols = ["类别"] + (["监测对象"] if has_total else []) + list(known)
    df = pd.DataFrame(rows, columns=cols)
    if len(known) < len(parts):
        return with_note(df, table_note(ind, "monitoring", {"unresolved", "eliminated", "new_in_year", "eliminated_in_year"},
                                    "注：部分指标缺少所需数据，未列出。"))
    return df


def monitoring_by_village(ind: dict) -> pd.DataFrame:
    m = ind.get("monitoring")
    if not m or not m.get("by_village"):
        return pd.DataFrame()
    items = sorted(m["by_village"].items())
    if all(x.get("unresolved") is not None for _, x in items):
        rows = [[v, *hp_cells(x.get("total")), *hp_cells(x.get("unresolved"))] for v, x in items]
        return pd.DataFrame(rows, columns=["村（社区）", "监测对象户数", "监测对象人数", "未消除风险户数", "未消除风险人数"])
    rows = [[v, *hp_cells(x.get("total"))] for v, x in items]
    df = pd.DataFrame(rows, columns=["村（社区）", "监测对象户数", "监测对象人数"])
    return with_note(df, table_note(ind, "monitoring", {"by_village.unresolved"}, "注：未计算各村风险未消除户数。"))


def monitoring_by_risk(ind: dict) -> pd.DataFrame:
    m = ind.get("monitoring")
    if not m or not m.get("by_risk_type"):
        return pd.DataFrame()
    rows = [[k, *hp_cells(v)] for k, v in m["by_risk_type"].items() if hp_cells(v)[0]]
    return pd.DataFrame(rows, columns=["主要风险类型", "户数", "人数"])


def villages_table(tables: dict, township: str, year: int) -> pd.DataFrame:
    """Annex: one row per village of the township (rows of ``year`` when 年度 is given)."""
    v = tables.get("villages")
    if v is None:
        return pd.DataFrame()
    gone = absent_columns(v, "villages")
    v = v[(v["乡镇"] == township).fillna(False).astype(bool)]
    if "年度" not in gone:
        v = v[(v["年度"] == year).fillna(False).astype(bool)]
    v = v.drop_duplicates("村", keep="last").sort_values("村")
    if v.empty:
        return pd.DataFrame()
    out = pd.DataFrame({"村": v["村"].astype(str)})
    if "是否脱贫村" not in gone:
        out["脱贫村"] = v["是否脱贫村"].map(lambda b: "是" if b is True else ("否" if b is False else MISSING))
    for col, label in (("村民小组数", "村民小组"), ("网格员数", "网格员"), ("驻村工作队员数", "驻村工作队员")):
        if col not in gone:
            out[label] = v[col].map(lambda x: MISSING if pd.isna(x) else str(int(x)))
    if "村集体经济收入" not in gone:
        out["村集体经济收入（万元）"] = v["村集体经济收入"].map(lambda x: MISSING if pd.isna(x) else wan_cell(x))
    return out.reset_index(drop=True)


# --- one chart per topic part, from indicators (None when the topic has no data) ------

def monitoring_categories(ind: dict):
    m = ind.get("monitoring")
    if not m:
        return None
    series = {}
    for label, key in (("未消除风险", "unresolved"), ("已消除风险", "eliminated")):
        if m.get(key) is not None:
            series[label] = {k: v["households"] for k, v in m[key]["by_category"].items()}
    if not series:  # no 风险消除日期: the split is unknown, so no chart (the paragraph says why)
        return None
    return grouped_bar(series, f"{chart_when(ind, stock=True)}监测对象风险消除情况（按类别）", "户")


# ---------------------------------------------------------------- the topic
TOPIC = Topic("monitoring", "防止返贫动态监测", ("monitoring", "villages"), section=1)
# this topic's flag rules, in the order their flags are listed when severity and theme tie
RULES = (flag_identification_days,)


def compute(tables: dict, township: str, year: int, report_date, policy: dict, notes: list) -> dict:
    """防止返贫动态监测 (with its main risk types) and the villages; the notes of 基本情况,
    which this section states, first."""
    basic(tables, township, report_date, notes=notes)
    mon = monitoring(tables, township, year, report_date, policy, notes=notes)
    if mon is not None:
        mon.update(main_risk_types(mon))
        # 结对帮扶 coverage (indicators.md "三保障, 饮水 and 健康帮扶"); defined in security
        from zhenxing.topics.security import guarantees
        mon["paired_share"] = guarantees(tables, township, year, report_date)["paired_share"]
    return {"monitoring": mon, "villages": villages(tables, township, year, report_date, notes)}
