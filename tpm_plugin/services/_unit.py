"""One transaction per service call, with work to run only once it has committed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol

from flask import current_app
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..errors import Conflict


class ConcurrentChange(Conflict):
    """Another request changed the same row between this one's read and its write: its
    version column moved (409). Rows with a version column get one winner this way on
    every backend, SQLite (no row locks) included."""

    code = "concurrent_change"


class PendingAudit(Protocol):
    """The access-audit row a unit of work owes (see :mod:`tpm_plugin.services.access`)."""

    def write(self, session: Session) -> None:
        """Add the row to the unit's transaction, just before its commit."""

    def write_refusal(self, session: Session, error: BaseException) -> None:
        """Write the row, as refused, in a transaction of its own after the rollback."""


@dataclass
class UnitOfWork:
    """The session of one service call, the callbacks to run after its commit, and the one
    access-audit row it owes (written with the commit, or after a refusal's rollback)."""

    session: Session
    _after_commit: list[Callable[[], None]] = field(default_factory=list)
    audit: PendingAudit | None = None

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed (signals, never side effects
        that must roll back with it)."""
        self._after_commit.append(callback)


_current: ContextVar[UnitOfWork | None] = ContextVar("tpm_unit_of_work", default=None)


def current_unit() -> UnitOfWork | None:
    """The unit of work the calling code runs in, if any."""
    return _current.get()


def session() -> Session:
    """The host's Flask-SQLAlchemy session, which the plugin shares."""
    return current_app.extensions["tpm"].db.session


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """Open one transaction on the host's session; commit on success, roll back on error.

    Callbacks registered with :meth:`UnitOfWork.after_commit` run after the commit, so a
    signal receiver never sees a change that is later rolled back. The unit's access-audit
    row is part of its transaction; when the unit fails after reaching an object, the row
    is written as refused once the rollback is done, so a refusal is audited too.

    Raises:
        ConcurrentChange: a versioned row was changed by another request meanwhile.
    """
    unit = UnitOfWork(session())
    token = _current.set(unit)
    try:
        yield unit
        if unit.audit is not None:
            unit.audit.write(unit.session)
        unit.session.commit()
    except StaleDataError:
        unit.session.rollback()
        error = ConcurrentChange(
            "Another request changed this record at the same moment; read it again and "
            "retry if your change still applies."
        )
        if unit.audit is not None:
            unit.audit.write_refusal(unit.session, error)
        raise error from None
    except Exception as error:
        unit.session.rollback()
        if unit.audit is not None:
            unit.audit.write_refusal(unit.session, error)
        raise
    except BaseException:
        unit.session.rollback()
        raise
    finally:
        _current.reset(token)
    for callback in unit._after_commit:
        callback()
