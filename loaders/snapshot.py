"""The embedded snapshot in ``data/`` (read-only) and refreshed snapshots in ``$BORDERWATCH_HOME``.

``manifest.json`` lists every file with its source, as-of time, sha256 and row count. Loading checks the
hashes, so a damaged snapshot fails loudly instead of showing wrong data.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .config import get_settings
from .errors import FeedError

MANIFEST = "manifest.json"


@dataclass
class Snapshot:
    """Everything the dashboard shows, loaded once."""

    waits: pd.DataFrame
    volumes: pd.DataFrame
    crossings: pd.DataFrame
    events: pd.DataFrame
    manifest: dict
    data_dir: Path
    label: str = "embedded snapshot"
    extra: dict = field(default_factory=dict)
    #: TxDOT/UNT bridge-level counts (BRIDGE_VOLUMES_COLUMNS); empty when the snapshot has none.
    bridge_volumes: pd.DataFrame = field(default_factory=lambda: _empty_bridge())

    @property
    def snapshot_id(self) -> str:
        return str(self.manifest.get("snapshot_id", ""))

    @property
    def cbp_as_of(self) -> pd.Timestamp | None:
        v = self.file_entry("cbp").get("as_of")
        return pd.Timestamp(v).tz_convert("UTC") if v else None

    @property
    def bts_through(self) -> pd.Timestamp | None:
        v = self.file_entry("bts").get("through")
        return pd.Timestamp(v) if v else None

    def file_entry(self, role: str) -> dict:
        for f in self.manifest.get("files", []):
            if f.get("role") == role:
                return f
        return {}


def _empty_bridge() -> pd.DataFrame:
    from .schema import BRIDGE_VOLUMES_COLUMNS, empty_frame
    return empty_frame(BRIDGE_VOLUMES_COLUMNS)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(data_dir: Path, verify: bool = True) -> dict:
    from .http import read_file_capped

    path = data_dir / MANIFEST
    if not path.exists():
        raise FeedError(str(path), "snapshot manifest not found (run 'make snapshot' or check BORDERWATCH_DATA_DIR)")
    raw = read_file_capped(path, max_bytes=10_000_000, decompress=False)
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise FeedError(str(path), f"not a valid manifest (not JSON: {str(exc)[:120]})") from exc
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, dict) and isinstance(f.get("path"), str)
                                              and isinstance(f.get("role"), str) for f in files):
        raise FeedError(str(path), "not a valid manifest (no list of files with role and path)")
    if verify:
        for f in files:
            p = data_dir / f["path"]
            if not p.is_file():
                raise FeedError(str(p), "listed in the snapshot manifest but missing")
            try:
                digest = sha256_file(p)
            except OSError as exc:
                raise FeedError(str(p), f"cannot read: {exc.strerror or exc}") from exc
            if f.get("sha256") and digest != f["sha256"]:
                raise FeedError(str(p), "sha256 differs from the snapshot manifest: the file was changed or damaged")
    return manifest


def load_snapshot(data_dir: str | Path | None = None, *, verify: bool = True) -> Snapshot:
    """Load the snapshot in ``data_dir`` (default: the embedded ``data/``)."""
    from .bts import read_volumes_parquet
    from .cbp import read_cbp
    from .crossings import port_zones, read_crossings
    from .events import read_events

    data_dir = Path(data_dir) if data_dir else get_settings().data_dir
    # A refreshed snapshot is a link to its current version: resolve it once, so that a refresh landing
    # while we read cannot mix files of two versions (the previous version is kept for a while).
    data_dir = Path(os.path.realpath(data_dir))
    manifest = read_manifest(data_dir, verify=verify)
    files = {f["role"]: f for f in manifest.get("files", [])}
    crossings = read_crossings(data_dir / files["crossings"]["path"])
    cbp = files["cbp"]
    retrieved = pd.Timestamp(cbp["as_of"]).tz_convert("UTC") if cbp.get("as_of") else None
    waits = read_cbp(data_dir / cbp["path"], zones=port_zones(crossings), retrieved_at=retrieved)
    volumes = read_volumes_parquet(data_dir / files["bts"]["path"])
    events = read_events(data_dir / files["events"]["path"], crossings=crossings)
    bridge = _load_bridge(data_dir, files)
    return Snapshot(waits=waits, volumes=volumes, crossings=crossings, events=events,
                    manifest=manifest, data_dir=data_dir, label=manifest.get("label", "embedded snapshot"),
                    bridge_volumes=bridge)


def _load_bridge(data_dir: Path, files: dict) -> pd.DataFrame:
    """The TxDOT/UNT bridge counts of the snapshot; a snapshot written before they existed (an older
    ``borderwatch refresh``) takes them from the embedded ``data/`` (a static source, not refreshed)."""
    from .txdot import FILENAME, read_bridge_parquet
    if "txdot" in files:
        return read_bridge_parquet(data_dir / files["txdot"]["path"])
    embedded = get_settings().data_dir / FILENAME
    return read_bridge_parquet(embedded) if embedded.is_file() else _empty_bridge()


def with_live_waits(snap: Snapshot, waits: pd.DataFrame) -> Snapshot:
    """The same snapshot with the CBP part replaced by a live fetch (as-of = its retrieval time)."""
    from .cbp import feed_as_of

    as_of = feed_as_of(waits)
    manifest = json.loads(json.dumps(snap.manifest, default=str))
    for f in manifest.get("files", []):
        if f.get("role") == "cbp":
            f.update({"as_of": as_of.isoformat() if as_of is not None else None, "path": None,
                      "sha256": None, "provenance": "live fetch"})
    manifest["snapshot_id"] = f"{snap.snapshot_id}+live"
    return Snapshot(waits=waits, volumes=snap.volumes, crossings=snap.crossings, events=snap.events,
                    manifest=manifest, data_dir=snap.data_dir, label="live CBP feed",
                    bridge_volumes=snap.bridge_volumes)


def write_manifest(data_dir: Path, files: list[dict], *, label: str) -> dict:
    """Write ``manifest.json`` for ``files`` (each a dict with at least role and path; sha256 and bytes are
    filled in here) and return it. The snapshot id is derived from the file hashes."""
    from datetime import datetime, timezone

    entries = []
    for f in files:
        p = data_dir / f["path"]
        entries.append({**f, "sha256": sha256_file(p), "bytes": p.stat().st_size})
    sid = hashlib.sha256("".join(e["sha256"] for e in entries).encode()).hexdigest()[:12]
    manifest = {"snapshot_id": sid, "label": label,
                "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "files": entries}
    tmp = data_dir / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, default=str) + "\n", encoding="utf-8")
    tmp.replace(data_dir / MANIFEST)
    return manifest


def refreshed_dir(settings=None) -> Path:
    """Where ``borderwatch refresh`` keeps its snapshot: ``$BORDERWATCH_HOME/snapshot``."""
    return (settings or get_settings()).home / "snapshot"


def has_refreshed(settings=None) -> bool:
    return (refreshed_dir(settings) / MANIFEST).is_file()
