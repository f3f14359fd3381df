"""Word: the reference document (styles of a 公文) and the tidy-up of what pandoc writes."""
from __future__ import annotations

import functools
import io
import os
import re
from pathlib import Path

from zhenxing.report.tools import pandoc_path, run_tool

DOCX_TEXT_WIDTH_TWIPS = round((210 - 28 - 26) / 25.4 * 1440)
CELL_PAD_X, CELL_PAD_Y = 100, 80  # twips: report.typst's table inset, 5pt across and 4pt down
# A chart (with --charts) at most 60 mm high: with its caption and the space around it
# (about 15 mm) it takes at most a third of the text height (297 - 37 - 35 = 225 mm), so a
# chart that Word or LibreOffice moves whole to the next page leaves at most a third of a
# page empty (the PDF shrinks a chart to the room left instead, which Word cannot do).
CHART_MAX_HEIGHT_EMU = 60 * 36000


def _child(parent, tag: str, *, first: bool = False):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        if first:
            parent.insert(0, el)
        else:
            parent.append(el)
    return el


def _before(parent, el, later: tuple[str, ...]) -> None:
    """Put ``el`` into ``parent`` before the first of the elements ``later`` present (the
    schema's order: Word refuses a file whose elements are out of order)."""
    from docx.oxml.ns import qn

    found = [e for e in (parent.find(qn(t)) for t in later) if e is not None]
    if found:
        found[0].addprevious(el)
    else:
        parent.append(el)


def _padding(tblpr) -> None:
    """Cell padding as the PDF's (Typst's inset 5pt across, 4pt down)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    mar = tblpr.find(qn("w:tblCellMar"))
    if mar is None:
        mar = OxmlElement("w:tblCellMar")
        _before(tblpr, mar, ("w:tblLook", "w:tblCaption", "w:tblDescription"))
    for edge, twips in (("top", CELL_PAD_Y), ("left", CELL_PAD_X), ("bottom", CELL_PAD_Y),
                        ("right", CELL_PAD_X)):
        el = mar.find(qn(f"w:{edge}"))
        if el is None:
            el = OxmlElement(f"w:{edge}")
            mar.append(el)
        el.set(qn("w:w"), str(twips))
        el.set(qn("w:type"), "dxa")


def _tidy_rows(rows) -> None:
    """No row split over two pages; the first row a bold, centred header repeated on each
    page; every row kept with the next, so no row (the total least of all) is left alone
    on a page: a table that fits on a page moves whole, a longer one breaks where it must."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for i, tr in enumerate(rows):
        trpr = tr.get_or_add_trPr()
        if trpr.find(qn("w:cantSplit")) is None:
            _before(trpr, OxmlElement("w:cantSplit"), ("w:trHeight", "w:tblHeader", "w:jc"))
        if i < len(rows) - 1:
            for para in tr.iter(qn("w:p")):
                para.get_or_add_pPr().keepNext_val = True
        if not (trpr.find(qn("w:tblHeader")) is not None or i == 0):
            continue
        if trpr.find(qn("w:tblHeader")) is None:
            _before(trpr, OxmlElement("w:tblHeader"), ("w:jc",))
        for para in tr.iter(qn("w:p")):
            para.get_or_add_pPr().jc_val = WD_ALIGN_PARAGRAPH.CENTER
            for run in para.iter(qn("w:r")):
                run.get_or_add_rPr().get_or_add_b().val = True


def _table_size(tbl) -> float | None:
    """The size the Lua filter chose for a table's text (小四 12, 五号 10.5 or 小五 9 pt, as
    in the PDF: what its ids and headers need), from the mark it leaves right after the
    table (an XML comment, removed here)."""
    from lxml import etree

    nxt = tbl.getnext()
    if nxt is None or nxt.tag is not etree.Comment:
        return None
    found = re.fullmatch(r"zx-table-size ([\d.]+)", (nxt.text or "").strip())
    if not found:
        return None
    tbl.getparent().remove(nxt)
    return float(found.group(1))


def _tidy_table(tbl) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml.ns import qn
    from docx.shared import Pt

    tblpr = _child(tbl, "w:tblPr", first=True)
    width = _child(tblpr, "w:tblW")
    width.set(qn("w:type"), "pct")
    width.set(qn("w:w"), "5000")
    tblpr.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid = tbl.find(qn("w:tblGrid"))
    if grid is not None:
        cols = grid.findall(qn("w:gridCol"))
        total = sum(int(c.get(qn("w:w"), "0") or 0) for c in cols)
        if total > 0:
            for c in cols:
                c.set(qn("w:w"), str(round(int(c.get(qn("w:w"))) * DOCX_TEXT_WIDTH_TWIPS / total)))
    # python-docx's element classes insert children in schema order
    size = _table_size(tbl)
    if size is not None and size < 12:
        for run in tbl.iter(qn("w:r")):  # 五号 (10.5 pt) or 小五 (9 pt), as in the PDF
            run.get_or_add_rPr().get_or_add_sz().val = Pt(size)
    _tidy_rows(tbl.findall(qn("w:tr")))
    _padding(tblpr)
    # space between the table and what follows it
    nxt = tbl.getnext()
    if nxt is not None and nxt.tag == qn("w:p"):
        spacing = nxt.get_or_add_pPr().get_or_add_spacing()
        if (spacing.before or 0) < Pt(12):
            spacing.before = Pt(12)


def _fit_charts(body) -> None:
    """Every picture at most CHART_MAX_HEIGHT_EMU high, its width in proportion."""
    from docx.oxml.ns import qn

    for inline in body.iter(qn("wp:inline")):
        extent = inline.find(qn("wp:extent"))
        if extent is None or int(extent.get("cy", "0")) <= CHART_MAX_HEIGHT_EMU:
            continue
        scale = CHART_MAX_HEIGHT_EMU / int(extent.get("cy"))
        for el in (extent, *inline.iter(qn("a:ext"))):
            if el.get("cx") is not None and el.get("cy") is not None:  # not an a:extLst's <a:ext uri=…>
                el.set("cx", str(round(int(el.get("cx")) * scale)))
                el.set("cy", str(round(int(el.get("cy")) * scale)))


def _tidy_paragraphs(body) -> None:
    from docx.oxml.ns import qn

    for para in body.findall(qn("w:p")):
        style = para.pPr.style if para.pPr is not None else None
        if style == "Compact" and para.pPr.numPr is not None:
            # a tight list in the body (the county's 工作目标) reads like the body, not
            # like a table cell (pandoc gives both the style "Compact")
            para.pPr.style = "ListParagraph"
        elif style == "Signature":
            # the 落款 never stands alone on a page: the body's last paragraph goes with it
            prev = para.getprevious()
            if prev is not None and prev.tag == qn("w:p"):
                prev.get_or_add_pPr().keepNext_val = True


def tidy_docx(path: Path) -> None:
    """What a reference document cannot say, done on pandoc's DOCX in place.

    Every table spans the text width (its columns scaled to it, in the proportions the
    Lua filter gave), is centred, has cell padding, a bold, centred header row repeated
    on each page, no row split across two pages and every row kept with the next (no
    row left alone); a paragraph right after a table gets space above it, so text and
    charts do not sit flush against the table's last rule. A list in the body reads like
    the body; the body's last paragraph goes with the 落款. A chart is at most 60 mm high.
    """
    import zipfile

    from docx.opc.oxml import serialize_part_xml
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    # Only word/document.xml changes: it is parsed with python-docx's element classes
    # (which keep children in schema order) and the package is rewritten with every other
    # part as pandoc wrote it — not opened and saved whole by python-docx, which parses
    # and re-serialises every part (a tenth of a second per report).
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        parts = {i.filename: z.read(i) for i in infos}
    root = parse_xml(parts["word/document.xml"])
    body = root.find(qn("w:body"))
    for tbl in list(body.iter(qn("w:tbl"))):
        _tidy_table(tbl)
    _tidy_paragraphs(body)
    _fit_charts(body)
    parts["word/document.xml"] = serialize_part_xml(root)
    tmp = path.with_name(f".{path.name}.tidy")
    with zipfile.ZipFile(tmp, "w") as out:
        for i in infos:
            info = zipfile.ZipInfo(i.filename, date_time=i.date_time)
            info.external_attr = i.external_attr
            # images are compressed already: stored, not deflated again (as Word does)
            media = i.filename.startswith("word/media/") and not i.filename.endswith((".svg", ".xml"))
            info.compress_type = zipfile.ZIP_STORED if media else i.compress_type
            out.writestr(info, parts[i.filename])
    os.replace(tmp, path)


# -------------------------------------------------------------- reference.docx

_BODY_FONT = ("Times New Roman", "宋体")
_HEI_FONT = ("Times New Roman", "黑体")
_KAI_FONT = ("Times New Roman", "楷体")


@functools.cache
def reference_docx() -> bytes:  # noqa: C901 — one long, linear list of style settings
    """A Word reference document: pandoc's default, adjusted for Chinese reports.

    A4 with GB/T 9704 margins; body 宋体 14 pt with a two-character first-line
    indent and 1.5 line spacing; title 宋体 bold 22 pt centred; Heading 1 黑体,
    Heading 2 楷体, Heading 3 宋体 bold, all black; tables with thin rules, table
    captions 黑体 bold above and kept with their table, charts with 12 pt above;
    page numbers "— 1 —" at the foot, odd pages right, even pages left (as the PDF). What a style cannot say (full-width
    tables, bold header rows, rows not split) is done by :func:`tidy_docx`.
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    raw = run_tool([pandoc_path(), "--print-default-data-file", "reference.docx"],
               what="pandoc 导出默认 reference.docx").stdout
    doc = Document(io.BytesIO(raw))
    styles = doc.styles

    def fonts(element, latin: str, east_asian: str) -> None:
        rpr = element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = OxmlElement("w:rFonts")
            rpr.insert(0, rfonts)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(attr), None)
        for attr in ("w:ascii", "w:hAnsi", "w:cs"):
            rfonts.set(qn(attr), latin)
        rfonts.set(qn("w:eastAsia"), east_asian)

    def first_line_chars(style, chars: int, size_pt: float) -> None:
        ppr = style.element.get_or_add_pPr()
        ind = ppr.find(qn("w:ind"))
        if ind is None:
            ind = OxmlElement("w:ind")
            ppr.append(ind)
        for attr in list(ind.attrib):
            ind.attrib.pop(attr)
        ind.set(qn("w:firstLineChars"), str(chars * 100))
        ind.set(qn("w:firstLine"), str(int(chars * size_pt * 20)))

    def find_style(name: str):
        # by name, else by id ("Caption" is stored as the built-in "caption")
        key = name.replace(" ", "")
        for st in styles:
            if st.name == name:
                return st
        for st in styles:
            if st.style_id == key:
                return st
        return None

    def para_style(name: str, *, font=_BODY_FONT, size: float | None = None,
                   bold: bool | None = None, indent: int | None = None,
                   align=None, line: float | None = None, before=None, after=None):
        style = find_style(name)
        if style is None:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        fonts(style.element, *font)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False
        if size is not None:
            style.font.size = Pt(size)
        if bold is not None:
            style.font.bold = bold
        pf = style.paragraph_format
        if indent is not None:
            if indent:
                first_line_chars(style, indent, size or 14)
            else:
                pf.first_line_indent = Pt(0)
                ind = style.element.get_or_add_pPr().find(qn("w:ind"))
                if ind is not None:
                    ind.attrib.pop(qn("w:firstLineChars"), None)
        if align is not None:
            pf.alignment = align
        if line is not None:
            pf.line_spacing = line
        if before is not None:
            pf.space_before = Pt(before)
        if after is not None:
            pf.space_after = Pt(after)
        return style

    # document defaults: East Asian text in 宋体, language zh-CN
    rpr_default = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    rpr = rpr_default.find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), _BODY_FONT[0])
    rfonts.set(qn("w:eastAsia"), _BODY_FONT[1])
    lang_el = rpr.find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        rpr.append(lang_el)
    lang_el.set(qn("w:eastAsia"), "zh-CN")

    para_style("Normal", size=14)
    for name in ("Body Text", "First Paragraph"):
        para_style(name, size=14, indent=2, line=1.5, before=0, after=0,
                   align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    compact = para_style("Compact", size=12, indent=0, line=1.0, before=0, after=0,
                         align=WD_ALIGN_PARAGRAPH.LEFT)
    # in a table cell no extra space between Chinese and figures (Word's and WPS's default
    # "自动调整中文与西文/数字间距"): a date or "38户128人" is as wide as the Lua filter
    # measured it and stays on one line, as in the PDF
    ppr = compact.element.get_or_add_pPr()
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        if ppr.find(qn(tag)) is None:
            off = OxmlElement(tag)
            off.set(qn("w:val"), "0")
            _before(ppr, off, ("w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing",
                               "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap",
                               "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                               "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"))
    para_style("Title", size=22, bold=True, indent=0, line=1.25, before=0, after=18,
               align=WD_ALIGN_PARAGRAPH.CENTER)
    heading_fonts = {1: (_HEI_FONT, False), 2: (_KAI_FONT, False), 3: (_BODY_FONT, True)}
    for level in range(1, 7):
        font, bold = heading_fonts.get(level, (_BODY_FONT, False))
        st = para_style(f"Heading {level}", font=font, size=14, bold=bold, indent=2,
                        line=1.5, before=6, after=6, align=WD_ALIGN_PARAGRAPH.LEFT)
        st.paragraph_format.keep_with_next = True
    # a table caption sits above its table (and stays with it), a chart's below it;
    # charts and captions keep clear of the table or text before them
    for name, before, after in (("Caption", 6, 6), ("Table Caption", 12, 4),
                                ("Image Caption", 4, 12)):
        st = para_style(name, font=_HEI_FONT if name == "Table Caption" else _BODY_FONT,
                        size=12, bold=name == "Table Caption", indent=0, line=1.25,
                        before=before, after=after, align=WD_ALIGN_PARAGRAPH.CENTER)
        if name == "Table Caption":
            st.paragraph_format.keep_with_next = True
    for name in ("Captioned Figure", "Figure"):
        st = para_style(name, indent=0, align=WD_ALIGN_PARAGRAPH.CENTER, line=1.0,
                        before=12, after=0)
        st.paragraph_format.keep_with_next = True

    # the 落款: issuing office and date, right-aligned under the body (a custom style the
    # Lua filter names), with room above as in a printed 公文
    para_style("Signature", size=14, indent=0, line=1.5, before=24, after=0,
               align=WD_ALIGN_PARAGRAPH.RIGHT).paragraph_format.right_indent = Pt(28)
    # the county's numbered lists read like the body: 14 pt, 1.5 lines (tidy_docx gives a
    # list in the body "List Paragraph"; pandoc's "Compact" stays the table cells' style)
    para_style("List Paragraph", size=14, indent=0, line=1.5, before=0, after=0,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    for name in ("List Number", "List Bullet"):
        if find_style(name) is not None:
            para_style(name, size=14, line=1.5)

    # thin rules on every cell of pandoc's "Table" style
    table_style = find_style("Table")
    if table_style is not None:
        el = table_style.element
        tblpr = el.find(qn("w:tblPr"))
        if tblpr is None:
            tblpr = OxmlElement("w:tblPr")
            el.append(tblpr)
        old = tblpr.find(qn("w:tblBorders"))
        if old is not None:
            tblpr.remove(old)
        borders = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            b = OxmlElement(f"w:{edge}")
            b.set(qn("w:val"), "single")
            b.set(qn("w:sz"), "4")
            b.set(qn("w:space"), "0")
            b.set(qn("w:color"), "000000")
            borders.append(b)
        tblpr.append(borders)

    def page_number(para, align, side: str) -> None:
        para.text = ""
        para.alignment = align
        if side == "right":
            para.paragraph_format.right_indent = Pt(14)
        else:
            para.paragraph_format.left_indent = Pt(14)

        def run(text: str | None = None):
            r = para.add_run(text or "")
            fonts(r._r, *_BODY_FONT)
            r.font.size = Pt(14)
            return r

        run("— ")
        for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), (None, None),
                            ("end", None)):
            r = run("1" if (kind is None and instr is None) else None)
            if kind:
                fld = OxmlElement("w:fldChar")
                fld.set(qn("w:fldCharType"), kind)
                r._r.append(fld)
            elif instr:
                it = OxmlElement("w:instrText")
                it.set(qn("xml:space"), "preserve")
                it.text = instr
                r._r.append(it)
        run(" —")

    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)

    # page numbers "— 1 —" as in the PDF: odd pages at the right, even pages at the left
    # (one em in from the edge of the text), so a printed, bound copy shows them outside
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        footer.is_linked_to_previous = False
        page_number(footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph(), align, side)

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
