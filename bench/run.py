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
       python bench/run.py --sizes ""   (the sample only: a quick check)

   Before (b) the same command runs once on an empty cache: the cold first run, with
   validation and caching, reported separately.

3. On demand, `--province N`: a generated province-sized county set of N townships
   (`python -m zhenxing.sample.generator DIR --townships N --members N*5000 --plain --counties K`,
   K = N / 100: one dataset of several counties, each of which gets its summary) run on
   a Dask LocalCluster through `zhenxing run --scheduler` (tasks carry their tables and
   return their files), against 10 townships generated alike: per-township cost, client
   peak memory (the client process, which also holds LocalCluster's scheduler) and bytes
   sent to / received from the workers per township. Appended to docs/performance.md.

   python bench/run.py --province 1200 [--per-county 100] [--small 10] [--workers 2] [--formats html]

4. On demand, `--review N`: what the data review (疑点核查.xlsx and review.json beside each
   township's report, issue 25) adds to `zhenxing run` on a generated county of N
   townships (5,000 members each): the same run with the review and with it switched off
   (`ZHENXING_REVIEW=off`, which each worker reads), alternately, `--repeat` pairs; plus
   the review's own seconds per township in the workers (from the last report file to the
   review's last file). Written to docs/performance.md.

   python bench/run.py --review 200 [--repeat 2] [--workers 2]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "lib"))
from zhenxing.topics.registry import TOPICS as _TOPICS  # noqa: E402 — every topic a run renders

TOPICS = list(_TOPICS)
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


def zhenxing_run(dataset: Path, out: Path, workers: int, cache: Path, charts: bool = False) -> tuple[float, float]:
    """(b), on the cache validated above (both (a) and (b) start from a validated dataset): the
    run a user makes — every chart drawn by matplotlib into the web page, as (a)'s notebooks
    draw them into its HTML, and the 公文 in PDF and DOCX; with ``charts`` (``--charts``) the
    charts go into the PDF and DOCX too (a PNG of each for Word)."""
    return timed([str(VENV_BIN / "zhenxing"), "run", str(dataset), "--out", str(out), "--force",
                  *(["--charts"] if charts else []), "--workers", str(workers)],
                 env={**os.environ, "ZHENXING_CACHE": str(cache)})


def validation(dataset: Path, cache: Path) -> tuple[float, float]:
    code = ("import sys;from zhenxing.data import contract;from pathlib import Path;"
            "m=contract.prepare(Path(sys.argv[1]),cache=Path(sys.argv[2]));print(len(m['errors']))")
    return timed([sys.executable, "-c", code, str(dataset), str(cache)])


def townships_of(dataset: Path, cache: Path) -> list[str]:
    sys.path.insert(0, str(ROOT / "lib"))
    from zhenxing.data import contract
    return list(contract.prepare(dataset, cache=cache)["townships"])


PROVINCE_HEAD = "## A province on a Dask cluster"
BREAKDOWN_HEAD = "## Where the time goes (one township, profiled)"
STATUS_HEAD = "## Status and what each change bought"  # written by hand; kept when the tables are redone
REVIEW_HEAD = "## The data review in a run (疑点核查)"
KEPT = (STATUS_HEAD, REVIEW_HEAD, BREAKDOWN_HEAD, PROVINCE_HEAD)


def _province_child(dataset: str, out: str, workers: int, formats: str) -> None:
    """Run in a fresh process (its peak memory is the client's): a LocalCluster, then the
    batch through it; prints one JSON line."""
    import threading

    import psutil
    from distributed import LocalCluster

    from zhenxing.run import batch, site
    # the client's memory while the townships run, and while the county summaries are made
    samples, phase, stop = {"townships": 0.0, "county summaries": 0.0}, ["townships"], threading.Event()

    def sample() -> None:
        me = psutil.Process()
        while not stop.wait(0.25):
            samples[phase[0]] = max(samples[phase[0]], me.memory_info().rss / 2**20)
    real_rollups = site.write_rollups

    def rollups(*a, **k):
        phase[0] = "county summaries"
        return real_rollups(*a, **k)
    site.write_rollups = rollups
    threading.Thread(target=sample, daemon=True).start()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        outcomes, _ = batch.run(Path(dataset), out=Path(out), formats=tuple(formats.split(",")), force=True,
                                scheduler=cluster.scheduler_address)
        secs = time.perf_counter() - t0
    stop.set()
    done = [o for o in outcomes if o.status == "written"]
    print(json.dumps({"seconds": secs, "townships": len(outcomes), "written": len(done),
                      "failed": [(o.township, o.step, o.error) for o in outcomes if o.status == "failed"][:5],
                      "client_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "client_before_run_mb": rss0,
                      "client_townships_mb": samples["townships"],
                      "client_rollups_mb": samples["county summaries"],
                      "sent_per_township": sum(o.sent for o in done) / max(1, len(done)),
                      "received_per_township": sum(o.received for o in done) / max(1, len(done)),
                      "max_sent": max((o.sent for o in done), default=0)}))


def province(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="zhenxing-province-"))
    rows = []
    try:
        for n in (args.small, args.province):
            ds, cache = work / f"p{n}", work / f"cache{n}"
            t0 = time.perf_counter()
            counties = max(1, n // args.per_county)
            subprocess.run([sys.executable, "-m", "zhenxing.sample", str(ds), "--townships", str(n),
                            "--members", str(n * MEMBERS_PER_TOWNSHIP), "--plain", "--counties", str(counties)],
                           check=True, capture_output=True)
            gen = time.perf_counter() - t0
            vs, vmb = validation(ds, cache)
            members = sum(1 for _ in open(ds / "members.csv", "rb")) - 1
            print(f"{n} townships in {counties} counties ({members:,} members): generated {gen:.0f}s, validation+cache {vs:.0f}s, "
                  f"peak {vmb:.0f} MB", flush=True)
            r = subprocess.run([sys.executable, __file__, "--_province-child", str(ds), str(work / f"out{n}"),
                                str(args.workers), args.formats], capture_output=True, text=True,
                               env={**os.environ, "ZHENXING_CACHE": str(cache)})
            if r.returncode != 0:
                raise SystemExit(r.stderr[-3000:])
            row = json.loads(r.stdout.strip().splitlines()[-1])
            row.update(n=n, members=members, validation_s=vs, validation_mb=vmb, counties=counties)
            rows.append(row)
            print(f"{n} townships: {row['seconds']:.0f}s, {row['seconds'] / n:.2f}s per township, written "
                  f"{row['written']}, client peak {row['client_peak_mb']:.0f} MB, sent {row['sent_per_township'] / 1e3:.0f} kB"
                  f" and received {row['received_per_township'] / 1e3:.0f} kB per township", flush=True)
            shutil.rmtree(work / f"out{n}", ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    small, big = rows
    lines = [PROVINCE_HEAD, "",
             f"Measured by `python bench/run.py --province {args.province}` on {dt.date.today().isoformat()}, "
             f"{platform.machine()}, {os.cpu_count()} cores: a Dask LocalCluster of {args.workers} worker processes "
             f"× 1 thread, formats {args.formats}, {MEMBERS_PER_TOWNSHIP:,} members per township, the townships "
             f"split into counties of {args.per_county} (`python -m zhenxing.sample.generator … --counties K`), so the run "
             "ends with a county summary per county. Tasks carry their township's pseudonymised Parquet "
             "tables and return the township's files; the client writes them as they arrive.", "",
             "| townships | counties | members | validation s | validation peak MB | run s | s per township | "
             "client peak MB | while townships run | while county summaries are made | "
             "kB sent per township | kB back per township |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
             *[f"| {r['n']:,} | {r['counties']} | {r['members']:,} | {r['validation_s']:.0f} | {r['validation_mb']:.0f} | "
               f"{r['seconds']:.0f} | {r['seconds'] / r['n']:.2f} | {r['client_peak_mb']:.0f} | "
               f"{r['client_townships_mb']:.0f} | {r['client_rollups_mb']:.0f} | "
               f"{r['sent_per_township'] / 1e3:.0f} | {r['received_per_township'] / 1e3:.0f} |" for r in rows], "",
             f"Cost per township at {big['n']:,} / at {small['n']}: "
             f"{(big['seconds'] / big['n']) / (small['seconds'] / small['n']):.2f}×; client peak memory at "
             f"{big['n']:,} / at {small['n']}: {big['client_peak_mb'] / small['client_peak_mb']:.2f}× "
             "(validation runs once, in its own process, before the run).", ""]
    out = ROOT / "docs" / "performance.md"
    old = out.read_text(encoding="utf-8") if out.exists() else "# Performance\n"
    keep = old.split(PROVINCE_HEAD)[0].rstrip() + "\n\n"
    out.write_text(keep + "\n".join(lines), encoding="utf-8")
    print(f"appended to {out}")


def _review_child(dataset: str, out: str, workers: int, mode: str) -> None:
    """One `zhenxing run --force` (all three formats) in this process, with the review or
    without it (``ZHENXING_REVIEW=off``, read by each worker, also by workers started from a
    fork server as a county of more than 50 townships is run); prints one JSON line:
    seconds, townships written, and the review's seconds in each township, read from the
    files it wrote: from the last of the township's reports (the render ends) to its
    ``review.json`` (the review's last file)."""
    from zhenxing.review import beside
    from zhenxing.run import batch, township
    if mode == "without":
        os.environ[township.REVIEW_ENV] = "off"
    else:
        os.environ.pop(township.REVIEW_ENV, None)
    t0 = time.perf_counter()
    outcomes, info = batch.run(Path(dataset), out=Path(out), force=True, workers=workers)
    secs = time.perf_counter() - t0
    calls = []
    for o in outcomes:
        folder = Path(out) / str(info["year"]) / o.county / o.township
        counts = folder / beside.COUNTS_FILE
        reports = [f.stat().st_mtime for f in folder.glob("report.*") if f.suffix in (".html", ".pdf", ".docx")]
        if counts.exists() and reports:
            calls.append(counts.stat().st_mtime - max(reports))
    if mode == "without" and calls:
        raise SystemExit(f"the review ran in {len(calls)} townships of the run without it")
    print(json.dumps({"seconds": secs, "written": sum(o.status == "written" for o in outcomes),
                      "townships": len(outcomes), "review_calls": len(calls), "review_seconds": sum(calls),
                      "review_max": max(calls, default=0.0)}))


def review_overhead(args) -> None:
    n = args.review
    work = Path(tempfile.mkdtemp(prefix="zhenxing-review-bench-"))
    try:
        ds, cache = work / f"county{n}", work / "cache"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "zhenxing.sample", str(ds), "--townships", str(n),
                        "--members", str(n * MEMBERS_PER_TOWNSHIP), "--plain"], check=True, capture_output=True)
        print(f"generated {n} townships in {time.perf_counter() - t0:.0f}s", flush=True)
        vs, _ = validation(ds, cache)
        members = sum(1 for _ in open(ds / "members.csv", "rb")) - 1
        print(f"validation+cache {vs:.0f}s ({members:,} members)", flush=True)
        runs = {"with": [], "without": []}
        for i in range(args.repeat):
            for mode in (("without", "with") if i % 2 == 0 else ("with", "without")):
                out = work / f"out-{mode}-{i}"
                r = subprocess.run([sys.executable, __file__, "--_review-child", str(ds), str(out), str(args.workers),
                                    mode], capture_output=True, text=True, env={**os.environ, "ZHENXING_CACHE": str(cache)})
                if r.returncode != 0:
                    raise SystemExit(r.stderr[-3000:])
                row = json.loads(r.stdout.strip().splitlines()[-1])
                if row["written"] != row["townships"]:
                    raise SystemExit(f"{mode}: {row['written']} of {row['townships']} written")
                runs[mode].append(row)
                print(f"run {i + 1} {mode} review: {row['seconds']:.1f}s"
                      + (f", review {row['review_seconds']:.1f}s in {row['review_calls']} calls" if mode == "with" else ""),
                      flush=True)
                if mode == "with" and row["review_calls"] != row["townships"]:
                    raise SystemExit(f"with: the review timed in {row['review_calls']} of {row['townships']} townships")
                shutil.rmtree(out, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    w = statistics.median(r["seconds"] for r in runs["with"])
    wo = statistics.median(r["seconds"] for r in runs["without"])
    per = statistics.median(r["review_seconds"] / max(1, r["review_calls"]) for r in runs["with"])
    own = per * n / args.workers
    all_runs = {m: ", ".join(f"{r['seconds']:.1f}" for r in rs) for m, rs in runs.items()}
    lines = [REVIEW_HEAD, "",
             f"Measured by `python bench/run.py --review {n} --repeat {args.repeat} --workers {args.workers}` on "
             f"{dt.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores: a generated county of "
             f"{n} townships ({members:,} members, `python -m zhenxing.sample DIR --townships {n} --members "
             f"{n * MEMBERS_PER_TOWNSHIP} --plain`), `zhenxing run --force`, HTML+PDF+DOCX, on the validated cache; "
             "the same run without the review (`ZHENXING_REVIEW=off`, read by every worker) and with it, "
             "alternately.", "",
             "| | run s (median) | all runs s |", "|---|---:|---|",
             f"| without the review | {wo:.1f} | {all_runs['without']} |",
             f"| with the review | {w:.1f} | {all_runs['with']} |", "",
             f"The review adds **{(w / wo - 1) * 100:.1f}%** to the run (target ≤ 20%). Inside the workers it took "
             f"{per:.3f} s per township (longest {max(r['review_max'] for r in runs['with']):.3f} s): "
             f"{per * n:.0f} s of worker time, about {own:.0f} s of wall time over {args.workers} workers, "
             f"{own / wo * 100:.1f}% of the run without it.", ""]
    out = ROOT / "docs" / "performance.md"
    old = out.read_text(encoding="utf-8")
    if REVIEW_HEAD in old:  # this section anew, the others as they are
        head, rest = old.split(REVIEW_HEAD, 1)
        nxt = [rest.index(h) for h in KEPT if h in rest]
        old = head.rstrip() + "\n\n" + (rest[min(nxt):] if nxt else "")
    cut = old.find(BREAKDOWN_HEAD)
    text = (old[:cut].rstrip() + "\n\n" + "\n".join(lines) + "\n" + old[cut:]) if cut >= 0 else \
        old.rstrip() + "\n\n" + "\n".join(lines)
    out.write_text(text, encoding="utf-8")
    print(f"written to {out}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--_review-child":
        sys.path.insert(0, str(ROOT / "lib"))
        _review_child(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--_province-child":
        sys.path.insert(0, str(ROOT / "lib"))
        _province_child(*sys.argv[2:4], int(sys.argv[4]), sys.argv[5])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--province", type=int, default=0, help="townships of a generated province on a LocalCluster")
    ap.add_argument("--review", type=int, default=0, help="townships of a generated county: run with and without the review")
    ap.add_argument("--per-county", type=int, default=100, help="(--province) townships per generated county")
    ap.add_argument("--small", type=int, default=10, help="(--province) the small run to compare with")
    ap.add_argument("--formats", default="html", help="(--province) report formats")
    ap.add_argument("--sizes", default="10,50,200")
    ap.add_argument("--subset", type=int, default=3, help="townships of (a) on generated counties")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="runs of (b) per dataset; the median is reported")
    args = ap.parse_args()
    if args.province:
        province(args)
        return
    if args.review:
        review_overhead(args)
        return
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
            cold, cold_mb = zhenxing_run(ds, work / f"cold-{ds.name}", args.workers, work / f"cold-cache-{ds.name}")
            shutil.rmtree(work / f"cold-cache-{ds.name}", ignore_errors=True)
            shutil.rmtree(work / f"cold-{ds.name}", ignore_errors=True)
            print(f"{label}: cold first run (validation, cache, reports) {cold:.1f}s, peak {cold_mb:.0f} MB", flush=True)
            towns = townships_of(ds, cache)
            year = 2023
            subset = towns if n is None else towns[: args.subset]
            a = plain_approach(ds, subset, year, work / f"a-{ds.name}", cache)
            a_total = a * len(towns) / len(subset)
            runs = [zhenxing_run(ds, work / f"b-{ds.name}", args.workers, cache) for _ in range(args.repeat)]
            b = statistics.median(r[0] for r in runs)  # one slow run (another process woke) is not the result
            bmb = max(r[1] for r in runs)
            rows.append({"dataset": label, "townships": len(towns), "a_seconds": a_total, "a_estimated": n is not None,
                         "b_seconds": b, "b_runs": sorted(r[0] for r in runs), "ratio": a_total / b,
                         "b_per_township": b / len(towns), "peak_worker_mb": bmb,
                         "cold_seconds": cold, "cold_peak_mb": cold_mb})
            print(f"{label}: (a) {a_total:.1f}s{' est.' if n else ''}  (b) {b:.1f}s  a/b = {a_total / b:.1f}x  "
                  f"(b) per township {b / len(towns):.2f}s  peak process {bmb:.0f} MB", flush=True)
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
        "| dataset | townships | (a) seconds | (b) seconds | a/b | (b) per township (s) | peak memory of any one process (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[f"| {r['dataset']} | {r['townships']} | {r['a_seconds']:.1f}{' (est.)' if r['a_estimated'] else ''} | "
          f"{r['b_seconds']:.1f} | {r['ratio']:.1f}× | {r['b_per_township']:.2f} | {r['peak_worker_mb']:.0f} |" for r in rows], "",
        f"(a) renders HTML only (nbconvert's PDF needs LaTeX or a downloaded Chromium), {len(TOPICS)} topics; "
        f"(b) renders the same {len(TOPICS)} topics in three formats (matplotlib charts in the web page as in (a)'s "
        "HTML; the PDF and DOCX are the 公文, charts there only with `--charts`), plus the data review, the "
        "county summary and index, on the "
        f"validated cache. On generated counties (a) ran {args.subset} townships and is scaled to the county. "
        f"(b) is the median of {args.repeat} runs of `zhenxing run --force`, one after another into one output "
        "folder: the first builds the county summary, the later ones keep it (their townships are published "
        "unchanged, so its inputs are the same) and rebuild every township (all runs, sorted: "
        + "; ".join(f"{r['dataset']} " + ", ".join(f"{x:.1f}" for x in r["b_runs"]) + " s" for r in rows) + ").", "",
        "Cold first run ((b) on an empty cache: validation, caching, every report, county summary):", "",
        "| dataset | seconds | per township (s) | peak memory (MB) |", "|---|---:|---:|---:|",
        *[f"| {r['dataset']} | {r['cold_seconds']:.1f} | {r['cold_seconds'] / r['townships']:.2f} | "
          f"{r['cold_peak_mb']:.0f} |" for r in rows], "",
    ]
    if 10 in per and 200 in per:
        lines.append(f"Cost per township at 200 townships / at 10: {per[200] / per[10]:.2f}× (target ≤ 1.2×).")
    out = ROOT / "docs" / "performance.md"
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    for head in KEPT:  # sections written by hand or measured on demand, kept as they are
        if head in old:
            rest = old.split(head, 1)[1]
            nxt = [rest.index(h) for h in KEPT if h in rest]
            lines += ["", head + (rest[:min(nxt)] if nxt else rest).rstrip()]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written {out}")
    print(json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    main()
