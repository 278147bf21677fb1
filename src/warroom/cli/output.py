"""How the CLI prints (readable tables for people, --json for scripts, one-line errors on stderr)
and reads the times people type."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime, time, timedelta, timezone
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

console = Console()
# Errors stay on one line whatever the terminal width, so they can be read and grepped whole.
err_console = Console(stderr=True, soft_wrap=True)


class CliError(Exception):
    """Ends the command with a one-line reason and a non-zero exit."""

    def __init__(self, message: str, exit_code: int = 1, *, field: str | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.field = field  # the input the reason is about, shown as "error (field): ..."


def fail(message: str, exit_code: int = 1) -> NoReturn:
    raise CliError(message, exit_code)


def say(text: str | Text, style: str = "") -> None:
    """One line for people, as typed: no markup, no highlighting, left to the terminal to wrap."""
    console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)


# Every client command takes --json and then prints the API's JSON as it came.
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the API's JSON instead (for scripts).")]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def table(columns: list[str], rows: list[list[Any]], title: str | None = None) -> None:
    t = Table(title=title, show_edge=False, header_style="bold")
    for column in columns:
        t.add_column(column)
    for row in rows:
        t.add_row(*[cell(v) for v in row])
    console.print(t)


def fields(rows: list[tuple[str, Any]]) -> None:
    """Label and value pairs, one a line, labels dimmed: the detail of one object."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in rows:
        grid.add_row(label, cell(value))
    console.print(grid)


def cell(value: Any, style: str = "") -> Text:
    """A table cell that shows data as typed: '[red]' in a title must not become markup."""
    if isinstance(value, Text):
        return value
    return Text("" if value is None else str(value), style=style)


def parse_time(value: str | None) -> datetime | None:
    """ISO 8601 from the API -> aware datetime."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def local_time(value: str | None) -> str:
    """An API timestamp shown in the viewer's local timezone."""
    moment = parse_time(value)
    if moment is None:
        return "-"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def ago(value: str | None, now: datetime | None = None) -> str:
    moment = parse_time(value)
    if moment is None:
        return "-"
    seconds = int(((now or datetime.now(timezone.utc)) - moment).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            text = f"{seconds // size}{unit}"
            break
    else:
        text = f"{seconds}s"
    return f"in {text}" if future else f"{text} ago"


# Reading times people type ------------------------------------------------------------------

USAGE_ERROR = 2
UNIT_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
RELATIVE_RE = re.compile(r"^-?\s*((?:\d+\s*(?:min|s|m|h|d)\s*)+)(?:ago)?$", re.IGNORECASE)
RELATIVE_PART_RE = re.compile(r"(\d+)\s*(min|s|m|h|d)", re.IGNORECASE)
CLOCK_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
TIME_HELP = ("ISO 8601 (local time unless it has an offset), HH:MM (today, local), "
             "or how long ago: 10m, 2h, 1h30m, '10m ago'")


def _local_at(match: re.Match, value: str, option: str, now: datetime, days: int = 0) -> datetime:
    """HH:MM[:SS] on the local day `days` from today, with that day's own UTC offset (DST)."""
    try:
        clock = time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        raise CliError(f"{value!r} is not a time of day", USAGE_ERROR, field=option) from None
    return datetime.combine(now.astimezone().date() + timedelta(days=days), clock).astimezone()


def parse_when(text: str, option: str, now: datetime | None = None) -> str:
    """A time as a person types it -> an aware ISO 8601 string for the API; `option` names the flag."""
    value = text.strip()
    now = now or datetime.now(timezone.utc)
    if value.lower() == "now":
        return now.isoformat()
    if match := RELATIVE_RE.match(value):
        seconds = sum(int(n) * UNIT_SECONDS[unit.lower()] for n, unit in RELATIVE_PART_RE.findall(match[1]))
        return (now - timedelta(seconds=seconds)).isoformat()
    if match := CLOCK_RE.match(value):
        moment = _local_at(match, value, option, now)
        if moment > now:  # 23:50 typed just after midnight means last night
            moment = _local_at(match, value, option, now, days=-1)
        return moment.isoformat()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"cannot read {value!r} as a time; use {TIME_HELP}", USAGE_ERROR, field=option) from None
    # A naive time is what the viewer's wall clock said; astimezone() attaches the local zone.
    return (moment if moment.tzinfo else moment.astimezone()).isoformat()


FUTURE_HELP = "how long from now (30m, 1h, 1h30m), HH:MM (the next time the clock shows it), or ISO 8601"
FUTURE_RE = re.compile(r"^(?:in\s+)?((?:\d+\s*(?:min|s|m|h|d)\s*)+)$", re.IGNORECASE)


def parse_future(text: str, option: str, now: datetime | None = None) -> str:
    """A time ahead as a person types it ("30m", "in 1h", "14:30") -> aware ISO 8601 for the API."""
    value = text.strip()
    now = now or datetime.now(timezone.utc)
    if match := FUTURE_RE.match(value):
        seconds = sum(int(n) * UNIT_SECONDS[unit.lower()] for n, unit in RELATIVE_PART_RE.findall(match[1]))
        return (now + timedelta(seconds=seconds)).isoformat()
    if match := CLOCK_RE.match(value):
        moment = _local_at(match, value, option, now)
        if moment <= now:  # 00:10 typed at 23:50 means after midnight
            moment = _local_at(match, value, option, now, days=1)
        return moment.isoformat()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"cannot read {value!r} as a time; use {FUTURE_HELP}", USAGE_ERROR, field=option) from None
    return (moment if moment.tzinfo else moment.astimezone()).isoformat()
