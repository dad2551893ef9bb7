"""Shared pieces of the fault suite: a misbehaving HTTP server on 127.0.0.1, homes with a good refreshed
snapshot, the CLI run in this process, and fingerprints proving nothing good was lost."""
from __future__ import annotations

import copy
import gzip
import hashlib
import json
import os
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
SHARED = Path(os.environ.get("BORDERWATCH_SHARED_DATA", ROOT.parent / "shared" / "data"))
CBP_CAPTURE = SHARED / "cbp" / "bwtnew_2022-06-29.json"
XML_CAPTURE = SHARED / "cbp" / "bwt_xml_2014-04-28.xml"
HTTP_DATE = "Wed, 29 Jun 2022 17:25:15 GMT"  # the capture's own HTTP Date


def cbp_doc() -> list[dict]:
    return copy.deepcopy(_CBP)


_CBP = json.loads(CBP_CAPTURE.read_bytes())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "FaultServer"

    def log_message(self, *a):
        pass

    def date_time_string(self, timestamp=None):
        return HTTP_DATE

    def do_GET(self):  # noqa: N802
        path = urlsplit(self.path).path
        route = self.server.routes.get(path)
        self.server.hits[path] = self.server.hits.get(path, 0) + 1
        if route is None:
            return self.reply(404, b"not found", "text/plain")
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            pass

    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def reply(self, status: int, body: bytes = b"", ctype: str = "application/json", headers: dict | None = None,
              length: int | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, object] = {}
        self.hits: dict[str, int] = {}
        self._n = 0
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def handle_error(self, request, client_address):
        pass  # clients that hang up on a misbehaving route are the point of these tests

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def add(self, fn, name: str = "r") -> str:
        """Serve ``fn(handler)`` at a fresh path; return its URL."""
        self._n += 1
        path = f"/{name}-{self._n}"
        self.routes[path] = fn
        return self.base + path

    def add_body(self, body: bytes, status: int = 200, ctype: str = "application/json", headers=None,
                 name: str = "b") -> str:
        return self.add(lambda h: h.reply(status, body, ctype, headers), name)


# ------------------------------------------------------------------ behaviours
def drip(h: Handler):
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", "1000000")
    h.end_headers()
    for _ in range(100000):
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(0.05)


def endless(h: Handler):
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.end_headers()
    h.close_connection = True
    chunk = b"[" + b" " * 65535
    while True:
        h.wfile.write(chunk)


def endless_chunked(h: Handler):
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    block = b" " * 32768
    while True:
        h.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))


def slow_headers(h: Handler):
    time.sleep(4)
    h.reply(200, CBP_CAPTURE.read_bytes())


def close_at_once(h: Handler):
    h.close_connection = True
    h.connection.shutdown(2)


def truncated(h: Handler):
    body = CBP_CAPTURE.read_bytes()
    h.close_connection = True
    h.reply(200, body[: len(body) // 2], length=len(body))


def big_length(h: Handler):
    h.close_connection = True
    h.reply(200, b"[", length=200_000_000)


_BOMBS: dict[str, bytes] = {}


def bomb_bytes(kind: str, size: int) -> bytes:
    """``size`` bytes of zeros, compressed. gzip: concatenated 16 MiB members (a valid gzip stream that any
    decoder expands in full), so a 1 GiB bomb costs a second to build; deflate: one zlib stream."""
    key = f"{kind}-{size}"
    if key not in _BOMBS:
        if kind == "gzip":
            member = gzip.compress(b"\0" * (16 << 20), 9)
            _BOMBS[key] = member * max(1, size // (16 << 20))
        else:
            _BOMBS[key] = zlib.compress(b"\0" * size, 9)
    return _BOMBS[key]


def bomb(kind: str = "gzip", size: int = 1 << 30, encoding: str | None = None):
    body = bomb_bytes(kind, size)  # built now, not while the client waits

    def route(h: Handler):
        h.reply(200, body, headers={"Content-Encoding": encoding or kind})
    return route


_DOUBLE: list[bytes] = []


def double_gzip(h: Handler):
    if not _DOUBLE:
        _DOUBLE.append(gzip.compress(bomb_bytes("gzip", 64 << 20)))
    h.reply(200, _DOUBLE[0], headers={"Content-Encoding": "gzip, gzip"})


def retry_after(status: int, value: str):
    return lambda h: h.reply(status, b"busy", "text/plain", {"Retry-After": value})


def redirect(location: str, status: int = 302):
    return lambda h: h.reply(status, b"", "text/plain", {"Location": location})


def socrata(rows: list[dict], *, ignore_offset: bool = False, endless_pages: bool = False):
    def route(h: Handler):
        q = h.query()
        off, lim = int(q.get("$offset", 0)), int(q.get("$limit", 1000))
        if endless_pages:
            page = [{**rows[i % len(rows)], "value": str(off + i)} for i in range(lim)]
        elif ignore_offset:
            page = (rows * (lim // max(1, len(rows)) + 1))[:lim]
        else:
            page = rows[off:off + lim]
        h.reply(200, json.dumps(page).encode())
    return route


# ------------------------------------------------------------------ fingerprints
def fingerprint(home: Path) -> dict[str, str]:
    """Every file under ``home`` (links followed into the current version) -> sha256, and each link's
    target. Two equal fingerprints mean byte-identical data."""
    out: dict[str, str] = {}
    if not home.exists():
        return out
    snap = home / "snapshot"
    if snap.is_symlink():
        out["snapshot ->"] = os.readlink(snap)
    if snap.is_dir():
        for p in sorted(snap.rglob("*")):
            if p.is_file():
                out[f"snapshot/{p.relative_to(snap)}"] = hashlib.sha256(p.read_bytes()).hexdigest()
    for p in sorted(home.rglob("*")):
        rel = str(p.relative_to(home))
        if p.is_file() and not p.is_symlink() and not rel.startswith(".snapshot.lock"):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def data_fingerprint() -> dict[str, str]:
    return {str(p.relative_to(DATA)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(DATA.rglob("*")) if p.is_file()}


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{err[:2000]}"
    assert "Traceback" not in err
    return lines[0]
