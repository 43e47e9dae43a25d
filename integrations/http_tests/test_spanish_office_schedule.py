"""A Spanish studio's staff read the schedule, a class's roster, the booking policies, the
services, the tasks and the credits for many clients in Spanish: with Spanish dates and amounts,
the errors beside the fields in Spanish, and no English sentence of the catalogue left."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from forms_seen import said_beside
from office_world import OFFICE
from support import OWNER, Client, Response, Who, submit
from test_spanish import _spanish

from sessionpacks import PassTerms, Studio

SCHEDULE = OFFICE + "/schedule"
BULK = OFFICE + "/bulk-grant"
TASKS = OFFICE + "/tasks"
# START is Monday 2 March 2026, 09:00; the studio's zone is UTC in these tests.
TUESDAY_EVENING = dt.datetime(2026, 3, 3, 18, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)
EVENING = "18:00\u201319:00"  # a class's hours, an en dash between them


@pytest.fixture
def locale() -> str:
    return "es"


@attrs.frozen
class Gym:
    service_id: int
    account_id: int
    lucia: int
    pablo: int


@pytest.fixture
def gym(studio: Studio) -> Gym:
    service = studio.add_service(
        "Pilates", category="pilates", duration_minutes=60, price_minor=1250, currency="EUR"
    )
    added = studio.add_client("crm-1", "Lucía Gómez", member_ref="L-1")
    pablo = studio.add_member(added.account.id, "Pablo Gómez", ref="L-2")
    studio.grant(
        added.account.id,
        PassTerms(quantity=10, label="Bono 10"),
        reason="venta",
        idempotency_key="bono",
        actor=OWNER.actor,
        channel="office",
    )
    return Gym(service.id, added.account.id, added.member.id, pablo.id)


def _read(response: Response) -> str:
    """The text of a Spanish office page with no English of the catalogue left."""
    return _spanish(response.text)


def _followed(client: Client, response: Response) -> str:
    """The page a successful form goes on to, read."""
    assert response.status_code == 302, response.text
    return _read(client.get(response.location))


def _book(studio: Studio, member_id: int, occurrence_id: int, key: str) -> int:
    booked = studio.book(
        member_id, occurrence_id, idempotency_key=key, actor=OWNER.actor, channel="office"
    )
    return booked.booking_id


def test_the_week_and_adding_a_class_are_in_spanish(
    client: Client, who: Who, studio: Studio, gym: Gym
) -> None:
    full = studio.add_occurrence(
        gym.service_id, TUESDAY_EVENING, capacity=1, instructor_ref="Marta"
    )
    _book(studio, gym.lucia, full.id, "b1")
    studio.add_occurrence(gym.service_id, TUESDAY_EVENING + DAY, private=True)
    off = studio.add_occurrence(gym.service_id, TUESDAY_EVENING + 2 * DAY)
    studio.cancel_occurrence(off.id, idempotency_key="off", actor=OWNER.actor, channel="office")
    who.current = OWNER
    text = _read(client.get(SCHEDULE))
    assert "Horario: del 2026-03-02 al 2026-03-08" in text
    assert "← Semana anterior · Esta semana · Semana siguiente →" in text
    assert "martes 2026-03-03 Hora Clase Instructor Plazas ocupadas Notas" in text
    assert f"{EVENING} Pilates Marta 1 de 1 completa" in text
    assert "miércoles 2026-03-04" in text
    assert f"{EVENING} Pilates — 0 (sin límite) privada" in text
    assert f"{EVENING} Pilates — 0 (sin límite) cancelada" in text
    assert "Añadir una clase o cita Servicio Pilates (60 min)" in text
    assert "Privada: fuera del horario público Añadir al horario" in text
    empty = _read(client.get(SCHEDULE + "?from=2026-04-06"))
    assert "No hay nada en el horario esta semana." in empty

    # A refused class keeps the page, the words beside its fields in Spanish.
    data = {"service_id": str(gym.service_id), "starts_at": "", "capacity": "8"}
    refused = submit(client, SCHEDULE, SCHEDULE, data)
    assert refused.status_code == 422
    assert said_beside(refused, SCHEDULE, "starts_at") == "Obligatorio"
    _read(refused)
    data = {**data, "starts_at": "2026-03-09T10:00", "capacity": "muchas"}
    refused = submit(client, SCHEDULE, SCHEDULE, data)
    assert said_beside(refused, SCHEDULE, "capacity") == "Debe ser un número entero, como 3"
    added = submit(client, SCHEDULE, SCHEDULE, {**data, "capacity": "8"})
    assert "Añadida al horario: lun, 9 mar 2026, 10:00." in _followed(client, added)


def test_a_class_roster_is_worked_in_spanish(
    client: Client, who: Who, studio: Studio, gym: Gym
) -> None:
    tuesday = studio.add_occurrence(
        gym.service_id, TUESDAY_EVENING, capacity=5, instructor_ref="Marta"
    )
    _book(studio, gym.lucia, tuesday.id, "b1")
    who.current = OWNER
    page = f"{SCHEDULE}/{tuesday.id}"
    text = _read(client.get(page))
    assert f"Pilates, mar, 3 mar 2026, {EVENING}" in text
    assert "Plazas ocupadas: 1 de 5 · Instructor: Marta · Volver al horario" in text
    assert "una reserva se puede cancelar hasta el inicio. Política de reservas" in text
    assert "Lista de la clase Socio Estado Pagada con Acciones" in text
    assert "Lucía Gómez reservada Bono 10 : sesión 1 de 10 Asistió No se presentó" in text
    assert "Por qué no se devuelve el crédito de Lucía Gómez" in text
    assert "Cancelar sin devolver el crédito" in text
    assert "Reservar para un socio Código de socio Reservar ¿Sin el código a mano?" in text
    assert "Cancelar la clase" in text

    refused = submit(client, page, f"{page}/book", {"member_ref": " "})
    assert said_beside(refused, f"{page}/book", "member_ref") == "Obligatorio"
    booked = submit(client, page, f"{page}/book", {"member_ref": "L-2"})
    assert "Reserva hecha para Pablo Gómez." in _followed(client, booked)
    (lucia, pablo) = (b.booking_id for b in studio.roster(tuesday.id))
    bookings = f"{page}/bookings"
    attended = submit(client, page, f"{bookings}/{lucia}/attended", {})
    assert "Lucía Gómez: asistencia registrada." in _followed(client, attended)
    kept = submit(
        client, page, f"{bookings}/{pablo}/cancel", {"keep_credit": "1", "reason": "Sin aviso"}
    )
    text = _followed(client, kept)
    assert "Reserva de Pablo Gómez cancelada; el crédito no se ha devuelto." in text
    assert "crédito no devuelto: Sin aviso" in text

    thursday = studio.add_occurrence(gym.service_id, TUESDAY_EVENING + 2 * DAY)
    _book(studio, gym.pablo, thursday.id, "b2")
    other = f"{SCHEDULE}/{thursday.id}"
    cancelled = submit(client, other, f"{other}/cancel", {})
    text = _followed(client, cancelled)
    assert "Clase cancelada: 1 reserva cancelada, 1 crédito devuelto." in text
    assert f"jue, 5 mar 2026, {EVENING} cancelada el lun, 2 mar 2026, 09:00" in text


def test_booking_policy_and_services_are_in_spanish(
    client: Client, who: Who, studio: Studio, gym: Gym
) -> None:
    who.current = OWNER
    text = _read(client.get(OFFICE + "/services"))
    assert "Servicios Nombre Categoría Minutos Precio Reservas" in text
    assert "Pilates pilates 60 12,50 EUR Política de reservas" in text
    assert "Añadir un servicio Nombre Categoría Duración en minutos" in text
    assert "Precio de una sesión suelta Moneda Añadir servicio" in text

    page = f"{OFFICE}/services/{gym.service_id}/booking-policy"
    text = _read(client.get(page))
    assert "Política de reservas: Pilates Todos los servicios" in text
    assert "El crédito se descuenta al reservar al asistir (retenido hasta entonces)" in text
    assert "Plazo de cancelación, en minutos antes del inicio" in text
    assert "Guardar política" in text
    data = {"credit_taken": "at_booking", "cancel_cutoff_minutes": "dos horas"}
    refused = submit(client, page, page, data)
    assert refused.status_code == 422
    said = said_beside(refused, page, "cancel_cutoff_minutes")
    assert said == "Debe ser un número entero, como 3"
    _read(refused)
    saved = submit(client, page, page, {**data, "cancel_cutoff_minutes": "90"})
    assert "Política de reservas guardada." in _followed(client, saved)

    tuesday = studio.add_occurrence(gym.service_id, TUESDAY_EVENING)
    text = _read(client.get(f"{SCHEDULE}/{tuesday.id}"))
    assert "El crédito se descuenta al reservar; cancelar menos de 90 minutos" in text
    assert "Todavía no hay reservas." in text


def _used_up(studio: Studio, gym: Gym) -> None:
    for number in range(10):
        studio.redeem(
            gym.lucia,
            gym.service_id,
            idempotency_key=f"use-{number}",
            actor=OWNER.actor,
            channel="office",
        )


def test_tasks_are_in_spanish(client: Client, who: Who, studio: Studio, gym: Gym) -> None:
    _used_up(studio, gym)
    (task,) = studio.tasks(state="open")
    who.current = OWNER
    text = _read(client.get(TASKS))
    assert "Tareas Abiertas · Hechas Creada Tarea Cliente Acciones" in text
    assert "lun, 2 mar 2026, 09:00" in text
    assert "Ficha del cliente Marcar como hecha" in text
    done = submit(client, TASKS, f"{TASKS}/{task.id}/complete", {})
    text = _followed(client, done)
    assert f"Tarea hecha: {task.title}" in text
    assert "No hay tareas abiertas." in text
    assert "hecha el lun, 2 mar 2026, 09:00" in _read(client.get(TASKS + "?state=done"))


def test_credits_for_many_are_given_and_undone_in_spanish(
    client: Client, who: Who, studio: Studio, gym: Gym
) -> None:
    other = studio.add_client("crm-2", "Jorge Sanz").account
    who.current = OWNER
    text = _read(client.get(BULK))
    assert "Añadir créditos a varios clientes Filtrar la lista Buscar" in text
    assert "Clientes Jorge Sanz crm-2 Lucía Gómez crm-1" in text
    assert "Añadir créditos a los clientes marcados" in text
    assert "No se ha encontrado ningún cliente." in _read(client.get(BULK + "?q=nadie"))

    refused = submit(client, BULK, BULK, {"quantity": "1", "reason": "Nieve"})
    assert refused.status_code == 422
    assert said_beside(refused, BULK, "account_id") == "Hay que marcar al menos un cliente"
    _read(refused)
    ticked = [str(gym.account_id), str(gym.account_id), str(other.id)]
    data = {"account_id": ticked, "quantity": "1", "label": "Día de nieve", "reason": "Nieve"}
    refused = submit(client, BULK, BULK, {**data, "quantity": "uno"})
    assert said_beside(refused, BULK, "quantity") == "Debe ser un número entero, como 3"

    report = submit(client, BULK, BULK, data)
    text = _followed(client, report)
    assert "Créditos para varios: Nieve" in text
    assert "1 sesión (Día de nieve) · Nieve · concedidos 2, omitidos 1 de 3" in text
    assert "Cliente Resultado Bono" in text
    assert "Lucía Gómez concedido Día de nieve" in text
    assert "Lucía Gómez omitido: ya concedido en este lote —" in text
    assert "Deshacer esta concesión masiva" in text
    undo = f"{report.location}/undo"
    refused = submit(client, report.location, undo, {})
    assert said_beside(refused, undo, "reason") == "Obligatorio"
    undone = submit(client, report.location, undo, {"reason": "Lista equivocada"})
    text = _followed(client, undone)
    assert "Concesión masiva deshecha: se han retirado los créditos de 2 clientes." in text
