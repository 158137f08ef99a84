"""Group activities of an afterschool program: one activity a partner did with several of
their clients at once, logged as one held meeting per partnership.

The model names two settings: an afterschool program, where a partner works with several
clients in one room, and individual work. In an afterschool program the partner logs the
group activity once; each partnership still gets its own meeting record (fidelity counts
meetings per partnership), and the records share a ``group_id``. It is one transaction:
every meeting is written, or none is, and each problem is named at
``partnership_ids[<index>]``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..access import Actor
from ..errors import NotFound, ValidationFailed
from ..models import Meeting, Partnership, Program, utcnow
from ._reading import detach
from ._unit import unit_of_work
from .access import (
    ALLOWED,
    forbid,
    partnership_scope,
    record_access,
    record_denied,
    record_reads,
    require_actor,
    role_reaching,
)
from .meeting_rules import check_meeting
from .partnerships import ensure_open

OBJECT_TYPE = "meeting"
AFTERSCHOOL = "afterschool"


@dataclass(frozen=True)
class GroupActivity:
    """A logged group activity: its ``group_id`` and the meeting written per partnership,
    in the order the partnerships were named."""

    group_id: str
    meetings: list[Meeting]


def log_group_activity(actor: Actor | None, data: dict[str, Any]) -> GroupActivity:
    """Log one held group activity for several partnerships of one partner, each as a held
    meeting of its own.

    Args:
        actor: the partner of every partnership named, or a manager of their program.
        data: ``partnership_ids`` (two or more), ``scheduled_at`` and ``minutes``.

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: a partnership is outside the actor's reach (each audited as denied).
        Forbidden: the actor is neither the partner nor a manager of the program (audited).
        ValidationFailed: the partnerships are not all of one afterschool program and one
            partner (``partnership_ids``), or a meeting for one of them cannot have happened
            or its partnership is closed (``partnership_ids[<index>]``). Nothing is written.
    """
    actor = require_actor(actor)
    ids: list[int] = data["partnership_ids"]
    with unit_of_work() as unit:
        found = {
            row.id: row
            for row in unit.session.scalars(
                select(Partnership)
                .where(Partnership.id.in_(ids), partnership_scope(actor))
                .order_by(Partnership.id)
                .with_for_update()
            )
        }
        missing = [pid for pid in ids if pid not in found]
        for pid in missing:
            record_denied(actor, "partnership", pid, "log_group_activity")
        if missing:
            raise NotFound(f"No partnerships {', '.join(map(str, missing))} that you can reach.")
        partnerships = [found[pid] for pid in ids]
        _check_group(unit.session, actor, partnerships)
        problems: dict[str, list[str]] = {}
        for index, partnership in enumerate(partnerships):
            try:
                ensure_open(partnership, "partnership_id")
                check_meeting(
                    unit.session,
                    partnership,
                    {
                        "scheduled_at": data["scheduled_at"],
                        "status": "held",
                        "minutes": data["minutes"],
                    },
                )
            except ValidationFailed as refused:
                for field, texts in refused.fields.items():
                    if field == "minutes":  # the same for every partnership: say it once
                        problems["minutes"] = texts
                        continue
                    problems.setdefault(f"partnership_ids[{index}]", []).extend(
                        f"Partnership {partnership.id}: {text}" for text in texts
                    )
        if problems:
            raise ValidationFailed(
                "The group activity cannot be logged for every partnership; nothing was logged.",
                fields=problems,
            )
        group_id = uuid.uuid4().hex
        now = utcnow()
        meetings = [
            Meeting(
                partnership_id=partnership.id,
                scheduled_at=data["scheduled_at"],
                status="held",
                minutes=data["minutes"],
                activities_done=[],
                group_id=group_id,
                logged_by=actor.user_id,
                logged_at=now,
            )
            for partnership in partnerships
        ]
        unit.session.add_all(meetings)
        unit.session.flush()
        for meeting in meetings:
            record_access(actor, OBJECT_TYPE, meeting.id, "create", ALLOWED)
            meeting.superseded_by_id = None
        detach(unit.session, meetings)
    return GroupActivity(group_id, meetings)


def get_group_activity(actor: Actor | None, group_id: str) -> GroupActivity:
    """A logged group activity: its meetings the actor can reach, in partnership order
    (the read is audited as one row naming every meeting).

    Raises:
        Unauthenticated: no actor.
        NotFound: no meeting of that group within the actor's scope (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        # Reading: a supervisor covering an absence sees the covered partnerships' meetings
        # of the group (and only those), while the grant runs.
        rows = unit.session.execute(
            select(
                Meeting, Partnership.program_id, Partnership.supervisor_id, Partnership.partner_id
            )
            .join(Partnership, Partnership.id == Meeting.partnership_id)
            .where(Meeting.group_id == group_id, partnership_scope(actor, reading=True))
            .order_by(Meeting.partnership_id, Meeting.id)
        ).all()
        if not rows:
            record_denied(actor, OBJECT_TYPE, None, "read_group_activity")
            raise NotFound(f"No group activity {group_id} that you can reach.")
        meetings = [row[0] for row in rows]
        programs = {row.program_id for row in rows}
        record_reads(
            actor,
            OBJECT_TYPE,
            [meeting.id for meeting in meetings],
            "read_group_activity",
            program_id=programs.pop() if len(programs) == 1 else None,
            role=role_reaching(actor, [row._mapping for row in rows], actor.primary_role),
        )
        detach(unit.session, meetings)
    return GroupActivity(group_id, meetings)


def _check_group(session: Any, actor: Actor, partnerships: list[Partnership]) -> None:
    program_ids = {partnership.program_id for partnership in partnerships}
    partner_ids = {partnership.partner_id for partnership in partnerships}
    if len(program_ids) > 1:
        raise ValidationFailed(
            "A group activity takes place in one program.",
            fields={"partnership_ids": ["Name partnerships of one program only."]},
        )
    [program_id] = program_ids
    if len(partner_ids) > 1 or None in partner_ids:
        raise ValidationFailed(
            "A group activity is one partner's activity with several of their clients.",
            fields={"partnership_ids": ["Name partnerships of one partner only."]},
        )
    [partner_id] = partner_ids
    if partner_id not in actor.partner_ids and program_id not in actor.managed_program_ids:
        forbid(
            actor,
            "partnership",
            partnerships[0].id,
            "log_group_activity",
            "Only the partner of these partnerships, or a manager of their program, logs "
            "their group activities.",
        )
    setting = session.scalar(select(Program.setting).where(Program.id == program_id))
    if setting != AFTERSCHOOL:
        raise ValidationFailed(
            f"Program {program_id} runs individually; group activities belong to "
            "afterschool programs.",
            fields={
                "partnership_ids": [
                    f"Program {program_id} is not an afterschool program; log each meeting "
                    "on its own partnership, or set the program's setting to afterschool."
                ]
            },
        )
