"""Shared pieces of every topic's indicators: the constants of the indicator definitions, the
preparation of the conformed tables (absent columns noted), masks for a township, a date and
a group, household/person counts, decimal sums, and the chart specs a topic returns
(``bar``, ``grouped_bar``; :mod:`zhenxing.report.charts` draws them).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from zhenxing.data import contract, params
from zhenxing.data.schema import (  # noqa: F401 — re-used by the topic modules
    ASSET_CLASSES,
    CATEGORIES,
    FUND_SOURCES,
    LABOUR_FORCE,
    PROJECT_TYPES,
    REGIONS,
    to_wan,
)
from zhenxing.words.wording import asof_phrase

# Categories of the data contract (every category map holds all of them).
RISK_TYPES = (
    "因病", "因残", "因学", "因灾", "因意外事故", "因产业项目失败", "因务工就业不稳",
    "因缺劳动力", "因住房安全", "因饮水安全", "其他",
)
# the contract's own lists (data/schema.py), named as the indicators use them
LABOR_FORCE = LABOUR_FORCE
SOURCES = FUND_SOURCES
INDUSTRY = "产业发展"
NOT_PERFORMING = "不履职"
BLANK = "未填写"  # key used for a blank value in an open-text breakdown
INCOME_PARTS = {
    "工资性": ("工资性收入",),
    "生产经营性": ("生产经营性收入", "-生产经营性支出"),
    "财产性": ("财产性收入",),
    "转移性": ("转移性收入",),
}

# For tests and examples only (a report takes its county's policy): the targets of
# params/defaults.yaml alone, read from that one file rather than repeated here.
DEFAULT_POLICY = params.policy(None, 2023)
# 衔接资金 in the text: the four levels of 财政衔接资金 only (indicators.md funds.linkage);
# 东西部协作资金, 社会帮扶资金 and 其他资金 are named as such, never summed into it.
LINKAGE_SOURCES = ("中央衔接资金", "省级衔接资金", "市级衔接资金", "县级衔接资金")

# Chinese names of the tables, as the report names them.
TABLE_NAMES = {
    "households": "农户信息", "members": "家庭成员", "work": "务工信息", "income": "收入",
    "projects": "衔接资金项目", "payments": "资金拨付", "posts": "公益性岗位",
}
CAUSES = ("table_absent", "column_absent", "no_rows", "no_prev_year", "implausible")


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
    names = [c.name for c in spec["cols"] if c.name not in contract.DROPPED] if spec else []
    out = {n for n in names if n not in df.columns}
    out |= set(df.attrs.get("absent_columns", ()) or ())
    return out


def prep(tables: dict) -> tuple[dict, dict]:
    """(tables with every contract column present, table → set of absent columns).

    A frame missing contract columns (a hand-built frame, an empty ``DataFrame()``) is
    copied shallowly and given typed null columns; the copy records them in
    ``attrs["absent_columns"]`` so that preparing it again gives the same answer. Names
    and ids (``DROPPED``: the validated tables never hold them, no figure reads them) are
    neither added nor absent, so a frame that lacks nothing else carries no ``attrs``
    (pandas deep-copies them into every frame and column made from it: ~30 % of a
    township's computing time when the households table carried them)."""
    out, absent = {}, {}
    for name, df in (tables or {}).items():
        if df is None:
            continue
        spec = contract.TABLES.get(name)
        miss = absent_columns(df, name)
        if spec is not None:
            add = [c for c in spec["cols"] if c.name not in df.columns and c.name not in contract.DROPPED]
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


class Notes:
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


def no_rows_reason(table: str) -> str:
    return f"{TABLE_NAMES[table]}数据中没有本乡镇的记录"


# ---------------------------------------------------------------- helpers
def ts(d) -> pd.Timestamp:
    return pd.Timestamp(d).normalize()


def has(tables: dict, *names: str) -> bool:
    return all(tables.get(n) is not None for n in names)


def _filled(x) -> bool:
    return bool(x.strip()) if isinstance(x, str) else not pd.isna(x)


def nonblank(s: pd.Series) -> pd.Series:
    """Rows with a value that is not blank (not missing, not only spaces). An object
    column (text, as the validated tables hold it) is checked value by value in one pass:
    the same answer as through pandas' string methods, without their per-call cost."""
    if s.dtype == object:
        vals = s.to_numpy()
        return pd.Series(np.fromiter(map(_filled, vals), dtype=bool, count=len(vals)), index=s.index)
    return s.notna() & (s.astype("string").str.strip().fillna("") != "")


def true(s: pd.Series) -> pd.Series:
    """是/否 column → plain bool mask (NA → False)."""
    return s.astype("boolean").fillna(False).astype(bool)


def month_only_mask(df: pd.DataFrame, col: str) -> pd.Series:
    flag = col + "_仅月"
    if flag in df.columns:
        return df[flag].astype("boolean").fillna(False).astype(bool)
    return pd.Series(False, index=df.index)


def on_or_before(s: pd.Series, d: pd.Timestamp) -> pd.Series:
    if s.dtype.kind == "M" and getattr(s.dtype, "tz", None) is None:  # (NaT compares False)
        return pd.Series(s.to_numpy() <= pd.Timestamp(d).to_datetime64(), index=s.index)
    return (s.notna() & (s <= d)).astype(bool)


def in_year(s: pd.Series, year: int, d: pd.Timestamp) -> pd.Series:
    return (s.notna() & (s.dt.year == year) & (s <= d)).fillna(False).astype(bool)


def year_is(s: pd.Series, year: int) -> pd.Series:
    return (s == year).fillna(False).astype(bool)


def as_int(x) -> int:
    return int(0 if pd.isna(x) else x)


def hp_counts(df: pd.DataFrame) -> dict:
    """{households, persons} of household rows (persons = Σ家庭人口数)."""
    return {
        "households": int(len(df)),
        "persons": as_int(df["家庭人口数"].sum()) if len(df) else 0,
    }


def hp_by(df: pd.DataFrame, col: str, keys) -> dict:
    out = {k: {"households": 0, "persons": 0} for k in keys}
    if len(df):
        vals = df[col].where(nonblank(df[col]), BLANK)
        for k, g in df.groupby(vals, sort=True):
            out[str(k)] = hp_counts(g)
    return out


def hp_with(df: pd.DataFrame, col: str, keys) -> dict:
    out = hp_counts(df)
    out["by_category"] = hp_by(df, col, keys)
    return out


def dsum(values) -> Decimal:
    total = Decimal(0)
    for v in values:
        if v is not None and not pd.isna(v):
            total += Decimal(str(float(v)))
    return total


def sum_wan(values, table: str, column: str) -> float:
    """Σ of a money column's values, in 万元, in decimal arithmetic: converted by the unit
    the column's metadata gives (data/schema.py), never by which helper a caller picks."""
    return float(to_wan(dsum(values), table, column))


def pct_of(part, whole) -> float | None:
    if part is None or whole is None or whole == 0:
        return None
    return float(part) / float(whole) * 100


def change_rate(new, old) -> float | None:
    """Percent change (new − old) / old × 100; None when old is 0 or missing."""
    if new is None or old is None or old == 0:
        return None
    return (float(new) - float(old)) / float(old) * 100


def threshold_key(threshold) -> str:
    f = float(threshold)
    return str(int(f)) if f.is_integer() else str(f)


def town_mask(s: pd.Series, township) -> pd.Series:
    """Rows of the township ``township`` (a name), or of any of a set of townships (a
    frozenset, list or tuple of names: the county summary pools them with the same
    definitions). One name gives exactly the township's own rows."""
    if isinstance(township, str):
        return (s == township).fillna(False).astype(bool)
    return s.isin(list(township)).fillna(False).astype(bool)


def village_key(df: pd.DataFrame) -> pd.Series:
    """A village as (乡镇, 村): two townships may have villages of the same name. Within
    one township it counts exactly as 村 alone."""
    return df["乡镇"].astype("string").fillna("") + "\0" + df["村"].astype("string").fillna("")


def village_label(df: pd.DataFrame, township) -> pd.Series:
    """How a village is named in a breakdown: 村 for one township, 乡镇+村 for several."""
    if isinstance(township, str):
        return df["村"]
    return df["乡镇"].astype("string").fillna("") + df["村"].astype("string").fillna("")


def households(tables: dict, township) -> pd.DataFrame:
    hh = tables["households"]
    mask = town_mask(hh["乡镇"], township)
    return hh.copy(deep=False) if mask.all() else hh[mask]   # (a township's own tables: all rows)


def monitored_mask(hh: pd.DataFrame, d: pd.Timestamp, dated: bool = True) -> pd.Series:
    """Monitoring objects at d. ``dated`` False when 纳入监测日期 is absent: the
    contract then allows no category, so only a hand-built frame reaches the fallback
    (a category counts as identified)."""
    cat = nonblank(hh["监测对象类别"])
    if not dated:
        return cat
    return cat & on_or_before(hh["纳入监测日期"], d)


def covered_mask(hh: pd.DataFrame, d: pd.Timestamp, dated: bool = True) -> pd.Series:
    return true(hh["是否脱贫户"]) | monitored_mask(hh, d, dated)


# ---------------------------------------------------------------- all
def county_of(tables: dict, township: str) -> str | None:
    for name in ("households", "projects", "posts"):
        df = tables.get(name)
        if df is not None and "县" in df.columns and "乡镇" in df.columns:
            vals = df.loc[town_mask(df["乡镇"], township), "县"].dropna()
            if len(vals):
                return str(vals.mode().iloc[0])
    return None
TABLE_NAMES.update({"credit": "小额信贷", "assistance": "社会救助", "education_aid": "教育资助",
                    "assets": "项目资产", "villages": "村"})
ASSISTANCE_TYPES = contract.ASSISTANCE_TYPES


def town_households(tables: dict, township: str, d: pd.Timestamp, absent: dict):
    """(households of T, covered households of T at d)."""
    hh = households(tables, township)
    dated = "纳入监测日期" not in absent.get("households", set())
    return hh, hh[covered_mask(hh, d, dated)]


def count_amount(df: pd.DataFrame, col: str, *, yuan: bool = False) -> dict:
    amt = dsum(df[col]) / (Decimal(10000) if yuan else Decimal(1))
    return {"count": int(len(df)), "amount": float(amt)}


def age_on(birth: pd.Series, on: pd.Timestamp) -> pd.Series:
    """Whole years of age on a date (Int64, NA without a birth date)."""
    b = pd.to_datetime(birth)
    years = on.year - b.dt.year
    before = (b.dt.month > on.month) | ((b.dt.month == on.month) & (b.dt.day > on.day))
    return (years - before.astype("Int64")).astype("Int64")


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


def get_path(d, *path):
    for p in path:
        if not isinstance(d, dict):
            return None
        d = d.get(p)
    return d


def as_date(report_date):
    if isinstance(report_date, dt.datetime):
        return report_date.date()
    if isinstance(report_date, str):
        return dt.date.fromisoformat(report_date[:10])
    return report_date


# ---------------------------------------------------------------- chart specs
@dataclass(frozen=True)
class ChartSpec:
    """What a chart shows, as a topic defines it: :func:`zhenxing.report.charts.draw`
    draws it. ``kind`` is ``bar`` (``data``: label → value) or ``grouped`` (``data``:
    series → label → value); a ``None`` value is a figure not computed (no bar)."""

    kind: str
    data: dict
    title: str
    unit: str
    horizontal: bool | None = None
    alt_prefix: str | None = None


def bar(data: dict, title: str, unit: str, *, horizontal: bool | None = None,
        alt_prefix: str | None = None) -> ChartSpec:
    """A bar chart of ``data`` (label → value)."""
    return ChartSpec("bar", data, title, unit, horizontal, alt_prefix)


def chart_when(ind: dict, *, stock: bool = False) -> str:
    """What a chart's title says of when: a year's flow "2023年", a stock at the report date
    "截至2023年底" / "截至2023年6月底" (titles say what and when; the unit is on its own line)."""
    if not stock:
        return f"{ind['year']}年"
    return f"截至{ind['year']}年{asof_phrase(ind).removeprefix('年')}"


def grouped_bar(data: dict, title: str, unit: str) -> ChartSpec:
    """Bars grouped by label, one series each (series → label → value)."""
    return ChartSpec("grouped", data, title, unit)


# ---------------------------------------------------------------- topics
@dataclass(frozen=True)
class Topic:
    """One section of the report, as its module declares it (``TOPIC``): its notebook, its
    title, the keys of ``indicators.json`` it states (its own key first) and its place
    among the sections."""

    notebook: str
    title: str
    keys: tuple[str, ...]
    section: int

    @property
    def key(self) -> str:
        return self.keys[0]
