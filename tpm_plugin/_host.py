"""Wiring into other extensions of the host app, whichever order the host initialises them in.

A host may call ``CSRFProtect(app)`` or ``Migrate(app, db)`` before or after
``tpm.init_app(app)``. :func:`when_ready` tries a wiring step at once and, until it succeeds,
again each time an app context is pushed (every request and every ``flask`` command pushes
one, so the step runs before the other extension is first used).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, appcontext_pushed, current_app, has_app_context


def when_ready(app: Flask, wire: Callable[[Flask], bool]) -> None:
    """Run ``wire(app)`` now and, while it returns ``False``, on each app context of ``app``.

    Args:
        app: the host app.
        wire: does its step and returns ``True``, or returns ``False`` when the extension it
            wires into is not registered on ``app`` yet. It must be cheap when it returns
            ``False`` (it may run on every request) and safe to repeat.
    """
    if not wire(app):
        _pending(app).append(wire)


def on_first_context(app: Flask, step: Callable[[Flask], None]) -> None:
    """Run ``step(app)`` when the first app context of ``app`` is pushed (at once if one is
    pushed already): for set-up that would cost every host's start-up and that nothing
    needs before a request, command or job, each of which pushes a context.

    Args:
        app: the host app.
        step: the set-up; it runs once.
    """
    if has_app_context() and current_app._get_current_object() is app:
        step(app)
        return

    def once(sender: Flask) -> bool:
        step(sender)
        return True

    _pending(app).append(once)


def _pending(app: Flask) -> list[Callable[[Flask], bool]]:
    pending = app.extensions.get(_PENDING_KEY)
    if pending is None:
        # One receiver per app for all its pending steps: connecting costs more than a step.
        pending = app.extensions[_PENDING_KEY] = []

        def retry(sender: Flask, **_: object) -> None:
            if pending:
                pending[:] = [step for step in pending if not step(sender)]

        # Strong reference: the closure lives only in the signal's receiver table.
        appcontext_pushed.connect(retry, sender=app, weak=False)
    return pending


#: Where an app keeps the wiring steps still waiting for their extension.
_PENDING_KEY = "tpm_pending_wiring"
