"""Programs and the people in them: program managers, clients, partners, supervisors.

People are linked to the host's users by a plain ``host_user_id`` value, never a foreign
key into a host table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

HOST_USER_ID = String(64)

#: How a program runs (the model names both): in an afterschool setting, where a partner
#: may log one group activity for several of their partnerships, or individually.
PROGRAM_SETTINGS = ("individual", "afterschool")


class Program(Base):
    """A program a center runs (an afterschool program, "Square Width", "individual")."""

    __tablename__ = "tpm_programs"
    __table_args__ = (
        CheckConstraint("meetings_per_week BETWEEN 1 AND 14", name="meetings_per_week_range"),
        CheckConstraint(
            "supervision_minutes_per_client BETWEEN 0 AND 240",
            name="supervision_minutes_range",
        ),
        CheckConstraint("setting IN ('individual', 'afterschool')", name="setting_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    meetings_per_week: Mapped[int] = mapped_column(default=3)
    supervision_minutes_per_client: Mapped[int] = mapped_column(default=20)
    workflow_key: Mapped[str] = mapped_column(String(64), default="therapeutic_partnership")
    setting: Mapped[str] = mapped_column(String(20), default="individual")
    # Whether meeting reminders also go to a minor client's guardian.
    remind_guardians: Mapped[bool] = mapped_column(default=False)
    #: The language of its pages and messages for people who chose none (``None``: the
    #: browser's, else English).
    language: Mapped[str | None] = mapped_column(String(35))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ProgramManager(Base):
    """A host user who manages a program (sees and changes everything in it)."""

    __tablename__ = "tpm_program_managers"
    __table_args__ = (UniqueConstraint("program_id", "host_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("tpm_programs.id", ondelete="CASCADE"))
    host_user_id: Mapped[str] = mapped_column(HOST_USER_ID, index=True)


class Client(Base):
    """A child or adult the center serves. Identifying fields are cleared on erasure."""

    __tablename__ = "tpm_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("tpm_programs.id"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[dt.date | None]
    is_minor: Mapped[bool] = mapped_column(default=False)
    guardian_name: Mapped[str | None] = mapped_column(String(200))
    guardian_contact: Mapped[str | None] = mapped_column(String(200))
    preferred_language: Mapped[str | None] = mapped_column(String(35))
    consent_given_at: Mapped[dt.datetime | None]
    consent_given_by: Mapped[str | None] = mapped_column(String(20))
    host_user_id: Mapped[str | None] = mapped_column(HOST_USER_ID, index=True)
    erased_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(
            "consent_given_by IS NULL OR consent_given_by IN ('client', 'guardian')",
            name="consent_given_by_known",
        ),
    )


class Partner(Base):
    """A community member who partners with clients (a host user may partner in several
    programs, once in each)."""

    __tablename__ = "tpm_partners"
    __table_args__ = (UniqueConstraint("program_id", "host_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("tpm_programs.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    host_user_id: Mapped[str | None] = mapped_column(HOST_USER_ID, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    #: The language of their pages and messages (``None``: the program's).
    preferred_language: Mapped[str | None] = mapped_column(String(35))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Supervisor(Base):
    """A supervisor who meets each partner weekly, 20 minutes per client (a host user may
    supervise in several programs, once in each)."""

    __tablename__ = "tpm_supervisors"
    __table_args__ = (UniqueConstraint("program_id", "host_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("tpm_programs.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    host_user_id: Mapped[str | None] = mapped_column(HOST_USER_ID, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    #: The language of their pages and messages (``None``: the program's).
    preferred_language: Mapped[str | None] = mapped_column(String(35))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


Index("ix_tpm_partners_program_active", Partner.program_id, Partner.active)
