"""What postmortems and action items do on their own: a draft starts when an incident is resolved,
and people are reminded by e-mail (through the outbox) when things come due.

- Resolving an incident starts its postmortem draft (or refreshes the due date of an unpublished
  one after a reopening); a required one is due N business days later and its commander is
  reminded a day before and when it passes.
- An action item's owner is reminded the day before it is due and when it passes.
Timers are durable rows, so a restart never loses a reminder; each handler checks that the
reminder still applies when it fires (published, done, or moved since).
"""

from __future__ import annotations

from warroom.core import outbox, timers
from warroom.core.context import Context
from warroom.core.timers import Timer
from warroom.incidents import timeline
from warroom.incidents.models import Incident, TimelineEvent
from warroom.postmortems import actions, service
from warroom.postmortems.models import ActionItem, Postmortem



def _mail(ctx: Context, user_id: int, incident: Incident, event: str, subject: str, text: str) -> None:
    payload = {"event": event, "subject": subject, "text": text, "update": None,
               "incident": {"id": incident.id, "ref": incident.ref, "title": incident.title,
                            "severity": incident.severity, "status": incident.status,
                            "url": f"{ctx.base_url}/incidents/{incident.ref}"}}
    outbox.enqueue(ctx, "email", target={"user_id": user_id, "incident_id": incident.id}, payload=payload,
                   subject=("incident", incident.id))


# --- the postmortem starts when the incident is resolved ------------------------------------------------

def on_timeline_event(ctx: Context, incident: Incident, event: TimelineEvent) -> None:
    if event.kind != "status_changed" or (event.data or {}).get("new") != "resolved":
        return
    postmortem = service.find_postmortem(ctx, incident)
    if postmortem is None:
        service.start_postmortem(ctx, incident)
    else:
        service.set_due(ctx, incident, postmortem)  # resolved again after a reopening


def _postmortem_reminder(ctx: Context, timer: Timer, overdue: bool) -> None:
    postmortem = ctx.db.get(Postmortem, timer.subject_id)
    if postmortem is None or postmortem.status == "published" or postmortem.due_at is None:
        return
    incident = ctx.db.get(Incident, postmortem.incident_id)
    if incident.commander_id is None or incident.commander.deactivated_at is not None:
        return
    due = service.due_text(ctx, postmortem.due_at)
    if overdue:
        subject = f"Overdue: the postmortem of {incident.ref} {incident.title}"
        text = f"The postmortem of {incident.ref} was due {due} and is {postmortem.status.replace('_', ' ')}."
    else:
        subject = f"Due in a day: the postmortem of {incident.ref} {incident.title}"
        text = f"The postmortem of {incident.ref} is due {due}; it is {postmortem.status.replace('_', ' ')}."
    _mail(ctx, incident.commander_id, incident, "postmortem_overdue" if overdue else "postmortem_due", subject,
          text + " Write it section by section in Warroom; publishing needs the reviewers' approval.")


@timers.handles(service.DUE_SOON)
def postmortem_due_soon(ctx: Context, timer: Timer) -> None:
    _postmortem_reminder(ctx, timer, overdue=False)


@timers.handles(service.OVERDUE)
def postmortem_overdue(ctx: Context, timer: Timer) -> None:
    _postmortem_reminder(ctx, timer, overdue=True)


# --- action items -----------------------------------------------------------------------------------

def _item_reminder(ctx: Context, timer: Timer, overdue: bool) -> None:
    item = ctx.db.get(ActionItem, timer.subject_id)
    if item is None or item.status != "open" or item.owner.deactivated_at is not None:
        return
    due = actions.due_end(ctx, item.due_on) if overdue else actions.reminder_at(ctx, item.due_on)
    if due > ctx.now():
        return  # the due date moved later since this timer was set
    incident = ctx.db.get(Incident, item.incident_id)
    when = item.due_on.isoformat()
    if overdue:
        subject, text = f"Overdue action item: {item.title}", f"\"{item.title}\" from {incident.ref} was due {when}."
    else:
        subject, text = f"Due tomorrow: {item.title}", f"\"{item.title}\" from {incident.ref} is due {when}."
    _mail(ctx, item.owner_id, incident, "action_item_overdue" if overdue else "action_item_due", subject,
          text + " Mark it done, move its date, or say why it won't be done.")


@timers.handles(actions.DUE_SOON)
def action_item_due_soon(ctx: Context, timer: Timer) -> None:
    _item_reminder(ctx, timer, overdue=False)


@timers.handles(actions.OVERDUE)
def action_item_overdue(ctx: Context, timer: Timer) -> None:
    _item_reminder(ctx, timer, overdue=True)


def install() -> None:
    if on_timeline_event not in timeline.on_record:
        timeline.on_record.append(on_timeline_event)
    service.install()
