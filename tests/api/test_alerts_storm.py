"""Alert storms. 10,000 events with 50 distinct keys, applied by 8 concurrent threads each event in
its own transaction (as the endpoints do), become 50 alerts and one incident, paged once; and the
same over HTTP against a real server with 1,000 PagerDuty events from concurrent clients."""

from __future__ import annotations

import threading

import httpx
from sqlalchemy import func, select

from warroom.alerts import integrations, receive
from warroom.alerts.events import AlertEvent
from warroom.alerts.limits import RateLimiter
from warroom.alerts.models import Alert
from warroom.catalog.service import create_service
from warroom.incidents.models import Incident, TimelineEvent
from warroom.oncall import escalation
from warroom.oncall.models import Page
from warroom.oncall.paging_schemas import EscalationPolicyIn, LevelIn, TargetIn

KEYS, CLIENTS = 50, 8


def setup_checkout(runtime) -> str:
    """checkout pages rita; its Events API v2 integration has no effective rate limit: the key."""
    with runtime.db.write_session() as session:
        ctx = runtime.context(session, None)
        create_service(ctx, name="checkout")
        escalation.save_policy(ctx, EscalationPolicyIn(name="checkout-oncall", levels=[
            LevelIn(delay_minutes=5, targets=[TargetIn(type="user", ref="rita")])]))
        escalation.set_service_policy(ctx, "checkout", "checkout-oncall")
        return integrations.create_integration(ctx, service="checkout", kind="pagerduty",
                                               rate_limit_per_minute=1_000_000)[1]


def in_threads(work, events: int) -> None:
    threads = [threading.Thread(target=work, args=(range(offset, events, CLIENTS),)) for offset in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def assert_one_incident_paged_once(runtime, events: int) -> None:
    with runtime.db.read_session() as session:
        rows = list(session.execute(select(Alert.dedup_key, Alert.occurrences, Alert.incident_id)))
        assert len(rows) == KEYS and sum(r.occurrences for r in rows) == events
        assert {r.incident_id for r in rows} == {1}
        assert session.scalar(select(func.count()).select_from(Incident)) == 1
        assert session.scalar(select(func.count()).select_from(Page)) == 1
        kinds = list(session.scalars(select(TimelineEvent.kind)))
        assert kinds.count("paged") == 1 and kinds.count("alert_attached") == KEYS


def test_a_storm_of_10000_events_is_50_alerts_and_one_incident_paged_once(runtime, responder):
    key = setup_checkout(runtime)
    limiter = RateLimiter()
    failures: list[BaseException] = []

    def work(numbers: range) -> None:
        try:
            for n in numbers:
                with runtime.db.write_session() as session:
                    ctx = runtime.context(session, None)
                    receive.receive(ctx, limiter, receive.authenticate(ctx, key, "pagerduty"), [AlertEvent(
                        action="trigger", dedup_key=f"disk-{n % KEYS}", summary=f"Disk full on db-{n % KEYS}",
                        severity="critical", origin=f"db-{n % KEYS}")])
        except BaseException as exc:  # noqa: BLE001 - failed below
            failures.append(exc)

    in_threads(work, 10_000)
    assert failures == []
    assert_one_incident_paged_once(runtime, 10_000)


def test_a_storm_over_http_is_one_incident_too(runtime, server_url, responder):
    key = setup_checkout(runtime)
    events = 1_000
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def client(numbers: range) -> None:
        seen: dict[int, int] = {}
        with httpx.Client(base_url=server_url, timeout=60) as http:
            for n in numbers:
                response = http.post("/v2/enqueue", json={
                    "routing_key": key, "event_action": "trigger", "dedup_key": f"disk-{n % KEYS}",
                    "payload": {"summary": f"Disk full on db-{n % KEYS}", "source": f"db-{n % KEYS}",
                                "severity": "critical"}})
                seen[response.status_code] = seen.get(response.status_code, 0) + 1
        with lock:
            for code, count in seen.items():
                statuses[code] = statuses.get(code, 0) + count

    in_threads(client, events)
    assert statuses == {202: events}
    assert_one_incident_paged_once(runtime, events)
