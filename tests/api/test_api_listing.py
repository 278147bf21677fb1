"""Listing incidents: filters (status, severity, service, text, since), totals, and cursor
pagination that is stable and complete; timeline pagination in both orders."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from apihelpers import assert_error, ts

# (title, severity, services, summary, status path after declaring)
CATALOG = [
    ("Checkout is down", "SEV1", ["checkout"], "Payments fail at the last step", ["resolved"]),
    ("Search results are stale", "SEV3", ["search"], "Index lag of 2h", ["investigating"]),
    ("Database failover", "SEV2", ["checkout", "db"], "Primary lost; replica promoted", ["mitigated"]),
    ("Login page typo", "SEV4", [], "A cosmetic DATABASE-free issue", ["canceled"]),
    ("Slow checkout for EU", "SEV2", ["checkout"], "p99 at 4s, see dash\\board", ["identified"]),
    ("Error rate 100% on /cart", "SEV1", ["checkout"], "", ["resolved", "closed"]),
    ("Search is down_ish", "SEV2", ["search"], "underscore in the title", []),
]


def publish_postmortem(client, ref: str) -> None:
    postmortem = f"/api/v1/incidents/{ref}/postmortem"
    why = {"question": "Why did it fail?", "answer": "The release had no canary stage."}
    assert client.put(postmortem, json={"whys": [why]}).status_code == 200
    for status in ("in_review", "published"):
        assert client.post(f"{postmortem}/status", json={"status": status}).status_code == 200


def _walk(client, path: str, **params) -> tuple[list[dict], list[dict]]:
    """All items of a paginated list, following next_cursor; also every page."""
    items, pages, cursor = [], [], None
    for _ in range(1000):
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        r = client.get(path, params=query)
        assert r.status_code == 200, r.text
        page = r.json()
        pages.append(page)
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items, pages
    raise AssertionError("pagination never ended")


@pytest.fixture
def catalog(admin, services, declare, clock):
    """INC-1..INC-7 from CATALOG, declared one hour apart, moved through their status paths."""
    services("checkout", "search", "db")
    for title, severity, names, summary, path in CATALOG:
        incident = declare(admin, title, severity, services=names, summary=summary, commander="ada")
        for status in path:
            body = {"status": status, "resolution": "fixed"} if status == "resolved" else {"status": status}
            if status == "closed":  # SEV1 closes once its postmortem is published
                publish_postmortem(admin.client, incident["ref"])
            r = admin.client.post(f"/api/v1/incidents/{incident['ref']}/status", json=body)
            assert r.status_code == 200, r.text
        clock.advance(hours=1)


def _refs(client, *params: tuple[str, str], **named) -> list[str]:
    r = client.get("/api/v1/incidents", params=list(params) + list(named.items()))
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == len(page["items"]), page  # all fit on one page here
    return [i["ref"] for i in page["items"]]


def test_newest_first_with_total(catalog, admin):
    page = admin.client.get("/api/v1/incidents").json()
    assert [i["ref"] for i in page["items"]] == [f"INC-{n}" for n in range(7, 0, -1)]
    assert page["total"] == 7 and page["next_cursor"] is None


def test_status_filter_repeat_comma_and_open(catalog, admin):
    c = admin.client
    assert _refs(c, status="resolved") == ["INC-1"]
    assert _refs(c, ("status", "resolved"), ("status", "closed")) == ["INC-6", "INC-1"]
    assert _refs(c, status="resolved,closed") == ["INC-6", "INC-1"]
    assert _refs(c, status=" resolved , closed ,") == ["INC-6", "INC-1"]
    assert _refs(c, status="open") == ["INC-7", "INC-5", "INC-3", "INC-2"]
    assert _refs(c, ("status", "open"), ("status", "canceled")) == ["INC-7", "INC-5", "INC-4", "INC-3",
                                                                    "INC-2"]
    assert _refs(c, status="triage") == ["INC-7"]


def test_severity_service_text_and_combined_filters(catalog, admin):
    c = admin.client
    assert _refs(c, severity="SEV1") == ["INC-6", "INC-1"]
    assert _refs(c, ("severity", "SEV1"), ("severity", "SEV4")) == ["INC-6", "INC-4", "INC-1"]
    assert _refs(c, severity="SEV2,SEV3") == ["INC-7", "INC-5", "INC-3", "INC-2"]
    assert _refs(c, service="checkout") == ["INC-6", "INC-5", "INC-3", "INC-1"]
    assert _refs(c, service="db") == ["INC-3"]
    assert _refs(c, service="payments") == []
    # q: title or summary, case-insensitive.
    assert _refs(c, q="checkout") == ["INC-5", "INC-1"]
    assert _refs(c, q="DATABASE") == ["INC-4", "INC-3"]
    assert _refs(c, q="replica PROMOTED") == ["INC-3"]
    assert _refs(c, q="nothing like this") == []
    # Wildcard characters are literal text, not patterns.
    assert _refs(c, q="100%") == ["INC-6"]
    assert _refs(c, q="%") == ["INC-6"]
    assert _refs(c, q="down_ish") == ["INC-7"]
    assert _refs(c, q="_") == ["INC-7"]
    assert _refs(c, q="\\") == ["INC-5"]
    assert _refs(c, service="checkout", severity="SEV2", status="open") == ["INC-5", "INC-3"]
    assert _refs(c, service="checkout", q="checkout", status="resolved") == ["INC-1"]


def test_since_filter_uses_the_offset(catalog, admin, clock):
    c = admin.client
    start = ts(c.get("/api/v1/incidents/INC-1").json()["declared_at"])
    assert _refs(c, since=start.isoformat()) == [f"INC-{n}" for n in range(7, 0, -1)]
    assert _refs(c, since=(start + timedelta(hours=5)).isoformat()) == ["INC-7", "INC-6"]
    zulu = (start + timedelta(hours=5, minutes=1)).isoformat().replace("+00:00", "Z")
    assert zulu.endswith("Z") and _refs(c, since=zulu) == ["INC-7"]
    # The same instant as INC-6's declaration, written at +02:00.
    plus_two = (start + timedelta(hours=5)).astimezone(timezone(timedelta(hours=2))).isoformat()
    assert plus_two.endswith("+02:00")
    assert _refs(c, since=plus_two) == ["INC-7", "INC-6"]
    assert _refs(c, since=(clock.now() + timedelta(days=1)).isoformat()) == []
    assert_error(c.get("/api/v1/incidents", params={"since": "yesterday"}), 422, "invalid", "since")


def test_pagination_is_stable_and_complete(admin, declare, clock):
    for n in range(23):
        declare(admin, f"Incident number {n + 1}", ("SEV1", "SEV2", "SEV3")[n % 3])
        if n % 4 == 0:
            clock.advance(seconds=1)  # several incidents share a declared_at: ordering must not care
    expected = [f"INC-{n}" for n in range(23, 0, -1)]
    for limit in (1, 5, 7, 23, 50):
        items, pages = _walk(admin.client, "/api/v1/incidents", limit=limit)
        refs = [i["ref"] for i in items]
        assert refs == expected, limit
        assert len(pages) == max(1, -(-23 // limit))
        assert all(p["total"] == 23 for p in pages)
        assert all(len(p["items"]) == limit for p in pages[:-1])
    items, pages = _walk(admin.client, "/api/v1/incidents", limit=3, severity="SEV2")
    assert [i["ref"] for i in items] == [r for r in expected if (int(r[4:]) - 1) % 3 == 1]
    assert all(p["total"] == 8 for p in pages) and len(pages) == 3


def test_declaring_during_a_walk_neither_duplicates_nor_skips(admin, declare):
    for n in range(10):
        declare(admin, f"Before {n}", "SEV3")
    first = admin.client.get("/api/v1/incidents", params={"limit": 4}).json()
    declare(admin, "Arrived mid-walk", "SEV1")
    rest, _ = _walk(admin.client, "/api/v1/incidents", limit=4)
    seen = [i["ref"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = admin.client.get("/api/v1/incidents", params={"limit": 4, "cursor": cursor}).json()
        seen += [i["ref"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [f"INC-{n}" for n in range(10, 0, -1)]
    assert [i["ref"] for i in rest][0] == "INC-11" and len(rest) == 11


def test_limit_bounds(admin):
    c = admin.client
    assert c.get("/api/v1/incidents", params={"limit": 200}).status_code == 200
    for limit in (0, -1, 201):
        assert_error(c.get("/api/v1/incidents", params={"limit": limit}), 422, "invalid", "limit")
    assert_error(c.get("/api/v1/incidents", params={"cursor": "x" * 30}), 422, "invalid", "cursor")


@pytest.fixture
def story_timeline(admin, declare, clock):
    """INC-1 with events whose occurred_at order differs from their insertion order."""
    declare(admin, "Checkout is down", "SEV1")
    base = clock.now()
    clock.advance(hours=2)
    offsets = [90, 5, 60, 5, 30, 115, 1, 45, 5, 100]  # minutes after declaring; repeats on purpose
    for n, minutes in enumerate(offsets):
        moment = (base + timedelta(minutes=minutes)).isoformat()
        r = admin.client.post("/api/v1/incidents/INC-1/timeline",
                              json={"body": f"note {n}", "occurred_at": moment, "starred": n % 3 == 0})
        assert r.status_code == 201, r.text
    assert admin.client.post("/api/v1/incidents/INC-1/roles",
                             json={"role": "commander", "user": "ada"}).status_code == 200
    full = admin.client.get("/api/v1/incidents/INC-1/timeline", params={"limit": 500}).json()
    assert full["next_cursor"] is None and len(full["items"]) == 12
    return full["items"]


def test_timeline_is_ordered_by_when_things_happened(story_timeline):
    keys = [(ts(e["occurred_at"]), e["id"]) for e in story_timeline]
    assert keys == sorted(keys)
    assert story_timeline[0]["kind"] == "declared" and story_timeline[-1]["kind"] == "commander_changed"
    assert [e["body"] for e in story_timeline[1:4]] == ["note 6", "note 1", "note 3"]
    assert all(ts(e["recorded_at"]) >= ts(e["occurred_at"]) for e in story_timeline)


@pytest.mark.parametrize("limit", [1, 2, 5, 11, 12, 13])
def test_timeline_pages_in_both_orders(admin, story_timeline, limit):
    path = "/api/v1/incidents/INC-1/timeline"
    ids = [e["id"] for e in story_timeline]
    oldest, pages = _walk(admin.client, path, limit=limit)
    assert [e["id"] for e in oldest] == ids
    assert all(len(p["items"]) == limit for p in pages[:-1])
    newest, _ = _walk(admin.client, path, limit=limit, order="newest")
    assert [e["id"] for e in newest] == ids[::-1]
    starred, _ = _walk(admin.client, path, limit=limit, starred="true")
    assert [e["id"] for e in starred] == [e["id"] for e in story_timeline if e["starred"]]
    assert len(starred) == 5  # declared and four starred notes
    starred_newest, _ = _walk(admin.client, path, limit=limit, starred="true", order="newest")
    assert [e["id"] for e in starred_newest] == [e["id"] for e in starred][::-1]


def test_timeline_cursor_from_another_incident_is_refused(admin, story_timeline, declare):
    declare(admin, "Another one", "SEV3")
    r = admin.client.get("/api/v1/incidents/INC-2/timeline", params={"cursor": story_timeline[3]["id"]})
    assert_error(r, 422, "invalid", "cursor")
    assert_error(admin.client.get("/api/v1/incidents/INC-1/timeline", params={"limit": 501}), 422,
                 "invalid", "limit")
