"""/api/v2/*.json: the public page as Atlassian Statuspage's public API v2 (same paths, fields and
enums; see warroom.statuspage.statuspage_json and docs/statuspage-api.md).

No token: it is public, readable from any site's scripts (CORS), and served from the process's
cache with ETag, Last-Modified and Cache-Control (warroom.web.status_http), so a crowd of pollers
costs one render per change, not one query per request.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from warroom.core.errors import NotFound
from warroom.statuspage import snapshot as snapshots
from warroom.statuspage import statuspage_json
from warroom.statuspage.snapshot import Snapshot
from warroom.web.status_http import JSON, respond

router = APIRouter(prefix="/api/v2", tags=["status page (public, Statuspage v2)"])
CACHE_KEY = "api/v2"  # first part of every cache key here: the other public surfaces use others
PUBLIC_ID = re.compile(r"^[a-z0-9]{1,16}$")
JSON_200 = {200: {"content": {"application/json": {}}, "description": "The Statuspage v2 document"}}


def _document_route(path: str, summary: str, document) -> None:
    def serve(request: Request) -> Response:
        return respond(request, (CACHE_KEY, path), JSON, lambda snap: statuspage_json.dumps(document(snap)),
                       cors=True)

    name = "statuspage_v2_" + re.sub(r"\W", "_", path.removesuffix(".json"))  # summary, incidents_unresolved...
    router.add_api_route(f"/{path}", serve, methods=["GET"], summary=summary, response_class=JSONResponse,
                         responses=JSON_200, name=name, operation_id=name)
    # Uptime monitors probe with HEAD; kept out of the schema so each path has one operation.
    router.add_api_route(f"/{path}", serve, methods=["HEAD"], include_in_schema=False, name=f"{name}_head")


# Registered before /incidents/{public_id}.json, so incidents/unresolved.json is not taken for an id.
for _path, (_summary, _document) in statuspage_json.DOCUMENTS.items():
    _document_route(_path, _summary, _document)


@router.api_route("/incidents/{public_id}.json", methods=["HEAD"], include_in_schema=False)
@router.get("/incidents/{public_id}.json", response_class=JSONResponse, responses=JSON_200,
            summary="One public incident with its public updates", operation_id="statuspage_v2_incident")
def incident_json(request: Request, public_id: str) -> Response:
    if not PUBLIC_ID.match(public_id):
        raise NotFound(f"no incident {public_id!r}", field="incident")
    runtime = request.app.state.runtime

    def render(snap: Snapshot) -> bytes:
        # The recent ones are in the snapshot; an older one is read once per page change. Reading
        # it here (not before) means it is never older than the snapshot it is cached with.
        view = next((i for i in snap.incidents if i.public_id == public_id), None)
        if view is None:
            with runtime.db.read_session() as db:
                view = snapshots.incident(db, runtime.policy, public_id)
        if view is None:
            raise NotFound(f"no incident {public_id!r}", field="incident")  # nothing is cached
        return statuspage_json.dumps(statuspage_json.incident(snap, view))

    return respond(request, (CACHE_KEY, "incident", public_id), JSON, render, cors=True)
