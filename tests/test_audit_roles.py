"""An access-audit row records the role by which the actor reached the records it is about
(``REACH_PRECEDENCE``: a role held on the partnership itself, the most senior first, before
covering an absence), never merely the actor's main role, and the same way in a list, a
single read and a page's reads, for actors who hold several roles."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tpm_plugin.access import PARTNER, PROGRAM_MANAGER, SUPERVISOR, Actor
from tpm_plugin.models import AccessAudit
from tpm_plugin.services import scheduling, supervision
from tpm_plugin.services._unit import session
from tpm_plugin.services.access import REACH_PRECEDENCE, role_on
from tpm_plugin.services.display_names import display_names
from tpm_plugin.services.supervision_placement.requests import local_monday
from tpm_plugin.services.supervision_placement.weekly import place_program_week

from . import factories
from .conftest import BACKENDS

API = "/tpm/api"


def _roles(user: str, object_type: str, action: str) -> list[str | None]:
    session().rollback()
    return list(
        session().scalars(
            select(AccessAudit.actor_role)
            .where(
                AccessAudit.actor_id == user,
                AccessAudit.object_type == object_type,
                AccessAudit.action == action,
            )
            .order_by(AccessAudit.id)
        )
    )


def _cover_who_partners(made: factories.World, *, also_covers_another: bool) -> tuple[str, int]:
    """A supervisor of the program covering, now, an absent colleague's partnership whose
    partner they are too (under the same login), and, ``also_covers_another``, the world's
    own partnership of that colleague as well. Answers the login and the partnered one."""
    cover = factories.supervisor(made.program)
    as_partner = factories.partner(made.program, user_id=cover.host_user_id)
    partnered = factories.partnership(made.program, partner=as_partner, supervisor=made.supervisor)
    today = dt.date.today()
    covered = [partnered.id, made.partnership.id] if also_covers_another else [partnered.id]
    factories.grant_cover(factories.absence(made, cover, today), cover, covered)
    return cover.host_user_id, partnered.id


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("also_covers_another", [False, True], ids=["alone", "beside_a_covered"])
def test_a_cover_who_partners_a_covered_partnership_lists_it_as_its_partner(
    app: Flask, client: FlaskClient, also_covers_another: bool
) -> None:
    made = factories.world()
    user, partnered = _cover_who_partners(made, also_covers_another=also_covers_another)
    answer = client.get(f"{API}/partnerships?sort=id", headers=factories.as_user(user))
    listed = sorted([partnered, made.partnership.id]) if also_covers_another else [partnered]
    assert [item["id"] for item in answer.json["items"]] == listed
    # Partnering a listed partnership reaches the page more directly than covering.
    assert _roles(user, "partnership", "list") == ["partner"]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_single_read_and_the_names_of_a_page_record_the_same_role_as_the_list(
    app: Flask, client: FlaskClient
) -> None:
    made = factories.world()
    user, partnered = _cover_who_partners(made, also_covers_another=True)
    headers = factories.as_user(user)
    assert client.get(f"{API}/partnerships", headers=headers).status_code == 200
    assert client.get(f"{API}/partnerships/{partnered}", headers=headers).status_code == 200
    names = display_names(factories.actor(user), partnership_ids=[partnered])
    assert list(names.clients) == [partnered]
    assert _roles(user, "partnership", "list") == ["partner"]
    assert _roles(user, "partnership", "read") == ["partner"]
    assert _roles(user, "client", "read_names") == ["partner"]
    # The covered one alone is reached as its cover: supervisor.
    display_names(factories.actor(user), partnership_ids=[made.partnership.id])
    assert _roles(user, "client", "read_names") == ["partner", "supervisor"]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_names_reached_as_partner_are_audited_as_partner_for_a_manager_elsewhere(
    app: Flask,
) -> None:
    made = factories.world()
    factories.program(managers=(made.partner_user,))
    names = display_names(factories.actor(made.partner_user), partnership_ids=[made.partnership.id])
    assert names.clients == {made.partnership.id: made.client.display_name}
    assert _roles(made.partner_user, "client", "read_names") == ["partner"]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_cover_who_partners_the_covered_partnership_reads_its_client_as_partner(
    app: Flask, client: FlaskClient
) -> None:
    made = factories.world()
    user, _ = _cover_who_partners(made, also_covers_another=False)
    headers = factories.as_user(user)
    listed = client.get(f"{API}/clients", headers=headers)
    [item] = listed.json["items"]
    assert client.get(f"{API}/clients/{item['id']}", headers=headers).status_code == 200
    assert _roles(user, "client", "list") == ["partner"]
    assert _roles(user, "client", "read") == ["partner"]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize(
    ("path", "object_type", "action"),
    [
        ("/supervision-sessions", "supervision_session", "list"),
        ("/supervisors/{supervisor_id}/misses", "missed_week", "list_misses"),
    ],
    ids=["sessions", "misses"],
)
def test_a_supervisor_who_manages_another_program_reads_their_own_as_supervisor(
    app: Flask, client: FlaskClient, path: str, object_type: str, action: str
) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    factories.activate(made)
    supervision.add_session(
        factories.actor(made.supervisor_user),
        {"partner_id": made.partner.id, "scheduled_at": dt.datetime(2024, 5, 6, 13, tzinfo=dt.UTC)},
    )
    factories.program(managers=(made.supervisor_user,))
    answer = client.get(
        API + path.format(supervisor_id=made.supervisor.id),
        headers=factories.as_user(made.supervisor_user),
    )
    assert answer.status_code == 200
    assert _roles(made.supervisor_user, object_type, action) == ["supervisor"]


def test_the_role_held_on_a_record_follows_the_one_precedence() -> None:
    # Each role held on a partnership of program 1, supervised by 2 and partnered by 3.
    holding = {
        PROGRAM_MANAGER: {"managed_program_ids": frozenset({1})},
        SUPERVISOR: {"supervisor_ids": frozenset({2})},
        PARTNER: {"partner_ids": frozenset({3})},
    }
    for size in range(len(holding) + 1):
        for held in itertools.combinations(holding, size):
            actor = Actor("1", **{k: v for role in held for k, v in holding[role].items()})
            expected = next((reach for reach in REACH_PRECEDENCE if reach in held), None)
            assert role_on(actor, 1, 2, 3) == expected, held


def test_a_cover_who_manages_another_program_reads_the_covered_week_as_supervisor(
    app: Flask, client: FlaskClient
) -> None:
    # The agenda's partnerships are the absent colleague's: the cover reached them covering,
    # recorded as supervisor, not in their most senior role (a manager elsewhere).
    made = factories.world(timezone="America/Chicago")
    factories.activate(made)
    cover = factories.supervisor(made.program)
    every_day = [
        {"weekday": n, "starts_at": dt.time(0), "ends_at": dt.time(23, 59)} for n in range(7)
    ]
    scheduling.set_availability(factories.actor(made.manager_user), cover.id, every_day)
    monday = local_monday("America/Chicago", dt.datetime.now(dt.UTC)) + dt.timedelta(days=7)
    factories.absence(made, cover, monday, days=6)
    place_program_week(made.program.id, monday)
    factories.program(managers=(cover.host_user_id,))
    answer = client.get(
        f"{API}/supervisors/{cover.id}/week?date={monday}",
        headers=factories.as_user(cover.host_user_id),
    )
    assert answer.status_code == 200
    [block] = answer.json["blocks"]
    assert block["covering_for"] == made.supervisor.id and block["agenda"]
    assert _roles(cover.host_user_id, "partnership", "read_week") == ["supervisor"]
