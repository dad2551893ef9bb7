"""The "Closure impact" section of the page: pick a registry event (or open ``?impact=EVENT_ID``), see what
it cost at the closed crossing and what appeared at its neighbours, with the method and its limits; and
the outage candidates nobody recorded (from the monthly counts, and from the wait-time history when a
history store exists)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import impact_views as iv
from dashboard import views
from loaders.errors import BorderwatchError

URL_KEYS = ("impact", "impact_measure", "impact_level")


def url_state() -> dict[str, str]:
    """The section's part of the page address (kept by app.sync_url through Filters.extra)."""
    ss = st.session_state
    if "w_impact" not in ss:  # first run of the session: from the URL
        ss["w_impact"] = st.query_params.get("impact") or None
        ss["w_impact_measure"] = st.query_params.get("impact_measure") or None
        ss["w_impact_level"] = st.query_params.get("impact_level") or None
    out = {}
    for key in URL_KEYS:
        v = ss.get(f"w_{key}")
        if v:
            out[key] = str(v)
    return out


def keep_in_url(want: dict[str, str]) -> dict[str, str]:
    """``want`` (the filters' query) plus this section's keys, for app.sync_url."""
    return {**want, **url_state()}


@st.cache_resource(max_entries=32, show_spinner="Computing the closure's impact…")
def _chart(_snap, key: str, event_id: str, measure: str | None, level: str | None):
    return iv.impact_chart(_snap, event_id, measure=measure, level=level)


# The section reads only the snapshot's events and counts, never its waits. With the live feed on, the page
# gets a new Snapshot object on every rerun (loaders.snapshot.with_live_waits), so the per-snapshot memos of
# impact_views would be computed again each time (the impact table: seconds): these caches are keyed on the
# snapshot's id instead, which the live feed does not change ('<id>+live').
@st.cache_resource(max_entries=4, show_spinner=False)
def _menu_for(_snap, snapshot_id: str) -> tuple[list[str], dict[str, str]]:
    events = iv.impact_events(_snap)
    labels = {r["id"]: f"{r['start']:%Y-%m-%d} · {iv.event_label(r)}" for r in events.to_dict("records")}
    return events["id"].tolist(), labels


def _menu(snap) -> tuple[list[str], dict[str, str]]:
    """The event menu's ids (newest first) and labels, built once per snapshot (the section runs on every
    rerun of the page; the labels cost ~15 ms)."""
    return _menu_for(snap, snap.snapshot_id)


@st.cache_resource(max_entries=16, show_spinner="Computing the closure's impact…")
def _impact_for(_snap, snapshot_id: str, event_id: str):
    return iv.impact_for(_snap, event_id)


@st.cache_resource(max_entries=2, show_spinner="Looking for outages in the monthly counts…")
def _count_candidates(_snap, snapshot_id: str):
    return iv.count_candidates(_snap)


def closure_section(snap, export_ok: bool, chart_block) -> None:
    """Render the section. ``chart_block`` is the page's chart + downloads + table helper."""
    st.subheader("Closure impact: what a closure cost, and where the traffic went", anchor="closure-impact")
    ids, labels = _menu(snap)
    ss = st.session_state
    url_state()
    if ss.get("w_impact") not in [None] + ids:
        st.warning(f"Link: ignored impact={ss['w_impact']} (not a closure or suspension of the registry with counts)")
        ss["w_impact"] = None
    st.selectbox("Event", [None] + ids, key="w_impact", placeholder="Choose a closure or suspension",
                 format_func=lambda i: "Choose a closure or suspension…" if i is None else labels[i],
                 help="Also reachable from the events table (column 'impact') and from the address: ?impact=EVENT_ID")
    event_id = ss.get("w_impact")
    if not event_id:
        st.caption("Monthly counts at the closed crossing and its nearest neighbours against what the same months "
                   "of earlier years lead one to expect.")
        outage_candidates(snap)
        history_outages(snap)
        return
    try:
        imp = _impact_for(snap, snap.snapshot_id, event_id)
    except BorderwatchError as exc:
        st.info(str(exc))
        return
    levels = iv.levels(imp)
    if ss.get("w_impact_level") not in levels:
        ss["w_impact_level"] = levels[0]
    cols = st.columns([1, 2])
    cols[0].radio("Counts", levels, key="w_impact_level", horizontal=True,
                  format_func=lambda lv: "Bridge (TxDOT/UNT)" if lv == "bridge" else "Port (BTS)",
                  help="BTS counts whole ports; TxDOT/UNT counts each Texas bridge. Never added together.")
    level = ss["w_impact_level"]
    measures = imp.measures(level)
    if ss.get("w_impact_measure") not in measures:
        ss["w_impact_measure"] = iv.default_measure(imp, level)
    cols[1].selectbox("Measure", measures, key="w_impact_measure",
                      help="One measure at a time: vehicles, people and containers are never added.")
    measure = ss["w_impact_measure"]
    spec = _chart(snap, views.snapshot_key(snap), event_id, measure, level)
    chart_block(spec, key="impact_chart", export_ok=export_ok)
    st.markdown("**Over the event's months**")
    st.dataframe(iv.summary_display(imp, measure, level), hide_index=True, width="stretch")
    for note in imp.notes:
        st.info(note, icon=":material/info:")
    with st.expander("How this is computed, and its limits"):
        st.markdown(iv.METHOD_MD)
    outage_candidates(snap)
    history_outages(snap)


def outage_candidates(snap) -> None:
    """Crossing-months far below expectation with no event: candidates for the registry."""
    # a toggle, not an expander: a collapsed expander still runs (and this takes seconds the first time)
    if st.toggle("Outages nobody recorded: candidates from the monthly counts", key="w_count_candidates"):
        st.caption("Crossing-months at least 30% under the expectation and under its 80% band, with no registry "
                   "event at that place and mode (March 2020 – November 2021 excluded). A drop in counts is not "
                   "proof of a closure: each candidate needs a source. Copy the pre-filled line into "
                   "data/events.csv, then add the https source.")
        cand = _count_candidates(snap, snap.snapshot_id)
        show = cand[cand["status"] == "candidate"].copy()
        show["first_month"] = show["first_month"].dt.strftime("%Y-%m")
        show["last_month"] = show["last_month"].dt.strftime("%Y-%m")
        st.dataframe(show.drop(columns=["status", "location_id"]), hide_index=True, width="stretch")
        st.caption("Wait-time outages (port turning Closed, all lanes closed, a crossing vanishing from the feed) "
                   "need the history store: `borderwatch outages` lists them with their evidence.")


@st.cache_resource(max_entries=2, show_spinner="Looking for outages in the wait-time history…", ttl=300)
def _history_outages(_snap, snapshot_key: str, revision: str) -> pd.DataFrame | None:
    from analysis.outages import detect_outages
    from analysis.reconcile import reconcile
    readings = _history_readings()
    if readings is None or readings.empty:
        from dashboard.impact_cli import _embedded_readings
        readings = _embedded_readings()
    if readings is None or readings.empty:
        return None
    ids = dict(zip(_snap.crossings["port_number"], _snap.crossings["crossing_id"]))
    hours = {ids[p]: h for p, h in zip(_snap.waits["port_number"], _snap.waits["hours"]) if p in ids and isinstance(h, str)}
    from dashboard.impact_cli import stuck_is_meaningful
    det = detect_outages(readings, crossings=_snap.crossings, hours=hours, detect_stuck=stuck_is_meaningful(readings))
    return reconcile(det, _snap.events, _snap.crossings, readings)


def _history_source():
    try:
        from dashboard.sections import history as wait_history
    except ImportError:  # pragma: no cover - the history section is not installed
        return None
    return wait_history._source()


def _history_readings() -> pd.DataFrame | None:
    src = _history_source()
    if src is None:
        return None
    frame = getattr(src, "_r", None)
    if isinstance(frame, pd.DataFrame):
        return frame
    store = getattr(src, "store", None)
    return store.readings() if store is not None else None


def history_outages(snap) -> None:
    """Detections in the wait-time history, reconciled with the registry (a toggle: computed on demand)."""
    if not st.toggle("Outages nobody recorded: detections in the wait-time history", key="w_history_outages"):
        return
    src = _history_source()
    table = _history_outages(snap, views.snapshot_key(snap), src.revision() if src is not None else "embedded")
    if table is None or table.empty:
        st.caption("No outage detected in the history (scheduled nightly closures are left out).")
        return
    st.caption("confirmed: an event of the registry covers it · unrecorded: a candidate for curation (copy the "
               "pre-filled line into data/events.csv and add its source) · unsupported: an event during which "
               "the history shows lanes working.")
    st.dataframe(views.display_table(table), hide_index=True, width="stretch")
