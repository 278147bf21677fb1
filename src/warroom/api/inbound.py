"""Where monitoring sends alerts: PagerDuty's Events API v2 (`/v2/enqueue`, `/v2/change/enqueue`,
answered exactly as PagerDuty answers) and webhooks from Alertmanager, Grafana and anything else
(`/hooks/{type}/{routing_key}`). No token: the routing key is the credential. Thin: the payload is
read by its source module (warroom.alerts.sources), applied by warroom.alerts.receive, in one
transaction per request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from warroom.alerts import ingest, receive
from warroom.alerts.events import AlertEvent, ChangeIn, PayloadError
from warroom.alerts.integrations import KEY_LENGTH, Sender
from warroom.alerts.limits import RateLimiter
from warroom.alerts.sources import alertmanager, generic, grafana, pagerduty
from warroom.api.errors import error_response
from warroom.core.errors import Throttled
from warroom.core.runtime import Runtime

router = APIRouter(tags=["alerts in (routing key)"])
MAX_EVENT_BYTES = 512 * 1024  # PagerDuty's limit for one event
MAX_HOOK_BYTES = 1024 * 1024  # a notification of many alerts


def _limiter(request: Request) -> RateLimiter:
    state = request.app.state
    if getattr(state, "alert_limiter", None) is None:
        state.alert_limiter = RateLimiter()
    return state.alert_limiter


async def _read_json(request: Request, limit: int) -> tuple[Any, str | None]:
    raw = await request.body()
    if len(raw) > limit:
        return None, f"the request body is {len(raw)} bytes; at most {limit} are accepted"
    try:
        return json.loads(raw), None
    except (ValueError, UnicodeDecodeError):
        return None, "the request body is not valid JSON"


# --- PagerDuty Events API v2 ------------------------------------------------------------------------

def _pd_invalid(errors: list[str]) -> JSONResponse:
    return JSONResponse({**pagerduty.INVALID, "errors": errors}, status_code=400)


def _pd_throttled(exc: Throttled) -> JSONResponse:
    return JSONResponse({**pagerduty.THROTTLED, "errors": [str(exc)]}, status_code=429,
                        headers={"Retry-After": str(exc.retry_after)})


def _pd_checked(body: Any, parse: Callable[[Any], Any]) -> tuple[Any, list[str]]:
    """The parsed event and every problem, the key's format included (its existence comes later)."""
    errors: list[str] = []
    parsed = None
    try:
        parsed = parse(body)
    except PayloadError as exc:
        errors = exc.errors
    key = pagerduty.routing_key_of(body)
    if key is None or len(key) != KEY_LENGTH:
        errors = [pagerduty.BAD_KEY, *errors]
    return parsed, errors


def _in_transaction(runtime: Runtime, key: str, kind: str, work: Callable[[Any, Sender], Any]) -> Any:
    with runtime.db.write_session() as session:
        ctx = runtime.context(session, None)
        integration = receive.authenticate(ctx, key, kind)
        return work(ctx, integration)


async def _pagerduty(request: Request, parse: Callable[[Any], Any],
                     apply: Callable[[Any, RateLimiter, Sender, Any], dict[str, Any]]) -> JSONResponse:
    """Read, check and apply one Events API v2 body; every answer in PagerDuty's shape."""
    body, problem = await _read_json(request, MAX_EVENT_BYTES)
    if problem:
        return _pd_invalid([problem])
    parsed, errors = _pd_checked(body, parse)
    if errors:
        return _pd_invalid(errors)
    limiter = _limiter(request)
    try:
        answer = await run_in_threadpool(_in_transaction, request.app.state.runtime, body["routing_key"],
                                         "pagerduty", lambda ctx, integration: apply(ctx, limiter, integration, parsed))
    except receive.InvalidKey:
        return _pd_invalid([pagerduty.BAD_KEY])
    except Throttled as exc:
        return _pd_throttled(exc)
    return JSONResponse(answer, status_code=202)


def _apply_event(ctx, limiter: RateLimiter, integration: Sender, event: AlertEvent) -> dict[str, Any]:
    outcome = receive.receive(ctx, limiter, integration, [event])[0]
    return {**pagerduty.ACCEPTED, "dedup_key": outcome.dedup_key}


def _apply_change(ctx, limiter: RateLimiter, integration: Sender, change: ChangeIn) -> dict[str, Any]:
    receive.admit(ctx, limiter, integration)
    ingest.record_change(ctx, integration, change)
    return pagerduty.CHANGE_ACCEPTED


@router.post("/v2/enqueue", status_code=202, summary="Send an alert event (PagerDuty Events API v2)")
async def enqueue(request: Request) -> JSONResponse:
    return await _pagerduty(request, pagerduty.parse_event, _apply_event)


@router.post("/v2/change/enqueue", status_code=202, summary="Send a change event (PagerDuty Events API v2)")
async def change_enqueue(request: Request) -> JSONResponse:
    return await _pagerduty(request, pagerduty.parse_change, _apply_change)


# --- webhooks ---------------------------------------------------------------------------------------

PARSERS: dict[str, Callable[[Sender, Any], list[AlertEvent]]] = {
    "alertmanager": lambda integration, body: alertmanager.parse(body, integration.default_severity),
    "grafana": lambda integration, body: grafana.parse(body, integration.default_severity),
    "generic": lambda integration, body: [generic.extract(integration.mapping, body, integration.default_severity)],
}


def _bad_key(kind: str) -> JSONResponse:
    return error_response(400, "invalid", f"the routing key in the URL is not the key of an active {kind} "
                                          f"integration", field="routing_key")


async def _hook(request: Request, kind: str, routing_key: str) -> JSONResponse:
    body, problem = await _read_json(request, MAX_HOOK_BYTES)
    if problem and len(routing_key) != KEY_LENGTH:
        return _bad_key(kind)
    limiter = _limiter(request)

    def work(ctx, integration: Sender) -> list[ingest.Outcome] | JSONResponse:
        if problem:
            return error_response(400, "bad_request", problem)
        try:
            events = PARSERS[kind](integration, body)
        except PayloadError as exc:
            return error_response(400, "invalid", "; ".join(exc.errors))
        return receive.receive(ctx, limiter, integration, events)

    try:
        result = await run_in_threadpool(_in_transaction, request.app.state.runtime, routing_key, kind, work)
    except receive.InvalidKey:
        return _bad_key(kind)
    except Throttled as exc:
        return error_response(429, exc.code, str(exc), field=exc.field, headers={"Retry-After": str(exc.retry_after)})
    if isinstance(result, JSONResponse):
        return result
    return JSONResponse({"status": "success", "received": len(result),
                         "results": [{"dedup_key": o.dedup_key, "result": o.result} for o in result]},
                        status_code=202)


def _hook_route(kind: str, summary: str) -> None:
    async def hook(request: Request, routing_key: str) -> JSONResponse:
        return await _hook(request, kind, routing_key)

    router.add_api_route(f"/hooks/{kind}/{{routing_key}}", hook, methods=["POST"], status_code=202,
                         summary=summary, name=f"hook_{kind}", operation_id=f"hook_{kind}")


_hook_route("alertmanager", "Prometheus Alertmanager webhook (payload version 4)")
_hook_route("grafana", "Grafana alerting webhook")
_hook_route("generic", "Any JSON webhook, read through the integration's mapping")
