"""County roll-up (county.html/.pdf) and the index of every report (index.html).

Both list only townships of the published tree with a complete, stamped run of that year
(the stamp `.zhenxing-run.json` is written last by the batch): never a folder that an
exploration left (a notebook run by hand may write `indicators.json`), so no partial
figures and no dead links. A county with no such township gets no roll-up; a year with
none is not listed in the index."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from . import charts, tables, text


def published(town_dir: Path, year=None) -> bool:
    """A complete, stamped run of the township's year: the stamp (written last), the
    indicators, every notebook and a report in each format the stamp names."""
    from .batch import STAMP
    from .notebook import TOPICS
    try:
        stamp = json.loads((town_dir / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(stamp, dict):
        return False
    y = year if year is not None else town_dir.parent.parent.name
    if str(stamp.get("year")) != str(y) or stamp.get("township") not in (None, town_dir.name):
        return False
    need = ["indicators.json", *(f"{t}.ipynb" for t in TOPICS),
            *(f"report.{f}" for f in (stamp.get("formats") or ["html"]))]
    return all((town_dir / f).is_file() for f in need)


def published_townships(county_dir: Path, year=None) -> list[Path]:
    if not county_dir.is_dir():
        return []
    return sorted(p for p in county_dir.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and published(p, year))


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
    return text.MISSING if v is None else f(v)


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
            "监测对象（户/人）": text.hp(_get(mon, "total")),
            "未消除风险（户/人）": text.hp(_get(mon, "unresolved")),
            "_unresolved": _get(mon, "unresolved", "households"),  # None: not computable
            "人均纯收入": _fmt(text.yuan, _get(inc, "per_capita_net", "covered")),
            "衔接资金拨付率": _fmt(text.pct, _get(fu, "paid_rate")),
            "公益性岗位在岗": _fmt(text.persons, _get(po, "in_post", "total")),
            "问题数": len(ind.get("flags", [])),
        })
    return pd.DataFrame(rows)


def write_rollups(out: Path, year: int, meta: dict, outcomes, formats) -> None:
    """Roll-up per county touched by this run, then the index of everything in `out`."""
    from . import render
    counties = {o.county for o in outcomes if o.county}
    for county in sorted(counties):
        d = out / str(year) / county
        if not d.is_dir():
            continue
        df = county_rows(d, year)
        if df.empty:  # no township published: no roll-up (remove an old one, it would link nowhere)
            for f in d.glob("county.*"):
                f.unlink(missing_ok=True)
            continue
        failed = [o for o in outcomes if o.county == county and o.status == "failed"]
        md = [f"本表汇总{county}各乡镇{year}年巩固拓展脱贫攻坚成果同乡村振兴有效衔接主要指标，"
              f"共{len(df)}个乡镇，点击乡镇名称查看该乡镇的工作总结。"]
        show = df.drop(columns=[c for c in df.columns if c.startswith("_")])
        md.append(tables.markdown(show, f"{county}{year}年各乡镇主要指标"))
        known = {t: int(v) for t, v in zip(df["_town"], df["_unresolved"]) if v is not None and v == v}
        if known:  # a township whose data cannot state it gets no bar (never a 0 bar)
            fig, alt = charts.bar(known, "各乡镇未消除风险监测对象（户）", "户")
            charts.write(fig, d / "charts" / "county_unresolved")  # .svg for HTML/PDF, .png for DOCX
            md.append(f"![图1　{alt}](charts/county_unresolved.png)")
        if len(known) < len(df):
            md.append("注：" + "、".join(t for t in df["_town"] if t not in known)
                      + "的数据未提供风险消除日期等所需信息，未消除风险户数未能统计，表中以“—”表示。")
        if failed:
            md.append("以下乡镇本次未能生成报告：" + "；".join(f"{o.township}（{o.error[:80]}）" for o in failed) + "。")
        md.append(f"数据集：{meta['name']}（内容哈希 {meta['hash'][:16]}）。")
        fmts = tuple(f for f in formats if f in ("html", "pdf")) or ("html",)
        render.render("\n\n".join(md), d, title=f"{county}{year}年巩固拓展脱贫攻坚成果同乡村振兴有效衔接乡镇汇总",
                      formats=fmts, resources=d, basename="county")
    write_index(out)


def write_index(out: Path) -> None:
    """index.html of every published report, by year and county; nothing when none is."""
    from . import render
    md = ["本页列出已生成的全部乡镇年度工作总结，按年度和县（市、区）排列。"]
    listed = 0
    years = sorted((p for p in out.iterdir() if p.is_dir() and p.name.isdigit()), reverse=True) if out.is_dir() else []
    for ydir in years:
        parts = []
        for cdir in sorted(p for p in ydir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            towns = [p.name for p in published_townships(cdir, ydir.name)]
            if not towns:
                continue
            listed += len(towns)
            base = f"{quote(ydir.name)}/{quote(cdir.name)}"
            line = f"### {cdir.name}\n\n"
            if (cdir / "county.html").exists():
                line += f"[各乡镇汇总]({base}/county.html)\n\n"
            items = []
            for t in towns:
                have = [f for f in ("html", "pdf", "docx") if (cdir / t / f"report.{f}").exists()]
                item = f"- [{t}]({base}/{quote(t)}/report.{have[0]})"
                if have[0] == "html" and "pdf" in have:
                    item += f"（[PDF]({base}/{quote(t)}/report.pdf)）"
                items.append(item)
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
