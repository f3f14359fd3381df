"""The review in a run (issue 25): 疑点核查.xlsx and review.json beside each township's
report, published with it; the county's 数据质量 paragraph; the index links every
workbook; the plausibility gate's figures listed on the workbook's summary sheet."""
from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from zhenxing import review
from zhenxing.review import beside
from zhenxing.review.command import review_dataset
from zhenxing.review.engine import Finding, Result
from zhenxing.run import site

YEAR = 2023


def _finding(rule, family, village, household="H1"):
    return Finding(rule=rule, title=rule, severity="high", township="甲镇", village=village, table="members",
                   key="K", field="f", value="v", message="m", family=family, household=household)


def _result(findings):
    rules = [r for r in review.builtin_rules()]
    return Result("甲镇", YEAR, dt.date(YEAR, 12, 31), rules, findings=findings)


def test_counts_hold_no_id_only_counts_in_family_order():
    res = _result([_finding("labour_over_70", "年龄与状态", "东村"), _finding("elim_within_six_months", "日期", "西村"),
                   _finding("labour_over_70", "年龄与状态", "东村", "H2")])
    c = beside.counts(res)
    assert c["records"] == 3 and c["households"] == 2
    assert list(c["by_family"]) == ["日期", "年龄与状态"]          # the families' own order
    assert c["by_village"] == {"东村": 2, "西村": 1}
    assert c["by_rule"] == {"elim_within_six_months": 1, "labour_over_70": 2}
    assert "K" not in json.dumps(c, ensure_ascii=False).replace("KEY", "")


def _county(tmp_path, rows: dict):
    for t, c in rows.items():
        (tmp_path / t).mkdir()
        (tmp_path / t / beside.COUNTS_FILE).write_text(json.dumps(c, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def test_county_paragraph_by_family_and_villages_with_most(tmp_path):
    d = _county(tmp_path, {
        "甲镇": {"township": "甲镇", "records": 5, "by_family": {"日期": 2, "务工": 3}, "by_village": {"东村": 4, "西村": 1}},
        "乙乡": {"township": "乙乡", "records": 3, "by_family": {"日期": 3}, "by_village": {"南村": 3}},
        "丙乡": {"township": "丙乡", "records": 0, "by_family": {}, "by_village": {}}})
    p = beside.county_paragraph(d, ["甲镇", "乙乡", "丙乡"])
    assert p.startswith("数据质量方面，") and "对3个乡镇" in p
    assert "2个乡镇共发现疑点记录8条，其中日期类5条、务工类3条" in p
    assert "疑点较多的村是甲镇东村（4条）、乙乡南村（3条）、甲镇西村（1条）" in p
    assert ".xlsx" not in p and "点击" not in p      # no file name or tool talk in the 公文


def test_county_paragraph_without_findings_and_without_review(tmp_path):
    d = _county(tmp_path, {"甲镇": {"township": "甲镇", "records": 0}})
    assert beside.county_paragraph(d, ["甲镇"]).endswith("未发现疑点记录。")
    assert beside.county_paragraph(d, ["乙乡"]) is None        # no township reviewed: no paragraph


def test_gated_figures_listed_on_the_summary_sheet(tmp_path):
    reason = "脱贫户和监测对象家庭成员中6至15周岁的12人无一登记为在校生，在校生状况登记不全，控辍保学和在校生情况需核实后填报"
    (tmp_path / "indicators.json").write_text(json.dumps({"not_stated": [
        {"topic": "education", "key": "students", "cause": "implausible", "reason": reason},
        {"topic": "credit", "key": "overdue", "cause": "table_absent"}]}, ensure_ascii=False), encoding="utf-8")
    res = _result([_finding("school_age_not_in_school", "年龄与状态", "东村")])
    res.gated = beside.gated_figures(tmp_path)
    assert [g["key"] for g in res.gated] == ["students"]
    review.write_workbook(tmp_path / review.FILE_NAME, res)
    ws = load_workbook(tmp_path / review.FILE_NAME)["汇总"]
    text = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("未作为事实陈述" in t for t in text)
    assert "education.students" in text and reason in text


def test_the_index_names_the_review_file_the_package_writes():
    assert site.REVIEW_FILE == review.FILE_NAME


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    from zhenxing.run import batch
    from zhenxing.sample.generator import generate
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZHENXING_CACHE", str(tmp_path_factory.mktemp("cache")))
        planted: list = []
        ds = generate(tmp_path_factory.mktemp("dirty") / "dirty", townships=2, households_per_township=300,
                      review="dirty", planted=planted, seed=7)
        out = tmp_path_factory.mktemp("out")
        outcomes, _ = batch.run(ds, year=YEAR, out=out, formats=("html",), workers=1)
        yield ds, out, outcomes, planted


def test_a_run_writes_the_review_beside_each_report(ran):
    ds, out, outcomes, planted = ran
    assert outcomes and all(o.status == "written" for o in outcomes), [(o.township, o.step, o.error) for o in outcomes]
    for o in outcomes:
        folder = out / str(YEAR) / o.county / o.township
        assert review.FILE_NAME in o.files and beside.COUNTS_FILE in o.files
        c = json.loads((folder / beside.COUNTS_FILE).read_text(encoding="utf-8"))
        wb = load_workbook(folder / review.FILE_NAME)
        assert wb.sheetnames[0] == "汇总"
        # the run's review is `zhenxing review`'s: the same findings, rule by rule
        _, _, (res,) = review_dataset(ds, YEAR, [o.township])
        assert c["records"] == len(res.findings) > 0
        assert c["by_rule"] == {r: n for r, n in ((r.id, len(res.by_rule()[r.id])) for r in res.rules) if n}
        assert not list(folder.glob(".*.tmp"))


def test_the_county_summary_has_a_data_quality_paragraph(ran):
    ds, out, outcomes, _ = ran
    county = outcomes[0].county
    md = (out / str(YEAR) / county / "county.md").read_text(encoding="utf-8")
    body = md.split("## 三、存在问题", 1)[1].split("## 四、", 1)[0]
    assert "数据质量方面，" in body and "疑点记录" in body


def test_the_index_links_every_review_workbook(ran):
    ds, out, outcomes, _ = ran
    html = (out / "index.html").read_text(encoding="utf-8")
    for o in outcomes:
        href = f"{quote(str(YEAR))}/{quote(o.county)}/{quote(o.township)}/{quote(review.FILE_NAME)}"
        assert href in html, o.township


def test_the_review_gets_the_tables_the_notebooks_computed_on_unchanged(ran, tmp_path):
    """`zhenxing run` hands the review the township's tables its notebooks loaded
    (notebook.township_tables) instead of reading them again: they must be the very
    tables the notebooks computed on, and computing every indicator on them must leave
    them as read; the review on them is the review on a fresh read."""
    import pandas as pd

    from zhenxing.data import contract
    from zhenxing.report import notebook
    ds, _, outcomes, _ = ran
    o = outcomes[0]
    ctx = notebook.context(str(ds), o.township, YEAR)       # loads and computes every indicator
    handed = notebook.township_tables(str(ds), o.township)
    fresh = contract.load_township(ds, o.township)
    assert set(handed) == set(fresh)
    for name, df in fresh.items():
        pd.testing.assert_frame_equal(handed[name], df, check_exact=True)
        assert handed[name].attrs == df.attrs, name
        assert handed[name] is not ctx.tables[name]                   # a notebook's own copy
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    beside.write_beside(a, ds, o.township, o.county, YEAR, "", tables=handed)
    beside.write_beside(b, ds, o.township, o.county, YEAR, "")
    assert (a / beside.COUNTS_FILE).read_text(encoding="utf-8") == (b / beside.COUNTS_FILE).read_text(encoding="utf-8")
    rows = [[[c.value for c in r] for ws in load_workbook(f / review.FILE_NAME).worksheets for r in ws.iter_rows()]
            for f in (a, b)]
    assert rows[0] == rows[1]


def test_the_review_can_be_switched_off_for_a_benchmark_and_the_stamp_says_so(monkeypatch):
    """``ZHENXING_REVIEW=off`` (bench/run.py --review measures the run without it): no
    review step, and a township's stamp differs, so a later ordinary run rebuilds it with
    its 疑点核查.xlsx; an ordinary run's stamp has no such entry."""
    from zhenxing.run import township
    args = ("甲镇", "甲县", YEAR, "", ("html",), "code", "hash")
    monkeypatch.delenv(township.REVIEW_ENV, raising=False)
    assert township.review_wanted()
    on, key_on = township.stamp_of(*args)
    assert "review" not in on
    monkeypatch.setenv(township.REVIEW_ENV, "off")
    assert not township.review_wanted()
    off, key_off = township.stamp_of(*args)
    assert off["review"] is False and key_off != key_on
