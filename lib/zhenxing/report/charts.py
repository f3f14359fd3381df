"""Charts: labelled bar charts written directly as SVG, Chinese labels kept as text.

A report's charts are simple — bars, a value on every bar, a value axis, a title, at most
a legend — so they are written here as SVG text rather than drawn by a plotting library:
the same picture in about a hundredth of the time (matplotlib took a third of a second
per township for its layout and SVG, and as long again to import), and nothing to set up.

Charts are drawn at the size they are shown in print: 5 in (360 pt, the SVG's user unit)
wide, labels 11 pt, titles 13 pt bold. HTML and PDF use the SVG (sharp at any zoom;
labels stay text: the browser draws them with the CJK font stack below, Typst with the
PDF's embedded Noto Sans CJK SC); DOCX uses a 200 ppi PNG rasterised from the same SVG by
Typst when the DOCX is rendered (``render.png_twins``). On a 390 px phone the chart is
scaled to about 0.75 of print size, so 11 pt labels still read at ~11 px.

Text widths are worked out from Noto Sans CJK SC's advance widths (Han characters and
full-width punctuation one em, ASCII from the font's table below), so labels are wrapped
and margins sized before anything is drawn; a browser that draws with another Chinese
sans face (Microsoft YaHei, PingFang SC) differs by a few per cent, which the padding
absorbs. The same chart always gives the same bytes (stored notebook outputs and re-run
checks stay stable).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from zhenxing.words.numbers import fixed, wan

FONT_FAMILY = "Noto Sans CJK SC"
FONT_STACK = f"'{FONT_FAMILY}', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
WIDTH = 360.0               # pt: 5 in, the width a chart is shown at in print
HEIGHT = 201.6              # pt: 2.8 in, a vertical chart's usual height
TITLE_SIZE = 13
LABEL_SIZE = 11              # category labels, ticks, unit, legend
BAR_LABEL_SIZE = 11
MIN_FONT_PT = 10.5           # no text smaller (tests check): 10 px on a 390 px phone
COLORS = ["#1f4e79", "#c0392b", "#2e7d32", "#b9770e", "#6c3483", "#566573"]
PAD = 6.0
TICK = 3.5
LINE = 1.2                   # line height, in font sizes
ASCENT = 0.88                # of the font size above the baseline (Noto Sans CJK: 880/1000)
WRAP_CHARS = 7               # a category label longer than this many Han characters wraps

# Noto Sans CJK SC Regular advance widths of " " … "~" (1/1000 em); anything beyond ASCII
# that a label holds (Han, full-width punctuation) is one em.
_ASCII = (224, 323, 474, 555, 555, 921, 680, 278, 338, 338, 467, 555, 278, 347, 278, 392, 555, 555, 555,
          555, 555, 555, 555, 555, 555, 555, 278, 278, 555, 555, 555, 474, 946, 608, 657, 638, 688, 589,
          552, 689, 728, 293, 535, 646, 543, 812, 723, 742, 633, 742, 635, 596, 599, 721, 575, 878, 573,
          531, 603, 338, 392, 338, 555, 559, 606, 563, 618, 510, 620, 554, 325, 564, 607, 275, 275, 552,
          284, 926, 610, 606, 620, 620, 388, 468, 377, 607, 521, 802, 498, 521, 475, 338, 270, 338, 555)
_BOLD = 1.06                 # the bold face is about this much wider in ASCII (Han stays one em)


@dataclass(frozen=True)
class Bar:
    """One drawn bar (for tests and readers of the geometry): its category, series, value,
    and rectangle in the SVG's user units (pt)."""
    category: str
    series: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    """A finished chart: its SVG text and the bars drawn. JupyterLab shows it as SVG."""
    svg: str
    horizontal: bool
    bars: tuple[Bar, ...]
    width: float
    height: float

    def _repr_svg_(self) -> str:
        return self.svg


def text_width(s: str, size: float, bold: bool = False) -> float:
    """Width of `s` set in Noto Sans CJK SC at `size` pt."""
    em = 0.0
    for c in s:
        o = ord(c)
        em += _ASCII[o - 32] * (_BOLD if bold else 1.0) if 32 <= o < 127 else (0 if o < 32 else 1000)
    return em * size / 1000


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
    seven-character label wraps 4 + 3, not 6 + 1). Explicit newlines are kept."""
    lines: list[str] = []
    for part in str(label).split("\n"):
        toks = _tokens(part)
        total = text_width(part, size, bold)
        if total <= max_width or len(toks) < 2:
            lines.append(part)
            continue

        def fill(target: float) -> list[str]:
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


def _num(v: float) -> str:
    """A coordinate: two decimals at most, no trailing zeros (stable, compact bytes)."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _text(x: float, y: float, s: str, size: float, anchor: str = "middle", bold: bool = False,
          fill: str | None = None) -> str:
    style = f"font-size: {_num(size)}px; text-anchor: {anchor}"
    if bold:
        style += "; font-weight: bold"
    if fill:
        style += f"; fill: {fill}"
    return f'<text x="{_num(x)}" y="{_num(y)}" style="{style}">{escape(s)}</text>'


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" style="fill: {fill}"/>'


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return (f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            f'style="stroke: #000000; stroke-width: 0.8"/>')


def _ticks(lo: float, hi: float, most: int = 5, whole: bool = False) -> tuple[list[float], int]:
    """Round values for an axis from lo to hi (steps 1, 2, 2.5 or 5 × 10ⁿ, at most `most`
    intervals; whole numbers only when the figures are counts), and the decimals their
    labels need."""
    span = hi - lo
    mag = 10 ** math.floor(math.log10(span / most))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if span / (m * mag) <= most + 1e-9)
    if whole:
        step = max(1, step) if step != 2.5 else 2
    decimals = 0
    while decimals < 6 and abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-9:
        decimals += 1
    first = math.ceil(lo / step - 1e-9)
    ticks, i = [], first
    while i * step <= hi + 1e-9 * step:
        ticks.append(round(i * step, decimals))
        i += 1
    return ticks, decimals


def _tick_label(v: float, decimals: int) -> str:
    s = f"{v:.{decimals}f}"
    return "0" if float(s) == 0 else s


def _extent(values: list[float]) -> tuple[float, float]:
    """The range a value axis must hold: the values and zero (never empty)."""
    lo, hi = min([0.0] + values), max([0.0] + values)
    return lo, (lo + 1 if hi == lo else hi)


def _axis(lo_axis: float, hi_axis: float, values: list[float]) -> tuple[list[float], list[str]]:
    """The axis's ticks and their labels (whole numbers when every value is one)."""
    ticks, decimals = _ticks(lo_axis, hi_axis, whole=all(v.is_integer() for v in values))
    return ticks, [_tick_label(t, decimals) for t in ticks]


def bar_label(v: float, unit: str) -> str:
    """A figure on a chart and in its text alternative, written as the report's prose writes
    it: no thousands separators, 万元 to two decimals without trailing zeros (294, 199.5),
    percent to two decimals, whole numbers otherwise (half up, in decimal arithmetic)."""
    if unit == "万元":
        return wan(v).removesuffix("万元")
    if unit == "%":
        return fixed(v, 2)
    return fixed(v, 0) if float(v).is_integer() else fixed(v, 2)


def _head(title: str, unit: str, legend: list[tuple[str, str]]) -> tuple[list[str], float]:
    """Title (centred, bold, wrapped), then a row with the unit on the left and the legend
    (if any) on the right, on a row of its own when they do not fit side by side.
    Returns the elements and the y where the plot may begin."""
    parts, y = [], PAD
    for line in wrap(title, WIDTH - 2 * PAD, TITLE_SIZE, bold=True):
        parts.append(_text(WIDTH / 2, y + ASCENT * TITLE_SIZE, line, TITLE_SIZE, bold=True))
        y += LINE * TITLE_SIZE
    y += 4
    unit_text = f"单位：{unit}"
    items = [(label, color, text_width(label, LABEL_SIZE)) for label, color in legend]
    legend_w = sum(10 + 4 + w for _, _, w in items) + 12 * max(len(items) - 1, 0)
    unit_w = text_width(unit_text, LABEL_SIZE)
    base = y + ASCENT * LABEL_SIZE
    parts.append(_text(PAD, base, unit_text, LABEL_SIZE, anchor="start", fill="#333333"))
    if items:
        if unit_w + 16 + legend_w > WIDTH - 2 * PAD:
            y += LINE * LABEL_SIZE + 2
            base = y + ASCENT * LABEL_SIZE
            x = (WIDTH - legend_w) / 2
        else:
            x = WIDTH - PAD - legend_w
        for label, color, w in items:
            parts.append(_rect(x, base - 9.5, 10, 10, color))
            parts.append(_text(x + 14, base, label, LABEL_SIZE, anchor="start"))
            x += 14 + w + 12
    return parts, y + LINE * LABEL_SIZE + 6


def _document(width: float, height: float, title: str, parts: list[str]) -> str:
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_num(width)}pt" '
            f'height="{_num(height)}pt" viewBox="0 0 {_num(width)} {_num(height)}">\n'
            f"<title>{escape(title)}</title>\n"
            f'<rect x="0" y="0" width="{_num(width)}" height="{_num(height)}" style="fill: #ffffff"/>\n'
            f'<g style="font-family: {FONT_STACK}; fill: #000000">\n' + "\n".join(parts) + "\n</g>\n</svg>\n")


def _vertical(cats: list[str], series: list[tuple[str, list[str], list[float | None]]], title: str,
              unit: str, label_size: float, legend: bool) -> Chart:
    """Bars standing on a category axis: one bar per series in each category."""
    head, top = _head(title, unit, [(s, colors[0]) for s, colors, _ in series] if legend else [])
    values = [v for _, _, vals in series for v in vals if v is not None]
    lo, hi = _extent(values)
    span = hi - lo
    lo_axis = lo - 0.15 * span if lo < 0 else 0.0
    hi_axis = hi + 0.15 * span if hi > 0 else 0.0
    ticks, labels = _axis(lo_axis, hi_axis, values)
    left = PAD + max(text_width(s, LABEL_SIZE) for s in labels) + 3 + TICK
    right = WIDTH - PAD - 4
    slot = (right - left) / max(len(cats), 1)
    cat_lines = [wrap(c, min(slot - 6, WRAP_CHARS * LABEL_SIZE)) for c in cats]
    n_lines = max([len(x) for x in cat_lines] + [1])
    below = TICK + 3 + n_lines * LINE * LABEL_SIZE + PAD
    height = max(HEIGHT, top + 110 + below)
    bottom = height - below
    scale = (bottom - top) / (hi_axis - lo_axis)

    def y_of(v):
        return bottom - (v - lo_axis) * scale

    parts = list(head)
    bars = []
    group = 0.8 if len(series) > 1 else 0.6
    width = slot * group / len(series)
    for j, cat in enumerate(cats):
        for i, (name, colors, vals) in enumerate(series):
            v = vals[j]
            if v is None:  # not computed: no bar, never a 0 bar
                continue
            x = left + slot * j + slot * (1 - group) / 2 + i * width
            y0, y1 = sorted((y_of(v), y_of(0)))
            parts.append(_rect(x, y0, width, y1 - y0, colors[j % len(colors)]))
            bars.append(Bar(cat, name, v, x, y0, width, y1 - y0))
            shown = bar_label(v, unit)
            size = label_size
            while size > MIN_FONT_PT and text_width(shown, size) > width + 8:
                size -= 0.5
            base = y0 - 3 if v >= 0 else y1 + 3 + ASCENT * size
            parts.append(_text(x + width / 2, base, shown, size))
    for t, s in zip(ticks, labels):
        y = y_of(t)
        parts.append(_line(left - TICK, y, left, y))
        parts.append(_text(left - TICK - 3, y + 0.35 * LABEL_SIZE, s, LABEL_SIZE, anchor="end"))
    parts.append(_line(left, top, left, bottom))
    parts.append(_line(left, y_of(0), right, y_of(0)))
    for j, lines in enumerate(cat_lines):
        x = left + slot * (j + 0.5)
        parts.append(_line(x, bottom, x, bottom + TICK))
        for k, line in enumerate(lines):
            parts.append(_text(x, bottom + TICK + 3 + ASCENT * LABEL_SIZE + k * LINE * LABEL_SIZE, line,
                               LABEL_SIZE))
    return Chart(_document(WIDTH, height, title, parts), False, tuple(bars), WIDTH, height)


def _horizontal(cats: list[str], values: list[float], title: str, unit: str) -> Chart:
    """Bars lying along a value axis, one row per category, the first at the top."""
    head, top = _head(title, unit, [])
    cat_lines = [wrap(c, WRAP_CHARS * LABEL_SIZE) for c in cats]
    row = max([26.0] + [len(x) * LINE * LABEL_SIZE + 8 for x in cat_lines])
    left = PAD + max(text_width(line, LABEL_SIZE) for lines in cat_lines for line in lines) + 3 + TICK
    right = WIDTH - PAD - 4
    shown = [bar_label(v, unit) for v in values]
    room = max(text_width(s, BAR_LABEL_SIZE) for s in shown) + 6  # for the value after the longest bar
    lo, hi = _extent(values)
    # the longest bar ends `room` short of the axis's end, so its value fits inside the chart
    scale = (right - left - room * (2 if lo < 0 else 1)) / (hi - lo)
    lo_axis = lo - room / scale if lo < 0 else 0.0
    hi_axis = lo_axis + (right - left) / scale
    ticks, labels = _axis(lo_axis, hi_axis, values)
    plot_h = row * len(cats) + 6
    bottom = top + plot_h
    height = bottom + TICK + 3 + LINE * LABEL_SIZE + PAD

    def x_of(v):
        return left + (v - lo_axis) * scale

    parts = list(head)
    bars = []
    for j, (cat, v, s, lines) in enumerate(zip(cats, values, shown, cat_lines)):
        mid = top + 3 + row * (j + 0.5)
        h = min(row * 0.66, 22.0)
        x0, x1 = sorted((x_of(v), x_of(0)))
        parts.append(_rect(x0, mid - h / 2, x1 - x0, h, COLORS[0]))
        bars.append(Bar(cat, "", v, x0, mid - h / 2, x1 - x0, h))
        if v >= 0:
            parts.append(_text(x1 + 3, mid + 0.35 * BAR_LABEL_SIZE, s, BAR_LABEL_SIZE, anchor="start"))
        else:
            parts.append(_text(x0 - 3, mid + 0.35 * BAR_LABEL_SIZE, s, BAR_LABEL_SIZE, anchor="end"))
        parts.append(_line(left - TICK, mid, left, mid))
        first = mid - (len(lines) - 1) * LINE * LABEL_SIZE / 2 + 0.35 * LABEL_SIZE
        for k, line in enumerate(lines):
            parts.append(_text(left - TICK - 3, first + k * LINE * LABEL_SIZE, line, LABEL_SIZE, anchor="end"))
    for t, s in zip(ticks, labels):
        x = x_of(t)
        if x + text_width(s, LABEL_SIZE) / 2 > WIDTH - 2:  # a label that would run off the edge
            continue
        parts.append(_line(x, bottom, x, bottom + TICK))
        parts.append(_text(x, bottom + TICK + 3 + ASCENT * LABEL_SIZE, s, LABEL_SIZE))
    parts.append(_line(x_of(0), top, x_of(0), bottom))
    parts.append(_line(left, bottom, right, bottom))
    return Chart(_document(WIDTH, height, title, parts), True, tuple(bars), WIDTH, height)


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


def bar(data: dict[str, float | None], title: str, unit: str, *, horizontal: bool | None = None,
        alt_prefix: str | None = None) -> tuple[Chart, str] | None:
    """A labelled bar chart and its text alternative (stating every number); None when
    no value is known (no empty chart).

    A ``None`` value (a figure not computed) gets no bar, never a 0 bar; the text
    alternative says it was not computed. Many bars, or labels too long to sit side by
    side under them, lie horizontally, one row each."""
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
        chart = _vertical(labels, [("", COLORS[: len(labels)] if len(labels) <= len(COLORS) else COLORS[:1],
                                    values)], title, unit, BAR_LABEL_SIZE, legend=False)
    parts = "，".join([f"{k}{bar_label(v, unit)}{unit}" for k, v in zip(labels, values)] + [f"{k}未计算" for k in unknown])
    return chart, f"{alt_prefix or title}：{parts}。"


def grouped_bar(data: dict[str, dict[str, float | None]], title: str, unit: str) -> tuple[Chart, str] | None:
    """Bars grouped by category, one colour per series (e.g. years), with a legend. A
    ``None`` or missing value draws no bar (never a 0 bar) and reads "未计算" in the text
    alternative. None when no value is known."""
    cats = list(dict.fromkeys(str(c) for s in data for c in data[s]))
    known = [{str(c): finite_value(v) for c, v in data[s].items()} for s in data]
    if not any(v is not None for k in known for v in k.values()):
        return None
    rows = [(str(s), [COLORS[i % len(COLORS)]], [known[i].get(c) for c in cats]) for i, s in enumerate(data)]
    chart = _vertical(cats, rows, title, unit, BAR_LABEL_SIZE, legend=True)

    def say(i, c):
        v = known[i].get(c)
        return f"{c}未计算" if v is None else f"{c}{bar_label(v, unit)}{unit}"
    parts = "；".join(f"{s}：" + "，".join(say(i, c) for c in cats) for i, s in enumerate(data))
    return chart, f"{title}。{parts}。"


def svg(chart: Chart) -> str:
    """The chart's SVG text."""
    return chart.svg


def show(chart: Chart, alt: str) -> None:
    """Display a chart in a notebook with its text alternative (kept in the output metadata
    and printed under the chart), so reports can carry it as alt text. The output holds
    the chart as SVG: what JupyterLab shows, what report assembly takes for HTML and PDF,
    and what Word's PNG is rasterised from when a DOCX is rendered (``render.png_twins``)."""
    from IPython.display import display
    display({"image/svg+xml": chart.svg}, raw=True, metadata={"image/svg+xml": {"alt": alt}})
    display({"text/markdown": f"<small>图示说明：{alt}</small>"}, raw=True)


def draw(spec) -> tuple[Chart, str] | None:
    """The chart a topic's spec (:class:`zhenxing.topics.base.ChartSpec`) describes, with its
    text alternative; None for no spec or no known value."""
    if spec is None:
        return None
    if spec.kind == "grouped":
        return grouped_bar(spec.data, spec.title, spec.unit)
    return bar(spec.data, spec.title, spec.unit, horizontal=spec.horizontal, alt_prefix=spec.alt_prefix)
