"""Deterministic synthetic datasets in the input contract (合成数据).

``generate()`` writes the seven contract tables (households, members, work,
income, projects, payments, posts) for a fictional county, and (by default with
mixed formats) the five optional ones (credit, assistance, education_aid, assets,
villages).  Every name, id
number, village and township is invented; the resident id numbers carry a
valid GB 11643-1999 check digit but a region prefix (``5399xx``) that no real
county uses.

Two output styles:

* ``mixed_formats=True`` (the bundled sample): files look like what township
  offices really send -- households as ``农户信息.xlsx`` with two title rows,
  members in GB18030, income in UTF-8 with BOM, alias column names, mixed
  date forms, 是/否 given as Y/N or 1/0 here and there, money with thousands
  separators in a few cells.
* ``mixed_formats=False``: plain UTF-8 CSVs with English stems and ISO dates;
  the fast path for benchmark-sized counties.

Townships differ in situation: the profile table of :mod:`zhenxing.sample.profiles` has one
of the first six spend on schedule, one fully insured with no zero-employment household,
one above the income lines, one close to every target, and the rest (青山镇 first) as drawn.

The *content* does not depend on the style: the same seed and sizes give the
same households, people, ids and amounts in both styles (formatting draws use
their own random stream).

Large counties are generated township by township with numpy and streamed to
disk, so memory stays small::

    generate("bench/county", townships=200, members_target=1_000_000,
             mixed_formats=False)

Command line: ``python -m zhenxing.sample OUT [--townships N] [--members M]
[--seed S] [--plain]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from zhenxing.sample.ledgers import Ledgers, has_ledgers, open_ledger_sinks, security_columns
from zhenxing.sample.model import assign_ids, build_town, household_sizes
from zhenxing.sample.optional import OptionalTables, open_optional_sinks
from zhenxing.sample.render import Renderer
from zhenxing.sample.vocab import township_names
from zhenxing.sample.writers import clear_tables, open_sinks, person_level_name, write_person_level

__all__ = [
    "generate",
    "id_check_char",
    "is_valid_id",
    "SAMPLE_TOWNSHIPS",
    "TABLE_STEMS",
]

# the names callers used from this module before the split (tests, bench, conftest)
from zhenxing.sample.vocab import (  # noqa: E402,F401
    ASSET_CLASSES,
    CATEGORIES,
    FUND_SOURCES,
    OPTIONAL_STEMS,
    POST_TYPES,
    PROJECT_TYPES,
    REGIONS,
    RISK_TYPES,
    SAMPLE_TOWNSHIPS,
    SKILLS,
    TABLE_STEMS,
    id_check_char,
    is_valid_id,
)
from zhenxing.sample.writers import PERSON_LEVEL_STEM  # noqa: E402,F401

_township_names = township_names

# ---------------------------------------------------------------- entry points

def generate(
    out_dir: str | Path,
    *,
    townships: int = 6,
    households_per_township: int | None = None,
    members_target: int | None = None,
    years: Sequence[int] = (2022, 2023),
    seed: int = 20231231,
    county: str = "示例县",
    mixed_formats: bool = True,
    person_level: bool | None = None,
    optional: bool | None = None,
    counties: int = 1,
    review: str | None = None,
    planted: list | None = None,
) -> Path:
    """Write a synthetic dataset of the input contract to ``out_dir``.

    Parameters
    ----------
    townships:
        number of townships (the first six are named as in the bundled sample).
    households_per_township:
        fixed number of households per township; default random, 1500-4000
        each, with the county mean held near 1850 (keeps the sample small).
    members_target:
        total number of members (persons) over the whole county; overrides
        ``households_per_township`` and gives exactly this many member rows.
    years:
        report years covered (monitoring, income, work, projects, hires).
    seed:
        the whole dataset is a function of the arguments: same arguments, same bytes.
    mixed_formats:
        ``True``: office-style mix of formats (xlsx, GB18030, BOM, aliases, mixed
        dates); ``False``: plain UTF-8 CSVs with English stems.
    person_level:
        write the last township's households and members as the national system's
        person-level export (``（乡村建设）户信息_<year>1231.xlsx``: one row per member,
        household columns repeated, title rows, months as YYYYMM, the export's column
        names) instead of in the contract files. Default: on in ``mixed_formats`` with at
        least two townships. The content is the same except that the export has no
        风险发现日期 and gives 纳入监测日期/风险消除日期 as months.

    optional:
        also write the five optional tables (小额信贷, 社会救助, 教育资助, 项目资产, 村) for
        every township, from their own random stream: the core tables are the same bytes
        with or without them. Default: on in ``mixed_formats`` (the bundled sample);
        pass ``True`` for a plain benchmark county with the further topics.
    counties:
        split the townships, in order, into this many counties of (nearly) equal size,
        named after ``county`` (示例县 → 示例1县, 示例2县, …): a province-sized set of
        several counties in one dataset. Township names, ids and content do not depend
        on it.
    review:
        ``None`` (default): the realistic county as drawn, data errors included.
        ``"clean"``: every record put right, so ``zhenxing review`` finds nothing;
        ``"dirty"``: clean, then one violation of each review rule planted per township
        (see :mod:`zhenxing.sample.dirty`); what was planted is appended to ``planted``
        (``{"rule", "township", "key"}``) when a list is given.

    Table files of an earlier run in ``out_dir`` (any stem of the contract,
    ``.csv``/``.xlsx``) are removed first so the folder holds one dataset.
    Returns the output folder.

    """
    if townships < 1:
        raise ValueError("townships must be >= 1")
    if not 1 <= counties <= townships:
        raise ValueError("counties must be between 1 and the number of townships")
    years = tuple(sorted(int(y) for y in years))
    if not years:
        raise ValueError("years must not be empty")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clear_tables(out)

    rng0 = np.random.default_rng([seed, 0])
    names = township_names(townships, rng0)
    sizes = household_sizes(rng0, townships, households_per_township, members_target)
    width = max(2, len(str(townships)))
    hide_share = 0.2  # members whose 性别/出生日期 are left blank (derived from the id)

    towns = [build_town(i + 1, names[i], width, sizes[i], years, seed, hide_share)
             for i in range(townships)]
    assign_ids(towns, seed)

    if person_level is None:
        person_level = mixed_formats and townships >= 2
    if optional is None:
        optional = mixed_formats
    pl_index = townships - 1 if person_level else -1
    if review not in (None, "clean", "dirty"):
        raise ValueError("review must be None, 'clean' or 'dirty'")
    if review is not None:
        from zhenxing.sample import dirty
        limits = dirty.thresholds(years, county)
        log: list = []
        for i, t in enumerate(towns):
            dirty.tidy(t, years, limits)
            if review == "dirty":
                log += dirty.plant(t, years, limits, lambda j, t=t: f"SL{t.index:0{width}d}{j + 1:06d}",
                                   seed, month_only=(i == pl_index))
    sinks = open_sinks(out, mixed_formats, county, years)
    opt_sinks = open_optional_sinks(out, mixed_formats, county, years) if optional else {}
    # the office's ledgers (and the 三保障 columns) come with the optional tables
    ledger_sinks = open_ledger_sinks(out, mixed_formats, county, years) if optional else {}
    county_of = county_names(county, counties)
    try:
        for i, town in enumerate(towns):
            r = Renderer(town, county_of[i * counties // townships], width, mixed_formats, seed)
            if optional:
                r.security = security_columns(r, seed)
            for table, sink in sinks.items():
                if i == pl_index and table == "households":
                    stamp = dt.datetime(years[-1] + 1, 1, 5, 9, 30, 0)
                    write_person_level(out / person_level_name(years), r.person_level(), county, stamp)
                if i == pl_index and table in ("households", "members"):
                    continue
                sink.write(getattr(r, table)())
            if optional:
                opt = OptionalTables(r, years, seed)
                for table, sink in opt_sinks.items():
                    df = getattr(opt, table)()
                    if review is not None and table == "assets":
                        df = dirty.tidy_assets(df, years)
                        if review == "dirty":
                            df, more = dirty.plant_asset(df, years, town.name, seed, town.index)
                            log += more
                    sink.write(df)
                if has_ledgers(town.index):
                    led = Ledgers(r, years, seed)
                    for table, sink in ledger_sinks.items():
                        sink.write(getattr(led, table)())
            towns[i] = None  # free the township as soon as it is written
    finally:
        for sink in [*sinks.values(), *opt_sinks.values(), *ledger_sinks.values()]:
            sink.close()
    if review == "dirty" and planted is not None:
        planted.extend(log)
    return out


def county_names(county: str, counties: int) -> list[str]:
    """The counties of a generated set: ``county`` itself, or 示例1县, 示例2县, …"""
    if counties == 1:
        return [county]
    stem = county.removesuffix("县")
    return [f"{stem}{k}县" for k in range(1, counties + 1)]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m zhenxing.sample",
        description="Write a synthetic (合成数据) dataset of the input contract.")
    ap.add_argument("out", help="output folder")
    ap.add_argument("--townships", type=int, default=6, help="number of townships (default 6)")
    ap.add_argument("--members", type=int, default=None,
                    help="total persons in the county (default: 1500-4000 households per township)")
    ap.add_argument("--households", type=int, default=None, help="households per township")
    ap.add_argument("--years", type=int, nargs="+", default=[2022, 2023], help="report years")
    ap.add_argument("--seed", type=int, default=20231231)
    ap.add_argument("--county", default="示例县")
    ap.add_argument("--counties", type=int, default=1,
                    help="split the townships into this many counties (示例1县, 示例2县, …; default 1)")
    ap.add_argument("--plain", action="store_true",
                    help="plain UTF-8 CSVs with English stems (fast; for large counties)")
    ap.add_argument("--optional", action=argparse.BooleanOptionalAction, default=None,
                    help="write the five optional tables too (default: with mixed formats only)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--clean", action="store_true",
                      help="put every record right: `zhenxing review` finds nothing (疑点核查)")
    mode.add_argument("--dirty", action="store_true",
                      help="clean, then plant one violation of each review rule per township (疑点核查)")
    ap.add_argument("--planted", metavar="FILE",
                    help="with --dirty: write the planted (rule, township, key) list to this JSON file")
    a = ap.parse_args(argv)
    review = "dirty" if a.dirty else "clean" if a.clean else None
    planted: list = []
    t0 = time.perf_counter()
    out = generate(a.out, townships=a.townships, households_per_township=a.households,
                   members_target=a.members, years=a.years, seed=a.seed, county=a.county,
                   mixed_formats=not a.plain, optional=a.optional, counties=a.counties,
                   review=review, planted=planted)
    if a.planted:
        import json
        Path(a.planted).write_text(json.dumps(planted, ensure_ascii=False, indent=1), encoding="utf-8")
    files = sorted(p for p in out.iterdir() if p.suffix in (".csv", ".xlsx"))
    total = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} tables ({total / 1e6:.1f} MB) to {out} "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
