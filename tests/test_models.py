"""The tables behave the same on SQLite and PostgreSQL: constraints and aware timestamps."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm.exc import StaleDataError

from tpm_plugin.models import (
    Client,
    Meeting,
    Partnership,
    Program,
    Review,
    ReviewRating,
    metadata,
)

from .conftest import BACKENDS

on_both_backends = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def _session(app: Flask):
    return app.extensions["tpm"].db.session


def _partnership(app: Flask) -> Partnership:
    session = _session(app)
    program = Program(key="yes", name="Children YES", timezone="America/New_York")
    session.add(program)
    session.flush()
    client = Client(program_id=program.id, display_name="A.")
    session.add(client)
    session.flush()
    partnership = Partnership(
        program_id=program.id,
        client_id=client.id,
        stage="referred",
        workflow_key="therapeutic_partnership",
        workflow_version=1,
    )
    session.add(partnership)
    session.commit()
    return partnership


def test_every_table_is_prefixed() -> None:
    assert all(name.startswith("tpm_") for name in metadata.tables)


@on_both_backends
def test_timestamps_come_back_timezone_aware_in_utc(app: Flask) -> None:
    partnership = _partnership(app)
    local = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    _session(app).add(Meeting(partnership_id=partnership.id, scheduled_at=local))
    _session(app).commit()
    _session(app).expire_all()
    stored = _session(app).scalar(select(Meeting.scheduled_at))
    assert stored == local
    assert stored.tzinfo == dt.UTC


@on_both_backends
def test_naive_timestamps_are_refused(app: Flask) -> None:
    partnership = _partnership(app)
    _session(app).add(
        Meeting(partnership_id=partnership.id, scheduled_at=dt.datetime(2026, 3, 2, 15, 30))
    )
    with pytest.raises(StatementError, match="naive datetime"):
        _session(app).commit()
    _session(app).rollback()


@on_both_backends
@pytest.mark.parametrize(
    "bad_meeting",
    [{"status": "postponed"}, {"cancelled_by": "weather"}, {"minutes": -5}],
    ids=["unknown status", "unknown canceller", "negative minutes"],
)
def test_meeting_check_constraints_refuse_impossible_values(app: Flask, bad_meeting) -> None:
    partnership = _partnership(app)
    scheduled = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)
    _session(app).add(Meeting(partnership_id=partnership.id, scheduled_at=scheduled, **bad_meeting))
    with pytest.raises(IntegrityError):
        _session(app).commit()
    _session(app).rollback()


@on_both_backends
def test_a_rating_outside_one_to_five_is_refused(app: Flask) -> None:
    partnership = _partnership(app)
    review = Review(
        partnership_id=partnership.id,
        held_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        discussion="",
        outcome="continue",
        author_id="1",
    )
    _session(app).add(review)
    _session(app).flush()
    _session(app).add(ReviewRating(review_id=review.id, domain="play", rating=6))
    with pytest.raises(IntegrityError):
        _session(app).commit()
    _session(app).rollback()


@on_both_backends
def test_a_stale_partnership_update_is_refused_by_its_version_counter(app: Flask) -> None:
    partnership = _partnership(app)
    _session(app).execute(
        Partnership.__table__.update()
        .where(Partnership.id == partnership.id)
        .values(version_id=Partnership.version_id + 1)
    )
    partnership.stage = "identification"
    with pytest.raises(StaleDataError):
        _session(app).commit()
    _session(app).rollback()
