"""Concurrency against real `warroom serve --no-worker` processes on 127.0.0.1.

PostgreSQL: two servers on one database (both migrate at start, under an advisory lock) take
declarations from many threads at once; incident numbers stay unique and gapless. SQLite: one
server with several threads gets no "database is locked" and no duplicate numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import httpx
import pytest
from processes import Servers, admin_token, cli_env

pytestmark = pytest.mark.slow


def _declare_concurrently(bases: list[str], token: str, count: int,
                          threads: int) -> list[httpx.Response | httpx.TransportError]:
    headers = {"Authorization": f"Bearer {token}"}
    clients = [httpx.Client(base_url=base, headers=headers, timeout=60) for base in bases]
    start = Barrier(threads)

    def declare(n: int) -> httpx.Response | httpx.TransportError:
        if n < threads:
            start.wait(timeout=30)  # the first wave leaves together
        try:
            return clients[n % len(clients)].post(
                "/api/v1/incidents", json={"title": f"Concurrent incident {n}", "severity": "SEV3"})
        except httpx.TransportError as exc:  # e.g. the server dropped the connection after a 500
            return exc

    try:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            return list(pool.map(declare, range(count)))
    finally:
        for client in clients:
            client.close()


def _assert_numbered_without_gaps(responses: list, count: int) -> None:
    bad = [repr(r) if isinstance(r, Exception) else (r.status_code, r.text[:200])
           for r in responses if isinstance(r, Exception) or r.status_code != 201]
    assert not bad, f"{len(bad)} of {count} declarations failed: {bad[:5]}"
    refs = [r.json()["ref"] for r in responses]
    assert len(set(refs)) == count, "duplicate refs"
    assert sorted(refs, key=lambda ref: int(ref[4:])) == [f"INC-{n}" for n in range(1, count + 1)]
    titles = {r.json()["title"] for r in responses}
    assert titles == {f"Concurrent incident {n}" for n in range(count)}


@pytest.mark.postgres_only
def test_two_servers_number_concurrent_declarations_without_gaps(runtime, servers, tmp_path):
    # The runtime fixture has emptied the test database; the servers and the CLI share it.
    env = cli_env(runtime.settings.database_url, tmp_path)
    token = admin_token(env)
    bases = servers.start(env, count=2)
    responses = _declare_concurrently(bases, token, count=60, threads=16)
    _assert_numbered_without_gaps(responses, 60)
    assert {str(r.url).rsplit("/api", 1)[0] for r in responses} == set(bases)  # both servers took some
    for base in bases:  # each server sees all of them
        listing = httpx.get(f"{base}/api/v1/incidents", params={"limit": 1},
                            headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
        assert listing["total"] == 60 and listing["items"][0]["ref"] == "INC-60"
    assert "Traceback" not in servers.logs()


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory) -> Iterator[tuple[str, str, Servers]]:
    """One server on its own SQLite file, whatever database the rest of the suite uses; shared by
    this module's SQLite tests (starting it costs seconds)."""
    tmp_path = tmp_path_factory.mktemp("sqlite-server")
    env = cli_env(f"sqlite:///{tmp_path / 'concurrent.sqlite3'}", tmp_path)
    running = Servers(tmp_path)
    try:
        token = admin_token(env)
        (base,) = running.start(env, count=1)
        yield base, token, running
    finally:
        running.stop()


def test_one_sqlite_server_takes_concurrent_writes_without_locking_errors(sqlite_server):
    base, token, servers = sqlite_server
    responses = _declare_concurrently([base], token, count=40, threads=8)
    _assert_numbered_without_gaps(responses, 40)

    # Mixed writes on one incident from many threads: notes and edits all land, none is lost.
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        def write(n: int) -> int:
            if n % 4 == 0:
                return client.patch("/api/v1/incidents/INC-1", json={"summary": f"edit {n}"}).status_code
            return client.post("/api/v1/incidents/INC-1/timeline", json={"body": f"note {n}"}).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(write, range(48)))
        assert statuses.count(201) == 36 and statuses.count(200) == 12
        events = client.get("/api/v1/incidents/INC-1/timeline", params={"limit": 500}).json()["items"]
    assert sorted(e["body"] for e in events if e["kind"] == "note") == sorted(
        f"note {n}" for n in range(48) if n % 4)
    assert sum(e["kind"] == "field_edited" for e in events) == 12
    logs = servers.logs()
    assert "database is locked" not in logs and "Traceback" not in logs


def test_real_server_refuses_streamed_and_announced_bodies_over_1_mib(sqlite_server):
    base, token, _ = sqlite_server
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = b'{"title": "Big", "severity": "SEV3", "summary": "' + b"x" * (1024 * 1024) + b'"}'

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start:start + 64 * 1024]

    sends: list[Callable[[], httpx.Response]] = [
        lambda: httpx.post(f"{base}/api/v1/incidents", content=body, headers=headers, timeout=30),
        lambda: httpx.post(f"{base}/api/v1/incidents", content=chunks(), headers=headers, timeout=30),
    ]
    def total() -> int:
        return httpx.get(f"{base}/api/v1/incidents", headers=headers, timeout=30).json()["total"]

    before = total()
    for send in sends:
        r = send()
        assert r.status_code == 413, r.text
        assert r.json()["error"]["code"] == "too_large"
    assert total() == before
    # The connection handling survived: a normal request right after is served.
    r = httpx.post(f"{base}/api/v1/incidents", json={"title": "Small", "severity": "SEV4"}, headers=headers)
    assert r.status_code == 201 and total() == before + 1
