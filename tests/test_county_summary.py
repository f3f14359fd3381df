"""The county summary read as a county reviewer reads it (issue 23): what the county and
its townships did, from the ledgers (the county's own rows and the townships' pooled,
with work.py's definitions), townships compared in words chosen by what the figures show
(never one opener for every comparison), the plan's targets not each opening with the
same date, coverage said only when a township is missing, the county's writer's file."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pandas as pd
import pytest

from frames import conformed as conform
from zhenxing.data import contract
from zhenxing.topics import county as county_topic
from zhenxing.topics import county_compare, county_work, work
from zhenxing.topics.base import COUNTY_LEVEL, DEFAULT_POLICY

YEAR = 2023
D = dt.date(YEAR, 12, 31)


def _ledgers():
    """Two townships and 县本级, worked by hand:
    排查: 甲镇 2 rounds (400 + 300 households, 5 + 4 problems), 乙乡 1 (200, 1) → 3, 900, 10;
    督导: 甲镇 1 (2 problems), 县本级 1 (6 problems) → 2 and 8, the county's own 1 and 6;
    招聘会: 县本级 only, 900 jobs; 培训: 乙乡 1 (40) + 县本级 1 (60) → 2 and 100, own 1 and 60;
    整改: 甲镇 2 (one done, one overdue), 乙乡 1 done, 县本级 1 done → 4, 3 done, 1 overdue;
    teams: 甲镇 甲村 a secretary and a member, 乙乡 乙村 a secretary → 2 villages, 3 persons."""
    acts = conform("activities", [
        {"县": "甲县", "乡镇": "甲镇", "日期": "2023-03-05", "类别": "排查", "名称": "集中排查", "覆盖户数": 400, "发现问题数": 5},
        {"县": "甲县", "乡镇": "甲镇", "日期": "2023-09-05", "类别": "排查", "名称": "集中排查", "覆盖户数": 300, "发现问题数": 4},
        {"县": "甲县", "乡镇": "乙乡", "日期": "2023-04-01", "类别": "排查", "名称": "专项排查", "覆盖户数": 200, "发现问题数": 1},
        {"县": "甲县", "乡镇": "甲镇", "日期": "2023-05-01", "类别": "督导", "名称": "镇督导", "发现问题数": 2},
        {"县": "甲县", "乡镇": COUNTY_LEVEL, "日期": "2023-06-01", "类别": "督导", "名称": "县督导", "发现问题数": 6},
        {"县": "甲县", "乡镇": COUNTY_LEVEL, "日期": "2023-02-01", "类别": "招聘会", "名称": "全县招聘会", "岗位数": 900},
        {"县": "甲县", "乡镇": "乙乡", "日期": "2023-04-01", "类别": "培训", "名称": "技能培训", "参与人次": 40},
        {"县": "甲县", "乡镇": COUNTY_LEVEL, "日期": "2023-04-02", "类别": "培训", "名称": "网格员培训", "参与人次": 60},
        {"县": "甲县", "乡镇": "甲镇", "日期": "2022-04-01", "类别": "培训", "名称": "技能培训", "参与人次": 70},  # other year
    ])
    rect = conform("rectification", [
        {"问题编号": "A", "县": "甲县", "乡镇": "甲镇", "问题来源": "省级成效考核", "反馈日期": "2023-03-01", "问题描述": "甲事",
         "整改措施数": 3, "整改时限": "2023-06-30", "整改状态": "已完成", "完成日期": "2023-06-01"},
        {"问题编号": "B", "县": "甲县", "乡镇": "甲镇", "问题来源": "省级成效考核", "反馈日期": "2023-03-01", "问题描述": "乙事",
         "整改措施数": 2, "整改时限": "2023-10-31", "整改状态": "整改中"},
        {"问题编号": "C", "县": "甲县", "乡镇": "乙乡", "问题来源": "自查", "反馈日期": "2023-04-01", "问题描述": "丙事",
         "整改措施数": 1, "整改时限": "2023-08-31", "整改状态": "已完成", "完成日期": "2023-08-01"},
        {"问题编号": "D", "县": "甲县", "乡镇": COUNTY_LEVEL, "问题来源": "国家成效考核", "反馈日期": "2023-04-10",
         "问题描述": "丁事", "整改措施数": 4, "整改时限": "2023-09-30", "整改状态": "已完成", "完成日期": "2023-09-01"},
    ])
    teams = conform("teams", [
        {"县": "甲县", "乡镇": "甲镇", "村": "甲村", "职务": "第一书记", "派驻日期": "2021-05-01"},
        {"县": "甲县", "乡镇": "甲镇", "村": "甲村", "职务": "工作队员", "派驻日期": "2021-05-01"},
        {"县": "甲县", "乡镇": "乙乡", "村": "乙村", "职务": "第一书记", "派驻日期": "2023-06-01"},
    ])
    return {"activities": acts, "rectification": rect, "teams": teams}


@pytest.fixture(scope="module")
def ledger_county():
    return county_topic.county(_ledgers(), ["甲镇", "乙乡"], YEAR, D, dict(DEFAULT_POLICY), county_name="甲县")


def test_county_ledger_figures_pool_townships_and_the_county_own_rows(ledger_county):
    ind = ledger_county
    a = ind["work"]["activities"]
    assert a["排查"] == {"count": 3, "attendees": None, "households": 900, "problems": 10, "jobs": None}
    assert (a["督导"]["count"], a["督导"]["problems"]) == (2, 8)
    assert (a["培训"]["count"], a["培训"]["attendees"]) == (2, 100)
    own = ind["county_held"]["work"]["activities"]
    assert set(own) == {"督导", "招聘会", "培训"} and own["督导"]["problems"] == 6
    assert ind["work"]["rectification"]["total"] == {"problems": 4, "done": 3, "in_progress": 1, "not_started": 0,
                                                      "overdue": 1, "measures": 10}
    assert ind["work"]["teams"]["villages"] == 2 and ind["work"]["teams"]["persons"] == 3
    # the pooled figures are work.py's on the pooled rows, not a sum of township sentences
    assert ind["work"] == work.work(_ledgers(), frozenset({"甲镇", "乙乡", COUNTY_LEVEL}), YEAR, D)


def test_county_ledger_sentences_lead_their_sections(ledger_county):
    ind = ledger_county
    mon = county_work.lead_monitoring(ind)
    assert mon.startswith("全县全年开展集中排查、专项排查3轮次，覆盖农户900户，发现问题10个；")
    assert "开展督导2次，发现问题8个，其中县级督导1次、发现问题6个" in mon
    emp = county_work.lead_employment(ind)
    assert emp.startswith("全县举办培训2期、培训100人次，其中县级举办1期、60人次；")
    assert "县级举办招聘会1场，提供岗位900个" in emp          # the county's own only: no pooled figure, no 其中
    teams_, rect = county_work.paragraph_work(ind)
    assert teams_.startswith("全县2个村选派第一书记2名、工作队员1名")
    assert rect.startswith("对照省级成效考核、国家成效考核、自查反馈的4个问题（县本级1个、各乡镇3个），制定整改措施10条，"
                           "已整改完成3个，尚有1个未完成且已超过整改时限")


def test_county_overdue_rectification_is_a_problem_naming_its_township(ledger_county):
    ind = ledger_county
    fl = [f for f in ind["flags"] if f["rule"] == "rectification_overdue"]
    assert len(fl) == 1 and fl[0]["values"]["items"] == "甲镇“乙事”"
    items = county_topic.county_problems(ind["flags"], ind)
    item = next(i for i in items if "整改" in i)
    assert "部分反馈问题整改超过时限" in item and "甲镇“乙事”" in item
    assert item.count("时限") == 1, item   # not "整改超过时限。…超过整改时限仍未完成整改"


def test_a_township_without_ledgers_is_named_once_in_a_note():
    """丙镇 keeps no ledger: the figures are the others', and the work section's 注 says so
    (once); with every township keeping them there is no such 注."""
    ind = county_topic.county(_ledgers(), ["甲镇", "乙乡", "丙镇"], YEAR, D, dict(DEFAULT_POLICY), county_name="甲县")
    assert ind["by_township"]["丙镇"]["ledgers"] == [] and ind["by_township"]["甲镇"]["ledgers"] == list(work.LEDGERS)
    paras = county_work.paragraph_work(ind)
    assert paras[-1] == "注：文中排查、培训、驻村和整改等工作数字按各乡镇报送的台账汇总，丙镇未报送工作台账、问题整改台账和驻村工作队台账，未计入。"
    assert sum("丙镇" in p for p in paras) == 1
    two = county_topic.county(_ledgers(), ["甲镇", "乙乡"], YEAR, D, dict(DEFAULT_POLICY), county_name="甲县")
    assert county_work.ledger_note(two) == "" and not county_work.paragraph_work(two)[-1].startswith("注")
    # a ledger only some keep: only that one is named
    t = _ledgers()
    t["teams"] = t["teams"][t["teams"]["乡镇"] == "甲镇"]
    some = county_topic.county(t, ["甲镇", "乙乡"], YEAR, D, dict(DEFAULT_POLICY), county_name="甲县")
    assert county_work.ledger_note(some).endswith("乙乡未报送驻村工作队台账，未计入。")


def test_county_without_ledgers_says_nothing_of_them():
    t = {k: v for k, v in _ledgers().items() if k not in ("activities", "rectification", "teams")}
    ind = county_topic.county(t, ["甲镇", "乙乡"], YEAR, D, dict(DEFAULT_POLICY), county_name="甲县")
    assert ind["work"] is None and ind["county_held"]["work"] is None
    assert county_work.lead_monitoring(ind) == "" and county_work.lead_employment(ind) == ""
    assert county_work.paragraph_work(ind) == []
    assert not [f for f in ind["flags"] if f["theme"] in ("整改落实", "帮扶力量")]


# ---------------------------------------------------------------- comparisons in words that fit
def _rows(**cols):
    """by_township rows from columns: name → {township: value}."""
    towns = list(next(iter(cols.values())))
    return {t: {k: v[t] for k, v in cols.items()} for t in towns}


def _ind(rows, **targets):
    tg = {"identification_days": 15, "start_progress": 90.0, "income_threshold": 8000.0, **targets}
    return {"level": "county", "township": "甲县", "county": "甲县", "year": YEAR, "report_date": D.isoformat(),
            "by_township": rows, "compare_targets": tg}


def _cp(rate):
    return {"date": "2023-11-30", "paid_rate": rate, "target": 100.0}


def test_spending_comparison_follows_what_the_figures_show():
    towns = ("甲镇", "乙乡", "丙乡")
    all_below = _ind(_rows(last_checkpoint=dict(zip(towns, map(_cp, (80.0, 60.0, 90.0)))),
                           start_rate=dict.fromkeys(towns, 100.0)))
    s = county_compare.funds(all_below)
    assert "3个乡镇均未达到" in s and "乙乡最低，11月底为60%" in s and "甲镇" not in s.split("最高")[0]
    some = _ind(_rows(last_checkpoint=dict(zip(towns, map(_cp, (100.0, 60.0, 70.0)))),
                      start_rate=dict.fromkeys(towns, 100.0)))
    s = county_compare.funds(some)
    assert "乙乡、丙乡未达到，其中乙乡最低，11月底为60%" in s and "均未达到" not in s
    one = _ind(_rows(last_checkpoint=dict(zip(towns, map(_cp, (100.0, 60.0, 100.0)))),
                     start_rate=dict.fromkeys(towns, 100.0)))
    assert "只有乙乡未达到，11月底为60%" in county_compare.funds(one)
    none = _ind(_rows(last_checkpoint=dict(zip(towns, map(_cp, (100.0, 100.0, 100.0)))),
                      start_rate=dict.fromkeys(towns, 100.0)))
    assert county_compare.funds(none) is None                   # all on target: nothing to compare
    tied = _ind(_rows(last_checkpoint=dict(zip(towns, map(_cp, (100.0,) * 3))), start_rate=dict(zip(towns, (80.0, 80.0, 95.0)))))
    assert county_compare.funds(tied) == "项目开工率低于90%的有甲镇、乙乡，均为80%。"


def test_identification_and_zero_employment_comparisons():
    towns = ("甲镇", "乙乡", "丙乡")
    late = _ind(_rows(identification_over=dict(zip(towns, (0, 3, 1))), identification_max=dict(zip(towns, (9, 16, 30)))))
    assert county_compare.monitoring(late) == \
        "识别认定超过时限的监测对象分布在乙乡（3户）、丙乡（1户），用时最长的一户在丙乡。"
    kept = _ind(_rows(identification_over=dict.fromkeys(towns, 0), identification_max=dict.fromkeys(towns, 9)))
    assert county_compare.monitoring(kept) == "新识别认定的监测对象各乡镇均在15天内完成识别认定。"
    z_one = _ind(_rows(zero_employment=dict(zip(towns, (0, 2, 0)))))
    z_all = _ind(_rows(zero_employment=dict(zip(towns, (1, 4, 2)))))
    z_some = _ind(_rows(zero_employment=dict(zip(towns, (0, 4, 2)))))
    said = [county_compare.employment(x) for x in (z_one, z_all, z_some)]
    assert said == ["零就业家庭都在乙乡。", "3个乡镇都有零就业家庭，乙乡最多，有4户。", "乙乡零就业家庭最多，有4户，其余在丙乡。"]
    assert county_compare.employment(_ind(_rows(zero_employment=dict.fromkeys(towns, 0)))) is None


def test_income_comparison_states_the_spread_from_the_stated_figures():
    towns = ("甲镇", "乙乡")
    x = _ind(_rows(per_capita_net=dict(zip(towns, (13672.4, 14468.6))),
                   below=dict(zip(towns, ({"8000": {"households": 3}}, {"8000": {"households": 5}})))))
    s = county_compare.income(x)
    # 14469 − 13672 = 797: the gap of the two figures as written
    assert s == "各乡镇脱贫户和监测对象人均纯收入在13672元（甲镇）至14469元（乙乡）之间，相差797元；人均纯收入低于8000元的户数以乙乡最多，有5户。"


def opener(paragraph: str) -> str:
    """What a paragraph opens with: its first clause (up to the first comma or stop), at
    most 6 characters — "从各乡镇看" and "2024年12月31日前" are each one opener."""
    return paragraph.split("，", 1)[0].split("。", 1)[0][:6]


def test_opener_helper():
    assert opener("从各乡镇看，石门乡…") == opener("从各乡镇看，零就业…") == "从各乡镇看"
    assert opener("识别认定超过时限的…") != opener("各乡镇脱贫户和监测对象人均纯收入在…")


def _sample_county(d: dt.date) -> dict:
    from zhenxing.data import params, paths
    meta = contract.prepare(paths.SAMPLE)
    towns = [t for t, c in meta["townships"].items() if c == "示例县"]
    return county_topic.county(contract.load_county(paths.SAMPLE, towns), towns, YEAR, d,
                               params.policy("示例县", YEAR), county_name="示例县")


@pytest.fixture(scope="module")
def sample_county():
    return _sample_county(D)


def test_comparisons_of_the_sample_open_each_in_their_own_words(sample_county):
    """Every topic's comparison on the sample county opens differently (it opened four with
    "从各乡镇看")."""
    ind = sample_county
    said = [p for p in (county_topic.county_standouts(ind, t) for t in ("monitoring", "income", "employment", "funds"))
            if p]
    assert len(said) == 4
    counts = Counter(opener(p) for p in said)
    assert max(counts.values()) == 1, counts
    # the zero-employment comparison follows "全县零就业家庭……还有N户" without its "还有", nor
    # the identification comparison's "分布在"
    assert not any(w in county_compare.employment(ind) for w in ("还有", "分布在"))
    # the ledger paragraphs open in their own words too
    leads = [county_work.lead_monitoring(ind), county_work.lead_employment(ind), *county_work.paragraph_work(ind)]
    assert all(leads) and len({opener(p) for p in leads + said}) == len(leads) + len(said)
    # the plan's targets: no date phrase opens more than one of them
    lines, _ = county_topic.plan_targets(ind)
    assert len(lines) >= 8
    dated = Counter(m for m in (_date_opening(x) for x in lines) if m)
    assert not dated or max(dated.values()) == 1, dated


def _date_opening(line: str) -> str | None:
    import re
    m = re.match(r"^\d+\. (\d{4}年[\d月日、]+前)", line)
    return m.group(1) if m else None


def test_plan_states_the_year_end_once_and_no_growth_of_its_own():
    ind = {"level": "county", "township": "甲县", "county": "甲县", "year": YEAR, "report_date": D.isoformat(),
           "plan_targets": [
               {"key": "identification_days", "value": 15.0, "unit": "天", "due": "2024-12-31", "source": "policy"},
               {"key": "spend_progress", "value": 25.0, "unit": "%", "due": "2024-03-31", "source": "policy"},
               {"key": "spend_progress", "value": 100.0, "unit": "%", "due": "2024-11-30", "source": "policy"},
               {"key": "income_growth", "value": None, "unit": "%", "due": "2024-12-31", "source": "policy"},
               {"key": "zero_employment", "value": 0, "unit": "户", "due": "2024-12-31", "source": "derived", "basis": 3}]}
    lines, note = county_topic.plan_targets(ind)
    assert lines == ["1. 新识别的监测对象均在发现风险后15天内完成识别认定。",
                     "2. 2024年3月31日、11月30日前，衔接资金累计拨付率分别达到25%、100%。",
                     "3. 脱贫户和监测对象人均纯收入增速高于当地农村居民人均可支配收入增速。",
                     "4. 现有3户零就业家庭动态清零。"]
    assert note == "注：第1至3项为上级政策要求，其余依据2023年全县实际提出。"
    # the income target is the standard in words, never this year's own growth
    pol = dict(DEFAULT_POLICY)
    hh = pd.DataFrame([{"户编号": "H1", "县": "甲县", "乡镇": "甲镇", "村": "一村", "家庭人口数": 1, "是否脱贫户": True}])
    hh["是否脱贫户"] = hh["是否脱贫户"].astype("boolean")
    inc = pd.DataFrame([{"户编号": "H1", "年度": y, "家庭人口数": 1, "家庭纯收入": v, "工资性收入": v}
                        for y, v in ((YEAR - 1, 10000.0), (YEAR, 10590.0))])
    c = county_topic.county({"households": hh, "income": inc}, ["甲镇"], YEAR, D, pol, county_name="甲县")
    g = [t for t in c["plan_targets"] if t["key"] == "income_growth"]
    assert g and g[0]["value"] is None and "basis" not in g[0]
    assert not any("5.9%" in x for x in county_topic.plan_targets(c)[0])


def test_coverage_only_when_a_township_is_missing():
    ind = {"level": "county", "township": "甲县", "county": "甲县", "townships": ["甲镇", "乙乡"]}
    assert county_topic.county_coverage(ind, []) == ""
    assert county_topic.county_coverage(ind, ["丙乡"]) == "注：丙乡数据暂缺，未计入全县合计。"


def _notebook_paragraphs(ind: dict) -> list[str]:
    """The paragraphs of 一、基本情况 and 二 as notebooks/county.ipynb says them: its cells
    tagged ``basic`` and ``report-*`` run on ``ind`` with a context that keeps what is said
    (tables and charts dropped)."""
    import json

    from zhenxing.data import paths
    nb = json.loads((paths.NOTEBOOKS / "county.ipynb").read_text(encoding="utf-8"))
    said: list[str] = []

    class Ctx:
        policy = DEFAULT_POLICY
        missing: list = []

        def say(self, markdown):
            said.extend(p for p in (markdown or "").split("\n\n") if p.strip())

        def table(self, *a, **k):
            pass

        def chart(self, *a, **k):
            pass

    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    imports = "".join(code[1]["source"]).splitlines()
    ns: dict = {}
    exec("\n".join(x for x in imports if x.startswith(("from ", "import "))), ns)  # noqa: S102
    ns.update(ctx=Ctx(), ind=ind)
    for c in code:
        tags = c.get("metadata", {}).get("tags") or []
        if any(t == "basic" or t.startswith("report-") for t in tags):
            exec("".join(c["source"]), ns)  # noqa: S102
    return said


def _time_openers(paragraphs: list[str], ind: dict) -> Counter:
    from zhenxing.words.wording import as_of
    return Counter(opener(p) for p in paragraphs if p.startswith((as_of(ind), "截至")))


@pytest.mark.parametrize("d", [D, dt.date(YEAR, 6, 30)], ids=["year-end", "mid-year"])
def test_the_report_date_opens_no_paragraph_once_it_is_said(d):
    """The report date is said once where it is first needed (基本情况's 监测对象); the
    paragraphs after it open with their subject — the sample's section 二 opened five of its
    paragraphs with "截至年底". Each paragraph that can state it, as the county says it."""
    from zhenxing.words.wording import as_of
    ind = _sample_county(d)
    said = [county_topic.dated_once(make(ind), ind, what) for what, make in county_topic.DATED]
    assert all(said) and as_of(ind) in said[0]   # 基本情况 says it
    assert not _time_openers(said, ind), said
    assert said[1].startswith("全县识别认定的监测对象中") and said[4].startswith("全县公益性岗位在岗")
    # the first paragraph that needs it keeps it when nothing before has said it
    bare = dict(ind, basic=None)
    assert county_topic.dated_once(county_topic.DATED[1][1](bare), bare, "monitoring").startswith(as_of(ind) + "，")
    assert not county_topic.dated_once(county_topic.DATED[4][1](bare), bare, "posts").startswith(as_of(ind))


def test_the_county_notebook_opens_no_paragraph_with_the_report_date(sample_county):
    """What the county notebook says in 一 and 二: no paragraph opens with the time phrase
    (five of section 二's did)."""
    said = _notebook_paragraphs(sample_county)
    assert len(said) >= 15
    assert not _time_openers(said, sample_county), _time_openers(said, sample_county)


@pytest.mark.parametrize("report_date, later", [("2023-12-31", "，到年底为77.41%"), ("2023-11-30", "")])
def test_the_spending_comparison_names_the_period_of_its_figure(report_date, later):
    """The lowest township's rate is said at the checkpoint the comparison measures by
    ("11月底为57.8%"), then at the report date, which the county's table shows ("到年底为
    77.41%"); at the checkpoint itself, or when the rate has not moved, once."""
    rows = {"甲镇": {"last_checkpoint": {"date": "2023-11-30", "paid_rate": 57.8, "target": 100.0}, "paid_rate": 77.41},
            "乙乡": {"last_checkpoint": {"date": "2023-11-30", "paid_rate": 100.0, "target": 100.0}, "paid_rate": 100.0}}
    ind = {"level": "county", "county": "甲县", "year": YEAR, "report_date": report_date, "by_township": rows,
           "compare_targets": {}}
    said = county_compare.funds(ind)
    assert said == f"按11月底累计拨付率达到100%的序时进度衡量，只有甲镇未达到，11月底为57.8%{later}。"
    rows["甲镇"]["paid_rate"] = 57.8
    assert "到年底" not in county_compare.funds(dict(ind, report_date="2023-12-31"))
