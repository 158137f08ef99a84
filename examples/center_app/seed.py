"""Seed the demo center: one program, its people, and partnerships at different stages.

Everything goes through tpm_plugin's services, exactly as API requests would; the names are
made up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from tpm_plugin.access import roles_from_tpm_tables
from tpm_plugin.models import Program
from tpm_plugin.services import (
    identification,
    meetings,
    partnerships,
    people,
    plans,
    reviews,
    supervision,
    transitions,
)

from .intake import seed_intake
from .models import User, db

DEMO_PASSWORD = "partnership-demo"


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    name: str


LOGINS = (
    Login("program manager", "manager@center.example", "Pat Rivera"),
    Login("supervisor", "supervisor@center.example", "Sam Okafor"),
    Login("partner", "partner@center.example", "Pia Lindqvist"),
    Login("partner", "omar@center.example", "Omar Haddad"),
)


def _user(login: Login) -> User:
    user = User(email=login.email, name=login.name)
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def seed() -> bool:
    """Seed the demo data once; ``False`` when the database is already seeded."""
    if db.session.scalar(select(Program.id).limit(1)) is not None:
        return False
    manager_user, supervisor_user, pia_user, omar_user = (_user(login) for login in LOGINS)
    # The program gets its own copy of the shipped workflow (children_yes_therapeutic_partnership),
    # which its manager may change without touching any other program's.
    program = people.create_program(
        key="children_yes",
        name="Children YES afterschool program",
        setting="afterschool",
        timezone="America/New_York",
        manager_user_ids=[str(manager_user.id)],
    )
    manager = roles_from_tpm_tables(str(manager_user.id))

    def person(kind, **data: object):
        return people.create_person(manager, kind, {"program_id": program.id, **data})

    sam = person(
        people.SUPERVISORS, display_name="Sam Okafor", host_user_id=str(supervisor_user.id)
    )
    pia = person(people.PARTNERS, display_name="Pia Lindqvist", host_user_id=str(pia_user.id))
    omar = person(people.PARTNERS, display_name="Omar Haddad", host_user_id=str(omar_user.id))
    clients = [
        person(people.CLIENTS, display_name=name, is_minor=minor, preferred_language=language)
        for name, minor, language in (
            ("Ana M.", True, "es"),
            ("Jamal T.", True, "en"),
            ("Lena K.", True, "de"),
            ("Marcus D.", False, "en"),
            ("Rosa P.", True, "es"),
        )
    ]

    # The partnerships began three weeks ago, before the demo recorded them, so their
    # meetings of the last two weeks fall within their lives.
    began = dt.datetime.now(dt.UTC) - dt.timedelta(weeks=3)

    def partnership(client, partner):
        return partnerships.create_partnership(
            manager,
            {
                "program_id": program.id,
                "client_id": client.id,
                "partner_id": partner.id,
                "supervisor_id": sam.id,
                "started_at": began,
            },
        ).id

    partnership(clients[0], pia)  # stays referred, waiting for identification to begin
    identifying = partnership(clients[1], pia)
    planning = partnership(clients[2], omar)
    active = partnership(clients[3], pia)
    reviewing = partnership(clients[4], omar)

    def identify(pid: int) -> list[int]:
        transitions.fire(manager, pid, "begin_identification")
        voice = identification.add_entry(
            manager,
            pid,
            {
                "kind": "client_voice",
                "domain": "play",
                "statement": "Wants to build things and to play football with other kids.",
                "source": "client",
            },
        )
        observed = identification.add_entry(
            manager,
            pid,
            {
                "kind": "others_report",
                "domain": "others",
                "statement": "Withdraws from the group when plans change suddenly.",
                "breaks_where": "afterschool group room",
                "breaks_when": "transitions between activities",
                "how_it_broke": "A sudden change of plan; the client left the room.",
                "source": "teacher",
            },
        )
        return [voice.id, observed.id]

    def plan(pid: int, entry_ids: list[int]) -> None:
        transitions.fire(manager, pid, "begin_planning")
        plans.add_plan(
            manager,
            pid,
            {
                "summary": "Shared building project, and football with a warned-about change.",
                "activities": [
                    {"domain": "play", "aim": "Build a kite together.", "answers": [entry_ids[0]]},
                    {
                        "domain": "others",
                        "aim": "Join the football game after a five-minute heads-up.",
                        "answers": [entry_ids[1]],
                        "per_week": 2,
                    },
                ],
            },
        )

    identify(identifying)
    plan(planning, identify(planning))
    for pid in (active, reviewing):
        plan(pid, identify(pid))
        transitions.fire(manager, pid, "activate")
    _meetings_and_supervision(manager, active, pia.id, sam.id)
    transitions.fire(manager, reviewing, "begin_review")
    reviews.add_review(
        manager,
        reviewing,
        {
            "held_at": dt.datetime.now(dt.UTC),
            "participants": ["partner", "client", "supervisor"],
            "discussion": "Football goes well; the kite project stalled.",
            "changes_decided": "Swap the kite for a shared cooking activity.",
            "outcome": "replan",
            "ratings": [
                {"domain": "play", "rating": 4},
                {"domain": "others", "rating": 3},
            ],
        },
    )
    seed_intake(manager, program)
    return True


def _meetings_and_supervision(manager, pid: int, partner_id: int, supervisor_id: int) -> None:
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    outcomes = [
        {"status": "held", "minutes": 60, "experience_note": "Good focus today."},
        {"status": "held", "minutes": 45},
        {"status": "cancelled", "cancelled_by": "client"},
        {"status": "held", "minutes": 50},
        {"status": "no_show"},
        {"status": "held", "minutes": 55},
    ]
    for days_ago, outcome in zip((13, 11, 9, 6, 4, 2), outcomes, strict=True):
        meetings.add_meeting(
            manager, pid, {"scheduled_at": now - dt.timedelta(days=days_ago), **outcome}
        )
    meetings.add_meeting(manager, pid, {"scheduled_at": now + dt.timedelta(days=1)})
    for days_ago, minutes in ((8, 20), (1, 15)):
        supervision.add_session(
            manager,
            {
                "supervisor_id": supervisor_id,
                "partner_id": partner_id,
                "scheduled_at": now - dt.timedelta(days=days_ago),
                "status": "held",
                "held_minutes": minutes,
                "partnership_ids": [pid],
            },
        )
