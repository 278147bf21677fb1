"""From alerts to incidents through the service layer, with the test clock: declaring by the
service's rules, grouping within the window, the threshold, repeats, resolution of every alert
(the commander is told, the incident stays open), and incidents that end resolving their alerts."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from warroom.alerts import ingest, integrations, receive, rules
from warroom.alerts.events import AlertEvent
from warroom.alerts.models import Alert
from warroom.catalog.models import Service
from warroom.core import outbox
from warroom.core.errors import Invalid
from warroom.incidents import service
from warroom.incidents.models import Incident

from conftest import plain


@pytest.fixture
def keys(desk, ada):
    """A PagerDuty integration on checkout and one on search: {service: routing key}."""
    found = {}
    for name in ("checkout", "search"):
        desk.service(ada, name)
        with desk.ctx(ada) as ctx:
            found[name] = integrations.create_integration(ctx, service=name, kind="pagerduty")[1]
    return found


def send(desk, key, action="trigger", dedup_key="k1", severity="critical", summary="Checkout errors", **extra):
    with desk.ctx(None) as ctx:
        integration = receive.authenticate(ctx, key, "pagerduty")
        return ingest.apply(ctx, integration, AlertEvent(action=action, dedup_key=dedup_key, severity=severity,
                                                         summary=summary, **extra))


def alerts(desk):
    with desk.reading() as ctx:
        return [plain(a) for a in ctx.db.scalars(select(Alert).order_by(Alert.id))]


def incidents(desk):
    with desk.reading() as ctx:
        return [plain(i) for i in ctx.db.scalars(select(Incident).order_by(Incident.id))]


def test_a_critical_alert_declares_by_the_default_map_and_its_repeats_only_count(desk, keys, clock):
    happened = datetime(2026, 3, 2, 9, 58, tzinfo=timezone.utc)
    first = send(desk, keys["checkout"], happened_at=happened)
    assert first.result == "opened" and first.incident_id is not None
    [incident] = incidents(desk)
    assert (incident.severity, incident.title, incident.started_at, incident.detected_at) == (
        "SEV2", "Checkout errors", happened, happened)
    assert desk.row("INC-1")["services"] == ["checkout"]
    clock.advance(minutes=1)
    assert send(desk, keys["checkout"]).result == "repeated"
    [alert] = alerts(desk)
    assert (alert.occurrences, alert.first_seen_at, alert.incident_id) == (2, happened, incident.id)
    assert desk.kinds("INC-1").count("alert_attached") == 1


@pytest.mark.parametrize("severity, level", [("critical", "SEV2"), ("error", "SEV3"), ("warning", None),
                                             ("info", None)])
def test_default_rules_declare_from_error_up(desk, keys, severity, level):
    send(desk, keys["checkout"], severity=severity)
    assert [i.severity for i in incidents(desk)] == ([level] if level else [])
    assert alerts(desk)[0].incident_id == (1 if level else None)


def test_alerts_within_the_window_join_the_open_incident_and_the_window_slides(desk, keys, clock):
    send(desk, keys["checkout"], dedup_key="a")
    for minute, key in ((50, "b"), (50, "c"), (50, "d")):  # each within 60 minutes of the last one
        clock.advance(minutes=minute)
        assert send(desk, keys["checkout"], dedup_key=key, severity="warning").incident_id == 1
    clock.advance(minutes=61)
    assert send(desk, keys["checkout"], dedup_key="e").incident_id == 2
    assert [i.number for i in incidents(desk)] == [1, 2]


def test_an_alert_of_another_service_does_not_join(desk, keys):
    send(desk, keys["checkout"], dedup_key="a")
    assert send(desk, keys["search"], dedup_key="a").incident_id == 2  # same key, another integration


def test_alerts_join_an_incident_declared_by_a_person(desk, keys, ada):
    desk.declare(ada, severity="SEV1", services=["checkout"])
    assert send(desk, keys["checkout"], severity="warning").incident_id == 1
    assert len(incidents(desk)) == 1


def test_a_repeat_with_a_higher_severity_declares_then(desk, keys):
    assert send(desk, keys["checkout"], severity="warning").incident_id is None
    outcome = send(desk, keys["checkout"], severity="critical")
    assert (outcome.result, outcome.incident_id) == ("repeated", 1)
    assert alerts(desk)[0].severity == "critical"


def test_custom_rules(desk, keys, ada):
    with desk.ctx(ada) as ctx:
        checkout = ctx.db.scalar(select(Service).where(Service.name == "checkout"))
        rules.set_rules(ctx, checkout, severity_map={"critical": "SEV1", "warning": "SEV4"}, declare_at="warning")
        with pytest.raises(Invalid) as bad:
            rules.set_rules(ctx, checkout, severity_map={"critical": "SEV9"})
        assert bad.value.field == "severity_map.critical"
    send(desk, keys["checkout"], dedup_key="a")
    send(desk, keys["search"], dedup_key="a", severity="warning")
    assert [(i.severity, desk.row(f"INC-{i.number}")["services"]) for i in incidents(desk)] == [("SEV1", ["checkout"])]
    with desk.ctx(ada) as ctx:
        rules.set_rules(ctx, ctx.db.get(Service, 1), auto_declare=False)
        current = rules.rules_for(ctx, 1)
        assert current.severity_map["critical"] == "SEV1" and current.customized
    desk.status(ada, "INC-1", "canceled")
    send(desk, keys["checkout"], dedup_key="b")
    assert len(incidents(desk)) == 1


def test_every_alert_resolved_is_said_and_the_commander_told_but_the_incident_stays_open(desk, keys, ada, rita):
    send(desk, keys["checkout"], dedup_key="a")
    send(desk, keys["checkout"], dedup_key="b")
    desk.assign(ada, "INC-1", "commander", rita)
    assert send(desk, keys["checkout"], action="resolve", dedup_key="a").result == "resolved"
    assert "alerts_all_resolved" not in desk.kinds("INC-1")
    send(desk, keys["checkout"], action="resolve", dedup_key="b")
    kinds = desk.kinds("INC-1")
    assert kinds.count("alert_resolved") == 2 and kinds.count("alerts_all_resolved") == 1
    assert desk.row("INC-1")["status"] == "triage"
    with desk.reading() as ctx:
        mails = [plain(m) for m in ctx.db.scalars(select(outbox.OutboxMessage).where(
            outbox.OutboxMessage.transport == "email")) if m.payload.get("event") == "alerts_all_resolved"]
    assert [m.target["user_id"] for m in mails] == [rita.id]
    assert "all alerts resolved" in mails[0].payload["subject"]


def test_resolving_the_incident_resolves_its_alerts_and_the_next_trigger_starts_over(desk, keys, ada):
    send(desk, keys["checkout"], dedup_key="a")
    desk.assign(ada, "INC-1", "commander", ada)
    desk.status(ada, "INC-1", "investigating")
    desk.status(ada, "INC-1", "resolved", resolution="Rolled back")
    [alert] = alerts(desk)
    assert (alert.status, alert.resolved_by) == ("resolved", "incident resolved")
    outcome = send(desk, keys["checkout"], dedup_key="a")
    assert outcome.result == "opened" and outcome.incident_id == 2


def test_acknowledge_only_moves_a_triggered_alert(desk, keys):
    assert send(desk, keys["checkout"], action="acknowledge", dedup_key="zz").result == "dropped"
    send(desk, keys["checkout"], dedup_key="a")
    assert send(desk, keys["checkout"], action="acknowledge", dedup_key="a").result == "acknowledged"
    assert send(desk, keys["checkout"], action="acknowledge", dedup_key="a").result == "dropped"
    assert send(desk, keys["checkout"], dedup_key="a").result == "repeated"
    assert alerts(desk)[0].status == "acknowledged"  # a repeat does not un-acknowledge


def test_an_alert_declaring_pages_once_for_a_storm(desk, keys, ada, rita):
    from warroom.oncall import escalation
    from warroom.oncall.paging_schemas import EscalationPolicyIn, LevelIn, TargetIn

    with desk.ctx(ada) as ctx:
        escalation.save_policy(ctx, EscalationPolicyIn(name="checkout-oncall", levels=[
            LevelIn(delay_minutes=5, targets=[TargetIn(type="user", ref="rita")])]))
        escalation.set_service_policy(ctx, "checkout", "checkout-oncall")
    for i in range(200):
        send(desk, keys["checkout"], dedup_key=f"k{i % 10}")
    assert len(alerts(desk)) == 10 and len(incidents(desk)) == 1
    assert desk.kinds("INC-1").count("paged") == 1
    assert desk.kinds("INC-1").count("alert_attached") == 10


def test_a_repeat_without_details_keeps_the_alerts_and_one_with_details_replaces_them(desk, keys):
    send(desk, keys["checkout"], details={"free": "3%"}, links=[{"href": "https://g.example.com/1", "text": "Graph"}])
    send(desk, keys["checkout"])
    assert (alerts(desk)[0].details, alerts(desk)[0].links) == ({"free": "3%"}, [{"href": "https://g.example.com/1",
                                                                                  "text": "Graph"}])
    send(desk, keys["checkout"], details={"free": "1%"})
    assert alerts(desk)[0].details == {"free": "1%"} and alerts(desk)[0].occurrences == 3
