"""The public subscription pages and the admins' subscriber page, through real HTTP on the app, with a
real SMTP server (aiosmtpd) receiving the mail."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from conftest import csrf_of

from receivers import with_smtp
from warroom.core.worker import Worker
from warroom.statuspage import components, publishing

SUBSCRIBE = "/status/subscribe"


@pytest.fixture
def deliver(world, mailbox):
    runtime = world.runtime
    worker = Worker(with_smtp(runtime, mailbox, sender="status@example.com"))

    def run() -> None:
        while worker.deliver_once():
            pass
    return run


@pytest.fixture
def parts(world, admin) -> dict[str, str]:
    with world.runtime.db.write_session() as session:
        ctx = world.runtime.system_context(session)
        return {name: components.create_component(ctx, name).public_id for name in ("Checkout", "Search")}


def announce(world, chosen=()) -> None:
    with world.runtime.db.write_session() as session:
        publishing.announce(world.runtime.system_context(session), publishing.Announcement(
            kind=publishing.INCIDENT_UPDATED, public_id="abc123def456", title="Checkout is slow",
            status="identified", body="A bad deploy; rolling back.", components=tuple(chosen), impact="minor"))


def link(text: str, path: str) -> str:
    """The path and query of the first link to `path` in a mail."""
    match = re.search(r"https?://[^\s<>\"]+" + re.escape(path) + r"\?token=[^\s<>\"]+", text)
    assert match, f"no link to {path} in {text!r}"
    parts = urlsplit(match.group(0))
    return f"{parts.path}?{parts.query}"


def plain(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def assert_public(page) -> None:
    assert "Subscribe to updates" in page.text and "Sign out" not in page.text and "/admin" not in page.text


def test_subscribe_confirm_receive_and_unsubscribe_in_one_click(web, world, mailbox, deliver, parts):
    reader = web.anonymous()
    form = reader.get(SUBSCRIBE)
    assert form.status_code == 200 and 'name="email"' in form.text
    assert f'value="{parts["Checkout"]}"' in form.text and "Search" in form.text
    assert_public(form)
    sent = reader.post(SUBSCRIBE, {"email": "reader@example.com", "components": [parts["Checkout"]]})
    assert sent.status_code == 303 and sent.headers["location"] == "/status/subscribe?requested=1"
    assert "a message is on its way" in reader.get(sent.headers["location"]).text
    deliver()
    [confirmation] = mailbox.wait_for(1)
    confirmed = reader.get(link(plain(confirmation), "/status/subscriptions/confirm"))
    assert confirmed.status_code == 200 and "Subscription confirmed" in confirmed.text
    assert confirmed.headers["referrer-policy"] == "no-referrer"
    again = reader.get(link(plain(confirmation), "/status/subscriptions/confirm"))
    assert "Already confirmed" in again.text

    announce(world, [parts["Search"]])  # not about Checkout: not for this reader
    announce(world, [parts["Checkout"]])
    deliver()
    news = mailbox.wait_for(2)[1]
    assert news["Subject"] == "[Status] Identified: Checkout is slow"
    assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert len(mailbox.wait_for(3, timeout=0.3)) == 2
    unsubscribe = link(news["List-Unsubscribe"], "/status/unsubscribe")
    # RFC 8058: the mail provider POSTs this body to the URL, without cookies.
    one_click = web.anonymous(address="192.0.2.99").post(unsubscribe, {"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and "Unsubscribed" in one_click.text
    announce(world, [parts["Checkout"]])
    deliver()
    assert len(mailbox.wait_for(3, timeout=0.3)) == 2


def test_unsubscribe_page_asks_first(web, world, mailbox, deliver):
    reader = web.anonymous()
    reader.post(SUBSCRIBE, {"email": "reader@example.com"})
    deliver()
    unsubscribe = link(mailbox.wait_for(1)[0]["List-Unsubscribe"], "/status/unsubscribe")
    page = reader.get(unsubscribe)  # what a mail scanner following every link does: nothing
    assert page.status_code == 200 and "reader@example.com" in page.text
    assert 'method="post"' in page.text and f'action="{unsubscribe}"' in page.text
    assert "Unsubscribed" not in page.text
    assert "Unsubscribed" in reader.post(unsubscribe, {}).text
    assert "is not subscribed" in reader.get(unsubscribe).text


def test_the_answer_never_tells_whether_an_address_is_subscribed(web, world, mailbox, deliver):
    reader = web.anonymous()
    reader.post(SUBSCRIBE, {"email": "known@example.com"})
    deliver()
    reader.get(link(plain(mailbox.wait_for(1)[0]), "/status/subscriptions/confirm"))
    prober = web.anonymous(address="203.0.113.50")
    answers = [prober.post(SUBSCRIBE, {"email": email}) for email in ("known@example.com", "unknown@example.com")]
    assert [(a.status_code, a.headers["location"], a.text) for a in answers] == [
        (303, "/status/subscribe?requested=1", "")] * 2
    deliver()
    mails = {m["To"]: m["Subject"] for m in mailbox.wait_for(3)[1:]}
    assert mails == {"known@example.com": "You are already subscribed to Status",
                     "unknown@example.com": "Confirm your subscription to Status"}


def test_limits_answer_429_with_retry_after(web, world):
    reader = web.anonymous()
    for _ in range(5):
        assert reader.post(SUBSCRIBE, {"email": "victim@example.com"}).status_code == 303
    refused = reader.post(SUBSCRIBE, {"email": "victim@example.com"})
    assert refused.status_code == 429 and 3500 <= int(refused.headers["retry-after"]) <= 3601
    assert "too many subscription requests" in refused.text
    assert_public(refused)
    crowd = web.anonymous(address="198.51.100.20")
    for n in range(20):
        assert crowd.post(SUBSCRIBE, {"email": f"p{n}@example.com"}).status_code == 303
    assert crowd.post(SUBSCRIBE, {"email": "p20@example.com"}).status_code == 429
    world.runtime.clock.advance(minutes=61)
    assert crowd.post(SUBSCRIBE, {"email": "p20@example.com"}).status_code == 303


def test_bad_input_and_bad_links_get_a_clear_public_page(web, world, mailbox, deliver, parts):
    reader = web.anonymous()
    bad = reader.post(SUBSCRIBE, {"email": "not-an-address", "components": [parts["Search"]]})
    assert bad.status_code == 422 and "email must be an e-mail address" in bad.text
    assert 'value="not-an-address"' in bad.text and "checked" in bad.text
    unknown = reader.post(SUBSCRIBE, {"email": "a@example.com", "components": ["nope"]})
    assert unknown.status_code == 422 and "no component" in unknown.text
    for path in ("/status/subscriptions/confirm?token=1.2.forged", "/status/subscriptions/confirm",
                 "/status/unsubscribe?token=x"):
        page = reader.get(path)
        assert page.status_code == 400 and "Link not valid" in page.text, path
        assert_public(page)
    assert reader.post("/status/unsubscribe?token=1.0.forged", {}).status_code == 400

    reader.post(SUBSCRIBE, {"email": "late@example.com"})
    deliver()
    world.runtime.clock.advance(days=8)
    late = reader.get(link(plain(mailbox.wait_for(1)[0]), "/status/subscriptions/confirm"))
    assert late.status_code == 400 and "Link expired" in late.text and "Subscribe again" in late.text


def test_admins_manage_subscribers_on_the_web(web, admin, responder, mailbox, deliver, parts):
    browser = web.browser(admin)
    page = browser.get("/admin/subscribers")
    assert page.status_code == 200 and "Add a subscriber" in page.text
    csrf = csrf_of(page.text)
    added = browser.post("/admin/subscribers", {"csrf_token": csrf, "kind": "email", "target": "pat@example.com",
                                                "components": [parts["Search"]]})
    assert added.status_code == 303
    listing = browser.get(added.headers["location"])
    assert "confirmation mail is on its way" in listing.text and "pat@example.com" in listing.text
    assert "Search" in listing.text and "pending" in listing.text
    deliver()
    assert mailbox.wait_for(1)[0]["To"] == "pat@example.com"

    hook = browser.post("/admin/subscribers", {"csrf_token": csrf, "kind": "webhook",
                                               "target": "http://127.0.0.1:9/hook"})
    secret = re.search(r'value="(whsec_[^"]+)"', hook.text)
    assert hook.status_code == 201 and secret and "not shown again" in hook.text
    assert secret.group(1) not in browser.get("/admin/subscribers").text
    assert "whsec_" not in browser.get("/admin/subscribers").text

    duplicate = browser.post("/admin/subscribers", {"csrf_token": csrf, "kind": "email", "target": "PAT@example.com"})
    assert duplicate.status_code == 409 and "already a subscriber" in duplicate.text
    bad = browser.post("/admin/subscribers", {"csrf_token": csrf, "kind": "webhook", "target": "nope"})
    assert bad.status_code == 422 and "target must be an http://" in bad.text
    assert "pending" in browser.get("/admin/subscribers?status=pending").text
    assert "pat@example.com" not in browser.get("/admin/subscribers?kind=webhook").text
    assert browser.get("/admin/subscribers?status=bogus").status_code == 422

    ids = re.findall(r'action="/admin/subscribers/(\d+)/remove"', browser.get("/admin/subscribers").text)
    assert len(ids) == 2
    removed = browser.post(f"/admin/subscribers/{ids[0]}/remove", {"csrf_token": csrf})
    assert removed.status_code == 303
    assert len(re.findall(r"/remove\"", browser.get("/admin/subscribers").text)) == 1

    other = web.browser(responder)
    assert other.get("/admin/subscribers").status_code == 403
    assert other.post(f"/admin/subscribers/{ids[1]}/remove", {"csrf_token": other.csrf()}).status_code == 403
