"""The API route table: compiled on first request, dispatching with 404/405 in the error shape."""

from flask import Flask, url_for

from tpm_plugin import api_url
from tpm_plugin.blueprints._routes import RouteTable


def test_a_route_table_is_compiled_on_first_dispatch_not_at_registration() -> None:
    routes = RouteTable()
    routes.add_url_rule("/things/<int:thing_id>", "thing", lambda thing_id: thing_id)
    assert routes._adapter is None
    assert routes.path_for("thing", thing_id=7) == "things/7"
    assert routes._adapter is not None


def test_every_app_shares_the_one_route_table(app: Flask, database_url: str) -> None:
    from .hostapp import create_host_app

    other = create_host_app(database_url)
    assert other.extensions["tpm"].api_routes is app.extensions["tpm"].api_routes


def test_api_url_builds_plugin_urls_under_the_configured_prefix(app: Flask) -> None:
    with app.test_request_context():
        assert api_url("health") == "/tpm/api/health"


def test_the_bare_api_prefix_builds_and_answers_in_the_error_shape(app: Flask, client) -> None:
    # Its URL builder is compiled on first use (mounting stays cheap); building still works.
    with app.test_request_context():
        assert url_for("tpm_api.dispatch", path="") == "/tpm/api/"
        assert url_for("tpm_api.dispatch", path="a b/c") == "/tpm/api/a%20b/c"
    for bare in ("/tpm/api", "/tpm/api/"):
        response = client.get(bare, headers={"X-Test-User": "1"})
        assert response.status_code == 404, bare
        assert response.json["error"]["code"] == "not_found"


def test_a_path_only_starting_like_the_api_prefix_is_not_the_apis(client) -> None:
    # ``/tpm/apix`` is below the pages' prefix, not the API's: an HTML page, not JSON.
    response = client.get("/tpm/apix", headers={"X-Test-User": "1"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_the_plugin_adds_one_url_rule_per_blueprint(app: Flask) -> None:
    # Each rule costs every host's start-up its compilation: the API, the pages (their
    # static files included) and the intake webhook are one rule each, bare prefixes too.
    names = {
        app.config[key]
        for key in (
            "TPM_API_BLUEPRINT_NAME",
            "TPM_PAGES_BLUEPRINT_NAME",
            "TPM_WEBHOOKS_BLUEPRINT_NAME",
        )
    }
    plugin_rules = sorted(
        rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] in names
    )
    assert plugin_rules == [
        "/tpm/api<tpm_rest:path>",
        "/tpm/webhooks/intake/<source_key>",
        "/tpm<tpm_rest:path>",
    ]
    bare = Flask("no_plugin")
    assert len(list(app.url_map.iter_rules())) - len(list(bare.url_map.iter_rules())) == 3


def test_wrong_method_on_an_api_route_is_405_with_allowed_methods(client) -> None:
    response = client.delete("/tpm/api/health")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_an_id_too_large_for_the_database_is_404_not_a_server_error(client) -> None:
    response = client.get("/tpm/api/partnerships/99999999999", headers={"X-Test-User": "1"})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_options_lists_the_methods_of_an_api_path(client) -> None:
    response = client.options("/tpm/api/partnerships")
    assert response.status_code == 200
    assert {"GET", "POST"} <= set(response.headers["Allow"].split(", "))


def test_options_on_an_unknown_api_path_is_404_in_the_error_shape(client) -> None:
    response = client.options("/tpm/api/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_the_plugins_rules_build_urls_with_extra_values_as_a_query(app: Flask) -> None:
    # The rules' URL builders are compiled on first use, each one once; extra values still
    # go to the query string, as with Werkzeug's own builders.
    with app.test_request_context():
        url = url_for("tpm_webhooks.receive_intake", source_key="forms", check="1")
        assert url == "/tpm/webhooks/intake/forms?check=1"
        assert url_for("tpm_webhooks.receive_intake", source_key="other") == (
            "/tpm/webhooks/intake/other"
        )
        assert url_for("tpm_api.dispatch", path="health", page="2") == "/tpm/api/health?page=2"
