"""Shared test data.

The suite stands on its own: the project's own test data is generated here (the
seeded sample generator) or kept under ``tests/``. The acceptance fixture in
``../shared/fixtures`` is used when it is there and skipped, with the reason, when
it is not (a user's clone has nothing beside it).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

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


# ---------------------------------------------------------------- what set-up installs
#: A skip whose reason starts with this tag names something ``make test`` installs
#: (scripts/setup.sh: chromium, poppler-utils, fonts-noto-cjk, the Python packages of
#: requirements.txt, unshare from util-linux). On a user's machine it is a skip with the
#: reason; in CI (``CI=true``), where set-up ran, it is a failure.
SETUP_INSTALLS = "[set-up installs]"
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def setup_installs(what: str, reason: str) -> str:
    """The reason of a skip for something set-up installs (a failure under CI=true)."""
    return f"{SETUP_INSTALLS} {what}: {reason}"


def chromium() -> Path | None:
    """Chromium as set-up finds it: any ``chromium`` on PATH, else /usr/bin/chromium."""
    found = shutil.which("chromium")
    if found:
        return Path(found)
    usr = Path("/usr/bin/chromium")
    return usr if usr.exists() and os.access(usr, os.X_OK) else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not (IN_CI and rep.skipped):
        return
    reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
    if SETUP_INSTALLS in reason:
        rep.outcome = "failed"
        rep.longrepr = (f"CI=true: skipped, but set-up installs what this test needs — "
                        f"set-up did not do its job: {reason}")


# ---------------------------------------------------------------- Hypothesis
# `ci` (chosen when CI=true) is derandomised: the same examples on every run, so a
# red CI run is reproducible; HYPOTHESIS_PROFILE=large searches wider on demand.
# No deadline: speed belongs in bench/, not in a test that can fail on a busy machine.
_HC = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("default", max_examples=40, deadline=None, suppress_health_check=_HC)
settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=_HC,
                          derandomize=True, print_blob=True)
settings.register_profile("large", max_examples=300, deadline=None, suppress_health_check=_HC)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "default"))


# ---------------------------------------------------------------- own output folders
#: Python started by a test (zhenxing run, papermill and nbval kernels, Dask workers)
#: reads this: ``paths.OUTPUTS`` becomes $ZHENXING_TEST_OUTPUTS. The package has no
#: outputs override of its own; this keeps the tests out of the project's outputs/.
_SITECUSTOMIZE = """\
import os
if os.environ.get("ZHENXING_TEST_OUTPUTS") or os.environ.get("ZHENXING_TEST_PARAMS"):
    try:
        from pathlib import Path
        from zhenxing.data import paths as _p
        if os.environ.get("ZHENXING_TEST_OUTPUTS"):
            _p.OUTPUTS = Path(os.environ["ZHENXING_TEST_OUTPUTS"])
        if os.environ.get("ZHENXING_TEST_PARAMS"):
            # a test's own view of the project: lib/ and notebooks/ linked, params/ its copy
            # (as a Dask worker's view, run/township.py), so it changes policy files freely
            _p.ROOT = Path(os.environ["ZHENXING_TEST_PARAMS"]).parent
            _p.LIB, _p.NOTEBOOKS = _p.ROOT / "lib" / "zhenxing", _p.ROOT / "notebooks"
            _p.PARAMS = _p.ROOT / "params"
    except ImportError:
        pass
"""


def pytest_configure(config):
    """The township cache of the whole session in a temporary folder (never the real
    outputs/.cache), and the outputs override for subprocesses; set in the environment
    so subprocesses and notebook kernels inherit them."""
    if "ZHENXING_CACHE" not in os.environ or os.environ.get("ZHENXING_CACHE", "").startswith(str(ROOT)):
        os.environ["ZHENXING_CACHE"] = tempfile.mkdtemp(prefix="zhenxing-test-cache-")
    site = Path(tempfile.mkdtemp(prefix="zhenxing-test-site-"))
    (site / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p)
    os.environ["ZHENXING_TEST_OUTPUTS"] = tempfile.mkdtemp(prefix="zhenxing-test-outputs-")


@pytest.fixture(autouse=True)
def _own_outputs(tmp_path_factory, monkeypatch):
    """Every test has its own outputs folder: what code run in the test process, or in a
    subprocess it starts, writes to ``paths.OUTPUTS`` (scratch indicators of a notebook
    run by hand, the default ``--out``) lands in a temporary folder, never the
    project's outputs/."""
    from zhenxing.data import paths
    out = tmp_path_factory.mktemp("outputs")
    monkeypatch.setattr(paths, "OUTPUTS", out)
    monkeypatch.setenv("ZHENXING_TEST_OUTPUTS", str(out))
    return out


def project_view(where: Path) -> Path:
    """A private view of the project for runs in a subprocess that change policy files:
    lib/ and notebooks/ linked, params/ copied (without run files). Pass the returned
    params folder as ZHENXING_TEST_PARAMS; the project's params/ is never written."""
    from zhenxing.data import paths
    view = where / "project"
    view.mkdir(parents=True)
    (view / "lib").symlink_to(paths.ROOT / "lib")
    (view / "notebooks").symlink_to(paths.NOTEBOOKS)
    shutil.copytree(paths.PARAMS, view / "params", ignore=shutil.ignore_patterns("[0-9][0-9][0-9][0-9]", "*.yaml.txt"))
    return view / "params"
