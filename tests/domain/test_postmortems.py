"""Postmortems: the draft made from a scripted incident (timeline, durations, due date), editing
with history and version checks, the review workflow, the blameless check, and closing blocked
until a required postmortem is published."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from warroom.core.errors import Conflict, Forbidden, Invalid, NotFound
from warroom.incidents import service as incidents
from warroom.postmortems import blameless, export, service
from warroom.postmortems.schemas import EntryIn, PostmortemPatch, WhyIn

WHYS = [WhyIn(question="Why did checkout fail?", answer="The payment gateway rejected every request."),
        WhyIn(question="Why did it reject them?", answer="A config change removed the EU merchant id."),
        WhyIn(question="Why was that not caught?", answer="Config changes skip the staging smoke test.")]


def pm(desk, actor, ref):
    """(incident, postmortem) read in a fresh transaction, as plain attribute snapshots."""
    with desk.ctx(actor) as ctx:
        incident = incidents.get_incident(ctx, ref)
        postmortem = service.get_postmortem(ctx, incident)
        return {"status": postmortem.status, "required": postmortem.required, "due_at": postmortem.due_at,
                "version": postmortem.version, "summary": postmortem.summary, "impact": postmortem.impact,
                "detection": postmortem.detection, "timeline": [(e.at, e.text) for e in postmortem.timeline],
                "whys": [(w.question, w.answer) for w in postmortem.whys],
                "warnings": [(w.section, w.phrase) for w in service.warnings(ctx, postmortem)],
                "history": [(r.version, r.changed_by.handle if r.changed_by else None, sorted(r.changes))
                            for r in service.history(ctx, postmortem)]}


def edit(desk, actor, ref, **sections):
    with desk.ctx(actor) as ctx:
        postmortem = service.get_postmortem(ctx, incidents.get_incident(ctx, ref))
        service.update_postmortem(ctx, postmortem, PostmortemPatch(**sections))


def move(desk, actor, ref, status, **options):
    with desk.ctx(actor) as ctx:
        postmortem = service.get_postmortem(ctx, incidents.get_incident(ctx, ref))
        service.change_status(ctx, postmortem, status, **options)


def scripted_incident(desk, clock, rita) -> str:
    """Impact began at T0, noticed 6 min later, declared at +8, acknowledged at +13, mitigated at
    +40, resolved at +70 (Monday 2026-03-02 11:10 UTC)."""
    t0 = clock.now()
    clock.advance(minutes=8)
    ref = desk.declare(rita, "Checkout is failing", "SEV2", started_at=t0, detected_at=t0 + timedelta(minutes=6),
                       impact="EU card payments fail.", summary="Gateway rejects EU payments.")
    clock.advance(minutes=5)
    desk.assign(rita, ref, "commander", rita)
    desk.status(rita, ref, "investigating")
    clock.advance(minutes=2)
    desk.note(rita, ref, "Gateway returns 403 for the EU merchant.", starred=True)
    desk.note(rita, ref, "Looking at the dashboards.")  # not starred: not on the postmortem timeline
    clock.advance(minutes=25)
    desk.status(rita, ref, "mitigated")
    clock.advance(minutes=30)
    desk.status(rita, ref, "resolved", resolution="Restored the merchant id.")
    return ref


def test_resolving_starts_a_draft_with_the_incident_timeline_durations_and_due_date(desk, runtime, clock, rita):
    start = clock.now()
    ref = scripted_incident(desk, clock, rita)
    draft = pm(desk, rita, ref)
    assert draft["status"] == "draft" and draft["required"]  # SEV2 requires one by default
    # 5 business days after Monday 2026-03-02: Monday 2026-03-09 at 17:00 UTC (the policy's defaults).
    assert draft["due_at"] == datetime(2026, 3, 9, 17, 0, tzinfo=timezone.utc)
    assert [text for _, text in draft["timeline"]] == [
        "Declared SEV2: Checkout is failing", "Status triage → investigating",
        "Gateway returns 403 for the EU merchant.", "Status investigating → mitigated",
        "Status mitigated → resolved: Restored the merchant id."]
    assert draft["timeline"][0][0] == start + timedelta(minutes=8)
    assert "Resolved by: Restored the merchant id." in draft["summary"]
    assert "EU card payments fail." in draft["impact"] and "lasted 1h 10m until resolved" in draft["impact"]
    assert draft["detection"].startswith("Detected 6m after impact began.")
    with desk.ctx(rita) as ctx:
        incident = incidents.get_incident(ctx, ref)
        spans = export.durations.of_incident(incident).as_seconds()
    assert spans == {"detect": 6 * 60, "acknowledge": 5 * 60, "mitigate": 40 * 60, "resolve": 70 * 60}


def test_edits_keep_history_and_an_older_version_is_refused(desk, runtime, clock, rita, sam):
    ref = scripted_incident(desk, clock, rita)
    edit(desk, rita, ref, version=1, summary="EU payments failed for 70 minutes.", whys=WHYS,
         went_well=["Rollback took 2 minutes", "  "])
    clock.advance(minutes=1)
    edit(desk, sam, ref, version=2, went_poorly=["No alert on gateway 403s"],
         timeline=[EntryIn(at=clock.now() - timedelta(hours=2), text="Config change merged")])
    with pytest.raises(Conflict, match="now version 3, yours 2"):
        edit(desk, rita, ref, version=2, summary="overwrite")
    edit(desk, rita, ref, version=3, went_poorly=["No alert on gateway 403s"])  # no change: no revision
    after = pm(desk, rita, ref)
    assert after["version"] == 3 and after["summary"] == "EU payments failed for 70 minutes."
    assert after["timeline"] == [(clock.now() - timedelta(hours=2), "Config change merged")]
    assert after["history"] == [(1, "rita", ["created"]), (2, "rita", ["summary", "went_well", "whys"]),
                                (3, "sam", ["timeline", "went_poorly"])]
    with pytest.raises(Invalid, match=r"timeline\[1\] is in the future"):
        edit(desk, rita, ref, timeline=[EntryIn(at=clock.now() + timedelta(hours=1), text="later")])


def test_review_then_publish_with_reviewers_then_edit_after_publishing(desk, runtime, clock, rita, sam, ada,
                                                                      victor):
    ref = scripted_incident(desk, clock, rita)
    with pytest.raises(Invalid, match="at least one why"):
        move(desk, rita, ref, "in_review")
    edit(desk, rita, ref, whys=WHYS)
    with desk.ctx(rita) as ctx:
        service.add_reviewer(ctx, service.get_postmortem(ctx, incidents.get_incident(ctx, ref)), "sam")
    move(desk, rita, ref, "in_review")
    with pytest.raises(Conflict, match="waiting for the reviewers' approval: Sam"):
        move(desk, rita, ref, "published")
    with pytest.raises(Forbidden), desk.ctx(ada) as ctx:
        service.approve(ctx, service.get_postmortem(ctx, incidents.get_incident(ctx, ref)))
    with pytest.raises(Invalid, match="Victor is a viewer"), desk.ctx(rita) as ctx:
        service.add_reviewer(ctx, service.get_postmortem(ctx, incidents.get_incident(ctx, ref)), "victor")
    with desk.ctx(sam) as ctx:
        service.approve(ctx, service.get_postmortem(ctx, incidents.get_incident(ctx, ref)))
    move(desk, rita, ref, "published")
    with pytest.raises(Conflict, match="a published postmortem can go to in_review, not draft"):
        move(desk, rita, ref, "draft")
    clock.advance(days=1)
    edit(desk, ada, ref, got_lucky=["It happened outside the sales peak"])
    after = pm(desk, rita, ref)
    assert after["status"] == "published"
    assert [(v, who, changes) for v, who, changes in after["history"]][-3:] == [
        (3, "rita", ["status"]), (4, "rita", ["status"]), (5, "ada", ["got_lucky"])]


def test_publishing_with_blameless_warnings_needs_confirmation(desk, runtime, clock, rita):
    ref = scripted_incident(desk, clock, rita)
    edit(desk, rita, ref, whys=WHYS, went_poorly=["Rita should have checked the config."])
    assert pm(desk, rita, ref)["warnings"] == [("went_poorly[1]", "should have")]
    move(desk, rita, ref, "in_review")
    with pytest.raises(Conflict, match='blameless check found 1 phrase.*"should have" in went_poorly'):
        move(desk, rita, ref, "published")
    assert pm(desk, rita, ref)["status"] == "in_review"
    move(desk, rita, ref, "published", confirm_warnings=True)
    assert pm(desk, rita, ref)["status"] == "published"


def test_closing_needs_the_required_postmortem_published(desk, runtime, clock, rita):
    ref = scripted_incident(desk, clock, rita)
    with pytest.raises(Conflict, match="SEV2 needs a published postmortem \\(it is draft\\)"):
        desk.status(rita, ref, "closed")
    assert desk.row(ref)["status"] == "resolved"
    edit(desk, rita, ref, whys=WHYS)
    move(desk, rita, ref, "in_review")
    move(desk, rita, ref, "published")
    desk.status(rita, ref, "closed")
    assert desk.row(ref)["status"] == "closed"
    minor = desk.declare(rita, "Search is slow", "SEV3", commander=rita.handle)  # not required for SEV3
    desk.status(rita, minor, "resolved", resolution="Cache warmed")
    desk.status(rita, minor, "closed")
    with desk.ctx(rita) as ctx:
        postmortem = service.get_postmortem(ctx, incidents.get_incident(ctx, minor))
        assert not postmortem.required and postmortem.due_at is None


def test_a_postmortem_on_demand_and_none_for_a_false_alarm(desk, runtime, clock, rita, victor):
    ref = desk.declare(rita, "Checkout is failing", "SEV1", commander=rita.handle)
    with pytest.raises(NotFound, match="has no postmortem yet"), desk.ctx(rita) as ctx:
        service.get_postmortem(ctx, incidents.get_incident(ctx, ref))
    with pytest.raises(Forbidden), desk.ctx(victor) as ctx:
        service.start_postmortem(ctx, incidents.get_incident(ctx, ref))
    with desk.ctx(rita) as ctx:
        early = service.start_postmortem(ctx, incidents.get_incident(ctx, ref))
        assert early.required and early.due_at is None  # due counts from resolution
    with pytest.raises(Conflict, match="already has a postmortem"), desk.ctx(rita) as ctx:
        service.start_postmortem(ctx, incidents.get_incident(ctx, ref))
    desk.status(rita, ref, "resolved", resolution="Fixed")
    assert pm(desk, rita, ref)["due_at"] is not None
    alarm = desk.declare(rita, "Pager noise", "SEV4")
    desk.status(rita, alarm, "canceled")
    with pytest.raises(Conflict, match="canceled"), desk.ctx(rita) as ctx:
        service.start_postmortem(ctx, incidents.get_incident(ctx, alarm))


PEOPLE = [("Bob Smith", "bob"), ("Ada Lovelace", "ada")]


@pytest.mark.parametrize("text, phrase", [
    ("The outage was caused by human error.", "human error"),
    ("Bob was careless with the config.", "careless"),
    ("We should have tested the change.", "should have"),
    ("He shouldn't have deployed on a Friday.", "shouldn't have"),
    ("It was Bob's fault.", "Bob"),
    ("The outage was caused by Bob pushing to main.", "Bob"),
    ("@bob broke production.", "@bob"),
    ("The on-call engineer forgot to check the dashboard.", "forgot to"),
    ("Negligence in the review let it through.", "Negligence"),
    ("Ada is to blame.", "to blame"),
    ("An operator error deleted the volume.", "operator error"),
])
def test_blame_oriented_language_is_flagged_with_a_suggestion(text, phrase):
    [finding] = blameless.check_sections([("summary", text)], PEOPLE)
    assert finding.phrase == phrase and finding.excerpt == text and finding.suggestion


@pytest.mark.parametrize("text", [
    "The deploy caused elevated errors.", "Our fault-tolerant retry layer absorbed the first wave.",
    "The default timeout was 30 s.", "Ada rolled back the deploy.", "Fault injection tests did not cover this.",
    "The runbook did not cover this case.", "Bob noticed the alert at 09:14.", "Adam's team owns the cache.",
    "The error budget was exhausted.", "A config change that passed review disabled the cache.",
])
def test_neutral_language_is_not_flagged(text):
    assert blameless.check_sections([("summary", text)], PEOPLE) == []
