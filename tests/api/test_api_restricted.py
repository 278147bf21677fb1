"""Restricted incidents are visible only to their participants (creator, role holders) and admins.

To anyone else they do not exist, through every route: reading by id or ref, lists and their
totals, filters and search, the timeline, edits, status, roles and stars all answer exactly like a
missing incident does.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from apihelpers import api_routes, assert_error, fill_path

UPDATE = {"whats_happening": "Exports are off.", "who_is_affected": "HR staff.",
          "what_we_are_doing": "Rotating links.", "next_update_at": "2099-01-01T00:00:00Z"}
# A valid body per incident route, so a refusal can only be about visibility.
BODIES: dict[tuple[str, str], dict | None] = {
    ("GET", "/api/v1/incidents/{incident}"): None,
    ("PATCH", "/api/v1/incidents/{incident}"): {"title": "Nothing to see"},
    ("POST", "/api/v1/incidents/{incident}/status"): {"status": "investigating"},
    ("POST", "/api/v1/incidents/{incident}/roles"): {"role": "responder", "user": "otto"},
    ("DELETE", "/api/v1/incidents/{incident}/roles/{role}/{user}"): None,
    ("GET", "/api/v1/incidents/{incident}/timeline"): None,
    ("POST", "/api/v1/incidents/{incident}/timeline"): {"body": "just looking"},
    ("PUT", "/api/v1/incidents/{incident}/timeline/{event_id}/star"): {"starred": False},
    ("POST", "/api/v1/incidents/{incident}/updates"): UPDATE,
    ("POST", "/api/v1/incidents/{incident}/updates/preview"): UPDATE,
    ("GET", "/api/v1/incidents/{incident}/updates"): None,
    ("GET", "/api/v1/incidents/{incident}/deliveries"): None,
    ("GET", "/api/v1/incidents/{incident}/postmortem"): None,
    ("POST", "/api/v1/incidents/{incident}/postmortem"): None,
    ("PUT", "/api/v1/incidents/{incident}/postmortem"): {"summary": "Nothing"},
    ("POST", "/api/v1/incidents/{incident}/postmortem/status"): {"status": "in_review"},
    ("POST", "/api/v1/incidents/{incident}/postmortem/reviewers"): {"user": "otto"},
    ("DELETE", "/api/v1/incidents/{incident}/postmortem/reviewers/{user}"): None,
    ("POST", "/api/v1/incidents/{incident}/postmortem/approve"): None,
    ("GET", "/api/v1/incidents/{incident}/postmortem/history"): None,
    ("GET", "/api/v1/incidents/{incident}/postmortem/export"): None,
    ("POST", "/api/v1/incidents/{incident}/action-items"): {"title": "Rotate links", "owner": "otto",
                                                            "due_on": "2099-01-01"},
    ("GET", "/api/v1/incidents/{incident}/action-items"): None,
    ("GET", "/api/v1/incidents/{incident}/pages"): None,
    ("POST", "/api/v1/incidents/{incident}/ack"): None,
    ("POST", "/api/v1/incidents/{incident}/escalate"): None,
    ("POST", "/api/v1/incidents/{incident}/repage"): None,
    ("GET", "/api/v1/incidents/{incident}/alerts"): None,
    ("GET", "/api/v1/incidents/{incident}/changes"): None,
}


@pytest.fixture
def secret(world, admin, responder, services, declare, clock):
    """INC-1: restricted, declared by rita (a responder) with carl as commander and paula as scribe.
    INC-2: an internal incident everyone sees. otto (responder) and vera (viewer) are outsiders."""
    services("payroll")
    carl, paula = world.person("carl"), world.person("paula")
    otto, vera = world.person("otto"), world.person("vera", "viewer")
    restricted = declare(responder, "Payroll export leaked salaries", "SEV1", visibility="restricted",
                         services=["payroll"], summary="Salary CSV visible to all staff",
                         commander="carl")
    r = responder.client.post("/api/v1/incidents/INC-1/roles", json={"role": "scribe", "user": "paula"})
    assert r.status_code == 200, r.text
    clock.advance(minutes=1)
    declare(responder, "Payroll page is slow", "SEV1", services=["payroll"])
    timeline = admin.client.get("/api/v1/incidents/INC-1/timeline").json()["items"]
    starred = [e for e in timeline if e["starred"]]
    return SimpleNamespace(incident=restricted, carl=carl, paula=paula, otto=otto, vera=vera,
                           event_id=starred[0]["id"], timeline=timeline)


def _incident_routes(app) -> list[tuple[str, str]]:
    routes = [(m, p) for m, p in api_routes(app) if "{incident}" in p]
    assert set(routes) == set(BODIES), "classify new incident routes in BODIES"
    return routes


def _refs(client, **params) -> tuple[list[str], int]:
    r = client.get("/api/v1/incidents", params=params)
    assert r.status_code == 200, r.text
    return [i["ref"] for i in r.json()["items"]], r.json()["total"]


FILTERS = [{}, {"status": "triage"}, {"status": "investigating,triage"}, {"status": "open"},
           {"severity": "SEV1"}, {"service": "payroll"}, {"q": "payroll"}, {"q": "SALARIES"},
           {"q": "csv visible"}, {"since": "2026-01-01T00:00:00Z"},
           {"status": "triage", "severity": "SEV1", "service": "payroll", "q": "payroll"}]


@pytest.mark.parametrize("outsider", ["otto", "vera"])
def test_every_incident_route_answers_404_like_a_missing_incident(world, secret, admin, outsider):
    person = getattr(secret, outsider)
    before = admin.client.get("/api/v1/incidents/INC-1").json()
    params = {"role": "scribe", "user": "paula", "event_id": secret.event_id}
    for method, template in _incident_routes(world.app):
        body = BODIES[(method, template)]
        missing = person.client.request(method, fill_path(template, {**params, "incident": "INC-999"}),
                                        json=body)
        missing_error = assert_error(missing, 404, "not_found", "incident")
        for key in ("INC-1", "inc-1", str(secret.incident["id"])):
            r = person.client.request(method, fill_path(template, {**params, "incident": key}), json=body)
            error = assert_error(r, 404, "not_found", "incident")
            assert error["message"] == missing_error["message"].replace("INC-999", key), (template, error)
    after = admin.client.get("/api/v1/incidents/INC-1").json()
    assert after == before
    assert admin.client.get("/api/v1/incidents/INC-1/timeline").json()["items"] == secret.timeline


@pytest.mark.parametrize("outsider", ["otto", "vera"])
def test_lists_filters_and_search_leave_it_out_of_items_and_totals(secret, admin, outsider):
    person = getattr(secret, outsider)
    for params in FILTERS:
        refs, total = _refs(admin.client, **params)
        assert "INC-1" in refs and total == len(refs), params
        refs, total = _refs(person.client, **params)
        assert "INC-1" not in refs, params
        assert total == len(refs), params
    assert _refs(person.client) == (["INC-2"], 1)
    assert _refs(person.client, q="salaries") == ([], 0)
    assert _refs(person.client, q="payroll", limit=1) == (["INC-2"], 1)
    page = person.client.get("/api/v1/incidents", params={"limit": 1}).json()
    assert page["next_cursor"] is None  # no further page hinting at a hidden incident


@pytest.mark.parametrize("who", ["responder", "carl", "paula", "admin"])
def test_participants_and_admins_see_it_everywhere(request, secret, who):
    person = request.getfixturevalue(who) if who in ("responder", "admin") else getattr(secret, who)
    c = person.client
    for key in ("INC-1", str(secret.incident["id"])):
        r = c.get(f"/api/v1/incidents/{key}")
        assert r.status_code == 200 and r.json()["title"] == "Payroll export leaked salaries"
    for params in FILTERS:
        refs, total = _refs(c, **params)
        assert "INC-1" in refs and total == len(refs), params
    assert _refs(c, q="salaries") == (["INC-1"], 1)
    assert [e["kind"] for e in c.get("/api/v1/incidents/INC-1/timeline").json()["items"]] == \
        [e["kind"] for e in secret.timeline]
    note = c.post("/api/v1/incidents/INC-1/timeline", json={"body": f"{who} is on it"})
    assert note.status_code == 201, note.text


def test_a_role_makes_an_outsider_a_participant(secret, responder):
    otto = secret.otto.client
    assert_error(otto.get("/api/v1/incidents/INC-1"), 404, "not_found")
    r = responder.client.post("/api/v1/incidents/INC-1/roles", json={"role": "responder", "user": "otto"})
    assert r.status_code == 200, r.text
    assert otto.get("/api/v1/incidents/INC-1").status_code == 200
    assert _refs(otto) == (["INC-2", "INC-1"], 2)
    assert otto.put(f"/api/v1/incidents/INC-1/timeline/{secret.event_id}/star",
                    json={"starred": False}).json()["starred"] is False
    # The viewer outsider still sees nothing.
    assert _refs(secret.vera.client) == (["INC-2"], 1)


def test_making_it_internal_shows_it_to_everyone_and_back(secret, responder):
    otto = secret.otto.client
    r = responder.client.patch("/api/v1/incidents/INC-1", json={"visibility": "internal"})
    assert r.status_code == 200 and r.json()["visibility"] == "internal"
    assert otto.get("/api/v1/incidents/INC-1").status_code == 200
    assert _refs(otto, q="salaries") == (["INC-1"], 1)
    r = responder.client.patch("/api/v1/incidents/INC-1", json={"visibility": "restricted"})
    assert r.status_code == 200
    assert_error(otto.get("/api/v1/incidents/INC-1"), 404, "not_found")
    assert _refs(otto, q="salaries") == ([], 0)


def test_its_events_cannot_be_reached_through_a_visible_incident(secret):
    # A cursor or a star naming an event of the hidden incident, sent through a visible one,
    # reveals nothing either.
    otto = secret.otto.client
    r = otto.get("/api/v1/incidents/INC-2/timeline", params={"cursor": str(secret.event_id)})
    error = assert_error(r, 422, "invalid", "cursor")
    assert "Payroll export" not in error["message"]
    r = otto.put(f"/api/v1/incidents/INC-2/timeline/{secret.event_id}/star", json={"starred": True})
    assert_error(r, 404, "not_found", "event")
