"""``borderwatch export``: write the page's figures as PNG/SVG/PDF with a manifest, for given filters."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from loaders.errors import BorderwatchError

CHARTS = ("map", "volumes", "compare", "events", "waits")
MIN_SIDE, MAX_CSS_SIDE = 100, 8000  # CSS pixels
MIN_SCALE, MAX_SCALE = 0.25, 8.0
MAX_PIXELS = 64_000_000  # width x height x scale^2: beyond this Chromium runs out of memory or takes ages


def check_size_args(args) -> tuple[int, int | None, float]:
    """``(width, height, scale)`` from the flags, or one BorderwatchError line naming the bad flag."""
    import math

    def side(flag: str, raw) -> int | None:
        if raw is None:
            return None
        text = str(raw).strip()
        if not text.isascii() or not text.isdigit():
            raise BorderwatchError(f"{flag}: {raw!r} is not a whole number of pixels")
        v = int(text)
        if not MIN_SIDE <= v <= MAX_CSS_SIDE:
            raise BorderwatchError(f"{flag}: {v} is out of range ({MIN_SIDE}..{MAX_CSS_SIDE} pixels)")
        return v

    width, height = side("--width", args.width), side("--height", args.height)
    try:
        scale = float(str(args.scale).strip())
    except ValueError:
        raise BorderwatchError(f"--scale: {args.scale!r} is not a number") from None
    if not math.isfinite(scale) or not MIN_SCALE <= scale <= MAX_SCALE:
        raise BorderwatchError(f"--scale: {args.scale!r} is out of range ({MIN_SCALE:g}..{MAX_SCALE:g})")
    tallest = height or 1000
    if width * tallest * scale * scale > MAX_PIXELS:
        raise BorderwatchError(f"--width/--height/--scale: {width}x{tallest} at scale {scale:g} is more than "
                               f"{MAX_PIXELS // 1_000_000} megapixels")
    if max(width, tallest) * scale > MAX_CSS_SIDE:
        raise BorderwatchError(f"--scale: {scale:g} makes a side of {max(width, tallest) * scale:.0f} pixels "
                               f"(at most {MAX_CSS_SIDE})")
    return width, height, scale


def check_out_dir(raw: str) -> Path:
    """The output folder, checked before any work: not a file, creatable, writable (probed, so that a
    read-only file system is caught even for root). One BorderwatchError line naming the folder."""
    import os
    import tempfile
    if not raw or not str(raw).strip():
        raise BorderwatchError("--out: empty folder name")
    out = Path(raw)
    if out.exists() and not out.is_dir():
        raise BorderwatchError(f"--out: {out} exists and is not a folder")
    probe_dir = out
    while not probe_dir.exists():
        parent = probe_dir.parent
        if parent == probe_dir:
            break
        probe_dir = parent
    if not probe_dir.is_dir():
        raise BorderwatchError(f"--out: {out}: {probe_dir} is not a folder")
    try:
        fd, name = tempfile.mkstemp(dir=probe_dir, prefix=".borderwatch-probe-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise BorderwatchError(f"--out: {out}: cannot write in {probe_dir} ({exc.strerror or exc})") from None
    return out


def add_export_parser(sub) -> None:
    x = sub.add_parser("export", help="write chart images (PNG/SVG/PDF) and a manifest.json, offline",
                       description="Render the same figures the page shows for the same filters.")
    x.add_argument("--chart", default="all", help=f"one or more of {', '.join(CHARTS)} (comma-separated), or all")
    x.add_argument("--state", help="comma-separated: TX,AZ,CA (default all three)")
    x.add_argument("--crossing", help="a crossing_id from data/crossings.csv, e.g. az-lukeville")
    x.add_argument("--port", help="BTS port code(s) for the volume charts, comma-separated")
    x.add_argument("--family", choices=("vehicles", "people", "freight"), default="vehicles")
    x.add_argument("--measure", help="one BTS measure, e.g. 'Personal Vehicles'")
    x.add_argument("--mode", help="comma-separated: passenger,pedestrian,commercial,rail")
    x.add_argument("--region", help="zoom the map to an area: san-diego, calexico, nogales, el-paso, laredo, "
                                    "rio-grande-valley")
    x.add_argument("--group", choices=("measure", "state", "port"),
                   help="volumes with --measure: one line per measure (default), state or port")
    x.add_argument("--from", dest="start", help="first month, YYYY-MM")
    x.add_argument("--to", dest="end", help="last month, YYYY-MM")
    x.add_argument("--at", help="status as of this time (ISO date or date-time)")
    x.add_argument("--format", choices=("png", "svg", "pdf"), default="png")
    x.add_argument("--width", default="1200", help=f"CSS pixels, {MIN_SIDE}..{MAX_CSS_SIDE} (default 1200)")
    x.add_argument("--height", help=f"CSS pixels, {MIN_SIDE}..{MAX_CSS_SIDE} (default: the chart's own height)")
    x.add_argument("--scale", default="1", help=f"pixel ratio for PNG, {MIN_SCALE:g}..{MAX_SCALE:g} (default 1)")
    x.add_argument("--out", default="borderwatch-export", help="output folder (default ./borderwatch-export)")
    x.set_defaults(func=cmd_export)


def export_filters(args):
    """Filters from the export flags, validated the same way as a page URL."""
    from dashboard.filters import Filters
    q = {k: v for k, v in {"state": args.state, "crossing": args.crossing, "port": args.port,
                            "family": args.family, "measure": args.measure, "mode": args.mode, "group": args.group, "region": args.region,
                            "from": args.start, "to": args.end, "at": args.at}.items() if v}
    f = Filters.from_query(q)
    if f.warnings:
        raise BorderwatchError("; ".join(w.replace("ignored ", "bad value ") for w in f.warnings))
    return f


def charts_wanted(value: str) -> list[str]:
    names = list(CHARTS) if value == "all" else [c.strip() for c in value.split(",") if c.strip()]
    bad = [c for c in names if c not in CHARTS]
    if bad or not names:
        raise BorderwatchError(f"--chart: unknown chart(s) {', '.join(bad) or '(none)'}; choose from "
                               f"{', '.join(CHARTS)} or all")
    return names


def manifest_for(snap, f, charts: list[str]) -> dict:
    from dashboard import views
    start, end = views.effective_months(snap, f)
    cbp, bts = snap.file_entry("cbp"), snap.file_entry("bts")
    return {
        "charts": charts,
        "filters": {**f.to_query(), "effective_months": f"{start}..{end}"},
        "snapshot_id": snap.snapshot_id,
        "data_sources": {
            "cbp_wait_times": {"title": cbp.get("title"), "source_url": cbp.get("source_url"),
                               "as_of": cbp.get("as_of"), "provenance": cbp.get("provenance")},
            "bts_crossings": {"title": bts.get("title"), "source_url": bts.get("source_url"),
                              "first_month": bts.get("first"), "through": bts.get("through"),
                              "provenance": bts.get("provenance")},
            "txdot_unt_bridge_counts": {k: snap.file_entry("txdot").get(k) for k in
                                        ("title", "source_url", "first", "through", "provenance")},
            "events": {"title": "project events registry (data/events.csv)", "rows": len(snap.events)},
        },
    }


def file_stem(chart: str, f, snap) -> str:
    from dashboard import views
    from dashboard.export import safe_filename
    start, end = views.effective_months(snap, f)
    parts = [chart, "-".join(f.states)]
    if f.crossing:
        parts.append(f.crossing)
    if f.ports and chart in ("volumes", "compare"):
        parts.append("ports-" + "-".join(f.ports))
    if chart in ("volumes", "compare"):
        parts += [f.measure or f.family, start, end]
    if chart == "map" and f.region:
        parts.append(f.region)
    if chart in ("map", "events") and f.at:
        parts.append(f"at-{f.at}")
    return safe_filename(*parts)


def cmd_export(args) -> int:
    from dashboard import views
    from dashboard.export import export_figures
    from loaders.snapshot import load_snapshot

    # Every argument is checked before any data is read or a browser is started.
    width, height, scale = check_size_args(args)
    out = check_out_dir(args.out)
    f = export_filters(args)
    wanted = charts_wanted(args.chart)
    snap = load_snapshot()
    if f.crossing and f.crossing not in set(snap.crossings["crossing_id"]):
        raise BorderwatchError(f"--crossing: unknown crossing {f.crossing!r} (see 'crossing_id' in data/crossings.csv)")
    specs = views.all_charts(snap, f)
    if "waits" in wanted and "waits" not in specs:
        if args.chart != "all":
            raise BorderwatchError("--chart waits needs --crossing with a CBP wait-time feed (e.g. ca-san-ysidro)")
        wanted.remove("waits")
    figures = {file_stem(c, f, snap): specs[c].figure for c in wanted}
    try:
        paths = export_figures(figures, out_dir=out, fmt=args.format, width=width,
                               height=height, scale=scale, manifest=manifest_for(snap, f, wanted))
    except OSError as exc:
        raise BorderwatchError(f"--out: {out}: cannot write ({exc.strerror or exc}); nothing was exported") from exc
    for p in paths:
        print(p)
    return 0


if __name__ == "__main__":  # pragma: no cover
    p = argparse.ArgumentParser()
    add_export_parser(p.add_subparsers(dest="command"))
    a = p.parse_args()
    sys.exit(a.func(a))
