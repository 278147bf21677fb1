"""The one-click acknowledgement link of a page: GET shows a confirmation (mail scanners follow
GET links), POST acknowledges as the person paged; tampered, expired and other-purpose tokens are
refused and change nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from warroom.oncall import ack_links
from warroom.oncall.models import Page, PageNotification

POLICY = {"name": "checkout-oncall", "levels": [{"delay_minutes": 5, "targets": [{"type": "user", "ref": "rita"}]}]}


def paged(world, admin, responder, clock, purpose=ack_links.ACK, lifetime=ack_links.LIFETIME) -> str:
    c = admin.client
    assert c.post("/api/v1/services", json={"name": "checkout"}).status_code == 201
    assert c.post("/api/v1/escalation-policies", json=POLICY).status_code == 201
    c.put("/api/v1/services/checkout/escalation-policy", json={"escalation_policy": "checkout-oncall"})
    assert c.post("/api/v1/incidents", json={"title": "Checkout down", "severity": "SEV2",
                                             "services": ["checkout"]}).status_code == 201
    with world.runtime.db.read_session() as db:
        page = db.scalar(select(Page))
        notification = db.scalar(select(PageNotification))
        return ack_links.make_token(page, notification, clock.now() + lifetime, purpose)


def acknowledged(admin) -> bool:
    return admin.client.get("/api/v1/incidents/INC-1").json()["acknowledged_at"] is not None


def test_get_confirms_and_post_acknowledges_as_the_person_paged(world, admin, responder, clock):
    token = paged(world, admin, responder, clock)
    page = world.anonymous.get(f"/ack/{token}")
    assert page.status_code == 200 and "Acknowledge as Rita" in page.text and "INC-1" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert not acknowledged(admin)
    clock.advance(timedelta(minutes=3))
    done = world.anonymous.post(f"/ack/{token}")
    assert done.status_code == 200 and "Acknowledged as Rita" in done.text
    status = admin.client.get("/api/v1/incidents/INC-1/pages").json()
    assert status["pages"][0]["acknowledged_by"]["handle"] == "rita" and status["response_target_met"] is True
    [event] = [e for e in admin.client.get("/api/v1/incidents/INC-1/timeline").json()["items"]
               if e["kind"] == "acknowledged"]
    assert event["data"]["via"] == "link"
    assert "Already acknowledged" in world.anonymous.get(f"/ack/{token}").text
    assert world.anonymous.post(f"/ack/{token}").status_code == 409


def test_tampered_expired_and_other_purpose_links_are_refused(world, admin, responder, clock):
    token = paged(world, admin, responder, clock)
    number, expires, signature = token.split(".")
    later = f"{number}.{int(expires) + 3600}.{signature}"
    other = f"{int(number) + 1}.{expires}.{signature}"
    with world.runtime.db.read_session() as db:
        unsubscribe = ack_links.make_token(db.scalar(select(Page)), db.scalar(select(PageNotification)),
                                           clock.now() + timedelta(hours=1), "unsubscribe")
    for bad in (later, other, unsubscribe, token[:-2], "garbage", "1.2"):
        for method in ("GET", "POST"):
            r = world.anonymous.request(method, f"/ack/{bad}")
            assert r.status_code == 400 and "not valid" in r.text, (bad, method)
    clock.advance(ack_links.LIFETIME)
    expired = world.anonymous.post(f"/ack/{token}")
    assert expired.status_code == 410 and "expired" in expired.text
    assert not acknowledged(admin)
