"""The CJK fonts a PDF embeds: found on this machine, and loaded once per process for Typst."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from zhenxing.report.errors import FontNotFoundError

FONT_DIR_ENV = "ZHENXING_FONT_DIR"


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


def typst_fonts(fonts: CJKFonts):
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
