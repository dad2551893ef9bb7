"""'How to read this': what the four statuses, the modes and "as of" mean, and where the data comes from."""
from __future__ import annotations

import streamlit as st

TEXT = """
**Status is about entering the U.S.** (northbound), judged mode by mode. A lane type that is closed while
another lane type of the same mode is open is a note in the hover, not a partial closure.

- ● **Open** — every mode of the crossing is taking traffic into the U.S.
- ◆ **Partial** — at least one mode is closed or suspended (by an event in our registry, or CBP reports all
  its lanes closed) while another mode is open.
- ✖ **Closed** — CBP says the port is closed, or a closure or suspension in the events registry covers every
  mode of the crossing.
- ○ **Unknown** — no current reading: CBP's lane data is older than 2 hours, pending, or CBP publishes none
  (rail bridges, dams, the Los Ebanos ferry). Unknown is not closed.

**Modes**: passenger vehicles (standard, SENTRI/NEXUS and Ready lanes), pedestrians (standard, Ready),
commercial trucks (standard, FAST) and rail. Waits are CBP's estimates in minutes; *no reading* is never 0.

**As of** is the time CBP's feed was taken, shown in each crossing's local time (Arizona keeps MST all
year). With *Show status at another time* the map is judged at that date from the events registry; wait
readings then count only if they are within 2 hours of it.

**Where the data comes from**: CBP Border Wait Times (status and lane waits), BTS Border Crossing Entry
Data (monthly inbound counts, published about a quarter late) and the Borderwatch events registry
(closures and suspensions from CBP statements and news reports, each with its sources). Every chart has
*Show the data behind this chart* and a CSV download.
"""


def how_to_read() -> None:
    with st.expander("How to read this", icon=":material/help:"):
        st.markdown(TEXT)
