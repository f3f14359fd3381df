"""Tests for zhenxing.report.render: what a reader of the HTML, PDF and DOCX would notice."""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import docx
import pytest

from conftest import setup_installs
from zhenxing.report import charts
from zhenxing.report import fonts as report_fonts
from zhenxing.report import render as rmod
from zhenxing.report.render import (
    CJKFonts,
    FontNotFoundError,
    QuartoNotFoundError,
    RenderError,
    cjk_fonts,
    render,
    resolve_backend,
)

TITLE = "东风镇2024年巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作总结"

MARKDOWN = textwrap.dedent(
    """\
    ## 一、基本情况

    截至2024年12月31日，全镇辖12个行政村，共有农户3,456户、11,234人，
    其中脱贫户567户、1,890人，监测对象45户、132人。

    ## 二、工作开展情况及成效

    ### （一）防止返贫动态监测

    全年新识别监测对象8户、23人，已消除风险31户、96人，风险消除率68.9%。

    Table: 表1 各村监测对象情况

    | 村名 | 监测户数 | 监测人数 | 已消除风险户数 |
    |:-----|-----:|-----:|-----:|
    | 东村 | 12 | 35 | 8 |
    | 西村 | 9 | 27 | 6 |
    | 合计 | 21 | 62 | 14 |

    ![图1 各村监测对象户数：东村12户，西村9户](charts/monitoring_1.png)

    #### 1. 监测范围

    监测范围覆盖全镇农户。

    ## 三、存在问题

    未发现需要特别关注的问题。

    ## 数据来源与生成信息

    数据集：sample（SHA-256 0123abcd）\\
    报告日期：2024-12-31\\
    代码版本：abc1234
    """
)

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason=setup_installs("poppler-utils", "pdftotext/pdffonts/pdfinfo 未安装：apt-get install poppler-utils"),
)
needs_quarto = pytest.mark.skipif(
    shutil.which("quarto") is None,
    reason="本机没有 quarto 命令，跳过 quarto 后端测试（CI 只测 pandoc 后端）",
)


def tiny_png(width: int = 48, height: int = 24) -> bytes:
    """A small valid RGB PNG: three blue bars on white."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type 0
        for x in range(width):
            bar = (x // 16, (x % 16) >= 3 and (x % 16) < 13)
            tall = (8, 4, 14)[bar[0]]
            blue = bar[1] and y >= tall
            row += bytes((31, 119, 180) if blue else (255, 255, 255))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def make_resources(base: Path) -> Path:
    res = base / "res"
    (res / "charts").mkdir(parents=True)
    (res / "charts" / "monitoring_1.png").write_bytes(tiny_png())
    return res


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def tool(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    base = tmp_path_factory.mktemp("render")
    res = make_resources(base)
    out = base / "out"
    paths = render(MARKDOWN, out, title=TITLE, resources=res, backend="pandoc")
    return out, paths


# ----------------------------------------------------------------- all formats


def test_writes_three_reports_and_nothing_else(rendered):
    out, paths = rendered
    assert set(paths) == {"html", "pdf", "docx"}
    assert {p.name for p in paths.values()} == {"report.html", "report.pdf", "report.docx"}
    assert all(p.parent == out.resolve() and p.stat().st_size > 0 for p in paths.values())
    # no temporary file or folder left behind
    assert sorted(p.name for p in out.iterdir()) == ["report.docx", "report.html", "report.pdf"]


# ------------------------------------------------------------------------ HTML


def test_html_language_and_title(rendered):
    html = rendered[1]["html"].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    assert f"<title>{TITLE}</title>" in html
    h1 = re.findall(r"<h1\b[^>]*>(.*?)</h1>", html, re.S)
    assert h1 == [TITLE], "the title is the one and only h1"
    body = html.split("<body", 1)[1]
    assert body.count(TITLE) == 1, "title shown once, not duplicated"


def test_html_headings_in_order(rendered):
    html = rendered[1]["html"].read_text(encoding="utf-8")
    levels = [int(n) for n in re.findall(r"<h([1-6])\b", html)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    assert re.search(r"<h2[^>]*>一、基本情况</h2>", html)
    assert re.search(r"<h3[^>]*>（一）防止返贫动态监测</h3>", html)


def test_html_table_has_header_cells_and_caption(rendered):
    html = rendered[1]["html"].read_text(encoding="utf-8")
    assert "<caption>表1 各村监测对象情况</caption>" in html
    assert len(re.findall(r'<th\b[^>]*scope="col"[^>]*>', html)) == 4
    assert re.search(r"<td[^>]*>1,890|<td[^>]*>62</td>", html)
    # the table sits in a focusable, labelled region that scrolls on a phone
    assert re.search(r'<div class="table-wrap"[^>]*tabindex="0"', html)


def test_html_self_contained_no_remote_resources(rendered):
    html = rendered[1]["html"].read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in html
    assert "charts/monitoring_1.png" not in html
    remote = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//[^"'\s>]*""", html)
    assert remote == []
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", html)
    assert "mathjax" not in html.lower() and "require.js" not in html.lower()


def test_html_alt_text_and_reading_aids(rendered):
    html = rendered[1]["html"].read_text(encoding="utf-8")
    alts = re.findall(r'<img\b[^>]*\balt="([^"]*)"', html)
    assert alts == ["图1 各村监测对象户数：东村12户，西村9户"]
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert re.search(r'<button[^>]*id="large-print-toggle"[^>]*aria-pressed="false"', html)
    assert "长者版" in html
    assert "@media print" in html and "size: A4" in html


# ------------------------------------------------------------------------- PDF


@needs_poppler
def test_pdf_text_has_title_headings_and_table_values(rendered):
    text = tool("pdftotext", "-layout", str(rendered[1]["pdf"]), "-")
    flat = squash(text)
    assert TITLE in flat
    assert "一、基本情况" in flat and "（一）防止返贫动态监测" in flat
    assert "表1各村监测对象情况" in flat
    assert "已消除风险户数" in flat and "东村" in flat
    assert "1,890人" in flat, "digits and Chinese stay together (searchable)"
    assert "—1—" in flat, "page number in the 一字线 style"
    assert "代码版本：abc1234" in flat


@needs_poppler
def test_pdf_fonts_are_embedded_noto_cjk_sc(rendered):
    lines = tool("pdffonts", str(rendered[1]["pdf"])).splitlines()[2:]
    assert lines, "the PDF uses fonts"
    names = [ln.split()[0] for ln in lines]
    assert any("NotoSerifCJKsc" in n for n in names), names
    assert not any("jp" in n.lower() for n in names), "never the Japanese variant"
    for ln in lines:
        # columns: name type [type2] encoding emb sub uni id gen -> emb is 5th from the end
        assert ln.split()[-5] == "yes", f"font not embedded: {ln}"


@needs_poppler
def test_pdf_is_a4_with_metadata_title(rendered):
    info = tool("pdfinfo", str(rendered[1]["pdf"]))
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    assert re.search(rf"Title:\s+{TITLE}", info)


# ------------------------------------------------------------------------ DOCX


def test_docx_title_headings_table_and_image(rendered):
    d = docx.Document(str(rendered[1]["docx"]))
    paras = [(p.style.name, p.text) for p in d.paragraphs]
    assert ("Title", TITLE) in paras
    assert sum(1 for _, t in paras if t == TITLE) == 1
    assert ("Heading 1", "一、基本情况") in paras
    assert ("Heading 2", "（一）防止返贫动态监测") in paras
    assert ("Heading 3", "1. 监测范围") in paras
    assert len(d.tables) == 1
    cells = [[c.text for c in row.cells] for row in d.tables[0].rows]
    assert cells[0] == ["村名", "监测户数", "监测人数", "已消除风险户数"]
    assert ["合计", "21", "62", "14"] in cells
    assert len(d.inline_shapes) == 1, "the chart is embedded"
    blobs = [r.target_part.blob for r in d.part.rels.values() if "image" in r.reltype]
    assert blobs and blobs[0].startswith(b"\x89PNG")


def test_docx_is_a4_with_chinese_fonts_and_page_numbers(rendered):
    d = docx.Document(str(rendered[1]["docx"]))
    sec = d.sections[0]
    assert round(sec.page_width.mm) == 210 and round(sec.page_height.mm) == 297
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    body = next(s for s in d.styles if s.name == "Body Text")
    assert body.element.rPr.rFonts.get(f"{ns}eastAsia") == "宋体"
    h1 = next(s for s in d.styles if s.name == "Heading 1")
    assert h1.element.rPr.rFonts.get(f"{ns}eastAsia") == "黑体"
    footer_xml = sec.footer._element.xml
    assert "PAGE" in footer_xml and "—" in footer_xml


# ------------------------------------------------------------- atomic writes


def test_failed_render_leaves_no_report_and_keeps_old_one(tmp_path, monkeypatch):
    res = make_resources(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.docx").write_bytes(b"old report")

    real = rmod._pandoc_formats

    def boom(markdown, build, outs, **kwargs):
        real(markdown, build, {"html": outs["html"]}, **kwargs)
        raise RenderError("模拟排版中断")

    monkeypatch.setattr(rmod, "_pandoc_formats", boom)
    with pytest.raises(RenderError, match="模拟排版中断"):
        render(MARKDOWN, out, title=TITLE, resources=res, backend="pandoc")
    # HTML was rendered before the PDF failed, yet nothing new was published
    assert sorted(p.name for p in out.iterdir()) == ["report.docx"]
    assert (out / "report.docx").read_bytes() == b"old report"


def test_spread_formats_render_side_by_side_and_the_first_failure_in_order_is_raised(tmp_path, monkeypatch):
    """With `spread`, the formats are rendered by a process each, at the same time; when
    several fail, the error of the first format asked for is the one raised, whichever
    finished first, and nothing is published."""
    import threading

    res = make_resources(tmp_path)
    out = tmp_path / "out"
    started = threading.Barrier(3, timeout=60)  # passes only if all three run at once
    # the order of the failures is set by events, not by sleeps: pdf fails first, then
    # docx, and html — the first format asked for — last
    failing_now = {"pdf": threading.Event(), "docx": threading.Event()}
    after = {"pdf": (), "docx": ("pdf",), "html": ("pdf", "docx")}

    def failing(markdown, build, outs, **kwargs):
        (fmt,) = outs
        started.wait()
        for other in after[fmt]:
            assert failing_now[other].wait(60), f"{other} never failed"
        if fmt in failing_now:
            failing_now[fmt].set()
        raise RenderError(f"模拟{fmt}失败")

    monkeypatch.setattr(rmod, "_pandoc_formats", failing)
    with pytest.raises(RenderError, match="模拟html失败"):
        render(MARKDOWN, out, title=TITLE, resources=res, backend="pandoc", spread=True)
    assert not any(out.iterdir())


def test_every_format_from_one_pandoc_process(tmp_path, monkeypatch):
    """A township's render (no `spread`): HTML, PDF and DOCX from one pandoc process, so the
    Markdown is parsed once."""
    res = make_resources(tmp_path)
    runs = []
    real = rmod._pandoc_run
    monkeypatch.setattr(rmod, "_pandoc_run", lambda args, md, **k: runs.append(args) or real(args, md, **k))
    out = render(MARKDOWN, tmp_path / "out", title=TITLE, resources=res, backend="pandoc")
    assert sorted(out) == ["docx", "html", "pdf"] and all(p.stat().st_size > 0 for p in out.values())
    assert len(runs) == 1


def _html_events(html: str) -> list[tuple]:
    """An HTML page as parser events — tags with their attributes sorted, text with its
    whitespace collapsed — so two writings of one page compare equal when only the
    line breaks inside tags and the order of attributes differ."""
    from html.parser import HTMLParser

    events = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            events.append(("start", tag, tuple(sorted(attrs))))

        def handle_startendtag(self, tag, attrs):
            events.append(("start", tag, tuple(sorted(attrs))))

        def handle_endtag(self, tag):
            events.append(("end", tag))

        def handle_data(self, data):
            if data.split():
                events.append(("text", " ".join(data.split())))

    P(convert_charrefs=True).feed(html)
    return events


def test_html_from_the_shared_parse_is_what_pandoc_embed_resources_writes(tmp_path):
    """The HTML the custom writer makes along with the PDF and DOCX is the page
    `pandoc --to html5 --embed-resources` makes with the filter (as render did before):
    the same elements, attributes and text, charts as data: URIs (role="img", the alt
    text as aria-label); the stylesheet inlined as written."""
    import subprocess

    res = make_resources(tmp_path)
    chart, alt = charts.bar({"县内": 120, "省外": 80}, "务工人数", "人")
    (res / "charts" / "work.svg").write_text(chart.svg, encoding="utf-8")
    md = MARKDOWN + f"\n\n![图2　{alt}](charts/work.svg)\n"
    build = tmp_path / "b"
    build.mkdir()
    rmod._data_dir(build, "zh-CN")
    rmod._pandoc_formats(md, build, {"html": build / "report.html"}, title=TITLE, lang="zh-CN", resources=res)
    ours = (build / "report.html").read_text(encoding="utf-8")
    template = build / "cli-template.html"  # the template as it was, linking the stylesheet
    template.write_text(rmod.HTML_TEMPLATE.read_text(encoding="utf-8").replace(
        "<style>\n$zx-style$\n</style>", '$for(css)$\n<link rel="stylesheet" href="$css$">\n$endfor$'),
        encoding="utf-8")
    subprocess.run([rmod.pandoc_path(), *rmod._common_args(TITLE, "zh-CN", res, build), "--to", "html5",
                    "--standalone", "--embed-resources", "--template", str(template), "--css", str(rmod.HTML_CSS),
                    "--output", "cli.html"], input=md.encode(), cwd=build, check=True)
    cli = (build / "cli.html").read_text(encoding="utf-8")

    def without_style(events):
        out, skip = [], False
        for e in events:
            if e[:2] == ("start", "style"):
                skip = True
                out.append(("start", "style"))
            elif e[:2] == ("end", "style"):
                skip = False
            if not skip:
                out.append(e)
        return out
    assert without_style(_html_events(ours)) == without_style(_html_events(cli))
    css = rmod.HTML_CSS.read_text(encoding="utf-8").strip()
    assert f"<style>\n{css}\n</style>" in ours
    assert ours.count("data:image/svg+xml;base64,") == 1 and ours.count("data:image/png;base64,") == 1
    assert 'role="img"' in ours and f'aria-label="图2　{alt}"' in ours


def test_pdf_and_docx_from_one_parse_are_what_pandoc_writes_for_each(tmp_path):
    """The custom writer gives, from one parse, the same Typst source and DOCX as
    `pandoc --to typst` and `pandoc --to docx` with the filter (as render did before)."""
    import subprocess
    import zipfile

    res = make_resources(tmp_path)
    build = tmp_path / "b"
    build.mkdir()
    rmod._data_dir(build, "zh-CN")
    rmod._pandoc_formats(MARKDOWN, build, {"pdf": build / "report.pdf", "docx": build / "report.docx"},
                         title=TITLE, lang="zh-CN", resources=res)
    fonts = rmod.cjk_fonts()
    common = rmod._common_args(TITLE, "zh-CN", res, build)
    subprocess.run([rmod.pandoc_path(), *common, "--to", "typst", "--standalone", "--template", str(rmod.TYPST_TEMPLATE),
                    "--extract-media", "media", "--variable", f"serif-font={fonts.serif_family}",
                    "--variable", f"sans-font={fonts.sans_family}", "--variable", f"title-weight={fonts.title_weight}",
                    "--variable", "typst-lang=zh", "--variable", "typst-region=CN", "--output", "cli.typ"],
                   input=MARKDOWN.encode(), cwd=build, check=True)
    assert (build / "report.typ").read_text(encoding="utf-8") == (build / "cli.typ").read_text(encoding="utf-8")
    subprocess.run([rmod.pandoc_path(), *common, "--to", "docx", "--reference-doc", "reference.docx",
                    "--output", "cli.docx"], input=MARKDOWN.encode(), cwd=build, check=True)
    rmod.tidy_docx(build / "cli.docx")
    ours, cli = zipfile.ZipFile(build / "report.docx"), zipfile.ZipFile(build / "cli.docx")
    assert ours.namelist() == cli.namelist()
    assert all(ours.read(n) == cli.read(n) for n in ours.namelist() if not n.startswith("docProps/"))
    assert (build / "report.pdf").read_bytes()[:5] == b"%PDF-"


def test_interrupted_render_never_leaves_a_report(tmp_path, monkeypatch):
    res = make_resources(tmp_path)
    out = tmp_path / "out"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(rmod, "_fsync", interrupted)  # just before publishing
    with pytest.raises(KeyboardInterrupt):
        render(MARKDOWN, out, title=TITLE, formats=["html"], resources=res, backend="pandoc")
    assert list(out.iterdir()) == []


def test_missing_chart_fails_instead_of_silently_dropping_it(tmp_path):
    md = MARKDOWN.replace("monitoring_1.png", "missing.png")
    out = tmp_path / "out"
    with pytest.raises(RenderError, match="missing.png"):
        render(md, out, title=TITLE, formats=["html"], resources=make_resources(tmp_path),
               backend="pandoc")
    assert list(out.iterdir()) == []


def test_chart_without_alt_text_is_refused(tmp_path):
    md = MARKDOWN.replace("![图1 各村监测对象户数：东村12户，西村9户]", "![]")
    with pytest.raises(RenderError, match="替代文字"):
        render(md, tmp_path / "out", title=TITLE, formats=["docx"],
               resources=make_resources(tmp_path), backend="pandoc")


def test_title_repeated_in_markdown_is_shown_once(tmp_path):
    md = f"# {TITLE}\n\n" + MARKDOWN
    paths = render(md, tmp_path, title=TITLE, formats=["html", "docx"],
                   resources=make_resources(tmp_path), backend="pandoc")
    html = paths["html"].read_text(encoding="utf-8").split("<body", 1)[1]
    assert html.count(TITLE) == 1
    assert "<h2" in html and re.search(r"<h2[^>]*>一、基本情况", html)
    texts = [p.text for p in docx.Document(str(paths["docx"])).paragraphs]
    assert texts.count(TITLE) == 1


def test_title_with_markup_characters_is_literal(tmp_path):
    title = "A&B镇 *2024* 年 #1 <测试>"
    paths = render("## 一、基本情况\n\n正文。\n", tmp_path, title=title,
                   formats=["html", "docx"], backend="pandoc")
    html = paths["html"].read_text(encoding="utf-8")
    assert "<title>A&amp;B镇 *2024* 年 #1 &lt;测试&gt;</title>" in html
    assert docx.Document(str(paths["docx"])).paragraphs[0].text == title


# ----------------------------------------------------------------------- fonts


def test_missing_font_error_names_the_debian_package(tmp_path):
    with pytest.raises(FontNotFoundError) as err:
        cjk_fonts([tmp_path])
    msg = str(err.value)
    assert msg.startswith("未找到中文字体")
    assert "fonts-noto-cjk" in msg and "ZHENXING_FONT_DIR" in msg
    assert str(tmp_path) in msg


def test_pdf_without_fonts_fails_before_writing(tmp_path, monkeypatch):
    monkeypatch.setattr(report_fonts, "_standard_font_dirs", lambda: [tmp_path / "none"])
    monkeypatch.delenv("ZHENXING_FONT_DIR", raising=False)
    out = tmp_path / "out"
    with pytest.raises(FontNotFoundError, match="fonts-noto-cjk"):
        render(MARKDOWN, out, title=TITLE, resources=make_resources(tmp_path), backend="pandoc")
    assert not out.exists() or list(out.iterdir()) == []


def test_font_dir_from_environment(tmp_path, monkeypatch):
    real = cjk_fonts()
    serif = next(f for f in real.files if "serif" in f.name.lower() and "regular" in f.name.lower())
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    (fonts / serif.name).symlink_to(serif)
    monkeypatch.setattr(report_fonts, "_standard_font_dirs", lambda: [])
    monkeypatch.setenv("ZHENXING_FONT_DIR", str(fonts))
    found = cjk_fonts()
    assert found.serif_family == "Noto Serif CJK SC"
    assert found.files == (fonts / serif.name,)
    assert found.sans_family == "Noto Serif CJK SC", "headings fall back to the serif face"


def test_typst_warning_fails_the_render(tmp_path, monkeypatch):
    real = cjk_fonts()
    bogus = CJKFonts("Noto Serif CJK XX", real.sans_family, real.title_weight, real.files)
    monkeypatch.setattr(rmod, "cjk_fonts", lambda *a, **k: bogus)
    with pytest.raises(RenderError, match="(?i)unknown font family"):
        render(MARKDOWN, tmp_path / "out", title=TITLE, formats=["pdf"],
               resources=make_resources(tmp_path), backend="pandoc")
    assert list((tmp_path / "out").iterdir()) == []


# -------------------------------------------------------------------- backends


def test_backend_choice(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no quarto here
    monkeypatch.delenv("ZHENXING_RENDER_BACKEND", raising=False)
    assert resolve_backend(None) == "pandoc"
    with pytest.raises(QuartoNotFoundError, match="quarto"):
        resolve_backend("quarto")
    monkeypatch.setenv("ZHENXING_RENDER_BACKEND", "quarto")
    with pytest.raises(QuartoNotFoundError):
        render("## 一、x\n", tmp_path / "out", title=TITLE, formats=["html"])
    with pytest.raises(ValueError, match="latex"):
        resolve_backend("latex")
    with pytest.raises(ValueError, match="odt"):
        render("## 一、x\n", tmp_path / "out", title=TITLE, formats=["odt"], backend="pandoc")


FAKE_QUARTO = """\
#!{python}
# stands in for the quarto CLI: checks its input, writes the requested output
import json, pathlib, sys
args = sys.argv[1:]
assert args[0] == "render", args
qmd = pathlib.Path(args[1])
out = args[args.index("--output") + 1]
text = qmd.read_text(encoding="utf-8")
front = json.loads(text.split("---\\n")[1])
assert pathlib.Path("charts/monitoring_1.png").is_file(), "chart copied next to the qmd"
pathlib.Path(out).write_text(json.dumps({{"to": args[args.index("--to") + 1],
                                          "front": front}}, ensure_ascii=False))
"""


def test_quarto_backend_is_used_when_quarto_is_on_path(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "quarto"
    fake.write_text(FAKE_QUARTO.format(python=sys.executable), encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bindir) + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.delenv("ZHENXING_RENDER_BACKEND", raising=False)
    out = tmp_path / "out"
    paths = render(MARKDOWN, out, title=TITLE, formats=["html", "docx"],
                   resources=make_resources(tmp_path))
    import json

    html = json.loads(paths["html"].read_text(encoding="utf-8"))
    assert html["to"] == "html"
    assert html["front"]["title"] == TITLE and html["front"]["lang"] == "zh-CN"
    assert html["front"]["format"]["html"]["embed-resources"] is True
    assert json.loads(paths["docx"].read_text(encoding="utf-8"))["to"] == "docx"
    assert sorted(p.name for p in out.iterdir()) == ["report.docx", "report.html"]


@needs_quarto
def test_quarto_renders_all_three_formats(tmp_path):
    paths = render(MARKDOWN, tmp_path / "out", title=TITLE,
                   resources=make_resources(tmp_path), backend="quarto")
    html = paths["html"].read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in html and TITLE in html and "data:image/png" in html
    assert "<th" in html
    assert paths["pdf"].read_bytes().startswith(b"%PDF")
    d = docx.Document(str(paths["docx"]))
    assert any(p.style.name.startswith("Heading") for p in d.paragraphs)
    assert len(d.tables) == 1


# --- provenance at the end of every report (report.provenance) -------------------------

def _ind(**kw):
    base = {"township": "青山镇", "county": "示例县", "year": 2023, "report_date": "2023-12-31",
            "dataset": {"name": "sample", "label": "自带示例数据（合成）", "hash": "ab" * 32}}
    return {**base, **kw}


def test_provenance_is_for_a_reader():
    import datetime as dt

    from zhenxing.report import assemble as report
    now = dt.datetime(2024, 1, 5, 1, 30, tzinfo=dt.timezone.utc)
    params_ = {"dataset": "/srv/data/sample", "township": "青山镇", "year": 2023, "report_date": ""}
    lines = report.provenance(_ind(), dataset_name="sample", dataset_hash="ab" * 32, parameters=params_, now=now)
    text = "\n".join(lines)
    assert "数据集：自带示例数据（合成）（内容校验码 abababababab）" in text
    assert "统计截止日期：2023年12月31日" in text
    assert "2024年1月5日 09:30（北京时间，UTC+8）" in text  # 01:30 UTC
    assert "params/defaults.yaml" in text and "中央农村工作领导小组" in text  # policy file and its documents
    assert re.search(r"程序版本：zhenxing \S+（代码提交 \S+）", text)
    assert "/srv" not in text and "sample" not in text.replace("params/", "")
    english = re.findall(r"\b(dataset|township|year|report_date|out_dir|identification_days_max|income_thresholds)\b", text)
    assert not english, english
    assert all(re.match(r"[\u4e00-\u9fff]+：", line) for line in lines), "every line has a Chinese label"


def test_provenance_without_a_label_names_the_folder_never_the_path():
    from zhenxing.data import paths
    from zhenxing.report import assemble as report
    ind = _ind(dataset=None)
    assert report.provenance(ind, dataset_name="export-2023", dataset_hash="c" * 64,
                             parameters={"dataset": "/srv/x/export-2023"})[0].startswith("数据集：export-2023（")
    assert report.provenance(ind, dataset_name="sample", dataset_hash="c" * 64,
                             parameters={"dataset": str(paths.SAMPLE)})[0].startswith("数据集：自带示例数据（合成）")


def test_program_version_is_not_dirty_from_files_the_project_writes():
    """`zhenxing params` writes params/<年度>/<县>/<乡镇>.yaml; runs write outputs/: git ignores them."""
    from zhenxing.data import paths
    if shutil.which("git") is None or not (paths.ROOT / ".git").exists():
        pytest.skip("不是 git 工作目录 [not a git checkout]")
    for rel in ("params/2023/示例县/青山镇.yaml", "outputs/2023/示例县/青山镇/report.html",
                "outputs/scratch/2023/示例县/青山镇/indicators.json", "outputs/.cache/x"):
        r = subprocess.run(["git", "-C", str(paths.ROOT), "check-ignore", "-q", "--no-index", rel])
        assert r.returncode == 0, f"{rel} is not ignored: it would make the program version -dirty"
    r = subprocess.run(["git", "-C", str(paths.ROOT), "check-ignore", "-q", "--no-index", "params/2023/示例县/青山镇.notes.md"])
    assert r.returncode == 1, "the analyst's own notes must stay trackable"


@needs_poppler
def test_provenance_block_wraps_long_values(tmp_path):
    """The block is a div the stylesheet wraps (HTML); Typst wraps list items ragged right."""
    css = (Path(rmod.__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
    assert re.search(r"\.provenance[^{]*\{[^}]*overflow-wrap:\s*anywhere", css)
    long = "校验码" + "a1b2c3d4" * 12
    md = "## 数据来源与生成信息\n\n::: {.provenance}\n- 数据集：" + long + "\n:::\n"
    render(md, tmp_path / "o", basename="r", title="标题", formats=["html", "pdf"], backend="pandoc")
    html = (tmp_path / "o" / "r.html").read_text(encoding="utf-8")
    assert 'class="provenance"' in html
    pdf = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "o" / "r.pdf"), "-"], capture_output=True, text=True)
    assert pdf.returncode == 0, pdf.stderr
    assert squash(long) in squash(pdf.stdout).replace("\u200b", ""), "a long value runs off the page"


# ------------------------------------------------------------------------ layout (issue 10)

from docx.oxml.ns import qn as _qn  # noqa: E402


def test_docx_tables_full_width_bold_header_rows_kept_whole(rendered):
    d = docx.Document(str(rendered[1]["docx"]))
    (table,) = d.tables
    tblpr = table._tbl.tblPr
    width = tblpr.find(_qn("w:tblW"))
    assert width.get(_qn("w:type")) == "pct" and width.get(_qn("w:w")) == "5000"
    grid = [int(c.get(_qn("w:w"))) for c in table._tbl.tblGrid.findall(_qn("w:gridCol"))]
    assert abs(sum(grid) - rmod.DOCX_TEXT_WIDTH_TWIPS) <= len(grid)
    assert tblpr.find(_qn("w:jc")).get(_qn("w:val")) == "center"
    head, *rows = table.rows
    runs = [r for c in head.cells for p in c.paragraphs for r in p.runs]
    assert runs and all(r.bold for r in runs), "header row bold"
    assert head._tr.trPr.find(_qn("w:tblHeader")) is not None
    for row in table.rows:
        assert row._tr.trPr.find(_qn("w:cantSplit")) is not None, "a row split across pages"
    assert not any(r.bold for row in rows for c in row.cells for p in c.paragraphs for r in p.runs)
    # what follows the table does not sit flush against it
    after = table._tbl.getnext()
    assert after.pPr.spacing is not None and after.pPr.spacing.before >= docx.shared.Pt(12)


def test_docx_reference_spaces_captions_and_charts():
    d = docx.Document(io.BytesIO(rmod.reference_docx()))
    styles = {s.name: s for s in d.styles}
    cap = styles["Table Caption"].paragraph_format
    assert cap.space_before >= docx.shared.Pt(12) and cap.keep_with_next
    fig = styles["Captioned Figure"].paragraph_format
    assert fig.space_before >= docx.shared.Pt(12)


def _long_report(res: Path) -> str:
    """Several topics of text, tables and SVG+PNG charts: enough pages for layout to matter."""
    para = "全镇持续做好防止返贫动态监测和帮扶工作，落实各项帮扶措施，巩固拓展脱贫攻坚成果。" * 6
    rows = "\n".join(f"| 第{i}村 | {i * 3}户{i * 9}人 | XM2023010{i}0123456789 | 碧垭村农产品冷链仓储项目{i} |"
                     for i in range(1, 8))
    table = ("| 村 | 监测对象 | 项目编号 | 项目名称 |\n|:---|:---|:---|:---|\n" + rows)
    parts = []
    for k in range(1, 7):
        chart, alt = charts.bar({"县内": 100 + k, "省内县外": 90, "省外": 80}, f"务工人数{k}", "人")
        (res / "charts").mkdir(parents=True, exist_ok=True)
        (res / "charts" / f"c{k}.svg").write_text(chart.svg, encoding="utf-8")
        (res / "charts" / f"c{k}.png").write_bytes(chart.png())  # Word's PNG of the same figure
        parts += [f"### （{k}）专题{k}", para, para[: 20 * k], f"{table}\n\nTable: 表{k}　情况",
                  f"![图{k}　{alt}](charts/c{k}.png)"]
    return "## 一、工作开展情况\n\n" + "\n\n".join(parts) + "\n\n## 数据来源与生成信息\n\n::: {.provenance}\n" + \
        "\n".join(f"- 第{i}行：说明文字" for i in range(6)) + "\n:::\n"


@pytest.fixture(scope="module")
def long_rendered(tmp_path_factory):
    base = tmp_path_factory.mktemp("long")
    res = base / "res"
    (res / "charts").mkdir(parents=True)
    md = _long_report(res)
    return render(md, base / "out", title=TITLE, resources=res, backend="pandoc")


def _page_text_bottoms(pdf: Path) -> tuple[float, list[float]]:
    """Page height and, per page, the lowest baseline of any word (poppler's bbox output)."""
    xml = tool("pdftotext", "-bbox", str(pdf), "-")
    pages = re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', xml, re.S)
    bottoms = [max([float(y) for y in re.findall(r'yMax="([\d.]+)"', body)] or [0.0]) for _, body in pages]
    return float(pages[0][0]), bottoms


@needs_poppler
def test_pdf_no_page_left_a_quarter_empty_and_no_lone_last_line(long_rendered):
    """Every page but the last is filled to within a quarter of the text area's foot (A4,
    37 mm top and 35 mm bottom margins); the last page holds more than a line or two."""
    height, bottoms = _page_text_bottoms(long_rendered["pdf"])
    assert len(bottoms) >= 3
    top, foot = 37 / 25.4 * 72, height - 35 / 25.4 * 72
    limit = foot - (foot - top) / 4
    short = [i + 1 for i, b in enumerate(bottoms[:-1]) if b < limit]
    assert not short, f"pages left more than a quarter empty: {short} ({bottoms}, limit {limit:.0f})"
    last = tool("pdftotext", "-f", str(len(bottoms)), "-l", str(len(bottoms)), "-layout",
                str(long_rendered["pdf"]), "-")
    lines = [ln for ln in last.splitlines() if ln.strip() and not re.fullmatch(r"\s*—\s*\d+\s*—\s*", ln)]
    assert len(lines) >= 3, lines


@needs_poppler
def test_pdf_charts_are_vector_with_real_cjk_text(long_rendered):
    """The SVG twin is used: chart labels are text in the embedded Noto Sans CJK SC (not a
    bitmap, never empty boxes), and the long project ids stay inside their cells."""
    text = squash(tool("pdftotext", str(long_rendered["pdf"]), "-"))
    assert "省内县外" in text and "务工人数1" in text
    fonts = tool("pdffonts", str(long_rendered["pdf"]))
    assert "NotoSansCJKsc-Regular" in fonts
    assert all(" yes " in ln for ln in fonts.splitlines()[2:]), fonts
    assert "XM20230101" in text.replace("\u200b", "")


def test_html_uses_svg_charts_and_has_narrow_screen_table_rules(long_rendered):
    html = long_rendered["html"].read_text(encoding="utf-8")
    assert html.count("data:image/svg+xml") >= 6 and "data:image/png" not in html
    assert re.search(r"@media \(max-width: 40rem\)[^@]*position: sticky", html), "sticky first column"
    assert "scroll-hint" in html and "左右滑动" in html and "scrollWidth" in html
    assert 'class="table-wrap"' in html and 'data-label="项目编号"' in html


def test_docx_uses_the_png_twin(long_rendered):
    d = docx.Document(str(long_rendered["docx"]))
    blobs = [r.target_part.blob for r in d.part.rels.values() if "image" in r.reltype]
    assert len(blobs) == 6 and all(b.startswith(b"\x89PNG") for b in blobs)


def test_pdf_falls_back_to_natural_chart_size_when_layout_does_not_converge(tmp_path, monkeypatch):
    """Adaptive chart placement can oscillate; Typst then warns that the layout did not
    converge. The report must still be written (charts at natural size), not fail."""
    calls = []
    real = rmod._typst_compile

    def flaky(typ, out, build, font_set):
        src = typ.read_text(encoding="utf-8")
        calls.append("#let zx-adaptive = true" in src)
        if calls[-1]:
            return "warning: layout did not converge within 5 attempts"
        return real(typ, out, build, font_set)

    monkeypatch.setattr(rmod, "_typst_compile", flaky)
    out = tmp_path / "o"
    out.mkdir()
    rmod.render("# 标题\n\n正文一段。\n", out, title="测试", formats=("pdf",), resources=out)
    assert calls == [True, False]
    assert (out / "report.pdf").stat().st_size > 0


def test_pdf_other_typst_warnings_still_fail(tmp_path, monkeypatch):
    monkeypatch.setattr(rmod, "_typst_compile", lambda *a: "warning: unknown font family: Foo")
    out = tmp_path / "o"
    out.mkdir()
    with pytest.raises(rmod.RenderError, match="unknown font"):
        rmod.render("# 标题\n\n正文。\n", out, title="测试", formats=("pdf",), resources=out)


def test_html_is_the_same_bytes_run_to_run(tmp_path):
    """Reproducible: the same Markdown gives the same HTML (table wrappers' attributes were
    once written in a Lua table's random order)."""
    md = "# 标题\n\n正文。\n\n| 类别 | 户数 |\n|---|---:|\n| 脱贫户 | 3 |\n\nTable: 表1　测试\n"
    pages = []
    for i in range(4):
        out = tmp_path / str(i)
        out.mkdir()
        rmod.render(md, out, title="测试", formats=("html",), resources=out)
        pages.append((out / "report.html").read_bytes())
    assert all(p == pages[0] for p in pages)
    assert re.search(rb'role="region"\s+tabindex="0"\s+aria-label=', pages[0])


def test_spread_render_gives_every_format_from_a_process_each(tmp_path, monkeypatch):
    """`spread` (the county summary, rendered with cores to spare): HTML, PDF and DOCX each
    from their own writer process, at the same time; the same three files."""
    res = make_resources(tmp_path)
    calls = []
    real = rmod._pandoc_formats
    monkeypatch.setattr(rmod, "_pandoc_formats", lambda md, b, outs, **k: calls.append(sorted(outs))
                        or real(md, b, outs, **k))
    out = render(MARKDOWN, tmp_path / "out", title=TITLE, resources=res, backend="pandoc", spread=True)
    assert sorted(calls) == [["docx"], ["html"], ["pdf"]]
    assert sorted(out) == ["docx", "html", "pdf"] and all(p.stat().st_size > 0 for p in out.values())
