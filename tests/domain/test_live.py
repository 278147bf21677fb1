"""Live notifications: pg_notify on commit only (PostgreSQL), and which events a stream sends."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from sqlalchemy.engine import make_url

from warroom.incidents import live, service, timeline


@pytest.mark.postgres_only
def test_a_notification_is_sent_on_commit_and_never_on_rollback(desk, runtime, rita):
    import psycopg

    ref = desk.declare(rita)
    incident_id = desk.row(ref)["id"]
    url = make_url(runtime.settings.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {live.CHANNEL}")
        with pytest.raises(RuntimeError), desk.ctx(rita) as ctx:
            timeline.add_note(ctx, service.get_incident(ctx, ref), "never committed")
            raise RuntimeError("rolled back")
        assert list(listener.notifies(timeout=0.5)) == []
        desk.note(rita, ref, "committed")
        [note] = list(listener.notifies(timeout=2.0, stop_after=1))
        assert note.channel == live.CHANNEL and note.payload == str(incident_id)


@pytest.mark.postgres_only
def test_the_hub_wakes_the_streams_of_that_incident(desk, runtime, rita):
    ref = desk.declare(rita)
    other = desk.declare(rita, "Search is slow")
    hub = live.Hub(runtime.settings.database_url, runtime.db.dialect)
    hub.start()

    async def scenario() -> tuple[bool, bool]:
        watched = hub.subscribe(desk.row(ref)["id"])
        unrelated = hub.subscribe(desk.row(other)["id"])
        await asyncio.sleep(0.5)  # the listener is connected
        await asyncio.to_thread(desk.note, rita, ref, "hello")
        try:
            await asyncio.wait_for(watched.wait(), timeout=3)
        except TimeoutError:
            pass
        return watched.is_set(), unrelated.is_set()

    # In a thread of its own: Playwright's session-wide browser keeps an event loop running in the
    # main thread when the browser tests ran first.
    result: list[tuple[bool, bool]] = []
    runner = threading.Thread(target=lambda: result.append(asyncio.run(scenario())))
    try:
        runner.start()
        runner.join(30)
        assert result == [(True, False)]
    finally:
        hub.stop()


def test_events_since_skips_sent_and_catches_late_commits_of_lower_ids(desk, runtime, clock, rita):
    ref = desk.declare(rita)
    start = desk.note(rita, ref, "on the page already")
    clock.advance(minutes=5)
    first, second, third = (desk.note(rita, ref, text) for text in ("a", "b", "c"))
    incident_id = desk.row(ref)["id"]
    with runtime.db.read_session() as db:
        now = clock.now()
        found = [e.id for e in live.events_since(db, incident_id, start, start, set(), now)]
        assert found == [first, second, third]
        # `third` was sent; `second` committed late (e.g. a lower id from another process): still sent.
        found = [e.id for e in live.events_since(db, incident_id, start, third, {first, third}, now)]
        assert found == [second]
        later = now + live.LATE_COMMIT_WINDOW + timedelta(seconds=1)
        assert live.events_since(db, incident_id, start, third, {first, third}, later) == []


def test_starred_ids_are_the_incidents_starred_events_now(desk, runtime, rita):
    ref, other = desk.declare(rita), desk.declare(rita, "Search is slow")
    first, second = desk.note(rita, ref, "a"), desk.note(rita, ref, "b")
    elsewhere = desk.note(rita, other, "c")
    with runtime.db.read_session() as db:
        already = live.starred_ids(db, desk.row(ref)["id"])  # e.g. "declared" is a key event
    assert first not in already and second not in already
    with desk.ctx(rita) as ctx:
        timeline.set_starred(ctx, service.get_incident(ctx, ref), second, True)
        timeline.set_starred(ctx, service.get_incident(ctx, other), elsewhere, True)
    with runtime.db.read_session() as db:
        assert live.starred_ids(db, desk.row(ref)["id"]) == already | {second}
    with desk.ctx(rita) as ctx:
        incident = service.get_incident(ctx, ref)
        timeline.set_starred(ctx, incident, first, True)
        timeline.set_starred(ctx, incident, second, False)
    with runtime.db.read_session() as db:
        assert live.starred_ids(db, desk.row(ref)["id"]) == already | {first}
