"""The rhythm's clock: the system's, unless the host sets ``TPM_CLOCK`` (a callable that
returns an aware UTC datetime), as a simulation or a test of a whole week does."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from ...models import utcnow


def rhythm_now() -> dt.datetime:
    """The current time as the rhythm sees it (``TPM_CLOCK``, else the system clock)."""
    clock = current_app.config["TPM_CLOCK"]
    return utcnow() if clock is None else clock()
