"""Tally: ``Tally-Signature: <base64 HMAC-SHA256 of the body>``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._signature import decode_base64, require_match, required_header

HEADER = "Tally-Signature"


def verify(secrets: Iterable[str], headers: Mapping[str, str], body: bytes) -> None:
    """Raises:
    SignatureRejected: the header is missing, not base64, or does not match.
    """
    value = required_header(headers, HEADER)
    require_match(decode_base64(value, HEADER), secrets, body, HEADER)
