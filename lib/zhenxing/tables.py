"""Tables a report shows, built from indicators (pure functions, no I/O).

Each returns a DataFrame with Chinese column headers; `markdown()` turns one into a
pandoc pipe table with its caption, which notebooks display and reports carry.
"""
from __future__ import annotations

import pandas as pd

from . import text
from .contract import CATEGORIES

HP = ("户数", "人数")


def markdown(df: pd.DataFrame, caption: str = "") -> str:
    """A pipe table; numbers right-aligned. An empty table says so instead."""
    if df is None or df.empty:
        return f"{caption}：无数据。" if caption else "无数据。"
    cols = [str(c) for c in df.columns]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |",
             "|" + "|".join("---:" if n else ":---" for n in numeric) + "|"]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    if caption:
        lines += ["", f"Table: {caption}"]
    return "\n".join(lines)


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    return str(v).replace("|", "｜")


def _hp(o) -> list[int]:
    o = o or {}
    return [int(o.get("households", 0)), int(o.get("persons", 0))]


def monitoring_by_category(ind: dict) -> pd.DataFrame:
    """Monitoring objects by category, each cell as N户M人."""
    m = ind.get("monitoring")
    if not m:
        return pd.DataFrame()
    parts = {"未消除风险": m["unresolved"], "已消除风险": m["eliminated"],
             "当年新识别": m["new_in_year"], "当年消除风险": m["eliminated_in_year"]}
    rows = []
    for cat in CATEGORIES:
        un, el = _hp(m["unresolved"]["by_category"].get(cat)), _hp(m["eliminated"]["by_category"].get(cat))
        row = [cat, text.hp(un[0] + el[0], un[1] + el[1])]
        row += [text.hp(*_hp(v["by_category"].get(cat))) for v in parts.values()]
        rows.append(row)
    rows.append(["合计", text.hp(*_hp(m["total"]))] + [text.hp(*_hp(v)) for v in parts.values()])
    return pd.DataFrame(rows, columns=["类别", "监测对象", *parts])


def monitoring_by_village(ind: dict) -> pd.DataFrame:
    m = ind.get("monitoring")
    if not m or not m.get("by_village"):
        return pd.DataFrame()
    rows = [[v, *_hp(x.get("total")), *_hp(x.get("unresolved"))] for v, x in sorted(m["by_village"].items())]
    return pd.DataFrame(rows, columns=["村（社区）", "监测对象户数", "监测对象人数", "未消除风险户数", "未消除风险人数"])


def monitoring_by_risk(ind: dict) -> pd.DataFrame:
    m = ind.get("monitoring")
    if not m or not m.get("by_risk_type"):
        return pd.DataFrame()
    rows = [[k, *_hp(v)] for k, v in m["by_risk_type"].items() if _hp(v)[0]]
    return pd.DataFrame(rows, columns=["主要风险类型", "户数", "人数"])


GROUPS = {"exited_poor": "脱贫户", "monitored": "监测对象", "covered": "脱贫户和监测对象合计"}


def income_by_group(ind: dict) -> pd.DataFrame:
    inc = ind.get("income")
    if not inc:
        return pd.DataFrame()
    y = ind["year"]
    rows = []
    for g, label in GROUPS.items():
        now = (inc.get("per_capita_net") or {}).get(g)
        prev = (inc.get("per_capita_net_prev") or {}).get(g)
        growth = (inc.get("growth") or {}).get(g)
        rows.append([label, text.yuan(prev) if prev is not None else "—", text.yuan(now) if now is not None else "—",
                     text.pct(growth) if growth is not None else "—"])
    return pd.DataFrame(rows, columns=["群体", f"{y - 1}年人均纯收入", f"{y}年人均纯收入", "增长"])


def income_composition(ind: dict) -> pd.DataFrame:
    inc = ind.get("income")
    comp = (inc or {}).get("composition") or {}
    if not comp:
        return pd.DataFrame()
    return pd.DataFrame([[k, text.pct(v) if v is not None else "—"] for k, v in comp.items()],
                        columns=["收入构成", "占纯收入比重"])


def employment_by_region(ind: dict) -> pd.DataFrame:
    e = ind.get("employment")
    if not e:
        return pd.DataFrame()
    reg = (e.get("workers") or {}).get("by_region") or {}
    rows = [[k, int(v)] for k, v in reg.items()]
    rows.append(["合计", int((e.get("workers") or {}).get("total", 0))])
    return pd.DataFrame(rows, columns=["务工地域", "务工人数"])


def funds_by_source(ind: dict) -> pd.DataFrame:
    f = ind.get("funds")
    if not f:
        return pd.DataFrame()
    by = (f.get("approved") or {}).get("by_source") or {}
    share = f.get("industry_share") or {}
    rows = [[s, text.wan(v).removesuffix("万元"), text.pct(share[s]) if share.get(s) is not None else "—"]
            for s, v in by.items() if v]
    rows.append(["合计", text.wan((f.get("approved") or {}).get("total", 0)).removesuffix("万元"),
                 text.pct(share["overall"]) if share.get("overall") is not None else "—"])
    return pd.DataFrame(rows, columns=["资金来源", "批复金额（万元）", "产业发展占比"])


def funds_progress(ind: dict) -> pd.DataFrame:
    f = ind.get("funds")
    if not f or not f.get("progress"):
        return pd.DataFrame()
    rows = [[text.date_cn(p["date"]), text.pct(p["paid_rate"]) if p.get("paid_rate") is not None else "—",
             text.pct(p["target"])] for p in f["progress"]]
    return pd.DataFrame(rows, columns=["时间节点", "累计拨付率", "进度要求"])


def projects(tables: dict, township: str, year: int) -> pd.DataFrame:
    """附表: every project of the township and year, one row per fund source."""
    p = tables.get("projects")
    if p is None:
        return pd.DataFrame()
    p = p[(p["乡镇"] == township) & (p["年度"] == year)]
    if p.empty:
        return pd.DataFrame()
    fmt = lambda d: d.date().isoformat() if pd.notna(d) else "—"  # noqa: E731
    rows = [[r["项目编号"], r["项目名称"], r["项目类型"], r["资金来源"], text.wan(r["批复金额"]).removesuffix("万元"),
             fmt(r.get("开工日期")), fmt(r.get("完工日期"))] for _, r in p.iterrows()]
    return pd.DataFrame(rows, columns=["项目编号", "项目名称", "项目类型", "资金来源", "批复金额（万元）", "开工日期", "完工日期"])


def posts_by_type(ind: dict) -> pd.DataFrame:
    po = ind.get("posts")
    if not po:
        return pd.DataFrame()
    inpost = (po.get("in_post") or {}).get("by_type") or {}
    cost = (po.get("annual_cost") or {}).get("by_type") or {}
    hired = (po.get("hired_in_year") or {}).get("by_type") or {}
    gone = (po.get("dismissed_in_year") or {}).get("by_type") or {}
    types = list(dict.fromkeys([*inpost, *hired, *gone]))
    rows = [[t, int(inpost.get(t, 0)), text.wan(cost.get(t, 0)).removesuffix("万元"), int(hired.get(t, 0)), int(gone.get(t, 0))]
            for t in types]
    rows.append(["合计", int(po["in_post"]["total"]), text.wan(po["annual_cost"]["total"]).removesuffix("万元"),
                 int(po["hired_in_year"]["total"]), int(po["dismissed_in_year"]["total"])])
    return pd.DataFrame(rows, columns=["岗位类型", "在岗人数", "年度补贴（万元）", "当年聘用", "当年解聘"])
