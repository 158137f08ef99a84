"""The plugin's tables, all prefixed ``tpm_`` and all on :data:`metadata`."""

from .audit import AccessAudit, PartnershipMigration, TransitionAudit
from .base import TABLE_PREFIX, Base, UTCDateTime, metadata, utcnow
from .care import (
    CANCELLED_BY,
    DOMAINS,
    IDENTIFICATION_KINDS,
    MEETING_STATUSES,
    REVIEW_OUTCOMES,
    IdentificationEntry,
    Meeting,
    Plan,
    PlannedActivity,
    Review,
    ReviewRating,
    SupervisionSession,
    activity_answers,
    supervision_discussed,
)
from .infra import IdempotencyRecord, NotificationLedger, OutboxMessage, WebhookDelivery
from .intake import IntakeDeadLetter, IntakeRecord, IntakeSource
from .partnerships import Partnership
from .people import Client, Partner, Program, ProgramManager, Supervisor
from .workflow import Workflow, WorkflowDraft, WorkflowVersion

__all__ = [
    "CANCELLED_BY",
    "DOMAINS",
    "IDENTIFICATION_KINDS",
    "MEETING_STATUSES",
    "REVIEW_OUTCOMES",
    "TABLE_PREFIX",
    "AccessAudit",
    "Base",
    "Client",
    "IdempotencyRecord",
    "IdentificationEntry",
    "IntakeDeadLetter",
    "IntakeRecord",
    "IntakeSource",
    "Meeting",
    "NotificationLedger",
    "OutboxMessage",
    "Partner",
    "Partnership",
    "PartnershipMigration",
    "Plan",
    "PlannedActivity",
    "Program",
    "ProgramManager",
    "Review",
    "ReviewRating",
    "Supervisor",
    "SupervisionSession",
    "TransitionAudit",
    "UTCDateTime",
    "WebhookDelivery",
    "Workflow",
    "WorkflowDraft",
    "WorkflowVersion",
    "activity_answers",
    "metadata",
    "supervision_discussed",
    "utcnow",
]
