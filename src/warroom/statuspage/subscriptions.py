"""Subscribers of the public status page: the public's double opt-in by e-mail, unsubscribing, and
what admins do (list, add e-mail or webhook subscribers, remove).

Privacy: nobody may learn through us whether an address is subscribed. `subscribe` behaves the same
to the caller for a new, pending, unsubscribed or confirmed address (it returns nothing and raises
only for bad input or the limits, neither of which depends on the address's state); what differs is
only the mail that goes to the address itself: a confirmation link, or, for a confirmed address, a
note that it is already subscribed with its unsubscribe link.

Abuse limits: at most MAX_PER_ADDRESS requests per address and MAX_PER_IP per client address in any
hour (counted in the database, so every web process agrees). Addresses are counted by a keyed hash:
the request log must not become a list of addresses. Webhook subscribers are added by admins only;
a public sign-up would let anyone make this server POST to URLs inside our network.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from warroom.comms.channels import EMAIL_RE, URL_RE
from warroom.core import outbox, webhooks
from warroom.core.clock import iso_utc
from warroom.core.context import Context
from warroom.core.errors import Conflict, Invalid, NotFound, Throttled
from warroom.statuspage import links, publishing
from warroom.statuspage.models import SUBSCRIBER_KINDS, Component, Subscriber, SubscriptionRequest
from warroom.statuspage.transports import CONFIRMATION, EMAIL_TRANSPORT, KNOWN_SUBSCRIBER
from warroom.users.service import require_admin

MAX_PER_ADDRESS = 5
# A client address may be an office or mobile-carrier NAT with many people behind it: more room.
MAX_PER_IP = 20
WINDOW = timedelta(hours=1)
CONFIRM_VALID_FOR = timedelta(days=7)
STATUSES = ("pending", "active", "unsubscribed")
MAX_PAGE = 200


def status_of(subscriber: Subscriber) -> str:
    if subscriber.unsubscribed_at is not None:
        return "unsubscribed"
    return "active" if subscriber.confirmed_at is not None else "pending"


# --- input ----------------------------------------------------------------------------------------

def normalize_address(value: object, field: str = "email") -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{field} is required: the e-mail address to send updates to", field=field)
    address = value.strip().lower()
    if len(address) > 254 or not EMAIL_RE.match(address):
        raise Invalid(f"{field} must be an e-mail address like name@example.com", field=field)
    return address


def _webhook_url(value: object, field: str = "target") -> str:
    if not isinstance(value, str) or not URL_RE.match(value.strip()) or len(value.strip()) > 500:
        raise Invalid(f"{field} must be an http:// or https:// URL of at most 500 characters", field=field)
    return value.strip()


def resolve_components(ctx: Context, refs: list[str] | tuple[str, ...], field: str = "components") -> list[str]:
    """Public ids of the components named (by public id or name), in page order; none means all."""
    wanted = list(dict.fromkeys(ref.strip() for ref in refs if isinstance(ref, str) and ref.strip()))
    if not wanted:
        return []
    found = list(ctx.db.execute(select(Component.public_id, Component.name).where(
        Component.public_id.in_(wanted) | Component.name.in_(wanted))
        .order_by(Component.position, Component.name)))
    known = {ref for row in found for ref in row}
    unknown = [ref for ref in wanted if ref not in known]
    if unknown:
        raise Invalid(f"no component {unknown[0]!r} on the status page", field=field)
    return [public_id for public_id, _ in found]


# --- limits ---------------------------------------------------------------------------------------

def address_hash(ctx: Context, address: str) -> str:
    key = publishing.page(ctx).link_secret.encode()
    return hmac.new(key, f"subscriber-address\n{address}".encode(), hashlib.sha256).hexdigest()


def _wait(ctx: Context, clause, limit: int) -> int | None:
    """Seconds until one more request is allowed, or None if one is allowed now."""
    now = ctx.now()
    times = list(ctx.db.scalars(select(SubscriptionRequest.at).where(clause, SubscriptionRequest.at > now - WINDOW)
                                .order_by(SubscriptionRequest.at.desc()).limit(limit)))
    if len(times) < limit:
        return None
    # Allowed again once the limit-th most recent request leaves the window.
    return max(1, int((times[-1] + WINDOW - now).total_seconds()) + 1)


def _count_request(ctx: Context, hashed: str, client_ip: str) -> None:
    waits = [wait for wait in (_wait(ctx, SubscriptionRequest.address_hash == hashed, MAX_PER_ADDRESS),
                               _wait(ctx, SubscriptionRequest.client_ip == client_ip, MAX_PER_IP))
             if wait is not None]
    if waits:
        minutes = (max(waits) + 59) // 60
        raise Throttled(f"too many subscription requests; try again in {minutes} minute"
                        f"{'' if minutes == 1 else 's'}", retry_after=max(waits))
    # Forget what no longer counts, so the table stays the size of one window.
    ctx.db.execute(delete(SubscriptionRequest).where(SubscriptionRequest.at <= ctx.now() - WINDOW))
    ctx.db.add(SubscriptionRequest(address_hash=hashed, client_ip=client_ip, at=ctx.now()))


# --- the public ------------------------------------------------------------------------------------

def subscribe(ctx: Context, email: object, components: list[str], client_ip: str) -> None:
    """A public request to get mail. Returns nothing, whatever the address's state (see above)."""
    address = normalize_address(email)
    chosen = resolve_components(ctx, components)
    _count_request(ctx, address_hash(ctx, address), (client_ip or "unknown")[:64])
    # Inserted, or found: added before, or by a concurrent request just now.
    subscriber = (_find(ctx, "email", address) or _insert(ctx, "email", address, chosen)
                  or _find(ctx, "email", address))
    if status_of(subscriber) == "active":
        # Never changed by an anonymous request: anyone could narrow someone else's subscription.
        _enqueue_mail(ctx, subscriber, KNOWN_SUBSCRIBER)
        return
    # Pending or unsubscribed: the latest request says what to confirm.
    subscriber.components, subscriber.unsubscribed_at, subscriber.confirmed_at = chosen, None, None
    send_confirmation(ctx, subscriber)


def _find(ctx: Context, kind: str, target: str) -> Subscriber | None:
    return ctx.db.scalar(select(Subscriber).where(Subscriber.kind == kind, Subscriber.target == target))


def _insert(ctx: Context, kind: str, target: str, components: list[str], *, secret: str = "",
            confirmed_at: datetime | None = None) -> Subscriber | None:
    """The new subscriber, or None if another transaction added the same one just now."""
    subscriber = Subscriber(kind=kind, target=target, components=components, secret=secret,
                            created_at=ctx.now(), confirmed_at=confirmed_at)
    try:
        with ctx.db.begin_nested():
            ctx.db.add(subscriber)
            ctx.db.flush()
    except IntegrityError:
        return None
    return subscriber


def send_confirmation(ctx: Context, subscriber: Subscriber) -> None:
    _enqueue_mail(ctx, subscriber, CONFIRMATION, expires_at=iso_utc(ctx.now() + CONFIRM_VALID_FOR))


def _enqueue_mail(ctx: Context, subscriber: Subscriber, event: str, **payload: str) -> None:
    ctx.db.flush()
    outbox.enqueue(ctx, EMAIL_TRANSPORT, target={"subscriber_id": subscriber.id},
                   payload={"event": event, **payload}, subject=("subscriber", subscriber.id))


def confirm(ctx: Context, token: str | None) -> tuple[Subscriber, bool]:
    """Confirms the subscription the link was sent for; (subscriber, whether it was pending)."""
    subscriber = links.check_token(ctx, links.CONFIRM, token)
    if subscriber.unsubscribed_at is not None:
        raise links.LinkRefused("This subscription was canceled after this link was sent. Subscribe "
                                "again to get a new link.", reason="invalid")
    if subscriber.confirmed_at is not None:
        return subscriber, False
    subscriber.confirmed_at = ctx.now()
    return subscriber, True


def check_unsubscribe(ctx: Context, token: str | None) -> Subscriber:
    """The subscriber an unsubscribe link is for (read-only: the page that asks to confirm)."""
    return links.check_token(ctx, links.UNSUBSCRIBE, token)


def unsubscribe(ctx: Context, token: str | None) -> Subscriber:
    """Stops all mail to the subscriber; repeating it changes nothing."""
    subscriber = check_unsubscribe(ctx, token)
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = ctx.now()
    return subscriber


def component_names(ctx: Context) -> dict[str, str]:
    """public id -> name of every component (what admins see instead of the ids)."""
    return dict(ctx.db.execute(select(Component.public_id, Component.name)).all())


def public_components(ctx: Context) -> list[Component]:
    """The components a subscriber can choose from, in page order."""
    return list(ctx.db.scalars(select(Component).order_by(Component.position, Component.name)))


# --- admins ---------------------------------------------------------------------------------------

def list_subscribers(ctx: Context, *, kind: str | None = None, status: str | None = None, limit: int = 50,
                     cursor: str | None = None) -> tuple[list[Subscriber], int, str | None]:
    """Newest first: the page, the total matching, and the cursor of the next page."""
    require_admin(ctx)
    if kind is not None and kind not in SUBSCRIBER_KINDS:
        raise Invalid(f"kind must be one of {', '.join(SUBSCRIBER_KINDS)}", field="kind")
    if status is not None and status not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}", field="status")
    if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    clauses = []
    if kind is not None:
        clauses.append(Subscriber.kind == kind)
    if status == "unsubscribed":
        clauses.append(Subscriber.unsubscribed_at.is_not(None))
    elif status is not None:
        clauses.append(Subscriber.unsubscribed_at.is_(None))
        clauses.append(Subscriber.confirmed_at.is_not(None) if status == "active"
                       else Subscriber.confirmed_at.is_(None))
    total = ctx.db.scalar(select(func.count(Subscriber.id)).where(*clauses)) or 0
    query = select(Subscriber).where(*clauses)
    if cursor:
        if not cursor.isdigit() or len(cursor) > 18:
            raise Invalid("cursor is not one this list returned", field="cursor")
        query = query.where(Subscriber.id < int(cursor))
    found = list(ctx.db.scalars(query.order_by(Subscriber.id.desc()).limit(limit + 1)))
    next_cursor = str(found[limit - 1].id) if len(found) > limit else None
    return found[:limit], total, next_cursor


def get_subscriber(ctx: Context, subscriber_id: int) -> Subscriber:
    require_admin(ctx)
    subscriber = ctx.db.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise NotFound(f"no subscriber {subscriber_id}", field="subscriber")
    return subscriber


def add_subscriber(ctx: Context, *, kind: str, target: str, components: list[str] = (),
                   confirmed: bool = False) -> tuple[Subscriber, str | None]:
    """An admin adds a subscriber; returns it and, for a webhook, its signing secret (shown once).

    An e-mail subscriber gets a confirmation mail unless `confirmed` says the admin already has the
    person's consent; a webhook subscriber is active at once (an admin chose the URL)."""
    require_admin(ctx)
    if kind not in SUBSCRIBER_KINDS:
        raise Invalid(f"kind must be one of {', '.join(SUBSCRIBER_KINDS)}", field="kind")
    target = normalize_address(target, "target") if kind == "email" else _webhook_url(target)
    chosen = resolve_components(ctx, list(components))
    existing = _find(ctx, kind, target)
    if existing is not None:
        raise Conflict(f"{target} is already a subscriber ({status_of(existing)}, id {existing.id}); "
                       "remove it first to add it again", field="target")
    secret = webhooks.new_secret() if kind == "webhook" else ""
    active = kind == "webhook" or confirmed
    subscriber = _insert(ctx, kind, target, chosen, secret=secret, confirmed_at=ctx.now() if active else None)
    if subscriber is None:
        raise Conflict(f"{target} was added by someone else just now", field="target")
    if not active:
        send_confirmation(ctx, subscriber)
    return subscriber, secret or None


def remove_subscriber(ctx: Context, subscriber: Subscriber) -> None:
    """Deletes the subscriber; its messages still waiting in the outbox are skipped when due."""
    require_admin(ctx)
    ctx.db.delete(subscriber)
    ctx.db.flush()
