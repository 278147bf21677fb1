"""The /insights page on the fixed history of tests/insights_data.py (figures checked by hand in
tests/domain/test_insights.py): period form, key figures, SVG charts with text, downloads, errors."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from insights_data import seed


@pytest.fixture
def history(runtime, responder):
    seed(runtime, participant=responder.user)


def _custom(browser, first: str, last: str = ""):
    return browser.get(f"/insights?period=custom&from={first}&to={last}")


def test_page_shows_figures_charts_and_the_period_form(history, web, admin):
    page = _custom(web.browser(admin), "2026-01-01", "2026-03-02")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'aria-current="page">Insights<' in html
    assert "<strong>7</strong>" in html  # incidents in scope
    # Key figures: MTTA median 300 s, p90 960 s; MTTR median 8100 s, p90 12780 s; targets 3 of 6.
    assert "5m</dd><dd>median; p90 16m" in html and "2h 15m</dd><dd>median; p90 3h 33m" in html
    assert "50%</dd><dd>3 of 6 due" in html
    # One SVG per chart, scaled to its box, each labelled and with its values in text.
    charts = re.findall(r'<svg class="chart" viewBox="0 0 300 [\d.]+" width="100%" role="img"', html)
    assert len(charts) == 6  # MTTA, MTTM, MTTR, months, targets, postmortems and action items
    assert "SEV1: median 0s, p90 4m (n 3)" in html and "SEV4: none measured" in html
    assert "2026-02: 4 incidents" in html and "SEV1: 67% met (2 of 3)" in html
    assert "SEV3: 0% met (0 of 1; 1 pending)" in html and "SEV4: nothing due yet<" in html
    assert "Postmortems: 50% on time (5 required)" in html and "Action items: 40% closed on time (7)" in html
    assert 'class="sev-0"' in html and 'class="sev-0 p90"' in html  # severity colours, always named in text
    assert html.count("as a table</summary>") == 6
    assert '<th scope="row">checkout</th><td data-label="Incidents">3</td>' in html
    # The form: presets as buttons, custom dates kept, downloads for the same period.
    assert 'name="period" value="30d"' in html and 'value="2026-01-01"' in html and 'value="2026-03-02"' in html
    assert 'href="/insights.csv?period=custom&amp;from=2026-01-01&amp;to=2026-03-02"' in html


def test_presets_and_default_period(history, web, viewer):
    browser = web.browser(viewer)
    default = browser.get("/insights")
    assert default.status_code == 200
    # 90 days back from 2026-03-02 10:00: INC-9 (2025-12-20) counts, restricted INC-8 not for a viewer.
    assert "<strong>7</strong>" in default.text
    assert 'value="90d" class="btn btn-secondary preset" aria-pressed="true"' in default.text
    last_30 = browser.get("/insights?period=30d").text
    assert "<strong>4</strong>" in last_30  # INC-3, INC-4, INC-5, INC-6 (INC-8 is restricted)
    assert "restricted ones count only if you take part in them" in last_30
    # A last day after today counts up to now.
    assert "<strong>4</strong>" in _custom(browser, "2026-02-01", "9999-12-31").text  # INC-3, INC-4, INC-5, INC-6


def test_downloads_are_the_report_as_json_and_csv(history, web, viewer):
    browser = web.browser(viewer)
    query = "period=custom&from=2026-01-01&to=2026-03-01"
    as_json = browser.get(f"/insights.json?{query}")
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    assert as_json.headers["content-disposition"] == 'attachment; filename="warroom-insights-20260101-20260302.json"'
    body = json.loads(as_json.text)
    # Days are whole and both included: until the midnight after 03-01. The viewer does not see INC-8.
    assert (body["since"], body["until"], body["incidents"]) == ("2026-01-01T00:00:00Z", "2026-03-02T00:00:00Z", 5)
    as_csv = browser.get(f"/insights.csv?{query}")
    assert as_csv.status_code == 200 and as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    rows = {(r["metric"], r["group"], r["key"]): r for r in csv.DictReader(io.StringIO(as_csv.text))}
    assert rows["incidents", "overall", "all"]["value"] == "5"


@pytest.mark.parametrize(("query", "field", "says"), [
    ("period=custom&from=2026-02-30", "from", "from must be a date (YYYY-MM-DD); got &#39;2026-02-30&#39;"),
    ("period=custom&from=", "from", "from is needed for custom dates"),
    ("period=custom&from=2026-02-01&to=2026-01-01", "to", "to must be the same day as from or later"),
    ("period=custom&from=2027-01-01", "from", "from must be a day that has begun"),
    ("period=custom&from=0001-01-01&to=9999-12-31", "from", "from may reach back at most 100 years"),
    ("period=forever", None, "period must be one of 30d, 90d, 1y or custom"),
])
def test_bad_custom_dates_show_an_error_naming_the_field(history, web, admin, query, field, says):
    page = web.browser(admin).get(f"/insights?{query}")
    assert page.status_code == 422
    assert f'<p class="alert" role="alert" id="period-error">{says}' in page.text
    assert "<svg" not in page.text  # no figures for a period that was not understood
    if field:
        assert re.search(rf'name="{field}" type="date" value="[^"]*" aria-invalid="true"', page.text)


def test_signed_out_is_sent_to_sign_in(web):
    response = web.anonymous().get("/insights?period=30d")
    assert response.status_code == 303 and response.headers["location"].startswith("/signin?next=/insights")
