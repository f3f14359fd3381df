"""The county summary (issue 13): pooled figures (Σ and Σ/Σ), the county-only industry
assessment, townships named, missing townships named, a plan with no past date, the
county notebook on its defaults."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest

from conftest import setup_installs
from zhenxing.data import contract, params, paths
from zhenxing.report import notebook
from zhenxing.report.published import STAMP
from zhenxing.run import site
from zhenxing.topics import base as topic_base
from zhenxing.topics import county as county_topic
from zhenxing.topics import funds, income, monitoring, problems, registry
from zhenxing.words import numbers

YEAR = 2023
COUNTY = "示例县"
D = dt.date(YEAR, 12, 31)


# ---------------------------------------------------------------- hand-worked: Σ/Σ, not an average
def _projects(rows):
    cols = ["项目编号", "县", "乡镇", "年度", "资金来源", "项目类型", "批复金额"]
    return pd.DataFrame(rows, columns=cols)


def _payments(rows):
    return pd.DataFrame([{"项目编号": p, "资金来源": s, "拨付日期": pd.Timestamp(d), "拨付金额": a} for p, s, d, a in rows])


def _funds_tables(a_industry=True):
    pr = _projects([
        ("A1", "甲县", "甲镇", YEAR, "中央衔接资金", "产业发展" if a_industry else "基础设施", 100.0),
        ("B1", "甲县", "乙乡", YEAR, "中央衔接资金", "基础设施", 900.0),
        ("C1", "甲县", contract.COUNTY_LEVEL, YEAR, "省级衔接资金", "产业发展", 50.0),
    ])
    pay = _payments([("A1", "中央衔接资金", "2023-05-01", 90.0), ("B1", "中央衔接资金", "2023-05-01", 90.0),
                     ("C1", "省级衔接资金", "2023-05-01", 50.0)])
    return {"projects": pr, "payments": pay}


def test_county_rate_is_pooled_not_averaged():
    """甲镇 paid 90 of 100 (90%), 乙乡 90 of 900 (10%), 县本级 50 of 50 (100%): the county
    paid 230 of 1050 = 21.90…%; the average of the township rates would be 50% (or
    66.67% with 县本级) — a different, wrong figure."""
    t = _funds_tables()
    pol = dict(topic_base.DEFAULT_POLICY)
    a = funds.funds(t, "甲镇", YEAR, D, pol)
    b = funds.funds(t, "乙乡", YEAR, D, pol)
    assert (a["paid_rate"], b["paid_rate"]) == (90.0, 10.0)
    ind = county_topic.county(t, ["甲镇", "乙乡"], YEAR, D, pol, county_name="甲县")
    f = ind["funds"]
    assert f["approved"]["total"] == 1050.0 and f["paid"] == 230.0 and f["projects"] == 3
    assert f["paid_rate"] == pytest.approx(230 / 1050 * 100)
    assert numbers.pct(f["paid_rate"]) == "21.9%"
    assert numbers.pct((a["paid_rate"] + b["paid_rate"]) / 2) == "50%" != numbers.pct(f["paid_rate"])
    # the county-held project is in the county's totals and stated on its own
    assert ind["county_held"]["funds"]["projects"] == 1
    assert ind["county_held"]["funds"]["approved"]["total"] == 50.0
    # industry share by source, pooled: 中央 100 of 1000 = 10% (< 60), 省级 50 of 50 = 100% (≥ 52)
    ia = {x["source"]: x for x in f["industry_assessment"]}
    assert ia["中央衔接资金"]["share"] == pytest.approx(10.0) and not ia["中央衔接资金"]["met"]
    assert ia["省级衔接资金"]["share"] == pytest.approx(100.0) and ia["省级衔接资金"]["met"]


def test_county_per_capita_is_pooled_not_averaged():
    """甲镇: 1 household of 1 person, 10000 元 (10000 per person); 乙乡: 1 household of 9,
    45000 元 (5000 per person). The county: 55000 / 10 = 5500 元, not (10000 + 5000) / 2."""
    hh = pd.DataFrame([
        {"户编号": "H1", "县": "甲县", "乡镇": "甲镇", "村": "一村", "家庭人口数": 1, "是否脱贫户": True},
        {"户编号": "H2", "县": "甲县", "乡镇": "乙乡", "村": "一村", "家庭人口数": 9, "是否脱贫户": True},
    ])
    hh["是否脱贫户"] = hh["是否脱贫户"].astype("boolean")
    inc = pd.DataFrame([
        {"户编号": "H1", "年度": YEAR, "家庭人口数": 1, "家庭纯收入": 10000.0, "工资性收入": 10000.0},
        {"户编号": "H2", "年度": YEAR, "家庭人口数": 9, "家庭纯收入": 45000.0, "工资性收入": 45000.0},
    ])
    t = {"households": hh, "income": inc}
    pol = dict(topic_base.DEFAULT_POLICY)
    a = income.income(t, "甲镇", YEAR, D, pol)["per_capita_net"]["covered"]
    b = income.income(t, "乙乡", YEAR, D, pol)["per_capita_net"]["covered"]
    assert (a, b) == (10000.0, 5000.0)
    ind = county_topic.county(t, ["甲镇", "乙乡"], YEAR, D, pol, county_name="甲县")
    assert ind["income"]["per_capita_net"]["covered"] == 5500.0
    assert (a + b) / 2 == 7500.0
    # two villages of the same name in two townships are two villages
    assert ind["basic"]["villages"] == 2


def test_industry_share_is_a_county_flag_only():
    t = _funds_tables(a_industry=False)
    pol = dict(topic_base.DEFAULT_POLICY)
    for town in ("甲镇", "乙乡"):
        ind_t = registry.compute(t, town, YEAR, D, pol)
        assert not [f for f in ind_t["flags"] if f["rule"] == "industry_share"]
    ind = county_topic.county(t, ["甲镇", "乙乡"], YEAR, D, pol, county_name="甲县")
    fl = [f for f in ind["flags"] if f["rule"] == "industry_share"]
    assert len(fl) == 1 and fl[0]["theme"] == "资金项目"
    assert fl[0]["values"]["sources"] == [{"source": "中央衔接资金", "share": 0.0, "target": 60.0}]
    items = county_topic.county_problems(ind["flags"], ind)   # with the spending checkpoints: one 资金项目 item
    # a share of 0 is said in words
    assert len(items) == 1 and "中央衔接资金没有安排用于产业发展的资金，未达到不低于60%的要求" in items[0]
    assert county_topic.county_problems(fl, ind) == [
        "一是衔接资金用于产业发展的比重未达到要求。中央衔接资金没有安排用于产业发展的资金，未达到不低于60%的要求。"]


def test_plan_targets_never_past_and_from_policy():
    """Every 工作目标 is due after the report date; next_year targets come first from the policy."""
    t = _funds_tables()
    pol = {**topic_base.DEFAULT_POLICY, "next_year": {"spend_progress": {"05-31": 40, "11-30": 100}}}
    for rd in (D, dt.date(YEAR, 6, 30), dt.date(YEAR, 1, 15)):
        ind = county_topic.county(t, ["甲镇", "乙乡"], YEAR, rd, pol, county_name="甲县")
        assert ind["plan_targets"]
        assert all(x["due"] > rd.isoformat() for x in ind["plan_targets"])
        sp = [(x["due"], x["value"]) for x in ind["plan_targets"] if x["key"] == "spend_progress"]
        assert sp == [("2024-05-31", 40.0), ("2024-11-30", 100.0)]


# ---------------------------------------------------------------- the sample county, published tree
def _fake_publish(out: Path, towns: list[str]) -> dict:
    """A published tree for the sample's townships: their indicators.json as a run writes
    them, the stamp, and placeholder notebooks and reports (site.published checks files)."""
    meta = contract.prepare(paths.SAMPLE)
    inds = {}
    for t in towns:
        tb = contract.load_township(paths.SAMPLE, t)
        ind = registry.compute(tb, t, YEAR, D, params.policy(COUNTY, YEAR))
        ind["basic"] = monitoring.basic(tb, t, D)
        d = out / str(YEAR) / COUNTY / t
        d.mkdir(parents=True)
        (d / "indicators.json").write_text(json.dumps(ind, ensure_ascii=False), encoding="utf-8")
        for topic in notebook.TOPICS:
            (d / f"{topic}.ipynb").write_text("{}", encoding="utf-8")
        (d / "report.html").write_text("<html></html>", encoding="utf-8")
        (d / STAMP).write_text(json.dumps({"year": YEAR, "township": t, "formats": ["html"]}), encoding="utf-8")
        inds[t] = json.loads(json.dumps(ind, ensure_ascii=False))
    return {"meta": meta, "inds": inds}


@pytest.fixture(scope="module")
def sample_county(tmp_path_factory):
    out = tmp_path_factory.mktemp("county")
    meta = contract.prepare(paths.SAMPLE)
    towns = [t for t, c in meta["townships"].items() if c == COUNTY]
    pub = _fake_publish(out, towns)
    ind = site.write_county(out, YEAR, COUNTY, meta, ("html", "pdf", "docx"))
    return out, ind, pub["inds"], meta


def _md(out: Path) -> str:
    return (out / str(YEAR) / COUNTY / "county.md").read_text(encoding="utf-8")


def test_sample_totals_are_sums_of_townships(sample_county):
    out, ind, towns, _ = sample_county
    assert ind["townships"] == list(towns) and ind["missing"] == []

    def total(*path):
        vals = [topic_base.get_path(t, *path) for t in towns.values()]
        return sum(vals)
    for path in [("basic", "households"), ("basic", "persons"), ("basic", "villages"),
                 ("basic", "exited_poor", "households"), ("monitoring", "total", "households"),
                 ("monitoring", "total", "persons"), ("monitoring", "unresolved", "households"),
                 ("monitoring", "new_in_year", "persons"), ("income", "declined", "households"),
                 ("employment", "labor_force"), ("employment", "workers", "total"),
                 ("employment", "zero_employment_households"), ("funds", "projects"),
                 ("funds", "started"), ("posts", "in_post", "total"), ("credit", "overdue", "count")]:
        assert topic_base.get_path(ind, *path) == total(*path), path
    for path in [("funds", "approved", "total"), ("funds", "paid"), ("employment", "wage_income"),
                 ("posts", "annual_cost", "total")]:
        assert topic_base.get_path(ind, *path) == pytest.approx(total(*path)), path
    # county-held assets (乡镇 = 县本级) are in the county's total, beside the townships'
    held = ind["county_held"]["assets"]
    assert held["count"] == 2
    assert ind["assets"]["count"] == total("assets", "count") + held["count"]
    assert ind["assets"]["value"] == pytest.approx(total("assets", "value") + held["value"])


def test_sample_rates_are_pooled(sample_county):
    _, ind, towns, _ = sample_county
    approved = sum(t["funds"]["approved"]["total"] for t in towns.values())
    paid = sum(t["funds"]["paid"] for t in towns.values())
    assert ind["funds"]["paid_rate"] == pytest.approx(paid / approved * 100)
    mean = sum(t["funds"]["paid_rate"] for t in towns.values()) / len(towns)
    assert numbers.pct(mean) != numbers.pct(ind["funds"]["paid_rate"])   # 82.30% vs 82.48%
    started = sum(t["funds"]["started"] for t in towns.values())
    assert ind["funds"]["start_rate"] == pytest.approx(started / ind["funds"]["projects"] * 100)
    in_post = sum(t["posts"]["in_post"]["total"] for t in towns.values())
    covered = sum(round(t["posts"]["covered_share"] * t["posts"]["in_post"]["total"] / 100) for t in towns.values())
    assert ind["posts"]["covered_share"] == pytest.approx(covered / in_post * 100)
    # the 全县合计 rows state the pooled figures
    md = _md(sample_county[0])
    assert f"| 全县合计 | {ind['funds']['projects']} | {numbers.wan_cell(approved)} | {numbers.wan_cell(paid)} | " \
           f"{numbers.pct(ind['funds']['paid_rate'])} |" in md
    tables_ = re.findall(r"(?ms)^\| .*?\n\nTable: ", md)
    assert tables_ and all("| 全县合计 |" in t for t in tables_)


def test_sample_summary_sections_and_formats(sample_county):
    out, ind, _, _ = sample_county
    d = out / str(YEAR) / COUNTY
    for f in ("county.html", "county.pdf", "county.docx", "county.ipynb", "county.json"):
        assert (d / f).is_file(), f
    md = _md(out)
    heads = re.findall(r"(?m)^## (.+)$", md)
    # the body's four sections, then (after the 落款) the table of every township as 附件1
    assert heads[:5] == ["一、基本情况", "二、工作开展情况及成效", "三、存在问题", "四、2024年工作计划",
                         "附件1\u3000各乡镇主要指标"]
    assert "全县63个村共有农户11096户35990人" in md
    # every township pooled: nothing said about coverage (no tool talk about what was summed)
    assert "本总结汇总" not in md and "均已计入" not in md and "未计入全县合计" not in md
    # townships named where they stand out (never by a count of flags)
    zero = {t: r["zero_employment"] for t, r in ind["by_township"].items() if r.get("zero_employment")}
    most = max(zero, key=zero.get)
    assert f"{most}零就业家庭最多，有{zero[most]}户" in md
    assert "问题数" not in md
    # what the county and its townships did, from the ledgers, leads its sections
    w = ind["work"]
    teams = w["teams"]
    assert f"全县{teams['villages']}个村选派第一书记{teams['first_secretaries']}名、" \
           f"工作队员{teams['persons'] - teams['first_secretaries']}名" in md
    own = ind["county_held"]["work"]["activities"]["督导"]
    assert f"其中县级督导{own['count']}次、发现问题{own['problems']}个" in md
    mon = md.split("### （一）", 1)[1].split("\n\n", 2)[1]
    assert mon.startswith("全县全年开展") and f"{w['activities']['排查']['count']}轮" in mon
    assert "### （九）加强驻村帮扶，抓实问题整改" in md
    # the sample's township without ledgers is named once, in the section's 注
    bare = [t for t, r in ind["by_township"].items() if not r["ledgers"]]
    assert bare and md.count("未报送") == 1 and f"{'、'.join(bare)}未报送工作台账、问题整改台账和驻村工作队台账" in md
    # the county's own themed problems: at most five, 一是 …
    probs = md.split("## 三、存在问题", 1)[1].split("## 四、", 1)[0]
    items = re.findall(r"(?m)^([一二三四五六七八九十])是", probs)
    assert items == list("一二三四五")[:len(items)] and 1 <= len(items) <= 5
    # the 附表 links every township's report, relatively
    for t in ind["townships"]:
        assert f"]({quote(t)}/report.html)" in md


@pytest.mark.skipif(shutil.which("pdftotext") is None,
                    reason=setup_installs("poppler-utils", "pdftotext 未安装，无法读取县级总结 PDF"))
def test_county_pdf_and_docx_say_what_the_summary_says(sample_county):
    """The county summary's PDF and DOCX are read, not only found: the title, the five
    sections, every township of the 附表 and the opening sentence's figures are there."""
    import subprocess

    import docx
    out, ind, _, _ = sample_county
    d = out / str(YEAR) / COUNTY
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731  (PDF lines break anywhere)
    pdf = subprocess.run(["pdftotext", "-enc", "UTF-8", str(d / "county.pdf"), "-"], capture_output=True, text=True)
    assert pdf.returncode == 0, pdf.stderr
    doc = docx.Document(str(d / "county.docx"))
    word = "\n".join([p.text for p in doc.paragraphs] +
                     [c.text for t in doc.tables for row in t.rows for c in row.cells])
    md = _md(out)
    opening = re.search(r"全县\d+个村共有农户\d+户\d+人", md).group(0)
    for name, text in (("county.pdf", squash(pdf.stdout)), ("county.docx", squash(word))):
        assert f"{COUNTY}{YEAR}年" in text, name
        heads = re.findall(r"(?m)^## (.+)$", md)
        assert len(heads) >= 5
        for head in heads:
            assert squash(head) in text, (name, head)
        assert all(t in text for t in ind["townships"]), name
        assert opening in text, (name, opening)


def test_industry_assessment_in_county_summary_only(sample_county):
    out, ind, towns, _ = sample_county
    md = _md(out)
    assert "按资金来源考核衔接资金用于产业发展的比重" in md
    assert "中央衔接资金1713.74万元中用于产业发展1120.37万元，占65.38%，达到不低于60%的要求" in md
    # no township report states it: not the township sentences, not the stored notebook outputs
    for _t, ti in towns.items():
        said = "".join([funds.paragraph_funds(ti), *problems.problems(ti["flags"], ti),
                        *problems.plan(ti, params.policy(COUNTY, YEAR), ti["flags"])])
        assert "按资金来源考核" not in said and "不低于60%" not in said
        assert not [f for f in ti["flags"] if f["rule"] == "industry_share"]
    for nb in paths.NOTEBOOKS.glob("*.ipynb"):
        if nb.name != "county.ipynb":
            assert "按资金来源考核" not in nb.read_text(encoding="utf-8"), nb.name


def test_county_plan_states_no_past_date(sample_county):
    out, ind, _, _ = sample_county
    # the plan runs to the next section or to the 落款 (the signature block), whichever comes first
    plan = _md(out).split("## 四、2024年工作计划", 1)[1].split("## 五、", 1)[0].split("::: {.signature}", 1)[0]
    assert "### （一）工作目标" in plan and "### （二）主要措施" in plan
    goals = re.findall(r"(?m)^\d+\. (.+)$", plan)
    assert len(goals) >= 5
    rd = dt.date.fromisoformat(ind["report_date"])
    # the end of the plan's year is said once, in the lead-in; a target with other
    # checkpoints names them itself
    assert "2024年底前重点完成以下目标" in plan
    dated = [g for g in goals if re.match(r"\d{4}年\d{1,2}月\d{1,2}日", g)]
    assert 1 <= len(dated) < len(goals) and len({g.split("，", 1)[0] for g in dated}) == len(dated)
    for g in goals:
        assert "2024年12月31日" not in g, g
        if "农村居民人均可支配收入增速" not in g:                 # the one standard said in words
            assert re.search(r"\d", g), g                          # a number
    for y, rest in re.findall(r"(\d{4})年((?:\d{1,2}月\d{1,2}日、?)+)", plan):
        for m, d_ in re.findall(r"(\d{1,2})月(\d{1,2})日", rest):
            assert dt.date(int(y), int(m), int(d_)) > rd, (y, m, d_)
    assert "2024年3月31日、6月30日、9月30日、11月30日前，衔接资金累计拨付率分别达到25%、50%、75%、100%。" in plan


def test_missing_township_is_named_and_not_in_totals(sample_county, tmp_path):
    out, full, towns, meta = sample_county
    out2 = tmp_path / "out"
    shutil.copytree(out / str(YEAR), out2 / str(YEAR))
    (out2 / str(YEAR) / COUNTY / "石门乡" / STAMP).unlink()   # a failed (incomplete) run
    ind = site.write_county(out2, YEAR, COUNTY, meta, ("html",))
    assert ind["missing"] == ["石门乡"] and "石门乡" not in ind["townships"]
    md = (out2 / str(YEAR) / COUNTY / "county.md").read_text(encoding="utf-8")
    assert "注：石门乡数据暂缺，未计入全县合计。" in md and "本总结汇总" not in md
    assert ind["basic"]["households"] == full["basic"]["households"] - towns["石门乡"]["basic"]["households"]
    assert "](%s/report.html)" % quote("石门乡") not in md
    site.write_index(out2)
    html = (out2 / "index.html").read_text(encoding="utf-8")
    assert f"{quote(str(YEAR))}/{quote(COUNTY)}/county.html" in html


def test_no_published_township_no_county_summary(tmp_path):
    meta = contract.prepare(paths.SAMPLE)
    (tmp_path / str(YEAR) / COUNTY).mkdir(parents=True)
    (tmp_path / str(YEAR) / COUNTY / "county.html").write_text("old", encoding="utf-8")
    assert site.write_county(tmp_path, YEAR, COUNTY, meta, ("html",)) is None
    assert not (tmp_path / str(YEAR) / COUNTY / "county.html").exists()


def test_county_notebook_lab_run_on_defaults(tmp_path):
    """As JupyterLab runs it: the committed notebook, its default parameters, plain papermill."""
    import nbformat
    import papermill as pm
    out = tmp_path / "county.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS / "county.ipynb"), str(out), kernel_name="zhenxing",
                        cwd=str(paths.NOTEBOOKS), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    said = "".join(o.get("data", {}).get("text/markdown", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))
    assert "全县63个村" in said and "全县合计" in said
    assert (paths.OUTPUTS / "scratch" / str(YEAR) / COUNTY / notebook.COUNTY_FILE).is_file()


def test_county_notebook_stored_for_nbval():
    """The committed county notebook keeps its outputs (nbval compares them) with sequential
    execution counts, and its story cells are checked."""
    import nbformat
    nb = nbformat.read(paths.NOTEBOOKS / "county.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    checked = [c for c in code if "nbval-check-output" in c.metadata.get("tags", [])]
    assert checked and all(c.outputs for c in checked)
    assert "parameters" in code[0].metadata.get("tags", [])
    assert set(notebook.COUNTY_PARAMETERS) <= set(re.findall(r"(?m)^(\w+):", code[0].source))


def test_county_parameter_check():
    ns = {"dataset": "", "county": "示例县", "year": 2023, "report_date": "", "out_dir": ""}
    notebook.check_county_parameters(ns, ["dataset = ''\ncounty = '示例县'"])
    with pytest.raises(params.ParamError, match="county"):
        notebook.check_county_parameters(ns, ["dataset = ''\ncountry = '示例县'"])


# ---------------------------------------------------------------- pooled ahead (issue 14)
def _county_json(ctx) -> str:
    return json.dumps(ctx.ind, ensure_ascii=False, sort_keys=True, default=str)


def test_county_pooled_ahead_is_used_and_is_what_would_be_computed(tmp_path, monkeypatch):
    """`zhenxing run` computes a county's pooled figures while its last townships render;
    the county summary then takes them instead of loading and computing the county again,
    and its indicators are exactly those computed afresh. Pooled ahead for other townships
    than those published, they are not used."""
    meta = contract.prepare(paths.SAMPLE)
    towns = [t for t, c in meta["townships"].items() if c == COUNTY]
    _fake_publish(tmp_path, towns)
    out_dir = str(tmp_path / str(YEAR) / COUNTY)
    notebook._POOLED.clear()
    fresh = _county_json(notebook.county_context(str(paths.SAMPLE), COUNTY, YEAR, "", out_dir))

    notebook.pool_ahead(paths.SAMPLE, meta, COUNTY, YEAR, "", towns)
    real_load = contract.load_county
    calls = []
    monkeypatch.setattr(contract, "load_county", lambda *a, **k: calls.append(a) or real_load(*a, **k))
    ahead = notebook.county_context(str(paths.SAMPLE), COUNTY, YEAR, "", out_dir)
    assert calls == [] and ahead.tables == {}
    assert _county_json(ahead) == fresh
    assert notebook._POOLED == {}  # taken once

    notebook.pool_ahead(paths.SAMPLE, meta, COUNTY, YEAR, "", towns[:-1])  # one fewer than published
    calls.clear()
    again = notebook.county_context(str(paths.SAMPLE), COUNTY, YEAR, "", out_dir)
    assert len(calls) == 1 and _county_json(again) == fresh
    notebook._POOLED.clear()


def test_run_whose_last_township_fails_pools_only_the_published(tiny_copy, tmp_path, monkeypatch):
    """The head start assumes the last townships succeed; when one fails, the county
    summary pools only the published townships, with the figures a fresh computation
    gives (never the head start's, which counted the failed township)."""
    from zhenxing.run import batch
    meta = contract.prepare(tiny_copy)
    towns = list(meta["townships"])
    county = meta["townships"][towns[0]]
    from zhenxing.run import township
    real = township.build
    last = towns[-1]

    def build(work, dataset, township, *a, **k):  # the workers are forked: they see this
        if township == last:
            raise RuntimeError("测试：渲染失败 [test]")
        return real(work, dataset, township, *a, **k)
    monkeypatch.setattr(township, "build", build)
    spied = []
    real_ahead = notebook.pool_ahead
    monkeypatch.setattr(notebook, "pool_ahead", lambda *a, **k: spied.append(a[-1]) or real_ahead(*a, **k))
    outcomes, _ = batch.run(tiny_copy, year=YEAR, out=tmp_path / "out", formats=("html",), workers=2)
    assert {o.township: o.status for o in outcomes} == {**{t: "written" for t in towns[:-1]}, last: "failed"}
    assert spied == [towns]  # the head start counted on the last township
    assert notebook._POOLED == {}  # not taken, and not kept after the run
    cdir = tmp_path / "out" / str(YEAR) / county
    stored = json.loads((cdir / notebook.COUNTY_FILE).read_text(encoding="utf-8"))
    assert stored["townships"] == towns[:-1] and stored["missing"] == [last]
    fresh = notebook.county_context(str(tiny_copy), county, YEAR, "", str(cdir))
    for key in ("basic", "monitoring", "income", "funds", "by_township"):
        assert json.dumps(stored[key], sort_keys=True, default=str) == \
            json.dumps(json.loads(json.dumps(fresh.ind[key], default=str)), sort_keys=True, default=str), key
    notebook._POOLED.clear()


def test_forced_rerun_of_unchanged_townships_pools_nothing_ahead(tiny_copy, tmp_path, monkeypatch):
    """A ``--force`` run of unchanged townships publishes them with the stamps they had, so
    the county summary is kept as it is (write_county): computing its pooled figures
    ahead would only take CPU from the townships still running. The first run pools."""
    from zhenxing.run import batch, site
    meta = contract.prepare(tiny_copy)
    towns = list(meta["townships"])
    county = meta["townships"][towns[0]]
    spied = []
    real_ahead = notebook.pool_ahead
    monkeypatch.setattr(notebook, "pool_ahead", lambda *a, **k: spied.append(a[-1]) or real_ahead(*a, **k))
    out = tmp_path / "out"
    batch.run(tiny_copy, year=YEAR, out=out, formats=("html",), workers=2)
    assert spied == [towns]
    summary = out / str(YEAR) / county / "county.html"
    before = summary.stat().st_mtime_ns
    spied.clear()
    outcomes, _ = batch.run(tiny_copy, year=YEAR, out=out, formats=("html",), workers=2, force=True)
    assert {o.status for o in outcomes} == {"written"}
    assert spied == []
    assert summary.stat().st_mtime_ns == before  # kept: the head start would have gone unused
    # a run that will change the summary (another format) pools ahead again
    assert not site.summary_current_after(out, YEAR, county, meta, ("html", "pdf"), {})
    notebook._POOLED.clear()


# ---------------------------------------------------------------- the county's writer's file (issue 23)
COUNTY_WRITER = """<!-- 示例县2023年县级总结的写作者文件（测试） -->

## 开头

2023年，示例县县委、县政府坚持把巩固拓展脱贫攻坚成果作为头等大事，县级领导包乡联村，按季度调度推进。

## 防止返贫动态监测

县级建立部门筛查预警周会商机制，对行业部门推送的预警信息逐条交乡镇核实。

## 强化帮扶力量，抓好问题整改

县委组织部每季度对驻村工作队开展一次在岗抽查。

## 亮点

推广“积分超市”激励模式，引导脱贫群众参与村庄清洁。

## 存在问题

部分乡镇帮扶干部业务能力有待提高。

## 工作打算

分批次轮训乡镇和村级业务骨干。

## 落款

示例县乡村振兴局
2024年1月10日
"""


def test_county_writer_file_in_every_format(sample_county, tmp_path, monkeypatch):
    """narrative/<Y>/<县>.md is merged at its anchors into the county summary's Markdown,
    HTML, DOCX (and PDF when pdftotext is here) exactly as written — the section on the
    teams and rectification too, which the county summary has when the ledgers are given."""
    import docx
    out, _, _, meta = sample_county
    out2 = tmp_path / "out"
    shutil.copytree(out / str(YEAR), out2 / str(YEAR))
    (out2 / str(YEAR) / COUNTY / site.COUNTY_STAMP).unlink()   # a first run with the writer's file
    nar = tmp_path / "narrative"
    (nar / str(YEAR)).mkdir(parents=True)
    (nar / str(YEAR) / f"{COUNTY}.md").write_text(COUNTY_WRITER, encoding="utf-8")
    monkeypatch.setenv("ZHENXING_NARRATIVE", str(nar))
    formats = ("html", "docx", "pdf") if shutil.which("pdftotext") else ("html", "docx")
    site.write_county(out2, YEAR, COUNTY, meta, formats)
    d = out2 / str(YEAR) / COUNTY
    md = (d / "county.md").read_text(encoding="utf-8")
    texts = {"county.md": md, "county.html": (d / "county.html").read_text(encoding="utf-8")}
    doc = docx.Document(str(d / "county.docx"))
    texts["county.docx"] = "\n".join(p.text for p in doc.paragraphs)
    if "pdf" in formats:
        import subprocess
        pdf = subprocess.run(["pdftotext", "-enc", "UTF-8", str(d / "county.pdf"), "-"], capture_output=True, text=True)
        texts["county.pdf"] = pdf.stdout
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    said = ["示例县县委、县政府坚持把巩固拓展脱贫攻坚成果作为头等大事", "县级建立部门筛查预警周会商机制",
            "县委组织部每季度对驻村工作队开展一次在岗抽查", "推广“积分超市”激励模式",
            "部分乡镇帮扶干部业务能力有待提高", "分批次轮训乡镇和村级业务骨干", "示例县乡村振兴局"]
    for name, text in texts.items():
        for s in said:
            assert squash(s) in squash(text), (name, s)
    # at its anchors: the opening first, the section's words after its computed text,
    # the problem and plan items numbered on
    body = md.split("## 一、", 1)
    assert "示例县县委、县政府" in body[0] and "数据统计截止日期" not in body[0]
    work_sec = md.split("### （九）", 1)[1].split("### （十）", 1)[0]
    assert work_sec.index("选派第一书记") < work_sec.index("县委组织部每季度")
    assert "### （十）总结推广典型经验" in md
    assert re.search(r"(?m)^[一二三四五六七八九十]是部分乡镇帮扶干部业务能力有待提高。?$", md)


def test_editing_the_county_writer_file_rebuilds_the_summary(sample_county, tmp_path, monkeypatch):
    from zhenxing.report import assemble
    out, _, _, meta = sample_county
    out2 = tmp_path / "out"
    shutil.copytree(out / str(YEAR), out2 / str(YEAR))
    # the code as one fixed version (others may edit the checkout while the suite runs)
    monkeypatch.setattr(assemble, "code_fingerprint", lambda: "fixed")
    nar = tmp_path / "narrative"
    (nar / str(YEAR)).mkdir(parents=True)
    monkeypatch.setenv("ZHENXING_NARRATIVE", str(nar))
    site.write_county(out2, YEAR, COUNTY, meta, ("html",))        # made without the writer's file
    (nar / str(YEAR) / f"{COUNTY}.md").write_text(COUNTY_WRITER, encoding="utf-8")
    site.write_county(out2, YEAR, COUNTY, meta, ("html",))        # the next plain run, the file added
    md = (out2 / str(YEAR) / COUNTY / "county.md").read_text(encoding="utf-8")
    assert "县级建立部门筛查预警周会商机制" in md
