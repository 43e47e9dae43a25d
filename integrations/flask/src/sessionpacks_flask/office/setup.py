"""Setting the studio up: the templates packs are sold from, and the services they pay for."""

from __future__ import annotations

from flask import render_template
from werkzeug.wrappers.response import Response

from sessionpacks.enums import Metric, Scope, StartRule, TemplateKind
from sessionpacks_flask import forms
from sessionpacks_flask.context import studio
from sessionpacks_flask.office import blueprint
from sessionpacks_flask.office.shared import done, flag, form, ids, keyed, moment, words

CHOICES = {
    "kinds": tuple(kind.value for kind in TemplateKind),
    "metrics": tuple(metric.value for metric in Metric),
    "start_rules": tuple(rule.value for rule in StartRule),
    "scopes": tuple(scope.value for scope in Scope),
}


@blueprint.get("/templates")
def templates() -> str:
    core = studio()
    return render_template(
        "sessionpacks/office/templates.html",
        templates=core.templates(include_archived=True),
        services=core.services(),
        **CHOICES,
    )


@blueprint.post("/templates")
def create_template() -> Response:
    """The core checks every term (choices, a price's currency, one validity...)."""
    data = form()

    def number(name: str) -> int | None:
        return forms.integer(data, name, required=False)

    found = studio().create_template(
        forms.required_text(data, "name"),
        quantity=forms.required_int(data, "quantity"),
        kind=forms.text(data, "kind", required=False) or TemplateKind.PACK.value,
        metric=forms.text(data, "metric", required=False) or Metric.SESSIONS.value,
        price_minor=number("price_minor") or 0,
        currency=forms.text(data, "currency", required=False),
        first_rate_minor=number("first_rate_minor"),
        subsequent_rate_minor=number("subsequent_rate_minor"),
        validity_days=number("validity_days"),
        validity_months=number("validity_months"),
        start_rule=forms.text(data, "start_rule", required=False) or StartRule.ON_PURCHASE.value,
        start_date=moment("start_date"),
        services=ids("services"),
        categories=words("categories"),
        scope=forms.text(data, "scope", required=False) or Scope.ACCOUNT.value,
        member_cap=number("member_cap"),
        priority=number("priority") or 0,
        refundable=flag("refundable"),
        period_days=number("period_days"),
        period_months=number("period_months"),
        rollover=flag("rollover"),
        rollover_cap=number("rollover_cap"),
        auto_renew=flag("auto_renew"),
        **keyed(data),
    )
    return done(f"Template {found.name} created.", "sessionpacks.office.templates")


@blueprint.post("/templates/<int:template_id>/archive")
def archive_template(template_id: int) -> Response:
    found = studio().archive_template(template_id, **keyed(form()))
    return done(f"Template {found.name} archived.", "sessionpacks.office.templates")


@blueprint.get("/services")
def services() -> str:
    return render_template("sessionpacks/office/services.html", services=studio().services())


@blueprint.post("/services")
def add_service() -> Response:
    data = form()
    price = forms.integer(data, "price_minor", required=False)
    found = studio().add_service(
        forms.required_text(data, "name"),
        category=forms.required_text(data, "category"),
        duration_minutes=forms.required_int(data, "duration_minutes"),
        price_minor=price,
        currency=forms.text(data, "currency", required=False),
        **keyed(data),
    )
    return done(f"Service {found.name} added.", "sessionpacks.office.services")
