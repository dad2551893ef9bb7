"""Frames as plain records for text output (CLI tables, CSV and JSON; the page's CSV downloads)."""
from __future__ import annotations

import pandas as pd


def _cell(v):
    """One value as plain text-friendly data: lists joined with ';', missing as None, timestamps ISO."""
    if isinstance(v, (tuple, list)):
        return ";".join(str(x) for x in v)
    if v is None or pd.isna(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v


def frame_records(df: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts: ISO 8601 timestamps with offset, lists joined with ';', missing as None."""
    cols = list(df.columns)
    return [{c: _cell(v) for c, v in zip(cols, row)} for row in df.itertuples(index=False, name=None)]
