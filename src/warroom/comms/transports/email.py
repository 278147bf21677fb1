"""E-mail over SMTP: multipart text and HTML, one thread per incident, STARTTLS and auth.

Every message's Message-ID is made from its outbox key, so a retry sends the same Message-ID and
mail clients drop the duplicate. The incident's first message on a channel is the thread root:
later ones carry In-Reply-To and References pointing at it.
"""

from __future__ import annotations

import html
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

from sqlalchemy import select

from warroom.comms.transports.common import channel_of, incident_url, remember_thread, thread_ref
from warroom.core import outbox
from warroom.core.outbox import DeliveryFailed
from warroom.users.models import User

TIMEOUT = 15


def message_id(runtime, key: str) -> str:
    domain = urlsplit(runtime.settings.url).hostname or "warroom.local"
    return f"<{key}@{domain}>"


def _html(payload: dict) -> str:
    paragraphs = "".join(f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>"
                         for part in payload.get("text", "").split("\n\n") if part.strip())
    url = incident_url(payload)
    link = f'<p><a href="{html.escape(url)}">Open {html.escape((payload.get("incident") or {}).get("ref", ""))} ' \
           f"in Warroom</a></p>" if url else ""
    return (f"<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">"
            f"<h2 style=\"font-size:18px\">{html.escape(payload.get('subject', ''))}</h2>"
            f"{paragraphs}{link}</body></html>")


def build(runtime, envelope: outbox.Envelope, recipients: list[str], thread: str | None) -> EmailMessage:
    payload = envelope.payload
    mail = EmailMessage()
    mail["Subject"] = payload.get("subject", "Warroom")
    mail["From"] = runtime.settings.smtp.sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = formatdate(runtime.clock.now().timestamp(), usegmt=True)
    mail["Message-ID"] = message_id(runtime, envelope.key)
    if thread:
        mail["In-Reply-To"] = thread
        mail["References"] = thread
    mail["Auto-Submitted"] = "auto-generated"
    text = payload.get("text", "")
    url = incident_url(payload)
    mail.set_content(f"{text}\n\n{url}\n" if url else f"{text}\n")
    mail.add_alternative(_html(payload), subtype="html")
    return mail


def _recipients(runtime, envelope: outbox.Envelope) -> tuple[list[str], int | None]:
    """(addresses, channel id or None): a channel's list, or one user (a personal reminder)."""
    if "user_id" in envelope.target:
        with runtime.db.read_session() as db:
            email = db.scalar(select(User.email).where(User.id == envelope.target["user_id"],
                                                       User.deactivated_at.is_(None)))
        if email is None:
            raise DeliveryFailed("the user no longer exists or was deactivated", permanent=True)
        return [email], None
    channel = channel_of(runtime, envelope)
    return list(channel.settings["recipients"]), channel.id


def smtp_settings_of(runtime):
    """The SMTP server, or a retryable failure until one is configured."""
    if runtime.settings.smtp is None:
        raise DeliveryFailed("no SMTP server configured: set WARROOM_SMTP_HOST (see docs/configuration.md)")
    return runtime.settings.smtp


def send_mail(runtime, mail: EmailMessage) -> dict:
    """One message through the configured SMTP server (STARTTLS and login as configured); returns
    the refused recipients. Failures are classified for the outbox: 5xx and refused addresses are
    permanent, the rest are retried."""
    smtp_settings = smtp_settings_of(runtime)
    try:
        with smtplib.SMTP(smtp_settings.host, smtp_settings.port, timeout=TIMEOUT) as smtp:
            if smtp_settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if smtp_settings.user:
                smtp.login(smtp_settings.user, smtp_settings.password or "")
            return smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryFailed(f"SMTP refused every recipient: {', '.join(exc.recipients)}", permanent=True) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailed(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",
                             permanent=500 <= exc.smtp_code < 600) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"SMTP: {type(exc).__name__}: {exc}") from None


@outbox.transport("email")
def send_email(runtime, envelope: outbox.Envelope) -> str:
    smtp_settings_of(runtime)
    recipients, channel_id = _recipients(runtime, envelope)
    incident_id = envelope.target.get("incident_id")
    thread = thread_ref(runtime, channel_id, incident_id) if channel_id else None
    refused = send_mail(runtime, build(runtime, envelope, recipients, thread))
    if channel_id and not thread:
        remember_thread(runtime, channel_id, incident_id, message_id(runtime, envelope.key))
    detail = f"sent to {len(recipients) - len(refused)} of {len(recipients)}"
    return detail + (f"; refused {', '.join(refused)}" if refused else "")
