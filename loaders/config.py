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
        http_timeout=float(env.get("BORDERWATCH_HTTP_TIMEOUT") or 30),
        http_connect_timeout=float(env.get("BORDERWATCH_HTTP_CONNECT_TIMEOUT") or 5),
        http_retries=int(env.get("BORDERWATCH_HTTP_RETRIES") or 3),
    )
