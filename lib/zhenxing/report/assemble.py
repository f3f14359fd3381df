"""Assemble the annual summary from executed topic notebooks (never re-executing them).

Only the *outputs* of cells tagged `basic`, `report` and `annex` are taken — no code,
no injected-parameters cell, no notebook chrome — plus `indicators.json` for the
problems and next steps. The result is pandoc Markdown that `render.render` turns
into HTML, PDF and DOCX.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import subprocess
from pathlib import Path

from zhenxing import __version__
from zhenxing.data import params, paths
from zhenxing.report import narrative as writers
from zhenxing.report.notebook import dataset_label as notebook_label
from zhenxing.report.options import CHARTS_ENV, SIGNED_ON_ENV, options  # noqa: F401
from zhenxing.topics import county as county_topic
from zhenxing.topics import funds, monitoring, opening, problems
from zhenxing.topics.registry import TOPIC_TITLES, TOPICS
from zhenxing.words import numbers, wording

CN_NUM = "一二三四五六七八九十"
ALT_TWIN = re.compile(r"^<small>图示说明：.*</small>$", re.S)


PRINT_TABLES = "主要数据表"              # the 附件 that gathers the body's tables in print


def title(township: str, year: int) -> str:
    return f"{township}{year}年巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作总结"


BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")


def code_version() -> str:
    """The project's git commit, short (with -dirty when tracked code, notebooks or policy
    files have uncommitted changes), else the package version. Files the project writes
    itself (params/<年度>/ run files, outputs, caches) are ignored by git, so they never
    make a run look dirty."""
    try:
        rev = subprocess.run(["git", "-C", str(paths.ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=5)
        if rev.returncode == 0:
            dirty = subprocess.run(["git", "-C", str(paths.ROOT), "status", "--porcelain", "--", "lib", "notebooks", "params"],
                                   capture_output=True, text=True, timeout=5).stdout.strip()
            return rev.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return f"v{__version__}"


def dataset_label(ind: dict, dataset_name: str, parameters: dict | None = None) -> str:
    """The dataset as a reader knows it: the bundled sample by what it is, else the folder
    name — never a path on the server."""
    label = (ind.get("dataset") or {}).get("label")
    if label:
        return label
    ds = (parameters or {}).get("dataset")
    if ds is not None:
        return notebook_label(Path(ds) if ds else paths.SAMPLE)
    return Path(str(dataset_name)).name or "（未命名数据集）"


def policy_files(county: str | None) -> list[str]:
    """The policy files a report's targets come from, relative to the project."""
    files = [paths.PARAMS / "defaults.yaml"]
    if county and (paths.PARAMS / "policy" / f"{county}.yaml").exists():
        files.append(paths.PARAMS / "policy" / f"{county}.yaml")
    return [f.relative_to(paths.ROOT).as_posix() for f in files]


def provenance(ind: dict, *, dataset_name: str, dataset_hash: str, parameters: dict | None = None,
               now: dt.datetime | None = None) -> list[str]:
    """The provenance lines for a reader: Chinese labels, no server path, no parameter
    names; enough to reproduce the report."""
    now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(BEIJING)
    county = ind.get("county") or ""
    docs = list(dict.fromkeys(v.strip() for v in params.sources(county or None).values() if v and v.strip()))
    rd = ind["report_date"]
    return [
        f"数据集：{dataset_label(ind, dataset_name, parameters)}（内容校验码 {dataset_hash[:12]}）",
        f"乡镇：{county}{ind['township']}；报告年度：{ind['year']}年；统计截止日期：{numbers.date_cn(rd)}",
        "政策参数文件：" + "、".join(policy_files(county or None)),
        "政策目标依据：" + ("；".join(f"（{i}）{d}" for i, d in enumerate(docs, 1)) if docs else "无"),
        f"程序版本：zhenxing {__version__}（代码提交 {code_version()}）",
        f"生成时间：{now.year}年{now.month}月{now.day}日 {now:%H:%M}（北京时间，UTC+8）",
    ]


def code_fingerprint() -> str:
    """A hash of the code and notebooks that make a report (for skipping unchanged runs)."""
    h = hashlib.sha256(__version__.encode())
    h.update(json.dumps(options(), sort_keys=True).encode())  # --charts, --signed-on
    # (policy and wording are in each township's stamp, resolved for its county: a change
    # to one county's files rebuilds that county only)
    for p in sorted([*paths.LIB.rglob("*.py"), *paths.LIB.rglob("templates/*"), *paths.NOTEBOOKS.glob("*.ipynb")]):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


class _Counter:
    def __init__(self):
        self.table = 0
        self.figure = 0


def _outputs(nb, tag: str, charts_dir: Path, stem: str, n: _Counter) -> list[str]:
    """Markdown blocks from the outputs of the cells carrying `tag`."""
    blocks = []
    for ci, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or tag not in cell.metadata.get("tags", []):
            continue
        for oi, out in enumerate(cell.get("outputs", [])):
            data = out.get("data", {})
            if "image/svg+xml" in data or "image/png" in data:
                # a chart: its SVG (HTML and PDF use it) and the PNG of the same figure (Word),
                # when the notebook stored it
                n.figure += 1
                base = charts_dir / f"{stem}_{ci}_{oi}"
                base.parent.mkdir(parents=True, exist_ok=True)
                svg = data.get("image/svg+xml")
                if svg:
                    base.with_suffix(".svg").write_text("".join(svg) if isinstance(svg, list) else svg,
                                                        encoding="utf-8")
                if "image/png" in data:
                    base.with_suffix(".png").write_bytes(base64.b64decode(data["image/png"]))
                else:  # a PNG of an earlier run would be another chart's
                    base.with_suffix(".png").unlink(missing_ok=True)
                f = base.with_suffix(".svg" if svg else ".png")
                md = out.get("metadata", {})
                alt = ((md.get("image/svg+xml") or {}).get("alt") or (md.get("image/png") or {}).get("alt") or "")
                blocks.append(figure(n.figure, alt, f"charts/{f.name}"))
            elif "text/markdown" in data:
                md = data["text/markdown"].strip()
                if not md or ALT_TWIN.match(md):
                    continue  # the chart's text alternative is already its caption
                if "\nTable: " in md:
                    n.table += 1
                    md = md.replace("\nTable: ", f"\nTable: 表{n.table}　", 1)
                blocks.append(md)
    return blocks


def figure(k: int, alt: str, target: str) -> str:
    """A chart as the document carries it: captioned "图k　<its title>", its text alternative
    (every figure) as alt text, in a ``chart`` block (on screens always; in the PDF and DOCX
    only with ``--charts``)."""
    head = re.split(r"[：。]", alt, maxsplit=1)[0] if alt else ""
    esc = alt.replace("\\", "\\\\").replace('"', '\\"')
    return f'::: {{.chart}}\n![图{k}　{head}]({target}){{alt="{esc}"}}\n:::'


def split_table(block: str) -> tuple[str, str]:
    """(caption without its number, table body) of a captioned Markdown table."""
    body, cap = block.split("\nTable: ", 1)
    return cap.split("　", 1)[-1].split("\n", 1)[0].strip(), body.rstrip()


# --- the 公文's frame: options, 落款, 附件, provenance, page links --------------------
def signature(county: str | None, name: str, default_issuer: str, report_date, nar=None) -> str:
    """The 落款: issuing office and date, right-aligned below the body (from the county's
    policy file, ``--signed-on``, else "{名称}人民政府" on the report date)."""
    sig = params.signature(county, name)
    own_issuer, own_date = nar.signature() if nar is not None else (None, None)   # the writer's ## 落款
    signed = own_date or options()["signed_on"] or sig["signed_on"] or report_date
    try:
        date = numbers.date_cn(params.parse_date_arg(signed)) if signed else ""
    except Exception:  # noqa: BLE001 — a date written out already (2024年1月10日)
        date = str(signed)
    return "::: {.signature}\n" + (own_issuer or sig["issuer"] or default_issuer) + "\\\n" + date + "\n:::"


def annexes(detail: list[str], body_tables: list[str], intro: str | None = None) -> list[str]:
    """The 附件 after the 落款: each detailed table on a page of its own (附件1, 附件2 …);
    then, in the PDF and DOCX only, one 附件 gathering the tables the body shows on
    screens (the printed body is prose)."""
    md, k = [], 0
    for block in detail:
        if "\nTable: " not in block:
            md.append(block)
            continue
        k += 1
        cap, body = split_table(block)
        md.append(f"::: {{.annex}}\n## 附件{k}　{cap}\n:::")
        if intro:
            md.append(f"::: {{.screen}}\n{intro}\n:::")
        md.append(body)
    if body_tables:
        k += 1
        md.append(f"::: {{.print}}\n::: {{.annex}}\n## 附件{k}　{PRINT_TABLES}\n:::\n\n" + "\n\n".join(body_tables) + "\n:::")
    return md


def metadata(prov: list[str], nav: list[tuple[str, str]]) -> str:
    """A pandoc metadata block (at the end of the Markdown): the provenance (the HTML's
    collapsed footer; 编制说明.md), the page links of the HTML's top bar and whether print
    shows charts. Never printed into the PDF or DOCX."""
    def q(s: str) -> str:
        return json.dumps(s, ensure_ascii=False)
    lines = ["---", f"zx-charts: {'true' if options()['charts'] else 'false'}", "zx-nav:"]
    lines += [f"- label: {q(label)}\n  href: {q(href)}" for label, href in nav]
    lines.append("zx-provenance:")
    lines += [f"- {line.replace(': ', '：')}" for line in prov]
    return "\n".join(lines + ["---"])


def write_note(folder: Path, title_: str, prov: list[str]) -> None:
    """编制说明.md beside the report: where its figures come from (never in the document)."""
    from zhenxing.report.notebook import atomic_write
    atomic_write(folder / "编制说明.md", f"# 编制说明\n\n《{title_}》\n\n" + "\n".join(f"- {x}" for x in prov) + "\n")


def report_flags(ind: dict, policy: dict) -> list[dict]:
    """The flags of the summary, made afresh from the recorded indicators (so a flag always
    carries its theme and values, whichever notebooks recorded them)."""
    from zhenxing.topics.registry import flags
    return flags(ind, policy)


def unfinished(parameters: dict | None, township: str, year: int, report_date) -> list[str] | None:
    """The unfinished projects by name (for the plan), from the validated dataset; None
    when they cannot be told (no dataset at hand, no 完工日期)."""
    from zhenxing.data import contract
    ds = (parameters or {}).get("dataset")
    try:
        folder = Path(ds) if ds else paths.SAMPLE
        projects = contract.load_township(folder, township, only=("projects",))
        return funds.unfinished_projects(projects, township, year, report_date or f"{year}-12-31")
    except Exception:  # noqa: BLE001 — the plan is then written without project names
        return None


#: sections that are left out when their notebook says nothing (the ledgers' own section)
OPTIONAL_SECTIONS = ("work",)


def sub_heading(i: int) -> str:
    return f"（{CN_NUM[i]}）"


def assemble(run_dir: Path, *, dataset_name: str, dataset_hash: str, parameters: dict,
             notes: Path | None = None, notebooks: dict | None = None) -> tuple[str, str]:
    """Return (title, markdown) of the summary for the executed notebooks in run_dir
    (``notebooks``: those notebooks as papermill returned them after writing them, so they
    need not be read back)."""
    ind = json.loads((run_dir / "indicators.json").read_text(encoding="utf-8"))
    town, year = ind["township"], ind["year"]
    charts_dir = run_dir / "charts"
    n, annex_n = _Counter(), _Counter()
    body_tables: list[str] = []
    if notebooks is not None:
        nbs = {t: notebooks[t] for t in TOPICS if t in notebooks}
    else:
        import nbformat  # imported here: a run with nothing to do never needs it (~1 s)
        nbs = {t: nbformat.read(run_dir / f"{t}.ipynb", as_version=4) for t in TOPICS
               if (run_dir / f"{t}.ipynb").exists()}

    nar = writers.load((parameters or {}).get("dataset"), year, town, ind)   # the writer's own words
    policy = params.policy(ind.get("county"), year)
    flags = report_flags(ind, policy)
    # the writer's 开头, else what this township's year came to, chosen by its figures
    md = [(nar and nar.text("开头")) or opening.opening(ind, flags)]
    headings = wording.wording(ind).get("headings") or {}

    def narrative_after(anchor: str) -> list[str]:
        return [nar.text(anchor)] if nar and nar.text(anchor) else []

    opens = wording.Openers(ind)    # the report date said once, the place not opening every paragraph
    opens.seen(md[0])
    md.append("## 一、基本情况")
    opens.section()
    basic = _outputs(nbs["monitoring"], "basic", charts_dir, "monitoring", n) if "monitoring" in nbs else []
    md += plain_openers(basic or [monitoring.paragraph_basic(ind, ind.get("basic"))], opens)

    md.append("## 二、工作开展情况及成效")
    opens.part()
    i = 0
    for topic in TOPICS:
        blocks = _outputs(nbs[topic], "report", charts_dir, topic, n) if topic in nbs else None
        if topic in OPTIONAL_SECTIONS and not blocks and not narrative_after(topic):
            continue   # a section from the office's ledgers: absent (and not written), nothing of it
        md.append(f"### {sub_heading(i)}{headings.get(topic) or TOPIC_TITLES[topic]}")
        opens.section()
        i += 1
        if blocks:
            md += screen_tables(plain_openers(blocks, opens), body_tables)
            note = wording.note(ind, TOPICS[topic])
            if note:
                md.append(f"::: {{.note}}\n{note}\n:::")
        elif blocks is None:
            md.append(f"本次未生成{TOPIC_TITLES[topic]}专题。")
        for text in narrative_after(topic):
            opens.seen(text)
            md.append(text)
    if nar and nar.text("亮点"):
        md.append(f"### {sub_heading(i)}{headings.get('highlights') or '总结推广典型经验'}")
        md += narrative_after("亮点")

    md.append("## 三、存在问题")
    none = wording.wording(ind)["problems"]["none"].rstrip("。") + "。"
    md += writers.numbered_on(problems.problems(flags, ind), nar.items("存在问题") if nar else [], none)

    md.append(f"## 四、{problems.plan_heading(ind)}")
    if notes and notes.exists():
        md.append(notes.read_text(encoding="utf-8").strip())
    else:
        md += writers.numbered_on(problems.plan(ind, policy, flags, unfinished(parameters, town, year, ind.get("report_date"))),
                                  nar.items("工作打算") if nar else [])

    county = ind.get("county") or None
    md.append(signature(county, town, f"{town}人民政府", ind.get("report_date"), nar))
    detail = [b for topic in TOPICS if topic in nbs for b in _outputs(nbs[topic], "annex", charts_dir, topic, annex_n)]
    md += annexes(detail, body_tables)

    prov = provenance(ind, dataset_name=dataset_name, dataset_hash=dataset_hash, parameters=parameters)
    prov += writers.provenance_line(nar)
    write_note(run_dir, title(town, year), prov)
    nav = [(town, "report.html"), (f"{county or ''}汇总", "../county.html"), ("目录", "../../../index.html")]
    md.append(metadata(prov, nav))
    return title(town, year), "\n\n".join(md) + "\n"


def plain_openers(blocks: list[str], opens: wording.Openers) -> list[str]:
    """A section's blocks with its paragraphs opening as they should where they stand in
    the report (``opens``, reading order): the report date once, the place not in every
    paragraph. Tables, charts, notes and marked blocks are left as they are."""
    out = []
    for block in blocks:
        if "\nTable: " in block or block.startswith(("::: ", "![", "|", "注：", "#", "<")):
            out.append(block)
        else:
            out.append(opens.say(block))
    return out


def screen_tables(blocks: list[str], body_tables: list[str]) -> list[str]:
    """A section's blocks with its tables shown on screens only; the tables are also kept
    in ``body_tables`` for the printed 附件 that gathers them."""
    out = []
    for block in blocks:
        if "\nTable: " in block:
            body_tables.append(block)
            out.append(f"::: {{.screen}}\n{block}\n:::")
        else:
            out.append(block)
    return out


# --- the county summary (issue 13) ------------------------------------------------
def county_title(county: str, year: int) -> str:
    return f"{county}{year}年巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作总结"


def county_provenance(ind: dict, *, dataset_name: str, dataset_hash: str, parameters: dict | None = None,
                      now: dt.datetime | None = None) -> list[str]:
    """The provenance of the county summary, for a reader (as a township's)."""
    now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(BEIJING)
    county = ind.get("county") or ""
    docs = list(dict.fromkeys(v.strip() for v in params.sources(county or None).values() if v and v.strip()))
    towns = ind.get("townships") or []
    missing = ind.get("missing") or []
    return [
        f"数据集：{dataset_label(ind, dataset_name, parameters)}（内容校验码 {dataset_hash[:12]}）",
        f"县：{county}；报告年度：{ind['year']}年；统计截止日期：{numbers.date_cn(ind['report_date'])}",
        f"汇总乡镇：{len(towns)}个（{'、'.join(towns)}）" + (f"；未计入：{'、'.join(missing)}" if missing else ""),
        "政策参数文件：" + "、".join(policy_files(county or None)),
        "政策目标依据：" + ("；".join(f"（{i}）{d}" for i, d in enumerate(docs, 1)) if docs else "无"),
        f"程序版本：zhenxing {__version__}（代码提交 {code_version()}）",
        f"生成时间：{now.year}年{now.month}月{now.day}日 {now:%H:%M}（北京时间，UTC+8）",
    ]


def assemble_county(county_dir: Path, *, dataset_name: str, dataset_hash: str,
                    parameters: dict | None = None) -> tuple[str, str]:
    """(title, markdown) of the county summary from the executed ``county.ipynb`` in
    ``county_dir`` (outputs of its tagged cells) and its ``county.json``."""
    from zhenxing.report.notebook import COUNTY_FILE
    ind = json.loads((county_dir / COUNTY_FILE).read_text(encoding="utf-8"))
    county, year = ind["county"], int(ind["year"])
    import nbformat
    nb = nbformat.read(county_dir / "county.ipynb", as_version=4)
    charts_dir = county_dir / "charts"
    n, annex_n = _Counter(), _Counter()
    body_tables: list[str] = []
    cw = wording.wording(ind)["county"]
    out = lambda tag, c=n: screen_tables(_outputs(nb, tag, charts_dir, "county", c), body_tables)  # noqa: E731

    nar = writers.load((parameters or {}).get("dataset"), year, county, ind, county=True)
    md = [nar.text("开头")] if nar and nar.text("开头") else (out("intro") or [county_topic.county_intro(ind)])
    opens = wording.Openers(ind)    # as a township's: the date once, not every paragraph "全县"
    for text in md:
        opens.seen(text)
    md.append("## 一、基本情况")
    opens.section()
    md += plain_openers(out("basic"), opens)
    md.append("## 二、工作开展情况及成效")
    opens.part()
    k = 0
    for topic in TOPICS:
        blocks = out(f"report-{topic}")
        if not blocks and not (nar and nar.text(topic)):
            continue   # nothing computed and nothing written: no section
        md.append(f"### {sub_heading(k)}{cw['headings'].get(topic) or TOPIC_TITLES[topic]}")
        opens.section()
        md += plain_openers(blocks, opens)
        if nar and nar.text(topic):
            opens.seen(nar.text(topic))
            md.append(nar.text(topic))
        k += 1
    if nar and nar.text("亮点"):
        md.append(f"### {sub_heading(k)}{cw['headings'].get('highlights') or '总结推广典型经验'}")
        md.append(nar.text("亮点"))
    md.append("## 三、存在问题")
    md += writers.numbered_on(out("problems") or county_topic.county_problems(ind.get("flags") or [], ind),
                              nar.items("存在问题") if nar else [])
    from zhenxing.review import beside as review_beside  # 数据质量: the townships' 疑点核查 counts
    quality = review_beside.county_paragraph(county_dir, ind.get("townships") or [])
    if quality:
        md.append(quality)
    md.append(f"## 四、{county_topic.county_plan_heading(ind)}")
    md.append(f"### （一）{cw['plan']['goals']}")
    goals = out("goals")
    if goals:
        md.append(wording.fill(cw["plan"]["goals_intro"], {"year": year, "next": year + 1}) + "：")
        md += goals
    md.append(f"### （二）{cw['plan']['measures']}")
    md += writers.numbered_on(out("measures"), nar.items("工作打算") if nar else [])
    md.append(signature(county, county, f"{county}人民政府", ind.get("report_date"), nar))
    intro = wording.fill(cw["annex"]["intro"], {}) + "。"
    md += annexes(_outputs(nb, "annex", charts_dir, "county", annex_n), body_tables, intro)
    if ind.get("missing"):
        md.append("未列入：" + "、".join(ind["missing"]) + "（未能生成报告）。")
    prov = county_provenance(ind, dataset_name=dataset_name, dataset_hash=dataset_hash, parameters=parameters)
    prov += writers.provenance_line(nar)
    write_note(county_dir, county_title(county, year), prov)
    md.append(metadata(prov, [(f"{county}汇总", "county.html"), ("目录", "../../index.html")]))
    return county_title(county, year), "\n\n".join(md) + "\n"
