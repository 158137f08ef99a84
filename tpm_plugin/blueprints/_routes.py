"""The API's route table: built once per process, compiled on the first request.

Werkzeug compiles every URL rule as it is added, about half a millisecond each; with the
API's dozens of endpoints that would make ``init_app`` several times slower than building
the host app itself (hosts build an app per test). So route modules register on one
process-wide :class:`RouteTable` (with ``add_url_rule``/``get``/``post``… as on a blueprint),
and each app's API blueprint gets a single rule, :func:`mount`, that dispatches through it.
Hooks and error handlers stay on the blueprint, so they apply as usual.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, request, url_for
from flask.sansio.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import BaseConverter, IntegerConverter, Map, MapAdapter, Rule

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

#: The largest id a 32-bit INTEGER primary key holds.
MAX_ID = 2**31 - 1


def up_to(maximum: int) -> str:
    """A regular expression matching the decimal numbers 1 … ``maximum`` (no sign, no
    leading zero) and nothing else."""
    digits = str(maximum)
    shorter = rf"[1-9]\d{{0,{len(digits) - 2}}}" if len(digits) > 1 else None
    same_length = []
    for position, digit in enumerate(digits):
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            rest = len(digits) - position - 1
            same_length.append(
                f"{digits[:position]}[{lowest}-{int(digit) - 1}]"
                + (rf"\d{{{rest}}}" if rest else "")
            )
    same_length.append(digits)
    return "|".join(filter(None, [shorter, *same_length]))


class IdConverter(IntegerConverter):
    """``<int:…>`` in API routes: ids from 1 to :data:`MAX_ID`. Anything else (0, negative,
    too large, leading zeros) does not match the path at all, so every method answers 404,
    never a 405 or an out-of-range value reaching the database."""

    regex = f"(?:{up_to(MAX_ID)})"

    def __init__(self, map: Map, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class AnyPathConverter(BaseConverter):
    """The rest of a path under the API prefix, whatever it holds (empty, slashes, line
    breaks), so every path there reaches the API and answers in its error shape."""

    regex = "(?s:.*)"
    part_isolating = False


class PrefixRestConverter(AnyPathConverter):
    """What follows a prefix written straight after it (``/tpm/api<tpm_rest:path>``):
    nothing (the bare prefix) or a slash and anything after it, never ``/tpm/apix``. The
    value is the part after that slash, as :class:`AnyPathConverter` gives it, so one rule
    serves both the bare prefix and everything below it (each rule costs the host's
    start-up its compilation)."""

    regex = "(?s:(?:/.*)?)"

    def to_python(self, value: str) -> str:
        return value[1:]

    def to_url(self, value: Any) -> str:
        # Below the prefix, as the rule ``<prefix>/<path>`` would build it (``path=""``:
        # ``<prefix>/``).
        return "/" + super().to_url(value)


@dataclass(frozen=True)
class Route:
    """One registered API route: its URL rule, methods, endpoint and view."""

    rule: str
    methods: frozenset[str]
    endpoint: str
    view: Callable[..., Any]


class RouteTable:
    """Collects API routes like a blueprint; :meth:`dispatch` serves them."""

    def __init__(self) -> None:
        self._routes: list[Route] = []
        self._views: dict[str, Callable[..., Any]] = {}
        self._adapter: MapAdapter | None = None
        self._arguments: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        methods: list[str] | None = None,
        **options: Any,
    ) -> None:
        """Register ``view_func`` at ``rule`` (relative to the API prefix), like Flask does."""
        if view_func is None:
            raise ValueError(f"The API route {rule} needs a view function.")
        if options:
            raise TypeError(f"Unsupported route options for {rule}: {sorted(options)}.")
        if self._adapter is not None:
            raise RuntimeError("API routes must be registered before the first request.")
        route = Route(
            rule=rule,
            methods=frozenset(m.upper() for m in (methods or ["GET"])),
            endpoint=endpoint or view_func.__name__,
            view=view_func,
        )
        if route.endpoint in self._views:
            raise ValueError(f"Two API views share the endpoint name {route.endpoint!r}.")
        self._routes.append(route)
        self._views[route.endpoint] = view_func

    def route(
        self, rule: str, **options: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator form of :meth:`add_url_rule`."""

        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            self.add_url_rule(rule, options.pop("endpoint", None), view, **options)
            return view

        return register

    def get(self, rule: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(rule, methods=["POST"], **options)

    def put(self, rule: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(rule, methods=["PUT"], **options)

    def patch(
        self, rule: str, **options: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(rule, methods=["PATCH"], **options)

    def delete(
        self, rule: str, **options: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(rule, methods=["DELETE"], **options)

    def __iter__(self) -> Iterator[Route]:
        """Every registered route (the OpenAPI document is built from these)."""
        return iter(self._routes)

    def _compiled(self) -> MapAdapter:
        if self._adapter is None:
            with self._lock:
                if self._adapter is None:
                    rules = [
                        Rule(route.rule, endpoint=route.endpoint, methods=sorted(route.methods))
                        for route in self._routes
                    ]
                    adapter = Map(
                        rules, strict_slashes=False, converters={"int": IdConverter}
                    ).bind("localhost")
                    self._arguments = {rule.endpoint: frozenset(rule.arguments) for rule in rules}
                    self._adapter = adapter
        return self._adapter

    def dispatch(self, path: str) -> Any:
        """Serve an API request: match ``path`` and call its view (404/405 otherwise).

        ``OPTIONS`` answers with the path's methods in ``Allow``, as Flask does for its own
        routes (CORS extensions of the host build on that).
        """
        adapter = self._compiled()
        if request.method == "OPTIONS":
            allowed = adapter.allowed_methods("/" + path)
            if not allowed:
                raise NotFound()
            return Response(status=200, headers={"Allow": ", ".join(sorted(allowed))})
        endpoint, arguments = adapter.match("/" + path, method=request.method)
        return self._views[endpoint](**arguments)

    def view_for(self, path: str, method: str) -> Callable[..., Any] | None:
        """The view serving ``method`` at ``path`` (below the prefix), or ``None``."""
        try:
            endpoint, _ = self._compiled().match(path, method=method)
        except HTTPException:
            return None
        return self._views[endpoint]

    def match(self, path: str, method: str) -> tuple[str, dict[str, Any]] | None:
        """The endpoint and arguments ``path`` (below the API prefix) answers for ``method``,
        or ``None`` when no route does."""
        try:
            return self._compiled().match("/" + path.lstrip("/"), method=method)
        except HTTPException:
            return None

    def view(self, endpoint: str) -> Callable[..., Any]:
        """The view function of ``endpoint``."""
        return self._views[endpoint]

    def arguments(self, endpoint: str) -> frozenset[str]:
        """The names the rule of ``endpoint`` takes from the path.

        Raises:
            KeyError: no route has that endpoint.
        """
        self._compiled()
        try:
            return self._arguments[endpoint]
        except KeyError:
            raise KeyError(f"No route called {endpoint!r}.") from None

    def path_for(self, endpoint: str, **values: Any) -> str:
        """The path of an API endpoint below the API prefix, without the leading slash."""
        return self._compiled().build(endpoint, values).lstrip("/")


class LazyBuildRule(Rule):
    """A rule whose URL builders are compiled when first used.

    Werkzeug compiles two URL-builder functions for every rule it adds, which is most of
    what mounting the plugin would cost a host's start-up (about a millisecond a rule); the
    plugin's rules (the API's and the pages' dispatch rules, the intake webhook) are
    rarely built into URLs, so their builders wait. The stand-ins are two module-level
    functions shared by every rule, not closures made per rule: each object an app keeps
    is also work for the garbage collector of a host that builds an app per test.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        return _build_with_unknown if append_unknown else _build_without_unknown

    def compiled_builder(self, append_unknown: bool) -> Callable[..., tuple[str, str]]:
        """Werkzeug's URL builder of this rule, compiled on its first use."""
        builders = self.__dict__.setdefault("_tpm_builders", {})
        builder = builders.get(append_unknown)
        if builder is None:
            # Two threads building the first URL at once both compile; either result serves.
            builder = builders[append_unknown] = Rule._compile_builder(
                self, append_unknown
            ).__get__(self, None)
        return builder


def _build_with_unknown(rule: LazyBuildRule, *args: Any, **kwargs: Any) -> tuple[str, str]:
    return rule.compiled_builder(True)(*args, **kwargs)


def _build_without_unknown(rule: LazyBuildRule, *args: Any, **kwargs: Any) -> tuple[str, str]:
    return rule.compiled_builder(False)(*args, **kwargs)


def mount(blueprint: Blueprint, table: RouteTable) -> None:
    """Give ``blueprint`` the one rule (endpoint ``dispatch``, argument ``path``: what
    follows the prefix and its slash) that serves every route of ``table`` and the bare
    prefix too, added as Flask's own blueprint setup would."""

    def add_dispatch_rule(state: BlueprintSetupState) -> None:
        endpoint = f"{state.name_prefix}.{state.name}.dispatch".lstrip(".")
        prefix = (state.url_prefix or "").rstrip("/")
        converters = state.app.url_map.converters
        if prefix:
            # One rule for ``prefix``, ``prefix/`` and below: the bare prefix answers as an
            # (unknown) path of its own, not with a redirect.
            converters.setdefault("tpm_rest", PrefixRestConverter)
            rule = f"{prefix}<tpm_rest:path>"
        else:
            converters.setdefault("tpm_any_path", AnyPathConverter)
            rule = "/<tpm_any_path:path>"
        state.app.url_map.add(
            LazyBuildRule(rule, endpoint=endpoint, methods=_METHODS, subdomain=state.subdomain)
        )
        state.app.view_functions[endpoint] = table.dispatch

    blueprint.record(add_dispatch_rule)


def url_for_api(blueprint_name: str, table: RouteTable, endpoint: str, **values: Any) -> str:
    """The URL of an API endpoint (by its name within the API), like ``flask.url_for``."""
    return url_for(f"{blueprint_name}.dispatch", path=table.path_for(endpoint, **values))
