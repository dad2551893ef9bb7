"""Local files named on the command line: CBP payloads (status --source), BTS files (volumes --source) and
events files (events --file). Each broken one gives one line naming the file, exit 1, nothing changed."""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from tests.faults import helpers
from tests.test_bts import WINDOW

EVENTS = helpers.DATA / "events.csv"


def _write(tmp: Path, name: str, data: bytes | None) -> Path:
    p = tmp / name
    if data is not None:
        p.write_bytes(data)
    return p


def _fifo(tmp: Path, name: str) -> Path:
    p = tmp / name
    os.mkfifo(p)
    return p


def _dir(tmp: Path, name: str) -> Path:
    p = tmp / name
    p.mkdir()
    return p


GOOD_CSV = WINDOW.read_bytes()
GOOD_EVENTS = EVENTS.read_bytes()

# (id, maker(tmp) -> path, needle)
COMMON = [
    ("missing", lambda t, n: t / n, "no such file"),
    ("directory", lambda t, n: _dir(t, n), "is a folder"),
    ("dev-zero", lambda t, n: Path("/dev/zero"), "not a regular file"),
    ("dev-urandom", lambda t, n: Path("/dev/urandom"), "not a regular file"),
    ("fifo", lambda t, n: _fifo(t, n), "not a regular file"),
    ("too-big", lambda t, n: _write(t, n, b" " * 21_000_000), "larger than"),
]

CBP_FILES = COMMON + [
    ("empty", lambda t, n: _write(t, n, b""), "not valid json"),
    ("binary", lambda t, n: _write(t, n, bytes(range(256)) * 100), "not valid"),
    ("deep-json", lambda t, n: _write(t, n, b"[" * 200000 + b"]" * 200000), "nested too deeply"),
    ("deep-xml", lambda t, n: _write(t, n, b"<border_wait_time><port>" + b"<a>" * 60000 + b"</a>" * 60000
                                     + b"</port></border_wait_time>"), "nested too deeply"),
    ("canadian-only", lambda t, n: _write(t, n, json.dumps([c for c in helpers.cbp_doc()
                                                            if c["border"] != "Mexican Border"]).encode()),
     "no texas, arizona, california crossing"),
    ("superscript", lambda t, n: _write(t, n, helpers.CBP_CAPTURE.read_bytes().replace(
        b'"lanes_open": "1"', '"lanes_open": "¹"'.encode(), 1)), "not a whole number"),
    ("gzip-not-understood", lambda t, n: _write(t, n, gzip.compress(helpers.CBP_CAPTURE.read_bytes())), "not valid"),
]

BTS_FILES = COMMON + [
    ("empty.csv", lambda t, n: _write(t, n, b""), "file is empty"),
    ("truncated.csv.gz", lambda t, n: _write(t, n, gzip.compress(GOOD_CSV)[:4000]), "gzip file is truncated"),
    ("corrupt.csv.gz", lambda t, n: _write(t, n, b"\x1f\x8b\x08\x00" + b"\x00" * 6 + b"garbage" * 100), "corrupt"),
    ("bomb.csv.gz", lambda t, n: _write(t, n, helpers.bomb_bytes("gzip", 64 << 20)), "decompresses to more than"),
    ("binary.csv", lambda t, n: _write(t, n, bytes(range(256)) * 50), "missing column|no header"),
    ("utf16.csv", lambda t, n: _write(t, n, GOOD_CSV.decode().encode("utf-16")), "missing column|not a readable csv"),
    ("missing-column.csv", lambda t, n: _write(t, n, b"Port Name,State\nLukeville,Arizona\n"), "fields"),
    ("bad-value.csv", lambda t, n: _write(t, n, GOOD_CSV.replace(b",3966,", b",lots,", 1)), "not a number"),
    ("superscript.csv", lambda t, n: _write(t, n, GOOD_CSV.replace(b",3966,", ",³,".encode(), 1)), "not a number"),
    ("deep.json", lambda t, n: _write(t, n, b"[" * 200000 + b"]" * 200000), "not valid json"),
    ("object.json", lambda t, n: _write(t, n, b'{"error": "x"}'), "expected a json array"),
    ("truncated.json.gz", lambda t, n: _write(t, n, gzip.compress(b"[" + b"{}," * 100000)[:500]), "truncated"),
    ("garbage.parquet", lambda t, n: _write(t, n, b"PAR1" + b"\0" * 100), "cannot read parquet"),
    ("folder.parquet", lambda t, n: _dir(t, n), "is a folder"),
]

EVENTS_FILES = COMMON + [
    ("empty.csv", lambda t, n: _write(t, n, b""), "file is empty"),
    ("latin1.csv", lambda t, n: _write(t, n, GOOD_EVENTS.decode().replace("–", "-").replace("é", "e")
                                       .encode("utf-8").replace(b"Lukeville", b"Lukevill\xe9", 1)), "not utf-8"),
    ("utf16le.csv", lambda t, n: _write(t, n, GOOD_EVENTS.decode().encode("utf-16")), "utf-16"),
    ("utf16be.csv", lambda t, n: _write(t, n, b"\xfe\xff" + GOOD_EVENTS.decode().encode("utf-16-be")), "utf-16"),
    ("binary.csv", lambda t, n: _write(t, n, b"\x00\x01\x02" * 100), "binary"),
    ("png.csv", lambda t, n: _write(t, n, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 50), "binary"),
    ("bad-header.csv", lambda t, n: _write(t, n, b"a,b,c\n1,2,3\n"), "header must be"),
    ("unterminated-quote.csv", lambda t, n: _write(t, n, GOOD_EVENTS + b'x,"unterminated\n'), "not valid csv"),
    ("http-source.csv", lambda t, n: _write(t, n, GOOD_EVENTS.replace(b"https://", b"http://", 1)), "is not https"),
    ("javascript-source.csv", lambda t, n: _write(t, n, GOOD_EVENTS.replace(b"https://", b"javascript://", 1)),
     "is not https"),
    ("markdown-breakout-source.csv", lambda t, n: _write(t, n, GOOD_EVENTS.replace(
        b"https://", b"https://x.example/)[Sign in](https://evil.example/", 1)), "is malformed"),
    ("space-in-source.csv", lambda t, n: _write(t, n, GOOD_EVENTS.replace(b"https://", b"https://a b.example/", 1)),
     "is malformed"),
    ("angle-source.csv", lambda t, n: _write(t, n, GOOD_EVENTS.replace(b"https://", b"https://x.example/<img>", 1)),
     "is malformed"),
]


def _ids(cases):
    return [c[0] for c in cases]


@pytest.mark.parametrize("cid,make,needle", CBP_FILES, ids=_ids(CBP_FILES))
def test_status_source_file(cid, make, needle, tmp_path, env, refused):
    path = make(tmp_path, f"feed-{cid}.json")
    line = refused(["status", "--source", str(path)], needle)
    assert str(path) in line


@pytest.mark.parametrize("cid,make,needle", BTS_FILES, ids=_ids(BTS_FILES))
def test_volumes_source_file(cid, make, needle, tmp_path, env, refused):
    name = cid if "." in cid else f"bts-{cid}.csv"
    path = make(tmp_path, name)
    line = refused(["volumes", "--source", str(path)], needle)
    assert str(path) in line


@pytest.mark.parametrize("cid,make,needle", EVENTS_FILES, ids=_ids(EVENTS_FILES))
def test_events_file(cid, make, needle, tmp_path, env, refused):
    name = cid if "." in cid else f"events-{cid}.csv"
    path = make(tmp_path, name)
    line = refused(["events", "--file", str(path)], needle)
    assert str(path) in line
