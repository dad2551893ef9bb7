"""Borderwatch: the Streamlit page. It only arranges widgets and calls loaders, views and chart builders.

Run with ``borderwatch run`` (or ``make run``), which starts Streamlit on 127.0.0.1 with static serving on
(the offline basemap) and usage statistics off.
"""
from __future__ import annotations

import datetime as dt
import gc

import pandas as pd
import pyarrow as pa
import streamlit as st

# pyarrow's default mimalloc pool keeps ~20-30 MB of freed memory for itself after the snapshot loads;
# the system allocator gives it back (borderwatch run also sets ARROW_DEFAULT_MEMORY_POOL=system).
pa.set_memory_pool(pa.system_memory_pool())

# The icon is an emoji on purpose: a ":material/..." page icon makes the browser fetch the favicon from
# fonts.gstatic.com, and nothing may leave the machine.
st.set_page_config(page_title="Borderwatch — U.S.–Mexico border crossings", page_icon="🛂",
                   layout="wide", initial_sidebar_state="auto")  # "auto": collapsed on a phone

from dashboard import live, status_detail, views, warm  # noqa: E402
from dashboard.safe_text import md  # noqa: E402  (every data-derived text on the page goes through md())
from dashboard.figures.theme import STATUS_STYLE  # noqa: E402
from dashboard.sections import history as wait_history  # noqa: E402
from dashboard.sections import impact as closure  # noqa: E402
from dashboard.filters import FAMILIES, MODES, Filters  # noqa: E402
from dashboard.regions import REGIONS, region_name  # noqa: E402
from dashboard.sections.how_to_read import how_to_read  # noqa: E402
from dashboard.url_state import DEFAULT_SOURCE, LANE_NAMES, LANES, TABS, ViewState, plain, unknown_values  # noqa: E402
from loaders.config import STATES, get_settings  # noqa: E402
from loaders.errors import BorderwatchError  # noqa: E402
from loaders.snapshot import Snapshot, has_refreshed, load_snapshot, refreshed_dir  # noqa: E402

STATE_NAMES = {"TX": "Texas", "AZ": "Arizona", "CA": "California"}
MODE_NAMES = {"passenger": "Passenger vehicles", "pedestrian": "Pedestrians", "commercial": "Commercial",
              "rail": "Rail"}
STATUS_SYMBOL = {"open": "●", "partial": "◆", "closed": "✖", "unknown": "○"}
PLOTLY_CONFIG = {"topojsonURL": "app/static/topojson/", "displaylogo": False, "responsive": True}
LIVE_TTL_S = 300
PHONE_WIDTH, PHONE_MAP_HEIGHT = 390, 620


def is_phone() -> bool:
    """A phone browser (by its User-Agent): the map is fitted to a tall narrow box, titles become text.
    Read once per session (st.context.headers costs ~4 ms, and the page asks once per chart)."""
    if "_is_phone" not in st.session_state:
        ua = (st.context.headers or {}).get("User-Agent", "") or ""
        st.session_state["_is_phone"] = any(k in ua for k in ("Mobi", "iPhone", "Android"))
    return st.session_state["_is_phone"]


# ------------------------------------------------------------------ data (cached)
@st.cache_resource(show_spinner="Loading the snapshot…", max_entries=4)
def cached_snapshot(data_dir: str, manifest_mtime: float) -> Snapshot:
    """A read-only snapshot, loaded once per server and shared by every session (never mutated).
    ``manifest_mtime`` makes a new ``borderwatch refresh`` visible without a restart."""
    snap = warm.take(data_dir, manifest_mtime) or load_snapshot(data_dir)
    # Streamlit runs a full gc.collect() after every script run; walking the snapshot's ~150k long-lived
    # objects cost 50-90 ms per rerun. Move them out of the collector's reach (they live as long as the server).
    gc.collect()
    gc.freeze()
    return snap


def snapshot_at(path) -> Snapshot:
    return cached_snapshot(str(path), warm.manifest_mtime(path))


@st.cache_data(ttl=LIVE_TTL_S, show_spinner="Fetching the live CBP feed…", max_entries=2)
def live_waits(_crossings: pd.DataFrame, snapshot_id: str, feed_url: str,
               _previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """The live CBP feed, re-fetched at most every 5 minutes; given up on within a few seconds when the
    network is not there (loaders.auto_source), raising BorderwatchError with the reason."""
    from loaders.auto_source import try_live_waits
    # st.cache_data keeps only successes: a failure is remembered for live.FAILURE_TTL_S so that a dead
    # feed costs one timeout, not one per rerun or per click on "Live" (dashboard/live.py).
    key = f"{feed_url}|{snapshot_id}"
    remembered = live.recent_failure(key)
    if remembered:
        raise BorderwatchError(remembered)
    waits, reason = try_live_waits(_crossings, settings=live.page_settings(), previous=_previous)
    if waits is None:
        raise BorderwatchError(live.remember_failure(key, reason or "no answer"))
    return waits


@st.cache_data(max_entries=32, show_spinner=False)
def status_all_states(_snap: Snapshot, snapshot_key: str, at: str | None) -> pd.DataFrame:
    """Status of every crossing x mode at ``at``: it depends on the time only, so state and mode changes
    reuse it (each only rolls it up again)."""
    pre = warm.precomputed("status", snapshot_key, at)
    return pre if pre is not None else views.mode_frame(_snap, Filters(at=at))


@st.cache_resource(max_entries=16, show_spinner=False)
def status_every_state(_snap: Snapshot, snapshot_key: str, at: str | None, modes: tuple) -> pd.DataFrame:
    """Every crossing judged on ``modes`` at ``at``: a crossing's roll-up does not depend on the states shown."""
    f = Filters(at=at, modes=modes)
    return views.select_status(_snap, status_all_states(_snap, snapshot_key, at), f)


@st.cache_resource(max_entries=64, show_spinner=False)
def status_for(_snap: Snapshot, snapshot_key: str, query: tuple) -> pd.DataFrame:
    """The crossings judged on the view's states and modes (read-only): a States change only filters."""
    f = Filters.from_query(dict(query))
    return views.only_states(status_every_state(_snap, snapshot_key, f.at, tuple(f.modes)), f.states)


@st.cache_resource(max_entries=64, show_spinner=False)
def chart_for(_snap: Snapshot, snapshot_key: str, query: tuple, name: str) -> views.ChartSpec | None:
    """Figures are pure functions of (data, filters): build each once per distinct view."""
    pre = warm.precomputed(name, snapshot_key, query)
    if pre is not None:  # the default view, built while the browser was loading the page
        return pre
    f = Filters.from_query(dict(query))
    if name == "map":
        return views.map_chart(_snap, f, status_for(_snap, snapshot_key, query))
    if name == "map-phone":  # fitted to a tall, narrow plot box
        return views.map_chart(_snap, f, status_for(_snap, snapshot_key, query), fit_width=PHONE_WIDTH,
                               height=PHONE_MAP_HEIGHT)
    if name == "volumes":
        return views.volumes_chart(_snap, f)
    if name == "compare":
        return views.compare_chart(_snap, f)
    if name == "events":
        return views.events_chart(_snap, f)
    if name == "waits":
        return views.waits_chart(_snap, f, f.crossing) if f.crossing else None
    raise ValueError(name)


# ------------------------------------------------------------------ URL <-> widgets
def _query_dict() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params.keys()}


def init_widgets(snap: Snapshot) -> None:
    """On a session's first run, set every widget from the URL (a shared link reopens the same view)."""
    if st.session_state.get("_init"):
        return
    q = _query_dict()
    f = Filters.from_query(q)
    vs = ViewState.from_query(q)
    measures = {m for fam in FAMILIES for m in views.family_measures(snap, fam)}
    st.session_state["_url_warnings"] = (*f.warnings, *vs.warnings, *unknown_values(
        q, crossings=set(snap.crossings["crossing_id"]), measures=measures))
    months = views.month_options(snap)
    start, end = views.effective_months(snap, f)
    start = start if start in months else months[0]
    end = end if end in months else months[-1]
    st.session_state.update({
        "w_states": list(f.states), "w_modes": list(f.modes), "w_crossing": f.crossing,
        "_months_initial": (start, end), "w_family": f.family, "w_measure": f.measure, "w_group": f.group_by,
        "w_at_on": bool(f.at), "w_source": vs.source, "w_ports": list(f.ports), "w_img": views.DEFAULT_IMAGE_SCALE,
        "w_view": TABS[vs.tab], "w_lane": vs.lane, "w_region": f.region,
    })
    if f.at:
        ts = pd.Timestamp(f.at)
        st.session_state["w_at_date"] = ts.date()
        st.session_state["w_at_time"] = ts.time() if len(f.at) > 10 else dt.time(12, 0)
    else:
        st.session_state["w_at_date"] = (snap.cbp_as_of or pd.Timestamp.now(tz="UTC")).date()
        st.session_state["w_at_time"] = dt.time(12, 0)
    st.session_state["_init"] = True


def filters_from_widgets(snap: Snapshot) -> Filters:
    ss = st.session_state
    start, end = ss["w_months"]
    months = views.month_options(snap)
    default_start, default_end = views.DEFAULT_START, months[-1]
    at = None
    if ss["w_at_on"]:
        d, t = ss["w_at_date"], ss["w_at_time"]
        at = d.isoformat() if t == dt.time(12, 0) else f"{d.isoformat()}T{t.strftime('%H:%M')}"
    return Filters(
        states=tuple(s for s in STATES if s in ss["w_states"]) or STATES,
        crossing=ss["w_crossing"] or None,
        modes=tuple(m for m in MODES if m in ss["w_modes"]) or MODES,
        start=None if start == default_start else start,
        end=None if end == default_end else end,
        at=at, family=ss["w_family"], measure=ss["w_measure"] or None,
        group_by=ss["w_group"] if ss["w_measure"] else "measure",
        region=ss.get("w_region") or None, ports=tuple(ss.get("w_ports") or ()),
    )


def view_state() -> ViewState:
    ss = st.session_state
    tab = next((k for k, label in TABS.items() if label == ss.get("w_view")), "volumes")
    return ViewState(tab=tab, source=ss.get("w_source", DEFAULT_SOURCE), lane=ss.get("w_lane") or None)


def sync_url(f: Filters) -> None:
    want = closure.keep_in_url(wait_history.keep_in_url({**f.to_query(), **view_state().to_query()}))
    if {k: st.query_params.get(k) for k in st.query_params.keys()} != want:
        st.query_params.from_dict(want)


def _on_map_select() -> None:
    """A click on a map marker selects that crossing (customdata[0] is its crossing_id)."""
    state = st.session_state.get("map_chart")
    try:
        points = state["selection"]["points"]
    except (KeyError, TypeError):
        return
    for p in points:
        cd = p.get("customdata")
        if cd:
            st.session_state["w_crossing"] = cd[0] if isinstance(cd, (list, tuple)) else cd
            return


# ------------------------------------------------------------------ building blocks
def chart_block(spec: views.ChartSpec | None, *, key: str, export_ok: bool, **chart_kw) -> None:
    """A chart, its PNG/SVG/CSV downloads, and the table of exactly what is plotted."""
    if spec is None:
        st.info("Nothing to draw for this selection.")
        return
    alt = views.chart_alt(spec)
    fig = spec.figure
    if is_phone():
        # plotly cannot wrap a title to a phone's width: the page shows title and source as text instead
        st.markdown(f"**{plain(views.plain_title(fig))}**")
        fig = views.without_title_and_caption(fig)
    st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG, theme=None, alt=alt, **chart_kw)
    stem = views.export_stem(spec.name, spec.figure)
    what = views.CHART_NAMES.get(spec.name, spec.name)
    cols = st.columns([1.3, 1.3, 1.5, 2.4])
    if export_ok:
        scale = st.session_state.get("w_img", views.DEFAULT_IMAGE_SCALE)

        def render(fmt: str, fig=spec.figure) -> bytes:
            return views.image_bytes(fig, fmt, scale)

        # the labels name the chart: a screen reader hears "Download the status map as PNG", not "PNG" x 5
        cols[0].download_button(f"PNG: {what}", data=lambda: render("png"), file_name=f"{stem}.png", mime="image/png",
                                key=f"{key}_png", icon=":material/image:", on_click="ignore",
                                help=f"Download the {what} as a PNG image, {views.IMAGE_SCALES[scale][1]}")
        cols[1].download_button(f"SVG: {what}", data=lambda: render("svg"), file_name=f"{stem}.svg", mime="image/svg+xml",
                                key=f"{key}_svg", icon=":material/draw:", on_click="ignore",
                                help=f"Download the {what} as an SVG vector image")
    cols[2].download_button(f"CSV: {what} data", data=lambda t=spec.table: views.table_csv(t), file_name=f"{stem}.csv",
                            mime="text/csv", help=f"Download the data behind the {what} as CSV",
                            key=f"{key}_csv", icon=":material/table:", on_click="ignore")
    # A toggle, not an expander: a collapsed expander still ships its table to the browser on every run.
    if cols[3].toggle("Show the data behind this chart", key=f"{key}_table"):
        st.dataframe(views.display_table(spec.table), hide_index=True, width="stretch")


def events_table(ev: pd.DataFrame, crossings: pd.DataFrame | None = None) -> None:
    """The events with start, end and name pinned (the rest scrolls), a clickable first source, and
    every source behind an expander."""
    st.dataframe(views.events_display(ev, crossings), hide_index=True, width="stretch",
                 alt="Closures, suspensions and policy events with their dates and sources",
                 column_config={
                     "start": st.column_config.TextColumn("start", pinned=True, width="small"),
                     "event": st.column_config.TextColumn("event", pinned=True, width="medium"),
                     "source": st.column_config.LinkColumn("source", display_text=r"https?://(?:www\.)?([^/]+)"),
                     "impact": st.column_config.LinkColumn("impact", display_text="show impact")})
    with st.expander(f"All sources ({sum(len(u) for u in ev['source_urls'])} links)"):
        st.markdown(views.sources_markdown(ev))


#: Streamlit draws captions at 60 % opacity (about 3.7:1 on white): below WCAG's 4.5:1 for text (axe-core
#: flags it). The project's muted ink instead (6.4:1).
A11Y_CSS = "<style>[data-testid=stCaptionContainer]{color:#57606a !important;opacity:1 !important}</style>"


def header(snap: Snapshot, f: Filters, status: pd.DataFrame, live_error: str | None,
           refresh_error: str | None = None) -> None:
    st.html(A11Y_CSS)
    st.title("Borderwatch")
    st.caption("Status of every U.S.–Mexico border crossing in Texas, Arizona and California, lane-level waits, "
               "monthly crossing volumes and a sourced registry of closures and suspensions.")
    for w in st.session_state.get("_url_warnings", ()):
        st.warning(f"Link: {plain(w)}", icon=":material/link_off:")  # URL text: shown literally
    if refresh_error:
        st.error(plain(f"Data source unavailable — showing the embedded snapshot instead. {refresh_error}"))
    as_of = snap.cbp_as_of
    zones = views.as_of_local_summary(snap, f.states)
    age = (pd.Timestamp.now(tz="UTC") - as_of) if as_of is not None else None
    if live_error:  # one plain banner, the source control already back on the snapshot
        st.warning(plain(f"The live CBP feed could not be reached — showing the snapshot of {zones} "
                         f"({snap.label}). Reason: {live_error}"), icon=":material/cloud_off:")
    elif snap.label != "live CBP feed":
        st.warning(f"**Snapshot, not live** ({snap.label}). CBP wait times as of {zones}. "
                   f"Use *Data source → Live CBP feed* in the sidebar when this machine is online.",
                   icon=":material/history:")
    elif age is not None and age > pd.Timedelta(hours=2):
        st.warning(f"The live feed's data is older than 2 hours (as of {md(zones)}).", icon=":material/schedule:")
    else:
        since = st.session_state.get("_live_since")
        st.success(f"Live CBP feed, as of {zones}"
                   + (f" (live since {views.fmt_local(since, 'UTC', with_date=False)})." if since is not None else "."),
                   icon=":material/sensors:")
    if f.at:
        st.info(f"Status evaluated **as of {md(f.at)}** (local time at each crossing). Curated events apply; "
                f"wait-time readings count for 4 hours, so far from a capture crossings without an event are "
                f"*unknown* (\"no reading at this time\", naming the latest capture).", icon=":material/event:")
    counts = views.status_counts(status)
    if is_phone():  # four stacked metrics would push the map a screen down
        st.markdown(" · ".join(f"{STATUS_SYMBOL[k]} {STATUS_STYLE[k]['label']} **{counts[k]}**"
                               for k in ("open", "partial", "closed", "unknown")))
        return
    cols = st.columns(4)
    for col, key in zip(cols, ("open", "partial", "closed", "unknown")):
        col.metric(f"{STATUS_SYMBOL[key]} {STATUS_STYLE[key]['label']}", counts[key])
    status_detail.status_help()


def crossing_detail(snap: Snapshot, f: Filters, status: pd.DataFrame, qkey: tuple, skey: str,
                    export_ok: bool) -> None:
    st.subheader("Crossing detail")
    if not f.crossing:
        st.caption("Choose a crossing in the sidebar, or click its marker on the map.")
        return
    # one column: in half the page the lanes table cut off its status and update time
    left = right = st.container(key="crossing_detail")
    with left:
        row = status[status["crossing_id"] == f.crossing]
        st.markdown(f"**{md(views.crossing_label(snap, f.crossing))}**")
        modes = views.mode_display(snap, status_all_states(snap, skey, f.at), f.crossing)
        status_detail.crossing_status_block(row.iloc[0] if len(row) else None, modes, views.fmt_local)
        lanes = views.lanes_table(snap, f.crossing, views.at_instant(snap, f))
        if lanes is not None:
            st.dataframe(lanes, hide_index=True, width="stretch", alt="Lanes of the selected crossing",
                         column_config={"mode": st.column_config.TextColumn("mode", pinned=True),
                                        "lane": st.column_config.TextColumn("lane", pinned=True)})
        else:
            st.caption("CBP publishes no wait times for this crossing (rail, dam or ferry crossing).")
    with right:
        ev = views.events_frame(snap, f)
        if len(ev):
            st.markdown("**Events at this crossing**")
            events_table(ev, snap.crossings)
        else:
            st.caption("No events in the registry for this crossing.")
    w = chart_for(snap, skey, qkey, "waits")
    if w is not None:
        with st.expander("Lane wait chart"):
            chart_block(w, key="waits_chart", export_ok=export_ok)


def crossings_table(snap: Snapshot, f: Filters, status: pd.DataFrame) -> None:
    """Every crossing with its status and current wait per lane type: click a column to sort (fastest
    first); the chosen lane is kept in the address (?lane=commercial-standard)."""
    st.selectbox("Fastest first by lane", [None, *LANES], key="w_lane",
                 format_func=lambda k: "Sort by state and name" if k is None else LANE_NAMES[k],
                 help="Or click any column header to sort by it.")
    table, config = views.crossings_waits_table(snap, status, f.modes, sort_lane=st.session_state.get("w_lane"))
    st.dataframe(table, hide_index=True, width="stretch", column_config=config,
                 alt="Crossings with their status and current wait in minutes for each lane type")
    st.caption("Waits in minutes as CBP reports them; blank = no reading (lane closed, update pending or no "
               "such lane), never 0. Times are local to each crossing.")


# ------------------------------------------------------------------ page
def main() -> None:
    settings = get_settings()
    try:
        base = snapshot_at(settings.data_dir)
    except BorderwatchError as exc:
        st.error(f"Cannot load the embedded data: {md(exc)}")
        st.stop()
    init_widgets(base)

    sources = ["live", "embedded"] + (["refreshed"] if has_refreshed(settings) else [])
    names = {"embedded": "Embedded snapshot", "refreshed": "Last refresh", "live": "Live CBP feed"}
    # The live attempt comes before the source control is drawn: when the feed cannot be reached the
    # control goes back to the snapshot, and one banner says so (header()).
    snap, live_error = base, None
    if st.session_state.get("w_source") == "live":
        try:
            snap = live.live_snapshot(base, live_waits(base.crossings, base.snapshot_id, settings.cbp_json_url,
                                                  base.waits))
            st.session_state.setdefault("_live_since", pd.Timestamp.now(tz="UTC"))
        except BorderwatchError as exc:
            live_error = str(exc)
            st.session_state["w_source"] = "embedded"
    with st.sidebar:
        st.header("Filters")
        if st.session_state.get("w_source") not in sources:
            st.session_state["_url_warnings"] = (*st.session_state.get("_url_warnings", ()),
                                                 "ignored source=refreshed (no borderwatch refresh on this machine)")
            st.session_state["w_source"] = DEFAULT_SOURCE
        st.radio("Data source", sources, key="w_source", horizontal=True, format_func=names.__getitem__,
                 help="Live fetches the CBP feed (cached 5 minutes) and falls back to the embedded snapshot "
                      "within a few seconds when it cannot be reached. The embedded snapshot works offline. "
                      "'Last refresh' is what `borderwatch refresh` saved.")
    refresh_error = None
    if st.session_state["w_source"] == "refreshed":
        try:
            snap = snapshot_at(refreshed_dir(settings))
        except BorderwatchError as exc:
            refresh_error = f"The refreshed snapshot cannot be read ({exc})."

    with st.sidebar:
        st.multiselect("States", list(STATES), key="w_states", format_func=lambda s: STATE_NAMES[s])
        states = tuple(s for s in STATES if s in st.session_state["w_states"]) or STATES
        options = [None] + views.crossing_options(snap, states)
        if st.session_state.get("w_crossing") not in options:
            st.session_state["w_crossing"] = None
        st.selectbox("Crossing", options, key="w_crossing", placeholder="All crossings",
                     format_func=lambda c: "All crossings" if c is None else views.crossing_label(snap, c))
        st.multiselect("Modes", list(MODES), key="w_modes", format_func=lambda m: MODE_NAMES[m])
        st.selectbox("Map area", [None, *REGIONS], key="w_region", format_func=region_name,
                     help="Zoom the map to a cluster of crossings: every crossing there gets its name.")
        # Seeded through value= (not session_state): AppTest loses a range slider's state otherwise.
        st.select_slider("Months (volume charts)", options=views.month_options(snap), key="w_months",
                         value=st.session_state["_months_initial"])
        st.toggle("Show status at another time", key="w_at_on",
                  help="See the map as it was, e.g. 2023-12-20: Lukeville, PedWest and Morley Gate closed.")
        if st.session_state["w_at_on"]:
            st.date_input("Date", key="w_at_date", min_value=dt.date(1996, 1, 1), max_value=dt.date(2100, 1, 1))
            st.time_input("Local time at each crossing", key="w_at_time", step=dt.timedelta(minutes=30))
        st.radio("Volumes: measure family", list(FAMILIES), key="w_family", horizontal=True,
                 help="BTS measures count different units; they are never added together.")
        measures = views.family_measures(snap, st.session_state["w_family"])
        if st.session_state.get("w_measure") not in [None] + measures:
            st.session_state["w_measure"] = None
        st.selectbox("Measure", [None] + measures, key="w_measure", placeholder="Every measure of the family",
                     format_func=lambda m: "Every measure of the family" if m is None else m)
        if st.session_state["w_measure"]:
            st.radio("Lines per", ["measure", "state", "port"], key="w_group", horizontal=True)
        from dashboard.sections.volume_ports import ports_filter
        ports_filter(snap, states)
        st.radio("Image downloads", list(views.IMAGE_SCALES), key="w_img",
                 format_func=lambda k: views.IMAGE_SCALES[k][1],
                 help="Size of the PNG downloads under each chart (SVG is a vector image at any size).")
        st.caption("Every filter is kept in the page address: copy it to share this view.")

    f = filters_from_widgets(snap)
    sync_url(f)
    qkey, skey = views.query_key(f), views.snapshot_key(snap)
    export_ok, export_msg = views.export_available()

    status = status_for(snap, skey, qkey)
    header(snap, f, status, live_error, refresh_error)
    how_to_read()
    if not export_ok:
        st.caption(f":material/block: Image export unavailable: {md(export_msg)}")

    # The map takes the full width: it is fitted (and its labels placed) for a wide plot box.
    chart_block(chart_for(snap, skey, qkey, "map-phone" if is_phone() else "map"), key="map_chart", export_ok=export_ok,
                on_select=_on_map_select, selection_mode="points")
    crossing_detail(snap, f, status, qkey, skey, export_ok)

    # Only the open tab is built (tabs track state): a filter change pays for the map and one chart.
    t_vol, t_cmp, t_ev, t_tab = st.tabs(list(TABS.values()), key="w_view", on_change="rerun")
    if t_vol.open:
        with t_vol:
            st.caption("Monthly northbound counts: a Texas crossing's own TxDOT/UNT bridge counts, otherwise BTS "
                       "port counts (the title says \"port total\" and names the crossings it includes). Shaded "
                       "spans are closures and suspensions of the modes shown; BTS publishes about a quarter late.")
            chart_block(chart_for(snap, skey, qkey, "volumes"), key="volumes_chart", export_ok=export_ok)
    if t_cmp.open:
        with t_cmp:
            st.caption("One measure, one panel per state or port, each on its own scale.")
            chart_block(chart_for(snap, skey, qkey, "compare"), key="compare_chart", export_ok=export_ok)
    if t_ev.open:
        with t_ev:
            chart_block(chart_for(snap, skey, qkey, "events"), key="events_chart", export_ok=export_ok)
            st.markdown("**Events and their sources**")
            events_table(views.events_frame(snap, f), snap.crossings)
    if t_tab.open:
        with t_tab:
            crossings_table(snap, f, status)
    wait_history.history_section(snap, f, export_ok, chart_block)
    closure.closure_section(snap, export_ok, chart_block)
    st.caption(md(views.source_line(snap, cbp=True, bts=True, events=True, states=f.states))
               + " · CBP and BTS data are U.S. government works. Times are local to each crossing.")


main()
