"""Batch runs: warm kernels give the same results as fresh ones, a Dask cluster runs the
same batch, a killed run resumes to complete, uncorrupted reports."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from zhenxing import sample

FIXTURE = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "qingshi" / "dataset"


def zhenxing(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zhenxing.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def narrative(nb_path: Path) -> list[str]:
    """Every text output of an executed notebook (what a report is made of)."""
    nb = nbformat.read(nb_path, as_version=4)
    return [o.get("data", {}).get("text/markdown", "") for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", [])]


@pytest.fixture(scope="module")
def small_county(tmp_path_factory) -> Path:
    return sample.generate(tmp_path_factory.mktemp("county") / "ds", townships=3, households_per_township=150,
                           mixed_formats=False)


def test_warm_kernels_give_the_same_results_as_fresh_kernels(tmp_path):
    outs = {}
    for engine in ("fresh", "warm"):
        out = tmp_path / engine
        r = zhenxing("run", str(FIXTURE), "--out", str(out), "--formats", "html", env={"ZHENXING_ENGINE": engine})
        assert r.returncode == 0, r.stderr[-2000:]
        outs[engine] = out / "2023" / "示例县" / "青石镇"
    fresh, warm = outs["fresh"], outs["warm"]
    assert json.loads((fresh / "indicators.json").read_text()) == json.loads((warm / "indicators.json").read_text())
    strip = lambda s: re.sub(r"生成时间：.*", "", s)  # noqa: E731
    assert strip((fresh / "report.md").read_text()) == strip((warm / "report.md").read_text())
    for nb in ("monitoring", "income", "employment", "funds", "public_posts"):
        assert narrative(fresh / f"{nb}.ipynb") == narrative(warm / f"{nb}.ipynb")


def test_a_warm_kernel_starts_each_notebook_with_a_clean_namespace():
    """A variable left by one notebook is gone in the next one run on the same kernel."""
    import papermill as pm

    from zhenxing import kernels, paths  # noqa: F401 — registers the engine
    first = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("leak = 42")])
    second = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('leak' in globals())")])
    for nb in (first, second):
        nb.metadata["kernelspec"] = {"name": "zhenxing", "display_name": "zhenxing", "language": "python"}
    out = pm.execute_notebook(first, None, engine_name="zhenxing-warm", kernel_name="zhenxing", progress_bar=False,
                              cwd=str(paths.NOTEBOOKS))
    out = pm.execute_notebook(second, None, engine_name="zhenxing-warm", kernel_name="zhenxing", progress_bar=False,
                              cwd=str(paths.NOTEBOOKS))
    assert out.cells[0].outputs[0]["text"].strip() == "False"
    kernels.shutdown()


def test_batch_on_a_dask_cluster(tmp_path, small_county):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        r = zhenxing("run", str(small_county), "--out", str(tmp_path), "--formats", "html",
                     "--scheduler", cluster.scheduler_address)
    assert r.returncode == 0, r.stderr[-3000:]
    reports = sorted(tmp_path.glob("2023/示例县/*/report.html"))
    assert len(reports) == 3
    assert (tmp_path / "2023" / "示例县" / "county.html").exists()


def test_a_killed_batch_resumes_to_complete_reports(tmp_path, small_county):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "zhenxing.cli", "run", str(small_county), "--out", str(out),
           "--formats", "html,docx", "--workers", "1"]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    county = out / "2023" / "示例县"
    deadline = time.time() + 180
    while time.time() < deadline and not list(county.glob("*/report.html")):
        time.sleep(0.2)
    os.killpg(p.pid, signal.SIGKILL)  # mid-batch: one township done, the next one in progress
    p.wait()
    done = [d for d in county.iterdir() if d.is_dir() and not d.name.startswith(".")] if county.exists() else []
    assert 1 <= len(done) < 3, "the kill should land mid-batch"
    for d in done:  # whatever looks like a township folder is complete
        assert {"report.html", "report.docx", "indicators.json"} <= {f.name for f in d.iterdir()}
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"跳过 {len(done)}" in r.stdout
    towns = [d for d in county.iterdir() if d.is_dir() and not d.name.startswith(".") and d.name != "charts"]
    assert len(towns) == 3
    for d in towns:
        html = (d / "report.html").read_text(encoding="utf-8")
        assert html.rstrip().endswith("</html>")
        json.loads((d / "indicators.json").read_text(encoding="utf-8"))
    assert not list(county.glob(".*tmp*")), "the killed run's temporary folder was not cleaned up"


from zhenxing import batch as _batch  # noqa: E402

_REAL_RUN_TOWNSHIP = _batch.run_township


def _deadly_run_township(**job):
    """Kills its own worker the first time it meets the chosen township."""
    flag = Path(os.environ["ZX_TEST_KILL_FLAG"])
    if job["township"] == os.environ["ZX_TEST_KILL_TOWN"] and not flag.exists():
        flag.write_text("x")
        os.kill(os.getpid(), signal.SIGKILL)
    return _REAL_RUN_TOWNSHIP(**job)


def test_a_worker_killed_mid_run_does_not_stop_the_others(tmp_path, small_county, monkeypatch):
    """The first run of one township kills its worker process: it is retried in a new pool
    and every township is written."""
    from zhenxing import contract
    towns = sorted(contract.prepare(small_county)["townships"])
    monkeypatch.setenv("ZX_TEST_KILL_FLAG", str(tmp_path / "killed-once"))
    monkeypatch.setenv("ZX_TEST_KILL_TOWN", towns[0])
    monkeypatch.setattr(_batch, "run_township", _deadly_run_township)
    outcomes, _ = _batch.run(small_county, out=tmp_path / "out", formats=("html",), workers=2)
    assert (tmp_path / "killed-once").exists()
    assert sorted(o.status for o in outcomes) == ["written"] * 3, [(o.township, o.status, o.error) for o in outcomes]


def test_workers_are_replaced_between_chunks(tmp_path, small_county):
    """With one township per worker, three townships need two pools; all are written
    (a pool replaced mid-batch must not hang or lose work)."""
    r = zhenxing("run", str(small_county), "--out", str(tmp_path), "--formats", "html", "--workers", "2",
                 env={"ZHENXING_TASKS_PER_WORKER": "1"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert len(list(tmp_path.glob("2023/示例县/*/report.html"))) == 3
