"""Postmortems and action items over the API."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from warroom.api.deps import Ctx
from warroom.incidents import service as incidents
from warroom.postmortems import actions, export, service
from warroom.postmortems.schemas import (ActionItemIn, ActionItemOut, ActionItemPatch, PostmortemOut,
                                         PostmortemPatch, ReviewerIn, RevisionOut, StatusChangeIn)
from warroom.postmortems.shapes import postmortem_out

incident_router = APIRouter(prefix="/api/v1/incidents", tags=["postmortems"])
router = APIRouter(prefix="/api/v1", tags=["postmortems"])
IncidentKey = Annotated[str, "incident id or ref, e.g. 42 or INC-42"]


def _found(ctx: Ctx, key: str):
    incident = incidents.get_incident(ctx, key)
    return incident, service.get_postmortem(ctx, incident)


@incident_router.get("/{incident}/postmortem", response_model=PostmortemOut,
                     summary="The postmortem, with durations, action items and blameless-check warnings")
def get_postmortem(ctx: Ctx, incident: IncidentKey) -> PostmortemOut:
    return postmortem_out(ctx, *_found(ctx, incident))


@incident_router.post("/{incident}/postmortem", status_code=201, response_model=PostmortemOut,
                      summary="Start the postmortem now (it also starts when the incident is resolved)")
def start_postmortem(ctx: Ctx, incident: IncidentKey) -> PostmortemOut:
    found = incidents.get_incident(ctx, incident)
    return postmortem_out(ctx, found, service.start_postmortem(ctx, found))


@incident_router.put("/{incident}/postmortem", response_model=PostmortemOut,
                     summary="Replace the given sections (send `version` to refuse overwriting a newer save)")
def update_postmortem(ctx: Ctx, incident: IncidentKey, body: PostmortemPatch) -> PostmortemOut:
    found, postmortem = _found(ctx, incident)
    return postmortem_out(ctx, found, service.update_postmortem(ctx, postmortem, body))


@incident_router.post("/{incident}/postmortem/status", response_model=PostmortemOut,
                      summary="draft -> in_review -> published (publishing with warnings needs confirm_warnings)")
def change_status(ctx: Ctx, incident: IncidentKey, body: StatusChangeIn) -> PostmortemOut:
    found, postmortem = _found(ctx, incident)
    service.change_status(ctx, postmortem, body.status, confirm_warnings=body.confirm_warnings)
    return postmortem_out(ctx, found, postmortem)


@incident_router.post("/{incident}/postmortem/reviewers", response_model=PostmortemOut, status_code=201)
def add_reviewer(ctx: Ctx, incident: IncidentKey, body: ReviewerIn) -> PostmortemOut:
    found, postmortem = _found(ctx, incident)
    service.add_reviewer(ctx, postmortem, body.user)
    return postmortem_out(ctx, found, postmortem)


@incident_router.delete("/{incident}/postmortem/reviewers/{user}", response_model=PostmortemOut)
def remove_reviewer(ctx: Ctx, incident: IncidentKey, user: str) -> PostmortemOut:
    found, postmortem = _found(ctx, incident)
    service.remove_reviewer(ctx, postmortem, user)
    return postmortem_out(ctx, found, postmortem)


@incident_router.post("/{incident}/postmortem/approve", response_model=PostmortemOut,
                      summary="Approve the postmortem under review (its reviewers only)")
def approve(ctx: Ctx, incident: IncidentKey) -> PostmortemOut:
    found, postmortem = _found(ctx, incident)
    service.approve(ctx, postmortem)
    return postmortem_out(ctx, found, postmortem)


@incident_router.get("/{incident}/postmortem/history", response_model=list[RevisionOut],
                     summary="Every saved change: who, when, each section's before and after")
def history(ctx: Ctx, incident: IncidentKey) -> list[RevisionOut]:
    _, postmortem = _found(ctx, incident)
    return [RevisionOut.model_validate(r) for r in service.history(ctx, postmortem)]


@incident_router.get("/{incident}/postmortem/export", summary="Markdown, standalone HTML, or JSON",
                     responses={200: {"content": {"text/markdown": {}, "text/html": {}}}})
def export_postmortem(ctx: Ctx, incident: IncidentKey,
                      format: Annotated[Literal["md", "html", "json"], Query()] = "md") -> Response:  # noqa: A002
    found, postmortem = _found(ctx, incident)
    if format == "json":
        return Response(postmortem_out(ctx, found, postmortem).model_dump_json(indent=2),
                        media_type="application/json")
    doc = export.document(ctx, found, postmortem, actions.list_action_items(ctx, incident=found))
    name = f"postmortem-{found.ref}.{format}"
    if format == "html":
        return Response(export.to_html(doc), media_type="text/html; charset=utf-8",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})
    return Response(export.to_markdown(doc), media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- action items -------------------------------------------------------------------------------------

@incident_router.post("/{incident}/action-items", status_code=201, response_model=ActionItemOut)
def create_action_item(ctx: Ctx, incident: IncidentKey, body: ActionItemIn) -> ActionItemOut:
    found = incidents.get_incident(ctx, incident)
    return actions.to_out(ctx, actions.create_action_item(ctx, found, body), found)


@incident_router.get("/{incident}/action-items", response_model=list[ActionItemOut])
def incident_action_items(ctx: Ctx, incident: IncidentKey) -> list[ActionItemOut]:
    found = incidents.get_incident(ctx, incident)
    return [actions.to_out(ctx, item, found) for item in actions.list_action_items(ctx, incident=found)]


@router.get("/action-items", response_model=list[ActionItemOut],
            summary="Action items across incidents, soonest due first")
def list_action_items(ctx: Ctx, owner: Annotated[str | None, Query(description="Email, handle, id or 'me'")] = None,
                      status: Annotated[Literal["open", "done", "wont_do"] | None, Query()] = None,
                      overdue: bool = False, service: str | None = None,
                      limit: Annotated[int, Query(ge=1, le=actions.MAX_LIST)] = 200) -> list[ActionItemOut]:
    if owner == "me" and ctx.actor is not None:
        owner = str(ctx.actor.id)
    found = actions.list_action_items(ctx, owner=owner, status=status, overdue=overdue, service=service, limit=limit)
    return [actions.to_out(ctx, item) for item in found]


@router.get("/action-items/{item_id}", response_model=ActionItemOut)
def get_action_item(ctx: Ctx, item_id: int) -> ActionItemOut:
    return actions.to_out(ctx, actions.get_action_item(ctx, item_id))


@router.patch("/action-items/{item_id}", response_model=ActionItemOut,
              summary="Change an item; status done or wont_do (with wont_do_reason) closes it")
def update_action_item(ctx: Ctx, item_id: int, body: ActionItemPatch) -> ActionItemOut:
    return actions.to_out(ctx, actions.update_action_item(ctx, actions.get_action_item(ctx, item_id), body))
