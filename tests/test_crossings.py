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
    assert c.loc["ca-calexico-west", "lon"] == pytest.approx(-115.49619, abs=1e-5)  # GSA IOLP CA0518
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


# ------------------------------------------------------------------ the reference, rebuilt from evidence
def _build_from_shared(shared_data):
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location(
        "build_crossings", Path(__file__).resolve().parent.parent / "tools" / "build_crossings.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.SHARED.resolve() == shared_data.resolve()
    return mod.build()


def test_reference_rebuilds_from_shared(shared_data, data_dir):
    """data/crossings.csv and data/crossing_evidence.csv are exactly what tools/build_crossings.py makes
    from the real counts and feed in ../shared (nobody edits them by hand)."""
    crossings_text, evidence_text = _build_from_shared(shared_data)
    assert crossings_text == (data_dir / "crossings.csv").read_text(encoding="utf-8")
    assert evidence_text == (data_dir / "crossing_evidence.csv").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def evidence(data_dir):
    import pandas as pd
    return pd.read_csv(data_dir / "crossing_evidence.csv", dtype=str, keep_default_na=False)


def test_modes_from_evidence(crossings, evidence):
    m = dict(zip(crossings["crossing_id"], crossings["modes"]))
    # Eagle Pass Bridge I: TxDOT/UNT 2022-2024 pedestrians in 36 of 36 months, 1,671,651 in all (summed by
    # hand with awk over the raw 2022-..-EAGL-Pedestrians lines); the 2022 feed lists no pedestrian lanes.
    assert m["tx-eagle-pass-bridge-1"] == ("passenger", "pedestrian")
    r = evidence[(evidence["crossing_id"] == "tx-eagle-pass-bridge-1") & (evidence["measure"] == "Pedestrians and Bicyclists")]
    assert (r["months_with_counts"].iloc[0], r["total"].iloc[0]) == ("36", "1671651")
    # Lukeville: BTS 2602 Pedestrians 2022-2024 = 220,087 in 36 months (awk over the raw BTS extract)
    assert m["az-lukeville"] == ("passenger", "pedestrian", "commercial")
    # Stanton (Good Neighbor) Bridge: 0 pedestrians in all 36 months, feed's pedestrian lanes only 'Lanes Closed'
    assert m["tx-el-paso-stanton"] == ("passenger",)
    # Andrade: no truck in BTS 2502 2022-2024 and the feed's one commercial lane never worked
    assert m["ca-andrade"] == ("passenger", "pedestrian")
    assert m["tx-laredo-world-trade"] == ("commercial",)
    assert m["az-nogales-morley-gate"] == ("pedestrian",)
    for cid in ("tx-del-rio", "tx-eagle-pass-bridge-2", "tx-presidio", "tx-laredo-colombia", "tx-roma",
                "tx-rio-grande-city", "tx-brownsville-los-indios"):
        assert "pedestrian" in m[cid], cid
    assert m["tx-fort-hancock"] == ("passenger", "pedestrian")
    # a road crossing never gets 'rail' from a port total; the rail bridges get it from their own counts
    road = crossings[crossings["kind"] != "rail"]
    assert not any("rail" in mm for mm in road["modes"])
    assert m["tx-el-paso-bnsf-rail"] == m["tx-el-paso-up-rail"] == ("rail",)


def test_every_mode_has_evidence(crossings, evidence):
    for r in crossings[crossings["duplicate_of"].isna()].to_dict("records"):
        ev = evidence[evidence["crossing_id"] == r["crossing_id"]]
        for mode in r["modes"]:
            e = ev[ev["mode"] == mode]
            counted = e["months_with_counts"].replace("", "0").astype(int) >= 3
            working = e["feed_readings"].str.contains("delay")
            assert bool((counted | working).any()), (r["crossing_id"], mode)


def test_unplaced_rail_crossings_are_listed_not_drawn(crossings, evidence):
    unplaced = evidence[evidence["placed"] == "false"]
    assert set(unplaced["crossing_id"]) == {"az-nogales-rail", "ca-calexico-rail", "ca-san-diego-tijuana-rail"}
    assert set(unplaced["mode"]) == {"rail"}
    assert not set(unplaced["crossing_id"]) & set(crossings["crossing_id"])
    # BTS 2604 Nogales Trains 2022-2024: a train counted in each of the 36 months
    r = unplaced[(unplaced["crossing_id"] == "az-nogales-rail") & (unplaced["measure"] == "Trains")]
    assert r["months_with_counts"].iloc[0] == "36"


def test_az_ca_crossings_have_their_own_points(crossings):
    from loaders.crossings import real_crossings
    c = real_crossings(crossings)
    azca = c[c["state"].isin(["AZ", "CA"])]
    pts = azca.groupby(["lat", "lon"])["crossing_id"].apply(sorted)
    shared = [ids for ids in pts if len(ids) > 1]
    # only Morley Gate (no public point) sits on another crossing's point, and it says so
    assert shared == [["az-nogales-deconcini", "az-nogales-morley-gate"]]
    mg = c.set_index("crossing_id").loc["az-nogales-morley-gate"]
    assert bool(mg["coord_approximate"]) and mg["coord_source"].startswith("approximate")
    assert not azca.loc[azca["crossing_id"] != "az-nogales-morley-gate", "coord_approximate"].any()
    s = c.set_index("crossing_id")
    assert (s.loc["az-nogales-mariposa", "lat"], s.loc["az-nogales-mariposa", "lon"]) == (31.335125, -110.9677)
    assert s.loc["az-san-luis-2", "lon"] - s.loc["az-san-luis-1", "lon"] > 0.07  # 7.6 km apart


def test_feed_duplicates_are_never_drawn_or_counted(snapshot, crossings):
    from dashboard import views
    from dashboard.filters import Filters
    from loaders.crossings import duplicate_ids
    assert duplicate_ids(crossings) == {"tx-brownsville-gateway-legacy", "tx-fort-hancock-legacy"}
    c = crossings.set_index("crossing_id")
    assert c.loc["tx-brownsville-gateway-legacy", "duplicate_of"] == "tx-brownsville-gateway"
    assert c.loc["tx-fort-hancock-legacy", "port_number"] == "240403"
    st = views.status_frame(snapshot, Filters())
    assert not set(st["crossing_id"].dropna()) & duplicate_ids(crossings)
    assert len(st) == 52
    assert "tx-fort-hancock-legacy" not in views.crossing_options(snapshot, ("TX",))
