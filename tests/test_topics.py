"""The further topics of issue 11 (indicators.md "More topics from the core tables",
"Topics from the optional tables") on a small hand-worked world.

甲镇 (测试县) has 6 households; 乙乡 has one household (H9), one person (P17), one loan,
one aid row, one asset and one village that must never count. Every expected figure
is worked out by hand from the rows below (the comment beside each assertion says how).
"""
import datetime as dt

import pandas as pd
import pytest

from frames import frame  # tests/ is on sys.path (pytest rootdir conftest)
from zhenxing.topics import base as topic_base
from zhenxing.topics import credit as credit_topic
from zhenxing.topics import education, employment, funds, monitoring, registry, security
from zhenxing.topics import income as income_topic

T = "甲镇"
Y = 2023
END = dt.date(2023, 12, 31)
POLICY = {**topic_base.DEFAULT_POLICY, "start_progress": {"04-30": 60, "06-30": 90},
          "wage_income_target": 10000, "business_income_target": 7000}


HH = {"户编号": "text", "县": "text", "乡镇": "text", "村": "text", "家庭人口数": "int", "是否脱贫户": "bool",
      "监测对象类别": "text", "纳入监测日期": "date", "风险消除日期": "date", "主要风险类型": "text",
      "是否易地扶贫搬迁": "bool", "是否低保户": "bool", "是否特困供养": "bool"}


def households():
    return frame(HH, [
        # id  county   town  village size poor  category        included      eliminated    risk   reloc  低保  特困
        ("H1", "测试县", T, "一村", 3, True, "脱贫不稳定户", "2023-01-10", None, "因病", True, True, False),
        ("H2", "测试县", T, "一村", 2, False, "边缘易致贫户", "2023-02-01", None, "因病", False, False, False),
        ("H3", "测试县", T, "二村", 4, False, "突发严重困难户", "2022-05-01", "2023-06-01", "因灾", True, False, False),
        ("H4", "测试县", T, "二村", 1, False, "边缘易致贫户", "2023-03-01", None, "因学", False, False, True),
        ("H5", "测试县", T, "一村", 5, True, None, None, None, None, True, True, False),
        ("H6", "测试县", T, "二村", 2, False, None, None, None, None, False, True, False),
        ("H9", "测试县", "乙乡", "三村", 3, True, None, None, None, None, True, True, False),
    ])


MEM = {"户编号": "text", "证件号码": "text", "劳动技能": "text", "出生日期": "date", "在校生状况": "text",
       "是否参加基本医疗保险": "bool", "是否参加基本养老保险": "bool"}


def members():
    return frame(MEM, [
        ("H1", "P1", "普通劳动力", "1980-05-01", "非在校生", True, True),
        ("H1", "P2", "无劳动力", "2015-10-01", "小学", True, None),
        ("H1", "P3", "无劳动力", "2010-03-01", "非在校生", False, None),      # 13 on 1 Sep: out of school
        ("H2", "P4", "丧失劳动力", "1950-01-01", "非在校生", True, True),
        ("H2", "P5", "无劳动力", "1955-01-01", "非在校生", None, False),
        ("H3", "P6", "普通劳动力", "1990-01-01", "非在校生", True, True),
        ("H3", "P7", "技能劳动力", "1992-01-01", "非在校生", True, False),
        ("H3", "P8", "无劳动力", "2006-06-01", "高中", True, None),
        ("H3", "P9", "无劳动力", "2017-09-02", "非在校生", True, None),       # 5 on 1 Sep: not yet
        ("H4", "P10", "无劳动力", "1940-01-01", "非在校生", True, True),
        ("H5", "P11", "普通劳动力", "1985-01-01", "非在校生", True, True),
        ("H5", "P12", "弱劳动力或半劳动力", "1987-01-01", "非在校生", True, None),
        ("H5", "P13", "无劳动力", "2008-08-31", "非在校生", True, None),      # 15 on 1 Sep: out of school
        ("H5", "P14", "无劳动力", "2012-01-01", "小学", True, None),
        ("H5", "P15", "无劳动力", "2020-01-01", "学前教育", True, None),
        ("H6", "P16", "普通劳动力", "1980-01-01", "非在校生", False, False),
        ("H9", "P17", "普通劳动力", "2010-01-01", "非在校生", True, True),
    ])


def work():
    return frame({"证件号码": "text", "年度": "int", "务工地域": "text", "务工月数": "int", "务工收入": "num",
                  "就业方式": "text"}, [
        ("P1", 2023, "县内", 10, 30000.0, "企业务工"),
        ("P6", 2023, "省外", 4, 16000.0, "灵活就业"),
        ("P7", 2023, "省内县外", 6, 24000.0, None),
        ("P4", 2022, "县内", 3, 5000.0, "公益性岗位"),
        ("P16", 2023, "县内", 12, 40000.0, "企业务工"),
        ("P17", 2023, "县内", 8, 30000.0, "企业务工"),
    ])


def income():
    return frame({"户编号": "text", "年度": "int", "家庭人口数": "int", "工资性收入": "num", "生产经营性收入": "num",
                  "生产经营性支出": "num", "财产性收入": "num", "转移性收入": "num"}, [
        ("H1", 2023, 3, 30000.0, 10000.0, 4000.0, 0.0, 2000.0),
        ("H5", 2023, None, 20000.0, 0.0, 0.0, 0.0, 5000.0),
        ("H6", 2023, 2, 99999.0, 0.0, 0.0, 0.0, 0.0),
        ("H2", 2022, 2, 5000.0, 0.0, 0.0, 0.0, 3000.0),
    ])


def projects():
    return frame({"项目编号": "text", "年度": "int", "项目名称": "text", "县": "text", "乡镇": "text",
                  "项目类型": "text", "资金来源": "text", "批复金额": "num", "开工日期": "date",
                  "受益脱贫人口数": "int"}, [
        ("XM1", 2023, "茶园", "测试县", T, "产业发展", "中央衔接资金", 100.0, "2023-03-15", 120),
        ("XM1", 2023, "茶园", "测试县", T, "产业发展", "省级衔接资金", 50.0, "2023-03-15", 120),
        ("XM2", 2023, "道路", "测试县", T, "基础设施", "中央衔接资金", 80.0, "2023-05-20", None),
        ("XM3", 2023, "培训", "测试县", T, "就业帮扶", "县级衔接资金", 30.0, None, 40),
        ("XM4", 2022, "旧项目", "测试县", T, "产业发展", "中央衔接资金", 70.0, "2022-03-01", 999),
        ("XM5", 2023, "别乡", "测试县", "乙乡", "乡村建设", "中央衔接资金", 60.0, "2023-02-01", 777),
    ])


def credit():
    return frame({"户编号": "text", "贷款编号": "text", "发放日期": "date", "到期日期": "date", "贷款金额": "num",
                  "结清日期": "date", "逾期金额": "num"}, [
        ("H1", "L1", "2021-03-01", "2024-03-01", 5.0, None, 0.0),
        ("H1", "L2", "2023-04-10", "2026-04-10", 5.1, None, 0.0),
        ("H5", "L3", "2023-06-01", "2026-06-01", 3.2, None, 1.2),
        ("H6", "L4", "2023-02-01", "2024-02-01", 2.0, "2023-11-30", 0.0),
        ("H2", "L5", "2022-01-15", "2023-01-15", 4.0, "2023-01-10", None),
        ("H9", "L6", "2023-05-05", "2026-05-05", 10.0, None, 0.0),
        ("H3", "L7", "2024-01-05", "2027-01-05", 6.0, None, 0.0),
    ])


def assistance():
    return frame({"户编号": "text", "救助类别": "text", "保障人数": "int", "开始日期": "date", "终止日期": "date",
                  "发放金额": "num", "发放年度": "int"}, [
        ("H1", "农村低保", 3, "2021-01-01", None, 4800.0, 2023),
        ("H1", "农村低保", 3, "2021-01-01", None, 4500.0, 2022),
        ("H5", "农村低保", 2, "2023-03-01", "2023-09-30", 3000.5, None),
        ("H4", "特困供养", 1, "2022-06-01", None, 6000.0, 2023),
        ("H2", "临时救助", 2, "2023-08-01", "2023-08-01", 1500.0, 2023),
        ("H6", "农村低保", 2, "2022-01-01", "2022-12-31", 2000.0, 2022),
        ("H9", "农村低保", 3, "2022-01-01", None, 5000.0, 2023),
    ])


def education_aid():
    return frame({"证件号码": "text", "学年": "text", "学段": "text", "资助项目": "text", "金额": "num"}, [
        ("P8", "2022-2023", "普通高中", "国家助学金", 1000.0),
        ("P8", "2023-2024", "普通高中", "国家助学金", 1000.0),
        ("P2", "2023-2024", "义务教育", "两免一补", 625.5),
        ("P8", "2023-2024", "普通高中", "雨露计划", 1500.0),
        ("P14", "2021-2022", "义务教育", "两免一补", 600.0),
        ("P17", "2023-2024", "义务教育", "雨露计划", 1500.0),
    ])


def assets():
    return frame({"资产编号": "text", "县": "text", "乡镇": "text", "资产名称": "text", "资产类别": "text",
                  "形成年度": "int", "资产原值": "num", "确权日期": "date", "当年收益": "num"}, [
        ("ZC1", "测试县", T, "茶厂", "经营性资产", 2021, 120.5, "2022-03-01", 8.4),
        ("ZC2", "测试县", T, "冷库", "经营性资产", 2023, 60.25, None, 1.1),
        ("ZC3", "测试县", T, "道路", "公益性资产", 2022, 35.125, "2023-05-01", None),
        ("ZC4", "测试县", T, "牛", "到户类资产", 2024, 10.0, None, None),
        ("ZC5", "测试县", "县本级", "园区", "经营性资产", 2023, 500.0, "2023-06-01", 30.0),
        ("ZC6", "测试县", T, "水池", "公益性资产", 2023, 20.0, "2024-02-01", None),
    ])


def villages():
    return frame({"县": "text", "乡镇": "text", "村": "text", "是否脱贫村": "bool", "村民小组数": "int",
                  "网格员数": "int", "驻村工作队员数": "int", "村集体经济收入": "num", "年度": "int"}, [
        ("测试县", T, "一村", True, 8, 3, 4, 12.5, 2023),
        ("测试县", T, "一村", True, 8, 3, 3, 9.0, 2022),
        ("测试县", T, "二村", False, 6, 2, 0, 5.0, 2023),
        ("测试县", T, "三村", None, 5, 1, None, None, 2023),
        ("测试县", "乙乡", "四村", True, 9, 9, 9, 50.0, 2023),
    ])


def core():
    return {"households": households(), "members": members(), "work": work(), "income": income(),
            "projects": projects()}


def world():
    return {**core(), "credit": credit(), "assistance": assistance(), "education_aid": education_aid(),
            "assets": assets(), "villages": villages()}


def without(df: pd.DataFrame, col: str) -> pd.DataFrame:
    out = df.drop(columns=[c for c in df.columns if c in (col, col + "_仅月")])
    out.attrs["absent_columns"] = (col,)
    return out


# ---------------------------------------------------------------- core tables
def test_main_risk_types():
    m = monitoring.monitoring(core(), T, Y, END, POLICY)
    # unresolved: H1 因病 (3 persons), H2 因病 (2), H4 因学 (1); H3 is eliminated
    assert monitoring.main_risk_types(m)["main_risk_types"] == [
        {"type": "因病", "households": 2, "persons": 5, "share": pytest.approx(200 / 3)},
        {"type": "因学", "households": 1, "persons": 1, "share": pytest.approx(100 / 3)},
    ]
    assert monitoring.main_risk_types(None) == {"main_risk_types": None}


def test_relocation():
    r = security.relocation(core(), T, Y, END)
    # relocated in 甲镇: H1 (3), H3 (4), H5 (5); labour: P1, P6, P7, P11, P12; 2023 rows: P1, P6, P7
    assert r == {"households": {"households": 3, "persons": 12}, "labor_force": 5, "workers": 3,
                 "work_rate": pytest.approx(60.0), "zero_employment_households": 1,   # H5
                 "zero_employment_covered": 1}   # H5 is a 脱贫户: in the employment count too


def test_relocation_nulls():
    notes = []
    t = core()
    t["households"] = without(t["households"], "是否易地扶贫搬迁")
    assert security.relocation(t, T, Y, END, notes) is None
    assert notes[0]["topic"] == "relocation" and notes[0]["reason"] == "未提供“是否易地扶贫搬迁”信息"
    t = core()
    del t["work"]
    notes = []
    r = security.relocation(t, T, Y, END, notes)
    assert r["labor_force"] == 5 and r["workers"] is None and r["work_rate"] is None
    assert {n["key"] for n in notes} == {"workers", "work_rate", "zero_employment_households"}
    # no work row of 2022 for anyone but P4 (not relocated): workers 0 is a true 0
    r = security.relocation(core(), T, 2022, dt.date(2022, 12, 31))
    assert r["workers"] == 0 and r["work_rate"] == 0.0


def test_security():
    s = security.security(core(), T, Y, END)
    assert s["dibao"] == {"households": 2, "persons": 8}           # H1 3 + H5 5 (H6 not covered)
    assert s["tekun"] == {"households": 1, "persons": 1}           # H4
    # unresolved objects: H1 (labour), H2 (no labour, no 低保/特困), H4 (no labour, 特困)
    assert s["unable_to_work_unsecured"] == {"households": 1, "persons": 2}
    # covered members P1–P15: 14 filled (P5 blank), 13 yes (P3 no)
    assert s["medical_insured"] == {"insured": 13, "counted": 14}
    assert s["medical_insured_rate"] == pytest.approx(13 / 14 * 100)
    # 16+ and 非在校生: P1 P4 P5 P6 P7 P10 P11 P12; P12 blank → 7 counted, yes P1 P4 P6 P10 P11
    assert s["pension_insured"] == {"insured": 5, "counted": 7}
    assert s["pension_insured_rate"] == pytest.approx(5 / 7 * 100)


def test_security_nulls():
    t = core()
    t["households"] = without(t["households"], "是否特困供养")
    notes = []
    s = security.security(t, T, Y, END, notes)
    assert s["tekun"] is None and s["unable_to_work_unsecured"] is None and s["dibao"] is not None
    assert {(n["key"], n["column"]) for n in notes} == {("tekun", "是否特困供养"),
                                                        ("unable_to_work_unsecured", "是否特困供养")}
    t = core()
    t["members"] = without(t["members"], "在校生状况")
    s = security.security(t, T, Y, END)
    assert s["pension_insured_rate"] is None and s["medical_insured_rate"] is not None
    assert security.security({"members": members()}, T, Y, END) is None


def test_education():
    e = education.education(core(), T, Y, END)
    # aged 6–15 on 2023-09-01 and 非在校生: P3 (13), P13 (15); P9 turns 6 on 2 Sep
    assert e["compulsory_age_not_in_school"] == 2
    assert e["students_by_stage"] == {"学前教育": 1, "小学": 2, "初中": 0, "高中": 1, "中职": 0, "高职": 0,
                                      "本科及以上": 0}
    assert e["students"] == 4


def test_education_nulls_and_zero():
    t = core()
    t["members"] = without(t["members"], "在校生状况")
    notes = []
    e = education.education(t, T, Y, END, notes)
    assert e["compulsory_age_not_in_school"] is None and e["students_by_stage"] is None
    assert notes[0]["column"] == "在校生状况"
    t = core()
    t["members"] = t["members"][~t["members"]["证件号码"].isin(["P3", "P13"])]
    assert education.education(t, T, Y, END)["compulsory_age_not_in_school"] == 0   # a true zero


def test_funds_more():
    f = funds.project_details(core(), T, Y, END, POLICY)
    assert f["projects_by_type"] == {"产业发展": 1, "就业帮扶": 1, "乡村建设": 0, "基础设施": 1, "其他": 0}
    assert f["beneficiaries"] == 160                                  # XM1 once (120) + XM3 40
    # 3 projects; started by 04-30: XM1; by 06-30: XM1, XM2
    assert f["start_progress"] == [
        {"date": "2023-04-30", "started": 1, "start_rate": pytest.approx(100 / 3), "target": 60.0},
        {"date": "2023-06-30", "started": 2, "start_rate": pytest.approx(200 / 3), "target": 90.0}]
    early = funds.project_details(core(), T, Y, dt.date(2023, 5, 31), POLICY)
    assert [p["date"] for p in early["start_progress"]] == ["2023-04-30"]


def test_funds_more_nulls():
    notes = []
    no_target = {k: v for k, v in topic_base.DEFAULT_POLICY.items() if k != "start_progress"}
    f = funds.project_details(core(), T, Y, END, no_target, notes)             # no start_progress set
    assert f["start_progress"] is None and notes[0]["reason"] == "参数文件未设定项目开工进度要求"
    assert notes[0]["cause"] == "no_target"
    t = core()
    t["projects"] = without(t["projects"], "受益脱贫人口数")
    assert funds.project_details(t, T, Y, END, POLICY)["beneficiaries"] is None
    assert funds.project_details({"households": households()}, T, Y, END, POLICY) is None


def test_employment_more():
    emp = employment.employment(core(), T, Y, END)
    e = employment.work_modes_and_stability(core(), T, Y, END, emp)
    # covered workers of 2023: P1 企业务工 10 months, P6 灵活就业 4, P7 blank 6 (P16 not covered)
    assert e["by_mode"] == {"企业务工": 1, "帮扶车间": 0, "公益性岗位": 0, "灵活就业": 1, "自主创业": 0, "未填写": 1}
    assert e["stable_workers"] == 2
    t = core()
    t["work"] = without(without(t["work"], "务工月数"), "就业方式")
    t["work"].attrs["absent_columns"] = ("务工月数", "就业方式")
    assert employment.work_modes_and_stability(t, T, Y, END, emp) == {"by_mode": None, "stable_workers": None}


def test_income_more():
    inc = income_topic.income(core(), T, Y, END, POLICY)
    i = income_topic.wage_and_business_income(core(), T, Y, END, POLICY, inc)
    # covered with a 2023 row: H1 (3), H5 (size from households: 5) → 8 persons
    assert i["per_capita_wage"] == pytest.approx((30000 + 20000) / 8)
    assert i["per_capita_business_net"] == pytest.approx((10000 - 4000) / 8)
    assert (i["wage_income_target"], i["business_income_target"]) == (10000.0, 7000.0)
    assert income_topic.wage_and_business_income(core(), T, Y, END, POLICY, None) is None


# ---------------------------------------------------------------- optional tables
def test_credit():
    c = credit_topic.credit(world(), T, Y, END)
    assert c["loans_in_year"] == {"count": 3, "households": 3, "amount": 10.3}   # L2 5.1 + L3 3.2 + L4 2.0
    assert c["cumulative"] == {"count": 5, "amount": 19.3}                     # L1–L5 (L6 乙乡, L7 2024)
    assert c["outstanding"] == {"count": 3, "amount": 13.3}                    # L1 L2 L3
    assert c["overdue"] == {"count": 1, "amount": 1.2}                         # L3
    # 获贷率 over the eligible only: 脱贫户 H1, H5 and 边缘易致贫户 H2, H4 (H3, 突发严重困难户,
    # is not an object of 小额信贷); borrowers H1, H5 → 2 / 4
    assert c["coverage_base"] == {"borrowers": 2, "eligible": 4, "eligible_kinds": ["脱贫户", "边缘易致贫户"]}
    assert c["coverage"] == pytest.approx(50.0)


def test_credit_nulls_and_zeros():
    notes = []
    assert credit_topic.credit(core(), T, Y, END, notes) is None
    assert notes == [{"topic": "credit", "key": None, "cause": "table_absent", "table": "credit", "column": None,
                      "reason": "未提供小额信贷数据"}]
    t = world()
    t["credit"] = without(t["credit"], "逾期金额")
    notes = []
    c = credit_topic.credit(t, T, Y, END, notes)
    assert c["overdue"] is None and notes[0]["column"] == "逾期金额"
    t = world()
    t["credit"] = t["credit"].iloc[0:0]                                         # header only
    c = credit_topic.credit(t, T, Y, END)
    assert c["loans_in_year"] == {"count": 0, "households": 0, "amount": 0.0} and c["overdue"]["count"] == 0
    assert c["coverage"] == 0.0


def test_assistance():
    a = security.assistance(world(), T, Y, END)
    # 农村低保 active in 2023: H1 (two rows, 3 persons), H5 (2); paid in 2023: 4800 + 3000.5 元
    assert a["by_type"]["农村低保"] == {"households": 2, "persons": 5, "amount": pytest.approx(0.78005)}
    assert a["by_type"]["特困供养"] == {"households": 1, "persons": 1, "amount": 0.6}
    assert a["by_type"]["临时救助"] == {"households": 1, "persons": 2, "amount": 0.15}
    assert a["by_type"]["高龄补贴"] == {"households": 0, "persons": 0, "amount": 0.0}
    # at 31 Dec: H1 低保, H4 特困 (H5 ended 30 Sep) of 5 covered
    assert a["covered_base"] == {"secured": 2, "covered": 5} and a["covered_share"] == pytest.approx(40.0)
    mid = security.assistance(world(), T, Y, dt.date(2023, 6, 30))
    assert mid["covered_base"]["secured"] == 3 and mid["by_type"]["临时救助"]["households"] == 0


def test_assistance_absent():
    notes = []
    assert security.assistance(core(), T, Y, END, notes) is None and notes[0]["table"] == "assistance"
    t = world()
    t["assistance"] = without(t["assistance"], "发放金额")
    a = security.assistance(t, T, Y, END)
    assert a["by_type"]["农村低保"]["amount"] is None and a["by_type"]["农村低保"]["households"] == 2


def test_education_aid():
    e = education.education_aid(world(), T, Y, END)
    # 学年 2022-2023 and 2023-2024 overlap 2023; P14's 2021-2022 and P17 (乙乡) do not count
    assert e["by_programme"] == {"两免一补": {"count": 1, "amount": pytest.approx(0.06255)},
                                 "国家助学金": {"count": 2, "amount": 0.2},
                                 "雨露计划": {"count": 1, "amount": 0.15}}
    assert e["rainbow"] == {"count": 1, "amount": 0.15}
    assert e["students"] == 2
    assert education.education_aid(core(), T, Y, END) is None


def test_school_year_forms():
    sy = pd.Series(["2022-2023", "2023/2024", "2023-24", "2021-2022", "2023学年", "2024-2025"])
    assert education._school_year_overlaps(sy, 2023).tolist() == [True, True, True, False, True, False]


def test_assets():
    a = funds.assets(world(), T, Y, END)
    # 形成年度 ≤ 2023 in 甲镇: ZC1 ZC2 (经营性), ZC3 ZC6 (公益性); ZC4 2024, ZC5 县本级
    assert a["by_class"] == {"经营性资产": {"count": 2, "value": 180.75}, "公益性资产": {"count": 2, "value": 55.125},
                             "到户类资产": {"count": 0, "value": 0.0}}
    assert a["count"] == 4 and a["value"] == 235.875
    assert (a["registered"], a["unregistered"]) == (2, 2)                     # ZC1, ZC3 (ZC6 in 2024)
    assert a["registered_rate"] == pytest.approx(50.0)
    assert a["income"] == 9.5                                                 # 8.4 + 1.1
    assert funds.assets(core(), T, Y, END) is None


def test_assets_column_absent():
    t = world()
    t["assets"] = without(t["assets"], "确权日期")
    notes = []
    a = funds.assets(t, T, Y, END, notes)
    assert a["registered_rate"] is None and a["unregistered"] is None and notes[0]["column"] == "确权日期"


def test_villages():
    v = monitoring.villages(world(), T, Y, END)
    assert v["count"] == 3 and v["poverty_exited"] == 1
    assert (v["groups"], v["grid_staff"], v["work_team"]) == (19, 6, 4)       # 2023 rows: 8+6+5, 3+2+1, 4+0
    assert v["collective_income_counted"] == 2                               # 三村 blank
    assert v["collective_income_5"] == {"count": 2, "share": 100.0}
    assert v["collective_income_10"] == {"count": 1, "share": 50.0}


def test_villages_absent_and_other_year():
    notes = []
    assert monitoring.villages(core(), T, Y, END, notes) is None and notes[0]["reason"] == "未提供村数据"
    notes = []
    v = monitoring.villages(world(), T, 2021, dt.date(2021, 12, 31), notes)
    assert v["count"] == 3 and v["groups"] is None
    assert all(n["cause"] == "no_rows" for n in notes)


def test_compute_fills_every_key_and_nulls_without_optional_tables():
    ind = registry.compute(core(), T, Y, END, POLICY)
    notes = ind["not_stated"]
    for k in ("credit", "assistance", "education_aid", "assets", "villages"):
        assert ind[k] is None and any(n["topic"] == k and n["key"] is None for n in notes)
    for k in ("relocation", "security", "education"):
        assert ind[k] is not None
    assert ind["funds"]["beneficiaries"] == 160 and ind["employment"]["stable_workers"] == 2


# ---------------------------------------------------------------- flags
def _flags(ind, policy=POLICY):
    return {f["rule"]: f for f in registry.flags(ind, policy)}


def test_flags_of_the_further_topics():
    ind = {"security": security.security(core(), T, Y, END), "education": education.education(core(), T, Y, END),
           "credit": credit_topic.credit(world(), T, Y, END), "assets": funds.assets(world(), T, Y, END),
           "funds": {**funds.funds(core(), T, Y, END, POLICY), **funds.project_details(core(), T, Y, END, POLICY)},
           "employment": {**employment.employment(core(), T, Y, END)}}
    ind["employment"].update(employment.work_modes_and_stability(core(), T, Y, END, ind["employment"]))
    f = _flags(ind, {**POLICY, "stable_work_share_min": 70})
    assert f["unsecured_no_labour"]["theme"] == "兜底保障" and f["unsecured_no_labour"]["values"] == {"households": 1, "persons": 2}
    assert f["out_of_school"]["values"] == {"persons": 2}
    assert f["overdue_loans"]["theme"] == "金融帮扶" and f["overdue_loans"]["values"] == {"count": 1, "amount": 1.2}
    assert f["assets_unregistered"]["values"]["unregistered"] == 2
    assert [p["date"] for p in f["start_progress"]["values"]["checkpoints"]] == ["2023-04-30", "2023-06-30"]
    assert f["stable_work_shortfall"]["values"]["stable_workers"] == 2       # 2 of 3 = 66.67% < 70%
    assert "stable_work_shortfall" not in _flags(ind)                         # no standard set: no flag


def test_no_flag_on_missing_data():
    ind = {"security": None, "education": None, "credit": None, "assets": None}
    assert not set(_flags(ind)) & {"unsecured_no_labour", "out_of_school", "overdue_loans", "assets_unregistered"}
