"""What a topic notebook calls: load one township, compute, display, record.

A notebook stays thin: parameters, `ctx = notebook.context(...)`, then for each part
a paragraph (`ctx.say`), a table (`ctx.table`) and a chart (`ctx.chart`).
"""
from __future__ import annotations

import ast
import copy
import datetime as dt
import difflib
import functools
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from zhenxing.data import contract, params, paths
from zhenxing.data.errors import Explained
from zhenxing.report import tables
from zhenxing.topics import county as county_topic
from zhenxing.topics import monitoring, registry
from zhenxing.topics.registry import TOPIC_KEYS, TOPIC_TITLES, TOPICS  # noqa: F401 — the notebooks' topics


class DataError(Explained, Exception):
    """The dataset cannot serve this township (messages already masked)."""


# --- the parameters cell: names and types a notebook accepts -------------------------

PARAMETERS = {**params.NOTEBOOK_PARAMETERS, "out_dir": str}
PARAMETER_LABELS = {"dataset": "数据集目录", "township": "乡镇", "year": "报告年度",
                    "report_date": "统计截止日期", "out_dir": "输出目录"}
_INJECTED = "# Parameters"  # papermill's comment heading the cell it injects


def _assigned(source: str) -> list[str] | None:
    """Names a parameters-like cell assigns, or None when the cell is something else
    (a parameters cell holds only plain assignments, with or without a type)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    names = []
    for st in tree.body:
        if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name):
            names.append(st.target.id)
        elif isinstance(st, ast.Assign) and all(isinstance(t, ast.Name) for t in st.targets):
            names += [t.id for t in st.targets]
        else:
            return None
    if not names:
        return None
    if source.lstrip().startswith(_INJECTED) or set(names) & set(PARAMETERS):
        return names
    return None


def _parameter_cells(history: list[str]) -> list[list[str]]:
    """The most recently run parameters cell and, right after it, papermill's injected one:
    their assigned names. `history` is IPython's input history, newest last (the check's own
    cell may be the newest)."""
    found: list[list[str]] = []
    for src in reversed(history):
        names = _assigned(src or "")
        if names is not None:
            found.append(names)
        elif found:
            break
    return found


def _kernel_state(ns: dict | None, history: list[str] | None):
    if ns is not None and history is not None:
        return ns, history
    try:
        from IPython import get_ipython
        ip = get_ipython()
    except ImportError:  # pragma: no cover
        ip = None
    if ns is None:
        ns = ip.user_ns if ip is not None else sys._getframe(2).f_globals
    if history is None:
        history = list(ip.history_manager.input_hist_raw) if ip is not None else []
    return ns, history


# parameters naming a place: a non-empty name, and what to say when it is not one
_PLACE_PARAMETERS = {"township": "township（乡镇）应为乡镇名称文字", "county": "county（县）应为县名文字"}


def check_parameters(ns: dict | None = None, history: list[str] | None = None) -> None:
    """Stop the notebook on a misspelled, unknown, missing or mistyped parameter.

    Called in the cell right after the parameters cell. Works the same in JupyterLab (a
    typo in the parameters cell), plain papermill (`-p townshp …`, which papermill only
    warns about) and `zhenxing run` (warm kernels): the names come from the source of the
    parameters cell and papermill's injected cell as IPython recorded them, so names left
    over from earlier cells or notebooks never count; the values from the namespace."""
    __tracebackhide__ = True
    ns, history = _kernel_state(ns, history)
    _check(ns, history, PARAMETERS, PARAMETER_LABELS)


def _check(ns: dict, history: list[str], accepted: dict, labels: dict) -> None:
    """The checks of :func:`check_parameters` for one notebook's ``accepted`` parameters."""
    __tracebackhide__ = True
    listing = "、".join(f"{k}（{labels[k]}）" for k in accepted)
    names = [n for cell in _parameter_cells(history) for n in cell]
    unknown = list(dict.fromkeys(n for n in names if n not in accepted))
    if unknown:
        hints = []
        for n in unknown:
            close = difflib.get_close_matches(n, list(accepted), n=1, cutoff=0.6)
            hints.append(f"“{n}”" + (f"（是否应为“{close[0]}”？）" if close else ""))
        raise params.ParamError(f"未知的笔记本参数：{'、'.join(hints)}；可用的参数：{listing}。"
                                f"请改正参数名后重新运行 [unknown_parameter]")
    missing = [n for n in accepted if n not in ns]
    if missing:
        raise params.ParamError(f"缺少笔记本参数：{'、'.join(missing)}；可用的参数：{listing}。"
                                f"请从头运行参数单元格 [missing_parameter]")
    problems = []
    for name in accepted:
        v = ns[name]
        if name == "year":
            ok = (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, str) and v.strip().isdigit())
            if not ok:
                problems.append(f"year（报告年度）应为整数年份，如 2023，收到“{v}”")
        elif name == "report_date":
            if not (v is None or isinstance(v, (str, dt.date))):
                problems.append(f"report_date（统计截止日期）应为日期文字，如 2023-06-30，或留空，收到“{v}”")
        elif name in _PLACE_PARAMETERS:
            if not isinstance(v, str) or not v.strip():
                problems.append(f"{_PLACE_PARAMETERS[name]}，收到“{v}”")
        elif not (v is None or isinstance(v, (str, os.PathLike))):
            problems.append(f"{name}（{labels[name]}）应为文字（目录路径）或留空，收到“{v}”")
    if problems:
        raise params.ParamError("笔记本参数类型不对：" + "；".join(problems) + " [wrong_type]")


def reset_namespace(ip=None) -> None:
    """What a warm kernel runs before each notebook: IPython's `%reset -f` (user namespace,
    output cache, input history cleared), then any matplotlib figure an analyst's cell left
    open closed. The reset's own `gc.collect()` calls (two full collections, ~0.16 s with
    pandas loaded, eight times per township) are skipped: they free nothing a notebook can see,
    and Python's generational collector still collects cycles as it always does."""
    import gc

    if ip is None:
        from IPython import get_ipython
        ip = get_ipython()
    collect = gc.collect
    gc.collect = lambda *a, **k: 0
    try:
        ip.run_line_magic("reset", "-f")
    finally:
        gc.collect = collect
    close_figures()


def close_figures() -> None:
    """Close any matplotlib figure an analyst's own cell left open (the notebooks draw no
    matplotlib figures themselves, so matplotlib is only closed if something imported it)."""
    import sys
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def dataset_label(ds: Path) -> str:
    """A name for a reader: the bundled sample by what it is, a user's dataset by its folder
    name (never the path on the server)."""
    try:
        if Path(ds).resolve() == paths.SAMPLE.resolve():
            return SAMPLE_LABEL
    except OSError:
        pass
    return Path(ds).name


SAMPLE_LABEL = "自带示例数据（合成）"


@dataclass
class Context:
    dataset: Path
    dataset_hash: str
    township: str
    county: str
    year: int
    report_date: dt.date
    policy: dict
    tables: dict
    ind: dict
    out_dir: Path

    # -- display ---------------------------------------------------------------
    def say(self, markdown: str) -> None:
        from IPython.display import display
        display({"text/markdown": markdown}, raw=True)

    def table(self, df, caption: str) -> None:
        """A table with its caption; nothing when there is no data (the paragraph says so).

        One output, two forms: `text/html`, a real table with its caption that JupyterLab
        shows (no stray "Table: …" line), and `text/markdown`, the captioned pipe table that
        report assembly reads. Both are plain functions of the data (no random ids), so
        stored outputs compare equal run to run."""
        if df is not None and not df.empty:
            from IPython.display import display
            display({"text/html": table_html(df, caption), "text/markdown": tables.markdown(df, caption)},
                    raw=True)

    def chart(self, spec) -> None:
        """A topic's chart (:class:`zhenxing.topics.base.ChartSpec`) drawn with its text
        alternative; nothing when there is no data."""
        from zhenxing.report import charts
        drawn = charts.draw(spec)
        if drawn is not None:
            charts.show(*drawn)

    # -- record ----------------------------------------------------------------
    def record(self, topic: str) -> None:
        """Merge this topic's indicators (and flags) into indicators.json, atomically."""
        key = TOPICS[topic]
        keys = TOPIC_KEYS.get(topic, (key,))
        f = self.out_dir / "indicators.json"
        self.out_dir.mkdir(parents=True, exist_ok=True)
        data = json.loads(f.read_text(encoding="utf-8")) if f.exists() else {}
        if any(data.get(k) != self.ind[k] for k in ("township", "year", "report_date") if k in data):
            data = {}  # a different run's file: start afresh
        for k in ("township", "county", "year", "report_date"):
            data[k] = self.ind[k]
        for k in keys:
            data[k] = self.ind.get(k)
        if key == "monitoring":
            data["basic"] = self.ind.get("basic")
        data["flags"] = [x for x in data.get("flags", []) if x["topic"] not in keys] + \
                        [x for x in self.ind["flags"] if x["topic"] in keys]
        # figures left null, with why (basic's go with monitoring, as basic itself does)
        mine = set(keys) | ({"basic"} if key == "monitoring" else set())
        data["not_stated"] = [x for x in data.get("not_stated", []) if x["topic"] not in mine] + \
                             [x for x in self.ind.get("not_stated", []) if x["topic"] in mine]
        data["dataset"] = {"name": self.dataset.name, "label": dataset_label(self.dataset), "hash": self.dataset_hash}
        atomic_write(f, json.dumps(data, ensure_ascii=False, indent=2))


def table_html(df, caption: str = "") -> str:
    """The table as HTML for JupyterLab: header cells, caption, numbers right-aligned, the
    same cell texts as the report's Markdown table, and its note (if any) below."""
    import html
    import re

    def cell(v) -> str:
        return html.escape(tables.cell_text(v))

    numeric = tables.numeric_columns(df)
    right = ' style="text-align: right"'
    out = ['<table class="zhenxing-table">']
    if caption:
        out.append(f"<caption>{html.escape(caption)}</caption>")
    out.append("<thead><tr>" + "".join(
        f'<th scope="col"{right if n else ""}>{html.escape(str(c))}</th>'
        for c, n in zip(df.columns, numeric)) + "</tr></thead>")
    out.append("<tbody>")
    for row in df.itertuples(index=False):
        out.append("<tr>" + "".join(f"<td{right if n else ''}>{cell(v)}</td>"
                                    for v, n in zip(row, numeric)) + "</tr>")
    out.append("</tbody></table>")
    note = df.attrs.get("note")
    if note:
        out.append(f"<p>{html.escape(re.sub(r'[*_`]', '', str(note)))}</p>")
    return "\n".join(out)


def atomic_write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(content.encode("utf-8") if isinstance(content, str) else content)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def scratch_dir(year, county: str, township: str) -> Path:
    """Where an exploration run (JupyterLab, plain papermill without out_dir) records:
    never the published outputs/<Y>/… tree, which only `zhenxing run` writes."""
    return paths.OUTPUTS / "scratch" / str(year) / county / township


def context(dataset: str, township: str, year: int, report_date: str = "", out_dir: str = "") -> Context:
    """Load one township of a validated dataset and compute every indicator.

    Refused up front, before anything is computed: a year the dataset does not cover, a
    report date outside the year or not a date. Without `out_dir` (exploring), the
    indicators go to a scratch folder, never the published tree."""
    __tracebackhide__ = True
    ds = Path(dataset) if dataset else paths.SAMPLE
    if not ds.is_absolute() and not ds.exists():
        ds = paths.ROOT / ds
    if not ds.is_dir():
        raise params.ParamError(f"数据集目录“{Path(dataset).name or dataset}”不存在 [dataset_not_found]")
    meta = contract.prepare(ds)
    y = params.check_year(year, meta["years"])
    params.report_date(y, report_date)
    towns = meta["townships"]
    if township not in towns:
        raise DataError(f"数据集“{meta['name']}”中没有乡镇“{township}”（有：{'、'.join(towns)}）[unknown_township]")
    bad = set(meta["bad_townships"])
    if "*" in bad or township in bad:
        msgs = [e["message"] for e in meta["errors"] if e["township"] in (township, None)]
        raise DataError(f"{township}的数据不符合规范，不生成报告 [contract_violations]：\n" + "\n".join(msgs[:50]))
    county = towns[township]
    d = params.report_date(y, report_date)
    pol = params.policy(county, y)
    t, ind = _computed(str(ds), meta["hash"], township, y, d, json.dumps(pol, sort_keys=True, ensure_ascii=False))
    out = Path(out_dir) if out_dir else scratch_dir(y, county, township)
    return Context(ds, meta["hash"], township, county, y, d, pol,
                   {k: v.copy() for k, v in t.items()}, copy.deepcopy(ind), out)


@functools.lru_cache(maxsize=2)
def _computed(ds: str, dataset_hash: str, township: str, year: int, d: dt.date, policy_json: str):
    """Tables and indicators of one township, computed once per (dataset version, township,
    year, date, policy): the five notebooks of a township on a warm kernel share them.
    Keyed by content, so a cached result is the one a fresh kernel would compute."""
    t = _loaded(ds, dataset_hash, township)
    ind = registry.compute(t, township, year, d, json.loads(policy_json))
    ind["basic"] = monitoring.basic(t, township, d)
    return t, ind


@functools.lru_cache(maxsize=2)
def _loaded(ds: str, dataset_hash: str, township: str) -> dict:
    """One township's validated tables, read once per (dataset version, township) in this
    process: its notebooks compute on them and the data review beside its reports checks
    them (``township_tables``). Nobody changes them in place (each notebook's context
    holds copies; tests/test_review_run.py checks that computing leaves them as read)."""
    return contract.load_township(Path(ds), township)


def township_tables(dataset, township: str) -> dict:
    """The tables of ``township`` as this process's notebooks loaded them (read from the
    cache if they have not): what ``zhenxing run`` hands the data review, instead of
    reading the township again. Not to be changed in place."""
    ds = str(dataset)
    return _loaded(ds, contract.prepare(Path(ds))["hash"], township)


# --- the committed notebooks: clean, and refresh their stored outputs ---------------

def clean(nb) -> None:
    """Strip what changes on every run (timings, papermill metadata, widget state) and
    number the code cells 1, 2, 3 … as a top-to-bottom run does: nbval, run as its
    documentation says (`pytest --nbval-lax notebooks/`), treats a stored output without an
    execution count as an unrun cell and fails. Outputs and the kernelspec are kept."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    n = 0
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type == "code":
            n += 1
            cell.execution_count = n
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = n


def refresh(names: list[str] | None = None, dest: Path | None = None) -> list[Path]:
    """Re-run the committed notebooks on their defaults (the bundled sample) and store
    the outputs cleanly: these outputs are what nbval compares in CI. With `dest`, write
    there instead of notebooks/ (a test compares the two to catch drift)."""
    import nbformat
    import papermill as pm
    done = []
    for name in names or [*TOPICS, "county"]:
        src = paths.NOTEBOOKS / f"{name}.ipynb"
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / src.name
            # the county notebook on its defaults, as nbval runs it (every township of the
            # sample, recorded in the scratch folder): its out_dir is a run's published tree
            parameters = {} if name == "county" else {"out_dir": str(Path(tmp) / "o")}
            pm.execute_notebook(str(src), str(out), kernel_name="zhenxing", cwd=str(paths.NOTEBOOKS),
                                progress_bar=False, parameters=parameters)
            nb = nbformat.read(out, as_version=4)
        nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
        clean(nb)
        target = Path(dest) / src.name if dest else src
        atomic_write(target, nbformat.writes(nb) + "\n")
        done.append(target)
    return done


# --- the county notebook (issue 13) ---------------------------------------------------
COUNTY_PARAMETERS = {"dataset": str, "county": str, "year": int, "report_date": str, "out_dir": str}
COUNTY_PARAMETER_LABELS = {**PARAMETER_LABELS, "county": "县（市、区）",
                           "out_dir": "县的输出目录（outputs/<年度>/<县>）"}
COUNTY_FILE = "county.json"   # the county's indicators, beside county.ipynb


def check_county_parameters(ns: dict | None = None, history: list[str] | None = None) -> None:
    """:func:`check_parameters` for ``notebooks/county.ipynb``: its parameters are
    ``dataset, county, year, report_date, out_dir``."""
    __tracebackhide__ = True
    ns, history = _kernel_state(ns, history)
    _check(ns, history, COUNTY_PARAMETERS, COUNTY_PARAMETER_LABELS)


@dataclass
class CountyContext(Context):
    townships: list | None = None   # the townships pooled
    missing: list | None = None      # the county's townships not pooled (no complete run)
    published: bool = False          # townships taken from a run's published tree

    def record_county(self) -> None:
        """Write the county's indicators (``county.json``) to out_dir, atomically."""
        data = {**self.ind, "missing": self.missing or [],
                "dataset": {"name": self.dataset.name, "label": dataset_label(self.dataset), "hash": self.dataset_hash}}
        atomic_write(self.out_dir / COUNTY_FILE, json.dumps(data, ensure_ascii=False, indent=2))


# The pooled part of a county's indicators (indicators.county_pooled), computed ahead by
# `zhenxing run` in its own process while the last townships render (batch.py), keyed by
# everything it depends on: the dataset version, county, year, report date, the townships
# pooled and the policy. county_context takes it (once) only when it would pool exactly
# those townships; otherwise it computes afresh. Notebooks run elsewhere never see it.
_POOLED: dict = {}


def forget_pooled() -> None:
    """Drop the county figures pooled ahead that no summary took (a long-lived process
    would otherwise keep them)."""
    _POOLED.clear()


def pool_key(dataset_hash: str, county: str, year: int, report_date: dt.date, townships, policy: dict) -> tuple:
    return (dataset_hash, county, int(year), report_date.isoformat(), tuple(townships),
            json.dumps(policy, sort_keys=True, ensure_ascii=False, default=str))


def pool_ahead(dataset: Path, meta: dict, county: str, year: int, report_date: str, townships: list[str]) -> None:
    """Compute the pooled part of ``county``'s indicators for ``townships`` (in the county's
    order) and keep it for this process's county_context."""
    d = params.report_date(year, report_date)
    pol = params.policy(county, year)
    t = contract.load_county(dataset, townships)
    _POOLED[pool_key(meta["hash"], county, year, d, townships, pol)] = county_topic.county_pooled(
        t, townships, year, d, pol, county_name=county)


def county_context(dataset: str, county: str, year: int, report_date: str = "", out_dir: str = "") -> CountyContext:
    """Load the county's townships and compute the pooled county indicators.

    With ``out_dir`` (a run's county folder, ``outputs/<Y>/<县>``, as ``zhenxing run``
    passes it): only the townships whose run there is complete and stamped
    (``published.published``) and of the same report date are pooled; their own figures for
    the comparison come from their ``indicators.json``; every other township of the
    county is named as missing. Without ``out_dir`` (exploring in JupyterLab): every
    township of the county whose data pass validation, computed afresh, and the county's
    indicators go to a scratch folder."""
    __tracebackhide__ = True
    from zhenxing.report import published
    ds = Path(dataset) if dataset else paths.SAMPLE
    if not ds.is_absolute() and not ds.exists():
        ds = paths.ROOT / ds
    if not ds.is_dir():
        raise params.ParamError(f"数据集目录“{Path(dataset).name or dataset}”不存在 [dataset_not_found]")
    meta = contract.prepare(ds)
    y = params.check_year(year, meta["years"])
    d = params.report_date(y, report_date)
    counties = sorted(set(meta["townships"].values()))
    if county not in counties:
        raise DataError(f"数据集“{meta['name']}”中没有县“{county}”（有：{'、'.join(counties)}）[unknown_county]")
    expected = [t for t, c in meta["townships"].items() if c == county]
    bad = set(meta["bad_townships"])
    town_inds = None
    if out_dir:
        town_inds = {t: ti for t, ti in published.published_indicators(Path(out_dir), y, d).items() if t in expected}
        included = [t for t in expected if t in town_inds]
        if not included:
            raise DataError(f"“{Path(out_dir).name}”中没有{county}{y}年已完整生成报告的乡镇，无法汇总 [no_published_township]")
    else:
        included = [t for t in expected if t not in bad and "*" not in bad]
    missing = [t for t in expected if t not in included]
    pol = params.policy(county, y)
    pooled = _POOLED.pop(pool_key(meta["hash"], county, y, d, included, pol), None) if town_inds else None
    if pooled is not None:  # computed by this process while the run's last townships rendered
        t = {}
        ind = county_topic.county_by_township(pooled, None, included, y, d, pol, town_inds=town_inds)
    else:
        t = contract.load_county(ds, included)
        ind = county_topic.county(t, included, y, d, pol, county_name=county, town_inds=town_inds)
    ind["missing"] = missing
    out = Path(out_dir) if out_dir else paths.OUTPUTS / "scratch" / str(y) / county
    return CountyContext(ds, meta["hash"], county, county, y, d, pol, t, ind, out,
                         townships=included, missing=missing, published=bool(out_dir))
