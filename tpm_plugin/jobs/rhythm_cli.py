"""``flask tpm rhythm …``: plan the coming week and sweep what is due, by hand (the
scheduler runs both on its own)."""

from __future__ import annotations

import click
import redis
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..models import Partnership
from ..services._unit import session
from .sweep import plan_coming_week, sweep

rhythm_cli = click.Group("rhythm", help="The meeting rhythm: planning, reminders, misses.")


def _open_partnerships() -> int:
    return session().scalar(
        select(func.count()).select_from(Partnership).where(Partnership.ended_at.is_(None))
    )


@rhythm_cli.command("plan")
@with_appcontext
def rhythm_plan() -> None:
    """Schedule the coming week's meetings from every partnership's preferred times."""
    with click.progressbar(length=_open_partnerships(), label="Planning") as bar:
        planned = plan_coming_week(on_batch=bar.update)
    click.echo(f"Scheduled {planned} meetings.")


@rhythm_cli.command("sweep")
@with_appcontext
def rhythm_sweep() -> None:
    """Flag missed weeks and book every due reminder, log nudge and review now."""
    try:
        with click.progressbar(length=_open_partnerships(), label="Sweeping") as bar:
            result = sweep(on_batch=bar.update)
    except redis.RedisError as error:
        raise click.ClickException(
            f"Redis did not answer ({error.__class__.__name__}); check TPM_REDIS_URL and that "
            "Redis is running. Nothing is lost: the next sweep books what is due."
        ) from None
    click.echo(
        f"Flagged {result.missed_weeks} missed weeks; {result.due} jobs due, "
        f"{result.booked} newly booked."
    )
