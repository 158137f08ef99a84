"""Partnerships: a client paired with a partner, supervised, moving through stages."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Partnership(Base):
    """One client-partner partnership, pinned to the workflow version it started on.

    ``version_id`` is bumped by every change, so an UPDATE that names the version it read
    fails when another request changed the row underneath (optimistic concurrency, on top
    of the row lock the transition service takes).
    """

    __tablename__ = "tpm_partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("tpm_programs.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("tpm_clients.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("tpm_partners.id"), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("tpm_supervisors.id"), index=True)
    stage: Mapped[str] = mapped_column(String(64))
    # The stage to return to when a partnership on hold resumes.
    held_from_stage: Mapped[str | None] = mapped_column(String(64))
    workflow_key: Mapped[str] = mapped_column(String(64))
    workflow_version: Mapped[int]
    stage_entered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]
    # Why a manager opened this partnership while its client had another open one in the
    # program (a client has one open partnership per program unless a manager says why).
    another_open_reason: Mapped[str | None] = mapped_column(Text)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}


# The schedulers and list filters scan these.
Index("ix_tpm_partnerships_program_stage", Partnership.program_id, Partnership.stage)
Index(
    "ix_tpm_partnerships_workflow",
    Partnership.workflow_key,
    Partnership.workflow_version,
    Partnership.stage,
)
