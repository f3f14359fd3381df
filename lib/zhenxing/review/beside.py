"""The review as part of a run: ``疑点核查.xlsx`` beside each township's report, its counts
(``review.json``, no id, no name) for the county's 数据质量 paragraph, and that paragraph.

A figure the plausibility gate (``topics/plausibility.py``) would not state — built on
records the data cannot be believed for — is null in the township's ``indicators.json``
with cause ``implausible``; the review lists it on the workbook's summary sheet with its
reason, beside the rules whose records show why (spec: indicators.md, "Figures a reader
would not believe": named as a data problem, listed by the data review)."""
from __future__ import annotations

import json
from pathlib import Path

from zhenxing.review.engine import FAMILIES, load_rules, township_findings
from zhenxing.review.workbook import FILE_NAME, write_workbook

COUNTS_FILE = "review.json"
VILLAGES_NAMED = 3          # the villages with most findings, named in the county paragraph


def gated_figures(folder: Path) -> list[dict]:
    """The figures of ``folder/indicators.json`` the plausibility gate did not state."""
    try:
        ind = json.loads((Path(folder) / "indicators.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [e for e in ind.get("not_stated") or [] if isinstance(e, dict) and e.get("cause") == "implausible"]


def counts(res) -> dict:
    """What the county paragraph needs of one township's review: counts only."""
    fam: dict = {}
    vil: dict = {}
    for f in res.findings:
        fam[f.family] = fam.get(f.family, 0) + 1
        if f.village:
            vil[f.village] = vil.get(f.village, 0) + 1
    return {"township": res.township, "year": res.year, "records": len(res.findings),
            "households": len({f.household for f in res.findings if f.household}),
            "by_rule": {r.id: n for r in res.rules if (n := sum(1 for f in res.findings if f.rule == r.id))},
            "by_family": {k: fam[k] for k in (*FAMILIES, *sorted(set(fam) - set(FAMILIES))) if k in fam},
            "by_village": dict(sorted(vil.items(), key=lambda kv: (-kv[1], kv[0]))),
            "skipped": dict(res.skipped),
            "gated": [{k: e.get(k) for k in ("topic", "key", "reason")} for e in res.gated]}


def write_beside(folder, dataset, township: str, county: str, year: int, report_date, tables: dict | None = None):
    """Review one township of a run and write ``疑点核查.xlsx`` and ``review.json`` into
    ``folder`` (the township's build folder, published with its reports). ``tables``: the
    township's tables as ``contract.load_township`` gives them, when the caller has them
    already (read from the cache otherwise). Returns the ``Result``."""
    from zhenxing.data import contract, params
    folder = Path(folder)
    if tables is None:
        tables = contract.load_township(Path(dataset), township)
    res = township_findings(tables, township, int(year), report_date, params.policy(county, int(year)),
                            rules=load_rules(county))
    res.county = county
    res.gated = gated_figures(folder)
    res.path = write_workbook(folder / FILE_NAME, res)
    tmp = folder / f".{COUNTS_FILE}.tmp"
    tmp.write_text(json.dumps(counts(res), ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(folder / COUNTS_FILE)
    return res


def county_counts(county_dir: Path, townships) -> list[dict]:
    """The ``review.json`` of each listed township that has one, in the given order."""
    out = []
    for t in townships:
        try:
            out.append(json.loads((Path(county_dir) / t / COUNTS_FILE).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return out


def county_paragraph(county_dir: Path, townships) -> str | None:
    """The county summary's short 数据质量 paragraph: findings by rule family and the
    villages with most; None when no township of the county was reviewed."""
    rows = county_counts(county_dir, townships)
    if not rows:
        return None
    total = sum(r.get("records", 0) for r in rows)
    head = (f"数据质量方面，按防返贫监测数据质量核查规则对{len(rows)}个乡镇的监测数据逐条核查，")
    if not total:
        return head + "未发现疑点记录。"
    fam: dict = {}
    vil: list = []
    for r in rows:
        for k, v in (r.get("by_family") or {}).items():
            fam[k] = fam.get(k, 0) + v
        vil += [(n, r["township"], v) for v, n in (r.get("by_village") or {}).items()]
    order = [k for k in FAMILIES if k in fam] + sorted(set(fam) - set(FAMILIES))
    parts = "、".join(f"{k}类{fam[k]}条" for k in order)
    vil.sort(key=lambda x: (-x[0], x[1], x[2]))
    top = "、".join(f"{t}{v}（{n}条）" for n, t, v in vil[:VILLAGES_NAMED])
    towns_with = sum(1 for r in rows if r.get("records"))
    text = (head + f"{towns_with}个乡镇共发现疑点记录{total}条，其中{parts}；"
            + (f"疑点较多的村是{top}。" if top else "")
            + "已形成分村疑点核查清单，由各乡镇逐村核实，在全国防返贫监测信息系统中整改后重新导出复核。")
    return text
