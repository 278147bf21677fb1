"""Status page subscriptions against the real database, a real SMTP server (aiosmtpd) and a real HTTP
receiver: double opt-in, announcements with one-click unsubscribe headers, component filters, the
abuse limits, signed links, admin operations and signed webhook events."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from receivers import with_smtp
from warroom.comms import updates
from warroom.comms.schemas import UpdateIn
from warroom.core.clock import ManualClock
from warroom.core.errors import Conflict, Forbidden, Invalid, Throttled
from warroom.core.outbox import OutboxAttempt, OutboxMessage
from warroom.core.worker import Worker
from warroom.incidents import service
from warroom.incidents.schemas import IncidentCreate
from warroom.statuspage import components, links, maintenance, publishing, subscriptions
from warroom.statuspage.models import Subscriber, SubscriptionRequest

IP = "198.51.100.7"


@pytest.fixture
def clock() -> ManualClock:
    # Webhook receivers check the signature's timestamp against their own clock.
    return ManualClock(datetime.now(timezone.utc).replace(microsecond=0))


@pytest.fixture
def worker(runtime, mailbox) -> Worker:
    mailing = with_smtp(runtime, mailbox, sender="status@example.com")
    return Worker(dataclasses.replace(mailing, settings=dataclasses.replace(mailing.settings,
                                                                           url="https://warroom.example.com")))


@pytest.fixture
def parts(desk, ada) -> dict[str, str]:
    """Two components, Checkout (linked to the checkout service) and Search: name -> public id."""
    desk.service(ada, "checkout")
    with desk.ctx(ada) as ctx:
        return {name: components.create_component(ctx, name, **extra).public_id
                for name, extra in (("Checkout", {"service": "checkout"}), ("Search", {}))}


def subscribe(desk, email: str, chosen=(), ip: str = IP) -> None:
    with desk.ctx(None) as ctx:
        subscriptions.subscribe(ctx, email, list(chosen), ip)


def announce(desk, kind=publishing.INCIDENT_CREATED, chosen=(), title="Checkout is slow") -> None:
    with desk.ctx(None) as ctx:
        publishing.announce(ctx, publishing.Announcement(
            kind=kind, public_id="inc123public", title=title, status="investigating",
            body="Payments take a minute.", components=tuple(chosen), impact="major"))


def deliver(worker) -> None:
    while worker.deliver_once():
        pass


def token_in(text: str, path: str) -> str:
    match = re.search(re.escape(path) + r"\?token=([A-Za-z0-9._%-]+)", text)
    assert match, f"no {path} link in: {text}"
    return parse_qs(urlsplit(match.group(0)).query)["token"][0]


def plain_text(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def confirmed(desk, email: str) -> None:
    """Subscribes and confirms through the service, without mail."""
    subscribe(desk, email)
    with desk.ctx(None) as ctx:
        subscriber = ctx.db.scalar(select(Subscriber).where(Subscriber.target == email))
        subscriber.confirmed_at = ctx.now()


def outbox_rows(runtime) -> list[OutboxMessage]:
    with runtime.db.read_session() as db:
        rows = list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.expunge_all()
        return rows


def test_double_opt_in_announcement_and_one_click_unsubscribe(desk, worker, mailbox):
    subscribe(desk, "  Reader@Example.com ")
    announce(desk)  # not confirmed yet: nothing for the reader
    deliver(worker)
    [confirmation] = mailbox.wait_for(1)
    assert confirmation["To"] == "reader@example.com" and "Confirm your subscription" in confirmation["Subject"]
    text = plain_text(confirmation)
    assert "https://warroom.example.com/status/subscriptions/confirm?token=" in text
    with desk.ctx(None) as ctx:
        subscriber, newly = subscriptions.confirm(ctx, token_in(text, "/status/subscriptions/confirm"))
        assert newly and subscriptions.status_of(subscriber) == "active"

    announce(desk)
    deliver(worker)
    news = mailbox.wait_for(2)[1]
    assert news["Subject"] == "[Status] Investigating: Checkout is slow"
    assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = dict(news.raw_items())["List-Unsubscribe"]  # as sent: a plain URL, not RFC 2047-encoded
    assert header.startswith("<https://warroom.example.com/status/unsubscribe?token=") and header.endswith(">")
    body = plain_text(news)
    assert "Payments take a minute." in body
    assert "https://warroom.example.com/status/incidents/inc123public" in body
    assert header[1:-1] in body and header[1:-1] in news.get_body(("html",)).get_content()

    with desk.ctx(None) as ctx:
        subscriptions.unsubscribe(ctx, token_in(header, "/status/unsubscribe"))
    before = len(outbox_rows(desk.runtime))
    announce(desk)
    assert len(outbox_rows(desk.runtime)) == before
    deliver(worker)
    assert len(mailbox.wait_for(3, timeout=0.3)) == 2


def test_links_follow_the_pages_own_url(desk, worker, mailbox):
    with desk.ctx(None) as ctx:  # a proxy at status.acme.example in front of /status
        publishing.page(ctx).url = "https://status.acme.example/"
    confirmed(desk, "reader@example.com")
    announce(desk)
    deliver(worker)
    news = mailbox.wait_for(1)[0]
    assert news["List-Unsubscribe"].startswith("<https://status.acme.example/unsubscribe?token=")
    assert "https://status.acme.example/incidents/inc123public" in plain_text(news)


def test_subscribing_answers_alike_whatever_the_state(desk, worker, mailbox, parts):
    confirmed(desk, "known@example.com")
    deliver(worker)
    mailbox.messages.clear()
    for email in ("new@example.com", "known@example.com"):
        assert subscribe(desk, email, [parts["Search"]]) is None
    deliver(worker)
    mails = {m["To"]: m for m in mailbox.wait_for(2)}
    assert "Confirm your subscription" in mails["new@example.com"]["Subject"]
    known = mails["known@example.com"]
    assert "already subscribed" in known["Subject"] and "every component" in plain_text(known)
    assert known["List-Unsubscribe"]
    with desk.reading() as ctx:  # an anonymous request never narrows a confirmed subscription
        assert ctx.db.scalar(select(Subscriber.components).where(Subscriber.target == "known@example.com")) == []


def test_unsubscribed_and_pending_addresses_get_a_new_confirmation(desk, worker, mailbox):
    subscribe(desk, "back@example.com")
    deliver(worker)
    token = token_in(plain_text(mailbox.wait_for(1)[0]), "/status/subscriptions/confirm")
    with desk.ctx(None) as ctx:
        subscriber, _ = subscriptions.confirm(ctx, token)
        subscriber.unsubscribed_at = ctx.now()
    subscribe(desk, "back@example.com")
    deliver(worker)
    assert "Confirm your subscription" in mailbox.wait_for(2)[1]["Subject"]
    with desk.reading() as ctx:
        [subscriber] = ctx.db.scalars(select(Subscriber))
        assert subscriptions.status_of(subscriber) == "pending"


def test_components_decide_who_hears_of_what(desk, runtime, parts):
    for email, chosen in (("all@example.com", []), ("checkout@example.com", ["Checkout"]),
                          ("search@example.com", [parts["Search"]])):
        with desk.ctx(None) as ctx:
            subscriber = Subscriber(kind="email", target=email, components=subscriptions.resolve_components(
                ctx, chosen), created_at=ctx.now(), confirmed_at=ctx.now())
            ctx.db.add(subscriber)

    def told(chosen) -> set[str]:
        first = len(outbox_rows(runtime))
        announce(desk, chosen=chosen)
        with desk.reading() as ctx:
            ids = [m.target["subscriber_id"] for m in outbox_rows(runtime)[first:]]
            return set(ctx.db.scalars(select(Subscriber.target).where(Subscriber.id.in_(ids))))

    assert told([parts["Checkout"]]) == {"all@example.com", "checkout@example.com"}
    assert told([parts["Search"], parts["Checkout"]]) == {"all@example.com", "checkout@example.com",
                                                         "search@example.com"}
    assert told([]) == {"all@example.com", "checkout@example.com", "search@example.com"}


def test_limits_per_address_and_per_client_address(desk, runtime):
    for _ in range(subscriptions.MAX_PER_ADDRESS):
        subscribe(desk, "target@example.com")
    state = (len(outbox_rows(runtime)), _requests(runtime))
    with pytest.raises(Throttled) as refused:
        subscribe(desk, "TARGET@example.com", ip="203.0.113.9")  # the same address, however written
    assert 3500 <= refused.value.retry_after <= 3601
    assert (len(outbox_rows(runtime)), _requests(runtime)) == state  # a refusal writes nothing
    runtime.clock.advance(minutes=61)
    subscribe(desk, "target@example.com")

    for n in range(subscriptions.MAX_PER_IP - 1):
        subscribe(desk, f"reader{n}@example.com")  # the request above came from IP too
    with pytest.raises(Throttled):
        subscribe(desk, "one-more@example.com")
    subscribe(desk, "one-more@example.com", ip="203.0.113.10")


def _requests(runtime) -> int:
    with runtime.db.read_session() as db:
        return db.scalar(select(func.count()).select_from(SubscriptionRequest))


def test_bad_input_names_the_field_and_changes_nothing(desk, runtime, parts):
    for email, chosen, field in (("not-an-address", [], "email"), ("", [], "email"),
                                 ("ok@example.com", ["Billing"], "components")):
        with pytest.raises(Invalid) as refused:
            subscribe(desk, email, chosen)
        assert refused.value.field == field
    assert outbox_rows(runtime) == [] and _requests(runtime) == 0


def test_links_are_signed_and_confirmation_links_expire(desk, runtime, worker, mailbox):
    subscribe(desk, "reader@example.com")
    deliver(worker)
    mail = mailbox.wait_for(1)[0]
    confirm, unsubscribe = token_in(plain_text(mail), "/status/subscriptions/confirm"), \
        token_in(mail["List-Unsubscribe"], "/status/unsubscribe")
    head, _, signature = confirm.rpartition(".")
    forged = [f"{head}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",  # signature changed
              f"{int(head.split('.')[0]) + 1}.{head.split('.')[1]}.{signature}",  # another subscriber
              f"{head.split('.')[0]}.{int(head.split('.')[1]) + 86400}.{signature}",  # later expiry
              unsubscribe, "", "garbage"]  # another purpose, nothing, nonsense
    with desk.ctx(None) as ctx:
        for token in forged:
            with pytest.raises(links.LinkRefused) as refused:
                subscriptions.confirm(ctx, token)
            assert refused.value.reason == "invalid", token
    runtime.clock.advance(days=8)
    with desk.ctx(None) as ctx, pytest.raises(links.LinkRefused) as refused:
        subscriptions.confirm(ctx, confirm)
    assert refused.value.reason == "expired" and "expired" in refused.value.message
    with desk.ctx(None) as ctx:  # unsubscribe links do not expire
        assert subscriptions.unsubscribe(ctx, unsubscribe).unsubscribed_at is not None


def test_admins_add_list_and_remove(desk, runtime, ada, rita, worker, mailbox, parts):
    with desk.ctx(ada) as ctx:
        pending, none = subscriptions.add_subscriber(ctx, kind="email", target="Pat@Example.com")
        active, _ = subscriptions.add_subscriber(ctx, kind="email", target="sam@example.com",
                                                 components=["Search"], confirmed=True)
        hook, secret = subscriptions.add_subscriber(ctx, kind="webhook", target="http://127.0.0.1:9/hook")
        ids = pending.id, active.id, hook.id
    assert none is None and secret.startswith("whsec_")
    deliver(worker)
    [mail] = mailbox.wait_for(1)
    assert mail["To"] == "pat@example.com" and "Confirm" in mail["Subject"]

    with desk.ctx(ada) as ctx:
        assert [s.id for s in subscriptions.list_subscribers(ctx)[0]] == list(reversed(ids))
        assert [s.target for s in subscriptions.list_subscribers(ctx, status="pending")[0]] == ["pat@example.com"]
        assert [s.kind for s in subscriptions.list_subscribers(ctx, kind="webhook")[0]] == ["webhook"]
        first, total, cursor = subscriptions.list_subscribers(ctx, limit=2)
        rest, _, end = subscriptions.list_subscribers(ctx, limit=2, cursor=cursor)
        assert total == 3 and len(first) == 2 and [s.id for s in rest] == [ids[0]] and end is None
        with pytest.raises(Conflict):
            subscriptions.add_subscriber(ctx, kind="email", target="pat@example.com")
    for kind, target, field in (("sms", "x", "kind"), ("email", "nope", "target"),
                                ("webhook", "ftp://x", "target")):
        with desk.ctx(ada) as ctx, pytest.raises(Invalid) as refused:
            subscriptions.add_subscriber(ctx, kind=kind, target=target)
        assert refused.value.field == field
    with desk.ctx(rita) as ctx, pytest.raises(Forbidden):
        subscriptions.list_subscribers(ctx)

    announce(desk)  # names no component: queued for every active subscriber, sam included
    with desk.ctx(ada) as ctx:
        subscriptions.remove_subscriber(ctx, subscriptions.get_subscriber(ctx, ids[1]))
    deliver(worker)
    with runtime.db.read_session() as db:
        details = list(db.scalars(select(OutboxAttempt.detail).order_by(OutboxAttempt.id)))
    assert "not sent: the subscriber was removed" in details


def test_webhook_subscriber_gets_a_signed_event(desk, runtime, ada, receiver, worker, parts):
    with desk.ctx(ada) as ctx:
        _, secret = subscriptions.add_subscriber(ctx, kind="webhook", target=receiver.url + "/status",
                                                 components=["Checkout"])
    announce(desk, publishing.INCIDENT_CREATED, chosen=[parts["Checkout"]])
    deliver(worker)
    [request] = receiver.wait_for(1)
    event = Webhook(secret).verify(request.body, request.headers)
    assert event["type"] == "incident.created"
    assert event["data"] == {
        "incident": {"id": "inc123public", "title": "Checkout is slow", "status": "investigating",
                     "body": "Payments take a minute.", "impact": "major",
                     "components": [{"id": parts["Checkout"], "name": "Checkout"}],
                     "url": "https://warroom.example.com/status/incidents/inc123public"},
        "page": {"name": "Status", "url": "https://warroom.example.com/status"}}
    assert datetime.fromisoformat(event["timestamp"]) == runtime.clock.now()
    assert json.loads(request.body) == event


def test_a_public_incident_update_reaches_subscribers(desk, runtime, ada, rita, worker, mailbox, parts):
    confirmed(desk, "reader@example.com")
    with desk.ctx(rita) as ctx:
        incident = service.declare(ctx, IncidentCreate(title="Payments fail", severity="SEV2",
                                                       services=["checkout"], visibility="public"))
        updates.post_update(ctx, incident, UpdateIn(
            audience="public", whats_happening="Some payments fail.", who_is_affected="Card payments.",
            what_we_are_doing="Rolling back.", next_update_at=ctx.now() + timedelta(minutes=30)))
        updates.post_update(ctx, incident, UpdateIn(  # internal: never reaches subscribers
            whats_happening="DB failover", who_is_affected="eu-1", what_we_are_doing="paging dba",
            next_update_at=ctx.now() + timedelta(minutes=30)))
    deliver(worker)
    [mail] = mailbox.wait_for(1)
    body = plain_text(mail)
    assert mail["Subject"] == "[Status] Investigating: Payments fail"
    assert "Some payments fail." in body and "Rolling back." in body and "Affected: Checkout" in body
    assert "DB failover" not in body and "/status/incidents/" in body and mail["List-Unsubscribe"]


def test_scheduled_maintenance_reaches_subscribers(desk, runtime, ada, worker, mailbox, parts):
    confirmed(desk, "reader@example.com")
    starts = runtime.clock.now() + timedelta(days=1)
    with desk.ctx(ada) as ctx:
        maintenance.schedule(ctx, title="Database upgrade", starts_at=starts, ends_at=starts + timedelta(hours=2),
                             component_refs=["Search"])
    deliver(worker)
    [mail] = mailbox.wait_for(1)
    body = plain_text(mail)
    assert mail["Subject"] == "[Status] Scheduled maintenance: Database upgrade"
    assert "Affected: Search" in body and "Window: " in body and "/status/maintenance/" in body
