"""The input data contract: every rule of data-contract.md, on broken copies of the
acceptance fixture, checked through `zhenxing check` as a user runs it."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from zhenxing import contract
from zhenxing.contract import id_valid, mask, parse_date, read_dataset

ID18 = re.compile(r"\d{17}[\dXx]")


def run_check(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zhenxing.cli", "check", str(folder)],
                          capture_output=True, text=True)


def _xlsx_frame(path: Path, title_rows: int) -> pd.DataFrame:
    from python_calamine import CalamineWorkbook
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    rows = [[contract._cell_text(v) for v in r] for r in rows[title_rows:]]
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
    assert d.ok and set(d.tables) == set(contract.TABLES)
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
