"""``flask tpm supervision place``: place a week of supervision blocks by hand (the
scheduler does it on its own after the week begins and after each change)."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..models import Program
from ..services._unit import session
from ..services.supervision_placement.requests import local_monday
from ..services.supervision_placement.weekly import place_program_week

supervision_cli = click.Group("supervision", help="Supervision scheduling: weekly blocks.")


@supervision_cli.command("place")
@click.option("--program", "program_ids", type=int, multiple=True, help="Only this program.")
@click.option(
    "--week",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Any local day of the week to place (default: each program's current week).",
)
@with_appcontext
def supervision_place(program_ids: tuple[int, ...], week: dt.datetime | None) -> None:
    """Place the week's supervision blocks of every program (or those named)."""
    statement = select(Program.id, Program.timezone).order_by(Program.id)
    if program_ids:
        statement = statement.where(Program.id.in_(program_ids))
    programs = session().execute(statement).all()
    session().rollback()
    if program_ids and len(programs) != len(set(program_ids)):
        missing = sorted(set(program_ids) - {program_id for program_id, _ in programs})
        raise click.BadParameter(f"No program {missing[0]}.", param_hint="--program")
    blocks = unplaced = 0
    with click.progressbar(programs, label="Placing") as bar:
        for program_id, timezone in bar:
            day = week.date() if week else local_monday(timezone, dt.datetime.now(dt.UTC))
            placement = place_program_week(program_id, day - dt.timedelta(days=day.weekday()))
            blocks += len(placement.blocks)
            unplaced += len(placement.unplaced)
    click.echo(f"Placed {blocks} blocks; {unplaced} partners' supervision left unplaced.")
