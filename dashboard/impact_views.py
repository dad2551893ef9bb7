"""From (snapshot, event id) to the closure-impact figure, its tables and captions; and the outage
candidates. Pure functions shared by the page section (dashboard/sections/impact.py), the CLI
(dashboard/impact_cli.py) and the export."""
from __future__ import annotations

import pandas as pd

from analysis.counts import LEVEL_LABEL, bridge_counts, port_counts
from analysis.impact import IMPACT_KINDS, Impact, event_impact

from .views import ChartSpec, fmt_local, memo

#: The measure shown first for each mode (port level: BTS names; bridge level: TxDOT names contain these).
PRIMARY = {"passenger": ("Personal Vehicles", "Passenger Vehicles"), "pedestrian": ("Pedestrians",),
           "commercial": ("Trucks", "Commercial Trucks"), "rail": ("Trains", "Railcars")}

METHOD_MD = """
**How the expectation is computed.** For each month, *expected* is the same calendar month of up to four
earlier years, each scaled by the trend: the last 12 months before the event divided by the same months of
that year (months touched by other closures at the place are left out). The shaded band is an 80 %
prediction interval from the spread of those yearly estimates: how much an ordinary year varies. Months of
March 2020 – November 2021 (U.S. land-border restrictions) are never used as reference.

**Where traffic could go.** Neighbours are the nearest ports (or bridges) that count the same measure,
by straight-line distance between the points of the crossings table (road distance is longer). The share
of the lost traffic seen at the neighbours is their total excess over the event's months divided by the
closed crossing's deficit; its band comes from repeating the computation with each reference year.

**Limits.** Counts are monthly: a closure of a few days is a small part of a month and often inside the
band (the rail suspensions of 18–22 Dec 2023). Months the event covers only partly are marked and say how
many days were open. Counts are northbound only. BTS counts whole **ports** (Eagle Pass = Bridge I + Bridge II
+ the rail bridge): where one bridge of a port closes, port counts show only the port's net change, and the
TxDOT/UNT **bridge** counts (Texas) show the bridges separately; the two sources count differently and are
never added. BTS counted Ysleta inside El Paso until February 2020: reference months are never paired across
March 2020 there. Other causes in the same months (holidays, exchange rates, weather, other closures,
migration operations) are not modelled: an excess at a neighbour is consistent with diversion, not proof of it.
"""


def closure_counts(snap) -> pd.DataFrame:
    """Port-level (BTS) and, where the snapshot has them, bridge-level (TxDOT/UNT) monthly counts."""
    def build():
        parts = [port_counts(snap.volumes)]
        bridge = _bridge_frame(snap)
        if bridge is not None and len(bridge):
            parts.append(bridge_counts(bridge, snap.crossings))
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return memo(snap, "closure_counts", build)


def _bridge_frame(snap):
    for name in ("bridges", "bridge_volumes", "txdot"):
        v = getattr(snap, name, None)
        if isinstance(v, pd.DataFrame):
            return v
    v = snap.extra.get("bridge_volumes")
    return v if isinstance(v, pd.DataFrame) else None


def impact_events(snap) -> pd.DataFrame:
    """Registry events whose impact can be measured: a span (not a reopening), northbound, starting before
    the last counted month. Newest first."""
    def build():
        ev = snap.events
        last = snap.volumes["month"].max()
        ok = ev["kind"].isin(IMPACT_KINDS) & (ev["direction"] != "southbound")
        ok &= ev["start"].map(lambda t: pd.Timestamp(t.year, t.month, 1) <= last)
        return ev[ok].sort_values("start", ascending=False, key=lambda s: s.map(lambda t: t.tz_convert("UTC")))
    return memo(snap, "impact_events", build)


def impact_for(snap, event_id: str) -> Impact:
    return memo(snap, ("impact", event_id), lambda: event_impact(
        event_id, events=snap.events, crossings=snap.crossings, counts=closure_counts(snap)))


def levels(impact: Impact) -> list[str]:
    """Levels with a closed location, bridge first (it is the sharper view where it exists)."""
    have = set(impact.summary.loc[impact.summary["role"] == "closed", "level"])
    return [lv for lv in ("bridge", "port") if lv in have]


def default_measure(impact: Impact, level: str) -> str:
    measures = impact.measures(level)
    for mode in _modes(impact):
        for name in PRIMARY.get(mode, ()):
            if name in measures:
                return name
    return measures[0]


def _modes(impact: Impact) -> list[str]:
    from analysis.impact import event_crossings, event_modes  # noqa: F401
    modes = list(impact.event["modes"])
    return ["passenger", "pedestrian", "commercial", "rail"] if "all" in modes else modes


def event_label(ev: dict) -> str:
    from .figures._events import date_span_text
    start = ev["start"].tz_localize(None)
    end = None if pd.isna(ev["end"]) else ev["end"].tz_localize(None)
    return f"{ev['title']} ({date_span_text(start, end)})"


def headline(summary: pd.DataFrame, measure: str, level: str) -> str:
    """One sentence in words: what the closed crossing lost and what the neighbours gained."""
    s = summary[(summary["measure"] == measure) & (summary["level"] == level)]
    closed = s[s["role"] == "closed"]
    if closed.empty:
        return ""
    c = closed.iloc[0]
    unit = str(c["unit"])
    months = _months_text(str(c["months"]))
    if pd.isna(c["difference"]):
        return f"No complete count for {months}."
    d = int(c["difference"])
    lo, hi = c["difference_low"], c["difference_high"]  # observed - high, observed - low
    clear_loss = d < 0 and not pd.isna(hi) and hi < 0
    if d >= 0:
        text = f"{c['location']} shows no deficit in {months} ({_signed(d)} {unit} vs expected)."
    elif not clear_loss:
        band = "" if pd.isna(lo) else f" (band {_signed(lo)} to {_signed(hi)})"
        text = (f"{c['location']}: {_signed(d)} {unit} vs expected in {months}{band} — within an ordinary "
                "year's variation: monthly counts show no measurable loss.")
    else:
        band = "" if pd.isna(lo) else f" (80% band {-int(hi):,}–{-int(lo):,})"
        text = f"{c['location']}: about {-d:,} fewer {unit} than expected in {months}{band}."
    n = s[s["role"] == "neighbours"]
    if len(n) and clear_loss:
        r = n.iloc[0]
        slo, shi = r["share_low"], r["share_high"]
        if not pd.isna(slo) and slo <= 0 <= shi:
            text += (f" At the neighbours together: {_signed(r['difference'])} — inside their normal variation, "
                     "so monthly counts cannot show where the traffic went.")
        elif not pd.isna(r["share_of_lost"]):
            text += f" The neighbours together: {_signed(r['difference'])}, {100 * r['share_of_lost']:.0f}% of the loss"
            text += "." if pd.isna(slo) else f" (80% band {100 * slo:.0f}%–{100 * shi:.0f}%)."
    return text


def _signed(n) -> str:
    return f"{int(n):+,}".replace("-", "−")


def _months_text(span: str) -> str:
    a, _, b = span.partition("..")
    fa = pd.Timestamp(a + "-01").strftime("%b %Y")
    fb = pd.Timestamp(b + "-01").strftime("%b %Y")
    return fa if a == b else f"{fa} – {fb}"


def impact_caption(snap, impact: Impact, level: str) -> str:
    ev = impact.event
    src = ("BTS Border Crossing Entry Data (monthly, whole ports)" if level == "port"
           else "TxDOT/UNT CBP northbound counts per Texas bridge (monthly)")
    thr = closure_counts(snap)
    thr = thr.loc[thr["level"] == level, "month"].max()
    import textwrap
    lines = [f"Event: {ev['title']}, {fmt_local(ev['start'])} to "
             f"{'ongoing' if pd.isna(ev['end']) else fmt_local(ev['end'])} (registry id {ev['id']}).",
             "Expected: same month of up to 4 earlier years × the trend of the 12 months before; band: 80% prediction "
             "interval from the spread of those years. Open circles: months the event covers only partly. "
             "Monthly, northbound counts; other causes are not modelled.",
             f"Source: {src} through {thr:%b %Y} · events: project registry · snapshot {snap.snapshot_id}"]
    return "\n".join(w for line in lines for w in textwrap.wrap(line, 105))


def impact_chart(snap, event_id: str, *, measure: str | None = None, level: str | None = None) -> ChartSpec:
    """The impact figure and its table for one event, measure and level (defaults: bridge level where
    it exists, the mode's primary measure). Raises BorderwatchError / ValueError for bad choices."""
    from loaders.errors import BorderwatchError

    from .figures.impact import impact_table, make_impact_figure
    imp = impact_for(snap, event_id)
    lv = levels(imp)
    level = level or lv[0]
    if level not in lv:
        raise BorderwatchError(f"no {level}-level counts for event {event_id!r} (have: {', '.join(lv)})")
    measure = measure or default_measure(imp, level)
    if measure not in imp.measures(level):
        raise BorderwatchError(f"measure {measure!r} not affected by {event_id!r} at {level} level "
                               f"(have: {', '.join(imp.measures(level))})")
    table = impact_table(imp.months, measure=measure, level=level)
    closed = table.loc[table["role"] == "closed", "location"].iloc[0]
    n = table.loc[table["role"] == "neighbour", "location"].nunique()
    unit = str(table["unit"].iloc[0])
    import textwrap
    sub = "<br>".join(textwrap.wrap(headline(imp.summary, measure, level), 110))
    nb = "its nearest neighbour" if n == 1 else f"its {n} nearest neighbours"
    head = "<br>".join(textwrap.wrap(f"{imp.event['title']}: {measure}, {closed} and {nb}", 80))
    title = f"{head}<br><span style='font-size:13px'>{sub}</span>"
    fig = make_impact_figure(imp.months, imp.summary, measure=measure, level=level, event_start=imp.event["start"],
                             event_label=f"{imp.event['kind'].replace('_', ' ').capitalize()} (shaded): "
                                         f"{event_label(imp.event).rsplit('(', 1)[-1].rstrip(')')}",
                             event_end=None if pd.isna(imp.event["end"]) else imp.event["end"], table=table,
                             other_events=_other_events(snap, imp, table),
                             title=title, caption=impact_caption(snap, imp, level))
    return ChartSpec("impact", fig, table)


def _other_events(snap, imp: Impact, table: pd.DataFrame) -> list[dict]:
    """Other registry events at the closed location in the chart's months (the notes' "also: ..."), as spans."""
    ids = set()
    for note in table.loc[table["role"] == "closed", "note"]:
        for part in str(note).split("; "):
            if part.startswith("also: "):
                ids.update(part[len("also: "):].split(";"))
    out = []
    ev = snap.events.set_index("id")
    for i in sorted(ids):
        i = i.strip()
        if i not in ev.index:
            continue
        e = ev.loc[i]
        start = e["start"].tz_localize(None)
        end = None if pd.isna(e["end"]) else e["end"].tz_localize(None)
        out.append({"start": start, "end": end, "label": f"other event: {e['title']}"})
    return out


SUMMARY_DISPLAY = {"location": "location", "role": "role", "distance_km": "km", "months": "months",
                   "observed": "observed", "expected": "expected", "low": "expected low (80%)",
                   "high": "expected high (80%)", "difference": "observed − expected",
                   "difference_low": "difference low", "difference_high": "difference high",
                   "share_of_lost": "share of lost", "share_low": "share low", "share_high": "share high",
                   "unit": "unit", "level": "counts", "reference_years": "reference years", "note": "note"}


def summary_display(impact: Impact, measure: str, level: str) -> pd.DataFrame:
    s = impact.summary[(impact.summary["measure"] == measure) & (impact.summary["level"] == level)]
    out = s[list(SUMMARY_DISPLAY)].rename(columns=SUMMARY_DISPLAY).copy()
    out["counts"] = out["counts"].map(lambda lv: LEVEL_LABEL.get(lv, lv))
    for c in ("share of lost", "share low", "share high"):
        out[c] = out[c].map(lambda v: None if pd.isna(v) else f"{100 * v:.0f}%")
    return out.reset_index(drop=True)


def count_candidates(snap) -> pd.DataFrame:
    """Far-below-expectation crossing-months of the embedded counts (analysis/count_anomalies.py)."""
    from analysis.count_anomalies import count_anomalies
    return memo(snap, "count_anomalies", lambda: count_anomalies(closure_counts(snap), snap.events, snap.crossings))
