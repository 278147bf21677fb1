"""Outbox transports of status page subscribers: `status_email` (SMTP) and `status_webhook`
(Standard Webhooks, signed with the subscriber's own secret).

A message names its subscriber (`target: {"subscriber_id": 7}`); everything about the subscriber
and the page (address, secret, whether it is still subscribed, the page's name and URL, the link
secret) is read when the message is sent, so a subscriber who unsubscribed or was removed while a
message waited gets nothing: the message ends as delivered with a "not sent: ..." detail, since
nothing is wrong and nothing would change on a retry. Links are signed at send time too, so no
token is ever stored in the outbox.

Payloads (written by subscriptions.py and notify.py):
    {"event": "subscription.confirm", "expires_at": ISO}         the double opt-in link
    {"event": "subscription.already_subscribed"}                   a confirmed address asked again
    {"event": <announcement kind>, "occurred_at": ISO, "announcement": {...public fields...}}
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from warroom.comms.transports.email import message_id, send_mail, smtp_settings_of
from warroom.core import outbox, webhooks
from warroom.core.clock import as_utc
from warroom.core.outbox import DeliveryFailed, Envelope
from warroom.statuspage import links
from warroom.statuspage.models import Component, StatusPage, Subscriber
from warroom.statuspage.publishing import PAGE_ID

EMAIL_TRANSPORT, WEBHOOK_TRANSPORT = "status_email", "status_webhook"
CONFIRMATION, KNOWN_SUBSCRIBER = "subscription.confirm", "subscription.already_subscribed"
# RFC 5322's line limit instead of the 78-character default, which would RFC 2047-encode the long
# List-Unsubscribe URL (mail providers look for a plain <https://...> there).
MAIL_POLICY = policy.default.clone(max_line_length=998)
STATUS_WORDS = {"investigating": "Investigating", "identified": "Identified", "monitoring": "Monitoring",
                "resolved": "Resolved", "scheduled": "Scheduled maintenance",
                "in_progress": "Maintenance in progress", "verifying": "Maintenance verifying",
                "completed": "Maintenance completed", "canceled": "Maintenance canceled"}


@dataclass(frozen=True)
class Recipient:
    """A subscriber and the page, as read at send time."""

    id: int
    kind: str
    target: str
    secret: str
    components: tuple[str, ...]  # names, for "you get updates about ..."
    confirmed: bool
    unsubscribed: bool
    page_name: str
    page_timezone: str
    page_url: str  # where the public page is read; every link is below it
    unsubscribe_url: str
    confirm_url: str | None


class Skip(Exception):
    """Nothing to send any more (see the module's docstring)."""


def _recipient(runtime, envelope: Envelope) -> Recipient:
    with runtime.db.read_session() as db:
        subscriber = db.get(Subscriber, envelope.target.get("subscriber_id"))
        page = db.get(StatusPage, PAGE_ID)
        if subscriber is None or page is None:
            raise Skip("the subscriber was removed")
        names = tuple(db.scalars(select(Component.name).where(Component.public_id.in_(subscriber.components))
                                 .order_by(Component.position, Component.name))) if subscriber.components else ()
        page_url = links.page_url(page, runtime.settings.url)
        expires = envelope.payload.get("expires_at")
        confirm = links.confirm_url(page_url, links.make_token(page.link_secret, links.CONFIRM, subscriber,
                                                           datetime.fromisoformat(expires))) if expires else None
        return Recipient(id=subscriber.id, kind=subscriber.kind, target=subscriber.target, secret=subscriber.secret,
                         components=names, confirmed=subscriber.confirmed_at is not None,
                         unsubscribed=subscriber.unsubscribed_at is not None, page_name=page.name,
                         page_timezone=page.timezone, page_url=page_url,
                         unsubscribe_url=links.unsubscribe_url(page_url, links.make_token(
                             page.link_secret, links.UNSUBSCRIBE, subscriber)),
                         confirm_url=confirm)


def _check_still_wanted(recipient: Recipient, event: str) -> None:
    if recipient.unsubscribed:
        raise Skip("the subscriber unsubscribed")
    if event == CONFIRMATION and recipient.confirmed:
        raise Skip("the subscription is already confirmed")
    if event not in (CONFIRMATION, KNOWN_SUBSCRIBER) and not recipient.confirmed:
        raise Skip("the subscription was never confirmed")


def permalink(page_url: str, kind: str, public_id: str) -> str:
    if kind.startswith("maintenance."):
        return links.maintenance_url(page_url, public_id)
    return links.incident_url(page_url, public_id)


def _local(moment: str | None, timezone: str) -> str:
    if not moment:
        return ""
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return as_utc(datetime.fromisoformat(moment)).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


# --- e-mail ---------------------------------------------------------------------------------------

def _mail_text(recipient: Recipient, payload: dict) -> tuple[str, list[str], tuple[str, str] | None]:
    """(subject, paragraphs, (link text, URL) or None) of one mail."""
    page = recipient.page_name
    event = payload.get("event", "")
    if event == CONFIRMATION:
        return (f"Confirm your subscription to {page}",
                [f"Someone, hopefully you, asked to receive {page} updates by e-mail at {recipient.target}"
                 f" ({_scope(recipient)}).",
                 "To start receiving them, confirm with the link below within 7 days. If you did not ask "
                 "for this, ignore this mail: nothing more is sent unless the link is followed."],
                ("Confirm your subscription", recipient.confirm_url or ""))
    if event == KNOWN_SUBSCRIBER:
        return (f"You are already subscribed to {page}",
                [f"Someone, hopefully you, asked to subscribe {recipient.target} to {page} updates. This "
                 f"address is already subscribed ({_scope(recipient)}); nothing has changed.",
                 "To choose other components, unsubscribe with the link below and subscribe again."],
                ("Unsubscribe", recipient.unsubscribe_url))
    news = payload.get("announcement") or {}
    status = STATUS_WORDS.get(news.get("status", ""), news.get("status", "").replace("_", " ").capitalize())
    lines = [f"{status}: {news.get('title', '')}", news.get("body", "")]
    if news.get("components"):
        lines.append("Affected: " + ", ".join(c["name"] for c in news["components"]))
    if news.get("starts_at"):
        lines.append(f"Window: {_local(news['starts_at'], recipient.page_timezone)} to "
                     f"{_local(news.get('ends_at'), recipient.page_timezone)}")
    url = permalink(recipient.page_url, event, news.get("id", ""))
    return f"[{page}] {status}: {news.get('title', '')}", [line for line in lines if line], ("Details", url)


def _scope(recipient: Recipient) -> str:
    return "about " + ", ".join(recipient.components) if recipient.components else "about every component"


def build_mail(runtime, envelope: Envelope, recipient: Recipient) -> EmailMessage:
    subject, paragraphs, link = _mail_text(recipient, envelope.payload)
    why = "was entered to subscribe to" if envelope.payload.get("event") == CONFIRMATION else "subscribed to"
    reason = f"You receive this because {recipient.target} {why} {recipient.page_name} ({_scope(recipient)})."
    footer = f"{reason} Unsubscribe: {recipient.unsubscribe_url}"
    mail = EmailMessage(policy=MAIL_POLICY)
    mail["Subject"] = subject
    mail["From"] = formataddr((recipient.page_name, runtime.settings.smtp.sender))
    mail["To"] = recipient.target
    mail["Date"] = formatdate(runtime.clock.now().timestamp(), usegmt=True)
    mail["Message-ID"] = message_id(runtime, envelope.key)
    mail["Auto-Submitted"] = "auto-generated"
    # RFC 2369 and RFC 8058: mail clients offer "unsubscribe" and POST to the link in one click.
    mail["List-Unsubscribe"] = f"<{recipient.unsubscribe_url}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text = "\n\n".join(paragraphs)
    if link and link[1]:
        text += f"\n\n{link[0]}: {link[1]}"
    mail.set_content(f"{text}\n\n-- \n{footer}\n")
    body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    if link and link[1]:
        body += f'<p><a href="{html.escape(link[1])}">{html.escape(link[0])}</a></p>'
    mail.add_alternative(
        '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">'
        f'<h2 style="font-size:18px">{html.escape(subject)}</h2>{body}'
        f'<hr><p style="color:#555;font-size:13px">{html.escape(reason)} '
        f'<a href="{html.escape(recipient.unsubscribe_url)}">Unsubscribe</a></p></body></html>', subtype="html")
    return mail


@outbox.transport(EMAIL_TRANSPORT)
def send_status_email(runtime, envelope: Envelope) -> str:
    smtp_settings_of(runtime)
    try:
        recipient = _recipient(runtime, envelope)
        _check_still_wanted(recipient, envelope.payload.get("event", ""))
    except Skip as skipped:
        return f"not sent: {skipped}"
    send_mail(runtime, build_mail(runtime, envelope, recipient))
    return f"sent to subscriber {recipient.id}"


# --- webhooks -------------------------------------------------------------------------------------

def event_body(recipient: Recipient, payload: dict) -> bytes:
    """{"type": kind, "timestamp", "data": {"incident" or "maintenance": public fields, "page"}}."""
    event = payload.get("event", "")
    news = dict(payload.get("announcement") or {})
    news["url"] = permalink(recipient.page_url, event, news.get("id", ""))
    subject = "maintenance" if event.startswith("maintenance.") else "incident"
    body = {"type": event, "timestamp": payload.get("occurred_at"),
            "data": {subject: news, "page": {"name": recipient.page_name, "url": recipient.page_url}}}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


@outbox.transport(WEBHOOK_TRANSPORT)
def send_status_webhook(runtime, envelope: Envelope) -> str:
    try:
        recipient = _recipient(runtime, envelope)
        _check_still_wanted(recipient, envelope.payload.get("event", ""))
    except Skip as skipped:
        return f"not sent: {skipped}"
    now = runtime.clock.now()
    body = event_body(recipient, envelope.payload)
    headers = webhooks.signed_headers(recipient.secret, envelope.key, now, body)
    response = webhooks.post(recipient.target, body, headers)
    return f"HTTP {response.status_code}"
