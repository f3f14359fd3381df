"""Every contract-valid shape of an export renders, as a user runs it (`zhenxing run`).

Starting from a small generated dataset in plain CSVs, each test reshapes it the way
real exports differ (``shared/spec/data-contract.md``, "Shapes that are valid"):
optional columns absent, a core table absent, a township with no rows in a table, a
header-only table, an orphan row. Each must run with the right exit code, state what
it can, keep the figures that do not depend on what was removed, and say in the text
what it could not state (never a 0 in its place).
"""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zhenxing.data import contract
from zhenxing.sample import generator as sample

TOWN, COUNTY, YEAR = "青山镇", "示例县", 2023


def zhenxing(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zhenxing.cli", *args], capture_output=True, text=True)


def run(ds: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return zhenxing("run", str(ds), "--year", str(YEAR), "--township", TOWN, "--formats", "html",
                    "--workers", "1", "--out", str(out), *extra)


def indicators(out: Path) -> dict:
    return json.loads((out / str(YEAR) / COUNTY / TOWN / "indicators.json").read_text(encoding="utf-8"))


def report_text(out: Path) -> str:
    return (out / str(YEAR) / COUNTY / TOWN / "report.md").read_text(encoding="utf-8")


def rows(p: Path) -> tuple[list[str], list[list[str]]]:
    with open(p, encoding="utf-8-sig", newline="") as fh:
        r = list(csv.reader(fh))
    return r[0], r[1:]


def write(p: Path, header: list[str], body: list[list[str]]) -> None:
    with open(p, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(body)


# required only under a condition (纳入监测日期 when 监测对象类别 is set): not removable here
CONDITIONAL = {"纳入监测日期"}


def optional_columns(table: str) -> list[str]:
    return [c.name for c in contract.TABLES[table]["cols"]
            if not (c.required or c.present) and c.name not in CONDITIONAL]


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    """3 townships × 60 households, plain UTF-8 CSVs with English stems (easy to reshape)."""
    return sample.generate(tmp_path_factory.mktemp("plain") / "ds", townships=3, households_per_township=60,
                           mixed_formats=False)


@pytest.fixture(scope="module")
def baseline(plain, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("base")
    r = run(plain, out)
    assert r.returncode == 0, r.stderr[-3000:]
    return indicators(out)


@pytest.fixture
def copy(plain, tmp_path) -> Path:
    d = tmp_path / "ds"
    shutil.copytree(plain, d)
    return d


def test_every_optional_column_absent(copy, baseline, tmp_path):
    for f in copy.glob("*.csv"):
        table = f.stem
        header, body = rows(f)
        keep = [i for i, h in enumerate(header) if h not in optional_columns(table)]
        write(f, [header[i] for i in keep], [[r[i] for i in keep] for r in body])
    out = tmp_path / "out"
    r = run(copy, out)
    assert r.returncode == 0, r.stderr[-3000:]
    ind = indicators(out)
    # what does not need the removed columns is unchanged
    assert ind["monitoring"]["total"] == baseline["monitoring"]["total"]
    assert ind["monitoring"]["new_in_year"]["households"] == baseline["monitoring"]["new_in_year"]["households"]
    # what needs them is null, and the report says why instead of stating a number
    assert ind["monitoring"]["identification_days"] is None
    text = report_text(out)
    assert "风险发现日期" in text


@pytest.mark.parametrize("table", ["members", "work", "income", "projects", "payments", "posts"])
def test_a_core_table_absent(copy, baseline, tmp_path, table):
    (copy / f"{table}.csv").unlink()
    out = tmp_path / "out"
    r = run(copy, out)
    assert r.returncode == 0, r.stderr[-3000:]
    ind = indicators(out)
    assert ind["monitoring"]["total"] == baseline["monitoring"]["total"]
    assert (out / str(YEAR) / COUNTY / TOWN / "report.html").exists()


def test_a_township_without_projects_and_posts(copy, baseline, tmp_path):
    header, body = rows(copy / "projects.csv")
    town_col = header.index("乡镇")
    gone = {r[header.index("项目编号")] for r in body if r[town_col] == TOWN}
    assert gone, "the generated township should have projects to remove"
    write(copy / "projects.csv", header, [r for r in body if r[town_col] != TOWN])
    ph, pb = rows(copy / "payments.csv")
    write(copy / "payments.csv", ph, [r for r in pb if r[ph.index("项目编号")] not in gone])
    sh, sb = rows(copy / "posts.csv")
    write(copy / "posts.csv", sh, [r for r in sb if r[sh.index("乡镇")] != TOWN])
    out = tmp_path / "out"
    r = run(copy, out)
    assert r.returncode == 0, r.stderr[-3000:]
    ind = indicators(out)
    assert ind["monitoring"]["total"] == baseline["monitoring"]["total"]
    text = report_text(out)
    assert f"{YEAR}年全镇未安排衔接资金项目" in text       # 全镇 after the first mention (issue 10)
    assert "没有我镇的岗位人员记录" in text


def test_header_only_payments(copy, baseline, tmp_path):
    header, _ = rows(copy / "payments.csv")
    write(copy / "payments.csv", header, [])
    assert zhenxing("check", str(copy)).returncode == 0
    out = tmp_path / "out"
    r = run(copy, out)
    assert r.returncode == 0, r.stderr[-3000:]
    ind = indicators(out)
    assert ind["funds"]["paid"] == 0  # truly nothing paid: the table is there, with no rows
    assert ind["funds"]["approved"]["total"] == baseline["funds"]["approved"]["total"]


def test_an_orphan_member_row_fails_the_run_but_not_the_townships(copy, tmp_path):
    header, body = rows(copy / "members.csv")
    orphan = list(body[0])
    orphan[header.index("户编号")] = "H-NOWHERE-1"
    # a valid, unused id: change the sequence digits and recompute the check digit
    pid = orphan[header.index("证件号码")]
    base = pid[:14] + "999"
    s = sum(int(d) * w for d, w in zip(base, contract.ID_WEIGHTS)) % 11
    orphan[header.index("证件号码")] = base + contract.ID_CHECK[s]
    write(copy / "members.csv", header, body + [orphan])
    out = tmp_path / "out"
    r = run(copy, out)
    assert r.returncode == 1, r.stdout + r.stderr
    assert (out / str(YEAR) / COUNTY / TOWN / "report.html").exists()
    assert "unknown_household" in r.stderr
    assert base[:4] not in r.stderr.replace(base[:4] + "*", "")  # the id is masked


def test_a_person_level_export_alone_renders_the_same_monitoring_figures(tmp_path):
    """The national system's person-level export, alone in its folder, gives the township's
    report with the monitoring figures of the same households written as contract files."""
    years = (2022, 2023)
    as_export = sample.generate(tmp_path / "mixed", townships=2, households_per_township=60, years=years,
                                mixed_formats=True, person_level=True)
    as_contract = sample.generate(tmp_path / "contract", townships=2, households_per_township=60, years=years,
                                  mixed_formats=True, person_level=False)
    alone = tmp_path / "alone"
    alone.mkdir()
    export = as_export / sample.person_level_name(years)
    shutil.copy(export, alone / export.name)
    town = contract.read_dataset(alone).townships
    assert len(town) == 1
    (name,) = town
    outs = {}
    for label, ds in (("alone", alone), ("contract", as_contract)):
        out = tmp_path / f"out-{label}"
        r = zhenxing("run", str(ds), "--year", "2023", "--township", name, "--formats", "html",
                     "--workers", "1", "--out", str(out))
        assert r.returncode == 0, r.stderr[-3000:]
        outs[label] = json.loads((out / "2023" / COUNTY / name / "indicators.json").read_text(encoding="utf-8"))
    a, c = outs["alone"]["monitoring"], outs["contract"]["monitoring"]
    for key in ("total", "unresolved", "eliminated", "new_in_year", "eliminated_in_year", "exited_poor",
                "by_village", "by_risk_type"):
        assert a[key] == c[key], key
    # the export has no date of the first risk clue: not computed, and said so
    assert a["identification_days"] is None and c["identification_days"] is not None
    # without work, income, projects and posts tables those topics are not stated (never zeros)
    assert outs["alone"]["funds"] is None and outs["alone"]["income"] is None
