"""What every importer yields: one file's (or one capture's) readings, with where they came from."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Batch:
    location: str  # the file (and for a folder, the member) the rows come from
    sha256: str  # of that file's bytes
    readings: pd.DataFrame  # READINGS_COLUMNS
    unknown_ports: tuple[str, ...] = ()  # ports not in the crossings reference (left out)


def sha256_bytes(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def read_bytes(path: Path) -> bytes:
    from loaders.errors import BorderwatchError
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BorderwatchError(f"{path}: cannot read: {exc.strerror or exc}") from exc
