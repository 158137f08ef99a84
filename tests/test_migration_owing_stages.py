"""Upgrading a database in place keeps the shipped workflow's stages owing their targets."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

from sqlalchemy import create_engine, insert, select

from tpm_plugin import migrate
from tpm_plugin.models import metadata

CREATED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _shipped_definition_before_owed_time() -> dict:
    """The shipped template as versions published before revision 0004 stored it: a
    cadence on ``active`` only."""
    shipped = json.loads(
        resources.files("tpm_plugin.workflows").joinpath("therapeutic_partnership.json").read_text()
    )
    stages = []
    for stage in shipped["stages"]:
        stage = {key: value for key, value in stage.items() if key != "cadence"}
        if stage["key"] == "active":
            stage["cadence"] = {"meetings_per_week": 3, "review_every_weeks": 4}
        stages.append(stage)
    return {**shipped, "stages": stages}


def _cadences(definition: dict) -> dict[str, dict | None]:
    return {stage["key"]: stage.get("cadence") for stage in definition["stages"]}


def test_an_upgrade_marks_the_shipped_owing_stages_of_stored_versions_and_drafts(
    tmp_path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'before.db'}")
    migrate.upgrade(engine, "0005")
    tables = metadata.tables
    old = _shipped_definition_before_owed_time()
    with engine.begin() as connection:
        connection.execute(
            insert(tables["tpm_workflows"]).values(
                id=1, key="therapeutic_partnership", name="TP", created_at=CREATED
            )
        )
        connection.execute(
            insert(tables["tpm_workflow_versions"]).values(
                id=1, workflow_id=1, version=1, definition=old, published_at=CREATED
            )
        )
        connection.execute(
            insert(tables["tpm_workflow_drafts"]).values(
                id=1,
                workflow_id=1,
                based_on_version=1,
                definition=old,
                created_at=CREATED,
                updated_at=CREATED,
            )
        )
    migrate.upgrade(engine, "0006")
    with engine.connect() as connection:
        version = connection.scalar(select(tables["tpm_workflow_versions"].c.definition))
        draft = connection.scalar(select(tables["tpm_workflow_drafts"].c.definition))
    engine.dispose()
    for definition in (version, draft):
        cadences = _cadences(definition)
        for owing in ("identification", "planning", "review", "closing"):
            assert cadences[owing] == {"owes": True}
        assert cadences["active"] == {"meetings_per_week": 3, "review_every_weeks": 4}
        assert cadences["referred"] is None
        assert cadences["on_hold"] is None
        assert cadences["closed"] is None


def test_an_upgrade_leaves_a_stage_with_a_cadence_of_its_own_alone(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'before.db'}")
    migrate.upgrade(engine, "0005")
    tables = metadata.tables
    custom = _shipped_definition_before_owed_time()
    for stage in custom["stages"]:
        if stage["key"] == "planning":
            stage["cadence"] = {"meetings_per_week": 1}
    with engine.begin() as connection:
        connection.execute(
            insert(tables["tpm_workflows"]).values(
                id=1, key="custom", name="Custom", created_at=CREATED
            )
        )
        connection.execute(
            insert(tables["tpm_workflow_versions"]).values(
                id=1, workflow_id=1, version=1, definition=custom, published_at=CREATED
            )
        )
    migrate.upgrade(engine, "0006")
    with engine.connect() as connection:
        version = connection.scalar(select(tables["tpm_workflow_versions"].c.definition))
    engine.dispose()
    assert _cadences(version)["planning"] == {"meetings_per_week": 1}
