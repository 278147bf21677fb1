"""Domain errors. Surfaces translate them: the API to JSON errors, the CLI to a one-line reason."""

from __future__ import annotations


class WarroomError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class Invalid(WarroomError):
    code = "invalid"
    http_status = 422


class NotFound(WarroomError):
    code = "not_found"
    http_status = 404


class Conflict(WarroomError):
    code = "conflict"
    http_status = 409


class Unauthorized(WarroomError):
    code = "unauthorized"
    http_status = 401


class Forbidden(WarroomError):
    code = "forbidden"
    http_status = 403


class ConfigError(Exception):
    """Bad configuration: raised at start, names the setting."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting


class Throttled(WarroomError):
    """Too many attempts: try again in `retry_after` seconds (sent as Retry-After)."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = max(1, int(retry_after))
