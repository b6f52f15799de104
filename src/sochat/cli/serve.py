"""`sochat serve` and `sochat migrate`.

One startup path, whatever --workers says: `serve` binds the port, starts the app once in this process (opens and
migrates the database, loads the demo), so that anything wrong is one line of error before "listening" is
printed, and then serves with uvicorn's ASGI lifespan on: the lifespan starts the app of each worker process (or
finds this process's app started) and shuts it down.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

from sochat import __version__
from sochat.cli.common import opened_store, shown_url
from sochat.cli.listening import BACKLOG, address, listening_socket
from sochat.cli.options import database_option, serve_options, settings_from_options
from sochat.domain.errors import SochatError
from sochat.settings import Settings, setting_problem
from sochat.store.url import DatabaseUrlError

if TYPE_CHECKING:
    import socket

    from sochat.app import SochatApp


@click.command()
@serve_options
def serve(**options: Any) -> None:
    """Run the HTTP server until interrupted (Ctrl+C).

    The SQLite database is created and migrated on first start.
    """
    from sochat import logs

    settings = settings_from_options(options)
    problem = setting_problem(settings)
    if problem is not None:
        raise click.ClickException(problem)
    logs.configure(settings.log_level)
    # The port first: a taken one fails at once, before the database is touched.
    listener = listening_socket(settings.host, settings.port)
    try:
        app = _started_app(settings)
        _warn_if_read_only(app)
    except BaseException:
        listener.close()
        raise
    listener.listen(BACKLOG)  # from here connections queue up, so "listening" is true when it is printed
    click.echo(
        f"sochat {__version__} listening on http://{address(settings.host, listener.getsockname()[1])} "
        f"(database {shown_url(settings.database_url)}{', strict' if settings.strict else ''}"
        f"{f', {settings.workers} workers' if settings.workers > 1 else ''})",
        err=True,
    )
    if settings.workers > 1:
        app.shutdown()
        # The database is migrated and the demo loaded already: the workers only open it.
        _serve_in_workers(replace(settings, demo=False), listener)
    else:
        _serve_here(app, listener)


def _serve_here(app: SochatApp, listener: socket.socket) -> None:
    """Serve in this process. The lifespan's startup finds the app started (and keeps the store it opened: one
    opened while the file was read-only starts writing once the file is writable); its shutdown closes it."""
    import uvicorn

    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", server_header=False)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[listener])
    finally:
        app.shutdown()  # the lifespan closed it, unless a second Ctrl+C cut the shutdown short
        listener.close()


def _serve_in_workers(settings: Settings, listener: socket.socket) -> None:
    """Serve in `settings.workers` processes, each building its own app from the same settings (they share
    nothing but the database) and starting it in the ASGI lifespan."""
    import uvicorn

    from sochat.app import SETTINGS_ENVIRONMENT, settings_to_json

    os.environ[SETTINGS_ENVIRONMENT] = settings_to_json(settings)
    uvicorn.run(
        "sochat.app:app_from_environment",
        factory=True,
        workers=settings.workers,
        fd=listener.fileno(),
        log_config=None,
        access_log=False,
        lifespan="on",
        server_header=False,
    )


def _started_app(settings: Settings) -> SochatApp:
    """The app with its database opened and migrated (and the demo loaded); every way this can fail is one line
    naming what and why (ClickException: exit 1), never a traceback."""
    from sochat.app import create_app
    from sochat.http.locale import zone_named

    try:
        zone_named(settings.base_timezone)  # refuse a bad --timezone before anything starts
        note = _schema_note(settings.database_url)
        if note:
            click.echo(note, err=True)
        app = create_app(settings)
        app.startup()
    except (DatabaseUrlError, ValueError, SochatError) as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:  # the store could not open: say so plainly instead of a traceback
        raise click.ClickException(f"cannot start with the database {shown_url(settings.database_url)}: {exc}") from exc
    return app


@click.command()
@database_option
def migrate(database_url: str) -> None:
    """Create the database or bring its schema up to date. Safe to run again."""
    with opened_store(database_url) as store:
        applied = store.migrate()
    click.echo("applied: " + ", ".join(applied) if applied else "database is up to date")


def _schema_note(database_url: str) -> str | None:
    """For a PostgreSQL URL without ?schema=: which schema sochat is about to migrate and use (the first one of
    the user's search_path that exists), so that nobody fills ``public`` by surprise."""
    if not database_url.startswith(("postgresql://", "postgres://")):
        return None
    try:
        import psycopg

        from sochat.store.postgres import postgres_conninfo
    except ImportError:
        return None  # startup says that the driver is missing
    conninfo, schema = postgres_conninfo(database_url)
    if schema is not None:
        return None
    try:
        with psycopg.connect(conninfo) as conn:
            row = conn.execute("SELECT current_schema()").fetchone()
    except psycopg.Error:
        return None  # startup reports why the database cannot be reached
    current = row[0] if row and row[0] else "(none: the user's search_path names no schema that exists)"
    return (
        f"sochat: the database URL names no schema, so sochat migrates and uses the schema {current} "
        "(add ?schema=NAME to the URL to choose one)"
    )


def _warn_if_read_only(app: SochatApp) -> None:
    """Started on a database that cannot take writes (a read-only SQLite file, a PostgreSQL standby): reads are
    served, writes are refused with 503, and /health/ready says so; say it here too."""
    try:
        asyncio.run(app.store.ping())
    except Exception as exc:  # a warning, whatever the cause: the server starts anyway and readiness tells
        reason = exc.message if isinstance(exc, SochatError) else f"{type(exc).__name__}: {exc}"
        click.echo(f"sochat: warning: {reason}; /health/ready answers 503 until it can", err=True)
