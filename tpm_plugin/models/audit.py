"""Append-only audit trails: stage transitions, version migrations, access to care data.

The service layer only ever inserts into these tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow
from .people import HOST_USER_ID


class TransitionAudit(Base):
    """One stage change of a partnership: from, to, trigger, who, why, on which version."""

    __tablename__ = "tpm_transition_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("tpm_partnerships.id"))
    from_stage: Mapped[str | None] = mapped_column(String(64))
    to_stage: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[str | None] = mapped_column(HOST_USER_ID)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    workflow_key: Mapped[str] = mapped_column(String(64))
    workflow_version: Mapped[int]
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


Index(
    "ix_tpm_transition_audit_partnership_occurred",
    TransitionAudit.partnership_id,
    TransitionAudit.occurred_at,
)


class PartnershipMigration(Base):
    """A partnership moved from one workflow version to another, with its stage mapping."""

    __tablename__ = "tpm_partnership_migrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("tpm_partnerships.id"), index=True)
    workflow_key: Mapped[str] = mapped_column(String(64))
    from_version: Mapped[int]
    to_version: Mapped[int]
    from_stage: Mapped[str] = mapped_column(String(64))
    to_stage: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[str | None] = mapped_column(HOST_USER_ID)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AccessAudit(Base):
    """One request that read or changed care data, allowed or refused: one row each, and
    one per kind of care record read when a request reads several (a supervisor's week: its
    sessions, its agendas' partnerships; a page showing several API reads).

    ``actor_role`` is the role the actor holds *on the object touched* (``None`` when they
    hold none there, as for a refused attempt outside their scope), or ``intake_source``
    for what an intake source delivered (``actor_id`` ``intake-source:<id>``: a source
    holds none of the people's roles; see ``services.intake.rows.INTAKE_ROLE``).
    ``program_id`` and ``partnership_id`` say whose care data it was, so a program's
    managers can read their program's trail. A list is one row: ``object_type`` is the
    kind of item listed and ``object_ids`` the ids it answered (an empty list too).
    ``outcome`` is ``allowed``, ``denied`` (401/403/404) or ``refused`` (the object was
    reached, the change was not made: 409 or 422). Ids only, never names or notes.
    """

    __tablename__ = "tpm_access_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[str | None] = mapped_column(HOST_USER_ID)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    program_id: Mapped[int | None]
    partnership_id: Mapped[int | None]
    object_ids: Mapped[list[Any] | None]


Index("ix_tpm_access_audit_object", AccessAudit.object_type, AccessAudit.object_id)
Index("ix_tpm_access_audit_actor_occurred", AccessAudit.actor_id, AccessAudit.occurred_at)
Index("ix_tpm_access_audit_program_occurred", AccessAudit.program_id, AccessAudit.occurred_at)
