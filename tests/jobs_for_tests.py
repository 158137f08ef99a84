"""Job functions the worker tests enqueue (rq imports jobs by dotted path), registered under
``tests.*`` names so the outbox may name them."""

from flask import current_app
from sqlalchemy import func, select

from tpm_plugin.jobs.registry import register_job
from tpm_plugin.models import Program
from tpm_plugin.services.notifications import send_once


def count_programs(expected_queue: str) -> int:
    """Read the plugin's tables through the host's session: proves the app context."""
    assert current_app.config["TPM_QUEUE_NAME"] == expected_queue
    session = current_app.extensions["tpm"].db.session
    return session.scalar(select(func.count()).select_from(Program))


@register_job("tests.echo")
def echo(item: int) -> int:
    """A job that does nothing but return its id (relay tests count these)."""
    return item


@register_job("tests.remind_partner")
def remind_partner(partner_id: int, meeting_id: int) -> bool:
    """A reminder-like job: notify a partner of a meeting, once."""
    return send_once(
        "meeting_reminder",
        partner_id,
        f"meeting-{meeting_id}-1h",
        role="partner",
        template="meeting_reminder",
        context={"starts_at": "Tuesday 16:00", "lead": "1 hour"},
    )


@register_job("tests.remind_then_fail")
def remind_then_fail(partner_id: int, meeting_id: int) -> None:
    """Notify, then fail: every retry and requeue of it runs the send again."""
    remind_partner(partner_id, meeting_id)
    raise RuntimeError("This job fails after notifying, on purpose.")
