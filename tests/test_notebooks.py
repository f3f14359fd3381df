"""nbval on the committed notebooks: re-run on their defaults (the bundled sample), the
indicator and narrative cells (tagged nbval-check-output) must give the stored outputs.

The committed notebooks carry no execution counts (noise in diffs), but nbval treats an
output without a count as "unrun"; so the test numbers the cells in a copy, then runs
nbval on the copy in its own pytest process."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from zhenxing import paths
from zhenxing.notebook import TOPICS


def test_committed_notebooks_are_clean():
    for topic in TOPICS:
        nb = nbformat.read(paths.NOTEBOOKS / f"{topic}.ipynb", as_version=4)
        assert nb.metadata["kernelspec"]["name"] == "zhenxing"
        assert "papermill" not in nb.metadata
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count is None for c in code)
        assert "parameters" in code[0].metadata.get("tags", [])
        assert nb.cells[0].cell_type == "raw" and "echo: false" in nb.cells[0].source  # Quarto front matter
        checked = [c for c in code if "nbval-check-output" in c.metadata.get("tags", [])]
        assert checked and all(c.outputs for c in checked), f"{topic}: stored outputs missing (make notebooks)"


@pytest.mark.parametrize("topic", list(TOPICS))
def test_nbval(topic, tmp_path):
    nb = nbformat.read(paths.NOTEBOOKS / f"{topic}.ipynb", as_version=4)
    n = 0
    for c in nb.cells:
        if c.cell_type == "code":
            n += 1
            c.execution_count = n
    copy = tmp_path / f"{topic}.ipynb"
    nbformat.write(nb, copy)
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                        "--nbval-current-env", str(copy)], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-4000:]
    assert " passed" in r.stdout
