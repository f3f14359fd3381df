"""Topic income: 脱贫人口和监测对象收入.

Its indicators (pure functions of the conformed tables), its flag rules, its paragraphs,
its tables and its chart specs, all from one definition per figure.
"""
from __future__ import annotations

import pandas as pd

from zhenxing.topics.base import (
    INCOME_PARTS,
    Notes,
    Topic,
    as_int,
    change_rate,
    covered_mask,
    dsum,
    grouped_bar,
    households,
    hp_counts,
    monitored_mask,
    no_rows_reason,
    pct_of,
    prep,
    threshold_key,
    town_households,
    true,
    ts,
    year_is,
)
from zhenxing.topics.flags import gap_of, make_flag
from zhenxing.words.numbers import (
    change,
    decimal_of,
    hp,
    num,
    pct,
    pct_cell,
    round_half_up,
    rounded,
    yuan,
)
from zhenxing.words.wording import (
    fill,
    join_list,
    lead_first,
    no_data,
    not_stated,
    note,
    place,
    section_words,
    table_note,
    with_note,
    wording,
    yuan_target,
)


# ---------------------------------------------------------------- income
def _household_income(tables: dict, hh: pd.DataFrame, year: int) -> pd.DataFrame:
    """Income rows of year for households ``hh``: columns 户编号, size, net and the parts."""
    inc = tables["income"]
    inc = inc[year_is(inc["年度"], year) & inc["户编号"].isin(hh["户编号"])].copy()
    size_now = hh.drop_duplicates("户编号").set_index("户编号")["家庭人口数"]
    inc["size"] = inc["家庭人口数"].astype("Int64").fillna(inc["户编号"].map(size_now).astype("Int64"))
    for name, cols in INCOME_PARTS.items():
        part = pd.Series(0.0, index=inc.index)
        for c in cols:
            sign = -1.0 if c.startswith("-") else 1.0
            part = part + sign * inc[c.lstrip("-")].astype(float).fillna(0.0)
        inc[name] = part
    inc["net"] = sum(inc[name] for name in INCOME_PARTS) if len(inc) else pd.Series(0.0, index=inc.index)
    inc["per_capita"] = inc["net"] / inc["size"].astype(float)
    return inc


def _per_capita(inc: pd.DataFrame, ids) -> float | None:
    rows = inc[inc["户编号"].isin(ids)]
    size = as_int(rows["size"].sum()) if len(rows) else 0
    if size == 0:
        return None
    return float(dsum(rows["net"])) / size


def income(tables: dict, township: str, year: int, report_date, policy: dict,
           notes: list | None = None) -> dict | None:
    """脱贫人口和监测对象收入."""
    note = Notes(notes, "income")
    tables, absent = prep(tables)
    if note.missing_table(tables, "households", "income"):
        return None
    d = ts(report_date)
    hh = households(tables, township)
    if hh.empty:
        return note.whole("no_rows", "households", no_rows_reason("households"))
    cur = _household_income(tables, hh, year)
    if cur.empty:
        return note.whole("no_rows", "income", f"无{year}年收入数据")
    dated = "纳入监测日期" not in absent["households"]
    groups = {
        "exited_poor": hh[true(hh["是否脱贫户"])],
        "monitored": hh[monitored_mask(hh, d, dated)],
        "covered": hh[covered_mask(hh, d, dated)],
    }
    prev = _household_income(tables, hh, year - 1)
    has_prev = not prev.empty
    pcn = {g: _per_capita(cur, df["户编号"]) for g, df in groups.items()}
    pcp = growth = None
    if has_prev:
        pcp = {g: _per_capita(prev, df["户编号"]) for g, df in groups.items()}
        growth = {g: change_rate(pcn[g], pcp[g]) for g in groups}
    else:
        for k in ("per_capita_net_prev", "growth", "declined", "growth_gap"):
            note.add(k, "no_prev_year", "income", None, "无上年收入数据")

    covered = groups["covered"]
    cov_cur = cur[cur["户编号"].isin(covered["户编号"])]
    total_net = dsum(cov_cur["net"])
    composition = {name: pct_of(dsum(cov_cur[name]), total_net) for name in INCOME_PARTS}

    thresholds = list(policy.get("income_thresholds") or [])
    if policy.get("monitoring_threshold") is not None:
        thresholds.append(policy["monitoring_threshold"])
    pc_cur = cov_cur.set_index("户编号")["per_capita"]
    below = {}
    for t in sorted(set(float(x) for x in thresholds)):
        ids = pc_cur.index[pc_cur < t]
        below[threshold_key(t)] = hp_counts(covered[covered["户编号"].isin(ids)])

    declined = None
    if has_prev:
        pc_prev = prev[prev["户编号"].isin(covered["户编号"])].set_index("户编号")["per_capita"]
        both = pc_cur.index.intersection(pc_prev.index)
        fell = [h for h in both if pc_cur[h] < pc_prev[h]]
        declined = hp_counts(covered[covered["户编号"].isin(fell)])

    bench = policy.get("rural_benchmark_growth")
    bench = float(bench) if bench is not None else None
    g_cov = growth["covered"] if growth else None
    gap = g_cov - bench if (bench is not None and g_cov is not None) else None
    return {
        "per_capita_net": pcn,
        "per_capita_net_prev": pcp,
        "growth": growth,
        "composition": composition,
        "below": below,
        "declined": declined,
        "rural_benchmark_growth": bench,
        "growth_gap": gap,
    }


def flag_income_below(ind: dict, policy: dict) -> list[dict]:
    below = (ind.get("income") or {}).get("below") or {}
    levels = [{"threshold": float(k), "households": int(v["households"]), "persons": int(v["persons"])}
              for k, v in below.items() if v and v.get("households")]
    if not levels:
        return []
    levels.sort(key=lambda x: -x["threshold"])   # the widest group first, the nested ones after it
    return [make_flag("income", "增收", "below_threshold", "high", {"levels": levels})]


def flag_income_declined(ind: dict, policy: dict) -> list[dict]:
    dec = (ind.get("income") or {}).get("declined")
    if not dec or not dec.get("households"):
        return []
    return [make_flag("income", "增收", "declined", "medium",
                  {"households": int(dec["households"]), "persons": int(dec["persons"])})]


def flag_income_growth(ind: dict, policy: dict) -> list[dict]:
    inc = ind.get("income") or {}
    g = (inc.get("growth") or {}).get("covered")
    bench = inc.get("rural_benchmark_growth")
    if bench is None:
        bench = policy.get("rural_benchmark_growth")
    if g is None or bench is None or not g < bench:
        return []
    return [make_flag("income", "增收", "growth_below_benchmark", "medium",
                  {"growth": g, "benchmark": float(bench), "gap": float(bench) - g})]


def flag_monitored_income_fell(ind: dict, policy: dict) -> list[dict]:
    """A fall in the monitored group's per-capita net income (a shortfall named, even when
    the covered group as a whole grew)."""
    inc = ind.get("income") or {}
    g = (inc.get("growth") or {}).get("monitored")
    now = (inc.get("per_capita_net") or {}).get("monitored")
    if g is None or now is None or round_half_up(g, 2) >= 0:
        return []
    return [make_flag("income", "增收", "monitored_income_fell", "high",
                      {"value": now, "prev": (inc.get("per_capita_net_prev") or {}).get("monitored"), "growth": g})]


def flag_transfer_share(ind: dict, policy: dict) -> list[dict]:
    """转移性收入 above the policy's ``transfer_share_max`` share of the covered group's net
    income: growth that rests on transfers, not on work or business."""
    share = ((ind.get("income") or {}).get("composition") or {}).get("转移性")
    limit = policy.get("transfer_share_max")
    if share is None or limit is None or round_half_up(share, 2) <= decimal_of(limit):
        return []
    return [make_flag("income", "增收", "transfer_share_high", "low", {"share": share, "target": float(limit)})]


def wage_and_business_income(tables: dict, township: str, year: int, report_date, policy: dict,
                inc: dict | None) -> dict | None:
    """income.per_capita_wage and income.per_capita_business_net of the covered group in
    Y (Σ over covered households with an income row of Y / Σ their 家庭人口数), with the
    policy targets ``wage_income_target`` / ``business_income_target`` (None when unset)."""
    if inc is None:
        return None
    tables, absent = prep(tables)
    d = ts(report_date)
    hh, covered = town_households(tables, township, d, absent)
    cur = _household_income(tables, hh, year)
    cur = cur[cur["户编号"].isin(covered["户编号"])]
    size = as_int(cur["size"].sum()) if len(cur) else 0
    wage = float(dsum(cur["工资性"])) / size if size else None
    business = float(dsum(cur["生产经营性"])) / size if size else None
    t_w, t_b = policy.get("wage_income_target"), policy.get("business_income_target")
    return {"per_capita_wage": wage, "per_capita_business_net": business,
            "wage_income_target": float(t_w) if t_w is not None else None,
            "business_income_target": float(t_b) if t_b is not None else None}


def flag_income_targets(ind: dict, policy: dict) -> list[dict]:
    inc = ind.get("income") or {}
    out = []
    for key, tkey, label, rule_ in (("per_capita_wage", "wage_income_target", "人均工资性收入", "wage_below_target"),
                                    ("per_capita_business_net", "business_income_target", "人均生产经营净收入",
                                     "business_below_target")):
        v, t = inc.get(key), inc.get(tkey)
        if v is not None and t is not None and v < t:
            out.append(make_flag("income", "增收", rule_, "medium", {"value": v, "target": t},
                             f"脱贫户和监测对象{label}{yuan(v)}，低于{yuan(t)}的目标"))
    return out


def income_levels(below: dict) -> list[dict]:
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


def paragraph_income(ind: dict) -> str:  # noqa: C901 — one block per figure, then the order
    """收入: the covered group's per-capita net income and its growth, composition, the groups
    below the thresholds and those whose income fell. What is furthest from its standard
    (:func:`zhenxing.topics.flags.gap`) leads the paragraph in its own words; a standard met
    is one clause."""
    inc = ind.get("income")
    if not inc:
        return no_data(ind, "income")
    year = ind.get("year")
    pcn, growth = inc.get("per_capita_net") or {}, inc.get("growth") or {}
    if pcn.get("covered") is None:
        return f"{year}年收入数据中没有脱贫户和监测对象的记录，未计算人均纯收入。"
    w = section_words(ind, "income")
    bench, gap_ = inc.get("rural_benchmark_growth"), inc.get("growth_gap")
    levels = income_levels(inc.get("below") or {})
    dec = inc.get("declined")
    # the lead: the flagged figure furthest from its standard, said first in its own words
    leads = {"below_threshold": (gap_of(ind, "below_threshold"), levels), "declined": (gap_of(ind, "declined"), dec),
             "growth_below_benchmark": (gap_of(ind, "growth_below_benchmark"), gap_)}
    rule, (far, _) = max(leads.items(), key=lambda kv: kv[1][0])
    lead = None
    if far > 0 and rule == "below_threshold" and levels:
        nested = "".join(fill(w.get("lead_below_nested"), {"threshold": yuan_target(x["threshold"]), "hp": hp(x)}) or ""
                         for x in levels[1:])
        lead = fill(w.get("lead_below"), {"all": place(ind), "threshold": yuan_target(levels[0]["threshold"]),
                                          "hp": hp(levels[0]), "nested": nested or " "}).rstrip()
    elif far > 0 and rule == "declined" and dec:
        lead = fill(w.get("lead_declined"), {"all": place(ind), "hp": hp(dec)})
    elif far > 0 and rule == "growth_below_benchmark" and bench is not None and gap_ is not None:
        lead = fill(w.get("lead_benchmark"), {"all": place(ind), "benchmark": pct(bench),
                                              "gap": num(round_half_up(abs(gap_), 2))})
    if not lead:
        rule = None
    s = [lead + "。"] if lead else []
    s.append(fill(w.get("overview_after_lead"), {"year": year, "value": yuan(pcn["covered"])}) if lead
             else f"{year}年，{place(ind)}脱贫户和监测对象人均纯收入{yuan(pcn['covered'])}")
    if growth.get("covered") is not None:
        s.append(f"，较上年{change(growth['covered'])}")
        if bench is not None and gap_ is not None and rule != "growth_below_benchmark":
            r = round_half_up(gap_, 2)
            if r >= 0:   # met: one clause
                s.append("，" + fill(w.get("benchmark_met" if r > 0 else "benchmark_level"),
                                    {"benchmark": pct(bench), "gap": num(r)}))
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
    if bench is not None and gap_ is not None and rule != "growth_below_benchmark" and round_half_up(gap_, 2) < 0:
        s.append(f"全县农村居民人均可支配收入增长{pct(bench)}，脱贫户和监测对象收入增幅低于全县农村居民"
                 f"{num(round_half_up(abs(gap_), 2))}个百分点。")
    comp = inc.get("composition") or {}
    parts = []
    for k, v in comp.items():
        if v is None or round_half_up(v, 2) == 0 and decimal_of(v) == 0:
            continue
        parts.append(f"{k}收入占{pct(v)}" if round_half_up(v, 2) != 0 else f"{k}收入占比不足0.01%")
    rest = []
    if parts:
        rest.append((gap_of(ind, "transfer_share_high"), f"从收入构成看，{join_list(parts)}。"))
    if levels and rule != "below_threshold":
        rest.append((gap_of(ind, "below_threshold"),
                     below_text(levels, wording(ind)["problems"]["rules"]["below_threshold"],
                                first="按人均纯收入分组，低于{threshold}的{hp}") + "。"))
    none_below = not levels and bool(inc.get("below"))
    none_fell = dec is not None and not dec.get("households")
    top = yuan_target(max(float(k) for k in inc["below"])) if none_below else None
    if none_below and none_fell:   # both lines met: one clause
        rest.append((0, fill(w.get("none_below_declined"), {"threshold": top}) + "。"))
    elif none_below:
        rest.append((0, fill(w.get("none_below"), {"threshold": top}) + "。"))
    if dec is not None and rule != "declined" and not (none_below and none_fell):
        rest.append((gap_of(ind, "declined"), f"人均纯收入较上年下降的{hp(dec)}。" if dec.get("households")
                     else "没有人均纯收入较上年下降的脱贫户和监测对象。"))
    s += lead_first(rest)
    s += not_stated(ind, "income")
    return "".join(s)


def sentence_wage_and_business(ind: dict) -> str:
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


GROUPS = {"exited_poor": "脱贫户", "monitored": "监测对象", "covered": "脱贫户和监测对象合计"}


def income_by_group(ind: dict) -> pd.DataFrame:
    """Per-capita income by group; without any previous-year figure the previous year
    and growth columns are left out, with a note."""
    inc = ind.get("income")
    if not inc:
        return pd.DataFrame()
    y = ind["year"]
    prev_known = inc.get("per_capita_net_prev") is not None
    rows = []
    for g, label in GROUPS.items():
        now = (inc.get("per_capita_net") or {}).get(g)
        prev = (inc.get("per_capita_net_prev") or {}).get(g)
        growth = (inc.get("growth") or {}).get(g)
        row = [label]
        if prev_known:
            row.append(yuan(prev) if prev is not None else "—")
        row.append(yuan(now) if now is not None else "—")
        if prev_known:
            row.append(pct_cell(growth) if growth is not None else "—")
        rows.append(row)
    if prev_known:
        return pd.DataFrame(rows, columns=["群体", f"{y - 1}年人均纯收入", f"{y}年人均纯收入", "增长"])
    df = pd.DataFrame(rows, columns=["群体", f"{y}年人均纯收入"])
    return with_note(df, table_note(ind, "income", {"per_capita_net_prev", "growth"}, "注：无上年收入数据，未作比较。"))


def income_composition(ind: dict) -> pd.DataFrame:
    inc = ind.get("income")
    comp = (inc or {}).get("composition") or {}
    if not comp:
        return pd.DataFrame()
    df = pd.DataFrame([[k, pct_cell(v) if v is not None else "—"] for k, v in comp.items()],
                      columns=["收入构成", "占纯收入比重"])
    return with_note(df, note(ind, "income"))


def income_groups(ind: dict):
    inc = ind.get("income")
    if not inc:
        return None
    y = ind["year"]
    series = {}
    for label, key in ((f"{y - 1}年", "per_capita_net_prev"), (f"{y}年", "per_capita_net")):
        vals = {GROUPS[g]: rounded(v, 0) for g, v in (inc.get(key) or {}).items() if v is not None}
        if vals:
            series[label] = vals
    if not series:
        return None
    return grouped_bar(series, f"{y - 1}—{y}年脱贫户和监测对象人均纯收入", "元")


# ---------------------------------------------------------------- the topic
TOPIC = Topic("income", "脱贫人口和监测对象收入", ("income",), section=2)
# this topic's flag rules, in the order their flags are listed when severity and theme tie
RULES = (flag_income_below, flag_income_declined, flag_monitored_income_fell, flag_income_growth,
         flag_income_targets, flag_transfer_share)


def compute(tables: dict, township: str, year: int, report_date, policy: dict, notes: list) -> dict:
    """Income, with wage and business income per capita."""
    inc = income(tables, township, year, report_date, policy, notes=notes)
    if inc is not None:
        inc.update(wage_and_business_income(tables, township, year, report_date, policy, inc) or {})
    return {"income": inc}
