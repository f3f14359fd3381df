"""Batch runs: every township of a dataset for a year → notebooks, reports, roll-up, index.

One validation per dataset version (contract.prepare caches it), then one task per
township: its five topic notebooks under papermill, the summary assembled from their
outputs and rendered. Tasks run in parallel processes; a failing township never stops
the others; every township's folder is built in a temporary folder and renamed into
place only when complete.
"""
from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from zhenxing.data import contract, params, paths
from zhenxing.report import assemble as report
from zhenxing.report.narrative import file_of as writers_file
from zhenxing.run.cluster import ClusterError, on_dask, run_package, township_tables
from zhenxing.run.failure import safe_error
from zhenxing.run.progress import Progress
from zhenxing.run.township import (
    Interrupted,
    Outcome,
    clean_failed,
    is_current,
    publish,
    run_township,
    stamp_of,
    worker_died,
)

# Worker processes are replaced after about this many townships each, so no memory
# builds up over a county.
TASKS_PER_WORKER = int(os.environ.get("ZHENXING_TASKS_PER_WORKER", "25"))
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


# A young-generation collection every this many allocations in a worker (Python's
# default 700 runs ~75 of them per township over pandas and matplotlib objects that live
# until the township ends; the objects inherited from the batch process are frozen).
WORKER_GC_THRESHOLD = 10_000


def _worker_init(workers: int = 1) -> None:
    """Workers leave Ctrl-C to the batch process, which stops them and their kernels.
    With a worker per core, Typst lays out on one thread (its thread pool only adds CPU
    time when every core already has a township: ~15 % of its compile), unless
    ``RAYON_NUM_THREADS`` says otherwise."""
    import gc
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])
    if workers >= (os.cpu_count() or 1):
        os.environ.setdefault("RAYON_NUM_THREADS", "1")


def _stop_pool(pool, futs) -> None:
    """Cancel queued townships and stop the workers and their kernels at once."""
    import threading

    import psutil
    default_hook = threading.excepthook

    def quiet(args):  # the pool's own thread then sets an error on a future already cancelled
        if args.exc_type.__name__ != "InvalidStateError":   # (CPython prints "InvalidStateError: CANCELLED")
            default_hook(args)
    threading.excepthook = quiet
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
                                    "IPython.core.interactiveshell", "papermill", "nbformat",
                                    "zhenxing.review.beside"])
    out, deaths = [], {t: 0 for t in jobs}

    def on_error(t, e):
        if isinstance(e, BrokenProcessPool):
            deaths[t] += 1
            return None if deaths[t] < 2 else worker_died(jobs[t])
        return Outcome(t, jobs[t]["county"], "failed", "worker", safe_error(e))

    import functools
    import gc
    for start in range(0, len(order), size):
        pending = order[start:start + size]
        while pending:
            # workers are started with Ctrl-C blocked, then ignore it (see _worker_init)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            if ctx.get_start_method() == "fork":
                # what the workers inherit (libraries, the county's tables) is never
                # collected: no worker's collections walk it (nor write to its pages)
                gc.freeze()
            try:
                pool = ProcessPoolExecutor(max_workers=min(n, len(pending)), mp_context=ctx,
                                           initializer=functools.partial(_worker_init, min(n, len(pending))))
                futs = {pool.submit(run_township, **jobs[t]): t for t in pending}  # (forks them all)
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
                gc.unfreeze()  # this process collects as before
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
    unknown = [t for t in wanted if t not in all_towns]
    if unknown:
        raise params.ParamError(f"数据集中没有乡镇“{'、'.join(unknown)}”；数据集中的乡镇有：{'、'.join(all_towns)} "
                                "[unknown_township]")
    for w in meta.get("warnings") or []:  # an optional table that could not be read: left out
        print(f"注意：{contract.mask_text(w['message'] if isinstance(w, dict) else str(w))}", file=sys.stderr)
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
    fingerprint = report.code_fingerprint()
    args = dict(dataset=str(dataset), year=int(year), report_date=report_date, out=str(out),
                formats=tuple(formats), force=force, fingerprint=fingerprint, dataset_hash=meta["hash"])
    progress = Progress(len(tasks))
    scheduler = scheduler or os.environ.get("ZHENXING_SCHEDULER")
    stamps = {}
    todo = []
    for t in tasks:  # unchanged townships are skipped here, before any task is sent
        stamps[t] = stamp_of(t, all_towns[t], year, report_date, formats, fingerprint, meta["hash"],
                             contract.township_key(meta, t), dataset=str(dataset))
        final = Path(out) / str(year) / all_towns[t] / t
        if not force and is_current(final, stamps[t][1]):
            clean_failed(Path(out), Path(out) / "failed" / str(year) / all_towns[t] / t)
            o = Outcome(t, all_towns[t], "skipped")
            outcomes.append(o)
            progress.update(o)
        else:
            todo.append(t)
    n = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
    jobs = {t: dict(township=t, county=all_towns[t], data_key=contract.township_key(meta, t), **args) for t in todo}
    try:
        if scheduler and todo:
            shared = run_package(meta, dataset, {all_towns[t] for t in todo})

            def package_of(t):
                nf = params.notes_file(year, all_towns[t], t)
                wf = writers_file(dataset, year, t)   # the writer's own words travel with the task
                return {"run": shared, "tables": township_tables(meta, t),
                        "notes": nf.read_text(encoding="utf-8") if nf.is_file() else None,
                        "narrative": wf.read_text(encoding="utf-8") if wf.is_file() else None}

            def on_result(o):
                publish(Path(out), year, o, *stamps[o.township])

            outcomes += on_dask(scheduler, jobs, progress, package_of, on_result)
        elif todo:
            from zhenxing.run import kernels  # (papermill: not imported by a run with nothing to do)
            kernels.clean_stale()
            # forked workers inherit the notebooks' libraries and what preload prepares
            kernels.preload({all_towns[t] for t in todo}, year, formats)
            ahead = None
            if kernels.engine_name() == "zhenxing-inprocess":  # the county notebook runs here
                def ahead(done):
                    _pool_ahead(dataset, meta, year, report_date, Path(out), set(jobs), done,
                                formats=formats, expected={t: stamps[t][1] for t in jobs})
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
                done: list[Outcome], *, formats=FORMATS, expected: dict | None = None) -> None:
    """While the last townships render (a core of this process idle), compute each
    county's pooled indicators for the townships its summary will pool if they all
    succeed: this run's townships not failed so far, and the county's other townships
    already published with the same report date. The county summary uses the result only
    if it pools exactly those townships (notebook.county_context); it computes afresh
    otherwise, e.g. when one of the last townships fails. Not for a county whose summary
    will be kept as it is (``expected``: the stamp keys this run's townships will be
    published with; a ``--force`` run of unchanged townships): that would only take CPU
    from the townships still running."""
    from zhenxing.report import notebook
    from zhenxing.run import site
    skip = {o.township for o in done if o.status == "failed"} | set(meta["bad_townships"])
    d = params.report_date(year, report_date)
    towns = meta["townships"]
    for county in sorted({towns[t] for t in running}):
        mine = {t: k for t, k in (expected or {}).items() if towns.get(t) == county}
        if expected is not None and not skip & set(expected) \
                and site.summary_current_after(out, year, county, meta, formats, mine):
            continue
        published = site.published_indicators(out / str(year) / county, year, d)
        pool = [t for t, c in towns.items() if c == county and t not in skip and (t in running or t in published)]
        if not pool:
            continue
        try:
            notebook.pool_ahead(dataset, meta, county, year, report_date, pool)
        except Exception:  # noqa: BLE001 — only a head start: the summary computes it itself
            continue


def interrupted_line(finished: list[Outcome], unfinished: list[str], year=None, force: bool = False) -> str:
    """The one line printed after Ctrl-C: what finished and how to resume. With --force the
    same command would rebuild everything again, so it says to run without it."""
    ok = [o for o in finished if o.status in ("written", "skipped")]
    names = "、".join(o.township for o in ok[:5]) + ("等" if len(ok) > 5 else "")
    done = f"已完成 {len(ok)} 个乡镇（{names}）" if ok else "尚无乡镇完成"
    left = f"，未完成 {len(unfinished)} 个" if unfinished else ""
    y = f"{year}年" if year else ""
    how = ("去掉 --force 后重新运行即可继续（带 --force 会全部重建）" if force
           else "重新运行同一命令即可继续")
    return f"已中断：{y}{done}{left}；{how}，已完成的乡镇会跳过 [interrupted]"


def document_options(*, charts: bool, signed_on: str, formats) -> None:
    """--charts and --signed-on, for every township's report (workers inherit them)."""
    from zhenxing.report import options
    os.environ[options.CHARTS_ENV] = "1" if charts else ""
    os.environ[options.PNG_ENV] = "1" if charts and "docx" in formats else ""
    os.environ[options.SIGNED_ON_ENV] = params.parse_date_arg(signed_on).isoformat() if signed_on else ""


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
        print(interrupted_line(e.finished, e.unfinished, getattr(e, "year", None), force=a.force),
              file=sys.stderr, flush=True)
        return 130
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print(interrupted_line([], [], force=a.force), file=sys.stderr, flush=True)
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
