"""Misses: program-local weeks a partnership ended below its meetings target.

The sweep checks each program's last finished local week once (a row in
``tpm_checked_weeks`` says it is done; two sweeps at once check it once, the second one's
insert of the same week fails and it moves on), flags every partnership below target on
its supervisor's list, and sends :data:`tpm_plugin.signals.week_missed` after the commit.
Since the sweep runs every few minutes, a week is flagged well within a day of its end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ... import signals
from ...access import Actor
from ...errors import NotFound
from ...models import CheckedWeek, MissedWeek, Partnership, Program, Supervisor
from .._reading import Page, detach, paginate
from .._unit import session, unit_of_work
from ..access import record_denied, record_reads, require_actor, role_on
from ..fidelity import week_window
from ..fidelity.below import partnerships_below_target
from .local_time import wall_time

OBJECT_TYPE = "missed_week"
LIST_ACTION = "list_misses"


def flag_missed_weeks(now: dt.datetime) -> int:
    """Flag the misses of every program's last finished local week not yet checked.

    One transaction per program. Returns how many missed weeks were flagged.
    """
    programs = session().execute(select(Program.id, Program.timezone)).all()
    session().rollback()
    return sum(_flag_program_week(program_id, timezone, now) for program_id, timezone in programs)


def _flag_program_week(program_id: int, timezone: str, now: dt.datetime) -> int:
    today = wall_time(now, ZoneInfo(timezone)).date()
    last_monday = today - dt.timedelta(days=today.weekday() + 7)
    [week] = week_window(timezone, start=last_monday, end=last_monday)
    app = current_app._get_current_object()
    try:
        with unit_of_work() as unit:
            unit.session.add(CheckedWeek(program_id=program_id, week_starts_on=last_monday))
            unit.session.flush()
            missed = [
                MissedWeek(
                    partnership_id=below.partnership_id,
                    supervisor_id=below.supervisor_id,
                    week_starts_on=last_monday,
                    meetings_target=below.meetings_target,
                    meetings_held=below.meetings_held,
                )
                for below in partnerships_below_target(week, Partnership.program_id == program_id)
            ]
            unit.session.add_all(missed)
            unit.session.flush()
            flagged = [(m.partnership_id, m.supervisor_id) for m in missed]
            for partnership_id, supervisor_id in flagged:
                unit.after_commit(
                    lambda p=partnership_id, s=supervisor_id: signals.week_missed.send(
                        app,
                        partnership_id=p,
                        supervisor_id=s,
                        program_id=program_id,
                        week_starts_on=last_monday,
                    )
                )
    except IntegrityError:
        # Another sweep checked this week first.
        return 0
    return len(flagged)


def list_misses(actor: Actor | None, supervisor_id: int, query: dict[str, Any]) -> Page[MissedWeek]:
    """One page of a supervisor's missed weeks, newest week first (each read audited), for
    the supervisor (any of the actor's supervisor rows) or a program manager of their
    program.

    Args:
        query: ``page``, ``page_size`` and optionally ``since`` (a local date: weeks
            starting on or after it).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: no such supervisor within the actor's reach (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        program_id = unit.session.scalar(
            select(Supervisor.program_id).where(Supervisor.id == supervisor_id)
        )
        # Any of the actor's supervisor rows (one per program they supervise in) reaches
        # its own misses, not only the first.
        if program_id is None or not (
            supervisor_id in actor.supervisor_ids or program_id in actor.managed_program_ids
        ):
            record_denied(actor, "supervisor", supervisor_id, LIST_ACTION)
            raise NotFound(f"No supervisor {supervisor_id} that you can reach.")
        statement = select(MissedWeek).where(MissedWeek.supervisor_id == supervisor_id)
        if query.get("since") is not None:
            statement = statement.where(MissedWeek.week_starts_on >= query["since"])
        statement = statement.order_by(MissedWeek.week_starts_on.desc(), MissedWeek.id.desc())
        rows, total = paginate(unit.session, statement, query["page"], query["page_size"])
        # Read as the supervisor themselves or as a manager of their program, whatever
        # other roles the actor holds elsewhere; every row is of the supervisor's program,
        # so the read is in that program's trail.
        role = role_on(actor, program_id, supervisor_id=supervisor_id)
        record_reads(
            actor,
            OBJECT_TYPE,
            [row.id for row in rows],
            LIST_ACTION,
            role=role,
            program_id=program_id,
        )
        detach(unit.session, rows)
    return Page(rows, query["page"], query["page_size"], total)
