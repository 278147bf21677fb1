"""Declaring incidents and changing their severity, through the service layer on a real database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from warroom.core.errors import Forbidden, Invalid, NotFound
from warroom.incidents import service
from warroom.incidents.deadlines import RESPONSE_DUE
from warroom.incidents.schemas import IncidentCreate, IncidentPatch
from warroom.incidents.service import IncidentFilter

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # where the test clock starts (a Monday)


def test_declare_numbers_incidents_and_records_everything(desk, ada, rita, clock):
    desk.service(ada, "checkout")
    desk.service(ada, "payments")
    first = desk.declare(rita, "Checkout is down", "SEV1", services=["payments", "Checkout"],
                         summary="5xx everywhere", labels=[" eu ", "eu", "", "db"], visibility="restricted")
    clock.advance(minutes=3)
    second = desk.declare(rita, "Slow search", "SEV3")
    assert (first, second) == ("INC-1", "INC-2")

    row = desk.row(first)
    assert row["number"] == 1 and row["status"] == "triage" and row["severity"] == "SEV1"
    assert row["title"] == "Checkout is down" and row["summary"] == "5xx everywhere"
    assert row["services"] == ["checkout", "payments"]
    assert row["labels"] == ["eu", "db"]
    assert row["visibility"] == "restricted"
    assert row["created_by_id"] == rita.id and row["participants"] == [rita.id]
    assert row["started_at"] == row["detected_at"] == row["declared_at"] == row["updated_at"] == T0
    assert row["commander_id"] is None and row["acknowledged_at"] is None
    assert row["response_due_at"] == T0  # SEV1: immediate
    assert desk.row(second)["response_due_at"] == T0 + timedelta(minutes=3) + timedelta(hours=1)

    [declared] = desk.events(first)
    assert declared.kind == "declared" and declared.starred and declared.actor_id == rita.id
    assert declared.occurred_at == T0
    assert sorted(declared.data.pop("services")) == ["checkout", "payments"]
    assert declared.data == {"severity": "SEV1", "title": "Checkout is down", "visibility": "restricted"}


@pytest.mark.parametrize(("severity", "due"), [
    ("SEV1", timedelta(0)), ("SEV2", timedelta(minutes=15)), ("SEV3", timedelta(hours=1)),
    ("SEV4", timedelta(days=1, hours=7)),  # Monday 10:00 -> Tuesday 17:00
])
def test_response_due_comes_from_the_severity(desk, rita, severity, due):
    ref = desk.declare(rita, severity=severity)
    assert desk.row(ref)["response_due_at"] == T0 + due
    [timer] = desk.timers(RESPONSE_DUE)
    assert timer.due_at == T0 + due and timer.fired_at is None and timer.canceled_at is None


def test_declare_with_a_commander_acknowledges_at_once(desk, rita, sam):
    ref = desk.declare(rita, severity="SEV2", commander=sam.handle)
    row = desk.row(ref)
    assert row["commander_id"] == sam.id and row["acknowledged_at"] == T0
    assert row["participants"] == sorted([rita.id, sam.id])
    assert desk.kinds(ref) == ["declared", "commander_changed"]
    assert desk.timers(RESPONSE_DUE) == []


def test_backdated_start_is_kept_and_a_future_one_refused(desk, rita):
    ref = desk.declare(rita, started_at=T0 - timedelta(hours=2), detected_at=T0 - timedelta(minutes=20))
    row = desk.row(ref)
    assert row["started_at"] == T0 - timedelta(hours=2)
    assert row["detected_at"] == T0 - timedelta(minutes=20)
    assert row["declared_at"] == T0
    before = desk.table_counts()
    with pytest.raises(Invalid, match="started_at is in the future") as caught:
        desk.declare(rita, started_at=T0 + timedelta(seconds=1))
    assert caught.value.field == "started_at"
    with pytest.raises(Invalid, match="detected_at is in the future"):
        desk.declare(rita, detected_at=T0 + timedelta(minutes=5))
    assert desk.table_counts() == before


@pytest.mark.parametrize(("fields", "error", "message"), [
    ({"services": ["checkout", "ghost", "phantom"]}, Invalid, "unknown service(s): ghost, phantom"),
    ({"severity": "SEV9"}, Invalid, "unknown severity 'SEV9'; allowed: SEV1, SEV2, SEV3, SEV4"),
    ({"commander": "nobody"}, Invalid, "no such user: nobody"),
    ({"commander": "victor"}, Invalid, "victor is a viewer"),
    ({"title": "   "}, Invalid, "title must not be empty"),
])
def test_a_refused_declaration_writes_nothing(desk, ada, rita, victor, fields, error, message):
    desk.service(ada, "checkout")
    desk.declare(rita, "An earlier one")
    before = desk.table_counts()
    assert before["counter"] == 1 and before["incidents"] == 1
    with pytest.raises(error) as caught:
        desk.declare(rita, **{"title": "Broken", **fields})
    assert message in caught.value.message
    assert caught.value.field == next(iter(fields))
    assert desk.table_counts() == before
    # The number a refused declaration would have taken is still free.
    assert desk.declare(rita, "The next one") == "INC-2"


def test_viewers_cannot_declare(desk, victor):
    with pytest.raises(Forbidden):
        desk.declare(victor)
    assert desk.table_counts()["counter"] == 0


def test_schemas_refuse_naive_times_and_strings_for_numbers():
    with pytest.raises(ValidationError):
        IncidentCreate(title="x", severity="SEV1", started_at="2026-03-02T09:00:00")
    with pytest.raises(ValidationError):
        IncidentCreate(title="x", severity="SEV1", unknown_field=1)


def test_severity_change_recomputes_the_target_while_unacknowledged(desk, rita, clock):
    ref = desk.declare(rita, severity="SEV3")
    assert desk.row(ref)["response_due_at"] == T0 + timedelta(hours=1)
    clock.advance(minutes=10)
    desk.severity(rita, ref, "SEV2")
    row = desk.row(ref)
    assert row["severity"] == "SEV2"
    assert row["response_due_at"] == T0 + timedelta(minutes=25)  # 15m from the change
    assert row["updated_at"] == T0 + timedelta(minutes=10)
    # The old timer is canceled and one for the new target is pending.
    timers = desk.timers(RESPONSE_DUE)
    assert [(t.due_at, t.canceled_at) for t in timers] == [
        (T0 + timedelta(hours=1), T0 + timedelta(minutes=10)), (T0 + timedelta(minutes=25), None)]
    event = desk.events(ref)[-1]
    assert (event.kind, event.data, event.starred) == ("severity_changed", {"old": "SEV3", "new": "SEV2"}, True)


def test_severity_change_after_acknowledgement_keeps_the_target(desk, rita, sam, clock):
    ref = desk.declare(rita, severity="SEV3")
    clock.advance(minutes=5)
    desk.assign(rita, ref, "commander", sam)
    clock.advance(minutes=5)
    desk.severity(rita, ref, "SEV1")
    row = desk.row(ref)
    assert row["severity"] == "SEV1"
    assert row["response_due_at"] == T0 + timedelta(hours=1)
    assert row["acknowledged_at"] == T0 + timedelta(minutes=5)
    assert [t.canceled_at is not None for t in desk.timers(RESPONSE_DUE)] == [True]
    assert desk.kinds(ref)[-1] == "severity_changed"


def test_severity_change_to_the_same_level_or_an_unknown_one(desk, rita):
    ref = desk.declare(rita, severity="SEV2")
    desk.severity(rita, ref, "SEV2")
    desk.severity(rita, ref, "sev2")  # names match whatever the case: the same level, no change
    assert desk.kinds(ref) == ["declared"]
    before = desk.row(ref)
    with pytest.raises(Invalid, match="unknown severity 'SEV9'; allowed: SEV1, SEV2, SEV3, SEV4"):
        desk.severity(rita, ref, "SEV9")
    assert desk.row(ref) == before and desk.kinds(ref) == ["declared"]


def test_editing_fields_writes_one_event_per_change(desk, ada, rita, clock):
    desk.service(ada, "checkout")
    ref = desk.declare(rita, "Checkout slow", "SEV3")
    clock.advance(minutes=2)
    with desk.ctx(rita) as ctx:
        incident = service.get_incident(ctx, ref)
        service.update_incident(ctx, incident, IncidentPatch(
            title="Checkout down", severity="SEV1", services=["checkout"], summary="",
            started_at=T0 - timedelta(minutes=30)))
    row = desk.row(ref)
    assert (row["title"], row["severity"], row["services"]) == ("Checkout down", "SEV1", ["checkout"])
    assert row["started_at"] == T0 - timedelta(minutes=30)
    edits = [(e.kind, e.data.get("field")) for e in desk.events(ref)[1:]]
    assert edits == [("severity_changed", None), ("field_edited", "services"), ("field_edited", "title"),
                     ("field_edited", "started_at")]  # summary was already empty: no event
    with pytest.raises(Invalid, match="started_at is in the future"):
        with desk.ctx(rita) as ctx:
            service.update_incident(ctx, service.get_incident(ctx, ref),
                                    IncidentPatch(title="Changed", started_at=T0 + timedelta(hours=1)))
    assert desk.row(ref)["title"] == "Checkout down"


def test_restricted_incidents_are_hidden_from_outsiders(desk, ada, rita, sam, victor):
    secret = desk.declare(rita, "Credential leak", visibility="restricted")
    public = desk.declare(rita, "Public one", visibility="public")
    for outsider in (sam, victor):
        with desk.ctx(outsider) as ctx:
            with pytest.raises(NotFound, match="no such incident: INC-1"):
                service.get_incident(ctx, secret)
            items, total, _ = service.list_incidents(ctx, IncidentFilter())
            assert ([i.ref for i in items], total) == ([public], 1)
    for insider in (ada, rita):
        with desk.ctx(insider) as ctx:
            assert service.get_incident(ctx, secret).ref == secret
    desk.assign(rita, secret, "responder", sam)
    with desk.ctx(sam) as ctx:
        items, total, _ = service.list_incidents(ctx, IncidentFilter())
        assert ([i.ref for i in items], total) == ([public, secret], 2)


def test_list_filters_and_cursor(desk, rita):
    refs = [desk.declare(rita, f"Incident {n}", ("SEV1", "SEV3")[n % 2]) for n in range(5)]
    with desk.ctx(rita) as ctx:
        page, total, cursor = service.list_incidents(ctx, IncidentFilter(), limit=2)
        assert ([i.ref for i in page], total) == ([refs[4], refs[3]], 5)
        page, _, cursor = service.list_incidents(ctx, IncidentFilter(), limit=2, cursor=cursor)
        assert [i.ref for i in page] == [refs[2], refs[1]]
        page, _, cursor = service.list_incidents(ctx, IncidentFilter(), limit=2, cursor=cursor)
        assert ([i.ref for i in page], cursor) == ([refs[0]], None)
        sev3, total, _ = service.list_incidents(ctx, IncidentFilter(severities=["SEV3"]))
        assert ([i.ref for i in sev3], total) == ([refs[3], refs[1]], 2)
        with pytest.raises(Invalid, match="unknown status 'done'"):
            service.list_incidents(ctx, IncidentFilter(statuses=["done"]))
