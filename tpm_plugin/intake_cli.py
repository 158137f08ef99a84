"""``flask tpm intake …``: intake sources, dead letters, replay and retention.

Commands are thin: they call :mod:`tpm_plugin.services.intake` as the trusted command-line
operator and print sentences (never a submission's answers); a refusal exits non-zero
with its problems.
"""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from .schemas.intake import SOURCE_KINDS, mapping_problems
from .schemas.intake_review import DUPLICATE_DECISIONS
from .services.intake import dead_letters, duplicates, review, sources
from .services.workflow_versions import COMMAND_LINE
from .workflows.cli import _refusals

_ALL = {"page": 1, "page_size": 10_000}


@click.group("intake")
def intake_cli() -> None:
    """Intake forms: sources, their mappings and secrets, dead letters and replay."""


@intake_cli.command("create")
@click.argument("key")
@click.option("--kind", type=click.Choice(SOURCE_KINDS), required=True)
@click.option("--program-id", type=click.IntRange(min=1), required=True)
@click.option(
    "--map",
    "pairs",
    multiple=True,
    required=True,
    metavar="TARGET=REF",
    help="Which form field fills which target, e.g. --map first_name=q3_first (repeat).",
)
@click.option("--secret", help="The signing secret set in the form service (default: new).")
@with_appcontext
def create_command(
    key: str, kind: str, program_id: int, pairs: tuple[str, ...], secret: str | None
) -> None:
    """Create intake source KEY and print its secret (shown this once)."""
    mapping = dict(pair.partition("=")[::2] for pair in pairs)
    problems = mapping_problems(mapping)
    if problems:
        lines = ["The mapping is not usable:"]
        lines += [f"  {path}: {text}" for path, texts in problems.items() for text in texts]
        raise click.ClickException("\n".join(lines))
    data = {"key": key, "kind": kind, "program_id": program_id, "mapping": mapping}
    with _refusals():
        issued = sources.create_source(COMMAND_LINE, {**data, "secret": secret})
    _print_secret(issued)


@intake_cli.command("rotate")
@click.argument("source_id", type=click.IntRange(min=1))
@with_appcontext
def rotate_command(source_id: int) -> None:
    """Give source SOURCE_ID a new secret; the old one stays accepted until the next."""
    with _refusals():
        _print_secret(sources.rotate_secret(COMMAND_LINE, source_id))


@intake_cli.command("sources")
@with_appcontext
def sources_command() -> None:
    """List the intake sources."""
    page = sources.list_sources(COMMAND_LINE, {**_ALL, "sort": "id"})
    for source in page.items:
        state = "active" if source.active else "switched off"
        click.echo(
            f"{source.id}\t{source.key}\t{source.kind}\tprogram {source.program_id}\t{state}"
        )


@intake_cli.command("dead-letters")
@with_appcontext
def dead_letters_command() -> None:
    """List the dead letters waiting for a replay, with the fields at fault."""
    page = dead_letters.list_dead_letters(COMMAND_LINE, {**_ALL, "sort": "id", "status": "waiting"})
    for letter in page.items:
        fields = ", ".join(sorted(letter.problems)) or "-"
        click.echo(
            f"{letter.id}\tsource {letter.source_id}\t{letter.received_at:%Y-%m-%d %H:%M}\t{fields}"
        )
    click.echo(f"{page.total} dead letter(s) waiting.")


@intake_cli.command("replay")
@click.argument("dead_letter_ids", nargs=-1, type=click.IntRange(min=1))
@click.option("--all-waiting", is_flag=True, help="Replay every waiting dead letter.")
@with_appcontext
def replay_command(dead_letter_ids: tuple[int, ...], all_waiting: bool) -> None:
    """Replay dead letters through their source's current mapping."""
    ids = list(dead_letter_ids)
    if all_waiting:
        page = dead_letters.list_dead_letters(
            COMMAND_LINE, {**_ALL, "sort": "id", "status": "waiting"}
        )
        ids += [letter.id for letter in page.items]
    if not ids:
        raise click.UsageError("Name dead letter ids, or pass --all-waiting.")
    failed: list[str] = []
    with click.progressbar(ids, label="Replaying dead letters") as bar:
        for dead_letter_id in bar:
            try:
                with _refusals():
                    dead_letters.replay_dead_letter(COMMAND_LINE, dead_letter_id)
            except click.ClickException as error:
                failed.append(f"{dead_letter_id}: {error.message}")
    click.echo(f"{len(ids) - len(failed)} replayed, {len(failed)} still failing.")
    if failed:
        raise click.ClickException("\n".join(failed))


@intake_cli.command("duplicates")
@with_appcontext
def duplicates_command() -> None:
    """List the referrals flagged as possible duplicates that wait for a decision."""
    flagged = review.list_possible_duplicates(COMMAND_LINE)
    for item in flagged:
        others = ", ".join(str(i) for i in item.duplicate_client_ids)
        click.echo(
            f"{item.intake_record_id}\tclient {item.client_id}\t"
            f"partnership {item.partnership_id}\tlooks like {others}"
        )
    click.echo(f"{len(flagged)} possible duplicate(s) waiting.")


@intake_cli.command("resolve")
@click.argument("intake_record_id", type=click.IntRange(min=1))
@click.argument("decision", type=click.Choice(DUPLICATE_DECISIONS))
@click.option("--same-as", type=click.IntRange(min=1), help="For same: the flagged client id.")
@click.option("--another-open-reason", help="For same: why a second open partnership.")
@with_appcontext
def resolve_command(
    intake_record_id: int, decision: str, same_as: int | None, another_open_reason: str | None
) -> None:
    """Resolve INTAKE_RECORD_ID's possible duplicate: distinct, or same (with --same-as)."""
    with _refusals():
        done = duplicates.resolve_possible_duplicate(
            COMMAND_LINE,
            intake_record_id,
            decision,
            same_as,
            another_open_reason=another_open_reason,
        )
    if done.replaced_client_id is None:
        click.echo(f"Intake record {done.intake_record_id}: a different person.")
    else:
        click.echo(
            f"Intake record {done.intake_record_id}: partnership {done.partnership_id} moved "
            f"to client {done.client_id}; client {done.replaced_client_id} removed."
        )


@intake_cli.command("purge")
@click.option(
    "--older-than-days", type=click.IntRange(min=0), help="Default: TPM_INTAKE_DEAD_LETTER_DAYS."
)
@with_appcontext
def purge_command(older_than_days: int | None) -> None:
    """Delete dead letters past their retention."""
    age = None if older_than_days is None else dt.timedelta(days=older_than_days)
    click.echo(f"{dead_letters.purge_dead_letters(age)} dead letter(s) deleted.")


def _print_secret(issued: sources.IssuedSecret) -> None:
    source = issued.source
    click.echo(f"Intake source {source.id} ({source.key}, {source.kind}).")
    if issued.url_token:
        click.echo(f"URL token (shown once): {issued.url_token}")
        click.echo(
            f"Intake URL: <your host><TPM_URL_PREFIX>/webhooks/intake/{source.key}?token={issued.url_token}"
        )
    else:
        click.echo(f"Signing secret (shown once): {issued.secret}")
