"""Paging in the incident room: the panel that says who was paged, where escalation stands and
whether the response target was met, and its three actions — Acknowledge, Escalate now, Re-page.

Each action is a small form POSTing to /incidents/{ref}/ack, /escalate or /repage, a thin call of
warroom.oncall.paging run like the room's other actions (room.py): a refusal re-renders the room
with the service's message and changes nothing. The panel offers only the actions that apply now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from warroom.core.context import Context
from warroom.incidents.lifecycle import is_open
from warroom.incidents.models import Incident
from warroom.incidents.wording import PAGING_MODES
from warroom.oncall import escalation, paging
from warroom.oncall.models import EscalationPolicy, Page
from warroom.users.models import User
from warroom.web.auth import SignedIn
from warroom.web.room import _act

router = APIRouter(include_in_schema=False)


@dataclass
class Reached:
    """One person paged at one level of one round: how, when the first message went (None: not
    yet), when the next one waits for, and whether the rest were canceled."""

    user: User
    kinds: list[str] = field(default_factory=list)
    sent_at: datetime | None = None
    waiting_until: datetime | None = None
    canceled: bool = False


@dataclass
class PageView:
    page: Page
    mode: str
    levels: int  # how many levels the policy has now (0: the policy was removed)
    steps: list[tuple[int, int, list[Reached]]]  # (level, round, people), both 1-based, in paging order


def _steps(ctx: Context, page: Page) -> list[tuple[int, int, list[Reached]]]:
    steps: dict[tuple[int, int], dict[int, Reached]] = {}
    for note in paging.notifications_of(ctx, page):
        people = steps.setdefault((note.level, note.round + 1), {})
        reached = people.setdefault(note.user_id, Reached(user=note.user))
        if note.kind not in reached.kinds:
            reached.kinds.append(note.kind)
        if note.sent_at is not None:
            reached.sent_at = min(reached.sent_at or note.sent_at, note.sent_at)
        elif note.canceled_at is not None:
            reached.canceled = True
        else:
            reached.waiting_until = min(reached.waiting_until or note.due_at, note.due_at)
    ordered = sorted(steps.items(), key=lambda item: (item[0][1], item[0][0]))
    return [(level, round_, list(people.values())) for (level, round_), people in ordered]


def paging_panel(ctx: Context, incident: Incident) -> dict:
    """What the room's paging panel shows, and which of its buttons apply."""
    views = []
    for page in paging.pages_of(ctx, incident):
        policy = ctx.db.get(EscalationPolicy, page.policy_id) if page.policy_id else None
        views.append(PageView(page=page, mode=PAGING_MODES.get(page.mode, page.mode),
                              levels=len(policy.levels) if policy else 0, steps=_steps(ctx, page)))
    open_now = is_open(incident.status)
    running = any(v.page.status in paging.RUNNING for v in views)
    has_policy = bool(escalation.policies_for(ctx, list(incident.services)))
    return {"pages": views, "has_policy": has_policy,
            "can_ack": open_now and (running or incident.acknowledged_at is None),
            "can_escalate": open_now and any(v.page.status != "resolved" and v.levels for v in views),
            "can_repage": open_now and has_policy}


@router.post("/incidents/{ref}/ack")
def acknowledge(request: Request, ref: str, page: SignedIn) -> Response:
    return _act(request, page, ref, lambda incident: paging.acknowledge(page.ctx, incident, via="web"))


@router.post("/incidents/{ref}/escalate")
def escalate_now(request: Request, ref: str, page: SignedIn) -> Response:
    return _act(request, page, ref, lambda incident: paging.escalate_now(page.ctx, incident))


@router.post("/incidents/{ref}/repage")
def repage(request: Request, ref: str, page: SignedIn) -> Response:
    return _act(request, page, ref, lambda incident: paging.repage(page.ctx, incident))
