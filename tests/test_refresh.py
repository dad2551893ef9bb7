"""borderwatch refresh against local servers on 127.0.0.1 serving the real captures."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from loaders.config import get_settings
from loaders.errors import BorderwatchError
from loaders.refresh import refresh_snapshot
from loaders.snapshot import load_snapshot, refreshed_dir
from tests.test_bts import WINDOW, _socrata_rows

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def servers(shared_data, monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    cbp = (shared_data / "cbp/bwtnew_2022-06-29.json").read_bytes()
    rows = _socrata_rows(WINDOW)
    state = {"bts_down": False, "portinfo_down": False, "portinfo_as": None, "portinfo_missing": set(),
             "portinfo_delay": 0.0, "portinfo_requests": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            url = urlsplit(self.path)
            if url.path == "/api/bwtnew":
                body, ctype = cbp, "application/json"
            elif url.path == "/resource/keg4-3bc2.json" and not state["bts_down"]:
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                off, lim = int(q.get("$offset", 0)), int(q.get("$limit", 1000))
                body, ctype = json.dumps(rows[off:off + lim]).encode(), "application/json"
            elif url.path.startswith("/api/portmoreinformation/") and not state["portinfo_down"]:
                # the real capture of the port asked for (or of state["portinfo_as"]); 404 when there is none
                port = url.path.rsplit("/", 1)[1]
                state["portinfo_requests"].append(port)
                time.sleep(state["portinfo_delay"])
                page = shared_data / "cbp" / f"portmoreinformation_{state['portinfo_as'] or port}.json"
                if port in state["portinfo_missing"] or not page.is_file():
                    self.send_response(404)
                    self.end_headers()
                    return
                body, ctype = page.read_bytes(), "application/json"
            else:
                self.send_response(503)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def date_time_string(self, timestamp=None):  # the capture's real HTTP Date
            return "Wed, 29 Jun 2022 17:25:15 GMT"

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    yield base, state, len(rows)
    srv.shutdown()


def settings_env(base, home) -> dict[str, str]:
    return {"BORDERWATCH_HOME": str(home), "BORDERWATCH_DATA_DIR": str(DATA),
            "BORDERWATCH_CBP_JSON_URL": f"{base}/api/bwtnew",
            "BORDERWATCH_CBP_XML_URL": f"{base}/xml/bwt.xml",
            "BORDERWATCH_BTS_URL": f"{base}/resource/keg4-3bc2.json",
            "BORDERWATCH_HTTP_RETRIES": "0"}


def settings_for(base, home):
    return get_settings(settings_env(base, home))


def test_refresh_writes_a_loadable_snapshot(servers, tmp_path):
    base, _, n_rows = servers
    s = settings_for(base, tmp_path / "home")
    embedded_before = {p.name: p.read_bytes() for p in DATA.rglob("*") if p.is_file()}
    res = refresh_snapshot(settings=s, bts_start="2023-11", portinfo_ports=("300401",))
    assert res.refreshed == ["bts", "cbp", "portinfo"] and not res.kept
    assert res.path == refreshed_dir(s)
    snap = load_snapshot(res.path)  # hashes verified
    assert snap.manifest["label"] == "refreshed snapshot"
    assert snap.cbp_as_of == pd.Timestamp("2022-06-29T17:25:15Z")  # from the HTTP Date header
    assert snap.waits["port_number"].nunique() == 76
    assert len(snap.volumes) == n_rows
    luke = snap.volumes[(snap.volumes["port_code"] == "2602") & (snap.volumes["measure"] == "Personal Vehicles")]
    assert luke.set_index("month")["value"].to_dict()[pd.Timestamp("2023-12-01")] == 3966
    home = tmp_path / "home"
    # no temp folders or links left behind: the link, its one version, the lock file
    assert sorted(p.name for p in home.iterdir()) == [".snapshot.lock", ".snapshot.versions", "snapshot"]
    assert [p.name.endswith(".partial") for p in (home / ".snapshot.versions").iterdir()] == [False]
    assert {p.name: p.read_bytes() for p in DATA.rglob("*") if p.is_file()} == embedded_before  # data/ untouched


def test_status_from_the_refreshed_snapshot_reads_its_port_pages(servers, tmp_path, monkeypatch):
    """`borderwatch status --source refreshed` judges with the port-information pages refresh saved, the
    same frame the page reads (views.port_info), not without them."""
    from dashboard import views
    from dashboard.cli import load_status_inputs
    base, _, _ = servers
    env = settings_env(base, tmp_path / "home")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    refresh_snapshot(settings=get_settings(env), bts_start="2023-11", portinfo_ports=("300401",))
    *_, pages = load_status_inputs("refreshed")
    page_view = views.port_info(load_snapshot(refreshed_dir(get_settings(env))))
    assert pages is not None and list(pages["port_number"]) == ["300401"]  # the real Blaine capture
    pd.testing.assert_frame_equal(pages, page_view)


def test_failed_source_keeps_previous_good_data(servers, tmp_path):
    base, state, _ = servers
    s = settings_for(base, tmp_path / "home")
    first = refresh_snapshot(settings=s, bts_start="2023-11", portinfo_ports=("300401",))
    bts_before = next(f for f in first.manifest["files"] if f["role"] == "bts")
    state["bts_down"] = True
    second = refresh_snapshot(settings=s, bts_start="2023-11", portinfo_ports=("300401",))
    assert second.refreshed == ["cbp", "portinfo"]
    assert "HTTP 503" in second.kept["bts"]
    bts_after = next(f for f in second.manifest["files"] if f["role"] == "bts")
    assert bts_after["sha256"] == bts_before["sha256"]
    assert "HTTP 503" in bts_after["kept_because"]
    assert len(load_snapshot(second.path).volumes) == bts_before["rows"]


def test_nothing_reachable_writes_nothing(tmp_path):
    s = settings_for("http://127.0.0.1:9", tmp_path / "home")  # discard port: connection refused
    with pytest.raises(BorderwatchError, match="nothing refreshed"):
        refresh_snapshot(settings=s)
    assert not refreshed_dir(s).exists()


# ------------------------------------------------------------------------------------------- port information
def test_refresh_saves_port_information_pages(servers, tmp_path):
    """CBP's port-information page (the real capture of Blaine, 300401) is fetched, checked, saved in the
    snapshot and listed in its manifest, and the page's reader (dashboard.views.port_info) finds it."""
    from dashboard.views import port_info
    from loaders.portinfo import read_port_info
    base, state, _ = servers
    s = settings_for(base, tmp_path / "home")
    res = refresh_snapshot(settings=s, bts_start="2023-11", portinfo_ports=("300401",))
    assert res.refreshed == ["bts", "cbp", "portinfo"] and not res.kept
    entry = next(f for f in res.manifest["files"] if f["role"] == "portinfo")
    assert entry["path"] == "cbp/portmoreinformation.json" and entry["rows"] == 1 and entry["rows_unit"] == "ports"
    assert entry["source_url"] == f"{base}/api/portmoreinformation/{{port}}"
    assert entry["as_of"] == "2022-06-29T17:25:15+00:00"  # the server's HTTP Date
    assert "failed_ports" not in entry
    info = read_port_info(res.path / entry["path"])
    assert info["port_number"].tolist() == ["300401"] and info["port_name"].tolist() == ["Blaine"]
    assert info["hours"].tolist() == ["24 hrs/day"] and info["notice"].isna().all()  # "No border notices" = none
    assert state["portinfo_requests"] == ["300401"]
    snap = load_snapshot(res.path)  # hashes verified, portinfo included
    assert port_info(snap)["hours"].tolist() == ["24 hrs/day"]


def test_a_failing_port_page_keeps_its_previous_page_and_every_other_source(servers, tmp_path):
    """One port's page failing (404: no such capture) loses nothing: the CBP feed and BTS are refreshed, the
    pages that answered are saved, a port that answered before keeps its previous page, and the manifest
    says which ports failed and why. All pages failing keeps the previous file byte for byte."""
    base, state, _ = servers
    s = settings_for(base, tmp_path / "home")
    first = refresh_snapshot(settings=s, bts_start="2023-11", portinfo_ports=("300401",))
    before = next(f for f in first.manifest["files"] if f["role"] == "portinfo")

    second = refresh_snapshot(settings=s, bts_start="2023-11", portinfo_ports=("250401", "300401"))
    assert second.refreshed == ["bts", "cbp", "portinfo"]
    assert second.kept == {"portinfo": "1 of 2 port pages failed: HTTP 404 Not Found (250401)"}
    entry = next(f for f in second.manifest["files"] if f["role"] == "portinfo")
    assert entry["failed_ports"] == {"250401": "HTTP 404 Not Found"} and entry["kept_ports"] == []
    assert entry["rows"] == 1

    state["portinfo_down"] = True
    third = refresh_snapshot(settings=s, bts_start="2023-11", portinfo_ports=("250401", "300401"))
    assert third.refreshed == ["bts", "cbp"]
    assert third.kept["portinfo"].startswith("2 of 2 port pages failed: HTTP 503")
    after = next(f for f in third.manifest["files"] if f["role"] == "portinfo")
    assert after["sha256"] == before["sha256"] and after["kept_because"] == third.kept["portinfo"]
    assert load_snapshot(third.path).waits["port_number"].nunique() == 76  # the feed is still refreshed

    state["portinfo_down"] = False
    state["portinfo_missing"] = {"300401"}  # now 300401 has no page either
    fourth = refresh_snapshot(settings=s, bts_start="2023-11", portinfo_ports=("300401", "250402"))
    assert fourth.kept["portinfo"] == "2 of 2 port pages failed: HTTP 404 Not Found (300401, 250402)"
    kept = next(f for f in fourth.manifest["files"] if f["role"] == "portinfo")
    assert kept["sha256"] == before["sha256"]


def test_a_port_page_of_another_port_is_refused(servers, tmp_path):
    """A page that describes another port (here Blaine's page served for San Ysidro) would put Blaine's
    hours and notice on San Ysidro: refused, said, and nothing saved for it."""
    base, state, _ = servers
    s = settings_for(base, tmp_path / "home")
    state["portinfo_as"] = "300401"
    res = refresh_snapshot(settings=s, bts_start="2023-11", portinfo_ports=("250401",))
    assert res.refreshed == ["bts", "cbp"]
    assert res.kept["portinfo"] == "1 of 1 port page failed: asked for port 250401, the page describes 300401 (250401)"
    assert all(f["role"] != "portinfo" for f in res.manifest["files"])
    from dashboard.views import port_info
    assert port_info(load_snapshot(res.path)) is None


def test_port_pages_are_bounded_by_one_deadline(servers, tmp_path):
    """Every page of a refresh shares one total deadline (BORDERWATCH_PORTINFO_DEADLINE): a slow server costs
    at most that, the ports not reached are named, and the feed and counts are still saved."""
    import time
    base, state, _ = servers
    s = get_settings({**settings_env(base, tmp_path / "home"), "BORDERWATCH_PORTINFO_DEADLINE": "0.6"})
    state["portinfo_delay"] = 0.5
    t0 = time.monotonic()
    res = refresh_snapshot(settings=s, bts_start="2023-11", portinfo_ports=("300401", "250401", "250601", "250501"))
    took = time.monotonic() - t0
    assert res.refreshed[:2] == ["bts", "cbp"]
    why = res.kept["portinfo"]
    assert "not fetched: the 0.6 s deadline for port information had passed" in why, why
    assert len(state["portinfo_requests"]) <= 2
    assert took < 8, took


def test_reference_ports_are_every_real_crossing_port(crossings):
    from loaders.refresh import reference_ports
    ports = reference_ports(crossings)
    assert len(ports) == 42 and "250401" in ports and "l24501" in ports
    assert "240403" not in ports and "230103" not in ports  # the feed's duplicate entries


def test_cli_refresh_says_in_one_line_which_port_pages_failed(servers, tmp_path, monkeypatch, capsys):
    """``borderwatch refresh`` with CBP's port pages all missing (every reference port: 404): the feed and
    counts are refreshed, one warning line names the failure, exit status 0 (a kept source is a warning, as
    for the feed and BTS; only 'nothing refreshed' is an error)."""
    from dashboard.cli import main
    base, state, _ = servers
    for k, v in settings_env(base, tmp_path / "home").items():
        monkeypatch.setenv(k, v)
    code = main(["refresh", "--bts-from", "2023-11"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "refreshed cbp: 76 crossings" in out and "refreshed bts:" in out and "refreshed portinfo" not in out
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("borderwatch: warning: no port information saved: 42 of 42 port pages failed: "
                               "HTTP 404 Not Found (")
    assert len(state["portinfo_requests"]) == 42
    code = main(["refresh", "--bts-from", "2023-11", "--skip", "portinfo,bts"])
    out, err = capsys.readouterr()
    assert code == 0 and err == "" and out.startswith("refreshed cbp: 76 crossings")
