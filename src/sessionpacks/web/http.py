"""The neutral request a page or endpoint handler reads, and the outcomes it returns.

An adapter (Flask, Django) turns its framework's request into a :class:`Request`, calls the
route's handler through :func:`sessionpacks.web.site.respond`, and turns the outcome back into
its framework's response. Handlers never see a framework object.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, Protocol
from urllib.parse import urlencode

import attrs

from sessionpacks.expiry import studio_zone
from sessionpacks.studio import Studio
from sessionpacks.web.config import WebConfig
from sessionpacks.web.i18n import N_
from sessionpacks.web.identity import Identity


class Lookup(Protocol):
    """Named values to read: a dict of path values, a form, the headers."""

    def get(self, key: str, /) -> Any: ...


class Fields(Lookup, Protocol):
    """A form's or a query string's values: Werkzeug's MultiDict and Django's QueryDict both
    are one."""

    def getlist(self, key: str) -> list[Any]: ...

    def __iter__(self) -> Iterator[str]: ...

    def __contains__(self, key: object) -> bool: ...


@attrs.frozen
class Upload:
    """An uploaded file: its name as sent and its bytes."""

    filename: str
    content: bytes


@attrs.frozen
class Page:
    """Render ``template`` with ``context`` (the adapter adds its CSRF field)."""

    template: str
    context: Mapping[str, Any]
    status: int = 200


@attrs.frozen
class Redirect:
    """Go to ``location`` (POST, redirect, GET)."""

    location: str
    status: int = 302


@attrs.frozen
class Body:
    """A response body as it is: JSON, CSV, SVG, a static file."""

    content: bytes
    media_type: str
    status: int = 200
    headers: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class SignIn:
    """Nobody is signed in: the adapter sends them to the host's sign-in page, to come back to
    ``next``, or answers 401 when the host has none."""

    next: str
    # Translated where it is shown: a page's problem (site.problem) speaks the studio's language.
    detail: str = N_("Sign in to the site first, then come back to this page.")


Outcome = Page | Redirect | Body | SignIn


class HttpError(Exception):
    """An answer that is not the handler's page: 401, 403, 404, 405, 413, 415."""

    def __init__(
        self, status: int, title: str, detail: str, *, allow: tuple[str, ...] = ()
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.allow = allow


def forbidden(detail: str) -> HttpError:
    return HttpError(403, "Forbidden", detail)


def not_found(detail: str) -> HttpError:
    return HttpError(404, "Not Found", detail)


class SignInRequired(Exception):
    """Raised by a guard when nobody is signed in."""


# Where the messages of a redirect wait for the next page, in the host's session.
MESSAGES = "sessionpacks_messages"


class Request:
    """One request as the handlers see it.

    :param base: the mount's URL, without a trailing slash (``/studio``; empty at the root).
    :param identify: says who makes the request; asked once, on first use.
    :param host_signed_in: whether the host has a signed-in user, who may lack an identity.
    :param session: the host's session, where messages and the kiosk's verdict wait.
    """

    def __init__(
        self,
        *,
        studio: Studio,
        config: WebConfig,
        method: str,
        path: str,
        query_string: str,
        base: str,
        query: Fields,
        form: Fields,
        files: Mapping[str, Upload],
        body: Callable[[], bytes],
        headers: Lookup,
        session: MutableMapping[str, Any],
        identify: Callable[[], Identity | None],
        host_signed_in: Callable[[], bool],
    ) -> None:
        self.studio = studio
        self.config = config
        self.method = method
        self.path = path
        self.query_string = query_string
        self.base = base
        self.query = query
        self.form = form
        self.files = files
        self._body = body
        self.headers = headers
        self.session = session
        self._identify = identify
        self._host_signed_in = host_signed_in
        self._identity: tuple[Identity | None] | None = None
        self.route_name = ""

    @property
    def identity(self) -> Identity | None:
        """Who makes this request, asked of the identity hook once."""
        if self._identity is None:
            self._identity = (self._identify(),)
        return self._identity[0]

    def host_signed_in(self) -> bool:
        return self._host_signed_in()

    def body(self) -> bytes:
        return self._body()

    @property
    def full_path(self) -> str:
        """The path with its query string, for a sign-in page to come back to."""
        return self.path + ("?" + self.query_string if self.query_string else "")

    @property
    def zone(self) -> dt.tzinfo:
        return studio_zone(self.studio.settings.studio_timezone)

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return None if value is None else str(value)

    def link(self, name: str, **values: Any) -> str:
        """The URL of the route ``name``; values its rule does not take go in the query."""
        from sessionpacks.web.site import path_of

        path, rest = path_of(name, values)
        query = {key: value for key, value in rest.items() if value is not None}
        return self.base + path + ("?" + urlencode(query, doseq=True) if query else "")

    def flash(self, message: str, category: str = "success") -> None:
        """Keep ``message`` for the next page this session shows."""
        waiting = list(self.session.get(MESSAGES) or ())
        waiting.append([category, message])
        self.session[MESSAGES] = waiting

    def messages(self) -> list[tuple[str, str]]:
        """The messages waiting for this page, taken."""
        waiting = self.session.pop(MESSAGES, None) or ()
        return [(str(category), str(message)) for category, message in waiting]

    def done(self, message: str, name: str, **values: Any) -> Redirect:
        """POST, redirect, GET: the page ``name`` shows what happened."""
        self.flash(message)
        return Redirect(self.link(name, **values))

    def page(self, template: str, /, **context: Any) -> Page:
        return Page(template, context)
