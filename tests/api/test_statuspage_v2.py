"""/api/v2/*.json: Atlassian Statuspage's public API v2, field for field (every object is checked
against the exact key set and types Statuspage sends), what each document holds, that nothing
private reaches it, and its caching (ETag, Last-Modified, 304, Cache-Control).

Incidents and their updates are made through our own API; components, groups and maintenance
through the status page's domain functions, as an admin would."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from apihelpers import assert_error
from warroom.statuspage import components, maintenance, publishing
from warroom.statuspage.statuspage_json import timestamp
from warroom.users.models import User

PAGE_KEYS = {"id", "name", "url", "time_zone", "updated_at"}
STATUS_KEYS = {"indicator", "description"}
COMPONENT_KEYS = {"id", "name", "status", "created_at", "updated_at", "position", "description", "showcase",
                  "start_date", "group_id", "page_id", "group", "only_show_if_degraded"}
GROUP_KEYS = COMPONENT_KEYS | {"components"}
INCIDENT_KEYS = {"id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "impact",
                 "shortlink", "started_at", "page_id", "incident_updates", "components"}
UPDATE_KEYS = {"id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
               "affected_components", "deliver_notifications", "custom_tweet", "tweet_id"}
MAINTENANCE_KEYS = INCIDENT_KEYS | {"scheduled_for", "scheduled_until"}

INDICATORS = {"none", "minor", "major", "critical", "maintenance"}
COMPONENT_STATUSES = {"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
IMPACTS = {"none", "minor", "major", "critical"}
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")

DOCUMENT_KEYS = {
    "summary.json": {"page", "components", "incidents", "scheduled_maintenances", "status"},
    "status.json": {"page", "status"},
    "components.json": {"page", "components"},
    "incidents.json": {"page", "incidents"},
    "incidents/unresolved.json": {"page", "incidents"},
    "scheduled-maintenances.json": {"page", "scheduled_maintenances"},
    "scheduled-maintenances/upcoming.json": {"page", "scheduled_maintenances"},
    "scheduled-maintenances/active.json": {"page", "scheduled_maintenances"},
}


# --- shape checks -----------------------------------------------------------------------------------

def stamp(value, *, nullable: bool = False) -> None:
    if value is None and nullable:
        return
    assert isinstance(value, str) and STAMP.match(value), value


def check_page(page: dict) -> None:
    assert set(page) == PAGE_KEYS, page
    assert all(isinstance(page[k], str) for k in ("id", "name", "url", "time_zone"))
    stamp(page["updated_at"])


def check_component(c: dict, page_id: str) -> None:
    assert set(c) == (GROUP_KEYS if c["group"] else COMPONENT_KEYS), c
    assert c["status"] in COMPONENT_STATUSES and c["page_id"] == page_id
    assert isinstance(c["id"], str) and isinstance(c["name"], str) and type(c["position"]) is int
    assert c["description"] is None or isinstance(c["description"], str)
    assert all(type(c[k]) is bool for k in ("showcase", "group", "only_show_if_degraded"))
    stamp(c["created_at"]), stamp(c["updated_at"])
    if c["group"]:
        assert c["group_id"] is None and c["start_date"] is None
        assert all(isinstance(child, str) for child in c["components"])
    else:
        assert c["group_id"] is None or isinstance(c["group_id"], str)
        assert re.match(r"^\d{4}-\d\d-\d\d$", c["start_date"]), c["start_date"]


def check_update(u: dict, parent: dict, statuses: set[str]) -> None:
    assert set(u) == UPDATE_KEYS, u
    assert u["status"] in statuses and u["incident_id"] == parent["id"]
    assert isinstance(u["id"], str) and isinstance(u["body"], str)
    stamp(u["created_at"]), stamp(u["updated_at"]), stamp(u["display_at"])
    assert u["affected_components"] is None or isinstance(u["affected_components"], list)
    assert type(u["deliver_notifications"]) is bool
    assert u["custom_tweet"] is None and u["tweet_id"] is None


def check_event(obj: dict, page_id: str, *, keys: set[str], statuses: set[str], impacts: set[str]) -> None:
    assert set(obj) == keys, obj
    assert obj["status"] in statuses and obj["impact"] in impacts and obj["page_id"] == page_id
    assert isinstance(obj["id"], str) and isinstance(obj["name"], str) and isinstance(obj["shortlink"], str)
    stamp(obj["created_at"]), stamp(obj["updated_at"]), stamp(obj["started_at"])
    stamp(obj["monitoring_at"], nullable=True), stamp(obj["resolved_at"], nullable=True)
    for update in obj["incident_updates"]:
        check_update(update, obj, statuses)
    for component in obj["components"]:
        assert component["group"] is False
        check_component(component, page_id)


def check_document(name: str, body: dict) -> None:
    """Every object in a v2 document has Statuspage's exact keys, types and enums."""
    assert set(body) == DOCUMENT_KEYS[name], body.keys()
    check_page(body["page"])
    page_id = body["page"]["id"]
    if "status" in body:
        assert set(body["status"]) == STATUS_KEYS and body["status"]["indicator"] in INDICATORS
        assert isinstance(body["status"]["description"], str)
    for component in body.get("components", []):
        check_component(component, page_id)
    for incident in body.get("incidents", []):
        check_event(incident, page_id, keys=INCIDENT_KEYS, statuses=INCIDENT_STATUSES, impacts=IMPACTS)
    for m in body.get("scheduled_maintenances", []):
        check_event(m, page_id, keys=MAINTENANCE_KEYS, statuses=MAINTENANCE_STATUSES, impacts={"maintenance"})
        stamp(m["scheduled_for"]), stamp(m["scheduled_until"])


# --- building the page's content ----------------------------------------------------------------------

class Content:
    """What the public page shows, made by Ada (an admin) as she would in the product."""

    def __init__(self, world, admin, clock) -> None:
        self.runtime, self.admin, self.clock = world.runtime, admin, clock
        self.public = world.anonymous

    def get(self, name: str, **headers):
        response = self.public.get(f"/api/v2/{name}", headers=headers)
        assert response.status_code in (200, 304), (name, response.status_code, response.text)
        return response

    def doc(self, name: str) -> dict:
        body = self.get(name).json()
        check_document(name, body)
        return body

    def domain(self, operation):
        with self.runtime.db.write_session() as session:
            return operation(self.runtime.context(session, session.get(User, self.admin.user.id)))

    def component(self, name: str, **fields) -> str:
        return self.domain(lambda ctx: components.create_component(ctx, name, **fields).public_id)

    def group(self, name: str, **fields) -> str:
        return self.domain(lambda ctx: components.create_group(ctx, name, **fields).public_id)

    def api(self, path: str, body: dict, status: int = 200) -> dict:
        response = self.admin.client.post(f"/api/v1/{path}", json=body)
        assert response.status_code == status, response.text
        return response.json()

    def declare(self, title: str, severity: str = "SEV2", **fields) -> str:
        fields.setdefault("commander", self.admin.email)  # moving out of triage needs one
        return self.api("incidents", {"title": title, "severity": severity, **fields}, 201)["ref"]

    def update(self, ref: str, happening: str, audience: str = "public") -> None:
        self.api(f"incidents/{ref}/updates", {
            "audience": audience, "whats_happening": happening, "who_is_affected": "Card payers",
            "what_we_are_doing": "Rolling back",
            "next_update_at": (self.clock.now() + timedelta(minutes=30)).isoformat()}, 201)

    def status(self, ref: str, status: str, **fields) -> None:
        self.api(f"incidents/{ref}/status", {"status": status, **fields})

    def maintenance(self, title: str, *, starts_in: timedelta, hours: float = 2, refs: tuple[str, ...] = ()) -> str:
        starts = self.clock.now() + starts_in
        return self.domain(lambda ctx: maintenance.schedule(
            ctx, title=title, starts_at=starts, ends_at=starts + timedelta(hours=hours),
            component_refs=list(refs)).public_id)

    def move(self, public_id: str, status: str) -> None:
        self.domain(lambda ctx: maintenance.move(ctx, maintenance.get_maintenance(ctx, public_id), status))


@pytest.fixture
def content(world, admin, clock, services) -> Content:
    services("checkout", "search")
    return Content(world, admin, clock)


def by_id(items: list[dict]) -> dict[str, dict]:
    return {item["id"]: item for item in items}


# --- the documents ------------------------------------------------------------------------------------

def test_every_document_has_statuspages_shape_on_a_busy_page(content, clock):
    group = content.group("Payments", description="Paying for things")
    checkout = content.component("Checkout", service="checkout", group=group, description="The basket")
    search = content.component("Search", service="search", position=1)
    ref = content.declare("Card payments fail", "SEV1", visibility="public", services=["checkout"])
    content.update(ref, "Card payments fail for everyone")
    content.status(ref, "mitigated")
    content.update(ref, "A fix is in; watching")
    content.maintenance("Search index rebuild", starts_in=timedelta(days=1), refs=(search,))
    content.maintenance("Checkout database upgrade", starts_in=timedelta(0), refs=(checkout,))

    for name in DOCUMENT_KEYS:
        content.doc(name)
    summary = content.doc("summary.json")
    assert summary["page"]["time_zone"] == "UTC" and summary["page"]["url"].endswith("/status")
    [incident] = summary["incidents"]
    assert (incident["name"], incident["status"], incident["impact"]) == \
        ("Card payments fail", "monitoring", "critical")
    assert incident["monitoring_at"] is not None and incident["resolved_at"] is None
    assert incident["shortlink"] == f"{summary['page']['url']}/incidents/{incident['id']}"
    assert [u["status"] for u in incident["incident_updates"]] == ["monitoring", "investigating"]  # newest first
    assert incident["incident_updates"][0]["body"].startswith("A fix is in; watching")
    assert [c["id"] for c in incident["components"]] == [checkout]
    assert [(m["name"], m["status"]) for m in summary["scheduled_maintenances"]] == [
        ("Checkout database upgrade", "in_progress"), ("Search index rebuild", "scheduled")]
    assert summary["status"] == {"indicator": "minor", "description": "Minor Service Outage"}


def test_groups_are_components_with_their_members_ids(content):
    payments = content.group("Payments", position=1)
    content.group("Empty group", position=2)
    card = content.component("Cards", group=payments, position=0)
    wallet = content.component("Wallets", group=payments, position=1)
    api = content.component("API", position=0)

    listed = content.doc("components.json")["components"]
    assert [(c["name"], c["group"]) for c in listed] == [
        ("API", False), ("Payments", True), ("Cards", False), ("Wallets", False), ("Empty group", True)]
    found = by_id(listed)
    assert found[payments]["components"] == [card, wallet] and found[payments]["showcase"] is False
    assert found[card]["group_id"] == payments and found[wallet]["group_id"] == payments
    assert found[api]["group_id"] is None and "components" not in found[api]
    assert [c for c in listed if c["name"] == "Empty group"][0]["components"] == []
    assert content.doc("summary.json")["components"] == listed


def test_unresolved_and_recent_incidents(content, clock):
    content.component("Checkout", service="checkout")
    old = content.declare("Slow search", "SEV3", visibility="public", services=["search"])
    content.update(old, "Search is slow")
    content.status(old, "resolved", resolution="Reindexed")
    clock.advance(minutes=5)
    open_ref = content.declare("Checkout errors", "SEV2", visibility="public", services=["checkout"])
    content.status(open_ref, "identified")

    every = content.doc("incidents.json")["incidents"]
    assert [(i["name"], i["status"]) for i in every] == [("Checkout errors", "identified"), ("Slow search", "resolved")]
    assert every[1]["resolved_at"] is not None and every[1]["impact"] == "minor"
    assert every[0]["impact"] == "major" and every[0]["incident_updates"] == []
    unresolved = content.doc("incidents/unresolved.json")["incidents"]
    assert [i["name"] for i in unresolved] == ["Checkout errors"]
    assert content.doc("summary.json")["incidents"] == unresolved
    assert content.doc("status.json")["status"] == {"indicator": "major", "description": "Partial System Outage"}

    one = content.get(f"incidents/{every[1]['id']}.json").json()
    assert set(one) == {"page", "incident"} and one["incident"] == every[1]
    assert_error(content.public.get("/api/v2/incidents/nosuchincident.json"), 404, "not_found")
    assert_error(content.public.get("/api/v2/incidents/NOT-AN-ID!.json"), 404, "not_found")


def test_an_incident_older_than_the_documents_is_still_served_by_id(content, clock):
    old = content.declare("Old outage", "SEV3", visibility="public")
    content.update(old, "It was slow")
    content.status(old, "resolved", resolution="Fixed")
    [listed] = content.doc("incidents.json")["incidents"]
    for n in range(50):  # the 50 most recent push it out of incidents.json
        clock.advance(minutes=1)
        content.declare(f"Outage {n}", "SEV4", visibility="public")
    assert listed["id"] not in {i["id"] for i in content.doc("incidents.json")["incidents"]}
    one = content.get(f"incidents/{listed['id']}.json").json()
    assert one["incident"]["name"] == "Old outage" and one["incident"]["status"] == "resolved"
    assert [u["body"].split("\n")[0] for u in one["incident"]["incident_updates"]] == ["It was slow"]
    check_event(one["incident"], one["page"]["id"], keys=INCIDENT_KEYS, statuses=INCIDENT_STATUSES, impacts=IMPACTS)


def test_maintenance_documents_by_status(content, clock):
    api = content.component("API")
    upcoming = content.maintenance("Upcoming", starts_in=timedelta(days=2), refs=(api,))
    active = content.maintenance("Running", starts_in=timedelta(0), refs=(api,))
    content.move(active, "verifying")
    done = content.maintenance("Done", starts_in=timedelta(0))
    content.move(done, "completed")
    canceled = content.maintenance("Called off", starts_in=timedelta(days=3))
    content.move(canceled, "canceled")

    listed = by_id(content.doc("scheduled-maintenances.json")["scheduled_maintenances"])
    assert set(listed) == {upcoming, active, done}, "canceled is no Statuspage status: left out"
    assert listed[active]["status"] == "verifying" and listed[active]["monitoring_at"] is not None
    assert [u["status"] for u in listed[active]["incident_updates"]] == ["verifying", "in_progress", "scheduled"]
    assert listed[done]["resolved_at"] is not None and listed[upcoming]["resolved_at"] is None
    assert listed[upcoming]["scheduled_for"] == timestamp(clock.now() + timedelta(days=2), ZoneInfo("UTC"))
    assert listed[upcoming]["shortlink"].endswith(f"/status/maintenance/{upcoming}")
    for name, expected in (("upcoming", [upcoming]), ("active", [active])):
        listed_here = content.doc(f"scheduled-maintenances/{name}.json")["scheduled_maintenances"]
        assert [m["id"] for m in listed_here] == expected, name
    summary = content.doc("summary.json")
    assert [m["id"] for m in summary["scheduled_maintenances"]] == [active, upcoming]
    assert by_id(summary["components"])[api]["status"] == "under_maintenance"
    assert summary["status"]["indicator"] == "maintenance"


def test_nothing_private_reaches_any_document(content, admin, responder):
    content.component("Checkout", service="checkout")
    content.declare("INTERNAL-TITLE outage", "SEV1", services=["checkout"])
    content.declare("RESTRICTED-TITLE outage", "SEV1", visibility="restricted", services=["checkout"])
    ref = content.declare("Card payments fail", "SEV2", visibility="public", services=["checkout"],
                          summary="SUMMARY-PRIVATE", impact="IMPACT-PRIVATE",
                          commander=responder.email)
    content.update(ref, "Card payments fail")
    content.update(ref, "INTERNAL-UPDATE db01 disk full", audience="internal")
    content.update(ref, "CUSTOMER-UPDATE wording", audience="customers")
    content.api(f"incidents/{ref}/timeline", {"body": "NOTE-PRIVATE ssh into db01"}, 201)

    bodies = "".join(content.get(name).text for name in DOCUMENT_KEYS)
    for secret in ("INTERNAL-TITLE", "RESTRICTED-TITLE", "INTERNAL-UPDATE", "CUSTOMER-UPDATE", "NOTE-PRIVATE",
                   "SUMMARY-PRIVATE", "IMPACT-PRIVATE", "INC-", admin.email, responder.email,
                   admin.user.name, responder.user.name):
        assert secret not in bodies, secret
    [incident] = content.doc("incidents.json")["incidents"]
    assert [u["body"].split("\n")[0] for u in incident["incident_updates"]] == ["Card payments fail"]
    assert content.doc("status.json")["status"]["indicator"] == "major"


def test_an_incident_made_internal_leaves_every_document(content):
    content.component("Checkout", service="checkout")
    ref = content.declare("Checkout errors", "SEV2", visibility="public", services=["checkout"])
    public_id = content.doc("incidents.json")["incidents"][0]["id"]
    assert content.get(f"incidents/{public_id}.json").status_code == 200
    response = content.admin.client.patch(f"/api/v1/incidents/{ref}", json={"visibility": "internal"})
    assert response.status_code == 200, response.text
    assert content.doc("incidents.json")["incidents"] == []
    assert_error(content.public.get(f"/api/v2/incidents/{public_id}.json"), 404, "not_found")


def test_timestamps_are_in_the_pages_timezone_with_milliseconds(content):
    content.component("API")

    def berlin(ctx):
        publishing.page(ctx).timezone = "Europe/Berlin"
        publishing.changed(ctx)

    content.domain(berlin)
    body = content.doc("components.json")
    assert body["page"]["time_zone"] == "Europe/Berlin"
    assert body["components"][0]["created_at"] == "2026-03-02T11:00:00.000+01:00"  # T0 is 10:00 UTC
    moment = datetime(2026, 7, 1, 8, 30, 15, 123456, tzinfo=timezone.utc)
    assert timestamp(moment, ZoneInfo("UTC")) == "2026-07-01T08:30:15.123Z"
    assert timestamp(moment, ZoneInfo("Europe/Berlin")) == "2026-07-01T10:30:15.123+02:00"
    assert timestamp(moment, ZoneInfo("America/Chicago")) == "2026-07-01T03:30:15.123-05:00"
    assert timestamp(None, ZoneInfo("UTC")) is None


# --- caching ------------------------------------------------------------------------------------------

def test_conditional_gets_and_caching_headers(content):
    content.component("API")
    first = content.get("summary.json")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    cache_control = first.headers["cache-control"]
    assert re.search(r"max-age=\d+", cache_control) and re.search(r"stale-while-revalidate=\d+", cache_control)
    assert "public" in cache_control and first.headers["access-control-allow-origin"] == "*"
    assert first.headers["content-type"].startswith("application/json")

    again = content.get("summary.json", **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert content.get("summary.json", **{"If-Modified-Since": modified}).status_code == 304
    assert content.get("summary.json", **{"If-None-Match": '"something-else"'}).status_code == 200
    head = content.public.head("/api/v2/summary.json")  # what uptime monitors send
    assert head.status_code == 200 and head.headers["etag"] == etag
    # Each document is its own response: another document does not answer to this one's ETag.
    assert content.get("status.json", **{"If-None-Match": etag}).status_code == 200


def test_a_public_change_makes_a_new_etag_and_a_private_one_does_not(content, clock):
    content.component("Checkout", service="checkout")
    ref = content.declare("Checkout errors", "SEV2", visibility="public", services=["checkout"])
    before = content.get("incidents.json")
    private = content.declare("Internal only", "SEV2", services=["checkout"])
    content.update(ref, "INTERNAL words", audience="internal")
    content.api(f"incidents/{private}/timeline", {"body": "a note"}, 201)
    assert content.get("incidents.json").headers["etag"] == before.headers["etag"]

    clock.advance(minutes=1)
    content.update(ref, "Checkout fails for some card payers")
    after = content.get("incidents.json", **{"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert "Checkout fails for some card payers" in after.text


def test_a_crowd_of_readers_costs_one_build(content, world):
    content.component("API")
    for _ in range(20):
        for name in DOCUMENT_KEYS:
            content.get(name)
    assert world.app.state.status_cache.builds == 1


def test_the_day_after_a_quiet_night_is_served(content, clock):
    content.component("API")
    content.get("status.json")
    clock.advance(days=1)  # nothing changed since yesterday: the cache rebuilds for the new day
    response = content.get("status.json")
    assert response.headers["last-modified"].endswith(" GMT")


def test_bodies_are_gzipped_for_clients_that_accept_it(content):
    for n in range(12):
        content.component(f"Component {n:02d}")
    plain = content.get("components.json", **{"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and len(plain.content) > 1024
    zipped = content.get("components.json", **{"Accept-Encoding": "br;q=1, gzip;q=0.8"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.content == plain.content and zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    for tag in (zipped.headers["etag"], plain.headers["etag"]):  # either revalidates
        assert content.public.get("/api/v2/components.json", headers={"If-None-Match": tag}).status_code == 304
    refused = content.get("components.json", **{"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
