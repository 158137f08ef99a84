"""GET /tpm/api/openapi.json: an OpenAPI 3 document generated from the registered routes."""

from __future__ import annotations

import re

import pytest
import schemathesis
from flask import Flask
from openapi_spec_validator import validate

from tpm_plugin.blueprints import openapi

from . import factories
from .hostapp import create_host_app
from .workflow_helpers import walk_to

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def document(client) -> dict:
    response = client.get("/tpm/api/openapi.json")
    assert response.status_code == 200
    return response.json


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_the_document_is_a_valid_openapi_3_document(document: dict) -> None:
    validate(document)
    assert document["openapi"].startswith("3.")


def test_every_registered_api_route_and_method_is_documented(app: Flask, document: dict) -> None:
    documented = {(path, method) for path, method, _ in _operations(document)}
    for route in app.extensions["tpm"].api_routes:
        path = "/tpm/api" + re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", route.rule)
        for method in route.methods:
            assert (path, method.lower()) in documented


def test_every_api_view_carries_its_operation_description(app: Flask) -> None:
    undescribed = [
        route.endpoint
        for route in app.extensions["tpm"].api_routes
        if not hasattr(route.view, "tpm_operation")
    ]
    assert undescribed == []


def test_every_error_response_refers_to_the_one_error_shape(document: dict) -> None:
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    for _, _, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}


def test_request_bodies_and_responses_come_from_the_marshmallow_schemas(document: dict) -> None:
    bodies = [
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        for _, _, operation in _operations(document)
        if "requestBody" in operation
    ]
    assert bodies
    for ref in bodies:
        name = ref.rsplit("/", 1)[-1]
        # unknown = RAISE in every input schema: no other properties accepted
        assert document["components"]["schemas"][name].get("additionalProperties") is False, name


def test_path_parameters_are_typed_and_bounded(document: dict) -> None:
    item = document["paths"]["/tpm/api/partnerships/{partnership_id}/fidelity"]
    (parameter,) = item["parameters"]
    assert parameter["in"] == "path" and parameter["required"] is True
    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def test_query_schemas_become_query_parameters(document: dict) -> None:
    operation = document["paths"]["/tpm/api/programs/{program_id}/fidelity"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    assert set(parameters) == {"weeks", "from", "to", "format"}
    assert parameters["format"]["schema"]["enum"] == ["json", "svg"]
    assert parameters["weeks"]["schema"]["minimum"] == 1
    assert parameters["weeks"]["schema"]["maximum"] == 52


def test_every_post_documents_the_idempotency_key_header(document: dict) -> None:
    posts = [operation for _, method, operation in _operations(document) if method == "post"]
    assert posts
    for operation in posts:
        headers = [p for p in operation["parameters"] if p["in"] == "header"]
        assert headers == [
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "description": "Makes a retry safe: a repeat returns the first answer.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            }
        ]
        assert {"409", "422"} <= set(operation["responses"])


def test_operations_are_tagged_and_named_after_their_endpoints(document: dict) -> None:
    operation_ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(operation_ids) == len(set(operation_ids))
    assert "program_fidelity" in operation_ids
    assert all(operation["tags"] for _, _, operation in _operations(document))


def test_the_document_is_built_once_per_app(app: Flask, client) -> None:
    client.get("/tpm/api/openapi.json")
    first = openapi._documents[app]
    client.get("/tpm/api/openapi.json")
    assert openapi._documents[app] is first


def test_paths_follow_a_configured_url_prefix(database_url: str) -> None:
    app = create_host_app(database_url, TPM_URL_PREFIX="/care")
    document = app.test_client().get("/care/api/openapi.json").json
    assert all(path.startswith("/care/api/") for path in document["paths"])


def _conforms(app: Flask, path: str, method: str, response) -> None:
    """Raise unless ``response`` matches what the document says ``method path`` answers."""
    schema = schemathesis.openapi.from_wsgi("/tpm/api/openapi.json", app)
    schema["/tpm/api" + path][method].validate_response(response)


def test_an_unknown_trigger_conflict_with_its_stage_and_triggers_matches_the_document(
    app: Flask, client
) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    response = client.post(
        f"/tpm/api/partnerships/{made.partnership.id}/transitions",
        json={"trigger": "activate"},
        headers=factories.as_user(made.manager_user),
    )
    assert response.status_code == 409
    assert {"stage", "available"} <= set(response.json["error"])
    _conforms(app, "/partnerships/{partnership_id}/transitions", "POST", response)


def test_a_guard_conflict_with_its_reasons_matches_the_document(app: Flask, client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    walk_to(made, "identification")
    response = client.post(
        f"/tpm/api/partnerships/{made.partnership.id}/transitions",
        json={"trigger": "begin_planning"},
        headers=factories.as_user(made.manager_user),
    )
    assert response.json["error"]["code"] == "guard_failed"
    _conforms(app, "/partnerships/{partnership_id}/transitions", "POST", response)


def test_a_meeting_logged_twice_conflict_with_its_status_matches_the_document(
    app: Flask, client
) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    headers = factories.as_user(made.partner_user)
    meeting = client.post(
        f"/tpm/api/partnerships/{made.partnership.id}/meetings",
        json={"scheduled_at": "2024-05-06T15:00:00+02:00"},
        headers=headers,
    ).json
    url = f"/tpm/api/meetings/{meeting['id']}/outcome"
    client.post(url, json={"status": "no_show"}, headers=headers)
    response = client.post(url, json={"status": "held", "minutes": 30}, headers=headers)
    assert response.status_code == 409
    assert response.json["error"]["superseded_by_id"] is None
    _conforms(app, "/meetings/{meeting_id}/outcome", "POST", response)
