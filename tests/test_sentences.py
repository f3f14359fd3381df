"""Issue 21: every sentence right — one unit test per class of statement a county reviewer
strikes, each on a small hand-worked table (the working in a comment), fixed where the
figure or the judgement is defined. tests/test_reports_read.py reads whole rendered reports."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from frames import frame
from zhenxing.topics import base as topic_base
from zhenxing.topics import (
    credit,
    education,
    employment,
    funds,
    plausibility,
    posts,
    problems,
    registry,
    security,
)
from zhenxing.words import numbers

T, Y = "甲镇", 2023
END = pd.Timestamp("2023-12-31")
POLICY = dict(topic_base.DEFAULT_POLICY)
ZERO = re.compile(r"(?<![\d.])0(\.0+)?%")   # a rate of 0 written as a figure

HH = {"户编号": "text", "县": "text", "乡镇": "text", "村": "text", "家庭人口数": "int", "是否脱贫户": "bool",
      "监测对象类别": "text", "纳入监测日期": "date", "风险消除日期": "date", "主要风险类型": "text",
      "是否易地扶贫搬迁": "bool", "是否低保户": "bool", "是否特困供养": "bool"}
MEM = {"户编号": "text", "证件号码": "text", "劳动技能": "text", "出生日期": "date", "在校生状况": "text",
       "是否参加基本医疗保险": "bool", "是否参加基本养老保险": "bool"}
WORK = {"证件号码": "text", "年度": "int", "务工地域": "text", "务工收入": "num"}
PROJ = {"项目编号": "text", "年度": "int", "项目名称": "text", "县": "text", "乡镇": "text", "项目类型": "text",
        "资金来源": "text", "批复金额": "num", "开工日期": "date", "完工日期": "date", "资产类别": "text",
        "受益脱贫人口数": "int", "下达日期": "date"}
PAY = {"项目编号": "text", "资金来源": "text", "拨付日期": "date", "拨付金额": "num"}


def hh(rows):
    return frame(HH, rows)


def town(**more):
    """甲镇: H1 脱贫户 (2 persons), H2 边缘易致贫户 (2), H3 突发严重困难户 (1), H4 not covered
    (1, relocated), H1 relocated too."""
    t = {"households": hh([
        ("H1", "测试县", T, "一村", 2, True, None, None, None, None, True, False, False),
        ("H2", "测试县", T, "一村", 2, False, "边缘易致贫户", "2023-02-01", None, "因病", False, False, False),
        ("H3", "测试县", T, "一村", 1, False, "突发严重困难户", "2023-03-01", None, "因灾", False, False, False),
        ("H4", "测试县", T, "一村", 1, False, None, None, None, None, True, False, False),
    ])}
    t.update(more)
    return t


# ---------------------------------------------------------------- 1. 人次, not persons
def test_beneficiaries_summed_over_projects_are_person_times():
    # two projects each helping the same 300 people: Σ = 600, stated as 人次 — a township of
    # 400 people never "benefits 600 persons"
    ind = {"township": T, "year": Y, "report_date": "2023-12-31",
           "funds": {"projects": 2, "beneficiaries": 600, "projects_by_type": {"产业发展": 2}}}
    p = funds.paragraph_projects(ind)
    assert "600人次" in p and "600人。" not in p


# ---------------------------------------------------------------- 2. the plausibility gate
def test_gate_students_none_recorded_while_children_are_there():
    # covered members: P1 (adult), P2 and P3 aged 8 and 12 on 1 Sep 2023, all 非在校生:
    # no student at all among 2 school-age children → the column is unfilled, not 2 dropouts
    mem = frame(MEM, [("H1", "P1", "普通劳动力", "1980-01-01", "非在校生", True, True),
                      ("H1", "P2", "无劳动力", "2015-01-01", "非在校生", True, None),
                      ("H2", "P3", "无劳动力", "2011-01-01", "非在校生", True, None)])
    ind = registry.compute(town(members=mem), T, Y, END, POLICY)
    e = ind["education"]
    assert e["compulsory_age_not_in_school"] is None and e["students_by_stage"] is None
    why = [x for x in ind["not_stated"] if x["topic"] == "education" and x["cause"] == "implausible"]
    assert why and "需核实后填报" in why[0]["reason"] and "2人" in why[0]["reason"]
    assert not [f for f in ind["flags"] if f["rule"] == "out_of_school"]        # no problem on it
    text = education.paragraph_education(ind)
    assert text.count("需核实后填报") == 1 and "非在校生的2人" not in text    # said once, in plain words
    assert "控辍保学" not in "".join(problems.plan(ind, POLICY))               # no plan item on it


def test_gate_students_one_recorded_passes():
    # the same town with P2 in 小学: one student, one 12-year-old out of school → believed
    mem = frame(MEM, [("H1", "P1", "普通劳动力", "1980-01-01", "非在校生", True, True),
                      ("H1", "P2", "无劳动力", "2015-01-01", "小学", True, None),
                      ("H2", "P3", "无劳动力", "2011-01-01", "非在校生", True, None)])
    ind = registry.compute(town(members=mem), T, Y, END, POLICY)
    assert ind["education"]["compulsory_age_not_in_school"] == 1


def test_gate_rate_over_a_sparsely_filled_column():
    # 4 covered members, 医疗保险 filled for 1 (who is insured): "100%" over 1 of 4 is an
    # artefact — under half filled → null, implausible
    assert plausibility.filled_check("基本医疗保险参保情况", 1, 4)
    assert plausibility.filled_check("基本医疗保险参保情况", 2, 4) is None    # half is enough
    mem = frame(MEM, [("H1", "P1", "普通劳动力", "1980-01-01", "非在校生", True, None),
                      ("H1", "P2", "普通劳动力", "1982-01-01", "非在校生", None, None),
                      ("H2", "P3", "普通劳动力", "1970-01-01", "非在校生", None, None),
                      ("H3", "P4", "普通劳动力", "1975-01-01", "非在校生", None, None)])
    ind = registry.compute(town(members=mem), T, Y, END, POLICY)
    assert ind["security"]["medical_insured_rate"] is None
    assert any(x["key"] == "medical_insured_rate" and x["cause"] == "implausible" for x in ind["not_stated"])


def test_gate_workers_recorded_without_labour():
    # workers 2023: P1 (普通劳动力), P2 (无劳动力): 1 of 2 = 50% > 5% → 劳动技能 not believed,
    # the labour force and 零就业家庭 it defines are null; the workers themselves stand
    assert plausibility.labour_check(20, 1) is None and plausibility.labour_check(20, 2)   # 5% passes, 10% fails
    mem = frame(MEM, [("H1", "P1", "普通劳动力", "1980-01-01", "非在校生", True, None),
                      ("H2", "P2", "无劳动力", "1982-01-01", "非在校生", True, None),
                      ("H3", "P3", "普通劳动力", "1970-01-01", "非在校生", True, None)])
    work = frame(WORK, [("P1", 2023, "县内", 10000.0), ("P2", 2023, "省外", 20000.0)])
    ind = registry.compute(town(members=mem, work=work), T, Y, END, POLICY)
    e = ind["employment"]
    assert e["workers"]["total"] == 2 and e["labor_force"] is None and e["zero_employment_households"] is None
    assert not [f for f in ind["flags"] if f["rule"] == "zero_employment"]
    p = employment.paragraph_employment(ind)
    assert "务工就业2人" in p and "需核实后填报" in p and "—" not in p


# ---------------------------------------------------------------- 3. one concept, one count
def test_zero_employment_one_definition_in_employment_and_relocation():
    # H1 (脱贫户, relocated): P1 labour, no work → zero-employment in both sections
    # H4 (not covered, relocated): P4 labour, no work → zero-employment among relocated only
    # H2: P2 labour works → not zero; H3: P3 无劳动力 works → no labour → not counted
    mem = frame(MEM, [("H1", "P1", "普通劳动力", "1980-01-01", "非在校生", True, None),
                      ("H2", "P2", "普通劳动力", "1982-01-01", "非在校生", True, None),
                      ("H3", "P3", "无劳动力", "1970-01-01", "非在校生", True, None),
                      ("H4", "P4", "普通劳动力", "1975-01-01", "非在校生", True, None)])
    work = frame(WORK, [("P2", 2023, "县内", 10000.0)])
    t = town(members=mem, work=work)
    emp = employment.employment(t, T, Y, END)
    rel = security.relocation(t, T, Y, END)
    assert emp["zero_employment_households"] == 1                       # H1
    assert rel["zero_employment_households"] == 2                       # H1, H4
    assert rel["zero_employment_covered"] == 1                          # H1: the same household, counted once
    ind = {"township": T, "year": Y, "report_date": "2023-12-31", "employment": emp, "relocation": rel}
    assert "其中脱贫户和监测对象家庭1户，已计入前述零就业家庭" in security.paragraph_relocation(ind)


# ---------------------------------------------------------------- 4. money in the right pool
def _projects(rows):
    return frame(PROJ, rows)


def test_linkage_is_the_four_levels_and_the_industry_share_is_over_it():
    # 中央 100 (产业) + 县级 50 (基础设施) = 衔接资金 150, industry 100 → 66.67%;
    # 社会帮扶 50 (产业) is named on its own: the share over all money (150/200 = 75%) is wrong
    pr = _projects([
        ("A", 2023, "甲村产业项目", "测试县", T, "产业发展", "中央衔接资金", 100.0, None, None, None, None, None),
        ("B", 2023, "乙村道路建设", "测试县", T, "基础设施", "县级衔接资金", 50.0, None, None, None, None, None),
        ("C", 2023, "丙村产业项目", "测试县", T, "产业发展", "社会帮扶资金", 50.0, None, None, None, None, None)])
    f = funds.funds({"projects": pr}, T, Y, END, POLICY)
    assert f["linkage"] == 150.0 and f["approved"]["total"] == 200.0
    assert f["industry_share"]["overall"] == pytest.approx(100 / 150 * 100)
    ind = {"township": T, "year": Y, "report_date": "2023-12-31", "funds": f, "not_stated": []}
    p = funds.paragraph_funds(ind)
    assert "安排衔接资金150万元" in p and "另有社会帮扶资金50万元" in p and "合计200万元" in p
    assert "占66.67%" in p and "75%" not in p
    table = funds.funds_by_source(ind)
    assert list(table["资金来源"]) == ["中央衔接资金", "县级衔接资金", "衔接资金小计", "社会帮扶资金", "合计"]


# ---------------------------------------------------------------- 5. shortfalls named
def test_medical_insurance_below_99_is_a_problem():
    # 197 insured of 200 = 98.5% < 99 → named, with the 3 not insured
    ind = {"township": T, "year": Y, "report_date": "2023-12-31",
           "security": {"medical_insured_rate": 98.5, "medical_insured": {"insured": 197, "counted": 200}}}
    fl = security.flag_medical_insured(ind, POLICY)
    assert fl and fl[0]["values"]["uninsured"] == 3
    assert problems.flag_sentence(fl[0], ind) == \
        "脱贫户和监测对象家庭成员基本医疗保险参保率98.5%，未达到稳定在99%以上的要求，尚有3人未参保"
    ind["security"]["medical_insured_rate"] = 99.0
    assert security.flag_medical_insured(ind, POLICY) == []


def test_a_fall_in_the_monitored_groups_income_is_a_problem():
    # monitored 7794 → 7665: −1.66%, though the covered group as a whole grew 6.74%
    ind = {"township": T, "year": Y, "report_date": "2023-12-31",
           "income": {"per_capita_net": {"monitored": 7665.0, "covered": 10856.0},
                      "per_capita_net_prev": {"monitored": 7794.0}, "growth": {"monitored": -1.655, "covered": 6.74},
                      "composition": {"转移性": 47.11}}}
    rules = {f["rule"] for f in registry.flags(ind, POLICY)}
    assert {"monitored_income_fell", "transfer_share_high"} <= rules
    items = "".join(problems.problems(registry.flags(ind, POLICY), ind))
    assert "监测对象人均纯收入7665元，较上年下降1.66%" in items and "转移性收入占47.11%" in items


# ---------------------------------------------------------------- 6. the right yardstick
def test_income_growth_target_is_the_rural_benchmark_never_this_years_own_growth():
    ind = {"township": T, "year": Y, "report_date": "2023-12-31",
           "income": {"per_capita_net": {"covered": 10856.0}, "growth": {"covered": 6.02}}}
    plan = "".join(problems.plan(ind, POLICY, []))
    assert "增速高于当地农村居民人均可支配收入增速" in plan and "6.02%" not in plan
    ind["income"]["rural_benchmark_growth"] = 7.0
    plan = "".join(problems.plan(ind, POLICY, []))
    assert "增速高于全县农村居民人均可支配收入增速" in plan


# ---------------------------------------------------------------- 7. works language
def test_non_works_and_unstarted_projects_are_not_hidden_in_build_language():
    pr = _projects([
        ("A", 2023, "梨口村项目管理费项目", "测试县", T, "其他", "县级衔接资金", 5.0, "2023-03-01", None, None, None, None),
        ("B", 2023, "岔头村技能培训项目", "测试县", T, "就业帮扶", "县级衔接资金", 8.0, None, None, None, None, None),
        ("C", 2023, "大沟村灌溉沟渠修缮项目", "测试县", T, "基础设施", "中央衔接资金", 90.0, "2023-05-01", None, None,
         None, None)])
    left = funds.unfinished_projects({"projects": pr}, T, Y, END)
    assert [(p["name"], p["started"], p["works"]) for p in left] == [
        ("梨口村项目管理费项目", True, False), ("岔头村技能培训项目", False, False), ("大沟村灌溉沟渠修缮项目", True, True)]
    ind = {"township": T, "year": Y, "report_date": "2023-12-31", "funds": {"projects": 3}}
    plan = "".join(problems.plan(ind, POLICY, [], left))
    assert "加快大沟村灌溉沟渠修缮项目建设，尽早完工验收" in plan
    assert "岔头村技能培训项目至今尚未启动" in plan
    assert "加快梨口村项目管理费项目实施和资金报账" in plan
    assert "管理费项目建设" not in plan and "培训项目建设" not in plan


# ---------------------------------------------------------------- 8. 保持 vs 实现
def test_keep_only_what_is_achieved():
    ind = {"township": T, "year": Y, "report_date": "2023-12-31", "education": {"compulsory_age_not_in_school": 3}}
    plan = "".join(problems.plan(ind, POLICY, registry.flags(ind, POLICY)))
    assert "实现控辍保学动态清零" in plan and "保持控辍保学" not in plan


# ---------------------------------------------------------------- 9. loan, exit, denominator
def test_student_loan_is_not_aid():
    # 雨露计划 2 × 1500 = 0.3万元 + 生源地信用助学贷款 1 × 8000 = 0.8万元: 资助 is 0.3万元
    mem = frame(MEM, [("H1", "P1", "无劳动力", "2004-01-01", "高职", True, None)])
    ea = frame({"证件号码": "text", "学年": "text", "资助项目": "text", "金额": "num"},
               [("P1", "2022-2023", "雨露计划", 1500.0), ("P1", "2023-2024", "雨露计划", 1500.0),
                ("P1", "2023-2024", "生源地信用助学贷款", 8000.0)])
    a = education.education_aid(town(members=mem, education_aid=ea), T, Y, END)
    assert a["grants"] == {"count": 2, "amount": pytest.approx(0.3)}
    assert a["loans"] == {"count": 1, "amount": pytest.approx(0.8)}
    ind = {"township": T, "year": Y, "report_date": "2023-12-31", "education": None, "education_aid": a,
           "not_stated": []}
    p = education.paragraph_education(ind)
    assert "落实教育资助2人次、0.3万元" in p and "生源地信用助学贷款0.8万元" in p and "1.1万元" not in p


def test_loan_coverage_over_eligible_households_only():
    # eligible: H1 (脱贫户), H2 (边缘易致贫户); H3 (突发严重困难户) is not an object of 小额信贷.
    # H1 borrows in 2023 → 1 / 2 = 50% (over all 3 covered it would read 33.33%)
    cr = frame({"户编号": "text", "贷款编号": "text", "发放日期": "date", "到期日期": "date", "贷款金额": "num",
                "结清日期": "date", "逾期金额": "num"}, [("H1", "L1", "2023-04-01", "2026-04-01", 5.0, None, 0.0)])
    c = credit.credit(town(credit=cr), T, Y, END, policy=POLICY)
    assert c["coverage_base"]["eligible"] == 2 and c["coverage"] == pytest.approx(50.0)
    ind = {"township": T, "year": Y, "report_date": "2023-12-31", "credit": c, "not_stated": []}
    assert "脱贫户和边缘易致贫户2户中当年获贷1户，获贷率50%" in credit.paragraph_credit(ind)


def test_death_is_an_exit_not_a_dismissal():
    po = frame({"证件号码": "text", "乡镇": "text", "岗位类型": "text", "聘用日期": "date", "解聘日期": "date",
                "解聘原因": "text", "补贴标准": "num", "补贴周期": "text"},
               [("A", T, "生态护林员", "2020-01-01", "2023-05-01", "死亡", 800.0, "月"),
                ("B", T, "生态护林员", "2020-01-01", "2023-06-01", "不履职", 800.0, "月"),
                ("C", T, "生态护林员", "2020-01-01", None, None, 800.0, "月")])
    p = posts.posts({"posts": po}, T, Y, END)
    assert p["dismissed_in_year"]["total"] == 2 and p["dismissed_in_year"]["dismissals"] == 1
    text = posts.paragraph_posts({"township": T, "year": Y, "report_date": "2023-12-31", "posts": p,
                                  "not_stated": []})
    assert "退出2人" in text and "因不履职解聘1人" in text and "解聘2人" not in text and "死亡1人" in text


# ---------------------------------------------------------------- 10. 序时进度 against money issued
def test_spend_progress_against_money_issued_by_each_checkpoint():
    # A 100万元 issued 4月20日, B 100万元 issued 8月1日; paid 30 by 6月30日, 120 by 9月30日.
    # Q1: nothing issued → no rate (not "0%" of the whole year's money);
    # Q2: 30 / 100 = 30%; Q3: 120 / 200 = 60%
    pr = _projects([
        ("A", 2023, "甲", "测试县", T, "产业发展", "中央衔接资金", 100.0, "2023-05-04", None, None, None, "2023-04-20"),
        ("B", 2023, "乙", "测试县", T, "基础设施", "中央衔接资金", 100.0, "2023-08-10", None, None, None, "2023-08-01")])
    pay = frame(PAY, [("A", "中央衔接资金", "2023-06-10", 30.0), ("B", "中央衔接资金", "2023-09-10", 90.0)])
    f = funds.funds({"projects": pr, "payments": pay}, T, Y, END, POLICY)
    rates = {p["date"]: p["paid_rate"] for p in f["progress"]}
    assert rates["2023-03-31"] is None
    assert rates["2023-06-30"] == pytest.approx(30.0) and rates["2023-09-30"] == pytest.approx(60.0)
    assert {p["basis"] for p in f["progress"]} == {"issued"}
    fl = funds.flag_spend_progress({"funds": f}, POLICY)
    sentence = problems.flag_sentence(fl[0], {"year": Y})
    assert "按截至各节点已下达的资金计算" in sentence and "一季度末" not in sentence
    # without 下达日期 the basis is the whole approval, and the text says so
    f2 = funds.funds({"projects": pr.drop(columns=["下达日期"]), "payments": pay}, T, Y, END, POLICY)
    assert f2["progress"][0]["basis"] == "approved" and f2["progress"][0]["paid_rate"] == 0
    s2 = problems.flag_sentence(funds.flag_spend_progress({"funds": f2}, POLICY)[0], {"year": Y})
    assert s2.startswith("一季度末尚未拨付资金") and "按全年批复资金计算" in s2 and not ZERO.search(s2)


# ---------------------------------------------------------------- 11. one figure, one value
def test_one_formatter_chart_and_text_agree():
    # 11182.5 元: half up in decimal → 11183 in text and chart alike (Python's round gives 11182)
    assert round(11182.5) == 11182
    assert numbers.yuan(11182.5) == "11183元" and numbers.rounded(11182.5, 0) == 11183.0


def test_rounded_parts_that_do_not_add_up_get_a_note():
    # 1.005 + 1.005 + 1.005 = 3.015: rows 1.01 × 3 = 3.03 ≠ 3.02 (the total from unrounded parts)
    assert not numbers.parts_add_up([1.005, 1.005, 1.005], 3.015)
    pr = _projects([(f"P{i}", 2023, "x", "测试县", T, "其他", s, 1.005, None, None, None, None, None)
                    for i, s in enumerate(["中央衔接资金", "省级衔接资金", "县级衔接资金"])])
    f = funds.funds({"projects": pr}, T, Y, END, POLICY)
    table = funds.funds_by_source({"funds": f, "year": Y})
    assert table.iloc[-1]["批复金额（万元）"] == "3.02"
    assert "四舍五入" in table.attrs.get("note", "")


# ---------------------------------------------------------------- 12. policy not overstated
def test_identification_limit_is_a_general_rule_not_absolute():
    ind = {"township": T, "year": Y, "report_date": "2023-12-31", "monitoring": {"unresolved": {}}}
    fl = [{"topic": "monitoring", "theme": "监测帮扶", "rule": "identification_days", "severity": "high",
           "values": {"over_limit": 1, "limit": 15, "max": 20}}]
    plan = "".join(problems.plan(ind, POLICY, fl))
    assert "一般不超过15天" in plan and "一律" not in plan


# ---------------------------------------------------------------- 13. no false precision
@pytest.mark.parametrize("x, prose, cell", [(60, "60%", "60.00%"), (97.5, "97.5%", "97.50%"),
                                            (75.0, "75%", "75.00%")])
def test_prose_drops_trailing_zeros_tables_keep_two_decimals(x, prose, cell):
    assert numbers.pct(x) == prose and numbers.pct_cell(x) == cell


def test_a_start_rate_of_zero_is_said_in_words():
    ind = {"township": T, "year": Y, "report_date": "2023-12-31",
           "funds": {"projects": 2, "start_progress": [{"date": "2023-04-30", "started": 0, "start_rate": 0.0,
                                                         "target": 60.0}]}}
    p = funds.paragraph_projects(ind)
    assert "尚无项目开工" in p and not ZERO.search(p)


def test_zero_counts_of_the_monitored_are_said_in_words():
    """Nobody eliminated, nobody new: said in words, never "已消除风险0户0人" or
    "新识别认定监测对象0户0人" (Numbers in text: 0 is said in words)."""
    from zhenxing.topics import monitoring as mon_topic
    zero = {"households": 0, "persons": 0, "by_category": {}}
    three = {"households": 3, "persons": 8, "by_category": {"边缘易致贫户": {"households": 3, "persons": 8}}}
    ind = {"township": "青山镇", "year": 2023, "report_date": "2023-12-31", "not_stated": [],
           "monitoring": {"total": three, "unresolved": three, "eliminated": zero,
                          "new_in_year": zero, "eliminated_in_year": zero, "by_risk_type": None}}
    text = mon_topic.paragraph_monitoring(ind)
    assert "0户0人" not in text
    assert "累计识别认定防止返贫监测对象3户8人，目前均未消除风险。" in text
    assert "未新识别认定监测对象，同期没有监测对象消除风险。" in text
    ind["monitoring"].update(unresolved=zero, eliminated=three, new_in_year=three, eliminated_in_year=three)
    text = mon_topic.paragraph_monitoring(ind)
    assert "3户8人，均已消除风险。" in text and "0户0人" not in text


def test_relocated_households_without_labour_are_said_in_words():
    """A relocated household with nobody able to work: "搬迁家庭中没有劳动力", never
    "有劳动力0人，务工就业0人"."""
    from zhenxing.topics import security as sec_topic
    ind = {"township": "青山镇", "year": 2023, "report_date": "2023-12-31", "not_stated": [],
           "relocation": {"households": {"households": 1, "persons": 1}, "labor_force": 0, "workers": 0,
                          "work_rate": None, "zero_employment_households": 0}}
    text = sec_topic.paragraph_relocation(ind)
    assert "搬迁家庭中没有劳动力。" in text and "0人" not in text
    ind["relocation"].update(labor_force=3, workers=0, work_rate=0.0, zero_employment_households=1)
    text = sec_topic.paragraph_relocation(ind)
    assert "有劳动力3人，2023年没有务工就业的" in text and "务工就业0人" not in text
