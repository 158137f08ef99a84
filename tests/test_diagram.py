"""Workflow diagrams: Mermaid text and SVG of a definition, and
``GET /workflows/<key>/versions/<n>/diagram``."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tpm_plugin.models import AccessAudit
from tpm_plugin.services import workflow_versions
from tpm_plugin.services._unit import session
from tpm_plugin.workflows.definition import default_definition
from tpm_plugin.workflows.diagram import to_mermaid, to_svg

from . import factories
from .conftest import BACKENDS

SVG = "{http://www.w3.org/2000/svg}"
URL = "/tpm/api/workflows/therapeutic_partnership/versions/1/diagram"


def _stages(svg_text: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg_text.encode())
    return {g.get("data-stage"): g for g in root.iter(f"{SVG}g") if g.get("data-stage")}


def _box(group: ET.Element) -> tuple[float, float, float, float]:
    rect = group.find(f"{SVG}rect")
    x, y = float(rect.get("x")), float(rect.get("y"))
    return x, y, x + float(rect.get("width")), y + float(rect.get("height"))


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# --- Mermaid ---------------------------------------------------------------------------


def test_mermaid_enters_at_the_start_stage_and_leaves_from_terminal_stages() -> None:
    text = to_mermaid(default_definition())
    lines = [line.strip() for line in text.splitlines()]
    assert "stateDiagram-v2" in lines
    assert "[*] --> referred" in lines
    assert "closed --> [*]" in lines
    assert "withdrawn --> [*]" in lines
    assert sum(line.startswith("[*] -->") for line in lines) == 1


def test_mermaid_draws_one_edge_per_source_destination_and_label() -> None:
    definition = default_definition()
    definition["transitions"].append(dict(definition["transitions"][0], trigger="again"))
    lines = to_mermaid(definition).splitlines()
    assert lines.count("    referred --> identification : Begin identification") == 1
    withdraw = [line for line in lines if line.endswith("--> withdrawn : Withdraw")]
    assert len(withdraw) == 7
    assert "    review --> planning : Plan again [review_decided_replan]" in lines


def test_diagram_labels_name_each_transitions_guards() -> None:
    lines = to_mermaid(default_definition()).splitlines()
    assert (
        "    review --> active : Continue as planned "
        "[review_decided_continue, partner_and_supervisor_assigned]"
    ) in lines
    assert "    review --> closing : Begin closing [review_decided_close]" in lines


def test_mermaid_marks_the_highlighted_stage_with_the_current_class() -> None:
    lines = to_mermaid(default_definition(), highlight="review").splitlines()
    assert "    class review current" in lines
    assert any(line.startswith("    classDef current ") for line in lines)


def test_mermaid_without_highlight_has_no_current_class() -> None:
    assert "current" not in to_mermaid(default_definition())


def test_mermaid_keeps_labels_on_one_line_without_quotes_or_separators() -> None:
    definition = default_definition()
    definition["stages"][0]["label"] = 'The "first"\nstage; #1'
    text = to_mermaid(definition)
    assert "    state \"The 'first' stage, no.1\" as referred" in text.splitlines()


# --- SVG -------------------------------------------------------------------------------


def test_svg_is_valid_xml_with_a_box_for_every_stage() -> None:
    definition = default_definition()
    stages = _stages(to_svg(definition))
    assert set(stages) == {stage["key"] for stage in definition["stages"]}
    for stage in definition["stages"]:
        texts = [t.text for t in stages[stage["key"]].iter(f"{SVG}text")]
        assert texts == [stage["label"]]


def test_svg_marks_only_the_highlighted_stage_as_current() -> None:
    stages = _stages(to_svg(default_definition(), highlight="planning"))
    current = [key for key, g in stages.items() if "current" in g.get("class").split()]
    assert current == ["planning"]
    assert stages["planning"].get("aria-current") == "step"


def test_svg_labels_every_transition_once() -> None:
    root = ET.fromstring(to_svg(default_definition()).encode())
    labels = [
        t.text
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "edge-label"
        for t in g.iter(f"{SVG}text")
    ]
    expected = {
        f"{t['label']} [{', '.join(t['guards'])}]" if t["guards"] else t["label"]
        for t in default_definition()["transitions"]
    }
    assert sorted(labels) == sorted(expected)


def test_svg_stage_boxes_never_overlap() -> None:
    boxes = [_box(g) for g in _stages(to_svg(default_definition())).values()]
    for index, box in enumerate(boxes):
        assert not any(_overlap(box, other) for other in boxes[index + 1 :])


def test_svg_draws_edges_that_go_back_as_dashed_curves() -> None:
    root = ET.fromstring(to_svg(default_definition()).encode())
    back = {
        (g.get("data-source"), g.get("data-dest"))
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "edge back"
    }
    assert ("review", "planning") in back
    assert ("planning", "active") not in back
    path = next(
        g.find(f"{SVG}path")
        for g in root.iter(f"{SVG}g")
        if (g.get("data-source"), g.get("data-dest")) == ("review", "planning")
    )
    assert "C" in path.get("d")


def test_svg_treats_markup_in_labels_as_text() -> None:
    definition = default_definition()
    definition["stages"][1]["label"] = "<script>alert(1)</script> & co"
    root = ET.fromstring(to_svg(definition).encode())
    assert not list(root.iter(f"{SVG}script"))
    assert "<script>alert(1)</script> & co" in [t.text for t in root.iter(f"{SVG}text")]


def _definitions() -> st.SearchStrategy[dict[str, Any]]:
    """Definitions of any shape the schema allows: a start, some stages, terminals, and
    transitions between any of them (cycles, self-loops and fan-ins included)."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        count = draw(st.integers(2, 10))
        terminals = draw(st.integers(1, max(1, count - 1)))
        kinds = ["start"] + ["normal"] * (count - 1 - terminals) + ["terminal"] * terminals
        keys = [f"s{i}" for i in range(count)]
        stages = [
            {"key": key, "label": draw(st.text(min_size=1, max_size=24)), "kind": kind}
            for key, kind in zip(keys, kinds, strict=True)
        ]
        transitions = [
            {
                "trigger": f"t{i}",
                "label": draw(st.text(min_size=1, max_size=30)),
                "sources": draw(st.lists(st.sampled_from(keys), min_size=1, max_size=5)),
                "dest": draw(st.sampled_from(keys)),
                "guards": [],
                "roles": [],
                "reason_required": False,
            }
            for i in range(draw(st.integers(0, 14)))
        ]
        return {
            "key": "generated",
            "name": "Generated",
            "stages": stages,
            "transitions": transitions,
        }

    return build()


@settings(max_examples=60, deadline=None)
@given(definition=_definitions(), data=st.data())
def test_any_definition_draws_valid_svg_with_separate_boxes(
    definition: dict[str, Any], data: st.DataObject
) -> None:
    highlight = data.draw(st.sampled_from([s["key"] for s in definition["stages"]]))
    stages = _stages(to_svg(definition, highlight=highlight))
    assert set(stages) == {s["key"] for s in definition["stages"]}
    assert [k for k, g in stages.items() if "current" in g.get("class").split()] == [highlight]
    boxes = [_box(g) for g in stages.values()]
    for index, box in enumerate(boxes):
        assert not any(_overlap(box, other) for other in boxes[index + 1 :])


@settings(max_examples=60, deadline=None)
@given(definition=_definitions())
def test_any_definition_draws_mermaid_with_every_edge(definition: dict[str, Any]) -> None:
    lines = to_mermaid(definition).splitlines()
    for transition in definition["transitions"]:
        for source in transition["sources"]:
            assert any(
                line.startswith(f"    {source} --> {transition['dest']} : ") for line in lines
            )


def test_drawing_does_not_change_the_definition() -> None:
    definition = default_definition()
    before = copy.deepcopy(definition)
    to_svg(definition, highlight="active")
    to_mermaid(definition, highlight="active")
    assert definition == before


# --- GET /workflows/<key>/versions/<n>/diagram -----------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_program_manager_gets_the_svg_of_a_version(app, client) -> None:
    world = factories.world()
    response = client.get(URL, headers=factories.as_user(world.manager_user))
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    stages = _stages(response.get_data(as_text=True))
    assert "review" in stages
    assert not any("current" in g.get("class") for g in stages.values())


def test_supervisor_gets_mermaid_as_plain_text(app, client) -> None:
    world = factories.world()
    response = client.get(f"{URL}?format=mermaid", headers=factories.as_user(world.supervisor_user))
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).splitlines()[3] == "stateDiagram-v2"


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_partner_sees_their_partnerships_current_stage_highlighted(app, client) -> None:
    world = factories.world()
    partnership_id = world.partnership.id
    url = URL.replace("therapeutic_partnership", world.program.workflow_key)
    response = client.get(
        f"{url}?partnership={partnership_id}", headers=factories.as_user(world.partner_user)
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    stages = _stages(response.get_data(as_text=True))
    assert [k for k, g in stages.items() if "current" in g.get("class").split()] == ["referred"]


def test_highlighting_a_partnership_is_audited_as_a_read(app, client) -> None:
    world = factories.world()
    partnership_id = world.partnership.id
    client.get(
        f"{URL}?format=mermaid&partnership={partnership_id}",
        headers=factories.as_user(world.partner_user),
    )
    rows = (
        session()
        .scalars(
            select(AccessAudit).where(
                AccessAudit.object_id == str(partnership_id), AccessAudit.action == "read_stage"
            )
        )
        .all()
    )
    assert [(r.actor_id, r.outcome) for r in rows] == [(world.partner_user, "allowed")]


def test_partnership_outside_the_actors_reach_is_404_and_audited_as_denied(app, client) -> None:
    world = factories.world()
    stranger = factories.world()
    partnership_id = world.partnership.id
    response = client.get(
        f"{URL}?partnership={partnership_id}", headers=factories.as_user(stranger.partner_user)
    )
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    denied = (
        session()
        .scalars(
            select(AccessAudit.outcome).where(
                AccessAudit.object_id == str(partnership_id),
                AccessAudit.actor_id == stranger.partner_user,
            )
        )
        .all()
    )
    assert denied == ["denied"]


def test_partnership_on_another_version_is_422_naming_partnership(app, client) -> None:
    world = factories.world()
    draft = workflow_versions.create_draft(
        workflow_versions.COMMAND_LINE, "therapeutic_partnership"
    )
    workflow_versions.publish_draft(
        workflow_versions.COMMAND_LINE, "therapeutic_partnership", draft.id
    )
    response = client.get(
        URL.replace("/versions/1/", "/versions/2/") + f"?partnership={world.partnership.id}",
        headers=factories.as_user(world.manager_user),
    )
    assert response.status_code == 422
    assert "partnership" in response.json["error"]["fields"]


def test_unknown_format_is_422_naming_format(app, client) -> None:
    world = factories.world()
    response = client.get(f"{URL}?format=png", headers=factories.as_user(world.manager_user))
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["format"]


def test_malformed_partnership_id_is_422_naming_partnership(app, client) -> None:
    world = factories.world()
    response = client.get(f"{URL}?partnership=first", headers=factories.as_user(world.manager_user))
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["partnership"]


def test_unknown_workflow_is_404(app, client) -> None:
    world = factories.world()
    response = client.get(
        "/tpm/api/workflows/no_such_workflow/versions/1/diagram",
        headers=factories.as_user(world.manager_user),
    )
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_unknown_version_is_404(app, client) -> None:
    world = factories.world()
    response = client.get(
        URL.replace("/versions/1/", "/versions/99/"), headers=factories.as_user(world.manager_user)
    )
    assert response.status_code == 404


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_version_beyond_any_stored_number_is_404(app, client) -> None:
    world = factories.world()
    response = client.get(
        URL.replace("/versions/1/", "/versions/99999999999/"),
        headers=factories.as_user(world.manager_user),
    )
    assert response.status_code == 404


def test_anonymous_request_is_401(app, client) -> None:
    factories.world()
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"


def test_user_without_a_role_is_403(app, client) -> None:
    factories.world()
    response = client.get(URL, headers=factories.as_user(factories.new_user_id()))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
