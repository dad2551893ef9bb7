"""Settings, each overridable from the environment.

| variable | meaning | default |
|---|---|---|
| BORDERWATCH_HOME | user data directory: refreshed snapshots, history | platformdirs user data dir |
| BORDERWATCH_DATA_DIR | the read-only embedded snapshot | ``data/`` of this checkout |
| BORDERWATCH_CBP_JSON_URL | CBP wait times, JSON | https://bwt.cbp.gov/api/bwtnew |
| BORDERWATCH_CBP_XML_URL | CBP wait times, XML fallback | https://bwt.cbp.gov/xml/bwt.xml |
| BORDERWATCH_BTS_URL | BTS Socrata resource (JSON) | https://data.bts.gov/resource/keg4-3bc2.json |
| BORDERWATCH_HTTP_TIMEOUT | read timeout in seconds | 30 |
| BORDERWATCH_HTTP_RETRIES | retries on connect errors and 429/5xx | 3 |
| BORDERWATCH_HTTP_CONNECT_TIMEOUT | connect timeout in seconds | 5 |
| BORDERWATCH_HTTP_DEADLINE | total seconds for one fetch, retries and waits included | 60 |
| BORDERWATCH_HTTP_RETRY_AFTER_MAX | longest Retry-After we wait for, seconds | 30 |
| BORDERWATCH_HTTP_MAX_BYTES | largest response body, on the wire and decompressed | 100 MB |
| BORDERWATCH_FILE_MAX_BYTES | largest local file we read (after gunzip) | 512 MB |
| BORDERWATCH_BTS_MAX_PAGES | most Socrata pages one BTS query may take | 50 |
| BORDERWATCH_BTS_PAGE_SIZE | rows per Socrata page | 50000 |
| BORDERWATCH_BTS_DEADLINE | total seconds for all pages of one BTS query | 600 |
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_CBP_JSON_URL = "https://bwt.cbp.gov/api/bwtnew"
DEFAULT_CBP_XML_URL = "https://bwt.cbp.gov/xml/bwt.xml"
DEFAULT_BTS_URL = "https://data.bts.gov/resource/keg4-3bc2.json"

#: The states this project covers.
STATES: tuple[str, ...] = ("TX", "AZ", "CA")


@dataclass(frozen=True)
class Settings:
    home: Path
    data_dir: Path
    cbp_json_url: str
    cbp_xml_url: str
    bts_url: str
    http_timeout: float
    http_connect_timeout: float
    http_retries: int
    http_deadline: float = 60.0
    http_retry_after_max: float = 30.0
    http_max_bytes: int = 100_000_000
    file_max_bytes: int = 512_000_000
    bts_max_pages: int = 50
    bts_page_size: int = 50000
    bts_deadline: float = 600.0
    portinfo_deadline: float = 120.0


def get_settings(env: dict[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: ``os.environ``). Cheap; call it where needed."""
    env = os.environ if env is None else env
    home = env.get("BORDERWATCH_HOME") or platformdirs.user_data_dir("borderwatch", appauthor=False)
    return Settings(
        home=Path(home).expanduser(),
        data_dir=Path(env.get("BORDERWATCH_DATA_DIR") or PROJECT_ROOT / "data").expanduser(),
        cbp_json_url=env.get("BORDERWATCH_CBP_JSON_URL") or DEFAULT_CBP_JSON_URL,
        cbp_xml_url=env.get("BORDERWATCH_CBP_XML_URL") or DEFAULT_CBP_XML_URL,
        bts_url=env.get("BORDERWATCH_BTS_URL") or DEFAULT_BTS_URL,
        http_timeout=_number(env, "BORDERWATCH_HTTP_TIMEOUT", 30, float, 0.01, 3600),
        http_connect_timeout=_number(env, "BORDERWATCH_HTTP_CONNECT_TIMEOUT", 5, float, 0.01, 3600),
        http_retries=_number(env, "BORDERWATCH_HTTP_RETRIES", 3, int, 0, 20),
        http_deadline=_number(env, "BORDERWATCH_HTTP_DEADLINE", 60, float, 0.1, 3600),
        http_retry_after_max=_number(env, "BORDERWATCH_HTTP_RETRY_AFTER_MAX", 30, float, 0, 3600),
        http_max_bytes=_number(env, "BORDERWATCH_HTTP_MAX_BYTES", 100_000_000, int, 1, 10 ** 10),
        file_max_bytes=_number(env, "BORDERWATCH_FILE_MAX_BYTES", 512_000_000, int, 1, 10 ** 11),
        bts_max_pages=_number(env, "BORDERWATCH_BTS_MAX_PAGES", 50, int, 1, 10 ** 4),
        bts_page_size=_number(env, "BORDERWATCH_BTS_PAGE_SIZE", 50000, int, 1, 50000),
        bts_deadline=_number(env, "BORDERWATCH_BTS_DEADLINE", 600, float, 0.1, 86400),
        portinfo_deadline=_number(env, "BORDERWATCH_PORTINFO_DEADLINE", 120, float, 0.1, 86400),
    )


def _number(env, name: str, default, kind, lo, hi):
    """A numeric setting from ``env``; a value that is not a finite number in [lo, hi] is an error
    (one line naming the variable), never a traceback or a silent default."""
    from .errors import BorderwatchError
    raw = env.get(name)
    if raw is None or not str(raw).strip():
        return kind(default)
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise BorderwatchError(f"{name}={raw!r} is not a number") from None
    if kind is int and value == value and value not in (float("inf"), float("-inf")):
        if not value.is_integer():
            raise BorderwatchError(f"{name}={raw!r} is not a whole number")
        value = int(value)
    if not (lo <= value <= hi):  # also false for nan
        raise BorderwatchError(f"{name}={raw!r} must be between {lo} and {hi}")
    return value
