"""Weekly windows kept per person (a supervisor's availability, a partner's blocked
times): read in order, and replaced as a whole."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select


@dataclass(frozen=True)
class WeeklyWindow:
    """A weekly stretch of wall-clock time: weekday (0 = Monday), start and end."""

    weekday: int
    starts_at: dt.time
    ends_at: dt.time


def read_windows(db: Any, model: Any, owner_column: Any, owner_id: int) -> list[WeeklyWindow]:
    """The owner's windows of ``model``, by weekday and start."""
    rows = db.scalars(
        select(model).where(owner_column == owner_id).order_by(model.weekday, model.starts_at)
    )
    return [WeeklyWindow(row.weekday, row.starts_at, row.ends_at) for row in rows]


def replace_windows(
    db: Any, model: Any, owner_column: Any, owner_id: int, windows: list[dict[str, Any]]
) -> list[WeeklyWindow]:
    """Replace the owner's windows of ``model`` with ``windows``; returns them as stored."""
    db.execute(delete(model).where(owner_column == owner_id))
    db.add_all(model(**{owner_column.key: owner_id}, **window) for window in windows)
    db.flush()
    return read_windows(db, model, owner_column, owner_id)
