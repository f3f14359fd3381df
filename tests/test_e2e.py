"""End to end, as a user runs it: `zhenxing run`, then the indicators, the report text
(HTML, PDF, DOCX), fonts, provenance, privacy and re-runs.

Two datasets: the project's own tiny dataset (generated, always there), and the
acceptance fixture in ../shared (expected.json, must_state.txt), whose tests skip with
the reason where it is absent."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import qingshi, setup_installs
from zhenxing.data import contract

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason=setup_installs("poppler-utils", "pdftotext not installed (make test installs it)"))


def zhenxing(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zhenxing.cli", *args], capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The acceptance fixture, rendered (skips, with the reason, when absent)."""
    dataset = qingshi() / "dataset"
    out = tmp_path_factory.mktemp("out")
    r = zhenxing("run", str(dataset), "--year", "2023", "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    return out, r, dataset


@pytest.fixture(scope="module")
def town(run) -> Path:
    return run[0] / "2023" / "示例县" / "青石镇"


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(p: Path) -> str:
    t = _Text()
    t.feed(p.read_text(encoding="utf-8"))
    return "".join(t.parts)


def pdf_text(p: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(p), "-"], capture_output=True, text=True, check=True).stdout


def docx_text(p: Path) -> str:
    import docx
    d = docx.Document(str(p))
    parts = [para.text for para in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def lookup(ind: dict, dotted: str):
    """A dotted key of expected.json in indicators.json (keys may contain dots' neighbours only)."""
    cur = ind
    for part in dotted.split("."):
        assert isinstance(cur, dict) and part in cur, f"{dotted}: missing at {part}"
        cur = cur[part]
    return cur


def close(a, b) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def test_run_writes_every_output(town, run):
    names = {p.name for p in town.iterdir()}
    assert {"report.html", "report.pdf", "report.docx", "indicators.json",
            "monitoring.ipynb", "income.ipynb", "employment.ipynb", "funds.ipynb", "public_posts.ipynb"} <= names
    assert (run[0] / "2023" / "示例县" / "county.html").exists()
    assert (run[0] / "2023" / "示例县" / "county.pdf").exists()
    assert (run[0] / "index.html").exists()
    assert not list(town.parent.glob(".*tmp*")), "temporary folders left behind"


def test_indicators_match_expected(town):
    ind = json.loads((town / "indicators.json").read_text(encoding="utf-8"))
    expected = json.loads((qingshi() / "expected.json").read_text(encoding="utf-8"))
    wrong = []
    for key, want in expected.items():
        got = ind[key] if key in ("township", "county", "year", "report_date") else lookup(ind, key)
        if isinstance(want, dict):
            ok = all(close(got[k], v) if isinstance(v, (int, float)) else got[k] == v for k, v in want.items())
        elif isinstance(want, (int, float)) and not isinstance(want, bool):
            ok = close(got["total"] if isinstance(got, dict) else got, want)
        else:
            ok = got == want
        if not ok:
            wrong.append(f"{key}: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_report_states_every_must_state_line(town):
    lines = [x for x in (qingshi() / "must_state.txt").read_text(encoding="utf-8").splitlines() if x.strip()]
    html, pdf, docx = html_text(town / "report.html"), squash(pdf_text(town / "report.pdf")), docx_text(town / "report.docx")
    for line in lines:
        assert line in html, f"HTML lacks {line}"
        assert squash(line) in pdf, f"PDF lacks {line}"
        assert line in docx, f"DOCX lacks {line}"


def test_report_structure(town, run):
    text = html_text(town / "report.html")
    assert "青石镇2023年巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作总结" in text
    order = ["一、基本情况", "二、工作开展情况及成效", "（一）扎实开展防止返贫动态监测和帮扶", "三、存在问题",
             "四、2024年工作打算", "附件1", "数据来源与生成信息"]   # 附件 after the 落款, provenance folded last
    pos = [text.index(h) for h in order]
    assert pos == sorted(pos)
    ds_hash = contract.dataset_hash(run[2])[:12]
    assert ds_hash in text  # provenance names the dataset version
    raw = (town / "report.html").read_text(encoding="utf-8")
    assert "ctx." not in raw and "import " not in text and "papermill" not in text  # no code in the report


def test_pdf_embeds_cjk_font_and_shows_chinese(town, tmp_path):
    fonts = subprocess.run(["pdffonts", str(town / "report.pdf")], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and any("CJK" in r and "sc" in r.lower() for r in rows), fonts
    assert all(r.split()[-5] == "yes" for r in rows), f"a font is not embedded:\n{fonts}"
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(town / "report.pdf"), str(tmp_path / "p")], check=True)
    from PIL import Image
    img = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    dark = sum(img.histogram()[:128])
    assert dark > 500, "page 1 is (almost) blank"


def assert_no_personal_data(out: Path, r: subprocess.CompletedProcess, dataset: Path, at_least: int) -> None:
    pii: set[str] = set()
    places = set()  # text a report legitimately holds (place names) may contain a short name by chance
    for name, path in contract.find_tables(dataset).items():
        raw, _ = contract.read_raw(name, path)
        for col in ("户主姓名", "户主证件号码", "证件号码", "姓名"):
            if col in raw:
                pii.update(v for v in raw[col] if v)
        for col in ("县", "乡镇", "村"):
            if col in raw:
                places.update(raw[col])
    pii = {v for v in pii if not any(v in p for p in places)}
    assert len(pii) > at_least
    texts = {"stdout+stderr": r.stdout + r.stderr}
    for f in out.rglob("*"):
        if not f.is_file():
            continue
        if f.suffix == ".pdf":
            texts[str(f)] = pdf_text(f)
        elif f.suffix == ".docx":
            texts[str(f)] = docx_text(f)
        elif f.suffix in (".html", ".json", ".md", ".log", ".txt"):
            texts[str(f)] = f.read_text(encoding="utf-8")
        elif f.suffix == ".ipynb":
            texts[str(f)] = json.dumps(json.loads(f.read_text(encoding="utf-8")), ensure_ascii=False)
    assert any(k.endswith(".ipynb") for k in texts)
    leaks = [(k, v) for k, t in texts.items() for v in pii if v in t]
    assert not leaks, leaks[:5]
    ids = re.compile(r"\d{17}[\dXx]")
    assert not [k for k, t in texts.items() if ids.search(t)]


def test_no_personal_data_in_any_output(run):
    out, r, dataset = run
    assert_no_personal_data(out, r, dataset, at_least=1000)


def test_rerun_skips_unchanged_and_force_rebuilds(run, town):
    out, _, dataset = run
    before = (town / "report.pdf").stat().st_mtime_ns
    r = zhenxing("run", str(dataset), "--year", "2023", "--out", str(out), "--formats", "html,pdf,docx")
    assert r.returncode == 0 and "跳过 1" in r.stdout, r.stdout + r.stderr
    assert (town / "report.pdf").stat().st_mtime_ns == before
    r = zhenxing("run", str(dataset), "--year", "2023", "--out", str(out), "--formats", "html,pdf,docx", "--force")
    assert r.returncode == 0 and "生成 1" in r.stdout
    assert (town / "report.pdf").stat().st_mtime_ns != before


def test_bad_township_fails_alone(tmp_path, fixture_dataset):
    """Bad rows in one township: that township fails with a clear reason, exit 1, the other renders."""
    import pandas as pd
    d = tmp_path / "ds"
    shutil.copytree(fixture_dataset, d)
    posts = pd.read_csv(d / "posts.csv", dtype=str, keep_default_na=False, encoding="gb18030")
    extra = posts.iloc[:2].copy()
    extra["乡镇"] = "白水乡"
    extra["补贴周期"] = "周"
    pd.concat([posts, extra]).to_csv(d / "posts.csv", index=False, encoding="gb18030")
    out = tmp_path / "out"
    r = zhenxing("run", str(d), "--year", "2023", "--out", str(out), "--formats", "html")
    assert r.returncode == 1
    assert "白水乡" in r.stderr and "补贴周期" in r.stderr
    assert (out / "2023" / "示例县" / "青石镇" / "report.html").exists()
    assert not re.search(r"\d{17}[\dXx]", r.stdout + r.stderr)


def test_plain_papermill_with_a_parameter_file(tmp_path, fixture_dataset):
    """The documented route without the project's runner."""
    from zhenxing.data import params
    f = params.write_run_files(fixture_dataset, 2023, {"青石镇": "示例县"}, root=tmp_path)[0]
    r = subprocess.run([str(Path(sys.executable).parent / "papermill"), str(Path(__file__).parents[1] / "notebooks" / "funds.ipynb"),
                        str(tmp_path / "funds.ipynb"), "-f", str(f), "-p", "out_dir", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    ind = json.loads((tmp_path / "o" / "indicators.json").read_text(encoding="utf-8"))
    assert ind["funds"]["projects"] == 4 and abs(ind["funds"]["approved"]["total"] - 355.875) < 1e-9


def test_missing_tables_give_a_sentence_not_an_error(tmp_path, fixture_dataset):
    """A dataset without posts and payments: the summary says so, the rest renders."""
    d = tmp_path / "ds"
    shutil.copytree(fixture_dataset, d)
    (d / "posts.csv").unlink()
    (d / "payments.csv").unlink()
    out = tmp_path / "out"
    r = zhenxing("run", str(d), "--year", "2023", "--out", str(out), "--formats", "html")
    assert r.returncode == 0, r.stderr[-2000:]
    town = out / "2023" / "示例县" / "青石镇"
    ind = json.loads((town / "indicators.json").read_text(encoding="utf-8"))
    assert ind["posts"] is None and ind["funds"]["paid"] is None
    assert ind["monitoring"]["total"]["households"] == 18
    text = html_text(town / "report.html")
    assert "（五）规范公益性岗位开发管理" in text and "未提供" in text
    assert "18户56人" in text


# --- the project's own tiny dataset: the whole path without ../shared ------------------

@pytest.fixture(scope="module")
def tiny_run(tiny_dataset, tmp_path_factory):
    meta = contract.prepare(tiny_dataset)
    town = sorted(meta["townships"])[0]
    out = tmp_path_factory.mktemp("tiny_out")
    r = zhenxing("run", str(tiny_dataset), "--year", "2023", "--township", town, "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    return out, r, tiny_dataset, out / "2023" / meta["townships"][town] / town, town


def test_tiny_run_writes_every_output(tiny_run):
    out, _, _, town_dir, town = tiny_run
    names = {p.name for p in town_dir.iterdir()}
    assert {"report.html", "report.pdf", "report.docx", "indicators.json", "monitoring.ipynb", "income.ipynb",
            "employment.ipynb", "funds.ipynb", "public_posts.ipynb"} <= names
    assert (town_dir.parent / "county.html").exists() and (out / "index.html").exists()
    text = html_text(town_dir / "report.html")
    assert f"{town}2023年巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作总结" in text
    order = ["一、基本情况", "二、工作开展情况及成效", "三、存在问题", "附件1", "数据来源与生成信息"]
    assert [text.index(h) for h in order] == sorted(text.index(h) for h in order)
    assert "ctx." not in (town_dir / "report.html").read_text(encoding="utf-8") and "papermill" not in text


def test_tiny_run_provenance_is_for_a_reader(tiny_run):
    out, _, dataset, town_dir, town = tiny_run
    html = html_text(town_dir / "report.html")
    prov = html[html.index("数据来源与生成信息"):]
    assert f"数据集：{dataset.name}（内容校验码 {contract.dataset_hash(dataset)[:12]}）" in prov
    assert "统计截止日期：2023年12月31日" in prov and "（北京时间，UTC+8）" in prov
    assert "程序版本：zhenxing" in prov and "政策参数文件：params/defaults.yaml" in prov
    assert str(dataset.parent) not in prov and "/tmp" not in prov and "UTC+8" in prov
    assert not re.search(r"\b(dataset|township|year|report_date|out_dir)\b", prov), prov
    # the 公文 a township sends carries no provenance: it is in 编制说明.md (and the web page's footer)
    for f in ("report.pdf", "report.docx"):
        t = squash(pdf_text(town_dir / f) if f.endswith(".pdf") else docx_text(town_dir / f))
        assert "数据来源与生成信息" not in t and "北京时间" not in t and "/tmp" not in t
    note = (town_dir / "编制说明.md").read_text(encoding="utf-8")
    assert f"数据集：{dataset.name}（内容校验码 {contract.dataset_hash(dataset)[:12]}）" in note
    assert "（北京时间，UTC+8）" in note and str(dataset.parent) not in note


def test_tiny_run_has_no_personal_data(tiny_run):
    out, r, dataset, _, _ = tiny_run
    assert_no_personal_data(out, r, dataset, at_least=100)


def test_tiny_plain_papermill_with_a_parameter_file(tiny_run, tmp_path):
    """The documented route without the project's runner, on a parameter file of `zhenxing params`."""
    from zhenxing.data import params
    _, _, dataset, town_dir, town = tiny_run
    f = params.write_run_files(dataset, 2023, {town: town_dir.parent.name}, root=tmp_path)[0]
    r = subprocess.run([str(Path(sys.executable).parent / "papermill"), str(Path(__file__).parents[1] / "notebooks" / "funds.ipynb"),
                        str(tmp_path / "funds.ipynb"), "-f", str(f), "-p", "out_dir", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    ind = json.loads((tmp_path / "o" / "indicators.json").read_text(encoding="utf-8"))
    published = json.loads((town_dir / "indicators.json").read_text(encoding="utf-8"))
    assert ind["funds"] == published["funds"]
