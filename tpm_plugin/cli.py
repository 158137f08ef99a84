"""``flask tpm …``: the plugin's command-line interface. Commands stay thin: they call
services and the migration runner, and print sentences, not tracebacks."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from . import migrate
from .bootstrap_cli import people_cli, programs_cli
from .intake_cli import intake_cli
from .jobs.cli import jobs_cli, outbox_cli
from .jobs.placement_cli import supervision_cli
from .jobs.rhythm_cli import rhythm_cli
from .workflows.cli import workflow_cli


@click.group("tpm")
def tpm_cli() -> None:
    """The Therapeutic Partnership Model plugin."""


tpm_cli.add_command(workflow_cli)
tpm_cli.add_command(intake_cli)
tpm_cli.add_command(programs_cli)
tpm_cli.add_command(people_cli)
tpm_cli.add_command(outbox_cli)
tpm_cli.add_command(jobs_cli)
tpm_cli.add_command(rhythm_cli)
tpm_cli.add_command(supervision_cli)


@tpm_cli.group("db")
def db_cli() -> None:
    """The plugin's own tables and migrations (separate from the host's)."""


def _engine():
    return current_app.extensions["tpm"].db.engine


def _unreachable(error: OperationalError) -> click.ClickException:
    url = _engine().url.render_as_string(hide_password=True)
    reason = str(error.orig).strip().splitlines()[0] if error.orig else "no answer"
    return click.ClickException(f"Cannot reach the database at {url} ({reason}).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Create or upgrade the plugin's tables to REVISION (default: head)."""
    try:
        migrate.upgrade(_engine(), revision)
    except OperationalError as error:
        raise _unreachable(error) from None
    click.echo(f"tpm_plugin tables at revision {migrate.current_revision(_engine())}.")


@db_cli.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Downgrade the plugin's tables to REVISION ('base' removes them all)."""
    try:
        migrate.downgrade(_engine(), revision)
    except OperationalError as error:
        raise _unreachable(error) from None
    click.echo(f"tpm_plugin tables at revision {migrate.current_revision(_engine()) or 'base'}.")


@db_cli.command("current")
@with_appcontext
def db_current() -> None:
    """Show the plugin's revision in the database and the newest one installed."""
    try:
        current = migrate.current_revision(_engine())
    except OperationalError as error:
        raise _unreachable(error) from None
    head = migrate.head_revision()
    state = "up to date" if current == head else f"head is {head}; run `flask tpm db upgrade`"
    click.echo(f"{current or 'base'} ({state})")


@tpm_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@click.option("--with-scheduler", is_flag=True, help="Also move scheduled jobs when due.")
@with_appcontext
def worker(burst: bool, with_scheduler: bool) -> None:
    """Run an rq worker on the plugin's queue, each job in the app's context. With
    --with-scheduler it also runs the periodic jobs (the outbox relay, the sweeps)."""
    from .jobs.worker import book_periodic_jobs, make_worker

    app = current_app._get_current_object()
    try:
        rq_worker = make_worker(app)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    if with_scheduler:
        book_periodic_jobs(app)
    rq_worker.work(burst=burst, with_scheduler=with_scheduler)


@tpm_cli.command("doctor")
@with_appcontext
def doctor() -> None:
    """List every published workflow version's guards against the registered ones; exit 1
    naming each guard a version needs that this app has not registered."""
    from .services.workflow_versions import guard_report

    try:
        report = guard_report()
    except OperationalError as error:
        raise _unreachable(error) from None
    registered = sorted(current_app.extensions["tpm"].ext.guards)
    click.echo(f"Registered guards: {', '.join(registered) or 'none'}.")
    for entry in report:
        named = ", ".join(entry.guards) or "no guards"
        click.echo(f"{entry.workflow_key} version {entry.version}: {named}.")
    missing = sorted({name for entry in report for name in entry.missing})
    if missing:
        lines = [
            f"Not registered on this app: {', '.join(missing)}. Register each with "
            "@tpm.guard(name) before serving requests; until then the transitions naming "
            "them answer 503 guard_not_registered."
        ]
        for entry in report:
            if entry.missing:
                lines.append(
                    f"  {entry.workflow_key} version {entry.version} needs "
                    f"{', '.join(entry.missing)}."
                )
        raise click.ClickException("\n".join(lines))
    click.echo("Every guard a published version names is registered.")
