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

from zhenxing.data import paths

CONTRACT_VERSION = "3"  # 2: full schema on every frame, absent_columns, person-level exports; 3: optional tables

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
ASSISTANCE_TYPES = ("农村低保", "特困供养", "临时救助", "残疾人两项补贴", "孤儿和事实无人抚养儿童",
                    "高龄补贴", "其他")
STAGES = ("学前教育", "义务教育", "普通高中", "中职", "高职", "本科及以上")
COUNTY_LEVEL = "县本级"   # 乡镇 of a project or asset the county holds itself


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

# Optional tables for further topics (data-contract.md "Optional tables"): absent, the
# topic's section says no data was given; present, every rule of the core tables applies.
OPTIONAL_TABLES = ("credit", "assistance", "education_aid", "assets", "villages")
TABLES.update({
    "credit": {
        "stems": ("credit", "小额信贷"),
        "key": ["贷款编号"],             # unique when present (blank ids are not compared)
        "cols": [
            Col("户编号", "text", required=True),
            Col("贷款编号", "text"),
            Col("发放日期", "date", required=True),
            Col("到期日期", "date", required=True),
            Col("贷款金额", "money", required=True, gt=0),
            Col("结清日期", "date"),
            Col("是否续贷展期", "yn"),
            Col("逾期金额", "money", min=0),
            Col("贷款用途", "text"),
        ],
    },
    "assistance": {
        "stems": ("assistance", "社会救助"),
        "key": None,
        "cols": [
            Col("户编号", "text", required=True),
            Col("救助类别", "cat", required=True, allowed=ASSISTANCE_TYPES),
            Col("保障人数", "int", min=1),
            Col("开始日期", "date", required=True),
            Col("终止日期", "date"),
            Col("发放金额", "money", min=0),
            Col("发放年度", "int", min=1990, max=2100),
        ],
    },
    "education_aid": {
        "stems": ("education_aid", "教育资助"),
        "key": None,
        "cols": [
            Col("证件号码", "id", required=True, pii=True),
            Col("学年", "text", required=True),
            Col("学段", "cat", required=True, allowed=STAGES),
            Col("资助项目", "text", required=True),
            Col("金额", "money", required=True, min=0),
            Col("发放日期", "date"),
        ],
    },
    "assets": {
        "stems": ("assets", "项目资产"),
        "key": ["资产编号"],
        "cols": [
            Col("资产编号", "text", required=True),
            Col("项目编号", "text"),
            Col("县", "text", required=True),
            Col("乡镇", "text", required=True),
            Col("村", "text"),
            Col("资产名称", "text", required=True),
            Col("资产类别", "cat", required=True, allowed=ASSET_CLASSES),
            Col("形成年度", "int", required=True, min=1990, max=2100),
            Col("资产原值", "money", required=True, gt=0),
            Col("确权日期", "date"),
            Col("当年收益", "money", min=0),
        ],
    },
    "villages": {
        "stems": ("villages", "村"),
        "key": None,                     # (乡镇, 村[, 年度]) unique: see cross_checks
        "cols": [
            Col("县", "text", required=True),
            Col("乡镇", "text", required=True),
            Col("村", "text", required=True),
            Col("是否脱贫村", "yn"),
            Col("村民小组数", "int", min=0),
            Col("网格员数", "int", min=0),
            Col("驻村工作队员数", "int", min=0),
            Col("村集体经济收入", "money", min=0),
            Col("年度", "int", min=1990, max=2100),
        ],
    },
})
TABLE_ORDER = list(TABLES)
# 学年 as the schools write it: 2023-2024 (also 2023/2024, 2023—2024, 2023至2024, 2023-24, 2023学年)
SCHOOL_YEAR = re.compile(r"(\d{4})\s*(?:[-/—–~至]\s*(\d{4}|\d{2}))?\s*(?:学年)?")

# Column names used by the national system's exports, by table (same meaning).
ALIASES = {
    "纳入监测日期": ("识别监测时间",),
    "风险消除日期": ("消除监测时间", "风险消除时间"),
    "风险发现日期": ("风险识别时间",),
    "是否脱贫户": ("户类型",),
    "家庭人口数": ("人数",),
    "乡镇": ("乡", "乡(镇)"),
    "村": ("行政村",),
    # optional tables: the names the credit, civil-affairs, school and asset systems use
    "贷款编号": ("借据号", "借据编号", "贷款合同号"),
    "发放日期": ("放款日期", "贷款发放日期"),
    "到期日期": ("贷款到期日期", "还款到期日期"),
    "贷款金额": ("贷款金额(万元)", "放款金额(万元)"),
    "结清日期": ("还清日期", "贷款结清日期"),
    "逾期金额": ("逾期金额(万元)",),
    "救助类别": ("救助类型", "保障类别"),
    "保障人数": ("享受人数", "救助人数"),
    "发放金额": ("发放金额(元)", "救助金额(元)"),
    "资助项目": ("资助类型", "资助项目名称"),
    "学段": ("就读学段",),
    "金额": ("资助金额", "资助金额(元)"),
    "资产原值": ("资产原值(万元)", "资产价值(万元)"),
    "确权日期": ("资产确权日期", "确权时间"),
    "当年收益": ("当年收益(万元)", "年收益(万元)"),
    "是否脱贫村": ("是否贫困村", "是否原贫困村"),
    "驻村工作队员数": ("驻村工作队人数", "驻村干部数"),
    "村集体经济收入": ("村集体经济收入(万元)", "村集体经济经营性收入(万元)", "集体经济收入(万元)"),
}
HOUSEHOLD_TYPE = {"脱贫户": "是", "一般农户": "否", "普通农户": "否", "非脱贫户": "否"}
RISK_VARIANTS = {"因安全住房": "因住房安全", "因安全饮水": "因饮水安全", "缺劳动力": "因缺劳动力"}

# The national system's person-level export (one row per member, household columns
# repeated): column variants → contract column.  Matched after _norm_col.
PERSON_ALIASES = {
    "县": ("县(市、区、旗)", "县(市,区,旗)", "县(市区旗)", "县(市、区)"),
    "乡镇": ("乡(镇)", "乡", "乡(镇、街道)"),
    "村": ("行政村", "村(社区)"),
    "组": ("自然村", "自然村(组)"),
    "是否脱贫户": ("户类型",),
    "家庭人口数": ("人数", "家庭人口"),
    "监测对象类别": ("易返贫致贫户(监测对象)类型", "监测对象类型"),
    "纳入监测日期": ("识别监测时间", "风险识别时间"),
    "风险消除日期": ("消除监测时间", "风险消除时间"),
    "主要风险类型": ("致贫/返贫风险1", "主要致贫/返贫风险", "致贫返贫风险1"),
    "是否参加基本医疗保险": ("是否参加城乡居民基本医疗保险",),
    "是否参加基本养老保险": ("是否参加城乡居民基本养老保险",),
}
PERSON_SIGNATURE = {"户编号", "证件号码", "与户主关系"}
# any one of these (after aliasing) marks the household columns of a person-level export
PERSON_MARKERS = {"是否脱贫户", "监测对象类别", "家庭人口数", "纳入监测日期", "风险消除日期", "主要风险类型"}
ELIMINATED_FLAG = "风险是否已消除"
PER_CAPITA_INCOME = "人均纯收入(元)"

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


class StructureError(Exception):
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


# ---------------------------------------------------------------------------
# Finding and reading files
# ---------------------------------------------------------------------------

def _data_files(folder: Path) -> list[Path]:
    """Every .csv/.xlsx file of a dataset folder (hidden files and Excel lock files left out)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"数据集目录不存在：{folder} [dataset_not_found]")
    return [p for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix.lower() in (".csv", ".xlsx") and not p.name.startswith((".", "~$"))]


def _table_cn(name: str) -> str:
    return f"{TABLES[name]['stems'][1]}（{name}）"


@dataclass
class Source:
    """One data file and what it was taken as."""
    path: Path
    kind: str                    # a table name, "person" (person-level export) or "unknown"
    rows: list | None = None     # the sheet as text when it had to be read to classify it

    def describe(self) -> str:
        if self.kind == "person":
            return ("国家系统人员级导出（每个家庭成员一行），拆分为 农户信息（households）"
                    "和 家庭成员（members） [person_level_export]")
        if self.kind in TABLES:
            return f"{_table_cn(self.kind)} [{self.kind}]"
        return ("未识别，未使用：文件名不是规范表名，表头也不是国家系统人员级导出"
                " [unrecognised_file]")


def _stem_table(p: Path) -> str | None:
    stem = _clean_name(p.stem)
    for name, spec in TABLES.items():
        if stem in spec["stems"]:
            return name
    return None


def _peek_rows(p: Path) -> tuple[list[list[str]], list | None]:
    """The first rows of a file as text (for recognising it); xlsx rows are all read and
    returned too so the file is parsed once. Unreadable files give no rows."""
    try:
        raw = p.read_bytes()
    except OSError:
        return [], None
    if p.suffix.lower() == ".xlsx":
        try:
            rows = _xlsx_rows(raw, p.name)
        except StructureError:
            return [], None
        return rows[:6], rows
    head = raw[:65536]
    if len(raw) > len(head):
        head = head[:head.rfind(b"\n") + 1] or head
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("gb18030", errors="replace")
    import csv
    try:
        return [r for _, r in zip(range(6), csv.reader(io.StringIO(text)))], None
    except csv.Error:
        return [], None


def _is_person_header(cells: list[str]) -> bool:
    cols = set(_person_columns(cells))
    return PERSON_SIGNATURE <= cols and bool(PERSON_MARKERS & cols)


def scan(folder) -> list[Source]:
    """Every data file and what it is taken as: a person-level export is recognised by
    its columns under any file name; other files by their stem; the rest are unrecognised."""
    out = []
    for p in _data_files(folder):
        head, rows = _peek_rows(p)
        if any(_is_person_header(r) for r in head):
            out.append(Source(p, "person", rows))
        else:
            out.append(Source(p, _stem_table(p) or "unknown", rows))
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


def _norm_col(c) -> str:
    s_ = _clean_name(c).replace("（", "(").replace("）", ")").replace("，", ",")
    return re.sub(r"\s+", "", s_)


_ALIAS_OF = {_norm_col(a): canon for canon, al in ALIASES.items() for a in al}
_PERSON_ALIAS_OF = {_norm_col(a): canon for canon, al in PERSON_ALIASES.items() for a in al}


def _rename(columns: list, table: dict[str, str]) -> list[str]:
    cols = [_clean_name(c) for c in columns]
    present = set(cols)
    out = []
    for c in cols:
        canon = table.get(_norm_col(c))
        if canon is not None and canon not in present:
            c = canon
            present.add(canon)
        out.append(c)
    return out


def _canonical_columns(columns: list[str]) -> list[str]:
    return _rename(columns, _ALIAS_OF)


def _person_columns(columns: list[str]) -> list[str]:
    return [_norm_col(c) if _norm_col(c) in (ELIMINATED_FLAG, PER_CAPITA_INCOME) else c
            for c in _rename(columns, _PERSON_ALIAS_OF)]


def _xlsx_rows(raw: bytes, file: str) -> list[list[str]]:
    if not raw.startswith(b"PK\x03\x04"):
        raise StructureError(file, "不是有效的xlsx文件（文件内容与扩展名不符）", "not_xlsx")
    try:
        from python_calamine import CalamineWorkbook
        wb = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:
        raise StructureError(file, "无法读取xlsx文件（文件损坏或不是Excel工作簿）", "unreadable_xlsx") from None
    return [[_cell_text(v) for v in r] for r in rows]


def _csv_rows(raw: bytes, file: str) -> list[list[str]]:
    import csv
    text = decode_csv(raw, file)
    try:
        return [r for r in csv.reader(io.StringIO(text))]
    except csv.Error:
        raise StructureError(file, "无法按CSV格式读取（分隔符或引号有误）", "unreadable_csv") from None


def _grid_frame(rows: list[list[str]], header_at: int, header: list[str]) -> pd.DataFrame:
    body = rows[header_at + 1:]
    width = len(header)
    body = [(list(r) + [""] * width)[:width] for r in body]
    df = pd.DataFrame(body, columns=header, dtype=object)
    first_row = header_at + 2
    df.index = pd.RangeIndex(first_row, first_row + len(df))  # index = spreadsheet row
    return df


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
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
    required = _required_names(name)
    if path.suffix.lower() == ".xlsx":
        if rows is None:
            rows = _xlsx_rows(raw, file)
        header_at = None
        for i, r in enumerate(rows[:6]):
            if required <= set(_canonical_columns(r)):
                header_at = i
                break
        if header_at is None:
            if not any(any(c for c in r) for r in rows):
                raise StructureError(file, "文件为空（没有表头）", "empty_file")
            best = max(rows[:6], key=lambda r: len(required & set(_canonical_columns(r))), default=[])
            missing = sorted(required - set(_canonical_columns(best)))
            raise StructureError(file, f"缺少必需的列：{'、'.join(missing)}（表头须在前6行内）", "missing_columns")
        df = _grid_frame(rows, header_at, _canonical_columns(rows[header_at]))
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
        df.columns = _canonical_columns(list(df.columns))
        first_row = 2
        missing = sorted(required - set(df.columns))
        if missing:
            raise StructureError(file, f"缺少必需的列：{'、'.join(missing)}", "missing_columns")
        df.index = pd.RangeIndex(first_row, first_row + len(df))
    df = _tidy(df)
    keep = [c.name for c in TABLES[name]["cols"] if c.name in df.columns]
    df = df[keep]
    if name == "households":
        if "是否脱贫户" in df.columns:
            df["是否脱贫户"] = df["是否脱贫户"].map(lambda v: HOUSEHOLD_TYPE.get(v, v))
        if "主要风险类型" in df.columns:
            df["主要风险类型"] = df["主要风险类型"].map(lambda v: RISK_VARIANTS.get(v, v))
    return df, first_row


# ---------------------------------------------------------------------------
# The national system's person-level export → households + members
# ---------------------------------------------------------------------------

_HH_FROM_PERSON = [c.name for c in TABLES["households"]["cols"]
                   if c.name not in ("户编号", "户主姓名", "户主证件号码", "家庭人口数")]
_MEMBER_FROM_PERSON = [c.name for c in TABLES["members"]["cols"]]


@dataclass
class PersonExport:
    file: str
    households: pd.DataFrame     # text; index = spreadsheet row of the household's first member row
    members: pd.DataFrame        # text; index = spreadsheet row
    violations: list[Violation]
    original: dict[str, str]     # contract column → the file's own column name
    per_capita_income: pd.Series | None = None   # 人均纯收入（元） by 户编号, text


def read_person(path: Path, rows: list | None = None) -> PersonExport:
    """Split a person-level export (one row per member, household columns repeated) into
    households and members, as text frames in contract column names."""
    file = path.name
    if rows is None:
        raw = path.read_bytes()
        if not raw.strip():
            raise StructureError(file, "文件为空（没有表头）", "empty_file")
        rows = _xlsx_rows(raw, file) if path.suffix.lower() == ".xlsx" else _csv_rows(raw, file)
    header_at = next((i for i, r in enumerate(rows[:6]) if _is_person_header(r)), None)
    if header_at is None:
        raise StructureError(file, "没有找到人员级导出的表头（户编号、证件号码、与户主关系，表头须在前6行内）",
                             "missing_columns")
    names = _person_columns(rows[header_at])
    original = {}
    for orig, canon in zip(rows[header_at], names):
        original.setdefault(canon, _clean_name(orig))
    df = _tidy(_grid_frame(rows, header_at, names))
    required = (_required_names("households") | _required_names("members")) - {"家庭人口数"}
    missing = sorted(required - set(df.columns))
    if missing:
        shown = [original.get(m, m) if m in original else m for m in missing]
        raise StructureError(file, f"缺少必需的列：{'、'.join(shown)}（人员级导出）", "missing_columns")
    if "是否脱贫户" in df.columns:
        df["是否脱贫户"] = df["是否脱贫户"].map(lambda v: HOUSEHOLD_TYPE.get(v, v))
    if "主要风险类型" in df.columns:
        df["主要风险类型"] = df["主要风险类型"].map(lambda v: RISK_VARIANTS.get(v, v))
    vios: list[Violation] = []
    blank_id = df["户编号"] == ""   # reported through members (户编号 is required there)
    members = df[[c for c in _MEMBER_FROM_PERSON if c in df.columns]]
    have = df[~blank_id]
    hh_cols = [c for c in _HH_FROM_PERSON if c in have.columns]
    extra = [c for c in (ELIMINATED_FLAG, PER_CAPITA_INCOME) if c in have.columns]
    size_col = "家庭人口数" if "家庭人口数" in have.columns else None
    cols = hh_cols + extra + ([size_col] if size_col else [])
    first_row = pd.Series(have.index, index=have.index).groupby(have["户编号"], sort=False).min()
    values: dict[str, pd.Series] = {}
    for c in cols:
        filled = have[c].where(have[c] != "")
        n = filled.groupby(have["户编号"], sort=False).nunique()
        for h in n.index[n > 1]:
            sub = have.loc[(have["户编号"] == h) & (have[c] != ""), c]
            detail = "，".join(f"第{r}行“{mask(v)}”" for r, v in sub.items())
            vios.append(Violation(file, int(sub.index[0]), original.get(c, c), None,
                                  f"同一户各成员行不一致：{detail}（户信息列在每个成员行上须相同）",
                                  "household_rows_disagree", township=h, record=f"户编号 {mask(h)}"))
        values[c] = filled.groupby(have["户编号"], sort=False).first().reindex(first_row.index).fillna("")
    hh = pd.DataFrame(values, index=first_row.index)
    count = have.groupby("户编号", sort=False).size().reindex(first_row.index).astype(str)
    if size_col:
        hh["家庭人口数"] = hh["家庭人口数"].where(hh["家庭人口数"] != "", count)
    else:
        hh["家庭人口数"] = count
    hh.insert(0, "户编号", hh.index.astype(object))
    hh.index = pd.Index(first_row.to_numpy(), dtype="int64")
    if ELIMINATED_FLAG in hh.columns:
        flag = hh.pop(ELIMINATED_FLAG).str.lower()
        elim = hh["风险消除日期"] if "风险消除日期" in hh.columns else pd.Series("", index=hh.index)
        for row in hh.index[flag.isin(YES) & (elim == "")]:
            vios.append(Violation(file, int(row), original.get("风险消除日期", "消除监测时间"), "",
                                  f"{original.get(ELIMINATED_FLAG, ELIMINATED_FLAG)}为“是”时必须填写消除监测时间",
                                  "elimination_date_required", township=hh.at[row, "户编号"],
                                  record=f"户编号 {mask(hh.at[row, '户编号'])}"))
    pci = hh.pop(PER_CAPITA_INCOME) if PER_CAPITA_INCOME in hh.columns else None
    if pci is not None:
        pci.index = hh["户编号"].to_numpy()
    order = [c.name for c in TABLES["households"]["cols"] if c.name in hh.columns]
    return PersonExport(file, hh[order], members, vios, original, pci)


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
    frame: pd.DataFrame              # typed; index = spreadsheet row (or part-encoded, see locate)
    violations: list[Violation] = field(default_factory=list)
    absent: tuple = ()               # contract columns the source did not provide
    parts: tuple = ()                # file names when merged from several files
    record: pd.Series | None = None  # index → the record's key as shown in messages

    def locate(self, row: int | None) -> tuple[str, int | None]:
        """(file, spreadsheet row) of a frame index value."""
        if row is None or not self.parts:
            return self.file, row
        return self.parts[int(row) // PART], int(row) % PART


PART = 10 ** 9   # index of a merged table: part number × PART + spreadsheet row
DROPPED = ("户主姓名", "户主证件号码", "姓名")   # PII dropped after validation
_DTYPE = {"text": "object", "id": "object", "cat": "object", "int": "Int64", "money": "float64",
          "date": "datetime64[ns]", "yn": "boolean"}
RECORD_KEY = {"households": "户编号", "members": "证件号码", "work": "证件号码", "income": "户编号",
              "projects": "项目编号", "payments": "项目编号", "posts": "证件号码",
              "credit": "户编号", "assistance": "户编号", "education_aid": "证件号码",
              "assets": "资产编号", "villages": "村"}


def schema(name: str) -> list[tuple[str, str]]:
    """The columns and dtypes of a validated, pseudonymised table, in order."""
    out = []
    for c in TABLES[name]["cols"]:
        if c.name in DROPPED:
            continue
        out.append((c.name, _DTYPE[c.kind]))
        if c.kind == "date":
            out.append((c.name + "_仅月", "bool"))
    return out


def _null(kind: str, index) -> pd.Series:
    if kind == "date":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if kind in ("text", "id", "cat"):
        return pd.Series(None, index=index, dtype=object)
    return pd.Series(pd.NA if kind != "money" else np.nan, index=index, dtype=_DTYPE[kind])


def _nulls_are_none(s: pd.Series) -> bool:
    """Whether every null of an object column is already None (as a cached table's text
    columns read back are), so conform can keep the column as it is."""
    na = s.isna()
    return not na.any() or all(v is None for v in s[na])


def conform(name: str, df: pd.DataFrame | None = None) -> pd.DataFrame:
    """A frame with exactly the table's schema (missing columns as typed nulls, types cast);
    ``None`` gives the empty frame of the table."""
    if df is None:
        df = pd.DataFrame(index=pd.RangeIndex(0))
    out = {}
    for col, dtype in schema(name):
        if col in df.columns:
            s_ = df[col]
            if dtype == "object":
                if s_.dtype != object or not _nulls_are_none(s_):
                    s_ = s_.astype(object).where(s_.notna(), None)
            elif str(s_.dtype) != dtype:
                s_ = s_.fillna(False).astype(bool) if dtype == "bool" else s_.astype(dtype)
            out[col] = s_
        elif dtype == "bool":
            out[col] = pd.Series(False, index=df.index, dtype=bool)
        else:
            kind = next(c.kind for c in TABLES[name]["cols"] if c.name == col)
            out[col] = _null(kind, df.index)
    res = pd.DataFrame(out, index=df.index)
    res.attrs = dict(df.attrs)
    return res


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

    absent = []
    for col in TABLES[name]["cols"]:
        if col.name not in raw.columns:
            absent.append(col.name)
            out[col.name] = _null(col.kind, raw.index)
            if col.kind == "date":
                out[col.name + "_仅月"] = pd.Series(False, index=raw.index, dtype=bool)
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
            out[col.name] = pd.to_datetime(s.map(parsed), errors="coerce").astype("datetime64[ns]")
            out[col.name + "_仅月"] = s.isin([u for u, mo in monthly.items() if mo]).astype(bool)
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
    key = RECORD_KEY.get(name)
    record = None
    if key in raw.columns:
        k = raw[key]
        record = (key + " " + k.map(mask)).where(k != "", None)
    return Table(name, file, out, vios, absent=tuple(absent), record=record)


def _dups(df: pd.DataFrame, key: list[str], file: str, pii: set[str], locate=None) -> list[Violation]:
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
                where = f"第{first[k]}行"
                if locate is not None:
                    f0, r0 = locate(first[k])
                    f1, _ = locate(row)
                    where = f"第{r0}行" if f0 == f1 else f"{f0}第{r0}行"
                out.append(Violation(file, int(row), "+".join(key), shown,
                                     f"与{where}重复，应唯一", "duplicate_key"))
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
                # a month-only date is the 1st of its month: the same month is not reversed
                coarse = f[a + "_仅月"] | f[b + "_仅月"]
                rev &= ~(coarse & (f[a].dt.to_period("M") == f[b].dt.to_period("M")))
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
    for tname in ("members", "income", "credit", "assistance"):
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
    _optional_checks(tables)
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
            t.violations.extend(_dups(t.frame, key, t.file, pii, t.locate))


def _optional_checks(tables: dict[str, Table]) -> None:
    """Rules of the optional tables across rows and tables (besides unknown 户编号 and
    the unique keys, which the core loops handle)."""
    m = tables.get("members")
    ea = tables.get("education_aid")
    if ea is not None:
        f = ea.frame
        if m is not None:
            unknown = f["证件号码"].notna() & ~f["证件号码"].isin(set(m.frame["证件号码"].dropna()))
            for row in f.index[unknown]:
                ea.violations.append(Violation(ea.file, int(row), "证件号码", mask(f["证件号码"][row]),
                                               "在家庭成员（members）中不存在", "unknown_person"))
        sy = f["学年"]
        bad = sy.notna() & ~sy.fillna("").astype(str).str.fullmatch(SCHOOL_YEAR).fillna(False).astype(bool)
        for row in f.index[bad]:
            ea.violations.append(Violation(ea.file, int(row), "学年", str(sy[row]),
                                           "应为学年，如2023-2024", "school_year_form"))
    cr = tables.get("credit")
    if cr is not None:
        f = cr.frame
        rev = (f["发放日期"] > f["到期日期"]).fillna(False)
        coarse = f["发放日期_仅月"] | f["到期日期_仅月"]
        rev &= ~(coarse & (f["发放日期"].dt.to_period("M") == f["到期日期"].dt.to_period("M")))
        for row in f.index[rev]:
            cr.violations.append(Violation(cr.file, int(row), "到期日期", f["到期日期"][row].date().isoformat(),
                                           f"应不早于发放日期（{f['发放日期'][row].date().isoformat()}）", "date_order"))
    vi = tables.get("villages")
    if vi is not None:
        f = vi.frame
        key = ["乡镇", "村"] + (["年度"] if "年度" not in vi.absent else [])
        sub = f[key].astype(object).where(f[key].notna(), "")
        valid = f["乡镇"].notna() & f["村"].notna()
        dup = sub.duplicated(keep=False) & valid
        first: dict = {}
        for row, vals in sub[dup].iterrows():
            k = tuple(str(v) for v in vals)
            if k in first:
                f0, r0 = vi.locate(first[k])
                f1, _ = vi.locate(row)
                where = f"第{r0}行" if f0 == f1 else f"{f0}第{r0}行"
                vi.violations.append(Violation(vi.file, int(row), "+".join(key), "、".join(v for v in k if v),
                                               f"与{where}重复，同一乡镇的村{'在同一年度' if len(key) == 3 else ''}应唯一",
                                               "duplicate_key"))
            else:
                first[k] = row


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
        if name in ("households", "projects", "posts", "assets", "villages"):
            out[name] = df["乡镇"]
        elif name == "education_aid":
            m = tables.get("members")
            if m is not None:
                person = m.drop_duplicates("证件号码").set_index("证件号码")["户编号"].map(hh_town)
                out[name] = df["证件号码"].map(person)
            else:
                out[name] = pd.Series(None, index=df.index, dtype=object)
        elif name in ("members", "income", "credit", "assistance"):
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
    """Drop names and ids; derive sex and birth date from ids first. Every frame leaves
    with exactly the table's ``schema``."""
    out = {}
    for name, df in tables.items():
        df = df.copy()
        if name == "members":
            ids = df["证件号码"].fillna("")
            shaped = ids.str.fullmatch(r"\d{17}[\dX]").fillna(False).astype(bool)
            sex = pd.Series(None, index=df.index, dtype=object)
            if shaped.any():
                sex[shaped] = np.where(ids[shaped].str[16].astype(int) % 2 == 1, "男", "女")
            birth = pd.to_datetime(ids.where(shaped).str[6:14], format="%Y%m%d", errors="coerce")
            df["性别"] = df["性别"].where(df["性别"].notna(), sex)
            df["出生日期"] = df["出生日期"].fillna(birth)
        if "证件号码" in df:
            uniq = pd.unique(df["证件号码"].dropna())
            table = {u: "P" + hashlib.blake2b(u.encode(), key=salt, digest_size=8).hexdigest() for u in uniq}
            df["证件号码"] = df["证件号码"].map(table).astype(object)
        out[name] = conform(name, df)
    return out


# ---------------------------------------------------------------------------
# A whole dataset
# ---------------------------------------------------------------------------

@dataclass
class Dataset:
    name: str
    path: Path
    hash: str
    files: dict[str, str]                 # table → file name(s), "、"-joined when several
    tables: dict[str, pd.DataFrame]       # validated and pseudonymised (every row kept)
    township: dict[str, pd.Series]        # table → township of each row
    errors: list[Violation]
    townships: dict[str, str]             # township → county
    bad_townships: set[str]               # townships touched by an error ("*" = all, "?" = none known)
    absent_columns: dict[str, list[str]] = field(default_factory=dict)  # table → columns not given
    # table → township → columns not given for that township's rows (tables merged from
    # several files whose columns differ, e.g. a person-level export beside a contract file)
    absent_by_township: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    sources: list[tuple[str, str]] = field(default_factory=list)       # (file, what it was taken as)

    @property
    def ok(self) -> bool:
        return not self.errors

    def usable(self, township: str) -> bool:
        return "*" not in self.bad_townships and township not in self.bad_townships


def dataset_hash(folder: Path) -> str:
    h = hashlib.sha256(f"zhenxing-contract-{CONTRACT_VERSION}".encode())
    for p in _data_files(folder):
        h.update(p.name.encode())
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _merge_parts(name: str, parts: list[tuple[str, pd.DataFrame]]) -> tuple[pd.DataFrame, tuple, str]:
    """One text frame from several files: index = part × PART + spreadsheet row."""
    if len(parts) == 1:
        return parts[0][1], (), parts[0][0]
    frames = []
    for i, (_, df) in enumerate(parts):
        df = df.copy()
        df.index = pd.Index(np.asarray(df.index, dtype="int64") + i * PART, dtype="int64")
        frames.append(df)
    cols = [c.name for c in TABLES[name]["cols"] if any(c.name in f.columns for f in frames)]
    merged = pd.concat([f.reindex(columns=[c for c in cols if c in f.columns]) for f in frames])
    merged = merged.reindex(columns=cols).fillna("")
    names = tuple(f for f, _ in parts)
    return merged, names, "、".join(names)


def _merge_person(exports: list[PersonExport]) -> tuple[list, list, list[Violation]]:
    """Households and members of several person-level exports, merged by 户编号: the same
    household in two files must agree; it is taken once (from the first file), and a
    member already given under the same 户编号 is taken once."""
    hh_parts, mem_parts, vios = [], [], []
    seen: dict[str, tuple[str, int, pd.Series]] = {}
    seen_people: dict[str, str] = {}
    for ex in exports:
        h = ex.households
        keep = pd.Series(True, index=h.index)
        for row, rec in h.iterrows():
            hid = rec["户编号"]
            if hid not in seen:
                seen[hid] = (ex.file, int(row), rec)
                continue
            f0, r0, rec0 = seen[hid]
            for c in rec.index:
                if c != "户编号" and c in rec0.index and rec[c] != "" and rec0[c] != "" and rec[c] != rec0[c]:
                    v = Violation(ex.file, int(row), ex.original.get(c, c), mask(rec[c]),
                                  f"与{f0}第{r0}行同一户的“{mask(rec0[c])}”不一致（同一户在两个导出文件中须相同）",
                                  "household_files_disagree", township=hid, record=f"户编号 {mask(hid)}")
                    vios.append(v)
            keep[row] = False
        m = ex.members
        prev = m["证件号码"].map(seen_people)
        drop = prev.notna() & (prev == m["户编号"])
        for pid, hid in zip(m["证件号码"][~drop], m["户编号"][~drop]):
            if pid:
                seen_people.setdefault(pid, hid)
        hh_parts.append((ex.file, h[keep]))
        mem_parts.append((ex.file, m[~drop]))
    return hh_parts, mem_parts, vios


def read_dataset(folder) -> Dataset:
    """Read every table of a dataset, validate it, pseudonymise it.

    Raises ``UnusableDataset`` when the folder gives no households table at all."""
    folder = Path(folder)
    sources = scan(folder)
    if not any(s_.kind in ("households", "person") for s_ in sources):
        raise UnusableDataset(folder.name, sources)
    digest = dataset_hash(folder)
    errors: list[Violation] = []
    extra: list[Violation] = []
    parts: dict[str, list[tuple[str, pd.DataFrame]]] = {}
    exports: list[PersonExport] = []
    original: dict[str, dict[str, str]] = {}
    for s_ in sources:
        try:
            if s_.kind == "person":
                ex = read_person(s_.path, s_.rows)
                exports.append(ex)
                original[ex.file] = {k: v for k, v in ex.original.items() if k != v}
                extra.extend(ex.violations)
            elif s_.kind in TABLES:
                raw, _ = read_raw(s_.kind, s_.path, s_.rows)
                parts.setdefault(s_.kind, []).append((s_.path.name, raw))
        except StructureError as e:
            errors.append(e.violation)
    if exports:
        hh_parts, mem_parts, vios = _merge_person(exports)
        extra.extend(vios)
        for name, ps in (("households", hh_parts), ("members", mem_parts)):
            parts[name] = parts.get(name, []) + ps   # a contract file first, then the exports
    typed: dict[str, Table] = {}
    files: dict[str, str] = {}
    for name in TABLE_ORDER:
        if name not in parts:
            continue
        raw, names, label = _merge_parts(name, parts[name])
        t = convert_table(name, raw, label)
        t.parts = names
        typed[name] = t
        files[name] = label
    cross_checks(typed)
    frames = {n: t.frame for n, t in typed.items()}
    towns = township_of(frames)
    bad: set[str] = set()
    if any(v.row is None or v.column is None for v in errors):
        bad.add("*")
    for n, t in typed.items():
        for v in t.violations:
            i = v.row
            v.township = towns[n].get(i) if i is not None else None
            if t.record is not None and i is not None and v.record is None \
                    and v.column != RECORD_KEY.get(n) and i in t.record.index:
                v.record = t.record.get(i)
            v.file, v.row = t.locate(i)
            if v.column and v.file in original:
                v.column = original[v.file].get(v.column, v.column)
            bad.add(v.township if v.township is not None else "?")
        errors.extend(t.violations)
    hh_town = dict(zip(frames["households"]["户编号"], frames["households"]["乡镇"])) \
        if "households" in frames else {}
    for v in extra:   # person-level rules carry the raw 户编号 in .township until here
        v.township = hh_town.get(v.township) if v.township is not None else None
        bad.add(v.township if v.township is not None else "?")
    errors.extend(extra)
    clean = pseudonymise(frames, salt=bytes.fromhex(digest[:32]))
    townships: dict[str, str] = {}
    for n in ("households", "projects", "posts"):
        if n in clean:
            for t, c in zip(clean[n]["乡镇"], clean[n]["县"]):
                if t is not None and t not in townships:
                    townships[t] = c
    order = {f: i for i, f in enumerate(s_.path.name for s_ in sources)}
    errors.sort(key=lambda v: (order.get(v.file.split(" / ")[0], 99), v.row or 0))
    absent = {}
    for n, t in typed.items():
        cols = [c for c in t.absent if c not in DROPPED]
        if n == "members":
            cols = [c for c in cols if c not in ("性别", "出生日期")]   # derived from the id
        absent[n] = cols
    by_town: dict[str, dict[str, list[str]]] = {}
    for n, t in typed.items():
        if not t.parts:
            continue
        own = [set(c.name for c in TABLES[n]["cols"]) - set(df.columns) for _, df in parts[n]]
        part_no = pd.Series(np.asarray(t.frame.index, dtype="int64") // PART, index=t.frame.index)
        for town, nos in part_no.groupby(towns[n].fillna("\0")):
            if town == "\0":
                continue
            cols = set().union(*(own[int(k)] for k in nos.unique()))
            by_town.setdefault(n, {})[town] = [c for c in absent_order(n, cols)]
        absent[n] = absent_order(n, set().union(*own))
    return Dataset(folder.name, folder, digest, files, clean, towns, errors, townships, bad,
                   absent_columns=absent, absent_by_township=by_town,
                   sources=[(s_.path.name, s_.describe()) for s_ in sources])


def absent_order(name: str, cols: set) -> list[str]:
    """Absent contract columns in contract order, without dropped PII and (members) the
    columns derived from the id number."""
    skip = set(DROPPED) | ({"性别", "出生日期"} if name == "members" else set())
    return [c.name for c in TABLES[name]["cols"] if c.name in cols and c.name not in skip]


# ---------------------------------------------------------------------------
# Cache: validated tables as Parquet, one file per table and township
# ---------------------------------------------------------------------------

def cache_root() -> Path:
    return Path(os.environ.get("ZHENXING_CACHE", paths.OUTPUTS / ".cache"))


def _safe(t: str) -> str:
    return hashlib.sha1(t.encode()).hexdigest()[:12]


def _stat_key(folder: Path) -> str:
    """Cheap identity of a dataset's files (path, names, sizes, modification times)."""
    parts = [CONTRACT_VERSION, str(folder)] + [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                                               for p in _data_files(folder)]
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
        "absent_columns": ds.absent_columns,
        "absent_columns_by_township": ds.absent_by_township,
        "sources": [{"file": f, "taken_as": d} for f, d in ds.sources],
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


def load_township(folder, township: str, cache: Path | None = None, *,
                  only: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """The validated, pseudonymised tables of one township (from the cache).

    Every table the dataset gives is in the dict with its full schema (``schema(name)``),
    also when the township has no rows in it; a table the dataset does not give is not.
    ``frame.attrs["absent_columns"]`` is the tuple of contract columns the source did not
    provide (present in the frame as typed nulls). ``only``: just these tables (those
    the dataset gives)."""
    meta, root = _cached(folder, cache)
    absent = meta.get("absent_columns", {})
    by_town = meta.get("absent_columns_by_township", {})
    out = {}
    for name in meta["tables"]:
        if only is not None and name not in only:
            continue
        f = root / name / f"{_safe(township)}.parquet"
        df = conform(name, pd.read_parquet(f) if f.exists() else None)
        cols = by_town.get(name, {}).get(township, absent.get(name, ()))
        df.attrs["absent_columns"] = tuple(cols)
        out[name] = df
    return out


def _cached(folder, cache: Path | None) -> tuple[dict, Path]:
    """The dataset's meta and the folder of its cached tables (validated first if need be)."""
    meta = prepare(folder, cache)
    root = (cache or cache_root()) / meta["hash"][:20]
    if not root.exists():  # the cache was cleared under us
        _memo.clear()
        meta = prepare(folder, cache)
    return meta, root


POOL_PARTIAL = {("households", "风险发现日期")}


def load_county(folder, townships, cache: Path | None = None, *, county_level: bool = True
                ) -> dict[str, pd.DataFrame]:
    """The validated, pseudonymised tables of several townships together (the county
    summary), concatenated from their cached partitions — plus the county's own rows
    (乡镇 = 县本级 in projects and assets) unless ``county_level`` is False.

    ``attrs["absent_columns"]`` is the union over the townships: a figure the pooled data
    cannot state for every township is not stated for the county — except the columns of
    ``POOL_PARTIAL``, whose blank rows every definition leaves out anyway (identification
    days count households with both dates): absent there only when absent everywhere,
    and ``attrs["partial_columns"]`` names the townships that lack them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = list(dict.fromkeys([*townships, *([COUNTY_LEVEL] if county_level else [])]))
    out: dict[str, pd.DataFrame] = {}
    if not names:
        return out
    meta, root = _cached(folder, cache)
    absent_all = meta.get("absent_columns", {})
    by_town = meta.get("absent_columns_by_township", {})
    for name in meta["tables"]:
        # each township's partition read as Arrow, and the county's rows converted and
        # conformed once (not once per township: a county load cost as much as its pooling)
        parts = {}
        for t in names:
            f = root / name / f"{_safe(t)}.parquet"
            if f.exists():
                parts[t] = pq.read_table(f)
        with_rows = [t for t in names if t in parts and parts[t].num_rows]
        lacking: dict[str, list[str]] = {}
        for t in names:
            if t in with_rows or t == names[0]:
                for c in by_town.get(name, {}).get(t, absent_all.get(name, ())):
                    lacking.setdefault(c, []).append(t)
        absent, partial = [], {}
        for c, ts in lacking.items():
            if (name, c) in POOL_PARTIAL and set(with_rows) - set(ts):
                partial[c] = ts
            else:
                absent.append(c)
        arrow = [parts[t] for t in with_rows]
        if not arrow:
            df = conform(name, None)
        elif len(arrow) == 1:
            df = conform(name, arrow[0].to_pandas())
        else:
            try:
                df = conform(name, pa.concat_tables(arrow, promote_options="default").to_pandas())
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # types Arrow cannot unify: each conformed first
                df = pd.concat([conform(name, a.to_pandas()) for a in arrow], ignore_index=True)
        df.attrs = {"absent_columns": tuple(sorted(absent)), "partial_columns": partial}
        out[name] = df
    return out
