"""A refused form shown again on its own page: what was typed kept, each error beside its field.

A POST route that names its ``form_page`` is answered, when the core or a field reader refuses
it, with that page (its menu and every other form intact) instead of the problem page. The
template asks ``form_state("office.adjust")`` for the form's state: only the refused form gets
the typed values and the errors, every other form an empty state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from sessionpacks import errors
from sessionpacks.web import wording
from sessionpacks.web.http import Fields
from sessionpacks.web.problems import BadFields, BadRequest, problem_for
from sessionpacks.web.routes import Route


@attrs.frozen
class FormState:
    """One form as its template fills it in: a form that was not refused keeps its defaults."""

    form: Fields | None = None
    errors: Mapping[str, str] = attrs.field(factory=dict)
    errors_above: tuple[str, ...] = ()
    # Makes the ids of the errors unique on the page (``adjust-delta-error``).
    prefix: str = "form"

    @property
    def refused(self) -> bool:
        return self.form is not None

    def value(self, name: str, default: object = "") -> object:
        """What was typed in ``name``, or ``default`` when this form was not refused."""
        if self.form is None:
            return default
        found = self.form.get(name)
        return "" if found is None else found

    def error(self, name: str) -> str:
        return self.errors.get(name, "")

    def field_id(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def error_id(self, name: str) -> str:
        return f"{self.prefix}-{name}-error"

    def selected(self, name: str, value: object, default: bool = False) -> bool:
        """Whether ``value`` was chosen in the select (or box group) ``name``; ``default`` when
        this form was not refused."""
        if self.form is None:
            return default
        return str(value) in (str(found) for found in self.form.getlist(name))

    checked = selected

    def ticked(self, name: str, default: bool = False) -> bool:
        """Whether the lone checkbox ``name`` was ticked (a browser sends only ticked ones)."""
        return default if self.form is None else name in self.form


NOT_REFUSED = FormState()


@attrs.frozen
class Refused:
    """The route whose form was refused, the values of its rule, and the form's state."""

    route: str
    values: Mapping[str, Any]
    state: FormState

    def state_for(self, name: str, **values: Any) -> FormState:
        """The state of the form of route ``name`` (for the one with these rule ``values`` when
        a page has several: one per member, one per visit)."""
        if name != self.route or any(str(self.values.get(k)) != str(v) for k, v in values.items()):
            return NOT_REFUSED
        return self.state


def _said(error: errors.SessionPacksError) -> str:
    # Something not found is said in words, with what was typed and never an internal id.
    return wording.missing(error) if isinstance(error, errors.NotFound) else str(error)


def no_form_refused(name: str, **values: Any) -> FormState:
    """``form_state`` on a page shown without a refused form."""
    return NOT_REFUSED


def refused(
    route: Route, values: Mapping[str, Any], form: Fields, error: errors.SessionPacksError
) -> Refused | None:
    """The refused form, or None when the error is not the form's to mend: a route without a
    form page, something not found or not allowed, a configuration error."""
    found = problem_for(error)
    if route.form_page is None or found is None:
        return None
    placed: dict[str, str] = {}
    above: list[str] = []
    # A field reader's error knows its field; a route's refusals place the core's errors.
    refusal = next((r for r in route.refusals if isinstance(error, r.kind)), None)
    if isinstance(error, BadFields):
        placed.update((found.field, found.detail) for found in error.errors)
    elif isinstance(error, BadRequest) and error.field is not None:
        placed[error.field] = error.said
    elif refusal is not None and not isinstance(error, BadRequest):
        said = refusal.said(error) if callable(refusal.said) else refusal.said or _said(error)
        if refusal.field is None:
            above.append(said)
        else:
            placed[refusal.field] = said
    elif isinstance(error, errors.NotFound | errors.NotAuthorized):
        return None
    else:
        # Its title first, as the problem page had it: "Not enough credit: ...".
        above.append(f"{found.title}: {found.detail}")
    prefix = route.name.rpartition(".")[2].replace("_", "-")
    return Refused(route.name, dict(values), FormState(form, placed, tuple(above), prefix))
