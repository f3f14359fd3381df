"""The five optional tables of data-contract.md ("Optional tables for further topics"):
read under either stem, CSV or xlsx, with the export systems' aliases; every rule with
the error form of the core tables (file, spreadsheet row, column, masked value, rule key,
record); row-level isolation; absent tables are no error."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from zhenxing.data import contract
from zhenxing.data.contract import read_dataset

SOURCES = {"credit": "小额信贷.xlsx", "assistance": "社会救助.csv", "education_aid": "education_aid.csv",
           "assets": "项目资产.csv", "villages": "村.csv",
           # the office's ledgers (issue 23)
           "activities": "工作台账.xlsx", "rectification": "问题整改台账.csv", "teams": "驻村工作队.csv"}


@pytest.fixture
def ds(tiny_copy) -> Path:
    """The tiny dataset with each optional table as an editable UTF-8 CSV under its English
    stem and contract column names (the core tables stay as generated)."""
    d = tiny_copy
    for name, file in SOURCES.items():
        raw, _ = contract.read_raw(name, d / file)
        (d / file).unlink()
        raw.to_csv(d / f"{name}.csv", index=False)
    return d


def edit(folder: Path, table: str, row: int, column: str, value: str) -> str:
    """Set one cell of ``<table>.csv``; ``row`` as a spreadsheet counts it (header = 1)."""
    p = folder / f"{table}.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    old = df.loc[row - 2, column]
    df.loc[row - 2, column] = value
    df.to_csv(p, index=False)
    return old


def cell(folder: Path, table: str, row: int, column: str) -> str:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False).loc[row - 2, column]


def errors(folder: Path, key: str) -> list:
    return [v for v in read_dataset(folder).errors if v.key == key]


# ---------------------------------------------------------------- reading
def test_generated_optional_tables_are_read_with_aliases_and_types(tiny_dataset):
    d = read_dataset(tiny_dataset)
    assert d.ok, [v.message() for v in d.errors[:5]]
    for name in contract.OPTIONAL_TABLES:
        df = d.tables[name]
        assert len(df), name
        assert [(c, str(t)) for c, t in df.dtypes.items()] == contract.schema(name), name
        assert d.absent_columns[name] == [], name
    # 放款日期 / 贷款金额（万元） (xlsx under two title rows), 救助类型 (GB18030), 资助金额 (BOM)
    assert d.tables["credit"]["发放日期"].notna().all() and d.tables["credit"]["贷款金额"].gt(0).all()
    assert set(d.tables["assistance"]["救助类别"]) <= set(contract.ASSISTANCE_TYPES)
    assert d.tables["education_aid"]["金额"].notna().all()
    # the student's pseudonym is the member's
    assert d.tables["education_aid"]["证件号码"].isin(set(d.tables["members"]["证件号码"])).all()
    assert d.tables["education_aid"]["证件号码"].str.fullmatch(r"P[0-9a-f]{16}").all()
    # 县本级 assets belong to no township report
    assert "县本级" in set(d.tables["assets"]["乡镇"]) and "县本级" not in d.townships


def test_english_and_chinese_stems_csv_and_xlsx(ds, tmp_path):
    assert read_dataset(ds).ok
    (ds / "credit.csv").rename(ds / "小额信贷.csv")
    (ds / "villages.csv").rename(ds / "村.csv")
    df = pd.read_csv(ds / "assets.csv", dtype=str, keep_default_na=False)
    (ds / "assets.csv").unlink()
    df.rename(columns={"资产原值": "资产原值（万元）"}).to_excel(ds / "项目资产.xlsx", index=False)
    d = read_dataset(ds)
    assert d.ok and set(contract.OPTIONAL_TABLES) <= set(d.tables)
    assert d.files["credit"] == "小额信贷.csv" and d.files["assets"] == "项目资产.xlsx"


def test_absent_optional_tables_are_no_error(ds, tmp_path):
    for name in contract.OPTIONAL_TABLES:
        (ds / f"{name}.csv").unlink()
    d = read_dataset(ds)
    assert d.ok and not set(contract.OPTIONAL_TABLES) & set(d.tables)
    t = contract.load_township(ds, "青山镇", cache=tmp_path / "c")
    assert "credit" not in t and "households" in t


def test_absent_optional_column_is_a_typed_null(ds, tmp_path):
    df = pd.read_csv(ds / "credit.csv", dtype=str, keep_default_na=False)
    df.drop(columns=["逾期金额", "结清日期"]).to_csv(ds / "credit.csv", index=False)
    t = contract.load_township(ds, "青山镇", cache=tmp_path / "c")
    cr = t["credit"]
    assert set(cr.attrs["absent_columns"]) == {"结清日期", "逾期金额"}
    assert cr["逾期金额"].dtype == "float64" and cr["逾期金额"].isna().all()


def test_header_only_optional_table_is_valid(ds, tmp_path):
    for name in contract.OPTIONAL_TABLES:
        df = pd.read_csv(ds / f"{name}.csv", dtype=str, keep_default_na=False)
        df.iloc[0:0].to_csv(ds / f"{name}.csv", index=False)
    d = read_dataset(ds)
    assert d.ok and all(len(d.tables[n]) == 0 for n in contract.OPTIONAL_TABLES)


def test_missing_required_column_is_one_error_naming_the_file(ds):
    df = pd.read_csv(ds / "assistance.csv", dtype=str, keep_default_na=False)
    df.drop(columns=["救助类别"]).to_csv(ds / "assistance.csv", index=False)
    (v,) = [v for v in read_dataset(ds).errors if v.file == "assistance.csv"]
    assert v.key == "missing_columns" and "救助类别" in v.expected


# ---------------------------------------------------------------- rules
def test_credit_unknown_household_is_reported_and_blocks_no_township(ds):
    edit(ds, "credit", 3, "户编号", "SL99000001")
    d = read_dataset(ds)
    (v,) = [v for v in d.errors if v.key == "unknown_household"]
    assert (v.file, v.row, v.column) == ("credit.csv", 3, "户编号")
    assert v.township is None and "青山镇" not in d.bad_townships


def test_credit_due_before_issue(ds):
    issued = cell(ds, "credit", 2, "发放日期")
    edit(ds, "credit", 2, "到期日期", "2000-01-01")
    (v,) = errors(ds, "date_order")
    assert (v.file, v.row, v.column, v.value) == ("credit.csv", 2, "到期日期", "2000-01-01")
    assert issued[:4] in v.expected and v.record and v.record.startswith("户编号 ")


def test_credit_loan_id_unique_when_present(ds):
    first = cell(ds, "credit", 2, "贷款编号")
    edit(ds, "credit", 4, "贷款编号", first)
    (v,) = errors(ds, "duplicate_key")
    assert (v.row, v.column) == (4, "贷款编号") and "第2行" in v.expected
    edit(ds, "credit", 2, "贷款编号", "")
    edit(ds, "credit", 4, "贷款编号", "")
    assert errors(ds, "duplicate_key") == []          # blank ids are not compared


def test_credit_amount_rules(ds):
    edit(ds, "credit", 2, "贷款金额", "0")
    edit(ds, "credit", 3, "逾期金额", "-1")
    edit(ds, "credit", 4, "是否续贷展期", "也许")
    d = read_dataset(ds)
    got = {(v.row, v.column, v.key) for v in d.errors}
    assert {(2, "贷款金额", "not_positive"), (3, "逾期金额", "below_minimum"),
            (4, "是否续贷展期", "not_yes_no")} <= got


def test_assistance_rules(ds):
    edit(ds, "assistance", 2, "救助类别", "低保")
    edit(ds, "assistance", 3, "保障人数", "0")
    edit(ds, "assistance", 4, "开始日期", "")
    d = read_dataset(ds)
    got = {(v.row, v.column, v.key) for v in d.errors}
    assert {(2, "救助类别", "not_allowed"), (3, "保障人数", "below_minimum"), (4, "开始日期", "required")} <= got
    (v,) = [v for v in d.errors if v.key == "not_allowed"]
    assert "农村低保" in v.expected and v.township in ("青山镇", "石门乡", "河口镇")


def test_education_aid_unknown_person_is_masked(ds):
    edit(ds, "education_aid", 2, "证件号码", "539901194912310024")
    (v,) = errors(ds, "unknown_person")
    assert v.value == "5399**********0024" and "539901194912310024" not in v.message()


def test_education_aid_bad_id_and_school_year(ds):
    edit(ds, "education_aid", 2, "证件号码", "539901199001011234")
    edit(ds, "education_aid", 3, "学年", "去年")
    edit(ds, "education_aid", 4, "学段", "初中")
    d = read_dataset(ds)
    got = {(v.row, v.column, v.key) for v in d.errors}
    assert {(2, "证件号码", "id_checksum"), (3, "学年", "school_year_form"), (4, "学段", "not_allowed")} <= got
    assert not any("539901199001011234" in v.message() for v in d.errors)


def test_assets_rules(ds):
    first = cell(ds, "assets", 2, "资产编号")
    edit(ds, "assets", 3, "资产编号", first)
    edit(ds, "assets", 4, "资产原值", "0")
    edit(ds, "assets", 5, "资产类别", "固定资产")
    d = read_dataset(ds)
    got = {(v.row, v.column, v.key) for v in d.errors}
    assert {(3, "资产编号", "duplicate_key"), (4, "资产原值", "not_positive"), (5, "资产类别", "not_allowed")} <= got


def test_villages_unique_per_township_and_year(ds):
    df = pd.read_csv(ds / "villages.csv", dtype=str, keep_default_na=False)
    df2 = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    df2.to_csv(ds / "villages.csv", index=False)
    (v,) = errors(ds, "duplicate_key")
    assert v.row == len(df2) + 1 and v.column == "乡镇+村+年度"
    # without 年度: one row per village
    df.drop(columns=["年度"]).to_csv(ds / "villages.csv", index=False)
    assert len(errors(ds, "duplicate_key")) > 0          # the sample has two years per village
    first_year = df[df["年度"] == df["年度"].iloc[0]].drop(columns=["年度"])
    first_year.to_csv(ds / "villages.csv", index=False)
    assert read_dataset(ds).ok


def test_row_errors_mark_only_their_township(ds):
    d0 = read_dataset(ds)
    town = contract.township_of(d0.tables)["credit"]
    row = int(town.index[town == "青山镇"][0])        # spreadsheet row of a 青山镇 loan
    edit(ds, "credit", row, "贷款金额", "很多")
    d = read_dataset(ds)
    assert d.bad_townships == {"青山镇"}
    assert d.usable("石门乡") and not d.usable("青山镇")
