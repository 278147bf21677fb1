"""Announcements to subscribers: one outbox message per confirmed subscriber the change concerns,
in the transaction of the change (publishing.announce calls `fan_out`), so the messages commit or
roll back with it.

Who is told: a subscriber with no components gets everything; one with components gets an
announcement that touches one of them; an announcement that names no component goes to everyone.
What they are told is the announcement's public text and nothing else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from warroom.core import outbox
from warroom.core.clock import iso_utc
from warroom.core.context import Context
from warroom.statuspage import publishing
from warroom.statuspage.models import Component, Subscriber
from warroom.statuspage.transports import EMAIL_TRANSPORT, WEBHOOK_TRANSPORT

TRANSPORTS = {"email": EMAIL_TRANSPORT, "webhook": WEBHOOK_TRANSPORT}
# Announcement data that may reach subscribers (maintenance windows); anything else in `data` stays.
PUBLIC_DATA = ("starts_at", "ends_at")


def concerns(subscriber_components: list[str], announced: tuple[str, ...]) -> bool:
    return not subscriber_components or not announced or bool(set(subscriber_components) & set(announced))


def public_fields(ctx: Context, announcement: publishing.Announcement) -> dict:
    names = dict(ctx.db.execute(select(Component.public_id, Component.name)
                                .where(Component.public_id.in_(announcement.components))).all()) \
        if announcement.components else {}
    fields = {"id": announcement.public_id, "title": announcement.title, "status": announcement.status,
              "body": announcement.body,
              "components": [{"id": ref, "name": names[ref]} for ref in announcement.components if ref in names]}
    if announcement.kind.startswith("incident."):
        fields["impact"] = announcement.impact
    # Times as the API writes them (UTC with a Z), whatever form the announcer used.
    fields.update({key: iso_utc(datetime.fromisoformat(announcement.data[key]))
                   for key in PUBLIC_DATA if key in announcement.data})
    return fields


def fan_out(ctx: Context, announcement: publishing.Announcement) -> int:
    """Queue the announcement for every subscriber it concerns; returns how many."""
    # Components are few per subscriber and the JSON column cannot be matched the same way on
    # SQLite and PostgreSQL: the status filter is SQL, the component match Python.
    subscribers = ctx.db.execute(select(Subscriber.id, Subscriber.kind, Subscriber.components).where(
        Subscriber.confirmed_at.is_not(None), Subscriber.unsubscribed_at.is_(None)).order_by(Subscriber.id)).all()
    chosen = [(subscriber_id, kind) for subscriber_id, kind, components in subscribers
              if concerns(components or [], announcement.components)]
    if not chosen:
        return 0
    payload = {"event": announcement.kind, "occurred_at": iso_utc(ctx.now()),
               "announcement": public_fields(ctx, announcement)}
    for subscriber_id, kind in chosen:
        outbox.enqueue(ctx, TRANSPORTS[kind], target={"subscriber_id": subscriber_id}, payload=payload,
                       subject=("subscriber", subscriber_id))
    return len(chosen)


def install() -> None:
    if fan_out not in publishing.listeners:
        publishing.listeners.append(fan_out)
