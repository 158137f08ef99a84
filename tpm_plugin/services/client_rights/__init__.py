"""A client's data rights: export everything held about them, and erase what identifies them.

Both are for the program managers of the client's program only. Anyone else who can see
one of the client's partnerships (their supervisor or partner) is refused with 403; anyone
who cannot is answered 404, so a client's existence does not leak. Both are audited.

**Export** returns every row about the client: the client row, their partnerships, every
identification entry (superseded ones included), plans with their activities, meetings,
reviews with their ratings, the supervision sessions that discussed their partnerships, and
the transition and version-migration history. A fixed number of statements, whatever the
number of partnerships.

**Erase** clears the identifying fields of the client row (name, date of birth, guardian,
contact, host user link, preferred language), replaces every free-text care note that
could identify them with :data:`ERASED` (transition reasons too), and ends their open
partnerships, which then take no new care records. Rows stay, so counts, fidelity figures
and the audit trails keep their meaning. What an erasure does is the list
:data:`ERASURE_STEPS`: a feature that stores strings about clients appends its step there. Erasing an erased client again changes nothing and answers
the same result with the first ``erased_at`` (it is idempotent, not an error).

Modules: :mod:`.export`, :mod:`.erasure`, and :mod:`._reach` (who may reach a client's
data for either).
"""

from .erasure import (
    ERASE,
    ERASED,
    ERASURE_STEPS,
    IDENTIFYING_CLIENT_FIELDS,
    Erasure,
    ErasureStep,
    erase_client,
)
from .export import EXPORT, ClientExport, export_client

__all__ = [
    "ERASE",
    "ERASED",
    "ERASURE_STEPS",
    "EXPORT",
    "IDENTIFYING_CLIENT_FIELDS",
    "ClientExport",
    "Erasure",
    "ErasureStep",
    "erase_client",
    "export_client",
]
