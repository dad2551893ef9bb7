"""BTS Border Crossing Entry Data loader: real values, checked by hand against the raw file with zcat/grep/awk.

Fixtures: ../shared/data/bts (the full file and the 7 published format samples) and tests/data/bts (real lines
cut from the full file; see its README). The Socrata API is served by a local http.server on 127.0.0.1.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from loaders import bts
from loaders.bts import (
    aggregate_volumes,
    fetch_bts,
    filter_volumes,
    parse_bts_csv,
    parse_bts_socrata,
    read_bts,
    read_volumes_parquet,
    write_volumes_parquet,
)
from loaders.config import get_settings
from loaders.errors import FeedError, ValidationError
from loaders.schema import VOLUMES_COLUMNS, column_names

FULL = "bts/Border_Crossing_Entry_Data_1996-01_to_2025-02.csv.gz"
FIXTURES = Path(__file__).parent / "data" / "bts"
WINDOW = FIXTURES / "bts_tx_az_ca_2023-11_to_2024-01.csv"
BROKEN = FIXTURES / "broken_lukeville_sasabe_2023-12.csv"

EXPECTED_MEASURES = {
    "Personal Vehicles": ("vehicles", "vehicles"),
    "Buses": ("buses", "vehicles"),
    "Trucks": ("trucks", "vehicles"),
    "Trains": ("trains", "vehicles"),
    "Personal Vehicle Passengers": ("people", "people"),
    "Bus Passengers": ("people", "people"),
    "Pedestrians": ("people", "people"),
    "Train Passengers": ("people", "people"),
    "Truck Containers Loaded": ("containers", "freight"),
    "Truck Containers Empty": ("containers", "freight"),
    "Rail Containers Loaded": ("containers", "freight"),
    "Rail Containers Empty": ("containers", "freight"),
}
TX_AZ_CA_CODES = {
    "2301", "2302", "2303", "2304", "2305", "2307", "2309", "2310", "2401", "2402", "2403", "2404", "2410",
    "2502", "2503", "2504", "2505", "2506", "2507", "2582", "2601", "2602", "2603", "2604", "2606", "2608",
}


@pytest.fixture(scope="module")
def full(shared_data):
    return parse_bts_csv(shared_data / FULL)


def one(df, code, month, measure):
    row = df[(df["port_code"] == code) & (df["month"] == pd.Timestamp(month)) & (df["measure"] == measure)]
    assert len(row) == 1, (code, month, measure, len(row))
    return row["value"].iloc[0]


# --- the full file -------------------------------------------------------------------------------------

def test_full_file_frame_contract(full):
    assert list(full.columns) == column_names(VOLUMES_COLUMNS)
    assert {c.name: str(full[c.name].dtype) for c in VOLUMES_COLUMNS} == {c.name: c.dtype for c in VOLUMES_COLUMNS}
    assert (full["month"].dt.day == 1).all()
    assert full["month"].min() == pd.Timestamp("1996-01-01")
    assert full["month"].max() == pd.Timestamp("2025-02-01")
    assert full["port_code"].str.len().eq(4).all()
    assert "0104" in set(full["port_code"])  # Jackman ME keeps its leading zero
    assert not full.duplicated(["port_code", "month", "measure"]).any()


def test_lukeville_closure_shows_in_december_2023(full):
    # zcat ... | grep '^Lukeville,Arizona,2602,' | grep 'Personal Vehicles,'
    nov = one(full, "2602", "2023-11-01", "Personal Vehicles")
    dec = one(full, "2602", "2023-12-01", "Personal Vehicles")
    jan = one(full, "2602", "2024-01-01", "Personal Vehicles")
    assert (nov, dec, jan) == (34361, 3966, 17919)
    assert dec < 0.2 * nov  # port closed 4 Dec 2023 - 4 Jan 2024


def test_row_count_duplicates_and_sasabe_conflict(shared_data, caplog):
    with gzip.open(shared_data / FULL, "rt") as f:
        raw_rows = sum(1 for _ in f) - 1
    assert raw_rows == 399_406
    with caplog.at_level(logging.WARNING, logger="loaders.bts"):
        df = parse_bts_csv(shared_data / FULL)
    # 10 exact duplicate rows (Jun 2019, five ports x two measures) + 1 conflicting Sasabe row
    assert df.attrs["duplicates"] == 11
    assert len(df) == 399_406 - 11
    assert df.attrs["conflicts"] == [{
        "port_code": "2606", "port_name": "Sasabe", "month": pd.Timestamp("2021-02-01"),
        "measure": "Bus Passengers", "values": [0, 2175], "lines": [19903, 33438],
    }]
    assert one(df, "2606", "2021-02-01", "Bus Passengers") is pd.NA  # never picked, never summed
    assert one(df, "2606", "2021-02-01", "Personal Vehicles") == 2217  # its neighbours are untouched
    warning = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warning) == 1
    assert all(s in warning[0] for s in ("2606", "Sasabe", "2021-02", "Bus Passengers", "[0, 2175]"))
    # an exact duplicate keeps its value: Del Rio Jun 2019 Personal Vehicles appears twice as 123068
    assert one(df, "2302", "2019-06-01", "Personal Vehicles") == 123068


def test_twelve_measures_with_units_and_families(full):
    assert set(full["measure"]) == set(EXPECTED_MEASURES)
    pairs = full[["measure", "unit", "family"]].drop_duplicates()
    assert len(pairs) == 12
    assert {m: (u, f) for m, u, f in pairs.itertuples(index=False)} == EXPECTED_MEASURES
    assert bts.MEASURES == EXPECTED_MEASURES


def test_tx_az_ca_port_codes(full, shared_data):
    mx = full[(full["border"] == "US-Mexico Border") & full["state"].isin(["TX", "AZ", "CA"])]
    assert set(mx["port_code"]) == TX_AZ_CA_CODES
    assert len(TX_AZ_CA_CODES) == 26
    with open(shared_data / "bts/bts_us_mexico_port_coordinates.csv") as f:
        ref = {r["Port Code"] for r in csv.DictReader(f) if r["State"] in ("Texas", "Arizona", "California")}
    assert ref == TX_AZ_CA_CODES
    assert set(full["state"]) == {"AK", "AZ", "CA", "ID", "ME", "MI", "MN", "MT", "NM", "NY", "ND", "TX", "VT", "WA"}


def test_ysleta_appears_only_from_march_2020(full):
    ysleta = full[full["port_code"] == "2401"]
    assert ysleta["month"].min() == pd.Timestamp("2020-03-01")
    assert set(ysleta["port_name"]) == {"Ysleta"}
    assert one(full, "2401", "2020-03-01", "Personal Vehicles") == 248433
    assert full.loc[full["port_code"] == "2402", "month"].min() == pd.Timestamp("1996-01-01")  # El Paso


# --- published format variants ------------------------------------------------------------------------

SAMPLES = [
    "v2019_7col_no_location_mdY_12h_full.csv",
    "v2019_excel_resaved_mdyy_hm.csv",
    "v2019_kaggle_8col_location_mdY_12h.csv",
    "v2020_excel_state_abbrev_mdyy_hm.csv",
    "v2022_7col_bY_loaded.csv",
    "v2023_noheader_iso_date_latlon_point.csv",
    "v2025_10col_bY_latlon_point.csv",
]


@pytest.mark.parametrize("name", SAMPLES)
def test_every_format_sample_parses_and_agrees_with_the_full_file(name, shared_data, full):
    df = parse_bts_csv(shared_data / "bts/format_samples" / name)
    assert len(df) == 40
    assert set(df["state"]) <= {"TX", "AZ", "CA", "NM"}
    assert set(df["measure"]) <= set(EXPECTED_MEASURES)  # "... Full" is read as "... Loaded"
    merged = df.merge(full, on=["port_code", "month", "measure"], how="left", suffixes=("", "_full"))
    assert merged["value_full"].notna().all()
    assert (merged["value"] == merged["value_full"]).all()


def test_same_row_in_two_samples_with_different_date_formats(shared_data):
    d = shared_data / "bts/format_samples"
    excel = parse_bts_csv(d / "v2019_excel_resaved_mdyy_hm.csv")  # 3/1/19 0:00
    kaggle = parse_bts_csv(d / "v2019_kaggle_8col_location_mdY_12h.csv")  # 03/01/2019 12:00:00 AM
    assert one(excel, "2507", "2019-03-01", "Trucks") == one(kaggle, "2507", "2019-03-01", "Trucks") == 34447
    pd.testing.assert_frame_equal(excel, kaggle)


def test_sample_variants_details(shared_data):
    d = shared_data / "bts/format_samples"
    old = parse_bts_csv(d / "v2019_7col_no_location_mdY_12h_full.csv")
    assert one(old, "2301", "2018-12-01", "Rail Containers Loaded") == 722  # "Rail Containers Full" in 2019
    abbrev = parse_bts_csv(d / "v2020_excel_state_abbrev_mdyy_hm.csv")  # CA/TX/NM and 3 trailing columns
    assert one(abbrev, "2502", "2020-02-01", "Pedestrians") == 115655
    assert one(abbrev, "2301", "2020-02-01", "Personal Vehicle Passengers") == 638585
    headerless = parse_bts_csv(d / "v2023_noheader_iso_date_latlon_point.csv")
    assert one(headerless, "2602", "2020-01-01", "Truck Containers Loaded") == 25


def test_buffers_and_gzip_bytes(shared_data):
    path = shared_data / "bts/format_samples/v2022_7col_bY_loaded.csv"
    data = path.read_bytes()
    expected = parse_bts_csv(path)
    pd.testing.assert_frame_equal(parse_bts_csv(io.BytesIO(data)), expected)
    pd.testing.assert_frame_equal(parse_bts_csv(io.StringIO(data.decode())), expected)
    pd.testing.assert_frame_equal(parse_bts_csv(gzip.compress(data)), expected)


# --- validation -----------------------------------------------------------------------------------------

def test_broken_csv_lists_every_problem_with_its_line():
    with pytest.raises(ValidationError) as info:
        parse_bts_csv(BROKEN, source="broken.csv")
    assert [str(p) for p in info.value.problems] == [
        "broken.csv:3: unparseable date 'Dez 2023' (expected like 'Jan 2024')",
        "broken.csv:5: unknown measure 'Truck Containers Loded'",
        "broken.csv:6: value 'abc' is not a number",
        "broken.csv:7: port code is missing",
        "broken.csv:8: value -7 is negative",
        "broken.csv:9: expected 10 fields, found 6",
        "broken.csv:11: unparseable date '2023-13' (expected like 'Jan 2024')",
    ]


def test_short_line_numbering_on_the_fast_path():
    lines = WINDOW.read_text().splitlines()
    lines[4] = ",".join(lines[4].split(",")[:6])  # line 5 cut short; every value is still an integer
    lines.insert(7, "")  # a blank line 8 is skipped, not an error
    fields = lines[20].split(",")  # now line 21
    bad_date = fields[4] + "3"  # e.g. "Jan 20243"
    lines[20] = ",".join(fields[:4] + [bad_date] + fields[5:])
    with pytest.raises(ValidationError) as info:
        parse_bts_csv(("\n".join(lines) + "\n").encode(), source="w.csv")
    assert [str(p) for p in info.value.problems] == [
        "w.csv:5: expected 10 fields, found 6",
        f"w.csv:21: unparseable date {bad_date!r} (expected like 'Jan 2024')",
    ]


def test_problem_list_is_capped_with_a_count(shared_data):
    with gzip.open(shared_data / FULL, "rt") as f:
        lines = [next(f) for _ in range(121)]
    bad = [lines[0]] + [ln.replace(",Jan 2024,", ",Jan 2O24,").replace(",Apr 2024,", ",Apr 2O24,") for ln in lines[1:]]
    n_bad = sum(ln != orig for ln, orig in zip(bad, lines))
    assert n_bad > 60
    with pytest.raises(ValidationError) as info:
        parse_bts_csv("".join(bad).encode(), source="cap.csv")
    problems = info.value.problems
    assert len(problems) == bts.MAX_PROBLEMS + 1
    assert str(problems[-1]) == f"cap.csv: ... and {n_bad - bts.MAX_PROBLEMS} more problem(s)"
    assert [p.line for p in problems[:-1]] == sorted(p.line for p in problems[:-1])


def test_missing_header_column_is_reported():
    with pytest.raises(ValidationError, match=r"x.csv:1: missing column\(s\): measure"):
        parse_bts_csv(b"Port Name,State,Port Code,Border,Date,Value\n", source="x.csv")


# --- filter and aggregate -------------------------------------------------------------------------------

def test_filter_volumes(full):
    az = filter_volumes(full, states="Arizona", measures="Trucks", start="2024-01", end="2024-01-31")
    assert set(az["port_code"]) == {"2601", "2602", "2603", "2604", "2608"}
    assert len(az) == 5
    assert az.attrs["conflicts"] == []
    sasabe = filter_volumes(full, ports=["2606"], families=["people"])
    assert [c["port_code"] for c in sasabe.attrs["conflicts"]] == ["2606"]
    assert set(sasabe["unit"]) == {"people"}
    assert len(filter_volumes(full)) == len(full)
    with pytest.raises(ValueError, match="unknown measure"):
        filter_volumes(full, measures=["Cars"])


def test_aggregate_never_mixes_measures(full):
    mx = filter_volumes(full, states=["TX", "AZ", "CA"])
    by_state = aggregate_volumes(mx, "state")
    az_trucks = by_state[(by_state["state"] == "AZ") & (by_state["measure"] == "Trucks")
                         & (by_state["month"] == pd.Timestamp("2024-01-01"))]
    # awk: Naco 243 + Lukeville 66 + San Luis 3862 + Nogales 37425 + Douglas 2236
    assert az_trucks["value"].tolist() == [43832]
    ports = filter_volumes(mx, states="AZ", measures="Trucks", start="2024-01", end="2024-01")
    assert int(ports["value"].sum()) == 43832
    # one row per (state, month, measure): nothing was added across measures
    assert not by_state.duplicated(["state", "month", "measure"]).any()
    assert (by_state.groupby(["state", "month"]).size() <= 12).all()
    assert (by_state[["measure", "unit", "family"]].drop_duplicates().shape[0]) == 12
    total = aggregate_volumes(mx, "total")
    assert not total.duplicated(["month", "measure"]).any()
    t = total.set_index(["month", "measure"])["value"]
    s = by_state.groupby(["month", "measure"])["value"].sum(min_count=1)
    assert (t == s.reindex(t.index)).all()


def test_aggregate_missing_values(full):
    az = aggregate_volumes(filter_volumes(full, states="AZ"), "state")
    bus = az[(az["measure"] == "Bus Passengers") & (az["month"] == pd.Timestamp("2021-02-01"))]
    # Nogales 4585 + Douglas 8 + Lukeville 206; Sasabe's conflict is NA and counted as missing
    assert bus["value"].tolist() == [4799]
    assert bus["n_missing"].tolist() == [1]
    only_sasabe = filter_volumes(full, ports="2606", measures="Bus Passengers", start="2021-02", end="2021-02")
    total = aggregate_volumes(only_sasabe, "total")
    assert total["value"].isna().all() and total["n_missing"].tolist() == [1]  # NA stays NA, not 0
    per_port = aggregate_volumes(filter_volumes(full, ports=["2404"]), "port")
    assert set(per_port["port_name"]) == {"Tornillo"}  # the port's latest name


# --- Socrata API ----------------------------------------------------------------------------------------

def _socrata_rows(path) -> list[dict]:
    """Real CSV rows as the Socrata API returns them (every value a string, ISO floating timestamps)."""
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            rows.append({
                "port_name": r["Port Name"], "state": r["State"], "port_code": r["Port Code"],
                "border": r["Border"],
                "date": pd.to_datetime(r["Date"], format="%b %Y").strftime("%Y-%m-%dT%H:%M:%S.000"),
                "measure": r["Measure"], "value": r["Value"], "latitude": r["Latitude"],
                "longitude": r["Longitude"],
                "point": {"type": "Point", "coordinates": [float(r["Longitude"]), float(r["Latitude"])]},
            })
    rows.sort(key=lambda r: (r["date"], r["port_code"], r["measure"]))  # what $order asks for
    return rows


@pytest.fixture
def socrata_server(monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    rows = _socrata_rows(WINDOW)
    requests_seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            url = urlsplit(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            requests_seen.append({"path": url.path, **q})
            if url.path.endswith("/error.json"):
                body = {"error": True, "message": "query.soql.no-such-column"}
            else:
                offset, limit = int(q.get("$offset", 0)), int(q.get("$limit", 1000))
                body = rows[offset:offset + limit]
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/resource"
    try:
        yield base, rows, requests_seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _settings(url, tmp_path):
    return get_settings({"BORDERWATCH_BTS_URL": url, "BORDERWATCH_HTTP_RETRIES": "0",
                         "BORDERWATCH_HOME": str(tmp_path)})


def test_fetch_bts_pages_and_filters(socrata_server, tmp_path):
    base, rows, seen = socrata_server
    settings = _settings(f"{base}/keg4-3bc2.json", tmp_path)
    got = fetch_bts(start="2023-11", end="2024-01", settings=settings, page_size=200)
    assert got == rows and len(got) == 529
    assert [(r["$offset"], r["$limit"]) for r in seen] == [("0", "200"), ("200", "200"), ("400", "200")]
    where = seen[0]["$where"]
    assert "border = 'US-Mexico Border'" in where
    assert "state IN ('Texas', 'Arizona', 'California')" in where
    assert "date >= '2023-11-01T00:00:00.000'" in where and "date <= '2024-01-01T00:00:00.000'" in where
    assert all(r["$where"] == where and r["$order"] == "date,port_code,measure,:id" for r in seen)
    assert seen[0]["path"] == "/resource/keg4-3bc2.json"

    frame = parse_bts_socrata(got, source="api")
    expected = parse_bts_csv(WINDOW)
    pd.testing.assert_frame_equal(frame, expected)
    assert one(frame, "2602", "2023-12-01", "Personal Vehicles") == 3966


def test_fetch_bts_stops_after_an_empty_page(socrata_server, tmp_path):
    base, rows, seen = socrata_server
    got = fetch_bts(settings=_settings(f"{base}/keg4-3bc2.json", tmp_path), page_size=len(rows))
    assert len(got) == len(rows)
    assert [r["$offset"] for r in seen] == ["0", str(len(rows))]


def test_fetch_bts_rejects_a_non_list_body(socrata_server, tmp_path):
    base, _, _ = socrata_server
    with pytest.raises(FeedError, match="no-such-column"):
        fetch_bts(settings=_settings(f"{base}/error.json", tmp_path))
    with pytest.raises(ValueError, match="YYYY-MM"):
        fetch_bts(start="2024-1", settings=_settings(f"{base}/keg4-3bc2.json", tmp_path))


def test_parse_socrata_bad_records():
    rows = _socrata_rows(WINDOW)[:3]
    rows[1] = {**rows[1], "value": "n/a"}
    rows[2] = {k: v for k, v in rows[2].items() if k != "measure"}
    with pytest.raises(ValidationError) as info:
        parse_bts_socrata(json.dumps(rows).encode(), source="api")
    assert [str(p) for p in info.value.problems] == [
        "api:2: value 'n/a' is not a number",
        "api:3: measure is missing",
    ]
    with pytest.raises(FeedError, match="expected a JSON array"):
        parse_bts_socrata(b'{"error": true}', source="api")


# --- files ----------------------------------------------------------------------------------------------

def test_parquet_round_trip_keeps_dtypes_values_and_conflicts(full, tmp_path):
    mx = filter_volumes(full, states=["TX", "AZ", "CA"], start="2020-01")
    path = tmp_path / "snap" / "bts_volumes.parquet"
    write_volumes_parquet(mx, path)
    back = read_volumes_parquet(path)
    pd.testing.assert_frame_equal(back, mx)
    assert back["value"].isna().sum() == 1
    assert back.attrs["conflicts"][0]["month"] == pd.Timestamp("2021-02-01")
    assert back.attrs["conflicts"][0]["values"] == [0, 2175]
    pd.testing.assert_frame_equal(read_bts(path), mx)


def test_read_bts_csv_and_json(tmp_path, shared_data):
    pd.testing.assert_frame_equal(read_bts(WINDOW), parse_bts_csv(WINDOW))
    j = tmp_path / "page.json.gz"
    j.write_bytes(gzip.compress(json.dumps(_socrata_rows(WINDOW)).encode()))
    pd.testing.assert_frame_equal(read_bts(j), parse_bts_csv(WINDOW))
    with pytest.raises(FeedError, match="cannot read"):
        read_bts(tmp_path / "nope.csv")
