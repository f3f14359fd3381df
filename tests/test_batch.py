"""Batch runs: warm kernels give the same results as fresh ones, a Dask cluster runs the
same batch, a killed run resumes to complete, uncorrupted reports; Ctrl-C stops a batch;
a county whose townships all fail gets its failure table and no roll-up; orphan rows fail
the run; the console is quiet and Chinese; roll-ups list only the published tree."""
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
import psutil
import pytest

from zhenxing.data import contract
from zhenxing.sample import generator as sample
from zhenxing.topics.registry import TOPICS


def wait_for(pred, what: str, timeout: float = 300):
    """Wait for an event (a file, a process state), polling; the expiry of the generous
    timeout fails the test — the time decides nothing else."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


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


def towns_of(dataset: Path) -> dict[str, str]:
    return contract.prepare(dataset)["townships"]


def test_warm_kernels_give_the_same_results_as_fresh_kernels(tmp_path, tiny_dataset):
    """The fast paths (notebooks in the worker's own process — the default — and warm
    kernels) against papermill's own fresh kernel per notebook: the same indicators, report
    text, notebook text outputs, chart files (SVG and PNG bytes) and the same three formats."""
    outs = {}
    town, county = sorted(towns_of(tiny_dataset).items())[0]
    for engine in ("fresh", "warm", "inprocess"):
        out = tmp_path / engine
        r = zhenxing("run", str(tiny_dataset), "--township", town, "--out", str(out),
                     env={"ZHENXING_ENGINE": engine})
        assert r.returncode == 0, r.stderr[-2000:]
        outs[engine] = out / "2023" / county / town
    fresh = outs["fresh"]
    strip = lambda s: re.sub(r"生成时间：.*", "", s)  # noqa: E731
    for engine in ("warm", "inprocess"):
        fast = outs[engine]
        assert json.loads((fresh / "indicators.json").read_text()) == json.loads((fast / "indicators.json").read_text())
        assert strip((fresh / "report.md").read_text()) == strip((fast / "report.md").read_text())
        for nb in TOPICS:
            assert narrative(fresh / f"{nb}.ipynb") == narrative(fast / f"{nb}.ipynb"), (engine, nb)
        charts = sorted(p.name for p in (fresh / "charts").iterdir())
        assert charts and charts == sorted(p.name for p in (fast / "charts").iterdir())
        for name in charts:
            assert (fresh / "charts" / name).read_bytes() == (fast / "charts" / name).read_bytes(), (engine, name)
        for fmt in ("html", "pdf", "docx"):
            assert (fast / f"report.{fmt}").stat().st_size > 0
        # the county summary: its notebook on the same engine, the same text
        assert strip((fresh.parent / "county.md").read_text()) == strip((fast.parent / "county.md").read_text())


def test_the_in_process_engine_reports_a_failing_cell_as_papermill_does(tmp_path):
    """An error in a cell: papermill's PapermillExecutionError (cell number, error name and
    message for the failure table), the notebook kept with the error output; a leftover
    variable is gone in the next notebook."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from zhenxing.data import paths
    from zhenxing.run import kernels  # noqa: F401 — registers the engines
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("leak = 42\nprint('x')"),
                                          nbformat.v4.new_code_cell("1 / 0")])
    ok = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('leak' in globals())\n7")])
    for nb in (bad, ok):
        nb.metadata["kernelspec"] = {"name": "zhenxing", "display_name": "zhenxing", "language": "python"}
    with pytest.raises(PapermillExecutionError) as e:
        pm.execute_notebook(bad, str(tmp_path / "bad.ipynb"), engine_name="zhenxing-inprocess",
                            kernel_name="zhenxing", progress_bar=False, cwd=str(paths.NOTEBOOKS))
    assert e.value.ename == "ZeroDivisionError"
    kept = nbformat.read(tmp_path / "bad.ipynb", as_version=4)
    assert [o["output_type"] for o in kept.cells[-1].outputs] == ["error"]
    out = pm.execute_notebook(ok, None, engine_name="zhenxing-inprocess", kernel_name="zhenxing",
                              progress_bar=False, cwd=str(paths.NOTEBOOKS))
    outputs = out.cells[0].outputs
    assert outputs[0]["text"] == "False\n"
    assert outputs[1]["output_type"] == "execute_result" and outputs[1]["data"]["text/plain"] == "7"


def test_a_warm_kernel_starts_each_notebook_with_a_clean_namespace():
    """A variable left by one notebook is gone in the next one run on the same kernel."""
    import papermill as pm

    from zhenxing.data import paths
    from zhenxing.run import kernels  # registers the engine
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
    import distributed  # requirements.txt installs it: an ImportError is a failure
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        r = zhenxing("run", str(small_county), "--out", str(tmp_path), "--formats", "html",
                     "--scheduler", cluster.scheduler_address)
    assert r.returncode == 0, r.stderr[-3000:]
    reports = sorted(tmp_path.glob("2023/示例县/*/report.html"))
    assert len(reports) == 3
    assert (tmp_path / "2023" / "示例县" / "county.html").exists(), r.stderr[-3000:]


def test_a_killed_batch_resumes_to_complete_reports(tmp_path, small_county):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "zhenxing.cli", "run", str(small_county), "--out", str(out),
           "--formats", "html,docx", "--workers", "1"]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    county = out / "2023" / "示例县"
    # a township published (its stamp is written last; a build folder is hidden, .<乡镇>.tmp-…)
    wait_for(lambda: [f for f in county.glob("*/.zhenxing-run.json") if not f.parent.name.startswith(".")],
             "the first township's published report")
    os.killpg(p.pid, signal.SIGKILL)  # mid-batch: one township done, the next one in progress
    p.wait()
    done = [d for d in county.iterdir() if d.is_dir() and not d.name.startswith(".") and d.name != "charts"] \
        if county.exists() else []
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


from zhenxing.run import batch as _batch  # noqa: E402

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
    from zhenxing.data import contract
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


# --- every township failing, orphan rows -------------------------------------------------

def test_when_every_township_fails_the_run_prints_its_failure_table_and_writes_no_rollup(tmp_path, tiny_copy):
    (tiny_copy / "payments.csv").write_bytes(b"")  # no header at all: every township is unusable
    out = tmp_path / "out"
    r = zhenxing("run", str(tiny_copy), "--out", str(out), "--formats", "html")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "失败清单" in r.stderr
    for town in towns_of(tiny_copy):
        assert re.search(rf"^{town}\t", r.stderr, re.M), r.stderr
    assert "Errno" not in r.stderr + r.stdout and "Traceback" not in r.stderr
    assert not list(out.glob("**/county.html")) and not (out / "index.html").exists()


def _append_orphan_member(dataset: Path) -> str:
    """A member whose 户编号 exists in no household (a copy of a real row); returns its id number."""
    f = dataset / "members.csv"
    raw = f.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    lines = text.splitlines()
    row = lines[1].split(",")
    row[0] = "ZZ99999999"
    lines.append(",".join(row))
    f.write_bytes(("\n".join(lines) + "\n").encode(enc))
    return row[1]


def test_orphan_rows_fail_the_run_under_the_dataset_name_while_townships_render(tmp_path, tiny_copy):
    id_number = _append_orphan_member(tiny_copy)
    town, county = sorted(towns_of(tiny_copy).items())[0]
    out = tmp_path / "out"
    r = zhenxing("run", str(tiny_copy), "--township", town, "--out", str(out), "--formats", "html")
    assert r.returncode == 1, r.stdout + r.stderr
    assert re.search(rf"^{tiny_copy.name}\t数据校验\t.*不属于任何乡镇", r.stderr, re.M), r.stderr
    assert id_number not in r.stderr + r.stdout, "id numbers are masked"
    assert (out / "2023" / county / town / "report.html").exists()


# --- Ctrl-C ------------------------------------------------------------------------------------

def _alive(pids) -> list[int]:
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.mark.parametrize("engine", ["inprocess", "warm"])
def test_ctrl_c_stops_a_batch_keeps_finished_townships_and_resumes(tmp_path, tiny_dataset, engine):
    """Both ways a worker runs notebooks: in its own process (the default) and on a warm kernel."""
    out = tmp_path / "out"
    county = out / "2023" / sorted(set(towns_of(tiny_dataset).values()))[0]
    cmd = [sys.executable, "-m", "zhenxing.cli", "run", str(tiny_dataset), "--out", str(out),
           "--formats", "html", "--workers", "1"]
    env = {**os.environ, "ZHENXING_ENGINE": engine}
    # Ctrl-C at its default in the batch, as in a terminal, even when the tests themselves run
    # with SIGINT ignored (a background job of a non-interactive shell: `make test &`),
    # which a child would otherwise inherit
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                         env=env, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen: set[int] = set()

    def first_done():
        seen.update(c.pid for c in psutil.Process(p.pid).children(recursive=True))
        return list(county.glob("*/.zhenxing-run.json"))
    wait_for(first_done, "the first township's stamp")

    def next_under_way():  # a worker (or kernel) of the batch alive after the first township
        seen.update(c.pid for c in psutil.Process(p.pid).children(recursive=True))
        return _alive(seen)
    wait_for(next_under_way, "a worker of the next township")
    if engine == "warm":
        assert any("ipykernel" in " ".join(psutil.Process(c).cmdline()) for c in _alive(seen)), "kernels were running"
    else:
        assert _alive(seen), "workers were running"
    os.killpg(p.pid, signal.SIGINT)  # as a terminal sends it
    # how fast it stops is bench/'s business; here it must stop (the timeout fails the test)
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if "已中断" in ln]
    assert len(lines) == 1 and "重新运行同一命令" in lines[0] and "已完成 1 个乡镇" in lines[0], stderr
    wait_for(lambda: _alive(seen) == [], "every worker and kernel of the run to end (none may be left)", timeout=60)
    done = [d for d in county.iterdir() if d.is_dir() and not d.name.startswith(".") and d.name != "charts"]
    assert len(done) == 1 and (done[0] / "report.html").exists()
    assert not list(county.glob(".*tmp*")), "the interrupted township's temporary folder was not cleaned"
    assert not (out / "failed").exists(), "an interrupted township is not a failure"
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "跳过 1 个" in r.stdout
    assert f"{done[0].name}：未变化，跳过" in r.stderr
    assert len(list(county.glob("*/report.html"))) == 3 and (county / "county.html").exists()


# --- console, failed leftovers, published tree -------------------------------------------

@pytest.fixture(scope="module")
def published_run(tmp_path_factory, tiny_dataset):
    """One township rendered into an output tree that holds an exploration's leftovers, an
    empty year and a failed earlier run of the same township."""
    towns = sorted(towns_of(tiny_dataset).items())
    (town, county), (explored, _) = towns[0], towns[1]
    out = tmp_path_factory.mktemp("published")
    (out / "2023" / county / explored).mkdir(parents=True)  # a notebook run by hand
    (out / "2023" / county / explored / "indicators.json").write_text("{}", encoding="utf-8")
    (out / "2019" / county / explored).mkdir(parents=True)  # a year with nothing published
    (out / "2019" / county / explored / "indicators.json").write_text("{}", encoding="utf-8")
    failed = out / "failed" / "2023" / county / town
    failed.mkdir(parents=True)
    (failed / "monitoring.ipynb").write_text("{}", encoding="utf-8")
    r = zhenxing("run", str(tiny_dataset), "--township", town, "--out", str(out), "--formats", "html")
    assert r.returncode == 0, r.stderr[-2000:]
    return {"out": out, "town": town, "county": county, "explored": explored, "result": r}


def _links(html_file: Path) -> list[str]:
    html = html_file.read_text(encoding="utf-8")
    return [h for h in re.findall(r'href="([^"#]+)"', html) if not h.startswith(("http", "data:", "mailto:"))]


def test_rollups_list_only_the_published_tree(published_run):
    from urllib.parse import unquote
    out, county = published_run["out"], published_run["county"]
    county_html = out / "2023" / county / "county.html"
    index_html = out / "index.html"
    explored = published_run["explored"]
    for page in (county_html, index_html):
        text = page.read_text(encoding="utf-8")
        assert published_run["town"] in text
        for link in _links(page):
            assert (page.parent / unquote(link)).exists(), f"dead link {link} in {page.name}"
            assert explored not in unquote(link), f"an explored township is linked from {page.name}"
    # the index lists published reports only; the county summary may name the township only
    # to say that it has no report and is left out of the totals
    assert explored not in index_html.read_text(encoding="utf-8")
    county_text = county_html.read_text(encoding="utf-8")
    assert explored not in county_text or ("未能生成报告" in county_text and "未计入" in county_text)
    assert "2019年" not in index_html.read_text(encoding="utf-8"), "an empty year is listed"


def test_failed_leftovers_are_cleaned_once_the_township_succeeds(published_run):
    out = published_run["out"]
    assert not (out / "failed" / "2023" / published_run["county"] / published_run["town"]).exists()


def test_console_is_quiet_and_chinese_with_one_line_per_township(published_run):
    err = published_run["result"].stderr
    for noise in ("IPKernelApp", "WARNING", "Warning", "Parent appears", "without encryption"):
        assert noise not in err, err
    for english in ("written", "skipped", "failed"):
        assert english not in err + published_run["result"].stdout
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines == [ln for ln in lines if ln.startswith("[1/1]")] and len(lines) == 1, err
    assert f"{published_run['town']}：已生成" in lines[0]


def test_site_writes_nothing_for_an_output_folder_that_does_not_exist(tmp_path):
    from zhenxing.run import site
    site.write_index(tmp_path / "none")
    assert not (tmp_path / "none").exists()


def test_a_county_summary_that_fails_fails_the_run(tiny_dataset, tmp_path, monkeypatch):
    """The county summary is a requested report: when it cannot be made, the townships stay
    published, the failure is in the table, and the run exits 1 (never a silent 0)."""
    from types import SimpleNamespace

    from zhenxing.run import batch, site

    def broken(*a, **k):
        raise RuntimeError("county notebook failed")

    monkeypatch.setattr(site, "write_county", broken)
    out = tmp_path / "out"
    args = SimpleNamespace(dataset=str(tiny_dataset), year=2023, township=["河口镇"], report_date="",
                           out=str(out), formats="html", workers=1, force=False, scheduler=None)
    rc = batch.run_cli(args)
    assert rc == 1
    assert (out / "2023" / "示例县" / "河口镇" / "report.html").exists()
    assert not (out / "2023" / "示例县" / "county.html").exists()
