"""Which language a person's pages and messages use: their own choice, else their program's.

Only partners and supervisors choose a language of their own (``preferred_language``; a
client's is the family's, used for the messages a guardian gets); a program's ``language``
covers everyone in it who chose none, program managers included. Values are checked
against :data:`tpm_plugin.i18n.LANGUAGES` by the API schemas; anything else stored (an
older value, a host's own write) is ignored here.
"""

from __future__ import annotations

from sqlalchemy import null, select, union_all

from ..i18n import LANGUAGES
from ..models import Partner, Program, ProgramManager, Supervisor
from ._unit import unit_of_work


def language_of_user(host_user_id: str) -> str | None:
    """The language of the host user ``host_user_id``'s pages: a ``preferred_language`` of
    one of their active partner or supervisor rows, else the ``language`` of a program
    they work in, else ``None`` (the caller falls back to the browser's). One statement."""
    rows = []
    for model in (Partner, Supervisor):
        rows.append(
            select(model.preferred_language, Program.language)
            .select_from(model)
            .join(Program, Program.id == model.program_id)
            .where(model.host_user_id == host_user_id, model.active.is_(True))
        )
    rows.append(
        select(null().label("preferred_language"), Program.language)
        .select_from(ProgramManager)
        .join(Program, Program.id == ProgramManager.program_id)
        .where(ProgramManager.host_user_id == host_user_id)
    )
    with unit_of_work() as unit:
        found = unit.session.execute(union_all(*rows)).all()
    return choose_language(
        [row.preferred_language for row in found], [row.language for row in found]
    )


def choose_language(*candidates: list[str | None]) -> str | None:
    """The first supported language among ``candidates``, lists taken in order."""
    for values in candidates:
        for value in sorted(v for v in values if v in LANGUAGES):
            return value
    return None
