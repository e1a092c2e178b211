"""Another process holding SQLite's write lock, for the tests of a busy database."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise.connection import get_connection

from service.sqlite_client import DEFAULT_BUSY_TIMEOUT_MS
from tests.conftest import ACTIVE_CONFIG


@asynccontextmanager
async def another_writer_holds_the_lock() -> AsyncIterator[None]:
    """A plain sqlite3 connection in an immediate transaction; ours waits only 50 ms."""
    connections: Any = ACTIVE_CONFIG["config"]["connections"]
    path = connections["default"]["credentials"]["file_path"]
    ours = get_connection("default")
    await ours.execute_query("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
    finally:
        other.rollback()
        other.close()
        await ours.execute_query(f"PRAGMA busy_timeout = {DEFAULT_BUSY_TIMEOUT_MS}")
