"""The care record: identification, plans and activities, meetings, supervision, reviews.

Care notes are never overwritten: a correction is a new row whose ``supersedes_id`` names
the row it corrects.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow
from .people import HOST_USER_ID

DOMAINS = ("self", "others", "school", "work", "play")
IDENTIFICATION_KINDS = ("client_voice", "observation", "others_report")
MEETING_STATUSES = ("scheduled", "held", "cancelled", "no_show")
CANCELLED_BY = ("client", "partner", "center")
REVIEW_OUTCOMES = ("continue", "replan", "close")
SUPERVISION_STATUSES = ("scheduled", "held", "cancelled", "no_show")


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


class IdentificationEntry(Base):
    """What identification found: the client's voice, an observation, or others' report."""

    __tablename__ = "tpm_identification_entries"
    __table_args__ = (
        _one_of("kind", IDENTIFICATION_KINDS, "kind_known"),
        _one_of("domain", DOMAINS, "domain_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("tpm_partnerships.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(20))
    domain: Mapped[str] = mapped_column(String(10))
    statement: Mapped[str] = mapped_column(Text)
    breaks_where: Mapped[str | None] = mapped_column(String(500))
    breaks_when: Mapped[str | None] = mapped_column(String(500))
    how_it_broke: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200))
    author_id: Mapped[str] = mapped_column(HOST_USER_ID)
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("tpm_identification_entries.id"), unique=True
    )
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


Index(
    "ix_tpm_identification_entries_partnership_kind",
    IdentificationEntry.partnership_id,
    IdentificationEntry.kind,
)


class Plan(Base):
    """One version of a partnership's plan; each planning cycle adds a version."""

    __tablename__ = "tpm_plans"
    __table_args__ = (UniqueConstraint("partnership_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("tpm_partnerships.id", ondelete="CASCADE")
    )
    version: Mapped[int]
    summary: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(HOST_USER_ID)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


activity_answers = Table(
    "tpm_activity_answers",
    Base.metadata,
    Column(
        "activity_id",
        ForeignKey("tpm_planned_activities.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "identification_entry_id",
        ForeignKey("tpm_identification_entries.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class PlannedActivity(Base):
    """An activity a plan sets, aimed at one of the five domains."""

    __tablename__ = "tpm_planned_activities"
    __table_args__ = (
        _one_of("domain", DOMAINS, "domain_known"),
        CheckConstraint("per_week IS NULL OR per_week BETWEEN 1 AND 21", name="per_week_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("tpm_plans.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(10))
    aim: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    per_week: Mapped[int | None]


class Meeting(Base):
    """A client-partner meeting: scheduled, then held, cancelled (by whom) or a no-show."""

    __tablename__ = "tpm_meetings"
    __table_args__ = (
        _one_of("status", MEETING_STATUSES, "status_known"),
        CheckConstraint(
            "cancelled_by IS NULL OR cancelled_by IN ('client', 'partner', 'center')",
            name="cancelled_by_known",
        ),
        CheckConstraint("minutes IS NULL OR minutes BETWEEN 0 AND 1440", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("tpm_partnerships.id", ondelete="CASCADE")
    )
    scheduled_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    cancelled_by: Mapped[str | None] = mapped_column(String(10))
    minutes: Mapped[int | None]
    activities_done: Mapped[list[Any]] = mapped_column(default=list)
    experience_note: Mapped[str | None] = mapped_column(Text)
    logged_by: Mapped[str | None] = mapped_column(HOST_USER_ID)
    logged_at: Mapped[dt.datetime | None]
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("tpm_meetings.id"), unique=True)
    # Meetings logged together as one group activity of an afterschool program share it.
    group_id: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Bumped by every change: of two requests logging one meeting at once, the second's
    # UPDATE names a stale version and fails (SQLite has no row locks to make it wait).
    version_id: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version_id}


Index("ix_tpm_meetings_partnership_scheduled", Meeting.partnership_id, Meeting.scheduled_at)
Index("ix_tpm_meetings_status_scheduled", Meeting.status, Meeting.scheduled_at)


supervision_discussed = Table(
    "tpm_supervision_discussed",
    Base.metadata,
    Column(
        "session_id",
        ForeignKey("tpm_supervision_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "partnership_id",
        ForeignKey("tpm_partnerships.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # Minutes of a held session spent on this partnership, when the supervisor says.
    Column("minutes", Integer, nullable=True),
)


class SupervisionSession(Base):
    """A supervisor's weekly session with a partner (20 minutes per client by default)."""

    __tablename__ = "tpm_supervision_sessions"
    __table_args__ = (
        _one_of("status", SUPERVISION_STATUSES, "status_known"),
        CheckConstraint("scheduled_minutes BETWEEN 0 AND 480", name="scheduled_minutes_range"),
        CheckConstraint(
            "held_minutes IS NULL OR held_minutes BETWEEN 0 AND 480", name="held_minutes_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("tpm_supervisors.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("tpm_partners.id"))
    scheduled_at: Mapped[dt.datetime]
    scheduled_minutes: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    held_minutes: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
    # Set when the weekly placement put this session in the week: the program-local
    # Monday it was placed for, and which part (1 or 2) of a block split in two.
    placed_week: Mapped[dt.date | None]
    block_part: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # As on meetings: one of two concurrent outcomes wins, the other gets 409.
    version_id: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version_id}


Index(
    "ix_tpm_supervision_sessions_supervisor_scheduled",
    SupervisionSession.supervisor_id,
    SupervisionSession.scheduled_at,
)
Index(
    "ix_tpm_supervision_sessions_partner_scheduled",
    SupervisionSession.partner_id,
    SupervisionSession.scheduled_at,
)


class Review(Base):
    """A review: thinking together about the partnership, and what to change."""

    __tablename__ = "tpm_reviews"
    __table_args__ = (_one_of("outcome", REVIEW_OUTCOMES, "outcome_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("tpm_partnerships.id", ondelete="CASCADE"), index=True
    )
    held_at: Mapped[dt.datetime]
    participants: Mapped[list[Any]] = mapped_column(default=list)
    discussion: Mapped[str] = mapped_column(Text)
    changes_decided: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(10))
    author_id: Mapped[str] = mapped_column(HOST_USER_ID)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("tpm_reviews.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewRating(Base):
    """How connected the client is in one domain, 1 (broken) to 5 (strong), at a review."""

    __tablename__ = "tpm_review_ratings"
    __table_args__ = (
        UniqueConstraint("review_id", "domain"),
        _one_of("domain", DOMAINS, "domain_known"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("tpm_reviews.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(10))
    rating: Mapped[int]
