"""A batch on a Dask cluster whose workers share no files with the client.

A scheduler and two `dask worker` processes are started as a user would start them; each
worker runs in its own mount namespace (`unshare --mount`) where a tmpfs is mounted over
the test's temporary folders (the client's dataset, cache and output tree) and over the
project's outputs/ folder. The workers see the project's code and kernel only, as a
worker on another machine with the project installed would. Every report must still
arrive complete in the client's output tree; a worker killed mid-run must not stop the run
(Dask reschedules its task), and a rerun skips what was finished.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import distributed  # noqa: E402  (requirements.txt: a missing package is a failure, not a skip)
import pytest

from conftest import setup_installs
from zhenxing.data import (
    contract,
    paths,  # noqa: E402
)

BIN = Path(sys.executable).parent


def _unshare_prefix() -> list[str] | None:
    """The unshare command that can mount a tmpfs here (as root; else in a user namespace)."""
    for prefix in (["unshare", "--mount", "--propagation", "private"],
                   ["unshare", "--mount", "--propagation", "private", "--map-root-user"]):
        try:
            r = subprocess.run([*prefix, "sh", "-c", "mount -t tmpfs none /mnt 2>/dev/null || "
                                "mount -t tmpfs none \"$HOME\""], capture_output=True, timeout=20)
        except (OSError, subprocess.SubprocessError):
            continue
        if r.returncode == 0:
            return prefix
    return None


def _wait(pred, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def isolated_cluster(tmp_path_factory, tiny_dataset):
    """(scheduler address, folders hidden from the workers)."""
    if shutil.which("unshare") is None:
        pytest.skip(setup_installs("unshare", "unshare 不可用，无法让工作进程看不到客户端的目录 [no unshare]"))
    prefix = _unshare_prefix()
    if prefix is None:
        pytest.skip(setup_installs("unshare", "本机不允许 unshare --mount 挂载 tmpfs（需要 root 或用户命名空间）[unshare not permitted]"))
    hidden = [str(tmp_path_factory.getbasetemp()), str(paths.OUTPUTS)]
    assert str(tiny_dataset).startswith(hidden[0])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHENXING_", "PYTEST"))}
    logs = tmp_path_factory.mktemp("cluster-logs")
    # the scheduler binds a free port itself (--port 0) and says which in its scheduler
    # file: no port is found free here and released before it is bound
    sched_file = logs / "scheduler.json"
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--scheduler-file", str(sched_file), "--no-dashboard"], stdout=subprocess.DEVNULL,
                              stderr=open(logs / "scheduler.log", "w"), env=env, cwd="/",
                              start_new_session=True)]
    addr = _wait(lambda: sched_file.exists() and sched_file.stat().st_size and
                 json.loads(sched_file.read_text()).get("address"), 120, "the scheduler's address file")
    mounts = " && ".join(f"mkdir -p '{d}' && mount -t tmpfs -o size=1m,mode=0 none '{d}'" for d in hidden)
    for i in (1, 2):
        cmd = f"{mounts} && exec '{BIN / 'dask'}' worker {addr} --name w{i} --nworkers 1 --nthreads 1 " \
              f"--no-dashboard --death-timeout 60"
        procs.append(subprocess.Popen([*prefix, "sh", "-c", cmd], stdout=subprocess.DEVNULL,
                                      stderr=open(logs / f"worker{i}.log", "w"), env=env, cwd="/",
                                      start_new_session=True))
    try:
        with distributed.Client(addr, timeout="60s") as c:
            c.wait_for_workers(2, timeout=120)
            # the proof that nothing is shared: the workers cannot see the client's folders
            seen = c.run(lambda ds=str(tiny_dataset), out=str(paths.OUTPUTS):
                         (os.path.exists(ds), bool(os.listdir(out)) if os.path.isdir(out) else False))
            assert len(seen) == 2 and all(v == (False, False) for v in seen.values()), seen
        yield {"address": addr, "hidden": hidden, "logs": logs}
    finally:
        for p in reversed(procs):
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def _run(dataset, out, address, *extra, env=None, **kw):
    return subprocess.Popen([sys.executable, "-m", "zhenxing.cli", "run", str(dataset), "--out", str(out),
                             "--formats", "html", "--scheduler", address, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, **kw)


def _complete(town_dir: Path) -> None:
    names = {p.name for p in town_dir.iterdir()}
    assert {"report.html", "report.md", "indicators.json", "monitoring.ipynb", "funds.ipynb",
            ".zhenxing-run.json"} <= names, names
    assert (town_dir / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    ind = json.loads((town_dir / "indicators.json").read_text(encoding="utf-8"))
    assert ind["township"] == town_dir.name
    charts = list((town_dir / "charts").glob("*.svg"))
    assert charts, "the charts came back too"
    assert all(f"charts/{c.name}" in (town_dir / "report.md").read_text(encoding="utf-8") for c in charts[:1])


def test_reports_arrive_complete_from_workers_that_share_no_files(tmp_path, tiny_dataset, isolated_cluster):
    out = tmp_path / "out"
    env = {"ZHENXING_CACHE": str(tmp_path / "cache")}  # the client's cache: hidden from the workers too
    p = _run(tiny_dataset, out, isolated_cluster["address"], env=env)
    stdout, stderr = p.communicate(timeout=600)
    assert p.returncode == 0, stderr[-3000:]
    towns = contract.prepare(tiny_dataset, tmp_path / "cache")["townships"]
    for town, county in towns.items():
        _complete(out / "2023" / county / town)
    county = next(iter(set(towns.values())))
    assert (out / "2023" / county / "county.html").exists() and (out / "index.html").exists()
    assert not list((out / "2023" / county).glob(".*tmp*"))
    # the same reports as a local run (the generation time and commit aside)
    local = tmp_path / "local"
    town = sorted(towns)[0]
    r = subprocess.run([sys.executable, "-m", "zhenxing.cli", "run", str(tiny_dataset), "--out", str(local),
                        "--formats", "html", "--township", town], capture_output=True, text=True,
                       env={**os.environ, **env})
    assert r.returncode == 0, r.stderr[-2000:]
    a = json.loads((out / "2023" / county / town / "indicators.json").read_text(encoding="utf-8"))
    b = json.loads((local / "2023" / county / town / "indicators.json").read_text(encoding="utf-8"))
    assert a == b
    strip = lambda s: [ln for ln in s.splitlines() if "生成时间" not in ln and "程序版本" not in ln]  # noqa: E731
    assert strip((out / "2023" / county / town / "report.md").read_text(encoding="utf-8")) == \
        strip((local / "2023" / county / town / "report.md").read_text(encoding="utf-8"))
    # a rerun skips every township (the client's stamps), without sending any work
    p = _run(tiny_dataset, out, isolated_cluster["address"], env=env)
    stdout, stderr = p.communicate(timeout=300)
    assert p.returncode == 0, stderr[-3000:]
    assert f"跳过 {len(towns)} 个" in stdout


def test_a_worker_killed_mid_run_is_survived(tmp_path, tiny_dataset, isolated_cluster):
    out = tmp_path / "out"
    env = {"ZHENXING_CACHE": str(tmp_path / "cache")}
    addr = isolated_cluster["address"]
    p = _run(tiny_dataset, out, addr, env=env)
    with distributed.Client(addr, timeout="30s") as c:
        def busy():
            return [w for w, keys in c.processing().items() if any("zhenxing-" in str(k) for k in keys)]
        workers = _wait(busy, 180, "a township task to start")

        def executing(dask_worker):  # the worker's own state: a township task is running now
            return [str(ts.key) for ts in dask_worker.state.executing if "zhenxing-" in str(ts.key)]
        running = _wait(lambda: c.run(executing, workers=[workers[0]])[workers[0]], 180,
                        "the township task to execute on the worker")
        pid = c.run(os.getpid, workers=[workers[0]])[workers[0]]
        os.kill(pid, signal.SIGKILL)  # the worker process, mid-task (its nanny restarts it)
        assert running, "the kill landed while a township task was executing"
    stdout, stderr = p.communicate(timeout=600)
    assert p.returncode == 0, stderr[-3000:]
    towns = contract.prepare(tiny_dataset, tmp_path / "cache")["townships"]
    for town, county in towns.items():
        _complete(out / "2023" / county / town)
    with distributed.Client(addr, timeout="30s") as c:
        c.wait_for_workers(2, timeout=120)  # the nanny started the killed worker again
        assert pid not in c.run(os.getpid).values(), "the worker was really killed"
    assert "Restarting worker" in "".join(
        (isolated_cluster["logs"] / f"worker{i}.log").read_text() for i in (1, 2))


# --- without a cluster: the client's checks and how it writes what comes back ------------

class _FakeClient:
    def __init__(self, ids):
        self.ids = ids

    def wait_for_workers(self, n, timeout=None):
        if not self.ids:
            raise TimeoutError

    def run(self, fn):
        return self.ids

    def nthreads(self):
        return {a: 1 for a in self.ids}


def test_workers_with_other_code_or_without_the_kernel_are_refused_in_chinese():
    from zhenxing.run import cluster, township
    me = township.worker_identity()
    ok = {"tcp://a:1": me, "tcp://b:1": me}
    assert cluster.check_workers(_FakeClient(ok), 1) == 2
    other = {**ok, "tcp://c:1": {**me, "code": "0" * 16}}
    with pytest.raises(cluster.ClusterError, match=r"不一致.*\[worker_version_mismatch\]") as e:
        cluster.check_workers(_FakeClient(other), 1)
    assert "tcp://c:1" in str(e.value)
    with pytest.raises(cluster.ClusterError, match=r"\[worker_kernel_missing\]"):
        cluster.check_workers(_FakeClient({**ok, "tcp://d:1": {**me, "kernel": False}}), 1)
    with pytest.raises(cluster.ClusterError, match=r"\[no_workers\]"):
        cluster.check_workers(_FakeClient({}), 1)


def test_an_unreachable_scheduler_is_a_chinese_message_and_exit_1(tmp_path, tiny_dataset):
    # a port held bound (and not listening) by the test for the whole run: nobody else can
    # take it, and a connection to it is refused
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "zhenxing.cli", "run", str(tiny_dataset), "--out", str(tmp_path / "o"),
                            "--formats", "html", "--scheduler", f"tcp://127.0.0.1:{port}"],
                           capture_output=True, text=True, env={**os.environ, "ZHENXING_CACHE": str(tmp_path / "c")},
                           timeout=120)
    assert r.returncode == 1, r.stderr[-2000:]
    assert "无法连接 Dask 调度器" in r.stderr and "[scheduler_unreachable]" in r.stderr
    assert "Traceback" not in r.stderr


def test_returned_files_are_written_whole_and_stamped_and_a_failure_goes_to_failed(tmp_path):
    from zhenxing.run import township
    out = tmp_path / "out"
    o = township.Outcome("青山镇", "示例县", "written",
                      payload={"report.html": b"<html></html>", "charts/a.png": b"png", "../evil": b"x"})
    township.publish(out, 2023, o, {"k": 1}, "key1")
    d = out / "2023" / "示例县" / "青山镇"
    assert (d / "report.html").read_bytes() == b"<html></html>" and (d / "charts" / "a.png").exists()
    assert not (out / "2023" / "示例县" / "evil").exists()
    assert json.loads((d / ".zhenxing-run.json").read_text())["key"] == "key1"
    assert o.payload is None and o.received > 0
    assert not list(d.parent.glob(".*tmp*"))
    f = township.Outcome("石门乡", "示例县", "failed", "funds.ipynb", "笔记本第3个单元格出错：KeyError: …",
                      payload={"funds.ipynb": b"{}"})
    township.publish(out, 2023, f, {}, "")
    assert (out / "failed" / "2023" / "示例县" / "石门乡" / "funds.ipynb").exists()
    assert not (out / "2023" / "示例县" / "石门乡").exists()


def test_the_writers_file_travels_with_the_task(tmp_path, tiny_copy, isolated_cluster):
    """narrative/<Y>/<乡镇>.md sits in the client's dataset folder, which no worker sees: its
    text still reaches the report the worker renders, exactly as written."""
    env = {"ZHENXING_CACHE": str(tmp_path / "cache")}
    town = sorted(contract.prepare(tiny_copy, tmp_path / "cache")["townships"])[0]
    words = "全年组织镇村干部开展政策宣讲，走村入户讲解帮扶政策。"
    wrong = "全镇累计识别认定防止返贫监测对象99999户99999人。"   # no township of 80 households has so many
    f = tiny_copy / "narrative" / "2023" / f"{town}.md"
    f.parent.mkdir(parents=True)
    f.write_text(f"## 开头\n\n{words}\n\n## 防止返贫动态监测\n\n{wrong}\n", encoding="utf-8")
    out = tmp_path / "out"
    p = _run(tiny_copy, out, isolated_cluster["address"], "--township", town, env=env)
    stdout, stderr = p.communicate(timeout=600)
    assert p.returncode == 0, stderr[-3000:]
    [md] = (out / "2023").glob(f"*/{town}/report.md")
    assert words in md.read_text(encoding="utf-8")
    assert words in md.with_name("report.html").read_text(encoding="utf-8")
    # its numbers were checked on the worker: the contradiction is in 编制说明.md
    checks = [ln for ln in md.with_name("编制说明.md").read_text(encoding="utf-8").splitlines() if "数字核对" in ln]
    assert checks and "未核对" not in checks[0] and any("99999户" in ln for ln in checks), checks
