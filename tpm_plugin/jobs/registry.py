"""The allowlist of jobs: every job the outbox may name, by a fixed name.

An outbox row names its job (``"tpm.stage_entered"``); the relay turns that name into a
function through this registry and nothing else. A name read from the database is never
imported as a dotted path, so a row written by mistake (or by an attacker with database
access) cannot make a worker run arbitrary code::

    from tpm_plugin.jobs.registry import register_job

    @register_job("tpm.meeting_reminder")
    def meeting_reminder(meeting_id: int, lead_minutes: int) -> None:
        ...

A job function takes keyword arguments that are ids (ints or short strings) only, and is
defined at module level (rq stores the function by its import path, which the plugin
chooses, never the data). Modules holding jobs are imported by :mod:`.catalog`, which the
extension imports at start-up, so the registry is complete in the web process and in workers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

JobFunction = Callable[..., Any]
F = TypeVar("F", bound=JobFunction)

_JOBS: dict[str, JobFunction] = {}


class UnknownJob(LookupError):
    """An outbox row or a caller named a job that is not registered."""


def register_job(name: str) -> Callable[[F], F]:
    """Decorator: make ``function`` runnable from the outbox under ``name``.

    Args:
        name: the job's fixed name, ``"tpm.<what>"`` by convention.

    Raises:
        ValueError: the name is taken by another function, or the function is not defined
            at module level (rq could not import it in a worker).
    """

    def register(function: F) -> F:
        if "<locals>" in function.__qualname__:
            raise ValueError(
                f"Job {name!r} ({function.__qualname__}) is defined inside a function; define "
                "job functions at module level so rq workers can import them."
            )
        existing = _JOBS.get(name)
        if existing is not None and _path(existing) != _path(function):
            raise ValueError(
                f"Job name {name!r} is already registered to {_path(existing)}; pick another name."
            )
        _JOBS[name] = function
        return function

    return register


def job_function(name: str) -> JobFunction:
    """The function registered under ``name``.

    Raises:
        UnknownJob: no job of that name is registered.
    """
    _load_catalog()
    try:
        return _JOBS[name]
    except KeyError:
        raise UnknownJob(
            f"No job is registered as {name!r}. Register it with "
            "@tpm_plugin.jobs.registry.register_job and import its module in "
            f"tpm_plugin.jobs.catalog. Registered: {', '.join(sorted(_JOBS)) or 'none'}."
        ) from None


def is_registered(name: str) -> bool:
    """Whether a job of that name exists."""
    _load_catalog()
    return name in _JOBS


def registered_names() -> list[str]:
    """Every registered job name, sorted."""
    _load_catalog()
    return sorted(_JOBS)


def job_name_of(func_name: str) -> str | None:
    """The registered name of the job whose import path is ``func_name`` (as rq stores it),
    or ``None`` for a job the plugin did not register."""
    _load_catalog()
    return next((name for name, function in _JOBS.items() if _path(function) == func_name), None)


def _path(function: JobFunction) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def _load_catalog() -> None:
    # Imported on first use rather than at the top: job modules import services, and
    # services import this registry.
    from . import catalog  # noqa: F401
