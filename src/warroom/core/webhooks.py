"""Outgoing HTTP for the outbox's transports: Standard Webhooks signing and one POST with the
retry classification every transport shares.

Standard Webhooks (standardwebhooks.com): headers `webhook-id` (the message's idempotency key, the
same on every retry), `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`
(`v1,` + base64 HMAC-SHA256 over "{id}.{timestamp}.{body}" with the base64-decoded secret that
follows `whsec_`), so receivers can verify with the `standardwebhooks` library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from datetime import datetime

import httpx

from warroom.core.outbox import DeliveryFailed

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
RETRYABLE_4XX = {408, 409, 425, 429}
USER_AGENT = "Warroom-Webhooks/1"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        return base64.b64decode(secret.removeprefix("whsec_"))
    return secret.encode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, message_id: str, sent_at: datetime, body: bytes) -> dict[str, str]:
    timestamp = int(sent_at.timestamp())
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, message_id, timestamp, body)}


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def client() -> httpx.Client:
    """One pooled client per process: keep-alive to receivers, and the TLS context built once
    (building it per request costs tens of milliseconds)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(timeout=TIMEOUT, follow_redirects=False,
                                   limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
                                   headers={"user-agent": USER_AGENT})
        return _client


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: httpx.Timeout = TIMEOUT) -> httpx.Response:
    """POST once. 2xx returns the response; anything else raises DeliveryFailed, permanent for a
    4xx that a retry cannot fix (bad URL, auth, payload), retryable for 5xx, 408/429, timeouts and
    connection errors."""
    try:
        response = client().post(url, content=body, timeout=timeout,
                                 headers={"content-type": "application/json", **headers})
    except httpx.TimeoutException:
        raise DeliveryFailed(f"timed out after {TIMEOUT.read:.0f} s") from None
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"could not connect: {type(exc).__name__}: {exc}") from None
    if response.is_success:
        return response
    detail = f"HTTP {response.status_code}: {response.text[:300]}".strip()
    permanent = 400 <= response.status_code < 500 and response.status_code not in RETRYABLE_4XX
    raise DeliveryFailed(detail, permanent=permanent)
