"""The incident lifecycle: allowed and forbidden moves, what each move stamps, and close guards."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from warroom.core.errors import Conflict, Forbidden, Invalid
from warroom.incidents import lifecycle
from warroom.incidents.deadlines import RESPONSE_DUE
from warroom.incidents.lifecycle import STATUSES, TRANSITIONS

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
# How to reach each status from triage (with a commander in place).
PATHS = {
    "triage": [], "investigating": ["investigating"], "identified": ["investigating", "identified"],
    "mitigated": ["investigating", "mitigated"], "resolved": ["investigating", "resolved"],
    "closed": ["investigating", "resolved", "closed"], "canceled": ["canceled"],
}


def move(desk, actor, ref, status, **fields):
    if status == "resolved":
        fields.setdefault("resolution", "rolled back the deploy")
    desk.status(actor, ref, status, **fields)


@pytest.fixture
def commanded(desk, rita, sam):
    """Declares an incident with a commander and drives it to a status."""

    def make(status: str = "triage") -> str:
        # SEV3: no postmortem is required, so closing is only about the lifecycle (test_postmortems.py
        # covers closing with a required one).
        ref = desk.declare(rita, severity="SEV3", commander=sam.id)
        for step in PATHS[status]:
            move(desk, rita, ref, step)
        assert desk.row(ref)["status"] == status
        return ref

    return make


@pytest.mark.parametrize("start", STATUSES)
def test_every_move_from(start, desk, rita, clock, commanded):
    for target in STATUSES:
        ref = commanded(start)
        clock.advance(minutes=1)
        before, events = desk.row(ref), len(desk.events(ref))
        if target in TRANSITIONS[start]:
            move(desk, rita, ref, target)
            row = desk.row(ref)
            assert row["status"] == target and row["updated_at"] == clock.now()
            last = desk.events(ref)[-1]
            assert len(desk.events(ref)) == events + 1
            assert (last.kind, last.data["old"], last.data["new"], last.starred) == (
                "status_changed", start, target, True)
            continue
        with pytest.raises(Conflict) as caught:
            move(desk, rita, ref, target)
        if target == start:
            assert caught.value.message == f"{ref} is already {start}"
        else:
            allowed = ", ".join(TRANSITIONS[start]) or "none, it is final"
            assert caught.value.message == f"cannot move {ref} from {start} to {target}; allowed: {allowed}"
        assert caught.value.field == "status"
        assert desk.row(ref) == before and len(desk.events(ref)) == events


def test_leaving_triage_needs_a_commander(desk, rita, sam, clock):
    ref = desk.declare(rita, severity="SEV2")
    before = desk.row(ref)
    for target in ("investigating", "identified", "mitigated", "resolved"):
        with pytest.raises(Conflict, match=f"assign a commander before moving {ref} out of triage"):
            move(desk, rita, ref, target)
    assert desk.row(ref) == before and desk.kinds(ref) == ["declared"]
    clock.advance(minutes=2)
    desk.assign(rita, ref, "commander", sam)
    move(desk, rita, ref, "investigating")
    assert desk.row(ref)["status"] == "investigating"


def test_a_false_alarm_can_be_canceled_without_a_commander(desk, rita, clock):
    ref = desk.declare(rita, severity="SEV2")
    clock.advance(minutes=4)
    move(desk, rita, ref, "canceled", note="false alarm: synthetic check misconfigured")
    row = desk.row(ref)
    assert row["status"] == "canceled" and row["canceled_at"] == T0 + timedelta(minutes=4)
    assert row["closed_at"] is None and row["commander_id"] is None
    last = desk.events(ref)[-1]
    assert last.body == "false alarm: synthetic check misconfigured"
    assert last.data["timestamps"] == ["canceled_at"]
    # Canceling stops the response timer.
    [timer] = desk.timers(RESPONSE_DUE)
    assert timer.canceled_at == T0 + timedelta(minutes=4)


def test_cancel_only_from_triage_or_investigating(desk, rita, commanded):
    for start in ("identified", "mitigated", "resolved", "closed"):
        ref = commanded(start)
        with pytest.raises(Conflict, match=f"from {start} to canceled"):
            move(desk, rita, ref, "canceled")
        assert desk.row(ref)["canceled_at"] is None


@pytest.mark.parametrize("resolution", [None, "", "   \n"])
def test_resolving_needs_a_resolution(desk, rita, commanded, resolution):
    ref = commanded("mitigated")
    before, events = desk.row(ref), len(desk.events(ref))
    with pytest.raises(Invalid, match="resolving needs a resolution") as caught:
        desk.status(rita, ref, "resolved", resolution=resolution)
    assert caught.value.field == "resolution"
    assert desk.row(ref) == before and len(desk.events(ref)) == events


@pytest.mark.parametrize(("start", "target"), [
    ("investigating", "mitigated"), ("triage", "canceled"), ("resolved", "closed"),
    ("resolved", "investigating"),
])
def test_a_resolution_only_goes_with_resolving(start, target, desk, rita, commanded):
    ref = commanded(start)
    before = desk.row(ref)
    with pytest.raises(Invalid, match="a resolution goes with status resolved") as caught:
        desk.status(rita, ref, target, resolution="restarted it")
    assert caught.value.field == "resolution"
    assert desk.row(ref) == before


def test_mitigated_then_resolved_keeps_both_times(desk, rita, clock, commanded):
    ref = commanded("investigating")
    clock.advance(minutes=10)
    move(desk, rita, ref, "mitigated")
    clock.advance(minutes=30)
    move(desk, rita, ref, "resolved", resolution="  added capacity  ", note="verified by synthetic checks")
    row = desk.row(ref)
    assert row["mitigated_at"] == T0 + timedelta(minutes=10)
    assert row["resolved_at"] == T0 + timedelta(minutes=40)
    assert row["resolution"] == "added capacity"
    last = desk.events(ref)[-1]
    assert last.body == "verified by synthetic checks" and last.data["timestamps"] == ["resolved_at"]
    clock.advance(hours=1)
    move(desk, rita, ref, "closed")
    assert desk.row(ref)["closed_at"] == T0 + timedelta(minutes=100)


def test_skipping_to_resolved_stamps_mitigated_too(desk, rita, clock, commanded):
    ref = commanded("investigating")
    clock.advance(minutes=20)
    move(desk, rita, ref, "resolved", resolution="restarted the pool")
    row = desk.row(ref)
    assert row["mitigated_at"] == row["resolved_at"] == T0 + timedelta(minutes=20)
    last = desk.events(ref)[-1]
    assert last.body == "restarted the pool"  # the resolution stands in for an absent note
    assert last.data["timestamps"] == ["mitigated_at", "resolved_at"]


def test_reopening_clears_mitigated_and_resolved(desk, rita, clock, commanded):
    ref = commanded("resolved")
    clock.advance(minutes=15)
    move(desk, rita, ref, "investigating", note="errors are back")
    row = desk.row(ref)
    assert row["status"] == "investigating"
    assert row["mitigated_at"] is None and row["resolved_at"] is None
    assert row["resolution"] == ""  # no longer stands; the earlier status_changed event keeps it
    assert desk.events(ref)[-2].body == "rolled back the deploy"
    assert desk.events(ref)[-1].data["timestamps"] == ["resolved_at", "mitigated_at"]
    clock.advance(minutes=15)
    move(desk, rita, ref, "mitigated")
    assert desk.row(ref)["mitigated_at"] == T0 + timedelta(minutes=30)


def test_mitigation_that_does_not_hold(desk, rita, clock, commanded):
    ref = commanded("mitigated")
    clock.advance(minutes=5)
    move(desk, rita, ref, "identified")
    assert desk.row(ref)["mitigated_at"] is None


@pytest.mark.parametrize("final", ["closed", "canceled"])
def test_closed_and_canceled_are_final(final, desk, rita, commanded):
    ref = commanded(final)
    assert lifecycle.allowed_next(final) == ()
    for target in STATUSES:
        with pytest.raises(Conflict):
            move(desk, rita, ref, target)
    assert desk.row(ref)["status"] == final


@pytest.fixture
def close_guard():
    added = []

    def add(guard):
        lifecycle.close_guards.append(guard)
        added.append(guard)

    yield add
    for guard in added:
        lifecycle.close_guards.remove(guard)


def test_close_guards_can_refuse_closing(desk, rita, clock, commanded, close_guard):
    seen = []
    published = {"done": False}

    def postmortem_published(ctx, incident):
        seen.append((incident.ref, incident.status, ctx.actor.id))
        return None if published["done"] else "the postmortem is not published yet"

    close_guard(lambda ctx, incident: None)
    close_guard(postmortem_published)
    ref = commanded("resolved")
    before, events = desk.row(ref), len(desk.events(ref))
    with pytest.raises(Conflict) as caught:
        move(desk, rita, ref, "closed")
    assert caught.value.message == f"cannot close {ref}: the postmortem is not published yet"
    assert desk.row(ref) == before and len(desk.events(ref)) == events
    assert seen == [(ref, "resolved", rita.id)]
    # Guards only run when closing.
    move(desk, rita, ref, "investigating")
    assert len(seen) == 1
    move(desk, rita, ref, "resolved")
    published["done"] = True
    clock.advance(minutes=1)
    move(desk, rita, ref, "closed")
    assert desk.row(ref)["closed_at"] == clock.now()


def test_viewers_cannot_change_status(desk, rita, victor, commanded):
    ref = commanded("investigating")
    with pytest.raises(Forbidden, match="viewers can read but not change anything"):
        move(desk, victor, ref, "mitigated")
    assert desk.row(ref)["status"] == "investigating"


def test_the_system_actor_can_change_status(desk, commanded):
    ref = commanded("investigating")
    move(desk, None, ref, "mitigated")
    last = desk.events(ref)[-1]
    assert last.kind == "status_changed" and last.actor_id is None
