"""Workflow definitions as data, the machine engine, and the guards they name."""

from .definition import DefinitionInvalid, default_definition, validate_definition

__all__ = ["DefinitionInvalid", "default_definition", "validate_definition"]
