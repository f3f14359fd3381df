"""The conditions of the review rules: small vectorised functions over the conformed
tables of one township (``zhenxing.data.contract`` schema, ids pseudonymised).

Each check is ``check(ctx, **params) -> Hits`` and is registered under the name a rule
of ``rules.yaml`` gives in ``check:``.  A hit is one record that breaks the rule:

    key        the record's key a 信息员 looks up (户编号, 项目编号, 资产编号)
    household  the household's 户编号 (counted on the summary sheet), or None
    village    the record's 村
    field      the column the finding is about
    value      its value as the workbook shows it (no names, no id numbers)
    detail     who or what, without names (e.g. "之子（2010年生，13岁）")

Checks never list a record with a blank value in the columns they compare: a blank
is "not given", not a violation.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

HIT_COLUMNS = ["key", "household", "village", "field", "value", "detail"]
CHECKS: dict = {}
LABOUR_FORCE = ("技能劳动力", "普通劳动力", "弱劳动力或半劳动力")


def check(fn):
    CHECKS[fn.__name__] = fn
    return fn


@dataclass
class Context:
    """One township's tables for one report year and date, with the derived frames the
    checks share (computed once)."""

    tables: dict
    year: int
    report_date: dt.date
    _memo: dict = field(default_factory=dict)

    @property
    def D(self) -> pd.Timestamp:
        return pd.Timestamp(self.report_date)

    def t(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def hh_village(self) -> pd.Series:
        if "hh_village" not in self._memo:
            h = self.t("households")
            s = h.drop_duplicates("户编号").set_index("户编号")["村"]
            self._memo["hh_village"] = s
        return self._memo["hh_village"]

    def members(self) -> pd.DataFrame:
        """Members with 年龄 (full years on the report date) and 村."""
        if "members" not in self._memo:
            m = self.t("members").copy()
            m["年龄"] = age_on(m["出生日期"], self.D)
            m["村"] = m["户编号"].map(self.hh_village())
            self._memo["members"] = m
        return self._memo["members"]

    def members_by_id(self) -> pd.DataFrame:
        """:meth:`members` indexed by 证件号码 (the first row of each)."""
        if "members_by_id" not in self._memo:
            self._memo["members_by_id"] = self.members().drop_duplicates("证件号码").set_index("证件号码")
        return self._memo["members_by_id"]

    def income(self) -> pd.DataFrame:
        """Income rows of the report year with 人均纯收入, indexed by 户编号."""
        if "income" not in self._memo:
            i = self.t("income")
            i = i[i["年度"] == self.year].drop_duplicates("户编号").set_index("户编号")
            h = self.t("households").drop_duplicates("户编号").set_index("户编号")
            size = i["家庭人口数"].astype("Float64").fillna(h["家庭人口数"].astype("Float64").reindex(i.index))
            net = (i["工资性收入"] + i["生产经营性收入"] - i["生产经营性支出"] + i["财产性收入"]
                   + i["转移性收入"])
            i = i.assign(家庭纯收入=net, 人均纯收入=(net / size.astype(float)))
            self._memo["income"] = i
        return self._memo["income"]


def age_on(birth: pd.Series, when: pd.Timestamp) -> pd.Series:
    """Full years of age on a date (Int64; <NA> where the birth date is blank)."""
    # (a datetime column as it is: to_datetime would scan it to decide on caching)
    b = birth if pd.api.types.is_datetime64_dtype(birth) else pd.to_datetime(birth)
    before = (b.dt.month > when.month) | ((b.dt.month == when.month) & (b.dt.day > when.day))
    age = when.year - b.dt.year - before.astype(int)
    return age.astype("Int64")


def hits(key, household, village, field_, value, detail=None) -> pd.DataFrame:
    n = len(key)
    def col(v):
        if isinstance(v, pd.Series):   # blanks as None (as .astype(object).where(notna, None))
            a = np.array(v.to_numpy(dtype=object), dtype=object, copy=True)
            a[pd.isna(a)] = None
            return a
        return np.full(n, v, dtype=object)
    df = pd.DataFrame({"key": col(key), "household": col(household), "village": col(village),
                       "field": col(field_), "value": col(value),
                       "detail": col(detail if detail is not None else "")})
    return df.reset_index(drop=True)


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in HIT_COLUMNS})


def fmt_date(s: pd.Series) -> pd.Series:
    return s.dt.strftime("%Y-%m-%d").where(s.notna(), "")


def person(m: pd.DataFrame) -> pd.Series:
    """A member described without name or id: 与户主关系（出生年，年龄）."""
    rel = m["与户主关系"].fillna("成员").astype(str)
    year = m["出生日期"].dt.year
    age = m["年龄"] if "年龄" in m else pd.Series(pd.NA, index=m.index)
    born = [f"（{int(y)}年生，{int(a)}岁）" if pd.notna(y) and pd.notna(a) else ""
            for y, a in zip(year, age)]
    return rel + pd.Series(born, index=m.index, dtype=object)


def _table_key(table: str, df: pd.DataFrame, ctx: Context):
    """(key, household, village) of the rows of a record table."""
    if table == "households":
        return df["户编号"], df["户编号"], df["村"]
    if table == "projects":
        return df["项目编号"], None, df["村"].fillna("（乡镇级）")
    if table == "assets":
        return df["资产编号"], None, df["村"].fillna("（乡镇级）")
    if table == "posts":
        hh = _person_household(ctx, df["证件号码"])
        return hh.fillna("（不在家庭成员表）"), hh, df["村"].fillna("（乡镇级）")
    raise KeyError(table)


def _person_household(ctx: Context, ids: pd.Series) -> pd.Series:
    if "members" not in ctx.tables:
        return pd.Series(None, index=ids.index, dtype=object)
    m = ctx.t("members").drop_duplicates("证件号码").set_index("证件号码")["户编号"]
    return ids.map(m)


def _not_month_only(df: pd.DataFrame, *cols: str) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    for c in cols:
        if c + "_仅月" in df:
            ok &= ~df[c + "_仅月"].astype(bool)
    return ok


# ---------------------------------------------------------------------------- dates

@check
def date_order(ctx: Context, table: str, first: str, then: str) -> pd.DataFrame:
    """``then`` earlier than ``first`` (same day is fine)."""
    df = ctx.t(table)
    bad = df[first].notna() & df[then].notna() & (df[then] < df[first])
    if table == "households":
        bad &= _not_month_only(df, first, then)
    d = df[bad]
    key, hh, village = _table_key(table, d, ctx)
    return hits(key, hh, village, then, fmt_date(d[then]) + "（" + first + " " + fmt_date(d[first]) + "）",
                _detail(table, d))


@check
def gap_below(ctx: Context, table: str, first: str, then: str, months: int) -> pd.DataFrame:
    """``then`` less than ``months`` calendar months after ``first`` (exactly that many
    months later is fine); month-only dates are left out."""
    df = ctx.t(table)
    both = df[first].notna() & df[then].notna() & _not_month_only(df, first, then)
    d = df[both]
    limit = d[first] + pd.DateOffset(months=int(months))
    d = d[d[then] < limit]
    key, hh, village = _table_key(table, d, ctx)
    return hits(key, hh, village, then, fmt_date(d[then]) + "（" + first + " " + fmt_date(d[first]) + "）",
                _detail(table, d))


@check
def gap_above(ctx: Context, table: str, first: str, then: str, days: int) -> pd.DataFrame:
    """``then`` more than ``days`` days after ``first``; month-only dates are left out."""
    df = ctx.t(table)
    both = df[first].notna() & df[then].notna() & _not_month_only(df, first, then)
    d = df[both]
    gap = (d[then] - d[first]).dt.days
    d = d[gap > int(days)]
    gap = gap[d.index]
    key, hh, village = _table_key(table, d, ctx)
    return hits(key, hh, village, then,
                fmt_date(d[then]) + "（" + first + " " + fmt_date(d[first]) + "，相隔" + gap.astype(str) + "天）",
                _detail(table, d))


def _detail(table: str, d: pd.DataFrame) -> pd.Series | str:
    if table == "households":
        return d["监测对象类别"].fillna("")
    if table == "projects":
        return d["项目名称"].fillna("")
    if table == "posts":
        return d["岗位类型"].fillna("") + "，聘用" + fmt_date(d["聘用日期"])
    if table == "assets":
        return d["资产名称"].fillna("")
    return ""


# ---------------------------------------------------------------------------- members

@check
def member_age_status(ctx: Context, column: str, values: list, min_age: int | None = None,
                      max_age: int | None = None) -> pd.DataFrame:
    """Members aged ``min_age``–``max_age`` (inclusive, on the report date) whose
    ``column`` is one of ``values``."""
    m = ctx.members()
    a = m["年龄"]
    sel = a.notna() & m[column].isin(list(values))
    if min_age is not None:
        sel &= a >= int(min_age)
    if max_age is not None:
        sel &= a <= int(max_age)
    d = m[sel.fillna(False).astype(bool)]
    return hits(d["户编号"], d["户编号"], d["村"], column, d[column], person(d))


@check
def member_values(ctx: Context, column: str, values: list, other: str, other_values: list) -> pd.DataFrame:
    """Members whose ``column`` is one of ``values`` and ``other`` one of ``other_values``."""
    m = ctx.members()
    d = m[m[column].isin(list(values)) & m[other].isin(list(other_values))]
    return hits(d["户编号"], d["户编号"], d["村"], other,
                d[other].astype(str) + "（" + column + " " + d[column].astype(str) + "）", person(d))


@check
def household_size(ctx: Context) -> pd.DataFrame:
    """家庭人口数 different from the number of member rows of the household."""
    h = ctx.t("households")
    n = ctx.t("members").groupby("户编号").size()
    count = h["户编号"].map(n).fillna(0).astype(int)
    bad = h["家庭人口数"].notna() & (h["家庭人口数"].astype("Int64") != count)
    d = h[bad.fillna(False).astype(bool)]
    c = count[d.index]
    return hits(d["户编号"], d["户编号"], d["村"], "家庭人口数",
                d["家庭人口数"].astype(str) + "（成员" + c.astype(str) + "人）")


@check
def risk_members(ctx: Context, risk: str, column: str, values: list, mode: str) -> pd.DataFrame:
    """Monitoring objects whose 主要风险类型 is ``risk`` while their members' ``column``
    is ``all`` in ``values`` (mode all) or ``none`` of them is (mode none)."""
    h = ctx.t("households")
    obj = h[h["监测对象类别"].notna() & (h["主要风险类型"] == risk)]
    m = ctx.t("members")
    m = m[m["户编号"].isin(obj["户编号"])]
    if mode == "all":
        known = m[m[column].notna()]
        rows = known.groupby("户编号").size()
        inside = known[known[column].isin(list(values))].groupby("户编号").size()
        size = m.groupby("户编号").size()
        ok_ids = rows.index[(rows == size.reindex(rows.index)) & (inside.reindex(rows.index).fillna(0) == rows)]
        d = obj[obj["户编号"].isin(ok_ids)]
        value = "全部" + rows.reindex(d["户编号"]).astype(int).astype(str).to_numpy() + "人为劳动力"
    elif mode == "none":
        if m[column].notna().sum() == 0:
            return empty()
        has = m[m[column].isin(list(values))]["户编号"].unique()
        members_of = m["户编号"].unique()
        d = obj[obj["户编号"].isin(members_of) & ~obj["户编号"].isin(has)]
        value = np.full(len(d), f"家中无{column}为在校的成员", dtype=object)
    else:
        raise ValueError(f"mode 应为 all 或 none：{mode} [bad_param]")
    return hits(d["户编号"], d["户编号"], d["村"], "主要风险类型",
                d["主要风险类型"].astype(str) + "（" + pd.Series(value, index=d.index, dtype=object) + "）",
                d["监测对象类别"])


# ---------------------------------------------------------------------------- income

@check
def income_below(ctx: Context, who: str, threshold) -> pd.DataFrame:
    """Households (``who``: exited_not_monitored | eliminated) whose 人均纯收入 of the
    report year is below ``threshold`` (exactly at the threshold is fine)."""
    if threshold is None:
        return empty()
    h = ctx.t("households")
    if who == "exited_not_monitored":
        sel = h["是否脱贫户"].fillna(False).astype(bool) & h["监测对象类别"].isna()
    elif who == "eliminated":
        sel = h["监测对象类别"].notna() & h["风险消除日期"].notna() & (h["风险消除日期"] <= ctx.D)
    else:
        raise ValueError(f"who 应为 exited_not_monitored 或 eliminated：{who} [bad_param]")
    d = h[sel]
    pc = d["户编号"].map(ctx.income()["人均纯收入"]).astype(float)
    below = pc.notna() & (pc < float(threshold))
    d, pc = d[below], pc[below]
    return hits(d["户编号"], d["户编号"], d["村"], "人均纯收入",
                pc.round(0).astype(int).astype(str) + f"元（{ctx.year}年，监测范围{float(threshold):g}元）",
                d["监测对象类别"].fillna("脱贫户"))


@check
def assistance_no_transfer(ctx: Context) -> pd.DataFrame:
    """低保 or 特困 households whose income row of the year has no 转移性收入."""
    h = ctx.t("households")
    on = h["是否低保户"].fillna(False).astype(bool) | h["是否特困供养"].fillna(False).astype(bool)
    d = h[on]
    tr = d["户编号"].map(ctx.income()["转移性收入"]).astype(float)
    bad = tr.notna() & (tr <= 0)
    d = d[bad]
    kind = np.where(d["是否低保户"].fillna(False).astype(bool), "低保户", "特困供养户")
    return hits(d["户编号"], d["户编号"], d["村"], "转移性收入", f"0元（{ctx.year}年）",
                pd.Series(kind, index=d.index, dtype=object))


# ---------------------------------------------------------------------------- work

def _work_year(ctx: Context) -> pd.DataFrame:
    """Work rows of the report year with the member's household, village and person
    (computed once per township; the checks only select from it)."""
    if "work_year" not in ctx._memo:
        ctx._memo["work_year"] = _join_work_year(ctx)
    return ctx._memo["work_year"]


def _join_work_year(ctx: Context) -> pd.DataFrame:
    w = ctx.t("work")
    w = w[w["年度"] == ctx.year]
    if "members" in ctx.tables:
        m = ctx.members_by_id()
        w = w.join(m[["户编号", "村", "与户主关系", "出生日期", "年龄", "劳动技能"]], on="证件号码")
    else:
        w = w.assign(户编号=None, 村=None, 与户主关系=None, 出生日期=pd.NaT, 年龄=pd.NA, 劳动技能=None)
    return w


@check
def work_low_pay(ctx: Context, months: int, min_income: float) -> pd.DataFrame:
    """务工月数 ≥ ``months`` with 务工收入 below ``min_income`` (the report year)."""
    w = _work_year(ctx)
    bad = w["务工月数"].notna() & w["务工收入"].notna() & (w["务工月数"] >= int(months)) \
        & (w["务工收入"] < float(min_income))
    d = w[bad.fillna(False).astype(bool)]
    return hits(d["户编号"], d["户编号"], d["村"], "务工收入",
                d["务工收入"].round(0).astype(int).astype(str) + "元（务工" + d["务工月数"].astype(str) + "个月）",
                person(d))


@check
def work_no_labour(ctx: Context, values: list) -> pd.DataFrame:
    """A work row of the report year for a member whose 劳动技能 is one of ``values``."""
    w = _work_year(ctx)
    d = w[w["劳动技能"].isin(list(values))]
    return hits(d["户编号"], d["户编号"], d["村"], "劳动技能",
                d["劳动技能"].astype(str) + f"（{ctx.year}年有务工记录）", person(d))


# ---------------------------------------------------------------------------- money

@check
def paid_not_started(ctx: Context) -> pd.DataFrame:
    """Projects paid in full by the report date (all sources) with no 开工日期 by then."""
    p = ctx.t("projects")
    pay = ctx.t("payments")
    pay = pay[pay["拨付日期"].notna() & (pay["拨付日期"] <= ctx.D)]
    paid = pay.groupby("项目编号")["拨付金额"].sum()
    g = p.groupby("项目编号", sort=False).agg(批复=("批复金额", "sum"), 开工=("开工日期", "min"),
                                             村=("村", "first"), 名称=("项目名称", "first"))
    g["已拨"] = paid.reindex(g.index).fillna(0.0)
    bad = (g["已拨"] > 0) & (g["已拨"] >= g["批复"] - 1e-9) & (g["开工"].isna() | (g["开工"] > ctx.D))
    d = g[bad]
    return hits(pd.Series(d.index, index=d.index), None, d["村"].fillna("（乡镇级）"), "开工日期",
                "未开工（已拨付" + d["已拨"].map(lambda x: f"{x:g}").astype(str) + "万元，批复"
                + d["批复"].map(lambda x: f"{x:g}").astype(str) + "万元）", d["名称"].fillna(""))


@check
def asset_unregistered(ctx: Context, years: int) -> pd.DataFrame:
    """Assets formed ``years`` or more years before the report year with no 确权日期 by
    the report date."""
    a = ctx.t("assets")
    unreg = a["确权日期"].isna() | (a["确权日期"] > ctx.D)
    bad = unreg & a["形成年度"].notna() & (a["形成年度"] <= ctx.year - int(years))
    d = a[bad.fillna(False).astype(bool)]
    return hits(d["资产编号"], None, d["村"].fillna("（乡镇级）"), "确权日期",
                "未确权（" + d["形成年度"].astype(str) + "年形成）", d["资产名称"].fillna(""))


# ---------------------------------------------------------------------------- posts

def _in_post(p: pd.DataFrame, D: pd.Timestamp) -> pd.Series:
    return p["聘用日期"].notna() & (p["聘用日期"] <= D) & (p["解聘日期"].isna() | (p["解聘日期"] > D))


@check
def post_over_age(ctx: Context, max_age: int) -> pd.DataFrame:
    """Post holders in post on the report date who are older than ``max_age``."""
    p = ctx.t("posts")
    p = p[_in_post(p, ctx.D)]
    m = ctx.members_by_id()
    p = p.join(m[["户编号", "与户主关系", "出生日期", "年龄"]], on="证件号码")
    d = p[(p["年龄"].notna() & (p["年龄"] > int(max_age))).fillna(False).astype(bool)]
    return hits(d["户编号"], d["户编号"], d["村"].fillna("（乡镇级）"), "出生日期",
                d["年龄"].astype(str) + "岁（" + d["岗位类型"].fillna("") + "，聘用" + fmt_date(d["聘用日期"]) + "）",
                person(d))


@check
def overlapping_posts(ctx: Context) -> pd.DataFrame:
    """An engagement that starts while the same person still holds another (hired on or
    before the report date); the later one is listed. Ending one post on the day the
    next begins is fine."""
    p = ctx.t("posts")
    p = p[p["聘用日期"].notna() & (p["聘用日期"] <= ctx.D)]
    p = p.sort_values(["证件号码", "聘用日期"], kind="stable")
    far = pd.Timestamp.max
    end = p["解聘日期"].fillna(far)
    # the latest end of the person's earlier engagements (vectorised: running max within
    # each person, then shifted down by one within each person)
    who = p["证件号码"]
    prev_end = pd.to_datetime(end.groupby(who).cummax().groupby(who).shift(1))  # (typed when empty)
    bad = prev_end.notna() & (p["聘用日期"] < prev_end)
    d = p[bad]
    key, hh, village = _table_key("posts", d, ctx)
    return hits(key, hh, village, "聘用日期", d["岗位类型"].fillna("") + "，聘用" + fmt_date(d["聘用日期"])
                + "（另一岗位尚未解聘）", "")
