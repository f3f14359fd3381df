"""The topics of a report, in order, and everything computed for a township.

One place says which topics there are (:data:`NOTEBOOKS`: the notebook, its title, the
keys of ``indicators.json`` it states), so the notebooks, the report, the county summary
and the batch all read the same list; :func:`compute` gives every indicator of a
township and :func:`flags` runs every topic's flag rules.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from zhenxing.topics import (
    credit,
    education,
    employment,
    funds,
    income,
    monitoring,
    posts,
    security,
)
from zhenxing.topics.base import county_of, prep
from zhenxing.topics.flags import SEVERITY, THEMES
from zhenxing.topics.problems import flag_sentence


@dataclass(frozen=True)
class Topic:
    """One section of the report: its notebook, its title and the keys of
    ``indicators.json`` it states (its own key first)."""
    notebook: str
    title: str
    keys: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.keys[0]


# in the order of the report's sections
NOTEBOOKS = (
    Topic("monitoring", "防止返贫动态监测", ("monitoring", "villages")),
    Topic("income", "脱贫人口和监测对象收入", ("income",)),
    Topic("employment", "就业帮扶", ("employment",)),
    Topic("funds", "衔接资金项目", ("funds", "assets")),
    Topic("public_posts", "公益性岗位", ("posts",)),
    Topic("social_security", "兜底保障和易地扶贫搬迁后续扶持", ("security", "assistance", "relocation")),
    Topic("education", "教育帮扶", ("education", "education_aid")),
    Topic("credit", "小额信贷", ("credit",)),
)
# notebook name → its key of indicators.json; notebook name → title; → every key it records
TOPICS = {t.notebook: t.key for t in NOTEBOOKS}
TOPIC_TITLES = {t.notebook: t.title for t in NOTEBOOKS}
TOPIC_KEYS = {t.notebook: t.keys for t in NOTEBOOKS if len(t.keys) > 1}

# The flag rules of every topic, in the order their flags are listed when severity and
# theme tie. A rule is ``fn(ind, policy) -> list[flag]``; it skips a null figure.
RULES = (
    monitoring.flag_identification_days,
    income.flag_income_below, income.flag_income_declined, income.flag_income_growth,
    employment.flag_zero_employment,
    funds.flag_spend_progress,
    security.flag_unsecured_no_labour,
    education.flag_out_of_school,
    income.flag_income_targets,
    employment.flag_stable_work,
    funds.flag_start_progress, funds.flag_assets_unregistered,
    credit.flag_overdue_loans,
)


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
    """The full content of indicators.json for (township, year) at report_date.

    ``not_stated`` lists every figure left null for want of data, with its cause; it holds
    the entries of ``basic`` too, which the notebooks compute separately. Keys are in the
    order indicators.json has always had them: the topics of the core tables, the
    figures each adds from further columns, then the topics of further tables."""
    if isinstance(report_date, dt.datetime):
        report_date = report_date.date()
    tables, _ = prep(tables)
    notes: list[dict] = []
    args = (tables, township, year, report_date)
    monitoring.basic(tables, township, report_date, notes=notes)
    ind = {
        "township": township,
        "county": county_of(tables, township),
        "year": int(year),
        "report_date": report_date.isoformat(),
        "monitoring": monitoring.monitoring(*args, policy, notes=notes),
        "income": income.income(*args, policy, notes=notes),
        "employment": employment.employment(*args, notes=notes),
        "funds": funds.funds(*args, policy, notes=notes),
        "posts": posts.posts(*args, notes=notes),
    }
    if ind["monitoring"] is not None:
        ind["monitoring"].update(monitoring.main_risk_types(ind["monitoring"]))
    if ind["funds"] is not None:
        ind["funds"].update(funds.project_details(*args, policy, notes) or {})
    if ind["employment"] is not None:
        ind["employment"].update(employment.work_modes_and_stability(*args, ind["employment"], notes) or {})
    if ind["income"] is not None:
        ind["income"].update(income.wage_and_business_income(*args, policy, ind["income"]) or {})
    ind["relocation"] = security.relocation(*args, notes)
    ind["security"] = security.security(*args, notes)
    ind["education"] = education.education(*args, notes)
    ind["credit"] = credit.credit(*args, notes)
    ind["assistance"] = security.assistance(*args, notes)
    ind["education_aid"] = education.education_aid(*args, notes)
    ind["assets"] = funds.assets(*args, notes)
    ind["villages"] = monitoring.villages(*args, notes)
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
