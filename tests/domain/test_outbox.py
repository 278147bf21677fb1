"""The outbox end to end with real receivers: written with the change, delivered by the worker,
signed per Standard Webhooks, retried with backoff, dead-lettered, re-leased after a crash."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from warroom.comms import channels
from warroom.comms.schemas import ChannelIn, RouteIn
from warroom.core import outbox
from warroom.core.clock import ManualClock
from warroom.core.errors import Conflict
from warroom.core.outbox import OutboxAttempt, OutboxMessage
from warroom.core.worker import Worker


@pytest.fixture
def clock() -> ManualClock:
    # Receivers check webhook-timestamp against their own clock (5 minutes of tolerance).
    return ManualClock(datetime.now(timezone.utc).replace(microsecond=0))


def webhook_channel(desk, admin_user, url: str, **route) -> str:
    with desk.ctx(admin_user) as ctx:
        _, secret = channels.create_channel(ctx, ChannelIn(name="ops-hook", kind="webhook",
                                                           settings={"url": url}, routes=[RouteIn(**route)]))
    return secret


def messages(runtime) -> list[OutboxMessage]:
    with runtime.db.read_session() as db:
        found = list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.expunge_all()
        return found


def attempts(runtime, message_id: int) -> list[OutboxAttempt]:
    with runtime.db.read_session() as db:
        found = outbox.attempts_of(db, message_id)
        db.expunge_all()
        return found


def test_declaring_queues_a_signed_webhook_that_the_worker_delivers(desk, runtime, ada, rita, receiver):
    secret = webhook_channel(desk, ada, receiver.url + "/hook")
    ref = desk.declare(rita, "Checkout is failing", "SEV2")
    [queued] = messages(runtime)
    assert queued.status == "pending" and queued.transport == "webhook"
    assert receiver.requests == []  # nothing leaves during the request

    assert Worker(runtime).deliver_once() == 1
    [request] = receiver.requests
    event = Webhook(secret).verify(request.body, request.headers)  # raises if the signature is wrong
    assert event["type"] == "incident.declared"
    assert event["data"]["incident"]["ref"] == ref and event["data"]["incident"]["severity"] == "SEV2"
    assert request.headers["webhook-id"] == queued.key
    [sent] = messages(runtime)
    assert sent.status == "delivered" and sent.attempts == 1
    [attempt] = attempts(runtime, sent.id)
    assert attempt.ok and attempt.detail == "HTTP 200"


def test_a_rolled_back_change_sends_nothing(desk, runtime, ada, rita, receiver):
    webhook_channel(desk, ada, receiver.url)
    with pytest.raises(RuntimeError), desk.ctx(rita) as ctx:
        from warroom.incidents import service
        from warroom.incidents.schemas import IncidentCreate
        service.declare(ctx, IncidentCreate(title="never happened", severity="SEV1"))
        raise RuntimeError("the request failed after declaring")
    assert messages(runtime) == []
    assert Worker(runtime).deliver_once() == 0 and receiver.requests == []


def test_a_failing_receiver_gets_the_message_once_it_recovers_with_one_key(desk, runtime, clock, ada, rita,
                                                                           receiver):
    webhook_channel(desk, ada, receiver.url)
    receiver.answers = [(500, "boom"), (503, "busy"), (500, "boom")]
    desk.declare(rita)
    worker = Worker(runtime)
    for expected_attempts in (1, 2, 3):
        assert worker.deliver_once() == 1
        [message] = messages(runtime)
        assert message.status == "pending" and message.attempts == expected_attempts
        assert message.last_error.startswith("HTTP 5")
        assert worker.deliver_once() == 0, "not before its backoff has passed"
        wait = message.next_attempt_at - clock.now()
        ceiling = outbox.FIRST_RETRY * 2 ** (expected_attempts - 1)
        assert ceiling / 2 <= wait <= ceiling, "exponential backoff with jitter"
        clock.advance(seconds=wait.total_seconds())
    assert worker.deliver_once() == 1
    [message] = messages(runtime)
    assert message.status == "delivered" and message.attempts == 4
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert [a.ok for a in attempts(runtime, message.id)] == [False, False, False, True]


def test_a_receiver_down_for_the_whole_window_ends_dead_and_an_admin_can_retry(desk, runtime, clock, ada,
                                                                              rita, receiver):
    url = receiver.url
    receiver.close()  # nothing listens there now
    webhook_channel(desk, ada, url)
    desk.declare(rita)
    worker = Worker(runtime)
    for _ in range(200):
        worker.deliver_once()
        [message] = messages(runtime)
        if message.status == "dead":
            break
        clock.advance(seconds=(message.next_attempt_at - clock.now()).total_seconds())
    assert message.status == "dead"
    assert "could not connect" in message.last_error
    assert message.created_at + outbox.DEFAULT_MAX_AGE - outbox.MAX_BACKOFF <= clock.now()
    assert len(attempts(runtime, message.id)) == message.attempts > 5
    with desk.ctx(ada) as ctx:
        retried = outbox.retry(ctx, message.id)
        assert retried.status == "pending" and retried.key == message.key
    with pytest.raises(Conflict), desk.ctx(ada) as ctx:
        outbox.retry(ctx, message.id)


def test_a_permanent_refusal_dead_letters_at_once(desk, runtime, ada, rita, receiver):
    webhook_channel(desk, ada, receiver.url)
    receiver.default = (410, "gone")
    desk.declare(rita)
    Worker(runtime).deliver_once()
    [message] = messages(runtime)
    assert message.status == "dead" and message.attempts == 1 and "HTTP 410" in message.last_error


def test_a_worker_that_dies_mid_send_leaves_a_lease_that_expires(desk, runtime, clock, ada, rita, receiver):
    webhook_channel(desk, ada, receiver.url)
    desk.declare(rita)
    with runtime.db.write_session() as db:
        [claimed] = outbox.claim(db, clock.now())  # ...and the process is killed before sending
    worker = Worker(runtime)
    assert worker.deliver_once() == 0, "leased to the dead worker"
    clock.advance(seconds=outbox.LEASE.total_seconds())
    assert worker.deliver_once() == 1
    [request] = receiver.requests
    assert request.headers["webhook-id"] == claimed.key
    [message] = messages(runtime)
    assert message.status == "delivered" and message.attempts == 2
    # The dead worker's late result, if it ever came, would not overwrite the newer one.
    with runtime.db.write_session() as db:
        stale = outbox.record(db, claimed, outbox.Outcome(False, "late"), clock.now(), clock.now())
    assert stale is None and messages(runtime)[0].status == "delivered"


def test_routes_pick_events_severities_and_services(desk, runtime, ada, rita, receiver):
    desk.service(ada, "payments")
    webhook_channel(desk, ada, receiver.url, events=["declared"], severities=["SEV1"], services=["payments"])
    desk.declare(rita, "Payments down", "SEV1", services=["payments"])
    desk.declare(rita, "Payments slow", "SEV3", services=["payments"])
    desk.declare(rita, "Search down", "SEV1")
    desk.declare(rita, "Secret", "SEV1", services=["payments"], visibility="restricted")
    [only] = messages(runtime)
    assert only.payload["incident"]["title"] == "Payments down"


def test_a_disabled_or_deleted_channel_dead_letters_its_waiting_messages(desk, runtime, ada, rita, receiver):
    webhook_channel(desk, ada, receiver.url)
    desk.declare(rita)
    with desk.ctx(ada) as ctx:
        channels.delete_channel(ctx, channels.get_channel(ctx, "ops-hook"))
    Worker(runtime).deliver_once()
    [message] = messages(runtime)
    assert message.status == "dead" and "no longer exists" in message.last_error
    assert receiver.requests == []


def test_the_in_process_worker_is_woken_by_the_commit(desk, runtime, ada, rita, receiver):
    webhook_channel(desk, ada, receiver.url)
    worker = Worker(dataclasses.replace(runtime), poll_seconds=30)  # polling alone would take 30 s
    worker.start_in_thread()
    try:
        desk.declare(rita)
        assert len(receiver.wait_for(1, timeout=5)) == 1
    finally:
        worker.stop()
