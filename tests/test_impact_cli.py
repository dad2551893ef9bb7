"""``borderwatch impact`` and ``borderwatch outages`` (dashboard/impact_cli.py)."""
from __future__ import annotations

import csv
import io
import json

from dashboard.cli import main

from .conftest import SHARED_DATA


def run(capsys, *argv):
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_impact_table_csv_json(capsys):
    rc, out, _ = run(capsys, "impact", "2023-12-lukeville-closure", "--measure", "Personal Vehicles", "--format", "csv")
    assert rc == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    closed = [r for r in rows if r["role"] == "closed"][0]
    assert (closed["observed"], closed["expected"], closed["difference"]) == ("21885", "55376", "-33491")
    assert [r["location"] for r in rows if r["role"] == "neighbour"] == [
        "Sasabe (BTS port 2606)", "Nogales (BTS port 2604)", "San Luis (BTS port 2608)"]
    rc, out, _ = run(capsys, "impact", "2023-12-lukeville-closure", "--months", "--measure", "Personal Vehicles",
                     "--format", "json")
    recs = json.loads(out)
    dec = [r for r in recs if r["role"] == "closed" and r["month"] == "2023-12"][0]
    assert dec["observed"] == 3966 and dec["days_affected"] == 28 and dec["days_in_month"] == 31


def test_impact_errors_are_one_line(capsys):
    rc, _, err = run(capsys, "impact", "no-such-event")
    assert rc == 1 and err.strip().count("\n") == 0 and "unknown event" in err
    rc, _, err = run(capsys, "impact", "2024-01-lukeville-reopening")
    assert rc == 1 and "reopening" in err
    rc, _, err = run(capsys, "impact", "2023-12-lukeville-closure", "--measure", "Nope")
    assert rc == 1 and "--measure" in err


def test_outages_from_saved_captures(capsys):
    rc, out, _ = run(capsys, "outages", "--feed", str(SHARED_DATA / "cbp" / "bwt_xml_2014-04-28.xml"),
                     str(SHARED_DATA / "cbp" / "bwtnew_2022-06-29.json"), "--state", "AZ", "--format", "json")
    assert rc == 0
    recs = json.loads(out)
    luke = [r for r in recs if r["crossing_id"] == "az-lukeville" and r["kind"] == "port_closed"][0]
    assert luke["status"] == "unrecorded" and luke["start"] == "2014-04-29T01:41:01+00:00"
    assert luke["events_line"].startswith("2014-04-28-az-lukeville-port-closed-candidate,")
    assert all(r["crossing_id"].startswith("az-") for r in recs)


def test_outages_from_counts(capsys):
    rc, out, _ = run(capsys, "outages", "--counts", "--state", "AZ", "--since", "2023-01", "--format", "csv")
    assert rc == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    sasabe = [r for r in rows if r["location"] == "Sasabe (BTS port 2606)" and r["measure"] == "Personal Vehicles"][0]
    assert sasabe["status"] == "candidate" and sasabe["first_month"] == "2023-11"
    rc, _, err = run(capsys, "outages", "--since", "yesterday-ish", "--counts")
    assert rc == 1 and "--since" in err


def test_outages_default_reads_the_embedded_history(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("BORDERWATCH_HOME", str(tmp_path))
    rc, out, _ = run(capsys, "outages", "--format", "json")
    assert rc == 0
    recs = json.loads(out)
    assert recs and {r["status"] for r in recs} <= {"confirmed", "unrecorded", "unsupported"}
    # the garitas change log writes a row only on change: 'stuck' cannot be judged there
    assert not any(r["kind"] == "stuck" for r in recs)
