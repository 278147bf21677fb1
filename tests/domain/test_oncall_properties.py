"""Property tests: for random layers, overrides, instants and people skipped (deactivated), who is
on call always comes from the layer rules and overrides, checked against a brute-force reference that
evaluates the rules at the instant in its own way (searching wall-clock times, walking shift by
shift, passing over skipped people); the final schedule's spans are ordered, never overlap, tile the
range together with the gaps, and agree with `on_call_at`; a gap names a skipped person exactly
where it is that person's turn.

Zones include 30-minute DST (Lord Howe), midnight transitions (Santiago) and no DST at all, and
instants cluster around DST changes and layer starts, where mistakes hide.
"""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.oncall import rotation, service
from warroom.oncall.rotation import Layer, OverrideWindow, Restriction
from warroom.oncall.schemas import LayerIn, OverrideIn, ScheduleIn
from warroom.users.service import find_user

UTC = timezone.utc
ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "UTC")
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)


# --- the reference --------------------------------------------------------------------------------------

def wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def ref_instant(local: datetime, zone: ZoneInfo) -> datetime:
    """The first instant at which the wall clock shows `local` or later, by search: read `local` with
    each offset in use around it and keep the earliest that round-trips; failing that (a skipped
    time), walk minute by minute to the jump."""
    guess = local.replace(tzinfo=UTC)
    offsets = {(guess + timedelta(hours=h)).astimezone(zone).utcoffset() for h in (-15, 13)}
    exact = [guess - offset for offset in offsets if wall(guess - offset, zone) == local]
    if exact:
        return min(exact)
    moment = guess - max(offsets) - timedelta(hours=3)
    while wall(moment, zone) < local:
        moment += timedelta(minutes=1)
    return moment


def ref_anchor(layer: Layer) -> datetime:
    """Step back a day at a time from the start to the last handoff at or before it."""
    candidate = datetime.combine(layer.start.date(), layer.handoff)
    wanted = layer.start.weekday() if layer.handoff_weekday is None else layer.handoff_weekday
    while candidate > layer.start or (layer.unit == "weeks" and candidate.weekday() != wanted):
        candidate -= timedelta(days=1)
    return candidate


def ref_boundary(layer: Layer, anchor: datetime, index: int, zone: ZoneInfo) -> datetime:
    if layer.unit == "hours":
        return ref_instant_cached(anchor, zone) + timedelta(hours=layer.length * index)
    days = layer.length * (7 if layer.unit == "weeks" else 1) * index
    return ref_instant(anchor + timedelta(days=days), zone)


ref_instant_cached = cache(ref_instant)


def ref_in_window(layer: Layer, at: datetime, zone: ZoneInfo) -> bool:
    if not layer.restrictions:
        return True
    today = wall(at, zone).date()
    for offset in (-2, -1, 0, 1):
        day = today + timedelta(days=offset)
        for r in layer.restrictions:
            if day.weekday() in r.days:
                opens = datetime.combine(day, time()) + timedelta(minutes=r.start_minute)
                length = (r.end_minute - r.start_minute) % 1440 or 1440
                if ref_instant(opens, zone) <= at < ref_instant(opens + timedelta(minutes=length), zone):
                    return True
    return False


def ref_layer_user(layer: Layer, at: datetime, zone: ZoneInfo) -> int | None:
    if not layer.members or at < ref_instant(layer.start, zone) or not ref_in_window(layer, at, zone):
        return None
    anchor = ref_anchor(layer)
    index = 0
    while ref_boundary(layer, anchor, index + 1, zone) <= at:
        index += 1
    return layer.members[index % len(layer.members)]


def reference(zone: ZoneInfo, layers, overrides, at: datetime, skip=frozenset()) -> rotation.OnCall | None:
    """The most recent override covering `at`, else the highest layer with somebody, passing over
    anyone in `skip` as if they were not there."""
    covering = [o for o in overrides if o.start <= at < o.end and o.user_id not in skip]
    if covering:
        winner = max(covering, key=lambda o: o.id)
        return rotation.OnCall(winner.user_id, "override", winner.id)
    for layer in sorted(layers, key=lambda layer: (layer.position, layer.id), reverse=True):
        user = ref_layer_user(layer, at, zone)
        if user is not None and user not in skip:
            return rotation.OnCall(user, "layer", layer.id)
    return None


# --- strategies ---------------------------------------------------------------------------------------

@cache
def transitions(zone_name: str) -> tuple[datetime, ...]:
    """The instants in 2026 where the zone's UTC offset changes (found hour by hour, then to the minute)."""
    zone, found = ZoneInfo(zone_name), []
    for hour in range(366 * 24):
        before, after = YEAR_START + timedelta(hours=hour), YEAR_START + timedelta(hours=hour + 1)
        if before.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            minute = next(m for m in range(61) if (before + timedelta(minutes=m)).astimezone(zone).utcoffset()
                          == after.astimezone(zone).utcoffset())
            found.append(before + timedelta(minutes=minute))
    return tuple(found)


def minutes_around(jump: datetime, zone: ZoneInfo) -> list[int]:
    """Wall-clock minutes of day on either side of a jump and inside the skipped or repeated time."""
    before, after = wall(jump - timedelta(minutes=1), zone), wall(jump, zone)
    found = set()
    for moment in (before + timedelta(minutes=1), after, before + (after - before) / 2, after + (before - after) / 2,
                   after - timedelta(minutes=30), before + timedelta(minutes=31)):
        found.add(moment.hour * 60 + moment.minute)
    return sorted(found)


@st.composite
def restrictions(draw, minutes):
    start, end = draw(minutes), draw(minutes)
    return Restriction(frozenset(draw(st.sets(st.integers(0, 6), min_size=1))), start % 1440, end or 1440)


@st.composite
def layers(draw, layer_id: int, zone: ZoneInfo, jump: datetime, minutes) -> Layer:
    unit = draw(st.sampled_from(rotation.UNITS))
    length = draw(st.sampled_from([1, 2, 5, 8, 12, 24, 36]) if unit == "hours" else st.integers(1, 3))
    # Starting a little before the jump, or anywhere in the year.
    near = wall(jump, zone).replace(second=0, microsecond=0) - timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 21)))
    anywhere = datetime(2026, 1, 1) + timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 330)))
    handoff = draw(minutes) % 1440
    return Layer(id=layer_id, position=draw(st.integers(1, 3)), start=draw(st.sampled_from([near, anywhere])),
                 length=length, unit=unit, handoff=time(handoff // 60, handoff % 60),
                 handoff_weekday=draw(st.none() | st.integers(0, 6)) if unit == "weeks" else None,
                 members=tuple(draw(st.lists(st.integers(1, 5), max_size=4))),
                 restrictions=tuple(draw(st.lists(restrictions(minutes), max_size=2))))


@st.composite
def scenarios(draw):
    """A zone, 1-3 layers, 0-3 overrides and an instant, all gathered around one DST jump of the zone
    (or a random moment where the zone has none), with some drawn from anywhere in the year."""
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    jumps = transitions(zone_name)
    jump = draw(st.sampled_from(jumps)) if jumps else YEAR_START + timedelta(days=draw(st.integers(0, 360)))
    minutes = st.sampled_from(minutes_around(jump, zone)) | st.integers(0, 95).map(lambda quarter: quarter * 15)
    drawn = [draw(layers(layer_id, zone, jump, minutes)) for layer_id in range(1, draw(st.integers(1, 3)) + 1)]
    # Instants close to the jump, to a layer's start, or to a handoff or window edge on the days
    # around the jump (where wall-clock rules and the jump meet), or anywhere in the year.
    local_day = wall(jump, zone).date()
    edges = [minute for layer in drawn for minute in [layer.handoff.hour * 60 + layer.handoff.minute]
             + [edge for r in layer.restrictions for edge in (r.start_minute, r.end_minute)]]
    near_edges = [(datetime.combine(local_day + timedelta(days=days), time()) + timedelta(minutes=minute))
                  .replace(tzinfo=zone).astimezone(UTC) for minute in edges for days in (-1, 0, 1)]
    starts = [layer.start.replace(tzinfo=zone).astimezone(UTC) for layer in drawn]
    base = draw(st.sampled_from([jump, *starts, *near_edges])
                | st.just(YEAR_START + timedelta(days=draw(st.integers(0, 360)))))
    offsets = st.integers(-90, 90) | st.integers(-3 * 1440, 3 * 1440)
    moment = lambda: base + timedelta(minutes=draw(offsets))  # noqa: E731
    overrides = []
    for override_id in range(1, draw(st.integers(0, 3)) + 1):
        start = moment()
        overrides.append(OverrideWindow(override_id, draw(st.integers(1, 5)), start,
                                        start + timedelta(minutes=draw(st.integers(1, 3 * 1440)))))
    return zone, drawn, overrides, moment()


# People skipped (deactivated): none, most often, or one or two of the five.
skips = st.just(frozenset()) | st.frozensets(st.integers(1, 5), min_size=1, max_size=2)


# --- properties ---------------------------------------------------------------------------------------

@settings(max_examples=400, deadline=None)
@given(scenarios(), skips)
def test_on_call_at_matches_the_reference(scenario, skip):
    zone, drawn, overrides, at = scenario
    assert rotation.on_call_at(zone, drawn, overrides, at, skip) == reference(zone, drawn, overrides, at, skip)


@st.composite
def wall_times_near_jumps(draw):
    zone_name = draw(st.sampled_from(ZONES[:4]))
    jump = draw(st.sampled_from(transitions(zone_name)))
    local = wall(jump, ZoneInfo(zone_name)).replace(second=0) + timedelta(minutes=draw(st.integers(-180, 180)))
    return ZoneInfo(zone_name), local


@settings(max_examples=300, deadline=None)
@given(wall_times_near_jumps())
def test_wall_times_become_the_first_instant_the_clock_shows_them(case):
    zone, local = case
    assert rotation.to_utc(local, zone) == ref_instant(local, zone)


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.integers(1, 21 * 24), skips)
def test_the_final_schedule_tiles_the_range_and_agrees_with_on_call_at(scenario, hours, skip):
    zone, drawn, overrides, start = scenario
    end = start + timedelta(hours=hours)
    spans = rotation.final_schedule(zone, drawn, overrides, start, end, skip)
    gaps = rotation.gaps(spans, start, end)
    pieces = sorted([(s.start, s.end) for s in spans] + gaps)
    assert pieces[0][0] == start and pieces[-1][1] == end
    assert all(a_end == b_start for (_, a_end), (b_start, _) in itertools.pairwise(pieces))
    assert all(s.start < s.end for s in spans)
    assert not any(s.user_id in skip for s in spans)
    for number, span in enumerate(spans):
        for at in (span.start, span.start + (span.end - span.start) / 2):
            assert rotation.on_call_at(zone, drawn, overrides, at, skip) == (span.user_id, span.source, span.source_id)
        if number < 30:  # the reference is slow; on_call_at itself is checked against it above
            assert reference(zone, drawn, overrides, span.start, skip) == (span.user_id, span.source, span.source_id)
    for gap_start, gap_end in gaps:
        assert rotation.on_call_at(zone, drawn, overrides, gap_start, skip) is None
        assert rotation.on_call_at(zone, drawn, overrides, gap_start + (gap_end - gap_start) / 2, skip) is None


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.integers(1, 14 * 24), skips)
def test_a_gap_names_the_skipped_person_exactly_where_it_is_their_turn(scenario, hours, skip):
    """Explained gaps cover the gaps exactly; in each piece, the schedule without skipping anybody has
    the named (skipped) person from the named layer or override, or nobody where none is named."""
    zone, drawn, overrides, start = scenario
    end = start + timedelta(hours=hours)
    gaps = rotation.gaps(rotation.final_schedule(zone, drawn, overrides, start, end, skip), start, end)
    explained = rotation.explain_gaps(gaps, rotation.final_schedule(zone, drawn, overrides, start, end))
    merged: list[tuple[datetime, datetime]] = []
    for gap in explained:
        assert gap.start < gap.end
        if merged and merged[-1][1] == gap.start:
            merged[-1] = (merged[-1][0], gap.end)
        else:
            merged.append((gap.start, gap.end))
    assert merged == [gap for gap in gaps]
    for gap in explained:
        assert gap.user_id is None or gap.user_id in skip
        for at in (gap.start, gap.start + (gap.end - gap.start) / 2):
            turn = rotation.on_call_at(zone, drawn, overrides, at)
            assert turn == (None if gap.user_id is None else (gap.user_id, gap.source, gap.source_id))


# --- through the service and the database -------------------------------------------------------------

names = itertools.count(1)


def _layer_in(layer: Layer, handles: dict[int, str]) -> LayerIn:
    clock = layer.handoff.strftime("%H:%M")
    handoff = f"{rotation.WEEKDAYS[layer.handoff_weekday]} {clock}" if layer.handoff_weekday is not None else clock
    return LayerIn(users=[handles[m] for m in layer.members], shift_length=layer.length, shift_unit=layer.unit,
                   start=layer.start, handoff=handoff, position=None,
                   restrictions=[{"days": [rotation.WEEKDAYS[d] for d in sorted(r.days)],
                                  "start": f"{r.start_minute // 60:02d}:{r.start_minute % 60:02d}",
                                  "end": f"{r.end_minute // 60:02d}:{r.end_minute % 60:02d}"}
                                 for r in layer.restrictions])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios(), skip=skips)
def test_the_service_answers_from_the_stored_rules(desk, clock, scenario, skip):
    """The same property through create -> store -> load -> answer, on the test database, with the
    people in `skip` deactivated after the rules were made: the answer passes over them, and names
    the one whose turn it is."""
    zone, drawn, overrides, at = scenario
    people = {}
    clock.set(min(o.start for o in overrides) if overrides else at)  # before the context reads "now"
    with desk.ctx(None) as ctx:
        from warroom.users.service import create_user, set_active

        for number in range(1, 6):
            handle = f"p{next(names)}"
            people[number] = create_user(ctx, email=f"{handle}@example.com", name=handle.upper()).handle
        schedule = service.create_schedule(ctx, ScheduleIn(name=f"s{next(names)}", timezone=zone.key))
        ids = {}
        for layer in sorted(drawn, key=lambda layer: (layer.position, layer.id)):
            if layer.members:  # the API needs at least one person; an empty layer adds nothing anyway
                ids[service.add_layer(ctx, schedule, _layer_in(layer, people)).id] = layer.id
        stored = {}
        for override in overrides:
            made = service.add_override(ctx, schedule, OverrideIn(user=people[override.user_id],
                                                                   starts_at=override.start, ends_at=override.end))
            stored[made.id] = override.id
        for number in skip:
            set_active(ctx, find_user(ctx.db, people[number]), False)
        name = schedule.name
    # Positions were renumbered in (position, id) order, so the stored layers keep the drawn precedence.
    kept = [layer for layer in drawn if layer.members]
    expected = reference(zone, kept, overrides, at, skip)
    turn = reference(zone, kept, overrides, at)
    with desk.reading() as ctx:
        answer = service.on_call_at(ctx, service.get_schedule(ctx, name), at)
        got = None if answer.user is None else (
            answer.user.handle, answer.on_call.source,
            (ids if answer.on_call.source == "layer" else stored)[answer.on_call.source_id])
        skipped = answer.skipped.handle if answer.skipped else None
    assert got == (None if expected is None else (people[expected.user_id], expected.source, expected.source_id))
    assert skipped == (people[turn.user_id] if turn is not None and turn.user_id in skip else None)
