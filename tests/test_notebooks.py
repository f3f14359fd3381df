"""The topic notebooks as people run them: nbval exactly as its documentation runs it,
the stored outputs equal to what `make notebooks` writes, the parameter check in all
three ways a notebook runs (plain papermill, JupyterLab, `zhenxing run`'s warm kernels),
the up-front year and date checks, and exploration runs kept out of the published tree."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from zhenxing.data import contract, params, paths
from zhenxing.report import notebook
from zhenxing.topics.registry import TOPICS

PAPERMILL = str(Path(sys.executable).parent / "papermill")
FUNDS = paths.NOTEBOOKS / "funds.ipynb"


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _checked(nb):
    return [c for c in _code(nb) if "nbval-check-output" in c.metadata.get("tags", [])]


# --- committed notebooks and nbval ---------------------------------------------------

def test_committed_notebooks_are_clean_and_numbered():
    for topic in TOPICS:
        nb = nbformat.read(paths.NOTEBOOKS / f"{topic}.ipynb", as_version=4)
        assert nb.metadata["kernelspec"]["name"] == "zhenxing"
        assert "papermill" not in nb.metadata and "widgets" not in nb.metadata
        code = _code(nb)
        assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), \
            f"{topic}: execution counts not 1, 2, 3 … (make notebooks)"
        for c in nb.cells:
            assert not {"papermill", "execution", "ExecuteTime"} & set(c.metadata), f"{topic}: volatile metadata"
            assert "injected-parameters" not in c.metadata.get("tags", [])
        assert "parameters" in code[0].metadata.get("tags", [])
        assert "notebook.check_parameters()" in code[1].source and "notebook.context(" in code[1].source
        assert nb.cells[0].cell_type == "raw" and "echo: false" in nb.cells[0].source  # Quarto front matter
        checked = _checked(nb)
        assert checked and all(c.outputs for c in checked), f"{topic}: stored outputs missing (make notebooks)"


def test_committed_notebooks_equal_what_make_notebooks_writes(tmp_path):
    """Drift: a text function or the sample changed and nobody ran `make notebooks`."""
    notebook.refresh(dest=tmp_path)
    drift = []
    for topic in TOPICS:
        old = nbformat.read(paths.NOTEBOOKS / f"{topic}.ipynb", as_version=4)
        new = nbformat.read(tmp_path / f"{topic}.ipynb", as_version=4)
        assert [c.source for c in _code(old)] == [c.source for c in _code(new)]
        if [c.execution_count for c in _code(old)] != [c.execution_count for c in _code(new)]:
            drift.append(f"{topic}: execution counts")
        checked_old, checked_new = _checked(old), _checked(new)
        if len(checked_old) != len(checked_new):  # zip() would stop at the shorter
            drift.append(f"{topic}: {len(checked_old)} checked cells stored, {len(checked_new)} in a fresh run")
        for a, b in zip(checked_old, checked_new, strict=False):
            if a.outputs != b.outputs:
                drift.append(f"{topic}: outputs of `{a.source.splitlines()[0]}`")
    assert not drift, "stored outputs differ from a fresh run — run `make notebooks` and commit:\n" + "\n".join(drift)


def test_nbval_exactly_as_documented():
    """`pytest --nbval-lax notebooks/` from the repository root, the venv active: nbval's
    own way, with the notebooks' kernelspec (no --nbval-current-env)."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "VIRTUAL_ENV": str(Path(sys.executable).parent.parent)}
    env.pop("PYTEST_ADDOPTS", None)
    r = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "notebooks/"],
                       capture_output=True, text=True, cwd=paths.ROOT, env=env)
    assert r.returncode == 0, r.stdout[-4000:]
    assert " passed" in r.stdout and " failed" not in r.stdout


# --- the parameter check (unit) --------------------------------------------------------

PARAM_CELL = [c for c in _code(nbformat.read(FUNDS, as_version=4))][0].source
NEXT_CELL = "from zhenxing.report import notebook\nnotebook.check_parameters()\nctx = notebook.context(dataset, township, year, report_date, out_dir)"
GOOD = {"dataset": "", "township": "青山镇", "year": 2023, "report_date": "", "out_dir": ""}


def test_check_accepts_the_parameters_cell_and_papermills_cell():
    notebook.check_parameters(dict(GOOD), ["", PARAM_CELL, NEXT_CELL])
    injected = '# Parameters\ntownship = "石门乡"\nyear = 2022\nreport_date = "2022/06/30"\n'
    notebook.check_parameters({**GOOD, "year": 2022}, ["", PARAM_CELL, injected, NEXT_CELL])


def test_check_stops_a_misspelled_papermill_parameter():
    injected = '# Parameters\ntownshp = "\\u77f3\\u95e8\\u4e61"\n'
    with pytest.raises(params.ParamError) as e:
        notebook.check_parameters({**GOOD, "townshp": "石门乡"}, ["", PARAM_CELL, injected, NEXT_CELL])
    msg = str(e.value)
    assert "未知的笔记本参数" in msg and "townshp" in msg and "township" in msg
    assert all(k in msg for k in ("dataset", "year", "report_date", "out_dir")) and "[unknown_parameter]" in msg


def test_check_stops_a_typo_in_the_parameters_cell():
    typo = PARAM_CELL.replace("township: str", "townshp: str")
    with pytest.raises(params.ParamError, match="townshp"):
        notebook.check_parameters({**GOOD, "townshp": "石门乡"}, ["", typo, NEXT_CELL])


def test_check_ignores_names_of_earlier_cells_and_notebooks():
    """A warm kernel's history holds the previous notebook; JupyterLab holds the analyst's
    own cells: only the latest parameters cell (and papermill's) count."""
    earlier = ["", PARAM_CELL, NEXT_CELL, "df = ctx.tables['households']\nx = 1", "x = 2"]
    notebook.check_parameters({**GOOD, "df": 1, "x": 2, "ctx": None}, earlier + [PARAM_CELL, NEXT_CELL])
    # the check cell re-run alone later: the latest parameters cell still counts
    typo = PARAM_CELL.replace("dataset: str", "datset: str")
    with pytest.raises(params.ParamError, match="datset"):
        notebook.check_parameters({**GOOD, "datset": ""}, ["", typo, NEXT_CELL, "x = 2", NEXT_CELL])


@pytest.mark.parametrize("name,value,key", [("year", "abc", "year"), ("year", True, "year"), ("year", 20.5, "year"),
                                            ("township", "", "township"), ("report_date", 20230630, "report_date"),
                                            ("dataset", 3, "dataset")])
def test_check_stops_a_wrong_type(name, value, key):
    with pytest.raises(params.ParamError) as e:
        notebook.check_parameters({**GOOD, name: value}, ["", PARAM_CELL, NEXT_CELL])
    assert key in str(e.value) and "[wrong_type]" in str(e.value)


def test_check_accepts_a_year_given_as_digits():
    notebook.check_parameters({**GOOD, "year": "2023"}, ["", PARAM_CELL, '# Parameters\nyear = "2023"\n', NEXT_CELL])


def test_check_stops_a_missing_parameter():
    ns = dict(GOOD)
    del ns["township"]
    with pytest.raises(params.ParamError, match="缺少笔记本参数：township"):
        notebook.check_parameters(ns, ["", NEXT_CELL])


# --- the parameter check in the three ways a notebook runs ---------------------------

def _error_text(nb_path: Path) -> str:
    nb = nbformat.read(nb_path, as_version=4)
    return "\n".join(o.get("evalue", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error")


def _papermill(tmp_path, *args) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path / "o.ipynb"
    r = subprocess.run([PAPERMILL, str(FUNDS), str(out), *args], capture_output=True, text=True, cwd=tmp_path)
    return r, out


def test_plain_papermill_misspelled_parameter_stops(tmp_path):
    r, out = _papermill(tmp_path, "-p", "townshp", "石门乡", "-p", "out_dir", str(tmp_path / "o"))
    assert r.returncode != 0
    err = _error_text(out)
    assert "未知的笔记本参数" in err and "“townshp”" in err and "township" in err
    assert "未知的笔记本参数" in r.stderr
    assert not (tmp_path / "o").exists(), "computed a report anyway"


def test_plain_papermill_wrong_type_stops(tmp_path):
    r, out = _papermill(tmp_path, "-p", "year", "abc", "-p", "out_dir", str(tmp_path / "o"))
    assert r.returncode != 0 and "year（报告年度）应为整数年份" in _error_text(out)


def test_jupyterlab_typo_in_parameters_cell_stops(tmp_path):
    """JupyterLab: the analyst edits the parameters cell and runs all (same kernel protocol)."""
    import nbclient
    nb = nbformat.read(FUNDS, as_version=4)
    _code(nb)[0].source = _code(nb)[0].source.replace('township: str = "青山镇"', 'townshp: str = "石门乡"') \
        .replace('out_dir: str = ""', f'out_dir: str = {str(tmp_path / "o")!r}')
    with pytest.raises(nbclient.exceptions.CellExecutionError) as e:
        nbclient.NotebookClient(nb, kernel_name="zhenxing", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert "未知的笔记本参数" in str(e.value) and "townshp" in str(e.value)


def test_warm_kernel_engine_misspelled_parameter_stops(tmp_path, tiny_dataset):
    """`zhenxing run`'s engine: one kernel, namespace reset between notebooks; a good
    notebook before and after the bad one still runs."""
    import papermill as pm

    from zhenxing.run import kernels
    town = sorted(contract.prepare(tiny_dataset)["townships"])[0]
    good = {"dataset": str(tiny_dataset), "township": town, "year": 2023, "report_date": "", "out_dir": str(tmp_path / "o")}
    kw = dict(engine_name="zhenxing-warm", kernel_name="zhenxing", cwd=str(paths.NOTEBOOKS), progress_bar=False)
    try:
        pm.execute_notebook(str(FUNDS), str(tmp_path / "a.ipynb"), parameters=good, **kw)
        with pytest.raises(pm.PapermillExecutionError) as e:
            pm.execute_notebook(str(FUNDS), str(tmp_path / "b.ipynb"), parameters={**good, "yaer": 2022}, **kw)
        assert "未知的笔记本参数" in e.value.evalue and "“yaer”" in e.value.evalue and "year" in e.value.evalue
        pm.execute_notebook(str(FUNDS), str(tmp_path / "c.ipynb"), parameters=good, **kw)
    finally:
        kernels.shutdown()


# --- up-front checks: year and report date ------------------------------------------

def test_papermill_report_date_outside_the_year_stops(tmp_path):
    r, out = _papermill(tmp_path, "-p", "report_date", "2022-06-30", "-p", "out_dir", str(tmp_path / "o"))
    assert r.returncode != 0
    assert "统计截止日期2022年6月30日不在报告年度2023年内" in _error_text(out)
    assert not (tmp_path / "o").exists()


def test_papermill_year_without_data_stops(tmp_path):
    r, out = _papermill(tmp_path, "-p", "year", "1999", "-p", "out_dir", str(tmp_path / "o"))
    assert r.returncode != 0
    err = _error_text(out)
    assert "数据集不含1999年的数据" in err and "2023年" in err
    assert not (tmp_path / "o").exists()


@pytest.fixture
def isolated_outputs(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    monkeypatch.setenv("ZHENXING_CACHE", str(tmp_path / "cache"))
    return tmp_path / "outputs"


def test_context_refuses_uncovered_year_and_bad_dates_before_computing(tiny_dataset, isolated_outputs, monkeypatch):
    town = sorted(contract.prepare(tiny_dataset)["townships"])[0]
    computed = []
    monkeypatch.setattr(notebook, "_computed", lambda *a: computed.append(a) or (_ for _ in ()).throw(AssertionError))
    for year, date, key in [(1999, "", "year_not_covered"), (2023, "2022-06-30", "report_date_outside_year"),
                            (2023, "2023-13-45", "bad_date"), (2023, "六月底", "bad_date"), ("abc", "", "bad_year")]:
        with pytest.raises(params.ParamError, match=key):
            notebook.context(str(tiny_dataset), town, year, date)
    assert not computed


@pytest.mark.parametrize("date", ["2023-06-30", "2023/06/30", "2023年6月30日"])
def test_context_accepts_the_date_forms_people_type(tiny_dataset, isolated_outputs, date):
    town = sorted(contract.prepare(tiny_dataset)["townships"])[0]
    ctx = notebook.context(str(tiny_dataset), town, 2023, date)
    assert ctx.report_date.isoformat() == "2023-06-30" and ctx.ind["report_date"] == "2023-06-30"


# --- exploration never touches the published tree ------------------------------------

def test_exploration_writes_to_scratch_not_the_published_tree(tiny_dataset, isolated_outputs):
    meta = contract.prepare(tiny_dataset)
    town = sorted(meta["townships"])[0]
    county = meta["townships"][town]
    ctx = notebook.context(str(tiny_dataset), town, 2023)  # as JupyterLab and plain papermill call it
    ctx.record("funds")
    scratch = isolated_outputs / "scratch" / "2023" / county / town
    assert ctx.out_dir == scratch and (scratch / "indicators.json").exists()
    assert not (isolated_outputs / "2023").exists(), "an exploration run wrote into the published tree"
    given = isolated_outputs / "2023" / county / town  # `zhenxing run` passes out_dir explicitly
    assert notebook.context(str(tiny_dataset), town, 2023, "", str(given)).out_dir == given


def test_indicators_name_the_dataset_for_a_reader(tiny_dataset, isolated_outputs):
    town = sorted(contract.prepare(tiny_dataset)["townships"])[0]
    ctx = notebook.context(str(tiny_dataset), town, 2023, "", str(isolated_outputs / "x"))
    ctx.record("funds")
    data = json.loads((isolated_outputs / "x" / "indicators.json").read_text(encoding="utf-8"))
    assert data["dataset"]["label"] == tiny_dataset.name and "/" not in data["dataset"]["label"]
    assert notebook.dataset_label(paths.SAMPLE) == "自带示例数据（合成）"
