"""Map areas a user can zoom the status map to (``?region=`` in the page address, ``--region`` on export).

At the three-state view the Rio Grande Valley's dozen bridges or San Diego's four crossings are one heap
of markers; each area below frames a cluster of crossings close enough that every one gets its label.
Boxes are (west lon, east lon, south lat, north lat) in degrees; the map widens them to its own aspect.
"""
from __future__ import annotations

REGIONS: dict[str, dict] = {
    "san-diego": {"name": "San Diego – Tijuana", "state": "CA", "box": (-117.2, -116.5, 32.42, 32.70)},
    "calexico": {"name": "Calexico – Mexicali", "state": "CA", "box": (-115.6, -114.65, 32.55, 32.78)},
    "nogales": {"name": "Nogales", "state": "AZ", "box": (-111.10, -110.82, 31.28, 31.40)},
    "el-paso": {"name": "El Paso – Ciudad Juárez", "state": "TX", "box": (-106.62, -106.10, 31.40, 31.82)},
    "laredo": {"name": "Laredo – Nuevo Laredo", "state": "TX", "box": (-99.80, -99.45, 27.46, 27.73)},
    "rio-grande-valley": {"name": "Rio Grande Valley", "state": "TX", "box": (-99.25, -97.40, 25.84, 26.60)},
}


def region_name(key: str | None) -> str:
    return REGIONS[key]["name"] if key in REGIONS else "Whole border of the chosen states"
