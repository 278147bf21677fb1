"""The public page's own settings: its name, where it lives, its logo and colour, and the timezone
its days (uptime bars, history) are counted in.

Saving them is a public change: the page's version moves, so every cached page is rebuilt.
"""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import available_timezones

from warroom.core.context import Context
from warroom.core.errors import Invalid
from warroom.statuspage import publishing
from warroom.statuspage.models import StatusPage
from warroom.users.service import require_admin, validate_timezone

FIELDS = ("name", "url", "logo_url", "brand_color", "timezone")
# Column sizes (models.StatusPage): a longer value would fail in the database instead of here.
MAX_LENGTH = {"name": 100, "url": 300, "logo_url": 500, "timezone": 64}
WEB_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
COLOR = re.compile(r"^#[0-9a-f]{6}$", re.IGNORECASE)


def current(ctx: Context) -> StatusPage:
    """The settings as stored, or (before the page was ever set up) as publishing.page() will create
    them: reading never writes, so it works in a read-only session."""
    page = ctx.db.get(StatusPage, publishing.PAGE_ID)
    if page is None:
        page = StatusPage(id=publishing.PAGE_ID, name="Status", url="", logo_url="", brand_color="#1f6feb",
                          timezone=ctx.policy.timezone, version=0, changed_at=ctx.now())
    return page


def update_settings(ctx: Context, **fields: object) -> StatusPage:
    """Change the settings given (all checked before any is stored)."""
    require_admin(ctx)
    clean = {name: _check(name, value) for name, value in fields.items()}
    page = publishing.page(ctx)
    for name, value in clean.items():
        setattr(page, name, value)
    ctx.db.flush()
    publishing.changed(ctx)
    ctx.db.refresh(page)  # changed() moved the version in SQL
    return page


def _check(name: str, value: object) -> str:
    if name not in FIELDS:
        raise Invalid(f"unknown setting {name!r}; allowed: {', '.join(FIELDS)}", field=name)
    if not isinstance(value, str):
        raise Invalid(f"{name} must be a text", field=name)
    value = value.strip()
    if len(value) > MAX_LENGTH.get(name, 7):
        raise Invalid(f"{name} must be at most {MAX_LENGTH.get(name, 7)} characters", field=name)
    if name == "name" and not value:
        raise Invalid("name must not be empty", field=name)
    if name == "url" and value and not WEB_URL.match(value):
        raise Invalid("url must be empty or an http:// or https:// address", field=name)
    # https only: the public page's Content-Security-Policy loads images from https: or this server.
    if name == "logo_url" and value and not ((WEB_URL.match(value) and value.lower().startswith("https://"))
                                             or _site_path(value)):
        raise Invalid("logo_url must be empty, an https:// address, or a path on this server starting with /",
                      field=name)
    if name == "brand_color":
        if not COLOR.match(value):
            raise Invalid("brand_color must be a colour as #rrggbb, e.g. #1f6feb", field=name)
        value = value.lower()
    if name == "timezone":
        validate_timezone(value, name)
        if value not in _iana_zones():
            raise Invalid(f"unknown timezone {value!r}; use an IANA name such as Europe/Berlin", field=name)
    return value


@cache
def _iana_zones() -> frozenset[str]:
    # "localtime" is this machine's zone under another name: customers would read its days wrongly
    # once the server moves.
    return frozenset(available_timezones()) - {"localtime"}


def _site_path(value: str) -> bool:
    # "//host/logo.png" would load from another site: only a path on this one.
    return value.startswith("/") and not value.startswith("//") and not any(c.isspace() for c in value)
