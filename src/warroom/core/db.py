"""Engine, sessions and the declarative base.

SQLite gets WAL, foreign keys and a busy timeout; write transactions on SQLite start with
BEGIN IMMEDIATE so two writers queue on the lock instead of failing half-way with "database is
locked", and the writers of one process queue on a lock of their own first (see `Database`).
Every operation runs in one transaction: `write_session()` commits or rolls back whole.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

BUSY_TIMEOUT_SECONDS = 30
MAX_ROW_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


def row_id(text: str) -> int | None:
    """`text` as a row id if it is one (ASCII digits, in range), else None: a larger number or a
    digit like '²' is no id, and must not reach the database as one."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ROW_ID else None

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always hands back aware UTC, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use the clock or as_utc()")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Take transaction control away from pysqlite so BEGIN is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        if connection.get_execution_options().get("warroom_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, pool_size=10, max_overflow=20)
        _prepare_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)


class Database:
    """Owns the engine and hands out sessions: read sessions, and write sessions that commit whole."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            bind=self.engine.execution_options(warroom_write=True), expire_on_commit=False
        )
        # SQLite has one writer at a time anyway. Writers of this process wait here, and the next
        # one starts as soon as the last commits, instead of sleeping in SQLite's busy handler,
        # which backs off up to 100 ms a try: with 4 concurrent clients the p99 of a write fell from
        # ~800 ms to ~100 ms (bench/lifecycle.py --concurrency 4). Other processes (CLI, workers)
        # still queue on busy_timeout. A plain Lock: FastAPI may exit the session in another thread.
        self._writer = threading.Lock() if self.dialect == "sqlite" else None

    @property
    def location(self) -> str:
        """Where the data is, for people: the SQLite file, or the PostgreSQL server and database."""
        url = self.engine.url
        if url.get_backend_name() == "sqlite":
            return f"sqlite file {url.database}"
        return f"postgresql {url.host or 'localhost'}:{url.port or 5432}/{url.database}"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        with self._read() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        if self._writer is not None and not self._writer.acquire(timeout=BUSY_TIMEOUT_SECONDS):
            raise TimeoutError(f"no write turn on the database within {BUSY_TIMEOUT_SECONDS}s")
        try:
            with self._write() as session:
                with session.begin():
                    yield session
        finally:
            if self._writer is not None:
                self._writer.release()

    def dispose(self) -> None:
        self.engine.dispose()
