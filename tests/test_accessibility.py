"""Accessibility of the rendered HTML report, checked in a real headless Chromium.

axe-core (WCAG 2.0/2.1, levels A and AA) must find no serious or critical
violation, in the normal view, the large-print (长者版) view and on a phone-sized
screen. axe-core does not flag a data table without <th>, so that, the alt text of
every image and the absence of any network request are checked here directly.

Needs Debian's chromium (on PATH, or /usr/bin/chromium) and the PyPI packages playwright
(its driver only: never `playwright install`) and axe-playwright-python (which
bundles axe.min.js).
"""

from __future__ import annotations

import importlib.resources
import struct
import textwrap
import zlib
from pathlib import Path

import pytest

from conftest import chromium, setup_installs  # noqa: E402
from zhenxing.report.render import render

CHROMIUM = chromium()  # any chromium on PATH, as set-up finds it, else /usr/bin/chromium
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason=setup_installs("chromium", "PATH 上没有 chromium，跳过无障碍检查（apt-get install -y chromium）"),
)

TITLE = "东风镇2024年巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作总结"

MARKDOWN = textwrap.dedent(
    """\
    ## 一、基本情况

    截至2024年12月31日，全镇辖12个行政村，共有农户3,456户、11,234人，
    其中脱贫户567户、1,890人，监测对象45户、132人。

    ## 二、工作开展情况及成效

    ### （一）防止返贫动态监测

    全年新识别监测对象8户、23人，已消除风险31户、96人，风险消除率68.9%。
    详见[附表](#五附表)。

    Table: 表1 各村监测对象情况

    | 村名 | 监测户数 | 监测人数 | 已消除风险户数 | 风险消除率 | 备注 |
    |:-----|-----:|-----:|-----:|-----:|:-----|
    | 东村 | 12 | 35 | 8 | 66.7% | 含新识别3户 |
    | 西村 | 9 | 27 | 6 | 66.7% | |
    | 合计 | 21 | 62 | 14 | 66.7% | |

    ![图1 各村监测对象户数：东村12户，西村9户](charts/monitoring_1.png)

    #### 1. 监测范围

    监测范围覆盖全镇农户。

    ##### （1）监测标准

    年人均纯收入低于7,900元的农户纳入监测。

    ## 三、存在问题

    - 部分村风险消除进度偏慢。
    - 公益性岗位人员年龄偏大。

    ## 四、下一步工作打算

    1. 加强动态监测。
    2. 落实帮扶措施。

    ## 五、附表

    | 类别 | 户数 |
    |:--|--:|
    | 脱贫不稳定户 | 20 |
    | 边缘易致贫户 | 25 |

    ## 数据来源与生成信息

    数据集：sample（SHA-256 0123abcd）\\
    报告日期：2024-12-31\\
    生成时间：2025-01-05T10:00:00
    """
)


def tiny_png(width: int = 48, height: int = 24) -> bytes:
    raw = b"".join(b"\x00" + bytes((31, 119, 180)) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def axe_source() -> str:
    return (importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text(
        encoding="utf-8"
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("a11y")
    (base / "charts").mkdir()
    (base / "charts" / "monitoring_1.png").write_bytes(tiny_png())
    return render(MARKDOWN, base / "out", title=TITLE, formats=["html"], resources=base,
                  backend="pandoc")["html"]


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # the set-up script installs it; say how
        pytest.fail("需要 PyPI 包 playwright==1.65.2 与 axe-playwright-python==0.1.8 "
                    "(pip install; never run `playwright install`)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_page(browser, report: Path, **context):
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    return ctx, page, requests


def serious_violations(page) -> list[str]:
    page.add_script_tag(content=axe_source())
    result = page.evaluate(
        """async (tags) => await axe.run(document, {
               runOnly: {type: 'tag', values: tags},
               resultTypes: ['violations'],
           })""",
        WCAG_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(n["html"][:120] for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    "view",
    [
        pytest.param({"viewport": {"width": 1280, "height": 900}}, id="desktop"),
        pytest.param({"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2,
                      "is_mobile": True, "has_touch": True}, id="phone"),
    ],
)
def test_axe_finds_no_serious_violation(browser, report, view):
    ctx, page, _ = open_page(browser, report, **view)
    try:
        assert serious_violations(page) == []
        # the same holds in the large-print (长者版) view
        page.click("#large-print-toggle")
        assert serious_violations(page) == []
    finally:
        ctx.close()


def test_tables_have_header_cells_and_images_alt_text(browser, report):
    ctx, page, _ = open_page(browser, report)
    try:
        tables = page.evaluate(
            """() => [...document.querySelectorAll('table')].map(t => ({
                   th: t.querySelectorAll('thead th').length,
                   scoped: t.querySelectorAll('thead th[scope="col"]').length,
                   cols: t.rows[t.rows.length - 1].cells.length,
               }))"""
        )
        assert len(tables) == 2
        for t in tables:
            assert t["th"] == t["cols"] > 0, t
            assert t["scoped"] == t["th"], t
        alts = page.evaluate("() => [...document.images].map(i => i.getAttribute('alt'))")
        assert alts and all(a and a.strip() for a in alts), alts
        assert "东村12户" in alts[0], "the alt text states the numbers"
        # every image actually loaded (inlined, so nothing to fetch)
        assert page.evaluate("() => [...document.images].every(i => i.naturalWidth > 0)")
    finally:
        ctx.close()


def test_page_makes_no_network_request(browser, report):
    ctx, page, requests = open_page(browser, report)
    try:
        assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
        assert page.title() == TITLE
        others = [u for u in requests if not u.startswith(("file:", "data:"))]
        assert others == []
        assert page.evaluate(
            "() => performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(n => !n.startsWith('data:') && !n.startsWith('file:'))"
        ) == []
    finally:
        ctx.close()


def test_large_print_toggle_and_keyboard_access(browser, report):
    ctx, page, _ = open_page(browser, report, viewport={"width": 375, "height": 812})
    try:
        # the first Tab lands on the skip link, which leads to <main>
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        assert page.evaluate("() => location.hash") == "#main"
        assert page.evaluate("() => document.activeElement.id") == "main"
        size = "() => parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)"
        normal = page.evaluate(size)
        button = page.locator("#large-print-toggle")
        assert button.get_attribute("aria-pressed") == "false"
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
        assert page.evaluate(size) >= normal * 1.3
        # remembered on reload
        page.reload()
        assert page.locator("#large-print-toggle").get_attribute("aria-pressed") == "true"
        page.locator("#large-print-toggle").click()
        assert page.evaluate(size) == normal
        # a wide table scrolls inside its own region on a phone, the page does not
        assert page.evaluate(
            "() => document.documentElement.scrollWidth <= window.innerWidth"
        )
    finally:
        ctx.close()


def test_print_layout_hides_controls(browser, report):
    ctx, page, _ = open_page(browser, report)
    try:
        page.emulate_media(media="print")
        assert page.locator("#large-print-toggle").is_hidden()
        assert page.locator("h1").is_visible()
        pdf = page.pdf(prefer_css_page_size=True)
        assert pdf.startswith(b"%PDF")
    finally:
        ctx.close()


def test_the_check_catches_a_bad_page(browser, tmp_path):
    """The same checks fail on a page like nbconvert's: no lang, grey-on-white
    text, an image without alt, a table without header cells."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><title>x</title></head><body><main>"
        "<p style='color:#bbb'>浅灰色文字对比度不足</p>"
        f"<img src='data:image/png;base64,{__import__('base64').b64encode(tiny_png()).decode()}'>"
        "<table><tr><td>村名</td><td>户数</td></tr><tr><td>东村</td><td>12</td></tr></table>"
        "</main></body></html>",
        encoding="utf-8",
    )
    ctx, page, _ = open_page(browser, bad)
    try:
        found = " ".join(serious_violations(page))
        for rule in ("html-has-lang", "color-contrast", "image-alt"):
            assert rule in found
        assert page.evaluate("() => document.querySelectorAll('table th').length") == 0
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def run_outputs(tmp_path_factory, tiny_dataset) -> tuple[Path, str, str]:
    """A real `zhenxing run` of the project's own tiny dataset (HTML only, one township)."""
    import subprocess
    import sys

    from zhenxing.data import contract
    town, county = sorted(contract.prepare(tiny_dataset)["townships"].items())[0]
    out = tmp_path_factory.mktemp("run")
    r = subprocess.run([sys.executable, "-m", "zhenxing.cli", "run", str(tiny_dataset), "--year", "2023",
                        "--township", town, "--out", str(out), "--formats", "html"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    return out, county, town


@pytest.mark.parametrize("page_path", ["2023/{county}/{town}/report.html", "2023/{county}/county.html", "index.html"])
def test_real_reports_pass_axe(browser, run_outputs, page_path):
    out, county, town = run_outputs
    f = out / page_path.format(county=county, town=town)
    ctx, page, requests = open_page(browser, f, viewport={"width": 1280, "height": 900})
    try:
        assert serious_violations(page) == []
        missing_th = page.evaluate("() => [...document.querySelectorAll('table')].filter(t => !t.querySelector('th')).length")
        assert missing_th == 0
        assert not [u for u in requests if not u.startswith(("file:", "data:"))]
    finally:
        ctx.close()
