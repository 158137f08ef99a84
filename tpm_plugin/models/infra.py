"""Plumbing tables: the job outbox, the notification ledger, webhook deliveries, and
idempotency keys for POST requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow
from .people import HOST_USER_ID


class OutboxMessage(Base):
    """A job to enqueue, written in the same transaction as the change that caused it.

    ``dedupe_key`` doubles as the rq job id, so relaying a row twice enqueues it once.
    ``payload`` holds ids only: no names, notes or dates of birth ever reach Redis.
    """

    __tablename__ = "tpm_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    available_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    relayed_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


Index("ix_tpm_outbox_pending", OutboxMessage.relayed_at, OutboxMessage.available_at)


class NotificationLedger(Base):
    """One row per notification, unique on (kind, recipient, occurrence): the claim that makes
    a retried, duplicated or requeued job notify nobody twice.

    A row is claimed (``status`` "sending", committed) before the notifier is called and
    marked "sent" after; ``claimed_by`` names the run of the rq job that holds the claim
    (see :mod:`tpm_plugin.services.notifications.claimant`), so a retry of that job resumes
    it once that run is over, and two runs of one job id at once never both send. ``recipient_ref`` is "<role>-<id>" (``partner-12``), never an
    address; ``occurrence`` names the event (``meeting-88-24h``), never its content.
    """

    __tablename__ = "tpm_notification_ledger"
    __table_args__ = (UniqueConstraint("kind", "recipient_ref", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    recipient_ref: Mapped[str] = mapped_column(String(64))
    occurrence: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="sending")
    claimed_by: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=1)
    sent_at: Mapped[dt.datetime | None]


class WebhookDelivery(Base):
    """A delivery from an intake form service; a repeated delivery id returns the first answer."""

    __tablename__ = "tpm_webhook_deliveries"
    __table_args__ = (UniqueConstraint("source", "delivery_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    delivery_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="received")
    response_status: Mapped[int | None]
    response_body: Mapped[dict[str, Any] | None]
    body: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(default=1)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[dt.datetime | None]


Index("ix_tpm_webhook_deliveries_status", WebhookDelivery.status, WebhookDelivery.received_at)


class IdempotencyRecord(Base):
    """A POST made with an ``Idempotency-Key``: its body fingerprint and stored response."""

    __tablename__ = "tpm_idempotency_keys"
    __table_args__ = (UniqueConstraint("actor_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[str] = mapped_column(HOST_USER_ID)
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="in_progress")
    response_status: Mapped[int | None]
    response_body: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None]
