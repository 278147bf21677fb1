"""API shapes of status page subscribers (admins). A webhook subscriber's signing secret appears in
SubscriberCreated only: it is shown once, when the subscriber is added."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from warroom.statuspage.models import Subscriber
from warroom.statuspage.subscriptions import status_of


class SubscriberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["email", "webhook"]
    target: StrictStr = Field(min_length=1, max_length=500,
                              description="The e-mail address, or the webhook's http(s) URL")
    components: list[StrictStr] = Field(default_factory=list, max_length=200,
                                        description="Component public ids or names; empty means every component")
    confirmed: StrictBool = Field(default=False, description=(
        "E-mail only: the person has already agreed, so no confirmation mail is sent. Without it "
        "a confirmation mail goes out and the subscriber is pending until the link is followed."))


class SubscriberOut(BaseModel):
    id: int
    kind: str
    target: str
    components: list[str] = Field(description="Component public ids; empty means every component")
    component_names: list[str] = Field(description="The names of those components (removed ones left out)")
    status: Literal["pending", "active", "unsubscribed"]
    created_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None

    @classmethod
    def of(cls, subscriber: Subscriber, names: dict[str, str], **extra) -> SubscriberOut:
        """`names`: subscriptions.component_names()."""
        chosen = list(subscriber.components or [])
        return cls(id=subscriber.id, kind=subscriber.kind, target=subscriber.target, components=chosen,
                   component_names=[names[ref] for ref in chosen if ref in names], status=status_of(subscriber),
                   created_at=subscriber.created_at, confirmed_at=subscriber.confirmed_at,
                   unsubscribed_at=subscriber.unsubscribed_at, **extra)


class SubscriberCreated(SubscriberOut):
    secret: str | None = Field(description="A webhook's Standard Webhooks signing secret (whsec_...): "
                                           "shown this once, never again; null for e-mail")


class SubscriberPage(BaseModel):
    items: list[SubscriberOut]
    total: int
    next_cursor: str | None
