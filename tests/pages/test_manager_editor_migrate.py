"""Moving running partnerships to a new version from the stage editor: a preview of where
each lands, a mapping for stages the version lacks, all or nothing, audited."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from tests import factories
from tests.test_workflow_versions import _publish
from tpm_plugin.models import AccessAudit, Partnership, PartnershipMigration
from tpm_plugin.services._unit import session
from tpm_plugin.workflows.definition import default_definition

from .test_manager_editor import TOKEN, error_beside, form_fields, manager, with_token, world

__all__ = ["manager", "world"]  # the editor tests' fixtures, used here too


def _renamed_start() -> dict[str, Any]:
    """The default workflow with its start stage called ``waiting`` instead of ``referred``."""
    text = json.dumps(copy.deepcopy(default_definition())).replace('"referred"', '"waiting"')
    return json.loads(text)


@pytest.fixture
def migrate_url(client, manager, world) -> str:
    key = world.program.workflow_key
    version = _publish(client, manager, _renamed_start(), key)
    return f"/tpm/manager/workflows/{key}/versions/{version}/migrate"


def _stage_and_version(partnership_id: int) -> tuple[str, int]:
    session().expire_all()
    row = session().get(Partnership, partnership_id)
    return row.stage, row.workflow_version


def test_the_preview_lists_running_partnerships_and_the_stage_to_map(
    client, manager, world, migrate_url
) -> None:
    page = client.get(migrate_url, headers=manager)
    assert page.status_code == 200
    assert f"Partnership {world.partnership.id}" in page.text
    assert '<label for="map-referred">' in page.text
    assert "needs a stage above" in page.text
    listed = (
        session()
        .scalars(select(AccessAudit).where(AccessAudit.action == "preview_migration"))
        .all()
    )
    assert [row.object_ids for row in listed] == [[world.partnership.id]]


def test_previewing_a_mapping_shows_where_each_lands_and_moves_nothing(
    client, manager, world, migrate_url
) -> None:
    fields = form_fields(client.get(migrate_url, headers=manager).text, migrate_url)
    data = MultiDict([*fields, ("map-referred", "waiting"), ("action", "preview")])
    shown = client.post(migrate_url, data=data, headers=manager)
    assert shown.status_code == 200
    assert "needs a stage above" not in shown.text
    assert '<option value="waiting" selected>' in shown.text
    assert _stage_and_version(world.partnership.id) == ("referred", 1)


def test_migrating_without_a_mapping_is_refused_beside_the_stage(
    client, manager, world, migrate_url
) -> None:
    fields = form_fields(client.get(migrate_url, headers=manager).text, migrate_url)
    refused = client.post(
        migrate_url, data=MultiDict([*fields, ("action", "migrate")]), headers=manager
    )
    assert refused.status_code == 422
    assert "which version 2 does not have" in error_beside(refused.text, "map-referred")
    assert _stage_and_version(world.partnership.id) == ("referred", 1)
    assert factories.row_count(PartnershipMigration) == 0


def test_migrating_with_no_partnership_ticked_is_refused(client, manager, migrate_url) -> None:
    data = {"csrf_token": TOKEN, "map-referred": "waiting", "action": "migrate"}
    refused = client.post(migrate_url, data=data, headers=manager)
    assert refused.status_code == 422
    assert "Nothing was moved" in refused.text
    assert factories.row_count(PartnershipMigration) == 0


@pytest.fixture
def left(world) -> Partnership:
    """A second running partnership on version 1 (made before version 2 is published)."""
    return factories.partnership(world.program)


def test_migrating_with_the_mapping_moves_the_ticked_partnerships(
    client, manager, world, left, migrate_url
) -> None:
    fields = [
        (name, value)
        for name, value in form_fields(client.get(migrate_url, headers=manager).text, migrate_url)
        if (name, value) != ("partnership_ids", str(left.id))
    ]
    data = MultiDict([*fields, ("map-referred", "waiting"), ("action", "migrate")])
    done = client.post(migrate_url, data=data, headers=manager)
    assert done.status_code == 200, done.text
    assert "1 partnership moved." in done.text
    assert _stage_and_version(world.partnership.id) == ("waiting", 2)
    assert _stage_and_version(left.id) == ("referred", 1)
    [moved] = session().scalars(select(PartnershipMigration)).all()
    assert (moved.partnership_id, moved.from_stage, moved.to_stage) == (
        world.partnership.id,
        "referred",
        "waiting",
    )


def test_another_programs_manager_gets_a_404_page(client, migrate_url) -> None:
    other = factories.world()
    with_token(client)
    page = client.get(migrate_url, headers=factories.as_user(other.manager_user))
    assert page.status_code == 404
    data = {"csrf_token": TOKEN, "partnership_ids": "1", "action": "migrate"}
    refused = client.post(migrate_url, data=data, headers=factories.as_user(other.manager_user))
    assert refused.status_code == 404
    assert factories.row_count(PartnershipMigration) == 0
