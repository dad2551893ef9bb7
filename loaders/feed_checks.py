"""Checks that refuse a parsed payload which would make the dashboard worse than what it replaces.

The parsers (``loaders.cbp``, ``loaders.bts``) refuse what they cannot read; these checks refuse what they
*can* read but should not be believed: a CBP feed with no Texas/Arizona/California crossing (a Canadian-only
answer, a proxy's stub), with no lane readings at all, with far fewer of our crossings than the last good
snapshot, or listing one crossing twice with different answers. Each raises :class:`FeedError` whose
message is one line naming the source and the reason. Called by ``refresh``, the live page and the CLI
before a payload replaces anything.
"""
from __future__ import annotations

import pandas as pd

from .config import STATES
from .errors import FeedError

#: A new payload must keep at least this share of the previous good payload's crossings (TX/AZ/CA).
MIN_SHARE_OF_PREVIOUS = 0.5
#: ... and of its BTS ports.
MIN_SHARE_OF_PREVIOUS_PORTS = 0.5
#: The longest delay a reading may carry (minutes). CBP shows multi-hour waits, never days.
MAX_DELAY_MINUTES = 24 * 60
#: More lanes than any crossing has.
MAX_LANES = 60

_STATE_NAMES = {"TX": "Texas", "AZ": "Arizona", "CA": "California"}


def _ours(waits: pd.DataFrame, states) -> pd.DataFrame:
    return waits[waits["state"].isin(list(states)).fillna(False).to_numpy(dtype=bool)]


def crossing_count(waits: pd.DataFrame, states=STATES) -> int:
    """Distinct TX/AZ/CA crossings (port_number) with at least one lane row."""
    return int(_ours(waits, states)["port_number"].nunique())


def check_cbp_waits(waits: pd.DataFrame, *, source: str, previous: pd.DataFrame | None = None,
                    states=STATES) -> None:
    """Raise :class:`FeedError` if ``waits`` (a parsed CBP payload) should not replace ``previous``.

    ``previous`` is the waits frame the payload would replace (the last good snapshot); None skips the
    comparison (a file the user names explicitly)."""
    where = ", ".join(_STATE_NAMES[s] for s in states)
    if waits.empty:
        raise FeedError(source, "the feed has no lane readings at all (no lane groups in any crossing); "
                                "refusing it")
    ours = _ours(waits, states)
    if ours.empty:
        borders = sorted({str(b) for b in waits["border"].dropna().unique()})[:3]
        raise FeedError(source, f"the feed has no {where} crossing with lane readings "
                                f"({waits['port_number'].nunique()} crossing(s), {', '.join(borders) or 'no border'}); "
                                "refusing it")
    _check_conflicting_duplicates(ours, source)
    delays = ours["delay_minutes"].dropna()
    if len(delays) and int(delays.max()) > MAX_DELAY_MINUTES:
        bad = ours.loc[ours["delay_minutes"].fillna(0) > MAX_DELAY_MINUTES].iloc[0]
        raise FeedError(source, f"crossing {bad['port_number']} ({bad['port_name']}) {bad['mode']}/{bad['lane']}: "
                                f"delay of {int(bad['delay_minutes'])} minutes is not believable "
                                f"(more than {MAX_DELAY_MINUTES}); refusing the feed")
    for col in ("lanes_open", "max_lanes"):
        vals = ours[col].dropna()
        if len(vals) and int(vals.max()) > MAX_LANES:
            bad = ours.loc[ours[col].fillna(0) > MAX_LANES].iloc[0]
            raise FeedError(source, f"crossing {bad['port_number']} ({bad['port_name']}): {col} "
                                    f"{int(bad[col])} is not believable (more than {MAX_LANES}); refusing the feed")
    if previous is not None and not previous.empty:
        before, now = crossing_count(previous, states), crossing_count(ours, states)
        if before and now < MIN_SHARE_OF_PREVIOUS * before:
            raise FeedError(source, f"the feed has only {now} {where} crossing(s) with lane readings, the last "
                                    f"good data has {before}; refusing it (a partial answer would turn the "
                                    "rest unknown)")


def _check_conflicting_duplicates(ours: pd.DataFrame, source: str) -> None:
    """The same crossing (port number + crossing name) listed twice with different answers."""
    key = ours["port_number"].astype(str) + "\x1f" + ours["crossing_name"].astype(object).fillna("").astype(str)
    statuses = ours.groupby(key.to_numpy(), sort=False)["port_status"].nunique(dropna=False)
    if (statuses > 1).any():
        k = statuses.index[(statuses > 1).to_numpy()][0]
        number, name = k.split("\x1f")
        vals = sorted(ours.loc[(key == k).to_numpy(), "port_status"].astype(str).unique())
        raise FeedError(source, f"crossing {number}{f' ({name})' if name else ''} is listed more than once with "
                                f"different port_status ({' vs '.join(vals)}); refusing the feed")
    lane_key = key + "\x1f" + ours["mode"].astype(str) + "\x1f" + ours["lane"].astype(str)
    cols = ["operational_status", "delay_minutes", "lanes_open"]
    sub = ours[cols].astype(object).where(ours[cols].notna(), None).astype(str)
    sub = sub.assign(_k=lane_key.to_numpy())
    distinct = sub.drop_duplicates().groupby("_k").size()
    if (distinct > 1).any():
        k = distinct.index[(distinct > 1).to_numpy()][0]
        number, name, mode, lane = k.split("\x1f")
        raise FeedError(source, f"crossing {number}{f' ({name})' if name else ''} {mode}/{lane} is listed more than "
                                "once with different readings; refusing the feed")


def check_bts_volumes(vol: pd.DataFrame, *, source: str, previous: pd.DataFrame | None = None) -> None:
    """Raise :class:`FeedError` if a parsed BTS payload has no rows or far fewer ports than ``previous``."""
    if vol.empty:
        raise FeedError(source, "no BTS rows for Texas, Arizona or California; refusing it")
    foreign = vol[~vol["state"].isin(list(STATES)).to_numpy(dtype=bool)
                  | (vol["border"].astype(str) != "US-Mexico Border").to_numpy(dtype=bool)]
    if len(foreign):
        r = foreign.iloc[0]
        raise FeedError(source, f"{len(foreign)} BTS row(s) outside the US-Mexico border in TX/AZ/CA (e.g. "
                                f"{r['port_name']}, {r['state']}, {r['border']}): the server ignored the query's "
                                "filter; refusing it")
    if previous is not None and not previous.empty:
        before, now = previous["port_code"].nunique(), vol["port_code"].nunique()
        if before and now < MIN_SHARE_OF_PREVIOUS_PORTS * before:
            raise FeedError(source, f"only {now} BTS port(s), the last good data has {before}; refusing it")
