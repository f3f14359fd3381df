"""The township cache: a dataset validated once per content hash, its tables written
as Parquet, one file per table and township, and read back per township (a topic
notebook) or pooled for several townships (the county summary)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from zhenxing.data import paths
from zhenxing.data.dataset import dataset_hash, read_dataset
from zhenxing.data.files import data_files
from zhenxing.data.schema import CONTRACT_VERSION, COUNTY_LEVEL, conform


def cache_root() -> Path:
    return Path(os.environ.get("ZHENXING_CACHE", paths.OUTPUTS / ".cache"))


def partition_stem(t: str) -> str:
    return hashlib.sha1(t.encode()).hexdigest()[:12]


def stat_key(folder: Path) -> str:
    """Cheap identity of a dataset's files (path, names, sizes, modification times)."""
    parts = [CONTRACT_VERSION, str(folder)] + [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                                               for p in data_files(folder)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


_memo: dict[tuple[str, str], dict] = {}
#: version of the validation's rules and of meta.json's fields: a cached dataset
#: validated under other rules is validated again (the content hash does not change)
RULES = "3"   # 2: unreadable files, their dependent checks skipped; optional tables as warnings; 3: township digests


def township_key(meta: dict, township: str) -> str:
    """What a township's reports are made from in this dataset: its own rows (their
    digest), the columns its rows lack and those the dataset lacks. Equal keys, equal
    inputs; a change to another township's rows leaves the key as it was."""
    parts = {"rows": (meta.get("township_hashes") or {}).get(township, meta["hash"]),
             "absent": meta.get("absent_columns"),
             "absent_here": {n: by.get(township) for n, by in (meta.get("absent_columns_by_township") or {}).items()}}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def prepare(folder, cache: Path | None = None) -> dict:
    """Validate a dataset once per content hash and cache it; return its metadata.

    The content hash is computed once per version of the files: a small index keyed by
    the files' names, sizes and modification times points to it, so a notebook of a
    200-township county does not re-read the export to find its cache."""
    folder = Path(folder).resolve()
    base = cache or cache_root()
    stat = stat_key(folder)
    if (str(base), stat) in _memo:
        return _memo[(str(base), stat)]
    pointer = base / "by-stat" / stat
    digest = pointer.read_text().strip() if pointer.exists() else dataset_hash(folder)
    root = base / digest[:20]
    meta_file = root / "meta.json"
    if meta_file.exists():
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if meta.get("rules") == RULES:
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
            part.reset_index(drop=True).to_parquet(d / f"{partition_stem(t)}.parquet", index=False)
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
        "unreadable": ds.unreadable,
        "warnings": [v.to_dict() for v in ds.warnings],
        "township_hashes": ds.township_hashes,
        "rules": RULES,
    }
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    if _stale(root):   # validated under older rules: replaced
        old = root.with_name(f".old-{root.name}-{os.getpid()}")
        try:
            os.replace(root, old)
            shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    try:
        os.replace(tmp, root)
    except OSError:  # another process cached it first
        shutil.rmtree(tmp, ignore_errors=True)
    _remember(base, stat, pointer, digest, meta)
    return meta


def _stale(root: Path) -> bool:
    """Whether a cached dataset was validated under other rules than these."""
    try:
        return json.loads((root / "meta.json").read_text(encoding="utf-8")).get("rules") != RULES
    except (OSError, ValueError):
        return False


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
    provide (present in the frame as typed nulls); no such key when it provided them all. ``only``: just these tables (those
    the dataset gives)."""
    meta, root = _cached(folder, cache)
    absent = meta.get("absent_columns", {})
    by_town = meta.get("absent_columns_by_township", {})
    out = {}
    for name in meta["tables"]:
        if only is not None and name not in only:
            continue
        f = root / name / f"{partition_stem(township)}.parquet"
        df = conform(name, pd.read_parquet(f) if f.exists() else None)
        cols = by_town.get(name, {}).get(township, absent.get(name, ()))
        if cols:  # (pandas deep-copies a frame's attrs into every frame and column made from
            df.attrs["absent_columns"] = tuple(cols)  # it: none when nothing is absent)
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
            f = root / name / f"{partition_stem(t)}.parquet"
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
        df.attrs = {k: v for k, v in (("absent_columns", tuple(sorted(absent))), ("partial_columns", partial)) if v}
        out[name] = df
    return out
