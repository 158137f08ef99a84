"""Typeform: ``Typeform-Signature: sha256=<base64 HMAC-SHA256 of the body>``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._signature import SignatureRejected, decode_base64, require_match, required_header

HEADER = "Typeform-Signature"


def verify(secrets: Iterable[str], headers: Mapping[str, str], body: bytes) -> None:
    """Raises:
    SignatureRejected: the header is missing, lacks ``sha256=``, is not base64 or does not
    match.
    """
    value = required_header(headers, HEADER)
    if not value.startswith("sha256="):
        raise SignatureRejected(f"The {HEADER} header must start with 'sha256='.")
    require_match(decode_base64(value.removeprefix("sha256="), HEADER), secrets, body, HEADER)
