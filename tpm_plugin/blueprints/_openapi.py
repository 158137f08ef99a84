"""Describe a view for the OpenAPI document: its request and response schemas.

Every API view is decorated::

    @operation(tags=["meetings"], body=MeetingCreateSchema, response=MeetingSchema, status=201)
    def create_meeting(partnership_id): ...

The decorator only records the description on the function; :mod:`tpm_plugin.blueprints.openapi`
turns the recorded operations of the registered routes into the document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from marshmallow import Schema

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says about one view."""

    tags: list[str]
    summary: str | None = None
    body: type[Schema] | Schema | None = None
    query: type[Schema] | Schema | None = None
    response: type[Schema] | Schema | None = None
    many: bool = False
    status: int = 200
    errors: tuple[int, ...] = (400, 401, 404, 422)
    alternatives: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def operation(
    *,
    tags: list[str],
    body: type[Schema] | Schema | None = None,
    query: type[Schema] | Schema | None = None,
    response: type[Schema] | Schema | None = None,
    many: bool = False,
    status: int = 200,
    errors: tuple[int, ...] = (400, 401, 404, 422),
    alternatives: tuple[str, ...] = (),
) -> Callable[[View], View]:
    """Record the OpenAPI description of a view (the summary is its docstring's first line).

    ``alternatives`` are other media types (text, such as ``image/svg+xml``) the success
    response may take instead of ``response``'s JSON, as the query chooses.
    """

    def describe(view: View) -> View:
        summary = (view.__doc__ or "").strip().splitlines()[0] if view.__doc__ else None
        view.tpm_operation = Operation(  # type: ignore[attr-defined]
            tags=tags,
            summary=summary,
            body=body,
            query=query,
            response=response,
            many=many,
            status=status,
            errors=errors,
            alternatives=alternatives,
        )
        return view

    return describe
