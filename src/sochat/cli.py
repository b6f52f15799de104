"""The `sochat` command: serve the API and administer its database."""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar
from urllib.parse import urlsplit, urlunsplit

import click

from sochat import __version__
from sochat.domain.errors import SochatError
from sochat.domain.principal import Role
from sochat.settings import DEFAULT_DATABASE_URL, Settings
from sochat.store.protocol import NewAssociate, NewToken, Store, UserRecord
from sochat.store.url import DatabaseUrlError, open_store

if TYPE_CHECKING:
    from sochat.app import SochatApp

_database_option = click.option(
    "--database",
    "database_url",
    envvar="SOCHAT_DATABASE_URL",
    show_envvar=True,
    default=DEFAULT_DATABASE_URL,
    show_default=True,
    metavar="URL",
    help="Where sessions are stored: sqlite:///FILE (relative to the current folder), sqlite:////ABSOLUTE/PATH, "
    "or postgresql://USER@HOST:5432/DB?schema=NAME (USER:PASSWORD@ if needed; without ?schema=, the user's "
    "default schema, usually public).",
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
    type=int,  # checked in serve: one line of error, where IntRange would print the usage too
    help="TCP port to listen on, 1 to 65535 (0: any free port).",
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
    "'SaveChatSessionEntity=delay:200,error:0.1' (200 ms delay, 10% answered 503).",
)
@click.option(
    "--auth-schemes",
    envvar="SOCHAT_AUTH_SCHEMES",
    show_envvar=True,
    default="basic,soticket,bearer,cookie",
    show_default=True,
    help="Enabled Authorization schemes, comma-separated.",
)
@click.option(
    "--ticket-idle-minutes",
    envvar="SOCHAT_TICKET_IDLE_MINUTES",
    show_envvar=True,
    default=480,
    show_default=True,
    type=click.IntRange(min=1),
    help="Tickets and browser sessions expire after this long unused.",
)
@click.option(
    "--require-app-token",
    "require_app_token_with_ticket",
    envvar="SOCHAT_REQUIRE_APP_TOKEN",
    show_envvar=True,
    is_flag=True,
    help="SOTicket requests must carry a registered SO-AppToken and unregistered tokens are refused (as "
    "SuperOffice Online); without it, a token naming no registered application is accepted and logged.",
)
@click.option(
    "--lockout-after",
    envvar="SOCHAT_LOCKOUT_AFTER",
    show_envvar=True,
    default=10,
    show_default=True,
    type=click.IntRange(min=0),
    help="Failed logins (per user, per non-local address) in 15 minutes before a "
    "15-minute lock; answers slow down after 5. 0 switches lockout off.",
)
@click.option(
    "--oidc-jwks",
    envvar="SOCHAT_OIDC_JWKS",
    show_envvar=True,
    default="",
    help="JWKS file or URL of an OpenID Connect issuer whose JWTs are accepted as Bearer tokens.",
)
@click.option("--oidc-issuer", envvar="SOCHAT_OIDC_ISSUER", show_envvar=True, default="", help="Required iss claim.")
@click.option(
    "--oidc-audience", envvar="SOCHAT_OIDC_AUDIENCE", show_envvar=True, default="", help="Required aud claim."
)
@click.option(
    "--oidc-user-claim",
    envvar="SOCHAT_OIDC_USER_CLAIM",
    show_envvar=True,
    default="preferred_username",
    show_default=True,
    help="Claim holding the sochat user name.",
)
@click.option(
    "--cookie-secure",
    envvar="SOCHAT_COOKIE_SECURE",
    show_envvar=True,
    is_flag=True,
    help="Mark login cookies Secure (set it when clients reach sochat over HTTPS).",
)
@click.option(
    "--workers",
    envvar="SOCHAT_WORKERS",
    show_envvar=True,
    default=1,
    show_default=True,
    type=click.IntRange(min=1, max=64),
    help="Worker processes sharing the port (each with its own connections; state lives in the database).",
)
@click.option(
    "--db-pool-size",
    envvar="SOCHAT_DB_POOL_SIZE",
    show_envvar=True,
    default=Settings.db_pool_size,
    show_default=True,
    type=click.IntRange(min=1),
    help="PostgreSQL connections each process keeps for requests (plus one for administration).",
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
def serve(workers: int, **options: object) -> None:
    """Run the HTTP server until interrupted (Ctrl+C).

    The SQLite database is created and migrated on first start.
    """
    import uvicorn

    from sochat import logs
    from sochat.app import SETTINGS_ENVIRONMENT, settings_to_json

    options["session_idle_minutes"] = options["ticket_idle_minutes"]
    settings = Settings(**options)  # type: ignore[arg-type]
    if settings.oidc_jwks and not (settings.oidc_issuer and settings.oidc_audience):
        raise click.ClickException("--oidc-jwks needs --oidc-issuer and --oidc-audience too")
    logs.configure(settings.log_level)
    if not 0 <= settings.port <= 65535:
        raise click.ClickException(f"--port {settings.port}: a TCP port is 1 to 65535 (or 0 for any free port)")
    # The port first: a taken one fails at once, before the database is touched.
    listener = _listening_socket(settings.host, settings.port)
    try:
        app = _started_app(settings)
    except BaseException:
        listener.close()
        raise
    _warn_if_read_only(app)
    listener.listen(_BACKLOG)  # from here connections queue up, so "listening" is true when it is printed
    click.echo(
        f"sochat {__version__} listening on http://{_address(settings.host, listener.getsockname()[1])} "
        f"(database {_shown_url(settings.database_url)}{', strict' if settings.strict else ''}"
        f"{f', {workers} workers' if workers > 1 else ''})",
        err=True,
    )
    if workers > 1:
        # The database is migrated and the demo loaded once, here; each worker process then builds its own
        # app from the same settings (they share nothing but the database).
        app.shutdown()
        os.environ[SETTINGS_ENVIRONMENT] = settings_to_json(replace(settings, demo=False))
        uvicorn.run(
            "sochat.app:app_from_environment",
            factory=True,
            workers=workers,
            fd=listener.fileno(),
            log_config=None,
            access_log=False,
            lifespan="on",
            server_header=False,
        )
        return
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", server_header=False)
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        app.shutdown()
        listener.close()


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
        raise click.ClickException(
            f"cannot start with the database {_shown_url(settings.database_url)}: {exc}"
        ) from exc
    return app


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
    from sochat.security.usernames import user_name_problem

    problem = user_name_problem(name)
    if problem is not None:
        raise click.ClickException(f"{problem}: {name[:40]!r}")
    _check_password(password)
    with _store(database_url) as store:
        store.migrate()
        taken = next((u for u in store.list_users() if u.user_name.lower() == name.lower()), None)
        if taken is not None and taken.deleted:
            raise click.ClickException(f"user {name!r} was deleted; a deleted user's name is not given out again")
        if taken is not None:
            raise click.ClickException(f"user {name!r} exists already; use `sochat user passwd` to change it")
        try:
            associate_id = store.add_associate(
                NewAssociate(name, Role(role), hash_password(password), full_name=full_name, formal_name=full_name)
            )
        except SochatError as exc:  # added by someone else since the check above
            raise click.ClickException(str(exc)) from exc
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
    """Change user NAME's password; the old one stops working at once, also in running servers, and the
    user's tickets, access tokens and browser sessions end."""
    from sochat.security.passwords import hash_password

    _check_password(password)
    with _store(database_url) as store:
        store.migrate()
        if not store.set_password(name, hash_password(password)):
            raise click.ClickException(f"no user named {name!r}")
    click.echo(f"password changed for {name}; their tickets, access tokens and browser sessions have ended")


@user.command("delete")
@click.argument("name")
@_database_option
def user_delete(name: str, database_url: str) -> None:
    """Delete user NAME: they can no longer sign in, and their tickets, tokens and sessions end at once.

    As in SuperOffice the associate is retired, not erased: chat sessions keep their link to it, and
    the name is not given out again."""
    from sochat.agents.lockout import user_lock_key

    with _store(database_url) as store:
        store.migrate()
        record = _live_user(store, name)
        if not store.delete_user(record.user_name):
            raise click.ClickException(f"no user named {name!r}")
        store.remove_auth_failures([user_lock_key(record.user_name)])
    click.echo(
        f"deleted user {record.user_name} (AssociateId {record.associate_id}): signing in is refused and their "
        "tickets, access tokens and browser sessions have ended"
    )


@user.command("unlock")
@click.argument("name")
@_database_option
def user_unlock(name: str, database_url: str) -> None:
    """Lift the lock that failed logins put on user NAME, and forget those failures."""
    from sochat.agents.lockout import user_lock_key

    with _store(database_url) as store:
        store.migrate()
        record = _live_user(store, name)
        removed = store.remove_auth_failures([user_lock_key(record.user_name)])
    if removed:
        click.echo(f"unlocked {record.user_name}: failed logins forgotten, signing in works again")
    else:
        click.echo(f"{record.user_name} was not locked (no failed logins counted)")


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
        deleted = "  (deleted)" if record.deleted else ""
        click.echo(
            f"{record.associate_id:>11}  {record.user_name:<20} {record.role.value:<9} {record.full_name}{deleted}"
        )


@main.group()
def ticket() -> None:
    """Issue and revoke SOTicket tickets (Authorization: SOTicket 7T:...)."""


@ticket.command("issue")
@click.argument("name")
@click.option(
    "--idle-minutes",
    type=click.IntRange(min=1),
    default=None,
    help="Expire after this long unused (default: the server setting, 480).",
)
@_database_option
def ticket_issue(name: str, idle_minutes: int | None, database_url: str) -> None:
    """Print a new ticket for user NAME. Store it like a password: it signs in as that user."""
    from sochat.security.tokens import new_ticket, token_hash

    defaults = Settings()
    idle = idle_minutes or defaults.ticket_idle_minutes
    with _store(database_url) as store:
        store.migrate()
        user = _live_user(store, name)  # a deleted user's ticket would never sign in
        value = new_ticket()
        now = _now_ticks()
        minute = 60 * 10_000_000
        asyncio.run(
            store.add_token(
                NewToken(
                    token_hash(value),
                    "ticket",
                    user.associate_id,
                    now + defaults.ticket_lifetime_hours * 60 * minute,
                    idle_ticks=idle * minute,
                ),
                now,
            )
        )
    click.echo(value)


@ticket.command("revoke")
@click.argument("value")
@_database_option
def ticket_revoke(value: str, database_url: str) -> None:
    """Revoke a ticket (or an 8A: access token) at once, in every running server."""
    from sochat.security.tokens import token_hash

    with _store(database_url) as store:
        store.migrate()
        revoked = asyncio.run(store.revoke_token(token_hash(value.strip())))
    if not revoked:
        raise click.ClickException("no such live ticket or token")
    click.echo("revoked")


@main.group()
def app() -> None:
    """Register applications that identify themselves with SO-AppToken."""


@app.command("add")
@click.argument("name")
@click.option("--owner", default=None, help="User the application acts as with the OAuth client_credentials grant.")
@click.option(
    "--token",
    "secret",
    default=None,
    metavar="SECRET",
    help="Register the SO-AppToken (client secret) the application already has, e.g. from SuperOffice's "
    "developer portal, instead of making a new one. Only its hash is stored.",
)
@_database_option
def app_add(name: str, owner: str | None, secret: str | None, database_url: str) -> None:
    """Register application NAME and print its token (shown once; only its hash is stored)."""
    from sochat.security.tokens import new_secret, token_hash

    if not name.strip() or not name.isprintable():
        raise click.ClickException(f"an application name must be printable text: {name[:40]!r}")
    if secret is not None and not secret.strip():
        raise click.ClickException("--token must not be empty")
    with _store(database_url) as store:
        store.migrate()
        owner_id = None
        if owner is not None:
            owner_id = _live_user(store, owner).associate_id
        if any(a.name.lower() == name.lower() for a in store.list_applications()):
            raise click.ClickException(f"an application named {name!r} exists already")
        value = new_secret() if secret is None else secret.strip()
        if secret is not None and asyncio.run(store.find_application(token_hash(value))) is not None:
            raise click.ClickException("another application is registered with this token already")
        try:
            app_id = store.add_application(name, token_hash(value), owner_id)
        except SochatError as exc:
            raise click.ClickException(str(exc)) from exc
    if secret is not None:
        click.echo(f"registered application {name} (id {app_id}) with the token you gave")
        return
    click.echo(f"registered application {name} (id {app_id}); its SO-AppToken (and OAuth client_secret) is:")
    click.echo(value)


@app.command("remove")
@click.argument("name")
@_database_option
def app_remove(name: str, database_url: str) -> None:
    """Remove application NAME: its SO-AppToken names no application any more, its client_credentials grant
    stops, and the access tokens issued to it end."""
    with _store(database_url) as store:
        store.migrate()
        if not name.isprintable() or not store.remove_application(name):
            raise click.ClickException(f"no application named {name!r}; `sochat app list` shows them")
    click.echo(f"removed application {name}")


@app.command("list")
@_database_option
def app_list(database_url: str) -> None:
    """List registered applications."""
    with _store(database_url) as store:
        store.migrate()
        apps = store.list_applications()
    if not apps:
        click.echo("no applications yet; register one with `sochat app add NAME`")
    for record in apps:
        state = "revoked" if record.revoked else "active"
        click.echo(f"{record.app_id:>4}  {record.name:<30} owner={record.owner_id or '-'}  {state}")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--type",
    "kind",
    default=None,
    help="Entity type of every row (otherwise each row names its own "
    "in a 'type' member or column): Associate, ChatTopic, Person, Contact, Project, Sale, Ticket, ChatSession.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["jsonl", "csv"]),
    default=None,
    help="File format (default: from the extension, .jsonl or .csv).",
)
@click.option("--skip-bad", is_flag=True, help="Load the good rows and write the bad ones to the reject file.")
@click.option(
    "--reject-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where --skip-bad writes bad rows (default: FILE.rejects).",
)
@_database_option
def import_command(
    file: Path, kind: str | None, file_format: str | None, skip_bad: bool, reject_file: Path | None, database_url: str
) -> None:
    """Load records from FILE (JSON Lines or CSV), upserting by id.

    Every row is checked first. If any is bad, all bad rows are listed with their line numbers and
    nothing is loaded (unless --skip-bad). Rows load in one transaction: all of them or none.
    """
    from sochat.transfer import importer
    from sochat.transfer.files import format_of
    from sochat.transfer.records import kind_named

    try:
        fmt = format_of(file, file_format)
        default_kind = kind_named(kind) if kind else None
    except (ValueError, SochatError) as exc:
        raise click.ClickException(str(exc)) from exc
    size = file.stat().st_size
    with _store(database_url) as store:
        store.migrate()
        report = _with_progress(size, "checking", lambda tick: importer.validate(file, fmt, default_kind, tick))
        if report.bad and not skip_bad:
            for line, message in report.bad[:200]:
                click.echo(f"{file.name}:{line}: {message}", err=True)
            if len(report.bad) > 200:
                click.echo(f"... and {len(report.bad) - 200} more bad rows", err=True)
            raise click.ClickException(
                f"{len(report.bad)} of {report.rows} rows are bad; nothing was loaded "
                "(fix them, or pass --skip-bad to load the good ones)"
            )
        rejects_path = reject_file or file.with_name(file.name + ".rejects")
        try:
            with rejects_path.open("w", encoding="utf-8") if report.bad else _no_file() as rejects:
                counts = _with_progress(
                    size,
                    "loading",
                    lambda tick: importer.load(store, file, fmt, default_kind, rejects=rejects, on_bytes=tick),
                )
        except SochatError as exc:
            raise click.ClickException(str(exc)) from exc
    loaded = ", ".join(f"{count} {name}" for name, count in counts.items()) or "nothing"
    click.echo(f"loaded {loaded}")
    if report.bad:
        click.echo(f"skipped {len(report.bad)} bad rows, written to {rejects_path}")


@main.command("export")
@click.option("--type", "kinds", multiple=True, help="Entity type(s) to export (default: all, in load order).")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    show_default=True,
    help="CSV needs exactly one --type.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@click.option(
    "--include-password-hashes",
    is_flag=True,
    help="Also write associates' argon2 password hashes (so users can sign in after an import).",
)
@_database_option
def export_command(
    kinds: tuple[str, ...], file_format: str, output: Path | None, include_password_hashes: bool, database_url: str
) -> None:
    """Write records as JSON Lines (or CSV) in the form `sochat import` reads back."""
    from sochat.transfer import records
    from sochat.transfer.files import write_csv, write_jsonl

    try:
        chosen = [records.kind_named(k) for k in kinds] or list(records.KINDS)
    except SochatError as exc:
        raise click.ClickException(str(exc)) from exc
    if file_format == "csv" and len(chosen) != 1:
        raise click.ClickException("CSV export needs exactly one --type (each type has its own columns)")
    with _store(database_url) as store:
        store.migrate()

        def rows() -> Iterator[dict[str, object]]:
            for kind in chosen:
                for row in store.export_records(kind):
                    yield records.file_row(row, with_password_hash=include_password_hashes, flat=file_format == "csv")

        with output.open("w", encoding="utf-8", newline="") if output else _stdout() as out:
            count = (write_csv if file_format == "csv" else write_jsonl)(rows(), out)
    if output:
        click.echo(f"wrote {count} rows to {output}", err=True)


T = TypeVar("T")


def _with_progress(size: int, label: str, work: Callable[[Callable[[int], None] | None], T]) -> T:
    """Run ``work``; on files over 512 KB (a few thousand rows) show a progress bar over the bytes read."""
    if size < 512 * 1024:
        return work(None)
    with click.progressbar(length=size, label=f"{label:<9}", file=sys.stderr) as bar:
        return work(bar.update)


@contextmanager
def _no_file() -> Iterator[None]:
    yield None


@contextmanager
def _stdout() -> Iterator[TextIO]:
    yield sys.stdout


def _listening_socket(host: str, port: int) -> socket.socket:
    """The listening socket, bound here (not yet listening) with TCP_NODELAY; ClickException naming the address
    and the reason when it cannot be bound.

    Binding it ourselves lets `serve` report a taken port in one line before anything else starts. Left to
    uvicorn, the multi-worker socket is created with protocol 0, asyncio then leaves Nagle's algorithm
    on for accepted connections, and every answer after the first on a keep-alive connection waits about 40 ms
    for the client's delayed ACK (bench/workers_nodelay.py). Linux copies the option to accepted sockets.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {_address(host, port)}: {_bind_reason(exc)}") from None
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        listener.bind((host, port))
    except (OSError, OverflowError, UnicodeError) as exc:  # the last two: a host name the resolver cannot take
        listener.close()
        raise click.ClickException(f"cannot listen on {_address(host, port)}: {_bind_reason(exc)}") from None
    listener.set_inheritable(True)
    return listener


def _bind_reason(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return _BIND_REASONS.get(exc.errno or 0, exc.strerror or str(exc))
    return str(exc)


_BACKLOG = 2048  # uvicorn's default
_BIND_REASONS = {
    errno.EADDRINUSE: "the port is in use by another program (choose another with --port)",
    errno.EACCES: "permission denied (ports below 1024 need privileges)",
    errno.EADDRNOTAVAIL: "this machine has no such address (see --host)",
}


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _shown_url(url: str) -> str:
    """A database URL as it may be printed: a password in it is masked."""
    parts = urlsplit(url) if "://" in url else None
    if parts is None or parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


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


def _now_ticks() -> int:
    from datetime import UTC, datetime

    from sochat.domain import datetimes

    return datetimes.from_datetime(datetime.now(UTC))


def _live_user(store: Store, name: str) -> UserRecord:
    """The user NAME names (ignoring case), or a one-line error when there is no such live user."""
    record = next((u for u in store.list_users() if u.user_name.lower() == name.lower() and not u.deleted), None)
    if record is None:
        raise click.ClickException(f"no user named {name!r}; `sochat user list` shows them")
    return record


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
