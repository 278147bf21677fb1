"""How people are reached when paged: their contact methods and notification rules.

A contact method is used for paging only once verified: a test message carries a six-digit code
(valid for an hour, kept only as a SHA-256) that the person sends back. Notification rules say
which method to use how many minutes after a page, separately for high and low urgency.

People manage their own; only responders and admins can be paged (viewers cannot be on call), so
viewers have nothing to set up here. Every operation runs in the caller's one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from warroom.core import outbox, webhooks
from warroom.core.context import Context
from warroom.core.errors import Conflict, Invalid, NotFound
from warroom.oncall.models import CONTACT_KINDS, URGENCIES, ContactMethod, NotificationRule
from warroom.oncall.paging_schemas import ContactMethodIn, NotificationRuleIn
from warroom.users.models import User
from warroom.users.service import require_writer

CODE_LIFETIME = timedelta(hours=1)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLACK_USER_RE = re.compile(r"^[UW][A-Z0-9]{2,20}$")
# One outbox transport per kind (warroom.oncall.page_transports sends them).
TRANSPORTS = {"email": "page_email", "slack": "page_slack", "webhook": "page_webhook"}


def _me(ctx: Context, *, writing: bool = True) -> User:
    if writing:
        require_writer(ctx)
    if ctx.actor is None:
        raise Invalid("contact methods belong to a person; act as one", field="user")
    return ctx.actor


def _check_address(kind: str, address: str) -> str:
    address = address.strip()
    if kind == "email" and not EMAIL_RE.match(address):
        raise Invalid(f"{address!r} is not an e-mail address", field="address")
    if kind == "slack" and not SLACK_USER_RE.match(address):
        raise Invalid("a Slack contact is a member id such as U024BE7LH (Profile → Copy member ID)",
                      field="address")
    if kind == "webhook":
        parts = urlsplit(address)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Invalid("a webhook contact is an http:// or https:// URL", field="address")
    return address


def list_methods(ctx: Context, user: User | None = None) -> list[ContactMethod]:
    owner = user or _me(ctx, writing=False)
    return list(ctx.db.scalars(select(ContactMethod).where(ContactMethod.user_id == owner.id)
                               .order_by(ContactMethod.id)))


def get_method(ctx: Context, method_id: int, *, field: str = "contact_method",
               missing: type[Invalid] | type[NotFound] = NotFound) -> ContactMethod:
    """One of the acting person's methods; someone else's is reported as missing."""
    me = _me(ctx)
    method = ctx.db.get(ContactMethod, method_id)
    if method is None or method.user_id != me.id:
        raise missing(f"you have no contact method {method_id}", field=field)
    return method


def add_method(ctx: Context, body: ContactMethodIn) -> ContactMethod:
    me = _me(ctx)
    assert body.kind in CONTACT_KINDS
    address = _check_address(body.kind, body.address)
    taken = ctx.db.scalar(select(ContactMethod.id).where(
        ContactMethod.user_id == me.id, ContactMethod.kind == body.kind, ContactMethod.address == address))
    if taken is not None:
        raise Conflict(f"you already have this {body.kind} contact (id {taken})", field="address")
    method = ContactMethod(user_id=me.id, kind=body.kind, address=address, label=body.label.strip(),
                           secret=webhooks.new_secret() if body.kind == "webhook" else "",
                           created_at=ctx.now())
    ctx.db.add(method)
    ctx.db.flush()
    return method


def remove_method(ctx: Context, method: ContactMethod) -> None:
    """Its notification rules go with it."""
    ctx.db.delete(method)
    ctx.db.flush()


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def send_test(ctx: Context, method: ContactMethod) -> outbox.OutboxMessage:
    """Queue a test message with a fresh verification code (an earlier code stops working)."""
    code = f"{secrets.randbelow(10 ** 6):06d}"
    method.verify_code_hash = _hash(code)
    method.verify_code_expires_at = ctx.now() + CODE_LIFETIME
    text = (f"This is a test message from Warroom to check that pages reach you here.\n\n"
            f"Your verification code: {code} (valid for one hour).")
    message = outbox.enqueue(ctx, TRANSPORTS[method.kind], target={"contact_method_id": method.id},
                             payload={"event": "contact.test", "subject": "Warroom test message", "text": text,
                                      "code": code},
                             subject=("contact_method", method.id), max_age=CODE_LIFETIME)
    ctx.db.flush()
    return message


def verify(ctx: Context, method: ContactMethod, code: str) -> ContactMethod:
    if method.verified_at is not None:
        return method
    expires = method.verify_code_expires_at
    if method.verify_code_hash is None or expires is None:
        raise Conflict("send a test message first; it carries the code", field="code")
    if ctx.now() >= expires:
        raise Invalid("the code has expired; send a new test message", field="code")
    if not hmac.compare_digest(method.verify_code_hash, _hash(code.strip())):
        raise Invalid("the code does not match the last test message", field="code")
    method.verified_at = ctx.now()
    method.verify_code_hash = method.verify_code_expires_at = None
    ctx.db.flush()
    return method


# --- notification rules -------------------------------------------------------------------------------

def list_rules(ctx: Context, user: User | None = None) -> list[NotificationRule]:
    owner = user or _me(ctx, writing=False)
    return list(ctx.db.scalars(select(NotificationRule).where(NotificationRule.user_id == owner.id)
                               .order_by(NotificationRule.urgency, NotificationRule.delay_minutes,
                                         NotificationRule.id)))


def add_rule(ctx: Context, body: NotificationRuleIn) -> NotificationRule:
    me = _me(ctx)
    assert body.urgency in URGENCIES
    method = get_method(ctx, body.contact_method, field="contact_method", missing=Invalid)
    if method.verified_at is None:
        raise Invalid(f"contact method {method.id} is not verified yet: send a test message and enter its code",
                      field="contact_method")
    same = ctx.db.scalar(select(NotificationRule.id).where(
        NotificationRule.contact_method_id == method.id, NotificationRule.urgency == body.urgency,
        NotificationRule.delay_minutes == body.delay_minutes))
    if same is not None:
        raise Conflict(f"rule {same} already does this", field="delay_minutes")
    rule = NotificationRule(user_id=me.id, contact_method_id=method.id, urgency=body.urgency,
                            delay_minutes=body.delay_minutes, created_at=ctx.now())
    ctx.db.add(rule)
    ctx.db.flush()
    return rule


def get_rule(ctx: Context, rule_id: int) -> NotificationRule:
    me = _me(ctx)
    rule = ctx.db.get(NotificationRule, rule_id)
    if rule is None or rule.user_id != me.id:
        raise NotFound(f"you have no notification rule {rule_id}", field="rule")
    return rule


def remove_rule(ctx: Context, rule: NotificationRule) -> None:
    ctx.db.delete(rule)
    ctx.db.flush()


def steps_for(ctx: Context, user: User, urgency: str) -> list[tuple[int, ContactMethod | None]]:
    """(delay in minutes, method) for paging `user`: their rules of this urgency with verified
    methods; without any, every verified method at once; without those, their account e-mail
    (None), so nobody on a policy is silently not paged."""
    rules = [r for r in list_rules(ctx, user) if r.urgency == urgency and r.contact_method.verified_at]
    if rules:
        return [(r.delay_minutes, r.contact_method) for r in rules]
    verified = [m for m in list_methods(ctx, user) if m.verified_at is not None]
    return [(0, m) for m in verified] or [(0, None)]
