"""Schemas of the care record: identification entries, plans and activities, meetings,
supervision sessions, reviews and their ratings, one module per record (:mod:`._shared`:
what they share)."""

from .identification import (
    IdentificationEntryCreateSchema,
    IdentificationEntrySchema,
    IdentificationListQuerySchema,
)
from .meetings import (
    LOGGED_MEETING_STATUSES,
    MAX_MEETING_MINUTES,
    MEETING_STATUSES,
    GroupActivityCreateSchema,
    GroupActivitySchema,
    MeetingCreateSchema,
    MeetingListQuerySchema,
    MeetingOutcomeSchema,
    MeetingSchema,
    check_meeting_fields,
)
from .plans import (
    ActivityCreateSchema,
    ActivitySchema,
    PlanCreateSchema,
    PlanListQuerySchema,
    PlanSchema,
)
from .reviews import (
    RatingSchema,
    ReviewCreateSchema,
    ReviewListQuerySchema,
    ReviewSchema,
)
from .supervision import (
    MAX_SUPERVISION_MINUTES,
    SUPERVISION_STATUSES,
    PartnershipMinutesSchema,
    SupervisionCreateSchema,
    SupervisionListQuerySchema,
    SupervisionOutcomeSchema,
    SupervisionSessionSchema,
)

__all__ = [
    "LOGGED_MEETING_STATUSES",
    "MAX_MEETING_MINUTES",
    "MAX_SUPERVISION_MINUTES",
    "MEETING_STATUSES",
    "SUPERVISION_STATUSES",
    "ActivityCreateSchema",
    "ActivitySchema",
    "GroupActivityCreateSchema",
    "GroupActivitySchema",
    "IdentificationEntryCreateSchema",
    "IdentificationEntrySchema",
    "IdentificationListQuerySchema",
    "MeetingCreateSchema",
    "MeetingListQuerySchema",
    "MeetingOutcomeSchema",
    "MeetingSchema",
    "PartnershipMinutesSchema",
    "PlanCreateSchema",
    "PlanListQuerySchema",
    "PlanSchema",
    "RatingSchema",
    "ReviewCreateSchema",
    "ReviewListQuerySchema",
    "ReviewSchema",
    "SupervisionCreateSchema",
    "SupervisionListQuerySchema",
    "SupervisionOutcomeSchema",
    "SupervisionSessionSchema",
    "check_meeting_fields",
]
