"""Issue 23, township by township: what leads a section, how a target met or missed is said
and which items come first follow what the data shows for *that* township (checklist item
17). Two townships in different situations give reports whose sentence skeletons (numbers
and names masked) differ; a township that meets every target says so briefly; the robotic
hedges and a time phrase said twice in one sentence are gone (items 13, 12)."""
from __future__ import annotations

import copy
import datetime as dt
import difflib
import re

import pytest

from zhenxing.data import contract, params, paths
from zhenxing.topics import (
    education,
    employment,
    funds,
    income,
    monitoring,
    posts,
    problems,
    registry,
    security,
    work,
)
from zhenxing.words import wording

YEAR = 2023


def township_ind(name: str, report_date: dt.date = dt.date(YEAR, 12, 31), tables=None) -> dict:
    """One township of the bundled sample as its notebooks compute it."""
    t = tables if tables is not None else contract.load_township(paths.SAMPLE, name)
    county = contract.prepare(paths.SAMPLE)["townships"][name]
    ind = registry.compute(t, name, YEAR, report_date, params.policy(county, YEAR))
    ind["basic"] = monitoring.basic(t, name, report_date)
    return ind


def sections(ind: dict) -> list[list[str]]:
    """The prose of a township report, section by section, as its notebooks say it (the
    cells tagged ``basic``/``report``, in their order) and 存在问题."""
    return [
        [monitoring.paragraph_basic(ind, ind["basic"]), monitoring.paragraph_villages(ind)],
        [work.lead_monitoring(ind), monitoring.paragraph_monitoring(ind)],
        [income.paragraph_income(ind)],
        [work.lead_employment(ind), employment.paragraph_employment(ind)],
        [funds.paragraph_funds(ind), funds.paragraph_projects(ind), funds.paragraph_assets(ind)],
        [posts.paragraph_posts(ind)],
        [security.paragraph_security(ind), security.paragraph_insurance(ind) + security.paragraph_guarantees(ind),
         security.paragraph_relocation(ind)],
        [education.paragraph_education(ind)],
        [work.paragraph_teams(ind), work.paragraph_rectification(ind)],
        problems.problems(ind["flags"], ind),
    ]


NUMBER = re.compile(r"\d+(?:\.\d+)?")


def names_of(ind: dict) -> list[str]:
    """The township's, its villages' and its county's names (longest first)."""
    m = ind.get("monitoring") or {}
    out = [ind["township"], ind.get("county") or "", *(m.get("by_village") or {})]
    out += re.findall(r"[\u4e00-\u9fff]{1,3}村", " ".join(s for sec in sections_cache(ind) for s in sec))
    return sorted({n for n in out if n}, key=len, reverse=True)


_CACHE: dict = {}


def sections_cache(ind: dict) -> list[list[str]]:
    key = id(ind)
    if key not in _CACHE:
        _CACHE[key] = sections(ind)
    return _CACHE[key]


def skeletons(ind: dict) -> list[list[str]]:
    """Each section's sentences with numbers and names masked: 数 for a figure, 名 for a
    township, village or county name, 全乡/全镇 and 我乡/我镇 alike."""
    names = names_of(ind)
    out = []
    for sec in sections_cache(ind):
        text = "".join(p for p in sec if p)
        for n in names:
            text = text.replace(n, "名")
        text = re.sub(r"[全我本](?:乡|镇|街道|苏木)", "全X", text)
        text = NUMBER.sub("数", text)
        out.append([s.strip() for s in re.split(r"(?<=[。])", text) if s.strip()])
    return out


def flat(sk: list[list[str]]) -> list[str]:
    return [s for sec in sk for s in sec]


def differing_share(a: list[str], b: list[str]) -> float:
    """The share of sentence skeletons the two reports do not have in common, in order
    (difflib: a sentence moved or said another way counts as different)."""
    return 1 - difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@pytest.fixture(scope="module")
def sample():
    return {t: township_ind(t) for t in ("石门乡", "云岭乡", "松坪乡", "柳溪镇")}


# ---------------------------------------------------------------- two situations
TOWN = "石门乡"


def on_schedule(tables: dict) -> dict:
    """The township's own tables with its year's money paid in full in January, every project
    started in February and every member insured: spending, starts and 基本医疗保险 on target,
    everything else as it was."""
    t = {k: v.copy() for k, v in tables.items()}
    pr = t["projects"]
    year_rows = pr["年度"] == YEAR
    pr.loc[year_rows, "开工日期"] = dt.datetime(YEAR, 2, 1)
    pr.loc[year_rows, "下达日期"] = dt.datetime(YEAR, 1, 10)
    pay = t["payments"]
    ids = set(pr.loc[year_rows, "项目编号"])
    rest = pay[~pay["项目编号"].isin(ids)]
    full = pr.loc[year_rows, ["项目编号", "资金来源", "批复金额"]].rename(columns={"批复金额": "拨付金额"})
    full["拨付日期"] = dt.datetime(YEAR, 1, 15)
    full["拨付日期_仅月"] = False
    t["payments"] = (full[pay.columns] if rest.empty else
                     __import__("pandas").concat([rest, full[pay.columns]], ignore_index=True))
    t["payments"]["拨付日期"] = t["payments"]["拨付日期"].astype("datetime64[ns]")
    t["members"]["是否参加基本医疗保险"] = t["members"]["是否参加基本医疗保险"].fillna(True).astype("boolean") | True
    return t


@pytest.fixture(scope="module")
def two():
    tables = contract.load_township(paths.SAMPLE, TOWN)
    return township_ind(TOWN, tables=tables), township_ind(TOWN, tables=on_schedule(tables))


def rules(ind: dict) -> set[str]:
    return {f["rule"] for f in ind["flags"]}


def first_sentences(sk: list[list[str]]) -> list[str | None]:
    return [sec[0] if sec else None for sec in sk]


def test_two_townships_in_different_situations_differ_in_their_skeletons(two):
    """The same township twice, once with spending, starts and 基本医疗保险 behind target and
    once with them on target (one table each changed): what leads the funds and the
    兜底保障 sections and the order of 存在问题 follow the situation, not one template."""
    behind, on_target = two
    assert {"spend_progress", "start_progress", "medical_insured_below"} <= rules(behind)
    assert not {"spend_progress", "start_progress", "medical_insured_below"} & rules(on_target)
    a, b = skeletons(behind), skeletons(on_target)
    share = differing_share(flat(a), flat(b))
    assert share >= 0.15, share
    differ = [i for i, (x, y) in enumerate(zip(first_sentences(a), first_sentences(b))) if x != y]
    assert {4, 6, 9} <= set(differ), differ   # funds, 兜底保障 and 存在问题 open differently
    assert "支出进度慢于序时要求" in a[4][0] and "参保率" in a[6][0]
    assert "资金项目" not in b[9][0] and "衔接资金" in a[9][0]


def test_problems_ordered_by_how_far_from_the_target():
    """存在问题: of two themes of the same severity, the one further from its target first,
    whichever comes first in the theme list."""
    near = {"topic": "funds", "theme": "资金项目", "rule": "spend_progress", "severity": "high",
            "values": {"checkpoints": [{"date": "2023-11-30", "paid_rate": 98.0, "target": 100.0}]}}
    far = {"topic": "security", "theme": "兜底保障", "rule": "medical_insured_below", "severity": "high",
           "values": {"rate": 97.0, "target": 99.0, "uninsured": 60}}
    ind = {"year": YEAR, "township": TOWN}
    first = problems.problems([near, far], ind)[0]
    assert "参保" in first and "拨付" not in first, first
    closer = {**far, "values": {"rate": 98.99, "target": 99.0, "uninsured": 1}}
    farther = {**near, "values": {"checkpoints": [{"date": "2023-11-30", "paid_rate": 40.0, "target": 100.0}]}}
    first = problems.problems([closer, farther], ind)[0]
    assert "拨付" in first and "参保" not in first, first


# ---------------------------------------------------------------- every target met
def meeting_every_target(ind: dict) -> dict:
    """The township's indicators with every figure a rule compares put on its target (the
    rest as computed); :func:`registry.flags` then finds nothing."""
    m = copy.deepcopy(ind)
    pol = params.policy(m.get("county"), YEAR)
    idd = m["monitoring"]["identification_days"]
    idd.update(over_limit=0, max=min(idd["max"], pol["identification_days_max"]))
    inc = m["income"]
    inc["below"] = {k: {"households": 0, "persons": 0} for k in inc["below"]}
    inc["declined"] = {"households": 0, "persons": 0}
    m["employment"]["zero_employment_households"] = 0
    fu = m["funds"]
    for p in fu["progress"]:
        p["paid_rate"] = max(p["paid_rate"], p["target"])
    fu["paid"], fu["paid_rate"] = fu["approved"]["total"], 100.0
    for p in fu["start_progress"]:
        p["start_rate"], p["started"] = 100.0, fu["projects"]
    a = m["assets"]
    a.update(registered=a["count"], unregistered=0, registered_rate=100.0)
    sec = m["security"]
    sec["unable_to_work_unsecured"] = {"households": 0, "persons": 0}
    sec["medical_insured"]["insured"] = sec["medical_insured"]["counted"]
    sec["medical_insured_rate"] = 100.0
    for k in ("housing_unsafe", "water_unsafe"):
        sec[k] = {"households": 0, "persons": 0}
    m["education"]["compulsory_age_not_in_school"] = 0
    m["credit"]["overdue"] = {"count": 0, "amount": 0.0}
    rect = m["work"]["rectification"]
    for part in (rect["total"], rect["in_year"], *rect["by_source"].values()):
        part.update(done=part["problems"], in_progress=0, not_started=0, overdue=0)
    rect["overdue_items"] = []
    m["work"]["teams"]["unposted_poverty_villages"] = []
    m["flags"] = registry.flags(m, pol)
    return m


def prose(ind: dict) -> str:
    return "".join(p for sec in sections(ind) for p in sec if p)


def test_a_township_meeting_every_target_says_so_briefly(two):
    behind, _ = two
    met = meeting_every_target(behind)
    assert met["flags"] == [], [f["rule"] for f in met["flags"]]
    text, sec = prose(met), sections(met)
    # 存在问题: one sentence, not a list
    assert len(sec[9]) == 1 and len(sec[9][0]) < 80
    # each target met is one clause, with no figure of a shortfall around it
    assert "均在15天内完成识别认定" in text and "超过15天" not in text
    assert re.search(r"参保率[\d.]+%，稳定在99%以上", text) and "未参保" not in text
    assert "支出进度达到序时要求" in text and "慢于序时" not in text
    assert re.search(r"项目开工率(?:分别为[\d.%、]+，均|均为[\d.]+%，)达到要求", text) and "（要求" not in text
    employment_text = "".join(p for p in sec[3] if p)
    assert "均有成员务工" in employment_text and "零就业家庭" not in employment_text
    assert "没有人均纯收入低于1万元或较上年下降的脱贫户和监测对象" in text
    assert "资产均已确权" in text and "确权率100%" not in text
    # and the report is shorter than the same township's with its shortfalls
    assert len(text) < len(prose(behind)) * 0.9


# ---------------------------------------------------------------- items 12 and 13
HEDGES = ("村级数据涉及", "有村集体经济收入数据的", "已登记参保情况的", "非在校生已登记的")


@pytest.mark.parametrize("town", ["石门乡", "松坪乡"])
def test_no_robotic_hedges(town):
    """Say the figure; the base it is computed over goes to a short 注."""
    ind = township_ind(town)
    text = prose(ind)
    assert not [h for h in HEDGES if h in text]
    assert "登记了参保情况" in (wording.note(ind, "security") or "")


def test_a_time_phrase_once_per_sentence_at_mid_year():
    ind = township_ind(TOWN, dt.date(YEAR, 6, 30))
    plan = "".join(problems.plan(ind, params.policy(ind.get("county"), YEAR), ind["flags"]))
    assert "已安排项目尚未拨付的" in plan
    # the second clause keeps its period without repeating it ("同期"), never a bare "消除风险"
    assert re.search(r"年内新识别认定监测对象[^。]*，同期(?:没有监测对象)?消除风险", prose(ind))
    for sentence in re.split(r"[。]", prose(ind) + plan):
        for phrase in ("年内", "全年", "截至6月底", f"{YEAR}年"):
            assert sentence.count(phrase) < 2, sentence


def test_the_plan_follows_the_order_of_the_problems(two):
    """工作打算: monitoring first (the bottom line), then the themes in the order 存在问题 gives
    them, so a township whose spending lags most plans for it before its income groups."""
    behind, on_target = two
    pol = params.policy(behind.get("county"), YEAR)
    assert problems.problems(behind["flags"], behind)[0].startswith("一是衔接资金")
    assert problems.plan(behind, pol, behind["flags"])[0].startswith("一是持续抓好防止返贫动态监测和帮扶")
    assert problems.plan(behind, pol, behind["flags"])[1].startswith("二是加快衔接资金支出和项目建设")
    assert not problems.plan(on_target, pol, on_target["flags"])[1].startswith("二是加快衔接资金支出和项目建设")


def test_education_and_credit_lead_with_their_shortfall(two):
    behind, _ = two
    edu, cre = education.paragraph_education(behind), __import__("zhenxing.topics.credit").topics.credit.paragraph_credit(behind)
    assert edu.startswith("义务教育阶段适龄（6至15周岁）人员中还有登记为非在校生的")
    assert cre.startswith("截至年底，全乡脱贫人口小额信贷逾期") and cre.count("逾期") == 1
    met = meeting_every_target(behind)
    assert education.paragraph_education(met).startswith("脱贫户和监测对象家庭有在校生")
    assert "无逾期贷款" in __import__("zhenxing.topics.credit").topics.credit.paragraph_credit(met)


def test_the_plan_does_not_restate_the_counts_of_the_problems(two):
    """Checklist 15: a count 存在问题 states (未参保30人, 零就业家庭5户, 逾期2笔 …) is not
    said a third time in 工作打算; the plan says what is to be done and by when."""
    behind, _ = two
    pol = params.policy(behind.get("county"), YEAR)
    plan = "".join(problems.plan(behind, pol, behind["flags"]))
    sec, emp, cre = behind["security"], behind["employment"], behind["credit"]
    uninsured = sec["medical_insured"]["counted"] - sec["medical_insured"]["insured"]
    for said in (f"{uninsured}人", f"{emp['zero_employment_households']}户零就业", f"{cre['overdue']['count']}笔",
                 f"{behind['education']['compulsory_age_not_in_school']}名"):
        assert said not in plan, said
    assert "对未参加基本医疗保险的家庭成员逐人动员参保" in plan and "对零就业家庭逐户摸排就业意愿" in plan


def test_without_ledgers_the_section_does_not_open_with_pairing_alone():
    """河口镇 keeps no ledger: 结对帮扶 (a met figure, one clause) closes the monitoring
    paragraph instead of standing alone as the section's opening."""
    ind = township_ind("河口镇")
    assert work.lead_monitoring(ind) == ""
    text = monitoring.paragraph_monitoring(ind)
    assert text.startswith("截至年底") and text.count("结对帮扶责任人") == 1
    with_ledger = township_ind(TOWN)
    assert "结对帮扶责任人" in work.lead_monitoring(with_ledger)
    assert "结对帮扶责任人" not in monitoring.paragraph_monitoring(with_ledger)


def test_table_rows_and_notes_say_what_they_count_not_where_from(two):
    """Checklist 12 and 14: no row label naming its source table ("低保（农户信息）"), no
    "未提供…" in the note under the spending table (the method is said, once)."""
    behind, _ = two
    labels = list(security.security_table(behind)["类别"])
    assert not [x for x in labels if "（" in x and "信息）" in x], labels
    assert "脱贫户和监测对象中的低保户" in labels
    note = funds.funds_progress(behind).attrs.get("note") or ""
    assert "未提供" not in note and "累计拨付率按全年批复资金计算" in note


# ---------------------------------------------------------------- the opening paragraph
SIX = ("青山镇", "石门乡", "河口镇", "云岭乡", "柳溪镇", "松坪乡")


def masked(text: str, ind: dict) -> str:
    """A paragraph's skeleton: the township's name 名, every figure 数."""
    return NUMBER.sub("数", text.replace(ind["township"], "名"))


@pytest.mark.parametrize("d", [dt.date(YEAR, 12, 31), dt.date(YEAR, 6, 30)], ids=["year-end", "mid-year"])
def test_the_opening_says_what_this_township_came_to(d):
    """The opening before 一、基本情况 (no 开头 in the writer's file) is drawn from the
    township's own figures: with figures and name masked, the openings of two sample
    townships differ whenever their targets met and missed differ — all six at the year's
    end (they were one sentence with the name and date changed); at 30 June 青山镇 and 石门乡
    miss and meet the same targets, in the same order, and read alike. Each is at most three
    sentences, says the report date once, and at 30 June speaks of the half year."""
    from zhenxing.topics import opening
    inds = {t: township_ind(t, d) for t in SIX}
    said = {t: opening.opening(ind, ind["flags"]) for t, ind in inds.items()}
    skel = {t: masked(s, inds[t]) for t, s in said.items()}
    situation = {t: tuple(th for th, _ in problems.themed(ind["flags"], ind)) + tuple(sorted(rules(ind)))
                 for t, ind in inds.items()}
    for a in SIX:
        for b in SIX[SIX.index(a) + 1:]:
            assert situation[a] == situation[b] or skel[a] != skel[b], (a, b, skel[a])
    if d.month == 12:
        assert len(set(skel.values())) == len(SIX), skel
    for t, s in said.items():
        assert s.count("。") <= 3 and s.startswith(opening.period(inds[t]) + "，" + t), s
        assert s.count(f"{d.year}年{d.month}月{d.day}日") == 1 and "坚持" not in s
    if d.month == 6:
        assert all(s.startswith(f"{YEAR}年上半年，") and "全年" not in s and "较上年" not in s for s in said.values())
    else:
        assert all(s.startswith(f"{YEAR}年，") for s in said.values())
        # 柳溪镇 misses one target only (基本医疗保险), 河口镇 has no zero-employment household
        assert "基本医疗保险参保还有缺口，其余各项指标均达到要求" in said["柳溪镇"]
        assert "有劳动力的脱贫户和监测对象家庭均有成员务工" in said["河口镇"]
        assert "均有成员务工" not in said["石门乡"] and "下一步重点解决" in said["石门乡"]


def test_the_opening_of_a_township_meeting_every_target(two):
    from zhenxing.topics import opening
    met = meeting_every_target(two[0])
    s = opening.opening(met, met["flags"])
    assert "各项指标均达到要求" in s and "下一步重点" not in s and s.count("。") == 3
    # neither a monitoring nor an income figure: the plain opening, the date still said once
    bare = dict(met, monitoring=None, income=None)
    assert opening.opening(bare, []) == wording.intro(bare)
