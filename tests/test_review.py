"""The data review (zhenxing review, 疑点核查): every rule on a hand-built township with
one record that breaks it and one right at the boundary; clean data; skipped rules;
county overrides."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from zhenxing import review
from zhenxing.data import contract
from zhenxing.review import engine

Y = 2023
D = dt.date(Y, 12, 31)
POLICY = {"identification_days_max": 15, "income_thresholds": [8000, 10000], "monitoring_threshold": None}


def table(name: str, rows: list[dict], absent=()) -> pd.DataFrame:
    """A conformed table of the contract from plain rows (dates as ISO text, 是/否 as bool)."""
    kinds = {c.name: c.kind for c in contract.TABLES[name]["cols"]}
    df = pd.DataFrame(rows)
    for c in df.columns:
        k = kinds.get(c)
        if k == "date":
            df[c] = pd.to_datetime(df[c])
        elif k == "yn":
            df[c] = df[c].astype("boolean")
        elif k == "int":
            df[c] = df[c].astype("Int64")
        elif k == "money":
            df[c] = df[c].astype(float)
    out = contract.conform(name, df)
    out.attrs["absent_columns"] = tuple(absent)
    return out


def hh(key, **kw):
    base = {"户编号": key, "县": "甲县", "乡镇": "甲镇", "村": kw.pop("村", "一村"), "家庭人口数": 1,
            "是否脱贫户": True, "监测对象类别": None}
    base.update(kw)
    return base


def person(hid, born, skill="普通劳动力", school="非在校生", pid=None, rel="户主"):
    return {"户编号": hid, "证件号码": pid or f"P{hid}{born}", "与户主关系": rel, "出生日期": born,
            "劳动技能": skill, "在校生状况": school}


def township(households, members=None, **more):
    t = {"households": table("households", households)}
    if members is not None:
        t["members"] = table("members", members)
    for name, rows in more.items():
        t[name] = rows if isinstance(rows, pd.DataFrame) else table(name, rows)
    return t


def keys(tables, rule, policy=POLICY, year=Y, date=D):
    res = review.township_findings(tables, "甲镇", year, date, policy)
    assert rule not in res.skipped, res.skipped
    return sorted(f.key for f in res.findings if f.rule == rule)


def one_member_each(*households):
    """Households of one member each (so 家庭人口数 matches)."""
    return [person(h["户编号"], "1980-05-05") for h in households]


# ---------------------------------------------------------------------------- 日期

def test_elim_within_six_months_boundary_is_exactly_six_months():
    h = [hh("BAD", 监测对象类别="脱贫不稳定户", 纳入监测日期="2023-01-10", 风险消除日期="2023-07-09"),
         hh("OK", 监测对象类别="脱贫不稳定户", 纳入监测日期="2023-01-10", 风险消除日期="2023-07-10"),
         hh("MONTH", 监测对象类别="脱贫不稳定户", 纳入监测日期="2023-01-10", 风险消除日期="2023-02-01")]
    t = township(h, one_member_each(*h))
    t["households"].loc[t["households"]["户编号"] == "MONTH", "风险消除日期_仅月"] = True
    assert keys(t, "elim_within_six_months") == ["BAD"]


def test_identification_late_uses_the_policy_days():
    h = [hh("BAD", 监测对象类别="脱贫不稳定户", 风险发现日期="2023-03-01", 纳入监测日期="2023-03-17"),
         hh("OK", 监测对象类别="脱贫不稳定户", 风险发现日期="2023-03-01", 纳入监测日期="2023-03-16")]
    t = township(h, one_member_each(*h))
    assert keys(t, "identification_late") == ["BAD"]
    assert keys(t, "identification_late", {**POLICY, "identification_days_max": 10}) == ["BAD", "OK"]


def test_project_finished_before_start():
    base = {"年度": Y, "项目名称": "x", "县": "甲县", "乡镇": "甲镇", "村": "一村", "项目类型": "产业发展",
            "资金来源": "中央衔接资金", "批复金额": 10.0}
    p = [{**base, "项目编号": "BAD", "开工日期": "2023-05-01", "完工日期": "2023-04-30"},
         {**base, "项目编号": "OK", "开工日期": "2023-05-01", "完工日期": "2023-05-01"}]
    t = township([hh("H")], [person("H", "1980-01-01")], projects=p)
    assert keys(t, "project_finished_before_start") == ["BAD"]


def post(pid, hire, end=None, type_="生态护林员", village="一村"):
    return {"证件号码": pid, "县": "甲县", "乡镇": "甲镇", "村": village, "岗位类型": type_, "聘用日期": hire,
            "解聘日期": end, "补贴标准": 800.0, "补贴周期": "月"}


def test_post_ended_before_start():
    h = [hh("BAD"), hh("OK")]
    m = [person("BAD", "1980-01-01", pid="p1"), person("OK", "1980-01-01", pid="p2")]
    t = township(h, m, posts=[post("p1", "2023-03-01", "2023-02-28"), post("p2", "2023-03-01", "2023-03-01")])
    assert keys(t, "post_ended_before_start") == ["BAD"]


# ---------------------------------------------------------------------------- 年龄与状态

def test_school_age_aged_exactly_16_is_not_listed():
    h = [hh("BAD"), hh("OK"), hh("SIX")]
    m = [person("BAD", "2008-01-01", skill="无劳动力"),      # 15 on 2023-12-31
         person("OK", "2007-12-31", skill="无劳动力"),       # 16 that very day
         person("SIX", "2018-01-01", skill="无劳动力", school="小学")]
    assert keys(township(h, m), "school_age_not_in_school") == ["BAD"]


def test_labour_under_16_and_over_70():
    h = [hh("YOUNG"), hh("SIXTEEN"), hh("OLD"), hh("SEVENTY")]
    m = [person("YOUNG", "2008-01-01"), person("SIXTEEN", "2007-12-31"),
         person("OLD", "1952-12-31"), person("SEVENTY", "1953-01-01")]      # 71 / 70 on the report date
    t = township(h, m)
    assert keys(t, "labour_under_16") == ["YOUNG"]
    assert keys(t, "labour_over_70") == ["OLD"]


def test_student_as_labour():
    h = [hh("BAD"), hh("OK")]
    m = [person("BAD", "2005-01-01", skill="弱劳动力或半劳动力", school="高中"),
         person("OK", "2005-01-01", skill="无劳动力", school="高中")]
    assert keys(township(h, m), "student_as_labour") == ["BAD"]


def test_post_holder_over_60_on_the_report_date():
    h = [hh("BAD"), hh("OK"), hh("LEFT")]
    m = [person("BAD", "1962-12-30", pid="p1", skill="弱劳动力或半劳动力"),    # 61
         person("OK", "1963-01-01", pid="p2", skill="弱劳动力或半劳动力"),     # 60
         person("LEFT", "1950-01-01", pid="p3", skill="无劳动力")]
    p = [post("p1", "2020-01-01"), post("p2", "2020-01-01"), post("p3", "2020-01-01", "2023-12-31")]
    assert keys(township(h, m, posts=p), "post_holder_over_60") == ["BAD"]


# ---------------------------------------------------------------------------- 户与成员

def test_household_size_against_member_rows():
    h = [hh("BAD", 家庭人口数=3), hh("OK", 家庭人口数=2)]
    m = [person("BAD", "1980-01-01", pid="a"), person("BAD", "1982-01-01", pid="b"),
         person("OK", "1980-01-01", pid="c"), person("OK", "1982-01-01", pid="d")]
    assert keys(township(h, m), "household_size_mismatch") == ["BAD"]


def test_lack_of_labour_with_every_member_labour_force():
    obj = dict(监测对象类别="边缘易致贫户", 是否脱贫户=False, 纳入监测日期="2023-01-01", 主要风险类型="因缺劳动力")
    h = [hh("BAD", 家庭人口数=2, **obj), hh("OK", 家庭人口数=2, **obj)]
    m = [person("BAD", "1980-01-01", pid="a"), person("BAD", "1982-01-01", "弱劳动力或半劳动力", pid="b"),
         person("OK", "1980-01-01", pid="c"), person("OK", "1950-01-01", "丧失劳动力", pid="d")]
    assert keys(township(h, m), "lack_labour_all_labour") == ["BAD"]


def test_school_risk_with_no_student():
    obj = dict(监测对象类别="边缘易致贫户", 是否脱贫户=False, 纳入监测日期="2023-01-01", 主要风险类型="因学")
    h = [hh("BAD", 家庭人口数=2, **obj), hh("OK", 家庭人口数=2, **obj)]
    m = [person("BAD", "1980-01-01", pid="a"), person("BAD", "2010-01-01", "无劳动力", pid="b"),
         person("OK", "1980-01-01", pid="c"), person("OK", "2010-01-01", "无劳动力", "初中", pid="d")]
    t = township(h, m)
    t["members"].loc[t["members"]["证件号码"] == "b", "在校生状况"] = "非在校生"
    assert keys(t, "school_risk_no_student") == ["BAD"]


# ---------------------------------------------------------------------------- 收入与身份

def income(hid, total, transfer=1000.0, size=None):
    return {"户编号": hid, "年度": Y, "家庭人口数": size, "工资性收入": total - transfer, "生产经营性收入": 0.0,
            "生产经营性支出": 0.0, "财产性收入": 0.0, "转移性收入": transfer}


def test_should_monitor_below_threshold_exactly_at_it_is_fine():
    h = [hh("BAD", 家庭人口数=2), hh("OK", 家庭人口数=2),
         hh("OBJ", 家庭人口数=2, 监测对象类别="脱贫不稳定户", 纳入监测日期="2022-01-01")]
    m = [person(x, "1980-01-01", pid=x + str(k)) for x in ("BAD", "OK", "OBJ") for k in (1, 2)]
    i = [income("BAD", 15998.0), income("OK", 16000.0), income("OBJ", 9000.0)]
    t = township(h, m, income=i)
    assert keys(t, "should_monitor") == ["BAD"]
    assert keys(t, "should_monitor", {**POLICY, "monitoring_threshold": 7000}) == []


def test_eliminated_below_threshold():
    obj = dict(监测对象类别="脱贫不稳定户", 纳入监测日期="2022-01-01")
    h = [hh("BAD", 风险消除日期="2023-06-01", **obj), hh("OK", 风险消除日期="2023-06-01", **obj),
         hh("OPEN", **obj)]
    m = one_member_each(*h)
    i = [income("BAD", 7999.0), income("OK", 8000.0), income("OPEN", 5000.0)]
    assert keys(township(h, m, income=i), "eliminated_below_threshold") == ["BAD"]


def test_assistance_with_no_transfer():
    h = [hh("BAD", 是否低保户=True), hh("OK", 是否特困供养=True), hh("OTHER")]
    m = one_member_each(*h)
    i = [income("BAD", 20000.0, transfer=0.0), income("OK", 20000.0, transfer=1.0),
         income("OTHER", 20000.0, transfer=0.0)]
    assert keys(township(h, m, income=i), "assistance_no_transfer") == ["BAD"]


# ---------------------------------------------------------------------------- 务工

def work(pid, months, pay, year=Y):
    return {"证件号码": pid, "年度": year, "务工地域": "县内", "务工月数": months, "务工收入": pay}


def test_work_six_months_under_3000():
    h = [hh("BAD"), hh("OK"), hh("SHORT")]
    m = [person("BAD", "1980-01-01", pid="a"), person("OK", "1980-01-01", pid="b"),
         person("SHORT", "1980-01-01", pid="c")]
    w = [work("a", 6, 2999.0), work("b", 6, 3000.0), work("c", 5, 100.0)]
    assert keys(township(h, m, work=w), "work_long_low_pay") == ["BAD"]


def test_work_by_someone_without_labour():
    h = [hh("BAD"), hh("OK"), hh("LASTYEAR")]
    m = [person("BAD", "1980-01-01", "丧失劳动力", pid="a"), person("OK", "1980-01-01", "弱劳动力或半劳动力", pid="b"),
         person("LASTYEAR", "1980-01-01", "无劳动力", pid="c")]
    w = [work("a", 8, 20000.0), work("b", 8, 20000.0), work("c", 8, 20000.0, year=Y - 1)]
    assert keys(township(h, m, work=w), "work_without_labour") == ["BAD"]


# ---------------------------------------------------------------------------- 项目与资产

def test_paid_in_full_but_not_started():
    base = {"年度": Y, "项目名称": "x", "县": "甲县", "乡镇": "甲镇", "村": "一村", "项目类型": "产业发展"}
    p = [{**base, "项目编号": "BAD", "资金来源": "中央衔接资金", "批复金额": 10.0},
         {**base, "项目编号": "BAD", "资金来源": "县级衔接资金", "批复金额": 5.0},
         {**base, "项目编号": "OK", "资金来源": "中央衔接资金", "批复金额": 10.0},
         {**base, "项目编号": "STARTED", "资金来源": "中央衔接资金", "批复金额": 10.0, "开工日期": "2023-03-01"}]
    pay = [{"项目编号": "BAD", "资金来源": "中央衔接资金", "拨付日期": "2023-04-01", "拨付金额": 10.0},
           {"项目编号": "BAD", "资金来源": "县级衔接资金", "拨付日期": "2023-04-01", "拨付金额": 5.0},
           {"项目编号": "OK", "资金来源": "中央衔接资金", "拨付日期": "2023-04-01", "拨付金额": 9.99},
           {"项目编号": "STARTED", "资金来源": "中央衔接资金", "拨付日期": "2023-04-01", "拨付金额": 10.0}]
    t = township([hh("H")], [person("H", "1980-01-01")], projects=p, payments=pay)
    assert keys(t, "paid_not_started") == ["BAD"]


def test_asset_not_registered_a_year_on():
    base = {"县": "甲县", "乡镇": "甲镇", "村": "一村", "资产名称": "x", "资产类别": "公益性资产", "资产原值": 10.0}
    a = [{**base, "资产编号": "BAD", "形成年度": Y - 1},
         {**base, "资产编号": "OK", "形成年度": Y},
         {**base, "资产编号": "LATE", "形成年度": Y - 2, "确权日期": "2024-02-01"},
         {**base, "资产编号": "DONE", "形成年度": Y - 2, "确权日期": "2023-12-31"}]
    assert keys(township([hh("H")], [person("H", "1980-01-01")], assets=a), "asset_not_registered") == ["BAD", "LATE"]


# ---------------------------------------------------------------------------- 岗位

def test_two_posts_at_once_ending_the_day_the_next_begins_is_fine():
    h = [hh("BAD"), hh("OK")]
    m = [person("BAD", "1980-01-01", pid="a"), person("OK", "1980-01-01", pid="b")]
    p = [post("a", "2022-01-01"), post("a", "2023-05-01", type_="乡村保洁员"),
         post("b", "2022-01-01", "2023-05-01"), post("b", "2023-05-01", type_="乡村保洁员")]
    assert keys(township(h, m, posts=p), "two_posts_at_once") == ["BAD"]


def test_a_post_overlapping_an_earlier_long_one_is_found_after_a_short_one_ended():
    """The latest end of all the person's earlier posts counts, not only the last one's:
    a long post from 2021 still held when a short 2022 post has ended and a third begins.
    People are kept apart (another person's long post says nothing of this one's)."""
    h = [hh("BAD"), hh("OK")]
    m = [person("BAD", "1980-01-01", pid="a"), person("OK", "1980-01-01", pid="b")]
    p = [post("a", "2021-01-01", "2023-12-01"), post("a", "2022-01-01", "2022-03-01", type_="乡村保洁员"),
         post("a", "2023-06-01", type_="护林员"),
         post("b", "2022-01-01", "2022-03-01"), post("b", "2023-06-01", type_="护林员")]
    res = review.township_findings(township(h, m, posts=p), "甲镇", Y, D, POLICY)
    found = [f for f in res.findings if f.rule == "two_posts_at_once"]
    assert [(f.key, f.value[:8]) for f in found] == [("BAD", "乡村保洁员，聘用"), ("BAD", "护林员，聘用20")]


# ---------------------------------------------------------------------------- the whole

def clean_township():
    obj = dict(监测对象类别="脱贫不稳定户", 风险发现日期="2022-12-20", 纳入监测日期="2023-01-01",
               风险消除日期="2023-08-01", 主要风险类型="因病", 是否低保户=True)
    h = [hh("H1", 家庭人口数=2, **obj), hh("H2", 家庭人口数=1, 是否脱贫户=False)]
    m = [person("H1", "1970-01-01", pid="a"), person("H1", "2012-01-01", "无劳动力", "小学", pid="b", rel="之子"),
         person("H2", "1990-01-01", pid="c")]
    return township(
        h, m, income=[income("H1", 30000.0)], work=[work("a", 10, 30000.0)],
        posts=[post("c", "2022-01-01")],
        projects=[{"项目编号": "X1", "年度": Y, "项目名称": "x", "县": "甲县", "乡镇": "甲镇", "村": "一村",
                   "项目类型": "产业发展", "资金来源": "中央衔接资金", "批复金额": 10.0, "开工日期": "2023-03-01",
                   "完工日期": "2023-09-01"}],
        payments=[{"项目编号": "X1", "资金来源": "中央衔接资金", "拨付日期": "2023-04-01", "拨付金额": 10.0}],
        assets=[{"资产编号": "A1", "县": "甲县", "乡镇": "甲镇", "村": "一村", "资产名称": "x",
                 "资产类别": "经营性资产", "形成年度": Y - 1, "资产原值": 10.0, "确权日期": "2023-03-01"}])


def test_clean_data_gives_no_finding_and_no_skipped_rule():
    res = review.township_findings(clean_township(), "甲镇", Y, D, POLICY)
    assert res.findings == []
    assert res.skipped == {}
    assert len(res.rules) >= 20


def test_absent_table_or_column_skips_the_rule_once_and_says_why():
    t = clean_township()
    del t["assets"]
    t["households"].attrs["absent_columns"] = ("风险发现日期",)
    res = review.township_findings(t, "甲镇", Y, D, POLICY)
    assert res.findings == []
    assert res.skipped == {"asset_not_registered": "未提供项目资产（assets）表",
                           "identification_late": "农户信息（households）表未提供列：风险发现日期"}
    rows = {r["rule"]: r for r in review.summary(res)}
    assert rows["asset_not_registered"]["skipped"] and rows["asset_not_registered"]["records"] == 0


def test_no_threshold_in_the_policy_skips_the_income_rules():
    res = review.township_findings(clean_township(), "甲镇", Y, D, {"identification_days_max": 15})
    assert "should_monitor" in res.skipped and "政策参数未设置" in res.skipped["should_monitor"]


def test_findings_name_no_person_and_mask_long_ids():
    long_id = "539901199001011237"   # region 5399xx belongs to no real county (as the sample's ids)
    h = [hh(long_id, 家庭人口数=2)]
    m = [person(long_id, "1980-01-01", pid="a")]
    res = review.township_findings(township(h, m), "甲镇", Y, D, POLICY)
    (f,) = [f for f in res.findings if f.rule == "household_size_mismatch"]
    assert f.key == contract.mask(long_id) and long_id not in str(f.to_json())
    assert set(f.to_json()) == {"rule", "title", "severity", "township", "village", "table", "key", "field",
                                "value", "message"}
    assert f.village == "一村" and f.field == "家庭人口数" and f.value == "2（成员1人）"


# ---------------------------------------------------------------------------- rules as data

def test_every_rule_has_its_fields_and_a_family_of_the_spec():
    rules = review.builtin_rules()
    assert {r.family for r in rules} == set(engine.FAMILIES)
    for r in rules:
        assert r.title and r.fix and r.source and r.severity in engine.SEVERITIES


def write(tmp_path, text):
    p = tmp_path / "某县.rules.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_county_override_changes_a_threshold_and_switches_a_rule_off(tmp_path):
    p = write(tmp_path, "rules:\n  work_long_low_pay: {params: {min_income: 2000}}\n"
                        "  labour_over_70: {enabled: false}\n")
    rules = review.load_rules(path=p)
    by = {r.id: r for r in rules}
    assert by["work_long_low_pay"].params["min_income"] == 2000 and by["work_long_low_pay"].params["months"] == 6
    h = [hh("A"), hh("B")]
    m = [person("A", "1980-01-01", pid="a"), person("B", "1940-01-01", pid="b")]
    t = township(h, m, work=[work("a", 6, 2500.0)])
    res = review.township_findings(t, "甲镇", Y, D, POLICY, rules=rules)
    assert [f.rule for f in res.findings] == []
    assert "labour_over_70" not in {r.id for r in res.rules}


def test_county_override_adds_a_rule(tmp_path):
    p = write(tmp_path, """rules:
  labour_over_65:
    family: 年龄与状态
    title: 65周岁以上登记为技能或普通劳动力
    table: members
    needs: {members: [出生日期, 劳动技能]}
    check: member_age_status
    params: {min_age: 66, column: 劳动技能, values: [技能劳动力, 普通劳动力]}
    severity: low
    fix: 入户核实劳动能力
    source: 本县规定
""")
    t = township([hh("A")], [person("A", "1955-01-01")])
    res = review.township_findings(t, "甲镇", Y, D, POLICY, rules=review.load_rules(path=p))
    assert [(f.rule, f.key) for f in res.findings] == [("labour_over_65", "A")]


@pytest.mark.parametrize("text, names", [
    ("rules:\n  labour_over_07: {enabled: false}\n", ["labour_over_07", "unknown_rule"]),
    ("rules:\n  labour_over_70: {params: {min_age_x: 3}}\n", ["min_age_x", "unknown_param"]),
    ("rules:\n  labour_over_70: {severity: huge}\n", ["huge", "bad_severity"]),
    ("rules:\n  x: {check: nope, family: a, title: b, table: members, needs: {}, params: {}, severity: low, "
     "fix: c, source: d}\n", ["nope", "unknown_check"]),
])
def test_bad_override_is_a_chinese_error_naming_it(tmp_path, text, names):
    with pytest.raises(review.RuleError) as e:
        review.load_rules(path=write(tmp_path, text))
    for n in names:
        assert n in str(e.value)
    assert str(e.value).startswith("规则文件")


def test_a_township_without_posts_is_reviewed_not_failed():
    """No post records for the township (an empty table after its rows are taken): the
    post rules find nothing rather than fail (a run's review step broke on this)."""
    import datetime as dt

    import pandas as pd

    from zhenxing.data import contract
    from zhenxing.review import checks as C
    posts = contract.conform("posts", pd.DataFrame(columns=[c for c, _ in contract.schema("posts")]))
    ctx = C.Context({"posts": posts}, 2023, dt.date(2023, 12, 31))
    assert len(C.overlapping_posts(ctx)) == 0
