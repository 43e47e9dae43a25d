"""Setting the studio up: the templates packs are sold from, and the services they pay for."""

from __future__ import annotations

import re

import attrs

from sessionpacks.enums import Metric, Scope, StartRule, TemplateKind
from sessionpacks.errors import CurrencyMismatch, InvalidInput, NotFound
from sessionpacks.templates import TemplateInfo
from sessionpacks.web import forms, wording
from sessionpacks.web.http import Body, Fields, Page, Redirect, Request
from sessionpacks.web.i18n import N_, gettext
from sessionpacks.web.office import routes
from sessionpacks.web.office.shared import flag, ids, keyed, moment, words
from sessionpacks.web.problems import BadRequest, FieldError, problem_for
from sessionpacks.web.product_terms import ProductTerms


@attrs.frozen
class KindChoice:
    """A kind of product as step 1 offers it, and the fields step 2 shows for it."""

    kind: TemplateKind
    # Marked for the catalogue; the page says them in the studio's language.
    title: str
    explained: str
    fields: frozenset[str]


# What every kind asks: what it is called, costs, pays for, and who may use it.
_COMMON = frozenset(
    [
        "name",
        "quantity",
        "price",
        "currency",
        "services",
        "categories",
        "scope",
        "member_cap",
        "priority",
        "refundable",
    ]
)
# When a pass or a pack starts and stops being usable; a plan's passes last one period instead.
_VALIDITY = frozenset(
    {"start_rule", "start_date", "validity_days", "validity_months", "valid_until", "auto_renew"}
)
KINDS = (
    KindChoice(
        TemplateKind.PASS,
        N_("Punch pass"),
        N_(
            "A number of classes paid up front, one punched at each visit, such as a 10-class pass."
        ),
        _COMMON | _VALIDITY,
    ),
    KindChoice(
        TemplateKind.PACK,
        N_("Session pack"),
        N_(
            "Sessions, hours or money credit for appointments such as personal training, with a"
            " lower rate after the first session if you like."
        ),
        _COMMON | _VALIDITY | {"metric", "first_rate", "subsequent_rate"},
    ),
    KindChoice(
        TemplateKind.PLAN,
        N_("Plan"),
        N_(
            "A membership that gives fresh credits every month (or week) for a price each period,"
            " and can carry unused ones over."
        ),
        _COMMON | {"metric", "period_days", "period_months", "rollover", "rollover_cap"},
    ),
)
_BY_KIND = {choice.kind.value: choice for choice in KINDS}

CHOICES = {
    "metrics": tuple(metric.value for metric in Metric),
    "start_rules": tuple(rule.value for rule in StartRule),
    "scopes": tuple(scope.value for scope in Scope),
}


@routes.get("/templates")
def templates(request: Request) -> Page:
    """Step 1 (no ``kind``): choose pass, pack or plan; step 2 (``?kind=pack``): its fields."""
    chosen = _BY_KIND.get(request.query.get("kind") or "")
    return _setup_page(request, chosen, request.query)


@routes.get("/templates/summary")
def template_summary(request: Request) -> Body:
    """The set-up form's summary for the fields in the query, as text: the page's script asks
    it as the user types, so the words are the server's, as in the templates list."""
    chosen = _BY_KIND.get(request.query.get("kind") or "")
    if chosen is None:
        raise BadRequest(
            gettext("the field 'kind' must be one of %(kinds)s", kinds=", ".join(_BY_KIND))
        )
    names = {service.id: service.name for service in request.studio.services()}
    terms = ProductTerms.from_fields(chosen.kind, request.query, names)
    said = wording.template_summary(terms)
    return Body(said.encode(), "text/plain; charset=utf-8", headers={"Cache-Control": "no-store"})


@routes.post("/templates")
def create_template(request: Request) -> Redirect | Page:
    """The core checks every term (choices, a price's currency, one validity...); a refused
    form comes back at step 2 with what was typed and the error beside its field."""
    data = request.form
    chosen = _BY_KIND.get(forms.text(data, "kind", required=False) or TemplateKind.PACK.value)
    if "preview" in data and chosen is not None:
        return _setup_page(request, chosen, data)
    try:
        found = _create(request)
    except (InvalidInput, NotFound) as error:
        # A local version of "keep the page and the input" for this one form.
        return _setup_page(request, chosen, data, refused=error)
    return request.done(gettext("Template %(name)s created.", name=found.name), "office.templates")


def _create(request: Request) -> TemplateInfo:
    data = request.form

    def number(name: str) -> int | None:
        return forms.integer(data, name, required=False)

    # Amounts are typed in the currency's units ("120.50"); the core keeps minor units.
    currency = forms.text(data, "currency", required=False)

    def amount(name: str) -> int | None:
        return forms.money(data, name, currency)

    metric = forms.text(data, "metric", required=False) or Metric.SESSIONS.value
    # Money credit is typed as an amount too; sessions and minutes are whole numbers.
    if metric == Metric.MONEY.value:
        quantity = forms.money(data, "quantity", currency)
        if quantity is None:
            raise BadRequest("the field 'quantity' is required")
    else:
        quantity = forms.required_int(data, "quantity")
    return request.studio.create_template(
        forms.required_text(data, "name"),
        quantity=quantity,
        kind=forms.text(data, "kind", required=False) or TemplateKind.PACK.value,
        metric=metric,
        price_minor=amount("price") or 0,
        currency=currency,
        first_rate_minor=amount("first_rate"),
        subsequent_rate_minor=amount("subsequent_rate"),
        validity_days=number("validity_days"),
        validity_months=number("validity_months"),
        valid_until=moment(request, "valid_until"),
        start_rule=forms.text(data, "start_rule", required=False) or StartRule.ON_PURCHASE.value,
        start_date=moment(request, "start_date"),
        services=ids(request, "services"),
        categories=words(request, "categories"),
        scope=forms.text(data, "scope", required=False) or Scope.ACCOUNT.value,
        member_cap=number("member_cap"),
        priority=number("priority") or 0,
        refundable=flag(request, "refundable"),
        period_days=number("period_days"),
        period_months=number("period_months"),
        rollover=flag(request, "rollover"),
        rollover_cap=number("rollover_cap"),
        auto_renew=flag(request, "auto_renew"),
        **keyed(request),
    )


def _setup_page(
    request: Request,
    chosen: KindChoice | None,
    values: Fields,
    *,
    refused: InvalidInput | NotFound | None = None,
) -> Page:
    """The templates list, each described in the summary's words, and the set-up form: step 1
    without a kind, else step 2 with ``values`` and its summary."""
    core = request.studio
    services = core.services()
    names = {service.id: service.name for service in services}
    listing = [
        (
            template,
            wording.template_summary(ProductTerms.from_template(template, names, request.zone)),
        )
        for template in core.templates(include_archived=True)
    ]
    # A form never sent yet (step 2 just chosen) starts from the usual defaults.
    fresh = set(values) <= {"kind"}
    summary = ""
    if chosen is not None:
        terms = ProductTerms.from_fields(chosen.kind, values, names)
        summary = wording.template_summary(attrs.evolve(terms, refundable=True) if fresh else terms)
    error = None if refused is None else _field_error(refused, chosen)
    context = {
        "templates": listing,
        "services": services,
        "kinds": KINDS,
        "chosen": chosen,
        "values": values,
        "fresh": fresh,
        "summary": summary,
        "error": error,
        **CHOICES,
    }
    status = 200
    if refused is not None:
        found = problem_for(refused)
        status = 422 if found is None else found.status
    return Page("sessionpacks/office/templates.html", context, status)


_QUOTED = re.compile(r"field '(\w+)'")
# The core names terms as its arguments; the form names amounts without "_minor".
_WORD = re.compile(r"[a-z_]+")


def _field_error(error: InvalidInput | NotFound, chosen: KindChoice | None) -> FieldError:
    """Which field of the form an error is about, to say it beside that field; ``""`` when it is
    about none the form shows (said above the form)."""
    detail = wording.missing(error) if isinstance(error, NotFound) else str(error)
    shown = chosen.fields if chosen is not None else frozenset()
    quoted = _QUOTED.search(detail)
    if isinstance(error, NotFound):
        field = "services" if error.kind == "service" else ""
    elif isinstance(error, CurrencyMismatch):
        field = "currency"
    elif quoted is not None:
        field = quoted.group(1)
    else:
        named = (word.removesuffix("_minor") for word in _WORD.findall(detail))
        field = next((word for word in named if word in shown), "")
    return FieldError(field if field in shown else "", detail)


@routes.post("/templates/<int:template_id>/archive")
def archive_template(request: Request, template_id: int) -> Redirect:
    found = request.studio.archive_template(template_id, **keyed(request))
    return request.done(gettext("Template %(name)s archived.", name=found.name), "office.templates")


@routes.get("/services")
def services(request: Request) -> Page:
    return request.page("sessionpacks/office/services.html", services=request.studio.services())


@routes.post("/services")
def add_service(request: Request) -> Redirect:
    data = request.form
    currency = forms.text(data, "currency", required=False)
    found = request.studio.add_service(
        forms.required_text(data, "name"),
        category=forms.required_text(data, "category"),
        duration_minutes=forms.required_int(data, "duration_minutes"),
        price_minor=forms.money(data, "price", currency),
        currency=currency,
        **keyed(request),
    )
    return request.done(gettext("Service %(name)s added.", name=found.name), "office.services")
