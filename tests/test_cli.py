"""The command line: every value is checked before any work starts, with a Chinese
message and exit code 2; argparse itself speaks Chinese; an unreadable dataset is a
Chinese message and exit 1, never a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from zhenxing import cli
from zhenxing.data import contract
from zhenxing.run import batch


def zhenxing(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zhenxing.cli", *args], capture_output=True, text=True,
                          env={**os.environ})


@pytest.fixture
def no_work(monkeypatch):
    """Fails the test if a township task or kernel would start."""
    def boom(*a, **k):
        raise AssertionError("work started although the arguments were refused")
    monkeypatch.setattr(batch, "_on_processes", boom)
    monkeypatch.setattr(batch, "on_dask", boom)
    monkeypatch.setattr(batch, "run_township", boom)


def run_main(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as e:  # argparse
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


# --- values checked against the data ---------------------------------------------------

def test_report_date_in_another_year_is_refused_up_front(capsys, tiny_dataset, tmp_path, no_work):
    code, out, err = run_main(capsys, "run", str(tiny_dataset), "--report-date", "2022-06-30",
                              "--out", str(tmp_path / "out"), "--formats", "html")
    assert code == 2
    assert "统计截止日期2022年6月30日不在报告年度2023年内" in err
    assert not (tmp_path / "out").exists(), "nothing may be written"


def test_a_year_the_dataset_does_not_cover_is_refused_with_the_years_it_covers(capsys, tiny_dataset, tmp_path,
                                                                                 no_work):
    for year in ("1999", "2019"):
        code, out, err = run_main(capsys, "run", str(tiny_dataset), "--year", year, "--out", str(tmp_path / "out"))
        assert code == 2
        assert f"数据集不含{year}年的数据" in err and "2022年、2023年" in err
    assert not (tmp_path / "out").exists()


def test_a_dataset_without_any_year_is_refused_not_given_this_year(capsys, monkeypatch, tmp_path, no_work):
    meta = {"name": "x", "hash": "0" * 64, "townships": {"甲镇": "乙县"}, "years": [], "errors": [],
            "bad_townships": []}
    monkeypatch.setattr(contract, "prepare", lambda *a, **k: meta)
    code, out, err = run_main(capsys, "run", str(tmp_path), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "没有任何年度的数据" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("typed", ["2023-06-30", "2023/06/30", "2023年6月30日"])
def test_report_dates_in_the_forms_people_type(typed):
    meta = {"years": [2022, 2023]}
    assert batch.check_run(meta, None, typed) == (2023, "2023-06-30")
    assert batch.check_run(meta, 2023, "") == (2023, "")


def test_a_typed_report_date_reaches_the_notebooks_as_iso(tiny_dataset, tmp_path):
    town = sorted(contract.prepare(tiny_dataset)["townships"])[0]
    r = zhenxing("run", str(tiny_dataset), "--township", town, "--report-date", "2023/06/30",
                 "--formats", "html", "--out", str(tmp_path), "--workers", "1")
    assert r.returncode == 0, r.stderr[-2000:]
    stamp = next(tmp_path.glob(f"2023/*/{town}/.zhenxing-run.json"))
    assert json.loads(stamp.read_text(encoding="utf-8"))["report_date"] == "2023-06-30"


# --- values checked before the data is read ---------------------------------------------

@pytest.fixture
def no_validation(monkeypatch, no_work):
    def boom(*a, **k):
        raise AssertionError("the dataset was read although the arguments were refused")
    monkeypatch.setattr(contract, "prepare", boom)


@pytest.mark.parametrize("workers", ["0", "-1"])
def test_workers_must_be_at_least_one(capsys, tmp_path, no_validation, workers):
    code, out, err = run_main(capsys, "run", str(tmp_path), "--workers", workers)
    assert code == 2
    assert f"并行进程数应为不小于1的整数，收到：{workers}" in err


def test_unknown_formats_are_refused(capsys, tmp_path, no_validation):
    code, out, err = run_main(capsys, "run", str(tmp_path), "--formats", "html,xls")
    assert code == 2
    assert "不支持的输出格式：xls" in err


def test_a_report_date_that_is_no_date_is_refused_before_validation(capsys, tmp_path, no_validation):
    code, out, err = run_main(capsys, "run", str(tmp_path), "--report-date", "2023/13/01")
    assert code == 2
    assert "不是有效日期" in err and "2023年6月30日" in err


# --- argparse in Chinese ------------------------------------------------------------------

@pytest.mark.parametrize("argv, expected", [
    (["run", "--workers", "x"], "参数 --workers：“x”不是有效的整数"),
    (["run", "--year", "二〇二三"], "不是有效的整数"),
    (["run", "--bogus"], "无法识别的参数：--bogus"),
    ([], "缺少必需的参数"),
    (["nosuch"], "无效的选择"),
    (["run", "--report-date"], "需要一个值"),
])
def test_argparse_errors_are_chinese_with_exit_2(capsys, argv, expected):
    code, out, err = run_main(capsys, *argv)
    assert code == 2
    assert expected in err, err
    assert "用法：" in err and "错误" in err
    for english in ("usage:", "error:", "invalid", "unrecognized", "required", "expected"):
        assert english not in err, err


@pytest.mark.parametrize("argv", [["-h"], ["run", "-h"], ["check", "--help"], ["params", "-h"]])
def test_help_is_chinese(capsys, argv):
    code, out, err = run_main(capsys, *argv)
    assert code == 0
    assert "用法：" in out and "选项" in out and "显示本帮助并退出" in out
    for english in ("usage:", "options:", "positional arguments", "show this help message"):
        assert english not in out, out


# --- unreadable datasets --------------------------------------------------------------------

def test_params_on_a_missing_folder_is_a_chinese_message_without_traceback(tmp_path):
    r = zhenxing("params", str(tmp_path / "nonexistent"))
    assert r.returncode == 1
    assert "数据集目录不存在" in r.stderr
    assert "Traceback" not in r.stderr


def test_run_on_a_missing_folder_is_a_chinese_message_without_traceback(tmp_path):
    r = zhenxing("run", str(tmp_path / "nonexistent"), "--out", str(tmp_path / "out"))
    assert r.returncode == 1
    assert "数据集目录不存在" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["structure", "unusable"])
def test_an_unreadable_dataset_prints_its_message_and_exits_1(capsys, monkeypatch, tmp_path, no_work, kind):
    if kind == "unusable":
        error = contract.UnusableDataset("ds", [])
    else:
        error = contract.StructureError("x.csv", "无法读取该表", "unreadable")

    def unreadable(*a, **k):
        raise error
    monkeypatch.setattr(contract, "prepare", unreadable)
    for argv in (["run", str(tmp_path), "--out", str(tmp_path / "out")], ["params", str(tmp_path)]):
        code, out, err = run_main(capsys, *argv)
        assert code == 1
        assert str(error) in err
    assert not (tmp_path / "out").exists()


def test_a_folder_without_any_table_is_never_ok(tmp_path):
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "说明.txt").write_text("无数据", encoding="utf-8")
    r = zhenxing("run", str(tmp_path / "ds"), "--out", str(tmp_path / "out"))
    assert r.returncode in (1, 2), r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()
