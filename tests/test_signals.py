"""Signals are sent after the transaction commits, by the app, with ids only."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from tpm_plugin import signals
from tpm_plugin.errors import TPMError
from tpm_plugin.models import Partnership, Workflow, WorkflowVersion
from tpm_plugin.services import partnerships
from tpm_plugin.services import workflow_versions as versions

from . import factories


@pytest.fixture
def received():
    """Every signal the test's receivers got, with whether the change was committed then."""
    return []


def test_partnership_created_is_sent_after_commit_with_ids(app: Flask, received) -> None:
    program = factories.program()
    client = factories.client(program)

    def receiver(sender, **payload):
        with app.app_context():
            session = app.extensions["sqlalchemy"].session
            committed = session.scalar(select(func.count()).select_from(Partnership))
        received.append((sender, payload, committed))

    with signals.partnership_created.connected_to(receiver):
        made = partnerships.create_partnership(
            factories.actor(factories.program_manager_of(program)),
            {"program_id": program.id, "client_id": client.id},
        )
    assert received == [
        (app, {"partnership_id": made.id, "program_id": program.id, "stage": "referred"}, 1)
    ]


def test_partnership_created_is_not_sent_when_creation_fails(app: Flask, received) -> None:
    program = factories.program()
    with (
        signals.partnership_created.connected_to(lambda sender, **p: received.append(p)),
        pytest.raises(TPMError),
    ):
        partnerships.create_partnership(
            factories.actor(factories.program_manager_of(program)),
            {"program_id": program.id, "client_id": 999_999},
        )
    assert received == []


def test_workflow_published_names_the_workflow_and_version(app: Flask, received) -> None:
    program = factories.program()
    manager = factories.actor(factories.program_manager_of(program))
    key = program.workflow_key
    versions.starting_point(key)
    draft = versions.create_draft(manager, key)

    with signals.workflow_published.connected_to(lambda sender, **p: received.append((sender, p))):
        versions.publish_draft(manager, key, draft.id)
    session = app.extensions["sqlalchemy"].session
    newest = session.scalar(
        select(func.max(WorkflowVersion.version)).join(Workflow).where(Workflow.key == key)
    )
    assert received == [(app, {"workflow_key": key, "version": newest})]
    assert newest == 2
