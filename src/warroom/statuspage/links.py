"""The links of subscriber mail: where the public page is, and signed tokens for confirming and
unsubscribing that need no sign-in.

A token is `<subscriber id>.<expiry>.<signature>`: the signature is HMAC-SHA256, keyed with the
page's `link_secret`, over the purpose, the subscriber's id, kind and target, and the expiry (Unix
seconds, 0 for never). The purpose keeps an unsubscribe token from confirming and the other way
round; the target keeps a link working only for the address it was sent to, even if a removed
subscriber's id is reused (SQLite may reuse the highest id).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timezone
from urllib.parse import quote

from warroom.core.context import Context
from warroom.core.errors import WarroomError
from warroom.statuspage.models import StatusPage, Subscriber
from warroom.statuspage.publishing import PAGE_ID, public_url

CONFIRM, UNSUBSCRIBE = "confirm", "unsubscribe"


class LinkRefused(WarroomError):
    """A confirmation or unsubscribe link that cannot be used: tampered with, for a subscriber who
    no longer exists, or (confirmation only) expired. `reason` is "invalid" or "expired"."""

    code = "invalid_link"
    http_status = 400

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message, field="token")
        self.reason = reason


# --- where the public page is ---------------------------------------------------------------------
# Every link is below the page's public URL (publishing.public_url: its own URL, e.g. a proxy in
# front of /status, else this Warroom's /status), as the page's own routes are below /status.

def page_url(page: StatusPage | None, base_url: str) -> str:
    return public_url(page, base_url)


def incident_url(page: str, public_id: str) -> str:
    return f"{page}/incidents/{quote(public_id, safe='')}"


def maintenance_url(page: str, public_id: str) -> str:
    return f"{page}/maintenance/{quote(public_id, safe='')}"


def confirm_url(page: str, token: str) -> str:
    return f"{page}/subscriptions/confirm?token={quote(token, safe='')}"


def unsubscribe_url(page: str, token: str) -> str:
    return f"{page}/unsubscribe?token={quote(token, safe='')}"


# --- tokens ---------------------------------------------------------------------------------------

def _signature(secret: str, purpose: str, subscriber: Subscriber, expires: int) -> str:
    signed = "\n".join((purpose, str(subscriber.id), subscriber.kind, subscriber.target, str(expires)))
    digest = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_token(secret: str, purpose: str, subscriber: Subscriber, expires_at: datetime | None = None) -> str:
    expires = int(expires_at.timestamp()) if expires_at is not None else 0
    return f"{subscriber.id}.{expires}.{_signature(secret, purpose, subscriber, expires)}"


def check_token(ctx: Context, purpose: str, token: str | None) -> Subscriber:
    """The subscriber the token was made for; raises LinkRefused. Read-only."""
    invalid = LinkRefused("This link is not valid: it may have been cut short or changed, or the "
                          "subscription no longer exists.", reason="invalid")
    parts = (token or "").strip().split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[0]) > 18:
        raise invalid
    page = ctx.db.get(StatusPage, PAGE_ID)
    subscriber = ctx.db.get(Subscriber, int(parts[0]))
    if page is None or subscriber is None:
        raise invalid
    expires = int(parts[1])
    # The signature first: a changed link must never be told apart from an expired one.
    if not hmac.compare_digest(_signature(page.link_secret, purpose, subscriber, expires), parts[2]):
        raise invalid
    if expires and ctx.now() >= datetime.fromtimestamp(expires, timezone.utc):
        raise LinkRefused("This confirmation link has expired. Subscribe again to get a new one.",
                          reason="expired")
    return subscriber
