"""The allowlist of guard functions a workflow definition may name.

A definition names guards as plain strings; only names registered here resolve, so a
definition can never make the engine import arbitrary code (``transitions`` would import
any dotted path it is given).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..access import Actor
    from ..models import Partnership


@dataclass(frozen=True)
class GuardContext:
    """What a guard sees: the locked partnership row and the transition being taken.

    A guard answers with SQL aggregates (``EXISTS``, ``COUNT``) on ``session``, never by
    loading the partnership's history, so a transition costs the same however long the
    history is.

    Attributes:
        partnership: the partnership row (locked when a transition fires).
        session: the service's session, inside its transaction.
        actor: who asks (``None`` for the command line).
        trigger: the transition's trigger.
        source: the stage being left.
        dest: the stage being entered.
        hold_stages: the version's hold stages (returning from one is not entering a stage
            anew: a review written before the pause still counts after it).
    """

    partnership: Partnership
    session: Session
    actor: Actor | None
    trigger: str
    source: str
    dest: str
    hold_stages: frozenset[str] = frozenset()


#: A guard takes the context and says whether the transition may happen.
GuardFunction = Callable[[GuardContext], bool]


@dataclass(frozen=True)
class Guard:
    """A registered guard: its function and the sentence shown when it blocks."""

    name: str
    function: GuardFunction
    failure_message: str


class GuardRegistry:
    """Guards by name. ``TPM.guard`` registers into the extension's registry."""

    def __init__(self) -> None:
        self._guards: dict[str, Guard] = {}

    def register(self, name: str, function: GuardFunction, failure_message: str) -> None:
        """Register ``function`` as guard ``name``.

        Raises:
            ValueError: ``name`` is already registered (a second registration would
                silently change how running partnerships are checked).
        """
        if name in self._guards:
            raise ValueError(f"A guard named {name!r} is already registered; choose another name.")
        self._guards[name] = Guard(name, function, failure_message)

    def get(self, name: str) -> Guard:
        """The guard registered as ``name``.

        Raises:
            KeyError: no guard has that name.
        """
        return self._guards[name]

    def __contains__(self, name: object) -> bool:
        return name in self._guards

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._guards))

    def names(self) -> frozenset[str]:
        """Every registered guard name."""
        return frozenset(self._guards)
