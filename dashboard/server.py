"""The ASGI entry point ``borderwatch run`` hands to ``streamlit run``: the page (``app.py``) behind the
Host/Origin guard and frame-ancestors headers of :mod:`dashboard.guard`.

``streamlit run`` finds the ``st.App`` instance below and serves it with uvicorn; every flag given on the
command line (address, port, static serving, ...) still applies.
"""
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from dashboard.guard import HostOriginGuard

app = st.App(str(Path(__file__).with_name("app.py")), middleware=[Middleware(HostOriginGuard)])
