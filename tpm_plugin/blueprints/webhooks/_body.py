"""Reading a webhook body with a bound, before anything parses it.

A declared ``Content-Length`` over the bound is refused without reading a byte; a chunked
body (no length) is counted as it streams and refused once it passes the bound.
"""

from __future__ import annotations

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import get_input_stream

from ...errors import TPMError

_CHUNK = 64 * 1024


def bounded_body() -> bytes:
    """The raw request body, at most ``TPM_INTAKE_MAX_BODY_BYTES``.

    Raises:
        TPMError: 413 when the body is (or becomes, while streaming) larger.
    """
    limit = current_app.config["TPM_INTAKE_MAX_BODY_BYTES"]
    too_large = TPMError(
        f"The body is larger than the {limit} bytes intake accepts (TPM_INTAKE_MAX_BODY_BYTES).",
        status=413,
        code="payload_too_large",
    )
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    stream = get_input_stream(request.environ, max_content_length=limit)
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
    except RequestEntityTooLarge:
        raise too_large from None
    return b"".join(chunks)
