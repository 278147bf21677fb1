"""Numbers no row id can be, and characters no database text can hold, are refused or not found:
never a 500 (PostgreSQL's ids are 32-bit, and it refuses NUL in text)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path, statuses", [
    ("/api/v1/incidents/99999999999", {404}),
    ("/api/v1/incidents/INC-99999999999", {404}),
    ("/api/v1/incidents/%C2%B2", {422}),  # '²' is a digit to str.isdigit, not to int()
    ("/api/v1/incidents?cursor=99999999999999999999", {422}),
    ("/api/v1/alerts?incident=INC-99999999999", {404}),
    ("/api/v1/alerts?service=a%00b", {422}),
    ("/api/v1/incidents?service=99999999999", {200}),  # a filter that matches nothing
])
def test_out_of_range_references_are_answered_not_crashed(responder, path, statuses):
    response = responder.client.get(path)
    assert response.status_code in statuses, response.text
    assert response.status_code == 200 or "error" in response.json()
