"""Crossing-months far below expectation with no event (analysis/count_anomalies.py), on the embedded
BTS counts, checked against the raw file by hand."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.count_anomalies import count_anomalies
from analysis.counts import port_counts
from loaders.snapshot import load_snapshot


@pytest.fixture(scope="module")
def anomalies():
    snap = load_snapshot()
    return count_anomalies(port_counts(snap.volumes), snap.events, snap.crossings)


def test_lukeville_closure_is_recorded(anomalies):
    a = anomalies[(anomalies["location"] == "Lukeville (BTS port 2602)") & (anomalies["measure"] == "Personal Vehicles")
                  & (anomalies["first_month"] == pd.Timestamp("2023-12-01"))].iloc[0]
    assert a["status"] == "recorded" and "2023-12-lukeville-closure" in a["event_ids"]
    assert a["observed"] == 3966 + 17919 and a["events_line"] == ""


def test_sasabe_drop_is_a_candidate(anomalies):
    # raw rows, Sasabe (2606) Personal Vehicles: Oct 2023 2,338 -> Nov 2023 1,115, Dec 812, Jan 2024 953, ...
    a = anomalies[(anomalies["location"] == "Sasabe (BTS port 2606)") & (anomalies["measure"] == "Personal Vehicles")].iloc[0]
    assert a["status"] == "candidate" and a["first_month"] == pd.Timestamp("2023-11-01")
    assert a["observed"] == 1115 + 812 + 953 + 744 + 805 + 820 + 912 == 6161 and a["months"] == 7
    assert a["drop_pct"] > 50
    assert a["events_line"].startswith("2023-11-port-2606-personal-vehicles-drop-candidate,")
    assert ",other,az-sasabe,AZ,passenger,northbound,2023-11-01,2024-06-01," in a["events_line"]


def test_pandemic_months_never_flagged(anomalies):
    pandemic = (anomalies["first_month"] >= pd.Timestamp("2020-03-01")) & (anomalies["first_month"] < pd.Timestamp("2021-12-01"))
    assert not pandemic.any()
    assert (anomalies["drop_pct"] >= 30).all() and (anomalies["expected"] >= 500 * anomalies["months"]).all()
