"""Fixtures for the web app: real HTTP through the app (TestClient) on the real database.

`web.browser(person)` is a browser signed in as that person (a TestClient with its own cookie jar);
`web.anonymous()` one that is not signed in yet.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from warroom.users import passwords

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Browser:
    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, path: str, **kwargs):
        return self.client.get(path, follow_redirects=False, **kwargs)

    def post(self, path: str, data: dict, **kwargs):
        return self.client.post(path, data=data, follow_redirects=False, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD, next_path: str = "/"):
        page = self.get(f"/signin?next={next_path}")
        assert page.status_code == 200, page.text
        return self.post("/signin", {"csrf_token": csrf_of(page.text), "email": email,
                                     "password": password, "next": next_path})

    def csrf(self) -> str:
        page = self.get("/")
        assert page.status_code == 200, page.text
        return csrf_of(page.text)

    @property
    def session_cookie(self) -> str | None:
        return self.client.cookies.get("warroom_session")


class Web:
    def __init__(self, world) -> None:
        self.world = world

    def set_password(self, person, password: str = PASSWORD) -> None:
        with self.world.runtime.db.write_session() as session:
            ctx = self.world.runtime.system_context(session)
            passwords.set_password(ctx, session.merge(person.user), password)

    def anonymous(self, *, base_url: str = "http://testserver", address: str = "192.0.2.10") -> Browser:
        return Browser(TestClient(self.world.app, base_url=base_url, client=(address, 50000)))

    def browser(self, person, **kwargs) -> Browser:
        self.set_password(person)
        browser = self.anonymous(**kwargs)
        response = browser.sign_in(person.email)
        assert response.status_code == 303, response.text
        return browser


@pytest.fixture
def web(world) -> Web:
    return Web(world)
