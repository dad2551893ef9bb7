"""``borderwatch history export``: the stored readings as CSV or parquet (READINGS_COLUMNS, every revision),
readable again by ``borderwatch history import``. Written to a temporary file and renamed into place."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from .store import Store

FORMATS = ("csv", "parquet")


def export_readings(store: Store, out: str | Path, *, fmt: str = "csv", **filters) -> int:
    """Write the readings matching ``filters`` (see :meth:`Store.readings`; default every measure and every
    revision) to ``out``. Returns the number of rows written."""
    filters.setdefault("measure", None)
    filters.setdefault("all_revisions", True)
    df = store.readings(**filters)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        if fmt == "parquet":
            df.to_parquet(tmp, index=False, compression="zstd")
        else:
            flat = df.copy()
            for c in ("source_time", "collected_at"):
                flat[c] = flat[c].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
            flat.to_csv(tmp, index=False, lineterminator="\n")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; an export is an ordinary file
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(df)


