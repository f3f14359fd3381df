"""Validation: every cell parsed and typed (numbers, dates — also month-only and Excel
serials —, yes/no, categories, id numbers with their GB 11643 check digit), every
single-column rule, then the rules across rows and tables (dates in order, unknown
households, persons and projects, overpayment, unique keys). Every violation of a
table is collected at once, with vectorised pandas operations."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from zhenxing.data.errors import Violation
from zhenxing.data.masking import mask, mask_name
from zhenxing.data.schema import ID_CHECK, ID_WEIGHTS, NO, RECORD_KEY, SCHOOL_YEAR, TABLES, YES, Col, null_column

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
            shown = mask_name(v) if (col.pii and col.kind == "text") else mask(v)
            vios.append(Violation(file, int(row), col.name, shown, expected, key))

    absent = []
    for col in TABLES[name]["cols"]:
        if col.name not in raw.columns:
            absent.append(col.name)
            out[col.name] = null_column(col.kind, raw.index)
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


def cross_checks(tables: dict[str, Table], unreadable: set[str] = frozenset()) -> None:
    """Rules across rows and tables; appends violations to the tables.

    ``unreadable``: tables a file of which could not be read (already one error naming
    the file); the rules that look rows up in them are not run — every row would be an
    orphan of the missing file, not an error of its own."""
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
    hh_ids = set(h.frame["户编号"].dropna()) if h is not None and "households" not in unreadable else None
    m = tables.get("members") if "members" not in unreadable else None
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
    _optional_checks(tables, m)
    p = tables.get("projects") if "projects" not in unreadable else None
    pay = tables.get("payments")
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


def _optional_checks(tables: dict[str, Table], m: Table | None) -> None:
    """Rules of the optional tables across rows and tables (besides unknown 户编号 and
    the unique keys, which the core loops handle); ``m``: the members to look persons
    up in (None when absent or unreadable)."""
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
    _ledger_checks(tables)
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


def _ledger_checks(tables: dict[str, Table]) -> None:
    """The ledgers' rules across columns: a problem 已完成 has its 完成日期, not before its
    反馈日期; a team member is not recalled before being posted."""
    rc = tables.get("rectification")
    if rc is not None:
        f = rc.frame
        done = f["整改状态"] == "已完成"
        for row in f.index[(done & f["完成日期"].isna()).fillna(False)]:
            rc.violations.append(Violation(rc.file, int(row), "完成日期", "", "整改状态为已完成时必须填写完成日期",
                                           "completion_date_required"))
        rev = (f["完成日期"] < f["反馈日期"]).fillna(False)
        rev &= ~((f["完成日期_仅月"] | f["反馈日期_仅月"]) & (f["完成日期"].dt.to_period("M") == f["反馈日期"].dt.to_period("M")))
        for row in f.index[rev]:
            rc.violations.append(Violation(rc.file, int(row), "完成日期", f["完成日期"][row].date().isoformat(),
                                           f"应不早于反馈日期（{f['反馈日期'][row].date().isoformat()}）", "date_order"))
    tm = tables.get("teams")
    if tm is not None:
        f = tm.frame
        rev = (f["撤回日期"] < f["派驻日期"]).fillna(False)
        rev &= ~((f["撤回日期_仅月"] | f["派驻日期_仅月"]) & (f["撤回日期"].dt.to_period("M") == f["派驻日期"].dt.to_period("M")))
        for row in f.index[rev]:
            tm.violations.append(Violation(tm.file, int(row), "撤回日期", f["撤回日期"][row].date().isoformat(),
                                           f"应不早于派驻日期（{f['派驻日期'][row].date().isoformat()}）", "date_order"))
