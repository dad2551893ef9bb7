import csv

import pytest

from loaders.crossings import load_crossings, parse_crossings, port_zones
from loaders.errors import ValidationError


def test_every_tx_az_ca_cbp_port_of_2022_feed_is_in_table(crossings, shared_data):
    with open(shared_data / "cbp/southern_ports_2022.csv") as f:
        feed = {r["port_number"]: r["state"] for r in csv.DictReader(f) if r["state"] in ("TX", "AZ", "CA")}
    table = dict(zip(crossings["port_number"].dropna(), crossings.dropna(subset=["port_number"])["state"]))
    assert set(feed) <= set(table)
    assert all(table[p] == s for p, s in feed.items())
    assert "l24501" in table  # Fort Hancock's id starts with a lower-case L


def test_every_bts_port_code_maps_to_a_crossing(crossings, shared_data):
    with open(shared_data / "bts/bts_us_mexico_port_coordinates.csv") as f:
        codes = {r["Port Code"] for r in csv.DictReader(f) if r["State"] in ("Texas", "Arizona", "California")}
    assert len(codes) == 26
    assert codes <= set(crossings["bts_port_code"])


def test_rail_crossings_and_zones(crossings):
    rail = crossings[crossings["modes"].map(lambda m: "rail" in m)]
    assert {"tx-el-paso-bnsf-rail", "tx-el-paso-up-rail", "tx-eagle-pass-rail"} <= set(rail["crossing_id"])
    z = port_zones(crossings)
    assert z["260201"] == ("AZ", "America/Phoenix")
    assert z["l24501"] == ("TX", "America/Denver")  # Hudspeth County: Mountain time
    assert z["240301"] == ("TX", "America/Chicago")  # Presidio: Central time
    assert z["250407"] == ("CA", "America/Los_Angeles")


def test_calexico_west_is_not_on_calexico_east(crossings):
    c = crossings.set_index("crossing_id")
    assert c.loc["ca-calexico-west", "lon"] == pytest.approx(-115.49, abs=0.01)
    assert abs(c.loc["ca-calexico-west", "lon"] - c.loc["ca-calexico-east", "lon"]) > 0.05


def test_bad_rows_reported_with_line_numbers(data_dir):
    text = (data_dir / "crossings.csv").read_text().splitlines()
    header, rows = text[0], text[1:]
    bad = [header, rows[0], rows[0], rows[1].replace("America/Phoenix", "Mars/Olympus")]
    with pytest.raises(ValidationError) as e:
        parse_crossings("\n".join(bad) + "\n", source="x.csv")
    msgs = [str(p) for p in e.value.problems]
    assert any(m.startswith("x.csv:3: crossing_id 'az-douglas' repeats line 2") for m in msgs)
    assert any(m.startswith("x.csv:4: tz 'Mars/Olympus'") for m in msgs)
