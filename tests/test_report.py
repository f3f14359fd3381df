"""The annual summary as a township writer would sign it (issue 10): themed 存在问题, a
{Y+1}年工作打算 without past dates, the register (全镇, the report date once, 注), number
formats — on the bundled sample, rendered as a user runs it."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

from zhenxing.report import assemble as report
from zhenxing.words import numbers, wording

TOWN = "青山镇"


def _run(out: Path, report_date: str) -> Path:
    r = subprocess.run([sys.executable, "-m", "zhenxing.cli", "run", "--township", TOWN, "--year", "2023",
                        "--report-date", report_date, "--formats", "html", "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    return out / "2023" / "示例县" / TOWN


@pytest.fixture(scope="module", params=["2023-12-31", "2023-06-30"])
def run(request, tmp_path_factory):
    d = _run(tmp_path_factory.mktemp("o"), request.param)
    return d, dt.date.fromisoformat(request.param), (d / "report.md").read_text(encoding="utf-8")


def section(md: str, head: str) -> str:
    """A section's text, up to the next heading or the 落款 (the signature block that ends
    the body, then the 附件)."""
    m = re.search(rf"^## {head}\n(.*?)(?=^## |^::: \{{\.signature\}}|\Z)", md, re.S | re.M)
    assert m, head
    return m.group(1).strip()


def prose(md: str) -> str:
    """The body paragraphs: no tables, captions, figures, headings or provenance; up to the
    落款 (the signature block names the issuer, then come the 附件)."""
    body = md.split("## 数据来源与生成信息")[0].split("::: {.signature}")[0]
    keep = [ln for ln in body.splitlines()
            if ln.strip() and not ln.startswith(("|", "Table:", "![", "#", ":::"))]
    return "\n".join(keep)


def test_problems_are_at_most_five_themed_items(run):
    _, _, md = run
    items = [p for p in section(md, "三、存在问题").split("\n\n") if p.strip()]
    assert 1 <= len(items) <= 5
    for i, item in enumerate(items):
        assert item.startswith(f"{wording.ORDINALS[i]}是"), item
    body = "".join(items)
    # the three policy misreadings are gone
    assert "风险未消除" not in body and "不履职" not in body and "产业发展的比例" not in body
    # one sentence per rule: the nested thresholds and the checkpoints are merged
    assert body.count("低于8000元") <= 1 and body.count("累计拨付率") <= 1


def test_plan_is_for_next_year_and_states_no_past_date(run):
    _, d, md = run
    assert "## 四、2024年工作打算" in md
    plan = section(md, "四、2024年工作打算")
    assert plan.startswith("一是") and "2024年" in plan
    for m in re.finditer(r"(20\d\d)年(\d{1,2})月(\d{1,2})日", plan):
        assert dt.date(*map(int, m.groups())) > d, m.group(0)
    for m in re.finditer(r"2023年((?:[一二三]季度末|\d+月底|、)+)", plan):
        names = {"一季度末": 3, "二季度末": 6, "三季度末": 9}
        months = [names.get(p) or int(p.rstrip("月底")) for p in m.group(1).split("、") if p]
        assert all(mo > d.month for mo in months), m.group(0)
    assert "石屯村" in plan                                     # the village with most unresolved households
    assert "碧垭村农产品冷链仓储项目" in plan                     # an unfinished project by name
    if d.month == 12:
        assert "碧场村村内道路硬化项目" not in plan               # completed on 2023-08-16
    if d.month == 6:
        assert "2023年三季度末、11月底前累计拨付率分别达到75%、100%" in plan


def test_numbers_as_the_documents_write_them(run):
    _, _, md = run
    said = section(md, "三、存在问题") + section(md, "四、2024年工作打算")
    assert not re.search(r"(25|50|60|75|90|100)\.00%的", said)    # targets as the documents write them
    assert "序时进度" not in said or "25%" in said or "50%" in said
    rows = re.findall(r"^\| (?:[一二三]季度末（)?\d+月\d+日）? \|.*$", md, re.M)   # the progress table
    assert rows
    for row in rows:
        assert re.search(r"\| \d+% \|$", row), row
    assert not re.search(r"(?<![\d.])0\.00%", prose(md))
    assert not re.search(r"\d,\d{3}", prose(md))               # no thousands separators
    assert not re.search(r"\d{4}-\d{2}-\d{2}", md.split("## 数据来源与生成信息")[0])   # Chinese dates in tables


def test_register_report_date_once_and_the_township_as_quanzhen(run):
    _, d, md = run
    full = numbers.date_cn(d)
    assert md.count(full) <= 2                                  # the intro and the provenance
    body = prose(md)
    first, rest = body.split("\n", 1)
    assert TOWN in first and TOWN not in rest                   # 全镇/我镇 after the first mention
    assert "全镇" in rest
    assert "### （一）扎实开展防止返贫动态监测和帮扶" in md
    assert "识别认定" in body and "纳入监测对象" not in body
    # method notes in a 注 below the section, not in the body
    assert "可计算" not in body
    assert re.search(r"注：识别认定用时按\d+户", md)


def test_the_stock_and_the_year_with_categories_in_one_sentence(run):
    _, d, md = run
    body = prose(md)
    assert re.search(r"已消除风险\d+户\d+人（脱贫不稳定户\d+户\d+人，", body)
    assert re.search(r"(全年|年内)新识别认定监测对象\d+户\d+人（", body)
    assert re.search(r"主要风险为因病的\d+户\d+人，占\d+(\.\d{1,2})?%", body)   # prose drops trailing zeros


def test_analysts_notes_replace_the_plan(run, tmp_path):
    d, _, _ = run
    notes = tmp_path / "notes.md"
    notes.write_text("一是分析员自己写的打算。", encoding="utf-8")
    _, md = report.assemble(d, dataset_name="sample", dataset_hash="0" * 64,
                            parameters={"dataset": "", "township": TOWN, "year": 2023}, notes=notes)
    plan = section(md, "四、2024年工作打算")
    assert plan == "一是分析员自己写的打算。"
