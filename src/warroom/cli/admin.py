"""Admin commands that act on the server's own database (run them where Warroom runs)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from warroom.cli.output import console, print_json, table
from warroom.core.config import load_settings

if TYPE_CHECKING:
    from warroom.core.context import Context

user_app = typer.Typer(help="Users (runs on the server's database).", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (runs on the server's database).", no_args_is_help=True)


@contextmanager
def system_context() -> Iterator[Context]:
    from warroom.core.migrate import upgrade
    from warroom.core.runtime import Runtime

    settings = load_settings()
    upgrade(settings.database_url)
    runtime = Runtime.from_settings(settings)
    try:
        with runtime.db.write_session() as session:
            yield runtime.system_context(session)
    finally:
        runtime.db.dispose()


@user_app.command("create")
def user_create(
    email: str,
    name: str = typer.Option(..., help="Full name."),
    role: str = typer.Option("responder", help="admin, responder or viewer."),
    handle: str = typer.Option(None, help="Short name; defaults to the part of the email before @."),
    timezone: str = typer.Option("UTC", help="IANA timezone, e.g. Europe/Berlin."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Set a web sign-in password read from the first line of stdin."),
) -> None:
    """Create a user."""
    from warroom.users import passwords
    from warroom.users import service as users

    password = _read_password_stdin() if password_stdin else None
    with system_context() as ctx:
        user = users.create_user(ctx, email=email, name=name, role=role, handle=handle, timezone=timezone)
        if password is not None:
            passwords.set_password(ctx, user, password)
        console.print(f"Created {user.role} {user.name} <{user.email}> (@{user.handle})"
                      f"{' with a password' if password is not None else ''}.")
    if role == "admin":
        console.print(f"Next: export WARROOM_TOKEN=$(warroom token create {email})", highlight=False)


def _read_password_stdin() -> str:
    """The first line of stdin, without its line end: never an argument, which `ps` and shell
    history would show."""
    from warroom.users.passwords import check_strength

    if sys.stdin.isatty():  # typed by a person: hide it and ask twice, as `passwd` does
        return check_strength(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline()
    return check_strength(line.rstrip("\r\n"))


@user_app.command("password")
def user_password(
    email: str,
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read the password from the first line of stdin."),
) -> None:
    """Set a user's web sign-in password (prompted for, or read from stdin); signs out their browsers."""
    from warroom.users import passwords
    from warroom.users import service as users

    if password_stdin:
        password = _read_password_stdin()
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
        passwords.check_strength(password)
    with system_context() as ctx:
        user = users.find_user(ctx.db, email)
        passwords.set_password(ctx, user, password)
        console.print(f"Password set for {user.email}; their browser sessions were signed out.")


@user_app.command("invite")
def user_invite(
    email: str,
    base_url: str = typer.Option(None, "--base-url", help="Where people reach Warroom; default WARROOM_URL."),
) -> None:
    """Print a single-use link (valid 72 h) that lets the user set their web password."""
    from warroom.users import invites
    from warroom.users import service as users

    with system_context() as ctx:
        user = users.find_user(ctx.db, email)
        created = invites.create_invite(ctx, user)
    print(created.url(base_url or ctx.base_url))


@user_app.command("list")
def user_list(json_out: bool = typer.Option(False, "--json")) -> None:
    """List users."""
    from warroom.users import service as users

    with system_context() as ctx:
        rows = [{"id": u.id, "email": u.email, "name": u.name, "handle": u.handle, "role": u.role,
                 "timezone": u.timezone} for u in users.list_users(ctx.db)]
    if json_out:
        print_json(rows)
    else:
        table(["id", "email", "name", "handle", "role", "timezone"], [list(r.values()) for r in rows])


@token_app.command("create")
def token_create(email: str, name: str = typer.Option("cli", help="What the token is for.")) -> None:
    """Create an API token and print it alone on stdout (it is not shown again)."""
    from warroom.users import service as users

    with system_context() as ctx:
        _, plaintext = users.create_token(ctx, users.find_user(ctx.db, email), name)
    sys.stdout.write(plaintext + "\n")


@token_app.command("list")
def token_list(email: str, json_out: bool = typer.Option(False, "--json")) -> None:
    """List a user's tokens with their last use."""
    from warroom.users import service as users

    with system_context() as ctx:
        rows = [{"id": t.id, "name": t.name, "prefix": t.prefix, "created_at": t.created_at.isoformat(),
                 "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                 "revoked": t.revoked_at is not None}
                for t in users.list_tokens(ctx.db, users.find_user(ctx.db, email))]
    if json_out:
        print_json(rows)
    else:
        table(["id", "name", "prefix", "created", "last used", "revoked"], [list(r.values()) for r in rows])


@token_app.command("revoke")
def token_revoke(email: str, token: str = typer.Argument(..., help="Token id or prefix (from `token list`).")) -> None:
    """Revoke one of a user's tokens."""
    from warroom.users import service as users

    with system_context() as ctx:
        revoked = users.revoke_token_by_prefix(ctx, users.find_user(ctx.db, email), token)
        console.print(f"Revoked token {revoked.id} ({revoked.name}, {revoked.prefix}…).")
