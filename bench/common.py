"""Shared helpers: statistics, the result row, targets."""
from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any


def summary(samples: list[float]) -> dict[str, float | int | None]:
    """median / min / max / n of a list of numbers (None when empty)."""
    xs = [float(x) for x in samples if x is not None]
    if not xs:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


@dataclass
class Target:
    """``kind``: "ratio" (value/floor <= limit), "abs" (value <= limit, in the row's unit) or
    "delta" (value - floor <= limit, in the row's unit); "info" rows have no target."""

    kind: str
    limit: float | None = None

    def text(self, unit: str) -> str:
        if self.kind == "ratio":
            return f"<= {self.limit:g}x"
        if self.kind == "abs":
            return f"<= {self.limit:g} {unit}"
        if self.kind == "delta":
            return f"<= +{self.limit:g} {unit}"
        return "info"


@dataclass
class Row:
    name: str
    unit: str
    target: Target
    samples: list[float] = field(default_factory=list)
    floor_samples: list[float] = field(default_factory=list)
    floor_label: str | None = None
    method: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        v, f = summary(self.samples), summary(self.floor_samples)
        value, floor = v["median"], f["median"]
        ratio = value / floor if value is not None and floor not in (None, 0) else None
        ok: bool | None = None
        if self.error is None and value is not None:
            if self.target.kind == "ratio" and ratio is not None:
                ok = ratio <= self.target.limit
            elif self.target.kind == "abs":
                ok = value <= self.target.limit
            elif self.target.kind == "delta" and floor is not None:
                ok = value - floor <= self.target.limit
        return {
            "name": self.name,
            "value": _r(value),
            "unit": self.unit,
            "floor": _r(floor),
            "ratio": _r(ratio),
            "target": self.target.text(self.unit),
            "ok": ok,
            "min": _r(v["min"]), "max": _r(v["max"]), "n": v["n"],
            "floor_min": _r(f["min"]), "floor_max": _r(f["max"]), "floor_n": f["n"],
            "floor_label": self.floor_label,
            "samples": [_r(x) for x in self.samples],
            "floor_samples": [_r(x) for x in self.floor_samples],
            "method": self.method,
            "details": self.details,
            "error": self.error,
        }


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(float(x), nd)


def asdict_row(row: Row) -> dict[str, Any]:  # pragma: no cover - convenience
    return asdict(row)
