"""An ASGI middleware in front of Streamlit: DNS-rebinding and framing protection.

Streamlit's server answers any ``Host`` on HTTP (its ``server.allowedHosts`` covers only the WebSocket,
and is empty by default), and sends no ``frame-ancestors``. A web page on another origin could therefore
frame the dashboard, or - after pointing its own DNS name at 127.0.0.1 (DNS rebinding) - read it.
:class:`HostOriginGuard` runs before Streamlit's own middleware (``st.App(middleware=[...])``, the supported
way to wrap the server since Streamlit runs on starlette/uvicorn) and:

- refuses (HTTP 403 / WebSocket close 1008) a request whose ``Host`` is not an allowed host name;
- refuses a request whose ``Origin`` (if sent) is not ``http(s)://<allowed host>[:port]``;
- adds ``Content-Security-Policy: frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` to every response.

Allowed hosts: ``localhost``, ``127.0.0.1``, ``::1``, the address the server listens on, and any names in
``BORDERWATCH_ALLOWED_HOSTS`` (comma-separated; for a reverse proxy).
"""
from __future__ import annotations

import os
from urllib.parse import urlsplit

DEFAULT_HOSTS = ("localhost", "127.0.0.1", "::1")
FRAME_HEADERS = [(b"content-security-policy", b"frame-ancestors 'none'"), (b"x-frame-options", b"DENY")]


def allowed_hosts(listen_address: str | None = None, env: dict | None = None) -> frozenset[str]:
    env = os.environ if env is None else env
    names = set(DEFAULT_HOSTS)
    if listen_address and listen_address not in ("0.0.0.0", "::"):
        names.add(listen_address)
    names.update(h.strip() for h in (env.get("BORDERWATCH_ALLOWED_HOSTS") or "").split(",") if h.strip())
    return frozenset(n.lower().strip("[]").rstrip(".") for n in names)


def _hostname(value: str) -> str | None:
    try:
        parts = urlsplit(f"//{value}")
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        return None
    if parts.username or parts.password or parts.path or parts.query or parts.fragment or not parts.hostname:
        return None
    return parts.hostname.lower().rstrip(".")


def origin_ok(origin: str, hosts: frozenset[str]) -> bool:
    try:
        parts = urlsplit(origin)
        parts.port  # noqa: B018
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and (parts.hostname or "").lower().rstrip(".") in hosts


class HostOriginGuard:
    def __init__(self, app, hosts: frozenset[str] | None = None):
        self.app = app
        self.hosts = hosts if hosts is not None else allowed_hosts(os.environ.get("BORDERWATCH_LISTEN_ADDRESS"))

    def _refusal(self, scope) -> str | None:
        headers = {}
        for k, v in scope.get("headers") or ():
            headers.setdefault(k.decode("latin-1").lower(), v.decode("latin-1"))
        host = _hostname(headers.get("host", ""))
        if host is None or host not in self.hosts:
            return "host not allowed"
        origin = headers.get("origin")
        if origin is not None and origin != "null" and not origin_ok(origin, self.hosts):
            return "origin not allowed"
        if origin == "null":
            return "origin not allowed"
        return None

    async def __call__(self, scope, receive, send):
        kind = scope.get("type")
        if kind not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        refusal = self._refusal(scope)
        if kind == "websocket":
            if refusal:
                msg = await receive()
                if msg.get("type") == "websocket.connect":
                    await send({"type": "websocket.close", "code": 1008, "reason": refusal})
                return
            return await self.app(scope, receive, send)
        if refusal:
            body = f"Forbidden: {refusal}\n".encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode()), *FRAME_HEADERS]})
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(message):
            if message.get("type") == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers") or ()}
                extra = [(k, v) for k, v in FRAME_HEADERS if k not in names]
                message = {**message, "headers": [*(message.get("headers") or ()), *extra]}
            await send(message)

        return await self.app(scope, receive, send_with_headers)
