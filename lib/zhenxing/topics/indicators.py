"""Indicators of one township and report year, as defined in
``shared/spec/indicators.md``.

Pure functions: they take the validated tables (``docs/architecture.md``), a
township, a report year, a report date and a policy dict, and return plain
JSON-serialisable Python values (int, float, str, None, dict, list). No I/O.

``tables`` may hold several townships; every function filters to the township
itself. A topic whose required tables are absent returns ``None``.

Money is summed with :class:`decimal.Decimal` (``Decimal(str(x))``) and only
converted to ``float`` at the end, so 120.25 + 80.5 + 35.125 + 120.0 gives
exactly 355.875.

Missing data: null, never 0
---------------------------
A figure is ``None`` (``null`` in indicators.json) when the data it needs were
not given; a count is 0 only when the data exist and nothing matched. Three
kinds of "not given" are told apart:

* a **table absent** from the dataset (a missing key of ``tables``);
* a **column absent**: an optional contract column the source file did not have
  — missing from the frame, or listed in ``frame.attrs["absent_columns"]``
  (``contract.load_township`` fills such columns with typed nulls and lists
  them there). See :func:`absent_columns`;
* **no rows**: a present table with no row for this township (households,
  members) or for the year a survey-type table describes (income, work).

Projects and posts are registers of events, not surveys: a township with no
project of year Y had none (``funds.projects`` = 0, the text says
"Y年未安排衔接资金项目"); a township absent from the posts roster has no post
holder (counts 0, the text says there is no record).

``compute`` lists every null figure with its cause in ``ind["not_stated"]``, a
list (in topic order, stable) of::

    {"topic":  "monitoring",            # a TOPICS name, or "basic"
     "key":    "identification_days",   # dotted path inside the topic; None = the whole topic
     "cause":  "column_absent",         # table_absent | column_absent | no_rows | no_prev_year
     "table":  "households",            # the contract table concerned
     "column": "风险发现日期",            # the column concerned, or None
     "reason": "未提供风险发现日期"}       # Chinese clause the report uses

``text`` turns them into one sentence per reason ("未提供风险发现日期，未计算
识别认定用时。", "无上年收入数据，未作比较。"). No flag is ever raised on missing
data: every flag rule skips a null figure.

Null rules (topic → key: when null):

* monitoring (households): whole topic when households is absent or has no row
  of T. ``identification_days`` when 风险发现日期 or 纳入监测日期 is absent.
  ``eliminated``, ``eliminated_in_year``, ``unresolved``, ``by_risk_type`` and
  ``by_village.*.unresolved`` when 风险消除日期 is absent (an absent column is
  not "blank = not eliminated": nobody can tell eliminated from unresolved;
  ``total`` and ``new_in_year`` stay). ``by_risk_type`` also when 主要风险类型
  is absent. ``relocated`` when 是否易地扶贫搬迁 is absent. ``new_in_year`` when
  纳入监测日期 is absent (the contract then allows no category, so ``total`` is
  a true 0; a hand-built frame with categories counts them as objects).
* income (households + income): whole topic when either table is absent, T has
  no household, or no household of T has an income row of Y. With no row of
  Y−1: ``per_capita_net_prev``, ``growth``, ``declined`` and ``growth_gap`` are
  null (not 0, not {0, 0}). A group without rows (e.g. no monitored household)
  has a null per-capita figure — nothing to state, not missing data.
* employment (households + members + work): whole topic when a table is absent,
  T has no household or no member row. No work row of Y for any member of T:
  ``workers``, ``zero_employment_households``, ``wage_income`` null (no 务工 data
  for the year, so no zero-employment flag). No work row of Y−1:
  ``workers_prev``, ``workers_growth`` null. ``wage_income`` when 务工收入 is
  absent.
* funds (projects): whole topic when projects is absent. No payments table:
  ``paid``, ``paid_rate``, ``progress`` null (a header-only payments table is a
  true 0: nothing paid yet). ``started``/``start_rate`` when 开工日期 is absent,
  ``completed``/``completion_rate`` when 完工日期 is absent, ``assets`` when
  资产类别 is absent. With no project in Y the rates are null (0/0) and no
  other figure is listed as not stated: there is nothing to state.
* posts (posts): whole topic when posts is absent. When 解聘日期 is absent,
  ``in_post``, ``annual_cost``, ``dismissed_in_year`` and ``covered_share`` are
  null: the contract reads a *blank* 解聘日期 as "still in post", but a roster
  without the column may hold people long gone, so nobody is assumed in post
  (``hired_in_year`` stays: 聘用日期 is required). ``dismissed_in_year.by_reason``
  when 解聘原因 is absent. ``covered_share`` when members or households is absent.
* basic: ``None`` when households is absent or has no row of T.
"""
from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal

import numpy as np
import pandas as pd

from zhenxing.data import contract
from zhenxing.topics import text

# Categories of the data contract (every category map holds all of them).
CATEGORIES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
RISK_TYPES = (
    "因病", "因残", "因学", "因灾", "因意外事故", "因产业项目失败", "因务工就业不稳",
    "因缺劳动力", "因住房安全", "因饮水安全", "其他",
)
LABOR_FORCE = ("技能劳动力", "普通劳动力", "弱劳动力或半劳动力")
REGIONS = ("县内", "省内县外", "省外")
SOURCES = (
    "中央衔接资金", "省级衔接资金", "市级衔接资金", "县级衔接资金", "东西部协作资金",
    "社会帮扶资金", "其他资金",
)
PROJECT_TYPES = ("产业发展", "就业帮扶", "乡村建设", "基础设施", "其他")
ASSET_CLASSES = ("经营性资产", "公益性资产", "到户类资产")
INDUSTRY = "产业发展"
NOT_PERFORMING = "不履职"
BLANK = "未填写"  # key used for a blank value in an open-text breakdown
INCOME_PARTS = {
    "工资性": ("工资性收入",),
    "生产经营性": ("生产经营性收入", "-生产经营性支出"),
    "财产性": ("财产性收入",),
    "转移性": ("转移性收入",),
}

# For tests and examples only: callers pass the policy read from parameter files.
DEFAULT_POLICY = {
    "identification_days_max": 15,
    "income_thresholds": [8000, 10000],
    "industry_share_min": {"中央衔接资金": 60, "省级衔接资金": 52},
    "spend_progress": {"03-31": 25, "06-30": 50, "09-30": 75, "11-30": 100},
    "start_progress": {"04-30": 60, "06-30": 90},
    "monitoring_threshold": None,
    "rural_benchmark_growth": None,
}

TOPICS = ("monitoring", "income", "employment", "funds", "posts")

# Chinese names of the tables, as the report names them.
TABLE_NAMES = {
    "households": "农户信息", "members": "家庭成员", "work": "务工信息", "income": "收入",
    "projects": "衔接资金项目", "payments": "资金拨付", "posts": "公益性岗位",
}
CAUSES = ("table_absent", "column_absent", "no_rows", "no_prev_year")


# ---------------------------------------------------------------- absent data
def _typed_null(col, index) -> pd.Series:
    if col.kind == "int":
        return pd.Series(pd.NA, index=index, dtype="Int64")
    if col.kind == "money":
        return pd.Series(np.nan, index=index, dtype="float64")
    if col.kind == "date":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if col.kind == "yn":
        return pd.Series(pd.NA, index=index, dtype="boolean")
    return pd.Series(None, index=index, dtype=object)


def absent_columns(df: pd.DataFrame | None, table: str) -> set[str]:
    """Contract columns of ``table`` that ``df`` does not really give: missing from the
    frame, or listed in ``df.attrs["absent_columns"]`` (filled with typed nulls by the
    reader). Read it from the frame taken from the ``tables`` dict, before filtering."""
    if df is None:
        return set()
    spec = contract.TABLES.get(table)
    names = [c.name for c in spec["cols"]] if spec else []
    out = {n for n in names if n not in df.columns}
    out |= set(df.attrs.get("absent_columns", ()) or ())
    return out


def _prep(tables: dict) -> tuple[dict, dict]:
    """(tables with every contract column present, table → set of absent columns).

    A frame missing contract columns (a hand-built frame, an empty ``DataFrame()``) is
    copied shallowly and given typed null columns; the copy records them in
    ``attrs["absent_columns"]`` so that preparing it again gives the same answer."""
    out, absent = {}, {}
    for name, df in (tables or {}).items():
        if df is None:
            continue
        spec = contract.TABLES.get(name)
        miss = absent_columns(df, name)
        if spec is not None:
            add = [c for c in spec["cols"] if c.name not in df.columns]
            flags = [c.name + "_仅月" for c in spec["cols"] if c.kind == "date" and c.name + "_仅月" not in df.columns]
            if add or flags:
                df = df.copy(deep=False)
                for c in add:
                    df[c.name] = _typed_null(c, df.index)
                for f in flags:
                    df[f] = pd.Series(False, index=df.index, dtype=bool)
                df.attrs = {**df.attrs, "absent_columns": tuple(sorted(miss))}
        out[name], absent[name] = df, miss
    return out, absent


class _Notes:
    """Collects the ``not_stated`` entries of one topic (a no-op without a list)."""

    def __init__(self, sink: list | None, topic: str):
        self.sink, self.topic = sink, topic

    def add(self, key, cause, table, column=None, reason=None):
        if self.sink is None:
            return
        if reason is None:
            reason = (f"未提供“{column}”信息" if column.startswith("是否") else f"未提供{column}") if column \
                else f"未提供{TABLE_NAMES.get(table, table)}数据"
        entry = {"topic": self.topic, "key": key, "cause": cause, "table": table, "column": column,
                 "reason": reason}
        if entry not in self.sink:
            self.sink.append(entry)

    def column(self, keys, table, column):
        for k in keys:
            self.add(k, "column_absent", table, column)

    def whole(self, cause, table, reason=None):
        self.add(None, cause, table, None, reason)
        return None

    def missing_table(self, tables: dict, *names: str) -> bool:
        """Note the first absent table (whole topic); True when one is absent."""
        for n in names:
            if tables.get(n) is None:
                self.whole("table_absent", n)
                return True
        return False


def _no_rows_reason(table: str) -> str:
    return f"{TABLE_NAMES[table]}数据中没有本乡镇的记录"


# ---------------------------------------------------------------- helpers
def _ts(d) -> pd.Timestamp:
    return pd.Timestamp(d).normalize()


def _has(tables: dict, *names: str) -> bool:
    return all(tables.get(n) is not None for n in names)


def _nonblank(s: pd.Series) -> pd.Series:
    return s.notna() & (s.astype("string").str.strip().fillna("") != "")


def _true(s: pd.Series) -> pd.Series:
    """是/否 column → plain bool mask (NA → False)."""
    return s.astype("boolean").fillna(False).astype(bool)


def _month_only(df: pd.DataFrame, col: str) -> pd.Series:
    flag = col + "_仅月"
    if flag in df.columns:
        return df[flag].astype("boolean").fillna(False).astype(bool)
    return pd.Series(False, index=df.index)


def _on_or_before(s: pd.Series, d: pd.Timestamp) -> pd.Series:
    return (s.notna() & (s <= d)).astype(bool)


def _in_year(s: pd.Series, year: int, d: pd.Timestamp) -> pd.Series:
    return (s.notna() & (s.dt.year == year) & (s <= d)).fillna(False).astype(bool)


def _year_is(s: pd.Series, year: int) -> pd.Series:
    return (s == year).fillna(False).astype(bool)


def _int(x) -> int:
    return int(0 if pd.isna(x) else x)


def _hp(df: pd.DataFrame) -> dict:
    """{households, persons} of household rows (persons = Σ家庭人口数)."""
    return {
        "households": int(len(df)),
        "persons": _int(df["家庭人口数"].sum()) if len(df) else 0,
    }


def _hp_by(df: pd.DataFrame, col: str, keys) -> dict:
    out = {k: {"households": 0, "persons": 0} for k in keys}
    if len(df):
        vals = df[col].where(_nonblank(df[col]), BLANK)
        for k, g in df.groupby(vals, sort=True):
            out[str(k)] = _hp(g)
    return out


def _hp_with(df: pd.DataFrame, col: str, keys) -> dict:
    out = _hp(df)
    out["by_category"] = _hp_by(df, col, keys)
    return out


def _dsum(values) -> Decimal:
    total = Decimal(0)
    for v in values:
        if v is not None and not pd.isna(v):
            total += Decimal(str(float(v)))
    return total


def _wan(values) -> float:
    """Σ of 万元 amounts, in decimal arithmetic."""
    return float(_dsum(values))


def _yuan_to_wan(values) -> float:
    return float(_dsum(values) / Decimal(10000))


def _pct_of(part, whole) -> float | None:
    if part is None or whole is None or whole == 0:
        return None
    return float(part) / float(whole) * 100


def _change(new, old) -> float | None:
    """Percent change (new − old) / old × 100; None when old is 0 or missing."""
    if new is None or old is None or old == 0:
        return None
    return (float(new) - float(old)) / float(old) * 100


def _key(threshold) -> str:
    f = float(threshold)
    return str(int(f)) if f.is_integer() else str(f)


def _town_mask(s: pd.Series, township) -> pd.Series:
    """Rows of the township ``township`` (a name), or of any of a set of townships (a
    frozenset, list or tuple of names: the county summary pools them with the same
    definitions). One name gives exactly the township's own rows."""
    if isinstance(township, str):
        return (s == township).fillna(False).astype(bool)
    return s.isin(list(township)).fillna(False).astype(bool)


def _village_key(df: pd.DataFrame) -> pd.Series:
    """A village as (乡镇, 村): two townships may have villages of the same name. Within
    one township it counts exactly as 村 alone."""
    return df["乡镇"].astype("string").fillna("") + "\0" + df["村"].astype("string").fillna("")


def _village_label(df: pd.DataFrame, township) -> pd.Series:
    """How a village is named in a breakdown: 村 for one township, 乡镇+村 for several."""
    if isinstance(township, str):
        return df["村"]
    return df["乡镇"].astype("string").fillna("") + df["村"].astype("string").fillna("")


def _households(tables: dict, township) -> pd.DataFrame:
    hh = tables["households"]
    return hh[_town_mask(hh["乡镇"], township)]


def _monitored_mask(hh: pd.DataFrame, d: pd.Timestamp, dated: bool = True) -> pd.Series:
    """Monitoring objects at d. ``dated`` False when 纳入监测日期 is absent: the
    contract then allows no category, so only a hand-built frame reaches the fallback
    (a category counts as identified)."""
    cat = _nonblank(hh["监测对象类别"])
    if not dated:
        return cat
    return cat & _on_or_before(hh["纳入监测日期"], d)


def _covered_mask(hh: pd.DataFrame, d: pd.Timestamp, dated: bool = True) -> pd.Series:
    return _true(hh["是否脱贫户"]) | _monitored_mask(hh, d, dated)


# ---------------------------------------------------------------- basic
def basic(tables: dict, township: str, report_date, notes: list | None = None) -> dict | None:
    """Basic situation: villages, households, persons, 脱贫户 and monitoring objects."""
    note = _Notes(notes, "basic")
    tables, absent = _prep(tables)
    if note.missing_table(tables, "households"):
        return None
    d = _ts(report_date)
    hh = _households(tables, township)
    if hh.empty:
        return note.whole("no_rows", "households", _no_rows_reason("households"))
    dated = "纳入监测日期" not in absent["households"]
    villages = _village_key(hh[_nonblank(hh["村"])]).nunique()
    out = {"villages": int(villages)}
    out.update(_hp(hh))
    out["exited_poor"] = _hp(hh[_true(hh["是否脱贫户"])])
    out["monitoring_objects"] = _hp(hh[_monitored_mask(hh, d, dated)])
    return out


# ---------------------------------------------------------------- monitoring
def monitoring(tables: dict, township: str, year: int, report_date, policy: dict | None = None,
               notes: list | None = None) -> dict | None:
    """防止返贫动态监测. ``policy`` gives ``identification_days_max`` (DEFAULT_POLICY when None)."""
    note = _Notes(notes, "monitoring")
    tables, absent = _prep(tables)
    if note.missing_table(tables, "households"):
        return None
    if policy is None:
        policy = DEFAULT_POLICY
    d = _ts(report_date)
    hh = _households(tables, township)
    if hh.empty:
        return note.whole("no_rows", "households", _no_rows_reason("households"))
    gone = absent["households"]
    dated = "纳入监测日期" not in gone
    has_elim = "风险消除日期" not in gone
    cat = "监测对象类别"
    mon = hh[_monitored_mask(hh, d, dated)]
    elim_mask = _on_or_before(mon["风险消除日期"], d)
    eliminated = mon[elim_mask]
    unresolved = mon[~elim_mask]

    new_in_year = None
    if dated:
        new_in_year = _hp_with(mon[_in_year(mon["纳入监测日期"], year, d)], cat, CATEGORIES)
    else:
        note.column(["new_in_year"], "households", "纳入监测日期")

    # identification days: new objects having both dates, month-only dates excluded
    ident = None
    if dated and "风险发现日期" not in gone:
        new = mon[_in_year(mon["纳入监测日期"], year, d)]
        both = new[new["风险发现日期"].notna() & new["纳入监测日期"].notna()]
        month_only = _month_only(both, "风险发现日期") | _month_only(both, "纳入监测日期")
        exact = both[~month_only]
        days = [int(x) for x in (exact["纳入监测日期"] - exact["风险发现日期"]).dt.days]
        limit = policy.get("identification_days_max")
        ident = {
            "median": float(statistics.median(days)) if days else None,
            "max": max(days) if days else None,
            "over_limit": (sum(1 for x in days if x > limit) if limit is not None else None),
            "counted": len(days),
            "excluded_month_only": int(month_only.sum()),
        }
    else:
        note.column(["identification_days"], "households", "风险发现日期" if dated else "纳入监测日期")

    by_risk = None
    if not has_elim:
        note.column(["unresolved", "eliminated", "eliminated_in_year", "by_risk_type", "by_village.unresolved"],
                    "households", "风险消除日期")
    elif "主要风险类型" in gone:
        note.column(["by_risk_type"], "households", "主要风险类型")
    else:
        by_risk = _hp_by(unresolved, "主要风险类型", RISK_TYPES)

    by_village = {}
    vname = lambda df: _village_label(df, township)  # noqa: E731 — 村, or 乡镇+村 for several townships
    villages = sorted(str(v) for v in vname(hh)[_nonblank(hh["村"])].unique())
    mon_v, un_v = vname(mon), vname(unresolved)
    for v in villages:
        by_village[v] = {
            "total": _hp(mon[(mon_v == v).fillna(False).astype(bool)]),
            "unresolved": _hp(unresolved[(un_v == v).fillna(False).astype(bool)]) if has_elim else None,
        }

    relocated = None
    if "是否易地扶贫搬迁" in gone:
        note.column(["relocated"], "households", "是否易地扶贫搬迁")
    else:
        relocated = _hp(hh[_true(hh["是否易地扶贫搬迁"])])

    return {
        "total": _hp(mon),
        "unresolved": _hp_with(unresolved, cat, CATEGORIES) if has_elim else None,
        "eliminated": _hp_with(eliminated, cat, CATEGORIES) if has_elim else None,
        "new_in_year": new_in_year,
        "eliminated_in_year": (_hp_with(mon[_in_year(mon["风险消除日期"], year, d)], cat, CATEGORIES)
                               if has_elim else None),
        "identification_days": ident,
        "by_risk_type": by_risk,
        "by_village": by_village,
        "exited_poor": _hp(hh[_true(hh["是否脱贫户"])]),
        "relocated": relocated,
    }


# ---------------------------------------------------------------- income
def _household_income(tables: dict, hh: pd.DataFrame, year: int) -> pd.DataFrame:
    """Income rows of year for households ``hh``: columns 户编号, size, net and the parts."""
    inc = tables["income"]
    inc = inc[_year_is(inc["年度"], year) & inc["户编号"].isin(hh["户编号"])].copy()
    size_now = hh.drop_duplicates("户编号").set_index("户编号")["家庭人口数"]
    inc["size"] = inc["家庭人口数"].astype("Int64").fillna(inc["户编号"].map(size_now).astype("Int64"))
    for name, cols in INCOME_PARTS.items():
        part = pd.Series(0.0, index=inc.index)
        for c in cols:
            sign = -1.0 if c.startswith("-") else 1.0
            part = part + sign * inc[c.lstrip("-")].astype(float).fillna(0.0)
        inc[name] = part
    inc["net"] = sum(inc[name] for name in INCOME_PARTS) if len(inc) else pd.Series(0.0, index=inc.index)
    inc["per_capita"] = inc["net"] / inc["size"].astype(float)
    return inc


def _per_capita(inc: pd.DataFrame, ids) -> float | None:
    rows = inc[inc["户编号"].isin(ids)]
    size = _int(rows["size"].sum()) if len(rows) else 0
    if size == 0:
        return None
    return float(_dsum(rows["net"])) / size


def income(tables: dict, township: str, year: int, report_date, policy: dict,
           notes: list | None = None) -> dict | None:
    """脱贫人口和监测对象收入."""
    note = _Notes(notes, "income")
    tables, absent = _prep(tables)
    if note.missing_table(tables, "households", "income"):
        return None
    d = _ts(report_date)
    hh = _households(tables, township)
    if hh.empty:
        return note.whole("no_rows", "households", _no_rows_reason("households"))
    cur = _household_income(tables, hh, year)
    if cur.empty:
        return note.whole("no_rows", "income", f"无{year}年收入数据")
    dated = "纳入监测日期" not in absent["households"]
    groups = {
        "exited_poor": hh[_true(hh["是否脱贫户"])],
        "monitored": hh[_monitored_mask(hh, d, dated)],
        "covered": hh[_covered_mask(hh, d, dated)],
    }
    prev = _household_income(tables, hh, year - 1)
    has_prev = not prev.empty
    pcn = {g: _per_capita(cur, df["户编号"]) for g, df in groups.items()}
    pcp = growth = None
    if has_prev:
        pcp = {g: _per_capita(prev, df["户编号"]) for g, df in groups.items()}
        growth = {g: _change(pcn[g], pcp[g]) for g in groups}
    else:
        for k in ("per_capita_net_prev", "growth", "declined", "growth_gap"):
            note.add(k, "no_prev_year", "income", None, "无上年收入数据")

    covered = groups["covered"]
    cov_cur = cur[cur["户编号"].isin(covered["户编号"])]
    total_net = _dsum(cov_cur["net"])
    composition = {name: _pct_of(_dsum(cov_cur[name]), total_net) for name in INCOME_PARTS}

    thresholds = list(policy.get("income_thresholds") or [])
    if policy.get("monitoring_threshold") is not None:
        thresholds.append(policy["monitoring_threshold"])
    pc_cur = cov_cur.set_index("户编号")["per_capita"]
    below = {}
    for t in sorted(set(float(x) for x in thresholds)):
        ids = pc_cur.index[pc_cur < t]
        below[_key(t)] = _hp(covered[covered["户编号"].isin(ids)])

    declined = None
    if has_prev:
        pc_prev = prev[prev["户编号"].isin(covered["户编号"])].set_index("户编号")["per_capita"]
        both = pc_cur.index.intersection(pc_prev.index)
        fell = [h for h in both if pc_cur[h] < pc_prev[h]]
        declined = _hp(covered[covered["户编号"].isin(fell)])

    bench = policy.get("rural_benchmark_growth")
    bench = float(bench) if bench is not None else None
    g_cov = growth["covered"] if growth else None
    gap = g_cov - bench if (bench is not None and g_cov is not None) else None
    return {
        "per_capita_net": pcn,
        "per_capita_net_prev": pcp,
        "growth": growth,
        "composition": composition,
        "below": below,
        "declined": declined,
        "rural_benchmark_growth": bench,
        "growth_gap": gap,
    }


# ---------------------------------------------------------------- employment
def _workers(work: pd.DataFrame, ids, year: int) -> pd.DataFrame:
    w = work[_year_is(work["年度"], year) & work["证件号码"].isin(ids)]
    return w.drop_duplicates("证件号码")


def employment(tables: dict, township: str, year: int, report_date,
               notes: list | None = None) -> dict | None:
    """就业 of members of covered households."""
    note = _Notes(notes, "employment")
    tables, absent = _prep(tables)
    if note.missing_table(tables, "households", "members", "work"):
        return None
    d = _ts(report_date)
    hh = _households(tables, township)
    if hh.empty:
        return note.whole("no_rows", "households", _no_rows_reason("households"))
    members = tables["members"]
    all_mem = members[members["户编号"].isin(hh["户编号"])]
    if all_mem.empty:
        return note.whole("no_rows", "members", _no_rows_reason("members"))
    dated = "纳入监测日期" not in absent["households"]
    covered = hh[_covered_mask(hh, d, dated)]
    mem = all_mem[all_mem["户编号"].isin(covered["户编号"])]
    work = tables["work"]
    labor = mem[mem["劳动技能"].isin(LABOR_FORCE)]

    def any_rows(y):
        return bool((_year_is(work["年度"], y) & work["证件号码"].isin(all_mem["证件号码"])).any())

    workers = zero = wage = None
    n_workers = None
    if any_rows(year):
        w = _workers(work, mem["证件号码"], year)
        by_region = {r: 0 for r in REGIONS}
        for r, n in w.groupby("务工地域")["证件号码"].nunique().items():
            by_region[str(r)] = int(n)
        n_workers = int(w["证件号码"].nunique())
        workers = {"total": n_workers, "by_region": by_region}
        with_labor = set(labor["户编号"])
        with_worker = set(mem.loc[mem["证件号码"].isin(w["证件号码"]), "户编号"])
        zero = len(with_labor - with_worker)
        if "务工收入" in absent["work"]:
            note.column(["wage_income"], "work", "务工收入")
        else:
            wage = _yuan_to_wan(w["务工收入"])
    else:
        for k in ("workers", "zero_employment_households", "wage_income"):
            note.add(k, "no_rows", "work", None, f"无{year}年务工数据")

    # previous year: null when the township has no work rows at all for Y−1
    n_prev = None
    if any_rows(year - 1):
        n_prev = int(_workers(work, mem["证件号码"], year - 1)["证件号码"].nunique())
    elif workers is not None:
        for k in ("workers_prev", "workers_growth"):
            note.add(k, "no_prev_year", "work", None, "无上年务工数据")

    return {
        "labor_force": int(len(labor)),
        "workers": workers,
        "workers_prev": n_prev,
        "workers_growth": _change(n_workers, n_prev),
        "zero_employment_households": zero,
        "wage_income": wage,
    }


# ---------------------------------------------------------------- funds
def _checkpoints(policy: dict, year: int, d: pd.Timestamp) -> list[tuple[pd.Timestamp, float]]:
    out = []
    for mmdd, target in (policy.get("spend_progress") or {}).items():
        m, day = (int(x) for x in str(mmdd).split("-"))
        cp = pd.Timestamp(year, m, day)
        if cp <= d:
            out.append((cp, target))
    return sorted(out)


def funds(tables: dict, township: str, year: int, report_date, policy: dict,
          notes: list | None = None) -> dict | None:
    """衔接资金 of the township's projects of year Y."""
    note = _Notes(notes, "funds")
    tables, absent = _prep(tables)
    if note.missing_table(tables, "projects"):
        return None
    d = _ts(report_date)
    pr = tables["projects"]
    pr = pr[_town_mask(pr["乡镇"], township) & _year_is(pr["年度"], year)]
    n_projects = int(pr["项目编号"].nunique())
    if not n_projects:
        note = _Notes(None, "funds")  # no project: nothing else to state (see the module docstring)
    approved_total = _dsum(pr["批复金额"])
    approved = {
        "total": float(approved_total),
        "by_source": {s: 0.0 for s in SOURCES},
        "by_type": {t: 0.0 for t in PROJECT_TYPES},
    }
    for s, g in pr.groupby("资金来源"):
        approved["by_source"][str(s)] = _wan(g["批复金额"])
    for t, g in pr.groupby("项目类型"):
        approved["by_type"][str(t)] = _wan(g["批复金额"])

    ind = pr[pr["项目类型"] == INDUSTRY]
    share = {"overall": _pct_of(_dsum(ind["批复金额"]), approved_total)}
    for s, g in pr.groupby("资金来源"):
        share[str(s)] = _pct_of(_dsum(g.loc[g["项目类型"] == INDUSTRY, "批复金额"]), _dsum(g["批复金额"]))

    paid = paid_rate = progress = None
    if _has(tables, "payments"):
        pay = tables["payments"]
        keys = set(zip(pr["项目编号"], pr["资金来源"]))
        mine = pay[np.array([k in keys for k in zip(pay["项目编号"], pay["资金来源"])], dtype=bool)]
        paid_dec = _dsum(mine.loc[_on_or_before(mine["拨付日期"], d), "拨付金额"])
        paid = float(paid_dec)
        paid_rate = _pct_of(paid_dec, approved_total)
        progress = []
        for cp, target in _checkpoints(policy, year, d):
            upto = _dsum(mine.loc[_on_or_before(mine["拨付日期"], cp), "拨付金额"])
            progress.append({
                "date": cp.date().isoformat(),
                "paid_rate": _pct_of(upto, approved_total),
                "target": float(target),
            })
    else:
        for k in ("paid", "paid_rate", "progress"):
            note.add(k, "table_absent", "payments")

    gone = absent["projects"]

    def done_by(col, keys):
        if col in gone:
            note.column(keys, "projects", col)
            return None
        return int(pr.loc[_on_or_before(pr[col], d), "项目编号"].nunique())

    started = done_by("开工日期", ["started", "start_rate"])
    completed = done_by("完工日期", ["completed", "completion_rate"])

    assets = None
    if "资产类别" in gone:
        note.column(["assets"], "projects", "资产类别")
    else:
        assets = {a: {"projects": 0, "amount": 0.0} for a in ASSET_CLASSES}
        for a, g in pr[_nonblank(pr["资产类别"])].groupby("资产类别"):
            assets[str(a)] = {"projects": int(g["项目编号"].nunique()), "amount": _wan(g["批复金额"])}

    return {
        "projects": n_projects,
        "approved": approved,
        "industry_share": share,
        "paid": paid,
        "paid_rate": paid_rate,
        "progress": progress,
        "started": started,
        "completed": completed,
        "start_rate": _pct_of(started, n_projects),
        "completion_rate": _pct_of(completed, n_projects),
        "assets": assets,
    }


# ---------------------------------------------------------------- posts
def posts(tables: dict, township: str, year: int, report_date, notes: list | None = None) -> dict | None:
    """公益性岗位 of the township."""
    note = _Notes(notes, "posts")
    tables, absent = _prep(tables)
    if note.missing_table(tables, "posts"):
        return None
    d = _ts(report_date)
    po = tables["posts"]
    po = po[_town_mask(po["乡镇"], township)]
    gone = absent["posts"]
    types = sorted(str(t) for t in po["岗位类型"].dropna().unique())

    def counted(df):
        out = {"total": int(len(df)), "by_type": {t: 0 for t in types}}
        for t, g in df.groupby("岗位类型"):
            out["by_type"][str(t)] = int(len(g))
        return out

    def cost(df):
        months = df["补贴周期"].map(lambda c: 12 if str(c).strip() == "月" else 1)
        amounts = [Decimal(str(float(a))) * m for a, m in zip(df["补贴标准"], months) if not pd.isna(a)]
        return float(sum(amounts, Decimal(0)) / Decimal(10000))

    hired = counted(po[_in_year(po["聘用日期"], year, d)])
    in_post = annual = dismissed = covered_share = None
    if "解聘日期" in gone and len(po):
        note.column(["in_post", "annual_cost", "dismissed_in_year", "covered_share"], "posts", "解聘日期")
    else:
        on = po[_on_or_before(po["聘用日期"], d) & ~_on_or_before(po["解聘日期"], d)]
        in_post = {"total": int(on["证件号码"].nunique()), "by_type": {t: 0 for t in types}}
        for t, g in on.groupby("岗位类型"):
            in_post["by_type"][str(t)] = int(g["证件号码"].nunique())
        annual = {"total": cost(on), "by_type": {t: 0.0 for t in types}}
        for t, g in on.groupby("岗位类型"):
            annual["by_type"][str(t)] = cost(g)

        left = po[_in_year(po["解聘日期"], year, d)]
        dismissed = counted(left)
        if "解聘原因" in gone and len(left):
            dismissed["by_reason"] = None
            note.column(["dismissed_in_year.by_reason"], "posts", "解聘原因")
        else:
            reasons = left["解聘原因"].where(_nonblank(left["解聘原因"]), BLANK)
            dismissed["by_reason"] = {str(k): int(v) for k, v in reasons.value_counts().sort_index().items()}

        persons = set(on["证件号码"].dropna())
        if _has(tables, "members", "households"):
            allhh = tables["households"]
            poor = allhh[_true(allhh["是否脱贫户"]) | _nonblank(allhh["监测对象类别"])]
            mem = tables["members"]
            ids = set(mem.loc[mem["户编号"].isin(poor["户编号"]), "证件号码"])
            covered_share = _pct_of(len(persons & ids), len(persons))
        elif persons:
            missing = "members" if tables.get("members") is None else "households"
            note.add("covered_share", "table_absent", missing)

    return {
        "in_post": in_post,
        "annual_cost": annual,
        "hired_in_year": hired,
        "dismissed_in_year": dismissed,
        "covered_share": covered_share,
    }


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
)
SEVERITY = ("high", "medium", "low")   # rank: high first

FLAG_RULES: list = []


def rule(fn):
    """Register a flag rule: ``fn(ind, policy) -> list[dict]`` (flags made with :func:`_flag`).
    Rules run in registration order; :func:`flags` sorts their flags by severity."""
    FLAG_RULES.append(fn)
    return fn


def _flag(topic: str, theme: str, rule: str, severity: str, values: dict, message: str | None = None) -> dict:
    """One flag. ``values`` holds every number the sentence states, as plain numbers
    (never formatted text); ``message`` defaults to the sentence the default wording makes
    from them (``text.flag_sentence``)."""
    assert theme in THEMES, theme
    assert severity in SEVERITY, severity
    f = {"topic": topic, "theme": theme, "rule": rule, "severity": severity, "values": values}
    f["message"] = message if message is not None else text.flag_sentence(f)
    return f


@rule
def _identification_days(ind: dict, policy: dict) -> list[dict]:
    idd = (ind.get("monitoring") or {}).get("identification_days") or {}
    limit = policy.get("identification_days_max")
    if limit is None or not idd.get("over_limit"):
        return []
    return [_flag("monitoring", "监测帮扶", "identification_days", "medium",
                  {"over_limit": int(idd["over_limit"]), "limit": limit, "max": idd.get("max"),
                   "median": idd.get("median"), "counted": idd.get("counted")})]


@rule
def _income_below(ind: dict, policy: dict) -> list[dict]:
    below = (ind.get("income") or {}).get("below") or {}
    levels = [{"threshold": float(k), "households": int(v["households"]), "persons": int(v["persons"])}
              for k, v in below.items() if v and v.get("households")]
    if not levels:
        return []
    levels.sort(key=lambda x: -x["threshold"])   # the widest group first, the nested ones after it
    return [_flag("income", "增收", "below_threshold", "high", {"levels": levels})]


@rule
def _income_declined(ind: dict, policy: dict) -> list[dict]:
    dec = (ind.get("income") or {}).get("declined")
    if not dec or not dec.get("households"):
        return []
    return [_flag("income", "增收", "declined", "medium",
                  {"households": int(dec["households"]), "persons": int(dec["persons"])})]


@rule
def _income_growth(ind: dict, policy: dict) -> list[dict]:
    inc = ind.get("income") or {}
    g = (inc.get("growth") or {}).get("covered")
    bench = inc.get("rural_benchmark_growth")
    if bench is None:
        bench = policy.get("rural_benchmark_growth")
    if g is None or bench is None or not g < bench:
        return []
    return [_flag("income", "增收", "growth_below_benchmark", "medium",
                  {"growth": g, "benchmark": float(bench), "gap": float(bench) - g})]


@rule
def _zero_employment(ind: dict, policy: dict) -> list[dict]:
    z = (ind.get("employment") or {}).get("zero_employment_households")
    if not z:
        return []
    return [_flag("employment", "就业", "zero_employment", "high", {"households": int(z)})]


@rule
def _spend_progress(ind: dict, policy: dict) -> list[dict]:
    fu = ind.get("funds") or {}
    missed = [{"date": p["date"], "paid_rate": p["paid_rate"], "target": p["target"]}
              for p in fu.get("progress") or []
              if p.get("paid_rate") is not None and p.get("target") is not None and p["paid_rate"] < p["target"]]
    if not missed:
        return []
    return [_flag("funds", "资金项目", "spend_progress", "high", {"checkpoints": missed})]


def flags(ind: dict, policy: dict) -> list[dict]:
    """Flags (存在问题): indicators compared with a policy target or a clear standard.

    Each flag is ``{topic, theme, rule, severity, message, values}``:

    * ``topic`` — the indicators key it comes from (``monitoring``, ``income``, …);
    * ``theme`` — one of :data:`THEMES`; the report gives one 存在问题 item and one
      工作打算 item per theme;
    * ``rule`` — the rule's name; ``lib/zhenxing/templates/wording.yaml`` holds its
      sentence (``problems.rules.<rule>``), a county may override it;
    * ``severity`` — ``high`` | ``medium`` | ``low`` (items are ordered by it);
    * ``values`` — the numbers the sentence states, plain numbers. One flag per rule:
      nested thresholds and successive checkpoints of one rule are one flag with a list
      (``below_threshold``: ``{"levels": [{threshold, households, persons}, …]}``, the
      widest first; ``spend_progress``: ``{"checkpoints": [{date, paid_rate, target}, …]}``,
      the missed ones in date order);
    * ``message`` — the sentence in the default wording (for readers of
      indicators.json; the report rebuilds it from ``values``, never the reverse).

    Rules are the functions in :data:`FLAG_RULES`; add one with ``@rule``. A rule
    skips a null figure: missing data never raises a flag (``ind["not_stated"]`` says
    what is missing). Deliberately not flags: unresolved monitoring objects as such
    (policy warns against rushing 风险消除), dismissals for 不履职 (management, stated
    in the posts paragraph), the industry share of one township (a county target, see
    ``funds.industry_share`` in the county summary).
    """
    out: list[dict] = []
    for fn in FLAG_RULES:
        out += fn(ind, policy) or []
    rank = {s: i for i, s in enumerate(SEVERITY)}
    return sorted(out, key=lambda f: (rank[f["severity"]], THEMES.index(f["theme"])))


# ---------------------------------------------------------------- all
def county_of(tables: dict, township: str) -> str | None:
    for name in ("households", "projects", "posts"):
        df = tables.get(name)
        if df is not None and "县" in df.columns and "乡镇" in df.columns:
            vals = df.loc[_town_mask(df["乡镇"], township), "县"].dropna()
            if len(vals):
                return str(vals.mode().iloc[0])
    return None


def compute(tables: dict, township: str, year: int, report_date, policy: dict) -> dict:
    """The full content of indicators.json for (township, year) at report_date.

    ``not_stated`` lists every figure left null for want of data, with its cause (see
    the module docstring); it holds the entries of ``basic`` too, which the notebooks
    compute separately."""
    if isinstance(report_date, dt.datetime):
        report_date = report_date.date()
    tables, _ = _prep(tables)
    notes: list[dict] = []
    basic(tables, township, report_date, notes=notes)
    ind = {
        "township": township,
        "county": county_of(tables, township),
        "year": int(year),
        "report_date": report_date.isoformat(),
        "monitoring": monitoring(tables, township, year, report_date, policy, notes=notes),
        "income": income(tables, township, year, report_date, policy, notes=notes),
        "employment": employment(tables, township, year, report_date, notes=notes),
        "funds": funds(tables, township, year, report_date, policy, notes=notes),
        "posts": posts(tables, township, year, report_date, notes=notes),
    }
    more(tables, township, year, report_date, policy, ind, notes=notes)  # issue 11: further topics
    ind["not_stated"] = notes
    ind["flags"] = flags(ind, policy)
    return ind


# =============================================================================
# More topics (issue 11): from the core tables and from the optional tables
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

MORE_TOPICS = ("relocation", "security", "education", "credit", "assistance", "education_aid",
               "assets", "villages")
TABLE_NAMES.update({"credit": "小额信贷", "assistance": "社会救助", "education_aid": "教育资助",
                    "assets": "项目资产", "villages": "村"})
ASSISTANCE_TYPES = contract.ASSISTANCE_TYPES
SCHOOL_STAGES = ("学前教育", "小学", "初中", "高中", "中职", "高职", "本科及以上")
NOT_IN_SCHOOL = "非在校生"
WORK_MODES = ("企业务工", "帮扶车间", "公益性岗位", "灵活就业", "自主创业")
RAINBOW = "雨露计划"
DIBAO, TEKUN = "农村低保", "特困供养"
OPERATING = "经营性资产"
STABLE_MONTHS = 6
COMPULSORY_AGES = (6, 15)


def _town_households(tables: dict, township: str, d: pd.Timestamp, absent: dict):
    """(households of T, covered households of T at d)."""
    hh = _households(tables, township)
    dated = "纳入监测日期" not in absent.get("households", set())
    return hh, hh[_covered_mask(hh, d, dated)]


def _count_amount(df: pd.DataFrame, col: str, *, yuan: bool = False) -> dict:
    amt = _dsum(df[col]) / (Decimal(10000) if yuan else Decimal(1))
    return {"count": int(len(df)), "amount": float(amt)}


def _age_on(birth: pd.Series, on: pd.Timestamp) -> pd.Series:
    """Whole years of age on a date (Int64, NA without a birth date)."""
    b = pd.to_datetime(birth)
    years = on.year - b.dt.year
    before = (b.dt.month > on.month) | ((b.dt.month == on.month) & (b.dt.day > on.day))
    return (years - before.astype("Int64")).astype("Int64")


# ---------------------------------------------------------------- additions to core topics
def monitoring_more(mon: dict | None) -> dict:
    """``main_risk_types``: up to three risk types of unresolved objects with most
    households (blank and zero left out), each with its share of unresolved households."""
    if not mon or mon.get("by_risk_type") is None or mon.get("unresolved") is None:
        return {"main_risk_types": None}
    total = mon["unresolved"]["households"]
    ranked = sorted(((k, v) for k, v in mon["by_risk_type"].items() if k != BLANK and v["households"]),
                    key=lambda kv: (-kv[1]["households"], -kv[1]["persons"], RISK_TYPES.index(kv[0])
                                    if kv[0] in RISK_TYPES else 99))
    return {"main_risk_types": [
        {"type": k, "households": v["households"], "persons": v["persons"],
         "share": _pct_of(v["households"], total)} for k, v in ranked[:3]]}


def funds_more(tables: dict, township: str, year: int, report_date, policy: dict,
               notes: list | None = None) -> dict | None:
    """funds.projects_by_type, funds.beneficiaries, funds.start_progress."""
    note = _Notes(notes, "funds")
    tables, absent = _prep(tables)
    if tables.get("projects") is None:
        return None
    d = _ts(report_date)
    pr = tables["projects"]
    pr = pr[_town_mask(pr["乡镇"], township) & _year_is(pr["年度"], year)]
    n = int(pr["项目编号"].nunique())
    if not n:
        note = _Notes(None, "funds")
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
            benef = _int(per.sum())
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
            k = int(pr.loc[_on_or_before(pr["开工日期"], cp), "项目编号"].nunique())
            start.append({"date": cp.date().isoformat(), "started": k,
                          "start_rate": _pct_of(k, n), "target": float(target)})
    return {"projects_by_type": by_type, "beneficiaries": benef, "start_progress": start}


def employment_more(tables: dict, township: str, year: int, report_date, emp: dict | None,
                    notes: list | None = None) -> dict | None:
    """employment.by_mode (就业方式 → workers in Y) and employment.stable_workers
    (workers in Y with 务工月数 ≥ 6), over the same workers as ``employment.workers``."""
    if emp is None:
        return None
    if emp.get("workers") is None:
        return {"by_mode": None, "stable_workers": None}
    note = _Notes(notes, "employment")
    tables, absent = _prep(tables)
    d = _ts(report_date)
    hh, covered = _town_households(tables, township, d, absent)
    mem = tables["members"]
    mem = mem[mem["户编号"].isin(covered["户编号"])]
    w = _workers(tables["work"], mem["证件号码"], year)
    by_mode = stable = None
    if "就业方式" in absent["work"]:
        note.column(["by_mode"], "work", "就业方式")
    else:
        by_mode = {m: 0 for m in WORK_MODES}
        modes = w["就业方式"].where(_nonblank(w["就业方式"]), BLANK)
        for m, k in modes.value_counts().sort_index().items():
            by_mode[str(m)] = int(k)
    if "务工月数" in absent["work"]:
        note.column(["stable_workers"], "work", "务工月数")
    else:
        stable = int((w["务工月数"].astype("Int64") >= STABLE_MONTHS).fillna(False).sum())
    return {"by_mode": by_mode, "stable_workers": stable}


def income_more(tables: dict, township: str, year: int, report_date, policy: dict,
                inc: dict | None) -> dict | None:
    """income.per_capita_wage and income.per_capita_business_net of the covered group in
    Y (Σ over covered households with an income row of Y / Σ their 家庭人口数), with the
    policy targets ``wage_income_target`` / ``business_income_target`` (None when unset)."""
    if inc is None:
        return None
    tables, absent = _prep(tables)
    d = _ts(report_date)
    hh, covered = _town_households(tables, township, d, absent)
    cur = _household_income(tables, hh, year)
    cur = cur[cur["户编号"].isin(covered["户编号"])]
    size = _int(cur["size"].sum()) if len(cur) else 0
    wage = float(_dsum(cur["工资性"])) / size if size else None
    business = float(_dsum(cur["生产经营性"])) / size if size else None
    t_w, t_b = policy.get("wage_income_target"), policy.get("business_income_target")
    return {"per_capita_wage": wage, "per_capita_business_net": business,
            "wage_income_target": float(t_w) if t_w is not None else None,
            "business_income_target": float(t_b) if t_b is not None else None}


# ---------------------------------------------------------------- relocation
def relocation(tables: dict, township: str, year: int, report_date,
               notes: list | None = None) -> dict | None:
    """易地扶贫搬迁后续扶持: relocated households (是否易地扶贫搬迁 = 是) of T, their
    labour force, workers in Y, work rate and zero-employment households."""
    note = _Notes(notes, "relocation")
    tables, absent = _prep(tables)
    if note.missing_table(tables, "households"):
        return None
    d = _ts(report_date)
    hh = _households(tables, township)
    if hh.empty:
        return note.whole("no_rows", "households", _no_rows_reason("households"))
    if "是否易地扶贫搬迁" in absent["households"]:
        return note.add(None, "column_absent", "households", "是否易地扶贫搬迁")
    rel = hh[_true(hh["是否易地扶贫搬迁"])]
    out = {"households": _hp(rel), "labor_force": None, "workers": None, "work_rate": None,
           "zero_employment_households": None}
    if tables.get("members") is None:
        for k in ("labor_force", "workers", "work_rate", "zero_employment_households"):
            note.add(k, "table_absent", "members")
        return out
    mem_all = tables["members"]
    mem_town = mem_all[mem_all["户编号"].isin(hh["户编号"])]
    mem = mem_town[mem_town["户编号"].isin(rel["户编号"])]
    labor = mem[mem["劳动技能"].isin(LABOR_FORCE)]
    out["labor_force"] = int(len(labor))
    if tables.get("work") is None:
        for k in ("workers", "work_rate", "zero_employment_households"):
            note.add(k, "table_absent", "work")
        return out
    work = tables["work"]
    if not (_year_is(work["年度"], year) & work["证件号码"].isin(mem_town["证件号码"])).any():
        for k in ("workers", "work_rate", "zero_employment_households"):
            note.add(k, "no_rows", "work", None, f"无{year}年务工数据")
        return out
    w = _workers(work, labor["证件号码"], year)
    out["workers"] = int(w["证件号码"].nunique())
    out["work_rate"] = _pct_of(out["workers"], out["labor_force"])
    out["zero_employment_households"] = len(set(labor["户编号"]) - set(labor.loc[labor["证件号码"].isin(w["证件号码"]), "户编号"]))
    return out


# ---------------------------------------------------------------- security
def security(tables: dict, township: str, year: int, report_date,
             notes: list | None = None) -> dict | None:
    """兜底保障 and insurance enrolment of covered households (core tables only)."""
    note = _Notes(notes, "security")
    tables, absent = _prep(tables)
    if note.missing_table(tables, "households"):
        return None
    d = _ts(report_date)
    hh = _households(tables, township)
    if hh.empty:
        return note.whole("no_rows", "households", _no_rows_reason("households"))
    gone = absent["households"]
    hh, covered = _town_households(tables, township, d, absent)
    out = {"dibao": None, "tekun": None, "unable_to_work_unsecured": None,
           "medical_insured_rate": None, "medical_insured": None,
           "pension_insured_rate": None, "pension_insured": None}
    for key, col in (("dibao", "是否低保户"), ("tekun", "是否特困供养")):
        if col in gone:
            note.column([key], "households", col)
        else:
            out[key] = _hp(covered[_true(covered[col])])
    mem = tables.get("members")
    if mem is None:
        note.add("unable_to_work_unsecured", "table_absent", "members")
        note.add("medical_insured_rate", "table_absent", "members")
        note.add("pension_insured_rate", "table_absent", "members")
        return out
    mem_gone = absent["members"]
    need = [c for c in ("风险消除日期", "是否低保户", "是否特困供养") if c in gone]
    if need:
        note.column(["unable_to_work_unsecured"], "households", need[0])
    else:
        dated = "纳入监测日期" not in gone
        mon = hh[_monitored_mask(hh, d, dated)]
        unres = mon[~_on_or_before(mon["风险消除日期"], d)]
        m = mem[mem["户编号"].isin(unres["户编号"])]
        with_members = set(m["户编号"])
        with_labor = set(m.loc[m["劳动技能"].isin(LABOR_FORCE), "户编号"])
        secured = _true(unres["是否低保户"]) | _true(unres["是否特困供养"])
        gap = unres[unres["户编号"].isin(with_members - with_labor) & ~secured]
        out["unable_to_work_unsecured"] = _hp(gap)
    cm = mem[mem["户编号"].isin(covered["户编号"])]
    if "是否参加基本医疗保险" in mem_gone:
        note.column(["medical_insured_rate"], "members", "是否参加基本医疗保险")
    else:
        filled = cm["是否参加基本医疗保险"].notna()
        n_in = int(_true(cm["是否参加基本医疗保险"]).sum())
        if filled.sum():
            out["medical_insured"] = {"insured": n_in, "counted": int(filled.sum())}
            out["medical_insured_rate"] = _pct_of(n_in, int(filled.sum()))
        elif len(cm):
            note.add("medical_insured_rate", "column_absent", "members", "是否参加基本医疗保险",
                     "是否参加基本医疗保险均未填写")
    if "是否参加基本养老保险" in mem_gone or "在校生状况" in mem_gone:
        note.column(["pension_insured_rate"], "members",
                    "是否参加基本养老保险" if "是否参加基本养老保险" in mem_gone else "在校生状况")
    else:
        age = _age_on(cm["出生日期"], d)
        base = cm[(age >= 16).fillna(False).astype(bool) & (cm["在校生状况"] == NOT_IN_SCHOOL).fillna(False).astype(bool)]
        filled = base["是否参加基本养老保险"].notna()
        n_in = int(_true(base["是否参加基本养老保险"]).sum())
        if filled.sum():
            out["pension_insured"] = {"insured": n_in, "counted": int(filled.sum())}
            out["pension_insured_rate"] = _pct_of(n_in, int(filled.sum()))
        elif len(base):
            note.add("pension_insured_rate", "column_absent", "members", "是否参加基本养老保险",
                     "是否参加基本养老保险均未填写")
    return out


# ---------------------------------------------------------------- education (core tables)
def education(tables: dict, township: str, year: int, report_date,
              notes: list | None = None) -> dict | None:
    """控辍保学 and students of covered households (members.在校生状况)."""
    note = _Notes(notes, "education")
    tables, absent = _prep(tables)
    if note.missing_table(tables, "households", "members"):
        return None
    d = _ts(report_date)
    hh = _households(tables, township)
    if hh.empty:
        return note.whole("no_rows", "households", _no_rows_reason("households"))
    hh, covered = _town_households(tables, township, d, absent)
    mem = tables["members"]
    if not mem["户编号"].isin(hh["户编号"]).any():
        return note.whole("no_rows", "members", _no_rows_reason("members"))
    if "在校生状况" in absent["members"]:
        note.column(["compulsory_age_not_in_school", "students_by_stage"], "members", "在校生状况")
        return {"compulsory_age_not_in_school": None, "students_by_stage": None, "students": None}
    cm = mem[mem["户编号"].isin(covered["户编号"])]
    age = _age_on(cm["出生日期"], pd.Timestamp(year, 9, 1))
    lo, hi = COMPULSORY_AGES
    school_age = ((age >= lo) & (age <= hi)).fillna(False).astype(bool)
    out_of_school = int((school_age & (cm["在校生状况"] == NOT_IN_SCHOOL).fillna(False).astype(bool)).sum())
    st = cm[_nonblank(cm["在校生状况"]) & (cm["在校生状况"] != NOT_IN_SCHOOL).fillna(False).astype(bool)]
    by_stage = {s: 0 for s in SCHOOL_STAGES}
    for s, k in st["在校生状况"].value_counts().sort_index().items():
        by_stage[str(s)] = int(k)
    return {"compulsory_age_not_in_school": out_of_school, "students_by_stage": by_stage,
            "students": int(len(st))}


# ---------------------------------------------------------------- credit
def credit(tables: dict, township: str, year: int, report_date,
           notes: list | None = None) -> dict | None:
    """小额信贷 of T's households (a loan belongs to its household's township)."""
    note = _Notes(notes, "credit")
    tables, absent = _prep(tables)
    if note.missing_table(tables, "credit", "households"):
        return None
    d = _ts(report_date)
    hh, covered = _town_households(tables, township, d, absent)
    cr = tables["credit"]
    cr = cr[cr["户编号"].isin(hh["户编号"])]
    gone = absent["credit"]
    issued = cr[_on_or_before(cr["发放日期"], d)]
    new = cr[_in_year(cr["发放日期"], year, d)]
    out = {
        "loans_in_year": {**_count_amount(new, "贷款金额"), "households": int(new["户编号"].nunique())},
        "outstanding": None,
        "cumulative": _count_amount(issued, "贷款金额"),
        "overdue": None,
        "coverage": None,
        "coverage_base": None,
    }
    out["loans_in_year"] = {k: out["loans_in_year"][k] for k in ("count", "households", "amount")}
    if "结清日期" in gone:
        note.column(["outstanding"], "credit", "结清日期")
    else:
        open_ = issued[~_on_or_before(issued["结清日期"], d)]
        out["outstanding"] = _count_amount(open_, "贷款金额")
    if "逾期金额" in gone:
        note.column(["overdue"], "credit", "逾期金额")
    else:
        od = issued[(issued["逾期金额"].astype(float) > 0).fillna(False).astype(bool)]
        out["overdue"] = _count_amount(od, "逾期金额")
    borrowers = int(covered["户编号"].isin(new["户编号"]).sum())
    out["coverage_base"] = {"borrowers": borrowers, "covered": int(len(covered))}
    out["coverage"] = _pct_of(borrowers, len(covered))
    return out


# ---------------------------------------------------------------- assistance
def _active(df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Rows whose [开始日期, 终止日期] meets [start, end] (blank 终止日期 = ongoing)."""
    began = _on_or_before(df["开始日期"], end)
    ended = df["终止日期"].notna() & (df["终止日期"] < start)
    return (began & ~ended).astype(bool)


def assistance(tables: dict, township: str, year: int, report_date,
               notes: list | None = None) -> dict | None:
    """社会救助 of T's households: by 救助类别, and the covered households under 低保/特困 at D."""
    note = _Notes(notes, "assistance")
    tables, absent = _prep(tables)
    if note.missing_table(tables, "assistance", "households"):
        return None
    d = _ts(report_date)
    hh, covered = _town_households(tables, township, d, absent)
    a = tables["assistance"]
    a = a[a["户编号"].isin(hh["户编号"])]
    gone = absent["assistance"]
    act = a[_active(a, pd.Timestamp(year, 1, 1), d)]
    pay_year = act["发放年度"].astype("Int64").fillna(act["开始日期"].dt.year.astype("Int64"))
    by_type = {}
    for t in ASSISTANCE_TYPES:
        g = act[act["救助类别"] == t]
        persons = None
        if "保障人数" not in gone:
            persons = _int(g.groupby("户编号")["保障人数"].max().sum()) if len(g) else 0
        amount = None
        if "发放金额" not in gone:
            amount = float(_dsum(g.loc[_year_is(pay_year[g.index], year), "发放金额"]) / Decimal(10000))
        by_type[t] = {"households": int(g["户编号"].nunique()), "persons": persons, "amount": amount}
    if "保障人数" in gone:
        note.column(["by_type.persons"], "assistance", "保障人数")
    if "发放金额" in gone:
        note.column(["by_type.amount"], "assistance", "发放金额")
    now = a[_active(a, d, d) & a["救助类别"].isin([DIBAO, TEKUN])]
    n = int(covered["户编号"].isin(now["户编号"]).sum())
    return {"by_type": by_type, "covered_share": _pct_of(n, len(covered)),
            "covered_base": {"secured": n, "covered": int(len(covered))}}


# ---------------------------------------------------------------- education aid
def _school_year_overlaps(sy: pd.Series, year: int) -> pd.Series:
    """学年 "2022-2023" and "2023-2024" both overlap 2023 (spring and autumn terms)."""
    parts = sy.fillna("").astype(str).str.extract(contract.SCHOOL_YEAR.pattern)
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    second = second.where(second.isna() | (second >= 100), (first // 100) * 100 + second)
    second = second.fillna(first)
    return ((first == year) | (second == year)).fillna(False).astype(bool)


def education_aid(tables: dict, township: str, year: int, report_date,
                  notes: list | None = None) -> dict | None:
    """教育资助 of students of T (a student belongs to their household's township)."""
    note = _Notes(notes, "education_aid")
    tables, absent = _prep(tables)
    if note.missing_table(tables, "education_aid", "members", "households"):
        return None
    hh = _households(tables, township)
    mem = tables["members"]
    ids = mem.loc[mem["户编号"].isin(hh["户编号"]), "证件号码"]
    ea = tables["education_aid"]
    ea = ea[ea["证件号码"].isin(ids) & _school_year_overlaps(ea["学年"], year)]
    by_prog = {}
    for p, g in ea.groupby("资助项目", sort=True):
        by_prog[str(p)] = {"count": int(len(g)), "amount": float(_dsum(g["金额"]) / Decimal(10000))}
    rb = ea[ea["资助项目"] == RAINBOW]
    return {"by_programme": by_prog,
            "rainbow": {"count": int(len(rb)), "amount": float(_dsum(rb["金额"]) / Decimal(10000))},
            "students": int(ea["证件号码"].nunique())}


# ---------------------------------------------------------------- assets
def assets(tables: dict, township: str, year: int, report_date,
           notes: list | None = None) -> dict | None:
    """项目资产 of T (乡镇 = T; 县本级 assets belong to the county summary)."""
    note = _Notes(notes, "assets")
    tables, absent = _prep(tables)
    if note.missing_table(tables, "assets"):
        return None
    d = _ts(report_date)
    a = tables["assets"]
    a = a[_town_mask(a["乡镇"], township)
          & (a["形成年度"].astype("Int64") <= year).fillna(False).astype(bool)]
    gone = absent["assets"]
    by_class = {c: {"count": 0, "value": 0.0} for c in ASSET_CLASSES}
    for c, g in a.groupby("资产类别"):
        by_class[str(c)] = {"count": int(len(g)), "value": _wan(g["资产原值"])}
    out = {"count": int(len(a)), "value": _wan(a["资产原值"]), "by_class": by_class,
           "registered": None, "registered_rate": None, "unregistered": None, "income": None}
    if "确权日期" in gone:
        note.column(["registered_rate"], "assets", "确权日期")
    else:
        reg = int(_on_or_before(a["确权日期"], d).sum())
        out.update(registered=reg, unregistered=int(len(a)) - reg, registered_rate=_pct_of(reg, len(a)))
    if "当年收益" in gone:
        note.column(["income"], "assets", "当年收益")
    else:
        out["income"] = _wan(a.loc[a["资产类别"] == OPERATING, "当年收益"])
    return out


# ---------------------------------------------------------------- villages
def villages(tables: dict, township: str, year: int, report_date,
             notes: list | None = None) -> dict | None:
    """村 of T: counts, staff and collective-economy income (rows of Y when 年度 is given)."""
    note = _Notes(notes, "villages")
    tables, absent = _prep(tables)
    if note.missing_table(tables, "villages"):
        return None
    v = tables["villages"]
    v = v[_town_mask(v["乡镇"], township)]
    gone = absent["villages"]
    v = v.assign(_村=_village_key(v))
    names = v["_村"][_nonblank(v["村"])]
    out = {"count": int(names.nunique()), "poverty_exited": None, "groups": None, "grid_staff": None,
           "work_team": None, "collective_income_5": None, "collective_income_10": None,
           "collective_income_counted": None}
    if not len(v):
        return note.whole("no_rows", "villages", _no_rows_reason("villages"))
    if "是否脱贫村" in gone:
        note.column(["poverty_exited"], "villages", "是否脱贫村")
    else:
        out["poverty_exited"] = int(v.loc[_true(v["是否脱贫村"]), "_村"].nunique())
    if "年度" in gone:
        cur = v.drop_duplicates("_村", keep="last")
    else:
        cur = v[_year_is(v["年度"], year)].drop_duplicates("_村", keep="last")
    if not len(cur):
        for k in ("groups", "grid_staff", "work_team", "collective_income_5", "collective_income_10"):
            note.add(k, "no_rows", "villages", None, f"村数据中没有{year}年的记录")
        return out
    for key, col in (("groups", "村民小组数"), ("grid_staff", "网格员数"), ("work_team", "驻村工作队员数")):
        if col in gone:
            note.column([key], "villages", col)
        else:
            out[key] = _int(cur[col].sum())
    if "村集体经济收入" in gone:
        note.column(["collective_income_5", "collective_income_10"], "villages", "村集体经济收入")
    else:
        inc = cur["村集体经济收入"].dropna().astype(float)
        n = int(len(inc))
        out["collective_income_counted"] = n
        if n:
            for key, t in (("collective_income_5", 5), ("collective_income_10", 10)):
                k = int((inc >= t).sum())
                out[key] = {"count": k, "share": _pct_of(k, n)}
        else:
            note.add("collective_income_5", "column_absent", "villages", "村集体经济收入", "各村均未填写村集体经济收入")
    return out


def more(tables: dict, township: str, year: int, report_date, policy: dict, ind: dict,
         notes: list | None = None) -> None:
    """Add the issue-11 keys to ``ind`` (in place): new keys of the core topics and the
    topics of MORE_TOPICS."""
    if ind.get("monitoring") is not None:
        ind["monitoring"].update(monitoring_more(ind["monitoring"]))
    if ind.get("funds") is not None:
        ind["funds"].update(funds_more(tables, township, year, report_date, policy, notes) or {})
    if ind.get("employment") is not None:
        ind["employment"].update(employment_more(tables, township, year, report_date, ind["employment"], notes) or {})
    if ind.get("income") is not None:
        ind["income"].update(income_more(tables, township, year, report_date, policy, ind["income"]) or {})
    ind["relocation"] = relocation(tables, township, year, report_date, notes)
    ind["security"] = security(tables, township, year, report_date, notes)
    ind["education"] = education(tables, township, year, report_date, notes)
    ind["credit"] = credit(tables, township, year, report_date, notes)
    ind["assistance"] = assistance(tables, township, year, report_date, notes)
    ind["education_aid"] = education_aid(tables, township, year, report_date, notes)
    ind["assets"] = assets(tables, township, year, report_date, notes)
    ind["villages"] = villages(tables, township, year, report_date, notes)


# ---------------------------------------------------------------- flags of the further topics
# In the structured form of ``flags`` (topic, theme, rule, severity, values, message);
# registered with ``@rule`` after the core rules. Each skips a null figure.
def _more_gap(ind: dict, policy: dict) -> list[dict]:
    gap = (ind.get("security") or {}).get("unable_to_work_unsecured")
    if not gap or not gap.get("households"):
        return []
    v = {"households": int(gap["households"]), "persons": int(gap["persons"])}
    return [_flag("security", "兜底保障", "unsecured_no_labour", "high", v,
                  f"风险未消除的监测对象中，家中无劳动力且未纳入低保或特困供养的{text.hp(v)}")]


def _more_out_of_school(ind: dict, policy: dict) -> list[dict]:
    n = (ind.get("education") or {}).get("compulsory_age_not_in_school")
    if not n:
        return []
    return [_flag("education", "兜底保障", "out_of_school", "high", {"persons": int(n)},
                  f"脱贫户和监测对象家庭中义务教育阶段适龄（6至15周岁）人员登记为非在校生的{int(n)}人")]


def _more_overdue(ind: dict, policy: dict) -> list[dict]:
    od = (ind.get("credit") or {}).get("overdue")
    if not od or not od.get("count"):
        return []
    v = {"count": int(od["count"]), "amount": od["amount"]}
    return [_flag("credit", "金融帮扶", "overdue_loans", "medium", v,
                  f"脱贫人口小额信贷逾期{v['count']}笔、{text.wan(v['amount'])}")]


def _more_unregistered(ind: dict, policy: dict) -> list[dict]:
    a = ind.get("assets") or {}
    if not a.get("unregistered"):
        return []
    v = {"unregistered": int(a["unregistered"]), "count": int(a["count"]), "registered_rate": a["registered_rate"]}
    return [_flag("assets", "资金项目", "assets_unregistered", "medium", v,
                  f"登记的{v['count']}项扶贫项目资产中尚有{v['unregistered']}项未确权，确权率{text.pct(v['registered_rate'])}")]


def _more_start_progress(ind: dict, policy: dict) -> list[dict]:
    missed = [{"date": p["date"], "start_rate": p["start_rate"], "target": p["target"]}
              for p in (ind.get("funds") or {}).get("start_progress") or []
              if p.get("start_rate") is not None and p["start_rate"] < p["target"]]
    if not missed:
        return []
    parts = "、".join(f"{text.date_cn(p['date'])[5:]}开工率{text.pct(p['start_rate'])}（要求{text.num(p['target'])}%）"
                     for p in missed)
    return [_flag("funds", "资金项目", "start_progress", "medium", {"checkpoints": missed},
                  f"衔接资金项目开工进度未达要求：{parts}")]


def _more_stable_work(ind: dict, policy: dict) -> list[dict]:
    e = ind.get("employment") or {}
    need = policy.get("stable_work_share_min")
    s, w = e.get("stable_workers"), (e.get("workers") or {}).get("total")
    if need is None or s is None or not w or s / w * 100 >= float(need):
        return []
    v = {"stable_workers": int(s), "workers": int(w), "share": s / w * 100, "target": float(need)}
    return [_flag("employment", "就业", "stable_work_shortfall", "medium", v,
                  f"务工{w}人中务工6个月以上的稳定就业{s}人，占{text.pct(v['share'])}，低于{text.num(need)}%的要求")]


def _more_income_targets(ind: dict, policy: dict) -> list[dict]:
    inc = ind.get("income") or {}
    out = []
    for key, tkey, label, rule_ in (("per_capita_wage", "wage_income_target", "人均工资性收入", "wage_below_target"),
                                    ("per_capita_business_net", "business_income_target", "人均生产经营净收入",
                                     "business_below_target")):
        v, t = inc.get(key), inc.get(tkey)
        if v is not None and t is not None and v < t:
            out.append(_flag("income", "增收", rule_, "medium", {"value": v, "target": t},
                             f"脱贫户和监测对象{label}{text.yuan(v)}，低于{text.yuan(t)}的目标"))
    return out


MORE_FLAG_RULES = (_more_gap, _more_out_of_school, _more_income_targets, _more_stable_work,
                   _more_start_progress, _more_unregistered, _more_overdue)


def _register_more_rules() -> None:
    """Register the rules above with the structured ``flags`` (``@rule``); a ``flags``
    without a rule registry (the older list form) is left as it is."""
    reg = globals().get("rule")
    registry = globals().get("FLAG_RULES")
    if reg is None or registry is None:
        return
    for fn in MORE_FLAG_RULES:
        if fn not in registry:
            reg(fn)


_register_more_rules()


# =============================================================================
# County level (issue 13; indicators.md "County level"): the county summary.
#
# One definition per figure: ``county`` calls the township functions above with a
# *set* of townships (``_town_mask``), so every count and sum pools the rows of the
# townships, and every rate and per-capita figure is recomputed from the pooled
# numerator and denominator (Σ/Σ) — never an average of township rates. Rows the
# county holds itself (乡镇 = 县本级 in projects and assets) are in the set too, so the
# county's funds and assets include them; they are also stated on their own
# (``county_held``). The industry share of 衔接资金 by source is assessed here against
# ``industry_share_min`` (a county or province target), never for one township.
# =============================================================================
COUNTY_LEVEL = contract.COUNTY_LEVEL


def _pnext(policy: dict, name: str):
    """A target for Y+1: ``policy["next_year"][name]`` when set, else this year's target."""
    ny = (policy or {}).get("next_year") or {}
    v = ny.get(name)
    return v if v is not None else (policy or {}).get(name)


def industry_assessment(fu: dict | None, policy: dict) -> list[dict] | None:
    """The pooled industry share of each source that has a target: ``[{source, approved,
    industry, share, target, met}]`` (sources with no money this year left out); None
    without funds data or targets."""
    targets = (policy or {}).get("industry_share_min") or {}
    if not fu or not targets:
        return None
    out = []
    for src, t in targets.items():
        amount = ((fu.get("approved") or {}).get("by_source") or {}).get(src)
        share = (fu.get("industry_share") or {}).get(src)
        if not amount or share is None:
            continue
        out.append({"source": src, "approved": amount, "industry": amount * share / 100, "share": share,
                    "target": float(t), "met": bool(share >= float(t))})
    return out


def _county_industry_share(ind: dict, policy: dict) -> list[dict]:
    """County flag: a source's industry share below its target (not a township rule:
    registered here, not with ``@rule``)."""
    if ind.get("level") != "county":
        return []
    missed = [{"source": a["source"], "share": a["share"], "target": a["target"]}
              for a in (ind.get("funds") or {}).get("industry_assessment") or [] if not a["met"]]
    if not missed:
        return []
    parts = "、".join(f"{m['source']}用于产业发展的比重为{text.pct(m['share'])}，低于{text.num(m['target'])}%"
                     for m in missed)
    return [_flag("funds", "资金项目", "industry_share", "high", {"sources": missed}, parts)]


COUNTY_FLAG_RULES = (_county_industry_share,)


def county_flags(ind: dict, policy: dict) -> list[dict]:
    """The county summary's flags: the township rules on the pooled figures, plus the
    county-only rules; sorted like :func:`flags`."""
    out = flags(ind, policy)
    for fn in COUNTY_FLAG_RULES:
        out += fn(ind, policy) or []
    rank = {s: i for i, s in enumerate(SEVERITY)}
    return sorted(out, key=lambda f: (rank[f["severity"]], THEMES.index(f["theme"])))


def _g(d, *path):
    for p in path:
        if not isinstance(d, dict):
            return None
        d = d.get(p)
    return d


def township_figures(ind: dict) -> dict:
    """One township's key figures for the county's comparison table and sentences (from
    its indicators, i.e. its published ``indicators.json``). Figures, never a count of
    flags."""
    b = ind.get("basic") or {}
    idd = _g(ind, "monitoring", "identification_days") or {}
    prog = _g(ind, "funds", "progress") or []
    return {
        "villages": b.get("villages"), "households": b.get("households"), "persons": b.get("persons"),
        "exited_poor": b.get("exited_poor"), "monitoring": _g(ind, "monitoring", "total"),
        "unresolved": _g(ind, "monitoring", "unresolved"),
        "new_in_year": _g(ind, "monitoring", "new_in_year"),
        "identification_median": idd.get("median"), "identification_max": idd.get("max"),
        "identification_over": idd.get("over_limit"),
        "per_capita_net": _g(ind, "income", "per_capita_net", "covered"),
        "growth": _g(ind, "income", "growth", "covered"),
        "below": _g(ind, "income", "below"),
        "labor_force": _g(ind, "employment", "labor_force"),
        "workers": _g(ind, "employment", "workers", "total"),
        "zero_employment": _g(ind, "employment", "zero_employment_households"),
        "wage_income": _g(ind, "employment", "wage_income"),
        "projects": _g(ind, "funds", "projects"), "approved": _g(ind, "funds", "approved", "total"),
        "paid": _g(ind, "funds", "paid"), "paid_rate": _g(ind, "funds", "paid_rate"),
        "started": _g(ind, "funds", "started"), "start_rate": _g(ind, "funds", "start_rate"),
        "last_checkpoint": prog[-1] if prog else None,
        "in_post": _g(ind, "posts", "in_post", "total"),
        "annual_cost": _g(ind, "posts", "annual_cost", "total"),
    }


def _lowest(rows: dict, key: str, target=None):
    """(township, value) with the lowest ``key`` when it stands out: below ``target``
    (when given) and not tied with another township."""
    vals = {t: r[key] for t, r in rows.items() if r.get(key) is not None}
    if len(vals) < 2:
        return None
    t, v = min(vals.items(), key=lambda kv: (kv[1], kv[0]))
    if sum(1 for x in vals.values() if x == v) > 1 or (target is not None and not v < target):
        return None
    return t, v


def _highest(rows: dict, key: str, above=0):
    vals = {t: r[key] for t, r in rows.items() if r.get(key) is not None}
    if len(vals) < 2:
        return None
    t, v = max(vals.items(), key=lambda kv: (kv[1], kv[0]))
    if sum(1 for x in vals.values() if x == v) > 1 or not v > above:
        return None
    return t, v


def standouts(rows: dict, policy: dict) -> dict:
    """The townships that stand out on one figure, for the sentences that name them: the
    furthest below a target, the most zero-employment households, the slowest
    identification. Each ``{township, value, target?}``; a figure where nobody stands out
    (a tie, fewer than two townships, nobody below the target) is left out. Never a
    ranking by a count of flags."""
    out: dict = {}
    cps = [r["last_checkpoint"] for r in rows.values() if r.get("last_checkpoint")]
    paid_target = cps[0]["target"] if cps else None
    x = _lowest({t: {"v": (r.get("last_checkpoint") or {}).get("paid_rate")} for t, r in rows.items()}, "v",
                paid_target)
    if x:
        out["paid_rate"] = {"township": x[0], "value": x[1], "target": paid_target,
                            "date": next(r["last_checkpoint"]["date"] for r in rows.values() if r.get("last_checkpoint"))}
    st = (policy or {}).get("start_progress") or {}
    st_target = float(st[max(st)]) if st else None
    x = _lowest(rows, "start_rate", st_target)
    if x:
        out["start_rate"] = {"township": x[0], "value": x[1], "target": st_target}
    x = _highest(rows, "zero_employment")
    if x:
        out["zero_employment"] = {"township": x[0], "value": x[1]}
    limit = (policy or {}).get("identification_days_max")
    x = _highest(rows, "identification_median", limit if limit is not None else 0)
    if x is None:
        x = _highest(rows, "identification_max", limit if limit is not None else 0)
        if x:
            out["identification_max"] = {"township": x[0], "value": x[1], "target": limit}
    else:
        out["identification_median"] = {"township": x[0], "value": x[1], "target": limit}
    thr = [float(k) for k in (policy or {}).get("income_thresholds") or []]
    if thr:
        key = _key(min(thr))
        lows = {t: {"v": ((r.get("below") or {}).get(key) or {}).get("households")} for t, r in rows.items()}
        x = _highest(lows, "v")
        if x:
            out["below"] = {"township": x[0], "value": x[1], "threshold": min(thr)}
    x = _lowest(rows, "per_capita_net")
    if x:
        out["per_capita_net"] = {"township": x[0], "value": x[1]}
    return out


def plan_targets(ind: dict, policy: dict) -> list[dict]:
    """The 工作目标 of the county's {Y+1}年工作计划, as numbers: ``[{key, value, unit,
    due, source, basis?}]``. ``source`` is ``policy`` when the value comes from the policy
    file (``next_year`` first, else this year's target), ``derived`` when it comes from this
    year's figures; ``due`` is an ISO date in Y+1 (never on or before the report date)."""
    year = int(ind["year"])
    nxt = year + 1
    end = dt.date(nxt, 12, 31).isoformat()
    out: list[dict] = []

    def add(key, value, unit, due, source, **kw):
        out.append({"key": key, "value": value, "unit": unit, "due": due, "source": source, **kw})

    def dated(progress):
        items = []
        for mmdd, t in sorted((progress or {}).items()):
            m, d = (int(x) for x in str(mmdd).split("-"))
            items.append((dt.date(nxt, m, d).isoformat(), float(t)))
        return items

    mon, inc, emp, fu = (ind.get(k) or {} for k in ("monitoring", "income", "employment", "funds"))
    if mon:
        limit = _pnext(policy, "identification_days_max")
        if limit is not None:
            add("identification_days", float(limit), "天", end, "policy")
    if fu:
        for due, t in dated(_pnext(policy, "spend_progress")):
            add("spend_progress", t, "%", due, "policy")
        for due, t in dated(_pnext(policy, "start_progress")):
            add("start_progress", t, "%", due, "policy")
        for src, t in sorted((_pnext(policy, "industry_share_min") or {}).items(),
                             key=lambda kv: SOURCES.index(kv[0]) if kv[0] in SOURCES else 99):
            add("industry_share", float(t), "%", end, "policy", source_name=src)
    if inc:
        bench = inc.get("rural_benchmark_growth")
        g = _g(inc, "growth", "covered")
        if bench is None and g is not None and g > 0:
            add("income_growth", round(g, 2), "%", end, "derived", basis=g)
        floor = _pnext(policy, "income_floor")
        if floor is None and policy.get("income_thresholds"):
            floor = min(float(x) for x in policy["income_thresholds"])
        if floor is not None:
            add("income_floor", float(floor), "元", end, "policy" if _pnext(policy, "income_floor") else "derived")
        for key, pkey in (("wage_income", "wage_income_target"), ("business_income", "business_income_target")):
            t = _pnext(policy, pkey)
            if t is not None:
                add(key, float(t), "元", end, "policy")
    if emp:
        w = _g(emp, "workers", "total")
        if w:
            add("workers", int(w), "人", end, "derived", basis=int(w))
        z = emp.get("zero_employment_households")
        if z:
            add("zero_employment", 0, "户", end, "derived", basis=int(z))
    v = ind.get("villages") or {}
    ci = v.get("collective_income_5") or {}
    if v.get("collective_income_counted") and ci.get("count") is not None:
        add("collective_income_5", 100.0, "%", end, "derived", basis=ci.get("share"),
            count=v["collective_income_counted"])
    a = ind.get("assets") or {}
    if a.get("unregistered"):
        add("assets_registered", 100.0, "%", end, "derived", basis=a.get("registered_rate"))
    if (ind.get("education") or {}).get("compulsory_age_not_in_school"):
        add("out_of_school", 0, "人", end, "derived", basis=ind["education"]["compulsory_age_not_in_school"])
    if _g(ind, "credit", "overdue", "count"):
        add("overdue_loans", 0, "笔", end, "derived", basis=ind["credit"]["overdue"]["count"])
    rd = ind.get("report_date")
    if rd:
        out = [t for t in out if t["due"] > str(rd)[:10]]
    return out


def county(tables: dict, townships, year: int, report_date, policy: dict, *,
           county_name: str | None = None, town_inds: dict | None = None) -> dict:
    """The county summary's indicators: :func:`compute` over the townships pooled (plus
    县本级 rows), with ``level`` = ``county``, ``township`` = ``county`` = the county's
    name, ``townships`` (those pooled), ``county_held`` (县本级's own funds and assets),
    ``funds.industry_assessment``, ``by_township`` (each township's key figures, from
    ``town_inds`` — their published indicators — or computed), ``standouts``,
    ``plan_targets`` and the county's ``flags``. In two steps: :func:`county_pooled`
    (everything computed from the pooled tables) and :func:`county_by_township` (the
    rest)."""
    ind = county_pooled(tables, townships, year, report_date, policy, county_name=county_name)
    return county_by_township(ind, tables, townships, year, report_date, policy, town_inds=town_inds)


def county_pooled(tables: dict, townships, year: int, report_date, policy: dict, *,
                  county_name: str | None = None) -> dict:
    """The part of :func:`county` computed from the pooled tables (the costly part)."""
    report_date = _as_date(report_date)
    towns = [t for t in townships if t != COUNTY_LEVEL]
    pool = frozenset(towns) | {COUNTY_LEVEL}
    partial = {n: {c: list(ts) for c, ts in df.attrs["partial_columns"].items()}
               for n, df in (tables or {}).items() if df is not None and df.attrs.get("partial_columns")}
    tables, _ = _prep(tables)
    ind = compute(tables, pool, year, report_date, policy)
    ind["basic"] = basic(tables, pool, report_date)
    name = county_name or ind.get("county")
    ind.update(level="county", township=name, county=name, townships=list(towns), partial_columns=partial)
    held_f = funds(tables, COUNTY_LEVEL, year, report_date, policy) if _has(tables, "projects") else None
    held_a = assets(tables, COUNTY_LEVEL, year, report_date) if _has(tables, "assets") else None
    ind["county_held"] = {"funds": held_f, "assets": held_a}
    if ind.get("funds") is not None:
        ind["funds"]["industry_assessment"] = industry_assessment(ind["funds"], policy)
    return ind


def county_by_township(ind: dict, tables: dict | None, townships, year: int, report_date, policy: dict, *,
                       town_inds: dict | None = None) -> dict:
    """Complete :func:`county_pooled`'s ``ind`` (in place, and returned): each township's
    key figures from ``town_inds`` (computed from ``tables`` for a township not in it; no
    tables are needed when every township is), the standouts, flags and plan targets."""
    report_date = _as_date(report_date)
    towns = [t for t in townships if t != COUNTY_LEVEL]
    prepped = None
    rows = {}
    for t in towns:
        ti = (town_inds or {}).get(t)
        if ti is None:
            if prepped is None:
                prepped, _ = _prep(tables)
            ti = compute(prepped, t, year, report_date, policy)
            ti["basic"] = basic(prepped, t, report_date)
        rows[t] = township_figures(ti)
    ind["by_township"] = rows
    ind["standouts"] = standouts(rows, policy)
    ind["flags"] = county_flags(ind, policy)
    ind["plan_targets"] = plan_targets(ind, policy)
    return ind


def _as_date(report_date):
    if isinstance(report_date, dt.datetime):
        return report_date.date()
    if isinstance(report_date, str):
        return dt.date.fromisoformat(report_date[:10])
    return report_date
