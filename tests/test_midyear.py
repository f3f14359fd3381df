"""Issues 22/23: a report made at a report date before 31 December never reads as a
whole-year figure where the data run only to that date, and every period it names is
true at that date (../shared/review-checklist.md). At 31 December the text is as before
(the golden files keep that).

- 社会救助: "2023年社会救助" only at the year's end; before it "年内"; an amount registered
  for a benefit period still running at the report date is not stated as paid.
- 教育资助: the autumn term of 学年 Y—Y+1 is counted and named only from 1 September; a
  row paid after the report date is not counted.
- 小额信贷, 公益性岗位, 监测对象 and the county's tables: "年内新发放", "年内聘用",
  "年内新识别" before 31 December, never "2023年新发放" or a "当年…" header.
"""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

from frames import frame  # tests/ is on sys.path (pytest rootdir conftest)
from zhenxing.topics import credit, education, security

ROOT = Path(__file__).resolve().parent.parent
T, Y = "甲镇", 2023
END, MID = dt.date(2023, 12, 31), dt.date(2023, 6, 30)

HH = {"户编号": "text", "县": "text", "乡镇": "text", "村": "text", "家庭人口数": "int", "是否脱贫户": "bool",
      "监测对象类别": "text", "纳入监测日期": "date", "风险消除日期": "date", "是否低保户": "bool",
      "是否特困供养": "bool"}
MEM = {"户编号": "text", "证件号码": "text", "劳动技能": "text", "出生日期": "date", "在校生状况": "text"}


def _households():
    return frame(HH, [
        ("H1", "测试县", T, "一村", 3, True, None, None, None, True, False),
        ("H2", "测试县", T, "一村", 1, True, None, None, None, False, True),
        ("H3", "测试县", T, "二村", 2, False, "边缘易致贫户", "2023-02-01", None, False, False),
    ])


def _members():
    return frame(MEM, [
        ("H1", "P1", "普通劳动力", "1980-01-01", "非在校生"),
        ("H1", "P2", "无劳动力", "2006-03-01", "高中"),
        ("H3", "P3", "无劳动力", "2004-05-01", "高职"),
    ])


def _assistance():
    # 低保 of H1 for the whole of 2023 (ongoing), 特困 of H2 for 2023 (ends 31 Dec), one
    # 临时救助 paid on one day in March
    return frame({"户编号": "text", "救助类别": "text", "保障人数": "int", "开始日期": "date", "终止日期": "date",
                  "发放金额": "num", "发放年度": "int"}, [
        ("H1", "农村低保", 3, "2023-01-01", None, 15120.0, 2023),
        ("H2", "特困供养", 1, "2023-01-01", "2023-12-31", 9360.0, 2023),
        ("H3", "临时救助", 2, "2023-03-10", "2023-03-10", 2000.0, 2023),
    ])


def _tables(**more):
    return {"households": _households(), "members": _members(), "assistance": _assistance(), **more}


def _ind(d, **more):
    return {"township": T, "year": Y, "report_date": d.isoformat(), "not_stated": [], **more}


# ---------------------------------------------------------------- 社会救助
def test_assistance_at_mid_year_is_this_year_so_far_and_states_no_amount_of_a_running_period():
    a = security.assistance(_tables(), T, Y, MID)
    assert a["by_type"]["农村低保"]["amount_past_date"] and a["by_type"]["特困供养"]["amount_past_date"]
    assert not a["by_type"]["临时救助"]["amount_past_date"]      # its one day was in March
    ind = _ind(MID, assistance=a, security={"dibao": {"households": 1, "persons": 3},
                                              "tekun": {"households": 1, "persons": 1}})
    p = security.paragraph_security(ind)
    assert "2023年社会救助" not in p and "年内社会救助：" in p
    # 1.512万元 is the whole year's 低保: not paid by 30 June, not stated as paid
    assert "1.51万元" not in p and "0.94万元" not in p and "临时救助1户2人、发放0.2万元" in p
    df = security.security_table(ind)
    assert "年内发放（万元）" in df.columns and not any(c.startswith("当年") for c in df.columns)
    low = df[df["类别"] == "农村低保"].iloc[0]
    assert low["年内发放（万元）"] == "—"
    assert "农村低保、特困供养" in df.attrs["note"] and "6月底" in df.attrs["note"]
    assert security.assistance_types(ind).title.startswith("截至2023年6月底")
    # at the year's end as before: every amount of 2023 is the year's, and indicators.json
    # carries no new key
    a = security.assistance(_tables(), T, Y, END)
    assert "amount_past_date" not in a["by_type"]["农村低保"]
    ind = {**ind, "report_date": END.isoformat(), "assistance": a}
    p = security.paragraph_security(ind)
    assert "2023年社会救助：农村低保1户3人、发放1.51万元；特困供养1户1人、发放0.94万元" in p
    df = security.security_table(ind)
    assert "当年发放（万元）" in df.columns and "note" not in df.attrs
    assert security.assistance_types(ind).title.startswith("2023年社会救助")




# ---------------------------------------------------------------- 教育资助
def _aid():
    return frame({"证件号码": "text", "学年": "text", "学段": "text", "资助项目": "text", "金额": "num",
                  "发放日期": "date"}, [
        ("P2", "2022-2023", "普通高中", "国家助学金", 1000.0, "2023-03-15"),
        ("P3", "2022-2023", "高职", "雨露计划", 1500.0, "2023-05-20"),
        ("P2", "2023-2024", "普通高中", "国家助学金", 1000.0, "2023-10-15"),
        ("P3", "2023-2024", "高职", "雨露计划", 1500.0, None),
    ])


def test_education_aid_names_only_the_terms_begun_and_counts_only_what_was_paid():
    for d, grants, label, not_in in (
            # before 1 September: the spring term only; its row paid in May not yet at 31 March
            (dt.date(2023, 3, 31), 1, "年内（2022—2023学年春季）", "秋季"),
            (MID, 2, "年内（2022—2023学年春季）", "秋季"),
            # from 1 September the autumn term counts; its row paid on 15 October not yet at 30 September
            (dt.date(2023, 9, 30), 3, "年内（2022—2023学年春季和2023—2024学年秋季）", "2023年（"),
            (END, 4, "2023年（2022—2023学年春季和2023—2024学年秋季）", "年内")):   # as before
        a = education.education_aid(_tables(education_aid=_aid()), T, Y, d)
        assert a["grants"]["count"] == grants, d
        p = education.paragraph_education(_ind(d, education=None, education_aid=a))
        assert f"{label}落实教育资助{grants}人次" in p and not_in not in p, (d, p)


# ---------------------------------------------------------------- 小额信贷
def test_new_loans_at_mid_year_are_this_years_so_far():
    cr = frame({"户编号": "text", "贷款编号": "text", "发放日期": "date", "到期日期": "date", "贷款金额": "num",
                "结清日期": "date", "逾期金额": "num"}, [("H1", "L1", "2023-04-01", "2026-04-01", 5.0, None, 0.0)])
    tables = _tables(credit=cr)
    for d, new, got in ((MID, "年内新发放", "年内获贷"), (END, "2023年新发放", "当年获贷")):
        c = credit.credit(tables, T, Y, d, policy={"credit_eligible": ["脱贫户", "边缘易致贫户"]})
        ind = _ind(d, credit=c)
        p = credit.paragraph_credit(ind)
        assert f"{new}脱贫人口小额信贷1笔" in p and got in p
        assert credit.credit_table(ind)["项目"].iloc[0] == new
        assert new in credit.credit_amounts(ind).data
    assert "2023年新发放" not in credit.paragraph_credit(_ind(MID, credit=credit.credit(
        tables, T, Y, MID, policy={"credit_eligible": ["脱贫户"]})))


# ---------------------------------------------------------------- the sample at 30 June
WHOLE_YEAR = {
    "社会救助 as the year's": re.compile(r"\d{4}年社会救助"),
    "new loans as the year's": re.compile(r"\d{4}年新发放(?:脱贫人口|\s*\|)"),
    "an autumn term not begun": re.compile(r"学年秋季"),
    "a 当年 header": re.compile(r"^\|.*\|\s*当年", re.M),
    "当年 in prose": re.compile(r"当年(?:获贷|收益|发放|聘用|新识别)"),
    "a rate at the date titled by the year": re.compile(r"图\d+　\d{4}年各乡镇衔接资金拨付率"),
    # (村集体经济收入 is the year's own figure: "（2023年为70%）" there is true)
    "a figure at the date called the year's": re.compile(r"确权率达到100%（\d{4}年为|\d{4}年逾期的|\d{4}年登记为非在校生"),
}


@pytest.fixture(scope="module")
def midyear_reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("mid") / "out"
    subprocess.run([sys.executable, "-m", "zhenxing.cli", "run", "data/sample", "--township", "青山镇", "--township", "河口镇",
                    "--report-date", "2023-06-30", "--formats", "html", "--out", str(out)],
                   check=True, capture_output=True, cwd=ROOT)
    files = sorted(out.rglob("report.md")) + sorted(out.rglob("county.md"))
    assert len(files) == 3
    return {f.parent.name if f.name == "report.md" else "county": f.read_text(encoding="utf-8") for f in files}


def test_sample_at_30_june_reads_no_figure_as_the_whole_years(midyear_reports):
    found = {name: [k for k, rx in WHOLE_YEAR.items() if rx.search(text)] for name, text in midyear_reports.items()}
    assert not {k: v for k, v in found.items() if v}, found
    for name, text in midyear_reports.items():
        assert "年内社会救助：" in text and "年内（2022—2023学年春季）落实教育资助" in text, name
        assert "年内新发放脱贫人口小额信贷" in text, name


def test_sample_at_30_june_says_the_report_date_once(midyear_reports):
    """基本情况 says "截至6月底" and no later paragraph of 一 or 二 opens with it (each
    township's report opened up to five with it)."""
    for name, text in midyear_reports.items():
        body = text.split("\n## 三、", 1)[0].split("\n## 一、基本情况\n", 1)[1]
        paras = [p.strip() for p in body.split("\n\n") if p.strip() and not p.strip().startswith(("#", "|", ":::", "!"))]
        assert "截至6月底" in paras[0], name
        assert not [p[:20] for p in paras if p.startswith("截至6月底，")], name
