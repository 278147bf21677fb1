"""Paging over the API: your contact methods and notification rules, escalation policies, a
service's policy, and an incident's pages (acknowledge, escalate now, re-page, status).

Rules and access: warroom.oncall.contacts, escalation and paging.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from warroom.api.deps import Ctx
from warroom.catalog.schemas import ServiceOut
from warroom.incidents import service as incidents
from warroom.oncall import contacts, escalation, paging
from warroom.oncall.paging_schemas import (ContactMethodIn, ContactMethodOut, EscalationPolicyIn,
                                           EscalationPolicyOut, NotificationRuleIn, NotificationRuleOut, PagingOut,
                                           ServicePolicyIn, TestSent, VerifyIn)
from warroom.oncall.paging_shapes import contact_out, paging_out, policy_out, rule_out

router = APIRouter(prefix="/api/v1", tags=["paging"])
IncidentKey = Annotated[str, "incident id or ref, e.g. 42 or INC-42"]
PolicyKey = Annotated[str, "escalation policy id or name"]


# --- contact methods ----------------------------------------------------------------------------------

@router.get("/users/me/contact-methods", response_model=list[ContactMethodOut])
def list_contact_methods(ctx: Ctx) -> list[ContactMethodOut]:
    return [contact_out(m) for m in contacts.list_methods(ctx)]


@router.post("/users/me/contact-methods", status_code=201, response_model=ContactMethodOut,
             summary="Add a contact method (webhooks: the signing secret is shown here once)")
def add_contact_method(ctx: Ctx, body: ContactMethodIn) -> ContactMethodOut:
    return contact_out(contacts.add_method(ctx, body), with_secret=True)


@router.delete("/users/me/contact-methods/{method_id}", response_model=ContactMethodOut)
def delete_contact_method(ctx: Ctx, method_id: int) -> ContactMethodOut:
    method = contacts.get_method(ctx, method_id)
    gone = contact_out(method)
    contacts.remove_method(ctx, method)
    return gone


@router.post("/users/me/contact-methods/{method_id}/test", status_code=202, response_model=TestSent,
             summary="Send a test message carrying a verification code")
def test_contact_method(ctx: Ctx, method_id: int) -> TestSent:
    method = contacts.get_method(ctx, method_id)
    message = contacts.send_test(ctx, method)
    assert method.verify_code_expires_at is not None
    return TestSent(contact_method=contact_out(method), message_id=message.id,
                    code_expires_at=method.verify_code_expires_at)


@router.post("/users/me/contact-methods/{method_id}/verify", response_model=ContactMethodOut)
def verify_contact_method(ctx: Ctx, method_id: int, body: VerifyIn) -> ContactMethodOut:
    return contact_out(contacts.verify(ctx, contacts.get_method(ctx, method_id), body.code))


# --- notification rules -------------------------------------------------------------------------------

@router.get("/users/me/notification-rules", response_model=list[NotificationRuleOut])
def list_notification_rules(ctx: Ctx) -> list[NotificationRuleOut]:
    return [rule_out(r) for r in contacts.list_rules(ctx)]


@router.post("/users/me/notification-rules", status_code=201, response_model=NotificationRuleOut)
def add_notification_rule(ctx: Ctx, body: NotificationRuleIn) -> NotificationRuleOut:
    return rule_out(contacts.add_rule(ctx, body))


@router.delete("/users/me/notification-rules/{rule_id}", response_model=NotificationRuleOut)
def delete_notification_rule(ctx: Ctx, rule_id: int) -> NotificationRuleOut:
    rule = contacts.get_rule(ctx, rule_id)
    gone = rule_out(rule)
    contacts.remove_rule(ctx, rule)
    return gone


# --- escalation policies ------------------------------------------------------------------------------

@router.get("/escalation-policies", response_model=list[EscalationPolicyOut])
def list_escalation_policies(ctx: Ctx) -> list[EscalationPolicyOut]:
    return [policy_out(ctx, p) for p in escalation.list_policies(ctx)]


@router.post("/escalation-policies", status_code=201, response_model=EscalationPolicyOut)
def create_escalation_policy(ctx: Ctx, body: EscalationPolicyIn) -> EscalationPolicyOut:
    return policy_out(ctx, escalation.save_policy(ctx, body))


@router.get("/escalation-policies/{policy}", response_model=EscalationPolicyOut)
def get_escalation_policy(ctx: Ctx, policy: PolicyKey) -> EscalationPolicyOut:
    return policy_out(ctx, escalation.get_policy(ctx, policy))


@router.put("/escalation-policies/{policy}", response_model=EscalationPolicyOut,
            summary="Replace a policy's name, repeat and levels (running pages read them from their next step)")
def replace_escalation_policy(ctx: Ctx, policy: PolicyKey, body: EscalationPolicyIn) -> EscalationPolicyOut:
    return policy_out(ctx, escalation.save_policy(ctx, body, escalation.get_policy(ctx, policy)))


@router.delete("/escalation-policies/{policy}", response_model=EscalationPolicyOut,
               summary="Delete a policy (admins); its services then page nobody")
def delete_escalation_policy(ctx: Ctx, policy: PolicyKey) -> EscalationPolicyOut:
    found = escalation.get_policy(ctx, policy)
    gone = policy_out(ctx, found)
    escalation.delete_policy(ctx, found)
    return gone


@router.put("/services/{service}/escalation-policy", response_model=ServiceOut,
            summary="Set (or with null, clear) the escalation policy that pages for a service")
def set_service_policy(ctx: Ctx, service: str, body: ServicePolicyIn) -> ServiceOut:
    return ServiceOut.model_validate(escalation.set_service_policy(ctx, service, body.escalation_policy))


# --- an incident's pages ------------------------------------------------------------------------------

@router.get("/incidents/{incident}/pages", response_model=PagingOut,
            summary="Paging status: each page, its level, and who was notified when")
def get_pages(ctx: Ctx, incident: IncidentKey) -> PagingOut:
    return paging_out(ctx, incidents.get_incident(ctx, incident))


@router.post("/incidents/{incident}/ack", response_model=PagingOut,
             summary="Acknowledge: escalation stops and acknowledged_at is set")
def acknowledge(ctx: Ctx, incident: IncidentKey) -> PagingOut:
    found = incidents.get_incident(ctx, incident)
    paging.acknowledge(ctx, found, via="api")
    return paging_out(ctx, found)


@router.post("/incidents/{incident}/escalate", response_model=PagingOut, summary="Page the next level now")
def escalate(ctx: Ctx, incident: IncidentKey) -> PagingOut:
    found = incidents.get_incident(ctx, incident)
    paging.escalate_now(ctx, found)
    return paging_out(ctx, found)


@router.post("/incidents/{incident}/repage", response_model=PagingOut,
             summary="Page again from level 1 of each service's escalation policy")
def repage(ctx: Ctx, incident: IncidentKey) -> PagingOut:
    found = incidents.get_incident(ctx, incident)
    paging.repage(ctx, found)
    return paging_out(ctx, found)
