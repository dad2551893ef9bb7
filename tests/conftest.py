"""Shared test fixtures. Tests read the real captures in ../shared/data; the project at run time never does."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# Validate every figure against plotly's schema while testing (off at run time for speed).
os.environ.setdefault("BORDERWATCH_VALIDATE_FIGURES", "1")
# Tests have no internet: the page and `borderwatch status` start on the embedded snapshot instead of trying
# the live CBP feed first (tests/test_live_default.py covers that path against a local server). Inherited
# by every server and CLI a test starts.
os.environ.setdefault("BORDERWATCH_OFFLINE", "1")
# Never write the user's own ~/.local/share/borderwatch (history store, refreshed snapshot): one private
# home for the run; tests that need their own set BORDERWATCH_HOME themselves.
if "BORDERWATCH_HOME" not in os.environ:
    import tempfile
    os.environ["BORDERWATCH_HOME"] = tempfile.mkdtemp(prefix="borderwatch-test-home-")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("BORDERWATCH_SHARED_DATA", ROOT.parent / "shared" / "data"))
DATA_DIR = ROOT / "data"


def pytest_addoption(parser):
    parser.addoption("--remote-data", action="store_true", default=False,
                     help="also run tests that talk to the real CBP/BTS servers")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--remote-data"):
        return
    skip = pytest.mark.skip(reason="live network test: opt in with --remote-data")
    for item in items:
        if "remote_data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real captures not found at {SHARED_DATA} (set BORDERWATCH_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA_DIR


@pytest.fixture(scope="session")
def crossings():
    from loaders.crossings import load_crossings
    return load_crossings(DATA_DIR)


@pytest.fixture(scope="session")
def snapshot():
    from loaders.snapshot import load_snapshot
    return load_snapshot(DATA_DIR)


@pytest.fixture(scope="session")
def events(crossings):
    from loaders.events import load_events
    return load_events(DATA_DIR, crossings=crossings)
