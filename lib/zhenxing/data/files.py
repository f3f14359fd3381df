"""Finding and reading the files of a dataset: which file is which table (by English
or Chinese stem, or a person-level export by its header), CSV in UTF-8 (with or
without BOM) or GB18030, xlsx with title rows above the header, column aliases;
tables come back as text frames indexed by spreadsheet row. Also ``atomic_write``,
the one way the project replaces a file."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from zhenxing.data.errors import StructureError, Violation
from zhenxing.data.schema import (
    ALIASES,
    ELIMINATED_FLAG,
    HOUSEHOLD_TYPE,
    PER_CAPITA_INCOME,
    PERSON_ALIASES,
    PERSON_MARKERS,
    PERSON_SIGNATURE,
    RISK_VARIANTS,
    TABLES,
    required_names,
    table_cn,
)


def atomic_write(path: Path, content: str | bytes) -> None:
    """Write a file whole or not at all (a temporary file beside it, then renamed);
    text is written as UTF-8, the file readable by all (0644)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(content.encode("utf-8") if isinstance(content, str) else content)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def data_files(folder: Path) -> list[Path]:
    """Every .csv/.xlsx file of a dataset folder (hidden files and Excel lock files left out)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"数据集目录不存在：{folder} [dataset_not_found]")
    return [p for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix.lower() in (".csv", ".xlsx") and not p.name.startswith((".", "~$"))]


@dataclass
class Source:
    """One data file and what it was taken as."""

    path: Path
    kind: str                    # a table name, "person" (person-level export) or "unknown"
    rows: list | None = None     # the sheet as text when it had to be read to classify it
    error: Violation | None = None   # why the file could not be read, when it could not

    def describe(self) -> str:
        if self.error is not None:
            what = table_cn(self.kind) if self.kind in TABLES else (
                "人员级导出" if self.kind == "person" else "未识别的文件")
            return f"{what}：无法读取，{self.error.expected} [{self.error.key}]"
        if self.kind == "person":
            return ("国家系统人员级导出（每个家庭成员一行），拆分为 农户信息（households）"
                    "和 家庭成员（members） [person_level_export]")
        if self.kind in TABLES:
            return f"{table_cn(self.kind)} [{self.kind}]"
        return ("未识别，未使用：文件名不是规范表名，表头也不是国家系统人员级导出"
                " [unrecognised_file]")


def stem_table(p: Path) -> str | None:
    stem = clean_name(p.stem)
    for name, spec in TABLES.items():
        if stem in spec["stems"]:
            return name
    return None


def peek_rows(p: Path) -> tuple[list[list[str]], list | None, Violation | None]:
    """The first rows of a file as text (for recognising it); xlsx rows are all read and
    returned too so the file is parsed once. An unreadable xlsx gives no rows and why."""
    try:
        raw = p.read_bytes()
    except OSError as e:
        return [], None, Violation(p.name, None, None, None, f"无法打开文件（{e.strerror}）", "unreadable_file")
    if p.suffix.lower() == ".xlsx":
        try:
            rows = xlsx_rows(raw, p.name)
        except StructureError as e:
            return [], None, e.violation
        return rows[:6], rows, None
    head = raw[:65536]
    if len(raw) > len(head):
        head = head[:head.rfind(b"\n") + 1] or head
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("gb18030", errors="replace")
    try:
        return [r for _, r in zip(range(6), csv.reader(io.StringIO(text)))], None, None
    except csv.Error:
        return [], None, None


def is_person_header(cells: list[str]) -> bool:
    cols = set(person_columns(cells))
    return PERSON_SIGNATURE <= cols and bool(PERSON_MARKERS & cols)


def scan(folder) -> list[Source]:
    """Every data file and what it is taken as: a person-level export is recognised by
    its columns under any file name; other files by their stem; the rest are unrecognised."""
    out = []
    for p in data_files(folder):
        head, rows, error = peek_rows(p)
        if any(is_person_header(r) for r in head):
            out.append(Source(p, "person", rows))
        else:
            out.append(Source(p, stem_table(p) or "unknown", rows, error))
    dup: dict[str, list[Path]] = {}
    for s_ in out:
        if s_.kind in TABLES:
            dup.setdefault(s_.kind, []).append(s_.path)
    for name, ps in dup.items():
        if len(ps) > 1:
            raise StructureError(" / ".join(p.name for p in ps),
                                 f"同一张表（{name}）有多个文件，无法确定使用哪一个", "duplicate_table_file")
    return out


def find_tables(folder: Path) -> dict[str, Path]:
    """Map table name → contract file (by English or Chinese stem, .csv or .xlsx).
    Person-level exports are not listed here (see ``scan``)."""
    return {s_.kind: s_.path for s_ in scan(folder) if s_.kind in TABLES}


def clean_name(s: str) -> str:
    return str(s).replace("\u3000", " ").replace("\ufeff", "").strip()


def decode_csv(raw: bytes, file: str) -> str:
    """Decode UTF-8 (with or without BOM) or GB18030; never silently wrong."""
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8")
        except UnicodeDecodeError as e:
            _bad_bytes(raw, 3 + e.start, file, "UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e_utf8:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError as e_gb:
            # report against the encoding that got furthest
            if e_gb.start >= e_utf8.start:
                _bad_bytes(raw, e_gb.start, file, "GB18030")
            _bad_bytes(raw, e_utf8.start, file, "UTF-8")
    raise AssertionError("unreachable")


def _bad_bytes(raw: bytes, pos: int, file: str, enc: str):
    line = raw.count(b"\n", 0, pos) + 1
    looks = "GBK/GB18030" if enc == "GB18030" else "UTF-8"
    raise StructureError(file, f"编码有误：含有无法解码的字节（看似{looks}编码，第{pos}字节处解码失败），"
                         "文件可能已损坏或另存时编码不对；请另存为UTF-8编码的CSV",
                         "undecodable_bytes", row=line)


def cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if v != v:
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e17 else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.timedelta):  # calamine gives durations for some time cells
        return str(v)
    return str(v)


def norm_col(c) -> str:
    s_ = clean_name(c).replace("（", "(").replace("）", ")").replace("，", ",")
    return re.sub(r"\s+", "", s_)


_ALIAS_OF = {norm_col(a): canon for canon, al in ALIASES.items() for a in al}
_PERSON_ALIAS_OF = {norm_col(a): canon for canon, al in PERSON_ALIASES.items() for a in al}


def _rename(columns: list, table: dict[str, str]) -> list[str]:
    cols = [clean_name(c) for c in columns]
    present = set(cols)
    out = []
    for c in cols:
        canon = table.get(norm_col(c))
        if canon is not None and canon not in present:
            c = canon
            present.add(canon)
        out.append(c)
    return out


def canonical_columns(columns: list[str]) -> list[str]:
    return _rename(columns, _ALIAS_OF)


def person_columns(columns: list[str]) -> list[str]:
    return [norm_col(c) if norm_col(c) in (ELIMINATED_FLAG, PER_CAPITA_INCOME) else c
            for c in _rename(columns, _PERSON_ALIAS_OF)]


def _looks_like_text(raw: bytes) -> bool:
    head = raw[:4096]
    if not head or b"\x00" in head:
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            return True
        except UnicodeDecodeError as e:
            if e.start >= len(head) - 4:   # a character cut at the end of the sample
                return True
    return False


def xlsx_problem(raw: bytes) -> tuple[str, str] | None:
    """What an .xlsx file that cannot be read looks like: (message, key), or None when
    it is a whole zip archive (an xlsx is one) and only the workbook inside may be wrong."""
    if not raw.strip():
        return "文件为空（没有表头）", "empty_file"
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        return ("不是有效的xlsx文件：是旧版Excel（.xls）或加密的工作簿，"
                "请在Excel中另存为“Excel工作簿（.xlsx）”"), "not_xlsx"
    if not raw.startswith(b"PK\x03\x04"):
        if _looks_like_text(raw):
            return ("不是有效的xlsx文件：内容是文本（可能是改了扩展名的CSV），"
                    "请把扩展名改为 .csv，或在Excel中另存为 .xlsx"), "not_xlsx"
        return "不是有效的xlsx文件（文件内容与扩展名不符）", "not_xlsx"
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return (f"不是完整的xlsx文件：文件被截断（只有{len(raw):,}字节，缺少结尾的目录），"
                "可能复制或下载未完成；请重新导出"), "truncated_xlsx"
    return None


def xlsx_rows(raw: bytes, file: str) -> list[list[str]]:
    problem = xlsx_problem(raw)
    if problem is not None:
        raise StructureError(file, *problem)
    try:
        from python_calamine import CalamineWorkbook
        wb = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:
        raise StructureError(file, "无法读取xlsx文件（工作簿已损坏，或不是Excel工作簿）", "unreadable_xlsx") from None
    return [[cell_text(v) for v in r] for r in rows]


def csv_rows(raw: bytes, file: str) -> list[list[str]]:
    text = decode_csv(raw, file)
    try:
        return [r for r in csv.reader(io.StringIO(text))]
    except csv.Error:
        raise StructureError(file, "无法按CSV格式读取（分隔符或引号有误）", "unreadable_csv") from None


def grid_frame(rows: list[list[str]], header_at: int, header: list[str]) -> pd.DataFrame:
    body = rows[header_at + 1:]
    width = len(header)
    body = [(list(r) + [""] * width)[:width] for r in body]
    df = pd.DataFrame(body, columns=header, dtype=object)
    first_row = header_at + 2
    df.index = pd.RangeIndex(first_row, first_row + len(df))  # index = spreadsheet row
    return df


def tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Trim every cell, drop fully blank rows; duplicated names: the first wins."""
    df = df.loc[:, ~pd.Index(df.columns).duplicated()].copy()
    for c in df.columns:
        df[c] = df[c].fillna("").astype(str).str.replace("\u3000", " ", regex=False).str.strip()
    if len(df.columns):
        df = df[~(df == "").all(axis=1)]
    return df


def read_raw(name: str, path: Path, rows: list | None = None) -> tuple[pd.DataFrame, int]:
    """Read a contract table as text. Returns (frame, spreadsheet row number of the first
    data row); the frame's index is the spreadsheet row. A header with no data rows is a
    valid, empty table; a file without the header is an error."""
    file = path.name
    if rows is None:
        raw = path.read_bytes()
        if not raw.strip():
            raise StructureError(file, "文件为空（没有表头）", "empty_file")
    required = required_names(name)
    if path.suffix.lower() == ".xlsx":
        if rows is None:
            rows = xlsx_rows(raw, file)
        header_at = None
        for i, r in enumerate(rows[:6]):
            if required <= set(canonical_columns(r)):
                header_at = i
                break
        if header_at is None:
            if not any(any(c for c in r) for r in rows):
                raise StructureError(file, "文件为空（没有表头）", "empty_file")
            best = max(rows[:6], key=lambda r: len(required & set(canonical_columns(r))), default=[])
            missing = sorted(required - set(canonical_columns(best)))
            raise StructureError(file, f"缺少必需的列：{'、'.join(missing)}（表头须在前6行内）", "missing_columns")
        df = grid_frame(rows, header_at, canonical_columns(rows[header_at]))
        first_row = header_at + 2
    else:
        text = decode_csv(raw, file)
        try:
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                             skip_blank_lines=False, skipinitialspace=False)
        except pd.errors.EmptyDataError:
            raise StructureError(file, "文件为空（没有表头）", "empty_file") from None
        except Exception:
            raise StructureError(file, "无法按CSV格式读取（分隔符或引号有误）", "unreadable_csv") from None
        df.columns = canonical_columns(list(df.columns))
        first_row = 2
        missing = sorted(required - set(df.columns))
        if missing:
            raise StructureError(file, f"缺少必需的列：{'、'.join(missing)}", "missing_columns")
        df.index = pd.RangeIndex(first_row, first_row + len(df))
    df = tidy(df)
    keep = [c.name for c in TABLES[name]["cols"] if c.name in df.columns]
    df = df[keep]
    if name == "households":
        if "是否脱贫户" in df.columns:
            df["是否脱贫户"] = df["是否脱贫户"].map(lambda v: HOUSEHOLD_TYPE.get(v, v))
        if "主要风险类型" in df.columns:
            df["主要风险类型"] = df["主要风险类型"].map(lambda v: RISK_VARIANTS.get(v, v))
    return df, first_row
