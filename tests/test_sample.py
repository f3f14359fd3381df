"""The synthetic data generator (zhenxing.sample.generator): deterministic, valid ids, every
rule of the data contract, the office-style formats it promises, and the
large-county mode.  Rules are checked here directly with pandas, independently
of zhenxing.data.contract."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from zhenxing.sample import generator as sample
from zhenxing.sample.generator import generate, id_check_char, is_valid_id
from zhenxing.topics import monitoring

SMALL = dict(townships=2, households_per_township=150)
TABLES = ("households", "members", "work", "income", "projects", "payments", "posts")
LABOUR = {"技能劳动力", "普通劳动力", "弱劳动力或半劳动力"}
END = pd.Timestamp("2023-12-31")


def _read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def _dates(s: pd.Series) -> pd.Series:
    """Plain-mode dates: ISO days, or YYYY-MM months (first of the month)."""
    month = s.str.fullmatch(r"\d{4}-\d{2}")
    return pd.to_datetime(s.where(~month, s + "-01").replace("", None), format="%Y-%m-%d")


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> dict[str, pd.DataFrame]:
    out = generate(tmp_path_factory.mktemp("plain"), mixed_formats=False, **SMALL)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    return {t: _read(out, t) for t in TABLES}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("mixed"), **SMALL)


# ---------------------------------------------------------------- determinism

def test_same_seed_same_bytes(mixed, tmp_path):
    again = generate(tmp_path / "again", **SMALL)
    names = sorted(p.name for p in mixed.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (mixed / name).read_bytes() == (again / name).read_bytes(), name


def test_other_seed_other_data(mixed, tmp_path):
    other = generate(tmp_path / "other", seed=7, **SMALL)
    assert (other / "members.csv").read_bytes() != (mixed / "members.csv").read_bytes()


def test_rerun_replaces_tables_of_the_other_style(tmp_path):
    generate(tmp_path, mixed_formats=False, townships=1, households_per_township=40)
    generate(tmp_path, townships=1, households_per_township=40)
    assert not (tmp_path / "households.csv").exists()
    assert (tmp_path / "农户信息.xlsx").exists()
    generate(tmp_path, townships=2, households_per_township=40)
    assert (tmp_path / PERSON).exists()
    generate(tmp_path, townships=2, households_per_township=40, mixed_formats=False)
    assert not (tmp_path / PERSON).exists()


# ---------------------------------------------------------------- id numbers

def test_id_check_character():
    # worked example of GB 11643-1999
    assert id_check_char("11010519491231002") == "X"
    assert is_valid_id("110105" + "19491231" + "002X")
    assert not is_valid_id("110105" + "19491231" + "0021")


def test_ids_valid_unique_and_consistent(plain):
    m, h, posts = plain["members"], plain["households"], plain["posts"]
    ids = m["证件号码"]
    assert ids.is_unique
    assert ids.map(is_valid_id).all()
    assert posts["证件号码"].map(is_valid_id).all()
    assert h["户主证件号码"].isin(ids).all()
    shown = m[m["出生日期"] != ""]
    assert (shown["出生日期"].str.replace("-", "") == shown["证件号码"].str[6:14]).all()
    sexed = m[m["性别"] != ""]
    odd = sexed["证件号码"].str[16].astype(int) % 2 == 1
    assert ((sexed["性别"] == "男") == odd).all()
    # a share of members leaves 性别 and 出生日期 to be derived from the id
    assert 0.05 < (m["出生日期"] == "").mean() < 0.5
    assert ((m["出生日期"] == "") == (m["性别"] == "")).all()


# ---------------------------------------------------------------- contract rules

def test_households(plain):
    h = plain["households"]
    assert h["户编号"].is_unique
    assert h["家庭人口数"].astype(int).ge(1).all()
    assert set(h["是否脱贫户"]) == {"是", "否"}
    assert 0.2 < (h["是否脱贫户"] == "是").mean() < 0.36
    cat = h["监测对象类别"]
    assert set(cat) == {"", *sample.CATEGORIES}
    assert (h.loc[cat == "脱贫不稳定户", "是否脱贫户"] == "是").all()
    assert (h.loc[cat.isin(["边缘易致贫户", "突发严重困难户"]), "是否脱贫户"] == "否").all()
    assert set(h.loc[cat != "", "主要风险类型"]) <= set(sample.RISK_TYPES)
    assert (h.loc[cat == "", ["风险发现日期", "纳入监测日期", "风险消除日期", "主要风险类型"]] == "").all().all()
    for township, g in h.groupby("乡镇"):
        assert g["村"].str.endswith("村").all()
        assert 8 <= g["村"].nunique() <= 15
        assert set(g.loc[g["监测对象类别"] != "", "监测对象类别"]) == set(sample.CATEGORIES), township
    assert h["组"].str.fullmatch(r"\d+组").all()


def test_monitoring_dates(plain):
    h = plain["households"]
    obj = h[h["监测对象类别"] != ""]
    found, ident, elim = (_dates(obj[c]) for c in ("风险发现日期", "纳入监测日期", "风险消除日期"))
    assert ident.notna().all() and (ident <= END).all()
    assert (found <= ident).all()
    assert (elim.isna() | (elim >= ident)).all()
    assert elim.notna().any() and elim.isna().any()
    assert {2022, 2023} <= set(ident.dt.year)
    month_only = obj["风险发现日期"].str.fullmatch(r"\d{4}-\d{2}")
    assert month_only.groupby(obj["乡镇"]).sum().between(1, 3).all()
    lag = (ident - found)[~month_only].dt.days
    assert lag.between(3, 14).mean() > 0.6


def test_members(plain):
    h, m = plain["households"], plain["members"]
    assert m["户编号"].isin(h["户编号"]).all()
    per_household = m.groupby("户编号").size()
    assert (per_household.reindex(h["户编号"]).to_numpy() == h["家庭人口数"].astype(int).to_numpy()).all()
    assert 2.9 < len(m) / len(h) < 3.6
    assert set(m["劳动技能"]) <= set(sample.SKILLS)
    assert set(m["性别"]) <= {"男", "女", ""}
    assert (m.groupby("户编号")["与户主关系"].apply(lambda r: (r == "户主").sum()) == 1).all()


def test_work(plain):
    m, w = plain["members"], plain["work"]
    assert w["证件号码"].isin(m["证件号码"]).all()
    assert not w.duplicated(["证件号码", "年度"]).any()
    assert set(w["务工地域"]) == set(sample.REGIONS)
    months = w.loc[w["务工月数"] != "", "务工月数"].astype(int)
    assert months.between(1, 12).all()
    covered = _covered(plain["households"])
    lf = m[m["户编号"].isin(covered) & m["劳动技能"].isin(LABOUR)]
    assert w["证件号码"].isin(lf["证件号码"]).all()
    share = w.groupby("年度").size() / len(lf)
    assert share.between(0.45, 0.75).all()


def test_income(plain):
    h, i = plain["households"], plain["income"]
    assert set(i["户编号"]) == set(_covered(h))
    assert not i.duplicated(["户编号", "年度"]).any()
    money = i[["工资性收入", "生产经营性收入", "生产经营性支出", "财产性收入", "转移性收入"]].astype(float)
    assert (money >= 0).all().all()
    size = i["家庭人口数"].where(i["家庭人口数"] != "", i["户编号"].map(h.set_index("户编号")["家庭人口数"]))
    net = (money["工资性收入"] + money["生产经营性收入"] - money["生产经营性支出"]
           + money["财产性收入"] + money["转移性收入"])
    pc = net / size.astype(int)
    assert pc.between(8000, 20000).mean() > 0.6
    assert (pc < 8000).any()


def test_projects_and_payments(plain):
    p, pay = plain["projects"], plain["payments"]
    assert not p.duplicated(["项目编号", "资金来源"]).any()
    assert set(p["项目类型"]) <= set(sample.PROJECT_TYPES)
    assert set(p["资金来源"]) <= set(sample.FUND_SOURCES)
    assert (p.groupby("项目编号")["资金来源"].size() == 2).any()
    per = p.groupby(["乡镇", "年度"])["项目编号"].nunique()
    assert per.between(3, 6).all()
    approved = p.set_index(["项目编号", "资金来源"])["批复金额"].astype(float)
    assert (approved > 0).all()
    assert approved.map(lambda v: round(v, 3) == v).all()
    keys = pd.MultiIndex.from_frame(pay[["项目编号", "资金来源"]])
    assert keys.isin(approved.index).all()
    amounts = pay["拨付金额"].astype(float)
    assert (amounts > 0).all()
    paid = amounts.groupby([pay["项目编号"], pay["资金来源"]]).sum()
    assert (paid <= approved.reindex(paid.index)).all()
    started = _dates(p["开工日期"])
    finished = _dates(p["完工日期"])
    assert (finished.isna() | (finished >= started)).all()
    assert started.isna().any() or finished.isna().any()


def test_posts(plain):
    po, m = plain["posts"], plain["members"]
    assert set(po["岗位类型"]) <= set(sample.POST_TYPES)
    assert set(po["补贴周期"]) == {"月", "年"}
    assert po["补贴标准"].astype(int).gt(0).all()
    hire, dismiss = _dates(po["聘用日期"]), _dates(po["解聘日期"])
    assert (dismiss.isna() | (dismiss >= hire)).all()
    assert ((po["解聘原因"] != "") == dismiss.notna()).all()
    assert {2022, 2023} <= set(hire.dt.year) and {2022, 2023} <= set(dismiss.dt.year)
    in_members = po["证件号码"].isin(m["证件号码"])
    assert 0.7 < in_members.mean() < 1
    in_post = (hire <= END) & (dismiss.isna() | (dismiss > END))
    assert in_post.sum() > 0


def _covered(h: pd.DataFrame) -> pd.Series:
    return h.loc[(h["是否脱贫户"] == "是") | (h["监测对象类别"] != ""), "户编号"]


# ---------------------------------------------------------------- formats

PERSON = "（乡村建设）户信息_20231231.xlsx"


def test_mixed_file_names(mixed):
    assert sorted(p.name for p in mixed.iterdir()) == sorted(
        ["农户信息.xlsx", "members.csv", "收入.csv", "work.csv", "projects.csv", "payments.csv", "posts.csv",
         PERSON, "小额信贷.xlsx", "社会救助.csv", "education_aid.csv", "项目资产.csv", "村.csv",
         "工作台账.xlsx", "问题整改台账.csv", "驻村工作队.csv"])


def _person(folder: Path) -> pd.DataFrame:
    rows = list(openpyxl.load_workbook(folder / PERSON).active.iter_rows(values_only=True))
    return pd.DataFrame(rows[4:], columns=rows[3])


def test_person_level_export_form(mixed, plain):
    ws = openpyxl.load_workbook(mixed / PERSON).active
    titles = [r[0] for r in ws.iter_rows(min_row=1, max_row=3, values_only=True)]
    assert "合成数据" in titles[0] and titles[1].startswith("导出单位") and titles[2].startswith("导出时间")
    df = _person(mixed)
    for col in ("户编号", "证件号码", "与户主关系", "户类型", "人数", "县(市、区、旗)", "乡(镇)", "行政村", "自然村",
                "易返贫致贫户(监测对象)类型", "识别监测时间", "风险是否已消除", "消除监测时间", "致贫/返贫风险1",
                "是否参加城乡居民基本医疗保险", "是否参加城乡居民基本养老保险"):
        assert col in df.columns, col
    assert "风险发现日期" not in df.columns and "纳入监测日期" not in df.columns
    assert set(df["户类型"]) <= {"脱贫户", "一般农户", "非脱贫户"}
    months = df["识别监测时间"].dropna()
    assert len(months) and months.str.fullmatch(r"\d{6}").all()
    # the last township only, and its people are not in the contract files
    h = plain["households"]
    last = h["乡镇"].iloc[-1]
    assert set(df["乡(镇)"]) == {last}
    assert df["证件号码"].tolist() == plain["members"].loc[
        plain["members"]["户编号"].isin(h.loc[h["乡镇"] == last, "户编号"]), "证件号码"].tolist()
    members = pd.read_csv(mixed / "members.csv", dtype=str, encoding="gb18030", keep_default_na=False)
    assert not members["证件号码"].isin(df["证件号码"]).any()


def test_person_level_and_contract_files_give_the_same_township(tmp_path):
    """The same township read from the person-level export and from contract files: same
    households and members, same monitoring figures (the export has no 风险发现日期, so
    identification_days is not computable from it, and its dates are months)."""
    from zhenxing.data import contract
    kw = dict(townships=2, households_per_township=150)
    a = generate(tmp_path / "person", **kw)
    b = generate(tmp_path / "contract", person_level=False, **kw)
    assert (a / PERSON).exists() and not (b / PERSON).exists()
    town = sample.SAMPLE_TOWNSHIPS[1]
    ta = contract.load_township(a, town, cache=tmp_path / "cache")
    tb = contract.load_township(b, town, cache=tmp_path / "cache")
    assert ta["households"].attrs["absent_columns"] == ("风险发现日期",)
    assert tb["households"].attrs.get("absent_columns", ()) == ()
    ha, hb = ta["households"].copy(), tb["households"].copy()
    dates = ["纳入监测日期", "风险消除日期"]
    for h in (ha, hb):
        for c in dates:
            h[c] = h[c].dt.to_period("M").dt.to_timestamp()
    skip = ["风险发现日期", "风险发现日期_仅月"] + [c + "_仅月" for c in dates]
    skip.append("帮扶责任人")   # pseudonyms are per dataset (the cadre is paired in both: same blanks)
    assert (ha["帮扶责任人"].isna() == hb["帮扶责任人"].isna()).all()
    pd.testing.assert_frame_equal(ha.drop(columns=skip), hb.drop(columns=skip))
    assert ha["纳入监测日期_仅月"][ha["纳入监测日期"].notna()].all()
    ma, mb = ta["members"].drop(columns="证件号码"), tb["members"].drop(columns="证件号码")  # pseudonyms are per dataset
    pd.testing.assert_frame_equal(ma, mb)
    for name in ("work", "income", "posts", "projects", "payments"):
        assert len(ta[name]) == len(tb[name]), name
    for year in (2022, 2023):
        fa = monitoring.monitoring(ta, town, year, f"{year}-12-31")
        fb = monitoring.monitoring(tb, town, year, f"{year}-12-31")
        assert not (fa.pop("identification_days") or {}).get("counted")  # not computable
        fb.pop("identification_days")
        assert fa == fb, year
    # every other table of the dataset is byte-identical
    for name in ("work.csv", "收入.csv", "projects.csv", "payments.csv", "posts.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_xlsx_has_title_rows(mixed):
    ws = openpyxl.load_workbook(mixed / "农户信息.xlsx").active
    rows = list(ws.iter_rows(min_row=1, max_row=4, values_only=True))
    assert "合成数据" in rows[0][0]
    assert rows[1][0].startswith("导出日期")
    header = rows[2]
    assert "户编号" in header and "识别监测时间" in header and "纳入监测日期" not in header
    first = dict(zip(header, rows[3]))
    assert isinstance(first["户编号"], str) and isinstance(first["户主证件号码"], str)
    assert is_valid_id(first["户主证件号码"])


def test_encodings(mixed):
    raw = (mixed / "members.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gb18030").startswith("户编号,证件号码")
    assert (mixed / "收入.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for name in ("work.csv", "projects.csv", "payments.csv", "posts.csv"):
        (mixed / name).read_bytes().decode("utf-8")


def test_mixed_forms(mixed):
    posts = pd.read_csv(mixed / "posts.csv", dtype=str, keep_default_na=False)
    assert {"乡(镇)", "行政村"} <= set(posts.columns)
    dates = pd.concat([posts["聘用日期"], pd.read_csv(mixed / "payments.csv", dtype=str)["拨付日期"]])
    assert dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").any()
    assert dates.str.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}").any()
    assert dates.str.fullmatch(r"\d{8}").any()
    assert dates.str.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日").any()
    income = pd.read_csv(mixed / "收入.csv", dtype=str, encoding="utf-8-sig")
    assert income.iloc[:, 3:].stack().str.contains(",").any()
    members = pd.read_csv(mixed / "members.csv", dtype=str, encoding="gb18030")
    assert set(members["是否参加基本医疗保险"]) <= {"是", "否", "1", "0"}


def test_mixed_and_plain_carry_the_same_people(mixed, plain):
    members = pd.read_csv(mixed / "members.csv", dtype=str, encoding="gb18030", keep_default_na=False)
    person = _person(mixed)
    assert members["证件号码"].tolist() + person["证件号码"].tolist() == plain["members"]["证件号码"].tolist()
    assert members["姓名"].tolist() + person["姓名"].tolist() == plain["members"]["姓名"].tolist()


def test_contract_reader_accepts_the_sample(mixed):
    from zhenxing.data import contract
    ds = contract.read_dataset(mixed)
    assert ds.errors == []
    assert set(ds.tables) == set(TABLES) | set(contract.OPTIONAL_TABLES)


# ---------------------------------------------------------------- large mode and CLI

def test_large_mode_member_target(tmp_path):
    out = generate(tmp_path, townships=5, members_target=20_000, mixed_formats=False)
    m = _read(out, "members")
    h = _read(out, "households")
    assert len(m) == 20_000
    assert h["家庭人口数"].astype(int).sum() == 20_000
    assert h["乡镇"].nunique() == 5
    assert m["证件号码"].is_unique


def test_several_counties_in_one_dataset(tmp_path):
    """--counties K: the same townships and people, split in order into K named counties
    (a province-sized set), every table agreeing on each township's county; the
    contract reader sees K counties."""
    one = generate(tmp_path / "one", townships=5, households_per_township=40, mixed_formats=False, optional=True)
    three = generate(tmp_path / "three", townships=5, households_per_township=40, mixed_formats=False,
                     optional=True, counties=3)
    h1, h3 = _read(one, "households"), _read(three, "households")
    assert h1.drop(columns="县").equals(h3.drop(columns="县"))
    assert set(h1["县"]) == {"示例县"}
    county_of = h3.groupby("乡镇", sort=False)["县"].agg(lambda s: s.unique().tolist())
    assert all(len(c) == 1 for c in county_of)  # a township lies in one county
    towns = list(county_of.index)
    assert [c[0] for c in county_of] == ["示例1县", "示例1县", "示例2县", "示例2县", "示例3县"]
    for table in ("projects", "posts", "villages"):
        df = pd.read_csv(three / f"{table}.csv", dtype=str, keep_default_na=False)
        df = df[df["乡镇"].isin(towns)]
        assert (df["县"] == df["乡镇"].map(lambda t: county_of[t][0])).all(), table
    from zhenxing.data import contract
    assert set(contract.read_dataset(three).tables["households"]["县"]) == {"示例1县", "示例2县", "示例3县"}
    with pytest.raises(ValueError):
        generate(tmp_path / "bad", townships=2, counties=3, mixed_formats=False)


def test_large_county_township_names_unique():
    names = sample._township_names(250, np.random.default_rng(1))
    assert len(set(names)) == 250
    assert names[:6] == list(sample.SAMPLE_TOWNSHIPS)
    assert "青石镇" not in names and "青石乡" not in names
    assert all(n.endswith(("镇", "乡")) for n in names)


def test_cli(tmp_path, capsys):
    assert sample.main([str(tmp_path), "--townships", "1", "--households", "60", "--plain",
                        "--seed", "3"]) == 0
    assert (tmp_path / "households.csv").exists()
    assert "wrote 7 tables" in capsys.readouterr().err
