"""The demo's intake sources: one per kind of form service, each with a demo-only secret
printed by ``make demo`` so the README's ``curl`` can sign a referral in the shell.

Real centers let the plugin make the secrets (or paste the one the form service shows) and
keep them out of source code.
"""

from __future__ import annotations

from tpm_plugin.access import Actor
from tpm_plugin.models import Program
from tpm_plugin.services.intake import sources

#: key -> (kind, demo secret, mapping). Demo only: these secrets are public.
DEMO_SOURCES: dict[str, tuple[str, str, dict[str, str]]] = {
    "referrals": (
        "standard_webhooks",
        "whsec_ZGVtby1vbmx5LXN0YW5kYXJkLXdlYmhvb2tzLXNlY3JldA==",
        {
            "first_name": "client.first_name",
            "last_name": "client.last_name",
            "date_of_birth": "client.date_of_birth",
            "guardian_contact": "guardian.phone",
            "referral_reason": "reason",
            "consent_guardian": "consent.guardian",
        },
    ),
    "google-form": (
        "google_forms",
        "whsec_ZGVtby1vbmx5LWdvb2dsZS1mb3Jtcy1zZWNyZXQ=",
        {"display_name": "answers.1001", "date_of_birth": "answers.1002"},
    ),
    "typeform": (
        "typeform",
        "demo-only-typeform-secret",
        {"display_name": "client_name", "date_of_birth": "client_dob"},
    ),
    "tally": (
        "tally",
        "demo-only-tally-secret",
        {"first_name": "question_first", "last_name": "question_last"},
    ),
    "formstack": (
        "formstack",
        "demo-only-formstack-secret",
        {"display_name": "111", "date_of_birth": "112"},
    ),
    "jotform": (
        "jotform",
        "demo-only-jotform-token",
        {"display_name": "q3_name", "date_of_birth": "q4_dateOf"},
    ),
    "cognito": (
        "cognito",
        "demo-only-cognito-token",
        {"first_name": "Name.First", "last_name": "Name.Last"},
    ),
}


def seed_intake(manager: Actor, program: Program) -> None:
    """Create the demo's intake sources for ``program``, through the plugin's services."""
    for key, (kind, secret, mapping) in DEMO_SOURCES.items():
        sources.create_source(
            manager,
            {
                "key": key,
                "kind": kind,
                "program_id": program.id,
                "mapping": mapping,
                "secret": secret,
            },
        )
