"""The history store: one database (SQLite by default, PostgreSQL by one setting) behind SQLAlchemy Core.

    store = Store.open()                      # $BORDERWATCH_DB, else $BORDERWATCH_HOME/history.sqlite3
    with store.write() as conn:               # one transaction: all or nothing (kill -9 safe)
        poll = store.start_poll(conn, "import", "file.csv")
        added = store.add_readings(conn, frame, poll_id=poll)
    store.readings(crossing_ids=["ca-san-ysidro"], start=..., end=...)   # READINGS_COLUMNS frame
    store.latest(at=t)                        # newest reading of every lane at or before t
    store.wait_histogram("ca-san-ysidro", "passenger", "standard")     # weekday x hour x delay -> n

Writers are serialised: SQLite ``BEGIN IMMEDIATE`` (WAL, so readers never wait), PostgreSQL a transaction
advisory lock. Re-adding a value already stored for a lane and source time adds nothing; a different value for
the same source time becomes the next revision and marks the earlier ones ``superseded`` (they stay stored).
Inserts use the dialects' ``INSERT .. ON CONFLICT DO NOTHING`` so a race can never create a duplicate.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from loaders.config import Settings, get_settings
from loaders.errors import BorderwatchError
from loaders.schema import conform, empty_frame

from . import tables as t
from .migrations import migrate
from .schema import POLLS_COLUMNS, READINGS_COLUMNS

DB_FILENAME = "history.sqlite3"
#: Key of PostgreSQL's transaction-level advisory lock taken by every writer ("BWHIST" in ASCII).
PG_WRITE_LOCK = 0x425748495354
KEY = ["port_number", "mode", "lane", "measure", "source_time"]
_VALUE_COLS = ["operational_status", "delay_minutes", "lanes_open", "port_status"]
#: Bound parameters per dedupe probe statement (well under SQLite's 32,766 and PostgreSQL's 65,535).
_PROBE_PARAMS = 2000


def database_url(settings: Settings | None = None, env: Mapping[str, str] | None = None) -> str:
    """``$BORDERWATCH_DB`` (``postgresql://`` is taken as ``postgresql+psycopg://``), else the SQLite file
    ``$BORDERWATCH_HOME/history.sqlite3``."""
    env = os.environ if env is None else env
    url = (env.get("BORDERWATCH_DB") or "").strip()
    if not url:
        settings = settings or get_settings()
        return f"sqlite:///{(settings.home / DB_FILENAME).as_posix()}"
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def redact(url: str) -> str:
    """The URL with any password replaced by ***, for messages and logs."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a message helper must not fail
        return "<database url>"


def epoch_seconds(values) -> np.ndarray:
    """UTC instants (Series / DatetimeIndex, tz-aware) -> int64 seconds since the epoch."""
    idx = pd.DatetimeIndex(values)
    if idx.tz is None:
        raise ValueError("naive times: history times must be timezone-aware")
    return ((idx.tz_convert("UTC") - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(np.int64)


def from_epoch(values) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(np.asarray(values, dtype="int64"), unit="s", utc=True)).astype(
        "datetime64[ns, UTC]")


def fingerprints(frame: pd.DataFrame, cols: list[str] | None = None) -> np.ndarray:
    """A stable 63-bit hash of each row's value (status, delay, lanes open, port status): the same value
    always gives the same number, across processes and library versions (blake2b of the text
    ``status|delay|lanes|port status``, NA as empty)."""
    cols = cols or _VALUE_COLS
    return _hash_texts(zip(*(_texts(frame[c]) for c in cols)))


def _texts(values) -> list[str]:
    """Each value as text, NA as "" (plain Python: a poll is a few hundred rows, where pandas' string
    operations cost milliseconds each)."""
    return ["" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v)
            for v in (values.tolist() if hasattr(values, "tolist") else values)]


def _hash_texts(rows) -> np.ndarray:
    table: dict[str, int] = {}
    out = []
    for parts in rows:
        text = "|".join(parts)
        h = table.get(text)
        if h is None:
            h = table[text] = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") >> 1
        out.append(h)
    return np.array(out, dtype=np.int64)


def _core(frame: pd.DataFrame) -> np.ndarray:
    """The value without the port status and without the no delay / delay distinction: what a source that
    reports neither (CBP's RSS writes every reading as "N min delay", no port status) shares with the feed."""
    status = ["reading" if s in ("no delay", "delay") else s for s in _texts(frame["operational_status"])]
    return _hash_texts(zip(status, _texts(frame["delay_minutes"]), _texts(frame["lanes_open"])))


@dataclass
class Store:
    """An open history database. Create with :meth:`Store.open`."""

    engine: sa.Engine
    url: str
    zones: dict[str, str]  # crossing_id -> IANA zone (for the port-local weekday and hour)

    # ------------------------------------------------------------------ open / transactions
    @classmethod
    def open(cls, url: str | None = None, *, settings: Settings | None = None,
             crossings: pd.DataFrame | None = None) -> "Store":
        """Open (creating and migrating as needed) the store at ``url`` (default :func:`database_url`).

        Raises :class:`BorderwatchError` naming the database when it cannot be opened."""
        settings = settings or get_settings()
        url = url or database_url(settings)
        if crossings is None:
            from loaders.crossings import load_crossings
            crossings = load_crossings(settings.data_dir)
        zones = dict(zip(crossings["crossing_id"].astype(str), crossings["tz"].astype(str)))
        engine = _make_engine(url)
        store = cls(engine=engine, url=url, zones=zones)
        try:
            with store.write() as conn:
                migrate(conn, redact(url))
        except sa.exc.SQLAlchemyError as exc:
            engine.dispose()
            raise BorderwatchError(f"history store {redact(url)}: cannot open: {_one_line(exc)}") from exc
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A write transaction (serialised with other writers); commits on exit, rolls back on error."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(bw_write=True)
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_WRITE_LOCK})
                yield conn

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    # ------------------------------------------------------------------ polls and payloads
    def start_poll(self, conn: sa.Connection, kind: str, location: str, *, started_at: float | None = None) -> int:
        res = conn.execute(t.polls.insert().values(kind=kind, location=location,
                                                   started_at=int(started_at or time.time())))
        return int(res.inserted_primary_key[0])

    def finish_poll(self, conn: sa.Connection, poll_id: int, *, http_status: int | None = None,
                    payload_sha256: str | None = None, rows_seen: int | None = None,
                    rows_added: int | None = None, error: str | None = None) -> None:
        conn.execute(t.polls.update().where(t.polls.c.poll_id == poll_id).values(
            finished_at=int(time.time()), http_status=http_status, payload_sha256=payload_sha256,
            rows_seen=rows_seen, rows_added=rows_added, error=error))

    def log_failed_poll(self, kind: str, location: str, error: str, *, http_status: int | None = None,
                        started_at: float | None = None) -> int:
        """Record a poll that produced nothing (own transaction)."""
        with self.write() as conn:
            pid = self.start_poll(conn, kind, location, started_at=started_at)
            self.finish_poll(conn, pid, http_status=http_status, rows_added=0, error=error[:2000])
        return pid

    def put_payload(self, conn: sa.Connection, raw: bytes, *, location: str, content_type: str = "") -> str:
        """Keep ``raw`` gzip-compressed, keyed by its sha256 (a payload already kept is not stored twice)."""
        sha = hashlib.sha256(raw).hexdigest()
        ins = self._insert(conn, t.payloads).values(
            sha256=sha, first_seen=int(time.time()), location=location, content_type=content_type,
            size=len(raw), encoding="gzip", data=gzip.compress(raw, compresslevel=6, mtime=0))
        conn.execute(ins.on_conflict_do_nothing(index_elements=["sha256"]))
        return sha

    def payload(self, sha256: str) -> bytes:
        """The raw payload with this sha256 (decompressed). Raises KeyError when not kept."""
        with self.read() as conn:
            row = conn.execute(sa.select(t.payloads.c.data).where(t.payloads.c.sha256 == sha256)).first()
        if row is None:
            raise KeyError(sha256)
        return gzip.decompress(row[0])

    def polls(self, limit: int | None = 50) -> pd.DataFrame:
        """The poll / import log, newest first, as POLLS_COLUMNS."""
        q = sa.select(t.polls).order_by(t.polls.c.poll_id.desc())
        if limit:
            q = q.limit(limit)
        with self.read() as conn:
            rows = conn.execute(q).mappings().all()
        df = pd.DataFrame(rows, columns=[c.name for c in POLLS_COLUMNS])
        for c in ("started_at", "finished_at"):
            df[c] = pd.to_datetime(df[c].astype("Float64"), unit="s", utc=True).astype("datetime64[ns, UTC]")
        return conform(df, POLLS_COLUMNS, "history polls")

    # ------------------------------------------------------------------ writing readings
    def add_readings(self, conn: sa.Connection, frame: pd.DataFrame, *, poll_id: int | None = None) -> int:
        """Add the rows of a readings frame (READINGS_COLUMNS; ``revision`` and ``poll_id`` are assigned here).

        Returns the number of rows added. Values already stored for the same lane and source time are
        skipped; new values for a stored source time become the next revision."""
        if frame.empty:
            return 0
        df = pd.DataFrame({c: frame[c] for c in ("crossing_id", "port_number", "mode", "lane", "measure",
                                                  "operational_status", "delay_minutes", "lanes_open",
                                                  "port_status", "source")})
        df["source_time"] = epoch_seconds(frame["source_time"])
        df["collected_at"] = epoch_seconds(frame["collected_at"])
        df["fingerprint"] = fingerprints(df)
        df = df.drop_duplicates(KEY + ["fingerprint"], keep="first")
        unknown = sorted(set(df["crossing_id"]) - set(self.zones))
        if unknown:
            raise BorderwatchError(f"history: crossing_id(s) not in the crossings reference: {', '.join(unknown[:5])}")

        existing = self._existing(conn, df)
        if len(existing):
            # Already stored: the same value, or the same status/delay/lanes where one side has no port
            # status (an archive that does not report it, e.g. the RSS, seeing the reading another source has).
            # Python sets of row keys: a poll is a few hundred rows, where three pandas merges cost ~50 ms.
            def keyed(frame, extra):
                return list(zip(*(frame[c].tolist() for c in KEY), extra.tolist()))
            df_core, ex_core = _core(df), _core(existing)
            exact = set(keyed(existing, existing["fingerprint"]))
            any_ps = keyed(existing, ex_core)
            loose = {k for k, na in zip(any_ps, existing["port_status"].isna().tolist()) if na}
            any_ps = set(any_ps)
            same = np.array([fp in exact or core in loose or (na and core in any_ps) for fp, core, na in
                             zip(keyed(df, df["fingerprint"]), keyed(df, df_core), df["port_status"].isna().tolist())],
                            dtype=bool)
            df = df[~same].copy()
            if df.empty:
                return 0
            top: dict[tuple, int] = {}
            for k, rev in zip(zip(*(existing[c].tolist() for c in KEY)), existing["revision"].tolist()):
                top[k] = max(rev, top.get(k, -1))
            base = np.array([top.get(k, -1) + 1 for k in zip(*(df[c].tolist() for c in KEY))], dtype="int64")
        else:
            base = np.zeros(len(df), dtype="int64")
        keys = list(zip(*(df[c].tolist() for c in KEY)))
        seen: dict[tuple, int] = {}
        step = np.array([seen.__setitem__(k, seen.get(k, -1) + 1) or seen[k] for k in keys], dtype="int64")
        df["revision"] = base + step
        last = {k: i for i, k in enumerate(keys)}
        df["superseded"] = np.array([last[k] != i for i, k in enumerate(keys)], dtype=bool)
        df["poll_id"] = poll_id
        self._local_fields(df)

        cols = [c.name for c in t.readings.columns if c.name != "id"]
        rows = list(zip(*(_plain(df[c]) for c in cols)))
        added = _insert_readings(conn, cols, rows)
        revised = df[df["revision"] > 0]
        if len(revised):
            r = t.readings.c
            upd = (t.readings.update()
                   .where(r.port_number == sa.bindparam("b_port"), r.mode == sa.bindparam("b_mode"),
                          r.lane == sa.bindparam("b_lane"), r.measure == sa.bindparam("b_measure"),
                          r.source_time == sa.bindparam("b_time"), r.revision < sa.bindparam("b_rev"))
                   .values(superseded=True))
            conn.execute(upd, [{"b_port": a, "b_mode": b, "b_lane": c, "b_measure": d, "b_time": int(e),
                                "b_rev": int(f)} for a, b, c, d, e, f in
                               revised[KEY + ["revision"]].itertuples(index=False)])
        self._touch_lanes(conn, df)
        return added

    def _existing(self, conn: sa.Connection, df: pd.DataFrame) -> pd.DataFrame:
        """Every stored row (all revisions) with the same (port, mode, lane, measure, source time) as a row of
        ``df``: exact probes of a unique key index (SQLite: one OR term per lane with its source times;
        PostgreSQL: a join with the keys as arrays, :func:`_pg_probe`), so the cost
        follows the rows being added, not the size of the store (a range over ports would read a lane's whole
        history)."""
        names = KEY + ["fingerprint", "revision"] + _VALUE_COLS
        if conn.dialect.name == "postgresql":
            keys = list(dict.fromkeys(zip(*(df[c].tolist() for c in KEY))))
            rows = _pg_probe(conn, names, keys)
            return _existing_frame(names, rows)
        # Plain DBAPI SQL: building ~200 SQLAlchemy expressions per poll cost more than the probes themselves.
        head = f"SELECT {', '.join(names)} FROM readings WHERE "
        rows: list[tuple] = []
        terms: list[str] = []
        params: list = []

        def flush():
            rows.extend(tuple(x) for x in conn.exec_driver_sql(head + " OR ".join(terms), tuple(params)))
            terms.clear()
            params.clear()

        lanes: dict[tuple, set] = {}
        for port, mode, lane, measure, when in zip(*(df[c].tolist() for c in KEY)):
            lanes.setdefault((str(port), str(mode), str(lane), str(measure)), set()).add(int(when))
        for (port, mode, lane, measure), times in lanes.items():
            times = sorted(times)
            for i in range(0, len(times), _PROBE_PARAMS):
                part = times[i:i + _PROBE_PARAMS]
                terms.append("(port_number = ? AND mode = ? AND lane = ? AND measure = ? "
                             f"AND source_time IN ({', '.join(['?'] * len(part))}))")
                params.extend([port, mode, lane, measure, *part])
                if len(params) >= _PROBE_PARAMS:
                    flush()
        if terms:
            flush()
        return _existing_frame(names, rows)

    def _local_fields(self, df: pd.DataFrame) -> None:
        """Port-local weekday (0 = Monday) and hour of each source time, one conversion per time zone."""
        dow = np.zeros(len(df), dtype="int64")
        hour = np.zeros(len(df), dtype="int64")
        times = from_epoch(df["source_time"].to_numpy())
        zones = np.array([self.zones[c] for c in df["crossing_id"]], dtype=object)
        for tz in set(zones):
            m = zones == tz
            local = times[m].tz_convert(tz)
            dow[m] = local.day_of_week
            hour[m] = local.hour
        df["local_dow"] = dow
        df["local_hour"] = hour

    def _touch_lanes(self, conn: sa.Connection, df: pd.DataFrame) -> None:
        seen: dict[tuple, list] = {}
        for port, mode, lane, measure, cid, when in zip(*(df[c].tolist() for c in (
                "port_number", "mode", "lane", "measure", "crossing_id", "source_time"))):
            k = (port, mode, lane, measure)
            v = seen.get(k)
            if v is None:
                seen[k] = [cid, when, when]
            else:
                v[1], v[2] = min(v[1], when), max(v[2], when)
        rows = [{"port_number": k[0], "mode": k[1], "lane": k[2], "measure": k[3], "crossing_id": v[0],
                 "first_time": int(v[1]), "last_time": int(v[2])} for k, v in seen.items()]
        ins = self._insert(conn, t.lanes)
        ex = ins.excluded
        lc = t.lanes.c
        stmt = ins.on_conflict_do_update(
            index_elements=["port_number", "mode", "lane", "measure"],
            set_={"crossing_id": ex.crossing_id,
                  "first_time": sa.case((ex.first_time < lc.first_time, ex.first_time), else_=lc.first_time),
                  "last_time": sa.case((ex.last_time > lc.last_time, ex.last_time), else_=lc.last_time)})
        conn.execute(stmt, rows)

    def _insert(self, conn: sa.Connection, table: sa.Table):
        if conn.dialect.name == "postgresql":
            return pg_dialect.insert(table)
        if conn.dialect.name == "sqlite":
            return sqlite_dialect.insert(table)
        raise BorderwatchError(f"history store: unsupported database {conn.dialect.name!r} (SQLite or PostgreSQL)")

    # ------------------------------------------------------------------ reading
    def readings(self, *, crossing_ids: Iterable[str] | None = None, ports: Iterable[str] | None = None,
                 modes: Iterable[str] | None = None, lanes: Iterable[str] | None = None,
                 measure: str | None = "reading", start=None, end=None, sources: Iterable[str] | None = None,
                 all_revisions: bool = False) -> pd.DataFrame:
        """Readings as a READINGS_COLUMNS frame, ordered by crossing, mode, lane, source time, revision.

        ``start`` (inclusive) / ``end`` (exclusive) bound ``source_time``; ``measure`` None returns every
        measure (readings *and* SANDAG daily averages: the ``measure`` column tells them apart)."""
        r = t.readings.c
        q = sa.select(*[r[c.name] for c in READINGS_COLUMNS])
        q = _filters(q, crossing_ids=crossing_ids, ports=ports, modes=modes, lanes=lanes, measure=measure,
                     start=start, end=end, sources=sources)
        if not all_revisions:
            q = q.where(r.superseded.is_(False))
        q = q.order_by(r.crossing_id, r.mode, r.lane, r.source_time, r.revision)
        with self.read() as conn:
            rows = [tuple(r) for r in conn.execute(q)]
        return readings_frame(rows)

    def count(self, **filters) -> int:
        """Number of stored rows (every revision) matching the :meth:`readings` filters."""
        q = _filters(sa.select(sa.func.count()).select_from(t.readings), **filters)
        with self.read() as conn:
            return int(conn.execute(q).scalar() or 0)

    def latest(self, at=None, *, crossing_ids: Iterable[str] | None = None, measure: str = "reading",
               max_age: pd.Timedelta | None = None) -> pd.DataFrame:
        """The newest reading (newest revision) of every lane with ``source_time <= at`` (default: the newest
        of all), optionally no older than ``max_age`` before ``at``. One indexed probe per lane."""
        r2 = t.readings.alias("r2")
        lc = t.lanes.c
        inner = (sa.select(r2.c.id)
                 .where(r2.c.port_number == lc.port_number, r2.c.mode == lc.mode, r2.c.lane == lc.lane,
                        r2.c.measure == lc.measure)
                 .order_by(r2.c.source_time.desc(), r2.c.revision.desc()).limit(1))
        if at is not None:
            at_s = int(epoch_seconds([pd.Timestamp(at)])[0])
            inner = inner.where(r2.c.source_time <= at_s)
            if max_age is not None:
                inner = inner.where(r2.c.source_time >= at_s - int(pd.Timedelta(max_age).total_seconds()))
        r = t.readings.c
        q = (sa.select(*[r[c.name] for c in READINGS_COLUMNS])
             .select_from(t.lanes.join(t.readings, r.id == inner.correlate(t.lanes).scalar_subquery()))
             .where(lc.measure == measure))
        if crossing_ids is not None:
            q = q.where(lc.crossing_id.in_(list(crossing_ids)))
        q = q.order_by(r.crossing_id, r.mode, r.lane)
        with self.read() as conn:
            rows = [tuple(r) for r in conn.execute(q)]
        return readings_frame(rows)

    def wait_histogram(self, crossing_id: str, mode: str, lane: str, *, start=None, end=None,
                       measure: str = "reading") -> pd.DataFrame:
        """Counts of each delay per port-local weekday (0 = Monday) and hour, for one crossing and lane:
        columns ``dow, hour, delay_minutes, n``. Exact medians follow with :func:`histogram_medians`. Only
        readings with a number count (closed / pending are missing, not 0); newest revisions only."""
        r = t.readings.c
        q = (sa.select(r.local_dow, r.local_hour, r.delay_minutes, sa.func.count())
             .where(r.crossing_id == crossing_id, r.mode == mode, r.lane == lane, r.measure == measure,
                    r.superseded.is_(False), r.delay_minutes.is_not(None))
             .group_by(r.local_dow, r.local_hour, r.delay_minutes))
        if start is not None:
            q = q.where(r.source_time >= int(epoch_seconds([pd.Timestamp(start)])[0]))
        if end is not None:
            q = q.where(r.source_time < int(epoch_seconds([pd.Timestamp(end)])[0]))
        with self.read() as conn:
            rows = [tuple(r) for r in conn.execute(q)]
        return pd.DataFrame(rows, columns=["dow", "hour", "delay_minutes", "n"], dtype="int64")


def histogram_medians(hist: pd.DataFrame) -> pd.DataFrame:
    """Exact median (pandas convention: mean of the two middle values for an even count) and count per
    (dow, hour) from :meth:`Store.wait_histogram`. Columns ``dow, hour, median_minutes, n``."""
    cols = ["dow", "hour", "median_minutes", "n"]
    if hist.empty:
        return pd.DataFrame({c: pd.Series([], dtype="float64" if c == "median_minutes" else "int64") for c in cols})
    h = hist.sort_values(["dow", "hour", "delay_minutes"], kind="stable")
    key = (h["dow"].to_numpy() * 24 + h["hour"].to_numpy()).astype("int64")
    values = h["delay_minutes"].to_numpy().astype("float64")
    counts = h["n"].to_numpy().astype("int64")
    cells, starts = np.unique(key, return_index=True)
    n = np.add.reduceat(counts, starts)
    cum = np.cumsum(counts)
    before = cum[starts] - counts[starts]
    lo = values[np.searchsorted(cum, before + (n - 1) // 2 + 1)]
    hi = values[np.searchsorted(cum, before + n // 2 + 1)]
    return pd.DataFrame({"dow": cells // 24, "hour": cells % 24, "median_minutes": (lo + hi) / 2, "n": n})


def readings_frame(rows) -> pd.DataFrame:
    """SQL rows in READINGS_COLUMNS order -> a conformed READINGS_COLUMNS frame (columns built in their
    declared dtypes, so :func:`conform` only checks)."""
    if not rows:
        return empty_frame(READINGS_COLUMNS)
    data = {}
    for c, values in zip(READINGS_COLUMNS, zip(*rows)):
        if c.name in ("source_time", "collected_at"):
            data[c.name] = from_epoch(values).array
        else:
            data[c.name] = pd.array(values, dtype=c.dtype)
    return conform(pd.DataFrame(data, copy=False), READINGS_COLUMNS, "history store")


def _filters(q, *, crossing_ids=None, ports=None, modes=None, lanes=None, measure="reading", start=None,
             end=None, sources=None):
    r = t.readings.c
    for col, values in ((r.crossing_id, crossing_ids), (r.port_number, ports), (r.mode, modes),
                        (r.lane, lanes), (r.source, sources)):
        if values is not None:
            q = q.where(col.in_(list(values)))
    if measure is not None:
        q = q.where(r.measure == measure)
    if start is not None:
        q = q.where(r.source_time >= int(epoch_seconds([pd.Timestamp(start)])[0]))
    if end is not None:
        q = q.where(r.source_time < int(epoch_seconds([pd.Timestamp(end)])[0]))
    return q


def _existing_frame(names: list[str], rows: list[tuple]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=names)
    ints = {"source_time": "int64", "fingerprint": "int64", "revision": "int64",
            "delay_minutes": "Int64", "lanes_open": "Int64"}  # '10', not '10.0', when hashed
    return pd.DataFrame({n: pd.array(v, dtype=ints.get(n, object)) for n, v in zip(names, zip(*rows))})


# The two bulk statements of a poll or import, in plain DBAPI SQL, once per backend. Why not SQLAlchemy's
# insert(): its per-row parameter processing cost more than the insert on a 178-row poll, and on psycopg a
# multi-row VALUES statement is re-parsed in Python for every chunk (psycopg caches only statements under 4 kB):
# importing the garitas log spent 5.5 of 13 s there. PostgreSQL therefore gets one array parameter per column
# (``unnest``), a short statement that psycopg parses once; SQLite gets multi-row VALUES (no arrays).
_PG_ROWS = 10_000


def _insert_readings(conn: sa.Connection, cols: list[str], rows: list[tuple]) -> int:
    """Insert ``rows`` (tuples in ``cols`` order) with ON CONFLICT DO NOTHING; returns the rows really inserted
    (RETURNING: executemany rowcounts are not portable). A race can never create a duplicate."""
    added = 0
    if conn.dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{t.readings.c[c].type.compile(dialect=conn.dialect)}[]" for c in cols)
        sql = (f"INSERT INTO readings ({', '.join(cols)}) SELECT * FROM unnest({arrays}) "
               "ON CONFLICT DO NOTHING RETURNING id")
        for i in range(0, len(rows), _PG_ROWS):
            added += len(conn.exec_driver_sql(sql, tuple(list(c) for c in zip(*rows[i:i + _PG_ROWS]))).all())
        return added
    one = f"({', '.join(['?'] * len(cols))})"
    per = max(1, _PROBE_PARAMS // len(cols))
    for i in range(0, len(rows), per):
        chunk = rows[i:i + per]
        sql = (f"INSERT INTO readings ({', '.join(cols)}) VALUES {', '.join([one] * len(chunk))} "
               "ON CONFLICT DO NOTHING RETURNING id")
        added += len(conn.exec_driver_sql(sql, tuple(v for row in chunk for v in row)).all())
    return added


def _pg_probe(conn: sa.Connection, names: list[str], keys: list[tuple]) -> list[tuple]:
    """PostgreSQL: stored rows with these exact (port, mode, lane, measure, source time) keys, one join of
    the readings table with the keys as arrays (index probes of uq_readings_value)."""
    r = ", ".join(f"r.{n}" for n in names)
    sql = (f"SELECT {r} FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::bigint[]) "
           "AS k(p, m, l, me, st) JOIN readings r ON r.port_number = k.p AND r.mode = k.m AND r.lane = k.l "
           "AND r.measure = k.me AND r.source_time = k.st")
    out: list[tuple] = []
    for i in range(0, len(keys), _PG_ROWS):
        cols = [list(c) for c in zip(*keys[i:i + _PG_ROWS])]
        cols[4] = [int(x) for x in cols[4]]
        out.extend(tuple(x) for x in conn.exec_driver_sql(sql, tuple(cols)))
    return out


def _plain(s: pd.Series) -> list:
    """A column as plain Python values for the DBAPI (NA / NaN -> None, numpy scalars -> int / bool)."""
    return [None if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) else v
            for v in s.tolist()]


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return " ".join(text.split())[:300]


def _make_engine(url: str) -> sa.Engine:
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(u, connect_args={"timeout": 60})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (transactional DDL, IMMEDIATE)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("bw_write") else "BEGIN")

        return engine
    if u.get_backend_name() == "postgresql":
        return sa.create_engine(u, pool_pre_ping=True)
    raise BorderwatchError(f"BORDERWATCH_DB {redact(url)}: unsupported database; use sqlite:///PATH or "
                           "postgresql+psycopg://USER@HOST/DB")
