"""What every service operation is given: the session it writes in, who acts, the clock and the policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from warroom.core.clock import Clock

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from warroom.incidents.policy import SeverityPolicy
    from warroom.users.models import User


@dataclass
class Context:
    db: Session
    actor: User | None  # None only for the system itself (workers, migrations)
    clock: Clock
    policy: SeverityPolicy
    # Where this Warroom is reached (WARROOM_URL), for links in outgoing messages.
    base_url: str = "http://127.0.0.1:8000"
    # How long outgoing messages are retried before they are dead-lettered (WARROOM_OUTBOX_MAX_AGE).
    outbox_max_age: timedelta = timedelta(hours=24)
    _now: datetime | None = field(default=None, repr=False)

    def now(self) -> datetime:
        """The moment of this operation: read once, so every stamp one operation writes agrees
        (a SEV1 declared with a commander is acknowledged exactly when it is declared)."""
        if self._now is None:
            self._now = self.clock.now()
        return self._now
