"""Every failure ends with a non-zero exit and one line on stderr that says what to do."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def one_line(text: str) -> str:
    assert text.endswith("\n") and text.count("\n") == 1, repr(text)
    return text.rstrip("\n")


def test_unknown_severity_names_the_field_and_the_allowed_levels(cli):
    run = cli("declare", "Checkout is down", "--sev", "SEV9")
    assert run.code == 1
    assert run.out == ""
    assert one_line(run.err) == "error (severity): unknown severity 'SEV9'; allowed: SEV1, SEV2, SEV3, SEV4"


def test_forbidden_transition_names_the_allowed_ones(cli):
    cli("declare", "Checkout is down", "--sev", "SEV1", "--commander", "me")
    run = cli("status", "INC-1", "closed")
    assert run.code == 1
    assert one_line(run.err) == ("error (status): cannot move INC-1 from triage to closed; "
                                 "allowed: investigating, identified, mitigated, resolved, canceled")


def test_resolving_without_a_resolution_is_refused(cli):
    cli("declare", "Checkout is down", "--sev", "SEV1", "--commander", "me")
    run = cli("status", "INC-1", "resolved")
    assert run.code == 1
    assert one_line(run.err) == "error (resolution): resolving needs a resolution: what fixed it"


def test_missing_token_says_how_to_get_one(cli):
    run = cli("incidents", "list", token=None)
    assert run.code == 2
    line = one_line(run.err)
    assert "WARROOM_TOKEN" in line and "warroom token create EMAIL" in line


def test_mangled_token_is_a_configuration_error(cli):
    for token in ("wr_abc\ndef", "wr_abcé", "wr_abc def"):
        run = cli("whoami", token=token)
        assert run.code == 2, token
        assert one_line(run.err).startswith("error: WARROOM_TOKEN does not look like a token")


def test_rejected_token_says_which_setting_to_fix(cli):
    run = cli("whoami", token="wr_not-a-real-token")
    assert run.code == 1
    line = one_line(run.err)
    assert line.startswith("error: invalid or revoked token (WARROOM_TOKEN)")
    assert "warroom token create EMAIL" in line


def test_server_not_reachable_names_the_url_and_the_setting(cli, nothing_listening):
    url = nothing_listening
    run = cli("incidents", "list", url=url)
    assert run.code == 3
    line = one_line(run.err)
    assert line.startswith(f"error: cannot reach the Warroom server at {url} (")
    assert "WARROOM_URL" in line


def test_bad_url_setting_is_a_configuration_error(cli):
    run = cli("incidents", "list", url="127.0.0.1:8000")
    assert run.code == 2
    assert one_line(run.err).startswith("configuration error: WARROOM_URL: must start with http://")


@pytest.fixture
def not_warroom() -> str:
    """Something else answering on the port, like a proxy with an HTML error page."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body><h1>502 Bad Gateway</h1>\n</body></html>"
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_server_that_is_not_warroom_is_reported_as_such(cli, not_warroom):
    run = cli("incidents", "list", url=not_warroom)
    assert run.code == 3
    line = one_line(run.err)
    assert line.startswith(f"error: HTTP 502 from {not_warroom}: <html><body><h1>502 Bad Gateway</h1> </body></html>")
    assert "WARROOM_URL" in line


def test_unknown_incident(cli):
    run = cli("incidents", "show", "INC-404")
    assert run.code == 1
    assert one_line(run.err) == "error (incident): no such incident: INC-404"


def test_a_mistyped_incident_is_one_line_not_a_traceback(cli):
    cli("declare", "Checkout is down", "--sev", "SEV1")
    for key in ("INC-1?x=1", "INC 1", "INC-1/timeline"):
        run = cli("incidents", "show", key)
        assert run.code == 1, key
        assert one_line(run.err).startswith("error"), key


def test_viewers_cannot_change_anything(cli, viewer):
    run = cli.as_(viewer.token)("declare", "Checkout is down", "--sev", "SEV1")
    assert run.code == 1
    assert one_line(run.err) == "error: viewers can read but not change anything"


def test_unreadable_time_is_a_usage_error_before_any_request(cli):
    cli("declare", "Checkout is down", "--sev", "SEV1")
    run = cli("note", "INC-1", "hello", "--at", "yesterday-ish")
    assert run.code == 2
    assert one_line(run.err).startswith("error (--at): cannot read 'yesterday-ish' as a time; use ISO 8601")


def test_future_note_time_is_refused_by_the_server(cli):
    cli("declare", "Checkout is down", "--sev", "SEV1")
    run = cli("note", "INC-1", "from the future", "--at", "2999-01-01T00:00:00Z")
    assert run.code == 1
    assert one_line(run.err) == ("error (occurred_at): occurred_at is in the future; "
                                 "notes can be backdated, not postdated")


def test_invalid_enum_values_come_back_from_the_server(cli):
    cli("declare", "Checkout is down", "--sev", "SEV1")
    run = cli("assign", "INC-1", "captain", "me")
    assert run.code == 1
    assert one_line(run.err).startswith("error (role): role must be 'commander', 'deputy'")
