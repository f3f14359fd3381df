"""The plausibility gate (indicators.md, "Figures a reader would not believe").

A figure that contradicts the data around it is not stated as a fact. :func:`gate` runs
after every topic has computed its figures and before any flag or sentence is made: a
figure that fails a check is set to ``null`` and a ``not_stated`` entry with cause
``implausible`` and its reason (in plain words, ending "需核实后填报") is added. The
paragraph of its topic then says once that the data needs checking (``words.wording.
not_stated``), and no 存在问题 or plan item is built on it (every rule skips a null).

Checks, each on the rows the figure is drawn from:

* students: no member of the covered households is recorded as a student (在校生状况
  other than 非在校生) while some are aged 6–15 on 1 September of Y — the column is then
  unfilled in practice, not a township of dropouts;
* an insured rate over a column filled for under half of the people it covers;
* 务工 persons recorded as 无劳动力 or 丧失劳动力, in bulk (over 5% of the year's
  workers): the 劳动技能 column is then unreliable, and with it the labour force and
  the 零就业家庭 it defines;
* persons who benefit or work: never more than the people they are drawn from.
"""
from __future__ import annotations

import pandas as pd

from zhenxing.topics.base import (
    age_on,
    households,
    prep,
    town_households,
    ts,
    year_is,
)

IMPLAUSIBLE = "implausible"
NO_LABOUR = ("无劳动力", "丧失劳动力")
NO_LABOUR_WORKERS_MAX = 5      # percent of the year's workers
FILLED_MIN = 50                # percent of the people a rate covers


def _fail(ind: dict, notes: list, topic: str, keys, reason: str, table: str, column: str | None) -> None:
    """Null ``ind[topic][key]`` for each key and note why (once per key)."""
    d = ind.get(topic)
    if not isinstance(d, dict):
        return
    for k in keys:
        if k in d:
            d[k] = None
        entry = {"topic": topic, "key": k, "cause": IMPLAUSIBLE, "table": table, "column": column,
                 "reason": reason}
        notes[:] = [e for e in notes if not (e.get("topic") == topic and e.get("key") == k)]
        notes.append(entry)


def students_check(n_school_age: int, n_students: int) -> str | None:
    """The reason the student figures are not believed, or None.

    >>> students_check(46, 0) is not None
    True
    >>> students_check(46, 1) is None and students_check(0, 0) is None
    True
    """
    if n_school_age and not n_students:
        return (f"脱贫户和监测对象家庭成员中6至15周岁的{n_school_age}人无一登记为在校生，"
                "在校生状况登记不全，控辍保学和在校生情况需核实后填报")
    return None


def filled_check(what: str, filled: int, people: int) -> str | None:
    """The reason a rate over a sparsely filled column is not believed, or None (a column
    filled for under half of the people it covers)."""
    if people and filled * 100 < FILLED_MIN * people:
        return f"{what}只登记了{filled}人，不到应登记的{people}人的一半，参保率需核实后填报"
    return None


def labour_check(workers: int, no_labour_workers: int) -> str | None:
    """The reason the labour-force figures are not believed, or None (over 5% of workers
    recorded as having no labour)."""
    if workers and no_labour_workers * 100 > NO_LABOUR_WORKERS_MAX * workers:
        return (f"务工的{workers}人中有{no_labour_workers}人登记为无劳动力或丧失劳动力，劳动技能信息需核实，"
                "劳动力人数和零就业家庭情况需核实后填报")
    return None


def gate(ind: dict, tables: dict, township, year: int, report_date, notes: list) -> dict:
    """Apply every check to the indicators of (township, year) in place; return ``ind``."""
    tables, absent = prep(tables)
    if tables.get("households") is None or tables.get("members") is None:
        return ind
    d = ts(report_date)
    hh = households(tables, township)
    if hh.empty:
        return ind
    hh, covered = town_households(tables, township, d, absent)
    mem = tables["members"]
    cm = mem[mem["户编号"].isin(covered["户编号"])]
    gone = absent.get("members", set())

    # students
    edu = ind.get("education") or {}
    if edu.get("students_by_stage") is not None and "在校生状况" not in gone:
        age = age_on(cm["出生日期"], pd.Timestamp(year, 9, 1))
        school_age = int(((age >= 6) & (age <= 15)).fillna(False).sum())
        why = students_check(school_age, int(edu.get("students") or 0))
        if why:
            _fail(ind, notes, "education", ("compulsory_age_not_in_school", "students_by_stage", "students"),
                  why, "members", "在校生状况")

    # insured rates over a sparsely filled column
    sec = ind.get("security") or {}
    for key, detail, what, base in (
            ("medical_insured_rate", "medical_insured", "基本医疗保险参保情况", len(cm)),
            ("pension_insured_rate", "pension_insured", "基本养老保险参保情况", None)):
        got = sec.get(detail) or {}
        if sec.get(key) is None or not got:
            continue
        people = base
        if people is None:   # 16+ 非在校生: the rate's own base
            age = age_on(cm["出生日期"], d)
            people = int(((age >= 16).fillna(False) & (cm["在校生状况"] == "非在校生").fillna(False)).sum())
        why = filled_check(what, int(got.get("counted") or 0), int(people))
        if why:
            _fail(ind, notes, "security", (key, detail), why, "members", None)

    # workers recorded as having no labour
    emp = ind.get("employment") or {}
    w = emp.get("workers")
    if w is not None and tables.get("work") is not None and w.get("total"):
        work = tables["work"]
        ids = work.loc[year_is(work["年度"], year) & work["证件号码"].isin(cm["证件号码"]), "证件号码"].unique()
        skills = cm.loc[cm["证件号码"].isin(ids)].drop_duplicates("证件号码")["劳动技能"]
        why = labour_check(int(w["total"]), int(skills.isin(NO_LABOUR).sum()))
        if why:
            _fail(ind, notes, "employment", ("labor_force", "zero_employment_households"), why, "members", "劳动技能")
            if isinstance(ind.get("relocation"), dict):
                _fail(ind, notes, "relocation", ("labor_force", "work_rate", "zero_employment_households",
                                                 "zero_employment_covered"),
                      "劳动技能信息需核实，搬迁家庭劳动力和就业情况需核实后填报", "members", "劳动技能")
    return ind
