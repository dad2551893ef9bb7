"""The bench's scale history: real readings replayed at shifted times, labelled as a scale test."""
from __future__ import annotations

import pandas as pd

from history.imports import import_path
from history.scale import SOURCE, build_scale_store, heatmap_query, latest_query, real_lanes
from history.store import Store


def test_scale_history_replays_real_values_and_says_so(history_dir, crossings, tmp_path):
    src = Store.open(f"sqlite:///{tmp_path / 'real.sqlite3'}", crossings=crossings)
    import_path(src, history_dir / "cbp_sd_2026-08-25_to_2026-10-11.ndjson.gz", crossings=crossings)
    real = real_lanes(src)
    lanes = real.groupby(["port_number", "mode", "lane"]).ngroups
    assert lanes == 10  # San Ysidro, Otay Mesa, Tecate lanes in the archive
    scale = Store.open(f"sqlite:///{tmp_path / 'scale.sqlite3'}", crossings=crossings)
    hours = int(7 / 365.25 * 365.25 * 24)
    n = build_scale_store(scale, real, years=7 / 365.25, end="2026-11-01T00:00Z")
    assert n == lanes * hours == scale.count(sources=[SOURCE])
    df = scale.readings(crossing_ids=["ca-san-ysidro"], modes=["passenger"], lanes=["standard"])
    assert set(df["source"]) == {"scale-test"}
    first_real = real[(real["port_number"] == "250401") & (real["mode"] == "passenger")
                      & (real["lane"] == "standard")].reset_index(drop=True)
    # hour k of the lane replays its k-th real reading
    assert df["delay_minutes"].iloc[:24].tolist() == first_real["delay_minutes"].iloc[:24].tolist()
    assert df["source_time"].iloc[0] == pd.Timestamp("2026-11-01T00:00Z") - pd.Timedelta(hours=hours)
    assert "SCALE TEST" in scale.polls()["location"].iloc[0]
    med = heatmap_query(scale)
    assert int(med["n"].sum()) == int(df["delay_minutes"].notna().sum())
    assert len(latest_query(scale)) == lanes
    src.close()
    scale.close()
