"""Intake sources: created, listed, re-mapped and rotated by the managers of their program
(or the operator at ``flask tpm intake``), and found by key for each delivery.

A source's secrets are shown once, in the answer that made them, and never again. HMAC
senders need the key itself to be checked, so it is kept as given (protect the database
as you protect its credentials); URL tokens are kept only as their SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import secrets as random
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import ScalarSelect, bindparam, select

from ...access import Actor
from ...errors import Conflict, Forbidden, NotFound, ValidationFailed
from ...models import IntakeSource, Program, utcnow
from ...schemas.intake import TOKEN_KINDS
from .._reading import Page, detach, order_by, paginate
from .._unit import session, unit_of_work
from ..access import ALLOWED, record_access, record_denied, require_some_role
from ..workflow_versions import CommandLine

Operator = Actor | CommandLine


@dataclass(frozen=True)
class IssuedSecret:
    """A source with the secret just made for it (shown this once).

    ``url_token`` is the token to put in the intake URL, for JotForm and Cognito Forms.
    """

    source: IntakeSource
    secret: str
    url_token: str | None


def create_source(actor: Operator | None, data: dict[str, Any]) -> IssuedSecret:
    """Create an intake source for a program the actor manages.

    Args:
        data: ``key``, ``kind``, ``program_id``, ``mapping`` (already validated by
            :class:`~tpm_plugin.schemas.intake.IntakeSourceCreateSchema`), and optional
            ``secret`` and ``handshake_key``.

    Raises:
        Unauthenticated, Forbidden: nobody, or not a manager (audited).
        ValidationFailed: the program is not one the actor manages.
        Conflict: a source with this key exists.
    """
    actor = _manager(actor, "create")
    secret = data.get("secret") or new_secret(data["kind"])
    with unit_of_work() as unit:
        _check_program(actor, data["program_id"])
        if unit.session.scalar(select(IntakeSource.id).where(IntakeSource.key == data["key"])):
            raise Conflict(
                f"An intake source with key {data['key']!r} exists; choose another key.",
                fields={"key": ["Already used by another source."]},
            )
        source = IntakeSource(
            key=data["key"],
            kind=data["kind"],
            program_id=data["program_id"],
            mapping=data["mapping"],
            handshake_key=data.get("handshake_key"),
            secret=_stored(data["kind"], secret),
        )
        unit.session.add(source)
        unit.session.flush()
        _audit(actor, source.id, "create")
        detach(unit.session, [source])
    return _issued(source, secret)


def rotate_secret(
    actor: Operator | None, source_id: int, secret: str | None = None
) -> IssuedSecret:
    """Make ``secret`` (or a new random one) the source's secret; the one it replaces stays
    accepted beside it until the next rotation, so senders can be switched over.

    Raises:
        NotFound: no such source in a program the actor manages.
    """
    actor = _manager(actor, "rotate")
    with unit_of_work() as unit:
        source = _managed_source(actor, source_id, "rotate")
        secret = secret or new_secret(source.kind)
        source.previous_secret = source.secret
        source.secret = _stored(source.kind, secret)
        source.secret_rotated_at = utcnow()
        _audit(actor, source.id, "rotate")
        detach(unit.session, [source])
    return _issued(source, secret)


def update_source(actor: Operator | None, source_id: int, changes: dict[str, Any]) -> IntakeSource:
    """Change a source's mapping (validated by the schema) or switch it off and on.

    Raises:
        NotFound: no such source in a program the actor manages.
    """
    actor = _manager(actor, "update")
    with unit_of_work() as unit:
        source = _managed_source(actor, source_id, "update")
        for name, value in changes.items():
            setattr(source, name, value)
        _audit(actor, source.id, "update")
        detach(unit.session, [source])
    return source


def get_source(actor: Operator | None, source_id: int) -> IntakeSource:
    """One source of a program the actor manages.

    Raises:
        NotFound: no such source in a program the actor manages.
    """
    actor = _manager(actor, "read")
    with unit_of_work() as unit:
        source = _managed_source(actor, source_id, "read")
        detach(unit.session, [source])
    return source


def list_sources(actor: Operator | None, query: dict[str, Any]) -> Page[IntakeSource]:
    """One page of the sources of the programs the actor manages (all, for the operator)."""
    actor = _manager(actor, "list")
    statement = select(IntakeSource)
    if isinstance(actor, Actor):
        statement = statement.where(IntakeSource.program_id.in_(sorted(actor.managed_program_ids)))
    if query.get("program_id") is not None:
        statement = statement.where(IntakeSource.program_id == query["program_id"])
    statement = order_by(
        statement,
        query["sort"],
        {"id": IntakeSource.id, "key": IntakeSource.key, "created_at": IntakeSource.created_at},
        IntakeSource.id,
    )
    with unit_of_work() as unit:
        rows, total = paginate(unit.session, statement, query["page"], query["page_size"])
        detach(unit.session, rows)
    return Page(rows, query["page"], query["page_size"], total)


class SourceChanged(Exception):
    """A source kept in memory was changed or switched off since it was kept: load it
    again (:func:`source_for_delivery`) and start the delivery over."""


def cached_source(key: str) -> IntakeSource | None:
    """The source with ``key`` as this app last loaded it for a delivery (no database round
    trip), or ``None``. It may be stale: whatever trusts it checks its ``version_id`` in the
    transaction that uses it (:func:`confirm_current`, or :func:`current_version` folded
    into a statement run anyway) and raises :exc:`SourceChanged` when it moved. Read-only:
    every request of the app shares it."""
    return _kept().get(key)


def source_for_delivery(key: str) -> IntakeSource | None:
    """The active source with ``key``, loaded now and detached, or ``None`` (the endpoint
    answers 404); kept in memory for the next delivery (see :func:`cached_source`)."""
    current = session()
    found = current.scalar(
        select(IntakeSource)
        .join(Program, Program.id == IntakeSource.program_id)
        .where(IntakeSource.key == key, IntakeSource.active)
    )
    if found is None:
        forget(key)
        return None
    current.expunge(found)
    _kept()[key] = found
    return found


def confirm_current(source: IntakeSource) -> None:
    """Check a kept source against the database, in one statement.

    Raises:
        SourceChanged: it was changed or switched off since it was kept.
    """
    version = session().scalar(select(current_version()), {"source_id": source.id})
    if version != source.version_id:
        raise SourceChanged(source.key)


@cache
def current_version() -> ScalarSelect[int]:
    """The ``version_id`` of the source the ``source_id`` parameter names while it is
    active (NULL otherwise), as a scalar subquery to fold into a statement a delivery runs
    anyway. Built once."""
    return (
        select(IntakeSource.version_id)
        .join(Program, Program.id == IntakeSource.program_id)
        .where(IntakeSource.id == bindparam("source_id"), IntakeSource.active)
        .scalar_subquery()
    )


def forget(key: str) -> None:
    """Drop the kept source with ``key`` (it changed, or is gone)."""
    _kept().pop(key, None)


def _kept() -> dict[str, IntakeSource]:
    # Per app (a process may serve several, on different databases), shared by its threads.
    return current_app.extensions.setdefault(_KEPT_EXTENSION, {})


_KEPT_EXTENSION = "tpm_intake_sources_kept"


def accepted_secrets(source: IntakeSource) -> list[str]:
    """The secrets a delivery may be signed with (token digests, for token sources):
    the current one, then the one it replaced."""
    return [s for s in (source.secret, source.previous_secret) if s is not None]


def new_secret(kind: str) -> str:
    """A fresh random secret in the form ``kind`` uses (``whsec_<base64>`` for Standard
    Webhooks and Google Forms, URL-safe text otherwise)."""
    if kind in ("standard_webhooks", "google_forms"):
        return "whsec_" + base64.b64encode(random.token_bytes(32)).decode("ascii")
    return random.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is kept of a URL token (JotForm, Cognito Forms): its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _stored(kind: str, secret: str) -> str:
    return token_digest(secret) if kind in TOKEN_KINDS else secret


def _issued(source: IntakeSource, secret: str) -> IssuedSecret:
    return IssuedSecret(source, secret, secret if source.kind in TOKEN_KINDS else None)


def _manager(actor: Operator | None, action: str) -> Operator:
    if isinstance(actor, CommandLine):
        return actor
    actor = require_some_role(actor, "intake_source", action)
    if not actor.managed_program_ids:
        record_denied(actor, "intake_source", None, action)
        raise Forbidden("Only program managers configure intake sources.")
    return actor


def _check_program(actor: Operator, program_id: int) -> None:
    known = session().get(Program, program_id) is not None
    if not known or (isinstance(actor, Actor) and program_id not in actor.managed_program_ids):
        raise ValidationFailed(
            "An intake source belongs to a program you manage.",
            fields={"program_id": [f"No program {program_id} that you manage."]},
        )


def _managed_source(actor: Operator, source_id: int, action: str) -> IntakeSource:
    source = session().get(IntakeSource, source_id, with_for_update=action != "read")
    if source is None or (
        isinstance(actor, Actor) and source.program_id not in actor.managed_program_ids
    ):
        if isinstance(actor, Actor):
            record_denied(actor, "intake_source", source_id, action)
        raise NotFound(f"No intake source {source_id} in a program you manage.")
    return source


def _audit(actor: Operator, source_id: int, action: str) -> None:
    if isinstance(actor, Actor):
        record_access(actor, "intake_source", source_id, action, ALLOWED)
