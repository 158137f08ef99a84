"""``/programs``, ``/clients``, ``/partners``, ``/supervisors``: programs and their people.

Views stay thin: read the request with a schema, call a service, dump the result. Also home
of the small helpers the other record route modules use to do the same.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Response, jsonify, request
from marshmallow import Schema

from ..access import current_actor
from ..schemas.common import MAX_INT, page_of
from ..schemas.people import (
    ClientCreateSchema,
    ClientSchema,
    ClientUpdateSchema,
    HelperCreateSchema,
    HelperUpdateSchema,
    PartnerSchema,
    PeopleListQuerySchema,
    ProgramCreateSchema,
    ProgramListQuerySchema,
    ProgramManagerCreateSchema,
    ProgramManagerSchema,
    ProgramSchema,
    ProgramUpdateSchema,
    SupervisorSchema,
)
from ..services import membership, people
from ._openapi import operation
from ._request import load
from ._routes import RouteTable


@cache
def _instance(schema: type[Schema]) -> Schema:
    # Building a schema copies its fields (and nested schemas); loading and dumping with
    # one keep no state, so each schema is built once per process.
    return schema()


def body(schema: type[Schema]) -> dict[str, Any]:
    """The JSON body validated by ``schema`` (415/413/400/422 otherwise)."""
    return load(_instance(schema))


def query(schema: type[Schema]) -> dict[str, Any]:
    """The query string validated by ``schema`` (422 naming the parameter otherwise)."""
    return load(_instance(schema), request.args.to_dict())


def answer(schema: type[Schema], result: Any, status: int = 200) -> Response:
    """``result`` dumped with ``schema`` as the JSON response."""
    response = jsonify(_instance(schema).dump(result))
    response.status_code = status
    return response


def answer_page(item_schema: type[Schema], page: Any) -> Response:
    """A :class:`~tpm_plugin.services._reading.Page` in the list envelope."""
    return answer(page_of(item_schema), page)


# --- programs -------------------------------------------------------------------------


@operation(
    tags=["programs"],
    query=ProgramListQuerySchema,
    response=page_of(ProgramSchema),
    errors=(401, 403, 422),
)
def list_programs() -> Response:
    """List the programs you work in."""
    page = people.list_programs(current_actor(), query(ProgramListQuerySchema))
    return answer_page(ProgramSchema, page)


@operation(
    tags=["programs"],
    body=ProgramCreateSchema,
    response=ProgramSchema,
    status=201,
    errors=(400, 401, 403, 409, 415, 422),
)
def create_program() -> Response:
    """Create a program (you must already manage one); you become one of its managers."""
    program = people.create_program_as(current_actor(), body(ProgramCreateSchema))
    return answer(ProgramSchema, program, 201)


@operation(tags=["programs"], response=ProgramSchema, errors=(401, 403, 404))
def get_program(program_id: int) -> Response:
    """Read a program you work in."""
    return answer(ProgramSchema, people.get_program(current_actor(), program_id))


@operation(
    tags=["programs"],
    body=ProgramUpdateSchema,
    response=ProgramSchema,
    errors=(400, 401, 403, 404, 415, 422),
)
def update_program(program_id: int) -> Response:
    """Change a program you manage."""
    changes = body(ProgramUpdateSchema)
    return answer(ProgramSchema, people.update_program(current_actor(), program_id, changes))


@operation(tags=["programs"], response=ProgramManagerSchema, many=True, errors=(401, 403, 404))
def list_program_managers(program_id: int) -> Response:
    """List the managers of a program you manage."""
    managers = people.list_program_managers(current_actor(), program_id)
    return jsonify(ProgramManagerSchema(many=True).dump(managers))


@operation(
    tags=["programs"],
    body=ProgramManagerCreateSchema,
    response=ProgramManagerSchema,
    status=201,
    errors=(400, 401, 403, 404, 409, 415, 422),
)
def add_program_manager(program_id: int) -> Response:
    """Make a host user a manager of a program you manage."""
    data = body(ProgramManagerCreateSchema)
    manager = people.add_program_manager(current_actor(), program_id, data["host_user_id"])
    return answer(ProgramManagerSchema, manager, 201)


@operation(tags=["programs"], status=204, errors=(401, 404, 409))
def remove_program_manager(program_id: int, manager_id: int) -> Response:
    """Remove a manager of a program you manage (a program keeps at least one)."""
    membership.remove_program_manager(current_actor(), program_id, manager_id)
    return Response(status=204)


# --- clients, partners, supervisors -------------------------------------------------


def _person_views(kind: Any, schema: type[Schema], create: type[Schema], update: type[Schema]):
    """The list, create, read and update views of one kind of person."""
    tag, noun = kind.object_type + "s", kind.object_type

    def list_view() -> Response:
        page = people.list_people(current_actor(), kind, query(PeopleListQuerySchema))
        return answer_page(schema, page)

    def create_view() -> Response:
        person = people.create_person(current_actor(), kind, body(create))
        return answer(schema, person, 201)

    def get_view(person_id: int) -> Response:
        return answer(schema, people.get_person(current_actor(), kind, person_id))

    def update_view(person_id: int) -> Response:
        changes = body(update)
        return answer(schema, people.update_person(current_actor(), kind, person_id, changes))

    list_view.__doc__ = f"List the {noun}s you may see."
    create_view.__doc__ = f"Add a {noun} to a program you manage."
    get_view.__doc__ = f"Read one {noun} you may see."
    update_view.__doc__ = f"Change a {noun} in a program you manage."
    write_errors = (400, 401, 403, 404, 409, 415, 422)
    return (
        operation(
            tags=[tag],
            query=PeopleListQuerySchema,
            response=page_of(schema),
            errors=(401, 403, 422),
        )(list_view),
        operation(tags=[tag], body=create, response=schema, status=201, errors=write_errors)(
            create_view
        ),
        operation(tags=[tag], response=schema, errors=(401, 403, 404))(get_view),
        operation(tags=[tag], body=update, response=schema, errors=write_errors)(update_view),
    )


def register(bp: RouteTable) -> None:
    """Add the program and people routes to the API blueprint."""
    bp.add_url_rule("/programs", "list_programs", list_programs, methods=["GET"])
    bp.add_url_rule("/programs", "create_program", create_program, methods=["POST"])
    bp.add_url_rule(
        f"/programs/<int(max={MAX_INT}):program_id>", "get_program", get_program, methods=["GET"]
    )
    bp.add_url_rule(
        f"/programs/<int(max={MAX_INT}):program_id>",
        "update_program",
        update_program,
        methods=["PATCH"],
    )
    bp.add_url_rule(
        f"/programs/<int(max={MAX_INT}):program_id>/managers",
        "list_program_managers",
        list_program_managers,
        methods=["GET"],
    )
    bp.add_url_rule(
        f"/programs/<int(max={MAX_INT}):program_id>/managers",
        "add_program_manager",
        add_program_manager,
        methods=["POST"],
    )
    bp.add_url_rule(
        f"/programs/<int(max={MAX_INT}):program_id>/managers/<int(max={MAX_INT}):manager_id>",
        "remove_program_manager",
        remove_program_manager,
        methods=["DELETE"],
    )
    kinds = (
        ("clients", people.CLIENTS, ClientSchema, ClientCreateSchema, ClientUpdateSchema),
        ("partners", people.PARTNERS, PartnerSchema, HelperCreateSchema, HelperUpdateSchema),
        (
            "supervisors",
            people.SUPERVISORS,
            SupervisorSchema,
            HelperCreateSchema,
            HelperUpdateSchema,
        ),
    )
    for path, kind, schema, create, update in kinds:
        list_view, create_view, get_view, update_view = _person_views(kind, schema, create, update)
        singular = kind.object_type
        bp.add_url_rule(f"/{path}", f"list_{path}", list_view, methods=["GET"])
        bp.add_url_rule(f"/{path}", f"create_{singular}", create_view, methods=["POST"])
        bp.add_url_rule(
            f"/{path}/<int(max={MAX_INT}):person_id>", f"get_{singular}", get_view, methods=["GET"]
        )
        bp.add_url_rule(
            f"/{path}/<int(max={MAX_INT}):person_id>",
            f"update_{singular}",
            update_view,
            methods=["PATCH"],
        )
