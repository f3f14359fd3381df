"""Render a report's Markdown to HTML, PDF and DOCX.

One entry point, :func:`render`, with two backends:

``pandoc`` (default where Quarto is absent)
    pandoc from PyPI ``pypandoc-binary``, run as one subprocess that parses the
    Markdown once and writes the HTML, the DOCX and the Typst source (the custom writer
    ``zhenxing-writer.lua``), and the ``typst`` Python package for the PDF. No LaTeX,
    no browser, no download.
``quarto``
    the Quarto CLI (``quarto render``) as a subprocess, used when a ``quarto``
    binary is on PATH or asked for (``backend="quarto"`` or the environment
    variable ``ZHENXING_RENDER_BACKEND=quarto``).

Every output is written into a temporary folder inside ``out_dir`` and moved into
place with :func:`os.replace` only once all requested formats are done, so an
interrupted or failed render never leaves a complete-looking report (and never a
mix of new and old formats).

Templates (HTML template and CSS, Typst template, Lua filter) live in
``zhenxing/templates``; the Word reference document is generated from pandoc's
default one with python-docx (see :func:`reference_docx`).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BACKENDS",
    "FORMATS",
    "CJKFonts",
    "FontNotFoundError",
    "QuartoNotFoundError",
    "RenderError",
    "cjk_fonts",
    "reference_docx",
    "render",
    "resolve_backend",
]

FORMATS: tuple[str, ...] = ("html", "pdf", "docx")
BACKENDS: tuple[str, ...] = ("pandoc", "quarto")
BACKEND_ENV = "ZHENXING_RENDER_BACKEND"
FONT_DIR_ENV = "ZHENXING_FONT_DIR"

TEMPLATES = Path(__file__).resolve().parent / "templates"
HTML_TEMPLATE = TEMPLATES / "report.html"
HTML_CSS = TEMPLATES / "report.css"
TYPST_TEMPLATE = TEMPLATES / "report.typst"
LUA_FILTER = TEMPLATES / "zhenxing.lua"
WRITER = TEMPLATES / "zhenxing-writer.lua"  # HTML, Typst and DOCX from one parse
QUARTO_LARGE_PRINT = TEMPLATES / "quarto-large-print.html"

# pandoc Markdown; a line break inside a Chinese paragraph must not become a space,
# and "@word" is text, not a citation.
PANDOC_FROM = "markdown+east_asian_line_breaks-citations"
SUBPROCESS_TIMEOUT = 600  # seconds, per pandoc/quarto call

_PDF_EAST_ASIAN_LANGS = {"zh": "zh", "ja": "ja", "ko": "ko"}


class RenderError(RuntimeError):
    """A report could not be rendered; the message says why (Chinese first)."""


class FontNotFoundError(RenderError):
    """No CJK font was found for the PDF."""


class QuartoNotFoundError(RenderError):
    """The quarto backend was asked for but no ``quarto`` binary is on PATH."""


# --------------------------------------------------------------------------- fonts


@dataclass(frozen=True)
class CJKFonts:
    """The CJK font files found on this machine and the family names to ask for.

    ``serif_family`` is the body face (Song style), ``sans_family`` the Hei face for
    headings, ``title_weight`` the heaviest weight available for the title.
    """

    serif_family: str
    sans_family: str
    title_weight: str
    files: tuple[Path, ...]

    @property
    def dirs(self) -> list[Path]:
        """The distinct folders holding :attr:`files`, in order."""
        seen: dict[Path, None] = {}
        for f in self.files:
            seen.setdefault(f.parent, None)
        return list(seen)


# NotoSerifCJK-Regular.ttc (Debian fonts-noto-cjk; the collection holds the SC
# family), NotoSansCJKsc-Bold.otf (region-specific OTF). Mono and JP/TC/KR-only
# files do not match.
_FONT_FILE = re.compile(
    r"^noto(?P<kind>serif|sans)cjk(?:sc)?-(?P<weight>[a-z]+)\.(?:ttc|otf|ttf)$",
    re.IGNORECASE,
)
_FAMILY = {"serif": "Noto Serif CJK SC", "sans": "Noto Sans CJK SC"}


def _standard_font_dirs() -> list[Path]:
    """Font folders searched after ``$ZHENXING_FONT_DIR``, in order."""
    home = Path.home()
    return [
        home / ".local" / "share" / "fonts",
        home / ".fonts",
        Path("/usr/local/share/fonts"),
        Path("/usr/share/fonts"),
        home / "Library" / "Fonts",
        Path("/Library/Fonts"),
    ]


def _font_search_dirs() -> list[Path]:
    dirs: list[Path] = []
    env = os.environ.get(FONT_DIR_ENV, "").strip()
    if env:
        dirs.extend(Path(p).expanduser() for p in env.split(os.pathsep) if p.strip())
    dirs.extend(_standard_font_dirs())
    return dirs


def cjk_fonts(search_dirs: Iterable[Path | str] | None = None) -> CJKFonts:
    """Find Noto CJK SC font files (Song/serif for the body, Hei/sans for headings).

    Searches ``$ZHENXING_FONT_DIR`` (one folder or several joined by ``os.pathsep``),
    ``~/.local/share/fonts``, ``~/.fonts``, ``/usr/local/share/fonts`` and
    ``/usr/share/fonts`` (recursively) unless ``search_dirs`` is given.
    Raises :class:`FontNotFoundError`, naming the Debian package, if none is found.
    """
    dirs = [Path(d) for d in search_dirs] if search_dirs is not None else _font_search_dirs()
    found: dict[tuple[str, str], Path] = {}
    for base in dirs:
        if not base.is_dir():
            continue
        for root, subdirs, files in os.walk(base, followlinks=True):
            subdirs.sort()
            for name in sorted(files):
                m = _FONT_FILE.match(name)
                if m:
                    key = (m["kind"].lower(), m["weight"].lower())
                    found.setdefault(key, Path(root) / name)
    serif = {w: p for (k, w), p in found.items() if k == "serif"}
    sans = {w: p for (k, w), p in found.items() if k == "sans"}
    if "regular" not in serif and "regular" not in sans:
        searched = "、".join(str(d) for d in dirs) or "（无）"
        raise FontNotFoundError(
            "未找到中文字体（Noto Serif CJK SC / Noto Sans CJK SC），无法生成 PDF。"
            "请安装 Debian 软件包 fonts-noto-cjk（sudo apt-get install fonts-noto-cjk），"
            f"或把字体文件所在目录写入环境变量 {FONT_DIR_ENV}。已查找：{searched}。"
            " | No CJK font found: install the Debian package fonts-noto-cjk "
            f"or set {FONT_DIR_ENV} to a folder holding NotoSerifCJK-Regular.ttc."
        )
    body = serif if "regular" in serif else sans
    heading = sans if "regular" in sans or "bold" in sans else body
    serif_family = _FAMILY["serif"] if body is serif else _FAMILY["sans"]
    sans_family = _FAMILY["sans"] if heading is sans else serif_family
    title_weight = next((w for w in ("black", "heavy", "bold") if w in body), "bold")
    wanted = {"regular", "bold", title_weight}
    files = [p for w, p in sorted(body.items()) if w in wanted]
    if heading is not body:
        files += [p for w, p in sorted(heading.items()) if w in {"regular", "bold"}]
    return CJKFonts(serif_family, sans_family, title_weight, tuple(files))


# ---------------------------------------------------------------------- backends


def resolve_backend(backend: str | None = None) -> str:
    """Pick the backend: the argument, else ``$ZHENXING_RENDER_BACKEND``, else
    ``quarto`` when a ``quarto`` binary is on PATH, else ``pandoc``."""
    choice = (backend or os.environ.get(BACKEND_ENV) or "").strip().lower()
    if choice in ("", "auto"):
        return "quarto" if shutil.which("quarto") else "pandoc"
    if choice not in BACKENDS:
        raise ValueError(
            f"未知的渲染后端 {choice!r}，可选：{', '.join(BACKENDS)} "
            f"(unknown render backend)"
        )
    if choice == "quarto" and shutil.which("quarto") is None:
        raise QuartoNotFoundError(
            "要求使用 quarto 渲染，但 PATH 中没有 quarto 命令。请安装 Quarto CLI，"
            f"或改用 pandoc 后端（backend='pandoc' 或 {BACKEND_ENV}=pandoc）。"
            " | backend 'quarto' requested but no quarto binary is on PATH."
        )
    return choice


@functools.cache
def _pandoc() -> str:
    import pypandoc

    path = pypandoc.get_pandoc_path()
    if not path or not Path(path).exists():  # pragma: no cover - broken install
        raise RenderError("找不到 pandoc（应由 PyPI 包 pypandoc-binary 提供）。")
    return str(path)


def _run(cmd: Sequence[str], *, what: str, cwd: Path | None = None,
         stdin: str | None = None) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(
            list(cmd),
            input=stdin.encode("utf-8") if stdin is not None else None,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True,
            cwd=cwd,
            timeout=SUBPROCESS_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"{what} 超时（{SUBPROCESS_TIMEOUT} 秒）。") from exc
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{what} 失败（退出码 {proc.returncode}）：{err}")
    return proc


def _pandoc_run(args: Sequence[str], markdown: str, *, what: str, cwd: Path) -> bytes:
    return _run([_pandoc(), *args], what=what, cwd=cwd, stdin=markdown).stdout


@functools.cache
def _translations(lang: str) -> bytes | None:
    """pandoc's term translations for a Chinese ``lang``: pandoc ships
    zh-Hans.yaml and zh-Hant.yaml but looks for zh-CN.yaml, then zh.yaml, and
    warns (so fails, with --fail-if-warnings) when neither exists."""
    parts = [p.lower() for p in re.split(r"[-_]", lang)]
    if not parts or parts[0] != "zh":
        return None
    script = "Hant" if {"hant", "tw", "hk", "mo"} & set(parts[1:]) else "Hans"
    return _run([_pandoc(), "--print-default-data-file", f"translations/zh-{script}.yaml"],
                what="pandoc 读取翻译文件").stdout


def _data_dir(build: Path, lang: str) -> Path:
    """A pandoc user data dir of our own (never ~/.local/share/pandoc, so a user's
    custom defaults cannot change the report), holding translations for ``lang``."""
    data = build / "pandoc-data"
    if not data.is_dir():
        (data / "translations").mkdir(parents=True)
        terms = _translations(lang)
        if terms is not None:
            (data / "translations" / f"{lang}.yaml").write_bytes(terms)
    return data


def _common_args(title: str, lang: str, resources: Path, build: Path, *, lua_filter: bool = True) -> list[str]:
    """What every conversion passes; ``lua_filter`` False for the custom writer, which
    runs the filter itself, once per format."""
    data_dir = _data_dir(build, lang)
    return [
        "--from", PANDOC_FROM,
        "--data-dir", str(data_dir),
        *(["--lua-filter", str(LUA_FILTER)] if lua_filter else []),
        "--resource-path", str(resources),
        "--metadata", f"title={title}",
        "--metadata", f"lang={lang}",
        "--fail-if-warnings",
    ]


# A resource the browser would fetch from elsewhere: src/srcset/poster/data/
# xlink:href attributes, stylesheet or script links, CSS url() and @import.
_REMOTE_RESOURCE = re.compile(
    r"""(?:\b(?:src|srcset|poster|data|xlink:href)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//"""
    r"""|@import\s+["']?(?:url\()?\s*["']?(?:https?:)?//)""",
    re.IGNORECASE,
)


def _check_html(path: Path) -> None:
    html = path.read_text(encoding="utf-8")
    m = _REMOTE_RESOURCE.search(html)
    if m:
        snippet = html[max(0, m.start() - 40): m.end() + 60].replace("\n", " ")
        raise RenderError(f"HTML 引用了外部资源（政府网站不允许）：…{snippet}…")


def _typst_lang(lang: str) -> tuple[str, str]:
    parts = re.split(r"[-_]", lang.strip())
    language = parts[0].lower() or "zh"
    region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), "")
    if not region and language == "zh":
        region = "CN"
    return language, region


def _font_dir(fonts: CJKFonts, build: Path) -> list[str]:
    """A folder holding only the fonts we use (symlinks), so Typst scans 2–5 files
    instead of every system font; falls back to the fonts' own folders."""
    folder = build / "fonts"
    try:
        folder.mkdir()
        for i, f in enumerate(fonts.files):
            (folder / f"{i}-{f.name}").symlink_to(f.resolve())
        return [str(folder)]
    except OSError:
        return [str(d) for d in fonts.dirs]


_FONT_SETS: dict = {}


def _typst_fonts(fonts: CJKFonts):
    """One typst.Fonts per process and font set, in a stable folder: a new font set per
    render makes Typst load ~90 MB of CJK fonts again each time and keep them (measured:
    +90 MB per report in a worker), a shared one is loaded once."""
    import typst

    key = tuple(str(f) for f in fonts.files)
    if key not in _FONT_SETS:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "zhenxing"
        base.mkdir(parents=True, exist_ok=True)
        stable = base / ("typst-fonts-" + hashlib.sha1("|".join(key).encode()).hexdigest()[:12])
        if not stable.exists():
            tmp = Path(tempfile.mkdtemp(dir=base, prefix=".fonts-"))
            _font_dir(fonts, tmp)
            try:
                os.replace(tmp / "fonts", stable)
            except OSError:  # another process made it first
                pass
            shutil.rmtree(tmp, ignore_errors=True)
        _FONT_SETS[key] = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True,
                                      font_paths=[str(stable)])
    return _FONT_SETS[key]


def _pandoc_formats(markdown: str, build: Path, outs: dict[str, Path], *, title: str, lang: str,
                    resources: Path) -> None:
    """The formats of ``outs`` (html, pdf via Typst, docx) from one pandoc process: the
    custom writer zhenxing-writer.lua parses the Markdown once and runs the filter and
    pandoc's HTML, Typst and DOCX writers as `pandoc --to <format>` would (the HTML made
    self-contained as `--embed-resources` makes it). Then the HTML is checked for outside
    resources, Typst compiles the PDF and the DOCX is tidied."""
    html, pdf, docx = outs.get("html"), outs.get("pdf"), outs.get("docx")
    args = [*_common_args(title, lang, resources, build, lua_filter=False),
            "--to", str(WRITER),
            "--variable", f"zx-filter={LUA_FILTER}",
            "--output", os.devnull]
    if html is not None:
        args += ["--variable", f"zx-html={html.name}", "--variable", f"zx-html-template={HTML_TEMPLATE}",
                 "--variable", f"zx-css={HTML_CSS}"]
    typ = None
    if pdf is not None:
        fonts = cjk_fonts()
        language, region = _typst_lang(lang)
        typ = build / (pdf.stem + ".typ")
        args += ["--variable", f"zx-typst={typ.name}", "--variable", f"zx-typst-template={TYPST_TEMPLATE}",
                 "--variable", "zx-media=media",
                 "--variable", f"serif-font={fonts.serif_family}",
                 "--variable", f"sans-font={fonts.sans_family}",
                 "--variable", f"title-weight={fonts.title_weight}",
                 "--variable", f"typst-lang={language}",
                 "--variable", f"typst-region={region}"]
    if docx is not None:
        png_twins(markdown, resources)
        (build / "reference.docx").write_bytes(reference_docx())
        args += ["--variable", f"zx-docx={docx.name}", "--variable", "zx-reference-doc=reference.docx"]
    what = "pandoc 生成 " + "、".join(n for n, f in (("HTML", html), ("Typst", pdf), ("DOCX", docx))
                                     if f is not None)
    _pandoc_run(args, markdown, what=what, cwd=build)
    if html is not None:
        if not html.is_file():
            raise RenderError("pandoc 没有生成 HTML。")
        _check_html(html)
    if docx is not None:
        if not docx.is_file():
            raise RenderError("pandoc 没有生成 DOCX。")
        tidy_docx(docx)
    if pdf is not None:
        _typst_pdf(typ, pdf, build, fonts)


def _typst_pdf(typ: Path, out: Path, build: Path, fonts: CJKFonts) -> None:
    font_set = _typst_fonts(fonts)
    detail = _typst_compile(typ, out, build, font_set)
    if detail and "did not converge" in detail:
        # adaptive chart placement oscillated: charts at their natural size instead
        src = typ.read_text(encoding="utf-8")
        typ.write_text(src.replace("#let zx-adaptive = true", "#let zx-adaptive = false", 1), encoding="utf-8")
        detail = _typst_compile(typ, out, build, font_set)
    if detail:
        raise RenderError(f"Typst 排版有警告，按规定视为失败（如字体缺失会显示为空框）：{detail}")
    if not out.exists() or out.stat().st_size == 0:
        raise RenderError("Typst 没有生成 PDF。")


def _typst_compile(typ: Path, out: Path, build: Path, font_set) -> str:
    """Compile; return the warnings as one text ("" when none). Errors raise."""
    import typst
    try:
        _, warnings = typst.compile_with_warnings(
            str(typ), output=str(out), root=str(build), font_paths=font_set
        )
    except typst.TypstError as exc:
        detail = getattr(exc, "diagnostic", "") or str(exc)
        raise RenderError(f"Typst 排版失败：{detail}") from exc
    return "；".join(
        getattr(w, "diagnostic", "") or getattr(w, "message", "") or str(w)
        for w in warnings or []
    )


def _local(target: str) -> bool:
    """An image target relative to the resources folder (not a URL, not an absolute path)."""
    return not (re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or Path(target).is_absolute())


PNG_PPI = 200  # the bitmap twin of a chart for Word: 1000 px across a 5 in chart
_SVG_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+\.svg)\)")


def png_twins(markdown: str, resources: Path, *, ppi: int = PNG_PPI) -> list[Path]:
    """Write ``x.png`` beside every local SVG image ``x.svg`` of the document whose PNG twin
    is missing or older than it, and return them. Word cannot be relied on to show SVG
    (WPS and older Word do not), so DOCX shows the PNG (the Lua filter picks it), while
    HTML and PDF keep the SVG. All twins come from one Typst compile, each SVG on a page
    of its own size, with the PDF's fonts: the bitmap is the same drawing as the PDF's
    chart."""
    resources = Path(resources).resolve()
    todo = []
    for target in dict.fromkeys(_SVG_IMAGE.findall(markdown)):
        if not _local(target):
            continue
        svg = (resources / target).resolve()
        if not svg.is_file() or not svg.is_relative_to(resources):
            continue
        png = svg.with_suffix(".png")
        if not png.exists() or png.stat().st_mtime_ns < svg.stat().st_mtime_ns:
            todo.append(svg)
    if not todo:
        return []
    import typst

    font_set = _typst_fonts(cjk_fonts())
    pages = "\n#pagebreak()\n".join(f"#image({json.dumps('/' + p.relative_to(resources).as_posix())})"
                                     for p in todo)
    fd, name = tempfile.mkstemp(prefix=".charts.", suffix=".typ", dir=resources)
    main = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("#set page(width: auto, height: auto, margin: 0pt, fill: white)\n" + pages + "\n")
        try:
            images, warnings = typst.compile_with_warnings(str(main), format="png", ppi=ppi,
                                                           root=str(resources), font_paths=font_set)
        except typst.TypstError as exc:
            raise RenderError(f"图表转为 PNG 失败：{getattr(exc, 'diagnostic', '') or exc}") from exc
    finally:
        main.unlink(missing_ok=True)
    if warnings:
        detail = "；".join(getattr(w, "message", "") or str(w) for w in warnings)
        raise RenderError(f"图表转为 PNG 时有警告，按规定视为失败（如字体缺失会显示为空框）：{detail}")
    images = [images] if isinstance(images, bytes) else list(images)
    if len(images) != len(todo):
        raise RenderError(f"图表转为 PNG：{len(todo)} 张图得到 {len(images)} 页。")
    out = []
    for svg, data in zip(todo, images):
        data = _with_ppi(data, ppi)
        png = svg.with_suffix(".png")
        tmp = png.with_name(f".{png.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, png)
        out.append(png)
    return out


def _with_ppi(png: bytes, ppi: int) -> bytes:
    """The PNG with its resolution stated (a pHYs chunk after IHDR), so Word shows it at
    its drawn size (5 in), not at 96 dpi; Typst's PNG does not state it."""
    import struct
    import zlib
    head = 8 + 8 + 13 + 4  # signature, IHDR (length, type, 13 bytes of data, CRC)
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR" or b"pHYs" in png[head:head + 64]:
        return png
    ppm = round(ppi / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", ppm, ppm, 1)
    chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    return png[:head] + chunk + png[head:]


# A4 less the reference document's left and right margins (28 mm + 26 mm), in twips
DOCX_TEXT_WIDTH_TWIPS = round((210 - 28 - 26) / 25.4 * 1440)


def tidy_docx(path: Path) -> None:
    """What a reference document cannot say, done on pandoc's DOCX in place.

    Every table spans the text width (its columns scaled to it, in the proportions the
    Lua filter gave), is centred, has a bold, centred header row repeated on each page,
    and no row split across two pages; a paragraph right after a table gets space above
    it, so text and charts do not sit flush against the table's last rule.
    """
    import zipfile

    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.opc.oxml import serialize_part_xml
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import qn
    from docx.shared import Pt

    # Only word/document.xml changes: it is parsed with python-docx's element classes
    # (which keep children in schema order) and the package is rewritten with every other
    # part as pandoc wrote it — not opened and saved whole by python-docx, which parses
    # and re-serialises every part (a tenth of a second per report).
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        parts = {i.filename: z.read(i) for i in infos}
    root = parse_xml(parts["word/document.xml"])
    body = root.find(qn("w:body"))

    def child(parent, tag: str, *, first: bool = False):
        el = parent.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            if first:
                parent.insert(0, el)
            else:
                parent.append(el)
        return el

    for tbl in body.iter(qn("w:tbl")):
        tblpr = child(tbl, "w:tblPr", first=True)
        width = child(tblpr, "w:tblW")
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
        rows = tbl.findall(qn("w:tr"))
        wide = grid is not None and len(grid.findall(qn("w:gridCol"))) >= 6
        # python-docx's element classes insert children in schema order (Word
        # refuses a file whose elements are out of order)
        if wide:  # 五号 (10.5 pt) in tables of six columns or more, as in the PDF
            for run in tbl.iter(qn("w:r")):
                run.get_or_add_rPr().get_or_add_sz().val = Pt(10.5)
        for i, tr in enumerate(rows):
            trpr = tr.get_or_add_trPr()
            if trpr.find(qn("w:cantSplit")) is None:
                cant = OxmlElement("w:cantSplit")
                after = [trpr.find(qn(t)) for t in ("w:trHeight", "w:tblHeader", "w:jc")]
                after = [e for e in after if e is not None]
                if after:
                    after[0].addprevious(cant)
                else:
                    trpr.append(cant)
            header = trpr.find(qn("w:tblHeader")) is not None or i == 0
            if not header:
                continue
            if trpr.find(qn("w:tblHeader")) is None:
                head = OxmlElement("w:tblHeader")
                jc = trpr.find(qn("w:jc"))
                if jc is not None:
                    jc.addprevious(head)
                else:
                    trpr.append(head)
            for para in tr.iter(qn("w:p")):
                para.get_or_add_pPr().jc_val = WD_ALIGN_PARAGRAPH.CENTER
                for run in para.iter(qn("w:r")):
                    run.get_or_add_rPr().get_or_add_b().val = True
        # space between the table and what follows it
        nxt = tbl.getnext()
        if nxt is not None and nxt.tag == qn("w:p"):
            spacing = nxt.get_or_add_pPr().get_or_add_spacing()
            if (spacing.before or 0) < Pt(12):
                spacing.before = Pt(12)
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


def _render_pandoc(markdown: str, build: Path, formats: Sequence[str], *, title: str,
                   lang: str, resources: Path, basename: str, spread: bool = False) -> dict[str, Path]:
    """Every format from one pandoc process (one parse of the Markdown; see
    _pandoc_formats), or with ``spread`` a process per format at the same time (one parse
    each, but sooner done when cores are idle, as for the county summary, the last render
    of a run). Each format has its own output file in ``build``; the shared pandoc data
    dir is made before they start. When several fail, the error of the first format in
    order (html, pdf, docx) is raised."""
    from concurrent.futures import ThreadPoolExecutor

    _data_dir(build, lang)
    outs = {fmt: build / f"{basename}.{fmt}" for fmt in formats}
    parts = [{f: p} for f, p in outs.items()] if spread else [outs]
    if len(parts) == 1:
        _pandoc_formats(markdown, build, parts[0], title=title, lang=lang, resources=resources)
        return outs
    with ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="render") as pool:
        futures = [pool.submit(_pandoc_formats, markdown, build, part, title=title, lang=lang,
                               resources=resources) for part in parts]
    for f in futures:
        f.result()
    return outs


# ------------------------------------------------------------------------ quarto


def _image_sources(markdown: str, build: Path) -> list[str]:
    """Targets of every image in the document (pandoc's own parser)."""
    raw = _pandoc_run(["--from", PANDOC_FROM, "--to", "json"], markdown,
                      what="pandoc 解析 Markdown", cwd=build)
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("t") == "Image":
                found.append(node["c"][2][0])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(raw))
    return found


def _qmd(markdown: str, *, title: str, lang: str, fonts: CJKFonts | None) -> str:
    fmt: dict[str, dict] = {
        "html": {
            "embed-resources": True,
            "html-math-method": "plain",
            "toc": False,
            "anchor-sections": False,
            "include-before-body": ["quarto-large-print.html"],
        },
        "typst": {
            "papersize": "a4",
            "fontsize": "14pt",
            "margin": {"top": "37mm", "bottom": "35mm", "left": "28mm", "right": "26mm"},
            "section-numbering": None,
        },
        "docx": {"reference-doc": "reference.docx"},
    }
    if fonts is not None:
        fmt["typst"]["mainfont"] = fonts.serif_family
        fmt["typst"]["font-paths"] = [str(d) for d in fonts.dirs]
    front = {
        "title": title,
        "lang": lang,
        "format": fmt,
        "filters": ["zhenxing.lua"],
        "execute": {"echo": False},
    }
    # JSON is valid YAML, and it quotes the title safely.
    return "---\n" + json.dumps(front, ensure_ascii=False, indent=2) + "\n---\n\n" + markdown


_QUARTO_TO = {"html": "html", "pdf": "typst", "docx": "docx"}


def _render_quarto(markdown: str, build: Path, formats: Sequence[str], *, title: str,
                   lang: str, resources: Path, basename: str) -> dict[str, Path]:
    quarto = shutil.which("quarto")
    if quarto is None:
        resolve_backend("quarto")  # raises the explanatory error
    src = build / "quarto"
    src.mkdir()
    if "docx" in formats:
        png_twins(markdown, resources)
    # Quarto (and Typst under it) resolve images next to the .qmd: copy them there.
    for target in _image_sources(markdown, build):
        if not _local(target):
            continue
        source = (resources / target).resolve()
        dest = (src / target).resolve()
        if source.is_file() and dest.is_relative_to(src.resolve()):
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)
            for twin in (".svg", ".png"):  # the Lua filter picks one per format
                if source.with_suffix(twin).is_file() and not dest.with_suffix(twin).exists():
                    shutil.copy2(source.with_suffix(twin), dest.with_suffix(twin))
    shutil.copy2(QUARTO_LARGE_PRINT, src / QUARTO_LARGE_PRINT.name)
    shutil.copy2(LUA_FILTER, src / "zhenxing.lua")
    fonts = cjk_fonts() if "pdf" in formats else None
    if "docx" in formats:
        (src / "reference.docx").write_bytes(reference_docx())
    qmd = src / f"{basename}.qmd"
    qmd.write_text(_qmd(markdown, title=title, lang=lang, fonts=fonts), encoding="utf-8")
    done: dict[str, Path] = {}
    for fmt in formats:
        name = f"{basename}.{fmt}"
        _run([quarto, "render", qmd.name, "--to", _QUARTO_TO[fmt], "--output", name],
             what=f"quarto render（{fmt}）", cwd=src)
        out = src / name
        if not out.is_file():
            raise RenderError(f"quarto render 没有生成 {name}。")
        if fmt == "html":
            _check_html(out)
        done[fmt] = out
    return done


# ------------------------------------------------------------------------ render


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def render(
    markdown: str,
    out_dir: Path,
    *,
    title: str,
    formats: Iterable[str] = FORMATS,
    resources: Path | None = None,
    backend: str | None = None,
    basename: str = "report",
    lang: str = "zh-CN",
    spread: bool = False,
) -> dict[str, Path]:
    """Render ``markdown`` (pandoc Markdown) to ``out_dir/<basename>.<format>``.

    ``title`` becomes the document title (HTML ``<title>`` and ``<h1>``, the PDF's
    centred title, Word's Title style); the Markdown itself starts at ``##``.
    Image paths are relative to ``resources`` (default: ``out_dir``). ``spread``: one
    process per format (pandoc backend), for a render with cores to spare.
    ``backend`` is ``"pandoc"``, ``"quarto"`` or None (``$ZHENXING_RENDER_BACKEND``,
    else quarto if on PATH, else pandoc). Returns ``{format: path}``.

    All formats are rendered into a temporary folder in ``out_dir`` and moved into
    place only when every one succeeded; on error nothing is written and
    :class:`RenderError` (or a subclass) is raised.
    """
    if isinstance(formats, str):
        formats = [f for f in re.split(r"[,\s]+", formats) if f]
    wanted: list[str] = []
    for fmt in formats:
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise ValueError(f"不支持的格式 {fmt!r}，可选：{', '.join(FORMATS)} (unknown format)")
        if fmt not in wanted:
            wanted.append(fmt)
    if not wanted:
        raise ValueError("没有要生成的格式 (no output format requested)")
    if not title or not title.strip():
        raise ValueError("报告标题不能为空 (title is empty)")
    if not basename or Path(basename).name != basename or basename.startswith("."):
        raise ValueError(f"文件名不合法：{basename!r} (basename must be a plain file name)")

    chosen = resolve_backend(backend)
    if "pdf" in wanted:
        cjk_fonts()  # fail fast, before any work, when the PDF could not have Chinese glyphs
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir = out_dir.resolve()
    resources = Path(resources).resolve() if resources is not None else out_dir
    title = " ".join(title.split())

    build = Path(tempfile.mkdtemp(prefix=f".{basename}.", suffix=".rendering", dir=out_dir))
    try:
        if chosen == "quarto":
            produced = _render_quarto(markdown, build, wanted, title=title, lang=lang,
                                      resources=resources, basename=basename)
        else:
            produced = _render_pandoc(markdown, build, wanted, title=title, lang=lang,
                                      resources=resources, basename=basename, spread=spread)
        for path in produced.values():
            _fsync(path)
        result: dict[str, Path] = {}
        for fmt in wanted:
            final = out_dir / f"{basename}.{fmt}"
            os.replace(produced[fmt], final)
            result[fmt] = final
        return result
    finally:
        shutil.rmtree(build, ignore_errors=True)


# -------------------------------------------------------------- reference.docx

_BODY_FONT = ("Times New Roman", "宋体")
_HEI_FONT = ("Times New Roman", "黑体")
_KAI_FONT = ("Times New Roman", "楷体")


@functools.cache
def reference_docx() -> bytes:
    """A Word reference document: pandoc's default, adjusted for Chinese reports.

    A4 with GB/T 9704 margins; body 宋体 14 pt with a two-character first-line
    indent and 1.5 line spacing; title 宋体 bold 22 pt centred; Heading 1 黑体,
    Heading 2 楷体, Heading 3 宋体 bold, all black; tables with thin rules, table
    captions 黑体 bold above and kept with their table, charts with 12 pt above;
    page numbers "— 1 —" centred in the footer. What a style cannot say (full-width
    tables, bold header rows, rows not split) is done by :func:`tidy_docx`.
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    raw = _run([_pandoc(), "--print-default-data-file", "reference.docx"],
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
    para_style("Compact", size=12, indent=0, line=1.0, before=0, after=0,
               align=WD_ALIGN_PARAGRAPH.LEFT)
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

    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)

    footer = section.footer
    footer.is_linked_to_previous = False
    para = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    para.text = ""
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER

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

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
