"""No name or id number of the test dataset reaches any output kind.

README: "No name or id number reaches any of these" — the published tree (HTML, PDF,
DOCX with its image descriptions, Markdown, JSON, SVG and PNG charts, executed
notebooks), the notebooks of a failed run kept in outputs/failed/, the console, and
the validation messages of `zhenxing check`. Every file is read whole (bytes decoded,
PDF through pdftotext, DOCX through every XML part), so a new output kind is scanned
without being named here.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from conftest import project_view, setup_installs
from zhenxing.data import contract

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason=setup_installs("poppler-utils", "pdftotext 未安装，无法读取 PDF"))

#: an id number (region, birth date, sequence, check) — not any 18 digits (a DOCX's font
#: panose numbers are 20)
ID = re.compile(r"(?<!\d)[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)")


def zhenxing(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zhenxing.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=1800)


def personal_data(dataset: Path) -> set[str]:
    """Every name and id number of the dataset, except names that happen to lie inside a
    place name (a report states those legitimately)."""
    pii, places = set(), set()
    for name, path in contract.find_tables(dataset).items():
        raw, _ = contract.read_raw(name, path)
        for col in ("户主姓名", "户主证件号码", "证件号码", "姓名"):
            if col in raw:
                pii.update(v for v in raw[col] if v)
        for col in ("县", "乡镇", "村"):
            if col in raw:
                places.update(raw[col])
    return {v for v in pii if not any(v in p for p in places)}


def text_of(f: Path) -> str:
    if f.suffix == ".pdf":
        r = subprocess.run(["pdftotext", "-enc", "UTF-8", str(f), "-"], capture_output=True, text=True)
        assert r.returncode == 0, (f, r.stderr)
        return r.stdout
    if f.suffix == ".docx":  # body, tables, headers and the images' descriptions (alt text)
        with zipfile.ZipFile(f) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith((".xml", ".rels")))
    return f.read_bytes().decode("utf-8", "replace")  # HTML, SVG, JSON, Markdown, notebooks; PNG text chunks


def leaks(texts: dict[str, str], pii: set[str]) -> list[tuple[str, str]]:
    found = [(k, v) for k, t in texts.items() for v in pii if v in t]
    found += [(k, m.group(0)) for k, t in texts.items() for m in [ID.search(t)] if m]
    return found


@pytest.fixture(scope="module")
def runs(tiny_dataset, tmp_path_factory):
    """A run of every format for one township, and a run whose income notebook fails
    (an unreadable income threshold in the county's policy file), so outputs/failed/
    holds executed notebooks."""
    root = tmp_path_factory.mktemp("pii")
    meta = contract.prepare(tiny_dataset)
    town, county = sorted(meta["townships"].items())[0]
    out = root / "out"
    ok = zhenxing("run", str(tiny_dataset), "--township", town, "--out", str(out), "--formats", "html,pdf,docx")
    assert ok.returncode == 0, ok.stderr[-3000:]
    params_root = project_view(root)
    (params_root / "policy").mkdir(exist_ok=True)
    (params_root / "policy" / f"{county}.yaml").write_text(
        "policy:\n  income_thresholds: {value: [不是数字], source: 测试}\n", encoding="utf-8")
    bad_out = root / "bad"
    bad = zhenxing("run", str(tiny_dataset), "--township", town, "--out", str(bad_out), "--formats", "html",
                   env={"ZHENXING_TEST_PARAMS": str(params_root)})
    assert bad.returncode == 1, bad.stdout + bad.stderr
    return {"out": out, "ok": ok, "bad_out": bad_out, "bad": bad, "pii": personal_data(tiny_dataset)}


def test_every_published_file_kind_is_free_of_personal_data(runs):
    out, pii = runs["out"], runs["pii"]
    assert len(pii) > 100
    files = [f for f in out.rglob("*") if f.is_file()]
    kinds = {f.suffix for f in files}
    assert {".html", ".pdf", ".docx", ".md", ".json", ".ipynb", ".svg"} <= kinds, kinds  # PNG, when drawn, too
    texts = {str(f): text_of(f) for f in files}
    texts["console"] = runs["ok"].stdout + runs["ok"].stderr
    assert not leaks(texts, pii), leaks(texts, pii)[:5]


def test_alt_text_of_charts_is_scanned_and_clean(runs):
    """The charts' text alternatives (HTML alt and aria-label, DOCX descr, SVG title/desc)
    exist and name no one."""
    out, pii = runs["out"], runs["pii"]
    html = next(out.rglob("report.html")).read_text(encoding="utf-8")
    alts = re.findall(r'\b(?:alt|aria-label)="([^"]+)"', html)
    with zipfile.ZipFile(next(out.rglob("report.docx"))) as z:
        alts += re.findall(r'\b(?:descr|title)="([^"]+)"', z.read("word/document.xml").decode("utf-8"))
    for svg in out.rglob("*.svg"):
        alts += re.findall(r"<(?:title|desc)[^>]*>([^<]+)<", svg.read_text(encoding="utf-8"))
    assert alts, "no text alternative found for any chart"
    assert not leaks({"alt": "\n".join(alts)}, pii)


def test_notebooks_of_a_failed_run_are_free_of_personal_data(runs):
    failed = runs["bad_out"] / "failed"
    notebooks = list(failed.rglob("*.ipynb"))
    assert notebooks, f"the failed run kept no notebook in {failed}: {runs['bad'].stderr[-1500:]}"
    texts = {str(f): text_of(f) for f in failed.rglob("*") if f.is_file()}
    texts["console"] = runs["bad"].stdout + runs["bad"].stderr
    assert not leaks(texts, runs["pii"]), leaks(texts, runs["pii"])[:5]


def test_validation_messages_name_no_one(tiny_copy):
    """Rows that break the contract, each carrying a name and an id number: `zhenxing
    check` lists them without either (ids masked 5300**********0013)."""
    f = tiny_copy / "members.csv"
    enc = "utf-8-sig"
    try:
        m = pd.read_csv(f, dtype=str, keep_default_na=False, encoding=enc)
    except UnicodeDecodeError:
        enc = "gb18030"
        m = pd.read_csv(f, dtype=str, keep_default_na=False, encoding=enc)
    bad = m.iloc[:3].copy()
    bad["户编号"] = ["ZZ1", "ZZ2", "ZZ3"]  # belong to no household
    cols = [c for c in m.columns if c not in ("户编号", "证件号码", "姓名")]
    bad[cols[0]] = "不是合法的值"
    pd.concat([m, bad]).to_csv(f, index=False, encoding=enc)
    pii = personal_data(tiny_copy)
    r = zhenxing("check", str(tiny_copy))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "ZZ1" in r.stdout + r.stderr, "the bad rows are listed"
    assert not leaks({"check": r.stdout + r.stderr}, pii), leaks({"check": r.stdout + r.stderr}, pii)[:5]
