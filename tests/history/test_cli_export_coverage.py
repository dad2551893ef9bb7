"""``borderwatch history ...`` end to end on a SQLite store in a temporary BORDERWATCH_HOME (and the export ->
import round trip and the coverage report on both backends)."""
from __future__ import annotations

import pandas as pd
import pytest

from dashboard.cli import main
from history.coverage import coverage
from history.export import export_readings
from history.imports import import_path
from history.store import Store

SD = "cbp_sd_2026-08-25_to_2026-10-11.ndjson.gz"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("BORDERWATCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("BORDERWATCH_DB", raising=False)
    monkeypatch.setenv("BORDERWATCH_HISTORY_SEED", "0")
    return tmp_path / "home"


def test_cli_import_info_readings_polls(home, history_dir, capsys):
    assert main(["history", "import", str(history_dir / SD)]) == 0
    out = capsys.readouterr().out
    assert "cbp-sd-ndjson: 1609 rows read, 1609 added" in out
    assert main(["history", "import", str(history_dir / SD)]) == 0
    assert "1609 rows read, 0 added" in capsys.readouterr().out
    assert (home / "history.sqlite3").is_file()
    assert main(["history", "info", "--format", "csv"]) == 0
    cap = capsys.readouterr()
    assert "schema version 1" in cap.err and "cbp-sd-archive,reading,1609" in cap.out
    assert main(["history", "readings", "--crossing", "ca-tecate", "--from", "2026-08-25T20:00Z",
                 "--to", "2026-08-25T21:00Z", "--format", "csv"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert rows[0].startswith("crossing_id,port_number,mode,lane,source_time")
    assert len(rows) - 1 == 2  # Tecate's two lanes at 13:00 PDT on 2026-08-25 (passenger 90, pedestrian 10)
    assert main(["history", "polls", "--format", "csv"]) == 0
    assert capsys.readouterr().out.count(str(history_dir / SD)) == 2


def test_cli_errors_are_one_line(home, tmp_path, capsys):
    bad = tmp_path / "x.txt"
    bad.write_text("nothing\n")
    assert main(["history", "import", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a history archive" in err[0]
    assert main(["history", "readings", "--from", "yesterday-ish"]) == 1
    assert "--from" in capsys.readouterr().err


def test_export_then_import_reproduces_the_history(store, history_dir, crossings, tmp_path, db_url):
    import_path(store, history_dir / "brownsville_rss_2026-08", crossings=crossings)
    before = store.readings(all_revisions=True)
    for fmt in ("csv", "parquet"):
        out = tmp_path / f"h.{fmt}"
        assert export_readings(store, out, fmt=fmt) == len(before) == 4635
        other = Store.open(f"sqlite:///{tmp_path / f'other-{fmt}.sqlite3'}", crossings=crossings)
        res = import_path(other, out, crossings=crossings)
        assert (res.format, res.rows_added) == ("borderwatch-export", 4635)
        after = other.readings(all_revisions=True)
        cols = ["crossing_id", "mode", "lane", "source_time", "revision", "delay_minutes", "operational_status",
                "collected_at", "source"]
        pd.testing.assert_frame_equal(before[cols].reset_index(drop=True), after[cols].reset_index(drop=True))
        assert import_path(other, out, crossings=crossings).rows_added == 0
        other.close()


def test_coverage_counts_local_hours_with_a_reading(store, history_dir, crossings):
    import_path(store, history_dir / SD, crossings=crossings)
    df = store.readings()
    # the data README: "276 of 1,109 hours have readings" over the three ports together
    assert df["source_time"].dt.floor("h").nunique() == 276
    end = pd.Timestamp("2026-10-11T00:00Z")
    cov = coverage(store, crossings, end=end).set_index("crossing_id")
    window = df[(df["source_time"] >= end - pd.Timedelta(days=28)) & (df["source_time"] < end)]
    by_hand = window.groupby("crossing_id")["source_time"].apply(lambda s: s.dt.floor("h").nunique())
    assert by_hand.to_dict() == {"ca-otay-mesa-passenger": 96, "ca-san-ysidro": 90, "ca-tecate": 78}
    for cid, n in by_hand.items():
        assert cov.loc[cid, "hours_observed"] == n
        assert cov.loc[cid, "share"] == round(n / 672, 4)
    assert cov.loc["az-lukeville", "hours_observed"] == 0  # in the reference, never observed: 0 %, listed
