"""Charts: one matplotlib style, Chinese labels in an explicitly named CJK font.

Debian's fonts-noto-cjk ships the font as a collection (.ttc) whose first face is the
Japanese variant, and matplotlib only ever reads the first face. We extract the
Simplified Chinese face once (fontTools, a matplotlib dependency) into a cache and
name it explicitly, so Chinese never falls back to empty boxes or Japanese forms.
"""
from __future__ import annotations

import base64
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
        "figure.figsize": (7.2, 3.6),
        "figure.dpi": 110,
        "savefig.dpi": 150,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 13,
        "axes.titleweight": "bold",
        "axes.labelsize": 11,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "axes.prop_cycle": matplotlib.cycler(color=COLORS),
        "svg.fonttype": "none",
    })
    _ready = True


def _fmt(v: float, unit: str) -> str:
    if unit in ("万元",):
        return f"{v:,.2f}"
    if unit == "%":
        return f"{v:.2f}"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def bar(data: dict[str, float], title: str, unit: str, *, horizontal: bool | None = None,
        alt_prefix: str | None = None):
    """A labelled bar chart. Returns (figure, text alternative stating every number).

    A ``None`` value (a figure not computed) gets no bar, never a 0 bar; the text
    alternative says it was not computed."""
    setup()
    unknown = [k for k, v in data.items() if v is None]
    labels = [k for k, v in data.items() if v is not None]
    values = [float(data[k]) for k in labels]
    horizontal = len(labels) > 6 if horizontal is None else horizontal
    fig, ax = plt.subplots(figsize=(7.2, max(2.4, 0.42 * len(labels) + 1)) if horizontal else (7.2, 3.6))
    if horizontal:
        bars = ax.barh(labels[::-1], values[::-1], color=COLORS[0])
        ax.set_xlabel(unit)
    else:
        bars = ax.bar(labels, values, color=COLORS[: len(labels)] if len(labels) <= len(COLORS) else COLORS[0])
        ax.set_ylabel(unit)
    ax.bar_label(bars, labels=[_fmt(v, unit) for v in (values[::-1] if horizontal else values)], padding=3, fontsize=9)
    ax.set_title(title)
    ax.margins(x=0.12) if horizontal else ax.margins(y=0.15)
    fig.tight_layout()
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
        ax.bar_label(b, labels=[_fmt(v, unit) for v in vals], padding=2, fontsize=8)
    ax.set_xticks(range(len(cats)), cats)
    ax.set_ylabel(unit)
    ax.set_title(title)
    ax.legend(frameon=False)
    ax.margins(y=0.15)
    fig.tight_layout()

    def say(s, c):
        v = data[s].get(c)
        return f"{c}未计算" if v is None else f"{c}{_fmt(v, unit)}{unit}"
    parts = "；".join(s + "：" + "，".join(say(s, c) for c in cats) for s in series)
    return fig, f"{title}。{parts}。"


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})  # layout is tight already (tight_layout)
    plt.close(fig)
    return buf.getvalue()


def show(fig, alt: str) -> None:
    """Display a chart in a notebook with its text alternative (kept in the output metadata
    and printed under the chart), so reports can carry it as alt text."""
    from IPython.display import display
    data = base64.b64encode(png(fig)).decode("ascii")
    display({"image/png": data}, raw=True, metadata={"image/png": {"alt": alt}})
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
