"""Postmortems: a draft prefilled from the incident, edited section by section with history,
reviewed and published (`draft -> in_review -> published`), and required before closing where the
severity policy says so.

A draft starts when the incident is resolved (the timeline hook in reminders.py) or on demand.
Every saved change bumps `version` and writes a PostmortemRevision with each changed section's
before and after; a save naming an older version is refused (409) rather than overwriting.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from warroom.core import timers
from warroom.core.clock import as_utc, iso_utc
from warroom.core.context import Context
from warroom.core.errors import Conflict, Forbidden, Invalid, NotFound
from warroom.incidents import durations, lifecycle
from warroom.incidents.models import Incident, TimelineEvent
from warroom.incidents.wording import describe
from warroom.postmortems import blameless
from warroom.postmortems.models import Postmortem, PostmortemEntry, PostmortemRevision, Reviewer, WhyStep
from warroom.postmortems.schemas import PostmortemPatch
from warroom.users.models import User
from warroom.users.service import find_user, require_writer

TEXT_SECTIONS = ("summary", "impact", "detection")
LIST_SECTIONS = ("contributing_factors", "went_well", "went_poorly", "got_lucky")
SECTION_TITLES = {"summary": "Summary", "impact": "Impact", "detection": "Detection", "whys": "Root cause: 5 whys",
                  "contributing_factors": "Contributing factors", "went_well": "What went well",
                  "went_poorly": "What went poorly", "got_lucky": "Where we got lucky", "timeline": "Timeline"}
# The workflow: where a postmortem may go from each status (pages offer exactly these moves).
STATUS_MOVES = {"draft": ("in_review",), "in_review": ("draft", "published"), "published": ("in_review",)}
# Timers reminding the commander of a required postmortem (handlers in reminders.py).
DUE_SOON = "postmortem.due_soon"
OVERDUE = "postmortem.overdue"
# Incident events that belong on a postmortem's timeline even when nobody starred them.
TIMELINE_KINDS = ("declared", "status_changed", "severity_changed", "response_target_missed")


# --- reading ------------------------------------------------------------------------------------------

def find_postmortem(ctx: Context, incident: Incident) -> Postmortem | None:
    return ctx.db.scalar(select(Postmortem).where(Postmortem.incident_id == incident.id))


def get_postmortem(ctx: Context, incident: Incident) -> Postmortem:
    postmortem = find_postmortem(ctx, incident)
    if postmortem is None:
        raise NotFound(f"{incident.ref} has no postmortem yet; start one (it also starts when the incident "
                       "is resolved)", field="postmortem")
    return postmortem


def is_required(ctx: Context, incident: Incident) -> bool:
    level = ctx.policy.level(incident.severity)
    return bool(level and level.postmortem_required)


def section_texts(postmortem: Postmortem) -> list[tuple[str, str]]:
    """(section, text) pairs of everything people wrote, for the blameless check."""
    parts = [(name, getattr(postmortem, name)) for name in TEXT_SECTIONS]
    for number, why in enumerate(postmortem.whys, 1):
        parts += [(f"whys[{number}].question", why.question), (f"whys[{number}].answer", why.answer)]
    for name in LIST_SECTIONS:
        parts += [(f"{name}[{n}]", item) for n, item in enumerate(getattr(postmortem, name), 1)]
    parts += [(f"timeline[{n}]", entry.text) for n, entry in enumerate(postmortem.timeline, 1)]
    return parts


def warnings(ctx: Context, postmortem: Postmortem) -> list[blameless.Finding]:
    people = ctx.db.execute(select(User.name, User.handle)).all()
    return blameless.check_sections(section_texts(postmortem), [(name, handle) for name, handle in people])


def history(ctx: Context, postmortem: Postmortem) -> list[PostmortemRevision]:
    return list(ctx.db.scalars(select(PostmortemRevision).where(PostmortemRevision.postmortem_id == postmortem.id)
                               .order_by(PostmortemRevision.version)))


# --- starting -----------------------------------------------------------------------------------------

def _prefilled_timeline(ctx: Context, incident: Incident) -> list[PostmortemEntry]:
    events = ctx.db.scalars(select(TimelineEvent).where(TimelineEvent.incident_id == incident.id)
                            .order_by(TimelineEvent.occurred_at, TimelineEvent.id))
    entries = []
    for event in events:
        if event.starred or event.kind in TIMELINE_KINDS:
            text = event.body if event.kind == "note" else describe(event)
            if event.kind != "note" and event.body:
                text += f": {event.body}"
            entries.append(PostmortemEntry(at=event.occurred_at, text=text[:2000], source_event_id=event.id))
    return entries


def _impact_text(ctx: Context, incident: Incident) -> str:
    spans = durations.of_incident(incident)
    zone = ctx.policy.zone
    began = as_utc(incident.started_at).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    lines = [incident.impact.strip()] if incident.impact.strip() else []
    lines.append(f"Impact began {began}" + (f" and lasted {durations.format_duration(spans.resolve)} until "
                                             "resolved." if spans.resolve is not None else "."))
    if incident.services:
        lines.append("Services: " + ", ".join(s.name for s in incident.services) + ".")
    return "\n".join(lines)


def _detection_text(incident: Incident) -> str:
    spans = durations.of_incident(incident)
    return f"Detected {durations.format_duration(spans.detect)} after impact began. How did we find out?"


def start_postmortem(ctx: Context, incident: Incident) -> Postmortem:
    """A new draft prefilled from the incident (Conflict if it has one)."""
    require_writer(ctx)
    if find_postmortem(ctx, incident) is not None:
        raise Conflict(f"{incident.ref} already has a postmortem", field="postmortem")
    if incident.status == "canceled":
        raise Conflict(f"{incident.ref} was canceled (a false alarm): no postmortem", field="postmortem")
    now = ctx.now()
    summary = incident.summary.strip()
    if incident.resolution.strip():
        summary = (summary + "\n\n" if summary else "") + f"Resolved by: {incident.resolution.strip()}"
    postmortem = Postmortem(
        incident_id=incident.id, status="draft", required=is_required(ctx, incident), summary=summary,
        impact=_impact_text(ctx, incident), detection=_detection_text(incident), contributing_factors=[],
        went_well=[], went_poorly=[], got_lucky=[], version=1, created_at=now, updated_at=now,
        timeline=_prefilled_timeline(ctx, incident), whys=[])
    ctx.db.add(postmortem)
    ctx.db.flush()
    set_due(ctx, incident, postmortem)
    _revision(ctx, postmortem, {"created": {"before": None, "after": "draft"}})
    return postmortem


def set_due(ctx: Context, incident: Incident, postmortem: Postmortem) -> None:
    """Required postmortems are due N business days after resolution (the policy's
    postmortem_due_business_days); before resolution there is no due date yet. The commander is
    reminded a day before and when it passes, unless it is published by then."""
    postmortem.required = is_required(ctx, incident)
    if postmortem.required and incident.resolved_at is not None and postmortem.published_at is None:
        postmortem.due_at = ctx.policy.business_days_after(as_utc(incident.resolved_at),
                                                           ctx.policy.postmortem_due_business_days)
    elif not postmortem.required:
        postmortem.due_at = None
    timers.cancel(ctx, DUE_SOON, postmortem.id)
    timers.cancel(ctx, OVERDUE, postmortem.id)
    if postmortem.due_at is None or postmortem.status == "published":
        return
    soon = postmortem.due_at - timedelta(days=1)
    if soon > ctx.now():
        timers.schedule(ctx, DUE_SOON, postmortem.id, soon)
    timers.schedule(ctx, OVERDUE, postmortem.id, max(postmortem.due_at, ctx.now()))


# --- editing ------------------------------------------------------------------------------------------

def _clean_items(name: str, items: list[str]) -> list[str]:
    cleaned = [item.strip() for item in items if item.strip()]
    too_long = next((n for n, item in enumerate(cleaned, 1) if len(item) > 2000), None)
    if too_long:
        raise Invalid(f"{name}[{too_long}] must be at most 2000 characters", field=name)
    return cleaned


def _current(postmortem: Postmortem, name: str) -> Any:
    if name == "whys":
        return [{"question": w.question, "answer": w.answer} for w in postmortem.whys]
    if name == "timeline":
        return [{"at": iso_utc(e.at), "text": e.text} for e in postmortem.timeline]
    value = getattr(postmortem, name)
    return list(value) if isinstance(value, list) else value


def _revision(ctx: Context, postmortem: Postmortem, changes: dict[str, Any]) -> None:
    ctx.db.add(PostmortemRevision(postmortem_id=postmortem.id, version=postmortem.version, changed_at=ctx.now(),
                                  changed_by_id=ctx.actor.id if ctx.actor else None, status=postmortem.status,
                                  changes=changes))


def update_postmortem(ctx: Context, postmortem: Postmortem, patch: PostmortemPatch) -> Postmortem:
    """Replace the given sections; one revision with what changed (nothing changed: no revision)."""
    require_writer(ctx)
    if patch.version is not None and patch.version != postmortem.version:
        raise Conflict(f"the postmortem changed since you loaded it (now version {postmortem.version}, yours "
                       f"{patch.version}); reload and apply your edit again", field="version")
    changes: dict[str, Any] = {}

    def change(name: str, after: Any) -> None:
        before = _current(postmortem, name)
        if before != after:
            changes[name] = {"before": before, "after": after}

    for name in TEXT_SECTIONS:
        value = getattr(patch, name)
        if value is not None:
            change(name, value.strip())
            setattr(postmortem, name, value.strip())
    for name in LIST_SECTIONS:
        items = getattr(patch, name)
        if items is not None:
            cleaned = _clean_items(name, items)
            change(name, cleaned)
            setattr(postmortem, name, cleaned)
    if patch.whys is not None:
        whys = [(w.question.strip(), w.answer.strip()) for w in patch.whys]
        blank = next((n for n, (q, a) in enumerate(whys, 1) if not q or not a), None)
        if blank:
            raise Invalid(f"whys[{blank}] needs both a question and an answer", field="whys")
        change("whys", [{"question": q, "answer": a} for q, a in whys])
        postmortem.whys = [WhyStep(position=n, question=q, answer=a) for n, (q, a) in enumerate(whys)]
    if patch.timeline is not None:
        entries = sorted(((as_utc(e.at), e.text.strip()) for e in patch.timeline), key=lambda e: e[0])
        future = next((n for n, (at, _) in enumerate(entries, 1) if at > ctx.now()), None)
        if future:
            raise Invalid(f"timeline[{future}] is in the future", field="timeline")
        change("timeline", [{"at": iso_utc(at), "text": text} for at, text in entries])
        sources = {(as_utc(e.at), e.text): e.source_event_id for e in postmortem.timeline}
        postmortem.timeline = [PostmortemEntry(at=at, text=text, source_event_id=sources.get((at, text)))
                               for at, text in entries]
    if changes:
        postmortem.version += 1
        postmortem.updated_at = ctx.now()
        ctx.db.flush()
        _revision(ctx, postmortem, changes)
    return postmortem


# --- workflow -----------------------------------------------------------------------------------------

def _missing_for_review(postmortem: Postmortem) -> str | None:
    if not postmortem.summary.strip():
        return "the summary is empty"
    if not postmortem.whys:
        return "the root cause needs at least one why (question and answer), the last one a systemic cause"
    return None


def change_status(ctx: Context, postmortem: Postmortem, status: str, *, confirm_warnings: bool = False) -> Postmortem:
    require_writer(ctx)
    old = postmortem.status
    allowed = STATUS_MOVES
    if status == old:
        return postmortem
    if status not in allowed[old]:
        raise Conflict(f"a {old} postmortem can go to {' or '.join(allowed[old])}, not {status}", field="status")
    if status in ("in_review", "published"):
        missing = _missing_for_review(postmortem)
        if missing:
            raise Invalid(f"cannot move to {status}: {missing}", field="status")
    if status == "published":
        waiting = [r.user.name for r in postmortem.reviewers if r.approved_at is None]
        if waiting:
            raise Conflict(f"waiting for the reviewers' approval: {', '.join(waiting)}", field="status")
        found = warnings(ctx, postmortem)
        if found and not confirm_warnings:
            raise Conflict(f"the blameless check found {len(found)} phrase(s) to reframe, e.g. "
                           f"\"{found[0].phrase}\" in {found[0].section}; reframe them or publish with "
                           "confirm_warnings", field="confirm_warnings")
        postmortem.published_at = ctx.now()
        postmortem.published_by_id = ctx.actor.id if ctx.actor else None
    if status == "in_review":
        postmortem.review_requested_at = ctx.now()
        for reviewer in postmortem.reviewers:
            reviewer.approved_at = None  # a new round of review
    postmortem.status = status
    postmortem.version += 1
    postmortem.updated_at = ctx.now()
    ctx.db.flush()
    _revision(ctx, postmortem, {"status": {"before": old, "after": status}})
    return postmortem


def add_reviewer(ctx: Context, postmortem: Postmortem, who: str) -> Reviewer:
    require_writer(ctx)
    user = find_user(ctx.db, who, field="user")
    if not user.can_write:
        raise Invalid(f"{user.name} is a viewer; reviewers approve, so they need to be responders or admins",
                      field="user")
    if any(r.user_id == user.id for r in postmortem.reviewers):
        raise Conflict(f"{user.name} already reviews this postmortem", field="user")
    reviewer = Reviewer(user_id=user.id, added_at=ctx.now(), approved_at=None)
    postmortem.reviewers.append(reviewer)
    ctx.db.flush()
    return reviewer


def remove_reviewer(ctx: Context, postmortem: Postmortem, who: str) -> None:
    require_writer(ctx)
    user = find_user(ctx.db, who, field="user")
    reviewer = next((r for r in postmortem.reviewers if r.user_id == user.id), None)
    if reviewer is None:
        raise NotFound(f"{user.name} is not a reviewer", field="user")
    postmortem.reviewers.remove(reviewer)
    ctx.db.flush()


def approve(ctx: Context, postmortem: Postmortem) -> Reviewer:
    """The signed-in reviewer approves the postmortem under review."""
    require_writer(ctx)
    reviewer = next((r for r in postmortem.reviewers if ctx.actor and r.user_id == ctx.actor.id), None)
    if reviewer is None:
        raise Forbidden("only the postmortem's reviewers can approve it")
    if postmortem.status != "in_review":
        raise Conflict(f"the postmortem is {postmortem.status}; approvals are for one in review", field="status")
    reviewer.approved_at = ctx.now()
    ctx.db.flush()
    return reviewer


def closing_guard(ctx: Context, incident: Incident) -> str | None:
    """Refuses closing an incident whose required postmortem is not published."""
    if not is_required(ctx, incident):
        return None
    postmortem = find_postmortem(ctx, incident)
    if postmortem is None or postmortem.status != "published":
        return (f"{incident.severity} needs a published postmortem "
                f"({'none started' if postmortem is None else 'it is ' + postmortem.status.replace('_', ' ')})")
    return None


def install() -> None:
    if closing_guard not in lifecycle.close_guards:
        lifecycle.close_guards.append(closing_guard)


def due_text(ctx: Context, moment: datetime | None) -> str:
    return as_utc(moment).astimezone(ctx.policy.zone).strftime("%Y-%m-%d %H:%M %Z") if moment else ""
