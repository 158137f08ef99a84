"""``POST <prefix>/webhooks/intake/<source>``: one referral from a form service.

Order matters: find the source (404), count it against the source's rate limit (429),
read the body within its bound (413), verify the signature or token on the raw bytes
(401), and only then parse and open the referral (201; 400/422 and a dead letter when it
cannot be opened). Nothing about the submission is logged.
"""

from __future__ import annotations

from flask import Response, jsonify, request

from ...errors import NotFound
from ...services.intake import receive, sources
from . import formstack, standard, tally, token, typeform
from ._body import bounded_body
from ._rate_limit import count_delivery


def receive_intake(source_key: str) -> Response:
    """Verify a delivery for ``source_key`` and open its referral (see the module)."""
    source = sources.source_for_delivery(source_key)
    if source is None:
        raise NotFound(
            f"No active intake source {source_key!r}; check the URL in the form's webhook settings."
        )
    count_delivery(source_key)
    body = bounded_body()
    verify(source, body)
    answer = receive.receive(
        source, body, request.content_type or "", request.headers.get("webhook-id")
    )
    response = jsonify(answer.body)
    response.status_code = answer.status
    return response


def verify(source, body: bytes) -> None:
    """Check ``body`` against the source's kind of signature (or URL token).

    Raises:
        SignatureRejected: 401.
    """
    secrets = sources.accepted_secrets(source)
    headers = {name.lower(): value for name, value in request.headers.items()}
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
