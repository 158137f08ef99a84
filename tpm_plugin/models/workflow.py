"""Workflow definitions as data: immutable published versions and editable drafts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow
from .people import HOST_USER_ID


class Workflow(Base):
    """A named workflow: a template (``program_id`` empty, such as the shipped
    ``therapeutic_partnership``) or a program's own, which only its managers change."""

    __tablename__ = "tpm_workflows"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("tpm_programs.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


def program_copy_key(
    program_key: str, program_id: int, template_key: str, taken: Callable[[str], bool]
) -> str:
    """The key of a program's copy of a template: the program's key, spelled as a workflow
    key may be, before the template's (``children_yes_therapeutic_partnership``), with the
    program's id at the end when ``taken(key)`` says that key is already used. Shared by
    the service that copies and the migration that moved global workflows to programs."""
    stem = "".join(c if c.isascii() and c.isalnum() else "_" for c in program_key.lower())
    if not stem[:1].isalpha():
        stem = f"p{stem}"
    key = f"{stem}_{template_key}"[:WORKFLOW_KEY_MAX]
    if taken(key):
        suffix = f"_{program_id}"
        key = f"{key[: WORKFLOW_KEY_MAX - len(suffix)]}{suffix}"
    return key


#: The length of a workflow key (as the definition schema allows).
WORKFLOW_KEY_MAX = 64


class WorkflowVersion(Base):
    """A published, immutable version of a workflow definition."""

    __tablename__ = "tpm_workflow_versions"
    __table_args__ = (UniqueConstraint("workflow_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("tpm_workflows.id", ondelete="CASCADE"))
    version: Mapped[int]
    definition: Mapped[dict[str, Any]]
    published_by: Mapped[str | None] = mapped_column(HOST_USER_ID)
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WorkflowDraft(Base):
    """A program manager's editable copy of a workflow, published as the next version."""

    __tablename__ = "tpm_workflow_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(
        ForeignKey("tpm_workflows.id", ondelete="CASCADE"), index=True
    )
    based_on_version: Mapped[int | None]
    definition: Mapped[dict[str, Any]]
    created_by: Mapped[str | None] = mapped_column(HOST_USER_ID)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
