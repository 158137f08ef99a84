"""Notifying people: once per (kind, recipient, occurrence), through the configured notifier,
from overridable templates that carry a first name at most."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint, Flask
from rq.job import Job

from tpm_plugin.config import ConfigError
from tpm_plugin.contacts import Contact
from tpm_plugin.models import NotificationLedger, Partner
from tpm_plugin.notifiers import NotificationFailed
from tpm_plugin.services.notifications import ledger, send_once

from . import factories
from .conftest import BACKENDS, _dispose
from .hostapp import create_host_app
from .receivers import WEBHOOK_SECRET, MailReceiver, WebhookReceiver, delivered_bodies

REMINDER = {"starts_at": "Tuesday 16:00", "lead": "1 hour"}


def _remind(partner: Partner, meeting: int = 1, **overrides: Any) -> bool:
    arguments = {"role": "partner", "template": "meeting_reminder", "context": REMINDER}
    return send_once(
        "meeting_reminder", partner.id, f"meeting-{meeting}-1h", **{**arguments, **overrides}
    )


def _partner(**fields: Any) -> Partner:
    fields.setdefault("display_name", "Alexandra Q. Testname")
    fields.setdefault("contact", "alexandra@example.org")
    return factories.partner(factories.program(), **fields)


@pytest.fixture
def make_app(database_url: str, queue_name: str) -> Iterator[Callable[..., Flask]]:
    """Build a host app with extra config; its app context is pushed until the test ends."""
    with ExitStack() as stack:

        def make(**config: Any) -> Flask:
            app = create_host_app(database_url, TPM_QUEUE_NAME=queue_name, **config)
            stack.callback(_dispose, app)
            stack.enter_context(app.app_context())
            return app

        yield make


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def _webhook_app(make_app: Callable[..., Flask], receiver: WebhookReceiver, **config: Any) -> Flask:
    return make_app(
        TPM_NOTIFIER="webhook",
        TPM_NOTIFIER_WEBHOOK_URL=receiver.url,
        TPM_NOTIFIER_WEBHOOK_SECRET=WEBHOOK_SECRET,
        **config,
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_notification_is_sent_once_however_often_it_is_asked_for(
    make_app: Callable[..., Flask], webhook: WebhookReceiver
) -> None:
    _webhook_app(make_app, webhook)
    partner = _partner()
    assert _remind(partner) is True
    assert _remind(partner) is False
    assert len(webhook.posts) == 1
    row = factories.session().query(NotificationLedger).one()
    assert (row.kind, row.recipient_ref, row.occurrence, row.status) == (
        "meeting_reminder",
        f"partner-{partner.id}",
        "meeting-1-1h",
        "sent",
    )


def test_another_occurrence_or_recipient_is_another_notification(
    make_app: Callable[..., Flask], webhook: WebhookReceiver
) -> None:
    _webhook_app(make_app, webhook)
    first, second = _partner(), _partner()
    assert [_remind(first, 1), _remind(first, 2), _remind(second, 1)] == [True, True, True]
    assert len(webhook.deliveries) == 3


def test_webhook_notification_is_signed_and_carries_a_first_name_at_most(
    make_app: Callable[..., Flask], webhook: WebhookReceiver
) -> None:
    _webhook_app(make_app, webhook)
    partner = _partner()
    _remind(partner)
    assert webhook.rejected == 0
    (payload,) = webhook.deliveries.values()
    assert payload["type"] == "tpm.notification.meeting_reminder"
    data = payload["data"]
    assert (data["to"], data["recipient"]) == ("alexandra@example.org", f"partner-{partner.id}")
    assert data["subject"] == "Meeting reminder"
    assert data["body"].startswith("Hello Alexandra,")
    assert "Tuesday 16:00 (in 1 hour)" in data["body"]
    assert "Testname" not in str(payload)


def test_a_receiver_with_another_secret_rejects_the_signature(
    make_app: Callable[..., Flask],
) -> None:
    other_secret = "whsec_" + "QUJD" * 8
    with WebhookReceiver(secret=other_secret) as receiver:
        _webhook_app(make_app, receiver)
        with pytest.raises(NotificationFailed, match="answered 401"):
            _remind(_partner())
    assert receiver.rejected == 1


def test_messages_name_nobody_when_configured_to(
    make_app: Callable[..., Flask], webhook: WebhookReceiver
) -> None:
    _webhook_app(make_app, webhook, TPM_MESSAGE_NAMES="none")
    _remind(_partner())
    assert delivered_bodies(webhook)[0].startswith("Hello,")
    assert "Alexandra" not in str(webhook.deliveries)


def test_a_host_template_overrides_the_plugins(
    make_app: Callable[..., Flask], webhook: WebhookReceiver, tmp_path: Path
) -> None:
    app = _webhook_app(make_app, webhook)
    (tmp_path / "tpm" / "messages").mkdir(parents=True)
    (tmp_path / "tpm" / "messages" / "meeting_reminder.txt").write_text(
        "{% block subject %}See you soon{% endblock %}"
        "{% block body %}Hi {{ first_name }}, {{ starts_at }}.{% endblock %}"
    )
    app.register_blueprint(Blueprint("host_templates", __name__, template_folder=str(tmp_path)))
    _remind(_partner())
    (payload,) = webhook.deliveries.values()
    assert (payload["data"]["subject"], payload["data"]["body"]) == (
        "See you soon",
        "Hi Alexandra, Tuesday 16:00.",
    )


def test_smtp_notification_goes_through_the_hosts_mail_settings(
    make_app: Callable[..., Flask],
) -> None:
    with MailReceiver() as mail:
        make_app(
            TPM_NOTIFIER="smtp",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=mail.port,
            MAIL_DEFAULT_SENDER="center@example.org",
        )
        assert _remind(_partner()) is True
    (message,) = mail.messages
    assert (message["From"], message["To"], message["Subject"]) == (
        "center@example.org",
        "alexandra@example.org",
        "Meeting reminder",
    )
    assert message["Message-ID"].startswith("<tpm-notification-")
    assert message.get_payload().startswith("Hello Alexandra,")


def test_smtp_server_down_fails_the_send_and_keeps_the_claim(
    make_app: Callable[..., Flask],
) -> None:
    make_app(
        TPM_NOTIFIER="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=MailReceiver().port,  # nothing listens there
        MAIL_DEFAULT_SENDER="center@example.org",
    )
    partner = _partner()
    with pytest.raises(NotificationFailed, match="did not take notification"):
        _remind(partner)
    status = ledger.ledger_status("meeting_reminder", f"partner-{partner.id}", "meeting-1-1h")
    assert status == "sending"


def test_log_notifier_logs_ids_and_never_the_address_or_name(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    partner = _partner()
    # A host's Alembic env (fileConfig) may have disabled existing loggers earlier in the run.
    logging.getLogger("tpm_plugin.notifications").disabled = False
    with caplog.at_level(logging.INFO, logger="tpm_plugin.notifications"):
        assert _remind(partner) is True
    (record,) = caplog.records
    assert f"partner-{partner.id}" in record.getMessage()
    assert "alexandra" not in record.getMessage().lower()


def test_a_person_without_a_contact_is_recorded_and_not_retried(app: Flask) -> None:
    partner = _partner(contact=None)
    assert _remind(partner) is False
    assert _remind(partner) is False
    status = ledger.ledger_status("meeting_reminder", f"partner-{partner.id}", "meeting-1-1h")
    assert status == "no_contact"


def test_the_hosts_contact_loader_says_where_to_send(
    make_app: Callable[..., Flask], webhook: WebhookReceiver
) -> None:
    app = _webhook_app(make_app, webhook)
    asked = []

    @app.extensions["tpm"].ext.contact_loader
    def contact_for(role: str, person_id: int) -> Contact | None:
        asked.append((role, person_id))
        return Contact(address=f"+1555000{person_id}", first_name="Sam")

    partner = _partner(contact=None)
    _remind(partner)
    assert asked == [("partner", partner.id)]
    (payload,) = webhook.deliveries.values()
    assert payload["data"]["to"] == f"+1555000{partner.id}"


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_retry_of_the_same_job_resumes_its_unfinished_claim(
    make_app: Callable[..., Flask], webhook: WebhookReceiver
) -> None:
    app = _webhook_app(make_app, webhook)
    partner = _partner()
    queue = app.extensions["tpm"].queue.queue
    job_id = f"{queue.name}-reminder-1"
    # A first attempt of this job claimed the reminder and died before sending.
    assert _claim_as(f"job:{job_id}", partner) is not None
    job = queue.enqueue_call(
        "tests.jobs_for_tests.remind_partner",
        kwargs={"partner_id": partner.id, "meeting_id": 1},
        job_id=job_id,
    )
    assert Job.fetch(
        job.id, connection=queue.connection, serializer=queue.serializer
    ).return_value()
    assert len(webhook.deliveries) == 1


def test_a_fresh_claim_of_another_job_is_left_to_that_job(
    make_app: Callable[..., Flask], webhook: WebhookReceiver
) -> None:
    _webhook_app(make_app, webhook)
    partner = _partner()
    _claim_as("job:someone-else", partner)
    assert _remind(partner) is False
    assert webhook.posts == []


def test_a_claim_older_than_the_claim_time_is_taken_over(
    make_app: Callable[..., Flask], webhook: WebhookReceiver
) -> None:
    _webhook_app(make_app, webhook, TPM_NOTIFICATION_CLAIM_SECONDS=0)
    partner = _partner()
    _claim_as("job:vanished", partner)
    assert _remind(partner) is True
    assert len(webhook.deliveries) == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_of_two_runs_taking_over_one_dead_claim_at_once_exactly_one_gets_it(
    make_app: Callable[..., Flask], webhook: WebhookReceiver
) -> None:
    _webhook_app(make_app, webhook)
    partner = _partner()
    _claim_as("job:x#dead-run#1", partner)
    taken: dict[str, ledger.Claim | None] = {}

    def over_while_the_other_takes_it(holder: str) -> bool:
        # Both runs read the dead holder; the other one updates the row first.
        taken["second"] = _claim_as("job:x#second#3", partner, lambda holder: True)
        return True

    taken["first"] = _claim_as("job:x#first#2", partner, over_while_the_other_takes_it)

    assert taken["first"] is None
    assert taken["second"] is not None and taken["second"].attempt == 2


def test_a_live_run_of_the_same_job_keeps_its_claim(
    make_app: Callable[..., Flask], webhook: WebhookReceiver
) -> None:
    _webhook_app(make_app, webhook)
    partner = _partner()
    assert _claim_as("job:x#first#1", partner) is not None
    assert _claim_as("job:x#second#2", partner, lambda holder: False) is None
    assert _claim_as("job:x#first#1", partner) is not None  # the same run, again


def _claim_as(
    claimant: str, partner: Partner, holder_is_over: Callable[[str], bool] = lambda holder: False
) -> ledger.Claim | None:
    import datetime as dt

    return ledger.claim(
        "meeting_reminder",
        f"partner-{partner.id}",
        "meeting-1-1h",
        claimant=claimant,
        channel="webhook",
        lease=dt.timedelta(seconds=300),
        holder_is_over=holder_is_over,
    )


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"context": {"note": "She told me about her father. " * 3}}, "never care details"),
        ({"context": {"client": object()}}, "never care details"),
        ({"role": "client"}, "role 'client'"),
    ],
)
def test_a_notification_with_care_details_or_an_unknown_role_is_refused_and_not_recorded(
    app: Flask, overrides: dict[str, Any], complaint: str
) -> None:
    partner = _partner()
    with pytest.raises(ValueError, match=complaint):
        _remind(partner, **overrides)
    assert factories.row_count(NotificationLedger) == 0


def test_an_occurrence_that_is_not_a_key_is_refused(app: Flask) -> None:
    with pytest.raises(ValueError, match="occurrence"):
        send_once(
            "meeting_reminder",
            1,
            "meeting with Alexandra on Tuesday",
            role="partner",
            template="meeting_reminder",
            context={},
        )


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"TPM_NOTIFIER": "sms"}, "TPM_NOTIFIER is 'sms'"),
        ({"TPM_NOTIFIER": "webhook"}, "TPM_NOTIFIER_WEBHOOK_URL"),
        (
            {"TPM_NOTIFIER": "webhook", "TPM_NOTIFIER_WEBHOOK_URL": "http://127.0.0.1/x"},
            "TPM_NOTIFIER_WEBHOOK_SECRET is not set",
        ),
        (
            {
                "TPM_NOTIFIER": "webhook",
                "TPM_NOTIFIER_WEBHOOK_URL": "http://127.0.0.1/x",
                "TPM_NOTIFIER_WEBHOOK_SECRET": "not-a-secret!",
            },
            "not a Standard Webhooks secret",
        ),
        ({"TPM_NOTIFIER": "smtp"}, "MAIL_DEFAULT_SENDER"),
        ({"TPM_MESSAGE_NAMES": "full"}, "TPM_MESSAGE_NAMES"),
    ],
)
def test_a_misconfigured_notifier_stops_the_app_at_start_up(
    database_url: str, config: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ConfigError, match=complaint):
        create_host_app(database_url, **config)
