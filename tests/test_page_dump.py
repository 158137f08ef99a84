"""List pages of flat items are dumped without marshmallow's per-value machinery, to the
same JSON marshmallow would give."""

from __future__ import annotations

import pytest

from tpm_plugin.blueprints._dump import item_dumper
from tpm_plugin.schemas.audit import AccessAuditSchema
from tpm_plugin.schemas.partnerships import PartnershipSchema
from tpm_plugin.schemas.records import MeetingSchema
from tpm_plugin.services import partnerships

from . import factories
from .conftest import BACKENDS


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_fast_dumped_partnership_is_what_marshmallow_dumps(app) -> None:
    made = factories.world()
    factories.partnership(made.program)
    factories.withdraw(made)
    query = {"page": 1, "page_size": 10, "sort": "id"}
    page = partnerships.list_partnerships(factories.actor(made.manager_user), query)
    dump = item_dumper(PartnershipSchema)
    assert dump is not None
    assert {row["ended_at"] is None for row in page.items} == {True, False}
    assert [dump(row) for row in page.items] == [PartnershipSchema().dump(r) for r in page.items]


def test_schemas_with_nested_or_list_fields_go_through_marshmallow() -> None:
    assert item_dumper(MeetingSchema) is None
    assert item_dumper(AccessAuditSchema) is None
