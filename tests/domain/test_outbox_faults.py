"""Outbox faults with real processes: a worker killed mid-delivery, and two workers on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update

from warroom.comms import channels
from warroom.comms.schemas import ChannelIn
from warroom.core import outbox
from warroom.core.clock import ManualClock
from warroom.core.outbox import OutboxMessage
from warroom.core.worker import Worker


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(timezone.utc).replace(microsecond=0))


def _channel(desk, admin_user, url: str) -> int:
    with desk.ctx(admin_user) as ctx:
        channel, _ = channels.create_channel(ctx, ChannelIn(name="hook", kind="webhook", settings={"url": url}))
        return channel.id


def _statuses(runtime) -> list[str]:
    with runtime.db.read_session() as db:
        return list(db.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_a_worker_killed_mid_delivery_delivers_after_restart_with_the_same_key(desk, runtime, ada, rita,
                                                                                receiver, tmp_path):
    _channel(desk, ada, receiver.url)
    hold = threading.Event()
    receiver.respond = lambda request: (hold.wait(30), (200, "ok"))[1]  # the first request hangs
    desk.declare(rita)
    env = {**os.environ, "WARROOM_DATABASE_URL": runtime.settings.database_url, "WARROOM_DATA_DIR": str(tmp_path)}
    warroom = str(Path(sys.executable).with_name("warroom"))
    worker = subprocess.Popen([warroom, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "worker.log", "w"))
    try:
        [first] = receiver.wait_for(1, timeout=60)  # the worker is inside the delivery now
        assert _statuses(runtime) == ["sending"]
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    receiver.respond = None
    hold.set()
    # The dead worker's lease runs out (60 s; here, by moving its end to now).
    with runtime.db.write_session() as db:
        db.execute(update(OutboxMessage).values(leased_until=datetime.now(timezone.utc) - timedelta(seconds=1)))
    restarted = subprocess.Popen([warroom, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        requests = receiver.wait_for(2, timeout=60)
        deadline = time.monotonic() + 10
        while _statuses(runtime) != ["delivered"] and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        restarted.terminate()
        restarted.wait(10)
    assert len(requests) == 2
    assert requests[1].headers["webhook-id"] == first.headers["webhook-id"]
    assert _statuses(runtime) == ["delivered"]


def test_a_worker_stopped_with_sigterm_finishes_and_records_the_send_in_flight(desk, runtime, ada, rita,
                                                                               receiver, tmp_path):
    _channel(desk, ada, receiver.url)
    hold = threading.Event()
    receiver.respond = lambda request: (hold.wait(30), (200, "ok"))[1]
    desk.declare(rita)
    env = {**os.environ, "WARROOM_DATABASE_URL": runtime.settings.database_url, "WARROOM_DATA_DIR": str(tmp_path)}
    warroom = str(Path(sys.executable).with_name("warroom"))
    worker = subprocess.Popen([warroom, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        receiver.wait_for(1, timeout=60)
        worker.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert worker.poll() is None  # still waiting for the receiver's answer
        hold.set()
        assert worker.wait(20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert _statuses(runtime) == ["delivered"]
    assert len(receiver.requests) == 1


@pytest.mark.postgres_only
def test_two_workers_deliver_a_thousand_messages_none_twice(desk, runtime, ada, receiver):
    channel_id = _channel(desk, ada, receiver.url)
    with desk.ctx(None) as ctx:
        for n in range(1000):
            outbox.enqueue(ctx, "webhook", target={"channel_id": channel_id},
                           payload={"event": "test", "subject": f"message {n}", "text": "load"})
    in_flight: dict[str, int] = {}
    overlaps: list[str] = []
    lock = threading.Lock()

    def respond(request):
        key = request.headers["webhook-id"]
        with lock:
            in_flight[key] = in_flight.get(key, 0) + 1
            if in_flight[key] > 1:
                overlaps.append(key)
        time.sleep(0.001)
        with lock:
            in_flight[key] -= 1
        return 200, "ok"

    receiver.respond = respond

    def work():
        worker = Worker(runtime)
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(4) as pool:
            while worker.deliver_once(pool):
                pass

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    keys = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(keys) == 1000 and len(set(keys)) == 1000, "each message sent exactly once"
    assert overlaps == []
    assert set(_statuses(runtime)) == {"delivered"}
