"""What the manager pages' tests share: the form token of a page, the Spanish check, and
the access-audit rows a request left."""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.support import Translations
from sqlalchemy import select

from tests import factories
from tpm_plugin.models import AccessAudit
from tpm_plugin.services import supervision
from tpm_plugin.services._unit import session

SPANISH = {"Accept-Language": "es"}
_PLUGIN = Path(__file__).resolve().parents[2] / "tpm_plugin"
_WORKFLOW = _PLUGIN / "workflows/therapeutic_partnership.json"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_MANAGER_FILES = (
    *sorted((_PLUGIN / "blueprints/pages").glob("manager_[btf]*.py")),
    *(
        _PLUGIN / "templates/tpm/pages/manager" / f"{name}.html"
        for name in ("board", "move", "programs", "partnership", "fidelity", "_nav")
    ),
)
_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}


def csrf_token(html: str) -> str:
    """The CSRF token a rendered form carries."""
    match = _TOKEN.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


@cache
def manager_strings() -> tuple[str, ...]:
    """The English source strings of the manager's pages (a Spanish page must show none of
    them): the fixed words around their ``%(…)s`` placeholders, of every string whose Spanish
    differs."""
    spanish = Translations.load(str(_PLUGIN / "translations"), ["es"], domain="tpm")
    found: list[str] = []
    for path in _MANAGER_FILES:
        method = "jinja2" if path.suffix == ".html" else "python"
        for _, message, _, _ in extract_from_file(method, str(path), keywords=_KEYWORDS):
            singular = message[0] if isinstance(message, tuple) else message
            if spanish.gettext(singular) == singular:
                continue  # the same word in both languages ("Supervisor")
            for english in message if isinstance(message, tuple) else (message,):
                found += [part.strip(" .,:") for part in re.split(r"%\(\w+\)[sd]", english)]
    return tuple(sorted({part for part in found if len(part) > 3}))


def untranslated(html: str) -> list[str]:
    """The manager pages' English strings left in a page rendered in Spanish: a text node
    that is one of them, or holds one of their sentences. The workflow's stage and move
    labels are the program's own data, not the pages' strings, and are not looked for;
    nor are the charts, which draw the API's SVG."""
    text = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    nodes = {node.strip() for node in re.split(r"<[^>]+>", text) if node.strip()}
    workflow = _workflow_labels()
    return [
        english
        for english in manager_strings()
        if english not in workflow
        and any(english == node or (len(english.split()) > 2 and english in node) for node in nodes)
    ]


@cache
def _workflow_labels() -> frozenset[str]:
    shipped = json.loads(_WORKFLOW.read_text())
    items = shipped["stages"] + shipped["transitions"]
    return frozenset(item["label"] for item in items)


def people_world(**program_fields):
    """A :class:`factories.World` whose people have names no English word of the pages
    could be mistaken for (the factories' defaults read "Partner 12")."""
    program = factories.program(**program_fields)
    client = factories.client(program, display_name="Lucía Pérez")
    partner = factories.partner(program, display_name="Marta Gil")
    supervisor = factories.supervisor(program, display_name="Rosa Vidal")
    partnership = factories.partnership(
        program,
        client=client,
        partner=partner,
        supervisor=supervisor,
        started_at=factories.LONG_AGO,
    )
    return factories.World(
        program=program,
        manager_user=factories.program_manager_of(program),
        supervisor_user=supervisor.host_user_id,
        partner_user=partner.host_user_id,
        client=client,
        partner=partner,
        supervisor=supervisor,
        partnership=partnership,
    )


def held_supervision(made: factories.World, at: dt.datetime) -> None:
    """A held 20-minute supervision session of ``made``'s partner about its partnership."""
    supervision.add_session(
        factories.actor(made.supervisor_user),
        {
            "partner_id": made.partner.id,
            "scheduled_at": at,
            "status": "held",
            "held_minutes": 20,
            "partnership_ids": [made.partnership.id],
        },
    )


def audit_rows(user: str) -> list[AccessAudit]:
    """The access-audit rows of ``user``, oldest first."""
    session().expire_all()
    return list(
        session().scalars(
            select(AccessAudit).where(AccessAudit.actor_id == user).order_by(AccessAudit.id)
        )
    )
