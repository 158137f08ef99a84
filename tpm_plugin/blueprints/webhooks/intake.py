"""``POST <prefix>/webhooks/intake/<source>``: one referral from a form service.

Order matters: find the source (404), count it against the source's rate limit (429),
read the body within its bound (413), verify the signature or token on the raw bytes
(401), and only then parse and open the referral (201; 400/422 and a dead letter when it
cannot be opened). Nothing about the submission is logged.
"""

from __future__ import annotations

from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

from ...errors import NotFound, TPMError
from ...models import IntakeSource
from ...services.intake import receive, sources
from . import formstack, standard, tally, token, typeform
from ._body import bounded_body
from ._rate_limit import count_delivery


def receive_intake(source_key: str) -> Response:
    """Verify a delivery for ``source_key`` and open its referral (see the module).

    The source is kept in memory between deliveries, so the common delivery does not look
    it up: its version is checked in the statement that reserves the referral's ids. When
    a kept source answers anything but success, or turns out to have changed, the delivery
    is answered again from the source as the database holds it now, so a rotated secret, a
    new mapping or a source switched off takes effect at once in every process.
    """
    kept = sources.cached_source(source_key)
    body = _BodyOnce()
    if kept is None:
        return _receive(_active_source(source_key), body, kept=False)
    try:
        return _receive(kept, body, kept=True)
    except (sources.SourceChanged, TPMError, HTTPException) as error:
        current = _active_source(source_key)
        if current.version_id == kept.version_id and not isinstance(error, sources.SourceChanged):
            raise
        return _receive(current, body, kept=False, count=False)


def _active_source(source_key: str) -> IntakeSource:
    source = sources.source_for_delivery(source_key)
    if source is None:
        raise NotFound(
            f"No active intake source {source_key!r}; check the URL in the form's webhook settings."
        )
    return source


def _receive(source: IntakeSource, body: _BodyOnce, *, kept: bool, count: bool = True) -> Response:
    if count:
        count_delivery(source.key)
    raw = body()
    verify(source, raw)
    answer = receive.receive(
        source, raw, request.content_type or "", request.headers.get("webhook-id"), kept=kept
    )
    response = jsonify(answer.body)
    response.status_code = answer.status
    return response


class _BodyOnce:
    """The bounded body, read once however often it is asked for (413 every time)."""

    def __init__(self) -> None:
        self._body: bytes | None = None
        self._error: TPMError | None = None

    def __call__(self) -> bytes:
        if self._error is not None:
            raise self._error
        if self._body is None:
            try:
                self._body = bounded_body()
            except TPMError as error:
                self._error = error
                raise
        return self._body


def verify(source: IntakeSource, body: bytes) -> None:
    """Check ``body`` against the source's kind of signature (or URL token).

    Raises:
        SignatureRejected: 401.
    """
    secrets = sources.accepted_secrets(source)
    # Werkzeug's headers match names in any case already: nothing is copied.
    headers = request.headers
    kind = source.kind
    if kind in ("standard_webhooks", "google_forms"):
        standard.verify(secrets, headers, body)
    elif kind == "typeform":
        typeform.verify(secrets, headers, body)
    elif kind == "tally":
        tally.verify(secrets, headers, body)
    elif kind == "formstack":
        formstack.verify(secrets, headers, body, source.handshake_key)
    else:
        token.verify(secrets, request.args.get("token"))
