"""Everything a running Warroom process shares: settings, database, clock and severity policy."""

from __future__ import annotations

from dataclasses import dataclass

from warroom.core.clock import Clock, SystemClock
from warroom.core.config import Settings, load_settings
from warroom.core.context import Context
from warroom.core.db import Database
from warroom.incidents.policy import SeverityPolicy, load_policy
from warroom.jobs import load_all_handlers
from warroom.models import load_all_models


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    policy: SeverityPolicy

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, clock: Clock | None = None) -> Runtime:
        load_all_models()
        load_all_handlers()
        settings = settings or load_settings()
        policy = load_policy(settings.policy_file)
        return cls(settings=settings, db=Database(settings.database_url), clock=clock or SystemClock(),
                   policy=policy)

    def context(self, session, actor) -> Context:
        return Context(db=session, actor=actor, clock=self.clock, policy=self.policy,
                       base_url=self.settings.url.rstrip("/"), outbox_max_age=self.settings.outbox_max_age)

    def system_context(self, session) -> Context:
        """A context acting as the system: for admin commands on the server's own database."""
        return self.context(session, None)
