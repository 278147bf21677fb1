"""The `warroom` command."""

from __future__ import annotations

import sys

import typer
from typer.exceptions import TyperException

from warroom.cli import admin, comms, incidents, insights, postmortems, server
from warroom.cli import alerts as alerts_cli
from warroom.cli import statuspage as statuspage_cli
from warroom.cli import status_subscribers
from warroom.cli import oncall as oncall_cli
from warroom.cli import paging as paging_cli
from warroom.cli.output import CliError, err_console
from warroom.core.errors import ConfigError, WarroomError

app = typer.Typer(
    name="warroom",
    help="Warroom: incident response from the first alert to the postmortem.",
    epilog="Talks to the server at WARROOM_URL with the token in WARROOM_TOKEN. Exit codes: 0 done, "
           "1 refused by the server, 2 usage or configuration, 3 server unreachable.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(server.serve)
app.command()(server.worker)
app.add_typer(server.db_app, name="db")
app.add_typer(admin.user_app, name="user")
app.add_typer(admin.token_app, name="token")
incidents.register(app)
comms.register(app)
postmortems.register(app)
insights.register(app)
oncall_cli.register(app)
paging_cli.register(app)
alerts_cli.register(app)
status_subscribers.register(app)
statuspage_cli.register(app)


def main(argv: list[str] | None = None) -> None:
    """The console script; `argv` lets tests run the whole command, error handling included."""
    try:
        app(args=argv, prog_name="warroom", standalone_mode=False)
    except CliError as exc:
        where = f" ({exc.field})" if exc.field else ""
        err_console.print(f"error{where}: {exc}", highlight=False, markup=False)
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
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except TyperException as exc:
        # Usage errors (missing or malformed arguments). Typer ships its own copy of click, so
        # these are not click.ClickException; show() prints the usage line and the reason.
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            err_console.print(f"error: {exc.format_message()}", highlight=False, markup=False)
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - last: anything else is re-raised
        if type(exc).__name__ != "OperationalError" or not hasattr(exc, "orig"):
            raise
        # SQLAlchemy's OperationalError, matched by name so client commands never import SQLAlchemy.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        err_console.print(f"database error (WARROOM_DATABASE_URL): {reason}", highlight=False, markup=False)
        sys.exit(2)
