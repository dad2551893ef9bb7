"""Which monthly counts a volume chart shows, and what they include.

A crossing's chart uses the crossing's **own** counts where they exist (the TxDOT/UNT bridge counts for
Texas); otherwise the BTS count of its port, which is a **port total**: the selection names every crossing
that total includes ("Nogales port total: DeConcini, Mariposa, Morley Gate"). Only the measures of the
crossing's modes are kept (Morley Gate, a pedestrian gate, never gets a vehicle line), intersected with the
Modes filter. Events are kept only when they affect a mode of a measure shown.

Frames here have the ``VOLUMES_COLUMNS`` columns (loaders/schema.py) plus ``source`` ('BTS' or
'TxDOT/UNT') and, for bridge counts, ``source_id`` (the TxDOT/UNT row, e.g. '2023-12-EAGL-POVs'), so the same chart builders draw either source; values are never added across measures, and
across ports only by the caller that says so.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loaders.schema import VOLUMES_COLUMNS

from .counts import measure_mode

ALL_MODES = ("passenger", "pedestrian", "commercial", "rail")
#: BTS splits Ysleta (2401) off El Paso (2402) from this month: before it, 2402 includes Ysleta.
EL_PASO_SPLIT = pd.Timestamp("2020-03-01")
EL_PASO_PORTS = ("2401", "2402")
EL_PASO_SPLIT_TEXT = "Mar 2020: BTS counts Ysleta (2401) apart from El Paso (2402); before, 2402 includes Ysleta"

VOLUME_NAMES = [c.name for c in VOLUMES_COLUMNS]


@dataclass(frozen=True)
class VolumeSelection:
    """The counts behind one volume chart and how to describe them."""

    frame: pd.DataFrame  # VOLUMES_COLUMNS + source
    source: str  # 'TxDOT/UNT' | 'BTS'
    level: str  # 'bridge' | 'port' | 'ports' | 'state'
    where: str  # for the title: "Eagle Pass – Bridge I (TX), bridge counts"
    includes: tuple[str, ...]  # the crossings the counts include
    ports: tuple[str, ...]  # BTS port codes behind the counts ('' for bridge counts)
    modes: tuple[str, ...]  # the modes whose measures are shown
    note: str = ""  # e.g. "Morley Gate serves pedestrians only"


def _label(r: dict) -> str:
    c = r.get("crossing_name")
    return r["port_name"] if c is None or pd.isna(c) else f"{r['port_name']} – {c}"


def port_members(crossings: pd.DataFrame, port_code: str, *, road_only: bool = False) -> list[str]:
    """Names of the (real, not duplicate) crossings counted under a BTS port."""
    c = crossings[(crossings["bts_port_code"] == str(port_code)).to_numpy(dtype=bool, na_value=False)
                  & crossings["duplicate_of"].isna().to_numpy()]
    if road_only:
        c = c[c["kind"] != "rail"]
    return [str(r["crossing_name"]) if not pd.isna(r["crossing_name"]) else str(r["port_name"])
            for r in c.to_dict("records")]


def by_modes(frame: pd.DataFrame, modes: Iterable[str]) -> pd.DataFrame:
    """Rows whose measure belongs to one of ``modes`` (Pedestrians -> pedestrian, Trucks -> commercial, ...)."""
    modes = set(modes)
    if modes >= set(ALL_MODES) or frame.empty:
        return frame
    wanted = [m for m in frame["measure"].dropna().unique() if measure_mode(str(m)) in modes]
    return frame[frame["measure"].isin(wanted).to_numpy(dtype=bool, na_value=False)].reset_index(drop=True)


def measure_modes(measures: Iterable[str]) -> set[str]:
    return {m for m in (measure_mode(str(x)) for x in measures) if m}


def events_for_measures(events: pd.DataFrame, measures: Iterable[str]) -> pd.DataFrame:
    """The events that affect a mode of one of ``measures`` (a pedestrian-only closure is not drawn on a
    vehicle chart); events for every mode ('all') always."""
    modes = measure_modes(measures)
    if events is None or events.empty:
        return events
    keep = events["modes"].map(lambda ms: "all" in ms or bool(set(ms) & modes))
    return events[keep.to_numpy(dtype=bool)].reset_index(drop=True)


def crossing_keys(crossings: pd.DataFrame, port_code: str) -> set[str]:
    """The names events use for the crossings counted under BTS port ``port_code``: their ``crossing_id``
    and CBP ``port_number`` (``"2604"`` -> DeConcini, Mariposa, Morley Gate and 260401, 260402, 260403)."""
    c = crossings[crossings["bts_port_code"].astype(str) == str(port_code)]
    return set(c["crossing_id"].astype(str)) | {str(p) for p in c["port_number"].dropna()}


def panel_events(events: pd.DataFrame, crossings: pd.DataFrame, *, group_by: str, panel: str,
                 measure: str) -> pd.DataFrame:
    """The events one Compare panel shades: events at the panel's own place (``group_by="state"``: events
    of state ``panel``; ``"port"``: events naming a crossing counted under BTS port ``panel``, see
    :func:`crossing_keys`), for the measure's mode (or every mode, :func:`events_for_measures`), not
    southbound-only (the counts are northbound). Raises ValueError for another ``group_by``."""
    if events is None or events.empty:
        return events
    if group_by == "state":
        here = events["state"].astype(str) == str(panel)
    elif group_by == "port":
        keys = crossing_keys(crossings, panel)
        here = events["crossings"].map(lambda cs: bool(keys & {str(k) for k in cs}))
    else:
        raise ValueError(f"a Compare panel is a state or a port, not a {group_by!r}")
    ev = events[here.to_numpy(dtype=bool) & (events["direction"] != "southbound").to_numpy(dtype=bool)]
    return events_for_measures(ev.reset_index(drop=True), [measure])


def _bridge_as_volumes(bridge: pd.DataFrame, name: str) -> pd.DataFrame:
    out = pd.DataFrame({
        "port_code": bridge["port_code"].astype("string"),
        "port_name": pd.array([name] * len(bridge), dtype="string"),
        "state": pd.array(["TX"] * len(bridge), dtype="string"),
        "border": pd.array(["US-Mexico Border"] * len(bridge), dtype="string"),
        "month": bridge["month"].to_numpy(),
        "measure": bridge["measure"].astype("string"),
        "value": bridge["value"].astype("Int64"),
        "unit": bridge["unit"].astype("string"),
        "family": bridge["family"].astype("string"),
        "source": pd.array(["TxDOT/UNT"] * len(bridge), dtype="string"),
        "source_id": bridge["source_id"].astype("string"),
    })
    return out.reset_index(drop=True)


def crossing_volumes(volumes: pd.DataFrame, bridge: pd.DataFrame | None, crossings: pd.DataFrame,
                     crossing_id: str, *, modes: Iterable[str] = ALL_MODES) -> VolumeSelection:
    """The counts of one crossing: its bridge counts (TxDOT/UNT) where they exist, else its BTS port's
    counts (a port total naming the crossings it includes); only measures of the crossing's modes that are
    also in ``modes``. Raises KeyError for an unknown crossing_id."""
    from loaders.txdot import crossing_series

    rows = crossings[crossings["crossing_id"] == crossing_id]
    if rows.empty:
        raise KeyError(crossing_id)
    r = rows.iloc[0].to_dict()
    if not pd.isna(r.get("duplicate_of")):
        return crossing_volumes(volumes, bridge, crossings, str(r["duplicate_of"]), modes=modes)
    label = f"{_label(r)} ({r['state']})"
    own_modes = tuple(m for m in ALL_MODES if m in set(r["modes"]) and m in set(modes))
    not_served = [m for m in modes if m not in set(r["modes"])]
    note = ""
    if not_served and len(r["modes"]) < 4:
        note = f"{_label(r)} serves {', '.join(r['modes'])} only"
    b = crossing_series(bridge, crossing_id) if bridge is not None and not bridge.empty else None
    if b is not None and len(b):
        covers = str(b["covers"].iloc[0]).split(";")
        names = {c: _label(x) for c, x in zip(crossings["crossing_id"], crossings.to_dict("records"))}
        frame = by_modes(_bridge_as_volumes(b, label), own_modes)
        if len(covers) > 1:
            where = f"{' + '.join(names.get(c, c) for c in covers)} (TX), bridge counts (one count for both)"
        else:
            where = f"{label}, bridge counts"
        return VolumeSelection(frame, "TxDOT/UNT", "bridge", where, tuple(names.get(c, c) for c in covers),
                               ("",), own_modes, note)
    code = str(r["bts_port_code"])
    v = volumes[(volumes["port_code"] == code).to_numpy(dtype=bool, na_value=False)]
    frame = by_modes(v.assign(source=pd.array(["BTS"] * len(v), dtype="string")), own_modes)
    members = port_members(crossings, code, road_only=(r["kind"] != "rail"))
    port_name = str(v["port_name"].iloc[-1]) if len(v) else str(r["port_name"])
    if len(members) > 1:
        where = f"{port_name} port total (BTS {code}: {', '.join(members)})"
        level = "port"
    else:
        where = f"{label}, BTS port {code}"
        level = "port"
    return VolumeSelection(frame, "BTS", level, where, tuple(members), (code,), own_modes, note)


def port_volumes(volumes: pd.DataFrame, crossings: pd.DataFrame, ports: Iterable[str], *,
                 modes: Iterable[str] = ALL_MODES) -> VolumeSelection:
    """BTS counts of the given ports, kept apart per port (the chart draws one line per port)."""
    ports = tuple(str(p).strip().zfill(4) for p in ports)
    v = volumes[volumes["port_code"].isin(ports).to_numpy(dtype=bool, na_value=False)]
    frame = by_modes(v.assign(source=pd.array(["BTS"] * len(v), dtype="string")), modes)
    names = []
    for p in ports:
        pv = v[v["port_code"] == p]
        nm = str(pv["port_name"].iloc[-1]) if len(pv) else p
        members = port_members(crossings, p)
        names.append(f"{nm} ({p})" if len(members) <= 1 else f"{nm} ({p}: port total of {', '.join(members)})")
    level = "ports" if len(ports) > 1 else "port"
    where = "; ".join(names)
    if len(ports) == 1 and len(port_members(crossings, ports[0])) > 1:
        pv = v[v["port_code"] == ports[0]]
        nm = str(pv["port_name"].iloc[-1]) if len(pv) else ports[0]
        where = f"{nm} port total (BTS {ports[0]}: {', '.join(port_members(crossings, ports[0]))})"
    includes = tuple(m for p in ports for m in port_members(crossings, p))
    return VolumeSelection(frame, "BTS", level, where, includes, ports, tuple(m for m in ALL_MODES if m in set(modes)))


def splits_in_view(sel: VolumeSelection, start: pd.Timestamp, end: pd.Timestamp) -> list[tuple[pd.Timestamp, str]]:
    """Vertical markers a chart of ``sel`` must carry: the El Paso/Ysleta split on BTS charts of 2401/2402."""
    if sel.source != "BTS" or sel.level == "state" or not set(sel.ports) & set(EL_PASO_PORTS):
        return []
    if not (start <= EL_PASO_SPLIT <= end):
        return []
    return [(EL_PASO_SPLIT, EL_PASO_SPLIT_TEXT)]


def missing_ports(frame: pd.DataFrame) -> pd.DataFrame:
    """For totals across ports: per measure and month, the ports expected (their first..last month of that
    measure spans it) but without a count (no row, or NA). Columns: measure, month, n_missing, missing."""
    if frame.empty or frame["port_code"].nunique() < 2:
        return missing_summary(None)
    return missing_summary(missing_rows(frame))


def missing_rows(frame: pd.DataFrame) -> pd.DataFrame | None:
    """One row (measure, month, label 'Lukeville (2602)') per port, measure and month inside that port's own
    first..last month of the measure without a count; None when there is none. Each port's rows depend on its
    own counts only, so the rows of a union of ports are the rows of its parts."""
    if frame.empty:
        return None
    mcode, measures = pd.factorize(frame["measure"].astype(str), sort=True)
    pcode, ports = pd.factorize(frame["port_code"].astype(str), sort=True)
    months = frame["month"].to_numpy().astype("datetime64[M]").astype(np.int64)
    ok = frame["value"].notna().to_numpy()
    n_ports = len(ports)
    key = mcode.astype(np.int64) * n_ports + pcode
    lo = pd.Series(months).groupby(key).min()
    hi = pd.Series(months).groupby(key).max()
    n = (hi - lo + 1).to_numpy()
    keys = np.repeat(lo.index.to_numpy(), n)
    grid_month = np.repeat(lo.to_numpy(), n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    span = int(months.max() - months.min() + 1)
    base = int(months.min())
    have = np.unique(key[ok] * span + (months[ok] - base))
    lacking = ~np.isin(keys * span + (grid_month - base), have)
    if not lacking.any():
        return None
    names = frame.sort_values("month").groupby("port_code", observed=True)["port_name"].last()
    names = {str(k): str(v) for k, v in names.items()}
    lk, lm = keys[lacking], grid_month[lacking]
    return pd.DataFrame({"measure": np.asarray(measures)[lk // n_ports],
                         "month": lm.astype("datetime64[M]").astype("datetime64[ns]"),
                         "label": [f"{names.get(p, p)} ({p})" for p in np.asarray(ports)[lk % n_ports]]})


def missing_summary(lack: pd.DataFrame | None) -> pd.DataFrame:
    """:func:`missing_rows` (of one frame, or concatenated for several) per measure and month: n_missing and
    the ports' labels, sorted and comma-joined."""
    cols = ["measure", "month", "n_missing", "missing"]
    if lack is None or lack.empty:
        return pd.DataFrame({"measure": pd.Series([], dtype="string"),
                             "month": pd.Series([], dtype="datetime64[ns]"),
                             "n_missing": pd.Series([], dtype="Int64"), "missing": pd.Series([], dtype="string")})
    groups: dict[tuple, list[str]] = {}  # a few dozen rows: plain Python beats a groupby with a lambda
    for key in zip(lack["measure"].tolist(), lack["month"].tolist(), lack["label"].tolist()):
        groups.setdefault(key[:2], []).append(key[2])
    keys = sorted(groups)
    return pd.DataFrame({
        "measure": pd.array([k[0] for k in keys], dtype="string"),
        "month": pd.Series([k[1] for k in keys], dtype="datetime64[ns]"),
        "n_missing": pd.array([len(groups[k]) for k in keys], dtype="Int64"),
        "missing": pd.array([", ".join(sorted(groups[k])) for k in keys], dtype="string")})[cols]


def zero_throughout(frame: pd.DataFrame) -> list[str]:
    """Measures whose every count in ``frame`` is 0 (the TxDOT/UNT file writes 0 for what a bridge does not
    carry, e.g. buses on Eagle Pass Bridge I): a flat zero line says nothing, the caller notes them instead."""
    if frame.empty:
        return []
    g = frame.groupby("measure", observed=True)["value"].agg(lambda x: bool((x.fillna(0) == 0).all()))
    return sorted(str(m) for m, z in g.items() if z)
