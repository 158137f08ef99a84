"""Supervision scheduling: when supervisors are available, when they are away (and who
covers), and when partners cannot attend.

Weekly times are wall-clock times in the program's timezone (``weekday`` 0 = Monday), so
a Tuesday 14:00–17:00 window stays at 14:00 across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class AvailabilityWindow(Base):
    """A weekly window a supervisor can hold supervision, local to their program."""

    __tablename__ = "tpm_availability_windows"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("starts_at < ends_at", name="window_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(
        ForeignKey("tpm_supervisors.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    starts_at: Mapped[dt.time]
    ends_at: Mapped[dt.time]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Absence(Base):
    """Days a supervisor is away (inclusive, local dates), with an optional cover."""

    __tablename__ = "tpm_absences"
    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="absence_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("tpm_supervisors.id", ondelete="CASCADE"))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    cover_supervisor_id: Mapped[int | None] = mapped_column(
        ForeignKey("tpm_supervisors.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


Index("ix_tpm_absences_supervisor_starts", Absence.supervisor_id, Absence.starts_on)


class BlockedTime(Base):
    """A weekly time a partner cannot attend supervision, local to their program."""

    __tablename__ = "tpm_blocked_times"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("starts_at < ends_at", name="blocked_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("tpm_partners.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    starts_at: Mapped[dt.time]
    ends_at: Mapped[dt.time]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UnplacedSupervision(Base):
    """A partner's supervision the week's placement could not place, and why."""

    __tablename__ = "tpm_unplaced_supervision"
    __table_args__ = (UniqueConstraint("supervisor_id", "partner_id", "week_starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("tpm_supervisors.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("tpm_partners.id", ondelete="CASCADE"))
    week_starts_on: Mapped[dt.date]
    minutes: Mapped[int]
    reason: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PlacementRun(Base):
    """When a program's week was last placed, so the placement runs again only after
    something it reads has changed (an assignment, a stage, a cancelled block)."""

    __tablename__ = "tpm_placement_runs"
    __table_args__ = (UniqueConstraint("program_id", "week_starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("tpm_programs.id", ondelete="CASCADE"))
    week_starts_on: Mapped[dt.date]
    placed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    cancelled_seen: Mapped[int] = mapped_column(default=0)


class CoverGrant(Base):
    """Read access a cover supervisor holds to one partnership while its supervisor is
    away (``starts_at`` to ``ends_at``, UTC): it ends by itself."""

    __tablename__ = "tpm_cover_grants"
    __table_args__ = (UniqueConstraint("absence_id", "partnership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    absence_id: Mapped[int] = mapped_column(ForeignKey("tpm_absences.id", ondelete="CASCADE"))
    cover_supervisor_id: Mapped[int] = mapped_column(
        ForeignKey("tpm_supervisors.id", ondelete="CASCADE")
    )
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("tpm_partnerships.id", ondelete="CASCADE")
    )
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


Index("ix_tpm_cover_grants_cover_ends", CoverGrant.cover_supervisor_id, CoverGrant.ends_at)


class CalendarFeed(Base):
    """A secret calendar-feed address of a partner or supervisor. Only the token's SHA-256
    is kept; rotating revokes the old one, and a revoked feed answers 404."""

    __tablename__ = "tpm_calendar_feeds"
    __table_args__ = (
        CheckConstraint("owner_role IN ('partner', 'supervisor')", name="owner_role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_role: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[int]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]


Index("ix_tpm_calendar_feeds_owner", CalendarFeed.owner_role, CalendarFeed.owner_id)
