"""The routes of the pages and the API as data: a rule, a method, a name and a handler.

Rules use the syntax Flask and Django share (``/clients/<int:account_id>``), so each adapter
registers them with its own router; the names are the same on both.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from sessionpacks.web.http import Outcome, Request

Handler = Callable[..., Outcome]
H = TypeVar("H", bound=Handler)
Guard = Callable[[Request], object]

# The method of a route that answers any method (the API's unknown paths).
ANY = "*"

# A converter may take arguments (``<any('a', 'b'):which>``), which the path leaves out.
_VALUE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


class Surface(enum.Enum):
    """Pages answer errors with a page and take forms with a CSRF token; the API answers with
    problem documents and takes JSON only, which a cross-site form cannot send."""

    PAGE = "page"
    API = "api"


@attrs.frozen
class Refusal:
    """A core error a form can cause, said beside ``field`` (or above the form when None), in
    ``said`` (a sentence, or a function of the error giving one) or, when empty, the error's
    own message."""

    kind: type[Exception]
    field: str | None
    said: str | Callable[[Exception], str] = ""


@attrs.frozen
class Route:
    rule: str
    method: str
    name: str
    handler: Handler
    surface: Surface = Surface.PAGE
    guard: Guard | None = None
    # A form's POST: the GET route whose page shows the form, shown again when the form is
    # refused (with what was typed and the errors), and which refusals belong to which field.
    form_page: str | None = None
    refusals: tuple[Refusal, ...] = ()

    @property
    def value_names(self) -> tuple[str, ...]:
        return tuple(match.group(2) for match in _VALUE.finditer(self.rule))

    def path(self, values: dict[str, Any]) -> str:
        """The rule with ``values`` put in (percent-encoded); KeyError names a missing one."""
        from urllib.parse import quote

        def put(match: re.Match[str]) -> str:
            safe = "/" if match.group(1) == "path" else ""
            return quote(str(values[match.group(2)]), safe=safe)

        return _VALUE.sub(put, self.rule)


class Routes:
    """A surface's routes, added by decorating handlers: ``@routes.get("/tasks")``.

    :param prefix: put before every rule (``/office``).
    :param name_prefix: put before every name (``office.``).
    :param guard: run before every handler (the office's staff check).
    """

    def __init__(
        self,
        prefix: str = "",
        name_prefix: str = "",
        *,
        guard: Guard | None = None,
        surface: Surface = Surface.PAGE,
    ) -> None:
        self.prefix = prefix
        self.name_prefix = name_prefix
        self.guard = guard
        self.surface = surface
        self.routes: list[Route] = []

    def add(
        self,
        rule: str,
        method: str,
        handler: Handler,
        name: str | None = None,
        *,
        form_page: str | None = None,
        refusals: tuple[Refusal, ...] = (),
    ) -> None:
        self.routes.append(
            Route(
                self.prefix + rule,
                method,
                self.name_prefix + (name or handler.__name__),
                handler,
                self.surface,
                self.guard,
                form_page,
                refusals,
            )
        )

    def get(self, rule: str, name: str | None = None) -> Callable[[H], H]:
        return self._adding(rule, "GET", name)

    def post(
        self,
        rule: str,
        name: str | None = None,
        *,
        form_page: str | None = None,
        refusals: tuple[Refusal, ...] = (),
    ) -> Callable[[H], H]:
        """A form's POST; ``form_page`` (a route's full name, taking some of this rule's values)
        keeps a refused form on its page instead of the problem page."""
        return self._adding(rule, "POST", name, form_page, refusals)

    def _adding(
        self,
        rule: str,
        method: str,
        name: str | None,
        form_page: str | None = None,
        refusals: tuple[Refusal, ...] = (),
    ) -> Callable[[H], H]:
        def decorate(handler: H) -> H:
            self.add(rule, method, handler, name, form_page=form_page, refusals=refusals)
            return handler

        return decorate
