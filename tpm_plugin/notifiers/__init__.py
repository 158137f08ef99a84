"""Notifiers: how a rendered message reaches a person. The host picks one with ``TPM_NOTIFIER``.

- ``"log"`` (the default, for the demo): a log line naming the kind and the recipient's
  plugin id; no address and no message text reach the log.
- ``"smtp"``: e-mail through the host's ``MAIL_*`` settings (:mod:`.smtp`).
- ``"webhook"``: a POST signed the Standard Webhooks way (:mod:`.webhook`).

Every notifier gets a :class:`Message` whose ``key`` is the same on every attempt at one
notification; notifiers hand it to the receiver (``webhook-id``, ``Message-ID``) so a
receiver can drop a repeat. Only :func:`tpm_plugin.services.notifications.send_once` calls
a notifier, after claiming the notification in the send ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..config import ConfigError

NOTIFIERS = ("log", "smtp", "webhook")


@dataclass(frozen=True)
class Message:
    """One notification, ready to go.

    Attributes:
        key: the idempotency key, identical on every attempt at this notification.
        kind: what it is about (``"meeting_reminder"``).
        recipient_ref: who, as the plugin knows them (``"partner-12"``).
        address: where the host's contact loader says to send it.
        subject, body: the rendered message (no care details: a first name at most).
    """

    key: str
    kind: str
    recipient_ref: str
    address: str
    subject: str
    body: str


class NotificationFailed(RuntimeError):
    """A notifier could not deliver; the job raises it so rq retries."""


class Notifier(Protocol):
    """Delivers a :class:`Message`; raises :class:`NotificationFailed` when it cannot."""

    name: str

    def send(self, message: Message) -> None: ...


def build_notifier(config: Mapping[str, Any]) -> Notifier:
    """The notifier ``TPM_NOTIFIER`` names, configured from the app's config.

    Raises:
        tpm_plugin.config.ConfigError: an unknown notifier, or one missing its settings.
    """
    choice = config["TPM_NOTIFIER"]
    if choice == "log":
        from .log import LogNotifier

        return LogNotifier()
    if choice == "smtp":
        from .smtp import SMTPNotifier

        return SMTPNotifier.from_config(config)
    if choice == "webhook":
        from .webhook import WebhookNotifier

        return WebhookNotifier.from_config(config)
    raise ConfigError(
        f"TPM_NOTIFIER is {choice!r}; use one of {', '.join(repr(n) for n in NOTIFIERS)}."
    )
