"""Helpers of the partner's page tests: CSRF tokens, meetings of this week, audit rows."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from tests import factories
from tpm_plugin.models import AccessAudit, utcnow
from tpm_plugin.services import meetings
from tpm_plugin.services._unit import session

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: Any, url: str, headers: dict[str, str]) -> str:
    """The CSRF token of the form on the page at ``url`` (the session's, set by the GET)."""
    page = client.get(url, headers=headers)
    assert page.status_code == 200, page.get_data(as_text=True)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def post_form(
    client: Any, url: str, headers: dict[str, str], data: dict[str, Any], *, form_at: str = ""
) -> Any:
    """POST ``data`` to ``url`` with the token of the form shown at ``form_at`` (default:
    the same URL)."""
    token = csrf_token(client, form_at or url, headers)
    return client.post(url, headers=headers, data={**data, "csrf_token": token})


def moment_today() -> dt.datetime:
    """A minute ago, or just after midnight UTC when it is not yet a minute past it: a time
    of today (UTC, the test programs' timezone) that has already come."""
    now = utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(now - dt.timedelta(minutes=1), midnight + dt.timedelta(microseconds=1))


def scheduled_meeting(world: factories.World, at: dt.datetime | None = None) -> Any:
    """A meeting of ``world``'s partnership scheduled at ``at`` (default: earlier today)."""
    data = {"scheduled_at": at or moment_today(), "status": "scheduled"}
    return meetings.add_meeting(factories.actor(world.manager_user), world.partnership.id, data)


def audit_rows(actor_id: str, **filters: Any) -> list[AccessAudit]:
    """The access-audit rows of ``actor_id`` (optionally by ``object_type``, ``action``,
    ``outcome``)."""
    statement = select(AccessAudit).where(AccessAudit.actor_id == actor_id)
    for name, value in filters.items():
        statement = statement.where(getattr(AccessAudit, name) == value)
    return list(session().scalars(statement.order_by(AccessAudit.id)))
