"""What every verifier shares: the 401 they raise, and constant-time HMAC comparison."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Mapping

from ...errors import TPMError


class SignatureRejected(TPMError):
    """A missing, malformed or wrong signature or token (401). The message says which part
    to check, never what was expected."""

    status = 401
    code = "signature_rejected"


def hmac_sha256(secret: str, body: bytes) -> bytes:
    """HMAC-SHA256 of ``body`` keyed with the UTF-8 bytes of ``secret``."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()


def decode_base64(text: str, header: str) -> bytes:
    """A base64 signature's bytes.

    Raises:
        SignatureRejected: not ASCII base64 (hex where base64 is expected lands here only
            when it is not also valid base64; then it simply fails to match).
    """
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise SignatureRejected(f"The {header} header is not base64.") from None


def decode_hex(text: str, header: str) -> bytes:
    """A hex signature's bytes.

    Raises:
        SignatureRejected: not ASCII hex.
    """
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise SignatureRejected(f"The {header} header is not hexadecimal.") from None


def require_match(given: bytes, secrets: Iterable[str], body: bytes, header: str) -> None:
    """Accept ``given`` if it is the HMAC of ``body`` under any of ``secrets`` (the current
    and, during a rotation, the previous one), comparing in constant time.

    Raises:
        SignatureRejected: no secret produced it.
    """
    matched = False
    for secret in secrets:
        # Every secret is tried, so the time taken does not tell which one matched.
        matched |= hmac.compare_digest(hmac_sha256(secret, body), given)
    if not matched:
        raise SignatureRejected(
            f"The {header} signature does not match the body; check the source's signing "
            "secret and that the body is sent exactly as signed."
        )


def required_header(headers: Mapping[str, str], name: str) -> str:
    """A header's value. ``headers`` answers lower-case names: the request's own headers
    (which match any case) or a dictionary keyed in lower case.

    Raises:
        SignatureRejected: the header is missing or empty.
    """
    value = headers.get(name.lower(), "")
    if not value:
        raise SignatureRejected(f"The {name} header is missing.")
    return value
