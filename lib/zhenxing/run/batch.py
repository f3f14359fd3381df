"""Batch runs: every township of a dataset for a year → notebooks, reports, roll-up, index.

One validation per dataset version (contract.prepare caches it), then one task per
township: its five topic notebooks under papermill, the summary assembled from their
outputs and rendered. Tasks run in parallel processes; a failing township never stops
the others; every township's folder is built in a temporary folder and renamed into
place only when complete.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from zhenxing.data import contract, params, paths
from zhenxing.report import assemble as report
from zhenxing.report.notebook import atomic_write
from zhenxing.report.published import STAMP
from zhenxing.run.failure import safe_error
from zhenxing.topics.registry import TOPICS

# Worker processes are replaced after about this many townships each, so no memory
# builds up over a county.
TASKS_PER_WORKER = int(os.environ.get("ZHENXING_TASKS_PER_WORKER", "25"))
CELL_TIMEOUT = int(os.environ.get("ZHENXING_CELL_TIMEOUT", "600"))  # seconds per notebook cell


STATUS_ZH = {"written": "已生成", "skipped": "未变化，跳过", "failed": "失败"}


class Interrupted(Exception):
    """Ctrl-C during a batch: the townships that finished, and those that did not."""

    def __init__(self, finished: list, unfinished: list[str]):
        super().__init__("interrupted")
        self.finished, self.unfinished = finished, unfinished


@dataclass
class Outcome:
    township: str
    county: str
    status: str                      # written | skipped | failed
    step: str = ""
    error: str = ""
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    payload: dict | None = field(default=None, repr=False)  # a cluster task's files, until written
    sent: int = 0        # bytes the client sent for this township (cluster)
    received: int = 0    # bytes of files it got back (cluster)


def _stamp(township: str, county: str, year: int, report_date: str, formats, fingerprint: str,
           dataset_hash: str) -> tuple[dict, str]:
    """What a township's reports were made from (data, parameters, notes, policy, code) and
    its key: a rerun skips a township whose stamp key is unchanged."""
    stamp = {"dataset": dataset_hash, "township": township, "year": year, "report_date": report_date,
             "formats": sorted(formats), "code": fingerprint,
             "notes": _file_hash(params.notes_file(year, county, township)),
             "policy": params.policy(county, year)}
    return stamp, hashlib.sha256(json.dumps(stamp, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _is_current(final: Path, key: str) -> bool:
    try:
        return json.loads((final / STAMP).read_text(encoding="utf-8")).get("key") == key
    except (OSError, ValueError):
        return False


def _build(work: Path, dataset: str, township: str, county: str, year: int, report_date: str, formats,
           dataset_hash: str, *, notes: Path | None, state: dict, engine_kwargs: dict | None = None,
           label: str | None = None, view=None) -> None:
    """The notebooks, the summary and its formats of one township, in `work`. `state["step"]`
    says where a failure happened."""
    import contextlib

    import papermill as pm

    from zhenxing.run import kernels  # registers the engines
    engine = kernels.engine_name(cluster=bool(engine_kwargs))
    parameters = {"dataset": str(dataset), "township": township, "year": int(year),
                  "report_date": report_date, "out_dir": str(work)}
    executed = {}
    for topic in TOPICS:
        state["step"] = f"{topic}.ipynb"
        executed[topic] = pm.execute_notebook(str(paths.NOTEBOOKS / f"{topic}.ipynb"), str(work / f"{topic}.ipynb"),
                            parameters=parameters, kernel_name="zhenxing", cwd=str(paths.NOTEBOOKS),
                            progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                            engine_name=engine, execution_timeout=CELL_TIMEOUT, **(engine_kwargs or {}))
    state["step"] = "report"
    if label is not None:  # the dataset as the client knows it (the worker's copy has another path)
        f = work / "indicators.json"
        ind = json.loads(f.read_text(encoding="utf-8"))
        if isinstance(ind.get("dataset"), dict):
            ind["dataset"]["label"] = label
            atomic_write(f, json.dumps(ind, ensure_ascii=False, indent=2))
    with (view() if view else contextlib.nullcontext()):
        title, md = report.assemble(work, dataset_name=Path(dataset).name, dataset_hash=dataset_hash,
                                    parameters={k: v for k, v in parameters.items() if k != "out_dir"},
                                    notes=notes, notebooks=executed)
    atomic_write(work / "report.md", md)
    state["step"] = "render"
    from zhenxing.report import render
    render.render(md, work, title=title, formats=formats, resources=work)


def run_township(dataset: str, township: str, county: str, year: int, report_date: str, out: str | None,
                 formats: tuple[str, ...], force: bool, fingerprint: str, dataset_hash: str,
                 package: dict | None = None) -> Outcome:
    """Everything for one (township, year); returns an Outcome, never raises.

    Two ways, one task. Without `package` (local processes, which share the client's disk):
    read the dataset's cache, build in a temporary folder of the output tree, rename it into
    place. With `package` (a cluster: nothing shared with the client): the task carries the
    township's pseudonymised tables, the policy files and the notes; the worker builds in
    a private temporary folder and returns the township's files as bytes in
    `Outcome.payload`, which the client writes (see `publish`)."""
    if package is not None:
        return _run_packaged(township, county, year, report_date, tuple(formats), dataset_hash, package)
    t0 = time.perf_counter()
    final = Path(out) / str(year) / county / township
    failed_dir = Path(out) / "failed" / str(year) / county / township
    stamp, stamp_key = _stamp(township, county, year, report_date, formats, fingerprint, dataset_hash)
    if not force and (final / STAMP).exists() and _is_current(final, stamp_key):
        _clean_failed(Path(out), failed_dir)
        return Outcome(township, county, "skipped", seconds=time.perf_counter() - t0)
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{township}.tmp-"))
    work.chmod(0o755)
    state = {"step": "notebooks"}
    try:
        _build(work, dataset, township, county, year, report_date, formats, dataset_hash,
               notes=params.notes_file(year, county, township), state=state)
        atomic_write(work / STAMP, json.dumps({"key": stamp_key, **stamp}, ensure_ascii=False, indent=1))
        _replace_dir(work, final)
        _clean_failed(Path(out), failed_dir)
        files = sorted(p.name for p in final.iterdir() if p.is_file() and not p.name.startswith("."))
        return Outcome(township, county, "written", files=files, seconds=time.perf_counter() - t0)
    except BaseException as e:  # noqa: BLE001 — isolate every failure
        keep = Path(out) / "failed" / str(year) / county / township
        if keep.exists():
            shutil.rmtree(keep, ignore_errors=True)
        keep.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(work), str(keep))  # the executed notebooks stay for diagnosis
        return Outcome(township, county, "failed", step=state["step"], error=safe_error(e),
                       seconds=time.perf_counter() - t0)


# --- a cluster task: carries its data, returns its files ----------------------------------

_WORKER_LOCK = threading.Lock()
_VIEW_LOCK = threading.Lock()
_worker_dir: tuple[int, Path] | None = None
_code_fp: tuple[int, str] | None = None


def code_fingerprint() -> str:
    """The code that makes a report (package version, library, templates, notebooks), not
    the policy files (those travel with the tasks): client and workers must agree on it."""
    from zhenxing import __version__
    h = hashlib.sha256(__version__.encode())
    for p in sorted([*paths.LIB.rglob("*.py"), *paths.LIB.rglob("templates/*"), *paths.NOTEBOOKS.glob("*.ipynb")]):
        if p.is_file():
            h.update(p.relative_to(paths.ROOT).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def worker_identity() -> dict:
    """What the client checks on each worker before sending work (run with `client.run`):
    the code fingerprint (computed once per process) and whether the kernel is installed."""
    global _code_fp
    from jupyter_client.kernelspec import find_kernel_specs

    from zhenxing import __version__
    if _code_fp is None or _code_fp[0] != os.getpid():
        _code_fp = (os.getpid(), code_fingerprint())
    return {"code": _code_fp[1], "version": __version__, "kernel": "zhenxing" in find_kernel_specs()}


def _worker_root() -> Path:
    """This worker process's private folder (cache of the townships it is given, policy
    files, temporary build folders); removed at exit, or by the next worker on this machine
    when the process was killed. Its cache is this process's ZHENXING_CACHE (the same for
    every task of the process, so threads agree), which its kernels inherit."""
    global _worker_dir
    with _WORKER_LOCK:
        if _worker_dir is None or _worker_dir[0] != os.getpid():
            from zhenxing.run import kernels
            kernels.clean_stale("zhenxing-worker-")  # private folders of workers killed outright
            kernels.clean_stale()  # kernel sockets of worker processes killed on this machine
            root = Path(tempfile.gettempdir()) / f"zhenxing-worker-{os.getpid()}"
            (root / "cache").mkdir(parents=True, exist_ok=True)
            (root / "tasks").mkdir(exist_ok=True)
            os.chmod(root, 0o700)
            os.environ["ZHENXING_CACHE"] = str(root / "cache")
            import atexit
            atexit.register(shutil.rmtree, str(root), True)
            _worker_dir = (os.getpid(), root)
        return _worker_dir[1]


def _materialise(root: Path, run: dict, township: str, tables: dict[str, bytes]) -> tuple[Path, Path]:
    """Lay the task's data out as a dataset `contract` already reads: an empty dataset folder
    whose cache entry (meta + this township's Parquet tables) sits in this process's cache;
    and the policy files in a folder of their own. Returns (dataset folder, project view)."""
    meta = run["meta"]
    digest = meta["hash"]
    cache = root / "cache"
    entry = cache / digest[:20]
    with _WORKER_LOCK:
        if not (entry / "meta.json").exists():
            entry.mkdir(parents=True, exist_ok=True)
            atomic_write(entry / "meta.json", json.dumps(meta, ensure_ascii=False))
        ds = root / "datasets" / digest[:20] / meta["name"]
        ds.mkdir(parents=True, exist_ok=True)
        pointer = cache / "by-stat" / contract._stat_key(ds)
        if not pointer.exists():
            atomic_write(pointer, digest)
        pkey = hashlib.sha256(json.dumps(sorted((k, hashlib.sha256(v).hexdigest()) for k, v in run["params"].items())
                                         ).encode()).hexdigest()[:16]
        view = root / "params" / pkey
        if not view.exists():
            tmp = Path(tempfile.mkdtemp(dir=root, prefix=".params-"))
            for rel, data in run["params"].items():
                f = tmp / "params" / rel
                f.parent.mkdir(parents=True, exist_ok=True)
                f.write_bytes(data)
            view.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, view)
    for name, data in tables.items():
        atomic_write(entry / name / f"{contract._safe(township)}.parquet", data)
    return ds, view


def _unlay(root: Path, run: dict, township: str, tables: dict[str, bytes]) -> None:
    entry = root / "cache" / run["meta"]["hash"][:20]
    for name in tables:
        try:
            (entry / name / f"{contract._safe(township)}.parquet").unlink()
        except OSError:
            pass


def _as_on_client(view: Path, code_version: str):
    """For the report step in a worker: the policy files and code version of the client
    (report.assemble reads them from the project). One task at a time per process."""
    import contextlib

    @contextlib.contextmanager
    def cm():
        with _VIEW_LOCK:
            saved = paths.ROOT, paths.PARAMS, report.code_version
            paths.ROOT, paths.PARAMS = view, view / "params"
            report.code_version = lambda: code_version
            try:
                yield
            finally:
                paths.ROOT, paths.PARAMS, report.code_version = saved
    return cm


def _pack(work: Path) -> dict[str, bytes]:
    """Every file of a township's folder (relative path → bytes), hidden files left out."""
    out = {}
    for p in sorted(work.rglob("*")):
        rel = p.relative_to(work)
        if p.is_file() and not any(part.startswith(".") for part in rel.parts):
            out[rel.as_posix()] = p.read_bytes()
    return out


def _run_packaged(township: str, county: str, year: int, report_date: str, formats: tuple[str, ...],
                  dataset_hash: str, package: dict) -> Outcome:
    t0 = time.perf_counter()
    run, tables = package["run"], package["tables"]
    state = {"step": "worker"}
    work = None
    root = None
    try:
        mine = worker_identity()["code"]
        if mine != run["code"]:
            return Outcome(township, county, "failed", "worker",
                           f"工作机上的 zhenxing 程序与本机不一致（工作机 {mine[:8]}，本机 {run['code'][:8]}），"
                           f"请在工作机上安装同一版本后重启 dask worker [worker_version_mismatch]",
                           seconds=time.perf_counter() - t0)
        root = _worker_root()
        ds, view = _materialise(root, run, township, tables)
        work = Path(tempfile.mkdtemp(dir=root / "tasks", prefix="t-"))
        notes = None
        if package.get("notes") is not None:
            notes = work.with_name(work.name + ".notes.md")
            notes.write_text(package["notes"], encoding="utf-8")
        state["step"] = "notebooks"
        _build(work, str(ds), township, county, year, report_date, formats, dataset_hash, notes=notes,
               state=state, engine_kwargs={"params_dir": str(view / "params")}, label=run.get("label"),
               view=_as_on_client(view, run.get("code_version") or ""))
        files = _pack(work)
        return Outcome(township, county, "written", files=sorted(k for k in files if "/" not in k),
                       seconds=time.perf_counter() - t0, payload=files)
    except BaseException as e:  # noqa: BLE001 — isolate every failure
        return Outcome(township, county, "failed", step=state["step"], error=safe_error(e),
                       seconds=time.perf_counter() - t0, payload=_pack(work) if work and work.exists() else None)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
            try:
                work.with_name(work.name + ".notes.md").unlink()
            except OSError:
                pass
        if root is not None:
            _unlay(root, run, township, tables)


def publish(out: Path, year: int, o: Outcome, stamp: dict, stamp_key: str) -> None:
    """Write a township's returned files into the client's output tree: a temporary folder
    renamed into place when complete and stamped (a failure's files go to outputs/failed/).
    The files are dropped from the Outcome once written."""
    files, o.payload = o.payload or {}, None
    o.received = sum(len(v) for v in files.values())
    final = Path(out) / str(year) / o.county / o.township
    failed_dir = Path(out) / "failed" / str(year) / o.county / o.township
    target = final if o.status == "written" else failed_dir
    if o.status != "written" and not files:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{o.township}.tmp-"))
    work.chmod(0o755)
    try:
        for rel, data in files.items():
            f = work / rel
            if ".." in Path(rel).parts or Path(rel).is_absolute():
                continue
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(data)
            os.chmod(f, 0o644)
        del files
        if o.status == "written":
            atomic_write(work / STAMP, json.dumps({"key": stamp_key, **stamp}, ensure_ascii=False, indent=1))
        _replace_dir(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if o.status == "written":
        _clean_failed(Path(out), failed_dir)


def _clean_failed(out: Path, failed_dir: Path) -> None:
    """A township that now succeeds leaves nothing under outputs/failed/ (and no empty folders)."""
    if failed_dir.exists():
        shutil.rmtree(failed_dir, ignore_errors=True)
    root = out / "failed"
    d = failed_dir.parent
    while d != root and root in d.parents:
        try:
            d.rmdir()  # only when empty
        except OSError:
            break
        d = d.parent
    try:
        root.rmdir()
    except OSError:
        pass


def _file_hash(p: Path) -> str | None:
    return hashlib.sha256(p.read_bytes()).hexdigest()[:16] if p.exists() else None


def _replace_dir(src: Path, dst: Path) -> None:
    """Put a complete folder in place of another in two renames."""
    old = None
    if dst.exists():
        old = dst.with_name(f".{dst.name}.old-{os.getpid()}")
        os.replace(dst, old)
    os.replace(src, dst)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


class Progress:
    """Townships done / total in Chinese: a live line on a terminal, one plain line per
    finished township otherwise (logs, cron)."""

    def __init__(self, total: int):
        self.total, self.done, self.failed = total, 0, 0
        self.tty = sys.stderr.isatty()

    def step(self, what: str):
        """The batch's current step (terminal only)."""
        if self.tty:
            print(f"\r\033[K[{self.done}/{self.total}] {what}…", end="", file=sys.stderr, flush=True)

    def update(self, o: Outcome):
        self.done += 1
        self.failed += o.status == "failed"
        line = f"[{self.done}/{self.total}] {o.township}：{STATUS_ZH.get(o.status, o.status)}（{o.seconds:.1f}秒）" + \
               (f"，累计失败 {self.failed} 个" if self.failed else "")
        if self.tty:
            print("\r\033[K" + line + ("；运行中：笔记本、报告渲染" if self.done < self.total else ""),
                  end="" if self.done < self.total else "\n", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def end_line(self):
        """Leave the live line, so the next message starts on its own line."""
        if self.tty and 0 < self.done < self.total:
            print(file=sys.stderr, flush=True)


def _collect(futs: dict, progress: Progress, on_error, done: list, *, when_idle=None, workers: int = 0) -> list[str]:
    """Outcomes of finished futures go into `done`; townships whose worker died are
    returned for a retry. ``when_idle(done)`` is called once, as soon as every township
    left has a worker (this process has nothing more to hand out)."""
    retry = []
    left = len(futs)

    def check_idle() -> None:
        nonlocal when_idle
        if when_idle is not None and left <= workers:
            when_idle(done)
            when_idle = None
    check_idle()
    for f in as_completed(futs):
        left -= 1
        check_idle()
        t = futs[f]
        try:
            o = f.result()
        except BaseException as e:  # noqa: BLE001
            o = on_error(t, e)
            if o is None:
                retry.append(t)
                continue
        done.append(o)
        progress.update(o)
    return retry


def _worker_init() -> None:
    """Workers leave Ctrl-C to the batch process, which stops them and their kernels."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _stop_pool(pool, futs) -> None:
    """Cancel queued townships and stop the workers and their kernels at once."""
    import psutil
    for f in futs:
        f.cancel()
    procs = list((getattr(pool, "_processes", None) or {}).values())
    kids = []
    for p in procs:
        try:
            kids += psutil.Process(p.pid).children(recursive=True)  # the worker's kernels (read before it dies)
        except psutil.NoSuchProcess:
            continue
    for p in procs:  # the workers themselves through multiprocessing, which must reap them itself:
        try:         # a child reaped elsewhere (psutil.wait_procs) looks alive to it forever, and
            p.kill()  # pool.shutdown() below would then wait for ever
        except (OSError, ValueError):
            pass
    for v in kids:
        try:
            v.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(kids, timeout=5)  # grandchildren: not ours to reap, psutil only waits
    for p in procs:
        p.join(timeout=5)
    for p in procs:
        shutil.rmtree(Path(tempfile.gettempdir()) / f"zhenxing-ipc-{p.pid}", ignore_errors=True)
    pool.shutdown(wait=True, cancel_futures=True)


def _worker_died(job: dict) -> Outcome:
    return Outcome(job["township"], job["county"], "failed", "worker",
                   "工作进程两次意外退出（内存不足或被终止）[worker_died]")


def _on_processes(n: int, jobs: dict, progress: Progress, when_idle=None) -> list[Outcome]:
    """Local processes. A large county runs in chunks forked from a small fork server (not
    from this process, which may hold the whole validated county). Townships go in chunks of TASKS_PER_WORKER per worker,
    each chunk on a fresh pool, so no worker's memory builds up over a county. A worker
    that dies breaks its pool: the unfinished townships of the chunk run again in a new
    pool, and a township that kills its worker twice is failed."""
    import multiprocessing as mp
    from concurrent.futures.process import BrokenProcessPool
    order = list(jobs)
    size = n * TASKS_PER_WORKER
    if len(order) <= size:  # one chunk (a small county): fork this process, the quickest start
        ctx = mp.get_context("fork")
    else:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["zhenxing.run.batch", "zhenxing.run.kernels", "zhenxing.report.render", "zhenxing.report.assemble",
                                    "zhenxing.report.charts", "zhenxing.report.notebook", "zhenxing.topics.indicators",
                                    "IPython.core.interactiveshell", "papermill", "nbformat"])
    out, deaths = [], {t: 0 for t in jobs}

    def on_error(t, e):
        if isinstance(e, BrokenProcessPool):
            deaths[t] += 1
            return None if deaths[t] < 2 else _worker_died(jobs[t])
        return Outcome(t, jobs[t]["county"], "failed", "worker", safe_error(e))

    for start in range(0, len(order), size):
        pending = order[start:start + size]
        while pending:
            # workers are started with Ctrl-C blocked, then ignore it (see _worker_init)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                pool = ProcessPoolExecutor(max_workers=min(n, len(pending)), mp_context=ctx,
                                           initializer=_worker_init)
                futs = {pool.submit(run_township, **jobs[t]): t for t in pending}
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            last = start + size >= len(order)
            try:
                pending = _collect(futs, progress, on_error, out, when_idle=when_idle if last else None,
                                   workers=min(n, len(pending)))
                if last:
                    when_idle = None
                pool.shutdown(wait=True)
            except KeyboardInterrupt:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not break the clean-up
                _stop_pool(pool, futs)
                finished = {o.township for o in out}
                raise Interrupted(out, [t for t in order if t not in finished]) from None
    return out


class ClusterError(Exception):
    """The cluster cannot take the batch (unreachable, no workers, other code); Chinese message."""


def _check_workers(client, wait: float) -> int:
    """Wait for workers, then refuse workers whose code differs from the client's or that
    lack the kernel. Returns the number of worker threads."""
    try:
        client.wait_for_workers(1, timeout=wait)
    except Exception:  # noqa: BLE001 — distributed raises TimeoutError
        raise ClusterError(f"调度器上没有可用的工作进程（等待了{wait:.0f}秒）：请先在各台机器上运行 "
                           f"dask worker <调度器地址> [no_workers]") from None
    want = code_fingerprint()
    ids = client.run(worker_identity)
    other = sorted(a for a, i in ids.items() if i["code"] != want)
    if other:
        from zhenxing import __version__
        raise ClusterError(f"{len(other)} 个工作进程（{'、'.join(other[:3])}{'等' if len(other) > 3 else ''}）上的 zhenxing "
                           f"程序与本机不一致（本机版本 {__version__}，代码指纹 {want[:8]}；工作机 "
                           f"{ids[other[0]]['version']}，{ids[other[0]]['code'][:8]}）。请在这些机器上按 README 安装"
                           f"与本机相同的版本，然后重启 dask worker [worker_version_mismatch]")
    nokernel = sorted(a for a, i in ids.items() if not i["kernel"])
    if nokernel:
        raise ClusterError(f"{len(nokernel)} 个工作进程（{'、'.join(nokernel[:3])}）所在机器没有安装 zhenxing 内核："
                           f"请在这些机器上运行 scripts/setup.sh 后重启 dask worker [worker_kernel_missing]")
    return sum(client.nthreads().values()) or 1


def run_package(meta: dict, dataset: Path, counties: set[str]) -> dict:
    """What every cluster task of a run shares: the dataset's metadata (only what a notebook
    needs: no path, no error messages), the policy files of the counties in the run, the
    dataset's label and the client's code fingerprint and version."""
    from zhenxing.report import notebook
    keep = ("name", "hash", "tables", "townships", "years", "absent_columns", "absent_columns_by_township")
    slim = {k: meta.get(k) for k in keep}
    slim.update(bad_townships=[], errors=[])
    files = {"defaults.yaml": paths.PARAMS / "defaults.yaml"}
    for c in sorted(counties):
        for name in (f"{c}.yaml", f"{c}.wording.yaml"):
            files[f"policy/{name}"] = paths.PARAMS / "policy" / name
    return {"meta": slim, "params": {k: f.read_bytes() for k, f in files.items() if f.is_file()},
            "label": notebook.dataset_label(dataset), "code": code_fingerprint(),
            "code_version": report.code_version()}


def township_tables(meta: dict, township: str) -> dict[str, bytes]:
    """One township's validated, pseudonymised tables as cached by contract.prepare
    (Parquet bytes; tables without rows for it are left out)."""
    entry = contract.cache_root() / meta["hash"][:20]
    out = {}
    for name in meta["tables"]:
        f = entry / name / f"{contract._safe(township)}.parquet"
        if f.exists():
            out[name] = f.read_bytes()
    return out


def _on_dask(address: str, jobs: dict, progress: Progress, package_of=None, on_result=None) -> list[Outcome]:
    """An existing Dask cluster: the same task per township, each carrying its data
    (`package_of(township)`) and returning its files, which `on_result` writes as they
    arrive. Only a bounded window of townships is in flight, so neither the client nor the
    scheduler holds the province. Dask reschedules the task of a worker that dies."""
    import uuid

    from distributed import Client, as_completed
    try:
        client = Client(address, timeout="30s")
    except (OSError, TimeoutError) as e:
        raise ClusterError(f"无法连接 Dask 调度器 {address}：{type(e).__name__}。请确认已运行 dask scheduler，"
                           f"地址和端口（默认 8786）正确、防火墙已放行 [scheduler_unreachable]") from None
    saved_cache = os.environ.get("ZHENXING_CACHE")
    done: list[Outcome] = []
    with client:
        threads = _check_workers(client, float(os.environ.get("ZHENXING_WAIT_WORKERS", "60")))
        window = max(2, int(os.environ.get("ZHENXING_IN_FLIGHT", "0")) or 2 * threads)
        run_id = uuid.uuid4().hex[:8]
        order = iter(jobs)
        futs: dict = {}
        sent: dict[str, int] = {}
        scattered: dict = {}
        ac = as_completed()

        lost: dict[str, int] = {}

        def submit_next() -> bool:
            t = next(order, None)
            if t is None:
                return False
            submit(t)
            return True

        def submit(t: str) -> None:
            job = dict(jobs[t])
            if package_of is not None:
                package = package_of(t)
                sent[t] = sum(len(v) for v in package["tables"].values()) + len(package.get("notes") or "")
                # the tables travel as data of their own, released with the task's result: a task
                # whose arguments held them stayed in memory on the client after it finished
                # (~0.5 MB per township, in Dask's record of the submitted graph)
                [data] = client.scatter([package], hash=False)
                scattered[t] = data
                job["package"] = data
                job["out"] = None
            f = client.submit(run_township, **job, pure=False, key=f"zhenxing-{run_id}-{len(futs)}-{t}-{lost.get(t, 0)}")
            futs[f] = t
            ac.add(f)

        for _ in range(window):
            if not submit_next():
                break
        try:
            for f in ac:
                t = futs.pop(f)
                retry = False
                try:
                    o = f.result()
                except BaseException as e:  # noqa: BLE001
                    if type(e).__name__ == "KilledWorker":
                        o = _worker_died(jobs[t])
                    elif "Cancelled" in type(e).__name__ and lost.get(t, 0) < 2:
                        retry = True  # its tables were on a worker that died: send them again
                    else:
                        o = Outcome(t, jobs[t]["county"], "failed", "worker", safe_error(e))
                f.release()
                del f
                if t in scattered:
                    scattered.pop(t).release()
                if retry:
                    lost[t] = lost.get(t, 0) + 1
                    submit(t)
                    continue
                o.sent = sent.pop(t, 0)
                if on_result is not None:
                    on_result(o)
                o.payload = None
                done.append(o)
                progress.update(o)
                submit_next()
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            client.cancel(list(futs))
            finished = {o.township for o in done}
            raise Interrupted(done, [t for t in jobs if t not in finished]) from None
        finally:
            if saved_cache is None:  # a worker thread in this process (LocalCluster(processes=False))
                os.environ.pop("ZHENXING_CACHE", None)
            else:
                os.environ["ZHENXING_CACHE"] = saved_cache
    return done


FORMATS = ("html", "pdf", "docx")


def check_args(*, formats=FORMATS, workers: int | None = None, report_date: str = "") -> tuple[str, ...]:
    """Checks that need no data: formats, workers, the form of the report date. Raises
    params.ParamError (Chinese message) before any work starts."""
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise params.ParamError(f"不支持的输出格式：{'、'.join(unknown) or '（空）'}；可选 html、pdf、docx，"
                                f"多个用逗号分隔，如 --formats html,pdf [bad_format]")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise params.ParamError(f"并行进程数应为不小于1的整数，收到：{workers} [bad_workers]")
    if report_date and str(report_date).strip():
        params.parse_date_arg(report_date)
    return formats


def check_run(meta: dict, year: int | None, report_date: str = "") -> tuple[int, str]:
    """Checks against the data: the year must be covered by the dataset (default: its latest
    year), the report date must fall in that year. Returns (year, ISO date or "")."""
    if year is None:
        if not meta["years"]:
            raise params.ParamError("数据集中没有任何年度的数据（各表均无年度或日期），无法确定报告年度 [no_years]")
        year = max(meta["years"])
    year = params.check_year(year, meta["years"])
    if report_date and str(report_date).strip():
        return year, params.report_date(year, report_date).isoformat()
    return year, ""


def run(dataset: Path, *, year: int | None = None, townships: list[str] | None = None,
        report_date: str = "", out: Path = paths.OUTPUTS, formats=FORMATS,
        workers: int | None = None, force: bool = False, scheduler: str | None = None) -> tuple[list[Outcome], dict]:
    """Every requested township of `dataset` for `year`, then the roll-ups. Bad arguments
    raise params.ParamError before any kernel starts; Ctrl-C raises Interrupted."""
    formats = check_args(formats=formats, workers=workers, report_date=report_date)
    dataset = Path(dataset).resolve()
    if sys.stderr.isatty():
        print("校验数据集（每个数据版本只做一次）…", file=sys.stderr, flush=True)
    # the cache is keyed by content: its meta may name another folder with the same files
    meta = {**contract.prepare(dataset), "path": str(dataset)}
    year, report_date = check_run(meta, year, report_date)
    all_towns = meta["townships"]
    wanted = townships or list(all_towns)
    outcomes: list[Outcome] = []
    tasks = []
    bad = set(meta["bad_townships"])
    every = "*" in bad
    for t in wanted:
        if t not in all_towns:
            outcomes.append(Outcome(t, "", "failed", "check", f"数据集中没有乡镇“{t}” [unknown_township]"))
        elif every or t in bad:
            errs = [e for e in meta["errors"] if e["township"] == t or (every and e["township"] is None)]
            first = errs[0]["message"] if errs else ""
            outcomes.append(Outcome(t, all_towns[t], "failed", "check",
                                    f"数据不符合规范（{len(errs)}处），如：{first}"))
        else:
            tasks.append(t)
    orphans = [e for e in meta["errors"] if e["township"] is None]
    if orphans and not every:  # rows that belong to no township: the dataset's own failure
        outcomes.append(Outcome(meta["name"], "", "failed", "check",
                                f"数据不符合规范（{len(orphans)}处不属于任何乡镇的记录），如：{orphans[0]['message']}"))
    for county in {all_towns[t] for t in tasks}:  # leftovers of a killed run
        for stale in (Path(out) / str(year) / county).glob(".*.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
    from zhenxing.run import kernels
    kernels.clean_stale()
    fingerprint = report.code_fingerprint()
    args = dict(dataset=str(dataset), year=int(year), report_date=report_date, out=str(out),
                formats=tuple(formats), force=force, fingerprint=fingerprint, dataset_hash=meta["hash"])
    progress = Progress(len(tasks))
    scheduler = scheduler or os.environ.get("ZHENXING_SCHEDULER")
    stamps = {}
    todo = []
    for t in tasks:  # unchanged townships are skipped here, before any task is sent
        stamps[t] = _stamp(t, all_towns[t], year, report_date, formats, fingerprint, meta["hash"])
        final = Path(out) / str(year) / all_towns[t] / t
        if not force and _is_current(final, stamps[t][1]):
            _clean_failed(Path(out), Path(out) / "failed" / str(year) / all_towns[t] / t)
            o = Outcome(t, all_towns[t], "skipped")
            outcomes.append(o)
            progress.update(o)
        else:
            todo.append(t)
    n = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
    jobs = {t: dict(township=t, county=all_towns[t], **args) for t in todo}
    try:
        if scheduler and todo:
            shared = run_package(meta, dataset, {all_towns[t] for t in todo})

            def package_of(t):
                nf = params.notes_file(year, all_towns[t], t)
                return {"run": shared, "tables": township_tables(meta, t),
                        "notes": nf.read_text(encoding="utf-8") if nf.is_file() else None}

            def on_result(o):
                publish(Path(out), year, o, *stamps[o.township])

            outcomes += _on_dask(scheduler, jobs, progress, package_of, on_result)
        elif todo:
            # forked workers inherit the notebooks' libraries and what preload prepares
            kernels.preload({all_towns[t] for t in todo}, year, formats)
            ahead = None
            if kernels.engine_name() == "zhenxing-inprocess":  # the county notebook runs here
                def ahead(done):
                    _pool_ahead(dataset, meta, year, report_date, Path(out), set(jobs), done)
            outcomes += _on_processes(n, jobs, progress, when_idle=ahead)
    except Interrupted as e:
        progress.end_line()
        for t in e.unfinished:  # the interrupted townships' temporary folders
            for stale in (Path(out) / str(year) / all_towns[t]).glob(f".{t}.tmp-*"):
                shutil.rmtree(stale, ignore_errors=True)
        e.finished = outcomes + e.finished
        e.year = year
        raise
    from zhenxing.run import site
    progress.step("生成县级汇总和目录")
    try:
        for county, error in site.write_rollups(Path(out), year, meta, outcomes, formats) or []:
            outcomes.append(Outcome(f"{county}县级总结", county, "failed", "县级总结", error))
    except KeyboardInterrupt:  # every township is done; the roll-up is redone by the next run
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        progress.end_line()
        e = Interrupted(outcomes, [])
        e.year = year
        raise e from None
    finally:
        from zhenxing.report import notebook
        notebook.forget_pooled()  # a head start the summaries did not take is of no further use
    if progress.tty:  # clear the live line before the summary
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    return outcomes, {"year": year, "meta": meta}


def _pool_ahead(dataset: Path, meta: dict, year: int, report_date: str, out: Path, running: set[str],
                done: list[Outcome]) -> None:
    """While the last townships render (a core of this process idle), compute each
    county's pooled indicators for the townships its summary will pool if they all
    succeed: this run's townships not failed so far, and the county's other townships
    already published with the same report date. The county summary uses the result only
    if it pools exactly those townships (notebook.county_context); it computes afresh
    otherwise, e.g. when one of the last townships fails."""
    from zhenxing.report import notebook
    from zhenxing.run import site
    skip = {o.township for o in done if o.status == "failed"} | set(meta["bad_townships"])
    d = params.report_date(year, report_date)
    towns = meta["townships"]
    for county in sorted({towns[t] for t in running}):
        published = site.published_indicators(out / str(year) / county, year, d)
        pool = [t for t, c in towns.items() if c == county and t not in skip and (t in running or t in published)]
        if not pool:
            continue
        try:
            notebook.pool_ahead(dataset, meta, county, year, report_date, pool)
        except Exception:  # noqa: BLE001 — only a head start: the summary computes it itself
            continue


def interrupted_line(finished: list[Outcome], unfinished: list[str], year=None) -> str:
    """The one line printed after Ctrl-C: what finished and how to resume."""
    ok = [o for o in finished if o.status in ("written", "skipped")]
    names = "、".join(o.township for o in ok[:5]) + ("等" if len(ok) > 5 else "")
    done = f"已完成 {len(ok)} 个乡镇（{names}）" if ok else "尚无乡镇完成"
    left = f"，未完成 {len(unfinished)} 个" if unfinished else ""
    y = f"{year}年" if year else ""
    return f"已中断：{y}{done}{left}；重新运行同一命令即可继续，已完成的乡镇会跳过 [interrupted]"


def document_options(*, charts: bool, signed_on: str, formats) -> None:
    """--charts and --signed-on, for every township's report (workers inherit them)."""
    from zhenxing.report import assemble as report_assemble
    from zhenxing.report import charts as report_charts
    os.environ[report_assemble.CHARTS_ENV] = "1" if charts else ""
    os.environ[report_charts.PNG_ENV] = "1" if charts and "docx" in formats else ""
    os.environ[report_assemble.SIGNED_ON_ENV] = params.parse_date_arg(signed_on).isoformat() if signed_on else ""


def run_cli(a) -> int:
    formats = tuple(f.strip() for f in (a.formats or "").split(",") if f.strip())
    try:
        document_options(charts=getattr(a, "charts", False), signed_on=getattr(a, "signed_on", ""), formats=formats)
        outcomes, info = run(Path(a.dataset), year=a.year, townships=a.township, report_date=a.report_date or "",
                             out=Path(a.out), formats=formats, workers=a.workers, force=a.force,
                             scheduler=a.scheduler)
    except params.ParamError as e:
        print(f"参数错误：{e}", file=sys.stderr)
        return 2
    except (contract.StructureError, FileNotFoundError, NotADirectoryError) as e:
        print(contract.mask_text(str(e)), file=sys.stderr)
        return 1
    except ClusterError as e:
        print(f"集群错误：{e}", file=sys.stderr)
        return 1
    except Interrupted as e:
        print(interrupted_line(e.finished, e.unfinished, getattr(e, "year", None)), file=sys.stderr, flush=True)
        return 130
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print(interrupted_line([], []), file=sys.stderr, flush=True)
        return 130
    written = [o for o in outcomes if o.status == "written"]
    skipped = [o for o in outcomes if o.status == "skipped"]
    failed = [o for o in outcomes if o.status == "failed"]
    print(f"{info['year']}年：生成 {len(written)} 个乡镇报告，未变化跳过 {len(skipped)} 个，失败 {len(failed)} 个；输出目录 {a.out}")
    if failed:
        print("\n失败清单 [failures]:", file=sys.stderr)
        print("乡镇（或数据集）\t步骤\t原因", file=sys.stderr)
        for o in failed:
            print(f"{o.township}\t{STEP_ZH.get(o.step, o.step)}\t{o.error}", file=sys.stderr)
        return 1
    return 0


STEP_ZH = {"check": "数据校验", "notebooks": "笔记本", "report": "汇编报告", "render": "渲染", "worker": "工作进程"}
