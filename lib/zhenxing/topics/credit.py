"""Topic credit: 脱贫人口小额信贷.

Its indicators (pure functions of the conformed tables), its flag rules, its paragraphs,
its tables and its chart specs, all from one definition per figure.
"""
from __future__ import annotations

import pandas as pd

from zhenxing.topics.base import (
    DEFAULT_POLICY,
    Notes,
    Topic,
    bar,
    chart_when,
    count_amount,
    in_year,
    monitored_mask,
    on_or_before,
    pct_of,
    prep,
    town_households,
    true,
    ts,
)
from zhenxing.topics.flags import gap_of, make_flag
from zhenxing.words.numbers import count, pct, wan, wan_cell
from zhenxing.words.wording import (
    as_of,
    fill,
    flow_period,
    no_data,
    not_stated,
    place,
    section_words,
)


# ---------------------------------------------------------------- credit
def eligible_mask(hh: pd.DataFrame, d: pd.Timestamp, eligible, dated: bool = True) -> pd.Series:
    """Households counted in the 获贷率 denominator: the policy list ``credit_eligible``
    (脱贫户 — 是否脱贫户 = 是 — and monitoring categories such as 边缘易致贫户, identified
    by ``d``)."""
    eligible = list(eligible or DEFAULT_POLICY["credit_eligible"])
    m = true(hh["是否脱贫户"]) if "脱贫户" in eligible else pd.Series(False, index=hh.index)
    cats = [c for c in eligible if c != "脱贫户"]
    if cats:
        m = m | (monitored_mask(hh, d, dated) & hh["监测对象类别"].isin(cats).fillna(False).astype(bool))
    return m.astype(bool)


def credit(tables: dict, township: str, year: int, report_date,
           notes: list | None = None, policy: dict | None = None) -> dict | None:
    """小额信贷 of T's households (a loan belongs to its household's township)."""
    note = Notes(notes, "credit")
    tables, absent = prep(tables)
    if note.missing_table(tables, "credit", "households"):
        return None
    d = ts(report_date)
    hh, covered = town_households(tables, township, d, absent)
    cr = tables["credit"]
    cr = cr[cr["户编号"].isin(hh["户编号"])]
    gone = absent["credit"]
    issued = cr[on_or_before(cr["发放日期"], d)]
    new = cr[in_year(cr["发放日期"], year, d)]
    out = {
        "loans_in_year": {**count_amount(new, "贷款金额"), "households": int(new["户编号"].nunique())},
        "outstanding": None,
        "cumulative": count_amount(issued, "贷款金额"),
        "overdue": None,
        "coverage": None,
        "coverage_base": None,
    }
    out["loans_in_year"] = {k: out["loans_in_year"][k] for k in ("count", "households", "amount")}
    if "结清日期" in gone:
        note.column(["outstanding"], "credit", "结清日期")
    else:
        open_ = issued[~on_or_before(issued["结清日期"], d)]
        out["outstanding"] = count_amount(open_, "贷款金额")
    if "逾期金额" in gone:
        note.column(["overdue"], "credit", "逾期金额")
    else:
        od = issued[(issued["逾期金额"].astype(float) > 0).fillna(False).astype(bool)]
        out["overdue"] = count_amount(od, "逾期金额")
    # 获贷率 over the eligible households only (the ineligible never in the denominator)
    elig_names = list((policy or {}).get("credit_eligible") or DEFAULT_POLICY["credit_eligible"])
    eligible = hh[eligible_mask(hh, d, elig_names, "纳入监测日期" not in absent["households"])]
    borrowers = int(eligible["户编号"].isin(new["户编号"]).sum())
    out["coverage_base"] = {"borrowers": borrowers, "eligible": int(len(eligible)), "eligible_kinds": elig_names}
    out["coverage"] = pct_of(borrowers, len(eligible))
    return out


def flag_overdue_loans(ind: dict, policy: dict) -> list[dict]:
    od = (ind.get("credit") or {}).get("overdue")
    if not od or not od.get("count"):
        return []
    v = {"count": int(od["count"]), "amount": od["amount"]}
    return [make_flag("credit", "金融帮扶", "overdue_loans", "medium", v,
                  f"脱贫人口小额信贷逾期{v['count']}笔、{wan(v['amount'])}")]


def paragraph_credit(ind: dict) -> str:
    """小额信贷: new loans, 获贷率, balance, cumulative, overdue (无逾期 when 0)."""
    c = ind.get("credit")
    if not c:
        return no_data(ind, "credit")
    n = c["loans_in_year"]
    od = c.get("overdue")
    lead = None
    if od is not None and od["count"] and gap_of(ind, "overdue_loans"):   # the overdue loans lead
        lead = fill(section_words(ind, "credit").get("lead_overdue"),
                    {"as_of": as_of(ind), "all": place(ind), "count": count(od["count"], "笔"), "amount": wan(od["amount"])})
    s = [lead + "。"] if lead else []
    # loans issued from 1 January to the report date: "2023年新发放" at the year's end, "年内新发放" before
    s += [f"{flow_period(ind)}新发放脱贫人口小额信贷{count(n['count'], '笔')}、{wan(n['amount'])}，"
          f"涉及{count(n['households'], '户')}"]
    got = flow_period(ind, "当年")
    base = c.get("coverage_base") or {}
    if c.get("coverage") is not None and base.get("eligible") is not None:
        kinds = "和".join(base.get("eligible_kinds") or ["脱贫户", "边缘易致贫户"])
        s.append(f"；{kinds}{count(base['eligible'], '户')}中{got}获贷{count(base['borrowers'], '户')}，"
                 f"获贷率{pct(c['coverage'])}" if base["borrowers"] else f"；{kinds}{got}均未获贷")
    s.append("。")
    cum = c["cumulative"]
    # cumulative to the report date, said once in 基本情况: "累计发放…" after the year's "新发放"
    s.append(f"累计发放{count(cum['count'], '笔')}、{wan(cum['amount'])}")
    if c.get("outstanding") is not None:
        s.append(f"，贷款余额{count(c['outstanding']['count'], '笔')}、{wan(c['outstanding']['amount'])}")
    s.append("。")
    if od is not None and not lead:
        s.append(f"逾期贷款{count(od['count'], '笔')}、{wan(od['amount'])}。"
                 if od["count"] else "无逾期贷款。")
    s += not_stated(ind, "credit")
    return "".join(s)


def credit_table(ind: dict) -> pd.DataFrame:
    c = ind.get("credit")
    if not c:
        return pd.DataFrame()
    rows = [[f"{flow_period(ind)}新发放", c["loans_in_year"]["count"], wan_cell(c["loans_in_year"]["amount"])],
            ["累计发放", c["cumulative"]["count"], wan_cell(c["cumulative"]["amount"])]]
    for label, key in (("贷款余额", "outstanding"), ("逾期", "overdue")):
        if c.get(key) is not None:
            rows.append([label, c[key]["count"], wan_cell(c[key]["amount"])])
    return pd.DataFrame(rows, columns=["项目", "笔数", "金额（万元）"])


def credit_amounts(ind: dict):
    c = ind.get("credit")
    if not c:
        return None
    data = {f"{flow_period(ind)}新发放": c["loans_in_year"]["amount"], "累计发放": c["cumulative"]["amount"],
            "贷款余额": (c.get("outstanding") or {}).get("amount")}
    if not any(v for v in data.values() if v is not None):
        return None
    return bar(data, f"{chart_when(ind, stock=True)}脱贫人口小额信贷", "万元", horizontal=False)


# ---------------------------------------------------------------- the topic
TOPIC = Topic("credit", "小额信贷", ("credit",), section=8)
# this topic's flag rules, in the order their flags are listed when severity and theme tie
RULES = (flag_overdue_loans,)


def compute(tables: dict, township: str, year: int, report_date, policy: dict, notes: list) -> dict:
    """脱贫人口小额信贷."""
    return {"credit": credit(tables, township, year, report_date, notes, policy)}
