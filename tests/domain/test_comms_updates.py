"""Structured status updates, their templates (sandboxed), the cadence and overdue reminders."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from receivers import MailBox
from warroom.comms import updates
from warroom.comms.models import StatusUpdate
from warroom.comms.schemas import UpdateIn
from warroom.core.config import SmtpSettings
from warroom.core.errors import Forbidden, Invalid
from warroom.core.outbox import OutboxMessage
from warroom.core.worker import Worker
from warroom.incidents import service


def post(desk, actor, ref, **fields):
    fields.setdefault("whats_happening", "Card payments fail for some customers.")
    fields.setdefault("who_is_affected", "EU customers paying by card.")
    fields.setdefault("what_we_are_doing", "Rolling back the last deploy.")
    with desk.ctx(actor) as ctx:
        update = updates.post_update(ctx, service.get_incident(ctx, ref), UpdateIn(**fields))
        return update.id, update.kind, update.subject, update.text


def test_an_update_is_rendered_recorded_and_moves_the_next_due(desk, runtime, clock, rita):
    ref = desk.declare(rita, "Checkout is failing", "SEV2", commander=rita.handle)
    assert desk.row(ref)["next_update_due"] == clock.now() + timedelta(minutes=60)  # SEV2 cadence
    clock.advance(minutes=10)
    promised = clock.now() + timedelta(minutes=20)
    _, kind, subject, text = post(desk, rita, ref, next_update_at=promised)
    assert kind == "initial"
    assert subject == f"[SEV2] {ref} Checkout is failing — investigating"
    assert "What is happening: Card payments fail" in text and "Next update: 2026-03-02 10:30 UTC" in text
    row = desk.row(ref)
    assert row["next_update_due"] == promised  # sooner than the cadence
    assert row["update_waiting"] == [promised]
    [event] = [e for e in desk.events(ref) if e.kind == "update_posted"]
    assert event.body == text and event.data["audience"] == "internal" and event.starred
    clock.advance(minutes=5)
    _, kind, _, _ = post(desk, rita, ref, next_update_at=clock.now() + timedelta(hours=3))
    assert kind == "update"
    assert desk.row(ref)["next_update_due"] == clock.now() + timedelta(minutes=60)  # cadence wins


@pytest.mark.parametrize(("fields", "field"), [
    ({"next_update_at": None}, "next_update_at"),
    ({"whats_happening": "   "}, "whats_happening"),
])
def test_bad_updates_are_refused_and_change_nothing(desk, runtime, clock, rita, fields, field):
    ref = desk.declare(rita)
    before = desk.row(ref)
    with pytest.raises(Invalid) as refused:
        post(desk, rita, ref, **fields)
    assert refused.value.field == field
    assert desk.row(ref) == before


def test_next_update_must_be_in_the_future(desk, runtime, clock, rita):
    ref = desk.declare(rita)
    with pytest.raises(Invalid, match="future"):
        post(desk, rita, ref, next_update_at=clock.now())


def test_viewers_cannot_post_and_preview_writes_nothing(desk, runtime, clock, rita, victor):
    ref = desk.declare(rita)
    with pytest.raises(Forbidden):
        post(desk, victor, ref, next_update_at=clock.now() + timedelta(minutes=5))
    with desk.ctx(rita) as ctx:
        kind, subject, text = updates.preview_update(ctx, service.get_incident(ctx, ref), UpdateIn(
            audience="public", whats_happening="Checkout is slow.", who_is_affected="Some customers.",
            what_we_are_doing="Scaling out.", next_update_at=clock.now() + timedelta(minutes=30)))
    assert kind == "initial" and subject.startswith("Investigating:") and "We will post the next update" in text
    with runtime.db.read_session() as db:
        assert db.scalar(select(StatusUpdate.id)) is None


def test_resolving_ends_the_cadence_and_allows_a_final_update(desk, runtime, clock, rita):
    ref = desk.declare(rita, commander=rita.handle)
    desk.status(rita, ref, "resolved", resolution="Rolled back")
    row = desk.row(ref)
    assert row["next_update_due"] is None and row["update_waiting"] == []
    _, kind, _, text = post(desk, rita, ref, next_update_at=None)
    assert kind == "resolved" and "This is the final update." in text


def prompt(desk, rita, ref):
    with desk.ctx(rita) as ctx:
        return updates.update_prompt(ctx, service.get_incident(ctx, ref))


def test_the_product_asks_for_the_first_update_then_for_the_final_one(desk, runtime, clock, rita):
    ref = desk.declare(rita, severity="SEV3", commander=rita.handle)  # closed without a postmortem
    assert prompt(desk, rita, ref) == "first"
    post(desk, rita, ref, audience="public", next_update_at=clock.now() + timedelta(minutes=30))
    assert prompt(desk, rita, ref) is None  # any audience counts as telling people
    clock.advance(timedelta(minutes=5))
    desk.status(rita, ref, "resolved", resolution="Rolled back")
    assert prompt(desk, rita, ref) == "final"
    clock.advance(timedelta(minutes=1))
    post(desk, rita, ref, next_update_at=None)
    assert prompt(desk, rita, ref) is None
    clock.advance(timedelta(minutes=1))
    desk.status(rita, ref, "investigating")  # reopened: people were told before
    assert prompt(desk, rita, ref) is None
    clock.advance(timedelta(minutes=1))
    desk.status(rita, ref, "resolved", resolution="Rolled back again")
    assert prompt(desk, rita, ref) == "final"  # the earlier final update was for the earlier resolution
    post(desk, rita, ref, next_update_at=None)
    desk.status(rita, ref, "closed")
    assert prompt(desk, rita, ref) is None


def test_a_higher_severity_brings_the_next_update_closer_a_lower_one_does_not_delay_it(desk, runtime, clock,
                                                                                       rita):
    ref = desk.declare(rita, severity="SEV3")  # every 4 h
    clock.advance(minutes=10)
    desk.severity(rita, ref, "SEV1")  # every 30 min, from now
    due = clock.now() + timedelta(minutes=30)
    assert desk.row(ref)["next_update_due"] == due
    desk.severity(rita, ref, "SEV4")
    assert desk.row(ref)["next_update_due"] == due


def test_an_overdue_update_is_recorded_and_commander_and_comms_lead_are_mailed(desk, runtime, clock, rita,
                                                                              sam, ada):
    ref = desk.declare(rita, "Checkout is failing", "SEV1", commander=rita.handle)
    desk.assign(rita, ref, "comms_lead", sam)
    clock.advance(minutes=29)
    worker = Worker(runtime)
    worker.run_once()
    assert "update_overdue" not in desk.row(ref)["event_kinds"]
    clock.advance(minutes=1)
    worker.run_once()
    assert desk.row(ref)["event_kinds"].count("update_overdue") == 1
    worker.run_once()
    assert desk.row(ref)["event_kinds"].count("update_overdue") == 1, "reminded once per due time"
    box = MailBox()
    try:
        smtp = SmtpSettings(host="127.0.0.1", port=box.port, starttls=False)
        mailing = Worker(dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, smtp=smtp)))
        assert mailing.deliver_once() == 2
        mails = box.wait_for(2)
    finally:
        box.close()
    assert sorted(m["To"] for m in mails) == sorted([rita.email, sam.email])
    assert all("status update overdue" in m["Subject"] for m in mails)
    with runtime.db.read_session() as db:
        assert all(m.status == "delivered" for m in db.scalars(select(OutboxMessage)))


# --- templates ---------------------------------------------------------------------------------------

def test_an_admin_template_replaces_the_default(desk, runtime, clock, ada, rita):
    with desk.ctx(ada) as ctx:
        updates.save_template(ctx, "internal", "initial", "{{ incident.ref }} opened",
                              "{{ update.whats_happening | upper }} ({{ incident.services | join(', ') or 'n/a' }})")
    ref = desk.declare(rita)
    _, _, subject, text = post(desk, rita, ref, next_update_at=clock.now() + timedelta(minutes=5))
    assert subject == f"{ref} opened" and text == "CARD PAYMENTS FAIL FOR SOME CUSTOMERS. (n/a)"
    with desk.ctx(ada) as ctx:
        updates.reset_template(ctx, "internal", "initial")
        assert updates.template_for(ctx, "internal", "initial")[2] is None


@pytest.mark.parametrize(("body", "reason"), [
    ("{% if %}", "body line 1"),
    ("line one\n{{ update.nope }}", "nope"),
    ("{{ incident.__class__ }}", "body"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "body"),
    ("{{ cycler.__init__.__globals__.os.environ }}", "body"),
    ("{{ config }}", "config"),
    ("{{ self._TemplateReference__context }}", "body"),
])
def test_templates_that_fail_or_reach_for_internals_are_refused(desk, runtime, ada, body, reason):
    with pytest.raises(Invalid) as refused, desk.ctx(ada) as ctx:
        updates.save_template(ctx, "public", "update", "Update", body)
    assert reason in refused.value.message
    with desk.reading() as ctx:
        assert updates.template_for(ctx, "public", "update")[2] is None


def test_only_admins_change_templates(desk, runtime, rita):
    with pytest.raises(Forbidden), desk.ctx(rita) as ctx:
        updates.save_template(ctx, "public", "update", "x", "y")


def test_the_documented_variables_are_exactly_what_templates_get(desk, runtime, clock, rita):
    from warroom.comms import templates

    documented = {name for name, _ in templates.VARIABLES}
    sample = {f"{group}.{key}" for group, values in templates.SAMPLE.items() if isinstance(values, dict)
              for key in values} | {k for k, v in templates.SAMPLE.items() if not isinstance(v, dict)}
    assert documented == sample
    ref = desk.declare(rita, commander=rita.handle)
    with desk.ctx(rita) as ctx:
        real = updates.incident_variables(ctx, service.get_incident(ctx, ref))
    assert {f"incident.{key}" for key in real} == {name for name in documented if name.startswith("incident.")}
