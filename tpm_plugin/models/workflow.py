"""Workflow definitions as data: immutable published versions and editable drafts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow
from .people import HOST_USER_ID


class Workflow(Base):
    """A named workflow (``therapeutic_partnership`` or a program manager's own)."""

    __tablename__ = "tpm_workflows"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


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
