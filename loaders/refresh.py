"""Refresh the snapshot from the live sources into ``$BORDERWATCH_HOME/snapshot``.

Each source is fetched, parsed and validated (:mod:`loaders.feed_checks`: never a payload that would make the
map worse than the last good one) *before* anything is written. A source that fails keeps its part of the
previous refreshed snapshot (or of the embedded one), and says so. CBP's per-port "more information" pages
(hours, border notices; :mod:`loaders.portinfo`) are one more source, saved as one JSON array: a port whose
page fails keeps its previous page, and the manifest names the ports that failed and why. Writing happens
under the snapshot lock (:func:`loaders.atomic.file_lock`, so concurrent refreshes queue instead of sharing a
folder), in a private staging folder that is fsynced and published with one atomic link swap
(:mod:`loaders.atomic`): a kill -9 at any instruction leaves the old snapshot or the new one, and the next
refresh repairs what was left.
The embedded ``data/`` is never written.
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .atomic import file_lock, publish_dir, repair_dir, staged_dir, write_error
from .bts import fetch_bts, parse_bts_socrata, read_volumes_parquet, write_volumes_parquet
from .cbp import fetch_cbp, parse_cbp, read_cbp
from .config import STATES, Settings, get_settings
from .crossings import port_zones, read_crossings, real_crossings
from .errors import BorderwatchError, FeedError
from .events import read_events
from .feed_checks import check_bts_volumes, check_cbp_waits
from .portinfo import PATH as PORTINFO_PATH, check_port_info, fetch_port_infos, port_info_url
from .snapshot import MANIFEST, read_manifest, refreshed_dir, write_manifest

BTS_FILE = "bts_volumes_tx_az_ca.parquet"
TXDOT_FILE = "txdot_unt_bridge_volumes_tx.parquet"  # = loaders.txdot.FILENAME
#: CBP's port-information pages, one JSON array (loaders.portinfo reads it; the page shows hours and notices).
PORTINFO_FILE = "cbp/portmoreinformation.json"
#: The live sources, in the order they are fetched and listed.
SOURCES = ("cbp", "bts", "portinfo")
#: The lock every writer of the refreshed snapshot holds (in $BORDERWATCH_HOME).
LOCK_NAME = ".snapshot.lock"
#: Folders the pre-versioning refresh used for its two-rename swap (restored, oldest-good first).
LEGACY_NAMES = (".snapshot.old", ".snapshot.tmp")
#: Seconds a refresh waits for another one to finish writing (BORDERWATCH_LOCK_TIMEOUT).
LOCK_TIMEOUT_S = 120.0


def snapshot_lock(settings: Settings | None = None, timeout: float | None = None):
    """The refreshed snapshot's writer lock (a context manager); see :func:`loaders.atomic.file_lock`."""
    settings = settings or get_settings()
    if timeout is None:
        timeout = float(os.environ.get("BORDERWATCH_LOCK_TIMEOUT") or LOCK_TIMEOUT_S)
    return file_lock(settings.home / LOCK_NAME, timeout=timeout)


def repair_snapshot(settings: Settings | None = None) -> list[str]:
    """Under the lock: clean up after a refresh that was killed (see :func:`loaders.atomic.repair_dir`)."""
    settings = settings or get_settings()
    if not settings.home.is_dir():
        return []
    with snapshot_lock(settings):
        return repair_dir(refreshed_dir(settings), legacy_names=LEGACY_NAMES)


@dataclass
class RefreshResult:
    path: Path
    manifest: dict
    refreshed: list[str] = field(default_factory=list)  # roles fetched now
    kept: dict[str, str] = field(default_factory=dict)  # role -> why the previous data was kept


def refresh_snapshot(*, settings: Settings | None = None, bts_start: str = "1996-01", session=None,
                     sources: tuple[str, ...] = SOURCES,
                     portinfo_ports: Iterable[str] | None = None) -> RefreshResult:
    """Fetch the live CBP feed, BTS volumes (TX/AZ/CA, from ``bts_start``) and CBP's port-information page
    of each of ``portinfo_ports`` (default: every port of the crossings reference) and write a snapshot.

    Raises :class:`BorderwatchError` only when no source could be refreshed (then nothing is written)."""
    settings = settings or get_settings()
    target = refreshed_dir(settings)
    crossings = read_crossings(settings.data_dir / "crossings.csv")
    read_events(settings.data_dir / "events.csv", crossings=crossings)  # validate before copying
    read_manifest(settings.data_dir, verify=True)

    new: dict[str, tuple[dict, bytes | pd.DataFrame]] = {}
    kept: dict[str, str] = {}
    new_waits = None
    if "cbp" in sources:
        try:
            fetched, kind = fetch_cbp(settings, session=session)
            as_of = fetched.server_date or fetched.retrieved_at
            waits = parse_cbp(fetched.content, source=fetched.url, zones=port_zones(crossings), retrieved_at=as_of)
            check_cbp_waits(waits, source=fetched.url)
            new_waits = waits
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
            check_bts_volumes(vol, source=settings.bts_url)
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
    port_failed: dict[str, str] = {}
    if "portinfo" in sources:
        ports = tuple(dict.fromkeys(str(p) for p in portinfo_ports)) if portinfo_ports is not None \
            else reference_ports(crossings)
        got, port_failed = fetch_port_infos(ports, settings)
        pages: dict[str, bytes] = {}
        for port, fetched in got.items():
            try:
                check_port_info(fetched.content, port, source=fetched.url)
                pages[port] = fetched.content
            except FeedError as exc:
                port_failed[port] = exc.detail
        port_failed = {p: port_failed[p] for p in ports if p in port_failed}
        if pages:
            when = max(f.server_date or f.retrieved_at for p, f in got.items() if p in pages)
            entry = {"role": "portinfo", "path": PORTINFO_FILE, "format": "json",
                     "title": "CBP port information (posted hours, border notices), one page per port",
                     "source_url": port_info_url("{port}", settings),
                     "as_of": pd.Timestamp(when).isoformat(), "rows_unit": "ports",
                     "provenance": f"live fetch of {PORTINFO_PATH} for {len(ports)} ports",
                     "license": "U.S. government work, public domain"}
            new["portinfo"] = (entry, pages)
        if port_failed:
            kept["portinfo"] = _port_failures(port_failed, len(ports))
    if not new:
        raise _nothing(kept)
    try:
        settings.home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(settings.home, exc) from exc
    with snapshot_lock(settings):
        repair_dir(target, legacy_names=LEGACY_NAMES)
        previous, prev_manifest = _previous(settings, target)
        # Compare with the data this payload would replace (under the lock: another refresh may have landed).
        if "cbp" in new:
            try:
                prev_waits = _previous_waits(previous, prev_manifest, crossings)
                check_cbp_waits(new_waits, source=new["cbp"][0]["source_url"], previous=prev_waits)
            except FeedError as exc:
                kept["cbp"] = str(exc)
                del new["cbp"]
        if "bts" in new:
            try:
                prev_vol = _previous_volumes(previous, prev_manifest)
                check_bts_volumes(new["bts"][1], source=settings.bts_url, previous=prev_vol)
            except FeedError as exc:
                kept["bts"] = str(exc)
                del new["bts"]
        if not new:
            raise _nothing(kept)
        prev_files = {f["role"]: f for f in prev_manifest["files"]}
        if "portinfo" in new:
            new["portinfo"] = _merge_port_pages(*new["portinfo"], port_failed, previous, prev_files.get("portinfo"))
        with staged_dir(target) as tmp:
            try:
                manifest = _write(tmp, new, kept, previous, prev_files, settings)
            except OSError as exc:
                raise write_error(target, exc) from exc
            publish_dir(tmp, target)
    return RefreshResult(path=target, manifest=manifest, refreshed=sorted(new), kept=kept)


def reference_ports(crossings: pd.DataFrame) -> tuple[str, ...]:
    """The CBP port numbers of the crossings reference (duplicate feed entries left out), sorted."""
    real = real_crossings(crossings)
    return tuple(sorted({str(p) for p in real["port_number"].dropna()}))


def _port_failures(failed: dict[str, str], total: int) -> str:
    """'2 of 45 port pages failed: HTTP 404 Not Found (250407, 260403); ...' - one line, by reason."""
    by_reason: dict[str, list[str]] = {}
    for port, why in failed.items():
        by_reason.setdefault(why, []).append(port)
    parts = [f"{why} ({', '.join(ps[:6])}{', ...' if len(ps) > 6 else ''})" for why, ps in by_reason.items()]
    return f"{len(failed)} of {total} port page{'s' if total != 1 else ''} failed: " + "; ".join(parts)


def _merge_port_pages(entry: dict, pages: dict[str, bytes], failed: dict[str, str], previous: Path,
                      prev_entry: dict | None) -> tuple[dict, bytes]:
    """The pages fetched now, plus the previous snapshot's page of each port that failed, as one JSON array
    (ports in order). The entry names the failed ports (``failed_ports``) and those whose page was kept."""
    old: dict[str, object] = {}
    if prev_entry and failed:
        try:
            doc = json.loads((previous / prev_entry["path"]).read_bytes())
            old = {str(d.get("port_number")): d for d in (doc if isinstance(doc, list) else [doc]) if isinstance(d, dict)}
        except (OSError, ValueError):
            old = {}
    kept_ports = sorted(p for p in failed if p in old)
    items = {p: raw.strip() for p, raw in pages.items()}
    items.update({p: json.dumps(old[p], ensure_ascii=False, indent=4).encode("utf-8") for p in kept_ports})
    body = b"[\n" + b",\n".join(items[p] for p in sorted(items)) + b"\n]\n"
    entry = {**entry, "rows": len(items)}
    if failed:
        entry["failed_ports"] = dict(failed)
        entry["kept_ports"] = kept_ports
    return entry, body


def _nothing(kept: dict[str, str]) -> BorderwatchError:
    return BorderwatchError("nothing refreshed; the previous snapshot is unchanged: "
                            + "; ".join(f"{k}: {v}" for k, v in kept.items()))


def _previous(settings: Settings, target):
    """(folder, manifest) of the data a refresh builds on: the refreshed snapshot if it reads
    and verifies, else the embedded one (a damaged refreshed snapshot is replaced, not built on)."""
    if (target / MANIFEST).is_file():
        try:
            return target, read_manifest(target, verify=True)
        except BorderwatchError:
            pass
    return settings.data_dir, read_manifest(settings.data_dir, verify=True)


def _previous_waits(previous, manifest, crossings):
    entry = next((f for f in manifest["files"] if f["role"] == "cbp"), None)
    if not entry:
        return None
    retrieved = pd.Timestamp(entry["as_of"]).tz_convert("UTC") if entry.get("as_of") else None
    try:
        return read_cbp(previous / entry["path"], zones=port_zones(crossings), retrieved_at=retrieved)
    except BorderwatchError:
        return None


def _previous_volumes(previous, manifest):
    entry = next((f for f in manifest["files"] if f["role"] == "bts"), None)
    if not entry:
        return None
    try:
        return read_volumes_parquet(previous / entry["path"])
    except BorderwatchError:
        return None


def _write(tmp, new, kept, previous, prev_files, settings) -> dict:
    (tmp / "cbp").mkdir(parents=True, exist_ok=True)
    files = []
    for role in SOURCES:
        if role not in new and role not in prev_files:  # e.g. no port information saved yet
            continue
        if role in new:
            entry, payload = new[role]
            if isinstance(payload, pd.DataFrame):
                write_volumes_parquet(payload, tmp / entry["path"])
            else:
                (tmp / entry["path"]).write_bytes(payload)
        else:
            entry = dict(prev_files[role])
            entry.pop("kept_because", None)
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
    return write_manifest(tmp, files, label="refreshed snapshot")
