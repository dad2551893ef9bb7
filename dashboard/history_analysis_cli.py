"""``borderwatch history heatmap|trend|savings|nearby|quality|asof`` (the store's own history commands live in
dashboard/history_cli.py): the History section's answers on
the command line, from the history store (``--file`` reads a ``borderwatch history export`` CSV/Parquet
instead). Each prints the table behind the chart (``--format table|csv|json``); ``--image PATH`` also writes
the chart (.png/.svg/.pdf) exactly as the page draws it.

:func:`add_history_parser` adds them to ``borderwatch``: to the ``history`` group when one is registered
already (the store's import/export/coverage commands), else it creates the group.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from loaders.errors import BorderwatchError

FORMATS = ("table", "csv", "json")


def add_history_parser(sub) -> None:
    """Extend the ``history`` group of ``borderwatch`` (``sub``: its top-level subparsers) with the analysis
    subcommands, creating the group if nobody has yet. Register it after the store's own commands."""
    group = sub.choices.get("history")
    if group is None:
        group = sub.add_parser("history", help="wait-time history: best time, trend, savings, nearby, quality",
                               description="Answers from the wait-time history (the store, or --file).")
    hsub = next((a for a in group._actions if isinstance(a, argparse._SubParsersAction)), None)
    if hsub is None:
        hsub = group.add_subparsers(dest="history_command", required=True, metavar="SUBCOMMAND")
    add_history_analysis_commands(hsub)


def add_history_analysis_commands(hsub) -> None:
    """Register the analysis subcommands on the subparsers of ``borderwatch history``."""
    def common(sp, lane=True, window=True):
        sp.add_argument("--crossing", required=True, help="a crossing_id, e.g. ca-san-ysidro")
        if lane:
            sp.add_argument("--lane", default="passenger:standard",
                            help="mode:lane, e.g. passenger:sentri, pedestrian:standard (default passenger:standard)")
        if window:
            sp.add_argument("--from", dest="start", help="first day (YYYY-MM-DD, local time at the crossing)")
            sp.add_argument("--to", dest="end", help="last day, included")
        sp.add_argument("--file", help="a readings file written by 'borderwatch history export' (default: the store)")
        sp.add_argument("--format", choices=FORMATS, default="table")
        sp.add_argument("--image", help="also write the chart to this .png/.svg/.pdf file")

    h = hsub.add_parser("heatmap", help="best time to cross: median wait per local weekday x hour")
    common(h)
    h.add_argument("--min-readings", type=int, default=None, help="readings a cell needs (default 3)")
    h.add_argument("--tall", action="store_true", help="image with weekdays across and hours down (phones)")
    h.set_defaults(func=cmd_heatmap)
    t = hsub.add_parser("trend", help="readings over time per lane, gaps kept")
    common(t, lane=False)
    t.add_argument("--lane", help="only this mode:lane (default every lane)")
    t.set_defaults(func=cmd_trend)
    s = hsub.add_parser("savings", help="what SENTRI/NEXUS and Ready save over standard, per local hour")
    common(s, lane=False)
    s.add_argument("--mode", default="passenger", choices=("passenger", "pedestrian"))
    s.set_defaults(func=cmd_savings)
    n = hsub.add_parser("nearby", help="fastest crossings within a distance, at a time (default: latest)")
    common(n, window=False)
    n.add_argument("--at", help="as of this time (ISO; naive = local time at the crossing; default: its last reading)")
    n.add_argument("--radius", type=float, default=None, help="km (default 50)")
    n.set_defaults(func=cmd_nearby)
    q = hsub.add_parser("quality", help="data-quality card: coverage, Update Pending, age, flat runs, outliers")
    common(q, lane=False)
    q.set_defaults(func=cmd_quality)
    a = hsub.add_parser("asof", help="status of every crossing as of a time, from the history")
    a.add_argument("--at", required=True, help="ISO date-time; naive = local time at each crossing")
    a.add_argument("--state", help="comma-separated: TX,AZ,CA")
    a.add_argument("--file", help="a readings file written by 'borderwatch history export'")
    a.add_argument("--format", choices=FORMATS, default="table")
    a.add_argument("--image", help="also write the map to this .png/.svg/.pdf file")
    a.set_defaults(func=cmd_asof)


# ------------------------------------------------------------------ inputs
def _source(path: str | None):
    from dashboard.sections.history import FrameSource, open_source
    if path:
        return FrameSource(read_readings_file(Path(path)), label=str(path))
    src = open_source()
    if src is None:
        raise BorderwatchError("no wait-time history: run 'borderwatch history import PATH' or "
                               "'borderwatch collect' first, or pass --file")
    return src


def read_readings_file(path: Path):
    """A READINGS_COLUMNS CSV or Parquet file (what 'borderwatch history export' writes)."""
    import pandas as pd

    from analysis.readings import READINGS_COLUMNS
    if not path.exists():
        raise BorderwatchError(f"{path}: no such file")
    try:
        df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # noqa: BLE001 - one line for any unreadable file
        raise BorderwatchError(f"{path}: cannot read ({exc.__class__.__name__}: {exc})") from exc
    missing = [c for c in READINGS_COLUMNS if c not in df.columns]
    if missing:
        raise BorderwatchError(f"{path}: not a readings file (missing column(s) {', '.join(missing)})")
    df = df.replace({"": None}) if path.suffix != ".parquet" else df
    out = df.copy()
    for c in ("source_time", "collected_at"):
        out[c] = pd.to_datetime(df[c], utc=True, format="ISO8601")
    for c in ("delay_minutes", "lanes_open", "revision"):
        out[c] = pd.to_numeric(df[c]).astype("Int64")
    for c in ("crossing_id", "port_number", "mode", "lane", "operational_status", "port_status", "source"):
        out[c] = df[c].astype("string")
    if "measure" in df.columns:
        out["measure"] = df["measure"].astype("string")
    return out


def _snap():
    from loaders.snapshot import load_snapshot
    return load_snapshot()


def _choice(args, snap, src, *, lane=True, window=True):
    import pandas as pd

    from dashboard import history_views as hv
    ids = set(snap.crossings["crossing_id"])
    if args.crossing not in ids:
        raise BorderwatchError(f"--crossing: unknown crossing {args.crossing!r} (see crossing_id in data/crossings.csv)")
    tz = str(snap.crossings.set_index("crossing_id").loc[args.crossing, "tz"])
    mode, ln = "passenger", "standard"
    if lane and getattr(args, "lane", None):
        try:
            mode, ln = hv.parse_lane_key(args.lane)
        except ValueError as exc:
            raise BorderwatchError(f"--lane: {exc}") from exc
    start = end = None
    if window:
        start = _day(args.start, tz, "--from")
        end = _day(args.end, tz, "--to")
        if end is not None:
            end = end + pd.Timedelta(days=1)
        if start is not None and end is not None and end <= start:
            raise BorderwatchError("--to is before --from")
    return hv.HistoryChoice(crossing_id=args.crossing, mode=mode, lane=ln, start=start, end=end)


def _day(value, tz, flag):
    import pandas as pd
    if not value:
        return None
    try:
        d = pd.Timestamp(value)
    except ValueError as exc:
        raise BorderwatchError(f"{flag}: {value!r} is not a day (use YYYY-MM-DD)") from exc
    return d.normalize().tz_localize(tz).tz_convert("UTC") if d.tzinfo is None else d.tz_convert("UTC")


def _emit(args, spec_table, figure=None) -> int:
    from .cli import write_frame
    write_frame(spec_table, args.format)
    if getattr(args, "image", None) and figure is not None:
        from .export import get_renderer
        out = Path(args.image)
        fmt = out.suffix.lstrip(".").lower()
        if fmt not in ("png", "svg", "pdf"):
            raise BorderwatchError(f"--image: {out} must end in .png, .svg or .pdf")
        data = get_renderer().render(figure, fmt=fmt)
        tmp = out.with_name(out.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(out)
    return 0


def _readings(src, choice):
    return src.readings(choice.crossing_id, choice.start, choice.end)


# ------------------------------------------------------------------ commands
def cmd_heatmap(args) -> int:
    from dashboard import history_views as hv
    snap = _snap()
    src = _source(args.file)
    c = _choice(args, snap, src)
    kw = {"tall": args.tall} if args.min_readings is None else {"min_readings": args.min_readings, "tall": args.tall}
    if args.min_readings is not None and args.min_readings < 1:
        raise BorderwatchError("--min-readings must be at least 1")
    try:
        from loaders.cbp_typical import load_typical
        typical, typical_title = hv.typical_panel(load_typical(), snap, c)
    except (ImportError, BorderwatchError):
        typical = typical_title = None
    spec = hv.best_time_chart(snap, _readings(src, c), c, src.revision(), typical=typical,
                              typical_title=typical_title, **kw)
    return _emit(args, spec.table, spec.figure)


def cmd_trend(args) -> int:
    from dashboard import history_views as hv
    snap = _snap()
    src = _source(args.file)
    c = _choice(args, snap, src, lane=bool(args.lane))
    lanes = [(c.mode, c.lane)] if args.lane else None
    spec = hv.trend_chart(snap, _readings(src, c), c, src.revision(), lanes=lanes)
    return _emit(args, spec.table, spec.figure)


def cmd_savings(args) -> int:
    from dashboard import history_views as hv
    snap = _snap()
    src = _source(args.file)
    c = _choice(args, snap, src, lane=False)
    c = hv.HistoryChoice(crossing_id=c.crossing_id, mode=args.mode, start=c.start, end=c.end)
    spec = hv.savings_chart(snap, _readings(src, c), c, src.revision())
    return _emit(args, spec.table, spec.figure)


def cmd_nearby(args) -> int:
    import pandas as pd

    from analysis.status import parse_at, resolve_at
    from dashboard import history_views as hv
    snap = _snap()
    src = _source(args.file)
    c = _choice(args, snap, src, window=False)
    tz = str(snap.crossings.set_index("crossing_id").loc[c.crossing_id, "tz"])
    if args.at:
        try:
            at = resolve_at(parse_at(args.at), tz).tz_convert("UTC")
        except ValueError as exc:
            raise BorderwatchError(f"--at: {exc}") from exc
    else:
        own = src.readings(c.crossing_id)
        if own.empty:
            raise BorderwatchError(f"no readings for {c.crossing_id} in the history: pass --at")
        at = pd.Timestamp(own["source_time"].max())
    radius = hv.nearby.DEFAULT_RADIUS_KM if args.radius is None else args.radius
    if not radius > 0:
        raise BorderwatchError("--radius must be a positive number of km")
    c = hv.HistoryChoice(crossing_id=c.crossing_id, mode=c.mode, lane=c.lane, at=at, radius_km=radius)
    spec = hv.nearby_chart(snap, src.latest(at), c, src.revision(), at=at)
    return _emit(args, spec.table, spec.figure)


def cmd_quality(args) -> int:
    from dashboard import history_views as hv
    snap = _snap()
    src = _source(args.file)
    c = _choice(args, snap, src, lane=False)
    table, card = hv.quality_view(snap, _readings(src, c), c)
    return _emit(args, table)


def cmd_asof(args) -> int:
    from analysis.status import parse_at
    from dashboard import history_views as hv

    from .cli import _states
    snap = _snap()
    src = _source(args.file)
    try:
        at = parse_at(args.at)
    except ValueError as exc:
        raise BorderwatchError(f"--at: {exc}") from exc
    if at.tzinfo is None:
        # one instant for the store query: the latest wall clock among the zones (every crossing's t is before it)
        import pandas as pd
        probe = max(at.tz_localize(z, ambiguous=False, nonexistent="shift_forward") for z in set(snap.crossings["tz"]))
        latest = src.latest(pd.Timestamp(probe).tz_convert("UTC"))
    else:
        latest = src.latest(at)
    states = _states(args.state)
    spec, summary = hv.as_of_map_chart(snap, latest, at, src.revision(), states=states)
    cols = ["crossing_id", "port_name", "crossing_name", "state", "status", "reason", "updated_at"]
    return _emit(args, summary["status"][cols], spec.figure)


if __name__ == "__main__":  # pragma: no cover
    import sys
    p = argparse.ArgumentParser(prog="borderwatch history")
    add_history_analysis_commands(p.add_subparsers(dest="command", required=True))
    a = p.parse_args()
    sys.exit(a.func(a))
