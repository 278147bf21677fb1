"""The public page's cache across processes: a real `warroom serve` keeps its own cache, and learns
of changes committed by another process through the page version in the database."""

from __future__ import annotations

import time

import httpx
import pytest
from processes import cli_env

from warroom.incidents import service
from warroom.incidents.schemas import IncidentCreate
from warroom.statuspage import components

pytestmark = pytest.mark.slow


def unresolved(base: str) -> list[str]:
    return [i["name"] for i in httpx.get(f"{base}/api/v2/incidents/unresolved.json", timeout=10).json()["incidents"]]


def test_a_server_sees_a_change_made_by_another_process_within_seconds(runtime, servers, world, tmp_path):
    admin = world.person("ada", "admin").user
    (base,) = servers.start(cli_env(runtime.settings.database_url, tmp_path), count=1)
    first = httpx.get(f"{base}/api/v2/status.json", timeout=10)
    assert first.status_code == 200 and unresolved(base) == []
    # Cached now: repeated reads revalidate to 304 with the same ETag.
    again = httpx.get(f"{base}/api/v2/status.json", headers={"If-None-Match": first.headers["etag"]}, timeout=10)
    assert again.status_code == 304

    with runtime.db.write_session() as session:  # this test process: the server is not told
        ctx = world.context(session, session.get(type(admin), admin.id))
        components.create_component(ctx, "Checkout")
        service.declare(ctx, IncidentCreate(title="Card payments fail", severity="SEV2", visibility="public"))
    deadline = time.monotonic() + 10
    while unresolved(base) != ["Card payments fail"]:
        assert time.monotonic() < deadline, "the server kept serving its stale page"
        time.sleep(0.2)
    changed = httpx.get(f"{base}/api/v2/status.json", headers={"If-None-Match": first.headers["etag"]}, timeout=10)
    assert changed.status_code == 200 and changed.headers["etag"] != first.headers["etag"]
    assert "Traceback" not in servers.logs()
