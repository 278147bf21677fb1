"""Domain objects of paging as API shapes (paging_schemas.py), shared by the API and the CLI."""

from __future__ import annotations

from warroom.core.context import Context
from warroom.incidents.models import Incident
from warroom.oncall import escalation, paging
from warroom.oncall.models import ContactMethod, EscalationPolicy, NotificationRule, Page
from warroom.oncall.paging_schemas import (ContactMethodOut, EscalationPolicyOut, LevelOut, NotificationOut,
                                           NotificationRuleOut, PageOut, PagingOut, TargetOut)
from warroom.users.schemas import UserRef


def contact_out(method: ContactMethod, *, with_secret: bool = False) -> ContactMethodOut:
    return ContactMethodOut(id=method.id, kind=method.kind, address=method.address, label=method.label,
                            verified=method.verified_at is not None, verified_at=method.verified_at,
                            created_at=method.created_at,
                            signing_secret=method.secret if with_secret and method.kind == "webhook" else None)


def rule_out(rule: NotificationRule) -> NotificationRuleOut:
    return NotificationRuleOut(id=rule.id, contact_method=contact_out(rule.contact_method), urgency=rule.urgency,
                               delay_minutes=rule.delay_minutes)


def policy_out(ctx: Context, policy: EscalationPolicy) -> EscalationPolicyOut:
    return EscalationPolicyOut(
        id=policy.id, name=policy.name, description=policy.description, repeat=policy.repeat,
        levels=[LevelOut(position=level.position, delay_minutes=level.delay_minutes,
                         targets=[TargetOut(type=kind, id=ident, name=name)
                                  for kind, ident, name in escalation.target_names(ctx, level)])
                for level in policy.levels],
        services=[s.name for s in escalation.services_of(ctx, policy)])


def page_out(ctx: Context, page: Page) -> PageOut:
    return PageOut(
        id=page.id, policy=page.policy_name, mode=page.mode, urgency=page.urgency, status=page.status,
        level=page.level + 1, round=page.round + 1, started_at=page.started_at, next_step_at=page.next_step_at,
        acknowledged_at=page.acknowledged_at,
        acknowledged_by=UserRef.model_validate(page.acknowledged_by) if page.acknowledged_by else None,
        ended_at=page.ended_at,
        notifications=[NotificationOut(user=UserRef.model_validate(n.user), level=n.level, round=n.round + 1,
                                       kind=n.kind, contact_method_id=n.contact_method_id, due_at=n.due_at,
                                       sent_at=n.sent_at, canceled_at=n.canceled_at)
                       for n in paging.notifications_of(ctx, page)])


def paging_out(ctx: Context, incident: Incident) -> PagingOut:
    return PagingOut(incident=incident.ref, acknowledged_at=incident.acknowledged_at,
                     response_due_at=incident.response_due_at, response_target_met=incident.response_target_met,
                     pages=[page_out(ctx, p) for p in paging.pages_of(ctx, incident)])
