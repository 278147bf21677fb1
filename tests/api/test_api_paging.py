"""Paging over HTTP: contact methods (test and verify), notification rules, escalation policies,
a service's policy, and acknowledging, escalating and re-paging an incident."""

from __future__ import annotations

from datetime import timedelta

from apihelpers import assert_error

from warroom.core.outbox import OutboxMessage
from warroom.core.worker import Worker

POLICY = {"name": "Checkout-Oncall", "repeat": 1, "levels": [
    {"delay_minutes": 5, "targets": [{"type": "user", "ref": "rita"}]},
    {"delay_minutes": 10, "targets": [{"type": "user", "ref": "ada"}]}]}


def sent_code(runtime, message_id: int) -> str:
    """The verification code a test message carries, as the person would read it."""
    with runtime.db.read_session() as db:
        return db.get(OutboxMessage, message_id).payload["code"]


def verified(person, runtime, kind="email", address="rita@pager.example") -> int:
    c = person.client
    method = c.post("/api/v1/users/me/contact-methods", json={"kind": kind, "address": address})
    assert method.status_code == 201, method.text
    method_id = method.json()["id"]
    sent = c.post(f"/api/v1/users/me/contact-methods/{method_id}/test")
    assert sent.status_code == 202, sent.text
    code = sent_code(runtime, sent.json()["message_id"])
    done = c.post(f"/api/v1/users/me/contact-methods/{method_id}/verify", json={"code": code})
    assert done.status_code == 200 and done.json()["verified"] is True
    return method_id


def test_contact_methods_and_rules(runtime, admin, responder, viewer):
    c = responder.client
    assert_error(c.post("/api/v1/users/me/contact-methods", json={"kind": "email", "address": "nope"}),
                 422, "invalid", field="address")
    assert_error(c.post("/api/v1/users/me/contact-methods", json={"kind": "pigeon", "address": "x"}), 422)
    hook = c.post("/api/v1/users/me/contact-methods", json={"kind": "webhook", "address": "https://sms.example/h"})
    assert hook.status_code == 201 and hook.json()["signing_secret"].startswith("whsec_")
    assert c.get("/api/v1/users/me/contact-methods").json()[0]["signing_secret"] is None
    assert_error(c.post(f"/api/v1/users/me/contact-methods/{hook.json()['id']}/verify", json={"code": "1"}),
                 409, "conflict", field="code")
    assert_error(c.post("/api/v1/users/me/notification-rules",
                        json={"contact_method": hook.json()["id"], "urgency": "high"}), 422, "invalid",
                 field="contact_method")
    method_id = verified(responder, runtime)
    rule = c.post("/api/v1/users/me/notification-rules",
                  json={"contact_method": method_id, "urgency": "high", "delay_minutes": 3})
    assert rule.status_code == 201 and rule.json()["delay_minutes"] == 3
    # Someone else's method is not there for them.
    assert_error(admin.client.delete(f"/api/v1/users/me/contact-methods/{method_id}"), 404, "not_found")
    assert viewer.client.get("/api/v1/users/me/contact-methods").json() == []
    assert c.delete(f"/api/v1/users/me/contact-methods/{method_id}").status_code == 200
    assert c.get("/api/v1/users/me/notification-rules").json() == []


def test_escalation_policies_and_service_policy(admin, responder, services):
    c = responder.client
    services("checkout")
    bad = {**POLICY, "levels": [{"delay_minutes": 5, "targets": [{"type": "user", "ref": "nobody"}]}]}
    assert_error(c.post("/api/v1/escalation-policies", json=bad), 422, "invalid", field="levels.0.targets.0.ref")
    assert c.get("/api/v1/escalation-policies").json() == []
    created = c.post("/api/v1/escalation-policies", json=POLICY)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "checkout-oncall" and [lv["targets"][0]["name"] for lv in body["levels"]] == ["rita", "ada"]
    assert_error(c.post("/api/v1/escalation-policies", json=POLICY), 409, "conflict", field="name")
    assert_error(c.put("/api/v1/services/checkout/escalation-policy", json={"escalation_policy": "x"}),
                 422, "invalid", field="escalation_policy")
    assert c.put("/api/v1/services/checkout/escalation-policy",
                 json={"escalation_policy": "checkout-oncall"}).status_code == 200
    assert c.get("/api/v1/escalation-policies/checkout-oncall").json()["services"] == ["checkout"]
    replaced = c.put("/api/v1/escalation-policies/checkout-oncall", json={**POLICY, "repeat": 2})
    assert replaced.json()["repeat"] == 2
    assert_error(c.delete("/api/v1/escalation-policies/checkout-oncall"), 403, "forbidden")
    assert admin.client.delete("/api/v1/escalation-policies/checkout-oncall").status_code == 200


def test_ack_escalate_repage_and_paging_status(runtime, clock, admin, responder, services, declare):
    services("checkout")
    assert responder.client.post("/api/v1/escalation-policies", json=POLICY).status_code == 201
    responder.client.put("/api/v1/services/checkout/escalation-policy", json={"escalation_policy": "checkout-oncall"})
    verified(responder, runtime)
    incident = declare(admin, severity="SEV2", services=["checkout"])
    status = admin.client.get(f"/api/v1/incidents/{incident['ref']}/pages").json()
    [page] = status["pages"]
    assert page["status"] == "active" and page["level"] == 1 and page["mode"] == "escalate"
    assert [(n["user"]["handle"], n["kind"]) for n in page["notifications"]] == [("rita", "email")]
    clock.advance(timedelta(minutes=2))
    escalated = responder.client.post(f"/api/v1/incidents/{incident['ref']}/escalate").json()
    assert escalated["pages"][0]["level"] == 2
    assert [n["user"]["handle"] for n in escalated["pages"][0]["notifications"]] == ["rita", "ada"]
    acked = responder.client.post(f"/api/v1/incidents/{incident['ref']}/ack")
    assert acked.status_code == 200, acked.text
    assert acked.json()["response_target_met"] is True and acked.json()["pages"][0]["status"] == "acknowledged"
    assert acked.json()["pages"][0]["acknowledged_by"]["handle"] == "rita"
    assert_error(responder.client.post(f"/api/v1/incidents/{incident['ref']}/ack"), 409, "conflict")
    clock.advance(timedelta(hours=1))
    Worker(runtime).run_once()
    kinds = [e["kind"] for e in admin.client.get(f"/api/v1/incidents/{incident['ref']}/timeline").json()["items"]]
    assert kinds.count("paged") == 2 and "acknowledged" in kinds and "escalated" in kinds
    repaged = responder.client.post(f"/api/v1/incidents/{incident['ref']}/repage").json()
    assert [p["status"] for p in repaged["pages"]] == ["acknowledged", "active"]
    plain = declare(admin, severity="SEV2")
    assert_error(responder.client.post(f"/api/v1/incidents/{plain['ref']}/repage"), 409, "conflict", field="services")
