"""Files that cannot be read (issue 24): a truncated xlsx, a text file named .xlsx, a
GBK CSV with a broken byte. Each is one error naming the file and what it looks like,
the checks that look rows up in that table are not run (no cascade of orphan rows), and
a broken optional table only disables itself: one warning, every township usable."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zhenxing.data import contract
from zhenxing.data.contract import read_dataset

LOOKUPS = {"unknown_household", "unknown_person", "unknown_project", "unknown_fund_source"}


def check(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zhenxing.cli", "check", str(folder)],
                          capture_output=True, text=True)


def truncate(p: Path) -> None:
    raw = p.read_bytes()
    p.write_bytes(raw[: len(raw) // 2])


def break_byte(p: Path, line: int = 5) -> None:
    """A byte no encoding can read, in the middle of one line of a GB18030 CSV."""
    lines = p.read_bytes().split(b"\n")
    lines[line - 1] = lines[line - 1][:6] + b"\xff" + lines[line - 1][6:]
    p.write_bytes(b"\n".join(lines))


@pytest.mark.parametrize("breakage, needles", [
    ("truncated", ("农户信息.xlsx", "被截断", "[truncated_xlsx]")),
    ("text", ("农户信息.xlsx", "不是有效的xlsx文件", "内容是文本", "[not_xlsx]")),
])
def test_an_unreadable_core_xlsx_is_one_error_and_no_orphans(tiny_copy, breakage, needles):
    p = tiny_copy / "农户信息.xlsx"
    if breakage == "truncated":
        truncate(p)
    else:
        p.write_text("户编号,县,乡镇\nH1,示例县,甲镇\n", encoding="utf-8")
    ds = read_dataset(tiny_copy)
    # the households of the person-level export are still there, so without the rule every
    # member, income and credit row of the other townships would be an orphan
    assert "households" in ds.tables
    assert ds.unreadable == {"households": "农户信息.xlsx"}
    assert not [v for v in ds.errors if v.key in LOOKUPS]
    assert len(ds.errors) == 1, [v.message() for v in ds.errors]
    first = ds.errors[0].message()
    assert all(n in first for n in needles), first
    assert not any(ds.usable(t) for t in ds.townships)
    taken = dict(ds.sources)["农户信息.xlsx"]
    assert "无法读取" in taken and needles[-1] in taken

    out, err = ds.check_report()
    assert needles[-1] in err[1]                      # the first error named is the file
    assert "[unreadable_tables]" in err[-1] and "所有乡镇都不生成报告" in err[-1]
    assert not any("照常生成" in line for line in out + err)
    assert all("不生成报告" in line for line in out if line.startswith("  ") and "镇" in line[:12]
               and "：" not in line)

    r = check(tiny_copy)
    assert r.returncode == 1
    lines = (r.stdout + r.stderr).splitlines()
    assert len(lines) < 50, len(lines)
    errs = r.stderr.splitlines()
    assert "[contract_violations]" in errs[0] and all(n in errs[1] for n in needles), errs[:3]


def test_a_gbk_csv_with_a_broken_byte_is_one_error_and_its_lookups_are_not_run(tiny_copy):
    p = tiny_copy / "members.csv"
    p.read_bytes().decode("gb18030")                  # the generator writes it in GB18030
    break_byte(p, line=5)
    ds = read_dataset(tiny_copy)
    assert len(ds.errors) == 1, [v.message() for v in ds.errors]
    msg = ds.errors[0].message()
    assert "members.csv 第5行" in msg and "编码有误" in msg and "GBK/GB18030" in msg and "[undecodable_bytes]" in msg
    # work and education aid look their persons up in members: not run against a partial table
    assert not [v for v in ds.errors if v.key == "unknown_person"]
    assert ds.unreadable["members"] == "members.csv"
    out, err = ds.check_report()
    assert not any("照常生成" in line for line in err)
    assert not any("[missing_tables]" in line and "members" in line for line in out)
    assert any("[unreadable_tables]" in line and "members=members.csv" in line for line in out)


@pytest.mark.parametrize("breakage", ["truncated", "text"])
def test_a_broken_optional_table_disables_that_table_only(tiny_copy, tmp_path, breakage):
    p = tiny_copy / "小额信贷.xlsx"
    if breakage == "truncated":
        truncate(p)
    else:
        p.write_text("借据号,户编号\nJ1,H1\n", encoding="utf-8")
    ds = read_dataset(tiny_copy)
    assert ds.errors == [], [v.message() for v in ds.errors]
    assert "credit" not in ds.tables and "credit" not in ds.files
    assert all(ds.usable(t) for t in ds.townships) and len(ds.townships) == 3
    assert len(ds.warnings) == 1
    line = ds.warnings[0].message()
    assert "小额信贷.xlsx" in line and "按未提供处理" in line and "\n" not in line
    out, err = ds.check_report()
    assert err == [f"注意：{line}"]
    assert out[-1].endswith("[ok]")

    meta = contract.prepare(tiny_copy, cache=tmp_path / "cache")
    assert meta["errors"] == [] and meta["bad_townships"] == []
    assert "credit" not in meta["tables"] and len(meta["warnings"]) == 1
    town = sorted(meta["townships"])[0]
    assert "credit" not in contract.load_township(tiny_copy, town, cache=tmp_path / "cache")


def test_every_township_renders_beside_a_broken_optional_table(tiny_copy, tmp_path):
    truncate(tiny_copy / "小额信贷.xlsx")
    r = subprocess.run([sys.executable, "-m", "zhenxing.cli", "run", str(tiny_copy), "--formats", "html",
                        "--out", str(tmp_path / "out")], capture_output=True, text=True,
                       env={**__import__("os").environ, "ZHENXING_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    reports = sorted(tmp_path.glob("out/*/*/*/report.html"))
    assert len(reports) == 3
    ind = json.loads(next(tmp_path.glob("out/*/*/*/indicators.json")).read_text(encoding="utf-8"))
    assert "credit" in json.dumps(ind)                # the topic is there, saying no data was given


def test_a_cache_validated_under_older_rules_is_validated_again(tiny_copy, tmp_path):
    truncate(tiny_copy / "小额信贷.xlsx")
    cache = tmp_path / "cache"
    meta = contract.prepare(tiny_copy, cache=cache)
    f = cache / meta["hash"][:20] / "meta.json"
    old = {**meta, "rules": "1", "errors": [{"message": "old"}], "warnings": []}
    f.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    from zhenxing.data import cache as cache_module
    cache_module._memo.clear()
    again = contract.prepare(tiny_copy, cache=cache)
    assert again["rules"] == cache_module.RULES and again["errors"] == [] and len(again["warnings"]) == 1


def test_an_unreadable_file_under_no_table_name_is_an_error_not_ignored(tiny_copy):
    """It may be the person-level export (recognised by a header that cannot be read):
    going on without it would report its township without its households."""
    export = next(p for p in tiny_copy.glob("*.xlsx") if "户信息" in p.name)
    truncate(export)
    ds = read_dataset(tiny_copy)
    assert len(ds.errors) == 1, [v.message() for v in ds.errors]
    msg = ds.errors[0].message()
    assert export.name in msg and "[truncated_xlsx]" in msg and "人员级导出" in msg
    assert not [v for v in ds.errors if v.key in LOOKUPS]
    assert not any(ds.usable(t) for t in ds.townships)
    out, err = ds.check_report()
    assert not any("照常生成" in line for line in err) and "[unreadable_tables]" in err[-1]
