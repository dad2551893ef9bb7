"""CBP's typical waits (historicalwaittimes) on the real San Ysidro capture."""
from __future__ import annotations

import json

import pytest

from loaders.cbp_typical import SOURCE, load_typical, parse_typical_json, read_typical
from loaders.errors import FeedError

FILE = "historicalwaittimes_09250401_san_ysidro_POV_2021-01.csv"


@pytest.fixture(scope="module")
def typical(shared_data):
    return read_typical(shared_data / "cbp" / FILE)


def test_tidy_rows_and_labels(typical):
    # 2,016 CSV rows (12 months x 7 weekdays x 24 hours) x 7 lane columns
    assert len(typical) == 2016 * 7
    assert set(typical["port_number"]) == {"250401"} and set(typical["source"]) == {SOURCE}
    assert "CBP" in SOURCE and "averages" in SOURCE


def test_all_zero_lane_is_missing_not_no_wait(typical):
    commercial = typical[typical["mode"] == "commercial"]
    assert len(commercial) == 2 * 2016 and commercial["typical_minutes"].isna().all()
    # a single 0 in a lane that exists is a real 0-minute average
    ped_ready = typical[(typical["mode"] == "pedestrian") & (typical["lane"] == "ready")]
    assert (ped_ready["typical_minutes"] == 0).any() and ped_ready["typical_minutes"].notna().all()


def test_values_match_the_file(typical, shared_data):
    # first CSV line: month 1, Monday, 00h: pv 33, xpv 5, pv_ready 19, ped 5, ped_ready 3
    cell = typical[(typical["month"] == 1) & (typical["weekday"] == 0) & (typical["hour"] == 0)]
    got = {(r.mode, r.lane): r.typical_minutes for r in cell.itertuples()}
    assert got[("passenger", "standard")] == 33 and got[("passenger", "sentri")] == 5
    assert got[("passenger", "ready")] == 19 and got[("pedestrian", "standard")] == 5
    assert got[("pedestrian", "ready")] == 3


def test_embedded_copy_is_the_same(typical):
    assert load_typical().equals(typical)


def test_json_shape_and_bad_input(shared_data):
    recs = [{"bwt_month": 1, "bwt_day": 0, "time_slot": 0, "pv_time_avg": 33, "cv_time_avg": 0}]
    df = parse_typical_json(json.dumps(recs), bwt_id="09250401", source="api")
    assert df.set_index(["mode", "lane"])["typical_minutes"].to_dict()[("passenger", "standard")] == 33
    with pytest.raises(FeedError, match="not valid JSON"):
        parse_typical_json(b"{", bwt_id="09250401", source="api")
    with pytest.raises(FeedError, match="bwt_day"):
        parse_typical_json(json.dumps([{"bwt_month": 1, "time_slot": 0, "pv_time_avg": 3}]),
                           bwt_id="09250401", source="api")
