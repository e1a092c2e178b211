"""Which stored scores changed, told to every process once the change is committed.

The one place score changes are announced and heard. `announce` is called by the writer
(`recompute.py` `_store`, `finalize.py`) inside its transaction; subscribers hear the
change only after that transaction commits, and never when it rolls back:

- on PostgreSQL by `NOTIFY`, which the database itself holds back until commit. The
  payload carries ids only (a cycle, employees, teams); a whole-cycle recompute, or a
  change too large for one notification, is one "cycle changed" event. Every process
  `LISTEN`s on a dedicated connection of its own (`PostgresListener`), reconnecting
  when it drops; after a reconnect every subscriber hears "cycle changed", since a
  notification may have been missed meanwhile.
- on SQLite in this process only (`service/sqlite_client.py` runs the after-commit
  hook), so live subscriptions need a single server process there.

A `ChangeHub` per application fans the changes out to its subscribers; each
subscriber keeps at most one merged change per cycle, so a slow one never queues.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.backends.base.config_generator import expand_db_url

from service.sql import execute, is_postgres

log = logging.getLogger("fairscore.changes")

CHANNEL = "fairscore_score_changes"
# PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more; past this, the whole cycle.
MAX_PAYLOAD_BYTES = 7_000
RECONNECT_FIRST_SECONDS = 0.5
RECONNECT_MAX_SECONDS = 30.0
# How often a quiet listening connection is checked to be alive.
PING_SECONDS = 30.0
LISTEN_AT_START_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class ScoreChange:
    """Stored scores of one cycle moved: those of `employee_ids`, whose scores were or
    are counted in `team_ids`; both None when the whole cycle may have moved."""

    cycle_id: int
    employee_ids: frozenset[int] | None = None
    team_ids: frozenset[int] | None = None

    @property
    def whole_cycle(self) -> bool:
        return self.employee_ids is None

    def touches_team(self, team_id: int) -> bool:
        return self.team_ids is None or team_id in self.team_ids

    def merged(self, other: ScoreChange) -> ScoreChange:
        if self.employee_ids is None or other.employee_ids is None:
            return ScoreChange(self.cycle_id)
        return ScoreChange(
            self.cycle_id,
            self.employee_ids | other.employee_ids,
            (self.team_ids or frozenset()) | (other.team_ids or frozenset()),
        )

    def to_payload(self) -> str:
        whole = json.dumps({"cycle": self.cycle_id}, separators=(",", ":"))
        if self.employee_ids is None:
            return whole
        text = json.dumps(
            {
                "cycle": self.cycle_id,
                "employees": sorted(self.employee_ids),
                "teams": sorted(self.team_ids or ()),
            },
            separators=(",", ":"),
        )
        return text if len(text) <= MAX_PAYLOAD_BYTES else whole

    @classmethod
    def from_payload(cls, text: str) -> ScoreChange | None:
        """None for anything but our own shape: the channel is ours, but not guarded."""
        try:
            data = json.loads(text)
            cycle_id = data["cycle"]
            if not isinstance(cycle_id, int) or isinstance(cycle_id, bool):
                return None
            if "employees" not in data:
                return cls(cycle_id)
            employees = frozenset(int(e) for e in data["employees"])
            teams = frozenset(int(t) for t in data.get("teams", []))
        except (ValueError, TypeError, KeyError):
            return None
        return cls(cycle_id, employees, teams)


async def announce(conn: BaseDBAsyncClient, change: ScoreChange) -> None:
    """Tell every subscriber of every process, once `conn`'s transaction commits."""
    if is_postgres(conn):
        await execute(conn, "SELECT pg_notify(?, ?)", [CHANNEL, change.to_payload()])
        return
    hooks = _after_commit_hooks(conn)
    if hooks is None:  # not in a transaction: already committed
        publish_locally(change)
    else:
        hooks.append(lambda: publish_locally(change))


def _after_commit_hooks(conn: BaseDBAsyncClient) -> list[Callable[[], None]] | None:
    """The outermost transaction's hooks (a savepoint's writes commit with it)."""
    outer: Any = conn
    while isinstance(getattr(outer, "_parent", None), TransactionalDBClient):
        outer = outer._parent
    hooks: list[Callable[[], None]] | None = getattr(outer, "after_commit", None)
    return hooks


class Subscriber:
    """One subscription's inbox: at most one merged change per cycle it watches."""

    def __init__(self, cycle_id: int) -> None:
        self.cycle_id = cycle_id
        self._pending: ScoreChange | None = None
        self._wake = asyncio.Event()

    def offer(self, change: ScoreChange) -> None:
        if change.cycle_id != self.cycle_id:
            return
        self._pending = change if self._pending is None else self._pending.merged(change)
        self._wake.set()

    async def next_change(self) -> ScoreChange:
        """The changes heard since the last call, merged; waits for one if none."""
        while self._pending is None:
            self._wake.clear()
            await self._wake.wait()
        change, self._pending = self._pending, None
        self._wake.clear()
        return change


class ChangeHub:
    """The subscribers of one application, and what they hear."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()

    def subscribe(self, cycle_id: int) -> Subscriber:
        subscriber = Subscriber(cycle_id)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def publish(self, change: ScoreChange) -> None:
        for subscriber in list(self._subscribers):
            subscriber.offer(change)

    def everything_may_have_changed(self) -> None:
        for subscriber in list(self._subscribers):
            subscriber.offer(ScoreChange(subscriber.cycle_id))


# The hubs of this process that hear SQLite's in-process changes.
_LOCAL_HUBS: set[ChangeHub] = set()


def publish_locally(change: ScoreChange) -> None:
    for hub in list(_LOCAL_HUBS):
        hub.publish(change)


class PostgresListener:
    """`LISTEN` on a connection of its own, reconnecting with backoff when it drops."""

    def __init__(self, hub: ChangeHub, database_url: str) -> None:
        self.hub = hub
        self.credentials = _asyncpg_credentials(database_url)
        self.listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="fairscore score-change listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        change = ScoreChange.from_payload(payload)
        if change is not None:
            self.hub.publish(change)

    async def _run(self) -> None:
        import asyncpg

        delay = RECONNECT_FIRST_SECONDS
        first = True
        while True:
            try:
                conn = await asyncpg.connect(**self.credentials)
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("score-change listener cannot connect (%s); retrying", error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
                continue
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
            try:
                await conn.add_listener(CHANNEL, self._heard)
                self.listening.set()
                delay = RECONNECT_FIRST_SECONDS
                if not first:
                    # Notifications sent while we were away are gone: say so.
                    self.hub.everything_may_have_changed()
                first = False
                await _until_lost(conn, lost)
                log.warning("score-change listener lost its connection; reconnecting")
            except (OSError, TimeoutError, asyncpg.PostgresError) as error:
                log.warning("score-change listener failed (%s); reconnecting", error)
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)
            await asyncio.sleep(delay)


async def _until_lost(conn: Any, lost: asyncio.Event) -> None:
    """Returns when the connection ends; a silent network is found out by a ping."""
    while not lost.is_set():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(PING_SECONDS):
                await lost.wait()
                return
        async with asyncio.timeout(PING_SECONDS / 3):
            await conn.fetchval("SELECT 1")


def _asyncpg_credentials(database_url: str) -> dict[str, Any]:
    credentials = expand_db_url(database_url)["credentials"]
    return {
        key: credentials[key]
        for key in ("host", "port", "user", "password", "database")
        if credentials.get(key) is not None
    }


@contextlib.asynccontextmanager
async def hearing_changes(hub: ChangeHub, database_url: str) -> AsyncIterator[None]:
    """While open, `hub` hears every committed score change, from any process on
    PostgreSQL, from this process on SQLite."""
    if database_url.startswith("sqlite"):
        _LOCAL_HUBS.add(hub)
        try:
            yield
        finally:
            _LOCAL_HUBS.discard(hub)
        return
    listener = PostgresListener(hub, database_url)
    listener.start()
    # Serving starts once this process listens (or, with the database away, anyway:
    # the listener keeps trying).
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(LISTEN_AT_START_SECONDS):
            await listener.listening.wait()
    try:
        yield
    finally:
        await listener.stop()
