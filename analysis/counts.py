"""Monthly count series for closure analysis, from two sources kept apart:

* **port level** -- BTS Border Crossing Entry Data (``VOLUMES_COLUMNS``): one count per BTS port, month and
  measure. A port can hold several crossings (Eagle Pass 2303 = Bridge I, Bridge II and the rail bridge).
* **bridge level** -- the TxDOT/UNT northbound counts per Texas bridge (``loaders.txdot``), mapped to our
  ``crossing_id``.

:func:`port_counts` / :func:`bridge_counts` give one ``COUNTS_COLUMNS`` frame each; :func:`locations`
gives where each location is (for distances) and which modes it has. Values of different measures or
levels are never added here or downstream.
"""
from __future__ import annotations

import math

import pandas as pd

from loaders.schema import Column, conform

#: One row per location x month x measure.
COUNTS_COLUMNS = (
    Column("location_id", "string", False, description="'port:2602' (BTS port) or 'bridge:<crossing_id>'"),
    Column("location", "string", False, description="readable name, e.g. 'Lukeville (BTS port 2602)'"),
    Column("level", "string", False, description="port | bridge"),
    Column("source", "string", False, description="'BTS' or 'TxDOT/UNT'"),
    Column("month", "datetime64[ns]", False, description="first day of the month"),
    Column("measure", "string", False, description="the source's measure; never summed across"),
    Column("unit", "string", False),
    Column("value", "Int64", True, "see unit", "NA = no count (never 0 for missing)"),
)
COUNTS_NAMES = [c.name for c in COUNTS_COLUMNS]

#: BTS measure -> the crossing mode whose closure removes it.
BTS_MEASURE_MODE = {
    "Personal Vehicles": "passenger", "Personal Vehicle Passengers": "passenger",
    "Buses": "passenger", "Bus Passengers": "passenger",
    "Pedestrians": "pedestrian",
    "Trucks": "commercial", "Truck Containers Loaded": "commercial", "Truck Containers Empty": "commercial",
    "Trains": "rail", "Train Passengers": "rail", "Rail Containers Loaded": "rail", "Rail Containers Empty": "rail",
}

LEVEL_LABEL = {"port": "port-level counts (BTS, whole port)", "bridge": "bridge-level counts (TxDOT/UNT)"}


def measure_mode(measure: str) -> str | None:
    """The crossing mode a measure belongs to (BTS names and the TxDOT bridge measures)."""
    if measure in BTS_MEASURE_MODE:
        return BTS_MEASURE_MODE[measure]
    m = measure.casefold()
    if "pedestrian" in m:
        return "pedestrian"
    if "truck" in m or "commercial" in m:
        return "commercial"
    if "rail" in m or "train" in m:
        return "rail"
    if "vehicle" in m or "pov" in m or "bus" in m:
        return "passenger"
    return None


def port_counts(volumes: pd.DataFrame) -> pd.DataFrame:
    """BTS volumes (``VOLUMES_COLUMNS``) as a ``COUNTS_COLUMNS`` frame at port level."""
    v = volumes
    names = v.sort_values("month").groupby("port_code", observed=True)["port_name"].last()
    loc = "port:" + v["port_code"].astype(str)
    label = v["port_code"].map(lambda c: f"{names.get(c, c)} (BTS port {c})")
    out = pd.DataFrame({"location_id": loc.values, "location": label.values, "level": "port", "source": "BTS",
                        "month": v["month"].values, "measure": v["measure"].astype(str).values,
                        "unit": v["unit"].astype(str).values, "value": v["value"].array})
    return conform(out, COUNTS_COLUMNS, "BTS volumes")


def bridge_counts(bridge: pd.DataFrame, crossings: pd.DataFrame) -> pd.DataFrame:
    """Bridge-level counts (a frame with ``crossing_id, month, measure, unit, value``, as
    ``loaders.txdot`` gives them) as a ``COUNTS_COLUMNS`` frame labelled by crossing."""
    if bridge is None or bridge.empty:
        return conform(pd.DataFrame({c: [] for c in COUNTS_NAMES}), COUNTS_COLUMNS, "bridge counts")
    labels = {}
    for r in crossings.to_dict("records"):
        name = r["port_name"] if pd.isna(r["crossing_name"]) else f"{r['port_name']} {r['crossing_name']}"
        labels[r["crossing_id"]] = f"{name} (bridge)"
    cid = bridge["crossing_id"].astype(str)
    out = pd.DataFrame({"location_id": ("bridge:" + cid).values, "location": cid.map(lambda c: labels.get(c, c)).values,
                        "level": "bridge", "source": "TxDOT/UNT", "month": pd.to_datetime(bridge["month"]).values,
                        "measure": bridge["measure"].astype(str).values, "unit": bridge["unit"].astype(str).values,
                        "value": pd.array(bridge["value"], dtype="Int64")})
    return conform(out, COUNTS_COLUMNS, "bridge counts")


def locations(crossings: pd.DataFrame) -> pd.DataFrame:
    """Every port and bridge location: ``location_id, level, lat, lon, modes, crossing_ids, port_code``.
    A port's point is the mean of its crossings' points (BTS gives port points; ours are per crossing)."""
    rows = []
    for code, g in crossings.groupby("bts_port_code", sort=True):
        modes = tuple(sorted({m for ms in g["modes"] for m in ms}))
        rows.append({"location_id": f"port:{code}", "level": "port", "lat": float(g["lat"].mean()),
                     "lon": float(g["lon"].mean()), "modes": modes, "crossing_ids": tuple(g["crossing_id"]),
                     "port_code": str(code), "state": str(g["state"].iloc[0])})
    for r in crossings.to_dict("records"):
        rows.append({"location_id": f"bridge:{r['crossing_id']}", "level": "bridge", "lat": float(r["lat"]),
                     "lon": float(r["lon"]), "modes": tuple(r["modes"]), "crossing_ids": (r["crossing_id"],),
                     "port_code": str(r["bts_port_code"]), "state": str(r["state"])})
    return pd.DataFrame(rows)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (earth radius 6371 km): a straight line, not the road."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))
