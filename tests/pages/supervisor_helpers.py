"""What the supervisor's page tests share: reading a form's CSRF token, posting a form as
a browser would, and the audit rows a request left."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from tests import factories
from tpm_plugin.models import AccessAudit

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token(client: Any, url: str, user: str) -> str:
    """The CSRF token of the form at ``url`` (GET as ``user``; the session keeps it)."""
    page = client.get(url, headers=factories.as_user(user))
    assert page.status_code == 200, page.get_data(as_text=True)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, "the form carries no CSRF token"
    return found.group(1)


def post_form(client: Any, url: str, user: str, data: dict[str, Any]) -> Any:
    """POST ``data`` to the form at ``url`` as ``user``, with the form's own CSRF token."""
    form = {"csrf_token": token(client, url, user), **data}
    return client.post(url, data=form, headers=factories.as_user(user))


def audit_actions(user: str, object_type: str) -> list[tuple[str, str]]:
    """``(action, outcome)`` of every access-audit row of ``user`` about ``object_type``."""
    rows = factories.session().execute(
        select(AccessAudit.action, AccessAudit.outcome)
        .where(AccessAudit.actor_id == user, AccessAudit.object_type == object_type)
        .order_by(AccessAudit.id)
    )
    return [tuple(row) for row in rows]
