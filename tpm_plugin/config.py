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
    # Name of the intake webhooks blueprint (served at "<prefix>/webhooks").
    "TPM_WEBHOOKS_BLUEPRINT_NAME": "tpm_webhooks",
    # Largest intake webhook body, in bytes (JotForm's multipart bodies are the largest).
    "TPM_INTAKE_MAX_BODY_BYTES": 1024 * 1024,
    # Deliveries each intake source may make, in the limits library's notation; counted in
    # TPM_REDIS_URL's Redis, or in memory when there is none.
    "TPM_INTAKE_RATE_LIMIT": "120 per minute",
    # Dead letters older than this many days are removed by `flask tpm intake purge`.
    "TPM_INTAKE_DEAD_LETTER_DAYS": 30,
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
