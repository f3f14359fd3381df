"""``zhenxing review DATASET [--year Y] [--township T …] [--out DIR] [--json]``.

Exit 0 with no findings, 1 with findings, 2 on unreadable input or a bad argument."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from zhenxing.review.engine import RuleError, load_rules, township_findings
from zhenxing.review.workbook import FILE_NAME, write_workbook


def review_dataset(dataset, year=None, townships=None, report_date=None, out=None, rules_root=None):
    """Review a dataset: ``(meta, year, [Result …])``, writing ``<out>/<Y>/<县>/<乡镇>/疑点核查.xlsx``
    when ``out`` is given. Raises the contract's errors, ``ParamError`` and ``RuleError``."""
    from zhenxing.data import contract, params
    meta = contract.prepare(Path(dataset))
    y = params.check_year(year if year is not None else max(meta["years"] or [0]), meta["years"])
    d = params.report_date(y, report_date)
    towns = meta["townships"]
    wanted = list(townships) if townships else [t for t in towns if t != contract.COUNTY_LEVEL]
    unknown = [t for t in wanted if t not in towns]
    if unknown:
        raise params.ParamError(f"数据集中没有乡镇：{'、'.join(unknown)}（有：{'、'.join(towns)}）[unknown_township]")
    results = []
    rules_by_county: dict = {}
    for t in wanted:
        county = towns[t]
        if county not in rules_by_county:
            rules_by_county[county] = load_rules(county, rules_root)
        tables = contract.load_township(Path(dataset), t)
        res = township_findings(tables, t, y, d, params.policy(county, y, rules_root), rules=rules_by_county[county])
        res.county = county
        if out is not None:
            res.path = write_workbook(Path(out) / str(y) / county / t / FILE_NAME, res)
        results.append(res)
    return meta, y, results


def run(args) -> int:
    from zhenxing.data import contract, params
    try:
        meta, y, results = review_dataset(args.dataset, args.year, args.township, getattr(args, "report_date", None),
                                          args.out)
    except (contract.StructureError, FileNotFoundError, NotADirectoryError, PermissionError, OSError) as e:
        print(contract.mask_text(str(e)), file=sys.stderr)
        return 2
    except (params.ParamError, RuleError) as e:
        print(str(e), file=sys.stderr)
        return 2
    findings = [f for r in results for f in r.findings]
    if args.json:
        doc = {"findings": [f.to_json() for f in findings]}
        print(json.dumps(doc, ensure_ascii=False, indent=1))
    else:
        for r in results:
            print(f"{r.county} {r.township}（{y}年）：{len(r.findings)} 条疑点 [findings] → {r.path}")
            by = r.by_rule()
            for rule in r.rules:
                n = len(by.get(rule.id, []))
                if n:
                    print(f"  {rule.title}：{n}条 [{rule.id}]")
        skipped = {}
        for r in results:
            for rid, why in r.skipped.items():
                skipped.setdefault(rid, why)
        if skipped:
            print("未核查的规则（数据不足）[skipped_rules]：", file=sys.stderr)
            for rid, why in skipped.items():
                print(f"  {rid}：{why}", file=sys.stderr)
    if meta.get("errors"):
        print(f"另有 {len(meta['errors'])} 处不符合数据规范，详见 zhenxing check [contract_violations]", file=sys.stderr)
    if findings:
        print(f"共 {len(findings)} 条疑点，请按村核实并在国家监测系统中改正后重新导出、再次核查 [review_findings]",
              file=sys.stderr)
        return 1
    print("未发现疑点 [no_findings]", file=sys.stderr)
    return 0


def add_parser(sub, default_out: str):
    """The ``review`` subcommand of ``zhenxing`` (called from zhenxing.cli)."""
    rv = sub.add_parser("review", help="数据疑点核查（疑点核查.xlsx）；有疑点时退出码为1，数据无法读取时为2")
    rv.add_argument("dataset", help="数据集目录")
    rv.add_argument("--year", type=int, metavar="年度", help="核查年度（默认：数据中最新的年度）")
    rv.add_argument("--township", action="append", metavar="乡镇", help="只核查这些乡镇（可重复；默认：全部）")
    rv.add_argument("--report-date", metavar="日期", help="统计截止日期（默认：当年12月31日）")
    rv.add_argument("--out", default=default_out, metavar="目录",
                    help="输出目录：<目录>/<年度>/<县>/<乡镇>/疑点核查.xlsx（默认：outputs/）")
    rv.add_argument("--json", action="store_true", help="以 JSON 输出 {\"findings\": [...]}")
    rv.set_defaults(func=run)
    return rv
