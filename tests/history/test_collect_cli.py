"""``borderwatch collect`` as a command: quiet in a pipe (failures and a summary on stderr only), a failing
feed does not stop the loop, and the SQLite file lands in BORDERWATCH_HOME."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .replay_server import ReplayServer


@pytest.fixture
def replay(shared_data):
    with ReplayServer(shared_data / "cbp" / "bwtnew_2022-06-29.json") as srv:
        yield srv


def run(home, *args):
    env = {**os.environ, "BORDERWATCH_HOME": str(home), "BORDERWATCH_HISTORY_SEED": "0",
           "BORDERWATCH_HTTP_RETRIES": "0"}
    env.pop("BORDERWATCH_DB", None)
    return subprocess.run([sys.executable, "-m", "dashboard.cli", "collect", *args], env=env,
                          capture_output=True, timeout=300)


def test_collect_every_in_a_pipe_is_quiet_and_goes_on_after_failures(tmp_path, replay):
    home = tmp_path / "home"
    p = run(home, "--every", "0.05", "--polls", "2", "--source", f"{replay.url}/api/bwtnew")
    assert p.returncode == 0, p.stderr
    assert p.stdout == b""
    assert p.stderr.decode().strip().splitlines() == ["2 polls (0 failed), 356 rows added"]
    assert (home / "history.sqlite3").is_file()
    bad = run(home, "--every", "0.05", "--polls", "2", "--source", f"{replay.url}/fail")
    lines = bad.stderr.decode().strip().splitlines()
    assert bad.returncode == 0 and len(lines) == 3
    assert all("FAILED" in x and "HTTP 503" in x for x in lines[:2])
    assert lines[2] == "2 polls (2 failed), 0 rows added"
    once = run(home, "--once", "--source", f"{replay.url}/api/bwtnew")
    assert once.returncode == 0 and once.stdout.decode().startswith("poll 5: ")
    assert "178 lane readings, 178 new" in once.stdout.decode()
