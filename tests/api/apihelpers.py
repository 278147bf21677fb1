"""Helpers for the REST API tests: route enumeration, error-shape checks, timestamps.

Imported by the test modules as `apihelpers` (pytest puts this folder on sys.path; conftest.py
registers it for assertion rewriting)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import routing

API_PREFIX = "/api/v1"
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
PATH_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def api_routes(app) -> list[tuple[str, str]]:
    """Every (method, path template) the app serves under /api/v1, read from app.routes."""
    # FastAPI >= 0.16x keeps included routers as nodes in app.routes; iter_route_contexts flattens
    # them. Older versions list the routes themselves.
    contexts = getattr(routing, "iter_route_contexts", None)
    routes = list(contexts(app.routes)) if contexts else list(app.routes)
    found = set()
    for route in routes:
        path = getattr(route, "path", None) or ""
        for method in getattr(route, "methods", None) or ():
            if path.startswith(API_PREFIX) and method != "HEAD":
                found.add((method, path))
    return sorted(found)


def fill_path(template: str, values: dict[str, Any]) -> str:
    """Put plausible values into a path template; a new parameter must be given a value here."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        assert name in values, f"no sample value for path parameter {{{name}}} in {template}"
        return str(values[name])

    return PATH_PARAM.sub(value, template)


def assert_error(response, status: int, code: str | None = None, field: Any = ...) -> dict:
    """The response is an error with the API's shape: {"error": {"code", "message"[, "field"]}}."""
    assert response.status_code == status, (response.request.method, str(response.request.url),
                                            response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert list(body) == ["error"], body
    error = body["error"]
    assert {"code", "message"} <= set(error) <= {"code", "message", "field"}, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    if code is not None:
        assert error["code"] == code, error
    if field is not ...:
        assert error.get("field") == field, error
    return error


def ts(value: str | None) -> datetime | None:
    """An API timestamp as an aware datetime."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, f"API returned a naive timestamp: {value}"
    return moment
