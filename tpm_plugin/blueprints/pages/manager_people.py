"""People and roles of a program, for its managers: the managers, supervisors and partners;
adding a supervisor or partner from the host's users; deactivating and reactivating them,
and removing a manager, as the API does.

Every change goes through :mod:`tpm_plugin.services.people` and
:mod:`tpm_plugin.services.membership` (the services behind ``/programs``, ``/supervisors``
and ``/partners``). The host's user is found the way ``flask tpm people add`` finds one:
the host's :meth:`~tpm_plugin.TPM.user_finder` (an id, or an e-mail when the host
registers a finder for it).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, request
from werkzeug.wrappers import Response

from ...access import PROGRAM_MANAGER
from ...errors import Conflict, ValidationFailed
from ...i18n import gettext, lazy_gettext
from ...schemas.people import HelperCreateSchema, PeopleListQuerySchema
from ...services import membership, people
from .._request import load
from .._routes import RouteTable
from ._render import page_url, render_page
from .home import HOME_LINKS, HomeLink
from .manager_editor_access import require_manager

#: The kinds of helper this page adds, by the path segment naming them.
KINDS = {"supervisor": people.SUPERVISORS, "partner": people.PARTNERS}
_CREATE, _LIST = HelperCreateSchema(), PeopleListQuerySchema()
#: Form fields by the service's field name (the host user is typed as ``user``).
_FORM_FIELD = {"host_user_id": "user", "display_name": "display_name", "contact": "contact"}


def program_people() -> tuple[str, int]:
    """``GET /manager/people?program_id=<id>``: one program's people (default: the
    viewer's first program)."""
    return _page(_program_id(), {}, {})


def add_person(program_id: int) -> Response | tuple[str, int]:
    """``POST /manager/people/<program_id>``: add a supervisor or partner linked to a host
    user; each problem is shown beside its field (422; 409 when the user is taken)."""
    actor = require_manager()
    typed = {
        name: request.form.get(name, "").strip()
        for name in ("role", "display_name", "user", "contact")
    }
    errors: dict[str, list[str]] = {}
    kind = KINDS.get(typed["role"])
    if kind is None:
        errors["role"] = [gettext("Choose supervisor or partner.")]
    host_user_id = None
    if typed["user"]:
        host_user_id = current_app.extensions["tpm"].ext.find_user(typed["user"])
        if host_user_id is None:
            errors["user"] = [gettext("No user of this site has that id or e-mail.")]
    else:
        errors["user"] = [gettext("Enter the user's id or e-mail.")]
    data: dict[str, Any] = {"program_id": program_id, "display_name": typed["display_name"]}
    if typed["contact"]:
        data["contact"] = typed["contact"]
    if host_user_id is not None:
        data["host_user_id"] = host_user_id
    status = 422
    try:
        checked = load(_CREATE, data)
        if not errors and kind is not None:
            people.create_person(actor, kind, checked)
    except ValidationFailed as failed:
        _merge(errors, failed.fields)
    except Conflict as taken:
        _merge(errors, taken.fields or {"host_user_id": [taken.message]})
        status = 409
    if errors:
        return _page(program_id, errors, typed, status=status)
    return redirect(page_url("manager_people", program_id=program_id, added=1), 303)


def set_active(kind_name: str, person_id: int) -> Response:
    """``POST /manager/people/<kind>/<id>/active``: deactivate (``active=0``) or
    reactivate (``active=1``) a supervisor or partner, as ``PATCH …/<id>`` with
    ``active``."""
    actor = require_manager()
    kind = KINDS.get(kind_name)
    if kind is None:
        raise ValidationFailed(
            "Unknown kind of person.", fields={"kind": ["supervisor or partner"]}
        )
    person = people.update_person(
        actor, kind, person_id, {"active": request.form.get("active") == "1"}
    )
    return redirect(page_url("manager_people", program_id=person.program_id), 303)


def remove_manager(program_id: int, manager_id: int) -> Response:
    """``POST /manager/people/<program_id>/managers/<id>/remove``: remove a manager while
    another remains (409 page for the last one)."""
    membership.remove_program_manager(require_manager(), program_id, manager_id)
    return redirect(page_url("manager_people", program_id=program_id), 303)


def _merge(errors: dict[str, list[str]], fields: dict[str, list[str]]) -> None:
    for name, texts in fields.items():
        errors.setdefault(_FORM_FIELD.get(name, name), []).extend(texts)


def _program_id() -> int:
    managed = sorted(require_manager().managed_program_ids)
    asked = request.args.get("program_id", "")
    return int(asked) if asked.isdigit() and len(asked) < 10 else managed[0]


def _page(
    program_id: int,
    errors: dict[str, list[str]],
    typed: dict[str, str],
    *,
    status: int = 200,
) -> tuple[str, int]:
    actor = require_manager()
    managers = people.list_program_managers(actor, program_id)
    program = people.get_program(actor, program_id)
    programs = [people.get_program(actor, pid) for pid in sorted(actor.managed_program_ids)]
    listing = load(_LIST, {"program_id": program_id})
    return render_page(
        "tpm/pages/manager/people.html",
        status=status,
        program=program,
        programs=programs,
        managers=managers,
        supervisors=people.list_people(actor, people.SUPERVISORS, listing),
        partners=people.list_people(actor, people.PARTNERS, listing),
        errors=errors,
        typed=typed,
        added=request.args.get("added") == "1",
        me=actor.user_id,
    )


def register(routes: RouteTable) -> None:
    """Add the people pages to ``routes``."""
    routes.add_url_rule("/manager/people", "manager_people", program_people, methods=["GET"])
    routes.add_url_rule(
        "/manager/people/<int:program_id>", "manager_add_person", add_person, methods=["POST"]
    )
    routes.add_url_rule(
        "/manager/people/<kind_name>/<int:person_id>/active",
        "manager_set_active",
        set_active,
        methods=["POST"],
    )
    routes.add_url_rule(
        "/manager/people/<int:program_id>/managers/<int:manager_id>/remove",
        "manager_remove_manager",
        remove_manager,
        methods=["POST"],
    )
    HOME_LINKS.append(HomeLink(PROGRAM_MANAGER, "manager_people", lazy_gettext("People and roles")))
