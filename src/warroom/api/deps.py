"""Request dependencies: the runtime, the authenticated user, and a Context in one transaction.

GET and HEAD get a read session; every other method a write session that commits when the route
returns and rolls back whole if it raises. Routes return schema objects, built inside the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from warroom.core.context import Context
from warroom.core.runtime import Runtime
from warroom.users.models import User
from warroom.users.service import authenticate, token_needs_touch, touch_token


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _context(request: Request) -> Iterator[Context]:
    runtime = get_runtime(request)
    writes = request.method not in ("GET", "HEAD", "OPTIONS")
    session_factory = runtime.db.write_session if writes else runtime.db.read_session
    with session_factory() as session:
        user, token = authenticate(session, runtime.clock, _bearer(request))
        if token_needs_touch(token, runtime.clock):
            if writes:
                touch_token(session, token.id, runtime.clock)
            else:
                with runtime.db.write_session() as write:
                    touch_token(write, token.id, runtime.clock)
        request.state.user = user
        yield Context(db=session, actor=user, clock=runtime.clock, policy=runtime.policy)


Ctx = Annotated[Context, Depends(_context, scope="function")]


def current_user(ctx: Ctx) -> User:
    assert ctx.actor is not None
    return ctx.actor
