"""``flask tpm outbox …`` and ``flask tpm jobs …``: the relay and rq's failed jobs by hand.

Everything printed is ids, job names and counts: job arguments never hold more.
"""

from __future__ import annotations

import click
import redis
from flask import current_app
from flask.cli import with_appcontext
from rq.job import Job
from rq.registry import FailedJobRegistry

from ..services.outbox import outbox_status
from .registry import job_name_of
from .relay import relay_outbox

outbox_cli = click.Group("outbox", help="The job outbox: what waits to be handed to rq.")
jobs_cli = click.Group("jobs", help="The plugin's rq jobs: failed ones, and requeueing them.")


def _redis_down(error: redis.RedisError) -> click.ClickException:
    return click.ClickException(
        f"Redis did not answer ({error.__class__.__name__}); check TPM_REDIS_URL and that Redis "
        "is running. The outbox keeps every row until a relay succeeds."
    )


@outbox_cli.command("relay")
@with_appcontext
def outbox_relay() -> None:
    """Hand every due outbox row to rq now (the scheduler does this every few seconds)."""
    backlog = outbox_status().due
    try:
        with click.progressbar(length=backlog, label="Relaying") as bar:
            result = relay_outbox(on_batch=bar.update)
    except redis.RedisError as error:
        raise _redis_down(error) from None
    refused = f"; refused {result.refused} naming no registered job" if result.refused else ""
    click.echo(f"Relayed {result.relayed} outbox rows; enqueued {result.enqueued} jobs{refused}.")


@outbox_cli.command("status")
@with_appcontext
def outbox_status_command() -> None:
    """Show the backlog: rows due and not yet relayed, and how long the oldest has waited."""
    status = outbox_status()
    age = (
        "none waiting"
        if status.oldest_due_age is None
        else f"oldest waiting {int(status.oldest_due_age.total_seconds())} s"
    )
    click.echo(
        f"{status.due} due ({age}), {status.waiting} scheduled for later, "
        f"{status.relayed} relayed, {status.refused} refused."
    )


def _failed_registry() -> FailedJobRegistry:
    backend = current_app.extensions["tpm"].queue
    return FailedJobRegistry(queue=backend.queue)


@jobs_cli.command("failed")
@with_appcontext
def jobs_failed() -> None:
    """List the plugin's jobs that used up their retries: job id, job name, when it failed."""
    backend = current_app.extensions["tpm"].queue
    try:
        job_ids = _failed_registry().get_job_ids()
        jobs = Job.fetch_many(
            job_ids, connection=backend.connection, serializer=backend.queue.serializer
        )
    except redis.RedisError as error:
        raise _redis_down(error) from None
    if not job_ids:
        click.echo("No failed jobs.")
        return
    for job_id, job in zip(job_ids, jobs, strict=True):
        if job is None:
            click.echo(f"{job_id}  (expired)")
            continue
        ended = job.ended_at.isoformat(timespec="seconds") if job.ended_at else "?"
        click.echo(f"{job_id}  {job_name_of(job.func_name) or job.func_name}  failed {ended}")


@jobs_cli.command("requeue")
@click.argument("job_ids", nargs=-1)
@click.option("--all", "requeue_all", is_flag=True, help="Requeue every failed job.")
@with_appcontext
def jobs_requeue(job_ids: tuple[str, ...], requeue_all: bool) -> None:
    """Put failed jobs back on the queue (by JOB_IDS, or --all). A requeued notification
    job sends nothing that was sent already: the send ledger remembers."""
    registry = _failed_registry()
    try:
        failed = set(registry.get_job_ids())
        if requeue_all:
            job_ids = tuple(sorted(failed))
        elif not job_ids:
            raise click.UsageError("Name the failed job ids to requeue, or pass --all.")
        unknown = [job_id for job_id in job_ids if job_id not in failed]
        if unknown:
            raise click.ClickException(
                f"Not in the failed jobs: {', '.join(unknown)}. "
                "See `flask tpm jobs failed` for the ids."
            )
        for job_id in job_ids:
            registry.requeue(job_id)
    except redis.RedisError as error:
        raise _redis_down(error) from None
    click.echo(f"Requeued {len(job_ids)} jobs.")
