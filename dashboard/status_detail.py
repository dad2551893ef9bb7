"""The page's status parts that read the per-mode status: the crossing detail's status block and the
"How status is judged" help. Plain functions called from ``app.py`` with one line each. Text from the feed
(reasons quoting lanes, hours, notices) is escaped before it reaches markdown, or goes into dataframes."""
from __future__ import annotations

import html
import re

import pandas as pd
import streamlit as st

from analysis.status import AGE_FLAG_AFTER, USABLE_FOR

#: The rules, as the README's "Status rules" states them (kept short for the page).
STATUS_HELP = f"""
**Each mode** (passenger vehicles, pedestrians, commercial vehicles, rail) of a crossing is judged at the
chosen time, northbound only (entering the U.S.):

- **closed** — an active closure or suspension in the events registry names the mode (southbound-only events
  never count); or the CBP feed, current at that time, says the port is *Closed*; or *every* reporting lane type
  of the mode reads *Lanes Closed*. A closed reading outside the posted hours says so ("outside posted hours").
- **open** — at least one lane type of the mode has a wait reading. Another lane type of the same mode reading
  *Lanes Closed* (e.g. Ready) is a note, not "partial".
- **unknown** — pending, not in the feed, or no reading at this time.

**The crossing** is closed when all its modes are, partial when some are (or an event restricts one), open when
every mode with a reading is open, unknown when none has one. Choosing modes judges crossings on those modes only.

**Times.** The feed's time is the HTTP Date of the fetch (or the capture time of a snapshot), else the time most
ports agree on — never one port's own clock (Nogales, Lukeville and San Luis run an hour ahead in summer).
A reading counts for {int(USABLE_FOR.total_seconds() // 3600)} hours and shows its age after
{int(AGE_FLAG_AFTER.total_seconds() // 60)} minutes ("as of 2 h 32 min ago"). A *Lanes Closed* without a time
is as old as the crossing's newest dated reading. An update time up to 60 minutes after the feed's time is
today's. Posted hours only label a closed reading; they never make a crossing open. At a time far from any
capture the page says "no reading at this time" and names the latest capture, with its year.
"""


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$:])")


def plain_md(text: object) -> str:
    """Feed text as literal markdown (dashboard.safe_text.md: metacharacters escaped, autolinks broken)."""
    from dashboard.safe_text import md
    return md(text)


def status_help() -> None:
    with st.expander("How status is judged"):
        st.markdown(STATUS_HELP)


def crossing_status_block(row: pd.Series | None, modes: pd.DataFrame | None, fmt_local) -> None:
    """The selected crossing's status, why, per-mode breakdown, notes, posted hours and notice."""
    from dashboard.figures.theme import STATUS_STYLE
    symbol = {"open": "●", "partial": "◆", "closed": "✖", "unknown": "○"}
    if row is None:
        st.caption("This crossing is outside the current state/mode filters.")
        return
    st.markdown(f"{symbol[row['status']]} **{STATUS_STYLE[row['status']]['label']}**")
    st.markdown(plain_md(row["reason"]))
    if isinstance(row.get("notes"), str) and row["notes"]:
        st.markdown("Note: " + plain_md(row["notes"]))
    if not pd.isna(row["updated_at"]):
        age = f" — {row['age_text']}" if isinstance(row.get("age_text"), str) else ""
        st.caption(f"Newest reading used: {fmt_local(row['updated_at'])}{age}")
    elif not pd.isna(row.get("latest_capture")):
        st.caption(f"No reading at this time (latest capture {fmt_local(row['latest_capture'])})")
    if modes is not None and len(modes) > 1:
        st.dataframe(modes, hide_index=True, width="stretch")
    # Hours and notices are the capture's: at another time, say which capture they come from.
    when = ""
    if pd.isna(row["updated_at"]) and not pd.isna(row.get("latest_capture")):
        when = f" (at the {pd.Timestamp(row['latest_capture']).strftime('%Y-%m-%d')} capture)"
    if isinstance(row.get("hours"), str) and row["hours"]:
        st.markdown("**Posted hours:** " + plain_md(row["hours"] + when))
    if isinstance(row.get("notice"), str) and row["notice"]:
        st.markdown("**Notice from CBP:** " + plain_md(row["notice"] + when))
