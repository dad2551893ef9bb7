"""BORDERWATCH_HOME missing, read-only, a file, full; a damaged refreshed snapshot; settings that are not
numbers. One line, exit 1, nothing good lost - and the next good refresh repairs what can be repaired."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from tests.faults import helpers

ROOT = helpers.ROOT


def test_home_is_a_file(tmp_path, env, cli):
    f = tmp_path / "home-file"
    f.write_text("not a folder")
    env.set(HOME=f)
    code, _, err = cli("refresh", "--skip", "bts")
    assert code == 1 and str(f) in helpers.one_line(err)
    assert f.read_text() == "not a folder"


def test_home_below_a_file(tmp_path, env, cli):
    f = tmp_path / "file"
    f.write_text("x")
    env.set(HOME=f / "home")
    code, _, err = cli("refresh", "--skip", "bts")
    assert code == 1 and "cannot write" in helpers.one_line(err)


def test_missing_home_is_created(tmp_path, env, cli):
    env.set(HOME=tmp_path / "a" / "b" / "home")
    code, out, err = cli("refresh", "--skip", "bts")
    assert code == 0, err
    assert (tmp_path / "a" / "b" / "home" / "snapshot" / "manifest.json").is_file()


@pytest.fixture
def mount_tmpfs(tmp_path):
    mounted = []

    def mount(path, opts):
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            pytest.skip("needs root to mount a tmpfs")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
        mounted.append(path)
        return path
    yield mount
    for p in reversed(mounted):
        subprocess.run(["umount", "-l", str(p)], check=False)


def test_read_only_home(mount_tmpfs, tmp_path, env, cli):
    home = mount_tmpfs(tmp_path / "ro-home", "ro,size=64k")
    env.set(HOME=home)
    code, _, err = cli("refresh", "--skip", "bts")
    assert code == 1 and "read-only file system" in helpers.one_line(err).lower()


def test_read_only_home_with_a_snapshot(mount_tmpfs, tmp_path, template_home, env, cli):
    """A good snapshot on a file system that became read-only: refresh fails in one line, the snapshot
    still reads."""
    home = mount_tmpfs(tmp_path / "home", "size=20m")
    shutil.copytree(template_home, home, symlinks=True, dirs_exist_ok=True)
    before = helpers.fingerprint(home)
    subprocess.run(["mount", "-o", "remount,ro", str(home)], check=True)
    env.set(HOME=home)
    code, _, err = cli("refresh", "--skip", "bts")
    assert code == 1 and "read-only" in helpers.one_line(err).lower()
    assert helpers.fingerprint(home) == before
    code, out, err = cli("status", "--source", "refreshed", "--format", "csv")
    assert code == 0, err


def test_full_disk_tmpfs(mount_tmpfs, tmp_path, template_home, env, cli):
    """A tiny file system, already holding the good snapshot, fills up during the refresh."""
    need = sum(p.stat().st_size for p in template_home.rglob("*") if p.is_file() and not p.is_symlink())
    home = mount_tmpfs(tmp_path / "home", f"size={need // 1024 + 600}k")
    shutil.copytree(template_home, home, symlinks=True, dirs_exist_ok=True)
    filler = home / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)  # unbuffered: fill until the file system says no
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    os.truncate(filler, max(0, filler.stat().st_size - 8192))
    before = helpers.fingerprint(home)
    env.set(HOME=home)
    code, _, err = cli("refresh", "--skip", "bts")
    assert code == 1, err
    line = helpers.one_line(err)
    assert "no space left on device" in line.lower() and "previous data is unchanged" in line
    assert helpers.fingerprint(home) == before
    assert not [p for p in (home / ".snapshot.versions").iterdir() if p.name.endswith(".partial")]


def test_full_disk_file_size_limit(tmp_path, template_home, good_urls):
    """Without a tmpfs: RLIMIT_FSIZE in a child process makes every large write fail with EFBIG."""
    home = tmp_path / "home"
    shutil.copytree(template_home, home, symlinks=True)
    before = helpers.fingerprint(home)
    code = textwrap.dedent("""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
        from dashboard.cli import main
        sys.exit(main(["refresh", "--skip", "bts"]))
    """)
    from tests.faults.conftest import FAST_ENV
    env = {**os.environ, **FAST_ENV, **good_urls, "BORDERWATCH_HOME": str(home),
           "BORDERWATCH_DATA_DIR": str(helpers.DATA)}
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    assert "file too large" in helpers.one_line(r.stderr)
    assert helpers.fingerprint(home) == before


def _damage(home, how):
    snap = home / "snapshot"
    if how == "payload-changed":
        p = next((snap / "cbp").iterdir())
        p.write_bytes(p.read_bytes().replace(b"Open", b"Shut", 1))
    elif how == "manifest-garbage":
        (snap / "manifest.json").write_bytes(b"{not json")
    elif how == "manifest-deep":
        (snap / "manifest.json").write_bytes(b"[" * 100000 + b"]" * 100000)
    elif how == "manifest-wrong-shape":
        (snap / "manifest.json").write_text(json.dumps({"files": "all of them"}))
    elif how == "manifest-missing":
        (snap / "manifest.json").unlink()
    elif how == "file-missing":
        (home / "snapshot" / "events.csv").unlink()
    elif how == "link-dangling":
        version = os.path.realpath(snap)
        shutil.rmtree(version)


DAMAGE = ["payload-changed", "manifest-garbage", "manifest-deep", "manifest-wrong-shape", "manifest-missing",
          "file-missing", "link-dangling"]


@pytest.mark.parametrize("how", DAMAGE)
def test_damaged_snapshot_is_one_line_and_refresh_recovers(how, home, cli):
    _damage(home, how)
    code, _, err = cli("status", "--source", "refreshed")
    assert code == 1
    line = helpers.one_line(err)
    assert str(home) in line
    code, out, err = cli("refresh", "--skip", "bts")  # builds on the embedded data instead
    assert code == 0, err
    code, out, err = cli("status", "--source", "refreshed", "--format", "csv")
    assert code == 0, err


def test_legacy_half_swap_is_repaired(home, cli):
    """The old refresh killed between its two renames: only .snapshot.old and .snapshot.tmp remain."""
    version = os.path.realpath(home / "snapshot")
    (home / "snapshot").unlink()
    shutil.copytree(version, home / ".snapshot.old")
    shutil.copytree(version, home / ".snapshot.tmp")
    shutil.rmtree(home / ".snapshot.versions")
    expected = (home / ".snapshot.old" / "manifest.json").read_bytes()
    code, out, err = cli("refresh", "--skip", "bts")
    assert code == 0, err
    assert not (home / ".snapshot.old").exists() and not (home / ".snapshot.tmp").exists()
    manifest = json.loads((home / "snapshot" / "manifest.json").read_text())
    assert next(f for f in manifest["files"] if f["role"] == "bts")["sha256"] in expected.decode()


BAD_SETTINGS = [
    ("HTTP_TIMEOUT", "soon"), ("HTTP_TIMEOUT", "nan"), ("HTTP_TIMEOUT", "-1"), ("HTTP_TIMEOUT", "inf"),
    ("HTTP_RETRIES", "1.5"), ("HTTP_RETRIES", "many"), ("HTTP_MAX_BYTES", "0"), ("HTTP_DEADLINE", "1e9"),
    ("BTS_MAX_PAGES", "0"), ("FILE_MAX_BYTES", "²"),
]


@pytest.mark.parametrize("name,value", BAD_SETTINGS, ids=[f"{n}={v}" for n, v in BAD_SETTINGS])
def test_bad_setting_is_one_line(name, value, env, refused):
    env.set(**{name: value})
    refused(["status", "--source", "live"], f"BORDERWATCH_{name}")
