"""What every command shares: the database, the studio built on it, the actor, keys and errors."""

from __future__ import annotations

import getpass
import importlib
import json
import os
import uuid
from typing import IO, Any

import click
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import codec
from sessionpacks.database import create_engine
from sessionpacks.directory import AccountInfo
from sessionpacks.enums import Channel
from sessionpacks.errors import ConfigurationError
from sessionpacks.settings import Settings, allow_all
from sessionpacks.studio import Studio
from sessionpacks.values import Actor

CHANNEL = Channel.CLI
UPGRADE_HINT = "run `sessionpacks db upgrade` first"


class Failure(click.ClickException):
    """A problem the user can act on: one line ``error: ...`` on stderr, exit code 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", file=file, err=file is None)


class State:
    """One command's view of the database; the engine is made on first use and disposed after.

    The command line is a host of its own: whoever runs it holds the database credentials, so its
    studio allows every action and records each write as actor ``cli:<OS user name>``.
    """

    def __init__(
        self,
        url: str,
        plugins: tuple[str, ...] = (),
        timezone: str = "UTC",
        *,
        engine: Engine | None = None,
        plugin_objects: tuple[object, ...] = (),
    ) -> None:
        self.url = url
        self.plugin_specs = plugins
        self.plugin_objects = plugin_objects
        self.timezone = timezone
        # A host's engine (``flask sessionpacks``) is borrowed: used, never disposed here.
        self._borrowed = engine is not None
        self._engine: Engine | None = engine
        self._studio: Studio | None = None
        self.actor = Actor(kind="cli", id=os_user())

    @property
    def shown_url(self) -> str:
        """The URL with its password masked, fit for messages."""
        try:
            return sa.make_url(self.url).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            return self.url

    def engine(self, *, create: bool = False) -> Engine:
        """The engine; unless ``create``, a SQLite file that does not exist is refused rather than
        silently created empty in whatever directory the command ran in."""
        if self._engine is None:
            url = sa.make_url(self.url)
            path = url.database or ""
            in_file = url.get_backend_name() == "sqlite" and path not in ("", ":memory:")
            if not create and in_file and not path.startswith("file:") and not os.path.exists(path):
                raise Failure(f"there is no database file {path!r}; {UPGRADE_HINT} to create it")
            try:
                self._engine = create_engine(url)
            except ConfigurationError as error:  # it names the URL to write instead
                raise click.BadParameter(str(error), param_hint="'--url'") from None
        return self._engine

    @property
    def studio(self) -> Studio:
        if self._studio is None:
            self._studio = Studio(
                self.engine(),
                settings=Settings(policy=allow_all, studio_timezone=self.timezone),
                plugins=[
                    *self.plugin_objects,
                    *(load_plugin(spec) for spec in self.plugin_specs),
                ],
            )
        return self._studio

    def account(self, ref: str) -> AccountInfo:
        return self.studio.account_by_ref(ref)

    def close(self) -> None:
        if self._engine is not None and not self._borrowed:
            self._engine.dispose()
            self._engine = None
            self._studio = None


def load_plugin(spec: str) -> object:
    """The plugin named ``module:attribute``; a class is instantiated without arguments. This is
    how the command line gets a payment provider for ``sell`` and ``refund``."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise click.BadParameter(
            f"{spec!r} is not module:attribute, such as mystudio.payments:StripePayments",
            param_hint="'--plugin'",
        )
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise click.BadParameter(
            f"cannot load plugin {spec!r}: {error}", param_hint="'--plugin'"
        ) from error
    return found() if isinstance(found, type) else found


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # OSError or KeyError, by Python version, when no name is known
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def idempotency_key(key: str | None, as_json: bool) -> str:
    """The key given, or a fresh one, printed before the write so that a run that dies half-way
    can be repeated with it safely. With ``--json`` it goes to stderr to keep stdout one document.
    """
    if key is not None:
        return key
    key = str(uuid.uuid4())
    click.echo(
        f"idempotency key: {key} (to retry this exact request, add --key {key})", err=as_json
    )
    return key


def print_json(value: object) -> None:
    click.echo(json.dumps(codec.encode(value), indent=2))


pass_state = click.make_pass_decorator(State)

json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the result as one JSON document, and nothing else, on stdout.",
)
key_option = click.option(
    "--key",
    metavar="KEY",
    help="Idempotency key. Repeating the command with the same key and arguments returns the"
    " first result and changes nothing. Without it a fresh key is made and printed.",
)
reason_option = click.option("--reason", required=True, help="Why, for the audit trail.")
setup_key_option = click.option(
    "--key",
    metavar="KEY",
    help="Idempotency key. Repeating the command with the same key and arguments returns the"
    " first result and adds nothing more.",
)


def setup_call(state: State, key: str | None) -> dict[str, Any]:
    """What a set-up command passes the core: who runs it, on which channel, under which key."""
    return {"actor": state.actor, "idempotency_key": key, "channel": CHANNEL}
