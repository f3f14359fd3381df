"""Errors a person meets in JupyterLab or plain papermill are their Chinese message and
key, not the library's traceback (IPython renders ``_render_traceback_``)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from zhenxing.data import paths
from zhenxing.data.errors import StructureError
from zhenxing.data.params import ParamError
from zhenxing.report.notebook import DataError


def test_project_errors_render_as_their_message_alone():
    for e in (ParamError("年度“1999”不在数据中 [year_not_covered]"), DataError("没有乡镇“甲” [unknown_township]")):
        assert e._render_traceback_() == [f"{type(e).__name__}: {e}"]
    s = StructureError("a.csv", "可读取的表格", "unreadable")
    assert len(s._render_traceback_()) == 1 and "a.csv" in s._render_traceback_()[0]


def test_plain_papermill_ends_with_the_chinese_message(tmp_path):
    papermill = Path(sys.executable).parent / "papermill"
    cmd = [str(papermill)] if papermill.exists() else [shutil.which("papermill") or "papermill"]
    r = subprocess.run([*cmd, str(paths.NOTEBOOKS / "funds.ipynb"), str(tmp_path / "out.ipynb"),
                        "-p", "townshp", "石门乡", "-k", "zhenxing", "--cwd", str(paths.NOTEBOOKS)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode != 0
    lines = [line for line in (r.stdout + r.stderr).splitlines() if line.strip()]
    assert lines[-1].startswith("ParamError: 未知的笔记本参数：“townshp”（是否应为“township”？）")
    assert lines[-1].endswith("[unknown_parameter]")
    tail = lines[next(i for i, line in enumerate(lines) if "PapermillExecutionError" in line):]
    assert len(tail) <= 5, tail                                   # papermill's header, the cell, the message
    assert not any("zhenxing/report/notebook.py" in line for line in tail)   # no library frames
