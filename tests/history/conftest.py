"""History fixtures: every store test runs on SQLite and on a real PostgreSQL server started here.

The PostgreSQL cluster is started once per test session (lazily, by the first test that needs it) and
stopped at the end; each test gets an empty ``public`` schema. Set ``BORDERWATCH_TEST_PG=skip`` to skip the
PostgreSQL half on a machine without PostgreSQL (``make test`` installs it, so CI never skips).
"""
from __future__ import annotations

import os

import pytest

from .pg import PgCluster

SHARED_HISTORY = "history"


@pytest.fixture(scope="session")
def pg_cluster():
    if os.environ.get("BORDERWATCH_TEST_PG") == "skip":
        pytest.skip("PostgreSQL tests skipped (BORDERWATCH_TEST_PG=skip)")
    cluster = PgCluster().start()
    yield cluster
    cluster.stop()


def _reset_pg(url: str) -> None:
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database URL, once for SQLite (a file in tmp_path) and once for PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite3'}"
    cluster = request.getfixturevalue("pg_cluster")
    _reset_pg(cluster.url)
    return cluster.url


@pytest.fixture
def store(db_url, crossings):
    from history.store import Store
    s = Store.open(db_url, crossings=crossings)
    yield s
    s.close()


@pytest.fixture(scope="session")
def history_dir(shared_data):
    return shared_data / SHARED_HISTORY
