"""Build programs, people and partnerships for tests, through the real services.

Everything here calls :mod:`tpm_plugin.services`, so what a test starts from is exactly what
API requests would have made (audit rows included). Call inside an app context; the ``app``
fixture provides one.

Host user ids are numeric strings (the test host app's ``X-Test-User`` header is an int);
:func:`new_user_id` hands out fresh ones. Typical use::

    world = factories.world()               # a program with one of everyone, and a partnership
    client.get(f"/tpm/api/partnerships/{world.partnership.id}",
               headers=factories.as_user(world.partner_user))

    program = factories.program()           # managed by a fresh user: program_manager_of(program)
    partnership = factories.partnership(program)
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from tpm_plugin.access import Actor, roles_from_tpm_tables
from tpm_plugin.models import (
    Absence,
    Client,
    CoverGrant,
    Partner,
    Partnership,
    Program,
    ProgramManager,
    Supervisor,
)
from tpm_plugin.services import (
    identification,
    partnerships,
    people,
    plans,
    scheduling,
    transitions,
)
from tpm_plugin.services._unit import session, unit_of_work

#: A start long before any date the tests log meetings at (``world(started_at=LONG_AGO)``).
LONG_AGO = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

_user_ids = itertools.count(1000)
_keys = itertools.count(1)


def new_user_id() -> str:
    """A host user id no one has used in this test run."""
    return str(next(_user_ids))


def as_user(user_id: str | None) -> dict[str, str]:
    """Request headers that make the test host app's user ``user_id`` the actor."""
    return {} if user_id is None else {"X-Test-User": str(user_id)}


def actor(user_id: str) -> Actor:
    """The actor the plugin resolves for ``user_id`` right now (roles from the tpm tables)."""
    return roles_from_tpm_tables(str(user_id))


def program(*, managers: tuple[str, ...] | None = None, **fields: Any) -> Program:
    """A program managed by ``managers`` (default: one fresh user); ``fields`` override the
    service's defaults (``key``, ``name``, ``meetings_per_week``, …)."""
    number = next(_keys)
    fields.setdefault("key", f"program-{number}")
    fields.setdefault("name", f"Program {number}")
    return people.create_program(manager_user_ids=managers or (new_user_id(),), **fields)


def program_manager_of(program: Program) -> str:
    """The host user id of one manager of ``program``."""
    return session().scalar(
        select(ProgramManager.host_user_id)
        .where(ProgramManager.program_id == program.id)
        .order_by(ProgramManager.id)
        .limit(1)
    )


def client(program: Program, **fields: Any) -> Client:
    """A client of ``program`` (``display_name`` defaults to a made-up one)."""
    fields.setdefault("display_name", f"Client {next(_keys)}")
    data = {"program_id": program.id, **fields}
    return people.create_person(actor(program_manager_of(program)), people.CLIENTS, data)


def partner(program: Program, *, user_id: str | None = None, **fields: Any) -> Partner:
    """An active partner of ``program`` linked to host user ``user_id`` (default: a fresh
    one; pass ``user_id=""`` for a partner with no login)."""
    return _helper(program, people.PARTNERS, user_id, fields)


def supervisor(program: Program, *, user_id: str | None = None, **fields: Any) -> Supervisor:
    """An active supervisor of ``program`` linked to host user ``user_id`` (as :func:`partner`)."""
    return _helper(program, people.SUPERVISORS, user_id, fields)


# partnership() takes people as keyword arguments named like these factories.
_new_client, _new_partner, _new_supervisor = client, partner, supervisor


def _helper(program: Program, kind: Any, user_id: str | None, fields: dict[str, Any]) -> Any:
    fields.setdefault("display_name", f"{kind.object_type.title()} {next(_keys)}")
    host_user_id = new_user_id() if user_id is None else (user_id or None)
    data = {"program_id": program.id, "host_user_id": host_user_id, **fields}
    return people.create_person(actor(program_manager_of(program)), kind, data)


def partnership(
    program: Program,
    *,
    client: Client | None = None,
    partner: Partner | None = None,
    supervisor: Supervisor | None = None,
    started_at: dt.datetime | None = None,
    another_open_reason: str | None = None,
) -> Partnership:
    """A partnership in ``program``, at its workflow's start stage; people not given are
    created for it. ``started_at`` backdates when it began (its meetings cannot be earlier)."""
    client = client or _new_client(program)
    partner = partner or _new_partner(program)
    supervisor = supervisor or _new_supervisor(program)
    data = {
        "program_id": program.id,
        "client_id": client.id,
        "partner_id": partner.id,
        "supervisor_id": supervisor.id,
        "started_at": started_at,
        "another_open_reason": another_open_reason,
    }
    return partnerships.create_partnership(actor(program_manager_of(program)), data)


@dataclass(frozen=True)
class World:
    """A program with one manager, supervisor, partner and client, and their partnership."""

    program: Program
    manager_user: str
    supervisor_user: str
    partner_user: str
    client: Client
    partner: Partner
    supervisor: Supervisor
    partnership: Partnership


def world(*, started_at: dt.datetime | None = None, **program_fields: Any) -> World:
    """A fresh :class:`World` (``program_fields`` go to :func:`program`; ``started_at``
    backdates its partnership, see :func:`partnership`)."""
    made = program(**program_fields)
    the_client = client(made)
    the_partner = partner(made)
    the_supervisor = supervisor(made)
    made_partnership = partnership(
        made,
        client=the_client,
        partner=the_partner,
        supervisor=the_supervisor,
        started_at=started_at,
    )
    return World(
        program=made,
        manager_user=program_manager_of(made),
        supervisor_user=the_supervisor.host_user_id,
        partner_user=the_partner.host_user_id,
        client=the_client,
        partner=the_partner,
        supervisor=the_supervisor,
        partnership=made_partnership,
    )


def absence(made: World, cover: Supervisor, starts_on: dt.date, days: int = 0) -> Absence:
    """The world's supervisor away from ``starts_on`` for ``days`` more days, ``cover``
    covering (declared by the supervisor, as the API takes it)."""
    return scheduling.add_absence(
        actor(made.supervisor_user),
        made.supervisor.id,
        {
            "starts_on": starts_on,
            "ends_on": starts_on + dt.timedelta(days=days),
            "cover_supervisor_id": cover.id,
        },
    )


def grant_cover(
    away: Absence,
    cover: Supervisor,
    partnership_ids: list[int],
    *,
    lasting: dt.timedelta = dt.timedelta(hours=1),
) -> None:
    """Grants ``cover`` reach to ``partnership_ids`` for ``away`` from an hour ago until
    ``lasting`` from now, as the placement gives one when it moves a block to the cover."""
    now = dt.datetime.now(dt.UTC)
    with unit_of_work() as unit:
        for partnership_id in partnership_ids:
            unit.session.add(
                CoverGrant(
                    absence_id=away.id,
                    cover_supervisor_id=cover.id,
                    partnership_id=partnership_id,
                    starts_at=now - dt.timedelta(hours=1),
                    ends_at=now + lasting,
                )
            )


def row_count(model: Any) -> int:
    """How many rows ``model``'s table holds (to assert that a refused request wrote nothing)."""
    return session().scalar(select(func.count()).select_from(model))


def activate(made: World) -> Partnership:
    """Take ``made.partnership`` to the ``active`` stage the way people would: begin
    identification, record the client's voice and an observation, begin planning, add a
    plan whose activity answers them, and activate."""
    manager = actor(made.manager_user)
    pid = made.partnership.id
    transitions.fire(manager, pid, "begin_identification")
    entries = [
        identification.add_entry(
            manager, pid, {"kind": kind, "domain": "play", "statement": f"A {kind} entry."}
        )
        for kind in ("client_voice", "observation")
    ]
    transitions.fire(manager, pid, "begin_planning")
    plan_activities = [
        {"domain": "play", "aim": "Play together.", "answers": [e.id for e in entries]}
    ]
    plans.add_plan(manager, pid, {"activities": plan_activities})
    return transitions.fire(manager, pid, "activate")


def withdraw(made: World) -> Partnership:
    """End ``made.partnership`` early (the workflow's ``withdraw`` transition)."""
    manager = actor(made.manager_user)
    return transitions.fire(manager, made.partnership.id, "withdraw", "Test withdrawal.")
