"""Setting the studio up: the templates packs are sold from, and the services they pay for."""

from __future__ import annotations

from sessionpacks.enums import Metric, Scope, StartRule, TemplateKind
from sessionpacks.web import forms
from sessionpacks.web.http import Page, Redirect, Request
from sessionpacks.web.office import routes
from sessionpacks.web.office.shared import flag, ids, keyed, moment, words

CHOICES = {
    "kinds": tuple(kind.value for kind in TemplateKind),
    "metrics": tuple(metric.value for metric in Metric),
    "start_rules": tuple(rule.value for rule in StartRule),
    "scopes": tuple(scope.value for scope in Scope),
}


@routes.get("/templates")
def templates(request: Request) -> Page:
    core = request.studio
    return request.page(
        "sessionpacks/office/templates.html",
        templates=core.templates(include_archived=True),
        services=core.services(),
        **CHOICES,
    )


@routes.post("/templates")
def create_template(request: Request) -> Redirect:
    """The core checks every term (choices, a price's currency, one validity...)."""
    data = request.form

    def number(name: str) -> int | None:
        return forms.integer(data, name, required=False)

    # Amounts are typed in the currency's units ("120.50"); the core keeps minor units.
    currency = forms.text(data, "currency", required=False)

    def amount(name: str) -> int | None:
        return forms.money(data, name, currency)

    found = request.studio.create_template(
        forms.required_text(data, "name"),
        quantity=forms.required_int(data, "quantity"),
        kind=forms.text(data, "kind", required=False) or TemplateKind.PACK.value,
        metric=forms.text(data, "metric", required=False) or Metric.SESSIONS.value,
        price_minor=amount("price") or 0,
        currency=currency,
        first_rate_minor=amount("first_rate"),
        subsequent_rate_minor=amount("subsequent_rate"),
        validity_days=number("validity_days"),
        validity_months=number("validity_months"),
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
    return request.done(f"Template {found.name} created.", "office.templates")


@routes.post("/templates/<int:template_id>/archive")
def archive_template(request: Request, template_id: int) -> Redirect:
    found = request.studio.archive_template(template_id, **keyed(request))
    return request.done(f"Template {found.name} archived.", "office.templates")


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
    return request.done(f"Service {found.name} added.", "office.services")
