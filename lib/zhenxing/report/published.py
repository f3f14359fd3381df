"""What the published tree holds: a township's folder counts as published only with a
complete, stamped run of its year (the stamp ``.zhenxing-run.json`` is written last by the
batch), never a folder an exploration left. The county summary and the index read it."""
from __future__ import annotations

import json
from pathlib import Path

from zhenxing.topics.registry import TOPICS

STAMP = ".zhenxing-run.json"   # written last into a published township's folder


def stamp_key(path: Path) -> str | None:
    """The key a stamp file records (what a build was made from; a re-run compares it),
    or None when there is no readable stamp."""
    try:
        stamp = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp.get("key") if isinstance(stamp, dict) else None


def published(town_dir: Path, year=None) -> bool:
    """A complete, stamped run of the township's year: the stamp (written last), the
    indicators, every notebook and a report in each format the stamp names."""
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


def published_indicators(county_dir: Path, year, report_date) -> dict[str, dict]:
    """The indicators of every township published in ``county_dir`` for ``year`` with
    this report date (a ``datetime.date``), by township: what a county summary pools."""
    out = {}
    for td in published_townships(county_dir, year):
        try:
            ind = json.loads((td / "indicators.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(ind, dict) and str(ind.get("report_date")) == report_date.isoformat():
            out[td.name] = ind
    return out
