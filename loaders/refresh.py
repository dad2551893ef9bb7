"""Refresh the snapshot from the live sources into ``$BORDERWATCH_HOME/snapshot``.

Each source is fetched, parsed and validated *before* anything is written. A source that fails keeps its
part of the previous refreshed snapshot (or of the embedded one), and says so; the new snapshot is built in a
temporary folder and swapped in with renames, so a failure never leaves a half-written snapshot and never
loses what was already good. The embedded ``data/`` is never written.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .bts import fetch_bts, parse_bts_socrata, write_volumes_parquet
from .cbp import fetch_cbp, parse_cbp
from .config import STATES, Settings, get_settings
from .crossings import port_zones, read_crossings
from .errors import BorderwatchError
from .events import read_events
from .snapshot import MANIFEST, read_manifest, refreshed_dir, write_manifest

BTS_FILE = "bts_volumes_tx_az_ca.parquet"
TXDOT_FILE = "txdot_unt_bridge_volumes_tx.parquet"  # = loaders.txdot.FILENAME


@dataclass
class RefreshResult:
    path: Path
    manifest: dict
    refreshed: list[str] = field(default_factory=list)  # roles fetched now
    kept: dict[str, str] = field(default_factory=dict)  # role -> why the previous data was kept


def refresh_snapshot(*, settings: Settings | None = None, bts_start: str = "1996-01", session=None,
                     sources: tuple[str, ...] = ("cbp", "bts")) -> RefreshResult:
    """Fetch the live CBP feed and BTS volumes (TX/AZ/CA, from ``bts_start``) and write a snapshot.

    Raises :class:`BorderwatchError` only when no source could be refreshed (then nothing is written)."""
    settings = settings or get_settings()
    target = refreshed_dir(settings)
    previous = target if (target / MANIFEST).is_file() else settings.data_dir
    prev_manifest = read_manifest(previous, verify=True)
    prev_files = {f["role"]: f for f in prev_manifest["files"]}
    crossings = read_crossings(settings.data_dir / "crossings.csv")
    read_events(settings.data_dir / "events.csv", crossings=crossings)  # validate before copying

    new: dict[str, tuple[dict, bytes | pd.DataFrame]] = {}
    kept: dict[str, str] = {}
    if "cbp" in sources:
        try:
            fetched, kind = fetch_cbp(settings, session=session)
            as_of = fetched.server_date or fetched.retrieved_at
            waits = parse_cbp(fetched.content, source=fetched.url, zones=port_zones(crossings), retrieved_at=as_of)
            stamp = pd.Timestamp(as_of).strftime("%Y-%m-%dT%H%M%SZ")
            entry = {"role": "cbp", "path": f"cbp/bwt_{stamp}.{kind}", "format": kind,
                     "title": "CBP Border Wait Times feed", "source_url": fetched.url,
                     "as_of": pd.Timestamp(as_of).isoformat(), "rows": int(waits["port_number"].nunique()),
                     "rows_unit": "crossings", "provenance": f"live fetch of {fetched.url}",
                     "license": "U.S. government work, public domain"}
            new["cbp"] = (entry, fetched.content)
        except BorderwatchError as exc:
            kept["cbp"] = str(exc)
    if "bts" in sources:
        try:
            rows = fetch_bts(states=STATES, start=bts_start, settings=settings)
            vol = parse_bts_socrata(rows, source=settings.bts_url)
            if vol.empty:
                raise BorderwatchError(f"{settings.bts_url}: no rows for {', '.join(STATES)} from {bts_start}")
            entry = {"role": "bts", "path": BTS_FILE, "format": "parquet",
                     "title": "BTS Border Crossing Entry Data (monthly inbound counts), US-Mexico border, TX/AZ/CA",
                     "source_url": settings.bts_url, "rows": len(vol),
                     "first": vol["month"].min().strftime("%Y-%m-%d"),
                     "through": vol["month"].max().strftime("%Y-%m-%d"),
                     "conflicts": vol.attrs.get("conflicts", []),
                     "provenance": f"live Socrata query of {settings.bts_url} (US-Mexico Border, TX/AZ/CA, from {bts_start})",
                     "license": "U.S. government work, public domain"}
            new["bts"] = (entry, vol)
        except BorderwatchError as exc:
            kept["bts"] = str(exc)
    if not new:
        raise BorderwatchError("nothing refreshed; the previous snapshot is unchanged: "
                               + "; ".join(f"{k}: {v}" for k, v in kept.items()))

    settings.home.mkdir(parents=True, exist_ok=True)
    tmp = settings.home / ".snapshot.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "cbp").mkdir(parents=True)
    files = []
    for role in ("cbp", "bts"):
        if role in new:
            entry, payload = new[role]
            if isinstance(payload, pd.DataFrame):
                write_volumes_parquet(payload, tmp / entry["path"])
            else:
                (tmp / entry["path"]).write_bytes(payload)
        else:
            entry = dict(prev_files[role])
            (tmp / entry["path"]).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(previous / entry["path"], tmp / entry["path"])
            if role in kept:
                entry["kept_because"] = kept[role]
        files.append(entry)
    static = [("crossings", "crossings.csv"), ("events", "events.csv")]
    if (settings.data_dir / TXDOT_FILE).is_file():  # TxDOT/UNT bridge counts: static, carried over as embedded
        static.append(("txdot", TXDOT_FILE))
    for role, name in static:
        shutil.copyfile(settings.data_dir / name, tmp / name)
        files.append({**{k: v for k, v in prev_files.get(role, {}).items() if k not in ("sha256", "bytes")},
                      "role": role, "path": name})
    manifest = write_manifest(tmp, files, label="refreshed snapshot")
    old = settings.home / ".snapshot.old"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return RefreshResult(path=target, manifest=manifest, refreshed=sorted(new), kept=kept)
