"""The plugin's ``TPM_*`` configuration: one dict of defaults and a strict getter.

Every key the plugin reads is listed in :data:`DEFAULTS` with its documented default.
``init_app`` applies them with ``setdefault`` (the host's values win) and rejects any
``TPM_`` key it does not know, naming the closest known key, so a typo is an error at
start-up rather than a silently ignored setting.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

#: Every configuration key the plugin reads, with its default. The README's table is
#: generated from the same names; ``tests/test_config.py`` keeps the two in step.
DEFAULTS: dict[str, Any] = {
    # URL prefix of everything the plugin serves; the JSON API lives under "<prefix>/api".
    "TPM_URL_PREFIX": "/tpm",
    # Blueprint names, so a host with a blueprint already called "tpm_api" can rename ours.
    "TPM_API_BLUEPRINT_NAME": "tpm_api",
    # Redis for rq. None runs jobs in-process on an embedded in-memory Redis (fakeredis).
    "TPM_REDIS_URL": None,
    # rq queue that reminders and scheduling jobs go to.
    "TPM_QUEUE_NAME": "tpm",
    # Timezone of programs created without one (IANA name).
    "TPM_DEFAULT_TIMEZONE": "UTC",
    # The model's cadences, used when a program does not override them.
    "TPM_DEFAULT_MEETINGS_PER_WEEK": 3,
    "TPM_DEFAULT_SUPERVISION_MINUTES_PER_CLIENT": 20,
    # Largest page a list endpoint returns, and the page size when none is asked for.
    "TPM_MAX_PAGE_SIZE": 100,
    "TPM_DEFAULT_PAGE_SIZE": 25,
    # Largest request body the JSON API and webhooks accept, in bytes.
    "TPM_MAX_BODY_BYTES": 256 * 1024,
    # Key of the workflow new programs use; the plugin ships "therapeutic_partnership".
    "TPM_DEFAULT_WORKFLOW": "therapeutic_partnership",
    # How far ahead of the server's clock a meeting may be logged as held or a no-show
    # (a phone whose clock runs a little fast), in seconds.
    "TPM_MEETING_CLOCK_SKEW_SECONDS": 300,
    # The longest meeting that can be logged as held, in minutes.
    "TPM_MAX_MEETING_MINUTES": 240,
    # How notifications go out: "log" (a log line, the demo's default), "smtp" (e-mail through
    # the host's MAIL_* settings) or "webhook" (a signed POST to TPM_NOTIFIER_WEBHOOK_URL).
    "TPM_NOTIFIER": "log",
    # The outbound notification webhook: its URL, its Standard Webhooks secret ("whsec_...")
    # and how long to wait for the receiver, in seconds.
    "TPM_NOTIFIER_WEBHOOK_URL": None,
    "TPM_NOTIFIER_WEBHOOK_SECRET": None,
    "TPM_NOTIFIER_WEBHOOK_TIMEOUT": 10,
    # What messages may call their recipient: "first" (the first name, at most) or "none".
    "TPM_MESSAGE_NAMES": "first",
    # A notification claimed by a job that then vanished is taken over after this many seconds.
    "TPM_NOTIFICATION_CLAIM_SECONDS": 300,
    # How often the scheduler relays the outbox to rq, and how many rows one relay takes.
    "TPM_RELAY_INTERVAL_SECONDS": 5,
    "TPM_RELAY_BATCH_SIZE": 500,
    # Seconds between the retries of a failed job (one retry per entry); then rq's failed
    # registry, where `flask tpm jobs requeue` picks it up.
    "TPM_JOB_RETRY_INTERVALS": [10, 60, 300],
    # On PostgreSQL, a GET's transaction (which writes only its access-audit row) commits
    # without waiting for the WAL flush; a database crash may lose the last fraction of a
    # second of read-audit rows. False: every audit row is durable when the answer leaves.
    "TPM_AUDIT_ASYNC_COMMIT": True,
    # Meeting reminders go this many minutes before each meeting, on the program's wall
    # clock (1440: the same time the day before).
    "TPM_REMINDER_LEAD_MINUTES": [1440, 60],
    # How long a planned meeting lasts, and how long after its end an unlogged meeting
    # nudges its partner (once).
    "TPM_MEETING_MINUTES": 60,
    "TPM_LOG_NUDGE_AFTER_MINUTES": 120,
    # How often the sweep rebuilds what is due (reminders, log nudges, reviews due, misses),
    # how far ahead it books jobs, and how many partnerships one of its batches reads.
    "TPM_SWEEP_INTERVAL_SECONDS": 300,
    "TPM_SWEEP_HORIZON_HOURS": 24,
    "TPM_SWEEP_BATCH_SIZE": 5000,
    # How often each program's week of supervision blocks is looked at, and placed again
    # when something it reads changed.
    "TPM_PLACEMENT_INTERVAL_SECONDS": 300,
    # Minutes before a supervision block that its partner and supervisor are reminded.
    "TPM_BLOCK_REMINDER_LEAD_MINUTES": [1440, 60],
    # How often the coming week's meetings are planned from the preferred weekly times.
    "TPM_PLANNING_INTERVAL_SECONDS": 3600,
    # The rhythm's clock: None for the system clock, or a callable returning an aware UTC
    # datetime (a simulated week, a test).
    "TPM_CLOCK": None,
    # Name of the intake webhooks blueprint (served at "<prefix>/webhooks").
    "TPM_WEBHOOKS_BLUEPRINT_NAME": "tpm_webhooks",
    # Largest intake webhook body, in bytes (JotForm's multipart bodies are the largest).
    "TPM_INTAKE_MAX_BODY_BYTES": 1024 * 1024,
    # Deliveries each intake source may make, in the limits library's notation; counted in
    # TPM_REDIS_URL's Redis, or in memory when there is none.
    "TPM_INTAKE_RATE_LIMIT": "120 per minute",
    # Dead letters older than this many days are removed by `flask tpm intake purge`.
    "TPM_INTAKE_DEAD_LETTER_DAYS": 30,
    # The HTML pages for partners, supervisors and managers: whether to serve them, their
    # blueprint's name, their prefix (None: TPM_URL_PREFIX) and the host layout they extend
    # (a template with `title` and `content` blocks).
    "TPM_PAGES_ENABLED": True,
    "TPM_PAGES_BLUEPRINT_NAME": "tpm_pages",
    "TPM_PAGES_URL_PREFIX": None,
    "TPM_BASE_TEMPLATE": "tpm/pages/plain_base.html",
}


class ConfigError(RuntimeError):
    """Raised at ``init_app`` when the host's ``TPM_*`` configuration is wrong."""


def apply_defaults(config: dict[str, Any]) -> None:
    """Fill in every missing ``TPM_*`` key of a Flask config with its default.

    Raises:
        ConfigError: a ``TPM_`` key the plugin does not know (a typo, usually).
    """
    for key in config:
        if key.startswith("TPM_") and key not in DEFAULTS:
            raise ConfigError(_unknown_key_message(key))
    for key, value in DEFAULTS.items():
        config.setdefault(key, value)
    if config["TPM_MESSAGE_NAMES"] not in ("first", "none"):
        raise ConfigError(
            f"TPM_MESSAGE_NAMES must be 'first' or 'none' (got {config['TPM_MESSAGE_NAMES']!r})."
        )
    prefix = config["TPM_URL_PREFIX"]
    if not isinstance(prefix, str) or not prefix.startswith("/") or prefix.endswith("/"):
        raise ConfigError(
            f"TPM_URL_PREFIX must start with '/' and not end with one (got {prefix!r}); "
            "use for example '/tpm' or '/care/tpm'."
        )


def get(config: Mapping[str, Any], key: str) -> Any:
    """Read one plugin setting; a key the plugin does not define is a programming error.

    Raises:
        KeyError: the key is not one of :data:`DEFAULTS`, with the closest known key named.
    """
    if key not in DEFAULTS:
        raise KeyError(_unknown_key_message(key))
    return config.get(key, DEFAULTS[key])


def _unknown_key_message(key: str) -> str:
    close = difflib.get_close_matches(key, DEFAULTS, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]}?" if close else ""
    return f"Unknown tpm_plugin setting {key}.{hint} Known settings: {', '.join(sorted(DEFAULTS))}."
