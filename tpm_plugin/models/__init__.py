"""The plugin's tables, all prefixed ``tpm_`` and all on :data:`metadata`."""

from .audit import AccessAudit, PartnershipMigration, TransitionAudit
from .base import TABLE_PREFIX, Base, UTCDateTime, metadata, utcnow
from .cadence import MAX_OVERRIDE_WEEKS, CadenceOverride
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
from .history import PartnershipAssignment, ProgramTargets
from .infra import IdempotencyRecord, NotificationLedger, OutboxMessage, WebhookDelivery
from .intake import IntakeDeadLetter, IntakeRecord, IntakeSource
from .partnerships import Partnership
from .people import PROGRAM_SETTINGS, Client, Partner, Program, ProgramManager, Supervisor
from .rhythm import CheckedWeek, MissedWeek, PreferredMeetingTime
from .scheduling import (
    Absence,
    AvailabilityWindow,
    BlockedTime,
    CalendarFeed,
    CoverGrant,
    PlacementRun,
    UnplacedSupervision,
)
from .workflow import Workflow, WorkflowDraft, WorkflowVersion, program_copy_key

__all__ = [
    "CANCELLED_BY",
    "DOMAINS",
    "IDENTIFICATION_KINDS",
    "MAX_OVERRIDE_WEEKS",
    "MEETING_STATUSES",
    "PROGRAM_SETTINGS",
    "REVIEW_OUTCOMES",
    "TABLE_PREFIX",
    "Absence",
    "AccessAudit",
    "AvailabilityWindow",
    "BlockedTime",
    "CheckedWeek",
    "Base",
    "CadenceOverride",
    "CalendarFeed",
    "Client",
    "CoverGrant",
    "IdempotencyRecord",
    "IdentificationEntry",
    "IntakeDeadLetter",
    "IntakeRecord",
    "IntakeSource",
    "Meeting",
    "MissedWeek",
    "NotificationLedger",
    "OutboxMessage",
    "Partner",
    "Partnership",
    "PartnershipAssignment",
    "PartnershipMigration",
    "Plan",
    "PlacementRun",
    "PlannedActivity",
    "PreferredMeetingTime",
    "Program",
    "ProgramManager",
    "ProgramTargets",
    "Review",
    "ReviewRating",
    "Supervisor",
    "SupervisionSession",
    "TransitionAudit",
    "UnplacedSupervision",
    "UTCDateTime",
    "WebhookDelivery",
    "Workflow",
    "WorkflowDraft",
    "WorkflowVersion",
    "activity_answers",
    "metadata",
    "program_copy_key",
    "supervision_discussed",
    "utcnow",
]
