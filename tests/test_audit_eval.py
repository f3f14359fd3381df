"""`zhenxing audit` on texts it was not written against (issue 26): one unit test per class
of relation, in the phrasings real summaries use, the correct shapes that must stay silent,
.docx tables, and the evaluation set of tests/audit/evalset.py (fixed seed)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from zhenxing.audit import checker as audit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "audit"))
import evalset  # noqa: E402


def findings(*lines: str) -> set[tuple]:
    return {(f.kind, f.line, f.quote, f.expected) for f in audit.audit_lines(list(lines))}


# --- a difference of rates written as % ------------------------------------------------------

@pytest.mark.parametrize("lines,quote", [
    (["全镇农村自来水普及率由92.1%提高到94.8%，提高2.7%。"], "2.7%"),
    (["脱贫人口人均纯收入增速12.6%，高于全县农村居民收入增速（8.7%）3.9%。"], "3.9%"),
    (["2022年衔接资金拨付率为88.2%，2023年为95.6%。拨付率提升了7.4%。"], "7.4%"),
    (["上年监测对象返贫风险占比为5.2%，今年为3.4%，下降1.8%。"], "1.8%"),
    (["2022年项目开工率为81.5%，2023年为90.2%。", "项目开工率较上年上升了8.7%。"], "8.7%"),
    (["上年风险消除率为68.6%，今年为68.5%，回落了0.1%。"], "0.1%"),
    (["脱贫户人均纯收入增幅达12.3%，比全市平均水平（9.1%）高3.2%。"], "3.2%"),
])
def test_difference_of_rates_in_every_phrasing(lines, quote):
    got = {(k, q, e) for k, _, q, e in findings(*lines)}
    assert got == {("unit", quote, quote[:-1] + "个百分点")}


@pytest.mark.parametrize("line", [
    "全镇农村自来水普及率由92.1%提高到94.8%，提高2.7个百分点。",
    "脱贫人口务工收入由420万元增加到455万元，增长8.33%。",
    "上年监测对象返贫风险占比为5.2%，今年为3.4%，下降1.8个百分点。",
    "拨付率提高到95%，开工率达到100%。",
])
def test_points_and_true_growth_are_silent(line):
    assert not findings(line)


# --- one quantity, two values ----------------------------------------------------------------

@pytest.mark.parametrize("first,second,quote,expected", [
    ("全乡有脱贫户2416户7803人。", "全乡2461户脱贫户全部落实帮扶责任人。", "2461户", "2416户"),
    ("安置点共安置搬迁群众38户152人。", "对搬迁群众开展后续扶持，覆盖38户125人。", "38户125人", "38户152人"),
    ("累计识别监测对象31户。", "已对36户监测户落实帮扶措施。", "36户", "31户"),
    ("全乡劳动力5120人。", "为5210名劳动力建立就业台账。", "5210名", "5120人"),
])
def test_one_quantity_two_values(first, second, quote, expected):
    assert findings(first, second) == {("inconsistent", 2, quote, expected)}


@pytest.mark.parametrize("lines", [
    ["全乡有脱贫户2416户7803人。", "2416户脱贫户全部落实帮扶责任人。", "对脱贫户开展走访，覆盖2416户7803人。"],
    ["累计识别监测对象31户，其中新识别5户。", "今年新识别监测对象5户。", "风险已消除监测对象20户。", "青松村监测对象4户。"],
    ["全乡脱贫户和监测户共430户。", "全乡脱贫户412户。"],
    ["全乡劳动力5120人。", "脱贫劳动力2480人。", "搬迁劳动力120人。"],
])
def test_narrowed_or_repeated_quantities_are_silent(lines):
    assert not findings(*lines)


# --- a share whose parts stand elsewhere -----------------------------------------------------

def test_share_with_its_parts_in_the_sentence_before():
    base = "全年投入衔接资金1200万元，其中产业发展688万元、基础设施512万元。产业发展资金占比为{}。"
    assert findings(base.format("55.3%")) == {("rate", 1, "55.3%", "57.33%")}
    for right in ("57.33%", "57.3%", "57%"):
        assert not findings(base.format(right)), right
    longer = "全年拨付衔接资金900万元，其中产业资金520万元。产业资金占全年拨付资金的比重为{}。"
    assert findings(longer.format("60.2%")) == {("rate", 1, "60.2%", "57.78%")}
    assert not findings(longer.format("57.8%"))
    # a share that names no part of the sentence before is not checked against it
    assert not findings("务工人数4076人，去年3883人。产业项目资金占比为40.0%。")


# --- nested breakdowns --------------------------------------------------------------------------

NESTED = ("共有监测户52户170人，其中未消除风险37户118人（A类20户66人、B类15户48人、C类2户4人），"
          "已消除风险15户52人（A类5户20人、B类10户32人）。")


def test_nested_breakdowns_are_a_tree():
    assert not findings(NESTED)
    assert not findings("纳入监测对象54户167人，其中未消除风险26户81人，其中脱贫不稳定户7户23人、边缘易致贫户18户54人、"
                        "突发严重困难户1户4人；已消除风险28户86人。")
    # a wrong figure is found at its own level
    assert findings(NESTED.replace("15户52人（", "15户53人（")) == {("sum", 1, "52户170人", "52户171人")}
    inner = ("共有监测户52户170人，其中未消除风险37户118人（脱贫不稳定户20户66人、边缘易致贫户15户48人、"
             "突发严重困难户2户5人），已消除风险15户52人。")
    assert findings(inner) == {("sum", 1, "37户118人", "37户119人")}
    outer = "纳入监测对象54户53人，其中未消除风险26户81人，其中脱贫不稳定户7户23人；已消除风险28户86人。"
    assert findings(outer) == {("sum", 1, "54户53人", "54户167人")}


def test_partial_lists_are_silent():
    assert not findings("共有监测户52户170人，其中未消除风险37户118人（其中因病20户），已消除风险15户52人。")
    assert not findings("特困供养258人，其中集中供养46人。")


# --- numbering ----------------------------------------------------------------------------------

def test_numbering_restarts_under_an_unnumbered_heading():
    lines = ["一、工作开展情况", "（一）甲。", "（二）乙。", "（三）丙。", "（四）丁。", "（五）戊。", "（六）己。", "（七）庚。",
             "2024年工作计划", "（一）甲。", "（二）乙。"]
    assert not findings(*lines)
    assert findings(*lines, "（四）丙。") == {("numbering", 12, "（四）", "（三）")}
    assert not findings("# 总结", "1.甲", "2.乙", "# 2024年工作思路", "1.丙", "2.丁")


def test_a_first_item_repeated_in_one_paragraph():
    assert findings("一是甲。一是乙。二是丙。") == {("numbering", 1, "一是", "二是")}
    assert not findings("一是甲。二是乙。", "一是丙。二是丁。")


# --- .docx tables -------------------------------------------------------------------------------

def _docx(tmp_path, paragraphs, rows, after=1):
    import docx
    d = docx.Document()
    for i, p in enumerate(paragraphs, 1):
        d.add_paragraph(p)
        if i == after:
            t = d.add_table(rows=len(rows), cols=len(rows[0]))
            for a, row in enumerate(rows):
                for b, v in enumerate(row):
                    t.cell(a, b).text = v
    path = tmp_path / "t.docx"
    d.save(str(path))
    return path


ROWS = [["项目类别", "资金（万元）", "项目数（个）"], ["产业发展", "120.5", "6"], ["基础设施", "80", "4"], ["合计", "200.5", "10"]]


def test_docx_tables_are_read_and_checked(tmp_path):
    right = _docx(tmp_path, ["资金安排如下。", "其中产业发展资金120.5万元，产业发展占比为60.1%。基础设施投入80万元。"], ROWS)
    lines, fs = audit.audit_file(right)
    assert lines[2] == "【表1·第1行】项目类别 | 资金（万元） | 项目数（个）"
    assert not fs
    rows = [r[:] for r in ROWS]
    rows[3][1] = "210.5"
    wrong = _docx(tmp_path, ["资金安排如下。", "产业发展占比为60.1%。基础设施投入85万元。"], rows)
    lines, fs = audit.audit_file(wrong)
    got = {(f.kind, f.line, f.quote, f.expected) for f in fs}
    assert got == {("rate", 2, "60.1%", "57.24%"), ("inconsistent", 2, "85万元", "80万元"), ("sum", 6, "210.5", "200.5万元")}


def test_cli_checks_docx_tables(tmp_path, capsys):
    from zhenxing import cli
    rows = [r[:] for r in ROWS]
    rows[3][2] = "11"
    path = _docx(tmp_path, ["资金安排如下。"], rows)
    assert cli.main(["audit", str(path)]) == 1
    out = capsys.readouterr().out
    assert "表1" in out and "10个" in out


# --- the evaluation set ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def evaluation():
    return evalset.evaluate(evalset.SEED)


@pytest.mark.parametrize("cls", evalset.CLASSES)
def test_evaluation_recall_per_class(evaluation, cls):
    t = evaluation[cls]
    assert t.slips >= 60 and t.found / t.slips >= 0.95, t.missed


@pytest.mark.parametrize("cls", evalset.CLASSES)
def test_evaluation_no_false_alarm(evaluation, cls):
    t = evaluation[cls]
    assert t.controls >= 60 and t.false_alarms == 0, t.alarms


def test_evaluation_uses_the_references_when_present():
    names = [n for n, _ in evalset.hosts()]
    assert {"h1_baishui.txt", "h2_longtan.txt", "h3_xiangyang.md", "h4_shiqiao.txt"} <= set(names)
    if evalset.REFERENCE.is_dir():
        assert sum(n.startswith("00") for n in names) == 4


def test_own_host_texts_are_clean():
    for p in sorted(evalset.EVAL_TEXTS.iterdir()):
        _, fs = audit.audit_file(p)
        assert not fs, (p.name, [(f.line, f.kind, f.quote) for f in fs])


def test_evaluation_can_fail(monkeypatch):
    """The measurement notices a checker that stops working."""
    monkeypatch.setattr(audit, "CHECKS", tuple(c for c in audit.CHECKS if c is not audit.check_points))
    t = evalset.evaluate(evalset.SEED, trials=10, classes=("unit",))["unit"]
    assert t.found / t.slips < 0.5


def test_development_texts_give_their_planted_slips():
    for name, (planted, found, extra) in evalset.development().items():
        assert (found, extra) == (planted, 0), name
