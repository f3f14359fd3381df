"""A re-run after a change of one input rebuilds exactly the townships it affects.

README: "A re-run skips townships whose data, parameters and code are unchanged". Each
test starts from the same finished run (copied), changes one kind of input, runs again,
and compares each township's run stamp (``.zhenxing-run.json``, rewritten whenever a
township is built): the townships the change reaches are rebuilt, the others skipped.

The dataset has two counties (示例1县: two townships, 示例2县: one), so a county's policy
file reaches only that county's townships. The project's params/ is never written: the
runs read a copy (ZHENXING_TEST_PARAMS, see conftest.py).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from zhenxing.data import contract, paths
from zhenxing.sample import generator as sample

YEAR = 2023
STAMP = ".zhenxing-run.json"


def zhenxing(dataset: Path, out: Path, params_root: Path, *extra) -> subprocess.CompletedProcess:
    env = {**os.environ, "ZHENXING_TEST_PARAMS": str(params_root)}
    return subprocess.run([sys.executable, "-m", "zhenxing.cli", "run", str(dataset), "--year", str(YEAR),
                           "--out", str(out), "--formats", "html", *extra],
                          capture_output=True, text=True, env=env, timeout=1800)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """(dataset, out, params, {township: county}) of one finished run."""
    root = tmp_path_factory.mktemp("rebuild")
    dataset = sample.generate(root / "ds", townships=3, households_per_township=40, years=(2022, 2023),
                              mixed_formats=False, counties=2)
    view = root / "project"  # lib/ and notebooks/ linked, params/ a copy (conftest: ZHENXING_TEST_PARAMS)
    view.mkdir()
    (view / "lib").symlink_to(paths.ROOT / "lib")
    (view / "notebooks").symlink_to(paths.NOTEBOOKS)
    params_root = view / "params"
    shutil.copytree(paths.PARAMS, params_root, ignore=shutil.ignore_patterns("[0-9][0-9][0-9][0-9]", "*.yaml.txt"))
    towns = contract.prepare(dataset)["townships"]
    assert sorted(set(towns.values())) == ["示例1县", "示例2县"], towns
    out = root / "out"
    r = zhenxing(dataset, out, params_root)
    assert r.returncode == 0, r.stderr[-3000:]
    return dataset, out, params_root, towns


@pytest.fixture
def copy(base, tmp_path):
    """A private copy of the finished run, its dataset and its parameters."""
    dataset, out, params_root, towns = base
    d, o, p = tmp_path / "ds", tmp_path / "out", tmp_path / "project" / "params"
    shutil.copytree(dataset, d)
    shutil.copytree(out, o)
    shutil.copytree(params_root.parent, p.parent, symlinks=True)
    # the stamps hold the dataset's content hash, not its path: the copy is the same data
    return d, o, p, towns


def rerun_and_see(copy, *extra) -> set[str]:
    d, o, p, towns = copy
    before = {t: (o / str(YEAR) / c / t / STAMP).read_text(encoding="utf-8") for t, c in towns.items()}
    mtimes = {t: (o / str(YEAR) / c / t / STAMP).stat().st_mtime_ns for t, c in towns.items()}
    r = zhenxing(d, o, p, *extra)
    assert r.returncode == 0, r.stderr[-3000:]
    after_mtimes = {t: (o / str(YEAR) / c / t / STAMP).stat().st_mtime_ns for t, c in towns.items()}
    built = {t for t in towns if after_mtimes[t] != mtimes[t] or
             (o / str(YEAR) / towns[t] / t / STAMP).read_text(encoding="utf-8") != before[t]}
    skipped = {t for t in towns if f"{t}：未变化，跳过" in r.stderr}
    assert built | skipped == set(towns) and not built & skipped, (built, skipped, r.stderr[-2000:])
    return built


def test_nothing_changed_rebuilds_nothing(copy):
    assert rerun_and_see(copy) == set()


def test_a_data_file_change_rebuilds_the_township_it_touches(copy):
    d, o, p, towns = copy
    first = sorted(towns)[0]
    h = pd.read_csv(d / "households.csv", dtype=str, keep_default_na=False)
    row = h.index[(h["乡镇"] == first) & (h["年度"] == str(YEAR))][0] if "年度" in h else h.index[h["乡镇"] == first][0]
    col = "户主姓名" if "户主姓名" in h else "家庭人口数"
    h.loc[row, col] = "改名字" if col == "户主姓名" else h.loc[row, col]
    h.to_csv(d / "households.csv", index=False)
    built = rerun_and_see(copy)
    # the township whose rows changed is rebuilt; a township whose rows are the same is
    # rebuilt only if its data really differ (a whole-dataset key rebuilds every one)
    assert first in built
    assert built == {first}, f"a change in {first}'s rows rebuilt {sorted(built)}"


def test_a_county_policy_change_rebuilds_that_countys_townships_only(copy):
    d, o, p, towns = copy
    (p / "policy").mkdir(exist_ok=True)
    (p / "policy" / "示例2县.yaml").write_text(
        "policy:\n  rural_benchmark_growth: {value: {2023: 7.5}, source: 示例2县统计公报（测试）}\n", encoding="utf-8")
    assert rerun_and_see(copy) == {t for t, c in towns.items() if c == "示例2县"}


def test_a_report_date_change_rebuilds_every_township(copy):
    assert rerun_and_see(copy, "--report-date", "2023-06-30") == set(copy[3])


def test_a_formats_change_rebuilds_every_township(copy):
    d, o, p, towns = copy
    assert rerun_and_see(copy, "--formats", "html,docx") == set(towns)
    assert all((o / str(YEAR) / c / t / "report.docx").exists() for t, c in towns.items())


def test_the_writers_notes_file_rebuilds_its_township_only(copy):
    from zhenxing.data import params
    d, o, p, towns = copy
    last = sorted(towns)[-1]
    f = params.notes_file(YEAR, towns[last], last, root=p)
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text("## 三、存在问题\n\n测试用的撰写人补充。\n", encoding="utf-8")
    assert rerun_and_see(copy) == {last}
