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
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min ago"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min ago" if minutes else f"{hours} h ago"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h ago" if hours else f"{days} d ago"


def make_templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html", "xml"], default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["localtime"] = localtime
    env.globals["ago"] = ago
    return Jinja2Templates(env=env)
