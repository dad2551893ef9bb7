"""Maintainer tool: build the embedded snapshot in data/ from the real captures in ../shared/data.

    python tools/build_snapshot.py                 # copy the CBP capture, rebuild BTS parquet, write manifest
    python tools/build_snapshot.py --manifest-only # after editing data/events.csv or data/crossings.csv

Only this tool reads ../shared; the app never does.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


SHARED = ROOT.parent / "shared" / "data"
DATA = ROOT / "data"

CBP_FILE = "cbp/bwtnew_2022-06-29.json"
CBP_AS_OF = "2022-06-29T17:25:15+00:00"  # the capture's HTTP Date header
BTS_FILE = "bts_volumes_tx_az_ca.parquet"
TXDOT_FILE = "txdot_unt_bridge_volumes_tx.parquet"  # = loaders.txdot.FILENAME
TXDOT_RAW = "bts/txdot_unt_cbp_tx_monthly_crossings_2008_2025.csv"
HISTORY_FILE = "history/readings.parquet"  # = history.embedded.EMBEDDED_FILE
TYPICAL_FILE = "cbp/historicalwaittimes_09250401_san_ysidro_POV.csv"  # = loaders.cbp_typical.EMBEDDED_FILE
TYPICAL_RAW = "cbp/historicalwaittimes_09250401_san_ysidro_POV_2021-01.csv"

FILES = [
    {
        "role": "cbp", "path": CBP_FILE, "format": "json",
        "title": "CBP Border Wait Times feed",
        "source_url": "https://bwt.cbp.gov/api/bwtnew",
        "as_of": CBP_AS_OF,
        "provenance": "full GET of https://bwt.cbp.gov/api/bwtnew, HTTP Date 2022-06-29 17:25:15 GMT; "
                      "copied from WSDOT-GIS/border-crossings @ 9d51bfbe, samples/currentBorderCrossings.json",
        "license": "U.S. government work, public domain",
    },
    {
        "role": "bts", "path": BTS_FILE, "format": "parquet",
        "title": "BTS Border Crossing Entry Data (monthly inbound counts), US-Mexico border, TX/AZ/CA",
        "source_url": "https://data.bts.gov/resource/keg4-3bc2.json",
        "provenance": "complete BTS data set Jan 1996 - Feb 2025 (399,406 rows), copied from "
                      "ankan00V/MLflow-border-crossing-MLops @ 8dc5c26b, Border_Crossing_Entry_Data.csv; "
                      "filtered to US-Mexico Border and Texas/Arizona/California by tools/build_snapshot.py",
        "license": "U.S. government work, public domain",
    },
    {
        "role": "txdot", "path": TXDOT_FILE, "format": "parquet",
        "title": "TxDOT/UNT bridge-level northbound counts, Texas-Mexico crossings (monthly, per bridge)",
        "source_url": "https://github.com/unt-clscm/CBP-Border-Crossings/blob/b36585a/"
                      "03-Processed-Data/csv/monthly_crossings_2008_2025.csv",
        "provenance": "CBP El Paso and Laredo field-office traffic reports compiled by UNT for TxDOT, "
                      "2008-01 - 2025-12 (34,090 rows), copied from unt-clscm/CBP-Border-Crossings @ b36585a, "
                      "03-Processed-Data/csv/monthly_crossings_2008_2025.csv; parsed and mapped onto "
                      "crossing_ids by loaders/txdot.py (tools/build_snapshot.py)",
        "license": "compiled from U.S. government (CBP) figures",
    },
    {
        "role": "history", "path": HISTORY_FILE, "format": "parquet",
        "title": "Wait-time history built from real archives (readings; SANDAG daily averages as their own measure)",
        "source_url": "https://bwt.cbp.gov/api/bwtnew",
        "provenance": "history.embedded.build_embedded (tools/build_snapshot.py) imports, from ../shared/data/history: "
                      "cbp_sd_2026-08-25_to_2026-10-11.ndjson.gz (CBP XML-feed observations of San Ysidro, Otay Mesa, "
                      "Tecate by MidnightProject-MP/BorderWaitTimes, data/cbp/*.ndjson; source cbp-sd-archive); "
                      "garitas_cbp_changelog_2026-08-19_to_2026-08-22.csv (change log of the CBP feed, every "
                      "crossing, 57 captures, joaqinmymind-byte/garitas @ aaf61ea0 datos/2026-08.csv; carried "
                      "forward; source garitas-changelog); brownsville_rss_2026-08/*.xml (424 versions of CBP's "
                      "Brownsville RSS, EliseoCab/brownsville-wait-times up to c4dd45fb; source brownsville-rss); "
                      "sandag_daily_waits_2023-01_to_2026-08_calexico_east_tecate_andrade.csv (SANDAG daily "
                      "averages, Socrata 5tga-nezt, relayed by joaqinmymind-byte/garitas historico/sandag.csv; "
                      "measure daily_average, source sandag-daily); exported with every revision",
        "license": "CBP and SANDAG figures (U.S. / California public agencies); archives as published by their repositories",
    },
    {
        "role": "cbp_typical", "path": TYPICAL_FILE, "format": "csv",
        "title": "CBP typical waits (historicalwaittimes: previous-year averages), San Ysidro, months 1-12",
        "source_url": "https://bwt.cbp.gov/api/historicalwaittimes/09250401/POV/GEN/{month}/7",
        "provenance": "copied from deohs/coders @ e89b985f, demos/data_import/border-wait-time/data/syR-hist.csv "
                      "(CBP's numbers; the API's time_slot renamed bwt_hour); read by loaders/cbp_typical.py",
        "license": "U.S. government work (the numbers); the file's folder is GPL-3.0",
    },
    {
        "role": "crossings", "path": "crossings.csv", "format": "csv",
        "title": "Crossings reference (project-curated)",
        "provenance": "tools/build_crossings.py: Texas bridge coordinates from TxDOT/UNT (unt-clscm/CBP-Border-"
                      "Crossings @ 8ddf7a38); Arizona/California crossing-level points from GSA IOLP buildings "
                      "2025-06-20 (liampotts/Asset-Atlas @ 7caa0e04) and BTS port points (Cross Border Xpress, "
                      "Calexico East); modes from the evidence in crossing_evidence.csv",
    },
    {
        "role": "crossing_evidence", "path": "crossing_evidence.csv", "format": "csv",
        "title": "Evidence behind each crossing's modes (counts 2022-2024 and the 2022 feed's lanes)",
        "provenance": "tools/build_crossings.py from TxDOT/UNT bridge counts (unt-clscm/CBP-Border-Crossings "
                      "@ b36585a), BTS port counts (keg4-3bc2) and the CBP feed of 2022-06-29",
    },
    {
        "role": "events", "path": "events.csv", "format": "csv",
        "title": "Closure and policy events (project-curated registry, each with sources)",
        "provenance": "hand-curated; see data/EVENTS.md",
    },
]


def build_data() -> None:
    from loaders.bts import filter_volumes, read_bts, write_volumes_parquet
    (DATA / "cbp").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SHARED / "cbp/bwtnew_2022-06-29.json", DATA / CBP_FILE)
    full = read_bts(SHARED / "bts/Border_Crossing_Entry_Data_1996-01_to_2025-02.csv.gz")
    vol = filter_volumes(full, states=("TX", "AZ", "CA"))
    vol = vol[vol["border"] == "US-Mexico Border"]
    write_volumes_parquet(vol, DATA / BTS_FILE)
    from loaders.txdot import read_txdot, write_bridge_parquet
    write_bridge_parquet(read_txdot(SHARED / TXDOT_RAW), DATA / TXDOT_FILE)
    build_history()


def build_history() -> dict:
    """The embedded wait-time history (data/history/readings.parquet) and CBP's typical waits."""
    from history.embedded import build_embedded
    from loaders.crossings import read_crossings
    (DATA / "history").mkdir(parents=True, exist_ok=True)
    (DATA / TYPICAL_FILE).unlink(missing_ok=True)
    shutil.copyfile(SHARED / TYPICAL_RAW, DATA / TYPICAL_FILE)
    (DATA / TYPICAL_FILE).chmod(0o644)
    return build_embedded(SHARED / "history", DATA / HISTORY_FILE, crossings=read_crossings(DATA / "crossings.csv"))


def write_manifest() -> dict:
    from loaders.bts import read_volumes_parquet
    from loaders.cbp import read_cbp
    from loaders.crossings import port_zones, read_crossings
    from loaders.events import read_events
    from loaders.snapshot import write_manifest as write

    crossings = read_crossings(DATA / "crossings.csv")
    from loaders.txdot import read_bridge_parquet
    vol = read_volumes_parquet(DATA / BTS_FILE)
    bridge = read_bridge_parquet(DATA / TXDOT_FILE)
    rows = {
        "cbp": read_cbp(DATA / CBP_FILE, zones=port_zones(crossings))["port_number"].nunique(),
        "bts": len(vol),
        "txdot": len(bridge),
        "crossings": len(crossings),
        "crossing_evidence": sum(1 for _ in open(DATA / "crossing_evidence.csv", encoding="utf-8")) - 1,
        "events": len(read_events(DATA / "events.csv", crossings=crossings)),
    }
    import pandas as pd
    from loaders.cbp_typical import read_typical
    hist = pd.read_parquet(DATA / HISTORY_FILE) if (DATA / HISTORY_FILE).is_file() else None
    if hist is not None:
        rows["history"] = len(hist)
    if (DATA / TYPICAL_FILE).is_file():
        rows["cbp_typical"] = len(pd.read_csv(DATA / TYPICAL_FILE))
    files = []
    for f in FILES:
        if f["role"] not in rows:  # an optional file not built
            continue
        entry = {**f, "rows": int(rows[f["role"]])}
        if f["role"] == "history":
            entry.update(first=hist["source_time"].min().isoformat(), through=hist["source_time"].max().isoformat(),
                         by_source={k: int(v) for k, v in hist["source"].value_counts().sort_index().items()},
                         by_measure={k: int(v) for k, v in hist["measure"].value_counts().sort_index().items()})
        if f["role"] == "cbp_typical":
            entry["rows_unit"] = "month x weekday x hour rows"
        if f["role"] == "cbp":
            entry["rows_unit"] = "crossings"
        if f["role"] == "bts":
            entry.update(first=vol["month"].min().strftime("%Y-%m-%d"), through=vol["month"].max().strftime("%Y-%m-%d"),
                         conflicts=vol.attrs.get("conflicts", []))
        if f["role"] == "txdot":
            entry.update(first=bridge["month"].min().strftime("%Y-%m-%d"),
                         through=bridge["month"].max().strftime("%Y-%m-%d"))
        files.append(entry)
    return write(DATA, files, label="embedded snapshot")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest-only", action="store_true")
    ap.add_argument("--history-only", action="store_true", help="rebuild only the embedded wait-time history")
    args = ap.parse_args()
    if args.history_only:
        print(build_history())
    elif not args.manifest_only:
        build_data()
    m = write_manifest()
    print(f"snapshot {m['snapshot_id']}: " + ", ".join(f"{f['role']} {f['rows']} rows" for f in m["files"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
