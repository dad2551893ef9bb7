"""The borderwatch command line, on the embedded snapshot and on the real captures."""
import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.cli import main

BIN = Path(sys.executable).with_name("borderwatch")


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_status_default_snapshot_csv(capsys):
    code, out, err = run(capsys, "status", "--format", "csv")
    assert code == 0, err
    r = {x["crossing_id"]: x for x in rows(out)}
    assert {"port_number", "port_name", "crossing_name", "state", "status", "reason", "port_status",
            "updated_at"} <= set(next(iter(r.values())))
    assert r["ca-san-ysidro"]["status"] == "open"
    assert r["ca-san-ysidro"]["updated_at"] == "2022-06-29T10:00:00-07:00"
    assert r["tx-fort-hancock"]["port_number"] == "l24501"
    assert {x["state"] for x in r.values()} == {"TX", "AZ", "CA"}


def test_status_at_and_state_json(capsys):
    code, out, _ = run(capsys, "status", "--state", "AZ", "--at", "2023-12-20", "--format", "json")
    assert code == 0
    data = {x["crossing_id"]: x for x in json.loads(out)}
    assert data["az-lukeville"]["status"] == "closed"
    assert data["az-lukeville"]["reason"] == ("all modes closed: event 2023-12-lukeville-closure: "
                                              "Lukeville port of entry closed")
    assert data["az-lukeville"]["event_ids"] == "2023-12-lukeville-closure"
    assert {x["state"] for x in data.values()} == {"AZ"}


def test_status_from_2014_xml_file(capsys, shared_data):
    code, out, _ = run(capsys, "status", "--source", str(shared_data / "cbp/bwt_xml_2014-04-28.xml"),
                       "--state", "AZ", "--format", "csv")
    assert code == 0
    r = {x["crossing_id"]: x for x in rows(out)}
    assert r["az-lukeville"]["status"] == "closed"
    assert r["az-lukeville"]["port_status"] == "Closed"
    assert r["az-nogales-morley-gate"]["status"] == "closed"


def test_waits_missing_is_empty_not_zero(capsys):
    code, out, _ = run(capsys, "waits", "--state", "TX", "--format", "csv")
    assert code == 0
    r = rows(out)
    pending = [x for x in r if x["port_number"] == "240403" and x["mode"] == "passenger" and x["lane"] == "standard"]
    assert pending[0]["operational_status"] == "Update Pending"
    assert pending[0]["delay_minutes"] == "" and pending[0]["lanes_open"] == ""
    assert {"port_number", "state", "mode", "lane", "operational_status", "delay_minutes", "lanes_open",
            "max_lanes", "updated_at"} <= set(r[0])


def test_volumes_lukeville_dec_2023(capsys):
    code, out, _ = run(capsys, "volumes", "--port", "2602", "--measure", "Personal Vehicles",
                       "--from", "2023-11", "--to", "2024-01", "--format", "csv")
    assert code == 0
    r = rows(out)
    assert [x["month"] for x in r] == ["2023-11", "2023-12", "2024-01"]
    assert list(r[0]) == ["port_code", "port_name", "state", "month", "measure", "value"]
    assert int(r[1]["value"]) < int(r[0]["value"]) / 5  # the closure month collapses


def test_events_valid_and_invalid(capsys, tmp_path, data_dir):
    code, out, _ = run(capsys, "events", "--state", "AZ", "--format", "csv")
    assert code == 0
    ids = [x["id"] for x in rows(out)]
    assert "2023-12-lukeville-closure" in ids
    assert all(x["state"] == "AZ" for x in rows(out))
    # Damage two real records field by field: an unknown kind (line 3) and a plain-http source (line 5).
    with open(data_dir / "events.csv", newline="", encoding="utf-8") as f:
        recs = list(csv.reader(f))
    header = recs[0]
    recs[2][header.index("kind")] = "closing"
    recs[4][header.index("source_urls")] = "http://example.org/report"
    bad = tmp_path / "events.csv"
    with open(bad, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(recs)
    code, out, err = run(capsys, "events", "--file", str(bad))
    assert code == 1
    msgs = err.strip().splitlines()
    assert any(m.startswith(f"{bad}:3:") and "closing" in m for m in msgs), msgs
    assert any(m.startswith(f"{bad}:5:") and "https" in m for m in msgs), msgs


def test_bad_input_one_line_no_traceback(tmp_path):
    bad = tmp_path / "feed.json"
    bad.write_text('[{"port_number": "250401"', encoding="utf-8")
    p = subprocess.run([str(BIN), "status", "--source", str(bad)], capture_output=True, text=True)
    assert p.returncode == 1
    assert "Traceback" not in p.stderr
    assert str(bad) in p.stderr and "not valid JSON" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    p = subprocess.run([str(BIN), "status", "--state", "NM"], capture_output=True, text=True)
    assert p.returncode == 1 and "unknown state(s) NM" in p.stderr


def test_volumes_bad_month(capsys):
    code, _, err = run(capsys, "volumes", "--from", "2023-13")
    assert code == 1 and "--from" in err and "YYYY-MM" in err


def test_waits_at_marks_current_readings(capsys):
    # At the feed's own time San Ysidro's 10:00 PDT readings are current, and Fort Hancock's 8:00 MDT one too
    # (3 h 25 min old: usable for 4 h, flagged with its age).
    code, out, _ = run(capsys, "waits", "--format", "csv")
    assert code == 0
    r = {(x["port_number"], x["mode"], x["lane"]): x for x in rows(out)}
    assert r[("250401", "passenger", "standard")]["current"] == "True"
    assert r[("l24501", "passenger", "standard")]["current"] == "True"
    assert r[("240403", "passenger", "standard")]["current"] == "False"  # Update Pending is no reading
    code, out, _ = run(capsys, "waits", "--at", "2023-12-20", "--format", "csv")
    assert {x["current"] for x in rows(out)} == {"False"}  # a 2022 feed says nothing about Dec 2023
