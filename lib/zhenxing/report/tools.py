"""Running pandoc (and the other command-line tools a render calls) as subprocesses."""
from __future__ import annotations

import functools
import subprocess
from collections.abc import Sequence
from pathlib import Path

from zhenxing.report.errors import RenderError

SUBPROCESS_TIMEOUT = 600  # seconds, per pandoc/quarto call


@functools.cache
def pandoc_path() -> str:
    """The pandoc binary that PyPI's pypandoc-binary ships."""
    import pypandoc

    path = pypandoc.get_pandoc_path()
    if not path or not Path(path).exists():  # pragma: no cover - broken install
        raise RenderError("找不到 pandoc（应由 PyPI 包 pypandoc-binary 提供）。")
    return str(path)


def run_tool(cmd: Sequence[str], *, what: str, cwd: Path | None = None,
         stdin: str | None = None) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(
            list(cmd),
            input=stdin.encode("utf-8") if stdin is not None else None,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True,
            cwd=cwd,
            timeout=SUBPROCESS_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"{what} 超时（{SUBPROCESS_TIMEOUT} 秒）。") from exc
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{what} 失败（退出码 {proc.returncode}）：{err}")
    return proc
