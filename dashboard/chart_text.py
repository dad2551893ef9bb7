"""Words on the charts: titles that name place, measure and period; subtitles with only the filters that
apply to that chart, in human names; source lines with as-of times. Pure functions of plain values, used
by :mod:`dashboard.views` for the page and ``borderwatch export`` alike.

A newsroom should be able to publish an exported image as it is, so nothing here shows an internal id
(``az-lukeville``, ``2304``) and nothing says a filter that did not shape the chart (months on a map).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

STATE_NAMES = {"TX": "Texas", "AZ": "Arizona", "CA": "California"}
MODE_WORDS = {"passenger": "passenger vehicles", "pedestrian": "pedestrians", "commercial": "commercial trucks",
              "rail": "rail"}
ALL_MODES = ("passenger", "pedestrian", "commercial", "rail")
#: What a measure family counts, for a title without one chosen measure.
FAMILY_WORDS = {"vehicles": "Vehicles entering the U.S. per month, by kind",
                "people": "People entering the U.S. per month, by how they crossed",
                "freight": "Truck and rail containers entering the U.S. per month"}
NBSP = "\u00a0"
GROUP_WORDS = {"state": "state", "port": "port"}


def join_words(items: Iterable[str]) -> str:
    """``"Texas"``, ``"Texas and Arizona"``, ``"Texas, Arizona and California"``."""
    items = [str(i) for i in items if str(i)]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def states_text(states: Sequence[str]) -> str:
    return join_words(STATE_NAMES.get(s, s) for s in states)


def month_text(month: str | None) -> str:
    """``"2019-01"`` -> ``"Jan 2019"``."""
    if not month:
        return ""
    p = pd.Period(month, freq="M")
    return f"{p.strftime('%b')} {p.year}"


def period_text(start: str | None, end: str | None) -> str:
    """``"Jan 2019 – Feb 2025"`` (an en dash; one month alone is just that month)."""
    a, b = month_text(start), month_text(end)
    out = f"{a} – {b}" if a and b and a != b else a or b
    return out.replace(" ", NBSP)  # a period never breaks across title lines


def when_text(ts: pd.Timestamp | None, tz: str | None = None) -> str:
    """``"Jun 29, 2022, 10:25 PDT"`` in ``tz`` (else the timestamp's own zone); ``"an unknown time"``."""
    if ts is None or pd.isna(ts):
        return "an unknown time"
    t = pd.Timestamp(ts)
    if tz and t.tzinfo is not None:
        t = t.tz_convert(tz)
    zone = f"{NBSP}{t.strftime('%Z')}" if t.tzinfo is not None else ""
    return f"{t.strftime('%b')}{NBSP}{t.day},{NBSP}{t.year}, {t.strftime('%H:%M')}{zone}"


def at_text(at: str) -> str:
    """A typed ``at`` (``2023-12-20`` or ``2023-12-20T08:30``) in words, local time at each crossing."""
    t = pd.Timestamp(at)
    day = f"{t.strftime('%b')}{NBSP}{t.day},{NBSP}{t.year}"
    return f"{day}, {t.strftime('%H:%M')} local time" if len(at) > 10 else f"{day} (noon, local time)"


def measure_text(measure: str) -> str:
    """BTS measure names in sentence case: ``"Personal Vehicles"`` -> ``"Personal vehicles"``."""
    return measure[:1].upper() + measure[1:].lower()


def modes_text(modes: Sequence[str]) -> str | None:
    """``"Modes: pedestrians and rail"``; None when every mode is shown (then the filter says nothing)."""
    if tuple(modes) == ALL_MODES or not modes:
        return None
    return "Modes: " + join_words(MODE_WORDS.get(m, m) for m in modes)


def wrap(text: str, width: int) -> str:
    """``text`` broken into ``<br>``-joined lines of at most ``width`` characters, at spaces."""
    lines: list[str] = []
    for para in str(text).split("<br>"):
        line = ""
        for word in para.split(" "):
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return "<br>".join(lines)


def subtitle(parts: Iterable[str | None]) -> str | None:
    """The non-empty parts joined with `` · ``, or None."""
    parts = [p for p in parts if p]
    return " · ".join(parts) if parts else None
