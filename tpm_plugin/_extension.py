"""The ``TPM`` Flask extension."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from . import config
from ._csrf import exempt_json_blueprint_from_csrf
from ._flask_migrate import hide_plugin_tables_from_flask_migrate
from .access import (
    ActorLoader,
    AdminLoader,
    RolesLoader,
    UserFinder,
    flask_login_actor,
    flask_login_user_finder,
    roles_from_tpm_tables,
)
from .blueprints._request_facts import install_request_facts
from .blueprints._routes import RouteTable
from .blueprints.api import api_routes, create_api_blueprint
from .blueprints.pages import create_pages_blueprint
from .blueprints.webhooks import install_webhooks
from .cli import tpm_cli
from .contacts import ContactLoader, contact_from_tpm_tables
from .i18n import install_babel
from .jobs.queue import QueueBackend, announce, connect
from .notifiers import Notifier, build_notifier
from .workflows.default_guards import register_default_guards
from .workflows.guards import GuardFunction, GuardRegistry

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy


@dataclass
class TPMState:
    """What the plugin keeps per app, at ``app.extensions["tpm"]``.

    Attributes:
        ext: the :class:`TPM` instance (loaders and guards live there).
        db: the host's Flask-SQLAlchemy instance; the plugin uses its session.
        redis_url, queue_name: where jobs go (``None``: the embedded in-memory Redis).
        machines: the per-app cache of built workflow machines, by (workflow key, version).
        notifier: how notifications go out (``TPM_NOTIFIER``).
    """

    ext: TPM
    db: SQLAlchemy
    redis_url: str | None
    queue_name: str
    notifier: Notifier
    machines: dict[tuple[str, int], Any] = field(default_factory=dict)
    api_routes: RouteTable = field(default_factory=api_routes)
    _queue: QueueBackend | None = None

    @property
    def queue(self) -> QueueBackend:
        """The Redis connection and rq queue, connected on first use (not at start-up)."""
        if self._queue is None:
            from .jobs.worker import app_job_class

            self._queue = connect(
                self.redis_url, self.queue_name, app_job_class(current_app._get_current_object())
            )
        return self._queue


class TPM:
    """Mounts the Therapeutic Partnership Model into a host Flask app.

    Single-module host::

        db = SQLAlchemy(app)
        tpm = TPM(app, db)

    App factory host::

        tpm = TPM()

        def create_app():
            app = Flask(__name__)
            db.init_app(app)
            tpm.init_app(app)  # finds the host's db in app.extensions["sqlalchemy"]
            return app

    Configuration keys (all prefixed ``TPM_``, defaults in :data:`tpm_plugin.config.DEFAULTS`):
    ``TPM_URL_PREFIX``, ``TPM_API_BLUEPRINT_NAME``, ``TPM_REDIS_URL``, ``TPM_QUEUE_NAME``,
    ``TPM_DEFAULT_TIMEZONE``, ``TPM_DEFAULT_MEETINGS_PER_WEEK``,
    ``TPM_DEFAULT_SUPERVISION_MINUTES_PER_CLIENT``, ``TPM_MAX_PAGE_SIZE``,
    ``TPM_DEFAULT_PAGE_SIZE``, ``TPM_MAX_BODY_BYTES``, ``TPM_DEFAULT_WORKFLOW``,
    ``TPM_NOTIFIER`` and its ``TPM_NOTIFIER_WEBHOOK_*`` settings (``"smtp"`` reads the host's
    ``MAIL_*``), ``TPM_MESSAGE_NAMES``, ``TPM_NOTIFICATION_CLAIM_SECONDS``,
    ``TPM_RELAY_INTERVAL_SECONDS``, ``TPM_RELAY_BATCH_SIZE``, ``TPM_JOB_RETRY_INTERVALS``,
    ``TPM_WEBHOOKS_BLUEPRINT_NAME``, ``TPM_INTAKE_MAX_BODY_BYTES``, ``TPM_INTAKE_RATE_LIMIT``,
    ``TPM_INTAKE_DEAD_LETTER_DAYS``.
    An unknown ``TPM_`` key raises :class:`tpm_plugin.config.ConfigError` at ``init_app``.

    The host plugs its own users in with decorators: :meth:`actor_loader` (who is acting),
    :meth:`roles_loader` (their roles), :meth:`admin_loader` (its administrators manage every
    program) and :meth:`user_finder` (how ``flask tpm`` commands and the people page find a user;
    :meth:`find_user` asks it).
    """

    def __init__(self, app: Flask | None = None, db: SQLAlchemy | None = None) -> None:
        self.db = db
        self._actor_loader: ActorLoader = flask_login_actor
        self._roles_loader: RolesLoader = roles_from_tpm_tables
        self._admin_loader: AdminLoader | None = None
        self._user_finder: UserFinder = flask_login_user_finder
        self._contact_loader: ContactLoader = contact_from_tpm_tables
        if app is not None:
            self.init_app(app, db)

    def init_app(self, app: Flask, db: SQLAlchemy | None = None) -> None:
        """Register the plugin on ``app``: config defaults, blueprints, CLI, queue.

        When the host uses Flask-WTF's ``CSRFProtect``, the JSON API is exempted from it; when
        it uses Flask-Migrate, its autogenerate is told to ignore the ``tpm_*`` tables. Either
        may be initialised before or after the plugin.

        Args:
            app: the host app.
            db: the host's Flask-SQLAlchemy instance; defaults to the one passed to the
                constructor, then to the one already registered on ``app``.

        Raises:
            RuntimeError: the plugin is already registered on this app, or the app has no
                Flask-SQLAlchemy.
            tpm_plugin.config.ConfigError: an unknown or malformed ``TPM_`` setting.
        """
        if "tpm" in app.extensions:
            raise RuntimeError(
                "tpm_plugin is already registered on this app. Call TPM(app) or "
                "tpm.init_app(app) once per app; to reach it later use "
                "app.extensions['tpm'] or tpm_plugin.current_tpm()."
            )
        db = db or self.db or app.extensions.get("sqlalchemy")
        if db is None:
            raise RuntimeError(
                "tpm_plugin uses the host's Flask-SQLAlchemy session, and this app has none. "
                "Call db.init_app(app) before tpm.init_app(app), or pass db=your_db."
            )
        config.apply_defaults(app.config)
        state = TPMState(
            ext=self,
            db=db,
            redis_url=app.config["TPM_REDIS_URL"],
            queue_name=app.config["TPM_QUEUE_NAME"],
            notifier=build_notifier(app.config),
        )
        app.extensions["tpm"] = state

        install_request_facts()
        api = create_api_blueprint(app.config["TPM_API_BLUEPRINT_NAME"])
        app.register_blueprint(api, url_prefix=f"{app.config['TPM_URL_PREFIX']}/api")
        exempt_json_blueprint_from_csrf(app, api)
        install_webhooks(app)
        install_babel(app)  # the pages' and the messages' language
        if app.config["TPM_PAGES_ENABLED"]:
            pages = create_pages_blueprint(app.config["TPM_PAGES_BLUEPRINT_NAME"])
            pages_prefix = app.config["TPM_PAGES_URL_PREFIX"] or app.config["TPM_URL_PREFIX"]
            app.register_blueprint(pages, url_prefix=pages_prefix)
        hide_plugin_tables_from_flask_migrate(app)
        app.cli.add_command(tpm_cli)
        announce(state.redis_url)

    @cached_property
    def guards(self) -> GuardRegistry:
        """The guards workflow definitions may name: the shipped ones and those registered
        with :meth:`guard`. Built on first use, not with the extension: a host that builds
        an app (and a ``TPM``) per test pays for it only where a workflow runs."""
        registry = GuardRegistry()
        register_default_guards(registry)
        return registry

    def actor_loader(self, loader: ActorLoader) -> ActorLoader:
        """Decorator: register how to find the acting host user's id (``None``: nobody)."""
        self._actor_loader = loader
        return loader

    def roles_loader(self, loader: RolesLoader) -> RolesLoader:
        """Decorator: register how to turn a host user id into an :class:`~tpm_plugin.Actor`."""
        self._roles_loader = loader
        return loader

    def admin_loader(self, loader: AdminLoader) -> AdminLoader:
        """Decorator: register how to tell whether a host user id is a center administrator
        (a host role, permission bit or flag). With the default roles loader, an administrator
        manages every program and may create programs. Return ``False`` for unknown ids."""
        self._admin_loader = loader
        return loader

    def user_finder(self, finder: UserFinder) -> UserFinder:
        """Decorator: register how ``flask tpm`` commands find a host user from what an
        operator types (an id or an e-mail). Return the user's id, or ``None`` when there is
        no such user. The default asks Flask-Login's ``user_loader``, so it finds ids only."""
        self._user_finder = finder
        return finder

    def find_user(self, identifier: str) -> str | None:
        """The host user id that ``identifier`` (what an operator or a manager typed: an id,
        or an e-mail when the host's :meth:`user_finder` knows e-mails) names, as a string;
        ``None`` when the registered finder knows nobody by it."""
        found = self._user_finder(identifier)
        return None if found is None else str(found)

    def contact_loader(self, loader: ContactLoader) -> ContactLoader:
        """Decorator: register how to reach a person the plugin notifies: called with a role
        (``"partner"``, ``"supervisor"``, ``"guardian"``) and the plugin id, it returns a
        :class:`~tpm_plugin.contacts.Contact` or ``None``."""
        self._contact_loader = loader
        return loader

    def guard(
        self, name: str, message: str | None = None
    ) -> Callable[[GuardFunction], GuardFunction]:
        """Decorator: register a guard a workflow definition may name.

        Args:
            name: the name definitions use.
            message: the sentence shown when the guard blocks a transition; defaults to
                the function's docstring.
        """

        def register(function: GuardFunction) -> GuardFunction:
            sentence = message or (function.__doc__ or name).strip().splitlines()[0]
            self.guards.register(name, function, sentence)
            return function

        return register
