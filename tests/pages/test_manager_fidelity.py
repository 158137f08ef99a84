"""The fidelity dashboard: a program's, a supervisor's or a partner's weeks, the chart with a
table of the same figures the API's ``…/fidelity`` gives, for the program's managers only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask

from tests import factories
from tests.factories import as_user
from tpm_plugin.services import meetings

from .manager_helpers import SPANISH, audit_rows, held_supervision, people_world, untranslated

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
_ROW = re.compile(
    r'<tr data-week="([\d-]+)">\s*<th scope="row">[^<]*</th>\s*<td>([\d.]+)</td>\s*'
    r"<td>(\d+)"
)


def _busy() -> factories.World:
    """An active partnership with meetings and supervision over the last weeks."""
    made = people_world()
    factories.activate(made)
    partner = factories.actor(made.partner_user)
    for days in (1, 3, 8, 10, 15):
        meetings.add_meeting(
            partner,
            made.partnership.id,
            {"scheduled_at": NOW - dt.timedelta(days=days), "status": "held", "minutes": 40},
        )
    held_supervision(made, NOW - dt.timedelta(days=2))
    return made


def _dashboard(client, made: factories.World, query: str = "", user: str | None = None, **headers):
    return client.get(
        f"/tpm/manager/programs/{made.program.id}/fidelity{query}",
        headers={**as_user(user or made.manager_user), **headers},
    )


def _weeks_shown(html: str) -> list[tuple[str, float, int]]:
    return [(week, float(target), int(held)) for week, target, held in _ROW.findall(html)]


def _weeks_answered(client, made: factories.World, path: str) -> list[tuple[str, float, int]]:
    answer = client.get(f"/tpm/api/{path}/fidelity?weeks=4", headers=as_user(made.manager_user))
    return [
        (week["week_start"], week["meetings"]["target"], week["meetings"]["held"])
        for week in answer.json["weeks"]
    ]


@pytest.mark.parametrize(
    ("scope", "query"),
    [("program", ""), ("supervisor", "supervisor_id"), ("partner", "partner_id")],
)
def test_the_dashboard_shows_the_weeks_figures_the_api_gives(
    app: Flask, client, scope: str, query: str
) -> None:
    made = _busy()
    ids = {"program": made.program.id, "supervisor": made.supervisor.id, "partner": made.partner.id}
    filters = f"&{query}={ids[scope]}" if query else ""
    page = _dashboard(client, made, f"?weeks=4{filters}")
    html = page.get_data(as_text=True)
    shown = _weeks_shown(html)
    assert page.status_code == 200
    assert len(shown) == 4
    # A supervisor's and a partner's weeks credit them only from their assignment (now).
    assert scope != "program" or sum(held for _, _, held in shown) > 0
    assert shown == _weeks_answered(client, made, f"{scope}s/{ids[scope]}")


def test_the_chart_stands_beside_its_table(app: Flask, client) -> None:
    made = _busy()
    html = _dashboard(client, made).get_data(as_text=True)
    chart = re.search(r'<img class="tpm-chart" src="([^"]+)"', html).group(1)
    assert chart == f"/tpm/api/programs/{made.program.id}/fidelity?format=svg"
    drawn = client.get(chart, headers=as_user(made.manager_user))
    assert drawn.status_code == 200 and drawn.mimetype == "image/svg+xml"
    assert '<table class="tpm-weeks">' in html and "<caption>" in html


def test_the_programs_change_across_reviews_is_a_table_by_domain(app: Flask, client) -> None:
    made = _busy()
    html = _dashboard(client, made).get_data(as_text=True)
    assert "Change across reviews, by domain" in html


def test_the_dashboard_read_is_audited_as_the_apis(app: Flask, client) -> None:
    made = _busy()
    _dashboard(client, made)
    rows = audit_rows(made.manager_user)
    assert any(r.object_type == "program" and r.action == "read_fidelity" for r in rows[-2:])


def test_a_partner_of_another_program_is_named_beside_the_field(app: Flask, client) -> None:
    made, other = _busy(), people_world()
    page = _dashboard(client, made, f"?partner_id={other.partner.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="partner_id-error"' in html and f"No partner {other.partner.id}" in html
    assert "Marta Gil" in html  # the program's own partners still to choose from


def test_a_supervisor_and_a_partner_together_are_refused_beside_the_field(
    app: Flask, client
) -> None:
    made = _busy()
    page = _dashboard(
        client, made, f"?supervisor_id={made.supervisor.id}&partner_id={made.partner.id}"
    )
    assert page.status_code == 422
    assert "not both" in page.get_data(as_text=True)


def test_too_many_weeks_are_named_beside_the_weeks_field(app: Flask, client) -> None:
    made = _busy()
    page = _dashboard(client, made, "?weeks=99")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="weeks-error"' in html
    assert len(_weeks_shown(html)) == 12  # the default window instead


@pytest.mark.parametrize("who", ["supervisor_user", "partner_user"])
def test_only_the_programs_managers_see_its_dashboard(app: Flask, client, who: str) -> None:
    made = _busy()
    page = _dashboard(client, made, user=getattr(made, who))
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Marta Gil" not in page.get_data(as_text=True)


def test_the_dashboard_speaks_spanish(app: Flask, client) -> None:
    made = _busy()
    html = _dashboard(client, made, "?weeks=99", **SPANISH).get_data(as_text=True)
    assert "Panel" in html or "Fidelidad" in html
    assert untranslated(html) == []
