"""JotForm and Cognito Forms sign nothing: the source's URL carries a secret token
(``?token=…``), compared in constant time with the SHA-256 the plugin keeps of it.

What this protects: only someone who knows the URL can open referrals. What it does not:
the URL travels in the form service's settings and logs, anyone who sees it can post
forged referrals until the token is rotated, and a delivery's body is not tied to it (a
captured delivery could be altered and replayed). The README says so.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from ...services.intake.sources import token_digest
from ._signature import SignatureRejected


def verify(digests: Iterable[str], token: str | None) -> None:
    """Raises:
    SignatureRejected: no token, or not the source's current or previous one.
    """
    if not token:
        raise SignatureRejected("The intake URL's token parameter is missing.")
    given = token_digest(token).encode("ascii")
    matched = False
    for digest in digests:
        matched |= hmac.compare_digest(given, digest.encode("ascii"))
    if not matched:
        raise SignatureRejected("The intake URL's token is not this source's.")
