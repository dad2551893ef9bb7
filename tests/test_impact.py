"""Closure impact and diversion (analysis/impact.py) on the worked cases, against hand computations from
the raw BTS file (../shared/data/bts/Border_Crossing_Entry_Data_1996-01_to_2025-02.csv.gz).

The raw rows are read here with the csv module (not with our loader) and the arithmetic is written out."""
from __future__ import annotations

import csv
import gzip
import statistics

import pandas as pd
import pytest

from analysis.counts import haversine_km, port_counts
from analysis.expectation import band_halfwidth
from analysis.impact import affected_days, event_impact
from loaders.errors import BorderwatchError
from loaders.snapshot import load_snapshot

from .conftest import SHARED_DATA

BTS_RAW = SHARED_DATA / "bts" / "Border_Crossing_Entry_Data_1996-01_to_2025-02.csv.gz"
T90_3 = 1.638  # t(0.90, 3 degrees of freedom): 4 reference years


@pytest.fixture(scope="module")
def snap():
    return load_snapshot()


@pytest.fixture(scope="module")
def counts(snap):
    return port_counts(snap.volumes)


@pytest.fixture(scope="module")
def raw():
    """{(port code, 'Mon YYYY', measure): value} for the ports of the worked cases, from the raw file."""
    ports = {"2602", "2604", "2606", "2608", "2303", "2402", "2304"}
    out = {}
    with gzip.open(BTS_RAW, "rt", newline="") as f:
        for row in csv.DictReader(f):
            if row["Port Code"] in ports and row["Border"] == "US-Mexico Border":
                out[(row["Port Code"], row["Date"], row["Measure"])] = int(row["Value"])
    return out


@pytest.fixture(scope="module")
def lukeville(snap, counts):
    return event_impact("2023-12-lukeville-closure", events=snap.events, crossings=snap.crossings, counts=counts)


def _row(df, **kw):
    m = pd.Series(True, index=df.index)
    for k, v in kw.items():
        m &= df[k] == v
    hit = df[m]
    assert len(hit) == 1, kw
    return hit.iloc[0]


# Lukeville (BTS port 2602), Personal Vehicles, from the raw file: "Lukeville,Arizona,2602,US-Mexico
# Border,Dec 2023,Personal Vehicles,3966,..." etc.
LUKEVILLE_PV = {
    # the trend window: Dec 2022 - Oct 2023 (Nov 2023 is left out: the reduced-processing event of 27 Nov)
    "window_2023": [26321, 28885, 26016, 41411, 38595, 42514, 46595, 47661, 28128, 33504, 44736],
    # the same months 1, 4, 5, 6 years earlier (2 and 3 years back fall in the 2020-21 restrictions)
    "window_k1": [25135, 27200, 26269, 42626, 37502, 46325, 46141, 47300, 30706, 32783, 44455],
    "window_k4": [24050, 26113, 23972, 46128, 37896, 41260, 47271, 45431, 29104, 34457, 41605],
    "window_k5": [23513, 26277, 25680, 43260, 39494, 38594, 42486, 41574, 27596, 32853, 36287],
    "window_k6": [20921, 24356, 22567, 38872, 34412, 36446, 40044, 41003, 25695, 28167, 38493],
    "dec": {2022: 26321, 2019: 27628, 2018: 24050, 2017: 23513, 2023: 3966},
    "jan": {2023: 28885, 2020: 26901, 2019: 26113, 2018: 26277, 2024: 17919},
}


def test_lukeville_raw_rows(raw):
    months = ["Dec 2022", "Jan 2023", "Feb 2023", "Mar 2023", "Apr 2023", "May 2023", "Jun 2023", "Jul 2023",
              "Aug 2023", "Sep 2023", "Oct 2023"]
    assert [raw[("2602", m, "Personal Vehicles")] for m in months] == LUKEVILLE_PV["window_2023"]
    k1 = [m[:4] + str(int(m[4:]) - 1) for m in months]
    assert [raw[("2602", m, "Personal Vehicles")] for m in k1] == LUKEVILLE_PV["window_k1"]
    assert raw[("2602", "Dec 2023", "Personal Vehicles")] == 3966
    assert raw[("2602", "Jan 2024", "Personal Vehicles")] == 17919
    assert raw[("2602", "Nov 2023", "Personal Vehicles")] == 34361
    for y, v in LUKEVILLE_PV["dec"].items():
        assert raw[("2602", f"Dec {y}", "Personal Vehicles")] == v
    for y, v in LUKEVILLE_PV["jan"].items():
        assert raw[("2602", f"Jan {y}", "Personal Vehicles")] == v


def test_lukeville_personal_vehicles_by_hand(lukeville):
    L = LUKEVILLE_PV
    now = sum(L["window_2023"])  # 404,366
    assert now == 404366
    # trend ratios r_k = 404,366 / (406,442 | 397,287 | 377,614 | 350,976)
    r = {k: now / sum(L[f"window_k{k}"]) for k in (1, 4, 5, 6)}
    assert [sum(L[f"window_k{k}"]) for k in (1, 4, 5, 6)] == [406442, 397287, 377614, 350976]
    dec = [L["dec"][2023 - k] * r[k] for k in (1, 4, 5, 6)]  # 26,187 28,120 25,754 27,090
    jan = [L["jan"][2024 - k] * r[k] for k in (1, 4, 5, 6)]  # 28,737 27,380 27,963 30,274
    exp_dec, exp_jan = sum(dec) / 4, sum(jan) / 4  # 26,788 and 28,589
    assert round(exp_dec) == 26788 and round(exp_jan) == 28589
    m = lukeville.months
    d = _row(m, measure="Personal Vehicles", role="closed", month=pd.Timestamp("2023-12-01"))
    assert d["observed"] == 3966 and d["expected"] == 26788 and d["reference_years"] == "2022;2019;2018;2017"
    assert d["days_in_month"] == 31 and d["days_affected"] == 28  # closed from 4 Dec: 3 days of traffic
    half_dec = T90_3 * statistics.stdev(dec) * (1 + 1 / 4) ** 0.5
    assert d["low"] == round(exp_dec - half_dec) and d["high"] == round(exp_dec + half_dec)
    j = _row(m, measure="Personal Vehicles", role="closed", month=pd.Timestamp("2024-01-01"))
    assert j["observed"] == 17919 and j["expected"] == 28589 and j["days_affected"] == 3.25  # to 4 Jan 06:00
    # totals over Dec-Jan: each reference year is one counterfactual
    totals = [a + b for a, b in zip(dec, jan)]
    exp_total = sum(totals) / 4  # 55,376
    half = T90_3 * statistics.stdev(totals) * 1.25 ** 0.5  # 2,782
    s = _row(lukeville.summary, measure="Personal Vehicles", role="closed")
    assert s["observed"] == 3966 + 17919 == 21885
    assert s["expected"] == round(exp_total) == 55376
    assert s["low"] == round(exp_total - half) == 52594 and s["high"] == round(exp_total + half) == 58159
    assert s["difference"] == round(21885 - exp_total) == -33491  # ~33,500 vehicles lost
    assert s["months"] == "2023-12..2024-01"


def test_lukeville_neighbours_and_distances(lukeville, snap):
    s = lukeville.summary
    pv = s[(s["measure"] == "Personal Vehicles") & (s["role"] == "neighbour")]
    assert list(pv["location"]) == ["Sasabe (BTS port 2606)", "Nogales (BTS port 2604)", "San Luis (BTS port 2608)"]
    # port points = mean of the port's crossing points (GSA building points in AZ since the crossing reference
    # went crossing-level: Nogales = DeConcini, Mariposa, Morley Gate; San Luis = I and II, 7.6 km apart)
    assert list(pv["distance_km"]) == [128, 187, 193]
    # Sasabe by hand: Lukeville's point (31.880, -112.817) to Sasabe's (31.483, -111.544)
    assert round(haversine_km(31.880, -112.817, 31.483, -111.544)) == 128
    # the neighbours' observed Dec 2023 + Jan 2024, raw rows: Nogales 317,137 + 311,743; San Luis 271,148
    # + 272,127; Sasabe 812 + 953
    assert list(pv["observed"]) == [812 + 953, 317137 + 311743, 271148 + 272127]
    allrow = _row(s, measure="Personal Vehicles", role="neighbours")
    assert allrow["difference"] == pv["difference"].sum()
    # Nogales and San Luis move by +-100,000 vehicles a month in ordinary years: Lukeville's 33,500 cannot
    # be seen there, and the band of the share spans 0
    assert allrow["share_low"] < 0 < allrow["share_high"]


def test_measures_never_mixed(lukeville):
    s = lukeville.summary
    for (measure, level), g in s.groupby(["measure", "level"]):
        assert g["unit"].nunique() == 1
    assert set(s["level"]) == {"port"}


def test_partial_month_days():
    tz = "America/Phoenix"
    start, end = pd.Timestamp("2023-12-04", tz=tz), pd.Timestamp("2024-01-04T06:00", tz=tz)
    assert affected_days(start, end, pd.Timestamp("2023-12-01")) == (31, 28.0)
    assert affected_days(start, end, pd.Timestamp("2024-01-01")) == (31, 3.25)
    # Eagle Pass Bridge I: 27 Nov 15:00 CST -> 4 Jan 07:00 CST: 3 days 9 hours of November
    s2, e2 = pd.Timestamp("2023-11-27T15:00", tz="America/Chicago"), pd.Timestamp("2024-01-04T07:00", tz="America/Chicago")
    assert affected_days(s2, e2, pd.Timestamp("2023-11-01")) == (30, 3.375)


def test_band_halfwidth_by_hand():
    vals = [10.0, 12.0, 14.0, 16.0]
    assert band_halfwidth(vals) == pytest.approx(1.638 * statistics.stdev(vals) * 1.25 ** 0.5)
    assert pd.isna(band_halfwidth([5.0]))


def test_reopening_and_unknown_event_refused(snap, counts):
    with pytest.raises(BorderwatchError, match="unknown event"):
        event_impact("nope", events=snap.events, crossings=snap.crossings, counts=counts)
    with pytest.raises(BorderwatchError, match="reopening"):
        event_impact("2024-01-lukeville-reopening", events=snap.events, crossings=snap.crossings, counts=counts)


# --------------------------------------------------------------------------------------------------
# Rail suspensions of 18-22 Dec 2023 (port level: BTS counts rail per port; each port has one rail gateway
# here, so the port's Trains are the bridge's)
# Raw rows: "Eagle Pass,Texas,2303,US-Mexico Border,Dec 2023,Trains,237,..." and the months below.
EAGLE_PASS_TRAINS = {
    # trend window Dec 2022 - Nov 2023 without Sep 2023 (the 20-23 Sep rail closure is left out)
    "now": [227, 232, 220, 254, 248, 240, 252, 258, 243, 251, 215],
    1: [225, 245, 213, 242, 224, 203, 252, 232, 271, 228, 229],
    4: [316, 280, 258, 282, 283, 293, 275, 294, 315, 297, 285],
    5: [286, 266, 270, 302, 287, 293, 291, 285, 284, 295, 287],
    6: [243, 253, 239, 291, 280, 293, 288, 280, 275, 292, 287],
    "dec": {1: 227, 4: 284, 5: 316, 6: 286},  # Dec 2022, 2019, 2018, 2017
}


def test_raw_eagle_pass_trains(raw):
    months = ["Dec 2022"] + [f"{m} 2023" for m in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Oct", "Nov")]
    assert [raw[("2303", m, "Trains")] for m in months] == EAGLE_PASS_TRAINS["now"]
    assert raw[("2303", "Dec 2023", "Trains")] == 237
    assert raw[("2303", "Dec 2023", "Trucks")] == 10504
    assert raw[("2304", "Dec 2023", "Trucks")] == 223977


@pytest.fixture(scope="module")
def ep_rail(snap, counts):
    return event_impact("2023-12-eagle-pass-rail-suspension", events=snap.events, crossings=snap.crossings,
                        counts=counts)


def test_eagle_pass_rail_by_hand(ep_rail):
    T = EAGLE_PASS_TRAINS
    now = sum(T["now"])  # 2,640 trains
    est = [T["dec"][k] * now / sum(T[k]) for k in (1, 4, 5, 6)]  # /2,564 /3,178 /3,146 /3,021
    exp = sum(est) / 4  # 246.2
    half = T90_3 * statistics.stdev(est) * 1.25 ** 0.5  # 26.6
    s = _row(ep_rail.summary, measure="Trains", role="closed")
    assert (s["observed"], s["expected"], s["low"], s["high"]) == (237, round(exp), round(exp - half), round(exp + half))
    assert (s["expected"], s["low"], s["high"]) == (246, 220, 273)
    # 4 days 5 hours of 31 (08:00 on the 18th to 13:00 on the 22nd, Central): -9 trains is inside the band
    d = _row(ep_rail.months, measure="Trains", role="closed", month=pd.Timestamp("2023-12-01"))
    assert d["days_affected"] == pytest.approx(4.208, abs=0.001)
    assert s["difference_low"] < 0 < s["difference_high"]
    # the rail neighbour is Laredo (157 km); trucks are shown as a related measure, never added
    n = ep_rail.summary[(ep_rail.summary["measure"] == "Trains") & (ep_rail.summary["role"] == "neighbour")]
    assert list(n["location"]) == ["Laredo (BTS port 2304)"] and list(n["distance_km"]) == [157]
    trucks = ep_rail.summary[ep_rail.summary["measure"] == "Trucks"]
    assert set(trucks["role"]) == {"related"} and trucks["share_of_lost"].isna().all()
    assert _row(trucks, location="Laredo (BTS port 2304)")["observed"] == 223977
    assert _row(trucks, location="Eagle Pass (BTS port 2303)")["observed"] == 10504


def test_el_paso_rail_uses_pre_split_years(snap, counts):
    """Rail is not affected by the El Paso/Ysleta split (Ysleta has no rail): 2019 and earlier count."""
    r = event_impact("2023-12-el-paso-rail-suspension", events=snap.events, crossings=snap.crossings, counts=counts)
    s = _row(r.summary, measure="Trains", role="closed")
    assert s["observed"] == 111 and s["reference_years"] == "2022;2019;2018;2017"
    # road measures at El Paso are never paired across March 2020
    t = _row(r.summary, measure="Trucks", role="related", location="El Paso (BTS port 2402)")
    assert "2019" not in t["reference_years"]


# --------------------------------------------------------------------------------------------------
# Eagle Pass Bridge I, northbound vehicles suspended 27 Nov 2023 15:00 - 4 Jan 2024 07:00 (Central): bridge
# level, TxDOT/UNT counts (../shared/data/bts/txdot_unt_cbp_tx_monthly_crossings_2008_2025.csv), e.g. line
# 30569 "2023-12-EAGL-POVs,2023,12,Laredo,Eagle Pass,Eagle Pass International Bridge,Passenger Vehicles,551"
TXDOT_RAW = SHARED_DATA / "bts" / "txdot_unt_cbp_tx_monthly_crossings_2008_2025.csv"
#: EAGL (Bridge I) passenger vehicles, Jan..Dec of each year, from the raw file.
BRIDGE_I_POV = {
    2016: [130434, 98632, 104919, 105090, 105582, 96180, 102543, 97280, 94744, 101378, 96753, 102479],
    2017: [101429, 90553, 101501, 100985, 105890, 100395, 99943, 96150, 95651, 99434, 94633, 98086],
    2018: [96207, 83477, 97055, 107728, 110488, 102342, 95187, 108579, 103725, 110117, 103551, 110831],
    2019: [110864, 98487, 114422, 93666, 99508, 107001, 104011, 98355, 94670, 97636, 99376, 105067],
    2021: [38984, 27889, 41426, 45295, 45772, 42035, 57062, 60806, 64765, 72078, 92311, 97937],
    2022: [96983, 92000, 110096, 107095, 102697, 101148, 109909, 106929, 108809, 110943, 96495, 98271],
    2023: [105577, 96461, 106091, 108917, 111245, 101511, 107408, 111729, 69513, 57292, 99269, 551],
}


@pytest.fixture(scope="module")
def txdot_raw():
    out = {}
    with open(TXDOT_RAW, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[row["ID"]] = int(row["Northbound Crossing"])
    return out


@pytest.fixture(scope="module")
def bridge1(snap):
    from dashboard.impact_views import closure_counts
    return event_impact("2023-11-eagle-pass-bridge-1-suspension", events=snap.events, crossings=snap.crossings,
                        counts=closure_counts(snap))


def test_bridge_i_raw_rows(txdot_raw):
    for year, values in BRIDGE_I_POV.items():
        assert [txdot_raw[f"{year}-{m:02d}-EAGL-POVs"] for m in range(1, 13)] == values
    assert txdot_raw["2023-11-EAGL-POVs"] == 99269 and txdot_raw["2023-12-EAGL-POVs"] == 551  # as the issue says
    assert txdot_raw["2024-01-EAGL-POVs"] == 97235
    assert [txdot_raw[f"{k}-CAMI-POVs"] for k in ("2023-11", "2023-12", "2024-01")] == [145635, 137546, 134165]


def test_bridge_i_december_by_hand(bridge1):
    Y = BRIDGE_I_POV
    v = lambda y, m: Y[y][m - 1]  # noqa: E731
    # trend window Nov 2022 - Aug 2023: Sep and Oct 2023 are left out (the 20 Sep - 16 Oct suspension)
    window = [(2022, 11), (2022, 12)] + [(2023, m) for m in range(1, 9)]
    ratios = {}
    for k in (1, 4, 5, 6):  # 2 and 3 years back fall in the restrictions
        pairs = [(y, m) for y, m in window if not (k == 1 and (y, m) == (2022, 11))]  # Nov 2021: restrictions
        ratios[k] = sum(v(y, m) for y, m in pairs) / sum(v(y - k, m) for y, m in pairs)
    # 947,210 / 924,794; 1,043,705 / 1,040,696; 1,043,705 / 993,782; 1,043,705 / 996,078
    assert round(ratios[1], 6) == round(947210 / 924794, 6) and round(ratios[6], 6) == round(1043705 / 996078, 6)
    est = [v(2023 - k, 12) * ratios[k] for k in (1, 4, 5, 6)]  # from Dec 2022, 2019, 2018, 2017
    exp = sum(est) / 4  # 106,300
    half = T90_3 * statistics.stdev(est) * 1.25 ** 0.5
    d = _row(bridge1.months, measure="Personal Vehicles", level="bridge", role="closed", month=pd.Timestamp("2023-12-01"))
    assert d["location"] == "Eagle Pass Bridge I (bridge)" and d["source"] == "TxDOT/UNT"
    assert (d["observed"], d["expected"], d["low"], d["high"]) == (551, round(exp), round(exp - half), round(exp + half))
    assert (d["expected"], d["low"], d["high"]) == (106300, 93474, 119126)
    n = _row(bridge1.months, measure="Personal Vehicles", level="bridge", role="closed", month=pd.Timestamp("2023-11-01"))
    assert n["observed"] == 99269 and n["days_affected"] == 3.375  # from 15:00 on the 27th: 3 days 9 hours


def test_bridge_i_neighbours_and_share(bridge1):
    s = bridge1.summary[(bridge1.summary["measure"] == "Personal Vehicles") & (bridge1.summary["level"] == "bridge")]
    closed = _row(s, role="closed")
    assert closed["observed"] == 99269 + 551 + 97235 == 197055
    assert closed["difference"] < -85000 and closed["difference_high"] < 0  # a clear loss
    nb = s[s["role"] == "neighbour"]
    assert nb["location"].iloc[0] == "Eagle Pass Bridge II (bridge)" and nb["distance_km"].iloc[0] == 1
    assert nb["observed"].iloc[0] == 145635 + 137546 + 134165
    allrow = _row(s, role="neighbours")
    assert allrow["share_low"] < 0.2  # Bridge II did not visibly take Bridge I's vehicles
    # port level says what the port lost net of Bridge II; the note says so, never mixed with bridge counts
    assert any("BTS port 2303 also counts Bridge II" in note for note in bridge1.notes)
    for (_, level), g in bridge1.summary.groupby(["measure", "level"]):
        assert g["source"].nunique() == 1
