"""The database's connections (one per thread) are closed at shutdown, not left to the collector."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from imgorigin.state.db import Database
from tests.helpers import AppClient, make_settings, register, services_of


def test_close_closes_every_threads_connection_and_a_later_call_reopens(tmp_path: Path) -> None:
    database = Database(tmp_path / "imgorigin.db")
    with ThreadPoolExecutor(max_workers=2) as pool:  # threads alive, as a server's pool is
        connections = [*pool.map(lambda _: database.connection(), range(2)), database.connection()]
        database.close()
    for connection in connections:
        with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
            connection.execute("select 1")
    assert database.connection().execute("select count(*) from users").fetchone() == (0,)
    database.close()


def test_the_apps_shutdown_closes_the_database(tmp_path: Path) -> None:
    with AppClient(make_settings(tmp_path)) as client:
        register(client, "alice")  # sign-up and login query from worker threads
        database = services_of(client).database
        assert database is not None
        connections = [database.conn for database in database._opened]
        assert connections
    for connection in connections:
        with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
            connection.execute("select 1")
