"""Change across reviews: a partnership's ratings per domain (JSON and a chart), and a
program's share of partnerships whose rating rose, held or fell."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from tpm_plugin.models import AccessAudit
from tpm_plugin.services import reviews
from tpm_plugin.services._unit import session

from . import factories
from .conftest import BACKENDS

API = "/tpm/api"
SVG = "{http://www.w3.org/2000/svg}"
DAY = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)


def _review(made: factories.World, days: int, ratings: dict[str, int], **fields) -> int:
    data = {
        "held_at": DAY + dt.timedelta(days=days),
        "participants": ["partner", "client"],
        "discussion": "How it feels.",
        "outcome": "continue",
        "ratings": [{"domain": d, "rating": r} for d, r in ratings.items()],
        **fields,
    }
    return reviews.add_review(factories.actor(made.manager_user), made.partnership.id, data).id


def _change(client, made: factories.World, user: str | None = None, **params):
    return client.get(
        f"{API}/partnerships/{made.partnership.id}/change",
        query_string=params,
        headers=factories.as_user(user or made.manager_user),
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_partnerships_ratings_are_shown_per_domain_across_reviews(client) -> None:
    made = factories.world()
    later = _review(made, 28, {"self": 4, "others": 2})
    first = _review(made, 0, {"self": 2, "others": 3, "play": 4})
    answer = _change(client, made, made.partner_user)
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert [r["review_id"] for r in body["reviews"]] == [first, later]
    assert body["reviews"][0]["ratings"] == {
        "self": 2,
        "others": 3,
        "school": None,
        "work": None,
        "play": 4,
    }
    assert body["difference"] == {
        "self": 2,
        "others": -1,
        "school": None,
        "work": None,
        "play": None,
    }


def test_a_corrected_review_counts_by_its_correction(client) -> None:
    made = factories.world()
    first = _review(made, 0, {"self": 1})
    _review(made, 0, {"self": 3}, supersedes_id=first)
    _review(made, 7, {"self": 4})
    assert _change(client, made).json["difference"]["self"] == 1


def test_the_change_chart_draws_each_domain_and_review_with_ids_only(client) -> None:
    made = factories.world()
    ids = [_review(made, 0, {"self": 2, "work": 1}), _review(made, 14, {"self": 5, "work": 2})]
    answer = _change(client, made, format="svg")
    assert answer.status_code == 200
    assert answer.content_type == "image/svg+xml"
    assert answer.headers["Cache-Control"] == "private, no-store"
    root = ET.fromstring(answer.data)
    columns = [g for g in root.iter(f"{SVG}g") if "review" in (g.get("class") or "").split()]
    assert [int(g.get("data-review")) for g in columns] == ids
    domains = {g.get("data-domain") for g in root.iter(f"{SVG}g") if g.get("data-domain")}
    assert domains == {"self", "others", "school", "work", "play"}
    assert "How it feels" not in answer.get_data(as_text=True)


def test_a_partnership_without_reviews_draws_an_empty_chart(client) -> None:
    made = factories.world()
    answer = _change(client, made, format="svg")
    assert answer.status_code == 200
    assert b"No review has rated" in answer.data


def test_reading_change_is_audited_as_one_row_naming_each_review(client) -> None:
    made = factories.world()
    review_id = _review(made, 0, {"self": 3})
    _change(client, made, made.supervisor_user)
    [row] = (
        session()
        .scalars(select(AccessAudit).where(AccessAudit.actor_id == made.supervisor_user))
        .all()
    )
    assert (row.object_type, row.action, row.actor_role) == ("review", "read_change", "supervisor")
    assert (row.partnership_id, row.object_ids) == (made.partnership.id, [review_id])


def test_another_partners_change_is_404(client) -> None:
    made, other = factories.world(), factories.world()
    refused = _change(client, made, other.partner_user)
    assert refused.status_code == 404
    assert refused.json["error"]["code"] == "not_found"


def test_an_unknown_format_is_422_naming_format(client) -> None:
    made = factories.world()
    refused = _change(client, made, format="png")
    assert refused.status_code == 422
    assert "format" in refused.json["error"]["fields"]


def test_nobody_logged_in_gets_401(client) -> None:
    made = factories.world()
    assert client.get(f"{API}/partnerships/{made.partnership.id}/change").status_code == 401
    assert client.get(f"{API}/programs/{made.program.id}/change").status_code == 401


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_program_shows_the_share_that_rose_held_or_fell(client) -> None:
    made = factories.world()
    rising = made
    _review(rising, 0, {"self": 2, "play": 3})
    _review(rising, 7, {"self": 3})
    _review(rising, 14, {"self": 4, "play": 3})
    second = factories.partnership(made.program)
    third = factories.partnership(made.program)
    for partnership, ratings in (
        (second, ({"self": 3}, {"self": 3})),
        (third, ({"self": 4}, {"self": 1})),
    ):
        for days, rating in zip((0, 7), ratings, strict=True):
            reviews.add_review(
                factories.actor(made.manager_user),
                partnership.id,
                {
                    "held_at": DAY + dt.timedelta(days=days),
                    "participants": ["partner"],
                    "discussion": "Fine.",
                    "outcome": "continue",
                    "ratings": [{"domain": d, "rating": r} for d, r in rating.items()],
                },
            )
    answer = client.get(
        f"{API}/programs/{made.program.id}/change", headers=factories.as_user(made.manager_user)
    )
    assert answer.status_code == 200, answer.json
    domains = {item["domain"]: item for item in answer.json["domains"]}
    assert domains["self"] == {
        "domain": "self",
        "partnerships": 3,
        "rose": 1,
        "held": 1,
        "fell": 1,
        "share_rose": 0.3333,
        "share_held": 0.3333,
        "share_fell": 0.3333,
    }
    assert (domains["play"]["partnerships"], domains["play"]["held"]) == (1, 1)
    assert domains["school"]["share_rose"] is None


def test_a_program_you_do_not_manage_is_404_and_audited(client) -> None:
    made, other = factories.world(), factories.world()
    for user in (other.manager_user, made.supervisor_user, made.partner_user):
        refused = client.get(
            f"{API}/programs/{made.program.id}/change", headers=factories.as_user(user)
        )
        assert refused.status_code == 404
    denied = (
        session()
        .scalars(
            select(AccessAudit.outcome).where(
                AccessAudit.object_type == "program", AccessAudit.action == "read_change"
            )
        )
        .all()
    )
    assert denied == ["denied"] * 3
