"""Atom and RSS feeds of the public page, rendered from a Snapshot with feedgen.

One entry per public update: each incident update and each maintenance update (a canceled
maintenance's last word included: readers who saw it scheduled should hear it is off), newest
first, linking to the permalink of its incident or maintenance. A feed reader shows entries as
they come, so an update is an entry, not an edit of an earlier one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from feedgen.feed import FeedGenerator

from warroom.statuspage.snapshot import Snapshot
from warroom.statuspage.statuspage_json import incident_link, maintenance_link

FEED_LIMIT = 100  # entries: a reader polls often; older updates are on the page's history
ATOM_PATH, RSS_PATH = "feed.atom", "feed.rss"
# Characters XML 1.0 cannot carry at all: one pasted into an update must not break the feed.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    at: datetime
    body: str


def status_words(status: str) -> str:
    """A public status as readers see it: in_progress -> In progress."""
    return status.replace("_", " ").capitalize()


def entries(snap: Snapshot, limit: int = FEED_LIMIT) -> list[Entry]:
    """Every public update on the snapshot, newest first (at equal times, incidents before maintenances)."""
    found = []
    for incident in snap.incidents:
        link = incident_link(snap.page.url, incident.public_id)
        found.extend(Entry(id=f"{link}#{u.public_id}", title=f"{incident.name}: {status_words(u.status)}",
                           link=link, at=u.at, body=u.body) for u in incident.updates)
    for maintenance in snap.maintenances:
        link = maintenance_link(snap.page.url, maintenance.public_id)
        found.extend(Entry(id=f"{link}#{u.public_id}", title=f"{maintenance.name}: {status_words(u.status)}",
                           link=link, at=u.at, body=u.body) for u in maintenance.updates)
    found.sort(key=lambda entry: entry.at, reverse=True)
    return found[:limit]


def atom(snap: Snapshot) -> bytes:
    return _feed(snap, f"{snap.page.url.rstrip('/')}/{ATOM_PATH}").atom_str(pretty=True)


def rss(snap: Snapshot) -> bytes:
    return _feed(snap, f"{snap.page.url.rstrip('/')}/{RSS_PATH}").rss_str(pretty=True)


def xml_text(text: str) -> str:
    """`text` without the characters XML cannot hold (the badge uses it too)."""
    return _NOT_XML.sub("", text)


def _feed(snap: Snapshot, self_url: str) -> FeedGenerator:
    page = snap.page
    items = entries(snap)
    feed = FeedGenerator()
    feed.id(page.url)
    feed.title(xml_text(f"{page.name} - Incident History"))  # as Statuspage titles its feeds
    feed.description(xml_text(f"Incidents and maintenance on {page.name}"))
    feed.author({"name": xml_text(page.name)})  # the page, never a responder
    feed.link(href=self_url, rel="self")
    feed.link(href=page.url, rel="alternate")  # last: feedgen takes the last link as RSS's <link>
    feed.generator("Warroom")
    feed.language("en")
    feed.updated(max([page.updated_at, *(item.at for item in items)]))
    for item in items:
        entry = feed.add_entry(order="append")  # feedgen prepends by default; ours are newest first
        entry.id(item.id)
        entry.guid(item.id, permalink=False)
        entry.title(xml_text(item.title))
        entry.link(href=item.link, rel="alternate")
        entry.published(item.at)
        entry.updated(item.at)
        entry.description(xml_text(item.body))
    return feed
