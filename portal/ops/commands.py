"""`portal backup FILE`, `portal restore FILE [--force]` and `portal worker`."""

from pathlib import Path

import click
from flask import Blueprint, current_app

from portal.cli import CommandError
from portal.db import DatabaseUnreachable, check_database
from portal.ops.backup import BackupError, backup, restore
from portal.ops.worker import QueueUnreachable, check_queue, run_worker

bp = Blueprint("ops_commands", __name__, cli_group=None)


@bp.cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file):
    """Write the database, every stored file and a manifest of checksums to FILE (a tar
    archive), while the portal serves."""
    try:
        summary = backup(current_app, file)
    except BackupError as error:
        raise CommandError(str(error)) from None
    click.echo(
        f"Backed up the {summary.database} database (schema {summary.schema_revision}) and "
        f"{summary.files} file(s) to {file} ({summary.bytes:,} bytes)."
    )


@bp.cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database and data folder that hold data.")
def restore_command(file, force):
    """Fill an empty database and data folder from a backup FILE, after checking every
    checksum, then upgrade the schema. Stop the portal first."""
    try:
        summary = restore(current_app, file, force=force)
    except BackupError as error:
        raise CommandError(str(error)) from None
    click.echo(
        f"Restored the {summary.database} database (schema {summary.schema_revision}, now "
        f"upgraded) and {summary.files} file(s) from {file}."
    )


@bp.cli.command("worker")
@click.option(
    "--threads", type=click.IntRange(min=1), default=2, show_default=True,
    help="Tasks run at once.",
)  # fmt: skip
def worker_command(threads):
    """Run the queued and periodic tasks until stopped (SIGTERM lets the tasks under way
    end): the mail the requests queue, the outbox's sweep every minute, the audit trail's
    purge and the daily summaries."""
    try:
        check_database(current_app)
        check_queue(current_app)
    except (DatabaseUnreachable, QueueUnreachable) as error:
        raise CommandError(f"The worker cannot start: {error}") from None
    run_worker(current_app._get_current_object(), threads)
