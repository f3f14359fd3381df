"""The office's ledgers: read like every table, and their work.* / security.* keys on
small hand-worked tables (indicators.md "What was done", "三保障, 饮水 and 健康帮扶")."""
from __future__ import annotations

import datetime as dt

import pytest

from frames import conformed as conform
from zhenxing.data import contract
from zhenxing.topics import problems, security, work
from zhenxing.topics.base import DEFAULT_POLICY
from zhenxing.topics.registry import compute

D = dt.date(2023, 12, 31)


@pytest.fixture
def ledgers():
    acts = conform("activities", [
        # 青山镇 2023: 2 排查 rounds (4000 + 3800 households, 9 + 6 problems), 1 走访 (no households kept)
        {"县": "示例县", "乡镇": "青山镇", "日期": "2023-03-05", "类别": "排查", "名称": "集中排查", "覆盖户数": 4000, "发现问题数": 9},
        {"县": "示例县", "乡镇": "青山镇", "日期": "2023-09-05", "类别": "排查", "名称": "集中排查", "覆盖户数": 3800, "发现问题数": 6},
        {"县": "示例县", "乡镇": "青山镇", "日期": "2023-05-01", "类别": "走访", "名称": "入户走访"},
        {"县": "示例县", "乡镇": "青山镇", "日期": "2023-04-01", "类别": "培训", "名称": "技能培训", "参与人次": 50},
        {"县": "示例县", "乡镇": "青山镇", "日期": "2022-04-01", "类别": "培训", "名称": "技能培训", "参与人次": 70},  # other year
        {"县": "示例县", "乡镇": "石门乡", "日期": "2023-04-01", "类别": "排查", "名称": "排查", "覆盖户数": 10},     # other township
        {"县": "示例县", "乡镇": "县本级", "日期": "2023-02-01", "类别": "招聘会", "名称": "全县招聘会", "岗位数": 900},
    ])
    rect = conform("rectification", [
        # done in time; open past its deadline (overdue); open, deadline after D; not started; fed back after D
        {"问题编号": "A", "县": "示例县", "乡镇": "青山镇", "问题来源": "省级成效考核", "反馈日期": "2023-03-01", "问题描述": "甲",
         "整改措施数": 3, "整改时限": "2023-06-30", "整改状态": "已完成", "完成日期": "2023-06-01"},
        {"问题编号": "B", "县": "示例县", "乡镇": "青山镇", "问题来源": "省级成效考核", "反馈日期": "2023-03-01", "问题描述": "乙",
         "整改措施数": 2, "整改时限": "2023-10-31", "整改状态": "整改中"},
        {"问题编号": "C", "县": "示例县", "乡镇": "青山镇", "问题来源": "暗访", "反馈日期": "2023-11-01", "问题描述": "丙",
         "整改时限": "2024-03-31", "整改状态": "整改中"},
        {"问题编号": "D", "县": "示例县", "乡镇": "青山镇", "问题来源": "暗访", "反馈日期": "2022-11-01", "问题描述": "丁",
         "整改状态": "未启动"},
        {"问题编号": "E", "县": "示例县", "乡镇": "青山镇", "问题来源": "审计", "反馈日期": "2024-01-05", "问题描述": "戊",
         "整改状态": "未启动"},
    ])
    teams = conform("teams", [
        # 甲村: secretary rotated in June (one recalled, one posted); 乙村: one member, recalled 2022
        {"县": "示例县", "乡镇": "青山镇", "村": "甲村", "职务": "第一书记", "派驻日期": "2021-05-01", "撤回日期": "2023-06-01"},
        {"县": "示例县", "乡镇": "青山镇", "村": "甲村", "职务": "第一书记", "派驻日期": "2023-06-01"},
        {"县": "示例县", "乡镇": "青山镇", "村": "甲村", "职务": "工作队员", "派驻日期": "2021-05-01"},
        {"县": "示例县", "乡镇": "青山镇", "村": "乙村", "职务": "工作队员", "派驻日期": "2021-05-01", "撤回日期": "2022-12-01"},
    ])
    return {"activities": acts, "rectification": rect, "teams": teams}


def test_work_keys_worked_by_hand(ledgers):
    w = work.work(ledgers, "青山镇", 2023, D)
    a = w["activities"]
    assert a["排查"] == {"count": 2, "attendees": None, "households": 7800, "problems": 15, "jobs": None}
    assert a["走访"]["count"] == 1 and a["走访"]["households"] is None    # blank for every row: null, not 0
    assert a["培训"]["attendees"] == 50                                  # 2022's training left out
    assert "招聘会" not in a                                            # the county's own row is not the township's
    assert w["campaigns"] == [{"name": "集中排查", "count": 2, "households": 7800, "problems": 15}]
    r = w["rectification"]["total"]
    # A done; B overdue (2023-10-31 < D); C open; D not started; E fed back after D (left out)
    assert r == {"problems": 4, "done": 1, "in_progress": 2, "not_started": 1, "overdue": 1, "measures": 5}
    assert w["rectification"]["by_source"]["暗访"]["problems"] == 2
    assert w["teams"] == {"villages": 1, "persons": 2, "first_secretaries": 1, "posted_in_year": 1,
                          "recalled_in_year": 1, "unposted_poverty_villages": None}


def test_county_pools_townships_and_its_own_rows(ledgers):
    w = work.work(ledgers, frozenset({"青山镇", "石门乡", "县本级"}), 2023, D)
    assert w["activities"]["排查"]["households"] == 7810 and w["activities"]["招聘会"]["jobs"] == 900


def test_overdue_item_is_a_problem_and_sentences_lead(ledgers):
    ind = {"township": "青山镇", "year": 2023, "report_date": "2023-12-31",
           "work": work.work(ledgers, "青山镇", 2023, D)}
    fl = work.flag_overdue_rectification(ind, DEFAULT_POLICY)
    assert fl and fl[0]["theme"] == "整改落实"
    items = problems.problems([{**f, "message": None} for f in fl], ind)
    assert items[0].startswith("一是部分反馈问题整改超过时限。") and "“乙”" in items[0]
    assert work.lead_monitoring(ind).startswith("全年开展集中排查2轮，覆盖农户7800户，发现问题15个")
    assert "超过整改时限" in work.paragraph_rectification(ind)
    assert "第一书记1名、工作队员1名" in work.paragraph_teams(ind)


def test_a_poverty_village_without_a_team_is_said_and_no_gap_is_claimed(ledgers):
    """乙村 is a 脱贫村 whose only member was recalled in 2022: the teams paragraph names it
    (a shortfall is named where its figures are, not only in the plan) and does not say
    the rotation left no gap ("做到轮换衔接不断档"), which it says when every 脱贫村 has
    someone posted."""
    villages = conform("villages", [
        {"县": "示例县", "乡镇": "青山镇", "村": "甲村", "是否脱贫村": True},
        {"县": "示例县", "乡镇": "青山镇", "村": "乙村", "是否脱贫村": True},
    ])
    ind = {"township": "青山镇", "year": 2023, "report_date": "2023-12-31",
           "work": work.work({**ledgers, "villages": villages}, "青山镇", 2023, D)}
    said = work.paragraph_teams(ind)
    assert "脱贫村中乙村目前没有在岗的驻村工作队员" in said and "不断档" not in said
    assert "年内新派驻1名、撤回1名" in said
    ind["work"]["teams"]["unposted_poverty_villages"] = []
    said = work.paragraph_teams(ind)
    assert "没有在岗" not in said and "做到轮换衔接不断档" in said


def test_overdue_sentence_fits_how_many_are_overdue():
    """"尚有3个未完成，其中3个超过整改时限" reads as a slip: some overdue, all overdue, the one."""
    base = {"problems": 5, "done": 2, "in_progress": 3, "not_started": 0, "measures": 9}
    said = {}
    for overdue, still in ((1, 3), (3, 3), (1, 1)):
        tot = {**base, "done": 5 - still, "overdue": overdue}
        ind = {"township": "青山镇", "year": 2023, "report_date": "2023-12-31",
               "work": {"rectification": {"total": tot, "by_source": {"自查": dict(tot)}}}}
        said[(overdue, still)] = work.paragraph_rectification(ind)
    assert "尚有3个未完成，其中1个超过整改时限" in said[(1, 3)]
    assert "尚有3个未完成，均已超过整改时限" in said[(3, 3)] and "其中" not in said[(3, 3)]
    assert "尚有1个未完成且已超过整改时限" in said[(1, 1)]


def test_without_ledgers_nothing_is_said():
    ind = {"township": "青山镇", "year": 2023, "report_date": "2023-12-31", "work": None}
    assert work.lead_monitoring(ind) == "" and work.lead_employment(ind) == ""
    assert work.paragraph_teams(ind) == "" and work.paragraph_rectification(ind) == ""
    assert work.work({}, "青山镇", 2023, D) is None


def test_security_columns_worked_by_hand():
    hh = conform("households", [
        # 3 covered households (H1 unsafe house, H2 no cadre), H4 not covered (unsafe water, not counted)
        {"户编号": "H1", "县": "示例县", "乡镇": "青山镇", "村": "甲村", "家庭人口数": 3, "是否脱贫户": True,
         "住房安全有保障": False, "饮水安全有保障": True, "帮扶责任人": "C1"},
        {"户编号": "H2", "县": "示例县", "乡镇": "青山镇", "村": "甲村", "家庭人口数": 2, "是否脱贫户": True,
         "住房安全有保障": True, "饮水安全有保障": True},
        {"户编号": "H3", "县": "示例县", "乡镇": "青山镇", "村": "甲村", "家庭人口数": 1, "是否脱贫户": True,
         "住房安全有保障": True, "饮水安全有保障": True, "帮扶责任人": "C1"},
        {"户编号": "H4", "县": "示例县", "乡镇": "青山镇", "村": "甲村", "家庭人口数": 4, "是否脱贫户": False,
         "住房安全有保障": True, "饮水安全有保障": False},
    ])
    for c in ("是否脱贫户", "住房安全有保障", "饮水安全有保障"):
        hh[c] = hh[c].astype("boolean")
    mem = conform("members", [
        {"户编号": "H1", "证件号码": "P1", "劳动技能": "普通劳动力", "是否签约家庭医生": True},
        {"户编号": "H1", "证件号码": "P2", "劳动技能": "普通劳动力", "是否签约家庭医生": False},
        {"户编号": "H2", "证件号码": "P3", "劳动技能": "普通劳动力", "是否签约家庭医生": True},
        {"户编号": "H3", "证件号码": "P4", "劳动技能": "普通劳动力"},                 # not filled: not counted
        {"户编号": "H4", "证件号码": "P5", "劳动技能": "普通劳动力", "是否签约家庭医生": False},  # not covered
    ])
    mem["是否签约家庭医生"] = mem["是否签约家庭医生"].astype("boolean")
    g = security.guarantees({"households": hh, "members": mem}, "青山镇", 2023, D)
    assert g["housing_unsafe"] == {"households": 1, "persons": 3}
    assert g["water_unsafe"] == {"households": 0, "persons": 0}
    assert g["paired"] == {"paired": 2, "covered": 3} and g["paired_share"] == pytest.approx(200 / 3)
    assert g["family_doctor"] == {"signed": 2, "counted": 3}       # P1, P3 of P1–P3
    ind = compute({"households": hh, "members": mem}, "青山镇", 2023, D, DEFAULT_POLICY)
    assert ind["monitoring"]["paired_share"] == pytest.approx(200 / 3)
    assert any(f["rule"] == "housing_unsafe" for f in ind["flags"])


def test_ledgers_read_from_files_gbk_xlsx_title_rows_aliases(tmp_path):
    """A sample dataset's ledgers: 工作台账.xlsx with title rows and alias columns, 问题整改台账
    a GBK CSV, 驻村工作队 with 姓名 (dropped) and an alias; 县本级 rows kept for the county."""
    from zhenxing.sample import generator
    ds = generator.generate(tmp_path / "d", townships=3, households_per_township=60, years=(2022, 2023))
    raw = (ds / "问题整改台账.csv").read_bytes()
    raw.decode("gbk")
    d = contract.read_dataset(ds)
    assert d.ok, [v.message() for v in d.errors[:3]]
    assert {"activities", "rectification", "teams"} <= set(d.tables)
    assert "姓名" not in d.tables["teams"]
    assert "县本级" in set(d.tables["activities"]["乡镇"]) and "县本级" in set(d.tables["rectification"]["乡镇"])
    assert d.tables["households"]["帮扶责任人"].dropna().str.fullmatch(r"C[0-9a-f]{16}").all()
    # the third township keeps no ledgers: its work is null and its report says nothing of it
    t3 = contract.load_township(ds, list(d.townships)[2])
    ind = compute(t3, list(d.townships)[2], 2023, D, DEFAULT_POLICY)
    assert work.lead_monitoring({**ind, "monitoring": {}}) == "" and not work.has_work(ind)


def test_the_team_is_counted_once_when_the_ledger_gives_it():
    # villages table: 驻村工作队员 19 in all; the teams ledger: 14 posted at the report date.
    # 基本情况 names the villages' staff without the team, whose section says 14 (checklist 3)
    from zhenxing.topics import monitoring
    ind = {"township": "甲镇", "year": 2023, "report_date": "2023-12-31",
           "villages": {"count": 8, "poverty_exited": 6, "groups": 61, "grid_staff": 21, "work_team": 19}}
    assert "驻村工作队员19人" in monitoring.paragraph_villages(ind)
    ind["work"] = {"teams": {"villages": 6, "persons": 14, "first_secretaries": 6,
                             "posted_in_year": 0, "recalled_in_year": 0}}
    p = monitoring.paragraph_villages(ind)
    assert "驻村工作队员" not in p and "网格员21人" in p
