"""The services page: admins edit a service's description and owning team."""

from __future__ import annotations

from conftest import csrf_of


def _service(person, name="checkout", **fields):
    r = person.client.post("/api/v1/services", json={"name": name, **fields})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_admins_edit_a_service_and_bad_input_changes_nothing(world, web, admin):
    service_id = _service(admin, description="Cart", owning_team="Payments")
    boss = web.browser(admin)
    page = boss.get("/services").text
    assert f'action="/services/{service_id}"' in page and "Save checkout" in page
    token = csrf_of(page)
    r = boss.post(f"/services/{service_id}", {"csrf_token": token, "description": "Cart and orders",
                                              "owning_team": "Checkout squad"})
    assert r.status_code == 303 and r.headers["location"] == f"/services#service-{service_id}"
    [service] = admin.client.get("/api/v1/services").json()
    assert (service["description"], service["owning_team"]) == ("Cart and orders", "Checkout squad")

    refused = boss.post(f"/services/{service_id}", {"csrf_token": token, "description": "Changed",
                                                    "owning_team": "t" * 101})
    assert refused.status_code == 422 and "longer than 100" in refused.text
    assert 'value="Changed"' in refused.text and "<details class=\"service-edit\" open" in refused.text
    [service] = admin.client.get("/api/v1/services").json()
    assert service["description"] == "Cart and orders"  # nothing of the refused edit was kept
    assert boss.post("/services/9999", {"csrf_token": token, "description": "x"}).status_code == 404


def test_responders_and_viewers_cannot_edit_services(world, web, admin, responder, viewer):
    service_id = _service(admin, owning_team="Payments")
    for person in (responder, viewer):
        browser = web.browser(person)
        page = browser.get("/services").text
        assert "Payments" in page and f'action="/services/{service_id}"' not in page
        r = browser.post(f"/services/{service_id}", {"csrf_token": csrf_of(browser.get("/").text),
                                                     "owning_team": "Mine now"})
        assert r.status_code == 403
    assert admin.client.get("/api/v1/services").json()[0]["owning_team"] == "Payments"


def test_an_edit_without_the_csrf_token_is_refused(world, web, admin):
    service_id = _service(admin, owning_team="Payments")
    boss = web.browser(admin)
    assert boss.post(f"/services/{service_id}", {"owning_team": "Forged"}).status_code == 403
    assert admin.client.get("/api/v1/services").json()[0]["owning_team"] == "Payments"
