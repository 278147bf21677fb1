"""Paging with real `warroom worker` processes and the real clock: a worker killed (SIGKILL) in the
middle of an escalation wait, restarted, still escalates once and on time; and on PostgreSQL three
workers page 500 incidents at once, each step reaching the receiver exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update

from warroom.core.clock import ManualClock
from warroom.core.timers import Timer
from warroom.oncall.paging import ESCALATE
from warroom.oncall.paging_schemas import ContactMethodIn, NotificationRuleIn
from warroom.oncall import contacts

from test_paging import make_policy


@pytest.fixture
def clock() -> ManualClock:
    """The test's own writes use the real time, as the worker processes do."""
    return ManualClock(datetime.now(timezone.utc))


def reachable(desk, user, url: str) -> None:
    """A verified webhook contact for `user` (verified in the database: the test message is not the point)."""
    with desk.ctx(user) as ctx:
        method = contacts.add_method(ctx, ContactMethodIn(kind="webhook", address=url))
        method.verified_at = ctx.now()
        ctx.db.flush()
        contacts.add_rule(ctx, NotificationRuleIn(contact_method=method.id, urgency="high"))


def pages_received(receiver) -> list:
    return [r for r in receiver.requests if r.json()["type"] == "page.triggered"]


def start_worker(runtime, tmp_path: Path, name: str) -> subprocess.Popen:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")},
           "WARROOM_DATABASE_URL": runtime.settings.database_url, "WARROOM_DATA_DIR": str(tmp_path)}
    warroom = str(Path(sys.executable).with_name("warroom"))
    return subprocess.Popen([warroom, "worker"], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(tmp_path / f"{name}.log", "w"))


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def due_in(runtime, seconds: float) -> datetime:
    """Bring every pending escalation step to `seconds` from now (levels wait whole minutes; a
    few seconds keep the test short without changing what is tested)."""
    due = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    with runtime.db.write_session() as db:
        db.execute(update(Timer).where(Timer.kind == ESCALATE, Timer.fired_at.is_(None)).values(due_at=due))
    return due


def test_a_worker_killed_mid_wait_escalates_once_and_on_time_after_restart(desk, runtime, ada, rita, sam,
                                                                           receiver, tmp_path):
    reachable(desk, rita, receiver.url + "/rita")
    reachable(desk, sam, receiver.url + "/sam")
    make_policy(desk, ada, [(1, [("user", "rita")]), (1, [("user", "sam")])])
    worker = start_worker(runtime, tmp_path, "first")
    try:
        desk.declare(ada, severity="SEV2", services=["checkout"])
        deadline = time.monotonic() + 60
        while not pages_received(receiver) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [r.path for r in pages_received(receiver)] == ["/rita"]
        time.sleep(1)  # the worker is now waiting, polling for the level-2 step
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        stop(worker)
    # Level 2 comes due while no worker runs; 20 s leaves the restarted process time to boot.
    due = due_in(runtime, 20)
    restarted = start_worker(runtime, tmp_path, "second")
    try:
        deadline = time.monotonic() + 60
        while len(pages_received(receiver)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        arrived = datetime.now(timezone.utc)
        time.sleep(3)  # time for a duplicate to show up, if there were one
    finally:
        stop(restarted)
    assert datetime.now(timezone.utc) > due
    assert [r.path for r in pages_received(receiver)] == ["/rita", "/sam"]
    with runtime.db.read_session() as db:
        [fired_at] = db.scalars(select(Timer.fired_at).where(Timer.kind == ESCALATE,
                                                             Timer.fired_at.is_not(None))).all()
    # Fired within a poll of its due time, and its message reached the receiver soon after.
    assert timedelta(0) <= fired_at - due < timedelta(seconds=2)
    assert arrived - due < timedelta(seconds=5)
    assert desk.kinds("INC-1").count("escalated") == 1
    ack_url = pages_received(receiver)[1].json()["data"]["ack_url"]
    assert ack_url.startswith(runtime.settings.url.rstrip("/") + "/ack/")


@pytest.mark.postgres_only
def test_three_workers_page_500_incidents_each_step_exactly_once(desk, runtime, ada, rita, sam, receiver,
                                                                  tmp_path):
    reachable(desk, rita, receiver.url + "/rita")
    reachable(desk, sam, receiver.url + "/sam")
    make_policy(desk, ada, [(1, [("user", "rita")]), (1, [("user", "sam")])])
    for n in range(500):
        desk.declare(ada, title=f"Checkout failure {n}", severity="SEV2", services=["checkout"])
    due_in(runtime, 8)  # every level-2 step due at the same moment
    workers = [start_worker(runtime, tmp_path, f"worker-{n}") for n in range(3)]
    try:
        deadline = time.monotonic() + 240
        while len(pages_received(receiver)) < 1000 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)
    finally:
        for worker in workers:
            stop(worker)
    received = pages_received(receiver)
    steps = Counter((r.path, r.json()["data"]["incident"]["ref"]) for r in received)
    assert len(steps) == 1000 and set(steps.values()) == {1}, Counter(steps.values())
    assert len({r.headers["webhook-id"] for r in received}) == len(received) == 1000
    with runtime.db.read_session() as db:
        fired = list(db.scalars(select(Timer).where(Timer.kind == ESCALATE, Timer.fired_at.is_not(None))))
    assert len(fired) == 500
