"""From (readings, snapshot, choices) to what the History section and ``borderwatch history`` show: the
figures, the tables behind them and their captions. Pure functions (no Streamlit), so the page, the CLI
and the tests build the same charts from the same inputs.

``readings`` is a READINGS_COLUMNS frame (history/schema.py) from the history store, already limited to
what the view needs (one crossing and a date window, or the latest readings of every crossing).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import as_of, best_time, data_quality, lane_savings, nearby, wait_trend
from analysis.readings import LANE_NAMES, MODE_NAMES, crossing_tz, lane_label
from loaders.snapshot import Snapshot

from .views import ChartSpec, crossing_label, fmt_local

#: The CBP lanes a view can pick, in menu order: (mode, lane).
LANES = (("passenger", "standard"), ("passenger", "sentri"), ("passenger", "ready"),
         ("pedestrian", "standard"), ("pedestrian", "ready"), ("commercial", "standard"), ("commercial", "fast"))
TZ_LABELS = {"America/Los_Angeles": "Pacific time", "America/Phoenix": "Arizona time (MST, no DST)",
             "America/Denver": "Mountain time", "America/Chicago": "Central time"}
DEFAULT_WINDOW = pd.Timedelta(days=56)


@dataclass(frozen=True)
class HistoryChoice:
    """What one History view shows: a crossing, a lane, a window of CBP source times, an as-of instant."""
    crossing_id: str
    mode: str = "passenger"
    lane: str = "standard"
    tall: bool = False  # the heatmap with weekdays across and hours down (narrow screens)
    start: pd.Timestamp | None = None  # inclusive, UTC
    end: pd.Timestamp | None = None  # exclusive, UTC
    at: pd.Timestamp | None = None  # the as-of map and "nearby" time, UTC
    radius_km: float = nearby.DEFAULT_RADIUS_KM
    states: tuple[str, ...] = ("TX", "AZ", "CA")  # what the as-of map shows

    @property
    def lane_key(self) -> str:
        return f"{self.mode}:{self.lane}"


def lane_key(mode: str, lane: str) -> str:
    return f"{mode}:{lane}"


def parse_lane_key(key: str) -> tuple[str, str]:
    """'passenger:sentri' -> ('passenger', 'sentri'); ValueError for anything else."""
    pair = tuple(str(key).split(":", 1))
    if pair not in LANES:
        raise ValueError(f"unknown lane {key!r}; choose from {', '.join(lane_key(*p) for p in LANES)}")
    return pair  # type: ignore[return-value]


def lane_menu_label(key: str) -> str:
    mode, lane = parse_lane_key(key)
    return lane_label(mode, lane)


def tz_label(tz: str) -> str:
    return TZ_LABELS.get(tz, tz)


def _span_text(start, end, tz: str) -> str:
    if start is None and end is None:
        return "all readings"
    a = fmt_local(pd.Timestamp(start), tz)[:10] if start is not None else "first reading"
    b = fmt_local(pd.Timestamp(end) - pd.Timedelta(seconds=1), tz)[:10] if end is not None else "last reading"
    return f"{a} to {b}"


def sources_text(readings: pd.DataFrame) -> str:
    """'history store: cbp-sd-archive (… description …)' for the source line of an image."""
    try:
        from history.schema import SOURCES
    except ImportError:  # pragma: no cover - the store package ships with the app
        SOURCES = {}
    names = sorted(set(readings["source"].dropna().astype(str))) if len(readings) else []
    if not names:
        return "Borderwatch wait-time history (no readings)"
    return "Borderwatch wait-time history: " + "; ".join(
        f"{n} ({SOURCES[n]})" if n in SOURCES else n for n in names)


def wrap(caption: str, width: int = 150) -> str:
    """Each line of ``caption`` wrapped at ``width`` characters (captions are drawn inside the image, which
    does not wrap text by itself)."""
    import textwrap
    return "\n".join(w for line in caption.splitlines() for w in (textwrap.wrap(line, width) or [""]))


def source_line(readings: pd.DataFrame, revision: str) -> str:
    return f"Source: {sources_text(readings)} · store revision {revision}"


# ------------------------------------------------------------------ charts
def typical_panel(typical: pd.DataFrame | None, snap: Snapshot, choice: HistoryChoice) -> tuple[pd.DataFrame | None, str | None]:
    """CBP's typical waits (loaders.cbp_typical TYPICAL_COLUMNS) for the choice's crossing and lane, for the
    month in the middle of its window (CBP publishes per month): ``(weekday, hour, minutes)`` and its panel
    title, or ``(None, None)`` when CBP's file does not cover this crossing and lane."""
    if typical is None or typical.empty:
        return None, None
    ref = snap.crossings.set_index("crossing_id")
    if choice.crossing_id not in ref.index or pd.isna(ref.loc[choice.crossing_id, "port_number"]):
        return None, None
    tz = str(ref.loc[choice.crossing_id, "tz"])
    if choice.start is not None and choice.end is not None:
        mid = pd.Timestamp(choice.start) + (pd.Timestamp(choice.end) - pd.Timestamp(choice.start)) / 2
    else:
        mid = pd.Timestamp(choice.end or choice.start or pd.Timestamp.now(tz="UTC"))
    month = int(mid.tz_convert(tz).month)
    t = typical[(typical["port_number"] == str(ref.loc[choice.crossing_id, "port_number"]))
                & (typical["mode"] == choice.mode) & (typical["lane"] == choice.lane) & (typical["month"] == month)]
    if t.empty or t["typical_minutes"].isna().all():
        return None, None
    name = pd.Timestamp(2000, month, 1).strftime("%B")
    title = (f"CBP's typical waits for {name} (CBP's averages of the previous year, from CBP's "
             f"historicalwaittimes: not our readings)")
    return t.rename(columns={"typical_minutes": "minutes"})[["weekday", "hour", "minutes"]], title


def best_time_chart(snap: Snapshot, readings: pd.DataFrame, choice: HistoryChoice, revision: str, *,
                    typical: pd.DataFrame | None = None, typical_title: str | None = None,
                    min_readings: int = best_time.MIN_READINGS, tall: bool = False) -> ChartSpec:
    from .figures.best_time import make_best_time_figure
    tz = crossing_tz(snap.crossings, choice.crossing_id)
    table = best_time.best_time_table(readings, crossing_id=choice.crossing_id, mode=choice.mode,
                                      lane=choice.lane, tz=tz, start=choice.start, end=choice.end,
                                      min_readings=min_readings)
    n = int(table["n_readings"].sum())
    name = crossing_label(snap, choice.crossing_id)
    title = f"Best time to cross — {name}, {lane_label(choice.mode, choice.lane)}"
    caption = (f"Median wait of {n} CBP readings per weekday and hour ({tz_label(tz)}), "
               f"{_span_text(choice.start, choice.end, tz)}. {best_time.coverage_note(table, min_readings)}; "
               f"grey cells show how many readings they have.\n" + source_line(readings, revision))
    if typical is not None and len(typical):
        caption += " · CBP historicalwaittimes: CBP's averages of the previous year, shown apart, never mixed in"
    fig = make_best_time_figure(table, typical=typical, typical_title=typical_title, tz_label=tz_label(tz),
                                title=title, caption=wrap(caption, 60 if tall else 150), tall=tall)
    return ChartSpec("best_time", fig, table)


def trend_chart(snap: Snapshot, readings: pd.DataFrame, choice: HistoryChoice, revision: str, *,
                lanes: list[tuple[str, str]] | None = None) -> ChartSpec:
    from .figures.wait_trend import SHADE_AFTER, make_wait_trend_figure
    tz = crossing_tz(snap.crossings, choice.crossing_id)
    table = wait_trend.trend_table(readings, crossing_id=choice.crossing_id, tz=tz, lanes=lanes,
                                   start=choice.start, end=choice.end)
    sel = readings[readings["crossing_id"] == choice.crossing_id]
    outl = data_quality.outliers(sel)
    events = _crossing_events(snap, choice.crossing_id)
    name = crossing_label(snap, choice.crossing_id)
    n = int((table["kind"] == "reading").sum())
    caption = (f"{n} CBP readings, {_span_text(choice.start, choice.end, tz)}, {tz_label(tz)}. Lines break where "
               f"readings are more than {int(wait_trend.GAP_AFTER.total_seconds() // 60)} minutes apart; grey: no "
               f"reading of any lane for {SHADE_AFTER.total_seconds() / 3600:g} h or more; ticks under the plot: "
               f"readings without a number.\n" + source_line(readings, revision) + " · events: project registry")
    fig = make_wait_trend_figure(table, tz_label=tz_label(tz), events=events, outliers=outl,
                                 gap_spans=wait_trend.gap_spans(table), tz=tz,
                                 title=f"Wait trend — {name}", caption=wrap(caption))
    return ChartSpec("trend", fig, table)


def savings_chart(snap: Snapshot, readings: pd.DataFrame, choice: HistoryChoice, revision: str) -> ChartSpec:
    from .figures.lane_savings import make_lane_savings_figure
    tz = crossing_tz(snap.crossings, choice.crossing_id)
    mode = choice.mode if choice.mode in ("passenger", "pedestrian") else "passenger"
    pairs = lane_savings.savings_pairs(readings, crossing_id=choice.crossing_id, tz=tz, mode=mode,
                                       start=choice.start, end=choice.end)
    table = lane_savings.savings_table(pairs)
    overall = lane_savings.overall_saving(pairs)
    summary = "; ".join(f"{LANE_NAMES[k]} saves {v['median_saved_minutes']:.0f} min (median of {v['n_pairs']} pairs)"
                        for k, v in overall.items()) or "no paired readings"
    name = crossing_label(snap, choice.crossing_id)
    caption = (f"{MODE_NAMES[mode]}: standard minus the faster lane at the same CBP update time, median per hour "
               f"({tz_label(tz)}), {_span_text(choice.start, choice.end, tz)}; hours with fewer than "
               f"{lane_savings.MIN_PAIRS} pairs have no bar. Overall: {summary}.\n" + source_line(readings, revision))
    fig = make_lane_savings_figure(table, tz_label=tz_label(tz),
                                   title=f"What SENTRI/NEXUS and Ready Lane save — {name}", caption=wrap(caption))
    return ChartSpec("savings", fig, table)


def as_of_waits(snap: Snapshot, latest: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    """The WAITS_COLUMNS frame of the history's readings nearest before ``at``."""
    return as_of.waits_as_of(latest, snap.crossings, at)


def as_of_status(snap: Snapshot, waits: pd.DataFrame, at: pd.Timestamp, states=("TX", "AZ", "CA")) -> pd.DataFrame:
    from analysis.status import crossing_status
    return crossing_status(waits, snap.events, snap.crossings, at, states=states)


def nearby_chart(snap: Snapshot, latest: pd.DataFrame, choice: HistoryChoice, revision: str, *,
                 at: pd.Timestamp, live_waits: pd.DataFrame | None = None) -> ChartSpec:
    """Fastest nearby at ``at``: from ``live_waits`` (a WAITS_COLUMNS frame) when given, else from history."""
    from .figures.nearby import make_nearby_figure
    waits = live_waits if live_waits is not None else as_of_waits(snap, latest, at)
    status = as_of_status(snap, waits, at)
    table = nearby.nearby_table(snap.crossings, status, waits, crossing_id=choice.crossing_id, at=at,
                                mode=choice.mode, lane=choice.lane, radius_km=choice.radius_km)
    tz = crossing_tz(snap.crossings, choice.crossing_id)
    name = crossing_label(snap, choice.crossing_id)
    where = "live CBP feed" if live_waits is not None else "history, readings nearest before that time"
    caption = (f"Crossings within {choice.radius_km:g} km (great circle) that have {MODE_NAMES[choice.mode].lower()}; "
               f"current {LANE_NAMES[choice.lane]} wait as of {fmt_local(at, tz)} ({where}); a reading counts "
               f"only while the status rules call it current.\n" + source_line(latest, revision))
    fig = make_nearby_figure(table, title=f"Fastest nearby — {name}, {lane_label(choice.mode, choice.lane)}",
                             caption=wrap(caption))
    return ChartSpec("nearby", fig, table)


def as_of_map_chart(snap: Snapshot, latest: pd.DataFrame, at: pd.Timestamp, revision: str,
                    states=("TX", "AZ", "CA")) -> tuple[ChartSpec, dict]:
    """The status map at ``at`` from history, and the counts for the page's sentence."""
    from .figures import make_status_map_figure, status_map_table
    waits = as_of_waits(snap, latest, at)
    status = as_of_status(snap, waits, at, states)
    table = status_map_table(status, snap.crossings, waits=waits, states=states)
    asof = as_of.readings_as_of(latest, at, crossings=snap.crossings)
    summary = as_of.as_of_summary(asof) if len(asof) else {"crossings_with_reading": 0, "crossings_recent": 0}
    at = pd.Timestamp(at)
    if at.tzinfo is None:
        when = f"{at:%Y-%m-%d %H:%M} local time at each crossing"
        title = f"Border crossing status from wait-time history — as of {when}"
    else:
        when = " · ".join(dict.fromkeys(fmt_local(at, z) for z in ("America/Los_Angeles", "America/Phoenix",
                                                                 "America/Denver", "America/Chicago")))
        title = f"Border crossing status from wait-time history — as of {fmt_local(at, 'UTC')}"
    caption = (f"As of {when}: each lane's reading nearest before that time, judged by the same freshness rules "
               f"as the live feed; unknown where no reading is recent enough or none exists. "
               f"{summary['crossings_with_reading']} crossings have a reading before this time.\n"
               + source_line(latest, revision) + " · events: project registry")
    fig = make_status_map_figure(status, snap.crossings, table=table, waits=waits, states=states, title=title,
                                 caption=wrap(caption))
    return ChartSpec("history_map", fig, table), {**summary, "status": status}


def quality_view(snap: Snapshot, readings: pd.DataFrame, choice: HistoryChoice) -> tuple[pd.DataFrame, dict]:
    tz = crossing_tz(snap.crossings, choice.crossing_id)
    card = data_quality.quality_card(readings, crossing_id=choice.crossing_id, tz=tz, start=choice.start,
                                     end=choice.end)
    return data_quality.quality_table(card), card


def _crossing_events(snap: Snapshot, crossing_id: str) -> pd.DataFrame:
    from .filters import Filters
    from .views import CHART_EVENT_KINDS, events_frame
    ev = events_frame(snap, Filters(crossing=crossing_id))
    return ev[ev["kind"].isin(CHART_EVENT_KINDS)]


def default_window(last: pd.Timestamp | None) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The DEFAULT_WINDOW before the last reading (whole local days are the page's business)."""
    if last is None or pd.isna(last):
        return None, None
    end = pd.Timestamp(last).tz_convert("UTC").floor("D") + pd.Timedelta(days=1)
    return end - DEFAULT_WINDOW, end
