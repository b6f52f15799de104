"""`sochat import` and `sochat export`: records to and from JSON Lines and CSV files."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO, TypeVar

import click

from sochat.cli.common import opened_store
from sochat.cli.options import database_option
from sochat.domain.errors import SochatError


@click.command("import")
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
@database_option
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
    with opened_store(database_url) as store:
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


@click.command("export")
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
@database_option
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
    with opened_store(database_url) as store:
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
