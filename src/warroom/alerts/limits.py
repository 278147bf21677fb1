"""Per-integration rate limits: a token bucket per integration, refilled at the integration's limit
a minute, holding at most a minute's worth. One small entry per integration that sent something
(unknown keys never get one), so memory stays bounded however many events arrive. The limit is per
process: N web processes accept up to N times the limit in total."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime

MAX_TRACKED = 10_000


@dataclass
class _Bucket:
    tokens: float
    at: datetime


class RateLimiter:
    def __init__(self) -> None:
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, integration_id: int, per_minute: int, now: datetime, count: int = 1) -> float:
        """Take `count` events from the bucket: 0 when allowed, else the seconds to wait (nothing taken)."""
        rate = per_minute / 60.0
        with self._lock:
            bucket = self._buckets.get(integration_id)
            if bucket is None:
                if len(self._buckets) >= MAX_TRACKED:
                    self._buckets.clear()  # integrations come and go; a full reset only forgives
                bucket = self._buckets[integration_id] = _Bucket(float(per_minute), now)
            elapsed = max((now - bucket.at).total_seconds(), 0.0)
            bucket.tokens, bucket.at = min(float(per_minute), bucket.tokens + elapsed * rate), now
            if count > per_minute:
                return 60.0  # never fits: the sender must split it
            if bucket.tokens >= count:
                bucket.tokens -= count
                return 0.0
            return max((count - bucket.tokens) / rate, 0.001)

    def forget(self, integration_id: int) -> None:
        with self._lock:
            self._buckets.pop(integration_id, None)


def retry_after_seconds(wait: float) -> int:
    return max(1, math.ceil(wait))
