"""`sochat app`: applications that identify themselves with SO-AppToken."""

from __future__ import annotations

import asyncio

import click

from sochat.cli.common import live_user, opened_store
from sochat.cli.options import database_option
from sochat.domain.errors import SochatError


@click.group()
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
@database_option
def app_add(name: str, owner: str | None, secret: str | None, database_url: str) -> None:
    """Register application NAME and print its token (shown once; only its hash is stored)."""
    from sochat.security.tokens import new_secret, token_hash

    if not name.strip() or not name.isprintable():
        raise click.ClickException(f"an application name must be printable text: {name[:40]!r}")
    if secret is not None and not secret.strip():
        raise click.ClickException("--token must not be empty")
    with opened_store(database_url) as store:
        store.migrate()
        owner_id = None
        if owner is not None:
            owner_id = live_user(store, owner).associate_id
        if any(
            a.name.lower() == name.lower() for a in store.run_admin(lambda unit: unit.applications.list(), write=False)
        ):
            raise click.ClickException(f"an application named {name!r} exists already")
        value = new_secret() if secret is None else secret.strip()
        if (
            secret is not None
            and asyncio.run(store.read(lambda unit: unit.applications.find(token_hash(value)), point=True)) is not None
        ):
            raise click.ClickException("another application is registered with this token already")
        try:
            app_id = store.run_admin(lambda unit: unit.applications.add(name, token_hash(value), owner_id))
        except SochatError as exc:
            raise click.ClickException(str(exc)) from exc
    if secret is not None:
        click.echo(f"registered application {name} (id {app_id}) with the token you gave")
        return
    click.echo(f"registered application {name} (id {app_id}); its SO-AppToken (and OAuth client_secret) is:")
    click.echo(value)


@app.command("remove")
@click.argument("name")
@database_option
def app_remove(name: str, database_url: str) -> None:
    """Remove application NAME: its SO-AppToken names no application any more, its client_credentials grant
    stops, and the access tokens issued to it end."""
    with opened_store(database_url) as store:
        store.migrate()
        if not name.isprintable() or not store.run_admin(lambda unit: unit.applications.remove(name)):
            raise click.ClickException(f"no application named {name!r}; `sochat app list` shows them")
    click.echo(f"removed application {name}")


@app.command("list")
@database_option
def app_list(database_url: str) -> None:
    """List registered applications."""
    with opened_store(database_url) as store:
        store.migrate()
        apps = store.run_admin(lambda unit: unit.applications.list(), write=False)
    if not apps:
        click.echo("no applications yet; register one with `sochat app add NAME`")
    for record in apps:
        state = "revoked" if record.revoked else "active"
        click.echo(f"{record.app_id:>4}  {record.name:<30} owner={record.owner_id or '-'}  {state}")
