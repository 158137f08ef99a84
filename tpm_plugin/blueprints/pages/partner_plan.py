"""A partnership's plan, drafted by its partner across the five domains (self, others,
school, work, play), each activity tied to the identification entries it answers. Saving
adds the plan's next version through the same service as ``POST /partnerships/<id>/plans``.

The form starts from the newest version's activities plus an empty one per domain; an
activity left without an aim is left out. Its boxes are named ``activity-<n>-<field>``
(``n`` numbers the form's rows), and messages about ``activities.<i>.<field>`` of what was
sent are shown beside the row they came from.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, request
from werkzeug.wrappers import Response

from ...errors import TPMError
from ...models import DOMAINS
from ...schemas.common import MAX_INT
from ...schemas.records import PlanCreateSchema, PlanListQuerySchema
from ...services import partner_day, plans
from .._routes import RouteTable
from ._render import page_actor, page_url
from .partner_forms import FIRST_VIEW, FormErrors, load_form, number, service_errors
from .partner_identification import ENDPOINT as PARTNERSHIP_ENDPOINT
from .partner_identification import current_entries
from .partner_labels import render_partner

ENDPOINT = "partner_plan"
#: The most rows a plan form posts (the API takes at most 50 activities).
MAX_ROWS = 60
_ACTIVITY_FIELDS = ("aim", "description", "per_week")
_CREATE = PlanCreateSchema()
_LIST = PlanListQuerySchema()


def plan_page(partnership_id: int) -> tuple[str, int]:
    """``GET /partner/partnerships/<id>/plan``: the plan form, from the newest version."""
    newest = _newest_plan(partnership_id)
    rows = [_row(n, activity) for n, activity in enumerate(newest.activities if newest else [])]
    rows += [_row(len(rows) + i, None, domain) for i, domain in enumerate(DOMAINS)]
    summary = (newest.summary or "") if newest else ""
    return _render(partnership_id, newest, rows, summary, FIRST_VIEW)


def save_plan(partnership_id: int) -> Response | tuple[str, int]:
    """``POST /partner/partnerships/<id>/plan``: add the plan's next version; back to the
    partnership with a notice, or the form again with each row's messages."""
    rows = _posted_rows()
    summary = request.form.get("summary", "").strip()
    filled = [row for row in rows if row["aim"] or row["description"] or row["answers"]]
    data: dict[str, Any] = {"activities": [_activity(row) for row in filled]}
    if summary:
        data["summary"] = summary
    try:
        plans.add_plan(page_actor(), partnership_id, load_form(_CREATE, data))
    except FormErrors as errors:
        return _failed(partnership_id, rows, summary, filled, errors)
    except TPMError as error:
        return _failed(partnership_id, rows, summary, filled, service_errors(error))
    url = page_url(PARTNERSHIP_ENDPOINT, partnership_id=partnership_id, notice="plan_saved")
    return redirect(url, code=303)


def _failed(
    partnership_id: int,
    rows: list[dict[str, Any]],
    summary: str,
    filled: list[dict[str, Any]],
    errors: FormErrors,
) -> tuple[str, int]:
    """The form again, each message of ``activities.<i>.<field>`` moved to its row."""
    fields: dict[str, list[str]] = {}
    for path, messages in errors.fields.items():
        parts = path.split(".")
        if parts[0] == "activities" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(filled):
                name = parts[2] if len(parts) > 2 else "aim"
                path = f"activity-{filled[index]['n']}-{name}"
        fields.setdefault(path, []).extend(messages)
    shown = FormErrors(fields, errors.status, errors.message)
    return _render(partnership_id, _newest_plan(partnership_id), rows, summary, shown)


def _newest_plan(partnership_id: int) -> Any:
    query = _LIST.load({"page_size": 1})
    page = plans.list_plans(page_actor(), partnership_id, query)
    return page.items[0] if page.items else None


def _row(n: int, activity: Any, domain: str | None = None) -> dict[str, Any]:
    if activity is None:
        return {
            "n": n,
            "domain": domain,
            "aim": "",
            "description": "",
            "per_week": "",
            "answers": set(),
        }
    return {
        "n": n,
        "domain": activity.domain,
        "aim": activity.aim,
        "description": activity.description or "",
        "per_week": "" if activity.per_week is None else str(activity.per_week),
        "answers": {str(entry_id) for entry_id in activity.answers},
    }


def _posted_rows() -> list[dict[str, Any]]:
    rows = []
    for n in range(MAX_ROWS):
        prefix = f"activity-{n}-"
        if f"{prefix}domain" not in request.form:
            break
        row: dict[str, Any] = {"n": n, "domain": request.form[f"{prefix}domain"]}
        for name in _ACTIVITY_FIELDS:
            row[name] = request.form.get(prefix + name, "").strip()
        row["answers"] = {value for value in request.form.getlist(f"{prefix}answers") if value}
        rows.append(row)
    return rows


def _activity(row: dict[str, Any]) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "domain": row["domain"],
        "answers": [number(value) for value in sorted(row["answers"])],
    }
    activity.update({name: row[name] for name in ("aim", "description") if row[name]})
    if row["per_week"]:
        activity["per_week"] = number(row["per_week"])
    return activity


def _render(
    partnership_id: int,
    newest: Any,
    rows: list[dict[str, Any]],
    summary: str,
    errors: FormErrors,
) -> tuple[str, int]:
    card = partner_day.partnership_card(page_actor(), partnership_id)
    return render_partner(
        "plan.html",
        form=errors,
        card=card,
        newest=newest,
        entries=current_entries(partnership_id),
        rows=rows,
        summary=summary,
    )


def register(routes: RouteTable) -> None:
    """Add the plan form to ``routes``."""
    rule = f"/partner/partnerships/<int(max={MAX_INT}):partnership_id>/plan"
    routes.add_url_rule(rule, ENDPOINT, plan_page, methods=["GET"])
    routes.add_url_rule(rule, "partner_save_plan", save_plan, methods=["POST"])
