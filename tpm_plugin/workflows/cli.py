"""``flask tpm workflow …``: list, export, import, validate, publish, diagram and migrate.

Commands are thin: they read files and options, call
:mod:`tpm_plugin.services.workflow_versions` as the trusted command-line operator, and print
sentences; a refused request exits non-zero with the problems, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

import click
from flask.cli import with_appcontext

from ..errors import TPMError
from ..services import workflow_versions as versions
from ..services.workflow_versions import COMMAND_LINE


@click.group("workflow")
def workflow_cli() -> None:
    """Workflow definitions: drafts, published versions, diagrams, migrations."""


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except TPMError as error:
        lines = [error.message]
        lines += [f"  {path}: {text}" for path, texts in error.fields.items() for text in texts]
        raise click.ClickException("\n".join(lines)) from None


def _read_json(file: IO[str]) -> Any:
    try:
        return json.load(file)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{file.name} is not valid JSON ({error}).") from None


@workflow_cli.command("list")
@with_appcontext
def list_command() -> None:
    """List every workflow: templates and each program's own, with the newest version."""
    with _refusals():
        workflows = versions.list_workflows(COMMAND_LINE)
    for workflow in workflows:
        owner = (
            "template" if workflow["program_id"] is None else f"program {workflow['program_id']}"
        )
        newest = workflow["newest_version"] or "none published"
        click.echo(f"{workflow['key']} ({owner}): newest version {newest}")


@workflow_cli.command("export")
@click.argument("key")
@click.option("--version", type=click.IntRange(min=1), help="Default: the newest version.")
@click.option("--output", "-o", type=click.File("w"), default="-", help="Default: stdout.")
@with_appcontext
def export_command(key: str, version: int | None, output: IO[str]) -> None:
    """Write the definition of workflow KEY as JSON."""
    with _refusals():
        definition = versions.export_definition(key, version)
    json.dump(definition, output, indent=2, sort_keys=False)
    output.write("\n")


@workflow_cli.command("import")
@click.argument("file", type=click.File("r"))
@click.option(
    "--program",
    "program_id",
    type=click.IntRange(min=1),
    help="The program a new workflow belongs to; without it a new workflow is a template.",
)
@with_appcontext
def import_command(file: IO[str], program_id: int | None) -> None:
    """Make a draft from the definition in FILE (creating its workflow if new)."""
    with _refusals():
        draft = versions.import_definition(COMMAND_LINE, _read_json(file), program_id)
    click.echo(
        f"Draft {draft.id} of workflow '{draft.workflow_key}' created; publish it with "
        f"`flask tpm workflow publish {draft.workflow_key} {draft.id}`."
    )


@workflow_cli.command("validate")
@click.argument("file", type=click.File("r"))
@with_appcontext
def validate_command(file: IO[str]) -> None:
    """Check the definition in FILE; exit 1 naming every problem."""
    problems = versions.definition_problems(_read_json(file))
    if problems:
        lines = [f"{file.name} is not a valid workflow definition:"]
        lines += [f"  {path}: {text}" for path, texts in problems.items() for text in texts]
        raise click.ClickException("\n".join(lines))
    click.echo(f"{file.name} is a valid workflow definition.")


@workflow_cli.command("publish")
@click.argument("key")
@click.argument("draft_id", type=click.IntRange(min=1))
@with_appcontext
def publish_command(key: str, draft_id: int) -> None:
    """Publish draft DRAFT_ID of workflow KEY as its next version."""
    with _refusals():
        version = versions.publish_draft(COMMAND_LINE, key, draft_id)
    click.echo(f"Published workflow '{key}' version {version.version}.")


@workflow_cli.command("diagram")
@click.argument("key")
@click.option("--version", type=click.IntRange(min=1), help="Default: the newest version.")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "svg"]), default="mermaid")
@click.option("--highlight", help="A stage to highlight.")
@click.option("--output", "-o", type=click.File("w"), default="-", help="Default: stdout.")
@with_appcontext
def diagram_command(
    key: str, version: int | None, fmt: str, highlight: str | None, output: IO[str]
) -> None:
    """Draw workflow KEY as Mermaid text or SVG."""
    from . import diagram

    with _refusals():
        definition = versions.export_definition(key, version)
    if highlight is not None and highlight not in {s["key"] for s in definition["stages"]}:
        raise click.BadParameter(
            f"'{highlight}' is not a stage of this workflow.", param_hint="--highlight"
        )
    draw: Callable[..., str] = diagram.to_svg if fmt == "svg" else diagram.to_mermaid
    output.write(draw(definition, highlight=highlight))
    output.write("\n")


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old or not new:
            raise click.BadParameter(f"'{pair}' is not OLD=NEW.", param_hint="--map")
        mapping[old] = new
    return mapping


@workflow_cli.command("migrate")
@click.argument("key")
@click.option("--to", "to_version", type=click.IntRange(min=1), required=True)
@click.option(
    "--partnership",
    "partnership_ids",
    type=click.IntRange(min=1),
    multiple=True,
    help="A partnership to move; repeat for each.",
)
@click.option(
    "--from-version",
    type=click.IntRange(min=1),
    help="Move every running partnership on this version instead.",
)
@click.option("--map", "pairs", multiple=True, help="OLD=NEW stage mapping; repeat for each.")
@with_appcontext
def migrate_command(
    key: str,
    to_version: int,
    partnership_ids: tuple[int, ...],
    from_version: int | None,
    pairs: tuple[str, ...],
) -> None:
    """Move partnerships of workflow KEY to version --to: those named with --partnership,
    or every running one on --from-version (all or none move, with a progress bar)."""
    mapping = _mapping(pairs)
    if bool(partnership_ids) == (from_version is not None):
        raise click.UsageError("Name partnerships with --partnership, or give --from-version.")
    if from_version is None:
        with _refusals():
            report = versions.migrate_partnerships(
                COMMAND_LINE, key, to_version, list(partnership_ids), mapping
            )
        for result in report.migrated:
            click.echo(
                f"Partnership {result.partnership_id}: version {result.from_version} "
                f"'{result.from_stage}' -> version {result.to_version} '{result.to_stage}'"
                + (" (ended)." if result.ended else ".")
            )
        for skipped in report.skipped:
            click.echo(f"Skipped: {skipped.reason}.")
        return
    ids = versions.running_partnership_ids(key, from_version)
    if not ids:
        click.echo(f"No running partnership is on version {from_version} of '{key}'.")
        return
    with _refusals(), click.progressbar(length=len(ids), label="Migrating partnerships") as bar:
        report = versions.migrate_partnerships(
            COMMAND_LINE, key, to_version, ids, mapping, on_progress=bar.update
        )
    click.echo(
        f"Moved {len(report.migrated)} partnerships from version {from_version} to {to_version}."
    )
