"""Agendas carry names only where the viewer may see them: the supervisor of the
partnerships and their program's managers see the client's first name and the partner's
name; a cover sees them while the grant runs, and none before it (nor after: the grant
ends by itself, see tests/test_cover_reads.py)."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from tpm_plugin.models import CoverGrant
from tpm_plugin.services import scheduling
from tpm_plugin.services._unit import unit_of_work
from tpm_plugin.services.supervision_placement.requests import local_monday
from tpm_plugin.services.supervision_placement.weekly import place_program_week

from . import factories

ZONE = "America/Chicago"
EVERY_DAY = [{"weekday": n, "starts_at": dt.time(0), "ends_at": dt.time(23, 59)} for n in range(7)]


def _named_world() -> factories.World:
    made = factories.world(timezone=ZONE)
    factories.activate(made)
    with unit_of_work() as unit:
        for row, name in ((made.client, "Mira Okafor-Lindqvist"), (made.partner, "Jonas Berg")):
            unit.session.execute(
                update(type(row)).where(type(row).id == row.id).values(display_name=name)
            )
    return made


def _week(client: FlaskClient, supervisor_id: int, user: str, monday: dt.date) -> dict:
    answer = client.get(
        f"/tpm/api/supervisors/{supervisor_id}/week?date={monday}",
        headers=factories.as_user(user),
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.json


def test_the_supervisor_and_the_manager_see_the_first_name_and_the_partners_name(
    app: Flask, client: FlaskClient
):
    made = _named_world()
    scheduling.set_availability(
        factories.actor(made.supervisor_user), made.supervisor.id, EVERY_DAY
    )
    monday = local_monday(ZONE, dt.datetime.now(dt.UTC)) + dt.timedelta(days=7)
    place_program_week(made.program.id, monday)
    for user in (made.supervisor_user, made.manager_user):
        [block] = _week(client, made.supervisor.id, user, monday)["blocks"]
        [item] = block["agenda"]
        assert item["client_first_name"] == "Mira"
        assert item["partner_name"] == block["partner_name"] == "Jonas Berg"


def test_a_cover_sees_names_only_while_the_grant_runs(app: Flask, client: FlaskClient):
    made = _named_world()
    cover = factories.supervisor(made.program)
    scheduling.set_availability(factories.actor(made.manager_user), cover.id, EVERY_DAY)
    monday = local_monday(ZONE, dt.datetime.now(dt.UTC)) + dt.timedelta(days=7)
    factories.absence(made, cover, monday, days=6)
    place_program_week(made.program.id, monday)
    # Next week's absence has not begun: the cover sees the block in ids and numbers.
    [block] = _week(client, cover.id, cover.host_user_id, monday)["blocks"]
    assert block["covering_for"] == made.supervisor.id
    [item] = block["agenda"]
    assert item["partnership_id"] == made.partnership.id
    assert (item["client_first_name"], item["partner_name"], block["partner_name"]) == (
        None,
        None,
        None,
    )
    text = client.get(
        f"/tpm/api/supervisors/{cover.id}/week?date={monday}",
        headers=factories.as_user(cover.host_user_id),
    ).get_data(as_text=True)
    assert "Mira" not in text and "Jonas" not in text
    # While the grant runs, the cover sees what it allows.
    now = dt.datetime.now(dt.UTC)
    with unit_of_work() as unit:
        unit.session.execute(
            update(CoverGrant).values(
                starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=1)
            )
        )
    [block] = _week(client, cover.id, cover.host_user_id, monday)["blocks"]
    assert block["agenda"][0]["client_first_name"] == "Mira"
    assert block["partner_name"] == "Jonas Berg"
