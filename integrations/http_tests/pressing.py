"""Pressing a page's button the way a browser does: the form around it, its method, its action,
its hidden fields (the CSRF token and idempotency key among them) and what the test types."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import attrs
from support import Client, Response


@attrs.define
class Form:
    method: str
    action: str
    fields: dict[str, str] = attrs.field(factory=dict)
    buttons: list[str] = attrs.field(factory=list)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._open: Form | None = None
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs_: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs_}
        if tag == "form":
            self._open = Form(found.get("method", "get").lower(), found.get("action", ""))
            self.forms.append(self._open)
        elif self._open is not None and tag in ("input", "select", "textarea") and "name" in found:
            if found.get("type") not in ("checkbox", "radio") or "checked" in found:
                self._open.fields[found["name"]] = found.get("value", "")
        elif self._open is not None and tag == "button":
            self._button = []

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._open is not None and self._button is not None:
            self._open.buttons.append(" ".join("".join(self._button).split()))
            self._button = None
        elif tag == "form":
            self._open = None


def form_with(page: Response | str, button: str) -> Form:
    """The one form on ``page`` whose button says ``button``."""
    parser = _Forms()
    parser.feed(page if isinstance(page, str) else page.text)
    found = [form for form in parser.forms if button in form.buttons]
    assert len(found) == 1, f"{len(found)} forms with the button {button!r}"
    return found[0]


def press(client: Client, page: Response | str, button: str, **typed: Any) -> Response:
    """Submit the form of ``button`` with what the test types into its fields."""
    form = form_with(page, button)
    values = {**form.fields, **{name: str(value) for name, value in typed.items()}}
    if form.method == "post":
        return client.post(form.action, data=values)
    action = form.action
    return client.get(action + ("&" if "?" in action else "?") + urlencode(values))
