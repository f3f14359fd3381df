"""Charts: vector SVG with real CJK text, legible sizes, every label inside the picture,
bars in proportion to their figures, stable bytes, text alternatives stating every
number, and the notebook display bundle carrying the alternative."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from zhenxing.report import charts, tables
from zhenxing.topics import county as county_topic

DATA = {"乡村保洁员": 38, "交通劝导员": 27, "森林管护员": 11, "生态护林员": 73, "社保协理员": 15}
INCOME = {"2022年": {"脱贫户": 13873, "监测对象": 9727, "脱贫户和监测对象合计": 13647},
          "2023年": {"脱贫户": 14711, "监测对象": 10206, "脱贫户和监测对象合计": 14469}}
SVG = "{http://www.w3.org/2000/svg}"


def _sizes(svg: str) -> list[float]:
    """Every font size (px) of a text element of the SVG (`font-size: 11px`)."""
    return [float(x) for x in re.findall(r"font[^;\"]*?(\d+(?:\.\d+)?)px", svg)]


def _texts(chart: charts.Chart) -> list[tuple[float, float, float, float, float, str]]:
    """(x0, y0, x1, y1, size, text) of every visible text of the matplotlib figure, in pt
    from the bottom left."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text
    fig = chart.figure
    renderer = FigureCanvasAgg(fig).get_renderer()
    out = []
    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip():
            bb = t.get_window_extent(renderer)
            out.append((bb.x0, bb.y0, bb.x1, bb.y1, t.get_fontsize(), t.get_text()))
    return out


def _ticks(chart: charts.Chart) -> list[str]:
    ax = chart.figure.axes[0]
    axis = ax.xaxis if chart.horizontal else ax.yaxis
    return [t.get_text() for t in axis.get_ticklabels()]


def test_svg_keeps_chinese_labels_as_text_in_the_cjk_font():
    chart, _ = charts.bar({"县内": 263, "省内县外": 196, "省外": 230}, "务工人数（按地域）", "人")
    svg = charts.svg(chart)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for label in ("县内", "省内县外", "省外", "务工人数（按地域）", "263", "单位：人"):
        assert label in svg, label
    assert "Noto Sans CJK SC" in svg and "sans-serif" in svg  # named font, then a fallback stack
    assert "<image" not in svg  # vector, no embedded bitmap
    ET.fromstring(svg.encode())  # well-formed XML


def test_chart_text_is_legible_at_phone_width():
    """Drawn at print size: no text under MIN_FONT_PT; on a 390 px phone (about 358 px of
    column) the chart is scaled so that its smallest text is still at least 10 px."""
    for chart, _ in (charts.bar(DATA, "公益性岗位在岗人数（按岗位类型）", "人"),
                     charts.grouped_bar(INCOME, "人均纯收入（元）", "元")):
        svg = charts.svg(chart)
        sizes = _sizes(svg)
        assert sizes, "no font sizes found in the SVG"
        width_pt = float(re.search(r'<svg[^>]*width="([\d.]+)pt"', svg)[1])
        assert width_pt <= 5.2 * 72
        assert re.search(r'viewBox="0 0 ([\d.]+) ', svg)[1] == f"{width_pt:g}"  # a user unit is a point
        assert min(sizes) >= charts.MIN_FONT_PT
        scale = 358 / width_pt  # CSS px per user unit when the chart fills a 390 px phone's column
        assert min(sizes) * scale >= 10, (min(sizes), scale)


@pytest.mark.parametrize("make", [
    lambda: charts.bar(DATA, "公益性岗位在岗人数（按岗位类型）", "人"),
    lambda: charts.grouped_bar(INCOME, "青山镇人均纯收入（元）", "元"),
    lambda: charts.bar({"2023年新发放": 115.3, "累计发放": 435, "贷款余额": 273}, "脱贫人口小额信贷（万元）", "万元",
                       horizontal=False),
    lambda: charts.bar({"一个很长很长的资金来源名称（含括号）": 12345678.9, "A&B<c>": 0.03}, "长标签 & < >", "万元"),
    lambda: charts.bar({f"第{i}乡镇": 50 + i for i in range(30)}, "各乡镇衔接资金拨付率（%）", "%"),
    lambda: charts.bar({"甲": 0, "乙": 0}, "全为零", "户"),
    lambda: charts.bar({"唯一": 0.4}, "很长的标题" * 12, "万元"),
])
def test_every_label_lies_inside_the_chart(make):
    """Titles wrap, category labels wrap: nothing is cut off at the picture's edge."""
    chart, _ = make()
    for x0, y0, x1, y1, _size, s in _texts(chart):
        assert -0.5 <= x0 and x1 <= chart.width + 0.5, (s, x0, x1)
        assert -0.5 <= y0 and y1 <= chart.height + 0.5, (s, y0, y1)


def test_no_two_labels_overlap():
    """Grouped bars keep a gap: five-digit labels of neighbouring bars never touch."""
    for chart, _ in (charts.grouped_bar(INCOME, "人均纯收入", "元"),
                     charts.grouped_bar({"2022年": {"甲": 106961, "乙": 1}, "2023年": {"甲": 144110, "乙": 2}}, "t", "元")):
        boxes = _texts(chart)
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
                assert apart, (a[5], b[5])


def test_colours_mean_something_only_where_there_are_series():
    chart, _ = charts.bar({"县内": 263, "省内县外": 196, "省外": 230}, "务工人数", "人")
    colours = {p.get_facecolor() for p in chart.figure.axes[0].patches}
    assert len(colours) == 1  # one series, one colour
    chart, _ = charts.grouped_bar({"未消除风险": {"甲": 3}, "已消除风险": {"甲": 2}}, "监测对象", "户")
    import matplotlib.colors as mc
    good = [p for p in chart.figure.axes[0].patches if p.get_label() == "已消除风险" or True][-1]
    r, g, b, _ = good.get_facecolor()
    assert g > r  # the good outcome green-ish, never red
    assert mc.to_hex(good.get_facecolor()) == charts.GOOD


def test_a_rate_chart_shows_its_target():
    chart, alt = charts.bar({"青山镇": 91.61, "石门乡": 100.0}, "2023年各乡镇衔接资金拨付率", "%")
    assert "目标100.00" in chart.svg
    assert any(abs(line.get_ydata()[0] - 100) < 1e-9 for line in chart.figure.axes[0].get_lines()
               if len(set(line.get_ydata())) == 1)


def test_png_for_word_comes_from_the_same_figure_and_is_stable():
    chart, _ = charts.bar({"甲": 1, "乙": 2}, "测试图", "户")
    a, b = chart.png(), chart.png()
    assert a == b and a[:8] == b"\x89PNG\r\n\x1a\n"
    import io

    from PIL import Image
    im = Image.open(io.BytesIO(a))
    assert im.width == round(chart.width / 72 * charts.PNG_PPI)


def test_bars_are_in_proportion_to_their_figures():
    chart, _ = charts.bar(DATA, "t", "人")
    assert chart.horizontal  # five labels of five characters: side by side they would collide
    assert [b.category for b in chart.bars] == list(DATA)  # first category at the top
    assert [b.y for b in chart.bars] == sorted(b.y for b in chart.bars)
    per_unit = {round(b.width / b.value, 6) for b in chart.bars}
    assert len(per_unit) == 1
    chart, _ = charts.bar({"县内": 1, "省外": 2}, "t", "人")
    assert not chart.horizontal
    a, b = chart.bars
    assert b.height == pytest.approx(2 * a.height) and a.y + a.height == pytest.approx(b.y + b.height)
    chart, _ = charts.grouped_bar(INCOME, "t", "元")
    assert [(b.series, b.category) for b in chart.bars][:2] == [("2022年", "脱贫户"), ("2023年", "脱贫户")]
    assert {round(b.height / b.value, 6) for b in chart.bars}.__len__() == 1


def test_axis_ticks_are_round_numbers_and_whole_for_counts():
    chart, _ = charts.grouped_bar(INCOME, "t", "元")
    assert _ticks(chart) == ["0", "5000", "10000", "15000"]
    chart, _ = charts.bar({"甲": 1, "乙": 2}, "t", "户")
    assert all(t.isdigit() for t in _ticks(chart)), _ticks(chart)  # no 0.25 户
    chart, _ = charts.bar({"甲": 0.4}, "t", "万元")
    assert all(float(t) * 10 == round(float(t) * 10) for t in _ticks(chart)), _ticks(chart)


def test_labels_wrap_evenly_and_never_inside_a_number():
    assert charts.wrap("脱贫户和监测对象合计", 66) == ["脱贫户和监", "测对象合计"]
    assert charts.wrap("2023年新发放", 50) == ["2023年", "新发放"]
    assert charts.wrap("县内", 66) == ["县内"]


def test_svg_is_the_same_bytes_run_to_run():
    def once():
        return charts.svg(charts.grouped_bar(INCOME, "人均纯收入（元）", "元")[0])
    s1, s2 = once(), once()
    assert s1 == s2
    assert "<dc:date>" not in s1 and "Matplotlib" not in s1.split("<svg", 1)[1][:400]


def test_text_alternative_states_every_number():
    _, alt = charts.bar({"县内": 263, "省外": 230, "不明": None}, "务工人数", "人")
    assert "县内263人" in alt and "省外230人" in alt and "不明未计算" in alt


def test_unknown_figures_draw_no_bar_and_no_figure_draws_no_chart():
    chart, alt = charts.bar({"县内": 3, "省外": None}, "务工", "人")
    assert [b.category for b in chart.bars] == ["县内"] and "省外未计算" in alt
    chart, alt = charts.grouped_bar({"2022年": {"脱贫户": None, "监测对象": 9727},
                                     "2023年": {"脱贫户": 14711, "监测对象": None}}, "t", "元")
    assert [(b.series, b.category) for b in chart.bars] == [("2023年", "脱贫户"), ("2022年", "监测对象")]
    assert "2022年：脱贫户未计算" in alt and "监测对象未计算。" in alt
    assert charts.bar({"县内": None}, "t", "人") is None
    assert charts.grouped_bar({"2023年": {"脱贫户": None}}, "t", "元") is None
    import pandas as pd
    chart, alt = charts.bar({"县内": 3, "省外": float("nan"), "不明": pd.NA, "其他": float("inf")}, "务工", "人")
    assert [b.category for b in chart.bars] == ["县内"]
    assert "省外未计算" in alt and "不明未计算" in alt and "其他未计算" in alt and "nan" not in chart.svg.lower()
    chart, alt = charts.grouped_bar({"2023年": {"脱贫户": float("nan"), "监测对象": 5}}, "t", "元")
    assert [b.category for b in chart.bars] == ["监测对象"] and "脱贫户未计算" in alt


def test_notebook_display_bundle_has_svg_and_alt(monkeypatch):
    """A notebook shows (and stores) the chart once, as SVG with its alt text; Word's PNG is
    rasterised from that SVG when a DOCX is rendered (test_render)."""
    shown = []
    import IPython.display
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    chart, alt = charts.bar({"甲": 1, "乙": 2}, "测试图", "户")
    charts.show(chart, alt)
    (data,), kw = shown[0]
    assert set(data) == {"image/svg+xml"}
    assert data["image/svg+xml"].lstrip().startswith("<?xml") and "甲" in data["image/svg+xml"]
    assert kw["metadata"]["image/svg+xml"]["alt"] == alt
    assert shown[1][0][0] == {"text/markdown": f"<small>图示说明：{alt}</small>"}
    assert chart._repr_svg_() == chart.svg  # what JupyterLab shows for a chart left as a cell's value


def test_notebook_table_shows_html_in_lab_and_keeps_captioned_markdown(monkeypatch):
    import IPython.display
    import pandas as pd

    from zhenxing.report import notebook
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append(a[0]))
    df = pd.DataFrame({"类别": ["脱贫户", "合计"], "户数": [3, 5]})
    ctx = notebook.Context.__new__(notebook.Context)
    ctx.table(df, "表 测试")
    (bundle,) = shown
    assert bundle["text/markdown"] == tables.markdown(df, "表 测试")  # what report.py reads
    html = bundle["text/html"]
    assert "Table:" not in html and "<caption>表 测试</caption>" in html
    assert html.count('<th scope="col"') == 2 and "<td>脱贫户</td>" in html
    assert html == notebook.table_html(df, "表 测试")  # deterministic
    shown.clear()
    ctx.table(df.iloc[0:0], "空")
    assert shown == []


def test_numbers_on_charts_are_written_as_the_prose_writes_them():
    # no thousands separators in Chinese text; 万元 without trailing zeros, as in the paragraphs
    chart, alt = charts.bar({"公益性资产": 1197.06, "县级衔接资金": 294.0, "东西部协作资金": 199.5}, "资金（万元）", "万元")
    assert "1197.06万元" in alt and "294万元" in alt and "199.5万元" in alt
    assert "," not in alt
    assert {"1197.06", "294.00", "199.50"} <= {t[5] for t in _texts(chart)}  # the table's precision on the bars
    _, alt = charts.bar({"脱贫户": 13873.0}, "人均纯收入（元）", "元")
    assert "13873元" in alt


def test_county_charts_of_a_large_county_show_the_townships_most_in_need():
    """Up to COUNTY_CHART_MAX townships: every one, in the county's order. Beyond: the
    lowest paid rates and the most unresolved households, ranked, the title saying so (the
    county's table still lists every township)."""
    few = {f"第{i}镇": {"paid_rate": 50.0 + i, "unresolved": {"households": i}} for i in range(6)}
    chart, alt = charts.draw(county_topic.county_paid_rates({"by_township": few, "year": 2023}))
    assert [b.category for b in chart.bars] == list(few) and "各乡镇衔接资金拨付率" in alt
    n = county_topic.COUNTY_CHART_MAX
    many = {f"第{i:02d}镇": {"paid_rate": 100.0 - i, "unresolved": {"households": (i * 7) % 31}}
            for i in range(n + 15)}
    chart, alt = charts.draw(county_topic.county_paid_rates({"by_township": many, "year": 2023}))
    lowest = sorted(many, key=lambda t: many[t]["paid_rate"])[:n]
    assert [b.category for b in chart.bars] == lowest
    assert alt.startswith(f"2023年衔接资金拨付率最低的{n}个乡镇：")
    chart, alt = charts.draw(county_topic.county_unresolved({"by_township": many, "year": 2023, "report_date": "2023-06-30"}))
    most = sorted(many, key=lambda t: (-many[t]["unresolved"]["households"], t))[:n]
    assert [b.category for b in chart.bars] == most
    assert alt.startswith(f"截至2023年6月底风险未消除监测对象最多的{n}个乡镇：")
    assert chart.height < 11 * 72  # fits a page


@pytest.mark.parametrize("rates", [
    {"青山镇": 91.61, "石门乡": 77.41, "河口镇": 79.25, "云岭乡": 100.0, "柳溪镇": 98.2, "松坪乡": 81.49},
    {f"第{i:02d}镇": 80.0 + i for i in range(20)},       # many townships: the bars lie horizontally
])
def test_no_bar_label_runs_across_the_target_line(rates):
    """A label past a bar's end just short of the target would sit on the dashed line (seen:
    '91.61' crossed by 目标100 in the county's 拨付率 chart); it goes inside the bar's end."""
    chart, _ = charts.bar(rates, "2023年各乡镇衔接资金拨付率", "%")
    ax = chart.figure.axes[0]
    values = {charts.bar_label(v, "%") for v in rates.values()}
    boxes = [b for b in _texts(chart) if b[5] in values]        # the bars' labels (not ticks)
    if chart.horizontal:
        at = ax.transData.transform((100.0, 0))[0]
        crossing = [s for x0, _, x1, _, _, s in boxes if x0 < at < x1]
    else:
        at = ax.transData.transform((0, 100.0))[1]
        crossing = [s for _, y0, _, y1, _, s in boxes if y0 < at < y1]
    assert not crossing, crossing
    shown = " ".join(s for *_, s in _texts(chart))
    assert all(charts.bar_label(v, "%") in shown for v in rates.values())   # every value still shown
