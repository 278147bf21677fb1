"""The FastAPI application: JSON under /api/v1, OpenAPI at /openapi.json, docs at /docs, and the
web app's HTML pages (warroom.web) at /."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from warroom import __version__
from warroom.api import catalog, comms, errors, incidents, insights, postmortems, severities, users
from warroom.api import status_subscribers
from warroom.api import statuspage as statuspage_admin
from warroom.api import statuspage_v2
from warroom.api import alerts, inbound, oncall, paging
from warroom.api.errors import error_response
from warroom.api.limits import BodySizeLimit
from warroom.core.runtime import Runtime


def create_app(runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or Runtime.from_settings()
    app = FastAPI(title="Warroom", version=__version__,
                  description="Incident response: severity, command, timeline.")
    app.state.runtime = runtime
    errors.install(app)
    app.add_middleware(BodySizeLimit)

    @app.get("/healthz", tags=["health"], summary="200 when the database answers")
    def healthz(request: Request) -> JSONResponse:
        runtime = request.app.state.runtime
        try:
            with runtime.db.read_session() as session:
                session.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any database failure means unhealthy
            return error_response(503, "unavailable", f"database unreachable: {type(exc).__name__}")
        return JSONResponse({"status": "ok", "version": __version__, "database": runtime.db.dialect})

    # First: monitoring posts here in storms, and a request is matched against the routes in order.
    app.include_router(inbound.router)  # public: the routing key is the credential
    for router in (incidents.router, comms.incident_router, comms.router, postmortems.incident_router,
                   postmortems.router, catalog.router, users.router, severities.router, insights.router,
                   statuspage_admin.router, statuspage_v2.router):
        app.include_router(router, responses=errors.ERROR_RESPONSES)
    app.include_router(status_subscribers.router, responses=errors.ERROR_RESPONSES)
    app.include_router(oncall.router, responses=errors.ERROR_RESPONSES)
    app.include_router(paging.router, responses=errors.ERROR_RESPONSES)
    app.include_router(alerts.router, responses=errors.ERROR_RESPONSES)
    app.include_router(oncall.feeds_router)  # public: the secret in the URL is the key
    from warroom.web.app import install as install_web  # the HTML pages, served by the same app

    install_web(app)
    return app
