"""Real receivers for the notifiers: a local SMTP server (aiosmtpd) and a local HTTP server
that verifies Standard Webhooks signatures, both on free loopback ports."""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from .services import _free_port

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"tpm-test-secret-of-32-bytes-long").decode()


class MailReceiver:
    """An SMTP server collecting every message it is sent."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.port = _free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def __enter__(self) -> MailReceiver:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


@dataclass
class WebhookReceiver:
    """An HTTP server that verifies each POST's signature and records it, dropping repeats of
    a ``webhook-id`` as a Standard Webhooks receiver must.

    ``status`` is what it answers; ``hold`` (when set) makes it record the first delivery,
    set ``received`` and then wait for ``release`` before answering.
    """

    secret: str = WEBHOOK_SECRET
    status: int = 204
    hold: bool = False
    posts: list[str] = field(default_factory=list)
    rejected: int = 0
    deliveries: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                try:
                    payload = Webhook(receiver.secret).verify(body, dict(self.headers))
                except WebhookVerificationError:
                    receiver.rejected += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                webhook_id = self.headers["webhook-id"]
                receiver.posts.append(webhook_id)
                if receiver.status < 300:
                    receiver.deliveries.setdefault(webhook_id, payload)
                receiver.received.set()
                if receiver.hold and len(receiver.posts) == 1:
                    receiver.release.wait(30)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/notifications"

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def delivered_bodies(receiver: WebhookReceiver) -> list[str]:
    """The message texts delivered (once per webhook-id)."""
    return [payload["data"]["body"] for payload in receiver.deliveries.values()]


__all__ = ["MailReceiver", "WebhookReceiver", "WEBHOOK_SECRET", "delivered_bodies"]
