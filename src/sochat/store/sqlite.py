"""SQLite: WAL, synchronous=FULL, one writer thread that commits several requests at once.

Every write goes through a single thread that owns the only writing connection. When several jobs are
waiting, it runs each in its own savepoint inside one transaction and commits once (group commit), then
answers each. A job is answered only after the COMMIT that holds its write returned, so with
synchronous=FULL a 200 means the write is on disk.

Reads run on a small pool of threads, each with its own connection (WAL lets them read while the writer
writes); point reads by key run right on the caller's thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy

from sochat.domain.errors import Unavailable
from sochat.store.repositories import Unit
from sochat.store.sql import Row

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[Unit], Any]
_MAX_BATCH = 128


class SqliteEngine:
    dialect = "sqlite"

    def __init__(self, path: str | Path, *, synchronous: str = "FULL", readers: int = 4) -> None:
        self.path = str(path)
        self._synchronous = synchronous
        self._local = threading.local()
        self._reader_connections: list[sqlite3.Connection] = []
        self._reader_lock = threading.Lock()
        self._readers = concurrent.futures.ThreadPoolExecutor(readers, thread_name_prefix="sochat-read")
        self._writer = _Writer(self.connect)

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10.0)
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = _switch_to_wal(conn)
        if mode.lower() != "wal":
            raise RuntimeError(f"could not switch {self.path} to WAL mode (got {mode})")
        conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.connect()
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._reader_lock:
                self._reader_connections.append(conn)
        return conn

    def _read_here(self, job: Callable[[Unit], T]) -> T:
        try:
            return job(Unit(self._reader(), "sqlite", sqlite3.IntegrityError))
        except sqlite3.OperationalError as exc:
            raise Unavailable(f"The database cannot be read right now: {exc}") from exc

    async def read(self, job: Callable[[Unit], T], point: bool) -> T:
        """A point read by key runs right here on the caller's thread (the event loop's): in WAL mode it never
        waits for the writer and takes microseconds, less than a hop to a thread. Scans go to the readers."""
        if point:
            return self._read_here(job)
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._read_here, job)

    async def write(self, job: Callable[[Unit], T]) -> T:
        result: T = await asyncio.wrap_future(self._writer.submit(job))
        return result

    def admin(self, job: Callable[[Unit], T], write: bool) -> T:
        if write:
            result: T = self._writer.submit(job).result()
            return result
        return self._read_here(job)

    def stream(self, text: str, params: dict[str, object]) -> Iterator[Row]:
        with closing(self.connect()) as conn:
            yield from conn.execute(text, params)

    def migrate(self, upgrade: Callable[[sqlalchemy.Connection], T]) -> T:
        """Run ``upgrade`` as a job of the writer, on its connection lent to SQLAlchemy: in the writer's
        transaction (BEGIN IMMEDIATE, so processes migrating at once take turns), and without a connection of
        its own, which could leave the file unwritable for the others when it was read-only at start."""

        try:
            return self.admin(lambda unit: unit.lend("sqlite://", upgrade), write=True)
        except sqlalchemy.exc.DBAPIError as exc:
            raise _translate(exc.orig or exc) from exc

    async def ping(self) -> None:
        """Readiness: the file can be read, and the writer can write to it (a read-only file, or one opened while
        it was read-only, reads fine but refuses every write: Unavailable naming SQLite's reason)."""
        self._read_here(lambda unit: unit.raw("SELECT 1", {}).fetchone())
        try:
            await self.write(_probe_write)
        except Unavailable as exc:
            reason = exc.__cause__ or exc.message
            raise Unavailable(f"The database cannot take writes: {reason} ({self.path})") from exc

    def integrity_check(self) -> str:
        """SQLite's own consistency check; "ok" when the file is sound."""
        return str(self._reader().execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        """Stop the writer and close every connection; the last one to close checkpoints the WAL."""
        self._readers.shutdown(wait=True)
        with self._reader_lock:
            for conn in self._reader_connections:
                conn.close()
            self._reader_connections.clear()
        self._local = threading.local()
        self._writer.stop()


def _switch_to_wal(conn: sqlite3.Connection) -> str:
    """PRAGMA journal_mode=WAL, retried: on a brand-new file, processes starting together (serve --workers)
    can find it locked for a moment, and busy_timeout does not cover this pragma."""
    for attempt in range(50):
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 49:
                raise
            time.sleep(0.05 + random.random() * 0.05)
    raise AssertionError("unreachable")


def _probe_write(unit: Unit) -> None:
    """Write the database header's user_version (unchanged) and undo it: SQLite refuses the write on a database
    it can only read, and the undone write costs no disk access."""
    (version,) = unit.raw("PRAGMA user_version", {}).fetchone()
    unit.raw("SAVEPOINT probe", {})
    try:
        unit.raw(f"PRAGMA user_version = {int(version)}", {})
    finally:
        unit.raw("ROLLBACK TO probe", {})
        unit.raw("RELEASE probe", {})


class _Writer:
    """Owns the writing connection; runs queued jobs in batches, one COMMIT per batch."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._queue: queue.SimpleQueue[tuple[Job, concurrent.futures.Future[Any]] | None] = queue.SimpleQueue()
        self._conn: sqlite3.Connection | None = None
        self._thread = threading.Thread(target=self._run, name="sochat-writer", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        if not self._thread.is_alive():
            future.set_exception(Unavailable("The database writer has stopped"))
            return future
        self._queue.put((job, future))
        return future

    def stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if item is None:
                break
            batch = [item]
            while len(batch) < _MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            self._run_batch(batch)
        if self._conn is not None:
            self._conn.close()

    def _run_batch(self, batch: list[tuple[Job, concurrent.futures.Future[Any]]]) -> None:
        outcomes: list[tuple[concurrent.futures.Future[Any], Any, BaseException | None]] = []
        database_failed = False
        try:
            if self._conn is None:
                self._conn = self._connect()
            conn = self._conn
            unit = Unit(conn, "sqlite", sqlite3.IntegrityError)
            conn.execute("BEGIN IMMEDIATE")
            for job, future in batch:
                conn.execute("SAVEPOINT job")
                try:
                    result = job(unit)
                except Exception as exc:  # the job's own failure: undo just that job
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    outcomes.append((future, None, _translate(exc)))
                    database_failed = database_failed or _is_database_failure(exc)
                else:
                    conn.execute("RELEASE job")
                    outcomes.append((future, result, None))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            log.error("database write failed, %d request(s) refused: %s", len(batch), exc)
            self._abandon()
            failure = _translate(exc)
            for _, future in batch:
                future.set_exception(failure)
            return
        if database_failed:
            # The database itself refused a statement (a file opened read-only, an I/O error): this connection
            # may never write again, e.g. it opened the file while it was read-only. The next batch opens anew.
            self._abandon()
        for future, result, error in outcomes:
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)

    def _abandon(self) -> None:
        """After a failed batch, drop the connection so the next batch starts clean."""
        if self._conn is not None:
            try:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
            except sqlite3.Error as exc:
                log.warning("rollback after a failed write also failed: %s", exc)
            self._conn.close()
            self._conn = None


def _is_database_failure(exc: BaseException) -> bool:
    """A failure of the database (locked, read-only, full, I/O), not a broken rule of the data."""
    return isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.IntegrityError
    )


def _translate(exc: BaseException) -> BaseException:
    if _is_database_failure(exc):
        unavailable = Unavailable(f"The database cannot take writes right now ({exc}); nothing was saved")
        unavailable.__cause__ = exc  # SQLite's own words, for readiness (ping)
        return unavailable
    return exc
