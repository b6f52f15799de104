"""`sochat user` and `sochat ticket`: the users who may call the API, and the SOTicket tickets they sign in with."""

from __future__ import annotations

import asyncio

import click

from sochat.cli.common import check_password, live_user, now_ticks, opened_store
from sochat.cli.options import database_option
from sochat.domain.errors import SochatError
from sochat.domain.principal import Role
from sochat.settings import Settings
from sochat.store.records import NewAssociate, NewToken


@click.group()
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
@database_option
def user_add(name: str, password: str, role: str, full_name: str, database_url: str) -> None:
    """Add user NAME who can sign in with Basic authentication."""
    from sochat.security.passwords import hash_password
    from sochat.security.usernames import user_name_problem

    problem = user_name_problem(name)
    if problem is not None:
        raise click.ClickException(f"{problem}: {name[:40]!r}")
    check_password(password)
    with opened_store(database_url) as store:
        store.migrate()
        taken = next(
            (
                u
                for u in store.run_admin(lambda unit: unit.users.list(), write=False)
                if u.user_name.lower() == name.lower()
            ),
            None,
        )
        if taken is not None and taken.deleted:
            raise click.ClickException(f"user {name!r} was deleted; a deleted user's name is not given out again")
        if taken is not None:
            raise click.ClickException(f"user {name!r} exists already; use `sochat user passwd` to change it")
        # hashed before the job: argon2 must not hold SQLite's write transaction (a running server waits on it)
        new = NewAssociate(name, Role(role), hash_password(password), full_name=full_name, formal_name=full_name)
        try:
            associate_id = store.run_admin(lambda unit: unit.users.add(new))
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
@database_option
def user_passwd(name: str, password: str, database_url: str) -> None:
    """Change user NAME's password; the old one stops working at once, also in running servers, and the
    user's tickets, access tokens and browser sessions end."""
    from sochat.security.passwords import hash_password

    check_password(password)
    with opened_store(database_url) as store:
        store.migrate()
        hashed = hash_password(password)  # before the job, so argon2 does not hold the write transaction
        if not store.run_admin(lambda unit: unit.users.set_password(name, hashed)):
            raise click.ClickException(f"no user named {name!r}")
    click.echo(f"password changed for {name}; their tickets, access tokens and browser sessions have ended")


@user.command("delete")
@click.argument("name")
@database_option
def user_delete(name: str, database_url: str) -> None:
    """Delete user NAME: they can no longer sign in, and their tickets, tokens and sessions end at once.

    As in SuperOffice the associate is retired, not erased: chat sessions keep their link to it, and
    the name is not given out again."""
    from sochat.agents.lockout import user_lock_key

    with opened_store(database_url) as store:
        store.migrate()
        record = live_user(store, name)
        if not store.run_admin(lambda unit: unit.users.retire(record.user_name)):
            raise click.ClickException(f"no user named {name!r}")
        store.run_admin(lambda unit: unit.lockout.remove([user_lock_key(record.user_name)]))
    click.echo(
        f"deleted user {record.user_name} (AssociateId {record.associate_id}): signing in is refused and their "
        "tickets, access tokens and browser sessions have ended"
    )


@user.command("unlock")
@click.argument("name")
@database_option
def user_unlock(name: str, database_url: str) -> None:
    """Lift the lock that failed logins put on user NAME, and forget those failures."""
    from sochat.agents.lockout import user_lock_key

    with opened_store(database_url) as store:
        store.migrate()
        record = live_user(store, name)
        removed = store.run_admin(lambda unit: unit.lockout.remove([user_lock_key(record.user_name)]))
    if removed:
        click.echo(f"unlocked {record.user_name}: failed logins forgotten, signing in works again")
    else:
        click.echo(f"{record.user_name} was not locked (no failed logins counted)")


@user.command("list")
@database_option
def user_list(database_url: str) -> None:
    """List users with their AssociateId and role."""
    with opened_store(database_url) as store:
        store.migrate()
        users = store.run_admin(lambda unit: unit.users.list(), write=False)
    if not users:
        click.echo("no users yet; add one with `sochat user add NAME --role admin`, or start with --demo")
        return
    click.echo(f"{'AssociateId':>11}  {'user':<20} {'role':<9} full name")
    for record in users:
        deleted = "  (deleted)" if record.deleted else ""
        click.echo(
            f"{record.associate_id:>11}  {record.user_name:<20} {record.role.value:<9} {record.full_name}{deleted}"
        )


@click.group()
def ticket() -> None:
    """Issue and revoke SOTicket tickets (Authorization: SOTicket 7T:...)."""


@ticket.command("issue")
@click.argument("name")
@click.option(
    "--idle-minutes",
    type=click.IntRange(min=1),
    default=None,
    help=f"Expire after this long unused (default: the server setting, {Settings.ticket_idle_minutes}).",
)
@database_option
def ticket_issue(name: str, idle_minutes: int | None, database_url: str) -> None:
    """Print a new ticket for user NAME. Store it like a password: it signs in as that user."""
    from sochat.security.tokens import new_ticket, token_hash

    defaults = Settings()
    idle = idle_minutes or defaults.ticket_idle_minutes
    with opened_store(database_url) as store:
        store.migrate()
        user = live_user(store, name)  # a deleted user's ticket would never sign in
        value = new_ticket()
        now = now_ticks()
        minute = 60 * 10_000_000
        asyncio.run(
            store.write(
                lambda unit: unit.tokens.add(
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
        )
    click.echo(value)


@ticket.command("revoke")
@click.argument("value")
@database_option
def ticket_revoke(value: str, database_url: str) -> None:
    """Revoke a ticket (or an 8A: access token) at once, in every running server."""
    from sochat.security.tokens import token_hash

    with opened_store(database_url) as store:
        store.migrate()
        revoked = asyncio.run(store.write(lambda unit: unit.tokens.revoke(token_hash(value.strip()))))
    if not revoked:
        raise click.ClickException("no such live ticket or token")
    click.echo("revoked")
