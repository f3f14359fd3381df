"""The `zhenxing` command: `check` validates a dataset; `run` renders reports."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import paths


def _check(args) -> int:
    from .contract import StructureError, read_dataset
    try:
        ds = read_dataset(Path(args.dataset))
    except (StructureError, FileNotFoundError) as e:
        print(str(e), file=sys.stderr)
        return 1
    found = ", ".join(f"{n}={f}" for n, f in ds.files.items())
    print(f"数据集 {ds.name}（{ds.hash[:12]}）：{found}")
    missing = [n for n in ("households", "members", "work", "income", "projects", "payments", "posts") if n not in ds.files]
    if missing:
        print(f"未提供的表（相关专题将注明无数据）[missing_tables]: {', '.join(missing)}")
    for t, c in ds.townships.items():
        state = "可用" if ds.usable(t) else "有错误，不生成报告"
        print(f"  {c} {t}: {state}")
    if ds.errors:
        print(f"发现 {len(ds.errors)} 处不符合数据规范 [contract_violations]:", file=sys.stderr)
        for v in ds.errors:
            print("  " + v.message(), file=sys.stderr)
        return 1
    print("数据符合规范 [ok]")
    return 0


def _run(args) -> int:
    from .batch import run_cli
    return run_cli(args)


def _params(args) -> int:
    from . import contract, params
    meta = contract.prepare(Path(args.dataset))
    year = args.year or max(meta["years"])
    for f in params.write_run_files(Path(args.dataset).resolve(), year, meta["townships"], args.report_date):
        print(f)
    return 0


def _notebooks(args) -> int:
    from .notebook import refresh
    for f in refresh(args.names or None):
        print(f"已更新 {f.name}")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="zhenxing", description="乡镇巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作总结")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="只校验数据集；列出全部问题，有问题时退出码为1")
    c.add_argument("dataset")
    c.set_defaults(func=_check)
    r = sub.add_parser("run", help="生成报告")
    r.add_argument("dataset", nargs="?", default=str(paths.SAMPLE), help="数据集目录（默认：自带示例数据 data/sample）")
    r.add_argument("--year", type=int, help="报告年度（默认：数据中最新的年度）")
    r.add_argument("--township", action="append", help="只生成这些乡镇（可重复；默认：全部）")
    r.add_argument("--report-date", help="统计截止日期 YYYY-MM-DD（默认：当年12月31日）")
    r.add_argument("--out", default=str(paths.OUTPUTS), help="输出目录（默认：outputs/）")
    r.add_argument("--formats", default="html,pdf,docx", help="输出格式，逗号分隔（默认：html,pdf,docx）")
    r.add_argument("--workers", type=int, help="本机并行进程数（默认：CPU核数）")
    r.add_argument("--scheduler", help="已有 Dask 集群地址 tcp://host:port（或环境变量 ZHENXING_SCHEDULER）")
    r.add_argument("--force", action="store_true", help="数据、参数、代码未变的乡镇也重新生成")
    r.set_defaults(func=_run)
    pp = sub.add_parser("params", help="为数据集的每个乡镇写一个 papermill 参数文件（params/<年度>/<县>/<乡镇>.yaml）")
    pp.add_argument("dataset", nargs="?", default=str(paths.SAMPLE))
    pp.add_argument("--year", type=int)
    pp.add_argument("--report-date", default="")
    pp.set_defaults(func=_params)
    nb = sub.add_parser("notebooks", help="在示例数据上重新运行笔记本并保存输出（nbval 的比对基准）")
    nb.add_argument("names", nargs="*")
    nb.set_defaults(func=_notebooks)
    args = p.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
