"""One transaction per service call, with work to run only once it has committed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..errors import Conflict


class ConcurrentChange(Conflict):
    """Another request changed the same row between this one's read and its write: its
    version column moved (409). Rows with a version column get one winner this way on
    every backend, SQLite (no row locks) included."""

    code = "concurrent_change"


@dataclass
class UnitOfWork:
    """The session of one service call and the callbacks to run after its commit."""

    session: Session
    _after_commit: list[Callable[[], None]] = field(default_factory=list)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed (signals, never side effects
        that must roll back with it)."""
        self._after_commit.append(callback)


def session() -> Session:
    """The host's Flask-SQLAlchemy session, which the plugin shares."""
    return current_app.extensions["tpm"].db.session


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """Open one transaction on the host's session; commit on success, roll back on error.

    Callbacks registered with :meth:`UnitOfWork.after_commit` run after the commit, so a
    signal receiver never sees a change that is later rolled back.

    Raises:
        ConcurrentChange: a versioned row was changed by another request meanwhile.
    """
    unit = UnitOfWork(session())
    try:
        yield unit
        unit.session.commit()
    except StaleDataError:
        unit.session.rollback()
        raise ConcurrentChange(
            "Another request changed this record at the same moment; read it again and "
            "retry if your change still applies."
        ) from None
    except BaseException:
        unit.session.rollback()
        raise
    for callback in unit._after_commit:
        callback()
