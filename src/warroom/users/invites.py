"""Invite links: an admin creates one for a user; the user opens it and sets their password.

Single use, expiring (72 h by default), and a new invite for the same user revokes older unused
ones. The link holds 256 random bits; only their SHA-256 is stored, like API tokens.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warroom.core.clock import Clock
from warroom.core.context import Context
from warroom.core.errors import Invalid, NotFound
from warroom.users.models import Invite, User
from warroom.users.passwords import set_password
from warroom.users.service import hash_token, require_admin

DEFAULT_TTL = timedelta(hours=72)


@dataclass(frozen=True)
class Created:
    token: str
    expires_at: datetime

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/invite/{self.token}"


def create_invite(ctx: Context, user: User, ttl: timedelta = DEFAULT_TTL) -> Created:
    require_admin(ctx)
    if user.deactivated_at is not None:
        raise Invalid(f"{user.email} is deactivated; reactivate them first", field="user")
    now = ctx.now()
    ctx.db.execute(update(Invite).where(Invite.user_id == user.id, Invite.used_at.is_(None),
                                        Invite.revoked_at.is_(None)).values(revoked_at=now))
    token = secrets.token_urlsafe(32)
    ctx.db.add(Invite(user_id=user.id, token_hash=hash_token(token), created_at=now, expires_at=now + ttl,
                      created_by_id=ctx.actor.id if ctx.actor else None))
    ctx.db.flush()
    return Created(token, now + ttl)


def find_open_invite(db: Session, clock: Clock, token: str) -> Invite:
    """The invite behind a link, if it can still be used; NotFound says why not."""
    invite = db.scalar(select(Invite).where(Invite.token_hash == hash_token(token)))
    if invite is None or invite.revoked_at is not None:
        raise NotFound("this invite link is not valid (it may have been replaced by a newer one)", field="invite")
    if invite.used_at is not None:
        raise NotFound("this invite link was already used; sign in with your password", field="invite")
    if invite.expires_at <= clock.now():
        raise NotFound("this invite link has expired; ask an admin for a new one", field="invite")
    if invite.user.deactivated_at is not None:
        raise NotFound("this account is deactivated", field="invite")
    return invite


def redeem(ctx: Context, token: str, password: str, repeated: str) -> User:
    """Set the invited user's password and use up the invite (one transaction)."""
    invite = find_open_invite(ctx.db, ctx.clock, token)
    if password != repeated:
        raise Invalid("the two passwords differ", field="password")
    system = Context(db=ctx.db, actor=invite.user, clock=ctx.clock, policy=ctx.policy, base_url=ctx.base_url)
    set_password(system, invite.user, password)
    invite.used_at = ctx.now()
    ctx.db.flush()
    return invite.user
