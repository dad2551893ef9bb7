"""`borderwatch collect --once` (the history collector, which takes the loaders.atomic lock) against broken
feeds: exit 1, one line naming the URL, the history store row-identical afterwards; and kill -9 during
collection leaves a store that opens and keeps collecting."""
from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.faults import helpers, test_feeds_faults, test_http_faults
from tests.faults.conftest import FAST_ENV

UNREADABLE = ["truncated-json", "html-200", "empty-body", "binary-body", "latin1-body", "deep-array", "deep-object",
              "xml-deep", "xml-billion-laughs", "empty-array", "object-not-array", "json-null"]
TRANSPORT = ["drip-bytes", "endless-body", "gzip-bomb-1gib", "503-retry-after-3600", "redirect-to-http-elsewhere",
             "content-length-200mb", "close-at-once"]


def _store_dump(home) -> str:
    db = home / "history.sqlite3"
    if not db.exists():
        return ""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        # the readings; a failed poll is itself logged (polls, its payload) by design
        rows = [repr(r) for t in ("readings",)
                for r in con.execute(f"SELECT * FROM {t} ORDER BY 1")]  # noqa: S608 - fixed names
        return hashlib.sha256("\n".join(rows).encode()).hexdigest()
    finally:
        con.close()


@pytest.fixture
def store_home(env, tmp_path, cli, monkeypatch):
    home = tmp_path / "hist-home"
    monkeypatch.setenv("BORDERWATCH_HOME", str(home))
    monkeypatch.setenv("BORDERWATCH_HISTORY_SEED", "0")
    monkeypatch.delenv("BORDERWATCH_DB", raising=False)
    code, out, err = cli("collect", "--once")  # one good poll of the real capture
    assert code == 0, err
    return home


@pytest.fixture(scope="module")
def bad_urls(server):
    out = {cid: server.add_body(build(), name=f"collect-{cid}")
           for cid, build, _ in test_feeds_faults.CASES if cid in UNREADABLE}
    out.update({cid: server.add(route, name=f"collect-{cid}")
                for cid, route, _ in test_http_faults.CASES if cid in TRANSPORT})
    return out


@pytest.mark.parametrize("cid", UNREADABLE + TRANSPORT)
def test_collect_refuses_and_keeps_the_store(cid, bad_urls, store_home, cli):
    before = _store_dump(store_home)
    assert before
    t0 = time.monotonic()
    code, out, err = cli("collect", "--once", "--source", bad_urls[cid])
    assert time.monotonic() - t0 < 15
    assert code == 1, (out, err)
    line = helpers.one_line(err)
    assert "127.0.0.1" in line
    assert _store_dump(store_home) == before


KILLS = int(os.environ.get("BORDERWATCH_FAULT_KILLS", "8")) // 2


@pytest.mark.parametrize("round_", range(KILLS))
def test_kill_9_during_collect(round_, good_urls, tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, **FAST_ENV, **good_urls, "BORDERWATCH_HOME": str(home), "BORDERWATCH_HISTORY_SEED": "0",
           "BORDERWATCH_DATA_DIR": str(helpers.DATA)}
    env.pop("BORDERWATCH_DB", None)
    p = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "collect", "--every", "0.2"], cwd=helpers.ROOT,
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3 + round_ * 0.7)
    p.send_signal(signal.SIGKILL)
    p.wait(30)
    q = subprocess.run([sys.executable, "-m", "dashboard.cli", "collect", "--once"], cwd=helpers.ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert q.returncode == 0, q.stderr  # the lock was released by the kernel, the store opens and takes a poll
    if (home / "history.sqlite3").exists():
        con = sqlite3.connect(home / "history.sqlite3")
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
