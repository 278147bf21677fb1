"""The `warroom` command."""

from __future__ import annotations

import sys

import typer

from warroom.cli import admin, server
from warroom.cli.output import CliError, err_console
from warroom.core.errors import ConfigError, WarroomError

app = typer.Typer(
    name="warroom",
    help="Warroom: incident response from the first alert to the postmortem.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(server.serve)
app.command()(server.worker)
app.add_typer(server.db_app, name="db")
app.add_typer(admin.user_app, name="user")
app.add_typer(admin.token_app, name="token")


def _register_client_commands() -> None:
    try:
        from warroom.cli import incidents
    except ImportError:  # pragma: no cover - during development only
        return
    incidents.register(app)


_register_client_commands()


def main() -> None:
    try:
        app(standalone_mode=False)
    except (CliError,) as exc:
        err_console.print(f"error: {exc}", highlight=False, markup=False)
        sys.exit(exc.exit_code)
    except ConfigError as exc:
        err_console.print(f"configuration error: {exc}", highlight=False, markup=False)
        sys.exit(2)
    except WarroomError as exc:
        where = f" ({exc.field})" if exc.field else ""
        err_console.print(f"error{where}: {exc.message}", highlight=False, markup=False)
        sys.exit(1)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        raise
