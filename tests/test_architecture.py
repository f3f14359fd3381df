"""The shape of the package, checked on its source (``ast``): the layers import one way,
no module imports itself back through others, no private name crosses a module, no file
grows past what a reader can hold.

Layers, top to bottom (a module may import its own layer and those below it)::

    cli  →  run  →  report  →  topics  →  words  →  data

``audit``, ``review`` and ``sample`` stand beside the layers: each may import the layers
listed for it below, and nothing in the layers imports them (but ``cli``, and ``run`` and
``report``, which write the review beside each report and its counts into the county summary).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parent.parent / "lib" / "zhenxing"
LAYERS = ["data", "review", "words", "topics", "report", "run", "cli"]
BESIDE = {"audit": {"data", "review", "words", "topics", "report"}, "sample": {"data", "review"}}
MAX_LINES = 900
CALLS_BESIDE = {("review", "run"), ("review", "report"),   # (beside, layer): the run's 疑点核查
                ("audit", "run")}   # a Dask worker loads the check of the writer's numbers, as cli does


def modules() -> dict[str, Path]:
    out = {}
    for p in sorted(LIB.rglob("*.py")):
        rel = p.relative_to(LIB.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def imports(path: Path, name: str) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every zhenxing import, anywhere in
    the file (imports inside functions count: they are still a dependency)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            out += [(a.name, [], n.lineno) for a in n.names if a.name.startswith("zhenxing")]
        elif isinstance(n, ast.ImportFrom):
            mod = n.module or ""
            if n.level:
                base = pkg.split(".")
                base = base[: len(base) - (n.level - 1)]
                mod = ".".join(base + ([mod] if mod else []))
            if mod.startswith("zhenxing"):
                out.append((mod, [a.name for a in n.names], n.lineno))
    return out


def resolve(mod: str, names: list[str], known: dict) -> list[str]:
    """The modules an import depends on: ``from zhenxing.topics import funds`` is the
    module ``zhenxing.topics.funds``; ``from zhenxing.topics.base import bar`` is base."""
    out = []
    for n in names or [None]:
        if n and f"{mod}.{n}" in known:
            out.append(f"{mod}.{n}")
        elif mod in known:
            out.append(mod)
    return out


def layer(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else "package"


def graph() -> dict[str, set[str]]:
    known = modules()
    g: dict[str, set[str]] = {m: set() for m in known}
    for m, p in known.items():
        for mod, names, _ in imports(p, m):
            g[m] |= {d for d in resolve(mod, names, known) if d != m}
    return g


def test_layers_import_one_way():
    bad = []
    for m, deps in graph().items():
        lm = layer(m)
        for d in deps:
            ld = layer(d)
            if ld in ("package",) or ld == lm:
                continue
            if lm in BESIDE:
                ok = ld in BESIDE[lm]
            elif ld in BESIDE:
                ok = lm == "cli" or (ld, lm) in CALLS_BESIDE
            elif lm == "package":
                ok = False
            else:
                ok = LAYERS.index(ld) < LAYERS.index(lm)
            if not ok:
                bad.append(f"{m} → {d}")
    assert not bad, "imports running back up a layer:\n" + "\n".join(sorted(bad))


def test_no_import_circle():
    g = graph()
    seen, stack, circles = set(), [], []

    def visit(m, on_path):
        if m in on_path:
            circles.append(stack[stack.index(m):] + [m])
            return
        if m in seen:
            return
        seen.add(m)
        on_path.add(m)
        stack.append(m)
        for d in sorted(g[m]):
            visit(d, on_path)
        stack.pop()
        on_path.discard(m)

    for m in sorted(g):
        visit(m, set())
    assert not circles, "import circles:\n" + "\n".join(" → ".join(c) for c in circles)


def test_no_private_name_from_another_module():
    known = modules()
    bad = []
    for m, p in known.items():
        tree = ast.parse(p.read_text(encoding="utf-8"))
        aliases = {}
        for mod, names, line in imports(p, m):
            for n in names:
                if n.startswith("_") and not n.startswith("__"):
                    bad.append(f"{m}:{line} imports {mod}.{n}")
        for n in ast.walk(tree):
            if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("zhenxing"):
                for a in n.names:
                    if f"{n.module}.{a.name}" in known:
                        aliases[a.asname or a.name] = f"{n.module}.{a.name}"
        for n in ast.walk(tree):
            if (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in aliases
                    and n.attr.startswith("_") and not n.attr.startswith("__")):
                bad.append(f"{m}:{n.lineno} uses {aliases[n.value.id]}.{n.attr}")
    assert not bad, "private names used across modules:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", sorted(LIB.rglob("*.py")), ids=lambda p: str(p.relative_to(LIB)))
def test_no_source_file_over_the_limit(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(LIB)}: {n} lines (limit {MAX_LINES})"


def test_the_checks_see_a_violation(tmp_path):
    """The graph walker finds an import that runs back up, so the tests above can fail."""
    g = graph()
    assert any(d.startswith("zhenxing.topics") for d in g["zhenxing.report.notebook"])
    assert "zhenxing.report.notebook" not in g["zhenxing.topics.registry"]
    # a module of the data layer importing the report layer would be listed
    assert layer("zhenxing.data.contract") == "data" and LAYERS.index("report") > LAYERS.index("data")
