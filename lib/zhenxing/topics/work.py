"""Topic work: what the office did, from its own ledgers (indicators.md "What was done").

``activities`` (工作台账), ``rectification`` (问题整改台账) and ``teams`` (驻村工作队) are
optional; absent, every key here is null and the report says nothing about them (no
"未提供" sentence: a writer who keeps no ledger simply does not report it).

The sentences lead the sections they belong to, before the figures, as real summaries
do: 排查 and 走访 lead 防止返贫动态监测 (:func:`lead_monitoring`), 培训 and 招聘会 lead
就业帮扶 (:func:`lead_employment`); the teams (帮扶力量) and 问题整改 are this topic's
own section (:func:`paragraph_teams`, :func:`paragraph_rectification`).
"""
from __future__ import annotations

import pandas as pd

from zhenxing.data.schema import ACTIVITY_TYPES, RECTIFICATION_SOURCES
from zhenxing.topics.base import Topic, on_or_before, prep, town_mask, ts, village_key, village_label, year_is
from zhenxing.topics.flags import make_flag
from zhenxing.words.numbers import num, pct
from zhenxing.words.wording import fill, self_ref, sentences, whole_year, wording

LEDGERS = ("activities", "rectification", "teams")
# the columns summed per 类别, and their keys
SUMS = {"attendees": "参与人次", "households": "覆盖户数", "problems": "发现问题数", "jobs": "岗位数"}


def _sum(s: pd.Series) -> int | None:
    """Σ of an int column; None when it is blank for every row (a sum not kept is not 0)."""
    s = s.dropna()
    return int(s.sum()) if len(s) else None


def activities(tables: dict, township, year: int, report_date) -> dict | None:
    """``work.activities.<类别>``: activities of T with 日期 in Y up to D, per 类别 present."""
    a = tables.get("activities")
    if a is None:
        return None
    d = ts(report_date)
    if not town_mask(a["乡镇"], township).any():
        return None   # this township keeps no such ledger
    rows = a[town_mask(a["乡镇"], township) & year_is(a["日期"].dt.year, year) & on_or_before(a["日期"], d)]
    out = {}
    for kind in ACTIVITY_TYPES:
        part = rows[rows["类别"] == kind]
        if len(part):
            out[kind] = {"count": int(len(part)), **{k: _sum(part[c]) for k, c in SUMS.items()}}
    return out


def campaigns(tables: dict, township, year: int, report_date) -> list[dict] | None:
    """``work.campaigns``: the 排查 activities by 名称 (first held first), with their rounds,
    households and problems."""
    a = tables.get("activities")
    if a is None:
        return None
    d = ts(report_date)
    if not town_mask(a["乡镇"], township).any():
        return None
    rows = a[town_mask(a["乡镇"], township) & year_is(a["日期"].dt.year, year) & on_or_before(a["日期"], d)
             & (a["类别"] == "排查")].sort_values("日期", kind="stable")
    out = []
    for name, part in rows.groupby("名称", sort=False):
        out.append({"name": name, "count": int(len(part)), "households": _sum(part["覆盖户数"]),
                    "problems": _sum(part["发现问题数"])})
    return out


def _rect_counts(part: pd.DataFrame, d: pd.Timestamp) -> dict:
    done = (part["整改状态"] == "已完成") & on_or_before(part["完成日期"], d)
    not_started = (part["整改状态"] == "未启动") & ~done
    overdue = ~done & on_or_before(part["整改时限"], d) & (part["整改时限"] < d).fillna(False)
    return {"problems": int(len(part)), "done": int(done.sum()),
            "in_progress": int((~done & ~not_started).sum()), "not_started": int(not_started.sum()),
            "overdue": int(overdue.sum()), "measures": _sum(part["整改措施数"])}


def rectification(tables: dict, township, year: int, report_date) -> dict | None:
    """``work.rectification``: problems of T fed back by D — total and by 问题来源; the
    overdue ones by description (for 存在问题 and the plan)."""
    r = tables.get("rectification")
    if r is None:
        return None
    d = ts(report_date)
    if not town_mask(r["乡镇"], township).any():
        return None
    rows = r[town_mask(r["乡镇"], township) & on_or_before(r["反馈日期"], d)]
    by_source = {s: _rect_counts(rows[rows["问题来源"] == s], d) for s in RECTIFICATION_SOURCES
                 if (rows["问题来源"] == s).any()}
    total = _rect_counts(rows, d)
    done = (rows["整改状态"] == "已完成") & on_or_before(rows["完成日期"], d)
    late = rows[~done & (rows["整改时限"] < d).fillna(False)]
    this_year = rows[year_is(rows["反馈日期"].dt.year, year)]
    return {"total": total, "by_source": by_source,
            "in_year": _rect_counts(this_year, d) if len(this_year) else None,
            "in_year_sources": [s for s in RECTIFICATION_SOURCES if (this_year["问题来源"] == s).any()],
            "overdue_items": [{"description": x, "deadline": t.date().isoformat()}
                              for x, t in zip(late["问题描述"], late["整改时限"])]}


def teams(tables: dict, township, year: int, report_date) -> dict | None:
    """``work.teams``: villages with someone posted at D, persons and 第一书记 posted at D,
    posted and recalled in Y up to D (a rotation)."""
    t = tables.get("teams")
    if t is None:
        return None
    d = ts(report_date)
    rows = t[town_mask(t["乡镇"], township)]
    if rows.empty:
        return None
    at_d = rows[on_or_before(rows["派驻日期"], d) & ~on_or_before(rows["撤回日期"], d)]
    in_year = lambda c: year_is(rows[c].dt.year, year) & on_or_before(rows[c], d)  # noqa: E731
    return {"villages": int(village_key(at_d).nunique()), "persons": int(len(at_d)),
            "first_secretaries": int((at_d["职务"] == "第一书记").sum()),
            "posted_in_year": int(in_year("派驻日期").sum()), "recalled_in_year": int(in_year("撤回日期").sum()),
            "unposted_poverty_villages": _unposted(tables, township, year, at_d)}


def _unposted(tables: dict, township, year: int, at_d: pd.DataFrame) -> list[str] | None:
    """脱贫村 of T (villages table) with nobody posted at D; None without the villages table."""
    v = tables.get("villages")
    if v is None:
        return None
    t = tables["teams"]
    keeping = set(t.loc[town_mask(t["乡镇"], township), "乡镇"].dropna())   # townships that keep the ledger
    rows = v[town_mask(v["乡镇"], township) & v["乡镇"].isin(keeping)]
    if "年度" in rows and rows["年度"].notna().any():
        rows = rows[(rows["年度"] == year).fillna(False)]
    poor = rows[rows["是否脱贫村"].fillna(False).astype(bool)]
    have = set(village_key(at_d))
    gap = poor[~village_key(poor).isin(have)]
    return sorted(set(village_label(gap, township).dropna().astype(str)))


def work(tables: dict, township, year: int, report_date, notes: list | None = None) -> dict | None:
    """What the office did; None when the dataset gives none of the three ledgers."""
    tables, _ = prep(tables)
    if not any(tables.get(n) is not None for n in LEDGERS):
        return None
    return {"activities": activities(tables, township, year, report_date),
            "campaigns": campaigns(tables, township, year, report_date),
            "rectification": rectification(tables, township, year, report_date),
            "teams": teams(tables, township, year, report_date)}


# ---------------------------------------------------------------- flags
def flag_overdue_rectification(ind: dict, policy: dict) -> list[dict]:
    r = ((ind.get("work") or {}).get("rectification") or {})
    n = (r.get("total") or {}).get("overdue")
    if not n:
        return []
    items = [x["description"] for x in r.get("overdue_items") or []]
    return [make_flag("work", "整改落实", "rectification_overdue", "high",
                      {"overdue": n, "items": "、".join(f"“{x.replace('“', '‘').replace('”', '’')}”" for x in items[:3]) or None})]


def flag_unposted_villages(ind: dict, policy: dict) -> list[dict]:
    v = ((ind.get("work") or {}).get("teams") or {}).get("unposted_poverty_villages")
    if not v:
        return []
    return [make_flag("work", "帮扶力量", "poverty_village_without_team", "low",
                      {"count": len(v), "villages": "、".join(v)})]


# ---------------------------------------------------------------- sentences
def _w(ind: dict) -> dict:
    return wording(ind)["work"]


def _campaign_text(ind: dict, c: list[dict], acts: dict) -> str | None:
    w = _w(ind)
    pc = acts.get("排查")
    if not pc:
        return None
    names = "、".join(x["name"] for x in c[:2]) + ("等" if len(c) > 2 else "")
    fields = {"period": whole_year(ind), "names": names, "rounds": num(pc["count"]),
              "households": num(pc["households"]) if pc.get("households") is not None else None,
              "problems": num(pc["problems"]) if pc.get("problems") is not None else None}
    return fill(w["campaigns"], fields) or fill(w["campaigns_plain"], fields)


def lead_monitoring(ind: dict) -> str:
    """The sentences that open 防止返贫动态监测: 排查 (by name), 走访, 督导 and 结对帮扶."""
    wk = ind.get("work") or {}
    acts = wk.get("activities") or {}
    w = _w(ind)
    parts = []
    c = _campaign_text(ind, wk.get("campaigns") or [], acts)
    if c:
        parts.append(c)
    visit = acts.get("走访")
    if visit:
        parts.append(fill(w["visits"], {"count": num(visit["count"]),
                                        "households": num(visit["households"]) if visit.get("households") else None})
                     or fill(w["visits_plain"], {"count": num(visit["count"])}))
    sup = acts.get("督导")
    if sup and sup.get("problems"):
        parts.append(fill(w["supervision"], {"count": num(sup["count"]), "problems": num(sup["problems"])}))
    if not parts:   # no ledger: 结对帮扶 alone is no opening; it closes the monitoring paragraph
        return ""
    return sentences([*parts, paired_clause(ind)])


def paired_clause(ind: dict) -> str | None:
    """结对帮扶: all covered households paired is one clause, else the share paired."""
    paired = (ind.get("monitoring") or {}).get("paired_share")
    if paired is None:
        return None
    w = _w(ind)
    return w["paired_all"] if paired >= 100 else fill(w["paired"], {"share": pct(paired)})


def lead_employment(ind: dict) -> str:
    """The sentences that open 就业帮扶: training and job fairs."""
    acts = (ind.get("work") or {}).get("activities") or {}
    w = _w(ind)
    parts = []
    tr = acts.get("培训")
    if tr:
        parts.append(fill(w["training"], {"period": whole_year(ind), "count": num(tr["count"]),
                                          "attendees": num(tr["attendees"]) if tr.get("attendees") else None})
                     or fill(w["training_plain"], {"period": whole_year(ind), "count": num(tr["count"])}))
    fair = acts.get("招聘会")
    if fair:
        parts.append(fill(w["fairs"], {"count": num(fair["count"]),
                                       "jobs": num(fair["jobs"]) if fair.get("jobs") else None,
                                       "attendees": num(fair["attendees"]) if fair.get("attendees") else None})
                     or fill(w["fairs_plain"], {"count": num(fair["count"])}))
    return sentences(parts) if parts else ""


def paragraph_teams(ind: dict) -> str:
    """帮扶力量: the teams posted at D and the year's rotation."""
    t = (ind.get("work") or {}).get("teams")
    if not t or not t.get("persons"):
        return ""
    w = _w(ind)
    members = t["persons"] - t["first_secretaries"]
    parts = [fill(w["teams"], {"all": self_ref(ind, "all"), "villages": num(t["villages"]),
                               "secretaries": num(t["first_secretaries"]), "members": num(members) if members else None})
             or fill(w["teams_plain"], {"all": self_ref(ind, "all"), "villages": num(t["villages"]),
                                        "persons": num(t["persons"])})]
    unposted = t.get("unposted_poverty_villages")
    if unposted:  # a 脱贫村 without anyone posted: said here, never "轮换衔接不断档"
        named = "、".join(unposted[:5]) + (f"等{len(unposted)}个村" if len(unposted) > 5 else "")
        parts.append(fill(w["teams_unposted"], {"villages": named}))
    if t.get("posted_in_year") or t.get("recalled_in_year"):
        parts.append(fill(w["rotation_gap" if unposted else "rotation"],
                          {"posted": num(t["posted_in_year"]), "recalled": num(t["recalled_in_year"])}))
    parts.append(w["teams_duty"])
    return sentences(parts)


def paragraph_rectification(ind: dict) -> str:
    """问题整改: the problems fed back (by source), measures, done, open, overdue."""
    r = (ind.get("work") or {}).get("rectification")
    if not r or not (r.get("total") or {}).get("problems"):
        return ""
    w = _w(ind)
    tot = r["total"]
    fields = rectification_fields(r)
    first = fill(w["rectification"], fields) or fill(w["rectification_plain"], fields)
    if tot["done"] == tot["problems"]:
        rest = w["rectification_all_done"]
    elif tot.get("overdue"):
        rest = fill(w["rectification_" + overdue_kind(tot)], fields)
    else:
        rest = fill(w["rectification_open"], fields)
    return sentences([first, rest])


def overdue_kind(tot: dict) -> str:
    """Which overdue sentence: "其中2个超过整改时限" when some open items are overdue; when
    all are, "均已超过…" (or, for one, "且已超过…"): "尚有3个未完成，其中3个…" reads as a slip."""
    still = tot["problems"] - tot["done"]
    if tot["overdue"] < still:
        return "overdue"
    return "one_overdue" if still == 1 else "all_overdue"


def rectification_fields(r: dict) -> dict:
    """The figures a rectification sentence fills in, from ``work.rectification``: its
    sources (most problems first, three named, then 等), problems, measures, done, open,
    overdue (township and county say them alike)."""
    tot = r["total"]
    srcs = [s for s, _ in sorted((r.get("by_source") or {}).items(), key=lambda kv: -kv[1]["problems"])]
    return {"sources": "、".join(srcs[:3]) + ("等" if len(srcs) > 3 else ""), "problems": num(tot["problems"]),
            "measures": num(tot["measures"]) if tot.get("measures") else None,
            "done": num(tot["done"]), "open": num(tot["problems"] - tot["done"]),
            "overdue": num(tot["overdue"]) if tot.get("overdue") else None}


def has_work(ind: dict) -> bool:
    """Whether this topic's own section has anything to say (else it is left out)."""
    return bool(paragraph_teams(ind) or paragraph_rectification(ind))


TOPIC = Topic("work", "强化帮扶力量，抓好问题整改", ("work",), section=9)
RULES = (flag_overdue_rectification, flag_unposted_villages)


def compute(tables: dict, township: str, year: int, report_date, policy: dict, notes: list) -> dict:
    return {"work": work(tables, township, year, report_date, notes)}
