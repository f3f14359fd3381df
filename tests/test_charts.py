"""Charts: vector SVG with real CJK text, legible sizes, stable bytes, text alternatives
stating every number, and the notebook display bundle (SVG for JupyterLab, PNG for
the report) carrying the alternative."""
from __future__ import annotations

import re

import pytest

from zhenxing import charts

DATA = {"乡村保洁员": 38, "交通劝导员": 27, "森林管护员": 11, "生态护林员": 73, "社保协理员": 15}


def _sizes(svg: str) -> list[float]:
    """Every font size (px) of a text element of the SVG (matplotlib writes `font: … 11px …`)."""
    return [float(x) for x in re.findall(r"font[^;\"]*?(\d+(?:\.\d+)?)px", svg)]


def test_svg_keeps_chinese_labels_as_text_in_the_cjk_font():
    fig, _ = charts.bar({"县内": 263, "省内县外": 196, "省外": 230}, "务工人数（按地域）", "人")
    svg = charts.svg(fig)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for label in ("县内", "省内县外", "省外", "务工人数（按地域）", "263"):
        assert label in svg, label
    assert "Noto Sans CJK SC" in svg and "sans-serif" in svg  # named font, then a fallback stack
    assert "<image" not in svg  # vector, no embedded bitmap


def test_chart_text_is_legible_at_phone_width():
    """Drawn at print size: no text under MIN_FONT_PT; on a 390 px phone (about 358 px of
    column) the chart is scaled so that its smallest text is still at least 10 px."""
    fig, _ = charts.bar(DATA, "公益性岗位在岗人数（按岗位类型）", "人")
    svg = charts.svg(fig)
    sizes = _sizes(svg)
    assert sizes, "no font sizes found in the SVG"
    width_pt = float(re.search(r'<svg[^>]*width="([\d.]+)pt"', svg)[1])
    assert width_pt <= 5.2 * 72
    # matplotlib's SVG user unit is the point (viewBox = width in pt)
    assert min(sizes) >= charts.MIN_FONT_PT
    scale = 358 / width_pt  # CSS px per user unit when the chart fills a 390 px phone's column
    assert min(sizes) * scale >= 10, (min(sizes), scale)


def test_long_labels_lie_horizontally_instead_of_colliding():
    fig, _ = charts.bar(DATA, "t", "人")
    assert fig.axes[0].patches[0].get_width() > fig.axes[0].patches[0].get_height()  # barh
    charts.plt.close(fig)
    fig, _ = charts.bar({"县内": 1, "省外": 2}, "t", "人")
    assert fig.axes[0].patches[0].get_height() > 0 and fig.axes[0].patches[0].get_width() < 1
    charts.plt.close(fig)


def test_svg_and_png_are_the_same_bytes_run_to_run():
    def once():
        fig, _ = charts.grouped_bar({"2022年": {"脱贫户": 13873, "监测对象": 9727},
                                     "2023年": {"脱贫户": 14711, "监测对象": 10206}}, "人均纯收入（元）", "元")
        return charts.both(fig)
    (s1, p1), (s2, p2) = once(), once()
    assert s1 == s2 and p1 == p2
    assert "<dc:date>" not in s1


def test_text_alternative_states_every_number():
    _, alt = charts.bar({"县内": 263, "省外": 230, "不明": None}, "务工人数", "人")
    assert "县内263人" in alt and "省外230人" in alt and "不明未计算" in alt


def test_write_gives_svg_and_png_twins(tmp_path):
    fig, _ = charts.bar({"甲": 1, "乙": 2}, "t", "户")
    svg, png = charts.write(fig, tmp_path / "charts" / "c")
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_notebook_display_bundle_has_svg_and_alt(monkeypatch):
    """A notebook shows (and stores) the chart once, as SVG with its alt text; Word's PNG is
    rasterised from that SVG when a DOCX is rendered (test_render)."""
    shown = []
    import IPython.display
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    fig, alt = charts.bar({"甲": 1, "乙": 2}, "测试图", "户")
    charts.show(fig, alt)
    (data,), kw = shown[0]
    assert set(data) == {"image/svg+xml"}
    assert data["image/svg+xml"].lstrip().startswith("<?xml") and "甲" in data["image/svg+xml"]
    assert kw["metadata"]["image/svg+xml"]["alt"] == alt
    assert shown[1][0][0] == {"text/markdown": f"<small>图示说明：{alt}</small>"}


def test_notebook_table_shows_html_in_lab_and_keeps_captioned_markdown(monkeypatch):
    import pandas as pd
    import IPython.display
    from zhenxing import notebook, tables
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
    _, alt = charts.bar({"公益性资产": 1197.06, "县级衔接资金": 294.0, "东西部协作资金": 199.5}, "资金（万元）", "万元")
    assert "1197.06万元" in alt and "294万元" in alt and "199.5万元" in alt
    assert "," not in alt
    _, alt = charts.bar({"脱贫户": 13873.0}, "人均纯收入（元）", "元")
    assert "13873元" in alt


@pytest.mark.parametrize("make", [
    lambda: charts.bar(DATA, "公益性岗位在岗人数（按岗位类型）", "人"),
    lambda: charts.grouped_bar({"2022年": {"脱贫户": 13873, "监测对象": None},
                                "2023年": {"脱贫户": 14711, "监测对象": 10206}}, "人均纯收入（元）", "元"),
])
def test_layout_is_fixed_once_and_saving_skips_the_extra_layout_pass(make, monkeypatch):
    """The builders lay a chart out once and leave no layout engine, so savefig draws each
    format once (not an extra layout-only pass first); the bytes are those of a figure that
    keeps tight_layout's placeholder engine (what matplotlib would otherwise draw twice)."""
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    fig, _ = make()
    assert fig.get_layout_engine() is None
    draws = []
    orig = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, r: (draws.append(r), orig(self, r))[1])
    svg, png = charts.svg(fig, close=False), charts.png(fig, close=False)
    assert len(draws) == 2  # one per format
    monkeypatch.undo()

    old, _ = make()
    old.set_layout_engine(PlaceHolderLayoutEngine(False, False))  # what tight_layout leaves
    assert (charts.svg(old, close=False), charts.png(old, close=False)) == (svg, png)
    charts.plt.close(old)
    charts.plt.close(fig)
