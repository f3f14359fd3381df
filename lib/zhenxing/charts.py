"""Charts: one matplotlib style, Chinese labels in an explicitly named CJK font.

Charts are drawn at the size they are shown in print (5 × 2.8 in, about 13 cm
wide, labels 11–12 pt) and kept as vector SVG: HTML and PDF use the SVG (sharp at
any zoom, labels stay text in HTML); DOCX uses a 200 ppi PNG rasterised from the same
SVG by Typst when the DOCX is rendered (``render.png_twins``). On a 390 px phone
the 5 in chart is scaled to about 0.75, so 11 pt labels still read at ~11 px.

Debian's fonts-noto-cjk ships the font as a collection (.ttc) whose first face is the
Japanese variant, and matplotlib only ever reads the first face. We extract the
Simplified Chinese face once (fontTools, a matplotlib dependency) into a cache and
name it explicitly, so Chinese never falls back to empty boxes or Japanese forms.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

FONT_FAMILY = "Noto Sans CJK SC"
FONT_DIRS = [os.environ.get("ZHENXING_FONT_DIR", ""), "/usr/share/fonts", "/usr/local/share/fonts",
             str(Path.home() / ".local/share/fonts")]
FIGSIZE = (5.0, 2.8)        # inches: drawn at print size, labels 11 pt
BAR_LABEL_SIZE = 11
MIN_FONT_PT = 10             # no text in a chart smaller than this (tests check)
COLORS = ["#1f4e79", "#c0392b", "#2e7d32", "#b9770e", "#6c3483", "#566573"]
_ready = False


def _font_cache() -> Path:
    p = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "zhenxing" / "fonts"
    p.mkdir(parents=True, exist_ok=True)
    return p


def find_cjk_font(family: str = FONT_FAMILY, bold: bool = False) -> Path:
    """A font file holding `family` as a standalone face (extracted from a .ttc if needed)."""
    weight = "Bold" if bold else "Regular"
    target = _font_cache() / f"{family.replace(' ', '')}-{weight}.otf"
    if target.exists():
        return target
    from fontTools.ttLib import TTCollection, TTFont
    for d in filter(None, FONT_DIRS):
        for f in sorted(Path(d).rglob("*")):
            if f.suffix.lower() not in (".ttc", ".otc", ".otf", ".ttf") or "CJK" not in f.name and "Han" not in f.name:
                continue
            if weight not in f.name and f.suffix.lower() in (".ttc", ".otc"):
                continue
            faces = TTCollection(str(f)).fonts if f.suffix.lower() in (".ttc", ".otc") else [TTFont(str(f))]
            for face in faces:
                if face["name"].getDebugName(1) == family:
                    tmp = target.with_suffix(f".{os.getpid()}.tmp")
                    face.save(str(tmp))
                    os.replace(tmp, target)
                    return target
    raise FileNotFoundError(
        f"未找到中文字体“{family}”，图表无法显示中文。请安装 Debian 软件包 fonts-noto-cjk"
        f"（scripts/setup.sh 会自动安装）或设置 ZHENXING_FONT_DIR [cjk_font_missing]")


def setup() -> None:
    """Register the CJK font and the house style (idempotent)."""
    global _ready
    if _ready:
        return
    for bold in (False, True):
        font_manager.fontManager.addfont(str(find_cjk_font(bold=bold)))
    plt.rcParams.update({
        "font.family": [FONT_FAMILY],
        "axes.unicode_minus": False,
        "figure.figsize": FIGSIZE,
        "figure.dpi": 110,
        "savefig.dpi": 200,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 13,
        "axes.titleweight": "bold",
        "axes.labelsize": 11,
        "xtick.labelsize": 11,
        "ytick.labelsize": 11,
        "legend.fontsize": 11,
        "axes.prop_cycle": matplotlib.cycler(color=COLORS),
        # text stays text in SVG (the browser draws it with the page's CJK font
        # stack; Typst with the PDF's embedded font), ids are stable run to run
        "svg.fonttype": "none",
        "svg.hashsalt": "zhenxing",
    })
    _ready = True


def _fmt(v: float, unit: str) -> str:
    """A figure on a chart and in its text alternative, written as the report's prose writes
    it: no thousands separators, 万元 to two decimals without trailing zeros (294, 199.5),
    percent to two decimals, whole numbers otherwise (half up, in decimal arithmetic)."""
    from . import text
    if unit == "万元":
        return text.wan(v).removesuffix("万元")
    if unit == "%":
        return text.fixed(v, 2)
    return text.fixed(v, 0) if float(v).is_integer() else text.fixed(v, 2)


def _wrap(label: str, width: int = 6) -> str:
    """A long category label on two or more lines (CJK counts one per character)."""
    label = str(label)
    if len(label) <= width + 1:
        return label
    return "\n".join(label[i:i + width] for i in range(0, len(label), width))


def _tight(fig) -> None:
    """Lay the chart out once (tight_layout) and fix that layout. tight_layout leaves a
    placeholder layout engine on the figure, and savefig draws a figure that has a layout
    engine one extra time (without output) before drawing it for real; with the layout
    already fixed that pass only costs time (about a third of each SVG or PNG encoding),
    so the engine is removed. The SVG and PNG bytes are the same either way (tests)."""
    fig.tight_layout()
    fig.set_layout_engine(None)


def bar(data: dict[str, float], title: str, unit: str, *, horizontal: bool | None = None,
        alt_prefix: str | None = None):
    """A labelled bar chart. Returns (figure, text alternative stating every number).

    A ``None`` value (a figure not computed) gets no bar, never a 0 bar; the text
    alternative says it was not computed."""
    setup()
    unknown = [k for k, v in data.items() if v is None]
    labels = [k for k, v in data.items() if v is not None]
    values = [float(data[k]) for k in labels]
    if horizontal is None:  # many bars, or labels too long to sit side by side under them
        horizontal = len(labels) > 6 or sum(len(str(k)) for k in labels) > 20

    fig, ax = plt.subplots(figsize=(FIGSIZE[0], max(2.4, 0.36 * len(labels) + 0.9)) if horizontal else FIGSIZE)
    shown = [_wrap(k) for k in labels]
    if horizontal:
        bars = ax.barh(shown[::-1], values[::-1], color=COLORS[0])
        ax.set_xlabel(unit)
    else:
        bars = ax.bar(shown, values, color=COLORS[: len(labels)] if len(labels) <= len(COLORS) else COLORS[0])
        ax.set_ylabel(unit)
    ax.bar_label(bars, labels=[_fmt(v, unit) for v in (values[::-1] if horizontal else values)], padding=3,
                 fontsize=BAR_LABEL_SIZE)
    ax.set_title(title)
    ax.margins(x=0.12) if horizontal else ax.margins(y=0.15)
    _tight(fig)
    parts = "，".join([f"{k}{_fmt(v, unit)}{unit}" for k, v in zip(labels, values)] + [f"{k}未计算" for k in unknown])
    alt = f"{alt_prefix or title}：{parts}。" if parts else f"{title}：无数据。"
    return fig, alt


def grouped_bar(data: dict[str, dict[str, float]], title: str, unit: str):
    """Bars grouped by category, one colour per series (e.g. years). A ``None`` or
    missing value draws no bar (never a 0 bar) and reads "未计算" in the text alternative."""
    setup()
    series = list(data)
    cats = list(dict.fromkeys(c for s in series for c in data[s]))
    fig, ax = plt.subplots()
    width = 0.8 / max(len(series), 1)
    for i, s in enumerate(series):
        pts = [(j + i * width - 0.4 + width / 2, float(data[s][c])) for j, c in enumerate(cats)
               if data[s].get(c) is not None]
        xs, vals = [x for x, _ in pts], [v for _, v in pts]
        b = ax.bar(xs, vals, width, label=s, color=COLORS[i % len(COLORS)])
        ax.bar_label(b, labels=[_fmt(v, unit) for v in vals], padding=2,
                     fontsize=BAR_LABEL_SIZE - (1 if len(series) > 1 else 0))
    ax.set_xticks(range(len(cats)), [_wrap(c) for c in cats])
    ax.set_ylabel(unit)
    ax.set_title(title)
    ax.legend(frameon=False)
    ax.margins(y=0.15)
    _tight(fig)

    def say(s, c):
        v = data[s].get(c)
        return f"{c}未计算" if v is None else f"{c}{_fmt(v, unit)}{unit}"
    parts = "；".join(s + "：" + "，".join(say(s, c) for c in cats) for s in series)
    return fig, f"{title}。{parts}。"


def png(fig, *, close: bool = True) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})  # layout is tight already (tight_layout)
    if close:
        plt.close(fig)
    return buf.getvalue()


def svg(fig, *, close: bool = True) -> str:
    """The chart as SVG text: labels are <text> in the CJK font family, no date or
    random ids (the same chart gives the same bytes, so stored notebook outputs and
    re-run checks stay stable)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    if close:
        plt.close(fig)
    out = buf.getvalue()
    # a font stack, so a browser without Noto uses the system's Chinese sans face
    return out.replace(f"'{FONT_FAMILY}'", f"'{FONT_FAMILY}', 'Source Han Sans SC', 'PingFang SC', "
                                          f"'Microsoft YaHei', sans-serif")


def both(fig) -> tuple[str, bytes]:
    """(SVG text, PNG bytes) of one chart, then closes it."""
    try:
        return svg(fig, close=False), png(fig, close=False)
    finally:
        plt.close(fig)


def write(fig, stem: Path) -> tuple[Path, Path]:
    """Write ``stem.svg`` and ``stem.png`` of a chart (renderers pick one per format)."""
    text, bitmap = both(fig)
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".svg").write_text(text, encoding="utf-8")
    stem.with_suffix(".png").write_bytes(bitmap)
    return stem.with_suffix(".svg"), stem.with_suffix(".png")


def show(fig, alt: str) -> None:
    """Display a chart in a notebook with its text alternative (kept in the output metadata
    and printed under the chart), so reports can carry it as alt text. The output holds
    the chart as SVG: what JupyterLab shows (sharp, legible on any screen), what report
    assembly takes for HTML and PDF, and what Word's PNG is rasterised from when a DOCX is
    rendered (``render.png_twins``) — drawing it a second time in PNG here cost more than
    the rest of the chart."""
    from IPython.display import display
    text = svg(fig)
    display({"image/svg+xml": text}, raw=True, metadata={"image/svg+xml": {"alt": alt}})
    display({"text/markdown": f"<small>图示说明：{alt}</small>"}, raw=True)


# --- one chart per topic part, from indicators (None when the topic has no data) ------

def monitoring_categories(ind: dict):
    m = ind.get("monitoring")
    if not m:
        return None
    series = {}
    for label, key in (("未消除风险", "unresolved"), ("已消除风险", "eliminated")):
        if m.get(key) is not None:
            series[label] = {k: v["households"] for k, v in m[key]["by_category"].items()}
    if not series:  # no 风险消除日期: the split is unknown, so no chart (the paragraph says why)
        return None
    return grouped_bar(series, f"{ind['township']}监测对象分类（户）", "户")


def income_groups(ind: dict):
    inc = ind.get("income")
    if not inc:
        return None
    from .tables import GROUPS
    y = ind["year"]
    series = {}
    for label, key in ((f"{y - 1}年", "per_capita_net_prev"), (f"{y}年", "per_capita_net")):
        vals = {GROUPS[g]: round(v) for g, v in (inc.get(key) or {}).items() if v is not None}
        if vals:
            series[label] = vals
    if not series:
        return None
    return grouped_bar(series, f"{ind['township']}人均纯收入（元）", "元")


def employment_regions(ind: dict):
    e = ind.get("employment")
    if not e or e.get("workers") is None or not e["workers"].get("by_region"):
        return None
    return bar(e["workers"]["by_region"], f"{ind['year']}年务工人数（按地域）", "人")


def funds_sources(ind: dict):
    f = ind.get("funds")
    if not f or not f.get("projects"):
        return None
    by = {k: v for k, v in ((f.get("approved") or {}).get("by_source") or {}).items() if v}
    return bar(by, f"{ind['year']}年衔接资金批复金额（按来源）", "万元")


def posts_types(ind: dict):
    p = ind.get("posts")
    if not p or p.get("in_post") is None or not p["in_post"].get("by_type"):
        return None
    return bar(p["in_post"]["by_type"], "公益性岗位在岗人数（按岗位类型）", "人")


# ---------------------------------------------------------------- further topics (issue 11)
def assistance_types(ind: dict):
    a = ind.get("assistance")
    if a:
        by = {k: v["households"] for k, v in a["by_type"].items() if v["households"]}
        if by:
            return bar(by, f"{ind['year']}年社会救助户数（按类别）", "户")
    sec = ind.get("security") or {}
    by = {label: sec[key]["households"] for label, key in (("农村低保", "dibao"), ("特困供养", "tekun"))
          if sec.get(key) is not None}
    return bar(by, "脱贫户和监测对象享受低保、特困供养户数", "户") if any(by.values()) else None


def education_stages(ind: dict):
    e = ind.get("education") or {}
    by = {k: v for k, v in (e.get("students_by_stage") or {}).items() if v}
    return bar(by, "脱贫户和监测对象家庭在校生（按学段）", "人") if by else None


def credit_amounts(ind: dict):
    c = ind.get("credit")
    if not c:
        return None
    data = {f"{ind['year']}年新发放": c["loans_in_year"]["amount"], "累计发放": c["cumulative"]["amount"],
            "贷款余额": (c.get("outstanding") or {}).get("amount")}
    if not any(v for v in data.values() if v is not None):
        return None
    return bar(data, "脱贫人口小额信贷（万元）", "万元", horizontal=False)


def assets_classes(ind: dict):
    a = ind.get("assets")
    if not a or not a["count"]:
        return None
    return bar({k: v["value"] for k, v in a["by_class"].items() if v["count"]}, "项目资产原值（按类别）", "万元")


# ---------------------------------------------------------------- county summary (issue 13)
def county_paid_rates(ind: dict):
    """Cumulative paid rate of each township (only those whose data state it: never a 0 bar)."""
    rows = {t: r["paid_rate"] for t, r in (ind.get("by_township") or {}).items() if r.get("paid_rate") is not None}
    if len(rows) < 2:
        return None
    return bar(rows, "各乡镇衔接资金拨付率（%）", "%")


def county_unresolved(ind: dict):
    rows = {t: (r.get("unresolved") or {}).get("households") for t, r in (ind.get("by_township") or {}).items()}
    rows = {t: v for t, v in rows.items() if v is not None}
    if len(rows) < 2:
        return None
    return bar(rows, "各乡镇风险未消除监测对象（户）", "户")
