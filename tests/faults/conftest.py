"""The fault suite: broken servers, broken files, killed and concurrent writers (issue 11).

Each test module is one category (``test_<category>_faults.py``); at the end of the run the terminal summary
prints how many cases of each category were tried and how many passed.
"""
from __future__ import annotations

import collections
import re

_tried: collections.Counter = collections.Counter()
_passed: collections.Counter = collections.Counter()


def _category(nodeid: str) -> str:
    m = re.search(r"test_(\w+?)_faults\.py", nodeid)
    return m.group(1) if m else "other"


def pytest_runtest_logreport(report):
    if "tests/faults/" not in report.nodeid.replace("\\", "/"):
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        cat = _category(report.nodeid)
        _tried[cat] += 1
        if report.passed:
            _passed[cat] += 1


def pytest_terminal_summary(terminalreporter):
    if not _tried:
        return
    tr = terminalreporter
    tr.section("fault suite: cases tried per category")
    width = max(len(c) for c in _tried)
    for cat in sorted(_tried):
        tr.write_line(f"  {cat:<{width}}  {_tried[cat]:4d} tried, {_passed[cat]:4d} passed")
    tr.write_line(f"  {'total':<{width}}  {sum(_tried.values()):4d} tried, {sum(_passed.values()):4d} passed")


# ---------------------------------------------------------------------------------------------- fixtures
import json  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests.faults import helpers  # noqa: E402

#: Short bounds so that every hanging case ends within a few seconds.
FAST_ENV = {
    "BORDERWATCH_HTTP_DEADLINE": "2",
    "BORDERWATCH_HTTP_TIMEOUT": "1",
    "BORDERWATCH_HTTP_CONNECT_TIMEOUT": "1",
    "BORDERWATCH_HTTP_RETRIES": "1",
    "BORDERWATCH_HTTP_RETRY_AFTER_MAX": "1",
    "BORDERWATCH_HTTP_MAX_BYTES": "5000000",
    "BORDERWATCH_FILE_MAX_BYTES": "20000000",
    "BORDERWATCH_BTS_MAX_PAGES": "5",
    "BORDERWATCH_BTS_PAGE_SIZE": "200",
    "BORDERWATCH_BTS_DEADLINE": "4",
    "BORDERWATCH_LOCK_TIMEOUT": "30",
}
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(scope="session")
def server():
    srv = helpers.FaultServer()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="session")
def socrata_rows():
    from tests.test_bts import WINDOW, _socrata_rows
    return _socrata_rows(WINDOW)


@pytest.fixture(scope="session")
def good_urls(server, socrata_rows):
    cbp = server.add_body(helpers.CBP_CAPTURE.read_bytes(), name="cbp-good")
    xml = server.add_body(helpers.XML_CAPTURE.read_bytes(), ctype="application/xml", name="xml-good")
    bts = server.add(helpers.socrata(socrata_rows), name="bts-good")
    return {"BORDERWATCH_CBP_JSON_URL": cbp, "BORDERWATCH_CBP_XML_URL": xml, "BORDERWATCH_BTS_URL": bts}


@pytest.fixture(scope="session")
def template_home(tmp_path_factory, good_urls):
    """A BORDERWATCH_HOME holding one good refreshed snapshot (the real 2022 capture, BTS 2023-11..2024-01)."""
    from loaders.config import get_settings
    from loaders.refresh import refresh_snapshot
    home = tmp_path_factory.mktemp("template") / "home"
    env = {**FAST_ENV, **good_urls, "BORDERWATCH_HOME": str(home), "BORDERWATCH_DATA_DIR": str(helpers.DATA)}
    res = refresh_snapshot(settings=get_settings(env), bts_start="2023-11")
    assert res.refreshed == ["bts", "cbp"], res.kept
    return home


@pytest.fixture
def env(monkeypatch, good_urls, tmp_path):
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    for k, v in {**FAST_ENV, **good_urls, "BORDERWATCH_DATA_DIR": str(helpers.DATA),
                 "BORDERWATCH_HOME": str(tmp_path / "empty-home")}.items():
        monkeypatch.setenv(k, v)

    class Env:
        def set(self, **kw):
            for k, v in kw.items():
                monkeypatch.setenv(k if k.startswith("BORDERWATCH_") else f"BORDERWATCH_{k}", str(v))
            return self
    return Env()


@pytest.fixture
def home(env, template_home, tmp_path, monkeypatch):
    h = tmp_path / "home"
    shutil.copytree(template_home, h, symlinks=True)
    monkeypatch.setenv("BORDERWATCH_HOME", str(h))
    return h


@pytest.fixture
def cli(capsys):
    """Run ``borderwatch ARGS`` in this process: (exit code, stdout, stderr)."""
    from dashboard.cli import main

    def run(*args: str):
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.fixture
def refused(cli, home):
    """Assert ``borderwatch ARGS`` fails with one line containing ``needle`` (alternatives separated by
    ``|``) and leaves the home and data/ byte-identical."""
    def check(args, needle: str, *, code: int = 1):
        before, data_before = helpers.fingerprint(home), helpers.data_fingerprint()
        got, out, err = cli(*args)
        line = helpers.one_line(err)
        assert got == code, (got, err)
        assert any(n.lower() in line.lower() for n in needle.split("|")), line
        assert helpers.fingerprint(home) == before, "the refreshed snapshot changed"
        assert helpers.data_fingerprint() == data_before, "data/ changed"
        return line
    return check
