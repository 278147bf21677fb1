"""The steps every inbound endpoint takes, in order: find the integration by its key (any problem with
the key is one answer), admit the events under the integration's rate limit, then apply them."""

from __future__ import annotations

from warroom.alerts import ingest, integrations
from warroom.alerts.events import AlertEvent
from warroom.alerts.limits import RateLimiter, retry_after_seconds
from warroom.alerts.integrations import Sender
from warroom.core.context import Context
from warroom.core.errors import Throttled


class InvalidKey(Exception):
    """Unknown, revoked, malformed, or of another kind: deliberately one case."""


def authenticate(ctx: Context, key: str | None, kind: str | None = None) -> Sender:
    integration = integrations.find_by_key(ctx, key, kind)
    if integration is None:
        raise InvalidKey()
    return integration


def admit(ctx: Context, limiter: RateLimiter, integration: Sender, count: int = 1) -> None:
    """Raises Throttled, naming the integration and its limit, when `count` more events are over it."""
    wait = limiter.take(integration.id, integration.rate_limit_per_minute, ctx.now(), max(count, 1))
    if wait:
        seconds = retry_after_seconds(wait)
        raise Throttled(f"integration {integration.name!r} (id {integration.id}) accepts "
                        f"{integration.rate_limit_per_minute} events a minute; {count} more are over "
                        f"that limit: retry after {seconds} s", retry_after=seconds, field="integration")


def receive(ctx: Context, limiter: RateLimiter, integration: Sender,
            events: list[AlertEvent]) -> list[ingest.Outcome]:
    admit(ctx, limiter, integration, len(events))
    return ingest.apply_all(ctx, integration, events)
