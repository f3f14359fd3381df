"""Topic posts: 公益性岗位.

Its indicators (pure functions of the conformed tables), its flag rules, its paragraphs,
its tables and its chart specs, all from one definition per figure.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from zhenxing.topics.base import (
    BLANK,
    Notes,
    Topic,
    bar,
    chart_when,
    has,
    in_year,
    nonblank,
    on_or_before,
    pct_of,
    prep,
    town_mask,
    true,
    ts,
)
from zhenxing.words.numbers import decimal_of, parts_add_up, pct, persons, wan, wan_cell
from zhenxing.words.wording import (
    ROUNDING_NOTE,
    as_of,
    flow_period,
    join_list,
    no_data,
    not_stated,
    place,
    self_ref,
    table_note,
    whole_year,
    with_note,
)

DISMISSAL_REASONS = ("不履职", "不符合条件")


# ---------------------------------------------------------------- posts
def posts(tables: dict, township: str, year: int, report_date, notes: list | None = None) -> dict | None:
    """公益性岗位 of the township."""
    note = Notes(notes, "posts")
    tables, absent = prep(tables)
    if note.missing_table(tables, "posts"):
        return None
    d = ts(report_date)
    po = tables["posts"]
    po = po[town_mask(po["乡镇"], township)]
    gone = absent["posts"]
    types = sorted(str(t) for t in po["岗位类型"].dropna().unique())

    def counted(df):
        out = {"total": int(len(df)), "by_type": {t: 0 for t in types}}
        for t, g in df.groupby("岗位类型"):
            out["by_type"][str(t)] = int(len(g))
        return out

    def cost(df):
        months = df["补贴周期"].map(lambda c: 12 if str(c).strip() == "月" else 1)
        amounts = [Decimal(str(float(a))) * m for a, m in zip(df["补贴标准"], months) if not pd.isna(a)]
        return float(sum(amounts, Decimal(0)) / Decimal(10000))

    hired = counted(po[in_year(po["聘用日期"], year, d)])
    in_post = annual = dismissed = covered_share = None
    if "解聘日期" in gone and len(po):
        note.column(["in_post", "annual_cost", "dismissed_in_year", "covered_share"], "posts", "解聘日期")
    else:
        on = po[on_or_before(po["聘用日期"], d) & ~on_or_before(po["解聘日期"], d)]
        in_post = {"total": int(on["证件号码"].nunique()), "by_type": {t: 0 for t in types}}
        for t, g in on.groupby("岗位类型"):
            in_post["by_type"][str(t)] = int(g["证件号码"].nunique())
        annual = {"total": cost(on), "by_type": {t: 0.0 for t in types}}
        for t, g in on.groupby("岗位类型"):
            annual["by_type"][str(t)] = cost(g)

        left = po[in_year(po["解聘日期"], year, d)]
        dismissed = counted(left)
        if "解聘原因" in gone and len(left):
            dismissed["by_reason"] = None
            note.column(["dismissed_in_year.by_reason"], "posts", "解聘原因")
        else:
            reasons = left["解聘原因"].where(nonblank(left["解聘原因"]), BLANK)
            dismissed["by_reason"] = {str(k): int(v) for k, v in reasons.value_counts().sort_index().items()}
            # 退出 are all who left; only 不履职 and 不符合条件 are 解聘 (a death, 年龄超限 or
            # 本人辞职 is an exit, never a dismissal)
            dismissed["dismissals"] = sum(v for k, v in dismissed["by_reason"].items() if k in DISMISSAL_REASONS)

        persons = set(on["证件号码"].dropna())
        if has(tables, "members", "households"):
            allhh = tables["households"]
            poor = allhh[true(allhh["是否脱贫户"]) | nonblank(allhh["监测对象类别"])]
            mem = tables["members"]
            ids = set(mem.loc[mem["户编号"].isin(poor["户编号"]), "证件号码"])
            covered_share = pct_of(len(persons & ids), len(persons))
        elif persons:
            missing = "members" if tables.get("members") is None else "households"
            note.add("covered_share", "table_absent", missing)

    return {
        "in_post": in_post,
        "annual_cost": annual,
        "hired_in_year": hired,
        "dismissed_in_year": dismissed,
        "covered_share": covered_share,
    }


# how an exit reason reads in a list of who left ("死亡1人" → "因病故等死亡1人" would
# overstate; the reasons are said as they are, dismissals named 解聘)
REASON_WORDS = {"不履职": "因不履职解聘", "不符合条件": "因不再符合条件解聘", "死亡": "死亡",
                "本人辞职": "本人辞职", "年龄超限": "超过年龄退出"}


def paragraph_posts(ind: dict) -> str:
    p = ind.get("posts")
    if not p:
        return no_data(ind, "posts")
    year = ind.get("year")
    ip, hired, gone = p.get("in_post"), p["hired_in_year"], p.get("dismissed_in_year")
    if not hired.get("by_type") and not (ip or {}).get("by_type"):
        return f"公益性岗位数据中没有{self_ref(ind, 'we')}的岗位人员记录。"
    s = []
    span = whole_year(ind)
    if ip is not None:
        s.append(f"{as_of(ind)}，{place(ind)}公益性岗位在岗{persons(ip['total'])}")
        ranked = sorted((ip.get("by_type") or {}).items(), key=lambda kv: -kv[1])
        by = [persons(n, label=t) for t, n in ranked if n]
        if by:
            s.append("，其中" + join_list(by))
        if p.get("annual_cost") is not None:
            s.append(f"，按现有在岗人员测算年度补贴资金{wan(p['annual_cost']['total'])}")
        s.append("。")
        s.append(f"{span}新聘{persons(hired['total'])}" if hired["total"] else f"{span}未新聘人员")
    else:
        s.append(f"{year}年，{place(ind)}公益性岗位新聘{persons(hired['total'])}")
    if gone is not None:
        s.append(f"，退出{persons(gone['total'])}" if gone["total"] else "，无人员退出")
        ranked = sorted((gone.get("by_reason") or {}).items(), key=lambda kv: -kv[1])
        reasons = [persons(n, label=REASON_WORDS.get(r, r)) for r, n in ranked if n]
        if reasons and gone["total"]:
            s.append(f"（{'，'.join(reasons)}）")
    s.append("。")
    lazy = ((gone or {}).get("by_reason") or {}).get("不履职")
    if lazy:
        s.append(f"加强岗位日常考勤和履职考核，对不履职的{persons(lazy)}及时解聘调整，做到岗位动态管理、人岗相适。")
    share = p.get("covered_share")
    if share is not None and ip and ip["total"]:
        n = int((decimal_of(share) * ip["total"] / 100).to_integral_value(rounding=ROUND_HALF_UP))
        if n:
            s.append(f"在岗人员中脱贫人口和监测对象{persons(n)}，占{pct(share)}。")
        else:
            s.append("在岗人员中没有脱贫人口和监测对象。")
    s += not_stated(ind, "posts")
    return "".join(s)


def posts_by_type(ind: dict) -> pd.DataFrame:
    """Posts by type; without 解聘日期 the in-post, cost and dismissal columns are left
    out (nobody can be said to be in post), with a note."""
    po = ind.get("posts")
    if not po:
        return pd.DataFrame()
    hired = (po.get("hired_in_year") or {}).get("by_type") or {}
    inpost = (po.get("in_post") or {}).get("by_type") or {}
    gone = (po.get("dismissed_in_year") or {}).get("by_type") or {}
    types = list(dict.fromkeys([*inpost, *hired, *gone]))
    if not types:
        return pd.DataFrame()
    if po.get("in_post") is not None and po.get("dismissed_in_year") is not None:
        cost = (po.get("annual_cost") or {}).get("by_type") or {}
        rows = [[t, int(inpost.get(t, 0)), wan_cell(cost.get(t, 0)), int(hired.get(t, 0)),
                 int(gone.get(t, 0))] for t in types]
        rows.append(["合计", int(po["in_post"]["total"]), wan_cell(po["annual_cost"]["total"]),
                     int(po["hired_in_year"]["total"]), int(po["dismissed_in_year"]["total"])])
        span = flow_period(ind, "当年")   # engagements from 1 January to the report date: 年内 before 31 December
        df = pd.DataFrame(rows, columns=["岗位类型", "在岗人数", "年度补贴（万元）", f"{span}聘用", f"{span}退出"])
        if not parts_add_up(cost.values(), po["annual_cost"]["total"]):
            df.attrs["note"] = ROUNDING_NOTE
        return df
    rows = [[t, int(hired.get(t, 0))] for t in types] + [["合计", int(po["hired_in_year"]["total"])]]
    df = pd.DataFrame(rows, columns=["岗位类型", f"{flow_period(ind, '当年')}聘用"])
    return with_note(df, table_note(ind, "posts", {"in_post", "annual_cost", "dismissed_in_year"},
                                "注：未计算在岗人数、年度补贴和解聘人数。"))


def posts_types(ind: dict):
    p = ind.get("posts")
    if not p or p.get("in_post") is None or not p["in_post"].get("by_type"):
        return None
    return bar(p["in_post"]["by_type"], f"{chart_when(ind, stock=True)}公益性岗位在岗人数（按岗位类型）", "人")


# ---------------------------------------------------------------- the topic
TOPIC = Topic("public_posts", "公益性岗位", ("posts",), section=5)
# this topic's flag rules, in the order their flags are listed when severity and theme tie
RULES = ()


def compute(tables: dict, township: str, year: int, report_date, policy: dict, notes: list) -> dict:
    """公益性岗位."""
    return {"posts": posts(tables, township, year, report_date, notes=notes)}
