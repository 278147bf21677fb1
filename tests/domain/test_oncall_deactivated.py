"""A person deactivated while in a rotation or an override: their turns are skipped (the rotation does
not close ranks), a lower layer shows through, and where none does the time is a gap that names
them; the on-call answer says whose turn it is; paging never reaches them and the timeline says why;
a layer cannot be saved with them in it; reactivating them puts them back. Through the rules
(rotation.py) and through the service on the test database, with the test clock."""

from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from warroom.core.errors import Invalid
from warroom.oncall import rotation, service
from warroom.oncall.models import PageNotification
from warroom.oncall.rotation import Gap, Layer, OverrideWindow, Restriction
from warroom.oncall.schemas import LayerIn, OverrideIn, ScheduleIn
from warroom.oncall.shapes import final_out, layer_out, on_call_out
from warroom.users.models import User
from warroom.users.service import set_active

from test_paging import make_policy, paged

UTC_ZONE = ZoneInfo("UTC")
A, B, C = 1, 2, 3


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


# --- the rules -------------------------------------------------------------------------------------------

def test_a_skipped_persons_shifts_are_gaps_that_name_them_and_the_others_keep_theirs():
    daily = Layer(id=7, position=1, start=datetime(2026, 3, 2, 9), length=1, unit="days", handoff=time(9),
                  members=(A, B, C))
    start, end = utc(2026, 3, 2, 9), utc(2026, 3, 5, 9)
    spans = rotation.final_schedule(UTC_ZONE, [daily], [], start, end, frozenset({B}))
    # A keeps Monday and C Wednesday: nobody moves up into B's Tuesday.
    assert [(s.start, s.end, s.user_id) for s in spans] == [(start, utc(2026, 3, 3, 9), A),
                                                           (utc(2026, 3, 4, 9), end, C)]
    gaps = rotation.gaps(spans, start, end)
    unskipped = rotation.final_schedule(UTC_ZONE, [daily], [], start, end)
    assert rotation.explain_gaps(gaps, unskipped) == [Gap(utc(2026, 3, 3, 9), utc(2026, 3, 4, 9), B, "layer", 7)]
    assert rotation.on_call_at(UTC_ZONE, [daily], [], utc(2026, 3, 3, 12), frozenset({B})) is None


def test_a_lower_layer_shows_through_and_a_skipped_override_gives_way():
    office = Layer(id=1, position=1, start=datetime(2026, 3, 2), length=1, unit="weeks", handoff=time(0),
                   members=(C,), restrictions=(Restriction(frozenset(range(5)), 9 * 60, 17 * 60),))
    daily = Layer(id=2, position=2, start=datetime(2026, 3, 2, 9), length=1, unit="days", handoff=time(9),
                  members=(A, B))
    override = OverrideWindow(5, B, utc(2026, 3, 4, 12), utc(2026, 3, 4, 14))  # in A's Wednesday
    skip = frozenset({B})
    assert rotation.on_call_at(UTC_ZONE, [office, daily], [override], utc(2026, 3, 3, 10), skip).user_id == C
    assert rotation.on_call_at(UTC_ZONE, [office, daily], [override], utc(2026, 3, 4, 13), skip) == (A, "layer", 2)
    start, end = utc(2026, 3, 3, 9), utc(2026, 3, 4, 9)
    spans = rotation.final_schedule(UTC_ZONE, [office, daily], [override], start, end, skip)
    assert [(s.start, s.end, s.user_id) for s in spans] == [(start, utc(2026, 3, 3, 17), C)]
    gaps = rotation.explain_gaps(rotation.gaps(spans, start, end),
                                 rotation.final_schedule(UTC_ZONE, [office, daily], [override], start, end))
    assert gaps == [Gap(utc(2026, 3, 3, 17), end, B, "layer", 2)]


# --- through the service ---------------------------------------------------------------------------------

@pytest.fixture
def primary(desk, ada, rita, sam):
    """Schedule `primary` (UTC): Ada on office hours (weekdays 09:00-17:00) below Rita and Sam on
    daily shifts from Monday 2 March 09:00 (Rita Monday, Sam Tuesday, Rita Wednesday, ...); an
    override for Sam on Wednesday 12:00-14:00; then Sam is deactivated."""
    with desk.ctx(ada) as ctx:
        schedule = service.create_schedule(ctx, ScheduleIn(name="primary", timezone="UTC"))
        office = service.add_layer(ctx, schedule, LayerIn.model_validate(
            {"users": ["ada"], "shift_length": 1, "shift_unit": "weeks", "start": "2026-03-02T00:00",
             "name": "Office", "restrictions": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00",
                                                 "end": "17:00"}]}))
        daily = service.add_layer(ctx, schedule, LayerIn(users=["rita", "sam"], shift_length=1, shift_unit="days",
                                                         start=datetime(2026, 3, 2, 9), handoff="09:00", name="Daily"))
        override = service.add_override(ctx, schedule, OverrideIn(user="sam", starts_at=utc(2026, 3, 4, 12),
                                                                  ends_at=utc(2026, 3, 4, 14)))
        set_active(ctx, ctx.db.get(User, sam.id), False)
        return office.id, daily.id, override.id


def answer_at(desk, at):
    with desk.reading() as ctx:
        answer = service.on_call_at(ctx, service.get_schedule(ctx, "primary"), at)
        return (answer.user.handle if answer.user else None, answer.skipped.handle if answer.skipped else None,
                answer.since, answer.until)


def test_the_answer_says_whose_turn_it_is_and_who_covers(desk, primary):
    # Tuesday is Sam's: Ada's office hours cover the day; the evening and night are a gap.
    assert answer_at(desk, utc(2026, 3, 3, 10)) == ("ada", "sam", utc(2026, 3, 3, 9), utc(2026, 3, 3, 17))
    assert answer_at(desk, utc(2026, 3, 3, 20)) == (None, "sam", utc(2026, 3, 3, 17), utc(2026, 3, 4, 9))
    # Sam's override on Wednesday gives way to Rita's shift underneath it.
    assert answer_at(desk, utc(2026, 3, 4, 13))[:2] == ("rita", "sam")
    assert answer_at(desk, utc(2026, 3, 2, 20))[:2] == ("rita", None)


def test_the_final_schedule_and_its_gaps_name_the_deactivated_person(desk, primary, ada, rita, sam):
    office, daily, _ = primary
    with desk.reading() as ctx:
        schedule = service.get_schedule(ctx, "primary")
        spans, gaps = service.coverage(ctx, schedule, utc(2026, 3, 3, 0), utc(2026, 3, 5, 0))
        # Rita's Monday shift runs into Tuesday; Ada covers Sam's office hours; Rita's Wednesday
        # keeps her shift through Sam's override.
        assert [(s.start, s.end, s.user_id) for s in spans] == [
            (utc(2026, 3, 3), utc(2026, 3, 3, 9), rita.id), (utc(2026, 3, 3, 9), utc(2026, 3, 3, 17), ada.id),
            (utc(2026, 3, 4, 9), utc(2026, 3, 5), rita.id)]
        assert gaps == [Gap(utc(2026, 3, 3, 17), utc(2026, 3, 4, 9), sam.id, "layer", daily)]
        assert service.gaps(ctx, schedule, utc(2026, 3, 3, 0), utc(2026, 3, 5, 0)) == gaps
        # The API's shapes: the gap names Sam and the layer, the layer lists Sam as deactivated.
        shown = final_out(ctx, schedule, utc(2026, 3, 3, 0), utc(2026, 3, 5, 0))
        assert [(g.skipped_user.handle if g.skipped_user else None, g.layer_id) for g in shown.gaps] == [("sam", daily)]
        assert [u.handle for u in layer_out(service.get_layer(ctx, schedule, daily)).deactivated_users] == ["sam"]
        assert layer_out(service.get_layer(ctx, schedule, office)).deactivated_users == []
        assert on_call_out(schedule, service.on_call_at(ctx, schedule, utc(2026, 3, 3, 20))).skipped_user.handle == "sam"


def test_a_layer_is_not_saved_with_a_deactivated_person_and_reactivating_puts_them_back(desk, ada, sam, primary):
    _, daily, _ = primary
    with desk.ctx(ada) as ctx, pytest.raises(Invalid) as refused:
        schedule = service.get_schedule(ctx, "primary")
        service.replace_layer(ctx, schedule, service.get_layer(ctx, schedule, daily), LayerIn(
            users=["rita", str(sam.id)], shift_length=1, shift_unit="days", start=datetime(2026, 3, 2, 9),
            handoff="09:00", name="Daily"))
    assert refused.value.field == "users.1" and "Sam is deactivated; take them out of the rotation" in str(refused.value)
    with desk.ctx(ada) as ctx:
        set_active(ctx, ctx.db.get(User, sam.id), True)
    assert answer_at(desk, utc(2026, 3, 3, 20))[:2] == ("sam", None)
    with desk.reading() as ctx:
        schedule = service.get_schedule(ctx, "primary")
        assert service.gaps(ctx, schedule, utc(2026, 3, 3), utc(2026, 3, 5)) == []


def test_paging_skips_the_deactivated_person_and_the_timeline_says_why(desk, clock, ada, sam, primary):
    make_policy(desk, ada, [(5, [("schedule", "primary")])])
    clock.set(utc(2026, 3, 3, 10))  # Sam's turn, in Ada's office hours
    covered = desk.declare(ada, severity="SEV2", services=["checkout"])
    assert paged(desk, covered) == [(1, 1, ["ada"])]
    [event] = [e for e in desk.events(covered) if e.kind == "paged"]
    assert event.data["notes"] == ["schedule primary: it is sam's turn, but they are deactivated; ada covers"]
    clock.set(utc(2026, 3, 3, 20))  # Sam's turn, nobody below
    uncovered = desk.declare(ada, severity="SEV2", services=["checkout"])
    assert paged(desk, uncovered) == [(1, 1, [])]
    [event] = [e for e in desk.events(uncovered) if e.kind == "paged"]
    assert event.data["notes"] == ["schedule primary: it is sam's turn, but they are deactivated; nobody covers",
                                   "nobody is on call on schedule primary"]
    with desk.reading() as ctx:
        assert not [n for n in ctx.db.query(PageNotification) if n.user_id == sam.id]
