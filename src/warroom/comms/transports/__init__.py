"""Outbox transports: how a queued message reaches e-mail, Slack, Teams or a webhook receiver.

Each registers itself with `warroom.core.outbox.transport(kind)` and is called by a worker with the
runtime and an Envelope, outside any transaction. It reads what it needs (the channel's settings and
secrets, the incident's thread) in short sessions of its own, at send time, so a fixed URL or a
rotated secret applies to messages already waiting.
"""

from warroom.comms.transports import email, slack, teams, webhook  # noqa: F401
