"""Store (or compare) the outputs that the restructure must leave unchanged.

``python tests/golden/store.py`` runs ``zhenxing run`` on the bundled sample, the
acceptance fixture (when ``../shared/fixtures`` is present) and a generated county with
every optional table, and stores each township's ``indicators.json`` and ``report.md``
and the county's ``county.json`` and ``county.md`` under ``tests/golden/<dataset>/``.
Run it only when a change of figures or wording is deliberate; ``tests/test_golden.py``
compares a fresh run with what is stored here.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURE = ROOT.parent / "shared" / "fixtures" / "qingshi" / "dataset"
# the lines of the provenance that change with every run or commit
VOLATILE = re.compile(r"^- (程序版本|生成时间)：.*$", re.M)
FILES = ("indicators.json", "report.md", "county.json", "county.md")


def datasets(tmp: Path) -> dict[str, tuple[Path | None, list[str]]]:
    """name → (dataset folder or None when absent, extra ``zhenxing run`` arguments)."""
    gen = tmp / "every-optional"
    if not gen.exists():
        subprocess.run([sys.executable, "-m", "zhenxing.sample", str(gen), "--townships", "3", "--optional",
                        "--seed", "7"], check=True, capture_output=True)
    return {"sample": (ROOT / "data" / "sample", []),
            "fixture": (FIXTURE if FIXTURE.is_dir() else None, ["--year", "2023"]),
            "every-optional": (gen, [])}


def run(dataset: Path, extra: list[str], out: Path) -> None:
    subprocess.run([sys.executable, "-m", "zhenxing.cli", "run", str(dataset), "--formats", "html",
                    "--out", str(out), *extra], check=True, capture_output=True)


def normalised(p: Path) -> str:
    return VOLATILE.sub("- \\1：（略）", p.read_text(encoding="utf-8"))


def collect(out: Path) -> dict[str, str]:
    """relative path → normalised text of every stored kind of file under ``out``."""
    return {p.relative_to(out).as_posix(): normalised(p)
            for p in sorted(out.rglob("*")) if p.name in FILES and "scratch" not in p.parts}


def main() -> int:
    import tempfile
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for name, (ds, extra) in datasets(tmp).items():
            if ds is None:
                print(f"{name}: dataset absent, kept as stored")
                continue
            run(ds, extra, tmp / name)
            dest = HERE / name
            shutil.rmtree(dest, ignore_errors=True)
            for rel, text in collect(tmp / name).items():
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                (dest / rel).write_text(text, encoding="utf-8")
            print(f"{name}: stored {len(collect(tmp / name))} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
