"""The per-integration rate limit: a token bucket a minute deep, refilled at the limit, with memory
bounded by the integrations that sent something (unknown keys never get a bucket)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from warroom.alerts import limits
from warroom.alerts.limits import RateLimiter

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def test_a_minutes_worth_at_once_then_the_refill_rate():
    limiter = RateLimiter()
    assert [limiter.take(1, 60, T0) for _ in range(60)] == [0.0] * 60
    assert limiter.take(1, 60, T0) == 1.0  # one a second refills
    assert limiter.take(1, 60, T0 + timedelta(seconds=1)) == 0.0
    assert limiter.take(1, 60, T0 + timedelta(seconds=1), count=3) == 3.0  # nothing taken when refused
    assert limiter.take(1, 60, T0 + timedelta(seconds=4), count=3) == 0.0


def test_integrations_have_their_own_buckets_and_a_batch_larger_than_the_limit_never_fits():
    limiter = RateLimiter()
    assert limiter.take(1, 2, T0, count=2) == 0.0 and limiter.take(1, 2, T0) > 0
    assert limiter.take(2, 2, T0) == 0.0
    assert limiter.take(3, 5, T0, count=6) == 60.0


def test_a_raised_limit_applies_at_once_and_memory_stays_bounded(monkeypatch):
    limiter = RateLimiter()
    limiter.take(1, 1, T0)
    assert limiter.take(1, 1, T0) > 0
    assert limiter.take(1, 600, T0 + timedelta(seconds=1)) == 0.0  # refills at the new rate
    monkeypatch.setattr(limits, "MAX_TRACKED", 100)
    for integration in range(1000):
        limiter.take(integration, 10, T0)
    assert len(limiter._buckets) <= 100


def test_unknown_keys_never_reach_the_limiter(world, runtime):
    for n in range(200):
        response = world.anonymous.post("/v2/enqueue", json={
            "routing_key": f"{n:032d}", "event_action": "trigger",
            "payload": {"summary": "x", "source": "y", "severity": "info"}})
        assert response.status_code == 400
        response = world.anonymous.post(f"/hooks/alertmanager/{n:032d}", json={})
        assert response.status_code == 400
    assert len(getattr(world.app.state, "alert_limiter", RateLimiter())._buckets) == 0
