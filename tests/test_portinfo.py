"""CBP per-port "more information" (loaders.portinfo) on the real captures, and fetched from a local server."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from loaders.config import get_settings
from loaders.errors import FeedError
from loaders.portinfo import fetch_port_info, parse_port_info, port_info_url, read_port_info
from loaders.schema import PORT_INFO_COLUMNS, column_names


def test_real_capture_english_and_spanish(shared_data):
    en = read_port_info(shared_data / "cbp/portmoreinformation_300401.json")
    assert list(en.columns) == column_names(PORT_INFO_COLUMNS)
    r = en.iloc[0]
    assert (r["port_number"], r["port_name"], r["crossing_name"]) == ("300401", "Blaine", "Pacific Highway")
    assert r["hours"] == "24 hrs/day"
    assert pd.isna(r["notice"])  # "No border notices at this time." is no notice
    es = read_port_info(shared_data / "cbp/portmoreinformation_300401_es.json").iloc[0]
    assert es["hours"] == "24 Hrs/Día" and pd.isna(es["notice"])


def test_bad_payloads_say_what_and_where():
    with pytest.raises(FeedError, match="x.json: not valid JSON"):
        parse_port_info(b"{", source="x.json")
    with pytest.raises(FeedError, match="item #0: required field 'port_number'"):
        parse_port_info(b'{"port_name": "Blaine"}', source="x.json")


def test_fetch_from_a_local_server(shared_data):
    body = (shared_data / "cbp/portmoreinformation_300401.json").read_bytes()
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        settings = get_settings({"BORDERWATCH_CBP_JSON_URL": f"{base}/api/bwtnew", "BORDERWATCH_HTTP_RETRIES": "0"})
        assert port_info_url("250401", settings) == f"{base}/api/portmoreinformation/250401"
        fetched = fetch_port_info("300401", settings)
        df = parse_port_info(fetched.content, source=fetched.url, retrieved_at=fetched.retrieved_at)
        assert seen == ["/api/portmoreinformation/300401"]
        assert df.loc[0, "hours"] == "24 hrs/day" and not pd.isna(df.loc[0, "retrieved_at"])
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_check_port_info_takes_one_page_of_the_port_asked_for(shared_data):
    from loaders.portinfo import check_port_info
    raw = (shared_data / "cbp/portmoreinformation_300401.json").read_bytes()
    assert check_port_info(raw, "300401", source="p.json")["hours"].tolist() == ["24 hrs/day"]
    with pytest.raises(FeedError, match="asked for port 250401, the page describes 300401"):
        check_port_info(raw, "250401", source="p.json")
    with pytest.raises(FeedError, match="not one JSON object"):  # saved pages are one array of objects
        check_port_info(b"[" + raw + b"]", "300401", source="p.json")


def test_saved_pages_are_read_under_the_file_size_cap(shared_data, tmp_path, monkeypatch):
    """A saved port page goes through the same bounded read as every local file: over
    BORDERWATCH_FILE_MAX_BYTES it is refused with one line naming the file, and a FIFO is never read."""
    import os

    import pytest

    from loaders.errors import FeedError
    real = shared_data / "cbp/portmoreinformation_300401.json"
    assert read_port_info(real).loc[0, "port_number"] == "300401"
    monkeypatch.setenv("BORDERWATCH_FILE_MAX_BYTES", str(real.stat().st_size - 1))
    with pytest.raises(FeedError, match="portmoreinformation_300401.json.*larger than"):
        read_port_info(real)
    monkeypatch.delenv("BORDERWATCH_FILE_MAX_BYTES")
    fifo = tmp_path / "pages.json"
    os.mkfifo(fifo)
    with pytest.raises(FeedError, match="not a regular file"):
        read_port_info(fifo)
