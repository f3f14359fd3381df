"""Batch runs: every township of a dataset for a year → notebooks, reports, roll-up, index.

One validation per dataset version (contract.prepare caches it), then one task per
township: its five topic notebooks under papermill, the summary assembled from their
outputs and rendered. Tasks run in parallel processes; a failing township never stops
the others; every township's folder is built in a temporary folder and renamed into
place only when complete.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from . import contract, params, paths, report
from .notebook import TOPICS, atomic_write

STAMP = ".zhenxing-run.json"
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


def _safe_error(e: BaseException) -> str:
    """An error for the failure table: its kind and a masked message (no raw ids)."""
    from papermill.exceptions import PapermillExecutionError
    if isinstance(e, PapermillExecutionError):
        return f"笔记本第{e.exec_count or e.cell_index}个单元格出错：{e.ename}: {contract.mask_text(str(e.evalue))[:300]}"
    return f"{type(e).__name__}: {contract.mask_text(str(e))[:500]}"


def run_township(dataset: str, township: str, county: str, year: int, report_date: str, out: str,
                 formats: tuple[str, ...], force: bool, fingerprint: str, dataset_hash: str) -> Outcome:
    """Everything for one (township, year); returns an Outcome, never raises."""
    import papermill as pm

    from . import kernels  # noqa: F401 — registers the warm-kernel engine
    engine = "zhenxing-warm" if os.environ.get("ZHENXING_ENGINE", "warm") == "warm" else None
    t0 = time.perf_counter()
    final = Path(out) / str(year) / county / township
    failed_dir = Path(out) / "failed" / str(year) / county / township
    stamp = {"dataset": dataset_hash, "township": township, "year": year, "report_date": report_date,
             "formats": sorted(formats), "code": fingerprint,
             "notes": _file_hash(params.notes_file(year, county, township)),
             "policy": params.policy(county, year)}
    stamp_key = hashlib.sha256(json.dumps(stamp, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    if not force and (final / STAMP).exists():
        try:
            if json.loads((final / STAMP).read_text(encoding="utf-8")).get("key") == stamp_key:
                _clean_failed(Path(out), failed_dir)
                return Outcome(township, county, "skipped", seconds=time.perf_counter() - t0)
        except ValueError:
            pass
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{township}.tmp-"))
    work.chmod(0o755)
    step = "notebooks"
    try:
        parameters = {"dataset": str(dataset), "township": township, "year": int(year),
                      "report_date": report_date, "out_dir": str(work)}
        for topic in TOPICS:
            step = f"{topic}.ipynb"
            pm.execute_notebook(str(paths.NOTEBOOKS / f"{topic}.ipynb"), str(work / f"{topic}.ipynb"),
                                parameters=parameters, kernel_name="zhenxing", cwd=str(paths.NOTEBOOKS),
                                progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                                engine_name=engine, execution_timeout=CELL_TIMEOUT)
        step = "report"
        title, md = report.assemble(work, dataset_name=Path(dataset).name, dataset_hash=dataset_hash,
                                    parameters={k: v for k, v in parameters.items() if k != "out_dir"},
                                    notes=params.notes_file(year, county, township))
        atomic_write(work / "report.md", md)
        step = "render"
        from . import render
        render.render(md, work, title=title, formats=formats, resources=work)
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
        return Outcome(township, county, "failed", step=step, error=_safe_error(e),
                       seconds=time.perf_counter() - t0)


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


def _collect(futs: dict, progress: Progress, on_error, done: list) -> list[str]:
    """Outcomes of finished futures go into `done`; townships whose worker died are
    returned for a retry."""
    retry = []
    for f in as_completed(futs):
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
    victims = []
    for p in procs:
        try:
            w = psutil.Process(p.pid)
            kids = w.children(recursive=True)  # the worker's kernels (read before it dies)
        except psutil.NoSuchProcess:
            continue
        victims += [w, *kids]
    for v in victims:
        try:
            v.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(victims, timeout=5)
    for p in procs:
        shutil.rmtree(Path(tempfile.gettempdir()) / f"zhenxing-ipc-{p.pid}", ignore_errors=True)
    pool.shutdown(wait=True, cancel_futures=True)


def _worker_died(job: dict) -> Outcome:
    return Outcome(job["township"], job["county"], "failed", "worker",
                   "工作进程两次意外退出（内存不足或被终止）[worker_died]")


def _on_processes(n: int, jobs: dict, progress: Progress) -> list[Outcome]:
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
        ctx.set_forkserver_preload(["zhenxing.batch", "zhenxing.kernels", "zhenxing.render", "zhenxing.report"])
    out, deaths = [], {t: 0 for t in jobs}

    def on_error(t, e):
        if isinstance(e, BrokenProcessPool):
            deaths[t] += 1
            return None if deaths[t] < 2 else _worker_died(jobs[t])
        return Outcome(t, jobs[t]["county"], "failed", "worker", _safe_error(e))

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
            try:
                pending = _collect(futs, progress, on_error, out)
                pool.shutdown(wait=True)
            except KeyboardInterrupt:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not break the clean-up
                _stop_pool(pool, futs)
                finished = {o.township for o in out}
                raise Interrupted(out, [t for t in order if t not in finished]) from None
    return out


def _on_dask(address: str, jobs: dict, progress: Progress) -> list[Outcome]:
    """An existing Dask cluster: the same task per township (Dask reschedules the tasks of
    a worker that dies)."""
    from distributed import Client
    with Client(address, timeout="30s") as client:
        pool = client.get_executor(pure=False)
        futs = {pool.submit(run_township, **job): t for t, job in jobs.items()}
        done: list[Outcome] = []
        try:
            _collect(futs, progress, lambda t, e: Outcome(t, jobs[t]["county"], "failed", "worker", _safe_error(e)),
                     done)
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            client.cancel(list(futs))
            finished = {o.township for o in done}
            raise Interrupted(done, [t for t in jobs if t not in finished]) from None
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
    meta = contract.prepare(dataset)
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
    from . import kernels
    kernels.clean_stale()
    fingerprint = report.code_fingerprint()
    args = dict(dataset=str(dataset), year=int(year), report_date=report_date, out=str(out),
                formats=tuple(formats), force=force, fingerprint=fingerprint, dataset_hash=meta["hash"])
    progress = Progress(len(tasks))
    scheduler = scheduler or os.environ.get("ZHENXING_SCHEDULER")
    n = max(1, min(workers or os.cpu_count() or 1, len(tasks) or 1))
    jobs = {t: dict(township=t, county=all_towns[t], **args) for t in tasks}
    try:
        if scheduler:
            outcomes += _on_dask(scheduler, jobs, progress)
        elif tasks:
            outcomes += _on_processes(n, jobs, progress)
    except Interrupted as e:
        progress.end_line()
        for t in e.unfinished:  # the interrupted townships' temporary folders
            for stale in (Path(out) / str(year) / all_towns[t]).glob(f".{t}.tmp-*"):
                shutil.rmtree(stale, ignore_errors=True)
        e.finished = outcomes + e.finished
        e.year = year
        raise
    from . import site
    progress.step("生成县级汇总和目录")
    try:
        site.write_rollups(Path(out), year, meta, outcomes, formats)
    except KeyboardInterrupt:  # every township is done; the roll-up is redone by the next run
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        progress.end_line()
        e = Interrupted(outcomes, [])
        e.year = year
        raise e from None
    if progress.tty:  # clear the live line before the summary
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    return outcomes, {"year": year, "meta": meta}


def interrupted_line(finished: list[Outcome], unfinished: list[str], year=None) -> str:
    """The one line printed after Ctrl-C: what finished and how to resume."""
    ok = [o for o in finished if o.status in ("written", "skipped")]
    names = "、".join(o.township for o in ok[:5]) + ("等" if len(ok) > 5 else "")
    done = f"已完成 {len(ok)} 个乡镇（{names}）" if ok else "尚无乡镇完成"
    left = f"，未完成 {len(unfinished)} 个" if unfinished else ""
    y = f"{year}年" if year else ""
    return f"已中断：{y}{done}{left}；重新运行同一命令即可继续，已完成的乡镇会跳过 [interrupted]"


def run_cli(a) -> int:
    formats = tuple(f.strip() for f in (a.formats or "").split(",") if f.strip())
    try:
        outcomes, info = run(Path(a.dataset), year=a.year, townships=a.township, report_date=a.report_date or "",
                             out=Path(a.out), formats=formats, workers=a.workers, force=a.force,
                             scheduler=a.scheduler)
    except params.ParamError as e:
        print(f"参数错误：{e}", file=sys.stderr)
        return 2
    except (contract.StructureError, FileNotFoundError, NotADirectoryError) as e:
        print(contract.mask_text(str(e)), file=sys.stderr)
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
