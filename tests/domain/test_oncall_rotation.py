"""On-call rotations: weekly, daily and hourly shifts, handoff times, restrictions, layer precedence,
overrides and gaps, and DST in Europe/Berlin and America/New_York with wall-clock handoffs (the rules
in warroom.oncall.rotation); then the same through the service with the test clock moving time."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from warroom.core.errors import Conflict, Forbidden, Invalid, NotFound
from warroom.oncall import rotation, service
from warroom.oncall.rotation import Layer, OverrideWindow, Restriction
from warroom.oncall.schemas import LayerIn, OverrideIn, ScheduleIn, SchedulePatch

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
A, B, C, D = 1, 2, 3, 4
WEEKDAYS_9_TO_5 = Restriction(frozenset(range(5)), 9 * 60, 17 * 60)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def layer(members=(A, B, C), unit="days", length=1, start=datetime(2026, 3, 23, 9, 0), handoff=time(9, 0),
          weekday=None, restrictions=(), layer_id=1, position=1) -> Layer:
    return Layer(id=layer_id, position=position, start=start, length=length, unit=unit, handoff=handoff,
                 members=tuple(members), handoff_weekday=weekday, restrictions=tuple(restrictions))


def who(zone, layers, at, overrides=()) -> int | None:
    found = rotation.on_call_at(zone, layers, list(overrides), at)
    return found.user_id if found else None


def spans(zone, layers, start, end, overrides=()) -> list[tuple[datetime, datetime, int]]:
    found = rotation.final_schedule(zone, layers, list(overrides), start, end)
    return [(s.start, s.end, s.user_id) for s in found]


# --- rotations and handoffs ---------------------------------------------------------------------------

def test_weekly_rotation_hands_off_on_monday_at_the_handoff_time_and_starts_part_way():
    # Covering from Thursday 2026-12-03 00:00 Berlin; handoffs Mondays 09:00: A has a short first shift.
    weekly = layer(unit="weeks", start=datetime(2026, 12, 3), weekday=0)
    assert weekly.anchor == datetime(2026, 11, 30, 9, 0)
    assert who(BERLIN, [weekly], utc(2026, 12, 2, 22, 59)) is None  # before the layer starts
    assert spans(BERLIN, [weekly], utc(2026, 12, 1), utc(2026, 12, 29)) == [
        (utc(2026, 12, 2, 23), utc(2026, 12, 7, 8), A),
        (utc(2026, 12, 7, 8), utc(2026, 12, 14, 8), B),
        (utc(2026, 12, 14, 8), utc(2026, 12, 21, 8), C),
        (utc(2026, 12, 21, 8), utc(2026, 12, 28, 8), A),
        (utc(2026, 12, 28, 8), utc(2026, 12, 29), B)]


def test_two_week_shifts_and_a_repeated_member():
    fortnightly = layer(members=(A, B, A, C), unit="weeks", length=2, start=datetime(2026, 1, 5, 10, 0),
                        handoff=time(10, 0))
    starts = [(s, u) for s, _, u in spans(ZoneInfo("UTC"), [fortnightly], utc(2026, 1, 5), utc(2026, 3, 20))]
    assert starts == [(utc(2026, 1, 5, 10), A), (utc(2026, 1, 19, 10), B), (utc(2026, 2, 2, 10), A),
                      (utc(2026, 2, 16, 10), C), (utc(2026, 3, 2, 10), A), (utc(2026, 3, 16, 10), B)]


def test_daily_handoff_stays_at_nine_local_across_spring_forward_in_berlin():
    # Clocks go from 02:00 to 03:00 on Sunday 2026-03-29: the shift across it lasts 23 hours.
    daily = layer(start=datetime(2026, 3, 27, 9, 0))
    found = spans(BERLIN, [daily], utc(2026, 3, 27, 8), utc(2026, 3, 31, 7))
    assert found == [(utc(2026, 3, 27, 8), utc(2026, 3, 28, 8), A), (utc(2026, 3, 28, 8), utc(2026, 3, 29, 7), B),
                     (utc(2026, 3, 29, 7), utc(2026, 3, 30, 7), C), (utc(2026, 3, 30, 7), utc(2026, 3, 31, 7), A)]
    assert [end - start for start, end, _ in found] == [timedelta(hours=24), timedelta(hours=23),
                                                        timedelta(hours=24), timedelta(hours=24)]
    assert all(start.astimezone(BERLIN).time() == time(9, 0) for start, _, _ in found)


def test_daily_handoff_stays_at_nine_local_across_fall_back_in_berlin():
    daily = layer(start=datetime(2026, 10, 24, 9, 0))
    found = spans(BERLIN, [daily], utc(2026, 10, 24, 7), utc(2026, 10, 26, 8))
    assert found == [(utc(2026, 10, 24, 7), utc(2026, 10, 25, 8), A), (utc(2026, 10, 25, 8), utc(2026, 10, 26, 8), B)]
    assert found[0][1] - found[0][0] == timedelta(hours=25)


@pytest.mark.parametrize(("before", "after", "hours"), [
    (utc(2026, 3, 2, 14), utc(2026, 3, 9, 13), 7 * 24 - 1),     # EST -> EDT on Sunday 2026-03-08
    (utc(2026, 10, 26, 13), utc(2026, 11, 2, 14), 7 * 24 + 1),  # EDT -> EST on Sunday 2026-11-01
])
def test_weekly_handoff_in_new_york_stays_monday_nine_local(before, after, hours):
    weekly = layer(members=(A, B), unit="weeks", start=datetime(2026, 1, 5, 9, 0))
    found = spans(NEW_YORK, [weekly], before, after + timedelta(days=1))
    assert [(start, end) for start, end, _ in found] == [(before, after), (after, after + timedelta(days=1))]
    assert after - before == timedelta(hours=hours) and found[0][2] != found[1][2]
    assert {start.astimezone(NEW_YORK).strftime("%a %H:%M") for start, _, _ in found} == {"Mon 09:00"}


def test_hour_shifts_are_counted_in_absolute_time_so_the_wall_clock_handoff_moves():
    eights = layer(unit="hours", length=8, start=datetime(2026, 3, 28, 6, 0), handoff=time(6, 0))
    found = spans(BERLIN, [eights], utc(2026, 3, 28, 5), utc(2026, 3, 29, 21))
    assert all(end - start == timedelta(hours=8) for start, end, _ in found)
    assert [start.astimezone(BERLIN).strftime("%d %H:%M") for start, _, _ in found] == [
        "28 06:00", "28 14:00", "28 22:00", "29 07:00", "29 15:00"]
    assert [user for _, _, user in found] == [A, B, C, A, B]


def test_a_handoff_in_the_skipped_hour_happens_at_the_jump_and_a_repeated_one_at_its_first_occurrence():
    night = layer(members=(A, B), start=datetime(2026, 3, 27, 2, 30), handoff=time(2, 30))
    assert rotation.shift_start(night, 2, BERLIN) == utc(2026, 3, 29, 1)  # 03:00 CEST, when 02:00 jumps to 03:00
    assert rotation.to_utc(datetime(2026, 3, 29, 2, 30), BERLIN) == utc(2026, 3, 29, 1)
    assert rotation.to_utc(datetime(2026, 10, 25, 2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)  # the first 02:30
    assert who(BERLIN, [night], utc(2026, 3, 29, 0, 59)) == B and who(BERLIN, [night], utc(2026, 3, 29, 1)) == A


def test_the_default_handoff_is_the_start_and_daily_handoffs_before_the_start_time_begin_a_day_earlier():
    assert layer(start=datetime(2026, 5, 6, 14, 0), handoff=time(14, 0)).anchor == datetime(2026, 5, 6, 14, 0)
    assert layer(start=datetime(2026, 5, 6, 8, 0), handoff=time(9, 0)).anchor == datetime(2026, 5, 5, 9, 0)
    # Weekly, handoff Friday 17:00, start Wednesday: shift 0 began last Friday.
    assert layer(unit="weeks", start=datetime(2026, 5, 6), handoff=time(17), weekday=4).anchor == \
        datetime(2026, 5, 1, 17, 0)


# --- restrictions -------------------------------------------------------------------------------------

def test_business_hours_restriction_leaves_nights_and_weekends_empty():
    office = layer(members=(A, B), start=datetime(2026, 6, 1, 9, 0), restrictions=[WEEKDAYS_9_TO_5])
    found = spans(BERLIN, [office], utc(2026, 6, 5), utc(2026, 6, 9))  # Friday to Tuesday
    assert found == [(utc(2026, 6, 5, 7), utc(2026, 6, 5, 15), A), (utc(2026, 6, 8, 7), utc(2026, 6, 8, 15), B)]
    assert who(BERLIN, [office], utc(2026, 6, 6, 12)) is None  # Saturday noon
    assert rotation.gaps(rotation.final_schedule(BERLIN, [office], [], utc(2026, 6, 5), utc(2026, 6, 9)),
                         utc(2026, 6, 5), utc(2026, 6, 9))[1] == (utc(2026, 6, 5, 15), utc(2026, 6, 8, 7))


def test_an_overnight_restriction_runs_into_the_next_day_and_keeps_the_rotation_turning():
    # Nights only, 18:00-08:00 weeknights starting Monday to Friday; daily handoff at 12:00.
    nights = layer(members=(A, B, C, D), start=datetime(2026, 6, 1, 12, 0), handoff=time(12, 0),
                   restrictions=[Restriction(frozenset(range(5)), 18 * 60, 8 * 60)])
    found = spans(ZoneInfo("UTC"), [nights], utc(2026, 6, 5, 12), utc(2026, 6, 9, 12))
    # Friday night belongs to Friday's shift (the fifth: A again), Saturday and Sunday nights are not
    # covered, and Monday night goes to Monday's shift (the eighth: D): the rotation turned meanwhile.
    assert found == [(utc(2026, 6, 5, 18), utc(2026, 6, 6, 8), A), (utc(2026, 6, 8, 18), utc(2026, 6, 9, 8), D)]


def test_a_whole_day_restriction_on_the_spring_forward_day_lasts_23_hours():
    sundays = layer(members=(A,), start=datetime(2026, 3, 1), handoff=time(0, 0),
                    restrictions=[Restriction(frozenset({6}), 0, 24 * 60)])
    assert spans(BERLIN, [sundays], utc(2026, 3, 28), utc(2026, 3, 30)) == [
        (utc(2026, 3, 28, 23), utc(2026, 3, 29, 22), A)]


def test_a_window_inside_the_skipped_hour_is_empty():
    odd = layer(members=(A,), start=datetime(2026, 3, 1), handoff=time(0, 0),
                restrictions=[Restriction(frozenset({6}), 2 * 60 + 10, 2 * 60 + 50)])
    assert spans(BERLIN, [odd], utc(2026, 3, 28), utc(2026, 3, 30)) == []
    assert spans(BERLIN, [odd], utc(2026, 3, 21), utc(2026, 3, 23)) == [
        (utc(2026, 3, 22, 1, 10), utc(2026, 3, 22, 1, 50), A)]


# --- layers, overrides, gaps ----------------------------------------------------------------------------

def test_a_later_layer_wins_where_it_has_someone_and_the_lower_one_shows_through():
    base = layer(members=(A, B), unit="weeks", start=datetime(2026, 6, 1, 9, 0), layer_id=7, position=1)
    office = layer(members=(C, D), start=datetime(2026, 6, 1, 9, 0), restrictions=[WEEKDAYS_9_TO_5],
                   layer_id=3, position=2)
    assert who(BERLIN, [base, office], utc(2026, 6, 2, 8)) == D  # Tuesday 10:00: the office layer (day 2)
    assert who(BERLIN, [base, office], utc(2026, 6, 2, 20)) == A  # Tuesday night: the base layer
    found = rotation.final_schedule(BERLIN, [office, base], [], utc(2026, 6, 2), utc(2026, 6, 3))
    assert [(s.start, s.end, s.user_id, s.source_id) for s in found] == [
        (utc(2026, 6, 2), utc(2026, 6, 2, 7), A, 7), (utc(2026, 6, 2, 7), utc(2026, 6, 2, 15), D, 3),
        (utc(2026, 6, 2, 15), utc(2026, 6, 3), A, 7)]
    # Position decides, not the order given or the id.
    swapped = [layer(members=(A, B), unit="weeks", start=datetime(2026, 6, 1, 9, 0), layer_id=7, position=2),
               layer(members=(C, D), start=datetime(2026, 6, 1, 9, 0), layer_id=3, position=1)]
    assert who(BERLIN, swapped, utc(2026, 6, 2, 8)) == A


def test_overrides_beat_every_layer_and_the_most_recent_of_overlapping_ones_wins():
    daily = layer(members=(A,), start=datetime(2026, 6, 1), handoff=time(0, 0))
    first = OverrideWindow(1, B, utc(2026, 6, 2, 10), utc(2026, 6, 2, 14))
    second = OverrideWindow(2, C, utc(2026, 6, 2, 12), utc(2026, 6, 2, 13))
    found = rotation.final_schedule(ZoneInfo("UTC"), [daily], [second, first], utc(2026, 6, 2), utc(2026, 6, 3))
    assert [(s.start.hour, s.end.hour, s.user_id, s.source) for s in found] == [
        (0, 10, A, "layer"), (10, 12, B, "override"), (12, 13, C, "override"), (13, 14, B, "override"),
        (14, 0, A, "layer")]
    assert rotation.on_call_at(ZoneInfo("UTC"), [daily], [first, second], utc(2026, 6, 2, 12, 30)) == \
        rotation.OnCall(C, "override", 2)
    # An override also fills a gap.
    assert who(ZoneInfo("UTC"), [], utc(2026, 6, 2, 11), [first]) == B


def test_gaps_before_a_layer_starts_and_in_an_empty_schedule():
    late = layer(members=(A,), start=datetime(2026, 6, 3, 9, 0))
    found = rotation.final_schedule(BERLIN, [late], [], utc(2026, 6, 1), utc(2026, 6, 4))
    assert rotation.gaps(found, utc(2026, 6, 1), utc(2026, 6, 4)) == [(utc(2026, 6, 1), utc(2026, 6, 3, 7))]
    assert rotation.gaps([], utc(2026, 6, 1), utc(2026, 6, 2)) == [(utc(2026, 6, 1), utc(2026, 6, 2))]
    assert who(BERLIN, [layer(members=())], utc(2026, 6, 1)) is None


# --- through the service, with the test clock ---------------------------------------------------------

def make_schedule(desk, actor, name="primary", zone="Europe/Berlin") -> None:
    with desk.ctx(actor) as ctx:
        service.create_schedule(ctx, ScheduleIn(name=name, timezone=zone))


def add_layer(desk, actor, schedule="primary", **fields) -> int:
    with desk.ctx(actor) as ctx:
        return service.add_layer(ctx, service.get_schedule(ctx, schedule), LayerIn(**fields)).id


def now_on_call(desk) -> str | None:
    with desk.reading() as ctx:
        answer = service.on_call_at(ctx, service.get_schedule(ctx, "primary"))
        return answer.user.handle if answer.user else None


def test_the_clock_drives_a_weekly_rotation_across_dst_and_an_override(desk, clock, ada, rita, sam):
    clock.set(utc(2026, 3, 23, 7, 59))  # Monday 08:59 CET
    make_schedule(desk, ada)
    add_layer(desk, ada, users=["rita", "sam"], shift_length=1, shift_unit="weeks",
              start=datetime(2026, 3, 16, 9, 0), handoff="mon 09:00")
    assert now_on_call(desk) == "rita"
    clock.advance(minutes=1)
    assert now_on_call(desk) == "sam"
    clock.set(utc(2026, 3, 30, 6, 59))  # Monday 08:59 CEST: clocks went forward on Sunday
    assert now_on_call(desk) == "sam"
    clock.advance(minutes=1)
    assert now_on_call(desk) == "rita"
    with desk.ctx(rita) as ctx:
        service.add_override(ctx, service.get_schedule(ctx, "primary"),
                             OverrideIn(user="ada", starts_at=clock.now(), ends_at=clock.now() + timedelta(hours=2)))
    assert now_on_call(desk) == "ada"
    clock.advance(hours=2)
    assert now_on_call(desk) == "rita"
    with desk.reading() as ctx:
        answer = service.on_call_at(ctx, service.get_schedule(ctx, "primary"))
        assert (answer.since, answer.until) == (utc(2026, 3, 30, 9), utc(2026, 4, 6, 7))


def test_a_new_timezone_keeps_the_wall_clock_handoff(desk, clock, ada, rita, sam):
    clock.set(utc(2026, 6, 1))
    make_schedule(desk, ada)
    add_layer(desk, ada, users=["rita", "sam"], shift_length=1, shift_unit="days", start=datetime(2026, 6, 1, 9))
    with desk.ctx(ada) as ctx:
        schedule = service.get_schedule(ctx, "primary")
        assert service.final_schedule(ctx, schedule, utc(2026, 6, 2), utc(2026, 6, 3))[0].end == utc(2026, 6, 2, 7)
        service.update_schedule(ctx, schedule, SchedulePatch(timezone="America/New_York"))
    with desk.reading() as ctx:
        found = service.final_schedule(ctx, service.get_schedule(ctx, "primary"), utc(2026, 6, 2), utc(2026, 6, 3))
        assert found[0].end == utc(2026, 6, 2, 13)  # 09:00 in New York


def test_refused_changes_name_the_field_and_change_nothing(desk, clock, ada, rita, victor):
    make_schedule(desk, ada)
    first = add_layer(desk, ada, users=["rita"], shift_length=1, shift_unit="weeks", start=datetime(2026, 3, 2))
    cases = [
        ({"users": ["rita", "victor"]}, "users.1"),        # a viewer cannot be on call
        ({"users": ["rita", "nobody"]}, "users.1"),
        ({"shift_unit": "days", "handoff": "mon 09:00"}, "handoff"),
        ({"restrictions": [{"start": "24:00", "end": "08:00"}]}, "restrictions.0.start"),
    ]
    for change, field in cases:
        fields = {"users": ["rita"], "shift_length": 1, "shift_unit": "weeks", "start": datetime(2026, 3, 2),
                  **change}
        with pytest.raises(Invalid) as refused:
            add_layer(desk, ada, **fields)
        assert refused.value.field == field, change
    with desk.reading() as ctx:
        schedule = service.get_schedule(ctx, "primary")
        assert [(layer.id, layer.position) for layer in schedule.layers] == [(first, 1)]
    with pytest.raises(Invalid) as refused, desk.ctx(rita) as ctx:
        service.add_override(ctx, service.get_schedule(ctx, "primary"),
                             OverrideIn(user="rita", starts_at=clock.now() - timedelta(hours=3),
                                        ends_at=clock.now() - timedelta(hours=1)))
    assert refused.value.field == "ends_at"
    with pytest.raises(Conflict), desk.ctx(ada) as ctx:
        service.create_schedule(ctx, ScheduleIn(name="primary", timezone="UTC"))
    with pytest.raises(Invalid) as refused, desk.ctx(ada) as ctx:
        service.create_schedule(ctx, ScheduleIn.model_construct(name="other", timezone="Mars/Olympus",
                                                                description=""))
    assert refused.value.field == "timezone"


def test_viewers_read_writers_edit_admins_delete(desk, ada, rita, victor):
    with pytest.raises(Forbidden), desk.ctx(victor) as ctx:
        service.create_schedule(ctx, ScheduleIn(name="primary", timezone="UTC"))
    make_schedule(desk, rita)
    layer_id = add_layer(desk, rita, users=["rita"], shift_length=12, shift_unit="hours", start=datetime(2026, 3, 2))
    with desk.ctx(victor) as ctx:
        assert service.on_call_at(ctx, service.get_schedule(ctx, "primary")).user.handle == "rita"
    with pytest.raises(Forbidden), desk.ctx(rita) as ctx:
        service.delete_schedule(ctx, service.get_schedule(ctx, "primary"))
    with desk.ctx(rita) as ctx:
        schedule = service.get_schedule(ctx, "primary")
        service.delete_layer(ctx, schedule, service.get_layer(ctx, schedule, layer_id))
    with desk.ctx(ada) as ctx:
        service.delete_schedule(ctx, service.get_schedule(ctx, "primary"))
    with pytest.raises(NotFound), desk.reading() as ctx:
        service.get_schedule(ctx, "primary")


def test_layers_are_ordered_by_position_and_can_be_moved(desk, ada, rita, sam):
    make_schedule(desk, ada)
    common = {"shift_length": 1, "shift_unit": "days", "start": datetime(2026, 3, 2, 9)}
    low = add_layer(desk, ada, users=["rita"], name="low", **common)
    high = add_layer(desk, ada, users=["sam"], name="high", **common)
    middle = add_layer(desk, ada, users=["ada"], name="middle", position=2, **common)
    with desk.ctx(ada) as ctx:
        schedule = service.get_schedule(ctx, "primary")
        assert [(layer.name, layer.position) for layer in schedule.layers] == [("low", 1), ("middle", 2), ("high", 3)]
        service.replace_layer(ctx, schedule, service.get_layer(ctx, schedule, low),
                              LayerIn(users=["rita"], name="low", position=3, **common))
    with desk.reading() as ctx:
        schedule = service.get_schedule(ctx, "primary")
        assert [layer.id for layer in schedule.layers] == [middle, high, low]
        assert service.on_call_at(ctx, schedule).user.handle == "rita"
    # Moving keeps the rules; positions stay 1..n, and a position past either end is the end.
    with desk.ctx(ada) as ctx:
        schedule = service.get_schedule(ctx, "primary")
        service.move_layer(ctx, schedule, service.get_layer(ctx, schedule, low), 1)
        assert [(layer.id, layer.position) for layer in schedule.layers] == [(low, 1), (middle, 2), (high, 3)]
        service.move_layer(ctx, schedule, service.get_layer(ctx, schedule, middle), 99)
        service.move_layer(ctx, schedule, service.get_layer(ctx, schedule, high), 0)
    with desk.reading() as ctx:
        schedule = service.get_schedule(ctx, "primary")
        assert [(layer.id, layer.position) for layer in schedule.layers] == [(high, 1), (low, 2), (middle, 3)]
        assert [m.user.handle for m in schedule.layers[1].members] == ["rita"]
        assert service.on_call_at(ctx, schedule).user.handle == "ada"


def test_viewers_cannot_move_a_layer(desk, ada, victor):
    make_schedule(desk, ada)
    layer_id = add_layer(desk, ada, users=["ada"], shift_length=1, shift_unit="days", start=datetime(2026, 3, 2))
    with pytest.raises(Forbidden), desk.ctx(victor) as ctx:
        schedule = service.get_schedule(ctx, "primary")
        service.move_layer(ctx, schedule, service.get_layer(ctx, schedule, layer_id), 1)
