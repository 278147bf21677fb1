"""Paging and escalation through the service layer with the test clock: all-hands, level by level,
repeats, acknowledgement and the response target, resolve, low urgency in business hours (with a
holiday), notification rules, schedules resolved when a level fires, escalate-now and re-page, and a
severity change switching a running page's mode."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from warroom.catalog.models import Service
from warroom.catalog.service import create_service
from warroom.core import outbox
from warroom.core.worker import Worker
from warroom.incidents import service
from warroom.incidents.policy import DEFAULT_POLICY_TOML, parse_policy
from warroom.incidents.wording import describe
from warroom.oncall import contacts, escalation, paging
from warroom.oncall.models import Page, PageNotification
from warroom.oncall.paging_schemas import (ContactMethodIn, EscalationPolicyIn, LevelIn, NotificationRuleIn,
                                           TargetIn)
from warroom.oncall.schemas import LayerIn, ScheduleIn
from warroom.oncall import service as schedules

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # a Monday, in business hours


def make_policy(desk, actor, levels, name="checkout-oncall", repeat=0, service_name="checkout"):
    with desk.ctx(actor) as ctx:
        body = EscalationPolicyIn(name=name, repeat=repeat, levels=[
            LevelIn(delay_minutes=delay, targets=[TargetIn(type=kind, ref=ref) for kind, ref in targets])
            for delay, targets in levels])
        escalation.save_policy(ctx, body)
        if service_name:
            if not ctx.db.scalar(select(Service.id).where(Service.name == service_name)):
                create_service(ctx, name=service_name)
            escalation.set_service_policy(ctx, service_name, name)


@pytest.fixture
def setup(desk, ada, rita, sam):
    """checkout pages rita (5 min), then sam (10 min), repeated once."""
    make_policy(desk, ada, [(5, [("user", "rita")]), (10, [("user", "sam")])], repeat=1)
    return desk


def paged(desk, ref):
    """(level, round, handles) of every 'paged' event, in order."""
    return [(e.data["level"], e.data["round"], [u["handle"] for u in e.data["users"]])
            for e in desk.events(ref) if e.kind == "paged"]


def messages(desk):
    with desk.reading() as ctx:
        return [(m.transport, m.target, m.payload) for m in ctx.db.scalars(
            select(outbox.OutboxMessage).where(outbox.OutboxMessage.transport.like("page_%"))
            .order_by(outbox.OutboxMessage.id)) if m.payload.get("event") == "page"]


def page_row(desk, ref):
    with desk.reading() as ctx:
        incident = service.get_incident(ctx, ref)
        return [(p.status, p.level, p.round, p.mode) for p in paging.pages_of(ctx, incident)]


def act(desk, actor, ref, action):
    with desk.ctx(actor) as ctx:
        return getattr(paging, action)(ctx, service.get_incident(ctx, ref))


def test_sev2_escalates_level_by_level_repeats_once_then_ends(setup, clock, ada, runtime):
    desk, worker = setup, Worker(runtime)
    ref = desk.declare(ada, severity="SEV2", services=["checkout"])
    assert paged(desk, ref) == [(1, 1, ["rita"])]
    assert len(messages(desk)) == 1  # rita has no contact method: her account e-mail
    transport, target, payload = messages(desk)[0]
    assert transport == "page_email" and payload["event"] == "page" and "INC-1" in payload["subject"]
    clock.advance(minutes=4, seconds=59)
    worker.run_once()
    assert paged(desk, ref) == [(1, 1, ["rita"])]
    clock.advance(seconds=1)
    worker.run_once()
    assert paged(desk, ref) == [(1, 1, ["rita"]), (2, 1, ["sam"])]
    [escalated] = [e for e in desk.events(ref) if e.kind == "escalated"]
    assert escalated.occurred_at == T0 + timedelta(minutes=5) and escalated.data["manual"] is False
    clock.advance(minutes=10)
    worker.run_once()
    clock.advance(minutes=5)
    worker.run_once()
    assert paged(desk, ref) == [(1, 1, ["rita"]), (2, 1, ["sam"]), (1, 2, ["rita"]), (2, 2, ["sam"])]
    assert desk.kinds(ref)[-1] == "paging_ended" and page_row(desk, ref) == [("stopped", 1, 1, "escalate")]
    clock.advance(hours=2)
    worker.run_once()
    assert len(paged(desk, ref)) == 4 and len(messages(desk)) == 4


def test_ack_stops_escalation_and_records_the_response_target(setup, clock, ada, rita, runtime):
    desk, worker = setup, Worker(runtime)
    ref = desk.declare(ada, severity="SEV2", services=["checkout"])
    clock.advance(minutes=3)
    act(desk, rita, ref, "acknowledge")
    row = desk.row(ref)
    assert row["acknowledged_at"] == T0 + timedelta(minutes=3)
    [ack] = [e for e in desk.events(ref) if e.kind == "acknowledged"]
    assert ack.actor_id == rita.id and ack.data["response_target_met"] is True
    assert page_row(desk, ref) == [("acknowledged", 0, 0, "escalate")]
    clock.advance(hours=1)
    worker.run_once()
    assert paged(desk, ref) == [(1, 1, ["rita"])]
    assert "response_target_missed" not in desk.kinds(ref)
    with pytest.raises(Exception, match="already acknowledged"):
        act(desk, rita, ref, "acknowledge")


def test_a_late_ack_is_recorded_as_missing_the_target(setup, clock, ada, sam, runtime):
    desk = setup
    ref = desk.declare(ada, severity="SEV2", services=["checkout"])
    clock.advance(minutes=20)
    Worker(runtime).run_once()
    act(desk, sam, ref, "acknowledge")
    [ack] = [e for e in desk.events(ref) if e.kind == "acknowledged"]
    assert ack.data["response_target_met"] is False and "response_target_missed" in desk.kinds(ref)


def test_resolving_stops_everything(setup, clock, ada, runtime):
    desk = setup
    ref = desk.declare(ada, severity="SEV3", services=["checkout"])
    desk.status(ada, ref, "canceled", note="false alarm")
    assert page_row(desk, ref)[0][0] == "resolved" and desk.kinds(ref)[-1] == "paging_ended"
    clock.advance(hours=3)
    Worker(runtime).run_once()
    assert paged(desk, ref) == [(1, 1, ["rita"])]


def test_sev1_pages_every_level_at_once_and_a_commander_acknowledges(setup, clock, ada, rita, runtime):
    desk = setup
    ref = desk.declare(ada, severity="SEV1", services=["checkout"])
    assert paged(desk, ref) == [(1, 1, ["rita"]), (2, 1, ["sam"])]
    assert page_row(desk, ref) == [("active", 0, 0, "all_hands")]
    clock.advance(minutes=15)  # the sum of the delays: everyone again (repeat 1)
    Worker(runtime).run_once()
    assert paged(desk, ref)[2:] == [(1, 2, ["rita"]), (2, 2, ["sam"])]
    desk.assign(ada, ref, "commander", rita)  # taking command acknowledges: paging ends
    assert page_row(desk, ref)[0][0] == "acknowledged"
    ref2 = desk.declare(ada, severity="SEV1", services=["checkout"], commander="rita")
    assert len(paged(desk, ref2)) == 2 and page_row(desk, ref2)[0][0] == "acknowledged"


def test_business_moment_skips_nights_weekends_and_holidays(runtime):
    policy = parse_policy(DEFAULT_POLICY_TOML.replace('timezone = "UTC"', 'timezone = "Europe/Berlin"\n'
                                                      'holiday_country = "DE"'))
    friday_evening = datetime(2026, 4, 3, 17, 30, tzinfo=timezone.utc)  # Good Friday, then Easter Monday
    assert paging.business_moment(policy, friday_evening) == datetime(2026, 4, 7, 7, 0, tzinfo=timezone.utc)
    tuesday_noon = datetime(2026, 4, 7, 10, 0, tzinfo=timezone.utc)
    assert paging.business_moment(policy, tuesday_noon) == tuesday_noon


def test_sev4_out_of_hours_waits_for_business_hours_after_a_holiday(setup, clock, ada, runtime):
    desk = setup
    runtime.policy = parse_policy(DEFAULT_POLICY_TOML.replace('timezone = "UTC"', 'timezone = "UTC"\n'
                                                              'holiday_country = "DE"'))
    clock.set(datetime(2026, 4, 2, 18, 0, tzinfo=timezone.utc))  # Thursday evening before Good Friday
    ref = desk.declare(ada, severity="SEV4", services=["checkout"])
    assert paged(desk, ref) == [] and desk.kinds(ref)[-1] == "paging_deferred"
    assert page_row(desk, ref) == [("active", 0, 0, "low_urgency")]
    worker = Worker(runtime)
    clock.set(datetime(2026, 4, 6, 12, 0, tzinfo=timezone.utc))  # Easter Monday
    worker.run_once()
    assert paged(desk, ref) == []
    clock.set(datetime(2026, 4, 7, 9, 0, tzinfo=timezone.utc))
    worker.run_once()
    assert paged(desk, ref) == [(1, 1, ["rita"])]
    [event] = [e for e in desk.events(ref) if e.kind == "paged"]
    assert event.data["urgency"] == "low" and event.occurred_at == datetime(2026, 4, 7, 9, 0, tzinfo=timezone.utc)
    # Its escalation waits for business hours too: 16:58 + 5 min is after closing, so 09:00 next day.
    clock.set(datetime(2026, 4, 7, 16, 58, tzinfo=timezone.utc))
    act(desk, ada, ref, "escalate_now")
    with desk.reading() as ctx:
        [page] = ctx.db.scalars(select(Page)).all()
        assert page.next_step_at == datetime(2026, 4, 8, 9, 0, tzinfo=timezone.utc)


def verified_webhook(desk, user, address="http://127.0.0.1:9/page"):
    with desk.ctx(user) as ctx:
        method = contacts.add_method(ctx, ContactMethodIn(kind="webhook", address=address))
        message = contacts.send_test(ctx, method)
        code = message.payload["code"]
        contacts.verify(ctx, method, code)
        return method.id


def test_contact_verification_refuses_a_wrong_or_expired_code(desk, rita, clock):
    with desk.ctx(rita) as ctx:
        method = contacts.add_method(ctx, ContactMethodIn(kind="email", address="rita@pager.example"))
        method_id = method.id
        with pytest.raises(Exception, match="send a test message first"):
            contacts.verify(ctx, method, "123456")
        code = contacts.send_test(ctx, method).payload["code"]
    with desk.ctx(rita) as ctx, pytest.raises(Exception, match="does not match"):
        contacts.verify(ctx, contacts.get_method(ctx, method_id), "000000" if code != "000000" else "111111")
    clock.advance(hours=1)
    with desk.ctx(rita) as ctx, pytest.raises(Exception, match="expired"):
        contacts.verify(ctx, contacts.get_method(ctx, method_id), code)
    with desk.ctx(rita) as ctx:
        with pytest.raises(Exception, match="not verified"):
            contacts.add_rule(ctx, NotificationRuleIn(contact_method=method_id, urgency="high"))
        with pytest.raises(Exception, match="e-mail address"):
            contacts.add_method(ctx, ContactMethodIn(kind="email", address="nope"))


def test_notification_rules_choose_methods_and_delays_per_urgency(setup, clock, ada, rita, runtime):
    desk = setup
    hook = verified_webhook(desk, rita)
    with desk.ctx(rita) as ctx:
        mail = contacts.add_method(ctx, ContactMethodIn(kind="email", address="rita@pager.example"))
        contacts.verify(ctx, mail, contacts.send_test(ctx, mail).payload["code"])
        contacts.add_rule(ctx, NotificationRuleIn(contact_method=hook, urgency="high", delay_minutes=0))
        contacts.add_rule(ctx, NotificationRuleIn(contact_method=mail.id, urgency="high", delay_minutes=2))
        contacts.add_rule(ctx, NotificationRuleIn(contact_method=mail.id, urgency="low", delay_minutes=0))
    ref = desk.declare(ada, severity="SEV2", services=["checkout"])
    assert [m[0] for m in messages(desk)] == ["page_webhook"]
    clock.advance(minutes=2)
    Worker(runtime).run_once()
    assert [m[0] for m in messages(desk)] == ["page_webhook", "page_email"]
    with desk.reading() as ctx:
        sent = [(n.kind, n.due_at, n.sent_at) for n in ctx.db.scalars(select(PageNotification)
                                                                      .order_by(PageNotification.id))]
    assert sent == [("webhook", T0, T0), ("email", T0 + timedelta(minutes=2), T0 + timedelta(minutes=2))]
    # An acknowledgement cancels a message still waiting for its delay.
    ref2 = desk.declare(ada, severity="SEV2", services=["checkout"])
    act(desk, rita, ref2, "acknowledge")
    clock.advance(minutes=5)
    Worker(runtime).run_once()
    assert [m[0] for m in messages(desk) if m[2]["page_id"] == 2] == ["page_webhook"]
    low = desk.declare(ada, severity="SEV4", services=["checkout"])  # Monday 10:02: business hours
    assert messages(desk)[-1][0] == "page_email" and paged(desk, low)[0][2] == ["rita"]
    assert ref


def test_schedules_are_resolved_when_the_level_fires(desk, clock, ada, rita, sam, runtime):
    with desk.ctx(ada) as ctx:
        schedules.create_schedule(ctx, ScheduleIn(name="primary", timezone="UTC"))
        schedules.add_layer(ctx, schedules.get_schedule(ctx, "primary"), LayerIn(
            users=["rita", "sam"], shift_length=1, shift_unit="hours", start=datetime(2026, 3, 2, 10, 0),
            handoff=None, position=None, restrictions=[]))
    make_policy(desk, ada, [(1, [("user", "ada")]), (30, [("schedule", "primary")])])
    ref = desk.declare(ada, severity="SEV2", services=["checkout"])
    clock.advance(minutes=1)  # 10:01: rita's hour
    Worker(runtime).run_once()
    assert paged(desk, ref)[-1] == (2, 1, ["rita"])
    ref2 = desk.declare(ada, severity="SEV2", services=["checkout"])
    clock.advance(hours=1)  # 11:01: sam's hour, though the incident was declared in rita's
    Worker(runtime).run_once()
    assert paged(desk, ref2)[-1] == (2, 1, ["sam"])


def test_escalate_now_and_repage(setup, clock, ada, rita, runtime):
    desk = setup
    ref = desk.declare(ada, severity="SEV2", services=["checkout"])
    clock.advance(minutes=1)
    act(desk, ada, ref, "escalate_now")
    assert paged(desk, ref) == [(1, 1, ["rita"]), (2, 1, ["sam"])]
    [event] = [e for e in desk.events(ref) if e.kind == "escalated"]
    assert event.data["manual"] is True and event.actor_id == ada.id
    clock.advance(minutes=9)  # the old level-1 timer was canceled; level 2 waits 10 min from the manual step
    Worker(runtime).run_once()
    assert len(paged(desk, ref)) == 2
    act(desk, rita, ref, "acknowledge")
    act(desk, ada, ref, "repage")
    assert paged(desk, ref)[-1] == (1, 1, ["rita"])
    assert [row[0] for row in page_row(desk, ref)] == ["acknowledged", "active"]
    clock.advance(minutes=5)
    Worker(runtime).run_once()
    assert paged(desk, ref)[-1] == (2, 1, ["sam"])
    no_policy = desk.declare(ada, severity="SEV2")
    with pytest.raises(Exception, match="has an escalation policy"):
        act(desk, ada, no_policy, "repage")
    with pytest.raises(Exception, match="no page to escalate"):
        act(desk, ada, no_policy, "escalate_now")


def test_viewers_cannot_acknowledge_or_page(setup, ada, victor):
    ref = setup.declare(ada, severity="SEV2", services=["checkout"])
    for action in ("acknowledge", "escalate_now", "repage"):
        with pytest.raises(Exception, match="viewers"):
            act(setup, victor, ref, action)


# --- a severity change switches a running page to the new severity's paging mode ---------------------

def next_steps(desk, ref):
    """Each page's next step, and the pending ESCALATE/START timers of all pages."""
    with desk.reading() as ctx:
        steps = [p.next_step_at for p in paging.pages_of(ctx, service.get_incident(ctx, ref))]
    due = [t.due_at for t in desk.timers() if t.kind in (paging.ESCALATE, paging.START)
           and t.fired_at is None and t.canceled_at is None]
    return steps, sorted(due)


def switches(desk, ref):
    return [(e.data["old"], e.data["new"], e.data["paging_now"], describe(e))
            for e in desk.events(ref) if e.kind == "paging_mode_changed"]


def test_sev3_raised_to_sev1_pages_every_level_at_once_now(setup, clock, ada, runtime):
    desk, worker = setup, Worker(runtime)
    ref = desk.declare(ada, severity="SEV3", services=["checkout"])
    clock.advance(minutes=2)
    desk.severity(ada, ref, "SEV1")
    assert paged(desk, ref) == [(1, 1, ["rita"]), (1, 1, ["rita"]), (2, 1, ["sam"])]
    [(old, new, now, text)] = switches(desk, ref)
    assert (old, new, now) == ("escalate", "all_hands", True)
    assert text == "Paging checkout-oncall switched from level by level to all hands for SEV1: paging every level now"
    kinds = desk.kinds(ref)
    assert kinds[kinds.index("severity_changed"):] == ["severity_changed", "paging_mode_changed", "paged", "paged"]
    assert page_row(desk, ref) == [("active", 0, 0, "all_hands")]
    # The level-by-level step (due at +5 min) is gone; all hands again after the sum of the waits.
    assert next_steps(desk, ref) == ([T0 + timedelta(minutes=17)], [T0 + timedelta(minutes=17)])
    clock.advance(minutes=5)
    worker.run_once()
    assert len(paged(desk, ref)) == 3
    clock.advance(minutes=10)
    worker.run_once()
    assert paged(desk, ref)[3:] == [(1, 2, ["rita"]), (2, 2, ["sam"])]


def test_sev2_lowered_to_sev4_waits_for_business_hours(setup, clock, ada, rita, runtime):
    desk, worker = setup, Worker(runtime)
    hook = verified_webhook(desk, rita)
    with desk.ctx(rita) as ctx:  # reached at once, and again 3 minutes into a high-urgency page
        contacts.add_rule(ctx, NotificationRuleIn(contact_method=hook, urgency="high", delay_minutes=0))
        contacts.add_rule(ctx, NotificationRuleIn(contact_method=hook, urgency="high", delay_minutes=3))
    clock.set(datetime(2026, 3, 2, 16, 58, tzinfo=timezone.utc))  # Monday, two minutes before closing
    ref = desk.declare(ada, severity="SEV2", services=["checkout"])
    assert next_steps(desk, ref)[0] == [datetime(2026, 3, 2, 17, 3, tzinfo=timezone.utc)]
    clock.advance(minutes=1)
    desk.severity(ada, ref, "SEV4")
    tuesday = datetime(2026, 3, 3, 9, 0, tzinfo=timezone.utc)
    assert page_row(desk, ref) == [("active", 0, 0, "low_urgency")]
    assert next_steps(desk, ref) == ([tuesday], [tuesday])
    [(old, new, now, text)] = switches(desk, ref)
    assert (old, new, now) == ("escalate", "low_urgency", False) and text.endswith("wait for business hours")
    with desk.reading() as ctx:  # rita's second message waits for business hours too
        assert [(n.due_at, n.sent_at is not None) for n in ctx.db.scalars(
            select(PageNotification).order_by(PageNotification.id))] == [
            (datetime(2026, 3, 2, 16, 58, tzinfo=timezone.utc), True), (tuesday, False)]
    clock.set(datetime(2026, 3, 2, 23, 0, tzinfo=timezone.utc))
    worker.run_once()
    assert paged(desk, ref) == [(1, 1, ["rita"])] and len(messages(desk)) == 1
    clock.set(tuesday)
    worker.run_once()
    assert paged(desk, ref) == [(1, 1, ["rita"]), (2, 1, ["sam"])] and len(messages(desk)) == 3
    [_, escalation] = [e for e in desk.events(ref) if e.kind == "paged"]
    assert escalation.data["urgency"] == "low" and escalation.data["mode"] == "low_urgency"


def test_a_deferred_sev4_raised_to_sev2_starts_paging_now(setup, clock, ada, runtime):
    desk, worker = setup, Worker(runtime)
    thursday_evening = datetime(2026, 3, 5, 18, 0, tzinfo=timezone.utc)
    clock.set(thursday_evening)
    ref = desk.declare(ada, severity="SEV4", services=["checkout"])
    assert paged(desk, ref) == [] and desk.kinds(ref)[-1] == "paging_deferred"
    clock.advance(minutes=5)
    desk.severity(ada, ref, "SEV2")
    assert paged(desk, ref) == [(1, 1, ["rita"])]
    assert [e.data["urgency"] for e in desk.events(ref) if e.kind == "paged"] == ["high"]
    assert page_row(desk, ref) == [("active", 0, 0, "escalate")]
    assert next_steps(desk, ref) == ([thursday_evening + timedelta(minutes=10)],) * 2  # no START left
    for minutes in (5, 10, 5):
        clock.advance(minutes=minutes)
        worker.run_once()
    assert paged(desk, ref) == [(1, 1, ["rita"]), (2, 1, ["sam"]), (1, 2, ["rita"]), (2, 2, ["sam"])]
    clock.set(datetime(2026, 3, 6, 9, 0, tzinfo=timezone.utc))  # when the deferred start was due
    worker.run_once()
    assert len(paged(desk, ref)) == 4 and page_row(desk, ref)[0][0] == "stopped"


def test_only_running_current_pages_switch_and_all_hands_lowered_goes_on_level_by_level(setup, clock, ada, rita,
                                                                                       runtime):
    desk, worker = setup, Worker(runtime)
    ref = desk.declare(ada, severity="SEV2", services=["checkout"])
    act(desk, ada, ref, "repage")  # the first page is 'stopped', replaced by the second
    desk.severity(ada, ref, "SEV3")  # the same mode: nothing to switch
    assert switches(desk, ref) == []
    clock.advance(minutes=1)
    desk.severity(ada, ref, "SEV1")
    assert [row[0] + ":" + row[3] for row in page_row(desk, ref)] == ["stopped:escalate", "active:all_hands"]
    assert len(switches(desk, ref)) == 1 and paged(desk, ref)[2:] == [(1, 1, ["rita"]), (2, 1, ["sam"])]
    clock.advance(minutes=1)
    desk.severity(ada, ref, "SEV2")  # quieter: nobody paged now, the next step stays where it was
    assert switches(desk, ref)[-1][:3] == ("all_hands", "escalate", False) and len(paged(desk, ref)) == 4
    assert next_steps(desk, ref)[1] == [T0 + timedelta(minutes=16)]
    clock.advance(minutes=14)
    worker.run_once()  # every level was paged in round 1: round 2 starts again from level 1
    assert paged(desk, ref)[4:] == [(1, 2, ["rita"])]
    assert page_row(desk, ref)[1] == ("active", 0, 1, "escalate")
    act(desk, rita, ref, "acknowledge")
    desk.severity(ada, ref, "SEV1")  # acknowledged: nobody is paged again
    assert len(switches(desk, ref)) == 2 and len(paged(desk, ref)) == 5
    desk.status(ada, ref, "canceled", note="false alarm")
    desk.severity(ada, ref, "SEV4")
    assert len(switches(desk, ref)) == 2
