"""Programs and the people in them: program managers, clients, partners, supervisors.

Who may do what:

* creating and changing anything here is for program managers, within the programs they
  manage; creating a *program* through the API requires already managing one (the first
  program of a center comes from :func:`create_program`, called by the host, the CLI or the
  demo with the first managers' user ids);
* a supervisor sees their own program, themselves, the partners they supervise and those
  partners' clients; a partner sees their own program, themselves, their supervisors and
  their clients.

Reads of clients (care records) are audited; every change is audited.

Modules: :mod:`.programs` (programs and their managers), :mod:`.persons` (clients, partners
and supervisors), :mod:`._shared` (who may manage, what an actor reaches, one page).
"""

from .persons import (
    CLIENTS,
    PARTNERS,
    SUPERVISORS,
    create_person,
    get_person,
    list_people,
    update_person,
)
from .programs import (
    add_program_manager,
    create_program,
    create_program_as,
    get_program,
    list_program_managers,
    list_programs,
    update_program,
)

__all__ = [
    "CLIENTS",
    "PARTNERS",
    "SUPERVISORS",
    "add_program_manager",
    "create_person",
    "create_program",
    "create_program_as",
    "get_person",
    "get_program",
    "list_people",
    "list_program_managers",
    "list_programs",
    "update_person",
    "update_program",
]
