"""Tables a report shows, built from indicators (pure functions, no I/O).

Each returns a DataFrame with Chinese column headers; `markdown()` turns one into a
pandoc pipe table with its caption, which notebooks display and reports carry.

A figure the indicators leave null (no table, no column, no data for the year) is
never shown as 0: its column is left out, or a single cell shows "—", and the table
carries a note (``df.attrs["note"]``, printed under the table by `markdown()`) saying
why, from ``ind["not_stated"]``. A topic with no figure at all gives an empty table
(the paragraph says why).
"""
from __future__ import annotations

import re

import pandas as pd

from zhenxing.topics import text
from zhenxing.data.contract import CATEGORIES

HP = ("户数", "人数")


def markdown(df: pd.DataFrame, caption: str = "") -> str:
    """A pipe table; numbers right-aligned. An empty table says so instead."""
    if df is None or df.empty:
        return f"{caption}：无数据。" if caption else "无数据。"
    cols = [str(c) for c in df.columns]
    numeric = numeric_columns(df)
    lines = ["| " + " | ".join(cols) + " |",
             "|" + "|".join("---:" if n else ":---" for n in numeric) + "|"]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    if caption:
        lines += ["", f"Table: {caption}"]
    note = df.attrs.get("note")
    if note:
        lines += ["", note]
    return "\n".join(lines)


def numeric_columns(df: pd.DataFrame) -> list[bool]:
    """Per column: right-aligned (numbers, or formatted numbers)?"""
    return [pd.api.types.is_numeric_dtype(df.iloc[:, i]) or _numeric_text(df.iloc[:, i]) for i in range(df.shape[1])]


_NUMBER = re.compile(r"^-?\d+(\.\d+)?(%|元)?$")


def _numeric_text(col: pd.Series) -> bool:
    """A column of formatted numbers ("235.50", "66.17%", "10856元"): right-aligned too."""
    vals = [str(v) for v in col if v is not None and str(v) != "—"]
    return bool(vals) and all(_NUMBER.match(v) for v in vals)


def _note(ind: dict, topic: str, keys=None, extra: str | None = None) -> str | None:
    """注: the reasons of the not-stated figures ``keys`` of ``topic`` (all when None)."""
    chosen = [e for e in ind.get("not_stated") or []
              if e.get("topic") == topic and e.get("key") is not None and (keys is None or e["key"] in keys)]
    reasons = text.not_stated({"not_stated": chosen}, topic)  # one sentence per reason
    if extra and not reasons:
        reasons.append(extra)
    return ("注：" + "".join(reasons)) if reasons else None


def _with_note(df: pd.DataFrame, note: str | None) -> pd.DataFrame:
    if note:
        df.attrs["note"] = note
    return df


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    return str(v).replace("|", "｜")


def _hp(o) -> list[int]:
    o = o or {}
    return [int(o.get("households", 0)), int(o.get("persons", 0))]


def monitoring_by_category(ind: dict) -> pd.DataFrame:
    """Monitoring objects by category, each cell as N户M人; a column whose figure is
    unknown (e.g. no 风险消除日期) is left out, with a note."""
    m = ind.get("monitoring")
    if not m:
        return pd.DataFrame()
    parts = {"未消除风险": m.get("unresolved"), "已消除风险": m.get("eliminated"),
             "当年新识别": m.get("new_in_year"), "当年消除风险": m.get("eliminated_in_year")}
    known = {k: v for k, v in parts.items() if v is not None}
    total = {c: None for c in CATEGORIES}
    if m.get("unresolved") is not None and m.get("eliminated") is not None:
        for cat in CATEGORIES:
            un, el = _hp(m["unresolved"]["by_category"].get(cat)), _hp(m["eliminated"]["by_category"].get(cat))
            total[cat] = (un[0] + el[0], un[1] + el[1])
    rows = []
    for cat in CATEGORIES:
        row = [cat] + ([text.hp(*total[cat])] if total[cat] is not None else [])
        row += [text.hp(*_hp(v["by_category"].get(cat))) for v in known.values()]
        rows.append(row)
    has_total = total[CATEGORIES[0]] is not None
    rows.append(["合计"] + ([text.hp(*_hp(m["total"]))] if has_total else []) + [text.hp(*_hp(v)) for v in known.values()])
    cols = ["类别"] + (["监测对象"] if has_total else []) + list(known)
    df = pd.DataFrame(rows, columns=cols)
    if len(known) < len(parts):
        return _with_note(df, _note(ind, "monitoring", {"unresolved", "eliminated", "new_in_year", "eliminated_in_year"},
                                    "注：部分指标缺少所需数据，未列出。"))
    return df


def monitoring_by_village(ind: dict) -> pd.DataFrame:
    m = ind.get("monitoring")
    if not m or not m.get("by_village"):
        return pd.DataFrame()
    items = sorted(m["by_village"].items())
    if all(x.get("unresolved") is not None for _, x in items):
        rows = [[v, *_hp(x.get("total")), *_hp(x.get("unresolved"))] for v, x in items]
        return pd.DataFrame(rows, columns=["村（社区）", "监测对象户数", "监测对象人数", "未消除风险户数", "未消除风险人数"])
    rows = [[v, *_hp(x.get("total"))] for v, x in items]
    df = pd.DataFrame(rows, columns=["村（社区）", "监测对象户数", "监测对象人数"])
    return _with_note(df, _note(ind, "monitoring", {"by_village.unresolved"}, "注：未计算各村风险未消除户数。"))


def monitoring_by_risk(ind: dict) -> pd.DataFrame:
    m = ind.get("monitoring")
    if not m or not m.get("by_risk_type"):
        return pd.DataFrame()
    rows = [[k, *_hp(v)] for k, v in m["by_risk_type"].items() if _hp(v)[0]]
    return pd.DataFrame(rows, columns=["主要风险类型", "户数", "人数"])


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
            row.append(text.yuan(prev) if prev is not None else "—")
        row.append(text.yuan(now) if now is not None else "—")
        if prev_known:
            row.append(text.pct(growth) if growth is not None else "—")
        rows.append(row)
    if prev_known:
        return pd.DataFrame(rows, columns=["群体", f"{y - 1}年人均纯收入", f"{y}年人均纯收入", "增长"])
    df = pd.DataFrame(rows, columns=["群体", f"{y}年人均纯收入"])
    return _with_note(df, _note(ind, "income", {"per_capita_net_prev", "growth"}, "注：无上年收入数据，未作比较。"))


def income_composition(ind: dict) -> pd.DataFrame:
    inc = ind.get("income")
    comp = (inc or {}).get("composition") or {}
    if not comp:
        return pd.DataFrame()
    df = pd.DataFrame([[k, text.pct(v) if v is not None else "—"] for k, v in comp.items()],
                      columns=["收入构成", "占纯收入比重"])
    return _with_note(df, text.note(ind, "income"))


def employment_by_region(ind: dict) -> pd.DataFrame:
    e = ind.get("employment")
    if not e or e.get("workers") is None:
        return pd.DataFrame()
    reg = e["workers"].get("by_region") or {}
    rows = [[k, int(v)] for k, v in reg.items() if v is not None]
    rows.append(["合计", int(e["workers"]["total"])])
    return pd.DataFrame(rows, columns=["务工地域", "务工人数"])


def funds_by_source(ind: dict) -> pd.DataFrame:
    f = ind.get("funds")
    if not f or not f.get("projects"):
        return pd.DataFrame()
    by = (f.get("approved") or {}).get("by_source") or {}
    share = f.get("industry_share") or {}
    rows = [[s, text.wan_cell(v), text.pct(share[s]) if share.get(s) is not None else "—"]
            for s, v in by.items() if v]
    rows.append(["合计", text.wan_cell((f.get("approved") or {}).get("total", 0)),
                 text.pct(share["overall"]) if share.get("overall") is not None else "—"])
    return pd.DataFrame(rows, columns=["资金来源", "批复金额（万元）", "产业发展占比"])


def _checkpoint_cell(iso: str, ind: dict) -> str:
    """A checkpoint row: "一季度末（3月31日）", "11月30日" — the year is the table's, and the
    report date is not restated."""
    m, d = int(iso[5:7]), int(iso[8:10])
    name = text.checkpoint(iso, ind)
    day = f"{m}月{d}日"
    return f"{name}（{day}）" if name in text.wording(ind)["checkpoints"].values() else day


def funds_progress(ind: dict) -> pd.DataFrame:
    f = ind.get("funds")
    if not f or not f.get("progress") or not f.get("projects"):
        return pd.DataFrame()
    rows = [[_checkpoint_cell(p["date"], ind), text.pct(p["paid_rate"]) if p.get("paid_rate") is not None else "—",
             text.target(p["target"])] for p in f["progress"]]
    return pd.DataFrame(rows, columns=["时间节点", "累计拨付率", "进度要求"])


def projects(tables: dict, township: str, year: int) -> pd.DataFrame:
    """附表: every project of the township and year, one row per fund source. A date
    column the source did not give is left out, with a note."""
    from zhenxing.topics.indicators import absent_columns
    p = tables.get("projects")
    if p is None:
        return pd.DataFrame()
    gone = absent_columns(p, "projects")
    p = p[(p["乡镇"] == township).fillna(False).astype(bool) & (p["年度"] == year).fillna(False).astype(bool)]
    if p.empty:
        return pd.DataFrame()
    fmt = lambda d: text.date_cn(d.date()) if pd.notna(d) else "—"  # noqa: E731
    dates = [c for c in ("开工日期", "完工日期") if c not in gone and c in p.columns]
    rows = [[r["项目编号"], r["项目名称"], r["项目类型"], r["资金来源"], text.wan_cell(r["批复金额"]),
             *[fmt(r[c]) for c in dates]] for _, r in p.iterrows()]
    df = pd.DataFrame(rows, columns=["项目编号", "项目名称", "项目类型", "资金来源", "批复金额（万元）", *dates])
    missing = [c for c in ("开工日期", "完工日期") if c not in dates]
    if missing:
        df.attrs["note"] = f"注：未提供{'、'.join(missing)}，未列出。"
    return df


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
        rows = [[t, int(inpost.get(t, 0)), text.wan_cell(cost.get(t, 0)), int(hired.get(t, 0)),
                 int(gone.get(t, 0))] for t in types]
        rows.append(["合计", int(po["in_post"]["total"]), text.wan_cell(po["annual_cost"]["total"]),
                     int(po["hired_in_year"]["total"]), int(po["dismissed_in_year"]["total"])])
        return pd.DataFrame(rows, columns=["岗位类型", "在岗人数", "年度补贴（万元）", "当年聘用", "当年解聘"])
    rows = [[t, int(hired.get(t, 0))] for t in types] + [["合计", int(po["hired_in_year"]["total"])]]
    df = pd.DataFrame(rows, columns=["岗位类型", "当年聘用"])
    return _with_note(df, _note(ind, "posts", {"in_post", "annual_cost", "dismissed_in_year"},
                                "注：未计算在岗人数、年度补贴和解聘人数。"))


def unfinished_projects(tables: dict, township: str, year: int, report_date) -> list[str] | None:
    """Names of the township's projects of ``year`` not completed by the report date (完工
    日期 blank or later), in project-number order, each once; None when 完工日期 was not
    given (nobody can tell which are unfinished)."""
    from zhenxing.topics.indicators import absent_columns
    p = tables.get("projects")
    if p is None or "完工日期" in absent_columns(p, "projects"):
        return None
    p = p[(p["乡镇"] == township).fillna(False).astype(bool) & (p["年度"] == year).fillna(False).astype(bool)]
    d = pd.Timestamp(report_date)
    done = p["完工日期"].notna() & (p["完工日期"] <= d)
    done_ids = set(p.loc[done, "项目编号"])
    left = p[~p["项目编号"].isin(done_ids)].sort_values("项目编号").drop_duplicates("项目编号")
    return [str(n) for n in left["项目名称"] if isinstance(n, str) and n.strip()]


# ---------------------------------------------------------------- further topics (issue 11)
def security_table(ind: dict) -> pd.DataFrame:
    """兜底保障: 低保/特困 of covered households (households table) and social assistance by
    category (optional table) — one row each, figures not given left out."""
    rows = []
    sec = ind.get("security") or {}
    for label, key in (("农村低保（农户信息）", "dibao"), ("特困供养（农户信息）", "tekun")):
        v = sec.get(key)
        if v is not None:
            rows.append([label, int(v["households"]), int(v["persons"]), text.MISSING])
    a = ind.get("assistance")
    if a:
        for k, v in a["by_type"].items():
            if v["households"]:
                rows.append([k, int(v["households"]), text.MISSING if v["persons"] is None else int(v["persons"]),
                             text.MISSING if v["amount"] is None else text.wan_cell(v["amount"])])
    if not rows:
        return pd.DataFrame()
    return pd.DataFrame(rows, columns=["类别", "户数", "人数", "当年发放（万元）"])


def education_stages(ind: dict) -> pd.DataFrame:
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
    rows = [[k, int(v["count"]), text.wan_cell(v["amount"])] for k, v in a["by_programme"].items()]
    rows.append(["合计", sum(int(v["count"]) for v in a["by_programme"].values()),
                 text.wan_cell(sum(v["amount"] for v in a["by_programme"].values()))])
    return pd.DataFrame(rows, columns=["资助项目", "人次", "金额（万元）"])


def credit_table(ind: dict) -> pd.DataFrame:
    c = ind.get("credit")
    if not c:
        return pd.DataFrame()
    rows = [[f"{ind['year']}年新发放", c["loans_in_year"]["count"], text.wan_cell(c["loans_in_year"]["amount"])],
            ["累计发放", c["cumulative"]["count"], text.wan_cell(c["cumulative"]["amount"])]]
    for label, key in (("贷款余额", "outstanding"), ("逾期", "overdue")):
        if c.get(key) is not None:
            rows.append([label, c[key]["count"], text.wan_cell(c[key]["amount"])])
    return pd.DataFrame(rows, columns=["项目", "笔数", "金额（万元）"])


def assets_table(ind: dict) -> pd.DataFrame:
    a = ind.get("assets")
    if not a or not a["count"]:
        return pd.DataFrame()
    rows = [[k, int(v["count"]), text.wan_cell(v["value"])] for k, v in a["by_class"].items()]
    rows.append(["合计", int(a["count"]), text.wan_cell(a["value"])])
    return pd.DataFrame(rows, columns=["资产类别", "项数", "原值（万元）"])


def villages_table(tables: dict, township: str, year: int) -> pd.DataFrame:
    """Annex: one row per village of the township (rows of ``year`` when 年度 is given)."""
    from zhenxing.topics.indicators import absent_columns
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
        out["脱贫村"] = v["是否脱贫村"].map(lambda b: "是" if b is True else ("否" if b is False else text.MISSING))
    for col, label in (("村民小组数", "村民小组"), ("网格员数", "网格员"), ("驻村工作队员数", "驻村工作队员")):
        if col not in gone:
            out[label] = v[col].map(lambda x: text.MISSING if pd.isna(x) else str(int(x)))
    if "村集体经济收入" not in gone:
        out["村集体经济收入（万元）"] = v["村集体经济收入"].map(lambda x: text.MISSING if pd.isna(x) else text.wan_cell(x))
    return out.reset_index(drop=True)


# =============================================================================
# County summary (issue 13): a row per township and a 全县合计 row in every table.
# The 全县合计 row is the county's pooled figure (counts and sums pooled, rates Σ/Σ),
# never a sum or average of the township cells for a rate.
# =============================================================================
TOTAL = "全县合计"


def _v(f, x):
    return "—" if x is None else f(x)


def _int_cell(x):
    return "—" if x is None else int(x)


def _rows(ind: dict):
    return list((ind.get("by_township") or {}).items())


def _county_total_label(ind: dict) -> str:
    return f"{text.self_ref(ind, 'all')}合计" if ind.get("level") == "county" else TOTAL


def county_basic_table(ind: dict) -> pd.DataFrame:
    b = ind.get("basic")
    if not b:
        return pd.DataFrame()
    rows = [[t, _int_cell(r["villages"]), _int_cell(r["households"]), _int_cell(r["persons"]),
             _v(text.hp, r.get("exited_poor")), _v(text.hp, r.get("monitoring"))] for t, r in _rows(ind)]
    rows.append([_county_total_label(ind), b["villages"], b["households"], b["persons"], text.hp(b["exited_poor"]),
                 text.hp(b.get("monitoring_objects") or (ind.get("monitoring") or {}).get("total"))])
    return pd.DataFrame(rows, columns=["乡镇", "村", "农户（户）", "人口（人）", "脱贫户", "监测对象"])


def county_monitoring_table(ind: dict) -> pd.DataFrame:
    m = ind.get("monitoring")
    if not m:
        return pd.DataFrame()
    idd = m.get("identification_days") or {}
    med = lambda x: "—" if x is None else text.num(text._round(x, 1))  # noqa: E731
    rows = [[t, _v(text.hp, r.get("monitoring")), _v(text.hp, r.get("unresolved")), _v(text.hp, r.get("new_in_year")),
             med(r.get("identification_median")), _int_cell(r.get("identification_over"))] for t, r in _rows(ind)]
    rows.append([_county_total_label(ind), text.hp(m["total"]), _v(text.hp, m.get("unresolved")),
                 _v(text.hp, m.get("new_in_year")), med(idd.get("median")), _int_cell(idd.get("over_limit"))])
    df = pd.DataFrame(rows, columns=["乡镇", "监测对象", "风险未消除", "当年新识别", "识别用时中位数（天）", "超过时限（户）"])
    return _with_note(df, text.county_partial_note(ind))


def county_income_table(ind: dict, threshold=None) -> pd.DataFrame:
    inc = ind.get("income")
    if not inc:
        return pd.DataFrame()
    below = inc.get("below") or {}
    key = threshold if threshold is not None else (min(below, key=float) if below else None)
    cols = ["乡镇", "人均纯收入", "较上年增长"]
    if key is not None:
        cols.append(f"低于{text.yuan_target(float(key))}（户）")

    def row(label, pc, g, b):
        r = [label, _v(text.yuan, pc), _v(text.pct, g)]
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
             _v(text.wan_cell, r.get("wage_income"))] for t, r in _rows(ind)]
    rows.append([_county_total_label(ind), _int_cell(e.get("labor_force")), _int_cell((e.get("workers") or {}).get("total")),
                 _int_cell(e.get("zero_employment_households")), _v(text.wan_cell, e.get("wage_income"))])
    return pd.DataFrame(rows, columns=["乡镇", "劳动力（人）", "务工就业（人）", "零就业家庭（户）", "务工收入（万元）"])


def county_funds_table(ind: dict) -> pd.DataFrame:
    f = ind.get("funds")
    if not f:
        return pd.DataFrame()

    def row(label, n, ap, paid, rate, start):
        return [label, _int_cell(n), _v(text.wan_cell, ap), _v(text.wan_cell, paid), _v(text.pct, rate), _v(text.pct, start)]
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
        rows.append([s, text.wan_cell(v), _v(text.pct, share.get(s)), text.target(a["target"]) if a else "—",
                     ("达到" if a["met"] else "未达到") if a else "—"])
    rows.append([_county_total_label(ind), text.wan_cell((f.get("approved") or {}).get("total", 0)),
                 _v(text.pct, share.get("overall")), "—", "—"])
    return pd.DataFrame(rows, columns=["资金来源", "批复资金（万元）", "产业发展占比", "要求", "考核结果"])


def county_posts_table(ind: dict) -> pd.DataFrame:
    p = ind.get("posts")
    if not p or p.get("in_post") is None:
        return pd.DataFrame()
    rows = [[t, _int_cell(r.get("in_post")), _v(text.wan_cell, r.get("annual_cost"))] for t, r in _rows(ind)]
    rows.append([_county_total_label(ind), _int_cell((p.get("in_post") or {}).get("total")),
                 _v(text.wan_cell, (p.get("annual_cost") or {}).get("total"))])
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
        rows.append([name, _v(text.hp, r.get("monitoring")), _v(text.hp, r.get("unresolved")),
                     _v(text.yuan, r.get("per_capita_net")), _v(text.pct, r.get("paid_rate")), _int_cell(r.get("in_post"))])
    rows.append([_county_total_label(ind), _v(text.hp, m.get("total")), _v(text.hp, m.get("unresolved")),
                 _v(text.yuan, (inc.get("per_capita_net") or {}).get("covered")), _v(text.pct, f.get("paid_rate")),
                 _int_cell((p.get("in_post") or {}).get("total"))])
    return pd.DataFrame(rows, columns=["乡镇", "监测对象", "风险未消除", "人均纯收入", "衔接资金拨付率", "公益性岗位在岗"])
