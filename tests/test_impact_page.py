"""The closure-impact section of the page (dashboard/sections/impact.py) through AppTest, and its figure
(dashboard/figures/impact.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import impact_views as iv
from dashboard.figures.impact import impact_table, panel_title
from loaders.snapshot import load_snapshot

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


@pytest.fixture(scope="module")
def snap():
    return load_snapshot()


def test_figure_for_lukeville(snap):
    spec = iv.impact_chart(snap, "2023-12-lukeville-closure")
    fig, table = spec.figure, spec.table
    assert table["measure"].unique().tolist() == ["Personal Vehicles"]
    assert list(dict.fromkeys(table["location"])) == ["Lukeville (BTS port 2602)", "Sasabe (BTS port 2606)",
                                                    "Nogales (BTS port 2604)", "San Luis (BTS port 2608)"]
    obs = [t for t in fig.data if t.name == "Observed — closed crossing"][0]
    # the plotted values are the table's: Dec 2023 = 3,966 (three days open), drawn as an open marker
    i = list(obs.x).index("2023-12-01")
    assert obs.y[i] == 3966 and obs.marker.symbol[i] == "circle-open"
    texts = [a.text for a in fig.layout.annotations]
    assert "Dec 2023: open 3 of 31 days" in texts and "Jan 2024: open 27.8 of 31 days" in texts
    assert any(t.startswith("<b>Lukeville (BTS port 2602)</b> — closed: 33,491 fewer than expected") for t in texts)
    assert "about 33,491 fewer vehicles than expected in Dec 2023 – Jan 2024" in fig.layout.title.text.replace("<br>", " ")
    assert "cannot show where the traffic went" in fig.layout.title.text.replace("<br>", " ")
    cap = [a.text for a in fig.layout.annotations if a.name == "caption"][0]
    assert "Source: BTS Border Crossing Entry Data" in cap and "snapshot" in cap
    # one y-axis per panel: Lukeville's ~30k would vanish on Nogales' ~300k scale
    assert fig.layout.yaxis.domain != fig.layout.yaxis3.domain


def test_table_twin_has_no_related_measures(snap):
    imp = iv.impact_for(snap, "2023-12-lukeville-closure")
    t = impact_table(imp.months, measure="Trucks", level="port")
    assert set(t["role"]) == {"closed", "neighbour"} and t["unit"].nunique() == 1


def test_panel_title_says_when_within_normal_variation():
    row = {"location": "Nogales (BTS port 2604)", "role": "neighbour", "distance_km": 188, "difference": 492,
           "difference_low": -29515, "difference_high": 30499}
    assert panel_title(row) == ("Nogales (BTS port 2604), 188 km — +492 vs expected "
                                "(band −29,515 to +30,499): within normal variation")


def test_page_opens_impact_from_the_url():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["impact"] = "2023-12-lukeville-closure"
    at.run()
    assert not at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    impact = [s for s in specs if "Lukeville" in (s["layout"].get("title", {}).get("text") or "")
              and "neighbours" in s["layout"]["title"]["text"]]
    assert impact, "impact chart missing"
    assert at.query_params["impact"] == ["2023-12-lukeville-closure"] or at.query_params["impact"] == "2023-12-lukeville-closure"
    assert any("How this is computed" in e.label for e in at.expander)


def test_events_table_links_to_the_impact(snap):
    from dashboard.views import events_display
    d = events_display(snap.events)
    row = d[d["event"] == "Lukeville port of entry closed"].iloc[0]
    assert row["impact"] == "?impact=2023-12-lukeville-closure#closure-impact"
    assert d.loc[d["kind"] == "reopening", "impact"].isna().all()


def test_page_bridge_level_and_outage_toggles():
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["impact"] = "2023-11-eagle-pass-bridge-1-suspension"
    at.run()
    assert not at.exception
    radio = [r for r in at.radio if r.key == "w_impact_level"][0]
    assert radio.value == "bridge"  # the sharper view where it exists
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    title = [s["layout"]["title"]["text"] for s in specs if "Bridge I" in (s["layout"].get("title", {}).get("text") or "")][0]
    assert "about 118,094 fewer vehicles" in title.replace("<br>", " ")
    toggles = {t.key: t for t in at.toggle}
    assert {"w_count_candidates", "w_history_outages"} <= set(toggles)
    toggles["w_count_candidates"].set_value(True).run()
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    assert any("events_line" in f.columns and (f["location"] == "Sasabe (BTS port 2606)").any() for f in frames)


def test_impact_is_computed_once_for_the_live_feeds_new_snapshots(snapshot, monkeypatch):
    """With the live feed on the page gets a new Snapshot object each rerun; the impact (seconds to compute)
    depends on events and counts only, so it is cached on the snapshot's id, not recomputed per rerun."""
    from dashboard.sections import impact
    from loaders.snapshot import with_live_waits
    calls = []
    real = impact.iv.impact_for
    monkeypatch.setattr(impact.iv, "impact_for", lambda s, e: calls.append(e) or real(s, e))
    impact._impact_for.clear()
    a, b = with_live_waits(snapshot, snapshot.waits), with_live_waits(snapshot, snapshot.waits)
    assert a is not b and a.snapshot_id == b.snapshot_id == f"{snapshot.snapshot_id}+live"
    x = impact._impact_for(a, a.snapshot_id, "2023-12-lukeville-closure")
    y = impact._impact_for(b, b.snapshot_id, "2023-12-lukeville-closure")
    assert x is y and calls == ["2023-12-lukeville-closure"]
    assert "closed" in set(x.summary["role"])
    impact._impact_for.clear()
