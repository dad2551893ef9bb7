"""The one fetch path: every byte that comes from the network or from a user-named file comes through here.

Bounds, each a setting (:mod:`loaders.config`) and each failure a :class:`FeedError` naming the URL or file:

- **URL policy**: ``https`` only; plain ``http`` only to a loopback host (127.0.0.1, ::1, localhost — the
  tests' servers). Redirects are checked the same way and may never go from https to http
  (:meth:`_Session.get_redirect_target`, requests' hook for every redirect), at most ``MAX_REDIRECTS``.
- **Time**: a connect timeout, a read timeout (per socket read) and a **total deadline** for the whole
  fetch, retries and waits included. A server that drips bytes is cut off at the deadline.
- **Retries** (urllib3 ``Retry``): connect errors, 429 and 5xx, with backoff; ``Retry-After`` is honoured up
  to ``http_retry_after_max`` seconds (urllib3's own cap) and never past the deadline: a server asking for
  longer gets no retry and the error says what it asked for.
- **Size**: ``Content-Length`` over the cap is refused before reading; the body is streamed and counted both
  on the wire and after decompression (urllib3 2.6+ decompresses in bounded steps), so an endless body or a
  gzip bomb stops at the cap instead of filling memory.
- **Local files** (:func:`read_file_capped`): regular files only, read up to the same kind of cap, gzip
  decompressed in bounded steps, truncated gzip reported as such. ``/dev/zero`` costs one line, not 10 GB.
"""
from __future__ import annotations

import gzip
import ipaddress
import os
import stat
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from .config import Settings, get_settings
from .errors import FeedError

USER_AGENT = "borderwatch/0.1 (+https://github.com/borderwatch; border port status dashboard)"
MAX_REDIRECTS = 5
CHUNK = 1 << 16
GZIP_MAGIC = b"\x1f\x8b"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


# ---------------------------------------------------------------------------------------------- URL policy
def url_problem(url: str, *, previous: str | None = None) -> str | None:
    """Why ``url`` may not be fetched (None when it may). ``previous``: the URL that redirected here."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - validates the port
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not host:
        return "only https:// URLs are fetched"
    if parts.username or parts.password:
        return "URLs with a user name or password are not fetched"
    if scheme == "http":
        if not is_loopback(host):
            return "plain http:// is refused (use https://; http is allowed only to 127.0.0.1 for tests)"
        if previous is not None and urlsplit(previous).scheme.lower() == "https":
            return "redirect from https to http refused"
    return None


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> None:
    problem = url_problem(url)
    if problem:
        raise FeedError(url, problem)


# ---------------------------------------------------------------------------------------------- retries
class _DeadlineRetry(Retry):
    """urllib3 ``Retry`` that never waits past a deadline and gives up on a too-long ``Retry-After``.

    ``deadline`` is a ``time.monotonic()`` value; ``gave_up`` records why no further attempt was made."""

    def __init__(self, *args, deadline: float | None = None, gave_up: list | None = None, **kw):
        super().__init__(*args, **kw)
        self.deadline = deadline
        self.gave_up = gave_up if gave_up is not None else []

    def new(self, **kw):
        kw.setdefault("deadline", self.deadline)
        kw.setdefault("gave_up", self.gave_up)
        return super().new(**kw)

    def _remaining(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.monotonic()

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if response is not None:
            asked = response.headers.get("Retry-After")
            if asked is not None and self.respect_retry_after_header:
                try:
                    raw = Retry.parse_retry_after(Retry(retry_after_max=10 ** 9), asked)
                except Exception:  # an unreadable header: urllib3 ignores none of them, we treat it as absent
                    raw = 0.0
                wait = min(raw, self.retry_after_max)
                if raw > self.retry_after_max or wait >= self._remaining():
                    self.gave_up.append(f"the server asked to retry after {raw:.0f} s, more than this fetch "
                                        f"may wait ({min(self.retry_after_max, max(0.0, self._remaining())):.0f} s)")
                    raise MaxRetryError(_pool, url, error)
            # The body of a response we retry is not needed: do not let drain_conn read an endless one.
            response.close()
        if self._remaining() <= 0:
            self.gave_up.append("the total deadline passed")
            raise MaxRetryError(_pool, url, error)
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def get_retry_after(self, response):
        try:
            return super().get_retry_after(response)
        except Exception:  # an unreadable Retry-After (urllib3 raises InvalidHeader): plain backoff instead
            return None

    def get_backoff_time(self) -> float:
        return max(0.0, min(super().get_backoff_time(), self._remaining() - 0.05))

    def sleep_for_retry(self, response) -> bool:
        retry_after = self.get_retry_after(response)
        if retry_after:
            time.sleep(max(0.0, min(retry_after, self._remaining() - 0.05)))
            return True
        return False


class _Session(requests.Session):
    """A requests session whose every redirect target passes :func:`url_problem`."""

    def get_redirect_target(self, resp):
        target = super().get_redirect_target(resp)
        if target:
            absolute = urljoin(resp.url, requests.utils.requote_uri(target))
            problem = url_problem(absolute, previous=resp.url)
            if problem:
                raise FeedError(resp.url, f"redirect to {absolute}: {problem}")
        return target


def make_session(settings: Settings | None = None, *, deadline: float | None = None,
                 gave_up: list | None = None, backoff: float = 0.5) -> requests.Session:
    """A session that retries connect errors and 429/5xx on GET, within ``deadline`` (monotonic)."""
    settings = settings or get_settings()
    retries = settings.http_retries
    retry = _DeadlineRetry(
        total=retries, connect=retries, read=retries, status=retries, redirect=MAX_REDIRECTS,
        backoff_factor=backoff, backoff_max=10.0,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True, retry_after_max=int(settings.http_retry_after_max),
        raise_on_status=False, raise_on_redirect=False,
        deadline=deadline, gave_up=gave_up,
    )
    adapter = HTTPAdapter(max_retries=retry)
    s = _Session()
    s.max_redirects = MAX_REDIRECTS
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    s.headers["User-Agent"] = USER_AGENT
    s.headers["Accept-Encoding"] = "gzip, deflate"
    return s


# ---------------------------------------------------------------------------------------------- fetch
@dataclass(frozen=True)
class Fetched:
    """A raw HTTP payload with where and when it came from."""

    url: str
    content: bytes
    content_type: str
    retrieved_at: datetime  # tz-aware UTC: our clock when the response arrived
    server_date: datetime | None  # tz-aware UTC from the HTTP Date header, if any


class Deadline:
    """A total time budget shared by several requests (e.g. the pages of one BTS query)."""

    def __init__(self, seconds: float):
        self.seconds = float(seconds)
        self.at = time.monotonic() + self.seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n} bytes"


def http_get(
    url: str,
    params: dict | None = None,
    *,
    settings: Settings | None = None,
    session: requests.Session | None = None,
    headers: dict | None = None,
    deadline: Deadline | None = None,
    max_bytes: int | None = None,
) -> Fetched:
    """GET ``url`` within the bounds above; raise :class:`FeedError` naming the URL on any failure.

    ``deadline`` defaults to ``settings.http_deadline`` seconds from now; ``max_bytes`` to
    ``settings.http_max_bytes`` (applied to the bytes on the wire and to the decompressed body).
    ``session`` is accepted for callers that pass one; the bounded session is always used underneath."""
    settings = settings or get_settings()
    check_url(url)
    deadline = deadline or Deadline(settings.http_deadline)
    cap = int(max_bytes if max_bytes is not None else settings.http_max_bytes)
    if deadline.remaining() <= 0:
        raise FeedError(url, f"not fetched: the {deadline.seconds:g} s deadline had already passed")
    gave_up: list[str] = []
    s = make_session(settings, deadline=deadline.at, gave_up=gave_up)
    read_timeout = max(0.05, min(settings.http_timeout, deadline.remaining()))
    connect_timeout = max(0.05, min(settings.http_connect_timeout, deadline.remaining()))
    try:
        with s:
            try:
                r = s.get(url, params=params, headers=headers, timeout=(connect_timeout, read_timeout),
                          stream=True)
            except FeedError:
                raise
            except requests.TooManyRedirects as exc:
                raise FeedError(url, f"more than {MAX_REDIRECTS} redirects") from exc
            except requests.RequestException as exc:
                why = "; ".join(gave_up) or _reason(exc)
                raise FeedError(url, f"request failed: {why}") from exc
            with r:
                where = r.url or url
                if not 200 <= r.status_code < 300:
                    extra = f"; {'; '.join(gave_up)}" if gave_up else ""
                    raise FeedError(where, f"HTTP {r.status_code} {r.reason or ''}".strip() + extra)
                content = _read_body(r, where, cap, deadline)
                server_date = None
                if r.headers.get("Date"):
                    try:
                        server_date = parsedate_to_datetime(r.headers["Date"]).astimezone(timezone.utc)
                    except (TypeError, ValueError, IndexError, OverflowError):
                        server_date = None
                return Fetched(url=where, content=content, content_type=r.headers.get("Content-Type", ""),
                               retrieved_at=datetime.now(timezone.utc), server_date=server_date)
    except FeedError:
        raise
    except requests.RequestException as exc:  # raised while streaming the body
        raise FeedError(url, f"reading the response failed: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    """A short reason without urllib3's nested reprs."""
    text = str(exc)
    for needle, short in (("Read timed out", "read timed out"), ("ConnectTimeout", "connect timed out"),
                          ("timed out", "timed out"), ("Connection refused", "connection refused"),
                          ("Name or service not known", "host not found"),
                          ("CERTIFICATE_VERIFY_FAILED", "TLS certificate not trusted"),
                          ("RemoteDisconnected", "the server closed the connection"),
                          ("IncompleteRead", "the response was cut short"),
                          ("Connection broken", "the connection broke mid-response"),
                          ("Max retries exceeded", "retries exhausted")):
        if needle in text:
            return f"{short} ({exc.__class__.__name__})"
    return f"{exc.__class__.__name__}: {text[:200]}"


def _read_body(r: requests.Response, where: str, cap: int, deadline: Deadline) -> bytes:
    length = r.headers.get("Content-Length")
    if length and length.strip().isdigit() and int(length) > cap:
        raise FeedError(where, f"response of {_mb(int(length))} is larger than the {_mb(cap)} limit; not read")
    parts: list[bytes] = []
    total = 0
    raw = r.raw
    # A hard stop: at the deadline the socket is shut down from a timer thread (urllib3's
    # HTTPResponse.shutdown exists for this), so even a read blocked in recv() returns at once.
    timer = threading.Timer(max(0.0, deadline.remaining()), raw.shutdown)
    timer.daemon = True
    timer.start()
    try:
        while True:
            # read1: at most one socket read per call (read() would wait for a full chunk from a server
            # that drips bytes); decompression is bounded by the same amount (urllib3 >= 2.6).
            chunk = raw.read1(CHUNK, decode_content=True)
            if deadline.remaining() <= 0:
                raise FeedError(where, f"response not complete within the {deadline.seconds:g} s deadline "
                                       f"({_mb(total + len(chunk))} received); stopped reading")
            if not chunk:
                break
            total += len(chunk)
            if raw.tell() > cap:
                raise FeedError(where, f"response is larger than the {_mb(cap)} limit; stopped reading")
            if total > cap:
                raise FeedError(where, f"response is larger than the {_mb(cap)} limit after decompression; "
                                       "stopped reading")
            parts.append(chunk)
    except FeedError:
        raise
    except Exception as exc:  # urllib3 ProtocolError, DecodeError, ReadTimeoutError, ssl errors
        if deadline.remaining() <= 0:
            raise FeedError(where, f"response not complete within the {deadline.seconds:g} s deadline "
                                   f"({_mb(total)} received); stopped reading") from exc
        raise FeedError(where, f"reading the response failed: {_reason(exc)}") from exc
    finally:
        timer.cancel()
    return b"".join(parts)


# ---------------------------------------------------------------------------------------------- files
def read_file_capped(path: str | os.PathLike, *, max_bytes: int | None = None, decompress: bool = True,
                     settings: Settings | None = None) -> bytes:
    """The bytes of a local file (gunzipped when it starts with the gzip magic and ``decompress``).

    Refuses, with one :class:`FeedError` line naming the file: missing, a folder, not a regular file
    (``/dev/zero``, a FIFO), unreadable, larger than ``max_bytes`` (default ``settings.file_max_bytes``)
    before or after decompression, truncated or corrupt gzip."""
    settings = settings or get_settings()
    cap = int(max_bytes if max_bytes is not None else settings.file_max_bytes)
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise FeedError(str(p), _os_reason(exc)) from exc
    st_ = os.fstat(fd)
    if not stat.S_ISREG(st_.st_mode):
        os.close(fd)
        if stat.S_ISDIR(st_.st_mode):
            raise FeedError(str(p), "is a folder, not a file")
        raise FeedError(str(p), "is not a regular file (a device, pipe or socket); refusing to read it")
    with os.fdopen(fd, "rb") as f:
        if st_.st_size > cap and not decompress:
            raise FeedError(str(p), f"file of {_mb(st_.st_size)} is larger than the {_mb(cap)} limit")
        try:
            head = f.read(2)
            f.seek(0)
            if decompress and head == GZIP_MAGIC:
                return _gunzip_capped(f, str(p), cap)
            if st_.st_size > cap:
                raise FeedError(str(p), f"file of {_mb(st_.st_size)} is larger than the {_mb(cap)} limit")
            data = f.read(cap + 1)
        except OSError as exc:
            raise FeedError(str(p), _os_reason(exc)) from exc
    if len(data) > cap:
        raise FeedError(str(p), f"file is larger than the {_mb(cap)} limit")
    return data


def _gunzip_capped(f, where: str, cap: int) -> bytes:
    parts, total = [], 0
    try:
        with gzip.GzipFile(fileobj=f, mode="rb") as gz:
            while True:
                chunk = gz.read(CHUNK * 16)
                if not chunk:
                    break
                total += len(chunk)
                if total > cap:
                    raise FeedError(where, f"decompresses to more than the {_mb(cap)} limit; stopped reading")
                parts.append(chunk)
    except EOFError as exc:
        raise FeedError(where, "gzip file is truncated (it ends before the end-of-stream marker)") from exc
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise FeedError(where, f"gzip file is corrupt ({exc})") from exc
    return b"".join(parts)


def gunzip_capped(data: bytes, where: str, cap: int) -> bytes:
    """Decompress gzip ``data`` in memory with the same cap and messages as :func:`read_file_capped`."""
    import io
    return _gunzip_capped(io.BytesIO(data), where, cap)


def _os_reason(exc: OSError) -> str:
    import errno
    if exc.errno == errno.ENOENT:
        return "cannot read: no such file"
    if exc.errno == errno.EISDIR:
        return "is a folder, not a file"
    if exc.errno == errno.EACCES:
        return "permission denied (cannot read it)"
    return f"cannot read: {exc.strerror or exc}"


# Kept for callers of the previous API: a shared session is no longer used (each fetch has its own bounds).
_lock = threading.Lock()


def get_session(settings: Settings | None = None, backoff: float = 0.5) -> requests.Session:
    """A bounded session for ``settings`` (callers that only need the retry policy)."""
    return make_session(settings, backoff=backoff)
