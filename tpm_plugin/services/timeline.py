"""One timeline of everything that happened in a partnership, newest first.

Each kind of event comes from one :class:`TimelineSource`: a SELECT of one partnership's rows
in the timeline's uniform columns (kind, id, when, who, what it corrects, what corrected it,
and up to four details). The page is one ``UNION ALL`` of the sources, ordered and paginated
in the database, so a timeline costs the same few statements however long the partnership
has run. Corrections are shown as such: a correcting entry names the entry it corrects
(``corrects_id``), a corrected one the entry that replaced it (``superseded_by_id``).

To add a kind, append a source to :data:`SOURCES` and its kind to
:data:`tpm_plugin.schemas.timeline.TIMELINE_KINDS` (which ``?kind=`` accepts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    cast,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from ..access import Actor
from ..models import (
    IdentificationEntry,
    Meeting,
    PartnershipMigration,
    Plan,
    Review,
    SupervisionSession,
    TransitionAudit,
    UTCDateTime,
    supervision_discussed,
)
from ._reading import Page, paginate
from ._unit import unit_of_work
from .access import ALLOWED, partnership_for, record_access, record_reads, require_actor

#: How many detail columns a source may fill.
DETAILS = 4


@dataclass(frozen=True)
class TimelineSource:
    """Where one kind of timeline event comes from.

    Attributes:
        kind: the event kind, as ``?kind=`` names it.
        details: the names of the detail columns the source fills, in order (at most
            :data:`DETAILS`).
        rows: ``rows(partnership_id)``: a SELECT of :func:`columns` for that partnership.
        object_type: the access-audit object type of its rows when they are care records
            (each one read is audited); ``None`` for entries of the audit trails.
        whole_numbers: details that are integers (shown as numbers, not text).
    """

    kind: str
    details: tuple[str, ...]
    rows: Callable[[int], Select]
    object_type: str | None = None
    whole_numbers: frozenset[str] = frozenset()


def columns(
    kind: str,
    row_id: Any,
    occurred_at: Any,
    actor_id: Any = None,
    corrects_id: Any = None,
    superseded_by_id: Any = None,
    *details: Any,
) -> list[Any]:
    """The timeline's uniform columns, labelled, for one source's SELECT (details are
    stored as text; missing ones are NULL)."""
    filled = [cast(value, String) for value in details]
    filled += [null()] * (DETAILS - len(filled))
    return [
        literal(kind, String).label("kind"),
        type_coerce(row_id, Integer).label("id"),
        # Coerced, not CAST: SQLite's CAST to a date type yields a number.
        type_coerce(occurred_at, UTCDateTime()).label("occurred_at"),
        cast(actor_id if actor_id is not None else null(), String).label("actor_id"),
        cast(corrects_id if corrects_id is not None else null(), Integer).label("corrects_id"),
        cast(superseded_by_id if superseded_by_id is not None else null(), Integer).label(
            "superseded_by_id"
        ),
        *(cast(value, String).label(f"detail_{n}") for n, value in enumerate(filled)),
    ]


def _successor(model: Any) -> Any:
    newer = aliased(model)
    return select(newer.id).where(newer.supersedes_id == model.id).scalar_subquery()


def _transitions(partnership_id: int) -> Select:
    row = TransitionAudit
    return select(
        *columns(
            "transition",
            row.id,
            row.occurred_at,
            row.actor_id,
            None,
            None,
            row.from_stage,
            row.to_stage,
            row.trigger,
            row.actor_role,
        )
    ).where(row.partnership_id == partnership_id)


def _migrations(partnership_id: int) -> Select:
    row = PartnershipMigration
    return select(
        *columns(
            "migration",
            row.id,
            row.occurred_at,
            row.actor_id,
            None,
            None,
            row.from_stage,
            row.to_stage,
            row.from_version,
            row.to_version,
        )
    ).where(row.partnership_id == partnership_id)


def _identification(partnership_id: int) -> Select:
    row = IdentificationEntry
    return select(
        *columns(
            "identification",
            row.id,
            row.recorded_at,
            row.author_id,
            row.supersedes_id,
            _successor(row),
            row.kind,
            row.domain,
        )
    ).where(row.partnership_id == partnership_id)


def _plans(partnership_id: int) -> Select:
    row = Plan
    return select(
        *columns("plan", row.id, row.created_at, row.author_id, None, None, row.version)
    ).where(row.partnership_id == partnership_id)


def _meetings(partnership_id: int) -> Select:
    row = Meeting
    return select(
        *columns(
            "meeting",
            row.id,
            row.scheduled_at,
            row.logged_by,
            row.supersedes_id,
            _successor(row),
            row.status,
            row.minutes,
            row.cancelled_by,
            row.group_id,
        )
    ).where(row.partnership_id == partnership_id)


def _supervision(partnership_id: int) -> Select:
    row = SupervisionSession
    discussed = supervision_discussed.c
    return (
        select(
            *columns(
                "supervision",
                row.id,
                row.scheduled_at,
                None,
                None,
                None,
                row.status,
                row.held_minutes,
                row.scheduled_minutes,
                row.supervisor_id,
            )
        )
        .join(supervision_discussed, discussed.session_id == row.id)
        .where(discussed.partnership_id == partnership_id)
    )


def _reviews(partnership_id: int) -> Select:
    row = Review
    return select(
        *columns(
            "review",
            row.id,
            row.held_at,
            row.author_id,
            row.supersedes_id,
            _successor(row),
            row.outcome,
        )
    ).where(row.partnership_id == partnership_id)


#: Every kind of event a timeline shows. Crisis cadence overrides (the rhythm issue's
#: ``tpm_cadence_overrides``) join here as one more source, kind ``cadence_override``.
SOURCES: list[TimelineSource] = [
    TimelineSource("transition", ("from_stage", "to_stage", "trigger", "actor_role"), _transitions),
    TimelineSource(
        "migration",
        ("from_stage", "to_stage", "from_version", "to_version"),
        _migrations,
        whole_numbers=frozenset({"from_version", "to_version"}),
    ),
    TimelineSource("identification", ("kind", "domain"), _identification, "identification_entry"),
    TimelineSource("plan", ("version",), _plans, "plan", frozenset({"version"})),
    TimelineSource(
        "meeting",
        ("status", "minutes", "cancelled_by", "group_id"),
        _meetings,
        "meeting",
        frozenset({"minutes"}),
    ),
    TimelineSource(
        "supervision",
        ("status", "held_minutes", "scheduled_minutes", "supervisor_id"),
        _supervision,
        "supervision_session",
        frozenset({"held_minutes", "scheduled_minutes", "supervisor_id"}),
    ),
    TimelineSource("review", ("outcome",), _reviews, "review"),
]


def timeline(actor: Actor | None, partnership_id: int, query: dict[str, Any]) -> Page[dict]:
    """One page of a partnership's timeline, newest first (``kind``: one kind only).

    Each item: ``kind``, ``id`` (of the row in its own table), ``occurred_at``,
    ``actor_id``, ``correction`` with ``corrects_id`` / ``superseded_by_id``, and
    ``details`` by name. The read is audited as one row, naming the partnership or each
    care record on the page (:func:`_audit_page`). A constant number of statements whatever the page size or history.

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: no such partnership within the actor's reach (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership_for(actor, partnership_id, "read_timeline", reading=True)
        page = read_timeline(unit.session, actor, partnership_id, query)
    return page


def read_timeline(
    session: Session, actor: Actor, partnership_id: int, query: dict[str, Any]
) -> Page[dict]:
    """What :func:`timeline` answers, read in the caller's unit of work once it has reached
    the partnership (a page showing the timeline beside other records reads it in its own
    transaction); the unit's audit row becomes the timeline's (:func:`_audit_page`)."""
    sources = [s for s in SOURCES if query.get("kind") in (None, s.kind)]
    by_kind = {source.kind: source for source in SOURCES}
    events = union_all(*(source.rows(partnership_id) for source in sources)).subquery()
    statement = select(events).order_by(
        events.c.occurred_at.desc(), events.c.kind, events.c.id.desc()
    )
    rows, total = paginate(session, statement, query["page"], query["page_size"], plain_rows=True)
    items = [_item(by_kind[row["kind"]], row) for row in rows]
    _audit_page(actor, partnership_id, sources, items)
    return Page(items, query["page"], query["page_size"], total)


def _audit_page(
    actor: Actor, partnership_id: int, sources: list[TimelineSource], items: list[dict]
) -> None:
    """The request's one audit row (one row per request): a page holding care records of
    one type (``?kind=meeting``) is a list of them, naming each id; a page mixing types is
    a read of the partnership, since the row's ids name records of one type only."""
    types = {source.object_type for source in sources if source.object_type is not None}
    kinds = {source.kind for source in sources if source.object_type is not None}
    if len(types) == 1 and len(sources) == 1:
        [object_type] = types
        ids = [item["id"] for item in items if item["kind"] in kinds]
        record_reads(actor, object_type, ids, "read_timeline")
    else:
        record_access(actor, "partnership", partnership_id, "read_timeline", ALLOWED)


def _item(source: TimelineSource, row: Any) -> dict[str, Any]:
    details = {}
    for n, name in enumerate(source.details):
        value = row[f"detail_{n}"]
        details[name] = int(value) if value is not None and name in source.whole_numbers else value
    return {
        "kind": row["kind"],
        "id": row["id"],
        "occurred_at": row["occurred_at"],
        "actor_id": row["actor_id"],
        "correction": row["corrects_id"] is not None,
        "corrects_id": row["corrects_id"],
        "superseded_by_id": row["superseded_by_id"],
        "details": details,
    }
