"""Integrations, for admins (/admin/integrations): how monitoring reaches each service — the list per
service with where each tool sends its events, a create form, and one integration's page with its
settings, key rotation, revocation and, for generic webhooks, the mapping editor with "test this
mapping against a sample payload" (which writes nothing). Each service's alert rules are edited on
the same page (web/alert_rules_pages.py).

A routing key is shown once: on the answer to the create or rotate form, never again (only its last
four characters, to tell keys apart). Rotating and revoking need a ticked confirmation.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warroom.alerts import integrations, rules
from warroom.alerts import service as alerts
from warroom.alerts.models import KINDS, SEVERITIES, Integration
from warroom.alerts.sources.generic import try_mapping
from warroom.catalog.service import list_services
from warroom.core.errors import Invalid, WarroomError
from warroom.users.service import require_admin
from warroom.web.alerts_view import KIND_LABELS, endpoint
from warroom.web.auth import Page, SignedIn
from warroom.web.rendering import form_value, render

router = APIRouter(include_in_schema=False)
CREATE_FIELDS = ("service", "kind", "name", "rate_limit", "default_severity", "mapping")
EXAMPLE_MAPPING = {"title": "title", "dedup_key": "{{ payload.host }}:{{ payload.check }}", "severity": "level",
                   "severity_values": {"P1": "critical", "P2": "error"},
                   "resolve": {"value": "state", "equals": ["ok", "resolved"]}, "origin": "host", "link": "url"}
EXAMPLE_SAMPLE = {"title": "Disk almost full on db-1", "host": "db-1", "check": "disk", "level": "P2",
                  "state": "alerting", "url": "https://monitoring.example.com/checks/disk"}
SAVED_NOTICES = {"settings": "Settings saved.", "mapping": "Mapping saved: new events are read with it.",
                 "revoked": "Revoked: events with its key are refused from now on. Its alerts stay."}


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _whole_number(text: str, field: str, label: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise Invalid(f"{label}: {text!r} is not a whole number", field=field)
    return int(text)


def _json(text: str, label: str, field: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise Invalid(f"{label} is not valid JSON: {exc}", field=field) from None


def choices(page: Page) -> dict:
    return {"kinds": KIND_LABELS, "severities": SEVERITIES, "levels": [lv.name for lv in page.ctx.policy.severities],
            "base_url": page.ctx.base_url.rstrip("/"), "endpoint": lambda kind, key=None: endpoint(page.ctx, kind, key)}


def render_list(request: Request, page: Page, *, values: dict | None = None, error: str | None = None,
                rules_form: dict | None = None, status_code: int = 200) -> HTMLResponse:
    """The page; `rules_form` is a refused rules form ({service_id, error, values}) to show again."""
    ctx = page.ctx
    require_admin(ctx)
    services = list_services(ctx.db)
    everything = integrations.list_integrations(ctx, include_revoked=True)
    return render(request, "admin_integrations.html", page=page, status_code=status_code, active="admin",
                  tab="integrations", services=services, error=error, values=values or {},
                  of_service={s.id: [i for i in everything if i.service_id == s.id] for s in services},
                  rules={s.id: rules.rules_for(ctx, s.id) for s in services}, rules_form=rules_form or {},
                  rules_saved=request.query_params.get("rules_saved", ""),
                  example_mapping=pretty(EXAMPLE_MAPPING), **choices(page))


def render_detail(request: Request, page: Page, integration: Integration, *, routing_key: str | None = None,
                  error: str | None = None, notice: str | None = None, mapping_text: str | None = None,
                  sample_text: str | None = None, tested: dict | None = None, status_code: int = 200) -> HTMLResponse:
    ctx = page.ctx
    if sample_text is None and integration.kind == "generic":
        last = alerts.list_alerts(ctx, alerts.AlertFilter(status=["triggered", "acknowledged", "resolved"],
                                                          integration_id=integration.id), limit=1)
        sample_text = pretty(last[0].details.get("payload", EXAMPLE_SAMPLE) if last else EXAMPLE_SAMPLE)
    return render(request, "admin_integration.html", page=page, status_code=status_code, active="admin",
                  tab="integrations", integration=integration, service=integrations.service_of(ctx, integration),
                  routing_key=routing_key, error=error, notice=notice, tested=tested,
                  mapping_text=mapping_text if mapping_text is not None
                  else pretty(integration.mapping or EXAMPLE_MAPPING),
                  sample_text=sample_text or "", **choices(page))


def _integration(page: Page, integration_id: int) -> Integration:
    require_admin(page.ctx)
    return integrations.get_integration(page.ctx, integration_id)


@router.get("/admin/integrations", response_class=HTMLResponse)
def integrations_page(request: Request, page: SignedIn) -> HTMLResponse:
    return render_list(request, page)


@router.post("/admin/integrations", response_class=HTMLResponse)
def create(request: Request, page: SignedIn) -> Response:
    values = {name: form_value(page, name) for name in CREATE_FIELDS}
    kind = values["kind"]
    try:
        mapping = None
        if kind == "generic" and values["mapping"].strip():
            mapping = _json(values["mapping"], "the mapping", "mapping")
        integration, key = integrations.create_integration(
            page.ctx, service=values["service"], kind=kind, name=values["name"].strip() or None,
            rate_limit_per_minute=_whole_number(values["rate_limit"], "rate_limit_per_minute", "rate limit"),
            default_severity=values["default_severity"] or None, mapping=mapping)
    except WarroomError as exc:
        page.discard()
        return render_list(request, page, values=values, error=exc.message, status_code=exc.http_status)
    return render_detail(request, page, integration, routing_key=key, status_code=201,
                         notice="Integration created. Copy its routing key now: it is not shown again.")


@router.get("/admin/integrations/{integration_id}", response_class=HTMLResponse)
def integration_page(request: Request, integration_id: int, page: SignedIn) -> HTMLResponse:
    saved = request.query_params.get("saved", "")
    return render_detail(request, page, _integration(page, integration_id), notice=SAVED_NOTICES.get(saved))


def _change(request: Request, page: Page, integration_id: int, action, then: str) -> Response:
    """One change; a refusal re-renders the integration with the reason and changes nothing."""
    integration = _integration(page, integration_id)
    try:
        action(integration)
    except WarroomError as exc:
        page.discard()
        page.ctx.db.expire_all()
        return render_detail(request, page, _integration(page, integration_id), error=exc.message,
                             status_code=exc.http_status)
    return RedirectResponse(f"/admin/integrations/{integration_id}?saved={then}", status_code=303)


def _confirmed(page: Page, what: str) -> None:
    if form_value(page, "confirm") != "1":
        raise Invalid(f"tick the box to confirm that you want to {what}: nothing was changed", field="confirm")


@router.post("/admin/integrations/{integration_id}/settings")
def save_settings(request: Request, integration_id: int, page: SignedIn) -> Response:
    def act(integration: Integration) -> None:
        integrations.update_integration(
            page.ctx, integration, name=form_value(page, "name"),
            rate_limit_per_minute=_whole_number(form_value(page, "rate_limit"), "rate_limit_per_minute", "rate limit"),
            default_severity=form_value(page, "default_severity") or None)
    return _change(request, page, integration_id, act, "settings")


@router.post("/admin/integrations/{integration_id}/revoke")
def revoke(request: Request, integration_id: int, page: SignedIn) -> Response:
    def act(integration: Integration) -> None:
        _confirmed(page, "revoke this integration")
        integrations.revoke(page.ctx, integration)
    return _change(request, page, integration_id, act, "revoked")


@router.post("/admin/integrations/{integration_id}/rotate", response_class=HTMLResponse)
def rotate(request: Request, integration_id: int, page: SignedIn) -> Response:
    integration = _integration(page, integration_id)
    try:
        _confirmed(page, "replace the routing key")
        integration, key = integrations.rotate_key(page.ctx, integration)
    except WarroomError as exc:
        page.discard()
        page.ctx.db.expire_all()
        return render_detail(request, page, _integration(page, integration_id), error=exc.message,
                             status_code=exc.http_status)
    return render_detail(request, page, integration, routing_key=key,
                         notice="New routing key: the old one stopped working just now. Copy this one into "
                                "your tool now: it is not shown again.")


@router.post("/admin/integrations/{integration_id}/mapping", response_class=HTMLResponse)
def mapping(request: Request, integration_id: int, page: SignedIn) -> Response:
    """Test the typed mapping against the typed sample (writes nothing), or save it."""
    integration = _integration(page, integration_id)
    mapping_text, sample_text = form_value(page, "mapping"), form_value(page, "sample")
    testing = form_value(page, "action") == "test"
    try:
        if integration.kind != "generic":
            raise Invalid("only generic webhooks take a mapping", field="mapping")
        typed = _json(mapping_text, "the mapping", "mapping")
        if testing:
            tested = try_mapping(typed, _json(sample_text, "the sample payload", "sample"),
                                 integration.default_severity)
        else:
            integrations.update_integration(page.ctx, integration, mapping=typed)
    except WarroomError as exc:
        page.discard()
        page.ctx.db.expire_all()
        return render_detail(request, page, _integration(page, integration_id),
                             error=None if testing else exc.message, mapping_text=mapping_text, sample_text=sample_text,
                             tested={"ok": False, "errors": [exc.message], "event": None} if testing else None,
                             status_code=exc.http_status)
    if testing:
        page.discard()  # a test never writes, whatever the mapping does
        return render_detail(request, page, integration, mapping_text=mapping_text, sample_text=sample_text,
                             tested=tested)
    return RedirectResponse(f"/admin/integrations/{integration_id}?saved=mapping#mapping-h", status_code=303)
