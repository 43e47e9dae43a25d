"""A Spanish studio's office: the reports, product set-up and the client import read wholly in
Spanish, with Spanish dates and amounts, and no English sentence of the catalogue left."""

from __future__ import annotations

import datetime as dt
import io
import re

import attrs
import pytest
from office_world import OFFICE
from support import OWNER, Client, Who, submit
from test_spanish import _spanish

from sessionpacks import ManualClock, Studio
from sessionpacks.testing import Recorder

REPORTS = f"{OFFICE}/reports"
TEMPLATES = f"{OFFICE}/templates"


@pytest.fixture
def locale() -> str:
    """This module's studio speaks Spanish."""
    return "es"


@attrs.frozen
class Desk:
    account_id: int
    service_id: int
    template_id: int


@pytest.fixture
def desk(studio: Studio, clock: ManualClock) -> Desk:
    """A punch pass of 10 classes (120.00 EUR, 90 days) sold to Mateo on Monday 2 March, two
    classes used the next day; a monthly plan set up beside it."""
    studio.hooks.register(Recorder())  # takes the payments
    yoga = studio.add_service("Yoga", category="yoga", duration_minutes=60)
    mateo = studio.add_client("crm-6", "Mateo Ruiz", member_ref="M-6")
    punch = studio.create_template(
        "Bono 10",
        quantity=10,
        kind="pass",
        price_minor=12000,
        currency="EUR",
        validity_days=90,
        start_rule="on_first_use",
    )
    studio.create_template(
        "Cuota 8",
        quantity=8,
        kind="plan",
        price_minor=6000,
        currency="EUR",
        period_months=1,
        rollover=True,
        rollover_cap=4,
    )
    studio.sell(
        punch.id, mateo.account.id, idempotency_key="s1", actor=OWNER.actor, channel="office"
    )
    clock.advance(dt.timedelta(days=1))
    for n in range(2):
        studio.redeem(
            mateo.member.id,
            yoga.id,
            idempotency_key=f"r{n}",
            actor=OWNER.actor,
            channel="office",
        )
    return Desk(mateo.account.id, yoga.id, punch.id)


def _page(client: Client, url: str, status: int = 200, **query: str) -> str:
    response = client.get(url, query_string=query)
    assert response.status_code == status, response.text
    return _spanish(response.text)


def test_the_reports_page_and_the_office_nav_are_in_spanish(
    client: Client, who: Who, desk: Desk
) -> None:
    who.current = OWNER
    text = _page(client, REPORTS)
    assert "Clientes Créditos para varios Horario Tareas Plantillas Servicios Informes" in text
    assert "Lo que se debe ahora en créditos pagados sin usar 96,00 EUR" in text
    assert "Este mes hasta hoy Vendido 120,00 EUR , ingresado 24,00 EUR" in text
    assert "Titulares de bonos Bonos que caducan pronto Bonos a punto de agotarse" in text
    assert "Ingresos Lo que ingresó un periodo, con los créditos sin usar" in text
    assert "Cada informe se puede descargar como archivo CSV para una hoja de cálculo." in text


def test_the_lists_of_passes_are_in_spanish(client: Client, who: Who, desk: Desk) -> None:
    who.current = OWNER
    holders = _page(client, f"{REPORTS}/passes/holders")
    assert "Titulares de bonos Informes Todos los informes Titulares Por caducar" in holders
    assert "Plantilla Cualquier plantilla Bono 10 Cuota 8" in holders
    # The states by their words, never the ledger's.
    assert "Todavía vigentes (activo, sin empezar, en pausa, agotado)" in holders
    assert "exhausted" not in holders
    assert "Descargar CSV" in holders
    assert "1 bono" in holders
    expiring = _page(client, f"{REPORTS}/passes/expiring", days="120")
    assert "Caducan en (días)" in expiring
    assert "Bonos que caducan por semana" in expiring
    assert "semana del 2026-06-01: 1 bono" in expiring
    assert "semana del bonos que caducan 2026-06-01 1" in expiring
    low = _page(client, f"{REPORTS}/passes/low-balance")
    assert "Sesiones restantes o menos" in low
    assert "0 bonos" in low
    assert "No hay nada que mostrar." in low
    assert "Bonos vendidos y nunca usados" in _page(client, f"{REPORTS}/passes/unused")
    assert "Bonos en pausa" in _page(client, f"{REPORTS}/passes/suspended")


def test_liability_revenue_attendance_and_sales_are_in_spanish(
    client: Client, who: Who, desk: Desk
) -> None:
    who.current = OWNER
    liability = _page(client, f"{REPORTS}/liability")
    assert "Pasivo a mar, 3 mar 2026, 09:00" in liability
    assert "96,00 EUR en créditos pagados sin usar" in liability
    assert "Créditos pagados sin usar (pasivo) en EUR" in liability
    assert "mes desde pasivo al final (EUR) 2025-03-01 0,00" in liability
    assert "2026-03-01 96,00" in liability
    revenue = _page(client, f"{REPORTS}/revenue")
    assert "Ingresos del dom, 1 mar 2026 al mar, 3 mar 2026" in revenue
    assert (
        "Diferido al inicio 0,00 EUR + ventas 120,00 EUR \N{MINUS SIGN} reconocido 24,00 EUR"
        " \N{MINUS SIGN} reembolsado 0,00 EUR = diferido al final 96,00 EUR cuadra"
    ) in revenue
    assert "Ventas e ingresos reconocidos en EUR" in revenue
    assert "mes desde ventas (EUR) reconocido (EUR) 2026-03-01 120,00 24,00" in revenue
    attendance = _page(client, f"{REPORTS}/attendance")
    assert "Asistencia del dom, 1 mar 2026 al mar, 3 mar 2026" in attendance
    assert "Asistencia por servicio" in attendance
    assert "servicio visitas Yoga 2" in attendance
    sales = _page(client, f"{REPORTS}/sales", step="week")
    assert "Agrupar por mes semana" in sales
    assert "Ventas por semana del dom, 1 mar 2026 al mar, 3 mar 2026" in sales


def test_a_bad_date_is_said_in_spanish_with_the_input_kept(
    client: Client, who: Who, desk: Desk
) -> None:
    who.current = OWNER
    response = client.get(f"{REPORTS}/revenue", query_string={"start": "mañana"})
    assert response.status_code == 400
    text = _spanish(response.text)
    assert "la fecha de inicio debe ser una fecha como 2026-03-31, no 'mañana'" in text
    assert 'value="mañana"' in response.text
    backwards = _page(
        client, f"{REPORTS}/sales", 400, start="2026-03-03", end="2026-03-01", step="month"
    )
    assert "la fecha de fin (2026-03-01) es anterior a la fecha de inicio (2026-03-03)" in backwards


def test_product_set_up_is_in_spanish(client: Client, who: Who, desk: Desk) -> None:
    who.current = OWNER
    listing = _page(client, TEMPLATES)
    assert "Nombre Tipo Qué es Acciones" in listing
    assert (
        "Bono 10 Bono de clases 10 clases, 120,00 EUR, válido 90 días desde el primer uso"
    ) in listing
    assert (
        "Cuota 8 Cuota 8 sesiones al mes, 60,00 EUR al mes, las sesiones sin usar pasan al"
        " periodo siguiente, hasta 4 sesiones"
    ) in listing
    assert "Paso 1 de 2: ¿qué se va a configurar?" in listing
    assert "Paquete de sesiones Sesiones, horas o saldo en dinero" in listing
    step_two = _page(client, TEMPLATES, kind="pack")
    assert "Paso 2 de 2: paquete de sesiones." in step_two
    assert "Se cuenta en sesiones minutos de tiempo saldo en dinero" in step_two
    assert "Empieza al comprarlo en una fecha en el primer uso" in step_two
    assert "Resumen: gratis, sin caducidad Crear plantilla Ver el resumen" in step_two
    typed = {
        "kind": "pack",
        "metric": "money",
        "quantity": "150,00",
        "currency": "EUR",
        "price": "150,00",
        "first_rate": "30",
        "subsequent_rate": "20",
        "start_rule": "on_date",
        "start_date": "2026-04-06T09:00",
        "scope": "member",
    }
    summary = client.get(f"{TEMPLATES}/summary", query_string=typed)
    assert summary.text == (
        "150,00 EUR de saldo, 150,00 EUR, empieza el lun, 6 abr 2026, sin caducidad,"
        " primera sesión 30,00 EUR, después 20,00 EUR cada una, para un solo socio,"
        " no reembolsable"
    )
    made = submit(client, TEMPLATES, TEMPLATES, {**typed, "name": "Entreno personal"})
    assert made.status_code == 302
    text = _spanish(client.get(made.location).text)
    assert "Plantilla Entreno personal creada." in text
    archived = submit(client, TEMPLATES, f"{TEMPLATES}/{desk.template_id}/archive", {})
    assert archived.status_code == 302
    text = _spanish(client.get(archived.location).text)
    assert "Plantilla Bono 10 archivada." in text
    assert "archivada el mar, 3 mar 2026" in text


def test_the_client_import_report_is_in_spanish(client: Client, who: Who, desk: Desk) -> None:
    who.current = OWNER
    listing = (
        "account_ref,name,member_name,member_ref,email\n"
        "crm-20,Familia Okafor,Ada Okafor,K-20,\n"
        "crm-20,Familia Okafor,Obi Okafor,K-21,\n"
        "crm-21,Lena Berg,,M-6,\n"  # Mateo's member code: refused
    )
    data = {"file": (io.BytesIO(listing.encode()), "clientes.csv")}
    report = submit(client, OFFICE + "/", OFFICE + "/clients/import", data)
    assert report.status_code == 200, report.text
    text = _spanish(report.text)
    assert "Clientes importados" in text
    assert "Añadidos: 1 cliente y 2 socios; ya estaban: 0; rechazadas: 1 línea, de 3." in text
    assert "Líneas no importadas Línea Motivo" in text
    assert re.search(r"Corrige estas líneas en el archivo e impórtalo de nuevo", text)
    assert "Volver a clientes" in text
