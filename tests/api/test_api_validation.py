"""Validation and errors (DESIGN.md, API conventions): strict types, unknown fields refused, clear
messages naming the field, the right status for each failure, and no half-writes."""

from __future__ import annotations

import pytest
from apihelpers import assert_error

INCIDENT = "/api/v1/incidents/INC-1"
ONE_MIB = 1024 * 1024


@pytest.fixture
def inc(admin, services, declare):
    """INC-1, SEV2 on checkout, in triage, with admin (ada) as commander."""
    services("checkout", "search")
    return declare(admin, "Checkout is down", "SEV2", services=["checkout"], commander="ada")


def _snapshot(admin) -> tuple[dict, dict, dict]:
    c = admin.client
    return (c.get(INCIDENT).json(), c.get(f"{INCIDENT}/timeline").json(),
            c.get("/api/v1/incidents").json())


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("POST", "/api/v1/incidents", {"title": 5, "severity": "SEV1"}, "title"),
    ("POST", "/api/v1/incidents", {"title": "x", "severity": 1}, "severity"),
    ("POST", "/api/v1/incidents", {"title": "x", "severity": "SEV1", "services": "checkout"}, "services"),
    ("POST", "/api/v1/incidents", {"title": "x", "severity": "SEV1", "labels": ["db", 3]}, "labels.1"),
    ("POST", "/api/v1/incidents", {"title": "x", "severity": "SEV1", "commander": 1.5}, "commander"),
    ("POST", "/api/v1/incidents", {"title": "x", "severity": "SEV1", "started_at": 1767225600},
     "started_at"),
    ("POST", "/api/v1/incidents", {"title": "x", "severity": "SEV1", "links": [{"url": 7}]},
     "links.0.url"),
    ("POST", "/api/v1/incidents", {"title": "x", "severity": "SEV1", "visibility": "secret"},
     "visibility"),
    ("POST", "/api/v1/triage", {"service_down": "yes", "users": "all", "feature": "core"}, "service_down"),
    ("POST", "/api/v1/triage", {"service_down": 1, "users": "all", "feature": "core"}, "service_down"),
    ("POST", "/api/v1/triage", {"service_down": True, "users": "everyone", "feature": "core"}, "users"),
    ("PATCH", INCIDENT, {"summary": 42}, "summary"),
    ("PATCH", INCIDENT, {"title": ""}, "title"),
    ("PATCH", INCIDENT, {"visibility": None}, "visibility"),
    ("POST", f"{INCIDENT}/timeline", {"body": 5}, "body"),
    ("POST", f"{INCIDENT}/timeline", {"body": "x", "starred": "true"}, "starred"),
    ("PUT", f"{INCIDENT}/timeline/1/star", {"starred": 1}, "starred"),
    ("PUT", f"{INCIDENT}/timeline/one/star", {"starred": True}, "event_id"),
    ("POST", f"{INCIDENT}/roles", {"role": "captain", "user": "ada"}, "role"),
    ("POST", f"{INCIDENT}/roles", {"role": "scribe", "user": True}, "user"),
    ("POST", f"{INCIDENT}/status", {"status": "done"}, "status"),
    ("POST", f"{INCIDENT}/status", {"status": "resolved", "resolution": 3}, "resolution"),
    ("POST", "/api/v1/services", {"name": ["checkout"]}, "name"),
    ("POST", "/api/v1/users", {"email": "x@example.com", "name": 5}, "name"),
    ("POST", "/api/v1/users", {"email": "x@example.com", "name": "X", "role": "root"}, "role"),
    ("POST", "/api/v1/tokens", {"name": 7}, "name"),
    ("DELETE", "/api/v1/tokens/abc", None, "token_id"),
    ("GET", "/api/v1/incidents?limit=ten", None, "limit"),
    ("GET", "/api/v1/incidents?limit=0", None, "limit"),
    ("GET", "/api/v1/incidents?limit=100000", None, "limit"),
    ("GET", "/api/v1/incidents?cursor=abc", None, "cursor"),
    ("GET", f"{INCIDENT}/timeline?starred=maybe", None, "starred"),
    ("GET", f"{INCIDENT}/timeline?order=sideways", None, "order"),
    ("GET", f"{INCIDENT}/timeline?cursor=abc", None, "cursor"),
    ("GET", "/api/v1/incidents/checkout", None, "incident"),
])
def test_wrong_types_and_values_are_422_naming_the_field(inc, admin, method, path, body, field):
    before = _snapshot(admin)
    r = admin.client.request(method, path, json=body)
    error = assert_error(r, 422, "invalid", field)
    assert error["message"].startswith(field.split(".")[0]) or field in error["message"], error
    assert _snapshot(admin) == before


def test_type_messages_say_what_was_expected(inc, admin):
    r = admin.client.post("/api/v1/incidents", json={"title": 5, "severity": "SEV1"})
    assert assert_error(r, 422, "invalid", "title")["message"] == "title must be a string, got number"
    r = admin.client.post("/api/v1/triage", json={"service_down": "yes", "users": "all", "feature": "core"})
    assert assert_error(r, 422)["message"] == "service_down must be true or false, got string"
    r = admin.client.post("/api/v1/incidents", json={"severity": "SEV1"})
    assert assert_error(r, 422, "invalid", "title")["message"] == "title is required"
    # A union (user id or handle) is one field with one message, not one per member type.
    r = admin.client.post("/api/v1/incidents", json={"title": "x", "severity": "SEV1", "commander": True})
    assert assert_error(r, 422, "invalid", "commander")["message"] == \
        "commander must be a string or an integer, got boolean"
    # Sibling fields with the same wrong value are not mistaken for a union.
    r = admin.client.post("/api/v1/incidents", json={"title": "x", "severity": "SEV1",
                                                     "links": [{"title": 5, "url": 5}]})
    assert assert_error(r, 422, "invalid")["field"] in ("links.0.title", "links.0.url")
    # A field called "body" is named as such.
    r = admin.client.post("/api/v1/incidents/INC-1/timeline", json={"body": 5})
    assert assert_error(r, 422, "invalid", "body")["message"] == "body must be a string, got number"
    r = admin.client.post("/api/v1/incidents", json={"title": "x", "severity": "SEV1",
                                                     "started_at": 1767225600})
    assert assert_error(r, 422, "invalid", "started_at")["message"] == \
        "started_at must be an ISO 8601 date-time, got number"


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/v1/incidents", {"title": "x", "severity": "SEV1"}),
    ("PATCH", INCIDENT, {"title": "x"}),
    ("POST", f"{INCIDENT}/status", {"status": "investigating"}),
    ("POST", f"{INCIDENT}/roles", {"role": "scribe", "user": "ada"}),
    ("POST", f"{INCIDENT}/timeline", {"body": "x"}),
    ("PUT", f"{INCIDENT}/timeline/1/star", {"starred": True}),
    ("POST", "/api/v1/services", {"name": "payments"}),
    ("POST", "/api/v1/users", {"email": "x@example.com", "name": "X"}),
    ("POST", "/api/v1/tokens", {"name": "x"}),
    ("POST", "/api/v1/triage", {"service_down": True, "users": "all", "feature": "core"}),
])
def test_unknown_fields_are_refused(inc, admin, method, path, body):
    before = _snapshot(admin)
    r = admin.client.request(method, path, json={**body, "colour": "red"})
    assert assert_error(r, 422, "invalid", "colour")["message"] == "colour is not a known field"
    assert _snapshot(admin) == before
    nested = {"title": "x", "severity": "SEV1", "links": [{"url": "https://x.example", "rel": "doc"}]}
    assert_error(admin.client.post("/api/v1/incidents", json=nested), 422, "invalid", "links.0.rel")


def test_unknown_severity_lists_the_allowed_ones(inc, admin):
    allowed = "allowed: SEV1, SEV2, SEV3, SEV4"
    for r in (admin.client.post("/api/v1/incidents", json={"title": "x", "severity": "SEV9"}),
              admin.client.patch(INCIDENT, json={"severity": "sev0"}),
              admin.client.get("/api/v1/incidents", params={"severity": "SEV1,P1"})):
        error = assert_error(r, 422, "invalid", "severity")
        assert allowed in error["message"], error


def test_unknown_status_filter_lists_the_allowed_ones(inc, admin):
    r = admin.client.get("/api/v1/incidents", params=[("status", "open"), ("status", "closed,done")])
    error = assert_error(r, 422, "invalid", "status")
    assert "'done'" in error["message"]
    assert "allowed: open, triage, investigating, identified, mitigated, resolved, closed, canceled" \
        in error["message"]


@pytest.mark.parametrize("raw", [b'{"title": "x", "severity": ', b"not json", b'{"title": "x",}',
                                 b"[1, 2]", b'"a string"', b"\xff\xfe"])
def test_malformed_json_is_400(inc, admin, raw):
    before = _snapshot(admin)
    for method, path in (("POST", "/api/v1/incidents"), ("PATCH", INCIDENT),
                         ("POST", f"{INCIDENT}/timeline")):
        r = admin.client.request(method, path, content=raw, headers={"content-type": "application/json"})
        assert_error(r, 400, "malformed")
    assert _snapshot(admin) == before


def _too_big() -> bytes:
    body = b'{"title": "Big", "severity": "SEV3", "summary": "' + b"x" * ONE_MIB + b'"}'
    assert len(body) > ONE_MIB
    return body


def test_body_over_1_mib_is_413_with_content_length(inc, admin):
    before = _snapshot(admin)
    r = admin.client.post("/api/v1/incidents", content=_too_big(),
                          headers={"content-type": "application/json"})
    assert r.request.headers["content-length"] == str(len(_too_big()))
    assert_error(r, 413, "too_large")
    assert _snapshot(admin) == before


def test_streamed_body_over_1_mib_is_413(inc, admin):
    body = _too_big()

    def chunks():
        for start in range(0, len(body), 64 * 1024):
            yield body[start:start + 64 * 1024]

    before = _snapshot(admin)
    for method, path in (("POST", "/api/v1/incidents"), ("POST", f"{INCIDENT}/timeline")):
        r = admin.client.request(method, path, content=chunks(),
                                 headers={"content-type": "application/json"})
        assert "content-length" not in r.request.headers
        assert_error(r, 413, "too_large")
    assert _snapshot(admin) == before


def test_a_body_just_under_the_limit_is_judged_on_its_content(inc, admin):
    body = b'{"body": "' + b"x" * (ONE_MIB - 100) + b'"}'
    r = admin.client.post(f"{INCIDENT}/timeline", content=body, headers={"content-type": "application/json"})
    assert_error(r, 422, "invalid", "body")  # too long for a note, but not too large for the API


def test_forbidden_transition_is_409_naming_allowed_ones_and_changes_nothing(inc, admin):
    before = _snapshot(admin)
    error = assert_error(admin.client.post(f"{INCIDENT}/status", json={"status": "closed"}), 409,
                         "conflict", "status")
    assert error["message"] == ("cannot move INC-1 from triage to closed; allowed: investigating, "
                                "identified, mitigated, resolved, canceled")
    assert _snapshot(admin) == before
    assert admin.client.post(f"{INCIDENT}/status", json={"status": "canceled"}).status_code == 200
    before = _snapshot(admin)
    for status in ("investigating", "triage", "canceled"):
        error = assert_error(admin.client.post(f"{INCIDENT}/status", json={"status": status}), 409,
                             "conflict", "status")
        assert "canceled" in error["message"]
    assert "allowed: none, it is final" in admin.client.post(
        f"{INCIDENT}/status", json={"status": "investigating"}).json()["error"]["message"]
    assert _snapshot(admin) == before


def test_leaving_triage_without_a_commander_is_409(admin, declare):
    declare(admin, "No one in charge", "SEV3")
    before = _snapshot(admin)
    error = assert_error(admin.client.post(f"{INCIDENT}/status", json={"status": "investigating"}),
                         409, "conflict", "status")
    assert "commander" in error["message"]
    assert _snapshot(admin) == before


@pytest.mark.parametrize("resolution", [None, "", "   \n"])
def test_resolving_needs_a_resolution(inc, admin, resolution):
    assert admin.client.post(f"{INCIDENT}/status", json={"status": "mitigated"}).status_code == 200
    before = _snapshot(admin)
    body = {"status": "resolved"} if resolution is None else {"status": "resolved", "resolution": resolution}
    error = assert_error(admin.client.post(f"{INCIDENT}/status", json=body), 422, "invalid", "resolution")
    assert "resolution" in error["message"]
    assert _snapshot(admin) == before
    assert before[0]["status"] == "mitigated" and before[0]["resolved_at"] is None


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("POST", "/api/v1/incidents", {"title": "x", "severity": "SEV1", "started_at": "2026-03-02T09:00:00"},
     "started_at"),
    ("POST", "/api/v1/incidents", {"title": "x", "severity": "SEV1", "detected_at": "2026-03-02 09:00"},
     "detected_at"),
    ("PATCH", INCIDENT, {"started_at": "2026-03-02T09:00:00"}, "started_at"),
    ("POST", f"{INCIDENT}/timeline", {"body": "x", "occurred_at": "2026-03-02T09:30:00"}, "occurred_at"),
    ("GET", "/api/v1/incidents?since=2026-03-01T00:00:00", None, "since"),
])
def test_naive_datetimes_are_refused_with_a_clear_message(inc, admin, method, path, body, field):
    before = _snapshot(admin)
    error = assert_error(admin.client.request(method, path, json=body), 422, "invalid", field)
    assert "timezone offset" in error["message"] and error["message"].startswith(field), error
    assert _snapshot(admin) == before


def test_future_times_are_refused(inc, admin, clock):
    future = clock.now().replace(year=2027).isoformat()
    for method, path, body, field in (
            ("POST", "/api/v1/incidents", {"title": "x", "severity": "SEV1", "started_at": future},
             "started_at"),
            ("PATCH", INCIDENT, {"detected_at": future}, "detected_at"),
            ("POST", f"{INCIDENT}/timeline", {"body": "x", "occurred_at": future}, "occurred_at")):
        error = assert_error(admin.client.request(method, path, json=body), 422, "invalid", field)
        assert "future" in error["message"]


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/api/v1/nothing-here", 404, "not_found"),
    ("GET", "/v2/nothing-here", 404, "not_found"),
    ("POST", f"{INCIDENT}/explode", 404, "not_found"),
    ("GET", "/api/v2/incidents", 404, "not_found"),
    ("DELETE", "/api/v1/incidents", 405, "method_not_allowed"),
    ("PUT", INCIDENT, 405, "method_not_allowed"),
])
def test_unknown_routes_and_methods_answer_json(world, admin, method, path, status, code):
    for client in (admin.client, world.anonymous):
        assert_error(client.request(method, path), status, code)


def test_unknown_pages_outside_the_api_answer_html(world):
    response = world.anonymous.get("/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no page here." in response.text


def test_missing_things_are_404_naming_what(inc, admin):
    assert_error(admin.client.get("/api/v1/incidents/INC-404"), 404, "not_found", "incident")
    assert_error(admin.client.get("/api/v1/incidents/404/timeline"), 404, "not_found", "incident")
    assert_error(admin.client.put(f"{INCIDENT}/timeline/99999/star", json={"starred": True}), 404,
                 "not_found", "event")
    assert_error(admin.client.delete(f"{INCIDENT}/roles/scribe/ada"), 404, "not_found", "user")
    assert_error(admin.client.delete("/api/v1/tokens/99999"), 404, "not_found", "token")


@pytest.mark.parametrize("patch", [
    {"title": "Checkout is fine actually", "severity": "SEV9"},
    {"severity": "SEV1", "services": ["checkout", "nonexistent"]},
    {"severity": "SEV1", "title": "   "},
    {"severity": "SEV1", "summary": "new", "visibility": None},
    {"labels": ["db"], "severity": "SEV1", "detected_at": "2030-01-01T00:00:00Z"},
])
def test_bad_input_never_half_writes(inc, admin, patch):
    before = _snapshot(admin)
    r = admin.client.patch(INCIDENT, json=patch)
    assert_error(r, 422, "invalid")
    assert _snapshot(admin) == before
    assert before[0]["severity"] == "SEV2" and before[0]["title"] == "Checkout is down"


def test_a_refused_declaration_leaves_no_trace_and_takes_no_number(admin, declare, services):
    services("checkout")
    for body, status, field in (
            ({"title": "x", "severity": "SEV1", "services": ["checkout", "nope"]}, 422, "services"),
            ({"title": "x", "severity": "SEV1", "commander": "nobody@example.com"}, 422, "commander"),
            ({"title": "   ", "severity": "SEV1"}, 422, "title")):
        assert_error(admin.client.post("/api/v1/incidents", json=body), status, field=field)
    assert admin.client.get("/api/v1/incidents").json()["total"] == 0
    assert declare(admin, "Real one", "SEV1")["ref"] == "INC-1"
