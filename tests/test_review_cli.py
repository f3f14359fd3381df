"""zhenxing review end to end: the generator's clean county gives no finding, each
planted violation of a dirty one gives exactly its finding; the workbook; exit codes."""
from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from zhenxing import cli
from zhenxing.sample.generator import generate


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        d = tmp_path_factory.mktemp("cache")
        mp.setenv("ZHENXING_CACHE", str(d))
        yield d


@pytest.fixture(scope="module")
def clean(tmp_path_factory, cache):
    # mixed formats with 3 townships: the last comes as the national person-level export
    return generate(tmp_path_factory.mktemp("clean"), townships=3, households_per_township=500,
                    review="clean", seed=7)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory, cache):
    planted: list = []
    out = generate(tmp_path_factory.mktemp("dirty"), townships=3, households_per_township=500,
                   review="dirty", planted=planted, seed=7)
    return out, planted


def run(capsys, *args):
    code = cli.main(["review", *map(str, args)])
    o = capsys.readouterr()
    return code, o.out, o.err


@pytest.mark.parametrize("year", [2022, 2023])
def test_clean_generated_county_gives_no_finding(clean, tmp_path, capsys, year):
    code, out, err = run(capsys, clean, "--year", year, "--out", tmp_path, "--json")
    assert json.loads(out) == {"findings": []}
    assert code == 0 and "未发现疑点 [no_findings]" in err


def test_each_planted_violation_gives_exactly_its_finding(dirty, tmp_path, capsys):
    folder, planted = dirty
    code, out, err = run(capsys, folder, "--out", tmp_path, "--json")
    assert code == 1
    found = {(f["rule"], f["township"], f["key"]) for f in json.loads(out)["findings"]}
    want = {(p["rule"], p["township"], p["key"]) for p in planted}
    assert len(json.loads(out)["findings"]) == len(planted)
    assert found == want
    # every family, in every township
    from zhenxing.review import builtin_rules
    family = {r.id: r.family for r in builtin_rules()}
    for town in {p["township"] for p in planted}:
        assert {family[r] for r, t, _ in want if t == town} == {family[r] for r in family}


def test_workbook_per_township_for_print(dirty, tmp_path, capsys):
    folder, planted = dirty
    town = planted[0]["township"]
    code, out, err = run(capsys, folder, "--township", town, "--out", tmp_path)
    assert code == 1 and town in out
    (path,) = list(tmp_path.rglob("疑点核查.xlsx"))
    assert path.parent.name == town
    wb = load_workbook(path)
    s = wb["汇总"]
    assert wb.sheetnames[0] == "汇总"
    header = [c.value for c in s[4]]
    assert header[:8] == ["序号", "规则编号", "类别", "规则", "严重程度", "记录数", "涉及户数", "涉及村数"]
    assert s.freeze_panes == "A5" and s.auto_filter.ref.startswith("A4")
    rows = {r[1]: r for r in s.iter_rows(min_row=5, values_only=True)}
    n = sum(1 for p in planted if p["township"] == town)
    assert sum(r[5] or 0 for r in rows.values()) == n
    assert len(wb.sheetnames) == 1 + len({p["rule"] for p in planted if p["township"] == town})
    sheet = wb[wb.sheetnames[1]]
    assert [c.value for c in sheet[4]][:6] == ["序号", "村", "户编号/项目编号", "人员或事项", "字段", "值"]
    assert sheet.freeze_panes == "A5" and sheet.auto_filter.ref
    assert sheet.print_title_rows and sheet.page_setup.orientation == "landscape"
    assert sheet.column_dimensions["G"].width >= 40


def test_no_name_or_id_number_reaches_the_workbook_or_json(dirty, tmp_path, capsys):
    import pandas as pd
    folder, _ = dirty
    code, out, _ = run(capsys, folder, "--out", tmp_path, "--json")
    members = pd.read_csv(folder / "members.csv", dtype=str, encoding="gb18030")
    text = out
    for p in tmp_path.rglob("疑点核查.xlsx"):
        for ws in load_workbook(p):
            text += "\n".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    leaks = [v for v in list(members["姓名"].dropna()) + list(members["证件号码"].dropna())
             if len(v) >= 3 and v in text]
    assert leaks == []


def test_unreadable_folder_exits_2(tmp_path, capsys, cache):
    code, out, err = run(capsys, tmp_path / "nowhere", "--out", tmp_path)
    assert code == 2 and "[dataset_not_found]" in err
    (tmp_path / "empty").mkdir()
    code, out, err = run(capsys, tmp_path / "empty", "--out", tmp_path)
    assert code == 2 and "[unusable_dataset]" in err


def test_year_not_covered_exits_2(clean, tmp_path, capsys):
    code, out, err = run(capsys, clean, "--year", 1999, "--out", tmp_path)
    assert code == 2 and "[year_not_covered]" in err


def test_unknown_rule_in_the_county_file_exits_2(clean, tmp_path, capsys, monkeypatch):
    from zhenxing.data import paths
    root = tmp_path / "params"
    (root / "policy").mkdir(parents=True)
    (root / "defaults.yaml").write_text((paths.PARAMS / "defaults.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (root / "policy" / "示例县.rules.yaml").write_text("rules:\n  no_such_rule: {enabled: false}\n", encoding="utf-8")
    monkeypatch.setattr(paths, "PARAMS", root)
    code, out, err = run(capsys, clean, "--out", tmp_path)
    assert code == 2 and "no_such_rule" in err and "[unknown_rule]" in err
