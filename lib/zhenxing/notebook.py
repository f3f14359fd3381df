"""What a topic notebook calls: load one township, compute, display, record.

A notebook stays thin: parameters, `ctx = notebook.context(...)`, then for each part
a paragraph (`ctx.say`), a table (`ctx.table`) and a chart (`ctx.chart`).
"""
from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import contract, indicators, params, paths, tables

# notebook name → key of indicators.json
TOPICS = {"monitoring": "monitoring", "income": "income", "employment": "employment",
          "funds": "funds", "public_posts": "posts"}
TOPIC_TITLES = {"monitoring": "防止返贫动态监测", "income": "脱贫人口和监测对象收入", "employment": "就业帮扶",
                "funds": "衔接资金项目", "public_posts": "公益性岗位"}


class DataError(Exception):
    """The dataset cannot serve this township (messages already masked)."""


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
        """A table with its caption; nothing when there is no data (the paragraph says so)."""
        if df is not None and not df.empty:
            self.say(tables.markdown(df, caption))

    def chart(self, fig_alt) -> None:
        """A chart with its text alternative; nothing when there is no data."""
        from . import charts
        if fig_alt is not None:
            charts.show(*fig_alt)

    # -- record ----------------------------------------------------------------
    def record(self, topic: str) -> None:
        """Merge this topic's indicators (and flags) into indicators.json, atomically."""
        key = TOPICS[topic]
        f = self.out_dir / "indicators.json"
        self.out_dir.mkdir(parents=True, exist_ok=True)
        data = json.loads(f.read_text(encoding="utf-8")) if f.exists() else {}
        if any(data.get(k) != self.ind[k] for k in ("township", "year", "report_date") if k in data):
            data = {}  # a different run's file: start afresh
        for k in ("township", "county", "year", "report_date"):
            data[k] = self.ind[k]
        data[key] = self.ind[key]
        if key == "monitoring":
            data["basic"] = self.ind.get("basic")
        data["flags"] = [x for x in data.get("flags", []) if x["topic"] != key] + \
                        [x for x in self.ind["flags"] if x["topic"] == key]
        data["dataset"] = {"name": self.dataset.name, "hash": self.dataset_hash}
        atomic_write(f, json.dumps(data, ensure_ascii=False, indent=2))


def atomic_write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(content.encode("utf-8") if isinstance(content, str) else content)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def context(dataset: str, township: str, year: int, report_date: str = "", out_dir: str = "") -> Context:
    """Load one township of a validated dataset and compute every indicator."""
    ds = Path(dataset) if dataset else paths.SAMPLE
    if not ds.is_absolute() and not ds.exists():
        ds = paths.ROOT / ds
    meta = contract.prepare(ds)
    towns = meta["townships"]
    if township not in towns:
        raise DataError(f"数据集“{meta['name']}”中没有乡镇“{township}”（有：{'、'.join(towns)}）[unknown_township]")
    bad = set(meta["bad_townships"])
    if "*" in bad or township in bad:
        msgs = [e["message"] for e in meta["errors"] if e["township"] in (township, None)]
        raise DataError(f"{township}的数据不符合规范，不生成报告 [contract_violations]：\n" + "\n".join(msgs[:50]))
    county = towns[township]
    d = params.report_date(year, report_date)
    pol = params.policy(county, year)
    t, ind = _computed(str(ds), meta["hash"], township, int(year), d, json.dumps(pol, sort_keys=True, ensure_ascii=False))
    out = Path(out_dir) if out_dir else paths.OUTPUTS / str(year) / county / township
    return Context(ds, meta["hash"], township, county, int(year), d, pol,
                   {k: v.copy() for k, v in t.items()}, copy.deepcopy(ind), out)


@functools.lru_cache(maxsize=2)
def _computed(ds: str, dataset_hash: str, township: str, year: int, d: dt.date, policy_json: str):
    """Tables and indicators of one township, computed once per (dataset version, township,
    year, date, policy): the five notebooks of a township on a warm kernel share them.
    Keyed by content, so a cached result is the one a fresh kernel would compute."""
    t = contract.load_township(Path(ds), township)
    ind = indicators.compute(t, township, year, d, json.loads(policy_json))
    ind["basic"] = indicators.basic(t, township, d)
    return t, ind


# --- the committed notebooks: clean, and refresh their stored outputs ---------------

def clean(nb) -> None:
    """Strip what changes on every run (execution counts, timings, papermill metadata);
    keep outputs and the kernelspec."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type == "code":
            cell.execution_count = None
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = None


def refresh(names: list[str] | None = None) -> list[Path]:
    """Re-run the committed notebooks on their defaults (the bundled sample) and store
    the outputs cleanly: these outputs are what nbval compares in CI."""
    import nbformat
    import papermill as pm
    done = []
    for name in names or list(TOPICS):
        src = paths.NOTEBOOKS / f"{name}.ipynb"
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / src.name
            pm.execute_notebook(str(src), str(out), kernel_name="zhenxing", cwd=str(paths.NOTEBOOKS),
                                progress_bar=False, parameters={"out_dir": str(Path(tmp) / "o")})
            nb = nbformat.read(out, as_version=4)
        nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
        clean(nb)
        atomic_write(src, nbformat.writes(nb) + "\n")
        done.append(src)
    return done
