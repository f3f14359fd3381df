"""The topics of a report, found in their modules, and everything computed for a township.

A topic is one module of this package that declares ``TOPIC`` (its notebook, title, the
keys of ``indicators.json`` it states and its section number), ``RULES`` (its flag rules)
and ``compute(tables, township, year, report_date, policy, notes) -> {key: figures}``.
This module finds them, so the notebooks, the report, the county summary and the batch
all read one list; adding a topic is its module, its notebook and its wording entries.
"""
from __future__ import annotations

import datetime as dt
import importlib
import pkgutil

import zhenxing.topics
from zhenxing.topics import plausibility
from zhenxing.topics.base import county_of, prep
from zhenxing.topics.flags import SEVERITY, THEMES
from zhenxing.topics.problems import flag_sentence

# the modules that serve every topic (and the county summary, which reads this one)
SHARED = {"base", "flags", "problems", "registry", "county", "county_work", "county_compare", "plausibility"}


def topic_modules() -> list:
    """Every module of :mod:`zhenxing.topics` that declares ``TOPIC``, in section order."""
    found = []
    for info in pkgutil.iter_modules(zhenxing.topics.__path__):
        if info.name in SHARED:
            continue
        mod = importlib.import_module(f"zhenxing.topics.{info.name}")
        if hasattr(mod, "TOPIC"):
            found.append(mod)
    return sorted(found, key=lambda m: m.TOPIC.section)


MODULES = topic_modules()
NOTEBOOKS = tuple(m.TOPIC for m in MODULES)
# notebook name → its key of indicators.json; notebook name → title; → every key it records
TOPICS = {t.notebook: t.key for t in NOTEBOOKS}
TOPIC_TITLES = {t.notebook: t.title for t in NOTEBOOKS}
TOPIC_KEYS = {t.notebook: t.keys for t in NOTEBOOKS if len(t.keys) > 1}
# every topic's flag rules, in section order: the order flags are listed when severity
# and theme tie. A rule is ``fn(ind, policy) -> list[flag]``; it skips a null figure.
RULES = tuple(rule for m in MODULES for rule in m.RULES)


def flags(ind: dict, policy: dict) -> list[dict]:
    """Flags (存在问题): indicators compared with a policy target or a clear standard.

    Each flag is ``{topic, theme, rule, severity, values, message}``:

    * ``topic`` — the indicators key it comes from (``monitoring``, ``income``, …);
    * ``theme`` — one of :data:`THEMES`; the report gives one 存在问题 item and one
      工作打算 item per theme;
    * ``rule`` — the rule's name; ``report/templates/wording.yaml`` holds its
      sentence (``problems.rules.<rule>``), a county may override it;
    * ``severity`` — ``high`` | ``medium`` | ``low`` (items are ordered by it);
    * ``values`` — the numbers the sentence states, plain numbers. One flag per rule:
      nested thresholds and successive checkpoints of one rule are one flag with a list
      (``below_threshold``: ``{"levels": [{threshold, households, persons}, …]}``, the
      widest first; ``spend_progress``: ``{"checkpoints": [{date, paid_rate, target}, …]}``,
      the missed ones in date order);
    * ``message`` — the sentence in the default wording (for readers of
      indicators.json; the report rebuilds it from ``values``, never the reverse).

    Rules are :data:`RULES`, each in its topic's module. A rule skips a null figure:
    missing data never raises a flag (``ind["not_stated"]`` says what is missing).
    Deliberately not flags: unresolved monitoring objects as such (policy warns against
    rushing 风险消除), dismissals for 不履职 (management, stated in the posts paragraph),
    the industry share of one township (a county target, see ``funds.industry_share`` in
    the county summary).
    """
    out: list[dict] = []
    for fn in RULES:
        out += fn(ind, policy) or []
    rank = {s: i for i, s in enumerate(SEVERITY)}
    return [with_message(f) for f in sorted(out, key=lambda f: (rank[f["severity"]], THEMES.index(f["theme"])))]


def with_message(flag: dict) -> dict:
    """The flag with its default sentence when its rule gave none."""
    if flag.get("message") is None:
        flag["message"] = flag_sentence(flag)
    return flag


def compute(tables: dict, township: str, year: int, report_date, policy: dict) -> dict:
    """The full content of indicators.json for (township, year) at report_date: every
    topic's keys, in section order.

    ``not_stated`` lists every figure left null for want of data, with its cause; it holds
    the entries of ``basic`` too, which the notebooks compute separately."""
    if isinstance(report_date, dt.datetime):
        report_date = report_date.date()
    tables, _ = prep(tables)
    notes: list[dict] = []
    ind = {"township": township, "county": county_of(tables, township), "year": int(year),
           "report_date": report_date.isoformat()}
    for mod in MODULES:
        ind.update(mod.compute(tables, township, year, report_date, policy, notes))
    # figures a reader would not believe are nulled, with their reason, before any flag
    plausibility.gate(ind, tables, township, year, report_date, notes)
    ind["not_stated"] = notes
    ind["flags"] = flags(ind, policy)
    return ind


# =============================================================================
# Topics from the core tables and from the optional tables
# (indicators.md "More topics from the core tables", "Topics from the optional
# tables"). Each function is pure, returns None when its tables are absent and
# notes every null figure in ``not_stated`` like the topics above. Keys added to
# an existing topic (funds.projects_by_type, employment.by_mode, …) come from the
# ``*_more`` functions and are merged into that topic's dict by ``compute``.
#
# Null rules:
# * monitoring.main_risk_types: when ``by_risk_type`` is null.
# * relocation (households [+ members, work]): whole topic when households is absent,
#   T has no household or 是否易地扶贫搬迁 is absent. labor_force/workers/work_rate/
#   zero_employment_households when members is absent; the last three when work is
#   absent or has no row of Y for T's members (as employment).
# * security (households [+ members]): whole topic when households is absent or T has
#   no household. dibao/tekun per column; unable_to_work_unsecured when members,
#   风险消除日期, 是否低保户 or 是否特困供养 is absent; the insured rates when members
#   or their column is absent (pension also when 在校生状况 is absent), or when no
#   member has the column filled.
# * education (households + members): whole topic when either is absent or T has no
#   member; compulsory_age_not_in_school and students_by_stage when 在校生状况 is absent.
# * funds.projects_by_type/beneficiaries/start_progress: with funds; beneficiaries
#   when 受益脱贫人口数 is absent, start_progress when 开工日期 is absent or the
#   policy sets no ``start_progress``.
# * employment.by_mode/stable_workers: null when ``employment.workers`` is; by_mode
#   when 就业方式 is absent, stable_workers when 务工月数 is absent.
# * income.per_capita_wage/per_capita_business_net: null when the income topic is or
#   no covered household has an income row of Y.
# * credit (credit + households), assistance (assistance + households), education_aid
#   (education_aid + members + households), assets (assets), villages (villages): whole
#   topic when a table is absent; figures per column as documented in each function.
# =============================================================================
