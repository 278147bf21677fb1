"""Incident roles (command handover, single-holder roles, responders) and the timeline (notes,
backdating, ordering with cursors, starring)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from warroom.core.errors import Conflict, Forbidden, Invalid, NotFound
from warroom.incidents import service, timeline
from warroom.incidents.deadlines import RESPONSE_DUE

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def snap(user):
    return {"id": user.id, "handle": user.handle, "name": user.name}


# --- roles -----------------------------------------------------------------------------------------

def test_the_first_commander_acknowledges_and_handovers_are_recorded(desk, rita, sam, ada, clock):
    ref = desk.declare(rita, severity="SEV2")
    clock.advance(minutes=7)
    desk.assign(rita, ref, "commander", sam)
    row = desk.row(ref)
    assert row["commander_id"] == sam.id and row["acknowledged_at"] == T0 + timedelta(minutes=7)
    [timer] = desk.timers(RESPONSE_DUE)
    assert timer.canceled_at == T0 + timedelta(minutes=7) and timer.fired_at is None

    clock.advance(minutes=30)
    desk.assign(sam, ref, "commander", ada)
    row = desk.row(ref)
    assert row["commander_id"] == ada.id
    assert row["acknowledged_at"] == T0 + timedelta(minutes=7)  # a handover is not a new acknowledgement
    handovers = [e for e in desk.events(ref) if e.kind == "commander_changed"]
    assert [(e.data["previous"], e.data["user"], e.actor_id) for e in handovers] == [
        (None, snap(sam), rita.id), (snap(sam), snap(ada), sam.id)]
    assert handovers[1].occurred_at == T0 + timedelta(minutes=37)
    # The commander is not kept as a role row: there is exactly one, on the incident itself.
    assert row["roles"] == []
    assert row["participants"] == sorted([rita.id, sam.id, ada.id])


def test_assigning_the_current_commander_again_changes_nothing(desk, rita, sam, clock):
    ref = desk.declare(rita, commander=sam.handle)
    clock.advance(minutes=1)
    before = desk.kinds(ref)
    desk.assign(rita, ref, "commander", sam)
    assert desk.kinds(ref) == before
    assert desk.row(ref)["acknowledged_at"] == T0


def test_the_commander_cannot_be_removed(desk, rita, sam):
    ref = desk.declare(rita, commander=sam.handle)
    before = desk.row(ref)
    with pytest.raises(Conflict, match="an incident always keeps a commander") as caught:
        desk.unassign(rita, ref, "commander", sam)
    assert caught.value.field == "role"
    assert desk.row(ref) == before


@pytest.mark.parametrize("role", ["deputy", "scribe", "comms_lead"])
def test_single_holder_roles_are_replaced(role, desk, rita, sam, ada, clock):
    ref = desk.declare(rita)
    desk.assign(rita, ref, role, sam)
    clock.advance(minutes=3)
    desk.assign(rita, ref, role, ada)
    row = desk.row(ref)
    assert row["roles"] == [(role, ada.id)]
    assigned = [e.data for e in desk.events(ref) if e.kind == "role_assigned"]
    assert assigned == [{"role": role, "user": snap(sam), "replaced": None},
                        {"role": role, "user": snap(ada), "replaced": snap(sam)}]
    # Whoever held a role stays a participant.
    assert row["participants"] == sorted([rita.id, sam.id, ada.id])


def test_responders_are_many_and_can_be_removed(desk, rita, sam, ada, clock):
    ref = desk.declare(rita)
    for user in (sam, ada, rita, sam):
        desk.assign(rita, ref, "responder", user)
    assert desk.row(ref)["roles"] == sorted([("responder", sam.id), ("responder", ada.id),
                                             ("responder", rita.id)])
    assert desk.kinds(ref).count("role_assigned") == 3  # the repeat was a no-op
    clock.advance(minutes=1)
    desk.unassign(rita, ref, "responder", ada)
    assert ("responder", ada.id) not in desk.row(ref)["roles"]
    last = desk.events(ref)[-1]
    assert (last.kind, last.data) == ("role_removed", {"role": "responder", "user": snap(ada)})
    with pytest.raises(NotFound, match=f"{ada.handle} is not responder of {ref}"):
        desk.unassign(rita, ref, "responder", ada)


def test_one_person_may_hold_several_roles(desk, rita, sam):
    ref = desk.declare(rita, commander=sam.id)
    desk.assign(rita, ref, "scribe", sam)
    desk.assign(rita, ref, "responder", sam)
    row = desk.row(ref)
    assert row["commander_id"] == sam.id
    assert row["roles"] == [("responder", sam.id), ("scribe", sam.id)]


def test_an_unknown_role_is_refused(desk, rita, sam):
    ref = desk.declare(rita)
    before = desk.row(ref)
    with pytest.raises(Invalid, match="unknown role 'captain'; allowed: commander, deputy"):
        desk.assign(rita, ref, "captain", sam)
    with pytest.raises(Invalid, match="unknown role 'captain'"):
        desk.unassign(rita, ref, "captain", sam)
    assert desk.row(ref) == before


@pytest.mark.parametrize("role", ["commander", "scribe", "responder"])
def test_a_viewer_cannot_hold_a_role(role, desk, rita, victor):
    ref = desk.declare(rita)
    before = desk.row(ref)
    with pytest.raises(Invalid, match=f"{victor.handle} is a viewer") as caught:
        desk.assign(rita, ref, role, victor)
    assert caught.value.field == "user"
    assert desk.row(ref) == before


def test_a_repeated_assignment_is_a_true_no_op(desk, rita, sam, clock):
    ref = desk.declare(rita, commander=sam.id)
    desk.assign(rita, ref, "scribe", sam)
    clock.advance(minutes=5)
    before = desk.row(ref)
    desk.assign(rita, ref, "scribe", sam)
    desk.assign(rita, ref, "commander", sam)
    assert desk.row(ref) == before  # not even updated_at moves


def test_assigning_a_role_lets_a_person_see_a_restricted_incident(desk, rita, sam):
    ref = desk.declare(rita, visibility="restricted")
    with desk.ctx(sam) as ctx:
        with pytest.raises(NotFound):
            service.get_incident(ctx, ref)
    desk.assign(rita, ref, "responder", sam)
    with desk.ctx(sam) as ctx:
        assert service.get_incident(ctx, ref).ref == ref


def test_viewers_cannot_assign_roles_or_remove_them(desk, rita, sam, victor):
    ref = desk.declare(rita)
    desk.assign(rita, ref, "responder", sam)
    before = desk.row(ref)
    with pytest.raises(Forbidden):
        desk.assign(victor, ref, "commander", victor)
    with pytest.raises(Forbidden):
        desk.unassign(victor, ref, "responder", sam)
    assert desk.row(ref) == before


# --- timeline --------------------------------------------------------------------------------------

def test_notes_can_be_backdated_but_not_postdated(desk, rita, clock):
    ref = desk.declare(rita)
    clock.advance(minutes=30)
    note = desk.note(rita, ref, "  first alert fired  ", occurred_at=T0 - timedelta(minutes=12))
    event = desk.events(ref)[-1]
    assert (event.id, event.kind, event.body) == (note, "note", "first alert fired")
    assert event.occurred_at == T0 - timedelta(minutes=12)
    assert event.recorded_at == T0 + timedelta(minutes=30)
    assert event.actor_id == rita.id and not event.starred
    assert desk.row(ref)["updated_at"] == T0 + timedelta(minutes=30)

    count = len(desk.events(ref))
    with pytest.raises(Invalid, match="notes can be backdated, not postdated") as caught:
        desk.note(rita, ref, "from the future", occurred_at=clock.now() + timedelta(seconds=1))
    assert caught.value.field == "occurred_at"
    with pytest.raises(Invalid, match="a note needs some text"):
        desk.note(rita, ref, " \n ")
    assert len(desk.events(ref)) == count
    desk.note(rita, ref, "exactly now", occurred_at=clock.now())
    assert desk.events(ref)[-1].occurred_at == clock.now()


def test_notes_in_other_timezones_are_stored_as_utc(desk, rita, clock):
    ref = desk.declare(rita)
    clock.advance(hours=1)
    berlin = timezone(timedelta(hours=1))
    desk.note(rita, ref, "seen in Berlin", occurred_at=datetime(2026, 3, 2, 10, 30, tzinfo=berlin))
    assert desk.events(ref)[-1].occurred_at == T0 - timedelta(minutes=30)


def page_through(desk, ref, *, newest_first, limit, starred_only=False):
    pages, after = [], None
    while True:
        with desk.ctx(None) as ctx:
            incident = service.get_incident(ctx, ref)
            events = timeline.list_events(ctx, incident, newest_first=newest_first, limit=limit,
                                          after_id=after, starred_only=starred_only)
            page = [(e.id, e.body or e.kind) for e in events]
        if not page:
            return pages
        pages.append(page)
        after = page[-1][0]


def test_timeline_order_and_cursors(desk, rita, clock):
    ref = desk.declare(rita)                                       # occurred T0
    clock.advance(minutes=10)
    desk.note(rita, ref, "b")                                      # T0+10
    desk.note(rita, ref, "a-backdated", occurred_at=T0 - timedelta(minutes=5))
    desk.note(rita, ref, "c")                                      # T0+10, same time as b
    desk.note(rita, ref, "d-backdated", occurred_at=T0 + timedelta(minutes=1))
    clock.advance(minutes=1)
    desk.note(rita, ref, "e", starred=True)                        # T0+11
    oldest = ["a-backdated", "declared", "d-backdated", "b", "c", "e"]
    for limit in (1, 2, 4, 100):
        pages = page_through(desk, ref, newest_first=False, limit=limit)
        assert [body for page in pages for _, body in page] == oldest
        assert all(len(page) <= limit for page in pages)
        pages = page_through(desk, ref, newest_first=True, limit=limit)
        assert [body for page in pages for _, body in page] == oldest[::-1]
    starred = page_through(desk, ref, newest_first=False, limit=1, starred_only=True)
    assert [body for page in starred for _, body in page] == ["declared", "e"]


def test_a_cursor_from_another_incident_is_refused(desk, rita):
    first = desk.declare(rita)
    second = desk.declare(rita)
    foreign = desk.events(first)[0].id
    with desk.ctx(rita) as ctx:
        with pytest.raises(Invalid, match=f"cursor {foreign} is not an event of {second}"):
            timeline.list_events(ctx, service.get_incident(ctx, second), after_id=foreign)
        with pytest.raises(Invalid):
            timeline.list_events(ctx, service.get_incident(ctx, second), after_id=999_999)


def test_starring_and_unstarring(desk, rita, victor):
    ref = desk.declare(rita)
    other = desk.declare(rita)
    note = desk.note(rita, ref, "root cause: expired certificate")

    def star(actor, incident_ref, event_id, starred):
        with desk.ctx(actor) as ctx:
            timeline.set_starred(ctx, service.get_incident(ctx, incident_ref), event_id, starred)

    star(rita, ref, note, True)
    assert desk.events(ref)[-1].starred is True
    with pytest.raises(Forbidden):
        star(victor, ref, note, False)
    assert desk.events(ref)[-1].starred is True
    with pytest.raises(NotFound, match=f"no event {note} in {other}"):
        star(rita, other, note, False)
    star(rita, ref, note, False)
    assert desk.events(ref)[-1].starred is False
    assert desk.events(ref)[-1].body == "root cause: expired certificate"


def test_viewers_cannot_add_notes(desk, rita, victor):
    ref = desk.declare(rita, visibility="public")
    with pytest.raises(Forbidden, match="viewers can read but not change anything"):
        desk.note(victor, ref, "I can see this")
    assert desk.kinds(ref) == ["declared"]
    with desk.ctx(victor) as ctx:  # but they can read it
        assert [e.kind for e in timeline.list_events(ctx, service.get_incident(ctx, ref))] == ["declared"]
