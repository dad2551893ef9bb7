"""The page's live snapshot is one object per fetch (so per-snapshot memos hit on every rerun), and a new
fetch with any changed value is a new snapshot (never a stale map)."""
from __future__ import annotations

from dashboard.live import live_snapshot
from loaders.snapshot import load_snapshot


def test_the_same_fetch_is_the_same_snapshot_and_a_changed_one_is_not():
    base = load_snapshot()
    waits = base.waits.copy()
    first = live_snapshot(base, waits)
    again = live_snapshot(base, waits.copy())  # st.cache_data hands every rerun its own copy
    assert again is first and first.label == "live CBP feed" and first.snapshot_id.endswith("+live")
    changed = waits.copy()
    row = changed.index[changed["delay_minutes"].notna()][0]
    changed.loc[row, "delay_minutes"] = changed.loc[row, "delay_minutes"] + 5
    other = live_snapshot(base, changed)
    assert other is not first
    assert other.waits.loc[row, "delay_minutes"] == first.waits.loc[row, "delay_minutes"] + 5
