"""The `sochat` command: serve the API and administer its database."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from sochat import __version__
from sochat.domain.errors import SochatError
from sochat.domain.principal import Role
from sochat.settings import DEFAULT_DATABASE_URL, Settings
from sochat.store.protocol import NewAssociate, Store
from sochat.store.url import DatabaseUrlError, open_store

_database_option = click.option(
    "--database",
    "database_url",
    envvar="SOCHAT_DATABASE_URL",
    show_envvar=True,
    default=DEFAULT_DATABASE_URL,
    show_default=True,
    metavar="URL",
    help="Where sessions are stored: sqlite:///FILE (relative) or sqlite:////ABSOLUTE/PATH.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="sochat")
def main() -> None:
    """sochat serves SuperOffice CRM's Chat Web API (POST /api/v1/Agents/Chat/...) from your own machine.

    Start with `sochat serve --demo`, then send SuperOffice's sample request with user tje0,
    password Tje0. Every option can also be set with the SOCHAT_ environment variable shown in
    each command's --help.
    """


@main.command()
@click.option(
    "--host",
    envvar="SOCHAT_HOST",
    show_envvar=True,
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on (0.0.0.0 for every interface).",
)
@click.option(
    "--port",
    envvar="SOCHAT_PORT",
    show_envvar=True,
    default=8000,
    show_default=True,
    type=int,
    help="TCP port to listen on.",
)
@_database_option
@click.option(
    "--demo",
    envvar="SOCHAT_DEMO",
    show_envvar=True,
    is_flag=True,
    help="Load demo users (tje0/Tje0 and others) and chat topics into an empty database.",
)
@click.option(
    "--strict",
    envvar="SOCHAT_STRICT",
    show_envvar=True,
    is_flag=True,
    help="Refuse what SuperOffice would accept but loses data integrity: unknown ids on save "
    "(404), links to unknown records (400), null for non-nullable values (400).",
)
@click.option(
    "--max-body-bytes",
    envvar="SOCHAT_MAX_BODY_BYTES",
    show_envvar=True,
    default=1024 * 1024,
    show_default=True,
    type=click.IntRange(min=1024),
    help="Largest request body accepted (413 beyond).",
)
@click.option(
    "--timezone",
    "base_timezone",
    envvar="SOCHAT_TIMEZONE",
    show_envvar=True,
    default="UTC",
    show_default=True,
    help="Base time zone (SuperOffice code like NO, or IANA name): answers use it unless SO-TimeZone says "
    "otherwise, and date-times sent without an offset are read in it.",
)
@click.option(
    "--default-language",
    envvar="SOCHAT_DEFAULT_LANGUAGE",
    show_envvar=True,
    default=None,
    type=click.Choice(["en", "nb", "sv", "da", "de", "nl"]),
    help="Language for answers when Accept-Language/SO-Language name only languages sochat lacks "
    "(unset: such answers keep string references unresolved, as SuperOffice does).",
)
@click.option(
    "--slow-threshold-ms",
    envvar="SOCHAT_SLOW_THRESHOLD_MS",
    show_envvar=True,
    default=5000,
    show_default=True,
    type=click.IntRange(min=1),
    help="NsApiSlow: calls slower than this are logged at WARNING and counted in /metrics.",
)
@click.option(
    "--slow-thresholds",
    envvar="SOCHAT_SLOW_THRESHOLDS",
    show_envvar=True,
    default="",
    help="Per-route thresholds, e.g. 'SaveChatSessionEntity=100;ChatSession/{id}=2000'.",
)
@click.option(
    "--faults",
    envvar="SOCHAT_FAULTS",
    show_envvar=True,
    default="",
    help="Testing aid, off by default: delay and fail chosen routes, e.g. "
    "'SaveChatSessionEntity=delay:200,error:0.1' (200 ms delay, 10%% answered 503).",
)
@click.option(
    "--log-level",
    envvar="SOCHAT_LOG_LEVEL",
    show_envvar=True,
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
    help="Least severe log level written.",
)
def serve(**options: object) -> None:
    """Run the HTTP server until interrupted (Ctrl+C).

    The SQLite database is created and migrated on first start.
    """
    import uvicorn

    from sochat import logs
    from sochat.app import create_app
    from sochat.http.locale import zone_named

    settings = Settings(**options)  # type: ignore[arg-type]
    logs.configure(settings.log_level)
    try:
        zone_named(settings.base_timezone)  # refuse a bad --timezone before anything starts
        app = create_app(settings)
        app.startup()
    except (DatabaseUrlError, ValueError, SochatError) as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:  # the store could not open: say so plainly instead of a traceback
        raise click.ClickException(f"cannot start: {exc}") from exc
    click.echo(
        f"sochat {__version__} listening on http://{settings.host}:{settings.port} "
        f"(database {settings.database_url}{', strict' if settings.strict else ''})",
        err=True,
    )
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            lifespan="off",
            server_header=False,
        )
    finally:
        app.shutdown()


@main.command()
@_database_option
def migrate(database_url: str) -> None:
    """Create the database or bring its schema up to date. Safe to run again."""
    with _store(database_url) as store:
        applied = store.migrate()
    click.echo("applied: " + ", ".join(applied) if applied else "database is up to date")


@main.group()
def user() -> None:
    """Manage the users (SuperOffice associates) who may call the API."""


@user.command("add")
@click.argument("name")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The user's password (asked for when not given; stored only as an argon2 hash).",
)
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.AGENT.value,
    show_default=True,
    help="admin: all rights; agent: read, create and update sessions; readonly: read only.",
)
@click.option("--full-name", default="", help="Display name, e.g. 'Anna Berg'.")
@_database_option
def user_add(name: str, password: str, role: str, full_name: str, database_url: str) -> None:
    """Add user NAME who can sign in with Basic authentication."""
    from sochat.security.passwords import hash_password

    _check_password(password)
    with _store(database_url) as store:
        store.migrate()
        if any(u.user_name.lower() == name.lower() for u in store.list_users()):
            raise click.ClickException(f"user {name!r} exists already; use `sochat user passwd` to change it")
        associate_id = store.add_associate(
            NewAssociate(name, Role(role), hash_password(password), full_name=full_name, formal_name=full_name)
        )
    click.echo(f"added user {name} (AssociateId {associate_id}, role {role})")


@user.command("passwd")
@click.argument("name")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The new password (asked for when not given).",
)
@_database_option
def user_passwd(name: str, password: str, database_url: str) -> None:
    """Change user NAME's password; the old one stops working at once, also in running servers."""
    from sochat.security.passwords import hash_password

    _check_password(password)
    with _store(database_url) as store:
        store.migrate()
        if not store.set_password(name, hash_password(password)):
            raise click.ClickException(f"no user named {name!r}")
    click.echo(f"password changed for {name}")


@user.command("list")
@_database_option
def user_list(database_url: str) -> None:
    """List users with their AssociateId and role."""
    with _store(database_url) as store:
        store.migrate()
        users = store.list_users()
    if not users:
        click.echo("no users yet; add one with `sochat user add NAME --role admin`, or start with --demo")
        return
    click.echo(f"{'AssociateId':>11}  {'user':<20} {'role':<9} full name")
    for record in users:
        click.echo(f"{record.associate_id:>11}  {record.user_name:<20} {record.role.value:<9} {record.full_name}")


def _check_password(password: str) -> None:
    if not password:
        raise click.ClickException("the password must not be empty")


@contextmanager
def _store(database_url: str) -> Iterator[Store]:
    try:
        store = open_store(database_url)
    except DatabaseUrlError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        yield store
    finally:
        store.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
