"""The 公文 (issue 22): what the PDF and DOCX a township sends hold, and what the web page adds.

A small report in the frame assemble.py writes (body tables on screens only, a chart block,
the 落款, 附件, provenance as metadata) is rendered once; the PDF's text (pdftotext), the
DOCX's XML and the HTML are then checked for what a program can see."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pytest

from zhenxing.report import assemble, charts, render

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")

PROV = ["数据集：示例（内容校验码 4d9c8ff9e83b）", "政策参数文件：params/defaults.yaml",
        "程序版本：zhenxing 0.1.0（代码提交 82abe45）"]
TABLE = ("| 类别 | 户数 |\n|:---|---:|\n| 脱贫户 | 3 |\n| 合计 | 5 |\n\nTable: 表1　监测对象分类情况")
DETAIL = ("| 项目编号 | 项目名称 | 资金来源 | 批复金额（万元） | 开工日期 | 完工日期 |\n|:---|:---|:---|---:|:---|:---|\n"
          + "".join(f"| XM2023010{i} | 碧垭村农产品冷链仓储项目 | 东西部协作资金 | 121.00 | 2023年5月19日 | 2023年8月16日 |\n"
                    for i in range(40))
          + "\nTable: 附表1　衔接资金项目明细")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    d = tmp_path_factory.mktemp("doc")
    (d / "charts").mkdir()
    chart, alt = charts.bar({"县内": 263, "省外": 230}, "2023年务工人数（按地域）", "人")
    (d / "charts" / "c.svg").write_text(chart.svg, encoding="utf-8")
    body = []
    md = ["2023年，青山镇坚持把巩固拓展脱贫攻坚成果同乡村振兴有效衔接作为重要工作。",
          "## 一、基本情况", "全镇12个村共有农户1765户5673人。",
          "## 二、工作开展情况及成效", "### （一）扎实开展防止返贫动态监测和帮扶",
          "截至年底，全镇累计识别认定防止返贫监测对象38户128人。",
          *assemble.screen_tables([TABLE], body),
          assemble.figure(1, alt, "charts/c.svg"),
          "## 三、存在问题", "一是零就业家庭尚未动态清零。",
          "## 四、2024年工作打算", "一是持续抓好防止返贫动态监测和帮扶。",
          "::: {.signature}\n青山镇人民政府\\\n2023年12月31日\n:::",
          *assemble.annexes([DETAIL], body, "各乡镇主要指标如下，[点击](x.html)乡镇名称查看。"),
          assemble.metadata(PROV, [("青山镇", "report.html"), ("示例县汇总", "../county.html"), ("目录", "../../../index.html")])]
    out = render.render("\n\n".join(md) + "\n", d, title="青山镇2023年巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作总结",
                        resources=d)
    text = subprocess.run(["pdftotext", "-layout", str(out["pdf"]), "-"], capture_output=True, text=True).stdout
    with zipfile.ZipFile(out["docx"]) as z:
        xml = z.read("word/document.xml").decode("utf-8")
        custom = z.read("docProps/custom.xml").decode("utf-8") if "docProps/custom.xml" in z.namelist() else ""
    return {"pdf_text": text, "docx_xml": xml, "docx_custom": custom, "html": out["html"].read_text(encoding="utf-8")}


def _docx_text(xml: str) -> str:
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_no_tool_talk_in_the_document(rendered, fmt):
    text = rendered["pdf_text"] if fmt == "pdf" else _docx_text(rendered["docx_xml"]) + rendered["docx_custom"]
    assert "点击" not in text
    assert ".yaml" not in text and "代码提交" not in text and "4d9c8ff9e83b" not in text
    assert not re.search(r"\b[0-9a-f]{7,40}\b", text)


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_signature_follows_the_body_and_annexes_follow_it(rendered, fmt):
    text = rendered["pdf_text"] if fmt == "pdf" else _docx_text(rendered["docx_xml"])
    flat = re.sub(r"\s+", "", text)
    body_end = flat.index("一是持续抓好防止返贫动态监测和帮扶")
    sig = flat.index("青山镇人民政府2023年12月31日")
    assert body_end < sig < flat.index("附件1") < flat.index("附件2")
    assert "脱贫户3" not in flat[:sig]  # the body's table is not in the printed body
    assert "主要数据表" in flat[sig:]


def test_print_has_no_chart_unless_asked(rendered):
    assert "图1" not in rendered["pdf_text"]
    assert "图1" not in _docx_text(rendered["docx_xml"])


def test_ids_and_dates_are_never_broken_in_the_pdf(rendered):
    text = rendered["pdf_text"]
    assert len(re.findall(r"XM2023010\d+", text)) == 40 and "2023年5月19日" in text.replace(" ", "")
    for line in text.splitlines():
        assert not re.search(r"XM\d{1,7}\s*$", line), line  # an id cut at the end of a line


def test_docx_tables_repeat_their_header_and_rows_do_not_split(rendered):
    xml = rendered["docx_xml"]
    rows = re.findall(r"<w:tr[ >].*?</w:tr>", xml, re.S)
    assert rows
    assert all("<w:cantSplit" in r for r in rows)
    tables = re.findall(r"<w:tbl>.*?</w:tbl>", xml, re.S)
    assert all("<w:tblHeader" in re.search(r"<w:tr[ >].*?</w:tr>", t, re.S).group(0) for t in tables)
    assert 'w:val="Heading1"' in xml and 'w:val="Signature"' in xml
    assert '<w:br w:type="page"/>' in xml  # every 附件 from a new page


def test_web_page_links_everywhere_and_folds_the_provenance(rendered):
    html = rendered["html"]
    assert 'href="../county.html"' in html and 'href="../../../index.html"' in html
    assert "<details>" in html and "代码提交" in html.split("<details>", 1)[1]
    assert "脱贫户" in html.split("三、存在问题")[0]  # the body's table inline on screens
    assert "data:image/svg+xml" in html  # the chart inline
    assert "@media (max-width: 600px)" in html


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext 未安装（poppler-utils）")
def test_the_signature_never_stands_alone_on_a_page(tmp_path):
    """Whatever the body's length, the page that carries the 落款 also carries body text
    (the body's last paragraph is kept with it). Bodies of 8 to 30 paragraphs put the end
    of the body at every point of a page, so one of them fills its last page exactly."""
    para = "我镇坚持把巩固拓展脱贫攻坚成果同乡村振兴有效衔接作为头等大事，逐户排查、逐项落实，确保各项帮扶措施落地见效。" * 2
    for n in range(8, 31):
        md = "## 一、工作开展情况\n\n" + "\n\n".join(para for _ in range(n)) + \
             "\n\n::: {.signature}\n青山镇人民政府\\\n2024年1月15日\n:::\n"
        out = render.render(md, tmp_path / f"o{n}", title="青山镇2023年工作总结", formats=("pdf",), resources=tmp_path)
        pages = subprocess.run(["pdftotext", "-layout", str(out["pdf"]), "-"], capture_output=True, text=True,
                               check=True).stdout.split("\f")
        page = next(p for p in pages if "青山镇人民政府" in p)
        body = [line for line in page.splitlines() if line.strip() and "人民政府" not in line
                and "2024年1月15日" not in line and not re.fullmatch(r"\s*—\s*\d+\s*—\s*", line)]
        assert body, f"{n} paragraphs: the 落款 stands alone on its page"
