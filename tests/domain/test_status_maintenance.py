"""Scheduled maintenance through its states, moved by durable timers (with the test clock) and by
hand: scheduled -> in_progress -> verifying -> completed, and scheduled -> canceled."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from warroom.core.errors import Conflict, Forbidden, Invalid
from warroom.core.runtime import Runtime
from warroom.core.timers import Timer
from warroom.core.worker import Worker
from warroom.statuspage import components, maintenance
from warroom.statuspage.maintenance import END, START
from warroom.statuspage.models import Maintenance

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # the test clock's start (tests/conftest.py)


@pytest.fixture
def parts(desk, ada):
    with desk.ctx(ada) as ctx:
        components.create_component(ctx, "Checkout")
        components.create_component(ctx, "Search")


def schedule(desk, actor, start: timedelta, end: timedelta, **fields) -> str:
    fields = {"title": "Database upgrade", "component_refs": ["Checkout"], **fields}
    with desk.ctx(actor) as ctx:
        return maintenance.schedule(ctx, starts_at=ctx.now() + start, ends_at=ctx.now() + end, **fields).public_id


def move(desk, actor, public_id: str, status: str, body: str = "") -> None:
    with desk.ctx(actor) as ctx:
        maintenance.move(ctx, maintenance.get_maintenance(ctx, public_id), status, body=body)


def read(desk, public_id: str) -> SimpleNamespace:
    """The maintenance's state and what the page shows because of it."""
    with desk.reading() as ctx:
        found = maintenance.get_maintenance(ctx, public_id)
        return SimpleNamespace(
            status=found.status, started_at=found.started_at, completed_at=found.completed_at,
            starts_at=found.starts_at, ends_at=found.ends_at,
            updates=[(u.status, u.body, u.at) for u in found.updates],
            components={c.name: c.status for c in components.list_components(ctx)})


def counts(desk) -> tuple[int, int]:
    with desk.reading() as ctx:
        return (ctx.db.scalar(select(func.count()).select_from(Maintenance)),
                ctx.db.scalar(select(func.count()).select_from(Timer)))


def test_timers_start_and_end_a_scheduled_window(desk, runtime, ada, parts, clock):
    public_id = schedule(desk, ada, timedelta(hours=1), timedelta(hours=2))
    assert [(t.kind, t.due_at) for t in desk.timers()] == [(START, T0 + timedelta(hours=1)),
                                                          (END, T0 + timedelta(hours=2))]
    worker = Worker(runtime)
    clock.advance(minutes=59)
    assert worker.run_once() == 0
    assert read(desk, public_id).components == {"Checkout": "operational", "Search": "operational"}

    clock.advance(minutes=1)
    assert worker.run_once() == 1
    running = read(desk, public_id)
    assert running.status == "in_progress" and running.started_at == T0 + timedelta(hours=1)
    assert running.components == {"Checkout": "under_maintenance", "Search": "operational"}

    clock.advance(hours=1)
    assert worker.run_once() == 1
    done = read(desk, public_id)
    assert done.status == "completed" and done.completed_at == T0 + timedelta(hours=2)
    assert done.components == {"Checkout": "operational", "Search": "operational"}
    assert [(s, at) for s, _, at in done.updates] == [
        ("scheduled", T0), ("in_progress", T0 + timedelta(hours=1)), ("completed", T0 + timedelta(hours=2))]
    assert done.updates[1][1] == "Maintenance is in progress."  # the standard words when no one wrote any
    assert worker.run_once() == 0


def _fresh_worker_run(runtime, clock) -> int:
    """A worker in a new process on the same database: nothing held in memory survives."""
    fresh = Runtime.from_settings(runtime.settings, clock=clock)
    try:
        return Worker(fresh).run_once()
    finally:
        fresh.db.dispose()


def test_a_restarted_worker_catches_up_on_a_window_it_slept_through(desk, runtime, ada, parts, clock):
    first = schedule(desk, ada, timedelta(hours=1), timedelta(hours=2))
    second = schedule(desk, ada, timedelta(hours=1), timedelta(hours=5), title="Network work")
    clock.advance(hours=3)  # no worker ran across the first window at all
    assert _fresh_worker_run(runtime, clock) == 3
    caught_up = read(desk, first)
    assert caught_up.status == "completed" and [s for s, _, _ in caught_up.updates] == [
        "scheduled", "in_progress", "completed"]
    assert read(desk, second).status == "in_progress"
    assert read(desk, second).components["Checkout"] == "under_maintenance"  # the other window still runs
    clock.advance(hours=2)
    assert _fresh_worker_run(runtime, clock) == 1
    assert read(desk, second).status == "completed"
    assert read(desk, second).components["Checkout"] == "operational"


def test_moved_by_hand_early_and_then_ended_by_its_timer(desk, runtime, ada, parts, clock):
    public_id = schedule(desk, ada, timedelta(hours=1), timedelta(hours=2))
    clock.advance(minutes=30)
    move(desk, ada, public_id, "in_progress", "Starting early.")
    assert read(desk, public_id).started_at == T0 + timedelta(minutes=30)
    clock.advance(minutes=30)
    assert Worker(runtime).run_once() == 1  # the start timer comes due and finds it started: nothing
    move(desk, ada, public_id, "verifying")
    assert read(desk, public_id).components["Checkout"] == "under_maintenance"  # verifying still counts
    move(desk, ada, public_id, "in_progress", "A replica lags; back to work.")
    clock.advance(hours=1)
    assert Worker(runtime).run_once() == 1
    done = read(desk, public_id)
    assert [(s, b) for s, b, _ in done.updates] == [
        ("scheduled", "Maintenance is scheduled for this window."), ("in_progress", "Starting early."),
        ("verifying", "Maintenance work is done; we are verifying that everything works."),
        ("in_progress", "A replica lags; back to work."), ("completed", "Maintenance has been completed.")]


def test_verify_and_complete_by_hand_cancel_its_timers(desk, runtime, ada, parts, clock):
    public_id = schedule(desk, ada, timedelta(0), timedelta(hours=2))  # starting now: in progress at once
    assert read(desk, public_id).status == "in_progress"
    move(desk, ada, public_id, "verifying")
    move(desk, ada, public_id, "completed", "All done early.")
    assert [t.canceled_at for t in desk.timers(END)] == [T0]
    clock.advance(hours=3)
    assert Worker(runtime).run_once() == 0
    assert read(desk, public_id).updates[-1][:2] == ("completed", "All done early.")


def test_a_canceled_window_never_starts(desk, runtime, ada, parts, clock):
    public_id = schedule(desk, ada, timedelta(hours=1), timedelta(hours=2))
    move(desk, ada, public_id, "canceled", "Postponed to next week.")
    clock.advance(hours=3)
    assert Worker(runtime).run_once() == 0
    canceled = read(desk, public_id)
    assert canceled.status == "canceled" and canceled.started_at is None and canceled.completed_at == T0
    assert canceled.components["Checkout"] == "operational"


@pytest.mark.parametrize(("path", "status"), [
    (("canceled",), "in_progress"),
    ((), "verifying"),
    ((), "completed"),
    (("in_progress",), "canceled"),
    (("in_progress", "completed"), "in_progress"),
])
def test_forbidden_moves_are_409_and_change_nothing(desk, ada, parts, path, status):
    public_id = schedule(desk, ada, timedelta(hours=1), timedelta(hours=2))
    for step in path:
        move(desk, ada, public_id, step)
    before = read(desk, public_id)
    with pytest.raises(Conflict) as refused:
        move(desk, ada, public_id, status)
    assert refused.value.field == "status" and refused.value.http_status == 409
    assert read(desk, public_id) == before


def test_only_admins_move_and_unknown_statuses_are_invalid(desk, ada, rita, parts):
    public_id = schedule(desk, ada, timedelta(hours=1), timedelta(hours=2))
    with pytest.raises(Forbidden):
        move(desk, rita, public_id, "in_progress")
    with pytest.raises(Forbidden):
        schedule(desk, rita, timedelta(hours=1), timedelta(hours=2))
    with pytest.raises(Invalid) as refused:
        move(desk, ada, public_id, "done")
    assert refused.value.field == "status"
    assert read(desk, public_id).status == "scheduled"


@pytest.mark.parametrize(("start", "end", "fields", "field"), [
    (timedelta(hours=2), timedelta(hours=1), {}, "ends_at"),            # ends before it starts
    (timedelta(hours=1), timedelta(hours=1), {}, "ends_at"),            # no length at all
    (timedelta(hours=1), timedelta(days=32), {}, "ends_at"),            # longer than 30 days
    (timedelta(hours=-3), timedelta(hours=-1), {}, "ends_at"),          # already over
    (timedelta(hours=1), timedelta(hours=2), {"title": "  "}, "title"),
    (timedelta(hours=1), timedelta(hours=2), {"component_refs": ["Nowhere"]}, "components"),
])
def test_a_bad_window_is_422_naming_the_field_and_writes_nothing(desk, ada, parts, start, end, fields, field):
    with pytest.raises(Invalid) as refused:
        schedule(desk, ada, start, end, **fields)
    assert refused.value.field == field and refused.value.http_status == 422
    assert counts(desk) == (0, 0)


def test_editing_moves_the_timers_and_refuses_what_no_longer_fits(desk, runtime, ada, parts, clock):
    public_id = schedule(desk, ada, timedelta(hours=1), timedelta(hours=2))
    with desk.ctx(ada) as ctx:
        found = maintenance.get_maintenance(ctx, public_id)
        maintenance.edit(ctx, found, starts_at=ctx.now() + timedelta(hours=3), ends_at=ctx.now() + timedelta(hours=4),
                         component_refs=["Search"])
    pending = [(t.kind, t.due_at) for t in desk.timers() if t.canceled_at is None]
    assert pending == [(START, T0 + timedelta(hours=3)), (END, T0 + timedelta(hours=4))]
    clock.advance(hours=3)
    assert Worker(runtime).run_once() == 1
    assert read(desk, public_id).components == {"Checkout": "operational", "Search": "under_maintenance"}

    for change, error, field in (({"starts_at": T0}, Conflict, "starts_at"),
                                 ({"ends_at": T0 + timedelta(hours=2)}, Invalid, "ends_at"),
                                 ({"ends_at": T0 + timedelta(hours=3, days=31)}, Invalid, "ends_at"),
                                 ({"component_refs": ["Nowhere"]}, Invalid, "components")):
        before = read(desk, public_id)
        with pytest.raises(error) as refused, desk.ctx(ada) as ctx:
            maintenance.edit(ctx, maintenance.get_maintenance(ctx, public_id), **change)
        assert refused.value.field == field
        assert read(desk, public_id) == before
    # The whole form sent back, unchanged start included, is fine while it runs.
    with desk.ctx(ada) as ctx:
        found = maintenance.get_maintenance(ctx, public_id)
        maintenance.edit(ctx, found, title="Network work", starts_at=found.starts_at, ends_at=found.ends_at)
    assert read(desk, public_id).status == "in_progress"
