"""Structured status updates: preview, post (rendered, on the timeline, to the channels), list;
and the templates they are rendered with."""

from __future__ import annotations

from sqlalchemy import select

from warroom.comms import templates
from warroom.comms.models import MessageTemplate, StatusUpdate
from warroom.comms.schemas import UpdateIn
from warroom.core.clock import as_utc, iso_utc
from warroom.core.context import Context
from warroom.core.errors import Invalid
from warroom.incidents import deadlines, timeline
from warroom.incidents.lifecycle import is_open
from warroom.incidents.models import Incident
from warroom.users.service import require_admin, require_writer


def kind_for(ctx: Context, incident: Incident, audience: str) -> str:
    """initial for an audience's first update, then by status: mitigated, resolved, or update."""
    if incident.status in ("resolved", "closed"):
        return "resolved"
    if incident.status == "mitigated":
        return "mitigated"
    earlier = ctx.db.scalar(select(StatusUpdate.id).where(
        StatusUpdate.incident_id == incident.id, StatusUpdate.audience == audience).limit(1))
    return "update" if earlier else "initial"


def local_text(ctx: Context, moment) -> str:
    """A time as messages show it: in the policy's timezone, with the zone's name."""
    return as_utc(moment).astimezone(ctx.policy.zone).strftime("%Y-%m-%d %H:%M %Z") if moment else ""


def incident_variables(ctx: Context, incident: Incident) -> dict:
    level = ctx.policy.level(incident.severity)
    return {"ref": incident.ref, "title": incident.title, "severity": incident.severity,
            "severity_label": level.label if level else "", "status": incident.status,
            "services": [s.name for s in incident.services],
            "url": f"{ctx.base_url}/incidents/{incident.ref}",
            "commander": incident.commander.name if incident.commander else ""}


def template_for(ctx: Context, audience: str, kind: str) -> tuple[str, str, MessageTemplate | None]:
    saved = ctx.db.scalar(select(MessageTemplate).where(MessageTemplate.audience == audience,
                                                        MessageTemplate.kind == kind))
    if saved is not None:
        return saved.subject, saved.body, saved
    return (*templates.default_template(audience, kind), None)


def _checked(ctx: Context, incident: Incident, data: UpdateIn) -> tuple[str, object]:
    require_writer(ctx)
    for field in ("whats_happening", "who_is_affected", "what_we_are_doing"):
        if not getattr(data, field).strip():
            raise Invalid(f"{field} must not be empty", field=field)
    kind = kind_for(ctx, incident, data.audience)
    promised = as_utc(data.next_update_at) if data.next_update_at else None
    if kind == "resolved":
        return kind, promised
    if not is_open(incident.status):
        raise Invalid(f"{incident.ref} is {incident.status}; reopen it to post updates", field="status")
    if promised is None:
        raise Invalid("next_update_at is required until the incident is resolved: say when the next "
                      "update will come", field="next_update_at")
    if promised <= ctx.now():
        raise Invalid("next_update_at must be in the future", field="next_update_at")
    return kind, promised


def _render(ctx: Context, incident: Incident, data: UpdateIn, kind: str, promised) -> tuple[str, str]:
    subject, body, _ = template_for(ctx, data.audience, kind)
    variables = {"product": "Warroom", "incident": incident_variables(ctx, incident), "update": {
        "whats_happening": data.whats_happening.strip(), "who_is_affected": data.who_is_affected.strip(),
        "what_we_are_doing": data.what_we_are_doing.strip(), "next_update_at": local_text(ctx, promised),
        "kind": kind, "audience": data.audience,
        "author": ctx.actor.name if ctx.actor else "Warroom", "posted_at": local_text(ctx, ctx.now())}}
    return (templates.render(subject, variables, part="subject"),
            templates.render(body, variables, part="body"))


def preview_update(ctx: Context, incident: Incident, data: UpdateIn) -> tuple[str, str, str]:
    """(kind, subject, text) as posting would render them; writes nothing."""
    kind, promised = _checked(ctx, incident, data)
    subject, text = _render(ctx, incident, data, kind, promised)
    return kind, subject, text


def post_update(ctx: Context, incident: Incident, data: UpdateIn) -> StatusUpdate:
    """Store the update with its rendered text, record it on the timeline (which routes it to the
    channels through the outbox, same transaction), and move the next update's due time."""
    kind, promised = _checked(ctx, incident, data)
    subject, text = _render(ctx, incident, data, kind, promised)
    update = StatusUpdate(
        incident_id=incident.id, audience=data.audience, kind=kind, status=incident.status,
        whats_happening=data.whats_happening.strip(), who_is_affected=data.who_is_affected.strip(),
        what_we_are_doing=data.what_we_are_doing.strip(), next_update_at=promised, subject=subject,
        text=text, author_id=ctx.actor.id if ctx.actor else None, posted_at=ctx.now())
    ctx.db.add(update)
    ctx.db.flush()
    deadlines.after_update(ctx, incident, promised)
    timeline.record(ctx, incident, "update_posted", body=text, starred=kind in ("initial", "resolved"),
                    update_id=update.id, audience=data.audience, update_kind=kind, subject=subject,
                    next_update_at=iso_utc(promised) if promised else None)
    incident.updated_at = ctx.now()
    ctx.db.flush()
    return update


def list_updates(ctx: Context, incident: Incident, audience: str | None = None) -> list[StatusUpdate]:
    query = select(StatusUpdate).where(StatusUpdate.incident_id == incident.id)
    if audience:
        query = query.where(StatusUpdate.audience == audience)
    return list(ctx.db.scalars(query.order_by(StatusUpdate.posted_at, StatusUpdate.id)))


def last_update(ctx: Context, incident: Incident, audience: str = "internal") -> StatusUpdate | None:
    return ctx.db.scalar(select(StatusUpdate).where(
        StatusUpdate.incident_id == incident.id, StatusUpdate.audience == audience)
        .order_by(StatusUpdate.posted_at.desc(), StatusUpdate.id.desc()).limit(1))


def update_prompt(ctx: Context, incident: Incident) -> str | None:
    """What the product asks of the responders now: "first" (an open incident nobody has told
    anyone about yet), "final" (resolved, and no final update since), or None."""
    if is_open(incident.status):
        told = ctx.db.scalar(select(StatusUpdate.id).where(StatusUpdate.incident_id == incident.id).limit(1))
        return None if told else "first"
    if incident.status == "resolved" and incident.resolved_at is not None:
        # A final update from before a reopening does not count for the later resolution.
        final = ctx.db.scalar(select(StatusUpdate.id).where(
            StatusUpdate.incident_id == incident.id, StatusUpdate.kind == "resolved",
            StatusUpdate.posted_at >= incident.resolved_at).limit(1))
        return None if final else "final"
    return None


# --- templates --------------------------------------------------------------------------------------

def _template_key(audience: str, kind: str) -> None:
    if audience not in templates.AUDIENCES:
        raise Invalid(f"unknown audience {audience!r}; allowed: {', '.join(templates.AUDIENCES)}",
                      field="audience")
    if kind not in templates.KINDS:
        raise Invalid(f"unknown kind {kind!r}; allowed: {', '.join(templates.KINDS)}", field="kind")


def list_templates(ctx: Context) -> list[tuple[str, str, str, str, MessageTemplate | None]]:
    require_admin(ctx)
    return [(audience, kind, *template_for(ctx, audience, kind))
            for audience in templates.AUDIENCES for kind in templates.KINDS]


def save_template(ctx: Context, audience: str, kind: str, subject: str, body: str) -> MessageTemplate:
    require_admin(ctx)
    _template_key(audience, kind)
    templates.check(subject, body)
    _, _, saved = template_for(ctx, audience, kind)
    if saved is None:
        saved = MessageTemplate(audience=audience, kind=kind)
        ctx.db.add(saved)
    saved.subject, saved.body = subject, body
    saved.updated_at, saved.updated_by_id = ctx.now(), ctx.actor.id if ctx.actor else None
    ctx.db.flush()
    return saved


def reset_template(ctx: Context, audience: str, kind: str) -> None:
    """Back to the built-in default."""
    require_admin(ctx)
    _template_key(audience, kind)
    _, _, saved = template_for(ctx, audience, kind)
    if saved is not None:
        ctx.db.delete(saved)
        ctx.db.flush()
