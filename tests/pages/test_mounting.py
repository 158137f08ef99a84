"""The pages mount under the plugin's prefix, in the host's layout, behind its login, with
CSRF on every form and HTML error pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask import Flask

from tests import factories
from tests.hostapp import create_host_app


def test_home_lists_nothing_for_a_user_without_roles_and_says_so(app: Flask, client) -> None:
    page = client.get("/tpm/", headers=factories.as_user(factories.new_user_id()))
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert "no role in any partnership program" in page.get_data(as_text=True)


def test_an_anonymous_visitor_gets_a_401_page_when_the_host_has_no_login_view(
    app: Flask, client
) -> None:
    page = client.get("/tpm/")
    assert page.status_code == 401
    assert page.mimetype == "text/html"


def test_an_anonymous_visitor_goes_to_the_hosts_login_with_next(app: Flask, client) -> None:
    app.login_manager.login_view = "login"
    app.add_url_rule("/login", "login", lambda: "login")
    page = client.get("/tpm/?tab=1")
    assert page.status_code == 302
    location = urlsplit(page.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": ["/tpm/?tab=1"]}


def test_an_unknown_page_is_an_html_404(app: Flask, client) -> None:
    page = client.get("/tpm/no-such-page", headers=factories.as_user(factories.new_user_id()))
    assert page.status_code == 404
    assert page.mimetype == "text/html"


def test_the_api_and_the_stylesheet_are_not_shadowed_by_the_pages(app: Flask, client) -> None:
    assert client.get("/tpm/api/health").mimetype == "application/json"
    css = client.get("/tpm/static/tpm.css")
    assert css.status_code == 200 and ".tpm" in css.get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused(app: Flask, client) -> None:
    page = client.post("/tpm/", headers=factories.as_user(factories.new_user_id()))
    assert page.status_code == 400
    assert "expired" in page.get_data(as_text=True)


def test_pages_can_be_turned_off(database_url: str, queue_name: str) -> None:
    app = create_host_app(database_url, TPM_QUEUE_NAME=queue_name, TPM_PAGES_ENABLED=False)
    assert not any(name.startswith("tpm_pages") for name in app.blueprints)


def test_the_pages_extend_the_hosts_layout(database_url: str, queue_name: str, tmp_path) -> None:
    (tmp_path / "host_base.html").write_text(
        "<html><title>{% block title %}{% endblock %}</title><body>HOST-LAYOUT"
        "{% block content %}{% endblock %}</body></html>"
    )
    app = create_host_app(
        database_url, TPM_QUEUE_NAME=queue_name, TPM_BASE_TEMPLATE="host_base.html"
    )
    app.template_folder = str(tmp_path)
    with app.app_context():
        page = app.test_client().get("/tpm/", headers=factories.as_user(factories.new_user_id()))
    body = page.get_data(as_text=True)
    assert "HOST-LAYOUT" in body and "My pages" in body


def test_the_home_page_speaks_the_browsers_language(app: Flask, client) -> None:
    headers = {**factories.as_user(factories.new_user_id()), "Accept-Language": "es-MX,es;q=0.9"}
    body = client.get("/tpm/", headers=headers).get_data(as_text=True)
    assert "Mis páginas" in body and "My pages" not in body
