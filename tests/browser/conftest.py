"""End-to-end browser tests: Debian's Chromium, driven by Playwright, against a real `warroom serve`.

One server process for the whole run, on a database of its own (a temporary SQLite file, or a
`<test db>_browser` database next to WARROOM_TEST_DATABASE_URL on PostgreSQL). Tests never empty it:
each creates its own people and incidents through `seed` with unique names, and looks only at those.

    def test_something(seed, signed_in):
        rita = seed.person("responder")
        page = signed_in(rita)               # a fresh browser context, signed in, on the dashboard
        page.goto(seed.url("/incidents"))

Chromium is Debian's (/usr/bin/chromium); Playwright never downloads a browser. Without Chromium
these tests fail loudly rather than skip: CI installs it and must run them.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from warroom.core.config import load_settings
from warroom.core.runtime import Runtime
from warroom.incidents.schemas import IncidentCreate
from warroom.incidents import service as incidents
from warroom.catalog import service as catalog
from warroom.users import passwords
from warroom.users import service as users

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "correct horse battery staple"
_unique = itertools.count(1)


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _browser_database(tmp_path_factory) -> Iterator[str]:
    base = os.environ.get("WARROOM_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'warroom.sqlite3'}"
        return
    url = make_url(base)
    name = f"{url.database}_browser"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    database_url: str
    process: subprocess.Popen
    log: Path


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    """`warroom serve` (with its worker) as a child process, as an operator would run it."""
    for database_url in _browser_database(tmp_path_factory):
        data_dir = tmp_path_factory.mktemp("browser-data")
        port = _free_port()
        env = {**os.environ, "WARROOM_DATABASE_URL": database_url, "WARROOM_DATA_DIR": str(data_dir)}
        env.pop("WARROOM_CONFIG", None)
        log = data_dir / "server.log"
        warroom = Path(sys.executable).with_name("warroom")
        with log.open("wb") as out:
            process = subprocess.Popen([str(warroom), "serve", "--port", str(port)], env=env,
                                       stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"warroom serve exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"warroom serve did not start:\n{log.read_text()}"
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield Server(url=url, database_url=database_url, process=process, log=log)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Account:
    id: int
    email: str
    name: str
    role: str
    password: str = PASSWORD


class Seed:
    """Makes people, services and incidents in the server's database, directly through the
    services (as `warroom user create` would), each with a unique name."""

    def __init__(self, server: Server) -> None:
        self.server = server
        settings = load_settings({"WARROOM_DATABASE_URL": server.database_url,
                                  "WARROOM_DATA_DIR": str(server.log.parent)})
        self.runtime = Runtime.from_settings(settings)

    def url(self, path: str) -> str:
        return self.server.url + path

    def unique(self, prefix: str) -> str:
        return f"{prefix}{next(_unique)}-{os.getpid()}"

    def person(self, role: str = "responder", *, name: str | None = None,
               timezone: str = "UTC") -> Account:
        handle = self.unique(role)
        with self.runtime.db.write_session() as session:
            ctx = self.runtime.system_context(session)
            user = users.create_user(ctx, email=f"{handle}@example.com", name=name or handle.title(),
                                     role=role, timezone=timezone)
            passwords.set_password(ctx, user, PASSWORD)
            return Account(id=user.id, email=user.email, name=user.name, role=role)

    def service(self, name: str | None = None) -> str:
        with self.runtime.db.write_session() as session:
            ctx = self.runtime.system_context(session)
            return catalog.create_service(ctx, name=name or self.unique("svc")).name

    def incident(self, by: Account, **fields) -> str:
        """Declares an incident as `by`; returns its ref (INC-n)."""
        fields.setdefault("title", self.unique("Incident "))
        fields.setdefault("severity", "SEV3")
        with self.runtime.db.write_session() as session:
            actor = users.find_user(session, by.email)
            ctx = self.runtime.system_context(session)
            ctx = type(ctx)(db=session, actor=actor, clock=ctx.clock, policy=ctx.policy)
            return incidents.declare(ctx, IncidentCreate(**fields)).ref


@pytest.fixture(scope="session")
def seed(server: Server) -> Iterator[Seed]:
    seeder = Seed(server)
    yield seeder
    seeder.runtime.db.dispose()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is not installed: apt-get install chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_context(chromium, server: Server) -> Iterator[Callable]:
    """Fresh browser contexts (own cookies, like separate people on separate machines)."""
    opened = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = chromium.new_context(base_url=server.url, **options)
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(30_000)  # a loaded CI machine: the first page load builds caches
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


@pytest.fixture
def signed_in(new_context, server: Server) -> Callable:
    """A page signed in as the account, left on the dashboard."""

    def sign_in(account: Account, **options):
        page = new_context(**options).new_page()
        page.goto("/signin")
        page.get_by_label("Email").fill(account.email)
        page.get_by_label("Password").fill(account.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.url}/")
        return page

    return sign_in
