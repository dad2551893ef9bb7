"""CBP update-time text ("At 10:00 am PDT", "At Noon CDT", "At Midnight CDT") -> UTC instants.

The same rule as :mod:`loaders.cbp` (and its tolerance, ``loaders.cbp.FUTURE_TOLERANCE``): the zone label is
ignored (Arizona's is unreliable); the wall clock is read in the crossing's IANA zone on the given day (or the
reference's local day), and moved to the previous day when that lands more than the tolerance after the
reference (the capture time): CBP's update times can run ahead of the feed's own clock.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from loaders.cbp import FUTURE_TOLERANCE  # noqa: E402  (one rule for the live feed and the archives)
_RE = re.compile(
    r"^\s*(?:at\s+)?(?:(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ap>[ap])\.?\s*m\.?|(?P<noon>noon)|"
    r"(?P<midnight>midnight))(?:\s+(?P<label>[a-z]{2,5}))?\s*$", re.IGNORECASE)


def clock_of(text: str) -> tuple[int, int] | None:
    """(hour, minute) of an update-time text, or None when it is not one."""
    m = _RE.match(text or "")
    if not m:
        return None
    if m["noon"]:
        return 12, 0
    if m["midnight"]:
        return 0, 0
    h, mi = int(m["h"]), int(m["m"] or 0)
    if not 1 <= h <= 12 or mi > 59:
        return None
    return h % 12 + (12 if m["ap"].lower() == "p" else 0), mi


def resolve_update(text: str, tz: str, reference, day: tuple[int, int, int] | None = None) -> datetime | None:
    """The UTC instant (a ``datetime``) of ``text``; None when empty or unreadable. ``reference`` is a
    tz-aware datetime / Timestamp (the capture time)."""
    hm = clock_of(text)
    if hm is None:
        return None
    zone = _zone(tz)
    ref = reference.astimezone(timezone.utc)
    if day is None:
        r = ref.astimezone(zone)
        day = (r.year, r.month, r.day)
    local = _local(day, hm, zone)
    if local - ref > FUTURE_TOLERANCE:
        prev = datetime(*day) - timedelta(days=1)
        local = _local((prev.year, prev.month, prev.day), hm, zone)
    return local


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def _local(day: tuple[int, int, int], hm: tuple[int, int], zone: ZoneInfo) -> datetime:
    """Wall clock in ``zone`` -> UTC. A time in the spring-forward gap becomes real by a round trip through
    UTC; an ambiguous fall-back time is the first (daylight) one (fold=0)."""
    return datetime(day[0], day[1], day[2], hm[0], hm[1], tzinfo=zone).astimezone(timezone.utc)
