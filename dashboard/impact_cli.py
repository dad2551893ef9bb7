"""``borderwatch impact EVENT_ID`` and ``borderwatch outages``: the closure-intelligence tables on the
command line (the same tables the page shows)."""
from __future__ import annotations

import argparse
from pathlib import Path

from loaders.errors import BorderwatchError

FORMATS = ("table", "csv", "json")


def add_parsers(sub) -> None:
    i = sub.add_parser("impact", help="what a registry closure cost and where its traffic went (monthly counts)",
                       description="Counts at the closed crossing and its nearest neighbours against a seasonal "
                                   "expectation with an 80%% band; see the README section 'Closure impact'.")
    i.add_argument("event_id", help="an event id of data/events.csv, e.g. 2023-12-lukeville-closure")
    i.add_argument("--months", action="store_true", help="one row per location and month instead of the summary")
    i.add_argument("--measure", help="only this measure, e.g. 'Personal Vehicles'")
    i.add_argument("--level", choices=("port", "bridge"), help="port (BTS) or bridge (TxDOT/UNT) counts only")
    i.add_argument("--format", choices=FORMATS, default="table")
    i.set_defaults(func=cmd_impact)

    o = sub.add_parser("outages", help="outages nobody recorded: detections in wait-time readings, reconciled "
                                       "with the registry, or (--counts) months far below expectation")
    o.add_argument("--since", help="only from this date (ISO date or date-time, UTC) / month for --counts")
    o.add_argument("--until", help="only before this date (ISO, UTC)")
    o.add_argument("--state", help="comma-separated: TX,AZ,CA")
    o.add_argument("--feed", nargs="+", metavar="FILE", help="saved CBP feed captures (JSON/XML), consecutive")
    o.add_argument("--readings", metavar="FILE", help="a readings file (CSV or parquet, history READINGS columns)")
    o.add_argument("--counts", action="store_true", help="crossing-months far below the seasonal expectation")
    o.add_argument("--all", action="store_true", help="also list scheduled (posted-hours / nightly) closures")
    o.add_argument("--format", choices=FORMATS, default="table")
    o.set_defaults(func=cmd_outages)


def cmd_impact(args) -> int:
    from dashboard import impact_views as iv
    from loaders.snapshot import load_snapshot

    from .cli import write_frame
    snap = load_snapshot()
    imp = iv.impact_for(snap, args.event_id)
    df = imp.months if args.months else imp.summary
    if args.level:
        df = df[df["level"] == args.level]
    if args.measure:
        if args.measure not in set(df["measure"]):
            raise BorderwatchError(f"--measure: {args.measure!r} is not affected by {args.event_id} "
                                   f"(have: {', '.join(sorted(set(df['measure'])))})")
        df = df[df["measure"] == args.measure]
    if args.months:
        df = df.assign(month=df["month"].dt.strftime("%Y-%m"))
    write_frame(_whole(df.reset_index(drop=True), args.format), args.format)
    return 0


def _whole(df, fmt: str):
    """Whole counts printed as 21885, not 21885.0, in tables and CSV (JSON keeps numbers)."""
    if fmt == "json":
        return df
    out = df.copy()
    for c in out.columns:
        if str(out[c].dtype) == "Int64":
            out[c] = out[c].map(lambda v: "" if v is None or v is pd_NA() or v != v else str(int(v)))
    return out


def pd_NA():
    import pandas as pd
    return pd.NA


def cmd_outages(args) -> int:
    import pandas as pd

    from dashboard import impact_views as iv
    from loaders.snapshot import load_snapshot

    from .cli import _states, write_frame
    snap = load_snapshot()
    states = _states(args.state)
    keep = set(snap.crossings.loc[snap.crossings["state"].isin(states), "crossing_id"])
    if args.counts:
        df = iv.count_candidates(snap)
        codes = set(snap.crossings.loc[snap.crossings["state"].isin(states), "bts_port_code"])
        df = df[df["location_id"].map(lambda lid: lid.split(":", 1)[1] in codes or lid.split(":", 1)[1] in keep)]
        if args.since:
            df = df[df["last_month"] >= pd.Timestamp(_when(args.since, "--since").tz_localize(None)).normalize().replace(day=1)]
        if args.until:
            df = df[df["first_month"] < _when(args.until, "--until").tz_localize(None)]
        write_frame(df.assign(first_month=df["first_month"].dt.strftime("%Y-%m"),
                              last_month=df["last_month"].dt.strftime("%Y-%m")).reset_index(drop=True), args.format)
        return 0
    from analysis.outages import detect_outages
    from analysis.reconcile import reconcile
    readings, stuck = _readings(args, snap)
    if args.since:
        readings = readings[readings["collected_at"] >= _when(args.since, "--since")]
    if args.until:
        readings = readings[readings["collected_at"] < _when(args.until, "--until")]
    readings = readings[readings["crossing_id"].isin(keep)]
    hours = {}
    if "hours" not in readings.columns:
        from analysis.outages import readings_from_waits  # noqa: F401  (the snapshot's posted hours)
        ids = dict(zip(snap.crossings["port_number"], snap.crossings["crossing_id"]))
        hours = {ids[p]: h for p, h in zip(snap.waits["port_number"], snap.waits["hours"])
                 if p in ids and isinstance(h, str)}
    det = detect_outages(readings, crossings=snap.crossings, hours=hours or None, detect_stuck=stuck,
                         include_scheduled=args.all)
    write_frame(reconcile(det, snap.events, snap.crossings, readings), args.format)
    return 0


def _when(value: str, flag: str):
    import pandas as pd
    try:
        t = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise BorderwatchError(f"{flag}: {value!r} is not an ISO date or date-time") from None
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _readings(args, snap):
    """(readings frame, whether update times can be trusted for 'stuck')."""
    import pandas as pd

    from analysis.outages import readings_from_waits
    if args.feed:
        from loaders.cbp import feed_as_of, read_cbp
        from loaders.crossings import port_zones
        frames = []
        for path in args.feed:
            w = read_cbp(Path(path), zones=port_zones(snap.crossings))
            if w["retrieved_at"].isna().all():
                at = feed_as_of(w)
                if at is None:
                    raise BorderwatchError(f"{path}: the capture has no time of its own")
                w = w.assign(retrieved_at=at)
            frames.append(w)
        return readings_from_waits(frames, snap.crossings, source="saved feed captures"), True
    if args.readings:
        p = Path(args.readings)
        try:
            r = pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p)
        except (OSError, ValueError) as exc:
            raise BorderwatchError(f"{p}: cannot read readings: {exc}") from None
        missing = {"crossing_id", "mode", "lane", "source_time", "collected_at", "operational_status"} - set(r.columns)
        if missing:
            raise BorderwatchError(f"{p}: missing column(s) {', '.join(sorted(missing))}")
        for c in ("source_time", "collected_at"):
            r[c] = pd.to_datetime(r[c], utc=True)
        return r, stuck_is_meaningful(r)
    r = None
    try:
        from history.store import Store
    except ImportError:
        Store = None
    if Store is not None:
        with Store.open(crossings=snap.crossings) as store:
            r = store.readings()
    if r is None or r.empty:
        r = _embedded_readings()
    if r is None or r.empty:
        raise BorderwatchError("no readings: the history store is empty and there is no embedded history; pass "
                               "--feed FILE... or --readings FILE, run 'borderwatch collect', or use --counts")
    return r, stuck_is_meaningful(r)


def stuck_is_meaningful(readings) -> bool:
    """A change log (a row only when a lane's state changes, e.g. the garitas archive) does not record a
    steady lane's new update times, so 'stuck' cannot be told from 'steady' there."""
    return not any("changelog" in str(s) for s in readings["source"].dropna().unique()) if "source" in readings else True


def _embedded_readings():
    """The built history shipped in data/history/readings.parquet (read directly: no database needed)."""
    import pandas as pd

    from loaders.config import get_settings
    path = get_settings().data_dir / "history" / "readings.parquet"
    if not path.is_file():
        return None
    r = pd.read_parquet(path)
    if "measure" in r.columns:
        r = r[r["measure"].fillna("reading") == "reading"]
    for c in ("source_time", "collected_at"):
        r[c] = pd.to_datetime(r[c], utc=True)
    return r
