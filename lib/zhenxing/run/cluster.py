"""Township runs on a Dask cluster: a task carries its township's tables and returns its
files, so workers need no shared disk; the code and parameters travel as a package."""
from __future__ import annotations

import os
import signal
from pathlib import Path

from zhenxing.data import contract, paths
from zhenxing.report import assemble as report
from zhenxing.run.failure import safe_error
from zhenxing.run.progress import Progress
from zhenxing.run.township import Interrupted, Outcome, code_fingerprint, run_township, worker_died, worker_identity


class ClusterError(Exception):
    """The cluster cannot take the batch (unreachable, no workers, other code); Chinese message."""


def check_workers(client, wait: float) -> int:
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
    keep = ("name", "hash", "tables", "townships", "years", "absent_columns", "absent_columns_by_township",
            "township_hashes", "rules")   # (rules: the worker's cache entry is taken as validated)
    slim = {k: meta.get(k) for k in keep}
    slim.update(bad_townships=[], errors=[])
    files = {"defaults.yaml": paths.PARAMS / "defaults.yaml"}
    for c in sorted(counties):
        for name in (f"{c}.yaml", f"{c}.wording.yaml", f"{c}.rules.yaml"):
            files[f"policy/{name}"] = paths.PARAMS / "policy" / name
    from zhenxing.report import options
    return {"meta": slim, "params": {k: f.read_bytes() for k, f in files.items() if f.is_file()},
            # --charts and --signed-on: the workers' processes do not inherit the client's environment
            "options": {k: os.environ.get(k, "") for k in (options.CHARTS_ENV, options.SIGNED_ON_ENV, options.PNG_ENV)},
            "label": notebook.dataset_label(dataset), "code": code_fingerprint(),
            "code_version": report.code_version()}


def township_tables(meta: dict, township: str) -> dict[str, bytes]:
    """One township's validated, pseudonymised tables as cached by contract.prepare
    (Parquet bytes; tables without rows for it are left out)."""
    entry = contract.cache_root() / meta["hash"][:20]
    out = {}
    for name in meta["tables"]:
        f = entry / name / f"{contract.partition_stem(township)}.parquet"
        if f.exists():
            out[name] = f.read_bytes()
    return out


def reachable(address: str, seconds: float = 3.0) -> None:
    """Raise OSError at once when nothing listens at the scheduler's address (a TCP
    connection attempt of a few seconds), rather than after the client's long timeout."""
    import socket
    from urllib.parse import urlsplit
    u = urlsplit(address if "://" in address else f"tcp://{address}")
    if u.scheme not in ("tcp", "tls") or not u.hostname:
        return  # another transport (inproc, ucx): let the client say
    with socket.create_connection((u.hostname, u.port or 8786), timeout=seconds):
        pass


def on_dask(address: str, jobs: dict, progress: Progress, package_of=None, on_result=None) -> list[Outcome]:
    """An existing Dask cluster: the same task per township, each carrying its data
    (`package_of(township)`) and returning its files, which `on_result` writes as they
    arrive. Only a bounded window of townships is in flight, so neither the client nor the
    scheduler holds the province. Dask reschedules the task of a worker that dies."""
    import uuid

    from distributed import Client, as_completed
    try:
        reachable(address)
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError) as e:
        raise ClusterError(f"无法连接 Dask 调度器 {address}：{type(e).__name__}。请确认已运行 dask scheduler，"
                           f"地址和端口（默认 8786）正确、防火墙已放行 [scheduler_unreachable]") from None
    saved_cache = os.environ.get("ZHENXING_CACHE")
    done: list[Outcome] = []
    with client:
        threads = check_workers(client, float(os.environ.get("ZHENXING_WAIT_WORKERS", "60")))
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
                        o = worker_died(jobs[t])
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
