"""One township's run: its notebooks, summary and formats built in a private folder, then
published into the output tree with a stamp (written last) that a re-run checks."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from zhenxing.data import contract, params, paths
from zhenxing.report import assemble as report
from zhenxing.report.notebook import atomic_write
from zhenxing.report.published import STAMP, stamp_key
from zhenxing.run.failure import safe_error
from zhenxing.topics.registry import TOPICS

CELL_TIMEOUT = int(os.environ.get("ZHENXING_CELL_TIMEOUT", "600"))  # seconds per notebook cell
REVIEW_ENV = "ZHENXING_REVIEW"   # "off": no data review beside the reports (for benchmarks: bench/run.py --review)


def review_wanted() -> bool:
    """Whether the data review goes beside each township's reports (the default; read in
    the worker, so workers forked from a fork server follow it too)."""
    return os.environ.get(REVIEW_ENV, "").strip().lower() not in ("off", "0", "no")


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


def stamp_of(township: str, county: str, year: int, report_date: str, formats, fingerprint: str,
           dataset_hash: str, data_key: str | None = None, dataset: str | None = None) -> tuple[dict, str]:
    """What a township's reports were made from (its own data, parameters, notes, its
    county's policy and wording, code) and its key: a rerun skips a township whose stamp
    key is unchanged. ``data_key`` is the township's own data (``contract.township_key``),
    so a change to another township's rows, or to another county's policy, rebuilds only
    what it touches; without it the whole dataset's hash stands in."""
    stamp = {"dataset": data_key or dataset_hash, "township": township, "year": year, "report_date": report_date,
             "formats": sorted(formats), "code": fingerprint,
             "notes": _file_hash(params.notes_file(year, county, township)),
             "policy": params.policy(county, year), "wording": params.wording(county),
             "rules": [_file_hash(paths.LIB / "review" / "rules.yaml"),  # the review beside the reports
                       _file_hash(paths.PARAMS / "policy" / f"{county}.rules.yaml")],
             "narrative": narrative_hash(dataset_hash, year, township, dataset)}   # the writer's own words
    if not review_wanted():   # (only then: the stamps of ordinary runs stay as they were)
        stamp["review"] = False
    return stamp, hashlib.sha256(json.dumps(stamp, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def narrative_hash(dataset_hash: str, year: int, name: str, dataset: str | None = None) -> str | None:
    """The content hash of the writer's file of (name, year) — in ``dataset`` (else the
    folder the cache recorded for ``dataset_hash``), or ``$ZHENXING_NARRATIVE``; None
    without one."""
    from zhenxing.report import narrative
    if dataset is not None:
        return narrative.digest(narrative.file_of(dataset, year, name))
    folder = None
    try:
        meta = json.loads((contract.cache_root() / dataset_hash[:20] / "meta.json").read_text(encoding="utf-8"))
        folder = meta.get("path")
    except (OSError, ValueError):
        pass
    if folder is None and not os.environ.get(narrative.ENV, "").strip():
        return None
    return narrative.digest(narrative.file_of(folder, year, name))


def is_current(final: Path, key: str) -> bool:
    return stamp_key(final / STAMP) == key


def build(work: Path, dataset: str, township: str, county: str, year: int, report_date: str, formats,
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
    if not review_wanted():
        return
    state["step"] = "review"  # 疑点核查.xlsx beside the reports, published with them
    from zhenxing.report.notebook import township_tables
    from zhenxing.review import beside as review
    with (view() if view else contextlib.nullcontext()):  # the tables the notebooks read (in-process engine)
        review.write_beside(work, dataset, township, county, year, report_date,
                            tables=township_tables(dataset, township))


def run_township(dataset: str, township: str, county: str, year: int, report_date: str, out: str | None,
                 formats: tuple[str, ...], force: bool, fingerprint: str, dataset_hash: str,
                 package: dict | None = None, data_key: str | None = None) -> Outcome:
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
    stamp, stamp_key = stamp_of(township, county, year, report_date, formats, fingerprint, dataset_hash, data_key,
                                dataset=dataset)
    if not force and (final / STAMP).exists() and is_current(final, stamp_key):
        clean_failed(Path(out), failed_dir)
        return Outcome(township, county, "skipped", seconds=time.perf_counter() - t0)
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{township}.tmp-"))
    work.chmod(0o755)
    state = {"step": "notebooks"}
    try:
        build(work, dataset, township, county, year, report_date, formats, dataset_hash,
               notes=params.notes_file(year, county, township), state=state)
        atomic_write(work / STAMP, json.dumps({"key": stamp_key, **stamp}, ensure_ascii=False, indent=1))
        _replace_dir(work, final)
        clean_failed(Path(out), failed_dir)
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
        clean_failed(Path(out), failed_dir)


def clean_failed(out: Path, failed_dir: Path) -> None:
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
        pointer = cache / "by-stat" / contract.stat_key(ds)
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
        atomic_write(entry / name / f"{contract.partition_stem(township)}.parquet", data)
    return ds, view


def _unlay(root: Path, run: dict, township: str, tables: dict[str, bytes]) -> None:
    entry = root / "cache" / run["meta"]["hash"][:20]
    for name in tables:
        try:
            (entry / name / f"{contract.partition_stem(township)}.parquet").unlink()
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
        os.environ.update(run.get("options") or {})   # this run's --charts / --signed-on
        ds, view = _materialise(root, run, township, tables)
        if package.get("narrative") is not None:   # the writer's file, where the dataset's would be
            import zhenxing.audit.writers  # noqa: F401 — the check of its numbers, on the worker too
            from zhenxing.report import narrative
            atomic_write(narrative.file_of(ds, year, township), package["narrative"])
        work = Path(tempfile.mkdtemp(dir=root / "tasks", prefix="t-"))
        notes = None
        if package.get("notes") is not None:
            notes = work.with_name(work.name + ".notes.md")
            notes.write_text(package["notes"], encoding="utf-8")
        state["step"] = "notebooks"
        build(work, str(ds), township, county, year, report_date, formats, dataset_hash, notes=notes,
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


def worker_died(job: dict) -> Outcome:
    return Outcome(job["township"], job["county"], "failed", "worker",
                   "工作进程两次意外退出（内存不足或被终止）[worker_died]")
