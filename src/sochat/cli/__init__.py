"""The `sochat` command: serve the API and administer its database.

One module a subject: serve.py (serve, migrate), users.py (user, ticket), apps.py (app), transfer.py (import,
export); options.py derives the options that are settings from sochat.settings.
"""

from __future__ import annotations

import click

from sochat import __version__
from sochat.cli.apps import app
from sochat.cli.serve import migrate, serve
from sochat.cli.transfer import export_command, import_command
from sochat.cli.users import ticket, user


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="sochat")
def main() -> None:
    """sochat serves SuperOffice CRM's Chat Web API (POST /api/v1/Agents/Chat/...) from your own machine.

    Start with `sochat serve --demo`, then send SuperOffice's sample request with user tje0,
    password Tje0. Every option can also be set with the SOCHAT_ environment variable shown in
    each command's --help.
    """


for command in (serve, migrate, user, ticket, app, import_command, export_command):
    main.add_command(command)
