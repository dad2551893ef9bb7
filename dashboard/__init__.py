"""Borderwatch dashboard: chart builders, the Streamlit page, image export and the command line.

Nothing here calls ``requests``: data comes through :mod:`loaders`.
"""
