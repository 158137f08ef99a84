"""The supervisor's week page reads everything it shows in one transaction: the same
number of statements for 3 supervised partnerships as for 30, last week's figures equal to
each partnership's own fidelity, and the audit rows the separate API calls would leave."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import event, select, update

from tests import factories
from tests.conftest import BACKENDS
from tests.test_list_queries import counting
from tpm_plugin.models import Client, Meeting, Partnership, SupervisionSession
from tpm_plugin.services import scheduling
from tpm_plugin.services._unit import session
from tpm_plugin.services.supervision_placement.requests import local_monday
from tpm_plugin.services.supervision_placement.weekly import place_program_week

from .manager_helpers import audit_rows

ZONE = "America/Chicago"
THIS_MONDAY = local_monday(ZONE, dt.datetime.now(dt.UTC))
LAST_MONDAY = THIS_MONDAY - dt.timedelta(days=7)
_FIGURES = re.compile(r"<td>([^<]+)</td>\s*<td>[^<]*</td>\s*<td>([\d.]+) of ([\d.]+)")


def _supervising(count: int) -> tuple[factories.World, list[int]]:
    """A supervisor of ``count`` active partnerships (each with its own partner), begun
    weeks ago, the n-th with n % 4 meetings held last week, and this week's supervision
    blocks placed with their agendas."""
    started = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    made = factories.world(timezone=ZONE, started_at=started)
    ids = [made.partnership.id] + [
        factories.partnership(made.program, supervisor=made.supervisor, started_at=started).id
        for _ in range(count - 1)
    ]
    db = session()
    db.execute(update(Partnership).where(Partnership.id.in_(ids)).values(stage="active"))
    noon = dt.datetime.combine(LAST_MONDAY, dt.time(18), tzinfo=dt.UTC)
    for n, pid in enumerate(ids):
        for day in range(n % 4):
            db.add(
                Meeting(
                    partnership_id=pid, scheduled_at=noon + dt.timedelta(days=day), status="held"
                )
            )
    db.commit()
    window = {"weekday": 0, "starts_at": dt.time(7), "ends_at": dt.time(19)}
    scheduling.set_availability(factories.actor(made.supervisor_user), made.supervisor.id, [window])
    place_program_week(made.program.id, THIS_MONDAY)
    return made, ids


def _week(client, made: factories.World, user: str | None = None):
    return client.get(
        f"/tpm/supervisor/week?date={THIS_MONDAY.isoformat()}",
        headers=factories.as_user(user or made.supervisor_user),
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_week_runs_as_many_statements_for_30_partnerships_as_for_3_in_one_transaction(
    app: Flask, client
) -> None:
    counts, commits = [], []
    engine = app.extensions["sqlalchemy"].engine
    for made, ids in (_supervising(3), _supervising(30)):
        _week(client, made)  # the workflow's machine is built once per process
        committed: list[object] = []

        def commit(connection, committed=committed) -> None:
            committed.append(connection)

        event.listen(engine, "commit", commit)
        try:
            with counting(app) as statements:
                page = _week(client, made)
        finally:
            event.remove(engine, "commit", commit)
        assert page.status_code == 200
        assert len(_FIGURES.findall(_supervised_part(page))) == len(ids)
        counts.append(len(statements))
        commits.append(len(committed))
    assert counts[0] == counts[1]
    # One for the viewer's language (looked up before the view), one for the page's reads.
    assert commits == [2, 2]


def test_last_weeks_figures_equal_each_partnerships_fidelity(app: Flask, client) -> None:
    made, ids = _supervising(4)
    shown = {
        name: (float(held), float(target))
        for name, held, target in _FIGURES.findall(_supervised_part(_week(client, made)))
    }
    names = dict(
        session()
        .execute(
            select(Partnership.id, Client.display_name)
            .join(Client, Client.id == Partnership.client_id)
            .where(Partnership.id.in_(ids))
        )
        .all()
    )
    sunday = LAST_MONDAY + dt.timedelta(days=6)
    for pid in ids:
        answer = client.get(
            f"/tpm/api/partnerships/{pid}/fidelity?from={LAST_MONDAY}&to={sunday}",
            headers=factories.as_user(made.supervisor_user),
        )
        [week] = answer.json["weeks"]
        meetings = week["meetings"]
        assert shown[names[pid]] == (meetings["held"], meetings["target"])
    # The figures say something: meetings were held, and the week owed some.
    assert {held for held, _ in shown.values()} == {0, 1, 2, 3}
    assert all(target > 0 for _, target in shown.values())


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_page_leaves_the_audit_rows_of_the_separate_api_reads(app: Flask, client) -> None:
    made, ids = _supervising(3)
    before = len(audit_rows(made.supervisor_user))
    assert _week(client, made).status_code == 200
    # On PostgreSQL the list's row goes in with the list's own statement, before the others.
    rows = sorted(
        audit_rows(made.supervisor_user)[before:], key=lambda row: (row.action, row.object_type)
    )
    # The week's read leaves two rows, as GET /supervisors/<id>/week does: the sessions
    # read and the agendas' partnerships read.
    assert [(row.action, row.object_type) for row in rows] == [
        ("list", "partnership"),
        ("read_fidelity", "partnership"),
        ("read_fidelity", "partnership"),
        ("read_fidelity", "partnership"),
        ("read_names", "client"),
        ("read_week", "partnership"),
        ("read_week", "supervision_session"),
    ]
    assert sorted(rows[0].object_ids) == sorted(ids)
    assert sorted(row.object_id for row in rows[1:4]) == sorted(str(pid) for pid in ids)
    assert sorted(rows[6].object_ids) == _session_ids(made)
    assert {row.outcome for row in rows} == {"allowed"}


def test_a_manager_sees_the_same_figures_as_the_supervisor(app: Flask, client) -> None:
    made, _ = _supervising(3)
    own = _FIGURES.findall(_supervised_part(_week(client, made)))
    page = client.get(
        f"/tpm/supervisor/week?date={THIS_MONDAY.isoformat()}&supervisor_id={made.supervisor.id}",
        headers=factories.as_user(made.manager_user),
    )
    assert page.status_code == 200
    assert _FIGURES.findall(_supervised_part(page)) == own


def test_a_week_out_of_reach_leaves_one_denied_row_and_no_other(app: Flask, client) -> None:
    made, _ = _supervising(3)
    stranger = factories.supervisor(factories.program())
    page = client.get(
        f"/tpm/supervisor/week?supervisor_id={made.supervisor.id}",
        headers=factories.as_user(stranger.host_user_id),
    )
    assert page.status_code == 404
    rows = audit_rows(stranger.host_user_id)
    assert [(row.outcome, row.object_type) for row in rows] == [("denied", "supervisor")]


def _supervised_part(page) -> str:
    """The page's list of supervised partnerships (the agenda above has rows alike)."""
    body = page.get_data(as_text=True)
    return body[body.index('id="tpm-supervised"') :]


def test_the_week_is_audited_in_the_role_that_reached_it(app: Flask, client) -> None:
    # The supervisor also manages another program: their own week is read as its
    # supervisor, not in their most senior role; a manager of the week's program reads it
    # as its manager. Either way the row is in the program's trail.
    made, ids = _supervising(2)
    factories.program(managers=(made.supervisor_user,))
    for user, role in (
        (made.supervisor_user, "supervisor"),
        (made.manager_user, "program_manager"),
    ):
        before = len(audit_rows(user))
        page = client.get(
            f"/tpm/supervisor/week?date={THIS_MONDAY.isoformat()}"
            f"&supervisor_id={made.supervisor.id}",
            headers=factories.as_user(user),
        )
        assert page.status_code == 200
        read = {
            row.object_type: row for row in audit_rows(user)[before:] if row.action == "read_week"
        }
        assert sorted(read) == ["partnership", "supervision_session"]
        assert sorted(read["partnership"].object_ids) == sorted(ids)
        assert sorted(read["supervision_session"].object_ids) == _session_ids(made)
        for row in read.values():
            assert (row.actor_role, row.program_id) == (role, made.program.id)


def _session_ids(made: factories.World) -> list[int]:
    """The supervisor's supervision sessions placed this week (``_supervising``)."""
    ids = sorted(
        session().scalars(
            select(SupervisionSession.id).where(
                SupervisionSession.supervisor_id == made.supervisor.id
            )
        )
    )
    assert ids, "the week has blocks to read"
    return ids
