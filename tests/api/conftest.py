"""Fixtures for the REST API tests. They run on SQLite by default and on PostgreSQL when
WARROOM_TEST_DATABASE_URL is set; everything goes through the real app and database."""

from __future__ import annotations

from collections.abc import Callable

import pytest

pytest.register_assert_rewrite("apihelpers")


@pytest.fixture
def declare() -> Callable[..., dict]:
    """declare(person, title=..., severity=..., **fields) -> the created incident's JSON."""

    def _declare(person, title: str = "Checkout is down", severity: str = "SEV2", **fields) -> dict:
        response = person.client.post("/api/v1/incidents",
                                      json={"title": title, "severity": severity, **fields})
        assert response.status_code == 201, response.text
        return response.json()

    return _declare


@pytest.fixture
def services(admin) -> Callable[..., None]:
    """services("checkout", "search") creates them through the API."""

    def _create(*names: str) -> None:
        for name in names:
            response = admin.client.post("/api/v1/services", json={"name": name})
            assert response.status_code == 201, response.text

    return _create
