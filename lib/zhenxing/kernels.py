"""Warm kernels for papermill: one kernel per worker process, reused across notebooks.

Starting a kernel and importing pandas/matplotlib costs about a second per notebook;
a batch runs five notebooks per township. A worker keeps one kernel alive, and before
each notebook clears its namespace (`%reset -f`, closes figures), so every notebook
starts from a clean namespace with the libraries already imported. The kernel is
restarted after an error and every `RESTART_EVERY` runs, so no state can build up.
A test checks the results are identical to a fresh-kernel run.

Registered with papermill as the engine `zhenxing-warm`.
"""
from __future__ import annotations

import atexit
import os
import threading

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

RESTART_EVERY = int(os.environ.get("ZHENXING_KERNEL_RESTART_EVERY", "100"))
RESET = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt\n"
WARM_UP = "import pandas, matplotlib.pyplot, zhenxing.notebook, zhenxing.charts\nzhenxing.charts.setup()\n"

_state = threading.local()  # one kernel per worker thread (Dask workers run tasks in threads)
_all: set = set()


def _manager(kernel_name: str, cwd: str):
    """This thread's kernel, started on first use (and after a restart)."""
    from jupyter_client import KernelManager
    km = getattr(_state, "km", None)
    if km is not None and (not km.is_alive() or _state.runs >= RESTART_EVERY or _state.cwd != cwd):
        shutdown()
        km = None
    if km is None:
        km = KernelManager(kernel_name=kernel_name)
        km.start_kernel(cwd=cwd)
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        _state.km, _state.kc, _state.runs, _state.cwd = km, kc, 0, cwd
        _all.add(km)
        _run(kc, WARM_UP)
    return km


def _run(kc, code: str) -> None:
    reply = kc.execute_interactive(code, timeout=120, store_history=False, output_hook=lambda msg: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError("kernel set-up code failed")


def _reset(km) -> None:
    _run(_state.kc, RESET)


def shutdown() -> None:
    """Stop this thread's kernel."""
    km = getattr(_state, "km", None)
    if km is not None:
        try:
            _state.kc.stop_channels()
        except Exception:  # noqa: BLE001
            pass
        _stop(km)
        _state.km = _state.kc = None


def _stop(km) -> None:
    _all.discard(km)
    try:
        km.shutdown_kernel(now=True)
    except Exception:  # noqa: BLE001 — a dead kernel is already shut down
        pass


@atexit.register
def _shutdown_all() -> None:
    for km in list(_all):
        _stop(km)


class WarmEngine(NBClientEngine):
    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
        cwd = kwargs.get("cwd") or os.getcwd()
        km = _manager(kernel_name, cwd)
        try:
            _reset(km)
        except Exception:  # noqa: BLE001 — a kernel that cannot reset is replaced
            shutdown()
            km = _manager(kernel_name, cwd)
            _reset(km)
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
