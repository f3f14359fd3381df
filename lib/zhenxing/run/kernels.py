"""Warm kernels for papermill: one kernel per worker process, reused across notebooks.

Starting a kernel and importing pandas and IPython costs about a second per notebook;
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
notebook points `zhenxing.data.paths.PARAMS` of the kernel there, and back to the project's
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
RESET = "import zhenxing.report.notebook as _zn\n_zn.reset_namespace()\n"
WARM_UP = "import pandas, zhenxing.report.notebook, zhenxing.report.charts\n"

_state = threading.local()  # one kernel per worker thread (Dask workers run tasks in threads)
_all: dict = {}  # kernel manager → the process that started it
_count = itertools.count()
_finalizer_pid = None
# ipykernel's own log (TCP warning, "Parent appears to have exited") stays out of the console
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL"]


def ipc_dir() -> str:
    """This process's folder for kernel sockets and connection files (removed at exit)."""
    return os.path.join(tempfile.gettempdir(), f"zhenxing-ipc-{os.getpid()}")


def clean_stale(prefix: str = "zhenxing-ipc-") -> None:
    """Remove the temporary folders ``<prefix><pid>`` of processes that are gone (a worker
    killed outright): kernel sockets by default, a cluster worker's private folder with
    ``zhenxing-worker-``."""
    import glob
    for d in glob.glob(os.path.join(tempfile.gettempdir(), f"{prefix}*")):
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
    _run(_state.kc, RESET + f"import zhenxing.data.paths as _zp, pathlib as _zpl\n_zp.PARAMS = {target}\ndel _zp, _zpl\n")


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


# --- in-process execution (the default for local runs, issue 14) -------------------------
#
# A local worker process has pandas, IPython and zhenxing imported already (forked from
# the batch process, or preloaded by the fork server): it runs the notebooks itself, in one
# IPython shell of its own, instead of sending each cell to a kernel process. No kernel to
# start (about 2.5 s per worker), no message round trips, no JSON/HMAC of every chart: the
# same cells, in the same order, in the same IPython shell machinery (input history for the
# parameter check, display publisher, display hook, tracebacks), reset before each notebook
# as a warm kernel is. Outputs are built as nbclient builds them from a kernel's messages;
# a test compares a run on this engine with a fresh-kernel papermill run.

_LANGUAGE_INFO = None
_INPROCESS_LOCK = threading.Lock()


def _language_info() -> dict:
    global _LANGUAGE_INFO
    if _LANGUAGE_INFO is None:
        import platform
        _LANGUAGE_INFO = {"name": "python", "version": platform.python_version(), "mimetype": "text/x-python",
                          "codemirror_mode": {"name": "ipython", "version": 3}, "pygments_lexer": "ipython3",
                          "nbconvert_exporter": "python", "file_extension": ".py"}
    return _LANGUAGE_INFO


class _Sink:
    """Where the running cell's outputs go."""

    outputs: list | None = None

    def add(self, out) -> None:
        if self.outputs is not None:
            self.outputs.append(out)

    def stream(self, name: str, text: str) -> None:
        if self.outputs is None or not text:
            return
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last.get("output_type") == "stream" and last.get("name") == name:
            last["text"] += text  # nbclient coalesces consecutive stream messages alike
        else:
            self.outputs.append(_output("stream", name=name, text=text))


_sink = _Sink()


def _output(output_type: str, data=None, **fields):
    """An output as ``nbformat.v4.new_output`` makes it, without its schema check of each
    output (~40 per notebook, 5 % of a township's notebook time): papermill validates the
    whole notebook when it writes it."""
    from nbformat import NotebookNode
    out = NotebookNode(output_type=output_type)
    if output_type == "stream":
        out.name, out.text = "stdout", ""
    elif output_type in ("display_data", "execute_result"):
        out.metadata, out.data = NotebookNode(), NotebookNode()
        if output_type == "execute_result":
            out.execution_count = None
    elif output_type == "error":
        out.ename, out.evalue, out.traceback = "NotImplementedError", "", []
    out.update(fields)
    if data is not None:
        out.data = data
    return out


class _Stream:
    def __init__(self, name: str):
        self.name, self.encoding = name, "utf-8"

    def write(self, text) -> int:
        _sink.stream(self.name, str(text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


_shell_state: dict = {}


def _shell():
    """This process's IPython shell, with outputs captured as a kernel's would be."""
    if _shell_state.get("pid") == os.getpid():
        return _shell_state["shell"]
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
            _sink.add(_output("display_data", data=data, metadata=metadata or {}))

        def clear_output(self, wait=False):
            if _sink.outputs is not None:
                _sink.outputs.clear()

    class Hook(DisplayHook):
        def start_displayhook(self):
            self._md = None

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            _sink.add(_output("execute_result", data=format_dict, metadata=md_dict or {},
                                 execution_count=self.prompt_count))

        def finish_displayhook(self):
            pass

    import types

    from traitlets.config import Config
    config = Config()
    config.HistoryManager.enabled = False  # no SQLite history file; the input history stays in memory
    # a module of its own for the notebooks' namespace (the shell would otherwise take the
    # place of this process's __main__ in sys.modules)
    shell = InteractiveShell.instance(config=config, user_module=types.ModuleType("__zhenxing_notebook__"))
    shell.display_pub = Publisher(shell=shell, parent=shell)
    shell.displayhook = Hook(shell=shell, cache_size=shell.cache_size, parent=shell)
    shell.display_trap.hook = shell.displayhook

    def showtraceback(etype, evalue, stb):
        _sink.add(_output("error", ename=str(etype.__name__), evalue=str(evalue), traceback=stb))
    shell._showtraceback = showtraceback
    shell.InteractiveTB.set_mode("Context")
    _shell_state.update(pid=os.getpid(), shell=shell)
    return shell


def inprocess_possible() -> bool:
    """In-process execution needs the main thread (cell time limit by SIGALRM, one shell per
    process); Dask worker threads and cluster tasks use warm kernels instead."""
    return threading.current_thread() is threading.main_thread()


class InProcessEngine(NBClientEngine):
    """papermill engine `zhenxing-inprocess`: the cells run in this process's IPython shell."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
        import signal
        import sys

        cwd = kwargs.get("cwd") or os.getcwd()
        with _INPROCESS_LOCK:
            shell = _shell()
            from zhenxing.report import notebook
            notebook.reset_namespace(shell)
            nb = nb_man.nb
            here = os.getcwd()
            saved = sys.stdout, sys.stderr
            use_alarm = bool(execution_timeout) and threading.current_thread() is threading.main_thread()

            def on_alarm(signum, frame):
                raise TimeoutError(f"单元格运行超过 {execution_timeout} 秒 [cell_timeout]")
            old_alarm = signal.signal(signal.SIGALRM, on_alarm) if use_alarm else None
            os.chdir(cwd)
            sys.stdout, sys.stderr = _Stream("stdout"), _Stream("stderr")
            try:
                for index, cell in enumerate(nb.cells):
                    nb_man.cell_start(cell, index)
                    try:
                        if cell.cell_type != "code" or not cell.source.strip():
                            continue
                        cell.outputs = []
                        _sink.outputs = cell.outputs
                        if use_alarm:
                            signal.alarm(int(execution_timeout))
                        try:
                            result = shell.run_cell(cell.source, store_history=True, silent=False)
                        finally:
                            if use_alarm:
                                signal.alarm(0)
                            _sink.outputs = None
                        cell.execution_count = result.execution_count
                        if isinstance(result.error_in_exec, KeyboardInterrupt):
                            raise KeyboardInterrupt  # Ctrl-C stops the batch, as with a kernel
                        if not result.success:
                            if not any(o.get("output_type") == "error" for o in cell.outputs):
                                e = result.error_before_exec or result.error_in_exec
                                cell.outputs.append(_output("error", ename=type(e).__name__, evalue=str(e),
                                                               traceback=[]))
                            nb_man.cell_exception(cell, cell_index=index, exception=result.error_in_exec)
                            break
                    finally:
                        nb_man.cell_complete(cell, cell_index=index)
                nb.metadata["language_info"] = _language_info()
            finally:
                sys.stdout, sys.stderr = saved
                os.chdir(here)
                if use_alarm:
                    signal.signal(signal.SIGALRM, old_alarm)
                from zhenxing.report.notebook import close_figures
                close_figures()
            return nb


papermill_engines.register("zhenxing-inprocess", InProcessEngine)


def engine_name(cluster: bool = False) -> str | None:
    """The papermill engine of a batch: `$ZHENXING_ENGINE` is `inprocess` (default: this
    process's IPython shell, where possible), `warm` (a warm kernel per worker) or `fresh`
    (papermill's own: a new kernel per notebook, as a user's plain papermill run). Cluster
    tasks run on warm kernels (worker threads; each task's own policy files)."""
    mode = os.environ.get("ZHENXING_ENGINE", "inprocess")
    if cluster:
        return "zhenxing-warm"
    if mode == "fresh":
        return None
    if mode == "warm" or not inprocess_possible():
        return "zhenxing-warm"
    return "zhenxing-inprocess"


def preload(counties=(), year: int | None = None, formats=("html", "pdf", "docx")) -> None:
    """Import what the notebooks use, in the batch process before its workers are forked,
    so no worker imports it again; and do once here what every worker's first township
    (and the county summary, in this process, after them) would otherwise do for itself:
    parse the counties' policy and wording files, compile nbformat's schema validator,
    build the Word reference document and index the PDF's fonts. (Nothing is compiled
    with Typst here: its worker threads would not survive the fork.)"""
    import IPython.core.interactiveshell  # noqa: F401
    import nbformat  # noqa: F401
    import papermill  # noqa: F401

    from zhenxing.data import params, paths
    from zhenxing.report import assemble as report  # noqa: F401
    from zhenxing.report import notebook, render
    from zhenxing.topics import registry  # noqa: F401 — every topic module
    warm = [lambda: params.wording(None),
            lambda: nbformat.validate(nbformat.read(str(paths.NOTEBOOKS / f"{next(iter(notebook.TOPICS))}.ipynb"),
                                                    as_version=4))]
    for county in counties:
        warm += [lambda c=county: params.policy(c, year or 0), lambda c=county: params.wording(c)]
    if "docx" in formats:
        warm.append(render.reference_docx)
    if "pdf" in formats or "docx" in formats:
        warm.append(lambda: render.typst_fonts(render.cjk_fonts()))
    # the data review beside each report (openpyxl, its rules files parsed once) and the
    # charts' CJK font (loaded by the first chart drawn): ~0.15 s of each worker's first
    # township, which this process spends anyway for the county summary
    from zhenxing.review import beside, engine  # noqa: F401
    warm += [lambda c=county: engine.load_rules(c) for county in counties or [None]]
    warm.append(_warm_charts)
    for step in warm:
        try:
            step()
        except Exception:  # noqa: BLE001 — only a head start: a broken policy file, a missing
            pass           # font, … fail the townships that need them, with their own message


def _warm_charts() -> None:
    """Draw one small chart (CJK labels, a value on the bar): matplotlib loads and sizes
    the CJK font once here, not in each worker's first chart."""
    from zhenxing.report import charts
    charts.bar({"甲乡": 1.0, "乙镇": 2.5}, "预热", "户")
