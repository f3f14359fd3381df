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
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from zhenxing.report.docx import DOCX_TEXT_WIDTH_TWIPS, reference_docx, tidy_docx  # noqa: F401
from zhenxing.report.errors import FontNotFoundError, QuartoNotFoundError, RenderError  # noqa: F401
from zhenxing.report.fonts import FONT_DIR_ENV, CJKFonts, cjk_fonts, typst_fonts  # noqa: F401
from zhenxing.report.tools import SUBPROCESS_TIMEOUT, pandoc_path, run_tool  # noqa: F401

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

_PDF_EAST_ASIAN_LANGS = {"zh": "zh", "ja": "ja", "ko": "ko"}


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


def _pandoc_run(args: Sequence[str], markdown: str, *, what: str, cwd: Path) -> bytes:
    return run_tool([pandoc_path(), *args], what=what, cwd=cwd, stdin=markdown).stdout


@functools.cache
def _translations(lang: str) -> bytes | None:
    """Pandoc's term translations for a Chinese ``lang``: pandoc ships
    zh-Hans.yaml and zh-Hant.yaml but looks for zh-CN.yaml, then zh.yaml, and
    warns (so fails, with --fail-if-warnings) when neither exists."""
    parts = [p.lower() for p in re.split(r"[-_]", lang)]
    if not parts or parts[0] != "zh":
        return None
    script = "Hant" if {"hant", "tw", "hk", "mo"} & set(parts[1:]) else "Hans"
    return run_tool([pandoc_path(), "--print-default-data-file", f"translations/zh-{script}.yaml"],
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
    font_set = typst_fonts(fonts)
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


# A4 less the reference document's left and right margins (28 mm + 26 mm), in twips
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
        run_tool([quarto, "render", qmd.name, "--to", _QUARTO_TO[fmt], "--output", name],
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

