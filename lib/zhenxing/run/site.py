"""The county summary (county.html/.pdf/.docx, from notebooks/county.ipynb) and the index of every report (index.html).

Both list only townships of the published tree with a complete, stamped run of that year
(the stamp `.zhenxing-run.json` is written last by the batch): never a folder that an
exploration left (a notebook run by hand may write `indicators.json`), so no partial
figures and no dead links. A county with no such township gets no roll-up; a year with
none is not listed in the index."""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from zhenxing.data import paths
from zhenxing.report.published import (  # noqa: F401 — the tree's readers
    STAMP,
    published,
    published_indicators,
    published_townships,
    stamp_key,
)
from zhenxing.run.failure import safe_error
from zhenxing.run.township import narrative_hash
from zhenxing.words import numbers


def _load(folder: Path) -> dict | None:
    f = folder / "indicators.json"
    return json.loads(f.read_text(encoding="utf-8")) if f.exists() else None


def _get(d: dict | None, *path):
    for p in path:
        if not isinstance(d, dict):
            return None
        d = d.get(p)
    return d


def _fmt(f, v) -> str:
    """A figure for the roll-up table; "—" where the township's data could not state it."""
    return numbers.MISSING if v is None else f(v)


def county_rows(county_dir: Path, year=None) -> pd.DataFrame:
    rows = []
    for town_dir in published_townships(county_dir, year):
        try:
            ind = _load(town_dir)
        except ValueError:
            ind = None
        if ind is None:
            continue
        mon, inc, fu, po = ind.get("monitoring"), ind.get("income"), ind.get("funds"), ind.get("posts")
        rows.append({
            "乡镇": f"[{town_dir.name}]({quote(town_dir.name)}/report.html)",
            "_town": town_dir.name,
            "监测对象（户/人）": numbers.hp(_get(mon, "total")),
            "未消除风险（户/人）": numbers.hp(_get(mon, "unresolved")),
            "_unresolved": _get(mon, "unresolved", "households"),  # None: not computable
            "人均纯收入": _fmt(numbers.yuan, _get(inc, "per_capita_net", "covered")),
            "衔接资金拨付率": _fmt(numbers.pct, _get(fu, "paid_rate")),
            "公益性岗位在岗": _fmt(numbers.persons, _get(po, "in_post", "total")),
            "问题数": len(ind.get("flags", [])),
        })
    return pd.DataFrame(rows)


def _report_date(towns: list[Path]) -> str | None:
    """The report date of the published townships (the most common, when runs differ)."""
    dates = []
    for td in towns:
        try:
            dates.append(str(json.loads((td / "indicators.json").read_text(encoding="utf-8"))["report_date"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return max(sorted(set(dates)), key=dates.count) if dates else None


COUNTY_STAMP = ".zhenxing-county.json"   # what the county summary was made from (written last)


def _remove_county(d: Path) -> None:
    from zhenxing.report.notebook import COUNTY_FILE
    for f in [*d.glob("county.*"), d / COUNTY_FILE, d / COUNTY_STAMP]:
        f.unlink(missing_ok=True)


def county_key(d: Path, towns: list[Path], county: str, year: int, formats, meta: dict) -> str:
    """What a county summary is made from: the stamps of the townships it pools (each says
    what that township's report was made from), the county's own rows (县本级), its policy
    and wording, the county's writer's file, the formats and the code. A run that changes none of them keeps the
    summary as it is."""
    return _county_key({t.name: stamp_key(t / STAMP) for t in towns}, county, year, formats, meta)


def summary_current_after(out: Path, year: int, county: str, meta: dict, formats, expected: dict[str, str]) -> bool:
    """Whether ``county``'s summary will be kept as it is (write_county) once this run's
    townships are published with the stamp keys ``expected`` (township → key), as a
    ``--force`` run of unchanged townships publishes them: then nothing need be pooled
    for it ahead of time."""
    from zhenxing.report.notebook import COUNTY_FILE
    d = out / str(year) / county
    stamps = {t.name: stamp_key(t / STAMP) for t in published_townships(d, year)}
    stamps.update(expected)
    return stamp_key(d / COUNTY_STAMP) == _county_key(stamps, county, year, formats, meta) \
        and (d / COUNTY_FILE).is_file() and all((d / f"county.{f}").is_file() for f in formats)


def _county_key(stamps: dict, county: str, year: int, formats, meta: dict) -> str:
    import hashlib

    from zhenxing.data import contract, params
    from zhenxing.report import assemble as report
    parts = {"townships": stamps, "county_level": contract.township_key(meta, contract.COUNTY_LEVEL),
             "policy": params.policy(county, year), "wording": params.wording(county),
             "formats": sorted(formats), "code": report.code_fingerprint(), "year": int(year),
             "narrative": narrative_hash(meta.get("hash", ""), year, county, meta.get("path"))}   # the writer's words
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def write_county(out: Path, year: int, county: str, meta: dict, formats) -> dict | None:
    """The county summary of ``county``: ``notebooks/county.ipynb`` executed with papermill
    on the run's county folder (it pools only the townships published there), then
    assembled and rendered like a township's. Files are written atomically: the executed
    notebook under a temporary name, renamed when done; the formats by ``render``.
    Returns the county's indicators, or None when no township is published."""
    from zhenxing.report import assemble as report
    from zhenxing.report import render
    from zhenxing.report.notebook import COUNTY_FILE, atomic_write
    d = out / str(year) / county
    towns = published_townships(d, year)
    if not towns:  # no township published: no summary (an old one would link nowhere)
        _remove_county(d)
        return None
    key = county_key(d, towns, county, year, formats, meta)
    current = stamp_key(d / COUNTY_STAMP) == key
    if current and (d / COUNTY_FILE).is_file() and all((d / f"county.{f}").is_file() for f in formats):
        return json.loads((d / COUNTY_FILE).read_text(encoding="utf-8"))
    (d / COUNTY_STAMP).unlink(missing_ok=True)
    import papermill as pm  # (not imported when the summary is current)
    rd = _report_date(towns) or ""
    parameters = {"dataset": str(meta["path"]), "county": county, "year": int(year), "report_date": rd,
                  "out_dir": str(d)}
    tmp = d / f".county.{os.getpid()}.tmp.ipynb"
    try:
        from zhenxing.run import (
            kernels,  # registers the engines (in-process; warm kernels: IPC, no kernel log)
        )
        engine = kernels.engine_name()
        pm.execute_notebook(str(paths.NOTEBOOKS / "county.ipynb"), str(tmp), parameters=parameters,
                            kernel_name="zhenxing", cwd=str(paths.NOTEBOOKS), progress_bar=False,
                            log_output=False, request_save_on_cell_execute=False, engine_name=engine)
        os.replace(tmp, d / "county.ipynb")
    finally:
        tmp.unlink(missing_ok=True)
    title, md = report.assemble_county(d, dataset_name=Path(str(meta["path"])).name, dataset_hash=meta["hash"],
                                       parameters={k: v for k, v in parameters.items() if k != "out_dir"})
    atomic_write(d / "county.md", md)
    # the last render of a run, with cores to spare: a process per format
    render.render(md, d, title=title, formats=formats, resources=d, basename="county", spread=True)
    atomic_write(d / COUNTY_STAMP, json.dumps({"key": key}))
    return json.loads((d / COUNTY_FILE).read_text(encoding="utf-8"))


def write_rollups(out: Path, year: int, meta: dict, outcomes, formats) -> list[tuple[str, str]]:
    """The county summary per county touched by this run, then the index of everything
    in `out`. Returns the counties whose summary could not be made, with the (masked)
    error: the run then exits 1 — a county summary is a requested report too."""
    failed: list[tuple[str, str]] = []
    counties = {o.county for o in outcomes if o.county}
    for county in sorted(counties):
        if not (out / str(year) / county).is_dir():
            continue
        try:
            write_county(out, year, county, meta, formats)
        except KeyboardInterrupt:
            raise
        except Exception as e:  # noqa: BLE001 — the townships stay published; the index is still written
            import sys

            _remove_county(out / str(year) / county)
            print(f"{county}县级总结未能生成：{safe_error(e)}", file=sys.stderr)
            failed.append((county, safe_error(e)))
    write_index(out)
    return failed


FORMAT_NAMES = {"html": "网页", "pdf": "PDF", "docx": "Word"}
REVIEW_FILE = "疑点核查.xlsx"   # review.FILE_NAME, written beside each township's report


def _format_links(folder: Path, stem: str, href: str) -> str:
    """Links to every format of a report that exists ("网页 · PDF · Word")."""
    return " · ".join(f"[{name}]({href}/{stem}.{f})" for f, name in FORMAT_NAMES.items()
                      if (folder / f"{stem}.{f}").exists())


def county_order(county_dir: Path, towns: list[str]) -> list[str]:
    """The townships in the county's own order: a ``townships:`` list in the county's
    parameters, else their first appearance in the households table (the county summary's
    order); any other after them, by name."""
    from zhenxing.data import params
    from zhenxing.report.notebook import COUNTY_FILE
    order = params.township_order(county_dir.name)
    if not order:
        try:
            order = json.loads((county_dir / COUNTY_FILE).read_text(encoding="utf-8")).get("townships") or []
        except (OSError, ValueError, AttributeError):
            order = []
    rank = {t: i for i, t in enumerate(order)}
    return sorted(towns, key=lambda t: (rank.get(t, len(rank)), t))


def write_index(out: Path) -> None:
    """index.html of every published report, by year and county; nothing when none is."""
    from zhenxing.report import render
    md = ["本页列出已生成的全部乡镇年度工作总结，按年度和县（市、区）排列。"]
    listed = 0
    years = sorted((p for p in out.iterdir() if p.is_dir() and p.name.isdigit()), reverse=True) if out.is_dir() else []
    for ydir in years:
        parts = []
        for cdir in sorted(p for p in ydir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            towns = county_order(cdir, [p.name for p in published_townships(cdir, ydir.name)])
            if not towns:
                continue
            listed += len(towns)
            base = f"{quote(ydir.name)}/{quote(cdir.name)}"
            line = f"### {cdir.name}\n\n"
            county_links = _format_links(cdir, "county", base)
            if county_links:
                line += f"{cdir.name}{ydir.name}年工作总结（全县汇总）：{county_links}\n\n"
            items = []
            for t in towns:
                links = _format_links(cdir / t, "report", f"{base}/{quote(t)}")
                if links and (cdir / t / REVIEW_FILE).is_file():  # the data review beside the report
                    links += f" · [疑点核查清单（Excel）]({base}/{quote(t)}/{quote(REVIEW_FILE)})"
                if links:
                    items.append(f"- {t}：{links}")
            line += "\n".join(items)
            parts.append(line)
        if parts:  # no empty years
            md.append(f"## {ydir.name}年")
            md += parts
    if not listed:
        if (out / "index.html").exists():
            (out / "index.html").unlink()
        return
    render.render("\n\n".join(md), out, title="巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作总结目录",
                  formats=("html",), resources=out, basename="index")
