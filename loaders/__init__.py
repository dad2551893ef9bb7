"""Data loaders for Borderwatch: CBP wait times, BTS crossing volumes, crossings reference, curated events.

Each source module keeps three layers apart (see README, "Architecture"):
``fetch_*`` does the network call only, ``parse_*`` turns raw text/bytes into a tidy DataFrame (pure),
and ``load_*`` ties them to the embedded snapshot in ``data/``. Nothing here imports Streamlit.
"""
