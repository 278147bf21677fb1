"""Jinja2 with autoescape, and the filters pages use to show times in the viewer's timezone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def localtime(moment: datetime | None, tz: str | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """An exact time in the viewer's timezone."""
    if moment is None:
        return ""
    return moment.astimezone(_zone(tz)).strftime(fmt)


def ago(moment: datetime | None, now: datetime) -> str:
    """A short relative time: "just now", "12 min ago", "3 h 5 min ago", "2 d 4 h ago"."""
    if moment is None:
        return ""
    seconds = int((now - moment).total_seconds())
    if seconds < 0:
        return "in the future"
    if seconds < 60:
        return "just now"
    return f"{_span(seconds)} ago"


def _span(seconds: int) -> str:
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def due_in(moment: datetime | None, now: datetime) -> str:
    """A countdown to a deadline: "due in 12 min", "due in under a minute", "overdue by 3 min"."""
    if moment is None:
        return ""
    seconds = int((moment - now).total_seconds())
    if seconds >= 0:
        return "due in under a minute" if seconds < 60 else f"due in {_span(seconds)}"
    return "overdue" if seconds > -60 else f"overdue by {_span(-seconds)}"


def make_templates() -> Jinja2Templates:
    # Templates ship with the package and do not change while the server runs: no mtime check per
    # include (the room includes one per timeline event).
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), auto_reload=False,
                      autoescape=select_autoescape(["html", "xml"], default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["localtime"] = localtime
    env.globals["ago"] = ago
    env.globals["due_in"] = due_in
    return Jinja2Templates(env=env)
