"""View state that is not a data filter, and its round trip through the page address.

The filters (:class:`dashboard.filters.Filters`) decide what the charts show and key the page's caches;
this holds what else a shared link must reproduce: the open tab, the data source and the lane the
crossings table is sorted by. Like the filters, bad values are dropped with a warning naming them.

URL values are untrusted text: :func:`plain` makes any of them safe to show in a Markdown-rendering
Streamlit element (every Markdown, HTML and LaTeX-significant character escaped), so a link can never
inject a link, an image or formatting into the page.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

#: Tab key in the URL -> tab label on the page, in page order (the first is the default).
TABS = {"volumes": "Crossing volumes", "compare": "Compare", "events": "Events timeline",
        "crossings": "Crossings and waits"}
#: Data sources of the page's source control. The default is the live feed (falling back to the snapshot
#: when it cannot be reached), or the embedded snapshot when BORDERWATCH_OFFLINE is set.
SOURCES = ("live", "embedded", "refreshed")


def default_source() -> str:
    from loaders.auto_source import offline_requested
    return "embedded" if offline_requested() else "live"


DEFAULT_SOURCE = "live"
#: Lane types of the crossings table, "<mode>-<lane>", in column order.
LANES = ("passenger-standard", "passenger-sentri", "passenger-ready", "pedestrian-standard",
         "pedestrian-ready", "commercial-standard", "commercial-fast")
LANE_NAMES = {"passenger-standard": "Passenger, standard", "passenger-sentri": "Passenger, SENTRI",
              "passenger-ready": "Passenger, Ready", "pedestrian-standard": "Pedestrian, standard",
              "pedestrian-ready": "Pedestrian, Ready", "commercial-standard": "Commercial, standard",
              "commercial-fast": "Commercial, FAST"}
MAX_SHOWN = 60  # characters of a bad value quoted back in a warning


@dataclass(frozen=True)
class ViewState:
    tab: str = "volumes"
    source: str = DEFAULT_SOURCE
    lane: str | None = None
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def to_query(self) -> dict[str, str]:
        q: dict[str, str] = {}
        if self.tab != "volumes":
            q["tab"] = self.tab
        if self.source != default_source():
            q["source"] = self.source
        if self.lane:
            q["lane"] = self.lane
        return q

    @classmethod
    def from_query(cls, params: Mapping[str, object]) -> "ViewState":
        warn: list[str] = []

        def one(key: str, allowed, default):
            v = params.get(key)
            if isinstance(v, (list, tuple)):
                v = v[-1] if v else None
            if v is None or not str(v).strip():
                return default
            v = str(v).strip()
            if v in allowed:
                return v
            warn.append(f"ignored {key}={shorten(v)} (choose from {', '.join(allowed)})")
            return default

        return cls(tab=one("tab", tuple(TABS), "volumes"), source=one("source", SOURCES, default_source()),
                   lane=one("lane", LANES, None), warnings=tuple(warn))


def shorten(value: object) -> str:
    s = str(value)
    return s if len(s) <= MAX_SHOWN else s[:MAX_SHOWN] + "…"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")


def plain(text: object) -> str:
    """``text`` with every character Markdown, HTML or LaTeX would act on backslash-escaped, and line
    breaks flattened: Streamlit shows it as the literal text."""
    s = re.sub(r"[\r\n\t]+", " ", str(text))
    return _MD_SPECIAL.sub(r"\\\1", s)


def unknown_values(params: Mapping[str, object], *, crossings: set[str], measures: set[str]) -> list[str]:
    """Warnings for URL values the filters accept as text but the data does not know: a ``crossing=``
    that is no crossing_id, a ``measure=`` that is no BTS measure."""
    out = []

    def get(key):
        v = params.get(key)
        if isinstance(v, (list, tuple)):
            v = v[-1] if v else None
        return None if v is None or not str(v).strip() else str(v).strip()

    c = get("crossing")
    if c is not None and c not in crossings:
        out.append(f"ignored crossing={shorten(c)} (no such crossing; pick one in the sidebar)")
    m = get("measure")
    if m is not None and m not in measures:
        out.append(f"ignored measure={shorten(m)} (not a BTS measure; choose from {', '.join(sorted(measures))})")
    return out
