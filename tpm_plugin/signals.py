"""Blinker signals the plugin sends, always *after* the transaction commits.

Connect to them from the host app, for example::

    from tpm_plugin.signals import partnership_transitioned

    @partnership_transitioned.connect
    def notify(app, partnership_id, from_stage, to_stage, **extra): ...

The sender is the app. Receivers get ids and stage keys only, never names or notes.
"""

from blinker import Namespace

_signals = Namespace()

#: A partnership changed stage (``partnership_id``, ``from_stage``, ``to_stage``, ``trigger``,
#: ``actor_id``, ``workflow_key``, ``workflow_version``).
partnership_transitioned = _signals.signal("partnership-transitioned")

#: A partnership was opened (``partnership_id``, ``program_id``, ``stage``).
partnership_created = _signals.signal("partnership-created")

#: A workflow version was published (``workflow_key``, ``version``).
workflow_published = _signals.signal("workflow-published")

#: A program-local week ended below its meetings target and was put on the supervisor's list
#: of misses (``partnership_id``, ``supervisor_id``, ``program_id``, ``week_starts_on``).
week_missed = _signals.signal("week-missed")

#: A form's referral opened a client and a partnership (``source_id``, ``intake_record_id``,
#: ``client_id``, ``partnership_id``, ``program_id``).
intake_received = _signals.signal("intake-received")

#: A program manager resolved an intake record's possible duplicates (``intake_record_id``,
#: ``decision`` (``distinct`` or ``same``), ``client_id``, ``partnership_id``,
#: ``replaced_client_id`` (the client removed for ``same``, else ``None``), ``program_id``).
possible_duplicate_resolved = _signals.signal("possible-duplicate-resolved")
