"""Every error leaves the API as {"error": {"code", "message", "field"}} with the right status."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from warroom.core.errors import WarroomError

log = logging.getLogger("warroom.api")

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid",
              429: "rate_limited"}


class ErrorBody(BaseModel):
    code: str = Field(examples=["invalid"])
    message: str = Field(examples=["unknown severity 'SEV9'; allowed: SEV1, SEV2, SEV3, SEV4"])
    field: str | None = Field(default=None, examples=["severity"])


class ErrorOut(BaseModel):
    error: ErrorBody


# Documented on every /api/v1 route, replacing FastAPI's default 422 shape, which we do not send.
ERROR_RESPONSES: dict[int | str, dict] = {
    status: {"model": ErrorOut, "description": description} for status, description in {
        400: "Malformed request (not JSON)", 401: "Missing, invalid or revoked token",
        403: "Your role does not allow this", 404: "No such object, or not visible to you",
        409: "Conflicts with the current state, e.g. a forbidden transition",
        413: "Request body over 1 MiB", 422: "Invalid input; `field` names it",
    }.items()
}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict = {"code": code, "message": message}
    if field:
        body["field"] = field
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _field_of(loc: tuple) -> str | None:
    # Only the first element says where the input was; a field may itself be named "body".
    if loc and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:]
    return ".".join(str(p) for p in loc) or None


def _is_union_member(tag: object) -> bool:
    """Pydantic names a union member by its schema type: 'str', 'int', 'list[str]', ..."""
    return isinstance(tag, str) and tag.split("[", 1)[0] in (
        "str", "int", "float", "bool", "datetime", "date", "list", "dict")


def _union_error(errors: list[dict]) -> dict | None:
    """A value that matched no member of a union (e.g. str | int) gives one type error per member,
    each located at the field plus the member's name: merge them into one error for the field."""
    first = errors[0]
    loc = tuple(first.get("loc", ()))
    if len(loc) < 2 or not _is_union_member(loc[-1]) or first.get("type") not in TYPE_NAMES:
        return None
    members = [e for e in errors if tuple(e.get("loc", ()))[:-1] == loc[:-1]
               and e.get("type") in TYPE_NAMES and _is_union_member(tuple(e["loc"])[-1])
               and e.get("input") == first.get("input")]
    if len(members) < 2:
        return None
    expected = list(dict.fromkeys(TYPE_NAMES[e["type"]] for e in members))
    return {**first, "loc": loc[:-1], "expected": " or ".join(expected)}


TYPE_NAMES = {"string_type": "a string", "int_type": "an integer", "int_parsing": "an integer",
              "bool_type": "true or false", "bool_parsing": "true or false", "list_type": "a list",
              "dict_type": "an object", "model_type": "an object", "float_type": "a number",
              "datetime_type": "an ISO 8601 date-time", "datetime_parsing": "an ISO 8601 date-time",
              "datetime_from_date_parsing": "an ISO 8601 date-time",
              "timezone_aware": "a date-time with a timezone offset (e.g. 2026-01-02T03:04:05Z)"}
JSON_TYPES = {str: "string", int: "number", float: "number", bool: "boolean", list: "list",
              dict: "object", type(None): "null"}


def _describe(error: dict) -> str:
    kind, message = error.get("type", ""), error.get("msg", "invalid")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind in TYPE_NAMES:
        got = JSON_TYPES.get(type(error.get("input")), "something else")
        return f"must be {error.get('expected') or TYPE_NAMES[kind]}, got {got}"
    if kind == "literal_error":
        return "must be " + message.removeprefix("Input should be ")
    limits = error.get("ctx") or {}
    if kind == "string_too_short":
        size = limits.get("min_length", 1)
        return "must not be empty" if size == 1 else f"must be at least {size} characters"
    if kind == "string_too_long":
        return f"must be at most {limits.get('max_length')} characters"
    if kind == "too_long":
        return f"must have at most {limits.get('max_length')} items"
    if kind == "too_short":
        return f"must have at least {limits.get('min_length')} items"
    if kind == "greater_than_equal":
        return f"must be at least {limits.get('ge')}"
    if kind == "less_than_equal":
        return f"must be at most {limits.get('le')}"
    if kind == "string_pattern_mismatch":
        return f"must match {limits.get('pattern')}"
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def first_problem(errors: list[dict]) -> tuple[str | None, str]:
    """(field, "field must be ...") for the first problem pydantic found: the same wording for API
    errors and for web forms built from the same schemas."""
    if not errors:
        return None, "invalid input"
    first = _union_error(errors) or errors[0]
    field = _field_of(tuple(first.get("loc", ())))
    return field, f"{field} {_describe(first)}" if field else _describe(first)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    if first.get("type") in ("json_invalid", "json_type") or (
            first.get("type") == "model_attributes_type" and first.get("loc") == ("body",)):
        return error_response(400, "malformed", "request body is not a JSON object "
                              "(send JSON with Content-Type: application/json)")
    first = (_union_error(errors) or first) if errors else first
    field = _field_of(tuple(first.get("loc", ())))
    message = f"{field} {_describe(first)}" if field else f"request body {_describe(first)}"
    return error_response(422, "invalid", message, field)


async def _domain_error(_request: Request, exc: WarroomError) -> JSONResponse:
    return error_response(exc.http_status, exc.code, exc.message, exc.field)


async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = HTTP_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal", "internal error; the server log has the details")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(WarroomError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
