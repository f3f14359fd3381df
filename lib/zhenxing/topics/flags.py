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
