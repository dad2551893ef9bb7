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
    always gives the same number, across processes and library versions (blake2b of the text)."""
    cols = cols or _VALUE_COLS
    parts = [frame[c].astype(object).where(frame[c].notna(), "").astype(str) for c in cols]
    text = parts[0].str.cat(parts[1:], sep="|")
    uniq = pd.unique(text.to_numpy())
    table = {s: int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") >> 1 for s in uniq}
    return text.map(table).to_numpy(np.int64)


def _core(frame: pd.DataFrame) -> np.ndarray:
    """The value without the port status and without the no delay / delay distinction: what a source that
    reports neither (CBP's RSS writes every reading as "N min delay", no port status) shares with the feed."""
    status = frame["operational_status"].astype(object)
    numbered = status.isin(["no delay", "delay"])
    core = pd.DataFrame({"s": status.where(~numbered, "reading"), "d": frame["delay_minutes"],
                         "o": frame["lanes_open"]})
    return fingerprints(core, ["s", "d", "o"])


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
            df["_core"] = _core(df)
            existing["_core"] = _core(existing)
            same = df.merge(existing[KEY + ["fingerprint"]], on=KEY + ["fingerprint"], how="left",
                            indicator=True)["_merge"].eq("both").to_numpy().copy()
            loose = existing[existing["port_status"].isna()][KEY + ["_core"]].drop_duplicates()
            same |= df.merge(loose, on=KEY + ["_core"], how="left", indicator=True)["_merge"].eq("both").to_numpy()
            if df["port_status"].isna().any():
                any_ps = existing[KEY + ["_core"]].drop_duplicates()
                hit = df.merge(any_ps, on=KEY + ["_core"], how="left", indicator=True)["_merge"].eq("both")
                same |= (hit.to_numpy() & df["port_status"].isna().to_numpy())
            df = df[~same].drop(columns="_core")
            if df.empty:
                return 0
            top = existing.groupby(KEY, sort=False)["revision"].max().rename("base").reset_index()
            df = df.merge(top, on=KEY, how="left")
            base = df["base"].fillna(-1).astype("int64").to_numpy() + 1
            df = df.drop(columns="base")
        else:
            base = np.zeros(len(df), dtype="int64")
        df["revision"] = base + df.groupby(KEY, sort=False).cumcount().to_numpy()
        df["superseded"] = df.duplicated(KEY, keep="last").to_numpy()
        df["poll_id"] = poll_id
        self._local_fields(df)

        rows = _records(df, [c.name for c in t.readings.columns if c.name != "id"])
        added = 0
        # RETURNING counts the rows really inserted on both backends (executemany rowcount is not portable).
        ins = self._insert(conn, t.readings).on_conflict_do_nothing().returning(t.readings.c.id)
        for chunk in _chunks(rows, 5000):
            added += len(conn.execute(ins, chunk).all())
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
        r = t.readings.c
        q = (sa.select(r.port_number, r.mode, r.lane, r.measure, r.source_time, r.fingerprint, r.revision,
                       r.operational_status, r.delay_minutes, r.lanes_open, r.port_status)
             .where(r.port_number.in_(sorted(set(df["port_number"]))),
                    r.measure.in_(sorted(set(df["measure"]))),
                    r.source_time.between(int(df["source_time"].min()), int(df["source_time"].max()))))
        rows = [tuple(x) for x in conn.execute(q)]
        out = pd.DataFrame(rows, columns=KEY + ["fingerprint", "revision"] + _VALUE_COLS)
        return out.astype({"source_time": "int64", "fingerprint": "int64", "revision": "int64",
                           "delay_minutes": "Int64", "lanes_open": "Int64"})  # '10', not '10.0', when hashed

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
        for port, mode, lane, measure, cid, when in zip(df["port_number"], df["mode"], df["lane"], df["measure"],
                                                        df["crossing_id"], df["source_time"].to_numpy().tolist()):
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


def _records(df: pd.DataFrame, cols: list[str]) -> list[dict]:
    """Frame -> list of dicts of plain Python values (NA -> None) for the DBAPI."""
    out = {}
    for c in cols:
        s = df[c]
        if str(s.dtype) in ("bool", "boolean"):
            vals = [None if v is pd.NA else bool(v) for v in s.astype(object)]
        elif pd.api.types.is_integer_dtype(s.dtype) or str(s.dtype) in ("Int64", "Int16", "Int32"):
            vals = [None if v is pd.NA or v is None else int(v) for v in s.astype(object)]
        else:
            vals = [None if (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))) else
                    (int(v) if isinstance(v, (np.integer,)) else v) for v in s.astype(object)]
        out[c] = vals
    return [dict(zip(cols, row)) for row in zip(*(out[c] for c in cols))]


def _chunks(rows: list, n: int):
    for i in range(0, len(rows), n):
        yield rows[i:i + n]


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
