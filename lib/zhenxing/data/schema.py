"""The input contract as data: every table, its columns, their kinds, allowed
categories, bounds, units, the column names other systems use (aliases), and the
typed schema every validated table leaves with.

One definition that every stage reads: the readers (``files``, ``person``), the
validation (``validate``), pseudonymisation (``masking``), the cache, and the topics
(categories, regions, project types, asset classes, fund sources, money units).
The contract in words: ``docs/data-contract.md``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

CONTRACT_VERSION = "4"  # 2: full schema on every frame, absent_columns, person-level exports; 3: optional tables;
#                          4: the office's ledgers (activities, rectification, teams), 三保障 columns

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
COUNTY_LEVEL = "县本级"   # 乡镇 of a project, asset or ledger row the county holds itself
ACTIVITY_TYPES = ("会议", "培训", "排查", "走访", "宣传", "招聘会", "督导", "其他")
RECTIFICATION_SOURCES = ("中央巡视", "省级巡视", "国家成效考核", "省级成效考核", "市级考核", "后评估", "审计", "暗访",
                         "督查", "自查", "其他")
RECTIFICATION_STATES = ("已完成", "整改中", "未启动")
TEAM_ROLES = ("第一书记", "工作队长", "工作队员")


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
    unit: str | None = None         # money columns: "元" or "万元" (what one unit of the value is)


#: what a money column's value is worth in 元, by its unit
UNIT_YUAN = {"元": 1, "万元": 10_000}

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
            Col("住房安全有保障", "yn"),
            Col("饮水安全有保障", "yn"),
            Col("帮扶责任人", "text", pii=True),   # counted, never named: pseudonymised
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
            Col("是否签约家庭医生", "yn"),
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
            Col("务工收入", "money", min=0, unit="元"),
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
            Col("工资性收入", "money", required=True, min=0, unit="元"),
            Col("生产经营性收入", "money", required=True, min=0, unit="元"),
            Col("生产经营性支出", "money", required=True, min=0, unit="元"),
            Col("财产性收入", "money", required=True, min=0, unit="元"),
            Col("转移性收入", "money", required=True, min=0, unit="元"),
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
            Col("批复金额", "money", required=True, gt=0, unit="万元"),
            Col("开工日期", "date"),
            Col("完工日期", "date"),
            Col("资产类别", "cat", allowed=ASSET_CLASSES),
            Col("受益脱贫人口数", "int", min=0),
            Col("下达日期", "date"),
        ],
    },
    "payments": {
        "stems": ("payments", "资金拨付"),
        "key": None,
        "cols": [
            Col("项目编号", "text", required=True),
            Col("资金来源", "cat", required=True, allowed=FUND_SOURCES),
            Col("拨付日期", "date", required=True),
            Col("拨付金额", "money", required=True, gt=0, unit="万元"),
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
            Col("补贴标准", "money", required=True, gt=0, unit="元"),
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
            Col("贷款金额", "money", required=True, gt=0, unit="万元"),
            Col("结清日期", "date"),
            Col("是否续贷展期", "yn"),
            Col("逾期金额", "money", min=0, unit="万元"),
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
            Col("发放金额", "money", min=0, unit="元"),
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
            Col("金额", "money", required=True, min=0, unit="元"),
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
            Col("资产原值", "money", required=True, gt=0, unit="万元"),
            Col("确权日期", "date"),
            Col("当年收益", "money", min=0, unit="万元"),
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
            Col("村集体经济收入", "money", min=0, unit="万元"),
            Col("年度", "int", min=1990, max=2100),
        ],
    },
})

# The office's own ledgers (data-contract.md "The office's own ledgers"): optional; absent,
# the summary says nothing about them (no "未提供" sentence). 乡镇 may be 县本级.
LEDGER_TABLES = ("activities", "rectification", "teams")
OPTIONAL_TABLES = OPTIONAL_TABLES + LEDGER_TABLES
TABLES.update({
    "activities": {
        "stems": ("activities", "工作台账"),
        "key": None,
        "cols": [
            Col("县", "text", required=True),
            Col("乡镇", "text", required=True),
            Col("村", "text"),
            Col("日期", "date", required=True),
            Col("类别", "cat", required=True, allowed=ACTIVITY_TYPES),
            Col("名称", "text", required=True),
            Col("参与人次", "int", min=0),
            Col("覆盖户数", "int", min=0),
            Col("发现问题数", "int", min=0),
            Col("岗位数", "int", min=0),
        ],
    },
    "rectification": {
        "stems": ("rectification", "问题整改台账"),
        "key": ["问题编号"],
        "cols": [
            Col("问题编号", "text", required=True),
            Col("县", "text", required=True),
            Col("乡镇", "text", required=True),
            Col("问题来源", "cat", required=True, allowed=RECTIFICATION_SOURCES),
            Col("反馈日期", "date", required=True),
            Col("问题描述", "text", required=True),
            Col("整改措施数", "int", min=0),
            Col("整改时限", "date"),
            Col("整改状态", "cat", required=True, allowed=RECTIFICATION_STATES),
            Col("完成日期", "date"),
        ],
    },
    "teams": {
        "stems": ("teams", "驻村工作队"),
        "key": None,
        "cols": [
            Col("县", "text", required=True),
            Col("乡镇", "text", required=True),
            Col("村", "text", required=True),
            Col("姓名", "text", pii=True),
            Col("职务", "cat", required=True, allowed=TEAM_ROLES),
            Col("派出单位", "text"),
            Col("派驻日期", "date", required=True),
            Col("撤回日期", "date"),
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
    # 三保障 columns and the ledgers: the names of the national export and of offices' ledgers
    "住房安全有保障": ("住房安全", "住房是否安全"),
    "饮水安全有保障": ("饮水安全", "饮水是否安全"),
    "帮扶责任人": ("结对帮扶责任人", "帮扶人"),
    "是否签约家庭医生": ("家庭医生签约", "是否家庭医生签约"),
    "日期": ("活动日期", "开展日期"),
    "类别": ("活动类别", "活动类型"),
    "名称": ("活动名称",),
    "参与人次": ("参加人次", "参训人次"),
    "覆盖户数": ("排查户数", "走访户数"),
    "岗位数": ("提供岗位数",),
    "问题来源": ("反馈来源",),
    "反馈日期": ("反馈时间", "交办日期"),
    "整改措施数": ("整改措施(条)", "整改措施条数"),
    "整改时限": ("整改期限", "完成时限"),
    "完成日期": ("整改完成日期", "销号日期"),
    "职务": ("驻村职务",),
    "派驻日期": ("派驻时间", "驻村日期"),
    "撤回日期": ("撤回时间", "召回日期"),
}
HOUSEHOLD_TYPE = {"脱贫户": "是", "一般农户": "否", "普通农户": "否", "非脱贫户": "否"}
RISK_VARIANTS = {"因安全住房": "因住房安全", "因安全饮水": "因饮水安全", "缺劳动力": "因缺劳动力"}

# The national system's person-level export (one row per member, household columns
# repeated): column variants → contract column.  Matched after norm_col.
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
    "住房安全有保障": ("住房安全",),
    "饮水安全有保障": ("饮水安全",),
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
DROPPED = ("户主姓名", "户主证件号码", "姓名")   # PII dropped after validation
DTYPES = {"text": "object", "id": "object", "cat": "object", "int": "Int64", "money": "float64",
          "date": "datetime64[ns]", "yn": "boolean"}
RECORD_KEY = {"households": "户编号", "members": "证件号码", "work": "证件号码", "income": "户编号",
              "projects": "项目编号", "payments": "项目编号", "posts": "证件号码",
              "credit": "户编号", "assistance": "户编号", "education_aid": "证件号码",
              "assets": "资产编号", "villages": "村", "activities": "名称", "rectification": "问题编号",
              "teams": "村"}


def unit(table: str, column: str) -> str | None:
    """The unit of a money column ("元" or "万元"); None for any other column."""
    for c in TABLES[table]["cols"]:
        if c.name == column:
            return c.unit
    raise KeyError(f"{table}.{column}")


def to_yuan(values, table: str, column: str):
    """A money column's values (a number or a Series) in 元, converted by the column's unit."""
    u = unit(table, column)
    if u is None:
        raise ValueError(f"{table}.{column} 不是金额列")
    return values * UNIT_YUAN[u]


def to_wan(values, table: str, column: str):
    """A money column's values in 万元, converted by the column's unit."""
    u = unit(table, column)
    if u is None:
        raise ValueError(f"{table}.{column} 不是金额列")
    return values * UNIT_YUAN[u] / UNIT_YUAN["万元"]


def table_cn(name: str) -> str:
    """A table as messages name it: 农户信息（households）."""
    return f"{TABLES[name]['stems'][1]}（{name}）"


def required_names(name: str) -> set[str]:
    """The columns a table's file must have (required or present)."""
    return {c.name for c in TABLES[name]["cols"] if c.required or c.present}


def schema(name: str) -> list[tuple[str, str]]:
    """The columns and dtypes of a validated, pseudonymised table, in order."""
    out = []
    for c in TABLES[name]["cols"]:
        if c.name in DROPPED:
            continue
        out.append((c.name, DTYPES[c.kind]))
        if c.kind == "date":
            out.append((c.name + "_仅月", "bool"))
    return out


def null_column(kind: str, index) -> pd.Series:
    if kind == "date":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if kind in ("text", "id", "cat"):
        return pd.Series(None, index=index, dtype=object)
    return pd.Series(pd.NA if kind != "money" else np.nan, index=index, dtype=DTYPES[kind])


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
            out[col] = null_column(kind, df.index)
    res = pd.DataFrame(out, index=df.index)
    res.attrs = dict(df.attrs)
    return res


def absent_order(name: str, cols: set) -> list[str]:
    """Absent contract columns in contract order, without dropped PII and (members) the
    columns derived from the id number."""
    skip = set(DROPPED) | ({"性别", "出生日期"} if name == "members" else set())
    return [c.name for c in TABLES[name]["cols"] if c.name in cols and c.name not in skip]
