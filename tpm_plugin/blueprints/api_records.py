"""The care record: identification entries, plans, meetings, supervision sessions, reviews.

Records of one partnership live under ``/partnerships/<id>/…``; each record also has its own
address (``/meetings/<id>``). Care notes are corrected by posting a new entry with
``supersedes_id``, never edited.
"""

from __future__ import annotations

from flask import Response

from ..access import current_actor
from ..schemas.common import MAX_INT, page_of
from ..schemas.records import (
    IdentificationEntryCreateSchema,
    IdentificationEntrySchema,
    IdentificationListQuerySchema,
    MeetingCreateSchema,
    MeetingListQuerySchema,
    MeetingOutcomeSchema,
    MeetingSchema,
    PlanCreateSchema,
    PlanListQuerySchema,
    PlanSchema,
    ReviewCreateSchema,
    ReviewListQuerySchema,
    ReviewSchema,
    SupervisionCreateSchema,
    SupervisionListQuerySchema,
    SupervisionOutcomeSchema,
    SupervisionSessionSchema,
)
from ..services import identification, meetings, plans, reviews, supervision
from ._openapi import operation
from ._routes import RouteTable
from .api_people import answer, answer_page, body, query

READ_ERRORS = (401, 403, 404)
LIST_ERRORS = (401, 403, 404, 422)
WRITE_ERRORS = (400, 401, 403, 404, 409, 415, 422)


# --- identification -------------------------------------------------------------------


@operation(
    tags=["identification"],
    query=IdentificationListQuerySchema,
    response=page_of(IdentificationEntrySchema),
    errors=LIST_ERRORS,
)
def list_identification_entries(partnership_id: int) -> Response:
    """List a partnership's identification entries (current ones, or with their history)."""
    page = identification.list_entries(
        current_actor(), partnership_id, query(IdentificationListQuerySchema)
    )
    return answer_page(IdentificationEntrySchema, page)


@operation(
    tags=["identification"],
    body=IdentificationEntryCreateSchema,
    response=IdentificationEntrySchema,
    status=201,
    errors=WRITE_ERRORS,
)
def add_identification_entry(partnership_id: int) -> Response:
    """Add an identification entry, or correct one with supersedes_id."""
    data = body(IdentificationEntryCreateSchema)
    entry = identification.add_entry(current_actor(), partnership_id, data)
    return answer(IdentificationEntrySchema, entry, 201)


@operation(tags=["identification"], response=IdentificationEntrySchema, errors=READ_ERRORS)
def get_identification_entry(entry_id: int) -> Response:
    """Read one identification entry."""
    return answer(IdentificationEntrySchema, identification.get_entry(current_actor(), entry_id))


# --- plans ----------------------------------------------------------------------------


@operation(
    tags=["plans"], query=PlanListQuerySchema, response=page_of(PlanSchema), errors=LIST_ERRORS
)
def list_plans(partnership_id: int) -> Response:
    """List a partnership's plan versions with their activities."""
    page = plans.list_plans(current_actor(), partnership_id, query(PlanListQuerySchema))
    return answer_page(PlanSchema, page)


@operation(
    tags=["plans"], body=PlanCreateSchema, response=PlanSchema, status=201, errors=WRITE_ERRORS
)
def add_plan(partnership_id: int) -> Response:
    """Add the next version of a partnership's plan."""
    plan = plans.add_plan(current_actor(), partnership_id, body(PlanCreateSchema))
    return answer(PlanSchema, plan, 201)


@operation(tags=["plans"], response=PlanSchema, errors=READ_ERRORS)
def get_plan(plan_id: int) -> Response:
    """Read one plan version with its activities."""
    return answer(PlanSchema, plans.get_plan(current_actor(), plan_id))


# --- meetings -------------------------------------------------------------------------


@operation(
    tags=["meetings"],
    query=MeetingListQuerySchema,
    response=page_of(MeetingSchema),
    errors=LIST_ERRORS,
)
def list_meetings(partnership_id: int) -> Response:
    """List a partnership's meetings (current ones, or with corrected ones)."""
    page = meetings.list_meetings(current_actor(), partnership_id, query(MeetingListQuerySchema))
    return answer_page(MeetingSchema, page)


@operation(
    tags=["meetings"],
    body=MeetingCreateSchema,
    response=MeetingSchema,
    status=201,
    errors=WRITE_ERRORS,
)
def add_meeting(partnership_id: int) -> Response:
    """Schedule a meeting, log one that happened, or correct one with supersedes_id."""
    meeting = meetings.add_meeting(current_actor(), partnership_id, body(MeetingCreateSchema))
    return answer(MeetingSchema, meeting, 201)


@operation(tags=["meetings"], response=MeetingSchema, errors=READ_ERRORS)
def get_meeting(meeting_id: int) -> Response:
    """Read one meeting."""
    return answer(MeetingSchema, meetings.get_meeting(current_actor(), meeting_id))


@operation(
    tags=["meetings"], body=MeetingOutcomeSchema, response=MeetingSchema, errors=WRITE_ERRORS
)
def log_meeting_outcome(meeting_id: int) -> Response:
    """Log how a scheduled meeting went: held, cancelled (by whom) or no-show."""
    meeting = meetings.log_outcome(current_actor(), meeting_id, body(MeetingOutcomeSchema))
    return answer(MeetingSchema, meeting)


# --- supervision ----------------------------------------------------------------------


@operation(
    tags=["supervision"],
    query=SupervisionListQuerySchema,
    response=page_of(SupervisionSessionSchema),
    errors=(401, 403, 422),
)
def list_supervision_sessions() -> Response:
    """List the supervision sessions you may see."""
    page = supervision.list_sessions(current_actor(), query(SupervisionListQuerySchema))
    return answer_page(SupervisionSessionSchema, page)


@operation(
    tags=["supervision"],
    body=SupervisionCreateSchema,
    response=SupervisionSessionSchema,
    status=201,
    errors=WRITE_ERRORS,
)
def add_supervision_session() -> Response:
    """Schedule (or log) a supervision session with a partner."""
    row = supervision.add_session(current_actor(), body(SupervisionCreateSchema))
    return answer(SupervisionSessionSchema, row, 201)


@operation(tags=["supervision"], response=SupervisionSessionSchema, errors=READ_ERRORS)
def get_supervision_session(session_id: int) -> Response:
    """Read one supervision session."""
    return answer(SupervisionSessionSchema, supervision.get_session(current_actor(), session_id))


@operation(
    tags=["supervision"],
    body=SupervisionOutcomeSchema,
    response=SupervisionSessionSchema,
    errors=WRITE_ERRORS,
)
def log_supervision_outcome(session_id: int) -> Response:
    """Log a scheduled supervision session as held or cancelled."""
    data = body(SupervisionOutcomeSchema)
    row = supervision.log_session_outcome(current_actor(), session_id, data)
    return answer(SupervisionSessionSchema, row)


# --- reviews --------------------------------------------------------------------------


@operation(
    tags=["reviews"],
    query=ReviewListQuerySchema,
    response=page_of(ReviewSchema),
    errors=LIST_ERRORS,
)
def list_reviews(partnership_id: int) -> Response:
    """List a partnership's reviews (current ones, or with corrected ones)."""
    page = reviews.list_reviews(current_actor(), partnership_id, query(ReviewListQuerySchema))
    return answer_page(ReviewSchema, page)


@operation(
    tags=["reviews"],
    body=ReviewCreateSchema,
    response=ReviewSchema,
    status=201,
    errors=WRITE_ERRORS,
)
def add_review(partnership_id: int) -> Response:
    """Record a review (program managers and the supervisor), or correct one."""
    review = reviews.add_review(current_actor(), partnership_id, body(ReviewCreateSchema))
    return answer(ReviewSchema, review, 201)


@operation(tags=["reviews"], response=ReviewSchema, errors=READ_ERRORS)
def get_review(review_id: int) -> Response:
    """Read one review with its ratings."""
    return answer(ReviewSchema, reviews.get_review(current_actor(), review_id))


_ROUTES = (
    (
        f"/partnerships/<int(max={MAX_INT}):partnership_id>/identification-entries",
        "GET",
        list_identification_entries,
    ),
    (
        f"/partnerships/<int(max={MAX_INT}):partnership_id>/identification-entries",
        "POST",
        add_identification_entry,
    ),
    (f"/identification-entries/<int(max={MAX_INT}):entry_id>", "GET", get_identification_entry),
    (f"/partnerships/<int(max={MAX_INT}):partnership_id>/plans", "GET", list_plans),
    (f"/partnerships/<int(max={MAX_INT}):partnership_id>/plans", "POST", add_plan),
    (f"/plans/<int(max={MAX_INT}):plan_id>", "GET", get_plan),
    (f"/partnerships/<int(max={MAX_INT}):partnership_id>/meetings", "GET", list_meetings),
    (f"/partnerships/<int(max={MAX_INT}):partnership_id>/meetings", "POST", add_meeting),
    (f"/meetings/<int(max={MAX_INT}):meeting_id>", "GET", get_meeting),
    (f"/meetings/<int(max={MAX_INT}):meeting_id>/outcome", "POST", log_meeting_outcome),
    ("/supervision-sessions", "GET", list_supervision_sessions),
    ("/supervision-sessions", "POST", add_supervision_session),
    (f"/supervision-sessions/<int(max={MAX_INT}):session_id>", "GET", get_supervision_session),
    (
        f"/supervision-sessions/<int(max={MAX_INT}):session_id>/outcome",
        "POST",
        log_supervision_outcome,
    ),
    (f"/partnerships/<int(max={MAX_INT}):partnership_id>/reviews", "GET", list_reviews),
    (f"/partnerships/<int(max={MAX_INT}):partnership_id>/reviews", "POST", add_review),
    (f"/reviews/<int(max={MAX_INT}):review_id>", "GET", get_review),
)


def register(routes: RouteTable) -> None:
    """Add the care-record routes to the API."""
    for rule, method, view in _ROUTES:
        routes.add_url_rule(rule, view.__name__, view, methods=[method])
