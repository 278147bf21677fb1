"""Reminders driven by the test clock: action item owners the day before and when an item passes its
due date; the commander before and after a required postmortem's due date. Real mail through the
outbox to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from receivers import MailBox
from warroom.core.config import SmtpSettings
from warroom.core.outbox import OutboxMessage
from warroom.core.worker import Worker
from warroom.incidents import service as incidents
from warroom.postmortems import actions, service
from warroom.postmortems.schemas import ActionItemIn, ActionItemPatch, PostmortemPatch, WhyIn


def queued(runtime) -> list[tuple[str, int, str]]:
    """(event, user id, subject) of every queued personal reminder."""
    with runtime.db.read_session() as db:
        return [(m.payload["event"], m.target["user_id"], m.payload["subject"])
                for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)) if "user_id" in m.target]


def add_item(desk, actor, ref, owner, due_on: date, title="Alert on gateway 403s") -> int:
    with desk.ctx(actor) as ctx:
        incident = incidents.get_incident(ctx, ref)
        return actions.create_action_item(ctx, incident, ActionItemIn(title=title, owner=owner, due_on=due_on)).id


def test_an_owner_is_reminded_the_day_before_and_when_an_item_is_overdue(desk, runtime, clock, rita, sam):
    # T0 is Monday 2026-03-02 10:00 UTC; due Thursday: due at Friday 00:00 UTC (the policy's timezone).
    ref = desk.declare(rita, "Checkout is failing", "SEV3")
    add_item(desk, rita, ref, "sam", date(2026, 3, 5))
    worker = Worker(runtime)
    clock.set(datetime(2026, 3, 4, 8, 59, tzinfo=timezone.utc))
    worker.run_once()
    assert queued(runtime) == []
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=timezone.utc))  # business hours start the day before
    worker.run_once()
    assert queued(runtime) == [("action_item_due", sam.id, "Due tomorrow: Alert on gateway 403s")]
    clock.set(datetime(2026, 3, 6, 0, 0, tzinfo=timezone.utc))
    worker.run_once()
    worker.run_once()
    assert queued(runtime)[1:] == [("action_item_overdue", sam.id, "Overdue action item: Alert on gateway 403s")]

    box = MailBox()
    try:
        smtp = SmtpSettings(host="127.0.0.1", port=box.port, starttls=False)
        mailing = Worker(dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, smtp=smtp)))
        assert mailing.deliver_once() == 2
        mails = box.wait_for(2)
    finally:
        box.close()
    assert [m["To"] for m in mails] == [sam.email, sam.email]
    assert "from INC-1 was due 2026-03-05" in mails[1].get_body(("plain",)).get_content()


def test_done_or_moved_items_are_not_reminded(desk, runtime, clock, rita, sam):
    ref = desk.declare(rita, "Checkout is failing", "SEV3")
    done = add_item(desk, rita, ref, "sam", date(2026, 3, 3), title="Done early")
    moved = add_item(desk, rita, ref, "sam", date(2026, 3, 3), title="Moved later")
    with desk.ctx(sam) as ctx:
        actions.update_action_item(ctx, actions.get_action_item(ctx, done), ActionItemPatch(status="done"))
        actions.update_action_item(ctx, actions.get_action_item(ctx, moved), ActionItemPatch(due_on=date(2026, 3, 20)))
    clock.set(datetime(2026, 3, 10, tzinfo=timezone.utc))
    Worker(runtime).run_once()
    assert queued(runtime) == []
    clock.set(datetime(2026, 3, 21, tzinfo=timezone.utc))
    Worker(runtime).run_once()
    assert [subject for _, _, subject in queued(runtime)] == ["Due tomorrow: Moved later", "Overdue action item: Moved later"]
    with desk.ctx(sam) as ctx:  # reopening a done item arms its reminders again (already past: overdue now)
        actions.update_action_item(ctx, actions.get_action_item(ctx, done), ActionItemPatch(status="open"))
    Worker(runtime).run_once()
    assert queued(runtime)[-1][2] == "Overdue action item: Done early"


def test_the_commander_is_reminded_of_a_required_postmortem_unless_published(desk, runtime, clock, rita, sam):
    late = desk.declare(rita, "Checkout is failing", "SEV2", commander=rita.handle)
    on_time = desk.declare(rita, "Search is down", "SEV1", commander=sam.handle)
    for ref in (late, on_time):
        desk.status(rita, ref, "resolved", resolution="Fixed")  # Monday: due Monday 2026-03-09 17:00 UTC
    with desk.ctx(sam) as ctx:
        postmortem = service.get_postmortem(ctx, incidents.get_incident(ctx, on_time))
        service.update_postmortem(ctx, postmortem, PostmortemPatch(whys=[WhyIn(question="Why?", answer="No canary.")]))
        service.change_status(ctx, postmortem, "in_review")
        service.change_status(ctx, postmortem, "published")
    worker = Worker(runtime)
    clock.set(datetime(2026, 3, 8, 16, 59, tzinfo=timezone.utc))
    worker.run_once()
    assert queued(runtime) == []
    clock.set(datetime(2026, 3, 8, 17, 0, tzinfo=timezone.utc))
    worker.run_once()
    assert queued(runtime) == [("postmortem_due", rita.id, "Due in a day: the postmortem of INC-1 Checkout is failing")]
    clock.advance(days=1)
    worker.run_once()
    assert queued(runtime)[1:] == [("postmortem_overdue", rita.id, "Overdue: the postmortem of INC-1 Checkout is failing")]
    assert len(queued(runtime)) == 2  # nothing about the published one


def test_a_postmortem_started_on_demand_after_resolving_gets_its_reminders_too(desk, runtime, clock, rita):
    from warroom.postmortems.models import Postmortem

    ref = desk.declare(rita, "Checkout is failing", "SEV2", commander=rita.handle)
    desk.status(rita, ref, "resolved", resolution="Fixed")
    with desk.ctx(rita) as ctx:  # as if it was deleted and started again by hand
        ctx.db.delete(service.get_postmortem(ctx, incidents.get_incident(ctx, ref)))
    with desk.ctx(rita) as ctx:
        service.start_postmortem(ctx, incidents.get_incident(ctx, ref))
    assert [t.kind for t in desk.timers() if t.fired_at is None and t.canceled_at is None
            and t.kind.startswith("postmortem.")][-2:] == ["postmortem.due_soon", "postmortem.overdue"]
    with desk.reading() as ctx:
        assert ctx.db.query(Postmortem).count() == 1
