"""The ``borderwatch`` command: status, waits, volumes, events, export, refresh, run.

Every data command prints a table, CSV or JSON on stdout. Errors: one clear line (or one line per problem)
on stderr and exit status 1; ``--debug`` shows the traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from loaders.config import STATES
from loaders.errors import BorderwatchError, ValidationError

# pandas (and pyarrow under it) is imported inside the commands that use it: `borderwatch run` starts the
# server without waiting for it (dashboard.warm imports it in the background).

FORMATS = ("table", "csv", "json")


# ---------------------------------------------------------------- output
def write_frame(df, fmt: str, out=None) -> None:
    import pandas as pd

    from .records import frame_records
    out = out or sys.stdout
    recs = frame_records(df)
    if fmt == "json":
        json.dump(recs, out, indent=1, ensure_ascii=False)
        out.write("\n")
        return
    flat = pd.DataFrame(recs, columns=list(df.columns))
    flat = flat.astype(object).where(flat.notna(), "")
    if fmt == "csv":
        flat.to_csv(out, index=False, lineterminator="\n")
    else:
        out.write(flat.to_string(index=False) + "\n" if len(flat) else "(no rows)\n")


def _choices(value: str, allowed: tuple[str, ...], flag: str, what: str, norm) -> tuple[str, ...]:
    """A comma-separated flag value, each item normalised by ``norm`` and checked against ``allowed``."""
    items = tuple(norm(v.strip()) for v in value.split(",") if v.strip())
    bad = [v for v in items if v not in allowed]
    if bad:
        raise BorderwatchError(f"{flag}: unknown {what}(s) {', '.join(bad)}; choose from {', '.join(allowed)}")
    return items


def _states(value: str | None) -> tuple[str, ...]:
    return _choices(value, STATES, "--state", "state", str.upper) if value else STATES


def _list(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _month(value: str | None, flag: str):
    if not value:
        return None
    import pandas as pd
    try:
        return pd.Timestamp(pd.Period(value, freq="M").start_time)
    except (ValueError, TypeError) as exc:
        raise BorderwatchError(f"{flag}: {value!r} is not a month (use YYYY-MM)") from exc


def _at(value: str | None):
    from analysis.status import parse_at
    try:
        return parse_at(value)
    except ValueError as exc:
        raise BorderwatchError(f"--at: {exc}") from exc


# ---------------------------------------------------------------- data access
def load_waits(source: str | None, offline: bool = False):
    """(waits, crossings, events, as_of) for the CLI: the embedded snapshot, the refreshed one, a file,
    a URL or 'live'. :func:`load_status_inputs` adds the snapshot's port-information pages."""
    return load_status_inputs(source, offline)[:4]


def load_status_inputs(source: str | None, offline: bool = False):
    """(waits, crossings, events, as_of, port_info): as :func:`load_waits`, plus CBP's port-information
    pages saved with the snapshot the command reads (``refresh`` saves them; None when there are none), so
    that ``borderwatch status`` judges posted hours and notices as the page does."""
    from loaders.portinfo import snapshot_port_info
    snap, loaded = _load_waits(source, offline)
    return (*loaded, snapshot_port_info(snap.manifest, snap.data_dir))


def _load_waits(source: str | None, offline: bool):
    from loaders.cbp import load_cbp
    from loaders.snapshot import load_snapshot, refreshed_dir
    from analysis.status import feed_as_of

    if source == "refreshed":
        snap = load_snapshot(refreshed_dir())
        return snap, (snap.waits, snap.crossings, snap.events, snap.cbp_as_of)
    snap = load_snapshot()
    if not source:  # live by default, the snapshot when the feed cannot be reached (or --offline)
        from loaders.auto_source import offline_requested, try_live_waits
        if not (offline or offline_requested()):
            waits, reason = try_live_waits(snap.crossings, previous=snap.waits)
            if waits is not None:
                print("borderwatch: live CBP feed", file=sys.stderr)
                return snap, (waits, snap.crossings, snap.events, feed_as_of(waits))
            print(f"borderwatch: the live CBP feed could not be reached — showing the snapshot of "
                  f"{snap.cbp_as_of.isoformat() if snap.cbp_as_of is not None else 'unknown time'} "
                  f"({' '.join(str(reason).split())})", file=sys.stderr)
        return snap, (snap.waits, snap.crossings, snap.events, snap.cbp_as_of)
    from loaders.config import get_settings
    from loaders.feed_checks import check_cbp_waits
    if source == "live":
        waits = load_cbp(None, crossings=snap.crossings)
        # never show a payload that would make the map worse than the snapshot it replaces
        check_cbp_waits(waits, source=get_settings().cbp_json_url, previous=snap.waits)
    else:
        waits = load_cbp(source, crossings=snap.crossings)
        check_cbp_waits(waits, source=str(source))
    return snap, (waits, snap.crossings, snap.events, feed_as_of(waits))


STATUS_MODES = ("passenger", "pedestrian", "commercial", "rail")


def _modes(value: str | None) -> tuple[str, ...] | None:
    return _choices(value, STATUS_MODES, "--mode", "mode", str.lower) if value else None


def cmd_status(args) -> int:
    """The same per-mode frame the page rolls up: --by-mode prints it, else the crossings judged on --mode."""
    import pandas as pd

    from analysis.status import mode_status, roll_up
    waits, crossings, events, as_of, pages = load_status_inputs(args.source, offline=getattr(args, "offline", False))
    at = _at(args.at)
    if at is None:
        at = as_of if as_of is not None else pd.Timestamp.now(tz="UTC")
    from loaders.crossings import drop_feed_duplicates
    modes = _modes(args.mode)
    mf = mode_status(waits, events, crossings, at, states=_states(args.state), port_info=pages)
    mf = drop_feed_duplicates(mf, crossings).reset_index(drop=True)  # 230103 'Gateway', 240403 'FT HANCOCK'
    if args.by_mode:
        write_frame(mf[mf["mode"].isin(modes)].reset_index(drop=True) if modes else mf, args.format)
    else:
        write_frame(roll_up(mf, modes), args.format)
    return 0


def cmd_waits(args) -> int:
    import pandas as pd

    from analysis.status import current_readings
    waits, _, _, as_of = load_waits(args.source, offline=getattr(args, "offline", False))
    at = _at(args.at)
    if at is None:
        at = as_of if as_of is not None else pd.Timestamp.now(tz="UTC")
    states = _states(args.state)
    w = waits[waits["state"].isin(states)].copy()
    # Readings are shown as the feed gave them; 'current' says whether each counts at --at (within 4 h).
    w["current"] = current_readings(w, at)
    cols = ["port_number", "port_name", "crossing_name", "state", "port_status", "mode", "lane",
            "operational_status", "delay_minutes", "lanes_open", "max_lanes", "updated_at", "stale_reading",
            "current"]
    write_frame(w[cols], args.format)
    return 0


def cmd_volumes(args) -> int:
    from loaders.bts import filter_volumes, read_bts
    from loaders.snapshot import load_snapshot
    from loaders.snapshot import refreshed_dir
    if getattr(args, "crossing", None):
        return _volumes_of_crossing(args)
    if args.source == "refreshed":
        vol = load_snapshot(refreshed_dir()).volumes
    else:
        vol = read_bts(args.source) if args.source else load_snapshot().volumes
    vol = filter_volumes(vol, states=_states(args.state), ports=_list(args.port), measures=_list(args.measure),
                         start=_month(args.start, "--from"), end=_month(args.end, "--to"))
    out = vol[["port_code", "port_name", "state", "month", "measure", "value"]].copy()
    out["month"] = out["month"].dt.strftime("%Y-%m")
    write_frame(out, args.format)
    return 0


def _volumes_of_crossing(args) -> int:
    """``volumes --crossing ID``: the crossing's own series (TxDOT/UNT bridge counts where they exist, else
    its BTS port total, which the ``counts`` column says), with the source in a column."""
    import pandas as pd

    from analysis.crossing_volumes import ALL_MODES, crossing_volumes
    from loaders.bts import filter_volumes
    from loaders.snapshot import load_snapshot, refreshed_dir
    snap = load_snapshot(refreshed_dir()) if args.source == "refreshed" else load_snapshot()
    if args.source not in (None, "refreshed"):
        raise BorderwatchError("--crossing reads the snapshot; it cannot be combined with --source FILE")
    if args.crossing not in set(snap.crossings["crossing_id"]):
        raise BorderwatchError(f"--crossing: unknown crossing {args.crossing!r} (see 'crossing_id' in data/crossings.csv)")
    modes = tuple(_list(args.mode) or ALL_MODES)
    bad = [m for m in modes if m not in ALL_MODES]
    if bad:
        raise BorderwatchError(f"--mode: unknown mode(s) {', '.join(bad)}; choose from {', '.join(ALL_MODES)}")
    sel = crossing_volumes(snap.volumes, snap.bridge_volumes, snap.crossings, args.crossing, modes=modes)
    v = sel.frame
    if _list(args.measure) or args.start or args.end:
        keep = filter_volumes(v.drop(columns=["source"]), measures=None, start=_month(args.start, "--from"),
                              end=_month(args.end, "--to"))
        v = v.merge(keep[["month", "measure"]].drop_duplicates(), on=["month", "measure"])
        if _list(args.measure):
            v = v[v["measure"].isin(_list(args.measure))]
    counts = "bridge" if sel.level == "bridge" else ("port total" if len(sel.includes) > 1 else "port")
    out = pd.DataFrame({"crossing_id": args.crossing, "source": v["source"].to_numpy(), "counts": counts,
                        "includes": "; ".join(sel.includes), "port_code": v["port_code"].to_numpy(),
                        "month": v["month"].dt.strftime("%Y-%m").to_numpy(), "measure": v["measure"].to_numpy(),
                        "value": v["value"].array, "unit": v["unit"].to_numpy(),
                        "source_row": v["source_id"].array if "source_id" in v else pd.NA})
    write_frame(out.sort_values(["measure", "month"]).reset_index(drop=True), args.format)
    return 0


def cmd_events(args) -> int:
    from loaders.config import get_settings
    from loaders.crossings import load_crossings
    from loaders.events import read_events
    settings = get_settings()
    crossings = load_crossings(settings.data_dir)
    path = Path(args.file) if args.file else settings.data_dir / "events.csv"
    ev = read_events(path, crossings=crossings)
    ev = ev[ev["state"].isin(_states(args.state))]
    cols = ["id", "kind", "title", "state", "crossings", "modes", "direction", "start", "end", "confidence",
            "summary", "source_urls"]
    write_frame(ev[cols], args.format)
    return 0


def cmd_refresh(args) -> int:
    """Fetch the live CBP feed, BTS counts and port-information pages into $BORDERWATCH_HOME/snapshot."""
    from loaders.refresh import SOURCES, refresh_snapshot
    sources = tuple(s for s in SOURCES if s not in (args.skip or "").split(","))
    res = refresh_snapshot(bts_start=args.bts_from, sources=sources)
    files = {x["role"]: x for x in res.manifest["files"]}
    for role in res.refreshed:
        f = files[role]
        when = f.get("as_of") or f"{f.get('first', '')[:7]} .. {f.get('through', '')[:7]}"
        print(f"refreshed {role}: {f['rows']} {f.get('rows_unit') or 'rows'}, {when}")
    for role, why in res.kept.items():
        if role == "portinfo" and role in res.refreshed:  # some ports failed: their previous page, if any, kept
            n = len(files[role].get("kept_ports", []))
            print(f"borderwatch: warning: port information: {why}; previous page kept for {n}", file=sys.stderr)
        elif role == "portinfo" and role not in files:
            print(f"borderwatch: warning: no port information saved: {why}", file=sys.stderr)
        else:
            print(f"borderwatch: warning: kept the previous {role} data: {why}", file=sys.stderr)
    print(f"snapshot {res.manifest['snapshot_id']} in {res.path}")
    return 0


def cmd_run(args) -> int:
    """Start Streamlit on loopback, headless, no usage statistics, static serving for the offline basemap.

    Streamlit runs in this process (exactly what ``python -m streamlit run`` does), so that
    :mod:`dashboard.warm` can import the libraries and read the snapshot while the server starts and the
    browser loads the page, instead of during the first session's first script run."""
    # server.py wraps app.py in st.App with the Host/Origin guard and frame-ancestors (dashboard/guard.py)
    app = Path(__file__).with_name("server.py")
    os.environ["BORDERWATCH_LISTEN_ADDRESS"] = args.address
    argv = ["streamlit", "run", str(app),
            "--server.headless", "true",
            "--server.address", args.address,
            "--server.port", str(args.port),
            "--server.enableStaticServing", "true",
            "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
            "--global.developmentMode", "false",
            "--theme.base", "light",
            "--client.toolbarMode", "viewer",
            "--runner.magicEnabled", "false"]  # as .streamlit/config.toml: the page writes nothing by magic
    print(f"Borderwatch: http://{args.address}:{args.port}  (Ctrl-C to stop)", file=sys.stderr, flush=True)
    if getattr(args, "offline", False):
        os.environ["BORDERWATCH_OFFLINE"] = "1"  # read by the page: start on the embedded snapshot
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")  # before pyarrow loads; see dashboard/app.py
    # Streamlit first, whole, in this thread: its import configures a plotly theme through validators that
    # peek at sys.modules["pandas"], which must not be a half-imported module from the warm-up thread.
    from streamlit.web import cli as streamlit_cli

    from dashboard import warm
    from loaders.config import get_settings
    warm.start(get_settings().data_dir, listen=(args.address, args.port))
    sys.argv = argv
    return streamlit_cli.main(prog_name="streamlit")


# ---------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="borderwatch", description=__doc__.splitlines()[0])
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sp, source_help, offline=True):
        sp.add_argument("--source", help=source_help)
        if offline:
            sp.add_argument("--offline", action="store_true",
                            help="use the embedded snapshot; do not try the live CBP feed first")
        sp.add_argument("--state", help="comma-separated: TX,AZ,CA (default all three)")
        sp.add_argument("--format", choices=FORMATS, default="table")

    src = ("CBP feed: a saved JSON/XML file, an http(s) URL, 'live', or 'refreshed' (the last 'borderwatch "
           "refresh'); default: the live feed, or the embedded snapshot when it cannot be reached within a "
           "few seconds")
    s = sub.add_parser("status", help="status of every crossing (open/partial/closed/unknown) with the reason")
    common(s, src)
    s.add_argument("--at", help="evaluate at this time (ISO date or date-time; naive = each crossing's local time)")
    s.add_argument("--mode", help="judge crossings on these modes only, comma-separated: "
                                  "passenger,pedestrian,commercial,rail")
    s.add_argument("--by-mode", action="store_true",
                   help="one row per crossing x mode (open/closed/unknown, reason, evidence, as of)")
    s.set_defaults(func=cmd_status)

    w = sub.add_parser("waits", help="lane-level wait times: one row per crossing x mode x lane")
    common(w, src)
    w.add_argument("--at", help="mark which readings are current at this time (column 'current'; default: "
                               "the feed's own time)")
    w.set_defaults(func=cmd_waits)

    v = sub.add_parser("volumes", help="BTS monthly crossing counts")
    common(v, "a BTS CSV (.csv/.csv.gz) or Socrata JSON file (default: the embedded snapshot)", offline=False)
    v.add_argument("--port", help="BTS port code(s), comma-separated, e.g. 2602")
    v.add_argument("--crossing", help="a crossing_id: its own series (TxDOT/UNT bridge counts where they exist, "
                                      "else its BTS port total), with the source in a column")
    v.add_argument("--mode", help="with --crossing: modes, comma-separated (passenger,pedestrian,commercial,rail)")
    v.add_argument("--measure", help="measure(s), comma-separated, e.g. 'Personal Vehicles'")
    v.add_argument("--from", dest="start", help="first month, YYYY-MM")
    v.add_argument("--to", dest="end", help="last month, YYYY-MM")
    v.set_defaults(func=cmd_volumes)

    e = sub.add_parser("events", help="the curated closures/suspensions registry (validated)")
    e.add_argument("--file", help="an events CSV to validate and list (default: data/events.csv)")
    e.add_argument("--state", help="comma-separated: TX,AZ,CA")
    e.add_argument("--format", choices=FORMATS, default="table")
    e.set_defaults(func=cmd_events)

    f = sub.add_parser("refresh", help="fetch the live CBP feed, BTS counts and CBP's port-information pages "
                                       "into $BORDERWATCH_HOME/snapshot")
    f.add_argument("--bts-from", default="1996-01", help="first BTS month to fetch (default 1996-01)")
    f.add_argument("--skip", help="comma-separated sources to leave as they are: cbp,bts,portinfo")
    f.set_defaults(func=cmd_refresh)

    r = sub.add_parser("run", help="open the dashboard (Streamlit) on this machine")
    r.add_argument("--port", type=int, default=8501)
    r.add_argument("--address", default="127.0.0.1", help="interface to listen on (default loopback only)")
    r.add_argument("--offline", action="store_true",
                   help="open on the embedded snapshot without trying the live CBP feed")
    r.set_defaults(func=cmd_run)

    try:
        from .export_cli import add_export_parser
    except ImportError:  # pragma: no cover - during development only
        pass
    else:
        add_export_parser(sub)
    from .impact_cli import add_parsers as add_closure_parsers; add_closure_parsers(sub)  # noqa: E702
    from .history_cli import add_history_parsers  # collect; history import/export/coverage/... (the store)
    add_history_parsers(sub)
    from .history_analysis_cli import add_history_parser  # last: extends the store's 'history' group if present
    add_history_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ValidationError as exc:
        if args.debug:
            raise
        for prob in exc.problems:
            print(str(prob), file=sys.stderr)
        return 1
    except BorderwatchError as exc:
        if args.debug:
            raise
        print(f"borderwatch: error: {one_line(exc)}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into head
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # last resort: still one line and a non-zero exit, never a traceback
        if args.debug:
            raise
        print(f"borderwatch: error: {describe_unexpected(exc)} (run with --debug for the traceback)",
              file=sys.stderr)
        return 1


def one_line(exc: BaseException) -> str:
    """An error message on one line (whitespace runs folded), at most 1000 characters."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 1000 else text[:997] + "..."


def describe_unexpected(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    if isinstance(exc, RecursionError):
        return "input nested too deeply to read"
    if isinstance(exc, MemoryError):
        return "out of memory reading the input"
    return f"{exc.__class__.__name__}: {one_line(exc)}"


if __name__ == "__main__":
    sys.exit(main())
