"""What held when: a partnership's partner and supervisor, and a program's targets, over time.

Weekly figures credit whoever held an assignment, at the target in force, in that week, so
a reassignment or a new target changes the weeks that follow it and never the weeks before.
A period runs from ``valid_from`` until ``valid_until`` (``NULL``: it still holds). The
services close the current period and open the next one in the same transaction as the
change itself.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base
from .people import HOST_USER_ID


class PartnershipAssignment(Base):
    """Who was a partnership's partner and supervisor during one period."""

    __tablename__ = "tpm_partnership_assignments"
    __table_args__ = (
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("tpm_partnerships.id", ondelete="CASCADE")
    )
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("tpm_partners.id"), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("tpm_supervisors.id"), index=True)
    valid_from: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime | None]
    changed_by: Mapped[str | None] = mapped_column(HOST_USER_ID)


class ProgramTargets(Base):
    """A program's weekly targets during one period."""

    __tablename__ = "tpm_program_targets"
    __table_args__ = (
        CheckConstraint("meetings_per_week BETWEEN 1 AND 14", name="meetings_per_week_range"),
        CheckConstraint(
            "supervision_minutes_per_client BETWEEN 0 AND 240",
            name="supervision_minutes_range",
        ),
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("tpm_programs.id", ondelete="CASCADE"))
    meetings_per_week: Mapped[int]
    supervision_minutes_per_client: Mapped[int]
    valid_from: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime | None]
    changed_by: Mapped[str | None] = mapped_column(HOST_USER_ID)


Index(
    "ix_tpm_partnership_assignments_partnership",
    PartnershipAssignment.partnership_id,
    PartnershipAssignment.valid_from,
)
Index("ix_tpm_program_targets_program", ProgramTargets.program_id, ProgramTargets.valid_from)
