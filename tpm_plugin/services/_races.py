"""Unique-constraint races: two requests pass the same "is it taken?" check at once, and
the database's unique constraint refuses the second insert. That answer is a 409, as if the
check had seen the first request's row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from ..errors import Conflict


@contextmanager
def duplicate_is_conflict(message: str, fields: dict[str, list[str]]) -> Iterator[None]:
    """Turn an :class:`~sqlalchemy.exc.IntegrityError` raised inside (around a
    ``unit_of_work``, which has rolled back) into :class:`Conflict` with ``message``.

    Raises:
        Conflict: a unique constraint refused the write.
    """
    try:
        yield
    except IntegrityError:
        raise Conflict(message, fields=fields) from None
