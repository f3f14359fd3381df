"""The national system's person-level export (one row per member, household columns
repeated on every member row): recognised by its header, split into households and
members in contract column names, and several exports merged by 户编号."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from zhenxing.data.errors import StructureError, Violation
from zhenxing.data.files import clean_name, csv_rows, grid_frame, is_person_header, person_columns, tidy, xlsx_rows
from zhenxing.data.masking import mask
from zhenxing.data.schema import ELIMINATED_FLAG, HOUSEHOLD_TYPE, PER_CAPITA_INCOME, RISK_VARIANTS, TABLES, YES, required_names

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
        rows = xlsx_rows(raw, file) if path.suffix.lower() == ".xlsx" else csv_rows(raw, file)
    header_at = next((i for i, r in enumerate(rows[:6]) if is_person_header(r)), None)
    if header_at is None:
        raise StructureError(file, "没有找到人员级导出的表头（户编号、证件号码、与户主关系，表头须在前6行内）",
                             "missing_columns")
    names = person_columns(rows[header_at])
    original = {}
    for orig, canon in zip(rows[header_at], names):
        original.setdefault(canon, clean_name(orig))
    df = tidy(grid_frame(rows, header_at, names))
    required = (required_names("households") | required_names("members")) - {"家庭人口数"}
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


def merge_person(exports: list[PersonExport]) -> tuple[list, list, list[Violation]]:
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
