"""PagerDuty's own Python client (the `pagerduty` package), pointed at Warroom's base URL instead of
events.pagerduty.com and otherwise unchanged, triggers, acknowledges and resolves alerts and sends
change events: Events API v2 compatibility as a user of that library meets it."""

from __future__ import annotations

from types import SimpleNamespace

import pagerduty
import pytest
from sqlalchemy import select

from warroom.alerts import integrations
from warroom.alerts.models import Alert, ChangeEvent
from warroom.catalog.service import create_service


@pytest.fixture
def client(runtime, server_url) -> pagerduty.EventsApiV2Client:
    with runtime.db.write_session() as session:
        ctx = runtime.context(session, None)
        create_service(ctx, name="checkout")
        _, key = integrations.create_integration(ctx, service="checkout", kind="pagerduty")
    events = pagerduty.EventsApiV2Client(key)
    # The only change a user makes is `events.url = "https://warroom.example.com"`. The client refuses
    # a plain-http URL through that setter, and the test server speaks plain HTTP on 127.0.0.1.
    events._url = server_url
    return events


def rows(runtime, model) -> list[SimpleNamespace]:
    with runtime.db.read_session() as session:
        return [SimpleNamespace(**{c.key: getattr(r, c.key) for c in model.__table__.columns})
                for r in session.scalars(select(model).order_by(model.id))]


def test_the_pagerduty_client_triggers_acknowledges_and_resolves(client, runtime):
    key = client.trigger("Disk full on db-1", "db-1", severity="error", custom_details={"free": "2%"},
                         links=[{"href": "https://grafana.example.com/d/disk", "text": "Disk"}])
    assert isinstance(key, str) and len(key) == 32  # generated: the client sent none
    assert client.trigger("Disk full on db-1", "db-1", dedup_key=key, severity="error") == key
    [alert] = rows(runtime, Alert)
    assert (alert.dedup_key, alert.occurrences, alert.severity, alert.details["custom_details"]) == (
        key, 2, "error", {"free": "2%"})
    client.acknowledge(key)
    assert rows(runtime, Alert)[0].status == "acknowledged"
    client.resolve(key)
    assert rows(runtime, Alert)[0].status == "resolved"


def test_the_pagerduty_client_sends_change_events(client, runtime):
    client.send_change_event(payload={"summary": "Deploy checkout v2.3", "source": "ci",
                                      "custom_details": {"build": 2}},
                             links=[{"href": "https://ci.example.com/2", "text": "Build 2"}])
    [change] = rows(runtime, ChangeEvent)
    assert (change.summary, change.origin, change.links[0]["href"]) == ("Deploy checkout v2.3", "ci",
                                                                        "https://ci.example.com/2")


def test_a_bad_key_is_an_error_in_the_client_too(client):
    stranger = pagerduty.EventsApiV2Client("0" * 32)
    stranger._url = client.url
    with pytest.raises(pagerduty.Error) as refused:
        stranger.trigger("Disk full", "db-1")
    assert refused.value.response.status_code == 400
    assert refused.value.response.json()["status"] == "invalid event"
