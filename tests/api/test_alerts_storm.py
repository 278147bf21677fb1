"""An alert storm over HTTP against a real server: 10,000 PagerDuty events with 50 distinct keys,
sent by concurrent clients, become 50 alerts and one incident, paged once."""

from __future__ import annotations

import threading

import httpx
from sqlalchemy import func, select

from warroom.alerts import integrations
from warroom.alerts.models import Alert
from warroom.catalog.service import create_service
from warroom.incidents.models import Incident, TimelineEvent
from warroom.oncall import escalation
from warroom.oncall.models import Page
from warroom.oncall.paging_schemas import EscalationPolicyIn, LevelIn, TargetIn

EVENTS, KEYS, CLIENTS = 10_000, 50, 8


def test_a_storm_of_10000_events_is_50_alerts_and_one_incident_paged_once(runtime, server_url, responder):
    with runtime.db.write_session() as session:
        ctx = runtime.context(session, None)
        create_service(ctx, name="checkout")
        escalation.save_policy(ctx, EscalationPolicyIn(name="checkout-oncall", levels=[
            LevelIn(delay_minutes=5, targets=[TargetIn(type="user", ref="rita")])]))
        escalation.set_service_policy(ctx, "checkout", "checkout-oncall")
        _, key = integrations.create_integration(ctx, service="checkout", kind="pagerduty",
                                                 rate_limit_per_minute=1_000_000)
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def client(offset: int) -> None:
        seen: dict[int, int] = {}
        with httpx.Client(base_url=server_url, timeout=60) as http:
            for n in range(offset, EVENTS, CLIENTS):
                response = http.post("/v2/enqueue", json={
                    "routing_key": key, "event_action": "trigger", "dedup_key": f"disk-{n % KEYS}",
                    "payload": {"summary": f"Disk full on db-{n % KEYS}", "source": f"db-{n % KEYS}",
                                "severity": "critical"}})
                seen[response.status_code] = seen.get(response.status_code, 0) + 1
        with lock:
            for code, count in seen.items():
                statuses[code] = statuses.get(code, 0) + count

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == {202: EVENTS}
    with runtime.db.read_session() as session:
        rows = list(session.execute(select(Alert.dedup_key, Alert.occurrences, Alert.incident_id)))
        assert len(rows) == KEYS and sum(r.occurrences for r in rows) == EVENTS
        assert {r.incident_id for r in rows} == {1}
        assert session.scalar(select(func.count()).select_from(Incident)) == 1
        assert session.scalar(select(func.count()).select_from(Page)) == 1
        kinds = list(session.scalars(select(TimelineEvent.kind)))
        assert kinds.count("paged") == 1 and kinds.count("alert_attached") == KEYS
