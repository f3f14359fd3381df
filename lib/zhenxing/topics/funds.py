"""Topic funds: 衔接资金项目 and 扶贫项目资产.

Its indicators (pure functions of the conformed tables), its flag rules, its paragraphs,
its tables and its chart specs, all from one definition per figure.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from zhenxing.topics.base import (
    ASSET_CLASSES,
    INDUSTRY,
    LINKAGE_SOURCES,
    PROJECT_TYPES,
    SOURCES,
    Notes,
    Topic,
    absent_columns,
    as_int,
    bar,
    chart_when,
    dsum,
    has,
    nonblank,
    on_or_before,
    pct_of,
    prep,
    sum_wan,
    town_mask,
    ts,
    year_is,
)
from zhenxing.topics.flags import gap_of, make_flag
from zhenxing.words.numbers import (
    count,
    date_cn,
    num,
    parts_add_up,
    pct,
    pct_cell,
    round_half_up,
    wan,
    wan_cell,
)
from zhenxing.words.wording import (
    ROUNDING_NOTE,
    as_of,
    asof_phrase,
    checkpoint,
    each_phrase,
    entries,
    fill,
    flow_period,
    join_list,
    no_data,
    not_stated,
    place,
    section_words,
    target,
    unstated,
    with_note,
    wording,
)

BASIS_NOTE = {"issued": "累计拨付率按截至各时间节点已下达的资金计算",
              "approved": "累计拨付率按全年批复资金计算"}   # the method, not "未提供…" (checklist 14)


# ---------------------------------------------------------------- funds
def _checkpoints(policy: dict, year: int, d: pd.Timestamp) -> list[tuple[pd.Timestamp, float]]:
    out = []
    for mmdd, need in (policy.get("spend_progress") or {}).items():
        m, day = (int(x) for x in str(mmdd).split("-"))
        cp = pd.Timestamp(year, m, day)
        if cp <= d:
            out.append((cp, need))
    return sorted(out)


def funds(tables: dict, township: str, year: int, report_date, policy: dict,
          notes: list | None = None) -> dict | None:
    """衔接资金 of the township's projects of year Y."""
    note = Notes(notes, "funds")
    tables, absent = prep(tables)
    if note.missing_table(tables, "projects"):
        return None
    d = ts(report_date)
    pr = tables["projects"]
    pr = pr[town_mask(pr["乡镇"], township) & year_is(pr["年度"], year)]
    n_projects = int(pr["项目编号"].nunique())
    if not n_projects:
        note = Notes(None, "funds")  # no project: nothing else to state (see the module docstring)
    approved_total = dsum(pr["批复金额"])
    approved = {
        "total": float(approved_total),
        "by_source": {s: 0.0 for s in SOURCES},
        "by_type": {t: 0.0 for t in PROJECT_TYPES},
    }
    for s, g in pr.groupby("资金来源"):
        approved["by_source"][str(s)] = sum_wan(g["批复金额"], "projects", "批复金额")
    for t, g in pr.groupby("项目类型"):
        approved["by_type"][str(t)] = sum_wan(g["批复金额"], "projects", "批复金额")

    # 衔接资金 = the four levels of 财政衔接资金; the industry share is over it only
    link = pr[pr["资金来源"].isin(LINKAGE_SOURCES)]
    linkage = dsum(link["批复金额"])
    linkage_industry = dsum(link.loc[link["项目类型"] == INDUSTRY, "批复金额"])
    share = {"overall": pct_of(linkage_industry, linkage)}
    for s, g in pr.groupby("资金来源"):
        share[str(s)] = pct_of(dsum(g.loc[g["项目类型"] == INDUSTRY, "批复金额"]), dsum(g["批复金额"]))

    paid = paid_rate = progress = None
    if has(tables, "payments"):
        pay = tables["payments"]
        keys = set(zip(pr["项目编号"], pr["资金来源"]))
        mine = pay[np.array([k in keys for k in zip(pay["项目编号"], pay["资金来源"])], dtype=bool)]
        paid_dec = dsum(mine.loc[on_or_before(mine["拨付日期"], d), "拨付金额"])
        paid = float(paid_dec)
        paid_rate = pct_of(paid_dec, approved_total)
        progress = []
        basis = progress_basis(pr, absent["projects"])
        for cp, target in _checkpoints(policy, year, d):
            upto = dsum(mine.loc[on_or_before(mine["拨付日期"], cp), "拨付金额"])
            base = issued_by(pr, cp) if basis == "issued" else approved_total
            progress.append({
                "date": cp.date().isoformat(),
                "paid_rate": pct_of(upto, base),
                "target": float(target),
                "basis": basis,
                "base": float(base),
            })
    else:
        for k in ("paid", "paid_rate", "progress"):
            note.add(k, "table_absent", "payments")

    gone = absent["projects"]

    def done_by(col, keys):
        if col in gone:
            note.column(keys, "projects", col)
            return None
        return int(pr.loc[on_or_before(pr[col], d), "项目编号"].nunique())

    started = done_by("开工日期", ["started", "start_rate"])
    completed = done_by("完工日期", ["completed", "completion_rate"])

    assets = None
    if "资产类别" in gone:
        note.column(["assets"], "projects", "资产类别")
    else:
        assets = {a: {"projects": 0, "amount": 0.0} for a in ASSET_CLASSES}
        for a, g in pr[nonblank(pr["资产类别"])].groupby("资产类别"):
            assets[str(a)] = {"projects": int(g["项目编号"].nunique()), "amount": sum_wan(g["批复金额"], "projects", "批复金额")}

    return {
        "projects": n_projects,
        "approved": approved,
        "linkage": float(linkage),
        "linkage_industry": float(linkage_industry),
        "industry_share": share,
        "paid": paid,
        "paid_rate": paid_rate,
        "progress": progress,
        "started": started,
        "completed": completed,
        "start_rate": pct_of(started, n_projects),
        "completion_rate": pct_of(completed, n_projects),
        "assets": assets,
    }


def progress_basis(pr: pd.DataFrame, gone: set) -> str:
    """What the 序时进度 of spending is measured against: ``issued`` (money issued by each
    checkpoint, Σ批复金额 of rows with 下达日期 ≤ checkpoint) when 下达日期 is given for the
    year's projects, else ``approved`` (the year's whole approved amount)."""
    if "下达日期" in gone or not pr["下达日期"].notna().any():
        return "approved"
    return "issued"


def issued_by(pr: pd.DataFrame, cp: pd.Timestamp):
    """Σ批复金额 issued by ``cp``. A row whose 下达日期 is blank (the column given for other
    rows) counts as issued from the start of the year: the denominator is never understated."""
    when = pr["下达日期"]
    return dsum(pr.loc[when.isna() | (when <= cp), "批复金额"])


def flag_spend_progress(ind: dict, policy: dict) -> list[dict]:
    fu = ind.get("funds") or {}
    missed = [{"date": p["date"], "paid_rate": p["paid_rate"], "target": p["target"],
               "basis": p.get("basis", "approved")}
              for p in fu.get("progress") or []
              if p.get("paid_rate") is not None and p.get("target") is not None and p["paid_rate"] < p["target"]]
    if not missed:
        return []
    return [make_flag("funds", "资金项目", "spend_progress", "high", {"checkpoints": missed})]
OPERATING = "经营性资产"


def project_details(tables: dict, township: str, year: int, report_date, policy: dict,
               notes: list | None = None) -> dict | None:
    """funds.projects_by_type, funds.beneficiaries, funds.start_progress."""
    note = Notes(notes, "funds")
    tables, absent = prep(tables)
    if tables.get("projects") is None:
        return None
    d = ts(report_date)
    pr = tables["projects"]
    pr = pr[town_mask(pr["乡镇"], township) & year_is(pr["年度"], year)]
    n = int(pr["项目编号"].nunique())
    if not n:
        note = Notes(None, "funds")
    by_type = {t: 0 for t in PROJECT_TYPES}
    for t, g in pr.groupby("项目类型"):
        by_type[str(t)] = int(g["项目编号"].nunique())
    gone = absent["projects"]
    benef = None
    if "受益脱贫人口数" in gone:
        note.column(["beneficiaries"], "projects", "受益脱贫人口数")
    else:
        per = pr.dropna(subset=["受益脱贫人口数"]).groupby("项目编号")["受益脱贫人口数"].max()
        if len(per) or not n:
            benef = as_int(per.sum())
        else:
            note.add("beneficiaries", "column_absent", "projects", "受益脱贫人口数", "项目均未填写受益脱贫人口数")
    start = None
    cps = policy.get("start_progress")
    if "开工日期" in gone:
        note.column(["start_progress"], "projects", "开工日期")
    elif not cps:
        note.add("start_progress", "no_target", "projects", None, "参数文件未设定项目开工进度要求")
    else:
        start = []
        for cp, target in _checkpoints({"spend_progress": cps}, year, d):
            k = int(pr.loc[on_or_before(pr["开工日期"], cp), "项目编号"].nunique())
            start.append({"date": cp.date().isoformat(), "started": k,
                          "start_rate": pct_of(k, n), "target": float(target)})
    return {"projects_by_type": by_type, "beneficiaries": benef, "start_progress": start}


# ---------------------------------------------------------------- assets
def assets(tables: dict, township: str, year: int, report_date,
           notes: list | None = None) -> dict | None:
    """项目资产 of T (乡镇 = T; 县本级 assets belong to the county summary)."""
    note = Notes(notes, "assets")
    tables, absent = prep(tables)
    if note.missing_table(tables, "assets"):
        return None
    d = ts(report_date)
    a = tables["assets"]
    a = a[town_mask(a["乡镇"], township)
          & (a["形成年度"].astype("Int64") <= year).fillna(False).astype(bool)]
    gone = absent["assets"]
    by_class = {c: {"count": 0, "value": 0.0} for c in ASSET_CLASSES}
    for c, g in a.groupby("资产类别"):
        by_class[str(c)] = {"count": int(len(g)), "value": sum_wan(g["资产原值"], "assets", "资产原值")}
    out = {"count": int(len(a)), "value": sum_wan(a["资产原值"], "assets", "资产原值"), "by_class": by_class,
           "registered": None, "registered_rate": None, "unregistered": None, "income": None}
    if "确权日期" in gone:
        note.column(["registered_rate"], "assets", "确权日期")
    else:
        reg = int(on_or_before(a["确权日期"], d).sum())
        out.update(registered=reg, unregistered=int(len(a)) - reg, registered_rate=pct_of(reg, len(a)))
    if "当年收益" in gone:
        note.column(["income"], "assets", "当年收益")
    else:
        out["income"] = sum_wan(a.loc[a["资产类别"] == OPERATING, "当年收益"], "assets", "当年收益")
    return out


def flag_assets_unregistered(ind: dict, policy: dict) -> list[dict]:
    a = ind.get("assets") or {}
    if not a.get("unregistered"):
        return []
    v = {"unregistered": int(a["unregistered"]), "count": int(a["count"]), "registered_rate": a["registered_rate"]}
    return [make_flag("assets", "资金项目", "assets_unregistered", "medium", v,
                  f"登记的{v['count']}项扶贫项目资产中尚有{v['unregistered']}项未确权，确权率{pct(v['registered_rate'])}")]


def flag_start_progress(ind: dict, policy: dict) -> list[dict]:
    missed = [{"date": p["date"], "start_rate": p["start_rate"], "target": p["target"]}
              for p in (ind.get("funds") or {}).get("start_progress") or []
              if p.get("start_rate") is not None and p["start_rate"] < p["target"]]
    if not missed:
        return []
    parts = "、".join(f"{date_cn(p['date'])[5:]}开工率{pct(p['start_rate'])}（要求{num(p['target'])}%）"
                     for p in missed)
    return [make_flag("funds", "资金项目", "start_progress", "medium", {"checkpoints": missed},
                  f"衔接资金项目开工进度未达要求：{parts}")]


def _other_sources(f: dict) -> dict:
    """Money of the year's projects that is not 衔接资金 (东西部协作, 社会帮扶, 其他), by source."""
    by = (f.get("approved") or {}).get("by_source") or {}
    return {k: v for k, v in by.items() if v and k not in LINKAGE_SOURCES}


def linkage_of(f: dict):
    """衔接资金 of a funds dict: ``linkage``, or (an indicators.json written before it was
    recorded) the four levels summed from ``by_source``."""
    if f.get("linkage") is not None:
        return f["linkage"]
    by = (f.get("approved") or {}).get("by_source") or {}
    return float(dsum(by.get(k) for k in LINKAGE_SOURCES))


def paragraph_funds(ind: dict) -> str:
    f = ind.get("funds")
    if not f:
        return no_data(ind, "funds")
    year = ind.get("year")
    if not f.get("projects"):
        return f"{year}年{place(ind)}未安排衔接资金项目。"
    ap = f["approved"]
    by = ap.get("by_source") or {}
    others = _other_sources(f)
    link = linkage_of(f)
    lsrc = [f"{k}{wan(v)}" for k, v in by.items() if v and k in LINKAGE_SOURCES]
    what = "衔接资金项目" if not others else "项目"
    w = section_words(ind, "funds")
    lead = _lead_spend(ind, f, others, w)
    s = [lead + "。"] if lead else []
    s.append(f"{year}年，{'' if lead else place(ind)}共实施{what}{count(f['projects'], '个')}")
    if round_half_up(link, 2) > 0:
        s.append(f"，安排衔接资金{wan(link)}")
        if len(lsrc) > 1:
            s.append(f"（{join_list(lsrc)}）")
        elif lsrc:
            s.append(f"（均为{next(k for k, v in by.items() if v and k in LINKAGE_SOURCES)}）")
    if others:
        s.append(f"{'，另有' if round_half_up(link, 2) > 0 else '，使用'}{join_list([f'{k}{wan(v)}' for k, v in others.items()])}")
        if round_half_up(link, 2) > 0:
            s.append(f"，各类资金合计{wan(ap['total'])}")
    s.append("。")
    ind_amt = f.get("linkage_industry")
    if ind_amt is None and not others:   # an indicators.json written before it was recorded
        ind_amt = (ap.get("by_type") or {}).get(INDUSTRY)
    share = (f.get("industry_share") or {}).get("overall")
    if share is not None and ind_amt:
        s.append(f"衔接资金中用于产业发展的{wan(ind_amt)}，占{pct(share)}。")
    notes = not_stated(ind, "funds")
    met = bool(f.get("progress")) and not gap_of(ind, "spend_progress")   # every checkpoint so far met
    if lead:
        pass   # said first
    elif f.get("paid") is not None:
        if round_half_up(f["paid"], 2) == 0:
            s.append(f"{as_of(ind)}，尚未拨付资金。")
        else:
            s.append(f"{as_of(ind)}，已拨付资金{wan(f['paid'])}")
            if f.get("paid_rate") is not None:
                s.append(f"，占批复资金的{pct(f['paid_rate'])}" if others else f"，拨付率{pct(f['paid_rate'])}")
            if met:
                s.append("，" + fill(w.get("spend_met"), {}))
            s.append("。")
    elif not any(e.get("key") == "paid" for e in entries(ind, "funds")):
        s.append("本年度未提供资金拨付数据，拨付进度不作统计。")
    done = []
    if f.get("started") is not None:
        done.append(f"已开工项目{count(f['started'], '个')}" if f["started"] else "项目均未开工")
    if f.get("completed") is not None and f.get("started"):
        done.append(f"已完工{count(f['completed'], '个')}" if f["completed"] else "尚无项目完工")
    if done:
        s.append("，".join(done) + "。")
    s += notes
    return "".join(s)


def _lead_spend(ind: dict, f: dict, others: dict, w: dict) -> str | None:
    """The funds paragraph's lead when spending is behind its schedule: the money paid and
    its rate, with the judgement (the checkpoints missed are in 存在问题 and the table)."""
    if not gap_of(ind, "spend_progress") or f.get("paid") is None:
        return None
    if round_half_up(f["paid"], 2) == 0:
        return fill(w.get("lead_unpaid"), {"as_of": as_of(ind), "all": place(ind)})
    rate = f.get("paid_rate")
    phrase = None if rate is None else (f"占批复资金的{pct(rate)}" if others else f"拨付率{pct(rate)}")
    return fill(w.get("lead_spend"), {"as_of": as_of(ind), "all": place(ind), "paid": wan(f["paid"]),
                                      "rate_phrase": phrase})


def paragraph_assets(ind: dict) -> str:
    """项目资产 (funds topic): registered assets, classes, 确权, income."""
    a = ind.get("assets")
    if not a:
        return unstated(ind, "assets", "未统计扶贫项目资产情况")
    if not a["count"]:
        return f"项目资产数据中没有{place(ind)}的资产记录。"
    s = [f"截至{asof_phrase(ind)}，{place(ind)}登记扶贫项目资产{count(a['count'], '项')}，原值{wan(a['value'])}"]
    parts = [f"{k}{count(v['count'], '项')}、{wan(v['value'])}" for k, v in a["by_class"].items() if v["count"]]
    if parts:
        s.append("，其中" + "，".join(parts))
    s.append("。")
    if a.get("registered_rate") is not None and not a["unregistered"]:
        s.append("资产均已确权。")   # met: one clause, not "已确权23项，确权率100%，资产均已确权"
    elif a.get("registered_rate") is not None:
        s.append(f"已确权{count(a['registered'], '项')}，确权率{pct(a['registered_rate'])}，"
                 f"尚未确权{count(a['unregistered'], '项')}。")
    if a.get("income") is not None:
        s.append(f"经营性资产{flow_period(ind, '当年')}收益{wan(a['income'])}。")   # 年内 before 31 December
    s += not_stated(ind, "assets")
    return "".join(s)


def paragraph_projects(ind: dict) -> str:
    """Project types, beneficiaries and the start checkpoints of the year's projects."""
    f = ind.get("funds")
    if not f or not f.get("projects"):
        return ""
    s = []
    by = [f"{k}项目{count(v, '个')}" for k, v in (f.get("projects_by_type") or {}).items() if v]
    if by:
        s.append(f"按项目类型分，{join_list(by)}。")
    if f.get("beneficiaries"):
        # Σ over projects: one person helped by two projects counts twice — 人次, never persons
        s.append(f"各项目带动受益脱贫人口和监测对象{count(f['beneficiaries'], '人次')}。")
    sp = f.get("start_progress")
    if sp and not gap_of(ind, "start_progress") and all(p.get("started") for p in sp):   # met: one clause
        rates = list(dict.fromkeys(pct(p["start_rate"]) for p in sp))
        s.append(fill(section_words(ind, "funds").get("start_met_same" if len(rates) == 1 < len(sp) else "start_met"),
                      {"names": "、".join(date_cn(p["date"])[5:] for p in sp), "each": each_phrase(sp),
                       "rates": "、".join(rates) if len(rates) == 1 else "、".join(pct(p["start_rate"]) for p in sp)}) + "。")
    elif sp:
        items = []
        for p in sp:
            day = date_cn(p["date"])[5:]
            if p.get("started"):
                items.append(f"截至{day}开工{count(p['started'], '个')}、开工率{pct(p['start_rate'])}"
                             f"（要求{num(p['target'])}%）")
            else:
                items.append(f"截至{day}尚无项目开工（要求开工率{num(p['target'])}%）")
        s.append("；".join(items) + "。")
    return "".join(s)


def funds_by_source(ind: dict) -> pd.DataFrame:
    """Approved money by source: the 衔接资金 levels, their subtotal (the industry share
    is over 衔接资金 only) when other money is present, the other sources, the total. Totals
    come from unrounded parts; when the rounded rows do not add up, the table says so."""
    f = ind.get("funds")
    if not f or not f.get("projects"):
        return pd.DataFrame()
    by = {k: v for k, v in ((f.get("approved") or {}).get("by_source") or {}).items() if v}
    share = f.get("industry_share") or {}
    cell = lambda k: pct_cell(share[k]) if share.get(k) is not None else "—"  # noqa: E731
    linked = {k: v for k, v in by.items() if k in LINKAGE_SOURCES}
    others = {k: v for k, v in by.items() if k not in LINKAGE_SOURCES}
    rows = [[k, wan_cell(v), cell(k)] for k, v in linked.items()]
    total = (f.get("approved") or {}).get("total", 0)
    note = None
    if others:
        if linked:
            rows.append(["衔接资金小计", wan_cell(linkage_of(f)), cell("overall")])
        rows += [[k, wan_cell(v), cell(k)] for k, v in others.items()]
        rows.append(["合计", wan_cell(total), "—"])
        if linked and not parts_add_up(linked.values(), linkage_of(f)):
            note = ROUNDING_NOTE
    else:
        rows.append(["合计", wan_cell(total), cell("overall")])
    if not parts_add_up(by.values(), total):
        note = ROUNDING_NOTE
    df = pd.DataFrame(rows, columns=["资金来源", "批复金额（万元）", "产业发展占比"])
    return with_note(df, note)


def _checkpoint_cell(iso: str, ind: dict) -> str:
    """A checkpoint row: "一季度末（3月31日）", "11月30日" — the year is the table's, and the
    report date is not restated."""
    m, d = int(iso[5:7]), int(iso[8:10])
    name = checkpoint(iso, ind)
    day = f"{m}月{d}日"
    return f"{name}（{day}）" if name in wording(ind)["checkpoints"].values() else day


def funds_progress(ind: dict) -> pd.DataFrame:
    f = ind.get("funds")
    if not f or not f.get("progress") or not f.get("projects"):
        return pd.DataFrame()
    rows = [[_checkpoint_cell(p["date"], ind), pct_cell(p["paid_rate"]) if p.get("paid_rate") is not None else "—",
             target(p["target"])] for p in f["progress"]]
    basis = (f["progress"][0] or {}).get("basis", "approved")
    note = "注：" + BASIS_NOTE[basis] + ("；“—”为该节点前尚未下达资金" if any(
        p.get("paid_rate") is None for p in f["progress"]) else "") + "。"
    return with_note(pd.DataFrame(rows, columns=["时间节点", "累计拨付率", "进度要求"]), note)


def projects(tables: dict, township: str, year: int) -> pd.DataFrame:
    """附表: every project of the township and year, one row per fund source. A date
    column the source did not give is left out, with a note."""
    p = tables.get("projects")
    if p is None:
        return pd.DataFrame()
    gone = absent_columns(p, "projects")
    p = p[(p["乡镇"] == township).fillna(False).astype(bool) & (p["年度"] == year).fillna(False).astype(bool)]
    if p.empty:
        return pd.DataFrame()
    fmt = lambda d: date_cn(d.date()) if pd.notna(d) else "—"  # noqa: E731
    dates = [c for c in ("开工日期", "完工日期") if c not in gone and c in p.columns]
    rows = [[r["项目编号"], r["项目名称"], r["项目类型"], r["资金来源"], wan_cell(r["批复金额"]),
             *[fmt(r[c]) for c in dates]] for _, r in p.iterrows()]
    df = pd.DataFrame(rows, columns=["项目编号", "项目名称", "项目类型", "资金来源", "批复金额（万元）", *dates])
    missing = [c for c in ("开工日期", "完工日期") if c not in dates]
    if missing:
        df.attrs["note"] = f"注：未提供{'、'.join(missing)}，未列出。"
    return df


# Projects that are not works: nothing is built, accepted (验收) or registered as an asset
# (确权) — management fees, training, subsidies, insurance, interest subsidies, transport aid.
NON_WORKS = ("管理费", "培训", "补助", "补贴", "奖补", "以奖代补", "保险", "贴息", "雨露计划", "交通费",
             "务工", "劳务", "分红", "资助", "工作经费", "监测", "宣传")
WORKS = ("建设", "修缮", "改造", "新建", "扩建", "道路", "沟渠", "大棚", "厂房", "管网", "饮水", "桥")


def is_works(name: str, kind: str | None = None) -> bool:
    """Whether a project builds something (建设、完工验收、确权 apply): not when its name
    says it is a fee, training, subsidy, insurance…; a 就业帮扶 project only when its name
    says it builds."""
    name = str(name or "")
    if any(w in name for w in NON_WORKS):
        return False
    if kind == "就业帮扶":
        return any(w in name for w in WORKS)
    return True


def unfinished_projects(tables: dict, township: str, year: int, report_date) -> list[dict] | None:
    """The township's projects of ``year`` not completed by the report date (完工日期 blank
    or later), in project-number order, each once: ``{name, started, works}`` — started:
    开工日期 ≤ the report date (None when 开工日期 was not given); works: whether it builds
    something (:func:`is_works`). None when 完工日期 was not given (nobody can tell which
    are unfinished)."""
    p = tables.get("projects")
    if p is None or "完工日期" in absent_columns(p, "projects"):
        return None
    no_start = "开工日期" in absent_columns(p, "projects")
    p = p[(p["乡镇"] == township).fillna(False).astype(bool) & (p["年度"] == year).fillna(False).astype(bool)]
    d = pd.Timestamp(report_date)
    done = p["完工日期"].notna() & (p["完工日期"] <= d)
    done_ids = set(p.loc[done, "项目编号"])
    left = p[~p["项目编号"].isin(done_ids)].sort_values("项目编号")
    out = []
    for _pid, g in left.groupby("项目编号", sort=True):
        name = g["项目名称"].iloc[0]
        if not (isinstance(name, str) and name.strip()):
            continue
        started = None if no_start or "开工日期" not in g else bool(on_or_before(g["开工日期"], d).any())
        out.append({"name": str(name), "started": started, "works": is_works(name, g["项目类型"].iloc[0])})
    return out


def assets_table(ind: dict) -> pd.DataFrame:
    a = ind.get("assets")
    if not a or not a["count"]:
        return pd.DataFrame()
    rows = [[k, int(v["count"]), wan_cell(v["value"])] for k, v in a["by_class"].items()]
    rows.append(["合计", int(a["count"]), wan_cell(a["value"])])
    return pd.DataFrame(rows, columns=["资产类别", "项数", "原值（万元）"])


def funds_sources(ind: dict):
    f = ind.get("funds")
    if not f or not f.get("projects"):
        return None
    by = {k: v for k, v in ((f.get("approved") or {}).get("by_source") or {}).items() if v}
    return bar(by, f"{chart_when(ind)}衔接资金批复金额（按来源）", "万元")


def assets_classes(ind: dict):
    a = ind.get("assets")
    if not a or not a["count"]:
        return None
    return bar({k: v["value"] for k, v in a["by_class"].items() if v["count"]}, f"{chart_when(ind, stock=True)}项目资产原值（按类别）", "万元")


# ---------------------------------------------------------------- the topic
TOPIC = Topic("funds", "衔接资金项目", ("funds", "assets"), section=4)
# this topic's flag rules, in the order their flags are listed when severity and theme tie
RULES = (flag_spend_progress, flag_start_progress, flag_assets_unregistered)


def compute(tables: dict, township: str, year: int, report_date, policy: dict, notes: list) -> dict:
    """衔接资金 and its projects (by type, beneficiaries, start progress), and project assets."""
    fu = funds(tables, township, year, report_date, policy, notes=notes)
    if fu is not None:
        fu.update(project_details(tables, township, year, report_date, policy, notes) or {})
    return {"funds": fu, "assets": assets(tables, township, year, report_date, notes)}
