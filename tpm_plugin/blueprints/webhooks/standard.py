"""Standard Webhooks (and Google Forms, whose Apps Script signs the same way): ``webhook-id``,
``webhook-timestamp`` within five minutes, and ``webhook-signature`` holding one or more
space-separated ``v1,<base64>`` signatures, checked by the ``standardwebhooks`` package."""

from __future__ import annotations

import binascii
from collections.abc import Iterable, Mapping
from functools import lru_cache

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from ._signature import SignatureRejected, required_header

_MAX_ID_LENGTH = 200


def verify(secrets: Iterable[str], headers: Mapping[str, str], body: bytes) -> None:
    """Accept the delivery if any secret verifies it.

    Raises:
        SignatureRejected: a header missing or malformed, a timestamp outside ±5 minutes,
            or no signature that matches.
    """
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        required_header(headers, name)
    if len(headers["webhook-id"]) > _MAX_ID_LENGTH or not headers["webhook-id"].isascii():
        raise SignatureRejected(
            f"The webhook-id header must be ASCII, at most {_MAX_ID_LENGTH} characters."
        )
    wanted = {
        name: headers[name] for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    reason = "no signature matches"
    for secret in secrets:
        try:
            _webhook(secret).verify(body, wanted, json_parse=False)
            return
        except WebhookVerificationError as error:
            reason = str(error).lower()
        except (ValueError, binascii.Error, UnicodeDecodeError):
            # The package raises these for a malformed signature list or a body that is
            # not UTF-8; either way the delivery is not one we can trust.
            reason = "the signature header or body is malformed"
    raise SignatureRejected(
        f"The Standard Webhooks signature was refused ({reason}); check the secret, the "
        "clock of the sender and that the body is sent exactly as signed."
    )


@lru_cache(maxsize=64)
def _webhook(secret: str) -> Webhook:
    # A verifier per secret, kept: building one decodes the secret every delivery. The
    # secrets are the kept sources' (in memory already); a rotated-out one ages out.
    return Webhook(secret)
