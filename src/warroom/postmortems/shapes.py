"""Postmortems as the API returns them (built inside the session, from rows and service results)."""

from __future__ import annotations

from warroom.core.context import Context
from warroom.incidents import durations
from warroom.incidents.models import Incident
from warroom.postmortems import actions, service
from warroom.postmortems.models import Postmortem
from warroom.postmortems.schemas import (DurationsOut, EntryOut, PostmortemOut, ReviewerOut, WarningOut,
                                         WhyOut)
from warroom.users.schemas import UserRef


def postmortem_out(ctx: Context, incident: Incident, postmortem: Postmortem) -> PostmortemOut:
    items = actions.list_action_items(ctx, incident=incident)
    return PostmortemOut(
        incident=incident.ref, incident_title=incident.title, status=postmortem.status,
        required=postmortem.required, due_at=postmortem.due_at, version=postmortem.version,
        summary=postmortem.summary, impact=postmortem.impact, detection=postmortem.detection,
        whys=[WhyOut.model_validate(w) for w in postmortem.whys],
        contributing_factors=postmortem.contributing_factors, went_well=postmortem.went_well,
        went_poorly=postmortem.went_poorly, got_lucky=postmortem.got_lucky,
        timeline=[EntryOut.model_validate(e) for e in postmortem.timeline],
        durations=DurationsOut(**durations.of_incident(incident).as_seconds()),
        reviewers=[ReviewerOut.model_validate(r) for r in postmortem.reviewers],
        action_items=[actions.to_out(ctx, item, incident) for item in items],
        warnings=[WarningOut.model_validate(w) for w in service.warnings(ctx, postmortem)],
        created_at=postmortem.created_at, updated_at=postmortem.updated_at, published_at=postmortem.published_at,
        published_by=UserRef.model_validate(postmortem.published_by) if postmortem.published_by else None)
