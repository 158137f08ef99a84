"""What the pages show that is not their own text, in Spanish: the schemas' and services'
messages (the API keeps them English), the fidelity chart, the reminders' values and the
shipped workflow's labels."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask_babel import refresh
from marshmallow import Schema, fields, validate

from tests import factories
from tpm_plugin.blueprints.pages import page_routes
from tpm_plugin.i18n_messages import known_message, translate_message
from tpm_plugin.i18n_workflow import SHIPPED_LABELS
from tpm_plugin.services.notifications.messages import render_message

from .test_core_spanish import _data_strings, _english_strings, _shows, _visible_text
from .test_manager_editor import TOKEN, with_token

PLUGIN = Path(__file__).resolve().parents[2] / "tpm_plugin"
SPANISH = {"Accept-Language": "es"}
_ERRORS = {"ValidationFailed", "Conflict", "NotFound", "Forbidden", "TPMError", "ValidationError"}


def _shape(node: ast.AST) -> str | None:
    """A message's text with a sample value (``7``) for each interpolated part."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "7" for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _shape(node.left), _shape(node.right)
        return None if left is None or right is None else left + right
    return None


def _messages_in(folder: Path) -> dict[str, str]:
    """Every sentence raised in ``folder`` (an error's message, its field messages, a
    validator's ``error=``), with the file it is in."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            texts = []
            if name in _ERRORS:
                texts += node.args[:1]
                for keyword in node.keywords:
                    if keyword.arg == "fields" and isinstance(keyword.value, ast.Dict):
                        for value in keyword.value.values:
                            texts += getattr(value, "elts", [])
            texts += [k.value for k in node.keywords if k.arg in ("error", "message")]
            for text in filter(None, map(_shape, texts)):
                found.setdefault(text, str(path.relative_to(PLUGIN)))
    return found


def test_every_message_of_the_services_and_schemas_has_a_translatable_format() -> None:
    found = {**_messages_in(PLUGIN / "services"), **_messages_in(PLUGIN / "schemas")}
    assert len(found) > 100
    unknown = {text: path for text, path in found.items() if not known_message(text)}
    assert unknown == {}, "add their formats to tpm_plugin/i18n_messages.py MESSAGES"


def _marshmallow_messages() -> list[str]:
    messages = list(Schema._default_error_messages.values())
    for _, field in inspect.getmembers(fields, inspect.isclass):
        messages += getattr(field, "default_error_messages", {}).values()
    messages = [
        m for m in messages if "{obj_type}" not in m and "IP" not in m and "{input" not in m
    ]
    samples = {"min": 1, "max": 5, "equal": 3, "choices": "a, b", "other": 2, "input": "x"}
    shown = [message.format(**samples) for message in messages]
    shown += [str(error) for error in _validator_errors()]
    return shown


def _validator_errors() -> list[str]:
    refusals = [
        (validate.Range(min=0), -1),
        (validate.Range(max=4), 5),
        (validate.Range(min=1, max=52), 60),
        (validate.Length(min=1, max=20), ""),
        (validate.Length(min=2), "a"),
        (validate.Length(max=2), "abc"),
        (validate.OneOf(["a", "b"]), "c"),
        (validate.Regexp("^a$"), "b"),
    ]
    errors = []
    for validator, value in refusals:
        with pytest.raises(Exception) as refused:
            validator(value)
        errors += refused.value.messages
    return errors


def test_marshmallows_own_messages_have_translatable_formats() -> None:
    shown = _marshmallow_messages()
    assert len(shown) > 20
    assert [message for message in shown if not known_message(message)] == []


def test_a_message_is_translated_with_its_values_and_stays_english_for_english(
    app: Flask,
) -> None:
    sentence = "No partnership 7 that you can reach."
    with app.test_request_context(headers=SPANISH):
        assert translate_message(sentence) == "No hay ningún acompañamiento 7 a su alcance."
        assert translate_message("Must be greater than or equal to 0.") == (
            "Debe ser mayor o igual que 0."
        )
        assert translate_message("unknown stage 'x' (did you mean 'active'?)") == (
            "etapa desconocida «x» (¿quería decir «active»?)"
        )
        assert translate_message("A sentence nobody knows.") == "A sentence nobody knows."
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()  # the test's app context outlives the request before
        assert translate_message(sentence) == sentence


def test_the_shipped_labels_are_those_of_the_shipped_workflow() -> None:
    shipped = json.loads((PLUGIN / "workflows" / "therapeutic_partnership.json").read_text())
    labels = {item["label"] for item in shipped["stages"] + shipped["transitions"]}
    assert labels == SHIPPED_LABELS


def _post_paths(made: factories.World) -> list[str]:
    ids = {
        "partnership_id": made.partnership.id,
        "program_id": made.program.id,
        "partner_id": made.partner.id,
        "supervisor_id": made.supervisor.id,
        "key": made.program.workflow_key,
        "workflow_key": made.program.workflow_key,
    }
    paths = []
    for route in page_routes():
        if "POST" not in route.methods:
            continue
        values = {name: ids.get(name, 1) for name in page_routes().arguments(route.endpoint)}
        paths.append("/" + page_routes().path_for(route.endpoint, **values))
    return paths


@pytest.mark.parametrize("role", ["manager_user", "supervisor_user", "partner_user"])
def test_every_form_sent_empty_or_wrong_in_spanish_shows_no_english(
    app: Flask, client, role: str
) -> None:
    made = factories.world()
    english = _english_strings()
    headers = {**factories.as_user(getattr(made, role)), **SPANISH}
    sent = {"csrf_token": TOKEN, "minutes": "-5", "held_at": "2020-01-01T10:00", "weeks": "x"}
    checked = 0
    for path in _post_paths(made):
        with_token(client)
        for data in ({"csrf_token": TOKEN}, sent):
            response = client.post(f"/tpm{path}", data=data, headers=headers)
            if response.mimetype != "text/html" or response.status_code in (301, 302, 303):
                continue
            checked += 1
            text = _visible_text(response.get_data(as_text=True))
            for shown in _data_strings(made):
                text = text.replace(shown, " ")
            left = [string for string in english if _shows(text, string)]
            assert not left, f"POST {path} {data} as {role} shows English: {left}"
    assert checked >= 3


def test_the_fidelity_chart_speaks_the_viewers_language(app: Flask, client) -> None:
    made = factories.world()
    url = f"/tpm/api/programs/{made.program.id}/fidelity?format=svg&weeks=4"
    manager = factories.as_user(made.manager_user)
    spanish = ET.fromstring(client.get(url, headers={**manager, **SPANISH}).data)
    english = ET.fromstring(client.get(url, headers=manager).data)
    words = _words(spanish)
    assert f"Fidelidad del programa {made.program.id}, semana a semana" in words
    assert "Encuentros por semana" in words and "meta" in words
    for english_word in ("Meetings per week", "target", "below target", "week by week"):
        assert english_word not in words
    months = r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"
    assert re.search(months, words) is None, "month names are Babel's, in Spanish"
    assert re.search(months, _words(english)) is not None
    assert "Meetings per week" in _words(english)


def _words(chart: ET.Element) -> str:
    """The chart's words (its stylesheet's class names are not words)."""
    shown = ("title", "desc", "text", "tspan")
    return " ".join(e.text or "" for e in chart.iter() if e.tag.rpartition("}")[2] in shown)


def test_a_reminder_writes_its_time_and_lead_in_the_recipients_language(app: Flask) -> None:
    starts = dt.datetime(2026, 3, 3, 16, 30, tzinfo=ZoneInfo("Europe/Madrid"))
    context = {"starts_at": starts, "lead_minutes": 1440}
    with app.app_context():
        _, spanish = render_message("meeting_reminder", context, "Pia", "es")
        _, english = render_message("meeting_reminder", context, "Pia", "en")
    assert "mar, 3 mar 16:30 (dentro de 24 horas)" in spanish
    assert "Tue, Mar 3" in english and "(in 24 hours)" in english


def test_the_shipped_workflows_labels_are_translated_an_edited_one_is_data(
    app: Flask, client
) -> None:
    made = factories.world()
    manager = {**factories.as_user(made.manager_user), **SPANISH}
    board = client.get(f"/tpm/manager/programs/{made.program.id}/board", headers=manager).text
    stage = client.get(f"/tpm/partnerships/{made.partnership.id}/stage", headers=manager).text
    assert "Derivado" in board or "Derivada" in board
    assert "Empezar la identificación" in stage
    assert "Begin identification" not in stage
