"""A studio whose locale is Spanish: its members read the portal, the kiosk and the problem pages
wholly in Spanish, with Spanish dates and amounts, and no English sentence of the catalogue left."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from support import FRONT_DESK, OWNER, POLICY, START, Client, Who, csrf

from sessionpacks import Metric, PassTerms, Settings, Studio
from sessionpacks.directory import MemberInfo
from sessionpacks.web import Identity

PORTAL = "/sessionpacks/my/"
CLASSES = "/sessionpacks/my/classes"
HISTORY = "/sessionpacks/my/history"
KIOSK = "/sessionpacks/kiosk/"
CATALOGUE = Path(__file__).parents[2] / "src/sessionpacks/web/locale/es/LC_MESSAGES/messages.po"

_keys = itertools.count(1)
_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


@pytest.fixture
def locale() -> str:
    return "es"


def _english_sentences() -> list[str]:
    """The catalogue's English texts whose Spanish differs, without placeholders (a page would
    show those filled in)."""
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as source:
        catalog = read_po(source)
    return [
        str(message.id)
        for message in catalog
        if isinstance(message.id, str)
        and message.id
        and "%(" not in message.id
        and message.string != message.id
    ]


ENGLISH = _english_sentences()


class _Text(HTMLParser):
    """What a person reads on a page: its text and the labels a screen reader says."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts += [value or "" for name, value in attrs if name in ("aria-label", "title")]

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _read(html: str) -> str:
    found = _Text()
    found.feed(html)
    return " ".join(" ".join(found.parts).split())


def _spanish(html: str) -> str:
    """The page's text, once it is checked to be a Spanish page with no English left."""
    assert '<html lang="es">' in html
    text = _read(html)
    left = [
        english for english in ENGLISH if re.search(rf"(?<!\w){re.escape(english)}(?!\w)", text)
    ]
    assert left == [], f"English left on the page: {left}\n{text}"
    return text


@pytest.fixture
def mateo(studio: Studio) -> MemberInfo:
    account = studio.add_account("acc-1", "Mateo Ruiz")
    return studio.add_member(account.id, "Mateo Ruiz", ref="M-6")


def _grant(studio: Studio, member: MemberInfo, terms: PassTerms) -> int:
    return studio.grant(
        member.account_id,
        terms,
        reason="sold",
        idempotency_key=f"grant-{next(_keys)}",
        actor=OWNER.actor,
        channel="office",
    ).pass_id


def _ten_pack(studio: Studio, member: MemberInfo) -> int:
    expires = START + dt.timedelta(days=90)
    return _grant(studio, member, PassTerms(quantity=10, label="Bono 10", expires_at=expires))


def _use(studio: Studio, member: MemberInfo, service_id: int, times: int) -> None:
    for _ in range(times):
        studio.redeem(
            member.id,
            service_id,
            idempotency_key=f"use-{next(_keys)}",
            actor=OWNER.actor,
            channel="office",
        )


def test_the_portal_speaks_spanish_with_spanish_dates_and_amounts(
    client: Client, studio: Studio, who: Who, mateo: MemberInfo
) -> None:
    _ten_pack(studio, mateo)
    _grant(
        studio,
        mateo,
        PassTerms(quantity=2500, metric=Metric.MONEY, currency="EUR", label="Monedero"),
    )
    who.current = Identity.member(mateo.id, "member")
    text = _spanish(client.get(PORTAL).text)
    assert "Mis bonos" in text
    assert "Quedan 10 de 10 sesiones" in text
    assert "Quedan 25,00 EUR de 25,00 EUR" in text
    assert "Caduca dom, 31 may 2026, 09:00" in text
    assert "Reservar una clase" in text


def test_classes_enrolling_and_history_are_in_spanish(
    client: Client, studio: Studio, who: Who, mateo: MemberInfo
) -> None:
    yoga = studio.add_service("Yoga", category="class", duration_minutes=60).id
    occurrence = studio.add_occurrence(yoga, START + dt.timedelta(days=1), instructor_ref="Ana")
    pass_id = _ten_pack(studio, mateo)
    who.current = Identity.member(mateo.id, "member")
    page = client.get(CLASSES).text
    text = _spanish(page)
    assert "Cuándo Clase Con Acción" in text
    assert "mar, 3 mar 2026, 09:00 Yoga Ana Apuntarme" in text
    key = _KEY.search(page)
    assert key
    enrolled = client.post(
        f"/sessionpacks/my/classes/{occurrence.id}/enroll",
        data={**csrf(client, CLASSES), "idempotency_key": key.group(1)},
    )
    assert enrolled.status_code == 303
    text = _spanish(client.get(enrolled.location).text)
    assert (
        "Te has apuntado a la clase del mar, 3 mar 2026, 09:00. Sesión 1 de 10, te quedan 9."
    ) in text
    assert "reservada" in text
    text = _spanish(client.get(HISTORY).text)
    assert "Mis reservas" in text
    assert "Bono 10 (sesión 1 de 10)" in text
    assert "Cancelar reserva" in text
    text = _spanish(client.get(f"/sessionpacks/my/passes/{pass_id}").text)
    assert "Quedan 9 sesiones de 10 sesiones" in text
    assert "Usado (sesión 1 de 10)" in text
    assert "Caduca: dom, 31 may 2026, 09:00" in text


def test_the_kiosk_welcomes_and_refuses_in_spanish(
    client: Client, studio: Studio, who: Who, mateo: MemberInfo
) -> None:
    yoga = studio.add_service("Yoga", category="class", duration_minutes=60).id
    _ten_pack(studio, mateo)
    _use(studio, mateo, yoga, 5)
    who.current = FRONT_DESK
    page = client.get(KIOSK).text
    text = _spanish(page)
    assert "Registrar entrada Código de socio PIN, si tienes uno Servicio Yoga" in text

    def check_in(code: str) -> str:
        form = client.get(KIOSK).text
        key = _KEY.search(form)
        assert key
        data = {**csrf(client, KIOSK), "idempotency_key": key.group(1)}
        sent = client.post(
            "/sessionpacks/kiosk/check-in",
            data={**data, "member_code": code, "service_id": str(yoga)},
        )
        assert sent.status_code == 303
        return _spanish(client.get(sent.location).text)

    welcomed = check_in("M-6")
    assert "¡Hola, Mateo! Sesión 6 de 10, te quedan 4." in welcomed
    assert "¡Siguiente, por favor!" in welcomed
    assert "Código o PIN no reconocido" in check_in("NOBODY")
    _use(studio, mateo, yoga, 4)
    refused = check_in("M-6")
    assert "Lo sentimos, Mateo: tu bono está agotado. Pasa por recepción, por favor." in refused


def test_problem_pages_are_in_spanish(
    client: Client, studio: Studio, who: Who, mateo: MemberInfo
) -> None:
    other = studio.add_account("acc-2", "Bruno Díaz")
    someone = studio.add_member(other.id, "Bruno Díaz", ref="B-1")
    theirs = _ten_pack(studio, someone)
    who.current = Identity.member(mateo.id, "member")
    missing = client.get(f"/sessionpacks/my/passes/{theirs}")
    assert missing.status_code == 404
    text = _spanish(missing.text)
    assert "Ese bono no existe, o ya no existe. Vuelve atrás y recarga la página." in text
    assert "Volver atrás · Volver al sitio" in text
    who.current = FRONT_DESK
    refused = client.get(PORTAL)
    assert refused.status_code == 403
    text = _spanish(refused.text)
    assert "Acceso denegado" in text
    assert "Estas páginas son para los socios del estudio" in text
    who.current = None
    anonymous = client.get(PORTAL)
    assert anonymous.status_code == 401
    assert "Inicia sesión en el sitio y luego vuelve a esta página." in _spanish(anonymous.text)


def test_the_api_stays_in_english(client: Client, who: Who) -> None:
    who.current = FRONT_DESK
    answer = client.get("/sessionpacks/api/passes/999999")
    assert answer.status_code == 404
    body = answer.json
    assert body is not None
    assert body["title"] == "Not found"


def test_an_unknown_locale_is_a_configuration_error_naming_it(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clock: object,
    who: Who,
    server_url: str | None,
) -> None:
    module = importlib.import_module(f"hosts.{request.config.getoption('--adapter')}_host")
    with (
        pytest.raises(Exception, match=r"LOCALE.*the locale 'klingon' has no catalogue") as raised,
        module.make_host(tmp_path, clock, who, server_url, Settings(policy=POLICY), "klingon"),
    ):
        pass
    assert type(raised.value).__name__ in ("ConfigurationError", "ImproperlyConfigured")
