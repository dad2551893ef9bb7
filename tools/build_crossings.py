"""Maintainer tool: (re)build data/crossings.csv and data/crossing_evidence.csv from ../shared/data.

Run from the repo root: ``python tools/build_crossings.py``. Reads ../shared (never at run time);
``tests/test_crossings.py`` rebuilds both files in memory and compares them with the checked-in ones.

Coordinates: Texas bridges from the TxDOT/UNT table (bridge level); Arizona and California from the
crossing-level table ``crossings/az_ca_crossing_coordinates.csv`` (GSA IOLP building points, BTS port points
for Cross Border Xpress and Calexico East). Morley Gate has no public point of its own (GSA's record reuses
DeConcini's geocode): it is drawn at DeConcini's point and flagged ``coord_approximate``.

Modes come from evidence, never from a hand-written list (:func:`derive_modes`), over 2022-01 .. 2024-12:

* counts -- Texas: the TxDOT/UNT **bridge** counts; Arizona/California: the BTS **port** counts. A measure
  is evidence for a mode when it has a count above 0 in at least ``MIN_MONTHS`` months
  (Personal Vehicles / Buses / their passengers -> passenger, Pedestrians -> pedestrian,
  Trucks / truck containers -> commercial, Trains / Railcars / rail containers -> rail);
* the CBP feed of 2022-06-29: a mode's lane maximum (``maximum_lanes``) and whether any lane of it gave a
  working reading (``no delay`` / ``delay``).

A crossing has a mode when its counts show it, or when the feed gave a working reading for it. Where a BTS
port has several crossings (Nogales, San Luis, Otay Mesa, San Ysidro + PedWest) the port's counts cannot tell
them apart: a crossing then has a mode when the port's counts show it *and* the feed lists lanes of that mode
for the crossing. Rail counts of a port go to its rail crossing only (a road crossing never gets rail from a
port total). Feed entries that duplicate a real crossing (``DUPLICATES``) keep their rows (the feed still
sends them and their ids must resolve) with ``duplicate_of`` set: they are never drawn or counted.

Rail crossings the counts show but no public source places (Nogales, Calexico, San Diego-Tijuana) are in
``UNPLACED``: recorded in the evidence file (crossing_id, with ``placed`` false), not in crossings.csv.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

TX_CENTRAL, TX_MOUNTAIN = "America/Chicago", "America/Denver"
AZ, CA = "America/Phoenix", "America/Los_Angeles"
P, PED, COM, RAIL = "passenger", "pedestrian", "commercial", "rail"
MODE_ORDER = (P, PED, COM, RAIL)

#: The evidence window and the months a measure must have counts in to count as evidence.
FIRST, LAST = "2022-01-01", "2024-12-01"
MIN_MONTHS = 3
FEED_FILE = "cbp/bwtnew_2022-06-29.json"
FEED_LABEL = "CBP feed 2022-06-29"
WORKING = ("no delay", "delay")

#: BTS measures -> the mode they are evidence for.
BTS_MODES = {
    "Personal Vehicles": P, "Personal Vehicle Passengers": P, "Buses": P, "Bus Passengers": P,
    "Pedestrians": PED, "Trucks": COM, "Truck Containers Loaded": COM, "Truck Containers Empty": COM,
    "Trains": RAIL, "Train Passengers": RAIL, "Rail Containers Loaded": RAIL, "Rail Containers Empty": RAIL,
}

#: Feed entries that duplicate a real crossing (always "Update Pending"): crossing_id -> the real one.
DUPLICATES = {"tx-brownsville-gateway-legacy": "tx-brownsville-gateway", "tx-fort-hancock-legacy": "tx-fort-hancock"}

#: Rail crossings that BTS port counts show but that no public source places: (crossing_id, name, port).
UNPLACED = [
    ("az-nogales-rail", "Nogales rail crossing (Union Pacific)", "2604"),
    ("ca-calexico-rail", "Calexico rail crossing (Union Pacific)", "2507"),
    ("ca-san-diego-tijuana-rail", "San Diego-Tijuana rail crossing (San Diego & Imperial Valley)", "2506"),
]

# crossing_id, port_number, bts_port_code, port_name, crossing_name, state, tz, kind, coord key, notes
# coord key: "txdot:<Code>" (TxDOT/UNT bridge table) | "azca:<name>" (shared AZ/CA crossing table) |
#            "azca:approx:<name>" (no public point: drawn at <name>'s point, flagged approximate)
# Modes are not listed here: they come from the evidence (see derive_modes).
ROWS = [
    # --- Arizona (crossing-level points: GSA IOLP buildings, see ../shared/data/crossings/) ---
    ("az-douglas", "260101", "2601", "Douglas", "Raul Hector Castro", "AZ", AZ, "port", "azca:Douglas (Raul Hector Castro)", ""),
    ("az-lukeville", "260201", "2602", "Lukeville", "", "AZ", AZ, "port", "azca:Lukeville", ""),
    ("az-naco", "260301", "2603", "Naco", "", "AZ", AZ, "port", "azca:Naco", ""),
    ("az-nogales-deconcini", "260401", "2604", "Nogales", "DeConcini", "AZ", AZ, "port", "azca:Nogales DeConcini",
     ""),
    ("az-nogales-mariposa", "260402", "2604", "Nogales", "Mariposa", "AZ", AZ, "port", "azca:Nogales Mariposa",
     ""),
    ("az-nogales-morley-gate", "260403", "2604", "Nogales", "Morley Gate", "AZ", AZ, "port", "azca:approx:Nogales DeConcini",
     ""),
    ("az-san-luis-1", "260801", "2608", "San Luis", "San Luis I", "AZ", AZ, "port", "azca:San Luis I",
     ""),
    ("az-san-luis-2", "260802", "2608", "San Luis", "San Luis II", "AZ", AZ, "port", "azca:San Luis II",
     ""),
    ("az-sasabe", "", "2606", "Sasabe", "", "AZ", AZ, "port", "azca:Sasabe",
     "not in the CBP wait-time feed"),
    # --- California ---
    ("ca-andrade", "250201", "2502", "Andrade", "", "CA", CA, "port", "azca:Andrade", ""),
    ("ca-calexico-east", "250301", "2507", "Calexico", "East", "CA", CA, "port", "azca:Calexico East", ""),
    ("ca-calexico-west", "250302", "2503", "Calexico", "West", "CA", CA, "port",
     "azca:Calexico West", ""),
    ("ca-otay-mesa-commercial", "250602", "2506", "Otay Mesa", "Commercial", "CA", CA, "port", "azca:Otay Mesa commercial",
     ""),
    ("ca-otay-mesa-passenger", "250601", "2506", "Otay Mesa", "Passenger", "CA", CA, "port", "azca:Otay Mesa passenger",
     ""),
    ("ca-san-ysidro", "250401", "2504", "San Ysidro", "", "CA", CA, "port", "azca:San Ysidro", ""),
    ("ca-san-ysidro-pedwest", "250407", "2504", "San Ysidro", "PedWest", "CA", CA, "port", "azca:San Ysidro PedWest",
     ""),
    ("ca-cross-border-xpress", "250409", "2582", "San Ysidro", "Cross Border Express", "CA", CA, "port",
     "azca:Cross Border Xpress", "BTS port 2582 'Cross Border Xpress' (from 2017-10)"),
    ("ca-tecate", "250501", "2505", "Tecate", "", "CA", CA, "port", "azca:Tecate", ""),
    # --- Texas (TxDOT/UNT bridge coordinates) ---
    ("tx-brownsville-bm", "535501", "2301", "Brownsville", "B&M", "TX", TX_CENTRAL, "port", "txdot:RGV-BRW-BROW", ""),
    ("tx-brownsville-gateway", "535504", "2301", "Brownsville", "Gateway", "TX", TX_CENTRAL, "port", "txdot:RGV-BRW-GATE", ""),
    ("tx-brownsville-gateway-legacy", "230103", "2301", "Gateway", "", "TX", TX_CENTRAL, "port", "txdot:RGV-BRW-GATE",
     "second feed entry for Brownsville Gateway under port 2301 (6-digit id 230103); same bridge as 535504"),
    ("tx-brownsville-los-indios", "535503", "2301", "Brownsville", "Los Indios", "TX", TX_CENTRAL, "port", "txdot:RGV-BRW-FREE", ""),
    ("tx-brownsville-veterans", "535502", "2301", "Brownsville", "Veterans International", "TX", TX_CENTRAL, "port", "txdot:RGV-BRW-VETE", ""),
    ("tx-brownsville-west-rail", "", "2301", "Brownsville", "West Rail Bridge", "TX", TX_CENTRAL, "rail", "txdot:RGV-BRW-WEST",
     "rail: not in the CBP wait-time feed"),
    ("tx-del-rio", "230201", "2302", "Del Rio", "", "TX", TX_CENTRAL, "port", "txdot:LRD-DLR-DELR", ""),
    ("tx-del-rio-amistad-dam", "", "2302", "Del Rio", "Lake Amistad Dam", "TX", TX_CENTRAL, "dam", "txdot:LRD-DLR-LAKA",
     "not in the CBP wait-time feed"),
    ("tx-eagle-pass-bridge-1", "230301", "2303", "Eagle Pass", "Bridge I", "TX", TX_CENTRAL, "port", "txdot:LRD-EGP-EAGL",
     "Eagle Pass International Bridge"),
    ("tx-eagle-pass-bridge-2", "230302", "2303", "Eagle Pass", "Bridge II", "TX", TX_CENTRAL, "port", "txdot:LRD-EGP-CAMI",
     "Camino Real International Bridge"),
    ("tx-eagle-pass-rail", "", "2303", "Eagle Pass", "Union Pacific Rail Bridge", "TX", TX_CENTRAL, "rail", "txdot:LRD-EGP-UNIO",
     "rail: not in the CBP wait-time feed"),
    ("tx-el-paso-bota", "240201", "2402", "El Paso", "Bridge of the Americas (BOTA)", "TX", TX_MOUNTAIN, "port", "txdot:ELP-ELP-BRID", ""),
    ("tx-el-paso-pdn", "240202", "2402", "El Paso", "Paso Del Norte (PDN)", "TX", TX_MOUNTAIN, "port", "txdot:ELP-ELP-PASO", ""),
    ("tx-el-paso-stanton", "240204", "2402", "El Paso", "Stanton DCL", "TX", TX_MOUNTAIN, "port", "txdot:ELP-ELP-GOOD",
     "Good Neighbor (Stanton Street) Bridge"),
    ("tx-el-paso-ysleta", "240203", "2401", "El Paso", "Ysleta", "TX", TX_MOUNTAIN, "port", "txdot:ELP-YSL-YSLE",
     "BTS counts Ysleta as its own port 2401 only from 2020-03; before that under El Paso 2402"),
    ("tx-el-paso-bnsf-rail", "", "2402", "El Paso", "BNSF Rail Bridge", "TX", TX_MOUNTAIN, "rail", "txdot:ELP-ELP-ELPA-BNSF",
     "rail: not in the CBP wait-time feed"),
    ("tx-el-paso-up-rail", "", "2402", "El Paso", "Union Pacific Rail Bridge", "TX", TX_MOUNTAIN, "rail", "txdot:ELP-ELP-ELPA-UP",
     "rail: not in the CBP wait-time feed"),
    ("tx-tornillo", "240401", "2404", "Fabens", "Tornillo", "TX", TX_MOUNTAIN, "port", "txdot:ELP-TOR-MARC",
     "Marcelino Serna (Tornillo-Guadalupe) Bridge"),
    ("tx-fort-hancock", "l24501", "2404", "Fort Hancock", "Fort Hancock", "TX", TX_MOUNTAIN, "port", "txdot:ELP-TOR-FORT",
     "feed id starts with a lower-case L; TxDOT lists it under the Marcelino Serna (Tornillo) port, so BTS 2404"),
    ("tx-fort-hancock-legacy", "240403", "2404", "FT HANCOCK", "", "TX", TX_MOUNTAIN, "port", "txdot:ELP-TOR-FORT",
     "second feed entry for Fort Hancock (6-digit id 240403); same bridge as l24501"),
    ("tx-presidio", "240301", "2403", "Presidio", "", "TX", TX_CENTRAL, "port", "txdot:ELP-PSD-PRES",
     "Presidio County keeps Central time"),
    ("tx-boquillas", "", "2410", "Boquillas", "", "TX", TX_CENTRAL, "port", "txdot:ELP-BOQ-BOQU",
     "Big Bend National Park; not in the CBP wait-time feed"),
    ("tx-hidalgo-anzalduas", "230503", "2305", "Hidalgo/Pharr", "Anzalduas International Bridge", "TX", TX_CENTRAL, "port", "txdot:RGV-HID-ANZA", ""),
    ("tx-hidalgo", "230501", "2305", "Hidalgo/Pharr", "Hidalgo", "TX", TX_CENTRAL, "port", "txdot:RGV-HID-MCAL",
     "McAllen-Hidalgo International Bridge"),
    ("tx-pharr", "230502", "2305", "Hidalgo/Pharr", "Pharr", "TX", TX_CENTRAL, "port", "txdot:RGV-HID-PHAR", ""),
    ("tx-laredo-bridge-1", "230401", "2304", "Laredo", "Bridge I", "TX", TX_CENTRAL, "port", "txdot:LRD-LRD-GTAB",
     "Gateway to the Americas Bridge"),
    ("tx-laredo-bridge-2", "230402", "2304", "Laredo", "Bridge II", "TX", TX_CENTRAL, "port", "txdot:LRD-LRD-JUAR",
     "Juarez-Lincoln International Bridge"),
    ("tx-laredo-colombia", "230403", "2304", "Laredo", "Colombia Solidarity", "TX", TX_CENTRAL, "port", "txdot:LRD-LRD-COLO", ""),
    ("tx-laredo-world-trade", "230404", "2304", "Laredo", "World Trade Bridge", "TX", TX_CENTRAL, "port", "txdot:LRD-LRD-WORL", ""),
    ("tx-laredo-rail", "", "2304", "Laredo", "CPKC Rail Bridge", "TX", TX_CENTRAL, "rail", "txdot:LRD-LRD-CANA",
     "rail: not in the CBP wait-time feed"),
    ("tx-progreso-donna", "230902", "2309", "Progreso", "Donna International Bridge", "TX", TX_CENTRAL, "port", "txdot:RGV-PRG-DONN", ""),
    ("tx-progreso", "230901", "2309", "Progreso", "Progreso International Bridge", "TX", TX_CENTRAL, "port", "txdot:RGV-PRG-PROG", ""),
    ("tx-rio-grande-city", "230701", "2307", "Rio Grande City", "", "TX", TX_CENTRAL, "port", "txdot:RGV-RGC-STAR",
     "Starr-Camargo Bridge"),
    ("tx-los-ebanos-ferry", "", "2307", "Rio Grande City", "Los Ebanos Ferry", "TX", TX_CENTRAL, "ferry", "txdot:RGV-RGC-LOSE",
     "not in the CBP wait-time feed"),
    ("tx-roma", "231001", "2310", "Roma", "", "TX", TX_CENTRAL, "port", "txdot:RGV-ROM-ROMA", ""),
    ("tx-roma-falcon-dam", "", "2310", "Roma", "Falcon Dam", "TX", TX_CENTRAL, "dam", "txdot:RGV-ROM-LAKF",
     "not in the CBP wait-time feed"),
]


FIELDS = ["crossing_id", "port_number", "bts_port_code", "port_name", "crossing_name", "state", "lat", "lon",
          "tz", "modes", "kind", "in_cbp_feed", "coord_source", "coord_approximate", "duplicate_of", "notes"]
EVIDENCE_FIELDS = ["crossing_id", "mode", "source", "measure", "months_with_counts", "months_listed", "total",
                   "lane_max", "feed_readings", "placed"]


def _load_inputs():
    """The raw evidence, read with the project's own loaders."""
    from loaders.bts import read_bts
    from loaders.cbp import read_cbp
    from loaders.txdot import read_txdot

    zones = {r[1]: (r[5], r[6]) for r in ROWS if r[1]}
    waits = read_cbp(SHARED / FEED_FILE, zones=zones)
    bts = read_bts(SHARED / "bts/bts_us_mexico_tx_az_ca_2018-01_to_2025-02.csv")
    txdot = read_txdot(SHARED / "bts/txdot_unt_cbp_tx_monthly_crossings_2008_2025.csv")
    return waits, bts, txdot


def _evidence(mode: str, source: str, measure: str, **values) -> dict:
    """One evidence row: the EVIDENCE_FIELDS a source gives (counts, or lanes), the others blank."""
    blank = dict.fromkeys(("months_with_counts", "months_listed", "total", "lane_max", "feed_readings"), "")
    return {"mode": mode, "source": source, "measure": measure, **blank, **values}


def _placed(cid: str, rows: list[dict], placed: bool) -> list[dict]:
    """Evidence rows of crossing ``cid`` as written to crossing_evidence.csv."""
    return [{"crossing_id": cid, **r, "placed": "true" if placed else "false"} for r in rows]


def _count_rows(frame, key_col, key, measure_modes, source):
    """Evidence rows of one crossing / port from a counts frame within the window."""
    import pandas as pd
    f = frame[(frame[key_col] == key) & (frame["month"] >= pd.Timestamp(FIRST)) & (frame["month"] <= pd.Timestamp(LAST))]
    return [_evidence(measure_modes[measure], source, str(measure),
                      months_with_counts=int((g["value"].fillna(0) > 0).sum()),
                      months_listed=int(g["value"].notna().sum()), total=int(g["value"].sum()))
            for measure, g in f.groupby("measure", sort=True)]


def _feed_rows(waits, port_number):
    out = []
    w = waits[waits["port_number"] == port_number]
    for mode, g in w.groupby("mode", sort=True):
        mx = g["max_lanes"].dropna()
        readings = sorted(set(g["operational_status"].dropna().astype(str)) - {"N/A"})
        if mx.empty and not readings:
            continue
        out.append(_evidence(str(mode), FEED_LABEL, f"{mode} lanes", lane_max="" if mx.empty else int(mx.max()),
                             feed_readings=";".join(readings)))
    return out


def _supports(r) -> bool:
    return r["months_with_counts"] != "" and r["months_with_counts"] >= MIN_MONTHS


def derive_modes(ev: list[dict], *, shared_port: bool, rail_kind: bool) -> tuple[str, ...]:
    """Modes of one crossing from its evidence rows (see the module docstring)."""
    counted = {r["mode"] for r in ev if _supports(r)}
    feed_lanes = {r["mode"] for r in ev if r["source"] == FEED_LABEL and r["lane_max"] not in ("", 0)}
    working = {r["mode"] for r in ev if r["source"] == FEED_LABEL
               and any(x in WORKING for x in r["feed_readings"].split(";"))}
    port_level = any(r["source"].startswith("BTS port") for r in ev)
    if rail_kind:
        counted &= {RAIL}
    elif port_level:
        counted -= {RAIL}  # a port's rail counts belong to its rail crossing
    modes = (counted & feed_lanes if shared_port else counted) | working
    return tuple(m for m in MODE_ORDER if m in modes)


def build() -> tuple[str, str]:
    """(crossings.csv text, crossing_evidence.csv text), built from ../shared."""
    from collections import Counter

    from loaders.txdot import crossing_codes, crossing_series

    waits, bts, txdot = _load_inputs()
    txdot_coords = {r["Code"]: r for r in csv.DictReader(open(SHARED / "bts/txdot_unt_tx_mx_crossings_coordinates.csv", encoding="utf-8-sig"))}
    azca = {r["name"]: r for r in csv.DictReader(open(SHARED / "crossings/az_ca_crossing_coordinates.csv", encoding="utf-8"))}
    codes = crossing_codes()
    port_members = Counter(r[2] for r in ROWS if r[0] not in DUPLICATES and r[7] == "port")
    names = {r[0]: (r[3] + (" " + r[4] if r[4] else "")) for r in ROWS}

    crossings_out, evidence_out, modes_of = [], [], {}
    for cid, pn, code, pname, cname, st, tz, kind, ck, notes in ROWS:
        if cid in DUPLICATES:
            continue
        ev = []
        if cid in codes:
            tx_code = codes[cid]
            series = crossing_series(txdot, cid)
            covers = series["covers"].iloc[0].split(";") if len(series) else [cid]
            src = f"TxDOT/UNT bridge counts {tx_code}" + (" (one count for " + " + ".join(names[c] for c in covers) + ")"
                                                       if len(covers) > 1 else "")
            ev += _count_rows(series, "crossing_id", series["crossing_id"].iloc[0] if len(series) else cid,
                              {m: mm for m, mm in _txdot_modes().items()}, src)
        else:
            members = port_members[code]
            src = f"BTS port {code} counts" + (f" (port total of {members} crossings)" if members > 1 else "")
            ev += _count_rows(bts, "port_code", code, BTS_MODES, src)
        if pn:
            ev += _feed_rows(waits, pn)
        modes = derive_modes(ev, shared_port=(cid not in codes and port_members[code] > 1), rail_kind=(kind == "rail"))
        if not modes:
            raise SystemExit(f"{cid}: no evidence for any mode")
        modes_of[cid] = modes
        evidence_out += _placed(cid, ev, True)
        crossings_out.append(_crossing_row(cid, pn, code, pname, cname, st, tz, kind, ck, notes, modes, ev,
                                           txdot_coords, azca))
    for dup, real in DUPLICATES.items():
        row = next(r for r in ROWS if r[0] == dup)
        cid, pn, code, pname, cname, st, tz, kind, ck, notes = row
        evidence_out += _placed(cid, _feed_rows(waits, pn), True)
        out = _crossing_row(cid, pn, code, pname, cname, st, tz, kind, ck, notes, modes_of[real], [], txdot_coords, azca)
        out["duplicate_of"] = real
        crossings_out.append(out)
    for cid, name, code in UNPLACED:
        rows = _count_rows(bts, "port_code", code, BTS_MODES, f"BTS port {code} counts (port total)")
        evidence_out += _placed(cid, [r for r in rows if r["mode"] == RAIL], False)
    order = {r[0]: i for i, r in enumerate(ROWS)}
    crossings_out.sort(key=lambda r: order[r["crossing_id"]])
    return _csv(crossings_out, FIELDS), _csv(evidence_out, EVIDENCE_FIELDS)


def _txdot_modes() -> dict[str, str]:
    from loaders.txdot import MEASURE_MODES
    return dict(MEASURE_MODES)


def _crossing_row(cid, pn, code, pname, cname, st, tz, kind, ck, notes, modes, ev, txdot_coords, azca) -> dict:
    src, _, val = ck.partition(":")
    approx = False
    if src == "txdot":
        r = txdot_coords[val]
        lat, lon, csrc = float(r["Lat"]), float(r["Lon"]), f"TxDOT/UNT crossing {val} ({r['Border Crossing Name']})"
    elif src == "azca":
        approx = val.startswith("approx:")
        name = val.removeprefix("approx:")
        r = azca[name]
        lat, lon = float(r["lat"]), float(r["lon"])
        csrc = f"{r['source']} {r['source_id']} ({name})"
        if approx:
            csrc = (f"approximate: no public point of its own (GSA IOLP AZ0553 reuses DeConcini's geocode); drawn at "
                    f"{name}'s point, {r['source']} {r['source_id']}")
    else:
        raise SystemExit(f"{cid}: unknown coordinate key {ck!r}")
    notes = [notes] if notes else []
    feed_modes = {r["mode"] for r in ev if r["source"] == FEED_LABEL and r["lane_max"] not in ("", 0)}
    added = [m for m in modes if m != RAIL and m not in feed_modes and pn]
    dropped = sorted(feed_modes - set(modes), key=MODE_ORDER.index)
    if added:
        notes.append(f"{', '.join(added)} from counts (the 2022 feed lists no such lanes)")
    if dropped:
        notes.append(f"no {', '.join(dropped)} counts 2022-2024 and no working {', '.join(dropped)} lane in the "
                     "2022 feed: not a mode")
    return dict(crossing_id=cid, port_number=pn, bts_port_code=code, port_name=pname, crossing_name=cname,
                state=st, lat=f"{lat:.6f}", lon=f"{lon:.6f}", tz=tz, modes=";".join(modes), kind=kind,
                in_cbp_feed="true" if pn else "false", coord_source=csrc,
                coord_approximate="true" if approx else "false", duplicate_of="", notes="; ".join(notes))


def _csv(rows: list[dict], fields: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def main() -> int:
    crossings, evidence = build()
    (ROOT / "data" / "crossings.csv").write_text(crossings, encoding="utf-8")
    (ROOT / "data" / "crossing_evidence.csv").write_text(evidence, encoding="utf-8")
    print(f"wrote data/crossings.csv ({crossings.count(chr(10)) - 1} crossings) and data/crossing_evidence.csv "
          f"({evidence.count(chr(10)) - 1} evidence rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
