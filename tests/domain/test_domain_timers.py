"""Durable timers and the worker: the response-due deadline fires once, retries back off, and several
workers never fire the same timer twice."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from warroom.core import timers
from warroom.core.runtime import Runtime
from warroom.core.timers import MAX_BACKOFF, Timer
from warroom.core.worker import Worker
from warroom.incidents import service, timeline
from warroom.incidents.deadlines import RESPONSE_DUE

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def handler():
    """Registers timer handlers for the test only."""
    kinds = []

    def register(kind, function):
        timers.handles(kind)(function)
        kinds.append(kind)

    yield register
    for kind in kinds:
        timers._handlers.pop(kind, None)


def missed(desk, ref):
    return [e for e in desk.events(ref) if e.kind == "response_target_missed"]


def test_a_missed_response_target_is_recorded_exactly_once(desk, runtime, rita, clock):
    ref = desk.declare(rita, severity="SEV2")
    worker = Worker(runtime)
    clock.advance(minutes=14, seconds=59)
    assert worker.run_once() == 0
    assert missed(desk, ref) == []
    clock.advance(seconds=1)
    assert worker.run_once() == 1
    [event] = missed(desk, ref)
    assert event.actor_id is None and event.occurred_at == T0 + timedelta(minutes=15)
    assert event.data == {"severity": "SEV2", "due_at": "2026-03-02T10:15:00Z"}
    [timer] = desk.timers(RESPONSE_DUE)
    assert timer.fired_at == T0 + timedelta(minutes=15) and timer.attempts == 0
    clock.advance(hours=2)
    assert worker.run_once() == 1  # only the status update now overdue (SEV2: hourly)
    assert Worker(runtime).run_once() == 0
    assert len(missed(desk, ref)) == 1


def test_a_commander_before_the_deadline_cancels_it(desk, runtime, rita, sam, clock):
    ref = desk.declare(rita, severity="SEV2")
    clock.advance(minutes=10)
    desk.assign(rita, ref, "commander", sam)
    clock.advance(minutes=45)  # past the response target, before the first status update is due
    assert Worker(runtime).run_once() == 0
    assert missed(desk, ref) == []
    row = desk.row(ref)
    assert row["response_due_at"] == T0 + timedelta(minutes=15)
    assert row["waiting"] == []
    assert [t.canceled_at for t in desk.timers(RESPONSE_DUE)] == [T0 + timedelta(minutes=10)]


def test_a_severity_change_moves_the_deadline(desk, runtime, rita, clock):
    ref = desk.declare(rita, severity="SEV3")       # due T0+60m
    clock.advance(minutes=50)
    desk.severity(rita, ref, "SEV2")                # due T0+65m
    clock.advance(minutes=12)                       # T0+62m: past the old target, not the new one
    worker = Worker(runtime)
    assert worker.run_once() == 0
    assert missed(desk, ref) == []
    clock.advance(minutes=3)
    assert worker.run_once() == 1
    [event] = missed(desk, ref)
    assert event.data["due_at"] == "2026-03-02T11:05:00Z"


def test_a_timer_for_a_canceled_incident_fires_quietly(desk, runtime, rita, clock):
    ref = desk.declare(rita, severity="SEV1")
    with desk.ctx(rita) as ctx:  # an incident canceled behind the timer's back still stays quiet
        incident = service.get_incident(ctx, ref)
        incident.status, incident.canceled_at = "canceled", ctx.now()
    clock.advance(minutes=1)
    assert Worker(runtime).run_once() == 1
    assert missed(desk, ref) == []
    assert desk.timers(RESPONSE_DUE)[0].fired_at == T0 + timedelta(minutes=1)


def test_timers_survive_a_restart(desk, runtime, rita, clock):
    ref = desk.declare(rita, severity="SEV2")
    clock.advance(minutes=20)
    fresh = Runtime.from_settings(runtime.settings, clock=clock)  # a new process on the same database
    try:
        assert Worker(fresh).run_once() == 1
    finally:
        fresh.db.dispose()
    assert len(missed(desk, ref)) == 1


def test_a_failing_handler_is_retried_with_backoff(desk, runtime, rita, clock, handler):
    ref = desk.declare(rita, severity="SEV2")
    calls = []

    def flaky(ctx, timer):
        calls.append(ctx.now())
        incident = service.get_incident(ctx, timer.subject_id)
        timeline.add_note(ctx, incident, "written by a handler that then fails")
        if len(calls) < 3:
            raise RuntimeError(f"receiver down (call {len(calls)})")

    handler("test.flaky", flaky)
    incident_id = desk.row(ref)["id"]
    with desk.ctx(None) as ctx:
        timers.schedule(ctx, "test.flaky", incident_id, clock.now())
    clock.advance(minutes=15)  # the response-due timer of the same incident comes due as well
    worker = Worker(runtime)
    assert worker.run_once() == 2
    flaky_timer = desk.timers("test.flaky")[0]
    assert (flaky_timer.attempts, flaky_timer.fired_at) == (1, None)
    assert flaky_timer.last_error == "RuntimeError: receiver down (call 1)"
    assert flaky_timer.due_at == clock.now() + timedelta(seconds=2)
    # The failed attempt's writes are rolled back; the other due timer fired regardless.
    assert [e.kind for e in desk.events(ref)].count("note") == 0
    assert len(missed(desk, ref)) == 1

    assert worker.run_once() == 0  # not due again yet
    clock.advance(seconds=2)
    assert worker.run_once() == 1
    flaky_timer = desk.timers("test.flaky")[0]
    assert (flaky_timer.attempts, flaky_timer.last_error) == (2, "RuntimeError: receiver down (call 2)")
    assert flaky_timer.due_at == clock.now() + timedelta(seconds=4)
    clock.advance(seconds=3)
    assert worker.run_once() == 0
    clock.advance(seconds=1)
    assert worker.run_once() == 1
    flaky_timer = desk.timers("test.flaky")[0]
    assert flaky_timer.fired_at == clock.now() and flaky_timer.attempts == 2
    assert len(calls) == 3
    assert [e.body for e in desk.events(ref) if e.kind == "note"] == ["written by a handler that then fails"]


def test_backoff_is_capped_and_unknown_kinds_are_recorded(desk, runtime, clock):
    with desk.ctx(None) as ctx:
        timers.schedule(ctx, "test.nobody-handles-this", 7, clock.now())
        ctx.db.flush()
        ctx.db.execute(update(Timer).values(attempts=12))
    assert Worker(runtime).run_once() == 1
    [timer] = desk.timers()
    assert timer.attempts == 13 and timer.fired_at is None
    assert timer.last_error == "LookupError: no handler for timer kind 'test.nobody-handles-this'"
    assert timer.due_at == clock.now() + MAX_BACKOFF


def test_cancel_and_reschedule(desk, clock):
    with desk.ctx(None) as ctx:
        timers.schedule(ctx, "test.kind", 1, clock.now() + timedelta(minutes=5))
        timers.schedule(ctx, "test.kind", 2, clock.now() + timedelta(minutes=5))
        ctx.db.flush()
        timers.reschedule(ctx, "test.kind", 1, clock.now() + timedelta(minutes=9))
        assert [t.due_at for t in timers.pending(ctx.db, "test.kind", 1)] == [T0 + timedelta(minutes=9)]
        assert timers.cancel(ctx, "test.kind", 2) == 1
        assert timers.cancel(ctx, "test.kind", 2) == 0
        assert timers.pending(ctx.db, "test.kind", 2) == []


def run_workers_concurrently(runtime, threads: int) -> list[int]:
    barrier = threading.Barrier(threads)
    results: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def work():
        worker = Worker(runtime)
        barrier.wait()
        try:
            handled = worker.run_once()
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                failures.append(exc)
        else:
            with lock:
                results.append(handled)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not failures, failures
    assert len(results) == threads
    return results


def declare_many(desk, actor, count: int) -> list[str]:
    return [desk.declare(actor, f"Incident {n}", severity=("SEV2", "SEV3")[n % 2]) for n in range(count)]


def assert_each_fired_once(desk, refs, results):
    # Response targets (all due) and, for the hourly SEV2s, their status updates (due too).
    fired = [t for t in desk.timers() if t.fired_at is not None]
    assert sum(results) == len(fired) > len(refs)
    for ref in refs:
        assert len(missed(desk, ref)) == 1, ref
        assert desk.kinds(ref).count("update_overdue") <= 1, ref
    assert all(t.fired_at is not None and t.attempts == 0 for t in desk.timers(RESPONSE_DUE))
    assert all(t.attempts == 0 for t in fired)


@pytest.mark.postgres_only
def test_concurrent_workers_fire_each_timer_once_on_postgresql(desk, runtime, rita, clock):
    refs = declare_many(desk, rita, 120)
    clock.advance(hours=2)
    results = run_workers_concurrently(runtime, threads=8)
    assert_each_fired_once(desk, refs, results)


@pytest.mark.postgres_only
def test_workers_hold_disjoint_timers_at_the_same_time(desk, runtime, clock, handler):
    """Proof that claiming does not serialise: three workers must each be inside a handler at once
    (a rendezvous), which only works if each skips the rows the others have locked."""
    arrived: set[str] = set()
    all_here = threading.Event()
    lock = threading.Lock()
    fired: list[tuple[str, int]] = []
    gave_up: list[str] = []

    def meet(ctx, timer):
        me = threading.current_thread().name
        with lock:
            arrived.add(me)
            if len(arrived) >= 3:
                all_here.set()
        if not all_here.wait(timeout=0 if gave_up else 20):
            gave_up.append(me)  # fail the rest fast instead of waiting again for each timer
            raise TimeoutError("fewer than three workers were handling timers at once")
        with lock:
            fired.append((me, timer.subject_id))

    handler("test.meet", meet)
    with desk.ctx(None) as ctx:
        for subject in range(120):  # more than two batches of 50, so at least three workers claim
            timers.schedule(ctx, "test.meet", subject, clock.now())
    results = run_workers_concurrently(runtime, threads=5)
    assert sum(results) == 120
    assert sorted(subject for _, subject in fired) == list(range(120))
    assert len({name for name, _ in fired}) >= 3
    assert all(t.fired_at == clock.now() and t.attempts == 0 and t.last_error == ""
               for t in desk.timers("test.meet"))


def test_concurrent_workers_fire_each_timer_once_on_any_database(desk, runtime, rita, clock):
    refs = declare_many(desk, rita, 30)
    clock.advance(hours=2)
    results = run_workers_concurrently(runtime, threads=4)
    assert_each_fired_once(desk, refs, results)
