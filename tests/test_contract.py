"""The input data contract: every rule of data-contract.md, on broken copies of the
acceptance fixture, checked through `zhenxing check` as a user runs it."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from zhenxing.data import contract
from zhenxing.data.contract import id_valid, mask, parse_date, read_dataset

ID18 = re.compile(r"\d{17}[\dXx]")


def run_check(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zhenxing.cli", "check", str(folder)],
                          capture_output=True, text=True)


def _xlsx_frame(path: Path, title_rows: int) -> pd.DataFrame:
    from python_calamine import CalamineWorkbook
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    rows = [[contract.cell_text(v) for v in r] for r in rows[title_rows:]]
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.fixture
def ds(tiny_copy) -> Path:
    """A private copy of the tiny dataset with every contract table as an editable UTF-8
    CSV with plain headers (the person-level export of its third township stays)."""
    d = tiny_copy
    _xlsx_frame(d / "农户信息.xlsx", 2).drop(columns=["序号"]).to_csv(d / "households.csv", index=False)
    (d / "农户信息.xlsx").unlink()
    (d / "income.csv").write_text((d / "收入.csv").read_text(encoding="utf-8-sig"), encoding="utf-8")
    (d / "收入.csv").unlink()
    (d / "members.csv").write_text((d / "members.csv").read_bytes().decode("gb18030"), encoding="utf-8")
    w = pd.read_csv(d / "work.csv", dtype=str, keep_default_na=False)
    w.columns = [c.strip("\u3000 ") for c in w.columns]
    w.to_csv(d / "work.csv", index=False)
    return d


def edit(folder: Path, file: str, row: int, column: str, value: str, encoding: str = "utf-8") -> str:
    """Set one cell; `row` as a spreadsheet counts it (header = 1). Returns the old value."""
    p = folder / file
    df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding=encoding)
    old = df.loc[row - 2, column]
    df.loc[row - 2, column] = value
    df.to_csv(p, index=False, encoding=encoding)
    return old


def assert_fails(folder: Path, *needles: str) -> str:
    r = run_check(folder)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    for n in needles:
        assert n in out, f"{n!r} not in:\n{out}"
    assert not ID18.search(out), "a full id number was printed"
    return out


# --- the good datasets ------------------------------------------------------------

def test_fixture_is_accepted(fixture_dataset):
    r = run_check(fixture_dataset)
    assert r.returncode == 0, r.stderr
    assert "青石镇" in r.stdout


def test_fixture_reads_every_table_with_types(fixture_dataset):
    d = read_dataset(fixture_dataset)
    # the fixture carries the seven core tables and none of the optional ones
    assert d.ok and set(d.tables) == set(contract.TABLES) - set(contract.OPTIONAL_TABLES)
    h = d.tables["households"]
    assert len(h) == 534 and h["户编号"].iloc[-1] == "H000534"  # 537 sheet rows − 2 title rows − header
    assert str(h["纳入监测日期"].dtype).startswith("datetime64")
    assert h["是否脱贫户"].dtype == "boolean"
    assert h["家庭人口数"].dtype == "Int64"
    # names and ids are gone, pseudonyms are consistent across tables
    assert "户主姓名" not in h and "户主证件号码" not in h and "姓名" not in d.tables["members"]
    m, w = d.tables["members"], d.tables["work"]
    assert m["证件号码"].str.fullmatch(r"P[0-9a-f]{16}").all()
    assert w["证件号码"].isin(set(m["证件号码"])).all()
    # sex and birth date derived from the id before it was dropped
    assert m["性别"].notna().all() and m["出生日期"].notna().all()


def test_tiny_dataset_is_accepted(tiny_dataset):
    d = read_dataset(tiny_dataset)
    assert d.ok, [v.message() for v in d.errors[:5]]
    assert set(d.tables) == set(contract.TABLES)
    for name, df in d.tables.items():
        assert [(c, str(t)) for c, t in df.dtypes.items()] == contract.schema(name), name


# --- every rule -----------------------------------------------------------------

def test_unknown_category(ds):
    edit(ds, "households.csv", 12, "监测对象类别", "监测户")
    assert_fails(ds, "households.csv 第12行 [监测对象类别]", "监测户", "不在允许范围", "[not_allowed]")


def test_bad_id_checksum_is_reported_masked(ds):
    first = pd.read_csv(ds / "members.csv", dtype=str).loc[3, "证件号码"]
    wrong = first[:17] + ("0" if first[17] != "0" else "1")  # same id, wrong check character
    edit(ds, "members.csv", 5, "证件号码", wrong)
    out = assert_fails(ds, "members.csv 第5行 [证件号码]", mask(wrong), "GB 11643", "[id_checksum]")
    assert wrong not in out


def test_duplicate_household_id(ds):
    first = pd.read_csv(ds / "households.csv", dtype=str).loc[0, "户编号"]
    edit(ds, "households.csv", 7, "户编号", first)
    assert_fails(ds, "households.csv 第7行 [户编号]", "与第2行重复", "[duplicate_key]")


def test_text_in_money_column(ds):
    edit(ds, "income.csv", 9, "工资性收入", "三千")
    assert_fails(ds, "income.csv 第9行 [工资性收入]", "三千", "应为数字", "[not_a_number]")


def test_thousands_separator_is_a_number(ds):
    edit(ds, "income.csv", 9, "工资性收入", "12,500")
    assert run_check(ds).returncode == 0
    d = read_dataset(ds)
    assert 12500.0 in set(d.tables["income"]["工资性收入"])


def test_reversed_dates(ds):
    h = pd.read_csv(ds / "households.csv", dtype=str, keep_default_na=False)
    row = int(h.index[h["风险消除日期"] != ""][0]) + 2
    edit(ds, "households.csv", row, "风险消除日期", "2000-01-01")
    assert_fails(ds, f"households.csv 第{row}行 [风险消除日期]", "应不早于纳入监测日期", "[date_order]")


def test_overpayment(ds):
    edit(ds, "payments.csv", 3, "拨付金额", "9999")
    assert_fails(ds, "payments.csv 第3行 [拨付金额]", "超过批复金额", "[overpaid]")


def test_unknown_household_in_members(ds):
    edit(ds, "members.csv", 4, "户编号", "H999999")
    assert_fails(ds, "members.csv 第4行 [户编号]", "H999999", "[unknown_household]")


def test_impossible_date(ds):
    edit(ds, "posts.csv", 6, "聘用日期", "2023-02-30")
    assert_fails(ds, "posts.csv 第6行 [聘用日期]", "2023-02-30", "[invalid_date]")


def test_category_against_exited_poor(ds):
    h = pd.read_csv(ds / "households.csv", dtype=str, keep_default_na=False)
    row = int(h.index[h["监测对象类别"] == "脱贫不稳定户"][0]) + 2
    edit(ds, "households.csv", row, "是否脱贫户", "否")
    assert_fails(ds, f"households.csv 第{row}行 [监测对象类别]", "[category_vs_exited_poor]")


def test_all_violations_of_a_table_at_once(ds):
    for row in (3, 4, 5):
        edit(ds, "work.csv", row, "务工地域", "国外")
    edit(ds, "work.csv", 6, "务工月数", "13")
    out = assert_fails(ds, "work.csv 第3行", "work.csv 第4行", "work.csv 第5行", "work.csv 第6行 [务工月数]")
    assert "发现 4 处" in out


def test_missing_column_is_one_error_naming_the_file(ds):
    df = pd.read_csv(ds / "projects.csv", dtype=str, keep_default_na=False).drop(columns=["批复金额"])
    df.to_csv(ds / "projects.csv", index=False)
    out = assert_fails(ds, "projects.csv", "缺少必需的列：批复金额", "[missing_columns]")
    assert "第" not in out.split("projects.csv")[1].split("\n")[0]


def test_corrupt_gb18030_bytes(ds):
    raw = (ds / "posts.csv").read_bytes()
    lines = raw.split(b"\n")
    lines[9] = lines[9][:30] + b"\xff\xfe\x81" + lines[9][30:]
    (ds / "posts.csv").write_bytes(b"\n".join(lines))
    assert_fails(ds, "posts.csv 第10行", "无法解码", "[undecodable_bytes]")


def test_not_an_xlsx(tiny_copy):
    (tiny_copy / "农户信息.xlsx").write_text("户编号,县\nH1,示例县\n", encoding="utf-8")
    assert_fails(tiny_copy, "农户信息.xlsx", "不是有效的xlsx文件", "[not_xlsx]")


def test_empty_file(ds):
    (ds / "work.csv").write_bytes(b"")
    assert_fails(ds, "work.csv", "文件为空", "[empty_file]")


def test_gb18030_and_bom_are_detected(ds):
    text = (ds / "projects.csv").read_text(encoding="utf-8")
    (ds / "projects.csv").write_bytes(text.encode("gb18030"))
    (ds / "payments.csv").write_bytes("\ufeff".encode("utf-8") + (ds / "payments.csv").read_bytes())
    d = read_dataset(ds)
    assert d.ok, [v.message() for v in d.errors]
    assert "中央衔接资金" in set(d.tables["projects"]["资金来源"])
    assert "中央衔接资金" in set(d.tables["payments"]["资金来源"])


def test_chinese_stems_and_aliases(ds):
    exited = int(read_dataset(ds).tables["households"]["是否脱贫户"].sum())
    h = pd.read_csv(ds / "households.csv", dtype=str, keep_default_na=False)
    h = h.rename(columns={"纳入监测日期": "识别监测时间", "乡镇": "乡(镇)", "村": "行政村"})
    h["是否脱贫户"] = h["是否脱贫户"].replace({"是": "脱贫户", "否": "一般农户", "Y": "脱贫户", "N": "普通农户"})
    h = h.rename(columns={"是否脱贫户": "户类型"})
    h.to_csv(ds / "农户信息.csv", index=False)
    (ds / "households.csv").unlink()
    d = read_dataset(ds)
    assert d.ok, [v.message() for v in d.errors[:3]]
    assert d.files["households"].startswith("农户信息.csv")
    assert d.tables["households"]["是否脱贫户"].sum() == exited


def test_row_errors_mark_only_their_township(ds):
    h = pd.read_csv(ds / "households.csv", dtype=str, keep_default_na=False)
    extra = h.iloc[:3].copy()
    extra["户编号"] = ["X1", "X2", "X3"]
    extra["乡镇"] = "白水乡"
    extra["监测对象类别"] = ["监测户", "", ""]
    pd.concat([h, extra]).to_csv(ds / "households.csv", index=False)
    d = read_dataset(ds)
    assert not d.ok
    assert not d.usable("白水乡") and d.usable("青山镇")


def test_missing_table_is_not_an_error(ds):
    (ds / "posts.csv").unlink()
    r = run_check(ds)
    assert r.returncode == 0 and "posts" in r.stdout


# --- building blocks ----------------------------------------------------------------

@pytest.mark.parametrize("text,expected,month_only", [
    ("2023-03-01", "2023-03-01", False), ("2023/3/1", "2023-03-01", False),
    ("20230301", "2023-03-01", False), ("2023年3月1日", "2023-03-01", False),
    ("202303", "2023-03-01", True), ("2023-03", "2023-03-01", True),
    ("44986", "2023-03-01", False),  # an Excel serial date
])
def test_date_forms(text, expected, month_only):
    d, mo = parse_date(text)
    assert d.isoformat() == expected and mo is month_only


def test_impossible_dates_rejected():
    for bad in ("2023-02-30", "2023-13-01", "昨天"):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_id_checksum():
    good = "110105" + "19491231" + "002X"   # the standard's worked example (split: no id-shaped literals in code)
    ids = pd.Series([good, good[:17] + "1", "12345", "", "110105" + "19491331" + "0028"])
    assert id_valid(ids).tolist() == [True, False, False, True, False]


def test_mask_never_shows_a_whole_id():
    assert mask("5300001986" + "03260013") == "5300**********0013"
    assert mask("H000001") == "H000001"


def test_cache_loads_one_township(fixture_dataset, tmp_path):
    meta = contract.prepare(fixture_dataset, cache=tmp_path)
    assert meta["townships"] == {"青石镇": "示例县"} and meta["errors"] == []
    t = contract.load_township(fixture_dataset, "青石镇", cache=tmp_path)
    assert len(t["households"]) == 534
    # cached files hold no names or ids
    blob = b"".join(p.read_bytes() for p in tmp_path.rglob("*.parquet"))
    some_id = pd.read_csv(fixture_dataset / "members.csv", dtype=str).loc[0, "证件号码"]
    assert some_id.encode() not in blob
    # the second call reads the cache, not the export
    assert contract.prepare(fixture_dataset, cache=tmp_path)["hash"] == meta["hash"]


# --- issue 8: one schema, valid shapes, keys in messages, orphans, unusable folders ---

PERSON = "（乡村建设）户信息_20231231.xlsx"   # the tiny dataset's person-level export (河口镇)


def _townships(folder: Path) -> list[str]:
    return sorted(read_dataset(folder).townships)


def test_absent_optional_columns_are_typed_nulls_with_attrs(ds, tmp_path):
    h = pd.read_csv(ds / "households.csv", dtype=str, keep_default_na=False)
    h.drop(columns=["风险消除日期", "风险发现日期", "是否低保户", "脱贫年度"]).to_csv(ds / "households.csv", index=False)
    p = pd.read_csv(ds / "posts.csv", dtype=str, keep_default_na=False)
    p.drop(columns=["解聘日期", "解聘原因"]).to_csv(ds / "posts.csv", index=False)
    meta = contract.prepare(ds, cache=tmp_path)
    assert meta["errors"] == []
    assert meta["absent_columns"]["households"] == ["脱贫年度", "风险发现日期", "风险消除日期", "是否低保户"]
    assert meta["absent_columns"]["posts"] == ["解聘日期", "解聘原因"]
    t = contract.load_township(ds, "青山镇", cache=tmp_path)
    hh, posts = t["households"], t["posts"]
    assert set(hh.attrs["absent_columns"]) == {"脱贫年度", "风险发现日期", "风险消除日期", "是否低保户"}
    assert posts.attrs["absent_columns"] == ("解聘日期", "解聘原因")
    assert str(hh["风险消除日期"].dtype) == "datetime64[ns]" and hh["风险消除日期"].isna().all()
    assert hh["风险消除日期_仅月"].dtype == bool and not hh["风险消除日期_仅月"].any()
    assert str(hh["是否低保户"].dtype) == "boolean" and hh["是否低保户"].isna().all()
    assert str(hh["脱贫年度"].dtype) == "Int64"
    assert str(posts["解聘日期"].dtype) == "datetime64[ns]" and posts["解聘日期"].isna().all()
    assert posts["解聘原因"].dtype == object and posts["解聘原因"].isna().all()
    # columns the source gave are not listed
    assert t["members"].attrs.get("absent_columns", ()) == ()
    for name, df in t.items():
        assert [(c, str(d)) for c, d in df.dtypes.items()] == contract.schema(name), name


def test_township_without_rows_gets_the_full_schema(ds, tmp_path):
    p = pd.read_csv(ds / "posts.csv", dtype=str, keep_default_na=False)
    p[p["乡(镇)"] != "石门乡"].to_csv(ds / "posts.csv", index=False)
    t = contract.load_township(ds, "石门乡", cache=tmp_path)
    posts = t["posts"]
    assert len(posts) == 0
    assert [(c, str(d)) for c, d in posts.dtypes.items()] == contract.schema("posts")
    assert posts.attrs.get("absent_columns", ()) == ()


def test_header_only_table_is_valid_and_typed(ds, tmp_path):
    (ds / "payments.csv").write_text("项目编号,资金来源,拨付日期,拨付金额\n", encoding="utf-8")
    r = run_check(ds)
    assert r.returncode == 0, r.stdout + r.stderr
    meta = contract.prepare(ds, cache=tmp_path)
    assert "payments" in meta["tables"] and meta["errors"] == []
    pay = contract.load_township(ds, "青山镇", cache=tmp_path)["payments"]
    assert len(pay) == 0
    assert [(c, str(d)) for c, d in pay.dtypes.items()] == contract.schema("payments")


def test_header_only_xlsx_with_title_rows_is_valid(ds):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["资金拨付明细（导出）"])
    ws.append(["项目编号", "资金来源", "拨付日期", "拨付金额"])
    (ds / "payments.csv").unlink()
    wb.save(ds / "资金拨付.xlsx")
    d = read_dataset(ds)
    assert d.ok, [v.message() for v in d.errors]
    assert len(d.tables["payments"]) == 0


def test_file_without_header_is_an_error(ds):
    (ds / "payments.csv").write_text("XM1,中央衔接资金,2023-03-01,5\n", encoding="utf-8")
    assert_fails(ds, "payments.csv", "缺少必需的列", "[missing_columns]")
    (ds / "payments.csv").write_text("\n\n", encoding="utf-8")
    assert_fails(ds, "payments.csv", "[empty_file]")


def test_messages_name_the_record_key(ds):
    m = pd.read_csv(ds / "members.csv", dtype=str, keep_default_na=False)
    pid = m.loc[10, "证件号码"]
    edit(ds, "members.csv", 12, "户编号", "H999")
    edit(ds, "projects.csv", 3, "项目类型", "修路")
    pj = pd.read_csv(ds / "projects.csv", dtype=str, keep_default_na=False).loc[1, "项目编号"]
    edit(ds, "households.csv", 12, "监测对象类别", "监测户")
    hid = pd.read_csv(ds / "households.csv", dtype=str, keep_default_na=False).loc[10, "户编号"]
    out = assert_fails(
        ds,
        f"members.csv 第12行 [户编号]（证件号码 {mask(pid)}）: 值“H999”在农户信息（households）中不存在 [unknown_household]",
        f"projects.csv 第3行 [项目类型]（项目编号 {pj}）",
        f"households.csv 第12行 [监测对象类别]（户编号 {hid}）")
    assert pid not in out


def test_orphan_member_has_no_township_and_blocks_none(ds, tmp_path):
    edit(ds, "members.csv", 4, "户编号", "H999999")
    meta = contract.prepare(ds, cache=tmp_path)
    orphan = [e for e in meta["errors"] if e["key"] == "unknown_household"]
    assert len(orphan) == 1 and orphan[0]["township"] is None
    assert "?" in meta["bad_townships"]
    d = read_dataset(ds)
    assert not d.ok
    assert all(d.usable(t) for t in d.townships)
    assert run_check(ds).returncode == 1


def test_folder_with_only_an_unrecognised_file_is_unusable(tmp_path):
    d = tmp_path / "odd"
    d.mkdir()
    pd.DataFrame({"编号": ["1"], "名称": ["x"]}).to_csv(d / "汇总表.csv", index=False)
    with pytest.raises(contract.UnusableDataset) as e:
        read_dataset(d)
    assert "汇总表.csv" in str(e.value) and "[unrecognised_file]" in str(e.value)
    with pytest.raises(contract.StructureError):
        contract.prepare(d, cache=tmp_path / "cache")
    out = assert_fails(d, "汇总表.csv", "[unusable_dataset]", "未识别")
    assert "数据符合规范" not in out


def test_folder_without_households_is_unusable_and_lists_what_it_found(ds):
    (ds / "households.csv").unlink()
    (ds / PERSON).unlink()
    (ds / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    out = assert_fails(ds, "[unusable_dataset]", "members.csv：家庭成员（members）", "notes.csv：未识别")
    assert "payments.csv：资金拨付（payments）" in out


def test_check_says_what_each_file_was_taken_as(tiny_dataset):
    r = run_check(tiny_dataset)
    assert r.returncode == 0, r.stderr
    assert "农户信息.xlsx：农户信息（households）" in r.stdout
    assert f"{PERSON}：国家系统人员级导出" in r.stdout


# --- the national system's person-level export --------------------------------------

def _person_frame(folder: Path) -> pd.DataFrame:
    return _xlsx_frame(folder / PERSON, 3)


def _write_person(df: pd.DataFrame, path: Path, title_rows: int = 3) -> None:
    """As the national system writes it: title rows, then the header (row title_rows+1)."""
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame([["防止返贫致贫监测对象信息"]] * title_rows).to_excel(xw, index=False, header=False)
        df.to_excel(xw, index=False, startrow=title_rows)


@pytest.fixture
def person(tiny_dataset, tmp_path) -> tuple[Path, pd.DataFrame]:
    """A folder holding only a person-level export (under a file name of the system's)."""
    d = tmp_path / "person"
    d.mkdir()
    df = _person_frame(tiny_dataset)
    _write_person(df, d / "防止返贫致贫监测对象信息_20231231.xlsx")
    return d, df


def test_person_level_file_alone(person, tmp_path):
    d, df = person
    ds_ = read_dataset(d)
    assert ds_.ok, [v.message() for v in ds_.errors[:5]]
    assert set(ds_.tables) == {"households", "members"}
    h, m = ds_.tables["households"], ds_.tables["members"]
    assert len(h) == df["户编号"].nunique() and len(m) == len(df)
    assert (h.set_index("户编号")["家庭人口数"] == df.groupby("户编号")["人数"].first().astype(int)).all()
    assert set(h["乡镇"]) == {"河口镇"} and h["县"].eq("示例县").all()
    assert h["组"].str.endswith("组").all()                        # 自然村 → 组
    assert h["纳入监测日期_仅月"][h["纳入监测日期"].notna()].all()   # YYYYMM
    kinds = df.groupby("户编号")["户类型"].first()
    assert h.set_index("户编号")["是否脱贫户"].eq(kinds == "脱贫户").all()
    assert not h["主要风险类型"].isin(["因安全住房", "因安全饮水", "缺劳动力"]).any()
    assert m["是否参加基本医疗保险"].notna().all()
    assert ds_.absent_columns["households"] == ["风险发现日期"]
    t = contract.load_township(d, "河口镇", cache=tmp_path / "c")
    assert t["households"].attrs["absent_columns"] == ("风险发现日期",)
    assert "姓名" not in t["members"] and t["members"]["证件号码"].str.startswith("P").all()


def test_person_level_without_size_counts_member_rows(person):
    d, df = person
    f = next(d.iterdir())
    _write_person(df.drop(columns=["人数"]), f)
    h = read_dataset(d).tables["households"]
    assert (h.set_index("户编号")["家庭人口数"] == df.groupby("户编号").size()).all()


def test_person_level_rows_of_a_household_must_agree(person):
    d, df = person
    f = next(d.iterdir())
    multi = df.groupby("户编号").size()
    hid = multi[multi >= 2].index[0]
    rows = df.index[df["户编号"] == hid]
    df.loc[rows[1], "行政村"] = "别的村"
    _write_person(df, f)
    r1, r2 = rows[0] + 5, rows[1] + 5   # 3 title rows + header
    assert_fails(d, f"{f.name} 第{r1}行 [行政村]（户编号 {hid}）", f"第{r1}行", f"第{r2}行“别的村”",
                 "[household_rows_disagree]")


def test_person_level_eliminated_without_date_is_an_error(person):
    d, df = person
    f = next(d.iterdir())
    row = df.index[df["风险是否已消除"] == "否"][0]
    hid = df.loc[row, "户编号"]
    df.loc[df["户编号"] == hid, "风险是否已消除"] = "是"
    _write_person(df, f)
    assert_fails(d, f"[消除监测时间]（户编号 {hid}）", "[elimination_date_required]")


def test_two_person_level_files_are_merged_by_household(person, tmp_path):
    d, df = person
    f = next(d.iterdir())
    ids = df["户编号"].unique()
    a = df[df["户编号"].isin(ids[:50])]
    b = df[df["户编号"].isin(ids[40:])]          # 10 households in both files
    f.unlink()
    _write_person(a, d / "（乡村建设）户信息_20231231.xlsx", title_rows=2)
    _write_person(b, d / "防止返贫致贫监测对象信息_20231231.xlsx", title_rows=5)
    ds_ = read_dataset(d)
    assert ds_.ok, [v.message() for v in ds_.errors[:5]]
    assert len(ds_.tables["households"]) == len(ids) and len(ds_.tables["members"]) == len(df)
    # the same household disagreeing across the files is an error naming both
    b = b.copy()
    b.loc[b["户编号"] == ids[45], "户类型"] = "脱贫户" if a.loc[a["户编号"] == ids[45], "户类型"].iloc[0] != "脱贫户" else "一般农户"
    _write_person(b, d / "防止返贫致贫监测对象信息_20231231.xlsx", title_rows=5)
    out = assert_fails(d, "[户类型]（户编号 ", "[household_files_disagree]")
    line = next(x for x in out.splitlines() if "[household_files_disagree]" in x)
    assert "防止返贫致贫监测对象信息_20231231.xlsx" in line and "（乡村建设）户信息_20231231.xlsx" in line


def test_mixed_dataset_person_level_and_contract_files(tiny_dataset, tmp_path):
    d = read_dataset(tiny_dataset)
    assert d.ok
    assert set(d.townships) == {"青山镇", "石门乡", "河口镇"}
    towns = d.township["households"].value_counts()
    assert towns["河口镇"] == 80
    assert d.absent_by_township["households"]["河口镇"] == ["风险发现日期"]
    assert d.absent_by_township["households"]["青山镇"] == []
    # work, income and posts of the person-level township link to its members
    assert d.township["work"].eq("河口镇").any() and d.township["work"].notna().all()
    t = contract.load_township(tiny_dataset, "青山镇", cache=tmp_path)
    assert t["households"].attrs.get("absent_columns", ()) == ()


def test_person_level_member_error_names_the_export_row(person):
    d, df = person
    f = next(d.iterdir())
    df.loc[6, "劳动技能"] = "很能干"
    _write_person(df, f)
    pid = df.loc[6, "证件号码"]
    out = assert_fails(d, f"{f.name} 第11行 [劳动技能]（证件号码 {mask(pid)}）", "[not_allowed]")
    assert pid not in out


def _county_by_townships(folder, townships) -> dict[str, pd.DataFrame]:
    """The county's tables as each township's load, concatenated (what load_county must equal)."""
    names = list(dict.fromkeys([*townships, contract.COUNTY_LEVEL]))
    parts = [contract.load_township(folder, t) for t in names]
    out = {}
    for name in parts[0]:
        frames = [p[name] for p in parts if len(p[name])] or [parts[0][name]]
        out[name] = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()
    return out


def test_county_load_is_its_townships_together():
    """The county summary's tables (read once per table, not per township) hold exactly the
    rows and types of its townships' tables; a column one township's export lacks (松坪乡's
    person-level export has no 风险发现日期) is named partial while others give it, absent
    when only that township is pooled."""
    from zhenxing.data import paths
    towns = list(contract.prepare(paths.SAMPLE)["townships"])
    for pool in (towns, ["松坪乡"], ["青山镇", "松坪乡"], [towns[0]]):
        got, want = contract.load_county(paths.SAMPLE, pool), _county_by_townships(paths.SAMPLE, pool)
        assert list(got) == list(want)
        for name in want:
            pd.testing.assert_frame_equal(got[name], want[name], check_exact=True)
            assert list(got[name].columns) == [c for c, _ in contract.schema(name)]
    hh = contract.load_county(paths.SAMPLE, towns)["households"].attrs
    assert hh == {"partial_columns": {"风险发现日期": ["松坪乡"]}}
    hh = contract.load_county(paths.SAMPLE, ["松坪乡"])["households"].attrs
    assert hh == {"absent_columns": ("风险发现日期",)}


def test_county_load_of_townships_without_rows(tiny_copy):
    """A table with no rows for some townships, or for all (header only), loads as the
    townships' rows together, or as the empty table with its full schema."""
    import csv
    towns = list(contract.prepare(tiny_copy)["townships"])
    for f in tiny_copy.iterdir():
        if f.suffix == ".csv" and f.stem in ("posts", "payments"):  # both are CSV in the tiny dataset
            enc = "utf-8-sig" if f.read_bytes().startswith(b"\xef\xbb\xbf") else None
            try:
                text = f.read_text(encoding=enc or "utf-8")
            except UnicodeDecodeError:
                enc, text = "gb18030", f.read_text(encoding="gb18030")
            lines = text.splitlines(keepends=True)
            if f.stem == "payments":
                f.write_text(lines[0], encoding=enc or "utf-8")  # header only
            else:  # no posts in the first township
                col = next(i for i, h in enumerate(next(csv.reader([lines[0]]))) if h.startswith("乡"))
                keep = [ln for ln in lines[1:] if next(csv.reader([ln]))[col] != towns[0]]
                assert len(keep) < len(lines) - 1
                f.write_text("".join([lines[0], *keep]), encoding=enc or "utf-8")
    got, want = contract.load_county(tiny_copy, towns), _county_by_townships(tiny_copy, towns)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=True)
    assert got["payments"].empty and list(got["payments"].columns) == [c for c, _ in contract.schema("payments")]
    assert towns[0] not in set(got["posts"]["乡镇"]) and len(got["posts"])


def test_county_load_when_arrow_cannot_unify_the_townships_types(monkeypatch):
    """Should Arrow fail to put the townships' partitions together, each is converted and
    conformed on its own and the county's tables are the same."""
    import pyarrow as pa

    from zhenxing.data import paths
    towns = list(contract.prepare(paths.SAMPLE)["townships"])
    want = contract.load_county(paths.SAMPLE, towns)

    def refuse(*a, **k):
        raise pa.ArrowTypeError("unable to merge")
    monkeypatch.setattr(pa, "concat_tables", refuse)
    got = contract.load_county(paths.SAMPLE, towns)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=True)
        assert got[name].attrs == want[name].attrs
