"""The writer's own words (reporting.md "The writer's own words"): a Markdown file per
township and year — ``narrative/<Y>/<乡镇>.md`` in the dataset folder (and
``narrative/<Y>/<县>.md`` for the county summary), or under the folder named by the
environment variable ``ZHENXING_NARRATIVE`` — whose ``##`` sections are merged into the
summary at their anchors:

- ``## 开头`` replaces the opening paragraph;
- ``## <a topic's heading words>`` (``## 防止返贫动态监测``, or the section's full heading)
  adds paragraphs after that section's computed text;
- ``## 亮点`` becomes a subsection of 工作开展情况及成效 (典型经验);
- ``## 存在问题`` and ``## 工作打算`` add items after the computed ones, numbered on;
- ``## 落款`` overrides the issuer (first line) and date (second line).

An unknown section is an error naming it and the accepted ones. The text goes into the
document exactly as written. Every number in it that the data can check is checked by
the checkers registered here (:func:`register_checker`; ``zhenxing.audit`` registers the
audit rules when it is imported — the report layer never imports it): a contradiction is
a warning on the console and in 编制说明.md, never a refusal.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from zhenxing.data import paths
from zhenxing.topics.registry import TOPIC_TITLES, TOPICS
from zhenxing.words.wording import ORDINALS, wording

ENV = "ZHENXING_NARRATIVE"       # a folder holding <Y>/<乡镇>.md, instead of the dataset's narrative/
FIXED = ("开头", "亮点", "存在问题", "工作打算", "落款")
ORDINAL_AT_START = re.compile(r"^(?:[一二三四五六七八九十]+是|[（(][一二三四五六七八九十]+[）)]|\d+[.、．])\s*")

_CHECKERS: list = []


class NarrativeError(ValueError):
    """A writer's file that cannot be merged (an unknown section); the message is Chinese."""


def register_checker(fn) -> None:
    """``fn(text_lines, ind) -> list[str]``: warnings about the writer's numbers (the
    audit rules against the computed indicators). Registered once per function."""
    if fn not in _CHECKERS:
        _CHECKERS.append(fn)


def folder(dataset: str | Path | None) -> Path:
    """Where the writer's files live: ``$ZHENXING_NARRATIVE`` or ``<dataset>/narrative``."""
    env = os.environ.get(ENV, "").strip()
    if env:
        return Path(env)
    ds = Path(dataset) if dataset else paths.SAMPLE
    if not ds.is_absolute() and not ds.exists():
        ds = paths.ROOT / ds
    return ds / "narrative"


def file_of(dataset, year: int, name: str) -> Path:
    """The writer's file of a township (or county) and year (it may not exist)."""
    return folder(dataset) / str(int(year)) / f"{name}.md"


def digest(path: Path) -> str | None:
    """What a re-run compares: the file's content hash, None without a file."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return None


def anchors(ind: dict | None = None, *, county: bool = False) -> dict[str, str]:
    """Accepted section name → its anchor (a fixed part or a topic's notebook name)."""
    out = {n: n for n in FIXED}
    heads = (wording(ind).get("county") or {}).get("headings", {}) if county else wording(ind).get("headings") or {}
    for topic in TOPICS:
        out[TOPIC_TITLES[topic]] = topic
        if heads.get(topic):
            out[heads[topic]] = topic
    return out


@dataclass
class Narrative:
    path: Path
    sections: dict[str, str] = field(default_factory=dict)   # anchor → Markdown text (as written)
    warnings: list[str] = field(default_factory=list)

    def text(self, anchor: str) -> str | None:
        t = self.sections.get(anchor)
        return t if t and t.strip() else None

    def items(self, anchor: str) -> list[str]:
        """The items of 存在问题 / 工作打算: one per paragraph or list item, without the
        writer's own ordinal (the summary numbers them on)."""
        t = self.text(anchor)
        if not t:
            return []
        out = []
        for block in re.split(r"\n\s*\n", t.strip()):
            for line in re.split(r"\n(?=\s*[-*+]\s|\s*\d+[.、．]\s*)", block):
                s = re.sub(r"^\s*[-*+]\s+", "", line.strip())
                s = ORDINAL_AT_START.sub("", s)
                if s:
                    out.append(s)
        return out

    def signature(self) -> tuple[str | None, str | None]:
        t = self.text("落款")
        if not t:
            return None, None
        lines = [x.strip() for x in t.strip().splitlines() if x.strip()]
        return (lines[0] if lines else None), (lines[1] if len(lines) > 1 else None)


def parse(path: Path, ind: dict | None = None, *, county: bool = False) -> Narrative:
    """Read a writer's file; ``NarrativeError`` for a section name that anchors nowhere."""
    known = anchors(ind, county=county)
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    n = Narrative(path)
    current, buf = None, []
    unknown = []
    started = False   # after the first "##" heading (text under an unknown one is not reported twice)

    def flush():
        if current is not None:
            body = "\n".join(buf).strip("\n")
            n.sections[current] = (n.sections[current] + "\n\n" + body) if current in n.sections else body

    for line in text.split("\n"):
        m = re.match(r"^##\s+(.+?)\s*#*\s*$", line)
        if m and not line.startswith("###"):
            flush()
            started = True
            name = m.group(1).strip()
            if name not in known:
                unknown.append(name)
                current = None
            else:
                current = known[name]
            buf = []
        elif current is not None:
            buf.append(line)
        elif not started and line.strip() and not line.startswith("# ") and not line.strip().startswith("<!--"):
            unknown.append(line.strip()[:20] + "（写在第一个“##”标题之前）")
    flush()
    if unknown:
        accepted = [k for k in known if k in FIXED or k in TOPIC_TITLES.values()]
        raise NarrativeError(
            f"写作者文件 {path.name} 中有不能识别的部分：{'、'.join('“' + u + '”' for u in unknown)}。"
            f"可用的“##”标题：{'、'.join(accepted)}（专题也可写其完整小标题）[unknown_narrative_section]")
    return n


def load(dataset, year: int, name: str, ind: dict | None = None, *, county: bool = False) -> Narrative | None:
    """The writer's file of (name, year) merged-ready and checked, or None without one."""
    p = file_of(dataset, year, name)
    if not p.is_file():
        return None
    n = parse(p, ind, county=county)
    if ind is not None:
        n.warnings = check(n, ind)
        for w in n.warnings:
            print(f"注意：{name}写作者文件 {p.name}：{w}", file=sys.stderr)
    return n


def check(n: Narrative, ind: dict) -> list[str]:
    """Warnings about the writer's numbers, from every registered checker."""
    lines = []
    for _anchor, t in n.sections.items():
        lines += [x for x in t.splitlines()]
    out: list[str] = []
    for fn in _CHECKERS:
        try:
            out += list(fn(lines, ind) or [])
        except Exception as e:  # noqa: BLE001 — a checker's slip never stops a report
            out.append(f"数字核对未完成（{type(e).__name__}）")
    return list(dict.fromkeys(out))


def numbered_on(computed: list[str], extra: list[str], none_sentence: str | None = None) -> list[str]:
    """The writer's items after the computed ones, numbered on (一是…二是…). A computed
    list that is only the plain "no problem" sentence is replaced by the writer's items."""
    if not extra:
        return computed
    base = [] if (none_sentence and computed == [none_sentence]) else list(computed)
    out = list(base)
    for item in extra:
        out.append(f"{ORDINALS[len(out)]}是{item}")
    return out


def provenance_line(n: Narrative | None) -> list[str]:
    """The 编制说明 lines of a writer's file: which file, and every warning about its numbers."""
    if n is None:
        return []
    out = [f"写作者文件：narrative/{n.path.parent.name}/{n.path.name}（内容校验码 {digest(n.path)}）"]
    if not _CHECKERS:
        return out + ["写作者文件数字核对：本次未核对（未载入核对规则），请用 zhenxing audit 核对"]
    out += [f"写作者文件数字核对：{w}" for w in n.warnings] or ["写作者文件数字核对：未发现与数据不符的数字"]
    return out
