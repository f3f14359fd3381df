"""The documents a real run writes, looked at page by page as a reader would (issue 22).

The bundled sample (示例县, every township and the county summary, with ``--charts``) and
the acceptance fixture (without charts) are run once as a user runs them, then:

- PDF (Typst): no text crosses a table rule; no page is left more than a third empty
  except before an 附件 or at the end; no table's last row alone at the top of a page; no
  附件 heading or table title alone at the foot of a page; no tool talk (a ``.yaml`` file,
  a commit, a checksum, "点击"); the 落款 right after the body's last paragraph, the 附件
  after it.
- DOCX (XML, everywhere): header rows that repeat, rows that do not split, rows kept with
  the next (so no lone row), headings in Word's heading styles, cell padding, page numbers
  placed as the PDF places them; the same text checks as the PDF.
- DOCX opened in LibreOffice (skipped with the reason when ``soffice`` is absent: set-up
  does not install it): the page-wise checks of the PDF on LibreOffice's PDF.
- HTML (Chromium, 390 and 1280 px): no horizontal scroll, text left-aligned under 600 px;
  every page of the site (each township, the county summary, the index) reached from
  every other in at most two clicks.

Each check is proven able to fail: ``test_the_checks_catch_a_broken_layout`` renders a
page whose paragraph is pulled onto a table's rule and a table whose last row is left
alone, and the checks must find both.
"""
from __future__ import annotations

import html.parser
import re
import shutil
import subprocess
import sys
import urllib.parse
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, chromium, qingshi, setup_installs

pdfplumber = pytest.importorskip("pdfplumber", reason=setup_installs(
    "pdfplumber", "PyPI 包 pdfplumber 未安装（requirements.txt 中已固定版本）"))

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason=setup_installs(
    "poppler-utils", "pdftotext 未安装：apt-get install poppler-utils"))
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="本机没有 LibreOffice（soffice），跳过 DOCX 的逐页检查；set-up 不安装它"
                            "（apt-get install -y libreoffice-writer 后可运行）")
CHROMIUM = chromium()

#: a line of the page number, "— 3 —"
PAGE_NO = re.compile(r"^\s*—\s*\d+\s*—\s*$")
#: full-width punctuation draws its ink in one half of its em box (the other half is
#: the space Typst trims at a line's end or before an alignment edge)
CLOSING = set("，。、；：！？）」』】》〉”’")
OPENING = set("（「『【《〈“‘")
MARGIN_TOP, MARGIN_BOTTOM = 37 / 25.4 * 72, 35 / 25.4 * 72  # the 公文's page (report.typst, reference.docx)
TABLE_GREY = 0.2  # table rules are black: lighter strokes belong to a chart (its axes, a target line)


# ------------------------------------------------------------------ the runs
def _run(args: list[str], out: Path) -> Path:
    r = subprocess.run([sys.executable, "-m", "zhenxing.cli", "run", *args, "--out", str(out)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return out


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> Path:
    """The bundled sample, every township and the county summary, charts in print."""
    return _run([str(ROOT / "data" / "sample"), "--charts"], tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory) -> Path:
    """The acceptance fixture (skipped when absent), as a user runs it: no charts in print."""
    return _run([str(qingshi() / "dataset"), "--year", "2023"], tmp_path_factory.mktemp("fixture"))


def _documents(site: Path, suffix: str) -> list[Path]:
    found = sorted(site.glob(f"*/*/*/report{suffix}")) + sorted(site.glob(f"*/*/county{suffix}"))
    assert found, f"no {suffix} in {site}"
    return found


def _name(doc: Path) -> str:
    return doc.stem if doc.stem == "county" else doc.parent.name


# ------------------------------------------------------------------ what a page shows
def _ink(c: dict) -> tuple[float, float, float, float]:
    x0, x1 = c["x0"], c["x1"]
    if c["text"] in CLOSING:
        x1 = (x0 + x1) / 2
    elif c["text"] in OPENING:
        x0 = (x0 + x1) / 2
    return x0, c["top"], x1, c["bottom"]


def _rules(page) -> list[tuple[float, float, float, float]]:
    """The table rules drawn on a page: black lines and hairline rectangles."""
    out = []
    for o in page.lines + page.rects:
        if o["object_type"] == "rect" and min(o["width"], o["height"]) >= 2:
            continue  # a filled area (a chart's bar or background), not a rule
        colour = o.get("stroking_color") if o["object_type"] == "line" else o.get("non_stroking_color")
        grey = colour[0] if isinstance(colour, (tuple, list)) and len(colour) == 1 else colour
        if isinstance(grey, (int, float)) and grey > TABLE_GREY:
            continue
        if isinstance(colour, (tuple, list)) and len(colour) in (3, 4) and any(v > TABLE_GREY for v in colour[:3]):
            continue
        out.append((o["x0"], o["top"], o["x1"], o["bottom"]))
    return out


def text_crossing_rules(pdf_path: Path) -> tuple[int, list[str]]:
    """(how many table rules the PDF draws, every character whose ink a rule crosses)."""
    found, count = [], 0
    with pdfplumber.open(pdf_path) as pdf:
        for n, page in enumerate(pdf.pages, 1):
            rules = _rules(page)
            count += len(rules)
            for c in page.chars:
                if not c["text"].strip():
                    continue
                x0, top, x1, bottom = _ink(c)
                for rx0, rtop, rx1, rbottom in rules:
                    if rx0 < x1 and rx1 > x0 and rtop < bottom - 1 and rbottom > top + 1:
                        found.append(f"p{n} {c['text']!r} at ({x0:.0f},{top:.0f})")
    return count, found


def _lines(page) -> list[tuple[float, float, str]]:
    """The page's text lines (top, bottom, text), the page number left out."""
    rows: dict[int, list[dict]] = {}
    for c in page.chars:
        rows.setdefault(round(c["top"] / 3), []).append(c)
    out = []
    for key in sorted(rows):
        text = "".join(c["text"] for c in sorted(rows[key], key=lambda c: c["x0"])).strip()
        if text and not PAGE_NO.match(text):
            out.append((min(c["top"] for c in rows[key]), max(c["bottom"] for c in rows[key]), text))
    return out


def _tables(page) -> list:
    return sorted(page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"}),
                  key=lambda t: t.bbox[1])


def page_faults(pdf_path: Path) -> list[str]:
    """What a reader turning the pages sees wrong: a table's last row alone at a page's
    top (a table going on from the page before: nothing above it, a header row and one row),
    an 附件 heading or a table's title alone at a page's foot (nothing under it on its page),
    a page more than a third empty that neither ends the document nor comes before an 附件."""
    faults = []
    with pdfplumber.open(pdf_path) as pdf:
        pages = list(pdf.pages)
        for n, page in enumerate(pages, 1):
            lines, tables = _lines(page), _tables(page)
            if tables:
                first = tables[0]
                above = [t for top, _, t in lines if top < first.bbox[1] - 1]
                if not above and len(first.rows) <= 2 and n > 1:
                    faults.append(f"p{n}: a table's last row alone at the top of the page")
            if lines:
                top, _, last = lines[-1]
                under = [t for t in tables if t.bbox[1] > top]
                if re.match(r"^(附件\d+|附表\d+|表\d+)[\s　]", last) and not under:
                    faults.append(f"p{n}: '{last}' alone at the foot of the page")
            if n < len(pages):
                nxt = _lines(pages[n])
                if nxt and re.match(r"^附件\d+", nxt[0][2]):
                    continue
                body_top, body_bottom = MARGIN_TOP, page.height - MARGIN_BOTTOM
                ink = [bottom for _, bottom, _ in lines]
                ink += [o["bottom"] for o in page.lines + page.rects if o["bottom"] < body_bottom + 5]
                low = min(max(ink, default=body_top), body_bottom)
                if (low - body_top) / (body_bottom - body_top) < 2 / 3:
                    faults.append(f"p{n}: {1 - (low - body_top) / (body_bottom - body_top):.0%} of the page empty")
    return faults


def broken_headers(pdf_path: Path) -> list[str]:
    """Table headers a line break cuts inside a word: a header wraps only before its unit
    ("批复金额 / （万元）"), never inside the words before it ("批复金 / 额") or inside the
    unit ("（万 / 元）"). One entry per header cell so cut, with its page and its lines."""
    found = []
    with pdfplumber.open(pdf_path) as pdf:
        for n, page in enumerate(pdf.pages, 1):
            for table in _tables(page):
                rows = table.extract()
                for cell in rows[0] if rows else []:
                    lines = [line.strip() for line in (cell or "").splitlines() if line.strip()]
                    if any(not line.startswith("（") for line in lines[1:]):
                        found.append(f"p{n} {' / '.join(lines)}")
    return found


DATE = re.compile(r"\d{4}年\d{1,2}月(\d{1,2}日)?")
TOKEN_END, TOKEN_START = re.compile(r"[A-Za-z0-9.%]$"), re.compile(r"^[A-Za-z0-9.%]")


def broken_tokens(pdf_path: Path) -> list[str]:
    """Ids, figures and dates a line break cuts inside, in any table cell ("XM2023 / 0101",
    "2023年5 / 月19日")."""
    found = []
    with pdfplumber.open(pdf_path) as pdf:
        for n, page in enumerate(pdf.pages, 1):
            for table in _tables(page):
                for cell in (c for row in table.extract() for c in row):
                    lines = [line.strip() for line in (cell or "").splitlines() if line.strip()]
                    for a, b in zip(lines, lines[1:]):
                        dates = DATE.finditer(a + b)
                        if (TOKEN_END.search(a) and TOKEN_START.search(b)) or \
                                any(d.start() < len(a) < d.end() for d in dates):
                            found.append(f"p{n} {a} / {b}")
    return found


def pdf_text(pdf_path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True,
                          check=True).stdout


def docx_text(docx_path: Path) -> str:
    with zipfile.ZipFile(docx_path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
        custom = z.read("docProps/custom.xml").decode("utf-8") if "docProps/custom.xml" in z.namelist() else ""
    paras = re.findall(r"<w:p[ >].*?</w:p>", xml, re.S)
    return "\n".join("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p)) for p in paras) + custom


def tool_talk(text: str) -> list[str]:
    """Words that belong to the program, not to the document."""
    found = [w for w in ("点击", ".yaml", ".yml", "代码提交", "校验码", "commit", "zhenxing") if w in text]
    found += re.findall(r"\b[0-9a-f]{7,40}\b", text)
    return found


def _flat(text: str) -> str:
    lines = [line for line in text.splitlines() if not PAGE_NO.match(line)]
    return re.sub(r"\s+", "", "".join(lines))


def _signature_and_last_paragraph(md: str) -> tuple[list[str], str]:
    head, sig = md.split("::: {.signature}\n", 1)
    signature = [line.rstrip("\\").strip() for line in sig.split(":::", 1)[0].splitlines() if line.strip()]
    last = [b for b in head.strip().split("\n\n") if b.strip()][-1]
    return signature, re.sub(r"\s+", "", last)


# ------------------------------------------------------------------ PDF
def _pdfs(sample_site, fixture_site) -> list[Path]:
    return _documents(sample_site, ".pdf") + _documents(fixture_site, ".pdf")


def test_no_text_crosses_a_table_rule(sample_site, fixture_site):
    checked = 0
    for pdf in _pdfs(sample_site, fixture_site):
        rules, crossing = text_crossing_rules(pdf)
        assert rules > 20, f"{_name(pdf)}: only {rules} table rules found: the check sees no table"
        assert crossing == [], f"{_name(pdf)}: text on a table rule: {crossing[:5]}"
        checked += 1
    assert checked >= 3


def test_pages_are_full_and_tables_whole_in_the_pdf(sample_site, fixture_site):
    faults = {_name(p): page_faults(p) for p in _pdfs(sample_site, fixture_site)}
    assert {k: v for k, v in faults.items() if v} == {}


def test_table_headers_break_only_before_their_unit_and_no_token_is_cut_in_the_pdf(sample_site, fixture_site):
    """Where a table has little room (the 7-column 项目明细 at 9 pt, the county's tables of
    six townships' figures) its headers still wrap only before their unit: "批复金 / 额",
    "衔接资金拨 / 付率", "识别用时中 / 位数（天）" were seen. No id, figure or date in a
    table is cut by a line break."""
    broken = {_name(p): found for p in _pdfs(sample_site, fixture_site)
              if (found := broken_headers(p) + broken_tokens(p))}
    assert broken == {}


@needs_poppler
@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_no_tool_talk_and_the_signature_closes_the_body(sample_site, fixture_site, fmt):
    for doc in _documents(sample_site, f".{fmt}") + _documents(fixture_site, f".{fmt}"):
        text = pdf_text(doc) if fmt == "pdf" else docx_text(doc)
        assert tool_talk(text) == [], f"{_name(doc)}.{fmt}: {tool_talk(text)}"
        md = doc.with_suffix(".md")
        signature, last = _signature_and_last_paragraph(md.read_text(encoding="utf-8"))
        flat = _flat(text)
        sig = flat.index("".join(signature))
        assert flat[:sig].endswith(last[-20:]), f"{_name(doc)}.{fmt}: the 落款 does not follow the body's last paragraph"
        annex = flat.find("附件1")
        assert annex == -1 or annex > sig, f"{_name(doc)}.{fmt}: an 附件 before the 落款"


def chart_sections(md: str, text: str) -> list[tuple[str, str | None, str | None]]:
    """For every chart of the Markdown: (its caption, the section it belongs to, the section
    the printed text shows it in). Headings and captions are each found in reading order."""
    flat = _flat(text)
    headings, charts, current = [], [], None
    for block in md.split("\n\n"):
        block = block.strip()
        head = re.match(r"^#{2,4} (.+)$", block)
        if head:
            current = re.sub(r"\s+", "", head.group(1))
            headings.append(current)
        chart = re.search(r"!\[(图\d+)[\s　]+([^\]]+)\]", block)
        if chart:
            charts.append(((chart.group(1) + chart.group(2)).replace(" ", ""), current))

    def places(items: list[str]) -> list[int]:
        out, pos = [], 0
        for item in items:
            at = flat.find(item, pos)
            out.append(at)
            pos = at + len(item) if at >= 0 else pos
        return out

    heads_at = [(at, h) for at, h in zip(places(headings), headings) if at >= 0]
    found = []
    for at, (caption, own) in zip(places([c for c, _ in charts]), charts):
        before = [h for h_at, h in heads_at if 0 <= h_at < at]
        found.append((caption, own, before[-1] if at >= 0 and before else None))
    return found


def test_each_chart_stays_in_its_section(sample_site):
    """With --charts, a chart is printed in the section whose paragraph states its figures
    (the issue saw 图6 of section 五 at the top of a page inside section 六)."""
    checked = 0
    for pdf in _documents(sample_site, ".pdf"):
        for caption, own, printed in chart_sections(pdf.with_suffix(".md").read_text(encoding="utf-8"), pdf_text(pdf)):
            assert printed == own, f"{_name(pdf)}: {caption} printed in {printed}, belongs to {own}"
            checked += 1
    assert checked >= 7


# ------------------------------------------------------------------ DOCX, XML
def _docx_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml") or n.endswith(".rels")}


def _page_number_sides(pdf_path: Path, pages: int = 2) -> list[str]:
    """Where the page number stands on the first pages: 'left', 'centre' or 'right'."""
    sides = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages[:pages]:
            chars = [c for c in page.chars if c["top"] > page.height * 0.88 and c["text"] == "—"]
            mid = (min(c["x0"] for c in chars) + max(c["x1"] for c in chars)) / 2
            sides.append("left" if mid < page.width * 0.4 else "right" if mid > page.width * 0.6 else "centre")
    return sides


def docx_faults(path: Path, pdf_sides: list[str]) -> list[str]:
    """What the DOCX's XML says about its tables, headings and page numbers."""
    parts = _docx_parts(path)
    xml = parts["word/document.xml"]
    faults = []
    tables = re.findall(r"<w:tbl>.*?</w:tbl>", xml, re.S)
    if not tables:
        faults.append("no table")
    for t, tbl in enumerate(tables, 1):
        rows = re.findall(r"<w:tr[ >].*?</w:tr>", tbl, re.S)
        if "<w:tblHeader" not in rows[0]:
            faults.append(f"table {t}: its header row does not repeat")
        if not all("<w:cantSplit" in r for r in rows):
            faults.append(f"table {t}: a row may split over two pages")
        loose = [i for i, r in enumerate(rows[:-1], 1)
                 if not all("<w:keepNext" in p for p in re.findall(r"<w:p[ >].*?</w:p>", r, re.S))]
        if loose:
            faults.append(f"table {t}: rows {loose[:5]} not kept with the next (a row may be left alone)")
        if not re.search(r"<w:tblCellMar>.*?<w:(left|start) w:w=\"[1-9]", tbl.split("</w:tblPr>")[0], re.S):
            faults.append(f"table {t}: no cell padding")
    if not re.search(r'<w:pStyle w:val="Heading1"/>', xml):
        faults.append("no heading in Word's Heading 1 style")
    for p in re.findall(r"<w:p[ >].*?</w:p>", xml.split("<w:tbl>")[0], re.S):  # a heading looks like one
        text = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p))
        if re.match(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)", text) and len(text) < 30 \
                and "Heading" not in p:
            faults.append(f"'{text}' is not in a Word heading style")
    # page numbers: alternating as in the PDF (odd pages right, even left), or as the PDF has them
    refs = dict((k, v) for v, k in re.findall(r'<w:footerReference r:id="([^"]+)" w:type="(\w+)"/>', xml))
    rels = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', parts["word/_rels/document.xml.rels"]))
    rels.update((i, t) for t, i in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', parts["word/_rels/document.xml.rels"]))

    def side(kind: str) -> str | None:
        if kind not in refs:
            return None
        footer = parts.get("word/" + rels[refs[kind]], "")
        jc = re.search(r'<w:jc w:val="(\w+)"/>', footer)
        return {"left": "left", "start": "left", "right": "right", "end": "right"}.get(jc.group(1) if jc else "", "centre")

    alternating = "<w:evenAndOddHeaders" in parts.get("word/settings.xml", "")
    odd, even = side("default"), side("even") if alternating else side("default")
    if [odd, even] != pdf_sides:
        faults.append(f"page numbers odd/even {odd}/{even}, the PDF's {pdf_sides[0]}/{pdf_sides[1]}")
    return faults


def test_docx_tables_headings_and_page_numbers(sample_site, fixture_site):
    faults = {}
    for doc in _documents(sample_site, ".docx") + _documents(fixture_site, ".docx"):
        found = docx_faults(doc, _page_number_sides(doc.with_suffix(".pdf")))
        if found:
            faults[_name(doc)] = found
    assert faults == {}


def test_docx_lists_read_like_the_body(sample_site):
    """A numbered list (the county's 工作目标) in the body's size and spacing, not 12 pt single."""
    parts = _docx_parts(next(sample_site.glob("*/*/county.docx")))
    body, styles = parts["word/document.xml"], parts["word/styles.xml"]
    listed = [p for p in re.findall(r"<w:p[ >].*?</w:p>", body.split("<w:tbl>")[0], re.S) if "<w:numPr>" in p]
    assert listed, "the county summary has no numbered list"
    used = {re.search(r'<w:pStyle w:val="([^"]+)"', p).group(1) for p in listed}
    for name in used:
        style = re.search(rf'<w:style [^>]*w:styleId="{name}".*?</w:style>', styles, re.S).group(0)
        assert re.search(r'<w:sz w:val="28"\s*/>', style) and 'w:line="360"' in style, \
            f"list style {name}: not 14 pt, 1.5 lines"


# ------------------------------------------------------------------ DOCX in LibreOffice
@pytest.fixture(scope="module")
def libreoffice_pdfs(sample_site, fixture_site, tmp_path_factory) -> list[tuple[str, Path, Path]]:
    if SOFFICE is None:
        pytest.skip("本机没有 LibreOffice（soffice）；set-up 不安装它")
    out = tmp_path_factory.mktemp("lo")
    docs = {}
    for doc in _documents(sample_site, ".docx") + _documents(fixture_site, ".docx"):
        name = f"{doc.parents[2 if doc.stem == 'county' else 3].name}-{_name(doc)}"
        shutil.copy(doc, out / f"{name}.docx")
        docs[name] = doc
    profile = out / "profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), *sorted(str(p) for p in out.glob("*.docx"))],
                   capture_output=True, text=True, check=True, timeout=300)
    return [(name, out / f"{name}.pdf", docs[name]) for name in sorted(docs)]


@needs_soffice
def test_docx_in_libreoffice_keeps_tables_whole_and_headings_with_them(libreoffice_pdfs):
    """The PDF's page checks on LibreOffice's pages, a page more than a third empty too:
    Word cannot shrink a chart into the room left as Typst does, so with --charts a chart
    moved whole to the next page left up to 38% of the sample's pages empty; the DOCX's
    charts are at most 60 mm high now (docx.py), a third of a page with their caption."""
    faults = {}
    for name, pdf, docx in libreoffice_pdfs:
        found = page_faults(pdf)
        # the 落款 shares its page with the body
        with pdfplumber.open(pdf) as doc:
            signature, _ = _signature_and_last_paragraph(docx.with_suffix(".md").read_text(encoding="utf-8"))
            for n, page in enumerate(doc.pages, 1):
                lines = [t for _, _, t in _lines(page)]
                if any(signature[0] in t for t in lines) and len(lines) <= len(signature):
                    found.append(f"p{n}: the 落款 alone on its page")
        if found:
            faults[name] = found
    assert faults == {}


@needs_soffice
def test_docx_in_libreoffice_breaks_table_headers_only_before_their_unit(libreoffice_pdfs):
    """Word, WPS and LibreOffice break Chinese anywhere: the DOCX's columns are as wide as
    its headers' words and its ids and dates at the size the PDF uses, and a header too
    long for its column has a line break before its unit (seen: "年度补贴（万 / 元）",
    "项目类 / 型", "XM2023010 / 1", "2023年5月19 / 日")."""
    broken = {name: found for name, pdf, _ in libreoffice_pdfs
              if (found := broken_headers(pdf) + broken_tokens(pdf))}
    assert broken == {}


@needs_soffice
def test_docx_in_libreoffice_numbers_pages_as_the_pdf(libreoffice_pdfs):
    for name, pdf, docx in libreoffice_pdfs:
        assert _page_number_sides(pdf) == _page_number_sides(docx.with_suffix(".pdf")), name


# ------------------------------------------------------------------ HTML
class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and not href.startswith(("#", "http:", "https:", "mailto:")):
            self.hrefs.append(href)


def site_pages(site: Path) -> list[Path]:
    return [site / "index.html", *sorted(site.glob("*/*/county.html")), *sorted(site.glob("*/*/*/report.html"))]


def clicks_apart(site: Path) -> dict[tuple[str, str], int | None]:
    """For every ordered pair of the site's pages, the fewest clicks from one to the other."""
    pages = [p.resolve() for p in site_pages(site)]
    links: dict[Path, set[Path]] = {}
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        links[page] = {(page.parent / urllib.parse.unquote(h.split("#")[0])).resolve() for h in parser.hrefs}
    out = {}
    for start in pages:
        seen, frontier, depth = {start: 0}, {start}, 0
        while frontier and depth < 3:
            depth += 1
            frontier = {t for p in frontier for t in links.get(p, ()) if t in links and t not in seen}
            seen.update((t, depth) for t in frontier)
        for end in pages:
            if end != start:
                out[(str(start.relative_to(site.resolve())), str(end.relative_to(site.resolve())))] = seen.get(end)
    return out


@pytest.mark.parametrize("site", ["sample_site", "fixture_site"])
def test_every_page_reaches_every_other_in_two_clicks(request, site):
    root = request.getfixturevalue(site)
    far = {pair: n for pair, n in clicks_apart(root).items() if n is None or n > 2}
    assert len(site_pages(root)) >= 3 and far == {}


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip(setup_installs("chromium", "PATH 上没有 chromium（apt-get install -y chromium）"))
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            yield b
        finally:
            b.close()


# running text (paragraphs, list items) is left-aligned on a phone; nothing is justified
# (a caption may be centred, the 落款 and a table's scroll hint right-aligned)
MEASURE = """() => ({
    scroll: document.scrollingElement.scrollWidth, width: window.innerWidth,
    running: [...document.querySelectorAll('main p, main li')]
        .filter(e => e.textContent.trim() && !e.closest('.signature, .scroll-hint, table, figure'))
        .map(e => getComputedStyle(e).textAlign),
    justified: [...document.querySelectorAll('body *')]
        .filter(e => e.textContent.trim() && getComputedStyle(e).textAlign === 'justify')
        .map(e => e.tagName + ' ' + e.textContent.trim().slice(0, 20))})"""


@pytest.mark.parametrize("site", ["sample_site", "fixture_site"])
@pytest.mark.parametrize("width", [390, 1280])
def test_html_never_scrolls_sideways_and_reads_left_aligned_on_a_phone(browser, request, site, width):
    root = request.getfixturevalue(site)
    ctx = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = ctx.new_page()
        for f in site_pages(root):
            page.goto(f.as_uri())
            page.wait_for_load_state("load")
            seen = page.evaluate(MEASURE)
            where = f.relative_to(root)
            assert seen["scroll"] <= seen["width"], f"{where} at {width}px scrolls sideways: {seen['scroll']}px"
            if width < 600:
                assert seen["running"], f"{where}: no running text found"
                odd = {a for a in seen["running"] if a not in ("left", "start")}
                assert odd == set(), f"{where} at {width}px: text aligned {odd}"
                assert seen["justified"] == [], f"{where} at {width}px: justified {seen['justified'][:3]}"
    finally:
        ctx.close()


# ------------------------------------------------------------------ the checks can fail
BROKEN = """## 一、基本情况

全镇共有农户1765户5673人。

| 类别 | 户数 |
|:---|---:|
| 脱贫户 | 3 |
| 合计 | 5 |

```{=typst}
#v(-2.6em)
```

截至年底，这一段的第一行被拉到上面表格的底线上。

```{=typst}
#pagebreak()
```

| 类别 | 户数 |
|:---|---:|
| 合计 | 5 |

```{=typst}
#v(1fr)
```

## 附件1　各村监测对象情况

```{=typst}
#pagebreak()
```

这一页只有一行字，其余都空着。

```{=typst}
#pagebreak()
```

最后一页。
"""


def test_the_checks_catch_a_broken_layout(tmp_path):
    """A paragraph pulled onto a table's bottom rule (the issue's p7: a table's rule through
    the next paragraph's first line), a lone last row at a page's top, an 附件 heading alone
    at a page's foot, a page left nearly empty: each check finds its fault."""
    from zhenxing.report import render
    pdf = render.render(BROKEN, tmp_path / "out", title="青山镇2023年工作总结", formats=("pdf",),
                        resources=tmp_path)["pdf"]
    rules, crossing = text_crossing_rules(pdf)
    assert rules > 0 and any("截" in c or "至" in c for c in crossing), crossing
    faults = " ".join(page_faults(pdf))
    assert "last row alone" in faults and "'附件1" in faults and "empty" in faults, faults


def test_the_header_and_token_checks_catch_a_cut(tmp_path):
    """A header column narrower than its words: "批复金额" cut in two is found, a header
    wrapping before its unit is not; an id and a date cut by a line break are found, a
    date after a line break and a wrapped name are not."""
    from zhenxing.report import render
    md = ("```{=typst}\n#table(columns: (3.6em, 6em, 1fr), [批复金额], [批复金额（万元）], [项目],"
          " [1], [XM2023\\ 0101], [碧垭村农产品\\ 冷链仓储项目\\ 2023年5月19日], [2], [2023年5月\\ 19日], [x])"
          "\n```\n")
    pdf = render.render(md, tmp_path / "out", title="表头", formats=("pdf",), resources=tmp_path)["pdf"]
    found = broken_headers(pdf)
    assert len(found) == 1 and found[0].startswith("p1 批") and "万元" not in found[0], found
    assert broken_tokens(pdf) == ["p1 XM2023 / 0101", "p1 2023年5月 / 19日"]


def test_the_chart_check_catches_a_chart_in_a_foreign_section():
    md = ("## 五、存在问题\n\n一是资金拨付偏慢。\n\n::: {.chart}\n![图6　2023年各乡镇衔接资金拨付率](c.svg){alt=\"x\"}\n:::\n\n"
          "## 六、工作打算\n\n一是加快拨付。\n")
    floated = "五、存在问题\n一是资金拨付偏慢。\n— 7 —\f六、工作打算\n图6　2023年各乡镇衔接资金拨付率\n一是加快拨付。\n"
    kept = "五、存在问题\n一是资金拨付偏慢。\n图6　2023年各乡镇衔接资金拨付率\n— 7 —\f六、工作打算\n一是加快拨付。\n"
    assert chart_sections(md, floated) == [("图62023年各乡镇衔接资金拨付率", "五、存在问题", "六、工作打算")]
    assert chart_sections(md, kept) == [("图62023年各乡镇衔接资金拨付率", "五、存在问题", "五、存在问题")]
