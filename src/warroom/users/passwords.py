"""Passwords: argon2id hashes (argon2-cffi), checked in constant time, rehashed when parameters change."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete

from warroom.core.context import Context
from warroom.core.errors import Forbidden, Invalid
from warroom.users.models import User, WebSession

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; a bound keeps a megabyte "password" from costing CPU

_hasher = PasswordHasher()
# Verified against when there is no such user (or no password), so a wrong email takes as long as
# a wrong password and the timing does not tell which accounts exist.
_DUMMY_HASH = _hasher.hash("warroom-dummy-password-for-timing")


def check_strength(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise Invalid(f"a password needs at least {MIN_LENGTH} characters", field="password")
    if len(password) > MAX_LENGTH:
        raise Invalid(f"a password may have at most {MAX_LENGTH} characters", field="password")
    if not password.strip():
        raise Invalid("a password must not be only spaces", field="password")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_strength(password))


def set_password(ctx: Context, user: User, password: str) -> User:
    """Admins (and the system) set anyone's password, users their own. Every browser session of
    the user ends: whoever knew the old password is signed out."""
    if ctx.actor is not None and ctx.actor.id != user.id and not ctx.actor.is_admin:
        raise Forbidden("only admins can set another user's password")
    user.password_hash = hash_password(password)
    ctx.db.execute(delete(WebSession).where(WebSession.user_id == user.id))
    ctx.db.flush()
    return user


def verify_password(user: User | None, password: str) -> bool:
    """True when `password` is the user's. Takes the same time whether or not the user exists or has
    a password. On success, an outdated hash is replaced (the caller's transaction writes it)."""
    stored = user.password_hash if user is not None else None
    if len(password) > MAX_LENGTH:
        password = password[:MAX_LENGTH + 1]  # still wrong, not expensive
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if user is None or stored is None:
        return False
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
    return True


def change_own_password(ctx: Context, current: str, new: str, repeated: str) -> User:
    """The signed-in user replaces their password: the current one is required, the new one twice.
    Every browser session ends (set_password); the caller opens a fresh one for this browser."""
    user = ctx.actor
    if user is None:
        raise Forbidden("sign in to change your password")
    if not verify_password(user, current):
        raise Invalid("the current password is not right", field="current_password")
    if new != repeated:
        raise Invalid("the two new passwords differ", field="new_password")
    return set_password(ctx, user, new)
