"""The dashboard's filters, and their round trip through the URL query string.

One frozen dataclass serves the page (``st.query_params``) and ``borderwatch export`` so that the same
filters give the same figures. Unknown or malformed query values are dropped and reported, never fatal:
a shared link with a typo still opens.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

import pandas as pd

from loaders.config import STATES

from .regions import REGIONS

MODES = ("passenger", "pedestrian", "commercial", "rail")
FAMILIES = ("vehicles", "people", "freight")
GROUPS = ("measure", "state", "port")
DEFAULT_FAMILY = "vehicles"


@dataclass(frozen=True)
class Filters:
    states: tuple[str, ...] = STATES
    crossing: str | None = None  # crossing_id of the reference table
    modes: tuple[str, ...] = MODES
    start: str | None = None  # "YYYY-MM"
    end: str | None = None  # "YYYY-MM"
    at: str | None = None  # as typed: ISO date or date-time
    family: str = DEFAULT_FAMILY
    measure: str | None = None  # one BTS measure (compare view / export)
    group_by: str = "measure"
    ports: tuple[str, ...] = ()  # BTS port codes for the volume charts
    region: str | None = None  # a map area of dashboard.regions.REGIONS ("san-diego", ...)
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def with_(self, **kw) -> "Filters":
        return replace(self, **kw)

    # --------------------------------------------------------------- URL
    def to_query(self) -> dict[str, str]:
        """Only what differs from the defaults, comma-joined: ``{"state": "AZ", "at": "2023-12-20"}``."""
        q: dict[str, str] = {}
        if tuple(self.states) != STATES:
            q["state"] = ",".join(self.states)
        if self.crossing:
            q["crossing"] = self.crossing
        if tuple(self.modes) != MODES:
            q["mode"] = ",".join(self.modes)
        if self.start:
            q["from"] = self.start
        if self.end:
            q["to"] = self.end
        if self.at:
            q["at"] = self.at
        if self.family != DEFAULT_FAMILY:
            q["family"] = self.family
        if self.measure:
            q["measure"] = self.measure
        if self.group_by != "measure":
            q["group"] = self.group_by
        if self.ports:
            q["port"] = ",".join(self.ports)
        if self.region:
            q["region"] = self.region
        return q

    @classmethod
    def from_query(cls, params: Mapping[str, object]) -> "Filters":
        """Read filters from a query mapping (values: str or list of str). Bad values are dropped, with a
        message in ``warnings``."""
        warn: list[str] = []

        def get(key: str) -> str | None:
            v = params.get(key)
            if isinstance(v, (list, tuple)):
                v = ",".join(str(x) for x in v)
            v = None if v is None else str(v).strip()
            return v or None

        def csv(key: str, allowed, upper=False) -> tuple[str, ...] | None:
            raw = get(key)
            if raw is None:
                return None
            vals = [x.strip().upper() if upper else x.strip() for x in raw.split(",") if x.strip()]
            good = tuple(dict.fromkeys(v for v in vals if v in allowed))
            bad = [v for v in vals if v not in allowed]
            if bad:
                warn.append(f"ignored {key}={','.join(bad)} (choose from {', '.join(allowed)})")
            return good or None

        def month(key: str) -> str | None:
            raw = get(key)
            if raw is None:
                return None
            try:
                return pd.Period(raw, freq="M").strftime("%Y-%m")
            except (ValueError, TypeError):
                warn.append(f"ignored {key}={raw} (use YYYY-MM)")
                return None

        def one(key: str, allowed, default):
            raw = get(key)
            if raw is None:
                return default
            if raw in allowed:
                return raw
            warn.append(f"ignored {key}={raw} (choose from {', '.join(allowed)})")
            return default

        at = get("at")
        if at is not None:
            from analysis.status import parse_at
            try:
                parse_at(at)
            except ValueError:
                warn.append(f"ignored at={at} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)")
                at = None
        start, end = month("from"), month("to")
        if start and end and start > end:
            warn.append(f"from={start} is after to={end}: swapped")
            start, end = end, start
        ports = get("port")
        port_list = tuple(dict.fromkeys(p.strip().zfill(4) if p.strip().isdigit() else p.strip()
                                        for p in ports.split(",") if p.strip())) if ports else ()
        bad_ports = [p for p in port_list if not (p.isdigit() and len(p) == 4)]
        if bad_ports:
            warn.append(f"ignored port={','.join(bad_ports)} (BTS port codes are 4 digits, e.g. 2602)")
            port_list = tuple(p for p in port_list if p not in bad_ports)
        return cls(
            states=csv("state", STATES, upper=True) or STATES,
            crossing=get("crossing"),
            modes=csv("mode", MODES) or MODES,
            start=start,
            end=end,
            at=at,
            family=one("family", FAMILIES, DEFAULT_FAMILY),
            measure=get("measure"),
            group_by=one("group", GROUPS, "measure"),
            ports=port_list,
            region=one("region", tuple(REGIONS), None),
            warnings=tuple(warn),
        )

    def describe(self) -> str:
        """A one-line human summary for captions: 'States: AZ · Months: 2023-01 to 2024-06 · As of 2023-12-20'."""
        parts = [f"States: {', '.join(self.states)}"]
        if self.crossing:
            parts.append(f"Crossing: {self.crossing}")
        if tuple(self.modes) != MODES:
            parts.append(f"Modes: {', '.join(self.modes)}")
        if self.ports:
            parts.append(f"Ports: {', '.join(self.ports)}")
        if self.start or self.end:
            parts.append(f"Months: {self.start or 'first'} to {self.end or 'latest'}")
        if self.at:
            parts.append(f"As of {self.at}")
        return " · ".join(parts)
