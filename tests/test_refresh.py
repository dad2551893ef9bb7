"""borderwatch refresh against local servers on 127.0.0.1 serving the real captures."""
import json
import threading
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
    state = {"bts_down": False}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            url = urlsplit(self.path)
            if url.path == "/api/bwtnew":
                body, ctype = cbp, "application/json"
            elif url.path == "/resource/keg4-3bc2.json" and not state["bts_down"]:
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                off, lim = int(q.get("$offset", 0)), int(q.get("$limit", 1000))
                body, ctype = json.dumps(rows[off:off + lim]).encode(), "application/json"
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


def settings_for(base, home):
    return get_settings({"BORDERWATCH_HOME": str(home), "BORDERWATCH_DATA_DIR": str(DATA),
                         "BORDERWATCH_CBP_JSON_URL": f"{base}/api/bwtnew",
                         "BORDERWATCH_CBP_XML_URL": f"{base}/xml/bwt.xml",
                         "BORDERWATCH_BTS_URL": f"{base}/resource/keg4-3bc2.json",
                         "BORDERWATCH_HTTP_RETRIES": "0"})


def test_refresh_writes_a_loadable_snapshot(servers, tmp_path):
    base, _, n_rows = servers
    s = settings_for(base, tmp_path / "home")
    embedded_before = {p.name: p.read_bytes() for p in DATA.rglob("*") if p.is_file()}
    res = refresh_snapshot(settings=s, bts_start="2023-11")
    assert res.refreshed == ["bts", "cbp"] and not res.kept
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


def test_failed_source_keeps_previous_good_data(servers, tmp_path):
    base, state, _ = servers
    s = settings_for(base, tmp_path / "home")
    first = refresh_snapshot(settings=s, bts_start="2023-11")
    bts_before = next(f for f in first.manifest["files"] if f["role"] == "bts")
    state["bts_down"] = True
    second = refresh_snapshot(settings=s, bts_start="2023-11")
    assert second.refreshed == ["cbp"]
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
