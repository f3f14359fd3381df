"""Shared test data.

The suite stands on its own: the project's own test data is generated here (the
seeded sample generator) or kept under ``tests/``. The acceptance fixture in
``../shared/fixtures`` is used when it is there and skipped, with the reason, when
it is not (a user's clone has nothing beside it).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"
QINGSHI = SHARED_FIXTURES / "qingshi"


def qingshi() -> Path:
    """The acceptance fixture folder (dataset/, expected.json, must_state.txt), or skip."""
    if not (QINGSHI / "dataset").is_dir():
        pytest.skip("验收数据 ../shared/fixtures/qingshi 不在本机（只在 CI 中提供）"
                    " [acceptance fixture absent: ../shared/fixtures/qingshi]")
    return QINGSHI


@pytest.fixture
def fixture_dataset() -> Path:
    """The acceptance fixture's dataset folder (skips when absent)."""
    return qingshi() / "dataset"


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """A small contract dataset of the project's own: 3 townships × 80 households,
    2022–2023, the office-style mix of formats (xlsx with title rows, GB18030, BOM,
    aliases, mixed dates). Seeded, so every run gets the same bytes. Read-only:
    copy it (``tiny_copy``) before changing anything."""
    from zhenxing.sample import generator as sample
    return sample.generate(tmp_path_factory.mktemp("tiny") / "tiny", townships=3,
                           households_per_township=80, years=(2022, 2023))


@pytest.fixture
def tiny_copy(tiny_dataset, tmp_path) -> Path:
    """A private copy of the tiny dataset, to break or reshape in a test."""
    d = tmp_path / "tiny"
    shutil.copytree(tiny_dataset, d)
    return d
