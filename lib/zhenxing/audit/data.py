"""Figures of the text against the indicators computed for a township and year (`--dataset`)."""
from __future__ import annotations

import re
from decimal import Decimal

from zhenxing.audit.grammar import Doc, Figure, Finding, finding, fmt, fmt_num, matches_at_precision, round_to

# --- against the computed indicators (--dataset) ----------------------------------------

class AuditDataError(Exception):
    """The dataset, township or year cannot be used (message in Chinese)."""


POST_TYPES = ("生态护林员", "乡村保洁员", "森林管护员", "社保协理员", "交通劝导员")
CATEGORIES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
REGIONS = ("省内县外", "县内", "省外")


def _get(ind: dict, path: str):
    v = ind
    for k in path.split("."):
        if not isinstance(v, dict) or v.get(k) is None:
            return None
        v = v[k]
    return v


def _monitoring_group(text: str) -> str:
    if re.search(r"(未消除|尚未消除|风险未消除)", text):
        return "unresolved"
    if re.search(r"(新增|新识别|新纳入|年内纳入|当年纳入|全年共?确定|今年共?确定)", text):
        return "new_in_year"
    if re.search(r"(年内|当年|全年|今年)\S{0,6}消除", text):
        return "eliminated_in_year"
    if re.search(r"(已消除|风险消除|消除风险)", text):
        return "eliminated"
    return "total"


_MONITORING_SUBJECT = re.compile(r"(防止返贫)?监测对象(共|共计|合计|累计|总数)?$|"
                                 r"(风险已消除|已消除风险|风险未消除|未消除风险|消除风险)(的)?$")


def _monitoring_count(f: Figure, total_path: str | None) -> str | None:
    """A lone 户 or 人 count of monitoring objects ("识别认定防止返贫监测对象40户", "已消除风险
    10户", "其中边缘易致贫户13户"): the key path and which half of the pair ("|households")."""
    half = "households" if f.unit == "户" else "persons"
    before = f.before.strip()
    if total_path and total_path.startswith("monitoring.") and total_path.count(".") == 1:
        cat = next((c for c in CATEGORIES if before.endswith((c, c[:4], c[:4] + "户"))), None)
        if cat:
            return f"{total_path}.by_category.{cat}|{half}"
    if _MONITORING_SUBJECT.search(before):
        subject = before.rsplit("占", 1)[-1]    # "…的户数占全镇监测对象38户": the whole, not the part
        return f"monitoring.{_monitoring_group(subject)}|{half}"
    return None


def name_indicator(f: Figure, total: Figure | None, total_path: str | None) -> str | None:  # noqa: C901 — one branch per phrasing
    """The indicator a figure states, as a key path of indicators.json, or None.

    Only figures whose subject words name one indicator unambiguously are matched."""
    before, ctx, after = f.before, f.context, f.after
    if f.approx or f.quoted or "/" in f.unit:
        return None
    if f.kind == "pair":
        if total is not None and total_path and total_path.startswith("monitoring."):
            cat = next((c for c in CATEGORIES if c[:4] in before), None)
            group = total_path.split(".")[1]
            if cat and group in ("unresolved", "eliminated", "new_in_year", "eliminated_in_year", "total"):
                return f"monitoring.{group}.by_category.{cat}"
        if "监测对象" in before or re.search(r"(风险已消除|已消除风险|风险未消除|未消除风险)$", before.strip()):
            return f"monitoring.{_monitoring_group(ctx[-30:])}"
        if re.search(r"(易地扶贫搬迁|易地搬迁|搬迁)", before):
            return "monitoring.relocated"
        if re.search(r"脱贫(户|人口)$", before.strip()) and "监测" not in before:
            return "monitoring.exited_poor"
        if re.search(r"(全乡|全镇|共有|辖)\S*(农户|户籍)", before) or re.search(r"^(农户|总户数)", before.strip()):
            return "basic"
        return None
    if f.kind == "count" and f.unit in ("户", "人"):
        path = _monitoring_count(f, total_path if "其中" in ctx else None)
        if path:
            return path
    if f.kind == "count" and f.unit in ("人", "名", "位", "个"):
        post = next((p for p in POST_TYPES if p in before or after.startswith(p) or p in after), None)
        if post and f.unit in ("人", "名", "位") or (post and f.unit == "个" and post in before):
            if "解聘" in before:
                return f"posts.dismissed_in_year.by_type.{post}"
            if re.search(r"(新聘|新增聘用|年内聘用)", before):
                return f"posts.hired_in_year.by_type.{post}"
            return f"posts.in_post.by_type.{post}"
        if "公益性岗位" in before and f.unit in ("人", "名", "个"):
            return "posts.in_post.total"
        if f.unit in ("人", "名") and re.search(r"(务工|转移就业)", before):
            if re.search(r"(去年|上年)", before):
                return "employment.workers_prev"
            region = next((r for r in REGIONS if r in before), None)
            if region:
                return f"employment.workers.by_region.{region}"
            if "外出" in before or "其中" in ctx:
                return None
            return "employment.workers.total"
        if f.unit in ("人", "名") and re.search(r"劳动力$", before.strip()):
            return "employment.labor_force"
        if f.unit == "个" and "项目" in (before + after[:2]) and "衔接资金" in ctx:
            return "funds.projects"
        if f.unit == "个" and after.startswith(("行政村", "村")) and re.search(r"(辖|全乡|全镇|共有)", before):
            return "basic.villages"
        return None
    if f.kind == "money" and f.unit == "万元" and ("衔接资金" in ctx or "衔接资金" in before):
        if re.search(r"(拨付|支出|支付)", before):
            return "funds.paid"
        if re.search(r"(批复|下达|安排|到位|投入|争取)", before + ctx[-20:]):
            return "funds.approved.total"
        return None
    if f.kind == "percent":
        if re.search(r"(拨付率|支出进度|拨付进度)", before) and "衔接资金" in ctx:
            return "funds.paid_rate"
        if re.search(r"务工", ctx) and re.search(r"增长", before):
            return "employment.workers_growth"
    return None


_PATH_ZH = {
    "monitoring.total": "监测对象", "monitoring.unresolved": "风险未消除监测对象", "monitoring.new_in_year": "当年新识别监测对象",
    "monitoring.eliminated": "风险已消除监测对象", "monitoring.eliminated_in_year": "当年消除风险监测对象",
    "monitoring.exited_poor": "脱贫户", "monitoring.relocated": "易地扶贫搬迁户", "basic": "全乡（镇）户数、人数",
    "posts.in_post.total": "在岗公益性岗位人员", "employment.workers.total": "务工人数", "employment.workers_prev": "上年务工人数",
    "employment.labor_force": "劳动力", "funds.projects": "衔接资金项目数", "basic.villages": "行政村数",
    "funds.paid": "衔接资金拨付额", "funds.approved.total": "衔接资金批复额", "funds.paid_rate": "衔接资金拨付率",
    "employment.workers_growth": "务工人数增长率",
}


def _path_zh(path: str) -> str:
    if path in _PATH_ZH:
        return _PATH_ZH[path]
    parts = path.split(".")
    last = parts[-1]
    if ".by_category." in path:
        return _PATH_ZH.get(".".join(parts[:2]), "监测对象") + "中" + last
    if ".by_region." in path:
        return f"{last}务工人数"
    if path.startswith("posts."):
        return {"in_post": "在岗", "hired_in_year": "当年新聘", "dismissed_in_year": "当年解聘"}[parts[1]] + last
    return path


def compare_data(lines: list[str], dataset: str, township: str, year: int) -> list[Finding]:
    """Figures the text names, against the indicators computed for (township, year)."""
    from zhenxing.data import contract, params
    from zhenxing.report import notebook
    try:
        ctx = notebook.context(str(dataset), township, int(year))
    except params.ParamError as e:
        raise AuditDataError(f"参数错误：{e}") from None
    except notebook.DataError as e:
        raise AuditDataError(str(e).split("\n")[0]) from None
    except (contract.StructureError, FileNotFoundError, NotADirectoryError) as e:
        raise AuditDataError(f"无法读取数据集：{e}") from None
    return compare_indicators(lines, ctx.ind)


def _total_by_category(ind: dict) -> dict:
    """monitoring.total by category = unresolved + eliminated (indicators.json has no such key)."""
    out = {}
    for group in ("unresolved", "eliminated"):
        for c, v in (_get(ind, f"monitoring.{group}.by_category") or {}).items():
            o = out.setdefault(c, {"households": 0, "persons": 0})
            o["households"] += v["households"]
            o["persons"] += v["persons"]
    return out


def compare_indicators(lines: list[str], ind: dict, verified: list | None = None) -> list[Finding]:
    """Figures of the text that name an indicator, against its value in `ind` (indicators.json)."""
    doc = Doc.parse(lines)
    if verified is not None:
        doc.verified = verified
    out = []
    for n, _, fs in doc.sentences():
        line = doc.lines[n - 1]
        total, total_path = None, None
        for _j, f in enumerate(fs):
            in_part = "其中" in f.context
            path = name_indicator(f, total if in_part else None, total_path if in_part else None)
            if not in_part:
                total, total_path = (f, path) if f.kind == "pair" else (total, total_path)
            if path is None:
                continue
            half = None
            if "|" in path:
                path, half = path.split("|")
            if path == "basic":
                v = {"households": _get(ind, "basic.households"), "persons": _get(ind, "basic.persons")}
            elif path.startswith("monitoring.total.by_category."):
                v = _total_by_category(ind).get(path.rsplit(".", 1)[1])
            else:
                v = _get(ind, path)
            if v is not None and half is not None:
                v = v.get(half) if isinstance(v, dict) else None
            if v is None:
                continue
            if f.kind == "pair":
                if not isinstance(v, dict) or v.get("households") is None:
                    continue
                h, p = Decimal(int(v["households"])), Decimal(int(v["persons"]))
                f_p = f.persons
                if f.value == h and f_p == p:
                    doc.right("data", n, f)
                    continue
                exp = f"{h}户{p}人"
            else:
                if isinstance(v, dict):
                    v = v.get("total")
                if v is None or isinstance(v, (dict, list)):
                    continue
                true = Decimal(str(v))
                if f.kind in ("money", "percent"):
                    if matches_at_precision(f.value, true, f.decimals):
                        doc.right("data", n, f)
                        continue
                    exp = (f"{round_to(true, 2)}%" if f.kind == "percent" else fmt(round_to(true, 2).normalize(), "万元"))
                else:
                    if f.value == true:
                        doc.right("data", n, f)
                        continue
                    exp = f"{fmt_num(true)}{f.unit}"
            out.append(finding("data", n, line, f.start, f.end,
                                f"{_path_zh(path)}文中为{f.raw}，按数据计算为{exp}", exp))
    return out
