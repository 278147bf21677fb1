"""Users and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.core.clock import Clock
from warroom.core.context import Context
from warroom.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized, WarroomError
from warroom.users.models import ROLES, ApiToken, User, WebSession

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HANDLE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
TOKEN_PREFIX = "wr_"
# Writing last_used_at on every request would turn each read into a write; a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def require_admin(ctx: Context) -> None:
    """The system actor (local admin commands on the server's own database) is allowed too."""
    if ctx.actor is not None and not ctx.actor.is_admin:
        raise Forbidden("only admins can do this")


def require_writer(ctx: Context) -> None:
    if ctx.actor is not None and not ctx.actor.can_write:
        raise Forbidden("viewers can read but not change anything")


def validate_timezone(name: str, field: str = "timezone") -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown timezone {name!r}; use an IANA name such as Europe/Berlin", field=field) from None
    return name


def _handle_from_email(email: str) -> str:
    local = re.sub(r"[^a-z0-9._-]", "", email.split("@", 1)[0].lower()) or "user"
    return local[:64]


def create_user(
    ctx: Context, *, email: str, name: str, role: str = "responder", handle: str | None = None,
    timezone: str = "UTC",
) -> User:
    require_admin(ctx)
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise Invalid(f"not an email address: {email!r}", field="email")
    if not name.strip():
        raise Invalid("name must not be empty", field="name")
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; allowed: {', '.join(ROLES)}", field="role")
    validate_timezone(timezone)
    handle = (handle or _handle_from_email(email)).lower()
    if not HANDLE_RE.match(handle):
        raise Invalid("handle may use a-z, 0-9, '.', '_' and '-' (up to 64)", field="handle")
    if ctx.db.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user with email {email} already exists", field="email")
    if ctx.db.scalar(select(User.id).where(User.handle == handle)) is not None:
        raise Conflict(f"the handle {handle!r} is taken", field="handle")
    user = User(email=email, name=name.strip(), handle=handle, timezone=timezone, role=role,
                created_at=ctx.now())
    ctx.db.add(user)
    try:
        ctx.db.flush()
    except IntegrityError:
        raise Conflict(f"a user with email {email} or handle {handle} already exists") from None
    return user


def count_users(db: Session) -> int:
    return db.scalar(select(func.count(User.id))) or 0


def find_user(db: Session, ref: str | int, *, field: str = "user",
              missing: type[WarroomError] = NotFound) -> User:
    """A user by id, email or handle (with or without a leading @).

    `missing` is the error for no such user: NotFound when the user is the thing asked for (a path),
    Invalid when a request body names someone who does not exist.
    """
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        user = db.get(User, int(ref))
    else:
        text = ref.strip().lower().lstrip("@")
        user = db.scalar(select(User).where(or_(User.email == text, User.handle == text)))
    if user is None or user.deactivated_at is not None:
        raise missing(f"no such user: {ref}", field=field)
    return user


def list_users(db: Session) -> list[User]:
    return list(db.scalars(select(User).where(User.deactivated_at.is_(None)).order_by(User.id)))


@dataclass(frozen=True)
class Activity:
    """What the users list shows beside a person: when they were last seen and their live tokens."""

    last_seen_at: datetime | None
    tokens: int


def list_all_users(ctx: Context) -> list[tuple[User, Activity]]:
    """Every user, deactivated ones last, for admins. Last seen is the latest of a web session's
    last request and an API token's last use; sessions end on sign-out, so it is only "if known"."""
    require_admin(ctx)
    seen = dict(ctx.db.execute(select(WebSession.user_id, func.max(WebSession.last_seen_at))
                               .group_by(WebSession.user_id)).all())
    used = dict(ctx.db.execute(select(ApiToken.user_id, func.max(ApiToken.last_used_at))
                               .group_by(ApiToken.user_id)).all())
    live = dict(ctx.db.execute(select(ApiToken.user_id, func.count(ApiToken.id))
                               .where(ApiToken.revoked_at.is_(None)).group_by(ApiToken.user_id)).all())
    people = ctx.db.scalars(select(User).order_by(User.deactivated_at.is_not(None), User.name, User.id))
    result = []
    for user in people:
        times = [t for t in (seen.get(user.id), used.get(user.id)) if t is not None]
        result.append((user, Activity(max(times) if times else None, live.get(user.id, 0))))
    return result


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(ctx: Context, user: User, name: str = "cli") -> tuple[ApiToken, str]:
    """Returns the stored token and its plaintext, which is never stored and shown only now."""
    if ctx.actor is not None and ctx.actor.id != user.id:
        require_admin(ctx)
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("token name must be 1 to 100 characters", field="name")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(plaintext),
                     prefix=plaintext[:10], created_at=ctx.now())
    ctx.db.add(token)
    ctx.db.flush()
    return token, plaintext


def list_tokens(db: Session, user: User) -> list[ApiToken]:
    return list(db.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(ctx: Context, token_id: int) -> ApiToken:
    token = ctx.db.get(ApiToken, token_id)
    if token is None or (ctx.actor is not None and token.user_id != ctx.actor.id and not ctx.actor.is_admin):
        raise NotFound(f"no such token: {token_id}", field="token")
    if token.revoked_at is None:
        token.revoked_at = ctx.now()
    return token


def revoke_token_by_prefix(ctx: Context, user: User, prefix: str) -> ApiToken:
    tokens = [t for t in list_tokens(ctx.db, user) if t.prefix.startswith(prefix) or str(t.id) == prefix]
    if len(tokens) != 1:
        raise NotFound(f"{user.email} has {len(tokens)} tokens matching {prefix!r}", field="token")
    return revoke_token(ctx, tokens[0].id)


def authenticate(db: Session, clock: Clock, plaintext: str | None) -> tuple[User, ApiToken]:
    if not plaintext:
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    token = db.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext)))
    if token is None or token.revoked_at is not None:
        raise Unauthorized("invalid or revoked token")
    user = db.get(User, token.user_id)
    if user is None or user.deactivated_at is not None:
        raise Unauthorized("the token's user is deactivated")
    return user, token


def token_needs_touch(token: ApiToken, clock: Clock) -> bool:
    return token.last_used_at is None or clock.now() - token.last_used_at >= LAST_USED_RESOLUTION


def touch_token(db: Session, token_id: int, clock: Clock) -> None:
    token = db.get(ApiToken, token_id)
    if token is not None:
        token.last_used_at = clock.now()


def update_profile(ctx: Context, user: User, *, name: str | None = None, timezone: str | None = None) -> User:
    """A user changes their own name and timezone (admins anyone's)."""
    if ctx.actor is not None and ctx.actor.id != user.id:
        require_admin(ctx)
    if name is not None:
        if not name.strip() or len(name.strip()) > 200:
            raise Invalid("name must be 1 to 200 characters", field="name")
        user.name = name.strip()
    if timezone is not None:
        user.timezone = validate_timezone(timezone.strip())
    ctx.db.flush()
    return user


def _other_active_admins(ctx: Context, user: User) -> int:
    return len([u for u in list_users(ctx.db) if u.is_admin and u.id != user.id])


def set_role(ctx: Context, user: User, role: str) -> User:
    require_admin(ctx)
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; allowed: {', '.join(ROLES)}", field="role")
    if user.is_admin and role != "admin" and _other_active_admins(ctx, user) == 0:
        raise Conflict("this is the last admin; make someone else admin first", field="role")
    user.role = role
    ctx.db.flush()
    return user


def set_active(ctx: Context, user: User, active: bool) -> User:
    """Deactivate (signs them out everywhere, tokens stop working) or reactivate a user."""
    require_admin(ctx)
    if active:
        user.deactivated_at = None
    elif user.deactivated_at is None:
        if user.is_admin and _other_active_admins(ctx, user) == 0:
            raise Conflict("this is the last admin; make someone else admin first", field="user")
        user.deactivated_at = ctx.now()
        ctx.db.execute(delete(WebSession).where(WebSession.user_id == user.id))
    ctx.db.flush()
    return user


def other_sessions(db: Session, user: User, current_session_id: int) -> int:
    """How many other browsers are signed in as this user."""
    return db.scalar(select(func.count(WebSession.id)).where(
        WebSession.user_id == user.id, WebSession.id != current_session_id)) or 0


def sign_out_elsewhere(ctx: Context, user: User, current_session_id: int) -> int:
    """End every web session of the user but the current one (a lost phone, a shared computer)."""
    if ctx.actor is not None and ctx.actor.id != user.id:
        require_admin(ctx)
    ended = ctx.db.execute(delete(WebSession).where(WebSession.user_id == user.id,
                                                    WebSession.id != current_session_id))
    return ended.rowcount or 0
