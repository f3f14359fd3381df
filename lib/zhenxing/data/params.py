"""Layered parameters: params/defaults.yaml → params/policy/<county>.yaml → per-run files.

Policy targets come from here only; each target carries the document it comes from.
"""
from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from pathlib import Path

import yaml

from zhenxing.data import paths
from zhenxing.data.errors import Explained

NOTEBOOK_PARAMETERS = {"dataset": str, "township": str, "year": int, "report_date": str}


def _load(p: Path) -> dict:
    """A YAML file's mapping ({} when absent). Parsed once per version of the file (the
    policy is read by every notebook of every township; YAML parsing is slow)."""
    try:
        st = p.stat()
    except OSError:
        return {}
    return copy.deepcopy(_parsed(str(p), st.st_mtime_ns, st.st_size))


@functools.lru_cache(maxsize=64)
def _parsed(path: str, mtime_ns: int, size: int) -> dict:
    """The file's mapping; a file that is no YAML mapping is a ParamError naming the file
    (relative to the project), the line and column as an editor counts them, and what
    the YAML reader found."""
    p = Path(path)
    try:
        shown = p.resolve().relative_to(paths.ROOT).as_posix()
    except ValueError:
        shown = p.name
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise ParamError(f"参数文件 {shown} 不是 UTF-8 编码的文本，请用 UTF-8 保存 [bad_yaml]") from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark is not None else ""
        what = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ParamError(f"参数文件 {shown} {where}不是合法的 YAML（{what}），请检查缩进、冒号和括号是否成对 "
                         f"[bad_yaml]") from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParamError(f"参数文件 {shown} 应为“名称: 值”的列表（YAML 映射），实际是{type(data).__name__} [bad_yaml]")
    return data


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


WORDING_DEFAULT = paths.TEMPLATES / "wording.yaml"


def wording_file(county: str | None, root: Path | None = None) -> Path:
    """Where a county's wording override sits: beside its policy file,
    ``params/policy/<县>.wording.yaml`` (same keys as ``templates/wording.yaml``, only
    those it changes)."""
    return (root or paths.PARAMS) / "policy" / f"{county}.wording.yaml"


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in (over or {}).items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


_WORDING_CACHE: dict = {}


def wording(county: str | None = None, root: Path | None = None) -> dict:
    """The report's sentence patterns: ``templates/wording.yaml``, then the county's
    ``params/policy/<县>.wording.yaml`` merged over it key by key."""
    files = [WORDING_DEFAULT] + ([wording_file(county, root)] if county else [])
    key = tuple((str(f), f.stat().st_mtime_ns if f.exists() else None) for f in files)
    if key not in _WORDING_CACHE:
        out: dict = {}
        for f in files:
            out = _merge(out, _load(f))
        _WORDING_CACHE[key] = out
    return _WORDING_CACHE[key]


class ParamError(Explained, ValueError):
    """A parameter a person gave that cannot be used (Chinese message, English key)."""


_DATE_ARG = [
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
]


def parse_date_arg(value) -> dt.date:
    """A date as people type it: 2023-06-30, 2023/06/30, 2023.6.30, 2023年6月30日, 20230630."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip().replace("\u3000", "")
    for rx in _DATE_ARG:
        m = rx.fullmatch(s)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    raise ParamError(f"统计截止日期“{s}”不是有效日期，请写成 2023-06-30、2023/06/30 或 2023年6月30日 [bad_date]")


def report_date(year: int, value) -> dt.date:
    """The report date D: a date within the report year, or 31 December of the year when empty.
    A date outside the year is refused: it would mix two years' figures in one report."""
    year = int(year)
    if value is None or (isinstance(value, str) and not value.strip()):
        return dt.date(year, 12, 31)
    d = parse_date_arg(value)
    if d.year != year:
        raise ParamError(f"统计截止日期{d.year}年{d.month}月{d.day}日不在报告年度{year}年内；"
                         f"请改为{year}年内的日期，或同时改报告年度 [report_date_outside_year]")
    return d


def check_year(year, years_covered) -> int:
    """The report year must be one the dataset covers (its data carry that year)."""
    try:
        y = int(year)
    except (TypeError, ValueError):
        raise ParamError(f"报告年度“{year}”应为整数，如 2023 [bad_year]") from None
    covered = sorted(int(x) for x in years_covered)
    if y not in covered:
        have = "、".join(f"{x}年" for x in covered) if covered else "无任何年度"
        raise ParamError(f"数据集不含{y}年的数据（数据覆盖：{have}），不生成该年度报告 [year_not_covered]")
    return y


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
    accepted = {**NOTEBOOK_PARAMETERS, "out_dir": str}
    for k, v in data.items():
        if k not in accepted:
            problems.append(f"{p.name}: 未知参数 {k}（可用参数：{'、'.join(accepted)}）[unknown_parameter]")
        elif not isinstance(v, accepted[k]) or isinstance(v, bool):
            problems.append(f"{p.name}: 参数 {k} 应为{'整数' if accepted[k] is int else '文字'} [wrong_type]")
    return problems


def signature(county: str | None, name: str, root: Path | None = None) -> dict:
    """The 落款 of a township's (or the county's) summary from the county's policy file:
    ``issuer:`` (one text, or 名称 → 落款单位) and ``signed_on:`` (a date, or 名称 → date).
    Missing values are None (the report then signs "{名称}人民政府" on the report date)."""
    data = _load((root or paths.PARAMS) / "policy" / f"{county}.yaml") if county else {}
    out = {}
    for key in ("issuer", "signed_on"):
        v = data.get(key)
        if isinstance(v, dict):
            v = v.get(name)
        out[key] = str(v).strip() if v not in (None, "") else None
    return out


def township_order(county: str | None, root: Path | None = None) -> list[str] | None:
    """The county's own order of its townships (``townships:`` in its policy file), if given."""
    v = _load((root or paths.PARAMS) / "policy" / f"{county}.yaml").get("townships") if county else None
    return [str(t) for t in v] if isinstance(v, list) else None
