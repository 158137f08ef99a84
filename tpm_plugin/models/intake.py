"""Intake from form services: the sources programs configure, the referrals they delivered
(intake records) and the deliveries that could not be mapped (dead letters).

Deliveries themselves, with the first answer given to each delivery id, are
:class:`~tpm_plugin.models.infra.WebhookDelivery` rows keyed by the source's key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow
from .people import HOST_USER_ID, Client


class IntakeSource(Base):
    """A form that sends referrals to one program, with its secrets and field mapping.

    ``secret`` and ``previous_secret`` are kept as given, because checking an HMAC needs the
    key itself; senders that only put a token in the URL (JotForm, Cognito Forms) keep its
    SHA-256 instead. Neither is ever shown again after the source is created or rotated.
    ``version_id`` is bumped by every change (a rotation, a new mapping, switching it off).
    """

    __tablename__ = "tpm_intake_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    program_id: Mapped[int] = mapped_column(ForeignKey("tpm_programs.id"), index=True)
    secret: Mapped[str] = mapped_column(String(200))
    previous_secret: Mapped[str | None] = mapped_column(String(200))
    handshake_key: Mapped[str | None] = mapped_column(String(200))
    mapping: Mapped[dict[str, Any]]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    secret_rotated_at: Mapped[dt.datetime | None]
    version_id: Mapped[int] = mapped_column(default=1)

    # Every change bumps ``version_id``: a process that keeps the source in memory for its
    # deliveries checks it in the statement it runs anyway, and loads the source again when
    # it moved (see tpm_plugin.services.intake.sources).
    __mapper_args__ = {"version_id_col": version_id}


class IntakeRecord(Base):
    """A referral as the form sent it: the answers, kept with the client they opened.

    ``submission_id`` is the form service's own id of the submission; a newer ``version``
    of it (Cognito Forms re-posts edited entries) replaces the answers, an older one does not.

    ``possible_duplicate_client_ids`` is what intake flagged; a program manager's decision
    on it is kept beside it (``duplicates_*``), and from then on it stays as it is. Until
    then, a flagged client removed as another referral's duplicate is replaced by the client
    kept, and an erased one is dropped (:mod:`tpm_plugin.services.intake.flags`). When the
    client was the same person as an existing one, ``client_id`` names the existing client
    and ``replaced_client_id`` the client the referral had opened (removed once its
    partnership moved).
    """

    __tablename__ = "tpm_intake_records"
    __table_args__ = (UniqueConstraint("source_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("tpm_intake_sources.id"))
    submission_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=0)
    client_id: Mapped[int] = mapped_column(ForeignKey("tpm_clients.id"), index=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("tpm_partnerships.id"))
    answers: Mapped[dict[str, Any] | None]
    school: Mapped[str | None] = mapped_column(String(200))
    referral_reason: Mapped[str | None] = mapped_column(Text)
    consent: Mapped[dict[str, Any] | None]
    possible_duplicate_client_ids: Mapped[list[Any] | None]
    #: ``distinct`` or ``same`` once a program manager decided; NULL while flagged.
    duplicates_decision: Mapped[str | None] = mapped_column(String(20))
    duplicates_resolved_by: Mapped[str | None] = mapped_column(HOST_USER_ID)
    duplicates_resolved_at: Mapped[dt.datetime | None]
    replaced_client_id: Mapped[int | None]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None]


class IntakeDeadLetter(Base):
    """A delivery that passed its signature check but could not be mapped, kept until a
    manager fixes the mapping and replays it, or until retention removes it.

    The body is kept as received (bytes), never logged. Once replayed, ``client_id`` links
    it to the client it opened, so erasing that client clears it.
    """

    __tablename__ = "tpm_intake_dead_letters"
    __table_args__ = (UniqueConstraint("source_id", "delivery_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("tpm_intake_sources.id"))
    delivery_id: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(200))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    problems: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    client_id: Mapped[int | None] = mapped_column(ForeignKey("tpm_clients.id"), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    replayed_at: Mapped[dt.datetime | None]


Index("ix_tpm_intake_dead_letters_status", IntakeDeadLetter.status, IntakeDeadLetter.received_at)

# Intake looks for possible duplicates of each referral among a program's clients: by
# date of birth (then name), and by guardian contact.
Index("ix_tpm_clients_program_birth", Client.program_id, Client.date_of_birth)
Index("ix_tpm_clients_program_guardian", Client.program_id, Client.guardian_contact)
