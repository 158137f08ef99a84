"""``flask tpm programs …`` and ``flask tpm people …``: setting a center up from the shell.

Nobody can use the API before somebody manages a program, so the first program and its
first managers come from here. Users are named as the operator knows them (an id, or an
e-mail when the host registers a :meth:`~tpm_plugin.TPM.user_finder`) and checked against
the host's users before anything is written.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .errors import TPMError
from .services import membership
from .services.people import create_program

_ROLE = click.Choice(membership.MEMBER_ROLES)


def _host_user_id(identifier: str) -> str:
    """The host user id ``identifier`` names, or a sentence saying how to name one."""
    found = current_app.extensions["tpm"].ext.find_user(identifier)
    if found is None:
        raise click.ClickException(
            f"No host user {identifier!r}. Give the user's id as your user loader knows it, "
            "or register @tpm.user_finder to look users up by e-mail."
        )
    return found


def _refusal(error: TPMError) -> click.ClickException:
    details = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in error.fields.items())
    return click.ClickException(f"{error.message} ({details})" if details else error.message)


@click.group("programs")
def programs_cli() -> None:
    """The center's partnership programs."""


@programs_cli.command("create")
@click.argument("key")
@click.option("--name", required=True, help="The program's name, as people know it.")
@click.option(
    "--manager",
    "managers",
    multiple=True,
    required=True,
    help="A host user (id, or e-mail with a user finder) who manages it; repeatable.",
)
@click.option("--timezone", help="IANA timezone of its weeks (default TPM_DEFAULT_TIMEZONE).")
@click.option("--workflow", help="Workflow key (default TPM_DEFAULT_WORKFLOW).")
@with_appcontext
def create_program_command(
    key: str, name: str, managers: tuple[str, ...], timezone: str | None, workflow: str | None
) -> None:
    """Create program KEY with its first managers."""
    user_ids = [_host_user_id(manager) for manager in managers]
    try:
        program = create_program(
            key=key,
            name=name,
            manager_user_ids=user_ids,
            timezone=timezone,
            workflow_key=workflow,
        )
    except TPMError as error:
        raise _refusal(error) from None
    click.echo(f"Program {key!r} created (id {program.id}) with {len(set(user_ids))} manager(s).")


@click.group("people")
def people_cli() -> None:
    """Who manages, supervises and partners in a program."""


@people_cli.command("add")
@click.argument("program")
@click.option("--role", type=_ROLE, required=True, help="The role to give.")
@click.option("--user", "user", required=True, help="The host user (id, or e-mail).")
@click.option("--name", help="Display name of a new supervisor or partner.")
@with_appcontext
def add_person(program: str, role: str, user: str, name: str | None) -> None:
    """Give a host user a role in PROGRAM (a program key)."""
    try:
        result = membership.add_member(program, role, _host_user_id(user), name)
    except TPMError as error:
        raise _refusal(error) from None
    click.echo(f"{role.capitalize()} {result.change} in program {program!r} (id {result.row_id}).")


@people_cli.command("remove")
@click.argument("program")
@click.option("--role", type=_ROLE, required=True, help="The role to take away.")
@click.option("--user", "user", required=True, help="The host user (id, or e-mail).")
@with_appcontext
def remove_person(program: str, role: str, user: str) -> None:
    """Take a role in PROGRAM away from a host user (a program keeps one manager at least;
    supervisors and partners are marked inactive, their records kept)."""
    try:
        result = membership.remove_member(program, role, _host_user_id(user))
    except TPMError as error:
        raise _refusal(error) from None
    click.echo(f"{role.capitalize()} {result.change} in program {program!r} (id {result.row_id}).")
