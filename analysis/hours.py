"""Posted hours of a crossing, read from the feed's ``hours`` text ("6 am-Midnight", "24 hrs/day").

Hours are context, never evidence that a crossing is open: they only *label* a closed reading that falls
outside them ("closed — outside posted hours 6 am–midnight"). Text that is not one daily window
("Mon-Fri 6 am to 4 pm", a notice) is kept as text and never interpreted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

import pandas as pd

_CLOCK = r"(?:(?P<{0}h>\d{{1,2}})(?::(?P<{0}m>\d{{2}}))?\s*(?P<{0}ap>[ap])\.?\s*m\.?|(?P<{0}noon>noon)|(?P<{0}mid>midnight))"
_HOURS_RE = re.compile(r"^\s*" + _CLOCK.format("a") + r"\s*(?:-|–|—|to)\s*" + _CLOCK.format("b") + r"\s*$",
                       re.IGNORECASE)
_ALL_DAY_RE = re.compile(r"^\s*24\s*(?:hrs?|hours)\s*(?:/\s*day|a day|per day)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class PostedHours:
    """One daily window ``opens``..``closes`` (``closes`` None = midnight at the end of the day), or all day."""
    text: str
    all_day: bool = False
    opens: time | None = None
    closes: time | None = None

    @property
    def label(self) -> str:
        """'6 am–midnight', '24 hours'."""
        if self.all_day:
            return "24 hours"
        return f"{_clock_label(self.opens)}–{_clock_label(self.closes, end=True)}"

    def is_open_at(self, local: pd.Timestamp | time) -> bool:
        """Whether a local wall-clock time lies inside the posted window (windows may run past midnight)."""
        if self.all_day:
            return True
        t = local.time() if isinstance(local, pd.Timestamp) else local
        start = self.opens or time(0, 0)
        if self.closes is None:  # until midnight
            return t >= start
        if start <= self.closes:
            return start <= t < self.closes
        return t >= start or t < self.closes  # overnight, e.g. 10 pm-6 am


def parse_hours(text: object) -> PostedHours | None:
    """``PostedHours`` for '24 hrs/day', '6 am-10 pm', '6 am-Midnight', 'Noon-8 pm', '7:30 am-5 pm';
    None for missing or any other text (kept as text by the caller, never guessed)."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return None
    s = str(text).strip()
    if _ALL_DAY_RE.match(s):
        return PostedHours(text=s, all_day=True)
    m = _HOURS_RE.match(s)
    if not m:
        return None
    opens, closes = _clock(m, "a"), _clock(m, "b")
    if opens is False or closes is False:
        return None
    if opens is None and closes is None:  # "Midnight-Midnight"
        return PostedHours(text=s, all_day=True)
    return PostedHours(text=s, opens=opens or time(0, 0), closes=closes)


def _clock(m: re.Match, g: str) -> time | None | bool:
    """time, None for midnight, False when not a clock time."""
    if m[g + "noon"]:
        return time(12, 0)
    if m[g + "mid"]:
        return None
    h, mi = int(m[g + "h"]), int(m[g + "m"] or 0)
    if not 1 <= h <= 12 or mi > 59:
        return False
    return time(h % 12 + (12 if m[g + "ap"].lower() == "p" else 0), mi)


def _clock_label(t: time | None, end: bool = False) -> str:
    if t is None:
        return "midnight"
    if t == time(12, 0):
        return "noon"
    h = t.hour % 12 or 12
    mins = f":{t.minute:02d}" if t.minute else ""
    return f"{h}{mins} {'am' if t.hour < 12 else 'pm'}"
