"""存在问题 and {Y+1}年工作打算: the sentences built from flags and the plan, theme by theme.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from zhenxing.topics.flags import SEVERITY, THEMES, gap
from zhenxing.topics.income import below_text, income_levels
from zhenxing.topics.monitoring import main_risks
from zhenxing.words.numbers import (
    change,
    decimal_of,
    hp,
    num,
    pct,
    persons,
    round_half_up,
    wan,
    yuan,
)
from zhenxing.words.wording import (
    MAX_PROBLEMS,
    ORDINALS,
    TOPIC_THEMES,
    checkpoint,
    each_phrase,
    fill,
    report_date_of,
    self_ref,
    sentences,
    target,
    wording,
    yuan_target,
)


# ---------------------------------------------------------------- 存在问题
def _rule_fields(flag: dict, ind: dict | None) -> dict:
    """Formatted fields of a flag's sentence, from its ``values``."""
    v = flag.get("values") or {}
    rule = flag.get("rule")
    if rule == "identification_days":
        return {"over_limit": v.get("over_limit"), "limit": v.get("limit"), "max": v.get("max"),
                "median": num(v["median"]) if v.get("median") is not None else None}
    if rule in ("declined",):
        return {"hp": hp(v)}
    if rule == "growth_below_benchmark":
        return {"growth": change(v["growth"]), "benchmark": pct(v["benchmark"]),
                "gap": num(round_half_up(v["gap"], 2))}
    if rule == "zero_employment":
        return {"households": v.get("households")}
    if rule in ("spend_progress", "start_progress"):
        key, quarters = ("paid_rate", True) if rule == "spend_progress" else ("start_rate", False)
        # a rate of 0 is said in words ("一季度末尚未拨付资金"), the others as figures
        cps = [c for c in v.get("checkpoints") or [] if round_half_up(c[key], 2) != 0]
        zero = [c for c in v.get("checkpoints") or [] if round_half_up(c[key], 2) == 0]
        basis = {"issued": "按截至各节点已下达的资金计算", "approved": "按全年批复资金计算"}
        return {"names": "、".join(checkpoint(c["date"], ind, quarters=quarters) for c in cps) or None,
                "rates": "、".join(pct(c[key]) for c in cps) or None,
                "targets": "、".join(target(c["target"]) for c in cps) or None, "each": each_phrase(cps),
                "zero_names": "、".join(checkpoint(c["date"], ind, quarters=quarters) for c in zero) or None,
                "basis": basis.get((v.get("checkpoints") or [{}])[0].get("basis", "approved"))}
    if rule == "monitored_income_fell":
        return {"value": yuan(v["value"]), "change": change(v["growth"])}
    if rule == "medical_insured_below":
        return {"rate": pct(v["rate"]), "target": target(v["target"]), "uninsured": v.get("uninsured")}
    if rule in ("wage_below_target", "business_below_target"):
        return {"value": yuan(v["value"]), "target": yuan_target(v["target"])}
    # other rules by the names of their values: {h, p} → "N户M人"; *rate/*share → "66.17%";
    # target → "60%"; amount → "2.5万元"; other numbers plainly
    out = {}
    for k, x in v.items():
        if isinstance(x, dict) and "households" in x and "persons" in x:
            out[k] = hp(x)
        elif isinstance(x, bool) or x is None:
            continue
        elif isinstance(x, str):      # names (villages, problems) as the sentence states them
            out[k] = x
        elif isinstance(x, (int, float, Decimal)):
            if k.endswith(("rate", "share")):
                out[k] = pct(x)
            elif k == "target":
                out[k] = target(x)
            elif k == "amount":
                out[k] = wan(x)
            else:
                out[k] = num(round_half_up(x, 2))
    if "households" in v and "persons" in v:
        out["hp"] = hp(v)
    return out


def flag_sentence(flag: dict, ind: dict | None = None) -> str:
    """The numbers of a flag as one sentence (no judgement, no full stop), from its
    ``values`` and the wording ``problems.rules.<rule>``; the flag's ``message`` for a rule
    the wording does not know."""
    rw = wording(ind)["problems"]["rules"].get(flag.get("rule")) or {}
    if flag.get("rule") == "below_threshold":
        return below_text((flag.get("values") or {}).get("levels") or [], rw)
    if flag.get("rule") in ("spend_progress", "start_progress"):
        f = _rule_fields(flag, ind)
        zero_key = "none_paid" if flag["rule"] == "spend_progress" else "none_started"
        parts = [fill(rw.get(zero_key), {"names": f["zero_names"]}) if f.get("zero_names") else None,
                 fill(rw.get("sentence"), f) if f.get("rates") else None]
        parts = [p for p in parts if p]
        if parts:
            return "；".join(parts)
    s = fill(rw.get("sentence"), _rule_fields(flag, ind))
    if s:
        return s
    return (flag.get("message") or "").rstrip("。") or str(flag.get("rule"))


def theme_of(flag: dict) -> str:
    return flag.get("theme") or TOPIC_THEMES.get(flag.get("topic"), "其他")


def themed(flags: list[dict], ind: dict | None = None) -> list[tuple[str, list[dict]]]:
    """Flags grouped by theme. Themes are ordered by their most severe flag, then by how far
    their figures are from the target (:func:`zhenxing.topics.flags.gap`, the largest of the
    theme's flags first: what stands out for *this* township leads), then by the theme list
    of ``THEMES``; flags within a theme likewise (severity, then distance from the target)."""
    rank = {s: i for i, s in enumerate(SEVERITY)}
    order = {t: i for i, t in enumerate(THEMES)}
    far = {id(f): gap(f, ind) for f in flags or []}
    groups: dict[str, list[dict]] = {}
    for f in sorted(flags or [], key=lambda f: (rank.get(f.get("severity"), len(rank)), -far[id(f)])):
        groups.setdefault(theme_of(f), []).append(f)

    def key(item):
        _, fl = item
        return (min(rank.get(f.get("severity"), len(rank)) for f in fl),
                -max(far[id(f)] for f in fl), order.get(item[0], len(order)))
    return sorted(groups.items(), key=key)


def problems(flags: list[dict], ind: dict | None = None) -> list[str]:
    """存在问题: one item per theme, at most five, "一是{judgement}。{numbers}。", ordered by
    severity; one plain sentence when there is no flag."""
    w = wording(ind)["problems"]
    if not flags:
        return [w["none"].rstrip("。") + "。"]
    out = []
    for i, (theme, fl) in enumerate(themed(flags, ind)[:MAX_PROBLEMS]):
        rules = list(dict.fromkeys(f.get("rule") for f in fl))
        if len(rules) == 1:
            judgement = (w["rules"].get(rules[0]) or {}).get("judgement")
        else:
            judgement = None
        judgement = judgement or (w["themes"].get(theme) or {}).get("judgement") or f"{theme}工作还有短板"
        details = sentences(flag_sentence(f, ind) for f in fl)
        out.append(fill(w["item"], {"ordinal": ORDINALS[i], "judgement": judgement, "details": details}))
    return out


# ---------------------------------------------------------------- {Y+1}年工作打算
def plan_heading(ind: dict) -> str:
    return fill(wording(ind)["plan"]["heading"], {"next": int(ind["year"]) + 1})


def _policy_next(policy: dict, name: str):
    ny = (policy or {}).get("next_year") or {}
    v = ny.get(name)
    return v if v is not None else (policy or {}).get(name)


def _future_checkpoints(progress: dict | None, year: int, after: dt.date | None) -> list[tuple[str, float]]:
    out = []
    for mmdd, t in (progress or {}).items():
        m, d = (int(x) for x in str(mmdd).split("-"))
        if after is None or dt.date(year, m, d) > after:
            out.append((f"{m:02d}-{d:02d}", t))
    return sorted(out)


def _plan_fields(theme: str, ind: dict, policy: dict, fl: list[dict], projects: list[str] | None) -> dict:  # noqa: C901 — one block per theme
    """The fields of one theme's plan item: each clause of the wording whose fields are all
    here is written. Targets for Y+1 come from ``policy["next_year"]`` (else this year's
    policy), or from this year's figures; nothing dated on or before the report date."""
    year = int(ind["year"])
    f = {"next": year + 1, "year": year, "all": self_ref(ind, "all"), "we": self_ref(ind, "we")}
    rules = {x.get("rule") for x in fl}
    own = wording(ind)["plan"].get("rules") or {}
    handled = {"identification_days", "below_threshold", "declined", "growth_below_benchmark",
               "zero_employment", "spend_progress", "start_progress", *own}
    left = [x for x in fl if x.get("rule") not in handled]
    if left:
        f["problems"] = "；".join(flag_sentence(x, ind) for x in left)
    if theme == "监测帮扶":
        m = ind.get("monitoring") or {}
        limit = _policy_next(policy, "identification_days_max")
        if limit is not None:
            f["identify_late" if "identification_days" in rules else "identify"] = True
            f["limit"] = num(limit)
        un = m.get("unresolved") or {}
        if un.get("households"):
            f["unresolved"] = hp(un)
            vil = [(k, x["unresolved"]) for k, x in (m.get("by_village") or {}).items()
                   if (x or {}).get("unresolved") and x["unresolved"].get("households")]
            if vil:
                k, x = min(vil, key=lambda kv: (-kv[1]["households"], -kv[1]["persons"], kv[0]))
                f["village"], f["village_hp"] = k, hp(x)
            risks = main_risks(m)
            if risks:
                f["risks"] = "、".join(r["type"] for r in risks)
        if m:
            f["eliminate"] = True
    elif theme == "增收":
        inc = ind.get("income") or {}
        bench = inc.get("rural_benchmark_growth")
        if bench is None:
            bench = (policy or {}).get("rural_benchmark_growth")
        g = (inc.get("growth") or {}).get("covered")
        # the yardstick is the county's rural per-capita disposable income growth; without
        # that figure the plan states the standard in words, never this year's own growth
        if bench is not None:
            f["growth_target"] = True
        elif g is not None or inc.get("per_capita_net"):
            f["growth_standard"] = True
        levels = income_levels(inc.get("below") or {})
        floor = _policy_next(policy, "income_floor")
        if floor is None and (policy or {}).get("income_thresholds"):
            floor = min(float(x) for x in policy["income_thresholds"])
        if levels and floor is not None:
            f["threshold"], f["hp"], f["floor"] = yuan_target(levels[0]["threshold"]), hp(levels[0]), yuan_target(floor)
        dec = inc.get("declined") or {}
        if dec.get("households"):
            f["declined"] = hp(dec)
        if inc:
            f["standing"] = True
    elif theme == "就业":
        e = ind.get("employment") or {}
        w = e.get("workers") or {}
        if w.get("total"):
            f["workers"] = persons(w["total"])
        if e.get("zero_employment_households"):
            f["zero"] = e["zero_employment_households"]
        ip = (ind.get("posts") or {}).get("in_post") or {}
        if ip.get("total"):
            f["in_post"] = persons(ip["total"])
    elif theme == "资金项目":
        fu = ind.get("funds") or {}
        d = report_date_of(ind)
        rate = fu.get("paid_rate")
        rest = [(c, t) for c, t in _future_checkpoints((policy or {}).get("spend_progress"), year, d)
                if rate is None or rate < t]
        if rest and fu.get("projects"):
            f["rest_of_year"] = True
            f["rest_names"] = "、".join(checkpoint(c, ind) for c, _ in rest)
            f["rest_targets"] = "、".join(target(t) for _, t in rest)
            f["rest_each"] = each_phrase(rest)
        ap = (fu.get("approved") or {}).get("total")
        if fu.get("projects") and ap is not None and fu.get("paid") is not None:
            left = decimal_of(ap) - decimal_of(fu["paid"])
            if round_half_up(left, 2) > 0:
                # the year said once per sentence: after "2023年三季度末…前" the money is "已安排项目…"
                f["unpaid_in_year" if f.get("rest_of_year") else "unpaid"] = wan(left)
        if projects:
            f.update(project_groups(projects))
        sp = _future_checkpoints(_policy_next(policy, "spend_progress"), year + 1, None)
        if sp:
            f["spend"] = (["、".join(checkpoint(c, ind) for c, _ in sp), "、".join(target(t) for _, t in sp), each_phrase(sp)])
        st = _future_checkpoints(_policy_next(policy, "start_progress"), year + 1, None)
        if st:
            f["start"] = (["、".join(checkpoint(c, ind, quarters=False) for c, _ in st), "、".join(target(t) for _, t in st), each_phrase(st)])
        if fu:
            f["standing"] = True
    return f


def project_groups(projects: list) -> dict:
    """The unfinished projects of the plan by what is to be done: works under way
    (``projects``: 加快建设、完工验收、确权), projects not started (``not_started``: named as
    such), other projects under way (``in_progress``: fees, training, subsidies — nothing to
    build or register). Plain names (an older caller) count as works under way."""
    groups: dict[str, list[str]] = {"projects": [], "not_started": [], "in_progress": []}
    for p in projects:
        if isinstance(p, str):
            groups["projects"].append(p)
        elif p.get("started") is False:
            groups["not_started"].append(p["name"])
        elif p.get("works", True):
            groups["projects"].append(p["name"])
        else:
            groups["in_progress"].append(p["name"])
    return {k: "、".join(v) for k, v in groups.items() if v}


# clause → the fields that make it apply (besides those its template names)
_CLAUSE_NEEDS = {
    "identify": ("identify",), "identify_late": ("identify_late",), "eliminate": ("eliminate",),
    "growth_target": ("growth_target",), "growth_standard": ("growth_standard",), "standing": ("standing",),
    "rest_of_year": ("rest_of_year",), "spend": ("spend",), "start": ("start",),
    # clauses that name what to act on without restating its count (存在问题 states it)
    "unresolved": ("unresolved",), "below": ("hp",), "declined": ("declined",), "zero": ("zero",),
}


def _clause(name: str, template: str, fields: dict) -> str | None:
    if any(not fields.get(k) for k in _CLAUSE_NEEDS.get(name, ())):
        return None
    local = dict(fields)
    if name == "rest_of_year":
        local.update(names=fields["rest_names"], targets=fields["rest_targets"], each=fields["rest_each"])
    elif name in ("spend", "start"):
        local["names"], local["targets"], local["each"] = fields[name]
    return fill(template, local)


def plan(ind: dict, policy: dict | None = None, flags: list[dict] | None = None,
         projects: list[str] | None = None) -> list[str]:
    """{Y+1}年工作打算: one item per theme that has a flag or a standing duty (a topic with
    data: monitoring, income, employment/posts, funds), "一是{title}。{clauses}。" —
    monitoring first, then the themes in the order of 存在问题, then the standing duties —, each
    forward-looking with its Y+1 target and the local specifics (the village with most
    unresolved households, the unfinished ``projects`` by name)."""
    flags = ind.get("flags", []) if flags is None else flags
    w = wording(ind)["plan"]
    ordered = themed(flags, ind)
    by_theme = dict(ordered)
    standing = {"监测帮扶": ind.get("monitoring"), "增收": ind.get("income"),
                "就业": ind.get("employment") or ind.get("posts"), "资金项目": ind.get("funds")}
    # monitoring first (the bottom line), then the themes of 存在问题 in their order (the
    # furthest from target first), then the standing duties without a problem
    themes = ["监测帮扶"] if "监测帮扶" in by_theme or standing.get("监测帮扶") else []
    themes += [t for t, _ in ordered if t not in themes]
    themes += [t for t in THEMES if standing.get(t) and t not in themes]
    out = []
    for theme in themes:
        tw = w["themes"].get(theme) or w["fallback"]
        fields = _plan_fields(theme, ind, policy or {}, by_theme.get(theme, []), projects)
        fields["theme"] = theme
        clauses = [_clause(name, tpl, fields) for name, tpl in (tw.get("clauses") or {}).items()]
        for fl in by_theme.get(theme, []):   # a sentence for each flagged rule the wording plans for
            tpl = (w.get("rules") or {}).get(fl.get("rule"))
            if tpl:
                clauses.append(fill(tpl, {**_rule_fields(fl, ind), "next": fields["next"], "year": fields["year"]}))
        clauses = list(dict.fromkeys(c for c in clauses if c))
        if not clauses and theme in by_theme:
            clauses = [_clause(n, t, fields) for n, t in w["fallback"]["clauses"].items()]
            clauses = [c for c in clauses if c]
        if not clauses:
            continue
        title = fill(tw.get("title"), fields) or fill(w["fallback"]["title"], fields)
        out.append(fill(w["item"], {"ordinal": ORDINALS[len(out)], "title": title, "details": sentences(clauses)}))
    if not out:
        out.append("持续做好防止返贫动态监测和帮扶工作，巩固拓展脱贫攻坚成果。")
    return out


def next_steps(flags: list[dict], ind: dict | None = None, policy: dict | None = None,
               projects: list[str] | None = None) -> list[str]:
    """The plan items (kept under its old name): see :func:`plan`."""
    ind = dict(ind or {"year": dt.date.today().year})
    return plan(ind, policy, flags, projects)
