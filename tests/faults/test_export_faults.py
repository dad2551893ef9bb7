"""`borderwatch export` with bad arguments: refused with one line before any data is read or a browser is
started (so each case is fast and nothing is written)."""
from __future__ import annotations

import os
import subprocess
import time

import pytest

from tests.faults import helpers

CASES = [
    ("width-0", ["--width", "0"], "--width: 0 is out of range"),
    ("width-negative", ["--width", "-5"], "--width"),
    ("width-text", ["--width", "wide"], "not a whole number"),
    ("width-float", ["--width", "800.5"], "not a whole number"),
    ("width-huge", ["--width", "30000"], "out of range"),
    ("width-arabic-digits", ["--width", "٨٠٠"], "not a whole number"),
    ("height-0", ["--height", "0"], "--height: 0 is out of range"),
    ("height-huge", ["--height", "99999"], "out of range"),
    ("30000x30000", ["--width", "30000", "--height", "30000"], "out of range"),
    ("scale-negative", ["--scale", "-1"], "--scale"),
    ("scale-zero", ["--scale", "0"], "out of range"),
    ("scale-nan", ["--scale", "nan"], "out of range"),
    ("scale-inf", ["--scale", "inf"], "out of range"),
    ("scale-text", ["--scale", "big"], "not a number"),
    ("scale-100", ["--scale", "100"], "out of range"),
    ("too-many-pixels", ["--width", "8000", "--height", "8000", "--scale", "2"], "megapixels"),
    ("side-over-limit-after-scale", ["--width", "5000", "--height", "500", "--scale", "2"], "side of 10000"),
    ("chart-unknown", ["--chart", "pie"], "unknown chart"),
    ("state-unknown", ["--state", "NM"], "bad value state"),
    ("at-garbage", ["--at", "yesterday"], "bad value at"),
    ("from-bad-month", ["--from", "2023-13"], "bad value from"),
    ("crossing-unknown", ["--crossing", "tx-nowhere"], "unknown crossing"),
    ("out-empty", ["--out", ""], "--out"),
]


@pytest.mark.parametrize("cid,args,needle", CASES, ids=[c[0] for c in CASES])
def test_export_argument_refused(cid, args, needle, tmp_path, env, refused):
    out = tmp_path / "out"
    full = ["export", "--out", str(out), *args] if "--out" not in args else ["export", *args]
    t0 = time.monotonic()
    refused(full, needle)
    assert time.monotonic() - t0 < 10  # no browser was started
    assert not out.exists()


def test_out_is_a_file(tmp_path, env, refused):
    f = tmp_path / "report.png"
    f.write_bytes(b"keep me")
    refused(["export", "--out", str(f)], "exists and is not a folder")
    assert f.read_bytes() == b"keep me"


def test_out_below_a_file(tmp_path, env, refused):
    f = tmp_path / "file"
    f.write_text("x")
    refused(["export", "--out", str(f / "sub")], "is not a folder")


@pytest.fixture
def readonly_dir(tmp_path):
    """A read-only folder that root cannot write either: a read-only tmpfs when we may mount (root),
    else chmod 555 (enough for other users)."""
    d = tmp_path / "ro"
    d.mkdir()
    if os.geteuid() == 0:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(d)], capture_output=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a read-only tmpfs here: {r.stderr.decode().strip()}")
        yield d
        subprocess.run(["umount", str(d)], check=False)
    else:
        d.chmod(0o555)
        yield d
        d.chmod(0o755)


def test_out_in_a_read_only_folder(readonly_dir, env, refused):
    refused(["export", "--out", str(readonly_dir / "report")], "cannot write")


def test_out_is_a_read_only_folder(readonly_dir, env, refused):
    refused(["export", "--out", str(readonly_dir)], "cannot write")
