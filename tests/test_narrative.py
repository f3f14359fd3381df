"""The writer's file (reporting.md "The writer's own words"): sections by name, an unknown
one refused naming the accepted ones, items numbered on, numbers checked against the data."""
from __future__ import annotations

import pytest

import zhenxing.audit.writers  # noqa: F401 — registers the check of the writer's numbers
from zhenxing.report import narrative


def write(tmp_path, text):
    p = tmp_path / "narrative" / "2023" / "青山镇.md"
    p.parent.mkdir(parents=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_sections_anchor_by_name_and_text_is_kept_as_written(tmp_path):
    p = write(tmp_path, "## 开头\n\n今年我镇**高度重视**。\n\n## 防止返贫动态监测\n\n双线排查。\n\n"
                        "## 存在问题\n\n一是驻村干部力量不足。\n\n- 档案管理不规范\n\n## 落款\n\n青山镇党委\n2024年1月5日\n")
    n = narrative.parse(p)
    assert n.text("开头") == "今年我镇**高度重视**。"
    assert n.text("monitoring") == "双线排查。"
    assert n.items("存在问题") == ["驻村干部力量不足。", "档案管理不规范"]
    assert n.signature() == ("青山镇党委", "2024年1月5日")
    assert narrative.numbered_on(["一是甲。"], n.items("存在问题")) == ["一是甲。", "二是驻村干部力量不足。", "三是档案管理不规范"]
    assert narrative.numbered_on(["无问题。"], ["乙"], "无问题。") == ["一是乙"]


def test_unknown_section_is_refused_by_name_with_the_accepted_ones(tmp_path):
    p = write(tmp_path, "## 开头\n\n好。\n\n## 心得体会\n\n没有这个部分。\n")
    with pytest.raises(narrative.NarrativeError) as e:
        narrative.parse(p)
    msg = str(e.value)
    assert "“心得体会”" in msg and "开头" in msg and "防止返贫动态监测" in msg and "亮点" in msg


def test_a_number_that_contradicts_the_data_is_warned_of(tmp_path, capsys):
    write(tmp_path, "## 防止返贫动态监测\n\n全镇累计识别认定防止返贫监测对象40户128人。\n")
    ind = {"township": "青山镇", "year": 2023, "report_date": "2023-12-31",
           "monitoring": {"total": {"households": 38, "persons": 128}}}
    n = narrative.load(tmp_path, 2023, "青山镇", ind)
    assert n.warnings and "38户128人" in n.warnings[0]
    assert "38户128人" in capsys.readouterr().err
    assert any("38户128人" in line for line in narrative.provenance_line(n))
    ok = write(tmp_path / "b", "## 防止返贫动态监测\n\n全镇累计识别认定防止返贫监测对象38户128人。\n")
    assert narrative.load(ok.parents[2], 2023, "青山镇", ind).warnings == []


def test_the_digest_changes_with_the_file(tmp_path):
    p = write(tmp_path, "## 亮点\n\n甲。\n")
    a = narrative.digest(p)
    p.write_text("## 亮点\n\n乙。\n", encoding="utf-8")
    assert narrative.digest(p) != a and narrative.digest(tmp_path / "none.md") is None


def test_a_written_section_is_kept_where_the_data_say_nothing(tmp_path):
    """Without the ledgers the 帮扶力量/问题整改 section has no computed sentence; the writer's
    text for it still stands under its heading, in the township report and the county's."""
    import shutil
    import subprocess
    import sys

    from zhenxing.data import contract
    from zhenxing.sample import generator as sample
    from zhenxing.topics.registry import TOPIC_TITLES
    ds = sample.generate(tmp_path / "ds", townships=2, households_per_township=80, mixed_formats=False)
    for f in ds.iterdir():      # no 工作台账, 问题整改台账 or 驻村工作队
        if f.stem in ("activities", "rectification", "teams", "工作台账", "问题整改台账", "驻村工作队"):
            f.unlink()
    towns = contract.prepare(ds, tmp_path / "cache")["townships"]
    town, county = sorted(towns.items())[0]
    head = TOPIC_TITLES["work"]
    words = {town: "镇村干部每月开展一次政策宣讲，帮扶责任人每季度入户走访。",
             county: "县级每季度召开一次驻村工作队联席会议，通报问题整改进展。"}
    for name, text in words.items():
        f = ds / "narrative" / "2023" / f"{name}.md"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f"## {head}\n\n{text}\n", encoding="utf-8")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "zhenxing.cli", "run", str(ds), "--out", str(out), "--formats", "html"],
                       capture_output=True, text=True, env={**__import__("os").environ,
                                                            "ZHENXING_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 0, r.stderr[-2000:]
    md = (out / "2023" / county / town / "report.md").read_text(encoding="utf-8")
    assert f"{head}\n\n{words[town]}" in md
    cmd = (out / "2023" / county / "county.md").read_text(encoding="utf-8")
    assert words[county] in cmd and cmd.index(words[county]) > cmd.index("## 二、")
    other = sorted(towns)[1]
    assert head not in (out / "2023" / county / other / "report.md").read_text(encoding="utf-8")
    shutil.rmtree(out)
