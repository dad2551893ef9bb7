"""One status frame feeds the page, the hover, the exported map table and the CLI: they agree, and at a
date far from any capture none of them shows the capture's readings as current."""
import contextlib
import io
import json

import pandas as pd

from dashboard import views
from dashboard.figures.status_map import format_updated, status_map_table
from dashboard.filters import Filters


def _cli(*args):
    from dashboard.cli import main
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main([*args, "--format", "json"]) == 0
    return json.loads(buf.getvalue())


def test_page_map_table_and_cli_agree(snapshot):
    for f, args in ((Filters(), ()), (Filters(states=("TX",), at="2023-12-20"), ("--state", "TX", "--at", "2023-12-20")),
                    (Filters(modes=("commercial",)), ("--mode", "commercial"))):
        page = views.status_frame(snapshot, f).set_index("crossing_id")["status"].to_dict()
        table = views.map_chart(snapshot, f, views.status_frame(snapshot, f)).table
        drawn = dict(zip(table["crossing_id"], table["status"]))
        cli = {r["crossing_id"]: r["status"] for r in _cli("status", *args)}
        assert page == cli, f
        assert drawn == {c: s for c, s in page.items() if c in drawn} and len(drawn) == len(page), f


def test_cli_by_mode_is_the_page_mode_frame(snapshot):
    rows = _cli("status", "--by-mode", "--state", "TX")
    mf = views.mode_frame(snapshot, Filters())
    mf = mf[(mf["state"] == "TX")]
    got = {(r["crossing_id"], r["mode"]): r["status"] for r in rows}
    want = {(c, m): s for c, m, s in zip(mf["crossing_id"], mf["mode"], mf["status"]) if (c, m) in got}
    assert got == want and len(got) >= 60
    assert got[("tx-pharr", "passenger")] == "closed" and got[("tx-pharr", "commercial")] == "open"


def test_past_date_shows_no_reading_as_current(snapshot):
    f = Filters(states=("TX",), at="2023-12-20")
    t = views.map_chart(snapshot, f, views.status_frame(snapshot, f)).table.set_index("crossing_id")
    ep = t.loc["tx-eagle-pass-bridge-1"]
    assert ep["status"] == "partial"  # vehicles suspended, pedestrians not
    assert ep["lanes"] == ""  # no 2022 lane readings under a 2023 status
    assert ep["updated"] == "latest capture 2022-06-29 12:25 CDT"
    assert ep["hours"] == "7 am-11 pm (at the 2022-06-29 capture)"
    assert "no reading at this time (latest capture 2022-06-29 12:25 CDT)" in t.loc["tx-laredo-bridge-1", "reason"]
    assert (t["lanes"] == "").all()
    lanes = views.lanes_table(snapshot, "tx-laredo-bridge-1", views.at_instant(snapshot, f))
    assert set(lanes["at this time"]) == {"not current"}
    assert all(u.startswith("2022-06-29") for u in lanes["updated (local)"] if u)


def test_update_times_carry_the_year_unless_today():
    ts = pd.Timestamp("2022-06-29 10:00", tz="America/Los_Angeles")
    assert format_updated(ts) == "updated 2022-06-29 10:00 PDT"
    assert format_updated(ts, today=ts.date()) == "updated 10:00 PDT"


def test_feed_text_is_escaped_in_the_hover(snapshot):
    f = Filters(states=("CA",))
    st = views.status_frame(snapshot, f).copy()
    i = st.index[st["crossing_id"] == "ca-tecate"][0]
    st.loc[i, "notice"] = "<script>alert(1)</script> Lane 3 & 4"
    fig = views.map_chart(snapshot, f, st).figure
    hover = [h for tr in fig.data if tr.customdata is not None for c, h in zip(tr.customdata, tr.hovertext)
             if c[0] == "ca-tecate"][0]
    assert "<script>" not in hover and "&lt;script&gt;alert(1)&lt;/script&gt; Lane 3 &amp; 4" in hover
    assert status_map_table(st, snapshot.crossings, states=("CA",)).set_index("crossing_id").loc[
        "ca-tecate", "notice"].startswith("<script>")  # the data table keeps the text as data


def test_crossing_detail_on_a_past_date_names_the_capture():
    """The page (AppTest): Eagle Pass Bridge I on 2023-12-20 is partial, its modes listed, and the 2022
    capture's hours are marked as that capture's, not as today's."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py"), default_timeout=90)
    for k, v in {"state": "TX", "at": "2023-12-20", "crossing": "tx-eagle-pass-bridge-1"}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "**Partial**" in text
    assert "7 am-11 pm (at the 2022-06-29 capture)" in text  # feed text through safe_text.md (shown as is)
    modes = [d.value for d in at.dataframe if "why" in d.value.columns][0]
    assert dict(zip(modes["mode"], modes["status"])) == {"Passenger vehicles": "closed", "Pedestrians": "unknown"}
    lanes = [d.value for d in at.dataframe if "at this time" in d.value.columns][0]
    assert set(lanes["at this time"]) == {"not current"}


def test_states_filter_of_every_state_rollup_is_the_states_rollup(snapshot):
    """The page rolls crossings up once for every state and filters per States choice (a States change then
    costs a filter): exactly the frame select_status gives for those states, rows, order and dtypes."""
    import itertools
    for at, modes in ((None, ("passenger", "pedestrian", "commercial", "rail")), ("2023-12-20", ("pedestrian",)),
                      (None, ("commercial", "rail"))):
        mf = views.mode_frame(snapshot, Filters(at=at))
        every = views.select_status(snapshot, mf, Filters(at=at, modes=modes))
        for k in (1, 2, 3):
            for states in itertools.combinations(("TX", "AZ", "CA"), k):
                want = views.select_status(snapshot, mf, Filters(states=states, at=at, modes=modes))
                got = views.only_states(every, states)
                # STATUS_COLUMNS declares the local times 'object' (zones differ between states); pandas infers
                # a datetime dtype when one state's rows share a zone. Same values either way.
                loose = [c for c in got.columns if got[c].dtype == object and want[c].dtype != object]
                assert set(loose) <= {"as_of", "latest_capture", "updated_at"}, loose
                pd.testing.assert_frame_equal(got, want.astype({c: object for c in loose}))
    lukeville = views.only_states(views.status_frame(snapshot, Filters(at="2023-12-20")), ("AZ",))
    assert lukeville.set_index("crossing_id").loc["az-lukeville", "status"] == "closed"
