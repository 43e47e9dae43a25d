"""The shared HTTP tests' Django host: sessionpacks mounted at ``/sessionpacks`` in a bare Django
project, its requests made by whoever ``who.current`` says, through a test client that answers
as Flask's does.

Django is configured once per process (``settings.configure``): signed-cookie sessions, Django's
CSRF middleware, and a middleware standing for the host's login that makes ``request.user`` a
signed-in user carrying ``who.current``, or an anonymous one when it is None. A plugin answering
``sessionpacks_django_identity`` returns that identity. The project sets ``LOGIN_URL = None`` and
no ``SESSIONPACKS["LOGIN_URL"]``, so an anonymous visitor gets the 401 page, as on the Flask host
that has no sign-in page.
"""

from __future__ import annotations

import contextlib
import io
import json as json_module
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import attrs
from support import Who

from sessionpacks import ManualClock, Settings, Studio, create_engine, migrate
from sessionpacks.hookspecs import hookimpl
from sessionpacks.testing import empty_tables
from sessionpacks.web import Identity

PREFIX = "sessionpacks/"

# Who the current test's requests come from; make_host points it at the test's Who.
_who: Who | None = None


def _configure() -> None:
    from django.conf import settings

    if settings.configured:
        return
    settings.configure(
        SECRET_KEY="shared http tests only",
        DEBUG=False,
        ALLOWED_HOSTS=["testserver", "localhost"],
        USE_TZ=True,
        TIME_ZONE="UTC",
        ROOT_URLCONF=__name__,
        LOGIN_URL=None,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "sessionpacks_django",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            f"{__name__}.signed_in_as_who",
        ],
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        DATABASES={},
        TEMPLATES=[],
        SESSIONPACKS={"STUDIO_NAME": "Test Studio"},
    )
    import django

    django.setup()


def __getattr__(name: str) -> Any:
    # This module is the project's URLconf; its patterns load once Django is set up.
    if name == "urlpatterns":
        from django.urls import include, path

        return [path(PREFIX, include("sessionpacks_django.urls"))]
    raise AttributeError(name)


class _SignedIn:
    """The host's signed-in user, who is ``identity`` to sessionpacks."""

    is_authenticated = True
    is_anonymous = False
    pk = "test-user"

    def __init__(self, identity: Identity) -> None:
        self.sessionpacks_identity = identity

    def get_username(self) -> str:
        return "test-user"


def signed_in_as_who(get_response: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Middleware standing for the host's login: ``request.user`` from ``who.current``."""
    from django.contrib.auth.models import AnonymousUser

    def middleware(request: Any) -> Any:
        current = None if _who is None else _who.current
        request.user = AnonymousUser() if current is None else _SignedIn(current)
        return get_response(request)

    return middleware


class _WhoSaysSo:
    @hookimpl
    def sessionpacks_django_identity(self, user: Any) -> Identity | None:
        found = getattr(user, "sessionpacks_identity", None)
        return found if isinstance(found, Identity) else None


class Response:
    """A Django test response read as the tests read Flask's."""

    def __init__(self, response: Any) -> None:
        self._response = response
        self.status_code: int = response.status_code
        self.data: bytes = b"" if getattr(response, "streaming", False) else response.content
        self.headers = response.headers

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")

    @property
    def content_type(self) -> str | None:
        found = self.headers.get("Content-Type")
        return None if found is None else str(found)

    @property
    def mimetype(self) -> str:
        return (self.content_type or "").split(";")[0].strip().lower()

    @property
    def location(self) -> str | None:
        found = self.headers.get("Location")
        return None if found is None else str(found)

    @property
    def json(self) -> Any:
        kind = self.mimetype
        if kind == "application/json" or (
            kind.startswith("application/") and kind.endswith("+json")
        ):
            return json_module.loads(self.data)
        return None

    def get_json(self) -> Any:
        return self.json


class Client:
    """Django's test client (CSRF enforced) called as the tests call Flask's."""

    def __init__(self) -> None:
        from django.test import Client as DjangoClient

        self.django = DjangoClient(enforce_csrf_checks=True)

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.open(url, method="GET", **kwargs)

    def head(self, url: str, **kwargs: Any) -> Response:
        return self.open(url, method="HEAD", **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.open(url, method="POST", **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        return self.open(url, method="PUT", **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Response:
        return self.open(url, method="PATCH", **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self.open(url, method="DELETE", **kwargs)

    def options(self, url: str, **kwargs: Any) -> Response:
        return self.open(url, method="OPTIONS", **kwargs)

    def open(
        self,
        url: str,
        *,
        method: str = "GET",
        data: Any = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = None,
        query_string: Mapping[str, Any] | str | None = None,
    ) -> Response:
        sent = dict(headers or {})
        for name in list(sent):
            if name.lower() == "content-type":
                content_type = sent.pop(name)
        if isinstance(query_string, Mapping):
            query_string = urlencode(query_string, doseq=True)
        if method in ("GET", "HEAD") and isinstance(data, Mapping):
            query_string = "&".join(q for q in (query_string, urlencode(data, doseq=True)) if q)
            data = None
        if query_string:
            url += ("&" if "?" in url else "?") + query_string
        body, content_type = _body(data, json, content_type)
        answer = self.django.generic(
            method, url, data=body, content_type=content_type or "", headers=sent
        )
        return Response(answer)


def _body(data: Any, json: Any, content_type: str | None) -> tuple[bytes, str | None]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    if json is not None:
        return json_module.dumps(json).encode(), content_type or "application/json"
    if data is None:
        return b"", content_type
    if isinstance(data, (bytes, str)):
        return (data.encode() if isinstance(data, str) else data), content_type
    fields = dict(data)
    if any(isinstance(value, tuple) for value in fields.values()):
        for name, value in fields.items():
            if isinstance(value, tuple):
                stream, filename = value[0], value[1]
                raw = stream.read() if isinstance(stream, io.IOBase) else bytes(stream)
                fields[name] = SimpleUploadedFile(filename, raw)
        return encode_multipart(BOUNDARY, fields), MULTIPART_CONTENT
    return urlencode(fields, doseq=True).encode(), (
        content_type or "application/x-www-form-urlencoded"
    )


@attrs.frozen
class Host:
    app: Any  # the project's WSGI application, for schemathesis
    client: Client
    studio: Studio
    session_cookie: str = "sessionid"  # Django's SESSION_COOKIE_NAME


@contextlib.contextmanager
def make_host(
    tmp_path: Path,
    clock: ManualClock,
    who: Who,
    server_url: str | None,
    settings: Settings,
    locale: str | None = None,
) -> Iterator[Host]:
    """sessionpacks in the Django project on a SQLite file under ``tmp_path``, or on the server
    at ``server_url`` (its tables upgraded already, emptied here); ``locale`` sets
    ``SESSIONPACKS["LOCALE"]`` for this host."""
    _configure()
    from django.conf import settings as django_settings
    from django.test import override_settings

    given = dict(django_settings.SESSIONPACKS)
    if locale is not None:
        given["LOCALE"] = locale
    with (
        override_settings(SESSIONPACKS=given),
        _made_host(tmp_path, clock, who, server_url, settings) as made,
    ):
        yield made


@contextlib.contextmanager
def _made_host(
    tmp_path: Path, clock: ManualClock, who: Who, server_url: str | None, settings: Settings
) -> Iterator[Host]:
    global _who
    from sessionpacks_django import runtime

    if server_url is None:
        engine = create_engine(f"sqlite:///{tmp_path / 'sessionpacks.db'}")
        migrate.upgrade(engine)
    else:
        engine = create_engine(server_url)
        empty_tables(engine)
    studio = Studio(engine, settings=settings, clock=clock, plugins=[_WhoSaysSo()])
    runtime.install(studio)
    _who = who
    try:
        from django.core.handlers.wsgi import WSGIHandler

        yield Host(WSGIHandler(), Client(), studio)
    finally:
        _who = None
        runtime.reset()
        engine.dispose()
