"""Warm kernels for papermill: one kernel per worker process, reused across notebooks.

Starting a kernel and importing pandas/matplotlib costs about a second per notebook;
a batch runs five notebooks per township. A worker keeps one kernel alive, and before
each notebook clears its namespace (`%reset -f`, closes figures), so every notebook
starts from a clean namespace with the libraries already imported. The kernel is
restarted after an error and every `RESTART_EVERY` runs, so no state can build up.
A test checks the results are identical to a fresh-kernel run.

Kernels talk over IPC sockets in a private temporary folder (no TCP port, nothing for
ipykernel to warn about) and log only errors, so nothing of theirs reaches the user's
console. A worker's kernels are shut down when the worker process ends, also a pool
worker (multiprocessing finalizer), so no kernel is left waiting for a parent that is gone.

Registered with papermill as the engine `zhenxing-warm`. A cluster task passes
`params_dir=` (the client's policy files, shipped with the task): the reset before each
notebook points `zhenxing.paths.PARAMS` of the kernel there, and back to the project's
own `params/` otherwise, so a kernel never keeps another run's policy.
"""
from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import threading

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

RESTART_EVERY = int(os.environ.get("ZHENXING_KERNEL_RESTART_EVERY", "100"))
# `%reset -f` and closing every figure, without the reset's two full garbage collections
# (0.16 s of the 0.25 s a reset cost, eight times per township): see notebook.reset_namespace
RESET = "import zhenxing.notebook as _zn\n_zn.reset_namespace()\n"
WARM_UP = "import pandas, matplotlib.pyplot, zhenxing.notebook, zhenxing.charts\nzhenxing.charts.setup()\n"

_state = threading.local()  # one kernel per worker thread (Dask workers run tasks in threads)
_all: dict = {}  # kernel manager → the process that started it
_count = itertools.count()
_finalizer_pid = None
# ipykernel's own log (TCP warning, "Parent appears to have exited") stays out of the console
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL"]


def ipc_dir() -> str:
    """This process's folder for kernel sockets and connection files (removed at exit)."""
    return os.path.join(tempfile.gettempdir(), f"zhenxing-ipc-{os.getpid()}")


def clean_stale() -> None:
    """Remove the socket folders of processes that are gone (a worker killed outright)."""
    import glob
    for d in glob.glob(os.path.join(tempfile.gettempdir(), "zhenxing-ipc-*")):
        try:
            pid = int(d.rsplit("-", 1)[1])
            os.kill(pid, 0)
        except ValueError:
            continue
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except OSError:
            continue


def _on_exit_of_this_process() -> None:
    """Stop this process's kernels when it ends — also a multiprocessing worker, which
    skips atexit."""
    global _finalizer_pid
    if _finalizer_pid == os.getpid():
        return
    _finalizer_pid = os.getpid()
    from multiprocessing import util
    util.Finalize(None, _shutdown_all, exitpriority=100)


def _new_manager(kernel_name: str):
    from jupyter_client import KernelManager
    d = ipc_dir()
    os.makedirs(d, mode=0o700, exist_ok=True)
    n = next(_count)
    km = KernelManager(kernel_name=kernel_name, transport="ipc", ip=os.path.join(d, f"k{n}"))
    km.connection_file = os.path.join(d, f"kernel-{n}.json")
    return km


def _manager(kernel_name: str, cwd: str):
    """This thread's kernel, started on first use (and after a restart)."""
    km = getattr(_state, "km", None)
    if km is not None and getattr(_state, "pid", None) != os.getpid():  # a forked copy of the parent's
        _state.km = _state.kc = km = None
    env_cache = os.environ.get("ZHENXING_CACHE")
    if km is not None and (not km.is_alive() or _state.runs >= RESTART_EVERY or _state.cwd != cwd
                           or getattr(_state, "cache", None) != env_cache):
        shutdown()
        km = None
    if km is None:
        _on_exit_of_this_process()
        km = _new_manager(kernel_name)
        km.start_kernel(cwd=cwd, extra_arguments=KERNEL_ARGS)
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        _state.km, _state.kc, _state.runs, _state.cwd, _state.pid = km, kc, 0, cwd, os.getpid()
        _state.cache = env_cache  # the cache folder the kernel was started with (ZHENXING_CACHE)
        _all[km] = os.getpid()
        _run(kc, WARM_UP)
    return km


def _run(kc, code: str) -> None:
    reply = kc.execute_interactive(code, timeout=120, store_history=False, output_hook=lambda msg: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError("kernel set-up code failed")


def _reset(km, params_dir: str | None = None) -> None:
    target = f"_zpl.Path({str(params_dir)!r})" if params_dir else "_zp.ROOT / 'params'"
    _run(_state.kc, RESET + f"import zhenxing.paths as _zp, pathlib as _zpl\n_zp.PARAMS = {target}\ndel _zp, _zpl\n")


def shutdown() -> None:
    """Stop this thread's kernel."""
    km = getattr(_state, "km", None)
    if km is not None and getattr(_state, "pid", None) == os.getpid():
        try:
            _state.kc.stop_channels()
        except Exception:  # noqa: BLE001
            pass
        _stop(km)
        _state.km = _state.kc = None


def _stop(km) -> None:
    _all.pop(km, None)
    try:
        km.shutdown_kernel(now=True)
    except Exception:  # noqa: BLE001 — a dead kernel is already shut down
        pass
    try:
        km.cleanup_resources()
    except Exception:  # noqa: BLE001
        pass


@atexit.register
def _shutdown_all() -> None:
    for km, pid in list(_all.items()):
        if pid == os.getpid():
            _stop(km)
    shutil.rmtree(ipc_dir(), ignore_errors=True)


class WarmEngine(NBClientEngine):
    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
        cwd = kwargs.get("cwd") or os.getcwd()
        params_dir = kwargs.pop("params_dir", None)
        km = _manager(kernel_name, cwd)
        try:
            _reset(km, params_dir)
        except Exception:  # noqa: BLE001 — a kernel that cannot reset is replaced
            shutdown()
            km = _manager(kernel_name, cwd)
            _reset(km, params_dir)
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                             kernel_name=kernel_name, log=None, log_output=log_output,
                             stdout_file=stdout_file, stderr_file=stderr_file)
        final = {k: v for k, v in final.items() if v is not None or k == "timeout"}
        client = PapermillNotebookClient(nb_man, km=km, **final)
        client.kc = _state.kc  # the worker's open client: no new channels per notebook
        ok = False
        try:
            nb = client.execute()
            ok = not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
            return nb
        finally:
            _state.runs += 1
            if not ok:
                shutdown()  # never reuse a kernel after an error


papermill_engines.register("zhenxing-warm", WarmEngine)
