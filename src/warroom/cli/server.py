"""Commands that run Warroom itself: serve, and the database."""

from __future__ import annotations

import gc

import typer

from warroom.cli.output import console, err_console
from warroom.core.config import load_settings

db_app = typer.Typer(help="The database: create and migrate it.", no_args_is_help=True)


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    no_worker: bool = typer.Option(False, "--no-worker",
                                   help="Serve only; run background jobs in `warroom worker` processes."),
) -> None:
    """Create or migrate the database, then serve the REST API (with a worker by default)."""
    import uvicorn

    from warroom.api.app import create_app
    from warroom.core.runtime import Runtime
    from warroom.users.service import count_users

    from warroom.core.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    runtime = Runtime.from_settings(settings)
    with runtime.db.read_session() as session:
        if count_users(session) == 0:
            err_console.print(
                "[bold]No users yet.[/bold] Create the first admin (type a password for the web app),\n"
                "and a token for the CLI, with:\n"
                "  warroom user create you@example.com --name \"Your Name\" --role admin --password-stdin\n"
                "  export WARROOM_TOKEN=$(warroom token create you@example.com)")
    worker = None
    if not no_worker:
        from warroom.core.worker import Worker

        worker = Worker(runtime)
        worker.start_in_thread()
    err_console.print(f"Warroom on http://{host}:{port}  (database: {runtime.db.location})")
    try:
        # Live pages hold connections open: give them 3 s to finish, then close them, on shutdown.
        app = create_app(runtime)
        # Everything loaded at start lives as long as the process: freezing it keeps the garbage
        # collector from walking it on every full collection (those pauses were the slow tail of
        # the heavy pages, bench/web_pages.py).
        gc.collect()
        gc.freeze()
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, timeout_graceful_shutdown=3)
    finally:
        if worker is not None:
            worker.stop()


def worker() -> None:
    """Fire due deadlines and deliver the outbox without serving HTTP; run any number of them.

    SIGTERM or Ctrl-C stops it after the messages being sent are delivered and recorded."""
    from warroom.core.runtime import Runtime
    from warroom.core.worker import Worker

    from warroom.core.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    err_console.print("Warroom worker started; Ctrl-C to stop.")
    Worker(Runtime.from_settings(settings)).run_forever()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (serve does this too on start)."""
    from warroom.core.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    console.print(f"Database is up to date: {settings.database_url.split('@')[-1]}")
