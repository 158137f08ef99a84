"""The API's English sentences in the viewer's language, for the pages.

The services and the schemas speak English: their messages are the API's, which clients
parse, so they stay English there. A page shows the same refusals, and must show them in the
viewer's language: :func:`translate_message` finds the sentence's format among
:data:`MESSAGES` (marshmallow's default messages and the services' own sentences, each with
its values as ``%(name)s``), translates the format through the plugin's catalog and puts the
values back. A sentence of no known format is left as it is (:func:`known_message` tells).

A new message in a service or a schema needs its format added here (the pages' tests scan
the services and schemas for sentences no format matches).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from flask_babel import get_locale

from .i18n import N_, gettext

#: The formats of the English messages a page may show, values as ``%(name)s``.
MESSAGES: tuple[str, ...] = (
    # marshmallow's own messages (fields, schemas and validators)
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid input type."),
    N_("Invalid input."),
    N_("Invalid type."),
    N_("Invalid value."),
    N_("Unknown field."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid string."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid time."),
    N_("Not a valid aware datetime."),
    N_("Not a valid naive datetime."),
    N_("Not a valid list."),
    N_("Not a valid tuple."),
    N_("Not a valid mapping type."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Not a valid UUID."),
    N_("Not a valid period of time."),
    N_("Not a valid utf-8 string."),
    N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("String does not match expected pattern."),
    N_('"%(input)s" cannot be formatted as a date.'),
    N_('"%(input)s" cannot be formatted as a datetime.'),
    N_("Length must be between %(min)s and %(max)s."),
    N_("Length must be %(equal)s."),
    N_("Shorter than minimum length %(min)s."),
    N_("Longer than maximum length %(max)s."),
    N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than or equal to %(min)s."),
    N_("Must be less than or equal to %(max)s."),
    N_("Must be greater than %(min)s."),
    N_("Must be less than %(max)s."),
    N_("Must be one of: %(choices)s."),
    N_("Must be equal to %(other)s."),
    # the schemas' own messages
    N_("Must not contain NUL characters."),
    N_("Must be valid Unicode text."),
    N_("Must be at most %(maximum)s (TPM_MAX_PAGE_SIZE)."),
    N_("Use lowercase letters, digits, '_' and '-'."),
    N_("Use lowercase letters, digits and '_', starting with a letter."),
    N_("Not a known IANA timezone, such as Europe/Berlin."),
    N_("Must not be in the future."),
    N_("A minor's consent is given by their guardian."),
    N_("Name each id once."),
    N_("Others' report needs its source (who reported it)."),
    N_("Only a held session has minutes per partnership."),
    N_("Adds up to more than held_minutes."),
    N_("A held session needs its minutes."),
    N_("Only a held session has minutes."),
    N_("Must be one of partnership_ids."),
    N_("%(what)s at %(when)s is listed twice."),
    N_("Must be later than starts_at."),
    N_("Must be on or after starts_on."),
    N_("Overlaps the %(weekday)s window starting %(time)s."),
    N_("Name the raised meetings_per_week, supervision_minutes_per_client or both."),
    N_("A signing secret needs at least 16 characters."),
    # care records and partnerships
    N_(
        "Partnership %(id)s is closed; it takes no new records. Corrections of its earlier "
        "records (with supersedes_id) are still accepted."
    ),
    N_("Partnership %(id)s is closed."),
    N_("Partnership %(id)s is of an erased client; it takes no care data, corrections included."),
    N_("A correction must name an entry of the same partnership."),
    N_("No entry %(id)s in this partnership."),
    N_("That entry has already been corrected; correct the newest entry instead."),
    N_("Already corrected by entry %(id)s."),
    N_(
        "That entry was corrected by another request at the same moment; read it again and "
        "correct the newest entry."
    ),
    N_("Already corrected."),
    N_("Log in to use the partnership API."),
    N_("No partnership %(id)s that you can reach."),
    N_("No %(kind)s %(id)s that you can reach."),
    N_("No program %(id)s whose audit you can read."),
    N_("Partnership %(id)s has no cadence override %(override)s."),
    N_("Cadence override %(id)s is no longer in force (it ended at %(ended)s); nothing to end."),
    N_("No cadence override %(id)s that you can reach."),
    N_("No %(kind)s %(id)s whose calendar you own."),
    N_("The %(kind)s %(id)s has no calendar feed to revoke."),
    N_("No calendar feed at this address; it may have been rotated or revoked."),
    N_("No client %(id)s that you can reach."),
    N_("Only the program's managers may %(action)s a client's data."),
    N_("Partnership %(id)s is closed; its records can no longer change."),
    N_("A partnership cannot begin in the future."),
    N_("Give when it began (at or before now), or leave it out."),
    N_("You can only open partnerships in programs you manage."),
    N_("The partnership names people it cannot have."),
    N_("Client %(client)s already has open partnership %(id)s in program %(program)s."),
    N_(
        "Client %(client)s already has open partnership %(id)s; close it first, or give "
        "another_open_reason to open a second one."
    ),
    # meetings, plans and group activities
    N_("The meeting cannot have happened as logged."),
    N_("Meeting %(id)s has not started yet."),
    N_("Meeting %(id)s is scheduled for %(when)s; log it as %(status)s once it has started."),
    N_("A meeting's activities must be planned activities of its partnership."),
    N_("No planned activities %(ids)s in this partnership."),
    N_(
        "Meeting %(id)s is already logged (%(status)s); to change it, post a new meeting with "
        "supersedes_id set to the current entry."
    ),
    N_("An activity must answer current identification entries of this partnership."),
    N_("Another plan version was added at the same moment; read the plans again."),
    N_("A group activity takes place in one program."),
    N_("Name partnerships of one program only."),
    N_("A group activity is one partner's activity with several of their clients."),
    N_("Name partnerships of one partner only."),
    N_("Program %(id)s runs individually; group activities belong to afterschool programs."),
    N_(
        "Program %(id)s is not an afterschool program; log each meeting on its own "
        "partnership, or set the program's setting to afterschool."
    ),
    N_("No partnerships %(ids)s that you can reach."),
    N_("The group activity cannot be logged for every partnership; nothing was logged."),
    N_("No group activity %(id)s that you can reach."),
    # diagrams and fidelity
    N_("Unknown diagram format."),
    N_("Workflow '%(key)s' has no published version %(version)s."),
    N_("The partnership runs on another workflow version."),
    N_("Partnership %(id)s is on %(key)s version %(version)s; ask for that version's diagram."),
    N_("Only the program's managers see the fidelity of a program."),
    N_("Ask for either 'weeks' or a 'from'/'to' range, not both."),
    N_("Cannot be combined with 'from' or 'to'."),
    N_("'weeks' must be between 1 and %(maximum)s."),
    N_("Must be between 1 and %(maximum)s."),
    N_("'from' must not be after 'to'."),
    N_("Must not be after 'to'."),
    N_("The range spans %(count)s weeks; ask for at most %(maximum)s."),
    N_("The range must span at most %(maximum)s weeks."),
    N_("The program's timezone %(timezone)s is not an IANA timezone name."),
    N_("Not an IANA timezone name."),
    # intake
    N_("No dead letter %(id)s in a program you manage."),
    N_("Dead letter %(id)s was replayed already; it opened client %(client)s."),
    N_("Dead letter %(id)s is being replayed by another request."),
    N_("This delivery is being processed by another request; retry shortly."),
    N_("Only program managers configure intake sources."),
    N_("An intake source belongs to a program you manage."),
    N_("No intake source %(id)s in a program you manage."),
    N_("An intake source with key %(key)s exists; choose another key."),
    N_("Already used by another source."),
    N_("Intake record %(id)s flagged no possible duplicate."),
    N_("Intake record %(id)s was resolved already (%(decision)s)."),
    N_("Name the flagged client the referral's client is the same person as."),
    N_("Only with decision 'same'; leave it out when the clients are different people."),
    N_("The resolution is not usable."),
    N_("Say why the client needs a second open partnership."),
    N_("No intake record %(id)s in a program you manage."),
    N_("Client %(client)s is not one intake record %(id)s flagged."),
    N_("Must be one of the flagged clients: %(choices)s."),
    N_("Client %(client)s is no longer a client of program %(program)s."),
    N_(
        "Client %(client)s was erased, removed as the duplicate of another referral, or is "
        "in another program; choose another flagged client."
    ),
    N_("Client %(client)s of intake record %(id)s was erased; only 'distinct' can resolve it now."),
    N_(
        "Client %(client)s has partnerships %(ids)s besides the referral's; move or close "
        "them first, since only the referral's partnership is moved."
    ),
    # people and programs
    N_("Unknown role %(role)s; use one of %(roles)s."),
    N_("One of %(choices)s."),
    N_("No program with key %(key)s; create it with `flask tpm programs create`."),
    N_("No program with this key."),
    N_("That user already manages program %(program)s."),
    N_("Already a manager of this program."),
    N_("That host user is already linked to %(role)s %(id)s of another program."),
    N_("A new %(role)s needs a display name (--name)."),
    N_("Required for a new supervisor or partner."),
    N_(
        "That is the last manager of program %(program)s; add another manager before "
        "removing this one."
    ),
    N_("Program %(program)s has no manager %(id)s."),
    N_("That user is already a %(role)s of program %(program)s."),
    N_("Already a %(role)s of this program."),
    N_("That user does not manage program %(program)s."),
    N_("That user is no active %(role)s of program %(program)s."),
    N_("A program needs at least one program manager."),
    N_("Name at least one host user id."),
    N_("You can only add people to programs you manage."),
    N_("That host user is already linked to %(role)s %(id)s of program %(program)s."),
    N_("Already linked to %(role)s %(id)s."),
    N_("A program runs on one of its own workflows with a published version."),
    N_("No published workflow '%(key)s' of program %(program)s."),
    N_("No program %(id)s that you manage."),
    N_("No program %(id)s."),
    # supervision and scheduling
    N_("No supervisor %(id)s that you can reach."),
    N_("A supervisor cannot cover their own absence; name another supervisor."),
    N_("Must be another supervisor."),
    N_("Supervisor %(id)s cannot cover: name an active supervisor of the same program."),
    N_("Must be an active supervisor of the same program."),
    N_("Supervisor %(id)s has no absence %(absence)s."),
    N_("Supervision session %(id)s is already logged (%(status)s)."),
    N_("No supervision session %(id)s that you can reach."),
    N_("Name the supervisor of the session."),
    N_("Required when you are not a supervisor yourself, or supervise in several programs."),
    N_("You can only record sessions of your own or of supervisors in programs you manage."),
    N_("No supervisor %(id)s that you manage."),
    N_("The supervisor is inactive."),
    N_("Supervisor %(id)s is inactive."),
    N_("The partner must be an active partner of the supervisor's program."),
    N_("No active partner %(id)s in the supervisor's program."),
    N_("A session discusses only partnerships of its partner that its supervisor supervises."),
    N_("Not partnerships of partner %(partner)s under supervisor %(supervisor)s: %(ids)s."),
    N_("No partner %(id)s that you supervise."),
    # transitions
    N_(
        "Partnership %(id)s changed stage while this request ran; it is now in '%(stage)s'. "
        "Reload it and choose again."
    ),
    N_("The reason is too long."),
    N_("Partnership %(id)s has ended ('%(stage)s'); it takes no transitions."),
    N_("Trigger '%(trigger)s' does not leave stage '%(stage)s' of partnership %(id)s."),
    N_("'%(trigger)s' needs a reason."),
    N_("A reason is required to %(action)s."),
    # workflows, drafts and migration
    N_("No workflow with the key '%(key)s' that you can reach."),
    N_(
        "Workflow '%(key)s' is a template; programs get their own copy of it. Change your "
        "program's workflow instead (its key is on the program)."
    ),
    N_("No workflow with the key '%(key)s'."),
    N_("A workflow belongs to a program you manage."),
    N_("No workflow template has the key '%(key)s'."),
    N_("No workflow template '%(key)s'; '%(shipped)s' is shipped."),
    N_("Workflow template '%(key)s' has no published version to copy."),
    N_("Template '%(key)s' has no published version yet."),
    N_("A workflow with the key '%(key)s' already exists."),
    N_("A workflow belongs to an existing program."),
    N_("The workflow definition is not valid; see the problem at each path."),
    N_("Workflow '%(key)s' has no draft %(id)s."),
    N_(
        "Another version of workflow '%(key)s' was published at the same moment; make a new "
        "draft from it."
    ),
    N_(
        "Draft %(id)s was made from version %(version)s, but version %(newest)s has been "
        "published since; make a new draft from it."
    ),
    N_("Workflow '%(key)s' has no published version to copy; send a whole definition."),
    N_("Send the draft's definition as the body."),
    N_("No partnerships %(ids)s in programs you manage."),
    N_("The partnerships cannot move to that version; nothing was migrated."),
    N_("Workflow '%(key)s' has no published version yet; publish a draft first."),
    N_("Workflow '%(key)s' has no published version to export."),
    # the workflow definition's checks (the stage editor's messages at each field)
    N_("Unknown field (did you mean '%(close)s'?); the fields here are %(fields)s."),
    N_("Unknown field; the fields here are %(fields)s."),
    N_("duplicate stage key '%(key)s' (already used by stages[%(index)s])"),
    N_("no stage has kind 'start'; mark exactly one stage as the start"),
    N_("more than one start stage (%(names)s); keep exactly one"),
    N_("no stage has kind 'terminal'; a partnership must be able to end"),
    N_("'%(trigger)s' is reserved; choose another trigger name"),
    N_("unknown stage '%(stage)s' (did you mean '%(close)s'?)"),
    N_("unknown stage '%(stage)s'"),
    N_("'%(stage)s' is a terminal stage; no transition may leave it"),
    N_("trigger '%(trigger)s' from stage '%(stage)s' is already defined by transitions[%(index)s]"),
    N_("unknown guard '%(guard)s' (did you mean '%(close)s'?); registered guards: %(guards)s"),
    N_("unknown guard '%(guard)s'; registered guards: %(guards)s"),
    N_("unknown role '%(role)s' (did you mean '%(close)s'?); roles are %(roles)s"),
    N_("unknown role '%(role)s'; roles are %(roles)s"),
    N_("stage '%(stage)s' cannot be reached from the start stage '%(start)s'"),
    N_("no path leads from stage '%(stage)s' to a terminal stage; add a transition"),
)


def known_message(message: str) -> bool:
    """Whether ``message`` is a sentence of one of the formats of :data:`MESSAGES` (or a
    string of the catalog)."""
    return message in _plain() or _match(message) is not None


def translate_message(message: str) -> str:
    """``message`` (an English sentence of the API) in the viewer's language: its format
    translated and its values put back. Left as it is in English, or when no format of
    :data:`MESSAGES` matches."""
    if not message or str(get_locale() or "en").startswith("en"):
        return message
    translated = gettext(message)
    if translated != message:
        return translated
    found = _match(message)
    if found is None:
        return message
    msgid, values = found
    return gettext(msgid, **values)


def translate_messages(messages: Any) -> Any:
    """:func:`translate_message` over a page's messages: a sentence, a list of them, or
    field messages (``{"field": [sentence, …]}``). Anything else is returned as it is."""
    if isinstance(messages, str):
        return translate_message(messages)
    if isinstance(messages, Mapping):
        return {key: translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate_messages(item) for item in messages]
    return messages


@lru_cache(maxsize=1)
def _plain() -> frozenset[str]:
    return frozenset(message for message in MESSAGES if "%(" not in message)


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    # The longest formats first: "unknown stage 'x' (did you mean 'y'?)" is that sentence,
    # not "unknown stage '…'" with a value that happens to hold the rest.
    formats = sorted(
        (message for message in MESSAGES if "%(" in message),
        key=lambda message: len(re.sub(r"%\(\w+\)s", "", message)),
        reverse=True,
    )
    return tuple((re.compile(_regex(message), re.DOTALL), message) for message in formats)


def _regex(message: str) -> str:
    pieces = re.split(r"%\((\w+)\)s", message)
    pattern = re.escape(pieces[0])
    for name, literal in zip(pieces[1::2], pieces[2::2], strict=True):
        pattern += f"(?P<{name}>.+?)" + re.escape(literal)
    return pattern


def _match(message: str) -> tuple[str, dict[str, str]] | None:
    for pattern, msgid in _patterns():
        found = pattern.fullmatch(message)
        if found is not None:
            return msgid, found.groupdict()
    return None
