"""Parameters: every parameter file matches the notebooks' parameters cells."""
from __future__ import annotations

from pathlib import Path

import papermill as pm
import pytest
import yaml

from zhenxing.data import params, paths
from zhenxing.topics.registry import TOPICS

TYPES = {"str": str, "int": int}


@pytest.fixture(scope="module")
def notebook_params() -> dict[str, dict]:
    return {t: pm.inspect_notebook(str(paths.NOTEBOOKS / f"{t}.ipynb")) for t in TOPICS}


def test_every_notebook_declares_the_same_typed_parameters(notebook_params):
    for topic, ps in notebook_params.items():
        assert {"dataset", "township", "year", "report_date"} <= set(ps), topic
        for name, p in ps.items():
            assert p["inferred_type_name"] in TYPES, f"{topic}.{name} has no type annotation"
            assert p["help"], f"{topic}.{name} has no comment"
    first = next(iter(notebook_params.values()))
    assert all(ps.keys() == first.keys() for ps in notebook_params.values())


def check_against_notebooks(file: Path, notebook_params) -> list[str]:
    data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    problems = []
    declared = next(iter(notebook_params.values()))
    for k, v in data.items():
        if k not in declared:
            problems.append(f"{file.name}: unknown parameter {k}")
        elif not isinstance(v, TYPES[declared[k]["inferred_type_name"]]) or isinstance(v, bool):
            problems.append(f"{file.name}: {k} should be {declared[k]['inferred_type_name']}")
    return problems


def test_committed_parameter_files_are_what_a_clean_clone_has_and_are_sound():
    """A clean clone has params/defaults.yaml and the example county override (the
    per-run files are git-ignored): both are read, and every policy target names its
    source."""
    committed = {f.relative_to(paths.PARAMS).as_posix() for f in paths.PARAMS.rglob("*") if f.is_file()
                 and not (f.suffix == ".yaml" and f.relative_to(paths.PARAMS).parts[0].isdigit())}
    assert {"defaults.yaml", "policy/county-example.yaml.txt"} <= committed, committed
    defaults = yaml.safe_load((paths.PARAMS / "defaults.yaml").read_text(encoding="utf-8"))["policy"]
    assert defaults and all(isinstance(v, dict) and v.get("source") for v in defaults.values())
    # spec values worked from the file's own sources: 15 days (指导意见, 2021), 8000/10000 元
    p = params.policy(None, 2023)
    assert p["identification_days_max"] == 15 and p["income_thresholds"] == [8000, 10000]
    example = yaml.safe_load((paths.PARAMS / "policy" / "county-example.yaml.txt").read_text(encoding="utf-8"))
    assert example["policy"] and set(example["policy"]) <= set(defaults), "the example overrides known targets only"
    assert all(v.get("source") for v in example["policy"].values())


def test_params_command_writes_one_matching_file_per_sample_township(tmp_path, monkeypatch, notebook_params):
    """`zhenxing params` on the sample (6 townships, README) writes a file per township,
    each accepted by the notebooks — built here, so the check runs on a clean clone."""
    import shutil

    from zhenxing import cli
    root = tmp_path / "params"
    shutil.copytree(paths.PARAMS, root, ignore=shutil.ignore_patterns("[0-9][0-9][0-9][0-9]"))
    monkeypatch.setattr(paths, "PARAMS", root)
    assert cli.main(["params", str(paths.SAMPLE), "--year", "2023"]) == 0
    files = sorted((root / "2023").rglob("*.yaml"))
    assert len(files) == 6, files
    for f in files:
        assert check_against_notebooks(f, notebook_params) == []
        assert params.check_run_file(f) == []
        body = yaml.safe_load(f.read_text(encoding="utf-8"))
        assert body["township"] == f.stem and body["year"] == 2023 and body["dataset"] == str(paths.SAMPLE.resolve())


def test_generated_files_match_and_typos_fail(tmp_path, notebook_params):
    f = params.write_run_files(Path("/data/x"), 2023, {"青石镇": "示例县"}, root=tmp_path)[0]
    assert f == tmp_path / "2023" / "示例县" / "青石镇.yaml"
    assert check_against_notebooks(f, notebook_params) == []
    assert params.check_run_file(f) == []
    bad = tmp_path / "bad.yaml"
    bad.write_text("townshp: 青石镇\nyear: '2023'\n", encoding="utf-8")
    assert len(check_against_notebooks(bad, notebook_params)) == 2
    assert len(params.check_run_file(bad)) == 2


def test_policy_layers_and_sources(tmp_path):
    (tmp_path / "policy").mkdir()
    (tmp_path / "defaults.yaml").write_text((paths.PARAMS / "defaults.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "policy" / "某县.yaml").write_text(
        "policy:\n  rural_benchmark_growth: {value: {2023: 7.5}, source: 某县统计公报}\n"
        "  identification_days_max: {value: 10, source: 某省细则}\n", encoding="utf-8")
    p = params.policy("某县", 2023, root=tmp_path)
    assert p["rural_benchmark_growth"] == 7.5 and p["identification_days_max"] == 10
    assert p["income_thresholds"] == [8000, 10000]
    assert params.policy("某县", 2022, root=tmp_path)["rural_benchmark_growth"] is None
    assert params.policy("别的县", 2023, root=tmp_path)["identification_days_max"] == 15
    assert params.sources("某县", root=tmp_path)["identification_days_max"] == "某省细则"
    assert all(params.sources(None).values()), "every default target names its document"


def test_report_date_default_is_year_end():
    assert params.report_date(2023, "").isoformat() == "2023-12-31"
    assert params.report_date(2023, "2023-06-30").isoformat() == "2023-06-30"


@pytest.mark.parametrize("typed", ["2023-06-30", "2023/06/30", "2023年6月30日", "2023/6/30", " 2023-06-30 "])
def test_report_date_accepts_the_forms_people_type(typed):
    assert params.report_date(2023, typed).isoformat() == "2023-06-30"


def test_report_date_outside_the_year_is_refused_in_chinese():
    with pytest.raises(params.ParamError) as e:
        params.report_date(2023, "2022-06-30")
    assert str(e.value) == ("统计截止日期2022年6月30日不在报告年度2023年内；请改为2023年内的日期，"
                            "或同时改报告年度 [report_date_outside_year]")


@pytest.mark.parametrize("typed", ["2023-02-30", "六月底", "30/06/2023", "2023-6"])
def test_unparseable_report_date_is_refused(typed):
    with pytest.raises(params.ParamError, match=r"不是有效日期.*\[bad_date\]"):
        params.report_date(2023, typed)


def test_check_year_lists_the_years_covered():
    assert params.check_year("2023", [2022, 2023]) == 2023
    with pytest.raises(params.ParamError, match=r"数据集不含1999年的数据（数据覆盖：2022年、2023年）.*\[year_not_covered\]"):
        params.check_year(1999, [2023, 2022])
    with pytest.raises(params.ParamError, match=r"\[bad_year\]"):
        params.check_year("abc", [2023])


def test_notebook_check_accepts_exactly_the_parameters_cell(notebook_params):
    """The names the notebook check accepts are the parameters cell's, out_dir included."""
    from zhenxing.report import notebook
    for topic, ps in notebook_params.items():
        assert set(ps) == set(notebook.PARAMETERS), topic
        for name, p in ps.items():
            assert TYPES[p["inferred_type_name"]] is notebook.PARAMETERS[name], f"{topic}.{name}"


def test_run_file_may_name_out_dir_and_typos_name_the_accepted(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text("township: 青石镇\nyear: 2023\nout_dir: /tmp/x\n", encoding="utf-8")
    assert params.check_run_file(f) == []
    f.write_text("townshp: 青石镇\n", encoding="utf-8")
    [msg] = params.check_run_file(f)
    assert "townshp" in msg and "township" in msg and "[unknown_parameter]" in msg


def test_a_broken_policy_file_is_named_with_its_line_not_a_traceback(tmp_path):
    (tmp_path / "policy").mkdir()
    (tmp_path / "defaults.yaml").write_text((paths.PARAMS / "defaults.yaml").read_text(encoding="utf-8"),
                                            encoding="utf-8")
    (tmp_path / "policy" / "某县.yaml").write_text("policy:\n  identification_days_max: [1, 2\n", encoding="utf-8")
    with pytest.raises(params.ParamError, match=r"某县\.yaml .*第3行第1列不是合法的 YAML.*\[bad_yaml\]"):
        params.policy("某县", 2023, root=tmp_path)
    (tmp_path / "policy" / "某县.yaml").write_text("- 15\n- 7.5\n", encoding="utf-8")
    with pytest.raises(params.ParamError, match=r"YAML 映射.*\[bad_yaml\]"):
        params.policy("某县", 2023, root=tmp_path)


def test_run_with_a_broken_policy_file_exits_2_with_the_file_named(capsys, monkeypatch, tiny_dataset, tmp_path):
    """The batch reads the county's policy before any township starts: a broken file stops
    it with exit 2 and a Chinese message naming the file (no traceback, nothing written)."""
    import shutil

    from zhenxing import cli
    from zhenxing.data import contract
    root = tmp_path / "params"
    shutil.copytree(paths.PARAMS, root)
    county = next(iter(contract.prepare(tiny_dataset)["townships"].values()))
    (root / "policy" / f"{county}.yaml").write_text("policy:\n  spend_progress: {06-30: 50\n", encoding="utf-8")
    monkeypatch.setattr(paths, "PARAMS", root)
    code = cli.main(["run", str(tiny_dataset), "--out", str(tmp_path / "out"), "--formats", "html"])
    err = capsys.readouterr().err
    assert code == 2 and f"{county}.yaml" in err and "不是合法的 YAML" in err and "Traceback" not in err
    assert not list((tmp_path / "out").rglob("*.html"))
