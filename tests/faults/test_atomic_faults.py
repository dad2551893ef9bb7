"""loaders.atomic: the lock, write-aside files and the folder swap every writer uses (refresh, collect)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from loaders.atomic import (LockTimeout, WriteError, atomic_write_bytes, current_version, file_lock,
                            publish_dir, repair_dir, staged_dir, versions_dir)

ROOT = Path(__file__).resolve().parents[2]


def _holder(lock: Path, seconds: float = 30) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import sys, time
        from loaders.atomic import file_lock
        with file_lock({str(lock)!r}):
            print("held", flush=True)
            time.sleep({seconds})
    """)
    p = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "held"
    return p


def test_lock_excludes_a_second_writer(tmp_path):
    lock = tmp_path / "home" / ".lock"
    p = _holder(lock)
    try:
        with pytest.raises(LockTimeout, match=r"\.lock: another borderwatch writer holds this lock"):
            with file_lock(lock, timeout=0.2):
                pass
    finally:
        p.kill()
        p.wait()


def test_lock_is_released_when_its_holder_is_killed(tmp_path):
    lock = tmp_path / ".lock"
    p = _holder(lock)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    with file_lock(lock, timeout=2):
        pass


def test_lock_in_a_missing_unwritable_place_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WriteError, match=r"file/sub/\.lock: cannot write: Not a directory"):
        with file_lock(blocker / "sub" / ".lock"):
            pass


def test_atomic_write_replaces_and_failure_keeps_the_old_file(tmp_path):
    p = tmp_path / "a.txt"
    atomic_write_bytes(p, b"one")
    atomic_write_bytes(p, b"two")
    assert p.read_bytes() == b"two"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.txt"]
    with pytest.raises(WriteError, match="cannot write"):
        atomic_write_bytes(tmp_path / "missing" / "b.txt", b"x")


def _publish(target: Path, text: str) -> Path:
    with staged_dir(target) as d:
        (d / "a.txt").write_text(text)
        (d / "b.txt").write_text(text)
        return publish_dir(d, target)


def test_publish_swaps_and_keeps_only_recent_versions(tmp_path):
    target = tmp_path / "snapshot"
    for i in range(5):
        _publish(target, f"v{i}")
        assert (target / "a.txt").read_text() == f"v{i}"
    assert target.is_symlink()
    assert len(list(versions_dir(target).iterdir())) == 2  # the current and the one before


def test_a_failing_build_leaves_nothing(tmp_path):
    target = tmp_path / "snapshot"
    _publish(target, "good")
    with pytest.raises(RuntimeError):
        with staged_dir(target) as d:
            (d / "a.txt").write_text("half")
            raise RuntimeError("boom")
    assert (target / "a.txt").read_text() == "good"
    assert not [p for p in versions_dir(target).iterdir() if p.name.endswith(".partial")]


def test_repair_removes_unpublished_and_stray_links(tmp_path):
    target = tmp_path / "snapshot"
    _publish(target, "good")
    (versions_dir(target) / "123-1-x.partial").mkdir()
    os.symlink("nowhere", tmp_path / ".snapshot.link-1-2")
    done = repair_dir(target)
    assert len(done) == 2
    assert (target / "a.txt").read_text() == "good"


def test_repair_relinks_a_missing_link(tmp_path):
    target = tmp_path / "snapshot"
    _publish(target, "good")
    target.unlink()
    assert repair_dir(target) and (target / "a.txt").read_text() == "good"


def test_legacy_folder_is_migrated_on_publish(tmp_path):
    target = tmp_path / "snapshot"
    target.mkdir()
    (target / "a.txt").write_text("legacy")
    _publish(target, "new")
    assert target.is_symlink() and (target / "a.txt").read_text() == "new"


def test_repair_restores_the_legacy_old_folder(tmp_path):
    """The pre-versioning refresh killed between its two renames left .snapshot.old and .snapshot.tmp."""
    target = tmp_path / "snapshot"
    for name, text in ((".snapshot.old", "old-good"), (".snapshot.tmp", "half")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text(text)
    repair_dir(target, legacy_names=(".snapshot.old", ".snapshot.tmp"))
    assert (target / "manifest.json").read_text() == "old-good"
    assert not (tmp_path / ".snapshot.old").exists() and not (tmp_path / ".snapshot.tmp").exists()


KILL_LOOPS = int(os.environ.get("BORDERWATCH_FAULT_KILLS", "8"))


@pytest.mark.parametrize("round_", range(KILL_LOOPS))
def test_kill_9_during_publish_loop(tmp_path, round_):
    """A writer publishing versions as fast as it can, killed at a random moment: afterwards (and after
    repair) the target always resolves to one complete version whose files agree."""
    target = tmp_path / "snapshot"
    _publish(target, "v-start")
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from loaders.atomic import file_lock, publish_dir, repair_dir, staged_dir
        target = Path({str(target)!r})
        i = 0
        print("go", flush=True)
        while True:
            with file_lock(target.parent / ".lock"):
                repair_dir(target)
                with staged_dir(target) as d:
                    for name in "abcdefgh":
                        (d / (name + ".txt")).write_text(f"v{{i}}" * 500)
                    publish_dir(d, target)
            i += 1
    """)
    p = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "go"
    time.sleep(0.05 + (round_ * 0.037) % 0.4)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    with file_lock(tmp_path / ".lock", timeout=5):
        repair_dir(target)
    version = current_version(target)
    assert version is not None and not version.name.endswith(".partial")
    texts = {(target / f).read_text() for f in os.listdir(target)}
    assert len(texts) == 1  # every file of the version from the same round
    assert not [p for p in versions_dir(target).iterdir() if p.name.endswith(".partial")]
