"""Wait-time history: every CBP lane reading we collect or import, in one store.

Where things are:

- :mod:`history.schema`     the readings frame (READINGS_COLUMNS) and the poll log frame, declared once;
- :mod:`history.tables`     the SQL tables and indexes behind them (SQLAlchemy Core);
- :mod:`history.migrations` the schema version table and the ordered migrations the store runs on open;
- :mod:`history.store`      :class:`~history.store.Store`: open SQLite or PostgreSQL, add readings (dedupe and
  revisions), log polls, keep raw payloads, and the queries (range, latest / as of, heatmap histogram);
- :mod:`history.ingest`     a parsed CBP feed frame (loaders.cbp) -> readings frame;
- :mod:`history.collector`  ``borderwatch collect``: fetch, store the raw payload, add readings, log the poll;
- :mod:`history.imports`    one module per real archive format, and format detection;
- :mod:`history.export`     ``borderwatch history export`` (CSV / parquet that ``history import`` reads back);
- :mod:`history.coverage`   share of port-local hours observed per crossing;
- :mod:`history.embedded`   the built history shipped in ``data/`` and its first-use import;
- :mod:`history.scale`      a ten-year *scale test* history made by replaying real readings at shifted times.

This package never imports Streamlit and never calls ``requests`` itself (fetching goes through loaders).
"""
