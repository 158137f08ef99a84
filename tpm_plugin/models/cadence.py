"""Crisis cadence: a partnership's weekly targets raised for a number of weeks, with a reason."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow
from .people import HOST_USER_ID

#: The longest a crisis cadence may run, in weeks.
MAX_OVERRIDE_WEEKS = 26


class CadenceOverride(Base):
    """A raised cadence in force from ``starts_at`` until ``ends_at`` (or until it was ended
    early at ``ended_early_at``). A figure left ``NULL`` keeps its usual target; a set figure
    raises the target while the partnership is in a stage that owes (it never lowers one).
    """

    __tablename__ = "tpm_cadence_overrides"
    __table_args__ = (
        CheckConstraint(
            "meetings_per_week IS NULL OR meetings_per_week BETWEEN 1 AND 14",
            name="meetings_per_week_range",
        ),
        CheckConstraint(
            "supervision_minutes_per_client IS NULL "
            "OR supervision_minutes_per_client BETWEEN 1 AND 240",
            name="supervision_minutes_range",
        ),
        CheckConstraint(
            "meetings_per_week IS NOT NULL OR supervision_minutes_per_client IS NOT NULL",
            name="raises_something",
        ),
        CheckConstraint("weeks BETWEEN 1 AND 26", name="weeks_range"),
        CheckConstraint("ends_at > starts_at", name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("tpm_partnerships.id", ondelete="CASCADE")
    )
    meetings_per_week: Mapped[int | None]
    supervision_minutes_per_client: Mapped[int | None]
    weeks: Mapped[int]
    reason: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    ended_early_at: Mapped[dt.datetime | None]
    ended_early_by: Mapped[str | None] = mapped_column(HOST_USER_ID)
    created_by: Mapped[str | None] = mapped_column(HOST_USER_ID)
    created_by_role: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def in_force_until(self) -> dt.datetime:
        """When the raised cadence stops: its planned end, or when it was ended early."""
        if self.ended_early_at is not None and self.ended_early_at < self.ends_at:
            return self.ended_early_at
        return self.ends_at

    @property
    def in_force(self) -> bool:
        """Whether the raised cadence holds now."""
        return self.starts_at <= utcnow() < self.in_force_until


Index(
    "ix_tpm_cadence_overrides_partnership",
    CadenceOverride.partnership_id,
    CadenceOverride.starts_at,
)
