"""The "Wait-time history" section of the page: best time to cross, wait trend, what SENTRI/Ready saves,
fastest nearby, the status map at any past time, and a data-quality card, from the history store.

The section is closed on the plain page (a toggle opens it; ``?history=1`` or any of its keys in a link opens
it too), so neither the first draw nor reruns elsewhere on the page build or send its charts. Controls live
in the page address (``?hcrossing=ca-san-ysidro&hlane=passenger:standard&hfrom=2026-09-01
&hto=2026-10-01&hat=2026-09-02T07:30``; ``hat`` without a zone is the crossing's wall clock) and only the
open tab's chart is built. Menus and charts are cached per (store, store revision, and what each chart reads:
crossing, lane, window; the as-of map also the page's states and the as-of time), so a rerun that changes
nothing of that costs dictionary look-ups, and a new poll or import (a new revision) is seen at the next rerun.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import history_views as hv
from dashboard import views
from dashboard.safe_text import md

URL_KEYS = ("hcrossing", "hlane", "hfrom", "hto", "hat", "htall", "history")
TABS = ("Best time to cross", "Wait trend", "SENTRI / Ready savings", "Fastest nearby", "Map at a past time",
        "Data quality")


# ------------------------------------------------------------------ the store
class HistorySource:
    """What the section reads: the history store (``history.store.Store``) behind three calls, so tests can
    hand the section a frame instead (:class:`FrameSource`)."""

    label = "history store"
    #: Which history this is (with :meth:`revision`, the key of the page's caches: two stores can both be at
    #: 'poll-3').
    cache_id = "history"

    def revision(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def latest(self, at: pd.Timestamp | None = None) -> pd.DataFrame:  # pragma: no cover
        raise NotImplementedError

    def readings(self, crossing_id: str, start=None, end=None) -> pd.DataFrame:  # pragma: no cover
        raise NotImplementedError


class FrameSource(HistorySource):
    """A READINGS_COLUMNS frame held in memory (tests, and a history loaded from an export file)."""

    def __init__(self, readings: pd.DataFrame, label: str = "history frame"):
        self._r = readings
        self.label = label
        self.cache_id = f"frame:{label}"
        last = readings["collected_at"].max() if len(readings) else None
        self._rev = f"{len(readings)} rows to {last:%Y-%m-%d %H:%M} UTC" if last is not None else "empty"

    def revision(self) -> str:
        return self._rev

    def latest(self, at=None) -> pd.DataFrame:
        r = self._r if at is None else self._r[self._r["source_time"] <= at]
        from analysis.readings import latest_revisions
        r = latest_revisions(r).sort_values("source_time", kind="stable")
        return r.drop_duplicates(["crossing_id", "mode", "lane"], keep="last").reset_index(drop=True)

    def readings(self, crossing_id, start=None, end=None) -> pd.DataFrame:
        from analysis.readings import select
        return select(self._r, crossing_id, start=start, end=end)


class StoreSource(HistorySource):
    """The real store: SQLite in BORDERWATCH_HOME or PostgreSQL (BORDERWATCH_DB)."""

    def __init__(self, store):
        self.store = store
        self.label = "history store"
        self.cache_id = f"store:{store.url}"

    def revision(self) -> str:
        """'poll-N' for the newest poll or import (every reading is written by one), 'empty' before any.
        One ``max(poll_id)`` query (the page asks on every rerun: ``Store.polls`` builds a frame, ~20 ms)."""
        import sqlalchemy as sa
        from history import tables
        with self.store.read() as conn:
            last = conn.execute(sa.select(sa.func.max(tables.polls.c.poll_id))).scalar()
        return "empty" if last is None else f"poll-{int(last)}"

    def latest(self, at=None) -> pd.DataFrame:
        return self.store.latest(at)

    def readings(self, crossing_id, start=None, end=None) -> pd.DataFrame:
        return self.store.readings(crossing_ids=[crossing_id], start=start, end=end)


#: A readings file ('borderwatch history export' CSV/Parquet) to show instead of the store, read-only.
HISTORY_FILE_ENV = "BORDERWATCH_HISTORY_FILE"


def open_source() -> HistorySource | None:
    """The history the page shows: the file named by $BORDERWATCH_HISTORY_FILE, else the history store;
    None when there is none (no store package, or no readable store)."""
    path = os.environ.get(HISTORY_FILE_ENV, "").strip()
    if path:
        from dashboard.history_analysis_cli import read_readings_file
        return FrameSource(read_readings_file(Path(path)), label=path)
    try:
        from history.embedded import open_history
    except ImportError:
        return None
    try:
        # the installation's store, seeded with the embedded history (data/history) on first use
        return StoreSource(open_history())
    except Exception:  # noqa: BLE001 - a missing or unreadable store: the section says so
        return None


@st.cache_resource(max_entries=1, show_spinner=False, ttl=60)
def _source() -> HistorySource | None:
    return open_source()


# ------------------------------------------------------------------ cached data and charts
@st.cache_resource(max_entries=1, show_spinner=False)
def _typical(data_dir: str):
    """CBP's typical waits shipped in data/ (None when absent or unreadable: the panel is then left out)."""
    try:
        from loaders.cbp_typical import load_typical
        return load_typical()
    except Exception:  # noqa: BLE001 - an optional panel never breaks the section
        return None


@st.cache_resource(max_entries=8, show_spinner=False)
def _latest(_src: HistorySource, source_id: str, revision: str, at: str | None) -> pd.DataFrame:
    return _src.latest(pd.Timestamp(at) if at else None)


@st.cache_resource(max_entries=16, show_spinner="Reading the wait-time history…")
def _readings(_src: HistorySource, source_id: str, revision: str, crossing_id: str, start: str | None,
              end: str | None):
    return _src.readings(crossing_id, pd.Timestamp(start) if start else None, pd.Timestamp(end) if end else None)


#: What each chart reads of a HistoryChoice beyond crossing, lane and window: only the as-of map draws the
#: page's states, only the map and 'nearby' use the as-of time. The rest is blanked before the cache look-up,
#: so a States change elsewhere on the page does not rebuild the heatmap.
_CHOICE_USES = {"map": ("at", "states"), "nearby": ("at",), "nearby_live": ()}
_BLANK = hv.HistoryChoice(crossing_id="")


def chart_key(name: str, choice: hv.HistoryChoice) -> hv.HistoryChoice:
    """``choice`` with what chart ``name`` does not read set to the defaults (its cache key)."""
    uses = _CHOICE_USES.get(name, ())
    blank = {k: getattr(_BLANK, k) for k in ("at", "states") if k not in uses}
    return dataclasses.replace(choice, **blank) if blank else choice


def _chart(src: HistorySource, snap, snapshot_key: str, revision: str, name: str, choice: hv.HistoryChoice):
    """Chart ``name`` for ``choice``, built once per (snapshot, store revision, what the chart reads)."""
    return _cached_chart(src, snap, snapshot_key, src.cache_id, revision, name, chart_key(name, choice))


@st.cache_resource(max_entries=64, show_spinner=False)
def _cached_chart(_src: HistorySource, _snap, snapshot_key: str, source_id: str, revision: str, name: str,
                  choice: hv.HistoryChoice):
    s = lambda t: t.isoformat() if t is not None else None  # noqa: E731
    if name == "nearby_live":  # the live feed is on: 'now' is the feed's own time
        at = _snap.cbp_as_of
        live = hv.HistoryChoice(crossing_id=choice.crossing_id, mode=choice.mode, lane=choice.lane, at=at,
                                radius_km=choice.radius_km)
        return hv.nearby_chart(_snap, _latest(_src, _src.cache_id, revision, None).iloc[:0], live, revision, at=at,
                               live_waits=_snap.waits)
    if name in ("map", "nearby"):
        latest = _latest(_src, _src.cache_id, revision, s(choice.at))
        if name == "map":
            return hv.as_of_map_chart(_snap, latest, choice.at, revision, states=choice.states)
        return hv.nearby_chart(_snap, latest, choice, revision, at=choice.at)
    r = _readings(_src, _src.cache_id, revision, choice.crossing_id, s(choice.start), s(choice.end))
    if name == "best_time":
        typical, typical_title = hv.typical_panel(_typical(str(_snap.data_dir)), _snap, choice)
        return hv.best_time_chart(_snap, r, choice, revision, tall=choice.tall, typical=typical,
                                  typical_title=typical_title)
    if name == "trend":
        return hv.trend_chart(_snap, r, choice, revision)
    if name == "savings":
        return hv.savings_chart(_snap, r, choice, revision)
    if name == "quality":
        return hv.quality_view(_snap, r, choice)
    raise ValueError(name)


@dataclasses.dataclass(frozen=True)
class Menu:
    """The section's menus for one store revision: crossings with history (by name), their lanes, each
    crossing's last reading (UTC) and its menu label ('San Ysidro (CA) — last reading 2026-10-11 23:55')."""
    crossings: list[str]
    lanes_by: dict[str, list[str]]
    last_by: dict[str, pd.Timestamp]
    labels: dict[str, str]


@st.cache_resource(max_entries=4, show_spinner=False)
def _menu(_src: HistorySource, _snap, snapshot_key: str, source_id: str, revision: str) -> Menu:
    """Built once per (snapshot, store revision): a new poll or import is a new revision, so a new menu."""
    latest = _latest(_src, _src.cache_id, revision, None)
    crossings = sorted(set(latest["crossing_id"].dropna()), key=lambda c: views.crossing_label(_snap, c))
    present = set(latest[["crossing_id", "mode", "lane"]].dropna().itertuples(index=False, name=None))
    lanes_by = {c: [hv.lane_key(m, ln) for m, ln in hv.LANES if (c, m, ln) in present] for c in crossings}
    last_by = latest.groupby("crossing_id")["source_time"].max().to_dict()
    labels = {c: f"{views.crossing_label(_snap, c)} — last reading "
                 f"{views.fmt_local(last_by[c], snap_tz(_snap, c))[:16]}" for c in crossings}
    return Menu(crossings, lanes_by, last_by, labels)


# ------------------------------------------------------------------ URL <-> widgets
def url_state() -> dict[str, str]:
    """The section's part of the page address, from its widgets (what differs from the defaults). Until the
    section has read a link (its first run), the link's own values are kept as they came."""
    ss = st.session_state
    if "_h_url" not in ss:
        ss["_h_url"] = {k: st.query_params.get(k) for k in URL_KEYS if st.query_params.get(k)}
        # a link into the section (any of its keys, or history=1) opens it; the plain page has it closed
        ss.setdefault("w_hshow", bool(ss["_h_url"]) and ss["_h_url"].get("history") != "0")
    if not ss.get("w_hshow"):
        return {}
    if not ss.get("_h_seeded"):
        return _open_flag(dict(ss["_h_url"]))
    d = ss.get("_h_defaults", {})
    now = {"hcrossing": ss.get("w_hcrossing"), "hlane": ss.get("w_hlane"),
           "hfrom": ss["w_hfrom"].isoformat() if ss.get("w_hfrom") else None,
           "hto": ss["w_hto"].isoformat() if ss.get("w_hto") else None,
           "hat": (f"{ss['w_hat_date'].isoformat()}T{ss['w_hat_time'].strftime('%H:%M')}"
                   if ss.get("w_hat_on") and ss.get("w_hat_date") and ss.get("w_hat_time") else None),
           "htall": "1" if ss.get("w_htall") else None}
    return _open_flag({k: str(v) for k, v in now.items() if v and v != d.get(k)})


def _open_flag(keys: dict[str, str]) -> dict[str, str]:
    """The open section's keys; ``history=1`` alone when every choice is the default (the link still opens it)."""
    keys = {k: v for k, v in keys.items() if k != "history"}
    return keys or {"history": "1"}


def keep_in_url(want: dict[str, str]) -> dict[str, str]:
    """``want`` (the filters' query) plus this section's keys, for app.sync_url."""
    return {**want, **url_state()}


def _write_url() -> None:
    """This run's choices into the address now (app.sync_url keeps them on later runs)."""
    want = url_state()
    for k in URL_KEYS:
        if k in want and st.query_params.get(k) != want[k]:
            st.query_params[k] = want[k]
        elif k not in want and k in st.query_params:
            del st.query_params[k]


def _parse_url(crossings: list[str], lanes_by_crossing: dict[str, list[str]]) -> None:
    """Seed the widgets once from the address, reporting what had to be ignored."""
    ss = st.session_state
    if ss.get("_h_seeded"):
        return
    ss["_h_seeded"] = True
    url = ss.get("_h_url", {})
    bad = []
    c = url.get("hcrossing")
    if c and c in crossings:
        ss["w_hcrossing"] = c
    elif c:
        bad.append(f"hcrossing={c} (no history for it)")
    lane = url.get("hlane")
    if lane:
        ss["_h_want_lane"] = lane
    for key, wkey in (("hfrom", "w_hfrom"), ("hto", "w_hto")):
        if url.get(key):
            try:
                ss[wkey] = dt.date.fromisoformat(url[key])
            except ValueError:
                bad.append(f"{key}={url[key]} (use YYYY-MM-DD)")
    if url.get("htall") in ("1", "true", "yes"):
        ss["w_htall"] = True
    if url.get("hat"):
        try:
            t = pd.Timestamp(url["hat"])
            ss["w_hat_date"], ss["w_hat_time"] = t.date(), t.time().replace(second=0, microsecond=0)
            ss["w_hat_on"] = True
        except ValueError:
            bad.append(f"hat={url['hat']} (use e.g. 2026-09-02T07:30)")
    ss["_h_warnings"] = bad


# ------------------------------------------------------------------ page
def history_section(snap, f, export_ok: bool, chart_block, source: HistorySource | None = None) -> None:
    """Render the section. ``f`` are the page's filters (its crossing preselects ours); ``chart_block`` is the
    page's chart + downloads + table helper; ``source`` defaults to the history store."""
    st.subheader("Wait-time history: when to cross, and what it was like then", anchor="wait-history")
    src = source if source is not None else _source()
    url_state()
    if src is None:
        st.info("No wait-time history on this machine yet. `borderwatch history import PATH` loads an archive, "
                "`borderwatch collect --every 300` records the live feed.", icon=":material/history:")
        return
    revision = src.revision()
    latest = _latest(src, src.cache_id, revision, None)
    if latest.empty:
        st.info("The history store is empty. `borderwatch history import PATH` or `borderwatch collect` fills it.",
                icon=":material/history:")
        return
    ss = st.session_state
    menu = _menu(src, snap, views.snapshot_key(snap), src.cache_id, revision)
    crossings, lanes_by, last_by = menu.crossings, menu.lanes_by, menu.last_by
    # Closed until asked for (or linked to): the charts, their controls and downloads are then neither built
    # nor sent, so the page's first draw and every rerun elsewhere on it do not pay for them.
    newest = max(last_by.values())
    st.toggle(f"Show the wait-time history ({len(crossings)} crossings, newest reading "
              f"{views.fmt_local(newest, 'UTC')})", key="w_hshow",
              help="Best time to cross, wait trend, SENTRI/Ready savings, fastest nearby, the map at a past time "
                   "and data quality, from the history store. Kept in the address (history=1).")
    if not ss.get("w_hshow"):
        # its widgets are not drawn, so Streamlit forgets their values: reopening starts from the defaults
        ss.pop("_h_for", None)
        return
    _parse_url(crossings, lanes_by)
    for w in ss.pop("_h_warnings", []):
        st.warning(f"Link: ignored {md(w)}")  # URL-derived: escaped
    if ss.get("w_hcrossing") not in crossings:
        ss["w_hcrossing"] = f.crossing if f.crossing in crossings else crossings[0]

    c1, c2, c3, c4 = st.columns([2.2, 1.6, 1, 1])
    c1.selectbox("Crossing (with history)", crossings, key="w_hcrossing", format_func=menu.labels.__getitem__)
    cid = ss["w_hcrossing"]
    lanes = lanes_by[cid]
    want = ss.pop("_h_want_lane", None)
    if want in lanes:
        ss["w_hlane"] = want
    elif want:
        st.warning(f"Link: ignored hlane={md(want)} (this crossing has no such lane in the history)")
    if ss.get("w_hlane") not in lanes:
        ss["w_hlane"] = lanes[0]
    c2.selectbox("Lane", lanes, key="w_hlane", format_func=hv.lane_menu_label)
    mode, lane = hv.parse_lane_key(ss["w_hlane"])
    tz = snap_tz(snap, cid)
    d_start, d_end = hv.default_window(last_by[cid])
    if ss.get("_h_for") != cid:  # a new crossing opens on its own latest weeks (a link's days on first run)
        first = ss.get("_h_for") is None
        if not first or "w_hfrom" not in ss:
            ss["w_hfrom"] = d_start.tz_convert(tz).date()
        if not first or "w_hto" not in ss:
            ss["w_hto"] = (d_end - pd.Timedelta(seconds=1)).tz_convert(tz).date()
        ss["_h_for"] = cid
    c3.date_input("From", key="w_hfrom", help="First day (local time at the crossing)")
    c4.date_input("To", key="w_hto", help="Last day, included")
    start = pd.Timestamp(ss["w_hfrom"]).tz_localize(tz).tz_convert("UTC")
    end = (pd.Timestamp(ss["w_hto"]) + pd.Timedelta(days=1)).tz_localize(tz).tz_convert("UTC")
    if end <= start:
        st.warning("The 'To' day is before the 'From' day: showing the default window.")
        start, end = d_start, d_end
    at = _as_of_time(latest, tz, cid, last_by)
    choice = hv.HistoryChoice(crossing_id=cid, mode=mode, lane=lane, start=start, end=end, at=at,
                              states=tuple(f.states))
    ss["_h_defaults"] = {"hcrossing": f.crossing if f.crossing in crossings else crossings[0], "hlane": lanes[0],
                         "hfrom": d_start.tz_convert(tz).date().isoformat(),
                         "hto": (d_end - pd.Timedelta(seconds=1)).tz_convert(tz).date().isoformat()}
    _write_url()

    skey = views.snapshot_key(snap)
    tabs = st.tabs(list(TABS), key="w_htab", on_change="rerun")
    t_best, t_trend, t_save, t_near, t_map, t_q = tabs
    if t_best.open:
        with t_best:
            cols = st.columns([4, 1])
            cols[0].caption(f"Median of our readings per weekday and hour, {hv.tz_label(tz)}. A cell needs "
                            f"{hv.best_time.MIN_READINGS} readings; fewer are left blank (grey shows how many), never "
                            f"estimated.")
            cols[1].toggle("Tall layout", key="w_htall", help="Weekdays across, hours down: fits a phone screen")
            tall = hv.HistoryChoice(**{**choice.__dict__, "tall": bool(ss.get("w_htall"))})
            chart_block(_chart(src, snap, skey, revision, "best_time", tall), key="h_best_chart",
                        export_ok=export_ok)
    if t_trend.open:
        with t_trend:
            chart_block(_chart(src, snap, skey, revision, "trend", choice), key="h_trend_chart", export_ok=export_ok)
    if t_save.open:
        with t_save:
            st.caption("Only readings of both lanes at the same CBP update time are compared.")
            chart_block(_chart(src, snap, skey, revision, "savings", choice), key="h_savings_chart",
                        export_ok=export_ok)
    if t_near.open:
        with t_near:
            live = snap.label == "live CBP feed" and not ss.get("w_hat_on")
            if live:
                st.caption(f"Now, from the live CBP feed, within {choice.radius_km:g} km. Turn on 'Choose the "
                           f"as-of time' to see another time from the history.")
            else:
                st.caption(f"As of {views.fmt_local(at, tz)} (from the history; switch the data source to the live "
                           f"feed for now), within {choice.radius_km:g} km.")
            chart_block(_chart(src, snap, skey, revision, "nearby_live" if live else "nearby", choice),
                        key="h_nearby_chart", export_ok=export_ok)
    if t_map.open:
        with t_map:
            spec, summary = _chart(src, snap, skey, revision, "map", choice)
            st.info(f"Status **as of {views.fmt_local(at, tz)}** from the wait-time history: each lane's reading "
                    f"nearest before that time, judged with the live feed's freshness rules. "
                    f"{summary['crossings_with_reading']} crossings have a reading before then, "
                    f"{summary['crossings_recent']} within {_usable_hours()}; the rest are unknown.",
                    icon=":material/history:")
            chart_block(spec, key="h_map_chart", export_ok=export_ok)
    if t_q.open:
        with t_q:
            table, card = _chart(src, snap, skey, revision, "quality", choice)
            _quality_card(table, card, tz)


def _usable_hours() -> str:
    from analysis.status import USABLE_FOR
    return f"{USABLE_FOR.total_seconds() / 3600:g} hours"


def snap_tz(snap, crossing_id: str) -> str:
    """The crossing's IANA zone (a dict look-up: the selectbox asks once per option on every rerun);
    ValueError for a crossing the reference does not have, as ``analysis.readings.crossing_tz``."""
    zones = views.memo(snap, "crossing_tz", lambda: dict(zip(snap.crossings["crossing_id"],
                                                             snap.crossings["tz"].astype(str))))
    try:
        return zones[crossing_id]
    except KeyError:
        from analysis.readings import crossing_tz
        return crossing_tz(snap.crossings, crossing_id)  # raises with the message


def _as_of_time(latest: pd.DataFrame, tz: str, cid: str, last_by) -> pd.Timestamp:
    """The as-of instant for the map and 'nearby': chosen by the user, else the crossing's last reading."""
    ss = st.session_state
    with st.container(horizontal=True):
        st.toggle("Choose the as-of time", key="w_hat_on",
                  help="The map and 'fastest nearby' use the readings nearest before this time "
                       "(default: the selected crossing's last reading).")
        if ss.get("w_hat_on"):
            last_local = pd.Timestamp(last_by[cid]).tz_convert(tz)
            ss.setdefault("w_hat_date", last_local.date())
            ss.setdefault("w_hat_time", last_local.time().replace(second=0, microsecond=0))
            st.date_input("As-of day", key="w_hat_date")
            st.time_input("Local time at the crossing", key="w_hat_time", step=dt.timedelta(minutes=30))
    if ss.get("w_hat_on"):
        naive = pd.Timestamp(dt.datetime.combine(ss["w_hat_date"], ss["w_hat_time"]))
        return naive.tz_localize(tz, ambiguous=False, nonexistent="shift_forward").tz_convert("UTC")
    return pd.Timestamp(last_by[cid]).tz_convert("UTC")


def _quality_card(table: pd.DataFrame, card: dict, tz: str) -> None:
    cols = st.columns(4)
    pct = lambda x: "–" if x is None else f"{100 * x:.0f}%"  # noqa: E731
    cols[0].metric("Coverage", pct(card["coverage"]),
                   help="Share of local clock hours in the window with at least one reading")
    cols[1].metric("Update Pending", pct(card["share_update_pending"]))
    cols[2].metric("Median age", "–" if card["median_age_minutes"] is None else f"{card['median_age_minutes']:.0f} min",
                   help="How long after CBP's update time the reading was collected")
    cols[3].metric("Outliers flagged", card["outliers"])
    shown = table.copy()
    shown["value"] = [views.fmt_local(v, tz) if isinstance(v, pd.Timestamp) else v for v in shown["value"]]
    st.dataframe(shown.astype({"value": "string"}), hide_index=True, width="stretch")
    st.download_button("CSV: data-quality card", data=views.table_csv(shown), file_name=f"borderwatch-quality-{card['crossing_id']}.csv",
                       mime="text/csv", key="h_quality_csv", icon=":material/table:", on_click="ignore")
    if len(card["outlier_rows"]):
        st.markdown("**Flagged outliers** (kept in the data, off the trend's scale)")
        st.dataframe(views.display_table(card["outlier_rows"]), hide_index=True, width="stretch")
    if len(card["flat_rows"]):
        st.markdown("**Long flat runs**")
        st.dataframe(views.display_table(card["flat_rows"]), hide_index=True, width="stretch")
