"""A studio whose locale is Spanish: its front desk reads the clients, a client's card, a pass,
selling, adding credits, redeeming, private sessions and every confirmation wholly in Spanish,
with Spanish dates and amounts, and no English sentence of the catalogue left; a member's
cancel confirmation in the portal too."""

from __future__ import annotations

import datetime as dt
import itertools

import attrs
import pytest
from office_world import OFFICE
from pressing import press
from support import OWNER, START, Client, Response, Who
from test_spanish import _spanish

from sessionpacks import PassTerms, Studio
from sessionpacks.testing import Recorder
from sessionpacks.web import Identity

_keys = itertools.count(1)


@pytest.fixture
def locale() -> str:
    return "es"


@attrs.frozen
class Desk:
    """A Spanish studio's client, Mateo Ruiz, with his daughter Lucía, and what it sells."""

    account_id: int
    member_id: int
    daughter_id: int
    yoga_id: int
    pack_id: int
    plan_id: int

    @property
    def card(self) -> str:
        return f"{OFFICE}/clients/{self.account_id}"


@pytest.fixture
def desk(studio: Studio, who: Who) -> Desk:
    studio.hooks.register(Recorder())  # the studio's payment provider, which says yes
    yoga = studio.add_service("Yoga", category="yoga", duration_minutes=60)
    added = studio.add_client("C-7", "Mateo Ruiz", member_ref="M-6", email="mateo@ruiz.test")
    daughter = studio.add_member(added.account.id, "Lucía Ruiz", ref="M-7")
    pack = studio.create_template(
        "Bono 10", quantity=10, price_minor=12000, currency="EUR", validity_days=90
    )
    plan = studio.create_template(
        "Mensual 8", kind="plan", quantity=8, period_months=1, price_minor=9000, currency="EUR"
    )
    who.current = OWNER  # the owner: suspending, reversing and private sessions are theirs
    return Desk(added.account.id, added.member.id, daughter.id, yoga.id, pack.id, plan.id)


def _key() -> str:
    return f"es-office-{next(_keys)}"


def _sold(client: Client, desk: Desk) -> Response:
    """Sell a Bono 10 from the office, through its confirmation; the card it comes back to."""
    confirming = press(client, client.get(f"{desk.card}/sell"), "Vender", template_id=desk.pack_id)
    done = press(client, confirming, "Cobrar 120,00 EUR")
    assert done.status_code == 302
    return client.get(done.location)


def _redeem(studio: Studio, desk: Desk) -> int:
    return studio.redeem(
        desk.member_id, desk.yoga_id, idempotency_key=_key(), actor=OWNER.actor, channel="office"
    ).redemption_id


def test_the_clients_list_search_and_forms_are_in_spanish(client: Client, desk: Desk) -> None:
    text = _spanish(client.get(f"{OFFICE}/").text)
    assert "Todos los clientes" in text
    assert "Nombre Referencia de cuenta Mateo Ruiz C-7" in text
    assert "Añadir un cliente" in text
    assert "Referencia de cuenta (su propio identificador para el cliente)" in text
    assert "Un socio por fila" in text
    assert "Importar clientes" in text
    text = _spanish(client.get(f"{OFFICE}/?q=Mateo").text)
    assert "Clientes que coinciden con «Mateo»" in text
    text = _spanish(client.get(f"{OFFICE}/?q=nadie").text)
    assert "No se ha encontrado ningún cliente." in text


def test_selling_shows_the_charge_in_spanish_and_the_card_shows_the_pass(
    client: Client, studio: Studio, desk: Desk
) -> None:
    sell_page = client.get(f"{desk.card}/sell")
    text = _spanish(sell_page.text)
    assert "Vender o asignar un bono a Mateo Ruiz" in text
    assert "Bono 10: 10 sesiones, 120,00 EUR" in text
    assert "Mensual 8: 8 sesiones, 90,00 EUR (plan)" in text
    assert "Asignar sin cobrar" in text
    assert "Lo cobra el estudio cada periodo" in text
    confirming = press(client, sell_page, "Vender", template_id=desk.pack_id)
    text = _spanish(confirming.text)
    assert "Vender Bono 10 a Mateo Ruiz" in text
    assert (
        "Se cobran ahora 120,00 EUR a Mateo Ruiz, a través del proveedor de pagos del estudio."
    ) in text
    assert (
        "Después se crea el bono: Bono 10, 10 sesiones para todos los de la cuenta, válido 90 días."
    ) in text
    assert "Volver atrás" in text
    assert studio.passes(desk.account_id) == ()  # looking is free

    text = _spanish(_sold(client, desk).text)
    assert "Vendido: 10 sesiones por 120,00 EUR (Bono 10)." in text
    assert "Aún puede gastar: 10 sesiones" in text
    assert "Bonos en uso" in text
    assert "Bono 10 activo 10 sesiones 10 sesiones 0 de 10 Todos los de la cuenta" in text
    assert "Todos los de la cuenta — dom, 31 may 2026" in text  # starts when sold, expires
    assert "No hay bonos anteriores." in text
    assert "No hay citas." in text
    assert "Sin plan. Puede iniciar uno en Vender o asignar un bono" in text


def test_the_card_lists_visits_appointments_plans_and_a_past_pass_in_spanish(
    client: Client, studio: Studio, desk: Desk
) -> None:
    _sold(client, desk)
    _redeem(studio, desk)
    studio.book_private_session(
        desk.daughter_id,
        desk.yoga_id,
        START + dt.timedelta(days=1, hours=9),
        idempotency_key=_key(),
        actor=OWNER.actor,
        channel="office",
    )
    studio.subscribe(
        desk.plan_id,
        desk.account_id,
        idempotency_key=_key(),
        actor=OWNER.actor,
        channel="office",
        billing="external",
    )
    gift = studio.grant(
        desk.account_id,
        PassTerms(quantity=2, label="Regalo"),
        reason="regalo",
        idempotency_key=_key(),
        actor=OWNER.actor,
        channel="office",
    ).pass_id
    studio.void(
        gift, reason="por error", idempotency_key=_key(), actor=OWNER.actor, channel="office"
    )
    text = _spanish(client.get(desk.card).text)
    assert "Socios" in text
    assert "Bono por defecto de Mateo Ruiz" in text
    assert "Ninguno (el orden habitual)" in text
    assert "Bono 10: quedan 8 sesiones" in text  # one visit, one private session
    assert "Usuario del sitio de Lucía Ruiz" in text
    assert "PIN de Mateo Ruiz" in text
    assert "Añadir socio" in text
    assert "Bonos anteriores" in text
    assert "Regalo eliminado" in text
    assert "Historial de créditos" in text
    assert "Usado: Yoga, Mateo Ruiz (sesión 1 de 10)" in text
    assert "Anular" in text
    assert "mar, 3 mar 2026, 18:00 (privada) Yoga Lucía Ruiz reservada Bono 10, sesión 2 de 10" in (
        text
    )
    assert "Mensual 8: activo , periodo 1" in text
    assert "Cancelar plan" in text
    assert "No hay tareas abiertas." in text


def test_a_pass_page_and_its_confirmations_are_in_spanish(
    client: Client, studio: Studio, desk: Desk
) -> None:
    _sold(client, desk)
    (held,) = studio.passes(desk.account_id)
    _redeem(studio, desk)
    page = client.get(f"{desk.card}/passes/{held.pass_id}")
    text = _spanish(page.text)
    assert (
        "quedan 9 sesiones de 10 sesiones · para todos los de la cuenta"
        " · inicio: — · caducidad: dom, 31 may 2026, 09:00"
    ) in text
    assert "Nueva caducidad (ahora dom, 31 may 2026, 09:00)" in text
    assert "Termina el bono y devuelve la parte no usada de lo pagado" in text
    assert "Historial" in text
    refund = press(client, page, "Reembolsar 108,00 EUR", reason="Se muda")
    text = _spanish(refund.text)
    assert "Reembolsar y terminar Bono 10" in text
    assert "Bono 10 termina, con 9 sesiones sin usar de 10 sesiones." in text
    assert (
        "Mateo Ruiz recibe 108,00 EUR a través del proveedor de pagos del estudio: la parte no"
        " usada de los 120,00 EUR pagados."
    ) in text
    assert "Motivo" in text
    void = press(client, page, "Eliminar bono", reason="Creado por error")
    text = _spanish(void.text)
    assert "Bono 10 se elimina: se quitan los 9 sesiones que le quedan." in text
    assert "Eliminar el bono y sus 9 sesiones" in text
    suspended = press(client, page, "Pausar", reason="Lesión")
    assert suspended.status_code == 302, _spanish(suspended.text)
    text = _spanish(client.get(suspended.location).text)
    assert "Bono 10 está ahora en pausa." in text
    assert "Reanudar" in text


def test_a_refused_form_says_so_in_spanish(client: Client, studio: Studio, desk: Desk) -> None:
    _sold(client, desk)
    (held,) = studio.passes(desk.account_id)
    page = client.get(f"{desk.card}/passes/{held.pass_id}")
    refused = press(client, page, "Ajustar", delta="0", reason="Contado dos veces")
    text = _spanish(refused.text)
    assert "No se ha guardado" in text
    assert "Introduzca un cambio distinto de 0" in text


def test_adding_credits_redeeming_and_reversing_are_in_spanish(
    client: Client, studio: Studio, desk: Desk
) -> None:
    text = _spanish(client.get(f"{desk.card}/grant").text)
    assert "Añadir créditos a Mateo Ruiz" in text
    assert "Cantidad (para saldo en dinero, un importe como 25,50)" in text
    assert "Servicios que paga (ninguno marcado: todos los servicios)" in text
    _sold(client, desk)
    (held,) = studio.passes(desk.account_id)
    page = client.get(f"{desk.card}/redeem?member_id={desk.member_id}&service_id={desk.yoga_id}")
    text = _spanish(page.text)
    assert "Canjear para Mateo Ruiz" in text
    assert "Qué haría el canje" in text
    assert (
        "Bono 10 paga 1 sesión: compartido por todos los de la cuenta,"
        " caducidad: dom, 31 may 2026, 09:00, créditos pagados"
    ) in text
    assert "Bonos considerados" in text
    assert "Bono 10: quedan 10 sesiones, puede pagar" in text
    done = press(client, page, "Canjear")
    assert done.status_code == 302, _spanish(done.text)
    text = _spanish(client.get(done.location).text)
    assert "Canjeado: 1 sesión (Bono 10: sesión 1 de 10)." in text
    card = client.get(desk.card)
    reverse = press(client, card, "Anular", reason="Registrado por error")
    text = _spanish(reverse.text)
    assert "Anular una visita" in text
    assert "Ya no cuenta: Yoga, de Mateo Ruiz, el lun, 2 mar 2026, 09:00." in text
    assert "Se devuelve: 1 sesión a Bono 10." in text
    done = press(client, reverse, "Devolver 1 sesión")
    assert done.status_code == 302, _spanish(done.text)
    text = _spanish(client.get(done.location).text)
    assert "Visita anulada: su crédito ha vuelto al bono." in text
    assert studio.pass_balance(held.pass_id).remaining == 10


def test_a_private_session_and_starting_a_plan_are_in_spanish(
    client: Client, studio: Studio, desk: Desk
) -> None:
    page = client.get(f"{desk.card}/private-session")
    text = _spanish(page.text)
    assert "Sesión privada para Mateo Ruiz" in text
    assert "Termina (vacío: lo que dura el servicio)" in text
    assert "Ya tuvo lugar: registrar la asistencia" in text
    _sold(client, desk)
    done = press(
        client,
        page,
        "Reservar sesión privada",
        member_id=desk.member_id,
        service_id=desk.yoga_id,
        starts_at="2026-03-04T10:00",
    )
    assert done.status_code == 302, _spanish(done.text)
    text = _spanish(client.get(done.location).text)
    assert "Sesión privada reservada para el mié, 4 mar 2026, 10:00." in text
    sell_page = client.get(f"{desk.card}/sell")
    confirming = press(client, sell_page, "Suscribir", template_id=desk.plan_id)
    text = _spanish(confirming.text)
    assert "Iniciar Mensual 8 para Mateo Ruiz" in text
    assert "y de nuevo 90,00 EUR cada mes." in text
    assert "Cada periodo da 8 sesiones a todos los de la cuenta; el primero empieza ahora." in text
    done = press(client, confirming, "Cobrar 90,00 EUR e iniciar el plan")
    card = client.get(done.location)
    cancelling = press(client, card, "Cancelar plan")
    text = _spanish(cancelling.text)
    assert "Cancelar Mensual 8 de Mateo Ruiz" in text
    assert "No se renueva ni se cobra ningún periodo más." in text
    assert "Los créditos de este periodo se mantienen hasta que termine, el" in text


def test_the_portal_cancel_confirmation_is_in_spanish(
    client: Client, studio: Studio, who: Who, desk: Desk
) -> None:
    _sold(client, desk)
    occurrence = studio.add_occurrence(desk.yoga_id, START + dt.timedelta(days=2))
    booked = studio.enroll(desk.member_id, occurrence.id, idempotency_key=_key(), actor=OWNER.actor)
    who.current = Identity.member(desk.member_id, "member")
    page = client.get(f"/sessionpacks/my/bookings/{booked.booking_id}/cancel")
    text = _spanish(page.text)
    assert "¿Cancelar tu reserva?" in text
    assert "Mateo Ruiz: Yoga, mié, 4 mar 2026, 09:00." in text
    assert "Se te devuelve el crédito." in text
    assert "Cancelar la reserva Volver atrás" in text
