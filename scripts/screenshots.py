"""Regenerates the screenshots in docs/images from a real `warroom serve` with demo data.

    .venv/bin/python scripts/screenshots.py            # writes docs/images/*.png

Uses Debian's Chromium (/usr/bin/chromium) through Playwright; never downloads a browser.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from _common import warroom_env, warroom_executable, warroom_server  # noqa: E402

IMAGES = REPO / "docs" / "images"
PASSWORD = "correct horse battery staple"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PEOPLE = [("ada@example.com", "Ada Lovelace", "admin", "Europe/London"),
          ("grace@example.com", "Grace Hopper", "responder", "America/New_York"),
          ("linus@example.com", "Linus Park", "responder", "Europe/Berlin"),
          ("vera@example.com", "Vera Viewer", "viewer", "UTC")]


def create_people(env: dict[str, str]) -> None:
    for email, name, role, tz in PEOPLE:
        subprocess.run([warroom_executable(), "user", "create", email, "--name", name, "--role", role,
                        "--timezone", tz, "--password-stdin"], input=PASSWORD + "\n", text=True,
                       env=env, check=True, capture_output=True)


def seed(database_url: str, data_dir: Path) -> tuple[str, str]:
    """A realistic morning: one SEV1 being worked, a few smaller incidents, one of them still paging.
    Returns the SEV1's ref and the paging one's."""
    from warroom.catalog.service import create_service
    from warroom.comms import channels, updates
    from warroom.comms.schemas import ChannelIn, RouteIn, UpdateIn
    from warroom.core.clock import ManualClock
    from warroom.core.config import load_settings
    from warroom.core.context import Context
    from warroom.core.runtime import Runtime
    from warroom.incidents import roles, timeline
    from warroom.incidents.schemas import IncidentCreate, StatusChange
    from warroom.incidents.service import change_status, declare
    from warroom.oncall import escalation, paging
    from warroom.oncall.paging_schemas import EscalationPolicyIn, LevelIn, TargetIn
    from warroom.users.service import find_user

    runtime = Runtime.from_settings(load_settings({"WARROOM_DATABASE_URL": database_url,
                                                   "WARROOM_DATA_DIR": str(data_dir)}))
    clock = ManualClock(runtime.clock.now() - timedelta(minutes=47))
    runtime.clock = clock

    def as_user(session, email: str) -> Context:
        return Context(db=session, actor=find_user(session, email), clock=clock, policy=runtime.policy)

    with runtime.db.write_session() as session:
        system = runtime.system_context(session)
        for name, team, about in (("checkout-api", "Payments", "Cart, checkout and order placement"),
                                  ("payments", "Payments", "Card authorisation and capture"),
                                  ("search", "Discovery", "Product search and suggestions"),
                                  ("web-frontend", "Web", "The storefront web app")):
            create_service(system, name=name, owning_team=team, description=about)
        admin = as_user(session, "ada@example.com")
        channels.create_channel(admin, ChannelIn(name="incident-mail", kind="email",
                                                 settings={"recipients": ["oncall@example.com", "support-leads@example.com"]},
                                                 routes=[RouteIn(severities=["SEV1", "SEV2"])]))
        channels.create_channel(admin, ChannelIn(name="status-bot", kind="webhook",
                                                 settings={"url": "https://hooks.example.com/warroom"},
                                                 routes=[RouteIn(events=["update_posted"], audiences=["public"]),
                                                         RouteIn(events=["declared", "resolved"])]))
        escalation.save_policy(admin, EscalationPolicyIn(name="checkout-oncall", repeat=1, levels=[
            LevelIn(delay_minutes=5, targets=[TargetIn(type="user", ref="linus@example.com")]),
            LevelIn(delay_minutes=10, targets=[TargetIn(type="user", ref="ada@example.com"),
                                               TargetIn(type="user", ref="grace@example.com")])]))
        escalation.set_service_policy(admin, "checkout-api", "checkout-oncall")
    with runtime.db.write_session() as session:
        ctx = as_user(session, "grace@example.com")
        big = declare(ctx, IncidentCreate(
            title="Checkout failing for EU customers", severity="SEV1", services=["checkout-api", "payments"],
            summary="Card payments fail with a 502 from the payment gateway in eu-west-1.",
            impact="All EU customers cannot complete a purchase (about 40% of orders).",
            commander="grace@example.com"))
        ref = big.ref
        for minutes, email, action in (
                (2, "grace@example.com", ("role", "scribe", "linus@example.com")),
                (3, "grace@example.com", ("status", "investigating")),
                (5, "grace@example.com", ("update", "Card payments fail with a gateway error in the EU.",
                                          "Checking this morning's deploys and the gateway's status.")),
                (6, "linus@example.com", ("note", "Gateway error rate at 38% since 09:12; US unaffected.", True)),
                (9, "grace@example.com", ("note", "Deploy 2026.11.26-3 of checkout-api went out at 09:10.", False)),
                (14, "linus@example.com", ("status", "identified")),
                (15, "linus@example.com", ("note", "Rolling back checkout-api to 2026.11.26-2.", False)),
                (22, "grace@example.com", ("status", "mitigated")),
                (23, "linus@example.com", ("note", "Error rate back under 0.5%; watching for 30 min.", True))):
            clock.advance(minutes=minutes - (clock.now() - big.declared_at).total_seconds() / 60)
            actor = as_user(session, email)
            if action[0] == "role":
                roles.assign_role(actor, big, action[1], find_user(session, action[2]))
            elif action[0] == "update":
                updates.post_update(actor, big, UpdateIn(
                    whats_happening=action[1], who_is_affected="EU customers paying by card (about 40% of orders).",
                    what_we_are_doing=action[2], next_update_at=clock.now() + timedelta(minutes=30)))
            elif action[0] == "status":
                change_status(actor, big, StatusChange(status=action[1]))
            else:
                timeline.add_note(actor, big, action[1], starred=action[2])
        clock.advance(minutes=5)
        declare(as_user(session, "linus@example.com"), IncidentCreate(
            title="Search suggestions slow", severity="SEV3", services=["search"],
            summary="p95 of suggestions at 2.4 s.", commander="linus@example.com"))
        clock.advance(minutes=12)
        mails = declare(as_user(session, "grace@example.com"), IncidentCreate(
            title="Order confirmation e-mails delayed", severity="SEV2", services=["checkout-api"],
            summary="Confirmation mails arrive 20-30 minutes late."))
        clock.advance(minutes=2)
        paging.escalate_now(as_user(session, "grace@example.com"), mails)
        paging_ref = mails.ref
        clock.advance(minutes=1)
        declare(as_user(session, "ada@example.com"), IncidentCreate(
            title="Footer logo blurry on retina screens", severity="SEV4", services=["web-frontend"]))
    runtime.db.dispose()
    return ref, paging_ref


def shoot(base_url: str, ref: str, paging_ref: str) -> None:
    from playwright.sync_api import sync_playwright

    IMAGES.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for suffix, viewport in (("", {"width": 1280, "height": 860}), ("-phone", {"width": 375, "height": 780})):
            page = browser.new_context(viewport=viewport, base_url=base_url).new_page()
            page.goto("/signin")
            if not suffix:
                page.screenshot(path=IMAGES / "signin.png")
            page.get_by_label("Email").fill("grace@example.com")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base_url}/")
            page.screenshot(path=IMAGES / f"dashboard{suffix}.png", full_page=not suffix)
            page.goto(f"/incidents/{ref}")
            page.screenshot(path=IMAGES / f"incident{suffix}.png", full_page=not suffix)
            if not suffix:
                page.goto(f"/incidents/{paging_ref}")
                page.screenshot(path=IMAGES / "incident-paging.png")
                page.goto("/declare")
                page.screenshot(path=IMAGES / "declare.png", full_page=True)
                page.goto("/incidents?status=all")
                page.screenshot(path=IMAGES / "incidents.png")
        admin = browser.new_context(viewport={"width": 1280, "height": 860}, base_url=base_url).new_page()
        admin.goto("/signin")
        admin.get_by_label("Email").fill("ada@example.com")
        admin.get_by_label("Password").fill(PASSWORD)
        admin.get_by_role("button", name="Sign in").click()
        admin.wait_for_url(f"{base_url}/")
        admin.goto("/admin/channels")
        admin.screenshot(path=IMAGES / "channels.png", full_page=True)
        admin.goto("/admin/templates/public/update")
        admin.get_by_role("button", name="Preview").click()
        admin.screenshot(path=IMAGES / "template.png", full_page=True)
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="warroom-shots-") as tmp:
        data_dir = Path(tmp)
        env = warroom_env(data_dir)
        subprocess.run([warroom_executable(), "db", "upgrade"], env=env, check=True, capture_output=True)
        create_people(env)
        refs = seed(f"sqlite:///{data_dir / 'warroom.sqlite3'}", data_dir)
        with warroom_server(env, data_dir / "server.log") as base_url:
            shoot(base_url, *refs)
    print(f"screenshots written to {IMAGES}")


if __name__ == "__main__":
    main()
