"""``borderwatch history import PATH``: detect an archive's format and add its readings to the store.

One module per format, each with ``FORMAT`` (its name), ``sniff(path, head) -> bool`` and
``read(path, *, crossings) -> Iterator[Batch]`` (pure reading: no store access):

| format | module | what |
|---|---|---|
| ``cbp-sd-ndjson`` / ``cbp-sd-csv`` | :mod:`.sandiego` | third-party XML-feed observations, San Diego ports |
| ``garitas-changelog`` | :mod:`.garitas` | change log of every crossing, carried forward to a series |
| ``sandag-daily`` | :mod:`.sandag` | SANDAG daily averages (``measure = daily_average``) |
| ``brownsville-rss`` | :mod:`.brownsville` | folder (or file) of CBP per-port RSS captures |
| ``cbp-feed`` | :mod:`.feed` | a saved CBP feed payload (JSON or XML), as one poll |
| ``borderwatch-export`` | :mod:`.exported` | CSV / parquet written by ``borderwatch history export`` |

Each batch is added in its own transaction with an ``import`` row in the poll log (file, sha256, rows seen
and added): an interrupted import keeps every finished batch and re-running it adds only what is missing.
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from loaders.errors import BorderwatchError

from ..progress import progress as _progress
from ._batch import Batch
from . import brownsville, exported, feed, garitas, sandag, sandiego

#: Sniffing order matters: the most specific first.
FORMATS = (sandiego.NDJSON, sandiego.CSV, sandag, garitas, exported, brownsville, feed)

__all__ = ["Batch", "ImportResult", "detect_format", "import_path", "read_batches"]


@dataclass
class ImportResult:
    path: str
    format: str
    batches: int = 0
    rows_seen: int = 0
    rows_added: int = 0
    unknown_ports: set[str] = field(default_factory=set)


def _head(path: Path) -> bytes:
    if path.is_dir():
        return b""
    with open(path, "rb") as f:
        raw = f.read(4096)
    if raw[:2] == b"\x1f\x8b":
        with gzip.open(path, "rb") as f:
            raw = f.read(4096)
    return raw


def detect_format(path: str | Path):
    """The format module that reads ``path``. Raises :class:`BorderwatchError` saying what was expected."""
    path = Path(path)
    if not path.exists():
        raise BorderwatchError(f"{path}: no such file or folder")
    try:
        head = _head(path)
    except OSError as exc:
        raise BorderwatchError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    for fmt in FORMATS:
        if fmt.sniff(path, head):
            return fmt
    names = ", ".join(f.FORMAT for f in FORMATS)
    raise BorderwatchError(f"{path}: not a history archive this version reads (known formats: {names})")


def read_batches(path: str | Path, *, crossings: pd.DataFrame):
    """(format name, iterator of :class:`Batch`) for ``path``."""
    fmt = detect_format(path)
    return fmt.FORMAT, fmt.read(Path(path), crossings=crossings)


def import_path(store, path: str | Path, *, crossings: pd.DataFrame, show_progress: bool | None = None,
                on_batch: Callable[[Batch, int], None] | None = None) -> ImportResult:
    """Import ``path`` into ``store`` (a :class:`history.store.Store`). Returns the counts."""
    name, batches = read_batches(path, crossings=crossings)
    result = ImportResult(path=str(path), format=name)
    total = brownsville.count_batches(Path(path)) if name == brownsville.FORMAT else None
    for batch in _progress(batches, total=total, desc=f"import {Path(path).name}", unit="batch",
                           enabled=show_progress):
        with store.write() as conn:
            poll = store.start_poll(conn, "import", batch.location)
            added = store.add_readings(conn, batch.readings, poll_id=poll)
            store.finish_poll(conn, poll, payload_sha256=batch.sha256, rows_seen=len(batch.readings),
                              rows_added=added)
        result.batches += 1
        result.rows_seen += len(batch.readings)
        result.rows_added += added
        result.unknown_ports |= set(batch.unknown_ports)
        if on_batch:
            on_batch(batch, added)
    return result
