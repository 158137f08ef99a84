"""A partner's day at a glance: their partnerships (the client's first name and the stage)
and the meetings of today and of the rest of this week, each on its program's clock.

The partner's own main page reads this; it shows only what the API already shows a partner
(their partnerships, their clients' names, their meetings). One read, audited as one list
of the partnerships it answered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..access import PARTNER, Actor
from ..models import Client, Meeting, Partnership, Program, utcnow
from ._unit import unit_of_work
from .access import forbid, partnership_for, record_reads, require_actor
from .partnerships import is_closed

READ_ACTION = "read_partner_day"


@dataclass(frozen=True)
class PartnershipCard:
    """One of the partner's partnerships as their main page lists it."""

    id: int
    program_id: int
    stage: str
    client_first_name: str | None
    timezone: str
    closed: bool


@dataclass(frozen=True)
class MeetingSlot:
    """A current meeting of this week (``status`` ``scheduled`` until it is logged)."""

    id: int
    partnership_id: int
    scheduled_at: dt.datetime
    status: str
    client_first_name: str | None
    timezone: str
    today: bool


@dataclass(frozen=True)
class PartnerDay:
    """What a partner's main page shows: partnerships, today's and this week's meetings."""

    partnerships: list[PartnershipCard]
    today: list[MeetingSlot]
    #: The week's other days (earlier ones too: a meeting there may still need logging).
    this_week: list[MeetingSlot]


def first_name(display_name: str | None) -> str | None:
    """The first word of a client's display name (``None`` once the client is erased)."""
    words = (display_name or "").split()
    return words[0] if words else None


def partner_day(actor: Actor | None, now: dt.datetime | None = None) -> PartnerDay:
    """The actor's own partnerships (as partner) and their meetings of the program-local
    week containing ``now`` (default: the present), split into today and the rest.

    Raises:
        Unauthenticated: nobody is logged in.
        Forbidden: the actor is no partner (audited).
    """
    actor = require_actor(actor)
    if not actor.has_role(PARTNER):
        forbid(actor, "partnership", None, READ_ACTION, "Only a partner has a partner's day.")
    now = now or utcnow()
    with unit_of_work() as unit:
        rows = unit.session.execute(
            select(Partnership, Client.display_name, Program.timezone)
            .join(Client, Client.id == Partnership.client_id)
            .join(Program, Program.id == Partnership.program_id)
            .where(Partnership.partner_id.in_(sorted(actor.partner_ids)))
            .order_by(Partnership.ended_at.is_not(None), Partnership.id)
        ).all()
        cards = [_card(partnership, name, timezone) for partnership, name, timezone in rows]
        today, later = _week_meetings(unit.session, cards, now)
        programs = {card.program_id for card in cards}
        record_reads(
            actor,
            "partnership",
            [card.id for card in cards],
            READ_ACTION,
            program_id=next(iter(programs)) if len(programs) == 1 else None,
            role=PARTNER,
        )
    return PartnerDay(partnerships=cards, today=today, this_week=later)


def partnership_card(actor: Actor | None, partnership_id: int) -> PartnershipCard:
    """One partnership the actor may reach, with its client's first name and its program's
    timezone (the read is audited).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: no such partnership within the actor's reach (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        # Not ``reading=True``: the card heads the partner's own forms, which change the
        # partnership; a supervisor covering an absence reads through the API instead.
        partnership = partnership_for(actor, partnership_id, "read")
        name, timezone = unit.session.execute(
            select(Client.display_name, Program.timezone)
            .join(Program, Program.id == Client.program_id)
            .where(Client.id == partnership.client_id)
        ).one()
        return _card(partnership, name, timezone)


def _card(partnership: Partnership, name: str | None, timezone: str | None) -> PartnershipCard:
    return PartnershipCard(
        id=partnership.id,
        program_id=partnership.program_id,
        stage=partnership.stage,
        client_first_name=first_name(name),
        timezone=timezone or "UTC",
        closed=is_closed(partnership),
    )


def _week_meetings(
    db, cards: list[PartnershipCard], now: dt.datetime
) -> tuple[list[MeetingSlot], list[MeetingSlot]]:
    open_cards = {card.id: card for card in cards if not card.closed}
    if not open_cards:
        return [], []
    windows = {card.id: _local_week(now, card.timezone) for card in open_cards.values()}
    successor = aliased(Meeting)
    meetings = db.scalars(
        select(Meeting)
        .outerjoin(successor, successor.supersedes_id == Meeting.id)
        .where(
            Meeting.partnership_id.in_(sorted(open_cards)),
            successor.id.is_(None),
            Meeting.scheduled_at >= min(window[0] for window in windows.values()),
            Meeting.scheduled_at < max(window[3] for window in windows.values()),
        )
        .order_by(Meeting.scheduled_at, Meeting.id)
    ).all()
    today: list[MeetingSlot] = []
    later: list[MeetingSlot] = []
    for meeting in meetings:
        week_start, today_starts, tomorrow, week_end = windows[meeting.partnership_id]
        if not week_start <= meeting.scheduled_at < week_end:
            continue
        card = open_cards[meeting.partnership_id]
        is_today = today_starts <= meeting.scheduled_at < tomorrow
        slot = MeetingSlot(
            id=meeting.id,
            partnership_id=meeting.partnership_id,
            scheduled_at=meeting.scheduled_at,
            status=meeting.status,
            client_first_name=card.client_first_name,
            timezone=card.timezone,
            today=is_today,
        )
        (today if is_today else later).append(slot)
    return today, later


def _midnight(now: dt.datetime, timezone: str, days: int = 0) -> dt.datetime:
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)


def _local_week(now: dt.datetime, timezone: str) -> tuple[dt.datetime, ...]:
    """Monday 00:00, today 00:00, tomorrow 00:00 and next Monday 00:00 on the program's
    clock, as UTC instants."""
    weekday = now.astimezone(ZoneInfo(timezone)).weekday()
    return tuple(_midnight(now, timezone, days) for days in (-weekday, 0, 1, 7 - weekday))
