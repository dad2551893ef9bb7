"""A saved CBP feed payload (``bwtnew`` JSON or the XML feed), imported as one poll: the same path as
``borderwatch collect --source FILE`` without keeping the payload."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.cbp import parse_cbp
from loaders.crossings import port_zones

from ..ingest import waits_to_readings
from ._batch import Batch, read_bytes, sha256_bytes

FORMAT = "cbp-feed"


def sniff(path: Path, head: bytes) -> bool:
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return path.is_file() and ((h.startswith((b"[", b"{")) and b'"port_number"' in h)
                               or (h.startswith(b"<") and b"<border_wait_time" in h))


def read(path: Path, *, crossings: pd.DataFrame):
    raw = read_bytes(path)
    waits = parse_cbp(raw, source=str(path), zones=port_zones(crossings))
    prep = waits_to_readings(waits, crossings=crossings, source="collector", where=str(path))
    yield Batch(str(path), sha256_bytes(raw), prep.frame, prep.unknown_ports)
