"""What the county and its townships did, from the office's ledgers (indicators.md "What
was done"), for the county summary.

The figures are :mod:`zhenxing.topics.work`'s, with its definitions: ``ind["work"]`` is
:func:`zhenxing.topics.work.work` over the pooled rows (the townships and 县本级, as
:func:`zhenxing.topics.county.county_pooled` computes every figure) and
``ind["county_held"]["work"]`` the same over the county's own rows (乡镇 = 县本级). A
sentence states the pooled figure and, where the county itself held part of it, that part
("开展督导4次，发现问题60个，其中县级督导1次、发现问题46个"): parts never exceed their
whole, and no rate is averaged. Without ledgers every function here returns "" and the
summary says nothing about them.
"""
from __future__ import annotations

from zhenxing.topics.base import COUNTY_LEVEL, get_path
from zhenxing.topics.work import LEDGERS, overdue_kind, paragraph_teams, rectification_fields, work
from zhenxing.words.numbers import num, pct
from zhenxing.words.wording import fill, self_ref, sentences, whole_year, wording


def held_work(tables: dict, year: int, report_date) -> dict | None:
    """The county's own ledger rows (乡镇 = 县本级): ``work`` keys, or None without ledgers."""
    return work(tables, COUNTY_LEVEL, year, report_date)


def _w(ind: dict) -> dict:
    return wording(ind)["county"]["work"]


def _fields(x: dict | None) -> dict:
    """A ledger category's figures as the sentences state them (a sum not kept is left out)."""
    x = x or {}
    return {k: num(v) for k, v in x.items() if v is not None and k != "name"}


def _kind(ind: dict, kind: str, whole: str | None = None) -> str | None:
    """One category of activities: the pooled figure, with the county's own part after it
    ("其中县级…"); only the county's own sentence when no township held any."""
    w = _w(ind)["activities"][kind]
    total = get_path(ind, "work", "activities", kind)
    if not total or not total.get("count"):
        return None
    own = get_path(ind, "county_held", "work", "activities", kind) or {}
    f, o = _fields(total), _fields(own)
    if own.get("count") and own["count"] == total["count"]:
        return fill(w.get("own"), o) or fill(w.get("own_plain"), o)
    s = whole or fill(w.get("all"), f) or fill(w.get("all_plain"), f)
    if s and own.get("count"):
        part = fill(w.get("part"), o) or fill(w.get("part_plain"), o)
        if part:
            s += "，" + part
    return s


def _campaigns(ind: dict) -> str | None:
    """The 排查 rounds, named as the ledgers name them (the two held first)."""
    c = get_path(ind, "work", "campaigns") or []
    total = get_path(ind, "work", "activities", "排查") or {}
    if not c or not total.get("count"):
        return None
    names = "、".join(x["name"] for x in c[:2]) + ("等" if len(c) > 2 else "")
    w = _w(ind)["activities"]["排查"]
    f = {**_fields(total), "names": names}
    return fill(w["all"], f) or fill(w["all_plain"], f)


def lead_monitoring(ind: dict) -> str:
    """The paragraph that opens the county's 防止返贫动态监测: 排查 by name, 走访, 督导
    (the county's own part named), 结对帮扶 coverage."""
    parts = [_kind(ind, "排查", _campaigns(ind)), _kind(ind, "走访"), _kind(ind, "督导")]
    parts = [p for p in parts if p]
    if not parts:
        return ""
    paired = get_path(ind, "monitoring", "paired_share")
    if paired is not None:
        w = _w(ind)
        parts.append(w["paired_all"] if paired >= 100 else fill(w["paired"], {"share": pct(paired)}))
    return _opened(ind, parts, "lead_monitoring")


def lead_employment(ind: dict) -> str:
    """The paragraph that opens the county's 就业帮扶: training and job fairs."""
    parts = [p for p in (_kind(ind, "培训"), _kind(ind, "招聘会")) if p]
    return _opened(ind, parts, "lead_employment") if parts else ""


def _opened(ind: dict, parts: list[str], key: str) -> str:
    """The clauses as one paragraph; a pooled first clause takes the county as its subject
    ("全县全年开展…"), the county's own ("县级…") stands as written."""
    first = parts[0]
    opener = fill(_w(ind)[key], {"all": self_ref(ind, "all"), "period": whole_year(ind)})
    if opener and not first.startswith(tuple(_w(ind)["own_subjects"])):
        parts = [opener + first, *parts[1:]]
    return sentences(parts)


def paragraph_rectification(ind: dict) -> str:
    """问题整改 in the county: the problems fed back to the county and its townships (the
    county's own among them), measures, done, open and overdue — the townships with an
    overdue item are named in 存在问题, not here."""
    r = get_path(ind, "work", "rectification") or {}
    tot = r.get("total") or {}
    if not tot.get("problems"):
        return ""
    w = _w(ind)["rectification"]
    own = get_path(ind, "county_held", "work", "rectification", "total") or {}
    f = {**rectification_fields(r), "all": self_ref(ind, "all"),
         "own": num(own["problems"]) if own.get("problems") and own["problems"] < tot["problems"] else None,
         "towns": num(tot["problems"] - own["problems"]) if own.get("problems") else None}
    first = fill(w["fed_back_own" if f["own"] else "fed_back"], f)
    first += "，" + (fill(w["measures"], f) or w["measures_plain"])
    if tot["done"] == tot["problems"]:
        rest = w["all_done"]
    elif tot.get("overdue"):
        rest = fill(w[overdue_kind(tot)], f)
    else:
        rest = fill(w["open"], f)
    return sentences([first + "，" + rest])


def paragraph_work(ind: dict) -> list[str]:
    """The county's 帮扶力量 and 问题整改 section: the teams (as a township states them, on
    the pooled ledger: "全县35个村选派第一书记35名…") and the rectification; empty
    without ledgers (the section is then left out). The section ends with the 注 naming a
    township that keeps no ledger (:func:`ledger_note`), when there is one."""
    paras = [p for p in (paragraph_teams(ind), paragraph_rectification(ind)) if p]
    return paras + [n for n in (ledger_note(ind),) if n] if paras else []


def ledger_note(ind: dict) -> str:
    """注 naming the townships that keep none of a ledger the others keep (their work is
    then not in the county's ledger figures): "" when every township keeps every ledger
    the dataset has, or when the dataset has none."""
    w = _w(ind)
    kept = [k for k in LEDGERS if get_path(ind, "work", k) is not None]
    gaps: dict[tuple, list[str]] = {}
    for t, row in (ind.get("by_township") or {}).items():
        lacking = tuple(k for k in kept if k not in (row.get("ledgers") or []))
        if lacking:
            gaps.setdefault(lacking, []).append(t)
    if not gaps:
        return ""
    parts = [fill(w["note_missing"], {"towns": "、".join(ts), "ledgers": _and([w["ledger_names"][k] for k in lacking])})
             for lacking, ts in gaps.items()]
    return fill(w["note"], {"missing": "；".join(parts)}) + "。"


def _and(items: list[str]) -> str:
    """"甲、乙和丙": a list as a sentence names it."""
    return "、".join(items[:-1]) + "和" + items[-1] if len(items) > 1 else "".join(items)


def overdue_items(ind: dict, limit: int = 3) -> str | None:
    """The overdue rectification items with the township (or 县本级) they belong to, for
    the county's 存在问题: "石门乡“…”、云岭乡“…”" (the first ``limit``)."""
    out = []
    for t, row in (ind.get("by_township") or {}).items():
        out += [(t, x) for x in row.get("overdue_items") or []]
    own = get_path(ind, "county_held", "work", "rectification", "overdue_items") or []
    out = [(COUNTY_LEVEL, x["description"]) for x in own] + out
    if not out:
        return None
    q = lambda s: "“" + s.replace("“", "‘").replace("”", "’") + "”"  # noqa: E731
    return "、".join(f"{t}{q(x)}" for t, x in out[:limit]) + ("等" if len(out) > limit else "")
