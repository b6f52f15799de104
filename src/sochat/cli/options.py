"""The commands' click options, derived from the settings' declarations in sochat.settings.

Here, and only here, settings are read from the command line and the SOCHAT_ environment (click does both: the
command line wins). A boolean variable takes click's spellings: true/false, 1/0, yes/no (also on/off, t/f, y/n).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from sochat.settings import DeclaredSetting, Settings, declared_settings

Command = TypeVar("Command", bound=Callable[..., Any])


def setting_option(declared: DeclaredSetting) -> Callable[[Command], Command]:
    """The click option of one declared setting: its flag, environment variable, default, help and checks."""
    user_option = declared.option
    extra: dict[str, Any] = {}
    if isinstance(declared.default, bool):
        extra["is_flag"] = True
    else:
        extra["default"] = declared.default
        # An empty or absent default says nothing in --help; the help text says what unset means.
        extra["show_default"] = declared.default not in ("", None)
        extra["type"] = _value_type(declared)
        if extra["type"] is None:
            extra["callback"] = _not_an_option
    if user_option.metavar is not None:
        extra["metavar"] = user_option.metavar
    return click.option(
        user_option.flag,
        declared.name,
        envvar=user_option.environment_variable,
        show_envvar=True,
        help=user_option.help,
        **extra,
    )


def _not_an_option(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A text option followed by another option took that option as its value (`--database --help`): show the
    help for --help, and refuse any other value that starts with '-' instead of, say, creating a database file
    called '--demo'. No text setting has a value that starts with '-'."""
    if isinstance(value, str) and value.startswith("-"):
        if value in ("--help", "-h"):
            click.echo(ctx.get_help())
            ctx.exit(0)
        raise click.BadParameter(f"'{value}' looks like an option, not a value: give {param.opts[0]} a value first")
    return value


def _value_type(declared: DeclaredSetting) -> object:
    user_option = declared.option
    if user_option.choices:
        return click.Choice(list(user_option.choices))
    if isinstance(declared.default, int):
        if user_option.minimum is None and user_option.maximum is None:
            return int
        return click.IntRange(min=user_option.minimum, max=user_option.maximum)
    return None  # text: click's default


def _with_options(settings: list[DeclaredSetting]) -> Callable[[Command], Command]:
    def decorate(command: Command) -> Command:
        for declared in reversed(settings):  # decorators apply bottom-up; --help lists them in declaration order
            command = setting_option(declared)(command)
        return command

    return decorate


# Every command that opens the database takes --database (SOCHAT_DATABASE_URL).
database_option = _with_options(declared_settings(serve_only=False))

# `sochat serve` takes every setting.
serve_options = _with_options(declared_settings())


def settings_from_options(options: dict[str, Any]) -> Settings:
    """The Settings of `serve`'s parsed options. Browser sessions expire as tickets do: one option sets both."""
    return Settings(**options, session_idle_minutes=options["ticket_idle_minutes"])
