"""The CLI's REST client: one httpx connection to the server, every failure turned into a CliError.

The server owns all rules; this module only carries requests and turns what comes back into
something a person can act on at 3 a.m.: the API's own one-line error, or what to set when the
server cannot be reached or no token is configured.

Exit codes: 1 the server refused the request, 2 usage or configuration (no token, bad setting),
3 the server could not be reached or did not answer as a Warroom server does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import httpx

from warroom import __version__
from warroom.cli.output import CliError
from warroom.core.config import load_settings

EXIT_REFUSED = 1
EXIT_CONFIG = 2
EXIT_UNREACHABLE = 3
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
TOKEN_HINT = "create one on the server with `warroom token create EMAIL` and export it as WARROOM_TOKEN"


def segment(value: str | int) -> str:
    """One URL path segment: user input must never add path parts or a query string."""
    return quote(str(value).strip(), safe="")


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class ApiClient:
    def __init__(self, base_url: str, token: str | None, *, token_source: str = "WARROOM_TOKEN") -> None:
        self.base_url = base_url.rstrip("/")
        self.token = (token or "").strip() or None
        self.token_source = token_source
        self._http = httpx.Client(base_url=self.base_url, timeout=TIMEOUT,
                                  headers={"User-Agent": f"warroom-cli/{__version__}",
                                           "Accept": "application/json"})
        self._me: dict[str, Any] | None = None

    def close(self) -> None:
        self._http.close()

    # --- requests ------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, json: Any = None,
                params: dict[str, Any] | list[tuple[str, Any]] | None = None, text: bool = False) -> Any:
        """The API's JSON answer (or, with `text`, the body as text: exports); errors raise CliError."""
        if self.token is None:
            raise CliError(f"no API token: {TOKEN_HINT}", EXIT_CONFIG)
        if not (self.token.isascii() and self.token.isprintable() and " " not in self.token):
            # A mangled paste would otherwise fail inside httpx with an encoding traceback.
            raise CliError(f"{self.token_source} does not look like a token (it has spaces or unusual "
                           f"characters); {TOKEN_HINT}", EXIT_CONFIG)
        url = f"/api/v1{path}"
        try:
            response = self._http.request(method, url, json=json, params=params,
                                          headers={"Authorization": f"Bearer {self.token}"})
        except httpx.TimeoutException:
            raise CliError(f"the Warroom server at {self.base_url} did not answer in time "
                           "(check WARROOM_URL and that the server is healthy)", EXIT_UNREACHABLE) from None
        except httpx.TransportError as exc:
            reason = _one_line(str(exc) or type(exc).__name__, 120)
            raise CliError(f"cannot reach the Warroom server at {self.base_url} ({reason}); is it running? "
                           "Set WARROOM_URL to its address", EXIT_UNREACHABLE) from None
        if response.is_success:
            return response.text if text else self._json(response)
        raise self._error(response)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=_query(params))

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("POST", path, json=body)

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PUT", path, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def pages(self, path: str, *, follow: bool, **params: Any) -> Iterator[dict[str, Any]]:
        """Each page of a cursor-paged list; the next ones only when `follow` is set."""
        while True:
            page = self.get(path, **params)
            yield page
            if not follow or not page.get("next_cursor"):
                return
            params = {**params, "cursor": page["next_cursor"]}

    # --- users ---------------------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        if self._me is None:
            self._me = self.get("/users/me")
        return self._me

    def user_key(self, value: str) -> str | int:
        """'me' is whoever holds the token; anything else (email, handle, id) goes as typed."""
        return self.me()["id"] if value.strip().lower() == "me" else value.strip()

    # --- responses -----------------------------------------------------------------------------

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise CliError(f"{self.base_url} answered HTTP {response.status_code} without JSON; "
                           "is WARROOM_URL the address of a Warroom server?", EXIT_UNREACHABLE) from None

    def _error(self, response: httpx.Response) -> CliError:
        try:
            error = response.json().get("error")
        except (ValueError, AttributeError):
            error = None
        if not isinstance(error, dict) or "message" not in error:
            # Not our API speaking: a proxy, another service on that port, a wrong path prefix.
            body = _one_line(response.text, 120) or response.reason_phrase
            if response.headers.get("location"):
                body += f" (redirects to {response.headers['location']})"
            return CliError(f"HTTP {response.status_code} from {self.base_url}: {body} "
                            "(is WARROOM_URL the address of a Warroom server?)", EXIT_UNREACHABLE)
        message = _one_line(error["message"])
        if response.status_code == 401:
            message = f"{message} ({self.token_source}); {TOKEN_HINT}"
        elif response.status_code == 429 and response.headers.get("retry-after"):
            message = f"{message}; retry after {response.headers['retry-after']}s"
        field = error.get("field") if isinstance(error.get("field"), str) else None
        return CliError(message, EXIT_REFUSED, field=field)


def _query(params: dict[str, Any]) -> list[tuple[str, Any]]:
    """Drop unset filters; repeat a key for each value of a list (?status=a&status=b)."""
    pairs: list[tuple[str, Any]] = []
    for key, value in params.items():
        if value is None or value == [] or value is False:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, "true" if item is True else item))
    return pairs


@contextmanager
def connect() -> Iterator[ApiClient]:
    """A client for the server named by WARROOM_URL (or the config file), with WARROOM_TOKEN."""
    settings = load_settings()
    client = ApiClient(settings.url, settings.token,
                       token_source=settings.source.get("token", "WARROOM_TOKEN"))
    try:
        yield client
    finally:
        client.close()
