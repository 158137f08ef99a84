"""Each app keeps its intake sources in memory between deliveries, so the common delivery
does not look its source up; a change another process makes (a rotation, a new mapping, a
source switched off) still takes effect at the very next delivery. "Another process" is
a second app on the same database, with memory of its own."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select

from tpm_plugin.access import Actor, roles_from_tpm_tables
from tpm_plugin.models import Client, IntakeRecord, Program
from tpm_plugin.services._unit import session
from tpm_plugin.services.intake import sources

from . import factories
from . import intake_helpers as intake
from .conftest import BACKENDS, _dispose
from .hostapp import create_host_app


@contextmanager
def another_process(database_url: str, issued: sources.IssuedSecret) -> Iterator[Any]:
    """A second app on the same database, its context pushed, and the actor of the
    source's program manager there."""
    manager_user = factories.program_manager_of(session().get(Program, issued.source.program_id))
    other = create_host_app(database_url)
    try:
        with other.test_request_context():
            yield roles_from_tpm_tables(manager_user)
    finally:
        _dispose(other)


def _clients() -> int:
    return session().scalar(select(func.count()).select_from(Client))


def _kept(client, issued: sources.IssuedSecret) -> None:
    # The first delivery loads the source; this app keeps it from then on.
    assert intake.deliver(client, issued, intake.standard_payload(first="Bea")).status_code == 201


def _kept_here_changed_there(
    client, database_url: str, change: Callable[[Actor, int], Any]
) -> tuple[sources.IssuedSecret, Any]:
    """A source this app keeps, then ``change(manager, source_id)`` made by another process."""
    issued = intake.source()
    _kept(client, issued)
    with another_process(database_url, issued) as manager:
        return issued, change(manager, issued.source.id)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_source_switched_off_by_another_process_answers_404_at_once(
    app, client, database_url
) -> None:
    issued, _ = _kept_here_changed_there(
        client,
        database_url,
        lambda manager, id_: sources.update_source(manager, id_, {"active": False}),
    )
    before = _clients()
    response = intake.deliver(client, issued, intake.standard_payload())
    assert response.status_code == 404, response.json
    assert response.json["error"]["code"] == "not_found"
    assert _clients() == before


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_secret_rotated_away_by_another_process_is_refused_at_once(
    app, client, database_url
) -> None:
    def rotate_twice(manager: Actor, source_id: int) -> None:
        sources.rotate_secret(manager, source_id)
        sources.rotate_secret(manager, source_id)  # the first secret is gone now

    issued, _ = _kept_here_changed_there(client, database_url, rotate_twice)
    before = _clients()
    response = intake.deliver(client, issued, intake.standard_payload())
    assert response.status_code == 401, response.json
    assert _clients() == before


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_secret_rotated_in_by_another_process_is_accepted_at_once(
    app, client, database_url
) -> None:
    issued, rotated = _kept_here_changed_there(client, database_url, sources.rotate_secret)
    signed_anew = dataclasses.replace(issued, secret=rotated.secret)
    response = intake.deliver(client, signed_anew, intake.standard_payload())
    assert response.status_code == 201, response.json


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_mapping_changed_by_another_process_is_used_at_once(app, client, database_url) -> None:
    mapping = {**intake.MAPPINGS["standard_webhooks"], "school": "client.language"}
    issued, _ = _kept_here_changed_there(
        client,
        database_url,
        lambda manager, id_: sources.update_source(manager, id_, {"mapping": mapping}),
    )
    response = intake.deliver(client, issued, intake.standard_payload())
    assert response.status_code == 201, response.json
    record = session().get(IntakeRecord, response.json["intake_record_id"])
    assert record.school == "pt"


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_forgery_through_a_kept_source_is_still_refused(app, client) -> None:
    issued = intake.source()
    _kept(client, issued)
    forged = dataclasses.replace(issued, secret=sources.new_secret("standard_webhooks"))
    before = _clients()
    assert intake.deliver(client, forged, intake.standard_payload()).status_code == 401
    assert _clients() == before
