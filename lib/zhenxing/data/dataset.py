"""A whole dataset: every file read, the person-level exports split and merged, every
table validated, each row's township found, personal data pseudonymised."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from zhenxing.data.errors import StructureError, UnusableDataset, Violation
from zhenxing.data.files import data_files, read_raw, scan
from zhenxing.data.masking import mask_text, pseudonymise
from zhenxing.data.person import PersonExport, merge_person, read_person
from zhenxing.data.schema import (
    CONTRACT_VERSION,
    DROPPED,
    OPTIONAL_TABLES,
    RECORD_KEY,
    TABLE_ORDER,
    TABLES,
    absent_order,
    table_cn,
)
from zhenxing.data.validate import PART, Table, convert_table, cross_checks


def township_digests(frames: dict[str, pd.DataFrame], towns: dict[str, pd.Series]) -> dict[str, str]:
    """A digest of each township's rows, table by table (columns and values in file order).
    Only a digest of thousands of rows is kept: no value can be read back from it."""
    acc: dict[str, "hashlib._Hash"] = {}
    for name in sorted(frames):
        df = frames[name]
        if name not in towns:   # a table whose rows belong to no township
            continue
        for t, part in df.groupby(towns[name].fillna("\0"), sort=False):
            if t == "\0":
                continue
            values = pd.util.hash_pandas_object(part.reset_index(drop=True).astype(str), index=False)
            h = acc.setdefault(t, hashlib.sha256())
            h.update(f"{name}|{'|'.join(map(str, part.columns))}|".encode())
            h.update(values.to_numpy().tobytes())
    return {t: h.hexdigest()[:16] for t, h in acc.items()}


def township_of(tables: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """For each table, the township each row belongs to (None where unknown)."""
    out: dict[str, pd.Series] = {}
    h = tables.get("households")
    hh_town = h.set_index("户编号")["乡镇"] if h is not None else pd.Series(dtype=object)
    hh_town = hh_town[~hh_town.index.duplicated()]
    for name, df in tables.items():
        if name in ("households", "projects", "posts", "assets", "villages", "activities", "rectification", "teams"):
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
    # tables a file of which could not be read (table → file): a core one makes every
    # township unusable (one error naming the file); the checks that depend on it are not run
    unreadable: dict[str, str] = field(default_factory=dict)
    # one line each: an optional table that could not be read, treated as absent — nothing that stops a report
    warnings: list[Violation] = field(default_factory=list)
    # township → a digest of its own validated rows in every table (before pseudonymisation):
    # what a re-run compares, so a change elsewhere in the dataset leaves it alone
    township_hashes: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def usable(self, township: str) -> bool:
        return "*" not in self.bad_townships and township not in self.bad_townships

    def check_report(self) -> tuple[list[str], list[str]]:
        """What ``zhenxing check`` prints: (stdout lines, stderr lines); exit 1 when
        ``errors``. A file that cannot be read comes first among the errors, and the
        closing summary says what the per-township lines say (never "reports are
        generated as usual" when a table could not be read)."""
        out = [f"数据集 {self.name}（{self.hash[:12]}）", "文件 [files]:"]
        out += [f"  {f}：{taken}" for f, taken in self.sources]
        out.append(f"读取的表 [tables]: {', '.join(f'{n}={f}' for n, f in self.files.items())}")
        if self.unreadable:
            out.append("无法读取的表（见下方错误）[unreadable_tables]: "
                       + ", ".join(f"{n}={f}" for n, f in self.unreadable.items()))
        core = [n for n in TABLE_ORDER if n not in OPTIONAL_TABLES]
        missing = [n for n in core if n not in self.files and n not in self.unreadable]
        if missing:
            out.append(f"未提供的表（相关专题将注明无数据）[missing_tables]: {', '.join(missing)}")
        for n, cols in self.absent_columns.items():
            if cols:
                by_town = self.absent_by_township.get(n, {})
                where = [t for t, c in by_town.items() if c]
                scope = f"（仅{'、'.join(where)}）" if by_town and len(where) < len(by_town) else ""
                out.append(f"未提供的列（相关指标注明无法计算）[absent_columns] {n}{scope}: {'、'.join(cols)}")
        whole = "*" in self.bad_townships
        for t, c in self.townships.items():
            if self.usable(t):
                state = "可用"
            elif whole:
                state = "不生成报告（有数据表无法读取，见下方错误）"
            else:
                state = "有错误，不生成报告"
            out.append(f"  {c} {t}: {state}")
        err = [f"注意：{mask_text(v.message())}" for v in self.warnings]
        if not self.errors:
            out.append("数据符合规范 [ok]" if not self.warnings else "数据符合规范（有注意事项，见上）[ok]")
            return out, err
        err.append(f"发现 {len(self.errors)} 处不符合数据规范 [contract_violations]:")
        err += ["  " + mask_text(v.message()) for v in self.errors]
        if whole:
            files = "、".join(dict.fromkeys(v.file for v in self.errors if v.column is None))
            err.append(f"{files or '数据表'}无法使用：所有乡镇都不生成报告，修正该文件后重新运行 [unreadable_tables]")
        else:
            orphans = sum(1 for v in self.errors if v.township is None)
            if orphans:
                usable = [t for t in self.townships if self.usable(t)]
                scope = ("各乡镇报告照常生成" if len(usable) == len(self.townships)
                         else "不影响标为“可用”的乡镇，其报告照常生成" if usable else "")
                err.append(f"其中 {orphans} 处不属于任何乡镇（如成员的户编号不存在）"
                           + (f"，{scope}" if scope else "") + "，但 run 仍以退出码1结束 [orphan_rows]")
        return out, err


def dataset_hash(folder: Path) -> str:
    h = hashlib.sha256(f"zhenxing-contract-{CONTRACT_VERSION}".encode())
    for p in data_files(folder):
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


#: errors that mean a file's content could not be read at all (not a contract breach
#: of a file that was read): an optional table with one of them is treated as absent
UNREADABLE_KEYS = frozenset({"truncated_xlsx", "not_xlsx", "unreadable_xlsx", "undecodable_bytes",
                             "unreadable_csv", "unreadable_file"})


def read_dataset(folder) -> Dataset:  # noqa: C901 — the validation steps in their order, one after another
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
    unreadable: dict[str, str] = {}
    skip: set[str] = set()          # tables whose lookups are not run (unreadable, or maybe so)
    warnings: list[Violation] = []
    for s_ in sources:
        try:
            if s_.error is not None:
                raise StructureError(s_.error.file, s_.error.expected, s_.error.key, row=s_.error.row)
            if s_.kind == "person":
                ex = read_person(s_.path, s_.rows)
                exports.append(ex)
                original[ex.file] = {k: v for k, v in ex.original.items() if k != v}
                extra.extend(ex.violations)
            elif s_.kind in TABLES:
                raw, _ = read_raw(s_.kind, s_.path, s_.rows)
                parts.setdefault(s_.kind, []).append((s_.path.name, raw))
        except StructureError as e:
            v = e.violation
            s_.error = v
            if s_.kind in OPTIONAL_TABLES and v.key in UNREADABLE_KEYS:
                # an optional table is one topic's: that topic says no data was given
                # (a file read whose header breaks the contract stays an error)
                v.expected += f"——可选表{table_cn(s_.kind)}按未提供处理（该专题注明无数据），其余照常"
                warnings.append(v)
            elif s_.kind == "unknown":
                # it may be a person-level export (recognised by a header that cannot be
                # read): going on without it could report a township without its households
                v.expected += ("——无法判断是哪张表（可能是人员级导出），不能忽略；"
                               "若不是数据文件，请移出数据集目录")
                skip.update(("households", "members"))
                errors.append(v)
            else:
                for name in (("households", "members") if s_.kind == "person" else (s_.kind,)):
                    unreadable[name] = s_.path.name
                errors.append(v)
    structural = list(errors)   # file-level errors, named first
    if exports:
        hh_parts, mem_parts, vios = merge_person(exports)
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
    cross_checks(typed, unreadable=set(unreadable) | skip)
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
    digests = township_digests(frames, towns)   # before pseudonyms, which change with the whole dataset
    clean = pseudonymise(frames, salt=bytes.fromhex(digest[:32]))
    townships: dict[str, str] = {}
    for n in ("households", "projects", "posts"):
        if n in clean:
            for t, c in zip(clean[n]["乡镇"], clean[n]["县"]):
                if t is not None and t not in townships:
                    townships[t] = c
    order = {f: i for i, f in enumerate(s_.path.name for s_ in sources)}
    rest = [v for v in errors if not any(v is u for u in structural)]
    rest.sort(key=lambda v: (order.get(v.file.split(" / ")[0], 99), v.row or 0))
    structural.sort(key=lambda v: order.get(v.file.split(" / ")[0], 99))
    errors = structural + rest
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
                   sources=[(s_.path.name, s_.describe()) for s_ in sources],
                   unreadable=unreadable, warnings=warnings, township_hashes=digests)
