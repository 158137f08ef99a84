"""The workflow engine: one ``transitions.Machine`` per published version, built once.

A published version never changes, so its machine is built the first time a partnership
on that version is touched and kept in ``TPMState.machines`` under (workflow key,
version) for the life of the app. The machine has no models (``model=None``): a trigger
fires on a stand-in holding the partnership's stage, which the machine reads and sets, so
a million partnerships on one version share one machine.

Guards reach the machine as callables resolved from the extension's allowlist; the
machine never sees a guard's name, so it never imports a dotted path. A guard a published
version names but this worker has not registered (a deployment missing a module) resolves to
one that raises :class:`GuardNotRegistered`: only the transitions naming it fail, everything
else about the version keeps working.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from transitions import Machine

from ..errors import TPMError
from .cadence import stage_rule
from .definition import START, TERMINAL
from .guards import Guard, GuardContext, GuardRegistry

#: The partnership attribute the machines read and write.
STAGE_ATTRIBUTE = "stage"

#: The guard whose transitions resume a held partnership; a stage such transitions leave is
#: a hold stage, and entering one records the stage left in ``held_from_stage``.
RESUME_GUARD = "returns_to_held_stage"

_build_lock = threading.Lock()


class GuardNotRegistered(TPMError):
    """A published version names a guard this worker has not registered (503): the
    transition cannot be checked here, and nothing is changed."""

    status = 503
    code = "guard_not_registered"


def missing_guard(name: str) -> Guard:
    """The stand-in for guard ``name`` when it is not registered: it refuses by raising
    :class:`GuardNotRegistered`, whose sentence says what to do."""
    message = (
        f"The guard '{name}' named by this workflow is not registered on this server; register "
        "it with @tpm.guard before the app serves requests (`flask tpm doctor` lists every "
        "missing guard)."
    )

    def refuse(context: GuardContext) -> bool:
        raise GuardNotRegistered(message, extra={"guard": name})

    return Guard(name, refuse, message)


def resolve_guard(registry: GuardRegistry, name: str) -> Guard:
    """The registered guard ``name``, or its :func:`missing_guard` stand-in."""
    return registry.get(name) if name in registry else missing_guard(name)


@dataclass(frozen=True)
class TransitionSpec:
    """One transition of a published version, as the services use it."""

    trigger: str
    label: str
    sources: tuple[str, ...]
    dest: str
    guards: tuple[str, ...]
    roles: tuple[str, ...]
    reason_required: bool


@dataclass(frozen=True)
class CompiledWorkflow:
    """A published version with its machine and the lookups the services need.

    Attributes:
        key: the workflow key.
        version: the published version number.
        definition: the validated definition (do not mutate).
        machine: the version's one ``transitions.Machine``.
        start: the start stage.
        stages: stage definitions by key.
        outgoing: transitions leaving each stage, in definition order.
        hold_stages: stages a partnership resumes from into the stage it was held from.
    """

    key: str
    version: int
    definition: Mapping[str, Any]
    machine: Machine
    start: str
    stages: Mapping[str, Mapping[str, Any]]
    outgoing: Mapping[str, tuple[TransitionSpec, ...]]
    hold_stages: frozenset[str]
    _by_source_trigger: Mapping[tuple[str, str], TransitionSpec] = field(repr=False)

    def transition(self, stage: str, trigger: str) -> TransitionSpec | None:
        """The transition ``trigger`` takes from ``stage``, or ``None``."""
        return self._by_source_trigger.get((stage, trigger))

    def is_terminal(self, stage: str) -> bool:
        """Whether ``stage`` ends a partnership."""
        return self.stages.get(stage, {}).get("kind") == TERMINAL

    def has_scheduled_work(self, stage: str) -> bool:
        """Whether entering ``stage`` starts scheduled work: it owes meetings and supervision,
        or its cadence makes reviews due."""
        definition = self.stages.get(stage, {})
        return stage_rule(definition).owes or "review_every_weeks" in (
            definition.get("cadence") or {}
        )


def build(
    key: str, version: int, definition: Mapping[str, Any], guards: GuardRegistry
) -> CompiledWorkflow:
    """Build the machine and lookups of a validated definition (guards not registered
    resolve to :func:`missing_guard`)."""
    stages = {stage["key"]: stage for stage in definition["stages"]}
    start = next(key for key, stage in stages.items() if stage["kind"] == START)
    specs = [
        TransitionSpec(
            trigger=item["trigger"],
            label=item["label"],
            sources=tuple(item["sources"]),
            dest=item["dest"],
            guards=tuple(item.get("guards", ())),
            roles=tuple(item["roles"]),
            reason_required=bool(item.get("reason_required", False)),
        )
        for item in definition["transitions"]
    ]
    machine_transitions = []
    outgoing: dict[str, list[TransitionSpec]] = {stage: [] for stage in stages}
    by_source_trigger: dict[tuple[str, str], TransitionSpec] = {}
    for spec in specs:
        conditions = [_condition(resolve_guard(guards, name)) for name in spec.guards]
        for source in spec.sources:
            outgoing[source].append(spec)
            by_source_trigger[(source, spec.trigger)] = spec
            machine_transitions.append(
                {
                    "trigger": spec.trigger,
                    "source": source,
                    "dest": spec.dest,
                    "conditions": conditions,
                }
            )
    machine = Machine(
        model=None,
        states=list(stages),
        transitions=machine_transitions,
        initial=start,
        auto_transitions=False,
        send_event=True,
        model_attribute=STAGE_ATTRIBUTE,
        name=f"{key}@{version}",
    )
    hold_stages = frozenset(
        source for spec in specs if RESUME_GUARD in spec.guards for source in spec.sources
    )
    return CompiledWorkflow(
        key=key,
        version=version,
        definition=definition,
        machine=machine,
        start=start,
        stages=stages,
        outgoing={stage: tuple(items) for stage, items in outgoing.items()},
        hold_stages=hold_stages,
        _by_source_trigger=by_source_trigger,
    )


def _condition(guard: Guard):
    def check(event) -> bool:
        return bool(guard.function(event.kwargs["context"]))

    check.__name__ = guard.name
    return check


def compiled(key: str, version: int, load_definition) -> CompiledWorkflow:
    """The cached compiled workflow of (``key``, ``version``), building it on first use.

    Args:
        key: the workflow key.
        version: the published version.
        load_definition: called as ``load_definition(key, version)`` only on a cache miss.

    Raises:
        whatever ``load_definition`` raises for an unknown version.
    """
    state = current_app.extensions["tpm"]
    cache_key = (key, version)
    found = state.machines.get(cache_key)
    if found is not None:
        return found
    definition = load_definition(key, version)
    with _build_lock:
        found = state.machines.get(cache_key)
        if found is None:
            found = build(key, version, definition, state.ext.guards)
            state.machines[cache_key] = found
    return found


@dataclass
class _Stage:
    """What the machine fires on: a stage and nothing else."""

    stage: str


def fire(
    workflow: CompiledWorkflow, partnership: Any, trigger: str, context: GuardContext
) -> str | None:
    """Fire ``trigger`` from ``partnership``'s stage with the version's machine.

    The machine checks the transition's guards in order and, when all pass, moves a
    stand-in holding only the stage: the partnership itself is left as it was, for the
    caller to write its new stage (in one statement with the rest of the transition, so
    the row is never changed twice). The caller has checked that the trigger leaves the
    current stage.

    Returns:
        the new stage, or ``None`` when a guard said no.
    """
    moving = _Stage(partnership.stage)
    if not workflow.machine.events[trigger].trigger(moving, context=context):
        return None
    return moving.stage


def blocking_guards(spec: TransitionSpec, context: GuardContext) -> list[Guard]:
    """Every guard of ``spec`` that refuses in ``context`` (all are asked, for the reasons);
    a guard that is not registered counts as refusing, with its sentence saying so."""
    registry: GuardRegistry = current_app.extensions["tpm"].ext.guards
    blocking = []
    for name in spec.guards:
        if name not in registry:
            blocking.append(missing_guard(name))
        elif not registry.get(name).function(context):
            blocking.append(registry.get(name))
    return blocking
