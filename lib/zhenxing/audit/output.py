"""The findings for a person: a Chinese table, JSON, and the text marked up as HTML."""
from __future__ import annotations

import html
import json
import unicodedata
from pathlib import Path

from zhenxing.audit.grammar import KINDS, Finding
from zhenxing.data.contract import mask_text

# --- output ---------------------------------------------------------------------------

KIND_ZH = {"rate": "比率不符", "sum": "合计不符", "inconsistent": "前后不一致", "unit": "单位错误",
           "malformed_number": "数字书写错误", "numbering": "序号错误", "data": "与数据不符"}


def to_json(findings: list[Finding]) -> str:
    return json.dumps({"findings": [f.public() for f in findings]}, ensure_ascii=False, indent=2)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in s)


def _pad(s: str, w: int) -> str:
    return s + " " * max(w - _width(s), 0)


def _short(s: str, w: int) -> str:
    out = ""
    for c in s:
        if _width(out + c) > w - 1:
            return out + "…"
        out += c
    return out


def table(findings: list[Finding], name: str = "") -> str:
    """A Chinese table for the terminal: line, quote, what is wrong, the correct value."""
    if not findings:
        return f"{name}：未发现问题。" if name else "未发现问题。"
    rows = [("行", "原文", "问题", "正确值")]
    for f in findings:
        p = f.public()
        rows.append((str(p["line"]), _short(p["quote"], 24), f"{KIND_ZH[f.kind]}：{p['message']}", _short(p["expected"], 24)))
    w = [max(_width(r[i]) for r in rows) for i in range(4)]
    lines = []
    for i, r in enumerate(rows):
        lines.append("  ".join(_pad(c, w[k]) for k, c in enumerate(r)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * x for x in w))
    head = f"{name}：发现 {len(findings)} 处问题" if name else f"发现 {len(findings)} 处问题"
    return head + "\n" + "\n".join(lines)


_CSS = """
body{font-family:"Noto Serif CJK SC","Source Han Serif SC","Songti SC",SimSun,serif;margin:0 auto;
max-width:46rem;padding:1rem;line-height:1.8;color:#1a1a1a;background:#fff;font-size:1.05rem}
h1{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;font-size:1.3rem;line-height:1.4}
.summary{background:#f3f3f3;border-left:4px solid #555;padding:.5rem .8rem}
p.line{margin:.4rem 0;overflow-wrap:anywhere}
.no{color:#595959;font-size:.8rem;margin-right:.4rem;user-select:none}
mark{background:#ffe08a;color:#1a1a1a;border-bottom:2px solid #b00020;padding:0 .1rem}
.note{display:block;margin:.2rem 0 .6rem 1rem;padding:.3rem .6rem;border-left:3px solid #b00020;background:#fff5f5;
font-size:.95rem;overflow-wrap:anywhere}
.note b{color:#8a0016}
@media print{mark{background:none;text-decoration:underline}}
"""


def to_html(lines: list[str], findings: list[Finding], title: str) -> str:
    """The text with each slip highlighted and explained: self-contained, readable on a phone."""
    by_line: dict[int, list[Finding]] = {}
    for f in findings:
        by_line.setdefault(f.line, []).append(f)
    body = []
    numbered = 0
    for n, line in enumerate(lines, 1):
        fs = sorted(by_line.get(n, []), key=lambda f: (f.start, -f.end))
        if not line.strip() and not fs:
            continue
        parts, pos = [], 0
        notes = []
        for f in fs:
            numbered += 1
            if f.start >= pos and f.end > f.start:
                parts.append(html.escape(mask_text(line[pos:f.start])))
                parts.append(f'<mark id="f{numbered}">{html.escape(mask_text(line[f.start:f.end]))}'
                             f'<sup>[{numbered}]</sup></mark>')
                pos = f.end
            notes.append(f'<span class="note" role="note"><b>[{numbered}] {KIND_ZH[f.kind]}</b>：'
                         f'{html.escape(mask_text(f.message))}；正确值：<b>{html.escape(mask_text(f.expected))}</b></span>')
        parts.append(html.escape(mask_text(line[pos:])))
        body.append(f'<p class="line"><span class="no" aria-label="第{n}行">{n}</span>{"".join(parts)}</p>' + "".join(notes))
    summary = f"发现 {len(findings)} 处问题，已在原文中标出。" if findings else "未发现问题。"
    t = html.escape(mask_text(title))
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>核对结果：{t}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
            f"<h1>核对结果：{t}</h1>\n<p class=\"summary\">{summary}</p>\n" + "\n".join(body) +
            "\n</main>\n</body>\n</html>\n")


def write_html(out: Path, lines: list[str], findings: list[Finding], title: str) -> None:
    """Write atomically: a temp file, then a rename."""
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(to_html(lines, findings, title), encoding="utf-8")
    tmp.replace(out)


def merge(a: list[Finding], b: list[Finding]) -> list[Finding]:
    out = a + b
    out.sort(key=lambda f: (f.line, f.start, KINDS.index(f.kind)))
    return out
