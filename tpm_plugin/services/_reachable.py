"""Looking up one partnership within an actor's own scope, with a statement built once.

:func:`~.access.partnership_for` runs this lookup on every change of a partnership's care
data (a transition among them); building the scoped SELECT anew each time cost more Python
than the rest of the lookup, so the statement is built once per shape of scope and takes
the actor's ids as parameters. A cover supervisor's reads use
:func:`~.access.partnership_scope`, which this does not replace.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, false, or_, select

from ..access import Actor
from ..models import Partnership

#: The actor's id lists, in the order of the columns they scope.
_SCOPES = (
    ("managed_program_ids", Partnership.program_id),
    ("supervisor_ids", Partnership.supervisor_id),
    ("partner_ids", Partnership.partner_id),
)


def reachable_partnership(
    actor: Actor, partnership_id: int, *, lock: bool = False
) -> tuple[Select, dict[str, Any]]:
    """The lookup of one partnership within ``actor``'s own scope (no cover), and its
    parameters: the statement is built once per shape of scope (which of the actor's id
    lists are non-empty), since building it costs more than running it."""
    lists = {name: sorted(getattr(actor, name)) for name, _ in _SCOPES}
    shape = tuple(bool(ids) for ids in lists.values())
    params = {name: ids for name, ids in lists.items() if ids}
    params["partnership_id"] = partnership_id
    return _reachable(*shape, lock), params


@cache
def _reachable(managed: bool, supervised: bool, partnered: bool, lock: bool) -> Select:
    held = (managed, supervised, partnered)
    clauses = [
        column.in_(bindparam(name, expanding=True))
        for (name, column), some in zip(_SCOPES, held, strict=True)
        if some
    ]
    query = select(Partnership).where(
        Partnership.id == bindparam("partnership_id"), or_(*clauses) if clauses else false()
    )
    return query.with_for_update() if lock else query
