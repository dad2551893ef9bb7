"""``borderwatch collect`` and the store side of ``borderwatch history``: import, export, coverage, readings,
latest, polls, info, typical (the analysis subcommands are in :mod:`dashboard.history_analysis_cli`).

    borderwatch collect --once                        # one poll of the live CBP feed into the history
    borderwatch collect --every 300                   # every 5 minutes until stopped (SIGTERM/Ctrl-C)
    borderwatch history import PATH [PATH ...]        # a real archive, a saved feed or an export
    borderwatch history export --out h.parquet --format parquet
    borderwatch history coverage                      # share of local hours observed, last 28 days
    borderwatch history readings --crossing ca-san-ysidro --from 2026-09-01 --to 2026-09-08
    borderwatch history latest --at 2026-08-20T12:00Z # newest reading of every lane at or before t
    borderwatch history polls                         # the poll / import log
    borderwatch history info                          # which database, schema version, row counts
    borderwatch history typical PATH                  # CBP's typical waits (historicalwaittimes) as a table

The store is ``$BORDERWATCH_DB`` (e.g. ``postgresql://user@host/borderwatch``) or the SQLite file
``$BORDERWATCH_HOME/history.sqlite3``; it is created, migrated and seeded with the embedded history on first use.
"""
from __future__ import annotations

import sys
from pathlib import Path

from loaders.errors import BorderwatchError

FORMATS = ("table", "csv", "json")


def add_history_parsers(sub) -> None:
    c = sub.add_parser("collect", help="poll the CBP feed into the wait-time history (once or every N seconds)",
                       description="Fetch the CBP feed (JSON, XML fallback) and append every lane reading to "
                                   "the history store; each poll is logged and its raw payload kept.")
    g = c.add_mutually_exclusive_group()
    g.add_argument("--once", action="store_true", help="one poll, then exit (the default)")
    g.add_argument("--every", type=float, metavar="SECONDS", help="poll every SECONDS until stopped")
    c.add_argument("--source", help="a CBP feed URL or a saved JSON/XML file (default: the live feed)")
    c.add_argument("--polls", type=int, help="with --every: stop after this many polls")
    c.add_argument("--verbose", action="store_true", help="print one line per poll (default: failures only)")
    c.set_defaults(func=cmd_collect)

    h = sub.add_parser("history", help="the wait-time history: import, export, coverage, readings, polls",
                       description="The wait-time history store (SQLite in $BORDERWATCH_HOME or $BORDERWATCH_DB).")
    hs = h.add_subparsers(dest="history_command", required=True, metavar="SUBCOMMAND")

    i = hs.add_parser("import", help="import archives (format detected): San Diego NDJSON/CSV, garitas change "
                                     "log, Brownsville RSS folder, SANDAG daily CSV, saved feed, our exports")
    i.add_argument("paths", nargs="+", metavar="PATH")
    i.set_defaults(func=cmd_import)

    x = hs.add_parser("export", help="write the readings (every revision and measure) as CSV or parquet")
    x.add_argument("--out", required=True, help="output file")
    x.add_argument("--format", choices=("csv", "parquet"), default=None,
                   help="default: from the file name (.parquet -> parquet, else csv)")
    _filters(x)
    x.set_defaults(func=cmd_export)

    v = hs.add_parser("coverage", help="share of port-local hours with a reading, per crossing (last 28 days)")
    v.add_argument("--end", help="end of the window (ISO time, exclusive; default now)")
    v.add_argument("--days", type=int, default=28)
    v.add_argument("--state", help="comma-separated: TX,AZ,CA")
    v.add_argument("--format", choices=FORMATS, default="table")
    v.set_defaults(func=cmd_coverage)

    r = hs.add_parser("readings", help="stored readings (newest revision; --all-revisions for every one)")
    _filters(r)
    r.add_argument("--all-revisions", action="store_true")
    r.add_argument("--format", choices=FORMATS, default="table")
    r.set_defaults(func=cmd_readings)

    lt = hs.add_parser("latest", help="newest reading of every lane at or before --at (default: newest)")
    lt.add_argument("--at", help="ISO time (naive = UTC)")
    lt.add_argument("--crossing", help="crossing_id(s), comma-separated")
    lt.add_argument("--format", choices=FORMATS, default="table")
    lt.set_defaults(func=cmd_latest)

    p = hs.add_parser("polls", help="the poll and import log, newest first")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(func=cmd_polls)

    n = hs.add_parser("info", help="database (password hidden), schema version, rows per source and measure")
    n.add_argument("--format", choices=FORMATS, default="table")
    n.set_defaults(func=cmd_info)

    ty = hs.add_parser("typical", help="CBP's typical waits (historicalwaittimes CSV/JSON) as a tidy table")
    ty.add_argument("path", nargs="?", help="a saved historicalwaittimes file (default: the embedded San Ysidro one)")
    ty.add_argument("--format", choices=FORMATS, default="table")
    ty.set_defaults(func=cmd_typical)


def _filters(sp) -> None:
    sp.add_argument("--crossing", help="crossing_id(s), comma-separated")
    sp.add_argument("--mode", help="passenger,pedestrian,commercial")
    sp.add_argument("--lane", help="standard,sentri,ready,fast")
    sp.add_argument("--source", dest="sources", help="source label(s), e.g. collector,brownsville-rss")
    sp.add_argument("--measure", choices=("reading", "daily_average", "all"), default=None,
                    help="default: readings (export: all)")
    sp.add_argument("--from", dest="start", help="first source time (ISO; naive = UTC)")
    sp.add_argument("--to", dest="end", help="end of source time, exclusive")


def _list(v):
    return [x.strip() for x in v.split(",") if x.strip()] if v else None


def _time(v, flag):
    if not v:
        return None
    import pandas as pd
    try:
        t = pd.Timestamp(v)
    except (ValueError, TypeError) as exc:
        raise BorderwatchError(f"{flag}: {v!r} is not a date or time (use ISO 8601, e.g. 2026-08-20T12:00Z)") from exc
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _filter_kwargs(args, default_measure):
    measure = args.measure or default_measure
    return dict(crossing_ids=_list(args.crossing), modes=_list(args.mode), lanes=_list(args.lane),
                sources=_list(args.sources), measure=None if measure == "all" else measure,
                start=_time(args.start, "--from"), end=_time(args.end, "--to"))


def _open(seed: bool = True):
    from history.embedded import open_history
    return open_history(seed=None if seed else False)


def _write(df, fmt):
    from .cli import write_frame
    write_frame(df, fmt)


def cmd_collect(args) -> int:
    from history.collector import collect_loop, collect_once
    from loaders.config import get_settings
    from loaders.crossings import load_crossings
    settings = get_settings()
    crossings = load_crossings(settings.data_dir)
    store = _open()
    try:
        if args.every is None:
            res = collect_once(store, crossings=crossings, source=args.source, settings=settings)
            print(res.line(), file=sys.stderr if res.error else sys.stdout)
            return 1 if res.error else 0
        if args.every <= 0:
            raise BorderwatchError(f"--every: {args.every:g} is not a positive number of seconds")
        out = (lambda line: print(line, file=sys.stderr, flush=True))
        results = collect_loop(store, crossings=crossings, every=args.every, source=args.source,
                               settings=settings, max_polls=args.polls,
                               log=out if not args.verbose else None)
        if args.verbose:
            for r in results:
                print(r.line(), file=sys.stderr if r.error else sys.stdout)
        ok = sum(1 for r in results if not r.error)
        print(f"{len(results)} polls ({len(results) - ok} failed), {sum(r.rows_added for r in results)} rows added",
              file=sys.stderr)
        return 0
    finally:
        store.close()


def cmd_import(args) -> int:
    from history.imports import import_path
    from loaders.config import get_settings
    from loaders.crossings import load_crossings
    crossings = load_crossings(get_settings().data_dir)
    store = _open()
    try:
        for path in args.paths:
            r = import_path(store, Path(path), crossings=crossings)
            extra = f"; {len(r.unknown_ports)} port(s) not in the crossings reference left out" \
                if r.unknown_ports else ""
            print(f"{path}: {r.format}: {r.rows_seen} rows read, {r.rows_added} added{extra}")
    finally:
        store.close()
    return 0


def cmd_export(args) -> int:
    from history.export import export_readings
    fmt = args.format or ("parquet" if args.out.lower().endswith(".parquet") else "csv")
    store = _open()
    try:
        n = export_readings(store, args.out, fmt=fmt, all_revisions=True, **_filter_kwargs(args, "all"))
    finally:
        store.close()
    print(f"{args.out}: {n} rows ({fmt})")
    return 0


def cmd_coverage(args) -> int:
    import pandas as pd

    from history.coverage import coverage
    from loaders.config import get_settings
    from loaders.crossings import load_crossings
    from .cli import _states
    crossings = load_crossings(get_settings().data_dir)
    store = _open()
    try:
        df = coverage(store, crossings, end=_time(args.end, "--end"), window=pd.Timedelta(days=args.days),
                      states=_states(args.state))
    finally:
        store.close()
    print(f"# window {df.attrs['start']:%Y-%m-%d %H:%M} .. {df.attrs['end']:%Y-%m-%d %H:%M} UTC "
          f"({args.days} days = {args.days * 24} hours)", file=sys.stderr)
    _write(df, args.format)
    return 0


def cmd_readings(args) -> int:
    store = _open()
    try:
        df = store.readings(all_revisions=args.all_revisions, **_filter_kwargs(args, "reading"))
    finally:
        store.close()
    _write(df, args.format)
    return 0


def cmd_latest(args) -> int:
    store = _open()
    try:
        df = store.latest(at=_time(args.at, "--at"), crossing_ids=_list(args.crossing))
    finally:
        store.close()
    _write(df, args.format)
    return 0


def cmd_polls(args) -> int:
    store = _open(seed=False)
    try:
        df = store.polls(limit=args.limit)
    finally:
        store.close()
    _write(df, args.format)
    return 0


def cmd_info(args) -> int:
    import pandas as pd
    import sqlalchemy as sa

    from history import tables as t
    from history.migrations import current_version
    from history.store import redact
    store = _open()
    try:
        r = t.readings.c
        with store.read() as conn:
            version = current_version(conn)
            rows = conn.execute(sa.select(r.source, r.measure, sa.func.count(), sa.func.min(r.source_time),
                                          sa.func.max(r.source_time)).group_by(r.source, r.measure)
                                .order_by(r.source)).all()
            polls = conn.execute(sa.select(sa.func.count()).select_from(t.polls)).scalar()
    finally:
        store.close()
    print(f"# {redact(store.url)}  schema version {version}  {polls} polls/imports", file=sys.stderr)
    df = pd.DataFrame(rows, columns=["source", "measure", "rows", "first", "last"])
    for c in ("first", "last"):
        df[c] = pd.to_datetime(df[c], unit="s", utc=True)
    _write(df, args.format)
    return 0


def cmd_typical(args) -> int:
    from loaders.cbp_typical import load_typical
    _write(load_typical(args.path), args.format)
    return 0
