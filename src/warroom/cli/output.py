"""How the CLI prints: readable tables for people, --json for scripts, one-line errors on stderr."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import Any, NoReturn

from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


class CliError(Exception):
    """Ends the command with a one-line reason and a non-zero exit."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def fail(message: str, exit_code: int = 1) -> NoReturn:
    raise CliError(message, exit_code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def table(columns: list[str], rows: list[list[Any]], title: str | None = None) -> None:
    t = Table(title=title, show_edge=False, header_style="bold")
    for column in columns:
        t.add_column(column)
    for row in rows:
        t.add_row(*["" if v is None else str(v) for v in row])
    console.print(t)


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
