"""Layered parameters: params/defaults.yaml → params/policy/<county>.yaml → per-run files.

Policy targets come from here only; each target carries the document it comes from.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from . import paths

NOTEBOOK_PARAMETERS = {"dataset": str, "township": str, "year": int, "report_date": str}


def _load(p: Path) -> dict:
    return yaml.safe_load(p.read_text(encoding="utf-8")) or {} if p.exists() else {}


def policy_layers(county: str | None, root: Path | None = None) -> list[dict]:
    root = root or paths.PARAMS
    layers = [_load(root / "defaults.yaml").get("policy", {})]
    if county:
        layers.append(_load(root / "policy" / f"{county}.yaml").get("policy", {}))
    return layers


def policy(county: str | None, year: int, root: Path | None = None) -> dict:
    """Plain values of every policy target for a county and year (later layers win)."""
    merged: dict = {}
    for layer in policy_layers(county, root):
        merged.update(layer)
    out = {}
    for name, entry in merged.items():
        value = entry.get("value") if isinstance(entry, dict) and "value" in entry else entry
        if isinstance(value, dict) and value and all(isinstance(k, int) for k in value):
            value = value.get(year)  # a target that changes by year
        out[name] = value
    return out


def sources(county: str | None, root: Path | None = None) -> dict[str, str]:
    """The document each policy target comes from."""
    merged: dict = {}
    for layer in policy_layers(county, root):
        merged.update(layer)
    return {k: v.get("source", "") for k, v in merged.items() if isinstance(v, dict)}


def report_date(year: int, value: str | None) -> dt.date:
    """The report date D: ISO date, or 31 December of the year when empty."""
    if not value:
        return dt.date(year, 12, 31)
    return dt.date.fromisoformat(str(value))


def run_file(year: int, county: str, township: str, root: Path | None = None) -> Path:
    return (root or paths.PARAMS) / str(year) / county / f"{township}.yaml"


def notes_file(year: int, county: str, township: str, root: Path | None = None) -> Path:
    """The analyst's own 下一步工作打算 for (township, year), Markdown, when it exists."""
    return (root or paths.PARAMS) / str(year) / county / f"{township}.notes.md"


def write_run_files(dataset: Path, year: int, townships: dict[str, str], report_date_: str = "",
                    root: Path | None = None) -> list[Path]:
    """One papermill parameter file per township: `papermill nb out -f <file>` runs it."""
    written = []
    for town, county in townships.items():
        f = run_file(year, county, town, root)
        f.parent.mkdir(parents=True, exist_ok=True)
        body = {"dataset": str(dataset), "township": town, "year": int(year), "report_date": report_date_}
        f.write_text(f"# {county}{town}{year}年 — papermill 参数文件（zhenxing params 生成）\n"
                     + yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")
        written.append(f)
    return written


def check_run_file(p: Path) -> list[str]:
    """Problems of a parameter file against the notebooks' parameters (unknown or mistyped)."""
    data = _load(p)
    problems = []
    for k, v in data.items():
        if k not in NOTEBOOK_PARAMETERS:
            problems.append(f"{p.name}: 未知参数 {k} [unknown_parameter]")
        elif not isinstance(v, NOTEBOOK_PARAMETERS[k]) or isinstance(v, bool):
            problems.append(f"{p.name}: 参数 {k} 应为 {NOTEBOOK_PARAMETERS[k].__name__} [wrong_type]")
    return problems
