"""What a closure or suspension cost, and where its traffic went, from monthly counts.

For one registry event and each measure it affects (never summed across measures or levels):

* the **closed** location(s): the BTS port holding the event's crossings (port level) and, where the
  TxDOT/UNT bridge counts exist, the bridge itself (bridge level);
* its **neighbours** (:mod:`analysis.diversion`): nearest locations of the same level counting the measure;
* for rail events, **related** truck counts at the same places (another measure: shown, never added);
* months before, during and after the event, each with the observed count, the seasonal expectation and
  its 80 % band (:mod:`analysis.expectation`), and observed - expected;
* per location over the event's months: totals and their bands, the deficit at the closed location, the
  excess at each neighbour and the **share of the lost traffic** that appears at the neighbours.

Months the event covers only partly say so (``days_affected`` of ``days_in_month``: Lukeville closed on
4 Dec 2023, so its December holds three days of traffic). Counts are northbound (inbound) only.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loaders.errors import BorderwatchError

from .counts import LEVEL_LABEL, locations, measure_mode
from .diversion import MAX_KM, N_NEIGHBOURS, nearest, share_of_lost
from .expectation import TREND_MONTHS, expected_months, total_with_band, trend_ratios

#: Event kinds whose months are left out of the expectation of the places they touch.
DISRUPTIVE_KINDS = ("closure", "partial_closure", "suspension", "rail_suspension")
#: Kinds that can be analysed (a reopening is an instant: analyse the closure it ends).
IMPACT_KINDS = (*DISRUPTIVE_KINDS, "policy", "other")
#: For rail events, these measures at the same places are shown as "related" (freight moving to trucks).
RELATED_MEASURES = {"rail": ("Trucks",)}
BEFORE, AFTER = 12, 6

MONTH_COLUMNS = ["event_id", "measure", "unit", "level", "source", "role", "location_id", "location",
                 "distance_km", "month", "phase", "days_in_month", "days_affected", "observed", "expected",
                 "low", "high", "difference", "difference_low", "difference_high", "reference_years", "note"]
SUMMARY_COLUMNS = ["event_id", "measure", "unit", "level", "source", "role", "location_id", "location",
                   "distance_km", "months", "observed", "expected", "low", "high", "difference",
                   "difference_low", "difference_high", "share_of_lost", "share_low", "share_high",
                   "reference_years", "note"]


@dataclass
class Impact:
    """The result of :func:`event_impact`: the event, the monthly table, the summary and notes."""

    event: dict
    months: pd.DataFrame
    summary: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    during: list[pd.Timestamp] = field(default_factory=list)

    def measures(self, level: str | None = None) -> list[str]:
        s = self.summary[self.summary["role"] == "closed"]
        if level:
            s = s[s["level"] == level]
        return list(dict.fromkeys(s["measure"]))


# ------------------------------------------------------------------ event geometry
def event_record(events: pd.DataFrame, event_id: str) -> dict:
    hit = events[events["id"] == event_id]
    if hit.empty:
        raise BorderwatchError(f"unknown event {event_id!r} (see 'borderwatch events' for the ids)")
    return hit.iloc[0].to_dict()


def event_crossings(event: dict, crossings: pd.DataFrame) -> pd.DataFrame:
    keys = set(event["crossings"])
    c = crossings
    return c[c["crossing_id"].isin(keys) | c["port_number"].isin(keys)]


def event_modes(event: dict, ev_crossings: pd.DataFrame) -> tuple[str, ...]:
    """The modes an event closes; ``all`` means every mode (pedestrians too, even where the reference
    table lists none: BTS counts Lukeville's pedestrians although the feed has no pedestrian lanes)."""
    modes = tuple(event["modes"])
    if "all" in modes:
        from loaders.crossings import MODES
        return tuple(MODES)
    return modes


def month_start(ts) -> pd.Timestamp:
    return pd.Timestamp(year=ts.year, month=ts.month, day=1)


def affected_days(start: pd.Timestamp, end: pd.Timestamp | None, month: pd.Timestamp) -> tuple[int, float]:
    """(days in ``month``, days of it inside ``[start, end)``), counted on the local wall clock of the
    event (a daylight-saving night does not make a day longer)."""
    tz = start.tz
    m0, m1 = month, month + pd.offsets.MonthBegin(1)
    days = (m1 - m0).days
    lo = max(start.tz_localize(None), m0)
    if end is None or pd.isna(end):
        hi = m1
    else:
        hi = min(end.tz_convert(tz).tz_localize(None), m1)
    covered = max((hi - lo) / pd.Timedelta(days=1), 0.0)
    return days, round(covered, 3)


def event_months(event: dict, last_month: pd.Timestamp) -> list[pd.Timestamp]:
    """Months the event touches (end exclusive; ongoing events run to ``last_month``)."""
    start, end = event["start"], event["end"]
    first = month_start(start)
    if end is None or pd.isna(end):
        last = last_month
    else:
        last = month_start(end - pd.Timedelta(microseconds=1))
    return _month_list(first, max(first, last))


def _month_list(first: pd.Timestamp, last: pd.Timestamp) -> list[pd.Timestamp]:
    """First days of the months ``first``..``last`` (a plain loop: ~100x cheaper than date_range per call)."""
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(pd.Timestamp(year=y, month=m, day=1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def disruption_months(events: pd.DataFrame, crossings: pd.DataFrame) -> dict[tuple[str, str], dict]:
    """``{(location_id, mode): {month: [event ids]}}`` for every disruptive, northbound-relevant event.
    A port counts as disrupted for a mode only when the event closes every crossing of the port that has
    that mode (PedWest closing leaves San Ysidro's pedestrians flowing through PedEast: that is a level
    the trend absorbs, not a month to leave out); a bridge whenever the event closes it."""
    out: dict[tuple[str, str], dict] = {}
    ev = events[events["kind"].isin(DISRUPTIVE_KINDS) & (events["direction"] != "southbound")]
    by_port = {code: g for code, g in crossings.groupby("bts_port_code")}
    for e in ev.to_dict("records"):
        ec = event_crossings(e, crossings)
        if ec.empty:
            continue
        closed = set(ec["crossing_id"])
        months = event_months(e, month_start(pd.Timestamp.now()))
        end = e["end"] if not pd.isna(e["end"]) else None
        touched = [m for m in months if affected_days(e["start"], end, m)[1] > 0]
        for mode in event_modes(e, ec):
            locs = {f"bridge:{c}" for c in closed}
            for code in set(ec["bts_port_code"]):
                port = by_port.get(code)
                with_mode = set(port.loc[port["modes"].map(lambda ms, m=mode: m in ms), "crossing_id"]) if port is not None else set()
                if not with_mode or with_mode <= closed:
                    locs.add(f"port:{code}")
            for loc in locs:
                d = out.setdefault((loc, mode), {})
                for m in touched:
                    d.setdefault(m, []).append(e["id"])
    return out


# ------------------------------------------------------------------ the analysis
def event_impact(event_id: str, *, events: pd.DataFrame, crossings: pd.DataFrame, counts: pd.DataFrame,
                 before: int = BEFORE, after: int = AFTER, n_neighbours: int = N_NEIGHBOURS,
                 max_km: float = MAX_KM) -> Impact:
    """Impact of registry event ``event_id`` on the monthly ``counts`` (``COUNTS_COLUMNS``, port and/or
    bridge level). Raises :class:`BorderwatchError` for an unknown event, a reopening, or an event with
    no counted location."""
    ev = event_record(events, event_id)
    if ev["kind"] not in IMPACT_KINDS:
        raise BorderwatchError(f"event {event_id!r} is a {ev['kind']}: an instant has no span to measure; "
                               "choose the closure or suspension it ends")
    ec = event_crossings(ev, crossings)
    modes = event_modes(ev, ec)
    notes: list[str] = []
    if ev["direction"] == "southbound":
        raise BorderwatchError(f"event {event_id!r} is southbound only: the counts are northbound (inbound)")
    locs = locations(crossings)
    last_month = counts["month"].max()
    during = [m for m in event_months(ev, last_month) if m <= last_month]
    if not during:
        raise BorderwatchError(f"event {event_id!r} starts after the last counted month "
                               f"({last_month:%b %Y})")
    first, last = during[0], during[-1]
    window = list(pd.date_range(first - pd.DateOffset(months=before), last + pd.DateOffset(months=after), freq="MS"))
    window = [m for m in window if m <= last_month]
    trend = list(pd.date_range(first - pd.DateOffset(months=TREND_MONTHS), first - pd.DateOffset(months=1), freq="MS"))
    end = ev["end"] if not pd.isna(ev["end"]) else None
    days = {m: affected_days(ev["start"], end, m) for m in window}
    disrupted = disruption_months(events, crossings)

    by_series = {k: g.set_index("month")["value"] for k, g in counts.groupby(["location_id", "measure"], sort=False)}
    meta = counts.drop_duplicates(["location_id", "measure"]).set_index(["location_id", "measure"])
    closed_locs = {f"port:{c}" for c in ec["bts_port_code"]} | {f"bridge:{c}" for c in ec["crossing_id"]}

    month_rows: list[dict] = []
    summary_rows: list[dict] = []
    for level in ("bridge", "port"):
        level_closed = sorted(loc for loc in closed_locs if loc.startswith(level + ":"))
        for loc in level_closed:
            loc_measures = [m for (lid, m) in by_series if lid == loc and measure_mode(m) in modes]
            for measure in sorted(loc_measures):
                s = by_series[(loc, measure)]
                if not _active(s, trend) or not _counted(s, during):
                    continue
                mode = measure_mode(measure)
                cands = [lid for (lid, m) in by_series if m == measure and lid.startswith(level + ":")
                         and lid not in closed_locs and _active(by_series[(lid, m)], trend)
                         and _counted(by_series[(lid, m)], during)]
                neigh = nearest(locs, [loc], cands, n=n_neighbours, max_km=max_km)
                members = [(loc, None, "closed")] + [(lid, km, "neighbour") for lid, km in neigh]
                block = _block(ev, measure, mode, members, by_series, meta, window, trend, during, days,
                               disrupted, event_id)
                month_rows += block["months"]
                summary_rows += block["summary"]
                for rel in RELATED_MEASURES.get(mode, ()):
                    rel_members = [(lid, km, "related") for lid, km in [(loc, None)] + neigh
                                   if (lid, rel) in by_series and _active(by_series[(lid, rel)], trend)]
                    if rel_members:
                        rb = _block(ev, rel, measure_mode(rel), rel_members, by_series, meta, window, trend,
                                    during, days, disrupted, event_id, related_to=measure)
                        month_rows += rb["months"]
                        summary_rows += rb["summary"]
            if level == "port":
                notes += _port_notes(ev, ec, crossings, loc, modes)
    if not summary_rows:
        raise BorderwatchError(f"event {event_id!r}: no counts for its crossings and modes "
                               f"({', '.join(modes)}) in the data")
    months_df = pd.DataFrame(month_rows, columns=MONTH_COLUMNS)
    summary = pd.DataFrame(summary_rows, columns=SUMMARY_COLUMNS).drop_duplicates(
        ["measure", "level", "role", "location_id"])
    months_df = months_df.drop_duplicates(["measure", "level", "role", "location_id", "month"])
    for df in (months_df, summary):
        for c in ("observed", "expected", "low", "high", "difference", "difference_low", "difference_high"):
            df[c] = pd.array([pd.NA if v is None or pd.isna(v) else int(round(float(v))) for v in df[c]], dtype="Int64")
        df["distance_km"] = pd.array([pd.NA if v is None or pd.isna(v) else round(float(v)) for v in df["distance_km"]],
                                     dtype="Int64")
    for c in ("share_of_lost", "share_low", "share_high"):
        summary[c] = pd.array([pd.NA if v is None or pd.isna(v) else round(float(v), 3) for v in summary[c]],
                              dtype="Float64")
    return Impact(event=ev, months=months_df.reset_index(drop=True), summary=summary.reset_index(drop=True),
                  notes=list(dict.fromkeys(notes)), during=during)


def _counted(s: pd.Series, months: list[pd.Timestamp]) -> bool:
    return bool(s.reindex(months).notna().any())


def _active(s: pd.Series, trend: list[pd.Timestamp]) -> bool:
    v = s.reindex(trend)
    return bool(v.notna().any()) and float(v.fillna(0).mean()) >= 1.0


def _block(ev, measure, mode, members, by_series, meta, window, trend, during, days, disrupted, event_id,
           related_to: str | None = None) -> dict:
    """Monthly rows and summary rows for one measure at the closed location and its neighbours."""
    months_rows, summary_rows = [], []
    per_member = []
    for lid, km, role in members:
        s = by_series[(lid, measure)]
        dis = disrupted.get((lid, mode), {})
        exclude = set(dis)
        split_id = None if mode == "rail" else lid  # Ysleta has no rail: rail counts did not split
        ratios = trend_ratios(s, trend, exclude=exclude, location_id=split_id)
        exp = expected_months(s, window, ratios, exclude=exclude, location_id=split_id).set_index("month")
        m = meta.loc[(lid, measure)]
        label = str(m["location"])
        other = {mo: [i for i in ids if i != event_id] for mo, ids in dis.items()}
        for mo in window:
            obs = s.get(mo)
            obs = None if obs is None or pd.isna(obs) else float(obs)
            e = exp.loc[mo]
            diff = None if obs is None or pd.isna(e["expected"]) else obs - e["expected"]
            phase = "during" if mo in during else ("before" if mo < during[0] else "after")
            note = []
            if other.get(mo):
                note.append("also: " + "; ".join(other[mo]))
            if role == "closed" and phase == "during" and days[mo][1] < days[mo][0]:
                note.append(f"partial month: {days[mo][0] - days[mo][1]:g} of {days[mo][0]} days not covered by the event")
            if obs is None:
                note.append("no count")
            if e["n_years"] == 0:
                note.append("no usable reference years")
            months_rows.append({
                "event_id": event_id, "measure": measure, "unit": str(m["unit"]), "level": str(m["level"]),
                "source": str(m["source"]), "role": role, "location_id": lid, "location": label,
                "distance_km": km, "month": mo, "phase": phase, "days_in_month": days[mo][0],
                "days_affected": days[mo][1] if phase == "during" else 0.0, "observed": obs,
                "expected": e["expected"], "low": e["low"], "high": e["high"], "difference": diff,
                "difference_low": None if diff is None or pd.isna(e["high"]) else obs - e["high"],
                "difference_high": None if diff is None or pd.isna(e["low"]) else obs - e["low"],
                "reference_years": e["reference_years"], "note": "; ".join(note),
            })
        obs_d = [s.get(mo) for mo in during]
        obs_total = None if any(v is None or pd.isna(v) for v in obs_d) else float(sum(obs_d))
        est = [exp.loc[mo, "estimates"] for mo in during]
        e_tot, lo, hi, lags = total_with_band(est)
        by_lag = {k: sum(x[k] for x in est) for k in lags}
        diff = None if obs_total is None or pd.isna(e_tot) else obs_total - e_tot
        diff_by_lag = {k: obs_total - v for k, v in by_lag.items()} if obs_total is not None else {}
        per_member.append((lid, km, role, diff, diff_by_lag))
        note = "related measure: not added to the share" if role == "related" else ""
        if related_to:
            note = f"{measure} (another measure than {related_to}): shown for freight moving to trucks, never added"
        summary_rows.append({
            "event_id": event_id, "measure": measure, "unit": str(m["unit"]), "level": str(m["level"]),
            "source": str(m["source"]), "role": role, "location_id": lid, "location": label, "distance_km": km,
            "months": f"{during[0]:%Y-%m}..{during[-1]:%Y-%m}", "observed": obs_total, "expected": e_tot,
            "low": lo, "high": hi, "difference": diff,
            "difference_low": None if diff is None or pd.isna(hi) else obs_total - hi,
            "difference_high": None if diff is None or pd.isna(lo) else obs_total - lo,
            "share_of_lost": None, "share_low": None, "share_high": None,
            "reference_years": ";".join(str(during[0].year - k) for k in lags),
            "note": note or ("; ".join(sorted({i for mo in during for i in
                                                disrupted.get((lid, mode), {}).get(mo, []) if i != event_id}))
                             and "also: " + "; ".join(sorted({i for mo in during for i in
                                                disrupted.get((lid, mode), {}).get(mo, []) if i != event_id}))),
        })
    if related_to is None and per_member and per_member[0][2] == "closed":
        _, _, _, c_diff, c_by_lag = per_member[0]
        lost = -c_diff if c_diff is not None else np.nan
        lost_by_lag = {k: -v for k, v in c_by_lag.items()}
        neigh = [p for p in per_member[1:] if p[3] is not None]
        for i, (lid, km, role, d, d_by_lag) in enumerate(per_member[1:], start=1):
            if d is None:
                continue
            sh = share_of_lost(lost_by_lag, d_by_lag, lost, d)
            summary_rows[i].update(share_of_lost=sh[0], share_low=sh[1], share_high=sh[2])
        if neigh:
            tot = sum(p[3] for p in neigh)
            common = set.intersection(*[set(p[4]) for p in neigh])
            tot_by_lag = {k: sum(p[4][k] for p in neigh) for k in common}
            sh = share_of_lost(lost_by_lag, tot_by_lag, lost, tot)
            band = [tot_by_lag[k] for k in sorted(common)]
            from .expectation import band_halfwidth
            half = band_halfwidth(band) if len(band) >= 2 else np.nan
            first = summary_rows[0]
            summary_rows.append({
                **{k: first[k] for k in ("event_id", "measure", "unit", "level", "source", "months")},
                "role": "neighbours", "location_id": "", "location": f"all {len(neigh)} neighbours",
                "distance_km": None, "observed": None, "expected": None, "low": None, "high": None,
                "difference": tot, "difference_low": tot - half if not np.isnan(half) else None,
                "difference_high": tot + half if not np.isnan(half) else None,
                "share_of_lost": sh[0], "share_low": sh[1], "share_high": sh[2],
                "reference_years": ";".join(str(during[0].year - k) for k in sorted(common)),
                "note": "sum of the neighbours' observed - expected (same measure, same unit)",
            })
    return {"months": months_rows, "summary": summary_rows}


def _port_notes(ev, ec, crossings, loc, modes) -> list[str]:
    code = loc.split(":", 1)[1]
    port = crossings[crossings["bts_port_code"] == code]
    notes = []
    for mode in modes:
        with_mode = port[port["modes"].map(lambda ms, m=mode: m in ms)]
        open_ = with_mode[~with_mode["crossing_id"].isin(ec["crossing_id"])]
        if len(open_):
            names = ", ".join(str(n) if not pd.isna(n) else str(c) for n, c in
                              zip(open_["crossing_name"], open_["crossing_id"]))
            notes.append(f"BTS port {code} also counts {names} ({mode}), open during the event: port-level "
                         f"counts show the port's net change, not the closed crossing's loss; see the "
                         f"bridge-level counts where they exist")
    if code in ("2401", "2402") and set(modes) - {"rail"}:
        notes.append("BTS counted Ysleta (2401) inside El Paso (2402) until Feb 2020: reference months are "
                     "never paired across March 2020 there")
    return notes


def describe_level(level: str) -> str:
    return LEVEL_LABEL.get(level, level)
