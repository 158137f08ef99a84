"""Every list endpoint runs the same number of SQL statements for 5 rows as for 50 (no
query per row), counted with a SQLAlchemy ``before_cursor_execute`` listener."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import event

from tpm_plugin.services import identification, meetings, plans, reviews, supervision

from . import factories
from .conftest import BACKENDS
from .factories import as_user

API = "/tpm/api"
AT = dt.datetime(2024, 5, 6, 13, tzinfo=dt.UTC)
SMALL, LARGE = 5, 50


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    statements: list[str] = []
    engine = app.extensions["sqlalchemy"].engine

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _statements(app: Flask, client, url: str, user: str, expected_total: int) -> int:
    with counting(app) as statements:
        response = client.get(
            f"{url}{'&' if '?' in url else '?'}page_size=100", headers=as_user(user)
        )
    assert response.status_code == 200
    assert response.json["total"] == expected_total
    assert len(response.json["items"]) == expected_total
    return len(statements)


def _world_with(records: Callable[[factories.World, int], None], size: int) -> factories.World:
    made = factories.world(started_at=factories.LONG_AGO)
    records(made, size)
    return made


def _entries(made: factories.World, size: int) -> list[int]:
    partner = factories.actor(made.partner_user)
    return [
        identification.add_entry(
            partner,
            made.partnership.id,
            {"kind": "observation", "domain": "school", "statement": f"Observation {n}."},
        ).id
        for n in range(size)
    ]


def _plans(made: factories.World, size: int) -> None:
    entries = _entries(made, 2)
    partner = factories.actor(made.partner_user)
    activities = [
        {"domain": "play", "aim": "Kites.", "answers": entries},
        {"domain": "school", "aim": "Homework.", "answers": entries[:1]},
    ]
    for _ in range(size):
        plans.add_plan(partner, made.partnership.id, {"activities": activities})


def _meetings(made: factories.World, size: int) -> None:
    partner = factories.actor(made.partner_user)
    for n in range(size):
        meetings.add_meeting(
            partner,
            made.partnership.id,
            {"scheduled_at": AT + dt.timedelta(days=n), "status": "held", "minutes": 40},
        )


def _reviews(made: factories.World, size: int) -> None:
    supervisor = factories.actor(made.supervisor_user)
    for n in range(size):
        reviews.add_review(
            supervisor,
            made.partnership.id,
            {
                "held_at": AT + dt.timedelta(days=n),
                "participants": ["partner", "supervisor"],
                "discussion": "Going well.",
                "outcome": "continue",
                "ratings": [{"domain": "play", "rating": 4}, {"domain": "self", "rating": 3}],
            },
        )


CHILD_LISTS = {
    "identification-entries": (_entries, "partner_user"),
    "plans": (_plans, "partner_user"),
    "meetings": (_meetings, "partner_user"),
    "reviews": (_reviews, "manager_user"),
}


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("path", sorted(CHILD_LISTS))
def test_partnership_record_list_runs_constant_statements(app, client, path) -> None:
    build, user = CHILD_LISTS[path]
    small, large = _world_with(build, SMALL), _world_with(build, LARGE)
    counts = [
        _statements(
            app,
            client,
            f"{API}/partnerships/{made.partnership.id}/{path}",
            getattr(made, user),
            size,
        )
        for made, size in ((small, SMALL), (large, LARGE))
    ]
    assert counts[0] == counts[1]


def _program_with_partnerships(size: int) -> factories.World:
    made = factories.world(started_at=factories.LONG_AGO)
    for _ in range(size - 1):
        factories.partnership(made.program, partner=made.partner, supervisor=made.supervisor)
    return made


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("query", ["", "?overdue=false&sort=-started_at"])
def test_partnership_list_runs_constant_statements(app, client, query) -> None:
    small, large = _program_with_partnerships(SMALL), _program_with_partnerships(LARGE)
    counts = [
        _statements(app, client, f"{API}/partnerships{query}", made.manager_user, size)
        for made, size in ((small, SMALL), (large, LARGE))
    ]
    assert counts[0] == counts[1]


@pytest.mark.parametrize("path", ["clients", "partners", "supervisors"])
def test_people_list_runs_constant_statements(app, client, path) -> None:
    small, large = factories.program(), factories.program()
    for program, size in ((small, SMALL), (large, LARGE)):
        for _ in range(size):
            {
                "clients": factories.client,
                "partners": factories.partner,
                "supervisors": factories.supervisor,
            }[path](program)
    counts = [
        _statements(app, client, f"{API}/{path}", factories.program_manager_of(program), size)
        for program, size in ((small, SMALL), (large, LARGE))
    ]
    assert counts[0] == counts[1]


def test_supervision_list_runs_constant_statements(app, client) -> None:
    counts = []
    for size in (SMALL, LARGE):
        made = factories.world(started_at=factories.LONG_AGO)
        actor = factories.actor(made.supervisor_user)
        for n in range(size):
            supervision.add_session(
                actor,
                {
                    "partner_id": made.partner.id,
                    "scheduled_at": AT + dt.timedelta(weeks=n),
                    "status": "held",
                    "held_minutes": 20,
                    "partnership_ids": [made.partnership.id],
                },
            )
        counts.append(
            _statements(app, client, f"{API}/supervision-sessions", made.supervisor_user, size)
        )
    assert counts[0] == counts[1]
