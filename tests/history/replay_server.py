"""A local HTTP server on 127.0.0.1 that serves the REAL 2022-06-29 CBP feed with its date shifted.

Request n (counting from 0) gets the capture with every crossing's ``date`` moved forward by n days, and an
HTTP ``Date`` header of the capture's own (2022-06-29 17:25:15 GMT) plus n days: a **test replay** of real
readings at shifted times, not real data. ``/fail`` answers 503, ``/garbage`` 200 with
a body that is not a feed.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


CAPTURED = dt.datetime(2022, 6, 29, 17, 25, 15, tzinfo=dt.timezone.utc)  # the capture's HTTP Date


def shifted_feed(raw: list, days: int) -> bytes:
    out = []
    for c in raw:
        c = dict(c)
        m, d, y = (int(x) for x in c["date"].split("/"))
        new = dt.date(y, m, d) + dt.timedelta(days=days)
        c["date"] = f"{new.month}/{new.day}/{new.year}"
        out.append(c)
    return json.dumps(out).encode()


class ReplayServer:
    def __init__(self, feed_path: Path):
        self.feed = json.loads(Path(feed_path).read_text())
        self.count = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            _date = None

            def log_message(self, *a):  # quiet
                pass

            def date_time_string(self, timestamp=None):
                return self._date or super().date_time_string(timestamp)

            def do_GET(self):
                if self.path.startswith("/fail"):
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                n = 0
                if self.path.startswith("/garbage"):
                    body = b"<html>maintenance</html>"
                else:
                    with server.lock:
                        n = server.count
                        server.count += 1
                    body = shifted_feed(server.feed, n)
                # send_response writes the Date header from date_time_string(): the capture's, shifted
                self._date = email.utils.format_datetime(CAPTURED + dt.timedelta(days=n), usegmt=True)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
