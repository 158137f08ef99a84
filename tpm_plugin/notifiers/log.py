"""The log notifier: the demo's default. It logs that a notification went out, never its
address or text (logs are not a place for names)."""

from __future__ import annotations

import logging

from . import Message

log = logging.getLogger("tpm_plugin.notifications")


class LogNotifier:
    """Writes one INFO line per notification: kind, recipient id and key."""

    name = "log"

    def send(self, message: Message) -> None:
        """Log the notification."""
        log.info("Notification %s (%s) to %s", message.key, message.kind, message.recipient_ref)
