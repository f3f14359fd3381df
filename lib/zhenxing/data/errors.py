"""Validation messages: one violation (file, row, column, masked value, what was
expected, rule key), a table that cannot be read at all, a folder with nothing to report."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Violation:
    file: str
    row: int | None          # row as a spreadsheet counts it (header counted)
    column: str | None
    value: str | None        # already masked
    expected: str            # Chinese: what was expected
    key: str                 # English rule key
    township: str | None = None  # township the row belongs to, if known
    record: str | None = None    # the record's key, e.g. "户编号 H000123" or "证件号码 5301**********123X"

    def message(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" 第{self.row}行"
        if self.column:
            where += f" [{self.column}]"
        if self.record:
            where += f"（{self.record}）"
        if self.value is None:
            return f"{where}: {self.expected} [{self.key}]"
        return f"{where}: 值“{self.value}”{self.expected} [{self.key}]"

    def to_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "column": self.column, "value": self.value,
                "expected": self.expected, "key": self.key, "township": self.township,
                "record": self.record, "message": self.message()}


class Explained:
    """An error whose message says all a person needs (Chinese first, the English key in
    brackets): JupyterLab and papermill show the message alone, not the library's
    traceback (IPython prints what ``_render_traceback_`` returns instead of the frames)."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


class StructureError(Explained, Exception):
    """A table that cannot be read at all (one error naming the file)."""

    def __init__(self, file: str, expected: str, key: str, row: int | None = None):
        self.violation = Violation(file, row, None, None, expected, key)
        super().__init__(self.violation.message())


class UnusableDataset(StructureError):
    """The folder holds no households table (neither a contract file nor a person-level
    export): nothing can be reported. The message lists every file and what it was taken as."""

    def __init__(self, folder: str, sources: list):
        self.sources = [(s.path.name, s.describe()) for s in sources]
        lines = [f"数据集“{folder}”无法使用：没有农户信息（households）表，"
                 "也没有可拆分为农户和家庭成员的国家系统人员级导出 [unusable_dataset]"]
        if self.sources:
            lines.append(f"找到 {len(self.sources)} 个数据文件 [files]:")
            lines += [f"  {f}：{d}" for f, d in self.sources]
        else:
            lines.append("目录中没有 .csv 或 .xlsx 文件 [no_files]")
        lines.append("规范表名见 data-contract.md（households/农户信息、members/家庭成员 …）；"
                     "人员级导出须有 户编号、证件号码、与户主关系 及 户类型 或 监测对象类别 等户信息列")
        self.violation = Violation(folder, None, None, None, lines[0], "unusable_dataset")
        Exception.__init__(self, "\n".join(lines))
