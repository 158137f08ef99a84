"""POST /tpm/webhooks/intake/<source>: every vendor's delivery opens one referral, and
every forgery, repeat and malformed delivery is answered without a 500 or a lost referral."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder, run_wsgi_app

from tpm_plugin.models import (
    AccessAudit,
    Client,
    IntakeDeadLetter,
    IntakeRecord,
    OutboxMessage,
    Partnership,
)
from tpm_plugin.services._unit import session
from tpm_plugin.signals import intake_received

from . import intake_helpers as intake
from .conftest import BACKENDS


def _count(model) -> int:
    return session().scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("kind", list(intake.PAYLOADS))
def test_each_vendors_documented_delivery_opens_a_client_and_partnership(app, client, kind):
    issued = intake.source(kind=kind)
    response = intake.deliver(client, issued, intake.PAYLOADS[kind]())
    assert response.status_code == 201, response.json
    opened = session().get(Partnership, response.json["partnership_id"])
    assert opened.stage == response.json["stage"]
    assert opened.client_id == response.json["client_id"]
    person = session().get(Client, response.json["client_id"])
    assert person.display_name == "Ana Lima"
    assert person.date_of_birth == dt.date(2014, 3, 9)
    assert person.is_minor
    record = session().get(IntakeRecord, response.json["intake_record_id"])
    assert record.client_id == person.id and record.answers


def test_typeform_answers_fill_the_client_and_record_consent(app, client):
    issued = intake.source(kind="typeform")
    response = intake.deliver(client, issued, intake.typeform_payload())
    person = session().get(Client, response.json["client_id"])
    assert person.guardian_contact == "marta@example.org"
    assert person.preferred_language == "Portuguese"
    assert person.consent_given_by == "guardian" and person.consent_given_at is not None
    record = session().get(IntakeRecord, response.json["intake_record_id"])
    assert record.referral_reason == "Struggles to make friends."
    assert record.consent == {"consent_guardian": True}


def test_tally_choice_answers_are_read_as_the_options_text(app, client):
    issued = intake.source(kind="tally")
    response = intake.deliver(client, issued, intake.tally_payload())
    person = session().get(Client, response.json["client_id"])
    assert person.preferred_language == "Arabic"
    assert person.consent_given_by == "client"


def test_delivery_writes_outbox_row_audit_rows_and_sends_intake_received(app, client):
    received = []

    def remember(sender, **ids):
        received.append(ids)

    issued = intake.source()
    with intake_received.connected_to(remember, sender=app):
        response = intake.deliver(client, issued, intake.standard_payload())
    ids = response.json
    assert received == [
        {
            key: ids[key]
            for key in (
                "source_id",
                "intake_record_id",
                "client_id",
                "partnership_id",
                "program_id",
            )
        }
    ]
    outbox = (
        session()
        .scalars(select(OutboxMessage).where(OutboxMessage.job_name == "tpm.intake_received"))
        .one()
    )
    assert outbox.payload == received[0]
    audited = (
        session()
        .execute(
            select(AccessAudit.object_type, AccessAudit.actor_id).where(
                AccessAudit.action == "create"
            )
        )
        .all()
    )
    assert {
        ("client", f"intake-source:{issued.source.id}"),
        ("partnership", f"intake-source:{issued.source.id}"),
        ("intake_record", f"intake-source:{issued.source.id}"),
    } <= set(audited)


# --- idempotency -----------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_five_sequential_repeats_return_the_first_answer_and_create_nothing(app, client):
    issued = intake.source()
    body = intake.encode(intake.standard_payload())
    headers = intake.standard_headers(issued.secret, body)
    answers = [client.post(intake.url(issued), data=body, headers=headers) for _ in range(5)]
    assert {a.status_code for a in answers} == {201}
    assert all(a.json == answers[0].json for a in answers)
    assert _count(Client) == 1 and _count(Partnership) == 1 and _count(IntakeRecord) == 1
    # One job greeting the referral, one placing the program's week again (the opening).
    jobs = session().scalars(select(OutboxMessage.job_name).order_by(OutboxMessage.job_name))
    assert list(jobs) == ["tpm.intake_received", "tpm.place_supervision"]


def test_typeform_redelivery_of_one_event_opens_one_referral(app, client):
    issued = intake.source(kind="typeform")
    payload = intake.typeform_payload()
    first = intake.deliver(client, issued, payload)
    again = intake.deliver(client, issued, payload)
    assert again.json == first.json
    assert _count(Client) == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_cognito_newer_version_updates_the_record_and_older_is_ignored(app, client):
    issued = intake.source(kind="cognito")
    opened = intake.deliver(client, issued, intake.cognito_payload(1, "5-77"))
    assert opened.status_code == 201
    newer = intake.deliver(client, issued, intake.cognito_payload(3, "5-77"))
    assert newer.status_code == 200 and newer.json["outcome"] == "updated"
    older = intake.deliver(client, issued, intake.cognito_payload(2, "5-77"))
    assert older.status_code == 200 and older.json["outcome"] == "ignored"
    record = session().get(IntakeRecord, opened.json["intake_record_id"])
    assert record.version == 3 and record.referral_reason == "Referral version 3."
    assert _count(Client) == 1 and _count(Partnership) == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_same_name_and_birthday_is_flagged_as_a_possible_duplicate_not_merged(app, client):
    issued = intake.source()
    first = intake.deliver(client, issued, intake.standard_payload())
    second = intake.deliver(client, issued, intake.standard_payload())
    assert second.json["client_id"] != first.json["client_id"]
    assert second.json["possible_duplicate_client_ids"] == [first.json["client_id"]]
    record = session().get(IntakeRecord, second.json["intake_record_id"])
    assert record.possible_duplicate_client_ids == [first.json["client_id"]]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_nfd_spelling_of_a_name_is_stored_nfc_and_found_as_a_duplicate(app, client):
    issued = intake.source()
    first = intake.deliver(client, issued, intake.standard_payload(first="Jos\u00e9"))
    second = intake.deliver(client, issued, intake.standard_payload(first="Jose\u0301"))
    assert session().get(Client, second.json["client_id"]).display_name == "Jos\u00e9 Lima"
    assert second.json["possible_duplicate_client_ids"] == [first.json["client_id"]]


# --- signatures --------------------------------------------------------------------------


def _standard(app):
    issued = intake.source()
    body = intake.encode(intake.standard_payload())
    return issued, body, intake.standard_headers(issued.secret, body)


def _refused(response) -> None:
    assert response.status_code == 401, response.data
    assert response.json["error"]["code"] == "signature_rejected"
    assert _count(Client) == 0 and _count(IntakeDeadLetter) == 0


def test_tampered_body_is_refused(app, client):
    issued, body, headers = _standard(app)
    _refused(client.post(intake.url(issued), data=body.replace(b"Ana", b"Eve"), headers=headers))


def test_signature_over_reserialized_json_is_refused(app, client):
    issued, body, _ = _standard(app)
    pretty = json.dumps(json.loads(body), indent=2).encode()
    headers = intake.standard_headers(issued.secret, body)
    _refused(client.post(intake.url(issued), data=pretty, headers=headers))


@pytest.mark.parametrize("header", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_standard_webhooks_header_is_refused(app, client, header):
    issued, body, headers = _standard(app)
    del headers[header]
    _refused(client.post(intake.url(issued), data=body, headers=headers))


@pytest.mark.parametrize(
    "signature",
    [
        "v1",
        "v1,",
        "v1,not base64!!",
        "v2,AAAA",
        ",,,",
        "v1,\u00e9\u00e9\u00e9",
        "sha256=abcdef",
        "v1,0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ],
)
def test_malformed_or_non_ascii_signature_headers_are_refused_never_500(app, client, signature):
    issued, body, headers = _standard(app)
    headers["webhook-signature"] = signature
    _refused(client.post(intake.url(issued), data=body, headers=headers))


@pytest.mark.parametrize(
    "offset", [dt.timedelta(minutes=-6), dt.timedelta(minutes=6), dt.timedelta(days=-365)]
)
def test_stale_and_future_timestamps_are_refused(app, client, offset):
    issued, body, _ = _standard(app)
    headers = intake.standard_headers(issued.secret, body, at=dt.datetime.now(dt.UTC) + offset)
    _refused(client.post(intake.url(issued), data=body, headers=headers))


@pytest.mark.parametrize("timestamp", ["0", "nan", "inf", "-1", "soon", "1e400", "\u0661\u0662"])
def test_frozen_and_garbage_timestamps_are_refused(app, client, timestamp):
    issued, body, headers = _standard(app)
    headers["webhook-timestamp"] = timestamp
    _refused(client.post(intake.url(issued), data=body, headers=headers))


def test_several_signatures_in_one_header_pass_when_one_matches(app, client):
    issued, body, headers = _standard(app)
    headers["webhook-signature"] = "v1,AAAA " + headers["webhook-signature"]
    assert client.post(intake.url(issued), data=body, headers=headers).status_code == 201


def test_previous_secret_still_verifies_after_rotation_and_older_ones_do_not(app, client):
    issued = intake.source()
    manager = intake.manager_of(issued)
    rotated = intake.sources.rotate_secret(manager, issued.source.id)
    old = intake.deliver(client, issued, intake.standard_payload(first="Old"))
    new = intake.deliver(client, rotated, intake.standard_payload(first="New"))
    assert old.status_code == 201 and new.status_code == 201
    intake.sources.rotate_secret(manager, issued.source.id)
    _refused_after = intake.deliver(client, issued, intake.standard_payload(first="Oldest"))
    assert _refused_after.status_code == 401


def test_typeform_hex_where_base64_is_expected_is_refused(app, client):
    issued = intake.source(kind="typeform")
    body = intake.encode(intake.typeform_payload())
    headers = {
        "Typeform-Signature": "sha256=" + intake.hmac_hex(issued.secret, body),
        "Content-Type": "application/json",
    }
    _refused(client.post(intake.url(issued), data=body, headers=headers))


def test_typeform_signature_without_its_prefix_is_refused(app, client):
    issued = intake.source(kind="typeform")
    body = intake.encode(intake.typeform_payload())
    headers = {"Typeform-Signature": intake.hmac_base64(issued.secret, body)}
    _refused(client.post(intake.url(issued), data=body, headers=headers))


def test_tally_signature_with_the_wrong_secret_is_refused(app, client):
    issued = intake.source(kind="tally")
    body = intake.encode(intake.tally_payload())
    headers = {"Tally-Signature": intake.hmac_base64("not-the-secret-at-all", body)}
    _refused(client.post(intake.url(issued), data=body, headers=headers))


def test_formstack_base64_where_hex_is_expected_is_refused(app, client):
    issued = intake.source(kind="formstack")
    body = intake.encode(intake.formstack_payload())
    headers = {"X-FS-Signature": "sha256=" + intake.hmac_base64(issued.secret, body)}
    _refused(client.post(intake.url(issued), data=body, headers=headers))


def test_formstack_wrong_handshake_key_is_refused_and_the_right_one_passes(app, client):
    issued = intake.source(kind="formstack", handshake_key="center-handshake")
    _refused(intake.deliver(client, issued, intake.formstack_payload(handshake="guess")))
    assert (
        intake.deliver(
            client, issued, intake.formstack_payload(handshake="center-handshake")
        ).status_code
        == 201
    )


@pytest.mark.parametrize("kind", ["jotform", "cognito"])
@pytest.mark.parametrize("token", [None, "", "wrong-token", "\u00e9t\u00e9"])
def test_token_sources_refuse_a_missing_or_wrong_url_token(app, client, kind, token):
    issued = intake.source(kind=kind)
    payload = intake.PAYLOADS[kind]()
    target = f"/tpm/webhooks/intake/{issued.source.key}" + (
        "" if token is None else f"?token={token}"
    )
    if kind == "jotform":
        response = client.post(target, data=payload)
    else:
        response = client.post(target, data=intake.encode(payload), content_type="application/json")
    _refused(response)


def test_unknown_source_answers_404(app, client):
    response = client.post("/tpm/webhooks/intake/no-such-source", json={})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_switched_off_source_answers_404(app, client):
    issued = intake.source()
    manager = intake.manager_of(issued)
    intake.sources.update_source(manager, issued.source.id, {"active": False})
    assert intake.deliver(client, issued, intake.standard_payload()).status_code == 404


# --- bodies ------------------------------------------------------------------------------


def _post_stream(app, issued, stream, headers: dict[str, str]) -> tuple[int, dict]:
    """Post ``stream`` as the raw WSGI input (the test client would read it to measure it)."""
    environ = EnvironBuilder(intake.url(issued), method="POST", headers=headers).get_environ()
    environ["wsgi.input"] = stream
    if "Content-Length" in headers:
        environ["CONTENT_LENGTH"] = headers["Content-Length"]
    else:
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
    body, status, _ = run_wsgi_app(app.wsgi_app, environ, buffered=True)
    return int(status.split()[0]), json.loads(b"".join(body))


def test_declared_oversized_body_is_refused_413_without_reading(app):
    issued = intake.source()

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = read

    status, answer = _post_stream(
        app,
        issued,
        Unreadable(),
        {"Content-Length": str(2 * 1024 * 1024), "Content-Type": "application/json"},
    )
    assert status == 413
    assert answer["error"]["code"] == "payload_too_large"


def test_field_of_one_mebibyte_plus_one_byte_is_refused_413(app, client):
    issued = intake.source()
    payload = intake.standard_payload()
    payload["reason"] = "x" * (1024 * 1024 + 1)
    response = intake.deliver(client, issued, payload)
    assert response.status_code == 413 and _count(IntakeDeadLetter) == 0


def test_chunked_body_is_counted_as_it_streams(app):
    issued = intake.source()
    reads = []

    class Chunks:
        def read(self, size=-1):
            reads.append(size)
            return b"" if len(reads) > 40 else b"x" * 65536

        readline = read

    status, answer = _post_stream(app, issued, Chunks(), {"Content-Type": "application/json"})
    assert status == 413
    assert len(reads) < 40  # refused before the whole stream was read


def test_jotform_multipart_raw_request_is_read(app, client):
    issued = intake.source(kind="jotform")
    response = client.post(
        intake.url(issued), data=intake.jotform_fields(), content_type="multipart/form-data"
    )
    assert response.status_code == 201
    person = session().get(Client, response.json["client_id"])
    assert person.guardian_contact == "(555) 555-0100"


@pytest.mark.parametrize("raw", ["", '{"q3_name": {"first": "An', None])
def test_jotform_truncated_or_missing_raw_request_is_a_dead_letter(app, client, raw):
    issued = intake.source(kind="jotform")
    fields = intake.jotform_fields(raw_request=raw or "")
    if raw is None:
        del fields["rawRequest"]
    response = client.post(intake.url(issued), data=fields)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "unreadable_payload"
    assert _count(IntakeDeadLetter) == 1 and _count(Client) == 0


def test_formstack_form_encoded_delivery_is_read(app, client):
    issued = intake.source(kind="formstack")
    body = b"FormID=4567890&UniqueID=998877&111=Ana+Lima&112=2014-03-09&113=marta%40example.org&114=Yes"
    headers = {
        "X-FS-Signature": "sha256=" + intake.hmac_hex(issued.secret, body),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    response = client.post(intake.url(issued), data=body, headers=headers)
    assert response.status_code == 201
    assert session().get(Client, response.json["client_id"]).display_name == "Ana Lima"


def test_json_signed_but_sent_as_plain_text_is_a_dead_letter_not_a_500(app, client):
    issued = intake.source(kind="formstack")
    body = b"this is not what Formstack sends"
    headers = {
        "X-FS-Signature": "sha256=" + intake.hmac_hex(issued.secret, body),
        "Content-Type": "text/plain",
    }
    response = client.post(intake.url(issued), data=body, headers=headers)
    assert response.status_code in (400, 422)
    assert _count(IntakeDeadLetter) == 1


# --- answers -----------------------------------------------------------------------------


def test_missing_name_answers_422_naming_the_field_and_keeps_a_dead_letter(app, client):
    issued = intake.source()
    payload = intake.standard_payload()
    del payload["client"]["first_name"], payload["client"]["last_name"]
    response = intake.deliver(client, issued, payload)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "mapping_failed" and "display_name" in error["fields"]
    letter = session().get(IntakeDeadLetter, error["dead_letter_id"])
    assert letter.status == "waiting" and letter.body
    assert _count(Client) == 0


def test_repeat_of_a_dead_lettered_delivery_gets_the_same_422_and_one_dead_letter(app, client):
    issued = intake.source()
    payload = intake.standard_payload(date_of_birth="not a date")
    body = intake.encode(payload)
    headers = intake.standard_headers(issued.secret, body)
    first = client.post(intake.url(issued), data=body, headers=headers)
    again = client.post(intake.url(issued), data=body, headers=headers)
    assert first.status_code == again.status_code == 422
    assert again.json == first.json
    assert _count(IntakeDeadLetter) == 1


@pytest.mark.parametrize(
    ("target", "value"),
    [
        ("date_of_birth", 20140309),
        ("date_of_birth", "2999-01-01"),
        ("first_name", ["a", 1]),
        ("first_name", True),
        ("school", {"nested": {"too": "deep"}}),
        ("first_name", "x" * 201),
    ],
)
def test_wrong_types_and_lengths_answer_422_naming_the_target(app, client, target, value):
    issued = intake.source()
    payload = intake.standard_payload()
    ref = intake.MAPPINGS["standard_webhooks"][target].split(".")[1]
    payload["client"][ref] = value
    response = intake.deliver(client, issued, payload)
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert target in fields or "display_name" in fields
    assert str(value)[:20] not in json.dumps(response.json)  # answers never echo back


def test_consent_that_is_not_yes_or_no_answers_422(app, client):
    issued = intake.source()
    payload = intake.standard_payload()
    payload["consent"]["guardian"] = "maybe"
    response = intake.deliver(client, issued, payload)
    assert response.json["error"]["fields"] == {
        "consent_guardian": ["The answer to field 'consent.guardian' is not a yes/no answer."]
    }


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize(
    "name",
    [
        "\u05d3\u05e0\u05d4",  # right-to-left
        "\u0646\u0648\u0631",
        "\U0001f469\u200d\U0001f467 Family",  # ZWJ sequence
        "<script>alert(1)</script>",
        "Robert'); DROP TABLE tpm_clients;--",
    ],
)
def test_unicode_html_and_sql_in_answers_are_stored_as_text(app, client, name):
    issued = intake.source()
    response = intake.deliver(client, issued, intake.standard_payload(first=name, last=""))
    assert response.status_code == 201
    assert session().get(Client, response.json["client_id"]).display_name == name


def test_right_to_left_override_is_removed_from_names(app, client):
    issued = intake.source()
    response = intake.deliver(client, issued, intake.standard_payload(first="Ana\u202egnp.exe"))
    assert session().get(Client, response.json["client_id"]).display_name == "Anagnp.exe Lima"


def test_nul_in_an_answer_answers_422_not_500(app, client):
    issued = intake.source()
    response = intake.deliver(client, issued, intake.standard_payload(school="Ri\u0000ver"))
    assert response.status_code == 422 and "school" in response.json["error"]["fields"]


def test_a_new_delivery_id_for_an_opened_submission_answers_what_it_opened(app, client):
    issued = intake.source(kind="tally")
    payload = intake.tally_payload()
    first = intake.deliver(client, issued, payload)
    payload["eventId"] = "another-event-for-the-same-response"
    again = intake.deliver(client, issued, payload)
    assert again.status_code == 200 and again.json["outcome"] == "ignored"
    assert again.json["client_id"] == first.json["client_id"]
    assert _count(Client) == 1
