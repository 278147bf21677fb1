"""Who is on call, from the rules alone: pure functions over layers and overrides (no database).

The rules (docs/oncall.md tells them to people):

- A layer rotates its members in order. Its *handoff* (a time of day, and a weekday for weekly
  shifts) fixes when shifts change; its *start* is when it begins covering. Shift 0 begins at the last
  handoff at or before the start (the *anchor*) and belongs to the first member, shift k to member
  k mod n; the part of shift 0 before the start is not covered.
- Day and week shifts are counted in the schedule's wall-clock time: a daily handoff at 09:00
  Europe/Berlin stays at 09:00 local across a DST change, so the shift across the change lasts 23 or
  25 hours. Hour shifts are counted in absolute time from the anchor: 8-hour shifts last 8 real hours
  and their handoffs move on the wall clock when it changes.
- Restrictions limit a layer to windows of wall-clock time on given weekdays ("mon-fri 09:00-17:00";
  an end at or before the start runs into the next day). Outside them the layer has nobody; the
  rotation keeps turning underneath, so whoever's shift covers a window is on call in it.
- A later layer (higher position, then higher id) wins wherever it has somebody; lower layers show
  through its gaps. An override beats every layer for its window; of overlapping overrides the most
  recently created (highest id) wins.
- People who cannot be on call (deactivated accounts: the `skip` set) count as nobody wherever they
  would be, in a layer or an override: the rotation does not close ranks (everyone else keeps their
  shifts), a lower layer shows through, and where none does the time is a gap that says whose turn
  it was (`explain_gaps`).
- A wall-clock time skipped when clocks go forward happens at the moment of the jump; one repeated
  when clocks go back happens at its first occurrence. So later wall times never map to earlier
  instants, and a window or shift inside a skipped hour is simply empty.

Instants are aware UTC datetimes and spans half-open, [start, end). Local wall times are naive.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import NamedTuple
from zoneinfo import ZoneInfo

UTC = timezone.utc
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
UNITS = ("hours", "days", "weeks")
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Restriction:
    """On each of `days` (0 = Monday), the window from `start_minute` after local midnight for
    `minutes` of wall-clock time (up to a whole day, so it may run into the next day)."""

    days: frozenset[int]
    start_minute: int
    end_minute: int  # 1..1440; at or before start_minute: the window ends the next day

    @property
    def minutes(self) -> int:
        length = self.end_minute - self.start_minute
        return length if length > 0 else length + DAY_MINUTES


@dataclass(frozen=True)
class Layer:
    id: int
    position: int
    start: datetime  # local wall time: the layer covers from here
    length: int
    unit: str  # hours | days | weeks
    handoff: time  # local time of day shifts change
    members: tuple[int, ...]
    handoff_weekday: int | None = None  # weekly shifts: 0 = Monday; None = the start's weekday
    restrictions: tuple[Restriction, ...] = ()

    @property
    def anchor(self) -> datetime:
        return anchor_of(self.start, self.unit, self.handoff, self.handoff_weekday)


@dataclass(frozen=True)
class OverrideWindow:
    id: int
    user_id: int
    start: datetime
    end: datetime


class OnCall(NamedTuple):
    user_id: int
    source: str  # "layer" or "override"
    source_id: int


class Span(NamedTuple):
    start: datetime
    end: datetime
    user_id: int
    source: str
    source_id: int


class Gap(NamedTuple):
    """Time with nobody on call; `user_id` (with where from) when it is a skipped person's turn."""

    start: datetime
    end: datetime
    user_id: int | None = None
    source: str | None = None
    source_id: int | None = None


# --- wall time <-> instants ------------------------------------------------------------------------------

def to_local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """The first instant at which the wall clock in `zone` shows `local` or later."""
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)  # fold=0: the first of a repeated hour
    if to_local(first, zone) == local:
        return first
    # Skipped by a jump forward. Read with the offset after the jump it lands before the jump, with
    # the one before it lands after: the jump lies between; find it to the second.
    low = math.floor(local.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    high = math.ceil(first.timestamp())
    after = first.astimezone(zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


# --- one layer -------------------------------------------------------------------------------------------

def anchor_of(start: datetime, unit: str, handoff: time, weekday: int | None = None) -> datetime:
    """The last handoff at or before `start` (wall time): where shift 0 begins."""
    anchor = datetime.combine(start.date(), handoff)
    if unit == "weeks":
        wanted = start.weekday() if weekday is None else weekday
        anchor -= timedelta(days=(start.weekday() - wanted) % 7)
        return anchor - timedelta(weeks=1) if anchor > start else anchor
    return anchor - timedelta(days=1) if anchor > start else anchor


def _step(layer: Layer) -> timedelta:
    return timedelta(**{layer.unit: layer.length})


def shift_start(layer: Layer, index: int, zone: ZoneInfo) -> datetime:
    """When shift `index` begins (before the layer's start for shift 0)."""
    if layer.unit == "hours":  # absolute time
        return to_utc(layer.anchor, zone) + index * _step(layer)
    return to_utc(layer.anchor + index * _step(layer), zone)  # wall-clock time


def shift_index(layer: Layer, at: datetime, zone: ZoneInfo) -> int:
    """The shift that `at` falls in (negative before the anchor)."""
    if layer.unit == "hours":
        return (at - to_utc(layer.anchor, zone)) // _step(layer)
    index = (to_local(at, zone) - layer.anchor) // _step(layer)
    # The wall-clock estimate can be one off around a DST change: settle it on the instants.
    while shift_start(layer, index, zone) > at:
        index -= 1
    while shift_start(layer, index + 1, zone) <= at:
        index += 1
    return index


def _window(day: date, restriction: Restriction, zone: ZoneInfo) -> tuple[datetime, datetime]:
    opens = datetime.combine(day, time()) + timedelta(minutes=restriction.start_minute)
    return to_utc(opens, zone), to_utc(opens + timedelta(minutes=restriction.minutes), zone)


def in_restrictions(layer: Layer, at: datetime, zone: ZoneInfo) -> bool:
    if not layer.restrictions:
        return True
    today = to_local(at, zone).date()
    # A window lasts at most a day of wall time, so only yesterday's and today's can hold `at`.
    for day in (today - timedelta(days=1), today):
        for restriction in layer.restrictions:
            if day.weekday() in restriction.days:
                opens, closes = _window(day, restriction, zone)
                if opens <= at < closes:
                    return True
    return False


def layer_user_at(layer: Layer, at: datetime, zone: ZoneInfo) -> int | None:
    if not layer.members or at < to_utc(layer.start, zone) or not in_restrictions(layer, at, zone):
        return None
    return layer.members[shift_index(layer, at, zone) % len(layer.members)]


def _windows(layer: Layer, zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The layer's restriction windows within [start, end), merged, in order."""
    if not layer.restrictions:
        return [(start, end)]
    found = []
    day, last = to_local(start, zone).date() - timedelta(days=1), to_local(end, zone).date()
    while day <= last:
        for restriction in layer.restrictions:
            if day.weekday() in restriction.days:
                opens, closes = _window(day, restriction, zone)
                opens, closes = max(opens, start), min(closes, end)
                if opens < closes:
                    found.append((opens, closes))
        day += timedelta(days=1)
    merged: list[tuple[datetime, datetime]] = []
    for opens, closes in sorted(found):
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
        else:
            merged.append((opens, closes))
    return merged


class _Piece(NamedTuple):
    start: datetime
    end: datetime
    user_id: int
    shift: int


def layer_pieces(layer: Layer, zone: ZoneInfo, start: datetime, end: datetime) -> list[_Piece]:
    """Where the layer has somebody within [start, end), one piece per shift and window."""
    covers_from = max(start, to_utc(layer.start, zone))
    if not layer.members or covers_from >= end:
        return []
    shifts = []
    index = shift_index(layer, covers_from, zone)
    opens = covers_from
    while opens < end:
        closes = min(shift_start(layer, index + 1, zone), end)
        shifts.append((opens, closes, index))
        opens, index = closes, index + 1
    pieces = []
    windows = _windows(layer, zone, covers_from, end)
    for opens, closes, index in shifts:
        for window_opens, window_closes in windows:
            lo, hi = max(opens, window_opens), min(closes, window_closes)
            if lo < hi:
                pieces.append(_Piece(lo, hi, layer.members[index % len(layer.members)], index))
    return pieces


# --- the schedule ----------------------------------------------------------------------------------------

def _by_priority(layers: Iterable[Layer]) -> list[Layer]:
    return sorted(layers, key=lambda layer: (layer.position, layer.id), reverse=True)


def _winning_override(overrides: Iterable[OverrideWindow], at: datetime) -> OverrideWindow | None:
    covering = [o for o in overrides if o.start <= at < o.end]
    return max(covering, key=lambda o: o.id) if covering else None


def on_call_at(zone: ZoneInfo, layers: Sequence[Layer], overrides: Sequence[OverrideWindow],
               at: datetime, skip: frozenset[int] = frozenset()) -> OnCall | None:
    """Who is on call at `at`, evaluated directly at that instant; people in `skip` count as nobody."""
    override = _winning_override([o for o in overrides if o.user_id not in skip], at)
    if override is not None:
        return OnCall(override.user_id, "override", override.id)
    for layer in _by_priority(layers):
        user = layer_user_at(layer, at, zone)
        if user is not None and user not in skip:
            return OnCall(user, "layer", layer.id)
    return None


def final_schedule(zone: ZoneInfo, layers: Sequence[Layer], overrides: Sequence[OverrideWindow],
                   start: datetime, end: datetime, skip: frozenset[int] = frozenset()) -> list[Span]:
    """Who is on call from `start` to `end`: spans in order, never overlapping, one per shift (or
    override) and person; time with nobody on call is left out (see `gaps`). People in `skip`
    count as nobody: their shifts and overrides are left out before the layers are stacked."""
    if start >= end:
        return []
    ranked = [(layer, [piece for piece in layer_pieces(layer, zone, start, end) if piece.user_id not in skip])
              for layer in _by_priority(layers)]
    starts = [[piece.start for piece in pieces] for _, pieces in ranked]
    clipped = [o for o in overrides if o.start < end and o.end > start and o.user_id not in skip]
    edges = {start, end}
    for _, pieces in ranked:
        edges.update(edge for piece in pieces for edge in (piece.start, piece.end))
    edges.update(max(start, min(edge, end)) for o in clipped for edge in (o.start, o.end))
    spans: list[Span] = []
    previous_key: tuple | None = None
    moments = sorted(edges)
    for opens, closes in zip(moments, moments[1:], strict=False):
        # No edge lies inside (opens, closes): whoever is on at `opens` is on throughout.
        winner = _winner_at(ranked, starts, clipped, opens)
        if winner is None:
            previous_key = None
            continue
        span, key = winner
        if spans and previous_key == key and spans[-1].end == opens:
            spans[-1] = spans[-1]._replace(end=closes)
        else:
            spans.append(Span(opens, closes, *span))
        previous_key = key
    return spans


def _winner_at(ranked, starts, overrides, at: datetime) -> tuple[tuple[int, str, int], tuple] | None:
    override = _winning_override(overrides, at)
    if override is not None:
        return (override.user_id, "override", override.id), ("override", override.id)
    for (layer, pieces), piece_starts in zip(ranked, starts, strict=True):
        found = bisect.bisect_right(piece_starts, at) - 1
        if found >= 0 and at < pieces[found].end:
            piece = pieces[found]
            return (piece.user_id, "layer", layer.id), ("layer", layer.id, piece.shift, piece.user_id)
    return None


def gaps(spans: Sequence[Span], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) that no span covers."""
    found, cursor = [], start
    for span in spans:
        if span.start > cursor:
            found.append((cursor, span.start))
        cursor = max(cursor, span.end)
    if cursor < end:
        found.append((cursor, end))
    return found


def explain_gaps(gaps: Sequence[tuple[datetime, datetime]], unskipped: Sequence[Span]) -> list[Gap]:
    """The gaps, cut where the final schedule computed without skipping anybody (`unskipped`) has
    someone: there it is that (skipped) person's turn. Both are in order and the spans never overlap."""
    found: list[Gap] = []
    spans = iter(unskipped)
    span = next(spans, None)
    for start, end in gaps:
        cursor = start
        while span is not None and span.end <= cursor:
            span = next(spans, None)
        while cursor < end:
            if span is None or span.start >= end:
                found.append(Gap(cursor, end))
                break
            if span.start > cursor:
                found.append(Gap(cursor, span.start))
                cursor = span.start
            until = min(span.end, end)
            found.append(Gap(cursor, until, span.user_id, span.source, span.source_id))
            cursor = until
            if span.end <= end:
                span = next(spans, None)
    return found
