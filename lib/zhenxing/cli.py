"""The `zhenxing` command: `check` validates a dataset; `run` renders reports.

Every message is Chinese, argparse's own included (usage, headings, errors: exit 2)."""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from pathlib import Path

import zhenxing.audit.writers  # noqa: F401 — registers the check of the writer's numbers (report.narrative)
from zhenxing.data import paths


def _check(args) -> int:
    from zhenxing.data.contract import StructureError, UnusableDataset, mask_text, read_dataset
    try:
        ds = read_dataset(Path(args.dataset))
    except UnusableDataset as e:
        print(mask_text(str(e)), file=sys.stderr)
        return 1
    except (StructureError, FileNotFoundError) as e:
        print(mask_text(str(e)), file=sys.stderr)
        return 1
    out, err = ds.check_report()
    for line in out:
        print(line)
    for line in err:
        print(line, file=sys.stderr)
    return 1 if ds.errors else 0


def _run(args) -> int:
    from zhenxing.run.batch import run_cli
    return run_cli(args)


def _review(args) -> int:
    from zhenxing.review.command import run
    return run(args)


def _params(args) -> int:
    from zhenxing.data import contract, params
    from zhenxing.run import batch
    try:
        batch.check_args(report_date=args.report_date)
        meta = contract.prepare(Path(args.dataset))
        year, report_date = batch.check_run(meta, args.year, args.report_date)
    except params.ParamError as e:
        print(f"参数错误：{e}", file=sys.stderr)
        return 2
    except (contract.StructureError, FileNotFoundError, NotADirectoryError) as e:
        print(contract.mask_text(str(e)), file=sys.stderr)
        return 1
    for f in params.write_run_files(Path(args.dataset).resolve(), year, meta["townships"], report_date):
        print(f)
    return 0


def _notebooks(args) -> int:
    from zhenxing.report.notebook import refresh
    for f in refresh(args.names or None):
        print(f"已更新 {f.name}")
    return 0


def _audit(args) -> int:
    from zhenxing.audit import checker as audit
    from zhenxing.data.contract import mask_text
    if (args.dataset or args.township or args.year) and not (args.dataset and args.township and args.year):
        print("参数错误：与数据核对须同时给出 --dataset、--township 和 --year [bad_arguments]", file=sys.stderr)
        return 2
    try:
        lines, findings = audit.audit_file(Path(args.file))
    except audit.AuditReadError as e:
        print(mask_text(str(e)), file=sys.stderr)
        return 2
    if args.dataset:
        try:
            findings = audit.merge(findings, audit.compare_data(lines, args.dataset, args.township, args.year))
        except audit.AuditDataError as e:
            print(mask_text(str(e)), file=sys.stderr)
            return 2
    if args.html:
        try:
            audit.write_html(Path(args.html), lines, findings, Path(args.file).name)
        except OSError:
            print(f"无法写入“{Path(args.html).name}”（目录不存在或没有写入权限）[unwritable_output]", file=sys.stderr)
            return 2
    if args.json:
        print(audit.to_json(findings))
    else:
        print(audit.table(findings, Path(args.file).name))
    return 1 if findings else 0


# argparse's English, in Chinese (its messages go through gettext's `_` and `ngettext`)
_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid %(type)s value: %(value)r": "%(value)r 不是有效的%(type)s",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择 %(value)r（可选：%(choices)s）",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多一个值",
    "expected at least one argument": "至少需要一个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是：%(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "忽略了多余的值 %r",
    "one of the arguments %s is required": "须提供以下参数之一：%s",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "unexpected option string: %s": "意外的选项：%s",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "cannot merge actions - two groups are named %r": "无法合并参数组：两个组都名为 %r",
}
_TYPE_ZH = {"int": "整数", "float": "数", "str": "文字"}


def _zh(msg: str) -> str:
    return _ZH.get(msg, msg)


def _nzh(singular: str, plural: str, n: int) -> str:
    return _zh(singular if n == 1 else plural)


@contextlib.contextmanager
def chinese_argparse():
    """Argparse speaks Chinese within this block (building and parsing)."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _zh, _nzh
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class ArgumentParser(argparse.ArgumentParser):
    """argparse with Chinese messages: errors print the usage and one Chinese line, exit 2."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}（使用 -h 查看帮助）[bad_arguments]\n")

    def _get_value(self, action, arg_string):
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError as e:
            name = getattr(action.type, "__name__", "")
            if name in _TYPE_ZH:
                raise argparse.ArgumentError(action, f"“{arg_string}”不是有效的{_TYPE_ZH[name]}") from None
            raise e

    def format_help(self):
        with chinese_argparse():
            return super().format_help()

    def format_usage(self):
        with chinese_argparse():
            return super().format_usage()


def build_parser() -> ArgumentParser:
    with chinese_argparse():
        p = ArgumentParser(prog="zhenxing", description="乡镇巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作总结")
        sub = p.add_subparsers(dest="cmd", required=True, title="子命令", metavar="{check,run,review,params,notebooks,audit}")
        c = sub.add_parser("check", help="只校验数据集；列出全部问题，有问题时退出码为1")
        c.add_argument("dataset", help="数据集目录")
        c.set_defaults(func=_check)
        r = sub.add_parser("run", help="生成报告")
        r.add_argument("dataset", nargs="?", default=str(paths.SAMPLE), help="数据集目录（默认：自带示例数据 data/sample）")
        r.add_argument("--year", type=int, metavar="年度", help="报告年度（默认：数据中最新的年度；须为数据覆盖的年度）")
        r.add_argument("--township", action="append", metavar="乡镇", help="只生成这些乡镇（可重复；默认：全部）")
        r.add_argument("--report-date", metavar="日期", help="统计截止日期，须在报告年度内，如 2023-06-30、2023/06/30 或 2023年6月30日"
                                             "（默认：当年12月31日）")
        r.add_argument("--out", default=str(paths.OUTPUTS), metavar="目录", help="输出目录（默认：outputs/）")
        r.add_argument("--formats", default="html,pdf,docx", metavar="格式", help="输出格式，逗号分隔（默认：html,pdf,docx）")
        r.add_argument("--workers", type=int, metavar="进程数", help="本机并行进程数，不小于1（默认：CPU核数）")
        r.add_argument("--scheduler", metavar="地址", help="已有 Dask 集群调度器地址 tcp://host:8786（或环境变量 ZHENXING_SCHEDULER）；工作机只需安装同一版本的 zhenxing，数据与报告经网络传送，见 docs/running.md")
        r.add_argument("--force", action="store_true", help="数据、参数、代码未变的乡镇也重新生成")
        r.add_argument("--charts", action="store_true", help="PDF 和 DOCX 也附图表（网页总有图表）")
        r.add_argument("--signed-on", default="", metavar="日期", help="落款日期（默认：县参数文件的 signed_on，否则统计截止日期）")
        r.set_defaults(func=_run)
        rv = sub.add_parser("review", help="数据疑点核查（疑点核查.xlsx）；有疑点时退出码为1，数据无法读取时为2")
        rv.add_argument("dataset", help="数据集目录")
        rv.add_argument("--year", type=int, metavar="年度", help="核查年度（默认：数据中最新的年度）")
        rv.add_argument("--township", action="append", metavar="乡镇", help="只核查这些乡镇（可重复；默认：全部）")
        rv.add_argument("--report-date", metavar="日期", help="统计截止日期（默认：当年12月31日）")
        rv.add_argument("--out", default=str(paths.OUTPUTS), metavar="目录",
                        help="输出目录：<目录>/<年度>/<县>/<乡镇>/疑点核查.xlsx（默认：outputs/）")
        rv.add_argument("--json", action="store_true", help="以 JSON 输出 {\"findings\": [...]}")
        rv.set_defaults(func=_review)
        pp = sub.add_parser("params", help="为数据集的每个乡镇写一个 papermill 参数文件（params/<年度>/<县>/<乡镇>.yaml）")
        pp.add_argument("dataset", nargs="?", default=str(paths.SAMPLE), help="数据集目录（默认：自带示例数据）")
        pp.add_argument("--year", type=int, metavar="年度", help="报告年度（默认：数据中最新的年度）")
        pp.add_argument("--report-date", default="", metavar="日期", help="统计截止日期（默认：当年12月31日）")
        pp.set_defaults(func=_params)
        nb = sub.add_parser("notebooks", help="在示例数据上重新运行笔记本并保存输出（nbval 的比对基准）")
        nb.add_argument("names", nargs="*", help="笔记本名（默认：全部）")
        nb.set_defaults(func=_notebooks)
        au = sub.add_parser("audit", help="核对手写的工作总结（.txt/.md/.docx）：比率、合计、前后一致、数字书写、序号；"
                                          "有问题时退出码为1，文件无法读取时为2")
        au.add_argument("file", metavar="文件", help="工作总结文件（.txt、.md 或 .docx）")
        au.add_argument("--json", action="store_true", help="以 JSON 输出 {\"findings\": [...]}")
        au.add_argument("--html", metavar="输出文件", help="另写一个 HTML 文件：原文中标出每处问题并说明")
        au.add_argument("--dataset", metavar="数据集", help="与该数据集计算的指标核对（须同时给出 --township、--year）")
        au.add_argument("--township", metavar="乡镇", help="核对的乡镇")
        au.add_argument("--year", type=int, metavar="年度", help="核对的年度")
        au.set_defaults(func=_audit)
    return p


def main(argv=None) -> int:
    p = build_parser()
    with chinese_argparse():
        args = p.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:  # outside a batch (which says more itself)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("已中断 [interrupted]", file=sys.stderr, flush=True)
        return 130


def entry() -> None:
    """The `zhenxing` command: main(), then exit without tearing the interpreter down
    (freeing pandas' and IPython's objects one by one took a quarter of a
    second after a run had finished). Output is flushed and the exit handlers (kernels,
    multiprocessing, logging) run first, as at a normal exit."""
    import atexit
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code if isinstance(code, int) else 1)


if __name__ == "__main__":
    entry()
