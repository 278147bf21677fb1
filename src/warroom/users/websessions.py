"""Browser sessions and sign-in: opaque random tokens stored hashed, idle and absolute expiry, and a
throttle on failed sign-ins per account and per client address (in the database, so every web
process counts the same failures). All "now" comes from the clock."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from warroom.core.clock import Clock
from warroom.core.errors import Throttled
from warroom.users.models import SignInFailure, User, WebSession
from warroom.users.passwords import verify_password

IDLE_TIMEOUT = timedelta(hours=12)
ABSOLUTE_TIMEOUT = timedelta(days=7)
# last_seen_at is written at most this often, so reading pages stays reading.
SEEN_RESOLUTION = timedelta(minutes=1)

FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
# An address may be an office NAT with many people behind it: more room, still a wall for guessing.
MAX_FAILURES_PER_ADDRESS = 20


def hash_session_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Opened:
    session: WebSession
    token: str  # for the cookie; never stored


# --- throttle ------------------------------------------------------------------------------------

def _retry_after(db: Session, clause, limit: int, now: datetime) -> int | None:
    since = now - FAILURE_WINDOW
    times = list(db.scalars(select(SignInFailure.failed_at).where(clause, SignInFailure.failed_at > since)
                            .order_by(SignInFailure.failed_at.desc()).limit(limit)))
    if len(times) < limit:
        return None
    # Allowed again when the limit-th most recent failure leaves the window.
    return max(1, int((times[-1] + FAILURE_WINDOW - now).total_seconds()) + 1)


def check_throttle(db: Session, clock: Clock, email: str, address: str) -> None:
    now = clock.now()
    waits = [w for w in (
        _retry_after(db, SignInFailure.email == email, MAX_FAILURES_PER_ACCOUNT, now),
        _retry_after(db, SignInFailure.address == address, MAX_FAILURES_PER_ADDRESS, now),
    ) if w is not None]
    if waits:
        wait = max(waits)
        raise Throttled(f"too many failed sign-ins; try again in {_minutes(wait)}", retry_after=wait)


def _minutes(seconds: int) -> str:
    minutes = (seconds + 59) // 60
    return "1 minute" if minutes <= 1 else f"{minutes} minutes"


def record_failure(db: Session, clock: Clock, email: str, address: str) -> None:
    now = clock.now()
    # Forget what no longer counts, so the table stays the size of one window.
    db.execute(delete(SignInFailure).where(SignInFailure.failed_at <= now - FAILURE_WINDOW))
    db.add(SignInFailure(email=email[:254], address=address[:64], failed_at=now))
    db.flush()


def failure_count(db: Session, clock: Clock, email: str) -> int:
    since = clock.now() - FAILURE_WINDOW
    return db.scalar(select(func.count(SignInFailure.id)).where(
        SignInFailure.email == email, SignInFailure.failed_at > since)) or 0


# --- sign in and out -----------------------------------------------------------------------------

def sign_in(db: Session, clock: Clock, email: str, password: str, address: str) -> Opened | None:
    """Checks the throttle (raises Throttled), then the password. A wrong one is recorded and gives
    None, so the caller's transaction commits the failure; the right one opens a session."""
    email = email.strip().lower()[:254]
    address = (address or "unknown")[:64]
    check_throttle(db, clock, email, address)
    user = db.scalar(select(User).where(User.email == email))
    ok = verify_password(user, password)
    if not ok or user is None or user.deactivated_at is not None:
        record_failure(db, clock, email, address)
        return None
    db.execute(delete(SignInFailure).where(SignInFailure.email == email))
    return open_session(db, clock, user)


def open_session(db: Session, clock: Clock, user: User) -> Opened:
    now = clock.now()
    # The user's expired sessions go now: the table holds live sessions, not history.
    db.execute(delete(WebSession).where(WebSession.user_id == user.id, or_(
        WebSession.expires_at <= now, WebSession.last_seen_at <= now - IDLE_TIMEOUT)))
    token = secrets.token_urlsafe(32)
    session = WebSession(user_id=user.id, token_hash=hash_session_token(token),
                         csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now,
                         expires_at=now + ABSOLUTE_TIMEOUT)
    db.add(session)
    db.flush()
    return Opened(session=session, token=token)


def is_expired(session: WebSession, now: datetime) -> bool:
    return now >= session.expires_at or now - session.last_seen_at >= IDLE_TIMEOUT


def find_session(db: Session, clock: Clock, token: str | None) -> WebSession | None:
    """The live session for a cookie token, or None (no cookie, unknown, expired, user deactivated)."""
    if not token or len(token) > 200:
        return None
    session = db.scalar(select(WebSession).where(WebSession.token_hash == hash_session_token(token)))
    if session is None or is_expired(session, clock.now()) or session.user.deactivated_at is not None:
        return None
    return session


def needs_touch(session: WebSession, clock: Clock) -> bool:
    return clock.now() - session.last_seen_at >= SEEN_RESOLUTION


def touch(db: Session, clock: Clock, session_id: int) -> None:
    session = db.get(WebSession, session_id)
    if session is not None:
        session.last_seen_at = clock.now()


def sign_out(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(WebSession).where(WebSession.token_hash == hash_session_token(token)))


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected.encode(), given.encode())
