"""Where to reach a person the plugin notifies.

A notification names its recipient by role and plugin id (``"partner"``, 12); the host says
how to reach them, the way it says who is acting::

    @tpm.contact_loader
    def contact_for(role: str, person_id: int) -> Contact | None:
        user = lookup_host_user(role, person_id)
        return Contact(address=user.email, first_name=user.first_name) if user else None

By default the plugin's own tables answer: the ``contact`` of a partner or supervisor row,
the ``guardian_contact`` of a client (role ``"guardian"``, id the client's), each in the
person's preferred language (a guardian: the client's), else their program's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

PARTNER = "partner"
SUPERVISOR = "supervisor"
#: The guardian of a client (a minor); the person id is the client's.
GUARDIAN = "guardian"
RECIPIENT_ROLES = (PARTNER, SUPERVISOR, GUARDIAN)


@dataclass(frozen=True)
class Contact:
    """How to reach one person.

    Attributes:
        address: an e-mail address for SMTP, or whatever the host's webhook receiver
            understands (a phone number, a host user id).
        first_name: the name messages may greet them by (``TPM_MESSAGE_NAMES = "first"``);
            ``None`` greets nobody by name.
        language: the language of their messages, one of
            :data:`tpm_plugin.i18n.LANGUAGES` (``None`` or another: English).
    """

    address: str
    first_name: str | None = None
    language: str | None = None


ContactLoader = Callable[[str, int], "Contact | None"]


def contact_from_tpm_tables(role: str, person_id: int) -> Contact | None:
    """The default contact loader: the plugin's own people tables.

    Returns ``None`` for a person with no contact on file (the notification is then
    recorded as undeliverable, not retried).
    """
    from .models import Client, Partner, Program, Supervisor
    from .services.languages import choose_language

    session = current_app.extensions["tpm"].db.session
    if role == GUARDIAN:
        client = session.get(Client, person_id)
        if client is None or client.erased_at is not None or not client.guardian_contact:
            return None
        name, address, chosen = client.guardian_name, client.guardian_contact, client
        # The family's language: the client's preferred one, else the program's.
        preferred = client.preferred_language
    else:
        model = {PARTNER: Partner, SUPERVISOR: Supervisor}[role]
        chosen = session.get(model, person_id)
        if chosen is None or not chosen.active or not chosen.contact:
            return None
        name, address, preferred = chosen.display_name, chosen.contact, chosen.preferred_language
    program = session.get(Program, chosen.program_id)
    language = choose_language([preferred], [program.language if program else None])
    return Contact(address, _first_word(name), language)


def _first_word(name: str | None) -> str | None:
    return name.split()[0] if name and name.split() else None
