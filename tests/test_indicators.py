"""Indicators on small hand-worked tables of the validated form (docs/architecture.md).

The world: 甲镇 (测试县) with 8 households, plus one household, one post and one
project of 乙乡 that must never count. Every expected figure below is worked out
by hand from the rows in the builders.
"""
import datetime as dt
import json
from decimal import Decimal

import pandas as pd
import pytest

from frames import frame  # tests/ is on sys.path (pytest rootdir conftest)
from zhenxing.topics import base as topic_base
from zhenxing.topics import flags as topic_flags
from zhenxing.topics import funds, income, monitoring, posts, registry

T = "甲镇"
Y = 2023
END = dt.date(2023, 12, 31)
MID = dt.date(2023, 6, 30)


# ---------------------------------------------------------------- builders
HH_COLS = {
    "户编号": "text", "县": "text", "乡镇": "text", "村": "text", "家庭人口数": "int",
    "是否脱贫户": "bool", "监测对象类别": "text", "风险发现日期": "date", "纳入监测日期": "date",
    "风险消除日期": "date", "主要风险类型": "text", "是否易地扶贫搬迁": "bool",
}


def households():
    return frame(HH_COLS, [
        # id    county    town  village size  poor   category        found         included      eliminated    risk
        ("H1", "测试县", T, "一村", 3, True, "脱贫不稳定户", "2023-01-01", "2023-01-11", None, "因病", False),
        ("H2", "测试县", T, "一村", 2, False, "边缘易致贫户", "2023-02-01", "2023-02-21", "2023-05-01", "因学", False),
        ("H3", "测试县", T, "二村", 4, False, "突发严重困难户", "2022-05-01", "2022-05-05", "2024-01-10", "因灾", False),
        ("H4", "测试县", T, "二村", 1, False, "突发严重困难户", "2023-03", "2023-03-10", None, "因病", False),
        ("H5", "测试县", T, "一村", 5, True, None, None, None, None, None, True),
        ("H6", "测试县", T, "二村", 2, False, None, None, None, None, None, False),
        ("H7", "测试县", T, "二村", 3, False, "边缘易致贫户", "2024-01-02", "2024-01-05", None, "因病", False),
        ("H8", "测试县", T, "一村", 2, False, "边缘易致贫户", "2023-08-01", "2023-08-05", None, "因病", False),
        ("H9", "测试县", "乙乡", "三村", 6, True, "脱贫不稳定户", "2023-03-01", "2023-04-01", None, "因病", False),
    ])


def members():
    labour = {
        "P1": ("H1", "普通劳动力"), "P2": ("H1", "技能劳动力"), "P3": ("H1", "无劳动力"),
        "P4": ("H2", "弱劳动力或半劳动力"), "P5": ("H2", "丧失劳动力"),
        "P6": ("H3", "普通劳动力"), "P7": ("H3", "无劳动力"), "P8": ("H3", "无劳动力"), "P9": ("H3", "无劳动力"),
        "P10": ("H4", "无劳动力"),
        "P11": ("H5", "普通劳动力"), "P12": ("H5", "普通劳动力"), "P13": ("H5", "无劳动力"),
        "P14": ("H5", "无劳动力"), "P15": ("H5", "无劳动力"),
        "P16": ("H8", "普通劳动力"), "P17": ("H8", "无劳动力"),
        "P18": ("H6", "普通劳动力"),
        "P19": ("H9", "普通劳动力"),
    }
    return frame({"户编号": "text", "证件号码": "text", "劳动技能": "text"},
                 [(h, p, skill) for p, (h, skill) in labour.items()])


def work():
    return frame({"证件号码": "text", "年度": "int", "务工地域": "text", "务工收入": "num"}, [
        ("P1", 2023, "县内", 12000.0),
        ("P2", 2023, "省外", 30000.0),
        ("P11", 2023, "省内县外", 20000.0),
        ("P12", 2023, "省外", 10000.5),
        ("P18", 2023, "县内", 50000.0),  # not a covered household
        ("P19", 2023, "省外", 40000.0),  # other township
        ("P1", 2022, "县内", 11000.0),
        ("P11", 2022, "县内", 9000.0),
        ("P4", 2022, "县内", 5000.0),
    ])


INC_COLS = {"户编号": "text", "年度": "int", "家庭人口数": "int", "工资性收入": "num", "生产经营性收入": "num",
            "生产经营性支出": "num", "财产性收入": "num", "转移性收入": "num"}


def income_table():
    return frame(INC_COLS, [
        ("H1", 2023, None, 24000, 6000, 2000, 0, 2000),   # 30000 / 3 = 10000
        ("H1", 2022, None, 21000, 6000, 2000, 0, 2000),   # 27000 / 3 = 9000
        ("H5", 2023, 4, 20000, 0, 0, 0, 8000),            # 28000 / 4 = 7000 (size of that year)
        ("H5", 2022, 4, 24000, 0, 0, 0, 8000),            # 32000 / 4 = 8000 → declined
        ("H2", 2023, None, 10000, 0, 0, 0, 5000),         # 15000 / 2 = 7500
        ("H6", 2023, None, 100000, 0, 0, 0, 0),           # not covered
        ("H9", 2023, None, 900000, 0, 0, 0, 0),           # other township
    ])


PROJ_COLS = {"项目编号": "text", "年度": "int", "项目名称": "text", "县": "text", "乡镇": "text",
             "项目类型": "text", "资金来源": "text", "批复金额": "num", "开工日期": "date",
             "完工日期": "date", "资产类别": "text"}


def projects():
    return frame(PROJ_COLS, [
        ("J1", 2023, "茶叶加工厂", "测试县", T, "产业发展", "中央衔接资金", 120.25, "2023-03-01", "2023-09-30", "经营性资产"),
        ("J1", 2023, "茶叶加工厂", "测试县", T, "产业发展", "省级衔接资金", 35.125, "2023-03-01", "2023-09-30", "经营性资产"),
        ("J2", 2023, "通组道路", "测试县", T, "基础设施", "中央衔接资金", 80.5, "2023-05-01", None, "公益性资产"),
        ("J3", 2023, "村庄整治", "测试县", T, "乡村建设", "省级衔接资金", 120.0, None, None, None),
        ("J0", 2022, "旧项目", "测试县", T, "产业发展", "中央衔接资金", 50.0, "2022-03-01", "2022-10-01", None),
        ("K1", 2023, "乙乡项目", "测试县", "乙乡", "产业发展", "中央衔接资金", 999.0, "2023-03-01", None, None),
    ])


def payments():
    return frame({"项目编号": "text", "资金来源": "text", "拨付日期": "date", "拨付金额": "num"}, [
        ("J1", "中央衔接资金", "2023-03-20", 30.0),
        ("J1", "省级衔接资金", "2023-06-15", 10.125),
        ("J2", "中央衔接资金", "2023-09-01", 40.0),
        ("J3", "省级衔接资金", "2024-01-15", 60.0),   # after D
        ("J0", "中央衔接资金", "2023-04-01", 20.0),   # a 2022 project paid in 2023
        ("K1", "中央衔接资金", "2023-04-01", 500.0),  # other township
    ])


def posts_table():
    cols = {"证件号码": "text", "县": "text", "乡镇": "text", "岗位类型": "text", "聘用日期": "date",
            "解聘日期": "date", "解聘原因": "text", "补贴标准": "num", "补贴周期": "text"}
    return frame(cols, [
        ("P1", "测试县", T, "生态护林员", "2021-01-01", None, None, 10000.0, "年"),
        ("P6", "测试县", T, "生态护林员", "2021-01-01", "2023-12-31", "不履职", 10000.0, "年"),  # left on D
        ("X1", "测试县", T, "乡村保洁员", "2023-07-01", None, None, 600.0, "月"),  # not in members
        ("P18", "测试县", T, "乡村保洁员", "2020-01-01", None, None, 500.5, "月"),  # household not covered
        ("P2", "测试县", T, "生态护林员", "2020-01-01", "2022-06-30", "本人辞职", 10000.0, "年"),
        ("P19", "测试县", "乙乡", "生态护林员", "2021-01-01", None, None, 10000.0, "年"),
    ])


def all_tables():
    return {
        "households": households(), "members": members(), "work": work(), "income": income_table(),
        "projects": projects(), "payments": payments(), "posts": posts_table(),
    }


@pytest.fixture(scope="module")
def tables():
    return all_tables()


@pytest.fixture(scope="module")
def ind(tables):
    return registry.compute(tables, T, Y, END, topic_base.DEFAULT_POLICY)


def hp(h, p):
    return {"households": h, "persons": p}


# ---------------------------------------------------------------- compute, keys, types
def test_compute_header_and_all_spec_keys(ind):
    assert ind["township"] == T and ind["county"] == "测试县"
    assert ind["year"] == 2023 and ind["report_date"] == "2023-12-31"
    assert set(ind["monitoring"]) == {"total", "unresolved", "eliminated", "new_in_year", "eliminated_in_year",
                                      "identification_days", "by_risk_type", "by_village", "exited_poor", "relocated",
                                      "main_risk_types", "paired_share"}
    assert set(ind["income"]) == {"per_capita_net", "per_capita_net_prev", "growth", "composition", "below",
                                  "declined", "rural_benchmark_growth", "growth_gap", "per_capita_wage",
                                  "per_capita_business_net", "wage_income_target", "business_income_target"}
    assert set(ind["employment"]) == {"labor_force", "workers", "workers_prev", "workers_growth",
                                      "zero_employment_households", "wage_income", "by_mode", "stable_workers"}
    assert set(ind["funds"]) == {"projects", "approved", "linkage", "linkage_industry", "industry_share", "paid",
                                 "paid_rate", "progress",
                                 "started", "completed", "start_rate", "completion_rate", "assets",
                                 "projects_by_type", "beneficiaries", "start_progress"}
    assert set(ind["posts"]) == {"in_post", "annual_cost", "hired_in_year", "dismissed_in_year", "covered_share"}
    assert isinstance(ind["flags"], list)


def test_only_plain_json_types(ind):
    def walk(x):
        if isinstance(x, dict):
            assert all(type(k) is str for k in x)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        else:
            assert x is None or type(x) in (int, float, str, bool), (x, type(x))
    walk(ind)
    assert json.loads(json.dumps(ind, ensure_ascii=False)) == ind


# ---------------------------------------------------------------- monitoring
def test_monitoring_totals_at_year_end(ind):
    m = ind["monitoring"]
    # H7 is identified only in 2024 and H9 is in 乙乡: neither counts
    assert m["total"] == hp(5, 12)
    assert m["eliminated"] == {**hp(1, 2), "by_category": {
        "脱贫不稳定户": hp(0, 0), "边缘易致贫户": hp(1, 2), "突发严重困难户": hp(0, 0)}}
    assert m["new_in_year"]["households"] == 4 and m["new_in_year"]["persons"] == 8
    assert m["eliminated_in_year"]["households"] == 1 and m["eliminated_in_year"]["persons"] == 2
    assert m["exited_poor"] == hp(2, 8)
    assert m["relocated"] == hp(1, 5)


def test_household_eliminated_after_report_date_is_unresolved(ind):
    u = ind["monitoring"]["unresolved"]
    # H3 (突发严重困难户, 4 persons) is eliminated on 2024-01-10, after D
    assert u == {**hp(4, 10), "by_category": {
        "脱贫不稳定户": hp(1, 3), "边缘易致贫户": hp(1, 2), "突发严重困难户": hp(2, 5)}}


def test_identification_days_exclude_month_only_dates(ind):
    d = ind["monitoring"]["identification_days"]
    # H1 10 days, H2 20 days, H8 4 days; H4 has a month-only 风险发现日期
    assert d == {"median": 10.0, "max": 20, "over_limit": 1, "counted": 3, "excluded_month_only": 1}
    assert isinstance(d["median"], float)


def test_monitoring_breakdowns(ind):
    m = ind["monitoring"]
    assert m["by_risk_type"]["因病"] == hp(3, 6)   # H1, H4, H8 unresolved
    assert m["by_risk_type"]["因灾"] == hp(1, 4)
    assert m["by_risk_type"]["因学"] == hp(0, 0)   # H2 is eliminated
    assert len(m["by_risk_type"]) == 11
    assert m["by_village"] == {
        "一村": {"total": hp(3, 7), "unresolved": hp(2, 5)},
        "二村": {"total": hp(2, 5), "unresolved": hp(2, 5)},
    }


def test_monitoring_with_report_date_inside_the_year(tables):
    m = monitoring.monitoring(tables, T, Y, MID, topic_base.DEFAULT_POLICY)
    # H8 (identified 2023-08-05) is not yet a monitoring object on 30 June
    assert m["total"] == hp(4, 10)
    assert m["new_in_year"]["households"] == 3 and m["new_in_year"]["persons"] == 6
    assert m["identification_days"]["median"] == 15.0
    assert m["identification_days"]["counted"] == 2


def test_elimination_on_a_later_date_inside_the_year(tables):
    m = monitoring.monitoring(tables, T, Y, dt.date(2023, 4, 30), topic_base.DEFAULT_POLICY)
    assert m["eliminated"]["households"] == 0          # H2 is eliminated on 1 May
    assert m["unresolved"]["by_category"]["边缘易致贫户"] == hp(1, 2)


# ---------------------------------------------------------------- income
def test_income_per_capita_by_group(ind):
    inc = ind["income"]
    assert inc["per_capita_net"]["covered"] == pytest.approx(73000 / 9)      # H1, H5 (size 4 that year), H2
    assert inc["per_capita_net"]["exited_poor"] == pytest.approx(58000 / 7)
    assert inc["per_capita_net"]["monitored"] == pytest.approx(45000 / 5)
    assert inc["per_capita_net_prev"]["covered"] == pytest.approx(59000 / 7)  # H2 has no 2022 row
    assert inc["per_capita_net_prev"]["monitored"] == pytest.approx(9000)
    assert inc["growth"]["covered"] == pytest.approx((73000 / 9 - 59000 / 7) / (59000 / 7) * 100)
    assert inc["growth"]["monitored"] == pytest.approx(0.0)


def test_income_composition_below_and_declined(ind):
    inc = ind["income"]
    assert inc["composition"] == pytest.approx({
        "工资性": 54000 / 73000 * 100, "生产经营性": 4000 / 73000 * 100,
        "财产性": 0.0, "转移性": 15000 / 73000 * 100})
    # persons are households.家庭人口数 (H5 has 5 now); H1 at exactly 10000 is not below
    assert inc["below"] == {"8000": hp(2, 7), "10000": hp(2, 7)}
    assert inc["declined"] == hp(1, 5)
    assert inc["rural_benchmark_growth"] is None and inc["growth_gap"] is None


def test_income_monitoring_threshold_and_benchmark(tables):
    policy = {**topic_base.DEFAULT_POLICY, "monitoring_threshold": 7200, "rural_benchmark_growth": 5.0}
    inc = income.income(tables, T, Y, END, policy)
    assert list(inc["below"]) == ["7200", "8000", "10000"]
    assert inc["below"]["7200"] == hp(1, 5)
    # growth of the covered group, worked by hand (test_income_per_capita): 2023 73000/9 =
    # 8111.11, 2022 59000/7 = 8428.57, (8111.11 − 8428.57) / 8428.57 = −3.7665%; gap to 5.0%
    assert inc["growth_gap"] == pytest.approx((73000 / 9 - 59000 / 7) / (59000 / 7) * 100 - 5.0)  # −8.7665
    assert inc["growth_gap"] == pytest.approx(-8.7665, abs=1e-4)


def test_income_without_previous_year(tables):
    t = dict(tables, income=tables["income"][tables["income"]["年度"] == 2023])
    inc = income.income(t, T, Y, END, topic_base.DEFAULT_POLICY)
    # no income row of 2022 at all: the comparison is not made, so these are null,
    # never 0 (formerly declined was {0, 0}, read as "no household's income fell")
    assert inc["per_capita_net_prev"] is None
    assert inc["growth"] is None
    assert inc["declined"] is None and inc["growth_gap"] is None
    assert inc["per_capita_net"]["covered"] == pytest.approx(73000 / 9)


# ---------------------------------------------------------------- employment
def test_employment(ind):
    e = ind["employment"]
    assert e["labor_force"] == 7
    assert e["workers"] == {"total": 4, "by_region": {"县内": 1, "省内县外": 1, "省外": 2}}
    assert e["workers_prev"] == 3
    assert e["workers_growth"] == pytest.approx(100 / 3)
    assert e["zero_employment_households"] == 3        # H2, H3, H8
    assert e["wage_income"] == 7.20005                 # 72000.5 元, decimal sum


# ---------------------------------------------------------------- funds
def test_funds_amounts_and_counts(ind):
    f = ind["funds"]
    assert f["projects"] == 3
    assert f["approved"]["total"] == 355.875
    assert f["approved"]["by_source"]["中央衔接资金"] == 200.75
    assert f["approved"]["by_source"]["省级衔接资金"] == 155.125
    assert f["approved"]["by_source"]["东西部协作资金"] == 0.0 and len(f["approved"]["by_source"]) == 7
    assert f["approved"]["by_type"] == {"产业发展": 155.375, "就业帮扶": 0.0, "乡村建设": 120.0,
                                        "基础设施": 80.5, "其他": 0.0}
    assert f["started"] == 2 and f["completed"] == 1   # J1 counts once despite two sources
    assert f["start_rate"] == pytest.approx(200 / 3) and f["completion_rate"] == pytest.approx(100 / 3)
    assert f["assets"] == {"经营性资产": {"projects": 1, "amount": 155.375},
                           "公益性资产": {"projects": 1, "amount": 80.5},
                           "到户类资产": {"projects": 0, "amount": 0.0}}


def test_funds_paid_excludes_later_and_other_year_payments(ind):
    f = ind["funds"]
    # J3 paid 2024-01-15 (after D), J0 is a 2022 project, K1 is 乙乡
    assert f["paid"] == 80.125
    assert f["paid_rate"] == pytest.approx(80.125 / 355.875 * 100)


def test_funds_industry_share_and_progress(ind):
    f = ind["funds"]
    assert f["industry_share"] == pytest.approx({
        "overall": 155.375 / 355.875 * 100, "中央衔接资金": 120.25 / 200.75 * 100,
        "省级衔接资金": 35.125 / 155.125 * 100})
    assert [p["date"] for p in f["progress"]] == ["2023-03-31", "2023-06-30", "2023-09-30", "2023-11-30"]
    assert f["progress"][0]["paid_rate"] == pytest.approx(30 / 355.875 * 100)
    # no 下达日期: measured against the year's whole approved amount, and it says so
    assert f["progress"][1] == {"date": "2023-06-30", "paid_rate": pytest.approx(40.125 / 355.875 * 100),
                                "target": 50.0, "basis": "approved", "base": 355.875}


def test_funds_inside_the_year(tables):
    f = funds.funds(tables, T, Y, MID, topic_base.DEFAULT_POLICY)
    assert f["paid"] == 40.125
    assert [p["date"] for p in f["progress"]] == ["2023-03-31", "2023-06-30"]
    assert f["completed"] == 0


def test_funds_decimal_sums():
    rows = [(f"D{i}", 2023, "x", "测试县", T, "其他", "其他资金", a, None, None, None)
            for i, a in enumerate([10.1, 20.2, 30.3])]
    f = funds.funds({"projects": frame(PROJ_COLS, rows)}, T, Y, END, topic_base.DEFAULT_POLICY)
    assert sum([10.1, 20.2, 30.3]) != 60.6                          # binary floats drift
    assert f["approved"]["total"] == float(Decimal("60.6"))
    assert f["paid"] is None and f["paid_rate"] is None and f["progress"] is None


# ---------------------------------------------------------------- posts
def test_posts_at_year_end(ind):
    p = ind["posts"]
    # P6 leaves exactly on D: not in post; P2 left in 2022
    assert p["in_post"] == {"total": 3, "by_type": {"乡村保洁员": 2, "生态护林员": 1}}
    assert p["annual_cost"]["total"] == 2.3206                  # 10000 + 600×12 + 500.5×12 元
    assert p["annual_cost"]["by_type"] == {"乡村保洁员": 1.3206, "生态护林员": 1.0}
    assert p["hired_in_year"] == {"total": 1, "by_type": {"乡村保洁员": 1, "生态护林员": 0}}
    assert p["dismissed_in_year"] == {"total": 1, "by_type": {"乡村保洁员": 0, "生态护林员": 1},
                                      "by_reason": {"不履职": 1}, "dismissals": 1}
    assert p["covered_share"] == pytest.approx(100 / 3)       # only P1 of P1, X1, P18


def test_posts_inside_the_year(tables):
    p = posts.posts(tables, T, Y, MID)
    assert p["in_post"]["total"] == 3                           # P1, P6, P18; X1 starts 1 July
    assert p["hired_in_year"]["total"] == 0
    assert p["dismissed_in_year"]["total"] == 0
    assert p["covered_share"] == pytest.approx(200 / 3)         # P1 (脱贫户) and P6 (monitoring object)


def test_posts_without_members_has_no_covered_share(tables):
    p = posts.posts({"posts": tables["posts"]}, T, Y, END)
    assert p["in_post"]["total"] == 3 and p["covered_share"] is None


# ---------------------------------------------------------------- basic
def test_basic(tables):
    b = monitoring.basic(tables, T, END)
    assert b == {"villages": 2, "households": 8, "persons": 22, "exited_poor": hp(2, 8),
                 "monitoring_objects": hp(5, 12)}
    assert monitoring.basic({}, T, END) is None


# ---------------------------------------------------------------- missing tables
CORE_TOPICS = ("monitoring", "income", "employment", "funds", "posts")   # the topics of the core tables


@pytest.mark.parametrize("drop, none_topics", [
    ("households", {"monitoring", "income", "employment"}),
    ("income", {"income"}),
    ("members", {"employment"}),
    ("work", {"employment"}),
    ("projects", {"funds"}),
    ("posts", {"posts"}),
])
def test_missing_table_gives_none(tables, drop, none_topics):
    t = {k: v for k, v in tables.items() if k != drop}
    ind = registry.compute(t, T, Y, END, topic_base.DEFAULT_POLICY)
    assert {k for k in CORE_TOPICS if ind[k] is None} == none_topics
    assert all(f["topic"] not in none_topics for f in ind["flags"])


def test_nothing_at_all():
    ind = registry.compute({}, T, Y, END, topic_base.DEFAULT_POLICY)
    assert ind["county"] is None and ind["flags"] == []
    assert all(ind[k] is None for k in registry.TOPICS.values())


def test_county_from_projects_when_households_absent(tables):
    assert registry.compute({"projects": tables["projects"]}, T, Y, END, topic_base.DEFAULT_POLICY)["county"] == "测试县"


def test_percent_change_is_none_when_old_is_zero_or_missing():
    assert topic_base.change_rate(5, 0) is None and topic_base.change_rate(5, None) is None
    assert topic_base.change_rate(110, 100) == pytest.approx(10.0)


# ---------------------------------------------------------------- flags
def _rules(flags):
    return sorted((f["topic"], f["rule"]) for f in flags)


def test_flags_raised(ind):
    fl = ind["flags"]
    assert all(set(f) == {"topic", "theme", "rule", "severity", "message", "values"} for f in fl)
    assert all(f["severity"] in topic_flags.SEVERITY and f["theme"] in topic_flags.THEMES for f in fl)
    # one flag per rule: nested thresholds and successive checkpoints are one flag
    assert _rules(fl) == sorted([
        ("monitoring", "identification_days"), ("income", "below_threshold"), ("income", "declined"),
        ("employment", "zero_employment"), ("funds", "spend_progress"),
        ("funds", "start_progress"),  # 2 of 3 projects started by 6月30日: 66.67% < 90%
    ])
    by = {f["rule"]: f for f in fl}
    assert by["identification_days"]["values"] == {"over_limit": 1, "limit": 15, "max": 20,
                                                    "median": 10.0, "counted": 3}  # worked in test_identification_days
    assert by["below_threshold"]["values"]["levels"][-1] == {"threshold": 8000.0, "households": 2, "persons": 7}
    assert [x["threshold"] for x in by["below_threshold"]["values"]["levels"]] == sorted(
        [x["threshold"] for x in by["below_threshold"]["values"]["levels"]], reverse=True)
    assert by["zero_employment"]["values"] == {"households": 3}
    cps = by["spend_progress"]["values"]["checkpoints"]
    assert [c["date"] for c in cps] == ["2023-03-31", "2023-06-30", "2023-09-30", "2023-11-30"]
    assert cps[0]["target"] == 25 and round(cps[0]["paid_rate"], 2) == 8.43
    # the message is made from the values, in the documents' formats
    msg = by["spend_progress"]["message"]
    assert msg.startswith("一季度末、二季度末、三季度末、11月底累计拨付率分别为8.43%、")
    assert msg.endswith("未达到25%、50%、75%、100%的序时进度（按全年批复资金计算）") and "25.00%" not in msg
    # ordered by severity
    ranks = [topic_flags.SEVERITY.index(f["severity"]) for f in fl]
    assert ranks == sorted(ranks)


def test_policy_misreadings_are_not_flags(ind):
    """Unresolved objects as such, dismissals for 不履职 and one township's industry share
    are not problems (indicators.md, flags); the figures themselves stay."""
    rules = {f["rule"] for f in ind["flags"]}
    assert not rules & {"unresolved", "dismissed_not_performing", "industry_share"}
    assert ind["monitoring"]["unresolved"]["households"] == 4
    assert ind["funds"]["industry_share"]["中央衔接资金"] is not None
    assert ind["posts"]["dismissed_in_year"]["by_reason"]["不履职"] == 1


def test_flag_rules_are_a_list_to_extend(monkeypatch):
    """A topic adds a flag rule by listing it in its module's RULES; the registry runs
    every topic's rules (here one more rule, as a topic would add it)."""
    calls = []

    def _extra(ind, policy):
        calls.append(1)
        return [topic_flags.make_flag("security", "兜底保障", "unsecured", "high", {"households": 2, "persons": 3},
                        message="无劳动能力且未纳入兜底保障的2户3人")]
    monkeypatch.setattr(registry, "RULES", (*registry.RULES, _extra))
    fl = registry.flags({}, topic_base.DEFAULT_POLICY)
    assert calls and fl[0]["rule"] == "unsecured" and fl[0]["theme"] == "兜底保障"


def test_flag_growth_below_benchmark(tables):
    policy = {**topic_base.DEFAULT_POLICY, "rural_benchmark_growth": 6.5}
    fl = registry.compute(tables, T, Y, END, policy)["flags"]
    f = [f for f in fl if f["rule"] == "growth_below_benchmark"]
    assert len(f) == 1 and f[0]["values"]["benchmark"] == 6.5
    # the covered group's growth worked by hand: (73000/9 − 59000/7) / (59000/7) = −3.7665%
    growth = (73000 / 9 - 59000 / 7) / (59000 / 7) * 100
    assert f[0]["values"]["growth"] == pytest.approx(growth)
    assert f[0]["values"]["gap"] == pytest.approx(6.5 - growth) and f[0]["values"]["gap"] == pytest.approx(10.2665, abs=1e-4)
    assert "增长6.5%" in f[0]["message"] and "个百分点" in f[0]["message"]
    # no benchmark → no flag
    assert not [f for f in registry.compute(tables, T, Y, END, topic_base.DEFAULT_POLICY)["flags"]
                if f["rule"] == "growth_below_benchmark"]


def test_no_flags_on_missing_data():
    ind = {"monitoring": None, "income": None, "employment": None, "funds": None, "posts": None}
    assert registry.flags(ind, topic_base.DEFAULT_POLICY) == []
    # funds present but payments absent: no spending flag
    f = funds.funds({"projects": projects()}, T, Y, END, topic_base.DEFAULT_POLICY)
    fl = registry.flags({"funds": f}, topic_base.DEFAULT_POLICY)
    assert "spend_progress" not in {x["rule"] for x in fl}
    # no prior-year data: no decline flag
    inc = income.income({"households": households(), "income": income_table().query("年度 == 2023")},
                   T, Y, END, topic_base.DEFAULT_POLICY)
    assert "declined" not in {x["rule"] for x in registry.flags({"income": inc}, topic_base.DEFAULT_POLICY)}


def test_no_flags_when_targets_are_met(tables):
    policy = {**topic_base.DEFAULT_POLICY, "spend_progress": {"03-31": 5}, "industry_share_min": {"中央衔接资金": 50},
              "identification_days_max": 30, "income_thresholds": [5000]}
    rules = {f["rule"] for f in registry.compute(tables, T, Y, END, policy)["flags"]}
    assert not rules & {"spend_progress", "identification_days", "below_threshold"}


# ---------------------------------------------------------------- absent columns, absent tables, no rows
# Each figure that needs data not given is null (never 0) and listed in not_stated.
def _without(df, *cols):
    return df.drop(columns=[c for c in df.columns if c in cols or any(c == x + "_仅月" for x in cols)])


# a column this hand-built table never carries: its note stands in every monitoring set below
NO_PAIRING = ("paired_share", "column_absent", "帮扶责任人")


def _ns(ind, topic):
    return {(e["key"], e["cause"], e["column"]) for e in ind["not_stated"] if e["topic"] == topic}


# what this hand-built dataset does not give: the columns and tables of the further topics
NOT_GIVEN = {("funds", "beneficiaries", "column_absent"), ("employment", "by_mode", "column_absent"),
             ("employment", "stable_workers", "column_absent"), ("security", "dibao", "column_absent"),
             ("security", "tekun", "column_absent"), ("security", "unable_to_work_unsecured", "column_absent"),
             ("security", "medical_insured_rate", "column_absent"), ("security", "pension_insured_rate", "column_absent"),
             ("education", "compulsory_age_not_in_school", "column_absent"),
             ("education", "students_by_stage", "column_absent"), ("credit", None, "table_absent"),
             ("assistance", None, "table_absent"), ("education_aid", None, "table_absent"),
             ("assets", None, "table_absent"), ("villages", None, "table_absent"),
             # 三保障/饮水, 家庭医生 and 结对帮扶 columns this table does not carry (indicators.md)
             ("security", "housing_unsafe", "column_absent"), ("security", "water_unsafe", "column_absent"),
             ("security", "family_doctor_rate", "column_absent"), ("monitoring", "paired_share", "column_absent")}


def test_not_stated_lists_only_what_is_not_given(ind):
    assert {(e["topic"], e["key"], e["cause"]) for e in ind["not_stated"]} == NOT_GIVEN


def test_absent_found_date_nulls_identification_days_only(tables):
    t = dict(tables, households=_without(tables["households"], "风险发现日期"))
    ind = registry.compute(t, T, Y, END, topic_base.DEFAULT_POLICY)
    m = ind["monitoring"]
    assert m["identification_days"] is None
    assert m["total"] == hp(5, 12) and m["unresolved"]["households"] == 4   # the rest unchanged
    assert _ns(ind, "monitoring") == {("identification_days", "column_absent", "风险发现日期"), NO_PAIRING}
    e = [x for x in ind["not_stated"] if x["key"] == "identification_days"][0]
    assert e == {"topic": "monitoring", "key": "identification_days", "cause": "column_absent",
                 "table": "households", "column": "风险发现日期", "reason": "未提供风险发现日期"}
    assert "identification_days" not in {f["rule"] for f in ind["flags"]}


def test_absent_column_listed_in_attrs_counts_as_absent(tables):
    # the contract fills a column the file lacked with typed nulls and lists it in attrs
    hh = tables["households"].copy()
    hh["风险发现日期"] = pd.Series(pd.NaT, index=hh.index, dtype="datetime64[ns]")
    hh.attrs["absent_columns"] = ("风险发现日期",)
    m = monitoring.monitoring(dict(tables, households=hh), T, Y, END, topic_base.DEFAULT_POLICY)
    assert m["identification_days"] is None
    # the same column present but blank is "no dates": counted 0, not null
    hh.attrs = {}
    m = monitoring.monitoring(dict(tables, households=hh), T, Y, END, topic_base.DEFAULT_POLICY)
    assert m["identification_days"]["counted"] == 0


def test_absent_elimination_date_nulls_the_split_but_keeps_total_and_new(tables):
    t = dict(tables, households=_without(tables["households"], "风险消除日期"))
    ind = registry.compute(t, T, Y, END, topic_base.DEFAULT_POLICY)
    m = ind["monitoring"]
    assert m["total"] == hp(5, 12)                      # still computable
    assert m["new_in_year"]["households"] == 4           # still computable
    for k in ("unresolved", "eliminated", "eliminated_in_year", "by_risk_type"):
        assert m[k] is None, k
    assert m["by_village"]["一村"] == {"total": hp(3, 7), "unresolved": None}
    assert ("eliminated", "column_absent", "风险消除日期") in _ns(ind, "monitoring")
    assert "unresolved" not in {f["rule"] for f in ind["flags"]}


def test_absent_relocation_and_risk_type(tables):
    t = dict(tables, households=_without(tables["households"], "是否易地扶贫搬迁", "主要风险类型"))
    ind = registry.compute(t, T, Y, END, topic_base.DEFAULT_POLICY)
    assert ind["monitoring"]["relocated"] is None and ind["monitoring"]["by_risk_type"] is None
    assert _ns(ind, "monitoring") - {NO_PAIRING} == {("relocated", "column_absent", "是否易地扶贫搬迁"),
                                      ("by_risk_type", "column_absent", "主要风险类型")}


def test_absent_wage_income_column(tables):
    t = dict(tables, work=_without(tables["work"], "务工收入"))
    ind = registry.compute(t, T, Y, END, topic_base.DEFAULT_POLICY)
    assert ind["employment"]["wage_income"] is None
    assert ind["employment"]["workers"]["total"] == 4
    assert _ns(ind, "employment") - _ns(registry.compute(tables, T, Y, END, topic_base.DEFAULT_POLICY), "employment") == {
        ("wage_income", "column_absent", "务工收入")}


def test_no_work_rows_for_the_year_is_no_data_not_zero_employment(tables):
    # 2019: the work table is there, but holds no row of 2019 → no 务工 data for the year
    ind = registry.compute(tables, T, 2019, dt.date(2019, 12, 31), topic_base.DEFAULT_POLICY)
    e = ind["employment"]
    assert e["labor_force"] == 4                   # at the end of 2019 only H1 (P1, P2) and H5 (P11, P12) are covered
    assert e["workers"] is None and e["zero_employment_households"] is None and e["wage_income"] is None
    assert e["workers_prev"] is None and e["workers_growth"] is None
    assert "zero_employment" not in {f["rule"] for f in ind["flags"]}
    assert {k for k, c, _ in _ns(ind, "employment")} == {"workers", "zero_employment_households", "wage_income"}
    assert {e["reason"] for e in ind["not_stated"] if e["topic"] == "employment"} == {"无2019年务工数据"}


def test_no_previous_work_year_is_null_and_noted(tables):
    t = dict(tables, work=tables["work"][tables["work"]["年度"] == 2023])
    ind = registry.compute(t, T, Y, END, topic_base.DEFAULT_POLICY)
    assert ind["employment"]["workers_prev"] is None and ind["employment"]["workers_growth"] is None
    assert _ns(ind, "employment") - _ns(registry.compute(tables, T, Y, END, topic_base.DEFAULT_POLICY), "employment") == {
        ("workers_prev", "no_prev_year", None), ("workers_growth", "no_prev_year", None)}


def test_no_income_rows_for_the_year_is_no_data(tables):
    ind = registry.compute(tables, T, 2019, dt.date(2019, 12, 31), topic_base.DEFAULT_POLICY)
    assert ind["income"] is None
    assert [e for e in ind["not_stated"] if e["topic"] == "income"] == [
        {"topic": "income", "key": None, "cause": "no_rows", "table": "income", "column": None,
         "reason": "无2019年收入数据"}]
    assert not [f for f in ind["flags"] if f["topic"] == "income"]


def test_no_previous_income_year_is_noted(tables):
    t = dict(tables, income=tables["income"][tables["income"]["年度"] == 2023])
    ind = registry.compute(t, T, Y, END, topic_base.DEFAULT_POLICY)
    assert {k for k, c, _ in _ns(ind, "income") if c == "no_prev_year"} == {
        "per_capita_net_prev", "growth", "declined", "growth_gap"}
    assert "declined" not in {f["rule"] for f in ind["flags"]}


def test_absent_tables_are_noted_per_topic(tables):
    t = {k: v for k, v in tables.items() if k not in ("income", "work", "payments")}
    ind = registry.compute(t, T, Y, END, topic_base.DEFAULT_POLICY)
    assert ("income", None, "table_absent", "income") in {(e["topic"], e["key"], e["cause"], e["table"])
                                                         for e in ind["not_stated"]}
    assert ("employment", None, "table_absent", "work") in {(e["topic"], e["key"], e["cause"], e["table"])
                                                           for e in ind["not_stated"]}
    f = ind["funds"]
    assert f["paid"] is None and f["paid_rate"] is None and f["progress"] is None
    assert _ns(ind, "funds") - _ns(registry.compute(tables, T, Y, END, topic_base.DEFAULT_POLICY), "funds") == {
        ("paid", "table_absent", None), ("paid_rate", "table_absent", None), ("progress", "table_absent", None)}


def test_header_only_payments_is_a_true_zero(tables):
    t = dict(tables, payments=tables["payments"].iloc[0:0])
    f = funds.funds(t, T, Y, END, topic_base.DEFAULT_POLICY)
    assert f["paid"] == 0.0 and f["paid_rate"] == 0.0


def test_absent_project_dates_and_asset_class(tables):
    t = dict(tables, projects=_without(tables["projects"], "开工日期", "完工日期", "资产类别"))
    ind = registry.compute(t, T, Y, END, topic_base.DEFAULT_POLICY)
    f = ind["funds"]
    assert f["projects"] == 3 and f["approved"]["total"] == 355.875
    for k in ("started", "completed", "start_rate", "completion_rate", "assets"):
        assert f[k] is None, k
    assert {k for k, _, _ in _ns(ind, "funds")} == {"started", "completed", "start_rate", "completion_rate", "assets",
                                                    "start_progress", "beneficiaries"}


def test_no_project_in_the_year_is_a_true_zero_with_nothing_else_to_state(tables):
    ind = registry.compute(tables, T, 2019, dt.date(2019, 12, 31), topic_base.DEFAULT_POLICY)
    f = ind["funds"]
    assert f["projects"] == 0 and f["approved"]["total"] == 0.0 and f["paid"] == 0.0
    assert f["paid_rate"] is None and f["start_rate"] is None and f["started"] == 0
    assert _ns(ind, "funds") == set()
    assert not [x for x in ind["flags"] if x["topic"] == "funds"]


def test_absent_dismissal_date_means_in_post_unknown(tables):
    t = dict(tables, posts=_without(tables["posts"], "解聘日期"))
    ind = registry.compute(t, T, Y, END, topic_base.DEFAULT_POLICY)
    p = ind["posts"]
    assert p["in_post"] is None and p["annual_cost"] is None
    assert p["dismissed_in_year"] is None and p["covered_share"] is None
    assert p["hired_in_year"] == {"total": 1, "by_type": {"乡村保洁员": 1, "生态护林员": 0}}
    assert {k for k, _, _ in _ns(ind, "posts")} == {"in_post", "annual_cost", "dismissed_in_year", "covered_share"}


def test_absent_dismissal_reason(tables):
    t = dict(tables, posts=_without(tables["posts"], "解聘原因"))
    ind = registry.compute(t, T, Y, END, topic_base.DEFAULT_POLICY)
    assert ind["posts"]["dismissed_in_year"]["total"] == 1
    assert ind["posts"]["dismissed_in_year"]["by_reason"] is None
    assert "dismissed_not_performing" not in {f["rule"] for f in ind["flags"]}


def test_posts_without_members_notes_covered_share(tables):
    ind = registry.compute({"posts": tables["posts"]}, T, Y, END, topic_base.DEFAULT_POLICY)
    assert ind["posts"]["covered_share"] is None
    assert ("covered_share", "table_absent", None) in _ns(ind, "posts")


def test_township_without_rows_in_present_tables():
    # 丙镇 is in no table: households-based topics have no data; projects/posts are true zeros
    t = all_tables()
    ind = registry.compute(t, "丙镇", Y, END, topic_base.DEFAULT_POLICY)
    assert ind["monitoring"] is None and ind["income"] is None and ind["employment"] is None
    assert monitoring.basic(t, "丙镇", END) is None
    assert ind["funds"]["projects"] == 0
    assert ind["posts"]["in_post"] == {"total": 0, "by_type": {}}
    assert ind["posts"]["covered_share"] is None
    assert {(e["topic"], e["cause"]) for e in ind["not_stated"] if e["key"] is None} == {
        ("basic", "no_rows"), ("monitoring", "no_rows"), ("income", "no_rows"), ("employment", "no_rows"),
        ("relocation", "no_rows"), ("security", "no_rows"), ("education", "no_rows"),
        # the optional tables are not part of this hand-built dataset
        ("credit", "table_absent"), ("assistance", "table_absent"), ("education_aid", "table_absent"),
        ("assets", "table_absent"), ("villages", "table_absent")}
    assert ind["flags"] == []


def test_empty_frames_without_columns_do_not_crash():
    # a table the reader could hand over as a bare DataFrame() (no columns at all)
    t = {k: pd.DataFrame() for k in all_tables()}
    ind = registry.compute(t, T, Y, END, topic_base.DEFAULT_POLICY)
    assert ind["monitoring"] is None and ind["funds"]["projects"] == 0
    assert json.loads(json.dumps(ind, ensure_ascii=False)) == ind


def test_members_without_rows_of_the_township(tables):
    t = dict(tables, members=tables["members"][tables["members"]["户编号"] == "H9"])
    ind = registry.compute(t, T, Y, END, topic_base.DEFAULT_POLICY)
    assert ind["employment"] is None
    assert ("employment", None, "no_rows", "members") in {(e["topic"], e["key"], e["cause"], e["table"])
                                                          for e in ind["not_stated"]}
