"""`zhenxing audit`: the grammar of figures, each check on its own, the four published
reference summaries (every slip verifiable by hand, and right relations that must stay
silent), five summaries of our own with planted slips (tests/audit/), and the command."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from zhenxing import cli
from zhenxing.audit import checker as audit

HERE = Path(__file__).resolve().parent
OWN = HERE / "audit"
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


def found(lines_or_path, checks=None) -> set[tuple]:
    lines = audit.read_lines(lines_or_path) if isinstance(lines_or_path, Path) else lines_or_path
    doc = audit.Doc.parse(lines)
    fs = [f for c in (checks or audit.CHECKS) for f in c(doc)]
    return {(f.kind, f.line, f.quote, f.expected) for f in fs}


def verified(lines) -> list[tuple]:
    doc = audit.Doc.parse(lines)
    for c in audit.CHECKS:
        c(doc)
    return doc.verified


def one(text: str, check) -> set[tuple]:
    return {(f.kind, f.quote, f.expected) for f in check(audit.Doc.parse([text]))}


# --- the grammar --------------------------------------------------------------------------

def test_figures_are_typed_with_their_spans():
    line = "全年确定监测对象7户19人，拨付513.029849万元，拨付率68.12%，较上年提高3.5个百分点，2023年5月19日完成。"
    figs = {f.raw: f for f in audit.figures(line)}
    pair = figs["7户19人"]
    assert (pair.kind, pair.value, pair.persons, pair.before) == ("pair", 7, 19, "全年确定监测对象")
    assert line[pair.start:pair.end] == "7户19人"
    money = figs["513.029849万元"]
    assert (money.kind, money.unit, money.decimals) == ("money", "万元", 6)
    assert figs["68.12%"].kind == "percent" and figs["68.12%"].decimals == 2
    assert figs["3.5个百分点"].kind == "points"
    assert figs["2023年5月19日"].kind == "date"


def test_figures_inside_quotes_and_names_are_not_quantities():
    figs = audit.figures("落实“351”“180”健康帮扶政策，按照“1+1+X”思路，20xx年累计捐款2.78万元，培养3-5个致富带头人。")
    bare = [f for f in figs if f.kind == "bare" and not f.quoted]
    assert not bare
    assert [f.raw for f in figs if f.kind == "money"] == ["2.78万元"]


def test_chinese_numerals_carry_counts():
    assert audit.cn_value("三") == 3 and audit.cn_value("十二") == 12 and audit.cn_value("二十五") == 25
    assert audit.cn_value("一百零八") == 108
    figs = audit.figures("洛吉乡现有产业基地四个，共开展三轮排查。")
    assert [(f.kind, int(f.value), f.unit) for f in figs] == [("cn", 4, "个"), ("cn", 3, "轮")]


def test_malformed_numbers_are_recognised():
    f, = [f for f in audit.figures("补助金额7。7万元") if f.kind == "money"]
    assert f.value == Decimal("7.7") and f.fixed == "7.7万元"
    # 。 before a month is the end of a sentence, not a decimal point
    assert [f.kind for f in audit.figures("完成3项。4月开工")] == ["count", "date"]


# --- each check on its own ----------------------------------------------------------------

def test_rate_at_the_written_precision():
    tpl = "现已拨付资金共计513.029849万元，资金到位753.135万元，资金拨付率为{}。"
    for right in ("68.12%", "68.1%", "68%"):
        assert not one(tpl.format(right), audit.check_rates), right
    assert one(tpl.format("69.25%"), audit.check_rates) == {("rate", "69.25%", "68.12%")}


def test_share_with_its_denominator_after_zhan():
    assert not one("省外务工163人，占务工总人数512人的31.84%。", audit.check_rates)
    assert one("省外务工163人，占务工总人数512人的33.84%。", audit.check_rates) == {("rate", "33.84%", "31.84%")}


def test_a_rate_without_both_numbers_or_a_target_is_not_checked():
    assert not one("项目开工率达60%以上，资金支出进度分别达到25%、50%、75%。", audit.check_rates)
    assert not one("实施项目15个，项目开工率100%，资金支出进度97.5%。", audit.check_rates)


def test_growth_against_both_years():
    ok = "目前务工人数为4076人，去年务工人数3883人，同比增长4.97%。"
    assert not one(ok, audit.check_growth)
    assert one(ok.replace("4.97%", "5.97%"), audit.check_growth) == {("rate", "5.97%", "4.97%")}
    assert one("在岗212人，上年198人，较上年增加16人。", audit.check_growth) == {("sum", "16人", "14人")}


def test_exhaustive_parts_are_summed():
    bad = "申报就业奖补1574人，其中县内就业奖补411人，县外就业奖补1059人，扶贫车间稳定就业7人。"
    assert one(bad, audit.check_sums) == {("sum", "1574人", "1477人")}
    assert not one("共有8名工作队员，其中洛吉村2名、九龙村3名、尼汝村3名。", audit.check_sums)
    assert one("3个村共有9名工作队员，其中洛吉村2名、九龙村3名、尼汝村3名。", audit.check_sums) == {("sum", "9名", "8名")}
    assert one("监测对象30户97人，其中脱贫不稳定户12户40人、边缘易致贫户13户41人、突发严重困难户5户17人。",
               audit.check_sums) == {("sum", "30户97人", "30户98人")}
    assert one("劳动力500人，其中县内务工200人、其余280人。", audit.check_sums) == {("sum", "500人", "480人")}


def test_a_partial_qizhong_is_not_a_sum():
    for partial in ("今年应参保2888人，其中应缴费2183人，上半年实际缴费1421人。",
                    "共计办理小额信贷64人次、贷款金额共计309.1万元，其中2023年新增23人次、贷款金额共109.1万元。",
                    "特困供养258人，其中集中供养46人。",
                    "监测对象30户，其中因病12户、因残5户。",
                    "4个村共有9名工作队员，其中洛吉村2名、九龙村3名、尼汝村3名。"):
        assert not one(partial, audit.check_sums), partial
    assert audit.exhaustive(["县内", "省内县外", "省外"], []) and not audit.exhaustive(["县内", "省外"], [])


def test_rate_difference_in_points():
    assert one("脱贫人口收入增速高于农民收入增速5%以上。", audit.check_points) == {("unit", "5%", "5个百分点")}
    assert one("今年拨付率较上年提高12.5%。", audit.check_points) == {("unit", "12.5%", "12.5个百分点")}
    for fine in ("中央衔接资金产业占比不低于60%。", "拨付率提高到95%。", "务工收入较上年增长5.2%。",
                 "拨付率较上年提高12.5个百分点。", "脱贫人口收入增速高于全县平均水平。"):
        assert not one(fine, audit.check_points), fine


def test_malformed_numbers():
    assert one("补助金额7。7万元。", audit.check_malformed) == {("malformed_number", "7。7万元", "7.7万元")}
    assert one("投资400万，实施以工代赈项目。", audit.check_malformed) == {("malformed_number", "400万", "400万元")}
    assert one("发放小额信贷41户，金额186，户均4.54万元。", audit.check_malformed) == {("malformed_number", "186", "186万元")}
    assert one("劳动力2,480人。", audit.check_malformed) == {("malformed_number", "2,480人", "2480人")}
    assert not one("按照乡村振兴20字总体要求，人居环境“8字要求”，第3批，G214沿线。", audit.check_malformed)


def test_numbering():
    lines = ["一是甲。", "二是乙。", "二是丙。", "三是丁。", "四是戊。"]
    assert found(lines, [audit.check_numbering]) == {("numbering", 3, "二是", "三是")}
    lines = ["（一）甲", "（二）乙", "（四）丙", "（五）丁"]
    assert found(lines, [audit.check_numbering]) == {("numbering", 3, "（四）", "（三）")}
    lines = ["（一）甲", "（二）乙", "（二）丙", "（四）丁"]
    assert found(lines, [audit.check_numbering]) == {("numbering", 3, "（二）", "（三）")}
    # a higher heading restarts the lower ones; a 一是 restarts a run
    lines = ["一、甲", "（一）a", "（二）b", "二、乙", "（一）c", "1.x", "2.y", "一是p。二是q。", "一是r。二是s。三是t。"]
    assert not found(lines, [audit.check_numbering])


def test_one_quantity_stated_twice():
    lines = ["全乡现有脱贫户312户1025人。", "全乡脱贫户312户1052人全部纳入收入监测。"]
    assert found(lines, [audit.check_inconsistent]) == {("inconsistent", 2, "312户1052人", "312户1025人")}
    lines = ["临时救助24户42人，发放救助金9.05万元；孤儿补助4人，发放救助金1.704万元。"]
    assert not found(lines, [audit.check_inconsistent])


def test_personal_data_is_masked():
    lines = ["户主身份证号539901199001011234，务工人数为4076人，去年务工人数3883人，同比增长5.97%。"]
    out = audit.to_json(audit.audit_lines(lines)) + audit.table(audit.audit_lines(lines)) + \
        audit.to_html(lines, audit.audit_lines(lines), "t")
    assert "539901199001011234" not in out and "5.97%" in out


# --- the four published reference texts ---------------------------------------------------

REFERENCE_SLIPS = {
    "000_0b3e595a1bbd711d.txt": {
        ("rate", 30, "69.25%", "68.12%"),               # 513.029849 / 753.135
        ("malformed_number", 30, "400万", "400万元"),
        ("numbering", 24, "二是", "三是"),               # 一是 二是 二是 三是 四是 (兜底保障)
    },
    "001_13cb50cadc93d067.txt": {
        ("malformed_number", 9, "7。7万元", "7.7万元"),
        ("malformed_number", 15, "80。02万元", "80.02万元"),
        ("sum", 15, "1574人", "1477人"),                 # 411 + 1059 + 7 under 1574
    },
    "002_70928e37014f7eba.txt": set(),
    "004_2a8503a0ebfdb38b.txt": {
        ("unit", 13, "5%", "5个百分点"),                 # 增速高于增速5%以上
        ("malformed_number", 13, "41万", "41万元"),
    },
}

# relations that are right: checked and silent
REFERENCE_RIGHT = {
    "000_0b3e595a1bbd711d.txt": {("sum", 7, "8名")},                               # 2+3+3 工作队员
    "001_13cb50cadc93d067.txt": {("rate", 15, "4.97%"), ("sum", 8, "7户19人")},   # 4076/3883; 1户4人+6户15人
}


def reference(name: str) -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(f"no reference texts beside the project ({REFERENCE} is absent)")
    return REFERENCE / name


@pytest.mark.parametrize("name", sorted(REFERENCE_SLIPS))
def test_reference_text_slips_exactly(name):
    assert found(reference(name)) == REFERENCE_SLIPS[name]


@pytest.mark.parametrize("name", sorted(REFERENCE_RIGHT))
def test_reference_text_right_relations_are_checked_and_silent(name):
    v = set(verified(audit.read_lines(reference(name))))
    assert REFERENCE_RIGHT[name] <= v


# --- our own texts with planted slips -------------------------------------------------------

PLANTED = {
    "a_qingshan.txt": {
        ("sum", 8, "11户37人", "11户39人"),
        ("rate", 12, "71.2%", "69.78%"),
        ("malformed_number", 10, "3。96万元", "3.96万元"),
    },
    "b_shimen.md": {
        ("rate", 17, "5.2%", "4.92%"),
        ("inconsistent", 25, "312户1052人", "312户1025人"),
        ("numbering", 19, "（四）", "（三）"),
        ("numbering", 29, "四是", "三是"),
    },
    "c_yunling.docx": {
        ("malformed_number", 3, "2,480人", "2480人"),
        ("malformed_number", 12, "186", "186万元"),
        ("unit", 10, "12.5%", "12.5个百分点"),
    },
    "d_liuxi.txt": {
        ("malformed_number", 10, "4.8", "4.8公里"),
        ("rate", 8, "29.18%", "28.18%"),
        ("sum", 12, "16人", "14人"),
        ("numbering", 9, "（二）", "（三）"),
    },
    "e_qingshan_data.txt": set(),   # its slips are against the data: see below
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_own_text_finds_exactly_the_planted_slips(name):
    assert found(OWN / name) == PLANTED[name]


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_own_text_checks_at_least_ten_right_relations(name):
    """Each planted slip sits among at least ten relations that are checked and found right
    (the numbering runs, right as well, are not counted here)."""
    lines = audit.read_lines(OWN / name)
    v = verified(lines)
    if name == "e_qingshan_data.txt":
        v += _data_verified(lines)
    assert len(v) >= 10, v


def _indicators() -> dict:
    return json.loads((OWN / "qingshan_2023_indicators.json").read_text(encoding="utf-8"))


def _data_verified(lines) -> list:
    v: list = []
    audit.compare_indicators(lines, _indicators(), v)
    return v


def test_figures_against_indicators():
    lines = audit.read_lines(OWN / "e_qingshan_data.txt")
    v: list = []
    got = {(f.kind, f.line, f.quote, f.expected) for f in audit.compare_indicators(lines, _indicators(), v)}
    assert got == {
        ("data", 3, "452户1490人", "450户1482人"),
        ("data", 8, "698人", "689人"),
        ("data", 8, "5.6%", "4.24%"),
        ("data", 10, "578.19万元", "587.19万元"),
        ("data", 10, "90.2%", "91.61%"),
    }
    assert len(v) >= 20     # villages, households, monitoring groups and categories, workers, posts …
    lines = audit.read_lines(OWN / "a_qingshan.txt")
    got = {(f.line, f.quote, f.expected) for f in audit.compare_indicators(lines, _indicators())}
    assert got == {(8, "2户8人", "2户6人")}


def test_a_lone_household_or_person_count_of_monitoring_objects_is_checked():
    # qingshan: 38户128人 in all, 已消除 11户37人, 未消除 27户91人 (边缘易致贫户 11户), 年内新识别 16户
    ind = _indicators()
    m = ind["monitoring"]
    right = [f"全镇累计识别认定防止返贫监测对象{m['total']['households']}户。已消除风险"
             f"{m['eliminated']['households']}户，风险未消除{m['unresolved']['households']}户。",
             f"年内新识别监测对象{m['new_in_year']['households']}户，年内消除风险9户。",   # (no such key here)
             f"风险已消除的户数占全镇监测对象{m['total']['households']}户的28.95%。",
             f"风险未消除监测对象{m['unresolved']['households']}户{m['unresolved']['persons']}人，其中边缘易致贫户"
             f"{m['unresolved']['by_category']['边缘易致贫户']['households']}户。",
             "监测对象中有劳动力的20户。"]          # a part no indicator names: not checked
    assert audit.compare_indicators(right, ind) == []
    wrong = [f"全镇累计识别认定防止返贫监测对象{m['total']['households'] + 2}户。",
             f"已消除风险{m['eliminated']['persons'] - 1}人。"]
    got = {(f.line, f.expected) for f in audit.compare_indicators(wrong, ind)}
    assert got == {(1, f"{m['total']['households']}户"), (2, f"{m['eliminated']['persons']}人")}


# --- the command ----------------------------------------------------------------------------

def run(capsys, *argv):
    try:
        code = cli.main(list(argv))
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_and_exit_codes(capsys, tmp_path):
    code, out, err = run(capsys, "audit", str(OWN / "d_liuxi.txt"), "--json")
    assert code == 1
    data = json.loads(out)
    assert list(data) == ["findings"]
    assert all(list(f) == ["kind", "line", "quote", "message", "expected"] for f in data["findings"])
    assert {f["kind"] for f in data["findings"]} <= set(audit.KINDS)
    clean = tmp_path / "clean.txt"
    clean.write_text("全乡务工人数为4076人，去年务工人数3883人，同比增长4.97%。\n", encoding="utf-8")
    code, out, err = run(capsys, "audit", str(clean))
    assert code == 0 and "未发现问题" in out
    code, out, err = run(capsys, "audit", str(clean), "--json")
    assert code == 0 and json.loads(out) == {"findings": []}


def test_cli_table_is_chinese(capsys):
    code, out, err = run(capsys, "audit", str(OWN / "c_yunling.docx"))
    assert code == 1
    assert "行" in out and "原文" in out and "问题" in out and "正确值" in out and "12.5个百分点" in out


@pytest.mark.parametrize("content,name,needle", [
    (None, "missing.txt", "不存在"),
    (b"PK\x03\x04 not really a document", "broken.docx", "无法读取 Word 文件"),
    (b"\xff\xfe\x00\x00\x00", "binary.txt", "不是文本文件"),
    (b"", "x.pdf", "不支持的文件类型"),
])
def test_cli_unreadable_file_is_exit_2_without_traceback(tmp_path, content, name, needle):
    p = tmp_path / name
    if content is not None:
        p.write_bytes(content)
    r = subprocess.run([sys.executable, "-m", "zhenxing.cli", "audit", str(p)], capture_output=True, text=True)
    assert r.returncode == 2
    assert needle in r.stderr and "Traceback" not in r.stderr


def test_cli_gbk_text_is_read(capsys, tmp_path):
    p = tmp_path / "gbk.txt"
    p.write_bytes("资金到位753.135万元，已拨付513.029849万元，拨付率为69.25%。\n".encode("gb18030"))
    code, out, err = run(capsys, "audit", str(p), "--json")
    assert code == 1 and json.loads(out)["findings"][0]["expected"] == "68.12%"


def test_cli_html(capsys, tmp_path):
    out_html = tmp_path / "r.html"
    code, out, err = run(capsys, "audit", str(OWN / "a_qingshan.txt"), "--html", str(out_html))
    assert code == 1
    page = out_html.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and 'name="viewport"' in page
    assert page.count("<mark") == 3 and "69.78%" in page and "11户39人" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page


def test_cli_dataset_needs_township_and_year(capsys):
    code, out, err = run(capsys, "audit", str(OWN / "e_qingshan_data.txt"), "--dataset", "data/sample")
    assert code == 2 and "--township" in err


def test_cli_dataset_against_the_sample(capsys):
    from zhenxing.data import paths
    code, out, err = run(capsys, "audit", str(OWN / "e_qingshan_data.txt"), "--json",
                         "--dataset", str(paths.SAMPLE), "--township", "青山镇", "--year", "2023")
    assert code == 1
    got = {(f["line"], f["quote"], f["expected"]) for f in json.loads(out)["findings"] if f["kind"] == "data"}
    assert got == {(3, "452户1490人", "450户1482人"), (8, "698人", "689人"), (8, "5.6%", "4.24%"),
                   (10, "578.19万元", "587.19万元"), (10, "90.2%", "91.61%")}
    code, out, err = run(capsys, "audit", str(OWN / "e_qingshan_data.txt"),
                         "--dataset", str(paths.SAMPLE), "--township", "无此乡", "--year", "2023")
    assert code == 2 and "无此乡" in err
