"""Wiring into other extensions of the host app, whichever order the host initialises them in.

A host may call ``CSRFProtect(app)`` or ``Migrate(app, db)`` before or after
``tpm.init_app(app)``. :func:`when_ready` tries a wiring step at once and, until it succeeds,
again each time an app context is pushed (every request and every ``flask`` command pushes
one, so the step runs before the other extension is first used). The steps of every app
share one receiver of ``appcontext_pushed``, connected once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

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

    _pending(app).append(_once(step))


@cache
def _once(step: Callable[[Flask], None]) -> Callable[[Flask], bool]:
    # One wrapper per step, shared by every app, rather than a closure made for each app.
    def once(sender: Flask) -> bool:
        step(sender)
        return True

    return once


def _pending(app: Flask) -> list[Callable[[Flask], bool]]:
    pending = app.extensions.get(_PENDING_KEY)
    if pending is None:
        pending = app.extensions[_PENDING_KEY] = []
        _listen_once()
    return pending


def _retry(sender: Flask, **_: object) -> None:
    # Any app's context: an app without pending steps (or without the plugin) pays one
    # dictionary look-up.
    pending = getattr(sender, "extensions", {}).get(_PENDING_KEY)
    if pending:
        pending[:] = [step for step in pending if not step(sender)]


@cache
def _listen_once() -> None:
    # One receiver for the whole process, connected by the first app that has a step
    # waiting: connecting one per app (and the weak reference to it that blinker keeps, and
    # drops when the app goes) cost every host's start-up more than the steps themselves.
    appcontext_pushed.connect(_retry, weak=False)


#: Where an app keeps the wiring steps still waiting for their extension.
_PENDING_KEY = "tpm_pending_wiring"
