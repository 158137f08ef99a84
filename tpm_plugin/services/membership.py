"""Who is in a program: its managers, supervisors and partners, by host user.

These are the calls that set a center up before anybody can use the API (``flask tpm
programs create``, ``flask tpm people add|remove``), and the removal of a program manager,
which the API offers too. A program always keeps at least one manager: removing the last
one is refused, so nobody is locked out of a program.

Supervisors and partners are never deleted (partnerships and care records point at them):
removing one marks them inactive, which takes their roles away; adding them again
reactivates the same row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..access import Actor
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import Partner, Program, ProgramManager, Supervisor
from ._unit import unit_of_work
from .access import ALLOWED, record_access, record_denied, require_actor

MANAGER, SUPERVISOR, PARTNER = "manager", "supervisor", "partner"
#: The roles ``flask tpm people add|remove`` takes.
MEMBER_ROLES = (MANAGER, SUPERVISOR, PARTNER)

_HELPERS: dict[str, Any] = {SUPERVISOR: Supervisor, PARTNER: Partner}


@dataclass(frozen=True)
class Membership:
    """What :func:`add_member` or :func:`remove_member` did.

    Attributes:
        program_id: the program.
        role: ``manager``, ``supervisor`` or ``partner``.
        row_id: the ``tpm_program_managers``, ``tpm_supervisors`` or ``tpm_partners`` row.
        change: ``added``, ``reactivated``, ``removed`` or ``deactivated``.
    """

    program_id: int
    role: str
    row_id: int
    change: str


def add_member(
    program_key: str, role: str, host_user_id: str, display_name: str | None = None
) -> Membership:
    """Give a host user a role in a program, as the center's operator (no actor: the
    command line, before anybody can log in). Audited with no actor.

    Args:
        program_key: the program's key.
        role: one of :data:`MEMBER_ROLES`.
        host_user_id: the host's user id.
        display_name: how supervisors and partners are shown; required for a new one.

    Raises:
        NotFound: no program with that key.
        ValidationFailed: an unknown role, or no display name for a new supervisor or partner.
        Conflict: the user already holds that role there, or is linked to a supervisor or
            partner of another program.
    """
    _check_role(role)
    with unit_of_work() as unit:
        program = _program_by_key(unit.session, program_key)
        if role == MANAGER:
            row_id, change = _add_manager(unit.session, program, host_user_id), "added"
        else:
            row_id, change = _add_helper(unit.session, program, role, host_user_id, display_name)
        record_access(None, _object_type(role), row_id, "create", ALLOWED)
        membership = Membership(program.id, role, row_id, change)
    return membership


def remove_member(program_key: str, role: str, host_user_id: str) -> Membership:
    """Take a role in a program away from a host user, as the center's operator. A manager
    row is deleted; a supervisor or partner is marked inactive. Audited with no actor.

    Raises:
        NotFound: no such program, or the user does not hold that role there.
        ValidationFailed: an unknown role.
        Conflict: the user is the program's last manager.
    """
    _check_role(role)
    with unit_of_work() as unit:
        program = _program_by_key(unit.session, program_key, lock=True)
        if role == MANAGER:
            manager = unit.session.scalar(
                select(ProgramManager).where(
                    ProgramManager.program_id == program.id,
                    ProgramManager.host_user_id == host_user_id,
                )
            )
            if manager is None:
                raise NotFound(f"That user does not manage program {program.key!r}.")
            row_id, change = _delete_manager(unit.session, program, manager), "removed"
        else:
            model = _HELPERS[role]
            helper = unit.session.scalar(
                select(model).where(
                    model.program_id == program.id,
                    model.host_user_id == host_user_id,
                    model.active,
                )
            )
            if helper is None:
                raise NotFound(f"That user is no active {role} of program {program.key!r}.")
            helper.active = False
            row_id, change = helper.id, "deactivated"
        record_access(None, _object_type(role), row_id, "delete", ALLOWED)
        membership = Membership(program.id, role, row_id, change)
    return membership


def remove_program_manager(actor: Actor | None, program_id: int, manager_id: int) -> None:
    """``DELETE /programs/<id>/managers/<manager_id>``: a manager of the program removes a
    manager (themselves included) while another remains.

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: not a program the actor manages, or no such manager of it (audited).
        Conflict: it is the program's last manager.
    """
    actor = require_actor(actor)
    if program_id not in actor.managed_program_ids:
        record_denied(actor, "program_manager", manager_id, "delete")
        raise NotFound(f"No program {program_id} that you manage.")
    with unit_of_work() as unit:
        program = unit.session.scalars(
            select(Program).where(Program.id == program_id).with_for_update()
        ).first()
        manager = unit.session.scalar(
            select(ProgramManager).where(
                ProgramManager.id == manager_id, ProgramManager.program_id == program_id
            )
        )
        if program is None or manager is None:
            record_denied(actor, "program_manager", manager_id, "delete")
            raise NotFound(f"Program {program_id} has no manager {manager_id}.")
        _delete_manager(unit.session, program, manager)
        record_access(actor, "program_manager", manager_id, "delete", ALLOWED)


def _check_role(role: str) -> None:
    if role not in MEMBER_ROLES:
        raise ValidationFailed(
            f"Unknown role {role!r}; use one of {', '.join(MEMBER_ROLES)}.",
            fields={"role": [f"One of {', '.join(MEMBER_ROLES)}."]},
        )


def _object_type(role: str) -> str:
    return "program_manager" if role == MANAGER else role


def _program_by_key(session: Session, key: str, *, lock: bool = False) -> Program:
    statement = select(Program).where(Program.key == key)
    if lock:
        # Two removals of a program's last two managers must not both see "one remains".
        statement = statement.with_for_update()
    program = session.scalars(statement).first()
    if program is None:
        raise NotFound(
            f"No program with key {key!r}; create it with `flask tpm programs create`.",
            fields={"program": ["No program with this key."]},
        )
    return program


def _add_manager(session: Session, program: Program, host_user_id: str) -> int:
    existing = session.scalar(
        select(ProgramManager.id).where(
            ProgramManager.program_id == program.id, ProgramManager.host_user_id == host_user_id
        )
    )
    if existing is not None:
        raise Conflict(
            f"That user already manages program {program.key!r}.",
            fields={"host_user_id": ["Already a manager of this program."]},
        )
    manager = ProgramManager(program_id=program.id, host_user_id=host_user_id)
    session.add(manager)
    session.flush()
    return manager.id


def _add_helper(
    session: Session, program: Program, role: str, host_user_id: str, display_name: str | None
) -> tuple[int, str]:
    model = _HELPERS[role]
    helper = session.scalar(select(model).where(model.host_user_id == host_user_id))
    if helper is not None and helper.program_id != program.id:
        raise Conflict(
            f"That host user is already linked to {role} {helper.id} of another program.",
            fields={"host_user_id": [f"Already linked to {role} {helper.id}."]},
        )
    if helper is not None:
        if helper.active:
            raise Conflict(
                f"That user is already a {role} of program {program.key!r}.",
                fields={"host_user_id": [f"Already a {role} of this program."]},
            )
        helper.active = True
        if display_name:
            helper.display_name = display_name
        return helper.id, "reactivated"
    if not display_name:
        raise ValidationFailed(
            f"A new {role} needs a display name (--name).",
            fields={"display_name": ["Required for a new supervisor or partner."]},
        )
    helper = model(program_id=program.id, host_user_id=host_user_id, display_name=display_name)
    session.add(helper)
    session.flush()
    return helper.id, "added"


def _delete_manager(session: Session, program: Program, manager: ProgramManager) -> int:
    remaining = session.scalar(
        select(func.count(ProgramManager.id)).where(ProgramManager.program_id == program.id)
    )
    if remaining <= 1:
        raise Conflict(
            f"That is the last manager of program {program.key!r}; add another manager "
            "before removing this one.",
            code="last_manager",
        )
    manager_id = manager.id
    session.delete(manager)
    session.flush()
    return manager_id
