"""How access-audit rows are written: the one row a unit of work owes
(:class:`AuditEntry`), a page's several (:class:`AuditRows`), carried in a change's own
statement (:func:`with_audit_row`) or inserted with the commit, and on PostgreSQL without
waiting for the WAL flush for read-only requests (:func:`commits_behind`). What a row says
is decided by :mod:`.access` (``touch``, ``record_access``); this module only writes it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Insert, Subquery, bindparam, cast, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..errors import TPMError
from ..models import AccessAudit, utcnow
from ._unit import current_unit, session
from .request_facts import current_request

ALLOWED = "allowed"
DENIED = "denied"
#: The object was reached but the change refused (409, 422).
REFUSED = "refused"
#: The action recorded for an idempotent replay, whatever the request replayed did.
REPLAY = "replay"

logger = logging.getLogger(__name__)


@dataclass
class AuditEntry:
    """The one access-audit row a unit of work owes; see :func:`touch`."""

    actor_id: str | None
    actor_role: str | None
    object_type: str
    object_id: str | None
    action: str
    outcome: str
    program_id: int | None = None
    partnership_id: int | None = None
    object_ids: list[int] | None = None

    #: Already inserted by the unit's own statement (:func:`with_audit_row`).
    written: bool = field(default=False, compare=False)

    def values(self) -> dict[str, Any]:
        """The row's column values, as of now."""
        # Not dataclasses.asdict: it deep-copies ``object_ids``, a page's worth of ids.
        values = {name: getattr(self, name) for name in _AUDIT_COLUMNS}
        values["action"] = audit_action(self.action)
        values["occurred_at"] = utcnow()
        return values

    def write(self, session: Session) -> None:
        """Insert the row in the unit's transaction (one statement, built once), unless the
        unit's own statement already carried it."""
        if self.written:
            return
        values = self.values()
        session.connection().execute(_audit_statement(commits_behind(session)), values)
        _count_row()

    def write_refusal(self, session: Session, error: BaseException) -> None:
        """After the unit's rollback, write the row as denied (401/403/404) or refused
        (any other failure once the object was reached) in a transaction of its own."""
        AuditRows([self]).write_refusal(session, error)


_AUDIT_COLUMNS = tuple(entry.name for entry in fields(AuditEntry) if entry.name != "written")


@dataclass
class AuditRows:
    """The rows of a unit that reads records of several kinds for one page, each read
    audited as the API call reading it alone would audit it (see
    :func:`tpm_plugin.services.partnership_page.partnership_page`): written together, in
    one statement, with the unit's commit; all refused alike when the unit fails."""

    entries: list[AuditEntry] = field(default_factory=list)

    def keep(self, pending: AuditEntry | AuditRows | None) -> None:
        """Keep the row (or rows) one read left as its unit's audit, which the next read
        would replace: a unit owes one row, a page one per read."""
        if isinstance(pending, AuditEntry):
            self.entries.append(pending)
        elif isinstance(pending, AuditRows):
            self.entries.extend(pending.entries)

    def write(self, session: Session) -> None:
        """Insert the rows not yet written, in one (executemany) statement."""
        pending = [entry for entry in self.entries if not entry.written]
        if not pending:
            return
        statement = _audit_statement(commits_behind(session))
        session.connection().execute(statement, [entry.values() for entry in pending])
        for _ in pending:
            _count_row()

    def write_refusal(self, session: Session, error: BaseException) -> None:
        """After the unit's rollback, write every row as denied (401/403/404) or refused
        (any other failure once the object was reached) in a transaction of its own."""
        status = getattr(error, "status", 409 if isinstance(error, StaleDataError) else 500)
        for entry in self.entries:
            entry.written = False
            if entry.outcome == ALLOWED:
                entry.outcome = DENIED if status in (401, 403, 404) else REFUSED
        try:
            self.write(session)
            session.commit()
        except Exception:
            session.rollback()
            if isinstance(error, TPMError):
                raise
            # The original failure (often the database itself) is the one to report.
            logger.exception("Could not write the access-audit rows of a failed request.")


def with_audit_row(statement: Insert) -> Insert:
    """``statement`` carrying the current unit's access-audit row in a data-modifying CTE,
    so a change and its audit row cost one round trip (PostgreSQL; elsewhere the row is
    written with the commit as usual). Call it once the unit's audit row is final."""
    unit = current_unit()
    entry = unit.audit if unit is not None else None
    if not isinstance(entry, AuditEntry) or session().get_bind().dialect.name != "postgresql":
        return statement
    row = insert(AccessAudit.__table__).values(entry.values()).cte("access_audit_row")
    mark_written(entry)
    return statement.add_cte(row)


def mark_written(entry: AuditEntry) -> None:
    """``entry``, the unit's audit row, went in with a statement of the unit's own (a
    data-modifying CTE): the commit adds none."""
    entry.written = True
    _count_row()


def audit_action(action: str) -> str:
    """The action an audit row records for ``action``: :data:`REPLAY` while the request
    replays a stored idempotent response."""
    facts = current_request()
    return REPLAY if facts is not None and facts.replay else action


def _count_row() -> None:
    facts = current_request()
    if facts is not None:
        facts.audit_rows += 1


def rows_written() -> int:
    """How many access-audit rows the current request has written."""
    facts = current_request()
    return 0 if facts is None else facts.audit_rows


@cache
def _audit_statement(write_behind: bool) -> Insert:
    # Built once: every request runs it. ``write_behind`` folds PostgreSQL's
    # ``SET LOCAL synchronous_commit = off`` into the INSERT (as ``set_config(…, true)``),
    # so skipping the WAL flush costs no round trip of its own.
    table = AccessAudit.__table__
    if not write_behind:
        return insert(table)
    names = [column.name for column in table.columns if column.name != "id"]
    values = select(
        *(cast(bindparam(name, type_=table.c[name].type), table.c[name].type) for name in names)
    ).select_from(behind_commit())
    return insert(table).from_select(names, values)


@cache
def behind_commit() -> Subquery:
    """A one-row subquery that sets PostgreSQL's ``synchronous_commit`` off for the rest of
    the transaction (``SET LOCAL``, as ``set_config(…, true)``): joined into an audit
    INSERT, skipping the commit's WAL flush costs no round trip of its own."""
    return select(func.set_config("synchronous_commit", "off", True)).subquery("write_behind")


def commits_behind(session: Session) -> bool:
    """Whether this request's audit row may commit without waiting for the WAL flush."""
    # A GET changes nothing: its transaction commits its audit row only, and on PostgreSQL
    # that commit need not wait for the WAL flush (TPM_AUDIT_ASYNC_COMMIT, see the README).
    facts = current_request()
    return (
        facts is not None
        and facts.read_only
        and current_app.config["TPM_AUDIT_ASYNC_COMMIT"]
        and session.get_bind().dialect.name == "postgresql"
    )
