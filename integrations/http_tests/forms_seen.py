"""The forms of a page as a person sees them: each form's fields, what is typed in them, the error
said beside each field (inside the field's own container) and the errors above the form."""

from __future__ import annotations

from html.parser import HTMLParser

import attrs
from support import Response

# Elements with no end tag: never on the stack of open elements.
_VOID = {"input", "br", "img", "meta", "link", "hr", "col", "source", "wbr"}


@attrs.define
class Field:
    name: str
    value: str = ""
    chosen: list[str] = attrs.field(factory=list)
    invalid: bool = False
    error: str = ""


@attrs.define
class Form:
    action: str
    method: str = "get"
    above: list[str] = attrs.field(factory=list)
    fields: dict[str, Field] = attrs.field(factory=dict)

    @property
    def errors(self) -> list[str]:
        """Every error this form shows, above it and beside its fields."""
        return self.above + [found.error for found in self.fields.values() if found.error]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        # Open elements: (tag, the fields named inside it when it is a field's container).
        self._open: list[tuple[str, list[str] | None]] = []
        self._error: list[str] | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        classes = found.get("class", "").split()
        if tag == "form":
            self._form = Form(found.get("action", ""), found.get("method", "get").lower())
            self.forms.append(self._form)
        if tag in ("input", "select", "textarea") and self._form is not None and "name" in found:
            field = self._form.fields.setdefault(found["name"], Field(found["name"]))
            field.invalid = field.invalid or found.get("aria-invalid") == "true"
            if tag == "input" and found.get("type") in ("checkbox", "radio"):
                if "checked" in found:
                    field.chosen.append(found.get("value", "on"))
            elif tag == "input":
                field.value = found.get("value", "")
            for _, names in reversed(self._open):
                if names is not None:
                    names.append(field.name)
                    break
            if tag == "select":
                self._select = field
        if tag == "option" and self._select is not None and "selected" in found:
            self._select.chosen.append(found.get("value", ""))
        if tag == "p" and "sp-field-error" in classes:
            self._error = []
        if tag not in _VOID:
            container = tag == "fieldset" or (tag == "div" and "sp-field" in classes)
            self._open.append((tag, [] if container else None))

    def handle_data(self, data: str) -> None:
        if self._error is not None:
            self._error.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "p" and self._error is not None:
            self._said(" ".join("".join(self._error).split()))
            self._error = None
        if tag == "form":
            self._form = None
        while self._open:
            opened, _ = self._open.pop()
            if opened == tag:
                break

    def _said(self, text: str) -> None:
        if self._form is None:
            return
        for _, names in reversed(self._open):
            if names:
                for name in names:
                    self._form.fields[name].error = text
                return
        self._form.above.append(text)


def forms_of(response: Response) -> list[Form]:
    reader = _Reader()
    reader.feed(response.text)
    return reader.forms


def form_of(response: Response, action: str) -> Form:
    """The form on the page that posts to ``action`` (a path, or its end), or that opens its
    confirmation first (a GET to ``action``/confirm), as the buttons that move money do."""
    found = [
        form
        for form in forms_of(response)
        if (form.method == "post" and form.action.endswith(action))
        or (form.method == "get" and form.action.endswith(action + "/confirm"))
    ]
    assert len(found) == 1, f"{len(found)} forms post to {action}"
    return found[0]


def others_clean(response: Response, action: str) -> None:
    """Every form but the one posting to ``action`` shows no error."""
    for form in forms_of(response):
        if not form.action.endswith(action):
            assert form.errors == [], (form.action, form.errors)


def said_beside(response: Response, action: str, name: str) -> str:
    """The error said beside the field ``name`` of the form posting to ``action``."""
    found = form_of(response, action).fields[name]
    assert found.error, f"no error beside {name!r}"
    return found.error


def said_above(response: Response, action: str) -> str:
    """The errors said above the fields of the form posting to ``action``, together."""
    return " ".join(form_of(response, action).above)
