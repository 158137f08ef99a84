"""Who is acting, and in which roles.

The host tells the plugin who is logged in; the plugin works out that person's roles from
its own tables (a host user id linked to a program manager, supervisor or partner row).
Both steps can be replaced by the host::

    @tpm.actor_loader
    def current_host_user_id() -> str | None:
        return session.get("uid")

    @tpm.roles_loader
    def roles_for(user_id: str) -> Actor:
        ...

By default the actor is Flask-Login's ``current_user``. A host whose own users carry an
administrator role, permission bit or flag maps it in a few lines::

    @tpm.admin_loader
    def is_center_admin(user_id: str) -> bool:
        user = db.session.get(User, int(user_id))
        return user is not None and user.has_role("Administrator")

and its administrators then manage every program (and may create the first one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from flask import current_app, has_request_context, request
from sqlalchemy import CompoundSelect, bindparam, literal, select, union_all

PROGRAM_MANAGER = "program_manager"
SUPERVISOR = "supervisor"
PARTNER = "partner"
ROLES = (PROGRAM_MANAGER, SUPERVISOR, PARTNER)
#: Held by a host administrator (see :meth:`tpm_plugin.TPM.admin_loader`).
CENTER_ADMIN = "center_admin"

ActorLoader = Callable[[], "str | None"]
RolesLoader = Callable[[str], "Actor"]
AdminLoader = Callable[[str], bool]
UserFinder = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Actor:
    """The person acting, resolved to the plugin's roles.

    Attributes:
        user_id: the host's user id, as a string.
        managed_program_ids: programs this person manages (program manager role).
        supervisor_id: their ``tpm_supervisors`` row, if they supervise.
        partner_id: their ``tpm_partners`` row, if they are a partner.
        is_admin: a center administrator of the host, who manages every program and may
            create programs.
    """

    user_id: str
    managed_program_ids: frozenset[int] = field(default_factory=frozenset)
    supervisor_id: int | None = None
    partner_id: int | None = None
    is_admin: bool = False

    @property
    def roles(self) -> frozenset[str]:
        """Every role this actor holds."""
        held = set()
        if self.managed_program_ids:
            held.add(PROGRAM_MANAGER)
        if self.supervisor_id is not None:
            held.add(SUPERVISOR)
        if self.partner_id is not None:
            held.add(PARTNER)
        if self.is_admin:
            held.add(CENTER_ADMIN)
        return frozenset(held)

    @property
    def primary_role(self) -> str | None:
        """The most senior role held, recorded in audit rows."""
        return next((role for role in (*ROLES, CENTER_ADMIN) if role in self.roles), None)

    def has_role(self, role: str) -> bool:
        """Whether the actor holds ``role``."""
        return role in self.roles


def flask_login_actor() -> str | None:
    """The default actor loader: Flask-Login's ``current_user``, when logged in."""
    try:
        from flask_login import current_user
    except ImportError:  # the host does not use Flask-Login; it must register a loader
        return None
    if current_user is None or not current_user.is_authenticated:
        return None
    return str(current_user.get_id())


def flask_login_user_finder(identifier: str) -> str | None:
    """The default user finder of ``flask tpm`` commands: Flask-Login's ``user_loader``
    called with ``identifier`` as an id; ``None`` when it finds nobody (or has no loader)."""
    login_manager = getattr(current_app, "login_manager", None)
    load_user = getattr(login_manager, "_user_callback", None)
    if load_user is None:
        return None
    try:
        user = load_user(identifier)
    except (ValueError, TypeError, LookupError):  # e.g. int("ann@example.org") in the loader
        return None
    return None if user is None else str(user.get_id())


@cache
def _roles_query() -> CompoundSelect:
    # Built once: this runs on every API request, and building the statement costs more
    # than running it.
    from .models import Partner, ProgramManager, Supervisor

    user_id = bindparam("user_id")
    return union_all(
        select(literal(PROGRAM_MANAGER), ProgramManager.program_id).where(
            ProgramManager.host_user_id == user_id
        ),
        select(literal(SUPERVISOR), Supervisor.id).where(
            Supervisor.host_user_id == user_id, Supervisor.active
        ),
        select(literal(PARTNER), Partner.id).where(Partner.host_user_id == user_id, Partner.active),
    )


def roles_from_tpm_tables(user_id: str) -> Actor:
    """The default roles loader: look the host user up in the plugin's people tables.

    One round trip (it runs on every API request): the managed programs, the supervisor
    row and the partner row come back as the rows of one UNION. A center administrator (see
    :meth:`tpm_plugin.TPM.admin_loader`) manages every program.
    """
    state = current_app.extensions["tpm"]
    session = state.db.session
    ids: dict[str, list[int]] = {role: [] for role in ROLES}
    # Core on the session's connection: the ORM's execution pipeline adds nothing here.
    rows = session.connection().execute(_roles_query(), {"user_id": user_id})
    for role, object_id in rows:
        ids[role].append(object_id)
    admin_loader = state.ext._admin_loader
    is_admin = admin_loader is not None and bool(admin_loader(user_id))
    if is_admin:
        from .models import Program

        ids[PROGRAM_MANAGER] = list(session.connection().scalars(select(Program.id)))
    return Actor(
        user_id=user_id,
        managed_program_ids=frozenset(ids[PROGRAM_MANAGER]),
        supervisor_id=next(iter(ids[SUPERVISOR]), None),
        partner_id=next(iter(ids[PARTNER]), None),
        is_admin=is_admin,
    )


def current_actor() -> Actor | None:
    """The actor of the current request (cached for the request), or ``None``."""
    # Cached on the request, not on ``g``: ``g`` lives on the app context, and a request
    # reuses an app context its caller already pushed (tests, scripts), so ``g`` would
    # carry one request's actor into the next.
    cache = request.environ if has_request_context() else {}
    if _ACTOR_KEY not in cache:
        state = current_app.extensions["tpm"]
        user_id = state.ext._actor_loader()
        cache[_ACTOR_KEY] = None if user_id is None else state.ext._roles_loader(str(user_id))
    return cache[_ACTOR_KEY]


_ACTOR_KEY = "tpm_plugin.actor"
