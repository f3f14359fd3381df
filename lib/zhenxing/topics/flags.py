"""Flags (存在问题): the themes and severities a flag rule may use, and :func:`make_flag`.
The rules themselves live in their topic's module; :mod:`zhenxing.topics.registry` runs them.
"""
from __future__ import annotations

# ---------------------------------------------------------------- flags
# Themes of 存在问题 and of the {Y+1}年工作打算, in the order the report lists them when
# their severities tie. A rule names one of them; the report gives one item per theme.
THEMES = (
    "监测帮扶",   # 防止返贫动态监测：识别认定时效
    "兜底保障",   # 兜底 gaps (no labour, no 低保/特困), 控辍保学 (compulsory-age children out of school)
    "增收",       # income below thresholds, income falling, growth below the rural benchmark
    "就业",       # zero-employment households, stable-work shortfall
    "资金项目",   # spending checkpoints, project start progress, project assets not registered
    "金融帮扶",   # overdue 小额信贷
    "整改落实",   # a rectification item (问题整改台账) overdue at the report date
    "帮扶力量",   # a 脱贫村 with no 驻村工作队 posted
)
SEVERITY = ("high", "medium", "low")   # rank: high first


def make_flag(topic: str, theme: str, rule: str, severity: str, values: dict, message: str | None = None) -> dict:
    """One flag. ``values`` holds every number the sentence states, as plain numbers
    (never formatted text); ``message`` defaults to the sentence the default wording makes
    from them (:func:`zhenxing.topics.problems.flag_sentence`), filled in by
    :func:`zhenxing.topics.registry.flags` once every rule has run."""
    assert theme in THEMES, theme
    assert severity in SEVERITY, severity
    f = {"topic": topic, "theme": theme, "rule": rule, "severity": severity, "values": values}
    f["message"] = message
    return f


# ---------------------------------------------------------------- how far from the target
def _covered_households(ind: dict) -> int | None:
    """Covered households (脱贫户和监测对象) of a township's indicators, the pool most counts
    of a flag are drawn from."""
    ind = ind or {}
    for path in (("security", "paired", "covered"), ("assistance", "covered_base", "covered")):
        d = ind
        for p in path:
            d = d.get(p) if isinstance(d, dict) else None
        if d:
            return int(d)
    basic = ind.get("basic") or {}
    n = ((basic.get("exited_poor") or {}).get("households") or 0) + \
        ((basic.get("monitoring_objects") or {}).get("households") or 0)
    return n or None


def _short(value, goal) -> float:
    """The share of ``goal`` not reached by ``value`` (0 when reached)."""
    if value is None or not goal:
        return 0.0
    return max(0.0, (float(goal) - float(value)) / float(goal))


def _share(part, whole) -> float:
    return float(part or 0) / float(whole) if whole else 0.0


def gap(flag: dict, ind: dict | None = None) -> float:  # noqa: C901 — one line per rule
    """How far a flag's figure is from its target, as a share between 0 and 1: the share of
    a rate target not reached (the worst checkpoint of a schedule), the share of the pool a
    count that should be zero is drawn from (0 when that pool is not known). Only an order (the 存在问题 list, what leads a
    section): never stated. A rule it does not know counts as 0."""
    v = flag.get("values") or {}
    rule = flag.get("rule")
    covered = _covered_households(ind or {})
    if rule in ("spend_progress", "start_progress"):
        key = "paid_rate" if rule == "spend_progress" else "start_rate"
        return max((_short(c.get(key), c.get("target")) for c in v.get("checkpoints") or []), default=0.0)
    if rule == "medical_insured_below":   # "稳定在99%以上": the share of the 1% allowed, exceeded
        room = 100 - float(v.get("target") or 100)
        return min(1.0, (float(v["target"]) - float(v["rate"])) / room) if room > 0 else 1.0
    if rule == "assets_unregistered":
        return _share(v.get("unregistered"), v.get("count"))
    if rule == "identification_days":
        return _share(v.get("over_limit"), v.get("counted"))
    if rule == "below_threshold":
        levels = v.get("levels") or [{}]
        return min(1.0, _share(levels[0].get("households"), covered))
    if rule in ("declined", "unsecured_no_labour", "housing_unsafe", "water_unsafe", "zero_employment"):
        return min(1.0, _share(v.get("households"), covered))
    if rule == "out_of_school":
        students = ((ind or {}).get("education") or {}).get("students") or 0
        return min(1.0, _share(v.get("persons"), students + int(v.get("persons") or 0)))
    if rule == "overdue_loans":
        out = (((ind or {}).get("credit") or {}).get("outstanding") or {}).get("count")
        return min(1.0, _share(v.get("count"), out))
    if rule == "rectification_overdue":
        total = ((((ind or {}).get("work") or {}).get("rectification") or {}).get("total") or {}).get("problems")
        return min(1.0, _share(v.get("overdue"), total))
    if rule == "poverty_village_without_team":
        villages = ((ind or {}).get("villages") or {}).get("poverty_exited")
        return min(1.0, _share(v.get("count"), villages))
    if rule == "growth_below_benchmark":
        return _short(v.get("growth"), v.get("benchmark"))
    if rule == "monitored_income_fell":
        return min(1.0, max(0.0, -float(v.get("growth") or 0) / 100))
    if rule == "transfer_share_high":
        return min(1.0, max(0.0, (float(v["share"]) - float(v["target"])) / float(v["target"]))) if v.get("target") else 0.0
    if rule in ("stable_work_shortfall",):
        return _short(v.get("share"), v.get("target"))
    if rule in ("wage_below_target", "business_below_target"):
        return _short(v.get("value"), v.get("target"))
    return 0.0


def flag_of(ind: dict, rule: str) -> dict | None:
    """The township's flag of ``rule``, if raised."""
    return next((f for f in (ind or {}).get("flags") or [] if f.get("rule") == rule), None)


def gap_of(ind: dict, *rules: str) -> float:
    """The largest :func:`gap` of the township's flags of ``rules`` (0 when none is raised)."""
    return max((gap(f, ind) for f in (ind or {}).get("flags") or [] if f.get("rule") in rules), default=0.0)
