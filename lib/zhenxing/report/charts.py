"""Charts: labelled bar charts drawn with matplotlib, Chinese labels kept as text.

A chart is a matplotlib :class:`~matplotlib.figure.Figure` made with the object API (no
pyplot, no global figure state: safe in forked workers and in the in-process engine), so
an analyst in JupyterLab can take ``chart.figure`` and restyle it. From that one figure
come the SVG that HTML and PDF show (labels stay text: ``svg.fonttype: none``; the
browser draws them with the CJK font stack below, Typst with the PDF's embedded Noto
Sans CJK SC) and the 200 ppi PNG that Word shows. Both are byte-for-byte the same run to
run (``svg.hashsalt``, no date or software metadata).

The look: 5 in (360 pt) wide; labels 11 pt, titles 13 pt bold; a value on every bar with
the precision of the report's tables (万元 and % to two decimals); a 单位 line above the
plot; round ticks (1, 2, 2.5, 5 × 10ⁿ; whole numbers for counts); one colour for a single
series, a calm palette where colour tells series apart (green for the good outcome, never
red), a gap between the bars of a group; a dashed target line where a chart compares
with a target (a 拨付率 against 100%). Many or long categories lie horizontally.
"""
from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, MaxNLocator

from zhenxing.report.options import PNG_ENV
from zhenxing.words.numbers import fixed, wan

FONT_FAMILY = "Noto Sans CJK SC"
FONT_STACK = f"'{FONT_FAMILY}', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
WIDTH = 360.0               # pt: 5 in, the width a chart is shown at in print
HEIGHT = 201.6              # pt: 2.8 in, a vertical chart's plot area and labels
TITLE_SIZE = 13
LABEL_SIZE = 11              # category labels, ticks, unit, legend
BAR_LABEL_SIZE = 11
MIN_FONT_PT = 10.5           # no text smaller (tests check): 10 px on a 390 px phone
PNG_PPI = 200                # Word's bitmap: 1000 px across a 5 in chart
ONE = "#3b6e8f"              # the colour of a single series
PALETTE = ["#3b6e8f", "#9dbcd4", "#6b8e5a", "#c8a46e", "#8a7aa8", "#8c8c8c"]
GOOD, PENDING = "#5b8f5b", "#c9a15a"   # a good outcome (已消除风险), one still open
TARGETS = {"拨付率": 100.0}  # a chart of these figures shows its target as a line
WRAP_CHARS = 7               # a category label longer than this many Han characters wraps
ASCENT = 0.88

RC = {
    "font.family": [FONT_FAMILY],
    "font.size": LABEL_SIZE,
    "axes.unicode_minus": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "zhenxing",
    "svg.id": "chart",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "axes.edgecolor": "#333333",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "xtick.labelsize": LABEL_SIZE,
    "ytick.labelsize": LABEL_SIZE,
    "legend.fontsize": LABEL_SIZE,
    "figure.dpi": 72,
    "savefig.dpi": 72,
    "path.simplify": False,
}


@dataclass(frozen=True)
class Bar:
    """One drawn bar (for tests and readers of the geometry): its category, series, value,
    and rectangle in the SVG's user units (pt, from the top left)."""

    category: str
    series: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    """A finished chart: the matplotlib figure, its SVG text and the bars drawn. JupyterLab
    shows it as SVG; ``png()`` is Word's bitmap of the same figure."""

    svg: str
    horizontal: bool
    bars: tuple[Bar, ...]
    width: float
    height: float
    figure: Figure = field(repr=False, compare=False, default=None)

    def _repr_svg_(self) -> str:
        return self.svg

    def png(self, ppi: int = PNG_PPI) -> bytes:
        """The figure as a PNG at ``ppi`` (its resolution stated, so Word shows it at 5 in)."""
        buf = io.BytesIO()
        with matplotlib.rc_context(RC):
            self.figure.savefig(buf, format="png", dpi=ppi, metadata={"Software": None})
        return buf.getvalue()


def text_width(s: str, size: float, bold: bool = False) -> float:
    """About the width of ``s`` at ``size`` pt: a Han character or full-width mark one em,
    anything ASCII a little over half (for wrapping category labels; matplotlib lays out)."""
    em = sum(0 if ord(c) < 32 else (0.58 if c.isascii() else 1.0) for c in s)
    return em * size * (1.04 if bold else 1.0)


def _tokens(s: str) -> list[str]:
    """Units a line may not break inside: runs of ASCII letters, digits and .%- stay whole
    ("2023年" breaks after 年, never inside 2023); every other character stands alone."""
    out: list[str] = []
    for c in s:
        if out and (c.isascii() and (c.isalnum() or c in ".%-")) and out[-1][-1:].isascii() \
                and (out[-1][-1].isalnum() or out[-1][-1] in ".%-"):
            out[-1] += c
        else:
            out.append(c)
    return out


def wrap(label: str, max_width: float, size: float = LABEL_SIZE, bold: bool = False) -> list[str]:
    """A label on as few lines as fit `max_width`, the lines as even as possible (a
    seven-character label wraps 4 + 3, not 6 + 1), never inside a number. Explicit
    newlines are kept."""
    lines: list[str] = []
    for part in str(label).split("\n"):
        toks = _tokens(part)
        total = text_width(part, size, bold)
        if total <= max_width or len(toks) < 2:
            lines.append(part)
            continue

        def fill(target: float, toks=toks) -> list[str]:
            out, cur = [], ""
            for t in toks:
                if cur and text_width(cur + t, size, bold) > target + 1e-6:
                    out.append(cur)
                    cur = t
                else:
                    cur += t
            return out + [cur]
        k = len(fill(max_width))  # the fewest lines it can take; then the evenest split into k
        target = max(total / k, max(text_width(t, size, bold) for t in toks))
        while len(out := fill(target)) > k:
            target = min(max_width, target + 0.5)
        lines.extend(out)
    return lines


def bar_label(v: float, unit: str) -> str:
    """A figure on a bar, with the precision of the report's tables: 万元 and percent to two
    decimals, whole numbers otherwise (half up, in decimal arithmetic); no thousands
    separators."""
    if unit in ("万元", "%"):
        return fixed(v, 2)
    return fixed(v, 0) if float(v).is_integer() else fixed(v, 2)


def alt_label(v: float, unit: str) -> str:
    """A figure in the text alternative, as the report's prose writes it (294万元, 60%)."""
    if unit == "万元":
        return wan(v).removesuffix("万元")
    if unit == "%":
        return fixed(v, 2).rstrip("0").rstrip(".")
    return fixed(v, 0) if float(v).is_integer() else fixed(v, 2)


def finite_value(v) -> float | None:
    """A figure as a float, or None when it is not a known finite number (None, NaN, NA,
    infinity): such a figure gets no bar and reads "未计算"."""
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def chart_title(title: str, unit: str) -> str:
    """The title without a trailing "（户）" that only repeats the 单位 line."""
    return re.sub(rf"[（(]{re.escape(unit)}[)）]$", "", title.strip()) if unit else title.strip()


def _target(title: str) -> float | None:
    return next((v for k, v in TARGETS.items() if k in title), None)


def _series_colors(names: list[str]) -> list[str]:
    """A colour per series: green for the good outcome and amber for what is still open
    when the series say so, else the calm palette in order."""
    if len(names) > 1 and all(re.fullmatch(r"\d{4}年", s) for s in names):  # years: the latest dark
        return [PALETTE[1]] * (len(names) - 1) + [ONE]
    out = []
    for i, s in enumerate(names):
        if "已消除" in s or "已完成" in s:
            out.append(GOOD)
        elif "未消除" in s or "未完成" in s:
            out.append(PENDING)
        else:
            out.append(PALETTE[i % len(PALETTE)])
    return out


def _value_axis(ax, values: list[float], whole: bool, axis: str, room: float, target: float | None):
    """Round ticks on the value axis, from zero (or below, for negative figures) to a bit
    past the largest bar so its label fits."""
    lo = min([0.0] + values + ([target] if target is not None else []))
    hi = max([0.0] + values + ([target] if target is not None else []))
    if hi == lo:
        hi = lo + 1
    span = hi - lo
    top = hi + room * span if hi > 0 else 0.0
    bottom = lo - room * span if lo < 0 else 0.0
    loc = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=whole, min_n_ticks=2)
    ticks = [t for t in loc.tick_values(bottom, top) if bottom - 1e-9 <= t <= top + 1e-9]
    decimals = 0
    while decimals < 6 and any(abs(t * 10 ** decimals - round(t * 10 ** decimals)) > 1e-6 for t in ticks):
        decimals += 1
    labels = [("0" if abs(t) < 1e-12 else f"{t:.{decimals}f}") for t in ticks]
    if axis == "y":
        ax.set_ylim(bottom, top)
        ax.yaxis.set_major_locator(FixedLocator(ticks))
        ax.set_yticklabels(labels)
    else:
        ax.set_xlim(bottom, top)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.set_xticklabels(labels)


PAD = 6.0


def _layout(title: str, unit: str, legend: list[str]) -> tuple[list[str], bool, float]:
    """The title's lines, whether the legend needs a row of its own, and the height (pt)
    of everything above the plot."""
    lines = wrap(title, WIDTH - 2 * PAD, TITLE_SIZE, bold=True)
    legend_w = sum(text_width(s, LABEL_SIZE) + 20 for s in legend)
    own_row = bool(legend) and text_width(f"单位：{unit}", LABEL_SIZE) + 16 + legend_w > WIDTH - 2 * PAD
    return lines, own_row, PAD + len(lines) * TITLE_SIZE * 1.25 + 6 + LABEL_SIZE * 1.3 * (2 if own_row else 1) + 10


def _figure(height: float) -> Figure:
    return Figure(figsize=(WIDTH / 72, height / 72), dpi=72)


def _head(fig: Figure, ax, title_lines: list[str], unit: str, legend: bool, own_row: bool) -> None:
    """Title (centred, bold, wrapped), then the 单位 line on the left and the legend (if any)
    on the right of the row above the plot (or centred on a row of its own)."""
    h = fig.get_size_inches()[1] * 72
    y = h - PAD
    fig.text(0.5, y / h, "\n".join(title_lines), fontsize=TITLE_SIZE, fontweight="bold", ha="center",
             va="top", linespacing=1.25)
    y -= len(title_lines) * TITLE_SIZE * 1.25 + 6
    fig.text(PAD / WIDTH, y / h, f"单位：{unit}", fontsize=LABEL_SIZE, color="#333333", ha="left", va="top")
    if legend:
        if own_row:
            y -= LABEL_SIZE * 1.3
        fig.legend(*ax.get_legend_handles_labels(), loc="upper center" if own_row else "upper right",
                   bbox_to_anchor=(0.5 if own_row else 1 - PAD / WIDTH, (y + 3) / h), ncols=4, frameon=False,
                   handlelength=1.0, handleheight=0.8, columnspacing=1.0, borderaxespad=0,
                   handletextpad=0.4, borderpad=0)


def _finish(fig: Figure, ax, horizontal: bool, title: str, containers, cats: list[str]) -> Chart:
    """Lay the figure out, write its SVG and read back where each bar was drawn."""
    buf = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue().replace(f"font-family:'{FONT_FAMILY}'", f"font-family:{FONT_STACK}") \
        .replace(f"font-family: '{FONT_FAMILY}'", f"font-family: {FONT_STACK}")
    svg = svg.replace("<svg ", "<svg role=\"img\" ", 1)
    w, h = fig.get_size_inches() * 72
    bars, order = [], {c: k for k, c in enumerate(cats)}
    for i, (series, cats, vals, rects) in enumerate(containers):
        for cat, v, r in zip(cats, vals, rects):
            bb = r.get_window_extent()
            bars.append((order[cat], i, Bar(cat, series, v, bb.x0, h - bb.y1, bb.width, bb.height)))
    bars = [b for _, _, b in sorted(bars, key=lambda x: x[:2])]  # by category, then series
    return Chart(svg, horizontal, tuple(bars), float(w), float(h), fig)


def _tick_room(values: list[float], unit: str) -> float:
    """Width (pt) the value axis's tick labels take: about the widest figure's digits."""
    widest = max([abs(v) for v in values] + [1.0])
    digits = len(f"{widest:.0f}") + (2 if unit in ("万元", "%") and widest < 10 else 0)
    return digits * 0.58 * LABEL_SIZE + 10


def _vertical(cats: list[str], series: list[tuple[str, str, list[float | None]]], title: str, unit: str,
              legend: bool) -> Chart:
    """Bars standing on a category axis: one bar per series in each category, a gap
    between the bars of a group."""
    n = len(series)
    values = [v for _, _, vals in series for v in vals if v is not None]
    left = PAD + _tick_room(values, unit)
    right = PAD + 4
    slot = (WIDTH - left - right) / max(len(cats), 1)
    cat_lines = ["\n".join(wrap(c, min(slot - 6, WRAP_CHARS * LABEL_SIZE))) for c in cats]
    lines = max(c.count("\n") + 1 for c in cat_lines)
    title_lines, own_row, top = _layout(title, unit, [s for s, _, _ in series] if legend else [])
    bottom = PAD + 6 + lines * LABEL_SIZE * 1.2
    height = max(HEIGHT, top + 120 + bottom)
    with matplotlib.rc_context(RC):
        fig = _figure(height)
        ax = fig.add_axes((left / WIDTH, bottom / height, (WIDTH - left - right) / WIDTH, (height - top - bottom) / height))
        group = 0.8 if n > 1 else 0.56
        width = group / n
        containers = []
        for i, (name, color, vals) in enumerate(series):
            idx = [j for j, v in enumerate(vals) if v is not None]
            xs = [j - group / 2 + width * (i + 0.5) for j in idx]
            vs = [vals[j] for j in idx]
            rects = ax.bar(xs, vs, width * (0.86 if n > 1 else 1.0), color=color, label=name or None, zorder=2)
            containers.append((name, [cats[j] for j in idx], vs, rects))
        target = _target(title)
        _value_axis(ax, values, all(float(v).is_integer() for v in values), "y", 0.16, target)
        lo, hi = ax.get_ylim()
        for _, _, vs, rects in containers:
            _bar_labels(ax, rects, vs, unit, target, horizontal=False, per_pt=(hi - lo) / (height - top - bottom))
        if target is not None:
            ax.axhline(target, color="#555555", linestyle=(0, (4, 3)), linewidth=0.9, zorder=3)
            ax.annotate(f"目标{bar_label(target, unit)}", (1, target), xycoords=("axes fraction", "data"),
                        xytext=(0, 2), textcoords="offset points", ha="right", va="bottom", fontsize=LABEL_SIZE,
                        color="#555555")
        ax.set_xticks(range(len(cats)), cat_lines, fontsize=LABEL_SIZE)
        ax.tick_params(axis="x", length=0, pad=4)
        ax.set_xlim(-0.5, len(cats) - 0.5)
        ax.axhline(0, color="#333333", linewidth=0.8, zorder=3)
        ax.spines["bottom"].set_visible(False)
        _head(fig, ax, title_lines, unit, legend, own_row)
        return _finish(fig, ax, False, title, containers, cats)


def _bar_labels(ax, rects, values: list[float], unit: str, target: float | None, *, horizontal: bool,
                per_pt: float) -> None:
    """A value on every bar, past its end — or just inside the end, in white, where a label
    past it would run across the target line (a 91.61% bar under the 100% line)."""
    labels = [bar_label(v, unit) for v in values]
    room = [(text_width(lab, BAR_LABEL_SIZE) + 3 if horizontal else BAR_LABEL_SIZE * 1.2 + 2) * per_pt
            for lab in labels]
    inside = [target is not None and 0 <= v < target < v + r for v, r in zip(values, room)]
    ax.bar_label(rects, labels=["" if i else lab for lab, i in zip(labels, inside)],
                 padding=3 if horizontal else 2, fontsize=BAR_LABEL_SIZE)
    for rect, v, lab, i in zip(rects, values, labels, inside):
        if not i:
            continue
        if horizontal:
            ax.annotate(lab, (v, rect.get_y() + rect.get_height() / 2), xytext=(-3, 0), textcoords="offset points",
                        ha="right", va="center", fontsize=BAR_LABEL_SIZE, color="white", zorder=4)
        else:
            ax.annotate(lab, (rect.get_x() + rect.get_width() / 2, v), xytext=(0, -2), textcoords="offset points",
                        ha="center", va="top", fontsize=BAR_LABEL_SIZE, color="white", zorder=4)


def _horizontal(cats: list[str], values: list[float], title: str, unit: str) -> Chart:
    """Bars lying along a value axis, one row per category, the first at the top."""
    cat_lines = ["\n".join(wrap(c, WRAP_CHARS * LABEL_SIZE)) for c in cats]
    row = max([22.0] + [(c.count("\n") + 1) * LABEL_SIZE * 1.2 + 8 for c in cat_lines])
    title_lines, _, top = _layout(title, unit, [])
    left = PAD + max(text_width(line, LABEL_SIZE) for c in cat_lines for line in c.split("\n")) + 8
    right = PAD + 4
    bottom = PAD + 6 + LABEL_SIZE * 1.3
    height = top + row * len(cats) + 6 + bottom
    with matplotlib.rc_context(RC):
        fig = _figure(height)
        plot_w = WIDTH - left - right
        ax = fig.add_axes((left / WIDTH, bottom / height, plot_w / WIDTH, (height - top - bottom) / height))
        ys = list(range(len(cats)))
        rects = ax.barh(ys, values, 0.62, color=ONE, zorder=2)
        target = _target(title)
        longest = max(text_width(bar_label(v, unit), BAR_LABEL_SIZE) for v in values) + 6
        _value_axis(ax, values, all(float(v).is_integer() for v in values), "x", longest / max(plot_w - longest, 1),
                    target)
        lo, hi = ax.get_xlim()
        _bar_labels(ax, rects, values, unit, target, horizontal=True, per_pt=(hi - lo) / plot_w)
        if target is not None:
            ax.axvline(target, color="#555555", linestyle=(0, (4, 3)), linewidth=0.9, zorder=3)
            ax.annotate(f"目标{fixed(target, 0)}{unit}", (target, 1), xycoords=("data", "axes fraction"),
                        xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                        fontsize=LABEL_SIZE, color="#555555")
        ax.set_yticks(ys, cat_lines, fontsize=LABEL_SIZE)
        ax.tick_params(axis="y", length=0, pad=4)
        ax.set_ylim(len(cats) - 0.5, -0.5)
        ax.axvline(0, color="#333333", linewidth=0.8, zorder=3)
        ax.spines["left"].set_visible(False)
        _head(fig, ax, title_lines, unit, False, False)
        return _finish(fig, ax, True, title, [("", cats, values, rects)], cats)


def bar(data: dict[str, float | None], title: str, unit: str, *, horizontal: bool | None = None,
        alt_prefix: str | None = None) -> tuple[Chart, str] | None:
    """A labelled bar chart in one colour and its text alternative (stating every number);
    None when no value is known (no empty chart).

    A ``None`` value (a figure not computed) gets no bar, never a 0 bar; the text
    alternative says it was not computed. Many bars, or labels too long to sit side by
    side under them, lie horizontally, one row each."""
    title = chart_title(title, unit)
    known = {k: finite_value(v) for k, v in data.items()}
    unknown = [k for k, v in known.items() if v is None]
    labels = [str(k) for k, v in known.items() if v is not None]
    values = [v for v in known.values() if v is not None]
    if not labels:
        return None
    if horizontal is None:
        horizontal = len(labels) > 6 or sum(len(k) for k in labels) > 20
    if horizontal:
        chart = _horizontal(labels, values, title, unit)
    else:
        chart = _vertical(labels, [("", ONE, values)], title, unit, legend=False)
    parts = "，".join([f"{k}{alt_label(v, unit)}{unit}" for k, v in zip(labels, values)] + [f"{k}未计算" for k in unknown])
    return chart, f"{alt_prefix or title}：{parts}。"


def grouped_bar(data: dict[str, dict[str, float | None]], title: str, unit: str) -> tuple[Chart, str] | None:
    """Bars grouped by category, one colour per series (e.g. years), with a legend. A
    ``None`` or missing value draws no bar (never a 0 bar) and reads "未计算" in the text
    alternative. None when no value is known."""
    title = chart_title(title, unit)
    cats = list(dict.fromkeys(str(c) for s in data for c in data[s]))
    known = [{str(c): finite_value(v) for c, v in data[s].items()} for s in data]
    if not any(v is not None for k in known for v in k.values()):
        return None
    names = [str(s) for s in data]
    colors = _series_colors(names)
    rows = [(s, colors[i], [known[i].get(c) for c in cats]) for i, s in enumerate(names)]
    chart = _vertical(cats, rows, title, unit, legend=True)

    def say(i, c):
        v = known[i].get(c)
        return f"{c}未计算" if v is None else f"{c}{alt_label(v, unit)}{unit}"
    parts = "；".join(f"{s}：" + "，".join(say(i, c) for c in cats) for i, s in enumerate(data))
    return chart, f"{title}。{parts}。"


def svg(chart: Chart) -> str:
    """The chart's SVG text."""
    return chart.svg


def show(chart: Chart, alt: str) -> None:
    """Display a chart in a notebook with its text alternative (kept in the output metadata
    and printed under the chart), so reports can carry it as alt text. The output holds
    the chart as SVG (what JupyterLab shows, what HTML and PDF use) and, when a DOCX with
    charts is wanted (``$ZHENXING_CHART_PNG`` is 1), the PNG of the same figure that Word
    shows."""
    import base64
    import os

    from IPython.display import display
    bundle, meta = {"image/svg+xml": chart.svg}, {"image/svg+xml": {"alt": alt}}
    if os.environ.get(PNG_ENV) == "1":  # a DOCX with charts is wanted (run --charts)
        bundle["image/png"] = base64.b64encode(chart.png()).decode("ascii")
        meta["image/png"] = {"alt": alt}
    display(bundle, raw=True, metadata=meta)
    display({"text/markdown": f"<small>图示说明：{alt}</small>"}, raw=True)


def draw(spec) -> tuple[Chart, str] | None:
    """The chart a topic's spec (:class:`zhenxing.topics.base.ChartSpec`) describes, with its
    text alternative; None for no spec or no known value."""
    if spec is None:
        return None
    if spec.kind == "grouped":
        return grouped_bar(spec.data, spec.title, spec.unit)
    return bar(spec.data, spec.title, spec.unit, horizontal=spec.horizontal, alt_prefix=spec.alt_prefix)
