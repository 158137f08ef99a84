"""The SMTP notifier: e-mail through the host's mail settings (the ``MAIL_*`` keys that
Flask-Mail and Flask-Mailman read), so a host configures its mail server once."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from ..config import ConfigError
from . import Message, NotificationFailed


@dataclass(frozen=True)
class SMTPNotifier:
    """Sends each message as a plain-text e-mail.

    The ``Message-ID`` is built from the notification's key, so a retried send carries the
    same id and mail systems that drop repeated ids deliver it once.
    """

    server: str
    port: int
    sender: str
    use_tls: bool = False
    use_ssl: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10
    name: str = "smtp"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SMTPNotifier:
        """Read ``MAIL_SERVER`` (default localhost), ``MAIL_PORT`` (25), ``MAIL_USE_TLS``,
        ``MAIL_USE_SSL``, ``MAIL_USERNAME``, ``MAIL_PASSWORD`` and ``MAIL_DEFAULT_SENDER``.

        Raises:
            tpm_plugin.config.ConfigError: ``MAIL_DEFAULT_SENDER`` is not set.
        """
        sender = config.get("MAIL_DEFAULT_SENDER")
        if isinstance(sender, tuple | list):  # Flask-Mail allows ("Name", "address")
            sender = f"{sender[0]} <{sender[1]}>"
        if not sender:
            raise ConfigError(
                "TPM_NOTIFIER is 'smtp' but MAIL_DEFAULT_SENDER is not set; set it to the "
                "address notifications come from."
            )
        return cls(
            server=config.get("MAIL_SERVER", "localhost"),
            port=int(config.get("MAIL_PORT", 25)),
            sender=sender,
            use_tls=bool(config.get("MAIL_USE_TLS", False)),
            use_ssl=bool(config.get("MAIL_USE_SSL", False)),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
        )

    def send(self, message: Message) -> None:
        """Send the e-mail.

        Raises:
            NotificationFailed: the server is unreachable or refused the message.
        """
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.address
        email["Subject"] = message.subject
        email["Message-ID"] = f"<{message.key}@tpm-plugin>"
        email.set_content(message.body)
        connect = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
        try:
            with connect(self.server, self.port, timeout=self.timeout) as smtp:
                if self.use_tls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as error:
            raise NotificationFailed(
                f"SMTP server {self.server}:{self.port} did not take notification "
                f"{message.key}: {error.__class__.__name__}."
            ) from error
