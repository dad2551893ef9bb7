"""The embedded snapshot: manifest, hashes, provenance, and what it holds."""
import json
import shutil

import pandas as pd
import pytest

from loaders.errors import FeedError
from loaders.snapshot import load_snapshot, sha256_file


def test_manifest_hashes_match_files(data_dir):
    m = json.loads((data_dir / "manifest.json").read_text())
    roles = {f["role"] for f in m["files"]}
    assert roles == {"cbp", "bts", "txdot", "crossings", "crossing_evidence", "events", "history", "cbp_typical"}
    for f in m["files"]:
        assert sha256_file(data_dir / f["path"]) == f["sha256"], (
            f"{f['path']} changed since the manifest was written: run 'python tools/build_snapshot.py --manifest-only'")
        assert f["provenance"]


def test_snapshot_contents(snapshot):
    assert snapshot.cbp_as_of == pd.Timestamp("2022-06-29T17:25:15Z")
    assert snapshot.bts_through == pd.Timestamp("2025-02-01")
    v = snapshot.volumes
    assert set(v["state"]) == {"TX", "AZ", "CA"}
    assert v["month"].min() == pd.Timestamp("1996-01-01")
    assert v["port_code"].nunique() == 26
    assert snapshot.waits["port_number"].nunique() == 76
    assert len(snapshot.events) >= 12


def test_damaged_snapshot_fails_loudly(tmp_path, data_dir):
    d = tmp_path / "data"
    shutil.copytree(data_dir, d)
    p = d / "events.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("Lukeville", "Lukevile", 1), encoding="utf-8")
    with pytest.raises(FeedError, match="sha256 differs"):
        load_snapshot(d)


def test_runtime_code_never_reads_shared():
    """The project at run time must not read ../shared (only tests and tools/ may)."""
    import pathlib
    root = pathlib.Path(__file__).resolve().parent.parent
    for py in list((root / "loaders").glob("*.py")) + list((root / "dashboard").rglob("*.py")):
        text = py.read_text(encoding="utf-8")
        assert "../shared" not in text and '"shared"' not in text, py
