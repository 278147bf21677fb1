"""Shared fixtures. The same suite runs on SQLite (default) and on PostgreSQL:

    WARROOM_TEST_DATABASE_URL=postgresql+psycopg://warroom:warroom@127.0.0.1:5432/warroom_test pytest

The schema is built once per run by the real Alembic migrations, and emptied between tests.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from warroom.api.app import create_app
from warroom.core.clock import ManualClock
from warroom.core.config import load_settings
from warroom.core.context import Context
from warroom.core.db import Base
from warroom.core.migrate import upgrade
from warroom.core.runtime import Runtime
from warroom.models import load_all_models
from warroom.users import service as users
from warroom.users.models import User

# A Monday morning, so business-hour rules have an obvious answer.
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def pytest_report_header(config) -> str:
    return f"warroom database: {_database_kind()}"


def _database_kind() -> str:
    return "postgresql" if os.environ.get("WARROOM_TEST_DATABASE_URL", "").startswith("postgresql") else "sqlite"


def pytest_collection_modifyitems(config, items) -> None:
    if _database_kind() == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set WARROOM_TEST_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    load_all_models()
    url = os.environ.get("WARROOM_TEST_DATABASE_URL")
    if url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'warroom-test.sqlite3'}"
    upgrade(url)
    return url


# TRUNCATE of every table costs file operations per table (about a second a test with 70 tables on
# a busy machine); most tables are empty after a test. So: truncate only those with rows, in one
# statement, and restart every sequence (a rolled-back insert advances one in an empty table).
_EMPTY_POSTGRES = """
DO $$
DECLARE
    name text;
    has_rows boolean;
    with_rows text[] := '{}';
    sequence regclass;
BEGIN
    FOREACH name IN ARRAY ARRAY[{tables}]::text[] LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', name) INTO has_rows;
        IF has_rows THEN
            with_rows := with_rows || quote_ident(name);
        END IF;
    END LOOP;
    IF cardinality(with_rows) > 0 THEN
        EXECUTE 'TRUNCATE ' || array_to_string(with_rows, ', ') || ' CASCADE';
    END IF;
    FOR sequence IN SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind = 'S' AND n.nspname = current_schema() LOOP
        PERFORM setval(sequence, 1, false);
    END LOOP;
END $$;
"""


def empty_database(runtime: Runtime) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with runtime.db.engine.begin() as conn:
        if runtime.db.dialect == "postgresql":
            # Our own table names from the metadata, written into the block (DO takes no parameters).
            conn.execute(text(_EMPTY_POSTGRES.replace("{tables}", ", ".join(f"'{name}'" for name in tables))))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            conn.execute(text("DELETE FROM sqlite_sequence")) if conn.execute(text(
                "SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first() else None
        conn.execute(text("INSERT INTO counters (name, value) VALUES ('incident', 0)"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def runtime(database_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[Runtime]:
    settings = load_settings({"WARROOM_DATABASE_URL": database_url, "WARROOM_DATA_DIR": str(tmp_path)})
    rt = Runtime.from_settings(settings, clock=clock)
    empty_database(rt)
    yield rt
    rt.db.dispose()


@dataclass
class Person:
    user: User
    token: str
    client: TestClient

    @property
    def email(self) -> str:
        return self.user.email


_APPS: dict[str, FastAPI] = {}
PER_RUNTIME_STATE = ("live_hub", "status_cache", "alert_limiter")


def app_for(runtime: Runtime) -> FastAPI:
    """One app per test session, given this test's runtime. FastAPI prepares its routes (a pydantic
    adapter per parameter of ~150 routes) on an app's first request: 0.6 s or more, which every test
    paid with an app of its own. What the app keeps of a runtime is reset here."""
    app = _APPS.get(runtime.settings.database_url)
    if app is None:
        app = _APPS[runtime.settings.database_url] = create_app(runtime)
    hub = getattr(app.state, "live_hub", None)
    if hub is not None:
        hub.stop()
    for name in PER_RUNTIME_STATE:
        if hasattr(app.state, name):
            delattr(app.state, name)
    app.state.runtime = runtime
    return app


class World:
    """Builds users with tokens and an API client each, against one app and database."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.app = app_for(runtime)
        self.anonymous = TestClient(self.app)

    def person(self, name: str, role: str = "responder") -> Person:
        with self.runtime.db.write_session() as session:
            ctx = self.runtime.system_context(session)
            user = users.create_user(ctx, email=f"{name}@example.com", name=name.title(), role=role)
            _, token = users.create_token(ctx, user, "test")
        client = TestClient(self.app, headers={"Authorization": f"Bearer {token}"})
        return Person(user=user, token=token, client=client)

    def context(self, session, actor: User | None) -> Context:
        return Context(db=session, actor=actor, clock=self.runtime.clock, policy=self.runtime.policy)


@pytest.fixture
def world(runtime: Runtime) -> World:
    return World(runtime)


@pytest.fixture
def admin(world: World) -> Person:
    return world.person("ada", "admin")


@pytest.fixture
def responder(world: World) -> Person:
    return world.person("rita", "responder")


@pytest.fixture
def viewer(world: World) -> Person:
    return world.person("victor", "viewer")


@pytest.fixture
def server_url(runtime: Runtime) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 in a thread, serving the test runtime."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app_for(runtime), log_level="warning", lifespan="off",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "test server did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def receiver():
    """A real HTTP server on 127.0.0.1 that records what it receives (tests/receivers.py)."""
    from receivers import start_receiver

    r = start_receiver()
    yield r
    r.close()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator["Servers"]:
    """Real `warroom serve --no-worker` processes (tests/processes.py), stopped at the end."""
    from processes import Servers

    running = Servers(tmp_path)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def mailbox():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping what it receives (tests/receivers.py)."""
    from receivers import MailBox

    box = MailBox()
    yield box
    box.close()
