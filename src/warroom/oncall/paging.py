"""Paging: from a declared incident to people's phones, level by level until someone acknowledges.

Declaring an incident starts one page (a paging run) per escalation policy of its services, in the
severity's paging mode (policy.py):
  all_hands    every level at once; the whole policy again after the sum of its delays, `repeat` times
  escalate     level 1, then the next level after each level's delay, then again from level 1 `repeat` times
  low_urgency  like escalate, but every step and message waits for business hours (and holidays)
Each paged person is reached by their notification rules (contacts.steps_for); messages go through
the outbox. Every step is a durable timer (ESCALATE, START on the page; NOTIFY on a delayed message)
and the handler locks the page row, so with any number of workers each step fires once.

A severity change switches a running page to the new severity's mode (switch_mode): louder pages
now, quieter re-times what is still to come.

Acknowledging (API, CLI, web, signed link) ends escalation and sets the incident's acknowledged_at
through deadlines.acknowledge, the one place that does; resolving ends everything. Every page,
escalation, acknowledgement and end is a timeline event.
"""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select

from warroom.core import outbox, timers
from warroom.core.clock import iso_utc
from warroom.core.context import Context
from warroom.core.errors import ConfigError, Conflict
from warroom.core.timers import Timer
from warroom.incidents import deadlines, timeline
from warroom.incidents.access import add_participant
from warroom.incidents.lifecycle import is_open
from warroom.incidents.models import Incident, TimelineEvent
from warroom.incidents.policy import SeverityPolicy
from warroom.incidents.roles import user_snapshot
from warroom.oncall import contacts, escalation
from warroom.oncall.models import EscalationLevel, EscalationPolicy, Page, PageNotification
from warroom.users.models import User
from warroom.users.service import require_writer

ESCALATE, START, NOTIFY = "paging.escalate", "paging.start", "paging.notify"
RUNNING = ("active", "stopped")  # not yet acknowledged or resolved: an ack still applies


# --- business hours ---------------------------------------------------------------------------------

def business_moment(policy: SeverityPolicy, at: datetime) -> datetime:
    """`at` if it is within business hours on a business day, else when business hours next open."""
    opens, closes = time.fromisoformat(policy.business_hours.start), time.fromisoformat(policy.business_hours.end)
    local = at.astimezone(policy.zone)
    day = local.date()
    for _ in range(370):
        if policy.is_business_day(day) and local < datetime.combine(day, closes, policy.zone):
            return max(local, datetime.combine(day, opens, policy.zone)).astimezone(timezone.utc)
        day += timedelta(days=1)
    raise ConfigError("policy", "no business hours within a year: check business_hours and holidays")


def _when(ctx: Context, page: Page, at: datetime) -> datetime:
    return business_moment(ctx.policy, at) if page.urgency == "low" else at


# --- reading --------------------------------------------------------------------------------------

def pages_of(ctx: Context, incident: Incident) -> list[Page]:
    return list(ctx.db.scalars(select(Page).where(Page.incident_id == incident.id).order_by(Page.id)))


def notifications_of(ctx: Context, page: Page) -> list[PageNotification]:
    return list(ctx.db.scalars(select(PageNotification).where(PageNotification.page_id == page.id)
                               .order_by(PageNotification.due_at, PageNotification.id)))


def _locked(ctx: Context, page_id: int) -> Page | None:
    """The page, locked for this transaction (PostgreSQL; SQLite has one writer): a timer step and a
    manual action on the same page run one after the other, each seeing the other's result."""
    return ctx.db.get(Page, page_id, with_for_update=True, populate_existing=True)


# --- starting ---------------------------------------------------------------------------------------

def start(ctx: Context, incident: Incident, *, reason: str = "declared") -> list[Page]:
    """A page per escalation policy of the incident's services, in its severity's paging mode."""
    level = ctx.policy.level(incident.severity)
    mode = level.paging if level else "escalate"
    started = []
    for policy in escalation.policies_for(ctx, list(incident.services)):
        if not policy.levels:
            continue
        page = Page(incident_id=incident.id, policy_id=policy.id, policy_name=policy.name, mode=mode,
                    urgency="low" if mode == "low_urgency" else "high", status="active", level=0, round=0,
                    started_at=ctx.now(), link_secret=secrets.token_urlsafe(32))
        ctx.db.add(page)
        ctx.db.flush()
        begin = _when(ctx, page, ctx.now())
        if begin > ctx.now():
            page.next_step_at = begin
            timers.schedule(ctx, START, page.id, begin)
            timeline.record(ctx, incident, "paging_deferred", policy=policy.name, starts_at=iso_utc(begin),
                            reason=reason)
        else:
            _step(ctx, incident, page, policy, ctx.now(), reason=reason)
        started.append(page)
    return started


def _step(ctx: Context, incident: Incident, page: Page, policy: EscalationPolicy, at: datetime,
          *, reason: str) -> None:
    """Page the current level (every level, all-hands) and set the timer of the next step."""
    levels = policy.levels
    if page.mode == "all_hands":
        for level in levels:
            _page_level(ctx, incident, page, level, reason=reason)
        wait = sum((lv.delay_minutes for lv in levels), 0)
    else:
        _page_level(ctx, incident, page, levels[page.level], reason=reason)
        wait = levels[page.level].delay_minutes
    last_round, last_level = page.round >= policy.repeat, page.mode == "all_hands" or page.level == len(levels) - 1
    if last_round and last_level:
        # Nobody left to escalate to: the page stays open to an ack, and the timeline says so.
        page.status, page.next_step_at = "stopped", None
        timeline.record(ctx, incident, "paging_ended", policy=policy.name, reason="exhausted",
                        after_minutes=wait)
        return
    page.next_step_at = _when(ctx, page, at + timedelta(minutes=wait))
    timers.schedule(ctx, ESCALATE, page.id, page.next_step_at)


def _page_level(ctx: Context, incident: Incident, page: Page, level: EscalationLevel, *, reason: str) -> None:
    people, notes = escalation.people_at(ctx, level, ctx.now())
    for person in people:
        add_participant(ctx, incident, person)  # a paged person can open a restricted incident
        for delay, method in contacts.steps_for(ctx, person, page.urgency):
            notification = PageNotification(
                page_id=page.id, user_id=person.id, level=level.position, round=page.round,
                contact_method_id=method.id if method else None, kind=method.kind if method else "email",
                due_at=_when(ctx, page, ctx.now() + timedelta(minutes=delay)))
            ctx.db.add(notification)
            ctx.db.flush()
            if notification.due_at <= ctx.now():
                _send(ctx, incident, page, notification)
            else:
                timers.schedule(ctx, NOTIFY, notification.id, notification.due_at)
    timeline.record(ctx, incident, "paged", policy=page.policy_name, level=level.position,
                    round=page.round + 1, mode=page.mode, urgency=page.urgency, reason=reason,
                    users=[user_snapshot(p) for p in people], notes=notes)


def _send(ctx: Context, incident: Incident, page: Page, notification: PageNotification) -> None:
    services = ", ".join(s.name for s in incident.services)
    payload = {"event": "page", "page_id": page.id, "urgency": page.urgency,
               "subject": f"[{incident.severity}] {incident.ref} {incident.title}",
               "text": f"You are paged for {incident.ref} ({incident.severity}, {services}), level "
                       f"{notification.level} of escalation policy {page.policy_name}.\n{incident.summary}".strip(),
               "incident": {"id": incident.id, "ref": incident.ref, "title": incident.title,
                            "severity": incident.severity, "status": incident.status,
                            "services": [s.name for s in incident.services],
                            "url": f"{ctx.base_url}/incidents/{incident.ref}"}}
    message = outbox.enqueue(ctx, contacts.TRANSPORTS[notification.kind],
                             target={"notification_id": notification.id}, payload=payload,
                             subject=("incident", incident.id))
    ctx.db.flush()
    notification.outbox_message_id, notification.sent_at = message.id, ctx.now()


# --- timers -----------------------------------------------------------------------------------------

def _timer_page(ctx: Context, timer: Timer) -> tuple[Page, Incident, EscalationPolicy] | None:
    page = _locked(ctx, timer.subject_id)
    if page is None or page.status != "active":
        return None
    incident = ctx.db.get(Incident, page.incident_id)
    policy = ctx.db.get(EscalationPolicy, page.policy_id) if page.policy_id else None
    if incident is None or policy is None or not policy.levels:
        if incident is not None:
            _end(ctx, page, "stopped")
            timeline.record(ctx, incident, "paging_ended", policy=page.policy_name, reason="policy_removed")
        return None
    return page, incident, policy


@timers.handles(START)
def _on_start(ctx: Context, timer: Timer) -> None:
    found = _timer_page(ctx, timer)
    if found:
        _step(ctx, found[1], found[0], found[2], timer.due_at, reason="business_hours")


@timers.handles(ESCALATE)
def _on_escalate(ctx: Context, timer: Timer) -> None:
    found = _timer_page(ctx, timer)
    if found:
        # From the due time, not the firing time: a late worker does not push every later step back.
        _advance(ctx, *found, at=timer.due_at, manual=False)


@timers.handles(NOTIFY)
def _on_notify(ctx: Context, timer: Timer) -> None:
    notification = ctx.db.get(PageNotification, timer.subject_id)
    if notification is None or notification.sent_at or notification.canceled_at:
        return
    page = _locked(ctx, notification.page_id)
    if page is None or page.status not in RUNNING:
        return
    incident = ctx.db.get(Incident, page.incident_id)
    if incident is not None:
        _send(ctx, incident, page, notification)


def _advance(ctx: Context, page: Page, incident: Incident, policy: EscalationPolicy, *, at: datetime,
             manual: bool) -> None:
    old_level, old_round = page.level, page.round
    if page.mode == "all_hands" or page.level + 1 >= len(policy.levels):
        page.level, page.round = 0, page.round + 1
    else:
        page.level += 1
    # Only a manual escalation goes past the policy's repeats: it runs one more round.
    timeline.record(ctx, incident, "escalated", policy=policy.name, manual=manual,
                    from_level=old_level + 1, from_round=old_round + 1, level=page.level + 1,
                    round=page.round + 1)
    _step(ctx, incident, page, policy, at, reason="manual" if manual else "escalation")


# --- ending -----------------------------------------------------------------------------------------

def _end(ctx: Context, page: Page, status: str) -> None:
    """Stop the page's timers and its messages not yet sent."""
    page.status, page.next_step_at = status, None
    if status != "stopped":
        page.ended_at = ctx.now()
    timers.cancel(ctx, ESCALATE, page.id)
    timers.cancel(ctx, START, page.id)
    for notification in notifications_of(ctx, page):
        if notification.sent_at is None and notification.canceled_at is None:
            notification.canceled_at = ctx.now()
            timers.cancel(ctx, NOTIFY, notification.id)


def acknowledge(ctx: Context, incident: Incident, *, via: str = "api") -> list[Page]:
    """Acknowledge as the acting person: escalation stops; the incident's acknowledged_at is set
    (once: the first acknowledgement counts for the response target)."""
    require_writer(ctx)
    if not is_open(incident.status):
        raise Conflict(f"{incident.ref} is {incident.status}; there is nothing to acknowledge", field="incident")
    running = [p for p in (_locked(ctx, p.id) for p in pages_of(ctx, incident)) if p and p.status in RUNNING]
    if incident.acknowledged_at is not None and not running:
        raise Conflict(f"{incident.ref} was already acknowledged at {iso_utc(incident.acknowledged_at)}",
                       field="incident")
    for page in running:
        _end(ctx, page, "acknowledged")
        page.acknowledged_at, page.acknowledged_by_id = ctx.now(), ctx.actor.id if ctx.actor else None
    deadlines.acknowledge(ctx, incident)
    if ctx.actor is not None:
        add_participant(ctx, incident, ctx.actor)
    timeline.record(ctx, incident, "acknowledged", via=via, pages=[p.id for p in running],
                    response_due_at=iso_utc(incident.response_due_at),
                    response_target_met=incident.response_target_met)
    incident.updated_at = ctx.now()
    ctx.db.flush()
    return running


def escalate_now(ctx: Context, incident: Incident) -> list[Page]:
    """Page the next level at once, for every page not resolved (an acknowledged one runs again)."""
    require_writer(ctx)
    if not is_open(incident.status):
        raise Conflict(f"{incident.ref} is {incident.status}; it is not paging", field="incident")
    moved = []
    for page in pages_of(ctx, incident):
        # Cancel the pending step before locking the page, in the order a worker takes them.
        timers.cancel(ctx, ESCALATE, page.id)
        locked = _locked(ctx, page.id)
        policy = ctx.db.get(EscalationPolicy, page.policy_id) if page.policy_id else None
        if locked is None or locked.status == "resolved" or policy is None or not policy.levels:
            continue
        timers.cancel(ctx, START, page.id)
        locked.status = "active"
        _advance(ctx, locked, incident, policy, at=ctx.now(), manual=True)
        moved.append(locked)
    if not moved:
        raise Conflict(f"{incident.ref} has no page to escalate; re-page it", field="incident")
    ctx.db.flush()
    return moved


def repage(ctx: Context, incident: Incident) -> list[Page]:
    """Start paging again from level 1 of each service's policy; earlier pages end."""
    require_writer(ctx)
    if not is_open(incident.status):
        raise Conflict(f"{incident.ref} is {incident.status}; reopen it to page again", field="incident")
    if not escalation.policies_for(ctx, list(incident.services)):
        raise Conflict(f"no service of {incident.ref} has an escalation policy", field="services")
    for page in pages_of(ctx, incident):
        if page.status in RUNNING:
            _end(ctx, _locked(ctx, page.id) or page, "stopped")
    pages = start(ctx, incident, reason="repage")
    ctx.db.flush()
    return pages


# --- severity changes -------------------------------------------------------------------------------

def _current(pages: list[Page]) -> list[Page]:
    """The newest page of each policy: a re-page leaves the pages it replaced 'stopped' (still open to
    an acknowledgement), but only the new one pages anybody."""
    return list({page.policy_id or -page.id: page for page in pages}.values())


def switch_mode(ctx: Context, incident: Incident, severity: str) -> list[Page]:
    """The incident's severity changed: every running page whose mode differs takes the new
    severity's mode. Louder (to all-hands, or from low to high urgency) pages now, as the new mode
    says; quieter keeps who was paged and re-times what is still to come (business hours for low)."""
    level = ctx.policy.level(severity)
    mode = level.paging if level else "escalate"
    switched = []
    for page in _current(pages_of(ctx, incident)):
        policy = ctx.db.get(EscalationPolicy, page.policy_id) if page.policy_id else None
        if page.status not in RUNNING or page.mode == mode or policy is None or not policy.levels:
            continue
        # Cancel the pending step before locking the page, in the order a worker takes them.
        timers.cancel(ctx, ESCALATE, page.id)
        timers.cancel(ctx, START, page.id)
        locked = _locked(ctx, page.id)
        if locked is None or locked.status not in RUNNING:
            continue
        _switch(ctx, incident, locked, policy, mode, severity)
        switched.append(locked)
    return switched


def _switch(ctx: Context, incident: Incident, page: Page, policy: EscalationPolicy, mode: str,
            severity: str) -> None:
    old_mode, old_urgency = page.mode, page.urgency
    page.mode, page.urgency = mode, "low" if mode == "low_urgency" else "high"
    louder = mode == "all_hands" or (old_urgency, page.urgency) == ("low", "high")
    if old_mode == "all_hands":
        page.level = len(policy.levels) - 1  # every level of this round has been paged
    for notification in notifications_of(ctx, page):
        if notification.sent_at is None and notification.canceled_at is None:
            if louder:  # the new page below reaches everyone by the rules of its urgency
                notification.canceled_at = ctx.now()
                timers.cancel(ctx, NOTIFY, notification.id)
            elif page.urgency == "low":
                notification.due_at = business_moment(ctx.policy, notification.due_at)
                timers.reschedule(ctx, NOTIFY, notification.id, notification.due_at)
    if not louder and page.status == "active" and page.next_step_at is not None:
        page.next_step_at = _when(ctx, page, page.next_step_at)
        timers.schedule(ctx, ESCALATE, page.id, page.next_step_at)
    timeline.record(ctx, incident, "paging_mode_changed", policy=page.policy_name, old=old_mode, new=mode,
                    severity=severity, urgency=page.urgency, paging_now=louder,
                    next_step_at=iso_utc(page.next_step_at) if page.next_step_at and not louder else None)
    if louder:
        page.status, page.level = "active", 0 if mode == "all_hands" else page.level
        _step(ctx, incident, page, policy, ctx.now(), reason="severity")


# --- reacting to the incident's timeline -------------------------------------------------------------

def on_timeline_event(ctx: Context, incident: Incident, event: TimelineEvent) -> None:
    if event.kind == "declared":
        ctx.db.flush()
        start(ctx, incident)
    elif event.kind == "status_changed" and not is_open((event.data or {}).get("new", "")):
        ended = [p for p in pages_of(ctx, incident) if p.status in RUNNING]
        for page in ended:
            _end(ctx, page, "resolved")
        if ended:
            timeline.record(ctx, incident, "paging_ended", reason=(event.data or {}).get("new"),
                            pages=[p.id for p in ended])
    elif event.kind == "severity_changed" and is_open(incident.status):
        ctx.db.flush()
        switch_mode(ctx, incident, (event.data or {}).get("new", incident.severity))
    elif event.kind == "commander_changed" and incident.acknowledged_at == ctx.now():
        # Taking command acknowledged the incident (roles.py): escalation has done its job.
        for page in pages_of(ctx, incident):
            if page.status in RUNNING:
                _end(ctx, page, "acknowledged")
                page.acknowledged_at = ctx.now()
                page.acknowledged_by_id = (event.data or {}).get("user", {}).get("id")


def install() -> None:
    if on_timeline_event not in timeline.on_record:
        timeline.on_record.append(on_timeline_event)


def paged_users(ctx: Context, page: Page) -> list[User]:
    ids = dict.fromkeys(n.user_id for n in notifications_of(ctx, page))
    return [u for u in (ctx.db.get(User, i) for i in ids) if u is not None]
