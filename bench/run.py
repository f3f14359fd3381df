"""Benchmarks, run on demand (`make bench`); never a pass/fail test.

Every figure is measured in this run, on this machine, against a baseline measured in
the same run, and written to docs/performance.md:

1. validation + caching of a generated county (seconds, peak memory);
2. (a) the plain approach a user would take from the libraries' documentation — for
   each township and topic, the `papermill` command, then `jupyter nbconvert --to html`
   for that notebook (nbconvert's PDF needs LaTeX or a downloaded browser, neither
   available here, so (a) renders HTML only) — against (b) `zhenxing run` with all
   three formats, on the sample and on generated counties of 10, 50 and 200 townships.
   On the generated counties (a) runs a fixed subset of townships and is scaled to the
   county (marked "est."), since its cost is linear in townships by construction.

Usage: python bench/run.py [--sizes 10,50,200] [--subset 3] [--workers 2]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
TOPICS = ["monitoring", "income", "employment", "funds", "public_posts"]
MEMBERS_PER_TOWNSHIP = 5000  # 200 townships -> 1,000,000 members


def timed(cmd: list[str], **kw) -> tuple[float, float]:
    """Run a command in a child that reports the peak RSS of its own children (MB)."""
    probe = ("import resource,subprocess,sys,time;t=time.perf_counter();"
             "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
             "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024, r.returncode)")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, check=True, **kw).stdout
    secs, mb, rc = out.split()
    if rc != "0":
        raise SystemExit(f"command failed ({rc}): {' '.join(cmd)}")
    return float(secs), float(mb)


def plain_approach(dataset: Path, townships: list[str], year: int, work: Path, cache: Path) -> float:
    """(a): papermill then nbconvert, one command each, per township and topic."""
    t0 = time.perf_counter()
    for t in townships:
        for topic in TOPICS:
            out = work / t / f"{topic}.ipynb"
            out.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([str(VENV_BIN / "papermill"), str(ROOT / "notebooks" / f"{topic}.ipynb"), str(out),
                            "-p", "dataset", str(dataset), "-p", "township", t, "-p", "year", str(year),
                            "-p", "out_dir", str(work / t), "-k", "zhenxing"],
                           check=True, capture_output=True, env={**os.environ, "ZHENXING_CACHE": str(cache)})
            subprocess.run([str(VENV_BIN / "jupyter"), "nbconvert", "--to", "html", str(out)], check=True, capture_output=True)
    return time.perf_counter() - t0


def zhenxing_run(dataset: Path, out: Path, workers: int, cache: Path) -> tuple[float, float]:
    """(b), on the cache validated above (both (a) and (b) start from a validated dataset)."""
    return timed([str(VENV_BIN / "zhenxing"), "run", str(dataset), "--out", str(out), "--force",
                  "--workers", str(workers)], env={**os.environ, "ZHENXING_CACHE": str(cache)})


def validation(dataset: Path, cache: Path) -> tuple[float, float]:
    code = ("import sys;from zhenxing import contract;from pathlib import Path;"
            "m=contract.prepare(Path(sys.argv[1]),cache=Path(sys.argv[2]));print(len(m['errors']))")
    return timed([sys.executable, "-c", code, str(dataset), str(cache)])


def townships_of(dataset: Path, cache: Path) -> list[str]:
    sys.path.insert(0, str(ROOT / "lib"))
    from zhenxing import contract
    return list(contract.prepare(dataset, cache=cache)["townships"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,50,200")
    ap.add_argument("--subset", type=int, default=3, help="townships of (a) on generated counties")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if shutil.which("jupyter", path=str(VENV_BIN)) is None or subprocess.run(
            [str(VENV_BIN / "jupyter"), "nbconvert", "--version"], capture_output=True).returncode != 0:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", str(ROOT / "bench" / "requirements.txt")], check=True)
    work = Path(tempfile.mkdtemp(prefix="zhenxing-bench-"))
    rows, vrows = [], []
    datasets = [("sample (6)", ROOT / "data" / "sample", None)]
    for n in [int(x) for x in args.sizes.split(",") if x]:
        datasets.append((f"generated ({n})", work / f"county{n}", n))
    try:
        for label, ds, n in datasets:
            if n is not None:
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "zhenxing.sample", str(ds), "--townships", str(n),
                                "--members", str(n * MEMBERS_PER_TOWNSHIP), "--plain"], check=True, capture_output=True)
                print(f"{label}: generated in {time.perf_counter() - t0:.1f}s", flush=True)
            cache = work / f"cache-{ds.name}"
            vs, vmb = validation(ds, cache)
            members = sum(1 for _ in open(next(ds.glob("members.csv")), "rb")) - 1
            vrows.append((label, members, vs, vmb))
            print(f"{label}: validation+cache {vs:.1f}s, peak {vmb:.0f} MB ({members} members)", flush=True)
            towns = townships_of(ds, cache)
            year = 2023
            subset = towns if n is None else towns[: args.subset]
            a = plain_approach(ds, subset, year, work / f"a-{ds.name}", cache)
            a_total = a * len(towns) / len(subset)
            b, bmb = zhenxing_run(ds, work / f"b-{ds.name}", args.workers, cache)
            rows.append({"dataset": label, "townships": len(towns), "a_seconds": a_total, "a_estimated": n is not None,
                         "b_seconds": b, "ratio": a_total / b, "b_per_township": b / len(towns), "peak_worker_mb": bmb})
            print(f"{label}: (a) {a_total:.1f}s{' est.' if n else ''}  (b) {b:.1f}s  a/b = {a_total / b:.1f}x  "
                  f"(b) per township {b / len(towns):.2f}s  peak worker {bmb:.0f} MB", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    write_report(rows, vrows, args)


def write_report(rows, vrows, args) -> None:
    per = {r["townships"]: r["b_per_township"] for r in rows}
    lines = [
        "# Performance", "",
        f"Measured by `make bench` (bench/run.py) on {dt.date.today().isoformat()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, `--workers {args.workers}`. "
        "Every number below comes from one run; (a) is the baseline measured in the same run.", "",
        "## Validation and caching (once per dataset version)", "",
        "| dataset | members | seconds | peak memory (MB) |", "|---|---:|---:|---:|",
        *[f"| {l} | {m:,} | {s:.1f} | {mb:.0f} |" for l, m, s, mb in vrows], "",
        "## Batch: (a) papermill + nbconvert per notebook vs (b) `zhenxing run` (HTML+PDF+DOCX)", "",
        "| dataset | townships | (a) seconds | (b) seconds | a/b | (b) per township (s) | peak worker memory (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[f"| {r['dataset']} | {r['townships']} | {r['a_seconds']:.1f}{' (est.)' if r['a_estimated'] else ''} | "
          f"{r['b_seconds']:.1f} | {r['ratio']:.1f}× | {r['b_per_township']:.2f} | {r['peak_worker_mb']:.0f} |" for r in rows], "",
        "(a) renders HTML only (nbconvert's PDF needs LaTeX or a downloaded Chromium); (b) renders three formats. "
        f"On generated counties (a) ran {args.subset} townships and is scaled to the county.", "",
    ]
    if 10 in per and 200 in per:
        lines.append(f"Cost per township at 200 townships / at 10: {per[200] / per[10]:.2f}× (target ≤ 1.2×).")
    out = ROOT / "docs" / "performance.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written {out}")
    print(json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    main()
