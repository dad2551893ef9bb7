"""TxDOT/UNT bridge-level counts: parsed from the real file, values checked by hand against the raw CSV."""
import pandas as pd
import pytest

from loaders.errors import ValidationError
from loaders.schema import BRIDGE_VOLUMES_COLUMNS, column_names
from loaders.txdot import CROSSWALK, crossing_series, parse_txdot, read_txdot

RAW = "bts/txdot_unt_cbp_tx_monthly_crossings_2008_2025.csv"
HEADER = "ID,Year,Month,Region,POE,Crossing,Modes,Northbound Crossing\n"


@pytest.fixture(scope="module")
def bridge(shared_data):
    return read_txdot(shared_data / RAW)


def value(df, crossing, month, measure):
    r = df[(df["crossing_id"] == crossing) & (df["month"] == pd.Timestamp(month)) & (df["measure"] == measure)]
    assert len(r) == 1, (crossing, month, measure, len(r))
    return r["value"].iloc[0]


def test_real_file_shape(bridge):
    assert list(bridge.columns) == column_names(BRIDGE_VOLUMES_COLUMNS)
    assert len(bridge) == 34090  # every row of the source, none dropped
    assert bridge["month"].min() == pd.Timestamp("2008-01-01")
    assert bridge["month"].max() == pd.Timestamp("2025-12-01")
    assert set(bridge["source"]) == {"TxDOT/UNT"}
    assert bridge["source_crossing"].nunique() == 33
    assert set(bridge["unit"]) == {"vehicles", "buses", "trucks", "people", "railcars"}


def test_eagle_pass_bridge_1_dec_2023(bridge):
    # raw lines 30404, 30569, 30570: 2023-11-EAGL-POVs 99269; 2023-12-EAGL-POVs 551; -Pedestrians 38960
    assert value(bridge, "tx-eagle-pass-bridge-1", "2023-11-01", "Personal Vehicles") == 99269
    assert value(bridge, "tx-eagle-pass-bridge-1", "2023-12-01", "Personal Vehicles") == 551
    assert value(bridge, "tx-eagle-pass-bridge-1", "2023-12-01", "Pedestrians and Bicyclists") == 38960
    r = bridge[bridge["source_id"] == "2023-12-EAGL-POVs"].iloc[0]
    assert (r["source_crossing"], r["port_code"], r["unit"]) == ("Eagle Pass International Bridge", "2303", "vehicles")


def test_laredo_bridges_differ(bridge):
    # raw lines 30598 and 30583
    assert value(bridge, "tx-laredo-world-trade", "2023-12-01", "Trucks") == 161871
    assert value(bridge, "tx-laredo-colombia", "2023-12-01", "Trucks") == 62106


def test_el_paso_rail_bridges_counted_together(bridge):
    # raw line 30516: 2023-12-ELPA-Railcars 9697, one count for BNSF and UP together: never split or doubled
    bnsf = crossing_series(bridge, "tx-el-paso-bnsf-rail")
    up = crossing_series(bridge, "tx-el-paso-up-rail")
    assert bnsf.equals(up)
    assert set(bnsf["covers"]) == {"tx-el-paso-bnsf-rail;tx-el-paso-up-rail"}
    assert value(bridge, "tx-el-paso-bnsf-rail", "2023-12-01", "Railcars") == 9697
    assert (bridge["source_id"] == "2023-12-ELPA-Railcars").sum() == 1


def test_absent_months_are_not_zero(bridge):
    # the source lists no railcars for road bridges in 2025: absent, not 0
    r = bridge[(bridge["crossing_id"] == "tx-eagle-pass-bridge-1") & (bridge["month"].dt.year == 2025)]
    assert "Railcars" not in set(r["measure"]) and len(r) == 48
    assert not bridge["value"].isna().any()


def test_crosswalk_ids_exist(crossings):
    ids = set(crossings["crossing_id"])
    for code, (_, cids, port) in CROSSWALK.items():
        for cid in cids:
            assert cid in ids, (code, cid)
            assert crossings.loc[crossings["crossing_id"] == cid, "bts_port_code"].iloc[0] == port, (code, cid)


def test_bad_lines_are_reported_with_line_numbers():
    text = HEADER + ("2023-12-EAGL-POVs,2023,12,Laredo,Eagle Pass,Eagle Pass International Bridge,Passenger Vehicles,551\n"
                     "2023-12-XXXX-POVs,2023,12,Laredo,Eagle Pass,Nowhere Bridge,Passenger Vehicles,5\n"
                     "2023-13-EAGL-Buses,2023,13,Laredo,Eagle Pass,Eagle Pass International Bridge,Buses,0\n"
                     "2023-12-EAGL-Trucks,2023,12,Laredo,Eagle Pass,Eagle Pass International Bridge,Commercial Trucks,-4\n"
                     "2023-12-EAGL-Horses,2023,12,Laredo,Eagle Pass,Eagle Pass International Bridge,Horses,3\n")
    with pytest.raises(ValidationError) as ei:
        parse_txdot(text, source="t.csv")
    msg = str(ei.value)
    assert "t.csv:3: unknown crossing code 'XXXX'" in msg
    assert "t.csv:4: bad year/month" in msg
    assert "t.csv:5: count '-4'" in msg
    assert "t.csv:6: unknown mode 'Horses'" in msg
    assert "t.csv:2" not in msg


def test_missing_column_and_repeat():
    with pytest.raises(ValidationError, match="missing column"):
        parse_txdot("ID,Year\n1,2\n", source="t.csv")
    row = "2023-12-EAGL-POVs,2023,12,Laredo,Eagle Pass,Eagle Pass International Bridge,Passenger Vehicles,551\n"
    with pytest.raises(ValidationError, match="t.csv:3: 2023-12-EAGL-POVs: repeats"):
        parse_txdot(HEADER + row + row, source="t.csv")


def test_snapshot_carries_bridge_counts(snapshot):
    b = snapshot.bridge_volumes
    assert value(b, "tx-eagle-pass-bridge-1", "2023-12-01", "Personal Vehicles") == 551
    assert snapshot.file_entry("txdot")["through"] == "2025-12-01"


def test_fetch_from_local_server(shared_data):
    """fetch_txdot over real HTTP on 127.0.0.1: the real file, then a 404 as a FeedError naming the URL."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from loaders.config import get_settings
    from loaders.errors import FeedError
    from loaders.txdot import fetch_txdot

    body = (shared_data / RAW).read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path.endswith("monthly.csv"):
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{srv.server_address[1]}"
        settings = get_settings({"BORDERWATCH_HTTP_RETRIES": "0"})
        df = parse_txdot(fetch_txdot(settings, url=base + "/monthly.csv"))
        assert value(df, "tx-eagle-pass-bridge-1", "2023-12-01", "Personal Vehicles") == 551
        with pytest.raises(FeedError, match="404"):
            fetch_txdot(settings, url=base + "/gone.csv")
    finally:
        srv.shutdown()
