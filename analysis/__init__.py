"""Analysis of the tidy frames the loaders produce: status at a time (``status``), and later outages and
impact. Never imports Streamlit and never fetches anything."""
