"""Scoring many people on every core: a process pool for the recompute's pure work.

A whole-cycle recompute spends most of its time in pure Python that needs no database:
the engine, the stored score, its JSON text, the line rows (≈ 0.5 ms a person).
Meanwhile the database is idle, and so are the other cores. When it scores `POOL_FROM`
people or more (those whose inputs' key, hashed in the caller, says their stored score
cannot be kept), with more than one process allowed, the recompute hands that work to
worker processes in chunks (service/usecases/scoring/recompute.py `_pooled`, whose work
function is `_score_chunk`). A recompute that moves nothing or a few scores never
starts it. Below it, when this process may run on one CPU only, and
with ``FAIRSCORE_SCORING_PROCESSES=1`` (the tests' default, tests/conftest.py) it
scores in its own process, as before. The database work (reads, `_store`) never leaves
the calling process; the workers do no I/O.

How, and why so:

- **Start method: forkserver**, never fork. The caller holds a running asyncio loop,
  open database connections and a transaction; a forked child would inherit their
  sockets, locks and the loop's state. The forkserver is a clean process started once,
  with the scoring modules imported in it (`_PRELOAD`); each worker is forked from it,
  so it starts quickly with nothing of the caller's.
- **One persistent pool** of `processes` workers (default: the CPUs this process may
  run on), made on the first pooled recompute and reused by every later one; shut down
  at interpreter exit (``atexit``) and when the app stops (service/app.py's lifespan
  calls `shutdown`). A pool that broke (a worker killed) is dropped, so the next
  recompute makes a new one; the one that saw it fails and rolls back.
- **What is pickled.** What every person's score shares (the policy, the cycle's dates,
  the scorecards' plans, the teams' aggregates and sources, the leads, the scope) is
  pickled once per recompute in the caller (`Shared`); each chunk carries those bytes
  and their hash, and a worker unpickles them only when the hash is new to it
  (`_shared_of`). Per chunk, only what its people's scores read (their own aggregates,
  reviews, sources and adjustments: recompute.py `_Chunk`), and back only what
  `_store` reads of each row (`_PackedRow`), both as plain tuples of ints and strings:
  pickling a dataclass, a Fraction or a whole `ScoreResult` runs Python code per
  object in the calling process, and measured about as long as scoring them (≈ 2 ms a
  person to pickle, send and unpickle against ≈ 2.7 ms to score, at load 8); as
  tuples ≈ 0.05 ms.
- **Chunks** (`ChunkRun`, `chunk_size`): about `_CHUNKS_PER_WORKER` chunks per worker
  (at least `_SMALLEST_CHUNK` people each: 10,000 people on 2 cores are chunks of
  1,250), so no core waits at the end for one long chunk. It is a pipeline: the caller
  sends a chunk as soon as its people's inputs are hashed (the workers start while it
  hashes the rest), and takes the results back chunk by chunk in order, writing each
  chunk's scores while the workers score the next ones (recompute.py `_scored`,
  `_EarlyUpdates`).
- **Order**: chunks are consecutive runs of the people in order; their results are
  joined in the chunks' order, and each chunk scores its people in order with the very
  function the serial path calls (`_score_person`): the rows, and so every write, are
  the same and in the same order as without the pool (tests/integration/
  test_scoring_pool.py compares them, and bench/differential.py the stored values).
- **Scripts** that recompute must guard their start with ``if __name__ ==
  "__main__"``: a forkserver worker imports the caller's main module, as spawn does.
- **Errors**: an exception in a worker is re-raised in the caller, inside the
  recompute's transaction, which then rolls back; its chunks not yet started are
  dropped. A domain error (a score too large to store) holds read-only mappings whose
  kind pickle refuses, and its ``__init__`` does not take back its own ``args``: the
  worker sends it as `_Raised` and the caller raises the same error, message and
  issues as raised.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import gc
import hashlib
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from service.errors import DomainError
from service.settings import scoring_processes

# At least this many people to score before the pool is worth its pickling (≈ 0.1 s of
# work per core at 2,000; a recompute after one ingest scores a handful).
POOL_FROM = 2_000
# A chunk smaller than this costs more in pickling and messages than it spreads.
_SMALLEST_CHUNK = 250
# Chunks per worker: enough to keep each core busy to the end (8 measured no better on a
# quiet machine, docs/performance.md, branch `pipeline`).
_CHUNKS_PER_WORKER = 4
# Imported once in the forkserver, so each worker starts with them loaded.
_PRELOAD = ["service.usecases.scoring.recompute"]


C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class _Config:
    processes: int  # 1: never a pool
    pool_from: int
    smallest_chunk: int


_config: _Config | None = None
_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_lock = threading.Lock()


def _current() -> _Config:
    global _config
    if _config is None:
        _config = _Config(scoring_processes(os.environ), POOL_FROM, _SMALLEST_CHUNK)
    return _config


def processes_for(people: int) -> int:
    """How many processes score this many people: 1 means in this process."""
    config = _current()
    if config.processes <= 1 or people < config.pool_from:
        return 1
    return config.processes


@contextmanager
def configured(
    *, processes: int, pool_from: int = POOL_FROM, smallest_chunk: int = _SMALLEST_CHUNK
) -> Iterator[None]:
    """Score with this many processes from this many people on, in chunks of at least
    this many, inside the block (the tests force the pool on small recomputes)."""
    global _config
    before = _config
    _config = _Config(processes, pool_from, smallest_chunk)
    try:
        yield
    finally:
        _config = before


def chunk_size(people: int, processes: int) -> int:
    """How many people a chunk takes when up to this many are scored: about
    `_CHUNKS_PER_WORKER` chunks per worker, at least the smallest chunk."""
    return max(_current().smallest_chunk, -(-people // (processes * _CHUNKS_PER_WORKER)))


def _executor(processes: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != processes:
            if _pool is not None:
                _pool.shutdown(wait=True)
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            _pool = ProcessPoolExecutor(processes, mp_context=context)
            _pool_size = processes
        return _pool


def shutdown() -> None:
    """Stop the workers (at exit, when the app stops); the next use makes a new pool."""
    global _pool, _pool_size
    with _lock:
        pool, _pool, _pool_size = _pool, None, 0
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown)


@dataclass(frozen=True, slots=True)
class Shared:
    """What every chunk of one recompute reads, pickled once: a worker unpickles it
    once per recompute whatever the number of chunks it gets."""

    token: str
    data: bytes

    @staticmethod
    def of(value: object) -> Shared:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        return Shared(hashlib.sha256(data).hexdigest(), data)


# In a worker: the last shared value it unpickled, by token.
_last_shared: tuple[str, Any] | None = None


def _shared_of(shared: Shared) -> Any:
    global _last_shared
    if _last_shared is None or _last_shared[0] != shared.token:
        _last_shared = (shared.token, pickle.loads(shared.data))
    return _last_shared[1]


def _mapping_proxy(values: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(values)


def _reduce_mapping_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    return _mapping_proxy, (dict(proxy),)


# A domain error's values (and its issues' values) are read-only mappings, which pickle
# does not take: between the processes they travel as the dicts they wrap.
ForkingPickler.register(MappingProxyType, _reduce_mapping_proxy)


@dataclass(frozen=True, slots=True)
class _Raised:
    """A domain error raised in a worker, as data that pickles: its kind, arguments
    and attributes (an exception pickles as its kind called with its arguments, which
    a domain error's own ``__init__`` does not take back)."""

    kind: type[DomainError]
    args: tuple[Any, ...]
    state: dict[str, Any]

    def error(self) -> DomainError:
        error = self.kind.__new__(self.kind)
        error.args = self.args
        error.__dict__.update(self.state)
        return error


def _run_chunk(work: Callable[[C, T], list[R]], shared: Shared, chunk: T) -> list[R] | _Raised:
    """In a worker: one chunk's results, in order (without the cyclic collector, as the
    recompute itself runs: no reference cycles are made, and it would walk everything)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return work(_shared_of(shared), chunk)
    except DomainError as error:
        return _Raised(type(error), error.args, dict(vars(error)))
    finally:
        if enabled:
            gc.enable()


class ChunkRun(Generic[C, T, R]):
    """One recompute's chunks in the pool: each sent as soon as it is ready (the caller
    still hashing the next people's inputs), their results taken back in the order sent
    (so the caller writes the first chunks while the pool scores the last). Use it as
    ``async with``: leaving it early (an error here or in a worker) drops the chunks
    not yet started, rather than leave them to hold up the next recompute's."""

    def __init__(self, work: Callable[[C, T], list[R]], shared: C, processes: int) -> None:
        self._pool = _executor(processes)
        self._call = functools.partial(_run_chunk, work, Shared.of(shared))
        self._loop = asyncio.get_running_loop()
        self._running: list[asyncio.Future[list[R] | _Raised]] = []
        self._taken = 0

    def send(self, chunk: T) -> None:
        self._running.append(self._loop.run_in_executor(self._pool, self._call, chunk))

    @property
    def sent(self) -> int:
        return len(self._running)

    async def next(self) -> list[R]:
        """The results of the first chunk sent and not yet taken, in order."""
        future = self._running[self._taken]
        self._taken += 1
        try:
            part = await future
        except BrokenProcessPool:
            # A worker died (killed, out of memory): the next recompute starts a new pool.
            shutdown()
            raise
        if isinstance(part, _Raised):
            raise part.error()
        return part

    async def __aenter__(self) -> ChunkRun[C, T, R]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for future in self._running:
            if not future.done():
                future.cancel()
            elif not future.cancelled():
                # Taken, or left behind by an error: retrieved, so asyncio does not log
                # a second failure as never retrieved.
                future.exception()
