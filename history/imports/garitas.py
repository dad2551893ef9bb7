"""The garitas change log of the CBP feed (joaqinmymind-byte/garitas), carried forward to a series.

The collector behind it polled ``/api/waittimes`` and wrote the first capture in full, then a row only when a
(port, class, lane) state changed. :func:`carry_forward` rebuilds the state of every lane at every capture
instant (the last change at or before it); each state's CBP update time (``hora_cbp``) is resolved against the
capture that *recorded* it, so a value carried for more than a day keeps its own date. Columns are Spanish:
``clase`` pasajeros / peatones / carga, ``carril`` general / sentri / ready / fast. Rows with ``sentido = sur``
are Caltrans southbound data, not CBP, and ``pron15`` / ``pron30`` are the relay's own forecasts: both ignored.
Capture instants are the file's ``capturado_utc`` values, plus ``garitas_capture_log.csv`` beside it if present
(a capture in which nothing changed writes no row).
"""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from loaders.errors import BorderwatchError

from ..ingest import lanes_to_readings, port_crossings
from ..times import resolve_update
from ._batch import Batch, read_bytes, sha256_bytes

FORMAT = "garitas-changelog"
SOURCE = "garitas-changelog"
COLUMNS = ("capturado_utc", "puerto", "clase", "carril", "estado", "minutos", "carriles_abiertos", "hora_cbp",
           "puerto_estado", "sentido")
MODES = {"pasajeros": "passenger", "peatones": "pedestrian", "carga": "commercial"}
LANES = {"general": "standard", "sentri": "sentri", "ready": "ready", "fast": "fast"}
CAPTURE_LOG = "garitas_capture_log.csv"


def sniff(path: Path, head: bytes) -> bool:
    lines = head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()
    if not lines or not set(COLUMNS) <= set(lines[0].strip().split(",")):
        return False
    return not (len(lines) > 1 and "promedio-diario" in lines[1])


def read_changelog(path: Path) -> pd.DataFrame:
    raw = read_bytes(path)
    df = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise BorderwatchError(f"{path}: missing column(s) {', '.join(missing)}")
    t = pd.to_datetime(df["capturado_utc"], utc=True, errors="coerce", format="ISO8601")
    if t.isna().any():
        i = int(t.isna().to_numpy().nonzero()[0][0])
        raise BorderwatchError(f"{path}: line {i + 2}: capturado_utc {df['capturado_utc'].iloc[i]!r} is not a time")
    df["capturado_utc"] = t
    return df


def captures(path: Path, changelog: pd.DataFrame) -> pd.DatetimeIndex:
    """Every capture instant: the change log's, plus the capture log's when it sits beside the file."""
    times = set(changelog["capturado_utc"])
    log = path.with_name(CAPTURE_LOG)
    if log.is_file():
        cl = pd.read_csv(log, dtype=str, keep_default_na=False)
        if "momento_utc" in cl.columns:
            ok = cl[cl.get("error", "") == ""] if "error" in cl.columns else cl
            times |= set(pd.to_datetime(ok["momento_utc"], utc=True, format="ISO8601"))
    return pd.DatetimeIndex(sorted(times)).astype("datetime64[ns, UTC]")


def carry_forward(changelog: pd.DataFrame, capture_times: pd.DatetimeIndex, *, zones: dict[str, str]
                  ) -> pd.DataFrame:
    """One row per capture instant x lane (from the lane's first appearance on), carrying its last change.

    ``zones`` is ``{port_number: IANA zone}``; ports not in it are left out. Columns: ``captured_at``,
    ``changed_at`` (the capture that recorded the state), port_number, mode, lane, operational_status,
    delay_minutes, lanes_open, port_status, hora_cbp, update_utc (resolved at ``changed_at``)."""
    ch = changelog[(changelog["sentido"] != "sur") & changelog["carril"].isin(LANES)
                   & changelog["clase"].isin(MODES) & changelog["puerto"].isin(zones)].copy()
    ch = pd.DataFrame({
        "changed_at": ch["capturado_utc"].astype("datetime64[ns, UTC]"),
        "port_number": ch["puerto"], "mode": ch["clase"].map(MODES), "lane": ch["carril"].map(LANES),
        "operational_status": ch["estado"].replace("", None),
        "delay_minutes": pd.to_numeric(ch["minutos"], errors="coerce").astype("Int64"),
        "lanes_open": pd.to_numeric(ch["carriles_abiertos"], errors="coerce").astype("Int64"),
        "port_status": ch["puerto_estado"].replace("", None), "hora_cbp": ch["hora_cbp"],
    })
    resolved = {}
    upd = []
    for port, text, at in zip(ch["port_number"], ch["hora_cbp"], ch["changed_at"]):
        k = (zones[port], text, at)
        if k not in resolved:
            resolved[k] = resolve_update(text, zones[port], at) if text else None
        upd.append(resolved[k])
    ch["update_utc"] = pd.to_datetime(pd.Series(upd, index=ch.index, dtype=object), utc=True)
    ch = ch.sort_values("changed_at", kind="stable").drop_duplicates(
        ["port_number", "mode", "lane", "changed_at"], keep="last")
    key = ["port_number", "mode", "lane"]
    lanes = ch.groupby(key, sort=True)["changed_at"].min().rename("first").reset_index()
    grid = lanes.merge(pd.DataFrame({"captured_at": capture_times}), how="cross")
    grid = grid[grid["captured_at"] >= grid["first"]].drop(columns="first")
    grid = grid.sort_values("captured_at", kind="stable")
    out = pd.merge_asof(grid, ch.sort_values("changed_at", kind="stable"), left_on="captured_at",
                        right_on="changed_at", by=key, direction="backward")
    return out.sort_values(key + ["captured_at"]).reset_index(drop=True)


def read(path: Path, *, crossings: pd.DataFrame):
    raw_sha = sha256_bytes(read_bytes(path))
    changelog = read_changelog(path)
    ports = port_crossings(crossings)
    zones = {p: tz for p, tz in zip(crossings["port_number"], crossings["tz"]) if isinstance(p, str) and p in ports}
    unknown = sorted(set(changelog.loc[changelog["sentido"] != "sur", "puerto"]) - set(zones))
    series = carry_forward(changelog, captures(path, changelog), zones=zones)
    series = series.rename(columns={"captured_at": "collected_at"})
    prep = lanes_to_readings(series, crossings=ports, source=SOURCE, collected_at=None, where=str(path))
    yield Batch(str(path), raw_sha, prep.frame, tuple(unknown))
