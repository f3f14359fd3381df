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
from zhenxing.data.masking import pseudonymise
from zhenxing.data.person import PersonExport, merge_person, read_person
from zhenxing.data.schema import CONTRACT_VERSION, DROPPED, RECORD_KEY, TABLE_ORDER, TABLES, absent_order
from zhenxing.data.validate import PART, Table, convert_table, cross_checks


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
