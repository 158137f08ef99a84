"""Calendar feeds: a partner's or supervisor's meetings and supervision blocks as an
iCalendar feed at a secret address.

Only the owner makes, rotates (a new address; the old one stops answering) and revokes
their feed. The address's token is shown once; only its SHA-256 is stored. Events carry no
care details: a fixed title ("Partnership meeting", "Supervision"), the time in the
program's timezone (with its VTIMEZONE), and ids in the UID only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import select, update

from ..access import Actor
from ..errors import NotFound
from ..models import (
    CalendarFeed,
    Meeting,
    Partner,
    Partnership,
    Program,
    SupervisionSession,
    Supervisor,
    utcnow,
)
from ._unit import unit_of_work
from .access import ALLOWED, record_access, record_denied, require_actor

OBJECT_TYPE = "calendar_feed"
OWNERS = {"partner": Partner, "supervisor": Supervisor}
#: How far back and ahead a feed reaches.
FEED_PAST = dt.timedelta(weeks=4)
FEED_AHEAD = dt.timedelta(weeks=12)


def rotate_feed(actor: Actor | None, owner_role: str, owner_id: int) -> str:
    """Make a new feed token for the owner, revoking any previous one (audited).

    Returns:
        The new token (shown once).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: the actor is not this partner or supervisor (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        _require_owner(actor, owner_role, owner_id, "rotate_feed")
        _revoke(unit.session, owner_role, owner_id)
        token = secrets.token_urlsafe(32)
        feed = CalendarFeed(owner_role=owner_role, owner_id=owner_id, token_hash=_hash(token))
        unit.session.add(feed)
        unit.session.flush()
        record_access(actor, OBJECT_TYPE, feed.id, "rotate_feed", ALLOWED)
    return token


def revoke_feed(actor: Actor | None, owner_role: str, owner_id: int) -> None:
    """Revoke the owner's feed: its address answers 404 from now on (audited).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: the actor is not this partner or supervisor, or they have no feed (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        _require_owner(actor, owner_role, owner_id, "revoke_feed")
        revoked = _revoke(unit.session, owner_role, owner_id)
        if not revoked:
            raise NotFound(f"The {owner_role} {owner_id} has no calendar feed to revoke.")
        for feed_id in revoked:
            record_access(actor, OBJECT_TYPE, feed_id, "revoke_feed", ALLOWED)


def render_feed(token: str) -> bytes:
    """The iCalendar text of the feed with ``token`` (the read is audited, with no actor).

    Raises:
        NotFound: no live feed has this token.
    """
    with unit_of_work() as unit:
        db = unit.session
        feed = db.scalar(
            select(CalendarFeed).where(
                CalendarFeed.token_hash == _hash(token), CalendarFeed.revoked_at.is_(None)
            )
        )
        if feed is None:
            raise NotFound("No calendar feed at this address; it may have been rotated or revoked.")
        owner = OWNERS[feed.owner_role]
        timezone = db.scalar(
            select(Program.timezone)
            .join(owner, owner.program_id == Program.id)
            .where(owner.id == feed.owner_id)
        )
        now = utcnow()
        events = _events(db, feed.owner_role, feed.owner_id, now - FEED_PAST, now + FEED_AHEAD)
        record_access(None, OBJECT_TYPE, feed.id, "read_feed", ALLOWED)
    return _calendar(events, ZoneInfo(timezone or "UTC"), now)


def _events(
    db: Any, role: str, owner_id: int, since: dt.datetime, until: dt.datetime
) -> list[tuple[str, str, dt.datetime, int]]:
    column = Partnership.partner_id if role == "partner" else Partnership.supervisor_id
    session_column = (
        SupervisionSession.partner_id if role == "partner" else SupervisionSession.supervisor_id
    )
    meetings = db.execute(
        select(Meeting.id, Meeting.scheduled_at, Meeting.minutes)
        .join(Partnership, Partnership.id == Meeting.partnership_id)
        .where(
            column == owner_id,
            Meeting.status.in_(("scheduled", "held")),
            Meeting.scheduled_at >= since,
            Meeting.scheduled_at < until,
        )
        .order_by(Meeting.scheduled_at, Meeting.id)
    ).all()
    sessions = db.execute(
        select(
            SupervisionSession.id,
            SupervisionSession.scheduled_at,
            SupervisionSession.scheduled_minutes,
        )
        .where(
            session_column == owner_id,
            SupervisionSession.status.in_(("scheduled", "held")),
            SupervisionSession.scheduled_at >= since,
            SupervisionSession.scheduled_at < until,
        )
        .order_by(SupervisionSession.scheduled_at, SupervisionSession.id)
    ).all()
    return [
        (f"tpm-meeting-{m.id}", "Partnership meeting", m.scheduled_at, m.minutes or 60)
        for m in meetings
    ] + [
        (f"tpm-supervision-{s.id}", "Supervision", s.scheduled_at, s.scheduled_minutes)
        for s in sessions
    ]


def _calendar(
    events: list[tuple[str, str, dt.datetime, int]], zone: ZoneInfo, now: dt.datetime
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//tpm_plugin//supervision and meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-timezone", zone.key)
    for uid, title, starts_at, minutes in events:
        event = Event()
        event.add("uid", f"{uid}@tpm_plugin")
        event.add("summary", title)
        event.add("dtstamp", now)
        local = starts_at.astimezone(zone)
        event.add("dtstart", local)
        event.add("dtend", local + dt.timedelta(minutes=minutes))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _require_owner(actor: Actor, role: str, owner_id: int, action: str) -> None:
    # Any of the actor's own rows (one per program they partner or supervise in) owns its
    # feed, not only the first, as any of them reaches its schedule (scheduling.reach).
    own = actor.partner_ids if role == "partner" else actor.supervisor_ids
    if owner_id not in own:
        record_denied(actor, role, owner_id, action)
        raise NotFound(f"No {role} {owner_id} whose calendar you own.")


def _revoke(db: Any, role: str, owner_id: int) -> list[int]:
    return list(
        db.scalars(
            update(CalendarFeed)
            .where(
                CalendarFeed.owner_role == role,
                CalendarFeed.owner_id == owner_id,
                CalendarFeed.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
            .returning(CalendarFeed.id)
        )
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
