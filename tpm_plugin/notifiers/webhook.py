"""The webhook notifier: a JSON POST to the host's receiver, signed the Standard Webhooks way.

Headers ``webhook-id`` (the notification's key, the same on every retry: receivers drop a
repeated id), ``webhook-timestamp`` and ``webhook-signature`` are made by the
``standardwebhooks`` package, so any Standard Webhooks library verifies them.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from standardwebhooks.webhooks import Webhook

from ..config import ConfigError
from . import Message, NotificationFailed


@dataclass(frozen=True)
class WebhookNotifier:
    """POSTs each message to ``url``; any status other than 2xx is a failure (retried)."""

    url: str
    secret: str
    timeout: float = 10
    name: str = "webhook"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WebhookNotifier:
        """Read ``TPM_NOTIFIER_WEBHOOK_URL``, ``_SECRET`` and ``_TIMEOUT``.

        Raises:
            tpm_plugin.config.ConfigError: the URL or secret is missing or malformed.
        """
        url, secret = config["TPM_NOTIFIER_WEBHOOK_URL"], config["TPM_NOTIFIER_WEBHOOK_SECRET"]
        if not url or not str(url).startswith(("https://", "http://")):
            raise ConfigError(
                "TPM_NOTIFIER is 'webhook' but TPM_NOTIFIER_WEBHOOK_URL is not an http(s) URL; "
                "set it to your receiver's address."
            )
        if not secret:
            raise ConfigError(
                "TPM_NOTIFIER is 'webhook' but TPM_NOTIFIER_WEBHOOK_SECRET is not set; set it "
                "to a Standard Webhooks secret ('whsec_' and base64 of 24-64 random bytes)."
            )
        if not _is_standard_secret(secret):
            raise ConfigError(
                "TPM_NOTIFIER_WEBHOOK_SECRET is not a Standard Webhooks secret; use 'whsec_' "
                "followed by base64 of 24-64 random bytes."
            )
        return cls(url=url, secret=secret, timeout=float(config["TPM_NOTIFIER_WEBHOOK_TIMEOUT"]))

    def send(self, message: Message) -> None:
        """POST the message, signed.

        Raises:
            NotificationFailed: the receiver is unreachable or answered other than 2xx.
        """
        now = dt.datetime.now(dt.UTC)
        body = json.dumps(
            {
                "type": f"tpm.notification.{message.kind}",
                "timestamp": now.isoformat(),
                "data": {
                    "kind": message.kind,
                    "recipient": message.recipient_ref,
                    "to": message.address,
                    "subject": message.subject,
                    "body": message.body,
                },
            }
        )
        signature = Webhook(self.secret).sign(message.key, now, body)
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "content-type": "application/json",
                "webhook-id": message.key,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": signature,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout):
                return
        except urllib.error.HTTPError as error:
            reason = f"answered {error.code}"
        except OSError as error:
            reason = f"is unreachable ({error.__class__.__name__})"
        raise NotificationFailed(
            f"The notification webhook {self.url} {reason} for notification {message.key}."
        )


def _is_standard_secret(secret: str) -> bool:
    if not secret.startswith("whsec_"):
        return False
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        return False
    return 24 <= len(key) <= 64
