"""Property-based tests: generated contract-valid datasets, written as CSV files, read
through the contract, then every indicator, paragraph, table and chart.

Each example is a dataset folder of 1–3 townships with random subsets of the optional
columns removed, optional tables removed, townships without rows in some tables,
header-only tables, month-only (YYYYMM) monitoring dates and one-household townships.

Profiles: ``default`` (quick, < 1 minute) and ``large`` (``HYPOTHESIS_PROFILE=large``).
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import math
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhenxing.data import contract
from zhenxing.report import charts as C
from zhenxing.report import tables as tables_mod
from zhenxing.topics import base as topic_base
from zhenxing.topics import credit, education, employment, funds, income, monitoring, registry, security
from zhenxing.topics import posts as posts_mod
from zhenxing.words import wording

# Hypothesis profiles (default; ci, derandomised, chosen when CI=true; large on demand
# with HYPOTHESIS_PROFILE=large) are set in tests/conftest.py.

COUNTY = "测试县"
TOWNS = ("甲镇", "乙乡", "丙镇")
VILLAGES = ("一村", "二村")
YEARS = (2022, 2023)
OPTIONAL_TABLES = ("members", "work", "income", "projects", "payments", "posts")
PARAGRAPHS = (monitoring.paragraph_monitoring, income.paragraph_income, employment.paragraph_employment, funds.paragraph_funds,
              posts_mod.paragraph_posts)
TABLE_FNS = (monitoring.monitoring_by_category, monitoring.monitoring_by_village, monitoring.monitoring_by_risk, income.income_by_group,
             income.income_composition, employment.employment_by_region, funds.funds_by_source, funds.funds_progress,
             posts_mod.posts_by_type)
CHART_FNS = (monitoring.monitoring_categories, income.income_groups, employment.employment_regions, funds.funds_sources, posts_mod.posts_types,
             security.assistance_types, education.education_stages_chart, credit.credit_amounts, funds.assets_classes)


def check_chart(out) -> None:
    """A chart is well-formed SVG whose every bar stands for a known figure (never a bar for
    one not computed) and lies inside the picture."""
    if out is None:
        return
    chart, alt = out
    ET.fromstring(chart.svg.encode())
    assert chart.bars and alt
    for b in chart.bars:
        assert b.value is not None and math.isfinite(b.value), b
        assert -1e-6 <= b.x and b.x + b.width <= chart.width + 1e-6, b
        assert -1e-6 <= b.y and b.y + b.height <= chart.height + 1e-6, b


def optional_columns(table: str) -> list[str]:
    return [c.name for c in contract.TABLES[table]["cols"] if not (c.required or c.present)]


def all_columns(table: str) -> list[str]:
    return [c.name for c in contract.TABLES[table]["cols"]]


def resident_id(n: int) -> str:
    """A valid GB 11643 id, distinct for each n (birth date and sequence vary with n)."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=37 * n)
    body = f"530102{birth:%Y%m%d}{n % 1000:03d}"
    check = contract.ID_CHECK[sum(int(d) * w for d, w in zip(body, contract.ID_WEIGHTS)) % 11]
    return body + check


# ---------------------------------------------------------------- strategies
dates = st.dates(dt.date(2021, 1, 1), dt.date(2024, 6, 30))


@st.composite
def monitoring_dates(draw, category):
    """(风险发现日期, 纳入监测日期, 风险消除日期) as cells: ordered, some month-only."""
    if category is None:
        return "", "", ""
    d = sorted(draw(st.lists(dates, min_size=3, max_size=3)))
    found = d[0] if draw(st.booleans()) else None
    incl = d[1]
    elim = d[2] if draw(st.booleans()) else None
    cells, parsed = [], []
    for x in (found, incl, elim):
        if x is None:
            cells.append("")
            parsed.append(None)
            continue
        month = draw(st.booleans())
        cells.append(f"{x:%Y%m}" if month else x.isoformat())
        parsed.append(x.replace(day=1) if month else x)
    # month-only dates count as the 1st: keep the contract's order after that
    known = [p for p in parsed if p is not None]
    if known != sorted(known):
        cells = ["" if x is None else x.isoformat() for x in (found, incl, elim)]
    return tuple(cells)


@st.composite
def datasets(draw):
    towns = list(TOWNS[: draw(st.integers(1, 3))])
    n_id = [0]

    def new_id():
        n_id[0] += 1
        return resident_id(n_id[0])

    hh, mem, work, inc, proj, pay, posts = [], [], [], [], [], [], []
    for ti, town in enumerate(towns):
        n_hh = draw(st.integers(1 if ti == 0 else 0, 4))   # a township may have no household
        for _ in range(n_hh):
            hid = f"H{len(hh) + 1:03d}"
            size = draw(st.integers(1, 4))
            poor = draw(st.booleans())
            category = draw(st.sampled_from([None, "脱贫不稳定户"] if poor else [None, "边缘易致贫户", "突发严重困难户"]))
            found, incl, elim = draw(monitoring_dates(category))
            hh.append({"户编号": hid, "县": COUNTY, "乡镇": town, "村": draw(st.sampled_from(VILLAGES)),
                       "家庭人口数": str(size), "是否脱贫户": "是" if poor else "否",
                       "监测对象类别": category or "", "风险发现日期": found, "纳入监测日期": incl,
                       "风险消除日期": elim,
                       "主要风险类型": draw(st.sampled_from(["", "因病", "因学", "因灾"])) if category else "",
                       "是否易地扶贫搬迁": draw(st.sampled_from(["是", "否", ""]))})
            for _ in range(draw(st.integers(1, size))):
                pid = new_id()
                mem.append({"户编号": hid, "证件号码": pid,
                            "劳动技能": draw(st.sampled_from(contract.LABOUR))})
                for y in draw(st.sets(st.sampled_from(YEARS))):
                    work.append({"证件号码": pid, "年度": str(y), "务工地域": draw(st.sampled_from(contract.REGIONS)),
                                 "务工月数": str(draw(st.integers(1, 12))),
                                 "务工收入": str(draw(st.integers(0, 60000)))})
            for y in draw(st.sets(st.sampled_from(YEARS))):
                biz = draw(st.integers(0, 20000))
                inc.append({"户编号": hid, "年度": str(y), "家庭人口数": draw(st.sampled_from(["", str(size)])),
                            "工资性收入": str(draw(st.integers(0, 40000))), "生产经营性收入": str(biz),
                            "生产经营性支出": str(draw(st.integers(0, biz))),
                            "财产性收入": str(draw(st.integers(0, 2000))),
                            "转移性收入": str(draw(st.integers(0, 10000)))})
        for k in range(draw(st.integers(0, 3))):
            code = f"XM{ti}{k}"
            year = draw(st.sampled_from(YEARS))
            start = draw(st.one_of(st.none(), st.dates(dt.date(year, 1, 1), dt.date(year, 12, 31))))
            end = draw(st.one_of(st.none(), st.dates(start, dt.date(year + 1, 6, 30)))) if start else None
            ptype = draw(st.sampled_from(contract.PROJECT_TYPES))
            for src in draw(st.sets(st.sampled_from(contract.FUND_SOURCES[:3]), min_size=1, max_size=2)):
                cents = draw(st.integers(1, 50000))
                proj.append({"项目编号": code, "年度": str(year), "项目名称": f"项目{ti}{k}", "县": COUNTY,
                             "乡镇": town, "项目类型": ptype, "资金来源": src, "批复金额": f"{cents / 100:.2f}",
                             "开工日期": start.isoformat() if start else "",
                             "完工日期": end.isoformat() if end else "",
                             "资产类别": draw(st.sampled_from(["", *contract.ASSET_CLASSES])),
                             "受益脱贫人口数": ""})
                left = cents
                for _ in range(draw(st.integers(0, 2))):
                    if left <= 0:
                        break
                    part = draw(st.integers(1, left))
                    left -= part
                    pay.append({"项目编号": code, "资金来源": src,
                                "拨付日期": draw(st.dates(dt.date(year, 1, 1), dt.date(year + 1, 3, 31))).isoformat(),
                                "拨付金额": f"{part / 100:.2f}"})
        town_members = [m["证件号码"] for m in mem if any(h["户编号"] == m["户编号"] and h["乡镇"] == town for h in hh)]
        for _ in range(draw(st.integers(0, 3))):
            pid = draw(st.sampled_from(town_members)) if town_members and draw(st.booleans()) else new_id()
            hired = draw(dates)
            fired = draw(st.one_of(st.none(), st.dates(hired, dt.date(2024, 12, 31))))
            posts.append({"证件号码": pid, "县": COUNTY, "乡镇": town,
                          "岗位类型": draw(st.sampled_from(["生态护林员", "乡村保洁员"])),
                          "聘用日期": hired.isoformat(), "解聘日期": fired.isoformat() if fired else "",
                          "解聘原因": draw(st.sampled_from(["", "不履职", "本人辞职"])) if fired else "",
                          "补贴标准": str(draw(st.integers(100, 12000))), "补贴周期": draw(st.sampled_from(["月", "年"]))})

    rows = {"households": hh, "members": mem, "work": work, "income": inc, "projects": proj,
            "payments": pay, "posts": posts}
    dropped = draw(st.sets(st.sampled_from(OPTIONAL_TABLES)))
    if "projects" in dropped:
        dropped.add("payments")
    if "members" in dropped:
        dropped.add("work")
    header_only = draw(st.sets(st.sampled_from(["work", "income", "payments", "posts"])))
    removed = {}
    for name in rows:
        opt = [c for c in optional_columns(name) if c not in ("户主姓名", "户主证件号码", "姓名")]
        removed[name] = sorted(draw(st.sets(st.sampled_from(opt)))) if opt else []
    # 纳入监测日期 may be absent only when no household has a category (contract rule)
    if any(h["监测对象类别"] for h in hh) and "纳入监测日期" in removed["households"]:
        removed["households"].remove("纳入监测日期")
    if any(h["监测对象类别"] for h in hh) and "风险发现日期" in removed["households"]:
        pass  # allowed: the export's own shape (no separate 风险发现日期)
    # the national system's person-level export in place of households + members
    person_level = "members" not in dropped and draw(st.booleans())
    if person_level:
        removed["households"] = [c for c in optional_columns("households") if c not in PERSON_LEVEL]
        removed["members"] = []
    return {"rows": rows, "dropped": dropped, "header_only": header_only, "removed": removed, "towns": towns,
            "person_level": person_level}


# contract column → the national system's column name in a person-level export
PERSON_LEVEL = {"县": "县(市、区、旗)", "乡镇": "乡(镇)", "村": "行政村", "户编号": "户编号", "家庭人口数": "人数",
                "是否脱贫户": "户类型", "监测对象类别": "易返贫致贫户(监测对象)类型", "纳入监测日期": "识别监测时间",
                "风险消除日期": "消除监测时间", "主要风险类型": "致贫/返贫风险1"}


def write_person_level(spec: dict, folder: Path) -> None:
    """households + members as one export: a row per member, the household columns repeated."""
    hh = {h["户编号"]: h for h in spec["rows"]["households"]}
    cols = [*PERSON_LEVEL.values(), "证件号码", "与户主关系", "劳动技能"]
    with open(folder / "防止返贫致贫监测对象信息_20231231.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for i, m in enumerate(spec["rows"]["members"]):
            h = hh[m["户编号"]]
            row = {pl: h.get(c, "") for c, pl in PERSON_LEVEL.items()}
            row["户类型"] = "脱贫户" if h["是否脱贫户"] == "是" else "一般农户"
            first = i == 0 or spec["rows"]["members"][i - 1]["户编号"] != m["户编号"]
            row.update({"证件号码": m["证件号码"], "与户主关系": "户主" if first else "之子", "劳动技能": m["劳动技能"]})
            w.writerow(row)


def write(spec: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if spec.get("person_level"):
        write_person_level(spec, folder)
    for name, rows in spec["rows"].items():
        if name in spec["dropped"] or (spec.get("person_level") and name in ("households", "members")):
            continue
        cols = [c for c in all_columns(name) if c not in spec["removed"][name]
                and (not rows or c in rows[0])]
        body = [] if name in spec["header_only"] else rows
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
            w.writeheader()
            w.writerows(body)


# ---------------------------------------------------------------- invariants
def _walk_json(x):
    if isinstance(x, dict):
        for v in x.values():
            _walk_json(v)
    elif isinstance(x, list):
        for v in x:
            _walk_json(v)
    else:
        assert x is None or type(x) in (int, float, str, bool), (x, type(x))


def _get(topic: dict, key: str):
    cur = topic
    for part in key.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, dict) and all(isinstance(v, dict) for v in cur.values()):
            return [v.get(part) for v in cur.values()]  # by_village.unresolved: per village
        else:
            return None
    return cur


def _hp_sum(parts):
    parts = list(parts)
    return (sum(v["households"] for v in parts), sum(v["persons"] for v in parts))


def _hp_t(v):
    return (v["households"], v["persons"])


def check_invariants(ind: dict, basic, spec: dict, town: str, tables: dict) -> None:
    _walk_json(ind)
    assert json.loads(json.dumps(ind, ensure_ascii=False)) == ind

    # every not_stated entry is well formed and its figure really is null
    for e in ind["not_stated"]:
        assert set(e) == {"topic", "key", "cause", "table", "column", "reason"}
        assert e["cause"] in topic_base.CAUSES and e["reason"]
        if e["topic"] == "basic":
            assert basic is None
            continue
        topic = ind[e["topic"]]
        if e["key"] is None:
            assert topic is None
        else:
            v = _get(topic, e["key"])
            assert v is None or (isinstance(v, list) and all(x is None for x in v)), e

    m = ind["monitoring"]
    if m is not None:
        for k in ("unresolved", "eliminated", "new_in_year", "eliminated_in_year"):
            if m[k] is not None:
                assert _hp_sum(m[k]["by_category"].values()) == _hp_t(m[k]), k
        if m["unresolved"] is not None and m["eliminated"] is not None:
            assert _hp_t(m["unresolved"]) == tuple(a - b for a, b in zip(_hp_t(m["total"]), _hp_t(m["eliminated"])))
            for c in topic_base.CATEGORIES:
                assert (_hp_t(m["unresolved"]["by_category"][c])[0] + _hp_t(m["eliminated"]["by_category"][c])[0]
                        <= m["total"]["households"])
        if m["by_risk_type"] is not None:
            assert _hp_sum(m["by_risk_type"].values()) == _hp_t(m["unresolved"])
        assert _hp_sum(v["total"] for v in m["by_village"].values()) == _hp_t(m["total"])
        idd = m["identification_days"]
        if idd is not None and idd["counted"]:
            assert 0 <= idd["median"] <= idd["max"]
    f = ind["funds"]
    if f is not None:
        assert f["approved"]["total"] == pytest.approx(sum(f["approved"]["by_source"].values()))
        assert f["approved"]["total"] == pytest.approx(sum(f["approved"]["by_type"].values()))
        if f["paid"] is not None:
            assert f["paid"] <= f["approved"]["total"] + 1e-9
            if f["approved"]["total"] > 0:
                assert f["paid_rate"] == pytest.approx(f["paid"] / f["approved"]["total"] * 100)
        for n, r in (("started", "start_rate"), ("completed", "completion_rate")):
            if f[n] is not None and f["projects"]:
                assert f[r] == pytest.approx(f[n] / f["projects"] * 100)
                assert f[n] <= f["projects"]
            else:
                assert f[r] is None
        for s in [f["paid_rate"], f["start_rate"], f["completion_rate"], *f["industry_share"].values(),
                  *[p["paid_rate"] for p in f["progress"] or []]]:
            assert s is None or -1e-9 <= s <= 100 + 1e-9
    e = ind["employment"]
    if e is not None and e["workers"] is not None:
        assert sum(e["workers"]["by_region"].values()) == e["workers"]["total"]
        # null only when the plausibility gate found the 劳动技能 of the workers unbelievable
        assert e["zero_employment_households"] is not None or any(
            x["topic"] == "employment" and x["cause"] == "implausible" for x in ind["not_stated"])
    if e is not None and e["workers"] is None:
        assert e["zero_employment_households"] is None and e["wage_income"] is None
    inc = ind["income"]
    if inc is not None:
        for v in (inc["composition"] or {}).values():
            assert v is None or -1e-9 <= v <= 100 + 1e-9
        if inc["per_capita_net_prev"] is None:
            assert inc["growth"] is None and inc["declined"] is None
    p = ind["posts"]
    if p is not None and p["covered_share"] is not None:
        assert 0 <= p["covered_share"] <= 100
    if p is not None and p["in_post"] is not None:
        # total counts distinct persons, by_type distinct persons per type (spec: posts.in_post),
        # so a person on two types counts once in total and once in each type:
        # every type <= total <= the sum over types <= total × the number of types
        by, total = p["in_post"]["by_type"], p["in_post"]["total"]
        assert all(0 <= n <= total for n in by.values())
        assert total <= sum(by.values()) <= total * len(by)

    # no flag on a null figure
    rules = {(x["topic"], x["rule"]) for x in ind["flags"]}
    if e is None or e["zero_employment_households"] is None:
        assert ("employment", "zero_employment") not in rules
    if inc is None or inc["declined"] is None:
        assert ("income", "declined") not in rules

    # removed columns → the figures that need them are null and noted
    removed = {k: set(v) for k, v in spec["removed"].items()}
    if m is not None:
        if "风险发现日期" in removed["households"]:
            assert m["identification_days"] is None
        if "风险消除日期" in removed["households"]:
            assert m["eliminated"] is None and m["unresolved"] is None
        if "是否易地扶贫搬迁" in removed["households"]:
            assert m["relocated"] is None
    if e is not None and "务工收入" in removed["work"] and "work" not in spec["header_only"]:
        assert e["wage_income"] is None
    if f is not None and f["projects"] and "开工日期" in removed["projects"]:
        assert f["started"] is None
    if p is not None and "解聘日期" in removed["posts"] and len(tables["posts"]):
        assert p["in_post"] is None

    # the paragraphs: a not-stated figure is said to be so, never written as a number
    paras = {fn.__name__.removeprefix("paragraph_"): fn(ind) for fn in PARAGRAPHS}
    paras["basic"] = monitoring.paragraph_basic(ind, basic)
    for name, text in paras.items():
        assert text and "None" not in text and "—" not in text and "nan" not in text, (name, text)
    for topic in ("monitoring", "income", "employment", "funds", "posts"):   # the core tables' topics
        if ind[topic] is None:
            assert paras[topic] == wording.no_data(ind, topic)
        elif not (topic == "funds" and not ind[topic]["projects"]) \
                and not (topic == "income" and ind[topic]["per_capita_net"]["covered"] is None) \
                and not (topic == "posts" and not ind[topic]["hired_in_year"]["by_type"]):
            for sentence in wording.not_stated(ind, topic):
                assert sentence in paras[topic], (topic, sentence, paras[topic])
    if e is not None and e["workers"] is None:
        assert "零就业" not in paras["employment"].split("未计算")[0]


# ---------------------------------------------------------------- the property
@given(spec=datasets(), mid_year=st.booleans())
def test_generated_datasets_run_through_every_function(spec, mid_year):
    run(spec, mid_year)


def run(spec: dict, mid_year: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ds"
        write(spec, folder)
        ds = contract.read_dataset(folder)
        assert [v.message() for v in ds.errors] == []
        cache = Path(tmp) / "cache"
        meta = contract.prepare(folder, cache=cache)
        assert meta["errors"] == []
        for town in meta["townships"]:
            t = contract.load_township(folder, town, cache=cache)
            for year in (*YEARS, 2019):
                d = dt.date(year, 6, 30) if mid_year else dt.date(year, 12, 31)
                ind = registry.compute(t, town, year, d, topic_base.DEFAULT_POLICY)
                basic = monitoring.basic(t, town, d)
                check_invariants(ind, basic, spec, town, t)
                for fn in TABLE_FNS:
                    tables_mod.markdown(fn(ind), "表")
                tables_mod.markdown(funds.projects(t, town, year), "附表")
                for fn in CHART_FNS:
                    check_chart(C.draw(fn(ind)))


# ---------------------------------------------------------------- fixed examples
def _one_household(**hh) -> dict:
    row = {"户编号": "H001", "县": COUNTY, "乡镇": "甲镇", "村": "一村", "家庭人口数": "2", "是否脱贫户": "是",
           "监测对象类别": "脱贫不稳定户", "风险发现日期": "202302", "纳入监测日期": "2023-03-10",
           "风险消除日期": "", "主要风险类型": "因病", "是否易地扶贫搬迁": "否"}
    row.update(hh)
    pid = resident_id(1)
    return {"households": [row],
            "members": [{"户编号": "H001", "证件号码": pid, "劳动技能": "普通劳动力"}],
            "work": [{"证件号码": pid, "年度": "2023", "务工地域": "省外", "务工月数": "8", "务工收入": "30000"}],
            "income": [{"户编号": "H001", "年度": "2023", "家庭人口数": "", "工资性收入": "30000",
                        "生产经营性收入": "0", "生产经营性支出": "0", "财产性收入": "0", "转移性收入": "2000"}],
            "projects": [], "payments": [],
            "posts": [{"证件号码": pid, "县": COUNTY, "乡镇": "甲镇", "岗位类型": "生态护林员", "聘用日期": "2022-01-01",
                       "解聘日期": "", "解聘原因": "", "补贴标准": "800", "补贴周期": "月"}]}


def test_one_household_every_optional_column_removed():
    rows = _one_household()
    removed = {n: [c for c in optional_columns(n) if c not in ("户主姓名", "户主证件号码", "姓名", "纳入监测日期")]
               for n in rows}
    run({"rows": rows, "dropped": set(), "header_only": set(), "removed": removed, "towns": ["甲镇"]}, False)


def test_one_household_header_only_tables_and_month_only_dates():
    rows = _one_household(纳入监测日期="202303", 风险消除日期="202311")
    spec = {"rows": rows, "dropped": {"projects", "payments"}, "header_only": {"work", "income", "posts"},
            "removed": {n: [] for n in rows}, "towns": ["甲镇"]}
    run(spec, True)
