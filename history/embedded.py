"""The built history shipped in ``data/history/readings.parquet`` and its first-use import.

The file is a ``borderwatch history export --format parquet`` of the real archives (San Diego XML-feed
observations, the garitas change log carried forward, the Brownsville RSS captures, SANDAG daily averages as
their own measure), built by ``tools/build_snapshot.py`` and described in ``data/manifest.json`` (role
``history``). :func:`open_history` opens the store and, the first time, imports that file into it (one
transaction, logged as an ``import`` poll named ``embedded:<sha256>``), so a fresh install has a history to
show and the collector appends to it. ``BORDERWATCH_HISTORY_SEED=0`` turns the seeding off.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from loaders.config import Settings, get_settings

from . import tables as t
from .store import Store

EMBEDDED_FILE = "history/readings.parquet"
#: The archives the embedded history is built from (paths under ../shared/data/history).
ARCHIVES = (
    "cbp_sd_2026-08-25_to_2026-10-11.ndjson.gz",
    "garitas_2026-08/garitas_cbp_changelog_2026-08-19_to_2026-08-22.csv",
    "brownsville_rss_2026-08",
    "sandag_daily_waits_2023-01_to_2026-08_calexico_east_tecate_andrade.csv",
)


def embedded_path(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).data_dir / EMBEDDED_FILE


def seed_embedded(store: Store, *, crossings: pd.DataFrame, settings: Settings | None = None) -> int:
    """Import the embedded history once per store. Returns the rows added (0 when already done / absent)."""
    from loaders.snapshot import sha256_file

    from .imports import exported
    path = embedded_path(settings)
    if not path.is_file():
        return 0
    sha = sha256_file(path)
    marker = f"embedded:{sha}"
    with store.read() as conn:
        done = conn.execute(sa.select(t.polls.c.poll_id).where(t.polls.c.kind == "import",
                                                               t.polls.c.location == marker,
                                                               t.polls.c.error.is_(None)).limit(1)).first()
    if done:
        return 0
    added = 0
    for batch in exported.read(path, crossings=crossings):
        with store.write() as conn:
            poll = store.start_poll(conn, "import", marker)
            added += store.add_readings(conn, batch.readings, poll_id=poll)
            store.finish_poll(conn, poll, payload_sha256=sha, rows_seen=len(batch.readings), rows_added=added)
    return added


def open_history(url: str | None = None, *, settings: Settings | None = None, crossings: pd.DataFrame | None = None,
                 seed: bool | None = None) -> Store:
    """The history store of this installation (:func:`history.store.database_url`), seeded with the embedded
    history on first use. This is what the CLI and the dashboard open."""
    settings = settings or get_settings()
    if crossings is None:
        from loaders.crossings import load_crossings
        crossings = load_crossings(settings.data_dir)
    store = Store.open(url, settings=settings, crossings=crossings)
    if seed is None:
        seed = os.environ.get("BORDERWATCH_HISTORY_SEED", "1") not in ("0", "false", "no")
    if seed:
        seed_embedded(store, crossings=crossings, settings=settings)
    return store


def build_embedded(archive_dir: Path, out: Path, *, crossings: pd.DataFrame) -> dict:
    """Import :data:`ARCHIVES` from ``archive_dir`` into a temporary SQLite store and export it to ``out``
    (parquet). Returns counts for the manifest."""
    from .export import export_readings
    from .imports import import_path
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'build.sqlite3'}", crossings=crossings)
        per_source = {}
        for name in ARCHIVES:
            res = import_path(store, archive_dir / name, crossings=crossings, show_progress=False)
            per_source[name] = {"format": res.format, "rows_seen": res.rows_seen, "rows_added": res.rows_added}
        rows = export_readings(store, out, fmt="parquet")
        df = store.readings(measure=None, all_revisions=True)
        store.close()
    return {"rows": rows, "archives": per_source,
            "first": df["source_time"].min().isoformat(), "through": df["source_time"].max().isoformat(),
            "by_source": {k: int(v) for k, v in df["source"].value_counts().sort_index().items()},
            "by_measure": {k: int(v) for k, v in df["measure"].value_counts().sort_index().items()}}
