"""Request dependencies: the runtime, the authenticated user, and a Context in one transaction.

GET and HEAD get a read session; every other method a write session that commits when the route
returns and rolls back whole if it raises. Routes return schema objects, built inside the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from warroom.core.context import Context
from warroom.core.runtime import Runtime
from warroom.users.service import authenticate, token_needs_touch, touch_token


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


# Declares the bearer scheme in OpenAPI (so /docs has an Authorize button); the check is ours.
bearer_scheme = HTTPBearer(auto_error=False, description="An API token: `warroom token create EMAIL`")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def _context(request: Request, credentials: Credentials) -> Iterator[Context]:
    runtime = get_runtime(request)
    writes = request.method not in ("GET", "HEAD", "OPTIONS")
    session_factory = runtime.db.write_session if writes else runtime.db.read_session
    with session_factory() as session:
        user, token = authenticate(session, runtime.clock,
                                   credentials.credentials.strip() if credentials else None)
        stale = token_needs_touch(token, runtime.clock)
        token_id = token.id  # read now: the token is detached and expired once the session closes
        if stale and writes:
            touch_token(session, token.id, runtime.clock)
        request.state.user = user
        yield runtime.context(session, user)
    if stale and not writes:
        # After the read session is closed, so one request never holds two pooled connections.
        with runtime.db.write_session() as write:
            touch_token(write, token_id, runtime.clock)


Ctx = Annotated[Context, Depends(_context, scope="function")]
