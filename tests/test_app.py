"""The Streamlit page, headless through AppTest, on the embedded snapshot."""
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def new_app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def specs(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def map_spec(at):
    for s in specs(at):
        if any(t.get("type") == "scattergeo" for t in s["data"]):
            return s
    raise AssertionError("no map on the page")


def volume_spec(at):
    for s in specs(at):
        if s["data"] and all(t.get("type") == "scatter" for t in s["data"]):
            return s
    raise AssertionError("no volume chart on the page")


def map_points(spec) -> dict[str, str]:
    """{crossing_id: status trace name} over the status traces of the map."""
    out = {}
    for t in spec["data"]:
        if t.get("type") == "scattergeo" and t.get("meta") != "basemap":
            for cd in t.get("customdata") or []:
                out[cd[0]] = t["name"]
    return out


def hover_of(spec, crossing_id) -> str:
    for t in spec["data"]:
        if t.get("type") == "scattergeo" and t.get("meta") != "basemap":
            for cd, h in zip(t.get("customdata") or [], t.get("hovertext") or t.get("text") or []):
                if cd[0] == crossing_id:
                    return h
    raise AssertionError(crossing_id)


@pytest.fixture(scope="module")
def default_app():
    return new_app()


def test_default_page_renders(default_app):
    at = default_app
    assert not at.exception, [e.message for e in at.exception]
    metrics = {m.label.split(" ", 1)[1]: int(m.value) for m in at.metric}
    # The 2022-06-29 snapshot, TX+AZ+CA: 52 crossings (54 rows less the two duplicate feed entries). One was
    # closed that afternoon: San Ysidro PedWest (closed April 2020 - Jan. 2023, event
    # 2020-04-san-ysidro-pedwest-closure; the feed only says Update Pending).
    assert sum(metrics.values()) == 52
    assert metrics["Closed"] == 1
    assert metrics["Unknown"] >= 10  # rail bridges, dams, ferry, pending and stale crossings
    assert len(map_points(map_spec(at))) == 52
    assert any("Snapshot, not live" in w.value for w in at.warning)


def test_state_filter_changes_map_and_volume_traces_and_url():
    at = new_app()
    vol_before = volume_spec(at)
    at.sidebar.multiselect[0].set_value(["AZ"]).run()
    assert not at.exception
    pts = map_points(map_spec(at))
    assert len(pts) == 9 and all(c.startswith("az-") for c in pts)
    assert at.query_params["state"] in ("AZ", ["AZ"])
    vol_after = volume_spec(at)
    before_y = [t.get("y") for t in vol_before["data"] if t.get("name") == "Personal Vehicles"]
    after_y = [t.get("y") for t in vol_after["data"] if t.get("name") == "Personal Vehicles"]
    assert before_y and after_y and before_y != after_y  # AZ-only volumes differ from all three states
    assert "Arizona" in vol_after["layout"]["title"]["text"]


def test_at_2023_12_20_marks_lukeville_closed_by_event():
    at = new_app(state="AZ", at="2023-12-20")
    assert not at.exception
    spec = map_spec(at)
    pts = map_points(spec)
    assert pts["az-lukeville"].startswith("Closed")
    assert pts["az-nogales-morley-gate"].startswith("Closed")
    assert "2023-12-lukeville-closure" in hover_of(spec, "az-lukeville")
    metrics = {m.label.split(" ", 1)[1]: int(m.value) for m in at.metric}
    assert metrics["Closed"] == 2
    assert any("2023-12-20" in i.value for i in at.info)
    # widgets were set from the URL
    assert at.sidebar.multiselect[0].value == ["AZ"]
    assert at.sidebar.toggle[0].value is True


def test_pending_only_crossing_is_unknown(default_app):
    spec = map_spec(default_app)
    pts = map_points(spec)
    assert pts["az-san-luis-2"].startswith("Unknown")
    assert "update pending" in hover_of(spec, "az-san-luis-2")
    # PedWest's feed entry is pending-only too, but the registry says it was closed (April 2020 - Jan. 2023).
    assert pts["ca-san-ysidro-pedwest"].startswith("Closed")
    assert "2020-04-san-ysidro-pedwest-closure" in hover_of(spec, "ca-san-ysidro-pedwest")


def test_crossing_selection_from_url_shows_lanes_without_zeros():
    at = new_app(crossing="ca-san-ysidro-pedwest")
    assert not at.exception
    lanes = [d.value for d in at.dataframe if "wait" in d.value.columns]
    assert lanes, "lanes table missing"
    waits = set(lanes[0]["wait"])
    assert waits == {"no reading (Update Pending)"}


def test_bad_url_values_are_reported_not_fatal():
    at = new_app(state="AZ,XX", at="soon")
    assert not at.exception
    texts = " ".join(w.value for w in at.warning).replace("\\", "")  # shown escaped: plain text
    assert "XX" in texts and "at=soon" in texts
    assert len(map_points(map_spec(at))) == 9


def test_unknown_crossing_and_measure_are_named_and_shown_as_plain_text():
    at = new_app(crossing="[click me](https://evil.example)", measure="Cars", tab="nope", lane="fast")
    assert not at.exception
    raw = [w.value for w in at.warning]
    text = " ".join(raw).replace("\\", "")
    assert "crossing=[click me](https://evil.example)" in text and "measure=Cars" in text
    assert "tab=nope" in text and "lane=fast" in text
    # every Markdown character escaped: Streamlit shows the text, never a link
    assert any("\\[click me\\]\\(https\\:" in w for w in raw), raw
    assert "crossing" not in at.query_params and "measure" not in at.query_params


def test_tab_source_and_lane_live_in_the_url():
    at = new_app(tab="crossings", lane="commercial-standard", state="TX")
    assert not at.exception
    assert at.query_params["tab"] in ("crossings", ["crossings"])
    assert at.query_params["lane"] in ("commercial-standard", ["commercial-standard"])
    df = at.dataframe[0].value
    col = "Commercial, standard"
    assert col in df.columns and "Passenger, SENTRI" in df.columns
    vals = df[col].dropna().tolist()
    assert vals == sorted(vals) and len(vals) >= 10  # fastest first
    assert df[col].isna().tolist() == sorted(df[col].isna().tolist())  # no reading: last, not 0
    assert set(df["state"]) == {"TX"}


def test_region_from_the_url_zooms_the_map_and_stays_in_the_url():
    at = new_app(region="san-diego", crossing="ca-san-ysidro")
    assert not at.exception
    spec = map_spec(at)
    lon0, lon1 = spec["layout"]["geo"]["lonaxis"]["range"]
    assert -117.6 < lon0 < -117.2 and -116.5 < lon1 < -116.0, (lon0, lon1)  # ~1.3 degrees, not 24
    labels = next(t for t in spec["data"] if t.get("meta") == "labels")
    assert {"ca-san-ysidro", "ca-san-ysidro-pedwest", "ca-otay-mesa-commercial", "ca-otay-mesa-passenger",
            "ca-cross-border-xpress", "ca-tecate"} <= set(labels["ids"])
    assert "San Diego" in spec["layout"]["title"]["text"]
    assert at.query_params["region"] in ("san-diego", ["san-diego"])
    assert at.sidebar.selectbox(key="w_region").value == "san-diego"


def test_port_query_is_kept_and_drawn_one_line_per_port():
    at = new_app(port="2602,2604,2608")
    assert not at.exception, [e.message for e in at.exception]
    assert at.query_params["port"] in ("2602,2604,2608", ["2602,2604,2608"])
    box = next(m for m in at.sidebar.multiselect if m.label == "Ports (volume charts)")
    assert box.value == ["2602", "2604", "2608"]
    spec = volume_spec(at)
    assert [t["name"] for t in spec["data"]] == ["Lukeville (2602)", "Nogales (2604)", "San Luis (2608)"]
    # a rerun after another widget changes keeps ?port=
    at.sidebar.multiselect[0].set_value(["AZ"]).run()
    assert at.query_params["port"] in ("2602,2604,2608", ["2602,2604,2608"])
