"""Two requests racing for one unique value on PostgreSQL (both pass the "is it taken?"
check, the unique constraint refuses the second insert): the loser gets 409 in the error
shape, never a 500. Real concurrent connections, one thread per request."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import event

from . import factories
from .factories import as_user

API = "/tpm/api"


def _race(app: Flask, requests: list[tuple[str, dict, str]]) -> list[tuple[int, dict]]:
    """Send each (url, body, user) from its own thread at once; every thread's "is it
    taken?" SELECT is held until all have run theirs, so each passes the check."""
    checked = threading.Barrier(len(requests))
    answers: list[tuple[int, dict]] = []
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine

    def hold_after_first_select(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith("INSERT") and not getattr(
            threading.current_thread(), "tpm_waited", False
        ):
            threading.current_thread().tpm_waited = True
            checked.wait(timeout=10)

    event.listen(engine, "before_cursor_execute", hold_after_first_select)
    try:

        def send(url: str, body: dict, user: str) -> None:
            with app.app_context():
                response = app.test_client().post(url, json=body, headers=as_user(user))
                answers.append((response.status_code, response.get_json()))

        threads = [threading.Thread(target=send, args=request) for request in requests]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        event.remove(engine, "before_cursor_execute", hold_after_first_select)
    return sorted(answers, key=lambda answer: answer[0])


def _world(app: Flask) -> factories.World:
    with app.app_context():
        return factories.world()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_programs_created_at_once_with_one_key_give_one_201_and_one_409(
    app_without_context: Flask,
) -> None:
    world = _world(app_without_context)
    body = {"key": "square-width", "name": "Square Width"}
    answers = _race(
        app_without_context,
        [(f"{API}/programs", body, world.manager_user)] * 2,
    )
    assert [status for status, _ in answers] == [201, 409]
    assert answers[1][1]["error"]["fields"] == {"key": ["Already used by another program."]}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_partners_linked_at_once_to_one_host_user_give_one_201_and_one_409(
    app_without_context: Flask,
) -> None:
    world = _world(app_without_context)
    body = {"program_id": world.program.id, "display_name": "P", "host_user_id": "4242"}
    answers = _race(app_without_context, [(f"{API}/partners", body, world.manager_user)] * 2)
    assert [status for status, _ in answers] == [201, 409]
    assert list(answers[1][1]["error"]["fields"]) == ["host_user_id"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_one_user_made_a_manager_twice_at_once_gives_one_201_and_one_409(
    app_without_context: Flask,
) -> None:
    world = _world(app_without_context)
    url = f"{API}/programs/{world.program.id}/managers"
    answers = _race(app_without_context, [(url, {"host_user_id": "4343"}, world.manager_user)] * 2)
    assert [status for status, _ in answers] == [201, 409]
    assert list(answers[1][1]["error"]["fields"]) == ["host_user_id"]
