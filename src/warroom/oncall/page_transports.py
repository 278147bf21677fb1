"""Outbox transports of pages and contact-method tests: `page_email`, `page_slack`, `page_webhook`.

A message names a page notification (`{"notification_id": 7}`) or, for a test, a contact method
(`{"contact_method_id": 3}`). Everything else is read when it is sent: the address (a method
changed meanwhile is used as it is now), whether the page still stands (a page resolved while its
message waited is not sent: it ends delivered with a "not sent: ..." detail, as a retry would
change nothing), and the one-click acknowledgement link, signed now and never stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from sqlalchemy import select

from warroom.comms.models import Channel
from warroom.comms.transports.email import message_id, send_mail, smtp_settings_of
from warroom.comms.transports.slack import SLACK_API, blocks, checked_answer
from warroom.core import outbox, webhooks
from warroom.core.clock import iso_utc
from warroom.core.outbox import DeliveryFailed, Envelope
from warroom.oncall import ack_links
from warroom.oncall.models import ContactMethod, Page, PageNotification
from warroom.users.models import User


@dataclass(frozen=True)
class Delivery:
    kind: str
    address: str
    secret: str
    ack_url: str | None  # None for a test message


class Skip(Exception):
    """Nothing to send any more."""


def _delivery(runtime, envelope: Envelope) -> Delivery:
    with runtime.db.read_session() as db:
        if "contact_method_id" in envelope.target:
            method = db.get(ContactMethod, envelope.target["contact_method_id"])
            if method is None:
                raise Skip("the contact method was removed")
            return Delivery(method.kind, method.address, method.secret, None)
        notification = db.get(PageNotification, envelope.target.get("notification_id"))
        page = db.get(Page, notification.page_id) if notification else None
        if notification is None or page is None:
            raise Skip("the page was removed")
        if notification.canceled_at is not None or page.status == "resolved":
            raise Skip(f"the page is {page.status}")
        method = db.get(ContactMethod, notification.contact_method_id) if notification.contact_method_id else None
        user = db.get(User, notification.user_id)
        if user is None or user.deactivated_at is not None:
            raise Skip("the person was deactivated")
        expires = runtime.clock.now() + ack_links.LIFETIME
        url = ack_links.ack_url(runtime.settings.url, ack_links.make_token(page, notification, expires))
        if method is None:
            return Delivery("email", user.email, "", url)
        return Delivery(method.kind, method.address, method.secret, url)


def _text(envelope: Envelope, delivery: Delivery) -> str:
    text = envelope.payload.get("text", "")
    if delivery.ack_url:
        text += f"\n\nAcknowledge (one click, valid 24 hours): {delivery.ack_url}"
    url = (envelope.payload.get("incident") or {}).get("url")
    return text + (f"\nIncident: {url}" if url else "")


def _sending(send):
    """Run a transport, turning Skip into a delivered message that says why nothing was sent."""
    def run(runtime, envelope: Envelope) -> str:
        try:
            return send(runtime, envelope, _delivery(runtime, envelope))
        except Skip as reason:
            return f"not sent: {reason}"
    run.__name__ = send.__name__
    return run


@outbox.transport("page_email")
@_sending
def send_page_email(runtime, envelope: Envelope, delivery: Delivery) -> str:
    smtp_settings_of(runtime)
    mail = EmailMessage()
    mail["Subject"] = envelope.payload.get("subject", "Warroom page")
    mail["From"] = runtime.settings.smtp.sender
    mail["To"] = delivery.address
    mail["Date"] = formatdate(runtime.clock.now().timestamp(), usegmt=True)
    mail["Message-ID"] = message_id(runtime, envelope.key)
    mail["Auto-Submitted"] = "auto-generated"
    if envelope.payload.get("urgency") == "high":
        mail["X-Priority"] = "1"
    mail.set_content(_text(envelope, delivery) + "\n")
    send_mail(runtime, mail)
    return f"sent to {delivery.address}"


def _slack_bot_token(runtime) -> tuple[str, str]:
    """(token, API base) of the first enabled Slack channel with a bot token: direct messages need one."""
    with runtime.db.read_session() as db:
        for channel in db.scalars(select(Channel).where(Channel.kind == "slack", Channel.enabled.is_(True))
                                  .order_by(Channel.id)):
            if "bot_token" in channel.secrets:
                return channel.secrets["bot_token"], channel.settings.get("api_base", SLACK_API).rstrip("/")
    raise DeliveryFailed("no Slack channel with a bot token: add one to page people on Slack")


def slack_message(envelope: Envelope, delivery: Delivery) -> dict:
    """chat.postMessage to the member id (Slack posts it in the person's direct messages with the
    app), in Block Kit as incident messages are (comms.transports.slack.blocks: the subject, the
    text, severity, status and services, a button to the incident) with an Acknowledge button first;
    `text` is what the notification shows, links included for clients without blocks."""
    shown = blocks(envelope.payload)
    if delivery.ack_url:
        acknowledge = {"type": "button", "style": "primary", "action_id": "acknowledge", "url": delivery.ack_url,
                       "text": {"type": "plain_text", "text": "Acknowledge"}}
        actions = next((block for block in shown if block["type"] == "actions"), None)
        if actions is None:
            shown.append({"type": "actions", "elements": [acknowledge]})
        else:
            actions["elements"].insert(0, acknowledge)
    return {"channel": delivery.address, "text": f"{envelope.payload.get('subject', '')}\n{_text(envelope, delivery)}",
            "blocks": shown, "unfurl_links": False, "unfurl_media": False}


@outbox.transport("page_slack")
@_sending
def send_page_slack(runtime, envelope: Envelope, delivery: Delivery) -> str:
    """Slack's errors (`ok: false`) fail the attempt like an HTTP error: retried with backoff, or
    dead at once when a retry cannot help (an unknown member id, a revoked token)."""
    token, api = _slack_bot_token(runtime)
    body = json.dumps(slack_message(envelope, delivery), ensure_ascii=False).encode()
    response = webhooks.post(f"{api}/chat.postMessage", body,
                             {"authorization": f"Bearer {token}", "content-type": "application/json; charset=utf-8"})
    return f"posted ts={checked_answer(response).get('ts')}"


@outbox.transport("page_webhook")
@_sending
def send_page_webhook(runtime, envelope: Envelope, delivery: Delivery) -> str:
    """Standard Webhooks, signed with the contact method's own secret: an SMS or voice bridge
    reads `data.text` (or its parts) and may offer `data.ack_url` as a reply action."""
    now = runtime.clock.now()
    payload = envelope.payload
    test = payload.get("event") == "contact.test"
    data = {key: payload.get(key) for key in ("subject", "incident", "urgency", "page_id") if key in payload}
    data.update(text=_text(envelope, delivery), ack_url=delivery.ack_url)
    if test:
        data["code"] = payload.get("code")
    body = json.dumps({"type": "contact_method.test" if test else "page.triggered", "timestamp": iso_utc(now),
                       "data": data}, separators=(",", ":"), ensure_ascii=False).encode()
    response = webhooks.post(delivery.address, body,
                             webhooks.signed_headers(delivery.secret, envelope.key, now, body))
    return f"HTTP {response.status_code}"
