"""The input data contract: find, read, validate and pseudonymise a dataset.

Specification: ``shared/spec/data-contract.md``.  Everything downstream receives
the tables described in ``docs/architecture.md``: contract column names, typed
columns, no names and no id numbers.

Reading is done as text (``dtype=str``) so that ids never turn into floats and
every bad value can be reported; each column is then converted and checked with
vectorised pandas operations, collecting *all* violations of a table at once.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths

CONTRACT_VERSION = "1"

# ---------------------------------------------------------------------------
# The contract, as data
# ---------------------------------------------------------------------------

CATEGORIES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
LABOUR = ("技能劳动力", "普通劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力")
LABOUR_FORCE = ("技能劳动力", "普通劳动力", "弱劳动力或半劳动力")
REGIONS = ("县内", "省内县外", "省外")
PROJECT_TYPES = ("产业发展", "就业帮扶", "乡村建设", "基础设施", "其他")
FUND_SOURCES = ("中央衔接资金", "省级衔接资金", "市级衔接资金", "县级衔接资金",
                "东西部协作资金", "社会帮扶资金", "其他资金")
ASSET_CLASSES = ("经营性资产", "公益性资产", "到户类资产")
PERIODS = ("月", "年")
SEXES = ("男", "女")


@dataclass(frozen=True)
class Col:
    name: str
    kind: str  # text | int | money | date | yn | cat | id
    required: bool = False          # column must be present and non-blank
    present: bool = False           # column must be present (values may be blank)
    allowed: tuple = ()
    min: float | None = None        # inclusive lower bound
    gt: float | None = None         # strict lower bound
    max: float | None = None
    pii: bool = False


TABLES: dict[str, dict] = {
    "households": {
        "stems": ("households", "农户信息"),
        "key": ["户编号"],
        "cols": [
            Col("户编号", "text", required=True),
            Col("县", "text", required=True),
            Col("乡镇", "text", required=True),
            Col("村", "text", required=True),
            Col("组", "text"),
            Col("户主姓名", "text", pii=True),
            Col("户主证件号码", "id", pii=True),
            Col("家庭人口数", "int", required=True, min=1),
            Col("是否脱贫户", "yn", required=True),
            Col("脱贫年度", "int", min=1990, max=2100),
            Col("监测对象类别", "cat", present=True, allowed=CATEGORIES),
            Col("风险发现日期", "date"),
            Col("纳入监测日期", "date"),
            Col("风险消除日期", "date"),
            Col("主要风险类型", "text"),
            Col("是否易地扶贫搬迁", "yn"),
            Col("是否低保户", "yn"),
            Col("是否特困供养", "yn"),
        ],
    },
    "members": {
        "stems": ("members", "家庭成员"),
        "key": ["证件号码"],
        "cols": [
            Col("户编号", "text", required=True),
            Col("证件号码", "id", required=True, pii=True),
            Col("姓名", "text", pii=True),
            Col("与户主关系", "text"),
            Col("性别", "cat", allowed=SEXES),
            Col("出生日期", "date"),
            Col("劳动技能", "cat", required=True, allowed=LABOUR),
            Col("在校生状况", "text"),
            Col("是否参加基本医疗保险", "yn"),
            Col("是否参加基本养老保险", "yn"),
        ],
    },
    "work": {
        "stems": ("work", "务工信息"),
        "key": ["证件号码", "年度"],
        "cols": [
            Col("证件号码", "id", required=True, pii=True),
            Col("年度", "int", required=True, min=1990, max=2100),
            Col("务工地域", "cat", required=True, allowed=REGIONS),
            Col("务工月数", "int", min=1, max=12),
            Col("务工收入", "money", min=0),
            Col("就业方式", "text"),
        ],
    },
    "income": {
        "stems": ("income", "收入"),
        "key": ["户编号", "年度"],
        "cols": [
            Col("户编号", "text", required=True),
            Col("年度", "int", required=True, min=1990, max=2100),
            Col("家庭人口数", "int", min=1),
            Col("工资性收入", "money", required=True, min=0),
            Col("生产经营性收入", "money", required=True, min=0),
            Col("生产经营性支出", "money", required=True, min=0),
            Col("财产性收入", "money", required=True, min=0),
            Col("转移性收入", "money", required=True, min=0),
        ],
    },
    "projects": {
        "stems": ("projects", "衔接资金项目"),
        "key": ["项目编号", "资金来源"],
        "cols": [
            Col("项目编号", "text", required=True),
            Col("年度", "int", required=True, min=1990, max=2100),
            Col("项目名称", "text", required=True),
            Col("县", "text", required=True),
            Col("乡镇", "text", required=True),
            Col("村", "text"),
            Col("项目类型", "cat", required=True, allowed=PROJECT_TYPES),
            Col("资金来源", "cat", required=True, allowed=FUND_SOURCES),
            Col("批复金额", "money", required=True, gt=0),
            Col("开工日期", "date"),
            Col("完工日期", "date"),
            Col("资产类别", "cat", allowed=ASSET_CLASSES),
            Col("受益脱贫人口数", "int", min=0),
        ],
    },
    "payments": {
        "stems": ("payments", "资金拨付"),
        "key": None,
        "cols": [
            Col("项目编号", "text", required=True),
            Col("资金来源", "cat", required=True, allowed=FUND_SOURCES),
            Col("拨付日期", "date", required=True),
            Col("拨付金额", "money", required=True, gt=0),
        ],
    },
    "posts": {
        "stems": ("posts", "公益性岗位"),
        "key": None,
        "cols": [
            Col("证件号码", "id", required=True, pii=True),
            Col("姓名", "text", pii=True),
            Col("县", "text", required=True),
            Col("乡镇", "text", required=True),
            Col("村", "text"),
            Col("岗位类型", "text", required=True),
            Col("聘用日期", "date", required=True),
            Col("解聘日期", "date"),
            Col("解聘原因", "text"),
            Col("补贴标准", "money", required=True, gt=0),
            Col("补贴周期", "cat", required=True, allowed=PERIODS),
        ],
    },
}
TABLE_ORDER = list(TABLES)

# Column names used by the national system's exports, by table (same meaning).
ALIASES = {
    "纳入监测日期": ("识别监测时间",),
    "风险消除日期": ("消除监测时间", "风险消除时间"),
    "风险发现日期": ("风险识别时间",),
    "是否脱贫户": ("户类型",),
    "家庭人口数": ("人数",),
    "乡镇": ("乡", "乡(镇)", "乡（镇）"),
    "村": ("行政村",),
}
HOUSEHOLD_TYPE = {"脱贫户": "是", "一般农户": "否"}

YES = {"是", "y", "yes", "1", "true", "t"}
NO = {"否", "n", "no", "0", "false", "f"}

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = "10X98765432"
ID_SHAPE = re.compile(r"\d{17}[\dXx]")
LONG_DIGITS = re.compile(r"\d{15,}[\dXx]*")


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

def mask(value) -> str:
    """Mask personal data in a value shown in a message: ``5301**********123X``."""
    s = "" if value is None else str(value)
    if len(s) >= 8 and LONG_DIGITS.fullmatch(s):
        return s[:4] + "*" * (len(s) - 8) + s[-4:]
    return s


def mask_text(text: str) -> str:
    """Mask every long digit run (id-shaped) inside free text."""
    return LONG_DIGITS.sub(lambda m: mask(m.group(0)), text)


def _mask_name(value: str) -> str:
    return (value[:1] + "*" * max(len(value) - 1, 1)) if value else value


@dataclass
class Violation:
    file: str
    row: int | None          # row as a spreadsheet counts it (header counted)
    column: str | None
    value: str | None        # already masked
    expected: str            # Chinese: what was expected
    key: str                 # English rule key
    township: str | None = None  # township the row belongs to, if known

    def message(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" 第{self.row}行"
        if self.column:
            where += f" [{self.column}]"
        if self.value is None:
            return f"{where}: {self.expected} [{self.key}]"
        return f"{where}: 值“{self.value}”{self.expected} [{self.key}]"

    def to_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "column": self.column, "value": self.value,
                "expected": self.expected, "key": self.key, "township": self.township,
                "message": self.message()}


class StructureError(Exception):
    """A table that cannot be read at all (one error naming the file)."""

    def __init__(self, file: str, expected: str, key: str, row: int | None = None):
        self.violation = Violation(file, row, None, None, expected, key)
        super().__init__(self.violation.message())


# ---------------------------------------------------------------------------
# Finding and reading files
# ---------------------------------------------------------------------------

def find_tables(folder: Path) -> dict[str, Path]:
    """Map table name → file, by English or Chinese stem, .csv or .xlsx."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"数据集目录不存在：{folder} [dataset_not_found]")
    found: dict[str, Path] = {}
    dup: dict[str, list[Path]] = {}
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.suffix.lower() not in (".csv", ".xlsx") or p.name.startswith((".", "~$")):
            continue
        stem = _clean_name(p.stem)
        for name, spec in TABLES.items():
            if stem in spec["stems"]:
                dup.setdefault(name, []).append(p)
                found.setdefault(name, p)
    for name, ps in dup.items():
        if len(ps) > 1:
            raise StructureError(" / ".join(p.name for p in ps),
                                 f"同一张表（{name}）有多个文件，无法确定使用哪一个", "duplicate_table_file")
    return found


def _clean_name(s: str) -> str:
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
    raise StructureError(file, f"含有无法解码的字节（按{enc}解码失败，位置第{pos}字节），文件可能已损坏或编码不是UTF-8/GB18030",
                         "undecodable_bytes", row=line)


def _cell_text(v) -> str:
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


def _required_names(name: str) -> set[str]:
    return {c.name for c in TABLES[name]["cols"] if c.required or c.present}


def _canonical_columns(columns: list[str]) -> list[str]:
    cols = [_clean_name(c) for c in columns]
    present = set(cols)
    out = []
    for c in cols:
        for canon, aliases in ALIASES.items():
            if c in aliases and canon not in present:
                c = canon
                break
        out.append(c)
    return out


def read_raw(name: str, path: Path) -> tuple[pd.DataFrame, int]:
    """Read a table as text. Returns (frame, spreadsheet row number of the first data row)."""
    file = path.name
    raw = path.read_bytes()
    if not raw.strip():
        raise StructureError(file, "文件为空", "empty_file")
    if path.suffix.lower() == ".xlsx":
        if not raw.startswith(b"PK\x03\x04"):
            raise StructureError(file, "不是有效的xlsx文件（文件内容与扩展名不符）", "not_xlsx")
        try:
            from python_calamine import CalamineWorkbook
            wb = CalamineWorkbook.from_filelike(io.BytesIO(raw))
            rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except Exception:
            raise StructureError(file, "无法读取xlsx文件（文件损坏或不是Excel工作簿）", "unreadable_xlsx") from None
        rows = [[_cell_text(v) for v in r] for r in rows]
        required = _required_names(name)
        header_at = None
        for i, r in enumerate(rows[:6]):
            if required <= set(_canonical_columns(r)):
                header_at = i
                break
        if header_at is None:
            best = max(rows[:6], key=lambda r: len(required & set(_canonical_columns(r))), default=[])
            missing = sorted(required - set(_canonical_columns(best)))
            raise StructureError(file, f"缺少必需的列：{'、'.join(missing)}（表头须在前6行内）", "missing_columns")
        header = _canonical_columns(rows[header_at])
        body = rows[header_at + 1:]
        width = len(header)
        body = [(r + [""] * width)[:width] for r in body]
        df = pd.DataFrame(body, columns=header, dtype=object)
        first_row = header_at + 2
    else:
        text = decode_csv(raw, file)
        try:
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                             skip_blank_lines=False, skipinitialspace=False)
        except Exception:
            raise StructureError(file, "无法按CSV格式读取（分隔符或引号有误）", "unreadable_csv") from None
        df.columns = _canonical_columns(list(df.columns))
        first_row = 2
        missing = sorted(_required_names(name) - set(df.columns))
        if missing:
            raise StructureError(file, f"缺少必需的列：{'、'.join(missing)}", "missing_columns")
    # keep contract columns only; the first of duplicated names wins
    df = df.loc[:, ~pd.Index(df.columns).duplicated()]
    keep = [c.name for c in TABLES[name]["cols"] if c.name in df.columns]
    df = df[keep].copy()
    df.index = pd.RangeIndex(first_row, first_row + len(df))  # index = spreadsheet row
    for c in df.columns:
        df[c] = df[c].astype(str).str.replace("\u3000", " ", regex=False).str.strip()
    empty = (df == "").all(axis=1)
    df = df[~empty]
    if df.empty:
        raise StructureError(file, "表中没有数据行", "no_rows")
    if name == "households" and "是否脱贫户" in df.columns:
        df["是否脱贫户"] = df["是否脱贫户"].map(lambda v: HOUSEHOLD_TYPE.get(v, v))
    return df, first_row


# ---------------------------------------------------------------------------
# Value parsing
# ---------------------------------------------------------------------------

_DATE_FORMS = [
    (re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"), False),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), False),
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"), False),
    (re.compile(r"(\d{4})(\d{2})"), True),
    (re.compile(r"(\d{4})[-/.](\d{1,2})"), True),
    (re.compile(r"(\d{4})年(\d{1,2})月"), True),
]
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(s: str) -> tuple[dt.date, bool]:
    """Parse one date cell. Returns (date, month_only); raises ValueError."""
    for rx, month_only in _DATE_FORMS:
        m = rx.fullmatch(s)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            d = 1 if month_only else int(m.group(3))
            return dt.date(y, mo, d), month_only
    m = re.fullmatch(r"(\d{4,5})(?:\.0+)?", s)  # Excel serial date
    if m and 1 <= int(m.group(1)) <= 80000:
        return _EXCEL_EPOCH + dt.timedelta(days=int(m.group(1))), False
    raise ValueError(s)


def parse_number(series: pd.Series) -> pd.Series:
    cleaned = series.str.replace(r"[,，\s]", "", regex=True)
    return pd.to_numeric(cleaned.where(cleaned != ""), errors="coerce")


def id_valid(series: pd.Series) -> pd.Series:
    """GB 11643 checksum, vectorised. Blank → True (required-ness checked elsewhere)."""
    s = series.str.upper()
    shape = s.str.fullmatch(r"\d{17}[\dX]").fillna(False).astype(bool)
    ok = pd.Series(True, index=series.index)
    ok[(s != "") & ~shape] = False
    cand = s[shape]
    if len(cand):
        arr = np.frombuffer("".join(cand.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        digits = arr[:, :17].astype(np.int64) - 48
        check = (digits * ID_WEIGHTS).sum(axis=1) % 11
        expected = np.frombuffer(ID_CHECK.encode(), dtype=np.uint8)[check]
        good = expected == arr[:, 17]
        # the birth date inside the id must be a real date
        births = pd.to_datetime(cand.str[6:14], format="%Y%m%d", errors="coerce")
        good &= births.notna().to_numpy()
        ok[cand.index] = good
    return ok


# ---------------------------------------------------------------------------
# Validation of one table
# ---------------------------------------------------------------------------

@dataclass
class Table:
    name: str
    file: str
    frame: pd.DataFrame              # typed; index = spreadsheet row
    violations: list[Violation] = field(default_factory=list)


def _expected_text(col: Col) -> str:
    return {
        "int": "应为整数", "money": "应为数字（金额）", "date": "应为有效日期（如2023-03-01、2023/3/1、20230301、2023年3月1日）",
        "yn": "应为是/否（也可写Y/N、1/0、TRUE/FALSE）", "id": "应为18位居民身份证号码且校验位正确（GB 11643）",
    }.get(col.kind, "")


def convert_table(name: str, raw: pd.DataFrame, file: str) -> Table:
    """Type every column and check every single-column rule."""
    out = pd.DataFrame(index=raw.index)
    vios: list[Violation] = []

    def bad(mask_: pd.Series, col: Col, expected: str, key: str, values=None):
        if not mask_.any():
            return
        vals = (values if values is not None else raw[col.name])[mask_]
        for row, v in vals.items():
            shown = _mask_name(v) if (col.pii and col.kind == "text") else mask(v)
            vios.append(Violation(file, int(row), col.name, shown, expected, key))

    for col in TABLES[name]["cols"]:
        if col.name not in raw.columns:
            continue
        s = raw[col.name]
        blank = s == ""
        if col.required:
            bad(blank, col, "不能为空", "required", values=s)
        if col.kind in ("text", "id"):
            if col.kind == "id":
                s = s.str.upper()
                bad(~blank & ~id_valid(s), col, _expected_text(col), "id_checksum", values=s)
            out[col.name] = s.where(~blank, None).astype(object)
        elif col.kind in ("int", "money"):
            num = parse_number(s)
            notnum = ~blank & num.isna()
            bad(notnum, col, _expected_text(col), "not_a_number")
            if col.kind == "int":
                frac = num.notna() & (num % 1 != 0)
                bad(frac, col, "应为整数", "not_an_integer")
                num = num.where(~frac)
            if col.min is not None:
                bad(num.notna() & (num < col.min), col, f"应不小于{col.min:g}", "below_minimum")
            if col.gt is not None:
                bad(num.notna() & (num <= col.gt), col, f"应大于{col.gt:g}", "not_positive")
            if col.max is not None:
                bad(num.notna() & (num > col.max), col, f"应不大于{col.max:g}", "above_maximum")
            out[col.name] = num.round().astype("Int64") if col.kind == "int" else num.astype(float)
        elif col.kind == "date":
            uniq = pd.unique(s[~blank])
            parsed, monthly, invalid = {}, {}, set()
            for u in uniq:
                try:
                    d, mo = parse_date(u)
                    parsed[u], monthly[u] = d, mo
                except ValueError:
                    invalid.add(u)
            bad(s.isin(invalid), col, _expected_text(col), "invalid_date")
            out[col.name] = pd.to_datetime(s.map(parsed), errors="coerce")
            out[col.name + "_仅月"] = s.isin([u for u, mo in monthly.items() if mo])
        elif col.kind == "yn":
            low = s.str.lower()
            ok = blank | low.isin(YES) | low.isin(NO)
            bad(~ok, col, _expected_text(col), "not_yes_no")
            val = pd.Series(pd.NA, index=s.index, dtype="boolean")
            val[low.isin(YES)] = True
            val[low.isin(NO)] = False
            out[col.name] = val
        elif col.kind == "cat":
            ok = blank | s.isin(col.allowed)
            bad(~ok, col, f"不在允许范围({'/'.join(col.allowed)})", "not_allowed")
            out[col.name] = s.where(ok & ~blank, None).astype(object)
    return Table(name, file, out, vios)


def _dups(df: pd.DataFrame, key: list[str], file: str, pii: set[str]) -> list[Violation]:
    if not all(k in df.columns for k in key):
        return []
    sub = df[key]
    valid = sub.notna().all(axis=1)
    dup = sub.duplicated(keep=False) & valid
    out = []
    if dup.any():
        first = {}
        for row, vals in sub[dup].iterrows():
            k = tuple(vals)
            if k in first:
                shown = "、".join(mask(v) if c in pii else str(v) for c, v in zip(key, k))
                out.append(Violation(file, int(row), "+".join(key), shown,
                                     f"与第{first[k]}行重复，应唯一", "duplicate_key"))
            else:
                first[k] = int(row)
    return out


def cross_checks(tables: dict[str, Table]) -> None:
    """Rules across rows and tables; appends violations to the tables."""
    h = tables.get("households")
    if h is not None:
        f = h.frame
        need_date = f["监测对象类别"].notna() & f["纳入监测日期"].isna() if "纳入监测日期" in f else f["监测对象类别"].notna()
        for row in f.index[need_date]:
            h.violations.append(Violation(h.file, int(row), "纳入监测日期", "", "监测对象类别不为空时必须填写纳入监测日期", "identification_date_required"))
        cat, poor = f["监测对象类别"], f["是否脱贫户"]
        wrong = ((cat == "脱贫不稳定户") & (poor == False)) | (cat.isin(["边缘易致贫户", "突发严重困难户"]) & (poor == True))  # noqa: E712
        for row in f.index[wrong.fillna(False)]:
            h.violations.append(Violation(h.file, int(row), "监测对象类别", cat[row],
                                          "与是否脱贫户不符（脱贫不稳定户须为脱贫户；边缘易致贫户、突发严重困难户须为非脱贫户）",
                                          "category_vs_exited_poor"))
        order = [("风险发现日期", "纳入监测日期"), ("纳入监测日期", "风险消除日期")]
        for a, b in order:
            if a in f and b in f:
                rev = (f[a] > f[b]).fillna(False)
                for row in f.index[rev]:
                    h.violations.append(Violation(h.file, int(row), b, f[b][row].date().isoformat(),
                                                  f"应不早于{a}（{f[a][row].date().isoformat()}）", "date_order"))
        if "风险发现日期" in f and "风险消除日期" in f and "纳入监测日期" in f:
            rev = (f["风险发现日期"] > f["风险消除日期"]).fillna(False) & f["纳入监测日期"].isna()
            for row in f.index[rev]:
                h.violations.append(Violation(h.file, int(row), "风险消除日期", f["风险消除日期"][row].date().isoformat(),
                                              "应不早于风险发现日期", "date_order"))
    hh_ids = set(h.frame["户编号"].dropna()) if h is not None else None
    m = tables.get("members")
    for tname in ("members", "income"):
        t = tables.get(tname)
        if t is not None and hh_ids is not None:
            unknown = t.frame["户编号"].notna() & ~t.frame["户编号"].isin(hh_ids)
            for row in t.frame.index[unknown]:
                t.violations.append(Violation(t.file, int(row), "户编号", mask(t.frame["户编号"][row]),
                                              "在农户信息（households）中不存在", "unknown_household"))
    w = tables.get("work")
    if w is not None and m is not None:
        unknown = w.frame["证件号码"].notna() & ~w.frame["证件号码"].isin(set(m.frame["证件号码"].dropna()))
        for row in w.frame.index[unknown]:
            w.violations.append(Violation(w.file, int(row), "证件号码", mask(w.frame["证件号码"][row]),
                                          "在家庭成员（members）中不存在", "unknown_person"))
    p, pay = tables.get("projects"), tables.get("payments")
    if pay is not None and p is not None:
        pf, yf = p.frame, pay.frame
        keys = set(zip(pf["项目编号"], pf["资金来源"]))
        ids = set(pf["项目编号"].dropna())
        for row, pid, src in zip(yf.index, yf["项目编号"], yf["资金来源"]):
            if pid is None or src is None:
                continue
            if pid not in ids:
                pay.violations.append(Violation(pay.file, int(row), "项目编号", mask(pid), "在衔接资金项目（projects）中不存在", "unknown_project"))
            elif (pid, src) not in keys:
                pay.violations.append(Violation(pay.file, int(row), "资金来源", src, f"项目{pid}没有该资金来源的批复", "unknown_fund_source"))
        approved = {(a, b): Decimal(str(v)) for a, b, v in zip(pf["项目编号"], pf["资金来源"], pf["批复金额"]) if v == v}
        running: dict = {}
        ok_rows = yf["拨付金额"].notna()
        for row, pid, src, amt in zip(yf.index[ok_rows], yf["项目编号"][ok_rows], yf["资金来源"][ok_rows], yf["拨付金额"][ok_rows]):
            k = (pid, src)
            if k not in approved:
                continue
            before = running.get(k, Decimal(0))
            running[k] = before + Decimal(str(amt))
            if running[k] > approved[k] and before <= approved[k]:
                pay.violations.append(Violation(pay.file, int(row), "拨付金额", f"{amt:g}",
                                                f"使累计拨付{running[k]}万元超过批复金额{approved[k]}万元", "overpaid"))
    for t in tables.values():
        key = TABLES[t.name]["key"]
        if key:
            pii = {c.name for c in TABLES[t.name]["cols"] if c.pii}
            t.violations.extend(_dups(t.frame, key, t.file, pii))


# ---------------------------------------------------------------------------
# Townships, pseudonymisation
# ---------------------------------------------------------------------------

def township_of(tables: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """For each table, the township each row belongs to (None where unknown)."""
    out: dict[str, pd.Series] = {}
    h = tables.get("households")
    hh_town = h.set_index("户编号")["乡镇"] if h is not None else pd.Series(dtype=object)
    hh_town = hh_town[~hh_town.index.duplicated()]
    for name, df in tables.items():
        if name in ("households", "projects", "posts"):
            out[name] = df["乡镇"]
        elif name in ("members", "income"):
            out[name] = df["户编号"].map(hh_town)
        elif name == "work":
            m = tables.get("members")
            if m is not None:
                person = m.drop_duplicates("证件号码").set_index("证件号码")["户编号"].map(hh_town)
                out[name] = df["证件号码"].map(person)
            else:
                out[name] = pd.Series(None, index=df.index, dtype=object)
        elif name == "payments":
            p = tables.get("projects")
            if p is not None:
                ptown = p.drop_duplicates("项目编号").set_index("项目编号")["乡镇"]
                out[name] = df["项目编号"].map(ptown)
            else:
                out[name] = pd.Series(None, index=df.index, dtype=object)
    return {k: v.astype(object).where(v.notna(), None) for k, v in out.items()}


def pseudonymise(tables: dict[str, pd.DataFrame], salt: bytes) -> dict[str, pd.DataFrame]:
    """Drop names and ids; derive sex and birth date from ids first."""
    out = {}
    for name, df in tables.items():
        df = df.copy()
        if name == "members":
            ids = df["证件号码"].fillna("")
            shaped = ids.str.fullmatch(r"\d{17}[\dX]").fillna(False).astype(bool)
            sex = pd.Series(None, index=df.index, dtype=object)
            sex[shaped] = np.where(ids[shaped].str[16].astype(int) % 2 == 1, "男", "女")
            birth = pd.to_datetime(ids.where(shaped).str[6:14], format="%Y%m%d", errors="coerce")
            if "性别" not in df:
                df["性别"] = None
            df["性别"] = df["性别"].where(df["性别"].notna(), sex)
            if "出生日期" not in df:
                df["出生日期"] = pd.NaT
                df["出生日期_仅月"] = False
            df["出生日期"] = df["出生日期"].fillna(birth)
        for col in ("户主姓名", "户主证件号码", "姓名"):
            if col in df:
                del df[col]
        if "证件号码" in df:
            uniq = pd.unique(df["证件号码"].dropna())
            table = {u: "P" + hashlib.blake2b(u.encode(), key=salt, digest_size=8).hexdigest() for u in uniq}
            df["证件号码"] = df["证件号码"].map(table).astype(object)
        out[name] = df
    return out


# ---------------------------------------------------------------------------
# A whole dataset
# ---------------------------------------------------------------------------

@dataclass
class Dataset:
    name: str
    path: Path
    hash: str
    files: dict[str, str]                 # table → file name
    tables: dict[str, pd.DataFrame]       # validated and pseudonymised (every row kept)
    township: dict[str, pd.Series]        # table → township of each row
    errors: list[Violation]
    townships: dict[str, str]             # township → county
    bad_townships: set[str]               # townships touched by an error ("*" = all)

    @property
    def ok(self) -> bool:
        return not self.errors

    def usable(self, township: str) -> bool:
        return "*" not in self.bad_townships and township not in self.bad_townships


def dataset_hash(folder: Path) -> str:
    h = hashlib.sha256(f"zhenxing-contract-{CONTRACT_VERSION}".encode())
    for p in sorted(find_tables(folder).values(), key=lambda p: p.name):
        h.update(p.name.encode())
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def read_dataset(folder) -> Dataset:
    """Read every table of a dataset, validate it, pseudonymise it."""
    folder = Path(folder)
    files = find_tables(folder)
    digest = dataset_hash(folder)
    typed: dict[str, Table] = {}
    errors: list[Violation] = []
    for name in TABLE_ORDER:
        if name not in files:
            continue
        path = files[name]
        try:
            raw, _ = read_raw(name, path)
        except StructureError as e:
            errors.append(e.violation)
            continue
        typed[name] = convert_table(name, raw, path.name)
    cross_checks(typed)
    frames = {n: t.frame for n, t in typed.items()}
    towns = township_of(frames)
    bad: set[str] = set()
    if any(v.row is None or v.column is None for v in errors):
        bad.add("*")
    for n, t in typed.items():
        for v in t.violations:
            v.township = towns[n].get(v.row) if v.row is not None else None
            bad.add(v.township if v.township is not None else "?")
        errors.extend(t.violations)
    clean = pseudonymise(frames, salt=bytes.fromhex(digest[:32]))
    townships: dict[str, str] = {}
    for n in ("households", "projects", "posts"):
        if n in clean:
            for t, c in zip(clean[n]["乡镇"], clean[n]["县"]):
                if t is not None and t not in townships:
                    townships[t] = c
    errors.sort(key=lambda v: (TABLE_ORDER.index(_table_of(v.file, files)) if _table_of(v.file, files) else 99,
                               v.row or 0))
    return Dataset(folder.name, folder, digest, {n: p.name for n, p in files.items()}, clean, towns, errors,
                   townships, bad)


def _table_of(file: str, files: dict[str, Path]) -> str | None:
    for n, p in files.items():
        if p.name == file:
            return n
    return None


# ---------------------------------------------------------------------------
# Cache: validated tables as Parquet, one file per table and township
# ---------------------------------------------------------------------------

def cache_root() -> Path:
    return Path(os.environ.get("ZHENXING_CACHE", paths.OUTPUTS / ".cache"))


def _safe(t: str) -> str:
    return hashlib.sha1(t.encode()).hexdigest()[:12]


def _stat_key(folder: Path) -> str:
    """Cheap identity of a dataset's files (path, names, sizes, modification times)."""
    parts = [str(folder)] + [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                             for p in sorted(find_tables(folder).values(), key=lambda p: p.name)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


_memo: dict[tuple[str, str], dict] = {}


def prepare(folder, cache: Path | None = None) -> dict:
    """Validate a dataset once per content hash and cache it; return its metadata.

    The content hash is computed once per version of the files: a small index keyed by
    the files' names, sizes and modification times points to it, so a notebook of a
    200-township county does not re-read the export to find its cache."""
    folder = Path(folder).resolve()
    base = cache or cache_root()
    stat = _stat_key(folder)
    if (str(base), stat) in _memo:
        return _memo[(str(base), stat)]
    pointer = base / "by-stat" / stat
    digest = pointer.read_text().strip() if pointer.exists() else dataset_hash(folder)
    root = base / digest[:20]
    meta_file = root / "meta.json"
    if meta_file.exists():
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        _remember(base, stat, pointer, digest, meta)
        return meta
    ds = read_dataset(folder)
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root.parent, prefix=".tmp-"))
    years: set[int] = set()
    for name, df in ds.tables.items():
        town = ds.township[name]
        d = tmp / name
        d.mkdir()
        for t, part in df.groupby(town.fillna("\0"), sort=False):
            if t == "\0":
                continue
            part.reset_index(drop=True).to_parquet(d / f"{_safe(t)}.parquet", index=False)
        if "年度" in df:
            years.update(int(y) for y in df["年度"].dropna().unique())
    for col in ("纳入监测日期", "风险消除日期"):
        if "households" in ds.tables and col in ds.tables["households"]:
            years.update(int(y) for y in ds.tables["households"][col].dt.year.dropna().unique())
    meta = {
        "name": ds.name, "path": str(folder), "hash": digest, "files": ds.files,
        "tables": sorted(ds.tables), "townships": ds.townships,
        "bad_townships": sorted(ds.bad_townships), "years": sorted(years),
        "errors": [v.to_dict() for v in ds.errors],
    }
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    try:
        os.replace(tmp, root)
    except OSError:  # another process cached it first
        shutil.rmtree(tmp, ignore_errors=True)
    _remember(base, stat, pointer, digest, meta)
    return meta


def _remember(base: Path, stat: str, pointer: Path, digest: str, meta: dict) -> None:
    _memo[(str(base), stat)] = meta
    if not pointer.exists():
        pointer.parent.mkdir(parents=True, exist_ok=True)
        tmp = pointer.with_name(f".{stat}.{os.getpid()}")
        tmp.write_text(digest)
        os.replace(tmp, pointer)


def load_township(folder, township: str, cache: Path | None = None) -> dict[str, pd.DataFrame]:
    """The validated, pseudonymised tables of one township (from the cache)."""
    meta = prepare(folder, cache)
    root = (cache or cache_root()) / meta["hash"][:20]
    if not root.exists():  # the cache was cleared under us
        _memo.clear()
        meta = prepare(folder, cache)
    out = {}
    for name in meta["tables"]:
        f = root / name / f"{_safe(township)}.parquet"
        if f.exists():
            out[name] = pd.read_parquet(f)
        else:
            out[name] = pd.read_parquet(next((root / name).glob("*.parquet"))).iloc[0:0] \
                if any((root / name).glob("*.parquet")) else pd.DataFrame()
    return out
