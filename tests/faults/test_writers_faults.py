"""kill -9 at random moments of `borderwatch refresh`, and several refreshes at once: the refreshed snapshot
is always one complete version that loads with every hash verified; no temp folder is shared or left."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.faults import helpers
from tests.faults.conftest import FAST_ENV

ROOT = helpers.ROOT
KILLS = int(os.environ.get("BORDERWATCH_FAULT_KILLS", "8"))


def _env(home, good_urls):
    return {**os.environ, **FAST_ENV, **good_urls, "BORDERWATCH_HOME": str(home),
            "BORDERWATCH_DATA_DIR": str(helpers.DATA), "BORDERWATCH_LOCK_TIMEOUT": "120"}


def _refresh(home, good_urls, *extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dashboard.cli", "refresh", "--bts-from", "2023-11", *extra],
                            cwd=ROOT, env=_env(home, good_urls), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _assert_whole(home) -> str:
    from loaders.snapshot import load_snapshot
    snap = load_snapshot(home / "snapshot")  # every hash verified
    assert snap.waits["port_number"].nunique() == 76
    versions = list((home / ".snapshot.versions").iterdir())
    assert len([v for v in versions if not v.name.endswith(".partial")]) <= 3
    return snap.snapshot_id


@pytest.fixture(scope="module")
def refresh_seconds(template_home, good_urls, tmp_path_factory):
    """How long one refresh subprocess takes here (to aim the kills inside it)."""
    home = tmp_path_factory.mktemp("timing") / "home"
    shutil.copytree(template_home, home, symlinks=True)
    t0 = time.monotonic()
    p = _refresh(home, good_urls)
    p.communicate(timeout=120)
    assert p.returncode == 0
    return time.monotonic() - t0


@pytest.mark.parametrize("round_", range(KILLS))
def test_kill_9_during_refresh(round_, refresh_seconds, template_home, good_urls, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(template_home, home, symlinks=True)
    p = _refresh(home, good_urls)
    # kill somewhere in the run, with extra weight on its last third (where the writing happens)
    frac = random.Random(round_).uniform(0.2, 1.05) if round_ % 2 else random.Random(round_).uniform(0.66, 1.0)
    time.sleep(refresh_seconds * frac)
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=60)
    _assert_whole(home)
    # whatever was left is repaired on the next start: by a whole refresh every other round, else by
    # the repair step alone (what every refresh runs first, under the lock)
    if round_ % 2:
        q = _refresh(home, good_urls, "--skip", "bts")
        out, err = q.communicate(timeout=120)
        assert q.returncode == 0, err
    else:
        from loaders.config import get_settings
        from loaders.refresh import repair_snapshot
        repair_snapshot(get_settings({"BORDERWATCH_HOME": str(home)}))
    _assert_whole(home)
    assert not [v for v in (home / ".snapshot.versions").iterdir() if v.name.endswith(".partial")]


def test_concurrent_refreshes(template_home, good_urls, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(template_home, home, symlinks=True)
    procs = [_refresh(home, good_urls) for _ in range(4)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [r[1] for r in results]
    _assert_whole(home)
    assert not [v for v in (home / ".snapshot.versions").iterdir() if v.name.endswith(".partial")]
    assert not list(home.glob(".snapshot.link-*"))


def test_concurrent_refreshes_with_kills(template_home, good_urls, tmp_path, refresh_seconds):
    home = tmp_path / "home"
    shutil.copytree(template_home, home, symlinks=True)
    procs = [_refresh(home, good_urls) for _ in range(3)]
    time.sleep(refresh_seconds * 0.8)
    procs[1].send_signal(signal.SIGKILL)
    codes = []
    for p in procs:
        p.communicate(timeout=300)
        codes.append(p.returncode)
    assert codes[0] == 0 and codes[2] == 0, codes
    _assert_whole(home)


def test_lock_timeout_is_one_line(home, env, cli):
    """A writer that holds the lock too long: the second refresh gives up with one line, nothing changed."""
    before = helpers.fingerprint(home)
    env.set(LOCK_TIMEOUT="0.3")
    p = subprocess.Popen([sys.executable, "-c",
                          "import sys,time\nfrom loaders.atomic import file_lock\n"
                          f"with file_lock({str(home / '.snapshot.lock')!r}):\n    print('held', flush=True)\n"
                          "    time.sleep(30)\n"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "held"
        code, out, err = cli("refresh", "--skip", "bts")
        assert code == 1
        assert "another borderwatch writer holds this lock" in helpers.one_line(err)
    finally:
        p.kill()
        p.wait()
    assert helpers.fingerprint(home) == before
