"""docs/data-contract.md states the contract the code reads: every table with its stems,
every column with its unit (money) and whether it is required, every alias. The reader
of the docs never needs another file; this test keeps the page and the schema together."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from zhenxing.data import schema

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-contract.md"


def sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^### (\w+) — ", text, flags=re.M)
    return {parts[i]: parts[i + 1].split("\n## ")[0] for i in range(1, len(parts), 2)}


@pytest.mark.parametrize("name", list(schema.TABLES))
def test_every_column_is_documented_as_the_code_reads_it(name):
    sec = sections()[name]
    spec = schema.TABLES[name]
    assert all(f"`{stem}`" in sec for stem in spec["stems"])
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| (\S+) \|.*$", sec, flags=re.M)}
    documented = [r for r in rows if r not in ("column", "---")]
    assert documented == [c.name for c in spec["cols"]]
    for c in spec["cols"]:
        cells = [x.strip() for x in rows[c.name].strip("|").split("|")]
        assert cells[2] == ("yes" if c.required else "column required, may be blank" if c.present else "no"), c.name
        if c.kind == "money":
            assert f"number ({c.unit})" in cells[1], c.name
        if c.pii:
            assert "PII" in cells[1], c.name
        for allowed in c.allowed:
            assert allowed in cells[1], (c.name, allowed)


def test_every_alias_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for table in (schema.ALIASES, schema.PERSON_ALIASES):
        for canon, names in table.items():
            lines = [ln for ln in text.splitlines() if ln.startswith(f"| {canon} | ")]
            assert any(all(n in ln for n in names) for ln in lines), (canon, names)


def test_the_docs_stand_alone():
    for page in (DOC, DOC.parent / "running.md"):
        assert "../shared" not in page.read_text(encoding="utf-8"), page.name
