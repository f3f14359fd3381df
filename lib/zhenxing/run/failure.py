"""A failure as the failure table states it: its kind and a masked message."""
from __future__ import annotations

from zhenxing.data import contract


def safe_error(e: BaseException) -> str:
    """An error for the failure table: its kind and a masked message (no raw ids)."""
    from papermill.exceptions import PapermillExecutionError
    if isinstance(e, PapermillExecutionError):
        return f"笔记本第{e.exec_count or e.cell_index}个单元格出错：{e.ename}: {contract.mask_text(str(e.evalue))[:300]}"
    return f"{type(e).__name__}: {contract.mask_text(str(e))[:500]}"
