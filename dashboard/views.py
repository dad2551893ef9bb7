"""From (snapshot, filters) to what the page and the export show: the status table, the figures, the
tables behind them and their captions. Pure functions; the Streamlit page and ``borderwatch export`` both
call these, so the same filters give the same images.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from loaders.snapshot import Snapshot
from analysis.status import mode_status, parse_at, roll_up
from loaders.crossings import drop_feed_duplicates

from .filters import Filters
from .safe_text import defang_figure, domain, md, md_link, plotly_text, safe_url

#: Event kinds whose impact on the counts the closure section measures (linked from the events table).
IMPACT_LINK_KINDS = ("closure", "partial_closure", "suspension", "rail_suspension")
#: Event kinds that belong on the volume charts' time axis.
CHART_EVENT_KINDS = ("closure", "partial_closure", "suspension", "rail_suspension", "reopening", "policy")


# ------------------------------------------------------------------ time
def snapshot_key(snap: Snapshot) -> str:
    """What identifies a snapshot's content in the page's caches."""
    return f"{snap.snapshot_id}|{snap.label}|{snap.cbp_as_of}"


def query_key(filters: Filters) -> tuple:
    """What identifies a view (its filters) in the page's caches: the URL query, sorted."""
    return tuple(sorted(filters.to_query().items()))


def at_instant(snap: Snapshot, filters: Filters):
    """The ``at`` to evaluate status with: the filter's (naive = local wall clock per crossing), else the
    feed's as-of instant."""
    at = parse_at(filters.at) if filters.at else None
    return at if at is not None else snap.cbp_as_of


def fmt_local(ts, tz: str | None = None, with_date: bool = True) -> str:
    """'2022-06-29 10:00 PDT' (or '10:00 PDT'); '' for missing."""
    if ts is None or (not isinstance(ts, pd.Timestamp) and pd.isna(ts)):
        return ""
    ts = pd.Timestamp(ts)
    if tz:
        ts = ts.tz_convert(tz)
    return ts.strftime("%Y-%m-%d %H:%M %Z" if with_date else "%H:%M %Z")


# ------------------------------------------------------------------ selection
def mode_frame(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    """Status of every crossing x mode (all states) at the filters' time: the one frame the map, its
    hover, the tables, the export and the CLI are rolled up from. Depends on the time only."""
    return mode_status(snap.waits, snap.events, snap.crossings, at_instant(snap, filters),
                       port_info=port_info(snap))


def port_info(snap: Snapshot) -> pd.DataFrame | None:
    """CBP's per-port "more information" saved with the snapshot (a manifest file of role ``portinfo``:
    one JSON file or a folder of them, see loaders.portinfo), else None. Read once per snapshot."""
    def build():
        from loaders.portinfo import snapshot_port_info
        return snapshot_port_info(snap.manifest, snap.data_dir)
    return memo(snap, "port_info", build)


def status_frame(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    """Crossing status for the filters (states, modes, time): :func:`select_status` of :func:`mode_frame`."""
    return select_status(snap, mode_frame(snap, filters), filters)


def select_status(snap: Snapshot, st: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Crossing status for the filters' states and modes, from a per-mode frame (MODE_STATUS_COLUMNS: each
    crossing is judged on the selected modes only) or from a crossing frame (rows kept or dropped)."""
    all_modes = tuple(filters.modes) == ("passenger", "pedestrian", "commercial", "rail")
    if "mode" in st.columns:
        mf = drop_feed_duplicates(st[st["state"].isin(filters.states)], snap.crossings)
        return roll_up(mf, None if all_modes else filters.modes).reset_index(drop=True)
    st = st[st["state"].isin(filters.states)]
    st = drop_feed_duplicates(st, snap.crossings)  # 230103 'Gateway', 240403 'FT HANCOCK': never drawn or counted
    if not all_modes:
        modes = dict(zip(snap.crossings["crossing_id"], snap.crossings["modes"]))
        keep = st["crossing_id"].map(lambda c: bool(set(modes.get(c, ())) & set(filters.modes)) if isinstance(c, str) else True)
        st = st[keep.astype(bool)]
    return st.reset_index(drop=True)


def only_states(status: pd.DataFrame, states) -> pd.DataFrame:
    """The rows of a crossing status frame (:func:`select_status` of every state) in ``states``: the same
    rows, in the same order, as :func:`select_status` on those states (each crossing is rolled up alone)."""
    return status[status["state"].isin(tuple(states)).to_numpy(dtype=bool, na_value=False)].reset_index(drop=True)


def mode_display(snap: Snapshot, mf: pd.DataFrame, crossing_id: str) -> pd.DataFrame | None:
    """One crossing's modes for the crossing detail and its table: mode, status, why, as of (with the date)."""
    rows = mf[mf["crossing_id"] == crossing_id]
    if rows.empty:
        return None
    return pd.DataFrame({
        "mode": rows["mode"].map(lambda m: MODE_NAMES.get(m, "Rail" if m == "rail" else m)),
        "status": rows["status"], "why": rows["reason"],
        "note": rows["notes"].fillna(""),
        "as of": [fmt_local(t) if not pd.isna(t) else "—" for t in rows["as_of"]],
    }).reset_index(drop=True)


def status_counts(status: pd.DataFrame) -> dict[str, int]:
    c = status["status"].value_counts()
    return {k: int(c.get(k, 0)) for k in ("open", "partial", "closed", "unknown")}


def selected_ports(snap: Snapshot, filters: Filters) -> tuple[str, ...]:
    """BTS port codes the volume charts show: explicit ports, else the selected crossing's, else none
    (= every port of the selected states)."""
    if filters.ports:
        return tuple(filters.ports)
    if filters.crossing:
        c = snap.crossings[snap.crossings["crossing_id"] == filters.crossing]
        if len(c):
            return (str(c["bts_port_code"].iloc[0]),)
    return ()


def events_frame(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    ev = snap.events
    ev = ev[ev["state"].isin(filters.states)]
    if tuple(filters.modes) != ("passenger", "pedestrian", "commercial", "rail"):
        ev = ev[ev["modes"].map(lambda m: "all" in m or bool(set(m) & set(filters.modes)))]
    if filters.crossing:
        keys = {filters.crossing}
        c = snap.crossings[snap.crossings["crossing_id"] == filters.crossing]
        if len(c) and not pd.isna(c["port_number"].iloc[0]):
            keys.add(str(c["port_number"].iloc[0]))
        ev = ev[ev["crossings"].map(lambda cs: bool(keys & set(cs)))]
    return ev.reset_index(drop=True)


def volumes_frame(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    from loaders.bts import filter_volumes
    start = pd.Timestamp(filters.start + "-01") if filters.start else None
    end = pd.Timestamp(filters.end + "-01") if filters.end else None
    ports = selected_ports(snap, filters)
    return filter_volumes(snap.volumes, states=filters.states, ports=list(ports) or None,
                          families=[filters.family], start=start, end=end)


# ------------------------------------------------------------------ captions
def source_line(snap: Snapshot, *, cbp: bool = False, bts: bool = False, events: bool = False,
                states=("TX", "AZ", "CA")) -> str:
    parts = []
    if cbp:
        at = snap.cbp_as_of
        when = f"{as_of_local_short(snap, states)} ({fmt_local(at, 'UTC', with_date=False)})" if at is not None else "unknown"
        parts.append(f"CBP Border Wait Times, as of {when}")
    if bts:
        thr = snap.bts_through
        parts.append(f"BTS Border Crossing Entry Data through {thr.strftime('%b %Y') if thr is not None else 'unknown'}")
    if events:
        parts.append("events: project registry")
    return "Source: " + "; ".join(parts) + f" · snapshot {snap.snapshot_id}"


def caption(snap: Snapshot, filters: Filters, chart: str) -> str:
    """The image's source line(s): who published the data and as of when, and the snapshot."""
    from . import chart_text as ct
    parts = []
    if chart in ("map", "waits"):
        zones = as_of_local_short(snap, filters.states) if snap.cbp_as_of is not None else "an unknown time"
        parts.append(f"U.S. Customs and Border Protection (CBP) Border Wait Times, {snap.label}, as of {zones}")
    if chart in ("volumes", "compare"):
        thr = snap.bts_through
        parts.append("U.S. Bureau of Transportation Statistics (BTS) Border Crossing Entry Data, inbound, "
                     f"published through {ct.month_text(thr.strftime('%Y-%m')) if thr is not None else 'unknown'}")
    if chart in ("map", "volumes", "compare", "events"):
        parts.append("closures and events: Borderwatch registry of CBP statements and news reports")
    return "Source: " + plotly_text("; ".join(parts)) + f".<br>Borderwatch · snapshot {snap.snapshot_id}"


def place_text(snap: Snapshot, filters: Filters, *, ports_level: bool = False) -> str:
    """Where a chart is about, in words: a crossing's name (its port's, for BTS counts), named ports, or
    the states (``"Texas, Arizona and California"``)."""
    from . import chart_text as ct
    if filters.crossing and filters.crossing in crossing_labels(snap):
        c = snap.crossings[snap.crossings["crossing_id"] == filters.crossing].iloc[0]
        if ports_level:
            return f"the {c['port_name']} port of entry, {ct.STATE_NAMES.get(c['state'], c['state'])}"
        return crossing_label(snap, filters.crossing)
    if ports_level and filters.ports:
        return ct.join_words(port_names(snap).get(p, p) for p in filters.ports)
    return ct.states_text(filters.states)


def port_names(snap: Snapshot) -> dict[str, str]:
    """{BTS port code: 'Lukeville (AZ)'}."""
    def build():
        c = snap.crossings.dropna(subset=["bts_port_code"]).drop_duplicates("bts_port_code")
        return {str(k): f"{p} ({s})" for k, p, s in zip(c["bts_port_code"], c["port_name"], c["state"])}
    return memo(snap, "port_names", build)


def map_subtitle(snap: Snapshot, filters: Filters) -> str | None:
    from . import chart_text as ct
    parts = [ct.modes_text(filters.modes)]
    if filters.crossing:
        parts.append(f"Selected: {crossing_label(snap, filters.crossing)}")
    if filters.at:
        parts.append("Status from the events registry; wait-time readings count only within 2 hours of the feed")
    return ct.subtitle(parts)


def volumes_subtitle(snap: Snapshot, filters: Filters, group_by: str) -> str | None:
    from . import chart_text as ct
    parts = []
    if filters.crossing and filters.crossing in crossing_labels(snap):
        port = snap.crossings.loc[snap.crossings["crossing_id"] == filters.crossing, "port_name"].iloc[0]
        if (snap.crossings["port_name"] == port).sum() > 1:
            parts.append(f"BTS counts whole ports: all crossings of {port}")
    if group_by in ("state", "port"):
        parts.append(f"One line per {group_by}")
    parts.append("Shaded: closures and suspensions; numbered tags as listed below the chart")
    return ct.subtitle(parts)


@dataclass
class ChartSpec:
    name: str
    figure: go.Figure
    table: pd.DataFrame

    def __post_init__(self):
        defang_figure(self.figure)  # no figure shown or exported ever carries a link tag from data


#: The first measure of each family: what the compare view shows unless a measure is chosen.
PRIMARY_MEASURE = {"vehicles": "Personal Vehicles", "people": "Pedestrians", "freight": "Truck Containers Loaded"}
#: The volume charts open on this window unless the user picks months (the full series starts in 1996).
DEFAULT_START = "2019-01"


def effective_months(snap: Snapshot, filters: Filters) -> tuple[str, str]:
    thr = snap.bts_through
    end = filters.end or (thr.strftime("%Y-%m") if thr is not None else "2025-02")
    return filters.start or DEFAULT_START, end


def memo(snap: Snapshot, key, build):
    """Per-snapshot memo for small derived lookups (the snapshot is immutable)."""
    if key not in snap.extra:
        snap.extra[key] = build()
    return snap.extra[key]


def crossing_labels(snap: Snapshot) -> dict[str, str]:
    """{crossing_id: 'Nogales – Morley Gate (AZ)'} for every crossing of the reference table."""
    def build():
        out = {}
        for r in snap.crossings.to_dict("records"):
            name = r["port_name"] if pd.isna(r["crossing_name"]) else f"{r['port_name']} – {r['crossing_name']}"
            out[r["crossing_id"]] = f"{name} ({r['state']})"
        return out
    return memo(snap, "crossing_labels", build)


def crossing_label(snap: Snapshot, crossing_id: str) -> str:
    return crossing_labels(snap).get(crossing_id, crossing_id)


def map_chart(snap: Snapshot, filters: Filters, status: pd.DataFrame, *, fit_width: int | None = None,
              height: int | None = None) -> ChartSpec:
    from .figures import make_status_map_figure, status_map_table
    from . import chart_text as ct
    from .regions import REGIONS
    when = ct.at_text(filters.at) if filters.at else ct.when_text(snap.cbp_as_of, _first_zone(snap, filters.states))
    where = ct.states_text(filters.states)
    if filters.region in REGIONS:
        reg = REGIONS[filters.region]
        where = f"{reg['name']} ({ct.STATE_NAMES[reg['state']]})"
    title = f"Status of border crossings into the U.S.: {where}, as of {when}"
    table = status_map_table(status, snap.crossings, waits=snap.waits, states=filters.states, region=filters.region)
    fig = make_status_map_figure(status, snap.crossings, table=table, waits=snap.waits, states=filters.states,
                                 title=title, subtitle=map_subtitle(snap, filters),
                                 caption=caption(snap, filters, "map"), region=filters.region,
                                 selected=filters.crossing,
                                 **({"fit_width": fit_width} if fit_width else {}),
                                 **({"height": height} if height else {}))
    return ChartSpec("map", fig, table)


def volume_selection(snap: Snapshot, filters: Filters):
    """What the volume chart shows (``analysis.crossing_volumes.VolumeSelection``): explicit ports (one line
    each), else the selected crossing's own counts (bridge counts, or its port total saying so), else the
    total of the selected states' ports. Only measures of the Modes filter (and of the crossing's modes)."""
    from analysis.crossing_volumes import VolumeSelection, by_modes, crossing_volumes, port_volumes
    if filters.ports:
        return port_volumes(snap.volumes, snap.crossings, filters.ports, modes=filters.modes)
    if filters.crossing and filters.crossing in set(snap.crossings["crossing_id"]):
        return crossing_volumes(snap.volumes, snap.bridge_volumes, snap.crossings, filters.crossing,
                                modes=filters.modes)
    from loaders.bts import filter_volumes
    v = filter_volumes(snap.volumes, states=filters.states)
    v = by_modes(v.assign(source=pd.array(["BTS"] * len(v), dtype="string")), filters.modes)
    ports = tuple(sorted(v["port_code"].astype(str).unique()))
    where = f"{', '.join(filters.states)}, total of {len(ports)} BTS ports"
    return VolumeSelection(v, "BTS", "state", where, (), ports, tuple(filters.modes))


#: The BTS measure and its closest bridge-level (TxDOT/UNT) measure.
BRIDGE_MEASURE = {"Pedestrians": "Pedestrians and Bicyclists", "Trains": "Railcars"}
FAMILY_WORDS = {"vehicles": "vehicles", "people": "people", "freight": "freight containers"}


def volumes_chart(snap: Snapshot, filters: Filters) -> ChartSpec:
    from analysis.crossing_volumes import events_for_measures, missing_ports, splits_in_view, zero_throughout
    from .figures import make_volumes_figure, volumes_table
    start, end = effective_months(snap, filters)
    f = filters.with_(start=start, end=end)
    t0, t1 = pd.Timestamp(start + "-01"), pd.Timestamp(end + "-01")
    total = states_total(snap, f, t0, t1)
    zeros: list[str] = []
    if total is not None:  # the states' total per measure, from per-state parts
        sel, table, measures, group = total
        v = None  # make_volumes_figure draws the table
    else:
        sel = volume_selection(snap, f)
        v = sel.frame
        v = v[(v["family"] == f.family).to_numpy(dtype=bool, na_value=False)
              & (v["month"] >= t0).to_numpy() & (v["month"] <= t1).to_numpy()].reset_index(drop=True)
        zeros = zero_throughout(v) if sel.source == "TxDOT/UNT" else []
        if zeros:
            v = v[~v["measure"].isin(zeros).to_numpy(dtype=bool)].reset_index(drop=True)
        present = sorted(v["measure"].astype(str).unique())
        measures, group = _chosen_measures(f, present)
        if sel.level == "ports":
            group = "port"
            if measures is None:
                primary = PRIMARY_MEASURE[f.family]
                measures = [primary if primary in present else present[0]] if present else None
        missing = missing_ports(v) if sel.level == "state" and group == "measure" else None
        table = volumes_table(v, family=f.family, measures=measures, group_by=group, missing=missing)
    drawn = sorted(table["measure"].dropna().astype(str).unique())
    word = FAMILY_WORDS[f.family]
    from . import chart_text as ct
    # a title in words (measure, place, period); title_layout wraps it to the image width
    if sel.level == "ports":
        names = [views_port_name(snap, p) for p in sel.ports]
        what = (f"{ct.measure_text(measures[0]) if measures else word.capitalize()} entering the U.S. per month, "
                f"one line per port (never added)")
        where = ct.join_words(names)
    else:
        what = (f"{ct.measure_text(measures[0])} entering the U.S. per month" if measures and len(measures) == 1
                else ct.FAMILY_WORDS[f.family])
        import re
        where = re.sub(r"\b(TX|AZ|CA)\b", lambda m: ct.STATE_NAMES[m.group(1)], sel.where)  # names, not codes
    title = f"{what}, {where}, {ct.period_text(start, end)}"
    title = plotly_text(title)  # port and crossing names are data
    empty = "No counts for this selection"
    if sel.note and table.empty:
        empty = f"{sel.note}: no {word} counts to draw"
    elif table.empty and tuple(f.modes) != ("passenger", "pedestrian", "commercial", "rail"):
        empty = f"No {word} counts for the modes chosen ({', '.join(f.modes)})"
    ev = _chart_events(snap, f.with_(crossing=None) if f.ports else f)  # ports win over a chosen crossing
    ev = ev[(ev["direction"] != "southbound").to_numpy(dtype=bool)]  # the counts are northbound (inbound)
    if filters.ports:  # only the events at crossings of the ports drawn
        ev = ev[ev["crossings"].map(lambda cs: bool(set(cs) & port_keys(snap, sel.ports))).to_numpy(dtype=bool)]
    events = events_for_measures(ev, drawn) if drawn else ev.iloc[0:0]
    cap = volume_source_line(snap, sel, f.states)
    if sel.level == "ports":
        cap += f"\nPort totals: {sel.where}"
    if zeros:
        cap += f"\n{', '.join(zeros)}: 0 in every month shown (not drawn)"
    fig = make_volumes_figure(v, table=table, events=events, family=f.family, measures=measures, group_by=group,
                              title=title, subtitle=volumes_subtitle(snap, f, group), caption=cap,
                              markers=splits_in_view(sel, t0, t1), empty_text=empty)
    return ChartSpec("volumes", fig, table)


def _chosen_measures(f: Filters, present: list[str]) -> tuple[list[str] | None, str]:
    """The measures to draw (None = every measure present) and the lines' grouping, for the filters."""
    measure = f.measure
    if measure and measure not in present and BRIDGE_MEASURE.get(measure) in present:
        measure = BRIDGE_MEASURE[measure]
    measures = [measure] if measure and measure in present else None
    return measures, (f.group_by if measures else "measure")


@dataclass(frozen=True)
class _StatePart:
    """One state's share of a states' total volume chart (BTS, one family, modes, window)."""
    ports: tuple[str, ...]  # the state's ports with counts of the modes (any family, any month)
    sums: pd.Series  # figures.volumes.grouped_sums per measure, in the window
    months: dict  # measure -> (first, last) month with a row in the window
    n_ports: int  # ports with a row in the window
    lack: pd.DataFrame | None  # analysis.crossing_volumes.missing_rows in the window


#: Per-state parts kept (each a few hundred rows): snapshot's counts x state x family x modes x window.
STATE_PARTS_KEPT = 96
#: Keyed on the counts frame, not the Snapshot object: with the live feed on the page gets a new Snapshot
#: per rerun (loaders.snapshot.with_live_waits), sharing the embedded snapshot's counts.
_state_parts: "OrderedDict[tuple, tuple[pd.DataFrame, _StatePart]]" = OrderedDict()
_state_parts_lock = threading.Lock()


def _state_part(snap: Snapshot, state: str, family: str, modes: tuple, t0: pd.Timestamp,
                t1: pd.Timestamp) -> _StatePart:
    from analysis.crossing_volumes import by_modes, missing_rows
    from loaders.bts import filter_volumes
    from .figures.volumes import grouped_sums
    key = (snap.snapshot_id.removesuffix("+live"), id(snap.volumes), state, family, modes, t0, t1)
    with _state_parts_lock:
        hit = _state_parts.get(key)
        if hit is not None and hit[0] is snap.volumes:  # the same frame (an id alone can be reused)
            _state_parts.move_to_end(key)
            return hit[1]
    v = by_modes(filter_volumes(snap.volumes, states=[state]), modes)
    ports = tuple(sorted(v["port_code"].astype(str).unique()))
    v = v[(v["family"] == family).to_numpy(dtype=bool, na_value=False)
          & (v["month"] >= t0).to_numpy() & (v["month"] <= t1).to_numpy()].reset_index(drop=True)
    rng = v.groupby(v["measure"].astype(str))["month"].agg(["min", "max"]) if len(v) else None
    part = _StatePart(ports=ports, sums=grouped_sums(v, v["measure"].astype(str)),
                      months={} if rng is None else {m: (a, b) for m, a, b in zip(rng.index, rng["min"], rng["max"])},
                      n_ports=int(v["port_code"].nunique()), lack=missing_rows(v))
    with _state_parts_lock:
        _state_parts[key] = (snap.volumes, part)
        while len(_state_parts) > STATE_PARTS_KEPT:
            _state_parts.popitem(last=False)
    return part


def states_total(snap: Snapshot, f: Filters, t0: pd.Timestamp, t1: pd.Timestamp):
    """``(selection, table, measures, group)`` of a states' total chart per measure (no ports, no crossing),
    summed from per-state parts so that a States change reuses what the states already shown computed; None
    for every other chart. The table equals ``volumes_table(volume_selection(...).frame, ...)``."""
    from analysis.crossing_volumes import VolumeSelection, missing_summary
    from .figures.volumes import empty_table, month_grid, with_missing
    if f.ports or (f.crossing and f.crossing in set(snap.crossings["crossing_id"])):
        return None
    parts = [_state_part(snap, s, f.family, tuple(f.modes), t0, t1) for s in f.states]
    present = sorted({m for p in parts for m in p.months})
    measures, group = _chosen_measures(f, present)
    if group != "measure":
        return None
    ports = tuple(sorted({c for p in parts for c in p.ports}))
    sel = VolumeSelection(snap.volumes.iloc[:0], "BTS", "state",
                          f"{', '.join(f.states)}, total of {len(ports)} BTS ports", (), ports, tuple(f.modes))
    drawn = measures if measures is not None else present
    spans = [p.months[m] for p in parts for m in drawn if m in p.months]
    if not spans:
        table = empty_table()
    else:
        sums = [p.sums[p.sums.index.get_level_values("measure").isin(drawn)] if measures else p.sums for p in parts]
        sums = [x for x in sums if len(x)]
        g = sums[0] if len(sums) == 1 else pd.concat(sums).groupby(level=[0, 1, 2, 3], sort=True).sum(min_count=1)
        table = month_grid(g, min(a for a, _ in spans), max(b for _, b in spans))
    n_ports = sum(p.n_ports for p in parts)
    lacks = [p.lack for p in parts if p.lack is not None]
    missing = missing_summary(pd.concat(lacks, ignore_index=True) if lacks and n_ports >= 2 else None)
    return sel, with_missing(table, missing), measures, group


def views_port_name(snap: Snapshot, code: str) -> str:
    """'Nogales (2604)'."""
    label = port_options(snap).get(str(code))
    return label.rsplit(", ", 1)[0] + ")" if label else str(code)


def port_keys(snap: Snapshot, ports) -> set[str]:
    """The crossing_ids and CBP port numbers of the crossings counted under BTS ``ports`` (events name those)."""
    def build():
        out: dict[str, set[str]] = {}
        for r in snap.crossings.to_dict("records"):
            keys = out.setdefault(str(r["bts_port_code"]), set())
            keys.add(str(r["crossing_id"]))
            if not pd.isna(r["port_number"]):
                keys.add(str(r["port_number"]))
        return out
    table = memo(snap, "port_keys", build)
    return set().union(*(table.get(str(p), set()) for p in ports)) if ports else set()


def volume_source_line(snap: Snapshot, sel, states) -> str:
    """The sources line of a volume chart: BTS port counts or TxDOT/UNT bridge counts, and events."""
    if sel.source == "TxDOT/UNT":
        e = snap.file_entry("txdot")
        thr = pd.Timestamp(e["through"]).strftime("%b %Y") if e.get("through") else "unknown"
        return (f"Source: TxDOT/UNT bridge-level counts (CBP field-office reports, unt-clscm/CBP-Border-Crossings) "
                f"through {thr}; events: project registry · snapshot {snap.snapshot_id}")
    return source_line(snap, bts=True, events=True, states=states)


def compare_chart(snap: Snapshot, filters: Filters) -> ChartSpec:
    from loaders.bts import filter_volumes
    from .figures import compare_table, make_compare_figure
    start, end = effective_months(snap, filters)
    f = filters.with_(start=start, end=end)
    measure = f.measure or PRIMARY_MEASURE[f.family]
    ports = selected_ports(snap, f)
    group_by = "port" if (ports or len(f.states) == 1) else "state"
    vol = filter_volumes(snap.volumes, states=f.states, ports=list(ports) or None, measures=[measure],
                         start=pd.Timestamp(start + "-01"), end=pd.Timestamp(end + "-01"))
    from . import chart_text as ct
    title = (f"{ct.measure_text(measure)} entering the U.S. per month by {group_by}, "
             f"{place_text(snap, f, ports_level=True)}, {ct.period_text(start, end)}")
    title = plotly_text(title)
    table = compare_table(vol, measure=measure, group_by=group_by)
    from analysis.crossing_volumes import EL_PASO_SPLIT, EL_PASO_SPLIT_TEXT
    split_series = [x for x in table["series"].dropna().unique() if str(x).endswith(("(2401)", "(2402)"))]
    markers = [(EL_PASO_SPLIT, EL_PASO_SPLIT_TEXT, split_series)] if group_by == "port" and split_series else None
    fig = make_compare_figure(vol, table=table, measure=measure, group_by=group_by,
                              panel_events=compare_panel_events(snap, f, table, group_by, measure),
                              title=title, subtitle=volumes_subtitle(snap, f, "measure"),
                              caption=caption(snap, f, "compare"), markers=markers)
    return ChartSpec("compare", fig, table)


def compare_panel_events(snap: Snapshot, filters: Filters, table: pd.DataFrame, group_by: str,
                         measure: str) -> dict[str, pd.DataFrame]:
    """Each Compare panel's own events (series name -> events): those of its state, or of the crossings
    its BTS port counts ('Nogales (2604)'), for the measure's mode (analysis.crossing_volumes.panel_events)."""
    from analysis.crossing_volumes import panel_events
    ev = _chart_events(snap, filters.with_(crossing=None))  # a panel is a whole state or port
    out = {}
    for s in table["series"].dropna().astype(str).unique():
        key = s.rsplit("(", 1)[-1].rstrip(")") if group_by == "port" else s
        out[s] = panel_events(ev, snap.crossings, group_by=group_by, panel=key, measure=measure)
    return out


def events_chart(snap: Snapshot, filters: Filters) -> ChartSpec:
    from .figures import events_timeline_table, make_events_timeline_figure
    ev = events_frame(snap, filters)
    # Ongoing events run to the chosen "as of" time, else to today (not to the snapshot's date).
    at = parse_at(filters.at) if filters.at else None
    table = events_timeline_table(ev, at=at, crossings=snap.crossings)
    from . import chart_text as ct
    span = ""
    if len(table):
        first = table["start"].min()
        span = f", {first.year}–{'now' if table['ongoing'].any() else table['drawn_end'].max().year}"
    sub = ct.subtitle([ct.modes_text(filters.modes),
                       f"As of {ct.at_text(filters.at)}" if filters.at else None])
    fig = make_events_timeline_figure(ev, table=table, at=at, crossings=snap.crossings,
                                      title=f"Border crossing closures, suspensions and policy changes: "
                                            f"{place_text(snap, filters)}{span}",
                                      subtitle=sub, caption=caption(snap, filters, "events"))
    return ChartSpec("events", fig, table)


def waits_chart(snap: Snapshot, filters: Filters, crossing_id: str) -> ChartSpec | None:
    from .figures import make_waits_figure, waits_table
    c = snap.crossings[snap.crossings["crossing_id"] == crossing_id]
    if not len(c) or pd.isna(c["port_number"].iloc[0]):
        return None
    w = snap.waits[snap.waits["port_number"] == c["port_number"].iloc[0]]
    if w.empty:
        return None
    table = waits_table(w)
    from . import chart_text as ct
    c0 = c.iloc[0]
    title = (f"Wait to enter the U.S. by lane at {crossing_label(snap, crossing_id)}, as of "
             f"{ct.when_text(snap.cbp_as_of, c0['tz'])}")
    fig = make_waits_figure(w, table=table, title=plotly_text(title),
                            subtitle="Minutes, as CBP reports them; lanes without a number say why",
                            caption=caption(snap, filters.with_(crossing=crossing_id, states=(c0["state"],)), "waits"))
    return ChartSpec("waits", fig, table)


def _chart_events(snap: Snapshot, filters: Filters) -> pd.DataFrame:
    ev = events_frame(snap, filters)
    return ev[ev["kind"].isin(CHART_EVENT_KINDS)]


def all_charts(snap: Snapshot, filters: Filters) -> dict[str, ChartSpec]:
    """Every chart of the page for these filters (what ``borderwatch export --chart all`` writes)."""
    status = status_frame(snap, filters)
    charts = {"map": map_chart(snap, filters, status), "volumes": volumes_chart(snap, filters),
              "compare": compare_chart(snap, filters), "events": events_chart(snap, filters)}
    if filters.crossing:
        w = waits_chart(snap, filters, filters.crossing)
        if w is not None:
            charts["waits"] = w
    return charts


# ------------------------------------------------------------------ page helpers
ZONE_LABEL = {"America/Los_Angeles": "CA", "America/Phoenix": "AZ", "America/Denver": "El Paso area",
              "America/Chicago": "TX"}


def _as_of_zones(snap: Snapshot, states) -> list[tuple[str, str]] | None:
    """``[(zone label, local time), ...]`` of the feed's as-of in the zones of ``states`` (the first with its
    date), memoised per snapshot and states; None when the feed time is unknown."""
    def build():
        at = snap.cbp_as_of
        if at is None:
            return None
        tzs = set(snap.crossings.loc[snap.crossings["state"].isin(states), "tz"])
        zones = [z for z in ZONE_LABEL if z in tzs]
        return [(ZONE_LABEL[z], fmt_local(at, z, with_date=(i == 0))) for i, z in enumerate(zones)]
    return memo(snap, ("as_of_zones", tuple(states)), build)


def _first_zone(snap: Snapshot, states) -> str | None:
    tzs = set(snap.crossings.loc[snap.crossings["state"].isin(states), "tz"])
    return next((z for z in ZONE_LABEL if z in tzs), None)


def as_of_local_summary(snap: Snapshot, states=("TX", "AZ", "CA")) -> str:
    """'2022-06-29 10:25 PDT (CA) · 10:25 MST (AZ) · ...' for the zones of the selected states."""
    zones = _as_of_zones(snap, states)
    return "unknown time" if zones is None else " · ".join(f"{t} ({label})" for label, t in zones)


def as_of_local_short(snap: Snapshot, states=("TX", "AZ", "CA")) -> str:
    """'2022-06-29 10:25 PDT · 10:25 MST · 11:25 MDT · 12:25 CDT' for the zones of ``states``."""
    zones = _as_of_zones(snap, states)
    return "unknown time" if zones is None else " · ".join(t for _, t in zones)


def crossing_options(snap: Snapshot, states) -> list[str]:
    """Crossing ids of the given states, sorted by their label."""
    labels = crossing_labels(snap)
    def build():
        from loaders.crossings import real_crossings
        real = real_crossings(snap.crossings)
        return dict(zip(real["crossing_id"], real["state"]))
    by_state = memo(snap, "crossing_states", build)
    return sorted((c for c, s in by_state.items() if s in states), key=labels.__getitem__)


def family_measures(snap: Snapshot, family: str) -> list[str]:
    def build():
        v = snap.volumes[["family", "measure"]].drop_duplicates()
        return {f: sorted(g["measure"].tolist()) for f, g in v.groupby("family")}
    return memo(snap, "family_measures", build).get(family, [])


def port_options(snap: Snapshot) -> dict[str, str]:
    """``{port_code: 'Nogales (2604, AZ)'}`` for every BTS port of the snapshot, by state then name."""
    def build():
        v = snap.volumes.sort_values("month").groupby("port_code", observed=True)[["port_name", "state"]].last()
        rows = sorted(((str(s_), str(n), str(c)) for c, (n, s_) in v.iterrows()))
        return {c: f"{n} ({c}, {s_})" for s_, n, c in rows}
    return memo(snap, "port_options", build)


def month_options(snap: Snapshot) -> list[str]:
    """Every month of the BTS data, 'YYYY-MM'."""
    def build():
        v = snap.volumes["month"]
        return [p.strftime("%Y-%m") for p in pd.period_range(v.min(), v.max(), freq="M")]
    return memo(snap, "month_options", build)


def export_stem(name: str, fig: go.Figure) -> str:
    from .export import safe_filename
    title = fig.layout.title.text or name
    return safe_filename("borderwatch", name, title)[:120]


def display_table(df: pd.DataFrame) -> pd.DataFrame:
    """Tables for the screen: tuples joined, timestamps as local text, missing as 'no reading'/blank."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if s.dtype == object:
            out[c] = s.map(_display_cell)
    return out


def _display_cell(v):
    if isinstance(v, (tuple, list)):
        return "; ".join(str(x) for x in v)
    if isinstance(v, pd.Timestamp):
        return fmt_local(v) if v.tzinfo else v.strftime("%Y-%m-%d %H:%M")
    return v


def table_csv(df: pd.DataFrame) -> str:
    from .records import frame_records
    recs = frame_records(df)
    return pd.DataFrame(recs, columns=list(df.columns)).to_csv(index=False, lineterminator="\n")


LANE_NAMES = {"standard": "Standard", "sentri": "SENTRI/NEXUS", "ready": "Ready", "fast": "FAST"}
MODE_NAMES = {"passenger": "Passenger vehicles", "pedestrian": "Pedestrians", "commercial": "Commercial"}


def lanes_table(snap: Snapshot, crossing_id: str, at=None) -> pd.DataFrame | None:
    """The crossing's lanes as the feed describes them; N/A lane types (that don't exist) are left out;
    missing waits read 'no reading', never 0. ``at`` (default: the feed's time) fills the column saying
    whether each reading counts at that time; times carry their date and year."""
    from analysis.status import current_readings
    c = snap.crossings[snap.crossings["crossing_id"] == crossing_id]
    if not len(c) or pd.isna(c["port_number"].iloc[0]):
        return None
    w = snap.waits[(snap.waits["port_number"] == c["port_number"].iloc[0])
                   & (snap.waits["operational_status"].fillna("N/A") != "N/A")]
    if w.empty:
        return None
    at = at if at is not None else snap.cbp_as_of
    used = current_readings(w, at).tolist() if at is not None else [False] * len(w)
    rows = []
    for r, ok in zip(w.to_dict("records"), used):
        if r["stale_reading"]:
            wait = "stale (port closed)"
        elif pd.isna(r["delay_minutes"]):
            wait = f"no reading ({r['operational_status']})"
        else:
            wait = f"{int(r['delay_minutes'])} min"
        lanes = "" if pd.isna(r["lanes_open"]) else str(int(r["lanes_open"]))
        if not pd.isna(r["max_lanes"]):
            lanes = f"{lanes or '–'} of {int(r['max_lanes'])}"
        rows.append({"mode": MODE_NAMES.get(r["mode"], r["mode"]), "lane": LANE_NAMES.get(r["lane"], r["lane"]),
                     "wait": wait, "lanes open": lanes, "status": r["operational_status"],
                     "updated (local)": fmt_local(r["updated_at"]) if not pd.isna(r["updated_at"]) else "",
                     "at this time": "counts" if ok else "not current"})
    return pd.DataFrame(rows)


def events_display(ev: pd.DataFrame, crossings: pd.DataFrame | None = None) -> pd.DataFrame:
    """The events for the screen, key columns first: start, end, event, direction, the crossings by
    name (not port number), kind, modes, the first source and how many more, confidence, summary."""
    from .figures._events import crossing_names, crossings_text
    names = crossing_names(crossings)
    out = pd.DataFrame({
        "start": ev["start"].map(lambda t: fmt_local(t)),
        "end": ev["end"].map(lambda t: "ongoing / unknown" if pd.isna(t) else fmt_local(t)),
        "event": ev["title"],
        "direction": ev["direction"] if "direction" in ev.columns else "",
        "crossings": ev["crossings"].map(lambda cs: crossings_text(cs, names)),
        "kind": ev["kind"].str.replace("_", " "), "state": ev["state"],
        "modes": ev["modes"].map("; ".join),
        "source": ev["source_urls"].map(lambda u: safe_url(u[0]) if u else None),  # a link column: https only
        "more sources": ev["source_urls"].map(lambda u: max(len(u) - 1, 0)),
        "impact": [f"?impact={i}#closure-impact" if k in IMPACT_LINK_KINDS and d != "southbound" else None
                   for i, k, d in zip(ev["id"], ev["kind"], ev["direction"])],
        "confidence": ev["confidence"], "summary": ev["summary"],
    })
    return out.reset_index(drop=True)


def sources_markdown(ev: pd.DataFrame) -> str:
    """Every event with all its sources as markdown links (domain as the link text). Titles are escaped;
    only https URLs that :func:`dashboard.safe_text.safe_url` accepts become links."""
    lines = []
    for r in ev.to_dict("records"):
        links = ", ".join(md_link(domain(u) or u, u) for u in r["source_urls"])
        lines.append(f"- **{md(r['title'])}** ({md(fmt_local(r['start'], with_date=True)[:10])}): {links}")
    return "\n".join(lines)


def status_display(status: pd.DataFrame) -> pd.DataFrame:
    out = status[["state", "port_name", "crossing_name", "status", "reason", "notes", "modes_open", "modes_closed",
                  "modes_unknown", "port_status", "updated_at", "age_text", "hours", "event_ids", "port_number",
                  "crossing_id"]].copy()
    out["updated_at"] = out["updated_at"].map(lambda t: fmt_local(t) if not pd.isna(t) else "no reading at this time")
    for c in ("event_ids", "modes_open", "modes_closed", "modes_unknown"):
        out[c] = out[c].map("; ".join)
    return out.sort_values(["state", "port_name", "crossing_name"], na_position="first").reset_index(drop=True)


_EXPORT_STATE: dict[str, tuple[bool, str]] = {}


def export_available() -> tuple[bool, str]:
    """(True, '') when a Chrome/Chromium is found for image export; else (False, how to get one)."""
    if "v" not in _EXPORT_STATE:
        from .export import _unavailable_message, find_chrome
        path = find_chrome()
        _EXPORT_STATE["v"] = (True, "") if path else (False, _unavailable_message())
    return _EXPORT_STATE["v"]


# ------------------------------------------------------------------ image downloads
#: Width (CSS px) every chart is laid out and exported at: titles, legends and event tags are fitted to it.
IMAGE_WIDTH = 1200
#: Download sizes offered on the page: key -> (scale, label). 2x (2400 px wide) is the default: sharp on
#: screens and in print at column width; 1x for the web, 3x for large print.
IMAGE_SCALES = {"2x": (2, "2400 px wide (2×, default)"), "1x": (1, "1200 px wide (1×, web)"),
                "3x": (3, "3600 px wide (3×, print)")}
DEFAULT_IMAGE_SCALE = "2x"
#: What each chart is called on its download buttons (the buttons' accessible names).
CHART_NAMES = {"map": "status map", "volumes": "volumes chart", "compare": "comparison chart",
               "events": "events timeline", "waits": "lane waits chart"}


def image_bytes(fig: go.Figure, fmt: str, scale_key: str = DEFAULT_IMAGE_SCALE) -> bytes:
    """The figure as the page's download gives it: IMAGE_WIDTH wide, at the chosen scale (PNG only)."""
    from .export import get_renderer
    scale = IMAGE_SCALES.get(scale_key, IMAGE_SCALES[DEFAULT_IMAGE_SCALE])[0] if fmt == "png" else 1
    return get_renderer().render(fig, fmt=fmt, width=IMAGE_WIDTH, scale=scale)


# ------------------------------------------------------------------ crossings table
def crossings_waits_table(snap: Snapshot, status: pd.DataFrame, modes=("passenger", "pedestrian", "commercial", "rail"),
                          sort_lane: str | None = None) -> tuple[pd.DataFrame, dict]:
    """One row per crossing of ``status``: state, name, status, then the current wait (minutes, Int64;
    missing is NA, never 0) of every lane type of the chosen ``modes``, lanes open, the latest update
    (local) and the crossing id. ``sort_lane`` ("commercial-standard") puts the fastest first, crossings
    without a reading last. Returns the frame and its ``st.dataframe`` column config (name pinned)."""
    import streamlit as st

    from .url_state import LANE_NAMES, LANES
    lanes = [k for k in LANES if k.split("-")[0] in modes]
    w = snap.waits
    w = w[w["operational_status"].fillna("N/A") != "N/A"]
    key = w["mode"].astype(str) + "-" + w["lane"].astype(str)
    stale = w["stale_reading"].fillna(False).astype(bool) if "stale_reading" in w.columns else False
    minutes = w["delay_minutes"].astype("Int64").where(~stale)
    wide = pd.DataFrame({"port_number": w["port_number"].astype(str), "k": key, "v": minutes}) \
        .drop_duplicates(["port_number", "k"], keep="last") \
        .pivot(index="port_number", columns="k", values="v")
    rows = status.copy()
    rows["name"] = [f"{p} – {c}" if isinstance(c, str) and c and c.lower() != str(p).lower() else str(p)
                    for p, c in zip(rows["port_name"], rows["crossing_name"])]
    labels = {"open": "● Open", "partial": "◆ Partial", "closed": "✖ Closed", "unknown": "○ Unknown"}
    out = pd.DataFrame({"crossing": rows["name"].values, "state": rows["state"].values,
                        "status": rows["status"].map(labels).values})
    pn = rows["port_number"].astype("string")
    for k in lanes:
        col = wide[k] if k in wide.columns else pd.Series(dtype="Int64")
        out[LANE_NAMES[k]] = pd.array(pn.map(col.to_dict()).tolist(), dtype="Int64")
    out["updated (local)"] = rows["updated_at"].map(lambda t: fmt_local(t) if not pd.isna(t) else "").values
    out["crossing id"] = rows["crossing_id"].values
    if sort_lane in lanes:
        out = out.sort_values([LANE_NAMES[sort_lane], "state", "crossing"], na_position="last", kind="stable")
    else:
        out = out.sort_values(["state", "crossing"], kind="stable")
    config = {"crossing": st.column_config.TextColumn("crossing", pinned=True, width="medium"),
              "status": st.column_config.TextColumn("status", pinned=True, width="small"),
              **{LANE_NAMES[k]: st.column_config.NumberColumn(LANE_NAMES[k], format="%d min", width="small")
                 for k in lanes}}
    return out.reset_index(drop=True), config


def plain_title(fig: go.Figure) -> str:
    """The figure's title (and subtitle) as one line of plain text."""
    import re
    t = fig.layout.title
    text = (t.text or "") + (f" — {t.subtitle.text}" if t.subtitle and t.subtitle.text else "")
    return re.sub(r"<[^>]+>", " ", text).replace("\u00a0", " ").replace("  ", " ").strip()


def chart_alt(spec: ChartSpec) -> str:
    """The chart's accessible name: what it shows, and where its data table is."""
    return f"{CHART_NAMES.get(spec.name, spec.name).capitalize()}: {plain_title(spec.figure)}. " \
           "The data behind it: 'Show the data behind this chart' below, or its CSV download."


def without_title_and_caption(fig: go.Figure) -> go.Figure:
    """A copy for a phone's page: no title, subtitle or caption inside the figure (the page writes them as
    text that wraps) and the top margin they took given back."""
    from .figures.theme import title_px
    spec = fig.to_dict()
    lay = spec["layout"]
    t = lay.pop("title", {}) or {}
    sub = (t.get("subtitle") or {}).get("text")
    lay["margin"]["t"] = max(30, lay["margin"]["t"] - title_px(t.get("text"), sub) + 10)
    lay["annotations"] = [a for a in lay.get("annotations", []) if a.get("name") != "caption"]
    from .figures.theme import new_figure
    lay.pop("template", None)
    return new_figure(spec["data"], lay)
