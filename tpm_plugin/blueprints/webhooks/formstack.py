"""Formstack: ``X-FS-Signature: sha256=<hex HMAC-SHA256 of the body>``, and, when the
source has one, the ``HandshakeKey`` Formstack puts in the payload."""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qs

from ._signature import SignatureRejected, decode_hex, require_match, required_header

HEADER = "X-FS-Signature"


def verify(
    secrets: Iterable[str], headers: Mapping[str, str], body: bytes, handshake_key: str | None
) -> None:
    """Raises:
    SignatureRejected: the header is missing, lacks ``sha256=``, is not hex or does not
    match; or the payload's HandshakeKey is not the source's.
    """
    value = required_header(headers, HEADER)
    if not value.startswith("sha256="):
        raise SignatureRejected(f"The {HEADER} header must start with 'sha256='.")
    require_match(decode_hex(value.removeprefix("sha256="), HEADER), secrets, body, HEADER)
    if handshake_key is not None:
        given = _handshake_key(body)
        if not hmac.compare_digest(given.encode("utf-8"), handshake_key.encode("utf-8")):
            raise SignatureRejected("The payload's HandshakeKey is not this source's.")


def _handshake_key(body: bytes) -> str:
    try:
        payload = json.loads(body)
        value = payload.get("HandshakeKey") if isinstance(payload, dict) else None
    except (ValueError, UnicodeDecodeError):
        value = (parse_qs(body.decode("utf-8", "replace")).get("HandshakeKey") or [None])[0]
    return value if isinstance(value, str) else ""
