"""Paging over Slack against a fake Slack Web API (a real HTTP server on 127.0.0.1): the contact
method's test message reaches the person's DM with its code, which verifies the method; a page is a
chat.postMessage to the member id, in Block Kit, with the incident, its severity, an Acknowledge
button whose signed link acknowledges as that person, and a button to the incident; Slack's
`ok: false` answers fail the attempt like any other failure: retried with backoff and recorded
(a transient error) or dead at once (an unknown member)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from warroom.comms import channels
from warroom.comms.schemas import ChannelIn
from warroom.core import outbox
from warroom.core.worker import Worker
from warroom.oncall import ack_links, contacts
from warroom.oncall.paging_schemas import ContactMethodIn, NotificationRuleIn

from test_paging import make_policy

TOKEN = "xoxb-test"


class FakeSlack:
    """Answers chat.postMessage as Slack does (HTTP 200 and `ok`), or with the errors queued for a
    channel or member. The incident channel gets the incidents' own messages too."""

    def __init__(self, receiver) -> None:
        self.receiver, self.errors, self.posted = receiver, {}, []
        receiver.respond = self.answer

    def answer(self, request) -> tuple[int, str]:
        if request.path != "/chat.postMessage":
            return 404, "unknown method"
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return 200, json.dumps({"ok": False, "error": "invalid_auth"})
        body = request.json()
        self.posted.append(body)
        if self.errors.get(body["channel"]):
            return 200, json.dumps({"ok": False, "error": self.errors[body["channel"]].pop(0)})
        return 200, json.dumps({"ok": True, "channel": "D" + body["channel"][1:], "ts": f"1700000000.{len(self.posted):06d}"})

    def to(self, member: str) -> list[dict]:
        return [body for body in self.posted if body["channel"] == member]


@pytest.fixture
def slack(desk, ada, receiver) -> FakeSlack:
    """The fake Slack, and a Slack channel with a bot token pointing at it (pages use its token)."""
    with desk.ctx(ada) as ctx:
        channels.create_channel(ctx, ChannelIn(name="slack-incidents", kind="slack",
                                               settings={"channel": "C0INCIDENTS", "api_base": receiver.url},
                                               secrets={"bot_token": TOKEN}))
    return FakeSlack(receiver)


def outbox_rows(desk, transport: str = "page_slack") -> list[tuple[str, int, str]]:
    with desk.reading() as ctx:
        return [(m.status, m.attempts, m.last_error) for m in ctx.db.scalars(
            select(outbox.OutboxMessage).where(outbox.OutboxMessage.transport == transport)
            .order_by(outbox.OutboxMessage.id))]


def slack_contact(desk, runtime, person, slack: FakeSlack, member: str) -> int:
    """Add a Slack contact, verify it with the code its test message brought to the DM, and page
    high urgency through it."""
    with desk.ctx(person) as ctx:
        method_id = contacts.add_method(ctx, ContactMethodIn(kind="slack", address=member)).id
        contacts.send_test(ctx, contacts.get_method(ctx, method_id))
    Worker(runtime).deliver_once()
    test = slack.to(member)[-1]
    assert test["channel"] == member and test["blocks"][0]["text"]["text"] == "Warroom test message"
    code = re.search(r"verification code: (\d{6})", test["text"])[1]
    assert not any(b["type"] == "actions" for b in test["blocks"])  # nothing to acknowledge
    with desk.ctx(person) as ctx:
        contacts.verify(ctx, contacts.get_method(ctx, method_id), code)
        contacts.add_rule(ctx, NotificationRuleIn(contact_method=method_id, urgency="high"))
    return method_id


def test_a_page_is_a_block_kit_dm_with_an_acknowledge_button(desk, runtime, ada, rita, slack):
    slack_contact(desk, runtime, rita, slack, "U0RITA1")
    make_policy(desk, ada, [(5, [("user", "rita")])])
    ref = desk.declare(ada, "Checkout is failing", "SEV2", services=["checkout"])
    Worker(runtime).deliver_once()
    [_, page] = slack.to("U0RITA1")  # the test message, then the page
    assert page["channel"] == "U0RITA1"  # a member id: Slack posts it in the DM with the app
    assert page["text"].startswith(f"[SEV2] {ref} Checkout is failing\nYou are paged for {ref} (SEV2, checkout)")
    header, section, facts, actions = page["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": f"[SEV2] {ref} Checkout is failing",
                                                 "emoji": False}}
    assert section["text"]["text"].startswith(f"You are paged for {ref} (SEV2, checkout), level 1 of escalation "
                                              "policy checkout-oncall.")
    assert facts["elements"][0]["text"] == "*Severity:* SEV2  ·  *Status:* triage  ·  *Services:* checkout"
    acknowledge, open_incident = actions["elements"]
    assert acknowledge["text"]["text"] == "Acknowledge" and acknowledge["style"] == "primary"
    assert open_incident["text"]["text"] == f"Open {ref}" and open_incident["url"].endswith(f"/incidents/{ref}")
    assert acknowledge["url"] in page["text"] and open_incident["url"] in page["text"]
    assert page["unfurl_links"] is False
    # The button's link is signed for Rita and this incident's page: it acknowledges as her.
    token = acknowledge["url"].rsplit("/ack/", 1)[1]
    with desk.reading() as ctx:
        link = ack_links.check_token(ctx, token)
        assert (link.user.handle, link.incident.ref) == ("rita", ref)
    assert outbox_rows(desk)[-1][:2] == ("delivered", 1)


def test_slack_errors_are_retried_or_dead_and_every_attempt_is_recorded(desk, runtime, clock, ada, rita, sam,
                                                                         slack):
    slack_contact(desk, runtime, rita, slack, "U0RITA1")
    slack_contact(desk, runtime, sam, slack, "U0GONE9")
    make_policy(desk, ada, [(5, [("user", "rita")])], name="rita-first")
    make_policy(desk, ada, [(5, [("user", "sam")])], name="sam-first", service_name="search")
    worker = Worker(runtime)

    # A transient error (ok: false, internal_error): the message waits and is tried again.
    slack.errors = {"U0RITA1": ["internal_error"]}
    desk.declare(ada, "Checkout is failing", "SEV2", services=["checkout"])
    worker.deliver_once()
    assert outbox_rows(desk)[-1] == ("pending", 1, "Slack error: internal_error")
    worker.deliver_once()  # not due yet: nothing is sent
    assert len(slack.to("U0RITA1")) == 2
    clock.advance(seconds=5)
    worker.deliver_once()
    assert outbox_rows(desk)[-1] == ("delivered", 2, "")
    with desk.reading() as ctx:
        message_id = ctx.db.scalars(select(outbox.OutboxMessage.id).where(
            outbox.OutboxMessage.transport == "page_slack").order_by(outbox.OutboxMessage.id.desc())).first()
        attempts = [(a.number, a.ok, a.detail) for a in outbox.attempts_of(ctx.db, message_id)]
    assert attempts[0] == (1, False, "Slack error: internal_error")
    assert attempts[1][:2] == (2, True) and attempts[1][2].startswith("posted ts=")
    assert len(slack.to("U0RITA1")) == 3  # the test message, the failed attempt and the retry

    # A member Slack does not know (channel_not_found): a retry cannot help, so it is dead at once.
    slack.errors = {"U0GONE9": ["channel_not_found"]}
    desk.declare(ada, "Search is slow", "SEV2", services=["search"])
    worker.deliver_once()
    assert outbox_rows(desk)[-1] == ("dead", 1, "Slack error: channel_not_found")
    clock.advance(timedelta(minutes=30))
    worker.deliver_once()
    assert outbox_rows(desk)[-1] == ("dead", 1, "Slack error: channel_not_found")
    assert len(slack.to("U0GONE9")) == 2  # the test message, and the one attempt
