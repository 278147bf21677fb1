"""One-click acknowledgement links in page messages.

A token is `<notification id>.<expiry>.<signature>`: HMAC-SHA256 over the purpose ("ack"), the
notification, its page, incident and person, and the expiry (Unix seconds). The key is the page's
own random `link_secret` (Page.link_secret) rather than one secret for the installation: nothing
new to configure or rotate, and a leaked key opens one page's links, not every page's. So a token
acknowledges one page of one incident as the one person it was sent to, only until it expires
(LIFETIME after the message was sent), and a token made for another purpose never verifies.

Tokens are signed when the message is sent (page_transports), never stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from warroom.core.context import Context
from warroom.core.errors import WarroomError
from warroom.incidents.models import Incident
from warroom.oncall.models import Page, PageNotification
from warroom.users.models import User

ACK = "ack"
LIFETIME = timedelta(hours=24)


class AckLinkRefused(WarroomError):
    code = "invalid_link"
    http_status = 400

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message, field="token")
        self.reason = reason  # "invalid" or "expired"


@dataclass(frozen=True)
class AckLink:
    notification: PageNotification
    page: Page
    incident: Incident
    user: User


def _signature(page: Page, notification: PageNotification, purpose: str, expires: int) -> str:
    signed = "\n".join((purpose, str(notification.id), str(page.id), str(page.incident_id),
                        str(notification.user_id), str(expires)))
    digest = hmac.new(page.link_secret.encode(), signed.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_token(page: Page, notification: PageNotification, expires_at: datetime, purpose: str = ACK) -> str:
    expires = int(expires_at.timestamp())
    return f"{notification.id}.{expires}.{_signature(page, notification, purpose, expires)}"


def ack_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/ack/{token}"


def check_token(ctx: Context, token: str | None) -> AckLink:
    """What the token acknowledges; raises AckLinkRefused. Read-only."""
    invalid = AckLinkRefused("This acknowledgement link is not valid: it may have been cut short or "
                             "changed.", reason="invalid")
    parts = (token or "").strip().split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[0]) > 18 \
            or len(parts[1]) > 12:
        raise invalid
    notification = ctx.db.get(PageNotification, int(parts[0]))
    page = ctx.db.get(Page, notification.page_id) if notification else None
    incident = ctx.db.get(Incident, page.incident_id) if page else None
    user = ctx.db.get(User, notification.user_id) if notification else None
    if notification is None or page is None or incident is None or user is None:
        raise invalid
    expires = int(parts[1])
    # The signature first: a changed link must never be told apart from an expired one.
    if not hmac.compare_digest(_signature(page, notification, ACK, expires), parts[2]):
        raise invalid
    if ctx.now() >= datetime.fromtimestamp(expires, timezone.utc):
        raise AckLinkRefused("This acknowledgement link has expired. Acknowledge on the incident's page "
                             "or with `warroom ack`.", reason="expired")
    if user.deactivated_at is not None:
        raise invalid
    return AckLink(notification, page, incident, user)
