"""Property tests: whatever a correctly signed sender posts, intake answers 201, 200, 400
or 422 (never a 500), a 201 opens exactly one client, and a 4xx opens none; and whatever
bytes a forger posts, the answer is 401 and nothing is written."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tpm_plugin.models import Client, IntakeDeadLetter
from tpm_plugin.services._unit import session

from . import intake_helpers as intake

_PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_text = st.text(st.characters(codec="utf-8"), max_size=60)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)


def _client_field() -> st.SearchStrategy[Any]:
    return st.one_of(_json_values, _text, st.dates().map(str))


_payloads = st.fixed_dictionaries(
    {
        "client": st.dictionaries(
            st.sampled_from(["first_name", "last_name", "date_of_birth", "school", "language"]),
            _client_field(),
        ),
        "guardian": st.dictionaries(st.sampled_from(["name", "phone"]), _client_field()),
        "consent": st.dictionaries(st.sampled_from(["guardian"]), _client_field()),
        "reason": _client_field(),
    }
)


def _count(model) -> int:
    return session().scalar(select(func.count()).select_from(model))


@_PROPERTY
@given(payload=_payloads)
def test_signed_deliveries_of_any_shape_never_answer_500(app, client, payload):
    issued = intake.source()
    clients_before, letters_before = _count(Client), _count(IntakeDeadLetter)
    response = intake.deliver(client, issued, payload)
    assert response.status_code in (201, 422), response.data
    opened = _count(Client) - clients_before
    assert opened == (1 if response.status_code == 201 else 0)
    assert _count(IntakeDeadLetter) - letters_before == (response.status_code == 422)


@_PROPERTY
@given(
    # Not empty: werkzeug's test client replaces an empty body with an encoded empty form.
    body=st.binary(min_size=1, max_size=2000),
    content_type=st.sampled_from(
        [
            "application/json",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "text/plain",
            "",
        ]
    ),
)
def test_signed_bytes_of_any_kind_are_kept_or_refused_never_500(app, client, body, content_type):
    issued = intake.source(kind="tally")
    headers = {
        "Tally-Signature": intake.hmac_base64(issued.secret, body),
        "Content-Type": content_type,
    }
    response = client.post(intake.url(issued), data=body, headers=headers)
    assert response.status_code in (201, 400, 422), response.data
    assert response.json["error"]["code"] in ("unreadable_payload", "mapping_failed")


@_PROPERTY
@given(
    body=st.binary(max_size=500),
    signature=st.text(max_size=120),
    timestamp=st.text(max_size=20),
    msg_id=st.text(
        st.characters(codec="latin-1", exclude_characters="\r\n"), min_size=1, max_size=40
    ),
)
def test_forged_standard_webhooks_deliveries_are_401_and_write_nothing(
    app, client, body, signature, timestamp, msg_id
):
    issued = intake.source()
    before = _count(Client), _count(IntakeDeadLetter)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": signature,
        "Content-Type": "application/json",
    }
    try:
        response = client.post(intake.url(issued), data=body, headers=headers)
    except ValueError:  # a header werkzeug itself will not send (control characters)
        return
    assert response.status_code == 401, response.data
    assert (_count(Client), _count(IntakeDeadLetter)) == before
    assert json.loads(response.data)["error"]["code"] == "signature_rejected"
