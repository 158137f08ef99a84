"""``GET …/fidelity?format=svg``: the weekly figures drawn as an SVG chart.

The chart is checked against the JSON answer for the same request, so each mark in the
picture has to agree with the figures it draws.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from tpm_plugin.blueprints.fidelity_chart import fidelity_svg
from tpm_plugin.models import (
    AccessAudit,
    Client,
    Meeting,
    Partner,
    Partnership,
    Program,
    ProgramManager,
    SupervisionSession,
    Supervisor,
    supervision_discussed,
)
from tpm_plugin.services._unit import unit_of_work
from tpm_plugin.services.fidelity import Fidelity, WeekFigures
from tpm_plugin.services.owed import Owed

from .conftest import BACKENDS

SVG = "{http://www.w3.org/2000/svg}"
NEW_YORK = ZoneInfo("America/New_York")
MANAGER, SUPERVISOR, PARTNER, OTHER_PARTNER, STRANGER = "10", "20", "30", "31", "99"
# Three weeks: week 1 meets both targets, week 2 misses meetings, week 3 misses both.
WINDOW = "from=2024-03-04&to=2024-03-24"
STARTED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
NAMES = ("Zebulon Quartermaine", "Ottoline Featherstonehaugh", "Marigold Pettigrew", "Sunbeam")


@pytest.fixture
def app(app_without_context: Flask) -> Flask:
    # No app context stays pushed, so each request resolves its own actor.
    return app_without_context


@pytest.fixture
def world(app: Flask) -> dict[str, int]:
    """A New York program (named) with a manager, a supervisor, a partner with one
    partnership and another partner; the partner, client and supervisor all have names."""
    partner_name, client_name, supervisor_name, program_name = NAMES
    with app.app_context(), unit_of_work() as unit:
        s = unit.session
        program = Program(key="yes", name=program_name, timezone="America/New_York")
        s.add(program)
        s.flush()
        s.add(ProgramManager(program_id=program.id, host_user_id=MANAGER))
        supervisor = Supervisor(
            program_id=program.id, display_name=supervisor_name, host_user_id=SUPERVISOR
        )
        partner = Partner(program_id=program.id, display_name=partner_name, host_user_id=PARTNER)
        other = Partner(program_id=program.id, display_name="Q", host_user_id=OTHER_PARTNER)
        client = Client(program_id=program.id, display_name=client_name, guardian_name="Gwen")
        s.add_all([supervisor, partner, other, client])
        s.flush()
        partnership = Partnership(
            program_id=program.id,
            client_id=client.id,
            partner_id=partner.id,
            supervisor_id=supervisor.id,
            stage="active",
            workflow_key="therapeutic_partnership",
            workflow_version=1,
            started_at=STARTED,
        )
        s.add(partnership)
        s.flush()
        ids = {
            "program": program.id,
            "supervisor": supervisor.id,
            "partner": partner.id,
            "partnership": partnership.id,
        }
        # Week 1: three held, one supervision of 20 minutes. Week 2: one held, one cancelled
        # by the client, one no-show, 20 minutes. Week 3: nothing.
        for day, status, by in [
            (4, "held", None),
            (5, "held", None),
            (6, "held", None),
            (11, "held", None),
            (12, "cancelled", "client"),
            (13, "no_show", None),
        ]:
            s.add(
                Meeting(
                    partnership_id=partnership.id,
                    scheduled_at=dt.datetime(2024, 3, day, 16, tzinfo=NEW_YORK),
                    status=status,
                    cancelled_by=by,
                )
            )
        for day in (7, 14):
            session = SupervisionSession(
                supervisor_id=supervisor.id,
                partner_id=partner.id,
                scheduled_at=dt.datetime(2024, 3, day, 10, tzinfo=NEW_YORK),
                scheduled_minutes=20,
                status="held",
                held_minutes=20,
            )
            s.add(session)
            s.flush()
            s.execute(
                insert(supervision_discussed).values(
                    session_id=session.id, partnership_id=partnership.id
                )
            )
    return ids


def _get(client, path: str, user: str = MANAGER, query: str = f"{WINDOW}&format=svg"):
    return client.get(f"/tpm/api/{path}/fidelity?{query}", headers={"X-Test-User": user})


def _chart(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "image/svg+xml"
    return ET.fromstring(response.get_data())


def _weeks(chart: ET.Element, panel: str) -> list[ET.Element]:
    return chart.findall(f"./{SVG}g[@class='{panel}']/{SVG}g")


def _marked(chart: ET.Element, panel: str) -> list[str]:
    return [g.get("data-week") for g in _weeks(chart, panel) if "below-target" in g.get("class")]


# --- what the chart shows -----------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_chart_is_an_svg_document_with_a_title(app: Flask, client, world) -> None:
    chart = _chart(_get(client, f"partnerships/{world['partnership']}"))

    assert chart.tag == f"{SVG}svg"
    assert chart.get("role") == "img"
    title = chart.find(f"{SVG}title")
    assert title is not None
    assert title.text == f"Fidelity of partnership {world['partnership']}, week by week"


def test_each_panel_has_one_bar_group_per_week_in_order(app: Flask, client, world) -> None:
    chart = _chart(_get(client, f"programs/{world['program']}"))

    expected = ["2024-03-04", "2024-03-11", "2024-03-18"]
    assert [g.get("data-week") for g in _weeks(chart, "meetings")] == expected
    assert [g.get("data-week") for g in _weeks(chart, "supervision")] == expected


@pytest.mark.parametrize("scope", ["partnerships/{partnership}", "partners/{partner}"])
def test_the_weeks_marked_below_target_are_those_the_json_says(
    app: Flask, client, world, scope: str
) -> None:
    path = scope.format(**world)
    weeks = _get(client, path, query=WINDOW).json["weeks"]
    chart = _chart(_get(client, path))

    meetings_below = [w["week_start"] for w in weeks if w["meetings"]["below_target"]]
    supervision_below = [w["week_start"] for w in weeks if w["supervision"]["below_target"]]
    assert meetings_below == ["2024-03-11", "2024-03-18"]
    assert supervision_below == ["2024-03-18"]
    assert _marked(chart, "meetings") == meetings_below
    assert _marked(chart, "supervision") == supervision_below


def test_each_week_states_its_figures_in_words(app: Flask, client, world) -> None:
    chart = _chart(_get(client, f"partnerships/{world['partnership']}"))

    second = _weeks(chart, "meetings")[1].find(f"{SVG}title")
    assert second is not None
    assert second.text == (
        "Week of 2024-03-11: 1 of 3 meetings held; 1 cancelled (1 by client, 0 by partner, "
        "0 by center); 1 no-show; below target"
    )


def test_the_chart_carries_no_names(app: Flask, client, world) -> None:
    for path in (
        f"partnerships/{world['partnership']}",
        f"partners/{world['partner']}",
        f"supervisors/{world['supervisor']}",
        f"programs/{world['program']}",
    ):
        text = _get(client, path).get_data(as_text=True)
        for name in (*NAMES, "Gwen"):
            assert name not in text, (path, name)


def test_the_chart_is_kept_out_of_shared_caches(app: Flask, client, world) -> None:
    response = _get(client, f"partnerships/{world['partnership']}")

    assert response.headers["Cache-Control"] == "private, no-store"


def test_without_format_the_answer_stays_json(app: Flask, client, world) -> None:
    response = _get(client, f"partnerships/{world['partnership']}", query=WINDOW)

    assert response.mimetype == "application/json"
    assert len(response.json["weeks"]) == 3


def test_an_svg_read_is_audited_like_a_json_read(app: Flask, client, world) -> None:
    _get(client, f"partners/{world['partner']}", user=PARTNER)

    with app.app_context():
        audit = app.extensions["sqlalchemy"].session.scalars(select(AccessAudit)).one()
    assert (audit.actor_id, audit.action, audit.object_id, audit.outcome) == (
        PARTNER,
        "read_fidelity",
        str(world["partner"]),
        "allowed",
    )


@pytest.mark.parametrize(
    "path",
    [
        "partnerships/{partnership}",
        "partners/{partner}",
        "supervisors/{supervisor}",
        "programs/{program}",
    ],
)
def test_the_openapi_document_lists_the_svg_answer_beside_the_json_one(
    app: Flask, client, world, path: str
) -> None:
    response = _get(client, path.format(**world))
    document = client.get("/tpm/api/openapi.json").json

    operation_path = "/tpm/api/" + re.sub(r"\{(\w+)\}", r"{\1_id}", path) + "/fidelity"
    content = document["paths"][operation_path]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", response.mimetype}
    assert content[response.mimetype]["schema"] == {"type": "string"}


# --- refusals -------------------------------------------------------------------------------


def test_an_unknown_format_answers_422_naming_format(app: Flask, client, world) -> None:
    response = _get(client, f"programs/{world['program']}", query=f"{WINDOW}&format=png")

    assert response.status_code == 422
    assert response.mimetype == "application/json"
    assert list(response.json["error"]["fields"]) == ["format"]


@pytest.mark.parametrize(
    ("path", "user", "status"),
    [
        ("partnerships/{partnership}", OTHER_PARTNER, 404),
        ("partnerships/{partnership}", STRANGER, 404),
        ("partners/{partner}", OTHER_PARTNER, 404),
        ("supervisors/{supervisor}", PARTNER, 404),
        ("programs/{program}", SUPERVISOR, 403),
        ("programs/{program}", PARTNER, 403),
    ],
)
def test_out_of_scope_svg_requests_are_refused_as_json_ones_are(
    app: Flask, client, world, path: str, user: str, status: int
) -> None:
    path = path.format(**world)
    as_json = _get(client, path, user=user, query=WINDOW)
    as_svg = _get(client, path, user=user)

    assert as_json.status_code == as_svg.status_code == status
    assert as_svg.mimetype == "application/json"
    assert as_svg.json == as_json.json
    with app.app_context():
        audit = app.extensions["sqlalchemy"].session.scalars(select(AccessAudit)).all()
    assert [a.outcome for a in audit] == ["denied", "denied"]


def test_an_svg_request_needs_a_logged_in_user(app: Flask, client, world) -> None:
    response = client.get(f"/tpm/api/programs/{world['program']}/fidelity?format=svg")

    assert response.status_code == 401


# --- the renderer on its own ------------------------------------------------------------------

_COUNTS = st.integers(min_value=0, max_value=5000)
_MINUTES = st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda m: round(m, 1))


@st.composite
def _fidelity(draw) -> Fidelity:
    count = draw(st.integers(min_value=1, max_value=52))
    weeks = [
        WeekFigures(
            monday=dt.date(2024, 12, 2) + dt.timedelta(weeks=index),
            owed=Owed(
                owing_time=draw(st.integers(0, 7)),
                meeting_time=draw(_COUNTS) * draw(st.integers(0, 7)),
                minute_time=draw(st.integers(0, 7_000_000)),
                length=7,
            ),
            meetings_held=draw(_COUNTS),
            cancelled_by_client=draw(_COUNTS),
            cancelled_by_partner=draw(_COUNTS),
            cancelled_by_center=draw(_COUNTS),
            no_shows=draw(_COUNTS),
            partnerships_below_target=draw(_COUNTS),
            supervision_minutes_delivered=draw(_MINUTES),
        )
        for index in range(count)
    ]
    return Fidelity("program", draw(st.integers(1, 2**31 - 1)), "Pacific/Chatham", weeks)


@settings(max_examples=60, deadline=None)
@given(fidelity=_fidelity())
def test_any_figures_draw_a_chart_marking_exactly_the_weeks_below_target(
    fidelity: Fidelity,
) -> None:
    chart = ET.fromstring(fidelity_svg(fidelity))

    assert len(_weeks(chart, "meetings")) == len(fidelity.weeks)
    assert _marked(chart, "meetings") == [
        w.monday.isoformat() for w in fidelity.weeks if w.meetings_below_target
    ]
    assert _marked(chart, "supervision") == [
        w.monday.isoformat() for w in fidelity.weeks if w.supervision_below_target
    ]
    for element in chart.iter():
        for attribute in ("x", "y", "width", "height"):
            value = element.get(attribute)
            if value is not None and not value.endswith("%"):
                assert 0 <= float(value) <= 1000, (element.tag, attribute, value)
