"""The meeting rhythm: a partnership's preferred weekly meeting times, and the weeks that
ended below target (the supervisor's list of misses).

Preferred times are wall-clock times in the program's timezone (``weekday`` 0 = Monday), so
a Tuesday 16:00 meeting stays at 16:00 across daylight-saving changes; every instant derived
from them is stored in UTC.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class PreferredMeetingTime(Base):
    """A weekly time a partnership prefers to meet, local to its program."""

    __tablename__ = "tpm_preferred_meeting_times"
    __table_args__ = (
        UniqueConstraint("partnership_id", "weekday", "local_time"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("tpm_partnerships.id", ondelete="CASCADE")
    )
    weekday: Mapped[int]
    local_time: Mapped[dt.time]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MissedWeek(Base):
    """A program-local week a partnership ended below its meetings target."""

    __tablename__ = "tpm_missed_weeks"
    __table_args__ = (UniqueConstraint("partnership_id", "week_starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("tpm_partnerships.id", ondelete="CASCADE")
    )
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("tpm_supervisors.id"))
    week_starts_on: Mapped[dt.date]
    meetings_target: Mapped[float] = mapped_column(Float)
    meetings_held: Mapped[int]
    flagged_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


Index("ix_tpm_missed_weeks_supervisor_week", MissedWeek.supervisor_id, MissedWeek.week_starts_on)


class CheckedWeek(Base):
    """A program-local week whose misses have been flagged, so each week is checked once."""

    __tablename__ = "tpm_checked_weeks"
    __table_args__ = (UniqueConstraint("program_id", "week_starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("tpm_programs.id", ondelete="CASCADE"))
    week_starts_on: Mapped[dt.date]
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
