"""Maintainer tool: (re)build data/crossings.csv from ../shared/data and the mapping below.

Run from the repo root: ``python tools/build_crossings.py``. Reads ../shared (never at run time).
Coordinates: Texas bridges from the TxDOT/UNT table (bridge level); Arizona/California from BTS port
points (port level), except Calexico West, whose BTS point wrongly repeats Calexico East's.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"

TX_CENTRAL, TX_MOUNTAIN = "America/Chicago", "America/Denver"
AZ, CA = "America/Phoenix", "America/Los_Angeles"

# crossing_id, port_number, bts_port_code, port_name, crossing_name, state, tz, modes, kind, coord key, notes
# coord key: "txdot:<Code>" | "bts:<port code>" | "fixed:<lat>,<lon>:<source>"
P, PED, COM, RAIL = "passenger", "pedestrian", "commercial", "rail"
ROWS = [
    # --- Arizona (BTS port points) ---
    ("az-douglas", "260101", "2601", "Douglas", "Raul Hector Castro", "AZ", AZ, (P, PED, COM), "port", "bts:2601", ""),
    ("az-lukeville", "260201", "2602", "Lukeville", "", "AZ", AZ, (P, COM), "port", "bts:2602", ""),
    ("az-naco", "260301", "2603", "Naco", "", "AZ", AZ, (P, PED, COM), "port", "bts:2603", ""),
    ("az-nogales-deconcini", "260401", "2604", "Nogales", "DeConcini", "AZ", AZ, (P, PED), "port", "bts:2604",
     "BTS gives one point for the Nogales port; shared by its three crossings"),
    ("az-nogales-mariposa", "260402", "2604", "Nogales", "Mariposa", "AZ", AZ, (P, PED, COM), "port", "bts:2604",
     "BTS gives one point for the Nogales port; shared by its three crossings"),
    ("az-nogales-morley-gate", "260403", "2604", "Nogales", "Morley Gate", "AZ", AZ, (PED,), "port", "bts:2604",
     "BTS gives one point for the Nogales port; shared by its three crossings"),
    ("az-san-luis-1", "260801", "2608", "San Luis", "San Luis I", "AZ", AZ, (P, PED), "port", "bts:2608",
     "BTS gives one point for the San Luis port; shared by both crossings"),
    ("az-san-luis-2", "260802", "2608", "San Luis", "San Luis II", "AZ", AZ, (COM,), "port", "bts:2608",
     "BTS gives one point for the San Luis port; shared by both crossings"),
    ("az-sasabe", "", "2606", "Sasabe", "", "AZ", AZ, (P, PED, COM), "port", "bts:2606",
     "not in the CBP wait-time feed"),
    # --- California ---
    ("ca-andrade", "250201", "2502", "Andrade", "", "CA", CA, (P, PED, COM), "port", "bts:2502", ""),
    ("ca-calexico-east", "250301", "2507", "Calexico", "East", "CA", CA, (P, PED, COM), "port", "bts:2507", ""),
    ("ca-calexico-west", "250302", "2503", "Calexico", "West", "CA", CA, (P, PED), "port",
     "fixed:32.665,-115.49:corrected (BTS repeats Calexico East's point for 2503; see shared data README)", ""),
    ("ca-otay-mesa-commercial", "250602", "2506", "Otay Mesa", "Commercial", "CA", CA, (COM,), "port", "bts:2506",
     "BTS gives one point for Otay Mesa; shared by both crossings"),
    ("ca-otay-mesa-passenger", "250601", "2506", "Otay Mesa", "Passenger", "CA", CA, (P, PED), "port", "bts:2506",
     "BTS gives one point for Otay Mesa; shared by both crossings"),
    ("ca-san-ysidro", "250401", "2504", "San Ysidro", "", "CA", CA, (P, PED), "port", "bts:2504", ""),
    ("ca-san-ysidro-pedwest", "250407", "2504", "San Ysidro", "PedWest", "CA", CA, (PED,), "port", "bts:2504",
     "BTS counts PedWest under San Ysidro 2504; shares its point"),
    ("ca-cross-border-xpress", "250409", "2582", "San Ysidro", "Cross Border Express", "CA", CA, (PED,), "port",
     "bts:2582", "BTS port 2582 'Cross Border Xpress' (from 2017-10)"),
    ("ca-tecate", "250501", "2505", "Tecate", "", "CA", CA, (P, PED, COM), "port", "bts:2505", ""),
    # --- Texas (TxDOT/UNT bridge coordinates) ---
    ("tx-brownsville-bm", "535501", "2301", "Brownsville", "B&M", "TX", TX_CENTRAL, (P, PED), "port", "txdot:RGV-BRW-BROW", ""),
    ("tx-brownsville-gateway", "535504", "2301", "Brownsville", "Gateway", "TX", TX_CENTRAL, (P, PED), "port", "txdot:RGV-BRW-GATE", ""),
    ("tx-brownsville-gateway-legacy", "230103", "2301", "Gateway", "", "TX", TX_CENTRAL, (P, PED), "port", "txdot:RGV-BRW-GATE",
     "second feed entry for Brownsville Gateway under port 2301 (6-digit id 230103); same bridge as 535504"),
    ("tx-brownsville-los-indios", "535503", "2301", "Brownsville", "Los Indios", "TX", TX_CENTRAL, (P, COM), "port", "txdot:RGV-BRW-FREE", ""),
    ("tx-brownsville-veterans", "535502", "2301", "Brownsville", "Veterans International", "TX", TX_CENTRAL, (P, PED, COM), "port", "txdot:RGV-BRW-VETE", ""),
    ("tx-brownsville-west-rail", "", "2301", "Brownsville", "West Rail Bridge", "TX", TX_CENTRAL, (RAIL,), "rail", "txdot:RGV-BRW-WEST",
     "rail: not in the CBP wait-time feed"),
    ("tx-del-rio", "230201", "2302", "Del Rio", "", "TX", TX_CENTRAL, (P, COM), "port", "txdot:LRD-DLR-DELR", ""),
    ("tx-del-rio-amistad-dam", "", "2302", "Del Rio", "Lake Amistad Dam", "TX", TX_CENTRAL, (P,), "dam", "txdot:LRD-DLR-LAKA",
     "not in the CBP wait-time feed"),
    ("tx-eagle-pass-bridge-1", "230301", "2303", "Eagle Pass", "Bridge I", "TX", TX_CENTRAL, (P,), "port", "txdot:LRD-EGP-EAGL",
     "Eagle Pass International Bridge"),
    ("tx-eagle-pass-bridge-2", "230302", "2303", "Eagle Pass", "Bridge II", "TX", TX_CENTRAL, (P, COM), "port", "txdot:LRD-EGP-CAMI",
     "Camino Real International Bridge"),
    ("tx-eagle-pass-rail", "", "2303", "Eagle Pass", "Union Pacific Rail Bridge", "TX", TX_CENTRAL, (RAIL,), "rail", "txdot:LRD-EGP-UNIO",
     "rail: not in the CBP wait-time feed"),
    ("tx-el-paso-bota", "240201", "2402", "El Paso", "Bridge of the Americas (BOTA)", "TX", TX_MOUNTAIN, (P, PED, COM), "port", "txdot:ELP-ELP-BRID", ""),
    ("tx-el-paso-pdn", "240202", "2402", "El Paso", "Paso Del Norte (PDN)", "TX", TX_MOUNTAIN, (P, PED), "port", "txdot:ELP-ELP-PASO", ""),
    ("tx-el-paso-stanton", "240204", "2402", "El Paso", "Stanton DCL", "TX", TX_MOUNTAIN, (P, PED), "port", "txdot:ELP-ELP-GOOD",
     "Good Neighbor (Stanton Street) Bridge"),
    ("tx-el-paso-ysleta", "240203", "2401", "El Paso", "Ysleta", "TX", TX_MOUNTAIN, (P, PED, COM), "port", "txdot:ELP-YSL-YSLE",
     "BTS counts Ysleta as its own port 2401 only from 2020-03; before that under El Paso 2402"),
    ("tx-el-paso-bnsf-rail", "", "2402", "El Paso", "BNSF Rail Bridge", "TX", TX_MOUNTAIN, (RAIL,), "rail", "txdot:ELP-ELP-ELPA-BNSF",
     "rail: not in the CBP wait-time feed"),
    ("tx-el-paso-up-rail", "", "2402", "El Paso", "Union Pacific Rail Bridge", "TX", TX_MOUNTAIN, (RAIL,), "rail", "txdot:ELP-ELP-ELPA-UP",
     "rail: not in the CBP wait-time feed"),
    ("tx-tornillo", "240401", "2404", "Fabens", "Tornillo", "TX", TX_MOUNTAIN, (P, PED), "port", "txdot:ELP-TOR-MARC",
     "Marcelino Serna (Tornillo-Guadalupe) Bridge"),
    ("tx-fort-hancock", "l24501", "2404", "Fort Hancock", "Fort Hancock", "TX", TX_MOUNTAIN, (P,), "port", "txdot:ELP-TOR-FORT",
     "feed id starts with a lower-case L; TxDOT lists it under the Marcelino Serna (Tornillo) port, so BTS 2404"),
    ("tx-fort-hancock-legacy", "240403", "2404", "FT HANCOCK", "", "TX", TX_MOUNTAIN, (P, PED), "port", "txdot:ELP-TOR-FORT",
     "second feed entry for Fort Hancock (6-digit id 240403); same bridge as l24501"),
    ("tx-presidio", "240301", "2403", "Presidio", "", "TX", TX_CENTRAL, (P, COM), "port", "txdot:ELP-PSD-PRES",
     "Presidio County keeps Central time"),
    ("tx-boquillas", "", "2410", "Boquillas", "", "TX", TX_CENTRAL, (PED,), "port", "txdot:ELP-BOQ-BOQU",
     "Big Bend National Park; not in the CBP wait-time feed"),
    ("tx-hidalgo-anzalduas", "230503", "2305", "Hidalgo/Pharr", "Anzalduas International Bridge", "TX", TX_CENTRAL, (P,), "port", "txdot:RGV-HID-ANZA", ""),
    ("tx-hidalgo", "230501", "2305", "Hidalgo/Pharr", "Hidalgo", "TX", TX_CENTRAL, (P, PED), "port", "txdot:RGV-HID-MCAL",
     "McAllen-Hidalgo International Bridge"),
    ("tx-pharr", "230502", "2305", "Hidalgo/Pharr", "Pharr", "TX", TX_CENTRAL, (P, COM), "port", "txdot:RGV-HID-PHAR", ""),
    ("tx-laredo-bridge-1", "230401", "2304", "Laredo", "Bridge I", "TX", TX_CENTRAL, (P, PED), "port", "txdot:LRD-LRD-GTAB",
     "Gateway to the Americas Bridge"),
    ("tx-laredo-bridge-2", "230402", "2304", "Laredo", "Bridge II", "TX", TX_CENTRAL, (P,), "port", "txdot:LRD-LRD-JUAR",
     "Juarez-Lincoln International Bridge"),
    ("tx-laredo-colombia", "230403", "2304", "Laredo", "Colombia Solidarity", "TX", TX_CENTRAL, (P, COM), "port", "txdot:LRD-LRD-COLO", ""),
    ("tx-laredo-world-trade", "230404", "2304", "Laredo", "World Trade Bridge", "TX", TX_CENTRAL, (COM,), "port", "txdot:LRD-LRD-WORL", ""),
    ("tx-laredo-rail", "", "2304", "Laredo", "CPKC Rail Bridge", "TX", TX_CENTRAL, (RAIL,), "rail", "txdot:LRD-LRD-CANA",
     "rail: not in the CBP wait-time feed"),
    ("tx-progreso-donna", "230902", "2309", "Progreso", "Donna International Bridge", "TX", TX_CENTRAL, (P, PED), "port", "txdot:RGV-PRG-DONN", ""),
    ("tx-progreso", "230901", "2309", "Progreso", "Progreso International Bridge", "TX", TX_CENTRAL, (P, PED, COM), "port", "txdot:RGV-PRG-PROG", ""),
    ("tx-rio-grande-city", "230701", "2307", "Rio Grande City", "", "TX", TX_CENTRAL, (P, COM), "port", "txdot:RGV-RGC-STAR",
     "Starr-Camargo Bridge"),
    ("tx-los-ebanos-ferry", "", "2307", "Rio Grande City", "Los Ebanos Ferry", "TX", TX_CENTRAL, (P, PED), "ferry", "txdot:RGV-RGC-LOSE",
     "not in the CBP wait-time feed"),
    ("tx-roma", "231001", "2310", "Roma", "", "TX", TX_CENTRAL, (P, COM), "port", "txdot:RGV-ROM-ROMA", ""),
    ("tx-roma-falcon-dam", "", "2310", "Roma", "Falcon Dam", "TX", TX_CENTRAL, (P,), "dam", "txdot:RGV-ROM-LAKF",
     "not in the CBP wait-time feed"),
]


def main() -> int:
    txdot = {r["Code"]: r for r in csv.DictReader(open(SHARED / "bts/txdot_unt_tx_mx_crossings_coordinates.csv", encoding="utf-8-sig"))}
    bts = {r["Port Code"]: r for r in csv.DictReader(open(SHARED / "bts/bts_us_mexico_port_coordinates.csv"))}
    out = ROOT / "data" / "crossings.csv"
    fields = ["crossing_id", "port_number", "bts_port_code", "port_name", "crossing_name", "state", "lat", "lon",
              "tz", "modes", "kind", "in_cbp_feed", "coord_source", "notes"]
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for cid, pn, code, pname, cname, st, tz, modes, kind, ck, notes in ROWS:
            src, _, val = ck.partition(":")
            if src == "txdot":
                r = txdot[val]
                lat, lon, csrc = float(r["Lat"]), float(r["Lon"]), f"TxDOT/UNT crossing {val} ({r['Border Crossing Name']})"
            elif src == "bts":
                r = bts[val]
                lat, lon, csrc = float(r["Latitude"]), float(r["Longitude"]), f"BTS port point {val} (port level)"
            else:
                ll, _, csrc = val.partition(":")
                lat, lon = (float(x) for x in ll.split(","))
            w.writerow(dict(crossing_id=cid, port_number=pn, bts_port_code=code, port_name=pname, crossing_name=cname,
                            state=st, lat=f"{lat:.6f}", lon=f"{lon:.6f}", tz=tz, modes=";".join(modes), kind=kind,
                            in_cbp_feed="true" if pn else "false", coord_source=csrc, notes=notes))
    print(f"wrote {out} ({len(ROWS)} crossings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
