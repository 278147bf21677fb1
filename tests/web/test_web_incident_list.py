"""The incidents list page: filters in the URL, pages, bad filters, restricted incidents."""

from __future__ import annotations

import re


def _declare(person, title: str, severity: str = "SEV3", **fields) -> str:
    r = person.client.post("/api/v1/incidents", json={"title": title, "severity": severity, **fields})
    assert r.status_code == 201, r.text
    return r.json()["ref"]


def _refs(html: str) -> list[str]:
    return re.findall(r'<span class="ref">(INC-\d+)</span>', html)


def test_filters_by_status_severity_service_and_text(world, web, admin, responder):
    assert admin.client.post("/api/v1/services", json={"name": "checkout"}).status_code == 201
    one = _declare(responder, "Checkout is down", "SEV1", services=["checkout"], commander="rita")
    two = _declare(responder, "Search suggestions slow", "SEV3", summary="p95 above 2 s")
    three = _declare(responder, "Typo on pricing", "SEV4")
    r = responder.client.post(f"/api/v1/incidents/{three}/status", json={"status": "canceled"})
    assert r.status_code == 200, r.text
    browser = web.browser(responder)

    page = browser.get("/incidents")
    assert page.status_code == 200
    assert _refs(page.text) == [two, one]  # open by default, newest first
    assert 'aria-current="page">Incidents<' in page.text and "2 matches" in page.text
    assert f'href="/incidents/{one}"' in page.text
    assert _refs(browser.get("/incidents?status=all").text) == [three, two, one]
    assert _refs(browser.get("/incidents?status=canceled").text) == [three]
    assert _refs(browser.get("/incidents?status=all&severity=SEV1").text) == [one]
    assert _refs(browser.get("/incidents?service=checkout").text) == [one]
    assert _refs(browser.get("/incidents?q=P95").text) == [two]
    kept = browser.get("/incidents?status=all&severity=SEV3&q=slow").text
    assert '<option value="SEV3" selected>' in kept and 'value="slow"' in kept


def test_pages_of_fifty_with_next_and_first_links_keeping_filters(world, web, responder):
    refs = [_declare(responder, f"Incident {n}") for n in range(53)]
    browser = web.browser(responder)
    first = browser.get("/incidents?severity=SEV3").text
    assert _refs(first) == list(reversed(refs))[:50]
    next_url = re.search(r'href="(/incidents\?[^"]*cursor=\d+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "severity=SEV3" in next_url
    second = browser.get(next_url).text
    assert _refs(second) == list(reversed(refs))[50:]
    assert 'rel="next"' not in second and "First page" in second


def test_bad_filters_name_the_field_and_do_not_fail(web, responder):
    browser = web.browser(responder)
    page = browser.get("/incidents?status=sleeping")
    assert page.status_code == 422 and "unknown status" in page.text and 'role="alert"' in page.text
    page = browser.get("/incidents?severity=SEV9")
    assert page.status_code == 422 and "SEV9" in page.text
    page = browser.get("/incidents?cursor=abc")
    assert page.status_code == 422 and "cursor" in page.text


def test_restricted_incidents_are_not_listed_for_outsiders(world, web, responder, viewer):
    secret = _declare(responder, "Payroll leak", "SEV1", visibility="restricted")
    public = _declare(responder, "Payroll slow", "SEV2")
    outsider = world.person("otto")
    for person in (outsider, viewer):
        html = web.browser(person).get("/incidents?status=all").text
        assert _refs(html) == [public] and "Payroll leak" not in html and "1 match" in html
    assert _refs(web.browser(responder).get("/incidents").text) == [public, secret]
