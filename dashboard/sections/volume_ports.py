"""The sidebar's "Ports (volume charts)" filter: BTS ports drawn side by side on the volume chart, one line
each (ports are never added together), kept in the page address as ``?port=2602,2604``."""
from __future__ import annotations

import streamlit as st

from dashboard import views
from loaders.snapshot import Snapshot


def ports_filter(snap: Snapshot, states) -> None:
    """A multiselect keyed ``w_ports`` (seeded from the URL by the page); options: the ports of ``states``
    plus any already chosen."""
    opts = views.port_options(snap)
    chosen = [p for p in st.session_state.get("w_ports") or () if p in opts]
    st.session_state["w_ports"] = chosen
    shown = [p for p in opts if opts[p].rsplit(", ", 1)[-1].rstrip(")") in states or p in chosen]
    st.multiselect("Ports (volume charts)", shown, key="w_ports", format_func=opts.__getitem__,
                   placeholder="The crossing's own counts, or the states' total",
                   help="BTS ports drawn side by side, one line each (ports are never added together).")
