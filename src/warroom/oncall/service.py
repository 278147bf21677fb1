"""On-call schedules: their layers and overrides (CRUD), and the answers: who is on call at a
moment, the final schedule over a range, and its coverage gaps. The rules are in rotation.py.

Access: anyone signed in reads; responders and admins (writers) create and change schedules,
layers and overrides, since teams run their own rotations; deleting a whole schedule is for admins.
People on call must be able to respond, so viewers cannot be in a rotation or an override; a person
deactivated after being put in one is skipped there (a lower layer covers, or the time is a gap that
names them) until they are reactivated or taken out, and the answers and pages say so.
Every operation runs in the caller's one transaction and validates everything before it writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from warroom.core.clock import as_utc
from warroom.core.context import Context
from warroom.core.errors import Conflict, Invalid, NotFound
from warroom.oncall import rotation
from warroom.oncall.models import LayerMember, Override, Schedule, ScheduleLayer
from warroom.oncall.schemas import HANDOFF_RE, LayerIn, OverrideIn, ScheduleIn, SchedulePatch
from warroom.users.models import User
from warroom.users.service import find_user, require_admin, require_writer, validate_timezone

# Answers over longer ranges are refused: a year of hourly shifts is already ~9,000 spans a layer.
MAX_RANGE = timedelta(days=366)
DEFAULT_RANGE = timedelta(days=14)
MAX_OVERRIDE = timedelta(days=366)
# How far `on_call_at` looks either way for the start and end of the current stretch.
STRETCH_LOOKAROUND = timedelta(days=31)
# Times outside these years are refused: nobody schedules them, and date arithmetic near the ends
# of the calendar (year 1, year 9999) overflows.
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(2200, 1, 1, tzinfo=timezone.utc)


def within_years(moment: datetime, field: str) -> datetime:
    """`moment` as UTC, if it lies between 1970 and 2200."""
    aware = as_utc(moment) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    if not EARLIEST <= aware < LATEST:
        raise Invalid(f"{field} must lie between 1970 and 2200", field=field)
    return as_utc(moment) if moment.tzinfo else moment


# --- schedules ----------------------------------------------------------------------------------------

def list_schedules(ctx: Context) -> list[Schedule]:
    return list(ctx.db.scalars(select(Schedule).order_by(Schedule.name)))


def get_schedule(ctx: Context, ref: str | int, *, field: str = "schedule",
                 missing: type[Invalid] | type[NotFound] = NotFound) -> Schedule:
    """A schedule by id or name."""
    text = str(ref).strip().lower()
    found = (ctx.db.get(Schedule, int(text)) if text.isdigit()
             else ctx.db.scalar(select(Schedule).where(Schedule.name == text)))
    if found is None:
        raise missing(f"no such schedule: {ref}", field=field)
    return found


def _check_name_free(ctx: Context, name: str, schedule: Schedule | None = None) -> None:
    taken = ctx.db.scalar(select(Schedule.id).where(Schedule.name == name))
    if taken is not None and (schedule is None or taken != schedule.id):
        raise Conflict(f"a schedule named {name!r} already exists", field="name")


def create_schedule(ctx: Context, body: ScheduleIn) -> Schedule:
    require_writer(ctx)
    _check_name_free(ctx, body.name)
    schedule = Schedule(name=body.name, timezone=validate_timezone(body.timezone),
                        description=body.description.strip(), created_at=ctx.now(), updated_at=ctx.now())
    ctx.db.add(schedule)
    ctx.db.flush()
    return schedule


def update_schedule(ctx: Context, schedule: Schedule, patch: SchedulePatch) -> Schedule:
    require_writer(ctx)
    if patch.name is not None:
        _check_name_free(ctx, patch.name, schedule)
        schedule.name = patch.name
    if patch.timezone is not None:
        schedule.timezone = validate_timezone(patch.timezone)
    if patch.description is not None:
        schedule.description = patch.description.strip()
    schedule.updated_at = ctx.now()
    ctx.db.flush()
    return schedule


def delete_schedule(ctx: Context, schedule: Schedule) -> None:
    """Its layers, overrides and feeds go with it."""
    require_admin(ctx)
    ctx.db.delete(schedule)
    ctx.db.flush()


# --- layers -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _LayerRules:
    start: datetime
    handoff: time
    weekday: int | None
    restrictions: list[dict]


def _responder(ctx: Context, key: str | int, field: str) -> User:
    try:
        user = find_user(ctx.db, key, field=field, missing=Invalid)
    except Invalid:
        # A form showing a layer's deactivated member sends their id back: say what to fix.
        gone = ctx.db.get(User, int(key)) if str(key).strip().isdigit() else None
        if gone is not None and gone.deactivated_at is not None:
            raise Invalid(f"{gone.name} is deactivated; take them out of the rotation", field=field) from None
        raise
    if not user.can_write:
        raise Invalid(f"{user.name} is a viewer; people on call must be able to respond (responder or admin)",
                      field=field)
    return user


def _rules(body: LayerIn) -> _LayerRules:
    start = within_years(body.start, "start").replace(second=0, microsecond=0)
    weekday = None
    handoff = start.time()
    if body.handoff is not None:
        match = HANDOFF_RE.match(body.handoff)
        assert match is not None  # the schema checked the shape
        if match[1] and body.shift_unit != "weeks":
            raise Invalid(f"a weekday in the handoff only fits weekly shifts (these are {body.shift_unit}); "
                          "give HH:MM", field="handoff")
        handoff = time(int(match[2]), int(match[3]))
        weekday = rotation.WEEKDAYS.index(match[1]) if match[1] else None
    if body.shift_unit == "weeks" and weekday is None:
        weekday = start.weekday()
    restrictions = []
    for number, item in enumerate(body.restrictions):
        if item.start == "24:00":
            raise Invalid("a restriction starts at 00:00 to 23:59", field=f"restrictions.{number}.start")
        days = [day for day in rotation.WEEKDAYS if day in item.days]
        restrictions.append({"days": days, "start": item.start,
                             "end": "24:00" if item.end == "00:00" else item.end})
    return _LayerRules(start, handoff, weekday, restrictions)


def _apply(ctx: Context, schedule: Schedule, layer: ScheduleLayer, body: LayerIn) -> None:
    """Validates everything first, then writes: a refused layer changes nothing."""
    rules = _rules(body)
    people = [_responder(ctx, key, f"users.{n}") for n, key in enumerate(body.users)]
    layer.name = body.name.strip()
    layer.rotation_start = rules.start
    layer.handoff_time = rules.handoff
    layer.handoff_weekday = rules.weekday
    layer.shift_length = body.shift_length
    layer.shift_unit = body.shift_unit
    layer.restrictions = rules.restrictions
    layer.members = [LayerMember(position=n, user_id=user.id) for n, user in enumerate(people)]
    layer.updated_at = ctx.now()
    _place(ctx, schedule, layer, body.position)


def _place(ctx: Context, schedule: Schedule, layer: ScheduleLayer, position: int | None) -> None:
    """Put the layer at `position` (1 = lowest; None or past the end: on top) and number them all 1..n."""
    ordered = [other for other in schedule.layers if other is not layer]
    wanted = len(ordered) + 1 if position is None else max(1, min(position, len(ordered) + 1))
    ordered.insert(wanted - 1, layer)
    for number, other in enumerate(ordered, 1):
        other.position = number
    schedule.layers = ordered  # the same layers (and the new one), in their new order
    schedule.updated_at = ctx.now()
    ctx.db.flush()


def add_layer(ctx: Context, schedule: Schedule, body: LayerIn) -> ScheduleLayer:
    """A new layer, on top unless `position` says where (1 = lowest priority)."""
    require_writer(ctx)
    layer = ScheduleLayer(schedule_id=schedule.id, created_at=ctx.now())
    _apply(ctx, schedule, layer, body)
    return layer


def get_layer(ctx: Context, schedule: Schedule, layer_id: int) -> ScheduleLayer:
    layer = next((layer for layer in schedule.layers if layer.id == layer_id), None)
    if layer is None:
        raise NotFound(f"schedule {schedule.name} has no layer {layer_id}", field="layer")
    return layer


def replace_layer(ctx: Context, schedule: Schedule, layer: ScheduleLayer, body: LayerIn) -> ScheduleLayer:
    """Replace the layer's rules; it keeps its position unless `position` moves it."""
    require_writer(ctx)
    if body.position is None:
        body = body.model_copy(update={"position": layer.position})
    _apply(ctx, schedule, layer, body)
    return layer


def move_layer(ctx: Context, schedule: Schedule, layer: ScheduleLayer, position: int) -> ScheduleLayer:
    """Move a layer to `position` (1 = lowest priority) without changing its rules."""
    require_writer(ctx)
    _place(ctx, schedule, layer, position)
    return layer


def delete_layer(ctx: Context, schedule: Schedule, layer: ScheduleLayer) -> None:
    require_writer(ctx)
    schedule.layers.remove(layer)
    for number, other in enumerate(schedule.layers, 1):
        other.position = number
    schedule.updated_at = ctx.now()
    ctx.db.flush()


def deactivated_members(layer: ScheduleLayer) -> list[User]:
    """The layer's people whose accounts were deactivated since: their turns are skipped."""
    return list({m.user_id: m.user for m in layer.members if m.user.deactivated_at is not None}.values())


def handoff_text(layer: ScheduleLayer) -> str:
    clock = layer.handoff_time.strftime("%H:%M")
    if layer.shift_unit == "weeks" and layer.handoff_weekday is not None:
        return f"{rotation.WEEKDAYS[layer.handoff_weekday]} {clock}"
    return clock


# --- overrides ----------------------------------------------------------------------------------------

def add_override(ctx: Context, schedule: Schedule, body: OverrideIn) -> Override:
    require_writer(ctx)
    starts_at, ends_at = within_years(body.starts_at, "starts_at"), within_years(body.ends_at, "ends_at")
    if ends_at <= starts_at:
        raise Invalid("ends_at must be after starts_at", field="ends_at")
    if ends_at <= ctx.now():
        raise Invalid("ends_at is in the past; an override that is over changes nothing", field="ends_at")
    if ends_at - starts_at > MAX_OVERRIDE:
        raise Invalid("an override lasts at most 366 days; change a layer instead", field="ends_at")
    user = _responder(ctx, body.user, "user")
    override = Override(schedule_id=schedule.id, user_id=user.id, starts_at=starts_at, ends_at=ends_at,
                        created_at=ctx.now(), created_by_id=ctx.actor.id if ctx.actor else None)
    ctx.db.add(override)
    ctx.db.flush()
    return override


def list_overrides(ctx: Context, schedule: Schedule, since: datetime, until: datetime | None = None) -> list[Override]:
    """Overrides that end after `since` (and start before `until`), soonest first."""
    query = select(Override).where(Override.schedule_id == schedule.id, Override.ends_at > as_utc(since))
    if until is not None:
        query = query.where(Override.starts_at < as_utc(until))
    return list(ctx.db.scalars(query.order_by(Override.starts_at, Override.id)))


def get_override(ctx: Context, schedule: Schedule, override_id: int) -> Override:
    override = ctx.db.get(Override, override_id)
    if override is None or override.schedule_id != schedule.id:
        raise NotFound(f"schedule {schedule.name} has no override {override_id}", field="override")
    return override


def delete_override(ctx: Context, override: Override) -> None:
    require_writer(ctx)
    ctx.db.delete(override)
    ctx.db.flush()


# --- answers ------------------------------------------------------------------------------------------

def zone_of(schedule: Schedule) -> ZoneInfo:
    return ZoneInfo(schedule.timezone)


def _restriction(item: dict) -> rotation.Restriction:
    def minutes(clock: str) -> int:
        hours, mins = clock.split(":")
        return int(hours) * 60 + int(mins)

    return rotation.Restriction(frozenset(rotation.WEEKDAYS.index(day) for day in item["days"]),
                                minutes(item["start"]), minutes(item["end"]))


def rules_of(schedule: Schedule) -> list[rotation.Layer]:
    """The schedule's layers as the rotation rules read them."""
    return [rotation.Layer(id=layer.id, position=layer.position, start=layer.rotation_start,
                           length=layer.shift_length, unit=layer.shift_unit, handoff=layer.handoff_time,
                           handoff_weekday=layer.handoff_weekday,
                           members=tuple(member.user_id for member in layer.members),
                           restrictions=tuple(_restriction(item) for item in layer.restrictions))
            for layer in schedule.layers]


@dataclass(frozen=True)
class _Rules:
    """A schedule's rules around a range, as rotation.py reads them; `skip`: deactivated people."""

    zone: ZoneInfo
    layers: list[rotation.Layer]
    overrides: list[rotation.OverrideWindow]
    skip: frozenset[int]


def _rules_between(ctx: Context, schedule: Schedule, start: datetime, end: datetime) -> _Rules:
    overrides = list_overrides(ctx, schedule, start, end)
    people = [m.user for layer in schedule.layers for m in layer.members] + [o.user for o in overrides]
    return _Rules(zone_of(schedule), rules_of(schedule),
                  [rotation.OverrideWindow(o.id, o.user_id, o.starts_at, o.ends_at) for o in overrides],
                  frozenset(user.id for user in people if user.deactivated_at is not None))


def check_range(start: datetime, end: datetime | None = None) -> tuple[datetime, datetime]:
    """The range as UTC; without an end, DEFAULT_RANGE long."""
    start = within_years(start, "since")
    end = within_years(end, "until") if end is not None else start + DEFAULT_RANGE
    if end <= start:
        raise Invalid("until must be after since", field="until")
    if end - start > MAX_RANGE:
        raise Invalid("the range is at most 366 days", field="until")
    return start, end


def coverage(ctx: Context, schedule: Schedule, start: datetime,
             end: datetime | None = None) -> tuple[list[rotation.Span], list[rotation.Gap]]:
    """Who is on call from `start` to `end`, in order, and the gaps. A deactivated person is
    nobody (a lower layer shows through); a gap that is their turn names them (rotation.explain_gaps)."""
    start, end = check_range(start, end)
    rules = _rules_between(ctx, schedule, start, end)
    spans = rotation.final_schedule(rules.zone, rules.layers, rules.overrides, start, end, rules.skip)
    found = rotation.gaps(spans, start, end)
    unskipped = (rotation.final_schedule(rules.zone, rules.layers, rules.overrides, start, end)
                 if rules.skip and found else [])
    return spans, rotation.explain_gaps(found, unskipped)


def final_schedule(ctx: Context, schedule: Schedule, start: datetime,
                   end: datetime | None = None) -> list[rotation.Span]:
    """Who is on call from `start` to `end`, in order; time with nobody is left out (see `gaps`)."""
    return coverage(ctx, schedule, start, end)[0]


def gaps(ctx: Context, schedule: Schedule, start: datetime, end: datetime | None = None) -> list[rotation.Gap]:
    """The parts of the range with nobody on call, and whose turn it is where it is a deactivated person's."""
    return coverage(ctx, schedule, start, end)[1]


@dataclass(frozen=True)
class Answer:
    """Who is on call at a moment, with the stretch they are in (None: beyond the lookaround)."""

    at: datetime
    user: User | None
    on_call: rotation.OnCall | None
    since: datetime | None
    until: datetime | None
    # A deactivated person whose turn it is: skipped, so `user` is whoever covers instead, or nobody.
    skipped: User | None = None


def on_call_at(ctx: Context, schedule: Schedule, at: datetime | None = None) -> Answer:
    """Who is on call at `at` (default now), with when their stretch began and ends."""
    at = within_years(at or ctx.now(), "at")
    start, end = at - STRETCH_LOOKAROUND, at + STRETCH_LOOKAROUND
    rules = _rules_between(ctx, schedule, start, end)
    spans = rotation.final_schedule(rules.zone, rules.layers, rules.overrides, start, end, rules.skip)
    turn = rotation.on_call_at(rules.zone, rules.layers, rules.overrides, at) if rules.skip else None
    skipped = ctx.db.get(User, turn.user_id) if turn is not None and turn.user_id in rules.skip else None
    span = next((s for s in spans if s.start <= at < s.end), None)
    if span is None:
        # A gap: it runs from the end of the last span before `at` to the start of the next one.
        since = max((s.end for s in spans if s.end <= at), default=None)
        until = min((s.start for s in spans if s.start > at), default=None)
        return Answer(at, None, None, since, until, skipped)
    return Answer(at, ctx.db.get(User, span.user_id), rotation.OnCall(span.user_id, span.source, span.source_id),
                  span.start if span.start > start else None, span.end if span.end < end else None, skipped)


def on_call_everywhere(ctx: Context, at: datetime | None = None) -> list[tuple[Schedule, Answer]]:
    return [(schedule, on_call_at(ctx, schedule, at)) for schedule in list_schedules(ctx)]
