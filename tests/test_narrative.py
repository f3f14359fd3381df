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
