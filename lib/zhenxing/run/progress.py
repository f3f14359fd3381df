"""A batch's progress on the console, in Chinese."""
from __future__ import annotations

import sys

from zhenxing.run.township import STATUS_ZH, Outcome


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
