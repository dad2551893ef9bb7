"""The page's server: foreign Host (DNS rebinding) and foreign Origin refused on HTTP and WebSocket;
frame-ancestors denied on every response. The ASGI guard directly, then the real `borderwatch run`."""
from __future__ import annotations

import asyncio
import base64
import os
import socket
import subprocess
import sys
import time

import pytest

from dashboard.guard import HostOriginGuard, allowed_hosts
from tests.faults import helpers


async def _inner(scope, receive, send):
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _call(kind, headers):
    guard = HostOriginGuard(_inner, hosts=allowed_hosts("127.0.0.1", env={}))
    sent = []
    scope = {"type": kind, "headers": [(k.encode(), v.encode()) for k, v in headers.items()], "path": "/"}

    async def receive():
        return {"type": "websocket.connect"} if kind == "websocket" else {"type": "http.request", "body": b""}

    async def send(msg):
        sent.append(msg)
    asyncio.run(guard(scope, receive, send))
    return sent


REFUSED = [
    ("foreign-host", {"host": "evil.example"}),
    ("foreign-host-with-port", {"host": "evil.example:8501"}),
    ("rebinding-name", {"host": "127.0.0.1.evil.example"}),
    ("no-host", {}),
    ("host-with-userinfo", {"host": "user@127.0.0.1"}),
    ("host-with-path", {"host": "127.0.0.1/evil"}),
    ("host-bad-port", {"host": "127.0.0.1:99999"}),
    ("foreign-origin", {"host": "127.0.0.1:8501", "origin": "https://evil.example"}),
    ("null-origin", {"host": "127.0.0.1:8501", "origin": "null"}),
    ("origin-file", {"host": "127.0.0.1:8501", "origin": "file://"}),
    ("origin-lookalike", {"host": "localhost", "origin": "http://localhost.evil.example"}),
]
ALLOWED = [
    ("loopback", {"host": "127.0.0.1:8501"}),
    ("localhost", {"host": "localhost:8501", "origin": "http://localhost:8501"}),
    ("ipv6", {"host": "[::1]:8501", "origin": "http://[::1]:8501"}),
    ("same-origin", {"host": "127.0.0.1:8501", "origin": "http://127.0.0.1:8501"}),
]


@pytest.mark.parametrize("kind", ["http", "websocket"])
@pytest.mark.parametrize("cid,headers", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused(kind, cid, headers):
    sent = _call(kind, headers)
    if kind == "http":
        assert sent[0]["status"] == 403
    else:
        assert sent == [{"type": "websocket.close", "code": 1008, "reason": sent[0]["reason"]}]


@pytest.mark.parametrize("kind", ["http", "websocket"])
@pytest.mark.parametrize("cid,headers", ALLOWED, ids=[c[0] for c in ALLOWED])
def test_allowed(kind, cid, headers):
    sent = _call(kind, headers)
    if kind == "http":
        assert sent[0]["status"] == 200
        hdrs = dict(sent[0]["headers"])
        assert hdrs[b"content-security-policy"] == b"frame-ancestors 'none'"
        assert hdrs[b"x-frame-options"] == b"DENY"
    else:
        assert sent[0]["type"] == "websocket.accept"


def test_extra_hosts_from_the_environment():
    hosts = allowed_hosts("127.0.0.1", env={"BORDERWATCH_ALLOWED_HOSTS": "dash.example.org, other.example"})
    assert {"dash.example.org", "other.example", "127.0.0.1", "localhost"} <= hosts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _raw(port, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    port = _free_port()
    env = {**os.environ, "BORDERWATCH_HOME": str(tmp_path_factory.mktemp("home"))}
    p = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "run", "--port", str(port), "--address", "127.0.0.1"],
                         cwd=helpers.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if b" 200 " in _raw(port, b"GET /_stcore/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"):
                break
        except OSError:
            time.sleep(0.2)
    yield port
    p.terminate()
    p.wait(10)


WS = (b"GET /_stcore/stream HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + base64.b64encode(b"0123456789abcdef") + b"\r\n%s\r\n")


@pytest.mark.parametrize("host,origin,status", [
    (b"127.0.0.1", b"", b"101"),
    (b"evil.example", b"", b"403"),
    (b"127.0.0.1", b"Origin: https://evil.example\r\n", b"403"),
])
def test_real_server_websocket(running, host, origin, status):
    assert _raw(running, WS % (host, origin)).split(b" ")[1] == status


@pytest.mark.parametrize("host,status", [(b"127.0.0.1", b"200"), (b"evil.example", b"403"), (b"localhost", b"200")])
def test_real_server_http(running, host, status):
    head = _raw(running, b"GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % host)
    assert head.split(b" ")[1] == status
    assert b"frame-ancestors 'none'" in head and b"x-frame-options: DENY" in head.lower().replace(b"deny", b"DENY")
